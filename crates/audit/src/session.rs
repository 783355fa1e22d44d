//! Signed session tokens for the web console's cookie.
//!
//! A token is `v1.<claims>.<mac>`: `claims` is the unpadded base64url of the
//! canonical JSON `{"exp":<unix seconds>,"kid":"<key id>","role":"<role>"}`
//! and `mac` the unpadded base64url of HMAC-SHA256 over `v1.<claims>` with
//! the server's [`SessionSecret`]. All characters are cookie-safe.
//!
//! A token only proves what it claims; the server should still check on each
//! request that the key it names has not been revoked since.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::canonical::canonical_json;
use crate::keys::Role;

type HmacSha256 = Hmac<Sha256>;

const VERSION: &str = "v1";
const SECRET_LEN: usize = 32;

/// The server's 32-byte secret for signing session tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionSecret([u8; SECRET_LEN]);

impl fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionSecret(<redacted>)")
    }
}

impl SessionSecret {
    /// Generates a secret from the operating system's random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; SECRET_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The secret as hex, for storage.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Loads a secret saved with [`to_hex`](Self::to_hex).
    pub fn from_hex(text: &str) -> Result<Self, SessionError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SessionError::InvalidSecret)?;
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| SessionError::InvalidSecret)
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length; this cannot fail.
        <HmacSha256 as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }
}

/// What a valid session token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionClaims {
    /// Id of the API key the session was opened with.
    pub key_id: String,
    /// That key's role when the session was opened.
    pub role: Role,
    /// End of validity (whole seconds).
    pub expires: DateTime<Utc>,
}

/// Why a session token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// Not a token of this format.
    #[error("malformed session token")]
    Malformed,
    /// The MAC does not match: forged, altered or signed with another secret.
    #[error("session token signature is invalid")]
    BadSignature,
    /// The token's validity ended.
    #[error("session expired at {0}")]
    Expired(DateTime<Utc>),
    /// A stored session secret is not 32 bytes of hex.
    #[error("session secret must be 32 bytes of hex")]
    InvalidSecret,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    exp: i64,
    kid: String,
    role: Role,
}

/// Issues a token for `key_id` with `role`, valid until `expires` (truncated
/// to whole seconds).
pub fn issue_session(
    key_id: &str,
    role: Role,
    expires: DateTime<Utc>,
    secret: &SessionSecret,
) -> String {
    let wire = Wire {
        exp: expires.timestamp(),
        kid: key_id.to_owned(),
        role,
    };
    let claims = serde_json::to_value(&wire)
        .map(|v| canonical_json(&v))
        .unwrap_or_default();
    let signed = format!("{VERSION}.{}", URL_SAFE_NO_PAD.encode(claims));
    let mut mac = secret.mac();
    mac.update(signed.as_bytes());
    let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signed}.{tag}")
}

/// Verifies a token's MAC (in constant time) and expiry. The token is valid
/// while `now < expires`.
pub fn verify_session(
    token: &str,
    secret: &SessionSecret,
    now: DateTime<Utc>,
) -> Result<SessionClaims, SessionError> {
    let (signed, tag) = token.rsplit_once('.').ok_or(SessionError::Malformed)?;
    let (version, claims) = signed.split_once('.').ok_or(SessionError::Malformed)?;
    if version != VERSION {
        return Err(SessionError::Malformed);
    }
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| SessionError::Malformed)?;
    let mut mac = secret.mac();
    mac.update(signed.as_bytes());
    mac.verify_slice(&tag)
        .map_err(|_| SessionError::BadSignature)?;
    let claims = URL_SAFE_NO_PAD
        .decode(claims)
        .map_err(|_| SessionError::Malformed)?;
    let wire: Wire = serde_json::from_slice(&claims).map_err(|_| SessionError::Malformed)?;
    let expires = DateTime::from_timestamp(wire.exp, 0).ok_or(SessionError::Malformed)?;
    if now >= expires {
        return Err(SessionError::Expired(expires));
    }
    Ok(SessionClaims {
        key_id: wire.kid,
        role: wire.role,
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    #[test]
    fn round_trip() {
        let secret = SessionSecret::generate();
        let expires = now() + Duration::hours(8);
        let token = issue_session("0a1b2c3d", Role::Screen, expires, &secret);
        assert!(token.starts_with("v1."));
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
        let claims = verify_session(&token, &secret, now()).unwrap();
        assert_eq!(
            claims,
            SessionClaims {
                key_id: "0a1b2c3d".into(),
                role: Role::Screen,
                expires
            }
        );
    }

    #[test]
    fn expiry() {
        let secret = SessionSecret::generate();
        let expires = now() + Duration::minutes(30);
        let token = issue_session("k", Role::Read, expires, &secret);
        assert!(verify_session(&token, &secret, expires - Duration::seconds(1)).is_ok());
        assert_eq!(
            verify_session(&token, &secret, expires),
            Err(SessionError::Expired(expires))
        );
        assert_eq!(
            verify_session(&token, &secret, expires + Duration::days(1)),
            Err(SessionError::Expired(expires))
        );
    }

    #[test]
    fn forged_claims_are_refused() {
        let secret = SessionSecret::generate();
        let token = issue_session("k", Role::Read, now() + Duration::hours(1), &secret);
        let (_, rest) = token.split_once('.').unwrap();
        let (_, tag) = rest.split_once('.').unwrap();
        // Escalate the role and extend the expiry, keeping the old MAC.
        let forged_claims = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"exp":{},"kid":"k","role":"admin"}}"#,
            now().timestamp() + 86_400 * 365
        ));
        let forged = format!("v1.{forged_claims}.{tag}");
        assert_eq!(
            verify_session(&forged, &secret, now()),
            Err(SessionError::BadSignature)
        );
    }

    #[test]
    fn other_secret_is_refused() {
        let token = issue_session(
            "k",
            Role::Admin,
            now() + Duration::hours(1),
            &SessionSecret::generate(),
        );
        assert_eq!(
            verify_session(&token, &SessionSecret::generate(), now()),
            Err(SessionError::BadSignature)
        );
    }

    #[test]
    fn any_altered_character_is_refused() {
        let secret = SessionSecret::generate();
        let token = issue_session("0a1b2c3d", Role::Admin, now() + Duration::hours(1), &secret);
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let altered = String::from_utf8(bytes).unwrap();
            assert!(
                verify_session(&altered, &secret, now()).is_err(),
                "position {i}"
            );
        }
    }

    #[test]
    fn malformed_tokens() {
        let secret = SessionSecret::generate();
        for t in ["", "v1", "v1.abc", "v2.abc.def", "v1.!!.def", "v1.abc.***"] {
            let err = verify_session(t, &secret, now()).unwrap_err();
            assert!(
                matches!(err, SessionError::Malformed | SessionError::BadSignature),
                "{t}: {err}"
            );
        }
    }

    #[test]
    fn secret_round_trip() {
        let s = SessionSecret::generate();
        assert_eq!(SessionSecret::from_hex(&s.to_hex()).unwrap(), s);
        assert!(!format!("{s:?}").contains(&s.to_hex()));
        assert_eq!(
            SessionSecret::from_hex("abcd"),
            Err(SessionError::InvalidSecret)
        );
        assert_eq!(
            SessionSecret::from_hex("xyz"),
            Err(SessionError::InvalidSecret)
        );
    }
}
