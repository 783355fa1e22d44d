//! Review decisions across the console and the API: a pair dismissed in
//! the console is left out of later API screenings of the same query, until
//! the listed entity changes (a new list version), when it comes back and the
//! console asks for a new review.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use embargo_engine::Engine;
use embargo_model::RawFile;
use embargo_server::{app, AppState, ServeConfig};
use embargo_sources::SourceKind;
use embargo_store::ImportMeta;
use serde_json::{json, Value};
use tower::ServiceExt;

const ENTITY: &str = "us_ofac_cons:30923";
const NAME: &str = "China Mobile Limited";

async fn call(app: &Router, req: Request<Body>) -> (StatusCode, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = to_bytes(resp.into_body(), 16 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn screen(app: &Router) -> Value {
    let req = Request::builder()
        .method(Method::POST)
        .uri("/v1/screen")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"name": NAME}).to_string()))
        .unwrap();
    let (s, body) = call(app, req).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn hit_ids(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["entity_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_dismissal_holds_until_the_entity_changes() {
    let engine = Arc::new(Engine::open_in_memory().unwrap());
    let app = app(AppState::new(Arc::clone(&engine), ServeConfig::default()).unwrap());

    let v = screen(&app).await;
    assert!(hit_ids(&v).contains(&ENTITY.to_string()), "{v}");

    // Dismissed in the console, for the same query.
    let form = format!(
        "q={}&schema=&entity_id={}&decision=dismiss&comment=another+company",
        NAME.replace(' ', "+"),
        ENTITY.replace(':', "%3A")
    );
    let req = Request::post("/review")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let (s, _) = call(&app, req).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // The API leaves it out and says so; unless asked not to.
    let v = screen(&app).await;
    assert!(!hit_ids(&v).contains(&ENTITY.to_string()), "{v}");
    assert_eq!(v["suppressed"], json!([ENTITY]));
    let req = Request::builder()
        .method(Method::POST)
        .uri("/v1/screen")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"name": NAME, "apply_reviews": false}).to_string(),
        ))
        .unwrap();
    let (_, body) = call(&app, req).await;
    assert!(body.contains(ENTITY));

    // A new version of the list in which the entity differs (the April
    // 2025 publication again, without the alias added in December).
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ofac/cons_2025-04");
    let files: Vec<RawFile> = ["cons_prim.csv", "cons_add.csv"]
        .iter()
        .map(|f| RawFile::new(*f, std::fs::read(format!("{dir}/{f}")).unwrap()))
        .collect();
    let e2 = Arc::clone(&engine);
    let reports = tokio::task::spawn_blocking(move || {
        e2.import(SourceKind::OfacCons, &files, ImportMeta::new("test"))
    })
    .await
    .unwrap()
    .unwrap();
    assert!(reports.iter().any(|r| r.outcome.is_created()));

    // The pair is back, in the API and in the console, which asks for a
    // new review.
    let v = screen(&app).await;
    assert!(hit_ids(&v).contains(&ENTITY.to_string()), "{v}");
    assert_eq!(v["suppressed"], json!([]));
    let (s, page) = call(
        &app,
        Request::get(format!("/review?q={}", NAME.replace(' ', "+")))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&format!("data-entity=\"{ENTITY}\"")));
    assert!(page.contains("the entity changed since"), "{page}");
}
