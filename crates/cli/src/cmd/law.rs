//! check-trade, screen-portfolio.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use embargo_law::report::{self, ReportContext};
use embargo_law::{
    parse_instant, parse_positions_csv, Outcome, Policy, SecurityMaster, SecurityRef, Side,
    TradeCheck, TradeDecision,
};

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
    /// The security: an ISIN (US16941M1099), a ticker with its market ("1810 HK") or an issuer name.
    #[arg(long)]
    pub security: String,
    #[arg(long, value_enum)]
    pub side: SideArg,
    /// The trade instant: "2021-03-16T10:00", "2021-03-16 10:00 Asia/Shanghai", RFC 3339, or a date
    /// (read as 23:59:59 New York time, the last second of that trade date).
    #[arg(long)]
    pub at: String,
    /// The time zone of --at when it has none (IANA name, e.g. Asia/Hong_Kong); default America/New_York.
    #[arg(long)]
    pub tz: Option<String>,
    /// When the position was acquired (YYYY-MM-DD).
    #[arg(long)]
    pub held_since: Option<String>,
    /// The trader is not a US person.
    #[arg(long)]
    pub non_us_person: bool,
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
    let text = match tz {
        Some(z) => format!("{} {z}", at.trim().replace('T', " ")),
        None => at.to_string(),
    };
    Ok(parse_instant(&text)?)
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

fn print_decision(d: &TradeDecision) {
    println!("outcome:  {}", d.outcome);
    println!("instant:  {} (US Eastern: {})", d.at_input, d.at_eastern);
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

pub fn check_trade(ctx: &Ctx, a: CheckTradeArgs) -> anyhow::Result<ExitCode> {
    let at = instant(&a.at, a.tz.as_deref())?;
    let (sm, policy) = a.sec.load()?;
    let engine = ctx.engine()?;
    // Designations carry their own dates and the law book applies them at
    // the instant, so the latest versions (the most complete record,
    // including later vacaturs and re-listings) answer for any instant.
    let snap = engine.snapshot();
    let mut check = TradeCheck::new(SecurityRef::parse(&a.security), a.side.into(), at);
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
        Format::Json => {
            print_json(&serde_json::json!({"decision": d, "versions": snap.version_refs()}))?
        }
        Format::Csv => {
            let mut t = Table::new(vec![
                "outcome",
                "program",
                "list",
                "entity_id",
                "rule",
                "citation",
            ]);
            for f in &d.findings {
                t.row(vec![
                    f.outcome.to_string(),
                    f.program.clone(),
                    f.list.clone(),
                    f.entity_id.to_string(),
                    f.rule.clone(),
                    f.citation.clone(),
                ]);
            }
            if d.findings.is_empty() {
                t.row(vec![
                    d.outcome.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            t.print_csv()?;
        }
        Format::Table => {
            print_decision(&d);
            println!();
            println!("lists: {}", snap.version_lines().join("; "));
        }
    }
    Ok(
        if matches!(d.outcome, Outcome::Prohibited | Outcome::Blocked) {
            ExitCode::from(EXIT_HITS)
        } else {
            ExitCode::SUCCESS
        },
    )
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
    let rep = snap.screen_portfolio(&sm, &positions, at, &policy);
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
            for p in &rep.positions {
                t.row(vec![
                    p.position.id.clone(),
                    security_label(&p.position.security),
                    p.buy.outcome.to_string(),
                    p.sell.outcome.to_string(),
                    p.hold.outcome.to_string(),
                    p.reason(),
                ]);
            }
            t.print_table();
            println!("at {} — {}", at, snap.version_lines().join("; "));
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
