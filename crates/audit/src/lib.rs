//! The embargo audit trail and access control.
//!
//! This crate holds the pure logic (no I/O beyond the readers and writers
//! it is handed) behind four guarantees of an embargo installation:
//!
//! * **Audit chain** ([`chain`]): every screening request and decision is an
//!   [`AuditRecord`] in an append-only log where each record carries the
//!   SHA-256 of the one before. [`verify`] detects any altered field and any
//!   removed, inserted or reordered record; [`Checkpoint`]s (published head
//!   hashes) also detect removal from the end.
//! * **Exports** ([`export`]): JSON Lines and CSV exports a regulator can
//!   verify offline with [`verify_jsonl`] / [`verify_csv`].
//! * **Screening receipts** ([`receipt`]): ed25519-signed statements of what
//!   was screened against which list versions and with what outcome.
//! * **API keys and sessions** ([`keys`], [`session`]): role-based keys stored
//!   only as hashes, and HMAC-signed console session tokens.
//!
//! Hashes and signatures cover [`canonical_json`], a documented,
//! deterministic JSON form.
//!
//! ```
//! use chrono::Utc;
//! use embargo_audit::{next_record, verify};
//! use serde_json::json;
//!
//! let first = next_record(None, Utc::now(), "cli", "screen", json!({"name": "Acme"}));
//! let second = next_record(Some(&first), Utc::now(), "ops", "review", json!({"ok": true}));
//! let report = verify([first, second.clone()]).unwrap();
//! assert_eq!(report.head_hash, second.hash);
//! ```

mod canonical;
pub mod chain;
pub mod export;
pub mod keys;
pub mod receipt;
pub mod session;

pub use canonical::{canonical_json, write_canonical};
pub use chain::{
    next_record, next_record_after, verify, AuditRecord, ChainHead, Checkpoint, Verifier,
    VerifyError, VerifyReport, GENESIS_HASH,
};
pub use export::{
    export_csv, export_jsonl, read_csv, read_jsonl, verify_csv, verify_jsonl, ExportError,
};
pub use keys::{
    authenticate, generate_key, parse_presented, verify_key, AuthError, KeyError, NewKey,
    PresentedKey, Role, StoredKey,
};
pub use receipt::{
    sign_receipt, verify_receipt, ListVersionRef, Outcome, Receipt, ReceiptError, ReceiptHit,
    SignedReceipt, SigningKeyPair, RECEIPT_VERSION,
};
pub use session::{issue_session, verify_session, SessionClaims, SessionError, SessionSecret};
