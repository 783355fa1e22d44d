//! check-trade, screen-portfolio.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use embargo_law::report::{self, ReportContext};
use embargo_law::{
    parse_instant_in, parse_positions_csv, parse_trades_csv, Outcome, Policy, SecurityMaster,
    SecurityRef, Side, TradeCheck, TradeDecision,
};

use indicatif::{ProgressBar, ProgressStyle};

use super::{Ctx, EXIT_HITS};
use crate::output::{print_json, Format, Table};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SideArg {
    Buy,
    Sell,
    Hold,
}

impl From<SideArg> for Side {
    fn from(s: SideArg) -> Side {
        match s {
            SideArg::Buy => Side::Buy,
            SideArg::Sell => Side::Sell,
            SideArg::Hold => Side::Hold,
        }
    }
}

/// Options shared by trade checks and portfolio screening.
#[derive(Debug, Args)]
pub struct SecurityOptions {
    /// A security master CSV: isin,ticker,market,name,type,issuer_name,issuer_lei,issuer_uscc,underlying_isin.
    #[arg(long)]
    pub securities: Option<PathBuf>,
    /// Fund holdings CSV for look-through: fund_isin,holding_isin,weight.
    #[arg(long)]
    pub fund_holdings: Option<PathBuf>,
    /// A fund is restricted when its restricted holdings weigh more than this fraction (policy; default 0: any exposure).
    #[arg(long, default_value_t = 0.0)]
    pub fund_threshold: f64,
}

impl SecurityOptions {
    fn load(&self) -> anyhow::Result<(SecurityMaster, Policy)> {
        let mut sm = SecurityMaster::new();
        if let Some(p) = &self.securities {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            sm.load_instruments_csv(&p.display().to_string(), &bytes)?;
        }
        if let Some(p) = &self.fund_holdings {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            sm.load_holdings_csv(&p.display().to_string(), &bytes)?;
        }
        if !(0.0..=1.0).contains(&self.fund_threshold) {
            bail!("--fund-threshold must be between 0 and 1");
        }
        let policy = Policy {
            fund_threshold: self.fund_threshold,
            ..Policy::default()
        };
        Ok((sm, policy))
    }
}

#[derive(Debug, Args)]
pub struct CheckTradeArgs {
    /// The security: an ISIN (US16941M1099), a ticker with its market ("1810 HK", "1810.HK",
    /// "002415 CH") or an issuer name.
    #[arg(long, required_unless_present = "input")]
    pub security: Option<String>,
    #[arg(long, value_enum, required_unless_present = "input")]
    pub side: Option<SideArg>,
    /// The trade instant: "2021-03-16T10:00", "2021-03-16 10:00 Asia/Shanghai",
    /// "2021-08-02T04:01Z", "2021-08-02 12:01 +08:00", or a date (read as 23:59:59, the last
    /// second of that trade date). Without a zone: New York time, or --tz.
    #[arg(long, required_unless_present = "input")]
    pub at: Option<String>,
    /// The time zone of --at (or of the batch's instants) when it carries none: an IANA name such
    /// as Asia/Hong_Kong.
    #[arg(long)]
    pub tz: Option<String>,
    /// When the position was acquired (YYYY-MM-DD); decides whether a sale falls under the
    /// divestment carve-out.
    #[arg(long)]
    pub held_since: Option<String>,
    /// The trader is not a US person.
    #[arg(long)]
    pub non_us_person: bool,
    /// A CSV file of trades to check in one run: columns security (or isin, ticker, market,
    /// name), side, at, and optionally id, tz, held_since.
    #[arg(long, conflicts_with_all = ["security", "side", "at", "held_since"])]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub sec: SecurityOptions,
}

#[derive(Debug, Args)]
pub struct PortfolioArgs {
    /// Holdings CSV: position_id,isin,ticker,market,name,quantity,held_since (columns optional but one identifier).
    pub holdings: PathBuf,
    /// The instant to screen at (same forms as check-trade --at); default now.
    #[arg(long)]
    pub as_of: Option<String>,
    /// The time zone of --as-of when it has none.
    #[arg(long)]
    pub tz: Option<String>,
    /// Write a self-contained HTML report to this file.
    #[arg(long)]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub sec: SecurityOptions,
}

/// Reads an instant, with an optional zone for inputs that carry none.
pub fn instant(
    at: &str,
    tz: Option<&str>,
) -> anyhow::Result<chrono::DateTime<chrono::FixedOffset>> {
    Ok(parse_instant_in(at, tz)?)
}

/// The security as the user gave it.
fn security_label(s: &SecurityRef) -> String {
    let mut parts = Vec::new();
    if let Some(i) = &s.isin {
        parts.push(i.clone());
    }
    if let Some((t, m)) = &s.ticker {
        parts.push(match m {
            Some(m) => format!("{t} {m}"),
            None => t.clone(),
        });
    }
    if let Some(n) = &s.name {
        parts.push(n.clone());
    }
    parts.join(" / ")
}

fn print_decision(d: &TradeDecision, check: &TradeCheck) {
    println!("outcome:  {}", d.outcome);
    println!("side:     {}", d.side.as_str());
    println!("instant:  {} (US Eastern: {})", d.at_input, d.at_eastern);
    if let Some(h) = check.held_since {
        println!("held since: {h}");
    }
    if !check.us_person {
        println!("trader:   not a US person");
    }
    for t in &d.security.ties {
        println!(
            "issuer:   {} [{}] — {}",
            t.entity_name,
            t.entity_id,
            t.basis.describe()
        );
    }
    if d.security.ties.is_empty() {
        println!(
            "issuer:   no listed issuer found for '{}'",
            security_label(&d.security.input)
        );
    }
    for f in &d.findings {
        println!();
        println!("• {} — {} ({})", f.outcome, f.program, f.list);
        println!("  rule:     {}", f.rule);
        println!("  citation: {}", f.citation);
        let mut dates = Vec::new();
        if let Some(x) = &f.dates.listed {
            dates.push(format!("listed {x}"));
        }
        if let Some(x) = &f.dates.effective {
            dates.push(format!("effective {x}"));
        }
        if let Some(x) = &f.dates.divestment_until {
            dates.push(format!("divestment until {x}"));
        }
        if let Some(x) = &f.dates.ended {
            dates.push(format!("ended {x}"));
        }
        if !dates.is_empty() {
            println!("  dates:    {}", dates.join("; "));
        }
        for e in &f.events {
            println!(
                "  event:    {} {} — {} [{}]",
                e.date, e.kind, e.title, e.source
            );
        }
        if let Some(a) = &f.alternative {
            println!("  other reading: {} → {}", a.reading, a.outcome);
        }
    }
    if let Some(a) = &d.alternative {
        println!();
        println!("alternative reading: {} → {}", a.reading, a.outcome);
    }
    for n in &d.notes {
        println!("note: {n}");
    }
}

fn restricted(o: Outcome) -> bool {
    matches!(o, Outcome::Prohibited | Outcome::Blocked)
}

pub fn check_trade(ctx: &Ctx, a: CheckTradeArgs) -> anyhow::Result<ExitCode> {
    if let Some(input) = a.input.clone() {
        return check_trades(ctx, a, &input);
    }
    let (Some(security), Some(side), Some(at)) = (&a.security, a.side, &a.at) else {
        bail!("--security, --side and --at are required (or --input with a CSV of trades)");
    };
    let at = instant(at, a.tz.as_deref()).context("--at")?;
    let (sm, policy) = a.sec.load()?;
    let engine = ctx.engine()?;
    // Designations carry their own dates and the law book applies them at
    // the instant, so the latest versions (the most complete record,
    // including later vacaturs and re-listings) answer for any instant.
    let snap = engine.snapshot();
    let mut check = TradeCheck::new(SecurityRef::parse(security), side.into(), at);
    check.us_person = !a.non_us_person;
    check.held_since = a
        .held_since
        .as_deref()
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .with_context(|| format!("--held-since '{s}' is not YYYY-MM-DD"))
        })
        .transpose()?;
    let d = snap.check_trade(&sm, &check, &policy);
    match ctx.format {
        Format::Json => print_json(&serde_json::json!({
            "trade": check,
            "decision": d,
            "policy": policy.describe(),
            "versions": snap.version_refs()
        }))?,
        Format::Csv => {
            let mut t = Table::new(vec![
                "outcome",
                "program",
                "list",
                "entity_id",
                "tied_by",
                "rule",
                "citation",
                "alternative",
            ]);
            for f in &d.findings {
                t.row(vec![
                    f.outcome.to_string(),
                    f.program.clone(),
                    f.list.clone(),
                    f.entity_id.to_string(),
                    f.basis.clone(),
                    f.rule.clone(),
                    f.citation.clone(),
                    f.alternative
                        .as_ref()
                        .map(|x| format!("{}: {}", x.outcome, x.reading))
                        .unwrap_or_default(),
                ]);
            }
            if d.findings.is_empty() {
                let mut row = vec![d.outcome.to_string()];
                row.extend(std::iter::repeat_n(String::new(), 4));
                row.push(d.notes.join(" "));
                row.extend([String::new(), String::new()]);
                t.row(row);
            }
            t.print_csv()?;
        }
        Format::Table => {
            print_decision(&d, &check);
            println!();
            println!("policy: {}", policy.describe());
            println!("lists: {}", snap.version_lines().join("; "));
        }
    }
    Ok(if restricted(d.outcome) {
        ExitCode::from(EXIT_HITS)
    } else {
        ExitCode::SUCCESS
    })
}

/// `check-trade --input trades.csv`: every trade of a file, one line each.
fn check_trades(ctx: &Ctx, a: CheckTradeArgs, input: &std::path::Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let mut rows = parse_trades_csv(&input.display().to_string(), &bytes, a.tz.as_deref())?;
    for r in &mut rows {
        r.check.us_person = !a.non_us_person;
    }
    let (sm, policy) = a.sec.load()?;
    let engine = ctx.engine()?;
    let snap = engine.snapshot();
    let pb = if ctx.quiet || rows.len() < 100 {
        ProgressBar::hidden()
    } else {
        let pb = ProgressBar::new(rows.len() as u64);
        pb.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} trades ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb
    };
    let mut decisions = Vec::with_capacity(rows.len());
    for r in &rows {
        decisions.push(snap.check_trade(&sm, &r.check, &policy));
        pb.inc(1);
    }
    pb.finish_and_clear();
    let mut t = Table::new(vec![
        "id",
        "security",
        "side",
        "at (US Eastern)",
        "outcome",
        "alternative",
        "programs",
        "tied by",
        "reason",
    ]);
    for (r, d) in rows.iter().zip(&decisions) {
        let mut programs: Vec<&str> = d
            .findings
            .iter()
            .filter(|f| f.outcome == d.outcome)
            .map(|f| f.program.as_str())
            .collect();
        programs.sort_unstable();
        programs.dedup();
        let top = d.findings.iter().max_by_key(|f| f.outcome);
        t.row(vec![
            r.id.clone(),
            security_label(&r.check.security),
            d.side.as_str().to_string(),
            d.at_eastern.clone(),
            d.outcome.to_string(),
            d.alternative
                .as_ref()
                .map(|x| x.outcome.to_string())
                .unwrap_or_default(),
            programs.join("; "),
            top.map(|f| f.basis.clone()).unwrap_or_default(),
            top.map(|f| f.rule.clone())
                .or_else(|| d.notes.first().cloned())
                .unwrap_or_default(),
        ]);
    }
    let json: Vec<_> = rows
        .iter()
        .zip(&decisions)
        .map(|(r, d)| serde_json::json!({"id": r.id, "trade": r.check, "decision": d}))
        .collect();
    t.print(
        ctx.format,
        &serde_json::json!({
            "trades": json,
            "policy": policy.describe(),
            "versions": snap.version_refs()
        }),
    )?;
    if ctx.format == Format::Table {
        println!("policy: {}", policy.describe());
        println!("lists: {}", snap.version_lines().join("; "));
    }
    Ok(if decisions.iter().any(|d| restricted(d.outcome)) {
        ExitCode::from(EXIT_HITS)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn portfolio(ctx: &Ctx, a: PortfolioArgs) -> anyhow::Result<ExitCode> {
    let at = match &a.as_of {
        Some(s) => instant(s, a.tz.as_deref())?,
        None => chrono::Utc::now().fixed_offset(),
    };
    let bytes = std::fs::read(&a.holdings)
        .with_context(|| format!("cannot read {}", a.holdings.display()))?;
    let positions = parse_positions_csv(&a.holdings.display().to_string(), &bytes)?;
    let (sm, policy) = a.sec.load()?;
    let engine = ctx.engine()?;
    // Designations carry their own dates and the law book applies them at
    // the instant, so the latest versions (the most complete record,
    // including later vacaturs and re-listings) answer for any instant.
    let snap = engine.snapshot();
    let pb = if ctx.quiet || positions.len() < 100 {
        ProgressBar::hidden()
    } else {
        let pb = ProgressBar::new(positions.len() as u64);
        pb.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} positions ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb
    };
    let rep = snap.screen_portfolio_with_progress(&sm, &positions, at, &policy, &mut |done, _| {
        pb.set_position(done as u64)
    });
    pb.finish_and_clear();
    let rctx = ReportContext {
        title: format!("Portfolio screening — {}", a.holdings.display()),
        data_versions: snap.version_lines(),
        generated_at: chrono::Utc::now().to_rfc3339(),
    };
    if let Some(p) = &a.html {
        std::fs::write(p, report::to_html(&rep, &rctx))
            .with_context(|| format!("cannot write {}", p.display()))?;
        ctx.info(format!("HTML report written to {}", p.display()));
    }
    match ctx.format {
        Format::Json => println!("{}", report::to_json(&rep, &rctx)?),
        Format::Csv => print!("{}", report::to_csv(&rep)?),
        Format::Table => {
            let mut t = Table::new(vec![
                "position", "security", "buy", "sell", "hold", "reason",
            ]);
            // An outcome, with the other reading where the law is unsettled.
            let cell = |d: &TradeDecision| match &d.alternative {
                Some(a) => format!("{} (other reading: {})", d.outcome, a.outcome),
                None => d.outcome.to_string(),
            };
            for p in &rep.positions {
                t.row(vec![
                    p.position.id.clone(),
                    security_label(&p.position.security),
                    cell(&p.buy),
                    cell(&p.sell),
                    cell(&p.hold),
                    p.reason(),
                ]);
            }
            t.print_table();
            println!("at {} (US Eastern)", rep.at_eastern);
            println!("policy: {}", rep.policy_text);
            println!("lists: {}", snap.version_lines().join("; "));
            for (side, counts) in &rep.summary.by_outcome {
                let c: Vec<String> = counts.iter().map(|(o, n)| format!("{o} {n}")).collect();
                println!("  {side}: {}", c.join(", "));
            }
            for (program, counts) in &rep.summary.by_program {
                let c: Vec<String> = counts.iter().map(|(o, n)| format!("{o} {n}")).collect();
                println!("  {program}: {}", c.join(", "));
            }
        }
    }
    let restricted = rep.positions.iter().any(|p| p.worst().is_restricted());
    Ok(if restricted {
        ExitCode::from(EXIT_HITS)
    } else {
        ExitCode::SUCCESS
    })
}
