//! Name and identifier matching for embargo: the screening core.
//!
//! A name is folded (NFKC, case, diacritics, punctuation), cut into tokens
//! by script, and each token is classified with the tables in `data/`
//! (legal forms, generic words, abbreviations, initialisms, spelling groups
//! of personal names, a Chinese–English glossary, words of other languages
//! with their English renderings). Han text is segmented
//! against the glossary, and what is left is romanised to pinyin; Cyrillic,
//! Greek and Arabic get Latin keys. Tokens are weighted by rarity (IDF,
//! capped) so generic words count little and distinctive ones decide.
//!
//! Two names are compared by aligning their tokens (exact, stem,
//! abbreviation, initialism, compound, transliteration, fuzzy, phonetic,
//! glossary translation), summing the weights of aligned pairs and
//! penalising unmatched parts (query parts more than candidate parts).
//! Spelling variants of romanised names meet through a loose key (Korean
//! McCune-Reischauer and Revised, Wade-Giles and pinyin, Ukrainian and
//! Russian); words written together meet words written apart, with fused
//! particles ("JAMALEDDINE" / "JAMAL AL DIN") and leading syllables
//! ("INRIMAR" / "INMOBILIARIA RIVERA MARADIAGA"). When one name is wholly
//! found in the other, the words the longer adds around the shared part
//! cost less, the rarer the shared part; words inside it keep their cost.
//! Names that agree on one word while each has words the other lacks,
//! persons whose given names conflict, and names agreeing on generic words
//! only stay below the threshold. An identical folded name scores 1.0, and
//! 0.7 is the default decision threshold for every schema. Every score
//! comes with an [`Explanation`].
//!
//! [`Index`] holds listed [`Record`]s in memory with inverted postings over
//! tokens, equivalence concepts, phonetic keys, deletion neighbours,
//! initials and Han bigrams, so a [`Query`] only scores a bounded set of
//! candidates: they are ranked by a cheap pre-score, and only those near
//! the best are compared in full.
//!
//! ```
//! use embargo_match::score_pair;
//! use embargo_model::Schema;
//!
//! let s = score_pair(Schema::Company, "Xiaomi Corp.", "Xiaomi Corporation");
//! assert!(s.score >= 0.95);
//! let s = score_pair(Schema::Company, "China Mobile Ltd", "CHINA TELECOM CORPORATION LIMITED");
//! assert!(s.score < 0.7);
//! ```

mod analyze;
pub mod eval;
mod explain;
mod hash;
mod index;
mod record;
mod score;
mod tables;
mod text;
mod weights;

use embargo_model::Schema;
use serde::{Deserialize, Serialize};

pub use explain::{Explanation, MatchKind, PartMatch, Qualifier};
pub use index::{Hit, Index, IndexStats, SearchOptions};
pub use record::{Query, Record};
pub use weights::Weights;

/// The default decision threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.7;

/// A score with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub score: f64,
    pub explanation: Explanation,
}

/// Scores two names of the given schema with the bundled token
/// frequencies ([`Weights::bundled`]).
pub fn score_pair(schema: Schema, name1: &str, name2: &str) -> Scored {
    score_pair_with(Weights::bundled(), schema, name1, name2)
}

/// Scores two names with the given token frequencies.
pub fn score_pair_with(weights: &Weights, schema: Schema, name1: &str, name2: &str) -> Scored {
    let person = schema == Schema::Person;
    let a = analyze::analyze(name1, person, weights);
    let b = analyze::analyze(name2, person, weights);
    let m = score::compare(&a.toks[..], &b.toks[..], person, true);
    Scored {
        score: m.score as f64,
        explanation: Explanation {
            query_name: name1.to_string(),
            candidate_name: name2.to_string(),
            name_score: m.score as f64,
            parts: m.parts,
            unmatched_query: m.unmatched_query,
            unmatched_candidate: m.unmatched_candidate,
            qualifiers: Vec::new(),
        },
    }
}

/// A name analysed once (folded, cut, classified and weighted), to be
/// scored against many others with [`score_names`]: the analysis is about
/// half the cost of scoring a pair.
#[derive(Debug, Clone)]
pub struct Name {
    text: String,
    person: bool,
    toks: Vec<analyze::Tok>,
}

impl Name {
    /// Analyses a name of the given schema with the bundled token
    /// frequencies.
    pub fn new(schema: Schema, name: &str) -> Name {
        Name::with_weights(Weights::bundled(), schema, name)
    }

    /// Analyses a name with the given token frequencies.
    pub fn with_weights(weights: &Weights, schema: Schema, name: &str) -> Name {
        let person = schema == Schema::Person;
        Name {
            text: name.to_string(),
            person,
            toks: analyze::analyze(name, person, weights).toks,
        }
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Scores two analysed names, with the explanation; the same score as
/// [`score_pair_with`] on their texts. Names analysed under different
/// schemas are compared as the first one's schema says.
pub fn score_names(a: &Name, b: &Name) -> Scored {
    let m = score::compare(&a.toks[..], &b.toks[..], a.person, true);
    Scored {
        score: m.score as f64,
        explanation: Explanation {
            query_name: a.text.clone(),
            candidate_name: b.text.clone(),
            name_score: m.score as f64,
            parts: m.parts,
            unmatched_query: m.unmatched_query,
            unmatched_candidate: m.unmatched_candidate,
            qualifiers: Vec::new(),
        },
    }
}

/// Scores two analysed names without an explanation.
pub fn score_names_fast(a: &Name, b: &Name) -> f64 {
    score::compare(&a.toks[..], &b.toks[..], a.person, false).score as f64
}

/// Scores two names without building an explanation (the fast path).
pub fn score_pair_fast(weights: &Weights, schema: Schema, name1: &str, name2: &str) -> f64 {
    let person = schema == Schema::Person;
    let a = analyze::analyze(name1, person, weights);
    let b = analyze::analyze(name2, person, weights);
    score::compare(&a.toks[..], &b.toks[..], person, false).score as f64
}

/// The folded tokens of a name as the matcher sees them (legal forms
/// collapsed, Han segmented and rendered in Latin).
pub fn tokens(schema: Schema, name: &str) -> Vec<String> {
    analyze::analyze(name, schema == Schema::Person, &Weights::new(1))
        .toks
        .into_iter()
        .map(|t| t.norm().to_string())
        .collect()
}

/// Resolves a country name, demonym or code to ISO 3166-1 alpha-2 (lower
/// case) with the bundled country table.
pub fn country_code(s: &str) -> Option<String> {
    tables::tables().country(s).map(str::to_string)
}

/// True if a query of schema `query` may meet a listed party of schema
/// `candidate`.
pub fn schemas_compatible(query: Schema, candidate: Schema) -> bool {
    use Schema::*;
    match query {
        Person => matches!(candidate, Person | LegalEntity),
        Company | Organization => {
            matches!(candidate, Company | Organization | LegalEntity | Security)
        }
        LegalEntity => !matches!(candidate, Vessel | Airplane),
        Vessel => candidate == Vessel,
        Airplane => candidate == Airplane,
        Security => matches!(candidate, Security | Company | Organization | LegalEntity),
    }
}
