//! The append-only, hash-chained audit log.
//!
//! Every record carries the hash of the record before it, so altering,
//! removing, inserting or reordering any record breaks the chain from that
//! point on. The hash of record `n` is
//!
//! ```text
//! hex(sha256(canonical_json([seq, at, actor, kind, payload, prev_hash])))
//! ```
//!
//! where `at` is the RFC 3339 UTC timestamp with exactly six fractional
//! digits (`2026-11-25T11:28:01.123456Z`), `payload` is the JSON payload
//! itself (not a string) and canonical JSON is defined in
//! [`canonical_json`]. The first record has `seq` 1 and
//! `prev_hash` [`GENESIS_HASH`] (64 zeros).
//!
//! A chain proves its own internal consistency; the removal of the *last*
//! records can only be detected against a head hash published earlier, which
//! is what [`Checkpoint`]s are for.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::canonical::{canonical_json, write_canonical};

/// The `prev_hash` of the first record of a chain: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the audit log. Fields map 1:1 onto the columns of the
/// store's `audit_log(seq, at, actor, kind, payload_json, prev_hash, hash)`
/// table; use [`AuditRecord::payload_json`] for the `payload_json` column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the chain, starting at 1 and increasing by one.
    pub seq: u64,
    /// When the event was recorded, with microsecond precision.
    #[serde(with = "micros")]
    pub at: DateTime<Utc>,
    /// Who caused it: an API key name, or `"cli"`.
    pub actor: String,
    /// What happened: `"screen"`, `"match"`, `"check_trade"`, `"portfolio"`,
    /// `"review"`, `"key_created"`, …
    pub kind: String,
    /// The request and decision details.
    pub payload: Value,
    /// The `hash` of the previous record, or [`GENESIS_HASH`].
    pub prev_hash: String,
    /// This record's hash (lowercase hex SHA-256, see the module docs).
    pub hash: String,
}

impl AuditRecord {
    /// Recomputes this record's hash from its other fields.
    pub fn compute_hash(&self) -> String {
        record_hash(
            self.seq,
            &self.at,
            &self.actor,
            &self.kind,
            &self.payload,
            &self.prev_hash,
        )
    }

    /// The payload as canonical JSON text, the form to store in a
    /// `payload_json` column.
    pub fn payload_json(&self) -> String {
        canonical_json(&self.payload)
    }

    /// The timestamp in the fixed form the hash is computed over.
    pub fn at_rfc3339(&self) -> String {
        format_at(&self.at)
    }
}

/// Formats a timestamp as hashed: RFC 3339, UTC, six fractional digits, `Z`.
pub fn format_at(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn record_hash(
    seq: u64,
    at: &DateTime<Utc>,
    actor: &str,
    kind: &str,
    payload: &Value,
    prev_hash: &str,
) -> String {
    // canonical_json([seq, at, actor, kind, payload, prev_hash]), written
    // piecewise to avoid copying the payload.
    let mut preimage = String::with_capacity(256);
    preimage.push('[');
    preimage.push_str(&seq.to_string());
    for text in [format_at(at).as_str(), actor, kind] {
        preimage.push(',');
        write_canonical(&Value::from(text), &mut preimage);
    }
    preimage.push(',');
    write_canonical(payload, &mut preimage);
    preimage.push(',');
    write_canonical(&Value::from(prev_hash), &mut preimage);
    preimage.push(']');
    hex::encode(Sha256::digest(preimage.as_bytes()))
}

/// Builds the record that follows `prev` (or the first record of a chain when
/// `prev` is `None`). `at` is truncated to whole microseconds, the precision
/// the chain records.
pub fn next_record(
    prev: Option<&AuditRecord>,
    at: DateTime<Utc>,
    actor: impl Into<String>,
    kind: impl Into<String>,
    payload: Value,
) -> AuditRecord {
    let (seq, prev_hash) = match prev {
        Some(p) => (p.seq + 1, p.hash.clone()),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let mut record = AuditRecord {
        seq,
        at: at.trunc_subsecs(6),
        actor: actor.into(),
        kind: kind.into(),
        payload,
        prev_hash,
        hash: String::new(),
    };
    record.hash = record.compute_hash();
    record
}

/// The end of a chain as a writer needs it: the last record's `seq` and
/// `hash`, without its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// Sequence number of the last record.
    pub seq: u64,
    /// Its hash.
    pub hash: String,
}

impl From<&AuditRecord> for ChainHead {
    fn from(r: &AuditRecord) -> Self {
        ChainHead {
            seq: r.seq,
            hash: r.hash.clone(),
        }
    }
}

/// Builds the record that follows `head` (or the first record of a chain),
/// like [`next_record`], and returns it with its payload's canonical JSON
/// (the `payload_json` column), which is computed once for both the hash
/// and the column. Writers that append many records use this form: they
/// need only the head's `seq` and `hash`, not its payload.
pub fn next_record_after(
    head: Option<&ChainHead>,
    at: DateTime<Utc>,
    actor: impl Into<String>,
    kind: impl Into<String>,
    payload: Value,
) -> (AuditRecord, String) {
    let (seq, prev_hash) = match head {
        Some(h) => (h.seq + 1, h.hash.clone()),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let at = at.trunc_subsecs(6);
    let actor = actor.into();
    let kind = kind.into();
    let payload_json = canonical_json(&payload);
    let mut preimage = String::with_capacity(payload_json.len() + 256);
    preimage.push('[');
    preimage.push_str(&seq.to_string());
    for text in [format_at(&at).as_str(), actor.as_str(), kind.as_str()] {
        preimage.push(',');
        write_canonical(&Value::from(text), &mut preimage);
    }
    preimage.push(',');
    preimage.push_str(&payload_json);
    preimage.push(',');
    write_canonical(&Value::from(prev_hash.as_str()), &mut preimage);
    preimage.push(']');
    let hash = hex::encode(Sha256::digest(preimage.as_bytes()));
    let record = AuditRecord {
        seq,
        at,
        actor,
        kind,
        payload,
        prev_hash,
        hash,
    };
    (record, payload_json)
}

/// A published point of the chain: the hash of record `seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Sequence number of the record.
    pub seq: u64,
    /// Its hash.
    pub hash: String,
}

/// The result of a successful verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Number of records checked.
    pub count: u64,
    /// Sequence number of the first record checked, if any.
    pub first_seq: Option<u64>,
    /// Sequence number of the last record checked, if any.
    pub last_seq: Option<u64>,
    /// Hash of the last record (the value to publish as an anchor), or the
    /// starting hash when no record was checked.
    pub head_hash: String,
}

/// Why a chain failed verification. Every variant names the sequence number
/// of the first record found to be bad (for checkpoint errors: the
/// checkpoint's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The record's `seq` is not the next number: a record was removed,
    /// inserted, duplicated or moved.
    #[error("record {seq}: out of sequence, expected seq {expected}")]
    Sequence {
        /// The `seq` found.
        seq: u64,
        /// The `seq` the chain required here.
        expected: u64,
    },
    /// The record's `prev_hash` is not the hash of the record before it.
    #[error("record {seq}: prev_hash {found} does not link to the previous hash {expected}")]
    BrokenLink {
        /// The record's `seq`.
        seq: u64,
        /// Hash of the previous record (or genesis).
        expected: String,
        /// The record's `prev_hash`.
        found: String,
    },
    /// The record's content does not hash to its stored `hash`: a field was
    /// altered.
    #[error(
        "record {seq}: content does not match its hash (computed {computed}, stored {stored})"
    )]
    HashMismatch {
        /// The record's `seq`.
        seq: u64,
        /// Hash recomputed from the content.
        computed: String,
        /// Hash stored in the record.
        stored: String,
    },
    /// The timestamp carries more than microsecond precision, which the hash
    /// does not cover.
    #[error("record {seq}: timestamp has sub-microsecond digits the chain does not record")]
    NonCanonicalTime {
        /// The record's `seq`.
        seq: u64,
    },
    /// The chain contradicts a published checkpoint.
    #[error("checkpoint {seq}: chain has hash {found}, checkpoint says {expected}")]
    CheckpointMismatch {
        /// The checkpoint's `seq`.
        seq: u64,
        /// The checkpoint's hash.
        expected: String,
        /// The chain's hash for that record.
        found: String,
    },
    /// The chain ends before a published checkpoint: records were removed
    /// from its end.
    #[error("checkpoint {seq}: chain ends before it (last seq {last_seq:?})")]
    CheckpointMissing {
        /// The checkpoint's `seq`.
        seq: u64,
        /// The last `seq` of the chain.
        last_seq: Option<u64>,
    },
}

impl VerifyError {
    /// Sequence number of the first bad record (or of the failing checkpoint).
    pub fn seq(&self) -> u64 {
        match self {
            Self::Sequence { seq, .. }
            | Self::BrokenLink { seq, .. }
            | Self::HashMismatch { seq, .. }
            | Self::NonCanonicalTime { seq }
            | Self::CheckpointMismatch { seq, .. }
            | Self::CheckpointMissing { seq, .. } => *seq,
        }
    }
}

/// Incremental chain verifier: feed it records in order with
/// [`push`](Verifier::push) (e.g. while streaming them out of a database),
/// then call [`finish`](Verifier::finish).
#[derive(Debug, Clone)]
pub struct Verifier {
    next_seq: u64,
    head: String,
    count: u64,
    first_seq: Option<u64>,
    checkpoints: Vec<Checkpoint>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    /// A verifier for a whole chain, starting at genesis (`seq` 1).
    pub fn new() -> Self {
        Self::resume(Checkpoint {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        })
    }

    /// A verifier for the records that follow a trusted checkpoint (for
    /// instance a previously verified head): the first record pushed must be
    /// `after.seq + 1` with `prev_hash == after.hash`.
    pub fn resume(after: Checkpoint) -> Self {
        Self {
            next_seq: after.seq.saturating_add(1),
            head: after.hash,
            count: 0,
            first_seq: None,
            checkpoints: Vec::new(),
        }
    }

    /// Also require the chain to contain these published checkpoints, which
    /// detects removal of records from its end.
    pub fn with_checkpoints(mut self, checkpoints: impl IntoIterator<Item = Checkpoint>) -> Self {
        self.checkpoints.extend(checkpoints);
        self
    }

    /// Checks the next record.
    pub fn push(&mut self, record: &AuditRecord) -> Result<(), VerifyError> {
        let seq = record.seq;
        if seq != self.next_seq {
            return Err(VerifyError::Sequence {
                seq,
                expected: self.next_seq,
            });
        }
        if record.prev_hash != self.head {
            return Err(VerifyError::BrokenLink {
                seq,
                expected: self.head.clone(),
                found: record.prev_hash.clone(),
            });
        }
        if record.at.trunc_subsecs(6) != record.at {
            return Err(VerifyError::NonCanonicalTime { seq });
        }
        let computed = record.compute_hash();
        if computed != record.hash {
            return Err(VerifyError::HashMismatch {
                seq,
                computed,
                stored: record.hash.clone(),
            });
        }
        for cp in self.checkpoints.iter().filter(|cp| cp.seq == seq) {
            if !cp.hash.eq_ignore_ascii_case(&record.hash) {
                return Err(VerifyError::CheckpointMismatch {
                    seq,
                    expected: cp.hash.clone(),
                    found: record.hash.clone(),
                });
            }
        }
        self.first_seq.get_or_insert(seq);
        self.count += 1;
        self.next_seq = seq.saturating_add(1);
        self.head.clone_from(&record.hash);
        Ok(())
    }

    /// Ends verification and returns the report.
    pub fn finish(self) -> Result<VerifyReport, VerifyError> {
        let last_seq = self.first_seq.map(|_| self.next_seq - 1);
        if let Some(cp) = self
            .checkpoints
            .iter()
            .filter(|cp| cp.seq >= self.next_seq)
            .min_by_key(|cp| cp.seq)
        {
            return Err(VerifyError::CheckpointMissing {
                seq: cp.seq,
                last_seq,
            });
        }
        Ok(VerifyReport {
            count: self.count,
            first_seq: self.first_seq,
            last_seq,
            head_hash: self.head,
        })
    }
}

/// Verifies a whole chain from genesis. Detects any altered field and any
/// removed, inserted or reordered record, and reports the first bad one.
pub fn verify<I: IntoIterator<Item = AuditRecord>>(
    records: I,
) -> Result<VerifyReport, VerifyError> {
    let mut verifier = Verifier::new();
    for record in records {
        verifier.push(&record)?;
    }
    verifier.finish()
}

/// Serde adapter writing timestamps as [`format_at`] does and reading any
/// RFC 3339 timestamp.
mod micros {
    use super::format_at;
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_at(at))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;
    use serde_json::json;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 11, 28, 1).unwrap() + Duration::microseconds(123_456)
    }

    pub(crate) fn sample_chain(n: usize) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::new();
        for i in 0..n {
            let kind = ["screen", "match", "check_trade", "review"][i % 4];
            let rec = next_record(
                out.last(),
                t0() + Duration::seconds(i as i64),
                if i % 3 == 0 { "cli" } else { "ops-key" },
                kind,
                json!({"query": {"name": format!("Entity {i}")}, "score": 0.1 * i as f64, "hits": [i]}),
            );
            out.push(rec);
        }
        out
    }

    #[test]
    fn known_answer() {
        // Computed independently with:
        // printf '%s' '[1,"2026-11-25T11:28:01.123456Z","cli","screen",{"a":1,"b":[true,null]},"0000000000000000000000000000000000000000000000000000000000000000"]' | sha256sum
        let r = next_record(
            None,
            t0(),
            "cli",
            "screen",
            json!({"b": [true, null], "a": 1}),
        );
        assert_eq!(r.seq, 1);
        assert_eq!(r.prev_hash, GENESIS_HASH);
        assert_eq!(r.at_rfc3339(), "2026-11-25T11:28:01.123456Z");
        assert_eq!(r.payload_json(), r#"{"a":1,"b":[true,null]}"#);
        assert_eq!(
            r.hash,
            "41cbcf255794e68c43cbfae1f73a93b9ffb6e4e9af3cfcb9a908c64e102a6588"
        );
    }

    #[test]
    fn next_record_after_a_head_equals_next_record() {
        let chain = sample_chain(3);
        let payload = json!({"z": [1, 2.5, "x"], "a": {"k": null}});
        let at = t0() + Duration::seconds(10) + Duration::nanoseconds(789);
        let expected = next_record(chain.last(), at, "ops", "match", payload.clone());
        let head = ChainHead::from(&chain[2]);
        let (rec, payload_json) = next_record_after(Some(&head), at, "ops", "match", payload);
        assert_eq!(rec, expected);
        assert_eq!(payload_json, expected.payload_json());
        let mut all = chain;
        all.push(rec);
        assert!(verify(all).is_ok());
        let (first, _) = next_record_after(None, t0(), "cli", "screen", json!({}));
        assert_eq!(first, next_record(None, t0(), "cli", "screen", json!({})));
    }

    #[test]
    fn chain_links_and_verifies() {
        let chain = sample_chain(10);
        for w in chain.windows(2) {
            assert_eq!(w[1].prev_hash, w[0].hash);
            assert_eq!(w[1].seq, w[0].seq + 1);
        }
        let report = verify(chain.clone()).unwrap();
        assert_eq!(report.count, 10);
        assert_eq!(report.first_seq, Some(1));
        assert_eq!(report.last_seq, Some(10));
        assert_eq!(report.head_hash, chain[9].hash);
    }

    #[test]
    fn empty_chain() {
        let report = verify(Vec::new()).unwrap();
        assert_eq!(report.count, 0);
        assert_eq!(report.first_seq, None);
        assert_eq!(report.last_seq, None);
        assert_eq!(report.head_hash, GENESIS_HASH);
    }

    #[test]
    fn next_record_truncates_to_microseconds() {
        let at = t0() + Duration::nanoseconds(789);
        let r = next_record(None, at, "cli", "screen", json!(null));
        assert_eq!(r.at, t0());
        verify([r]).unwrap();
    }

    type Tamper = (&'static str, fn(&mut AuditRecord));

    const TAMPERS: &[Tamper] = &[
        ("seq", |r| r.seq += 1),
        ("at", |r| r.at += Duration::microseconds(1)),
        ("at_nanos", |r| r.at += Duration::nanoseconds(1)),
        ("actor", |r| r.actor.push('x')),
        ("kind", |r| r.kind.push_str("_x")),
        ("payload_value", |r| r.payload["score"] = json!(0.99)),
        ("payload_added_key", |r| r.payload["extra"] = json!(1)),
        ("payload_nested", |r| {
            r.payload["query"]["name"] = json!("Other")
        }),
        ("prev_hash", |r| {
            r.prev_hash = GENESIS_HASH.replace('0', "1")
        }),
        ("hash", |r| {
            let flipped = if r.hash.starts_with('f') { "0" } else { "f" };
            r.hash.replace_range(..1, flipped);
        }),
    ];

    #[test]
    fn tampering_any_field_of_any_record_is_detected() {
        let chain = sample_chain(6);
        for (name, tamper) in TAMPERS {
            for i in 0..chain.len() {
                let mut bad = chain.clone();
                tamper(&mut bad[i]);
                assert_ne!(bad[i], chain[i], "{name} changed nothing");
                let err = verify(bad).expect_err(name);
                let expected_seq = chain[i].seq + u64::from(*name == "seq");
                assert_eq!(err.seq(), expected_seq, "{name} on record {i}: {err}");
            }
        }
    }

    #[test]
    fn rehashing_a_tampered_record_breaks_the_next_link() {
        let chain = sample_chain(5);
        let mut bad = chain.clone();
        bad[2].actor = "intruder".into();
        bad[2].hash = bad[2].compute_hash();
        let err = verify(bad).unwrap_err();
        assert!(
            matches!(err, VerifyError::BrokenLink { seq: 4, .. }),
            "{err}"
        );
    }

    #[test]
    fn removed_record_is_detected() {
        let chain = sample_chain(5);
        for i in 0..5 {
            let mut bad = chain.clone();
            bad.remove(i);
            match verify(bad) {
                Err(err) => assert_eq!(err.seq(), i as u64 + 2, "{err}"),
                // Removing the last record leaves a valid but shorter chain;
                // only a checkpoint reveals it.
                Ok(report) => {
                    assert_eq!(i, 4);
                    assert_eq!(report.last_seq, Some(4));
                }
            }
        }
    }

    #[test]
    fn truncation_is_detected_by_checkpoint() {
        let chain = sample_chain(5);
        let head = Checkpoint {
            seq: 5,
            hash: chain[4].hash.clone(),
        };
        let mut v = Verifier::new().with_checkpoints([head.clone()]);
        for r in &chain[..4] {
            v.push(r).unwrap();
        }
        assert_eq!(
            v.finish().unwrap_err(),
            VerifyError::CheckpointMissing {
                seq: 5,
                last_seq: Some(4)
            }
        );
        let mut v = Verifier::new().with_checkpoints([head]);
        for r in &chain {
            v.push(r).unwrap();
        }
        assert_eq!(v.finish().unwrap().count, 5);
    }

    #[test]
    fn rewritten_history_contradicts_checkpoint() {
        let chain = sample_chain(4);
        let cp = Checkpoint {
            seq: 3,
            hash: chain[2].hash.clone(),
        };
        // A forger rebuilds the whole chain with one payload changed.
        let mut forged: Vec<AuditRecord> = Vec::new();
        for (i, r) in chain.iter().enumerate() {
            let payload = if i == 1 {
                json!({"forged": true})
            } else {
                r.payload.clone()
            };
            let next = next_record(
                forged.last(),
                r.at,
                r.actor.clone(),
                r.kind.clone(),
                payload,
            );
            forged.push(next);
        }
        verify(forged.clone()).unwrap();
        let mut v = Verifier::new().with_checkpoints([cp]);
        let err = forged.iter().try_for_each(|r| v.push(r)).unwrap_err();
        assert!(
            matches!(err, VerifyError::CheckpointMismatch { seq: 3, .. }),
            "{err}"
        );
    }

    #[test]
    fn reordered_records_are_detected() {
        let chain = sample_chain(5);
        let mut bad = chain.clone();
        bad.swap(1, 3);
        assert_eq!(
            verify(bad).unwrap_err(),
            VerifyError::Sequence {
                seq: 4,
                expected: 2
            }
        );
    }

    #[test]
    fn inserted_records_are_detected() {
        let chain = sample_chain(5);
        // A well-formed record inserted after seq 2, linked to it.
        let forged = next_record(Some(&chain[1]), t0(), "cli", "screen", json!({}));
        let mut bad = chain.clone();
        bad.insert(2, forged);
        assert_eq!(
            verify(bad).unwrap_err(),
            VerifyError::Sequence {
                seq: 3,
                expected: 4
            }
        );
        // Same, with the following records renumbered.
        let forged = next_record(Some(&chain[1]), t0(), "cli", "screen", json!({}));
        let mut bad = chain.clone();
        bad.insert(2, forged);
        for r in &mut bad[3..] {
            r.seq += 1;
        }
        let err = verify(bad).unwrap_err();
        assert!(
            matches!(err, VerifyError::BrokenLink { seq: 4, .. }),
            "{err}"
        );
        // A duplicated record.
        let mut bad = chain.clone();
        bad.insert(3, chain[2].clone());
        assert_eq!(verify(bad).unwrap_err().seq(), 3);
    }

    #[test]
    fn chain_must_start_at_genesis() {
        let chain = sample_chain(3);
        let err = verify(chain[1..].to_vec()).unwrap_err();
        assert_eq!(
            err,
            VerifyError::Sequence {
                seq: 2,
                expected: 1
            }
        );
    }

    #[test]
    fn resume_from_checkpoint() {
        let chain = sample_chain(6);
        let mut v = Verifier::resume(Checkpoint {
            seq: 3,
            hash: chain[2].hash.clone(),
        });
        for r in &chain[3..] {
            v.push(r).unwrap();
        }
        let report = v.finish().unwrap();
        assert_eq!(report.count, 3);
        assert_eq!(report.first_seq, Some(4));
        assert_eq!(report.last_seq, Some(6));
        assert_eq!(report.head_hash, chain[5].hash);
    }

    #[test]
    fn serde_round_trip_keeps_the_chain_valid() {
        let chain = sample_chain(4);
        let text = serde_json::to_string(&chain).unwrap();
        assert!(text.contains(r#""at":"2026-11-25T11:28:01.123456Z""#));
        let back: Vec<AuditRecord> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, chain);
        verify(back).unwrap();
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Remove(usize),
        Swap(usize, usize),
        Duplicate(usize),
        Payload(usize, i64),
        Move(usize, usize),
    }

    fn arb_edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            any::<usize>().prop_map(Edit::Remove),
            (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
            any::<usize>().prop_map(Edit::Duplicate),
            (any::<usize>(), any::<i64>()).prop_map(|(a, v)| Edit::Payload(a, v)),
            (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Move(a, b)),
        ]
    }

    proptest! {
        #[test]
        fn every_edit_but_truncation_is_detected(len in 2usize..24, edit in arb_edit()) {
            let chain = sample_chain(len);
            let mut bad = chain.clone();
            match edit {
                Edit::Remove(i) => {
                    let i = i % len;
                    bad.remove(i);
                    if i == len - 1 {
                        // Truncation: only a checkpoint reveals it.
                        prop_assert!(verify(bad).is_ok());
                        return Ok(());
                    }
                }
                Edit::Swap(a, b) => {
                    let (a, b) = (a % len, b % len);
                    prop_assume!(a != b);
                    bad.swap(a, b);
                }
                Edit::Duplicate(i) => {
                    let i = i % len;
                    bad.insert(i, chain[i].clone());
                }
                Edit::Payload(i, v) => {
                    let i = i % len;
                    bad[i].payload["hits"][0] = json!(v);
                    prop_assume!(bad[i] != chain[i]);
                }
                Edit::Move(a, b) => {
                    let (a, b) = (a % len, b % len);
                    prop_assume!(a != b);
                    let r = bad.remove(a);
                    bad.insert(b, r);
                }
            }
            let first_bad = bad.iter().zip(&chain).position(|(x, y)| x != y).unwrap_or(chain.len());
            let err = verify(bad.clone()).unwrap_err();
            prop_assert_eq!(err.seq(), bad[first_bad].seq);
        }

        #[test]
        fn any_payload_survives_store_round_trip(
            score in any::<f64>().prop_filter("finite", |f| f.is_finite()),
            name in any::<String>(),
            nanos in 0i64..1_000_000_000,
        ) {
            let at = t0() + Duration::nanoseconds(nanos);
            let r = next_record(None, at, "cli", "screen", json!({"name": name, "score": score}));
            // What a database stores and reads back.
            let payload: Value = serde_json::from_str(&r.payload_json()).unwrap();
            let at = DateTime::parse_from_rfc3339(&r.at_rfc3339()).unwrap().with_timezone(&Utc);
            let stored = AuditRecord { at, payload, ..r.clone() };
            prop_assert_eq!(&stored, &r);
            prop_assert!(verify([stored]).is_ok());
        }
    }
}
