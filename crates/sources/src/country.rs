//! Country names to ISO 3166-1 alpha-2 codes.
//!
//! The table is `data/countries.tsv` in this crate, embedded at build time.
//! It covers every country name and nationality adjective that occurs in
//! the bundled OFAC, BIS, trade.gov and DoD files.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const TABLE: &str = include_str!("../data/countries.tsv");

struct Countries {
    by_name: HashMap<String, &'static str>,
    codes: HashSet<&'static str>,
}

fn countries() -> &'static Countries {
    static C: OnceLock<Countries> = OnceLock::new();
    C.get_or_init(|| {
        let mut by_name = HashMap::new();
        let mut codes = HashSet::new();
        for line in TABLE.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if let Some((code, name)) = line.split_once('\t') {
                by_name.insert(key(name), code);
                codes.insert(code);
            }
        }
        Countries { by_name, codes }
    })
}

fn key(name: &str) -> String {
    let lower = name.trim().trim_end_matches('.').to_lowercase();
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The lower-case ISO 3166-1 alpha-2 code for a country name or nationality
/// adjective (`"Korea, North"` → `kp`, `"Palestinian"` → `ps`), or `None`.
pub fn country_code(name: &str) -> Option<&'static str> {
    countries().by_name.get(&key(name)).copied()
}

/// Resolves either a name (see [`country_code`]) or an existing two-letter
/// code (`"CN"`, `"cn"`) to a lower-case alpha-2 code.
pub fn resolve_country(value: &str) -> Option<String> {
    let v = value.trim();
    if v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic()) {
        let lower = v.to_ascii_lowercase();
        if countries().codes.contains(lower.as_str()) {
            return Some(lower);
        }
    }
    country_code(v).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_adjectives_and_codes() {
        assert_eq!(country_code("China"), Some("cn"));
        assert_eq!(country_code("korea, north"), Some("kp"));
        assert_eq!(country_code("Palestinian"), Some("ps"));
        assert_eq!(
            country_code("Congo, Democratic Republic of the"),
            Some("cd")
        );
        assert_eq!(country_code("  United   Kingdom. "), Some("gb"));
        assert_eq!(country_code("Atlantis"), None);
        assert_eq!(resolve_country("CN").as_deref(), Some("cn"));
        assert_eq!(resolve_country("Hong Kong").as_deref(), Some("hk"));
        assert_eq!(resolve_country("QQ"), None);
    }
}
