//! The BIS Denied Persons List files in `data/bis/`.

use std::collections::HashSet;

use embargo_model::RawFile;
use embargo_sources::{bis, SourceKind};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/bis");

fn load(name: &str) -> RawFile {
    let p = format!("{DATA}/{name}");
    RawFile::new(p.clone(), std::fs::read(&p).unwrap())
}

fn data_lines(f: &RawFile) -> usize {
    String::from_utf8_lossy(&f.bytes)
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count()
}

#[test]
fn one_entity_per_data_line() {
    for (name, lines) in [("dpl_2019.txt", 546), ("dpl_2022.txt", 581)] {
        let f = load(name);
        assert_eq!(data_lines(&f), lines);
        let ds = bis::parse(&[f]).unwrap();
        assert_eq!(ds.list, "us_bis_dpl");
        assert_eq!(ds.entities.len(), lines, "{name}");
        let ids: HashSet<_> = ds.entities.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), lines, "ids are unique");
        // Exact duplicate rows are kept, with a warning each.
        assert!(ds.warnings.iter().all(|w| w.contains("same party")));
        assert!(ds.entities.iter().all(|e| e.designations.len() == 1
            && e.designations[0].program == "DPL"
            && e.designations[0].listed_on.is_some()));
    }
}

#[test]
fn ids_are_stable_across_editions() {
    let a = bis::parse(&[load("dpl_2019.txt")]).unwrap();
    let b = bis::parse(&[load("dpl_2022.txt")]).unwrap();
    let find = |ds: &embargo_model::Dataset| {
        ds.entities
            .iter()
            .find(|e| e.caption() == "I. ASH")
            .map(|e| e.id.clone())
            .unwrap()
    };
    assert_eq!(find(&a), find(&b));
    let ash = b.entities.iter().find(|e| e.caption() == "I. ASH").unwrap();
    assert_eq!(
        ash.designations[0].listed_on.unwrap().to_string(),
        "2003-06-19"
    );
    assert_eq!(
        ash.designations[0].ended_on.unwrap().to_string(),
        "2056-06-29"
    );
    assert!(ash.designations[0]
        .source
        .as_deref()
        .unwrap()
        .starts_with("68 F.R. 38290"));
    assert_eq!(
        ash.addresses[0].city.as_deref(),
        Some("SEAGOVILLE, TX, 75159")
    );
    assert_eq!(ash.countries, ["us"]);
}

#[test]
fn aka_in_names_and_dispatch() {
    let ds = embargo_sources::parse(SourceKind::BisDpl, &[load("dpl_2022.txt")]).unwrap();
    let sun = ds[0]
        .entities
        .iter()
        .find(|e| e.caption() == "FUYI SUN")
        .unwrap();
    assert!(sun.names.iter().any(|n| n.value == "FRANK SUN"));
}

#[test]
fn missing_column_is_an_error() {
    let f = load("dpl_2022.txt");
    let text = String::from_utf8(f.bytes)
        .unwrap()
        .replacen("\"FR_Citation\"", "\"Citation\"", 1);
    let e = bis::parse(&[RawFile::new("dpl.txt", text.into_bytes())]).unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(1), Some("FR_Citation")));
}
