//! `embargo update`: fetch the official list files from their public URLs,
//! verify them, and import them.
//!
//! Every file of a source is downloaded into memory first; an HTTP error, a
//! network failure, an empty body or a file that does not parse aborts the
//! whole update before anything is written, so the store keeps its previous
//! versions. A download with more than [`MAX_SHRINK`] fewer entities than
//! the current version is refused as a likely truncated publication unless
//! forced: a file cut exactly at a record boundary parses cleanly, and
//! official lists do not lose a tenth of their entries from one day to the
//! next.

use std::io::Read;
use std::time::Duration;

use embargo_model::RawFile;
use embargo_sources::SourceKind;
use embargo_store::{ImportMeta, VersionSel};

use crate::{Engine, EngineError, ImportReport};

/// The official OFAC export service.
pub const OFAC_BASE: &str =
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/";
/// The trade.gov Consolidated Screening List download.
pub const CSL_BASE: &str = "https://data.trade.gov/downloadable_consolidated_screening_list/v1/";

/// The largest drop in a list's entity count an update accepts without
/// `force` (a fraction of the current version's count).
pub const MAX_SHRINK: f64 = 0.10;

/// Largest file accepted from the network (the SDN CSV is about 2 MB).
const MAX_DOWNLOAD: u64 = 256 * 1024 * 1024;

/// One downloadable source: its parser and files.
#[derive(Debug, Clone)]
pub struct Feed {
    pub kind: SourceKind,
    pub list: &'static str,
    /// (URL, file name given to the parser).
    pub files: Vec<(String, String)>,
}

/// Where to download from; the defaults are the official URLs, tests point
/// both bases at a local server.
#[derive(Debug, Clone)]
pub struct UpdateConfig {
    pub ofac_base: String,
    pub csl_base: String,
    pub timeout: Duration,
    /// Accept a download that shrinks a list by more than [`MAX_SHRINK`].
    pub force: bool,
}

impl Default for UpdateConfig {
    fn default() -> Self {
        UpdateConfig {
            ofac_base: OFAC_BASE.to_string(),
            csl_base: CSL_BASE.to_string(),
            timeout: Duration::from_secs(60),
            force: false,
        }
    }
}

fn join(base: &str, file: &str) -> String {
    if base.ends_with('/') {
        format!("{base}{file}")
    } else {
        format!("{base}/{file}")
    }
}

/// The feeds `embargo update` fetches. BIS and the DoD lists publish no
/// machine-readable file at a stable URL and are not fetched.
pub fn feeds(cfg: &UpdateConfig) -> Vec<Feed> {
    let ofac = |names: &[(&str, &str)]| {
        names
            .iter()
            .map(|(remote, local)| (join(&cfg.ofac_base, remote), local.to_string()))
            .collect::<Vec<_>>()
    };
    vec![
        Feed {
            kind: SourceKind::OfacSdn,
            list: "us_ofac_sdn",
            files: ofac(&[
                ("SDN.CSV", "sdn.csv"),
                ("ALT.CSV", "alt.csv"),
                ("ADD.CSV", "add.csv"),
                ("SDN_COMMENTS.CSV", "sdn_comments.csv"),
            ]),
        },
        Feed {
            kind: SourceKind::OfacCons,
            list: "us_ofac_cons",
            files: ofac(&[
                ("CONS_PRIM.CSV", "cons_prim.csv"),
                ("CONS_ALT.CSV", "cons_alt.csv"),
                ("CONS_ADD.CSV", "cons_add.csv"),
                ("CONS_COMMENTS.CSV", "cons_comments.csv"),
            ]),
        },
        Feed {
            kind: SourceKind::TradeCsl,
            list: "us_trade_csl",
            files: vec![(
                join(&cfg.csl_base, "consolidated.csv"),
                "consolidated.csv".into(),
            )],
        },
    ]
}

/// Downloads one URL into memory.
fn fetch(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>, EngineError> {
    let resp = agent.get(url).call().map_err(|e| match e {
        ureq::Error::StatusCode(code) => {
            EngineError::Update(format!("{url}: the server answered HTTP {code}"))
        }
        other => EngineError::Update(format!(
            "{url}: cannot download ({other}); check the network connection or use `embargo import` with local files"
        )),
    })?;
    let mut bytes = Vec::new();
    resp.into_body()
        .into_reader()
        .take(MAX_DOWNLOAD)
        .read_to_end(&mut bytes)
        .map_err(|e| EngineError::Update(format!("{url}: download interrupted: {e}")))?;
    if bytes.is_empty() {
        return Err(EngineError::Update(format!(
            "{url}: the server sent an empty file"
        )));
    }
    Ok(bytes)
}

/// What an update did for one feed.
#[derive(Debug)]
pub struct FeedReport {
    pub list: &'static str,
    pub imports: Vec<ImportReport>,
}

/// Downloads and parses every feed, then imports them. Nothing is written
/// unless every feed downloaded and parsed.
pub fn update(engine: &Engine, cfg: &UpdateConfig) -> Result<Vec<FeedReport>, EngineError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(cfg.timeout))
        .http_status_as_error(true)
        .build()
        .into();
    let mut staged = Vec::new();
    for feed in feeds(cfg) {
        let mut files = Vec::new();
        for (url, name) in &feed.files {
            files.push(RawFile::new(name.clone(), fetch(&agent, url)?));
        }
        let datasets = embargo_sources::parse(feed.kind, &files)?;
        if !cfg.force {
            for ds in &datasets {
                let current = engine.resolve_version(&ds.list, &VersionSel::Latest)?;
                if let Some(cur) = current {
                    let now = ds.entities.len() as f64;
                    let before = cur.entity_count as f64;
                    if now < before * (1.0 - MAX_SHRINK) {
                        return Err(EngineError::Update(format!(
                            "{}: the download has {} entities, {:.0}% fewer than the {} in version {}; \
                             refusing a likely truncated file (use --force to import it anyway)",
                            ds.list,
                            ds.entities.len(),
                            (1.0 - now / before) * 100.0,
                            cur.entity_count,
                            cur.seq
                        )));
                    }
                }
            }
        }
        staged.push((feed, files, datasets));
    }
    let mut out = Vec::new();
    for (feed, files, datasets) in staged {
        let imports = engine.import_datasets(
            &datasets,
            &files,
            ImportMeta {
                published: None,
                source: "update".to_string(),
            },
        )?;
        out.push(FeedReport {
            list: feed.list,
            imports,
        });
    }
    Ok(out)
}
