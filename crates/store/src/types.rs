use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use embargo_model::{Entity, EntityId, Schema};
use serde::{Deserialize, Serialize};

/// One import of one list: an immutable snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListVersion {
    /// Store-wide id of the version.
    pub id: i64,
    /// The list key (`us_ofac_sdn`, …).
    pub list: String,
    /// 1, 2, 3… within the list, in import order.
    pub seq: u32,
    /// The publication date, when known.
    pub published: Option<NaiveDate>,
    /// When the version was imported.
    pub imported_at: DateTime<Utc>,
    /// The content hash: see [`crate::content_sha256`].
    pub sha256: String,
    /// The raw files: (name, sha256 in hex, size in bytes), in import order.
    pub files: Vec<(String, String, u64)>,
    /// Entities in the version.
    pub entity_count: u64,
    /// Designations over all entities.
    pub designation_count: u64,
    /// Names over all entities.
    pub name_count: u64,
    /// Identifiers over all entities.
    pub identifier_count: u64,
    /// Lifecycle events.
    pub event_count: u64,
    /// How the version came in (`bundled`, `import`, `update`).
    pub source: String,
}

impl ListVersion {
    /// The date the version speaks for: its publication date, or the day
    /// it was imported when the publication date is unknown. This is the
    /// date [`VersionSel::AsOf`] compares with.
    pub fn as_of(&self) -> NaiveDate {
        self.published
            .unwrap_or_else(|| self.imported_at.date_naive())
    }
}

/// Metadata of an import that the dataset itself does not carry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImportMeta {
    /// The publication date; when `None`, the dataset's own
    /// [`published`](embargo_model::Dataset::published) date is used.
    pub published: Option<NaiveDate>,
    /// How the version came in (`bundled`, `import`, `update`).
    pub source: String,
}

impl ImportMeta {
    /// Metadata with a source label and no publication date.
    pub fn new(source: &str) -> Self {
        ImportMeta {
            published: None,
            source: source.to_string(),
        }
    }

    /// Sets the publication date.
    pub fn published(mut self, date: NaiveDate) -> Self {
        self.published = Some(date);
        self
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ImportOutcome {
    /// The content equals the list's latest version: nothing was written.
    Unchanged {
        /// The latest version, whose content is the same.
        existing: ListVersion,
    },
    /// A new version was written; `summary` compares it with the previous one.
    Created {
        /// The new version.
        version: ListVersion,
        /// The new version compared with the previous latest one.
        summary: DiffSummary,
    },
}

impl ImportOutcome {
    /// The version the list is now at.
    pub fn version(&self) -> &ListVersion {
        match self {
            ImportOutcome::Unchanged { existing } => existing,
            ImportOutcome::Created { version, .. } => version,
        }
    }

    /// True when a new version was written.
    pub fn is_created(&self) -> bool {
        matches!(self, ImportOutcome::Created { .. })
    }
}

/// Which version of a list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionSel {
    /// The most recently imported version.
    Latest,
    /// A version by its store-wide id.
    Id(i64),
    /// A version by its sequence number within the list.
    Seq(u32),
    /// The latest version whose [`as_of`](ListVersion::as_of) date is on or
    /// before the date (ties go to the later import).
    AsOf(NaiveDate),
}

/// The error of parsing a [`VersionSel`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid version selector '{0}': expected 'latest', a date YYYY-MM-DD, a sequence number (3 or v3) or id:N")]
pub struct VersionSelError(pub String);

impl FromStr for VersionSel {
    type Err = VersionSelError;

    /// Parses `latest`, `2025-03-26` (as of), `3` or `v3` (sequence number)
    /// and `id:12` (version id).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let err = || VersionSelError(s.to_string());
        if t.eq_ignore_ascii_case("latest") {
            return Ok(VersionSel::Latest);
        }
        if let Some(id) = t.strip_prefix("id:") {
            return id.trim().parse().map(VersionSel::Id).map_err(|_| err());
        }
        let seq = t.strip_prefix(['v', 'V']).unwrap_or(t);
        if !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit()) {
            return seq.parse().map(VersionSel::Seq).map_err(|_| err());
        }
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(VersionSel::AsOf)
            .map_err(|_| err())
    }
}

impl fmt::Display for VersionSel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionSel::Latest => f.write_str("latest"),
            VersionSel::Id(id) => write!(f, "id:{id}"),
            VersionSel::Seq(seq) => write!(f, "v{seq}"),
            VersionSel::AsOf(d) => write!(f, "{d}"),
        }
    }
}

/// One list in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSummary {
    /// The list key.
    pub list: String,
    /// The latest version.
    pub latest: ListVersion,
    /// How many versions the store holds.
    pub version_count: u32,
    /// Entities in the latest version.
    pub entity_count: u64,
    /// The latest version's publication date, when known.
    pub as_of: Option<NaiveDate>,
}

/// An entity as a diff lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitySummary {
    /// The entity's id.
    pub id: EntityId,
    /// Its primary name.
    pub caption: String,
    /// Its kind.
    pub schema: Schema,
    /// The programs it is designated under (`CMIC-EO13959`, `SDGT`, …).
    pub programs: Vec<String>,
}

/// The values of one field that one version has and the other has not.
///
/// `field` is one of `schema`, `names`, `identifiers`, `programs`,
/// `remarks`, `addresses`, `countries`, `birth_dates`, `birth_places`,
/// `relations`, `properties`. Values are compared as sets of readable
/// strings: names as `value (kind)`, identifiers as `isin US16941M1099`
/// (tickers with their market, `ticker 941 HK`), programs as
/// `CMIC-EO13959 (listed 2021-06-03, effective 2021-08-02 00:01 EDT, …)`,
/// properties as `key: value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field (one of [`crate::FIELDS`]).
    pub field: String,
    /// Values in the newer statement only, sorted.
    pub added: Vec<String>,
    /// Values in the older statement only, sorted.
    pub removed: Vec<String>,
}

/// An entity present in both versions of a diff whose content differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityChange {
    /// The entity's id.
    pub id: EntityId,
    /// The caption in the newer (`to`) version.
    pub caption: String,
    /// The fields that differ, in the order of [`crate::FIELDS`].
    pub fields: Vec<FieldChange>,
}

/// The differences between two versions of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// The older side.
    pub from: ListVersion,
    /// The newer side.
    pub to: ListVersion,
    /// In `to`, not in `from`.
    pub added: Vec<EntitySummary>,
    /// In `from`, not in `to`.
    pub removed: Vec<EntitySummary>,
    /// In both, with different content.
    pub changed: Vec<EntityChange>,
    /// Entities in both versions with equal content.
    pub unchanged: usize,
}

impl Diff {
    /// The counts of this diff.
    pub fn summary(&self) -> DiffSummary {
        DiffSummary {
            from: Some(self.from.id),
            to: self.to.id,
            added: self.added.len(),
            removed: self.removed.len(),
            changed: self.changed.len(),
            unchanged: self.unchanged,
        }
    }
}

/// The counts of a [`Diff`]. On a list's first version `from` is `None`
/// and every entity counts as added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffSummary {
    /// The id of the older version, if any.
    pub from: Option<i64>,
    /// The id of the newer version.
    pub to: i64,
    /// Entities added.
    pub added: usize,
    /// Entities removed.
    pub removed: usize,
    /// Entities whose content changed.
    pub changed: usize,
    /// Entities unchanged.
    pub unchanged: usize,
}

/// What happened to an entity at a revision of its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RevisionChange {
    /// The entity appears (for the first time, or again after a removal).
    Added,
    /// The entity's content changed compared with the previous version.
    Changed {
        /// The fields that changed.
        fields: Vec<FieldChange>,
    },
    /// The entity is absent from this version (present in the previous).
    Removed,
    /// A run of `versions` consecutive versions, from the revision's
    /// version through `through`, in which the entity stayed the same.
    Unchanged {
        /// How many versions the run spans.
        versions: u32,
        /// The last version of the run.
        through: ListVersion,
    },
}

/// One step of an entity's history across the versions of its list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityRevision {
    /// The version at which the step happened (the first of an unchanged run).
    pub version: ListVersion,
    /// What happened.
    pub change: RevisionChange,
    /// The entity as this version states it, on `Added` and `Changed`.
    pub entity: Option<Entity>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_sel_parses_and_prints() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 26).unwrap();
        for (s, sel) in [
            ("latest", VersionSel::Latest),
            ("id:12", VersionSel::Id(12)),
            ("v3", VersionSel::Seq(3)),
            ("2025-03-26", VersionSel::AsOf(d)),
        ] {
            assert_eq!(s.parse::<VersionSel>().unwrap(), sel);
            assert_eq!(sel.to_string(), s);
        }
        assert_eq!("3".parse::<VersionSel>().unwrap(), VersionSel::Seq(3));
        assert!("yesterday".parse::<VersionSel>().is_err());
        assert!("id:x".parse::<VersionSel>().is_err());
        assert!("2025-02-30".parse::<VersionSel>().is_err());
    }
}
