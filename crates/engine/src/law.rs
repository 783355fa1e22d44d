//! The law engine over a snapshot: issuer names are resolved with the
//! match index, so a security named "XIAOMI CORP" meets the listed
//! "Xiaomi Corporation".

use chrono::{DateTime, FixedOffset};
use embargo_law::{
    check_trade_with, screen_portfolio, screen_portfolio_with_progress, IssuerResolver, NameLink,
    Policy, PortfolioReport, Position, SecurityMaster, TradeCheck, TradeDecision,
};
use embargo_match::{Query, SearchOptions};
use embargo_model::Schema;

use crate::Snapshot;

/// How many candidates an issuer-name lookup considers.
const ISSUER_CANDIDATES: usize = 10;
/// Name matches below this score are not offered to the law engine.
const ISSUER_FLOOR: f64 = 0.6;

/// An [`IssuerResolver`] backed by a snapshot's match index.
pub struct MatchResolver<'a> {
    snap: &'a Snapshot,
}

impl IssuerResolver for MatchResolver<'_> {
    fn resolve_name(&self, name: &str) -> Vec<NameLink> {
        let q = Query {
            schema: Some(Schema::Company),
            names: vec![name.to_string()],
            countries: Vec::new(),
            birth_dates: Vec::new(),
            identifiers: Vec::new(),
        };
        let opts = SearchOptions {
            limit: ISSUER_CANDIDATES,
            threshold: ISSUER_FLOOR,
            lists: None,
            exclude_ids: Vec::new(),
        };
        self.snap
            .index()
            .search(&q, &opts)
            .into_iter()
            .filter(|h| h.score >= ISSUER_FLOOR)
            .filter_map(|h| {
                let e = self.snap.hit_entity(&h)?;
                Some(NameLink {
                    entity_id: e.id.clone(),
                    score: h.score,
                    matched_name: h.matched_name.clone(),
                    explanation: h.explanation.to_string(),
                })
            })
            .collect()
    }
}

impl Snapshot {
    /// The issuer resolver of this snapshot.
    pub fn resolver(&self) -> MatchResolver<'_> {
        MatchResolver { snap: self }
    }

    /// Checks one trade against this snapshot's lists and events.
    pub fn check_trade(
        &self,
        sm: &SecurityMaster,
        check: &TradeCheck,
        policy: &Policy,
    ) -> TradeDecision {
        check_trade_with(self.law(), sm, &self.resolver(), check, policy)
    }

    /// Screens a portfolio at an instant.
    pub fn screen_portfolio(
        &self,
        sm: &SecurityMaster,
        positions: &[Position],
        at: DateTime<FixedOffset>,
        policy: &Policy,
    ) -> PortfolioReport {
        screen_portfolio(self.law(), sm, &self.resolver(), positions, at, policy)
    }

    /// [`Snapshot::screen_portfolio`], calling `progress(done, total)` after
    /// each position.
    pub fn screen_portfolio_with_progress(
        &self,
        sm: &SecurityMaster,
        positions: &[Position],
        at: DateTime<FixedOffset>,
        policy: &Policy,
        progress: &mut dyn FnMut(usize, usize),
    ) -> PortfolioReport {
        screen_portfolio_with_progress(
            self.law(),
            sm,
            &self.resolver(),
            positions,
            at,
            policy,
            progress,
        )
    }

    /// One line per list version used, for reports.
    pub fn version_lines(&self) -> Vec<String> {
        self.versions()
            .iter()
            .map(|v| {
                format!(
                    "{} v{} (as of {}, sha256 {})",
                    v.list,
                    v.seq,
                    v.as_of(),
                    &v.sha256[..v.sha256.len().min(12)]
                )
            })
            .collect()
    }
}
