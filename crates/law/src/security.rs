//! Securities: references, the security master, fund holdings, and how a
//! security is tied to listed issuers.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use embargo_model::{EntityId, NameKind};
use serde::{Deserialize, Serialize};

use crate::book::{market_code, normalize_name, IdKey, LawBook};
use crate::{LawError, Policy};

/// What the user names: an ISIN, a ticker (with its market) and/or a name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityRef {
    /// ISO 6166 ISIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isin: Option<String>,
    /// Ticker symbol and market code (`("941", Some("HK"))`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticker: Option<(String, Option<String>)>,
    /// Issuer or instrument name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl SecurityRef {
    /// A reference by ISIN.
    pub fn isin(isin: &str) -> Self {
        SecurityRef {
            isin: Some(isin.trim().to_uppercase()),
            ..Default::default()
        }
    }

    /// A reference by ticker and market.
    pub fn ticker(symbol: &str, market: Option<&str>) -> Self {
        SecurityRef {
            ticker: Some((symbol.trim().to_uppercase(), market.map(market_code))),
            ..Default::default()
        }
    }

    /// A reference by name.
    pub fn name(name: &str) -> Self {
        SecurityRef {
            name: Some(name.trim().to_string()),
            ..Default::default()
        }
    }

    /// Reads what a user typed: a valid ISIN (`US16941M1099`), a ticker and
    /// a two-letter market (`941 HK`), a bare upper-case symbol (`LKCO`,
    /// also tried as a name), or else a name (`Xiaomi Corp`).
    pub fn parse(input: &str) -> SecurityRef {
        let s = input.trim();
        if embargo_model::ident::validate_isin(&s.to_uppercase()).is_ok() {
            return SecurityRef::isin(s);
        }
        // ISIN-shaped but failing validation (OFAC publishes a few such
        // values, kept and flagged): looked up as published, and as a name.
        if looks_like_isin(s) {
            return SecurityRef {
                isin: Some(s.to_uppercase()),
                name: Some(s.to_string()),
                ..Default::default()
            };
        }
        // `1810.HK`, `600519.SS`, `0941.HK`: a symbol with a market suffix.
        if !s.contains(char::is_whitespace) {
            if let Some((sym, mkt)) = s.rsplit_once('.') {
                if !sym.is_empty()
                    && sym.chars().all(|c| c.is_ascii_alphanumeric())
                    && mkt.len() <= 3
                    && crate::book::is_market_code(mkt)
                {
                    return SecurityRef::ticker(sym, Some(mkt));
                }
            }
        }
        let words: Vec<&str> = s.split_whitespace().collect();
        let symbolish = |w: &str| {
            !w.is_empty()
                && w.len() <= 8
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.')
        };
        match words.as_slice() {
            [sym, mkt]
                if symbolish(sym)
                    && ((mkt.len() == 2 && mkt.chars().all(|c| c.is_ascii_uppercase()))
                        || crate::book::is_market_code(mkt)) =>
            {
                SecurityRef::ticker(sym, Some(mkt))
            }
            [sym] if symbolish(sym) => SecurityRef {
                ticker: Some((sym.to_string(), None)),
                name: Some(sym.to_string()),
                ..Default::default()
            },
            _ => SecurityRef::name(s),
        }
    }

    /// True when nothing is given.
    pub fn is_empty(&self) -> bool {
        self.isin.is_none() && self.ticker.is_none() && self.name.is_none()
    }
}

impl fmt::Display for SecurityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(i) = &self.isin {
            parts.push(i.clone());
        }
        if let Some((s, m)) = &self.ticker {
            parts.push(match m {
                Some(m) => format!("{s} {m}"),
                None => s.clone(),
            });
        }
        if let Some(n) = &self.name {
            if parts.is_empty() || self.ticker.as_ref().is_none_or(|(s, _)| s != n) {
                parts.push(n.clone());
            }
        }
        f.write_str(&parts.join(" / "))
    }
}

/// Two letters and nine or ten letters or digits: an ISIN, or a value
/// published as one.
fn looks_like_isin(s: &str) -> bool {
    let b = s.as_bytes();
    (11..=12).contains(&b.len())
        && b[..2].iter().all(|c| c.is_ascii_alphabetic())
        && b[2..].iter().all(|c| c.is_ascii_alphanumeric())
        && b[2..].iter().any(|c| c.is_ascii_digit())
}

/// The kind of an instrument in the security master.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentKind {
    /// Ordinary share.
    Share,
    /// American depositary receipt.
    Adr,
    /// Global depositary receipt.
    Gdr,
    /// Bond or note issued by the issuer.
    Bond,
    /// Exchange-traded fund.
    Etf,
    /// Other fund.
    Fund,
    /// Option.
    Option,
    /// Future.
    Future,
    /// Swap.
    Swap,
    /// Structured note giving exposure to an underlying.
    Note,
}

impl InstrumentKind {
    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentKind::Share => "share",
            InstrumentKind::Adr => "adr",
            InstrumentKind::Gdr => "gdr",
            InstrumentKind::Bond => "bond",
            InstrumentKind::Etf => "etf",
            InstrumentKind::Fund => "fund",
            InstrumentKind::Option => "option",
            InstrumentKind::Future => "future",
            InstrumentKind::Swap => "swap",
            InstrumentKind::Note => "note",
        }
    }

    /// Instruments that may name an underlying security: depositary
    /// receipts (the shares they represent) and derivatives.
    pub fn has_underlying(self) -> bool {
        self.is_depositary_receipt() || self.is_derivative()
    }

    /// ADRs and GDRs.
    pub fn is_depositary_receipt(self) -> bool {
        matches!(self, InstrumentKind::Adr | InstrumentKind::Gdr)
    }

    /// Options, futures, swaps and structured notes.
    pub fn is_derivative(self) -> bool {
        matches!(
            self,
            InstrumentKind::Option
                | InstrumentKind::Future
                | InstrumentKind::Swap
                | InstrumentKind::Note
        )
    }

    /// Funds and ETFs.
    pub fn is_fund(self) -> bool {
        matches!(self, InstrumentKind::Etf | InstrumentKind::Fund)
    }
}

impl FromStr for InstrumentKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "share" | "equity" | "stock" => InstrumentKind::Share,
            "adr" => InstrumentKind::Adr,
            "gdr" => InstrumentKind::Gdr,
            "bond" | "debt" => InstrumentKind::Bond,
            "etf" => InstrumentKind::Etf,
            "fund" => InstrumentKind::Fund,
            "option" => InstrumentKind::Option,
            "future" => InstrumentKind::Future,
            "swap" => InstrumentKind::Swap,
            "note" => InstrumentKind::Note,
            other => {
                return Err(format!(
                    "unknown type '{other}' (share|adr|gdr|bond|etf|fund|option|future|swap|note)"
                ))
            }
        })
    }
}

/// One instrument of the security master.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instrument {
    /// ISIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isin: Option<String>,
    /// Ticker symbol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticker: Option<String>,
    /// Market code of the ticker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
    /// Instrument name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Instrument kind.
    pub kind: InstrumentKind,
    /// Issuer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_name: Option<String>,
    /// Issuer LEI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_lei: Option<String>,
    /// Issuer Chinese USCC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_uscc: Option<String>,
    /// The underlying's ISIN: the shares a depositary receipt represents,
    /// or a derivative's underlying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub underlying_isin: Option<String>,
}

/// One holding of a fund.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundHolding {
    /// The held security's ISIN.
    pub holding_isin: String,
    /// Its weight in the fund, as a fraction (0.05 = 5 %).
    pub weight: f64,
}

/// The user's instruments and fund holdings. Designated entities' own
/// ISINs, tickers and issuer names come from the [`LawBook`].
#[derive(Debug, Clone, Default)]
pub struct SecurityMaster {
    instruments: Vec<Instrument>,
    by_isin: HashMap<String, usize>,
    by_ticker: HashMap<String, Vec<usize>>,
    holdings: HashMap<String, Vec<FundHolding>>,
    sources: Vec<String>,
}

fn csv_err(file: &str, line: u64, field: &str, message: impl Into<String>) -> LawError {
    LawError::Csv {
        file: file.to_string(),
        line,
        field: field.to_string(),
        message: message.into(),
    }
}

/// A CSV reader with a header map (lower-cased column names).
pub(crate) struct CsvTable<'a> {
    file: &'a str,
    reader: csv::Reader<&'a [u8]>,
    columns: HashMap<String, usize>,
}

impl<'a> CsvTable<'a> {
    pub(crate) fn open(
        file: &'a str,
        bytes: &'a [u8],
        required: &[&str],
    ) -> Result<Self, LawError> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|e| csv_err(file, 1, "header", e.to_string()))?
            .clone();
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_ascii_lowercase(), i))
            .collect();
        for r in required {
            if !columns.contains_key(*r) {
                return Err(csv_err(file, 1, r, "missing column"));
            }
        }
        Ok(CsvTable {
            file,
            reader,
            columns,
        })
    }

    /// Runs `f` over each non-empty row with a field getter and its line.
    pub(crate) fn for_each(
        &mut self,
        mut f: impl FnMut(&Row<'_>) -> Result<(), LawError>,
    ) -> Result<(), LawError> {
        for rec in self.reader.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                csv_err(self.file, line, "record", e.to_string())
            })?;
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            if rec.iter().all(|v| v.is_empty()) {
                continue;
            }
            f(&Row {
                file: self.file,
                line,
                rec: &rec,
                columns: &self.columns,
            })?;
        }
        Ok(())
    }
}

/// One CSV row.
pub(crate) struct Row<'a> {
    file: &'a str,
    line: u64,
    rec: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl Row<'_> {
    pub(crate) fn get(&self, column: &str) -> Option<String> {
        let i = *self.columns.get(column)?;
        self.rec
            .get(i)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    pub(crate) fn err(&self, field: &str, message: impl Into<String>) -> LawError {
        csv_err(self.file, self.line, field, message)
    }

    /// A `YYYY-MM-DD` date, if the column is set.
    pub(crate) fn date(&self, column: &str) -> Result<Option<chrono::NaiveDate>, LawError> {
        self.get(column)
            .map(|v| {
                chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                    .map_err(|_| self.err(column, format!("expected YYYY-MM-DD, got '{v}'")))
            })
            .transpose()
    }

    /// An ISIN of a holding or a trade: a valid ISIN, or a value shaped
    /// like one whose check digit fails (OFAC publishes a few; they are
    /// looked up as given and the answer says so). Anything else is an
    /// error naming the line and the column.
    pub(crate) fn isin_as_published(&self, column: &str) -> Result<Option<String>, LawError> {
        match self.get(column) {
            Some(v) if looks_like_isin(&v) => Ok(Some(v.to_uppercase())),
            _ => self.isin(column),
        }
    }

    pub(crate) fn isin(&self, column: &str) -> Result<Option<String>, LawError> {
        match self.get(column) {
            None => Ok(None),
            Some(v) => {
                let v = v.to_uppercase();
                embargo_model::ident::validate_isin(&v).map_err(|e| self.err(column, e))?;
                Ok(Some(v))
            }
        }
    }
}

impl SecurityMaster {
    /// An empty security master.
    pub fn new() -> Self {
        SecurityMaster::default()
    }

    /// Adds an instrument (a later one with the same ISIN replaces it).
    pub fn add(&mut self, inst: Instrument) {
        let i = match inst.isin.as_ref().and_then(|k| self.by_isin.get(k)) {
            Some(&i) => {
                self.instruments[i] = inst.clone();
                i
            }
            None => {
                self.instruments.push(inst.clone());
                self.instruments.len() - 1
            }
        };
        if let Some(isin) = &inst.isin {
            self.by_isin.insert(isin.clone(), i);
        }
        if let Some(t) = &inst.ticker {
            for key in ticker_keys(t, inst.market.as_deref()) {
                let slot = self.by_ticker.entry(key).or_default();
                if !slot.contains(&i) {
                    slot.push(i);
                }
            }
        }
    }

    /// Imports an instrument CSV with columns
    /// `isin,ticker,market,name,type,issuer_name,issuer_lei,issuer_uscc,underlying_isin`
    /// (`isin` or `ticker` required per row; `type` defaults to `share`).
    /// Returns the number of instruments read. Errors name the file, the
    /// line and the field.
    pub fn load_instruments_csv(&mut self, file: &str, bytes: &[u8]) -> Result<usize, LawError> {
        let mut table = CsvTable::open(file, bytes, &["isin"])?;
        let mut rows = Vec::new();
        table.for_each(|row| {
            let isin = row.isin("isin")?;
            let ticker = row.get("ticker");
            if isin.is_none() && ticker.is_none() {
                return Err(row.err("isin", "a row needs an isin or a ticker"));
            }
            let kind = match row.get("type") {
                None => InstrumentKind::Share,
                Some(t) => t.parse().map_err(|e: String| row.err("type", e))?,
            };
            let issuer_lei = row.get("issuer_lei");
            if let Some(l) = &issuer_lei {
                embargo_model::ident::validate_lei(l).map_err(|e| row.err("issuer_lei", e))?;
            }
            let issuer_uscc = row.get("issuer_uscc");
            if let Some(u) = &issuer_uscc {
                embargo_model::ident::validate_uscc(u).map_err(|e| row.err("issuer_uscc", e))?;
            }
            let underlying_isin = row.isin("underlying_isin")?;
            if underlying_isin.is_some() && !kind.has_underlying() {
                return Err(row.err(
                    "underlying_isin",
                    "only depositary receipts (adr, gdr), options, futures, swaps and notes have an underlying",
                ));
            }
            if underlying_isin.is_some() && underlying_isin == isin {
                return Err(row.err("underlying_isin", "an instrument cannot be its own underlying"));
            }
            rows.push(Instrument {
                isin,
                ticker: row.get("ticker").map(|t| t.to_uppercase()),
                market: row.get("market").map(|m| market_code(&m)),
                name: row.get("name"),
                kind,
                issuer_name: row.get("issuer_name"),
                issuer_lei,
                issuer_uscc,
                underlying_isin,
            });
            Ok(())
        })?;
        let n = rows.len();
        for r in rows {
            self.add(r);
        }
        self.sources.push(format!("{file} ({n} instruments)"));
        Ok(n)
    }

    /// Imports fund holdings, columns `fund_isin,holding_isin,weight`.
    /// Weights are fractions, or percentages when written with `%` or when
    /// any weight of the same fund exceeds 1. Returns the rows read.
    pub fn load_holdings_csv(&mut self, file: &str, bytes: &[u8]) -> Result<usize, LawError> {
        let mut table = CsvTable::open(file, bytes, &["fund_isin", "holding_isin", "weight"])?;
        let mut read: Vec<(String, String, f64, bool)> = Vec::new();
        table.for_each(|row| {
            let fund = row
                .isin("fund_isin")?
                .ok_or_else(|| row.err("fund_isin", "missing"))?;
            let holding = row
                .isin("holding_isin")?
                .ok_or_else(|| row.err("holding_isin", "missing"))?;
            let raw = row
                .get("weight")
                .ok_or_else(|| row.err("weight", "missing"))?;
            let (num, pct) = match raw.strip_suffix('%') {
                Some(n) => (n.trim(), true),
                None => (raw.as_str(), false),
            };
            let w: f64 = num
                .parse()
                .map_err(|_| row.err("weight", format!("not a number: '{raw}'")))?;
            if !w.is_finite() || w < 0.0 || (pct && w > 100.0) {
                return Err(row.err("weight", format!("out of range: '{raw}'")));
            }
            read.push((fund, holding, w, pct));
            Ok(())
        })?;
        let mut percent_funds: Vec<&str> = Vec::new();
        for (fund, _, w, pct) in &read {
            if (*pct || *w > 1.0) && !percent_funds.contains(&fund.as_str()) {
                percent_funds.push(fund);
            }
        }
        let percent_funds: Vec<String> = percent_funds.into_iter().map(String::from).collect();
        let n = read.len();
        for (fund, holding, w, _) in read {
            let weight = if percent_funds.contains(&fund) {
                w / 100.0
            } else {
                w
            };
            self.holdings.entry(fund).or_default().push(FundHolding {
                holding_isin: holding,
                weight,
            });
        }
        self.sources.push(format!("{file} ({n} fund holdings)"));
        Ok(n)
    }

    /// Sets a fund's holdings.
    pub fn set_holdings(&mut self, fund_isin: &str, holdings: Vec<FundHolding>) {
        self.holdings.insert(fund_isin.to_uppercase(), holdings);
    }

    /// The instrument with this ISIN.
    pub fn by_isin(&self, isin: &str) -> Option<&Instrument> {
        self.by_isin
            .get(&isin.trim().to_uppercase())
            .map(|&i| &self.instruments[i])
    }

    /// Instruments with this ticker (on `market`, or on any market).
    pub fn by_ticker(&self, symbol: &str, market: Option<&str>) -> Vec<&Instrument> {
        let key = match market {
            Some(m) => format!("{} {}", crate::book::norm_ticker(symbol), market_code(m)),
            None => crate::book::norm_ticker(symbol),
        };
        self.by_ticker
            .get(&key)
            .into_iter()
            .flatten()
            .map(|&i| &self.instruments[i])
            .collect()
    }

    /// The single instrument whose ticker (any market) or name equals
    /// `label`, ignoring case.
    pub fn by_label(&self, label: &str) -> Option<&Instrument> {
        let by_ticker = self.by_ticker(label, None);
        if by_ticker.len() == 1 {
            return Some(by_ticker[0]);
        }
        let mut named = self.instruments.iter().filter(|i| {
            i.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(label.trim()))
        });
        match (named.next(), named.next()) {
            (Some(i), None) => Some(i),
            _ => None,
        }
    }

    /// A fund's holdings, if known.
    pub fn holdings(&self, fund_isin: &str) -> Option<&[FundHolding]> {
        self.holdings
            .get(&fund_isin.trim().to_uppercase())
            .map(Vec::as_slice)
    }

    /// The number of instruments.
    pub fn len(&self) -> usize {
        self.instruments.len()
    }

    /// True when there are no instruments and no holdings.
    pub fn is_empty(&self) -> bool {
        self.instruments.is_empty() && self.holdings.is_empty()
    }

    /// The files imported, with counts (for reports).
    pub fn sources(&self) -> &[String] {
        &self.sources
    }
}

fn ticker_keys(symbol: &str, market: Option<&str>) -> Vec<String> {
    let sym = crate::book::norm_ticker(symbol);
    let mut v = vec![sym.clone()];
    if let Some(m) = market {
        v.push(format!("{sym} {}", market_code(m)));
    }
    v
}

/// A name resolved to a listed entity by a matcher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameLink {
    /// The entity the name matched.
    pub entity_id: EntityId,
    /// The match score in [0, 1].
    pub score: f64,
    /// The entity's name that matched.
    pub matched_name: String,
    /// How the score came about.
    pub explanation: String,
}

/// Resolves issuer names to listed entities (the engine implements it with
/// embargo-match). The book's own normalised-name index is always
/// consulted as well.
pub trait IssuerResolver {
    /// Candidate entities for `name`, best first.
    fn resolve_name(&self, name: &str) -> Vec<NameLink>;
}

/// A resolver that finds nothing: only identifiers and exact (normalised)
/// names tie securities to issuers.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResolver;

impl IssuerResolver for NoResolver {
    fn resolve_name(&self, _name: &str) -> Vec<NameLink> {
        Vec::new()
    }
}

/// How a security was tied to a listed entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TieBasis {
    /// A published identifier of the entity equals the security's.
    Identifier {
        /// `isin`, `ticker`, `lei`, `uscc`.
        kind: String,
        /// The identifier value.
        value: String,
    },
    /// The issuer name matched a name of the entity.
    Name {
        /// The name looked up.
        query: String,
        /// The entity's name that matched.
        matched_name: String,
        /// The score in [0, 1].
        score: f64,
        /// Why.
        explanation: String,
        /// True when the match is close but not an identification (below
        /// the policy's identity threshold): relevant only where a program
        /// has a close-match rule.
        close_match: bool,
    },
    /// The same party on another list, found through the names of an
    /// entity tied by identifier.
    SameParty {
        /// The entity the security was tied to first.
        via: EntityId,
        /// The name both carry.
        matched_name: String,
        /// Why.
        explanation: String,
    },
}

impl TieBasis {
    /// True for close (not identifying) name matches.
    pub fn is_close_match(&self) -> bool {
        matches!(
            self,
            TieBasis::Name {
                close_match: true,
                ..
            }
        )
    }

    /// A one-line description.
    pub fn describe(&self) -> String {
        match self {
            TieBasis::Identifier { kind, value } => format!("{kind} {value}"),
            TieBasis::Name {
                query,
                matched_name,
                score,
                close_match,
                ..
            } => format!(
                "{} '{query}' ~ '{matched_name}' (score {score:.2})",
                if *close_match {
                    "close name match"
                } else {
                    "name"
                }
            ),
            TieBasis::SameParty {
                via, matched_name, ..
            } => format!("same party as {via} (name '{matched_name}')"),
        }
    }
}

/// A listed entity a security is tied to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssuerTie {
    /// The entity.
    pub entity_id: EntityId,
    /// Its primary name.
    pub entity_name: String,
    /// Its list.
    pub list: String,
    /// How the tie was made.
    pub basis: TieBasis,
}

/// The instrument found and the issuers it was tied to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identification {
    /// The security-master record, if one was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instrument: Option<Instrument>,
    /// The listed issuers.
    pub ties: Vec<IssuerTie>,
}

/// Ties a security to listed issuers: identifiers first (ISIN, ticker and
/// market, issuer LEI and USCC), then issuer names, then the same party on
/// other lists.
pub(crate) fn identify(
    book: &LawBook,
    sm: &SecurityMaster,
    resolver: &dyn IssuerResolver,
    sec: &SecurityRef,
    policy: &Policy,
) -> Identification {
    let mut instrument = sec.isin.as_deref().and_then(|i| sm.by_isin(i)).cloned();
    if instrument.is_none() {
        if let Some((s, m)) = &sec.ticker {
            let found = sm.by_ticker(s, m.as_deref());
            if found.len() == 1 {
                instrument = Some(found[0].clone());
            }
        }
    }
    if instrument.is_none() {
        if let Some(n) = &sec.name {
            instrument = sm.by_label(n).cloned();
        }
    }
    let mut ties: Vec<IssuerTie> = Vec::new();
    let push = |ties: &mut Vec<IssuerTie>, e: &embargo_model::Entity, basis: TieBasis| {
        if let Some(t) = ties.iter_mut().find(|t| t.entity_id == e.id) {
            if rank(&basis) > rank(&t.basis) {
                t.basis = basis;
            }
            return;
        }
        ties.push(IssuerTie {
            entity_id: e.id.clone(),
            entity_name: e.caption().to_string(),
            list: e
                .designations
                .first()
                .map(|d| d.list.clone())
                .unwrap_or_else(|| e.id.list().to_string()),
            basis,
        });
    };

    // Identifiers.
    let mut isins: Vec<String> = sec.isin.iter().cloned().collect();
    if let Some(i) = instrument.as_ref().and_then(|i| i.isin.clone()) {
        if !isins.contains(&i) {
            isins.push(i);
        }
    }
    for isin in &isins {
        for e in book.by_identifier(IdKey::Isin, isin) {
            push(
                &mut ties,
                e,
                TieBasis::Identifier {
                    kind: "isin".into(),
                    value: isin.clone(),
                },
            );
        }
    }
    let mut tickers: Vec<(String, Option<String>)> = sec.ticker.iter().cloned().collect();
    if let Some(inst) = &instrument {
        if let Some(t) = &inst.ticker {
            tickers.push((t.clone(), inst.market.clone()));
        }
    }
    for (sym, mkt) in &tickers {
        let found = match mkt {
            Some(m) => book.by_identifier(IdKey::Ticker, &format!("{sym} {m}")),
            None => book.by_identifier(IdKey::TickerAnyMarket, sym),
        };
        for e in found {
            push(
                &mut ties,
                e,
                TieBasis::Identifier {
                    kind: "ticker".into(),
                    value: match mkt {
                        Some(m) => format!("{sym} {m}"),
                        None => sym.clone(),
                    },
                },
            );
        }
    }
    if let Some(inst) = &instrument {
        for (key, kind, v) in [
            (IdKey::Lei, "lei", &inst.issuer_lei),
            (IdKey::Uscc, "uscc", &inst.issuer_uscc),
        ] {
            if let Some(v) = v {
                for e in book.by_identifier(key, v) {
                    push(
                        &mut ties,
                        e,
                        TieBasis::Identifier {
                            kind: kind.into(),
                            value: v.clone(),
                        },
                    );
                }
            }
        }
    }

    // Issuer names, when no identifier tied the security.
    if ties.is_empty() {
        let mut names: Vec<String> = Vec::new();
        if let Some(inst) = &instrument {
            names.extend(inst.issuer_name.clone());
            if inst.issuer_name.is_none() && !inst.kind.is_fund() {
                names.extend(inst.name.clone());
            }
        }
        if instrument.is_none() {
            names.extend(sec.name.clone());
        }
        for name in names {
            for (e, basis) in name_links(book, resolver, &name, policy) {
                push(&mut ties, e, basis);
            }
        }
    }

    // The same party on other lists (lists without identifiers, such as the
    // DoD lists), through the names of the entities tied by identifier or
    // identified by name.
    // Only names equal after normalisation count, and never abbreviations:
    // `CNOOC Limited` is not `China National Offshore Oil Corporation
    // (CNOOC)`, and `SMIC` does not make `SMIC Holdings` the same party.
    let first: Vec<IssuerTie> = ties
        .iter()
        .filter(|t| match &t.basis {
            TieBasis::Identifier { .. } => true,
            TieBasis::Name { close_match, .. } => !close_match,
            TieBasis::SameParty { .. } => false,
        })
        .cloned()
        .collect();
    for t in first {
        let Some(e) = book.entity(&t.entity_id) else {
            continue;
        };
        for n in e.names.iter().filter(|n| {
            matches!(
                n.kind,
                NameKind::Primary | NameKind::Alias | NameKind::Issuer
            )
        }) {
            if crate::book::is_abbreviation(&n.value) {
                continue;
            }
            let canonical = crate::book::canonical_name(&n.value);
            for other in book.by_exact_name(&n.value) {
                // One list names one party once: another entry of the same
                // list is another party (a parent, a subsidiary), never the
                // same one.
                if other.id == e.id || other.id.list() == e.id.list() {
                    continue;
                }
                let Some(matched) = other
                    .names
                    .iter()
                    .filter(|m| m.kind != NameKind::WeakAlias)
                    .find(|m| crate::book::canonical_name(&m.value) == canonical)
                    .map(|m| m.value.clone())
                else {
                    continue;
                };
                push(
                    &mut ties,
                    other,
                    TieBasis::SameParty {
                        via: e.id.clone(),
                        matched_name: matched.clone(),
                        explanation: format!(
                            "'{}' of {} and '{matched}' are the same name (case, punctuation and spelling of legal forms aside)",
                            n.value, e.id
                        ),
                    },
                );
            }
        }
    }

    // A corrected re-listing names the same party twice (the misspelled
    // and the corrected entry).
    let tied: Vec<EntityId> = ties.iter().map(|t| t.entity_id.clone()).collect();
    for id in tied {
        let relistings: Vec<&embargo_model::LifecycleEvent> = book
            .events_for(&id)
            .filter(|e| e.kind == embargo_model::EventKind::Relisting)
            .collect();
        for ev in relistings {
            for other in ev.entities.iter().filter(|o| **o != id) {
                if let Some(e) = book.entity(other) {
                    push(
                        &mut ties,
                        e,
                        TieBasis::SameParty {
                            via: id.clone(),
                            matched_name: e.caption().to_string(),
                            explanation: format!(
                                "same party under the corrected re-listing '{}'",
                                ev.title
                            ),
                        },
                    );
                }
            }
        }
    }
    Identification { instrument, ties }
}

fn rank(b: &TieBasis) -> u8 {
    match b {
        TieBasis::Identifier { .. } => 4,
        TieBasis::SameParty { .. } => 3,
        TieBasis::Name {
            close_match: false, ..
        } => 2,
        TieBasis::Name { .. } => 1,
    }
}

/// Name links from the book's exact index and the resolver, classified by
/// the policy's thresholds.
///
/// A resolver match made only through another entity's abbreviation
/// (`CNOOC` as an alias of China National Offshore Oil Corporation) is a
/// close match, not an identification, when the query is a full name
/// (`CNOOC Ltd`) rather than the bare abbreviation.
fn name_links<'b>(
    book: &'b LawBook,
    resolver: &dyn IssuerResolver,
    name: &str,
    policy: &Policy,
) -> Vec<(&'b embargo_model::Entity, TieBasis)> {
    let mut out: Vec<(&embargo_model::Entity, TieBasis)> = Vec::new();
    for e in book.by_exact_name(name) {
        let matched = e
            .names
            .iter()
            .find(|n| normalize_name(&n.value) == normalize_name(name))
            .map(|n| n.value.clone())
            .unwrap_or_else(|| e.caption().to_string());
        out.push((
            e,
            TieBasis::Name {
                query: name.to_string(),
                matched_name: matched,
                score: 1.0,
                explanation: "names equal after removing case, punctuation and legal forms".into(),
                close_match: false,
            },
        ));
    }
    let bare_query = name.split_whitespace().count() == 1;
    for link in resolver.resolve_name(name) {
        if link.score < policy.close_match_threshold {
            continue;
        }
        let Some(e) = book.entity(&link.entity_id) else {
            continue;
        };
        if out.iter().any(|(o, _)| o.id == e.id) {
            continue;
        }
        let exact = normalize_name(&link.matched_name) == normalize_name(name);
        let via_abbreviation = !bare_query
            && crate::book::is_abbreviation(&link.matched_name)
            && e.caption() != link.matched_name;
        let mut explanation = link.explanation.clone();
        if via_abbreviation {
            explanation.push_str(&format!(
                "; matched only through the abbreviation '{}' of '{}'",
                link.matched_name,
                e.caption()
            ));
        }
        out.push((
            e,
            TieBasis::Name {
                query: name.to_string(),
                matched_name: link.matched_name.clone(),
                score: link.score,
                explanation,
                close_match: via_abbreviation || (!exact && link.score < policy.identity_threshold),
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_user_input() {
        assert_eq!(
            SecurityRef::parse("US16941M1099"),
            SecurityRef::isin("US16941M1099")
        );
        assert_eq!(
            SecurityRef::parse("941 HK"),
            SecurityRef::ticker("941", Some("HK"))
        );
        assert_eq!(
            SecurityRef::parse("Xiaomi Corp"),
            SecurityRef::name("Xiaomi Corp")
        );
        let bare = SecurityRef::parse("LKCO");
        assert_eq!(bare.ticker, Some(("LKCO".into(), None)));
        assert_eq!(bare.name.as_deref(), Some("LKCO"));
        // A bad check digit: looked up as given (and as a name).
        let bad = SecurityRef::parse("US16941M1098");
        assert_eq!(bad.isin.as_deref(), Some("US16941M1098"));
        assert_eq!(bad.name.as_deref(), Some("US16941M1098"));
        // Market synonyms and suffixes.
        assert_eq!(
            SecurityRef::parse("002415 CH"),
            SecurityRef::ticker("002415", Some("CN"))
        );
        assert_eq!(
            SecurityRef::parse("1810.HK"),
            SecurityRef::ticker("1810", Some("HK"))
        );
        assert_eq!(
            SecurityRef::parse("600118.SS"),
            SecurityRef::ticker("600118", Some("CN"))
        );
        assert_eq!(
            SecurityRef::parse("CHL UN"),
            SecurityRef::ticker("CHL", Some("US"))
        );
        // A value OFAC publishes as an ISIN although its check digit fails.
        let flagged = SecurityRef::parse("CND10002K094");
        assert_eq!(flagged.isin.as_deref(), Some("CND10002K094"));
        assert!(SecurityRef::parse("BRC1EODR004").isin.is_some());
        assert!(SecurityRef::parse("Xiaomi Corp").isin.is_none());
        // Not a market suffix: a name or a bare symbol.
        assert!(SecurityRef::parse("BRK.B")
            .ticker
            .as_ref()
            .is_some_and(|(_, m)| m.is_none()));
    }

    #[test]
    fn instrument_csv_errors_name_line_and_field() {
        let mut sm = SecurityMaster::new();
        let csv =
            "isin,ticker,market,name,type,issuer_name,issuer_lei,issuer_uscc,underlying_isin\n\
                   US16941M1099,CHL,US,China Mobile ADR,adr,China Mobile Ltd,,,\n\
                   US16941M1098,,,Bad,share,,,,\n";
        let err = sm
            .load_instruments_csv("sm.csv", csv.as_bytes())
            .unwrap_err();
        match err {
            LawError::Csv {
                file, line, field, ..
            } => {
                assert_eq!((file.as_str(), line, field.as_str()), ("sm.csv", 3, "isin"));
            }
            other => panic!("{other:?}"),
        }
        let csv = "isin,type\nUS16941M1099,warrant\n";
        let err = sm
            .load_instruments_csv("x.csv", csv.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("type"), "{err}");
    }

    #[test]
    fn instruments_and_holdings_load() {
        let mut sm = SecurityMaster::new();
        let csv =
            "isin,ticker,market,name,type,issuer_name,issuer_lei,issuer_uscc,underlying_isin\n\
                   US16941M1099,CHL,US,China Mobile ADR,adr,China Mobile Ltd,,,\n\
                   ,CHL240621C30,US,CHL call,option,,,,US16941M1099\n";
        assert_eq!(
            sm.load_instruments_csv("sm.csv", csv.as_bytes()).unwrap(),
            2
        );
        assert_eq!(sm.by_ticker("CHL", Some("US")).len(), 1);
        assert_eq!(
            sm.by_ticker("CHL240621C30", None)[0]
                .underlying_isin
                .as_deref(),
            Some("US16941M1099")
        );
        let h = "fund_isin,holding_isin,weight\nUS4642872349,US16941M1099,2.5\nUS4642872349,US0378331005,97.5\n";
        assert_eq!(sm.load_holdings_csv("h.csv", h.as_bytes()).unwrap(), 2);
        let w = sm.holdings("US4642872349").unwrap();
        assert!((w[0].weight - 0.025).abs() < 1e-12);
        let bad = "fund_isin,holding_isin,weight\nUS4642872349,US16941M1099,lots\n";
        let err = sm
            .load_holdings_csv("h.csv", bad.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("weight") && err.contains("line 2"), "{err}");
    }
}
