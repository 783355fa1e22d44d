//! The embedded SQLite backend.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use embargo_model::{Dataset, Entity, EntityId, LifecycleEvent, RawFile};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior};

use crate::content::{self, dataset_sha256};
use crate::diff::{compare_entities, programs};
use crate::error::SqlContext;
use crate::records::{ApiKey, AuditEntry, Decision, NewAuditEntry, NewReview, Review};
use crate::{
    sql, Diff, DiffSummary, EntityChange, EntityRevision, EntitySummary, FieldChange, ImportMeta,
    ImportOutcome, ListSummary, ListVersion, RevisionChange, Store, StoreError, VersionSel,
};

/// A [`Store`] on an SQLite database (a file, or memory for tests).
///
/// The connection runs in WAL mode with foreign keys on and a 10 s busy
/// timeout; opening applies pending schema migrations.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    /// Test hook: fail an import after this many entity rows.
    #[cfg(test)]
    fail_after: Option<usize>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(open_err)?;
        Self::init(conn).map_err(|e| match e {
            StoreError::Sql { source, .. } => open_err(source),
            other => other,
        })
    }

    /// Opens a fresh database in memory.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().ctx("opening an in-memory database")?;
        Self::init(conn)
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(Duration::from_secs(10))
            .ctx("setting the busy timeout")?;
        conn.pragma_update(None, "foreign_keys", true)
            .ctx("enabling foreign keys")?;
        // In-memory databases answer "memory"; files switch to WAL.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .ctx("enabling WAL mode")?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn,
            #[cfg(test)]
            fail_after: None,
        })
    }

    /// The schema version (the number of migrations applied).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        user_version(&self.conn)
    }

    /// Runs SQLite's `PRAGMA integrity_check`; returns the problems found
    /// (empty when the database is sound).
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .ctx("checking integrity")?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .ctx("checking integrity")?
            .collect::<Result<_, _>>()
            .ctx("checking integrity")?;
        Ok(if rows == ["ok"] { Vec::new() } else { rows })
    }
}

fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .ctx("reading the schema version")
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let supported = sql::MIGRATIONS.len() as i64;
    let found = user_version(conn)?;
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    for (i, migration) in sql::MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx("starting a migration")?;
        // Another process may have migrated while we waited for the lock.
        if user_version(&tx)? > i as i64 {
            continue;
        }
        tx.execute_batch(migration).ctx("migrating the schema")?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .ctx("recording the schema version")?;
        tx.commit().ctx("committing a migration")?;
    }
    Ok(())
}

// --- conversions -------------------------------------------------------------

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn parse_ts(s: &str, what: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| corrupt(what, format!("timestamp '{s}': {e}")))
}

fn opt_ts(s: Option<String>, what: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    s.map(|s| parse_ts(&s, what)).transpose()
}

fn corrupt(what: &str, detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        what: what.to_string(),
        detail: detail.into(),
    }
}

fn to_u64(n: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| corrupt(what, format!("negative count {n}")))
}

fn is_constraint(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

fn parse_entity(json: &str, what: &str) -> Result<Entity, StoreError> {
    serde_json::from_str(json).map_err(|e| corrupt(what, e.to_string()))
}

/// Orders entity ids naturally: `l:9` before `l:10`.
fn id_order(id: &str) -> (&str, Option<u64>, &str) {
    let (list, key) = id.split_once(':').unwrap_or((id, ""));
    (list, key.parse().ok(), key)
}

// --- list versions -------------------------------------------------------------

/// A `list_version` row as stored, before parsing.
struct VersionRow {
    id: i64,
    list: String,
    seq: i64,
    published: Option<String>,
    imported_at: String,
    sha256: String,
    counts: [i64; 5],
    source: String,
}

impl VersionRow {
    /// Reads the columns of `version_cols!()`, starting at 0.
    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(VersionRow {
            id: r.get(0)?,
            list: r.get(1)?,
            seq: r.get(2)?,
            published: r.get(3)?,
            imported_at: r.get(4)?,
            sha256: r.get(5)?,
            counts: [r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?],
            source: r.get(11)?,
        })
    }

    fn finish(self, conn: &Connection) -> Result<ListVersion, StoreError> {
        let what = format!("list version {}", self.id);
        let seq = u32::try_from(self.seq)
            .map_err(|_| corrupt(&what, format!("sequence number {}", self.seq)))?;
        let published = self
            .published
            .map(|p| {
                NaiveDate::parse_from_str(&p, "%Y-%m-%d")
                    .map_err(|e| corrupt(&what, format!("published date '{p}': {e}")))
            })
            .transpose()?;
        let mut stmt = conn
            .prepare_cached(sql::FILES_OF_VERSION)
            .ctx("reading version files")?;
        let files = stmt
            .query_map([self.id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .ctx("reading version files")?
            .map(|r| {
                let (name, hash, size) = r.ctx("reading version files")?;
                Ok((name, hash, to_u64(size, &what)?))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let [entities, designations, names, identifiers, events] = self.counts;
        Ok(ListVersion {
            id: self.id,
            list: self.list,
            seq,
            published,
            imported_at: parse_ts(&self.imported_at, &what)?,
            sha256: self.sha256,
            files,
            entity_count: to_u64(entities, &what)?,
            designation_count: to_u64(designations, &what)?,
            name_count: to_u64(names, &what)?,
            identifier_count: to_u64(identifiers, &what)?,
            event_count: to_u64(events, &what)?,
            source: self.source,
        })
    }
}

fn version_where(
    conn: &Connection,
    query: &str,
    params: impl rusqlite::Params,
) -> Result<Option<ListVersion>, StoreError> {
    let row = conn
        .prepare_cached(query)
        .ctx("reading a list version")?
        .query_row(params, VersionRow::read)
        .optional()
        .ctx("reading a list version")?;
    row.map(|r| r.finish(conn)).transpose()
}

fn version_by_id(conn: &Connection, id: i64) -> Result<ListVersion, StoreError> {
    version_where(conn, sql::VERSION_BY_ID, [id])?.ok_or(StoreError::NoSuchVersion(id))
}

fn resolve_on(
    conn: &Connection,
    list: &str,
    sel: &VersionSel,
) -> Result<Option<ListVersion>, StoreError> {
    match sel {
        VersionSel::Latest => version_where(conn, sql::VERSION_LATEST, [list]),
        VersionSel::Id(id) => {
            Ok(version_where(conn, sql::VERSION_BY_ID, [id])?.filter(|v| v.list == list))
        }
        VersionSel::Seq(seq) => version_where(conn, sql::VERSION_BY_SEQ, params![list, seq]),
        VersionSel::AsOf(date) => {
            version_where(conn, sql::VERSION_AS_OF, params![list, date.to_string()])
        }
    }
}

// --- entities ----------------------------------------------------------------------

/// A `version_entity` row.
struct EntityRow {
    id: String,
    hash: String,
    caption: String,
}

fn entity_rows(
    conn: &Connection,
    version_id: i64,
) -> Result<HashMap<String, EntityRow>, StoreError> {
    let mut stmt = conn
        .prepare_cached(sql::ENTITY_ROWS_OF_VERSION)
        .ctx("reading version entities")?;
    let rows = stmt
        .query_map([version_id], |r| {
            Ok(EntityRow {
                id: r.get(0)?,
                hash: r.get(1)?,
                caption: r.get(2)?,
            })
        })
        .ctx("reading version entities")?;
    let mut out = HashMap::new();
    for row in rows {
        let row = row.ctx("reading version entities")?;
        out.insert(row.id.clone(), row);
    }
    Ok(out)
}

fn load_blob(conn: &Connection, hash: &str) -> Result<Entity, StoreError> {
    let json: Option<String> = conn
        .prepare_cached(sql::BLOB)
        .ctx("reading an entity")?
        .query_row([hash], |r| r.get(0))
        .optional()
        .ctx("reading an entity")?;
    let json = json.ok_or_else(|| corrupt("entity blob", format!("missing blob {hash}")))?;
    parse_entity(&json, &format!("entity blob {hash}"))
}

/// How the entities of two versions compare.
struct Classified {
    added: Vec<EntityRow>,
    removed: Vec<EntityRow>,
    changed: Vec<EntityChange>,
    unchanged: usize,
}

/// Compares the entities of version `from` (or nothing) with version `to`.
/// Entities whose hashes differ are compared field by field; those equal
/// up to order count as unchanged.
fn classify(conn: &Connection, from: Option<i64>, to: i64) -> Result<Classified, StoreError> {
    let mut old = match from {
        Some(id) => entity_rows(conn, id)?,
        None => HashMap::new(),
    };
    let new = entity_rows(conn, to)?;
    let mut out = Classified {
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
    };
    for (id, row) in new {
        match old.remove(&id) {
            None => out.added.push(row),
            Some(prev) if prev.hash == row.hash => out.unchanged += 1,
            Some(prev) => {
                let before = load_blob(conn, &prev.hash)?;
                let after = load_blob(conn, &row.hash)?;
                let fields = compare_entities(&before, &after);
                if fields.is_empty() {
                    out.unchanged += 1;
                } else {
                    out.changed.push(EntityChange {
                        id: EntityId(id),
                        caption: row.caption,
                        fields,
                    });
                }
            }
        }
    }
    out.removed = old.into_values().collect();
    out.added
        .sort_by(|a, b| id_order(&a.id).cmp(&id_order(&b.id)));
    out.removed
        .sort_by(|a, b| id_order(&a.id).cmp(&id_order(&b.id)));
    out.changed
        .sort_by(|a, b| id_order(a.id.as_str()).cmp(&id_order(b.id.as_str())));
    Ok(out)
}

fn summarize(conn: &Connection, row: &EntityRow) -> Result<EntitySummary, StoreError> {
    let e = load_blob(conn, &row.hash)?;
    Ok(EntitySummary {
        programs: programs(&e),
        caption: row.caption.clone(),
        schema: e.schema,
        id: e.id,
    })
}

/// An entity prepared for writing.
struct Prepared<'a> {
    entity: &'a Entity,
    json: String,
    hash: String,
}

impl Store for SqliteStore {
    fn import(
        &mut self,
        dataset: &Dataset,
        files: &[RawFile],
        meta: ImportMeta,
    ) -> Result<ImportOutcome, StoreError> {
        content::validate_dataset(dataset)?;
        let digests = content::file_digests(files);
        let file_sha = (!files.is_empty()).then(|| content::content_sha256(&digests));
        // Fast path: unchanged files need no serialisation at all. The
        // check is repeated inside the transaction below.
        if let Some(sha) = &file_sha {
            let latest = version_where(&self.conn, sql::VERSION_LATEST, [&dataset.list])?;
            if let Some(existing) = latest.filter(|v| &v.sha256 == sha) {
                return Ok(ImportOutcome::Unchanged { existing });
            }
        }
        let prepared = dataset
            .entities
            .iter()
            .map(|entity| {
                let json = content::entity_json(entity)?;
                let hash = content::sha256_hex(json.as_bytes());
                Ok(Prepared { entity, json, hash })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let events = dataset
            .events
            .iter()
            .map(|ev| {
                serde_json::to_string(ev).map_err(|source| StoreError::Serialize {
                    what: format!("event '{}'", ev.id),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let sha256 = file_sha.unwrap_or_else(|| {
            dataset_sha256(
                prepared
                    .iter()
                    .map(|p| (p.entity.id.as_str(), p.hash.as_str())),
                &events,
            )
        });
        let published = meta.published.or(dataset.published);
        let ents = &dataset.entities;
        let count = |f: fn(&Entity) -> usize| ents.iter().map(f).sum::<usize>() as i64;

        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx("starting an import")?;
        let previous = version_where(&tx, sql::VERSION_LATEST, [&dataset.list])?;
        if let Some(prev) = previous.as_ref().filter(|p| p.sha256 == sha256) {
            // Dropping the transaction rolls it back: nothing was written.
            return Ok(ImportOutcome::Unchanged {
                existing: prev.clone(),
            });
        }
        let seq = previous.as_ref().map_or(1, |p| p.seq + 1);
        tx.execute(
            sql::INSERT_VERSION,
            params![
                dataset.list,
                seq,
                published.map(|d| d.to_string()),
                ts(Utc::now()),
                sha256,
                ents.len() as i64,
                count(|e| e.designations.len()),
                count(|e| e.names.len()),
                count(|e| e.identifiers.len()),
                events.len() as i64,
                meta.source,
            ],
        )
        .ctx("writing the list version")?;
        let version_id = tx.last_insert_rowid();
        {
            let mut stmt = tx.prepare_cached(sql::INSERT_FILE).ctx("writing files")?;
            for (i, (name, hash, size)) in digests.iter().enumerate() {
                stmt.execute(params![version_id, i as i64, name, hash, *size as i64])
                    .ctx("writing files")?;
            }
            let mut blob = tx
                .prepare_cached(sql::INSERT_BLOB)
                .ctx("writing entities")?;
            let mut row = tx
                .prepare_cached(sql::INSERT_VERSION_ENTITY)
                .ctx("writing entities")?;
            for (i, p) in prepared.iter().enumerate() {
                #[cfg(test)]
                if self.fail_after == Some(i) {
                    return Err(StoreError::Injected(i));
                }
                blob.execute(params![p.hash, p.json])
                    .ctx("writing entities")?;
                row.execute(params![
                    version_id,
                    p.entity.id.as_str(),
                    i as i64,
                    p.hash,
                    p.entity.caption(),
                    p.entity.schema.as_str(),
                ])
                .ctx("writing entities")?;
            }
            let mut stmt = tx.prepare_cached(sql::INSERT_EVENT).ctx("writing events")?;
            for (i, json) in events.iter().enumerate() {
                stmt.execute(params![version_id, i as i64, json])
                    .ctx("writing events")?;
            }
        }
        let c = classify(&tx, previous.as_ref().map(|p| p.id), version_id)?;
        let summary = DiffSummary {
            from: previous.as_ref().map(|p| p.id),
            to: version_id,
            added: c.added.len(),
            removed: c.removed.len(),
            changed: c.changed.len(),
            unchanged: c.unchanged,
        };
        let version = version_by_id(&tx, version_id)?;
        tx.commit().ctx("committing the import")?;
        Ok(ImportOutcome::Created { version, summary })
    }

    fn lists(&self) -> Result<Vec<ListSummary>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(sql::LATEST_VERSIONS)
            .ctx("listing lists")?;
        let rows = stmt
            .query_map([], |r| Ok((VersionRow::read(r)?, r.get::<_, i64>(12)?)))
            .ctx("listing lists")?
            .collect::<Result<Vec<_>, _>>()
            .ctx("listing lists")?;
        rows.into_iter()
            .map(|(row, n)| {
                let latest = row.finish(&self.conn)?;
                Ok(ListSummary {
                    list: latest.list.clone(),
                    version_count: u32::try_from(n)
                        .map_err(|_| corrupt("list", format!("version count {n}")))?,
                    entity_count: latest.entity_count,
                    as_of: latest.published,
                    latest,
                })
            })
            .collect()
    }

    fn versions(&self, list: &str) -> Result<Vec<ListVersion>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(sql::VERSIONS_OF_LIST)
            .ctx("listing versions")?;
        let rows = stmt
            .query_map([list], VersionRow::read)
            .ctx("listing versions")?
            .collect::<Result<Vec<_>, _>>()
            .ctx("listing versions")?;
        rows.into_iter().map(|r| r.finish(&self.conn)).collect()
    }

    fn resolve(&self, list: &str, sel: &VersionSel) -> Result<Option<ListVersion>, StoreError> {
        resolve_on(&self.conn, list, sel)
    }

    fn entities(&self, version_id: i64) -> Result<Vec<Entity>, StoreError> {
        version_by_id(&self.conn, version_id)?;
        let mut stmt = self
            .conn
            .prepare_cached(sql::ENTITIES_OF_VERSION)
            .ctx("reading entities")?;
        let rows = stmt
            .query_map([version_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .ctx("reading entities")?;
        rows.map(|r| {
            let (id, json) = r.ctx("reading entities")?;
            parse_entity(&json, &format!("entity '{id}' of version {version_id}"))
        })
        .collect()
    }

    fn entity_ids(&self, version_id: i64) -> Result<Vec<EntityId>, StoreError> {
        version_by_id(&self.conn, version_id)?;
        let mut stmt = self
            .conn
            .prepare_cached(sql::ENTITY_IDS_OF_VERSION)
            .ctx("reading entity ids")?;
        let rows = stmt
            .query_map([version_id], |r| r.get::<_, String>(0))
            .ctx("reading entity ids")?;
        rows.map(|r| Ok(EntityId(r.ctx("reading entity ids")?)))
            .collect()
    }

    fn events(&self, version_id: i64) -> Result<Vec<LifecycleEvent>, StoreError> {
        version_by_id(&self.conn, version_id)?;
        let mut stmt = self
            .conn
            .prepare_cached(sql::EVENTS_OF_VERSION)
            .ctx("reading events")?;
        let rows = stmt
            .query_map([version_id], |r| r.get::<_, String>(0))
            .ctx("reading events")?;
        rows.map(|r| {
            let json = r.ctx("reading events")?;
            serde_json::from_str(&json)
                .map_err(|e| corrupt(&format!("event of version {version_id}"), e.to_string()))
        })
        .collect()
    }

    fn entity(
        &self,
        id: &EntityId,
        sel: &VersionSel,
    ) -> Result<Option<(Entity, ListVersion)>, StoreError> {
        let lists = lists_of_entity(&self.conn, id)?;
        let Some(list) = lists
            .iter()
            .find(|l| l.as_str() == id.list())
            .or(lists.first())
        else {
            return Ok(None);
        };
        let Some(version) = resolve_on(&self.conn, list, sel)? else {
            return Ok(None);
        };
        let json: Option<String> = self
            .conn
            .prepare_cached(sql::ENTITY_AT_VERSION)
            .ctx("reading an entity")?
            .query_row(params![version.id, id.as_str()], |r| r.get(0))
            .optional()
            .ctx("reading an entity")?;
        json.map(|j| {
            let e = parse_entity(&j, &format!("entity '{id}' of version {}", version.id))?;
            Ok((e, version))
        })
        .transpose()
    }

    fn history(&self, id: &EntityId) -> Result<Vec<EntityRevision>, StoreError> {
        let mut out = Vec::new();
        for list in lists_of_entity(&self.conn, id)? {
            let mut stmt = self
                .conn
                .prepare_cached(sql::ENTITY_ACROSS_VERSIONS)
                .ctx("reading an entity's history")?;
            let rows = stmt
                .query_map(params![list, id.as_str()], |r| {
                    Ok((VersionRow::read(r)?, r.get::<_, Option<String>>(12)?))
                })
                .ctx("reading an entity's history")?
                .collect::<Result<Vec<_>, _>>()
                .ctx("reading an entity's history")?;
            let mut timeline = Timeline::default();
            for (row, hash) in rows {
                let version = row.finish(&self.conn)?;
                let entity = hash
                    .map(|h| load_blob(&self.conn, &h).map(|e| (h, e)))
                    .transpose()?;
                timeline.step(version, entity);
            }
            out.extend(timeline.finish());
        }
        Ok(out)
    }

    fn diff(&self, list: &str, from: i64, to: i64) -> Result<Diff, StoreError> {
        let from_v = version_by_id(&self.conn, from)?;
        let to_v = version_by_id(&self.conn, to)?;
        for v in [&from_v, &to_v] {
            if v.list != list {
                return Err(StoreError::WrongList {
                    id: v.id,
                    expected: list.to_string(),
                    actual: v.list.clone(),
                });
            }
        }
        let c = classify(&self.conn, Some(from), to)?;
        let added = c
            .added
            .iter()
            .map(|r| summarize(&self.conn, r))
            .collect::<Result<_, _>>()?;
        let removed = c
            .removed
            .iter()
            .map(|r| summarize(&self.conn, r))
            .collect::<Result<_, _>>()?;
        Ok(Diff {
            from: from_v,
            to: to_v,
            added,
            removed,
            changed: c.changed,
            unchanged: c.unchanged,
        })
    }

    fn changed_since(&self, since: DateTime<Utc>) -> Result<Vec<EntityId>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(sql::CHANGED_SINCE)
            .ctx("reading changed entities")?;
        let mut ids = stmt
            .query_map([ts(since)], |r| r.get::<_, String>(0).map(EntityId))
            .ctx("reading changed entities")?
            .collect::<Result<Vec<_>, _>>()
            .ctx("reading changed entities")?;
        ids.sort_by(|a, b| id_order(a.as_str()).cmp(&id_order(b.as_str())));
        Ok(ids)
    }

    fn insert_api_key(&mut self, key: &ApiKey) -> Result<(), StoreError> {
        self.conn
            .execute(
                sql::INSERT_API_KEY,
                params![
                    key.id,
                    key.name,
                    key.role,
                    key.hash,
                    ts(key.created_at),
                    key.revoked_at.map(ts)
                ],
            )
            .map_err(|e| {
                if is_constraint(&e) {
                    StoreError::Duplicate {
                        what: "API key",
                        key: key.id.clone(),
                    }
                } else {
                    StoreError::Sql {
                        context: "writing an API key",
                        source: e,
                    }
                }
            })?;
        Ok(())
    }

    fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(sql::API_KEYS)
            .ctx("reading API keys")?;
        let rows = stmt
            .query_map([], ApiKeyRow::read)
            .ctx("reading API keys")?
            .collect::<Result<Vec<_>, _>>()
            .ctx("reading API keys")?;
        rows.into_iter().map(ApiKeyRow::finish).collect()
    }

    fn api_key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        api_key_where(&self.conn, sql::API_KEY_BY_ID, id)
    }

    fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError> {
        api_key_where(&self.conn, sql::API_KEY_BY_HASH, hash)
    }

    fn revoke_api_key(&mut self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(sql::REVOKE_API_KEY, params![id, ts(at)])
            .ctx("revoking an API key")?;
        Ok(n > 0)
    }

    fn append_audit(&mut self, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx("appending to the audit log")?;
        let last = last_audit_on(&tx)?;
        let actual = last.map(|l| l.hash);
        if actual != entry.prev_hash {
            return Err(StoreError::AuditConflict {
                given: entry.prev_hash.clone(),
                actual,
            });
        }
        tx.execute(
            sql::INSERT_AUDIT,
            params![
                ts(entry.at),
                entry.actor,
                entry.kind,
                entry.payload_json,
                entry.prev_hash,
                entry.hash
            ],
        )
        .ctx("appending to the audit log")?;
        let seq = tx.last_insert_rowid();
        tx.commit().ctx("appending to the audit log")?;
        Ok(AuditEntry {
            seq,
            at: entry.at,
            actor: entry.actor.clone(),
            kind: entry.kind.clone(),
            payload_json: entry.payload_json.clone(),
            prev_hash: entry.prev_hash.clone(),
            hash: entry.hash.clone(),
        })
    }

    fn audit_entries(&self, from_seq: i64, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare_cached(sql::AUDIT_FROM)
            .ctx("reading the audit log")?;
        let rows = stmt
            .query_map(params![from_seq, limit], AuditRow::read)
            .ctx("reading the audit log")?
            .collect::<Result<Vec<_>, _>>()
            .ctx("reading the audit log")?;
        rows.into_iter().map(AuditRow::finish).collect()
    }

    fn last_audit(&self) -> Result<Option<AuditEntry>, StoreError> {
        last_audit_on(&self.conn)
    }

    fn insert_review(&mut self, review: &NewReview) -> Result<Review, StoreError> {
        self.conn
            .execute(
                sql::INSERT_REVIEW,
                params![
                    review.query_key,
                    review.entity_id.as_str(),
                    review.entity_hash,
                    review.decision.as_str(),
                    review.comment,
                    review.actor,
                    ts(review.at)
                ],
            )
            .ctx("writing a review")?;
        Ok(Review {
            id: self.conn.last_insert_rowid(),
            query_key: review.query_key.clone(),
            entity_id: review.entity_id.clone(),
            entity_hash: review.entity_hash.clone(),
            decision: review.decision,
            comment: review.comment.clone(),
            actor: review.actor.clone(),
            at: review.at,
        })
    }

    fn review(&self, id: i64) -> Result<Option<Review>, StoreError> {
        let row = self
            .conn
            .prepare_cached(sql::REVIEW_BY_ID)
            .ctx("reading a review")?
            .query_row([id], ReviewRow::read)
            .optional()
            .ctx("reading a review")?;
        row.map(ReviewRow::finish).transpose()
    }

    fn reviews_for_query(&self, query_key: &str) -> Result<Vec<Review>, StoreError> {
        reviews_where(&self.conn, sql::REVIEWS_BY_QUERY, query_key)
    }

    fn reviews_for_entity(&self, id: &EntityId) -> Result<Vec<Review>, StoreError> {
        reviews_where(&self.conn, sql::REVIEWS_BY_ENTITY, id.as_str())
    }

    fn kv_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .prepare_cached(sql::KV_GET)
            .ctx("reading a setting")?
            .query_row([key], |r| r.get(0))
            .optional()
            .ctx("reading a setting")
    }

    fn kv_set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(sql::KV_SET, [key, value])
            .ctx("writing a setting")?;
        Ok(())
    }

    fn kv_delete(&mut self, key: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(sql::KV_DELETE, [key])
            .ctx("deleting a setting")?;
        Ok(n > 0)
    }
}

fn lists_of_entity(conn: &Connection, id: &EntityId) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn
        .prepare_cached(sql::LISTS_OF_ENTITY)
        .ctx("finding an entity's lists")?;
    let lists = stmt
        .query_map([id.as_str()], |r| r.get(0))
        .ctx("finding an entity's lists")?
        .collect::<Result<Vec<String>, _>>()
        .ctx("finding an entity's lists")?;
    Ok(lists)
}

/// Folds an entity's presence across consecutive versions into revisions.
#[derive(Default)]
struct Timeline {
    out: Vec<EntityRevision>,
    /// The entity's state at the previous version (`None`: absent).
    current: Option<(String, Entity)>,
    /// An open run of unchanged versions: first, last, count.
    run: Option<(ListVersion, ListVersion, u32)>,
}

impl Timeline {
    fn step(&mut self, version: ListVersion, now: Option<(String, Entity)>) {
        match (self.current.take(), now) {
            (None, None) => {}
            (None, Some((hash, entity))) => {
                self.close_run();
                self.push(version, RevisionChange::Added, Some(entity.clone()));
                self.current = Some((hash, entity));
            }
            (Some(_), None) => {
                self.close_run();
                self.push(version, RevisionChange::Removed, None);
            }
            (Some((old_hash, old)), Some((hash, entity))) => {
                let fields: Vec<FieldChange> = if old_hash == hash {
                    Vec::new()
                } else {
                    compare_entities(&old, &entity)
                };
                if fields.is_empty() {
                    self.extend_run(version);
                } else {
                    self.close_run();
                    self.push(
                        version,
                        RevisionChange::Changed { fields },
                        Some(entity.clone()),
                    );
                }
                self.current = Some((hash, entity));
            }
        }
    }

    fn push(&mut self, version: ListVersion, change: RevisionChange, entity: Option<Entity>) {
        self.out.push(EntityRevision {
            version,
            change,
            entity,
        });
    }

    fn extend_run(&mut self, version: ListVersion) {
        match &mut self.run {
            Some((_, last, n)) => {
                *last = version;
                *n += 1;
            }
            None => self.run = Some((version.clone(), version, 1)),
        }
    }

    fn close_run(&mut self) {
        if let Some((first, through, versions)) = self.run.take() {
            self.push(first, RevisionChange::Unchanged { versions, through }, None);
        }
    }

    fn finish(mut self) -> Vec<EntityRevision> {
        self.close_run();
        self.out
    }
}

// --- installation records ----------------------------------------------------------

struct ApiKeyRow(String, String, String, String, String, Option<String>);

impl ApiKeyRow {
    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(ApiKeyRow(
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    }

    fn finish(self) -> Result<ApiKey, StoreError> {
        let what = format!("API key '{}'", self.0);
        Ok(ApiKey {
            created_at: parse_ts(&self.4, &what)?,
            revoked_at: opt_ts(self.5, &what)?,
            id: self.0,
            name: self.1,
            role: self.2,
            hash: self.3,
        })
    }
}

fn api_key_where(conn: &Connection, query: &str, arg: &str) -> Result<Option<ApiKey>, StoreError> {
    let row = conn
        .prepare_cached(query)
        .ctx("reading an API key")?
        .query_row([arg], ApiKeyRow::read)
        .optional()
        .ctx("reading an API key")?;
    row.map(ApiKeyRow::finish).transpose()
}

struct AuditRow(i64, String, String, String, String, Option<String>, String);

impl AuditRow {
    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(AuditRow(
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    }

    fn finish(self) -> Result<AuditEntry, StoreError> {
        Ok(AuditEntry {
            seq: self.0,
            at: parse_ts(&self.1, &format!("audit entry {}", self.0))?,
            actor: self.2,
            kind: self.3,
            payload_json: self.4,
            prev_hash: self.5,
            hash: self.6,
        })
    }
}

fn last_audit_on(conn: &Connection) -> Result<Option<AuditEntry>, StoreError> {
    let row = conn
        .prepare_cached(sql::AUDIT_LAST)
        .ctx("reading the audit log")?
        .query_row([], AuditRow::read)
        .optional()
        .ctx("reading the audit log")?;
    row.map(AuditRow::finish).transpose()
}

struct ReviewRow {
    id: i64,
    query_key: String,
    entity_id: String,
    entity_hash: String,
    decision: String,
    comment: Option<String>,
    actor: String,
    at: String,
}

impl ReviewRow {
    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(ReviewRow {
            id: r.get(0)?,
            query_key: r.get(1)?,
            entity_id: r.get(2)?,
            entity_hash: r.get(3)?,
            decision: r.get(4)?,
            comment: r.get(5)?,
            actor: r.get(6)?,
            at: r.get(7)?,
        })
    }

    fn finish(self) -> Result<Review, StoreError> {
        let what = format!("review {}", self.id);
        let decision: Decision = self
            .decision
            .parse()
            .map_err(|e: crate::records::DecisionError| corrupt(&what, e.to_string()))?;
        Ok(Review {
            id: self.id,
            query_key: self.query_key,
            entity_id: EntityId(self.entity_id),
            entity_hash: self.entity_hash,
            decision,
            comment: self.comment,
            actor: self.actor,
            at: parse_ts(&self.at, &what)?,
        })
    }
}

fn reviews_where(conn: &Connection, query: &str, arg: &str) -> Result<Vec<Review>, StoreError> {
    let mut stmt = conn.prepare_cached(query).ctx("reading reviews")?;
    let rows = stmt
        .query_map([arg], ReviewRow::read)
        .ctx("reading reviews")?
        .collect::<Result<Vec<_>, _>>()
        .ctx("reading reviews")?;
    rows.into_iter().map(ReviewRow::finish).collect()
}

#[cfg(test)]
mod tests;
