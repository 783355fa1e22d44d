//! Renders every console page through the router, on an in-memory engine
//! holding the bundled data, and checks the HTML.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use axum::Router;
use embargo_engine::Engine;
use embargo_model::{EntityId, IdKind};
use embargo_server::{console, AppState, ServeConfig};
use tower::ServiceExt;

fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| Arc::new(Engine::open_in_memory().expect("bundled data imports")))
        .clone()
}

fn state() -> AppState {
    static STATE: OnceLock<AppState> = OnceLock::new();
    STATE
        .get_or_init(|| AppState::new(engine(), ServeConfig::default()).expect("state"))
        .clone()
}

/// The console's router, built once (it keeps portfolio reports).
fn app() -> Router {
    static APP: OnceLock<Router> = OnceLock::new();
    APP.get_or_init(|| console::router(state())).clone()
}

struct Page {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(req: Request<Body>) -> Page {
    let resp = app().oneshot(req).await.expect("router answers");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = to_bytes(resp.into_body(), 64 << 20).await.expect("body");
    Page {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(uri: &str) -> Page {
    send(Request::get(uri).body(Body::empty()).unwrap()).await
}

fn ok(p: &Page, uri: &str) {
    assert_eq!(
        p.status,
        StatusCode::OK,
        "{uri}: {}",
        &p.body[..p.body.len().min(2000)]
    );
    assert!(
        p.body.starts_with("<!DOCTYPE html>") || !p.body.contains("<html"),
        "{uri}"
    );
}

/// The id of the best name match in a list.
fn find(name: &str, list: &str) -> String {
    let snap = engine().snapshot();
    let q = embargo_match::Query {
        names: vec![name.to_string()],
        ..Default::default()
    };
    let opts = embargo_engine::ScreenOptions {
        datasets: Some(vec![list.to_string()]),
        ..Default::default()
    };
    snap.screen(&q, &opts)
        .hits
        .first()
        .map(|h| h.entity_id.clone())
        .unwrap_or_else(|| panic!("{name} in {list}"))
}

#[tokio::test]
async fn search_page_finds_xiaomi_and_hikvision() {
    let p = get("/?q=Xiaomi").await;
    ok(&p, "/?q=Xiaomi");
    assert!(p.body.contains(r#"data-testid="results""#));
    assert!(p.body.to_lowercase().contains("<mark>xiaomi</mark>"));
    assert!(p.body.contains(r#"data-testid="dataline""#));
    assert!(p.body.contains("Open mode"), "no keys: the banner says so");

    let p = get("/ui/search?q=Hikvision").await;
    ok(&p, "/ui/search?q=Hikvision");
    assert!(!p.body.contains("<html"), "a fragment, not a page");
    assert!(p.body.to_lowercase().contains("hikvision"));
    assert!(
        p.body.contains("NS-CMIC"),
        "Hikvision is on the NS-CMIC list"
    );
}

#[tokio::test]
async fn search_by_identifier_and_entity_id() {
    let snap = engine().snapshot();
    let (id, isin) = snap
        .entities()
        .iter()
        .find_map(|e| {
            e.identifiers
                .iter()
                .find(|i| i.kind == IdKind::Isin)
                .map(|i| (e.id.to_string(), i.value.clone()))
        })
        .expect("some entity has an ISIN");
    let p = get(&format!("/ui/search?q={isin}")).await;
    assert!(p.body.contains(&id), "ISIN {isin} finds {id}");
    let p = get(&format!("/ui/search?q={id}")).await;
    assert!(p.body.contains("entity id") || p.body.contains(&id));
}

#[tokio::test]
async fn search_filters_and_empty_states() {
    let p = get("/").await;
    ok(&p, "/");
    assert!(p.body.contains("Type a company or person name"));
    let p = get("/ui/search?q=zzqxv+wwpqk+nonexistent").await;
    assert!(p.body.contains("No listed party matches"));
    let p = get("/ui/search?q=Hikvision&schema=Person").await;
    assert!(
        p.body.contains("No listed party matches"),
        "Hikvision is no person"
    );
    let p = get("/ui/search?q=Hikvision&as_of=2019-12-31").await;
    assert!(p.body.contains("As of <strong>2019-12-31</strong>"));
    let p = get("/?as_of=31.12.2019").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("expected a date YYYY-MM-DD"), "{}", p.body);
}

#[tokio::test]
async fn entity_page_has_names_identifiers_timeline_and_why() {
    let id = find("Xiaomi Corporation", "us_dod_1237");
    let uri = format!("/entity/{id}");
    let p = get(&uri).await;
    ok(&p, &uri);
    for needle in [
        r#"data-testid="names""#,
        "<svg",
        r#"data-kind="injunction""#,
        r#"data-kind="vacatur""#,
        r#"id="why""#,
        "History across list versions",
        r#"data-testid="dataline""#,
    ] {
        assert!(p.body.contains(needle), "{uri} lacks {needle}");
    }
    let at = format!("{uri}?at_date=2021-03-16&at_time=10:00&at_zone=America/New_York");
    let p = get(&at).await;
    ok(&p, &at);
    assert!(p.body.contains("2021-03-16 10:00:00 EDT"));
    assert!(
        p.body.contains(r#"class="instant""#),
        "the instant is marked on the timeline"
    );
}

#[tokio::test]
async fn unknown_entity_is_a_404_that_explains() {
    let p = get("/entity/us_ofac_sdn:no-such-entity").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.body.contains("No entity 'us_ofac_sdn:no-such-entity'"));
}

#[tokio::test]
async fn lists_versions_and_diff() {
    let p = get("/lists").await;
    ok(&p, "/lists");
    for l in engine().lists().unwrap() {
        assert!(p.body.contains(&l.list), "lists page names {}", l.list);
    }
    let p = get("/lists/us_ofac_cons").await;
    ok(&p, "/lists/us_ofac_cons");
    let versions = engine().versions("us_ofac_cons").unwrap();
    assert!(versions.len() >= 2);
    for v in &versions {
        assert!(p.body.contains(&format!("v{}", v.seq)));
    }
    let (first, last) = (versions[0].seq, versions[versions.len() - 1].seq);
    let uri = format!("/lists/us_ofac_cons/diff?from=v{first}&to=v{last}");
    let p = get(&uri).await;
    ok(&p, &uri);
    let diff = engine()
        .diff(
            "us_ofac_cons",
            Some(&embargo_store::VersionSel::Seq(first)),
            Some(&embargo_store::VersionSel::Seq(last)),
        )
        .unwrap();
    assert!(p.body.contains(&format!("{} added", diff.added.len())));
    assert!(p.body.contains(&format!("{} changed", diff.changed.len())));

    let uri = format!("/lists/us_ofac_cons/diff.csv?from=v{first}&to=v{last}&kind=added");
    let p = get(&uri).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let mut lines = p.body.lines();
    assert_eq!(
        lines.next(),
        Some("list,from_version,to_version,change,entity_id,caption,field,removed,added")
    );
    assert_eq!(lines.count(), diff.added.len());

    let p = get("/lists/no_such_list").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = get("/lists/us_ofac_cons/diff?from=v999").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn trade_check_for_xiaomi_on_2021_03_16() {
    let p = get("/trade").await;
    ok(&p, "/trade");
    assert!(p.body.contains("Enter a security"));
    let uri = "/trade?security=Xiaomi+Corporation&side=buy&date=2021-03-16&time=10:00&zone=America/New_York";
    let p = get(uri).await;
    ok(&p, uri);
    assert!(p.body.contains(r#"data-testid="trade-answer""#));
    assert!(p.body.contains("2021-03-16 10:00:00 EDT"));
    assert!(
        p.body.contains(r#"class="outcome allowed""#),
        "enjoined on 2021-03-12"
    );
    assert!(p.body.to_lowercase().contains("injunction"));
    let p = get("/trade?security=X&side=short&date=2021-03-16").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("unknown side"));
}

fn multipart(fields: &[(&str, Option<&str>, &str)]) -> (String, Vec<u8>) {
    let boundary = "----embargo-test-boundary";
    let mut body = Vec::new();
    for (name, file, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn portfolio_upload_and_report_downloads() {
    let p = get("/portfolio").await;
    ok(&p, "/portfolio");
    let csv = "position_id,isin,ticker,market,name,quantity,held_since\n\
               p1,,,,Hangzhou Hikvision Digital Technology Co Ltd,200,\n\
               p2,US0378331005,,,Apple Inc,10,\n";
    let (ct, body) = multipart(&[
        ("file", Some("holdings.csv"), csv),
        ("csv", None, ""),
        ("date", None, "2024-06-03"),
        ("time", None, ""),
        ("zone", None, ""),
        ("as_of", None, ""),
    ]);
    let req = Request::post("/portfolio")
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    let p = send(req).await;
    ok(&p, "POST /portfolio");
    assert!(p.body.contains(r#"data-testid="positions""#));
    assert!(p.body.contains("2 positions"));
    assert!(
        p.body.contains(r#"class="outcome prohibited""#),
        "Hikvision is on NS-CMIC"
    );
    let start = p.body.find("/portfolio/report/").expect("download link");
    let id: String = p.body[start + 18..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    for (ext, mime, head) in [
        ("csv", "text/csv; charset=utf-8", "position_id"),
        ("json", "application/json", "{"),
        ("html", "text/html; charset=utf-8", "<!DOCTYPE html>"),
    ] {
        let d = get(&format!("/portfolio/report/{id}.{ext}")).await;
        assert_eq!(d.status, StatusCode::OK, "{ext}");
        assert_eq!(d.headers[header::CONTENT_TYPE], mime);
        assert!(
            d.body.trim_start().starts_with(head),
            "{ext}: {}",
            &d.body[..80.min(d.body.len())]
        );
        assert!(d.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment"));
    }
    let d = get("/portfolio/report/0000000000000000.csv").await;
    assert_eq!(d.status, StatusCode::NOT_FOUND);

    let (ct, body) = multipart(&[("csv", None, "isin,quantity\nNOTANISIN,1\n")]);
    let req = Request::post("/portfolio")
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    let p = send(req).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(
        p.body.contains("line"),
        "the error names the line: {}",
        p.body
    );
}

#[tokio::test]
async fn review_dismissal_is_recorded_audited_and_suppresses_the_pair() {
    let q = "Hikvision Digital";
    let key = console::query_key(None, q);
    let p = get("/review?q=Hikvision+Digital").await;
    ok(&p, "/review");
    let start = p.body.find("data-entity=\"").expect("a match to review") + 13;
    let entity: String = p.body[start..].chars().take_while(|c| *c != '"').collect();
    let before = engine()
        .with_store_ref(|s| s.last_audit())
        .unwrap()
        .map(|e| e.seq)
        .unwrap_or(0);

    let form = format!(
        "q=Hikvision+Digital&schema=&entity_id={}&decision=dismiss&comment=not+our+counterparty",
        entity.replace(':', "%3A")
    );
    let req = Request::post("/review")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let p = send(req).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let reviews = engine()
        .with_store_ref(|s| s.reviews_for_query(&key))
        .unwrap();
    let r = reviews.last().expect("review stored");
    assert_eq!(r.entity_id, EntityId(entity.clone()));
    assert_eq!(r.comment.as_deref(), Some("not our counterparty"));
    let last = engine()
        .with_store_ref(|s| s.last_audit())
        .unwrap()
        .expect("audited");
    assert!(last.seq > before);
    let entries = engine()
        .with_store_ref(|s| s.audit_entries(before + 1, 100))
        .unwrap();
    assert!(entries
        .iter()
        .any(|e| e.kind == "review" && e.payload_json.contains(&entity)));

    let p = get("/review?q=Hikvision+Digital").await;
    assert!(
        !p.body.contains(&format!("data-entity=\"{entity}\"")),
        "dismissed pair hidden"
    );
    assert!(p.body.contains(r#"data-testid="suppressed""#));
    assert!(p.body.contains("not our counterparty"), "recent decisions");
    let p = get("/review?q=Hikvision+Digital&all=1").await;
    assert!(
        p.body.contains(&format!("data-entity=\"{entity}\"")),
        "shown on request"
    );
    let p = get("/review?q=Hikvision+Digital+Technology").await;
    assert!(
        p.body.contains(&format!("data-entity=\"{entity}\"")),
        "another query is not suppressed"
    );
}

#[tokio::test]
async fn assets_are_embedded() {
    let p = get("/assets/console.css").await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(p.body.contains("@media"));
    assert!(
        !p.body.contains("http://") && !p.body.contains("https://"),
        "no external resources"
    );
    let p = get("/assets/console.js").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("fetch("));
}

#[tokio::test]
async fn pages_render_fast() {
    let id = find("Xiaomi Corporation", "us_dod_1237");
    let uris = [
        "/?q=Xiaomi".to_string(),
        "/ui/search?q=Hikvision".to_string(),
        format!("/entity/{id}"),
        "/lists".to_string(),
        "/lists/us_ofac_cons".to_string(),
        "/lists/us_ofac_cons/diff".to_string(),
        "/trade?security=Xiaomi+Corporation&side=buy&date=2021-03-16".to_string(),
        "/review?q=Xiaomi".to_string(),
        "/keys".to_string(),
    ];
    for uri in &uris {
        ok(&get(uri).await, uri); // warm caches
        let t = Instant::now();
        let p = get(uri).await;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        ok(&p, uri);
        eprintln!("{uri}: {ms:.1} ms");
    }
}

#[tokio::test]
async fn console_is_merged_into_the_service() {
    let service = embargo_server::app(state());
    for uri in ["/", "/lists", "/assets/console.css", "/trade"] {
        let resp = service
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{uri}");
    }
    let resp = service
        .clone()
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "the API still answers");
    // The console's error pages stay HTML pages behind the service's
    // middleware (only API errors are problem details).
    for (uri, status, text) in [
        (
            "/entity/us_ofac_sdn:nope",
            StatusCode::NOT_FOUND,
            "No entity",
        ),
        (
            "/lists/us_ofac_cons/diff?from=yesterday",
            StatusCode::BAD_REQUEST,
            "from:",
        ),
    ] {
        let resp = service
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{uri}");
        assert!(resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(
            body.contains("role=\"alert\"") && body.contains(text),
            "{uri}: {body}"
        );
    }
    let resp = service
        .oneshot(Request::get("/v1/nowhere").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        resp.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
}

#[tokio::test]
async fn forms_posted_from_another_site_are_refused() {
    let service = embargo_server::app(state());
    let p = get("/review?q=Hikvision+Digital+Technology+Co").await;
    let start = p.body.find("data-entity=\"").expect("a match to review") + 13;
    let entity: String = p.body[start..].chars().take_while(|c| *c != '"').collect();
    let form = format!(
        "q=Hikvision+Digital+Technology+Co&schema=&entity_id={}&decision=confirm&comment=",
        entity.replace(':', "%3A")
    );
    let post = |origin: Option<&str>, site: Option<&str>| {
        let mut req = Request::post("/review")
            .header(header::HOST, "127.0.0.1:8000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        if let Some(s) = site {
            req = req.header("sec-fetch-site", s);
        }
        req.body(Body::from(form.clone())).unwrap()
    };
    let before = engine()
        .with_store_ref(|s| s.last_audit())
        .unwrap()
        .map(|e| e.seq)
        .unwrap_or(0);
    for (origin, site) in [
        (Some("https://evil.example"), None),
        (Some("null"), None),
        (None, Some("cross-site")),
    ] {
        let resp = service.clone().oneshot(post(origin, site)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{origin:?} {site:?}");
    }
    let after = engine()
        .with_store_ref(|s| s.last_audit())
        .unwrap()
        .map(|e| e.seq)
        .unwrap_or(0);
    assert_eq!(before, after, "nothing recorded");
    // The same site, and clients that send no Origin, go through; the
    // audit record names the query.
    let resp = service
        .clone()
        .oneshot(post(Some("http://127.0.0.1:8000"), Some("same-origin")))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let last = engine()
        .with_store_ref(|s| s.last_audit())
        .unwrap()
        .expect("audited");
    assert_eq!(last.kind, "review");
    assert!(last
        .payload_json
        .contains("\"query\":\"Hikvision Digital Technology Co\""));
    let resp = service.clone().oneshot(post(None, None)).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}
