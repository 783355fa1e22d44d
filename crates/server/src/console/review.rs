//! Review of matches: screen a name, then confirm or dismiss each match
//! with a comment. A dismissed (query, entity) pair is hidden from later
//! screenings of the same query until either side changes: another query
//! text, or a new content hash of the entity. Every decision is written to
//! the store's `review` table and to the audit log.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use embargo_audit::Role;
use embargo_engine::trail::query_key as query_key_of;
use embargo_engine::{ScreenOptions, Snapshot};
use embargo_match::Query as MatchQuery;
use embargo_model::{EntityId, Schema};
use embargo_store::{entity_hash, Decision, Review};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::AppState;

use super::auth::{url_query, Auth};
use super::highlight::highlight;
use super::layout::{self, list_badge, Nav};
use super::{blocking, data_line, entity_href, html_page, ConsoleError, ConsoleState, Result};

/// The key under which reviews of a one-name query are remembered: the
/// same key the `/v1/screen` API uses for a query with this schema and name
/// and no identifier, so a dismissal made here also suppresses the pair in
/// API screenings.
pub fn query_key(schema: Option<Schema>, name: &str) -> String {
    query_key_of(&json!({
        "schema": schema.map(Schema::as_str),
        "names": [name.trim()],
        "identifiers": [],
    }))
}

#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct ReviewParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    schema: String,
    /// Show dismissed matches too.
    #[serde(default)]
    all: String,
    /// A confirmation message after a decision.
    #[serde(default)]
    done: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DecisionForm {
    q: String,
    #[serde(default)]
    schema: String,
    entity_id: String,
    decision: String,
    #[serde(default)]
    comment: String,
}

/// A match with the review state of its pair.
struct Candidate {
    id: String,
    caption: String,
    list: String,
    score: f64,
    matched: String,
    /// The latest decision on this pair, and whether it still holds
    /// (the entity has not changed since).
    last: Option<(Review, bool)>,
}

fn screen(
    snap: &Snapshot,
    reviews: &[Review],
    q: &str,
    schema: Option<Schema>,
) -> Result<Vec<Candidate>> {
    let query = MatchQuery {
        schema,
        names: vec![q.to_string()],
        ..MatchQuery::default()
    };
    let opts = ScreenOptions {
        limit: 20,
        ..ScreenOptions::default()
    };
    let mut latest: HashMap<&EntityId, &Review> = HashMap::new();
    for r in reviews {
        latest.insert(&r.entity_id, r);
    }
    let mut out = Vec::new();
    for h in snap.screen(&query, &opts).hits {
        let id = EntityId(h.entity_id.clone());
        let last = match (latest.get(&id), snap.entity(&id)) {
            (Some(r), Some(e)) => {
                let current = entity_hash(e)?;
                Some(((*r).clone(), current == r.entity_hash))
            }
            _ => None,
        };
        out.push(Candidate {
            id: h.entity_id,
            caption: h.caption,
            list: h.list,
            score: h.score,
            matched: h.matched_name,
            last,
        });
    }
    Ok(out)
}

fn candidate_row(c: &Candidate, q: &str, schema: &str) -> Markup {
    html! {
        li data-entity=(c.id) {
            div { span.score { (format!("{:.2}", c.score)) } }
            div {
                div.title { a href=(entity_href(&c.id, None)) { (highlight(&c.caption, q)) } " " (list_badge(&c.list)) }
                @if c.matched != c.caption { div.meta { "matched: " (highlight(&c.matched, q)) } }
                @if let Some((r, holds)) = &c.last {
                    div.meta {
                        span class=(format!("outcome {}", if r.decision == Decision::Dismiss { "dismissed" } else { "confirmed" })) {
                            (if r.decision == Decision::Dismiss { "dismissed" } else { "confirmed" })
                        }
                        " by " (r.actor) " on " (r.at.format("%Y-%m-%d %H:%M UTC"))
                        @if let Some(cm) = &r.comment { ": “" (cm) "”" }
                        @if !holds { strong.changed { " — the entity changed since: review again" } }
                    }
                }
                form.inline method="post" action="/review" {
                    input type="hidden" name="q" value=(q);
                    input type="hidden" name="schema" value=(schema);
                    input type="hidden" name="entity_id" value=(c.id);
                    label { span.sr-only { "Comment on " (c.caption) }
                        input type="text" name="comment" placeholder="comment (why)" size="28" aria-label=(format!("Comment on {}", c.caption));
                    }
                    button type="submit" name="decision" value="confirm" { "Confirm" }
                    button.secondary type="submit" name="decision" value="dismiss" { "Dismiss" }
                }
            }
        }
    }
}

/// `GET /review`
pub(crate) async fn page(
    auth: Auth,
    State(st): State<ConsoleState>,
    Query(p): Query<ReviewParams>,
) -> Result<Response> {
    let p2 = p.clone();
    let (candidates, recent, data) = blocking(move || {
        let snap = st.app.engine.snapshot();
        let data = data_line(&snap, None);
        let q = p2.q.trim();
        let candidates = if q.is_empty() {
            Vec::new()
        } else {
            let schema = Schema::parse(&p2.schema);
            let key = query_key(schema, q);
            let reviews = st
                .app
                .engine
                .with_store_ref(|s| s.reviews_for_query(&key))?;
            screen(&snap, &reviews, q, schema)?
        };
        let recent = recent_decisions(&st.app, 20)?;
        Ok((candidates, recent, data))
    })
    .await?;
    let q = p.q.trim();
    let current_key = (!q.is_empty()).then(|| query_key(Schema::parse(&p.schema), q));
    let current = current_key.as_deref().map(|k| (k, q));
    let show_all = !p.all.is_empty();
    let hidden = candidates
        .iter()
        .filter(|c| matches!(&c.last, Some((r, true)) if r.decision == Decision::Dismiss))
        .count();
    let body = html! {
        form.filters.card method="get" action="/review" {
            label.searchbox { "Screen a name"
                input.big type="search" name="q" value=(q) required placeholder="e.g. Xiaomi Corp";
            }
            label { "Schema"
                select name="schema" {
                    option value="" { "any" }
                    @for s in Schema::ALL { option value=(s.as_str()) selected[p.schema == s.as_str()] { (s.as_str()) } }
                }
            }
            label.check { input type="checkbox" name="all" value="1" checked[show_all]; "show dismissed" }
            button type="submit" { "Screen" }
        }
        @if !p.done.is_empty() { p.flash role="status" data-testid="flash" { (p.done) } }
        @if q.is_empty() {
            p.empty { "Screen a name to review its matches. Confirm a true match; dismiss a false positive with a comment, and it will not come back for this query until the listed entity changes." }
        } @else {
            @let shown: Vec<&Candidate> = candidates.iter().filter(|c| show_all || !matches!(&c.last, Some((r, true)) if r.decision == Decision::Dismiss)).collect();
            p.muted role="status" {
                (candidates.len()) " match" @if candidates.len() != 1 { "es" } " at or above 0.70"
                @if hidden > 0 && !show_all {
                    " · " strong data-testid="suppressed" { (hidden) " dismissed" } " hidden ("
                    a href=(format!("/review?q={}&schema={}&all=1", url_query(q), url_query(&p.schema))) { "show" } ")"
                }
            }
            @if shown.is_empty() {
                p.empty { "No match left to review for “" (q) "”." }
            } @else {
                ol.results data-testid="review-matches" {
                    @for c in shown { (candidate_row(c, q, &p.schema)) }
                }
            }
        }
        h2 { "Recent decisions" }
        @if recent.is_empty() {
            p.empty { "No decision recorded yet." }
        } @else {
            div.table-wrap {
                table data-testid="recent" {
                    thead { tr { th { "When" } th { "Who" } th { "Decision" } th { "Query" } th { "Entity" } th { "Comment" } } }
                    tbody {
                        @for r in &recent {
                            tr {
                                td { (r.at) }
                                td { (r.actor) }
                                td { span class=(format!("outcome {}", if r.decision == "dismiss" { "dismissed" } else { "confirmed" })) { (r.decision) } }
                                td { (query_cell(r, current)) }
                                td { a href=(entity_href(&r.entity_id, None)) { (r.entity_id) } }
                                td { (r.comment) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(html_page(layout::page(
        &auth.viewer,
        Nav::Review,
        "Review matches",
        Some(&data),
        body,
    )))
}

/// A decision as the audit log records it.
struct Recent {
    at: String,
    actor: String,
    decision: String,
    /// The query text, when the record carries it.
    query: String,
    /// The key of the query (always recorded).
    query_key: String,
    entity_id: String,
    comment: String,
}

/// The query column of a recent decision: its text when recorded, the
/// query on screen when the keys agree, else the start of its key.
fn query_cell(r: &Recent, current: Option<(&str, &str)>) -> Markup {
    html! {
        @if !r.query.is_empty() {
            (r.query)
        } @else if let Some((key, q)) = current.filter(|(k, _)| *k == r.query_key) {
            (q) " " small.muted title=(key) { "(this query)" }
        } @else {
            span.muted.mono title=(format!("query key {}", r.query_key)) {
                (r.query_key.get(..10).unwrap_or(&r.query_key)) "…"
            }
        }
    }
}

fn recent_decisions(app: &AppState, limit: usize) -> Result<Vec<Recent>> {
    let entries = app.engine.with_store_ref(|s| {
        let Some(last) = s.last_audit()? else {
            return Ok(Vec::new());
        };
        let from = (last.seq - 2000).max(1);
        s.audit_entries(from, 2001)
    })?;
    let mut out = Vec::new();
    for e in entries.iter().rev().filter(|e| e.kind == "review") {
        let v: Value = serde_json::from_str(&e.payload_json).unwrap_or(Value::Null);
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        out.push(Recent {
            at: e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            actor: e.actor.clone(),
            decision: s("decision"),
            query: s("query"),
            query_key: s("query_key"),
            entity_id: s("entity_id"),
            comment: s("comment"),
        });
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// `POST /review`: records a decision, audits it, and goes back.
pub(crate) async fn decide(
    auth: Auth,
    State(st): State<ConsoleState>,
    Form(f): Form<DecisionForm>,
) -> Result<Response> {
    auth.require(Role::Screen)?;
    let actor = auth.actor();
    let back = blocking(move || {
        let decision: Decision =
            f.decision
                .parse()
                .map_err(|e: embargo_store::records::DecisionError| {
                    ConsoleError::BadRequest(e.to_string())
                })?;
        let q = f.q.trim();
        if q.is_empty() {
            return Err(ConsoleError::BadRequest(
                "a decision needs the screened query".into(),
            ));
        }
        let schema = Schema::parse(&f.schema);
        let id = EntityId(f.entity_id.clone());
        let snap = st.app.engine.snapshot();
        let entity = snap.entity(&id).ok_or_else(|| {
            ConsoleError::NotFound(format!(
                "No entity '{id}' in the current lists: it may have been removed."
            ))
        })?;
        let comment = Some(f.comment.trim().to_string()).filter(|c| !c.is_empty());
        st.app
            .engine
            .review(&query_key(schema, q), q, &id, decision, comment, &actor)?;
        let done = format!(
            "{} {} for “{q}”.",
            if decision == Decision::Dismiss {
                "Dismissed"
            } else {
                "Confirmed"
            },
            entity.caption()
        );
        Ok(format!(
            "/review?q={}&schema={}&done={}",
            url_query(q),
            url_query(&f.schema),
            url_query(&done)
        ))
    })
    .await?;
    Ok(Redirect::to(&back).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keys_are_those_of_the_screening_api() {
        let api = crate::screening::ScreenQuery {
            schema: Some("Company".into()),
            name: Some("Xiaomi Corp".into()),
            ..Default::default()
        };
        assert_eq!(
            query_key(Some(Schema::Company), " Xiaomi Corp "),
            api.review_key()
        );
        assert_ne!(query_key(None, "Xiaomi Corp"), api.review_key());
        assert_ne!(query_key(Some(Schema::Company), "Xiaomi"), api.review_key());
        assert_eq!(query_key(None, "x").len(), 64);
    }
}
