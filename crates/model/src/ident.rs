//! Typed identifiers and their validation.
//!
//! Validation never drops an identifier: an ISIN that OFAC published with a
//! wrong check digit is kept, with [`Identifier::issue`] saying what is
//! wrong, because a screening engine must still find the security by the
//! string a user copies from the list.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of an identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// ISO 6166 International Securities Identification Number.
    Isin,
    /// An equity ticker; the market code (e.g. `HK`, `US`) is in
    /// [`Identifier::market`].
    Ticker,
    /// Chinese Unified Social Credit Code (GB 32100-2015), 18 characters.
    Uscc,
    /// ISO 17442 Legal Entity Identifier, 20 characters.
    Lei,
    /// IMO ship or company number (7 digits).
    Imo,
    Passport,
    NationalId,
    TaxId,
    Registration,
    /// Aircraft or vessel registration, SWIFT/BIC, website and other
    /// identifiers a source types; the label says which.
    Other(String),
}

impl IdKind {
    pub fn as_str(&self) -> &str {
        match self {
            IdKind::Isin => "isin",
            IdKind::Ticker => "ticker",
            IdKind::Uscc => "uscc",
            IdKind::Lei => "lei",
            IdKind::Imo => "imo",
            IdKind::Passport => "passport",
            IdKind::NationalId => "national_id",
            IdKind::TaxId => "tax_id",
            IdKind::Registration => "registration",
            IdKind::Other(s) => s,
        }
    }

    pub fn parse(s: &str) -> IdKind {
        match s {
            "isin" => IdKind::Isin,
            "ticker" => IdKind::Ticker,
            "uscc" => IdKind::Uscc,
            "lei" => IdKind::Lei,
            "imo" => IdKind::Imo,
            "passport" => IdKind::Passport,
            "national_id" => IdKind::NationalId,
            "tax_id" => IdKind::TaxId,
            "registration" => IdKind::Registration,
            other => IdKind::Other(other.to_string()),
        }
    }

    /// The FollowTheMoney property this identifier is published under.
    pub fn ftm_property(&self) -> &'static str {
        match self {
            IdKind::Isin => "isinCode",
            IdKind::Ticker => "ticker",
            IdKind::Uscc => "uscCode",
            IdKind::Lei => "leiCode",
            IdKind::Imo => "imoNumber",
            IdKind::Passport => "passportNumber",
            IdKind::NationalId => "idNumber",
            IdKind::TaxId => "taxNumber",
            IdKind::Registration => "registrationNumber",
            IdKind::Other(_) => "idNumber",
        }
    }

    /// True for identifiers strong enough to decide a match on their own.
    pub fn is_strong(&self) -> bool {
        matches!(
            self,
            IdKind::Isin | IdKind::Uscc | IdKind::Lei | IdKind::Imo | IdKind::Registration
        )
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An identifier of an entity, as published, with its validation result.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identifier {
    pub kind: IdKind,
    /// The value as published (trimmed).
    pub value: String,
    /// For tickers: the market code (`HK`, `US`, `CH`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
    /// The issuing country as the source writes it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Why the value fails validation, if it does (kept, never dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    /// Free text from the source (issue date, "alt.", …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Identifier {
    /// Builds an identifier and validates it for its kind.
    pub fn new(kind: IdKind, value: impl Into<String>) -> Self {
        let value = value.into().trim().to_string();
        let issue = validate(&kind, &value).err();
        Identifier {
            kind,
            value,
            market: None,
            country: None,
            issue,
            note: None,
        }
    }

    /// A ticker with its market code.
    pub fn ticker(symbol: &str, market: Option<&str>) -> Self {
        let mut id = Identifier::new(IdKind::Ticker, symbol);
        id.market = market.map(|m| m.trim().to_ascii_uppercase());
        id
    }

    pub fn with_country(mut self, country: Option<String>) -> Self {
        self.country = country;
        self
    }

    pub fn is_valid(&self) -> bool {
        self.issue.is_none()
    }

    /// The value in the canonical form used for exact lookups: upper case,
    /// with spaces, dashes, dots and slashes removed; a ticker keeps its
    /// market as `SYMBOL MARKET`.
    pub fn normalized(&self) -> String {
        let v = normalize_id(&self.value);
        match (&self.kind, &self.market) {
            (IdKind::Ticker, Some(m)) => format!("{} {}", self.value.trim().to_uppercase(), m),
            (IdKind::Ticker, None) => self.value.trim().to_uppercase(),
            _ => v,
        }
    }
}

/// Upper-cases and strips separators (space, `-`, `.`, `/`) from an identifier.
pub fn normalize_id(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | '\u{a0}'))
        .flat_map(|c| c.to_uppercase())
        .collect()
}

/// Validates `value` for `kind`; `Err` carries a human-readable reason.
pub fn validate(kind: &IdKind, value: &str) -> Result<(), String> {
    match kind {
        IdKind::Isin => validate_isin(value),
        IdKind::Lei => validate_lei(value),
        IdKind::Uscc => validate_uscc(value),
        IdKind::Imo => validate_imo(value),
        _ => {
            if value.trim().is_empty() {
                Err("empty identifier".into())
            } else {
                Ok(())
            }
        }
    }
}

/// ISO 6166: 2 letters, 9 alphanumerics, 1 check digit (Luhn over the
/// digit expansion, letters A=10 … Z=35).
pub fn validate_isin(value: &str) -> Result<(), String> {
    let v = value.trim();
    if v.len() != 12 {
        return Err(format!("ISIN must have 12 characters, has {}", v.len()));
    }
    let b = v.as_bytes();
    if !b[..2].iter().all(|c| c.is_ascii_uppercase()) {
        return Err("ISIN must start with a two-letter country code".into());
    }
    if !b[..11]
        .iter()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Err("ISIN characters 3-11 must be letters or digits".into());
    }
    if !b[11].is_ascii_digit() {
        return Err("ISIN check character must be a digit".into());
    }
    let expected = isin_check_digit(&v[..11]);
    let got = b[11] - b'0';
    if expected != got {
        return Err(format!("ISIN check digit is {got}, expected {expected}"));
    }
    Ok(())
}

/// The ISIN check digit for an 11-character body (upper-case alphanumerics).
pub fn isin_check_digit(body: &str) -> u8 {
    let mut digits: Vec<u8> = Vec::with_capacity(22);
    for c in body.bytes() {
        if c.is_ascii_digit() {
            digits.push(c - b'0');
        } else {
            let n = c - b'A' + 10;
            digits.push(n / 10);
            digits.push(n % 10);
        }
    }
    // Luhn: double every second digit from the right (starting with the rightmost).
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut d = *d as u32;
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    ((10 - (sum % 10)) % 10) as u8
}

/// ISO 17442: 18 alphanumerics + 2 check digits, ISO 7064 MOD 97-10.
pub fn validate_lei(value: &str) -> Result<(), String> {
    let v = value.trim();
    if v.len() != 20 {
        return Err(format!("LEI must have 20 characters, has {}", v.len()));
    }
    if !v
        .bytes()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Err("LEI must be upper-case letters and digits".into());
    }
    let mut rem: u32 = 0;
    for c in v.bytes() {
        let n = if c.is_ascii_digit() {
            (c - b'0') as u32
        } else {
            (c - b'A' + 10) as u32
        };
        rem = if n >= 10 {
            (rem * 100 + n) % 97
        } else {
            (rem * 10 + n) % 97
        };
    }
    if rem != 1 {
        return Err("LEI check digits do not verify (ISO 7064 MOD 97-10)".into());
    }
    Ok(())
}

const USCC_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 32100-2015: 18 characters from a 31-symbol alphabet (no I, O, S, V, Z),
/// the last a weighted MOD 31 check character.
pub fn validate_uscc(value: &str) -> Result<(), String> {
    let v = value.trim();
    if v.len() != 18 {
        return Err(format!("USCC must have 18 characters, has {}", v.len()));
    }
    let mut sum = 0u32;
    let b = v.as_bytes();
    for (i, c) in b.iter().enumerate() {
        let Some(pos) = USCC_ALPHABET.iter().position(|a| a == c) else {
            return Err(format!(
                "USCC character {} ('{}') is not allowed",
                i + 1,
                *c as char
            ));
        };
        if i < 17 {
            sum += pos as u32 * USCC_WEIGHTS[i];
        }
    }
    let check = (31 - sum % 31) % 31;
    if USCC_ALPHABET[check as usize] != b[17] {
        return Err(format!(
            "USCC check character is '{}', expected '{}'",
            b[17] as char, USCC_ALPHABET[check as usize] as char
        ));
    }
    Ok(())
}

/// IMO number: 7 digits, the last a weighted check digit (weights 7..2).
pub fn validate_imo(value: &str) -> Result<(), String> {
    let v = value.trim();
    let v = v.strip_prefix("IMO").map(str::trim).unwrap_or(v);
    if v.len() != 7 || !v.bytes().all(|c| c.is_ascii_digit()) {
        return Err("IMO number must have 7 digits".into());
    }
    let b = v.as_bytes();
    let sum: u32 = (0..6).map(|i| (b[i] - b'0') as u32 * (7 - i as u32)).sum();
    if sum % 10 != (b[6] - b'0') as u32 {
        return Err("IMO check digit does not verify".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isin_valid_and_invalid() {
        assert!(validate_isin("US16941M1099").is_ok()); // China Mobile ADR
        assert!(validate_isin("US0378331005").is_ok()); // Apple
        assert!(validate_isin("HK0941009539").is_ok());
        assert!(validate_isin("US0378331006").is_err());
        assert!(validate_isin("US037833100").is_err());
        assert!(validate_isin("u10378331005").is_err());
    }

    #[test]
    fn invalid_isin_is_kept_and_flagged() {
        let id = Identifier::new(IdKind::Isin, "US0378331006");
        assert_eq!(id.value, "US0378331006");
        assert!(!id.is_valid());
        assert!(id.issue.as_deref().unwrap_or("").contains("check digit"));
    }

    #[test]
    fn lei_check() {
        assert!(validate_lei("5493001KJTIIGC8Y1R12").is_ok()); // Bloomberg Finance
        assert!(validate_lei("5493001KJTIIGC8Y1R13").is_err());
        assert!(validate_lei("253400WSS48YWMBUA688").is_ok());
    }

    #[test]
    fn uscc_check() {
        // China Telecom, as published by OFAC.
        assert!(validate_uscc("9111000071093019X7").is_ok());
        assert!(validate_uscc("91110000MA005UCQ5P").is_ok());
        assert!(validate_uscc("9111000071093019X8").is_err());
        assert!(validate_uscc("911100007109301").is_err());
    }

    #[test]
    fn imo_check() {
        assert!(validate_imo("9176187").is_ok());
        assert!(validate_imo("IMO 9176187").is_ok());
        assert!(validate_imo("9176188").is_err());
    }

    #[test]
    fn ticker_normalized_with_market() {
        let t = Identifier::ticker("941", Some("hk"));
        assert_eq!(t.normalized(), "941 HK");
    }

    proptest::proptest! {
        #[test]
        fn isin_with_computed_check_digit_validates(body in "[A-Z]{2}[A-Z0-9]{9}") {
            let d = isin_check_digit(&body);
            let isin = format!("{body}{d}");
            proptest::prop_assert!(validate_isin(&isin).is_ok());
        }
    }
}
