//! The embargo engine: one API over the store, the bundled data, the match
//! index and the law engine, used by the CLI and the HTTP server alike.
//!
//! An [`Engine`] owns the store and a current [`Snapshot`]: the list
//! versions in force, the entities they contain, the match index built from
//! them and the law book. Snapshots are immutable and shared behind an
//! `Arc`; an import builds a new snapshot and swaps it in atomically, so a
//! request that started on the old snapshot finishes on it while new
//! requests see the new one. Point-in-time questions ("as of 2021-03-16")
//! get a snapshot built from the versions in force on that date, cached.

pub mod bundled;
mod error;
pub mod law;
mod snapshot;
pub mod trail;
pub mod update;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use chrono::NaiveDate;
use embargo_model::{Dataset, Entity, EntityId, RawFile};
use embargo_sources::SourceKind;
use embargo_store::{
    Diff, EntityRevision, ImportMeta, ImportOutcome, ListSummary, ListVersion, SqliteStore, Store,
    VersionSel,
};

pub use error::EngineError;
pub use snapshot::{
    in_dataset, ScreenHit, ScreenOptions, Screened, Snapshot, VersionRef, NS_CMIC_PROGRAM,
};

/// The lists whose latest versions make up a snapshot. `us_ofac_ns_cmic`
/// is a view of `us_ofac_cons` (program `CMIC-EO13959`), not a source.
pub const SOURCE_LISTS: &[&str] = &[
    "us_ofac_sdn",
    "us_ofac_cons",
    "us_dod_1237",
    "us_dod_1260h",
    "us_bis_dpl",
    "us_trade_csl",
];

/// How many point-in-time snapshots are kept in memory.
const AS_OF_CACHE: usize = 8;

/// The engine: a store plus the snapshot currently served.
pub struct Engine {
    store: Mutex<Box<dyn Store>>,
    db_path: Option<PathBuf>,
    current: RwLock<Arc<Snapshot>>,
    as_of_cache: Mutex<Vec<(Vec<i64>, Arc<Snapshot>)>>,
}

/// The result of importing one dataset.
#[derive(Debug)]
pub struct ImportReport {
    pub list: String,
    pub outcome: ImportOutcome,
    pub warnings: Vec<String>,
}

impl Engine {
    /// Opens (or creates) the SQLite database at `path`; an empty database
    /// receives the bundled data first.
    pub fn open(path: &Path) -> Result<Engine, EngineError> {
        Engine::open_with_progress(path, &|_, _, _| {})
    }

    /// [`Engine::open`], reporting the bundled imports as they happen:
    /// `progress(done, total, what)` before each one (only when there is
    /// something to import).
    pub fn open_with_progress(
        path: &Path,
        progress: &dyn Fn(usize, usize, &str),
    ) -> Result<Engine, EngineError> {
        let store = SqliteStore::open(path)?;
        Engine::with_store_progress(Box::new(store), Some(path.to_path_buf()), progress)
    }

    /// An engine on an in-memory database with the bundled data (tests, demos).
    pub fn open_in_memory() -> Result<Engine, EngineError> {
        let store = SqliteStore::open_in_memory()?;
        Engine::with_store(Box::new(store), None)
    }

    /// Builds an engine over any store; imports the bundled data when the
    /// store holds no list yet.
    pub fn with_store(
        store: Box<dyn Store>,
        db_path: Option<PathBuf>,
    ) -> Result<Engine, EngineError> {
        Engine::with_store_progress(store, db_path, &|_, _, _| {})
    }

    fn with_store_progress(
        mut store: Box<dyn Store>,
        db_path: Option<PathBuf>,
        progress: &dyn Fn(usize, usize, &str),
    ) -> Result<Engine, EngineError> {
        if store.lists()?.is_empty() {
            import_bundled(store.as_mut(), progress)?;
        } else {
            refresh_bundled(store.as_mut())?;
        }
        let snap = Snapshot::build(store.as_ref(), &VersionSel::Latest, None)?;
        Ok(Engine {
            store: Mutex::new(store),
            db_path,
            current: RwLock::new(Arc::new(snap)),
            as_of_cache: Mutex::new(Vec::new()),
        })
    }

    /// The database file, when the store is file-backed.
    pub fn db_path(&self) -> Option<&Path> {
        self.db_path.as_deref()
    }

    /// The snapshot of the latest list versions.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The snapshot of the list versions in force on `date` (cached); the
    /// latest snapshot when `date` is `None`.
    pub fn snapshot_at(&self, date: Option<NaiveDate>) -> Result<Arc<Snapshot>, EngineError> {
        let Some(date) = date else {
            return Ok(self.snapshot());
        };
        let sel = VersionSel::AsOf(date);
        let key = {
            let store = self.lock_store()?;
            snapshot::resolve_versions(store.as_ref(), &sel)?
                .iter()
                .map(|v| v.id)
                .collect::<Vec<_>>()
        };
        let current = self.snapshot();
        if current.version_ids() == key {
            return Ok(current);
        }
        if let Some(hit) = self.cache_get(&key) {
            return Ok(hit);
        }
        let snap = {
            let store = self.lock_store()?;
            Arc::new(Snapshot::build(store.as_ref(), &sel, Some(date))?)
        };
        self.cache_put(key, Arc::clone(&snap));
        Ok(snap)
    }

    fn cache_get(&self, key: &[i64]) -> Option<Arc<Snapshot>> {
        let cache = self.as_of_cache.lock().ok()?;
        cache
            .iter()
            .find(|(k, _)| k.as_slice() == key)
            .map(|(_, s)| Arc::clone(s))
    }

    fn cache_put(&self, key: Vec<i64>, snap: Arc<Snapshot>) {
        if let Ok(mut cache) = self.as_of_cache.lock() {
            cache.retain(|(k, _)| *k != key);
            cache.insert(0, (key, snap));
            cache.truncate(AS_OF_CACHE);
        }
    }

    fn lock_store(&self) -> Result<std::sync::MutexGuard<'_, Box<dyn Store>>, EngineError> {
        self.store.lock().map_err(|_| EngineError::Poisoned)
    }

    /// Runs `f` with the store locked (for reads the snapshot does not cover).
    pub fn with_store_ref<T>(
        &self,
        f: impl FnOnce(&dyn Store) -> Result<T, embargo_store::StoreError>,
    ) -> Result<T, EngineError> {
        let store = self.lock_store()?;
        Ok(f(store.as_ref())?)
    }

    /// Runs `f` with the store locked for writing (keys, audit, reviews).
    pub fn with_store_mut<T>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> Result<T, embargo_store::StoreError>,
    ) -> Result<T, EngineError> {
        let mut store = self.lock_store()?;
        Ok(f(store.as_mut())?)
    }

    /// Parses `files` as `kind` and imports every dataset they yield, all
    /// or nothing per dataset; then rebuilds and swaps in the snapshot.
    pub fn import(
        &self,
        kind: SourceKind,
        files: &[RawFile],
        meta: ImportMeta,
    ) -> Result<Vec<ImportReport>, EngineError> {
        let datasets = embargo_sources::parse(kind, files)?;
        self.import_datasets(&datasets, files, meta)
    }

    /// Imports already-parsed datasets (all parsed before any is written).
    pub fn import_datasets(
        &self,
        datasets: &[Dataset],
        files: &[RawFile],
        meta: ImportMeta,
    ) -> Result<Vec<ImportReport>, EngineError> {
        let mut reports = Vec::new();
        {
            let mut store = self.lock_store()?;
            for ds in datasets {
                let mut m = meta.clone();
                if m.published.is_none() {
                    m.published = ds.published;
                }
                let outcome = store.import(ds, files, m)?;
                reports.push(ImportReport {
                    list: ds.list.clone(),
                    outcome,
                    warnings: ds.warnings.clone(),
                });
            }
        }
        if reports
            .iter()
            .any(|r| matches!(r.outcome, ImportOutcome::Created { .. }))
        {
            self.reload()?;
        }
        Ok(reports)
    }

    /// Rebuilds the latest snapshot from the store and swaps it in.
    pub fn reload(&self) -> Result<Arc<Snapshot>, EngineError> {
        let snap = {
            let store = self.lock_store()?;
            Arc::new(Snapshot::build(store.as_ref(), &VersionSel::Latest, None)?)
        };
        match self.current.write() {
            Ok(mut g) => *g = Arc::clone(&snap),
            Err(poisoned) => *poisoned.into_inner() = Arc::clone(&snap),
        }
        if let Ok(mut cache) = self.as_of_cache.lock() {
            cache.clear();
        }
        Ok(snap)
    }

    pub fn lists(&self) -> Result<Vec<ListSummary>, EngineError> {
        self.with_store_ref(|s| s.lists())
    }

    pub fn versions(&self, list: &str) -> Result<Vec<ListVersion>, EngineError> {
        self.with_store_ref(|s| s.versions(list))
    }

    pub fn resolve_version(
        &self,
        list: &str,
        sel: &VersionSel,
    ) -> Result<Option<ListVersion>, EngineError> {
        self.with_store_ref(|s| s.resolve(list, sel))
    }

    /// A diff between two versions of a list; `from`/`to` default to the
    /// previous and the latest version.
    pub fn diff(
        &self,
        list: &str,
        from: Option<&VersionSel>,
        to: Option<&VersionSel>,
    ) -> Result<Diff, EngineError> {
        let store = self.lock_store()?;
        let versions = store.versions(list)?;
        if versions.is_empty() {
            return Err(EngineError::UnknownList(list.to_string()));
        }
        let to_v = match to {
            Some(sel) => store
                .resolve(list, sel)?
                .ok_or_else(|| EngineError::NoSuchVersion(list.to_string(), format!("{sel:?}")))?,
            None => versions
                .last()
                .cloned()
                .ok_or_else(|| EngineError::UnknownList(list.to_string()))?,
        };
        let from_v = match from {
            Some(sel) => store
                .resolve(list, sel)?
                .ok_or_else(|| EngineError::NoSuchVersion(list.to_string(), format!("{sel:?}")))?,
            None => versions
                .iter()
                .rev()
                .find(|v| v.seq < to_v.seq)
                .cloned()
                .ok_or_else(|| {
                    EngineError::NoSuchVersion(
                        list.to_string(),
                        "a version before the latest".into(),
                    )
                })?,
        };
        Ok(store.diff(list, from_v.id, to_v.id)?)
    }

    /// One entity as of a version selector (default: latest).
    pub fn entity(
        &self,
        id: &EntityId,
        sel: &VersionSel,
    ) -> Result<Option<(Entity, ListVersion)>, EngineError> {
        self.with_store_ref(|s| s.entity(id, sel))
    }

    pub fn history(&self, id: &EntityId) -> Result<Vec<EntityRevision>, EngineError> {
        self.with_store_ref(|s| s.history(id))
    }
}

/// Imports the bundled snapshot into an empty store.
fn import_bundled(
    store: &mut dyn Store,
    progress: &dyn Fn(usize, usize, &str),
) -> Result<(), EngineError> {
    let all = bundled::imports();
    let total = all.len();
    for (i, b) in all.into_iter().enumerate() {
        progress(i, total, b.note);
        import_one_bundled(store, &b)?;
    }
    Ok(())
}

/// Imports one bundled publication (a version of every list it feeds).
fn import_one_bundled(
    store: &mut dyn Store,
    b: &bundled::BundledImport,
) -> Result<(), EngineError> {
    for ds in embargo_sources::parse(b.kind, &b.files)? {
        store.import(
            &ds,
            &b.files,
            ImportMeta {
                published: Some(b.published),
                source: format!("bundled: {}", b.note),
            },
        )?;
    }
    Ok(())
}

/// The lists one bundled import writes.
fn bundled_lists(kind: SourceKind) -> Vec<&'static str> {
    match kind {
        SourceKind::Dod => vec![
            embargo_sources::dod::LIST_1237,
            embargo_sources::dod::LIST_1260H,
        ],
        other => vec![other.list_key()],
    }
}

/// Brings a store up to the data bundled with this build: a bundled
/// publication is imported when a list it feeds has no version yet, only
/// older ones (by as-of date), or a bundled version of the same date with
/// other content (a corrected curated file). Lists updated from the
/// network since keep their newer versions; nothing is imported twice.
fn refresh_bundled(store: &mut dyn Store) -> Result<(), EngineError> {
    for b in bundled::imports() {
        let mut sha = None;
        let mut needed = false;
        for list in bundled_lists(b.kind) {
            needed |= match store.resolve(list, &VersionSel::Latest)? {
                None => true,
                Some(v) if v.as_of() < b.published => true,
                Some(v) if v.as_of() == b.published && v.source.starts_with("bundled") => {
                    let sha = sha.get_or_insert_with(|| {
                        embargo_store::content_sha256(&embargo_store::file_digests(&b.files))
                    });
                    v.sha256 != *sha
                }
                Some(_) => false,
            };
        }
        if needed {
            import_one_bundled(store, &b)?;
        }
    }
    Ok(())
}

/// Counts entities per list in a snapshot (for summaries).
pub fn count_by_list(snap: &Snapshot) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for e in snap.entities() {
        *m.entry(e.id.list().to_string()).or_insert(0) += 1;
    }
    m
}
