//! Measures index build time and per-query latency percentiles on the
//! bundled OFAC lists: `cargo run --release -p embargo-match --example latency`.

use std::time::Instant;

use embargo_match::{score_pair_fast, Index, Query, SearchOptions, Weights};

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    let pairs: Vec<_> = common::eval_rows("dev_pairs.csv")
        .into_iter()
        .map(|r| {
            (
                common::schema(&r["schema"]),
                r["name1"].clone(),
                r["name2"].clone(),
            )
        })
        .collect();
    let w = Weights::bundled();
    let t = Instant::now();
    for _ in 0..5 {
        for (s, a, b) in &pairs {
            std::hint::black_box(score_pair_fast(w, *s, a, b));
        }
    }
    println!(
        "score_pair: {:.2} µs per pair (dev pairs, analysis of both names included)",
        t.elapsed().as_secs_f64() * 1e6 / (5 * pairs.len()) as f64
    );
    let mut recs = common::sdn_2021(true);
    recs.extend(common::cons_2025());
    let names: usize = recs.iter().map(|r| r.names.len()).sum();
    let t = Instant::now();
    let index = Index::build(recs);
    println!(
        "build: {} records, {names} names in {:?}; {:?}",
        index.len(),
        t.elapsed(),
        index.stats()
    );
    let queries: Vec<Query> = index
        .records()
        .iter()
        .step_by((index.len() / 1000).max(1))
        .take(1000)
        .map(|r| Query::name(r.schema, r.caption()))
        .collect();
    let opts = SearchOptions::default();
    let mut times: Vec<f64> = Vec::with_capacity(queries.len());
    let mut slow: Vec<(f64, &str)> = Vec::new();
    for q in &queries {
        let t = Instant::now();
        let hits = index.search(q, &opts);
        let us = t.elapsed().as_secs_f64() * 1e6;
        times.push(us);
        slow.push((us, q.names[0].as_str()));
        std::hint::black_box(hits);
    }
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (us, n) in slow.iter().take(5) {
        println!("slowest: {us:.0} µs {n}");
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
    println!(
        "search: {} queries p50 {:.0} µs p90 {:.0} µs p99 {:.0} µs max {:.0} µs",
        times.len(),
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
}
