//! Signed screening receipts.
//!
//! A receipt states what was screened, against which list versions, with
//! which threshold, and what came out. It is signed with the installation's
//! ed25519 key over the canonical JSON (see
//! [`canonical_json`]) of every field except
//! `signature`, so it can be checked offline by anyone holding the
//! installation's public key. Because the signature covers the canonical
//! form, reformatting a receipt file (indentation, key order) does not
//! invalidate it, while any change of content does.
//!
//! A receipt embeds the public key that signed it (`installation`); checking
//! it without an expected key only proves it was not altered since *some*
//! key signed it. Pin the installation's published key to prove who issued
//! it.

use chrono::{DateTime, SubsecRound, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey, SECRET_KEY_LENGTH};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::canonical::canonical_json;

/// The receipt format version this crate writes and accepts.
pub const RECEIPT_VERSION: u32 = 1;

/// Errors about keys and receipts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// A secret or public key is not valid hex of the right length.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// The signature is not 64 bytes of hex.
    #[error("malformed signature")]
    MalformedSignature,
    /// The signature does not match the receipt's content and key.
    #[error("signature does not match the receipt")]
    BadSignature,
    /// The receipt was signed by another key than the one expected.
    #[error("receipt signed by {found}, expected {expected}")]
    WrongKey {
        /// The expected public key (hex).
        expected: String,
        /// The receipt's `installation` key.
        found: String,
    },
    /// The receipt's `version` is not one this crate understands.
    #[error("unsupported receipt version {0}")]
    UnsupportedVersion(u32),
    /// The receipt cannot be signed as it stands.
    #[error("invalid receipt: {0}")]
    Invalid(String),
    /// A receipt file is not a receipt, or carries fields outside the format.
    #[error("malformed receipt: {0}")]
    Malformed(String),
}

/// The installation's ed25519 signing key.
#[derive(Clone)]
pub struct SigningKeyPair {
    key: SigningKey,
}

impl std::fmt::Debug for SigningKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyPair")
            .field("public", &self.public_hex())
            .finish_non_exhaustive()
    }
}

impl SigningKeyPair {
    /// Generates a fresh key from the operating system's random source.
    pub fn generate() -> Self {
        Self {
            key: SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// The 32-byte secret as lowercase hex, for storage (e.g. in the store's
    /// `kv` table). Keep it secret.
    pub fn secret_hex(&self) -> String {
        hex::encode(self.key.to_bytes())
    }

    /// Loads a key saved with [`secret_hex`](Self::secret_hex).
    pub fn from_secret_hex(secret: &str) -> Result<Self, ReceiptError> {
        let bytes = hex::decode(secret.trim())
            .map_err(|e| ReceiptError::InvalidKey(format!("secret is not hex: {e}")))?;
        let bytes: [u8; SECRET_KEY_LENGTH] = bytes.try_into().map_err(|b: Vec<u8>| {
            ReceiptError::InvalidKey(format!(
                "secret has {} bytes, expected {SECRET_KEY_LENGTH}",
                b.len()
            ))
        })?;
        Ok(Self {
            key: SigningKey::from_bytes(&bytes),
        })
    }

    /// The public key as lowercase hex: the installation's identity.
    pub fn public_hex(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }
}

fn parse_public_key(text: &str) -> Result<VerifyingKey, ReceiptError> {
    let bytes = hex::decode(text)
        .map_err(|e| ReceiptError::InvalidKey(format!("public key is not hex: {e}")))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| ReceiptError::InvalidKey("public key must be 32 bytes".into()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| ReceiptError::InvalidKey(e.to_string()))
}

/// The version of one list a screening ran against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListVersionRef {
    /// Dataset key, e.g. `us_ofac_sdn`.
    pub list: String,
    /// The store's version number of that list's import.
    pub version_seq: u64,
    /// SHA-256 (hex) of the imported source file.
    pub sha256: String,
    /// The publisher's publication date or time for that version, as
    /// recorded at import, when known.
    pub published: Option<String>,
}

/// One candidate match reported by a screening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptHit {
    /// The matched entity's id.
    pub entity_id: String,
    /// Its display name.
    pub caption: String,
    /// Match score in `[0, 1]`.
    pub score: f64,
    /// Dataset key of the list it is on.
    pub list: String,
}

/// What a screening concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Nothing scored at or above the threshold.
    NoMatch,
    /// At least one candidate scored at or above the threshold.
    Matches,
}

/// The signed content of a receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Format version, [`RECEIPT_VERSION`].
    pub version: u32,
    /// When the receipt was issued (microsecond precision).
    pub issued_at: DateTime<Utc>,
    /// Public key (hex) of the installation that signed it.
    pub installation: String,
    /// The screening request as received.
    pub query: Value,
    /// The point in time the lists were evaluated at.
    pub as_of: String,
    /// The list versions screened against.
    pub lists: Vec<ListVersionRef>,
    /// The score threshold applied.
    pub threshold: f64,
    /// `no_match` or `matches`.
    pub outcome: Outcome,
    /// The candidates at or above the threshold.
    pub hits: Vec<ReceiptHit>,
    /// Sequence number of the audit record of this screening, if recorded.
    pub audit_seq: Option<u64>,
}

impl Receipt {
    /// The bytes the signature covers: canonical JSON of the receipt.
    pub fn signing_bytes(&self) -> Vec<u8> {
        // Serializing these plain structs to a Value cannot fail: every map
        // key is a string. Non-finite floats become `null`, which
        // `sign_receipt` refuses beforehand.
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        canonical_json(&value).into_bytes()
    }
}

/// A receipt with its signature. Serializes as the receipt's fields plus
/// `signature` (hex) in one JSON object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedReceipt {
    /// The signed content.
    #[serde(flatten)]
    pub receipt: Receipt,
    /// ed25519 signature (hex) over [`Receipt::signing_bytes`].
    pub signature: String,
}

impl SignedReceipt {
    /// Parses a receipt file and verifies it (see [`verify_receipt`]). Unlike
    /// deserializing and then verifying, this also rejects files with fields
    /// the format does not define.
    pub fn from_json(text: &str, expected_public_key: Option<&str>) -> Result<Self, ReceiptError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| ReceiptError::Malformed(e.to_string()))?;
        let Value::Object(mut map) = value else {
            return Err(ReceiptError::Malformed("not a JSON object".into()));
        };
        let signature = match map.remove("signature") {
            Some(Value::String(s)) => s,
            _ => return Err(ReceiptError::Malformed("missing signature".into())),
        };
        let receipt: Receipt = serde_json::from_value(Value::Object(map))
            .map_err(|e| ReceiptError::Malformed(e.to_string()))?;
        let signed = SignedReceipt { receipt, signature };
        verify_receipt(&signed, expected_public_key)?;
        Ok(signed)
    }

    /// The receipt as pretty-printed JSON, the form handed to a customer.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Signs `receipt` with the installation key. Sets `installation` to the
/// key's public key, `version` to [`RECEIPT_VERSION`] and truncates
/// `issued_at` to microseconds. Fails if a score or the threshold is not a
/// finite number, or if `outcome` contradicts `hits`.
pub fn sign_receipt(
    mut receipt: Receipt,
    key: &SigningKeyPair,
) -> Result<SignedReceipt, ReceiptError> {
    if !receipt.threshold.is_finite() || receipt.hits.iter().any(|h| !h.score.is_finite()) {
        return Err(ReceiptError::Invalid(
            "scores and threshold must be finite numbers".into(),
        ));
    }
    let expected = if receipt.hits.is_empty() {
        Outcome::NoMatch
    } else {
        Outcome::Matches
    };
    if receipt.outcome != expected {
        return Err(ReceiptError::Invalid(format!(
            "outcome {:?} contradicts {} hit(s)",
            receipt.outcome,
            receipt.hits.len()
        )));
    }
    receipt.version = RECEIPT_VERSION;
    receipt.installation = key.public_hex();
    receipt.issued_at = receipt.issued_at.trunc_subsecs(6);
    let signature = key.key.sign(&receipt.signing_bytes());
    Ok(SignedReceipt {
        receipt,
        signature: hex::encode(signature.to_bytes()),
    })
}

/// Verifies a receipt's signature against the key it names, and, when
/// `expected_public_key` (hex) is given, that this is the expected key.
pub fn verify_receipt(
    signed: &SignedReceipt,
    expected_public_key: Option<&str>,
) -> Result<(), ReceiptError> {
    let receipt = &signed.receipt;
    if receipt.version != RECEIPT_VERSION {
        return Err(ReceiptError::UnsupportedVersion(receipt.version));
    }
    if let Some(expected) = expected_public_key {
        let expected = expected.trim();
        if !expected.eq_ignore_ascii_case(&receipt.installation) {
            return Err(ReceiptError::WrongKey {
                expected: expected.to_owned(),
                found: receipt.installation.clone(),
            });
        }
    }
    let public = parse_public_key(&receipt.installation)?;
    let bytes = hex::decode(&signed.signature).map_err(|_| ReceiptError::MalformedSignature)?;
    let bytes: [u8; 64] = bytes
        .try_into()
        .map_err(|_| ReceiptError::MalformedSignature)?;
    let signature = Signature::from_bytes(&bytes);
    public
        .verify_strict(&receipt.signing_bytes(), &signature)
        .map_err(|_| ReceiptError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn body() -> Receipt {
        Receipt {
            version: RECEIPT_VERSION,
            issued_at: Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
            installation: String::new(),
            query: json!({"name": "China Mobile", "country": "CN"}),
            as_of: "2026-11-25".into(),
            lists: vec![
                ListVersionRef {
                    list: "us_ofac_sdn".into(),
                    version_seq: 4,
                    sha256: "ab".repeat(32),
                    published: Some("2026-11-20".into()),
                },
                ListVersionRef {
                    list: "us_dod_1260h".into(),
                    version_seq: 2,
                    sha256: "cd".repeat(32),
                    published: None,
                },
            ],
            threshold: 0.7,
            outcome: Outcome::Matches,
            hits: vec![ReceiptHit {
                entity_id: "ofac-12345".into(),
                caption: "CHINA MOBILE COMMUNICATIONS GROUP CO., LTD.".into(),
                score: 0.93,
                list: "us_ofac_ns_cmic".into(),
            }],
            audit_seq: Some(42),
        }
    }

    #[test]
    fn key_round_trip() {
        let key = SigningKeyPair::generate();
        let back = SigningKeyPair::from_secret_hex(&key.secret_hex()).unwrap();
        assert_eq!(back.public_hex(), key.public_hex());
        assert_eq!(key.public_hex().len(), 64);
        assert!(!format!("{key:?}").contains(&key.secret_hex()));
        assert!(SigningKeyPair::from_secret_hex("zz").is_err());
        assert!(SigningKeyPair::from_secret_hex("abcd").is_err());
    }

    #[test]
    fn sign_and_verify() {
        let key = SigningKeyPair::generate();
        let signed = sign_receipt(body(), &key).unwrap();
        assert_eq!(signed.receipt.installation, key.public_hex());
        verify_receipt(&signed, None).unwrap();
        verify_receipt(&signed, Some(&key.public_hex())).unwrap();
        verify_receipt(&signed, Some(&key.public_hex().to_uppercase())).unwrap();
        let other = SigningKeyPair::generate();
        assert!(matches!(
            verify_receipt(&signed, Some(&other.public_hex())),
            Err(ReceiptError::WrongKey { .. })
        ));
    }

    #[test]
    fn file_round_trip() {
        let key = SigningKeyPair::generate();
        let signed = sign_receipt(body(), &key).unwrap();
        let text = signed.to_json_pretty();
        assert!(text.contains("\"outcome\": \"matches\""));
        assert!(text.contains("\"signature\""));
        let back = SignedReceipt::from_json(&text, Some(&key.public_hex())).unwrap();
        assert_eq!(back, signed);
        let typed: SignedReceipt = serde_json::from_str(&text).unwrap();
        verify_receipt(&typed, None).unwrap();
    }

    #[test]
    fn extra_fields_in_a_file_are_rejected() {
        let key = SigningKeyPair::generate();
        let signed = sign_receipt(body(), &key).unwrap();
        let mut value = serde_json::to_value(&signed).unwrap();
        value["note"] = json!("cleared by compliance");
        let err = SignedReceipt::from_json(&value.to_string(), None).unwrap_err();
        assert!(matches!(err, ReceiptError::Malformed(_)), "{err}");
        let mut value = serde_json::to_value(&signed).unwrap();
        value["hits"][0]["note"] = json!("false positive");
        let err = SignedReceipt::from_json(&value.to_string(), None).unwrap_err();
        assert!(matches!(err, ReceiptError::Malformed(_)), "{err}");
    }

    /// Every leaf of the receipt JSON, as a JSON pointer.
    fn leaves(value: &Value, path: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    leaves(v, format!("{path}/{k}"), out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    leaves(v, format!("{path}/{i}"), out);
                }
            }
            _ => out.push(path),
        }
    }

    fn altered(v: &Value) -> Value {
        match v {
            Value::Null => json!("x"),
            Value::Bool(b) => json!(!b),
            Value::Number(n) => match (n.as_u64(), n.as_f64()) {
                (Some(u), _) => json!(u + 1),
                (None, Some(f)) => json!(f + 0.001),
                _ => json!(0),
            },
            Value::String(s) if s.len() >= 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
                // Keep hex fields well-formed: flip one digit.
                let flipped = if s.starts_with('0') { "1" } else { "0" };
                Value::String(format!("{flipped}{}", &s[1..]))
            }
            Value::String(s) if s.ends_with('Z') => {
                Value::String(s.replacen("12:00:00", "12:00:01", 1))
            }
            Value::String(s) if s == "matches" => json!("no_match"),
            Value::String(s) => Value::String(format!("{s}x")),
            _ => unreachable!("leaves only"),
        }
    }

    #[test]
    fn altering_any_field_breaks_the_signature() {
        let key = SigningKeyPair::generate();
        let signed = sign_receipt(body(), &key).unwrap();
        let original = serde_json::to_value(&signed).unwrap();
        let mut paths = Vec::new();
        leaves(&original, String::new(), &mut paths);
        assert!(paths.len() >= 20, "{paths:?}");
        for path in paths {
            let mut value = original.clone();
            let leaf = value.pointer_mut(&path).unwrap();
            *leaf = altered(leaf);
            assert_ne!(value, original, "{path}");
            let text = value.to_string();
            let err = SignedReceipt::from_json(&text, None).expect_err(&path);
            if path == "/installation" {
                // Another (possibly invalid) key: never accepted.
                assert!(
                    matches!(
                        err,
                        ReceiptError::BadSignature | ReceiptError::InvalidKey(_)
                    ),
                    "{path}: {err}"
                );
            } else if path == "/signature" {
                assert_eq!(err, ReceiptError::BadSignature, "{path}");
            } else if path == "/version" {
                assert_eq!(err, ReceiptError::UnsupportedVersion(2), "{path}");
            } else {
                assert_eq!(err, ReceiptError::BadSignature, "{path}");
            }
            // The typed path reaches the same verdict.
            if let Ok(typed) = serde_json::from_str::<SignedReceipt>(&text) {
                assert!(verify_receipt(&typed, None).is_err(), "{path}");
            }
        }
    }

    #[test]
    fn removing_a_list_or_hit_breaks_the_signature() {
        let key = SigningKeyPair::generate();
        let signed = sign_receipt(body(), &key).unwrap();
        let mut s = signed.clone();
        s.receipt.lists.pop();
        assert_eq!(verify_receipt(&s, None), Err(ReceiptError::BadSignature));
        let mut s = signed.clone();
        s.receipt.hits.clear();
        s.receipt.outcome = Outcome::NoMatch;
        assert_eq!(verify_receipt(&s, None), Err(ReceiptError::BadSignature));
        let mut s = signed;
        s.receipt.audit_seq = None;
        assert_eq!(verify_receipt(&s, None), Err(ReceiptError::BadSignature));
    }

    #[test]
    fn resigning_with_another_key_is_caught_by_pinning() {
        let key = SigningKeyPair::generate();
        let forger = SigningKeyPair::generate();
        let mut forged = sign_receipt(body(), &key).unwrap().receipt;
        forged.hits.clear();
        forged.outcome = Outcome::NoMatch;
        let forged = sign_receipt(forged, &forger).unwrap();
        verify_receipt(&forged, None).unwrap();
        assert!(matches!(
            verify_receipt(&forged, Some(&key.public_hex())),
            Err(ReceiptError::WrongKey { .. })
        ));
    }

    #[test]
    fn malformed_signatures() {
        let key = SigningKeyPair::generate();
        let mut s = sign_receipt(body(), &key).unwrap();
        s.signature = "nothex".into();
        assert_eq!(
            verify_receipt(&s, None),
            Err(ReceiptError::MalformedSignature)
        );
        s.signature = "ab".repeat(63);
        assert_eq!(
            verify_receipt(&s, None),
            Err(ReceiptError::MalformedSignature)
        );
    }

    #[test]
    fn refuses_to_sign_inconsistent_receipts() {
        let key = SigningKeyPair::generate();
        let mut r = body();
        r.outcome = Outcome::NoMatch;
        assert!(matches!(
            sign_receipt(r, &key),
            Err(ReceiptError::Invalid(_))
        ));
        let mut r = body();
        r.threshold = f64::NAN;
        assert!(matches!(
            sign_receipt(r, &key),
            Err(ReceiptError::Invalid(_))
        ));
        let mut r = body();
        r.hits[0].score = f64::INFINITY;
        assert!(matches!(
            sign_receipt(r, &key),
            Err(ReceiptError::Invalid(_))
        ));
        let mut r = body();
        r.hits.clear();
        r.outcome = Outcome::NoMatch;
        let s = sign_receipt(r, &key).unwrap();
        assert!(serde_json::to_string(&s)
            .unwrap()
            .contains(r#""outcome":"no_match""#));
    }

    proptest::proptest! {
        #[test]
        fn any_receipt_survives_a_file_round_trip(
            name in proptest::prelude::any::<String>(),
            caption in proptest::prelude::any::<String>(),
            score in -1e6f64..1e6,
            threshold in 0f64..1.0,
            version_seq in proptest::prelude::any::<u64>(),
            audit_seq in proptest::prelude::any::<Option<u64>>(),
            nanos in 0i64..1_000_000_000,
        ) {
            let key = SigningKeyPair::generate();
            let mut r = body();
            r.query = json!({"name": name, "threshold": threshold});
            r.hits[0].caption = caption;
            r.hits[0].score = score;
            r.threshold = threshold;
            r.lists[0].version_seq = version_seq;
            r.audit_seq = audit_seq;
            r.issued_at += chrono::Duration::nanoseconds(nanos);
            let signed = sign_receipt(r, &key).unwrap();
            let compact = serde_json::to_string(&signed).unwrap();
            let back = SignedReceipt::from_json(&compact, Some(&key.public_hex())).unwrap();
            proptest::prop_assert_eq!(&back, &signed);
            let pretty = signed.to_json_pretty();
            proptest::prop_assert!(SignedReceipt::from_json(&pretty, Some(&key.public_hex())).is_ok());
        }
    }
}
