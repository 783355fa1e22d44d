//! The entity page: names by kind and script, identifiers and securities,
//! addresses, relations, remarks, history, the timeline and the "why" panel.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{NaiveDate, SubsecRound, Utc};
use embargo_law::{SecurityRef, Side};
use embargo_model::{Entity, EntityId, IdKind, LifecycleEvent, NameKind};
use embargo_store::{EntityRevision, ListVersion, RevisionChange, VersionSel};
use maud::{html, Markup};
use pinyin::ToPinyin;
use serde::Deserialize;

use super::auth::Auth;
use super::effect::{self, decide, ZONES};
use super::layout::{self, list_badge, program_badge, Nav};
use super::{
    blocking, data_line, entity_href, html_page, parse_date, timeline, ConsoleError, ConsoleState,
    Result,
};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EntityParams {
    #[serde(default)]
    as_of: String,
    /// The instant of the "why" panel: date, time and zone.
    #[serde(default)]
    at_date: String,
    #[serde(default)]
    at_time: String,
    #[serde(default)]
    at_zone: String,
}

/// The writing system of a name, for grouping.
pub(crate) fn script(s: &str) -> &'static str {
    let mut han = false;
    for c in s.chars() {
        match c as u32 {
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => han = true,
            0x0400..=0x04FF => return "Cyrillic",
            0x0600..=0x06FF | 0x0750..=0x077F => return "Arabic",
            0x0370..=0x03FF => return "Greek",
            0xAC00..=0xD7AF => return "Hangul",
            0x3040..=0x30FF => return "Japanese kana",
            _ => {}
        }
    }
    if han {
        "Han"
    } else {
        "Latin"
    }
}

/// The pinyin of the Han characters of a name (other characters kept).
pub(crate) fn pinyin_of(s: &str) -> String {
    let mut out = String::new();
    let mut prev_han = false;
    for c in s.chars() {
        match c.to_pinyin() {
            Some(p) => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
                out.push_str(p.with_tone());
                prev_han = true;
            }
            None => {
                if prev_han && !c.is_whitespace() {
                    out.push(' ');
                }
                out.push(c);
                prev_han = false;
            }
        }
    }
    out.trim().to_string()
}

fn kind_label(k: NameKind) -> &'static str {
    match k {
        NameKind::Primary => "Primary name",
        NameKind::Alias => "Also known as",
        NameKind::WeakAlias => "Weak aliases",
        NameKind::Former => "Formerly known as",
        NameKind::LocalScript => "Local-script names",
        NameKind::Issuer => "Issuer names (securities)",
    }
}

fn names(e: &Entity) -> Markup {
    let mut groups: BTreeMap<(NameKind, &'static str), Vec<&embargo_model::Name>> = BTreeMap::new();
    for n in &e.names {
        groups
            .entry((n.kind, script(&n.value)))
            .or_default()
            .push(n);
    }
    html! {
        div.names data-testid="names" {
            @for ((kind, script), ns) in &groups {
                div.card {
                    h3 { (kind_label(*kind)) " · " span.muted { (script) } }
                    ul {
                        @for n in ns {
                            li lang=[(*script == "Han").then_some("zh")] {
                                @if *script == "Han" {
                                    span.han { (n.value) }
                                    span.pinyin lang="zh-Latn-pinyin" { (pinyin_of(&n.value)) }
                                } @else {
                                    (n.value)
                                }
                                @if let Some(note) = &n.note { " " small.muted { "(" (note) ")" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn identifiers(e: &Entity) -> Markup {
    let securities: Vec<_> = e
        .identifiers
        .iter()
        .filter(|i| {
            matches!(
                i.kind,
                IdKind::Isin | IdKind::Ticker | IdKind::Uscc | IdKind::Lei
            )
        })
        .collect();
    let others: Vec<_> = e
        .identifiers
        .iter()
        .filter(|i| {
            !matches!(
                i.kind,
                IdKind::Isin | IdKind::Ticker | IdKind::Uscc | IdKind::Lei
            )
        })
        .collect();
    let issuers: Vec<_> = e
        .names
        .iter()
        .filter(|n| n.kind == NameKind::Issuer)
        .collect();
    let table = |ids: &[&embargo_model::Identifier]| {
        html! {
            div.table-wrap {
                table {
                    thead { tr { th { "Kind" } th { "Value" } th { "Market / country" } th { "Note" } } }
                    tbody {
                        @for i in ids {
                            tr {
                                td { (i.kind.as_str().to_uppercase()) }
                                td.mono { a href=(format!("/?q={}", super::auth::url_query(&i.value))) { (i.value) } }
                                td { (i.market.as_deref().or(i.country.as_deref()).unwrap_or("")) }
                                td {
                                    @if let Some(issue) = &i.issue { span.removed { "⚠ " (issue) } " " }
                                    (i.note.as_deref().unwrap_or(""))
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    html! {
        h2 #securities { "Securities and identifiers" }
        @if securities.is_empty() && issuers.is_empty() && others.is_empty() {
            p.empty { "The list gives no identifier for this party." }
        }
        @if !securities.is_empty() { (table(&securities)) }
        @if !issuers.is_empty() {
            p { "Securities issued as: "
                @for (i, n) in issuers.iter().enumerate() { @if i > 0 { "; " } strong { (n.value) } } }
        }
        @if !others.is_empty() { h3 { "Other identifiers" } (table(&others)) }
    }
}

fn facts(e: &Entity) -> Markup {
    html! {
        dl.facts {
            dt { "Entity id" } dd { code { (e.id) } }
            dt { "Schema" } dd { (e.schema.as_str()) }
            @if !e.countries.is_empty() { dt { "Countries" } dd { (e.countries.join(", ").to_uppercase()) } }
            @if !e.birth_dates.is_empty() {
                dt { "Born" } dd { (e.birth_dates.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")) }
            }
            @if !e.birth_places.is_empty() { dt { "Birth places" } dd { (e.birth_places.join("; ")) } }
            @for (k, v) in &e.properties { dt { (k) } dd { (v.join("; ")) } }
            dt { "Designations" }
            dd {
                @for d in &e.designations {
                    div {
                        (list_badge(&d.list)) (program_badge(&d.program))
                        @if let Some(l) = d.listed_on { " listed " (l) }
                        @if let Some(x) = &d.effective { " · effective " (x.to_string()) }
                        @if let Some(x) = &d.divestment_until { " · divestment until " (x.to_string()) }
                        @if let Some(x) = d.ended_on { " · ended " (x) }
                        @if let Some(r) = &d.end_reason { " (" (r) ")" }
                        @if let Some(s) = &d.source { " " small.muted { "source: " (effect::source(s)) } }
                    }
                }
            }
        }
    }
}

fn addresses_and_relations(e: &Entity, as_of: Option<NaiveDate>) -> Markup {
    html! {
        div.grid2 {
            div {
                h2 { "Addresses" }
                @if e.addresses.is_empty() { p.empty { "No address given." } }
                ul { @for a in &e.addresses { li { (a.full()) @if let Some(n) = &a.note { " " small.muted { "(" (n) ")" } } } } }
            }
            div {
                h2 { "Relations" }
                @if e.relations.is_empty() { p.empty { "No linked party given." } }
                ul {
                    @for r in &e.relations {
                        li {
                            (r.kind.as_str().replace('_', " ")) ": "
                            @match &r.target_id {
                                Some(id) => { a href=(entity_href(id.as_str(), as_of)) { (r.target_name) } }
                                None => { a href=(format!("/?q={}", super::auth::url_query(&r.target_name))) { (r.target_name) } }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(r) = &e.remarks {
            h2 { "Remarks" }
            p.card { (r) }
        }
    }
}

fn history(revs: &[EntityRevision]) -> Markup {
    html! {
        h2 { "History across list versions" }
        @if revs.is_empty() { p.empty { "No version history is stored for this entity." } }
        ol.events {
            @for r in revs {
                li {
                    strong { "v" (r.version.seq) } " (" (r.version.as_of()) "): "
                    @match &r.change {
                        RevisionChange::Added => { span.added { "added" } }
                        RevisionChange::Removed => { span.removed { "removed" } }
                        RevisionChange::Changed { fields } => {
                            span.changed { "changed " }
                            (fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>().join(", "))
                        }
                        RevisionChange::Unchanged { versions, through } => {
                            "unchanged over " (versions) " version" @if *versions != 1 { "s" } " through v" (through.seq)
                        }
                    }
                }
            }
        }
    }
}

fn timeline_section(e: &Entity, events: &[LifecycleEvent], instant: Option<NaiveDate>) -> Markup {
    let svg = timeline::render(&e.designations, events, Utc::now().date_naive(), instant);
    html! {
        h2 #timeline { "Timeline" }
        @if svg.is_empty() {
            p.empty { "No dated designation or event is known for this party." }
        } @else {
            div.timeline-wrap data-testid="timeline" { (layout::raw(svg)) }
            ul.legend {
                @for (class, label) in timeline::legend() {
                    li { span class=(format!("sw {class}")) {} (label) }
                }
            }
        }
        @if !events.is_empty() {
            details open[events.len() <= 12] {
                summary { (events.len()) " legal event" @if events.len() != 1 { "s" } " with sources" }
                ol.events data-testid="events" {
                    @for ev in events {
                        li {
                            strong { (ev.at.to_string()) } " — " (ev.kind.as_str().replace('_', " ")) ": " (ev.title)
                            br;
                            span.muted { (ev.effect) }
                            br;
                            small { "Source: " (effect::source(&ev.source)) }
                        }
                    }
                }
            }
        }
    }
}

struct Loaded {
    entity: Entity,
    version: ListVersion,
    events: Vec<LifecycleEvent>,
    revisions: Vec<EntityRevision>,
    why: Vec<(String, embargo_law::TradeDecision)>,
    data: layout::DataLine,
}

fn load(st: &ConsoleState, id: &EntityId, p: &EntityParams) -> Result<Loaded> {
    let as_of = parse_date("as of", Some(&p.as_of))?;
    let sel = as_of.map(VersionSel::AsOf).unwrap_or(VersionSel::Latest);
    let engine = &st.app.engine;
    let (entity, version) = engine.entity(id, &sel)?.ok_or_else(|| {
        ConsoleError::NotFound(match as_of {
            Some(d) => format!("No entity '{id}' in its list as of {d}. It may have been listed later: try without a date."),
            None => format!("No entity '{id}' in the latest version of its list."),
        })
    })?;
    let snap = engine.snapshot_at(as_of)?;
    let mut events: Vec<LifecycleEvent> = snap.law().events_for(id).cloned().collect();
    events.sort_by(|a, b| a.at.cmp(&b.at));
    let revisions = engine.history(id)?;
    // The "why" panel: what a US person's purchase would meet, now and at
    // the chosen instant.
    let security = entity
        .identifiers
        .iter()
        .find(|i| i.kind == IdKind::Isin && i.issue.is_none())
        .map(|i| SecurityRef::isin(&i.value))
        .unwrap_or_else(|| SecurityRef::name(entity.caption()));
    let mut why = Vec::new();
    let now = Utc::now().trunc_subsecs(0).fixed_offset();
    why.push((
        "Today".to_string(),
        decide(&snap, security.clone(), Side::Buy, now),
    ));
    if !p.at_date.trim().is_empty() {
        let at = effect::instant(&p.at_date, &p.at_time, &p.at_zone)?;
        why.push((
            format!("At {}", at.to_rfc3339()),
            decide(&snap, security, Side::Buy, at),
        ));
    }
    Ok(Loaded {
        entity,
        version,
        events,
        revisions,
        why,
        data: data_line(&snap, as_of),
    })
}

fn why_panel(l: &Loaded, p: &EntityParams) -> Markup {
    html! {
        section.why.card #why aria-labelledby="why-h" {
            h2 #why-h { "Why: legal effect of a purchase" }
            form.inline method="get" action=(entity_href(l.entity.id.as_str(), None)) {
                @if !p.as_of.is_empty() { input type="hidden" name="as_of" value=(p.as_of); }
                label { "Date" input type="date" name="at_date" value=(p.at_date) required; }
                label { "Time" input type="time" name="at_time" value=(p.at_time) step="1"; }
                label { "Zone"
                    input type="text" name="at_zone" list="zones" value=(p.at_zone) placeholder="America/New_York" size="16";
                }
                datalist #zones { @for z in ZONES { option value=(z) {} } }
                button type="submit" { "Explain" }
            }
            @for (label, d) in &l.why {
                h3 { (label) }
                (effect::decision(d, Some(&l.entity.id)))
            }
        }
    }
}

/// `GET /entity/{id}`
pub(crate) async fn page(
    auth: Auth,
    State(st): State<ConsoleState>,
    Path(id): Path<String>,
    Query(p): Query<EntityParams>,
) -> Result<Response> {
    let id = EntityId(id);
    let (l, p) = blocking(move || {
        let l = load(&st, &id, &p)?;
        Ok((l, p))
    })
    .await?;
    let as_of = parse_date("as of", Some(&p.as_of))?;
    let e = &l.entity;
    let body = html! {
        p.muted {
            "From " (list_badge(&l.version.list)) " version " (l.version.seq) " (" (l.version.as_of()) "). "
            a href="#timeline" { "Timeline" } " · " a href="#why" { "Why" } " · " a href="#securities" { "Securities" }
        }
        (facts(e))
        h2 { "Names" }
        (names(e))
        (identifiers(e))
        (addresses_and_relations(e, as_of))
        (timeline_section(e, &l.events, parse_date("date", Some(&p.at_date)).ok().flatten().or(as_of)))
        (why_panel(&l, &p))
        (history(&l.revisions))
    };
    Ok(html_page(layout::page(
        &auth.viewer,
        Nav::Entity,
        e.caption(),
        Some(&l.data),
        body,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_grouped_by_kind_and_script_with_pinyin() {
        let mut e = Entity::new(
            EntityId::new("us_dod_1260h", "hikvision"),
            embargo_model::Schema::Company,
            "Hangzhou Hikvision Digital Technology Co., Ltd.",
        );
        e.add_name("海康威视", NameKind::LocalScript);
        e.add_name("Hikvision", NameKind::Alias);
        let html = names(&e).into_string();
        assert!(html.contains("Local-script names · <span class=\"muted\">Han</span>"));
        assert!(html.contains(r#"<span class="han">海康威视</span>"#));
        assert!(html.contains("hǎi kāng wēi shì"));
        assert!(html.contains("Also known as · <span class=\"muted\">Latin</span>"));
        assert!(html.find("Primary name") < html.find("Also known as"));
    }

    #[test]
    fn scripts_and_pinyin() {
        assert_eq!(script("杭州海康威视数字技术股份有限公司"), "Han");
        assert_eq!(script("Xiaomi Corporation"), "Latin");
        assert_eq!(script("Роснефть"), "Cyrillic");
        assert_eq!(pinyin_of("小米"), "xiǎo mǐ");
        assert_eq!(pinyin_of("海康威视 (HK)"), "hǎi kāng wēi shì (HK)");
    }
}
