//! The legal-effect engine of embargo.
//!
//! Given entities from any list (OFAC SDN and consolidated, the DoD Section
//! 1237 and 1260H lists, …), the dated lifecycle events that change their
//! effect (injunctions, vacatur, corrected re-listings, general licences)
//! and the programs declared in `data/programs.json`, it answers: is this
//! trade in this security, at this instant, restricted for a US person,
//! under which program, and why?
//!
//! - [`LawBook`] holds entities, events and [`Program`]s.
//! - [`SecurityMaster`] holds the user's instruments and fund holdings;
//!   designated entities' own ISINs and tickers are known to the book.
//! - [`check_trade`] returns a [`TradeDecision`]: an [`Outcome`], the
//!   [`Finding`]s per listed issuer and program, the rule, citation, dates
//!   and events behind each, and the alternative reading where the law is
//!   unsettled (the answer is always the conservative one).
//! - [`screen_portfolio`] checks every position for buy, sell and hold;
//!   [`report`] renders the result as CSV, JSON or a self-contained HTML
//!   page.
//!
//! Instants are compared in US Eastern time, to the second: prohibitions
//! begin at their stated instant (inclusive); divestment is allowed prior
//! to its closing instant.

mod book;
mod evaluate;
mod portfolio;
mod program;
pub mod report;
mod security;
pub mod time;
mod trade;

pub use book::{market_code, normalize_name, LawBook};
pub use portfolio::{
    parse_positions_csv, screen_portfolio, screen_portfolio_with_progress, PortfolioReport,
    Position, PositionResult, Summary,
};
pub use program::{
    parse_programs, Annex, Clock, CloseMatch, InvestmentRules, Licence, ProcurementStep, Program,
    ProgramKey, ProgramKind, Reach, SupplementaryListing, TimeSpec, BUNDLED_PROGRAMS,
};
pub use security::{
    FundHolding, Identification, Instrument, InstrumentKind, IssuerResolver, IssuerTie, NameLink,
    NoResolver, SecurityMaster, SecurityRef, TieBasis,
};
pub use time::{parse_instant, parse_instant_in, Boundary, ZoneReading};
pub use trade::{
    check_trade, check_trade_with, parse_trades_csv, Alternative, EventRef, Finding, FindingDates,
    FundLine, LookThrough, Outcome, ResolvedSecurity, Side, TradeCheck, TradeDecision, TradeRow,
};

use serde::{Deserialize, Serialize};

/// Errors of the law engine.
#[derive(Debug, thiserror::Error)]
pub enum LawError {
    /// The program file is malformed or inconsistent.
    #[error("invalid program file: {reason}")]
    Programs {
        /// What is wrong.
        reason: String,
    },
    /// Two entities share an id.
    #[error("entity '{0}' given twice")]
    DuplicateEntity(String),
    /// An input CSV is malformed.
    #[error("{file}: line {line}, field '{field}': {message}")]
    Csv {
        /// The file name.
        file: String,
        /// The 1-based line.
        line: u64,
        /// The column.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A time or zone could not be read.
    #[error("invalid time '{input}': {reason}")]
    Time {
        /// The input.
        input: String,
        /// What is wrong.
        reason: String,
    },
}

/// User settings that shape answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    /// A fund is restricted when the summed weight of its restricted
    /// holdings exceeds this fraction. Default 0: any exposure restricts
    /// it (OFAC has published no de minimis threshold).
    pub fund_threshold: f64,
    /// Name matches scoring at least this identify the issuer.
    pub identity_threshold: f64,
    /// Name matches scoring at least this (and below the identity
    /// threshold) are close matches, relevant where a program has a
    /// close-match rule (OFAC FAQ 864); lower scores are ignored.
    pub close_match_threshold: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            fund_threshold: 0.0,
            identity_threshold: 0.9,
            close_match_threshold: 0.75,
        }
    }
}

impl Policy {
    /// The policy in words, for reports.
    pub fn describe(&self) -> String {
        format!(
            "fund look-through: a fund or ETF is restricted when restricted holdings exceed {:.2}% of it{}; \
             issuer names identify at score >= {:.2}, close matches from {:.2}",
            self.fund_threshold * 100.0,
            if self.fund_threshold == 0.0 {
                " (any exposure)"
            } else {
                ""
            },
            self.identity_threshold,
            self.close_match_threshold
        )
    }
}
