//! The search page: one box for a name, an ISIN, a ticker or an entity id.

use std::collections::BTreeSet;

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use embargo_engine::{ScreenOptions, Snapshot};
use embargo_match::Query as MatchQuery;
use embargo_model::{Entity, EntityId, Schema, KNOWN_LISTS};
use maud::{html, Markup};
use serde::Deserialize;

use super::auth::Auth;
use super::highlight::highlight;
use super::layout::{self, list_badge, program_badge, Nav};
use super::{blocking, data_line, entity_href, html_page, parse_date, ConsoleState, Result};

/// The most results a search shows.
const LIMIT: usize = 25;

/// The search form's fields.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct SearchParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub list: String,
    #[serde(default)]
    pub schema: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub as_of: String,
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub id: String,
    pub caption: String,
    pub schema: Schema,
    pub lists: Vec<String>,
    pub programs: Vec<String>,
    pub countries: Vec<String>,
    pub score: f64,
    pub matched: String,
    /// How the row was found: `entity id`, `isin`, `ticker`, `name`…
    pub via: String,
}

fn row(e: &Entity, score: f64, matched: &str, via: &str) -> Row {
    let mut lists: BTreeSet<String> = e.designations.iter().map(|d| d.list.clone()).collect();
    lists.insert(e.id.list().to_string());
    if e.designations
        .iter()
        .any(|d| d.program == embargo_engine::NS_CMIC_PROGRAM)
    {
        lists.insert("us_ofac_ns_cmic".to_string());
    }
    let programs: BTreeSet<String> = e.designations.iter().map(|d| d.program.clone()).collect();
    Row {
        id: e.id.to_string(),
        caption: e.caption().to_string(),
        schema: e.schema,
        lists: lists.into_iter().collect(),
        programs: programs.into_iter().collect(),
        countries: e.countries.clone(),
        score,
        matched: matched.to_string(),
        via: via.to_string(),
    }
}

/// Folds an identifier for comparison: upper case, letters and digits only.
fn fold_id(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Entities whose identifier equals the query (ISIN, ticker with or
/// without its market, USCC, LEI…).
fn by_identifier(snap: &Snapshot, q: &str) -> Vec<Row> {
    let needle = fold_id(q);
    if needle.len() < 3 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for e in snap.entities() {
        for id in &e.identifiers {
            let value = fold_id(&id.value);
            let with_market = id
                .market
                .as_deref()
                .map(|m| format!("{value}{}", fold_id(m)));
            if value == needle || with_market.as_deref() == Some(needle.as_str()) {
                out.push(row(e, 1.0, &id.value, id.kind.as_str()));
                break;
            }
        }
    }
    out
}

/// Runs a search against a snapshot.
pub(crate) fn run(snap: &Snapshot, p: &SearchParams) -> Vec<Row> {
    let q = p.q.trim();
    if q.is_empty() {
        return Vec::new();
    }
    let mut rows = Vec::new();
    if let Some(e) = snap.entity(&EntityId(q.to_string())) {
        rows.push(row(e, 1.0, e.caption(), "entity id"));
    }
    rows.extend(by_identifier(snap, q));
    let schema = Schema::parse(&p.schema);
    let query = MatchQuery {
        schema,
        names: vec![q.to_string()],
        ..MatchQuery::default()
    };
    let opts = ScreenOptions {
        limit: LIMIT * 2,
        threshold: 0.5,
        datasets: (!p.list.is_empty()).then(|| vec![p.list.clone()]),
        exclude_ids: Vec::new(),
    };
    for hit in snap.screen(&query, &opts).hits {
        if let Some(e) = snap.entity(&EntityId(hit.entity_id.clone())) {
            rows.push(row(e, hit.score, &hit.matched_name, "name"));
        }
    }
    let country = p.country.trim().to_ascii_lowercase();
    let country = embargo_match::country_code(&country).unwrap_or(country);
    let mut seen = BTreeSet::new();
    rows.retain(|r| {
        seen.insert(r.id.clone())
            && (p.list.is_empty() || r.lists.contains(&p.list))
            && schema.is_none_or(|s| r.schema == s)
            && (country.is_empty() || r.countries.contains(&country))
    });
    rows.truncate(LIMIT);
    rows
}

fn score_class(s: f64) -> &'static str {
    if s >= 0.9 {
        "score high"
    } else if s >= 0.7 {
        "score mid"
    } else {
        "score low"
    }
}

/// The results list (also the fragment answered to search-as-you-type).
pub(crate) fn results(rows: &[Row], p: &SearchParams, as_of: Option<NaiveDate>) -> Markup {
    let q = p.q.trim();
    html! {
        @if q.is_empty() {
            div.empty {
                p { "Type a company or person name, an ISIN, a ticker or an entity id. Try "
                    a href="/?q=Xiaomi" { "Xiaomi" } ", "
                    a href="/?q=Hikvision" { "Hikvision" } ", "
                    a href="/?q=%E6%B5%B7%E5%BA%B7%E5%A8%81%E8%A7%86" { "海康威视" } " or "
                    a href="/?q=US16941M1099" { "US16941M1099" } "." }
            }
        } @else if rows.is_empty() {
            div.empty role="status" {
                p { "No listed party matches “" (q) "”"
                    @if let Some(d) = as_of { " in the lists as of " (d) }
                    "." }
                p { "Names are matched across scripts and spellings; identifiers must be complete. "
                    "Remove a filter or pick a later “as of” date to widen the search." }
            }
        } @else {
            p.muted role="status" { (rows.len()) " result" @if rows.len() != 1 { "s" } " for “" (q) "”" }
            ol.results data-testid="results" {
                @for r in rows {
                    li {
                        div { span class=(score_class(r.score)) title="match score" { (format!("{:.2}", r.score)) } }
                        div {
                            div.title {
                                a href=(entity_href(&r.id, as_of)) { (highlight(&r.caption, q)) }
                            }
                            @if r.matched != r.caption {
                                div.meta { "matched " (r.via) ": " (highlight(&r.matched, q)) }
                            }
                            div.meta {
                                @for l in &r.lists { (list_badge(l)) }
                                @for pr in &r.programs { (program_badge(pr)) }
                                " " (r.schema.as_str())
                                @if !r.countries.is_empty() { " · " (r.countries.join(", ").to_uppercase()) }
                                " · " code { (r.id) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn form(p: &SearchParams) -> Markup {
    let mut lists: Vec<&str> = KNOWN_LISTS.iter().map(|l| l.key).collect();
    lists.sort_unstable();
    html! {
        form.filters role="search" method="get" action="/" data-fragment="/ui/search" data-target="results" {
            label.searchbox { "Name, ISIN, ticker or entity id"
                input.big type="search" name="q" value=(p.q) autofocus autocomplete="off"
                    data-hotkey="/" aria-controls="results" placeholder="e.g. Xiaomi, US16941M1099, 1810 HK";
            }
            label { "List"
                select name="list" {
                    option value="" { "all lists" }
                    @for l in &lists {
                        option value=(l) selected[p.list == *l] { (super::timeline::short_list(l)) }
                    }
                }
            }
            label { "Schema"
                select name="schema" {
                    option value="" { "any" }
                    @for s in Schema::ALL {
                        option value=(s.as_str()) selected[p.schema == s.as_str()] { (s.as_str()) }
                    }
                }
            }
            label { "Country"
                input type="text" name="country" value=(p.country) size="8" placeholder="cn, China";
            }
            label { "As of"
                input type="date" name="as_of" value=(p.as_of);
            }
            button type="submit" { "Search" }
        }
    }
}

async fn compute(
    st: ConsoleState,
    p: SearchParams,
) -> Result<(Vec<Row>, layout::DataLine, Option<NaiveDate>)> {
    blocking(move || {
        let as_of = parse_date("as of", Some(&p.as_of))?;
        let snap = st.app.engine.snapshot_at(as_of)?;
        let rows = run(&snap, &p);
        Ok((rows, data_line(&snap, as_of), as_of))
    })
    .await
}

/// `GET /`
pub(crate) async fn page(
    auth: Auth,
    State(st): State<ConsoleState>,
    Query(p): Query<SearchParams>,
) -> Result<Response> {
    let (rows, data, as_of) = compute(st, p.clone()).await?;
    let body = html! {
        (form(&p))
        div #results aria-live="polite" { (data.render()) (results(&rows, &p, as_of)) }
    };
    Ok(html_page(layout::page(
        &auth.viewer,
        Nav::Search,
        "Search the lists",
        None,
        body,
    )))
}

/// `GET /ui/search`: the results fragment with its data line.
pub(crate) async fn fragment(
    _auth: Auth,
    State(st): State<ConsoleState>,
    Query(p): Query<SearchParams>,
) -> Response {
    match compute(st, p.clone()).await {
        Ok((rows, data, as_of)) => {
            Html(html! { (data.render()) (results(&rows, &p, as_of)) }.into_string())
                .into_response()
        }
        Err(e) => Html(layout::error_box(&e.to_string()).into_string()).into_response(),
    }
}
