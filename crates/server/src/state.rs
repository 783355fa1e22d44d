//! The state shared by every handler.

use std::sync::Arc;
use std::time::Instant;

use embargo_audit::{SessionSecret, StoredKey};
use embargo_engine::update::UpdateConfig;
use embargo_engine::Engine;

use crate::auth::{Auth, KeySource};
use crate::config::ServeConfig;
use crate::error::ServerError;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::recorder::Recorder;

/// The `kv` key of the console's session signing secret.
const SESSION_SECRET_KEY: &str = "session_secret";

/// Shared state of the service, cloned into every handler.
#[derive(Clone)]
pub struct AppState {
    /// The engine: store, snapshots, law book, audit trail.
    pub engine: Arc<Engine>,
    /// The configuration the service runs with.
    pub config: Arc<ServeConfig>,
    /// API keys, sessions and rate limits.
    pub auth: Arc<Auth>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// The audit recorder.
    pub recorder: Recorder,
    /// Where `POST /v1/admin/update` downloads from.
    pub update: Arc<UpdateConfig>,
    /// Held while a list update runs (one at a time).
    pub update_lock: Arc<tokio::sync::Mutex<()>>,
    /// When the service started.
    pub started: Instant,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Reads API keys from the engine's store.
struct EngineKeys(Arc<Engine>);

impl KeySource for EngineKeys {
    fn load_keys(&self) -> Result<Vec<StoredKey>, String> {
        self.0.keys().map_err(|e| e.to_string())
    }
}

impl AppState {
    /// The state over an open engine. Loads (or creates, on first use) the
    /// session secret from the store's `kv` table and starts the audit
    /// recorder.
    pub fn new(engine: Arc<Engine>, config: ServeConfig) -> Result<AppState, ServerError> {
        let secret = session_secret(&engine)?;
        let limiter = RateLimiter::new(config.rate_limit_per_second, config.rate_limit_burst);
        let auth = Auth::new(Arc::new(EngineKeys(Arc::clone(&engine))), secret, limiter);
        let state = AppState {
            recorder: Recorder::start(Arc::clone(&engine)),
            engine,
            config: Arc::new(config),
            auth: Arc::new(auth),
            metrics: Arc::new(Metrics::new()),
            update: Arc::new(UpdateConfig::default()),
            update_lock: Arc::new(tokio::sync::Mutex::new(())),
            started: Instant::now(),
        };
        state.publish_versions();
        Ok(state)
    }

    /// Replaces where list updates download from (tests point it at a local server).
    pub fn with_update_config(mut self, update: UpdateConfig) -> AppState {
        self.update = Arc::new(update);
        self
    }

    /// Sets the list-version gauges from the current snapshot.
    pub fn publish_versions(&self) {
        let snap = self.engine.snapshot();
        for v in snap.versions() {
            self.metrics
                .set_gauge("list_version_seq", &v.list, u64::from(v.seq));
            self.metrics
                .set_gauge("list_entities", &v.list, v.entity_count);
        }
        self.metrics
            .set_gauge("index_entities", "all", snap.entities().len() as u64);
    }
}

/// The session secret, created and stored on first use.
fn session_secret(engine: &Engine) -> Result<SessionSecret, ServerError> {
    let stored = engine
        .with_store_ref(|s| s.kv_get(SESSION_SECRET_KEY))
        .map_err(|e| ServerError::Engine(e.to_string()))?;
    if let Some(hex) = stored {
        if let Ok(secret) = SessionSecret::from_hex(&hex) {
            return Ok(secret);
        }
        tracing::warn!("the stored session secret is unusable; creating a new one");
    }
    let secret = SessionSecret::generate();
    let hex = secret.to_hex();
    engine
        .with_store_mut(|s| s.kv_set(SESSION_SECRET_KEY, &hex))
        .map_err(|e| ServerError::Engine(e.to_string()))?;
    Ok(secret)
}
