//! List updates without downtime: a real server on a loopback socket is
//! hammered with `/match` requests from several clients while a new list
//! version is imported; no request fails and answers switch versions.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use embargo_engine::Engine;
use embargo_model::RawFile;
use embargo_server::{AppState, ServeConfig};
use embargo_sources::SourceKind;
use embargo_store::ImportMeta;
use serde_json::Value;

const BODY: &str = r#"{"queries":{"q1":{"schema":"Company","properties":{"name":["Hikvision"]}}}}"#;

fn csl_seq(v: &Value) -> u64 {
    v["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["list"] == "us_trade_csl")
        .map(|x| x["seq"].as_u64().unwrap())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_swap_under_load() {
    let engine = Arc::new(Engine::open_in_memory().unwrap());
    let before = engine.versions("us_trade_csl").unwrap().len() as u64;
    let state = AppState::new(Arc::clone(&engine), ServeConfig::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(embargo_server::run(state, listener, async move {
        let _ = stop_rx.await;
    }));

    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let stop = Arc::clone(&stop);
        let errors = Arc::clone(&errors);
        let url = format!("http://{addr}/match/default");
        clients.push(std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(20)))
                .build()
                .into();
            let mut seen = BTreeSet::new();
            let mut n = 0u32;
            // Bounded: at most 20,000 requests or until told to stop.
            while n < 20_000 && !(stop.load(Ordering::SeqCst) && n > 0) {
                n += 1;
                match agent
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .send(BODY)
                {
                    Ok(mut resp) => {
                        let text = resp.body_mut().read_to_string().unwrap_or_default();
                        match serde_json::from_str::<Value>(&text) {
                            Ok(v)
                                if !v["responses"]["q1"]["results"]
                                    .as_array()
                                    .is_none_or(|r| r.is_empty()) =>
                            {
                                seen.insert(csl_seq(&v));
                            }
                            _ => {
                                errors.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
            (n, seen)
        }));
    }

    // Let the clients run, then import a new version of the CSL (the 2019
    // sample again: the list goes back, a new version).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/trade_gov_csl/csl_2019_sample.csv"
    );
    let bytes = std::fs::read(file).unwrap();
    let e2 = Arc::clone(&engine);
    let reports = tokio::task::spawn_blocking(move || {
        e2.import(
            SourceKind::TradeCsl,
            &[RawFile::new("csl_2019_sample.csv", bytes)],
            ImportMeta::new("test"),
        )
    })
    .await
    .unwrap()
    .unwrap();
    assert!(reports.iter().any(|r| r.outcome.is_created()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);

    let mut total = 0;
    let mut seen = BTreeSet::new();
    for c in clients {
        let (n, s) = c.join().unwrap();
        total += n;
        seen.extend(s);
    }
    let _ = stop_tx.send(());
    server.await.unwrap().unwrap();
    assert_eq!(
        errors.load(Ordering::SeqCst),
        0,
        "errors during the swap ({total} requests)"
    );
    assert!(
        seen.contains(&before),
        "no answer from the old version: {seen:?}"
    );
    assert!(
        seen.contains(&(before + 1)),
        "no answer from the new version: {seen:?}"
    );
    assert!(total > 50, "only {total} requests");
}
