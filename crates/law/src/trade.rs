//! Trade checks: one security, one side, one instant.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use embargo_model::EntityId;
use serde::{Deserialize, Serialize};

use crate::book::LawBook;
use crate::evaluate::{evaluate, Query};
use crate::program::ProgramKind;
use crate::security::{
    identify, Instrument, IssuerResolver, IssuerTie, SecurityMaster, SecurityRef,
};
use crate::time::eastern;
use crate::Policy;

/// The side of a trade, or holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A purchase.
    Buy,
    /// A sale.
    Sell,
    /// Keeping a position.
    Hold,
}

impl Side {
    /// All sides, in report order.
    pub const ALL: [Side; 3] = [Side::Buy, Side::Sell, Side::Hold];

    /// `buy`, `sell`, `hold`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
            Side::Hold => "hold",
        }
    }
}

impl std::str::FromStr for Side {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "buy" | "purchase" => Ok(Side::Buy),
            "sell" | "sale" => Ok(Side::Sell),
            "hold" | "holding" => Ok(Side::Hold),
            other => Err(format!("unknown side '{other}' (buy|sell|hold)")),
        }
    }
}

/// The answer for a trade, from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// No investment prohibition concerns the issuer at that instant.
    NotCovered,
    /// The issuer is on an investment-ban list but no prohibition applies
    /// at that instant (not yet effective, injunction, licence, gap).
    Allowed,
    /// A sale (or purchase) solely to divest, inside the divestment window.
    PermittedDivestment,
    /// A US-person purchase or sale barred at that instant.
    Prohibited,
    /// Property of a blocked person: no dealing at all.
    Blocked,
}

impl Outcome {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NotCovered => "not_covered",
            Outcome::Allowed => "allowed",
            Outcome::PermittedDivestment => "permitted_divestment",
            Outcome::Prohibited => "prohibited",
            Outcome::Blocked => "blocked",
        }
    }

    /// True for outcomes that restrict the trade in some way.
    pub fn is_restricted(self) -> bool {
        self >= Outcome::PermittedDivestment
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A trade to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TradeCheck {
    /// The security.
    pub security: SecurityRef,
    /// Buy, sell or hold.
    pub side: Side,
    /// The trade instant (trade date, not settlement), in any offset; see
    /// [`crate::parse_instant`] and [`crate::time::local_instant`].
    pub at: DateTime<FixedOffset>,
    /// When the position was acquired, if known.
    #[serde(default)]
    pub held_since: Option<NaiveDate>,
    /// Whether the trader is a US person (default assumption: yes).
    #[serde(default = "yes")]
    pub us_person: bool,
}

fn yes() -> bool {
    true
}

impl TradeCheck {
    /// A US-person trade check.
    pub fn new(security: SecurityRef, side: Side, at: DateTime<FixedOffset>) -> Self {
        TradeCheck {
            security,
            side,
            at,
            held_since: None,
            us_person: true,
        }
    }
}

/// One trade of a batch file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TradeRow {
    /// The row's id (`id` column, else the line number).
    pub id: String,
    /// The trade.
    pub check: TradeCheck,
}

/// Reads a CSV of trades: columns `security` (an ISIN, `TICKER MARKET` or
/// a name; or `isin`, `ticker`, `market`, `name` columns instead), `side`
/// (buy, sell, hold), `at` (see [`crate::parse_instant_in`]), and
/// optionally `id`, `tz` (the zone of an `at` without one; else
/// `default_tz`, else New York) and `held_since` (YYYY-MM-DD). Other
/// columns are ignored. Errors name the file, the line and the field.
pub fn parse_trades_csv(
    file: &str,
    bytes: &[u8],
    default_tz: Option<&str>,
) -> Result<Vec<TradeRow>, crate::LawError> {
    let mut table = crate::security::CsvTable::open(file, bytes, &["side", "at"])?;
    let mut out = Vec::new();
    let mut n = 0usize;
    table.for_each(|row| {
        n += 1;
        let security = match row.get("security") {
            Some(s) => SecurityRef::parse(&s),
            None => {
                let ticker = row.get("ticker").map(|t| match row.get("market") {
                    Some(m) => (t.to_uppercase(), Some(crate::book::market_code(&m))),
                    None => (t.to_uppercase(), None),
                });
                SecurityRef {
                    isin: row.isin_as_published("isin")?,
                    ticker,
                    name: row.get("name"),
                }
            }
        };
        if security.is_empty() {
            return Err(row.err(
                "security",
                "a trade needs a security (or isin, ticker or name columns)",
            ));
        }
        let side: Side = row
            .get("side")
            .ok_or_else(|| row.err("side", "missing"))?
            .parse()
            .map_err(|e: String| row.err("side", e))?;
        let at_text = row.get("at").ok_or_else(|| row.err("at", "missing"))?;
        let tz = row.get("tz");
        let at = crate::time::parse_instant_in(&at_text, tz.as_deref().or(default_tz))
            .map_err(|e| row.err(if tz.is_some() { "tz" } else { "at" }, e.to_string()))?;
        let held_since = row.date("held_since")?;
        let mut check = TradeCheck::new(security, side, at);
        check.held_since = held_since;
        out.push(TradeRow {
            id: row.get("id").unwrap_or_else(|| n.to_string()),
            check,
        });
        Ok(())
    })?;
    Ok(out)
}

/// The other reading of an unsettled point of law and what it would give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alternative {
    /// The reading.
    pub reading: String,
    /// The outcome under it.
    pub outcome: Outcome,
}

/// The dates behind a finding, as strings in US Eastern time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FindingDates {
    /// Listing date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed: Option<String>,
    /// When prohibitions begin, with the basis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
    /// The divestment deadline, with the basis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub divestment_until: Option<String>,
    /// Removal date and reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
}

/// A lifecycle event cited by a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRef {
    /// The event id.
    pub id: String,
    /// Its kind (`injunction`, `vacatur`, …).
    pub kind: String,
    /// Its date.
    pub date: NaiveDate,
    /// Its title.
    pub title: String,
    /// Its source.
    pub source: String,
}

/// The effect of one designation of one listed issuer on the trade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The listed entity.
    pub entity_id: EntityId,
    /// Its primary name.
    pub entity_name: String,
    /// The list.
    pub list: String,
    /// The program id (as declared in the program file).
    pub program: String,
    /// The program tag as the source writes it.
    pub program_tag: String,
    /// The outcome under this designation (conservative reading).
    pub outcome: Outcome,
    /// The rule applied, in words, with the instants that decided it.
    pub rule: String,
    /// The legal basis.
    pub citation: String,
    /// How the security was tied to the entity.
    pub basis: String,
    /// The dates behind the answer.
    pub dates: FindingDates,
    /// Events that changed the answer.
    pub events: Vec<EventRef>,
    /// The other reading, where the law is unsettled and it would change
    /// the outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<Alternative>,
    /// For look-through findings: the derivative or fund path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// One holding of a fund, as evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FundLine {
    /// The holding's ISIN.
    pub isin: String,
    /// Its weight (fraction).
    pub weight: f64,
    /// Its outcome for the same side and instant.
    pub outcome: Outcome,
}

/// How a derivative or a fund reaches listed issuers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LookThrough {
    /// A derivative: its underlying, as resolved.
    Derivative {
        /// The underlying's ISIN.
        underlying_isin: String,
        /// The underlying, resolved.
        underlying: Box<ResolvedSecurity>,
    },
    /// A fund: its holdings and exposure.
    Fund {
        /// Holdings with a finding (covered issuers), and their outcomes.
        holdings: Vec<FundLine>,
        /// Summed weight of holdings whose outcome is restricted.
        exposure: f64,
        /// The policy threshold.
        threshold: f64,
        /// Whether the fund itself is restricted (exposure > threshold).
        restricted: bool,
        /// The number of holdings considered.
        holdings_count: usize,
    },
}

/// How the security was identified and tied to listed issuers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedSecurity {
    /// What was asked.
    pub input: SecurityRef,
    /// The security-master record, if found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instrument: Option<Instrument>,
    /// The listed issuers and how each was tied.
    pub ties: Vec<IssuerTie>,
    /// Derivative or fund look-through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub look_through: Option<LookThrough>,
}

/// The answer to a trade check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TradeDecision {
    /// The most restrictive outcome of the findings (not_covered if none).
    pub outcome: Outcome,
    /// The side checked.
    pub side: Side,
    /// The instant in US Eastern time, to the second.
    pub at_eastern: String,
    /// The instant as given.
    pub at_input: String,
    /// How the security was resolved.
    pub security: ResolvedSecurity,
    /// One finding per listed issuer and program.
    pub findings: Vec<Finding>,
    /// Notes (procurement bars, policy, identification caveats).
    pub notes: Vec<String>,
    /// The outcome under the other reading of unsettled points, if it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<Alternative>,
}

/// Checks a trade with the default [`Policy`].
pub fn check_trade(
    book: &LawBook,
    sm: &SecurityMaster,
    resolver: &dyn IssuerResolver,
    t: &TradeCheck,
) -> TradeDecision {
    check_trade_with(book, sm, resolver, t, &Policy::default())
}

/// Checks a trade under a policy.
pub fn check_trade_with(
    book: &LawBook,
    sm: &SecurityMaster,
    resolver: &dyn IssuerResolver,
    t: &TradeCheck,
    policy: &Policy,
) -> TradeDecision {
    let q = Query {
        t: t.at.with_timezone(&Utc),
        side: t.side,
        us_person: t.us_person,
        held_since: t.held_since,
    };
    let mut d = check_at(book, sm, resolver, &t.security, &q, policy, 0);
    d.at_input = t.at.to_rfc3339();
    d
}

const MAX_DEPTH: usize = 3;
const UNSETTLED: &str = "Unsettled law";

fn check_at(
    book: &LawBook,
    sm: &SecurityMaster,
    resolver: &dyn IssuerResolver,
    sec: &SecurityRef,
    q: &Query,
    policy: &Policy,
    depth: usize,
) -> TradeDecision {
    let ident = identify(book, sm, resolver, sec, policy);
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    for tie in &ident.ties {
        let Some(entity) = book.entity(&tie.entity_id) else {
            continue;
        };
        // One finding per (entity, program): the most restrictive of its
        // designations under that program.
        let mut per_program: Vec<Finding> = Vec::new();
        for d in &entity.designations {
            let program = book.program_for(d);
            let f = evaluate(book, entity, d, program, tie, q);
            match per_program.iter_mut().find(|x| x.program == f.program) {
                Some(x) if f.outcome > x.outcome => *x = f,
                Some(_) => {}
                None => per_program.push(f),
            }
        }
        for f in &per_program {
            if let Some(p) = book.program(&f.program) {
                if p.kind == ProgramKind::Procurement
                    && entity.designations.iter().any(|d| {
                        p.governs_designation(d) && d.active_on(crate::time::eastern_date(q.t))
                    })
                {
                    let steps: Vec<String> = p
                        .procurement
                        .iter()
                        .map(|s| {
                            let when = if crate::time::eastern_date(q.t) >= s.from {
                                "in force since"
                            } else {
                                "from"
                            };
                            format!("{} ({when} {})", s.text, s.from)
                        })
                        .collect();
                    notes.push(format!(
                        "{} is on the {} list: no investment prohibition; procurement bars only: {}.",
                        entity.caption(),
                        p.id,
                        steps.join("; ")
                    ));
                }
            }
            if f.alternative.is_some() && !notes.iter().any(|n| n.starts_with(UNSETTLED)) {
                notes.push(format!(
                    "{UNSETTLED}: the conservative reading is applied; see the alternative."
                ));
            }
        }
        findings.extend(per_program);
    }

    let mut look_through = None;
    if depth < MAX_DEPTH {
        if let Some(inst) = &ident.instrument {
            if let Some(under) = &inst.underlying_isin {
                let u = check_at(
                    book,
                    sm,
                    resolver,
                    &SecurityRef::isin(under),
                    q,
                    policy,
                    depth + 1,
                );
                let receipt = inst.kind.is_depositary_receipt();
                for mut f in u.findings {
                    // A depositary receipt is a security of the issuer of
                    // the shares it represents; a derivative reaches its
                    // underlying only where the program says so.
                    let reach = if receipt {
                        Some(true)
                    } else {
                        book.program(&f.program).map(|p| p.reach.derivatives)
                    };
                    f.via = Some(format!(
                        "{} on {under}{}",
                        inst.kind.as_str(),
                        f.via.as_ref().map(|v| format!(", {v}")).unwrap_or_default()
                    ));
                    if receipt {
                        f.rule = format!(
                            "depositary receipt representing a covered security: {}",
                            f.rule
                        );
                    } else if reach == Some(false) && f.outcome > Outcome::NotCovered {
                        f.rule = format!(
                            "{} does not reach derivatives; underlying: {}",
                            f.program, f.rule
                        );
                        f.outcome = Outcome::NotCovered;
                        f.alternative = None;
                    } else if let Some(p) = book.program(&f.program) {
                        f.rule = format!("derivative of a covered security: {}", f.rule);
                        if !p.reach.citation.is_empty() {
                            f.citation = format!("{}; {}", f.citation, p.reach.citation);
                        }
                    }
                    findings.push(f);
                }
                notes.extend(u.notes);
                look_through = Some(LookThrough::Derivative {
                    underlying_isin: under.clone(),
                    underlying: Box::new(u.security),
                });
            }
        }
        let fund_isin = ident
            .instrument
            .as_ref()
            .filter(|i| i.kind.is_fund())
            .and_then(|i| i.isin.clone())
            .or_else(|| sec.isin.clone());
        if let Some(holdings) = fund_isin.as_deref().and_then(|f| sm.holdings(f)) {
            let mut lines = Vec::new();
            let mut exposure = 0.0;
            let mut hold_findings = Vec::new();
            for h in holdings {
                let u = check_at(
                    book,
                    sm,
                    resolver,
                    &SecurityRef::isin(&h.holding_isin),
                    q,
                    policy,
                    depth + 1,
                );
                if u.findings.is_empty() {
                    continue;
                }
                if u.outcome.is_restricted() {
                    exposure += h.weight;
                }
                lines.push(crate::trade::FundLine {
                    isin: h.holding_isin.clone(),
                    weight: h.weight,
                    outcome: u.outcome,
                });
                for mut f in u.findings {
                    f.via = Some(format!(
                        "fund holding {} ({:.2}%){}",
                        h.holding_isin,
                        h.weight * 100.0,
                        f.via.as_ref().map(|v| format!(", {v}")).unwrap_or_default()
                    ));
                    hold_findings.push(f);
                }
            }
            let restricted = exposure > policy.fund_threshold;
            for mut f in hold_findings {
                let reach = book
                    .program(&f.program)
                    .map(|p| p.reach.funds)
                    .unwrap_or(false);
                if f.outcome.is_restricted() && (!restricted || !reach) {
                    f.rule = if reach {
                        format!(
                            "fund exposure {:.2}% does not exceed the policy threshold {:.2}%; holding: {}",
                            exposure * 100.0,
                            policy.fund_threshold * 100.0,
                            f.rule
                        )
                    } else {
                        format!("{} does not reach funds; holding: {}", f.program, f.rule)
                    };
                    f.outcome = Outcome::Allowed;
                    f.alternative = None;
                } else if f.outcome.is_restricted() {
                    f.rule = format!(
                        "fund exposure {:.2}% exceeds the policy threshold {:.2}%: the fund is an instrument giving exposure to a covered security; holding: {}",
                        exposure * 100.0,
                        policy.fund_threshold * 100.0,
                        f.rule
                    );
                }
                findings.push(f);
            }
            notes.push(format!(
                "Fund look-through: exposure to restricted holdings {:.2}% against a policy threshold of {:.2}%{} ({} holdings considered).",
                exposure * 100.0,
                policy.fund_threshold * 100.0,
                if policy.fund_threshold == 0.0 { ", i.e. any exposure restricts the fund" } else { "" },
                holdings.len()
            ));
            look_through = Some(LookThrough::Fund {
                holdings: lines,
                exposure,
                threshold: policy.fund_threshold,
                restricted,
                holdings_count: holdings.len(),
            });
        } else if ident.instrument.as_ref().is_some_and(|i| i.kind.is_fund()) {
            notes.push("Fund holdings unknown: no look-through was performed.".into());
        }
    }

    if let Some(isin) = &sec.isin {
        if let Err(why) = embargo_model::ident::validate_isin(isin) {
            notes.push(format!(
                "'{isin}' is not a valid ISIN ({why}); it was looked up exactly as given, as OFAC publishes a few such values."
            ));
        }
    }
    if findings.is_empty() {
        notes.push(if ident.instrument.is_none() && ident.ties.is_empty() {
            format!("No listed issuer was identified for '{sec}' (checked identifiers and names).")
        } else {
            "No listed issuer is tied to this security.".to_string()
        });
    }
    if ident
        .ties
        .iter()
        .any(|t| matches!(t.basis, crate::TieBasis::Name { .. }))
    {
        notes.push(
            "The issuer was tied by name, not by identifier: confirm the identity before relying on the answer."
                .into(),
        );
    }
    let outcome = findings
        .iter()
        .map(|f| f.outcome)
        .max()
        .unwrap_or(Outcome::NotCovered);
    let lenient = findings
        .iter()
        .map(|f| {
            f.alternative
                .as_ref()
                .map(|a| a.outcome)
                .unwrap_or(f.outcome)
        })
        .max()
        .unwrap_or(Outcome::NotCovered);
    let alternative = (lenient != outcome).then(|| Alternative {
        reading: findings
            .iter()
            .filter_map(|f| f.alternative.as_ref().map(|a| a.reading.clone()))
            .collect::<Vec<_>>()
            .join(" | "),
        outcome: lenient,
    });
    TradeDecision {
        outcome,
        side: q.side,
        at_eastern: eastern(q.t),
        at_input: String::new(),
        security: ResolvedSecurity {
            input: sec.clone(),
            instrument: ident.instrument,
            ties: ident.ties,
            look_through,
        },
        findings,
        notes,
        alternative,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trades_csv() {
        let csv = "id,security,side,at,tz,held_since\n\
                   t1,1810 HK,buy,2021-03-16 10:00,Asia/Hong_Kong,\n\
                   ,US16941M1099,sell,2022-06-03T00:00:59-04:00,,2020-01-02\n";
        let rows = parse_trades_csv("trades.csv", csv.as_bytes(), None).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].id, "t1");
        assert_eq!(
            rows[0].check.security,
            SecurityRef::ticker("1810", Some("HK"))
        );
        assert_eq!(
            crate::time::eastern(rows[0].check.at.with_timezone(&Utc)),
            "2021-03-15 22:00:00 EDT"
        );
        assert_eq!(rows[1].id, "2");
        assert_eq!(rows[1].check.side, Side::Sell);
        assert_eq!(
            rows[1].check.held_since,
            NaiveDate::from_ymd_opt(2020, 1, 2)
        );
        let cols =
            "isin,ticker,market,side,at\nUS16941M1099,,,buy,2021-08-02\n,941,hk,hold,2021-08-02\n";
        let rows = parse_trades_csv("t.csv", cols.as_bytes(), Some("Asia/Hong_Kong")).unwrap();
        assert_eq!(
            rows[1].check.security,
            SecurityRef::ticker("941", Some("HK"))
        );
    }

    #[test]
    fn trades_csv_errors_name_line_and_field() {
        let e = |csv: &str| {
            parse_trades_csv("t.csv", csv.as_bytes(), None)
                .unwrap_err()
                .to_string()
        };
        let m = e("security,side,at\nX,buy,2021-01-01\nX,borrow,2021-01-01\n");
        assert!(m.contains("line 3") && m.contains("'side'"), "{m}");
        let m = e("security,side,at\nX,buy,16/03/2021\n");
        assert!(m.contains("line 2") && m.contains("'at'"), "{m}");
        let m = e("security,side,at,tz\nX,buy,2021-03-16 10:00,Mars/Base\n");
        assert!(m.contains("'tz'"), "{m}");
        let m = e("security,at\nX,2021-03-16\n");
        assert!(m.contains("side") && m.contains("missing column"), "{m}");
    }
}
