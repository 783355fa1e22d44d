//! `embargo`: screen names, identifiers, trades and portfolios against
//! versioned, point-in-time copies of the official restricted-party lists.
//!
//! Exit codes: 0 success and nothing restricted found; 1 hits found (a
//! screening above the threshold, a prohibited or blocked trade, a
//! portfolio with restricted positions, a failed verification); 2 error.

mod cmd;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use output::Format;

/// Screening engine for restricted companies, people and securities.
#[derive(Debug, Parser)]
#[command(name = "embargo", version, about, long_about = None)]
pub struct Cli {
    /// The SQLite database file (created, with the bundled lists, on first use).
    #[arg(long, global = true, env = "EMBARGO_DB", default_value = "embargo.db")]
    pub db: PathBuf,

    /// Output format.
    #[arg(long, global = true, value_enum, default_value = "table")]
    pub format: Format,

    /// No progress bars or informational messages on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import list files as a new version of their list.
    Import(cmd::lists::ImportArgs),
    /// Download the official lists from their public URLs and import them.
    Update(cmd::lists::UpdateArgs),
    /// Show every list with its latest version and as-of date.
    Lists,
    /// Show the versions of a list.
    Versions(cmd::lists::VersionsArgs),
    /// Compare two versions of a list.
    Diff(cmd::lists::DiffArgs),
    /// Show one entity as of a date or version.
    Show(cmd::lists::ShowArgs),
    /// Show an entity's history across list versions.
    History(cmd::lists::HistoryArgs),
    /// Screen one name or a CSV file of queries against the lists.
    Screen(cmd::screen::ScreenArgs),
    /// Score name pairs from a CSV (schema,name1,name2,...) and append a score column.
    ScorePairs(cmd::screen::ScorePairsArgs),
    /// Evaluate matching quality on labelled pairs and retrieval queries.
    Eval(cmd::screen::EvalArgs),
    /// Check whether a trade in a security is restricted at an instant.
    CheckTrade(cmd::law::CheckTradeArgs),
    /// Screen a portfolio of holdings at an instant.
    ScreenPortfolio(cmd::law::PortfolioArgs),
    /// Run the HTTP service and web console.
    Serve(cmd::serve::ServeArgs),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(cmd::admin::KeysCmd),
    /// Verify or export the audit trail.
    #[command(subcommand)]
    Audit(cmd::admin::AuditCmd),
    /// Verify screening receipts offline.
    #[command(subcommand)]
    Receipt(cmd::admin::ReceiptCmd),
}

/// Restores the default SIGPIPE action, so `embargo … | head` ends quietly
/// when the reader goes away instead of failing on a closed stdout.
fn reset_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal disposition to its default at start-up, before
    // any thread exists, has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    reset_sigpipe();
    let cli = Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
