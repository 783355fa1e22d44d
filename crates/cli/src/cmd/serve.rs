//! serve.
//!
//! This module also chooses the binary's memory allocator: mimalloc. The
//! service allocates and frees many small objects per request (the query's
//! analysis, the candidates' alignments, the JSON in and out, the audit
//! record); on two cores mimalloc answers single-query `/match` requests
//! with about a quarter less CPU than the system allocator, and every
//! other command benefits as well.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use embargo_server::ServeConfig;

use super::Ctx;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (default 127.0.0.1:8000; another address requires API keys).
    #[arg(long, env = "EMBARGO_BIND")]
    pub bind: Option<SocketAddr>,
    /// A TOML configuration file (environment variables EMBARGO_* override it, flags override both).
    #[arg(long, env = "EMBARGO_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log as JSON lines.
    #[arg(long)]
    pub log_json: bool,
}

pub fn serve(ctx: &Ctx, a: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut cfg = ServeConfig::load(a.config.as_deref())?;
    if let Some(b) = a.bind {
        cfg.bind = b;
    }
    cfg.db = Some(ctx.db.clone());
    if a.log_json {
        cfg.log_json = true;
    }
    if !ctx.db.exists() {
        ctx.info(format!(
            "embargo: creating {} and importing the bundled lists (first use)…",
            ctx.db.display()
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(embargo_server::serve(cfg))?;
    Ok(ExitCode::SUCCESS)
}

/// The process-wide allocator (see the module documentation).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
