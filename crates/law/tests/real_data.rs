//! Scenarios on the real data: the OFAC consolidated list of December 2025
//! (NS-CMIC entries with their published dates and identifiers), the OFAC
//! SDN list of July 2021, and the project's curated DoD files with their
//! lifecycle events, all parsed by embargo-sources.

use std::sync::OnceLock;

use embargo_law::{
    check_trade, parse_instant, LawBook, NoResolver, Outcome, SecurityMaster, SecurityRef, Side,
    TradeCheck, TradeDecision,
};
use embargo_model::RawFile;
use embargo_sources::ofac::OfacList;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ofac");

fn ofac(list: OfacList, dir: &str) -> embargo_model::Dataset {
    let files: Vec<RawFile> = list
        .file_names()
        .iter()
        .filter_map(|name| {
            let path = format!("{DATA}/{dir}/{name}");
            std::fs::read(&path).ok().map(|b| RawFile::new(*name, b))
        })
        .collect();
    embargo_sources::ofac::parse(list, &files).unwrap()
}

fn book() -> &'static LawBook {
    static BOOK: OnceLock<LawBook> = OnceLock::new();
    BOOK.get_or_init(|| {
        let mut entities = Vec::new();
        let mut events = Vec::new();
        entities.extend(ofac(OfacList::Cons, "cons_2025-12").entities);
        entities.extend(ofac(OfacList::Sdn, "sdn_2021-07").entities);
        for ds in embargo_sources::dod::parse(&embargo_sources::bundled_dod_files()).unwrap() {
            entities.extend(ds.entities);
            events.extend(ds.events);
        }
        LawBook::new(entities, events).unwrap()
    })
}

fn master() -> SecurityMaster {
    let mut sm = SecurityMaster::new();
    let csv = "isin,ticker,market,name,type,issuer_name,issuer_lei,issuer_uscc,underlying_isin\n\
        KYG9830T1067,1810,HK,Xiaomi Corp,share,Xiaomi Corporation,,,\n\
        ,LKCO,US,Luokung Technology,share,Luokung Technology Corp.,,,\n\
        ,CHL 211119C40,US,CHL Nov21 40 call,option,,,,US16941M1099\n\
        US46429B6719,MCHI,US,iShares MSCI China ETF,etf,BlackRock,,,\n";
    sm.load_instruments_csv("instruments.csv", csv.as_bytes())
        .unwrap();
    sm.load_holdings_csv(
        "holdings.csv",
        b"fund_isin,holding_isin,weight\nUS46429B6719,US16941M1099,0.025\nUS46429B6719,US0378331005,0.975\n",
    )
    .unwrap();
    sm
}

struct Case {
    security: &'static str,
    side: Side,
    at: &'static str,
    expect: Outcome,
    alternative: Option<Outcome>,
    evidence: &'static str,
    basis: &'static str,
}

use Outcome::*;
use Side::*;

const CASES: &[Case] = &[
    Case {
        security: "1810 HK",
        side: Buy,
        at: "2021-03-11 10:00",
        expect: Allowed,
        alternative: None,
        evidence: "2021-03-15",
        basis: "Xiaomi listed 2021-01-14, effect 2021-03-15",
    },
    Case {
        security: "1810 HK",
        side: Buy,
        at: "2021-03-16 10:00",
        expect: Allowed,
        alternative: None,
        evidence: "E2021-03-12-injunction-xiaomi",
        basis: "Preliminary injunction 2021-03-12",
    },
    Case {
        security: "1810 HK",
        side: Buy,
        at: "2021-05-26 10:00",
        expect: NotCovered,
        alternative: None,
        evidence: "E2021-05-25-vacatur-xiaomi",
        basis: "Vacatur 2021-05-25",
    },
    Case {
        security: "1810 HK",
        side: Buy,
        at: "2021-07-01 10:00",
        expect: NotCovered,
        alternative: None,
        evidence: "E2021-06-03-law",
        basis: "Gap: former-CCMC-only name",
    },
    Case {
        security: "LKCO US",
        side: Buy,
        at: "2021-03-01 10:00",
        expect: Allowed,
        alternative: None,
        evidence: "2021-03-15",
        basis: "Misspelled 'Luokong' listing, effect scheduled 2021-03-15",
    },
    Case {
        security: "LKCO US",
        side: Buy,
        at: "2021-03-16 10:00",
        expect: Allowed,
        alternative: None,
        evidence: "E2021-03-09-relisting-luokung",
        basis: "Corrected re-listing 2021-03-09 moved the effect to 2021-05-08",
    },
    Case {
        security: "LKCO US",
        side: Buy,
        at: "2021-05-10 10:00",
        expect: Allowed,
        alternative: None,
        evidence: "E2021-05-05-injunction-luokung",
        basis: "Luokung preliminary injunction 2021-05-05",
    },
    Case {
        security: "CNE100000PM8",
        side: Buy,
        at: "2021-01-11 09:29:59",
        expect: Allowed,
        alternative: None,
        evidence: "2021-01-11 09:30:00 EST",
        basis: "EO 13959 Annex, from 09:30 EST 2021-01-11",
    },
    Case {
        security: "CNE100000PM8",
        side: Buy,
        at: "2021-01-11 09:30:00",
        expect: Prohibited,
        alternative: None,
        evidence: "us_dod_1237:",
        basis: "EO 13959 Annex, inclusive",
    },
    Case {
        security: "002415 CN",
        side: Buy,
        at: "2021-01-11 10:00 Asia/Shanghai",
        expect: Allowed,
        alternative: None,
        evidence: "2021-01-10 21:00:00 EST",
        basis: "Shenzhen 10:00 CST = 21:00 EST the day before",
    },
    Case {
        security: "CNE100000PM8",
        side: Buy,
        at: "2021-07-01 10:00",
        expect: Allowed,
        alternative: None,
        evidence: "CMIC-EO14032",
        basis: "Gap: EO 14032 Annex name",
    },
    Case {
        security: "US16941M1099",
        side: Buy,
        at: "2021-03-10 10:00",
        expect: Prohibited,
        alternative: None,
        evidence: "us_ofac_ns_ccmc:china-mobile-limited",
        basis: "NS-CCMC subsidiary listing 2021-01-08, effect 2021-03-09 09:30",
    },
    Case {
        security: "US16941M1099",
        side: Buy,
        at: "2021-08-02 00:00:59",
        expect: Allowed,
        alternative: None,
        evidence: "2021-08-02 00:01:00 EDT",
        basis: "EO 14032 s.1(b)(i)",
    },
    Case {
        security: "US16941M1099",
        side: Buy,
        at: "2021-08-02 00:01:00",
        expect: Prohibited,
        alternative: None,
        evidence: "CMIC-EO14032",
        basis: "EO 14032 s.1(b)(i), inclusive",
    },
    Case {
        security: "US16941M1099",
        side: Sell,
        at: "2022-06-03 00:00:59",
        expect: PermittedDivestment,
        alternative: None,
        evidence: "divest",
        basis: "Divestment prior to 00:01 EDT 2022-06-03",
    },
    Case {
        security: "US16941M1099",
        side: Sell,
        at: "2022-06-03 00:01:00",
        expect: Prohibited,
        alternative: None,
        evidence: "licence",
        basis: "Window closed",
    },
    Case {
        security: "US16941M1099",
        side: Hold,
        at: "2024-01-01 10:00",
        expect: Allowed,
        alternative: None,
        evidence: "FAQ 1046",
        basis: "Possession not prohibited",
    },
    Case {
        security: "981 HK",
        side: Buy,
        at: "2021-09-01 10:00",
        expect: Prohibited,
        alternative: None,
        evidence: "SEMICONDUCTOR MANUFACTURING",
        basis: "SMIC on NS-CMIC (ticker 00981 HK)",
    },
    Case {
        security: "SenseTime Group Limited",
        side: Buy,
        at: "2022-02-07 23:30",
        expect: Prohibited,
        alternative: Some(Allowed),
        evidence: "23:01:00 EST",
        basis: "EDT wording in February: earliest reading",
    },
    Case {
        security: "SenseTime Group Limited",
        side: Sell,
        at: "2022-12-09 22:00",
        expect: PermittedDivestment,
        alternative: None,
        evidence: "2022-12-10",
        basis: "OFAC divestment date 2022-12-10",
    },
    Case {
        security: "Advanced Micro-Fabrication Equipment Inc.",
        side: Buy,
        at: "2021-03-15 10:00",
        expect: Prohibited,
        alternative: Some(Allowed),
        evidence: "10:30:00 EDT",
        basis: "EO 13959 EST wording on a daylight-time date",
    },
    Case {
        security: "China Three Gorges Corporation Limited",
        side: Buy,
        at: "2021-07-01 10:00",
        expect: NotCovered,
        alternative: None,
        evidence: "regime ended",
        basis: "1237-only name in the gap",
    },
    Case {
        security: "CHL 211119C40",
        side: Buy,
        at: "2021-09-01 10:00",
        expect: Prohibited,
        alternative: None,
        evidence: "option on US16941M1099",
        basis: "Derivative of a covered security",
    },
    Case {
        security: "US46429B6719",
        side: Buy,
        at: "2021-09-01 10:00",
        expect: Prohibited,
        alternative: None,
        evidence: "fund holding US16941M1099",
        basis: "ETF exposure above the 0 threshold",
    },
    Case {
        security: "Tencent Holdings Limited",
        side: Buy,
        at: "2025-02-01 10:00",
        expect: NotCovered,
        alternative: None,
        evidence: "procurement",
        basis: "1260H only",
    },
    Case {
        security: "Contemporary Amperex Technology Co., Ltd.",
        side: Buy,
        at: "2025-02-01 10:00",
        expect: NotCovered,
        alternative: None,
        evidence: "2026-06-30",
        basis: "1260H only",
    },
    Case {
        security: "CNE1000009T1",
        side: Buy,
        at: "2025-02-01 10:00",
        expect: Prohibited,
        alternative: None,
        evidence: "CMIC-EO14032",
        basis: "CRCC removed from 1260H 2025-01-07, still NS-CMIC",
    },
    Case {
        security: "PJSC MOSTOTREST",
        side: Buy,
        at: "2021-08-01 10:00",
        expect: Blocked,
        alternative: None,
        evidence: "UKRAINE-EO13685",
        basis: "SDN (July 2021 list): blocked",
    },
];

fn run(c: &Case) -> TradeDecision {
    let sm = master();
    let t = TradeCheck::new(
        SecurityRef::parse(c.security),
        c.side,
        parse_instant(c.at).unwrap(),
    );
    check_trade(book(), &sm, &NoResolver, &t)
}

#[test]
fn real_data_scenarios() {
    let mut failures = Vec::new();
    for c in CASES {
        let d = run(c);
        let json = serde_json::to_string(&d).unwrap();
        let alt = d.alternative.as_ref().map(|a| a.outcome);
        if d.outcome != c.expect || alt != c.alternative || !json.contains(c.evidence) {
            failures.push(format!(
                "{} {:?} at {} ({}): expected {:?}/{:?} with '{}', got {:?}/{:?}\n{}",
                c.security,
                c.side,
                c.at,
                c.basis,
                c.expect,
                c.alternative,
                c.evidence,
                d.outcome,
                alt,
                serde_json::to_string_pretty(&d.findings).unwrap()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn programs_cover_the_real_designations() {
    let book = book();
    let cmic = book
        .entities()
        .iter()
        .filter(|e| {
            e.designations
                .iter()
                .any(|d| book.program_for(d).is_some_and(|p| p.id == "CMIC-EO14032"))
        })
        .count();
    assert_eq!(cmic, 68, "NS-CMIC entries mapped to CMIC-EO14032");
    let ccmc = book
        .entities()
        .iter()
        .filter(|e| e.id.list() == "us_dod_1237")
        .count();
    assert_eq!(ccmc, 44);
}

/// Throughput figure: `cargo test -p embargo-law --release --test real_data -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing() {
    let book = book();
    let sm = master();
    let n = 2000;
    let start = std::time::Instant::now();
    for (i, c) in CASES.iter().cycle().take(n).enumerate() {
        let t = TradeCheck::new(
            SecurityRef::parse(c.security),
            c.side,
            parse_instant(c.at).unwrap(),
        );
        let d = check_trade(book, &sm, &NoResolver, &t);
        assert!(i > n || d.at_eastern.len() > 10);
    }
    let per = start.elapsed() / n as u32;
    println!(
        "{} entities, {n} trade checks: {per:?} per check",
        book.entities().len()
    );
}
