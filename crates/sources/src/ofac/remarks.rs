//! The grammar of OFAC's remarks field.
//!
//! A remarks field is a list of segments separated by `"; "` and ended by a
//! full stop (which a last segment ending in `.` absorbs). Most segments are
//! `Label value`, some with `alt.` in front and a `(Country)` after:
//!
//! ```text
//! DOB 07 Mar 1962; alt. DOB 1963; POB Gaza; nationality Palestinian;
//! Passport RL2432659 (Lebanon) issued 22 Jan 2013 expires 22 Jan 2018;
//! Equity Ticker 941 HK; ISIN US16941M1099; Linked To: CHINA MOBILE ...
//! ```
//!
//! [`parse`] turns the segments it knows into [`Fact`]s and skips the rest
//! (titles, positions, free text): unknown segments are not errors and stay
//! in the verbatim remarks. [`apply`] writes facts onto an [`Entity`].

use chrono::{Datelike, NaiveDate, NaiveTime};
use embargo_model::{
    Entity, IdKind, Identifier, Name, NameKind, PartialDate, Relation, RelationKind, Schema,
    ZonedTime,
};

use crate::country::country_code;
use crate::dates::{parse_dmy, parse_dmy_partial};

/// The OFAC program tag of the NS-CMIC list.
pub const CMIC_PROGRAM: &str = "CMIC-EO13959";

/// One fact read from a remarks segment.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    /// `a.k.a. 'X'`: a weak (low-quality) alias.
    WeakAlias(String),
    /// `f.k.a. 'X'`: a former name.
    FormerName(String),
    /// `n.k.a. 'X'`: the name the party is now known as.
    NowKnownAs(String),
    /// `DOB …`: one or more dates (a range gives one per year or month).
    BirthDates(Vec<PartialDate>),
    /// `POB X`.
    BirthPlace(String),
    /// `nationality X`, as written.
    Nationality(String),
    /// `citizen X`, as written.
    Citizenship(String),
    /// `Gender Male` (lower-cased).
    Gender(String),
    /// A typed identifier (passport, ISIN, ticker, USCC, IMO, LEI, …).
    Identifier(Identifier),
    /// `Website X`.
    Website(String),
    /// `Email Address X`.
    Email(String),
    /// `Linked To: X`.
    LinkedTo(String),
    /// `Issuer Name X` / `alt. Issuer Name X`.
    IssuerName(String),
    /// `Target Type X`.
    TargetType(String),
    /// `Listing Date (CMIC) 03 Jun 2021`.
    CmicListing(NaiveDate),
    /// `Effective Date (CMIC) 02 Aug 2021`.
    CmicEffective(NaiveDate),
    /// `Purchase/Sales For Divestment Date (CMIC) 03 Jun 2022`.
    CmicDivestment(NaiveDate),
    /// `Nationality of Registration X`: where a company or vessel is
    /// registered, as written.
    RegistrationCountry(String),
    /// A fact kept as an FtM-style property: phone and fax numbers, the
    /// organisation type, establishment date, aircraft details, former
    /// vessel flags and sanctions notes (`Executive Order 13662 Directive
    /// Determination - Subject to Directive 1`, `Secondary sanctions risk:
    /// …`, …).
    Property {
        /// The property name (`phone`, `sector`, `sanctionsInfo`, …).
        key: &'static str,
        /// The value, as written (dates as `YYYY-MM-DD` where readable).
        value: String,
    },
    /// Another program's dated clause, e.g.
    /// `Listing Date (EO 14024 Directive 3): 24 Feb 2022`.
    ProgramDate {
        /// `Listing Date` or `Effective Date`.
        label: String,
        /// The parenthesised program, e.g. `EO 14024 Directive 3`.
        program: String,
        /// The date.
        date: NaiveDate,
    },
}

/// Splits remarks into segments: on `"; "`, with the final full stop
/// removed and each segment trimmed; empty segments are dropped.
pub fn segments(remarks: &str) -> Vec<&str> {
    let t = remarks.trim();
    let t = t.strip_suffix('.').unwrap_or(t);
    t.split("; ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Parses every segment of a remarks field; segments that are not facts
/// are skipped.
pub fn parse(remarks: &str) -> Vec<Fact> {
    segments(remarks)
        .into_iter()
        .filter_map(parse_segment)
        .collect()
}

/// Identifier labels: (label, kind, note). Longer labels come before their
/// prefixes.
const ID_LABELS: &[(&str, IdKindSpec, Option<&str>)] = &[
    (
        "Diplomatic Passport",
        IdKindSpec::Passport,
        Some("diplomatic"),
    ),
    ("Passport No.", IdKindSpec::Passport, None),
    ("Passport", IdKindSpec::Passport, None),
    ("National ID No.", IdKindSpec::NationalId, None),
    ("Identification Number", IdKindSpec::NationalId, None),
    ("Personal ID Card", IdKindSpec::NationalId, None),
    ("Citizen's Card Number", IdKindSpec::NationalId, None),
    ("Cedula No.", IdKindSpec::NationalId, Some("cedula")),
    ("C.U.R.P.", IdKindSpec::NationalId, Some("curp")),
    ("D.N.I.", IdKindSpec::NationalId, Some("dni")),
    ("SSN", IdKindSpec::NationalId, Some("ssn")),
    ("Tax ID No.", IdKindSpec::TaxId, None),
    ("R.F.C.", IdKindSpec::TaxId, Some("rfc")),
    ("RFC", IdKindSpec::TaxId, Some("rfc")),
    ("Registration Number", IdKindSpec::Registration, None),
    ("Registration ID", IdKindSpec::Registration, None),
    // IMO company numbers use another check scheme than ship numbers.
    ("Company Number IMO", IdKindSpec::Other("imo_company"), None),
    ("Company Number", IdKindSpec::Registration, None),
    ("Commercial Registry Number", IdKindSpec::Registration, None),
    (
        "Business Registration Number",
        IdKindSpec::Registration,
        None,
    ),
    (
        "Vessel Registration Identification IMO",
        IdKindSpec::Imo,
        None,
    ),
    ("Vessel Registration Identification", IdKindSpec::Imo, None),
    ("IMO", IdKindSpec::Imo, None),
    ("Public Registration Number", IdKindSpec::Registration, None),
    ("V.A.T. Number", IdKindSpec::TaxId, Some("vat")),
    ("Legal Entity Number", IdKindSpec::LegalEntityNumber, None),
    ("Unified Social Credit Code (USCC)", IdKindSpec::Uscc, None),
    (
        "United Social Credit Code Certificate (USCCC)",
        IdKindSpec::Uscc,
        None,
    ),
    ("ISIN", IdKindSpec::Isin, None),
    ("SWIFT/BIC", IdKindSpec::Other("swift_bic"), None),
    ("MMSI", IdKindSpec::Other("mmsi"), None),
    ("D-U-N-S Number", IdKindSpec::Other("duns"), None),
    (
        "Travel Document Number",
        IdKindSpec::Other("travel_document"),
        None,
    ),
    (
        "Aircraft Tail Number",
        IdKindSpec::Other("aircraft_tail_number"),
        None,
    ),
    (
        "Previous Aircraft Tail Number",
        IdKindSpec::Other("aircraft_tail_number"),
        Some("previous"),
    ),
    (
        "Aircraft Manufacturer's Serial Number (MSN)",
        IdKindSpec::Other("aircraft_msn"),
        None,
    ),
    (
        "Aircraft Construction Number (also called L/N or S/N or F/N)",
        IdKindSpec::Other("aircraft_construction_number"),
        None,
    ),
    (
        "Aircraft Serial Identification",
        IdKindSpec::Other("aircraft_msn"),
        None,
    ),
    (
        "Aircraft Mode S Transponder Code",
        IdKindSpec::Other("aircraft_mode_s"),
        None,
    ),
    // Tax numbers.
    ("NIT #", IdKindSpec::TaxId, Some("nit")),
    ("RUC #", IdKindSpec::TaxId, Some("ruc")),
    ("RIF #", IdKindSpec::TaxId, Some("rif")),
    ("RTN", IdKindSpec::TaxId, Some("rtn")),
    ("C.U.I.T.", IdKindSpec::TaxId, Some("cuit")),
    (
        "Numero Unico de Identificacao Tributaria (NUIT)",
        IdKindSpec::TaxId,
        Some("nuit"),
    ),
    (
        "Paraguayan tax identification number",
        IdKindSpec::TaxId,
        None,
    ),
    ("US FEIN", IdKindSpec::TaxId, Some("fein")),
    (
        "Italian Fiscal Code",
        IdKindSpec::TaxId,
        Some("codice fiscale"),
    ),
    ("Fiscal Code", IdKindSpec::TaxId, None),
    ("Romanian Tax Registration", IdKindSpec::TaxId, None),
    // Company and business registers, licences.
    (
        "Folio Mercantil No.",
        IdKindSpec::Registration,
        Some("folio mercantil"),
    ),
    (
        "Matricula Mercantil No.",
        IdKindSpec::Registration,
        Some("matricula mercantil"),
    ),
    (
        "Matricula Mercantil No",
        IdKindSpec::Registration,
        Some("matricula mercantil"),
    ),
    (
        "Government Gazette Number",
        IdKindSpec::Registration,
        Some("government gazette"),
    ),
    (
        "Trade License No.",
        IdKindSpec::Registration,
        Some("trade license"),
    ),
    (
        "Tourism License No.",
        IdKindSpec::Registration,
        Some("tourism license"),
    ),
    (
        "Business Registration Document #",
        IdKindSpec::Registration,
        None,
    ),
    (
        "C.R. No.",
        IdKindSpec::Registration,
        Some("commercial registration"),
    ),
    ("UK Company Number", IdKindSpec::Registration, None),
    (
        "Chamber of Commerce Number",
        IdKindSpec::Registration,
        Some("chamber of commerce"),
    ),
    (
        "Dubai Chamber of Commerce Membership No.",
        IdKindSpec::Registration,
        Some("chamber of commerce"),
    ),
    (
        "Istanbul Chamber of Comm. No.",
        IdKindSpec::Registration,
        Some("chamber of commerce"),
    ),
    (
        "Certificate of Incorporation Number",
        IdKindSpec::Registration,
        None,
    ),
    (
        "Central Registration System Number",
        IdKindSpec::Registration,
        None,
    ),
    (
        "MSB Registration Number",
        IdKindSpec::Registration,
        Some("money services business"),
    ),
    (
        "Afghan Money Service Provider License Number",
        IdKindSpec::Registration,
        Some("money service provider license"),
    ),
    (
        "Registered Charity No.",
        IdKindSpec::Registration,
        Some("charity"),
    ),
    ("Branch Unit Number", IdKindSpec::Registration, None),
    ("Enterprise Number", IdKindSpec::Registration, None),
    ("Business Number", IdKindSpec::Registration, None),
    ("File Number", IdKindSpec::Registration, None),
    ("LE Number", IdKindSpec::Registration, None),
    (
        "SRE Permit No.",
        IdKindSpec::Registration,
        Some("SRE permit"),
    ),
    ("License", IdKindSpec::Registration, Some("license")),
    // Personal identity documents.
    (
        "Electoral Registry No.",
        IdKindSpec::NationalId,
        Some("electoral registry"),
    ),
    (
        "Credencial electoral",
        IdKindSpec::NationalId,
        Some("credencial electoral"),
    ),
    (
        "Cartilla de Servicio Militar Nacional",
        IdKindSpec::NationalId,
        Some("military service record"),
    ),
    (
        "National Foreign ID Number",
        IdKindSpec::NationalId,
        Some("foreign national"),
    ),
    (
        "Residency Number",
        IdKindSpec::NationalId,
        Some("residency"),
    ),
    (
        "Birth Certificate Number",
        IdKindSpec::NationalId,
        Some("birth certificate"),
    ),
    ("Numero de Identidad", IdKindSpec::NationalId, None),
    ("C.U.I.", IdKindSpec::NationalId, Some("cui")),
    ("I.F.E.", IdKindSpec::NationalId, Some("ife")),
    (
        "Romanian Permanent Resident CAN",
        IdKindSpec::NationalId,
        Some("permanent resident"),
    ),
    (
        "British National Overseas Passport",
        IdKindSpec::Passport,
        Some("BNO"),
    ),
    (
        "Tarjeta Profesional",
        IdKindSpec::Other("professional_card"),
        None,
    ),
    (
        "Turkish Identification Number",
        IdKindSpec::NationalId,
        None,
    ),
    // OFAC's own spelling in some records.
    (
        "Turkish Identificiation Number",
        IdKindSpec::NationalId,
        None,
    ),
    ("Kenyan ID No.", IdKindSpec::NationalId, None),
    (
        "Tazkira National ID Card",
        IdKindSpec::NationalId,
        Some("tazkira"),
    ),
    ("Bosnian Personal ID No.", IdKindSpec::NationalId, None),
    ("Moroccan Personal ID No.", IdKindSpec::NationalId, None),
    ("Refugee ID Card", IdKindSpec::NationalId, Some("refugee")),
    (
        "CNP (Personal Numerical Code)",
        IdKindSpec::NationalId,
        Some("CNP"),
    ),
    (
        "Public Security and Immigration No.",
        IdKindSpec::NationalId,
        Some("immigration"),
    ),
    (
        "Immigration No.",
        IdKindSpec::NationalId,
        Some("immigration"),
    ),
    (
        "Driver's License No.",
        IdKindSpec::Other("driver_license"),
        None,
    ),
    (
        "Pilot License Number",
        IdKindSpec::Other("pilot_license"),
        None,
    ),
    ("VisaNumberID", IdKindSpec::Other("visa"), None),
    // Banks and markets.
    ("BIK (RU)", IdKindSpec::Other("bik"), None),
];

#[derive(Debug, Clone, Copy)]
enum IdKindSpec {
    Passport,
    NationalId,
    TaxId,
    Registration,
    Imo,
    /// OFAC's `Legal Entity Number`: an ISO 17442 LEI when it has 20
    /// characters, some national number otherwise.
    LegalEntityNumber,
    Uscc,
    Isin,
    Other(&'static str),
}

impl IdKindSpec {
    fn kind(self, value: &str) -> IdKind {
        match self {
            IdKindSpec::Passport => IdKind::Passport,
            IdKindSpec::NationalId => IdKind::NationalId,
            IdKindSpec::TaxId => IdKind::TaxId,
            IdKindSpec::Registration => IdKind::Registration,
            IdKindSpec::Imo => IdKind::Imo,
            IdKindSpec::LegalEntityNumber if value.len() == 20 => IdKind::Lei,
            IdKindSpec::LegalEntityNumber => IdKind::Other("legal_entity_number".into()),
            IdKindSpec::Uscc => IdKind::Uscc,
            IdKindSpec::Isin => IdKind::Isin,
            IdKindSpec::Other(s) => IdKind::Other(s.to_string()),
        }
    }
}

/// Strips `label` from the start of `s` when followed by a space or colon;
/// returns the rest, trimmed, without a leading colon.
fn after<'a>(s: &'a str, label: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(label)?;
    if !(rest.is_empty() || rest.starts_with([' ', ':'])) {
        return None;
    }
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(':').unwrap_or(rest).trim();
    (!rest.is_empty()).then_some(rest)
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    let t = t.strip_prefix('\'').unwrap_or(t);
    let t = t.strip_suffix('\'').unwrap_or(t);
    t.trim().to_string()
}

/// Parses one segment; `None` for segments that are not facts.
pub fn parse_segment(seg: &str) -> Option<Fact> {
    let seg = seg.trim();
    let seg = match seg.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("alt. ") => seg[5..].trim_start(),
        _ => seg,
    };
    if let Some(r) = after(seg, "a.k.a.") {
        return Some(Fact::WeakAlias(unquote(r)));
    }
    if let Some(r) = after(seg, "f.k.a.") {
        return Some(Fact::FormerName(unquote(r)));
    }
    if let Some(r) = after(seg, "n.k.a.") {
        return Some(Fact::NowKnownAs(unquote(r)));
    }
    if let Some(r) = after(seg, "DOB") {
        return parse_dob(r).map(Fact::BirthDates);
    }
    if let Some(r) = after(seg, "POB") {
        return Some(Fact::BirthPlace(r.to_string()));
    }
    if let Some(r) = after(seg, "nationality") {
        return Some(Fact::Nationality(r.to_string()));
    }
    if let Some(r) = after(seg, "citizen") {
        return Some(Fact::Citizenship(r.to_string()));
    }
    if let Some(r) = after(seg, "Gender") {
        return Some(Fact::Gender(r.to_ascii_lowercase()));
    }
    if let Some(r) = after(seg, "Website") {
        return Some(Fact::Website(r.to_string()));
    }
    if let Some(r) = after(seg, "Email Address").or_else(|| after(seg, "Email")) {
        return Some(Fact::Email(r.to_string()));
    }
    if let Some(r) = after(seg, "Linked To") {
        return Some(Fact::LinkedTo(r.to_string()));
    }
    if let Some(r) = after(seg, "Issuer Name") {
        return Some(Fact::IssuerName(r.to_string()));
    }
    if let Some(r) = after(seg, "Target Type") {
        return Some(Fact::TargetType(r.to_string()));
    }
    if let Some(r) = after(seg, "Equity Ticker") {
        return Some(Fact::Identifier(equity_ticker(r)));
    }
    if let Some(r) = after(seg, "MICEX Code") {
        let mut id = Identifier::ticker(r, Some("RU"));
        id.note = Some("MICEX (Moscow Exchange) code".into());
        return Some(Fact::Identifier(id));
    }
    if let Some(r) = after(seg, "Nationality of Registration") {
        return Some(Fact::RegistrationCountry(r.to_string()));
    }
    if let Some(r) = seg.strip_prefix("Digital Currency Address - ") {
        let (currency, address) = r.trim().split_once(' ')?;
        let mut id = Identifier::new(IdKind::Other("crypto_wallet".into()), address.trim());
        id.note = Some(currency.trim().to_string());
        return Some(Fact::Identifier(id));
    }
    if let Some(fact) = property_segment(seg) {
        return Some(fact);
    }
    if let Some(r) = after(seg, "Listing Date (CMIC)") {
        return parse_dmy(r).map(Fact::CmicListing);
    }
    if let Some(r) = after(seg, "Effective Date (CMIC)") {
        return parse_dmy(r).map(Fact::CmicEffective);
    }
    if let Some(r) = after(seg, "Purchase/Sales For Divestment Date (CMIC)") {
        return parse_dmy(r).map(Fact::CmicDivestment);
    }
    for label in ["Listing Date", "Effective Date"] {
        if let Some(r) = seg.strip_prefix(label).and_then(|r| r.strip_prefix(" (")) {
            let (program, rest) = r.split_once(')')?;
            let date = parse_dmy(rest.trim_start_matches(':').trim())?;
            return Some(Fact::ProgramDate {
                label: label.to_string(),
                program: program.trim().to_string(),
                date,
            });
        }
    }
    for (label, spec, note) in ID_LABELS {
        if let Some(r) = after(seg, label) {
            return parse_identifier(r, *spec, *note).map(Fact::Identifier);
        }
    }
    None
}

/// `941 HK`, `600685  CN`, and OFAC's occasional `603019CN` with the
/// market glued to a numeric symbol (split, and noted).
fn equity_ticker(r: &str) -> Identifier {
    let mut parts: Vec<&str> = r.split_whitespace().collect();
    if let [one] = parts.as_slice() {
        let b = one.as_bytes();
        let n = b.len();
        if n > 2
            && b[n - 2..].iter().all(|c| c.is_ascii_uppercase())
            && b[..n - 2].iter().all(|c| c.is_ascii_digit())
        {
            let mut id = Identifier::ticker(&one[..n - 2], Some(&one[n - 2..]));
            id.note = Some(format!("published as '{one}'"));
            return id;
        }
    }
    let market = if parts.len() > 1 { parts.pop() } else { None };
    Identifier::ticker(&parts.join(" "), market)
}

/// Labels whose value is kept as a property: (label, property).
/// Longer labels come before their prefixes.
const PROPERTY_LABELS: &[(&str, &str)] = &[
    ("Telephone Number", "phone"),
    ("Telephone No.", "phone"),
    ("Telephone", "phone"),
    ("Phone Number", "phone"),
    ("Phone No.", "phone"),
    ("Phone", "phone"),
    ("PHONE", "phone"),
    ("Fax Number", "fax"),
    ("Fax No.", "fax"),
    ("Fax", "fax"),
    ("Organization Type", "sector"),
    ("Aircraft Model", "model"),
    ("Aircraft Operator", "operator"),
    ("Former Vessel Flag", "pastFlags"),
    ("Other Vessel Flag", "flag"),
    ("Other Vessel Call Sign", "callSign"),
    ("Other Vessel Type", "vesselType"),
    ("UN/LOCODE", "unLocode"),
    ("Chinese Commercial Code", "chineseCommercialCode"),
];

/// Labels of dated facts kept as properties, the date as `YYYY-MM-DD`
/// where it reads as one.
const DATE_PROPERTY_LABELS: &[(&str, &str)] = &[
    ("Organization Established Date", "incorporationDate"),
    ("Aircraft Manufacture Date", "buildDate"),
];

/// Beginnings of sanctions notes, kept verbatim in `sanctionsInfo`: the
/// directive an SSI entity is subject to, secondary-sanctions warnings,
/// CAATSA and IFCA determinations.
const SANCTIONS_NOTES: &[&str] = &[
    "Additional Sanctions Information",
    "Secondary sanctions risk",
    "Transactions Prohibited For Persons Owned or Controlled By",
    "Executive Order",
    "CAATSA Section",
    "IFCA Determination",
];

fn property_segment(seg: &str) -> Option<Fact> {
    for (label, key) in PROPERTY_LABELS {
        if let Some(r) = after(seg, label) {
            return Some(Fact::Property {
                key,
                value: r.to_string(),
            });
        }
    }
    for (label, key) in DATE_PROPERTY_LABELS {
        if let Some(r) = after(seg, label) {
            let value = match parse_dmy_partial(r) {
                Some(d) => d.to_string(),
                None => r.to_string(),
            };
            return Some(Fact::Property { key, value });
        }
    }
    SANCTIONS_NOTES
        .iter()
        .any(|p| seg.starts_with(p))
        .then(|| Fact::Property {
            key: "sanctionsInfo",
            value: seg.to_string(),
        })
}

/// An identifier for a label written apart from its value (trade.gov's
/// `ids` column: `Passport, 836238033, KP`): `None` for labels that are not
/// identifier labels.
pub(crate) fn identifier_for_label(
    label: &str,
    value: &str,
    country: Option<&str>,
) -> Option<Identifier> {
    let label = label.trim().trim_end_matches([':', ',']).trim();
    let (_, spec, note) = ID_LABELS
        .iter()
        .find(|(l, _, _)| l.eq_ignore_ascii_case(label))?;
    let mut id = parse_identifier(value, *spec, *note)?;
    if id.country.is_none() {
        id.country = country
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
    }
    Some(id)
}

/// `VALUE [(Country)] [issued …] [expires …]`.
fn parse_identifier(rest: &str, spec: IdKindSpec, note: Option<&str>) -> Option<Identifier> {
    let (value, country, tail) = match rest.find(" (") {
        Some(i) => {
            let inner = &rest[i + 2..];
            match inner.find(')') {
                Some(j) => (&rest[..i], Some(&inner[..j]), inner[j + 1..].trim()),
                None => (rest, None, ""),
            }
        }
        None => {
            let cut = [" issued ", " expires "]
                .iter()
                .filter_map(|k| rest.find(k))
                .min();
            match cut {
                Some(i) => (&rest[..i], None, rest[i..].trim()),
                None => (rest, None, ""),
            }
        }
    };
    let value = value.trim();
    // `Identification Number IMO 1234567`, `Company Number IMO 1234567`.
    let (spec, value) = match value.strip_prefix("IMO ") {
        Some(v) if matches!(spec, IdKindSpec::Other("imo_company")) => (spec, v.trim()),
        Some(v) => (IdKindSpec::Imo, v.trim()),
        None => (spec, value),
    };
    let value = value.strip_prefix("# ").unwrap_or(value).trim();
    if value.is_empty() {
        return None;
    }
    let mut id = Identifier::new(spec.kind(value), value);
    id.country = country.map(|c| c.trim().to_string());
    let notes: Vec<&str> = note
        .into_iter()
        .chain((!tail.is_empty()).then_some(tail))
        .collect();
    if !notes.is_empty() {
        id.note = Some(notes.join("; "));
    }
    Some(id)
}

/// `1962`, `07 Mar 1962`, `Mar 1962`, `circa 1962`, `circa Mar 1961`,
/// `1962 to 1965`, `01 Jan 1979 to 31 Dec 1979`, `circa 1979-1982`.
///
/// A range gives the month when it covers exactly one calendar month, and
/// otherwise every year it touches (at most 20; wider ranges give their two
/// ends).
fn parse_dob(s: &str) -> Option<Vec<PartialDate>> {
    let s = s.trim();
    let s = s.strip_prefix("circa").map(str::trim).unwrap_or(s);
    let range = s.split_once(" to ").or_else(|| {
        s.split_once('-')
            .filter(|(a, b)| a.len() == 4 && b.len() == 4)
    });
    let Some((a, b)) = range else {
        return parse_dmy_partial(s).map(|d| vec![d]);
    };
    let (a, b) = (parse_dmy_partial(a)?, parse_dmy_partial(b)?);
    if a.year == b.year && a.month.is_some() && a.month == b.month {
        let whole_month = a.day.is_none_or(|d| d == 1)
            && b.to_date()
                .is_none_or(|d| d.succ_opt().is_some_and(|n| n.day0() == 0));
        if whole_month {
            return Some(vec![PartialDate {
                year: a.year,
                month: a.month,
                day: None,
            }]);
        }
    }
    if b.year < a.year {
        return None;
    }
    if b.year - a.year > 20 {
        return Some(vec![PartialDate::year(a.year), PartialDate::year(b.year)]);
    }
    Some((a.year..=b.year).map(PartialDate::year).collect())
}

/// Writes facts onto an entity. Returns observations worth a dataset
/// warning (unknown countries, flagged identifiers, CMIC dates without a
/// CMIC designation), without location.
pub fn apply(entity: &mut Entity, facts: Vec<Fact>) -> Vec<String> {
    let mut notes = Vec::new();
    let add_country =
        |entity: &mut Entity, name: &str, notes: &mut Vec<String>| match country_code(name) {
            Some(c) => entity.add_country(c),
            None => notes.push(format!("unknown country '{name}'")),
        };
    let midnight_one = NaiveTime::from_hms_opt(0, 1, 0).unwrap_or_default();
    for fact in facts {
        match fact {
            Fact::WeakAlias(n) => entity.add_name(n, NameKind::WeakAlias),
            Fact::FormerName(n) => entity.add_name(n, NameKind::Former),
            Fact::NowKnownAs(n) => push_name(entity, n, NameKind::Alias, Some("nka")),
            Fact::BirthDates(ds) => {
                for d in ds {
                    if !entity.birth_dates.contains(&d) {
                        entity.birth_dates.push(d);
                    }
                }
            }
            Fact::BirthPlace(p) => {
                if !entity.birth_places.contains(&p) {
                    entity.birth_places.push(p);
                }
            }
            Fact::Nationality(c) => {
                entity.add_property("nationality", c.clone());
                add_country(entity, &c, &mut notes);
            }
            Fact::Citizenship(c) => {
                entity.add_property("citizenship", c.clone());
                add_country(entity, &c, &mut notes);
            }
            Fact::Gender(g) => entity.add_property("gender", g),
            Fact::Identifier(mut id) => {
                if id.kind == IdKind::Imo && entity.schema != Schema::Vessel {
                    // OFAC writes a shipping company's IMO company number as
                    // `Vessel Registration Identification IMO …` too; company
                    // numbers have their own check scheme.
                    id = Identifier::new(IdKind::Other("imo_company".into()), id.value)
                        .with_country(id.country);
                }
                if let Some(issue) = &id.issue {
                    if id.kind.is_strong() {
                        notes.push(format!(
                            "{} '{}' kept but flagged: {issue}",
                            id.kind, id.value
                        ));
                    }
                }
                if !entity.identifiers.contains(&id) {
                    entity.identifiers.push(id);
                }
            }
            Fact::Website(w) => entity.add_property("website", w),
            Fact::Email(e) => entity.add_property("email", e),
            Fact::LinkedTo(t) => {
                let rel = Relation {
                    kind: RelationKind::LinkedTo,
                    target_name: t,
                    target_id: None,
                };
                if !entity.relations.contains(&rel) {
                    entity.relations.push(rel);
                }
            }
            Fact::IssuerName(n) => entity.add_name(n, NameKind::Issuer),
            Fact::TargetType(t) => entity.add_property("targetType", t),
            Fact::CmicListing(d) | Fact::CmicEffective(d) | Fact::CmicDivestment(d) => {
                let Some(des) = entity
                    .designations
                    .iter_mut()
                    .find(|d| d.program == CMIC_PROGRAM)
                else {
                    notes.push(format!("CMIC date {d} but no {CMIC_PROGRAM} program"));
                    continue;
                };
                match fact {
                    Fact::CmicListing(_) => des.listed_on = Some(d),
                    Fact::CmicEffective(_) => {
                        des.effective = Some(ZonedTime::at(d, midnight_one, "ET"))
                    }
                    _ => des.divestment_until = Some(ZonedTime::at(d, midnight_one, "ET")),
                }
            }
            Fact::RegistrationCountry(c) => {
                entity.add_property("jurisdiction", c.clone());
                add_country(entity, &c, &mut notes);
            }
            Fact::Property { key, value } => entity.add_property(key, value),
            Fact::ProgramDate {
                label,
                program,
                date,
            } => {
                let key = if label.starts_with("Listing") {
                    "programListingDate"
                } else {
                    "programEffectiveDate"
                };
                entity.add_property(key, format!("{program}: {date}"));
            }
        }
    }
    notes
}

fn push_name(entity: &mut Entity, value: String, kind: NameKind, note: Option<&str>) {
    if value.trim().is_empty() {
        return;
    }
    let name = Name {
        value,
        kind,
        note: note.map(str::to_string),
    };
    if !entity.names.contains(&name) {
        entity.names.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embargo_model::{Designation, EntityId};

    #[test]
    fn segments_and_final_stop() {
        let s = segments("DOB 1962; POB Shati.");
        assert_eq!(s, vec!["DOB 1962", "POB Shati"]);
        let s = segments("a.k.a. 'BNC'; Linked To: X CO., LTD.");
        assert_eq!(s, vec!["a.k.a. 'BNC'", "Linked To: X CO., LTD"]);
    }

    #[test]
    fn dob_forms() {
        let f = |s: &str| match parse_segment(s) {
            Some(Fact::BirthDates(v)) => v.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(f("DOB 1962"), ["1962"]);
        assert_eq!(f("DOB 07 Mar 1962"), ["1962-03-07"]);
        assert_eq!(f("alt. DOB Mar 1962"), ["1962-03"]);
        assert_eq!(f("DOB circa 1962"), ["1962"]);
        assert_eq!(f("alt. DOB circa Mar 1961"), ["1961-03"]);
        assert_eq!(f("DOB 1962 to 1965"), ["1962", "1963", "1964", "1965"]);
        assert_eq!(f("DOB 01 Jan 1979 to 31 Dec 1979"), ["1979"]);
        assert_eq!(f("DOB 01 Feb 1960 to 29 Feb 1960"), ["1960-02"]);
        assert_eq!(f("DOB circa 1979-1982"), ["1979", "1980", "1981", "1982"]);
        assert_eq!(f("DOB Mar 1962 to Feb 1963"), ["1962", "1963"]);
        assert!(parse_segment("DOB unknown").is_none());
        assert_eq!(
            parse_segment("DOB 01 Jan 1970; alt. DOB 02 Jan 1970"),
            None,
            "one segment only"
        );
    }

    #[test]
    fn passport_with_country_and_dates() {
        let Some(Fact::Identifier(id)) =
            parse_segment("Passport RL2432659 (Lebanon) issued 22 Jan 2013 expires 22 Jan 2018")
        else {
            panic!()
        };
        assert_eq!(id.kind, IdKind::Passport);
        assert_eq!(id.value, "RL2432659");
        assert_eq!(id.country.as_deref(), Some("Lebanon"));
        assert_eq!(
            id.note.as_deref(),
            Some("issued 22 Jan 2013 expires 22 Jan 2018")
        );
        let Some(Fact::Identifier(id)) = parse_segment("Passport B23545963 expires 05 Mar 2017")
        else {
            panic!()
        };
        assert_eq!(id.value, "B23545963");
        assert_eq!(id.country, None);
        assert_eq!(id.note.as_deref(), Some("expires 05 Mar 2017"));
    }

    #[test]
    fn identifiers() {
        let id = |s: &str| match parse_segment(s) {
            Some(Fact::Identifier(i)) => i,
            other => panic!("{s}: {other:?}"),
        };
        let t = id("alt. Equity Ticker 600685  CN");
        assert_eq!(
            (t.kind.clone(), t.value.as_str(), t.market.as_deref()),
            (IdKind::Ticker, "600685", Some("CN"))
        );
        let i = id("Vessel Registration Identification IMO 9187629");
        assert_eq!((i.kind.clone(), i.value.as_str()), (IdKind::Imo, "9187629"));
        let i = id("alt. Identification Number IMO 9187629");
        assert_eq!((i.kind.clone(), i.value.as_str()), (IdKind::Imo, "9187629"));
        let i = id("Company Number IMO 5753988");
        assert_eq!(
            (i.kind.clone(), i.value.as_str()),
            (IdKind::Other("imo_company".into()), "5753988")
        );
        let u = id("Unified Social Credit Code (USCC) 9111000071093019X7 (China)");
        assert_eq!(u.kind, IdKind::Uscc);
        assert!(u.is_valid());
        let l = id("Legal Entity Number 253400WSS48YWMBUA688");
        assert_eq!(l.kind, IdKind::Lei);
        let l = id("Legal Entity Number 851683897 (Netherlands)");
        assert_eq!(l.kind, IdKind::Other("legal_entity_number".into()));
        let b = id("alt. ISIN US0378331006");
        assert!(!b.is_valid());
        assert_eq!(
            id("SWIFT/BIC HAVIGB2L").kind,
            IdKind::Other("swift_bic".into())
        );
        assert_eq!(id("Tax ID No. 7744001497 (Russia)").kind, IdKind::TaxId);
    }

    #[test]
    fn names_and_misc() {
        assert_eq!(
            parse_segment("a.k.a. 'BNC'"),
            Some(Fact::WeakAlias("BNC".into()))
        );
        assert_eq!(
            parse_segment("f.k.a. 'ANA I'"),
            Some(Fact::FormerName("ANA I".into()))
        );
        assert_eq!(
            parse_segment("Linked To: HIZBALLAH"),
            Some(Fact::LinkedTo("HIZBALLAH".into()))
        );
        assert_eq!(
            parse_segment("Alt. POB: Keren Eritrea"),
            Some(Fact::BirthPlace("Keren Eritrea".into()))
        );
        assert_eq!(
            parse_segment("Nationality of Registration Korea, North"),
            Some(Fact::RegistrationCountry("Korea, North".into()))
        );
        assert_eq!(
            parse_segment("Gender Male"),
            Some(Fact::Gender("male".into()))
        );
        assert_eq!(
            parse_segment("Listing Date (EO 14024 Directive 3): 24 Feb 2022"),
            Some(Fact::ProgramDate {
                label: "Listing Date".into(),
                program: "EO 14024 Directive 3".into(),
                date: NaiveDate::from_ymd_opt(2022, 2, 24).unwrap()
            })
        );
        assert_eq!(parse_segment("Brigadier General"), None);
    }

    #[test]
    fn more_identifier_labels() {
        let id = |s: &str| match parse_segment(s) {
            Some(Fact::Identifier(i)) => i,
            other => panic!("{s}: {other:?}"),
        };
        let n = id("NIT # 800146749-7 (Colombia)");
        assert_eq!(
            (n.kind.clone(), n.value.as_str(), n.country.as_deref()),
            (IdKind::TaxId, "800146749-7", Some("Colombia"))
        );
        let f = id("Folio Mercantil No. 343997 (Mexico) issued 14 Dec 2005");
        assert_eq!(
            (f.kind.clone(), f.value.as_str()),
            (IdKind::Registration, "343997")
        );
        assert_eq!(
            f.note.as_deref(),
            Some("folio mercantil; issued 14 Dec 2005")
        );
        let c = id("C.R. No. 2162198 (Hong Kong)");
        assert_eq!(
            (c.kind.clone(), c.value.as_str()),
            (IdKind::Registration, "2162198")
        );
        let t = id("Turkish Identificiation Number 10298480866 (Turkey)");
        assert_eq!(t.kind, IdKind::NationalId);
        let m = id("Aircraft Manufacturer's Serial Number (MSN) 1023409321");
        assert_eq!(
            (m.kind.clone(), m.value.as_str()),
            (IdKind::Other("aircraft_msn".into()), "1023409321")
        );
        let w = id("alt. Digital Currency Address - XBT 1Kuf2Rd8mDyAViwBozGTNYnvWL8uYFrkVo");
        assert_eq!(w.kind, IdKind::Other("crypto_wallet".into()));
        assert_eq!(w.value, "1Kuf2Rd8mDyAViwBozGTNYnvWL8uYFrkVo");
        assert_eq!(w.note.as_deref(), Some("XBT"));
        let x = id("MICEX Code MSTT");
        assert_eq!(x.normalized(), "MSTT RU");
    }

    #[test]
    fn glued_ticker_market_is_split() {
        let Some(Fact::Identifier(t)) = parse_segment("Equity Ticker 603019CN") else {
            panic!()
        };
        assert_eq!(
            (t.value.as_str(), t.market.as_deref()),
            ("603019", Some("CN"))
        );
        assert_eq!(t.note.as_deref(), Some("published as '603019CN'"));
        let Some(Fact::Identifier(t)) = parse_segment("Equity Ticker CHL") else {
            panic!()
        };
        assert_eq!((t.value.as_str(), t.market), ("CHL", None));
    }

    #[test]
    fn property_segments() {
        let p = |s: &str| match parse_segment(s) {
            Some(Fact::Property { key, value }) => (key, value),
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(
            p("Telephone No. 009613679153"),
            ("phone", "009613679153".into())
        );
        assert_eq!(p("Fax (357)(22668608)"), ("fax", "(357)(22668608)".into()));
        assert_eq!(
            p("Organization Established Date 17 Dec 2016"),
            ("incorporationDate", "2016-12-17".into())
        );
        assert_eq!(
            p("Organization Type: Construction of other civil engineering projects"),
            (
                "sector",
                "Construction of other civil engineering projects".into()
            )
        );
        assert_eq!(p("Former Vessel Flag Malta"), ("pastFlags", "Malta".into()));
        assert_eq!(
            p("Executive Order 13662 Directive Determination - Subject to Directive 1"),
            (
                "sanctionsInfo",
                "Executive Order 13662 Directive Determination - Subject to Directive 1".into()
            )
        );
        assert_eq!(p("Secondary sanctions risk: Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201").0, "sanctionsInfo");
    }

    #[test]
    fn imo_on_a_company_is_a_company_number() {
        let mut e = Entity::new(EntityId::new("us_ofac_sdn", "1"), Schema::Organization, "X");
        let notes = apply(
            &mut e,
            parse("Vessel Registration Identification IMO 5878589."),
        );
        assert_eq!(e.identifiers[0].kind, IdKind::Other("imo_company".into()));
        assert!(notes.is_empty());
        let mut v = Entity::new(EntityId::new("us_ofac_sdn", "2"), Schema::Vessel, "V");
        apply(
            &mut v,
            parse("Vessel Registration Identification IMO 9187629."),
        );
        assert_eq!(v.identifiers[0].kind, IdKind::Imo);
    }

    #[test]
    fn apply_cmic_dates() {
        let mut e = Entity::new(EntityId::new("us_ofac_cons", "1"), Schema::Company, "X");
        e.designations
            .push(Designation::new("us_ofac_cons", CMIC_PROGRAM));
        let notes = apply(
            &mut e,
            parse("Effective Date (CMIC) 02 Aug 2021; Purchase/Sales For Divestment Date (CMIC) 03 Jun 2022; Listing Date (CMIC) 03 Jun 2021; nationality Atlantis."),
        );
        let des = &e.designations[0];
        assert_eq!(des.listed_on, NaiveDate::from_ymd_opt(2021, 6, 3));
        assert_eq!(
            des.effective.as_ref().unwrap().to_string(),
            "2021-08-02 00:01 ET"
        );
        assert_eq!(
            des.divestment_until.as_ref().unwrap().to_string(),
            "2022-06-03 00:01 ET"
        );
        assert_eq!(notes, vec!["unknown country 'Atlantis'".to_string()]);
        assert!(e.birth_dates.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_without_panic(text in "\\PC{0,200}") {
            let _ = parse(&text);
        }

        #[test]
        fn day_month_year_dobs_round_trip(y in 1900i32..2020, m in 1u32..=12, d in 1u32..=28) {
            const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
            let seg = format!("DOB {d:02} {} {y}", MONTHS[m as usize - 1]);
            let expected = PartialDate { year: y, month: Some(m), day: Some(d) };
            proptest::prop_assert_eq!(parse_segment(&seg), Some(Fact::BirthDates(vec![expected])));
        }
    }
}
