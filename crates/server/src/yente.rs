//! The yente-compatible request and response types, and their translation
//! to embargo queries.
//!
//! The shapes follow yente's API so existing screening clients work
//! unchanged: `POST /match/{dataset}` takes `{"queries": {"q1": {"schema":
//! "Company", "properties": {"name": ["…"]}}}}` and answers
//! `{"responses": {"q1": {"status": 200, "results": […], "total": {…},
//! "query": {…}}}, "limit": 5}`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use embargo_model::{IdKind, PartialDate, Schema};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api_schema::{AlgorithmName, DatasetName, EntityIdText, FtmSchemaName, TopicName};
use crate::error::ApiError;
use crate::ftm::FtmEntity;

/// yente's limit on queries in one `/match` request.
pub const MAX_MATCH_QUERIES: usize = 100;
/// yente's default match threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.7;
/// yente's default cutoff: results scoring at or below it are dropped.
pub const DEFAULT_CUTOFF: f64 = 0.5;
/// yente's default number of results per query.
pub const DEFAULT_LIMIT: usize = 5;
/// The most results a query may ask for.
pub const MAX_LIMIT: usize = 500;

/// The datasets the API knows; `default` covers them all.
pub const DATASETS: &[&str] = &[
    "default",
    "us_ofac_sdn",
    "us_ofac_cons",
    "us_ofac_ns_cmic",
    "us_dod_1260h",
    "us_dod_1237",
    "us_bis_dpl",
    "us_trade_csl",
];

/// The algorithm names accepted by `/match` (all run embargo's matcher).
pub const ALGORITHMS: &[&str] = &["embargo-v1", "best", "logic-v2", "logic-v1", "name-based"];

/// An entity example to match: a schema and FtM properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"schema": "Company", "properties": {"name": ["Xiaomi Corporation"], "jurisdiction": ["cn"]}}))]
pub struct EntityExample {
    /// An optional id for the example (echoed back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The FtM schema (`Person`, `Company`, `Organization`, `LegalEntity`,
    /// `Vessel`, `Airplane`, `Security`).
    #[schema(value_type = FtmSchemaName)]
    pub schema: String,
    /// FtM properties; each value is a list of strings (a single string is
    /// accepted too). Names: `name`, `alias`, `weakAlias`, `previousName`,
    /// `firstName`, `lastName`; countries: `country`, `jurisdiction`,
    /// `nationality`; dates: `birthDate`, `incorporationDate`; identifiers:
    /// `isinCode`, `leiCode`, `uscCode`, `ticker`, `imoNumber`,
    /// `registrationNumber`, `taxNumber`, `passportNumber`, `idNumber`.
    #[serde(default, deserialize_with = "de_properties")]
    #[schema(example = json!({"name": ["Hangzhou Hikvision Digital Technology"], "country": ["cn"]}))]
    pub properties: BTreeMap<String, Vec<String>>,
}

/// The body of `POST /match/{dataset}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({"queries": {
    "q1": {"schema": "Company", "properties": {"name": ["Xiaomi Corporation"], "jurisdiction": ["cn"]}},
    "q2": {"schema": "Person", "properties": {"name": ["Kim Jong Un"], "birthDate": ["1984-01-08"], "nationality": ["kp"]}},
    "q3": {"schema": "Security", "properties": {"isinCode": ["US16941M1099"]}}
}}))]
pub struct MatchRequest {
    /// The queries, by a key of the client's choice (at most 100).
    pub queries: BTreeMap<String, EntityExample>,
    /// Feature weights (accepted for compatibility; embargo's matcher is calibrated).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub weights: Option<serde_json::Value>,
    /// Algorithm configuration (accepted for compatibility).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub config: Option<serde_json::Value>,
}

/// One feature's part of a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FeatureExplanation {
    /// The feature's score (or, for qualifiers, its effect on the score).
    pub score: f64,
    /// A readable account of the feature.
    pub detail: String,
    /// The query value the feature used.
    pub query: Option<String>,
    /// The candidate value the feature used.
    pub candidate: Option<String>,
}

/// One result of a match query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScoredEntity {
    /// The entity, in FtM shape.
    #[serde(flatten)]
    pub entity: FtmEntity,
    /// The score in [0, 1].
    pub score: f64,
    /// Feature scores.
    pub features: BTreeMap<String, f64>,
    /// `score >= threshold`.
    #[serde(rename = "match")]
    pub is_match: bool,
    /// How the score came about, per feature.
    pub explanations: BTreeMap<String, FeatureExplanation>,
}

/// The count of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Total {
    /// How many results.
    pub value: usize,
    /// `eq`: the count is exact.
    pub relation: String,
}

/// The answer to one query of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueryResponse {
    /// 200, or 400 for a query that could not be run.
    pub status: u16,
    /// The results above the cutoff, best first.
    pub results: Vec<ScoredEntity>,
    /// The number of results.
    pub total: Total,
    /// The query as received (an FtM example, echoed even when invalid).
    #[schema(value_type = Object)]
    pub query: EntityExample,
    /// Why the query could not be run (status 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The list versions that answered (embargo's addition to the yente shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ListVersionRef {
    /// The list key.
    pub list: String,
    /// The store-wide version id.
    pub version: i64,
    /// The version's sequence number within the list.
    pub seq: u32,
    /// The publication date, when known.
    pub published: Option<NaiveDate>,
    /// The content hash of the version's files.
    pub sha256: String,
}

/// The matcher's name and version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MatcherInfo {
    /// The algorithm that ran.
    pub name: String,
    /// The threshold applied.
    pub threshold: f64,
    /// The cutoff applied.
    pub cutoff: f64,
}

/// The body answered by `POST /match/{dataset}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MatchResponse {
    /// One answer per query key.
    pub responses: BTreeMap<String, QueryResponse>,
    /// The algorithm and thresholds.
    pub matcher: MatcherInfo,
    /// The result limit applied per query.
    pub limit: usize,
    /// The list versions the answers used.
    pub versions: Vec<ListVersionRef>,
}

/// Query parameters of `POST /match/{dataset}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchParams {
    /// Results per query (default 5, at most 500).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// Score from which a result is a `match` (default 0.7).
    #[param(minimum = 0.0, maximum = 1.0)]
    pub threshold: Option<f64>,
    /// Results scoring at or below this are dropped (default 0.5).
    #[param(minimum = 0.0, maximum = 1.0)]
    pub cutoff: Option<f64>,
    /// The matching algorithm (all names run embargo's matcher).
    #[param(value_type = Option<AlgorithmName>)]
    pub algorithm: Option<String>,
    /// Only these datasets.
    #[serde(default)]
    #[param(value_type = Option<Vec<DatasetName>>)]
    pub include_dataset: Vec<String>,
    /// Not these datasets.
    #[serde(default)]
    #[param(value_type = Option<Vec<DatasetName>>)]
    pub exclude_dataset: Vec<String>,
    /// Entity ids to leave out (dismissed false positives).
    #[serde(default)]
    #[param(value_type = Option<Vec<EntityIdText>>)]
    pub exclude_entity_ids: Vec<String>,
    /// Only entities with one of these topics.
    #[serde(default)]
    #[param(value_type = Option<Vec<TopicName>>)]
    pub topics: Vec<String>,
    /// Only entities added or changed in versions imported on or after this date.
    pub changed_since: Option<NaiveDate>,
    /// Screen against the lists as they stood on this date.
    pub as_of: Option<NaiveDate>,
}

/// Query parameters of `GET /search/{dataset}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The text to search for: a name, an ISIN, a ticker, an entity id.
    #[param(example = "hikvision")]
    pub q: Option<String>,
    /// Only this schema (`LegalEntity` covers every organisation).
    #[param(value_type = Option<FtmSchemaName>)]
    pub schema: Option<String>,
    /// Only entities with these countries (ISO codes).
    #[serde(default)]
    #[param(value_type = Option<Vec<String>>, example = json!(["cn"]))]
    pub countries: Vec<String>,
    /// Only these datasets.
    #[serde(default)]
    #[param(value_type = Option<Vec<DatasetName>>)]
    pub include_dataset: Vec<String>,
    /// Not these datasets.
    #[serde(default)]
    #[param(value_type = Option<Vec<DatasetName>>)]
    pub exclude_dataset: Vec<String>,
    /// Only entities with one of these topics.
    #[serde(default)]
    #[param(value_type = Option<Vec<TopicName>>)]
    pub topics: Vec<String>,
    /// Results per page (default 10, at most 500).
    #[param(minimum = 0, maximum = 500)]
    pub limit: Option<usize>,
    /// Results to skip.
    #[param(minimum = 0, maximum = 10000)]
    pub offset: Option<usize>,
    /// Search the lists as they stood on this date.
    pub as_of: Option<NaiveDate>,
}

/// Parses a query string into a parameter struct, allowing repeated keys
/// for list parameters (`include_dataset=a&include_dataset=b`); values of
/// the keys in `lists` may also be comma-separated (`a,b`).
///
/// Unknown keys are ignored (yente ignores them too); a value that does
/// not parse is a 400.
pub fn parse_query<T: serde::de::DeserializeOwned>(
    raw: Option<&str>,
    lists: &[&str],
) -> Result<T, ApiError> {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if lists.contains(&k.as_ref()) {
            for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                out.append_pair(&k, part);
            }
        } else {
            out.append_pair(&k, &v);
        }
    }
    serde_html_form::from_str(&out.finish())
        .map_err(|e| ApiError::BadRequest(format!("invalid query parameter: {e}")))
}

/// Accepts FtM property values as a list of strings, a single string, or
/// numbers and booleans (turned into strings); `null` is no value.
/// Read with visitors rather than untagged enums, which would buffer every
/// value before trying each form.
fn de_properties<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    use serde::de::{Error, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    /// One scalar: a string, a number or a boolean.
    struct Scalar(String);
    struct ScalarVisitor;
    impl Visitor<'_> for ScalarVisitor {
        type Value = Scalar;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string, a number or a boolean")
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<Scalar, E> {
            Ok(Scalar(v.to_string()))
        }
        fn visit_string<E: Error>(self, v: String) -> Result<Scalar, E> {
            Ok(Scalar(v))
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<Scalar, E> {
            Ok(Scalar(v.to_string()))
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<Scalar, E> {
            Ok(Scalar(v.to_string()))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<Scalar, E> {
            Ok(Scalar(
                serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()),
            ))
        }
        fn visit_bool<E: Error>(self, v: bool) -> Result<Scalar, E> {
            Ok(Scalar(v.to_string()))
        }
    }
    impl<'de> Deserialize<'de> for Scalar {
        fn deserialize<D2: Deserializer<'de>>(d: D2) -> Result<Scalar, D2::Error> {
            d.deserialize_any(ScalarVisitor)
        }
    }

    /// A property's values: a list of scalars, one scalar, or null.
    struct Values(Vec<String>);
    struct ValuesVisitor;
    impl<'de> Visitor<'de> for ValuesVisitor {
        type Value = Values;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of strings, a string, a number, a boolean or null")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Values, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(64));
            while let Some(Scalar(v)) = seq.next_element()? {
                out.push(v);
            }
            Ok(Values(out))
        }
        fn visit_unit<E: Error>(self) -> Result<Values, E> {
            Ok(Values(Vec::new()))
        }
        fn visit_none<E: Error>(self) -> Result<Values, E> {
            Ok(Values(Vec::new()))
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<Values, E> {
            ScalarVisitor.visit_str(v).map(|s| Values(vec![s.0]))
        }
        fn visit_string<E: Error>(self, v: String) -> Result<Values, E> {
            Ok(Values(vec![v]))
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<Values, E> {
            ScalarVisitor.visit_i64(v).map(|s| Values(vec![s.0]))
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<Values, E> {
            ScalarVisitor.visit_u64(v).map(|s| Values(vec![s.0]))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<Values, E> {
            ScalarVisitor.visit_f64(v).map(|s| Values(vec![s.0]))
        }
        fn visit_bool<E: Error>(self, v: bool) -> Result<Values, E> {
            ScalarVisitor.visit_bool(v).map(|s| Values(vec![s.0]))
        }
    }
    impl<'de> Deserialize<'de> for Values {
        fn deserialize<D2: Deserializer<'de>>(d: D2) -> Result<Values, D2::Error> {
            d.deserialize_any(ValuesVisitor)
        }
    }

    struct MapVisitor;
    impl<'de> Visitor<'de> for MapVisitor {
        type Value = BTreeMap<String, Vec<String>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object of FtM properties")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, Values(v))) = map.next_entry::<String, Values>()? {
                out.insert(k, v);
            }
            Ok(out)
        }
        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
    }
    d.deserialize_any(MapVisitor)
}

#[cfg(test)]
mod property_tests {
    use super::*;

    #[test]
    fn property_values_in_every_form() {
        let ex: EntityExample = serde_json::from_str(
            r#"{"schema":"Company","properties":{"name":["A","B"],"alias":"C",
               "registrationNumber":12345,"isinCode":null,"flag":true,"tonnage":[1.5]}}"#,
        )
        .unwrap();
        let p = &ex.properties;
        assert_eq!(p["name"], vec!["A", "B"]);
        assert_eq!(p["alias"], vec!["C"]);
        assert_eq!(p["registrationNumber"], vec!["12345"]);
        assert!(p["isinCode"].is_empty());
        assert_eq!(p["flag"], vec!["true"]);
        assert_eq!(p["tonnage"], vec!["1.5"]);
        let none: EntityExample =
            serde_json::from_str(r#"{"schema":"Company","properties":null}"#).unwrap();
        assert!(none.properties.is_empty());
        for bad in [
            r#"{"schema":"Company","properties":{"name":[{"x":1}]}}"#,
            r#"{"schema":"Company","properties":{"name":[null]}}"#,
            r#"{"schema":"Company","properties":["name"]}"#,
        ] {
            assert!(serde_json::from_str::<EntityExample>(bad).is_err(), "{bad}");
        }
    }
}

/// A query in embargo's terms, read from an FtM example.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExampleQuery {
    /// The schema asked for.
    pub schema: Option<Schema>,
    /// Names (from `name`, `alias`, `weakAlias`, `previousName`, …).
    pub names: Vec<String>,
    /// ISO country codes, lower case.
    pub countries: Vec<String>,
    /// Birth or incorporation dates.
    pub birth_dates: Vec<PartialDate>,
    /// Identifiers by kind.
    pub identifiers: Vec<(IdKind, String)>,
}

/// The FtM properties read as names.
const NAME_PROPS: &[&str] = &[
    "name",
    "alias",
    "weakAlias",
    "previousName",
    "firstName",
    "lastName",
    "middleName",
    "issuer",
];
/// The FtM properties read as countries.
const COUNTRY_PROPS: &[&str] = &[
    "country",
    "jurisdiction",
    "nationality",
    "citizenship",
    "mainCountry",
    "registrationCountry",
];
/// The FtM properties read as dates.
const DATE_PROPS: &[&str] = &["birthDate", "incorporationDate"];

/// The identifier kind of an FtM property, if it is one.
pub fn id_kind_of(prop: &str) -> Option<IdKind> {
    Some(match prop {
        "isinCode" | "isin" => IdKind::Isin,
        "leiCode" => IdKind::Lei,
        "uscCode" => IdKind::Uscc,
        "ticker" => IdKind::Ticker,
        "imoNumber" => IdKind::Imo,
        "registrationNumber" | "ogrnCode" | "innCode" => IdKind::Registration,
        "taxNumber" => IdKind::TaxId,
        "passportNumber" => IdKind::Passport,
        "idNumber" => IdKind::NationalId,
        _ => return None,
    })
}

impl ExampleQuery {
    /// Reads an FtM example; an unknown schema, a bad date or an example
    /// with nothing to match on is an error (the query's status 400).
    pub fn from_example(ex: &EntityExample) -> Result<ExampleQuery, String> {
        let schema =
            Schema::parse(&ex.schema).ok_or_else(|| format!("unknown schema '{}'", ex.schema))?;
        let mut q = ExampleQuery {
            schema: Some(schema),
            ..ExampleQuery::default()
        };
        let mut first = String::new();
        let mut last = String::new();
        for (prop, values) in &ex.properties {
            for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
                match prop.as_str() {
                    "firstName" => first = v.to_string(),
                    "lastName" => last = v.to_string(),
                    p if NAME_PROPS.contains(&p) => q.names.push(v.to_string()),
                    p if COUNTRY_PROPS.contains(&p) => {
                        let c = v.to_ascii_lowercase();
                        if !q.countries.contains(&c) {
                            q.countries.push(c);
                        }
                    }
                    p if DATE_PROPS.contains(&p) => {
                        let text = v.get(..10).filter(|_| v.len() > 10).unwrap_or(v);
                        let d: PartialDate =
                            text.parse().map_err(|e| format!("property {p}: {e}"))?;
                        q.birth_dates.push(d);
                    }
                    p => {
                        if let Some(kind) = id_kind_of(p) {
                            q.identifiers.push((kind, v.to_string()));
                        }
                    }
                }
            }
        }
        let full = format!("{first} {last}").trim().to_string();
        if !full.is_empty() {
            q.names.push(full);
        }
        if q.names.is_empty() && q.identifiers.is_empty() {
            return Err(
                "the example has no name and no identifier to match on (properties: name, alias, \
                 isinCode, leiCode, uscCode, ticker, …)"
                    .to_string(),
            );
        }
        Ok(q)
    }
}

/// Validates a dataset name.
pub fn check_dataset(name: &str) -> Result<(), ApiError> {
    if DATASETS.contains(&name) {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "unknown dataset '{name}'; known: {}",
            DATASETS.join(", ")
        )))
    }
}

/// Which entities a set of dataset filters lets through.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatasetFilter {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl DatasetFilter {
    /// The filter of a path dataset plus include/exclude parameters.
    pub fn new(
        path_dataset: &str,
        include: &[String],
        exclude: &[String],
    ) -> Result<Self, ApiError> {
        check_dataset(path_dataset)?;
        for d in include.iter().chain(exclude) {
            if !DATASETS.contains(&d.as_str()) {
                return Err(ApiError::BadRequest(format!("unknown dataset '{d}'")));
            }
        }
        let mut inc: Vec<String> = Vec::new();
        if path_dataset != "default" {
            inc.push(path_dataset.to_string());
        }
        let include: Vec<String> = include
            .iter()
            .filter(|d| *d != "default")
            .cloned()
            .collect();
        if !include.is_empty() {
            if inc.is_empty() {
                inc = include;
            } else {
                // Both the path and the parameter restrict: keep what both allow.
                let mut both = Vec::new();
                for p in &inc {
                    for i in &include {
                        if covers(p, i) {
                            both.push(i.clone());
                        } else if covers(i, p) {
                            both.push(p.clone());
                        }
                    }
                }
                inc = both;
                if inc.is_empty() {
                    inc.push("\u{0}none".to_string());
                }
            }
        }
        Ok(DatasetFilter {
            include: inc,
            exclude: exclude.to_vec(),
        })
    }

    /// The source lists to search (`None`: all).
    pub fn source_lists(&self) -> Option<Vec<String>> {
        if self.include.is_empty() {
            return None;
        }
        let mut out: Vec<String> = self
            .include
            .iter()
            .map(|d| match d.as_str() {
                "us_ofac_ns_cmic" => "us_ofac_cons".to_string(),
                other => other.to_string(),
            })
            .collect();
        out.sort();
        out.dedup();
        Some(out)
    }

    /// True when an entity in `datasets` passes the filter.
    pub fn allows(&self, datasets: &[String]) -> bool {
        if self
            .exclude
            .iter()
            .any(|x| datasets.contains(x) || x == "default")
        {
            return false;
        }
        self.include.is_empty() || self.include.iter().any(|i| datasets.contains(i))
    }

    /// True when the filter may drop results the list filter let through
    /// (so callers should over-fetch).
    pub fn post_filters(&self) -> bool {
        !self.exclude.is_empty() || self.include.iter().any(|d| d == "us_ofac_ns_cmic")
    }
}

/// True when dataset `a` contains dataset `b`.
fn covers(a: &str, b: &str) -> bool {
    a == b || (a == "us_ofac_cons" && b == "us_ofac_ns_cmic")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(json: &str) -> EntityExample {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn company_example_reads_name_and_jurisdiction() {
        let req: MatchRequest = serde_json::from_str(
            r#"{"queries":{"q1":{"schema":"Company","properties":{"name":["Xiaomi Corp"],"jurisdiction":["cn"]}}}}"#,
        )
        .unwrap();
        let q = ExampleQuery::from_example(&req.queries["q1"]).unwrap();
        assert_eq!(q.schema, Some(Schema::Company));
        assert_eq!(q.names, vec!["Xiaomi Corp"]);
        assert_eq!(q.countries, vec!["cn"]);
    }

    #[test]
    fn person_example_with_dates_and_nationality() {
        let ex = example(
            r#"{"schema":"Person","properties":{"firstName":["Kim"],"lastName":["Jong Un"],
            "birthDate":["1984-01-08"],"nationality":["KP"]}}"#,
        );
        let q = ExampleQuery::from_example(&ex).unwrap();
        assert_eq!(q.names, vec!["Kim Jong Un"]);
        assert_eq!(q.countries, vec!["kp"]);
        assert_eq!(q.birth_dates[0].to_string(), "1984-01-08");
    }

    #[test]
    fn security_example_by_isin_only() {
        let ex = example(r#"{"schema":"Security","properties":{"isinCode":"US16941M1099"}}"#);
        let q = ExampleQuery::from_example(&ex).unwrap();
        assert!(q.names.is_empty());
        assert_eq!(q.identifiers, vec![(IdKind::Isin, "US16941M1099".into())]);
    }

    #[test]
    fn bad_examples_are_refused() {
        assert!(ExampleQuery::from_example(&example(
            r#"{"schema":"Spaceship","properties":{"name":["x"]}}"#
        ))
        .is_err());
        assert!(ExampleQuery::from_example(&example(
            r#"{"schema":"Person","properties":{"gender":["male"]}}"#
        ))
        .is_err());
        assert!(ExampleQuery::from_example(&example(
            r#"{"schema":"Person","properties":{"name":["x"],"birthDate":["soon"]}}"#
        ))
        .is_err());
    }

    #[test]
    fn datetime_birth_dates_are_cut_to_the_date() {
        let ex = example(
            r#"{"schema":"Person","properties":{"name":["X"],"birthDate":["1962-03-07T00:00:00"]}}"#,
        );
        assert_eq!(
            ExampleQuery::from_example(&ex).unwrap().birth_dates[0].to_string(),
            "1962-03-07"
        );
    }

    #[test]
    fn query_string_with_repeated_lists() {
        let p: MatchParams = parse_query(
            Some("threshold=0.8&limit=3&include_dataset=us_ofac_sdn&include_dataset=us_dod_1260h&exclude_entity_ids=a,b&changed_since=2025-01-01"),
            &["include_dataset", "exclude_dataset", "exclude_entity_ids", "topics"],
        )
        .unwrap();
        assert_eq!(p.threshold, Some(0.8));
        assert_eq!(p.limit, Some(3));
        assert_eq!(p.include_dataset, vec!["us_ofac_sdn", "us_dod_1260h"]);
        assert_eq!(p.exclude_entity_ids, vec!["a", "b"]);
        assert_eq!(p.changed_since, NaiveDate::from_ymd_opt(2025, 1, 1));
        let e = parse_query::<MatchParams>(Some("limit=many"), &[]).unwrap_err();
        assert!(matches!(e, ApiError::BadRequest(_)));
        let s: SearchParams = parse_query(Some("q=941&offset=2"), &["countries"]).unwrap();
        assert_eq!(s.q.as_deref(), Some("941"));
        assert_eq!(s.offset, Some(2));
    }

    #[test]
    fn dataset_filters() {
        let f = DatasetFilter::new("us_ofac_ns_cmic", &[], &[]).unwrap();
        assert_eq!(f.source_lists(), Some(vec!["us_ofac_cons".to_string()]));
        assert!(f.allows(&["us_ofac_cons".into(), "us_ofac_ns_cmic".into()]));
        assert!(!f.allows(&["us_ofac_cons".into()]));
        assert!(f.post_filters());

        let f = DatasetFilter::new("default", &[], &["us_ofac_sdn".into()]).unwrap();
        assert_eq!(f.source_lists(), None);
        assert!(!f.allows(&["us_ofac_sdn".into()]));
        assert!(f.allows(&["us_bis_dpl".into()]));

        let f = DatasetFilter::new("us_ofac_cons", &["us_ofac_ns_cmic".into()], &[]).unwrap();
        assert_eq!(f.source_lists(), Some(vec!["us_ofac_cons".to_string()]));
        assert!(!f.allows(&["us_ofac_cons".into()]));

        assert!(DatasetFilter::new("eu_fsf", &[], &[]).is_err());
        assert!(DatasetFilter::new("default", &["nope".into()], &[]).is_err());
    }
}
