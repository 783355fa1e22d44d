//! API keys and roles through the router: with keys in the store every
//! protected route needs one whose role allows it.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use embargo_audit::Role;
use embargo_engine::Engine;
use embargo_server::{app, AppState, ServeConfig};
use tower::ServiceExt;

async fn status(
    app: &Router,
    method: Method,
    uri: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, Option<String>) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        req = req.header(header::AUTHORIZATION, format!("Bearer {k}"));
    }
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let req = req
        .body(
            body.map(|b| Body::from(b.to_string()))
                .unwrap_or_else(Body::empty),
        )
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let retry = resp
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_string());
    (resp.status(), retry)
}

const MATCH: &str =
    r#"{"queries":{"q1":{"schema":"Company","properties":{"name":["Xiaomi Corp"]}}}}"#;

#[tokio::test]
async fn roles_revocation_and_rate_limits() {
    let engine = Arc::new(Engine::open_in_memory().unwrap());
    let read = engine.create_key("analyst", Role::Read).unwrap();
    let screen = engine.create_key("bank", Role::Screen).unwrap();
    let admin = engine.create_key("ops", Role::Admin).unwrap();
    let cfg = ServeConfig {
        rate_limit_per_second: 1.0,
        rate_limit_burst: 1000,
        ..ServeConfig::default()
    };
    let state = AppState::new(Arc::clone(&engine), cfg).unwrap();
    let app = app(state);

    // Open routes.
    assert_eq!(
        status(&app, Method::GET, "/healthz", None, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, Method::GET, "/openapi.json", None, None)
            .await
            .0,
        StatusCode::OK
    );
    // No key, a bad key.
    assert_eq!(
        status(&app, Method::GET, "/catalog", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&app, Method::GET, "/catalog", Some("emb_nope"), None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    // read: lists, entities, search; not match, not admin.
    let r = Some(read.secret.as_str());
    assert_eq!(
        status(&app, Method::GET, "/catalog", r, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, Method::GET, "/search/default?q=xiaomi", r, None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, Method::GET, "/v1/lists", r, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, Method::POST, "/match/default", r, Some(MATCH))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(&app, Method::GET, "/v1/admin/keys", r, None).await.0,
        StatusCode::FORBIDDEN
    );
    // screen: match and screen, not admin.
    let s = Some(screen.secret.as_str());
    assert_eq!(
        status(&app, Method::POST, "/match/default", s, Some(MATCH))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        status(
            &app,
            Method::POST,
            "/v1/screen",
            s,
            Some(r#"{"name":"Xiaomi"}"#)
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, Method::POST, "/v1/admin/reload", s, None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // admin: everything.
    let a = Some(admin.secret.as_str());
    assert_eq!(
        status(&app, Method::GET, "/v1/admin/keys", a, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, Method::POST, "/match/default", a, Some(MATCH))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, Method::POST, "/v1/admin/reload", a, None)
            .await
            .0,
        StatusCode::OK
    );

    // Revocation through the API takes effect at once.
    let uri = format!("/v1/admin/keys/{}", screen.id);
    assert_eq!(
        status(&app, Method::DELETE, &uri, a, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        status(&app, Method::POST, "/match/default", s, Some(MATCH))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&app, Method::DELETE, &uri, a, None).await.0,
        StatusCode::NOT_FOUND
    );

    // Rate limit: a fresh key with a burst of 2 at 1 request a second.
    let limited = engine.create_key("limited", Role::Read).unwrap();
    let cfg = ServeConfig {
        rate_limit_per_second: 1.0,
        rate_limit_burst: 2,
        ..ServeConfig::default()
    };
    let app2 = embargo_server::app(AppState::new(Arc::clone(&engine), cfg).unwrap());
    let l = Some(limited.secret.as_str());
    assert_eq!(
        status(&app2, Method::GET, "/catalog", l, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        status(&app2, Method::GET, "/catalog", l, None).await.0,
        StatusCode::OK
    );
    let (st, retry) = status(&app2, Method::GET, "/catalog", l, None).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);

    // Keys created through the API work.
    let (st, _) = status(
        &app,
        Method::POST,
        "/v1/admin/keys",
        a,
        Some(r#"{"name":"new","role":"superuser"}"#),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn no_keys_means_loopback_only() {
    let engine = Arc::new(Engine::open_in_memory().unwrap());
    let state = AppState::new(Arc::clone(&engine), ServeConfig::default()).unwrap();
    let public: std::net::SocketAddr = "0.0.0.0:0".parse().unwrap();
    let err = embargo_server::bind_checked(&state, public)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no API key"), "{err}");
    let local: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    assert!(embargo_server::bind_checked(&state, local).await.is_ok());
    engine.create_key("ops", Role::Admin).unwrap();
    assert!(embargo_server::bind_checked(&state, public).await.is_ok());
}
