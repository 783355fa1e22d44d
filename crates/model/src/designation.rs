use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ZonedTime;

/// An entity's presence on a list under a program.
///
/// The dates are those the source states. `effective` and
/// `divestment_until` are filled only where a source publishes them (OFAC's
/// `Effective Date (CMIC)`, the DoD curated files); the law engine derives
/// the rest from the program's rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Designation {
    /// The list key (`us_ofac_sdn`, `us_ofac_cons`, `us_dod_1237`, …).
    pub list: String,
    /// The program tag as the source writes it (`SDGT`, `CMIC-EO13959`,
    /// `1260H`, `CCMC-1237`, …).
    pub program: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<ZonedTime>,
    /// The instant before which divestment purchases/sales are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub divestment_until: Option<ZonedTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    /// A citation for the designation (Federal Register, release URL, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Designation {
    pub fn new(list: &str, program: &str) -> Self {
        Designation {
            list: list.to_string(),
            program: program.to_string(),
            listed_on: None,
            effective: None,
            divestment_until: None,
            ended_on: None,
            end_reason: None,
            source: None,
        }
    }

    /// True when the designation is in force on `date` as far as listing
    /// and ending dates say (legal effect is the law engine's question).
    pub fn active_on(&self, date: NaiveDate) -> bool {
        self.listed_on.is_none_or(|l| l <= date) && self.ended_on.is_none_or(|e| date < e)
    }
}
