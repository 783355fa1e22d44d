//! The lists: every list with its versions and as-of dates, and the diff
//! between any two versions (filterable, downloadable as CSV).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use embargo_model::ListId;
use embargo_store::{Diff, ListSummary, ListVersion, VersionSel};
use maud::{html, Markup};
use serde::Deserialize;

use super::auth::Auth;
use super::layout::{self, list_badge, program_badge, Nav};
use super::{blocking, data_line, enc, entity_href, html_page, ConsoleError, ConsoleState, Result};

fn title_of(list: &str) -> &str {
    ListId::find(list).map(|l| l.title).unwrap_or(list)
}

/// `GET /lists`
pub(crate) async fn index(auth: Auth, State(st): State<ConsoleState>) -> Result<Response> {
    let (lists, data) = blocking(move || {
        let lists = st.app.engine.lists()?;
        let snap = st.app.engine.snapshot();
        Ok((lists, data_line(&snap, None)))
    })
    .await?;
    let body = html! {
        @if lists.is_empty() {
            p.empty { "No list has been imported yet. Run " code { "embargo import" } " or " code { "embargo update" } "." }
        } @else {
            div.table-wrap {
                table data-testid="lists" {
                    thead { tr { th { "List" } th { "Publisher" } th.num { "Versions" } th { "Latest as of" } th.num { "Entities" } th { "Imported" } } }
                    tbody {
                        @for l in &lists { (list_row(l)) }
                    }
                }
            }
            p.muted { "The NS-CMIC list is the " code { "CMIC-EO13959" } " program of the OFAC non-SDN consolidated list; search it with the list filter." }
        }
    };
    Ok(html_page(layout::page(
        &auth.viewer,
        Nav::Lists,
        "Lists and versions",
        Some(&data),
        body,
    )))
}

fn list_row(l: &ListSummary) -> Markup {
    let publisher = ListId::find(&l.list).map(|x| x.publisher).unwrap_or("");
    html! {
        tr {
            td { a href=(format!("/lists/{}", enc(&l.list))) { (title_of(&l.list)) } br; (list_badge(&l.list)) " " code { (l.list) } }
            td { (publisher) }
            td.num { (l.version_count) }
            td { (l.latest.as_of()) @if l.latest.published.is_none() { span.muted { " (import date)" } } }
            td.num { (l.entity_count) }
            td { (l.latest.imported_at.format("%Y-%m-%d %H:%M UTC")) }
        }
    }
}

fn version_options(versions: &[ListVersion], selected: Option<i64>) -> Markup {
    html! {
        @for v in versions.iter().rev() {
            option value=(format!("v{}", v.seq)) selected[selected == Some(v.id)] {
                "v" (v.seq) " — as of " (v.as_of()) " (" (v.entity_count) " entities)"
            }
        }
    }
}

/// `GET /lists/{list}`
pub(crate) async fn versions(
    auth: Auth,
    State(st): State<ConsoleState>,
    Path(list): Path<String>,
) -> Result<Response> {
    let l2 = list.clone();
    let versions = blocking(move || Ok(st.app.engine.versions(&l2)?)).await?;
    if versions.is_empty() {
        return Err(ConsoleError::NotFound(format!(
            "No list '{list}' in the store. See the lists page for the lists there are."
        )));
    }
    let data = layout::DataLine {
        versions: versions
            .last()
            .map(|v| layout::DataVersion {
                list: v.list.clone(),
                seq: v.seq,
                as_of: v.as_of(),
            })
            .into_iter()
            .collect(),
        as_of: None,
        label: Some("Latest version"),
    };
    let n = versions.len();
    let prev = versions.iter().rev().nth(1).map(|v| v.id);
    let last = versions.last().map(|v| v.id);
    let body = html! {
        p { (list_badge(&list)) " " code { (list) } }
        @if n >= 2 {
            form.inline.card method="get" action=(format!("/lists/{}/diff", enc(&list))) {
                label { "From" select name="from" { (version_options(&versions, prev)) } }
                label { "To" select name="to" { (version_options(&versions, last)) } }
                button type="submit" { "Show differences" }
            }
        } @else {
            p.empty { "This list has a single version: there is nothing to compare yet." }
        }
        div.table-wrap {
            table data-testid="versions" {
                thead { tr {
                    th { "Version" } th { "As of" } th { "Imported" } th { "Source" } th.num { "Entities" }
                    th.num { "Names" } th.num { "Identifiers" } th.num { "Events" } th { "Content hash" } th { "Files" }
                } }
                tbody {
                    @for (i, v) in versions.iter().enumerate().rev() {
                        tr {
                            td { "v" (v.seq)
                                @if i > 0 {
                                    " " a href=(format!("/lists/{}/diff?from=v{}&to=v{}", enc(&list), versions[i - 1].seq, v.seq)) { "diff" }
                                }
                            }
                            td { (v.as_of()) @if v.published.is_none() { span.muted { " (import)" } } }
                            td { (v.imported_at.format("%Y-%m-%d %H:%M UTC")) }
                            td { (v.source) }
                            td.num { (v.entity_count) }
                            td.num { (v.name_count) }
                            td.num { (v.identifier_count) }
                            td.num { (v.event_count) }
                            td.mono title=(v.sha256) { (v.sha256.get(..12).unwrap_or(&v.sha256)) "…" }
                            td { @for f in &v.files { div.mono { (f.0) " " span.muted { "(" (f.2) " B)" } } } }
                        }
                    }
                }
            }
        }
    };
    Ok(html_page(layout::page(
        &auth.viewer,
        Nav::Lists,
        title_of(&list),
        Some(&data),
        body,
    )))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DiffParams {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// Text filter on id, caption and changes.
    #[serde(default)]
    q: String,
    /// `added`, `removed` or `changed`; empty for all.
    #[serde(default)]
    kind: String,
}

fn sel(field: &str, s: &str) -> Result<Option<VersionSel>> {
    match s.trim() {
        "" => Ok(None),
        t => t
            .parse::<VersionSel>()
            .map(Some)
            .map_err(|e| ConsoleError::BadRequest(format!("{field}: {e}"))),
    }
}

fn load_diff(st: &ConsoleState, list: &str, p: &DiffParams) -> Result<Diff> {
    let from = sel("from", &p.from)?;
    let to = sel("to", &p.to)?;
    Ok(st.app.engine.diff(list, from.as_ref(), to.as_ref())?)
}

/// One row of a diff: change kind, entity id, caption, field, removed, added.
type DiffLine = (&'static str, String, String, String, String, String);

/// The diff flattened to rows, filtered by kind and text.
fn lines(d: &Diff, p: &DiffParams) -> Vec<DiffLine> {
    let mut out: Vec<DiffLine> = Vec::new();
    for a in &d.added {
        out.push((
            "added",
            a.id.to_string(),
            a.caption.clone(),
            String::new(),
            String::new(),
            a.programs.join("; "),
        ));
    }
    for r in &d.removed {
        out.push((
            "removed",
            r.id.to_string(),
            r.caption.clone(),
            String::new(),
            r.programs.join("; "),
            String::new(),
        ));
    }
    for c in &d.changed {
        for f in &c.fields {
            out.push((
                "changed",
                c.id.to_string(),
                c.caption.clone(),
                f.field.clone(),
                f.removed.join("; "),
                f.added.join("; "),
            ));
        }
    }
    let needle = p.q.trim().to_lowercase();
    out.retain(|l| {
        (p.kind.is_empty() || l.0 == p.kind)
            && (needle.is_empty()
                || [&l.1, &l.2, &l.3, &l.4, &l.5]
                    .iter()
                    .any(|s| s.to_lowercase().contains(&needle)))
    });
    out
}

/// `GET /lists/{list}/diff`
pub(crate) async fn diff(
    auth: Auth,
    State(st): State<ConsoleState>,
    Path(list): Path<String>,
    Query(p): Query<DiffParams>,
) -> Result<Response> {
    let l2 = list.clone();
    let (d, versions, p) = blocking(move || {
        let d = load_diff(&st, &l2, &p)?;
        let versions = st.app.engine.versions(&l2)?;
        Ok((d, versions, p))
    })
    .await?;
    let rows = lines(&d, &p);
    let data = layout::DataLine {
        versions: [&d.from, &d.to]
            .iter()
            .map(|v| layout::DataVersion {
                list: v.list.clone(),
                seq: v.seq,
                as_of: v.as_of(),
            })
            .collect(),
        as_of: None,
        label: Some("Compared versions"),
    };
    let csv_href = format!(
        "/lists/{}/diff.csv?from=v{}&to=v{}&q={}&kind={}",
        enc(&list),
        d.from.seq,
        d.to.seq,
        super::auth::url_query(&p.q),
        super::auth::url_query(&p.kind)
    );
    let body = html! {
        form.inline.card method="get" action=(format!("/lists/{}/diff", enc(&list))) {
            label { "From" select name="from" { (version_options(&versions, Some(d.from.id))) } }
            label { "To" select name="to" { (version_options(&versions, Some(d.to.id))) } }
            label { "Show"
                select name="kind" {
                    option value="" { "all changes" }
                    @for k in ["added", "removed", "changed"] { option value=(k) selected[p.kind == k] { (k) } }
                }
            }
            label { "Filter" input type="search" name="q" value=(p.q) placeholder="name, id, field…" data-filter-table="diff-table" data-filter-status="diff-status"; }
            button type="submit" { "Compare" }
            a.button.secondary href=(csv_href) download { "Download CSV" }
        }
        p.diffcount data-testid="diff-summary" {
            "v" (d.from.seq) " (" (d.from.as_of()) ") → v" (d.to.seq) " (" (d.to.as_of()) "): "
            span.added { (d.added.len()) " added" }
            span.removed { (d.removed.len()) " removed" }
            span.changed { (d.changed.len()) " changed" }
            span.muted { (d.unchanged) " unchanged" }
        }
        @if rows.is_empty() {
            p.empty {
                @if d.added.is_empty() && d.removed.is_empty() && d.changed.is_empty() {
                    "These two versions hold the same entities with the same content."
                } @else {
                    "No change matches the filter."
                }
            }
        } @else {
            p.muted #diff-status role="status" { (rows.len()) " rows" }
            div.table-wrap {
                table #diff-table data-testid="diff" {
                    thead { tr { th { "Change" } th { "Entity" } th { "Field" } th { "Before" } th { "After" } } }
                    tbody {
                        @for (kind, id, caption, field, before, after) in rows.iter().take(2000) {
                            tr data-change=(kind) {
                                td { span class=(*kind) { (kind) } }
                                td {
                                    @if *kind == "removed" { (caption) } @else { a href=(entity_href(id, None)) { (caption) } }
                                    br; code.muted { (id) }
                                }
                                td { (field) }
                                td { @if !before.is_empty() { del { (before) } } }
                                td { @if !after.is_empty() { ins { (after) } } }
                            }
                        }
                    }
                }
            }
            @if rows.len() > 2000 { p.muted { "Showing the first 2000 rows; the CSV has all " (rows.len()) "." } }
        }
        @if !d.added.is_empty() {
            details {
                summary { "Programs of added entities" }
                p { @for a in d.added.iter().take(200) { @for pr in &a.programs { (program_badge(pr)) } } }
            }
        }
    };
    let title = format!("{}: differences", title_of(&list));
    Ok(html_page(layout::page(
        &auth.viewer,
        Nav::Lists,
        &title,
        Some(&data),
        body,
    )))
}

/// `GET /lists/{list}/diff.csv`
pub(crate) async fn diff_csv(
    _auth: Auth,
    State(st): State<ConsoleState>,
    Path(list): Path<String>,
    Query(p): Query<DiffParams>,
) -> Result<Response> {
    let l2 = list.clone();
    let (d, p) = blocking(move || Ok((load_diff(&st, &l2, &p)?, p))).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| ConsoleError::Internal(e.to_string());
    w.write_record([
        "list",
        "from_version",
        "to_version",
        "change",
        "entity_id",
        "caption",
        "field",
        "removed",
        "added",
    ])
    .map_err(err)?;
    let (from, to) = (format!("v{}", d.from.seq), format!("v{}", d.to.seq));
    for (kind, id, caption, field, before, after) in lines(&d, &p) {
        w.write_record([
            list.as_str(),
            &from,
            &to,
            kind,
            &id,
            &caption,
            &field,
            &before,
            &after,
        ])
        .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let name = format!(
        "attachment; filename=\"{}_{from}_{to}_diff.csv\"",
        list.replace(['"', '\\', '/'], "_")
    );
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
