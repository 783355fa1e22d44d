use std::sync::Arc;

use embargo_engine::Engine;

/// Shared state of the service, cloned into every handler.
#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
}
