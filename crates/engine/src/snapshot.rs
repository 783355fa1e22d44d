//! An immutable view of the list versions in force, with their match index
//! and law book.

use std::collections::HashMap;
use std::time::Instant;

use chrono::NaiveDate;
use embargo_law::LawBook;
use embargo_match::{Hit, Index, Query, Record, SearchOptions};
use embargo_model::{Entity, EntityId, LifecycleEvent};
use embargo_store::{ListVersion, Store, VersionSel};
use serde::Serialize;

use crate::{EngineError, SOURCE_LISTS};

/// The list versions in force for a selector, one per list that has one.
pub(crate) fn resolve_versions(
    store: &dyn Store,
    sel: &VersionSel,
) -> Result<Vec<ListVersion>, EngineError> {
    let mut out = Vec::new();
    for list in SOURCE_LISTS {
        if let Some(v) = store.resolve(list, sel)? {
            out.push(v);
        }
    }
    Ok(out)
}

/// Everything needed to answer questions against one set of list versions.
pub struct Snapshot {
    versions: Vec<ListVersion>,
    entities: Vec<Entity>,
    by_id: HashMap<EntityId, usize>,
    /// Entity position for each index record.
    record_entity: Vec<usize>,
    events: Vec<LifecycleEvent>,
    index: Index,
    law: LawBook,
    as_of: Option<NaiveDate>,
    build_ms: f64,
}

/// Options of a screening: embargo's view of the matcher's search options,
/// with dataset keys (`us_ofac_ns_cmic` is the `CMIC-EO13959` program of
/// `us_ofac_cons`; `default` or `None` is every list).
#[derive(Debug, Clone)]
pub struct ScreenOptions {
    pub limit: usize,
    pub threshold: f64,
    pub datasets: Option<Vec<String>>,
    pub exclude_ids: Vec<String>,
}

impl Default for ScreenOptions {
    fn default() -> Self {
        ScreenOptions {
            limit: 5,
            threshold: 0.7,
            datasets: None,
            exclude_ids: Vec::new(),
        }
    }
}

/// The NS-CMIC program tag in OFAC data.
pub const NS_CMIC_PROGRAM: &str = "CMIC-EO13959";

/// True when `e` belongs to the dataset `key`.
pub fn in_dataset(e: &Entity, key: &str) -> bool {
    match key {
        "default" => true,
        "us_ofac_ns_cmic" => {
            e.id.list() == "us_ofac_cons"
                && e.designations.iter().any(|d| d.program == NS_CMIC_PROGRAM)
        }
        other => e.id.list() == other,
    }
}

/// The distinct programs of an entity, in order.
fn programs(e: &Entity) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in &e.designations {
        if !out.contains(&d.program) {
            out.push(d.program.clone());
        }
    }
    out
}

/// `Some("date (reason)")` when every designation has ended by `on`.
fn ended(e: &Entity, on: NaiveDate) -> Option<String> {
    if e.designations.is_empty() {
        return None;
    }
    if e.designations
        .iter()
        .any(|d| d.ended_on.is_none_or(|x| x > on))
    {
        return None;
    }
    let last = e.designations.iter().max_by_key(|d| d.ended_on)?;
    let date = last.ended_on?;
    Some(match &last.end_reason {
        Some(r) => format!("{date} ({r})"),
        None => date.to_string(),
    })
}

/// One screening hit with its entity.
#[derive(Debug, Clone, Serialize)]
pub struct ScreenHit {
    pub entity_id: String,
    pub list: String,
    pub schema: String,
    pub caption: String,
    pub score: f64,
    pub matched_name: String,
    pub explanation: embargo_match::Explanation,
    /// The programs the entity is designated under.
    pub programs: Vec<String>,
    /// When every designation of the entity has ended by the snapshot's
    /// date (or today): the last end date and its reason, e.g.
    /// `2021-05-25 (vacated by court order)`. Such a hit is history, not a
    /// current listing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
}

/// The answer to one screening query, naming the versions it used.
#[derive(Debug, Clone, Serialize)]
pub struct Screened {
    pub hits: Vec<ScreenHit>,
    pub versions: Vec<VersionRef>,
}

/// A compact reference to a list version, for "which data answered this".
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VersionRef {
    pub list: String,
    pub version: i64,
    pub seq: u32,
    pub published: Option<NaiveDate>,
    pub sha256: String,
}

impl From<&ListVersion> for VersionRef {
    fn from(v: &ListVersion) -> Self {
        VersionRef {
            list: v.list.clone(),
            version: v.id,
            seq: v.seq,
            published: v.published,
            sha256: v.sha256.clone(),
        }
    }
}

impl Snapshot {
    /// Loads the versions selected by `sel` and builds the index and law book.
    pub fn build(
        store: &dyn Store,
        sel: &VersionSel,
        as_of: Option<NaiveDate>,
    ) -> Result<Snapshot, EngineError> {
        let started = Instant::now();
        let versions = resolve_versions(store, sel)?;
        let mut entities = Vec::new();
        let mut events = Vec::new();
        for v in &versions {
            entities.extend(store.entities(v.id)?);
            events.extend(store.events(v.id)?);
        }
        events.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
        events.dedup_by(|a, b| a.id == b.id);
        let by_id = entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        let records: Vec<Record> = entities.iter().map(Record::from_entity).collect();
        let record_entity = (0..records.len()).collect();
        let index = Index::build(records);
        let law = LawBook::new(entities.clone(), events.clone())?;
        Ok(Snapshot {
            versions,
            entities,
            by_id,
            record_entity,
            events,
            index,
            law,
            as_of,
            build_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    pub fn versions(&self) -> &[ListVersion] {
        &self.versions
    }

    pub fn version_refs(&self) -> Vec<VersionRef> {
        self.versions.iter().map(VersionRef::from).collect()
    }

    pub(crate) fn version_ids(&self) -> Vec<i64> {
        self.versions.iter().map(|v| v.id).collect()
    }

    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    pub fn entity(&self, id: &EntityId) -> Option<&Entity> {
        self.by_id.get(id).map(|&i| &self.entities[i])
    }

    pub fn events(&self) -> &[LifecycleEvent] {
        &self.events
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn law(&self) -> &LawBook {
        &self.law
    }

    pub fn as_of(&self) -> Option<NaiveDate> {
        self.as_of
    }

    /// Milliseconds it took to build this snapshot (load + index + law book).
    pub fn build_ms(&self) -> f64 {
        self.build_ms
    }

    /// The entity behind a match hit.
    pub fn hit_entity(&self, hit: &Hit) -> Option<&Entity> {
        self.record_entity
            .get(hit.record)
            .and_then(|&i| self.entities.get(i))
    }

    /// Screens one query; hits below `opts.threshold` are dropped.
    pub fn screen(&self, query: &Query, opts: &ScreenOptions) -> Screened {
        let datasets = opts
            .datasets
            .as_ref()
            .filter(|d| !d.iter().any(|k| k == "default"));
        // The matcher filters on source lists; views such as NS-CMIC are
        // filtered here, so ask the matcher for more candidates then.
        let mut lists: Option<Vec<String>> = None;
        let mut view = false;
        if let Some(ds) = datasets {
            let mut l = Vec::new();
            for k in ds {
                if k == "us_ofac_ns_cmic" {
                    view = true;
                    l.push("us_ofac_cons".to_string());
                } else {
                    l.push(k.clone());
                }
            }
            l.sort();
            l.dedup();
            lists = Some(l);
        }
        let search = SearchOptions {
            limit: if view {
                opts.limit.saturating_mul(4).max(20)
            } else {
                opts.limit
            },
            threshold: opts.threshold,
            lists,
            exclude_ids: opts.exclude_ids.clone(),
        };
        let hits = self
            .index
            .search(query, &search)
            .into_iter()
            .filter(|h| h.score >= opts.threshold)
            .filter_map(|h| {
                let e = self.hit_entity(&h)?;
                if let Some(ds) = datasets {
                    if !ds.iter().any(|k| in_dataset(e, k)) {
                        return None;
                    }
                }
                Some(ScreenHit {
                    entity_id: e.id.to_string(),
                    list: e.id.list().to_string(),
                    schema: e.schema.to_string(),
                    caption: e.caption().to_string(),
                    score: h.score,
                    matched_name: h.matched_name.clone(),
                    explanation: h.explanation,
                    programs: programs(e),
                    ended: ended(
                        e,
                        self.as_of
                            .unwrap_or_else(|| chrono::Utc::now().date_naive()),
                    ),
                })
            })
            .take(opts.limit)
            .collect();
        Screened {
            hits,
            versions: self.version_refs(),
        }
    }
}
