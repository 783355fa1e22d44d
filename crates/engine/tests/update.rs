//! `update` against a local HTTP server that serves the bundled exports,
//! and against servers that fail: an HTTP error, a truncated file, no server.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use embargo_engine::update::{update, UpdateConfig};
use embargo_engine::Engine;
use embargo_store::ImportOutcome;

fn data(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/")).join(path)
}

/// How the test server misbehaves.
#[derive(Clone, Copy)]
enum Mode {
    /// Serves the December 2025 consolidated list and the 2021 SDN list.
    Good,
    /// Answers 503 for the consolidated primary file.
    Error,
    /// Cuts the SDN primary file in the middle of a record.
    Truncated,
}

/// Starts a server on a free port; returns its base URL and a request counter.
fn serve(mode: Mode) -> (String, Arc<AtomicUsize>) {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind");
    let port = server.server_addr().to_ip().expect("ip").port();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hits);
    thread::spawn(move || {
        for req in server.incoming_requests() {
            h.fetch_add(1, Ordering::SeqCst);
            let url = req.url().to_string();
            let file = match url.trim_start_matches('/') {
                "ofac/SDN.CSV" => Some("ofac/sdn_2021-07/sdn.csv"),
                "ofac/ALT.CSV" => Some("ofac/sdn_2021-07/alt.csv"),
                "ofac/ADD.CSV" => Some("ofac/sdn_2021-07/add.csv"),
                "ofac/SDN_COMMENTS.CSV" => Some("ofac/sdn_2021-07/sdn_comments.csv"),
                "ofac/CONS_PRIM.CSV" => Some("ofac/cons_2025-12/cons_prim.csv"),
                "ofac/CONS_ALT.CSV" => Some("ofac/cons_2025-12/cons_alt.csv"),
                "ofac/CONS_ADD.CSV" => Some("ofac/cons_2025-12/cons_add.csv"),
                "ofac/CONS_COMMENTS.CSV" => Some("ofac/cons_2025-12/cons_comments.csv"),
                "csl/consolidated.csv" => Some("trade_gov_csl/consolidated_2025_sample.csv"),
                _ => None,
            };
            let resp = match (mode, file) {
                (Mode::Error, Some(f)) if f.ends_with("cons_prim.csv") => {
                    tiny_http::Response::from_data(b"unavailable".to_vec()).with_status_code(503)
                }
                (_, Some(f)) => {
                    let mut bytes = std::fs::read(data(f)).expect("read fixture");
                    if matches!(mode, Mode::Truncated) && f.ends_with("sdn.csv") {
                        // Cut inside a quoted name, as an interrupted download would.
                        let mut cut = bytes.len() / 3;
                        while !(bytes[cut] == b',' && bytes[cut + 1] == b'"') {
                            cut += 1;
                        }
                        bytes.truncate(cut + 4);
                    }
                    tiny_http::Response::from_data(bytes)
                }
                (_, None) => {
                    tiny_http::Response::from_data(b"not found".to_vec()).with_status_code(404)
                }
            };
            let _ = req.respond(resp);
        }
    });
    (format!("http://127.0.0.1:{port}/"), hits)
}

fn config(base: &str) -> UpdateConfig {
    UpdateConfig {
        ofac_base: format!("{base}ofac/"),
        csl_base: format!("{base}csl/"),
        timeout: Duration::from_secs(20),
        force: false,
    }
}

fn version_ids(engine: &Engine) -> Vec<(String, u32)> {
    engine
        .lists()
        .expect("lists")
        .into_iter()
        .map(|l| (l.list, l.latest.seq))
        .collect()
}

#[test]
fn update_imports_new_versions_and_is_a_no_op_the_second_time() {
    let engine = Engine::open_in_memory().expect("engine");
    let before = version_ids(&engine);
    let (base, hits) = serve(Mode::Good);
    let reports = update(&engine, &config(&base)).expect("update");
    assert_eq!(hits.load(Ordering::SeqCst), 9, "all nine files fetched");
    let by_list: Vec<_> = reports.iter().flat_map(|f| f.imports.iter()).collect();
    // The bundled data already holds these OFAC exports (same file names and
    // bytes), so they are unchanged. The CSL sample is published under
    // another file name than the bundled copy, so it becomes a new version.
    for r in &by_list {
        match r.list.as_str() {
            "us_trade_csl" => assert!(matches!(r.outcome, ImportOutcome::Created { .. })),
            _ => assert!(
                matches!(r.outcome, ImportOutcome::Unchanged { .. }),
                "{}: {:?}",
                r.list,
                r.outcome
            ),
        }
    }
    let after = version_ids(&engine);
    let bump = |v: &[(String, u32)]| -> Vec<(String, u32)> {
        v.iter()
            .map(|(l, s)| (l.clone(), if l == "us_trade_csl" { s + 1 } else { *s }))
            .collect()
    };
    assert_eq!(bump(&before), after);
    // A second update changes nothing at all.
    update(&engine, &config(&base)).expect("second update");
    assert_eq!(after, version_ids(&engine));
    // The snapshot still answers.
    assert!(engine.snapshot().entities().len() > 9000);
}

#[test]
fn http_error_changes_nothing_and_names_the_url() {
    let engine = Engine::open_in_memory().expect("engine");
    let before = version_ids(&engine);
    let (base, _) = serve(Mode::Error);
    let err = update(&engine, &config(&base)).expect_err("must fail");
    let msg = err.to_string();
    assert!(
        msg.contains("CONS_PRIM.CSV") && msg.contains("503"),
        "{msg}"
    );
    assert_eq!(before, version_ids(&engine));
}

#[test]
fn truncated_file_changes_nothing_and_names_the_file() {
    let engine = Engine::open_in_memory().expect("engine");
    let before = version_ids(&engine);
    let (base, _) = serve(Mode::Truncated);
    let err = update(&engine, &config(&base)).expect_err("must fail");
    let msg = err.to_string();
    assert!(msg.contains("sdn.csv"), "{msg}");
    assert_eq!(before, version_ids(&engine));
}

#[test]
fn no_network_fails_clearly() {
    let engine = Engine::open_in_memory().expect("engine");
    let before = version_ids(&engine);
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let err =
        update(&engine, &config(&format!("http://127.0.0.1:{port}/"))).expect_err("must fail");
    let msg = err.to_string();
    assert!(msg.contains("cannot download"), "{msg}");
    assert_eq!(before, version_ids(&engine));
}

/// A server that announces a whole file and closes the connection half-way
/// through it, as a dropped connection does.
fn serve_interrupted() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            // Read the request head.
            while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                line.clear();
            }
            let body = std::fs::read(data("ofac/sdn_2021-07/sdn.csv")).expect("fixture");
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body[..body.len() / 2]);
            let _ = stream.flush();
            // Dropping the stream closes the connection mid-body.
        }
    });
    format!("http://127.0.0.1:{port}/")
}

#[test]
fn interrupted_transfer_changes_nothing_and_says_so() {
    let engine = Engine::open_in_memory().expect("engine");
    let before = version_ids(&engine);
    let err = update(&engine, &config(&serve_interrupted())).expect_err("must fail");
    let msg = err.to_string();
    assert!(
        msg.contains("SDN.CSV") && msg.contains("interrupted"),
        "{msg}"
    );
    assert_eq!(before, version_ids(&engine));
}
