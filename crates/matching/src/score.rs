//! Aligning the tokens of two names and scoring the alignment.

use crate::analyze::{stem, Class, Origin, Tok, Via};
use crate::explain::{MatchKind, PartMatch};
use crate::hash::{key_ns, key_of};
use crate::tables::{tables, Generic, NS_CONCEPT};

/// At most this many tokens of a name take part in the alignment.
const MAX_TOKS: usize = 24;

/// Tunable constants of the name score.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    /// How much an unmatched candidate token costs, relative to an
    /// unmatched query token (organisations).
    pub cand_penalty_org: f32,
    /// The same for persons (missing middle names are common).
    pub cand_penalty_person: f32,
    /// The ceiling for names that agree only on generic words.
    pub generic_cap: f32,
    /// The ceiling for names whose numbers disagree.
    pub digit_cap: f32,
    /// The ceiling for names where only one side carries a number.
    pub one_sided_digit_cap: f32,
    /// Containment: the token weight from which a shared part counts as
    /// rare, and the span over which the discount grows to full.
    pub rare_from: f32,
    pub rare_span: f32,
    /// Containment: the share of their cost that extra generic and extra
    /// distinctive words keep when the shared part is rare.
    pub contain_light: f32,
    pub contain_heavy: f32,
    /// Containment: extra words cost at most this share of the matched
    /// weight (when the shared part is rare).
    pub contain_cap: f32,
    /// Persons: the factor on unmatched costs when both names have a
    /// given name the other lacks.
    pub given_conflict: f32,
    /// Organisations: the factor on unmatched costs when both names have
    /// words the other lacks.
    pub org_conflict: f32,
    /// Organisations: the ceiling when names agree on one word only and
    /// each has words the other lacks.
    pub single_anchor_cap: f32,
    /// Organisations: the ceiling when the names agree on ordinary words
    /// only and one has words the other lacks.
    pub common_cap: f32,
    /// Persons: extra query names cost as little as extra candidate names
    /// when the candidate is wholly matched.
    pub symmetric_person: bool,
}

pub(crate) const PARAMS: Params = Params {
    cand_penalty_org: 0.8,
    cand_penalty_person: 0.6,
    generic_cap: 0.55,
    digit_cap: 0.5,
    one_sided_digit_cap: 0.65,
    rare_from: 4.5,
    rare_span: 3.0,
    contain_light: 0.3,
    contain_heavy: 1.0,
    contain_cap: 0.4,
    given_conflict: 1.3,
    symmetric_person: false,
    org_conflict: 1.25,
    single_anchor_cap: 0.65,
    common_cap: 0.69,
};

/// A sequence of tokens (owned by a query or stored in an index).
pub(crate) trait Toks {
    fn len(&self) -> usize;
    fn tok(&self, i: usize) -> &Tok;
}

impl Toks for [Tok] {
    fn len(&self) -> usize {
        <[Tok]>::len(self)
    }
    fn tok(&self, i: usize) -> &Tok {
        &self[i]
    }
}

impl Toks for [&Tok] {
    fn len(&self) -> usize {
        <[&Tok]>::len(self)
    }
    fn tok(&self, i: usize) -> &Tok {
        self[i]
    }
}

/// Tokens stored by id in a shared table.
pub(crate) struct ById<'a> {
    pub ids: &'a [u32],
    pub store: &'a [Tok],
}

impl Toks for ById<'_> {
    fn len(&self) -> usize {
        self.ids.len()
    }
    fn tok(&self, i: usize) -> &Tok {
        &self.store[self.ids[i] as usize]
    }
}

#[derive(Debug, Clone, Copy)]
struct Cand {
    qi: u8,
    qn: u8,
    cj: u8,
    cn: u8,
    sim: f32,
    kind: MatchKind,
    /// The weight of the pair: both sides' token weights, or twice the
    /// single token's for initials found by letter (the letters of a run
    /// say less than its words).
    w: f32,
    gain: f32,
}

/// Added to the gain of a pair of identical tokens, so that such pairs are
/// aligned before any other.
const IDENTICAL: f32 = 1.0e6;

/// The result of comparing two names.
#[derive(Debug, Clone, Default)]
pub(crate) struct NameMatch {
    pub score: f32,
    pub parts: Vec<PartMatch>,
    pub unmatched_query: Vec<String>,
    pub unmatched_candidate: Vec<String>,
}

/// Damerau-Levenshtein (optimal string alignment) distance of two byte
/// strings, giving up (returning `limit + 1`) past `limit`.
///
/// Bit-parallel (one machine word holds a column of the distance table:
/// Myers' algorithm with Hyyrö's transposition term), so two words of up
/// to 48 letters cost one pass over the second word.
pub(crate) fn edit_distance(a: &[u8], b: &[u8], limit: usize) -> usize {
    let (a, b) = (&a[..a.len().min(48)], &b[..b.len().min(48)]);
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    if a == b {
        return 0;
    }
    if a.is_empty() || b.is_empty() {
        return a.len().max(b.len()).min(limit + 1);
    }
    // One bit per position of `a` for each byte value.
    let mut peq = [0u64; 256];
    for (i, &x) in a.iter().enumerate() {
        peq[x as usize] |= 1 << i;
    }
    let top = 1u64 << (a.len() - 1);
    let (mut vp, mut vn) = (!0u64, 0u64);
    let (mut d0_prev, mut pm_prev) = (0u64, 0u64);
    let mut dist = a.len();
    for (j, &y) in b.iter().enumerate() {
        let pm = peq[y as usize];
        let tr = ((!d0_prev & pm) << 1) & pm_prev;
        let d0 = (((pm & vp).wrapping_add(vp)) ^ vp) | pm | vn | tr;
        let hp = vn | !(d0 | vp);
        let hn = d0 & vp;
        if hp & top != 0 {
            dist += 1;
        } else if hn & top != 0 {
            dist -= 1;
        }
        // The distance can fall by at most one per remaining letter.
        if dist > limit + (b.len() - 1 - j) {
            return limit + 1;
        }
        let hp = (hp << 1) | 1;
        let hn = hn << 1;
        vp = hn | !(d0 | hp);
        vn = d0 & hp;
        d0_prev = d0;
        pm_prev = pm;
    }
    dist.min(limit + 1)
}

/// The same distance by dynamic programming (the reference the tests hold
/// the bit-parallel version to).
#[cfg(test)]
fn edit_distance_dp(a: &[u8], b: &[u8]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// True if the bytes are a word of the tables (a generic word, a word with
/// an English rendering, a legal form) of three letters or more.
fn is_word(w: &[u8]) -> bool {
    use crate::tables::known;
    w.len() >= 3
        && std::str::from_utf8(w).is_ok_and(|w| {
            tables()
                .known
                .get(&key_of(w))
                .is_some_and(|f| f & (known::GENERIC | known::WORDS | known::LEGAL) != 0)
        })
}

fn is_subsequence(short: &[u8], long: &[u8]) -> bool {
    let mut it = long.iter();
    short.iter().all(|c| it.any(|l| l == c))
}

fn vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// The similarity of two single tokens, if they can be aligned at all.
///
/// `initials_ok` lets single letters of organisation names meet words
/// (names written with several initials, "KISH P AND I CLUB").
pub(crate) fn token_sim(
    q: &Tok,
    c: &Tok,
    person: bool,
    initials_ok: bool,
) -> Option<(f32, MatchKind)> {
    let cross = |k: MatchKind| -> MatchKind {
        if q.origin == Origin::Pinyin || c.origin == Origin::Pinyin {
            MatchKind::Pinyin
        } else if q.origin == Origin::Glossary || c.origin == Origin::Glossary {
            MatchKind::Glossary
        } else {
            k
        }
    };
    if q.key == c.key {
        if q.class == Class::Legal || c.class == Class::Legal {
            return Some((1.0, MatchKind::LegalForm));
        }
        return Some((1.0, cross(MatchKind::Exact)));
    }
    let legal = q.class == Class::Legal || c.class == Class::Legal;
    // Shared concepts.
    let mut best: Option<(f32, MatchKind)> = None;
    let shared = if q.cmask & c.cmask != 0 {
        &q.concepts[..]
    } else {
        &[]
    };
    for (kq, vq) in shared.iter() {
        for (kc, vc) in c.concepts.iter() {
            if kq != kc {
                continue;
            }
            let (s, k) = match (vq, vc) {
                (Via::Legal, _) | (_, Via::Legal) => (1.0, MatchKind::LegalForm),
                (Via::Stem, Via::Stem) => (0.97, cross(MatchKind::Exact)),
                (Via::Group, _) | (_, Via::Group) => (0.95, MatchKind::Transliteration),
                (Via::Gloss, _) | (_, Via::Gloss) => (0.95, cross(MatchKind::Glossary)),
                (Via::Abbrev, _) | (_, Via::Abbrev) => (0.95, MatchKind::Abbreviation),
            };
            if best.is_none_or(|(b, _)| s > b) {
                best = Some((s, k));
            }
        }
    }
    if best.is_some() {
        return best;
    }
    // Two spellings of different known names are two names, however alike
    // they sound (Mohammed / Mahmoud, Hasan / Husayn, Ahmed / Hamid).
    if distinct_names(q, c) {
        return None;
    }
    if legal {
        if q.class == Class::Legal && c.class == Class::Legal {
            return Some((0.5, MatchKind::LegalForm));
        }
        return None;
    }
    if q.class == Class::Digit || c.class == Class::Digit {
        return None;
    }
    let (a, b) = (q.norm_b(), c.norm_b());
    if !(q.ascii && c.ascii) {
        return None;
    }
    // Initials: a single letter meets a word starting with it (persons
    // mostly; "P AND I" for "PROTECTION AND INDEMNITY" in organisations).
    if (a.len() == 1) != (b.len() == 1) {
        let (s, l) = if a.len() == 1 { (a, b) } else { (b, a) };
        if !person && !initials_ok {
            return None;
        }
        let sim = if person { 0.8 } else { 0.7 };
        return (s[0] == l[0]).then_some((sim, MatchKind::Initial));
    }
    if a.len() == 1 || b.len() == 1 {
        return None;
    }
    // Algorithmic abbreviations of organisation words (intl, mfg, tech).
    // A distinctive word is shortened by cutting it ("TROPIC" for
    // "TROPICANA"), not to a few of its letters: "HTC" is not "HITACHI",
    // nor "INTEL" "INTELLIGENCE".
    if !person {
        let (s, l, lt) = if a.len() <= b.len() {
            (a, b, c)
        } else {
            (b, a, q)
        };
        if l.len() >= s.len() + 2 && s[0] == l[0] && s.len() >= 2 {
            let generic = !lt.class.distinctive();
            // A distinctive word that is the short one plus another word is
            // a compound, not its abbreviation ("GAZPROMBANK" is GAZPROM's
            // bank, and not "GAZPROM NEFT").
            let compound = !generic && is_word(&l[s.len()..]);
            let prefix = s.len() >= 3
                && l.starts_with(s)
                && (generic || 2 * s.len() >= l.len())
                && !compound;
            let skeleton = generic
                && s[1..].iter().all(|&x| !vowel(x))
                && is_subsequence(s, l)
                && s.len() >= 3;
            if prefix || skeleton {
                return Some((0.85, MatchKind::Abbreviation));
            }
        }
    }
    let len = a.len().max(b.len());
    // Edits matter up to the allowed number, or further for a shared
    // phonetic key.
    let same_phon = q.phon != 0 && q.phon == c.phon;
    let limit = if same_phon {
        allowed_edits(len).max(len / 2).max(1)
    } else {
        allowed_edits(len)
    };
    let d = if mask_bound(q.mask, c.mask) > limit {
        limit + 1
    } else {
        edit_distance(a, b, limit)
    };
    let mut sim = fuzzy_sim(a, b, d, person);
    let mut kind = MatchKind::Fuzzy;
    if same_phon && d <= (len / 2).max(1) && (person || len >= 6) {
        let ps = 0.8f32.max(1.0 - d as f32 / (len as f32 * 2.0)).min(0.9);
        // Company words that sound alike are another word more often than
        // another spelling ("PEPSICO" / "PASCO"): only near spellings count.
        let ps = if person {
            ps
        } else if 3 * d <= len {
            ps.min(sim.max(0.7))
        } else {
            0.0
        };
        if ps > sim {
            sim = ps;
            kind = MatchKind::Phonetic;
        }
    }
    let (la, lb) = (q.loose_b(), c.loose_b());
    if !la.is_empty() && !lb.is_empty() && sim < 0.9 {
        let ll = la.len().max(lb.len());
        // Two short company words one spelling apart are often two
        // words ("VISA" / "WISA", "BAIN" / "PAIN").
        // A word transliterated from another script meeting a Latin
        // spelling on the loose key is the same word spelled two ways.
        let translit = q.origin == Origin::Translit || c.origin == Origin::Translit;
        let ls = if la == lb {
            if person || ll >= 6 || translit {
                0.88
            } else if ll >= 4 && consonants_agree(a, b) && (ll >= 6 || edit_distance(a, b, 1) <= 1)
            {
                // Vowels written differently ("POUYA" / "POOYA").
                0.8
            } else if ll >= 4 {
                0.68
            } else {
                0.0
            }
        } else if mask_bound(q.lmask, c.lmask) > allowed_edits(ll) {
            0.0
        } else {
            let ld = edit_distance(la, lb, allowed_edits(ll));
            fuzzy_sim(la, lb, ld, person) - 0.05
        };
        if ls > sim {
            sim = ls;
            kind = MatchKind::Transliteration;
        }
    }
    // Arabic script writes no short vowels: a word written in it meets a
    // Latin spelling with the same consonants ("ملي" mly / "MELLI").
    if sim < 0.8 && arabic_script(q) != arabic_script(c) {
        let (x, y) = (skeleton(a), skeleton(b));
        if x.1 >= 2 && x == y {
            let s = if x.1 >= 3 { 0.8 } else { 0.7 };
            if s > sim {
                sim = s;
                kind = MatchKind::Transliteration;
            }
        }
    }
    (sim >= 0.6).then_some((sim, kind))
}

/// True if a token was written in Arabic script (Arabic, Persian, Urdu).
fn arabic_script(t: &Tok) -> bool {
    t.origin == Origin::Translit
        && t.surface()
            .chars()
            .next()
            .is_some_and(crate::text::is_arabic)
}

/// The consonants of a word in order, doubled ones once, without the
/// vowels and the glides (y, w) that Arabic script writes as long vowels
/// or not at all.
fn skeleton(w: &[u8]) -> ([u8; 48], usize) {
    let mut out = [0u8; 48];
    let mut n = 0;
    for &c in w.iter().take(48) {
        if vowel(c) || c == b'y' || c == b'w' {
            continue;
        }
        if n == 0 || out[n - 1] != c {
            out[n] = c;
            n += 1;
        }
    }
    (out, n)
}

/// True if two tokens are spellings of two different known names (each in
/// a spelling group of `translit_names.tsv`, not the same one): Mohammed /
/// Mahmoud, Jr / Sr.
fn distinct_names(a: &Tok, b: &Tok) -> bool {
    let group = |t: &Tok| {
        t.concepts
            .iter()
            .find(|(_, v)| *v == Via::Group)
            .map(|(k, _)| *k)
    };
    matches!((group(a), group(b)), (Some(x), Some(y)) if x != y)
}

/// True if two words have the same consonants in the same order, doubled
/// letters counted once.
fn consonants_agree(a: &[u8], b: &[u8]) -> bool {
    let skeleton = |w: &[u8]| {
        let mut out = [0u8; 48];
        let mut n = 0;
        let mut prev = 0u8;
        for &c in w.iter().take(48) {
            // Doubled letters count once; the same consonant again after a
            // vowel is another consonant ("TATA" has two).
            if !vowel(c) && c != b'y' && c != prev {
                out[n] = c;
                n += 1;
            }
            prev = c;
        }
        (out, n)
    };
    let ((x, n), (y, m)) = (skeleton(a), skeleton(b));
    n == m && x[..n] == y[..m]
}

/// A lower bound on the edit distance of two words from their letter
/// masks: each edit removes at most one letter the other word lacks.
fn mask_bound(a: u32, b: u32) -> usize {
    (a & !b).count_ones().max((b & !a).count_ones()) as usize
}

/// The edits allowed between two tokens of which the longer has `len`
/// letters.
fn allowed_edits(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=5 => 1,
        6..=8 => 2,
        _ => 3,
    }
}

/// The similarity of two tokens `d` edits apart. One letter weighs more in
/// a short organisation name ("DINRIN" is not "BINRIN") than in a personal
/// name ("Jon" is "John"), and a different first letter costs more.
fn fuzzy_sim(a: &[u8], b: &[u8], d: usize, person: bool) -> f32 {
    let len = a.len().max(b.len());
    if d > allowed_edits(len) {
        return 0.0;
    }
    let df = d as f32;
    let lf = len as f32;
    let mut sim = if person || len > 8 {
        1.0 - df / lf
    } else if len > 5 {
        1.0 - 1.5 * df / lf
    } else {
        1.0 - 2.0 * df / lf
    };
    if d > 0 && a.first() != b.first() {
        sim -= if person { 0.1 } else { 0.15 };
    }
    sim
}

fn word_matches(w: &str, t: &Tok) -> bool {
    if *t.norm() == *w {
        return true;
    }
    let tb = tables();
    let ck = key_ns(NS_CONCEPT, stem(w));
    if t.concepts.iter().any(|(k, _)| *k == ck) {
        return true;
    }
    if let Some(lf) = tb.legal.get(&key_of(w)) {
        return t.concepts.iter().any(|(k, _)| *k == lf.concept);
    }
    false
}

/// If `short` is an initialism of a run of `long` starting at `j`, returns
/// the run length and the number of letters that words (not legal forms)
/// gave.
fn initials_run<T: Toks + ?Sized>(short: &Tok, long: &T, j: usize) -> Option<(usize, usize)> {
    let s = short.norm_b();
    if !(2..=8).contains(&s.len()) || !s.iter().all(u8::is_ascii_lowercase) {
        return None;
    }
    // A legal form abbreviates words, not other legal forms ("S.A.S." is
    // not "... & COMPANIA S.C.A.").
    let legal_short = short.class == Class::Legal;
    let mut p = 0;
    let mut k = j;
    let mut words = 0;
    while k < long.len() && p < s.len() {
        let t = long.tok(k);
        let nb = t.norm_b();
        if t.class == Class::Legal {
            if legal_short {
                return None;
            }
            // A legal form that opens the run is a word of the name
            // ("COMPAGNIE AERIENNE DES GRANDS LACS").
            let leading = k == j;
            // Each word of a legal form may give a letter.
            let mut inits = t.norm().split(' ').filter_map(|w| w.bytes().next());
            let n_inits = t.norm().split(' ').filter(|w| !w.is_empty()).count();
            if p + n_inits <= s.len() && s[p..p + n_inits].iter().all(|&c| inits.next() == Some(c))
            {
                p += n_inits;
                words += usize::from(leading) * n_inits;
            } else if nb.first() == Some(&s[p]) {
                p += 1;
                words += usize::from(leading);
            }
            k += 1;
            continue;
        }
        if nb.first() == Some(&s[p]) && t.ascii {
            p += 1;
            words += 1;
            k += 1;
        } else if t.class == Class::Stop {
            k += 1;
        } else {
            return None;
        }
    }
    (p == s.len() && words >= 2 && k > j + 1).then_some((k - j, words))
}

/// If the table expansion of `short` appears in `long` from `j`, returns
/// the run length.
fn table_initialism_run<T: Toks + ?Sized>(short: &Tok, long: &T, j: usize) -> Option<usize> {
    if !short.initialism {
        return None;
    }
    let exps = tables().initialisms.get(&short.key)?;
    'exp: for words in exps {
        let mut k = j;
        let mut matched = 0;
        // Legal forms and function words of the expansion may be missing
        // from the name, and one generic word ("Group"); more is another
        // body ("China National Chemical Import and Export Corporation" is
        // not "China National Chemical Corporation").
        let mut skipped_generic = 0;
        for w in words.iter() {
            // Skip stop words on the list side.
            while k < long.len()
                && long.tok(k).class == Class::Stop
                && !word_matches(w, long.tok(k))
            {
                k += 1;
            }
            if k < long.len() && word_matches(w, long.tok(k)) {
                k += 1;
                matched += 1;
            } else if tables().legal.contains_key(&key_of(w))
                || matches!(tables().generic.get(&key_of(w)), Some(Generic::Stop))
            {
                continue;
            } else if tables().generic.contains_key(&key_of(w)) && skipped_generic == 0 {
                skipped_generic += 1;
                continue;
            } else {
                continue 'exp;
            }
        }
        if matched >= 2 {
            return Some(k - j);
        }
    }
    None
}

/// Writes the loose keys of two short tokens joined into `out`; false if
/// they are not two syllables of a name.
fn pair_of_syllables(x: &Tok, y: &Tok, out: &mut String) -> bool {
    let ok = |t: &Tok| {
        !t.loose().is_empty()
            && t.norm().len() <= 6
            && matches!(t.class, Class::Normal | Class::Initial)
    };
    if !(ok(x) && ok(y)) {
        return false;
    }
    out.clear();
    out.push_str(x.loose());
    out.push_str(y.loose());
    true
}

/// True if two tokens are one spelling of one word: their loose keys are
/// at most one edit apart (none for words of five letters or less).
fn near(a: &Tok, b: &Tok) -> bool {
    let (x, y) = (a.loose_b(), b.loose_b());
    if x.is_empty() || y.is_empty() {
        return false;
    }
    let limit = allowed_edits(x.len().max(y.len())).min(2).saturating_sub(1);
    mask_bound(a.lmask, b.lmask) <= limit && edit_distance(x, y, limit) <= limit
}

/// True if `whole` is the concatenation of `parts`.
fn concat_eq<'a>(whole: &[u8], parts: impl Iterator<Item = &'a [u8]>) -> bool {
    let mut rest = whole;
    for p in parts {
        match rest.strip_prefix(p) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// Particles that names write apart or fused into the next word
/// ("JAMAL AL DIN" / "JAMALEDDINE", "ZAHER EL DINE" / "ZAHREDDINE").
fn joining_particle(w: &str) -> bool {
    matches!(
        w,
        "al" | "el"
            | "ul"
            | "ad"
            | "ed"
            | "ud"
            | "ar"
            | "ur"
            | "as"
            | "ash"
            | "at"
            | "az"
            | "an"
            | "a"
            | "e"
            | "u"
            | "i"
            | "o"
            | "wal"
            | "wa"
    )
}

/// If `t` is the tokens of `long` from `j` written as one word (exactly,
/// with a particle fused or dropped, with a spelling difference, or as
/// the leading letters of each word: "AEROATLANTICO" / "AEROVIAS
/// ATLANTICO", "SCSCO" / "SHIPPING COMPUTER SERVICES COMPANY"), returns
/// the run length, the similarity and how.
///
/// Leading letters stand for a name only when they are all of their own
/// name (`alone`, legal forms aside): "PALBASA" is "PALMA DEL BAJO AGUAN
/// S.A.", but the "PAPER" of "INTERNATIONAL PAPER" is a word.
fn compound_run<T: Toks + ?Sized>(
    t: &Tok,
    long: &T,
    j: usize,
    person: bool,
    alone: bool,
    scratch: &mut Vec<u8>,
) -> Option<(usize, f32, MatchKind)> {
    let tn = t.norm_b();
    let word = |x: &Tok| {
        x.ascii && !x.loose().is_empty() && !matches!(x.class, Class::Digit | Class::Legal)
    };
    if tn.len() < 4 || !word(t) || j + 1 >= long.len() || !word(long.tok(j)) {
        return None;
    }
    // Every reading of the run starts with the first letter of its first
    // word, or with a vowel when that word is a particle fused to the next.
    let first = long.tok(j);
    let t0 = t.loose_b().first().copied();
    if t0 != first.loose_b().first().copied()
        && !(joining_particle(first.norm()) && t0.is_some_and(vowel))
    {
        return None;
    }
    let mut best: Option<(usize, f32, MatchKind)> = None;
    let lb = scratch;
    for r in 2..=3usize {
        if j + r > long.len() || !word(long.tok(j + r - 1)) {
            break;
        }
        let total: usize = (j..j + r).map(|k| long.tok(k).norm().len()).sum();
        if total + 4 < tn.len() || total > tn.len() + 6 {
            continue;
        }
        // A word that is nearly one of the run's words is that word, not
        // the run ("AQSA" is not "AL AQSA").
        if (j..j + r).any(|k| near(t, long.tok(k))) {
            return None;
        }
        if concat_eq(tn, (j..j + r).map(|k| long.tok(k).norm_b())) {
            return Some((r, 0.95, MatchKind::Compound));
        }
        // Spelling variants of the joined words (on their loose keys), with
        // a particle kept, dropped or assimilated to the next consonant
        // (al-din -> eddin).
        let particle = |k: usize| k + 1 < j + r && joining_particle(long.tok(k).norm());
        let any = (j..j + r).any(particle);
        let variants: &[&[u8]] = if any {
            &[b"=", b"", b"a", b"e", b"u", b"i"]
        } else {
            &[b"="]
        };
        for v in variants {
            lb.clear();
            let push = |lb: &mut Vec<u8>, bytes: &[u8]| {
                for &c in bytes {
                    if lb.last() != Some(&c) {
                        lb.push(c);
                    }
                }
            };
            for k in j..j + r {
                let tok = long.tok(k);
                if particle(k) && *v != b"=" && !(k == j && v.is_empty()) {
                    // A leading particle is fused, never dropped.
                    if let (Some(&vowel), Some(&next)) =
                        (v.first(), long.tok(k + 1).loose_b().first())
                    {
                        push(lb, &[vowel, next]);
                    }
                    continue;
                }
                push(lb, tok.loose_b());
            }
            let (x, y) = (t.loose_b(), &lb[..]);
            if x.first() != y.first() {
                continue;
            }
            let len = x.len().max(y.len());
            let d = edit_distance(x, y, allowed_edits(len));
            if d <= allowed_edits(len) && (d * 5 <= len || person) {
                let sim = (0.95 - d as f32 / len as f32).min(0.9);
                if best.is_none_or(|b| sim > b.1) {
                    best = Some((r, sim, MatchKind::Compound));
                }
            }
        }
    }
    if best.is_some() || person || !alone {
        return best;
    }
    prefix_run(tn, long, j).map(|r| (r, 0.85, MatchKind::Initialism))
}

/// If `s` is made of the leading letters of consecutive words of `long`
/// from `j` (at least two words, one giving two letters or more; function
/// words may be skipped), returns the run length.
fn prefix_run<T: Toks + ?Sized>(s: &[u8], long: &T, j: usize) -> Option<usize> {
    fn go<T: Toks + ?Sized>(
        s: &[u8],
        p: usize,
        long: &T,
        k: usize,
        used: usize,
        piece: bool,
    ) -> Option<usize> {
        if p == s.len() {
            return (used >= 2 && piece).then_some(k);
        }
        if k >= long.len() || k > 12 {
            return None;
        }
        let t = long.tok(k);
        if !t.ascii || t.class == Class::Digit {
            return None;
        }
        let w = t.norm_b();
        let mut l = 0;
        let mut wi = 0;
        while wi < w.len() && p + l < s.len() {
            if w[wi] == b' ' {
                wi += 1;
                continue;
            }
            if w[wi] != s[p + l] {
                break;
            }
            l += 1;
            wi += 1;
        }
        // A legal form gives its abbreviation ("CO", "SA"), not a syllable
        // ("SALIM" is not "SINGAPORE AIRLINES LIMITED").
        if t.class == Class::Legal {
            l = l.min(2);
        }
        for take in (1..=l).rev() {
            if let Some(e) = go(s, p + take, long, k + 1, used + 1, piece || take >= 2) {
                return Some(e);
            }
        }
        if t.class == Class::Stop && used > 0 {
            return go(s, p, long, k + 1, used, piece);
        }
        None
    }
    if s.len() < 5 || s.len() > 20 || !s.iter().all(u8::is_ascii_lowercase) {
        return None;
    }
    go(s, 0, long, j, 0, false).map(|e| e - j)
}

/// True if some Han word of three characters or more that the glossary
/// renders in several English words has all its rendered words in `sure`.
fn glossary_unit_agrees(t: &[&Tok], sure: &[bool]) -> bool {
    let mut i = 0;
    while i < t.len() {
        if t[i].origin != Origin::Glossary || t[i].class == Class::Legal {
            i += 1;
            continue;
        }
        let surface = t[i].surface();
        let mut j = i + 1;
        while j < t.len() && t[j].origin == Origin::Glossary && t[j].surface() == surface {
            j += 1;
        }
        if j - i >= 2 && surface.chars().count() >= 3 && sure[i..j].iter().all(|&s| s) {
            return true;
        }
        i = j;
    }
    false
}

/// The unmatched tokens of one side of an alignment.
#[derive(Debug, Default)]
struct SideCost {
    /// Cost of unmatched tokens inside the span of matched ones.
    inner: f32,
    /// Cost of unmatched generic tokens (legal forms, places, business
    /// and stop words) outside that span.
    outer_light: f32,
    /// Cost of unmatched distinctive tokens outside that span.
    outer_heavy: f32,
    /// Some unmatched token is more than a legal form or stop word.
    heavy: bool,
    /// Some unmatched token is more than a legal form, stop word or place.
    beyond_place: bool,
    /// Some unmatched token is a distinctive given name (persons).
    given: bool,
    digit: bool,
    digit_unmatched: bool,
    /// The weight of the rarest token matched (nearly) exactly.
    rare: f32,
}

impl SideCost {
    fn total(&self) -> f32 {
        self.inner + self.outer_light + self.outer_heavy
    }
}

/// The unmatched costs of one side; generic and distinctive tokens are
/// scaled by `light` and `heavy`.
fn side_costs<T: Toks + ?Sized>(
    t: &T,
    len: usize,
    used: &[bool],
    person: bool,
    light: f32,
    heavy: f32,
) -> SideCost {
    let mut s = SideCost::default();
    let first = (0..len).find(|&i| used[i]);
    let last = (0..len).rev().find(|&i| used[i]);
    for (i, &u) in used.iter().enumerate().take(len) {
        let tok = t.tok(i);
        s.digit |= tok.class == Class::Digit;
        if u {
            continue;
        }
        let distinctive = tok.class.distinctive();
        let cost = tok.miss * if distinctive { heavy } else { light };
        let outside = first.is_some_and(|f| i < f) || last.is_some_and(|l| i > l);
        if !outside {
            s.inner += cost;
        } else if distinctive {
            s.outer_heavy += cost;
        } else {
            s.outer_light += cost;
        }
        s.heavy |= !matches!(tok.class, Class::Legal | Class::Stop);
        s.beyond_place |= !matches!(tok.class, Class::Legal | Class::Stop | Class::Place);
        s.given |= person && distinctive && !tok.surname && tok.norm().len() > 1;
        s.digit_unmatched |= tok.class == Class::Digit;
    }
    s
}

fn join_surface<T: Toks + ?Sized>(t: &T, from: usize, n: usize) -> String {
    if n == 1 {
        return t.tok(from).surface().to_string();
    }
    let len: usize = (from..from + n).map(|i| t.tok(i).surface().len() + 1).sum();
    let mut s = String::with_capacity(len);
    let mut last: Option<&str> = None;
    for i in from..from + n {
        let sf = t.tok(i).surface();
        // Han words rendered as several English words share one surface.
        if last == Some(sf) {
            continue;
        }
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(sf);
        last = Some(sf);
    }
    s
}

/// Aligns two names and scores the alignment; `explain` asks for the parts.
pub(crate) fn compare<Q: Toks + ?Sized, C: Toks + ?Sized>(
    q: &Q,
    c: &C,
    person: bool,
    explain: bool,
) -> NameMatch {
    let n = q.len().min(MAX_TOKS);
    let m = c.len().min(MAX_TOKS);
    if n == 0 || m == 0 {
        return NameMatch::default();
    }
    // The tokens of both names, gathered once.
    let mut qa: [&Tok; MAX_TOKS] = [q.tok(0); MAX_TOKS];
    let mut ca: [&Tok; MAX_TOKS] = [c.tok(0); MAX_TOKS];
    for (i, slot) in qa.iter_mut().enumerate().take(n) {
        *slot = q.tok(i);
    }
    for (j, slot) in ca.iter_mut().enumerate().take(m) {
        *slot = c.tok(j);
    }
    compare_refs(&qa[..n], &ca[..m], person, explain)
}

thread_local! {
    static CANDS: std::cell::RefCell<Vec<Cand>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn compare_refs(q: &[&Tok], c: &[&Tok], person: bool, explain: bool) -> NameMatch {
    let n = q.len();
    let m = c.len();
    let wq = |i: usize, k: usize| -> f32 { (i..i + k).map(|x| q.tok(x).weight).sum() };
    let wc = |j: usize, k: usize| -> f32 { (j..j + k).map(|x| c.tok(x).weight).sum() };
    // The candidate pairs, in a buffer kept by the thread between calls.
    let mut cands: Vec<Cand> = CANDS.with(|b| std::mem::take(&mut *b.borrow_mut()));
    cands.clear();
    let initials_ok = (0..n).filter(|&i| q.tok(i).class == Class::Initial).count() >= 2
        || (0..m).filter(|&j| c.tok(j).class == Class::Initial).count() >= 2;
    // Tokens with an identical partner take no part in runs.
    let mut exact_q = [false; MAX_TOKS];
    let mut exact_c = [false; MAX_TOKS];
    for (i, &qt) in q.iter().enumerate() {
        for (j, &ct) in c.iter().enumerate() {
            if qt.key == ct.key {
                exact_q[i] = true;
                exact_c[j] = true;
            }
            if let Some((sim, kind)) = token_sim(qt, ct, person, initials_ok) {
                let w = qt.weight + ct.weight;
                cands.push(Cand {
                    qi: i as u8,
                    qn: 1,
                    cj: j as u8,
                    cn: 1,
                    sim,
                    kind,
                    w,
                    gain: if qt.key == ct.key {
                        IDENTICAL + sim * w
                    } else {
                        sim * w
                    },
                });
            }
        }
    }
    // One token against a run of tokens: initialisms and compounds.
    let mut scratch = Vec::new();
    let words = |t: &[&Tok]| {
        t.iter()
            .filter(|t| !matches!(t.class, Class::Legal | Class::Stop))
            .count()
    };
    let (alone_q, alone_c) = (words(q) == 1, words(c) == 1);
    for (flip, (a, b)) in [(false, (n, m)), (true, (m, n))] {
        let alone = if flip { alone_c } else { alone_q };
        for i in 0..a {
            let t = if flip { c.tok(i) } else { q.tok(i) };
            let exact = if flip { exact_c[i] } else { exact_q[i] };
            if exact
                || t.class == Class::Digit
                || t.class == Class::Stop
                || !t.ascii
                || t.norm().len() < 2
            {
                continue;
            }
            let t0 = t.norm_b().first().copied();
            let tl0 = t.loose_b().first().copied();
            for j in 0..b {
                let first = if flip { q.tok(j) } else { c.tok(j) };
                // Runs other than table initialisms start with the first
                // letter of their first word (or a particle fused to the
                // next word).
                let letter = t0 == first.norm_b().first().copied()
                    || (tl0.is_some() && tl0 == first.loose_b().first().copied())
                    || (tl0.is_some_and(vowel) && joining_particle(first.norm()));
                if !letter && !t.initialism {
                    continue;
                }
                // A word that is (nearly) the first word of a run is that
                // word, not the run ("AQSA" is not "AQS-A L-").
                if first.key == t.key || near(t, first) {
                    continue;
                }
                let long: &[&Tok] = if flip { q } else { c };
                // A listed initialism of three letters or less stands for
                // other bodies too ("ABC"), unless it renders a Chinese name
                // (中国广核 CGN).
                let rendered = t.origin == Origin::Glossary || long[j].origin == Origin::Glossary;
                let table_sim = if t.norm().len() <= 3 && !rendered {
                    0.65
                } else {
                    0.95
                };
                let run = table_initialism_run(t, long, j)
                    .map(|r| (r, table_sim, MatchKind::Initialism, false))
                    .or_else(|| {
                        // Letters that happen to be the initials of a run
                        // are weak evidence, the weaker the fewer they are
                        // (one three-letter string stands for thousands of
                        // names), and weaker still for generic words only
                        // ("APH" / "ASIA PACIFIC HOLDINGS").
                        letter
                            .then(|| initials_run(t, long, j))
                            .flatten()
                            .map(|(r, words)| {
                                let sim: f32 = match words {
                                    0..=2 => 0.5,
                                    3 => 0.6,
                                    4 => 0.75,
                                    _ => 0.85,
                                };
                                let r = r.min(long.len() - j);
                                let rare = (j..j + r).any(|k| long[k].class.distinctive());
                                let weak = !rare && words <= 4;
                                (
                                    r,
                                    if weak { sim - 0.05 } else { sim },
                                    MatchKind::Initialism,
                                    true,
                                )
                            })
                    })
                    .or_else(|| {
                        letter
                            .then(|| compound_run(t, long, j, person, alone, &mut scratch))
                            .flatten()
                            .map(|(r, sim, kind)| (r, sim, kind, kind == MatchKind::Initialism))
                    });
                if let Some((r, sim, kind, by_letter)) = run {
                    let r = r.min(b - j);
                    let (qi, qn, cj, cn) = if flip { (j, r, i, 1) } else { (i, 1, j, r) };
                    let w = if by_letter {
                        2.0 * t.weight
                    } else {
                        wq(qi, qn) + wc(cj, cn)
                    };
                    cands.push(Cand {
                        qi: qi as u8,
                        qn: qn as u8,
                        cj: cj as u8,
                        cn: cn as u8,
                        sim,
                        kind,
                        w,
                        gain: sim * w,
                    });
                }
            }
        }
    }
    if person {
        // Syllables written apart on both sides ("So-nam" / "Su Nam").
        let mut lq = String::new();
        let mut lc = String::new();
        for i in 0..n.saturating_sub(1) {
            if !pair_of_syllables(q.tok(i), q.tok(i + 1), &mut lq) {
                continue;
            }
            for j in 0..m.saturating_sub(1) {
                if q.tok(i).key == c.tok(j).key && q.tok(i + 1).key == c.tok(j + 1).key {
                    continue;
                }
                if distinct_names(q.tok(i), c.tok(j)) || distinct_names(q.tok(i + 1), c.tok(j + 1))
                {
                    continue;
                }
                if !pair_of_syllables(c.tok(j), c.tok(j + 1), &mut lc) {
                    continue;
                }
                let (a, b) = (lq.as_bytes(), lc.as_bytes());
                let d = edit_distance(a, b, 3);
                let sim = fuzzy_sim(a, b, d, true) * 0.95;
                if sim >= 0.7 {
                    let w = wq(i, 2) + wc(j, 2);
                    cands.push(Cand {
                        qi: i as u8,
                        qn: 2,
                        cj: j as u8,
                        cn: 2,
                        sim,
                        kind: MatchKind::Transliteration,
                        w,
                        gain: sim * w,
                    });
                    // One syllable identical ("nam" / "Nam"): it pairs with
                    // its partner first, and the other syllable meets its
                    // counterpart as the pair did ("So" / "Su").
                    let other = if q.tok(i).key == c.tok(j).key {
                        Some((i + 1, j + 1))
                    } else if q.tok(i + 1).key == c.tok(j + 1).key {
                        Some((i, j))
                    } else {
                        None
                    };
                    if let Some((x, y)) = other {
                        let w = wq(x, 1) + wc(y, 1);
                        cands.push(Cand {
                            qi: x as u8,
                            qn: 1,
                            cj: y as u8,
                            cn: 1,
                            sim,
                            kind: MatchKind::Transliteration,
                            w,
                            gain: sim * w,
                        });
                    }
                }
            }
        }
    }
    // Identical tokens pair first (their gain is raised above any other):
    // a run or a pair of syllables may not take a token away from its
    // identical partner.
    cands.sort_by(|x, y| y.gain.total_cmp(&x.gain).then(y.sim.total_cmp(&x.sim)));
    let mut used_q = [false; MAX_TOKS];
    let mut used_c = [false; MAX_TOKS];
    // Tokens aligned with a similarity of 0.75 or more.
    let mut sure_q = [false; MAX_TOKS];
    let mut sure_c = [false; MAX_TOKS];
    let mut matched = 0.0f32;
    let mut paired = 0.0f32;
    let mut distinctive_match = false;
    let (mut rare_q, mut rare_c) = (0.0f32, 0.0f32);
    let (mut anchors, mut generic_anchors) = (0usize, 0usize);
    let (mut distinctive_pairs, mut distinctive_best) = (0usize, 0.0f32);
    // Some distinctive token agreeing has more than three letters (or is a
    // glossary rendering of a Chinese or Korean word).
    let mut long_anchor = false;
    let mut rare_anchor = false;
    let mut chosen: Vec<Cand> = if explain {
        Vec::with_capacity(n.min(m))
    } else {
        Vec::new()
    };
    for &cd in cands.iter() {
        let (qi, qn, cj, cn) = (
            cd.qi as usize,
            cd.qn as usize,
            cd.cj as usize,
            cd.cn as usize,
        );
        if used_q[qi..qi + qn].iter().any(|&u| u) || used_c[cj..cj + cn].iter().any(|&u| u) {
            continue;
        }
        used_q[qi..qi + qn].iter_mut().for_each(|u| *u = true);
        used_c[cj..cj + cn].iter_mut().for_each(|u| *u = true);
        if cd.sim >= 0.75 {
            sure_q[qi..qi + qn].iter_mut().for_each(|u| *u = true);
            sure_c[cj..cj + cn].iter_mut().for_each(|u| *u = true);
        }
        let w = cd.w;
        matched += cd.sim * w;
        paired += w;
        let dq = (qi..qi + qn)
            .any(|x| q.tok(x).class.distinctive() || (person && q.tok(x).class == Class::Particle));
        let dc = (cj..cj + cn)
            .any(|x| c.tok(x).class.distinctive() || (person && c.tok(x).class == Class::Particle));
        if (dq || dc || cd.kind == MatchKind::Initialism) && cd.sim >= 0.75 {
            distinctive_match = true;
        }
        if dq || dc {
            distinctive_pairs += 1;
            let long = |t: &Tok| {
                t.class.distinctive() && (t.norm().len() > 3 || t.origin == Origin::Glossary)
            };
            long_anchor |=
                (qi..qi + qn).any(|x| long(q.tok(x))) || (cj..cj + cn).any(|x| long(c.tok(x)));
            distinctive_best = distinctive_best.max(cd.sim);
            let rare = |t: &Tok| matches!(t.class, Class::Normal | Class::Digit);
            if (qi..qi + qn).any(|x| rare(q.tok(x))) || (cj..cj + cn).any(|x| rare(c.tok(x))) {
                rare_anchor = true;
            }
        }
        if cd.sim >= 0.85 && dq && dc {
            rare_q = rare_q.max(wq(qi, qn));
            rare_c = rare_c.max(wc(cj, cn));
        }
        // Generic words agreeing beside one distinctive word do not make a
        // second anchor ("CHINA LIFE INSURANCE" / "TRUST LIFE INSURANCE").
        let word = |t: &Tok| t.class.distinctive();
        if cd.sim >= 0.75 && (qi..qi + qn).any(|x| word(q.tok(x))) {
            anchors += 1;
        } else if cd.sim >= 0.75 && (qi..qi + qn).any(|x| q.tok(x).class == Class::Business) {
            generic_anchors += 1;
        }
        if explain {
            chosen.push(cd);
        }
    }
    // A Chinese name of a company or body that the glossary renders in
    // several English words (中国移动 "China Mobile", 中国建筑 "China State
    // Construction") is one distinctive unit, made of generic words: when
    // all its words agree, the names agree on more than generic words.
    CANDS.with(|b| *b.borrow_mut() = cands);
    let glossary_unit = glossary_unit_agrees(q, &sure_q) || glossary_unit_agrees(c, &sure_c);
    if glossary_unit {
        distinctive_match = true;
        rare_anchor = true;
    }
    let lam = if person {
        PARAMS.cand_penalty_person
    } else {
        PARAMS.cand_penalty_org
    };
    // A side that only adds words (middle names, a branch) costs less than
    // one that also lacks words of the other: then the names conflict.
    let heavy_lam = if person { lam } else { 1.0 };
    let mut sq = side_costs(q, n, &used_q, person, 1.0, 1.0);
    let mut sc = side_costs(c, m, &used_c, person, 1.0, 1.0);
    if sq.total() <= 0.0 {
        sc = side_costs(c, m, &used_c, person, lam, heavy_lam);
    } else if person && !sc.heavy && PARAMS.symmetric_person {
        sq = side_costs(q, n, &used_q, person, lam, heavy_lam);
    }
    sq.rare = rare_q;
    sc.rare = rare_c;
    let unmatched_heavy = sq.heavy || sc.heavy;
    let digit_unmatched = sq.digit_unmatched || sc.digit_unmatched;
    let (q_digit, c_digit) = (sq.digit, sc.digit);
    // Containment: when one name is wholly found in the other, the words
    // the other adds before or after the shared part (a legal form, a
    // place, a branch) cost less, the more so the rarer the shared part.
    // Words inside the shared span ("EMMA ZORBEX LLC") keep their cost.
    let contain = |extra: &SideCost, other: &SideCost| -> f32 {
        if person || other.heavy || other.rare <= 0.0 {
            return extra.outer_light + extra.outer_heavy;
        }
        let r = ((other.rare - PARAMS.rare_from) / PARAMS.rare_span).clamp(0.0, 1.0);
        let cost = extra.outer_light * (1.0 - r * (1.0 - PARAMS.contain_light))
            + extra.outer_heavy * (1.0 - r * (1.0 - PARAMS.contain_heavy));
        if r > 0.0 {
            cost.min(paired * PARAMS.contain_cap / r)
        } else {
            cost
        }
    };
    let mut uq = sq.inner + contain(&sq, &sc);
    let mut uc = sc.inner + contain(&sc, &sq);
    // Persons: different given names beside the same family names are
    // usually relatives, not spellings of one name.
    if person && sq.given && sc.given {
        uq *= PARAMS.given_conflict;
        uc *= PARAMS.given_conflict;
    }
    // Organisations: each name has words the other lacks ("AIR KORYO" /
    // "KORYO BANK"): two bodies sharing a name part.
    if !person && sq.heavy && sc.heavy {
        uq *= PARAMS.org_conflict;
        uc *= PARAMS.org_conflict;
    }
    let denom = paired + uq + uc;
    let mut score = if denom > 0.0 { matched / denom } else { 0.0 };
    // Names made of generic words only stay below the threshold, unless
    // they agree on all their words but places ("BANK KESHAVARZI" /
    // "BANK KESHAVARZI IRAN").
    let only_places = (!sq.heavy && !sc.beyond_place) || (!sc.heavy && !sq.beyond_place);
    if !distinctive_match && unmatched_heavy && !only_places {
        score = score.min(PARAMS.generic_cap);
    }
    // Organisations agreeing on one word while each has words the other
    // lacks ("ATLAS INDUSTRIES" / "ATLAS SHIPPING"): two bodies sharing a
    // name part, unless that part is the whole of a long rare name.
    // Several generic words agreeing in order count as one more anchor
    // ("NUCLEAR SCIENCE AND TECHNOLOGY RESEARCH CENTER" / "... INSTITUTE").
    let anchors = anchors + usize::from(generic_anchors >= 3) + usize::from(glossary_unit);
    if !person && sq.heavy && sc.heavy && anchors <= 1 {
        score = score.min(PARAMS.single_anchor_cap);
    }
    // Organisations whose one distinctive word agrees only nearly: the
    // legal forms and generic words they share do not make the names
    // closer than that word ("BAIN & COMPANY" / "PAIN COMPANY").
    if !person && distinctive_pairs == 1 && distinctive_best < 0.95 {
        score = score.min(distinctive_best);
    }
    // Organisations that agree on ordinary words only ("ATLAS", "GOLDEN
    // STAR") while one of them has words the other lacks: many companies
    // carry those words.
    if !person && distinctive_pairs > 0 && !rare_anchor && (sq.beyond_place || sc.beyond_place) {
        score = score.min(PARAMS.common_cap);
    }
    // Organisations that agree on a short word only (three letters: "ANA",
    // "ASE", "XPO"; no generic word agreeing beside it) while one has words
    // the other lacks: thousands of companies carry such a word in a longer
    // name.
    if !person
        && distinctive_pairs > 0
        && !long_anchor
        && generic_anchors == 0
        && (sq.beyond_place || sc.beyond_place)
    {
        score = score.min(PARAMS.common_cap);
    }
    if q_digit && c_digit && digit_unmatched {
        score = score.min(PARAMS.digit_cap);
    } else if digit_unmatched && !person {
        // "ASIA BRIDGE 1" is not "ASIA BRIDGE": a number on one side only.
        score = score.min(PARAMS.one_sided_digit_cap);
    }
    let score = score.clamp(0.0, 1.0);
    let mut out = NameMatch {
        score,
        ..NameMatch::default()
    };
    if explain {
        chosen.sort_by_key(|cd| (cd.qi, cd.cj));
        out.parts.reserve_exact(chosen.len());
        for cd in chosen {
            let (qi, qn, cj, cn) = (
                cd.qi as usize,
                cd.qn as usize,
                cd.cj as usize,
                cd.cn as usize,
            );
            let w = cd.w;
            out.parts.push(PartMatch {
                query: join_surface(q, qi, qn),
                candidate: join_surface(c, cj, cn),
                how: cd.kind,
                weight: if denom > 0.0 {
                    (cd.sim * w / denom) as f64
                } else {
                    0.0
                },
                similarity: cd.sim as f64,
            });
        }
        out.unmatched_query = (0..n)
            .filter(|&i| !used_q[i])
            .map(|i| q.tok(i).surface().to_string())
            .collect();
        out.unmatched_candidate = (0..m)
            .filter(|&j| !used_c[j])
            .map(|j| c.tok(j).surface().to_string())
            .collect();
        out.unmatched_query.dedup();
        out.unmatched_candidate.dedup();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::analyze::analyze;
    use crate::weights::Weights;

    fn toks(s: &str, person: bool) -> Vec<Tok> {
        analyze(s, person, Weights::bundled()).toks
    }

    #[test]
    fn prefix_runs() {
        let long = toks("SHIPPING COMPUTER SERVICES COMPANY", false);
        assert_eq!(prefix_run(b"scsco", &long[..], 0), Some(4));
        let long = toks("AEROVIAS ATLANTICO", false);
        assert_eq!(prefix_run(b"aeroatlantico", &long[..], 0), Some(2));
        // One word alone is not a run.
        assert_eq!(prefix_run(b"aerovias", &long[..], 0), None);
    }

    #[test]
    fn compounds_with_particles() {
        let t = &toks("JAMALEDDINE", true)[0];
        let long = toks("JAMAL AL DIN", true);
        let mut sc = Vec::new();
        let (r, sim, _) = compound_run(t, &long[..], 0, true, true, &mut sc).unwrap();
        assert_eq!(r, 3);
        assert!(sim >= 0.8);
        let t = &toks("AQSA", false)[0];
        let long = toks("AQSA AL", false);
        assert!(compound_run(t, &long[..], 0, false, true, &mut sc).is_none());
    }

    #[test]
    fn short_organisation_names_are_strict() {
        assert!(fuzzy_sim(b"dinrin", b"binrin", 1, false) < 0.7);
        assert!(fuzzy_sim(b"jon", b"john", 1, true) >= 0.7);
        assert!(mask_bound(0b1011, 0b0111) == 1);
    }

    #[test]
    fn edit_distance_works() {
        assert_eq!(edit_distance(b"john", b"jon", 3), 1);
        assert_eq!(edit_distance(b"abcd", b"abdc", 3), 1);
        assert_eq!(edit_distance(b"kitten", b"sitting", 5), 3);
        assert!(edit_distance(b"bush", b"habbash", 2) > 2);
        assert_eq!(edit_distance(b"", b"abc", 3), 3);
        assert_eq!(edit_distance(b"abc", b"abc", 0), 0);
        assert_eq!(edit_distance(b"ca", b"abc", 3), 3);
    }

    proptest::proptest! {
        #[test]
        fn edit_distance_agrees_with_the_table(
            a in "[a-e]{0,12}",
            b in "[a-e]{0,12}",
            limit in 0usize..6,
        ) {
            let d = edit_distance_dp(a.as_bytes(), b.as_bytes());
            proptest::prop_assert_eq!(edit_distance(a.as_bytes(), b.as_bytes(), limit), d.min(limit + 1));
        }

        #[test]
        fn edit_distance_long_words(a in "[a-z]{30,48}", b in "[a-z]{30,48}") {
            let d = edit_distance_dp(a.as_bytes(), b.as_bytes());
            proptest::prop_assert_eq!(edit_distance(a.as_bytes(), b.as_bytes(), 60), d);
        }
    }
}
