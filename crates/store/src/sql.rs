//! Every SQL statement of the store.
//!
//! The schema and the queries stick to SQL that SQLite and PostgreSQL
//! both understand (`ON CONFLICT … DO NOTHING`, `LIMIT`, `COALESCE`,
//! `substr`), except where marked: the `INTEGER PRIMARY KEY` row ids and
//! the triggers that make the audit log append-only. A PostgreSQL backend
//! also writes the `?N` placeholders as `$N` and keeps the schema version
//! in a table instead of `PRAGMA user_version`.
//! Timestamps are RFC 3339 UTC text with nanoseconds (fixed width, so
//! text order is time order); dates are `YYYY-MM-DD` text.

/// Schema migrations; migration `i` brings the schema from version `i`
/// to `i + 1` (recorded in `PRAGMA user_version`).
pub const MIGRATIONS: &[&str] = &[
    // 1: list versions and their content.
    "
CREATE TABLE list_version (
    id                INTEGER PRIMARY KEY,
    list              TEXT NOT NULL,
    seq               INTEGER NOT NULL,
    published         TEXT,
    imported_at       TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    entity_count      INTEGER NOT NULL,
    designation_count INTEGER NOT NULL,
    name_count        INTEGER NOT NULL,
    identifier_count  INTEGER NOT NULL,
    event_count       INTEGER NOT NULL,
    source            TEXT NOT NULL,
    UNIQUE (list, seq)
);
CREATE INDEX list_version_imported ON list_version (imported_at);

CREATE TABLE version_file (
    version_id INTEGER NOT NULL REFERENCES list_version (id),
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    PRIMARY KEY (version_id, position)
);

CREATE TABLE entity_blob (
    hash TEXT PRIMARY KEY,
    json TEXT NOT NULL
);

CREATE TABLE version_entity (
    version_id INTEGER NOT NULL REFERENCES list_version (id),
    entity_id  TEXT NOT NULL,
    position   INTEGER NOT NULL,
    hash       TEXT NOT NULL REFERENCES entity_blob (hash),
    caption    TEXT NOT NULL,
    schema     TEXT NOT NULL,
    PRIMARY KEY (version_id, entity_id)
);
CREATE INDEX version_entity_entity ON version_entity (entity_id);

CREATE TABLE version_event (
    version_id INTEGER NOT NULL REFERENCES list_version (id),
    position   INTEGER NOT NULL,
    json       TEXT NOT NULL,
    PRIMARY KEY (version_id, position)
);
",
    // 2: installation records.
    "
CREATE TABLE api_key (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    prev_hash    TEXT,
    hash         TEXT NOT NULL
);
-- SQLite-specific: the log is append-only.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE review (
    id          INTEGER PRIMARY KEY,
    query_key   TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    entity_hash TEXT NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('confirm', 'dismiss')),
    comment     TEXT,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX review_query ON review (query_key);
CREATE INDEX review_entity ON review (entity_id);

CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
",
];

macro_rules! version_cols {
    () => {
        "v.id, v.list, v.seq, v.published, v.imported_at, v.sha256, v.entity_count, \
         v.designation_count, v.name_count, v.identifier_count, v.event_count, v.source"
    };
}

/// The date a version speaks for: published, else the import day.
macro_rules! as_of_expr {
    () => {
        "COALESCE(v.published, substr(v.imported_at, 1, 10))"
    };
}

// --- list versions -------------------------------------------------------

pub const VERSION_BY_ID: &str = concat!(
    "SELECT ",
    version_cols!(),
    " FROM list_version v WHERE v.id = ?1"
);
pub const VERSION_BY_SEQ: &str = concat!(
    "SELECT ",
    version_cols!(),
    " FROM list_version v WHERE v.list = ?1 AND v.seq = ?2"
);
pub const VERSION_LATEST: &str = concat!(
    "SELECT ",
    version_cols!(),
    " FROM list_version v WHERE v.list = ?1 ORDER BY v.seq DESC LIMIT 1"
);
pub const VERSION_AS_OF: &str = concat!(
    "SELECT ",
    version_cols!(),
    " FROM list_version v WHERE v.list = ?1 AND ",
    as_of_expr!(),
    " <= ?2 ORDER BY ",
    as_of_expr!(),
    " DESC, v.seq DESC LIMIT 1"
);
pub const VERSIONS_OF_LIST: &str = concat!(
    "SELECT ",
    version_cols!(),
    " FROM list_version v WHERE v.list = ?1 ORDER BY v.seq"
);
pub const LATEST_VERSIONS: &str = concat!(
    "SELECT ",
    version_cols!(),
    ", (SELECT COUNT(*) FROM list_version c WHERE c.list = v.list)",
    " FROM list_version v",
    " WHERE v.seq = (SELECT MAX(m.seq) FROM list_version m WHERE m.list = v.list)",
    " ORDER BY v.list"
);
pub const FILES_OF_VERSION: &str =
    "SELECT name, sha256, size FROM version_file WHERE version_id = ?1 ORDER BY position";

pub const INSERT_VERSION: &str = "INSERT INTO list_version \
     (list, seq, published, imported_at, sha256, entity_count, designation_count, \
      name_count, identifier_count, event_count, source) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
pub const INSERT_FILE: &str =
    "INSERT INTO version_file (version_id, position, name, sha256, size) \
     VALUES (?1, ?2, ?3, ?4, ?5)";
pub const INSERT_BLOB: &str =
    "INSERT INTO entity_blob (hash, json) VALUES (?1, ?2) ON CONFLICT (hash) DO NOTHING";
pub const INSERT_VERSION_ENTITY: &str = "INSERT INTO version_entity \
     (version_id, entity_id, position, hash, caption, schema) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
pub const INSERT_EVENT: &str =
    "INSERT INTO version_event (version_id, position, json) VALUES (?1, ?2, ?3)";

// --- entities --------------------------------------------------------------

pub const ENTITIES_OF_VERSION: &str = "SELECT ve.entity_id, b.json FROM version_entity ve \
     JOIN entity_blob b ON b.hash = ve.hash WHERE ve.version_id = ?1 ORDER BY ve.position";
pub const ENTITY_IDS_OF_VERSION: &str =
    "SELECT entity_id FROM version_entity WHERE version_id = ?1 ORDER BY position";
pub const ENTITY_ROWS_OF_VERSION: &str =
    "SELECT entity_id, hash, caption, schema FROM version_entity WHERE version_id = ?1";
pub const ENTITY_AT_VERSION: &str = "SELECT b.json FROM version_entity ve \
     JOIN entity_blob b ON b.hash = ve.hash WHERE ve.version_id = ?1 AND ve.entity_id = ?2";
pub const BLOB: &str = "SELECT json FROM entity_blob WHERE hash = ?1";
pub const LISTS_OF_ENTITY: &str = "SELECT DISTINCT v.list FROM version_entity ve \
     JOIN list_version v ON v.id = ve.version_id WHERE ve.entity_id = ?1 ORDER BY v.list";
/// Every version of a list with the entity's hash in it (NULL when absent).
pub const ENTITY_ACROSS_VERSIONS: &str = concat!(
    "SELECT ",
    version_cols!(),
    ", ve.hash FROM list_version v",
    " LEFT JOIN version_entity ve ON ve.version_id = v.id AND ve.entity_id = ?2",
    " WHERE v.list = ?1 ORDER BY v.seq"
);
pub const EVENTS_OF_VERSION: &str =
    "SELECT json FROM version_event WHERE version_id = ?1 ORDER BY position";
/// Entities whose content differs from the list's previous version, in
/// versions imported after a time.
pub const CHANGED_SINCE: &str = "SELECT DISTINCT cur.entity_id FROM version_entity cur \
     JOIN list_version v ON v.id = cur.version_id \
     LEFT JOIN list_version p ON p.list = v.list AND p.seq = v.seq - 1 \
     LEFT JOIN version_entity prev ON prev.version_id = p.id AND prev.entity_id = cur.entity_id \
     WHERE v.imported_at > ?1 AND (prev.hash IS NULL OR prev.hash <> cur.hash) \
     ORDER BY cur.entity_id";

// --- installation records ----------------------------------------------------

pub const INSERT_API_KEY: &str =
    "INSERT INTO api_key (id, name, role, hash, created_at, revoked_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
pub const API_KEYS: &str =
    "SELECT id, name, role, hash, created_at, revoked_at FROM api_key ORDER BY created_at, id";
pub const API_KEY_BY_ID: &str =
    "SELECT id, name, role, hash, created_at, revoked_at FROM api_key WHERE id = ?1";
pub const API_KEY_BY_HASH: &str =
    "SELECT id, name, role, hash, created_at, revoked_at FROM api_key WHERE hash = ?1";
pub const REVOKE_API_KEY: &str =
    "UPDATE api_key SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";

pub const INSERT_AUDIT: &str =
    "INSERT INTO audit_log (at, actor, kind, payload_json, prev_hash, hash) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
pub const AUDIT_FROM: &str = "SELECT seq, at, actor, kind, payload_json, prev_hash, hash \
     FROM audit_log WHERE seq >= ?1 ORDER BY seq LIMIT ?2";
pub const AUDIT_LAST: &str = "SELECT seq, at, actor, kind, payload_json, prev_hash, hash \
     FROM audit_log ORDER BY seq DESC LIMIT 1";

pub const INSERT_REVIEW: &str = "INSERT INTO review \
     (query_key, entity_id, entity_hash, decision, comment, actor, at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
pub const REVIEW_BY_ID: &str =
    "SELECT id, query_key, entity_id, entity_hash, decision, comment, actor, at \
     FROM review WHERE id = ?1";
pub const REVIEWS_BY_QUERY: &str =
    "SELECT id, query_key, entity_id, entity_hash, decision, comment, actor, at \
     FROM review WHERE query_key = ?1 ORDER BY id";
pub const REVIEWS_BY_ENTITY: &str =
    "SELECT id, query_key, entity_id, entity_hash, decision, comment, actor, at \
     FROM review WHERE entity_id = ?1 ORDER BY id";

pub const KV_GET: &str = "SELECT value FROM kv WHERE key = ?1";
pub const KV_SET: &str =
    "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
pub const KV_DELETE: &str = "DELETE FROM kv WHERE key = ?1";
