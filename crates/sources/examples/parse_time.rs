//! Times the parse of one OFAC export and prints a summary.
//!
//! ```text
//! cargo run --release -p embargo-sources --example parse_time -- data/ofac/sdn_2021-07 sdn
//! ```

use std::time::Instant;

use embargo_sources::{ofac, OfacList, RawFile};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| "data/ofac/sdn_2021-07".to_string());
    let list = match args.next().as_deref() {
        Some("cons") => OfacList::Cons,
        _ => OfacList::Sdn,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        files.push(RawFile::new(
            path.display().to_string(),
            std::fs::read(&path)?,
        ));
    }
    let bytes: usize = files.iter().map(|f| f.bytes.len()).sum();
    let runs = 10;
    let mut best = f64::MAX;
    let mut first = 0.0;
    let mut ds = None;
    for i in 0..runs {
        // Drop the previous result before timing, so that its deallocation
        // is not charged to the next parse.
        drop(ds.take());
        let t = Instant::now();
        let parsed = ofac::parse(list, &files)?;
        let secs = t.elapsed().as_secs_f64();
        if i == 0 {
            first = secs;
        }
        best = best.min(secs);
        ds = Some(parsed);
    }
    let ds = ds.ok_or("no run")?;
    println!(
        "{dir}: {} entities, {} warnings, {:.1} MB; first run {:.1} ms, best of {runs}: {:.1} ms ({:.0} MB/s)",
        ds.entities.len(),
        ds.warnings.len(),
        bytes as f64 / 1e6,
        first * 1e3,
        best * 1e3,
        bytes as f64 / 1e6 / best
    );
    for w in ds.warnings.iter().take(40) {
        println!("  warning: {w}");
    }
    Ok(())
}
