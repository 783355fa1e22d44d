//! Properties of the matcher on arbitrary names in every script it reads.

use embargo_match::{score_names, score_pair, tokens, Index, Name, Query, Record, SearchOptions};
use embargo_model::Schema;
use proptest::prelude::*;

/// Names made of Latin, Cyrillic, Greek, Arabic, Georgian, Armenian, Han,
/// Hangul and kana letters, digits, spaces and punctuation.
fn name() -> impl Strategy<Value = String> {
    "[a-zA-Zéø0-9 .,&'()\\-/Жжлыё αλέ محمدعلي ბიძ Սարգ 中国华为技术 김정은조선 ソニートヨタ]{0,40}"
}

fn schema() -> impl Strategy<Value = Schema> {
    prop_oneof![
        Just(Schema::Person),
        Just(Schema::Company),
        Just(Schema::Organization),
        Just(Schema::Vessel),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn scores_are_between_zero_and_one(s in schema(), a in name(), b in name()) {
        let r = score_pair(s, &a, &b);
        prop_assert!((0.0..=1.0).contains(&r.score), "{a:?} / {b:?}: {}", r.score);
        prop_assert_eq!(r.explanation.name_score, r.score);
    }

    #[test]
    fn a_name_scores_one_against_itself(s in schema(), a in name()) {
        prop_assume!(!tokens(s, &a).is_empty());
        let r = score_pair(s, &a, &a);
        prop_assert!((r.score - 1.0).abs() < 1e-6, "{a:?}: {} {}", r.score, r.explanation);
    }

    #[test]
    fn analysed_names_score_as_pairs(s in schema(), a in name(), b in name()) {
        let pair = score_pair(s, &a, &b);
        prop_assert_eq!(pair, score_names(&Name::new(s, &a), &Name::new(s, &b)));
    }

    #[test]
    fn searching_any_name_is_safe(
        listed in proptest::collection::vec((schema(), name()), 1..12),
        s in schema(),
        q in name(),
    ) {
        let records: Vec<Record> = listed
            .iter()
            .enumerate()
            .map(|(i, (sc, n))| Record::new(format!("l:{i}"), "l", *sc, n))
            .collect();
        let idx = Index::build(records);
        for h in idx.search(&Query::name(s, q.clone()), &SearchOptions::default()) {
            prop_assert!((0.0..=1.0).contains(&h.score), "{q:?}: {}", h.score);
        }
    }
}
