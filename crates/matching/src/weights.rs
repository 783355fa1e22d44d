//! Token rarity: document frequencies and inverse document frequency.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::analyze::{analyze, DfSource};
use crate::hash::{key_of, FastMap};
use crate::tables::TOKEN_FREQ;

/// Document frequencies of folded tokens in a corpus, the source of token
/// weights (IDF, capped).
#[derive(Debug, Clone, Default)]
pub struct Weights {
    df: FastMap<u64, u32>,
    docs: u32,
}

impl Weights {
    /// An empty table for a corpus of `docs` documents.
    pub fn new(docs: u32) -> Weights {
        Weights {
            df: FastMap::default(),
            docs,
        }
    }

    /// The table shipped in `data/token_freq.tsv`, built from the bundled
    /// OFAC lists; used by [`crate::score_pair`].
    pub fn bundled() -> &'static Weights {
        static W: OnceLock<Weights> = OnceLock::new();
        W.get_or_init(|| Weights::parse_tsv(TOKEN_FREQ))
    }

    /// Parses `token<TAB>df` lines with a `#docs<TAB>N` header.
    pub fn parse_tsv(src: &str) -> Weights {
        let mut w = Weights::new(0);
        for line in src.lines() {
            let mut cols = line.split('\t');
            let (Some(a), Some(b)) = (cols.next(), cols.next()) else {
                continue;
            };
            let Ok(n) = b.trim().parse::<u32>() else {
                continue;
            };
            if a == "#docs" {
                w.docs = n;
            } else if !a.starts_with('#') && !a.is_empty() {
                w.df.insert(key_of(a), n);
            }
        }
        w
    }

    /// Counts, for every folded token, the number of documents containing
    /// it; each document is a set of names.
    pub fn from_documents<'a, D, N>(docs: D) -> Weights
    where
        D: IntoIterator<Item = N>,
        N: IntoIterator<Item = (&'a str, bool)>,
    {
        let mut counts: FastMap<u64, u32> = FastMap::default();
        let mut total = 0u32;
        let zero = Weights::new(1);
        let mut seen: HashSet<u64, std::hash::BuildHasherDefault<crate::hash::KeyHasher>> =
            HashSet::default();
        for doc in docs {
            seen.clear();
            for (name, person) in doc {
                for t in analyze(name, person, &zero).toks {
                    seen.insert(t.key);
                }
            }
            for k in &seen {
                *counts.entry(*k).or_default() += 1;
            }
            total += 1;
        }
        Weights {
            df: counts,
            docs: total,
        }
    }

    /// Counts the tokens of one document (already folded keys).
    pub(crate) fn add_document(&mut self, keys: impl IntoIterator<Item = u64>) {
        for k in keys {
            *self.df.entry(k).or_default() += 1;
        }
        self.docs += 1;
    }

    /// The number of documents counted.
    pub fn documents(&self) -> u32 {
        self.docs
    }

    /// The document frequency of a folded token.
    pub fn frequency(&self, token: &str) -> u32 {
        self.df.get(&key_of(token)).copied().unwrap_or(0)
    }
}

impl DfSource for Weights {
    fn df(&self, key: u64) -> u32 {
        self.df.get(&key).copied().unwrap_or(0)
    }
    fn docs(&self) -> u32 {
        self.docs
    }
}
