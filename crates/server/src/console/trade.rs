//! Check a trade: security, side and instant (with its time zone) in, the
//! outcome with its reasons out.

use axum::extract::{Query, State};
use axum::response::Response;
use embargo_audit::Role;
use embargo_law::{SecurityRef, Side, TradeDecision};
use maud::html;
use serde::Deserialize;
use serde_json::json;

use super::auth::Auth;
use super::effect::{self, decide, ZONES};
use super::layout::{self, Nav};
use super::{blocking, data_line, html_page, parse_date, ConsoleError, ConsoleState, Result};

#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct TradeParams {
    #[serde(default)]
    security: String,
    #[serde(default)]
    side: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    zone: String,
    /// Which list versions to use (default: the latest).
    #[serde(default)]
    as_of: String,
}

/// `GET /trade`: the form, and the answer when a security is given.
pub(crate) async fn page(
    auth: Auth,
    State(st): State<ConsoleState>,
    Query(p): Query<TradeParams>,
) -> Result<Response> {
    let asked = !p.security.trim().is_empty();
    if asked {
        auth.require(Role::Screen)?;
    }
    let actor = auth.actor();
    let p2 = p.clone();
    let (decision, data): (Option<TradeDecision>, _) = blocking(move || {
        let as_of = parse_date("data as of", Some(&p2.as_of))?;
        let snap = st.app.engine.snapshot_at(as_of)?;
        let data = data_line(&snap, as_of);
        if !asked {
            return Ok((None, data));
        }
        let side: Side = p2
            .side
            .parse()
            .map_err(|e: String| ConsoleError::BadRequest(e))?;
        let at = effect::instant(&p2.date, &p2.time, &p2.zone)?;
        let sec = SecurityRef::parse(&p2.security);
        let d = decide(&snap, sec, side, at);
        st.app.engine.audit(
            &actor,
            "check_trade",
            json!({
                "source": "console",
                "security": p2.security.trim(),
                "side": side.as_str(),
                "at": at.to_rfc3339(),
                "outcome": d.outcome.as_str(),
                "versions": snap.version_refs(),
            }),
        )?;
        Ok((Some(d), data))
    })
    .await?;
    let side = if p.side.is_empty() {
        "buy"
    } else {
        p.side.as_str()
    };
    let body = html! {
        form.card.inline method="get" action="/trade" data-testid="trade-form" {
            label.searchbox { "Security (ISIN, ticker and market, or issuer name)"
                input.big type="text" name="security" value=(p.security) required autofocus placeholder="US16941M1099, 1810 HK, Xiaomi Corp";
            }
            label { "Side"
                select name="side" {
                    @for s in ["buy", "sell", "hold"] { option value=(s) selected[side == s] { (s) } }
                }
            }
            label { "Date" input type="date" name="date" value=(p.date) required; }
            label { "Time" input type="time" name="time" value=(p.time) step="1"; }
            label { "Time zone"
                input type="text" name="zone" list="zones" value=(p.zone) placeholder="America/New_York" size="16";
            }
            datalist #zones { @for z in ZONES { option value=(z) {} } }
            label { "Lists as of" input type="date" name="as_of" value=(p.as_of); }
            button type="submit" { "Check" }
        }
        p.muted { "Without a time, the last second of the day in the given zone is checked, so every prohibition that starts that day applies. "
            "Instants are compared in US Eastern time." }
        @match &decision {
            Some(d) => { section.card #answer data-testid="trade-answer" { h2 { "Answer" } (effect::decision(d, None)) } }
            None => { p.empty { "Enter a security, a side and an instant to see whether a US person may trade it then, and why." } }
        }
    };
    Ok(html_page(layout::page(
        &auth.viewer,
        Nav::Trade,
        "Check a trade",
        Some(&data),
        body,
    )))
}
