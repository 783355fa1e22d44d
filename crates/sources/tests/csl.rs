//! The trade.gov Consolidated Screening List samples in `data/trade_gov_csl/`
//! and the JSON fixture holding the 2025 sample's records.

use embargo_model::{IdKind, NameKind, RawFile, Schema};
use embargo_sources::{csl, SourceKind};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/trade_gov_csl");
const JSON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/csl_2025_sample.json"
);

fn load(path: &str) -> RawFile {
    RawFile::new(path, std::fs::read(path).unwrap())
}

#[test]
fn layout_2019() {
    let ds = csl::parse(&[load(&format!("{DATA}/csl_2019_sample.csv"))]).unwrap();
    assert_eq!(ds.list, "us_trade_csl");
    assert_eq!(ds.entities.len(), 115);
    let dpl = &ds.entities[0];
    assert_eq!(dpl.caption(), "ADRIAN MANUEL HERNANDEZ");
    assert_eq!(dpl.designations[0].program, "DPL");
    assert_eq!(
        dpl.designations[0].listed_on.unwrap().to_string(),
        "2017-10-16"
    );
    assert_eq!(
        dpl.designations[0].ended_on.unwrap().to_string(),
        "2020-10-13"
    );
    let sdn = ds
        .entities
        .iter()
        .find(|e| e.caption() == "200G PSA HOLDINGS LLC")
        .unwrap();
    assert_eq!(sdn.id.as_str(), "us_trade_csl:20264");
    assert_eq!(sdn.schema, Schema::Organization);
    assert_eq!(sdn.designations[0].program, "SDNTK");
    let tax = sdn.ids_of(&IdKind::TaxId).next().unwrap();
    assert_eq!(
        (tax.value.as_str(), tax.country.as_deref()),
        ("80-0890696", Some("US"))
    );
    assert_eq!(sdn.countries, ["us"]);
    let imo = ds
        .entities
        .iter()
        .flat_map(|e| e.ids_of(&IdKind::Imo))
        .find(|i| i.value == "8898831");
    assert!(imo.is_some());
    assert!(ds.entities.iter().any(|e| e.birth_dates.len() == 2));
}

#[test]
fn layout_2025() {
    let ds = csl::parse(&[load(&format!("{DATA}/consolidated_2025_sample.csv"))]).unwrap();
    assert_eq!(ds.entities.len(), 13);
    let p = ds
        .entities
        .iter()
        .find(|e| e.caption() == "RIM, Ryong Nam")
        .unwrap();
    assert_eq!(p.id.as_str(), "us_trade_csl:52291");
    assert_eq!(p.schema, Schema::Person);
    assert_eq!(p.birth_dates[0].to_string(), "1978-12-05");
    let pass = p.ids_of(&IdKind::Passport).next().unwrap();
    assert_eq!(
        (pass.value.as_str(), pass.country.as_deref()),
        ("836238033", Some("KP"))
    );
    assert_eq!(p.properties["gender"], ["male"]);
    assert!(p.countries.contains(&"kp".to_string()));
    let isn = &ds.entities[0];
    assert_eq!(
        isn.id.key(),
        "233a4d725770c81fb561ffe3842c14010c2201971d6be62eca1e613b"
    );
    assert_eq!(isn.designations[0].program, "INKSNA");
    let uvl = &ds.entities[1];
    assert_eq!(uvl.designations[0].program, "UVL");
    assert_eq!(uvl.countries, ["am"]);
    let pl = ds
        .entities
        .iter()
        .find(|e| e.caption() == "Mohammed ABU JHEISHEH")
        .unwrap();
    assert!(pl
        .names
        .iter()
        .any(|n| n.kind == NameKind::Alias && n.value == "Mohammed ABU JEHEISHA"));
    let two = ds
        .entities
        .iter()
        .find(|e| e.designations.len() == 2)
        .unwrap();
    let progs: Vec<_> = two
        .designations
        .iter()
        .map(|d| d.program.as_str())
        .collect();
    assert_eq!(progs, ["VENEZUELA-EO13850", "UKRAINE-EO13662"]);
}

#[test]
fn csv_and_json_give_the_same_entities() {
    let from_csv = csl::parse(&[load(&format!("{DATA}/consolidated_2025_sample.csv"))]).unwrap();
    let from_json = csl::parse(&[load(JSON)]).unwrap();
    assert_eq!(from_json.entities.len(), 13);
    for (a, b) in from_csv.entities.iter().zip(&from_json.entities) {
        assert_eq!(a, b, "{}", a.id);
    }
    assert_eq!(from_csv.entities, from_json.entities);
    let via_kind = embargo_sources::parse(SourceKind::TradeCsl, &[load(JSON)]).unwrap();
    assert_eq!(via_kind[0].entities, from_json.entities);
    // The same records as a bare array.
    let doc: serde_json::Value = serde_json::from_slice(&load(JSON).bytes).unwrap();
    let bare = serde_json::to_vec(&doc["results"]).unwrap();
    let from_array = csl::parse(&[RawFile::new("consolidated.json", bare)]).unwrap();
    assert_eq!(from_array.entities, from_json.entities);
}

#[test]
fn bad_rows_are_errors() {
    let text = std::fs::read_to_string(format!("{DATA}/consolidated_2025_sample.csv")).unwrap();
    let broken = text.replacen("\"2023-07-19\"", "\"19/07/2023\"", 1);
    let e = csl::parse(&[RawFile::new("c.csv", broken.into_bytes())]).unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("start_date")));
    let e = csl::parse(&[RawFile::new("c.json", b"{\"results\": 3}".to_vec())]).unwrap_err();
    assert!(e.message.contains("results"));
}
