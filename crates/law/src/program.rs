//! Programs as data: what each program prohibits, from when, for whom.
//!
//! The programs embargo knows are declared in `data/programs.json` (compiled
//! in); [`parse_programs`] reads and validates such a file.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::time::{Boundary, ZoneReading};
use crate::LawError;

/// The bundled program file.
pub const BUNDLED_PROGRAMS: &str = include_str!("../data/programs.json");

/// What kind of effect a program has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramKind {
    /// Purchases and/or sales of publicly traded securities are prohibited.
    InvestmentBan,
    /// All property and interests in property are blocked.
    Blocking,
    /// Government procurement bars only; no investment effect.
    Procurement,
}

/// Which designations a program governs: a list key and the program tags
/// the source writes (`*` for any tag), and, for aggregated lists such as
/// trade.gov's, text the designation's source must contain (`(SDN)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramKey {
    /// The list key (`us_ofac_cons`, `us_dod_1237`, …).
    pub list: String,
    /// Program tags as written by the source, compared case-insensitively.
    pub tags: Vec<String>,
    /// When set, only designations whose source citation contains this
    /// text fall under the key (the trade.gov list names its source list
    /// in each record: `Specially Designated Nationals (SDN) - Treasury
    /// Department`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_contains: Option<String>,
}

impl ProgramKey {
    /// True when a designation on `list` tagged `tag` falls under this key
    /// whatever its source (keys with a source condition never match here).
    pub fn matches(&self, list: &str, tag: &str) -> bool {
        self.source_contains.is_none() && self.matches_tag(list, tag)
    }

    /// True when the designation falls under this key.
    pub fn matches_designation(&self, d: &embargo_model::Designation) -> bool {
        self.matches_tag(&d.list, &d.program)
            && self.source_contains.as_ref().is_none_or(|needle| {
                d.source
                    .as_deref()
                    .is_some_and(|s| s.contains(needle.as_str()))
            })
    }

    fn matches_tag(&self, list: &str, tag: &str) -> bool {
        self.list == list
            && self
                .tags
                .iter()
                .any(|t| t == "*" || t.eq_ignore_ascii_case(tag.trim()))
    }
}

/// A legal instant as a text gives it: a date, a time of day if stated, and
/// the zone readings the wording allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeSpec {
    /// The calendar date (in New York).
    pub date: NaiveDate,
    /// The time of day, when the text states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    /// The zone readings the wording allows (ET when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<ZoneReading>,
}

impl TimeSpec {
    /// The boundary this spec denotes.
    pub fn boundary(&self) -> Boundary {
        Boundary::at(self.date, self.time, &self.zones)
    }
}

/// A time of day and its zone readings, applied to per-entity dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    /// The time of day.
    pub time: NaiveTime,
    /// The zone readings the wording allows.
    pub zones: Vec<ZoneReading>,
}

impl Clock {
    /// The boundary at this clock's time on `date`.
    pub fn on(&self, date: NaiveDate) -> Boundary {
        Boundary::at(date, Some(self.time), &self.zones)
    }
}

/// Fixed dates for the entities named in an order's annex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annex {
    /// Entities listed on or before this date are annex entities.
    pub listed_on_or_before: NaiveDate,
    /// When prohibitions begin for them.
    pub effective: TimeSpec,
    /// The instant before which divestment is allowed.
    pub divestment_until: TimeSpec,
    /// The legal basis.
    pub citation: String,
}

/// Which instruments a program reaches beyond the issuer's own securities.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reach {
    /// Derivatives of covered securities (options, futures, swaps, notes).
    pub derivatives: bool,
    /// Funds and ETFs holding covered securities.
    pub funds: bool,
    /// The legal basis.
    #[serde(default)]
    pub citation: String,
}

/// The rules of an investment ban.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvestmentRules {
    /// Fixed dates for annex entities, if the order has an annex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annex: Option<Annex>,
    /// Prohibitions begin this many days after listing (later listings).
    pub effective_after_days: i64,
    /// The time of day and zone of the effective instant.
    pub effective_clock: Clock,
    /// The basis of the effective date.
    pub effective_citation: String,
    /// Divestment allowed until this many days after listing.
    pub divestment_after_days: i64,
    /// The time of day and zone of the divestment deadline.
    pub divestment_clock: Clock,
    /// The basis of the divestment window.
    pub divestment_citation: String,
    /// The basis of the purchase prohibition.
    pub purchase_citation: String,
    /// Sales are prohibited (other than to divest) only from this instant;
    /// absent: from the effective instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_prohibited_from: Option<TimeSpec>,
    /// The basis of the sale prohibition.
    pub sale_citation: String,
    /// When present, the divestment carve-out is read (conservatively) as
    /// covering only securities held before prohibitions began, and this
    /// states why; a sale of a position acquired later is then prohibited,
    /// with the other reading stated beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub divestment_limited_to_prior_holdings: Option<String>,
    /// Whether holding after the divestment deadline is prohibited.
    pub possession_prohibited: bool,
    /// The basis of the answer on possession.
    pub possession_citation: String,
}

/// A general licence authorising close-match trades for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// `GL 1A`, …
    pub id: String,
    /// When it was issued.
    pub issued: TimeSpec,
    /// When it expires (exclusive).
    pub expires: TimeSpec,
    /// The licence text or a summary.
    pub citation: String,
}

/// A close-match rule (OFAC FAQ 864) and the licences that authorised
/// close-match trades.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseMatch {
    /// The basis of the rule.
    pub citation: String,
    /// General licences, in any order.
    #[serde(default)]
    pub licences: Vec<Licence>,
}

/// A procurement bar that starts on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcurementStep {
    /// The first day of the bar.
    pub from: NaiveDate,
    /// What is barred.
    pub text: String,
    /// The legal basis.
    pub citation: String,
}

/// A listing the program is keyed to that no bundled source carries (the
/// 2021 OFAC NS-CCMC subsidiaries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplementaryListing {
    /// The list key of the synthetic entity.
    pub list: String,
    /// The entity key within the list.
    pub key: String,
    /// The listed name.
    pub name: String,
    /// Further names.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The listing date.
    pub listed_on: NaiveDate,
    /// The removal date, if removed.
    #[serde(default)]
    pub ended_on: Option<NaiveDate>,
    /// Why it was removed.
    #[serde(default)]
    pub end_reason: Option<String>,
    /// Where the listing is documented.
    pub source: String,
}

/// A program, as declared in the program file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// The program id (`CMIC-EO14032`, `CCMC-EO13959`, `1260H`, `SDN`).
    pub id: String,
    /// A one-line title.
    pub title: String,
    /// What kind of effect it has.
    pub kind: ProgramKind,
    /// The legal basis.
    pub citation: String,
    /// The designations it governs.
    pub keys: Vec<ProgramKey>,
    /// When the whole regime ended, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends: Option<TimeSpec>,
    /// The basis of the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_citation: Option<String>,
    /// Instruments reached beyond the issuer's own securities.
    #[serde(default)]
    pub reach: Reach,
    /// Investment-ban rules (for [`ProgramKind::InvestmentBan`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investment: Option<InvestmentRules>,
    /// The close-match rule, if the program has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_match: Option<CloseMatch>,
    /// Procurement bars (for [`ProgramKind::Procurement`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub procurement: Vec<ProcurementStep>,
    /// Listings no bundled source carries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supplementary_listings: Vec<SupplementaryListing>,
    /// Notes shown with findings under the program.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Program {
    /// True when a designation on `list` tagged `tag` falls under this
    /// program by a key without a source condition.
    pub fn governs(&self, list: &str, tag: &str) -> bool {
        self.keys.iter().any(|k| k.matches(list, tag))
    }

    /// True when the designation falls under this program.
    pub fn governs_designation(&self, d: &embargo_model::Designation) -> bool {
        self.keys.iter().any(|k| k.matches_designation(d))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgramFile {
    #[allow(dead_code)]
    version: String,
    programs: Vec<Program>,
}

/// Parses and validates a program file (JSON, see `data/programs.json`).
pub fn parse_programs(json: &str) -> Result<Vec<Program>, LawError> {
    let file: ProgramFile = serde_json::from_str(json).map_err(|e| LawError::Programs {
        reason: format!("line {}, column {}: {e}", e.line(), e.column()),
    })?;
    validate(&file.programs)?;
    Ok(file.programs)
}

fn validate(programs: &[Program]) -> Result<(), LawError> {
    let bad = |id: &str, reason: String| LawError::Programs {
        reason: format!("program '{id}': {reason}"),
    };
    if programs.is_empty() {
        return Err(LawError::Programs {
            reason: "no programs declared".into(),
        });
    }
    let mut ids = HashSet::new();
    for p in programs {
        if p.id.trim().is_empty() {
            return Err(bad(&p.id, "empty id".into()));
        }
        if !ids.insert(p.id.as_str()) {
            return Err(bad(&p.id, "declared twice".into()));
        }
        if p.keys.is_empty()
            || p.keys
                .iter()
                .any(|k| k.list.is_empty() || k.tags.is_empty())
        {
            return Err(bad(
                &p.id,
                "needs at least one key with a list and tags".into(),
            ));
        }
        match (p.kind, &p.investment) {
            (ProgramKind::InvestmentBan, None) => {
                return Err(bad(
                    &p.id,
                    "an investment ban needs 'investment' rules".into(),
                ))
            }
            (ProgramKind::InvestmentBan, Some(inv)) => validate_investment(&p.id, inv)?,
            (_, Some(_)) => {
                return Err(bad(
                    &p.id,
                    "'investment' rules given for a program that is not an investment ban".into(),
                ))
            }
            (_, None) => {}
        }
        if p.kind != ProgramKind::Procurement && !p.procurement.is_empty() {
            return Err(bad(
                &p.id,
                "'procurement' steps on a non-procurement program".into(),
            ));
        }
        if let Some(cm) = &p.close_match {
            for l in &cm.licences {
                if l.expires.boundary().earliest() <= l.issued.boundary().latest() {
                    return Err(bad(
                        &p.id,
                        format!("licence {} expires before it is issued", l.id),
                    ));
                }
            }
        }
        for s in &p.supplementary_listings {
            if s.name.trim().is_empty() || s.key.trim().is_empty() {
                return Err(bad(
                    &p.id,
                    "supplementary listing without name or key".into(),
                ));
            }
            if !p.governs(&s.list, &p.id) {
                return Err(bad(
                    &p.id,
                    format!(
                        "supplementary listing '{}' is on a list the program does not govern",
                        s.name
                    ),
                ));
            }
            if s.ended_on.is_some_and(|e| e < s.listed_on) {
                return Err(bad(
                    &p.id,
                    format!("listing '{}' ends before it starts", s.name),
                ));
            }
        }
    }
    Ok(())
}

fn validate_investment(id: &str, inv: &InvestmentRules) -> Result<(), LawError> {
    let bad = |reason: &str| LawError::Programs {
        reason: format!("program '{id}': {reason}"),
    };
    if inv.effective_after_days < 0 || inv.divestment_after_days < inv.effective_after_days {
        return Err(bad("divestment must close after prohibitions begin"));
    }
    if inv.effective_clock.zones.is_empty() || inv.divestment_clock.zones.is_empty() {
        return Err(bad("clocks need at least one zone reading"));
    }
    if let Some(a) = &inv.annex {
        if a.divestment_until.boundary().earliest() <= a.effective.boundary().latest() {
            return Err(bad(
                "annex divestment deadline is not after the annex effective time",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_programs_parse() {
        let p = parse_programs(BUNDLED_PROGRAMS).unwrap();
        let ids: Vec<&str> = p.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["CCMC-EO13959", "CMIC-EO14032", "1260H", "SDN"]);
        let cmic = &p[1];
        assert!(cmic.governs("us_ofac_cons", "CMIC-EO13959"));
        assert!(!cmic.governs("us_ofac_cons", "SDGT"));
        assert!(p[3].governs("us_ofac_sdn", "SDGT"));
        // trade.gov records fall under a program by their source list.
        let mut d = embargo_model::Designation::new("us_trade_csl", "NPWMD");
        assert!(!p[3].governs_designation(&d));
        d.source = Some("Specially Designated Nationals (SDN) - Treasury Department".into());
        assert!(p[3].governs_designation(&d));
        assert!(!p[3].governs("us_trade_csl", "NPWMD"));
        let mut c = embargo_model::Designation::new("us_trade_csl", "CMIC-EO13959");
        c.source = Some(
            "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department"
                .into(),
        );
        assert!(cmic.governs_designation(&c));
    }

    #[test]
    fn bad_files_are_typed_errors() {
        assert!(matches!(
            parse_programs("{"),
            Err(LawError::Programs { .. })
        ));
        let dup = BUNDLED_PROGRAMS.replace("\"id\": \"SDN\"", "\"id\": \"1260H\"");
        let err = parse_programs(&dup).unwrap_err().to_string();
        assert!(err.contains("declared twice"), "{err}");
        let zone = BUNDLED_PROGRAMS.replacen("\"EST\"", "\"PST\"", 1);
        assert!(parse_programs(&zone).is_err());
        let unknown = BUNDLED_PROGRAMS.replacen("\"title\"", "\"tittle\"", 1);
        assert!(parse_programs(&unknown).is_err());
        let no_rules = BUNDLED_PROGRAMS.replacen(
            "\"kind\": \"procurement\"",
            "\"kind\": \"investment_ban\"",
            1,
        );
        let err = parse_programs(&no_rules).unwrap_err().to_string();
        assert!(err.contains("needs 'investment'"), "{err}");
    }
}
