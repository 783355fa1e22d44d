//! Pair scoring over the dev pairs and single-query latency against an
//! index of the bundled SDN 2021 + consolidated 2025 names.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use embargo_match::{score_pair_fast, Index, Query, SearchOptions, Weights};
use embargo_model::Schema;

#[path = "../tests/common/mod.rs"]
mod common;

fn pairs() -> Vec<(Schema, String, String)> {
    common::eval_rows("dev_pairs.csv")
        .into_iter()
        .map(|r| {
            (
                common::schema(&r["schema"]),
                r["name1"].clone(),
                r["name2"].clone(),
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let pairs = pairs();
    let w = Weights::bundled();
    c.bench_function("score_pair/dev_pairs(1398)", |b| {
        b.iter(|| {
            for (s, a, n) in &pairs {
                black_box(score_pair_fast(w, *s, a, n));
            }
        })
    });
    let mut recs = common::sdn_2021(true);
    recs.extend(common::cons_2025());
    c.bench_function("index/build(sdn2021+cons2025)", |b| {
        b.iter(|| black_box(Index::build(recs.clone())))
    });
    let index = Index::build(recs);
    let queries: Vec<Query> = index
        .records()
        .iter()
        .step_by((index.len() / 1000).max(1))
        .take(1000)
        .map(|r| Query::name(r.schema, r.caption()))
        .collect();
    let opts = SearchOptions::default();
    c.bench_function("search/1000 real names", |b| {
        b.iter(|| {
            for q in &queries {
                black_box(index.search(q, &opts));
            }
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
