//! import, update, lists, versions, diff, show, history.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use embargo_engine::update::{self, UpdateConfig};
use embargo_engine::ImportReport;
use embargo_model::{EntityId, RawFile};
use embargo_sources::SourceKind;
use embargo_store::{Diff, ImportMeta, ImportOutcome, RevisionChange, VersionSel};
use indicatif::{ProgressBar, ProgressStyle};

use super::{parse_date, parse_version, Ctx};
use crate::output::{opt, print_json, Format, Table};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file format: ofac-sdn, ofac-cons, csl, bis-dpl, ftm, dod.
    pub kind: String,
    /// The files of one publication (OFAC: sdn.csv, alt.csv, add.csv, sdn_comments.csv).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The publication date of the files (YYYY-MM-DD), when the files do not say.
    #[arg(long)]
    pub published: Option<String>,
    /// For `ftm`: the list key to import the entities under (default `ftm`), e.g.
    /// `opensanctions`. Lower-case letters, digits and `_`.
    #[arg(long)]
    pub list: Option<String>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Base URL of the OFAC export service.
    #[arg(long, env = "EMBARGO_OFAC_URL", default_value = update::OFAC_BASE)]
    pub ofac_url: String,
    /// Base URL of the trade.gov Consolidated Screening List download.
    #[arg(long, env = "EMBARGO_CSL_URL", default_value = update::CSL_BASE)]
    pub csl_url: String,
    /// Seconds before a download is abandoned.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Import even a download with over 10% fewer entities than the current version (refused
    /// otherwise as a likely truncated file).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct VersionsArgs {
    /// The list key (e.g. us_ofac_cons).
    pub list: String,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The list key (e.g. us_ofac_cons).
    pub list: String,
    /// The older version: a number (v2), id:N, a date or `latest` (default: the one before --to).
    #[arg(long)]
    pub from: Option<String>,
    /// The newer version (default: the latest).
    #[arg(long)]
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The entity id, e.g. us_ofac_cons:30923.
    pub id: String,
    /// Show the entity as its list stood on this date (YYYY-MM-DD).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Show the entity as of this version of its list (v3, id:12).
    #[arg(long, conflicts_with = "as_of")]
    pub version: Option<String>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The entity id, e.g. us_ofac_sdn:306.
    pub id: String,
}

fn read_files(paths: &[PathBuf]) -> anyhow::Result<Vec<RawFile>> {
    paths
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            Ok(RawFile::new(p.display().to_string(), bytes))
        })
        .collect()
}

fn print_reports(ctx: &Ctx, reports: &[ImportReport]) -> anyhow::Result<()> {
    let mut t = Table::new(vec![
        "list", "result", "version", "entities", "added", "removed", "changed",
    ]);
    for r in reports {
        match &r.outcome {
            ImportOutcome::Unchanged { existing } => t.row(vec![
                r.list.clone(),
                "unchanged (same content as the latest version; nothing written)".into(),
                format!("v{}", existing.seq),
                existing.entity_count.to_string(),
                String::new(),
                String::new(),
                String::new(),
            ]),
            ImportOutcome::Created { version, summary } => t.row(vec![
                r.list.clone(),
                "new version".into(),
                format!("v{}", version.seq),
                version.entity_count.to_string(),
                summary.added.to_string(),
                summary.removed.to_string(),
                summary.changed.to_string(),
            ]),
        }
        for w in r.warnings.iter().take(20) {
            ctx.info(format!("warning: {}: {w}", r.list));
        }
        if r.warnings.len() > 20 {
            ctx.info(format!("… and {} more warnings", r.warnings.len() - 20));
        }
    }
    let outcomes: Vec<_> = reports
        .iter()
        .map(|r| serde_json::json!({"list": r.list, "result": r.outcome, "warnings": r.warnings}))
        .collect();
    t.print(ctx.format, &outcomes)
}

fn spinner(ctx: &Ctx, msg: &str) -> ProgressBar {
    if ctx.quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

pub fn import(ctx: &Ctx, a: ImportArgs) -> anyhow::Result<ExitCode> {
    let Some(kind) = SourceKind::parse(&a.kind) else {
        bail!(
            "unknown import kind '{}': use ofac-sdn, ofac-cons, csl, bis-dpl, ftm or dod",
            a.kind
        );
    };
    let files = read_files(&a.paths)?;
    let published = a.published.as_deref().map(parse_date).transpose()?;
    let meta = ImportMeta {
        published,
        source: "import".into(),
    };
    let datasets = match (&a.list, kind) {
        (None, _) => None,
        (Some(list), SourceKind::Ftm) => {
            if list.is_empty()
                || !list
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                bail!("--list '{list}': use lower-case letters, digits and '_'");
            }
            let mut ds = embargo_model::Dataset::new(list);
            for f in &files {
                let part = embargo_sources::ftm::parse(f, list)?;
                ds.entities.extend(part.entities);
                ds.warnings.extend(part.warnings);
            }
            Some(vec![ds])
        }
        (Some(_), other) => bail!(
            "--list applies to ftm imports only; {} files always go to their own list",
            other
        ),
    };
    let engine = ctx.engine()?;
    let pb = spinner(ctx, "parsing and importing");
    let reports = match datasets {
        Some(ds) => engine.import_datasets(&ds, &files, meta),
        None => engine.import(kind, &files, meta),
    };
    pb.finish_and_clear();
    print_reports(ctx, &reports?)?;
    Ok(ExitCode::SUCCESS)
}

pub fn update(ctx: &Ctx, a: UpdateArgs) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine()?;
    let cfg = UpdateConfig {
        ofac_base: a.ofac_url,
        csl_base: a.csl_url,
        timeout: std::time::Duration::from_secs(a.timeout),
        force: a.force,
    };
    let pb = spinner(ctx, "downloading the official lists");
    let res = update::update(&engine, &cfg);
    pb.finish_and_clear();
    let feeds = res.context("nothing was imported; the database is unchanged")?;
    let reports: Vec<ImportReport> = feeds.into_iter().flat_map(|f| f.imports).collect();
    print_reports(ctx, &reports)?;
    Ok(ExitCode::SUCCESS)
}

pub fn lists(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine()?;
    let lists = engine.lists()?;
    let mut t = Table::new(vec![
        "list", "as of", "version", "versions", "entities", "imported", "source",
    ]);
    for l in &lists {
        t.row(vec![
            l.list.clone(),
            l.latest.as_of().to_string(),
            format!("v{}", l.latest.seq),
            l.version_count.to_string(),
            l.entity_count.to_string(),
            l.latest
                .imported_at
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
            l.latest.source.clone(),
        ]);
    }
    t.print(ctx.format, &lists)?;
    if ctx.format == Format::Table {
        ctx.info("Each list is as of the date shown: a snapshot, not today's list. Run `embargo update` for the current lists.");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn versions(ctx: &Ctx, a: VersionsArgs) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine()?;
    let versions = engine.versions(&a.list)?;
    if versions.is_empty() {
        bail!("no list '{}' in the store (see `embargo lists`)", a.list);
    }
    let mut t = Table::new(vec![
        "version",
        "id",
        "as of",
        "published",
        "imported",
        "entities",
        "sha256",
        "source",
    ]);
    for v in &versions {
        t.row(vec![
            format!("v{}", v.seq),
            v.id.to_string(),
            v.as_of().to_string(),
            opt(&v.published),
            v.imported_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            v.entity_count.to_string(),
            v.sha256.chars().take(12).collect(),
            v.source.clone(),
        ]);
    }
    t.print(ctx.format, &versions)?;
    Ok(ExitCode::SUCCESS)
}

pub fn diff(ctx: &Ctx, a: DiffArgs) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine()?;
    let from = a.from.as_deref().map(parse_version).transpose()?;
    let to = a.to.as_deref().map(parse_version).transpose()?;
    let d = engine.diff(&a.list, from.as_ref(), to.as_ref())?;
    match ctx.format {
        Format::Json => print_json(&d)?,
        Format::Csv => diff_table(&d).print_csv()?,
        Format::Table => {
            println!(
                "{}: v{} ({}) → v{} ({}): {} added, {} removed, {} changed, {} unchanged",
                a.list,
                d.from.seq,
                d.from.as_of(),
                d.to.seq,
                d.to.as_of(),
                d.added.len(),
                d.removed.len(),
                d.changed.len(),
                d.unchanged
            );
            diff_table(&d).print_table();
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One row per added/removed entity and per changed field.
pub fn diff_table(d: &Diff) -> Table {
    let mut t = Table::new(vec![
        "change", "entity", "name", "field", "added", "removed",
    ]);
    for e in &d.added {
        t.row(vec![
            "added".into(),
            e.id.to_string(),
            e.caption.clone(),
            String::new(),
            e.programs.join("; "),
            String::new(),
        ]);
    }
    for e in &d.removed {
        t.row(vec![
            "removed".into(),
            e.id.to_string(),
            e.caption.clone(),
            String::new(),
            String::new(),
            e.programs.join("; "),
        ]);
    }
    for c in &d.changed {
        for f in &c.fields {
            t.row(vec![
                "changed".into(),
                c.id.to_string(),
                c.caption.clone(),
                f.field.clone(),
                f.added.join("; "),
                f.removed.join("; "),
            ]);
        }
    }
    t
}

pub fn show(ctx: &Ctx, a: ShowArgs) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine()?;
    let sel = match (&a.as_of, &a.version) {
        (Some(d), _) => VersionSel::AsOf(parse_date(d)?),
        (None, Some(v)) => parse_version(v)?,
        (None, None) => VersionSel::Latest,
    };
    let id = EntityId(a.id.clone());
    let Some((e, v)) = engine.entity(&id, &sel)? else {
        bail!("no entity '{}' in list {} at {}", a.id, id.list(), sel);
    };
    // The lifecycle events (injunctions, vacatur, re-listings, …) that name
    // the entity, from the versions in force.
    let snap = engine.snapshot();
    let events: Vec<&embargo_model::LifecycleEvent> = snap
        .events()
        .iter()
        .filter(|ev| ev.entities.contains(&e.id))
        .collect();
    if ctx.format == Format::Json {
        print_json(&serde_json::json!({"version": v, "entity": e, "events": events}))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = Table::new(vec!["field", "value"]);
    t.row(vec!["id".into(), e.id.to_string()]);
    t.row(vec!["schema".into(), e.schema.to_string()]);
    t.row(vec![
        "list version".into(),
        format!("{} v{} (as of {})", v.list, v.seq, v.as_of()),
    ]);
    for n in &e.names {
        t.row(vec![format!("name ({})", n.kind.as_str()), n.value.clone()]);
    }
    for i in &e.identifiers {
        let mut val = i.value.clone();
        if let Some(m) = &i.market {
            val.push_str(&format!(" {m}"));
        }
        if let Some(issue) = &i.issue {
            val.push_str(&format!("  [invalid: {issue}]"));
        }
        t.row(vec![i.kind.as_str().to_string(), val]);
    }
    for d in &e.designations {
        let mut s = format!("{} / {}", d.list, d.program);
        if let Some(l) = d.listed_on {
            s.push_str(&format!(", listed {l}"));
        }
        if let Some(x) = &d.effective {
            s.push_str(&format!(", effective {x}"));
        }
        if let Some(x) = &d.divestment_until {
            s.push_str(&format!(", divestment until {x}"));
        }
        if let Some(x) = d.ended_on {
            s.push_str(&format!(", ended {x}"));
        }
        if let Some(r) = &d.end_reason {
            s.push_str(&format!(" ({r})"));
        }
        t.row(vec!["designation".into(), s]);
    }
    if !e.countries.is_empty() {
        t.row(vec!["countries".into(), e.countries.join(", ")]);
    }
    for b in &e.birth_dates {
        t.row(vec!["birth date".into(), b.to_string()]);
    }
    for p in &e.birth_places {
        t.row(vec!["birth place".into(), p.clone()]);
    }
    for ad in &e.addresses {
        t.row(vec!["address".into(), ad.full()]);
    }
    for r in &e.relations {
        t.row(vec![r.kind.as_str().to_string(), r.target_name.clone()]);
    }
    for (k, vals) in &e.properties {
        t.row(vec![k.clone(), vals.join("; ")]);
    }
    if let Some(r) = &e.remarks {
        t.row(vec!["remarks".into(), r.clone()]);
    }
    for ev in &events {
        t.row(vec![
            format!("event ({})", ev.kind.as_str()),
            format!("{} — {} [{}]", ev.at, ev.title, ev.id),
        ]);
    }
    t.print(ctx.format, &e)?;
    Ok(ExitCode::SUCCESS)
}

pub fn history(ctx: &Ctx, a: HistoryArgs) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine()?;
    let id = EntityId(a.id.clone());
    let revs = engine.history(&id)?;
    if revs.is_empty() {
        bail!(
            "entity '{}' appears in no version of list {}",
            a.id,
            id.list()
        );
    }
    let mut t = Table::new(vec!["version", "as of", "change", "details"]);
    for r in &revs {
        let (change, details) = match &r.change {
            RevisionChange::Added => (
                "added".to_string(),
                r.entity
                    .as_ref()
                    .map(|e| e.caption().to_string())
                    .unwrap_or_default(),
            ),
            RevisionChange::Changed { fields } => (
                "changed".to_string(),
                fields
                    .iter()
                    .map(|f| {
                        let mut s = f.field.clone();
                        if !f.added.is_empty() {
                            s.push_str(&format!(" +[{}]", f.added.join("; ")));
                        }
                        if !f.removed.is_empty() {
                            s.push_str(&format!(" -[{}]", f.removed.join("; ")));
                        }
                        s
                    })
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            RevisionChange::Removed => ("removed".to_string(), String::new()),
            RevisionChange::Unchanged { versions, through } => (
                "unchanged".to_string(),
                format!(
                    "{versions} versions, through v{} ({})",
                    through.seq,
                    through.as_of()
                ),
            ),
        };
        t.row(vec![
            format!("v{}", r.version.seq),
            r.version.as_of().to_string(),
            change,
            details,
        ]);
    }
    t.print(ctx.format, &revs)?;
    Ok(ExitCode::SUCCESS)
}
