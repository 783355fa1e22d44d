//! Shared helpers for the matching benches and the benchmark examples:
//! loading the bundled lists, a deterministic random source, query
//! perturbation, synthetic names drawn from real name tokens, latency
//! percentiles and process memory.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::error::Error;
use std::path::Path;

use embargo_match::Record;
use embargo_model::{NameKind, RawFile, Schema};
use embargo_sources::OfacList;

/// OFAC SDN export of July 2021.
pub const SDN_2021: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ofac/sdn_2021-07");
/// OFAC consolidated export of December 2025.
pub const CONS_2025: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ofac/cons_2025-12");
/// The shared matching dev pairs.
pub const DEV_PAIRS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/eval/dev_pairs.csv"
);
/// The matcher's legal-form table.
pub const LEGAL_FORMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/legal_forms.tsv");

/// A boxed error for the bench programs.
pub type BoxError = Box<dyn Error + Send + Sync>;

fn ofac_files(dir: &str, list: OfacList) -> Result<Vec<RawFile>, BoxError> {
    let mut files = Vec::new();
    for name in list.file_names() {
        let path = Path::new(dir).join(name);
        if path.exists() {
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            files.push(RawFile::new(name, bytes));
        }
    }
    Ok(files)
}

/// The bundled lists as index records: SDN 2021-07, consolidated 2025-12
/// and the DoD 1237 / 1260H files.
pub fn bundled_records() -> Result<Vec<Record>, BoxError> {
    let sdn = embargo_sources::ofac::parse(OfacList::Sdn, &ofac_files(SDN_2021, OfacList::Sdn)?)?;
    let cons =
        embargo_sources::ofac::parse(OfacList::Cons, &ofac_files(CONS_2025, OfacList::Cons)?)?;
    let dod = embargo_sources::dod::parse(&embargo_sources::bundled_dod_files())?;
    let mut recs = Vec::new();
    for ds in std::iter::once(&sdn).chain(&[cons]).chain(&dod) {
        recs.extend(ds.entities.iter().map(Record::from_entity));
    }
    Ok(recs)
}

/// A labelled pair of names from `dev_pairs.csv`.
#[derive(Debug, Clone)]
pub struct Pair {
    pub schema: Schema,
    pub name1: String,
    pub name2: String,
    pub is_match: bool,
}

/// Reads `dev_pairs.csv` (or another file of the same shape).
pub fn dev_pairs(path: &str) -> Result<Vec<Pair>, BoxError> {
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{path}: {e}"))?;
    let h = r.headers()?.clone();
    let col = |n: &str| {
        h.iter()
            .position(|c| c == n)
            .ok_or_else(|| format!("{path}: no column {n}"))
    };
    let (cs, c1, c2, cm) = (
        col("schema")?,
        col("name1")?,
        col("name2")?,
        col("is_match")?,
    );
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec?;
        let get = |i: usize| rec.get(i).unwrap_or("").to_string();
        out.push(Pair {
            schema: Schema::parse(&get(cs)).unwrap_or(Schema::LegalEntity),
            name1: get(c1),
            name2: get(c2),
            is_match: get(cm).eq_ignore_ascii_case("true"),
        });
    }
    Ok(out)
}

/// Precision, recall and F1 of `scores` against the labels at `threshold`.
pub fn f1(pairs: &[Pair], scores: &[f64], threshold: f64) -> (f64, f64, f64) {
    let (mut tp, mut fp, mut fneg) = (0u32, 0u32, 0u32);
    for (p, &s) in pairs.iter().zip(scores) {
        match (s >= threshold, p.is_match) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fneg += 1,
            (false, false) => {}
        }
    }
    let p = f64::from(tp) / f64::from((tp + fp).max(1));
    let r = f64::from(tp) / f64::from((tp + fneg).max(1));
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// SplitMix64: small, fast, deterministic.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// How a listed name was altered to make a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Perturb {
    Exact,
    DropToken,
    Swap,
    Typo,
}

impl Perturb {
    pub fn as_str(self) -> &'static str {
        match self {
            Perturb::Exact => "exact",
            Perturb::DropToken => "drop-token",
            Perturb::Swap => "swap",
            Perturb::Typo => "typo",
        }
    }
}

fn words(name: &str) -> Vec<&str> {
    name.split_whitespace().collect()
}

/// One typo in a random word of four letters or more: a substitution,
/// deletion, insertion or transposition. `None` if no word is long enough.
pub fn typo(name: &str, rng: &mut Rng) -> Option<String> {
    let mut ws: Vec<String> = words(name).into_iter().map(str::to_string).collect();
    let long: Vec<usize> = (0..ws.len())
        .filter(|&i| ws[i].chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .collect();
    if long.is_empty() {
        return None;
    }
    let wi = long[rng.below(long.len())];
    let mut cs: Vec<char> = ws[wi].chars().collect();
    // Keep the first letter: typos there are rare and a different problem.
    let at = 1 + rng.below(cs.len() - 1);
    // A Latin letter other than `like`, in its case.
    let letter = |rng: &mut Rng, like: char| {
        let base = like.to_ascii_lowercase();
        let mut c = (b'a' + rng.below(26) as u8) as char;
        if c == base {
            c = if c == 'z' { 'a' } else { (c as u8 + 1) as char };
        }
        if like.is_uppercase() {
            c.to_ascii_uppercase()
        } else {
            c
        }
    };
    let (i, j) = if at + 1 < cs.len() {
        (at, at + 1)
    } else {
        (at - 1, at)
    };
    match rng.below(4) {
        0 => cs[at] = letter(rng, cs[at]),
        2 => {
            let c = letter(rng, cs[at]);
            cs.insert(at, c);
        }
        3 if cs[i] != cs[j] => cs.swap(i, j),
        _ => {
            cs.remove(at);
        }
    }
    ws[wi] = cs.into_iter().collect();
    Some(ws.join(" "))
}

/// Alters a name: leaves it, drops a word (three words or more), swaps two
/// adjacent words, or makes a typo. Falls back to the exact name when the
/// drawn change does not apply.
pub fn perturb(name: &str, rng: &mut Rng) -> (String, Perturb) {
    let plain = name.replace(',', " ");
    let ws = words(&plain);
    match rng.below(4) {
        1 if ws.len() >= 3 => {
            let mut ws = ws;
            ws.remove(rng.below(ws.len()));
            (ws.join(" "), Perturb::DropToken)
        }
        2 if ws.len() >= 2 => {
            let mut ws = ws;
            let i = rng.below(ws.len() - 1);
            ws.swap(i, i + 1);
            (ws.join(" "), Perturb::Swap)
        }
        3 => match typo(name, rng) {
            Some(t) => (t, Perturb::Typo),
            None => (name.to_string(), Perturb::Exact),
        },
        _ => (name.to_string(), Perturb::Exact),
    }
}

/// A frequency distribution of tokens to draw from.
#[derive(Debug, Default)]
pub struct Vocab {
    tokens: Vec<String>,
    cum: Vec<u64>,
}

impl Vocab {
    pub fn from_counts(counts: HashMap<String, u64>) -> Vocab {
        let mut v: Vec<(String, u64)> = counts.into_iter().collect();
        v.sort();
        let mut total = 0;
        let mut out = Vocab::default();
        for (t, n) in v {
            total += n;
            out.tokens.push(t);
            out.cum.push(total);
        }
        out
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// A token, drawn with its frequency.
    pub fn sample(&self, rng: &mut Rng) -> &str {
        let total = self.cum.last().copied().unwrap_or(0);
        if total == 0 {
            return "";
        }
        let x = rng.next_u64() % total;
        let i = self.cum.partition_point(|&c| c <= x);
        &self.tokens[i.min(self.tokens.len() - 1)]
    }
}

/// Token distributions of the bundled names, split by role, to generate
/// realistic synthetic names.
#[derive(Debug)]
pub struct NameModel {
    pub given: Vocab,
    pub family: Vocab,
    pub company: Vocab,
    pub legal: Vocab,
}

fn clean(w: &str) -> &str {
    w.trim_matches(|c: char| !c.is_alphanumeric())
}

fn legal_forms() -> HashSet<String> {
    std::fs::read_to_string(LEGAL_FORMS)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(1))
        .map(|f| f.trim().to_lowercase())
        .filter(|f| !f.is_empty())
        .collect()
}

impl NameModel {
    /// Counts the tokens of every name of `records`: given and family names
    /// of persons (OFAC writes `FAMILY, Given`), words and legal forms of
    /// companies and organisations.
    pub fn from_records(records: &[Record]) -> NameModel {
        let forms = legal_forms();
        let mut given: HashMap<String, u64> = HashMap::new();
        let mut family: HashMap<String, u64> = HashMap::new();
        let mut company: HashMap<String, u64> = HashMap::new();
        let mut legal: HashMap<String, u64> = HashMap::new();
        let add = |m: &mut HashMap<String, u64>, w: &str| {
            let w = clean(w);
            if w.chars().any(char::is_alphabetic) {
                *m.entry(w.to_string()).or_default() += 1;
            }
        };
        for r in records {
            for (name, _) in &r.names {
                match r.schema {
                    Schema::Person => {
                        let (fam, giv) = match name.split_once(',') {
                            Some((f, g)) => (f, g),
                            None => match name.rsplit_once(' ') {
                                Some((g, f)) => (f, g),
                                None => continue,
                            },
                        };
                        fam.split_whitespace().for_each(|w| add(&mut family, w));
                        giv.split_whitespace().for_each(|w| add(&mut given, w));
                    }
                    Schema::Vessel | Schema::Airplane => {}
                    _ => {
                        let ws: Vec<&str> = name.split_whitespace().collect();
                        let mut cut = ws.len();
                        for k in (1..=3.min(ws.len().saturating_sub(1))).rev() {
                            let tail = ws[ws.len() - k..]
                                .iter()
                                .map(|w| clean(w).to_lowercase())
                                .collect::<Vec<_>>()
                                .join(" ");
                            if forms.contains(&tail) {
                                cut = ws.len() - k;
                                let form = ws[cut..].join(" ");
                                *legal.entry(form.trim_matches(',').to_string()).or_default() += 1;
                                break;
                            }
                        }
                        ws[..cut].iter().for_each(|w| add(&mut company, w));
                    }
                }
            }
        }
        NameModel {
            given: Vocab::from_counts(given),
            family: Vocab::from_counts(family),
            company: Vocab::from_counts(company),
            legal: Vocab::from_counts(legal),
        }
    }

    /// `Given [Given] Family [Family]`.
    pub fn person(&self, rng: &mut Rng) -> String {
        let mut s = self.given.sample(rng).to_string();
        if rng.chance(0.4) {
            s.push(' ');
            s.push_str(self.given.sample(rng));
        }
        s.push(' ');
        s.push_str(self.family.sample(rng));
        if rng.chance(0.2) {
            s.push(' ');
            s.push_str(self.family.sample(rng));
        }
        s
    }

    /// Two to four words, then a legal form most of the time.
    pub fn company(&self, rng: &mut Rng) -> String {
        let n = 2 + rng.below(3);
        let mut s: Vec<&str> = (0..n).map(|_| self.company.sample(rng)).collect();
        if rng.chance(0.8) {
            s.push(self.legal.sample(rng));
        }
        s.join(" ")
    }
}

/// `n` synthetic parties drawn from `model`: 40 % persons, 60 % companies,
/// a fifth with a second name (an alias), ids `synthetic:<i>` on the list
/// `synthetic`.
pub fn synthetic(model: &NameModel, n: usize, rng: &mut Rng) -> Vec<Record> {
    (0..n)
        .map(|i| {
            let person = rng.chance(0.4);
            let gen = |rng: &mut Rng| {
                if person {
                    model.person(rng)
                } else {
                    model.company(rng)
                }
            };
            let schema = if person {
                Schema::Person
            } else {
                Schema::Company
            };
            let mut r = Record::new(format!("synthetic:{i}"), "synthetic", schema, gen(rng));
            if rng.chance(0.2) {
                r.names.push((gen(rng), NameKind::Alias));
            }
            r
        })
        .collect()
}

/// Resident memory of this process, in KiB (`VmRSS`, `VmHWM`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Mem {
    pub rss_kb: u64,
    pub hwm_kb: u64,
}

/// Reads `/proc/self/status`; zeros where it is not available.
pub fn mem() -> Mem {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |k: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Mem {
        rss_kb: field("VmRSS:"),
        hwm_kb: field("VmHWM:"),
    }
}

/// CPU time consumed by the calling thread, in ns
/// (`CLOCK_THREAD_CPUTIME_ID`); 0 if the clock is not available. Unlike
/// wall time it leaves out the time the thread waited for a core, which
/// matters on a machine shared with other work.
pub fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the whole call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64
}

/// Wall and thread CPU time of a stretch of work.
#[derive(Debug, Clone, Copy)]
pub struct Timer {
    wall: std::time::Instant,
    cpu_ns: u64,
}

impl Timer {
    pub fn start() -> Timer {
        Timer {
            wall: std::time::Instant::now(),
            cpu_ns: thread_cpu_ns(),
        }
    }

    /// Elapsed (wall, CPU) in µs.
    pub fn us(&self) -> (f64, f64) {
        let cpu = thread_cpu_ns().saturating_sub(self.cpu_ns) as f64 / 1e3;
        (self.wall.elapsed().as_secs_f64() * 1e6, cpu)
    }
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`), for the record:
/// figures taken on a busy machine are slower in wall time.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// KiB as MiB.
pub fn mib(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// Latency percentiles, in µs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Latency {
    pub n: usize,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Latency {
    /// Percentiles of samples in µs (nearest rank).
    pub fn of(mut us: Vec<f64>) -> Latency {
        if us.is_empty() {
            return Latency::default();
        }
        us.sort_by(f64::total_cmp);
        let pct = |p: f64| us[((us.len() as f64 * p).ceil() as usize).clamp(1, us.len()) - 1];
        Latency {
            n: us.len(),
            mean: us.iter().sum::<f64>() / us.len() as f64,
            p50: pct(0.50),
            p90: pct(0.90),
            p99: pct(0.99),
            max: pct(1.0),
        }
    }
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "n={:<5} p50 {:>7.1} µs  p90 {:>7.1} µs  p99 {:>7.1} µs  max {:>8.1} µs  mean {:>7.1} µs",
            self.n, self.p50, self.p90, self.p99, self.max, self.mean
        )
    }
}
