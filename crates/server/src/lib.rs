//! The embargo HTTP service: the yente-compatible match API, embargo's own
//! `/v1` API, the OpenAPI document, metrics, and the web console.
//!
//! Handlers stay thin: they parse, call the engine (`embargo-engine`), and
//! render. All state lives in [`AppState`].

pub mod console;
mod state;

pub use state::AppState;
