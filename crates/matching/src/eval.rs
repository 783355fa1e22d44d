//! Evaluation metrics for matchers: precision, recall and F1 at a
//! threshold, the best F1 and its threshold, ROC-AUC, per-group figures,
//! and recall@k for retrieval.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Figures at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub threshold: f64,
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub fn_: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Precision, recall and F1 of `(score, is_match)` pairs at `threshold`
/// (a pair is predicted a match when `score >= threshold`).
pub fn at_threshold(pairs: &[(f64, bool)], threshold: f64) -> Metrics {
    let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
    for &(s, m) in pairs {
        match (s >= threshold, m) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
    }
    let precision = if tp + fp > 0 {
        tp as f64 / (tp + fp) as f64
    } else {
        0.0
    };
    let recall = if tp + fn_ > 0 {
        tp as f64 / (tp + fn_) as f64
    } else {
        0.0
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Metrics {
        threshold,
        tp,
        fp,
        tn,
        fn_,
        precision,
        recall,
        f1,
    }
}

/// The threshold (among the observed scores) with the best F1.
pub fn best_f1(pairs: &[(f64, bool)]) -> Metrics {
    let mut ts: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    ts.sort_by(f64::total_cmp);
    ts.dedup();
    ts.iter()
        .map(|&t| at_threshold(pairs, t))
        .max_by(|a, b| a.f1.total_cmp(&b.f1))
        .unwrap_or_else(|| at_threshold(pairs, 0.5))
}

/// The area under the ROC curve (the probability that a random match
/// outscores a random non-match; ties count half).
pub fn roc_auc(pairs: &[(f64, bool)]) -> f64 {
    let mut v: Vec<(f64, bool)> = pairs.to_vec();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let pos = v.iter().filter(|p| p.1).count() as f64;
    let neg = v.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return 0.0;
    }
    // Rank-sum with average ranks for ties.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1].0 == v[i].0 {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += v[i..=j].iter().filter(|p| p.1).count() as f64 * avg;
        i = j + 1;
    }
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// Metrics at `threshold` for each group (e.g. schema).
pub fn by_group(rows: &[(String, f64, bool)], threshold: f64) -> BTreeMap<String, Metrics> {
    let mut groups: BTreeMap<String, Vec<(f64, bool)>> = BTreeMap::new();
    for (g, s, m) in rows {
        groups.entry(g.clone()).or_default().push((*s, *m));
    }
    groups
        .into_iter()
        .map(|(g, p)| (g, at_threshold(&p, threshold)))
        .collect()
}

/// Recall@k: the share of queries whose expected answer is at a rank
/// `<= k` (ranks are 1-based; `None` = not found).
pub fn recall_at_k(ranks: &[Option<usize>], k: usize) -> f64 {
    if ranks.is_empty() {
        return 0.0;
    }
    ranks.iter().filter(|r| r.is_some_and(|r| r <= k)).count() as f64 / ranks.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics() {
        let p = [(0.9, true), (0.8, false), (0.6, true), (0.1, false)];
        let m = at_threshold(&p, 0.7);
        assert_eq!((m.tp, m.fp, m.tn, m.fn_), (1, 1, 1, 1));
        assert!((m.f1 - 0.5).abs() < 1e-9);
        assert!((roc_auc(&p) - 0.75).abs() < 1e-9);
        assert!(best_f1(&p).f1 >= 0.66);
        assert_eq!(recall_at_k(&[Some(1), Some(3), None], 1), 1.0 / 3.0);
    }
}
