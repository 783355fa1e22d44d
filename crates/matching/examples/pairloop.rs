#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
#[path = "../benches/support/mod.rs"]
mod support;
fn main() {
    let pairs = support::dev_pairs(support::DEV_PAIRS).unwrap();
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().unwrap())
        .unwrap_or(300);
    let fast = std::env::args().nth(2).is_some();
    let w = embargo_match::Weights::bundled();
    let _ = embargo_match::tokens(embargo_model::Schema::Company, "warm up");
    let t = std::time::Instant::now();
    let mut s = 0.0;
    for _ in 0..n {
        for p in &pairs {
            s += if fast {
                embargo_match::score_pair_fast(w, p.schema, &p.name1, &p.name2)
            } else {
                embargo_match::score_pair(p.schema, &p.name1, &p.name2).score
            };
        }
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / (n * pairs.len()) as f64;
    println!("{us:.2} µs/pair ({s})");
}
