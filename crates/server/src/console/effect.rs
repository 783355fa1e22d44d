//! Legal effect: trade checks through the law engine, and how their
//! answers are shown (outcome, findings, rules, dates, events, sources).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use embargo_engine::{ScreenOptions, Snapshot};
use embargo_law::time::local_instant;
use embargo_law::{
    check_trade, IssuerResolver, NameLink, SecurityMaster, SecurityRef, Side, TradeCheck,
    TradeDecision,
};
use embargo_match::Query as MatchQuery;
use embargo_model::{EntityId, Schema};
use maud::{html, Markup};

use super::layout::outcome_class;
use super::timeline::first_url;
use super::{entity_href, ConsoleError, Result};

/// Resolves issuer names with the snapshot's match index.
pub(crate) struct IndexResolver<'a>(pub &'a Snapshot);

impl IssuerResolver for IndexResolver<'_> {
    fn resolve_name(&self, name: &str) -> Vec<NameLink> {
        // Securities are issued by organisations, never by people.
        let query = MatchQuery {
            schema: Some(Schema::Company),
            names: vec![name.to_string()],
            ..MatchQuery::default()
        };
        let opts = ScreenOptions {
            limit: 5,
            threshold: 0.7,
            ..ScreenOptions::default()
        };
        self.0
            .screen(&query, &opts)
            .hits
            .into_iter()
            .map(|h| NameLink {
                entity_id: EntityId(h.entity_id),
                score: h.score,
                explanation: format!(
                    "'{}' ~ '{}' (name score {:.2})",
                    h.explanation.query_name,
                    h.explanation.candidate_name,
                    h.explanation.name_score
                ),
                matched_name: h.matched_name,
            })
            .collect()
    }
}

/// Checks one trade against a snapshot's law book.
pub(crate) fn decide(
    snap: &Snapshot,
    security: SecurityRef,
    side: Side,
    at: DateTime<FixedOffset>,
) -> TradeDecision {
    let t = TradeCheck::new(security, side, at);
    check_trade(snap.law(), &SecurityMaster::new(), &IndexResolver(snap), &t)
}

/// The time zones offered in forms (any IANA name is accepted as text).
pub(crate) const ZONES: &[&str] = &[
    "America/New_York",
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Australia/Sydney",
];

/// Builds an instant from form fields: a date, an optional `HH:MM[:SS]`
/// time (default: the last second of the day, so every prohibition that
/// starts that day applies) and a zone (default New York).
pub(crate) fn instant(date: &str, time: &str, zone: &str) -> Result<DateTime<FixedOffset>> {
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| {
        ConsoleError::BadRequest(format!("date: expected YYYY-MM-DD, got '{}'", date.trim()))
    })?;
    let t = match time.trim() {
        "" => NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN),
        s => NaiveTime::parse_from_str(s, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
            .map_err(|_| ConsoleError::BadRequest(format!("time: expected HH:MM, got '{s}'")))?,
    };
    let zone = match zone.trim() {
        "" => "America/New_York",
        z => z,
    };
    local_instant(NaiveDateTime::new(d, t), zone)
        .map_err(|e| ConsoleError::BadRequest(e.to_string()))
}

/// An outcome as a coloured label.
pub(crate) fn outcome_label(outcome: &str) -> Markup {
    html! { span class=(format!("outcome {}", outcome_class(outcome))) data-testid="outcome" { (outcome.replace('_', " ")) } }
}

/// A source citation, linked where it contains a URL.
pub(crate) fn source(text: &str) -> Markup {
    html! {
        @match first_url(text) {
            Some(url) => { a href=(url) rel="noopener" target="_blank" { (text) } }
            None => { (text) }
        }
    }
}

/// A trade decision with all its reasons. `focus` marks the findings of
/// one entity (on its own page).
pub(crate) fn decision(d: &TradeDecision, focus: Option<&EntityId>) -> Markup {
    html! {
        div.decision {
            p {
                (outcome_label(d.outcome.as_str())) " "
                strong { (d.side.as_str()) } " at " strong { (d.at_eastern) }
                @if !d.at_input.is_empty() { span.muted { " (given as " (d.at_input) ")" } }
            }
            @if let Some(alt) = &d.alternative {
                p { "Under the other reading (" (alt.reading) "): " (outcome_label(alt.outcome.as_str())) }
            }
            @if d.security.ties.is_empty() {
                p.muted { "The security was not tied to any listed issuer: no ISIN, ticker or issuer name of a listed party matches." }
            } @else {
                p { "Tied to: "
                    @for (i, t) in d.security.ties.iter().enumerate() {
                        @if i > 0 { "; " }
                        a href=(entity_href(t.entity_id.as_str(), None)) { (t.entity_name) }
                        " (" (t.basis.describe()) ")"
                    }
                }
            }
            @if d.findings.is_empty() && !d.security.ties.is_empty() {
                p.muted { "No program with an investment effect concerns these issuers." }
            }
            @for f in &d.findings {
                div.card.finding data-focus=[focus.filter(|id| **id == f.entity_id).map(|_| "yes")] {
                    h3 { (outcome_label(f.outcome.as_str())) " " (f.program) " · " (f.entity_name) }
                    ul.reasons {
                        li { strong { "Rule: " } (f.rule) }
                        li { strong { "Basis: " } (f.citation) }
                        li { strong { "Tie: " } (f.basis) }
                        @if let Some(v) = &f.via { li { strong { "Via: " } (v) } }
                        @if let Some(x) = &f.dates.listed { li { "Listed: " (x) } }
                        @if let Some(x) = &f.dates.effective { li { "Effective: " (x) } }
                        @if let Some(x) = &f.dates.divestment_until { li { "Divestment until: " (x) } }
                        @if let Some(x) = &f.dates.ended { li { "Ended: " (x) } }
                        @if let Some(alt) = &f.alternative {
                            li { "Other reading: " (alt.reading) " → " (alt.outcome.as_str().replace('_', " ")) }
                        }
                    }
                    @if !f.events.is_empty() {
                        p { strong { "Events that decided it:" } }
                        ol.events {
                            @for e in &f.events {
                                li { (e.date) " — " (e.kind.replace('_', " ")) ": " (e.title) ". " small.muted { (source(&e.source)) } }
                            }
                        }
                    }
                }
            }
            @if !d.notes.is_empty() {
                ul.muted { @for n in &d.notes { li { (n) } } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_from_form_fields() {
        let t = instant("2021-03-16", "10:00", "Asia/Shanghai").unwrap();
        assert_eq!(t.to_rfc3339(), "2021-03-16T10:00:00+08:00");
        let t = instant("2021-03-16", "", "").unwrap();
        assert_eq!(t.to_rfc3339(), "2021-03-16T23:59:59-04:00");
        assert!(instant("16.03.2021", "", "").is_err());
        assert!(instant("2021-03-16", "25:00", "").is_err());
        assert!(instant("2021-03-16", "", "Mars/Olympus").is_err());
    }
}
