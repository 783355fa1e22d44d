//! Scores the dev pairs N times over, for profilers and instruction
//! counters: `scripts/pair_instructions.sh` runs it under callgrind and
//! prints the instructions one pair costs, a figure that does not move with
//! the load of the machine.
//!
//! ```text
//! cargo run --release -p embargo-match --example pair_loop -- [PASSES] [--fast]
//! ```

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../benches/support/mod.rs"]
mod support;

fn main() -> Result<(), support::BoxError> {
    let mut passes = 300usize;
    let mut fast = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--fast" => fast = true,
            n => {
                passes = n
                    .parse()
                    .map_err(|_| format!("not a number of passes: {n}"))?
            }
        }
    }
    let pairs = support::dev_pairs(support::DEV_PAIRS)?;
    let w = embargo_match::Weights::bundled();
    // Load the tables before the loop.
    let _ = embargo_match::tokens(embargo_model::Schema::Company, "warm up");
    let t = std::time::Instant::now();
    let mut sum = 0.0;
    for _ in 0..passes {
        for p in &pairs {
            sum += if fast {
                embargo_match::score_pair_fast(w, p.schema, &p.name1, &p.name2)
            } else {
                embargo_match::score_pair(p.schema, &p.name1, &p.name2).score
            };
        }
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / (passes * pairs.len()).max(1) as f64;
    println!(
        "{passes} passes over {} pairs: {us:.2} µs/pair (checksum {sum:.3})",
        pairs.len()
    );
    Ok(())
}
