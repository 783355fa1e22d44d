//! Versions, diffs and histories on the real OFAC exports: the
//! Consolidated list of 2025-03, 2025-04 and 2025-12, and the SDN list of
//! 2019 and 2021-07. The expected changes were read from the CSV files.

use chrono::NaiveDate;
use embargo_model::{EntityId, RawFile};
use embargo_sources::ofac::{self, OfacList};
use embargo_store::{
    Diff, EntityChange, ImportMeta, ListVersion, RevisionChange, SqliteStore, Store, VersionSel,
};

const CONS: &str = "us_ofac_cons";
const SDN: &str = "us_ofac_sdn";

fn files(dir: &str) -> Vec<RawFile> {
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ofac/");
    let mut out: Vec<RawFile> = std::fs::read_dir(format!("{base}{dir}"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            RawFile::new(name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn import(store: &mut SqliteStore, list: OfacList, dir: &str, published: &str) -> ListVersion {
    let f = files(dir);
    let ds = ofac::parse(list, &f).unwrap();
    let meta = ImportMeta::new("import").published(date(published));
    let outcome = store.import(&ds, &f, meta).unwrap();
    assert!(outcome.is_created(), "{dir} was not new");
    outcome.version().clone()
}

fn changed<'a>(d: &'a Diff, id: &str) -> &'a EntityChange {
    d.changed
        .iter()
        .find(|c| c.id.as_str() == id)
        .unwrap_or_else(|| panic!("{id} not among the changed entities"))
}

fn field<'a>(c: &'a EntityChange, name: &str) -> (&'a [String], &'a [String]) {
    let f = c
        .fields
        .iter()
        .find(|f| f.field == name)
        .unwrap_or_else(|| panic!("{}: no change in {name}: {:?}", c.id, c.fields));
    (&f.added, &f.removed)
}

fn consolidated() -> (SqliteStore, [ListVersion; 3]) {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let v1 = import(&mut store, OfacList::Cons, "cons_2025-03", "2025-03-26");
    let v2 = import(&mut store, OfacList::Cons, "cons_2025-04", "2025-04-21");
    let v3 = import(&mut store, OfacList::Cons, "cons_2025-12", "2025-12-19");
    (store, [v1, v2, v3])
}

#[test]
fn consolidated_march_to_april() {
    let (store, [v1, v2, _]) = consolidated();
    assert_eq!((v1.entity_count, v2.entity_count), (443, 443));
    let d = store.diff(CONS, v1.id, v2.id).unwrap();
    assert!(d.added.is_empty() && d.removed.is_empty());

    // The one primary-file change: HAMMAD's remarks gained a secondary
    // sanctions risk.
    let hammad = changed(&d, "us_ofac_cons:9659");
    assert_eq!(hammad.caption, "HAMMAD, Fathi Ahmad Mohammad");
    let (added, removed) = field(hammad, "remarks");
    assert_eq!(removed, ["DOB 1961; POB Jabaliya, Gaza Strip."]);
    assert_eq!(
        added,
        [
            "DOB 1961; POB Jabaliya, Gaza Strip; Secondary sanctions risk: section 1(b) of \
          Executive Order 13224, as amended by Executive Order 13886."
        ]
    );
    let remarks_changes = d
        .changed
        .iter()
        .filter(|c| c.fields.iter().any(|f| f.field == "remarks"))
        .count();
    assert_eq!(remarks_changes, 1);

    // The March copy has no address file, the April one has: every other
    // change is addresses (and their countries) appearing, nothing removed.
    for c in d
        .changed
        .iter()
        .filter(|c| c.id.as_str() != "us_ofac_cons:9659")
    {
        for f in &c.fields {
            assert!(
                ["addresses", "countries"].contains(&f.field.as_str()),
                "{}: {f:?}",
                c.id
            );
            assert!(f.removed.is_empty(), "{}: {f:?}", c.id);
        }
    }
    let rosneft = changed(&d, "us_ofac_cons:17022");
    let (added, _) = field(rosneft, "addresses");
    assert_eq!(added, ["26/1 Sofiyskaya Embankment, Moscow 115035, Russia"]);
    assert_eq!(field(rosneft, "countries").0, ["ru"]);
    assert_eq!(d.changed.len() + d.unchanged, 443);
}

#[test]
fn consolidated_april_to_december() {
    let (store, [_, v2, v3]) = consolidated();
    assert_eq!(v3.entity_count, 442);
    let d = store.diff(CONS, v2.id, v3.id).unwrap();
    assert!(d.added.is_empty());
    assert_eq!(d.removed.len(), 1);
    let gone = &d.removed[0];
    assert_eq!(gone.id.as_str(), "us_ofac_cons:26182");
    assert_eq!(gone.caption, "KAYAKIRAN, Evren");
    assert_eq!(gone.programs, ["FSE-IR"]);

    // Eleven Rosneft/Lukoil entities were added to RUSSIA-EO14024;
    // Rosoboroneksport lost SYRIA.
    let programs: Vec<(&str, &[String], &[String])> = d
        .changed
        .iter()
        .filter_map(|c| {
            let f = c.fields.iter().find(|f| f.field == "programs")?;
            Some((c.id.as_str(), f.added.as_slice(), f.removed.as_slice()))
        })
        .collect();
    assert_eq!(programs.len(), 12);
    for (id, added, removed) in &programs {
        if *id == "us_ofac_cons:18782" {
            assert!(added.is_empty());
            assert_eq!(*removed, ["SYRIA"]);
        } else {
            assert_eq!(*added, ["RUSSIA-EO14024"], "{id}");
            assert!(removed.is_empty(), "{id}");
        }
    }
    assert!(programs.iter().any(|p| p.0 == "us_ofac_cons:17248"));
    let rosneft = changed(&d, "us_ofac_cons:17022");
    assert_eq!(
        rosneft.caption,
        "OPEN JOINT-STOCK COMPANY ROSNEFT OIL COMPANY"
    );
    // The December export has an alt-name file: the aliases arrive.
    assert!(field(rosneft, "names")
        .0
        .contains(&"ROSNEFT (alias)".to_string()));
    assert!(field(rosneft, "remarks").0[0].contains("See Section 11 of Executive Order 14024"));
    assert_eq!(d.changed.len() + d.unchanged, 442);
}

#[test]
fn consolidated_point_in_time_and_history() {
    let (mut store, [v1, v2, v3]) = consolidated();
    let at = |d: &str| {
        store
            .resolve(CONS, &VersionSel::AsOf(date(d)))
            .unwrap()
            .map(|v| v.id)
    };
    assert_eq!(at("2025-03-25"), None);
    assert_eq!(at("2025-04-01"), Some(v1.id));
    assert_eq!(at("2025-06-30"), Some(v2.id));
    assert_eq!(at("2026-01-01"), Some(v3.id));

    let kayakiran = EntityId::new(CONS, "26182");
    assert!(store
        .entity(&kayakiran, &VersionSel::Latest)
        .unwrap()
        .is_none());
    let (e, v) = store
        .entity(&kayakiran, &VersionSel::AsOf(date("2025-05-01")))
        .unwrap()
        .unwrap();
    assert_eq!((e.caption(), v.id), ("KAYAKIRAN, Evren", v2.id));
    let steps: Vec<(u32, bool)> = store
        .history(&kayakiran)
        .unwrap()
        .iter()
        .map(|r| (r.version.seq, matches!(r.change, RevisionChange::Removed)))
        .collect();
    assert_eq!(steps.first(), Some(&(1, false)));
    assert_eq!(steps.last(), Some(&(3, true)));

    let hammad = store.history(&EntityId::new(CONS, "9659")).unwrap();
    assert_eq!(hammad.len(), 3);
    assert_eq!(hammad[0].change, RevisionChange::Added);
    let RevisionChange::Changed { fields } = &hammad[1].change else {
        panic!("{:?}", hammad[1].change)
    };
    assert!(fields.iter().any(|f| f.field == "remarks"));
    let RevisionChange::Changed { fields } = &hammad[2].change else {
        panic!("{:?}", hammad[2].change)
    };
    assert!(fields.iter().any(|f| f.field == "names"));

    // The December files again: nothing to do.
    let f = files("cons_2025-12");
    let ds = ofac::parse(OfacList::Cons, &f).unwrap();
    let outcome = store.import(&ds, &f, ImportMeta::new("update")).unwrap();
    assert!(!outcome.is_created());
    assert_eq!(outcome.version(), &v3);
}

#[test]
fn sdn_2019_to_2021() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let v1 = import(&mut store, OfacList::Sdn, "sdn_2019", "2019-06-01");
    let v2 = import(&mut store, OfacList::Sdn, "sdn_2021-07", "2021-07-01");
    let d = store.diff(SDN, v1.id, v2.id).unwrap();
    // Counted on the ent_num columns of the two sdn.csv files.
    assert_eq!(d.added.len(), 1858);
    assert_eq!(d.removed.len(), 261);
    assert_eq!(
        d.changed.len() + d.unchanged + d.removed.len(),
        v1.entity_count as usize
    );
    assert_eq!(
        d.changed.len() + d.unchanged + d.added.len(),
        v2.entity_count as usize
    );

    let rosneft = d
        .added
        .iter()
        .find(|e| e.id.as_str() == "us_ofac_sdn:18299")
        .unwrap();
    assert_eq!(rosneft.caption, "ROSNEFT TRADING S.A.");
    assert_eq!(rosneft.programs, ["UKRAINE-EO13662", "VENEZUELA-EO13850"]);
    let cruz = d
        .removed
        .iter()
        .find(|e| e.id.as_str() == "us_ofac_sdn:587")
        .unwrap();
    assert_eq!(
        (cruz.caption.as_str(), cruz.programs.as_slice()),
        ("CRUZ, Juan M. de la", &["CUBA".to_string()][..])
    );

    // SDT was folded into SDGT.
    let abbas = changed(&d, "us_ofac_sdn:2674");
    assert_eq!(abbas.caption, "ABBAS, Abu");
    assert_eq!(
        field(abbas, "programs"),
        (&["SDGT".to_string()][..], &["SDT".to_string()][..])
    );
    let zawahiri = changed(&d, "us_ofac_sdn:2676");
    let (added, removed) = field(zawahiri, "programs");
    assert!(added.is_empty());
    assert_eq!(removed, ["SDT"]);

    // Membership alone, in source order.
    let ids = store.entity_ids(v1.id).unwrap();
    assert_eq!(ids.len(), 7379);
    assert_eq!(ids.last().unwrap().as_str(), "us_ofac_sdn:26235");
    assert!(ids.iter().any(|i| i.as_str() == "us_ofac_sdn:587"));
    assert!(!store
        .entity_ids(v2.id)
        .unwrap()
        .iter()
        .any(|i| i.as_str() == "us_ofac_sdn:587"));

    // Each list keeps its own versions.
    let lists = store.lists().unwrap();
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].latest, v2);
    assert_eq!(lists[0].as_of, Some(date("2021-07-01")));
}
