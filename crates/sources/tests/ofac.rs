//! The OFAC parser on the real exports shipped in `data/ofac/`.

use std::collections::BTreeSet;

use embargo_model::{DatePrecision, IdKind, NameKind, RawFile, RelationKind, Schema};
use embargo_sources::ofac::{self, remarks::CMIC_PROGRAM, OfacList};
use embargo_sources::{Dataset, SourceKind};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ofac");

fn load(dir: &str) -> Vec<RawFile> {
    let path = format!("{DATA}/{dir}");
    let mut files: Vec<RawFile> = std::fs::read_dir(&path)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            RawFile::new(p.display().to_string(), std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

fn parse(list: OfacList, dir: &str) -> Dataset {
    ofac::parse(list, &load(dir)).unwrap()
}

fn cmic(ds: &Dataset) -> Vec<&embargo_model::Entity> {
    ds.entities
        .iter()
        .filter(|e| e.designations.iter().any(|d| d.program == CMIC_PROGRAM))
        .collect()
}

#[test]
fn record_counts() {
    assert_eq!(parse(OfacList::Sdn, "sdn_2021-07").entities.len(), 8976);
    // PROVENANCE.md says 7,378, the `wc -l` count: this copy lost its line
    // ends' CR and the final line end, so `wc -l` misses the last record
    // (ent_num 26235). The file holds 7,379 well-formed records.
    let sdn_2019 = parse(OfacList::Sdn, "sdn_2019");
    assert_eq!(sdn_2019.entities.len(), 7379);
    assert_eq!(
        sdn_2019.entities.last().unwrap().id.as_str(),
        "us_ofac_sdn:26235"
    );
    let cons = parse(OfacList::Cons, "cons_2025-12");
    assert_eq!(cons.entities.len(), 442);
    for dir in ["cons_2025-03", "cons_2025-04", "cons_2025-12"] {
        let ds = parse(OfacList::Cons, dir);
        assert_eq!(cmic(&ds).len(), 68, "{dir}");
        assert!(ds.entities.iter().all(|e| e.id.list() == "us_ofac_cons"));
    }
}

#[test]
fn dispatch_through_source_kind() {
    let ds = embargo_sources::parse(SourceKind::OfacCons, &load("cons_2025-12")).unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].list, "us_ofac_cons");
}

#[test]
fn ns_cmic_facts_december_2025() {
    let ds = parse(OfacList::Cons, "cons_2025-12");
    let cmic = cmic(&ds);
    assert_eq!(cmic.len(), 68);
    assert!(cmic.iter().all(|e| e.schema == Schema::Company));

    let with = |k: IdKind| {
        cmic.iter()
            .filter(|e| e.ids_of(&k).next().is_some())
            .count()
    };
    assert_eq!(with(IdKind::Isin), 53);
    assert_eq!(with(IdKind::Ticker), 40);
    assert_eq!(with(IdKind::Uscc), 58);

    let isins: BTreeSet<&str> = ds
        .entities
        .iter()
        .flat_map(|e| e.ids_of(&IdKind::Isin))
        .map(|i| i.value.as_str())
        .collect();
    assert_eq!(isins.len(), 163);

    let flagged: BTreeSet<(&str, &str)> = ds
        .entities
        .iter()
        .flat_map(|e| e.ids_of(&IdKind::Isin))
        .filter_map(|i| Some((i.value.as_str(), i.issue.as_deref()?)))
        .collect();
    assert_eq!(flagged.len(), 3, "{flagged:?}");
    assert_eq!(flagged.iter().filter(|(v, _)| v.len() == 11).count(), 1);
    assert_eq!(
        flagged
            .iter()
            .filter(|(_, why)| why.contains("check digit"))
            .count(),
        2
    );
    let flagged_values: Vec<&str> = flagged.iter().map(|(v, _)| *v).collect();
    assert_eq!(
        flagged_values,
        ["BRC1EODR004", "CND10002G601", "CND10002K094"]
    );
    // Kept, and reported.
    for (v, _) in &flagged {
        assert!(isins.contains(v));
        assert!(ds.warnings.iter().any(|w| w.contains(v)), "{v}");
    }

    // One ticker is published with its market glued on ("603019CN").
    let dawning = cmic
        .iter()
        .find(|e| e.id.as_str() == "us_ofac_cons:33113")
        .unwrap();
    let t: Vec<String> = dawning
        .ids_of(&IdKind::Ticker)
        .map(|t| t.normalized())
        .collect();
    assert_eq!(t, ["603019 CN"]);
    // The three NS-CMIC dates: 59 Annex entries, SenseTime, and 8 more.
    let mut by_dates = std::collections::BTreeMap::new();
    for e in &cmic {
        let d = e
            .designations
            .iter()
            .find(|d| d.program == CMIC_PROGRAM)
            .unwrap();
        let key = format!(
            "{} {} {}",
            d.listed_on.unwrap(),
            d.effective.as_ref().unwrap().date,
            d.divestment_until.as_ref().unwrap().date
        );
        *by_dates.entry(key).or_insert(0) += 1;
    }
    assert_eq!(
        by_dates.into_iter().collect::<Vec<_>>(),
        [
            ("2021-06-03 2021-08-02 2022-06-03".to_string(), 59),
            ("2021-12-10 2022-02-08 2022-12-10".to_string(), 1),
            ("2021-12-16 2022-02-14 2022-12-16".to_string(), 8),
        ]
    );

    // Every NS-CMIC designation carries the three dates.
    for e in &cmic {
        let d = e
            .designations
            .iter()
            .find(|d| d.program == CMIC_PROGRAM)
            .unwrap();
        assert!(d.listed_on.is_some(), "{}", e.id);
        assert_eq!(d.effective.as_ref().unwrap().zone.as_deref(), Some("ET"));
        assert!(d.divestment_until.is_some(), "{}", e.id);
    }
}

#[test]
fn china_mobile_limited() {
    let ds = parse(OfacList::Cons, "cons_2025-12");
    let e = ds
        .entities
        .iter()
        .find(|e| e.id.as_str() == "us_ofac_cons:30923")
        .unwrap();
    assert_eq!(e.caption(), "CHINA MOBILE LIMITED");
    assert_eq!(e.schema, Schema::Company);
    let tickers: Vec<String> = e.ids_of(&IdKind::Ticker).map(|t| t.normalized()).collect();
    assert!(tickers.contains(&"941 HK".to_string()));
    assert!(tickers.contains(&"CHL US".to_string()));
    assert_eq!(tickers.len(), 8);
    let isins: Vec<&str> = e.ids_of(&IdKind::Isin).map(|i| i.value.as_str()).collect();
    assert_eq!(isins[0], "US16941M1099");
    assert!(isins.contains(&"HK0941009539"));
    let rel = &e.relations[0];
    assert_eq!(rel.kind, RelationKind::LinkedTo);
    assert_eq!(
        rel.target_name,
        "CHINA MOBILE COMMUNICATIONS GROUP CO., LTD."
    );
    assert_eq!(
        rel.target_id.as_ref().unwrap().as_str(),
        "us_ofac_cons:30944"
    );
    let d = e
        .designations
        .iter()
        .find(|d| d.program == CMIC_PROGRAM)
        .unwrap();
    assert_eq!(d.listed_on.unwrap().to_string(), "2021-06-03");
    assert_eq!(
        d.effective.as_ref().unwrap().to_string(),
        "2021-08-02 00:01 ET"
    );
    assert_eq!(
        d.divestment_until.as_ref().unwrap().to_string(),
        "2022-06-03 00:01 ET"
    );
    assert!(e
        .names
        .iter()
        .any(|n| n.kind == NameKind::Issuer && n.value == "China Mobile Limited"));
    assert!(e
        .names
        .iter()
        .any(|n| n.kind == NameKind::Alias && n.value == "CHINA MOBILE LTD"));
    assert_eq!(e.properties["targetType"], ["Public Company"]);
    assert_eq!(e.addresses[0].country_code.as_deref(), Some("cn"));
    assert_eq!(e.addresses[0].city.as_deref(), Some("Hong Kong"));
}

#[test]
fn remarks_continue_in_comments_file() {
    let ds = parse(OfacList::Cons, "cons_2025-12");
    let e = ds
        .entities
        .iter()
        .find(|e| e.id.as_str() == "us_ofac_cons:30930")
        .unwrap();
    let r = e.remarks.as_deref().unwrap();
    assert!(r.starts_with("Equity Ticker 601800 CN; "));
    assert!(r.ends_with(
        "Listing Date (CMIC) 03 Jun 2021; Unified Social Credit Code (USCC) 91110000710934369E (China); a.k.a. 'CCCC'."
    ));
    let uscc: Vec<_> = e.ids_of(&IdKind::Uscc).collect();
    assert_eq!(uscc.len(), 1);
    assert_eq!(uscc[0].value, "91110000710934369E");
    assert_eq!(uscc[0].country.as_deref(), Some("China"));
    assert!(e
        .names
        .iter()
        .any(|n| n.kind == NameKind::WeakAlias && n.value == "CCCC"));

    // Among the NS-CMIC entries, that is the only one with an overflow.
    let comments =
        std::fs::read_to_string(format!("{DATA}/cons_2025-12/cons_comments.csv")).unwrap();
    let overflowing: Vec<_> = cmic(&ds)
        .into_iter()
        .filter(|e| comments.contains(&format!("{},\"", e.id.key())))
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(overflowing, ["us_ofac_cons:30930"]);

    // A word cut in two is joined back: "Registration Numbe" + "r 1027...".
    let e = ds
        .entities
        .iter()
        .find(|e| e.id.as_str() == "us_ofac_cons:17014")
        .unwrap();
    assert!(e
        .remarks
        .as_deref()
        .unwrap()
        .contains("Registration Number 1027700342890 (Russia)"));
    assert!(e
        .names
        .iter()
        .any(|n| n.kind == NameKind::WeakAlias && n.value == "RUSAG"));
}

#[test]
fn person_with_dob_pob_passport() {
    let ds = parse(OfacList::Sdn, "sdn_2021-07");
    let e = ds
        .entities
        .iter()
        .find(|e| e.id.as_str() == "us_ofac_sdn:2686")
        .unwrap();
    assert_eq!(e.schema, Schema::Person);
    assert_eq!(e.caption(), "NASRALLAH, Hasan");
    let dobs: Vec<String> = e.birth_dates.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        dobs,
        ["1960-08-31", "1953-08-31", "1955-08-31", "1958-08-31"]
    );
    assert!(e
        .birth_dates
        .iter()
        .all(|d| d.precision() == DatePrecision::Day));
    assert_eq!(e.birth_places, ["Al Basuriyah, Lebanon"]);
    let p: Vec<_> = e.ids_of(&IdKind::Passport).collect();
    assert_eq!(p[0].value, "042833");
    assert_eq!(p[0].country.as_deref(), Some("Lebanon"));
    assert_eq!(e.properties["gender"], ["male"]);
    assert_eq!(e.properties["title"], ["Secretary General of Hizballah"]);
    let programs: Vec<_> = e.designations.iter().map(|d| d.program.as_str()).collect();
    assert_eq!(programs, ["SDGT", "SYRIA"]);
    assert_eq!(e.relations[0].target_name, "HIZBALLAH");
    assert!(e.relations[0].target_id.is_some());
}

#[test]
fn vessel_with_imo() {
    let ds = parse(OfacList::Sdn, "sdn_2021-07");
    let e = ds
        .entities
        .iter()
        .find(|e| e.id.as_str() == "us_ofac_sdn:15036")
        .unwrap();
    assert_eq!(e.schema, Schema::Vessel);
    let imo: Vec<_> = e.ids_of(&IdKind::Imo).collect();
    assert_eq!(imo.len(), 1);
    assert_eq!(imo[0].value, "9187629");
    assert!(imo[0].is_valid());
    assert_eq!(e.properties["callSign"], ["T2EU4"]);
    assert_eq!(e.properties["vesselType"], ["Crude/Oil Products Tanker"]);
    assert_eq!(e.properties["tonnage"], ["99,144"]);
    assert_eq!(e.properties["grossRegisteredTonnage"], ["56,068"]);
    assert_eq!(e.properties["flag"], ["Iran"]);
    let former: Vec<_> = e
        .names
        .iter()
        .filter(|n| n.kind == NameKind::Former)
        .map(|n| n.value.as_str())
        .collect();
    assert_eq!(former, ["ALPHA", "ABADAN", "SHONA"]);
    assert!(
        e.addresses.is_empty(),
        "an all-null address row adds nothing"
    );
}

#[test]
fn windows_1252_is_decoded() {
    // The real exports are plain ASCII; OFAC's encoding is Windows-1252.
    let f = RawFile::new(
        "sdn.csv",
        b"1,\"MU\xd1OZ, Jos\xe9\",\"individual\",\"SDNTK\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"POB Bogot\xe1, Colombia\"\r\n\x1a".to_vec(),
    );
    let ds = ofac::parse(OfacList::Sdn, &[f]).unwrap();
    assert_eq!(ds.entities[0].caption(), "MUÑOZ, José");
    assert_eq!(ds.entities[0].birth_places, ["Bogotá, Colombia"]);
}

#[test]
fn every_export_parses_cleanly() {
    for (list, dir) in [
        (OfacList::Sdn, "sdn_2019"),
        (OfacList::Sdn, "sdn_2021-07"),
        (OfacList::Cons, "cons_2025-03"),
        (OfacList::Cons, "cons_2025-04"),
        (OfacList::Cons, "cons_2025-12"),
    ] {
        let ds = parse(list, dir);
        let unknown_ent: Vec<_> = ds
            .warnings
            .iter()
            .filter(|w| w.contains("unknown ent_num"))
            .collect();
        if dir == "sdn_2019" {
            // This copy's alt, add and comments files come from a later
            // export (ent_num up to 47089): 7,698 + 9,121 + 10 rows refer to
            // records its sdn.csv does not have. Five are reported per file,
            // then a count.
            assert_eq!(unknown_ent.len(), 3 * 5 + 3, "{unknown_ent:?}");
            assert!(unknown_ent
                .iter()
                .any(|w| w.contains("alt.csv: 7693 more rows")));
            assert!(unknown_ent
                .iter()
                .any(|w| w.contains("add.csv: 9116 more rows")));
            assert!(unknown_ent
                .iter()
                .any(|w| w.contains("sdn_comments.csv: 5 more rows")));
        } else {
            assert!(unknown_ent.is_empty(), "{dir}: {unknown_ent:?}");
        }
        let unknown_country: Vec<_> = ds
            .warnings
            .iter()
            .filter(|w| w.contains("unknown country"))
            .collect();
        assert!(unknown_country.len() <= 3, "{dir}: {unknown_country:?}");
        for e in &ds.entities {
            assert_eq!(
                e.names
                    .iter()
                    .filter(|n| n.kind == NameKind::Primary)
                    .count(),
                1
            );
        }
    }
}

// Corrupt input: every error names file, line and field.

fn cons_prim_bytes() -> Vec<u8> {
    std::fs::read(format!("{DATA}/cons_2025-12/cons_prim.csv")).unwrap()
}

#[test]
fn truncated_file_is_an_error() {
    let bytes = cons_prim_bytes();
    // Cut inside the remarks of a record.
    let cut = bytes.len() / 2;
    let cut = cut + bytes[cut..].windows(2).position(|w| w == b"; ").unwrap();
    let f = RawFile::new("cons_prim.csv", bytes[..cut].to_vec());
    let e = ofac::parse(OfacList::Cons, &[f]).unwrap_err();
    assert_eq!(e.file, "cons_prim.csv");
    assert!(e.line.is_some());
    assert_eq!(e.field.as_deref(), Some("remarks"));
    assert!(e.message.contains("truncated"), "{e}");
    let line_start = bytes[..cut].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    let expected_line = bytes[..line_start].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    assert_eq!(e.line, Some(expected_line));
}

#[test]
fn wrong_column_count_is_an_error() {
    let text = String::from_utf8_lossy(&cons_prim_bytes()).into_owned();
    let mut lines: Vec<String> = text.split("\r\n").map(str::to_string).collect();
    lines[4] = lines[4].replacen(",-0- ", "", 1);
    let f = RawFile::new("cons_prim.csv", lines.join("\r\n").into_bytes());
    let e = ofac::parse(OfacList::Cons, &[f]).unwrap_err();
    assert_eq!(e.line, Some(5));
    assert_eq!(e.field.as_deref(), Some("remarks"));
    assert!(e.message.contains("expected 12 fields, found 11"), "{e}");
    assert!(e
        .to_string()
        .starts_with("cons_prim.csv: line 5, field 'remarks': "));
}

#[test]
fn binary_file_is_an_error() {
    let mut bytes = cons_prim_bytes();
    let second_line = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    bytes[second_line + 1] = 0;
    let f = RawFile::new("cons_prim.csv", bytes);
    let e = ofac::parse(OfacList::Cons, &[f]).unwrap_err();
    assert_eq!(e.line, Some(2));
    assert_eq!(e.field.as_deref(), Some("ent_num"));
    assert!(e.message.contains("NUL"));
}

#[test]
fn alt_row_for_unknown_entity_is_a_warning() {
    let mut files = load("cons_2025-12");
    let alt = files
        .iter_mut()
        .find(|f| f.name.ends_with("cons_alt.csv"))
        .unwrap();
    alt.bytes =
        b"30923,1,\"aka\",\"GHOST\",-0- \r\n99999999,2,\"aka\",\"NOBODY\",-0- \r\n\x1a".to_vec();
    let ds = ofac::parse(OfacList::Cons, &files).unwrap();
    let w: Vec<_> = ds
        .warnings
        .iter()
        .filter(|w| w.contains("99999999"))
        .collect();
    assert_eq!(w.len(), 1);
    assert!(
        w[0].contains("cons_alt.csv: line 2, field 'ent_num'"),
        "{}",
        w[0]
    );
    assert!(!ds
        .entities
        .iter()
        .any(|e| e.names.iter().any(|n| n.value == "NOBODY")));
    assert!(ds
        .entities
        .iter()
        .any(|e| e.names.iter().any(|n| n.value == "GHOST")));
}

/// The remarks grammar on every real export: identifier and sanctions
/// segments are read; what is left is titles, positions and free text.
#[test]
fn remarks_grammar_covers_the_real_exports() {
    use embargo_sources::ofac::remarks::{parse_segment, segments};
    let mut total = 0usize;
    let mut unread: Vec<String> = Vec::new();
    for (list, dir) in [
        (OfacList::Sdn, "sdn_2019"),
        (OfacList::Sdn, "sdn_2021-07"),
        (OfacList::Cons, "cons_2025-03"),
        (OfacList::Cons, "cons_2025-04"),
        (OfacList::Cons, "cons_2025-12"),
    ] {
        for e in &parse(list, dir).entities {
            for seg in e.remarks.as_deref().map(segments).unwrap_or_default() {
                total += 1;
                if parse_segment(seg).is_none() {
                    unread.push(seg.to_string());
                }
            }
        }
    }
    // Segments that look like an identifier ("… No. 123", "… Number 123",
    // "… # 123") and are still unread: known oddities only.
    let id_like = |s: &str| {
        let words: Vec<&str> = s.split_whitespace().collect();
        words.windows(2).any(|w| {
            matches!(w[0], "No." | "Number" | "#" | "ID" | "Code")
                && w[1].chars().next().is_some_and(|c| c.is_ascii_digit())
        })
    };
    let known = [
        "Company ID: No.",
        "Interpol:",
        "Temporary suspension",
        "Serial No.",
        "Registration Numbe",
    ];
    let odd: Vec<&String> = unread
        .iter()
        .filter(|s| id_like(s) && !known.iter().any(|k| s.starts_with(k)))
        .collect();
    assert!(odd.is_empty(), "{odd:#?}");
    // Nearly every segment is read (the rest: titles, "all offices worldwide").
    assert!(
        (unread.len() as f64) < 0.07 * total as f64,
        "{} of {total} segments unread",
        unread.len()
    );
    // A sample of what the grammar now reads, on the July 2021 SDN list.
    let ds = parse(OfacList::Sdn, "sdn_2021-07");
    let count = |k: &IdKind| ds.entities.iter().flat_map(|e| e.ids_of(k)).count();
    assert!(count(&IdKind::TaxId) > 1000, "{}", count(&IdKind::TaxId));
    assert!(count(&IdKind::Registration) > 1000);
    assert!(
        ds.entities
            .iter()
            .filter(|e| e.properties.contains_key("sanctionsInfo"))
            .count()
            > 1000
    );
    // An SSI entity of the consolidated list keeps its directive.
    let cons = parse(OfacList::Cons, "cons_2025-12");
    assert!(cons.entities.iter().any(|e| e
        .properties
        .get("sanctionsInfo")
        .is_some_and(|v| v.iter().any(|s| s.contains("Subject to Directive 1")))));
}

#[test]
fn crlf_eof_byte_and_files_without_them() {
    // The July 2021 export keeps OFAC's CRLF line ends and final 0x1A; the
    // 2019 copy has neither (and no final line end); the April 2025
    // consolidated list has LF line ends with a final 0x1A. All parse to
    // the same kind of records.
    let end = |p: &str| {
        let b = std::fs::read(format!("{DATA}/{p}")).unwrap();
        b[b.len().saturating_sub(3)..].to_vec()
    };
    assert_eq!(end("sdn_2021-07/sdn.csv"), b"\r\n\x1a");
    assert_eq!(end("sdn_2019/sdn.csv"), b"Y.\"");
    assert_eq!(end("cons_2025-04/cons_prim.csv"), b"\"\n\x1a");
    for (list, dir, first, last) in [
        (
            OfacList::Sdn,
            "sdn_2021-07",
            "us_ofac_sdn:36",
            "us_ofac_sdn:32391",
        ),
        (
            OfacList::Sdn,
            "sdn_2019",
            "us_ofac_sdn:36",
            "us_ofac_sdn:26235",
        ),
        (
            OfacList::Cons,
            "cons_2025-04",
            "us_ofac_cons:9639",
            "us_ofac_cons:50476",
        ),
    ] {
        let ds = parse(list, dir);
        assert_eq!(ds.entities.first().unwrap().id.as_str(), first, "{dir}");
        assert_eq!(ds.entities.last().unwrap().id.as_str(), last, "{dir}");
        let remarks_end = ds
            .entities
            .last()
            .unwrap()
            .remarks
            .clone()
            .unwrap_or_default();
        assert!(!remarks_end.contains('\u{1a}') && !remarks_end.ends_with('\r'));
    }
}
