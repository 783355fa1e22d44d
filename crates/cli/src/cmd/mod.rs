//! The subcommands.

pub mod admin;
pub mod law;
pub mod lists;
pub mod screen;
pub mod serve;

use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use embargo_engine::Engine;
use embargo_store::VersionSel;

use crate::{Cli, Command};

/// Exit code for "hits found / restricted".
pub const EXIT_HITS: u8 = 1;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Ctx {
        db: cli.db.clone(),
        format: cli.format,
        quiet: cli.quiet,
    };
    match cli.command {
        Command::Import(a) => lists::import(&ctx, a),
        Command::Update(a) => lists::update(&ctx, a),
        Command::Lists => lists::lists(&ctx),
        Command::Versions(a) => lists::versions(&ctx, a),
        Command::Diff(a) => lists::diff(&ctx, a),
        Command::Show(a) => lists::show(&ctx, a),
        Command::History(a) => lists::history(&ctx, a),
        Command::Screen(a) => screen::screen(&ctx, a),
        Command::ScorePairs(a) => screen::score_pairs(&ctx, a),
        Command::Eval(a) => screen::eval(&ctx, a),
        Command::CheckTrade(a) => law::check_trade(&ctx, a),
        Command::ScreenPortfolio(a) => law::portfolio(&ctx, a),
        Command::Serve(a) => serve::serve(&ctx, a),
        Command::Keys(c) => admin::keys(&ctx, c),
        Command::Audit(c) => admin::audit(&ctx, c),
        Command::Receipt(c) => admin::receipt(&ctx, c),
    }
}

/// What every command gets from the global options.
pub struct Ctx {
    pub db: std::path::PathBuf,
    pub format: crate::Format,
    pub quiet: bool,
}

impl Ctx {
    /// Opens the engine, importing the bundled lists on first use.
    pub fn engine(&self) -> anyhow::Result<Engine> {
        let first_use = !self.db.exists();
        if first_use && !self.quiet {
            eprintln!(
                "embargo: creating {} and importing the bundled lists (first use)…",
                self.db.display()
            );
        }
        let bar = if first_use && !self.quiet {
            let pb = indicatif::ProgressBar::new(0);
            pb.set_style(
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            pb
        } else {
            indicatif::ProgressBar::hidden()
        };
        let engine = Engine::open_with_progress(&self.db, &|done, total, what| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            bar.set_message(what.to_string());
        })
        .with_context(|| format!("cannot open database {}", self.db.display()));
        bar.finish_and_clear();
        engine
    }

    pub fn info(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", msg.as_ref());
        }
    }
}

/// Parses a version selector (`latest`, `3`/`v3`, `id:12`, `2025-04-21`).
pub fn parse_version(s: &str) -> anyhow::Result<VersionSel> {
    Ok(s.parse::<VersionSel>()?)
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .with_context(|| format!("'{s}' is not a date (expected YYYY-MM-DD)"))
}
