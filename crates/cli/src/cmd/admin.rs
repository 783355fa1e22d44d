//! keys, audit, receipt.

use std::fs::File;
use std::io::{self, BufReader};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Subcommand, ValueEnum};
use embargo_audit::{export_csv, export_jsonl, verify_csv, verify_jsonl, Role, SignedReceipt};

use super::{Ctx, EXIT_HITS};
use crate::output::{print_json, Format, Table};

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Create a key; its secret is printed once.
    Create {
        /// read (lists, entities, search), screen (+ match, screen, trades, portfolios), admin (+ updates, keys).
        #[arg(long)]
        role: String,
        /// A label for the key (who or what uses it).
        #[arg(long, default_value = "unnamed")]
        name: String,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by its id.
    Revoke { id: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check that no audit record was altered, removed, inserted or reordered.
    Verify {
        /// Verify an exported file instead of the database (JSON Lines, or
        /// CSV when the name ends in `.csv`).
        #[arg(long)]
        file: Option<PathBuf>,
        /// The head hash published earlier; fails if the chain no longer contains it as its head.
        #[arg(long)]
        head: Option<String>,
    },
    /// Export audit records for a period, as JSON Lines (the default, also
    /// with the global `--format json`) or CSV (`--as csv`, or the global
    /// `--format csv`); both verify offline with `audit verify --file`.
    Export {
        /// From this date or RFC 3339 instant (inclusive).
        #[arg(long)]
        from: Option<String>,
        /// Up to this date or instant (exclusive).
        #[arg(long)]
        to: Option<String>,
        /// The export format; overrides the global `--format`.
        #[arg(long = "as", value_enum)]
        export_format: Option<ExportFormat>,
        /// Write to a file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReceiptCmd {
    /// Verify a screening receipt's signature offline.
    Verify {
        /// The receipt JSON file.
        file: PathBuf,
        /// The installation's public key (hex) the receipt must be signed with.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Print this installation's receipt public key.
    PublicKey,
}

pub fn keys(ctx: &Ctx, c: KeysCmd) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine()?;
    match c {
        KeysCmd::Create { role, name } => {
            let role: Role = role
                .parse()
                .map_err(|_| anyhow::anyhow!("unknown role '{role}': use read, screen or admin"))?;
            let key = engine.create_key(&name, role)?;
            if ctx.format == Format::Json {
                print_json(
                    &serde_json::json!({"id": key.id, "name": name, "role": role.as_str(), "secret": key.secret}),
                )?;
            } else {
                println!(
                    "key {} ({name}, role {}) created. Its secret, shown only now:",
                    key.id,
                    role.as_str()
                );
                println!("{}", key.secret);
                ctx.info("Send it as `Authorization: Bearer <secret>` or `X-API-Key: <secret>`.");
            }
        }
        KeysCmd::List => {
            let keys = engine.keys()?;
            let mut t = Table::new(vec!["id", "name", "role", "created", "revoked"]);
            for k in &keys {
                t.row(vec![
                    k.id.clone(),
                    k.name.clone(),
                    k.role.as_str().to_string(),
                    k.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                    k.revoked_at
                        .map(|r| r.format("%Y-%m-%d %H:%M UTC").to_string())
                        .unwrap_or_default(),
                ]);
            }
            let json: Vec<_> = keys
                .iter()
                .map(|k| serde_json::json!({"id": k.id, "name": k.name, "role": k.role.as_str(), "created_at": k.created_at, "revoked_at": k.revoked_at}))
                .collect();
            t.print(ctx.format, &json)?;
        }
        KeysCmd::Revoke { id } => {
            if !engine.revoke_key(&id, "cli")? {
                bail!("no API key with id '{id}'");
            }
            println!("key {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_when(s: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .with_context(|| format!("'{s}' is neither a date (YYYY-MM-DD) nor an RFC 3339 instant"))?;
    Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

pub fn audit(ctx: &Ctx, c: AuditCmd) -> anyhow::Result<ExitCode> {
    match c {
        AuditCmd::Verify { file, head } => {
            let res = match &file {
                Some(p) => {
                    let f =
                        File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
                    let csv = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
                    let res = if csv {
                        verify_csv(BufReader::new(f))
                    } else {
                        verify_jsonl(BufReader::new(f))
                    };
                    res.map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
                }
                None => ctx.engine()?.audit_verify().map_err(anyhow::Error::from),
            };
            match res {
                Ok(r) => {
                    if let Some(h) = &head {
                        if !r.head_hash.eq_ignore_ascii_case(h) {
                            println!("FAILED: the chain's head is {} ({} records), not the published {h}", r.head_hash, r.count);
                            return Ok(ExitCode::from(EXIT_HITS));
                        }
                    }
                    if ctx.format == Format::Json {
                        print_json(&r)?;
                    } else {
                        println!(
                            "ok: {} records, seq {}..{}, head {}",
                            r.count,
                            r.first_seq.map(|s| s.to_string()).unwrap_or_default(),
                            r.last_seq.map(|s| s.to_string()).unwrap_or_default(),
                            r.head_hash
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("FAILED: {e:#}");
                    Ok(ExitCode::from(EXIT_HITS))
                }
            }
        }
        AuditCmd::Export {
            from,
            to,
            export_format,
            output,
        } => {
            let export_format = export_format.unwrap_or(match ctx.format {
                Format::Csv => ExportFormat::Csv,
                Format::Json | Format::Table => ExportFormat::Jsonl,
            });
            let engine = ctx.engine()?;
            let from = from.as_deref().map(parse_when).transpose()?;
            let to = to.as_deref().map(parse_when).transpose()?;
            let records = engine.audit_between(from, to)?;
            let n = records.len();
            let out: Box<dyn io::Write> = match &output {
                Some(p) => Box::new(
                    File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
                ),
                None => Box::new(io::stdout().lock()),
            };
            match export_format {
                ExportFormat::Jsonl => export_jsonl(records, out)?,
                ExportFormat::Csv => export_csv(records, out)?,
            }
            ctx.info(format!("{n} audit records exported"));
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn receipt(ctx: &Ctx, c: ReceiptCmd) -> anyhow::Result<ExitCode> {
    match c {
        ReceiptCmd::Verify { file, public_key } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            match SignedReceipt::from_json(&text, public_key.as_deref()) {
                Ok(r) => {
                    println!(
                        "ok: receipt signed by installation {} at {}: {} ({} hits) against {} list versions",
                        r.receipt.installation,
                        r.receipt.issued_at,
                        if r.receipt.hits.is_empty() { "no match" } else { "matches" },
                        r.receipt.hits.len(),
                        r.receipt.lists.len()
                    );
                    if public_key.is_none() {
                        ctx.info("note: without --public-key this proves the receipt is intact, not who signed it");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("FAILED: {}: {e}", file.display());
                    Ok(ExitCode::from(EXIT_HITS))
                }
            }
        }
        ReceiptCmd::PublicKey => {
            let engine = ctx.engine()?;
            println!("{}", engine.signing_key()?.public_hex());
            Ok(ExitCode::SUCCESS)
        }
    }
}
