use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Entity, LifecycleEvent};

/// One raw input file of an import, as read (before parsing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFile {
    /// The name used in error messages and provenance (a path or file name).
    pub name: String,
    pub bytes: Vec<u8>,
}

impl RawFile {
    pub fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        RawFile {
            name: name.into(),
            bytes: bytes.into(),
        }
    }
}

/// Everything one import of one list produced: the content of a new list
/// version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// The list key (`us_ofac_sdn`, …).
    pub list: String,
    /// The publication date, when the source states it or the caller knows it.
    pub published: Option<NaiveDate>,
    pub entities: Vec<Entity>,
    /// Lifecycle events (the DoD curated data carries them).
    #[serde(default)]
    pub events: Vec<LifecycleEvent>,
    /// Non-fatal observations made while parsing (flagged identifiers,
    /// skipped empty rows), for the import report.
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl Dataset {
    pub fn new(list: &str) -> Self {
        Dataset {
            list: list.to_string(),
            published: None,
            entities: Vec::new(),
            events: Vec::new(),
            warnings: Vec::new(),
        }
    }
}
