//! Helpers shared by the CLI's end-to-end tests: running the binary, a
//! database with the bundled lists made once per test binary, and output
//! as text.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const BIN: &str = env!("CARGO_BIN_EXE_embargo");

/// A path under the repository's `data/`.
pub fn data(p: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/")).join(p)
}

/// Runs `embargo --db DB --quiet ARGS…`.
pub fn run(db: &Path, args: &[&str]) -> Output {
    run_loud(db, &[&["--quiet"], args].concat())
}

/// Runs `embargo --db DB ARGS…` (informational messages kept).
pub fn run_loud(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run embargo")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output then standard error.
pub fn text(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

/// A database with the bundled lists, created once and shared read-only.
pub fn shared_db() -> &'static Path {
    static DB: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DB.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("shared.db");
        let out = run(&db, &["lists"]);
        assert!(out.status.success(), "{}", stderr(&out));
        (dir, db)
    })
    .1
}

/// A private copy of the shared database, for tests that write.
pub fn private_db(dir: &tempfile::TempDir) -> PathBuf {
    let db = dir.path().join("private.db");
    std::fs::copy(shared_db(), &db).expect("copy db");
    db
}
