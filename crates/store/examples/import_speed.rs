//! Times the store on the real SDN export of 2021-07 (8,976 entities) and
//! on an SDN-size synthetic list (default 9,000 entities):
//! `cargo run --release -p embargo-store --example import_speed [-- N]`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use embargo_model::{EntityId, NameKind, RawFile};
use embargo_sources::ofac::{self, OfacList};
use embargo_store::{ImportMeta, SqliteStore, Store, VersionSel};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(a) => a.parse()?,
        None => 9_000,
    };
    let dir = tempfile::tempdir()?;
    real_sdn(&dir.path().join("real.db"))?;
    let path = dir.path().join("store.db");
    let mut store = SqliteStore::open(&path)?;
    let v1_data = common::synthetic("us_ofac_sdn", n, "a");
    let files = [RawFile::new("sdn.csv", "v1")];

    let t = Instant::now();
    let v1 = store.import(&v1_data, &files, ImportMeta::new("import"))?;
    println!("import of {n} entities:         {:>8.1} ms", ms(t));

    let t = Instant::now();
    let again = store.import(&v1_data, &files, ImportMeta::new("import"))?;
    assert!(!again.is_created());
    println!("no-op re-import (same files):   {:>8.1} ms", ms(t));

    // Version 2: 5% of the entities change, 1% go, 1% come.
    let mut v2_data = v1_data.clone();
    for e in v2_data.entities.iter_mut().step_by(20) {
        e.add_name("A NEW ALIAS", NameKind::Alias);
    }
    v2_data.entities.retain(|e| !e.id.key().ends_with("37"));
    v2_data.entities.extend(
        common::synthetic("us_ofac_sdn", n + n / 100, "b")
            .entities
            .split_off(n),
    );
    let t = Instant::now();
    let v2 = store.import(
        &v2_data,
        &[RawFile::new("sdn.csv", "v2")],
        ImportMeta::new("update"),
    )?;
    println!("import of version 2:            {:>8.1} ms", ms(t));

    let t = Instant::now();
    let all = store.entities(v2.version().id)?;
    println!("read all {} entities:         {:>8.1} ms", all.len(), ms(t));

    let t = Instant::now();
    let d = store.diff("us_ofac_sdn", v1.version().id, v2.version().id)?;
    println!(
        "diff v1→v2 (+{} -{} ~{}):     {:>8.1} ms",
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        ms(t)
    );

    let id = EntityId::new("us_ofac_sdn", "40");
    let t = Instant::now();
    let h = store.history(&id)?;
    let e = store.entity(&id, &VersionSel::Seq(1))?;
    println!(
        "history + entity lookup:        {:>8.3} ms ({} revisions, found: {})",
        ms(t),
        h.len(),
        e.is_some()
    );
    drop(store);
    let size = std::fs::metadata(&path)?.len();
    let wal = std::fs::metadata(dir.path().join("store.db-wal")).map_or(0, |m| m.len());
    println!(
        "database file: {:.1} MB (+ {:.1} MB WAL)",
        mb(size),
        mb(wal)
    );
    Ok(())
}

/// Parses and imports the real SDN 2021-07 files.
fn real_sdn(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ofac/sdn_2021-07/");
    let files = ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"]
        .iter()
        .map(|n| Ok(RawFile::new(*n, std::fs::read(format!("{base}{n}"))?)))
        .collect::<Result<Vec<_>, std::io::Error>>()?;
    let t = Instant::now();
    let ds = ofac::parse(OfacList::Sdn, &files)?;
    println!("parse real SDN 2021-07:         {:>8.1} ms", ms(t));
    let mut store = SqliteStore::open(path)?;
    let t = Instant::now();
    let v = store.import(&ds, &files, ImportMeta::new("import"))?;
    println!(
        "import real SDN ({} entities): {:>8.1} ms",
        v.version().entity_count,
        ms(t)
    );
    let t = Instant::now();
    let n = store.entities(v.version().id)?.len();
    println!("read back {n} entities:         {:>8.1} ms", ms(t));
    Ok(())
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}
