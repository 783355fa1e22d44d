//! The bundled data: imported on first use, refreshed when a newer build
//! bundles newer publications, never over versions updated since.

use embargo_engine::{bundled, Engine};
use embargo_model::RawFile;
use embargo_sources::SourceKind;
use embargo_store::{ImportMeta, SqliteStore, Store, VersionSel};

fn latest(engine: &Engine, list: &str) -> embargo_store::ListVersion {
    engine
        .resolve_version(list, &VersionSel::Latest)
        .expect("resolve")
        .expect("a version")
}

#[test]
fn first_use_imports_every_bundled_publication_with_its_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(&dir.path().join("e.db")).expect("open");
    let lists = engine.lists().expect("lists");
    let keys: Vec<&str> = lists.iter().map(|l| l.list.as_str()).collect();
    assert_eq!(
        keys,
        [
            "us_bis_dpl",
            "us_dod_1237",
            "us_dod_1260h",
            "us_ofac_cons",
            "us_ofac_sdn",
            "us_trade_csl"
        ]
    );
    let cons = engine.versions("us_ofac_cons").expect("versions");
    let dates: Vec<String> = cons.iter().map(|v| v.as_of().to_string()).collect();
    assert_eq!(dates, ["2025-03-26", "2025-04-21", "2025-12-19"]);
    assert!(cons.iter().all(|v| v.source.starts_with("bundled")));
    assert_eq!(latest(&engine, "us_dod_1237").entity_count, 44);
    // Reopening imports nothing more.
    drop(engine);
    let again = Engine::open(&dir.path().join("e.db")).expect("reopen");
    assert_eq!(again.versions("us_ofac_cons").expect("versions").len(), 3);
    assert_eq!(again.versions("us_dod_1237").expect("versions").len(), 1);
}

#[test]
fn a_newer_build_brings_its_corrected_curated_files_but_keeps_updated_lists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("e.db");
    drop(Engine::open(&db).expect("open"));
    let dod = bundled::imports()
        .into_iter()
        .find(|b| b.kind == SourceKind::Dod)
        .expect("bundled DoD files");
    {
        let mut store = SqliteStore::open(&db).expect("store");
        // What an earlier build bundled: the same publication date, other
        // content (here: without the identifiers file).
        let older: Vec<RawFile> = dod
            .files
            .iter()
            .filter(|f| f.name != "identifiers.csv")
            .cloned()
            .collect();
        for ds in embargo_sources::parse(SourceKind::Dod, &older).expect("parse") {
            let out = store
                .import(
                    &ds,
                    &older,
                    ImportMeta {
                        published: Some(dod.published),
                        source: "bundled: an earlier build".into(),
                    },
                )
                .expect("import");
            assert!(out.is_created());
        }
        // A consolidated list fetched by `embargo update` after the
        // bundled snapshot's date.
        let cons = bundled::imports()
            .into_iter()
            .rfind(|b| b.kind == SourceKind::OfacCons)
            .expect("bundled consolidated list");
        let mut files = cons.files.clone();
        let ds = embargo_sources::parse(SourceKind::OfacCons, &files).expect("parse");
        let mut meta = ImportMeta::new("update");
        meta.published = chrono::NaiveDate::from_ymd_opt(2026, 1, 15);
        // Identical files are a no-op for the store; change one byte of the
        // comments file so the update is a new publication.
        let comments = files
            .iter_mut()
            .find(|f| f.name.ends_with("cons_comments.csv"))
            .expect("comments");
        comments.bytes.insert(0, b'\n');
        let out = store.import(&ds[0], &files, meta).expect("import");
        assert!(out.is_created());
    }
    let engine = Engine::open(&db).expect("reopen");
    // The curated DoD files of this build replace the earlier build's.
    let v = latest(&engine, "us_dod_1237");
    assert_eq!(v.seq, 3, "bundled, earlier build, this build");
    assert!(v.files.iter().any(|(name, _, _)| name == "identifiers.csv"));
    let xiaomi = engine
        .snapshot()
        .entity(&embargo_model::EntityId::new(
            "us_dod_1237",
            "xiaomi-corporation",
        ))
        .cloned()
        .expect("xiaomi");
    assert!(xiaomi
        .identifiers
        .iter()
        .any(|i| i.normalized() == "1810 HK"));
    // The updated consolidated list stays the latest.
    let c = latest(&engine, "us_ofac_cons");
    assert_eq!(c.source, "update");
    assert_eq!(c.as_of().to_string(), "2026-01-15");
    assert_eq!(engine.versions("us_ofac_cons").expect("versions").len(), 4);
}
