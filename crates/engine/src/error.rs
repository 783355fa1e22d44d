use thiserror::Error;

/// Errors of the engine; each wraps the failing layer's typed error.
#[derive(Debug, Error)]
pub enum EngineError {
    #[error(transparent)]
    Source(#[from] embargo_sources::SourceError),
    #[error(transparent)]
    Store(#[from] embargo_store::StoreError),
    #[error(transparent)]
    Law(#[from] embargo_law::LawError),
    #[error("unknown list '{0}'")]
    UnknownList(String),
    #[error("list '{0}' has no version matching {1}")]
    NoSuchVersion(String, String),
    #[error("audit trail: {0}")]
    Audit(String),
    #[error("update failed: {0}")]
    Update(String),
    #[error("an internal lock was poisoned by a panic in another thread")]
    Poisoned,
}
