//! The law book: entities of any list, lifecycle events and programs,
//! indexed for point-in-time evaluation.

use std::collections::HashMap;

use embargo_model::{
    Designation, Entity, EntityId, EventKind, IdKind, LifecycleEvent, NameKind, Schema,
};

use crate::program::{parse_programs, Program, BUNDLED_PROGRAMS};
use crate::LawError;

/// Entities, events and programs, ready for trade and portfolio checks.
/// Immutable once built; `Send + Sync`.
#[derive(Debug, Clone)]
pub struct LawBook {
    programs: Vec<Program>,
    entities: Vec<Entity>,
    events: Vec<LifecycleEvent>,
    by_id: HashMap<EntityId, usize>,
    by_ident: HashMap<(IdKey, String), Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
    events_by_entity: HashMap<EntityId, Vec<usize>>,
}

/// The identifier kinds the book indexes for securities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum IdKey {
    Isin,
    /// `SYMBOL MARKET`.
    Ticker,
    /// `SYMBOL` on any market.
    TickerAnyMarket,
    Lei,
    Uscc,
}

impl LawBook {
    /// Builds a book with the bundled programs.
    pub fn new(entities: Vec<Entity>, events: Vec<LifecycleEvent>) -> Result<LawBook, LawError> {
        LawBook::with_programs(entities, events, parse_programs(BUNDLED_PROGRAMS)?)
    }

    /// Builds a book with the given programs (see [`parse_programs`]).
    pub fn with_programs(
        mut entities: Vec<Entity>,
        events: Vec<LifecycleEvent>,
        programs: Vec<Program>,
    ) -> Result<LawBook, LawError> {
        let mut seen = HashMap::new();
        for (i, e) in entities.iter().enumerate() {
            if seen.insert(e.id.clone(), i).is_some() {
                return Err(LawError::DuplicateEntity(e.id.to_string()));
            }
        }
        // Listings the programs declare themselves, unless an imported list
        // of the same key already carries the same party under the program
        // (an entity of another list with a similar name is another party:
        // `CNOOC Limited` is not its parent `… (CNOOC)`).
        let mut extra = Vec::new();
        for p in &programs {
            for s in &p.supplementary_listings {
                let key = normalize_name(&s.name);
                let carried = entities.iter().any(|e| {
                    e.id.list() == s.list
                        && e.names.iter().any(|n| normalize_name(&n.value) == key)
                        && e.designations.iter().any(|d| p.governs_designation(d))
                });
                if carried {
                    continue;
                }
                let mut e = Entity::new(EntityId::new(&s.list, &s.key), Schema::Company, &s.name);
                for a in &s.aliases {
                    e.add_name(a, NameKind::Alias);
                }
                let mut d = Designation::new(&s.list, &p.id);
                d.listed_on = Some(s.listed_on);
                d.ended_on = s.ended_on;
                d.end_reason = s.end_reason.clone();
                d.source = Some(s.source.clone());
                e.designations.push(d);
                extra.push(e);
            }
        }
        entities.extend(extra);

        let mut book = LawBook {
            programs,
            entities,
            events,
            by_id: HashMap::new(),
            by_ident: HashMap::new(),
            by_name: HashMap::new(),
            events_by_entity: HashMap::new(),
        };
        book.index();
        Ok(book)
    }

    fn index(&mut self) {
        for (i, e) in self.entities.iter().enumerate() {
            self.by_id.insert(e.id.clone(), i);
            for id in &e.identifiers {
                let keys: Vec<(IdKey, String)> = match id.kind {
                    IdKind::Isin => vec![(IdKey::Isin, norm_id(&id.value))],
                    IdKind::Lei => vec![(IdKey::Lei, norm_id(&id.value))],
                    IdKind::Uscc => vec![(IdKey::Uscc, norm_id(&id.value))],
                    IdKind::Ticker => {
                        let sym = norm_ticker(&id.value);
                        let mut v = vec![(IdKey::TickerAnyMarket, sym.clone())];
                        if let Some(m) = &id.market {
                            v.push((IdKey::Ticker, format!("{sym} {}", market_code(m))));
                        }
                        v
                    }
                    _ => continue,
                };
                for k in keys {
                    let slot = self.by_ident.entry(k).or_default();
                    if !slot.contains(&i) {
                        slot.push(i);
                    }
                }
            }
            for n in &e.names {
                if n.kind == NameKind::WeakAlias {
                    continue;
                }
                let key = normalize_name(&n.value);
                // Abbreviations (`SMIC`, `CNOOC`) do not identify a party:
                // `CNOOC Limited` is not `China National Offshore Oil Corp. (CNOOC)`.
                if key.is_empty() || (n.kind != NameKind::Primary && is_abbreviation(&n.value)) {
                    continue;
                }
                let slot = self.by_name.entry(key).or_default();
                if !slot.contains(&i) {
                    slot.push(i);
                }
            }
        }
        for (i, ev) in self.events.iter().enumerate() {
            for id in &ev.entities {
                self.events_by_entity.entry(id.clone()).or_default().push(i);
            }
        }
    }

    /// The programs, as declared.
    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    /// A program by id.
    pub fn program(&self, id: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.id == id)
    }

    /// The program governing a designation, if any.
    pub fn program_for(&self, d: &Designation) -> Option<&Program> {
        self.programs.iter().find(|p| p.governs_designation(d))
    }

    /// All entities (including the programs' supplementary listings).
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// All lifecycle events.
    pub fn events(&self) -> &[LifecycleEvent] {
        &self.events
    }

    /// An entity by id.
    pub fn entity(&self, id: &EntityId) -> Option<&Entity> {
        self.by_id.get(id).map(|&i| &self.entities[i])
    }

    /// The events that name an entity.
    pub fn events_for<'a>(
        &'a self,
        id: &EntityId,
    ) -> impl Iterator<Item = &'a LifecycleEvent> + 'a {
        self.events_by_entity
            .get(id)
            .into_iter()
            .flatten()
            .map(|&i| &self.events[i])
    }

    /// Events of a kind on a date (for program-wide events such as the
    /// orders and licences that decided an answer).
    pub fn events_on<'a>(
        &'a self,
        kind: EventKind,
        date: chrono::NaiveDate,
    ) -> impl Iterator<Item = &'a LifecycleEvent> + 'a {
        self.events
            .iter()
            .filter(move |e| e.kind == kind && e.at.date == date)
    }

    pub(crate) fn by_identifier(&self, key: IdKey, value: &str) -> Vec<&Entity> {
        let v = match key {
            IdKey::Ticker | IdKey::TickerAnyMarket => match value.split_once(' ') {
                Some((s, m)) => format!("{} {}", norm_ticker(s), market_code(m)),
                None => norm_ticker(value),
            },
            _ => norm_id(value),
        };
        self.by_ident
            .get(&(key, v))
            .into_iter()
            .flatten()
            .map(|&i| &self.entities[i])
            .collect()
    }

    /// Entities with a name equal to `name` after normalisation
    /// ([`normalize_name`]).
    pub fn by_exact_name(&self, name: &str) -> Vec<&Entity> {
        self.by_name
            .get(&normalize_name(name))
            .into_iter()
            .flatten()
            .map(|&i| &self.entities[i])
            .collect()
    }
}

fn norm_id(s: &str) -> String {
    embargo_model::ident::normalize_id(s)
}

/// A ticker symbol in canonical form: upper case, and numeric symbols
/// without leading zeros (`0941` = `941`).
pub(crate) fn norm_ticker(s: &str) -> String {
    let s = s.trim().to_uppercase();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let t = s.trim_start_matches('0');
        if t.is_empty() {
            "0".into()
        } else {
            t.into()
        }
    } else {
        s
    }
}

/// Market codes that mean the same market, each with the code OFAC
/// writes (OFAC's `CN` is mainland China, `CA` Canada): Bloomberg
/// exchange and composite codes, Reuters/Yahoo suffixes and MIC codes.
const MARKET_ALIASES: &[(&str, &[&str])] = &[
    (
        "CN",
        &[
            "CH", "C1", "C2", "CG", "CS", "SS", "SH", "SZ", "SHG", "SHE", "SHA", "SHZ", "XSHG",
            "XSHE",
        ],
    ),
    ("HK", &["HKG", "XHKG", "HKEX"]),
    (
        "US",
        &[
            "UN", "UW", "UQ", "UA", "UP", "UR", "UV", "PQ", "XNYS", "XNAS", "NYSE", "NASDAQ", "OTC",
        ],
    ),
    (
        "DE",
        &[
            "GR", "GY", "GF", "GS", "GM", "XETRA", "XETR", "XFRA", "FRA", "F",
        ],
    ),
    ("SG", &["SP", "SGX", "XSES", "SI"]),
    ("BR", &["BZ", "BS", "BVMF", "SA"]),
    ("CA", &["CT", "CV", "XTSE", "TO"]),
    ("RU", &["RM", "RX", "MCX", "MISX", "ME"]),
    ("AR", &["AF", "XBUE", "BA"]),
    ("GB", &["LN", "L", "XLON", "LSE"]),
];

/// A market code in the form OFAC writes it: upper case, synonyms mapped
/// (`CH`, `SS`, `SZ` → `CN`; `UN`, `UW` → `US`; `HKG` → `HK`, …).
pub fn market_code(m: &str) -> String {
    let u = m.trim().to_ascii_uppercase();
    MARKET_ALIASES
        .iter()
        .find(|(_, aliases)| aliases.contains(&u.as_str()))
        .map(|(code, _)| code.to_string())
        .unwrap_or(u)
}

/// True for a market code embargo knows (OFAC's, or one of its synonyms).
pub(crate) fn is_market_code(m: &str) -> bool {
    const OFAC: &[&str] = &["CN", "HK", "US", "DE", "SG", "BR", "CA", "RU", "AR", "GB"];
    let u = m.trim().to_ascii_uppercase();
    OFAC.contains(&u.as_str()) || MARKET_ALIASES.iter().any(|(_, a)| a.contains(&u.as_str()))
}

/// True for a name that is an abbreviation (`CNOOC`, `SMIC`, `AVIC`): one
/// word of at most six letters or digits, or one word in capitals. Judged
/// on the name as written: `CNOOC Limited` is a name, although it
/// normalises to `cnooc`.
pub(crate) fn is_abbreviation(name: &str) -> bool {
    let words: Vec<&str> = name
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    match words.as_slice() {
        [w] => {
            w.chars().filter(|c| c.is_alphanumeric()).count() <= 6
                || w.chars().all(|c| !c.is_alphabetic() || c.is_uppercase())
        }
        _ => false,
    }
}

const LEGAL_FORMS: &[&str] = &[
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "plc",
    "llc",
    "the",
    "sa",
    "ag",
];

/// A company name reduced for exact comparison: lower case, a trailing
/// parenthetical abbreviation dropped (`… Co., Ltd. (Hikvision)`),
/// punctuation removed and legal-form words (`Co.`, `Ltd.`, `Corporation`,
/// …) dropped.
pub fn normalize_name(name: &str) -> String {
    let mut s = name.trim();
    if s.ends_with(')') {
        if let Some(open) = s.rfind('(') {
            if open > 0 {
                s = s[..open].trim_end();
            }
        }
    }
    let lower = s.to_lowercase();
    let cleaned: String = lower
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned
        .split_whitespace()
        .filter(|w| !LEGAL_FORMS.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A company name in a strict canonical form, for deciding that two list
/// entries name the same party: lower case, punctuation removed, a trailing
/// parenthetical abbreviation dropped, `co`/`corp`/`ltd`/`inc`/`&` spelt
/// out, and trailing words that only state limited liability (`Limited`,
/// `Inc.`, `PLC`, …) dropped. Unlike [`normalize_name`] it keeps `Company`,
/// `Corporation` and `Group`: `China Shipbuilding Industry Company Limited`
/// (the listed subsidiary) is not `China Shipbuilding Industry
/// Corporation` (its parent).
pub(crate) fn canonical_name(name: &str) -> String {
    let mut s = name.trim();
    if let Some(open) = s.ends_with(')').then(|| s.rfind('(')).flatten() {
        if open > 0 {
            s = s[..open].trim_end();
        }
    }
    let lower = s.to_lowercase().replace('&', " and ");
    let cleaned: String = lower
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words: Vec<&str> = cleaned
        .split_whitespace()
        .map(|w| match w {
            "co" => "company",
            "corp" => "corporation",
            "ltd" => "limited",
            "inc" => "incorporated",
            other => other,
        })
        .collect();
    while words.len() > 1
        && matches!(
            words.last().copied(),
            Some("limited" | "incorporated" | "plc" | "llc" | "sa" | "ag")
        )
    {
        words.pop();
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names_keep_company_and_corporation_apart() {
        assert_eq!(
            canonical_name("CHINA SPACESAT CO., LTD."),
            canonical_name("China Spacesat Co.")
        );
        assert_eq!(
            canonical_name("AVIATION INDUSTRY CORPORATION OF CHINA, LTD."),
            canonical_name("Aviation Industry Corporation of China (AVIC)")
        );
        assert_ne!(
            canonical_name("CHINA SHIPBUILDING INDUSTRY COMPANY LIMITED"),
            canonical_name("China Shipbuilding Industry Corporation (CSIC)")
        );
        assert_eq!(
            canonical_name("Huawei Investment & Holding Co., Ltd."),
            "huawei investment and holding company"
        );
    }

    #[test]
    fn names_normalise_across_lists() {
        assert_eq!(
            normalize_name("Hangzhou Hikvision Digital Technology Co., Ltd. (Hikvision)"),
            normalize_name("HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.")
        );
        assert_eq!(
            normalize_name("Semiconductor Manufacturing International Corp. (SMIC)"),
            "semiconductor manufacturing international"
        );
        assert_eq!(
            normalize_name("China Unicom (Hong Kong) Limited"),
            "china unicom hong kong"
        );
        assert_ne!(
            normalize_name("China National Offshore Oil Corp. (CNOOC)"),
            normalize_name("CNOOC Limited")
        );
    }

    #[test]
    fn book_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<LawBook>();
    }

    #[test]
    fn abbreviations_are_judged_as_written() {
        assert!(is_abbreviation("CNOOC"));
        assert!(is_abbreviation("SMIC"));
        assert!(is_abbreviation("CLOUDWALK"));
        assert!(!is_abbreviation("CNOOC Limited"));
        assert!(!is_abbreviation("Dawning Information Industry Co."));
    }

    #[test]
    fn market_codes_have_synonyms() {
        assert_eq!(market_code("ch"), "CN");
        assert_eq!(market_code("SZ"), "CN");
        assert_eq!(market_code("UW"), "US");
        assert_eq!(market_code("HK"), "HK");
        assert_eq!(market_code("XX"), "XX");
        assert!(is_market_code("ss") && !is_market_code("B"));
    }

    #[test]
    fn tickers_drop_leading_zeros() {
        assert_eq!(norm_ticker("0941"), "941");
        assert_eq!(norm_ticker("lkco"), "LKCO");
    }

    #[test]
    fn supplementary_listings_are_added_once() {
        let book = LawBook::new(vec![], vec![]).unwrap();
        let e = book
            .entity(&EntityId::new("us_ofac_ns_ccmc", "china-mobile-limited"))
            .unwrap();
        assert_eq!(e.designations[0].program, "CCMC-EO13959");
        assert_eq!(book.by_exact_name("CHINA MOBILE LTD").len(), 1);
    }

    #[test]
    fn duplicate_entities_are_rejected() {
        let e = Entity::new(EntityId::new("x", "1"), Schema::Company, "A");
        assert!(matches!(
            LawBook::new(vec![e.clone(), e], vec![]),
            Err(LawError::DuplicateEntity(_))
        ));
    }
}
