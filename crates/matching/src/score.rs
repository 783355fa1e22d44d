//! Aligning the tokens of two names and scoring the alignment.

use crate::analyze::{stem, Class, Origin, Tok, Via};
use crate::explain::{MatchKind, PartMatch};
use crate::hash::{key_ns, key_of};
use crate::tables::{tables, NS_CONCEPT};

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
}

pub(crate) const PARAMS: Params = Params {
    cand_penalty_org: 0.8,
    cand_penalty_person: 0.6,
    generic_cap: 0.55,
    digit_cap: 0.5,
    one_sided_digit_cap: 0.65,
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
    gain: f32,
}

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
pub(crate) fn edit_distance(a: &[u8], b: &[u8], limit: usize) -> usize {
    let (a, b) = (&a[..a.len().min(48)], &b[..b.len().min(48)]);
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let m = b.len();
    let mut prev2 = [0usize; 49];
    let mut prev = [0usize; 49];
    let mut cur = [0usize; 49];
    for (j, p) in prev.iter_mut().enumerate().take(m + 1) {
        *p = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > limit {
            return limit + 1;
        }
        prev2[..=m].copy_from_slice(&prev[..=m]);
        prev[..=m].copy_from_slice(&cur[..=m]);
    }
    prev[m]
}

fn is_subsequence(short: &[u8], long: &[u8]) -> bool {
    let mut it = long.iter();
    short.iter().all(|c| it.any(|l| l == c))
}

fn vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// The similarity of two single tokens, if they can be aligned at all.
pub(crate) fn token_sim(q: &Tok, c: &Tok, person: bool) -> Option<(f32, MatchKind)> {
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
    for (kq, vq) in q.concepts.iter() {
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
    if legal {
        if q.class == Class::Legal && c.class == Class::Legal {
            return Some((0.5, MatchKind::LegalForm));
        }
        return None;
    }
    if q.class == Class::Digit || c.class == Class::Digit {
        return None;
    }
    let (a, b) = (q.norm.as_bytes(), c.norm.as_bytes());
    if !(q.norm.is_ascii() && c.norm.is_ascii()) {
        return None;
    }
    // Initials of persons.
    if person && (a.len() == 1) != (b.len() == 1) {
        let (s, l) = if a.len() == 1 { (a, b) } else { (b, a) };
        return (s[0] == l[0]).then_some((0.8, MatchKind::Initial));
    }
    if a.len() == 1 || b.len() == 1 {
        return None;
    }
    // Algorithmic abbreviations of organisation words (intl, mfg, tech).
    if !person {
        let (s, l) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        if l.len() >= s.len() + 2 && s[0] == l[0] && s.len() >= 2 {
            let prefix = s.len() >= 3 && l.starts_with(s);
            let skeleton =
                s[1..].iter().all(|&x| !vowel(x)) && is_subsequence(s, l) && s.len() >= 3;
            if prefix || skeleton {
                return Some((0.85, MatchKind::Abbreviation));
            }
        }
    }
    let len = a.len().max(b.len());
    let allowed = match len {
        0..=3 => 0,
        4..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    let d = edit_distance(a, b, allowed.max(3));
    let mut sim = 0.0f32;
    let mut kind = MatchKind::Fuzzy;
    if d <= allowed {
        sim = 1.0 - d as f32 / len as f32;
    }
    if q.phon != 0 && q.phon == c.phon && d <= (len / 2).max(1) {
        let ps = 0.8f32.max(1.0 - d as f32 / (len as f32 * 2.0)).min(0.9);
        if ps > sim {
            sim = ps;
            kind = MatchKind::Phonetic;
        }
    }
    (sim >= 0.6).then_some((sim, kind))
}

fn word_matches(w: &str, t: &Tok) -> bool {
    if *t.norm == *w {
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
/// the run length.
fn initials_run<T: Toks + ?Sized>(short: &Tok, long: &T, j: usize) -> Option<usize> {
    let s = short.norm.as_bytes();
    if !(2..=8).contains(&s.len()) || !s.iter().all(u8::is_ascii_lowercase) {
        return None;
    }
    let mut p = 0;
    let mut k = j;
    let mut words = 0;
    while k < long.len() && p < s.len() {
        let t = long.tok(k);
        let nb = t.norm.as_bytes();
        if t.class == Class::Legal {
            // Each word of a legal form may give a letter.
            let inits: Vec<u8> = t.norm.split(' ').filter_map(|w| w.bytes().next()).collect();
            if s[p..].starts_with(&inits) {
                p += inits.len();
            } else if nb.first() == Some(&s[p]) {
                p += 1;
            }
            k += 1;
            continue;
        }
        if nb.first() == Some(&s[p]) && t.norm.is_ascii() {
            p += 1;
            words += 1;
            k += 1;
        } else if t.class == Class::Stop {
            k += 1;
        } else {
            return None;
        }
    }
    (p == s.len() && words >= 2 && k > j + 1).then_some(k - j)
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
            } else if tables().generic.contains_key(&key_of(w))
                || tables().legal.contains_key(&key_of(w))
            {
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

fn join_surface<T: Toks + ?Sized>(t: &T, from: usize, n: usize) -> String {
    let mut s = String::new();
    let mut last: Option<&str> = None;
    for i in from..from + n {
        let sf = &*t.tok(i).surface;
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
    let wq = |i: usize, k: usize| -> f32 { (i..i + k).map(|x| q.tok(x).weight).sum() };
    let wc = |j: usize, k: usize| -> f32 { (j..j + k).map(|x| c.tok(x).weight).sum() };
    let mut cands: Vec<Cand> = Vec::with_capacity(n * m + 4);
    for i in 0..n {
        let qt = q.tok(i);
        for j in 0..m {
            if let Some((sim, kind)) = token_sim(qt, c.tok(j), person) {
                let gain = sim * (qt.weight + c.tok(j).weight);
                cands.push(Cand {
                    qi: i as u8,
                    qn: 1,
                    cj: j as u8,
                    cn: 1,
                    sim,
                    kind,
                    gain,
                });
            }
        }
    }
    // One token against a run of tokens: initialisms and compounds.
    for (flip, (a, b)) in [(false, (n, m)), (true, (m, n))] {
        for i in 0..a {
            let t = if flip { c.tok(i) } else { q.tok(i) };
            if t.class == Class::Digit
                || t.class == Class::Stop
                || !t.norm.is_ascii()
                || t.norm.len() < 2
            {
                continue;
            }
            for j in 0..b {
                let run = if flip {
                    table_initialism_run(t, q, j)
                        .map(|r| (r, 0.95, MatchKind::Initialism))
                        .or_else(|| initials_run(t, q, j).map(|r| (r, 0.9, MatchKind::Initialism)))
                } else {
                    table_initialism_run(t, c, j)
                        .map(|r| (r, 0.95, MatchKind::Initialism))
                        .or_else(|| initials_run(t, c, j).map(|r| (r, 0.9, MatchKind::Initialism)))
                };
                let run = run.or_else(|| {
                    // Compound: "hikvision" vs "hik vision".
                    if j + 1 >= b {
                        return None;
                    }
                    let (x, y) = if flip {
                        (q.tok(j), q.tok(j + 1))
                    } else {
                        (c.tok(j), c.tok(j + 1))
                    };
                    let tn = t.norm.as_bytes();
                    let (xn, yn) = (x.norm.as_bytes(), y.norm.as_bytes());
                    (tn.len() == xn.len() + yn.len() && tn.starts_with(xn) && tn.ends_with(yn))
                        .then_some((2, 0.95, MatchKind::Compound))
                });
                if let Some((r, sim, kind)) = run {
                    let r = r.min(b - j);
                    let cand = if flip {
                        Cand {
                            qi: j as u8,
                            qn: r as u8,
                            cj: i as u8,
                            cn: 1,
                            sim,
                            kind,
                            gain: 0.0,
                        }
                    } else {
                        Cand {
                            qi: i as u8,
                            qn: 1,
                            cj: j as u8,
                            cn: r as u8,
                            sim,
                            kind,
                            gain: 0.0,
                        }
                    };
                    let gain = sim
                        * (wq(cand.qi as usize, cand.qn as usize)
                            + wc(cand.cj as usize, cand.cn as usize));
                    cands.push(Cand { gain, ..cand });
                }
            }
        }
    }
    cands.sort_by(|x, y| y.gain.total_cmp(&x.gain).then(y.sim.total_cmp(&x.sim)));
    let mut used_q = [false; MAX_TOKS];
    let mut used_c = [false; MAX_TOKS];
    let mut matched = 0.0f32;
    let mut paired = 0.0f32;
    let mut distinctive_match = false;
    let mut chosen: Vec<Cand> = Vec::new();
    for cd in cands {
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
        let w = wq(qi, qn) + wc(cj, cn);
        matched += cd.sim * w;
        paired += w;
        let dq = (qi..qi + qn)
            .any(|x| q.tok(x).class.distinctive() || (person && q.tok(x).class == Class::Particle));
        let dc = (cj..cj + cn)
            .any(|x| c.tok(x).class.distinctive() || (person && c.tok(x).class == Class::Particle));
        if (dq || dc || cd.kind == MatchKind::Initialism) && cd.sim >= 0.75 {
            distinctive_match = true;
        }
        if explain {
            chosen.push(cd);
        }
    }
    let lam_c = if person {
        PARAMS.cand_penalty_person
    } else {
        PARAMS.cand_penalty_org
    };
    let mut uq = 0.0f32;
    let mut uc = 0.0f32;
    let mut unmatched_heavy = false;
    let mut digit_unmatched = false;
    let (mut q_digit, mut c_digit) = (false, false);
    for (i, &used) in used_q.iter().enumerate().take(n) {
        let t = q.tok(i);
        q_digit |= t.class == Class::Digit;
        if !used {
            uq += t.miss;
            unmatched_heavy |= !matches!(t.class, Class::Legal | Class::Stop);
            digit_unmatched |= t.class == Class::Digit;
        }
    }
    for (j, &used) in used_c.iter().enumerate().take(m) {
        let t = c.tok(j);
        c_digit |= t.class == Class::Digit;
        if !used {
            // A distinctive word the query lacks weighs fully for
            // organisations ("EMMA LLC" vs "EMMA ZORBEX LLC").
            uc += if !person && t.class.distinctive() {
                t.miss / lam_c
            } else {
                t.miss
            };
            unmatched_heavy |= !matches!(t.class, Class::Legal | Class::Stop);
            digit_unmatched |= t.class == Class::Digit;
        }
    }
    // A candidate that only adds words (middle names, a branch) costs less
    // than one that also lacks query words: then the names conflict.
    let lam_c = if uq > 0.0 { 1.0 } else { lam_c };
    let denom = paired + uq + lam_c * uc;
    let mut score = if denom > 0.0 { matched / denom } else { 0.0 };
    if !distinctive_match && unmatched_heavy {
        score = score.min(PARAMS.generic_cap);
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
        for cd in chosen {
            let (qi, qn, cj, cn) = (
                cd.qi as usize,
                cd.qn as usize,
                cd.cj as usize,
                cd.cn as usize,
            );
            let w = wq(qi, qn) + wc(cj, cn);
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
            .map(|i| q.tok(i).surface.to_string())
            .collect();
        out.unmatched_candidate = (0..m)
            .filter(|&j| !used_c[j])
            .map(|j| c.tok(j).surface.to_string())
            .collect();
        out.unmatched_query.dedup();
        out.unmatched_candidate.dedup();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_works() {
        assert_eq!(edit_distance(b"john", b"jon", 3), 1);
        assert_eq!(edit_distance(b"abcd", b"abdc", 3), 1);
        assert_eq!(edit_distance(b"kitten", b"sitting", 5), 3);
        assert!(edit_distance(b"bush", b"habbash", 2) > 2);
    }
}
