//! Health, readiness, metrics and the OpenAPI document.

use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::middleware::{text_response, ApiJson};
use crate::state::AppState;

/// A health answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

/// Readiness: the data served.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Ready {
    /// `ok`.
    pub status: String,
    /// Entities in the index.
    pub entities: usize,
    /// Lists loaded.
    pub lists: usize,
    /// Seconds since start.
    pub uptime_secs: u64,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = Health)))]
pub async fn healthz() -> ApiJson<Health> {
    ApiJson(Health {
        status: "ok".into(),
    })
}

/// Readiness: lists are loaded and the audit recorder runs.
#[utoipa::path(get, path = "/readyz", operation_id = "readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Ready),
        (status = 503, description = "Not ready", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(state): State<AppState>) -> Result<ApiJson<Ready>, ApiError> {
    let snap = state.engine.snapshot();
    if snap.entities().is_empty() {
        return Err(ApiError::Unavailable("no list is loaded".into()));
    }
    if !state.recorder.is_running() {
        return Err(ApiError::Unavailable(
            "the audit recorder is not running".into(),
        ));
    }
    Ok(ApiJson(Ready {
        status: "ok".into(),
        entities: snap.entities().len(),
        lists: snap.versions().len(),
        uptime_secs: state.started.elapsed().as_secs(),
    }))
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", operation_id = "metrics", tag = "operations",
    responses((status = 200, description = "Metrics", body = String, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    // The served versions can change under the service (an import in the
    // same process swaps the snapshot): read them now.
    state.publish_versions();
    text_response(
        "text/plain; version=0.0.4; charset=utf-8",
        state.metrics.render(),
    )
}

/// This API's OpenAPI 3 document.
#[utoipa::path(get, path = "/openapi.json", operation_id = "openapi", tag = "operations",
    responses((status = 200, description = "OpenAPI document", body = Object)))]
pub async fn openapi() -> Response {
    text_response(
        "application/json",
        crate::openapi::document_json().to_string(),
    )
}
