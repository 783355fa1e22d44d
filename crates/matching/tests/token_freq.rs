//! Regenerates `data/token_freq.tsv` from the bundled OFAC lists:
//! `cargo test -p embargo-match --test token_freq -- --ignored`.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use embargo_match::{tokens, Weights};

fn frequencies() -> (usize, BTreeMap<String, u32>) {
    let mut recs = common::sdn_2021(true);
    recs.extend(common::cons_2025());
    let mut df: BTreeMap<String, u32> = BTreeMap::new();
    for r in &recs {
        let mut seen = BTreeSet::new();
        for (n, _) in &r.names {
            seen.extend(tokens(r.schema, n));
        }
        for t in seen {
            *df.entry(t).or_default() += 1;
        }
    }
    (recs.len(), df)
}

#[test]
#[ignore = "rewrites data/token_freq.tsv"]
fn regenerate_token_freq() {
    let (docs, df) = frequencies();
    let mut out = String::from(
        "# Document frequencies of folded tokens in the bundled OFAC SDN 2021-07 and\n\
         # consolidated 2025-12 lists (a document is a listed party with all its names).\n\
         # Columns: token<TAB>documents containing it; tokens seen once are left out.\n\
         # Regenerate: cargo test -p embargo-match --test token_freq -- --ignored\n",
    );
    out.push_str(&format!("#docs\t{docs}\n"));
    for (t, n) in df {
        if n >= 2 && !t.contains('\t') {
            out.push_str(&format!("{t}\t{n}\n"));
        }
    }
    std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/token_freq.tsv"),
        out,
    )
    .unwrap();
}

#[test]
fn bundled_table_is_current_enough() {
    let w = Weights::bundled();
    assert!(
        w.documents() > 9000,
        "token_freq.tsv holds {} documents",
        w.documents()
    );
    // Generic words are frequent, distinctive ones are not.
    assert!(w.frequency("company") > 100);
    assert!(w.frequency("hikvision") < 5);
}
