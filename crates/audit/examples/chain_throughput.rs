//! Measures appending, exporting and verifying an audit chain.
//!
//! `cargo run --release -p embargo-audit --example chain_throughput [N]`

use std::time::Instant;

use chrono::{Duration, Utc};
use embargo_audit::{export_jsonl, next_record, verify, verify_jsonl, AuditRecord};
use serde_json::json;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let t0 = Utc::now();

    let start = Instant::now();
    let mut log: Vec<AuditRecord> = Vec::with_capacity(n);
    for i in 0..n {
        let payload = json!({
            "query": {"name": format!("Example Trading Company {i} Ltd"), "country": "CN"},
            "threshold": 0.7,
            "hits": [{"entity_id": format!("ofac-{}", i % 9000), "score": 0.81}],
            "lists": {"us_ofac_sdn": 12, "us_ofac_cons": 7, "us_dod_1260h": 3},
        });
        let record = next_record(
            log.last(),
            t0 + Duration::milliseconds(i as i64),
            "desk",
            "screen",
            payload,
        );
        log.push(record);
    }
    let append = start.elapsed();

    let start = Instant::now();
    let mut buf = Vec::new();
    if let Err(e) = export_jsonl(&log, &mut buf) {
        eprintln!("export failed: {e}");
        std::process::exit(1);
    }
    let export = start.elapsed();

    let start = Instant::now();
    let report = verify(log);
    let verify_mem = start.elapsed();

    let start = Instant::now();
    let offline = verify_jsonl(buf.as_slice());
    let verify_file = start.elapsed();

    match (report, offline) {
        (Ok(a), Ok(b)) if a == b => {
            let per_sec = |d: std::time::Duration| n as f64 / d.as_secs_f64();
            println!(
                "records: {n}, export size: {} bytes, head: {}",
                buf.len(),
                a.head_hash
            );
            println!(
                "append:         {append:>10.2?}  ({:.0} records/s)",
                per_sec(append)
            );
            println!(
                "export jsonl:   {export:>10.2?}  ({:.0} records/s)",
                per_sec(export)
            );
            println!(
                "verify (mem):   {verify_mem:>10.2?}  ({:.0} records/s)",
                per_sec(verify_mem)
            );
            println!(
                "verify (jsonl): {verify_file:>10.2?}  ({:.0} records/s)",
                per_sec(verify_file)
            );
        }
        (a, b) => {
            eprintln!("verification disagreed: {a:?} / {b:?}");
            std::process::exit(1);
        }
    }
}
