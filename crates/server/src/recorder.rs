//! The audit recorder: writes screening records to the store's hash-chained
//! audit log off the request path.
//!
//! Handlers hand a record to the recorder and return; a dedicated thread
//! appends records to the chain through [`Engine::audit`]. Under load the
//! thread drains what is waiting and writes the records of one actor and
//! kind as a single chained entry (`{"count": n, "versions": […],
//! "requests": […]}`, see [`group_payload`]), so the log keeps every
//! request while the database sees one commit per group. A
//! full queue makes handlers wait (back-pressure) rather than drop records.
//! Requests that need the record's sequence number (screening receipts)
//! write synchronously with [`Engine::audit`] instead.

use std::sync::Arc;
use std::thread::JoinHandle;

use chrono::Utc;
use embargo_audit::{next_record_after, ChainHead};
use embargo_engine::Engine;
use embargo_store::NewAuditEntry;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

/// Records waiting to be written, at most.
const QUEUE: usize = 8192;
/// Most requests grouped into one chained entry.
const MAX_GROUP: usize = 512;
/// How long the writer waits for more records after the first of a group.
const GROUP_WAIT: std::time::Duration = std::time::Duration::from_millis(2);

enum Msg {
    Record {
        actor: String,
        kind: String,
        payload: Value,
    },
    Flush(oneshot::Sender<()>),
}

/// A handle to the recorder thread (cheap to clone).
#[derive(Clone)]
pub struct Recorder {
    tx: mpsc::Sender<Msg>,
    thread: Arc<std::sync::Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}

impl Recorder {
    /// Starts the recorder thread writing to `engine`'s audit log.
    pub fn start(engine: Arc<Engine>) -> Recorder {
        let (tx, rx) = mpsc::channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("embargo-audit".into())
            .spawn(move || run(engine, rx))
            .ok();
        Recorder {
            tx,
            thread: Arc::new(std::sync::Mutex::new(thread)),
        }
    }

    /// Queues a record (waits while the queue is full).
    pub async fn record(&self, actor: &str, kind: &str, payload: Value) {
        let msg = Msg::Record {
            actor: actor.to_string(),
            kind: kind.to_string(),
            payload,
        };
        if self.tx.send(msg).await.is_err() {
            tracing::error!(
                kind,
                "the audit recorder has stopped; a record was not written"
            );
        }
    }

    /// Waits until every record queued before the call is written.
    pub async fn flush(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Msg::Flush(ack)).await.is_ok() {
            let _ = done.await;
        }
    }

    /// True while the writer thread runs.
    pub fn is_running(&self) -> bool {
        self.thread
            .lock()
            .ok()
            .and_then(|t| t.as_ref().map(|h| !h.is_finished()))
            .unwrap_or(false)
    }
}

fn run(engine: Arc<Engine>, mut rx: mpsc::Receiver<Msg>) {
    let mut pending: Vec<(String, String, Value)> = Vec::new();
    let mut acks: Vec<oneshot::Sender<()>> = Vec::new();
    while let Some(first) = rx.blocking_recv() {
        if matches!(first, Msg::Record { .. }) {
            // Let the requests of the next moments join this group: one
            // wake-up and one commit for many requests under load.
            std::thread::sleep(GROUP_WAIT);
        }
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Record {
                    actor,
                    kind,
                    payload,
                } => pending.push((actor, kind, payload)),
                Msg::Flush(ack) => acks.push(ack),
            }
            if pending.len() < MAX_GROUP {
                next = rx.try_recv().ok();
            }
        }
        write_groups(&engine, std::mem::take(&mut pending));
        for ack in acks.drain(..) {
            let _ = ack.send(());
        }
    }
}

/// Writes pending records, grouping consecutive ones of the same actor and kind.
fn write_groups(engine: &Engine, pending: Vec<(String, String, Value)>) {
    let mut groups: Vec<(String, String, Vec<Value>)> = Vec::new();
    for (actor, kind, payload) in pending {
        match groups.last_mut() {
            Some((a, k, v)) if *a == actor && *k == kind => v.push(payload),
            _ => groups.push((actor, kind, vec![payload])),
        }
    }
    for (actor, kind, payloads) in groups {
        let payload = group_payload(payloads);
        if let Err(e) = append(engine, &actor, &kind, payload) {
            tracing::error!(error = %e, actor, kind, "cannot append to the audit log");
        }
    }
}

/// The payload of a group of requests: the request itself when alone,
/// else `{"count": n, "requests": […]}`. When every request names the same
/// list versions (the usual case: one snapshot served them all), the
/// versions are written once, as the group's `versions`, and left out of
/// each request.
pub fn group_payload(mut payloads: Vec<Value>) -> Value {
    if payloads.len() == 1 {
        return payloads.pop().unwrap_or(Value::Null);
    }
    let first = payloads
        .first()
        .and_then(|p| p.get("versions"))
        .filter(|v| !v.is_null())
        .cloned();
    let shared = first.filter(|v| payloads.iter().all(|p| p.get("versions") == Some(v)));
    if shared.is_some() {
        for p in &mut payloads {
            if let Value::Object(m) = p {
                m.remove("versions");
            }
        }
    }
    let mut group = serde_json::Map::new();
    group.insert("count".into(), Value::from(payloads.len()));
    if let Some(v) = shared {
        group.insert("versions".into(), v);
    }
    group.insert("requests".into(), Value::Array(payloads));
    Value::Object(group)
}

/// Appends one record under the store lock. Only the head's `seq` and
/// `hash` are read back, and the payload is made canonical once, so a
/// large group costs one serialisation and one commit.
fn append(engine: &Engine, actor: &str, kind: &str, payload: Value) -> Result<u64, String> {
    engine
        .with_store_mut(|s| {
            let head = s.last_audit()?.map(|e| ChainHead {
                seq: u64::try_from(e.seq).unwrap_or(0),
                hash: e.hash,
            });
            let (rec, payload_json) =
                next_record_after(head.as_ref(), Utc::now(), actor, kind, payload);
            s.append_audit(&NewAuditEntry {
                at: rec.at,
                actor: rec.actor,
                kind: rec.kind,
                payload_json,
                prev_hash: head.map(|h| h.hash),
                hash: rec.hash,
            })?;
            Ok(rec.seq)
        })
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_single_request_is_written_as_is() {
        let p = json!({"route": "match", "versions": [1]});
        assert_eq!(group_payload(vec![p.clone()]), p);
    }

    #[test]
    fn shared_versions_are_hoisted_to_the_group() {
        let v = json!([{"list": "us_ofac_sdn", "seq": 2}]);
        let g = group_payload(vec![
            json!({"q": "a", "versions": v}),
            json!({"q": "b", "versions": v}),
        ]);
        assert_eq!(g["count"], 2);
        assert_eq!(g["versions"], v);
        assert_eq!(g["requests"], json!([{"q": "a"}, {"q": "b"}]));
    }

    #[test]
    fn differing_versions_stay_with_each_request() {
        let g = group_payload(vec![
            json!({"q": "a", "versions": [1]}),
            json!({"q": "b", "versions": [2]}),
        ]);
        assert!(g.get("versions").is_none());
        assert_eq!(g["requests"][1]["versions"], json!([2]));
    }

    #[test]
    fn records_are_chained_after_what_others_wrote() {
        let engine = Arc::new(Engine::open_in_memory().unwrap());
        engine.audit("cli", "note", json!({"n": 1})).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let rec = Recorder::start(Arc::clone(&engine));
        rt.block_on(async {
            for i in 0..50 {
                rec.record("ops", "match", json!({"i": i, "versions": [7]}))
                    .await;
            }
            rec.flush().await;
        });
        engine.audit("cli", "note", json!({"n": 2})).unwrap();
        let report = engine.audit_verify().unwrap();
        let all = engine.audit_records(1, 1000).unwrap();
        assert_eq!(report.count, all.len() as u64);
        let written: usize = all
            .iter()
            .filter(|r| r.kind == "match")
            .map(|r| r.payload["count"].as_u64().unwrap_or(1) as usize)
            .sum();
        assert_eq!(written, 50, "every request is in the log");
    }
}
