//! The audit recorder: writes screening records to the store's hash-chained
//! audit log off the request path.
//!
//! Handlers hand a record to the recorder and return; a dedicated thread
//! appends records to the chain through [`Engine::audit`]. Under load the
//! thread drains what is waiting and writes the records of one actor and
//! kind as a single chained entry (`{"count": n, "requests": […]}`), so the
//! log keeps every request while the database sees one commit per group. A
//! full queue makes handlers wait (back-pressure) rather than drop records.
//! Requests that need the record's sequence number (screening receipts)
//! write synchronously with [`Engine::audit`] instead.

use std::sync::Arc;
use std::thread::JoinHandle;

use embargo_engine::Engine;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

/// Records waiting to be written, at most.
const QUEUE: usize = 8192;
/// Most requests grouped into one chained entry.
const MAX_GROUP: usize = 512;

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
    for (actor, kind, mut payloads) in groups {
        let payload = if payloads.len() == 1 {
            payloads.pop().unwrap_or(Value::Null)
        } else {
            serde_json::json!({"count": payloads.len(), "requests": payloads})
        };
        if let Err(e) = engine.audit(&actor, &kind, payload) {
            tracing::error!(error = %e, actor, kind, "cannot append to the audit log");
        }
    }
}
