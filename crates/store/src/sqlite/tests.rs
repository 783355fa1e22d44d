use super::*;
use chrono::{NaiveTime, TimeDelta};
use embargo_model::{Designation, EventKind, IdKind, Identifier, NameKind, Schema, ZonedTime};

const L: &str = "us_ofac_cons";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn company(key: &str, name: &str, program: &str) -> Entity {
    let mut e = Entity::new(EntityId::new(L, key), Schema::Company, name);
    let mut d = Designation::new(L, program);
    d.listed_on = Some(date("2021-06-03"));
    e.designations.push(d);
    e
}

fn dataset(entities: Vec<Entity>) -> Dataset {
    let mut ds = Dataset::new(L);
    ds.entities = entities;
    ds
}

fn base_entities() -> Vec<Entity> {
    let mut mobile = company("30923", "CHINA MOBILE LIMITED", "CMIC-EO13959");
    mobile
        .identifiers
        .push(Identifier::new(IdKind::Isin, "US16941M1099"));
    mobile
        .identifiers
        .push(Identifier::ticker("941", Some("HK")));
    vec![
        mobile,
        company("30924", "CHINA TELECOM CORPORATION LIMITED", "CMIC-EO13959"),
        company("9", "HUAWEI INVESTMENT", "CMIC-EO13959"),
    ]
}

fn meta(published: &str) -> ImportMeta {
    ImportMeta::new("import").published(date(published))
}

fn created(o: ImportOutcome) -> (ListVersion, DiffSummary) {
    match o {
        ImportOutcome::Created { version, summary } => (version, summary),
        ImportOutcome::Unchanged { existing } => panic!("unchanged at {existing:?}"),
    }
}

fn import_entities(store: &mut SqliteStore, entities: Vec<Entity>, published: &str) -> ListVersion {
    created(
        store
            .import(&dataset(entities), &[], meta(published))
            .unwrap(),
    )
    .0
}

fn count(store: &SqliteStore, table: &str) -> i64 {
    store
        .conn
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Everything observable about the list data, to compare before/after.
fn snapshot(store: &SqliteStore) -> (Vec<ListSummary>, Vec<ListVersion>, [i64; 5]) {
    (
        store.lists().unwrap(),
        store.versions(L).unwrap(),
        [
            count(store, "list_version"),
            count(store, "version_file"),
            count(store, "entity_blob"),
            count(store, "version_entity"),
            count(store, "version_event"),
        ],
    )
}

#[test]
fn opens_with_schema_and_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            sql::MIGRATIONS.len() as i64
        );
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        import_entities(&mut store, base_entities(), "2025-03-26");
    }
    // Reopening keeps the data and does not re-run migrations.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.versions(L).unwrap().len(), 1);
    assert!(store.integrity_check().unwrap().is_empty());
    store.conn.pragma_update(None, "user_version", 99).unwrap();
    drop(store);
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
}

#[test]
fn versions_counts_and_noop_reimport() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let files = [
        RawFile::new("data/cons_prim.csv", "prim v1"),
        RawFile::new("data/cons_alt.csv", "alt v1"),
    ];
    let mut ds = dataset(base_entities());
    ds.published = Some(date("2025-03-26"));
    ds.events.push(LifecycleEvent {
        id: "E1".into(),
        kind: EventKind::EffectStart,
        at: ZonedTime::at(
            date("2021-08-02"),
            NaiveTime::from_hms_opt(0, 1, 0).unwrap(),
            "EDT",
        ),
        subject: "(all)".into(),
        entities: vec![],
        programs: vec!["CMIC-EO13959".into()],
        title: "EO 14032 prohibitions".into(),
        effect: "purchases prohibited".into(),
        source: "EO 14032".into(),
    });
    let (v1, s1) = created(
        store
            .import(&ds, &files, ImportMeta::new("bundled"))
            .unwrap(),
    );
    assert_eq!(v1.seq, 1);
    assert_eq!(
        v1.published,
        Some(date("2025-03-26")),
        "falls back to the dataset's date"
    );
    assert_eq!(v1.source, "bundled");
    assert_eq!(v1.entity_count, 3);
    assert_eq!(v1.designation_count, 3);
    assert_eq!(v1.name_count, 3);
    assert_eq!(v1.identifier_count, 2);
    assert_eq!(v1.event_count, 1);
    assert_eq!(v1.files.len(), 2);
    assert_eq!(v1.files[0].0, "data/cons_prim.csv");
    assert_eq!(v1.files[0].2, 7);
    assert_eq!(
        v1.sha256,
        content::content_sha256(&content::file_digests(&files))
    );
    assert_eq!(
        s1,
        DiffSummary {
            from: None,
            to: v1.id,
            added: 3,
            removed: 0,
            changed: 0,
            unchanged: 0
        }
    );
    assert_eq!(store.events(v1.id).unwrap(), ds.events);
    let names: Vec<String> = store
        .entities(v1.id)
        .unwrap()
        .iter()
        .map(|e| e.caption().to_string())
        .collect();
    assert_eq!(names[0], "CHINA MOBILE LIMITED", "source order is kept");
    assert_eq!(store.entities(v1.id).unwrap(), ds.entities);

    // The same files again, from another directory: nothing happens.
    let again = [
        RawFile::new("/elsewhere/cons_alt.csv", "alt v1"),
        RawFile::new("/elsewhere/cons_prim.csv", "prim v1"),
    ];
    let before = snapshot(&store);
    match store
        .import(&ds, &again, ImportMeta::new("update"))
        .unwrap()
    {
        ImportOutcome::Unchanged { existing } => assert_eq!(existing, v1),
        other => panic!("expected unchanged, got {other:?}"),
    }
    assert_eq!(snapshot(&store), before);

    // New content: version 2.
    let files2 = [RawFile::new("cons_prim.csv", "prim v2")];
    let mut ds2 = dataset(base_entities()[..2].to_vec());
    ds2.entities[1].add_country("cn");
    let (v2, s2) = created(store.import(&ds2, &files2, meta("2025-04-21")).unwrap());
    assert_eq!(v2.seq, 2);
    assert_eq!(
        (s2.added, s2.removed, s2.changed, s2.unchanged),
        (0, 1, 1, 1)
    );
    assert_eq!(s2.from, Some(v1.id));

    // Back to version 1's content: a new version, since the list went back.
    let (v3, s3) = created(
        store
            .import(&ds, &files, ImportMeta::new("import"))
            .unwrap(),
    );
    assert_eq!(v3.seq, 3);
    assert_eq!(v3.sha256, v1.sha256);
    assert_eq!(
        (s3.added, s3.removed, s3.changed, s3.unchanged),
        (1, 0, 1, 1)
    );

    let lists = store.lists().unwrap();
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].list, L);
    assert_eq!(lists[0].version_count, 3);
    assert_eq!(lists[0].latest, v3);
    assert_eq!(lists[0].entity_count, 3);
    assert_eq!(lists[0].as_of, Some(date("2025-03-26")));
    assert_eq!(store.versions(L).unwrap(), vec![v1, v2, v3]);
    assert!(store.versions("nope").unwrap().is_empty());
    // Unchanged entities are stored once: 3 + the changed telecom statement.
    assert_eq!(count(&store, "entity_blob"), 4);
    assert_eq!(count(&store, "version_entity"), 3 + 2 + 3);
}

#[test]
fn version_selection() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let mut ents = base_entities();
    let v1 = import_entities(&mut store, ents.clone(), "2025-03-26");
    ents[0].add_country("cn");
    let v2 = import_entities(&mut store, ents.clone(), "2025-04-21");
    ents[1].add_country("cn");
    let v3 = import_entities(&mut store, ents.clone(), "2025-12-19");
    // An older edition imported last.
    ents[2].add_country("cn");
    let v4 = import_entities(&mut store, ents.clone(), "2025-01-10");

    let at = |sel: VersionSel| store.resolve(L, &sel).unwrap().map(|v| v.seq);
    assert_eq!(at(VersionSel::Latest), Some(4));
    assert_eq!(at(VersionSel::Seq(2)), Some(2));
    assert_eq!(at(VersionSel::Seq(9)), None);
    assert_eq!(at(VersionSel::Id(v3.id)), Some(3));
    assert_eq!(at(VersionSel::Id(9999)), None);
    assert_eq!(at(VersionSel::AsOf(date("2025-01-09"))), None);
    assert_eq!(at(VersionSel::AsOf(date("2025-02-01"))), Some(4));
    assert_eq!(at(VersionSel::AsOf(date("2025-03-26"))), Some(1));
    assert_eq!(at(VersionSel::AsOf(date("2025-04-20"))), Some(1));
    assert_eq!(at(VersionSel::AsOf(date("2025-06-01"))), Some(2));
    assert_eq!(at(VersionSel::AsOf(date("2030-01-01"))), Some(3));
    assert!(store
        .resolve("other", &VersionSel::Latest)
        .unwrap()
        .is_none());
    assert!(store
        .resolve("other", &VersionSel::Id(v1.id))
        .unwrap()
        .is_none());
    assert_eq!(v4.as_of(), date("2025-01-10"));
    assert_eq!(v2.as_of(), date("2025-04-21"));

    // Without a publication date the import day counts.
    let mut other = Dataset::new("us_bis_dpl");
    other.entities.push(Entity::new(
        EntityId::new("us_bis_dpl", "1"),
        Schema::Person,
        "JOHN DOE",
    ));
    let v = created(
        store
            .import(&other, &[], ImportMeta::new("import"))
            .unwrap(),
    )
    .0;
    let today = Utc::now().date_naive();
    assert_eq!(v.published, None);
    assert_eq!(v.as_of(), v.imported_at.date_naive());
    let sel = |d| store.resolve("us_bis_dpl", &VersionSel::AsOf(d)).unwrap();
    assert_eq!(sel(today + TimeDelta::days(1)).map(|x| x.id), Some(v.id));
    assert!(sel(today - TimeDelta::days(2)).is_none());
}

#[test]
fn entity_at_a_version() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let mut ents = base_entities();
    let v1 = import_entities(&mut store, ents.clone(), "2025-03-26");
    ents[0].add_name("CHINA MOBILE LTD", NameKind::Alias);
    ents.remove(2);
    let v2 = import_entities(&mut store, ents.clone(), "2025-04-21");

    let mobile = EntityId::new(L, "30923");
    let (e, v) = store.entity(&mobile, &VersionSel::Latest).unwrap().unwrap();
    assert_eq!((e.names.len(), v.id), (2, v2.id));
    let (e, v) = store
        .entity(&mobile, &VersionSel::AsOf(date("2025-04-01")))
        .unwrap()
        .unwrap();
    assert_eq!((e.names.len(), v.id), (1, v1.id));
    let huawei = EntityId::new(L, "9");
    assert!(store
        .entity(&huawei, &VersionSel::Latest)
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .entity(&huawei, &VersionSel::Seq(1))
            .unwrap()
            .unwrap()
            .0
            .caption(),
        "HUAWEI INVESTMENT"
    );
    assert!(store
        .entity(&EntityId::new(L, "nope"), &VersionSel::Latest)
        .unwrap()
        .is_none());
    assert!(matches!(
        store.entities(4242),
        Err(StoreError::NoSuchVersion(4242))
    ));
}

#[test]
fn history_collapses_unchanged_runs() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let mobile = EntityId::new(L, "30923");
    let mut ents = base_entities();
    let v1 = import_entities(&mut store, ents.clone(), "2025-01-01");
    ents[1].add_country("cn"); // another entity changes: mobile unchanged
    let v2 = import_entities(&mut store, ents.clone(), "2025-02-01");
    ents[2].add_country("cn");
    let v3 = import_entities(&mut store, ents.clone(), "2025-03-01");
    ents[0].add_name("CHINA MOBILE LTD", NameKind::Alias);
    let v4 = import_entities(&mut store, ents.clone(), "2025-04-01");
    let without: Vec<Entity> = ents[1..].to_vec();
    let v5 = import_entities(&mut store, without.clone(), "2025-05-01");
    let mut w2 = without.clone();
    w2[0].add_country("hk");
    import_entities(&mut store, w2, "2025-06-01");
    // Re-listed; only the order of its identifiers differs from before.
    ents[0].identifiers.reverse();
    let v7 = import_entities(&mut store, ents.clone(), "2025-07-01");
    ents[1].add_country("hk");
    let v8 = import_entities(&mut store, ents.clone(), "2025-08-01");

    let h = store.history(&mobile).unwrap();
    let kinds: Vec<(u32, &str)> = h
        .iter()
        .map(|r| {
            let k = match &r.change {
                RevisionChange::Added => "added",
                RevisionChange::Changed { .. } => "changed",
                RevisionChange::Removed => "removed",
                RevisionChange::Unchanged { .. } => "unchanged",
            };
            (r.version.seq, k)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (1, "added"),
            (2, "unchanged"),
            (4, "changed"),
            (5, "removed"),
            (7, "added"),
            (8, "unchanged"),
        ]
    );
    assert_eq!(h[0].version, v1);
    assert_eq!(
        h[0].entity.as_ref().unwrap().caption(),
        "CHINA MOBILE LIMITED"
    );
    assert_eq!(
        h[1].change,
        RevisionChange::Unchanged {
            versions: 2,
            through: v3
        }
    );
    assert_eq!(h[1].version, v2);
    assert!(h[1].entity.is_none());
    match &h[2].change {
        RevisionChange::Changed { fields } => {
            assert_eq!(fields.len(), 1);
            assert_eq!(fields[0].field, "names");
            assert_eq!(fields[0].added, ["CHINA MOBILE LTD (alias)"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h[2].version, v4);
    assert_eq!(h[2].entity.as_ref().unwrap().names.len(), 2);
    assert_eq!(h[3].version, v5);
    assert!(h[3].entity.is_none());
    assert_eq!(h[4].version, v7);
    assert_eq!(
        h[5].change,
        RevisionChange::Unchanged {
            versions: 1,
            through: v8.clone()
        }
    );
    assert!(store.history(&EntityId::new(L, "nope")).unwrap().is_empty());
}

#[test]
fn diff_reports_field_changes() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let mut ents = base_entities();
    let v1 = import_entities(&mut store, ents.clone(), "2025-03-26");
    // Mobile: alias added, ISIN dropped, divestment date set.
    ents[0].add_name("CHINA MOBILE LTD", NameKind::Alias);
    ents[0].identifiers.remove(0);
    ents[0].designations[0].divestment_until = Some(ZonedTime::date(date("2022-06-03")));
    // Telecom: unchanged. Huawei: removed. A new entity.
    ents.remove(2);
    let mut sense = company("31000", "SENSETIME GROUP LIMITED", "CMIC-EO13959");
    sense.schema = Schema::Organization;
    ents.push(sense);
    let v2 = import_entities(&mut store, ents, "2025-12-19");

    let d = store.diff(L, v1.id, v2.id).unwrap();
    assert_eq!(d.from, v1);
    assert_eq!(d.to, v2);
    assert_eq!(d.unchanged, 1);
    assert_eq!(d.added.len(), 1);
    assert_eq!(d.added[0].id.as_str(), "us_ofac_cons:31000");
    assert_eq!(d.added[0].caption, "SENSETIME GROUP LIMITED");
    assert_eq!(d.added[0].schema, Schema::Organization);
    assert_eq!(d.added[0].programs, ["CMIC-EO13959"]);
    assert_eq!(d.removed.len(), 1);
    assert_eq!(d.removed[0].caption, "HUAWEI INVESTMENT");
    assert_eq!(d.changed.len(), 1);
    let ch = &d.changed[0];
    assert_eq!(ch.id.as_str(), "us_ofac_cons:30923");
    assert_eq!(ch.caption, "CHINA MOBILE LIMITED");
    let f: Vec<(&str, &[String], &[String])> = ch
        .fields
        .iter()
        .map(|f| (f.field.as_str(), f.added.as_slice(), f.removed.as_slice()))
        .collect();
    assert_eq!(f.len(), 3);
    assert_eq!(
        f[0],
        (
            "names",
            &["CHINA MOBILE LTD (alias)".to_string()][..],
            &[][..]
        )
    );
    assert_eq!(
        f[1],
        (
            "identifiers",
            &[][..],
            &["isin US16941M1099".to_string()][..]
        )
    );
    assert_eq!(f[2].0, "programs");
    assert_eq!(
        f[2].1,
        ["CMIC-EO13959 (listed 2021-06-03, divestment until 2022-06-03)"]
    );
    assert_eq!(f[2].2, ["CMIC-EO13959 (listed 2021-06-03)"]);
    assert_eq!(
        d.summary(),
        DiffSummary {
            from: Some(v1.id),
            to: v2.id,
            added: 1,
            removed: 1,
            changed: 1,
            unchanged: 1
        }
    );

    // Reversed, additions and removals swap.
    let r = store.diff(L, v2.id, v1.id).unwrap();
    assert_eq!(r.added[0].caption, "HUAWEI INVESTMENT");
    assert_eq!(r.removed[0].caption, "SENSETIME GROUP LIMITED");
    assert_eq!(r.changed[0].fields[0].removed, ["CHINA MOBILE LTD (alias)"]);

    // A version of the same list with itself: nothing changed.
    let same = store.diff(L, v2.id, v2.id).unwrap();
    assert_eq!(
        (same.added.len(), same.changed.len(), same.unchanged),
        (0, 0, 3)
    );

    assert!(matches!(
        store.diff("us_ofac_sdn", v1.id, v2.id),
        Err(StoreError::WrongList { .. })
    ));
    assert!(matches!(
        store.diff(L, v1.id, 777),
        Err(StoreError::NoSuchVersion(777))
    ));
}

#[test]
fn changed_since_lists_added_and_changed() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let t0 = Utc::now();
    let mut ents = base_entities();
    import_entities(&mut store, ents.clone(), "2025-03-26");
    let t1 = Utc::now();
    ents[1].add_country("cn");
    ents.remove(2);
    ents.push(company("10", "NEW CO", "CMIC-EO13959"));
    import_entities(&mut store, ents.clone(), "2025-04-21");
    let t2 = Utc::now();

    let ids = |t| -> Vec<String> {
        store
            .changed_since(t)
            .unwrap()
            .into_iter()
            .map(|i| i.0)
            .collect()
    };
    assert_eq!(
        ids(t0),
        [
            "us_ofac_cons:9",
            "us_ofac_cons:10",
            "us_ofac_cons:30923",
            "us_ofac_cons:30924"
        ]
    );
    assert_eq!(ids(t1), ["us_ofac_cons:10", "us_ofac_cons:30924"]);
    assert!(ids(t2).is_empty());
}

#[test]
fn failed_import_leaves_the_store_as_before() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let mut ds = dataset(base_entities());
    ds.events.push(LifecycleEvent {
        id: "E1".into(),
        kind: EventKind::Other,
        at: ZonedTime::date(date("2021-01-01")),
        subject: "x".into(),
        entities: vec![],
        programs: vec![],
        title: "t".into(),
        effect: "e".into(),
        source: "s".into(),
    });
    store
        .import(&ds, &[RawFile::new("a.csv", "1")], meta("2025-03-26"))
        .unwrap();
    let before = snapshot(&store);

    // A large second version that fails half-way through its rows.
    let big: Vec<Entity> = (0..1000)
        .map(|i| company(&format!("{i}"), &format!("COMPANY {i}"), "SDGT"))
        .collect();
    store.fail_after = Some(500);
    let err = store
        .import(
            &dataset(big.clone()),
            &[RawFile::new("a.csv", "2")],
            meta("2025-04-21"),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Injected(500)));
    assert_eq!(snapshot(&store), before);

    // Invalid datasets are refused before anything is written.
    let mut dup = big.clone();
    dup.push(dup[10].clone());
    let err = store
        .import(&dataset(dup), &[], meta("2025-04-21"))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("duplicate entity id 'us_ofac_cons:10'"),
        "{err}"
    );
    assert_eq!(snapshot(&store), before);

    // The store still works, and the failed attempts took no sequence number.
    store.fail_after = None;
    let v = created(
        store
            .import(
                &dataset(big),
                &[RawFile::new("a.csv", "2")],
                meta("2025-04-21"),
            )
            .unwrap(),
    )
    .0;
    assert_eq!(v.seq, 2);
    assert_eq!(store.entities(v.id).unwrap().len(), 1000);
}

#[test]
fn api_keys() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let now = Utc::now();
    let key = ApiKey {
        id: "k1".into(),
        name: "ops".into(),
        role: "admin".into(),
        hash: "h1".into(),
        created_at: now,
        revoked_at: None,
    };
    store.insert_api_key(&key).unwrap();
    let err = store.insert_api_key(&key).unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err}");
    let k2 = ApiKey {
        id: "k2".into(),
        hash: "h2".into(),
        created_at: now + TimeDelta::seconds(1),
        ..key.clone()
    };
    store.insert_api_key(&k2).unwrap();
    assert_eq!(store.api_key("k1").unwrap(), Some(key.clone()));
    assert_eq!(store.api_key_by_hash("h2").unwrap(), Some(k2.clone()));
    assert_eq!(store.api_key("k3").unwrap(), None);
    assert!(store.revoke_api_key("k1", now).unwrap());
    assert!(!store.revoke_api_key("k1", now).unwrap());
    assert!(!store.revoke_api_key("k9", now).unwrap());
    let keys = store.api_keys().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].revoked_at, Some(now));
    assert!(!keys[0].is_active());
    assert!(keys[1].is_active());
}

#[test]
fn audit_log_is_append_only_and_chained() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let at = Utc::now();
    let entry = |prev: Option<&str>, hash: &str| NewAuditEntry {
        at,
        actor: "cli".into(),
        kind: "import".into(),
        payload_json: r#"{"list":"us_ofac_cons","b":1,"a":2}"#.into(),
        prev_hash: prev.map(str::to_string),
        hash: hash.into(),
    };
    assert_eq!(store.last_audit().unwrap(), None);
    let e1 = store.append_audit(&entry(None, "h1")).unwrap();
    assert_eq!(e1.seq, 1);
    let err = store.append_audit(&entry(None, "hx")).unwrap_err();
    assert!(matches!(err, StoreError::AuditConflict { .. }), "{err}");
    let err = store.append_audit(&entry(Some("zz"), "hx")).unwrap_err();
    assert!(err.to_string().contains("h1"), "{err}");
    let e2 = store.append_audit(&entry(Some("h1"), "h2")).unwrap();
    assert_eq!(e2.seq, 2);
    assert_eq!(store.last_audit().unwrap(), Some(e2.clone()));
    assert_eq!(
        store.audit_entries(1, 10).unwrap(),
        vec![e1.clone(), e2.clone()]
    );
    assert_eq!(store.audit_entries(2, 10).unwrap(), vec![e2.clone()]);
    assert_eq!(store.audit_entries(1, 1).unwrap(), vec![e1.clone()]);
    // Payload bytes and timestamps come back exactly.
    assert_eq!(
        e1.payload_json,
        store.audit_entries(1, 1).unwrap()[0].payload_json
    );
    assert_eq!(store.audit_entries(1, 1).unwrap()[0].at, at);

    for stmt in [
        "UPDATE audit_log SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
        "DELETE FROM audit_log",
    ] {
        let err = store.conn.execute(stmt, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{stmt}: {err}");
    }
    assert_eq!(store.audit_entries(0, 10).unwrap().len(), 2);
}

#[test]
fn reviews_and_settings() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let at = Utc::now();
    let id = EntityId::new(L, "30923");
    let r = NewReview {
        query_key: "q1".into(),
        entity_id: id.clone(),
        entity_hash: "abc".into(),
        decision: Decision::Dismiss,
        comment: Some("different company".into()),
        actor: "alice".into(),
        at,
    };
    let saved = store.insert_review(&r).unwrap();
    let r2 = NewReview {
        query_key: "q2".into(),
        decision: Decision::Confirm,
        comment: None,
        ..r.clone()
    };
    let saved2 = store.insert_review(&r2).unwrap();
    assert_eq!(store.review(saved.id).unwrap(), Some(saved.clone()));
    assert_eq!(store.review(999).unwrap(), None);
    assert_eq!(store.reviews_for_query("q1").unwrap(), vec![saved.clone()]);
    assert_eq!(store.reviews_for_entity(&id).unwrap(), vec![saved, saved2]);
    assert!(store.reviews_for_query("q3").unwrap().is_empty());

    assert_eq!(store.kv_get("signing_key").unwrap(), None);
    store.kv_set("signing_key", "k1").unwrap();
    store.kv_set("signing_key", "k2").unwrap();
    assert_eq!(store.kv_get("signing_key").unwrap().as_deref(), Some("k2"));
    assert!(store.kv_delete("signing_key").unwrap());
    assert!(!store.kv_delete("signing_key").unwrap());
}

#[test]
fn store_is_object_safe() {
    let mut store: Box<dyn Store> = Box::new(SqliteStore::open_in_memory().unwrap());
    let outcome = store
        .import(&dataset(base_entities()), &[], meta("2025-03-26"))
        .unwrap();
    assert!(outcome.is_created());
    assert_eq!(store.lists().unwrap().len(), 1);
}

fn variant(key: usize, v: u8) -> Entity {
    let mut e = company(&key.to_string(), &format!("COMPANY {key}"), "SDGT");
    match v {
        0 => {}
        1 => e.add_country("cn"),
        _ => e.add_name(format!("ALIAS {key}"), NameKind::Alias),
    }
    e
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(40))]

    /// Over random sequences of versions: entities read back as written,
    /// import summaries agree with diffs, and histories agree with presence.
    #[test]
    fn versions_diffs_and_histories_agree(
        states in proptest::collection::vec(
            proptest::collection::vec(proptest::option::of(0u8..3), 5),
            1..5,
        )
    ) {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let mut versions: Vec<(ListVersion, Vec<Option<u8>>)> = Vec::new();
        for state in &states {
            let ents: Vec<Entity> = state
                .iter()
                .enumerate()
                .filter_map(|(k, v)| v.map(|v| variant(k, v)))
                .collect();
            let outcome = store.import(&dataset(ents.clone()), &[], ImportMeta::new("import")).unwrap();
            match outcome {
                ImportOutcome::Unchanged { existing } => {
                    let last = versions.last().unwrap();
                    proptest::prop_assert_eq!(&existing, &last.0);
                    proptest::prop_assert_eq!(&last.1, state);
                }
                ImportOutcome::Created { version, summary } => {
                    proptest::prop_assert_eq!(&store.entities(version.id).unwrap(), &ents);
                    if let Some((prev, _)) = versions.last() {
                        let d = store.diff(L, prev.id, version.id).unwrap();
                        proptest::prop_assert_eq!(d.summary(), summary);
                    } else {
                        proptest::prop_assert_eq!(summary.added, ents.len());
                    }
                    versions.push((version, state.clone()));
                }
            }
        }
        for key in 0..5 {
            let id = EntityId::new(L, &key.to_string());
            // Replay the history into presence per version.
            let mut present: Vec<bool> = Vec::new();
            let mut now = false;
            let mut revs = store.history(&id).unwrap().into_iter().peekable();
            for (v, _) in &versions {
                if let Some(r) = revs.next_if(|r| r.version.seq == v.seq) {
                    now = !matches!(r.change, RevisionChange::Removed);
                    if let RevisionChange::Unchanged { versions: n, through } = r.change {
                        proptest::prop_assert!(now);
                        proptest::prop_assert_eq!(through.seq, v.seq + n - 1);
                    }
                }
                present.push(now);
            }
            proptest::prop_assert!(revs.next().is_none());
            let expected: Vec<bool> = versions.iter().map(|(_, s)| s[key].is_some()).collect();
            proptest::prop_assert_eq!(present, expected);
        }
    }
}
