use std::path::PathBuf;

use embargo_model::EntityId;

/// Everything that can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or prepared.
    #[error("cannot open store '{}': {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },

    /// A database statement failed; `context` says what the store was doing.
    #[error("database error while {context}: {source}")]
    Sql {
        /// What the store was doing (`writing entities`, …).
        context: &'static str,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },

    /// The dataset offered for import is not valid; nothing was written.
    #[error("invalid dataset for list '{list}': {reason}")]
    InvalidDataset {
        /// The list key of the dataset.
        list: String,
        /// The offending entity, when the problem is about one.
        entity: Option<EntityId>,
        /// What is wrong, naming the entity where there is one.
        reason: String,
    },

    /// No list version has this id.
    #[error("no list version with id {0}")]
    NoSuchVersion(i64),

    /// A version id was given for a list it does not belong to.
    #[error("list version {id} belongs to list '{actual}', not '{expected}'")]
    WrongList {
        /// The version id.
        id: i64,
        /// The list the caller named.
        expected: String,
        /// The list the version belongs to.
        actual: String,
    },

    /// A value could not be serialised to JSON.
    #[error("cannot serialise {what}: {source}")]
    Serialize {
        /// The value (`entity 'us_ofac_sdn:306'`, …).
        what: String,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },

    /// Stored data could not be read back (a row that does not parse).
    #[error("corrupt stored {what}: {detail}")]
    Corrupt {
        /// The record (`list version 3`, `entity blob <hash>`, …).
        what: String,
        /// What does not parse.
        detail: String,
    },

    /// The database was written by a newer build with a newer schema.
    #[error("database schema version {found} is newer than this build supports ({supported})")]
    SchemaTooNew {
        /// The database's schema version.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },

    /// A record with this key already exists.
    #[error("{what} '{key}' already exists")]
    Duplicate {
        /// The kind of record (`API key`).
        what: &'static str,
        /// Its key.
        key: String,
    },

    /// An audit entry was appended on top of a different last entry than
    /// the one it chains to (another writer appended in between).
    #[error(
        "audit chain conflict: entry chains to {}, but the last entry's hash is {}",
        given.as_deref().unwrap_or("nothing"),
        actual.as_deref().unwrap_or("nothing (empty log)")
    )]
    AuditConflict {
        /// The `prev_hash` of the entry offered.
        given: Option<String>,
        /// The hash of the log's last entry.
        actual: Option<String>,
    },

    /// A failure injected by a test, to exercise rollback.
    #[cfg(test)]
    #[error("injected failure after {0} rows")]
    Injected(usize),
}

/// Attaches a context to rusqlite results.
pub(crate) trait SqlContext<T> {
    fn ctx(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> SqlContext<T> for Result<T, rusqlite::Error> {
    fn ctx(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sql { context, source })
    }
}
