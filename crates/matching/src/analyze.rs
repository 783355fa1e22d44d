//! From raw tokens to classified, weighted tokens with their equivalence
//! concepts (stems, abbreviations, name-spelling groups, legal-form classes,
//! glossary translations) and phonetic keys.

use pinyin::ToPinyin;
use smallvec::SmallVec;

use crate::hash::{key_ns, key_of, Fnv};

/// The highest weight of an ordinary word ([`Class::Common`]): below the
/// rarity from which a shared part earns the containment discount.
const COMMON_CAP: f32 = 4.5;

/// At most this many words make one legal form.
const LEGAL_WORDS: usize = 8;
use crate::tables::{
    known, tables, Generic, HanEntry, LegalForm, Tables, NS_BIGRAM, NS_CONCEPT, NS_PHON,
};
use crate::text::{tokenize, RawTok, Script};

/// Where a token's Latin key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Latin,
    /// Pinyin syllables of Han characters not in the glossary.
    Pinyin,
    /// An English rendering of a Han word from the glossary.
    Glossary,
    /// Cyrillic, Greek or Arabic through the transliteration tables.
    Translit,
    Other,
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Normal,
    /// An ordinary word that names many companies: distinctive, but its
    /// weight is capped.
    Common,
    Legal,
    Business,
    Place,
    Stop,
    Particle,
    Digit,
    /// A single letter.
    Initial,
}

impl Class {
    /// True for tokens whose agreement says something about identity.
    pub fn distinctive(self) -> bool {
        matches!(self, Class::Normal | Class::Common | Class::Digit)
    }
}

/// How a concept was attached to a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    Stem,
    Abbrev,
    Group,
    Gloss,
    Legal,
}

/// A classified token.
#[derive(Debug, Clone)]
pub(crate) struct Tok {
    pub key: u64,
    /// The folded form, the loose key and the text as written, in one
    /// allocation ([`Tok::norm`], [`Tok::loose`], [`Tok::surface`]).
    text: Box<str>,
    norm_end: u32,
    loose_end: u32,
    pub origin: Origin,
    pub class: Class,
    pub concepts: SmallVec<[(u64, Via); 3]>,
    /// One bit per concept key (a quick test for shared concepts).
    pub cmask: u64,
    pub phon: u64,
    /// The letters of `norm` and of `loose`, one bit each (a bound on
    /// edit distances).
    pub mask: u32,
    pub lmask: u32,
    pub weight: f32,
    /// The weight a token costs when it finds no partner: generic words
    /// agreeing say little, but a generic word present on one side only
    /// still tells two names apart.
    pub miss: f32,
    pub surname: bool,
    /// The token is an initialism listed in the tables.
    pub initialism: bool,
    /// `norm` is ASCII.
    pub ascii: bool,
}

impl Tok {
    /// The folded form: lower-case ASCII for Latin and transliterated
    /// text, the characters themselves for other scripts.
    pub fn norm(&self) -> &str {
        &self.text[..self.norm_end as usize]
    }

    /// The bytes of [`Tok::norm`].
    pub fn norm_b(&self) -> &[u8] {
        &self.text.as_bytes()[..self.norm_end as usize]
    }

    /// The bytes of [`Tok::loose`].
    pub fn loose_b(&self) -> &[u8] {
        &self.text.as_bytes()[self.norm_end as usize..self.loose_end as usize]
    }

    /// A looser spelling key for transliteration variants (voicing,
    /// aspiration, digraphs and vowel clusters folded; see [`loose`]);
    /// empty for numbers, legal forms and non-Latin text.
    pub fn loose(&self) -> &str {
        &self.text[self.norm_end as usize..self.loose_end as usize]
    }

    /// The text as written.
    pub fn surface(&self) -> &str {
        &self.text[self.loose_end as usize..]
    }
}

/// Document frequencies for weighting.
pub(crate) trait DfSource {
    fn df(&self, key: u64) -> u32;
    fn docs(&self) -> u32;
}

/// The analysed form of one name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Analyzed {
    pub toks: Vec<Tok>,
    /// Han character bigrams (keys), for partial Han names.
    pub bigrams: Vec<u64>,
}

/// True for Roman numerals up to 39 written as a word ("iii", "xiv"), the
/// numbers of vessels and branches.
pub(crate) fn is_roman(w: &str) -> bool {
    const R: [&str; 19] = [
        "ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii", "xiii", "xiv", "xv", "xvi",
        "xvii", "xviii", "xix", "xx", "xxi", "xxii",
    ];
    R.contains(&w)
}

/// A light English stemmer for plurals.
pub(crate) fn stem(w: &str) -> &str {
    let n = w.len();
    if n > 4 && w.is_ascii() {
        if let Some(s) = w.strip_suffix("ies") {
            // "technologies" -> "technolog" matches "technology" -> "technolog"
            return s;
        }
        if w.ends_with('y') {
            return &w[..n - 1];
        }
        if w.ends_with("ss") || w.ends_with("us") || w.ends_with("is") {
            return w;
        }
        if let Some(s) = w.strip_suffix('s') {
            return s;
        }
    }
    w
}

/// A consonant skeleton: first letter kept, then consonant classes with
/// vowels, h, w, y dropped and repeats collapsed.
#[cfg(test)]
pub(crate) fn phonetic(w: &str) -> Option<String> {
    let mut out = Vec::with_capacity(w.len());
    phonetic_into(w.as_bytes(), |c| out.push(c)).then(|| String::from_utf8(out).unwrap_or_default())
}

/// The phonetic key's hash ([`phonetic`] without the string), 0 if none.
fn phonetic_key(w: &str) -> u64 {
    let mut h = Fnv::with_ns(NS_PHON);
    if phonetic_into(w.as_bytes(), |c| h.byte(c)) {
        h.finish()
    } else {
        0
    }
}

/// [`phonetic`], letter by letter into `out`; false if the word has none.
fn phonetic_into(b: &[u8], mut out: impl FnMut(u8)) -> bool {
    if b.len() < 3 || !b.iter().all(u8::is_ascii_lowercase) {
        return false;
    }
    let class = |c: u8| -> u8 {
        match c {
            b'c' | b'k' | b'q' | b'g' => b'k',
            b's' | b'z' | b'x' => b's',
            b'd' | b't' => b't',
            b'b' | b'p' => b'p',
            b'f' | b'v' => b'f',
            b'm' | b'n' => b'n',
            b'j' => b'j',
            b'l' => b'l',
            b'r' => b'r',
            _ => 0,
        }
    };
    let first = match b[0] {
        b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'w' | b'h' => b'a',
        c => class(c).max(b'a'),
    };
    out(first);
    let mut last = if first == b'a' { 0 } else { first };
    let mut i = 1;
    while i < b.len() {
        let mut c = b[i];
        if c == b'p' && b.get(i + 1) == Some(&b'h') {
            c = b'f';
            i += 1;
        }
        let k = class(c);
        if k != 0 && k != last {
            out(k);
        }
        if k != 0 {
            last = k;
        }
        i += 1;
    }
    true
}

/// A loose spelling key: the spellings that romanisations of one name
/// take (Korean McCune-Reischauer and Revised, Wade-Giles and pinyin,
/// Russian and Ukrainian, Arabic and Persian) fold together. Voiced and
/// voiceless stops meet (k/g, t/d, p/b), aspiration and digraphs fold
/// (th, kh, ph, ch, zh, dzh), vowel clusters reduce (eo, eu, ou, oo, ee,
/// ae), y is i, w is v, x is ks, and doubled letters collapse.
#[cfg(test)]
pub(crate) fn loose(w: &str) -> String {
    let mut out = Vec::with_capacity(w.len() + 2);
    loose_into(w.as_bytes(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// The letters of a word, one bit each for `a` to `z`.
pub(crate) fn letter_mask(b: &[u8]) -> u32 {
    b.iter()
        .filter(|c| c.is_ascii_lowercase())
        .fold(0, |m, c| m | 1 << (c - b'a'))
}

/// [`loose`] into a buffer (cleared first).
pub(crate) fn loose_into(b: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    let push = |out: &mut Vec<u8>, r: u8| {
        if out.last() != Some(&r) {
            out.push(r);
        }
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let n = at(i + 1);
        let (r, adv): (u8, usize) = match c {
            b'd' => match n {
                b'z' if at(i + 2) == b'h' => (b'j', 3),
                b'j' => (b'j', 2),
                b'h' => (b'd', 2),
                _ => (b'd', 1),
            },
            b't' => match n {
                b'c' | b's' if at(i + 2) == b'h' => (b'j', 3),
                b'h' => (b'd', 2),
                _ => (b'd', 1),
            },
            b'z' if n == b'h' => (b'j', 2),
            b'c' => match n {
                b'h' => (b'j', 2),
                b'k' => (b'g', 2),
                _ => (b'g', 1),
            },
            b'k' => match n {
                b'h' => (b'h', 2),
                b'k' => (b'g', 2),
                _ => (b'g', 1),
            },
            b'p' if n == b'h' => (b'f', 2),
            b'p' => (b'b', 1),
            b'g' if n == b'h' => (b'g', 2),
            b'h' if n == b'r' && i == 0 => (b'g', 1),
            // Vowel clusters fold inside a word; the first letter stays.
            b'e' if i > 0 => match n {
                b'o' => (b'o', 2),
                b'u' => (b'u', 2),
                b'e' => (b'i', 2),
                _ => (b'e', 1),
            },
            b'o' if i > 0 && (n == b'u' || n == b'o') => (b'u', 2),
            b'a' if i > 0 && n == b'e' => (b'e', 2),
            b'x' => {
                push(out, b'g');
                (b's', 1)
            }
            b'q' => (b'g', 1),
            b'w' => (b'v', 1),
            b'y' => (b'i', 1),
            _ => (c, 1),
        };
        push(out, r);
        i += adv;
    }
}

/// What the tables say of one token, whatever its surface.
#[derive(Debug)]
struct Shape {
    class: Class,
    concepts: SmallVec<[(u64, Via); 3]>,
    phon: u64,
    loose: Box<str>,
    mask: u32,
    lmask: u32,
    initialism: bool,
}

/// At most this many token classifications are kept per thread.
const SHAPE_CACHE: usize = 65_536;

thread_local! {
    static SHAPES: std::cell::RefCell<crate::hash::FastMap<u64, std::rc::Rc<Shape>>> =
        std::cell::RefCell::new(crate::hash::FastMap::default());
}

struct Builder<'a> {
    t: &'a Tables,
    person: bool,
    toks: Vec<Tok>,
    scratch: Vec<u8>,
    /// The class of the words of a generic phrase being pushed, and how
    /// many of its words are left.
    forced: Option<Generic>,
    forced_left: usize,
}

impl Builder<'_> {
    fn push(
        &mut self,
        norm: &str,
        surface: &str,
        origin: Origin,
        legal: Option<&LegalForm>,
        surname: bool,
    ) {
        if norm.is_empty() {
            return;
        }
        let key = key_of(norm);
        // Everything but the surface depends only on these: tokens recur
        // (legal forms, common given names, generic words), so their
        // classification is kept per thread.
        let ck = key
            ^ (origin as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ legal.map_or(0, |l| l.concept.rotate_left(17))
            ^ (u64::from(self.person) << 63)
            ^ (self.forced.map_or(0, |g| g as u64 + 1) << 59);
        let shape = SHAPES.with(|c| c.borrow().get(&ck).cloned());
        let shape = match shape {
            Some(s) => s,
            None => {
                let s = std::rc::Rc::new(self.shape(norm, key, origin, legal));
                SHAPES.with(|c| {
                    let mut c = c.borrow_mut();
                    if c.len() >= SHAPE_CACHE {
                        c.clear();
                    }
                    c.insert(ck, std::rc::Rc::clone(&s));
                });
                s
            }
        };
        let loose = &*shape.loose;
        let mut text = String::with_capacity(norm.len() + loose.len() + surface.len());
        text.push_str(norm);
        text.push_str(loose);
        text.push_str(surface);
        self.toks.push(Tok {
            key,
            norm_end: norm.len() as u32,
            loose_end: (norm.len() + loose.len()) as u32,
            text: text.into_boxed_str(),
            origin,
            class: shape.class,
            concepts: shape.concepts.clone(),
            cmask: 0,
            phon: shape.phon,
            mask: shape.mask,
            lmask: shape.lmask,
            weight: 0.0,
            miss: 0.0,
            surname,
            initialism: shape.initialism,
            ascii: norm.is_ascii(),
        });
    }

    /// Classifies one token with the tables.
    fn shape(&mut self, norm: &str, key: u64, origin: Origin, legal: Option<&LegalForm>) -> Shape {
        let t = self.t;
        let mut concepts: SmallVec<[(u64, Via); 3]> = SmallVec::new();
        // Words of other languages with an English rendering: the
        // rendering's concepts, and its class when it is a generic word.
        let flags = t.known.get(&key).copied().unwrap_or(0);
        let has = |f: u8| flags & f != 0;
        let gloss = if origin == Origin::Other || !has(known::WORDS) {
            None
        } else {
            t.words.get(&key)
        };
        let gloss_class = gloss.and_then(|g| {
            let k = key_of(&g[0]);
            if t.legal.contains_key(&k) {
                Some(Generic::Business)
            } else {
                t.generic.get(&k).copied()
            }
        });
        let class = if let Some(lf) = legal {
            concepts.push((lf.concept, Via::Legal));
            Class::Legal
        } else if norm.bytes().any(|b| b.is_ascii_digit()) || (!self.person && is_roman(norm)) {
            Class::Digit
        } else if norm.chars().count() == 1 && origin != Origin::Other {
            Class::Initial
        } else {
            let generic = if has(known::GENERIC) {
                t.generic.get(&key).copied()
            } else {
                None
            };
            match self.forced.or(generic).or(gloss_class) {
                Some(Generic::Business) if !self.person => Class::Business,
                Some(Generic::Place) if !self.person => Class::Place,
                Some(Generic::Stop) => Class::Stop,
                Some(Generic::Particle) if self.person => Class::Particle,
                // The article of an organisation name written in Arabic
                // script: the English form translates the name and drops it.
                Some(Generic::Particle) if origin == Origin::Translit => Class::Stop,
                Some(Generic::Common) if !self.person => Class::Common,
                _ => Class::Normal,
            }
        };
        if class != Class::Legal && class != Class::Digit && norm.is_ascii() {
            let s = stem(norm);
            if s.len() >= 3 {
                concepts.push((key_ns(NS_CONCEPT, s), Via::Stem));
            }
            if let Some(exps) = has(known::ABBREV).then(|| t.abbrev.get(&key)).flatten() {
                for e in exps {
                    if !e.contains(' ') {
                        concepts.push((key_ns(NS_CONCEPT, stem(e)), Via::Abbrev));
                    }
                }
            }
            if let Some(g) = has(known::GROUP).then(|| t.name_group.get(&key)).flatten() {
                concepts.push((*g, Via::Group));
            }
            for e in gloss.into_iter().flatten() {
                concepts.push((key_ns(NS_CONCEPT, stem(e)), Via::Gloss));
                if let Some(lf) = t.legal.get(&key_of(e)) {
                    concepts.push((lf.concept, Via::Legal));
                }
            }
        }
        // Equally-named legal forms in other positions ("company" as a word).
        if class != Class::Legal {
            if let Some(lf) = has(known::LEGAL).then(|| t.legal.get(&key)).flatten() {
                concepts.push((lf.concept, Via::Legal));
            }
        }
        let phon = if matches!(origin, Origin::Latin | Origin::Translit | Origin::Pinyin)
            && class != Class::Digit
        {
            phonetic_key(norm)
        } else {
            0
        };
        let initialism = has(known::INITIALISM);
        self.scratch.clear();
        if norm.is_ascii() && class != Class::Digit && class != Class::Legal {
            loose_into(norm.as_bytes(), &mut self.scratch);
        }
        let loose = std::str::from_utf8(&self.scratch).unwrap_or_default();
        Shape {
            class,
            concepts,
            phon,
            loose: loose.into(),
            mask: letter_mask(norm.as_bytes()),
            lmask: letter_mask(loose.as_bytes()),
            initialism,
        }
    }

    fn latin_run(&mut self, run: &[RawTok]) {
        let t = self.t;
        let n = run.len();
        let surname_from_comma = self.person && run.iter().any(|r| !r.before_comma);
        let mut i = 0;
        let mut prev_legal = false;
        while i < n {
            let mut found: Option<(usize, &LegalForm)> = None;
            let flags = t.known.get(&key_of(run[i].norm)).copied().unwrap_or(0);
            let starts_legal = flags & known::LEGAL_START != 0;
            if !self.person && flags & known::PHRASE_START != 0 && self.forced_left == 0 {
                // A generic phrase ("hong kong"): its words take its class.
                if let Some(phrases) = t.generic_phrases.get(&key_of(run[i].norm)) {
                    for (rest, class) in phrases {
                        let fits = i + rest.len() < n
                            && rest
                                .iter()
                                .zip(&run[i + 1..])
                                .all(|(k, r)| *k == key_of(r.norm));
                        if fits {
                            self.forced = Some(*class);
                            self.forced_left = rest.len() + 1;
                            break;
                        }
                    }
                }
            }
            if !self.person && starts_legal {
                // Longest legal form starting here, hashed incrementally.
                let maxk = t.legal_max_words.min(n - i).min(LEGAL_WORDS);
                let mut keys = [(0u64, 0usize); LEGAL_WORDS];
                let mut h = Fnv::new();
                let mut len = 0;
                for k in 1..=maxk {
                    if k > 1 {
                        h.write(b" ");
                        len += 1;
                    }
                    let w = run[i + k - 1].norm.as_bytes();
                    h.write(w);
                    len += w.len();
                    keys[k - 1] = (h.finish(), len);
                }
                for k in (1..=maxk).rev() {
                    let (key, flen) = keys[k - 1];
                    if let Some(lf) = t.legal.get(&key) {
                        let at_edge = i == 0 || i + k == n;
                        let next_legal =
                            i + k < n && t.legal.contains_key(&key_of(run[i + k].norm));
                        if flen >= 5 || at_edge || prev_legal || next_legal {
                            found = Some((k, lf));
                            break;
                        }
                    }
                }
            }
            if let Some((k, lf)) = found {
                let norm = run[i..i + k]
                    .iter()
                    .map(|r| r.norm)
                    .collect::<Vec<_>>()
                    .join(" ");
                let surface = run[i..i + k]
                    .iter()
                    .map(|r| r.surface)
                    .collect::<Vec<_>>()
                    .join(" ");
                self.push(&norm, &surface, Origin::Latin, Some(lf), false);
                self.forced = None;
                self.forced_left = 0;
                prev_legal = true;
                i += k;
                continue;
            }
            prev_legal = false;
            let r = &run[i];
            let origin = if r.script == Script::Translit {
                Origin::Translit
            } else {
                Origin::Latin
            };
            let surname = self.person
                && if surname_from_comma {
                    r.before_comma
                } else {
                    i + 1 == n && n > 1
                };
            self.push(r.norm, r.surface, origin, None, surname);
            if self.forced_left > 0 {
                self.forced_left -= 1;
                if self.forced_left == 0 {
                    self.forced = None;
                }
            }
            i += 1;
        }
    }

    /// Segments a run of Han characters (or of Hangul syllables, `hangul`)
    /// with the glossary; what it does not know is romanised (pinyin for
    /// Han, the Hangul table for Korean).
    fn han_run(&mut self, run: &str, bigrams: &mut Vec<u64>, hangul: bool) {
        let t = self.t;
        let chars: Vec<char> = run.chars().collect();
        let mut leftover = String::new();
        let mut i = 0;
        let mut content = String::new();
        while i < chars.len() {
            let maxk = t.han_max_chars.min(chars.len() - i);
            let mut hit = None;
            for k in (2.min(maxk).max(1)..=maxk).rev() {
                let s: String = chars[i..i + k].iter().collect();
                if let Some(e) = t.han.get(s.as_str()) {
                    hit = Some((k, s, e));
                    break;
                }
            }
            if hit.is_none() {
                // Single characters only when listed (e.g. 核 nuclear).
                let s: String = chars[i..i + 1].iter().collect();
                if let Some(e) = t.han.get(s.as_str()) {
                    hit = Some((1, s, e));
                }
            }
            match hit {
                Some((k, s, e)) => {
                    self.flush_leftover(&mut leftover, hangul);
                    match e {
                        HanEntry::Legal(lf) => {
                            let lf = lf.clone();
                            self.push(&lf.class.clone(), &s, Origin::Glossary, Some(&lf), false);
                        }
                        HanEntry::Gloss(alts) => {
                            content.push_str(&s);
                            self.gloss(&s, alts);
                        }
                    }
                    i += k;
                }
                None => {
                    leftover.push(chars[i]);
                    content.push(chars[i]);
                    i += 1;
                }
            }
        }
        self.flush_leftover(&mut leftover, hangul);
        let cc: Vec<char> = content.chars().collect();
        for w in cc.windows(2) {
            let s: String = w.iter().collect();
            bigrams.push(key_ns(NS_BIGRAM, &s));
        }
        if cc.len() == 1 {
            bigrams.push(key_ns(NS_BIGRAM, &content));
        }
    }

    fn gloss(&mut self, han: &str, alts: &[Vec<Box<str>>]) {
        // The usual rendering, or a longer one that continues it (云从科技
        // "cloudwalk technology" rather than "cloudwalk"): the words a
        // Chinese name says are in its English form too.
        let first = alts
            .iter()
            .filter(|a| a.len() > alts[0].len() && a.starts_with(&alts[0]))
            .max_by_key(|a| a.len())
            .unwrap_or(&alts[0]);
        let start = self.toks.len();
        for w in first.iter() {
            self.push(w, han, Origin::Glossary, None, false);
        }
        // Other single-word renderings become concepts of the first word.
        if let Some(tok) = self.toks.get_mut(start) {
            for a in alts.iter().skip(1) {
                if a.len() == 1 {
                    tok.concepts
                        .push((key_ns(NS_CONCEPT, stem(&a[0])), Via::Gloss));
                    tok.concepts.push((key_ns(NS_CONCEPT, &a[0]), Via::Gloss));
                }
            }
            let py = pinyin_of(han);
            if !py.is_empty() && py != tok.norm() {
                tok.concepts.push((key_ns(NS_CONCEPT, &py), Via::Gloss));
            }
        }
    }

    fn flush_leftover(&mut self, leftover: &mut String, hangul: bool) {
        if leftover.is_empty() {
            return;
        }
        let surface = std::mem::take(leftover);
        if hangul {
            let t = self.t;
            let latin: String = surface.chars().filter_map(|c| t.script.get(&c)).collect();
            self.push(&latin, &surface, Origin::Translit, None, false);
        } else {
            let py = pinyin_of(&surface);
            self.push(&py, &surface, Origin::Pinyin, None, false);
        }
    }
}

/// Plain pinyin syllables of a Han string, joined.
pub(crate) fn pinyin_of(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if let Some(p) = c.to_pinyin() {
            out.push_str(p.plain());
        }
    }
    out
}

/// Analyses a name; weights are filled from `df`.
pub(crate) fn analyze(name: &str, person: bool, df: &dyn DfSource) -> Analyzed {
    let mut a = analyze_unweighted(name, person);
    assign_weights(&mut a.toks, person, df);
    a
}

/// Analyses a name, leaving weights at zero.
pub(crate) fn analyze_unweighted(name: &str, person: bool) -> Analyzed {
    let t = tables();
    let cut = tokenize(name, &t.script);
    let mut raw: SmallVec<[RawTok<'_>; 16]> = SmallVec::new();
    cut.toks_into(&mut raw);
    let mut b = Builder {
        t,
        person,
        toks: Vec::with_capacity(raw.len() + 2),
        scratch: Vec::with_capacity(32),
        forced: None,
        forced_left: 0,
    };
    let mut bigrams = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        match raw[i].script {
            Script::Han => {
                b.han_run(raw[i].norm, &mut bigrams, false);
                i += 1;
            }
            Script::Hangul if person => {
                // Korean personal names: one token a syllable, as the lists
                // write them (KIM Jong Un); in a name written whole the
                // first syllable is the family name.
                let r = &raw[i];
                let whole = r.surface.chars().count();
                let mut buf = [0u8; 4];
                for (k, c) in r.surface.chars().enumerate() {
                    let latin = t.script.get(&c).unwrap_or_default();
                    let surname = k == 0 && (2..=4).contains(&whole);
                    b.push(
                        latin,
                        c.encode_utf8(&mut buf),
                        Origin::Translit,
                        None,
                        surname,
                    );
                }
                i += 1;
            }
            Script::Hangul => {
                // Korean organisation names are translated like Chinese
                // ones: segmented with the glossary, the rest romanised.
                b.han_run(raw[i].surface, &mut bigrams, true);
                i += 1;
            }
            Script::Other => {
                let r = &raw[i];
                b.push(r.norm, r.surface, Origin::Other, None, false);
                i += 1;
            }
            _ => {
                let j = raw[i..]
                    .iter()
                    .position(|r| matches!(r.script, Script::Han | Script::Hangul | Script::Other))
                    .map_or(raw.len(), |p| i + p);
                b.latin_run(&raw[i..j]);
                i = j;
            }
        }
    }
    let mut toks = b.toks;
    for t in toks.iter_mut() {
        t.cmask = t.concepts.iter().fold(0, |m, (k, _)| m | 1 << (k % 64));
    }
    Analyzed { toks, bigrams }
}

/// The inverse document frequency of a token, capped, and the cap.
pub(crate) fn idf(df: u32, docs: u32) -> (f32, f32) {
    let n = docs.max(1000) as f32;
    let cap = (n / 3.0).ln();
    // ln((n + 1) / (df + 1)), with one logarithm: a token seen in no
    // document gets the cap.
    let v = if df == 0 {
        cap
    } else {
        ((n + 1.0) / (df as f32 + 1.0)).ln()
    };
    (v.clamp(0.3, cap), cap)
}

/// True for an East Slavic patronymic ("Akhmetovich", "Oleksandrovych",
/// "Ivanovna").
pub(crate) fn is_patronymic(w: &str) -> bool {
    const ENDS: [&str; 7] = ["ovich", "evich", "ovych", "evych", "ovna", "evna", "ichna"];
    w.len() >= 7 && ENDS.iter().any(|e| w.ends_with(e))
}

/// True if a name has no distinctive token (only legal forms, generic
/// words, stop words): such a name keeps its full weights, so that no name
/// is reduced to nothing.
pub(crate) fn all_light(toks: &[Tok]) -> bool {
    toks.iter()
        .all(|t| !t.class.distinctive() && t.class != Class::Initial)
}

/// The weight of one token from its rarity and class, and its cost when
/// unmatched.
pub(crate) fn tok_weight(t: &Tok, person: bool, light: bool, df: &dyn DfSource) -> (f32, f32) {
    let (base, cap) = idf(df.df(t.key), df.docs());
    let w = if light {
        base.max(1.0)
    } else {
        match t.class {
            Class::Normal => base,
            Class::Common => base.min(COMMON_CAP),
            Class::Digit => cap,
            Class::Legal => 0.6,
            Class::Business => base.min(4.0) * 0.4,
            Class::Place => base.min(4.0) * 0.5,
            Class::Stop => 0.15,
            Class::Particle => base.min(3.0) * 0.4,
            Class::Initial => {
                if person {
                    1.2
                } else {
                    base.min(4.0)
                }
            }
        }
    };
    // A patronymic is often left out: missing, it costs little.
    let miss = if person && is_patronymic(t.norm()) {
        w * 0.35
    } else {
        w
    };
    if person && t.surname {
        (w * 1.2, miss * 1.2)
    } else {
        (w, miss)
    }
}

/// Sets token weights from rarity and class.
pub(crate) fn assign_weights(toks: &mut [Tok], person: bool, df: &dyn DfSource) {
    let light = all_light(toks);
    for t in toks.iter_mut() {
        let (w, miss) = tok_weight(t, person, light, df);
        t.weight = w;
        t.miss = miss;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Flat;
    impl DfSource for Flat {
        fn df(&self, _: u64) -> u32 {
            1
        }
        fn docs(&self) -> u32 {
            10_000
        }
    }

    fn norms(s: &str, person: bool) -> Vec<String> {
        analyze(s, person, &Flat)
            .toks
            .iter()
            .map(|t| t.norm().to_string())
            .collect()
    }

    #[test]
    fn stems_and_phonetics() {
        assert_eq!(stem("technologies"), stem("technology"));
        assert_eq!(stem("services"), "service");
        assert_eq!(phonetic("mohammed"), phonetic("muhammad"));
        assert_eq!(phonetic("jon"), phonetic("john"));
        assert_ne!(phonetic("bush"), phonetic("habbash"));
    }

    #[test]
    fn loose_keys_fold_romanisations() {
        assert_eq!(loose("chong"), loose("jong"));
        assert_eq!(loose("taek"), loose("thaek"));
        assert_eq!(loose("hryb"), loose("grib"));
        assert_eq!(loose("kassir"), loose("qasir"));
        assert_eq!(loose("aeroatlantico").as_bytes()[0], b'a');
        assert_ne!(loose("dinrin"), loose("binrin"));
        assert_eq!(phonetic_key("mohammed"), phonetic_key("muhammad"));
        assert_eq!(phonetic_key("ab"), 0);
    }

    #[test]
    fn glossary_words_take_their_rendering() {
        let a = analyze("SHERKAT", false, &Flat);
        // A word of the glossary carries its English concept; whether the
        // table holds "sherkat" depends on the data, so only check shape.
        assert_eq!(a.toks.len(), 1);
        assert_eq!(letter_mask(b"abc"), 0b111);
    }

    #[test]
    fn generic_phrases_are_light() {
        let a = analyze("HONG KONG ELECTRONICS", false, &Flat);
        assert_eq!(a.toks[0].class, Class::Place);
        assert_eq!(a.toks[1].class, Class::Place);
        // Persons keep the words of place names as names.
        let p = analyze("Hong KONG", true, &Flat);
        assert_eq!(p.toks[0].class, Class::Normal);
    }

    #[test]
    fn legal_forms_collapse() {
        let a = analyze("HUAWEI TECHNOLOGIES CO., LTD.", false, &Flat);
        assert_eq!(a.toks.len(), 3);
        assert_eq!(a.toks[2].class, Class::Legal);
        let b = analyze("11420 CORP.", false, &Flat);
        assert_eq!(b.toks[0].class, Class::Digit);
        assert!(b.toks.iter().all(|t| t.weight > 0.0));
    }

    #[test]
    fn han_is_segmented_and_romanised() {
        assert_eq!(norms("小米", false), ["xiaomi"]);
        let a = analyze("杭州海康威视数字技术股份有限公司", false, &Flat);
        assert!(a.toks.len() >= 4, "{:?}", a.toks);
        assert!(a.toks.last().is_some_and(|t| t.class == Class::Legal));
        assert!(!a.bigrams.is_empty());
    }
}
