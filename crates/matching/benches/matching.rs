//! Criterion benches of the matcher on the bundled lists (OFAC SDN 2021-07,
//! consolidated 2025-12, DoD 1237 / 1260H): pair scoring over the dev
//! pairs, single queries (listed and unlisted names) and the index build;
//! and single queries on 100,000 synthetic parties.
//! Small sample sizes keep `cargo bench -p embargo-match` under two minutes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use embargo_match::{score_pair, score_pair_fast, Index, Query, SearchOptions, Weights};
use embargo_model::Schema;

mod support;

use support::{NameModel, Rng};

fn pairs(c: &mut Criterion) {
    let pairs = support::dev_pairs(support::DEV_PAIRS).expect("dev pairs");
    let w = Weights::bundled();
    let mut g = c.benchmark_group("score_pair");
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_function("fast/dev_pairs", |b| {
        b.iter(|| {
            for p in &pairs {
                black_box(score_pair_fast(w, p.schema, &p.name1, &p.name2));
            }
        })
    });
    g.bench_function("explained/dev_pairs", |b| {
        b.iter(|| {
            for p in &pairs {
                black_box(score_pair(p.schema, &p.name1, &p.name2));
            }
        })
    });
    g.finish();
}

fn index(c: &mut Criterion) {
    let records = support::bundled_records().expect("bundled lists");
    let index = Index::build(records.clone());
    let mut rng = Rng::new(42);
    let listed = listed_queries(&index, &mut rng);
    let model = NameModel::from_records(index.records());
    let misses = fresh_queries(&model, &mut rng);
    search_group(c, "search", &index, &listed, &misses);

    let mut g = c.benchmark_group("index");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("build/bundled", |b| {
        b.iter_batched(
            || records.clone(),
            |r| black_box(Index::build(r)),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// Single queries on an index of 100,000 synthetic parties built from the
/// tokens of the bundled names (as `examples/scale.rs` builds them).
fn synthetic_index(c: &mut Criterion) {
    let records = support::bundled_records().expect("bundled lists");
    let model = NameModel::from_records(&records);
    drop(records);
    let mut rng = Rng::new(0x5ca1e);
    let index = Index::build(support::synthetic(&model, 100_000, &mut rng));
    let listed = listed_queries(&index, &mut rng);
    let fresh = fresh_queries(&model, &mut rng);
    search_group(c, "search_100k", &index, &listed, &fresh);
}

/// 200 listed names of the index, each perturbed by one random draw.
fn listed_queries(index: &Index, rng: &mut Rng) -> Vec<Query> {
    (0..200)
        .map(|_| {
            let r = index.record(rng.below(index.len()));
            Query::name(r.schema, support::perturb(r.caption(), rng).0)
        })
        .collect()
}

/// 200 names drawn from the model: a third persons, the rest companies.
fn fresh_queries(model: &NameModel, rng: &mut Rng) -> Vec<Query> {
    (0..200)
        .map(|i| {
            if i % 3 == 0 {
                Query::name(Schema::Person, model.person(rng))
            } else {
                Query::name(Schema::Company, model.company(rng))
            }
        })
        .collect()
}

/// Times single searches of the listed and the fresh queries.
fn search_group(c: &mut Criterion, name: &str, index: &Index, listed: &[Query], fresh: &[Query]) {
    let opts = SearchOptions::default();
    let mut g = c.benchmark_group(name);
    for (label, qs) in [("listed", listed), ("unlisted", fresh)] {
        g.throughput(Throughput::Elements(qs.len() as u64));
        g.bench_function(label, |b| {
            b.iter(|| {
                for q in qs {
                    black_box(index.search(q, &opts));
                }
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = pairs, index, synthetic_index
}
criterion_main!(benches);
