//! screen, score-pairs, eval.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use embargo_engine::{ScreenOptions, Snapshot};
use embargo_match::Query;
use embargo_model::{IdKind, PartialDate, Schema};
use indicatif::{ProgressBar, ProgressStyle};

use super::{parse_date, Ctx, EXIT_HITS};
use crate::output::{print_json, Format, Table};

#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// One name to screen.
    #[arg(long, conflicts_with = "input")]
    pub name: Option<String>,
    /// A CSV file of queries: query_id,schema,name[,country,birth_date,isin,ticker,uscc,lei].
    #[arg(long, short)]
    pub input: Option<PathBuf>,
    /// The schema of a --name query (Person, Company, Organization, Vessel, Airplane, Security).
    #[arg(long)]
    pub schema: Option<String>,
    /// Country of a --name query (ISO alpha-2).
    #[arg(long)]
    pub country: Option<String>,
    /// Birth date of a --name query (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long)]
    pub birth_date: Option<String>,
    /// Identifiers of a --name query, as kind:value (isin:US16941M1099, ticker:941 HK, uscc:…, lei:…).
    #[arg(long = "id")]
    pub ids: Vec<String>,
    /// Only these lists (comma-separated dataset keys, e.g. us_ofac_sdn,us_ofac_ns_cmic).
    #[arg(long, value_delimiter = ',')]
    pub lists: Option<Vec<String>>,
    /// Screen against the list versions in force on this date (YYYY-MM-DD).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Candidates per query.
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
    /// Report candidates scoring at least this much.
    #[arg(long, default_value_t = 0.7)]
    pub threshold: f64,
}

#[derive(Debug, Args)]
pub struct ScorePairsArgs {
    /// A CSV with a header holding at least schema,name1,name2 (`-` for stdin).
    pub input: PathBuf,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labelled pairs (case_group,schema,name1,name2,is_match).
    #[arg(long, default_values = ["../shared/eval/dev_pairs.csv", "eval/script_pairs.csv"])]
    pub pairs: Vec<PathBuf>,
    /// Chinese↔English labelled pairs.
    #[arg(long, default_values = ["../shared/eval/dev_cjk_pairs.csv", "eval/cjk_companies.csv"])]
    pub cjk: Vec<PathBuf>,
    /// Retrieval queries (query_id,schema,name,expected_source,expected_ref).
    #[arg(long, default_value = "../shared/eval/dev_queries.csv")]
    pub queries: Option<PathBuf>,
    /// Names of parties that are on no list (query_id,schema,name): each one
    /// with a candidate at or above the threshold is a false alarm.
    #[arg(long, default_value = "eval/unlisted_companies.csv")]
    pub negatives: Option<PathBuf>,
    /// The decision threshold.
    #[arg(long, default_value_t = 0.7)]
    pub threshold: f64,
}

fn parse_ids(ids: &[String]) -> anyhow::Result<Vec<(IdKind, String)>> {
    ids.iter()
        .map(|s| {
            let Some((k, v)) = s.split_once(':') else {
                bail!("identifier '{s}' must be written kind:value, e.g. isin:US16941M1099");
            };
            Ok((
                IdKind::parse(&k.trim().to_ascii_lowercase()),
                v.trim().to_string(),
            ))
        })
        .collect()
}

fn parse_schema(s: Option<&str>) -> anyhow::Result<Option<Schema>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Schema::parse(s)
            .map(Some)
            .with_context(|| format!("unknown schema '{s}': use Person, Company, Organization, LegalEntity, Vessel, Airplane or Security")),
    }
}

fn parse_birth(s: Option<&str>) -> anyhow::Result<Vec<PartialDate>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Vec::new()),
        Some(s) => Ok(vec![s.parse::<PartialDate>()?]),
    }
}

pub fn screen(ctx: &Ctx, a: ScreenArgs) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine()?;
    let as_of = a.as_of.as_deref().map(parse_date).transpose()?;
    let snap = engine.snapshot_at(as_of)?;
    let opts = ScreenOptions {
        limit: a.limit,
        threshold: a.threshold,
        datasets: a.lists.clone(),
        exclude_ids: Vec::new(),
    };
    if let Some(input) = &a.input {
        return screen_file(ctx, &snap, input, &opts);
    }
    let name = a.name.clone().unwrap_or_default().trim().to_string();
    if name.is_empty() && a.ids.is_empty() {
        bail!("give --name \"…\" (and/or --id kind:value) for one query, or --input FILE.csv for a batch");
    }
    let query = Query {
        schema: parse_schema(a.schema.as_deref())?,
        names: if name.is_empty() {
            Vec::new()
        } else {
            vec![name.clone()]
        },
        countries: a.country.iter().map(|c| c.to_ascii_lowercase()).collect(),
        birth_dates: parse_birth(a.birth_date.as_deref())?,
        identifiers: parse_ids(&a.ids)?,
    };
    let res = snap.screen(&query, &opts);
    match ctx.format {
        Format::Json => print_json(&res)?,
        Format::Csv => {
            let mut t = Table::new(vec![
                "rank",
                "entity_id",
                "list",
                "score",
                "matched_name",
                "explanation",
            ]);
            for (i, h) in res.hits.iter().enumerate() {
                t.row(vec![
                    (i + 1).to_string(),
                    h.entity_id.clone(),
                    h.list.clone(),
                    format!("{:.3}", h.score),
                    h.matched_name.clone(),
                    h.explanation.to_string(),
                ]);
            }
            t.print_csv()?;
        }
        Format::Table => {
            let versions: Vec<String> = res
                .versions
                .iter()
                .map(|v| {
                    format!(
                        "{} v{} ({})",
                        v.list,
                        v.seq,
                        v.published.map(|d| d.to_string()).unwrap_or_default()
                    )
                })
                .collect();
            println!("query: {name}");
            println!("lists: {}", versions.join(", "));
            if res.hits.is_empty() {
                println!("no candidate scored {:.2} or more", a.threshold);
            }
            for (i, h) in res.hits.iter().enumerate() {
                println!();
                println!(
                    "{}. {:.3}  {}  [{}]  {}",
                    i + 1,
                    h.score,
                    h.caption,
                    h.list,
                    h.entity_id
                );
                if h.matched_name != h.caption {
                    println!("   matched name: {}", h.matched_name);
                }
                if !h.programs.is_empty() {
                    println!("   programs: {}", h.programs.join(", "));
                }
                if let Some(e) = &h.ended {
                    println!("   no longer listed: ended {e}");
                }
                println!("   why: {}", h.explanation);
            }
        }
    }
    Ok(if res.hits.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_HITS)
    })
}

/// Rows read and scored per parallel batch; bounds memory for any input size.
const CHUNK: usize = 2048;

fn screen_file(
    ctx: &Ctx,
    snap: &Snapshot,
    input: &PathBuf,
    opts: &ScreenOptions,
) -> anyhow::Result<ExitCode> {
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let pb = if ctx.quiet {
        ProgressBar::hidden()
    } else {
        let pb = ProgressBar::new(len);
        pb.set_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(pb.wrap_read(file));
    let headers = rdr
        .headers()
        .with_context(|| format!("{}: cannot read the header", input.display()))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(c_id), Some(c_name)) = (col("query_id"), col("name")) else {
        bail!(
            "{}: the header must have query_id and name columns (found: {})",
            input.display(),
            headers.iter().collect::<Vec<_>>().join(",")
        );
    };
    let c_schema = col("schema");
    let c_country = col("country");
    let c_birth = col("birth_date");
    let id_cols: Vec<(IdKind, usize)> = [
        ("isin", IdKind::Isin),
        ("ticker", IdKind::Ticker),
        ("uscc", IdKind::Uscc),
        ("lei", IdKind::Lei),
    ]
    .into_iter()
    .filter_map(|(n, k)| col(n).map(|c| (k, c)))
    .collect();

    let json = ctx.format == Format::Json;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut w = csv::Writer::from_writer(io::stdout());
    if !json {
        w.write_record([
            "query_id",
            "rank",
            "entity_id",
            "list",
            "score",
            "matched_name",
            "explanation",
        ])?;
    }
    let mut any_hit = false;
    let mut line = 1u64;
    let mut rows = Vec::with_capacity(CHUNK);
    let mut records = rdr.records();
    loop {
        rows.clear();
        for rec in records.by_ref().take(CHUNK) {
            line += 1;
            let rec =
                rec.with_context(|| format!("{}: line {line}: malformed CSV", input.display()))?;
            let get = |c: Option<usize>| {
                c.and_then(|c| rec.get(c))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            };
            let q = Query {
                schema: parse_schema(get(c_schema))
                    .with_context(|| format!("{}: line {line}, field 'schema'", input.display()))?,
                names: get(Some(c_name))
                    .map(|n| vec![n.to_string()])
                    .unwrap_or_default(),
                countries: get(c_country)
                    .map(|c| vec![c.to_ascii_lowercase()])
                    .unwrap_or_default(),
                birth_dates: parse_birth(get(c_birth)).with_context(|| {
                    format!("{}: line {line}, field 'birth_date'", input.display())
                })?,
                identifiers: id_cols
                    .iter()
                    .filter_map(|(k, c)| get(Some(*c)).map(|v| (k.clone(), v.to_string())))
                    .collect(),
            };
            rows.push((rec.get(c_id).unwrap_or("").to_string(), q));
        }
        if rows.is_empty() {
            break;
        }
        let results = parallel_screen(snap, &rows, opts)?;
        for ((qid, _), res) in rows.iter().zip(results) {
            any_hit |= !res.hits.is_empty();
            if json {
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({"query_id": qid, "hits": res.hits}),
                )?;
                writeln!(out)?;
            } else {
                for (i, h) in res.hits.iter().enumerate() {
                    w.write_record([
                        qid.as_str(),
                        &(i + 1).to_string(),
                        &h.entity_id,
                        &h.list,
                        &format!("{:.4}", h.score),
                        &h.matched_name,
                        &h.explanation.to_string(),
                    ])?;
                }
                w.flush()?;
            }
        }
    }
    out.flush()?;
    pb.finish_and_clear();
    Ok(if any_hit {
        ExitCode::from(EXIT_HITS)
    } else {
        ExitCode::SUCCESS
    })
}

/// Screens a batch on all cores, keeping the input order. A worker that
/// fails fails the batch, so that no answer is written against the wrong
/// query.
fn parallel_screen(
    snap: &Snapshot,
    rows: &[(String, Query)],
    opts: &ScreenOptions,
) -> anyhow::Result<Vec<embargo_engine::Screened>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .max(1);
    let per = rows.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(per)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|(_, q)| snap.screen(q, opts))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                Err(_) => {
                    bail!("a screening worker failed; no results were written for this batch")
                }
            }
        }
        Ok(out)
    })
}

pub fn score_pairs(_ctx: &Ctx, a: ScorePairsArgs) -> anyhow::Result<ExitCode> {
    let reader: Box<dyn io::Read> = if a.input.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(&a.input)
                .with_context(|| format!("cannot open {}", a.input.display()))?,
        )
    };
    let name = a.input.display().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let headers = rdr
        .headers()
        .with_context(|| format!("{name}: cannot read the header"))?
        .clone();
    let col = |n: &str| headers.iter().position(|h| h.trim() == n);
    let (Some(cs), Some(c1), Some(c2)) = (col("schema"), col("name1"), col("name2")) else {
        bail!("{name}: the header must have schema, name1 and name2 columns");
    };
    let mut w = csv::Writer::from_writer(io::stdout().lock());
    let mut out_headers: Vec<&str> = headers.iter().collect();
    out_headers.push("score");
    w.write_record(&out_headers)?;
    // Names recur in pair files (one customer against many listed names):
    // each is analysed once, in a cache of bounded size.
    let mut names = NameCache::default();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("{name}: line {line}: malformed CSV"))?;
        let schema_s = rec.get(cs).unwrap_or("");
        let schema = Schema::parse(schema_s).unwrap_or(Schema::LegalEntity);
        let a = names.get(schema, rec.get(c1).unwrap_or(""));
        let b = names.get(schema, rec.get(c2).unwrap_or(""));
        let score = embargo_match::score_names_fast(&a, &b);
        let mut row: Vec<String> = rec.iter().map(str::to_string).collect();
        row.push(format!("{score:.4}"));
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Analysed names by schema kind and text, dropped whole when full.
#[derive(Default)]
struct NameCache {
    names: std::collections::HashMap<(bool, String), std::rc::Rc<embargo_match::Name>>,
}

impl NameCache {
    /// At most this many names are kept.
    const CAP: usize = 100_000;

    fn get(&mut self, schema: Schema, text: &str) -> std::rc::Rc<embargo_match::Name> {
        let key = (schema == Schema::Person, text.to_string());
        if let Some(n) = self.names.get(&key) {
            return std::rc::Rc::clone(n);
        }
        if self.names.len() >= Self::CAP {
            self.names.clear();
        }
        let n = std::rc::Rc::new(embargo_match::Name::new(schema, text));
        self.names.insert(key, std::rc::Rc::clone(&n));
        n
    }
}

/// Reads a labelled-pairs CSV: (schema, score, is_match).
fn score_pairs_file(path: &PathBuf) -> anyhow::Result<Vec<(String, f64, bool)>> {
    let mut rdr =
        csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))?;
    let headers = rdr.headers()?.clone();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(cs), Some(c1), Some(c2), Some(cm)) =
        (col("schema"), col("name1"), col("name2"), col("is_match"))
    else {
        bail!(
            "{}: the header must have schema, name1, name2 and is_match",
            path.display()
        );
    };
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: line {}", path.display(), i + 2))?;
        let schema_s = rec.get(cs).unwrap_or("").to_string();
        let schema = Schema::parse(&schema_s).unwrap_or(Schema::LegalEntity);
        let s =
            embargo_match::score_pair(schema, rec.get(c1).unwrap_or(""), rec.get(c2).unwrap_or(""));
        let label = matches!(rec.get(cm).map(str::trim), Some("true" | "1" | "yes"));
        out.push((schema_s, s.score, label));
    }
    Ok(out)
}

fn metrics_json(m: &embargo_match::eval::Metrics) -> serde_json::Value {
    serde_json::json!({"precision": m.precision, "recall": m.recall, "f1": m.f1, "threshold": m.threshold,
        "tp": m.tp, "fp": m.fp, "fn": m.fn_})
}

pub fn eval(ctx: &Ctx, a: EvalArgs) -> anyhow::Result<ExitCode> {
    use embargo_match::eval as ev;
    let mut report = serde_json::Map::new();
    let mut files = a.pairs.clone();
    files.extend(a.cjk.iter().cloned());
    let table = ctx.format == Format::Table;
    for f in &files {
        let rows = score_pairs_file(f)?;
        let pairs: Vec<(f64, bool)> = rows.iter().map(|r| (r.1, r.2)).collect();
        let at = ev::at_threshold(&pairs, a.threshold);
        let best = ev::best_f1(&pairs);
        let auc = ev::roc_auc(&pairs);
        let groups = ev::by_group(&rows, a.threshold);
        if table {
            println!("{} ({} pairs)", f.display(), pairs.len());
            println!(
                "  at {:.2}: precision {:.3} recall {:.3} F1 {:.3}  (tp {} fp {} fn {})",
                a.threshold, at.precision, at.recall, at.f1, at.tp, at.fp, at.fn_
            );
            println!(
                "  best F1 {:.3} at {:.2}; ROC-AUC {:.3}",
                best.f1, best.threshold, auc
            );
            for (g, m) in &groups {
                println!(
                    "  {g:<13} precision {:.3} recall {:.3} F1 {:.3}",
                    m.precision, m.recall, m.f1
                );
            }
        }
        report.insert(
            f.display().to_string(),
            serde_json::json!({"n": pairs.len(), "at_threshold": metrics_json(&at), "best_f1": metrics_json(&best), "roc_auc": auc,
                "by_schema": groups.iter().map(|(g, m)| (g.clone(), metrics_json(m))).collect::<serde_json::Map<_, _>>()}),
        );
    }
    if let Some(q) = &a.queries {
        let engine = ctx.engine()?;
        let snap = engine.snapshot();
        let mut rdr =
            csv::Reader::from_path(q).with_context(|| format!("cannot open {}", q.display()))?;
        let headers = rdr.headers()?.clone();
        let col = |n: &str| headers.iter().position(|h| h == n);
        let (Some(cs), Some(cn), Some(csrc), Some(cref)) = (
            col("schema"),
            col("name"),
            col("expected_source"),
            col("expected_ref"),
        ) else {
            bail!(
                "{}: the header must have schema, name, expected_source and expected_ref",
                q.display()
            );
        };
        let mut ranks = Vec::new();
        let opts = ScreenOptions {
            limit: 10,
            threshold: 0.0,
            datasets: None,
            exclude_ids: Vec::new(),
        };
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.with_context(|| format!("{}: line {}", q.display(), i + 2))?;
            let list = rec.get(csrc).unwrap_or("").to_string();
            let expected = format!("{list}:{}", rec.get(cref).unwrap_or(""));
            let query = Query {
                schema: Schema::parse(rec.get(cs).unwrap_or("")),
                names: vec![rec.get(cn).unwrap_or("").to_string()],
                countries: Vec::new(),
                birth_dates: Vec::new(),
                identifiers: Vec::new(),
            };
            let opts = ScreenOptions {
                datasets: Some(vec![list]),
                ..opts.clone()
            };
            let res = snap.screen(&query, &opts);
            ranks.push(
                res.hits
                    .iter()
                    .position(|h| h.entity_id == expected)
                    .map(|p| p + 1),
            );
        }
        let r1 = ev::recall_at_k(&ranks, 1);
        let r10 = ev::recall_at_k(&ranks, 10);
        if table {
            let v = snap.versions().iter().find(|v| v.list == "us_ofac_sdn");
            println!(
                "{} ({} queries) against {}",
                q.display(),
                ranks.len(),
                v.map(|v| format!(
                    "us_ofac_sdn v{} as of {} ({} entities)",
                    v.seq,
                    v.as_of(),
                    v.entity_count
                ))
                .unwrap_or_default()
            );
            println!("  recall@1 {r1:.4}  recall@10 {r10:.4}");
        }
        report.insert(
            q.display().to_string(),
            serde_json::json!({"n": ranks.len(), "recall_at_1": r1, "recall_at_10": r10}),
        );
    }
    if let Some(path) = &a.negatives {
        let engine = ctx.engine()?;
        let snap = engine.snapshot();
        let mut rdr = csv::Reader::from_path(path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let headers = rdr.headers()?.clone();
        let col = |n: &str| headers.iter().position(|h| h == n);
        let (Some(cs), Some(cn)) = (col("schema"), col("name")) else {
            bail!("{}: the header must have schema and name", path.display());
        };
        let opts = ScreenOptions {
            limit: 1,
            threshold: a.threshold,
            datasets: None,
            exclude_ids: Vec::new(),
        };
        let (mut n, mut alarms) = (0usize, Vec::new());
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.with_context(|| format!("{}: line {}", path.display(), i + 2))?;
            let name = rec.get(cn).unwrap_or("").to_string();
            let query = Query {
                schema: Schema::parse(rec.get(cs).unwrap_or("")),
                names: vec![name.clone()],
                countries: Vec::new(),
                birth_dates: Vec::new(),
                identifiers: Vec::new(),
            };
            n += 1;
            if let Some(h) = snap.screen(&query, &opts).hits.first() {
                alarms.push((name, h.entity_id.clone(), h.matched_name.clone(), h.score));
            }
        }
        let rate = if n > 0 {
            alarms.len() as f64 / n as f64
        } else {
            0.0
        };
        if table {
            println!(
                "{} ({n} parties on no list) against every bundled list",
                path.display()
            );
            println!(
                "  {} get a candidate at or above {:.2}: false-alarm rate {:.1} %",
                alarms.len(),
                a.threshold,
                100.0 * rate
            );
        }
        report.insert(
            path.display().to_string(),
            serde_json::json!({"n": n, "alarms": alarms.len(), "false_alarm_rate": rate,
                "hits": alarms.iter().map(|(q, id, m, s)| serde_json::json!({"query": q, "entity_id": id, "matched_name": m, "score": s})).collect::<Vec<_>>()}),
        );
    }
    if !table {
        print_json(&report)?;
    }
    Ok(ExitCode::SUCCESS)
}
