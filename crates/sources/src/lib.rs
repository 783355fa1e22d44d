//! Parsers for the official list formats embargo imports.
//!
//! Every parser takes raw files ([`RawFile`]: a name and bytes, no I/O here)
//! and returns [`Dataset`]s of [`embargo_model::Entity`] values, or a
//! [`SourceError`] naming the file, line and field at fault:
//!
//! * [`ofac`]: OFAC legacy CSV exports (SDN and Consolidated, with the
//!   NS-CMIC entries), including the remarks grammar;
//! * [`dod`]: the project's curated DoD Section 1237 / 1260H files and the
//!   lifecycle events, bundled into the crate ([`bundled_dod_files`]);
//! * [`bis`]: the BIS Denied Persons List (tab-separated);
//! * [`csl`]: the trade.gov Consolidated Screening List (CSV and JSON);
//! * [`ftm`]: FollowTheMoney JSON lines.
//!
//! [`parse`] dispatches on a [`SourceKind`].

#![warn(missing_docs)]

mod country;
mod dates;
mod error;
mod text;

pub mod bis;
pub mod csl;
pub mod dod;
pub mod ftm;
pub mod ofac;

pub use country::{country_code, resolve_country};
pub use embargo_model::{Dataset, RawFile};
pub use error::SourceError;
pub use ofac::OfacList;

use std::fmt;

/// The source formats this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// OFAC SDN legacy CSV (`sdn.csv`, `alt.csv`, `add.csv`, `sdn_comments.csv`).
    OfacSdn,
    /// OFAC Consolidated legacy CSV (`cons_prim.csv`, …).
    OfacCons,
    /// trade.gov Consolidated Screening List, CSV or JSON.
    TradeCsl,
    /// BIS Denied Persons List, tab-separated.
    BisDpl,
    /// FollowTheMoney JSON lines.
    Ftm,
    /// The curated DoD files (`section_1237.csv`, `section_1260h.csv`, `events.csv`).
    Dod,
}

impl SourceKind {
    /// All kinds.
    pub const ALL: [SourceKind; 6] = [
        SourceKind::OfacSdn,
        SourceKind::OfacCons,
        SourceKind::TradeCsl,
        SourceKind::BisDpl,
        SourceKind::Ftm,
        SourceKind::Dod,
    ];

    /// The short name: `ofac-sdn`, `ofac-cons`, `csl`, `bis-dpl`, `ftm`, `dod`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::OfacSdn => "ofac-sdn",
            SourceKind::OfacCons => "ofac-cons",
            SourceKind::TradeCsl => "csl",
            SourceKind::BisDpl => "bis-dpl",
            SourceKind::Ftm => "ftm",
            SourceKind::Dod => "dod",
        }
    }

    /// Parses a short name (see [`SourceKind::as_str`]), case-insensitively.
    pub fn parse(s: &str) -> Option<SourceKind> {
        let l = s.trim().to_ascii_lowercase();
        SourceKind::ALL.into_iter().find(|k| k.as_str() == l)
    }

    /// The dataset key the kind produces: `us_ofac_sdn`, `us_ofac_cons`,
    /// `us_trade_csl`, `us_bis_dpl`, `ftm` (the default for FollowTheMoney
    /// data; [`ftm::parse`] takes another) and `us_dod`, the common prefix of
    /// the two DoD datasets `us_dod_1237` and `us_dod_1260h`.
    pub fn list_key(&self) -> &'static str {
        match self {
            SourceKind::OfacSdn => "us_ofac_sdn",
            SourceKind::OfacCons => "us_ofac_cons",
            SourceKind::TradeCsl => "us_trade_csl",
            SourceKind::BisDpl => "us_bis_dpl",
            SourceKind::Ftm => "ftm",
            SourceKind::Dod => "us_dod",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SourceKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SourceKind::parse(s).ok_or_else(|| {
            let names: Vec<_> = SourceKind::ALL.iter().map(|k| k.as_str()).collect();
            format!(
                "unknown source kind '{s}'; expected one of {}",
                names.join(", ")
            )
        })
    }
}

/// Parses the raw files of one kind into datasets.
///
/// OFAC, trade.gov, BIS and FtM imports give one dataset (several files of
/// one kind are merged); DoD gives two (`us_dod_1237`, `us_dod_1260h`; see
/// [`dod::parse`]).
pub fn parse(kind: SourceKind, files: &[RawFile]) -> Result<Vec<Dataset>, SourceError> {
    match kind {
        SourceKind::OfacSdn => Ok(vec![ofac::parse(OfacList::Sdn, files)?]),
        SourceKind::OfacCons => Ok(vec![ofac::parse(OfacList::Cons, files)?]),
        SourceKind::Dod => dod::parse(files),
        SourceKind::TradeCsl => Ok(vec![csl::parse(files)?]),
        SourceKind::BisDpl => Ok(vec![bis::parse(files)?]),
        SourceKind::Ftm => {
            let mut ds = Dataset::new(ftm::DEFAULT_LIST);
            for f in files {
                let part = ftm::parse(f, ftm::DEFAULT_LIST)?;
                ds.entities.extend(part.entities);
                ds.warnings.extend(part.warnings);
            }
            Ok(vec![ds])
        }
    }
}

/// The project's curated DoD files (`section_1237.csv`, `section_1260h.csv`,
/// `events.csv`, `identifiers.csv`, `local_names.csv` from `data/dod/`), embedded at build time so that the
/// binary works anywhere. Feed them to [`dod::parse`].
pub fn bundled_dod_files() -> Vec<RawFile> {
    vec![
        RawFile::new(
            "section_1237.csv",
            include_bytes!("../../../data/dod/section_1237.csv").to_vec(),
        ),
        RawFile::new(
            "section_1260h.csv",
            include_bytes!("../../../data/dod/section_1260h.csv").to_vec(),
        ),
        RawFile::new(
            "events.csv",
            include_bytes!("../../../data/dod/events.csv").to_vec(),
        ),
        RawFile::new(
            "identifiers.csv",
            include_bytes!("../../../data/dod/identifiers.csv").to_vec(),
        ),
        RawFile::new(
            "local_names.csv",
            include_bytes!("../../../data/dod/local_names.csv").to_vec(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in SourceKind::ALL {
            assert_eq!(SourceKind::parse(k.as_str()), Some(k));
            assert_eq!(k.to_string().parse::<SourceKind>(), Ok(k));
        }
        assert_eq!(SourceKind::parse("OFAC-SDN"), Some(SourceKind::OfacSdn));
        assert!("nope".parse::<SourceKind>().is_err());
        assert_eq!(SourceKind::Dod.list_key(), "us_dod");
    }
}
