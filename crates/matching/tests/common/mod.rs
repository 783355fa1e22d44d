//! Readers for the bundled OFAC exports and the shared eval sets.
#![allow(dead_code)]

use embargo_match::Record;
use embargo_model::{NameKind, Schema};

pub const SDN_2021: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ofac/sdn_2021-07");
pub const CONS_2025: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ofac/cons_2025-12");
pub const EVAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/eval");

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

fn field(rec: &csv::ByteRecord, i: usize) -> String {
    let s = latin1(rec.get(i).unwrap_or(b""));
    let s = s.trim();
    if s == "-0-" {
        String::new()
    } else {
        s.to_string()
    }
}

fn rows(path: &str) -> Vec<csv::ByteRecord> {
    let data = std::fs::read(path).unwrap();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&data[..]);
    r.byte_records()
        .filter_map(Result::ok)
        .filter(|r| r.len() >= 2)
        .collect()
}

/// Reads an OFAC legacy CSV export (primary file + alt file) into records.
pub fn ofac_records(dir: &str, prim: &str, alt: Option<&str>, list: &str) -> Vec<Record> {
    let mut recs: Vec<Record> = Vec::new();
    let mut pos = std::collections::HashMap::new();
    for r in rows(&format!("{dir}/{prim}")) {
        let ent = field(&r, 0);
        if ent.parse::<u64>().is_err() {
            continue;
        }
        let schema = match field(&r, 2).to_ascii_lowercase().as_str() {
            "individual" => Schema::Person,
            "vessel" => Schema::Vessel,
            "aircraft" => Schema::Airplane,
            _ => Schema::Organization,
        };
        pos.insert(ent.clone(), recs.len());
        recs.push(Record::new(
            format!("{list}:{ent}"),
            list,
            schema,
            field(&r, 1),
        ));
    }
    if let Some(alt) = alt {
        for r in rows(&format!("{dir}/{alt}")) {
            let ent = field(&r, 0);
            if let Some(&i) = pos.get(&ent) {
                let kind = if field(&r, 2).eq_ignore_ascii_case("aka") {
                    NameKind::Alias
                } else {
                    NameKind::Former
                };
                let n = field(&r, 3);
                if !n.is_empty() {
                    recs[i].names.push((n, kind));
                }
            }
        }
    }
    recs
}

pub fn sdn_2021(with_aliases: bool) -> Vec<Record> {
    ofac_records(
        SDN_2021,
        "sdn.csv",
        with_aliases.then_some("alt.csv"),
        "us_ofac_sdn",
    )
}

pub fn cons_2025() -> Vec<Record> {
    ofac_records(
        CONS_2025,
        "cons_prim.csv",
        Some("cons_alt.csv"),
        "us_ofac_cons",
    )
}

/// Rows of a shared eval CSV (with header) as string maps.
pub fn eval_rows(file: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(format!("{EVAL}/{file}")).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

pub fn schema(s: &str) -> Schema {
    Schema::parse(s).unwrap_or(Schema::LegalEntity)
}
