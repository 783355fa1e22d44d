//! Quality figures on the shared dev sets; printed with `--nocapture`.

mod common;

use common::*;
use embargo_match::{eval, score_names, score_pair, Index, Name, Query, SearchOptions};

fn pair_scores(file: &str) -> Vec<(String, f64, bool, String, String)> {
    eval_rows(file)
        .into_iter()
        .map(|r| {
            let s = score_pair(schema(&r["schema"]), &r["name1"], &r["name2"]);
            let n2 = if std::env::var("EVAL_ERRORS").as_deref() == Ok("2") {
                format!("{}  [{}]", r["name2"], s.explanation)
            } else {
                r["name2"].clone()
            };
            (
                r["schema"].clone(),
                s.score,
                r["is_match"] == "true",
                r["name1"].clone(),
                n2,
            )
        })
        .collect()
}

fn report(label: &str, rows: &[(String, f64, bool, String, String)]) -> eval::Metrics {
    let pairs: Vec<(f64, bool)> = rows.iter().map(|r| (r.1, r.2)).collect();
    let m = eval::at_threshold(&pairs, 0.7);
    let best = eval::best_f1(&pairs);
    println!(
        "{label}: n={} P={:.3} R={:.3} F1={:.3} at 0.7 (tp {} fp {} fn {}); best F1 {:.3} at {:.2}; AUC {:.3}",
        pairs.len(), m.precision, m.recall, m.f1, m.tp, m.fp, m.fn_, best.f1, best.threshold, eval::roc_auc(&pairs)
    );
    let g: Vec<(String, f64, bool)> = rows.iter().map(|r| (r.0.clone(), r.1, r.2)).collect();
    for (schema, gm) in eval::by_group(&g, 0.7) {
        println!(
            "  {schema}: P={:.3} R={:.3} F1={:.3}",
            gm.precision, gm.recall, gm.f1
        );
    }
    if std::env::var("EVAL_ERRORS").is_ok() {
        for r in rows {
            if (r.1 >= 0.7) != r.2 {
                println!(
                    "  {} {:.3} {} | {} | {}",
                    if r.2 { "FN" } else { "FP" },
                    r.1,
                    r.0,
                    r.3,
                    r.4
                );
            }
        }
    }
    m
}

#[test]
fn dev_pairs_f1() {
    let rows = pair_scores("dev_pairs.csv");
    let m = report("dev_pairs", &rows);
    let shared_nothing = rows.iter().filter(|r| r.2 && r.1 < 0.3).count();
    println!("  matches scoring < 0.3 (aliases sharing no usable part): {shared_nothing}");
    // Regression floor a little below the measured 0.775 (P 0.926); the
    // product target is 0.90, above what this set allows (about 110 matches
    // share no usable part, and sibling pairs contradict each other).
    assert!(m.f1 >= 0.77, "F1 {:.3}", m.f1);
    assert!(m.precision >= 0.90, "P {:.3}", m.precision);
}

#[test]
fn names_analysed_once_score_as_pairs() {
    for r in eval_rows("dev_pairs.csv")
        .into_iter()
        .chain(eval_rows("dev_cjk_pairs.csv"))
    {
        let sc = schema(&r["schema"]);
        let pair = score_pair(sc, &r["name1"], &r["name2"]);
        let (a, b) = (Name::new(sc, &r["name1"]), Name::new(sc, &r["name2"]));
        let names = score_names(&a, &b);
        assert_eq!(pair, names, "{} / {}", r["name1"], r["name2"]);
        assert_eq!(embargo_match::score_names_fast(&a, &b), pair.score);
    }
}

#[test]
fn dev_cjk_pairs_f1() {
    let rows = pair_scores("dev_cjk_pairs.csv");
    let m = report("dev_cjk_pairs", &rows);
    assert!(m.f1 >= 0.80, "F1 {:.3}", m.f1);
}

fn recall_at_1(with_aliases: bool) -> (f64, f64) {
    let index = Index::build(sdn_2021(with_aliases));
    let queries = eval_rows("dev_queries.csv");
    let opts = SearchOptions {
        limit: 10,
        ..SearchOptions::default()
    };
    let mut ranks = Vec::new();
    for q in &queries {
        let want = format!("us_ofac_sdn:{}", q["expected_ref"]);
        let hits = index.search(&Query::name(schema(&q["schema"]), q["name"].clone()), &opts);
        let rank = hits.iter().position(|h| h.id == want).map(|p| p + 1);
        if rank != Some(1) && std::env::var("EVAL_ERRORS").is_ok() {
            let top = hits
                .first()
                .map(|h| format!("{} {:.3} {}", h.id, h.score, h.matched_name))
                .unwrap_or_default();
            println!(
                "  miss({with_aliases}) {:?} {} -> {} | top {top}",
                rank, q["name"], want
            );
        }
        ranks.push(rank);
    }
    let r1 = eval::recall_at_k(&ranks, 1);
    let r10 = eval::recall_at_k(&ranks, 10);
    println!(
        "dev_queries (aliases indexed: {with_aliases}): recall@1 {r1:.4} recall@10 {r10:.4} n={}",
        ranks.len()
    );
    (r1, r10)
}

#[test]
fn dev_queries_recall_at_1() {
    let (r1, _) = recall_at_1(true);
    assert!(r1 >= 0.99, "recall@1 {r1:.4}");
}

#[test]
fn dev_queries_recall_without_aliases() {
    let (r1, r10) = recall_at_1(false);
    // The honest figure: the queries are aliases that are not in the index.
    assert!(r10 >= r1 && r1 > 0.2, "recall@1 {r1:.4}");
}
