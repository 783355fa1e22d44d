//! Screening shared by the yente and `/v1` APIs: queries, hits, receipts.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use embargo_audit::{
    ListVersionRef as ReceiptVersion, Outcome, Receipt, ReceiptHit, SignedReceipt,
};
use embargo_engine::{ScreenHit, Snapshot, VersionRef};
use embargo_law::{IssuerResolver, NameLink};
use embargo_match::Query;
use embargo_model::{EntityId, IdKind, PartialDate, Schema};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api_schema::{FtmSchemaName, PartialDateText};
use crate::error::ApiError;
use crate::yente::{ExampleQuery, FeatureExplanation, ListVersionRef};

impl From<&VersionRef> for ListVersionRef {
    fn from(v: &VersionRef) -> Self {
        ListVersionRef {
            list: v.list.clone(),
            version: v.version,
            seq: v.seq,
            published: v.published,
            sha256: v.sha256.clone(),
        }
    }
}

/// The versions of a snapshot, as API types.
pub fn version_refs(snap: &Snapshot) -> Vec<ListVersionRef> {
    snap.version_refs()
        .iter()
        .map(ListVersionRef::from)
        .collect()
}

impl From<ExampleQuery> for Query {
    fn from(q: ExampleQuery) -> Query {
        Query {
            schema: q.schema,
            names: q.names,
            countries: q.countries,
            birth_dates: q.birth_dates,
            identifiers: q.identifiers,
        }
    }
}

/// An identifier in a `/v1` query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"kind": "isin", "value": "US16941M1099"}))]
pub struct IdentifierIn {
    /// `isin`, `ticker`, `uscc`, `lei`, `imo`, `passport`, `national_id`,
    /// `tax_id`, `registration` (or another label).
    #[schema(example = "isin", max_length = 40)]
    pub kind: String,
    /// The value; tickers may carry their market (`941 HK`).
    #[schema(
        pattern = "\\S",
        min_length = 1,
        max_length = 200,
        example = "US16941M1099"
    )]
    pub value: String,
}

/// One party to screen: at least a name or an identifier.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Hangzhou Hikvision Digital Technology", "schema": "Company", "countries": ["cn"]}))]
pub struct ScreenQuery {
    /// A caller's reference, echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Person`, `Company`, `Organization`, `LegalEntity`, `Vessel`,
    /// `Airplane` or `Security`; absent: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<FtmSchemaName>)]
    pub schema: Option<String>,
    /// The name to screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "\\S", max_length = 500, example = "Xiaomi Corporation")]
    pub name: Option<String>,
    /// More names (aliases).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 50, example = json!(["小米集团"]))]
    pub names: Vec<String>,
    /// Country codes (ISO 3166-1 alpha-2) or names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 50, example = json!(["cn"]))]
    pub countries: Vec<String>,
    /// Dates of birth or incorporation (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<PartialDateText>, max_items = 50)]
    pub birth_dates: Vec<String>,
    /// Identifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 50)]
    pub identifiers: Vec<IdentifierIn>,
}

/// The most names, countries, dates or identifiers one query may carry.
const MAX_PARTS: usize = 50;
/// The longest name accepted, in characters.
const MAX_NAME: usize = 500;
/// The longest identifier value accepted, in characters.
const MAX_ID_VALUE: usize = 200;
/// The longest identifier kind accepted, in characters.
const MAX_ID_KIND: usize = 40;

impl ScreenQuery {
    /// The matcher query, or why the query is unusable.
    pub fn to_query(&self) -> Result<Query, String> {
        let schema = match self.schema.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(Schema::parse(s).ok_or_else(|| format!("unknown schema '{s}'"))?),
        };
        let names: Vec<String> = self
            .name
            .iter()
            .chain(&self.names)
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        if names.iter().any(|n| n.chars().count() > MAX_NAME) {
            return Err(format!("a name is longer than {MAX_NAME} characters"));
        }
        if names.len() > MAX_PARTS
            || self.countries.len() > MAX_PARTS
            || self.birth_dates.len() > MAX_PARTS
            || self.identifiers.len() > MAX_PARTS
        {
            return Err(format!(
                "at most {MAX_PARTS} names, countries, dates or identifiers"
            ));
        }
        if self.identifiers.iter().any(|i| {
            i.value.trim().chars().count() > MAX_ID_VALUE
                || i.kind.trim().chars().count() > MAX_ID_KIND
        }) {
            return Err(format!(
                "an identifier's value is longer than {MAX_ID_VALUE} characters or its kind \
                 longer than {MAX_ID_KIND}"
            ));
        }
        let birth_dates = self
            .birth_dates
            .iter()
            .map(|d| d.trim().parse::<PartialDate>().map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let identifiers: Vec<(IdKind, String)> = self
            .identifiers
            .iter()
            .filter(|i| !i.value.trim().is_empty())
            .map(|i| {
                (
                    IdKind::parse(&i.kind.trim().to_ascii_lowercase()),
                    i.value.trim().to_string(),
                )
            })
            .collect();
        if names.is_empty() && identifiers.is_empty() {
            return Err("the query has no name and no identifier".into());
        }
        Ok(Query {
            schema,
            names,
            countries: self
                .countries
                .iter()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
            birth_dates,
            identifiers,
        })
    }

    /// The query as understood: the schema under its API name, values
    /// trimmed, blank names, countries and identifiers left out. Answers
    /// echo this form.
    pub fn normalized(&self) -> ScreenQuery {
        let trim = |v: &[String]| -> Vec<String> {
            v.iter()
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        };
        ScreenQuery {
            id: self.id.clone(),
            schema: self
                .schema
                .as_deref()
                .map(str::trim)
                .and_then(|s| match Schema::parse(s) {
                    Some(known) => Some(known.as_str().to_string()),
                    None => Some(s.to_string()).filter(|s| !s.is_empty()),
                }),
            name: self
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            names: trim(&self.names),
            countries: trim(&self.countries),
            birth_dates: trim(&self.birth_dates),
            identifiers: self
                .identifiers
                .iter()
                .filter(|i| !i.value.trim().is_empty())
                .map(|i| IdentifierIn {
                    kind: i.kind.trim().to_ascii_lowercase(),
                    value: i.value.trim().to_string(),
                })
                .collect(),
        }
    }

    /// The key under which reviews of this query are remembered (SHA-256 of
    /// the canonical JSON of its schema, names and identifiers; see
    /// `embargo_engine::trail::query_key`).
    pub fn review_key(&self) -> String {
        let mut names: Vec<String> = self
            .name
            .iter()
            .chain(&self.names)
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        names.sort();
        let mut ids: Vec<String> = self
            .identifiers
            .iter()
            .filter(|i| !i.value.trim().is_empty())
            .map(|i| format!("{} {}", i.kind.trim().to_ascii_lowercase(), i.value.trim()))
            .collect();
        ids.sort();
        embargo_engine::trail::query_key(&serde_json::json!({
            "schema": self.schema.as_deref().map(str::trim).and_then(Schema::parse).map(Schema::as_str),
            "names": names,
            "identifiers": ids,
        }))
    }
}

/// A hit in a `/v1` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Hit {
    /// The entity id (`us_ofac_sdn:306`).
    pub entity_id: String,
    /// The list.
    pub list: String,
    /// The datasets the entity belongs to (`us_ofac_ns_cmic` for NS-CMIC entries).
    pub datasets: Vec<String>,
    /// The entity's schema.
    pub schema: String,
    /// The entity's primary name.
    pub caption: String,
    /// The score in [0, 1].
    pub score: f64,
    /// The entity's name that matched best.
    pub matched_name: String,
    /// The alignment, in one line.
    pub explanation: String,
    /// The alignment, part by part.
    #[schema(value_type = Object)]
    pub alignment: serde_json::Value,
}

/// A `/v1` hit from an engine hit.
pub fn hit_out(snap: &Snapshot, h: &ScreenHit) -> Hit {
    let datasets = snap
        .entity(&EntityId(h.entity_id.clone()))
        .map(crate::ftm::datasets_of)
        .unwrap_or_else(|| vec![h.list.clone()]);
    Hit {
        entity_id: h.entity_id.clone(),
        list: h.list.clone(),
        datasets,
        schema: h.schema.clone(),
        caption: h.caption.clone(),
        score: round4(h.score),
        matched_name: h.matched_name.clone(),
        explanation: h.explanation.to_string(),
        alignment: serde_json::to_value(&h.explanation).unwrap_or(serde_json::Value::Null),
    }
}

/// yente-style feature explanations of a hit.
pub fn explanations(
    h: &ScreenHit,
) -> (BTreeMap<String, f64>, BTreeMap<String, FeatureExplanation>) {
    let x = &h.explanation;
    let mut features = BTreeMap::new();
    let mut out = BTreeMap::new();
    features.insert("name".to_string(), round4(x.name_score));
    out.insert(
        "name".to_string(),
        FeatureExplanation {
            score: round4(x.name_score),
            detail: x.to_string(),
            query: Some(x.query_name.clone()).filter(|s| !s.is_empty()),
            candidate: Some(x.candidate_name.clone()).filter(|s| !s.is_empty()),
        },
    );
    for q in &x.qualifiers {
        features.insert(q.feature.clone(), round4(q.effect));
        out.insert(
            q.feature.clone(),
            FeatureExplanation {
                score: round4(q.effect),
                detail: q.detail.clone(),
                query: None,
                candidate: None,
            },
        );
    }
    (features, out)
}

/// Rounds a score to four decimals (and maps non-finite values to 0).
pub fn round4(x: f64) -> f64 {
    if x.is_finite() {
        (x * 10_000.0).round() / 10_000.0
    } else {
        0.0
    }
}

/// Builds the body of a screening receipt.
pub fn receipt_body(
    query: serde_json::Value,
    as_of: Option<NaiveDate>,
    snap: &Snapshot,
    threshold: f64,
    hits: &[Hit],
    audit_seq: Option<u64>,
) -> Receipt {
    let issued_at = Utc::now();
    Receipt {
        version: embargo_audit::RECEIPT_VERSION,
        issued_at,
        installation: String::new(),
        query,
        as_of: as_of
            .map(|d| d.to_string())
            .unwrap_or_else(|| issued_at.to_rfc3339()),
        lists: snap
            .version_refs()
            .iter()
            .map(|v| ReceiptVersion {
                list: v.list.clone(),
                version_seq: u64::from(v.seq),
                sha256: v.sha256.clone(),
                published: v.published.map(|d| d.to_string()),
            })
            .collect(),
        threshold,
        outcome: if hits.is_empty() {
            Outcome::NoMatch
        } else {
            Outcome::Matches
        },
        hits: hits
            .iter()
            .map(|h| ReceiptHit {
                entity_id: h.entity_id.clone(),
                caption: h.caption.clone(),
                score: h.score,
                list: h.list.clone(),
            })
            .collect(),
        audit_seq,
    }
}

/// A signed receipt as JSON.
pub fn receipt_json(r: &SignedReceipt) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(r).map_err(ApiError::internal)
}

/// Resolves issuer names to listed entities with the snapshot's index.
pub struct SnapshotResolver<'a>(pub &'a Snapshot);

impl IssuerResolver for SnapshotResolver<'_> {
    fn resolve_name(&self, name: &str) -> Vec<NameLink> {
        let q = Query {
            schema: Some(Schema::Company),
            names: vec![name.to_string()],
            ..Query::default()
        };
        let opts = embargo_engine::ScreenOptions {
            limit: 5,
            threshold: 0.5,
            datasets: None,
            exclude_ids: Vec::new(),
        };
        self.0
            .screen(&q, &opts)
            .hits
            .into_iter()
            .map(|h| NameLink {
                entity_id: EntityId(h.entity_id.clone()),
                score: h.score,
                matched_name: h.matched_name.clone(),
                explanation: h.explanation.to_string(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_query_to_matcher_query() {
        let q: ScreenQuery = serde_json::from_str(
            r#"{"schema":"company","name":"Xiaomi Corp","countries":["cn"],
                "identifiers":[{"kind":"ISIN","value":" US16941M1099 "}]}"#,
        )
        .unwrap();
        let m = q.to_query().unwrap();
        assert_eq!(m.schema, Some(Schema::Company));
        assert_eq!(m.names, vec!["Xiaomi Corp"]);
        assert_eq!(
            m.identifiers,
            vec![(IdKind::Isin, "US16941M1099".to_string())]
        );
    }

    #[test]
    fn unusable_queries_say_why() {
        let empty = ScreenQuery::default();
        assert!(empty.to_query().unwrap_err().contains("no name"));
        let bad = ScreenQuery {
            name: Some("x".into()),
            schema: Some("Spaceship".into()),
            ..ScreenQuery::default()
        };
        assert!(bad.to_query().unwrap_err().contains("Spaceship"));
        let bad = ScreenQuery {
            name: Some("x".into()),
            birth_dates: vec!["yesterday".into()],
            ..ScreenQuery::default()
        };
        assert!(bad.to_query().is_err());
        let long = ScreenQuery {
            identifiers: vec![IdentifierIn {
                kind: "isin".into(),
                value: "0".repeat(201),
            }],
            ..ScreenQuery::default()
        };
        assert!(long.to_query().unwrap_err().contains("200"));
    }

    #[test]
    fn normalized_queries_drop_blanks_and_name_the_schema() {
        let q: ScreenQuery = serde_json::from_str(
            r#"{"schema":" company ","name":"  ","names":[""," Xiaomi "],"countries":["cn",""],
                "identifiers":[{"kind":" ISIN ","value":" US16941M1099 "},{"kind":"lei","value":" "}]}"#,
        )
        .unwrap();
        let n = q.normalized();
        assert_eq!(n.schema.as_deref(), Some("Company"));
        assert_eq!(n.name, None);
        assert_eq!(n.names, vec!["Xiaomi"]);
        assert_eq!(n.countries, vec!["cn"]);
        assert_eq!(
            n.identifiers,
            vec![IdentifierIn {
                kind: "isin".into(),
                value: "US16941M1099".into()
            }]
        );
        assert_eq!(n.review_key(), q.review_key());
        assert_eq!(n.to_query().unwrap(), q.to_query().unwrap());
    }

    #[test]
    fn review_key_ignores_order_and_case_of_schema() {
        let a = ScreenQuery {
            schema: Some("company".into()),
            names: vec!["B".into(), "A".into()],
            ..ScreenQuery::default()
        };
        let b = ScreenQuery {
            schema: Some("Company".into()),
            names: vec!["A".into(), "B".into()],
            ..ScreenQuery::default()
        };
        assert_eq!(a.review_key(), b.review_key());
        let c = ScreenQuery {
            names: vec!["A".into()],
            ..ScreenQuery::default()
        };
        assert_ne!(a.review_key(), c.review_key());
    }
}
