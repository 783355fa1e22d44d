//! API keys and roles.
//!
//! A key is shown to its owner once, as `emb_<id>_<secret>`: `id` is 8
//! lowercase hex digits (public, used to look the key up) and `secret` is 32
//! random bytes in unpadded base64url. Only `hex(sha256(whole key string))`
//! is stored.
//!
//! A plain, unsalted SHA-256 is enough here because the secret is 256 bits
//! drawn from the operating system's random source: salts and slow
//! password hashes protect *low-entropy* secrets against dictionaries and
//! precomputed tables, and no dictionary or table covers a 2^256 space. A
//! leaked hash therefore does not reveal a usable key, and a fast hash keeps
//! per-request authentication cheap. Hashes are compared in constant time.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const PREFIX: &str = "emb_";
const ID_LEN: usize = 8;
const SECRET_BYTES: usize = 32;
const SECRET_LEN: usize = 43; // unpadded base64 of 32 bytes

/// What a key may do. Roles are ordered: `Admin` can do everything `Screen`
/// can, which can do everything `Read` can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read lists, entities and the audit log.
    Read,
    /// Also run screenings.
    Screen,
    /// Also manage keys, imports and reviews.
    Admin,
}

impl Role {
    /// Whether a key with this role may perform an action requiring `required`.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }

    /// The role's name as stored: `read`, `screen` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Screen => "screen",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Role::Read),
            "screen" => Ok(Role::Screen),
            "admin" => Ok(Role::Admin),
            other => Err(KeyError::UnknownRole(other.to_owned())),
        }
    }
}

/// Errors about API keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The presented string is not an embargo API key.
    #[error("not an embargo API key (expected emb_<8 hex>_<43 base64url>)")]
    Malformed,
    /// A role name other than `read`, `screen`, `admin`.
    #[error("unknown role {0:?}")]
    UnknownRole(String),
}

/// Why a presented key was refused by [`authenticate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Wrong secret, or a key for another id (answer 401).
    #[error("invalid API key")]
    InvalidKey,
    /// The key was revoked (answer 401).
    #[error("API key revoked at {0}")]
    Revoked(DateTime<Utc>),
    /// The key is valid but its role is too low (answer 403).
    #[error("role {role} does not allow {required} actions")]
    Forbidden {
        /// The key's role.
        role: Role,
        /// The role the action requires.
        required: Role,
    },
}

/// A freshly generated key, to show to its owner once and then forget.
#[derive(Clone, PartialEq, Eq)]
pub struct NewKey {
    /// The public key id.
    pub id: String,
    /// The full key string, `emb_<id>_<secret>`.
    pub secret: String,
}

impl fmt::Debug for NewKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A key as persisted; maps 1:1 onto the store's
/// `api_key(id, name, role, hash, created_at, revoked_at)` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    /// The public key id (8 hex digits).
    pub id: String,
    /// A human name for the key; recorded as the actor in the audit log.
    pub name: String,
    /// What the key may do.
    pub role: Role,
    /// `hex(sha256(full key string))`.
    pub hash: String,
    /// When the key was created.
    pub created_at: DateTime<Utc>,
    /// When the key was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl StoredKey {
    /// Whether the key has been revoked.
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }

    /// Revokes the key as of `at` (keeps the first revocation time).
    pub fn revoke(&mut self, at: DateTime<Utc>) {
        self.revoked_at.get_or_insert(at);
    }
}

/// A key string split into its parts by [`parse_presented`].
#[derive(Clone, PartialEq, Eq)]
pub struct PresentedKey {
    /// The key id, to look the stored key up by.
    pub id: String,
    /// The whole key string as presented.
    pub secret: String,
}

impl fmt::Debug for PresentedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Generates a key for `name` with `role`, created now. The store must keep
/// ids unique (a primary key) and generate again on the rare collision.
pub fn generate_key(name: impl Into<String>, role: Role) -> (NewKey, StoredKey) {
    let mut rng = rand::rngs::OsRng;
    let mut id_bytes = [0u8; ID_LEN / 2];
    rng.fill_bytes(&mut id_bytes);
    let mut secret_bytes = [0u8; SECRET_BYTES];
    rng.fill_bytes(&mut secret_bytes);
    let id = hex::encode(id_bytes);
    let secret = format!("{PREFIX}{id}_{}", URL_SAFE_NO_PAD.encode(secret_bytes));
    let stored = StoredKey {
        id: id.clone(),
        name: name.into(),
        role,
        hash: hash_secret(&secret),
        created_at: Utc::now(),
        revoked_at: None,
    };
    (NewKey { id, secret }, stored)
}

/// The stored hash of a key string: lowercase hex SHA-256.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Checks the shape of a presented key string (e.g. from an
/// `Authorization: Bearer` header) and extracts its id.
pub fn parse_presented(secret: &str) -> Result<PresentedKey, KeyError> {
    let secret = secret.trim();
    let rest = secret.strip_prefix(PREFIX).ok_or(KeyError::Malformed)?;
    let (id, tail) = rest.split_at_checked(ID_LEN).ok_or(KeyError::Malformed)?;
    let random = tail.strip_prefix('_').ok_or(KeyError::Malformed)?;
    let id_ok = id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let random_ok = random.len() == SECRET_LEN
        && random
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && URL_SAFE_NO_PAD.decode(random).is_ok();
    if !id_ok || !random_ok {
        return Err(KeyError::Malformed);
    }
    Ok(PresentedKey {
        id: id.to_owned(),
        secret: secret.to_owned(),
    })
}

/// Whether `presented` is the key `stored` describes and is not revoked.
/// The hash comparison runs in constant time.
pub fn verify_key(presented: &PresentedKey, stored: &StoredKey) -> bool {
    if stored.is_revoked() || presented.id != stored.id {
        return false;
    }
    let Ok(expected) = hex::decode(&stored.hash) else {
        return false;
    };
    let actual = Sha256::digest(presented.secret.as_bytes());
    actual.as_slice().ct_eq(&expected).into()
}

/// Verifies `presented` against `stored` and checks that its role allows an
/// action requiring `required`. Returns the key's role.
pub fn authenticate(
    presented: &PresentedKey,
    stored: &StoredKey,
    required: Role,
) -> Result<Role, AuthError> {
    if let Some(at) = stored.revoked_at {
        return Err(AuthError::Revoked(at));
    }
    if !verify_key(presented, stored) {
        return Err(AuthError::InvalidKey);
    }
    if !stored.role.allows(required) {
        return Err(AuthError::Forbidden {
            role: stored.role,
            required,
        });
    }
    Ok(stored.role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_order() {
        use Role::*;
        for (role, allowed) in [
            (Read, vec![Read]),
            (Screen, vec![Read, Screen]),
            (Admin, vec![Read, Screen, Admin]),
        ] {
            for required in [Read, Screen, Admin] {
                assert_eq!(
                    role.allows(required),
                    allowed.contains(&required),
                    "{role} {required}"
                );
            }
        }
    }

    #[test]
    fn role_names_round_trip() {
        for role in [Role::Read, Role::Screen, Role::Admin] {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert_eq!(
            "root".parse::<Role>(),
            Err(KeyError::UnknownRole("root".into()))
        );
    }

    #[test]
    fn generated_key_verifies() {
        let (new, stored) = generate_key("ops", Role::Screen);
        assert_eq!(new.id, stored.id);
        assert_eq!(new.id.len(), 8);
        assert_eq!(new.secret.len(), 4 + 8 + 1 + 43);
        assert!(new.secret.starts_with(&format!("emb_{}_", new.id)));
        assert_ne!(stored.hash, new.secret);
        assert!(!stored.hash.contains(&new.secret[13..]));
        assert!(!format!("{new:?}").contains(&new.secret));
        let presented = parse_presented(&new.secret).unwrap();
        assert_eq!(presented.id, new.id);
        assert!(verify_key(&presented, &stored));
        assert_eq!(
            authenticate(&presented, &stored, Role::Screen),
            Ok(Role::Screen)
        );
        assert_eq!(
            authenticate(&presented, &stored, Role::Admin),
            Err(AuthError::Forbidden {
                role: Role::Screen,
                required: Role::Admin
            })
        );
    }

    #[test]
    fn keys_are_distinct() {
        let (a, sa) = generate_key("a", Role::Read);
        let (b, sb) = generate_key("b", Role::Read);
        assert_ne!(a.secret, b.secret);
        assert_ne!(sa.hash, sb.hash);
        let pa = parse_presented(&a.secret).unwrap();
        assert!(!verify_key(&pa, &sb));
    }

    #[test]
    fn wrong_secret_is_refused() {
        let (new, stored) = generate_key("ops", Role::Admin);
        // Same id, one character of the random part changed.
        let mut forged = new.secret.clone().into_bytes();
        let last = forged.len() - 1;
        forged[last] = if forged[last] == b'A' { b'E' } else { b'A' };
        let forged = String::from_utf8(forged).unwrap();
        let presented = parse_presented(&forged).unwrap();
        assert!(!verify_key(&presented, &stored));
        assert_eq!(
            authenticate(&presented, &stored, Role::Read),
            Err(AuthError::InvalidKey)
        );
        // A stored key whose hash column was damaged never matches.
        let presented = parse_presented(&new.secret).unwrap();
        let damaged = StoredKey {
            hash: "not hex".into(),
            ..stored
        };
        assert!(!verify_key(&presented, &damaged));
    }

    #[test]
    fn revoked_key_is_refused() {
        let (new, mut stored) = generate_key("ops", Role::Admin);
        let presented = parse_presented(&new.secret).unwrap();
        let at = Utc::now();
        stored.revoke(at);
        stored.revoke(at + chrono::Duration::hours(1));
        assert_eq!(stored.revoked_at, Some(at));
        assert!(stored.is_revoked());
        assert!(!verify_key(&presented, &stored));
        assert_eq!(
            authenticate(&presented, &stored, Role::Read),
            Err(AuthError::Revoked(at))
        );
    }

    #[test]
    fn malformed_keys() {
        let (new, _) = generate_key("ops", Role::Read);
        let ok = new.secret.as_str();
        let bad = [
            "",
            "emb_",
            "Bearer x",
            &ok[4..],
            &ok[..ok.len() - 1],
            &format!("{ok}A"),
            &ok.replacen("emb_", "emc_", 1),
            &format!("emb_{}_{}", new.id.to_uppercase(), &ok[13..]),
            &format!("emb_{}x{}", new.id, &ok[13..]),
            &format!(
                "emb_{}_{}",
                new.id,
                &ok[13..].replace(|c: char| c.is_ascii_alphabetic(), "+")
            ),
            "emb_é_________________________________________________",
        ];
        for b in bad {
            assert_eq!(parse_presented(b), Err(KeyError::Malformed), "{b:?}");
        }
        assert!(parse_presented(&format!("  {ok}\n")).is_ok());
    }
}
