//! The HTTP handlers, thin over the engine.

pub mod ops;
pub mod v1;
pub mod yente;

use std::sync::Arc;

use chrono::NaiveDate;
use embargo_engine::Snapshot;

use crate::error::ApiError;
use crate::state::AppState;

/// Runs blocking work (store access, large batches) on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

/// The snapshot for an `as_of` date (the current one when `None`).
pub(crate) async fn snapshot_at(
    state: &AppState,
    as_of: Option<NaiveDate>,
) -> Result<Arc<Snapshot>, ApiError> {
    match as_of {
        None => Ok(state.engine.snapshot()),
        Some(d) => {
            let engine = Arc::clone(&state.engine);
            blocking(move || engine.snapshot_at(Some(d)).map_err(engine_error)).await
        }
    }
}

/// Maps an engine error to the client's view of it.
pub(crate) fn engine_error(e: embargo_engine::EngineError) -> ApiError {
    use embargo_engine::EngineError as E;
    match e {
        E::UnknownList(l) => ApiError::NotFound(format!("unknown list '{l}'")),
        E::NoSuchVersion(l, sel) => {
            ApiError::NotFound(format!("list '{l}' has no version matching {sel}"))
        }
        E::Update(msg) => ApiError::Unavailable(format!("update failed: {msg}")),
        other => ApiError::internal(other),
    }
}
