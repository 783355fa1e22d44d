//! The curated DoD files in `data/dod/`, checked against the facts in the
//! shared transcription (`shared/data/dod/`).

use chrono::NaiveDate;
use embargo_model::{Dataset, Entity, EventKind, NameKind};
use embargo_sources::dod::{self, LIST_1237, LIST_1260H, PROGRAM_1237, PROGRAM_1260H};
use embargo_sources::{bundled_dod_files, RawFile, SourceKind};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/dod");

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn from_disk() -> Vec<RawFile> {
    [
        "section_1237.csv",
        "section_1260h.csv",
        "events.csv",
        "identifiers.csv",
        "local_names.csv",
    ]
    .iter()
    .map(|n| {
        let p = format!("{DATA}/{n}");
        RawFile::new(p.clone(), std::fs::read(&p).unwrap())
    })
    .collect()
}

fn datasets() -> (Dataset, Dataset) {
    let mut v = dod::parse(&bundled_dod_files()).unwrap();
    assert_eq!(v.len(), 2);
    let h = v.pop().unwrap();
    let s = v.pop().unwrap();
    (s, h)
}

fn entity<'a>(ds: &'a Dataset, slug: &str) -> &'a Entity {
    ds.entities
        .iter()
        .find(|e| e.id.key() == slug)
        .unwrap_or_else(|| panic!("{slug} missing"))
}

#[test]
fn bundled_files_equal_the_files_on_disk() {
    let disk = from_disk();
    for (b, f) in bundled_dod_files().iter().zip(&disk) {
        assert!(f.name.ends_with(&b.name));
        assert_eq!(b.bytes, f.bytes, "{}", b.name);
    }
    let via_kind = embargo_sources::parse(SourceKind::Dod, &disk).unwrap();
    assert_eq!(via_kind[0].list, LIST_1237);
    assert_eq!(via_kind[1].list, LIST_1260H);
}

#[test]
fn section_1237_list() {
    let (s, _) = datasets();
    assert!(s.entities.iter().all(|e| e.id.list() == LIST_1237));
    assert!(s
        .entities
        .iter()
        .all(|e| e.designations.iter().all(|d| d.program == PROGRAM_1237)));
    // 44 companies after tranche 5; Luokong/Luokung is one company.
    let active = s
        .entities
        .iter()
        .filter(|e| e.designations.iter().any(|d| d.active_on(d_("2021-01-15"))))
        .count();
    assert_eq!(active, 44);
    assert_eq!(s.entities.len(), 44);
    assert_eq!(
        s.entities
            .iter()
            .map(|e| e.designations.len())
            .sum::<usize>(),
        45
    );
    let annex = s
        .entities
        .iter()
        .filter(|e| e.properties["inEo13959Annex"] == ["yes"])
        .count();
    assert_eq!(annex, 31);
    // Before tranche 4 there were 31.
    let before_t4 = s
        .entities
        .iter()
        .filter(|e| e.designations.iter().any(|d| d.active_on(d_("2020-12-01"))))
        .count();
    assert_eq!(before_t4, 31);
    // Nothing survives 2021-06-03.
    assert!(s.entities.iter().all(|e| e
        .designations
        .iter()
        .all(|d| !d.active_on(d_("2021-06-03")))));
}

fn d_(s: &str) -> NaiveDate {
    d(s)
}

#[test]
fn xiaomi_and_luokung() {
    let (s, _) = datasets();
    let x = entity(&s, "xiaomi-corporation");
    assert_eq!(x.caption(), "Xiaomi Corporation");
    assert_eq!(x.designations.len(), 1);
    assert_eq!(x.designations[0].listed_on, Some(d("2021-01-14")));
    assert_eq!(x.designations[0].ended_on, Some(d("2021-05-25")));
    assert_eq!(x.designations[0].end_reason.as_deref(), Some("vacatur"));

    let l = entity(&s, "luokung-technology-corp");
    assert_eq!(l.caption(), "Luokung Technology Corp.");
    assert!(l
        .names
        .iter()
        .any(|n| n.kind == NameKind::Former && n.value == "Luokong Technology Corporation"));
    assert!(l.names.iter().any(|n| n.value == "LKCO"));
    let [old, new] = &l.designations[..] else {
        panic!("two designations expected")
    };
    assert_eq!(old.ended_on, Some(d("2021-03-09")));
    assert_eq!(old.end_reason.as_deref(), Some("relisting"));
    assert_eq!(new.listed_on, Some(d("2021-03-09")));
    assert_eq!(
        new.effective.as_ref().unwrap().to_string(),
        "2021-05-08 09:30 ET"
    );
    assert_eq!(new.divestment_until.as_ref().unwrap().date, d("2022-03-09"));
}

#[test]
fn annex_company_dates_and_aliases() {
    let (s, _) = datasets();
    let avic = entity(&s, "aviation-industry-corporation-of-china-ltd");
    assert_eq!(avic.caption(), "Aviation Industry Corporation of China");
    assert!(avic
        .names
        .iter()
        .any(|n| n.kind == NameKind::Alias && n.value == "AVIC"));
    let des = &avic.designations[0];
    assert_eq!(des.listed_on, Some(d("2020-06-24")));
    assert_eq!(
        des.effective.as_ref().unwrap().to_string(),
        "2021-01-11 09:30 EST"
    );
    assert_eq!(
        des.divestment_until.as_ref().unwrap().to_string(),
        "2021-11-11 23:59 EST"
    );
    assert_eq!(des.ended_on, Some(d("2021-06-03")));
    for abbr in ["CASC", "CNOOC", "SMIC"] {
        assert!(
            s.entities
                .iter()
                .any(|e| e.names.iter().any(|n| n.value == abbr)),
            "{abbr}"
        );
    }
}

#[test]
fn section_1260h_edition_sizes() {
    let (_, h) = datasets();
    assert!(h.entities.iter().all(|e| e.id.list() == LIST_1260H));
    let size = |ed: &str| {
        h.entities
            .iter()
            .filter(|e| {
                e.properties
                    .get("editions")
                    .is_some_and(|v| v.iter().any(|x| x == ed))
            })
            .count()
    };
    let uncertain = |ed: &str| {
        h.entities
            .iter()
            .filter(|e| {
                e.properties
                    .get("uncertainEditions")
                    .is_some_and(|v| v.iter().any(|x| x == ed))
            })
            .count()
    };
    assert_eq!(size("2021-06-03"), 47);
    assert_eq!(size("2022-10-05"), 60);
    assert_eq!(size("2024-01-31"), 73);
    // DoD says 134: 133 certain, plus exactly one of the uncertain pair
    // (Hesai Technology, CNOOC Limited).
    assert_eq!(size("2025-01-07"), 133);
    assert_eq!(uncertain("2025-01-07"), 2);
    assert_eq!(size("2026-06-08"), 188);

    // The designations agree with the edition columns.
    let active = |day: &str| {
        h.entities
            .iter()
            .filter(|e| e.designations.iter().any(|x| x.active_on(d(day))))
            .count()
    };
    assert_eq!(active("2021-06-03"), 47);
    assert_eq!(active("2022-10-05"), 60);
    assert_eq!(active("2024-01-31"), 73);
    assert_eq!(active("2025-01-07"), 135);
    assert_eq!(active("2026-06-08"), 188);
    assert!(h
        .entities
        .iter()
        .all(|e| e.designations.iter().all(|x| x.program == PROGRAM_1260H)));
}

#[test]
fn section_1260h_removals_and_shared_slugs() {
    let (s, h) = datasets();
    let crcc = entity(&h, "china-railway-construction-corporation-limited");
    assert_eq!(
        crcc.designations.last().unwrap().ended_on,
        Some(d("2025-01-07"))
    );
    let amec = entity(&h, "advanced-micro-fabrication-equipment-inc-china");
    assert_eq!(amec.designations[0].ended_on, Some(d("2024-12-13")));
    // The same company keeps its slug across the two lists.
    for slug in [
        "advanced-micro-fabrication-equipment-inc-china",
        "semiconductor-manufacturing-international-corporation",
        "hangzhou-hikvision-digital-technology-co-ltd",
        "huawei-technologies-co-ltd",
    ] {
        entity(&s, slug);
        entity(&h, slug);
    }
    let tencent = entity(&h, "tencent-holdings-limited");
    assert_eq!(tencent.designations[0].listed_on, Some(d("2025-01-07")));
    assert_eq!(tencent.designations[0].ended_on, None);
    let hesai = entity(&h, "hesai-technology-co-ltd");
    assert!(hesai.properties.contains_key("uncertainty"));
}

#[test]
fn lifecycle_events() {
    let (s, h) = datasets();
    assert!(h.events.is_empty());
    let events = dod::events(&bundled_dod_files()).unwrap();
    assert_eq!(events, s.events);
    assert_eq!(events.len(), 57);
    let find = |date: &str, kind: EventKind, slug: &str| {
        events
            .iter()
            .find(|e| {
                e.date() == d(date) && e.kind == kind && e.entities.iter().any(|x| x.key() == slug)
            })
            .unwrap_or_else(|| panic!("{date} {kind:?} {slug}"))
    };
    let pi = find("2021-03-12", EventKind::Injunction, "xiaomi-corporation");
    assert_eq!(pi.entities[0].as_str(), "us_dod_1237:xiaomi-corporation");
    find("2021-05-25", EventKind::Vacatur, "xiaomi-corporation");
    find(
        "2021-03-09",
        EventKind::Relisting,
        "luokung-technology-corp",
    );
    find(
        "2021-05-05",
        EventKind::Injunction,
        "luokung-technology-corp",
    );
    let t5 = find(
        "2021-03-15",
        EventKind::EffectStart,
        "gowin-semiconductor-corp",
    );
    assert_eq!(t5.at.time.unwrap().to_string(), "09:30:00");
    assert!(t5
        .at
        .zone
        .as_deref()
        .unwrap()
        .starts_with("ET (if the EO wording is EST"));
    let eo14032 = events
        .iter()
        .find(|e| e.date() == d("2021-08-02") && e.kind == EventKind::EffectStart)
        .unwrap();
    assert_eq!(eo14032.at.to_string(), "2021-08-02 00:01 EDT");
    assert_eq!(eo14032.programs, ["CMIC-EO14032"]);
    let removal = find(
        "2024-12-13",
        EventKind::Removal,
        "advanced-micro-fabrication-equipment-inc-china",
    );
    assert_eq!(
        removal.entities[0].as_str(),
        "us_dod_1260h:advanced-micro-fabrication-equipment-inc-china"
    );
    assert!(events.windows(2).all(|w| w[0].date() <= w[1].date()));
}

#[test]
fn a_broken_events_file_is_rejected() {
    let mut files = bundled_dod_files();
    let ev = String::from_utf8(files[2].bytes.clone()).unwrap();
    files[2].bytes = ev.replacen(",vacatur,", ",vacated,", 1).into_bytes();
    let e = dod::parse(&files).unwrap_err();
    assert_eq!(e.file, "events.csv");
    assert_eq!(e.field.as_deref(), Some("kind"));
    let line = ev.lines().position(|l| l.contains(",vacatur,")).unwrap() as u64 + 1;
    assert_eq!(e.line, Some(line));
}

#[test]
fn exchange_identifiers_of_dod_listed_companies() {
    let (s, h) = datasets();
    let tickers = |e: &Entity| -> Vec<String> {
        e.ids_of(&embargo_model::IdKind::Ticker)
            .map(|t| t.normalized())
            .collect()
    };
    let xiaomi = entity(&s, "xiaomi-corporation");
    assert_eq!(tickers(xiaomi), ["1810 HK"]);
    assert!(xiaomi
        .ids_of(&embargo_model::IdKind::Isin)
        .all(|i| i.is_valid() && i.value == "KYG9830T1067"));
    assert_eq!(tickers(entity(&s, "luokung-technology-corp")), ["LKCO US"]);
    // A company on both lists gets them on both.
    let amec = ["688012 CN"];
    assert_eq!(
        tickers(entity(&s, "advanced-micro-fabrication-equipment-inc-china")),
        amec
    );
    assert_eq!(
        tickers(entity(&h, "advanced-micro-fabrication-equipment-inc-china")),
        amec
    );
    assert!(tickers(entity(&h, "tencent-holdings-limited")).contains(&"700 HK".to_string()));
    assert!(
        tickers(entity(&h, "contemporary-amperex-technology-co-ltd"))
            .contains(&"300750 CN".to_string())
    );
    // Every ISIN is valid and every row has a source.
    for e in s.entities.iter().chain(&h.entities) {
        for i in &e.identifiers {
            assert!(i.is_valid(), "{} {}", e.id, i.value);
            assert!(i.note.as_deref().is_some_and(|n| !n.is_empty()));
        }
    }
    // Errors name the file, the line and the field.
    let with_ids = |text: &[u8]| {
        let mut files = from_disk();
        if let Some(f) = files
            .iter_mut()
            .find(|f| f.name.ends_with("identifiers.csv"))
        {
            f.bytes = text.to_vec();
        }
        embargo_sources::dod::parse(&files)
    };
    let e = with_ids(b"slug,kind,value,market,source\nxiaomi-corporation,isin,KYG9830T1068,,x\n")
        .unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("value")));
    let e =
        with_ids(b"slug,kind,value,market,source\nno-such-company,ticker,1,HK,x\n").unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("slug")));
    let mut files = from_disk();
    // The file is optional.
    files.retain(|f| !f.name.ends_with("identifiers.csv"));
    assert!(embargo_sources::dod::parse(&files).is_ok());
}

#[test]
fn chinese_names_of_listed_companies() {
    let (s, h) = datasets();
    let han = |e: &Entity| -> Vec<String> {
        e.names
            .iter()
            .filter(|n| n.kind == NameKind::LocalScript)
            .map(|n| n.value.clone())
            .collect()
    };
    let hik = entity(&h, "hangzhou-hikvision-digital-technology-co-ltd");
    assert_eq!(han(hik), ["杭州海康威视数字技术股份有限公司"]);
    assert!(hik.names.iter().any(|n| n.kind == NameKind::LocalScript
        && n.note
            .as_deref()
            .is_some_and(|t| t.contains("DoD publishes English names only"))));
    // Both lists of a company that is on both get the name.
    assert_eq!(han(entity(&s, "xiaomi-corporation")), ["小米集团"]);
    assert_eq!(
        han(entity(&h, "huawei-technologies-co-ltd")),
        ["华为技术有限公司"]
    );
    let with_names = s
        .entities
        .iter()
        .chain(&h.entities)
        .filter(|e| !han(e).is_empty())
        .count();
    assert!(with_names >= 140, "{with_names}");
    // Errors name the file, the line and the field.
    let with_names = |text: &[u8]| {
        let mut files = from_disk();
        if let Some(f) = files
            .iter_mut()
            .find(|f| f.name.ends_with("local_names.csv"))
        {
            f.bytes = text.to_vec();
        }
        dod::parse(&files)
    };
    let e = with_names(b"slug,script,name,source\nxiaomi-corporation,Latn,Xiaomi,x\n").unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("script")));
    let e = with_names(b"slug,script,name,source\nxiaomi-corporation,Hani,Xiaomi,x\n").unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("name")));
    let e =
        with_names(b"slug,script,name,source\nno-such-company,Hani,\xe5\xb0\x8f\xe7\xb1\xb3,x\n")
            .unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("slug")));
    assert!(e.to_string().contains("local_names.csv"), "{e}");
}
