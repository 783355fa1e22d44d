//! Small typed tables next to the list versions: API keys, the audit log,
//! match reviews and installation settings.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use embargo_model::EntityId;
use serde::{Deserialize, Serialize};

/// An API key of the HTTP service. Only a hash of the secret is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// A public identifier of the key (shown in listings and audit entries).
    pub id: String,
    /// A human label.
    pub name: String,
    /// The role granted (`admin`, `screen`, …).
    pub role: String,
    /// The hash of the secret.
    pub hash: String,
    /// When the key was created.
    pub created_at: DateTime<Utc>,
    /// When the key was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// True when the key has not been revoked.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// An audit entry to append. The caller computes the chain hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuditEntry {
    /// When the audited action happened.
    pub at: DateTime<Utc>,
    /// Who did it (an API key id, `cli`, …).
    pub actor: String,
    /// What was done (`import`, `screen`, `review`, …).
    pub kind: String,
    /// The payload as JSON text, stored byte for byte.
    pub payload_json: String,
    /// The hash of the previous entry; `None` for the first entry.
    pub prev_hash: Option<String>,
    /// The hash of this entry.
    pub hash: String,
}

/// An entry of the append-only audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3… in append order.
    pub seq: i64,
    /// When the audited action happened.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: String,
    /// What was done.
    pub kind: String,
    /// The payload as JSON text, byte for byte as appended.
    pub payload_json: String,
    /// The hash of the previous entry (`None` for the first).
    pub prev_hash: Option<String>,
    /// The hash of this entry.
    pub hash: String,
}

/// A reviewer's decision on a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The match is a true match.
    Confirm,
    /// The match is a false positive.
    Dismiss,
}

impl Decision {
    /// `confirm` or `dismiss`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Confirm => "confirm",
            Decision::Dismiss => "dismiss",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Decision`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid decision '{0}': expected 'confirm' or 'dismiss'")]
pub struct DecisionError(pub String);

impl FromStr for Decision {
    type Err = DecisionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "confirm" => Ok(Decision::Confirm),
            "dismiss" => Ok(Decision::Dismiss),
            _ => Err(DecisionError(s.to_string())),
        }
    }
}

/// A review to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReview {
    /// A key of the screened query (e.g. a hash of its normalised form).
    pub query_key: String,
    /// The listed entity the query matched.
    pub entity_id: EntityId,
    /// The content hash of the entity as reviewed ([`crate::entity_hash`]),
    /// so a later change of the entity can reopen the review.
    pub entity_hash: String,
    /// The reviewer's decision.
    pub decision: Decision,
    /// The reviewer's reason, if given.
    pub comment: Option<String>,
    /// Who reviewed.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A recorded review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// The review's id, assigned by the store.
    pub id: i64,
    /// The key of the screened query.
    pub query_key: String,
    /// The listed entity the query matched.
    pub entity_id: EntityId,
    /// The content hash of the entity as reviewed.
    pub entity_hash: String,
    /// The reviewer's decision.
    pub decision: Decision,
    /// The reviewer's reason, if given.
    pub comment: Option<String>,
    /// Who reviewed.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
}
