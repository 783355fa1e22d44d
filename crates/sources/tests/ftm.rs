//! FollowTheMoney JSON lines.

use embargo_model::{IdKind, NameKind, Schema};
use embargo_sources::{ftm, RawFile, SourceKind};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/ftm_sample.jsonl"
);

fn fixture() -> RawFile {
    RawFile::new(FIXTURE, std::fs::read(FIXTURE).unwrap())
}

#[test]
fn fixture_parses() {
    let ds = ftm::parse(&fixture(), "opensanctions").unwrap();
    assert_eq!(ds.list, "opensanctions");
    assert_eq!(ds.entities.len(), 10);
    let schemata: Vec<Schema> = ds.entities.iter().map(|e| e.schema).collect();
    assert_eq!(
        schemata,
        [
            Schema::Person,
            Schema::Company,
            Schema::Company,
            Schema::Vessel,
            Schema::Organization,
            Schema::Company,
            Schema::Security,
            Schema::Airplane,
            Schema::LegalEntity,
            Schema::Person
        ]
    );

    let p = &ds.entities[0];
    assert_eq!(p.id.as_str(), "opensanctions:NK-3Jq8vLx7HVXQ2k9bRzTn4a");
    assert_eq!(p.caption(), "Ivan Petrovich SIDOROV");
    assert!(p
        .names
        .iter()
        .any(|n| n.kind == NameKind::Alias && n.value == "Иван Петрович Сидоров"));
    assert!(p
        .names
        .iter()
        .any(|n| n.kind == NameKind::WeakAlias && n.value == "Vanya"));
    assert_eq!(p.birth_dates[0].to_string(), "1966-04-12");
    assert_eq!(p.birth_places, ["Omsk, Russia"]);
    assert_eq!(p.countries, ["ru"]);
    assert_eq!(
        p.ids_of(&IdKind::Passport).next().unwrap().value,
        "717637093"
    );
    let inn = p.ids_of(&IdKind::TaxId).next().unwrap();
    assert_eq!(
        (inn.value.as_str(), inn.note.as_deref()),
        ("550100112233", Some("inn"))
    );
    assert_eq!(p.designations[0].program, "RUSSIA-EO14024");
    assert_eq!(p.designations[0].list, "opensanctions");
    assert_eq!(
        p.remarks.as_deref(),
        Some("Director of a sanctioned shipping company.")
    );
    assert_eq!(p.properties["gender"], ["male"]);
    assert_eq!(p.properties["first_seen"], ["2022-04-06T12:00:00"]);

    let c = &ds.entities[1];
    assert_eq!(c.caption(), "CHINA MOBILE LIMITED");
    assert!(c
        .names
        .iter()
        .any(|n| n.kind == NameKind::Alias && n.value == "China Mobile Ltd"));
    assert_eq!(c.ids_of(&IdKind::Isin).count(), 2);
    let tickers: Vec<String> = c.ids_of(&IdKind::Ticker).map(|t| t.normalized()).collect();
    assert_eq!(tickers, ["941 HK", "CHL US"]);
    assert_eq!(c.countries, ["hk"]);
    assert!(c.ids_of(&IdKind::Lei).next().unwrap().is_valid());

    assert!(ds.entities[2]
        .ids_of(&IdKind::Uscc)
        .next()
        .unwrap()
        .is_valid());
    assert_eq!(
        ds.entities[3].ids_of(&IdKind::Imo).next().unwrap().value,
        "9187629"
    );
    assert_eq!(ds.entities[4].countries, ["lb"]);
    assert_eq!(ds.entities[4].designations.len(), 2);
    // The flagged LEI is kept and reported.
    let le = &ds.entities[8];
    assert!(!le.ids_of(&IdKind::Lei).next().unwrap().is_valid());
    assert!(ds
        .warnings
        .iter()
        .any(|w| w.contains("5493001KJTIIGC8Y1R13")));
    assert_eq!(ds.entities[9].countries, ["ps"]);
}

#[test]
fn default_list_key_through_source_kind() {
    let ds = embargo_sources::parse(SourceKind::Ftm, &[fixture()]).unwrap();
    assert_eq!(ds[0].list, "ftm");
    assert!(ds[0].entities[0].id.as_str().starts_with("ftm:"));
}

#[test]
fn bad_json_line_is_an_error_naming_the_line() {
    let mut text = std::fs::read_to_string(FIXTURE).unwrap();
    text.push_str("{\"id\": \"broken\", \"schema\": \"Person\", \"properties\": {\n");
    let e = ftm::parse(&RawFile::new("sample.jsonl", text.into_bytes()), "ftm").unwrap_err();
    assert_eq!(e.file, "sample.jsonl");
    assert_eq!(e.line, Some(12));
    assert!(e.message.contains("invalid JSON"), "{e}");
}
