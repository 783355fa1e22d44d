//! The installation's records: API keys, the hash-chained audit log,
//! screening receipts and match reviews — the `embargo-audit` logic over the
//! store's tables, shared by the CLI and the server.

use chrono::{DateTime, Utc};
use embargo_audit::{
    generate_key, next_record_after, sign_receipt, AuditRecord, ChainHead, NewKey, Receipt, Role,
    SignedReceipt, SigningKeyPair, StoredKey, Verifier, VerifyReport, GENESIS_HASH,
};
use embargo_model::EntityId;
use embargo_store::{ApiKey, AuditEntry, Decision, NewAuditEntry, NewReview, Review};
use serde_json::Value;

use crate::{Engine, EngineError};

/// The `kv` key of the installation's ed25519 signing key.
const SIGNING_KEY: &str = "receipt_signing_key";

/// Page size when reading the audit log.
const AUDIT_PAGE: usize = 1000;

fn to_record(e: &AuditEntry) -> Result<AuditRecord, EngineError> {
    let payload: Value = serde_json::from_str(&e.payload_json).map_err(|err| {
        EngineError::Audit(format!(
            "audit record {}: payload is not JSON: {err}",
            e.seq
        ))
    })?;
    Ok(AuditRecord {
        seq: e.seq as u64,
        at: e.at,
        actor: e.actor.clone(),
        kind: e.kind.clone(),
        payload,
        prev_hash: e
            .prev_hash
            .clone()
            .unwrap_or_else(|| GENESIS_HASH.to_string()),
        hash: e.hash.clone(),
    })
}

fn to_stored(k: &ApiKey) -> Result<StoredKey, EngineError> {
    let role: Role = k.role.parse().map_err(|_| {
        EngineError::Audit(format!("API key {} has an unknown role '{}'", k.id, k.role))
    })?;
    Ok(StoredKey {
        id: k.id.clone(),
        name: k.name.clone(),
        role,
        hash: k.hash.clone(),
        created_at: k.created_at,
        revoked_at: k.revoked_at,
    })
}

impl Engine {
    /// Appends one record to the audit chain (read head + insert under the
    /// store lock, so concurrent writers cannot fork the chain).
    pub fn audit(
        &self,
        actor: &str,
        kind: &str,
        payload: Value,
    ) -> Result<AuditRecord, EngineError> {
        self.with_store_mut_e(|store| {
            // The chain goes on from the last record's number and hash; its
            // payload need not be read.
            let head = store.last_audit()?.map(|e| ChainHead {
                seq: e.seq as u64,
                hash: e.hash,
            });
            let (rec, payload_json) =
                next_record_after(head.as_ref(), Utc::now(), actor, kind, payload);
            store.append_audit(&NewAuditEntry {
                at: rec.at,
                actor: rec.actor.clone(),
                kind: rec.kind.clone(),
                payload_json,
                prev_hash: head.map(|h| h.hash),
                hash: rec.hash.clone(),
            })?;
            Ok(rec)
        })
    }

    /// Audit records with `from_seq <= seq`, at most `limit`.
    pub fn audit_records(
        &self,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, EngineError> {
        let entries = self.with_store_ref(|s| s.audit_entries(from_seq as i64, limit))?;
        entries.iter().map(to_record).collect()
    }

    /// Verifies the whole chain as stored.
    pub fn audit_verify(&self) -> Result<VerifyReport, EngineError> {
        let mut v = Verifier::new();
        let mut from = 1u64;
        loop {
            let page = self.audit_records(from, AUDIT_PAGE)?;
            let Some(last) = page.last() else { break };
            from = last.seq + 1;
            for r in &page {
                v.push(r).map_err(|e| EngineError::Audit(e.to_string()))?;
            }
        }
        v.finish().map_err(|e| EngineError::Audit(e.to_string()))
    }

    /// All audit records whose time is within `[from, to)`.
    pub fn audit_between(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Vec<AuditRecord>, EngineError> {
        let mut out = Vec::new();
        let mut seq = 1u64;
        loop {
            let page = self.audit_records(seq, AUDIT_PAGE)?;
            let Some(last) = page.last() else { break };
            seq = last.seq + 1;
            out.extend(
                page.into_iter()
                    .filter(|r| from.is_none_or(|f| r.at >= f) && to.is_none_or(|t| r.at < t)),
            );
        }
        Ok(out)
    }

    /// Creates an API key; the secret is returned once and never stored.
    pub fn create_key(&self, name: &str, role: Role) -> Result<NewKey, EngineError> {
        let (new, stored) = generate_key(name, role);
        self.with_store_mut(|s| {
            s.insert_api_key(&ApiKey {
                id: stored.id.clone(),
                name: stored.name.clone(),
                role: stored.role.as_str().to_string(),
                hash: stored.hash.clone(),
                created_at: stored.created_at,
                revoked_at: None,
            })
        })?;
        self.audit(
            "cli",
            "key_created",
            serde_json::json!({"id": new.id, "name": name, "role": role.as_str()}),
        )?;
        Ok(new)
    }

    pub fn keys(&self) -> Result<Vec<StoredKey>, EngineError> {
        let keys = self.with_store_ref(|s| s.api_keys())?;
        keys.iter().map(to_stored).collect()
    }

    /// The key with this public id, if any.
    pub fn key(&self, id: &str) -> Result<Option<StoredKey>, EngineError> {
        let key = self.with_store_ref(|s| s.api_key(id))?;
        key.as_ref().map(to_stored).transpose()
    }

    /// Revokes a key; false when there is no such key.
    pub fn revoke_key(&self, id: &str, actor: &str) -> Result<bool, EngineError> {
        let done = self.with_store_mut(|s| s.revoke_api_key(id, Utc::now()))?;
        if done {
            self.audit(actor, "key_revoked", serde_json::json!({"id": id}))?;
        }
        Ok(done)
    }

    /// True when at least one key is active (the server then requires keys).
    pub fn has_active_keys(&self) -> Result<bool, EngineError> {
        Ok(self.keys()?.iter().any(|k| !k.is_revoked()))
    }

    /// The installation's receipt signing key, created on first use.
    pub fn signing_key(&self) -> Result<SigningKeyPair, EngineError> {
        self.with_store_mut_e(|s| {
            if let Some(hex) = s.kv_get(SIGNING_KEY)? {
                return SigningKeyPair::from_secret_hex(&hex).map_err(|e| {
                    EngineError::Audit(format!("stored signing key is unusable: {e}"))
                });
            }
            let key = SigningKeyPair::generate();
            s.kv_set(SIGNING_KEY, &key.secret_hex())?;
            Ok(key)
        })
    }

    /// Signs a receipt with the installation key.
    pub fn sign(&self, receipt: Receipt) -> Result<SignedReceipt, EngineError> {
        let key = self.signing_key()?;
        sign_receipt(receipt, &key).map_err(|e| EngineError::Audit(e.to_string()))
    }

    /// Records a review decision on a (query, entity) pair, audited.
    pub fn review(
        &self,
        query_key: &str,
        query: &str,
        entity: &EntityId,
        decision: Decision,
        comment: Option<String>,
        actor: &str,
    ) -> Result<Review, EngineError> {
        let snap = self.snapshot();
        let e = snap.entity(entity).ok_or_else(|| {
            EngineError::Audit(format!("no entity '{entity}' in the current lists"))
        })?;
        let entity_hash = embargo_store::entity_hash(e)?;
        let review = self.with_store_mut(|s| {
            s.insert_review(&NewReview {
                query_key: query_key.to_string(),
                entity_id: entity.clone(),
                entity_hash: entity_hash.clone(),
                decision,
                comment: comment.clone(),
                actor: actor.to_string(),
                at: Utc::now(),
            })
        })?;
        self.audit(
            actor,
            "review",
            serde_json::json!({"review": review.id, "query_key": query_key, "query": query, "entity_id": entity.to_string(),
                "entity_hash": entity_hash, "decision": decision.as_str(), "comment": comment}),
        )?;
        Ok(review)
    }

    /// Entity ids dismissed for this query whose entity is unchanged since
    /// the dismissal (a change of the entity reopens it). The query side is
    /// part of `query_key`, so a changed query has another key.
    pub fn dismissed_for(&self, query_key: &str) -> Result<Vec<String>, EngineError> {
        let reviews = self.with_store_ref(|s| s.reviews_for_query(query_key))?;
        let snap = self.snapshot();
        let mut latest: std::collections::HashMap<String, &Review> =
            std::collections::HashMap::new();
        for r in &reviews {
            let e = latest.entry(r.entity_id.to_string()).or_insert(r);
            if r.id > e.id {
                *e = r;
            }
        }
        let mut out = Vec::new();
        for (id, r) in latest {
            if r.decision != Decision::Dismiss {
                continue;
            }
            let current = snap
                .entity(&r.entity_id)
                .map(embargo_store::entity_hash)
                .transpose()?;
            if current.as_deref() == Some(r.entity_hash.as_str()) {
                out.push(id);
            }
        }
        out.sort();
        Ok(out)
    }

    fn with_store_mut_e<T>(
        &self,
        f: impl FnOnce(&mut dyn embargo_store::Store) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let mut store = self.store.lock().map_err(|_| EngineError::Poisoned)?;
        f(store.as_mut())
    }
}

/// A stable key for a screening query: SHA-256 of its canonical JSON
/// (schema, names, identifiers), used to remember reviews.
pub fn query_key(query: &Value) -> String {
    embargo_store::sha256_hex(embargo_audit::canonical_json(query).as_bytes())
}
