//! The in-memory index of listed records and the search over it.

use std::collections::HashSet;

use embargo_model::ident::normalize_id;
use embargo_model::{IdKind, Schema};
use serde::{Deserialize, Serialize};

use crate::analyze::{
    all_light, analyze, analyze_unweighted, tok_weight, Analyzed, Class, Tok, Via,
};
use crate::explain::{Explanation, Qualifier};
use crate::hash::{key_ns, key_of, FastMap, Fnv, KeyHasher};
use crate::record::{Query, Record};
use crate::schemas_compatible;
use crate::score::{compare, ById, NameMatch};
use crate::tables::{tables, NS_CONCAT, NS_DELETE, NS_INITIALS, NS_LOOSE, NS_SYLLABLES};
use crate::weights::Weights;

/// How a search is run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchOptions {
    /// At most this many hits (default 10).
    pub limit: usize,
    /// Hits scoring below this are dropped (default 0.0: every scored
    /// candidate is returned; callers filter).
    pub threshold: f64,
    /// Only records of these lists, if given.
    pub lists: Option<Vec<String>>,
    /// Records never returned.
    pub exclude_ids: Vec<String>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 10,
            threshold: 0.0,
            lists: None,
            exclude_ids: Vec::new(),
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The record's position in the index ([`Index::record`]).
    pub record: usize,
    pub id: String,
    pub score: f64,
    /// The listed name that matched best.
    pub matched_name: String,
    pub explanation: Explanation,
}

/// Sizes of an index, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexStats {
    pub records: usize,
    pub names: usize,
    pub distinct_tokens: usize,
    pub postings: usize,
}

struct IName {
    record: u32,
    name: u16,
    /// Its tokens: `len` store ids at `start` of [`Index::name_toks`].
    start: u32,
    len: u32,
}

/// Postings under keys most of which hold one name (initials, fused
/// words, Han bigrams): a single name is kept in the map, longer lists in
/// one shared array.
#[derive(Default)]
struct Sparse {
    /// Key -> (name, 1) or (start in `lists`, length >= 2); while
    /// building, (index in `SparseBuilder::multi`, 0).
    map: FastMap<u64, (u32, u32)>,
    lists: Vec<u32>,
}

#[derive(Default)]
struct SparseBuilder {
    out: Sparse,
    multi: Vec<Vec<u32>>,
}

impl SparseBuilder {
    /// Adds name `nid` under `key` (names come in increasing order).
    fn push(&mut self, key: u64, nid: u32) {
        match self.out.map.entry(key) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert((nid, 1));
            }
            std::collections::hash_map::Entry::Occupied(mut e) => {
                let v = e.get_mut();
                if v.1 == 1 {
                    if v.0 != nid {
                        self.multi.push(vec![v.0, nid]);
                        *v = ((self.multi.len() - 1) as u32, 0);
                    }
                } else if let Some(l) = self.multi.get_mut(v.0 as usize) {
                    if l.last() != Some(&nid) {
                        l.push(nid);
                    }
                }
            }
        }
    }

    fn finish(self) -> Sparse {
        let SparseBuilder { mut out, multi } = self;
        out.lists
            .reserve_exact(multi.iter().map(Vec::len).sum::<usize>());
        for v in out.map.values_mut() {
            if v.1 == 0 {
                let l = multi.get(v.0 as usize).map_or(&[][..], Vec::as_slice);
                *v = (out.lists.len() as u32, l.len() as u32);
                out.lists.extend_from_slice(l);
            }
        }
        out.map.shrink_to_fit();
        out
    }
}

impl Sparse {
    fn get(&self, key: &u64) -> Option<&[u32]> {
        let v = self.map.get(key)?;
        if v.1 == 1 {
            Some(std::slice::from_ref(&v.0))
        } else {
            self.lists.get(v.0 as usize..v.0 as usize + v.1 as usize)
        }
    }

    fn postings(&self) -> usize {
        self.map.values().map(|v| v.1 as usize).sum()
    }
}

/// What the candidate filter and the pre-score need of a name, kept apart
/// from [`IName`] and [`Record`] so that scanning many candidates touches
/// one small array: the summed token weight and a tag of schema (low 8
/// bits, its position in [`Schema::ALL`]) and list ordinal (high 24 bits).
#[derive(Clone, Copy)]
struct Meta {
    total: f32,
    tag: u32,
}

/// The list ordinal of records whose list could not be numbered (more than
/// 2^24 lists): their list is checked on the record.
const LIST_UNKNOWN: u32 = (1 << 24) - 1;

fn schema_ord(s: Schema) -> u32 {
    Schema::ALL.iter().position(|&x| x == s).unwrap_or(0) as u32
}

/// The record filter of one search, resolved once against the index.
struct Filter<'a> {
    /// Bit `i` set: candidates of schema `Schema::ALL[i]` are allowed.
    schemas: u32,
    /// Allowed list ordinals, if the search names lists.
    lists: Option<Vec<bool>>,
    /// The lists named by the search, for records without an ordinal.
    list_names: Option<&'a [String]>,
    /// Excluded record positions, sorted.
    excluded: Vec<u32>,
}

/// An immutable in-memory index of listed records.
pub struct Index {
    records: Vec<Record>,
    names: Vec<IName>,
    meta: Vec<Meta>,
    /// The distinct lists of the records, by ordinal.
    lists: Vec<String>,
    /// Record positions sorted by record id (made on the first search that
    /// excludes ids).
    by_id: std::sync::OnceLock<Vec<u32>>,
    /// The least summed weight of a name.
    min_total: f32,
    /// Keys of legal forms and stop words ("co", "sa", "de"): initials or
    /// fused words of a query that spell one are not looked up.
    weak: HashSet<u64, std::hash::BuildHasherDefault<KeyHasher>>,
    store: Vec<Tok>,
    weights: Weights,
    postings: FastMap<u64, Vec<u32>>,
    concept_vocab: FastMap<u64, Vec<u64>>,
    phon_vocab: FastMap<u64, Vec<u64>>,
    del_vocab: FastMap<u64, Vec<u64>>,
    aux: Sparse,
    /// The tokens of all names, as store ids (see [`IName`]).
    name_toks: Vec<u32>,
    ids: FastMap<u64, Vec<u32>>,
}

fn id_key(kind: &IdKind, value: &str) -> u64 {
    let v = match kind {
        IdKind::Ticker => value
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase(),
        _ => normalize_id(value),
    };
    key_ns(9, &format!("{}:{}", kind.as_str(), v))
}

fn push_unique(v: &mut Vec<u32>, x: u32) {
    if v.last() != Some(&x) {
        v.push(x);
    }
}

fn push_key(v: &mut Vec<u64>, x: u64) {
    if v.len() < 256 && !v.contains(&x) {
        v.push(x);
    }
}

/// The retrieval key of the leading letters of two consecutive words.
fn syllable_key(head: &str, next: &str) -> u64 {
    Fnv::new()
        .write(&[NS_SYLLABLES])
        .write(head.as_bytes())
        .write(b"|")
        .write(next.as_bytes())
        .finish()
}

/// Single-character deletions of a token (and the token itself), for
/// typo-tolerant retrieval.
fn deletions(norm: &str, mut f: impl FnMut(u64)) {
    let b = norm.as_bytes();
    if !(4..=24).contains(&b.len()) || !norm.is_ascii() {
        return;
    }
    f(key_ns(NS_DELETE, norm));
    let mut buf = String::with_capacity(b.len());
    for i in 0..b.len() {
        buf.clear();
        buf.push_str(&norm[..i]);
        buf.push_str(&norm[i + 1..]);
        f(key_ns(NS_DELETE, &buf));
    }
}

fn initials(toks: &[&Tok], with_legal: bool) -> Option<String> {
    let mut s = String::new();
    let mut words = 0;
    for t in toks {
        match t.class {
            Class::Stop | Class::Digit => {}
            Class::Legal => {
                if with_legal {
                    for w in t.norm().split(' ') {
                        s.extend(w.chars().next());
                    }
                }
            }
            _ => {
                if !t.ascii {
                    return None;
                }
                s.extend(t.norm().chars().next());
                words += 1;
            }
        }
    }
    (words >= 2 && (2..=8).contains(&s.len())).then_some(s)
}

/// At least this many candidates (by pre-score) are fully compared.
const MIN_COMPARED: usize = 12;
/// Further candidates are compared while their pre-score is at least this
/// share of the best one.
const PRE_SCORE_CUT: f32 = 0.4;

/// New candidates come from the shortest postings lists of a query name
/// (the rarest tokens and their neighbours) until their lengths add up to
/// this; the longer lists then only add to the pre-scores of names already
/// found. This keeps the candidates of a query bounded however large the
/// index grows.
const ADMIT_BUDGET: usize = 2000;

/// Whole-query initials shorter than this are not looked up ("CI" of
/// "China 7th Investment" would meet every "C.I").
const MIN_QUERY_INITIALS: usize = 3;

/// One postings list a query reads.
struct Src<'a> {
    v: &'a [u32],
    /// The query token bit it counts for (0: it counts every time).
    bit: u32,
    /// What a name on it adds to the pre-score.
    w: f32,
    /// The postings of a query token itself (not of a neighbour or other
    /// expansion).
    exact: bool,
}

impl<'a> Src<'a> {
    fn new(v: &'a [u32], bit: u32, w: f32, exact: bool) -> Src<'a> {
        Src { v, bit, w, exact }
    }
}

/// Per-thread buffers of the candidate search, over name ids: the
/// accumulator (summed weight and token bits), a bitmap of the names found
/// and their list (all reset after each use).
#[derive(Default)]
struct Scratch {
    acc: Vec<(f32, u32)>,
    found: Vec<u64>,
    touched: Vec<u32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

#[derive(Clone, Copy)]
struct Best {
    score: f32,
    name: u32,
    qname: u16,
}

impl Index {
    /// Builds the index. Token weights come from the records themselves
    /// (document = record).
    pub fn build(records: Vec<Record>) -> Index {
        let mut store: Vec<Tok> = Vec::new();
        let mut intern: FastMap<u64, u32> = FastMap::default();
        let mut names: Vec<IName> = Vec::new();
        let mut weights = Weights::new(0);
        let mut postings: FastMap<u64, Vec<u32>> = FastMap::default();
        let mut concept_vocab: FastMap<u64, Vec<u64>> = FastMap::default();
        let mut phon_vocab: FastMap<u64, Vec<u64>> = FastMap::default();
        let mut del_vocab: FastMap<u64, Vec<u64>> = FastMap::default();
        let mut aux = SparseBuilder::default();
        let mut name_toks: Vec<u32> = Vec::new();
        let mut ids: FastMap<u64, Vec<u32>> = FastMap::default();
        let mut seen: HashSet<u64, std::hash::BuildHasherDefault<KeyHasher>> = HashSet::default();
        let mut light_flags: Vec<(bool, bool)> = Vec::new();
        let mut weak: HashSet<u64, std::hash::BuildHasherDefault<KeyHasher>> = HashSet::default();
        let mut meta: Vec<Meta> = Vec::new();
        let mut lists: Vec<String> = Vec::new();
        let mut list_ord: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        for (ri, r) in records.iter().enumerate() {
            let person = r.schema == Schema::Person;
            let lo = match list_ord.get(r.list.as_str()) {
                Some(&o) => o,
                None if lists.len() < LIST_UNKNOWN as usize => {
                    let o = lists.len() as u32;
                    lists.push(r.list.clone());
                    list_ord.insert(r.list.as_str(), o);
                    o
                }
                None => LIST_UNKNOWN,
            };
            let tag = schema_ord(r.schema) | lo << 8;
            seen.clear();
            for (ni, (name, _)) in r.names.iter().enumerate().take(u16::MAX as usize) {
                let a: Analyzed = analyze_unweighted(name, person);
                if a.toks.is_empty() {
                    continue;
                }
                let nid = names.len() as u32;
                let light = all_light(&a.toks);
                let start = name_toks.len();
                for t in &a.toks {
                    seen.insert(t.key);
                    let ik = key_ns(10, t.norm())
                        ^ key_ns(11, t.surface()).rotate_left(17)
                        ^ ((t.class as u64) << 3
                            | (t.surname as u64) << 1
                            | light as u64
                            | (person as u64) << 2)
                            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
                    let id = *intern.entry(ik).or_insert_with(|| {
                        if matches!(t.class, Class::Legal | Class::Stop) {
                            weak.insert(t.key);
                        }
                        store.push(t.clone());
                        light_flags.push((person, light));
                        (store.len() - 1) as u32
                    });
                    name_toks.push(id);
                    if !postings.contains_key(&t.key) {
                        for (c, via) in t.concepts.iter() {
                            if *via != Via::Legal {
                                push_key(concept_vocab.entry(*c).or_default(), t.key);
                            }
                        }
                        if t.phon != 0 {
                            push_key(phon_vocab.entry(t.phon).or_default(), t.key);
                        }
                        // Romanisations of one name ("ROSOBORONEKSPORT" /
                        // "ROSOBORONEXPORT") share a loose key.
                        if t.loose().len() >= 4 {
                            let lk = key_ns(NS_LOOSE, t.loose());
                            push_key(phon_vocab.entry(lk).or_default(), t.key);
                        }
                        deletions(t.norm(), |k| {
                            push_key(del_vocab.entry(k).or_default(), t.key)
                        });
                    }
                    push_unique(postings.entry(t.key).or_default(), nid);
                }
                let refs: Vec<&Tok> = a.toks.iter().collect();
                for with_legal in [false, true] {
                    if let Some(s) = initials(&refs, with_legal) {
                        aux.push(key_ns(NS_INITIALS, &s), nid);
                    }
                }
                if a.toks.len() <= 8 {
                    for w in a.toks.windows(2) {
                        if w[0].ascii && w[1].ascii && !w[0].norm().contains(' ') {
                            let s = format!("{}{}", w[0].norm(), w[1].norm());
                            aux.push(key_ns(NS_CONCAT, &s), nid);
                        }
                    }
                }
                if !person && a.toks.len() <= 8 {
                    // Syllabic acronyms ("FINCIMEX" for FINANCIERA CIMEX,
                    // "COINTERANDINA"): the leading two or three letters of
                    // a word with the first three of the next.
                    let words: Vec<&Tok> = a
                        .toks
                        .iter()
                        .filter(|t| t.ascii && !matches!(t.class, Class::Stop | Class::Legal))
                        .collect();
                    for w in words.windows(2) {
                        let (x, y) = (w[0].norm(), w[1].norm());
                        if y.len() < 3 {
                            continue;
                        }
                        for n in [2, 3] {
                            if x.len() >= n {
                                aux.push(syllable_key(&x[..n], &y[..3]), nid);
                            }
                        }
                    }
                    // A first word's syllable with the initials of the rest
                    // ("AMINIB": AMIN INVESTMENT BANK), and the initials of
                    // all but the last word with its syllable ("ISIRAN":
                    // INFORMATION SYSTEMS IRAN).
                    if (3..=5).contains(&words.len()) && words[0].norm().len() >= 3 {
                        let rest: String = words[1..]
                            .iter()
                            .filter_map(|t| t.norm().chars().next())
                            .collect();
                        aux.push(syllable_key(&words[0].norm()[..3], &rest), nid);
                    }
                    if let [init @ .., last] = &words[..] {
                        if (2..=3).contains(&init.len()) && last.norm().len() >= 3 {
                            let head: String = init
                                .iter()
                                .filter_map(|t| t.norm().chars().next())
                                .collect();
                            aux.push(syllable_key(&head, &last.norm()[..3]), nid);
                        }
                    }
                }
                for b in &a.bigrams {
                    aux.push(*b, nid);
                }
                names.push(IName {
                    record: ri as u32,
                    name: ni as u16,
                    start: start as u32,
                    len: (name_toks.len() - start) as u32,
                });
                meta.push(Meta { total: 0.0, tag });
            }
            weights.add_document(seen.iter().copied());
            for (kind, value) in &r.identifiers {
                push_unique(ids.entry(id_key(kind, value)).or_default(), ri as u32);
                if *kind == IdKind::Ticker {
                    if let Some((sym, _)) = value.split_once(' ') {
                        push_unique(ids.entry(id_key(kind, sym)).or_default(), ri as u32);
                    }
                }
            }
        }
        for (t, (person, light)) in store.iter_mut().zip(&light_flags) {
            (t.weight, t.miss) = tok_weight(t, *person, *light, &weights);
        }
        for (n, m) in names.iter().zip(meta.iter_mut()) {
            m.total = name_toks[n.start as usize..][..n.len as usize]
                .iter()
                .map(|&i| store[i as usize].weight)
                .sum();
        }
        let aux = aux.finish();
        name_toks.shrink_to_fit();
        drop(list_ord);
        let min_total = meta.iter().map(|m| m.total).fold(0f32, f32::min);
        Index {
            records,
            names,
            meta,
            lists,
            by_id: std::sync::OnceLock::new(),
            min_total,
            weak,
            store,
            weights,
            postings,
            concept_vocab,
            phon_vocab,
            del_vocab,
            aux,
            name_toks,
            ids,
        }
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True if the index holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The record at position `i` (as in [`Hit::record`]).
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn record(&self, i: usize) -> &Record {
        &self.records[i]
    }

    /// All records.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The token frequencies of the indexed corpus.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// Sizes of the index.
    pub fn stats(&self) -> IndexStats {
        IndexStats {
            records: self.records.len(),
            names: self.names.len(),
            distinct_tokens: self.store.len(),
            postings: self.postings.values().map(Vec::len).sum::<usize>() + self.aux.postings(),
        }
    }

    /// Records carrying an identifier, by exact normalised value: ISIN,
    /// LEI, USCC, IMO… as published; a ticker as `941 HK` or `941`.
    pub fn lookup_identifier(&self, kind: &IdKind, value: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .ids
            .get(&id_key(kind, value))
            .map(|v| v.iter().map(|&r| r as usize).collect())
            .unwrap_or_default();
        out.dedup();
        out
    }

    /// The filter of one search: schemas compatible with the query, lists
    /// and excluded records resolved to ordinals and positions.
    fn filter<'a>(&self, q: &Query, opts: &'a SearchOptions) -> Filter<'a> {
        let mut schemas = 0u32;
        for (i, &s) in Schema::ALL.iter().enumerate() {
            if q.schema.is_none_or(|qs| schemas_compatible(qs, s)) {
                schemas |= 1 << i;
            }
        }
        let lists = opts
            .lists
            .as_ref()
            .map(|want| self.lists.iter().map(|l| want.contains(l)).collect());
        let mut excluded: Vec<u32> = Vec::new();
        if !opts.exclude_ids.is_empty() {
            let by_id = self.by_id.get_or_init(|| {
                let mut v: Vec<u32> = (0..self.records.len() as u32).collect();
                v.sort_unstable_by(|&a, &b| {
                    self.records[a as usize]
                        .id
                        .cmp(&self.records[b as usize].id)
                });
                v
            });
            for id in &opts.exclude_ids {
                let start =
                    by_id.partition_point(|&r| self.records[r as usize].id.as_str() < id.as_str());
                for &r in &by_id[start..] {
                    if self.records[r as usize].id != *id {
                        break;
                    }
                    excluded.push(r);
                }
            }
        }
        excluded.sort_unstable();
        excluded.dedup();
        Filter {
            schemas,
            lists,
            list_names: opts.lists.as_deref(),
            excluded,
        }
    }

    /// True if the search may return name `nid` (of tag `tag`).
    #[inline(always)]
    fn name_allowed(&self, f: &Filter<'_>, nid: u32, tag: u32) -> bool {
        if f.schemas >> (tag & 0xff) & 1 == 0 {
            return false;
        }
        if let Some(lists) = &f.lists {
            let lo = tag >> 8;
            let ok = match lists.get(lo as usize) {
                Some(&ok) => ok,
                None => {
                    let rec = &self.records[self.names[nid as usize].record as usize];
                    f.list_names.is_some_and(|l| l.contains(&rec.list))
                }
            };
            if !ok {
                return false;
            }
        }
        f.excluded.is_empty()
            || f.excluded
                .binary_search(&self.names[nid as usize].record)
                .is_err()
    }

    fn allowed(&self, rec: &Record, q: &Query, opts: &SearchOptions) -> bool {
        if let Some(s) = q.schema {
            if !schemas_compatible(s, rec.schema) {
                return false;
            }
        }
        if let Some(lists) = &opts.lists {
            if !lists.contains(&rec.list) {
                return false;
            }
        }
        !opts.exclude_ids.contains(&rec.id)
    }

    /// Candidate names for one analysed query name with their pre-scores,
    /// best first.
    fn candidates(&self, qa: &Analyzed, filter: &Filter<'_>, k: usize) -> Vec<(f32, u32)> {
        let light = all_light(&qa.toks);
        let mut lists: Vec<Src<'_>> = Vec::new();
        // Syllabic acronyms stand alone, or with a legal form.
        let single_word = qa
            .toks
            .iter()
            .filter(|t| !matches!(t.class, Class::Legal | Class::Stop))
            .count()
            == 1;
        for (qi, t) in qa.toks.iter().enumerate().take(28) {
            if !light && matches!(t.class, Class::Legal | Class::Stop) {
                continue;
            }
            let bit = 1u32 << qi;
            let mut exps: Vec<(u64, f32)> = vec![(t.key, 1.0)];
            for (c, via) in t.concepts.iter() {
                if *via == Via::Legal {
                    continue;
                }
                if let Some(v) = self.concept_vocab.get(c) {
                    exps.extend(v.iter().take(32).map(|&k| (k, 0.95)));
                }
            }
            deletions(t.norm(), |d| {
                if let Some(v) = self.del_vocab.get(&d) {
                    exps.extend(v.iter().take(16).map(|&k| (k, 0.8)));
                }
            });
            if t.phon != 0 {
                if let Some(v) = self.phon_vocab.get(&t.phon) {
                    exps.extend(v.iter().take(16).map(|&k| (k, 0.7)));
                }
            }
            if t.norm().len() >= 7 && !self.postings.contains_key(&t.key) {
                if let Some(v) = self.phon_vocab.get(&key_ns(NS_LOOSE, t.loose())) {
                    exps.extend(v.iter().take(16).map(|&k| (k, 0.85)));
                }
            }
            if let Some(v) = self.aux.get(&key_ns(NS_CONCAT, t.norm())) {
                lists.push(Src::new(v, bit, t.weight * 0.9, false));
            }
            if let Some(v) = self.aux.get(&key_ns(NS_INITIALS, t.norm())) {
                lists.push(Src::new(v, bit, t.weight * 0.9, false));
            }
            // A word the lists do not have may be a syllabic acronym: its
            // leading letters, cut at each place, against the leading
            // syllables of two words of a name.
            let nb = t.norm_b();
            if single_word && t.ascii && nb.len() >= 6 && !self.postings.contains_key(&t.key) {
                for cut in 2..=(nb.len() - 3).min(6) {
                    let head = &t.norm()[..cut.min(3)];
                    let key = syllable_key(head, &t.norm()[cut..cut + 3]);
                    if let Some(v) = self.aux.get(&key) {
                        lists.push(Src::new(v, bit, t.weight * 0.8, false));
                    }
                }
                // A syllable, then initials.
                for cut in 4..nb.len() - 1 {
                    if nb.len() - cut > 4 {
                        continue;
                    }
                    let key = syllable_key(&t.norm()[..3], &t.norm()[cut..]);
                    if let Some(v) = self.aux.get(&key) {
                        lists.push(Src::new(v, bit, t.weight * 0.8, false));
                    }
                }
            }
            if let Some(exps) = tables().initialisms.get(&t.key) {
                for words in exps {
                    for w in words.iter() {
                        let wk = key_of(w);
                        if tables().generic.contains_key(&wk) || tables().legal.contains_key(&wk) {
                            continue;
                        }
                        if let Some(v) = self.postings.get(&wk) {
                            lists.push(Src::new(v, 1 << 30, t.weight * 0.9, false));
                        }
                    }
                }
            }
            exps.sort_by(|a, b| b.1.total_cmp(&a.1));
            let mut done: Vec<u64> = Vec::with_capacity(exps.len());
            for (key, sim) in exps {
                if done.contains(&key) {
                    continue;
                }
                done.push(key);
                if let Some(v) = self.postings.get(&key) {
                    lists.push(Src::new(v, bit, t.weight * sim, key == t.key));
                }
            }
        }
        let refs: Vec<&Tok> = qa.toks.iter().collect();
        for with_legal in [false, true] {
            if let Some(s) = initials(&refs, with_legal) {
                let total: f32 = qa.toks.iter().map(|t| t.weight).sum();
                let key = key_of(&s);
                if s.len() < MIN_QUERY_INITIALS || self.weak.contains(&key) {
                    continue;
                }
                if let Some(v) = self.postings.get(&key) {
                    lists.push(Src::new(v, 1 << 31, total * 0.9, false));
                }
            }
        }
        for w in qa.toks.windows(2) {
            let key = Fnv::new()
                .write(w[0].norm_b())
                .write(w[1].norm_b())
                .finish();
            if self.weak.contains(&key) {
                continue;
            }
            if let Some(v) = self.postings.get(&key) {
                lists.push(Src::new(
                    v,
                    1 << 29,
                    (w[0].weight + w[1].weight) * 0.9,
                    false,
                ));
            }
        }
        if !qa.bigrams.is_empty() {
            let total: f32 = qa.toks.iter().map(|t| t.weight).sum();
            let per = total / qa.bigrams.len() as f32;
            for b in &qa.bigrams {
                if let Some(v) = self.aux.get(b) {
                    lists.push(Src::new(v, 0, per * 0.8, false));
                }
            }
        }
        lists.sort_by_key(|l| l.v.len());
        let qtotal: f32 = qa.toks.iter().map(|t| t.weight).sum::<f32>().max(1e-3);
        // Which lists bring new candidates: the shortest within the budget,
        // and at least one list of a query token itself, so that a name
        // made of common words still finds its own record.
        let mut admit = vec![false; lists.len()];
        let (mut admitted, mut exact_admitted) = (0usize, false);
        for (i, l) in lists.iter().enumerate() {
            if i == 0 || admitted + l.v.len() <= ADMIT_BUDGET || (l.exact && !exact_admitted) {
                admit[i] = true;
                admitted += l.v.len();
                exact_admitted |= l.exact;
            }
        }
        let mut scored: Vec<(f32, u32)> = Vec::new();
        SCRATCH.with(|cell| {
            let mut sc = cell.borrow_mut();
            let Scratch {
                acc,
                found,
                touched,
            } = &mut *sc;
            if acc.len() < self.names.len() {
                acc.resize(self.names.len(), (0.0, 0));
                found.resize(self.names.len().div_ceil(64), 0);
            }
            let (acc, found) = (&mut acc[..], &mut found[..]);
            let add = |e: &mut (f32, u32), bit: u32, w: f32| {
                if bit == 0 || e.1 & bit == 0 {
                    e.0 += w;
                    e.1 |= bit;
                }
            };
            for (l, _) in lists.iter().zip(&admit).filter(|(_, a)| **a) {
                for &nid in l.v {
                    let (word, mask) = (&mut found[nid as usize >> 6], 1u64 << (nid & 63));
                    if *word & mask == 0 {
                        *word |= mask;
                        touched.push(nid);
                    }
                    add(&mut acc[nid as usize], l.bit, l.w);
                }
            }
            // The other lists, in the same order, for the names found (a
            // bitmap test per posting, no accumulator miss).
            for (l, _) in lists.iter().zip(&admit).filter(|(_, a)| !**a) {
                for &nid in l.v {
                    if found[nid as usize >> 6] >> (nid & 63) & 1 != 0 {
                        add(&mut acc[nid as usize], l.bit, l.w);
                    }
                }
            }
            let mut cands: Vec<(f32, u32)> = Vec::with_capacity(touched.len());
            for &nid in touched.iter() {
                found[nid as usize >> 6] = 0;
                let (s, _) = std::mem::take(&mut acc[nid as usize]);
                cands.push((s, nid));
            }
            touched.clear();
            self.pre_scores(&cands, qtotal, filter, k, &mut scored);
        });
        if scored.len() > k {
            scored.select_nth_unstable_by(k, |a, b| b.0.total_cmp(&a.0));
            scored.truncate(k);
        }
        scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
    }

    /// The pre-score `s / (qtotal + 0.4 * total)` of name `nid` of summed
    /// weight `s` into `out`, if the search allows the name.
    #[inline(always)]
    fn pre_score(
        &self,
        out: &mut Vec<(f32, u32)>,
        (s, nid): (f32, u32),
        qtotal: f32,
        filter: &Filter<'_>,
    ) {
        let m = self.meta[nid as usize];
        if self.name_allowed(filter, nid, m.tag) {
            out.push((s / (qtotal + 0.4 * m.total), nid));
        }
    }

    /// Pre-scores of the allowed candidates `(s, name)` into `out`. Many
    /// candidates (a large index) are not all scored: as no name weighs
    /// less than nothing, a name of summed weight `s` pre-scores at most
    /// `s / qtotal`. The names of the highest bands of `s` (at least `k` of
    /// them) are scored first; of the others, only those whose `s` could
    /// reach the `k`-th best pre-score so far. `out` then holds the same
    /// best `k` as if every candidate had been scored, without reading the
    /// weights of most names.
    fn pre_scores(
        &self,
        cands: &[(f32, u32)],
        qtotal: f32,
        filter: &Filter<'_>,
        k: usize,
        out: &mut Vec<(f32, u32)>,
    ) {
        /// Fewer candidates are all scored (their weights are likely in
        /// cache, and the bands would cost as much as they save).
        const BANDED_FROM: usize = 1024;
        /// Bands of `s` of `qtotal / 16`, the last one open.
        const BANDS: usize = 32;
        if cands.len() < BANDED_FROM || k == 0 || self.min_total < 0.0 {
            out.reserve(cands.len());
            for &c in cands {
                self.pre_score(out, c, qtotal, filter);
            }
            return;
        }
        let scale = 16.0 / qtotal;
        let mut count = [0usize; BANDS];
        for &(s, _) in cands {
            count[((s * scale) as usize).min(BANDS - 1)] += 1;
        }
        let (mut top, mut above) = (BANDS, 0);
        while top > 0 && above < k {
            top -= 1;
            above += count[top];
        }
        // In a band >= top (the same test without the cast).
        let high = top as f32;
        for &c in cands {
            if c.0 * scale >= high {
                self.pre_score(out, c, qtotal, filter);
            }
        }
        if top == 0 {
            return;
        }
        // A name left out pre-scores below s / qtotal: it matters only if
        // that reaches the k-th best so far (a little margin for rounding).
        let cut = if out.len() >= k {
            out.select_nth_unstable_by(k - 1, |x, y| y.0.total_cmp(&x.0));
            out.truncate(k);
            out[k - 1].0 * qtotal * (1.0 - 1e-4)
        } else {
            f32::NEG_INFINITY
        };
        for &c in cands {
            if c.0 * scale < high && c.0 >= cut {
                self.pre_score(out, c, qtotal, filter);
            }
        }
    }

    /// The token store ids of name `nid`.
    fn toks_of(&self, nid: u32) -> &[u32] {
        let n = &self.names[nid as usize];
        &self.name_toks[n.start as usize..][..n.len as usize]
    }

    fn name_view(&self, nid: u32) -> ById<'_> {
        ById {
            ids: self.toks_of(nid),
            store: &self.store,
        }
    }

    /// Searches the index: candidates from the postings, scored by name,
    /// then by identifiers, country and birth date.
    pub fn search(&self, q: &Query, opts: &SearchOptions) -> Vec<Hit> {
        let person = q.schema == Some(Schema::Person);
        let k = (opts.limit * 3).max(32);
        let qas: Vec<Analyzed> = q
            .names
            .iter()
            .map(|n| analyze(n, person, &self.weights))
            .collect();
        let filter = self.filter(q, opts);
        let mut best: FastMap<u32, Best> = FastMap::default();
        for (qn, qa) in qas.iter().enumerate() {
            if qa.toks.is_empty() {
                continue;
            }
            let cands = self.candidates(qa, &filter, k);
            let top = cands.first().map_or(0.0, |c| c.0);
            for (rank, &(pre, nid)) in cands.iter().enumerate() {
                // Past the first few, candidates far behind the best
                // pre-score are not worth a full comparison.
                if rank >= MIN_COMPARED && pre < top * PRE_SCORE_CUT {
                    break;
                }
                let m = compare(&qa.toks[..], &self.name_view(nid), person, false);
                let rec = self.names[nid as usize].record;
                let e = best.entry(rec).or_insert(Best {
                    score: -1.0,
                    name: nid,
                    qname: qn as u16,
                });
                if m.score > e.score {
                    *e = Best {
                        score: m.score,
                        name: nid,
                        qname: qn as u16,
                    };
                }
            }
        }
        // Identifiers decide when they agree.
        let mut id_hits: FastMap<u32, (String, String)> = FastMap::default();
        for (kind, value) in &q.identifiers {
            for r in self.lookup_identifier(kind, value) {
                let rec = &self.records[r];
                if !self.allowed(rec, q, opts) {
                    continue;
                }
                id_hits
                    .entry(r as u32)
                    .or_insert((kind.as_str().to_string(), value.clone()));
                best.entry(r as u32).or_insert(Best {
                    score: 0.0,
                    name: u32::MAX,
                    qname: 0,
                });
            }
        }
        let q_countries: Vec<String> = q
            .countries
            .iter()
            .filter_map(|c| tables().country(c).map(str::to_string))
            .collect();
        let mut hits: Vec<(f64, u32, Best, Vec<Qualifier>)> = Vec::with_capacity(best.len());
        for (rec, b) in best {
            let r = &self.records[rec as usize];
            let mut score = b.score.max(0.0) as f64;
            let mut quals = Vec::new();
            if let Some((kind, value)) = id_hits.get(&rec) {
                quals.push(Qualifier {
                    feature: kind.clone(),
                    effect: 1.0 - score,
                    detail: format!("{kind} {value} agrees"),
                });
                score = 1.0;
            } else {
                for (kind, value) in &q.identifiers {
                    if matches!(kind, IdKind::Lei | IdKind::Uscc | IdKind::Imo)
                        && r.identifiers.iter().any(|(k, _)| k == kind)
                    {
                        quals.push(Qualifier {
                            feature: "identifier_mismatch".into(),
                            effect: -0.15,
                            detail: format!(
                                "{} {value} differs from the listed one",
                                kind.as_str()
                            ),
                        });
                        score -= 0.15;
                        break;
                    }
                }
                if !q_countries.is_empty()
                    && !r.countries.is_empty()
                    && !q_countries.iter().any(|c| r.countries.contains(c))
                {
                    quals.push(Qualifier {
                        feature: "country_mismatch".into(),
                        effect: -0.1,
                        detail: format!("{} vs {}", q_countries.join(","), r.countries.join(",")),
                    });
                    score -= 0.1;
                }
                if !q.birth_dates.is_empty()
                    && !r.birth_dates.is_empty()
                    && !q
                        .birth_dates
                        .iter()
                        .any(|d| r.birth_dates.iter().any(|e| d.compatible(e)))
                {
                    quals.push(Qualifier {
                        feature: "birth_date_mismatch".into(),
                        effect: -0.15,
                        detail: format!(
                            "{} vs {}",
                            q.birth_dates
                                .iter()
                                .map(|d| d.to_string())
                                .collect::<Vec<_>>()
                                .join(","),
                            r.birth_dates
                                .iter()
                                .map(|d| d.to_string())
                                .collect::<Vec<_>>()
                                .join(",")
                        ),
                    });
                    score -= 0.15;
                }
            }
            let score = score.clamp(0.0, 1.0);
            if score >= opts.threshold {
                hits.push((score, rec, b, quals));
            }
        }
        hits.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(b.2.score.total_cmp(&a.2.score))
                .then_with(|| {
                    self.records[a.1 as usize]
                        .id
                        .cmp(&self.records[b.1 as usize].id)
                })
        });
        hits.truncate(opts.limit);
        hits.into_iter()
            .map(|(score, rec, b, quals)| {
                let r = &self.records[rec as usize];
                let (matched_name, m, qname) = if b.name == u32::MAX {
                    (
                        r.caption().to_string(),
                        NameMatch::default(),
                        q.names.first().cloned().unwrap_or_default(),
                    )
                } else {
                    let n = &self.names[b.name as usize];
                    let qa = &qas[b.qname as usize];
                    let m = compare(&qa.toks[..], &self.name_view(b.name), person, true);
                    (
                        r.names[n.name as usize].0.clone(),
                        m,
                        q.names[b.qname as usize].clone(),
                    )
                };
                Hit {
                    record: rec as usize,
                    id: r.id.clone(),
                    score,
                    explanation: Explanation {
                        query_name: qname,
                        candidate_name: matched_name.clone(),
                        name_score: m.score as f64,
                        parts: m.parts,
                        unmatched_query: m.unmatched_query,
                        unmatched_candidate: m.unmatched_candidate,
                        qualifiers: quals,
                    },
                    matched_name,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word of letters only for number `i` ("QXAB"…), unique per `i`.
    fn word(prefix: &str, mut i: usize) -> String {
        let mut s = prefix.to_string();
        loop {
            s.push((b'A' + (i % 26) as u8) as char);
            i /= 26;
            if i == 0 {
                return s;
            }
        }
    }

    #[test]
    fn sparse_keeps_single_names_and_lists() {
        let mut b = SparseBuilder::default();
        for (k, n) in [(1, 3), (2, 4), (2, 4), (2, 7), (3, 9), (2, 8), (3, 9)] {
            b.push(k, n);
        }
        let s = b.finish();
        assert_eq!(s.get(&1), Some(&[3][..]));
        assert_eq!(s.get(&2), Some(&[4, 7, 8][..]));
        assert_eq!(s.get(&3), Some(&[9][..]));
        assert_eq!(s.get(&4), None);
        assert_eq!(s.postings(), 5);
    }

    #[test]
    fn filters_lists_schemas_and_excluded_ids() {
        let mut recs = vec![
            Record::new("a:1", "a", Schema::Company, "ORION SHIPPING LLC"),
            Record::new("b:1", "b", Schema::Company, "ORION SHIPPING LLC"),
            Record::new("b:2", "b", Schema::Person, "Orion SHIPPING"),
            Record::new("c:1", "c", Schema::Vessel, "ORION SHIPPING"),
        ];
        // The same id twice: both are excluded.
        recs.push(Record::new(
            "b:1",
            "b",
            Schema::Company,
            "ORION SHIPPING CO",
        ));
        let idx = Index::build(recs);
        let q = Query::name(Schema::Company, "Orion Shipping");
        let ids = |opts: &SearchOptions| -> Vec<String> {
            let mut v: Vec<String> = idx.search(&q, opts).into_iter().map(|h| h.id).collect();
            v.sort();
            v
        };
        assert_eq!(ids(&SearchOptions::default()), ["a:1", "b:1", "b:1"]);
        let only_b = SearchOptions {
            lists: Some(vec!["b".into(), "zz".into()]),
            ..SearchOptions::default()
        };
        assert_eq!(ids(&only_b), ["b:1", "b:1"]);
        let no_b1 = SearchOptions {
            exclude_ids: vec!["b:1".into(), "nope".into()],
            ..SearchOptions::default()
        };
        assert_eq!(ids(&no_b1), ["a:1"]);
        let any = Query {
            schema: None,
            ..q.clone()
        };
        assert_eq!(idx.search(&any, &no_b1).len(), 3);
    }

    /// Names made of common words still find their record once the
    /// postings of every word are over the admission budget.
    #[test]
    fn common_words_over_the_budget() {
        let n = ADMIT_BUDGET * 2;
        let mut recs: Vec<Record> = (0..n)
            .map(|i| {
                let name = format!("ALPHA BRAVO {}", word("QX", i));
                Record::new(format!("x:{i}"), "x", Schema::Company, name)
            })
            .collect();
        recs.extend((0..n).map(|i| {
            let name = format!("CHARLIE DELTA {}", word("ZW", i));
            Record::new(format!("y:{i}"), "x", Schema::Company, name)
        }));
        recs.push(Record::new(
            "t:1",
            "x",
            Schema::Company,
            "ALPHA BRAVO CHARLIE",
        ));
        let idx = Index::build(recs);
        for name in [
            "ALPHA BRAVO CHARLIE",
            "CHARLIE ALPHA BRAVO",
            "ALPHA BRAVO CHARLEE",
        ] {
            let hits = idx.search(
                &Query::name(Schema::Company, name),
                &SearchOptions::default(),
            );
            assert_eq!(hits.first().map(|h| h.id.as_str()), Some("t:1"), "{name}");
        }
    }

    /// The banded pre-scores keep the same best k as scoring everything.
    #[test]
    fn banded_pre_scores_keep_the_best_k() {
        let recs: Vec<Record> = (0..3000)
            .map(|i| {
                let mut name = word("QX", i);
                for _ in 0..i % 4 {
                    name.push(' ');
                    name.push_str(&word("ZW", i * 7 + 3));
                }
                Record::new(format!("x:{i}"), "x", Schema::Company, name)
            })
            .collect();
        let idx = Index::build(recs);
        let q = Query::name(Schema::Company, "anything");
        let opts = SearchOptions::default();
        let filter = idx.filter(&q, &opts);
        let qtotal = 7.5f32;
        let mut x = 12345u64;
        let cands: Vec<(f32, u32)> = (0..idx.names.len() as u32)
            .map(|nid| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((x >> 40) as f32 / (1u64 << 24) as f32 * 2.0 * qtotal, nid)
            })
            .collect();
        let k = 32;
        let top = |mut v: Vec<(f32, u32)>| {
            v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            v.truncate(k);
            v
        };
        let mut banded = Vec::new();
        idx.pre_scores(&cands, qtotal, &filter, k, &mut banded);
        assert!(banded.len() < cands.len() / 2, "{} scored", banded.len());
        let mut all = Vec::new();
        for &c in &cands {
            idx.pre_score(&mut all, c, qtotal, &filter);
        }
        assert_eq!(top(banded), top(all));
    }
}
