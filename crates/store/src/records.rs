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
    pub created_at: DateTime<Utc>,
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
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    /// The payload as JSON text, stored byte for byte.
    pub payload_json: String,
    /// The hash of the previous entry; `None` for the first entry.
    pub prev_hash: Option<String>,
    pub hash: String,
}

/// An entry of the append-only audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3… in append order.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub payload_json: String,
    pub prev_hash: Option<String>,
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
    pub entity_id: EntityId,
    /// The content hash of the entity as reviewed ([`crate::entity_hash`]),
    /// so a later change of the entity can reopen the review.
    pub entity_hash: String,
    pub decision: Decision,
    pub comment: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A recorded review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: i64,
    pub query_key: String,
    pub entity_id: EntityId,
    pub entity_hash: String,
    pub decision: Decision,
    pub comment: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}
