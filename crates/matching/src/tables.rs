//! The data tables of `data/`, compiled in and parsed once.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::hash::{key_ns, key_of, FastMap};
use crate::text::{fold_words, ScriptMap};

/// Key namespaces.
pub(crate) const NS_CONCEPT: u8 = 1;
pub(crate) const NS_LEGAL: u8 = 2;
pub(crate) const NS_GROUP: u8 = 3;
pub(crate) const NS_PHON: u8 = 4;
pub(crate) const NS_BIGRAM: u8 = 5;
pub(crate) const NS_INITIALS: u8 = 6;
pub(crate) const NS_CONCAT: u8 = 7;
pub(crate) const NS_DELETE: u8 = 8;
/// Loose spelling keys in the index's spelling vocabulary.
pub(crate) const NS_LOOSE: u8 = 9;
/// Leading syllables of two consecutive words of an organisation name.
pub(crate) const NS_SYLLABLES: u8 = 10;

const LEGAL_FORMS: &str = include_str!("../data/legal_forms.tsv");
const ABBREVIATIONS: &str = include_str!("../data/abbreviations.tsv");
const INITIALISMS: &str = include_str!("../data/initialisms.tsv");
const GLOSSARY_ZH: &str = include_str!("../data/glossary_zh.tsv");
const GLOSSARY_WORDS: &str = include_str!("../data/glossary_words.tsv");
const GENERIC_WORDS: &str = include_str!("../data/generic_words.tsv");
const COMMON_WORDS: &str = include_str!("../data/common_words.tsv");
const TRANSLIT_NAMES: &str = include_str!("../data/translit_names.tsv");
const TRANSLIT_CYRILLIC: &str = include_str!("../data/translit_cyrillic.tsv");
const TRANSLIT_GREEK: &str = include_str!("../data/translit_greek.tsv");
const TRANSLIT_ARABIC: &str = include_str!("../data/translit_arabic.tsv");
const TRANSLIT_KANA: &str = include_str!("../data/translit_kana.tsv");
const TRANSLIT_GEORGIAN: &str = include_str!("../data/translit_georgian.tsv");
const TRANSLIT_ARMENIAN: &str = include_str!("../data/translit_armenian.tsv");
const WORDS_ARABIC: &str = include_str!("../data/words_arabic.tsv");
const TRANSLIT_HANGUL: &str = include_str!("../data/translit_hangul.tsv");
const GLOSSARY_KO: &str = include_str!("../data/glossary_ko.tsv");
const COUNTRIES: &str = include_str!("../data/countries.tsv");
pub(crate) const TOKEN_FREQ: &str = include_str!("../data/token_freq.tsv");

/// The class of a generic word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Generic {
    Business,
    Place,
    Stop,
    Particle,
    /// An ordinary word that names many companies (`common_words.tsv`).
    Common,
}

/// A legal form: its canonical class.
#[derive(Debug, Clone)]
pub(crate) struct LegalForm {
    pub class: Box<str>,
    pub concept: u64,
}

/// What a Han dictionary entry is.
#[derive(Debug, Clone)]
pub(crate) enum HanEntry {
    Legal(LegalForm),
    /// English renderings, each a list of folded words.
    Gloss(Vec<Vec<Box<str>>>),
}

/// Which word tables hold a key ([`Tables::known`]).
pub(crate) mod known {
    pub const GENERIC: u8 = 1;
    pub const ABBREV: u8 = 2;
    pub const GROUP: u8 = 4;
    pub const WORDS: u8 = 8;
    pub const LEGAL: u8 = 16;
    pub const INITIALISM: u8 = 32;
    /// The first word of a (possibly multi-word) legal form.
    pub const LEGAL_START: u8 = 64;
    /// The first word of a generic phrase.
    pub const PHRASE_START: u8 = 128;
}

/// All tables.
pub(crate) struct Tables {
    /// For every single-token key of the word tables, which tables hold
    /// it: one lookup tells a token that is in none of them.
    pub known: FastMap<u64, u8>,
    pub script: ScriptMap,
    /// Latin legal forms keyed by their folded words joined with spaces.
    pub legal: FastMap<u64, LegalForm>,
    pub legal_max_words: usize,
    /// Abbreviation -> expansions (folded single words or phrases).
    pub abbrev: FastMap<u64, Vec<Box<str>>>,
    /// Initialism -> expansions as word lists.
    pub initialisms: FastMap<u64, Vec<Vec<Box<str>>>>,
    /// Han dictionary (glossary and Han legal forms).
    pub han: HashMap<Box<str>, HanEntry>,
    pub han_max_chars: usize,
    /// Latin words of other languages -> English renderings (single
    /// folded words; the first is the usual one).
    pub words: FastMap<u64, Vec<Box<str>>>,
    pub generic: FastMap<u64, Generic>,
    /// Generic phrases of several words ("hong kong"), by their first word:
    /// the keys of the other words and the class.
    pub generic_phrases: FastMap<u64, Vec<(Vec<u64>, Generic)>>,
    /// Person-name spelling -> group concept.
    pub name_group: FastMap<u64, u64>,
    /// Country name or code -> ISO alpha-2.
    pub countries: FastMap<u64, Box<str>>,
}

fn lines(src: &str) -> impl Iterator<Item = Vec<&str>> {
    src.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect::<Vec<_>>())
        .filter(|cols| cols.len() >= 2 && !cols[0].is_empty() && !cols[1].is_empty())
}

fn script_map() -> ScriptMap {
    let mut m = ScriptMap::default();
    for src in [
        TRANSLIT_CYRILLIC,
        TRANSLIT_GREEK,
        TRANSLIT_ARABIC,
        TRANSLIT_KANA,
        TRANSLIT_GEORGIAN,
        TRANSLIT_ARMENIAN,
    ] {
        for l in src.lines() {
            let l = l.trim_end_matches('\r');
            if l.starts_with('#') || l.trim().is_empty() {
                continue;
            }
            let mut cols = l.split('\t');
            let (Some(k), v) = (cols.next(), cols.next().unwrap_or("")) else {
                continue;
            };
            let mut kc = k.trim().chars();
            if let (Some(c), None) = (kc.next(), kc.next()) {
                let v = v.trim();
                let v: String = if v == "-" {
                    String::new()
                } else {
                    v.to_ascii_lowercase()
                };
                for lc in c.to_lowercase() {
                    m.insert(lc, v.clone().into_boxed_str());
                }
            }
        }
    }
    hangul_syllables(&mut m);
    for cols in lines(WORDS_ARABIC) {
        m.insert_arabic_word(cols[0], &cols[1].to_ascii_lowercase());
    }
    m
}

/// Composes the Latin keys of the 11,172 Hangul syllables from the jamo
/// table (initial, vowel and final letters in Unicode order).
fn hangul_syllables(m: &mut ScriptMap) {
    let (mut initial, mut vowel, mut fin) = (Vec::new(), Vec::new(), vec![""]);
    for cols in lines(TRANSLIT_HANGUL) {
        let latin = match cols.get(2).copied() {
            Some("-") | None => "",
            Some(l) => l,
        };
        match cols[0] {
            "initial" => initial.push(latin),
            "vowel" => vowel.push(latin),
            "final" => fin.push(latin),
            _ => {}
        }
    }
    // The table is compiled in; a wrong count is caught by the tests.
    if (initial.len(), vowel.len(), fin.len()) != (19, 21, 28) {
        return;
    }
    for (l, il) in initial.iter().enumerate() {
        for (v, vl) in vowel.iter().enumerate() {
            for (t, tl) in fin.iter().enumerate() {
                let cp = 0xAC00 + ((l * 21 + v) * 28 + t) as u32;
                if let Some(c) = char::from_u32(cp) {
                    m.insert(c, format!("{il}{vl}{tl}").into_boxed_str());
                }
            }
        }
    }
}

/// True if the text has Hangul syllables.
pub(crate) fn is_hangul_text(s: &str) -> bool {
    s.chars().any(crate::text::is_hangul)
}

pub(crate) fn is_han_text(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF))
}

impl Tables {
    fn load() -> Tables {
        let script = script_map();
        let fold = |s: &str| fold_words(s, &script);
        let mut legal = FastMap::default();
        let mut han: HashMap<Box<str>, HanEntry> = HashMap::new();
        let mut legal_max_words = 1;
        let mut legal_starts: Vec<u64> = Vec::new();
        for cols in lines(LEGAL_FORMS) {
            let class: Box<str> = cols[0].to_ascii_lowercase().into();
            let lf = LegalForm {
                concept: key_ns(NS_LEGAL, &class),
                class,
            };
            let form = cols[1];
            if is_han_text(form) || is_hangul_text(form) {
                let f: String = form.chars().filter(|c| !c.is_whitespace()).collect();
                han.insert(f.into(), HanEntry::Legal(lf));
            } else {
                let f = fold(form);
                if f.is_empty() {
                    continue;
                }
                legal_max_words = legal_max_words.max(f.split(' ').count());
                if let Some(first) = f.split(' ').next() {
                    legal_starts.push(key_of(first));
                }
                legal.entry(key_of(&f)).or_insert(lf);
            }
        }
        let mut abbrev: FastMap<u64, Vec<Box<str>>> = FastMap::default();
        for cols in lines(ABBREVIATIONS) {
            let a = fold(cols[0]).replace(' ', "");
            for e in cols[1].split('|') {
                let e = fold(e);
                if !a.is_empty() && !e.is_empty() && e != a {
                    abbrev.entry(key_of(&a)).or_default().push(e.into());
                }
            }
        }
        let mut initialisms: FastMap<u64, Vec<Vec<Box<str>>>> = FastMap::default();
        for cols in lines(INITIALISMS) {
            let a = fold(cols[0]).replace(' ', "");
            for e in cols[1].split('|') {
                let words: Vec<Box<str>> = fold(e)
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .map(Into::into)
                    .collect();
                if !a.is_empty() && words.len() > 1 {
                    initialisms.entry(key_of(&a)).or_default().push(words);
                }
            }
        }
        for cols in lines(GLOSSARY_ZH).chain(lines(GLOSSARY_KO)) {
            let k: String = cols[0].chars().filter(|c| !c.is_whitespace()).collect();
            if !is_han_text(&k) && !is_hangul_text(&k) {
                continue;
            }
            let alts: Vec<Vec<Box<str>>> = cols[1]
                .split('|')
                .map(|a| {
                    fold(a)
                        .split(' ')
                        .filter(|w| !w.is_empty())
                        .map(Into::into)
                        .collect::<Vec<_>>()
                })
                .filter(|a: &Vec<Box<str>>| !a.is_empty())
                .collect();
            if alts.is_empty() {
                continue;
            }
            match han.get_mut(k.as_str()) {
                Some(HanEntry::Gloss(existing)) => existing.extend(alts),
                Some(HanEntry::Legal(_)) => {}
                None => {
                    han.insert(k.into(), HanEntry::Gloss(alts));
                }
            }
        }
        let han_max_chars = han.keys().map(|k| k.chars().count()).max().unwrap_or(1);
        let mut words: FastMap<u64, Vec<Box<str>>> = FastMap::default();
        for cols in lines(GLOSSARY_WORDS) {
            let w = fold(cols[0]);
            if w.is_empty() || w.contains(' ') {
                continue;
            }
            for e in cols[1].split('|') {
                let e = fold(e);
                if !e.is_empty() && !e.contains(' ') && e != w {
                    let v = words.entry(key_of(&w)).or_default();
                    if !v.iter().any(|x| **x == *e) {
                        v.push(e.into());
                    }
                }
            }
        }
        let mut generic = FastMap::default();
        let mut generic_phrases: FastMap<u64, Vec<(Vec<u64>, Generic)>> = FastMap::default();
        for cols in lines(GENERIC_WORDS).chain(lines(COMMON_WORDS)) {
            let class = match cols[1].to_ascii_lowercase().as_str() {
                "business" => Generic::Business,
                "place" => Generic::Place,
                "stop" => Generic::Stop,
                "particle" => Generic::Particle,
                "common" => Generic::Common,
                _ => continue,
            };
            let w = fold(cols[0]);
            // Multi-word places ("hong kong") are registered word by word
            // only when a single word; phrases are looked up joined.
            generic.entry(key_of(&w.replace(' ', ""))).or_insert(class);
            if !w.contains(' ') {
                generic.entry(key_of(&w)).or_insert(class);
            } else {
                let mut words = w.split(' ').map(key_of);
                if let Some(first) = words.next() {
                    generic_phrases
                        .entry(first)
                        .or_default()
                        .push((words.collect(), class));
                }
            }
        }
        let mut name_group = FastMap::default();
        for l in TRANSLIT_NAMES.lines() {
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let names: Vec<String> = l
                .split(['|', '\t'])
                .map(&fold)
                .filter(|n| !n.is_empty())
                .collect();
            if names.len() < 2 {
                continue;
            }
            let g = key_ns(NS_GROUP, &names[0]);
            for n in names {
                name_group.entry(key_of(&n.replace(' ', ""))).or_insert(g);
            }
        }
        let mut countries = FastMap::default();
        for cols in lines(COUNTRIES) {
            let code: Box<str> = cols[0].to_ascii_lowercase().into();
            countries.insert(key_of(&code), code.clone());
            for n in cols[1].split('|') {
                let f = fold(n);
                if !f.is_empty() {
                    countries.entry(key_of(&f)).or_insert_with(|| code.clone());
                }
            }
        }
        let mut known_keys: FastMap<u64, u8> = FastMap::default();
        let mut mark = |keys: &mut dyn Iterator<Item = u64>, flag: u8| {
            for k in keys {
                *known_keys.entry(k).or_default() |= flag;
            }
        };
        mark(&mut generic.keys().copied(), known::GENERIC);
        mark(&mut generic_phrases.keys().copied(), known::PHRASE_START);
        mark(&mut abbrev.keys().copied(), known::ABBREV);
        mark(&mut name_group.keys().copied(), known::GROUP);
        mark(&mut words.keys().copied(), known::WORDS);
        mark(&mut legal.keys().copied(), known::LEGAL);
        mark(&mut initialisms.keys().copied(), known::INITIALISM);
        mark(&mut legal_starts.into_iter(), known::LEGAL_START);
        Tables {
            known: known_keys,
            script,
            legal,
            legal_max_words,
            abbrev,
            initialisms,
            han,
            han_max_chars,
            words,
            generic,
            generic_phrases,
            name_group,
            countries,
        }
    }

    /// Resolves a country code or name to ISO alpha-2 (lower case).
    pub fn country(&self, s: &str) -> Option<&str> {
        let f = fold_words(s, &self.script);
        self.countries.get(&key_of(&f)).map(|c| &**c)
    }
}

/// The tables, parsed on first use.
pub(crate) fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(Tables::load)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangul_syllables_are_composed() {
        let t = tables();
        let hangul = (0xAC00u32..=0xD7A3)
            .filter_map(char::from_u32)
            .filter(|c| t.script.contains_key(c))
            .count();
        assert_eq!(hangul, 11_172);
        let latin = |c: char| t.script.get(&c).map(|s| s.to_string());
        assert_eq!(latin('김').as_deref(), Some("kim"));
        assert_eq!(latin('정').as_deref(), Some("chong"));
        assert_eq!(latin('은').as_deref(), Some("un"));
        assert_eq!(latin('룡').as_deref(), Some("ryong"));
        assert_eq!(latin('ソ').as_deref(), Some("so"));
        assert_eq!(latin('ー').as_deref(), Some(""));
        assert!(t.han.contains_key("주식회사"));
        assert!(t.han.contains_key("무역"));
    }

    #[test]
    fn tables_load() {
        let t = tables();
        assert!(t.legal.contains_key(&key_of("ltd")));
        assert!(t.legal.contains_key(&key_of("co ltd")));
        assert!(t.abbrev.contains_key(&key_of("intl")));
        assert!(t.han.contains_key("有限公司"));
        assert!(t.name_group.contains_key(&key_of("mohammed")));
        assert_eq!(t.country("China"), Some("cn"));
        assert_eq!(t.country("CN"), Some("cn"));
    }
}
