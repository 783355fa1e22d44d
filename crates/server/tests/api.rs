//! The HTTP API through the router (`tower::ServiceExt::oneshot`), on the
//! bundled lists.

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use embargo_engine::Engine;
use embargo_server::{app, AppState, ServeConfig};
use serde_json::{json, Value};
use tower::ServiceExt;

/// One engine (bundled data, in memory) shared by the open-mode tests.
fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    Arc::clone(ENGINE.get_or_init(|| Arc::new(Engine::open_in_memory().unwrap())))
}

fn router() -> Router {
    app(AppState::new(engine(), ServeConfig::default()).unwrap())
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    body: Option<String>,
) -> (StatusCode, String, Value) {
    send_with(app, method, uri, body, None).await
}

async fn send_with(
    app: &Router,
    method: Method,
    uri: &str,
    body: Option<String>,
    key: Option<&str>,
) -> (StatusCode, String, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    if let Some(k) = key {
        req = req.header(header::AUTHORIZATION, format!("Bearer {k}"));
    }
    let req = req
        .body(body.map(Body::from).unwrap_or_else(Body::empty))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let ctype = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap();
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, ctype, v)
}

#[tokio::test]
async fn yente_company_query_finds_xiaomi() {
    let app = router();
    let (s, _, v) = send(
        &app,
        Method::POST,
        "/match/default",
        Some(fixture("yente_company.json")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r = &v["responses"]["q1"];
    assert_eq!(r["status"], 200);
    let results = r["results"].as_array().unwrap();
    assert!(!results.is_empty(), "{v}");
    let top = &results[0];
    assert!(
        top["caption"]
            .as_str()
            .unwrap()
            .to_uppercase()
            .contains("XIAOMI"),
        "{top}"
    );
    assert_eq!(top["match"], true);
    assert!(top["score"].as_f64().unwrap() >= 0.7);
    assert!(top["properties"]["name"].is_array());
    assert!(top["explanations"]["name"]["detail"].is_string());
    assert_eq!(r["query"]["schema"], "Company");
    assert_eq!(v["limit"], 5);
    assert!(v["versions"].as_array().unwrap().len() >= 5);
}

#[tokio::test]
async fn yente_person_query_with_birth_date_and_nationality() {
    let app = router();
    let (s, _, v) = send(
        &app,
        Method::POST,
        "/match/us_ofac_sdn",
        Some(fixture("yente_person.json")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let top = &v["responses"]["kim"]["results"][0];
    assert_eq!(top["schema"], "Person", "{v}");
    assert_eq!(top["id"], "us_ofac_sdn:20157");
    assert_eq!(top["properties"]["birthDate"][0], "1984-01-08");
    assert_eq!(top["match"], true);
    assert!(top["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d == "us_ofac_sdn"));
}

#[tokio::test]
async fn yente_isin_only_security_query() {
    let app = router();
    let (s, _, v) = send(
        &app,
        Method::POST,
        "/match/us_ofac_ns_cmic",
        Some(fixture("yente_security.json")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let results = v["responses"]["sec"]["results"].as_array().unwrap();
    assert!(!results.is_empty(), "{v}");
    let top = &results[0];
    assert!(
        top["caption"].as_str().unwrap().contains("CHINA MOBILE"),
        "{top}"
    );
    assert!(top["properties"]["isinCode"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i == "US16941M1099"));
    assert!(top["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d == "us_ofac_ns_cmic"));
    assert_eq!(top["score"], 1.0);
}

#[tokio::test]
async fn yente_batch_keeps_per_query_status_and_drops_below_cutoff() {
    let app = router();
    let (s, _, v) = send(
        &app,
        Method::POST,
        "/match/default?threshold=0.8&cutoff=0.6",
        Some(fixture("yente_mixed.json")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["responses"]["bad"]["status"], 400);
    assert!(v["responses"]["bad"]["error"]
        .as_str()
        .unwrap()
        .contains("Spaceship"));
    let hik = v["responses"]["hik"]["results"].as_array().unwrap();
    assert!(!hik.is_empty());
    for r in hik {
        let score = r["score"].as_f64().unwrap();
        assert!(score > 0.6);
        assert_eq!(r["match"], score >= 0.8);
    }
    assert_eq!(v["responses"]["nobody"]["results"], json!([]));
}

#[tokio::test]
async fn yente_filters_exclude_ids_and_datasets() {
    let app = router();
    let (_, _, v) = send(
        &app,
        Method::POST,
        "/match/default",
        Some(fixture("yente_security.json")),
    )
    .await;
    let first = v["responses"]["sec"]["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uri = format!("/match/default?exclude_entity_ids={first}");
    let (_, _, v) = send(
        &app,
        Method::POST,
        &uri,
        Some(fixture("yente_security.json")),
    )
    .await;
    assert!(v["responses"]["sec"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != first.as_str()));
    let (_, _, v) = send(
        &app,
        Method::POST,
        "/match/default?exclude_dataset=us_ofac_cons",
        Some(fixture("yente_security.json")),
    )
    .await;
    assert!(v["responses"]["sec"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["datasets"][0] != "us_ofac_cons"));
    let (_, _, v) = send(
        &app,
        Method::POST,
        "/match/us_bis_dpl",
        Some(fixture("yente_company.json")),
    )
    .await;
    assert!(v["responses"]["q1"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["datasets"][0] == "us_bis_dpl"));
}

#[tokio::test]
async fn match_rejects_bad_input_with_problem_details() {
    let app = router();
    let mut queries = serde_json::Map::new();
    for i in 0..101 {
        queries.insert(
            format!("q{i}"),
            json!({"schema": "Person", "properties": {"name": ["A B"]}}),
        );
    }
    let too_many = json!({"queries": queries}).to_string();
    let cases = [
        ("/match/default", too_many, StatusCode::BAD_REQUEST),
        (
            "/match/default",
            "{not json".to_string(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/match/default",
            "{\"queries\": 3}".to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/match/eu_fsf",
            fixture("yente_company.json"),
            StatusCode::NOT_FOUND,
        ),
        (
            "/match/default?threshold=2",
            fixture("yente_company.json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/match/default?limit=abc",
            fixture("yente_company.json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/match/default?algorithm=magic",
            fixture("yente_company.json"),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (uri, body, expected) in cases {
        let (s, ctype, v) = send(&app, Method::POST, uri, Some(body)).await;
        assert_eq!(s, expected, "{uri}: {v}");
        assert_eq!(ctype, "application/problem+json", "{uri}");
        assert_eq!(v["status"], expected.as_u16());
        assert!(v["type"].is_string() && v["title"].is_string());
    }
    // Unknown routes and wrong methods are problems too.
    let (s, ctype, _) = send(&app, Method::GET, "/nowhere", None).await;
    assert_eq!(
        (s, ctype.as_str()),
        (StatusCode::NOT_FOUND, "application/problem+json")
    );
    let (s, ctype, _) = send(&app, Method::GET, "/match/default", None).await;
    assert_eq!(
        (s, ctype.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "application/problem+json")
    );
}

#[tokio::test]
async fn body_limit_is_enforced() {
    let cfg = ServeConfig {
        max_body_bytes: 4096,
        ..ServeConfig::default()
    };
    let app = app(AppState::new(engine(), cfg).unwrap());
    let big = json!({"queries": {"q": {"schema": "Company", "properties": {"name": ["x".repeat(10_000)]}}}});
    let (s, ctype, _) = send(&app, Method::POST, "/match/default", Some(big.to_string())).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(ctype, "application/problem+json");
}

#[tokio::test]
async fn search_entities_catalog_algorithms() {
    let app = router();
    let (s, _, v) = send(
        &app,
        Method::GET,
        "/search/default?q=hikvision&limit=3",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let results = v["results"].as_array().unwrap();
    assert!(!results.is_empty() && results.len() <= 3);
    assert!(v["facets"]["datasets"]["values"].is_array());
    let id = results[0]["id"].as_str().unwrap().to_string();

    let (s, _, e) = send(&app, Method::GET, &format!("/entities/{id}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(e["id"], id.as_str());
    let (s, ctype, _) = send(&app, Method::GET, "/entities/us_ofac_sdn:nope", None).await;
    assert_eq!(
        (s, ctype.as_str()),
        (StatusCode::NOT_FOUND, "application/problem+json")
    );

    let (s, _, v) = send(&app, Method::GET, "/search/default?q=941%20HK", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["results"][0]["caption"]
            .as_str()
            .unwrap()
            .contains("CHINA MOBILE"),
        "{v}"
    );

    let (s, _, c) = send(&app, Method::GET, "/catalog", None).await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = c["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    for d in ["us_ofac_sdn", "us_ofac_ns_cmic", "us_dod_1260h", "default"] {
        assert!(names.contains(&d), "{names:?}");
    }
    let (s, _, a) = send(&app, Method::GET, "/algorithms", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(a["best"], "embargo-v1");
}

#[tokio::test]
async fn reconcile_manifest_form_and_json() {
    let app = router();
    let (s, _, m) = send(&app, Method::GET, "/reconcile/default", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(m["versions"][0], "0.2");
    // OpenRefine posts a form with a `queries` field holding JSON.
    let queries = json!({"q0": {"query": "Hikvision", "type": "Company", "limit": 3}}).to_string();
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("queries", &queries)
        .finish();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/reconcile/default")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = serde_json::from_slice(
        &axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(!v["q0"]["result"].as_array().unwrap().is_empty(), "{v}");
    let (s, _, v) = send(
        &app,
        Method::POST,
        "/reconcile/default",
        Some(json!({"queries": {"q0": {"query": "Hikvision"}}}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["q0"]["result"][0]["id"].is_string());
}

#[tokio::test]
async fn v1_screen_batch_and_receipt() {
    let app = router();
    let (s, _, v) = send(
        &app,
        Method::POST,
        "/v1/screen",
        Some(json!({"name": "Hikvision", "schema": "Company"}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["outcome"], "matches");
    assert!(v["hits"][0]["explanation"].is_string());
    assert!(v["versions"].as_array().unwrap().len() >= 5);

    let (s, _, v) = send(
        &app,
        Method::POST,
        "/v1/screen?receipt=true",
        Some(json!({"name": "Zzyzx Quiet Meadow Bakery", "schema": "Company"}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["outcome"], "no_match");
    let receipt = serde_json::to_string(&v["receipt"]).unwrap();
    let (_, _, pk) = send(&app, Method::GET, "/v1/receipts/public-key", None).await;
    let key = pk["public_key"].as_str().unwrap();
    let signed = embargo_audit::SignedReceipt::from_json(&receipt, Some(key)).unwrap();
    assert_eq!(signed.receipt.outcome, embargo_audit::Outcome::NoMatch);
    assert_eq!(signed.receipt.audit_seq, v["audit_seq"].as_u64());
    // Tampering breaks it.
    let forged = receipt.replace("no_match", "matches");
    assert!(embargo_audit::SignedReceipt::from_json(&forged, Some(key)).is_err());

    let (s, _, v) = send(
        &app,
        Method::POST,
        "/v1/receipts",
        Some(json!({"identifiers": [{"kind": "isin", "value": "US16941M1099"}]}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["receipt"]["outcome"], "matches");

    let queries: Vec<Value> = (0..50).map(|i| json!({"id": format!("c{i}"), "name": if i % 2 == 0 { "Xiaomi Corporation" } else { "Plain Ordinary Tea Shop" }})).collect();
    let (s, _, v) = send(
        &app,
        Method::POST,
        "/v1/screen/batch",
        Some(json!({"queries": queries, "threshold": 0.75}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 50);
    assert_eq!(results[0]["outcome"], "matches");
    assert_eq!(results[1]["outcome"], "no_match");
    assert_eq!(results[7]["id"], "c7");

    let too_many: Vec<Value> = (0..1001).map(|_| json!({"name": "x"})).collect();
    let (s, ctype, _) = send(
        &app,
        Method::POST,
        "/v1/screen/batch",
        Some(json!({"queries": too_many}).to_string()),
    )
    .await;
    assert_eq!(
        (s, ctype.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "application/problem+json")
    );
    let (s, _, _) = send(&app, Method::POST, "/v1/screen", Some("{}".into())).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn v1_screen_as_of_uses_older_versions() {
    let app = router();
    let (s, _, now) = send(
        &app,
        Method::POST,
        "/v1/screen",
        Some(json!({"name": "Hikvision"}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, then) = send(
        &app,
        Method::POST,
        "/v1/screen",
        Some(json!({"name": "Hikvision", "as_of": "2020-01-01"}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{then}");
    assert_eq!(then["as_of"], "2020-01-01");
    assert_ne!(now["versions"], then["versions"]);
    for v in then["versions"].as_array().unwrap() {
        if let Some(p) = v["published"].as_str() {
            assert!(p <= "2020-01-01", "{v}");
        }
    }
}

#[tokio::test]
async fn v1_trade_and_portfolio() {
    let app = router();
    let (s, _, v) = send(
        &app,
        Method::POST,
        "/v1/trade",
        Some(
            json!({"security": "US16941M1099", "side": "buy", "at": "2022-07-01T10:00:00-04:00"})
                .to_string(),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["outcome"], "prohibited", "{v}");
    assert!(!v["decision"]["findings"].as_array().unwrap().is_empty());
    let (s, _, _) = send(
        &app,
        Method::POST,
        "/v1/trade",
        Some(json!({"security": "US16941M1099", "side": "borrow", "at": "2022-07-01"}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) = send(
        &app,
        Method::POST,
        "/v1/trade",
        Some(json!({"security": "US16941M1099", "side": "buy", "at": "someday"}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let body = json!({"at": "2022-07-01", "positions": [{"security": "US16941M1099", "quantity": 100.0}, {"security": "US0378331005"}]});
    let (s, _, v) = send(&app, Method::POST, "/v1/portfolio", Some(body.to_string())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v.to_string().contains("US16941M1099"));
    let csv = "position_id,isin\np1,US16941M1099\n";
    let req = Request::builder()
        .method(Method::POST)
        .uri("/v1/portfolio")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"at": "2022-07-01", "csv": csv, "format": "html"}).to_string(),
        ))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}

#[tokio::test]
async fn v1_lists_versions_diff_entity_history() {
    let app = router();
    let (s, _, v) = send(&app, Method::GET, "/v1/lists", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["lists"].as_array().unwrap().len() >= 5);
    let (s, _, v) = send(&app, Method::GET, "/v1/lists/us_ofac_cons/versions", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["versions"].as_array().unwrap().len(), 3);
    let (s, _, d) = send(
        &app,
        Method::GET,
        "/v1/lists/us_ofac_cons/diff?from=1&to=3",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert!(d["summary"]["added"].as_u64().is_some());
    let (s, _, _) = send(
        &app,
        Method::GET,
        "/v1/lists/us_ofac_cons/diff?from=yesterday",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _, _) = send(&app, Method::GET, "/v1/lists/nope/versions", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, e) = send(&app, Method::GET, "/v1/entities/us_ofac_cons:30923", None).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(e["ftm"]["caption"], "CHINA MOBILE LIMITED");
    let (s, _, h) = send(
        &app,
        Method::GET,
        "/v1/entities/us_ofac_cons:30923/history",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(!h["revisions"].as_array().unwrap().is_empty());
    let (s, _, _) = send(
        &app,
        Method::GET,
        "/v1/entities/us_ofac_cons:30923?as_of=1990-01-01",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn health_metrics_openapi() {
    let app = router();
    let (s, _, v) = send(&app, Method::GET, "/healthz", None).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, _, v) = send(&app, Method::GET, "/readyz", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["entities"].as_u64().unwrap() > 1000);
    send(
        &app,
        Method::POST,
        "/match/default",
        Some(fixture("yente_company.json")),
    )
    .await;
    let req = Request::builder()
        .uri("/metrics")
        .body(Body::empty())
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let text = String::from_utf8(
        axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(text.contains("embargo_http_requests_total{method=\"POST\",route=\"/match/{dataset}\",status=\"200\"}"), "{text}");
    assert!(
        text.contains("embargo_list_version_seq{list=\"us_ofac_cons\"} 3"),
        "{text}"
    );
    assert!(text.contains("embargo_screening_queries_total{kind=\"match\"}"));
    let (s, _, doc) = send(&app, Method::GET, "/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/match/{dataset}"]["post"].is_object());
}

#[tokio::test]
async fn screenings_are_audited_in_a_verifiable_chain() {
    let state = AppState::new(engine(), ServeConfig::default()).unwrap();
    let app = app(state.clone());
    let marker = "Audit Marker Trading Company 4711";
    let (s, _, _) = send(
        &app,
        Method::POST,
        "/v1/screen",
        Some(json!({"name": marker}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    state.recorder.flush().await;
    let (s, _, recs) = send(&app, Method::GET, "/v1/admin/audit?limit=1000", None).await;
    assert_eq!(s, StatusCode::OK);
    let found = recs
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["actor"] == "local" && r["payload"].to_string().contains(marker));
    assert!(found, "no audit record names the query");
    let (s, _, v) = send(&app, Method::GET, "/v1/admin/audit/verify", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["ok"], true, "{v}");
}

/// The properties FollowTheMoney defines for the schemata embargo serves
/// (Thing, LegalEntity, Person, Organization, Company, Vessel, Airplane,
/// Security), as yente renders them.
const FTM_PROPERTIES: &[&str] = &[
    "name",
    "alias",
    "weakAlias",
    "previousName",
    "notes",
    "programId",
    "topics",
    "country",
    "pastFlags",
    "jurisdiction",
    "address",
    "birthDate",
    "birthPlace",
    "deathDate",
    "nationality",
    "citizenship",
    "gender",
    "title",
    "position",
    "firstName",
    "lastName",
    "middleName",
    "fatherName",
    "motherName",
    "isinCode",
    "leiCode",
    "uscCode",
    "ticker",
    "imoNumber",
    "registrationNumber",
    "taxNumber",
    "passportNumber",
    "idNumber",
    "innCode",
    "ogrnCode",
    "swiftBic",
    "email",
    "phone",
    "website",
    "incorporationDate",
    "dissolutionDate",
    "status",
    "sector",
    "legalForm",
    "mmsi",
    "callSign",
    "flag",
    "type",
    "buildDate",
    "registrationDate",
    "tonnage",
    "grossRegisteredTonnage",
    "owner",
    "operator",
    "model",
    "serialNumber",
    "manufacturer",
    "issuer",
    "issueDate",
    "maturityDate",
    "currency",
    "classification",
    "sourceUrl",
    "modifiedAt",
    "createdAt",
    "summary",
    "description",
    "education",
    "religion",
    "ethnicity",
    "political",
    "keywords",
    "opencorporatesUrl",
    "mainCountry",
];

#[tokio::test]
async fn every_entity_renders_with_ftm_property_names() {
    let snap = engine().snapshot();
    let mut unknown = std::collections::BTreeSet::new();
    for e in snap.entities() {
        let f = embargo_server::ftm::to_ftm(e, None);
        assert!(
            matches!(
                f.schema.as_str(),
                "Person"
                    | "Company"
                    | "Organization"
                    | "LegalEntity"
                    | "Vessel"
                    | "Airplane"
                    | "Security"
            ),
            "{}",
            f.schema
        );
        assert!(
            f.properties["name"].iter().any(|n| !n.is_empty()),
            "{}",
            f.id
        );
        for k in f.properties.keys() {
            if !FTM_PROPERTIES.contains(&k.as_str()) {
                unknown.insert(k.clone());
            }
        }
    }
    assert!(unknown.is_empty(), "not FtM properties: {unknown:?}");
}

fn results(v: &Value, q: &str) -> Vec<Value> {
    v["responses"][q]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn yente_parameters_limit_datasets_topics_and_changed_since() {
    let app = router();
    let body = || Some(fixture("yente_company.json"));
    let (s, _, v) = send(&app, Method::POST, "/match/default?limit=1", body()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["limit"], 1);
    assert_eq!(results(&v, "q1").len(), 1);

    // include_dataset, repeated or comma-separated.
    for uri in [
        "/match/default?include_dataset=us_dod_1260h&include_dataset=us_dod_1237",
        "/match/default?include_dataset=us_dod_1260h,us_dod_1237",
    ] {
        let (s, _, v) = send(&app, Method::POST, uri, body()).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let r = results(&v, "q1");
        assert!(!r.is_empty(), "{uri}: {v}");
        for x in &r {
            let ds = x["datasets"].to_string();
            assert!(
                ds.contains("us_dod_1260h") || ds.contains("us_dod_1237"),
                "{ds}"
            );
        }
    }
    // topics: DoD lists are `mil`.
    let (_, _, v) = send(&app, Method::POST, "/match/default?topics=mil", body()).await;
    let r = results(&v, "q1");
    assert!(!r.is_empty());
    assert!(r
        .iter()
        .all(|x| x["properties"]["topics"].to_string().contains("mil")));

    // changed_since: everything was imported today, nothing after 2999.
    let (_, _, v) = send(
        &app,
        Method::POST,
        "/match/default?changed_since=2000-01-01",
        body(),
    )
    .await;
    assert!(!results(&v, "q1").is_empty(), "{v}");
    let (s, _, v) = send(
        &app,
        Method::POST,
        "/match/default?changed_since=2999-01-01",
        body(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(results(&v, "q1").is_empty(), "{v}");
    let (s, _, _) = send(
        &app,
        Method::POST,
        "/match/default?changed_since=yesterday",
        body(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Every result carries the yente fields, and match = score >= threshold.
    let (_, _, v) = send(&app, Method::POST, "/match/default?threshold=0.95", body()).await;
    for x in results(&v, "q1") {
        for k in [
            "id",
            "caption",
            "schema",
            "properties",
            "datasets",
            "referents",
            "target",
            "first_seen",
            "last_seen",
            "last_change",
            "score",
            "features",
            "match",
            "explanations",
        ] {
            assert!(x.get(k).is_some(), "result lacks {k}: {x}");
        }
        assert_eq!(x["match"], x["score"].as_f64().unwrap() >= 0.95);
        for (_, e) in x["explanations"].as_object().unwrap() {
            assert!(e["score"].is_number() && e["detail"].is_string(), "{e}");
        }
    }
    assert_eq!(v["responses"]["q1"]["total"]["relation"], "eq");
}

#[tokio::test]
async fn a_hundred_queries_a_batch_at_most() {
    let app = router();
    let queries: serde_json::Map<String, Value> = (0..100)
        .map(|i| {
            (
                format!("c{i}"),
                json!({"schema": "Company", "properties": {"name": [format!("Company number {i}")]}}),
            )
        })
        .collect();
    let (s, _, v) = send(
        &app,
        Method::POST,
        "/match/default",
        Some(json!({"queries": queries}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["responses"].as_object().unwrap().len(), 100);
}

#[tokio::test]
async fn reconcile_get_queries_and_suggest_services() {
    let app = router();
    let (s, _, m) = send(&app, Method::GET, "/reconcile/us_dod_1260h", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(m["suggest"]["entity"]["service_path"], "/suggest/entity");
    assert!(m["view"]["url"].as_str().unwrap().contains("{{id}}"));
    let q = form_urlencoded::byte_serialize(
        json!({"q0": {"query": "Hikvision", "type": "Company"}})
            .to_string()
            .as_bytes(),
    )
    .collect::<String>();
    let (s, _, v) = send(
        &app,
        Method::GET,
        &format!("/reconcile/us_dod_1260h?queries={q}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r = v["q0"]["result"].as_array().unwrap();
    assert!(!r.is_empty());
    assert!(r
        .iter()
        .all(|x| x["id"].as_str().unwrap().starts_with("us_dod_1260h:")));
    let (s, _, _) = send(&app, Method::GET, "/reconcile/default?queries=%7Bnot", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, _, v) = send(
        &app,
        Method::GET,
        "/reconcile/default/suggest/entity?prefix=hikvisi&limit=3",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let r = v["result"].as_array().unwrap();
    assert!(!r.is_empty() && r.len() <= 3, "{v}");
    assert!(r[0]["name"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("hikvision"));
    let (_, _, v) = send(
        &app,
        Method::GET,
        "/reconcile/default/suggest/type?prefix=Co",
        None,
    )
    .await;
    assert_eq!(v["result"][0]["id"], "Company");
    let (_, _, v) = send(
        &app,
        Method::GET,
        "/reconcile/default/suggest/property?prefix=isin",
        None,
    )
    .await;
    assert_eq!(v["result"][0]["id"], "isinCode");
    let (s, _, _) = send(&app, Method::GET, "/reconcile/nope/suggest/type", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn v1_reads_take_as_of() {
    let app = router();
    let (_, _, all) = send(&app, Method::GET, "/v1/lists/us_ofac_cons/versions", None).await;
    let (s, _, early) = send(
        &app,
        Method::GET,
        "/v1/lists/us_ofac_cons/versions?as_of=2025-04-30",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(early["as_of"], "2025-04-30");
    let n_all = all["versions"].as_array().unwrap().len();
    let n_early = early["versions"].as_array().unwrap().len();
    assert!(n_early < n_all, "{n_early} of {n_all}");
    let (s, _, h) = send(
        &app,
        Method::GET,
        "/v1/entities/us_ofac_cons:30923/history?as_of=2025-04-30",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{h}");
    let (_, _, h_all) = send(
        &app,
        Method::GET,
        "/v1/entities/us_ofac_cons:30923/history",
        None,
    )
    .await;
    assert!(
        h["revisions"].as_array().unwrap().len() < h_all["revisions"].as_array().unwrap().len()
    );
    let (s, _, _) = send(
        &app,
        Method::GET,
        "/v1/entities/us_ofac_cons:30923/history?as_of=1990-01-01",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Every /v1 read names the versions it used.
    let (_, _, e) = send(
        &app,
        Method::GET,
        "/v1/entities/us_ofac_cons:30923?as_of=2025-04-30",
        None,
    )
    .await;
    assert!(e["version"]["seq"].is_number(), "{e}");
    let (_, _, l) = send(&app, Method::GET, "/v1/lists?as_of=2025-04-30", None).await;
    assert!(!l["versions"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn screen_echoes_the_query_as_understood() {
    let app = router();
    let (s, _, v) = send(
        &app,
        Method::POST,
        "/v1/screen",
        Some(
            json!({"name": " Xiaomi Corporation ", "names": [""], "schema": "company"}).to_string(),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["query"],
        json!({"name": "Xiaomi Corporation", "schema": "Company"})
    );
}

#[tokio::test]
async fn responses_say_how_long_the_server_took() {
    let app = router();
    let req = Request::builder()
        .uri("/healthz")
        .body(Body::empty())
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let timing = resp.headers()["server-timing"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(timing.starts_with("app;dur="), "{timing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_takes_too_long_gets_a_problem_not_a_hang() {
    use std::io::{Read, Write};
    let cfg = ServeConfig {
        request_timeout_secs: 1,
        ..ServeConfig::default()
    };
    let state = AppState::new(engine(), cfg).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(embargo_server::run(state, listener, async move {
        let _ = stopped.await;
    }));
    // A client that announces a body and sends only part of it.
    let answer = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        s.write_all(
            b"POST /v1/screen HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"name\":",
        )
        .unwrap();
        let started = std::time::Instant::now();
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).unwrap_or(0);
        (
            String::from_utf8_lossy(&buf[..n]).into_owned(),
            started.elapsed(),
        )
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    let (text, waited) = answer;
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
    assert!(text.contains("timeout"), "{text}");
    assert!(waited < std::time::Duration::from_secs(10), "{waited:?}");
}

#[tokio::test]
async fn metrics_follow_the_snapshot_served() {
    let engine = Arc::new(Engine::open_in_memory().unwrap());
    let state = AppState::new(Arc::clone(&engine), ServeConfig::default()).unwrap();
    let app = app(state);
    let metrics = |app: Router| async move {
        let resp = app
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        String::from_utf8(
            axum::body::to_bytes(resp.into_body(), 1 << 20)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap()
    };
    let before = engine.versions("us_trade_csl").unwrap().len();
    assert!(metrics(app.clone()).await.contains(&format!(
        "embargo_list_version_seq{{list=\"us_trade_csl\"}} {before}"
    )));
    // A new version imported in the process swaps the snapshot; the
    // gauges follow without a reload.
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/trade_gov_csl/csl_2019_sample.csv"
    );
    engine
        .import(
            embargo_sources::SourceKind::TradeCsl,
            &[embargo_model::RawFile::new(
                "csl_2019_sample.csv",
                std::fs::read(file).unwrap(),
            )],
            embargo_store::ImportMeta::new("test"),
        )
        .unwrap();
    let text = metrics(app).await;
    assert!(
        text.contains(&format!(
            "embargo_list_version_seq{{list=\"us_trade_csl\"}} {}",
            before + 1
        )),
        "{text}"
    );
}
