//! Dated scenarios over hand-built entities that mirror the bundled data
//! (OFAC NS-CMIC entries with their published dates and identifiers, the
//! DoD Section 1237 and 1260H lists, the lifecycle events of
//! `data/dod/events.csv`). Each scenario states its rule basis.

use chrono::{NaiveDate, NaiveTime};
use embargo_law::{
    check_trade, check_trade_with, normalize_name, parse_instant, IssuerResolver, LawBook,
    NameLink, NoResolver, Outcome, Policy, SecurityMaster, SecurityRef, Side, TradeCheck,
    TradeDecision,
};
use embargo_model::{
    Designation, Entity, EntityId, EventKind, IdKind, Identifier, LifecycleEvent, NameKind, Schema,
    ZonedTime,
};

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn zt(d: &str, time: Option<&str>, zone: Option<&str>) -> ZonedTime {
    ZonedTime {
        date: date(d),
        time: time.map(|t| t.parse::<NaiveTime>().unwrap()),
        zone: zone.map(String::from),
    }
}

struct E(Entity);

impl E {
    fn new(list: &str, key: &str, name: &str) -> Self {
        E(Entity::new(EntityId::new(list, key), Schema::Company, name))
    }
    fn isin(mut self, v: &str) -> Self {
        self.0.identifiers.push(Identifier::new(IdKind::Isin, v));
        self
    }
    fn ticker(mut self, s: &str, m: &str) -> Self {
        self.0.identifiers.push(Identifier::ticker(s, Some(m)));
        self
    }
    fn issuer(mut self, n: &str) -> Self {
        self.0.add_name(n, NameKind::Issuer);
        self
    }
    #[allow(clippy::too_many_arguments)]
    fn des(
        mut self,
        program: &str,
        listed: &str,
        effective: Option<ZonedTime>,
        divest: Option<ZonedTime>,
        ended: Option<&str>,
        reason: Option<&str>,
    ) -> Self {
        let mut d = Designation::new(self.0.id.list(), program);
        d.listed_on = Some(date(listed));
        d.effective = effective;
        d.divestment_until = divest;
        d.ended_on = ended.map(date);
        d.end_reason = reason.map(String::from);
        self.0.designations.push(d);
        self
    }
}

fn cmic(key: &str, name: &str, listed: &str, eff: &str, div: &str) -> E {
    E::new("us_ofac_cons", key, name).des(
        "CMIC-EO13959",
        listed,
        Some(zt(eff, None, None)),
        Some(zt(div, None, None)),
        None,
        None,
    )
}

const REMOVED: &str = "Removed from the CCMC (Section 1237) list as of 2021-06-03";

fn ccmc_annex(key: &str, name: &str, listed: &str) -> E {
    E::new("us_dod_1237", key, name).des(
        "CCMC-EO13959",
        listed,
        Some(zt("2021-01-11", Some("09:30"), Some("EST"))),
        Some(zt("2021-11-11", Some("23:59"), Some("EST"))),
        Some("2021-06-03"),
        Some(REMOVED),
    )
}

fn h1260(key: &str, name: &str, listed: &str, ended: Option<&str>) -> E {
    E::new("us_dod_1260h", key, name).des("1260H", listed, None, None, ended, None)
}

fn event(id: &str, kind: EventKind, d: &str, entities: &[&str], title: &str) -> LifecycleEvent {
    LifecycleEvent {
        id: id.into(),
        kind,
        at: zt(d, None, None),
        subject: title.into(),
        entities: entities.iter().map(|e| EntityId(e.to_string())).collect(),
        programs: vec![],
        title: title.into(),
        effect: String::new(),
        source: format!("source of {id}"),
    }
}

fn book() -> LawBook {
    let entities = vec![
        // OFAC NS-CMIC (consolidated list, program tag CMIC-EO13959).
        cmic(
            "30923",
            "CHINA MOBILE LIMITED",
            "2021-06-03",
            "2021-08-02",
            "2022-06-03",
        )
        .isin("US16941M1099")
        .isin("HK0941009539")
        .ticker("CHL", "US")
        .ticker("941", "HK")
        .issuer("China Mobile Limited")
        .0,
        cmic(
            "30946",
            "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.",
            "2021-06-03",
            "2021-08-02",
            "2022-06-03",
        )
        .isin("CNE100000PM8")
        .ticker("002415", "CN")
        .issuer("Hangzhou Hikvision Digital Technology")
        .0,
        cmic(
            "30951",
            "SEMICONDUCTOR MANUFACTURING INTERNATIONAL CORPORATION",
            "2021-06-03",
            "2021-08-02",
            "2022-06-03",
        )
        .isin("KYG8020E1199")
        .ticker("688981", "CN")
        .ticker("00981", "HK")
        .0,
        cmic(
            "30959",
            "CHINA RAILWAY CONSTRUCTION CORPORATION LIMITED",
            "2021-06-03",
            "2021-08-02",
            "2022-06-03",
        )
        .isin("CNE1000009T1")
        .ticker("1186", "HK")
        .0,
        cmic(
            "33114",
            "SENSETIME GROUP LIMITED",
            "2021-12-10",
            "2022-02-08",
            "2022-12-10",
        )
        .0,
        // DoD Section 1237.
        ccmc_annex(
            "hangzhou-hikvision",
            "Hangzhou Hikvision Digital Technology Co., Ltd. (Hikvision)",
            "2020-06-24",
        )
        .0,
        ccmc_annex(
            "china-mobile-communications-group",
            "China Mobile Communications Group",
            "2020-06-24",
        )
        .0,
        ccmc_annex(
            "china-three-gorges",
            "China Three Gorges Corporation Limited",
            "2020-08-28",
        )
        .0,
        E::new(
            "us_dod_1237",
            "smic",
            "Semiconductor Manufacturing International Corp. (SMIC)",
        )
        .des(
            "CCMC-EO13959",
            "2020-12-03",
            Some(zt("2021-02-01", Some("09:30"), Some("EST"))),
            None,
            Some("2021-06-03"),
            Some(REMOVED),
        )
        .0,
        E::new(
            "us_dod_1237",
            "amec",
            "Advanced Micro-Fabrication Equipment Inc. (AMEC)",
        )
        .des(
            "CCMC-EO13959",
            "2021-01-14",
            Some(zt(
                "2021-03-15",
                Some("09:30"),
                Some("ET (if the EO wording is EST, this is 10:30 EDT)"),
            )),
            None,
            Some("2021-06-03"),
            Some(REMOVED),
        )
        .0,
        E::new("us_dod_1237", "xiaomi-corporation", "Xiaomi Corporation")
            .des(
                "CCMC-EO13959",
                "2021-01-14",
                None,
                None,
                Some("2021-05-25"),
                Some("Designation vacated by final order of D.D.C."),
            )
            .0,
        E::new(
            "us_dod_1237",
            "luokong-technology-corporation",
            "Luokong Technology Corporation (LKCO)",
        )
        .des(
            "CCMC-EO13959",
            "2021-01-14",
            None,
            None,
            Some("2021-03-09"),
            Some("Misspelled designation delisted and replaced by 'Luokung Technology Corp.'"),
        )
        .0,
        E::new(
            "us_dod_1237",
            "luokung-technology-corp",
            "Luokung Technology Corp.",
        )
        .des(
            "CCMC-EO13959",
            "2021-03-09",
            Some(zt("2021-05-08", Some("09:30"), None)),
            None,
            Some("2021-06-03"),
            Some(REMOVED),
        )
        .0,
        // DoD Section 1260H.
        h1260("tencent", "Tencent Holdings Limited", "2025-01-07", None).0,
        h1260(
            "catl",
            "Contemporary Amperex Technology Co., Ltd. (CATL)",
            "2025-01-07",
            None,
        )
        .0,
        h1260(
            "crcc",
            "China Railway Construction Corporation Limited (CRCC)",
            "2021-06-03",
            Some("2025-01-07"),
        )
        .0,
        // A blocked person with a listed security.
        E::new("us_ofac_sdn", "99001", "EXAMPLE BLOCKED BANK PJSC")
            .isin("RU000A0JP5V6")
            .des("RUSSIA-EO14024", "2022-02-24", None, None, None, None)
            .0,
    ];
    let events = vec![
        event(
            "E2021-03-09-luokung-relisting",
            EventKind::Relisting,
            "2021-03-09",
            &[
                "us_dod_1237:luokong-technology-corporation",
                "us_dod_1237:luokung-technology-corp",
            ],
            "Secretary of Defense delists misspelled 'Luokong Technology Corporation' and lists 'Luokung Technology Corp.'",
        ),
        event(
            "E2021-03-12-xiaomi-injunction",
            EventKind::Injunction,
            "2021-03-12",
            &["us_dod_1237:xiaomi-corporation"],
            "D.D.C. grants Xiaomi preliminary injunction",
        ),
        event(
            "E2021-05-05-luokung-injunction",
            EventKind::Injunction,
            "2021-05-05",
            &["us_dod_1237:luokung-technology-corp"],
            "D.D.C. grants Luokung preliminary injunction",
        ),
        event(
            "E2021-05-25-xiaomi-vacatur",
            EventKind::Vacatur,
            "2021-05-25",
            &["us_dod_1237:xiaomi-corporation"],
            "D.D.C. final order vacates DoD's designation of Xiaomi",
        ),
        event(
            "E2021-06-03-eo14032",
            EventKind::Law,
            "2021-06-03",
            &[],
            "EO 14032 signed",
        ),
        event(
            "E2021-01-27-gl1a",
            EventKind::GeneralLicense,
            "2021-01-27",
            &[],
            "OFAC General License 1A",
        ),
    ];
    LawBook::new(entities, events).unwrap()
}

fn master() -> SecurityMaster {
    let mut sm = SecurityMaster::new();
    let csv = "isin,ticker,market,name,type,issuer_name,issuer_lei,issuer_uscc,underlying_isin\n\
        KYG9830T1067,1810,HK,Xiaomi Corp,share,Xiaomi Corporation,,,\n\
        VGG5700H1032,LKCO,US,Luokung Technology,share,Luokung Technology Corp.,,,\n\
        ,CHL 210917C40,US,CHL Sep21 40 call,option,,,,US16941M1099\n\
        US46429B6719,MCHI,US,iShares MSCI China ETF,etf,BlackRock,,,\n\
        US0378331005,AAPL,US,Apple Inc,share,Apple Inc.,,,\n";
    sm.load_instruments_csv("instruments.csv", csv.as_bytes())
        .unwrap();
    let holdings = "fund_isin,holding_isin,weight\n\
        US46429B6719,US16941M1099,2.5%\n\
        US46429B6719,US0378331005,97.5%\n";
    sm.load_holdings_csv("holdings.csv", holdings.as_bytes())
        .unwrap();
    sm
}

/// Token-overlap resolver standing in for embargo-match.
struct TokenResolver<'a>(&'a LawBook);

impl IssuerResolver for TokenResolver<'_> {
    fn resolve_name(&self, name: &str) -> Vec<NameLink> {
        let q: Vec<String> = normalize_name(name).split(' ').map(String::from).collect();
        let mut out = Vec::new();
        for e in self.0.entities() {
            for n in &e.names {
                let c: Vec<String> = normalize_name(&n.value)
                    .split(' ')
                    .map(String::from)
                    .collect();
                let common = q.iter().filter(|t| c.contains(t)).count();
                let union = q.len() + c.len() - common;
                let score = common as f64 / union.max(1) as f64;
                if score >= 0.5 {
                    out.push(NameLink {
                        entity_id: e.id.clone(),
                        score,
                        matched_name: n.value.clone(),
                        explanation: format!("{common} of {union} tokens shared"),
                    });
                }
            }
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out
    }
}

struct Scenario {
    name: &'static str,
    security: &'static str,
    side: Side,
    at: &'static str,
    expect: Outcome,
    alternative: Option<Outcome>,
    /// A string the decision (rules, events, notes, serialized) must contain.
    evidence: &'static str,
    basis: &'static str,
}

use Outcome::*;
use Side::*;

#[allow(clippy::too_many_arguments)]
const fn s(
    name: &'static str,
    security: &'static str,
    side: Side,
    at: &'static str,
    expect: Outcome,
    alternative: Option<Outcome>,
    evidence: &'static str,
    basis: &'static str,
) -> Scenario {
    Scenario {
        name,
        security,
        side,
        at,
        expect,
        alternative,
        evidence,
        basis,
    }
}

const SCENARIOS: &[Scenario] = &[
    // Xiaomi: listed 2021-01-14, enjoined 2021-03-12, vacated 2021-05-25.
    s("xiaomi before listing", "1810 HK", Buy, "2021-01-13 10:00", NotCovered, None, "not listed",
      "DoD tranche 5 released 2021-01-14"),
    s("xiaomi listed, not yet effective", "1810 HK", Buy, "2021-03-11 10:00", Allowed, None, "prohibitions begin only at 2021-03-15",
      "EO 13959 s.1(a)(ii): 09:30 on listing + 60 days (2021-03-15)"),
    s("xiaomi after the injunction", "1810 HK", Buy, "2021-03-16 10:00", Allowed, None, "E2021-03-12-xiaomi-injunction",
      "D.D.C. preliminary injunction 2021-03-12; OFAC FAQ 880"),
    s("xiaomi by name after the injunction", "Xiaomi Corporation", Buy, "2021-04-01 10:00", Allowed, None, "preliminary injunction",
      "Injunction suspends effect until further order"),
    s("xiaomi after the vacatur", "1810 HK", Buy, "2021-05-26 10:00", NotCovered, None, "E2021-05-25-xiaomi-vacatur",
      "D.D.C. vacatur 2021-05-25 (FAQ 896): designation as if never made"),
    s("xiaomi in the gap", "1810 HK", Buy, "2021-07-01 10:00", NotCovered, None, "vacated",
      "EO 14032 revoked the CCMC regime; Xiaomi never on NS-CMIC"),
    // Luokung: misspelled 'Luokong' listing 2021-01-14, corrected re-listing 2021-03-09, injunction 2021-05-05.
    s("luokung under the misspelled listing", "LKCO US", Buy, "2021-03-01 10:00", Allowed, None, "2021-03-15",
      "Misspelled listing of 2021-01-14 would take effect 2021-03-15"),
    s("luokung after the re-listing, old date passed", "LKCO US", Buy, "2021-03-16 10:00", Allowed, None, "2021-05-08",
      "FAQ 881: corrected re-listing 2021-03-09 restarts the clock, effect 2021-05-08"),
    s("luokung re-listing cited", "LKCO US", Sell, "2021-04-20 10:00", Allowed, None, "2021-03-09",
      "Clock from the corrected re-listing, not the misspelled entry"),
    s("luokung after the injunction", "LKCO US", Buy, "2021-05-06 10:00", Allowed, None, "E2021-05-05-luokung-injunction",
      "D.D.C. preliminary injunction 2021-05-05 (FAQ 893)"),
    s("luokung on its scheduled date, enjoined", "LKCO US", Buy, "2021-05-10 10:00", Allowed, None, "preliminary injunction",
      "Prohibitions scheduled 2021-05-08 never took effect"),
    // EO 13959 Annex: 09:30 EST 2021-01-11.
    s("hikvision one second before the annex instant", "CNE100000PM8", Buy, "2021-01-11 09:29:59", Allowed, None, "2021-01-11 09:30:00 EST",
      "EO 13959 s.1(a)(i): from 09:30 EST 2021-01-11"),
    s("hikvision at the annex instant", "CNE100000PM8", Buy, "2021-01-11 09:30:00", Prohibited, None, "purchase prohibited",
      "EO 13959 s.1(a)(i): inclusive at 09:30:00 EST"),
    s("hikvision sale before EO 13974", "CNE100000PM8", Sell, "2021-01-12 10:00", Allowed, None, "not prohibited before 2021-01-13",
      "EO 13959 as first made barred purchases only"),
    s("hikvision divestment sale under EO 13974", "CNE100000PM8", Sell, "2021-02-01 10:00", PermittedDivestment, None, "divest",
      "EO 13959 s.1(b) as amended by EO 13974: divestment until 2021-11-11"),
    s("hikvision holding under EO 13959", "CNE100000PM8", Hold, "2021-02-01 10:00", Allowed, None, "never took effect",
      "Possession ban never took effect (EO 14032 s.4)"),
    s("shenzhen morning is the US evening before", "002415 CN", Buy, "2021-01-11 10:00 Asia/Shanghai", Allowed, None, "2021-01-10 21:00:00 EST",
      "Trade instant converted to US Eastern: 21:00 EST 2021-01-10"),
    s("shenzhen evening is the US morning", "002415 CN", Buy, "2021-01-11 23:00 Asia/Shanghai", Prohibited, None, "2021-01-11 10:00:00 EST",
      "23:00 CST = 10:00 EST 2021-01-11, after 09:30 EST"),
    s("smic under its tranche-4 date", "KYG8020E1199", Buy, "2021-02-01 09:30", Prohibited, None, "2021-02-01 09:30:00 EST",
      "EO 13959 s.1(a)(ii): tranche 4 from 09:30 2021-02-01"),
    s("china mobile under its NS-CCMC listing", "US16941M1099", Buy, "2021-03-10 10:00", Prohibited, None, "us_ofac_ns_ccmc:china-mobile-limited",
      "OFAC NS-CCMC listing 2021-01-08, effect 09:30 ET 2021-03-09 (GL 1B note)"),
    s("china mobile before its NS-CCMC date", "US16941M1099", Buy, "2021-03-09 09:29:59", Allowed, None, "2021-03-09 09:30:00 EST",
      "NS-CCMC subsidiaries: 60 days after listing"),
    // EST/EDT: tranche 5 on 2021-03-15, after the switch to daylight time.
    s("amec between the two readings of 09:30", "Advanced Micro-Fabrication Equipment Inc.", Buy, "2021-03-15 10:00", Prohibited, Some(Allowed), "10:30:00 EDT",
      "EO 13959 says 09:30 eastern standard time (10:30 EDT); FAQ 857 says eastern time: earliest reading"),
    s("amec before either reading", "Advanced Micro-Fabrication Equipment Inc.", Buy, "2021-03-15 09:29:59", Allowed, None, "prohibitions begin only",
      "Before 09:30 EDT on 2021-03-15"),
    s("amec after both readings", "Advanced Micro-Fabrication Equipment Inc.", Buy, "2021-03-15 10:30", Prohibited, None, "purchase prohibited",
      "After 09:30 EST = 10:30 EDT"),
    // 2021-06-03 and the gap to 2021-08-02.
    s("hikvision on 2021-06-03 itself", "CNE100000PM8", Buy, "2021-06-03 12:00", Prohibited, Some(Allowed), "end of the regime",
      "EO 14032 signing time unknown: conservative reading keeps EO 13959 for the day"),
    s("hikvision in the gap (annex name)", "CNE100000PM8", Buy, "2021-07-01 10:00", Allowed, None, "2021-08-02 00:01:00 EDT",
      "EO 14032: no prohibition until 00:01 EDT 2021-08-02"),
    s("three gorges in the gap (1237-only)", "China Three Gorges Corporation Limited", Buy, "2021-07-01 10:00", NotCovered, None, "regime ended",
      "CCMC regime ended 2021-06-03; not on NS-CMIC"),
    // EO 14032 Annex: 00:01 EDT 2021-08-02, divestment prior to 00:01 EDT 2022-06-03.
    s("china mobile adr the evening before", "US16941M1099", Buy, "2021-08-01 23:59:59", Allowed, None, "2021-08-02 00:01:00 EDT",
      "EO 14032 s.1(b)(i)"),
    s("china mobile adr at 00:00:59", "US16941M1099", Buy, "2021-08-02 00:00:59", Allowed, None, "prohibitions begin only",
      "Before 00:01:00 EDT"),
    s("china mobile adr at 00:01:00", "US16941M1099", Buy, "2021-08-02 00:01:00", Prohibited, None, "purchase prohibited",
      "EO 14032 s.1(b)(i): inclusive at 00:01 EDT"),
    s("hong kong morning of 2021-08-02", "941 HK", Buy, "2021-08-02 09:30 Asia/Hong_Kong", Allowed, None, "2021-08-01 21:30:00 EDT",
      "09:30 HKT = 21:30 EDT the day before"),
    s("smic by zero-padded hong kong ticker", "00981 HK", Buy, "2021-08-02 00:01", Prohibited, None, "purchase prohibited",
      "EO 14032 Annex; ticker 00981 HK = 981 HK"),
    s("hikvision divestment sale in the window", "CNE100000PM8", Sell, "2021-09-01 10:00", PermittedDivestment, None, "2022-06-03 00:01:00 EDT",
      "EO 14032 s.1(c)(i)"),
    s("hikvision buy in the window", "CNE100000PM8", Buy, "2021-09-01 10:00", Prohibited, None, "purchase prohibited",
      "EO 14032 s.1(b)(i)"),
    s("china mobile sale at 00:00:59 on the closing day", "US16941M1099", Sell, "2022-06-03 00:00:59", PermittedDivestment, None, "divest",
      "Divestment allowed prior to 00:01 EDT 2022-06-03"),
    s("china mobile sale at 00:01:00 on the closing day", "US16941M1099", Sell, "2022-06-03 00:01:00", Prohibited, None, "divestment window closed",
      "EO 14032 s.1(c)(i); FAQ 1046: licence needed"),
    s("china mobile sale after the window", "US16941M1099", Sell, "2023-01-10 10:00", Prohibited, None, "licence",
      "FAQ 1046"),
    s("china mobile holding after the window", "US16941M1099", Hold, "2023-01-10 10:00", Allowed, None, "FAQ 1046",
      "Possession not prohibited (FAQ 1046)"),
    // SenseTime: listed 2021-12-10, effective 2022-02-08, divestment until 2022-12-10 (EO says EDT).
    s("sensetime before listing", "SenseTime Group Limited", Buy, "2021-12-09 10:00", NotCovered, None, "not listed",
      "OFAC listing 2021-12-10"),
    s("sensetime listed, not effective", "SenseTime Group Limited", Buy, "2021-12-20 10:00", Allowed, None, "2022-02-08",
      "EO 14032 s.1(b)(ii): listing + 60 days"),
    s("sensetime between EDT and EST readings", "SenseTime Group Limited", Buy, "2022-02-07 23:30", Prohibited, Some(Allowed), "2022-02-07 23:01:00 EST",
      "'12:01 a.m. eastern daylight time' in February = 23:01 EST the day before: earliest reading"),
    s("sensetime at 00:01 EST", "SenseTime Group Limited", Buy, "2022-02-08 00:01", Prohibited, None, "purchase prohibited",
      "Both readings passed"),
    s("sensetime sale at the EDT close", "SenseTime Group Limited", Sell, "2022-12-09 23:30", Prohibited, Some(PermittedDivestment), "divestment window",
      "Divestment closes 00:01 'EDT' 2022-12-10 = 23:01 EST 2022-12-09 under the literal reading"),
    s("sensetime sale before both closes", "SenseTime Group Limited", Sell, "2022-12-09 22:00", PermittedDivestment, None, "divest",
      "EO 14032 s.1(c)(ii)"),
    // Derivatives and funds.
    s("option on the china mobile adr", "CHL 210917C40", Buy, "2021-09-01 10:00", Prohibited, None, "option on US16941M1099",
      "EO 14032 s.1(a): derivatives of covered securities"),
    s("option on the china mobile adr in the gap", "CHL 210917C40", Buy, "2021-07-01 10:00", Allowed, None, "option on US16941M1099",
      "Underlying not yet effective"),
    s("etf holding the china mobile adr", "US46429B6719", Buy, "2021-09-01 10:00", Prohibited, None, "fund holding US16941M1099",
      "FAQs 859-861: exposure instruments; policy threshold 0 (any exposure)"),
    s("etf holding it before effect", "US46429B6719", Buy, "2021-07-01 10:00", Allowed, None, "Fund look-through",
      "Holding not yet effective"),
    // 1260H only.
    s("tencent after its 1260H listing", "Tencent Holdings Limited", Buy, "2025-02-01 10:00", NotCovered, None, "procurement",
      "1260H: no investment effect; FY2024 NDAA s.805 procurement bars"),
    s("catl after its 1260H listing", "Contemporary Amperex Technology Co., Ltd.", Buy, "2025-02-01 10:00", NotCovered, None, "2026-06-30",
      "1260H: procurement note only"),
    s("crcc removed from 1260H, still NS-CMIC", "CNE1000009T1", Buy, "2025-02-01 10:00", Prohibited, None, "CMIC-EO14032",
      "Removal from 1260H does not lift NS-CMIC"),
    // Blocking.
    s("sdn security", "RU000A0JP5V6", Buy, "2023-01-10 10:00", Blocked, None, "blocked person",
      "IEEPA blocking of SDN property"),
    s("sdn security held", "RU000A0JP5V6", Hold, "2023-01-10 10:00", Blocked, None, "reported to OFAC",
      "Blocked property may not be dealt in"),
    // Nothing.
    s("unlisted issuer", "US0378331005", Buy, "2023-01-10 10:00", NotCovered, None, "No listed issuer",
      "Apple is on no list"),
];

fn run(sc: &Scenario, book: &LawBook, sm: &SecurityMaster) -> TradeDecision {
    let at = parse_instant(sc.at).unwrap();
    let t = TradeCheck::new(SecurityRef::parse(sc.security), sc.side, at);
    check_trade(book, sm, &NoResolver, &t)
}

#[test]
fn dated_scenarios() {
    assert!(SCENARIOS.len() >= 40, "{} scenarios", SCENARIOS.len());
    let book = book();
    let sm = master();
    let mut failures = Vec::new();
    for sc in SCENARIOS {
        assert!(!sc.basis.is_empty());
        let d = run(sc, &book, &sm);
        let json = serde_json::to_string(&d).unwrap();
        let alt = d.alternative.as_ref().map(|a| a.outcome);
        if d.outcome != sc.expect || alt != sc.alternative || !json.contains(sc.evidence) {
            failures.push(format!(
                "{} ({}): expected {:?} alt {:?} with '{}', got {:?} alt {:?}\n  {}",
                sc.name,
                sc.basis,
                sc.expect,
                sc.alternative,
                sc.evidence,
                d.outcome,
                alt,
                serde_json::to_string_pretty(&d).unwrap()
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
fn decision_reports_eastern_instant_and_rule() {
    let book = book();
    let sm = master();
    let d = run(&SCENARIOS[2], &book, &sm);
    assert_eq!(d.at_eastern, "2021-03-16 10:00:00 EDT");
    let f = &d.findings[0];
    assert_eq!(f.program, "CCMC-EO13959");
    assert_eq!(f.entity_id.as_str(), "us_dod_1237:xiaomi-corporation");
    assert!(f.events.iter().any(|e| e.kind == "injunction"));
    assert!(f.citation.contains("source of E2021-03-12"));
}

#[test]
fn cmic_program_tag_is_mapped_and_1260h_gives_a_note() {
    let book = book();
    let sm = master();
    let t = TradeCheck::new(
        SecurityRef::isin("CNE100000PM8"),
        Buy,
        parse_instant("2025-02-01 10:00").unwrap(),
    );
    let d = check_trade(&book, &sm, &NoResolver, &t);
    assert_eq!(d.outcome, Prohibited);
    let programs: Vec<&str> = d.findings.iter().map(|f| f.program.as_str()).collect();
    assert!(programs.contains(&"CMIC-EO14032"), "{programs:?}");
    assert!(programs.contains(&"CCMC-EO13959"), "{programs:?}");
    let cmic = d
        .findings
        .iter()
        .find(|f| f.program == "CMIC-EO14032")
        .unwrap();
    assert_eq!(cmic.program_tag, "CMIC-EO13959");
    // Tencent: 1260H note, never a prohibition.
    let t = TradeCheck::new(
        SecurityRef::name("Tencent Holdings Limited"),
        Sell,
        parse_instant("2027-07-01 10:00").unwrap(),
    );
    let d = check_trade(&book, &sm, &NoResolver, &t);
    assert_eq!(d.outcome, NotCovered);
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("in force since 2027-06-30")),
        "{:?}",
        d.notes
    );
}

#[test]
fn fund_threshold_is_a_policy() {
    let book = book();
    let sm = master();
    let t = TradeCheck::new(
        SecurityRef::isin("US46429B6719"),
        Buy,
        parse_instant("2021-09-01 10:00").unwrap(),
    );
    let strict = check_trade(&book, &sm, &NoResolver, &t);
    assert_eq!(strict.outcome, Prohibited);
    let lax = Policy {
        fund_threshold: 0.05,
        ..Policy::default()
    };
    let d = check_trade_with(&book, &sm, &NoResolver, &t, &lax);
    assert_eq!(d.outcome, Allowed);
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("2.50%") && n.contains("5.00%")),
        "{:?}",
        d.notes
    );
    match &d.security.look_through {
        Some(embargo_law::LookThrough::Fund {
            exposure,
            restricted,
            ..
        }) => {
            assert!((exposure - 0.025).abs() < 1e-9);
            assert!(!restricted);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_us_person_is_not_prohibited() {
    let book = book();
    let sm = master();
    let mut t = TradeCheck::new(
        SecurityRef::isin("US16941M1099"),
        Buy,
        parse_instant("2021-09-01 10:00").unwrap(),
    );
    t.us_person = false;
    assert_eq!(check_trade(&book, &sm, &NoResolver, &t).outcome, Allowed);
    t.security = SecurityRef::isin("RU000A0JP5V6");
    t.at = parse_instant("2023-01-10 10:00").unwrap();
    assert_eq!(check_trade(&book, &sm, &NoResolver, &t).outcome, Allowed);
}

#[test]
fn close_match_names_under_faq_864_and_general_licences() {
    let book = book();
    let sm = master();
    let resolver = TokenResolver(&book);
    // "China Mobile Communications Corp": a close (not exact) match of the
    // listed "China Mobile Communications Group".
    let name = SecurityRef::name("China Mobile Communications Corp Group Holdings");
    let at = |s: &str| parse_instant(s).unwrap();
    let d = check_trade(
        &book,
        &sm,
        &resolver,
        &TradeCheck::new(name.clone(), Buy, at("2021-02-01 10:00")),
    );
    assert_eq!(d.outcome, Allowed, "{d:#?}");
    let f = d
        .findings
        .iter()
        .find(|f| f.program == "CCMC-EO13959")
        .unwrap();
    assert!(f.rule.contains("GL 1A"), "{}", f.rule);
    assert!(f.events.iter().any(|e| e.id == "E2021-01-27-gl1a"));
    // After 2021-08-02 EO 14032 has no close-match rule.
    let d = check_trade(
        &book,
        &sm,
        &resolver,
        &TradeCheck::new(name, Buy, at("2021-09-01 10:00")),
    );
    assert_eq!(d.outcome, NotCovered);
}

#[test]
fn portfolio_and_reports() {
    let book = book();
    let sm = master();
    let csv = "position_id,isin,ticker,market,name,quantity,held_since\n\
               P1,US16941M1099,,,,1000,2020-05-01\n\
               P2,,1810,HK,,500,\n\
               P3,,,,Tencent Holdings Limited,10,\n\
               P4,US46429B6719,,,,20,\n\
               P5,US0378331005,,,,1,\n";
    let positions = embargo_law::parse_positions_csv("book.csv", csv.as_bytes()).unwrap();
    let at = parse_instant("2021-09-01 10:00").unwrap();
    let r =
        embargo_law::screen_portfolio(&book, &sm, &NoResolver, &positions, at, &Policy::default());
    assert_eq!(r.positions.len(), 5);
    let p1 = &r.positions[0];
    assert_eq!(
        (p1.buy.outcome, p1.sell.outcome, p1.hold.outcome),
        (Prohibited, PermittedDivestment, Allowed)
    );
    assert_eq!(r.summary.by_outcome["buy"]["prohibited"], 2);
    assert_eq!(r.summary.by_program["CMIC-EO14032"]["prohibited"], 2);

    let ctx = embargo_law::report::ReportContext {
        title: "Book <A> & co".into(),
        data_versions: vec!["us_ofac_cons 2025-12-19".into()],
        generated_at: "2026-06-10T12:00:00Z".into(),
    };
    let html = embargo_law::report::to_html(&r, &ctx);
    assert!(html.contains("Book &lt;A&gt; &amp; co"));
    assert!(html.contains("us_ofac_cons 2025-12-19"));
    assert!(html.contains("2021-09-01 10:00:00 EDT"));
    assert!(html.contains("any exposure"));
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"));
    let csv_out = embargo_law::report::to_csv(&r).unwrap();
    assert_eq!(csv_out.lines().count(), 6);
    assert!(csv_out
        .lines()
        .nth(1)
        .unwrap()
        .contains("prohibited,permitted_divestment,allowed"));
    let json = embargo_law::report::to_json(&r, &ctx).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["report"]["positions"][0]["buy"]["outcome"], "prohibited");
}
