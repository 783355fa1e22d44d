//! CPU-time figures (thread CPU clock, so that a loaded machine does not
//! count against the matcher): `cargo test --release -p embargo-match
//! --test speed -- --ignored --nocapture`.

mod common;

use embargo_match::{score_pair_fast, Index, Query, SearchOptions, Weights};

/// Thread CPU time in microseconds.
fn cpu_us() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e6 + ts.tv_nsec as f64 / 1e3
}

#[test]
#[ignore = "timing; run in release"]
fn cpu_time() {
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
    let t = cpu_us();
    for _ in 0..5 {
        for (s, a, b) in &pairs {
            std::hint::black_box(score_pair_fast(w, *s, a, b));
        }
    }
    let per_pair = (cpu_us() - t) / (5 * pairs.len()) as f64;
    println!("score_pair: {per_pair:.2} µs CPU per pair");
    // Generous bounds (release build): a regression by a multiple fails.
    assert!(per_pair < 25.0, "score_pair {per_pair:.2} µs");
    if std::env::var("SPEED_PAIRS_ONLY").is_ok() {
        for _ in 0..40 {
            for (s, a, b) in &pairs {
                std::hint::black_box(score_pair_fast(w, *s, a, b));
            }
        }
        return;
    }
    let mut recs = common::sdn_2021(true);
    recs.extend(common::cons_2025());
    let t = cpu_us();
    let index = Index::build(recs);
    println!("build: {:.0} ms CPU", (cpu_us() - t) / 1e3);
    let queries: Vec<Query> = index
        .records()
        .iter()
        .step_by((index.len() / 1000).max(1))
        .take(1000)
        .map(|r| Query::name(r.schema, r.caption()))
        .collect();
    let opts = SearchOptions::default();
    if std::env::var("SPEED_SEARCH_ONLY").is_ok() {
        for _ in 0..5 {
            for q in &queries {
                std::hint::black_box(index.search(q, &opts));
            }
        }
        return;
    }
    let mut times: Vec<(f64, &str)> = Vec::with_capacity(queries.len());
    for q in &queries {
        let t = cpu_us();
        std::hint::black_box(index.search(q, &opts));
        times.push((cpu_us() - t, q.names[0].as_str()));
    }
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize].0;
    for (us, n) in times.iter().rev().take(5) {
        println!("slowest: {us:.0} µs {n}");
    }
    println!(
        "search: {} queries, CPU p50 {:.0} µs p90 {:.0} µs p99 {:.0} µs max {:.0} µs",
        times.len(),
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    assert!(pct(0.5) < 400.0 && pct(0.99) < 3000.0, "search too slow");
}

#[path = "../benches/support/mod.rs"]
mod support;

/// Search on 200,000 synthetic parties (as `examples/scale.rs` builds
/// them): the candidates of a query stay bounded as the index grows, so
/// the CPU time per query stays well under a millisecond.
#[test]
#[ignore = "timing; run in release"]
fn cpu_time_synthetic() {
    let model = support::NameModel::from_records(&support::bundled_records().unwrap());
    let mut rng = support::Rng::new(0x5ca1e);
    let t = cpu_us();
    let index = Index::build(support::synthetic(&model, 200_000, &mut rng));
    println!("build 200k: {:.0} ms CPU", (cpu_us() - t) / 1e3);
    let queries: Vec<Query> = (0..1000)
        .map(|i| {
            if i % 2 == 0 {
                let r = index.record(rng.below(index.len()));
                Query::name(r.schema, support::perturb(r.caption(), &mut rng).0)
            } else {
                Query::name(embargo_model::Schema::Company, model.company(&mut rng))
            }
        })
        .collect();
    let opts = SearchOptions::default();
    let mut times: Vec<f64> = queries
        .iter()
        .map(|q| {
            let t = cpu_us();
            std::hint::black_box(index.search(q, &opts));
            cpu_us() - t
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
    println!(
        "search 200k: CPU p50 {:.0} µs p90 {:.0} µs p99 {:.0} µs",
        pct(0.5),
        pct(0.9),
        pct(0.99)
    );
    // Generous bounds (release build): a return to candidates growing with
    // the index fails.
    assert!(pct(0.5) < 1000.0, "search too slow");
}
