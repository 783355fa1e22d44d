//! `embargo serve`, `audit` and `receipt` end to end: the real binary on a
//! loopback socket, stopped with SIGTERM; audit logs tampered with behind
//! the database's back; receipts verified offline.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;

use common::{private_db, run, stderr, stdout, BIN};

/// A running `embargo serve` and the lines it logs.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    base: String,
}

impl Server {
    /// Starts `embargo --db <db> serve <args>` and waits until it listens.
    fn start(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.arg("--db")
            .arg(db)
            .arg("serve")
            .args(args)
            .env("RUST_LOG", "info")
            .env_remove("EMBARGO_BIND")
            .env_remove("EMBARGO_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn embargo serve");
        let (tx, rx) = mpsc::channel();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut s = Server {
            child,
            lines: rx,
            seen: Vec::new(),
            base: String::new(),
        };
        let line = s.wait_for("listening on", Duration::from_secs(120));
        let addr = line
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split([' ', ';', '"', ',']).next())
            .unwrap_or_else(|| panic!("no address in {line}"))
            .to_string();
        s.base = format!("http://{addr}");
        s
    }

    /// The first logged line (already seen or to come) containing `needle`.
    fn wait_for(&mut self, needle: &str, timeout: Duration) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        let end = Instant::now() + timeout;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        panic!(
            "no line with '{needle}' logged; got:\n{}",
            self.seen.join("\n")
        );
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = i32::try_from(self.child.id()).expect("pid");
        // SAFETY: sending a signal to a child process this test started.
        let rc = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(rc, 0, "kill(SIGTERM) failed");
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                while let Ok(l) = self.lines.recv_timeout(Duration::from_millis(200)) {
                    self.seen.push(l);
                }
                return status;
            }
            if Instant::now() > end {
                let _ = self.child.kill();
                panic!("the server did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .into()
}

fn post(base: &str, path: &str, body: &Value) -> (u16, Value) {
    let mut resp = agent()
        .post(&format!("{base}{path}"))
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .expect("request");
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn get(base: &str, path: &str) -> (u16, String) {
    let mut resp = agent()
        .get(&format!("{base}{path}"))
        .call()
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap_or_default())
}

#[test]
fn serve_logs_json_audits_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = private_db(&dir);
    let mut server = Server::start(&db, &["--bind", "127.0.0.1:0", "--log-json"], &[]);

    // Open mode says so at start-up, as a JSON log line.
    let line = server.wait_for("no API key exists", Duration::from_secs(5));
    let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(v["level"], "WARN", "{line}");
    assert!(
        v["fields"]["message"]
            .as_str()
            .unwrap()
            .contains("loopback only"),
        "{line}"
    );

    let (status, _) = get(&server.base, "/readyz");
    assert_eq!(status, 200);
    let marker = "Sigterm Marker Trading Company 9981";
    let (status, v) = post(&server.base, "/v1/screen", &json!({"name": marker}));
    assert_eq!(status, 200, "{v}");
    let (status, v) = post(
        &server.base,
        "/v1/receipts",
        &json!({"name": "Zzyzx Quiet Meadow Bakery", "schema": "Company"}),
    );
    assert_eq!(status, 200, "{v}");
    let receipt = dir.path().join("receipt.json");
    std::fs::write(&receipt, v["receipt"].to_string()).unwrap();

    let status = server.terminate();
    assert!(status.success(), "exit status {status}");
    assert!(
        server.seen.iter().any(|l| l.contains("shutting down")),
        "{:?}",
        server.seen
    );
    assert!(server.seen.iter().any(|l| l.contains("stopped")));

    // Every screening was written before the process ended.
    let o = run(&db, &["audit", "export"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(marker), "the screening was not flushed");
    let o = run(&db, &["audit", "verify"]);
    assert!(o.status.success(), "{}", stdout(&o));

    // The receipt verifies offline with the installation's key, and only
    // untouched and with that key.
    let o = run(&db, &["receipt", "public-key"]);
    let key = stdout(&o).trim().to_string();
    assert_eq!(key.len(), 64, "{key}");
    let r = receipt.to_str().unwrap();
    let o = run(&db, &["receipt", "verify", r, "--public-key", &key]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("ok:"), "{}", stdout(&o));
    let other = "0".repeat(63) + "1";
    let o = run(&db, &["receipt", "verify", r, "--public-key", &other]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let forged = std::fs::read_to_string(&receipt)
        .unwrap()
        .replace("no_match", "matches");
    std::fs::write(&receipt, forged).unwrap();
    let o = run(&db, &["receipt", "verify", r, "--public-key", &key]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("FAILED"));
}

#[test]
fn without_keys_only_loopback_and_with_keys_any_address() {
    let dir = tempfile::tempdir().unwrap();
    let db = private_db(&dir);
    let o = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["serve", "--bind", "0.0.0.0:0"])
        .env_remove("EMBARGO_BIND")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no API key exists"), "{}", stderr(&o));

    let o = run(
        &db,
        &[
            "--format", "json", "keys", "create", "--role", "read", "--name", "ops",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let key: Value = serde_json::from_slice(&o.stdout).unwrap();
    let (id, secret) = (
        key["id"].as_str().unwrap().to_string(),
        key["secret"].as_str().unwrap().to_string(),
    );
    let mut server = Server::start(&db, &["--bind", "0.0.0.0:0"], &[]);
    server.wait_for("API keys required", Duration::from_secs(5));
    let port = server.base.rsplit(':').next().unwrap().to_string();
    let local = format!("http://127.0.0.1:{port}");
    let (status, _) = get(&local, "/catalog");
    assert_eq!(status, 401, "keys are required");
    let with_key = |path: &str| {
        agent()
            .get(&format!("{local}{path}"))
            .header("Authorization", &format!("Bearer {secret}"))
            .call()
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    };
    assert_eq!(with_key("/catalog"), 200);
    assert_eq!(with_key("/v1/admin/keys"), 403, "a read key is no admin");
    // A key revoked with the CLI stops working in the running server.
    let o = run(&db, &["keys", "revoke", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    let end = Instant::now() + Duration::from_secs(10);
    while with_key("/catalog") != 401 {
        assert!(Instant::now() < end, "the revoked key still works");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(server.terminate().success());
}

#[test]
fn configuration_file_environment_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let db = private_db(&dir);
    let cfg = dir.path().join("embargo.toml");
    std::fs::write(
        &cfg,
        "bind = \"127.0.0.1:9\"\nmax_batch = 2\nmax_body_bytes = 4096\n",
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap().to_string();
    // The flag beats the file's bind; the environment beats its batch size.
    let mut server = Server::start(
        &db,
        &["--config", &cfg, "--bind", "127.0.0.1:0"],
        &[("EMBARGO_MAX_BATCH", "3")],
    );
    assert!(!server.base.ends_with(":9"), "{}", server.base);
    let q = json!({"name": "Xiaomi"});
    let (status, v) = post(
        &server.base,
        "/v1/screen/batch",
        &json!({"queries": [q, q, q, q]}),
    );
    assert_eq!(status, 422, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("at most 3"), "{v}");
    let (status, _) = post(
        &server.base,
        "/v1/screen/batch",
        &json!({"queries": [q, q, q]}),
    );
    assert_eq!(status, 200);
    let big = json!({"name": "x".repeat(5000)});
    let (status, v) = post(&server.base, "/v1/screen", &big);
    assert_eq!(status, 413, "{v}");
    assert_eq!(v["status"], 413);
    assert!(server.terminate().success());

    // A broken file is an error that names it.
    std::fs::write(dir.path().join("bad.toml"), "max_batch = \"many\"").unwrap();
    let bad = dir.path().join("bad.toml");
    let o = run(&db, &["serve", "--config", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.toml"), "{}", stderr(&o));
}

/// Appends `n` audit records through the CLI (key creations are audited).
fn audited_db(dir: &tempfile::TempDir, n: usize) -> PathBuf {
    let db = private_db(dir);
    for i in 0..n {
        let o = run(
            &db,
            &[
                "keys",
                "create",
                "--role",
                "read",
                "--name",
                &format!("k{i}"),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    db
}

/// Opens the database with the audit log's protecting triggers dropped.
fn unprotected(db: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db).unwrap();
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!triggers.is_empty());
    for t in &triggers {
        conn.execute(&format!("DROP TRIGGER {t}"), []).unwrap();
    }
    conn
}

fn verify_fails(db: &Path, extra: &[&str], expect: &str) {
    let mut args = vec!["audit", "verify"];
    args.extend_from_slice(extra);
    let o = run(db, &args);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("FAILED") && stdout(&o).contains(expect),
        "{}",
        stdout(&o)
    );
}

#[test]
fn audit_verify_rejects_removed_reordered_and_truncated_records() {
    // A record removed from the middle.
    let dir = tempfile::tempdir().unwrap();
    let db = audited_db(&dir, 4);
    let o = run(&db, &["audit", "verify"]);
    assert!(stdout(&o).starts_with("ok: 4 records"), "{}", stdout(&o));
    unprotected(&db)
        .execute("DELETE FROM audit_log WHERE seq = 2", [])
        .unwrap();
    verify_fails(&db, &[], "record 3");

    // Two records swapped (every column but the position).
    let dir = tempfile::tempdir().unwrap();
    let db = audited_db(&dir, 4);
    let conn = unprotected(&db);
    let cols = "at, actor, kind, payload_json, prev_hash, hash";
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE t AS SELECT seq, {cols} FROM audit_log WHERE seq IN (2, 3);
         UPDATE audit_log SET ({cols}) = (SELECT {cols} FROM t WHERE t.seq = 3) WHERE seq = 2;
         UPDATE audit_log SET ({cols}) = (SELECT {cols} FROM t WHERE t.seq = 2) WHERE seq = 3;"
    ))
    .unwrap();
    drop(conn);
    verify_fails(&db, &[], "record 2");

    // The last record removed: only a published head hash shows it.
    let dir = tempfile::tempdir().unwrap();
    let db = audited_db(&dir, 3);
    let o = run(&db, &["--format", "json", "audit", "verify"]);
    let head = serde_json::from_slice::<Value>(&o.stdout).unwrap()["head_hash"]
        .as_str()
        .unwrap()
        .to_string();
    unprotected(&db)
        .execute("DELETE FROM audit_log WHERE seq = 3", [])
        .unwrap();
    assert!(run(&db, &["audit", "verify"]).status.success());
    verify_fails(&db, &["--head", &head], "not the published");
}

#[test]
fn audit_exports_as_jsonl_or_csv_and_both_verify() {
    let dir = tempfile::tempdir().unwrap();
    let db = audited_db(&dir, 3);
    let csv = dir.path().join("audit.csv");
    let o = run(
        &db,
        &[
            "--format",
            "csv",
            "audit",
            "export",
            "--output",
            csv.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("seq,"), "{text}");
    assert_eq!(text.lines().count(), 4, "{text}");
    let o = run(&db, &["audit", "verify", "--file", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    // --as beats the global --format; JSON Lines by default.
    let o = run(
        &db,
        &["--format", "csv", "audit", "export", "--as", "jsonl"],
    );
    let first: Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(first["seq"], 1);
    // The spelling: --format jsonl.
    let o = run(&db, &["audit", "export", "--format", "jsonl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["seq"], 3);
    let o = run(
        &db,
        &[
            "audit",
            "export",
            "--from",
            "2000-01-01",
            "--to",
            "2000-01-02",
        ],
    );
    assert!(o.status.success());
    assert!(stdout(&o).is_empty(), "nothing then");
    // A tampered CSV export fails.
    std::fs::write(&csv, text.replacen("k1", "kX", 1)).unwrap();
    let o = run(&db, &["audit", "verify", "--file", csv.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}
