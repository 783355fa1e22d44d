//! Portfolio screening: every position, for buy, sell and hold.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::book::LawBook;
use crate::security::{CsvTable, IssuerResolver, SecurityMaster, SecurityRef};
use crate::time::eastern;
use crate::trade::{check_trade_with, Outcome, Side, TradeCheck, TradeDecision};
use crate::{LawError, Policy};

/// One position of a portfolio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// The position id (the CSV line number when the file gives none).
    pub id: String,
    /// The security.
    pub security: SecurityRef,
    /// The quantity held, if given.
    #[serde(default)]
    pub quantity: Option<f64>,
    /// When it was acquired, if given.
    #[serde(default)]
    pub held_since: Option<NaiveDate>,
}

/// Reads a holdings CSV with columns
/// `position_id,isin,ticker,market,name,quantity,held_since` (all optional
/// but one of isin, ticker or name per row). Errors name the line and field.
pub fn parse_positions_csv(file: &str, bytes: &[u8]) -> Result<Vec<Position>, LawError> {
    let mut table = CsvTable::open(file, bytes, &[])?;
    let mut out = Vec::new();
    let mut n = 0usize;
    table.for_each(|row| {
        n += 1;
        let isin = row.isin_as_published("isin")?;
        // A ticker column may hold the market too (`941 HK`, `1810.HK`).
        let ticker = row.get("ticker").map(|t| match row.get("market") {
            Some(m) => (t.to_uppercase(), Some(crate::book::market_code(&m))),
            None => SecurityRef::parse(&t)
                .ticker
                .unwrap_or_else(|| (t.to_uppercase(), None)),
        });
        let name = row.get("name");
        if isin.is_none() && ticker.is_none() && name.is_none() {
            return Err(row.err("isin", "a position needs an isin, a ticker or a name"));
        }
        let quantity = match row.get("quantity") {
            None => None,
            Some(q) => Some(
                q.replace(',', "")
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| row.err("quantity", format!("not a number: '{q}'")))?,
            ),
        };
        let held_since = row.date("held_since")?;
        out.push(Position {
            id: row.get("position_id").unwrap_or_else(|| n.to_string()),
            security: SecurityRef { isin, ticker, name },
            quantity,
            held_since,
        });
        Ok(())
    })?;
    Ok(out)
}

/// One position with its three decisions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionResult {
    /// The position.
    pub position: Position,
    /// Buying more.
    pub buy: TradeDecision,
    /// Selling.
    pub sell: TradeDecision,
    /// Keeping it.
    pub hold: TradeDecision,
}

impl PositionResult {
    /// The decision for a side.
    pub fn decision(&self, side: Side) -> &TradeDecision {
        match side {
            Side::Buy => &self.buy,
            Side::Sell => &self.sell,
            Side::Hold => &self.hold,
        }
    }

    /// The most restrictive outcome over the three sides.
    pub fn worst(&self) -> Outcome {
        self.buy
            .outcome
            .max(self.sell.outcome)
            .max(self.hold.outcome)
    }

    /// The reason in one line: the rule of the most restrictive finding of
    /// the most restrictive side.
    pub fn reason(&self) -> String {
        let d = Side::ALL
            .iter()
            .map(|s| self.decision(*s))
            .max_by_key(|d| d.outcome)
            .unwrap_or(&self.buy);
        d.findings
            .iter()
            .max_by_key(|f| f.outcome)
            .map(|f| format!("{} [{}]: {}", f.entity_name, f.program, f.rule))
            .or_else(|| d.notes.first().cloned())
            .unwrap_or_default()
    }
}

/// Counts for a portfolio.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// The number of positions.
    pub positions: usize,
    /// Per side, positions by outcome.
    pub by_outcome: BTreeMap<String, BTreeMap<String, usize>>,
    /// Per program, positions with a finding under it, by the buy-side
    /// outcome of that finding.
    pub by_program: BTreeMap<String, BTreeMap<String, usize>>,
}

/// The result of screening a portfolio.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortfolioReport {
    /// The instant, in US Eastern time.
    pub at_eastern: String,
    /// The instant as given.
    pub at_input: String,
    /// The policy applied.
    pub policy: Policy,
    /// The policy in words.
    pub policy_text: String,
    /// Every position.
    pub positions: Vec<PositionResult>,
    /// Counts.
    pub summary: Summary,
}

/// Screens every position for buy, sell and hold at one instant.
pub fn screen_portfolio(
    book: &LawBook,
    sm: &SecurityMaster,
    resolver: &dyn IssuerResolver,
    holdings: &[Position],
    at: DateTime<FixedOffset>,
    policy: &Policy,
) -> PortfolioReport {
    screen_portfolio_with_progress(book, sm, resolver, holdings, at, policy, &mut |_, _| {})
}

/// [`screen_portfolio`], calling `progress(done, total)` after each position.
pub fn screen_portfolio_with_progress(
    book: &LawBook,
    sm: &SecurityMaster,
    resolver: &dyn IssuerResolver,
    holdings: &[Position],
    at: DateTime<FixedOffset>,
    policy: &Policy,
    progress: &mut dyn FnMut(usize, usize),
) -> PortfolioReport {
    let mut positions = Vec::with_capacity(holdings.len());
    let mut summary = Summary {
        positions: holdings.len(),
        ..Default::default()
    };
    for p in holdings {
        let check = |side| {
            let t = TradeCheck {
                security: p.security.clone(),
                side,
                at,
                held_since: p.held_since,
                us_person: true,
            };
            check_trade_with(book, sm, resolver, &t, policy)
        };
        let r = PositionResult {
            position: p.clone(),
            buy: check(Side::Buy),
            sell: check(Side::Sell),
            hold: check(Side::Hold),
        };
        for side in Side::ALL {
            *summary
                .by_outcome
                .entry(side.as_str().to_string())
                .or_default()
                .entry(r.decision(side).outcome.as_str().to_string())
                .or_default() += 1;
        }
        let mut seen: BTreeMap<String, Outcome> = BTreeMap::new();
        for f in &r.buy.findings {
            let e = seen.entry(f.program.clone()).or_insert(f.outcome);
            *e = (*e).max(f.outcome);
        }
        for (program, outcome) in seen {
            *summary
                .by_program
                .entry(program)
                .or_default()
                .entry(outcome.as_str().to_string())
                .or_default() += 1;
        }
        positions.push(r);
        progress(positions.len(), holdings.len());
    }
    PortfolioReport {
        at_eastern: eastern(at.with_timezone(&Utc)),
        at_input: at.to_rfc3339(),
        policy: policy.clone(),
        policy_text: policy.describe(),
        positions,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_csv() {
        let csv = "position_id,isin,ticker,market,name,quantity,held_since\n\
                   P1,US16941M1099,,,,\"1,000\",2020-05-01\n\
                   ,,941,HK,,200,\n\
                   P3,,,,Xiaomi Corp,,\n";
        let p = parse_positions_csv("book.csv", csv.as_bytes()).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].quantity, Some(1000.0));
        assert_eq!(p[1].id, "2");
        assert_eq!(
            p[1].security.ticker,
            Some(("941".into(), Some("HK".into())))
        );
        assert_eq!(p[2].security.name.as_deref(), Some("Xiaomi Corp"));
    }

    #[test]
    fn positions_keep_isins_as_published() {
        // OFAC publishes CND10002K094 although its check digit fails.
        let csv = "position_id,isin\nP1,CND10002K094\nP2,cnd10002k094\n";
        let p = parse_positions_csv("book.csv", csv.as_bytes()).unwrap();
        assert_eq!(p[0].security.isin.as_deref(), Some("CND10002K094"));
        assert_eq!(p[1].security.isin.as_deref(), Some("CND10002K094"));
        let e = parse_positions_csv("book.csv", b"position_id,isin\nP1,hello\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("'isin'"), "{e}");
    }

    #[test]
    fn positions_csv_errors() {
        let bad_date = "position_id,isin,held_since\nP1,US16941M1099,01/05/2020\n";
        let e = parse_positions_csv("b.csv", bad_date.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("b.csv") && e.contains("line 2") && e.contains("held_since"),
            "{e}"
        );
        let empty = "position_id,isin,name\nP1,,\n";
        let e = parse_positions_csv("b.csv", empty.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs an isin"), "{e}");
    }
}
