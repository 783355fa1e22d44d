//! The list commands of the binary: `--help` everywhere, the output forms,
//! first use, and `embargo update` against a local HTTP server that serves
//! the official files, fails, or is not there.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::{data, text};

fn run(db: &Path, args: &[&str]) -> Output {
    common::run_loud(db, args)
}

fn versions(db: &Path) -> String {
    let o = run(db, &["--quiet", "--format", "json", "lists"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    v.as_array()
        .expect("lists")
        .iter()
        .map(|l| format!("{} v{}", l["list"], l["latest"]["seq"]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How the test server answers.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// The December 2025 consolidated list, the July 2021 SDN list and a
    /// CSL file, under the official file names.
    Good,
    /// HTTP 503 for every file.
    Unavailable,
    /// The SDN list cut inside a record.
    Truncated,
    /// The SDN list cut cleanly after a record, half-way: it parses.
    Shortened,
}

/// An HTTP server on a free port serving the fixtures as the official
/// URLs; returns its base URL.
fn serve(mode: Mode) -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind");
    let port = server.server_addr().to_ip().expect("ip").port();
    std::thread::spawn(move || {
        for req in server.incoming_requests() {
            let file = match req.url().trim_start_matches('/') {
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
            let (status, body) = match (mode, file) {
                (Mode::Unavailable, _) => (503, b"busy".to_vec()),
                (_, None) => (404, b"no such file".to_vec()),
                (_, Some(f)) => {
                    let mut bytes = std::fs::read(data(f)).expect("fixture");
                    if mode == Mode::Truncated && f.ends_with("sdn.csv") {
                        // Inside the quoted name of a record.
                        let mut cut = bytes.len() / 2;
                        while &bytes[cut..cut + 2] != b",\"" {
                            cut += 1;
                        }
                        bytes.truncate(cut + 4);
                    }
                    if mode == Mode::Shortened && f.ends_with("sdn.csv") {
                        let mut cut = bytes.len() / 2;
                        while bytes[cut] != b'\n' {
                            cut += 1;
                        }
                        bytes.truncate(cut + 1);
                    }
                    (200, bytes)
                }
            };
            let _ = req.respond(tiny_http::Response::from_data(body).with_status_code(status));
        }
    });
    format!("http://127.0.0.1:{port}/")
}

fn update(db: &Path, base: &str) -> Output {
    run(
        db,
        &[
            "--quiet",
            "--format",
            "json",
            "update",
            "--ofac-url",
            &format!("{base}ofac/"),
            "--csl-url",
            &format!("{base}csl/"),
            "--timeout",
            "30",
        ],
    )
}

#[test]
fn update_against_a_local_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("u.db");
    let before = versions(&db);
    // The server's OFAC files equal the bundled latest versions: unchanged,
    // and said so; the CSL file comes under another name: a new version.
    let base = serve(Mode::Good);
    let o = update(&db, &base);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let results: Vec<(String, String)> = v
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["list"].as_str().unwrap_or("").to_string(),
                r["result"]["outcome"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("us_ofac_sdn".to_string(), "unchanged".to_string()),
            ("us_ofac_cons".to_string(), "unchanged".to_string()),
            ("us_trade_csl".to_string(), "created".to_string()),
        ]
    );
    let after = versions(&db);
    assert_ne!(before, after);
    assert!(after.contains("\"us_trade_csl\" v3"), "{after}");
    // The table form says "unchanged" in words.
    let o = run(
        &db,
        &[
            "update",
            "--ofac-url",
            &format!("{base}ofac/"),
            "--csl-url",
            &format!("{base}csl/"),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("unchanged (same content as the latest version; nothing written)"));
    assert_eq!(after, versions(&db));
}

#[test]
fn failed_updates_change_nothing_and_say_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("u.db");
    let before = versions(&db);
    // An update from `base` fails with exit code 2, leaves the database as
    // it was, and says why (the message is returned).
    let refused = |base: &str| {
        let o = update(&db, base);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert_eq!(before, versions(&db));
        text(&o)
    };
    // An HTTP error.
    let err = refused(&serve(Mode::Unavailable));
    assert!(err.contains("SDN.CSV") && err.contains("503"), "{err}");
    assert!(err.contains("nothing was imported; the database is unchanged"));
    // A truncated file.
    let err = refused(&serve(Mode::Truncated));
    assert!(
        err.contains("sdn.csv") && err.contains("line") && err.contains("truncated"),
        "{err}"
    );
    // A file cut cleanly between two records parses, but loses half the
    // list: refused.
    let err = refused(&serve(Mode::Shortened));
    assert!(
        err.contains("us_ofac_sdn") && err.contains("likely truncated") && err.contains("--force"),
        "{err}"
    );
    // No network: nothing listens on the port.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let err = refused(&format!("http://127.0.0.1:{port}/"));
    assert!(
        err.contains("cannot download") && err.contains("embargo import"),
        "{err}"
    );
}

#[test]
fn help_everywhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("h.db");
    for cmd in [
        vec!["--help"],
        vec!["import", "--help"],
        vec!["update", "--help"],
        vec!["lists", "--help"],
        vec!["versions", "--help"],
        vec!["diff", "--help"],
        vec!["show", "--help"],
        vec!["history", "--help"],
        vec!["check-trade", "--help"],
        vec!["screen-portfolio", "--help"],
    ] {
        let o = run(&db, &cmd);
        assert!(o.status.success(), "{cmd:?}: {}", text(&o));
        assert!(text(&o).contains("Usage: embargo"), "{cmd:?}");
    }
    // Help creates no database.
    assert!(!db.exists());
}

#[test]
fn first_use_lists_and_output_forms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("f.db");
    let o = run(&db, &["lists"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("creating") && out.contains("importing the bundled lists"),
        "{out}"
    );
    assert!(out.contains("as of") && out.contains("2025-12-19") && out.contains("2021-07-01"));
    assert!(out.contains("a snapshot, not today's list"));
    // CSV and JSON.
    let o = run(&db, &["--quiet", "--format", "csv", "lists"]);
    let csv = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(csv.starts_with("list,as of,version,versions,entities,imported,source"));
    assert_eq!(csv.lines().count(), 7);
    let o = run(
        &db,
        &["--quiet", "--format", "csv", "versions", "us_ofac_sdn"],
    );
    let csv = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(csv.starts_with("version,id,as of,published,imported,entities,sha256,source"));
    assert!(csv.contains("v1,") && csv.contains(",2019-07-01,") && csv.contains(",7379,"));
    // Point in time by date and by version, and history.
    let o = run(
        &db,
        &[
            "--quiet",
            "--format",
            "json",
            "show",
            "us_ofac_cons:30923",
            "--as-of",
            "2025-04-30",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["version"]["published"], "2025-04-21");
    let o = run(
        &db,
        &[
            "--quiet",
            "--format",
            "csv",
            "show",
            "us_ofac_cons:30923",
            "--version",
            "v3",
        ],
    );
    let csv = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(csv.starts_with("field,value"), "{csv}");
    assert!(csv.contains("US16941M1099") && csv.contains("941 HK"));
    let o = run(
        &db,
        &[
            "--quiet",
            "--format",
            "csv",
            "history",
            "us_ofac_cons:17022",
        ],
    );
    let csv = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(csv.starts_with("version,as of,change,details"));
    assert!(csv.contains("v1,2025-03-26,added") && csv.contains("v2,2025-04-21,changed"));
    // A DoD entity with the lifecycle events that name it.
    let o = run(
        &db,
        &[
            "--quiet",
            "--format",
            "json",
            "show",
            "us_dod_1237:xiaomi-corporation",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"injunction") && kinds.contains(&"vacatur"),
        "{kinds:?}"
    );
    assert_eq!(v["entity"]["designations"][0]["ended_on"], "2021-05-25");
    // A diff between SDN versions, as a table.
    let o = run(&db, &["--quiet", "diff", "us_ofac_sdn"]);
    let out = text(&o);
    assert!(
        out.contains("v1 (2019-07-01) → v2 (2021-07-01): 1858 added, 261 removed"),
        "{out}"
    );
}

#[test]
fn followthemoney_data_under_its_own_list_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("ftm.db");
    let fixture = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../sources/tests/fixtures/ftm_sample.jsonl"
    ));
    let o = run(
        &db,
        &[
            "--quiet",
            "import",
            "ftm",
            fixture.to_str().unwrap(),
            "--list",
            "opensanctions",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(versions(&db).contains("\"opensanctions\" v1"));
    let o = run(
        &db,
        &[
            "--quiet",
            "--format",
            "json",
            "show",
            "opensanctions:NK-3Jq8vLx7HVXQ2k9bRzTn4a",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    // The imported list is part of what trade checks see.
    let o = run(
        &db,
        &[
            "--quiet",
            "--format",
            "json",
            "check-trade",
            "--security",
            "Ivan Petrovich SIDOROV",
            "--side",
            "buy",
            "--at",
            "2025-07-01",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let ties: Vec<&str> = v["decision"]["security"]["ties"]
        .as_array()
        .expect("ties")
        .iter()
        .filter_map(|t| t["entity_id"].as_str())
        .collect();
    assert!(
        ties.contains(&"opensanctions:NK-3Jq8vLx7HVXQ2k9bRzTn4a"),
        "{ties:?}"
    );
    // A bad key, and --list on another kind, are refused.
    let o = run(
        &db,
        &[
            "import",
            "ftm",
            fixture.to_str().unwrap(),
            "--list",
            "Open Sanctions",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run(
        &db,
        &[
            "import",
            "bis-dpl",
            data("bis/dpl_2022.txt").to_str().unwrap(),
            "--list",
            "x",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--list applies to ftm imports only"));
}
