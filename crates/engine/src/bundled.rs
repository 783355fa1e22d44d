//! The data snapshot shipped inside the binary.
//!
//! The public-domain OFAC, BIS and trade.gov exports under `data/` and the
//! project's curated DoD files are embedded at compile time, so a fresh
//! installation works offline: on first use with an empty database the
//! engine imports them, oldest first, as versions of their lists; a store
//! created by an earlier build receives the bundled publications that are
//! newer than its own versions (see `Engine::with_store`).

use chrono::NaiveDate;
use embargo_model::RawFile;
use embargo_sources::SourceKind;

/// One bundled import: a list version's raw files and what is known of its date.
pub struct BundledImport {
    pub kind: SourceKind,
    /// The publication date of the export (approximate where the month is
    /// all that is known: see `note`).
    pub published: NaiveDate,
    pub note: &'static str,
    pub files: Vec<RawFile>,
}

macro_rules! file {
    ($path:literal) => {
        RawFile::new(
            $path,
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/", $path)).to_vec(),
        )
    };
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    // The arguments are literals below; an invalid one is a programming error
    // caught by the unit test `bundled_dates_are_valid`.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The bundled imports, in the order they are applied (oldest first per list).
pub fn imports() -> Vec<BundledImport> {
    vec![
        BundledImport {
            kind: SourceKind::OfacSdn,
            published: date(2019, 7, 1),
            note: "OFAC SDN export of 2019 (month approximate)",
            files: vec![
                file!("ofac/sdn_2019/sdn.csv"),
                file!("ofac/sdn_2019/alt.csv"),
                file!("ofac/sdn_2019/add.csv"),
                file!("ofac/sdn_2019/sdn_comments.csv"),
            ],
        },
        BundledImport {
            kind: SourceKind::OfacSdn,
            published: date(2021, 7, 1),
            note: "OFAC SDN export of July 2021 (day approximate)",
            files: vec![
                file!("ofac/sdn_2021-07/sdn.csv"),
                file!("ofac/sdn_2021-07/alt.csv"),
                file!("ofac/sdn_2021-07/add.csv"),
                file!("ofac/sdn_2021-07/sdn_comments.csv"),
            ],
        },
        BundledImport {
            kind: SourceKind::OfacCons,
            published: date(2025, 3, 26),
            note: "OFAC consolidated (non-SDN) export of 2025-03-26 (primary file only)",
            files: vec![file!("ofac/cons_2025-03/cons_prim.csv")],
        },
        BundledImport {
            kind: SourceKind::OfacCons,
            published: date(2025, 4, 21),
            note: "OFAC consolidated (non-SDN) export of 2025-04-21 (primary and addresses)",
            files: vec![
                file!("ofac/cons_2025-04/cons_prim.csv"),
                file!("ofac/cons_2025-04/cons_add.csv"),
            ],
        },
        BundledImport {
            kind: SourceKind::OfacCons,
            published: date(2025, 12, 19),
            note: "OFAC consolidated (non-SDN) export of 2025-12-19",
            files: vec![
                file!("ofac/cons_2025-12/cons_prim.csv"),
                file!("ofac/cons_2025-12/cons_alt.csv"),
                file!("ofac/cons_2025-12/cons_add.csv"),
                file!("ofac/cons_2025-12/cons_comments.csv"),
            ],
        },
        BundledImport {
            kind: SourceKind::BisDpl,
            published: date(2019, 7, 1),
            note: "BIS Denied Persons List of July 2019 (day approximate)",
            files: vec![file!("bis/dpl_2019.txt")],
        },
        BundledImport {
            kind: SourceKind::BisDpl,
            published: date(2022, 9, 1),
            note: "BIS Denied Persons List of September 2022 (day approximate)",
            files: vec![file!("bis/dpl_2022.txt")],
        },
        BundledImport {
            kind: SourceKind::TradeCsl,
            published: date(2019, 12, 1),
            note: "trade.gov CSL, a 115-row sample of December 2019",
            files: vec![file!("trade_gov_csl/csl_2019_sample.csv")],
        },
        BundledImport {
            kind: SourceKind::TradeCsl,
            published: date(2025, 6, 1),
            note: "trade.gov CSL, a 13-row sample of June 2025",
            files: vec![file!("trade_gov_csl/consolidated_2025_sample.csv")],
        },
        BundledImport {
            kind: SourceKind::Dod,
            published: date(2026, 6, 10),
            note: "embargo's curated DoD Section 1237/1260H files and legal events",
            files: embargo_sources::bundled_dod_files(),
        },
    ]
}
