use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{EntityId, ZonedTime};

/// What a lifecycle event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A statute or executive order signed or published.
    Law,
    /// A list published or changed (a DoD tranche or edition, an OFAC listing).
    Listing,
    /// A program's prohibitions take effect (for a group or one entity).
    EffectStart,
    /// A divestment window closes.
    DivestmentDeadline,
    /// A court's preliminary injunction (suspends effect).
    Injunction,
    /// A court's vacatur of a designation (ends it, as if never made).
    Vacatur,
    /// Delisting of a misspelled entry and listing of the corrected one
    /// (restarts the clocks).
    Relisting,
    /// Removal from a list.
    Removal,
    /// An OFAC general licence issued or expiring.
    GeneralLicense,
    /// OFAC guidance (FAQs).
    Guidance,
    /// A lawsuit or other step with no legal effect by itself.
    Litigation,
    /// Anything else worth showing on a timeline.
    Other,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Law => "law",
            EventKind::Listing => "listing",
            EventKind::EffectStart => "effect_start",
            EventKind::DivestmentDeadline => "divestment_deadline",
            EventKind::Injunction => "injunction",
            EventKind::Vacatur => "vacatur",
            EventKind::Relisting => "relisting",
            EventKind::Removal => "removal",
            EventKind::GeneralLicense => "general_license",
            EventKind::Guidance => "guidance",
            EventKind::Litigation => "litigation",
            EventKind::Other => "other",
        }
    }
}

/// A dated, sourced event that changes (or documents) the legal effect of
/// designations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LifecycleEvent {
    /// A stable key within its source file (e.g. `E2021-03-12-xiaomi-pi`).
    pub id: String,
    pub kind: EventKind,
    pub at: ZonedTime,
    /// Who it concerns, as the source names them (`Xiaomi Corporation`,
    /// `31 Annex CCMCs`, `(all)`).
    pub subject: String,
    /// The entities it concerns, where resolved.
    #[serde(default)]
    pub entities: Vec<EntityId>,
    /// The program(s) it concerns (`CCMC-EO13959`, `CMIC-EO14032`, `1260H`).
    #[serde(default)]
    pub programs: Vec<String>,
    pub title: String,
    pub effect: String,
    pub source: String,
}

impl LifecycleEvent {
    pub fn date(&self) -> NaiveDate {
        self.at.date
    }
}
