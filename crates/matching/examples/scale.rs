//! Scale test of the matcher: indexes of N synthetic parties built from
//! real name tokens, for N = 10k, 100k and 1M by default.
//!
//! Tokens are drawn with their frequencies in the bundled lists: persons as
//! one or two given names and one or two family names, companies as two to
//! four words and, mostly, a legal form. A fifth of the parties get a
//! second name. Each N runs in a child process so that its peak resident
//! memory (VmHWM) is its own. Queries are 1,000 listed names (left exact,
//! a word dropped, two words swapped or a typo) and 1,000 fresh names.
//!
//! ```text
//! cargo run --release -p embargo-match --example scale -- [N ...] [--threads T]
//! # one size in this process, the queries searched R more times (to
//! # profile), each query's outcome written to FILE:
//! target/release/examples/scale --one N [--repeat R] [--dump FILE]
//! # compares dumps of the same N made by two builds (the first is the
//! # reference): best hits lower or higher, hits >= 0.7 lost or gained
//! target/release/examples/scale --compare REF.tsv OTHER.tsv ...
//! ```

use std::collections::{BTreeMap, HashSet};
use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use embargo_match::{Index, Query, SearchOptions};
use embargo_model::Schema;

#[path = "../benches/support/mod.rs"]
mod support;

use support::{mem, mib, synthetic, BoxError, Latency, NameModel, Rng, Timer};

const QUERIES: usize = 1000;

/// Figures of one run, passed from the child as `key=value` words.
#[derive(Debug, Default, Clone)]
struct Run(BTreeMap<String, f64>);

impl Run {
    fn set(&mut self, k: &str, v: f64) {
        self.0.insert(k.to_string(), v);
    }

    fn lat(&mut self, prefix: &str, l: &Latency) {
        for (k, v) in [
            ("p50", l.p50),
            ("p90", l.p90),
            ("p99", l.p99),
            ("max", l.max),
        ] {
            self.set(&format!("{prefix}_{k}"), v);
        }
    }

    fn get(&self, k: &str) -> f64 {
        self.0.get(k).copied().unwrap_or(f64::NAN)
    }

    fn encode(&self) -> String {
        let kv: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("RESULT {}", kv.join(" "))
    }

    fn decode(line: &str) -> Result<Run, BoxError> {
        let mut r = Run::default();
        for kv in line.split_whitespace().skip(1) {
            let (k, v) = kv.split_once('=').ok_or("bad RESULT line")?;
            r.set(k, v.parse()?);
        }
        Ok(r)
    }
}

fn name_key(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.to_lowercase().hash(&mut h);
    h.finish()
}

/// How a child run is made.
#[derive(Debug, Clone, Default)]
struct Args {
    threads: usize,
    /// Extra passes over the queries (for a profiler).
    repeat: usize,
    /// A file to write each query's outcome to (to compare two builds).
    dump: Option<String>,
}

fn one(n: usize, args: &Args) -> Result<Run, BoxError> {
    let threads = args.threads;
    let model = NameModel::from_records(&support::bundled_records()?);
    let mut rng = Rng::new(0x5ca1e ^ n as u64);
    let m0 = mem();
    let recs = synthetic(&model, n, &mut rng);
    let names: usize = recs.iter().map(|r| r.names.len()).sum();
    let m1 = mem();
    let t = Timer::start();
    let index = Index::build(recs);
    let (build_wall, build_cpu) = t.us();
    let m2 = mem();

    let listed: HashSet<u64> = index
        .records()
        .iter()
        .flat_map(|r| r.names.iter().map(|(n, _)| name_key(n)))
        .collect();
    let mut cases: Vec<(Query, Option<usize>)> = (0..QUERIES)
        .map(|_| {
            let i = rng.below(index.len());
            let r = index.record(i);
            let (q, _) = support::perturb(r.caption(), &mut rng);
            (Query::name(r.schema, q), Some(i))
        })
        .collect();
    while cases.len() < 2 * QUERIES {
        let (schema, name) = if rng.chance(0.6) {
            (Schema::Company, model.company(&mut rng))
        } else {
            (Schema::Person, model.person(&mut rng))
        };
        if !listed.contains(&name_key(&name)) {
            cases.push((Query::name(schema, name), None));
        }
    }
    drop(listed);

    let opts = SearchOptions::default();
    for (q, _) in cases.iter().step_by(5) {
        black_box(index.search(q, &opts));
    }
    let (mut top1, mut top1_tie, mut found, mut miss_07) = (0, 0, 0, 0);
    let (mut wall, mut cpu, mut cpu_listed, mut cpu_miss) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut dump = String::new();
    for (qi, (q, expected)) in cases.iter().enumerate() {
        let t = Timer::start();
        let hits = index.search(q, &opts);
        let (w, c) = t.us();
        wall.push(w);
        cpu.push(c);
        let best = hits.first().map_or(-1.0, |h| h.score);
        let mine = expected.and_then(|i| hits.iter().find(|h| h.record == i));
        match expected {
            Some(i) => {
                cpu_listed.push(c);
                top1 += usize::from(hits.first().is_some_and(|h| h.record == *i));
                // Rank 1 up to ties with other records (duplicate names).
                top1_tie += usize::from(mine.is_some_and(|h| h.score >= best));
                found += usize::from(mine.is_some());
            }
            None => {
                cpu_miss.push(c);
                miss_07 += usize::from(best >= 0.7);
            }
        }
        if args.dump.is_some() {
            use std::fmt::Write;
            let _ = writeln!(
                dump,
                "{qi}\t{}\t{}\t{best:.4}\t{}\t{}",
                expected.map_or("-".to_string(), |i| index.record(i).id.clone()),
                hits.first().map_or("-", |h| h.id.as_str()),
                mine.map_or("-".to_string(), |h| format!("{:.4}", h.score)),
                q.names.first().map_or("", String::as_str),
            );
        }
    }
    if let Some(path) = &args.dump {
        std::fs::write(path, dump)?;
    }

    // Extra passes over the queries, for a profiler to see the search
    // rather than the build.
    for _ in 0..args.repeat {
        for (q, _) in &cases {
            black_box(index.search(q, &opts));
        }
    }

    let queries: Vec<&Query> = cases.iter().map(|(q, _)| q).collect();
    let chunk = queries.len().div_ceil(threads);
    let t = Instant::now();
    let batch_cpu_us: f64 = std::thread::scope(|s| {
        let workers: Vec<_> = queries
            .chunks(chunk)
            .map(|part| {
                let (index, opts) = (&index, &opts);
                s.spawn(move || {
                    let t = Timer::start();
                    for q in part {
                        black_box(index.search(q, opts));
                    }
                    t.us().1
                })
            })
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).sum()
    });
    let batch_wall = t.elapsed().as_secs_f64();

    let mut r = Run::default();
    r.set("n", n as f64);
    r.set("names", names as f64);
    r.set("build_s", build_wall / 1e6);
    r.set("build_cpu_s", build_cpu / 1e6);
    r.set("rss_base_mb", mib(m0.rss_kb));
    r.set("rss_records_mb", mib(m1.rss_kb));
    r.set("rss_index_mb", mib(m2.rss_kb));
    r.set("hwm_mb", mib(m2.hwm_kb));
    r.set("qps", queries.len() as f64 / batch_wall);
    r.set(
        "qps_cpu",
        queries.len() as f64 / (batch_cpu_us / 1e6) * threads as f64,
    );
    r.set("top1", top1 as f64);
    r.set("top1_tie", top1_tie as f64);
    r.set("found", found as f64);
    r.set("miss_07", miss_07 as f64);
    r.lat("wall", &Latency::of(wall));
    r.lat("cpu", &Latency::of(cpu));
    r.lat("listed", &Latency::of(cpu_listed));
    r.lat("miss", &Latency::of(cpu_miss));
    Ok(r)
}

/// One query's outcome as `--dump` writes it.
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    listed: bool,
    best: f64,
    /// The score of the expected record, if it was returned.
    mine: Option<f64>,
}

fn read_dump(path: &str) -> Result<Vec<Outcome>, BoxError> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 5 {
            return Err(format!("{path}: bad line {line:?}").into());
        }
        out.push(Outcome {
            listed: f[1] != "-",
            best: f[3].parse()?,
            mine: f[4].parse().ok(),
        });
    }
    Ok(out)
}

/// Compares the `--dump` files of the same queries (same N, same seed):
/// the first is the reference (for instance a build that compares every
/// candidate), the others are measured against it.
fn compare(files: &[String]) -> Result<(), BoxError> {
    let (first, others) = files
        .split_first()
        .ok_or("--compare REF.tsv OTHER.tsv ...")?;
    let r = read_dump(first)?;
    let eps = 1e-4;
    println!("against {first} ({} queries):", r.len());
    for path in others {
        let o = read_dump(path)?;
        if o.len() != r.len() {
            return Err(format!("{path}: {} queries, not {}", o.len(), r.len()).into());
        }
        let (mut lower_listed, mut lower_miss, mut higher, mut lost, mut gained) = (0, 0, 0, 0, 0);
        let (mut top1, mut found) = (0, 0);
        for (a, b) in r.iter().zip(&o) {
            if b.best < a.best - eps {
                if a.listed {
                    lower_listed += 1;
                } else {
                    lower_miss += 1;
                }
            }
            higher += usize::from(b.best > a.best + eps);
            lost += usize::from(a.best >= 0.7 && b.best < 0.7);
            gained += usize::from(a.best < 0.7 && b.best >= 0.7);
            top1 += usize::from(b.mine.is_some_and(|m| m >= b.best));
            found += usize::from(b.mine.is_some());
        }
        println!(
            "  {path}: best hit lower on {lower_listed} listed and {lower_miss} fresh queries, higher on {higher}; \
             hits >= 0.7 lost {lost}, gained {gained}; expected record at rank 1 (ties included) {top1}, returned {found}"
        );
    }
    Ok(())
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.1}×", a / b)
    } else {
        "—".into()
    }
}

fn main() -> Result<(), BoxError> {
    let mut sizes = Vec::new();
    let mut args = Args {
        threads: 2,
        ..Args::default()
    };
    let mut child = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--threads" => args.threads = it.next().ok_or("--threads T")?.parse::<usize>()?.max(1),
            "--one" => child = Some(it.next().ok_or("--one N")?.parse::<usize>()?),
            "--repeat" => args.repeat = it.next().ok_or("--repeat R")?.parse::<usize>()?,
            "--dump" => args.dump = Some(it.next().ok_or("--dump FILE")?),
            "--compare" => {
                let files: Vec<String> = it.by_ref().collect();
                return compare(&files);
            }
            n => sizes.push(n.replace('_', "").parse::<usize>()?),
        }
    }
    let threads = args.threads;
    if let Some(n) = child {
        println!("{}", one(n.max(1), &args)?.encode());
        return Ok(());
    }
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000, 1_000_000];
    }

    let exe = std::env::current_exe()?;
    let mut runs: Vec<Run> = Vec::new();
    println!("# embargo-match scale test ({threads} threads for the batch figure)");
    for &n in &sizes {
        eprintln!("running N = {n} …");
        let out = Command::new(&exe)
            .args(["--one", &n.to_string(), "--threads", &threads.to_string()])
            .output()?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "N = {n} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )
            .into());
        }
        let line = stdout
            .lines()
            .find(|l| l.starts_with("RESULT "))
            .ok_or("no RESULT line from the child")?;
        runs.push(Run::decode(line)?);
    }

    println!("\nload average: {}", support::loadavg());
    println!("latencies are the query thread's CPU time (wall time beside it); q/s is projected from CPU time on {threads} idle cores\n");
    println!("| N | names | build (cpu / wall) | VmRSS records → with index | VmHWM | p50 | p90 | p99 | max | p50 wall / p99 wall | p50 listed / miss | q/s ({threads} cores) | rank-1 | rank-1 with ties | in top 10 | misses ≥ 0.7 |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &runs {
        println!(
            "| {} | {} | {:.2} / {:.2} s | {:.0} → {:.0} MiB | {:.0} MiB | {:.0} µs | {:.0} µs | {:.0} µs | {:.0} µs | {:.0} / {:.0} µs | {:.0} / {:.0} µs | {:.0} | {}/{} | {} | {} | {}/{} |",
            r.get("n"),
            r.get("names"),
            r.get("build_cpu_s"),
            r.get("build_s"),
            r.get("rss_records_mb"),
            r.get("rss_index_mb"),
            r.get("hwm_mb"),
            r.get("cpu_p50"),
            r.get("cpu_p90"),
            r.get("cpu_p99"),
            r.get("cpu_max"),
            r.get("wall_p50"),
            r.get("wall_p99"),
            r.get("listed_p50"),
            r.get("miss_p50"),
            r.get("qps_cpu"),
            r.get("top1"),
            QUERIES,
            r.get("top1_tie"),
            r.get("found"),
            r.get("miss_07"),
            QUERIES
        );
    }
    if runs.len() > 1 {
        println!("\nGrowth between consecutive sizes (CPU time):");
        for w in runs.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            let g = |k: &str| ratio(b.get(k), a.get(k));
            println!(
                "  {} → {} (×{:.0} records): build {}, VmHWM {}, index RSS {}, p50 {}, p99 {}",
                a.get("n"),
                b.get("n"),
                b.get("n") / a.get("n"),
                g("build_cpu_s"),
                g("hwm_mb"),
                g("rss_index_mb"),
                g("cpu_p50"),
                g("cpu_p99")
            );
        }
    }
    if let Some(r) = runs.iter().find(|r| r.get("n") == 1e6) {
        let ok = |b: bool| if b { "ok" } else { "MISS" };
        let (b, h, p) = (r.get("build_cpu_s"), r.get("hwm_mb"), r.get("cpu_p50"));
        println!("\nTargets at 1M:");
        println!(
            "  build < 30 s: {b:.1} s cpu ({:.1} s wall) {}",
            r.get("build_s"),
            ok(b < 30.0)
        );
        println!("  resident < 2 GB: VmHWM {h:.0} MiB {}", ok(h < 2048.0));
        println!(
            "  p50 < 1 ms: {p:.0} µs cpu ({:.0} µs wall) {}",
            r.get("wall_p50"),
            ok(p < 1000.0)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::support::{perturb, typo, Latency, Perturb, Rng, Vocab};
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let l = Latency::of((1..=100).map(f64::from).collect());
        assert_eq!((l.p50, l.p99, l.max), (50.0, 99.0, 100.0));
    }

    #[test]
    fn typo_changes_one_word() {
        let mut rng = Rng::new(7);
        for _ in 0..100 {
            let t = typo("Banco Nacional", &mut rng).unwrap();
            assert_ne!(t, "Banco Nacional");
            assert!(t.starts_with("Banco ") || t.ends_with(" Nacional"), "{t}");
        }
        assert!(typo("AB CD", &mut rng).is_none());
    }

    #[test]
    fn perturbations_keep_the_other_words() {
        let mut rng = Rng::new(1);
        let mut seen = HashSet::new();
        for _ in 0..200 {
            let (q, p) = perturb("GONZALEZ VALENCIA, Abigael", &mut rng);
            seen.insert(p);
            let words: Vec<&str> = q.split_whitespace().collect();
            match p {
                Perturb::Exact => assert_eq!(q, "GONZALEZ VALENCIA, Abigael"),
                Perturb::DropToken => assert_eq!(words.len(), 2),
                Perturb::Swap => {
                    let mut a = words.clone();
                    a.sort();
                    assert_eq!(a, ["Abigael", "GONZALEZ", "VALENCIA"]);
                }
                Perturb::Typo => assert_eq!(words.len(), 3),
            }
        }
        assert_eq!(seen.len(), 4);
    }

    #[test]
    fn vocab_draws_by_frequency() {
        let v = Vocab::from_counts([("a".to_string(), 9), ("b".to_string(), 1)].into());
        let mut rng = Rng::new(3);
        let a = (0..10_000).filter(|_| v.sample(&mut rng) == "a").count();
        assert!((8_700..9_300).contains(&a), "{a}");
    }

    #[test]
    fn synthetic_names_use_listed_tokens() {
        let recs = support::bundled_records().unwrap();
        let model = NameModel::from_records(&recs);
        assert!(model.given.len() > 1000 && model.company.len() > 1000);
        assert!(model.legal.len() > 10);
        let mut rng = Rng::new(9);
        let synth = synthetic(&model, 100, &mut rng);
        assert_eq!(synth.len(), 100);
        for r in &synth {
            let n = r.caption().split_whitespace().count();
            match r.schema {
                Schema::Person => assert!((2..=4).contains(&n), "{}", r.caption()),
                _ => assert!(n >= 2, "{}", r.caption()),
            }
        }
    }

    #[test]
    fn results_round_trip() {
        let mut r = Run::default();
        r.set("n", 1000.0);
        r.lat("cpu", &Latency::of(vec![1.0, 2.0, 3.0]));
        let back = Run::decode(&r.encode()).unwrap();
        assert_eq!(back.get("n"), 1000.0);
        assert_eq!(back.get("cpu_p50"), 2.0);
    }
}
