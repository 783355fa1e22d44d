//! The dated scenarios of `crates/law/tests/fixtures/scenarios.csv` through
//! the engine's library API (the one the HTTP service calls): the bundled
//! data in a store, issuer names resolved with the match index, and
//! designations the lists leave undated dated from their versions.

use embargo_engine::Engine;
use embargo_law::{parse_trades_csv, Policy, SecurityMaster};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../law/tests/fixtures");

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture")
}

#[test]
fn dated_scenarios_through_the_engine() {
    let engine = Engine::open_in_memory().expect("engine");
    let snap = engine.snapshot();
    let mut sm = SecurityMaster::new();
    sm.load_instruments_csv("instruments.csv", &read("instruments.csv"))
        .expect("instruments");
    sm.load_holdings_csv("holdings.csv", &read("holdings.csv"))
        .expect("holdings");
    let bytes = read("scenarios.csv");
    let trades = parse_trades_csv("scenarios.csv", &bytes, None).expect("trades");
    let mut expected = csv::Reader::from_reader(bytes.as_slice());
    let headers = expected.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = expected.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), trades.len());
    assert!(rows.len() >= 40);
    let mut failures = Vec::new();
    for (row, trade) in rows.iter().zip(&trades) {
        assert_eq!(trade.id, &row[col("id")]);
        let policy = Policy {
            fund_threshold: row[col("fund_threshold")].parse().unwrap_or(0.0),
            ..Policy::default()
        };
        let d = snap.check_trade(&sm, &trade.check, &policy);
        let json = serde_json::to_string(&d).expect("json");
        let alt = d
            .alternative
            .as_ref()
            .map(|a| a.outcome.as_str())
            .unwrap_or("");
        if d.outcome.as_str() != &row[col("expect")]
            || alt != &row[col("alternative")]
            || !json.contains(&row[col("evidence")])
        {
            failures.push(format!(
                "{} ({}): expected {}/{} with '{}', got {}/{alt}",
                &row[col("id")],
                &row[col("basis")],
                &row[col("expect")],
                &row[col("alternative")],
                &row[col("evidence")],
                d.outcome
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
