//! Versioned, point-in-time storage of restricted-party lists.
//!
//! Every import of a list becomes an immutable [`ListVersion`] (1, 2, 3…
//! per list). The store answers what a list said at a version or on a
//! date ([`VersionSel`]), how one entity evolved across versions
//! ([`Store::history`]), what changed between two versions
//! ([`Store::diff`]) and which entities changed since a time
//! ([`Store::changed_since`]). Importing content identical to the
//! list's latest version is a no-op that says so
//! ([`ImportOutcome::Unchanged`]); an import is one transaction, so a
//! failure (or a killed process) leaves the previous state intact.
//!
//! The [`Store`] trait is the interface; [`SqliteStore`] implements it on
//! an embedded SQLite file (WAL mode, foreign keys on). All SQL lives in
//! one module and keeps to what PostgreSQL also accepts, so that another
//! backend can follow.
//!
//! # Storage layout
//!
//! | table | content |
//! |---|---|
//! | `list_version` | one row per version: list, seq, published, imported_at, content hash, counts, source |
//! | `version_file` | the raw files of a version: name, SHA-256, size |
//! | `entity_blob` | `hash → json`: each distinct entity statement once, keyed by the SHA-256 of its canonical JSON ([`entity_hash`]) |
//! | `version_entity` | `(version, entity id) → hash`, with caption, schema and source order; indexed by entity id |
//! | `version_event` | the lifecycle events of a version, as JSON |
//! | `api_key`, `audit_log`, `review`, `kv` | installation records (see [`records`]) |
//!
//! An entity unchanged across versions is stored once; a version costs
//! one small row per entity. The schema version is kept in
//! `PRAGMA user_version` and migrations run on open.
//!
//! # Content hash of a version
//!
//! Each raw file is hashed (SHA-256); the pairs (file base name, hash)
//! are sorted and hashed again ([`content_sha256`]). A dataset imported
//! without raw files is hashed over its sorted entity hashes and its
//! events instead.
//!
//! ```
//! use embargo_model::{Dataset, Entity, EntityId, Schema};
//! use embargo_store::{ImportMeta, SqliteStore, Store, VersionSel};
//!
//! let mut store = SqliteStore::open_in_memory()?;
//! let mut ds = Dataset::new("us_ofac_cons");
//! ds.entities.push(Entity::new(
//!     EntityId::new("us_ofac_cons", "30923"),
//!     Schema::Company,
//!     "CHINA MOBILE LIMITED",
//! ));
//! let outcome = store.import(&ds, &[], ImportMeta::new("import"))?;
//! assert!(outcome.is_created());
//! // The same content again changes nothing.
//! assert!(!store.import(&ds, &[], ImportMeta::new("import"))?.is_created());
//!
//! let id = EntityId::new("us_ofac_cons", "30923");
//! let (entity, version) = store.entity(&id, &VersionSel::Latest)?.expect("stored");
//! assert_eq!(entity.caption(), "CHINA MOBILE LIMITED");
//! assert_eq!(version.seq, 1);
//! # Ok::<(), embargo_store::StoreError>(())
//! ```

#![warn(missing_docs)]

mod content;
mod diff;
mod error;
pub mod records;
mod sql;
mod sqlite;
mod types;

use chrono::{DateTime, Utc};
use embargo_model::{Dataset, Entity, EntityId, LifecycleEvent, RawFile};

pub use content::{
    content_sha256, entity_hash, entity_json, file_digests, sha256_hex, validate_dataset,
};
pub use diff::{compare_entities, FIELDS};
pub use error::StoreError;
pub use records::{ApiKey, AuditEntry, Decision, NewAuditEntry, NewReview, Review};
pub use sqlite::SqliteStore;
pub use types::{
    Diff, DiffSummary, EntityChange, EntityRevision, EntitySummary, FieldChange, ImportMeta,
    ImportOutcome, ListSummary, ListVersion, RevisionChange, VersionSel, VersionSelError,
};

/// A versioned store of lists. Object-safe: the engine and the server
/// hold a `Box<dyn Store>`.
pub trait Store: Send {
    // --- list versions ---

    /// Imports one list version, atomically. The dataset is validated
    /// first ([`validate_dataset`]); content equal to the list's latest version
    /// writes nothing and returns [`ImportOutcome::Unchanged`].
    fn import(
        &mut self,
        dataset: &Dataset,
        files: &[RawFile],
        meta: ImportMeta,
    ) -> Result<ImportOutcome, StoreError>;

    /// Every list with its latest version, ordered by list key.
    fn lists(&self) -> Result<Vec<ListSummary>, StoreError>;

    /// The versions of a list, oldest first (empty for an unknown list).
    fn versions(&self, list: &str) -> Result<Vec<ListVersion>, StoreError>;

    /// The version of `list` a selector designates, if any.
    fn resolve(&self, list: &str, sel: &VersionSel) -> Result<Option<ListVersion>, StoreError>;

    /// All entities of a version, in source order.
    fn entities(&self, version_id: i64) -> Result<Vec<Entity>, StoreError>;

    /// The ids of the entities of a version, in source order (cheaper
    /// than [`Store::entities`] when only membership matters).
    fn entity_ids(&self, version_id: i64) -> Result<Vec<EntityId>, StoreError>;

    /// The lifecycle events of a version, in source order.
    fn events(&self, version_id: i64) -> Result<Vec<LifecycleEvent>, StoreError>;

    /// One entity at the selected version of its list (the list it is
    /// stored under, normally the prefix of its id), with that version.
    /// `None` when the version does not exist or does not contain it.
    fn entity(
        &self,
        id: &EntityId,
        sel: &VersionSel,
    ) -> Result<Option<(Entity, ListVersion)>, StoreError>;

    /// The entity's timeline across the versions of its list, oldest
    /// first: added, changed (with the field changes), removed, and runs
    /// of unchanged versions collapsed into one revision. Versions before
    /// the entity first appears, and after a removal until it comes back,
    /// produce nothing. Empty for an unknown entity.
    fn history(&self, id: &EntityId) -> Result<Vec<EntityRevision>, StoreError>;

    /// The differences from version `from` to version `to` of `list`
    /// (either order; both must belong to the list).
    fn diff(&self, list: &str, from: i64, to: i64) -> Result<Diff, StoreError>;

    /// Entities added or changed, compared with the preceding version of
    /// their list, in the versions imported after `since`. Sorted by id.
    /// Removals are not included (see [`Store::diff`]).
    fn changed_since(&self, since: DateTime<Utc>) -> Result<Vec<EntityId>, StoreError>;

    // --- API keys ---

    /// Stores a new API key; [`StoreError::Duplicate`] if the id or hash exists.
    fn insert_api_key(&mut self, key: &ApiKey) -> Result<(), StoreError>;
    /// All API keys, oldest first.
    fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;
    /// An API key by id.
    fn api_key(&self, id: &str) -> Result<Option<ApiKey>, StoreError>;
    /// An API key by the hash of its secret (revoked keys included).
    fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError>;
    /// Marks a key revoked; false if it does not exist or already was.
    fn revoke_api_key(&mut self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;

    // --- audit log (append-only) ---

    /// Appends an entry. Its `prev_hash` must equal the hash of the
    /// current last entry (`None` on an empty log), else
    /// [`StoreError::AuditConflict`] and nothing is written.
    fn append_audit(&mut self, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError>;
    /// Up to `limit` entries from sequence number `from_seq` on.
    fn audit_entries(&self, from_seq: i64, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;
    /// The last entry, if any.
    fn last_audit(&self) -> Result<Option<AuditEntry>, StoreError>;

    // --- reviews ---

    /// Records a review and returns it with its id.
    fn insert_review(&mut self, review: &NewReview) -> Result<Review, StoreError>;
    /// A review by id.
    fn review(&self, id: i64) -> Result<Option<Review>, StoreError>;
    /// The reviews of a query, oldest first.
    fn reviews_for_query(&self, query_key: &str) -> Result<Vec<Review>, StoreError>;
    /// The reviews that concern an entity, oldest first.
    fn reviews_for_entity(&self, id: &EntityId) -> Result<Vec<Review>, StoreError>;

    // --- installation settings ---

    /// A setting's value.
    fn kv_get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets (inserts or replaces) a setting.
    fn kv_set(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
    /// Deletes a setting; false if it did not exist.
    fn kv_delete(&mut self, key: &str) -> Result<bool, StoreError>;
}
