//! Explanations: which query part met which candidate part, how, and with
//! what weight.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a query part met a candidate part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The same folded token.
    Exact,
    /// Han characters romanised to pinyin met a Latin token.
    Pinyin,
    /// A Han word met its English rendering through the glossary.
    Glossary,
    /// An abbreviation met its expansion (table or algorithmic).
    Abbreviation,
    /// An initialism met the run of words it abbreviates.
    Initialism,
    /// Two spellings of a personal name (Mohammed / Muhammad).
    Transliteration,
    /// One token met two adjacent tokens written together.
    Compound,
    /// A single letter met a name starting with it.
    Initial,
    /// Edit distance scaled by length.
    Fuzzy,
    /// The same consonant skeleton.
    Phonetic,
    /// Legal forms of the same class (or of different classes).
    LegalForm,
    /// An identifier agreed.
    Identifier,
}

impl MatchKind {
    /// The snake-case label used in explanations.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Pinyin => "pinyin",
            MatchKind::Glossary => "glossary",
            MatchKind::Abbreviation => "abbreviation",
            MatchKind::Initialism => "initialism",
            MatchKind::Transliteration => "transliteration",
            MatchKind::Compound => "compound",
            MatchKind::Initial => "initial",
            MatchKind::Fuzzy => "fuzzy",
            MatchKind::Phonetic => "phonetic",
            MatchKind::LegalForm => "legal_form",
            MatchKind::Identifier => "identifier",
        }
    }
}

impl fmt::Display for MatchKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One aligned pair of name parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartMatch {
    /// The query part as written.
    pub query: String,
    /// The candidate part as written.
    pub candidate: String,
    pub how: MatchKind,
    /// The share of the name score this pair contributes.
    pub weight: f64,
    /// How similar the two parts are, in [0, 1].
    pub similarity: f64,
}

/// A fact beside the names that moved the score (identifier, country,
/// birth date).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Qualifier {
    /// `isin`, `lei`, `uscc`, `identifier_mismatch`, `country_mismatch`,
    /// `birth_date_mismatch`, `birth_date_match`, …
    pub feature: String,
    /// The change to the score (positive or negative; for an agreeing
    /// strong identifier the score is set to 1.0).
    pub effect: f64,
    pub detail: String,
}

/// Why a candidate got its score.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub query_name: String,
    pub candidate_name: String,
    /// The score of the names alone.
    pub name_score: f64,
    pub parts: Vec<PartMatch>,
    pub unmatched_query: Vec<String>,
    pub unmatched_candidate: Vec<String>,
    pub qualifiers: Vec<Qualifier>,
}

impl fmt::Display for Explanation {
    /// One line: `huawei=huawei(exact 0.62) technologies~技术(glossary 0.18) | -q: x | -c: y | isin +1.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for p in &self.parts {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            let sep =
                if p.similarity >= 0.999 && p.query.to_lowercase() == p.candidate.to_lowercase() {
                    '='
                } else {
                    '~'
                };
            write!(
                f,
                "{}{}{}({} {:.2})",
                p.query, sep, p.candidate, p.how, p.weight
            )?;
        }
        if first {
            f.write_str("no name parts agree")?;
        }
        if !self.unmatched_query.is_empty() {
            write!(f, " | -query: {}", self.unmatched_query.join(" "))?;
        }
        if !self.unmatched_candidate.is_empty() {
            write!(f, " | -candidate: {}", self.unmatched_candidate.join(" "))?;
        }
        write!(f, " | name {:.2}", self.name_score)?;
        for q in &self.qualifiers {
            write!(f, " | {} {:+.2} ({})", q.feature, q.effect, q.detail)?;
        }
        Ok(())
    }
}
