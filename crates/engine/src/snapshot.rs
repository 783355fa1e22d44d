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

/// The list versions in force for a selector, one per list that has one:
/// the lists embargo knows first ([`SOURCE_LISTS`]), then any other list
/// the store holds (FollowTheMoney data imported under its own key).
pub(crate) fn resolve_versions(
    store: &dyn Store,
    sel: &VersionSel,
) -> Result<Vec<ListVersion>, EngineError> {
    let mut keys: Vec<String> = SOURCE_LISTS.iter().map(|l| l.to_string()).collect();
    for l in store.lists()? {
        if !keys.contains(&l.list) {
            keys.push(l.list);
        }
    }
    let mut out = Vec::new();
    for list in &keys {
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

/// Dates designations that their source leaves undated (the OFAC SDN and
/// consolidated lists publish no designation dates) from the list's own
/// versions, for the law book:
///
/// * an entity missing from an earlier version was listed after that
///   version's as-of date: its undated designations get `listed_on` the
///   day after (the earliest the listing can have happened, which is the
///   conservative reading), and a note of the window;
/// * an entity in an earlier version but missing from the one in force was
///   removed: it is kept for the law book with its designations ended on
///   the as-of date of the first version without it (the latest the
///   removal can have happened), so that a trade dated while it was listed
///   is still answered as such.
///
/// Entities present since a list's first version keep no date: listed on
/// or before it. The curated DoD lists date everything themselves and are
/// left as they are.
fn dated_from_versions(
    store: &dyn Store,
    in_force: &[ListVersion],
    entities: &mut Vec<Entity>,
) -> Result<(), EngineError> {
    use std::collections::HashSet;
    // The curated DoD files state every date themselves; a change between
    // their versions is a correction, not a publication event.
    for v in in_force.iter().filter(|v| !v.list.starts_with("us_dod_")) {
        let older: Vec<ListVersion> = store
            .versions(&v.list)?
            .into_iter()
            .filter(|o| o.seq < v.seq)
            .collect();
        if older.is_empty() {
            continue;
        }
        // Membership of each version, oldest first, then the one in force.
        let mut members: Vec<(ListVersion, HashSet<EntityId>)> = Vec::new();
        for o in older.iter().chain(std::iter::once(v)) {
            let ids = store.entity_ids(o.id)?.into_iter().collect();
            members.push((o.clone(), ids));
        }
        let current = &members[members.len() - 1].1;
        for e in entities.iter_mut().filter(|e| current.contains(&e.id)) {
            if !e.designations.iter().any(|d| d.listed_on.is_none()) {
                continue;
            }
            // The last version before the current run of presence.
            let absent_in = members[..members.len() - 1]
                .iter()
                .rev()
                .find(|(_, ids)| !ids.contains(&e.id));
            let Some((before, _)) = absent_in else {
                continue;
            };
            let first = members
                .iter()
                .find(|(o, ids)| o.seq > before.seq && ids.contains(&e.id))
                .map(|(o, _)| o.as_of())
                .unwrap_or_else(|| v.as_of());
            let Some(from) = before.as_of().succ_opt() else {
                continue;
            };
            for d in e.designations.iter_mut().filter(|d| d.listed_on.is_none()) {
                d.listed_on = Some(from);
            }
            e.add_property(
                "listedBetween",
                format!(
                    "after {} (absent from version {} of {}) and by {} (present in the list as of that date)",
                    before.as_of(),
                    before.seq,
                    v.list,
                    first
                ),
            );
        }
        // Entities of earlier versions that the version in force no longer has.
        let mut removed: HashSet<EntityId> = HashSet::new();
        for (o, ids) in members[..members.len() - 1].iter().rev() {
            for id in ids.iter().filter(|id| !current.contains(*id)) {
                if !removed.insert(id.clone()) {
                    continue;
                }
                let Some((mut e, _)) = store.entity(id, &VersionSel::Id(o.id))? else {
                    continue;
                };
                // The first version after `o` without it.
                let gone = members
                    .iter()
                    .find(|(x, ids)| x.seq > o.seq && !ids.contains(id))
                    .map(|(x, _)| x.clone())
                    .unwrap_or_else(|| v.clone());
                for d in e.designations.iter_mut().filter(|d| d.ended_on.is_none()) {
                    d.ended_on = Some(gone.as_of());
                    d.end_reason = Some(format!(
                        "absent from version {} of {} (as of {}); removed on or before that date",
                        gone.seq,
                        gone.list,
                        gone.as_of()
                    ));
                }
                entities.push(e);
            }
        }
    }
    Ok(())
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
        let mut law_entities = entities.clone();
        dated_from_versions(store, &versions, &mut law_entities)?;
        let law = LawBook::new(law_entities, events.clone())?;
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
