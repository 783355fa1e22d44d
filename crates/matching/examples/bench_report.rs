//! Benchmark report of the matcher on the bundled lists (OFAC SDN 2021-07,
//! consolidated 2025-12, DoD 1237 / 1260H): index build time and memory,
//! single-query latency over 1,000 real names (500 listed names, some
//! perturbed, and 500 real companies on no list) with synthetic misses as a
//! stress set beside them, batch throughput over the real names, pair
//! scoring over the dev pairs, and the same pairs through nomenklatura's
//! `logic-v2` for comparison.
//!
//! ```text
//! cargo run --release -p embargo-match --example bench_report -- [options]
//!   --threads N          threads for the batch run (default 2)
//!   --no-nomenklatura    skip the nomenklatura comparison
//!   --python PATH        interpreter for scripts/bench_nomenklatura.py (default python3)
//!   --pair-pass N        passes over the pairs for timing (default 20)
//! ```
//!
//! The report runs with the allocator the `embargo` binary ships with
//! (mimalloc), so that its figures are those of the product.

use std::collections::HashSet;
use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use embargo_match::{
    score_names, score_pair, score_pair_fast, Index, Name, Query, SearchOptions, Weights,
};
use embargo_model::{NameKind, Schema};

#[path = "../benches/support/mod.rs"]
mod support;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use support::{mem, mib, BoxError, Latency, NameModel, Perturb, Rng, Timer};

const NOMENKLATURA_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scripts/bench_nomenklatura.py"
);

struct Args {
    threads: usize,
    nomenklatura: bool,
    python: String,
    pair_passes: usize,
}

fn args() -> Result<Args, BoxError> {
    let mut a = Args {
        threads: 2,
        nomenklatura: true,
        python: "python3".into(),
        pair_passes: 20,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--threads" => a.threads = it.next().ok_or("--threads N")?.parse()?,
            "--no-nomenklatura" => a.nomenklatura = false,
            "--python" => a.python = it.next().ok_or("--python PATH")?,
            "--pair-passes" => a.pair_passes = it.next().ok_or("--pair-passes N")?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    a.threads = a.threads.max(1);
    a.pair_passes = a.pair_passes.max(1);
    Ok(a)
}

/// A timed query and what it should find.
struct Case {
    query: Query,
    /// The listed record the query was made from; `None` for a miss.
    expected: Option<String>,
    perturb: Option<Perturb>,
    /// A real name (listed, or a real company on no list), not a
    /// synthetic miss.
    real: bool,
}

fn listed_cases(index: &Index, n: usize, rng: &mut Rng) -> Vec<Case> {
    let recs = index.records();
    (0..n)
        .map(|_| {
            let r = &recs[rng.below(recs.len())];
            let aliases: Vec<&str> = r
                .names
                .iter()
                .filter(|(_, k)| *k != NameKind::Primary)
                .map(|(n, _)| n.as_str())
                .collect();
            let name = if !aliases.is_empty() && rng.chance(0.3) {
                aliases[rng.below(aliases.len())]
            } else {
                r.caption()
            };
            let (q, p) = support::perturb(name, rng);
            Case {
                query: Query::name(r.schema, q),
                expected: Some(r.id.clone()),
                perturb: Some(p),
                real: true,
            }
        })
        .collect()
}

/// Real companies that are on no list (`eval/unlisted_companies.csv`).
fn unlisted_cases(n: usize) -> Result<Vec<Case>, BoxError> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../eval/unlisted_companies.csv"
    );
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{path}: {e}"))?;
    let h = r.headers()?.clone();
    let col = h
        .iter()
        .position(|c| c == "name")
        .ok_or_else(|| format!("{path}: no name column"))?;
    let mut out = Vec::new();
    for rec in r.records().take(n) {
        out.push(Case {
            query: Query::name(Schema::Company, rec?.get(col).unwrap_or("").to_string()),
            expected: None,
            perturb: None,
            real: true,
        });
    }
    Ok(out)
}

fn miss_cases(index: &Index, n: usize, rng: &mut Rng) -> Vec<Case> {
    let model = NameModel::from_records(index.records());
    let listed: HashSet<String> = index
        .records()
        .iter()
        .flat_map(|r| r.names.iter().map(|(n, _)| n.to_lowercase()))
        .collect();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let (schema, name) = if rng.chance(0.7) {
            (Schema::Company, model.company(rng))
        } else {
            (Schema::Person, model.person(rng))
        };
        if !listed.contains(&name.to_lowercase()) {
            out.push(Case {
                query: Query::name(schema, name),
                expected: None,
                perturb: None,
                real: false,
            });
        }
    }
    out
}

/// (wall µs, CPU µs) of each query.
fn time_queries(index: &Index, cases: &[Case], opts: &SearchOptions) -> Vec<(f64, f64)> {
    cases
        .iter()
        .map(|c| {
            let t = Timer::start();
            black_box(index.search(&c.query, opts));
            t.us()
        })
        .collect()
}

/// Queries per second of wall time, and per second of CPU time summed over
/// the threads.
fn throughput(index: &Index, queries: &[Query], threads: usize, passes: usize) -> (f64, f64) {
    let opts = SearchOptions::default();
    let chunk = queries.len().div_ceil(threads);
    let t = Instant::now();
    let cpu_us: f64 = std::thread::scope(|s| {
        let workers: Vec<_> = queries
            .chunks(chunk)
            .map(|part| {
                let opts = &opts;
                s.spawn(move || {
                    let t = Timer::start();
                    for _ in 0..passes {
                        for q in part {
                            black_box(index.search(q, opts));
                        }
                    }
                    t.us().1
                })
            })
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).sum()
    });
    let n = (queries.len() * passes) as f64;
    (n / t.elapsed().as_secs_f64(), n / (cpu_us / 1e6))
}

/// What `scripts/bench_nomenklatura.py --json` prints.
#[derive(Debug, serde::Deserialize)]
struct NkReport {
    version: String,
    algorithm: String,
    pairs: usize,
    us_per_pair: f64,
    us_per_pair_memoised: f64,
    cpu_us_per_pair: f64,
    cpu_us_per_pair_memoised: f64,
    precision: f64,
    recall: f64,
    f1: f64,
}

fn run_nomenklatura(python: &str) -> Result<NkReport, BoxError> {
    let out = Command::new(python)
        .arg(NOMENKLATURA_SCRIPT)
        .args(["--pairs", support::DEV_PAIRS, "--json"])
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(5).collect();
        return Err(format!("{} failed: {}", NOMENKLATURA_SCRIPT, tail.join(" | ")).into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or("no JSON line in the script output")?;
    Ok(serde_json::from_str(line)?)
}

fn pass(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "MISS"
    }
}

fn main() -> Result<(), BoxError> {
    let args = args()?;
    println!("# embargo-match benchmark report");
    println!(
        "machine: {} cores available; batch threads: {}; load average at start: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.threads,
        support::loadavg()
    );
    println!("(wall = elapsed time; cpu = the thread's own CPU time, which leaves out waiting for a core)");

    // Load and build.
    let m0 = mem();
    let t = Instant::now();
    let records = support::bundled_records()?;
    let load = t.elapsed();
    let m1 = mem();
    let names: usize = records.iter().map(|r| r.names.len()).sum();
    let t = Timer::start();
    let index = Index::build(records);
    let (build_cold, build_cold_cpu) = t.us();
    let m2 = mem();
    let mut builds = Vec::new();
    for _ in 0..5 {
        let recs = index.records().to_vec();
        let t = Timer::start();
        black_box(Index::build(recs));
        builds.push(t.us());
    }
    builds.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (build_warm, build_warm_cpu) = builds[builds.len() / 2];
    println!("\n## Index (SDN 2021-07 + consolidated 2025-12 + DoD 1237/1260H)");
    println!(
        "records {}, names {names}; parsed in {:.0} ms; {:?}",
        index.len(),
        load.as_secs_f64() * 1e3,
        index.stats()
    );
    println!(
        "build: first {:.0} ms wall / {:.0} ms cpu; median of 5 more {:.0} ms wall / {:.0} ms cpu",
        build_cold / 1e3,
        build_cold_cpu / 1e3,
        build_warm / 1e3,
        build_warm_cpu / 1e3,
    );
    println!(
        "memory: VmRSS {:.1} MiB before parsing, {:.1} MiB with records, {:.1} MiB with the index \
         (index adds {:.1} MiB); VmHWM {:.1} MiB",
        mib(m0.rss_kb),
        mib(m1.rss_kb),
        mib(m2.rss_kb),
        mib(m2.rss_kb.saturating_sub(m1.rss_kb)),
        mib(m2.hwm_kb)
    );

    // Queries: 1,000 real names (500 listed names, some perturbed, and 500
    // real companies on no list), then 1,000 synthetic misses drawn from
    // listed tokens (a stress set: random mixtures of listed words).
    let mut rng = Rng::new(0x5eed);
    let mut cases = listed_cases(&index, 500, &mut rng);
    cases.extend(unlisted_cases(500)?);
    cases.extend(miss_cases(&index, 1000, &mut rng));
    let opts = SearchOptions::default();
    time_queries(&index, &cases, &opts); // warm-up
    let timed = time_queries(&index, &cases, &opts);
    let lat = |f: &dyn Fn(&Case) -> bool, cpu: bool| {
        Latency::of(
            cases
                .iter()
                .zip(&timed)
                .filter(|(c, _)| f(c))
                .map(|(_, t)| if cpu { t.1 } else { t.0 })
                .collect(),
        )
    };
    let all = lat(&|c| c.real, false);
    let all_cpu = lat(&|c| c.real, true);
    println!(
        "\n## Single-query latency (1 thread, SearchOptions::default(): limit 10, threshold 0)"
    );
    println!("real     wall {all}");
    println!("real     cpu  {all_cpu}");
    println!("listed   cpu  {}", lat(&|c| c.expected.is_some(), true));
    println!(
        "unlisted cpu  {}",
        lat(&|c| c.real && c.expected.is_none(), true)
    );
    println!("synthetic misses (stress) cpu {}", lat(&|c| !c.real, true));
    for p in [
        Perturb::Exact,
        Perturb::DropToken,
        Perturb::Swap,
        Perturb::Typo,
    ] {
        println!(
            "  {:<10} cpu {}",
            p.as_str(),
            lat(&|c| c.perturb == Some(p), true)
        );
    }
    let mut slow: Vec<(f64, &str)> = cases
        .iter()
        .zip(&timed)
        .map(|(c, t)| (t.1, c.query.names[0].as_str()))
        .collect();
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (us, n) in slow.iter().take(5) {
        println!("  slowest (cpu): {us:>8.0} µs  {n}");
    }
    let strict = SearchOptions {
        threshold: embargo_match::DEFAULT_THRESHOLD,
        ..SearchOptions::default()
    };
    let real: Vec<Case> = cases
        .iter()
        .filter(|c| c.real)
        .map(|c| Case {
            query: c.query.clone(),
            expected: c.expected.clone(),
            perturb: c.perturb,
            real: true,
        })
        .collect();
    let at07 = Latency::of(
        time_queries(&index, &real, &strict)
            .into_iter()
            .map(|t| t.1)
            .collect(),
    );
    println!("real, threshold 0.7, cpu {at07}");

    // What the queries found (a sanity check, not a quality metric).
    let (mut top1, mut listed_n, mut false_alerts) = (0, 0, 0);
    let mut examples = Vec::new();
    for c in &cases {
        let hits = index.search(&c.query, &strict);
        match &c.expected {
            Some(id) => {
                listed_n += 1;
                top1 += usize::from(hits.first().is_some_and(|h| &h.id == id));
            }
            None if !c.real => {}
            None => {
                if let Some(h) = hits.first() {
                    false_alerts += 1;
                    if examples.len() < 8 {
                        examples.push(format!(
                            "{:.2}  {} → {}",
                            h.score, c.query.names[0], h.matched_name
                        ));
                    }
                }
            }
        }
    }
    println!(
        "found at rank 1 (≥ 0.7): {top1}/{listed_n} listed queries; real unlisted companies with a hit ≥ 0.7: {false_alerts}/{}",
        real.len() - listed_n
    );
    for e in &examples {
        println!("  unlisted company hit: {e}");
    }

    // Batch throughput, over the real names.
    let queries: Vec<Query> = real.iter().map(|c| c.query.clone()).collect();
    let (q1, q1_cpu) = throughput(&index, &queries, 1, 3);
    let (qn, qn_cpu) = throughput(&index, &queries, args.threads, 3);
    println!(
        "\n## Batch throughput ({} queries × 3 passes)",
        queries.len()
    );
    println!(
        "1 thread: {q1:.0} queries/s wall ({q1_cpu:.0} per CPU-second); {} threads: {qn:.0} \
         queries/s wall ({qn_cpu:.0} per CPU-second, i.e. {:.0}/s with {} idle cores)",
        args.threads,
        qn_cpu * args.threads as f64,
        args.threads
    );

    // Pair scoring.
    let pairs = support::dev_pairs(support::DEV_PAIRS)?;
    let w = Weights::bundled();
    let passes = args.pair_passes;
    let (fast_us, fast_cpu) = per_item(&pairs, passes, |p| {
        score_pair_fast(w, p.schema, &p.name1, &p.name2)
    });
    let (full_us, full_cpu) = per_item(&pairs, passes, |p| {
        score_pair(p.schema, &p.name1, &p.name2).score
    });
    // Names analysed beforehand (as the index holds its names, and as
    // nomenklatura's memoised pass has them): the comparison alone.
    let analysed: Vec<(Name, Name)> = pairs
        .iter()
        .map(|p| (Name::new(p.schema, &p.name1), Name::new(p.schema, &p.name2)))
        .collect();
    let (memo_us, memo_cpu) = per_item(&analysed, passes, |(a, b)| score_names(a, b).score);
    let scores: Vec<f64> = pairs
        .iter()
        .map(|p| score_pair(p.schema, &p.name1, &p.name2).score)
        .collect();
    let (pr, rc, f1) = support::f1(&pairs, &scores, embargo_match::DEFAULT_THRESHOLD);
    println!(
        "\n## Pair scoring ({} dev pairs, median of {} passes)",
        pairs.len(),
        args.pair_passes
    );
    println!(
        "score_pair_fast {fast_us:.2} µs/pair wall ({fast_cpu:.2} cpu); score_pair (with \
         explanation) {full_us:.2} µs/pair wall ({full_cpu:.2} cpu)"
    );
    println!(
        "score_names on names analysed beforehand (with explanation): {memo_us:.2} µs/pair wall \
         ({memo_cpu:.2} cpu)"
    );
    println!("embargo F1 at 0.7: {f1:.3} (precision {pr:.3}, recall {rc:.3})");

    // nomenklatura on the same pairs, in the same run.
    let nk = if args.nomenklatura {
        println!("\n## nomenklatura on the same pairs (wall time)");
        match run_nomenklatura(&args.python) {
            Ok(nk) => {
                println!(
                    "nomenklatura {} {} over {} pairs: {:.1} µs/pair with its name analysis \
                     memoised (second pass), {:.1} µs/pair for new names (first pass)",
                    nk.version, nk.algorithm, nk.pairs, nk.us_per_pair_memoised, nk.us_per_pair
                );
                println!(
                    "nomenklatura F1 at 0.7: {:.3} (precision {:.3}, recall {:.3}); embargo {f1:.3}",
                    nk.f1, nk.precision, nk.recall
                );
                let best = nk.us_per_pair.min(nk.us_per_pair_memoised);
                let best_cpu = nk.cpu_us_per_pair.min(nk.cpu_us_per_pair_memoised);
                println!(
                    "ratio on new names (both analyse every name; nomenklatura's first pass \
                     against score_pair with explanation): {:.0}× wall; on names analysed \
                     beforehand (nomenklatura's memoised pass against score_names): {:.0}× wall",
                    nk.us_per_pair / full_us,
                    nk.us_per_pair_memoised / memo_us
                );
                println!(
                    "nomenklatura cpu: {:.1} µs/pair new names, {:.1} memoised",
                    nk.cpu_us_per_pair, nk.cpu_us_per_pair_memoised
                );
                println!(
                    "ratio nomenklatura / embargo (nomenklatura's faster pass against score_pair \
                     with explanation): {:.0}× in wall time, {:.0}× in cpu time; against \
                     score_pair_fast: {:.0}× wall",
                    best / full_us,
                    best_cpu / full_cpu,
                    best / fast_us
                );
                Some(nk)
            }
            Err(e) => {
                println!("nomenklatura skipped: {e}");
                None
            }
        }
    } else {
        None
    };

    println!("\nload average at end: {}", support::loadavg());
    println!("\n## Targets (pass/miss judged on CPU time, wall time beside it)");
    println!("| measure | target | measured | |");
    println!("|---|---|---|---|");
    println!(
        "| index build (first) | < 500 ms | {:.0} ms cpu, {:.0} ms wall (warm median {:.0} ms cpu) | {} |",
        build_cold_cpu / 1e3,
        build_cold / 1e3,
        build_warm_cpu / 1e3,
        pass(build_cold_cpu < 500_000.0)
    );
    println!(
        "| query p50 (1,000 real names) | < 100 µs | {:.0} µs cpu, {:.0} µs wall | {} |",
        all_cpu.p50,
        all.p50,
        pass(all_cpu.p50 < 100.0)
    );
    println!(
        "| query p99 (1,000 real names) | < 1 ms | {:.0} µs cpu, {:.0} µs wall | {} |",
        all_cpu.p99,
        all.p99,
        pass(all_cpu.p99 < 1000.0)
    );
    let batch = qn_cpu * args.threads as f64;
    println!(
        "| batch, {} threads | > 20,000 q/s | {batch:.0} q/s from cpu time, {qn:.0} q/s wall | {} |",
        args.threads,
        pass(batch > 20_000.0)
    );
    println!(
        "| pair scoring | < 5 µs | {full_cpu:.2} µs cpu, {full_us:.2} µs wall ({fast_cpu:.2} µs cpu fast path) | {} |",
        pass(full_cpu < 5.0)
    );
    println!(
        "| memory with index | — | {:.0} MiB VmRSS, {:.0} MiB VmHWM | |",
        mib(m2.rss_kb),
        mib(m2.hwm_kb)
    );
    if let Some(nk) = nk {
        let (new_names, analysed) = (nk.us_per_pair / full_us, nk.us_per_pair_memoised / memo_us);
        let judge = |r: f64| if r >= 100.0 { "ok" } else { "MISS" };
        println!(
            "| nomenklatura logic-v2 | 100× slower | {:.0} µs/pair new names, {:.0} µs memoised (wall): \
             {new_names:.0}× embargo on new names, {analysed:.0}× on names analysed beforehand | {} on new \
             names, {} on analysed names |",
            nk.us_per_pair,
            nk.us_per_pair_memoised,
            judge(new_names),
            judge(analysed)
        );
    }
    Ok(())
}

/// The time one item costs, in µs (wall, cpu): a warm-up pass, then
/// `passes` passes each timed alone, the median pass reported, so that a
/// moment of contention on a shared machine does not decide.
fn per_item<T>(items: &[T], passes: usize, f: impl Fn(&T) -> f64) -> (f64, f64) {
    for it in items {
        black_box(f(it));
    }
    let mut times: Vec<(f64, f64)> = (0..passes.max(1))
        .map(|_| {
            let t = Timer::start();
            for it in items {
                black_box(f(it));
            }
            t.us()
        })
        .collect();
    times.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (wall, cpu) = times[times.len() / 2];
    let n = items.len().max(1) as f64;
    (wall / n, cpu / n)
}
