//! Sign-in to the console once API keys exist: redirects, the session
//! cookie's attributes, roles, and the API keys page.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use axum::Router;
use embargo_audit::Role;
use embargo_engine::Engine;
use embargo_server::{AppState, ServeConfig};
use tower::ServiceExt;

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = to_bytes(resp.into_body(), 16 << 20).await.unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut r = Request::get(uri);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::empty()).unwrap()
}

fn login(key: &str, next: &str) -> Request<Body> {
    login_at("127.0.0.1:8000", key, next)
}

fn login_at(host: &str, key: &str, next: &str) -> Request<Body> {
    Request::post("/login")
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("key={key}&next={next}")))
        .unwrap()
}

#[tokio::test]
async fn keys_require_sign_in_and_sessions_carry_roles() {
    let engine = Arc::new(Engine::open_in_memory().unwrap());
    let state = AppState::new(Arc::clone(&engine), ServeConfig::default()).unwrap();
    // The whole service, as `embargo serve` runs it.
    let app: Router = embargo_server::app(state.clone());

    // Open mode: no key yet, the banner says so and the keys page is open.
    let (s, _, body) = send(&app, get("/keys", None)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Open mode"));

    // Creating the first key from the console shows its secret once.
    let form = "action=create&name=ops&role=admin";
    let req = Request::post("/keys")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let (s, _, body) = send(&app, req).await;
    assert_eq!(s, StatusCode::OK);
    let at = body.find("emb_").expect("the new secret is shown");
    let admin_key: String = body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    assert!(engine.has_active_keys().unwrap());
    let reader = engine.create_key("analyst", Role::Read).unwrap();

    // Now every page sends strangers to the login page.
    state.auth.invalidate();
    let (s, h, _) = send(&app, get("/entity/x?as_of=2021-01-01", None)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        h[header::LOCATION],
        "/login?next=/entity/x%3Fas_of%3D2021-01-01"
    );
    let (s, _, _) = send(&app, get("/ui/search?q=x", None)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _, body) = send(&app, get("/login", None)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"name="key""#));

    // A wrong key is refused with an explanation.
    let (s, h, body) = send(&app, login("emb_nothing", "/")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(h.get(header::SET_COOKIE).is_none());
    assert!(body.contains("Not signed in"));

    // The right key sets a secure session cookie and goes where asked.
    let (s, h, _) = send(&app, login(&admin_key, "/lists")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/lists");
    let set = h[header::SET_COOKIE].to_str().unwrap().to_string();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attr), "{set} lacks {attr}");
    }
    let cookie = set.split(';').next().unwrap().to_string();
    // Over plain HTTP on a network address a Secure cookie would be
    // dropped by the browser: the cookie is still HttpOnly and
    // SameSite=Strict, and the login page warns.
    let (s, h, _) = send(&app, login_at("10.1.2.3:8000", &admin_key, "/")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let plain = h[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(!plain.contains("Secure"), "{plain}");
    assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
    let req = Request::get("/login")
        .header(header::HOST, "10.1.2.3:8000")
        .body(Body::empty())
        .unwrap();
    let (_, _, body) = send(&app, req).await;
    assert!(body.contains("plain HTTP"), "{body}");
    let (s, h, _) = send(
        &app,
        Request::post("/login")
            .header(header::HOST, "embargo.example")
            .header("x-forwarded-proto", "https")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("key={admin_key}&next=/")))
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(h[header::SET_COOKIE].to_str().unwrap().contains("Secure"));
    let (s, _, body) = send(&app, get("/", Some(&cookie))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Signed in as <strong>ops</strong>"));
    assert!(!body.contains("Open mode"));
    assert!(body.contains(r#"href="/keys""#), "admins see the keys page");
    let (s, _, body) = send(&app, get("/keys", Some(&cookie))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("analyst") && body.contains("ops"));

    // A bearer key works without a session; a read key may not manage keys
    // nor record decisions.
    let bearer = format!("Bearer {}", reader.secret);
    let req = Request::get("/keys")
        .header(header::AUTHORIZATION, &bearer)
        .body(Body::empty())
        .unwrap();
    let (s, _, body) = send(&app, req).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(body.contains("needs the 'admin' role"));
    let req = Request::get("/?q=Xiaomi")
        .header(header::AUTHORIZATION, &bearer)
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = send(&app, req).await;
    assert_eq!(s, StatusCode::OK);

    // Revoking the admin key ends its session.
    let id = admin_key[4..12].to_string();
    let req = Request::post("/keys")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &cookie)
        .body(Body::from(format!("action=revoke&id={id}")))
        .unwrap();
    let (s, _, body) = send(&app, req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(&format!("Key {id} revoked.")));
    let (s, _, _) = send(&app, get("/", Some(&cookie))).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    let (s, h, _) = send(&app, Request::post("/logout").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(h[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
}
