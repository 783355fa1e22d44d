//! The embargo HTTP service: the yente-compatible match API, embargo's own
//! `/v1` API, the OpenAPI document, metrics, and the web console.
//!
//! Handlers stay thin: they parse, call the engine (`embargo-engine`), and
//! render. All state lives in [`AppState`]; [`app`] builds the router (tests
//! drive it with `tower::ServiceExt::oneshot`), [`serve`] runs it on a
//! socket with graceful shutdown.
//!
//! | routes | role |
//! |---|---|
//! | `/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/v1/receipts/public-key` | none |
//! | `/catalog`, `/algorithms`, `/search/{dataset}`, `/entities/{id}`, `/reconcile/{dataset}` (GET: manifest; running `queries` needs screen), `/reconcile/{dataset}/suggest/…`, `/v1/lists…`, `/v1/entities…` | read |
//! | `/match/{dataset}`, `/reconcile/{dataset}` (POST), `/v1/screen…`, `/v1/trade`, `/v1/portfolio`, `/v1/receipts` | screen |
//! | `/updatez`, `/v1/admin/…` | admin |
//!
//! Every error is an RFC 9457 problem (`application/problem+json`).

pub mod api_schema;
pub mod auth;
pub mod config;
pub mod console;
pub mod error;
pub mod ftm;
mod handlers;
pub mod metrics;
mod middleware;
pub mod openapi;
pub mod ratelimit;
pub mod recorder;
pub mod screening;
mod state;
pub mod yente;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Router;
use embargo_audit::Role;
use embargo_engine::Engine;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use config::ServeConfig;
pub use error::{ApiError, Problem, ServerError};
pub use state::AppState;

/// The service's router over `state`: APIs, console, middleware.
pub fn app(state: AppState) -> Router {
    use handlers::{ops, v1, yente as y};

    let guard = |role: Role| {
        axum::middleware::from_fn_with_state(
            auth::Guard {
                auth: Arc::clone(&state.auth),
                role,
            },
            auth::require,
        )
    };

    let read = Router::new()
        .route("/catalog", get(y::catalog))
        .route("/algorithms", get(y::algorithms))
        .route("/search/{dataset}", get(y::search))
        .route("/entities/{id}", get(y::entity))
        .route("/reconcile/{dataset}", get(y::reconcile_manifest))
        .route(
            "/reconcile/{dataset}/suggest/entity",
            get(y::suggest_entity),
        )
        .route("/reconcile/{dataset}/suggest/type", get(y::suggest_type))
        .route(
            "/reconcile/{dataset}/suggest/property",
            get(y::suggest_property),
        )
        .route("/v1/lists", get(v1::lists))
        .route("/v1/lists/{list}/versions", get(v1::versions))
        .route("/v1/lists/{list}/diff", get(v1::diff))
        .route("/v1/entities/{id}", get(v1::entity))
        .route("/v1/entities/{id}/history", get(v1::history))
        .route_layer(guard(Role::Read));

    let screen = Router::new()
        .route("/match/{dataset}", post(y::match_entities))
        .route("/reconcile/{dataset}", post(y::reconcile))
        .route("/v1/screen", post(v1::screen))
        .route("/v1/screen/batch", post(v1::screen_batch))
        .route("/v1/trade", post(v1::trade))
        .route("/v1/portfolio", post(v1::portfolio))
        .route("/v1/receipts", post(v1::receipt))
        .route_layer(guard(Role::Screen));

    let admin = Router::new()
        .route("/updatez", post(v1::reload))
        .route("/v1/admin/update", post(v1::update))
        .route("/v1/admin/reload", post(v1::reload))
        .route("/v1/admin/keys", get(v1::keys).post(v1::create_key))
        .route("/v1/admin/keys/{id}", delete(v1::revoke_key))
        .route("/v1/admin/audit", get(v1::audit_log))
        .route("/v1/admin/audit/verify", get(v1::audit_verify))
        .route_layer(guard(Role::Admin));

    let open = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .route("/v1/receipts/public-key", get(v1::public_key));

    let timeout = state.config.request_timeout();
    let body_limit = state.config.max_body_bytes;
    Router::new()
        .merge(open)
        .merge(read)
        .merge(screen)
        .merge(admin)
        .merge(console::router(state.clone()))
        .fallback(middleware::not_found)
        .layer(axum::middleware::from_fn(middleware::same_origin))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        // Outside the timeout, so a request that times out is counted and
        // answered with problem details too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Opens the engine named by the configuration (an in-memory one with the
/// bundled lists when `db` is `None`).
pub fn open_engine(cfg: &ServeConfig) -> Result<Engine, ServerError> {
    let engine = match &cfg.db {
        Some(path) => Engine::open(path),
        None => Engine::open_in_memory(),
    };
    engine.map_err(|e| ServerError::Engine(e.to_string()))
}

/// Sets up logging (text or JSON lines, filtered by `RUST_LOG`, default
/// `info`); does nothing when a subscriber is already installed.
pub fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Runs the service until SIGTERM or ctrl-c, then finishes in-flight
/// requests and flushes the audit log.
///
/// With no API key in the store the service refuses to listen on anything
/// but a loopback address, and says so.
pub async fn serve(cfg: ServeConfig) -> Result<(), ServerError> {
    cfg.validate()?;
    init_logging(cfg.log_json);
    let engine = {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || open_engine(&cfg))
            .await
            .map_err(|e| ServerError::Engine(e.to_string()))??
    };
    serve_engine(Arc::new(engine), cfg).await
}

/// Like [`serve`], over an engine the caller opened.
pub async fn serve_engine(engine: Arc<Engine>, cfg: ServeConfig) -> Result<(), ServerError> {
    let bind = cfg.bind;
    let state = AppState::new(engine, cfg)?;
    let listener = bind_checked(&state, bind).await?;
    run(state, listener, shutdown_signal()).await
}

/// Opens the listening socket after the open-mode check.
pub async fn bind_checked(
    state: &AppState,
    bind: SocketAddr,
) -> Result<tokio::net::TcpListener, ServerError> {
    let open = state
        .auth
        .open_mode()
        .map_err(|e| ServerError::Engine(e.to_string()))?;
    let active = state
        .engine
        .has_active_keys()
        .map_err(|e| ServerError::Engine(e.to_string()))?;
    if !active && !bind.ip().is_loopback() {
        return Err(ServerError::OpenBindRefused(bind));
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|source| ServerError::Bind { addr: bind, source })?;
    let local = listener.local_addr().unwrap_or(bind);
    if open {
        tracing::warn!(
            "no API key exists: listening on {local} (loopback only) without authentication; \
             create a key with `embargo keys create --role admin` to require keys and allow \
             other addresses"
        );
    } else {
        tracing::info!("listening on {local}; API keys required");
    }
    Ok(listener)
}

/// Serves `state` on `listener` until `shutdown` completes.
pub async fn run(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let recorder = state.recorder.clone();
    let router = app(state);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    if tokio::time::timeout(Duration::from_secs(10), recorder.flush())
        .await
        .is_err()
    {
        tracing::warn!("the audit log did not flush within 10 s");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Completes on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
