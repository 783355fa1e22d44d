//! The yente-compatible endpoints.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{header, HeaderMap};
use chrono::{NaiveDate, NaiveTime};
use embargo_audit::Role;
use embargo_engine::{ScreenOptions, Snapshot};
use embargo_match::Query;
use embargo_model::{EntityId, IdKind, Schema};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::{blocking, snapshot_at};
use crate::api_schema::{DatasetName, EntityIdText, FtmSchemaName};
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::ftm::{datasets_of, to_ftm, topics_of, FtmEntity};
use crate::middleware::ApiJson;
use crate::screening::{explanations, round4, version_refs};
use crate::state::AppState;
use crate::yente::{
    parse_query, DatasetFilter, EntityExample, ExampleQuery, MatchParams, MatchRequest,
    MatchResponse, MatcherInfo, QueryResponse, ScoredEntity, SearchParams, Total, ALGORITHMS,
    DATASETS, DEFAULT_CUTOFF, DEFAULT_LIMIT, DEFAULT_THRESHOLD, MAX_LIMIT, MAX_MATCH_QUERIES,
};

const MATCH_LISTS: &[&str] = &[
    "include_dataset",
    "exclude_dataset",
    "exclude_entity_ids",
    "topics",
];
const SEARCH_LISTS: &[&str] = &["countries", "include_dataset", "exclude_dataset", "topics"];

/// Checks a score parameter.
fn unit(name: &str, v: Option<f64>, default: f64) -> Result<f64, ApiError> {
    let v = v.unwrap_or(default);
    if !(0.0..=1.0).contains(&v) {
        return Err(ApiError::BadRequest(format!(
            "{name} must be between 0 and 1"
        )));
    }
    Ok(v)
}

/// The date from which `last_seen` is reported for an entity's list: the
/// as-of date of the list's version in the snapshot.
fn last_seen(snap: &Snapshot, list: &str) -> Option<String> {
    snap.versions()
        .iter()
        .find(|v| v.list == list)
        .map(|v| v.as_of().to_string())
}

/// Entities added or changed on or after `since` (UTC midnight).
fn changed_since(state: &AppState, since: NaiveDate) -> Result<HashSet<String>, ApiError> {
    let at = since.and_time(NaiveTime::MIN).and_utc();
    let ids = state
        .engine
        .with_store_ref(|s| s.changed_since(at))
        .map_err(ApiError::internal)?;
    Ok(ids.into_iter().map(|i| i.0).collect())
}

/// Filters that apply after the matcher.
struct PostFilter {
    datasets: DatasetFilter,
    topics: Vec<String>,
    changed: Option<HashSet<String>>,
}

impl PostFilter {
    fn allows(&self, snap: &Snapshot, id: &str) -> bool {
        let Some(e) = snap.entity(&EntityId(id.to_string())) else {
            return false;
        };
        let ds = datasets_of(e);
        if !self.datasets.allows(&ds) {
            return false;
        }
        if !self.topics.is_empty()
            && !topics_of(e.id.list())
                .iter()
                .any(|t| self.topics.iter().any(|x| x == t))
        {
            return false;
        }
        self.changed.as_ref().is_none_or(|c| c.contains(id))
    }

    fn is_active(&self) -> bool {
        self.datasets.post_filters() || !self.topics.is_empty() || self.changed.is_some()
    }
}

/// Runs one yente query against a snapshot.
fn run_query(
    snap: &Snapshot,
    ex: &EntityExample,
    opts: &ScreenOptions,
    threshold: f64,
    cutoff: f64,
    post: &PostFilter,
) -> QueryResponse {
    let query = match ExampleQuery::from_example(ex) {
        Ok(q) => Query::from(q),
        Err(e) => {
            return QueryResponse {
                status: 400,
                results: Vec::new(),
                total: Total {
                    value: 0,
                    relation: "eq".into(),
                },
                query: ex.clone(),
                error: Some(e),
            }
        }
    };
    let mut o = opts.clone();
    if post.is_active() {
        o.limit = opts.limit.saturating_mul(5).max(50);
    }
    let screened = snap.screen(&query, &o);
    let results: Vec<ScoredEntity> = screened
        .hits
        .iter()
        .filter(|h| h.score > cutoff)
        .filter(|h| post.allows(snap, &h.entity_id))
        .take(opts.limit)
        .filter_map(|h| {
            let e = snap.entity(&EntityId(h.entity_id.clone()))?;
            let (features, explanations) = explanations(h);
            let score = round4(h.score);
            Some(ScoredEntity {
                entity: to_ftm(e, last_seen(snap, e.id.list())),
                score,
                features,
                is_match: score >= threshold,
                explanations,
            })
        })
        .collect();
    QueryResponse {
        status: 200,
        total: Total {
            value: results.len(),
            relation: "eq".into(),
        },
        results,
        query: ex.clone(),
        error: None,
    }
}

/// Match entities against a dataset (yente's `/match`).
///
/// Each query is an FtM entity example; results scoring above `cutoff` are
/// returned best first, marked `match` when `score >= threshold`.
#[utoipa::path(
    post,
    path = "/match/{dataset}", operation_id = "match",
    tag = "yente",
    params(("dataset" = DatasetName, Path, description = "The dataset to match against (`default`: every list)"), MatchParams),
    request_body = MatchRequest,
    responses(
        (status = 200, description = "One response per query", body = MatchResponse),
        (status = 400, description = "Invalid request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role does not allow screening", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown dataset", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Body does not fit the schema", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn match_entities(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(dataset): Path<String>,
    RawQuery(raw): RawQuery,
    ApiJson(body): ApiJson<MatchRequest>,
) -> Result<ApiJson<MatchResponse>, ApiError> {
    let params: MatchParams = parse_query(raw.as_deref(), MATCH_LISTS)?;
    let datasets = DatasetFilter::new(&dataset, &params.include_dataset, &params.exclude_dataset)?;
    if body.queries.len() > MAX_MATCH_QUERIES {
        return Err(ApiError::BadRequest(format!(
            "too many queries: {} (at most {MAX_MATCH_QUERIES} a request)",
            body.queries.len()
        )));
    }
    let threshold = unit("threshold", params.threshold, DEFAULT_THRESHOLD)?;
    let cutoff = unit("cutoff", params.cutoff, DEFAULT_CUTOFF)?;
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    if let Some(a) = &params.algorithm {
        if !ALGORITHMS.contains(&a.as_str()) {
            return Err(ApiError::BadRequest(format!(
                "unknown algorithm '{a}'; known: {}",
                ALGORITHMS.join(", ")
            )));
        }
    }
    let include: Vec<String> = if dataset == "default" {
        params.include_dataset.clone()
    } else {
        vec![dataset.clone()]
    };
    let opts = ScreenOptions {
        limit,
        threshold: cutoff,
        datasets: (!include.is_empty()).then_some(include),
        exclude_ids: params.exclude_entity_ids.clone(),
    };
    let snap = snapshot_at(&state, params.as_of).await?;
    let changed = match params.changed_since {
        Some(d) => {
            let st = state.clone();
            Some(blocking(move || changed_since(&st, d)).await?)
        }
        None => None,
    };
    let post = PostFilter {
        datasets,
        topics: params.topics.clone(),
        changed,
    };
    let big = body.queries.len() > 4;
    let work = {
        let snap = Arc::clone(&snap);
        move || -> BTreeMap<String, QueryResponse> {
            body.queries
                .iter()
                .map(|(k, ex)| {
                    (
                        k.clone(),
                        run_query(&snap, ex, &opts, threshold, cutoff, &post),
                    )
                })
                .collect()
        }
    };
    let responses = if big {
        blocking(move || Ok(work())).await?
    } else {
        work()
    };
    let versions = version_refs(&snap);
    let matched: u64 = responses
        .values()
        .map(|r| r.results.iter().filter(|x| x.is_match).count() as u64)
        .sum();
    let total: u64 = responses.values().map(|r| r.results.len() as u64).sum();
    state
        .metrics
        .record_screenings("match", responses.len() as u64);
    state.metrics.record_results(matched, total - matched);
    let audit = json!({
        "route": "match",
        "dataset": dataset,
        "as_of": params.as_of,
        "threshold": threshold,
        "cutoff": cutoff,
        "limit": limit,
        "exclude_entity_ids": params.exclude_entity_ids,
        "queries": responses.iter().map(|(k, r)| (k.clone(), json!({
            "query": r.query,
            "status": r.status,
            "results": r.results.iter().map(|x| json!({"id": x.entity.id, "score": x.score, "match": x.is_match})).collect::<Vec<_>>(),
        }))).collect::<serde_json::Map<String, Value>>(),
        "versions": versions,
    });
    state.recorder.record(&principal.name, "match", audit).await;
    Ok(ApiJson(MatchResponse {
        responses,
        matcher: MatcherInfo {
            name: params
                .algorithm
                .unwrap_or_else(|| ALGORITHMS[0].to_string()),
            threshold,
            cutoff,
        },
        limit,
        versions,
    }))
}

/// A search result page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SearchResponse {
    /// The entities found, best first.
    pub results: Vec<FtmEntity>,
    /// How many results.
    pub total: Total,
    /// The page size.
    pub limit: usize,
    /// Results skipped.
    pub offset: usize,
    /// Counts of the results by dataset, schema, country and topic.
    pub facets: BTreeMap<String, Facet>,
    /// The list versions searched.
    pub versions: Vec<crate::yente::ListVersionRef>,
}

/// Counts of one facet.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Facet {
    /// The values with their counts, most frequent first.
    pub values: Vec<FacetValue>,
}

/// One facet value.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FacetValue {
    /// The value.
    pub name: String,
    /// A display label.
    pub label: String,
    /// How many results have it.
    pub count: usize,
}

/// True when `q` is an identifier: an ISIN, or a ticker written `941 HK`.
fn identifier_query(q: &str) -> Vec<(IdKind, String)> {
    let t = q.trim();
    let upper = t.to_ascii_uppercase();
    if embargo_model::ident::validate_isin(&upper).is_ok() {
        return vec![(IdKind::Isin, upper)];
    }
    if embargo_model::ident::validate_lei(&upper).is_ok() {
        return vec![(IdKind::Lei, upper)];
    }
    if embargo_model::ident::validate_uscc(&upper).is_ok() {
        return vec![(IdKind::Uscc, upper)];
    }
    let parts: Vec<&str> = t.split_whitespace().collect();
    let ticker = parts.len() == 2
        && parts[1].len() == 2
        && parts[1].chars().all(|c| c.is_ascii_alphabetic())
        && parts[0].len() <= 6
        && parts[0].chars().all(|c| c.is_ascii_alphanumeric());
    if ticker {
        return vec![(IdKind::Ticker, upper)];
    }
    Vec::new()
}

/// Text search over a dataset (yente's `/search`).
#[utoipa::path(
    get,
    path = "/search/{dataset}", operation_id = "search",
    tag = "yente",
    params(("dataset" = DatasetName, Path, description = "The dataset to search"), SearchParams),
    responses(
        (status = 200, description = "Search results", body = SearchResponse),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown dataset", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn search(
    State(state): State<AppState>,
    Path(dataset): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<ApiJson<SearchResponse>, ApiError> {
    let p: SearchParams = parse_query(raw.as_deref(), SEARCH_LISTS)?;
    let filter = DatasetFilter::new(&dataset, &p.include_dataset, &p.exclude_dataset)?;
    let limit = p.limit.unwrap_or(10);
    let offset = p.offset.unwrap_or(0);
    if limit > MAX_LIMIT || offset > 10_000 {
        return Err(ApiError::BadRequest(format!(
            "limit must be at most {MAX_LIMIT} and offset at most 10000"
        )));
    }
    let schema = match p.schema.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            Schema::parse(s)
                .ok_or_else(|| ApiError::BadRequest(format!("unknown schema '{s}'")))?,
        ),
    };
    let countries: Vec<String> = p.countries.iter().map(|c| c.to_ascii_lowercase()).collect();
    let snap = snapshot_at(&state, p.as_of).await?;
    let keep = |e: &embargo_model::Entity| {
        filter.allows(&datasets_of(e))
            && schema.is_none_or(|s| {
                e.schema == s || (s == Schema::LegalEntity && e.schema.is_organization())
            })
            && (countries.is_empty() || e.countries.iter().any(|c| countries.contains(c)))
            && (p.topics.is_empty()
                || topics_of(e.id.list())
                    .iter()
                    .any(|t| p.topics.iter().any(|x| x == t)))
    };
    let q = p.q.as_deref().map(str::trim).unwrap_or("");
    let found: Vec<&embargo_model::Entity> = if q.is_empty() {
        snap.entities().iter().filter(|e| keep(e)).collect()
    } else if let Some(e) = snap.entity(&EntityId(q.to_string())) {
        vec![e].into_iter().filter(|e| keep(e)).collect()
    } else {
        let ids = identifier_query(q);
        let query = Query {
            schema,
            names: if ids.is_empty() {
                vec![q.to_string()]
            } else {
                Vec::new()
            },
            identifiers: ids,
            ..Query::default()
        };
        let opts = ScreenOptions {
            limit: (offset + limit).max(1) * 3 + 20,
            threshold: 0.3,
            datasets: None,
            exclude_ids: Vec::new(),
        };
        snap.screen(&query, &opts)
            .hits
            .iter()
            .filter_map(|h| snap.entity(&EntityId(h.entity_id.clone())))
            .filter(|e| keep(e))
            .collect()
    };
    let mut facets: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for e in &found {
        for d in datasets_of(e) {
            *facets
                .entry("datasets".into())
                .or_default()
                .entry(d)
                .or_default() += 1;
        }
        *facets
            .entry("schema".into())
            .or_default()
            .entry(e.schema.as_str().to_string())
            .or_default() += 1;
        for c in &e.countries {
            *facets
                .entry("countries".into())
                .or_default()
                .entry(c.clone())
                .or_default() += 1;
        }
        for t in topics_of(e.id.list()) {
            *facets
                .entry("topics".into())
                .or_default()
                .entry((*t).to_string())
                .or_default() += 1;
        }
    }
    let facets = facets
        .into_iter()
        .map(|(k, counts)| {
            let mut values: Vec<FacetValue> = counts
                .into_iter()
                .map(|(name, count)| FacetValue {
                    label: embargo_model::ListId::find(&name)
                        .map(|l| l.title.to_string())
                        .unwrap_or_else(|| name.clone()),
                    name,
                    count,
                })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
            values.truncate(50);
            (k, Facet { values })
        })
        .collect();
    let total = found.len();
    let results = found
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|e| to_ftm(e, last_seen(&snap, e.id.list())))
        .collect();
    Ok(ApiJson(SearchResponse {
        results,
        total: Total {
            value: total,
            relation: "eq".into(),
        },
        limit,
        offset,
        facets,
        versions: version_refs(&snap),
    }))
}

/// Query parameters of `GET /entities/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntityParams {
    /// The entity as the lists stood on this date.
    pub as_of: Option<NaiveDate>,
}

/// One entity in FtM shape (yente's `/entities/{id}`).
#[utoipa::path(
    get,
    path = "/entities/{id}", operation_id = "fetch_entity",
    tag = "yente",
    params(("id" = EntityIdText, Path, description = "Entity id, e.g. us_ofac_cons:30923"), EntityParams),
    responses(
        (status = 200, description = "The entity", body = FtmEntity),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entity", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn entity(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<ApiJson<FtmEntity>, ApiError> {
    let p: EntityParams = parse_query(raw.as_deref(), &[])?;
    let snap = snapshot_at(&state, p.as_of).await?;
    let e = snap
        .entity(&EntityId(id.clone()))
        .ok_or_else(|| ApiError::NotFound(format!("no entity '{id}' in the lists served")))?;
    Ok(ApiJson(to_ftm(e, last_seen(&snap, e.id.list()))))
}

/// One dataset of the catalog.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CatalogDataset {
    /// The dataset key.
    pub name: String,
    /// Its title.
    pub title: String,
    /// Who publishes it.
    pub publisher: String,
    /// `source` (a list), `view` (part of one) or `collection` (several).
    #[serde(rename = "type")]
    pub kind: String,
    /// The datasets a collection or view is made of.
    pub children: Vec<String>,
    /// Entities served.
    pub entity_count: usize,
    /// The version served: sequence number within the list.
    pub version: Option<u32>,
    /// The publication (or import) date of that version.
    pub last_export: Option<String>,
    /// True when the dataset is loaded.
    pub load: bool,
}

/// The datasets served.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Catalog {
    /// Every dataset.
    pub datasets: Vec<CatalogDataset>,
    /// Datasets served now.
    pub current: Vec<String>,
    /// Datasets with a newer version not yet served.
    pub outdated: Vec<String>,
    /// True when the index lags the store.
    pub index_stale: bool,
}

/// The datasets served (yente's `/catalog`).
#[utoipa::path(
    get,
    path = "/catalog", operation_id = "catalog",
    tag = "yente",
    responses(
        (status = 200, description = "The datasets", body = Catalog),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn catalog(State(state): State<AppState>) -> Result<ApiJson<Catalog>, ApiError> {
    let snap = state.engine.snapshot();
    let counts = embargo_engine::count_by_list(&snap);
    let ns_cmic = snap
        .entities()
        .iter()
        .filter(|e| embargo_engine::in_dataset(e, "us_ofac_ns_cmic"))
        .count();
    let mut datasets = Vec::new();
    for l in embargo_model::KNOWN_LISTS {
        let v = snap.versions().iter().find(|v| v.list == l.key);
        let (kind, children, count, v) = if l.key == "us_ofac_ns_cmic" {
            let cons = snap.versions().iter().find(|v| v.list == "us_ofac_cons");
            ("view", vec!["us_ofac_cons".to_string()], ns_cmic, cons)
        } else {
            (
                "source",
                Vec::new(),
                counts.get(l.key).copied().unwrap_or(0),
                v,
            )
        };
        datasets.push(CatalogDataset {
            name: l.key.to_string(),
            title: l.title.to_string(),
            publisher: l.publisher.to_string(),
            kind: kind.to_string(),
            children,
            entity_count: count,
            version: v.map(|v| v.seq),
            last_export: v.map(|v| v.as_of().to_string()),
            load: v.is_some(),
        });
    }
    datasets.push(CatalogDataset {
        name: "default".into(),
        title: "All lists served by embargo".into(),
        publisher: "embargo".into(),
        kind: "collection".into(),
        children: DATASETS[1..].iter().map(|s| s.to_string()).collect(),
        entity_count: snap.entities().len(),
        version: None,
        last_export: None,
        load: true,
    });
    let current = datasets
        .iter()
        .filter(|d| d.load)
        .map(|d| d.name.clone())
        .collect();
    Ok(ApiJson(Catalog {
        datasets,
        current,
        outdated: Vec::new(),
        index_stale: false,
    }))
}

/// One matching algorithm.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Algorithm {
    /// The name to pass as `algorithm`.
    pub name: String,
    /// What it does.
    pub description: String,
    /// The features it scores.
    pub features: Vec<String>,
}

/// The matching algorithms.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Algorithms {
    /// Every algorithm.
    pub algorithms: Vec<Algorithm>,
    /// The default one.
    pub default: String,
    /// The recommended one.
    pub best: String,
}

/// The matching algorithms (yente's `/algorithms`).
#[utoipa::path(
    get,
    path = "/algorithms", operation_id = "algorithms",
    tag = "yente",
    responses(
        (status = 200, description = "The algorithms", body = Algorithms),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn algorithms() -> ApiJson<Algorithms> {
    let features = [
        "name",
        "isin",
        "lei",
        "uscc",
        "ticker",
        "country_mismatch",
        "birth_date_mismatch",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect::<Vec<_>>();
    let algorithms = ALGORITHMS
        .iter()
        .map(|a| Algorithm {
            name: a.to_string(),
            description: if *a == ALGORITHMS[0] {
                "embargo's matcher: token alignment with rarity weights, pinyin and glossary for \
                 Chinese names, abbreviations and initialisms, strong identifiers decide"
                    .into()
            } else {
                format!("accepted for yente compatibility; runs {}", ALGORITHMS[0])
            },
            features: features.clone(),
        })
        .collect();
    ApiJson(Algorithms {
        algorithms,
        default: ALGORITHMS[0].into(),
        best: ALGORITHMS[0].into(),
    })
}

/// Query parameters of `GET /reconcile/{dataset}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReconcileParams {
    /// Queries as JSON text (`{"q0": {"query": "Hikvision"}}`), as OpenRefine
    /// sends them; without it the service manifest is returned. Running
    /// queries needs the `screen` role.
    #[param(example = r#"{"q0":{"query":"Hikvision","type":"Company"}}"#)]
    pub queries: Option<String>,
}

/// The base URL of this service as the client reached it.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// The OpenRefine reconciliation service manifest, or with `queries` the
/// candidates of each query (as `POST` answers).
#[utoipa::path(
    get,
    path = "/reconcile/{dataset}", operation_id = "reconcile",
    tag = "reconciliation",
    params(("dataset" = DatasetName, Path, description = "The dataset to reconcile against"), ReconcileParams),
    responses(
        (status = 200, description = "The service manifest, or candidates per query", body = Object),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Running queries needs the screen role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown dataset", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Queries do not fit the schema", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn reconcile_manifest(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(dataset): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<ApiJson<Value>, ApiError> {
    crate::yente::check_dataset(&dataset)?;
    let p: ReconcileParams = parse_query(raw.as_deref(), &[])?;
    if let Some(text) = p.queries.as_deref().filter(|t| !t.trim().is_empty()) {
        if !principal.role.allows(Role::Screen) {
            return Err(ApiError::Forbidden(format!(
                "running reconciliation queries needs the 'screen' role; the key has '{}'",
                principal.role
            )));
        }
        let queries = parse_reconcile_queries(text)?;
        return run_reconcile(&state, &principal, &dataset, &queries).await;
    }
    let base = base_url(&headers);
    let types: Vec<Value> = Schema::ALL
        .iter()
        .map(|s| json!({"id": s.as_str(), "name": s.as_str()}))
        .collect();
    let service = format!("{base}/reconcile/{dataset}");
    Ok(ApiJson(json!({
        "versions": ["0.2"],
        "name": format!("embargo ({dataset})"),
        "identifierSpace": "https://embargo.dev/entities/",
        "schemaSpace": "https://followthemoney.tech/explorer/schemata/",
        "defaultTypes": types,
        "view": {"url": format!("{base}/entity/{{{{id}}}}")},
        "preview": {"url": format!("{base}/entity/{{{{id}}}}"), "width": 430, "height": 300},
        "suggest": {
            "entity": {"service_url": service, "service_path": "/suggest/entity"},
            "type": {"service_url": service, "service_path": "/suggest/type"},
            "property": {"service_url": service, "service_path": "/suggest/property"},
        },
    })))
}

/// One OpenRefine query.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({"query": "Hikvision", "type": "Company", "limit": 3}))]
pub struct ReconcileQuery {
    /// The text to reconcile.
    #[schema(pattern = "\\S", max_length = 500)]
    pub query: String,
    /// The FtM schema (`Company`, `Person`, …).
    #[serde(default, rename = "type")]
    #[schema(value_type = Option<FtmSchemaName>)]
    pub kind: Option<String>,
    /// Most candidates returned (default 5).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// Extra properties (`{"pid": "country", "v": "cn"}`).
    #[serde(default)]
    pub properties: Vec<ReconcileProperty>,
}

/// A property constraint of an OpenRefine query.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({"pid": "country", "v": "cn"}))]
pub struct ReconcileProperty {
    /// The FtM property.
    pub pid: String,
    /// Its value: a string, or an object with an `id`.
    #[schema(value_type = serde_json::Value)]
    pub v: Value,
}

/// The body of a reconciliation request (JSON form).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({"queries": {"q0": {"query": "Hikvision", "type": "Company"}, "q1": {"query": "Xiaomi"}}}))]
pub struct ReconcileRequest {
    /// The queries by key (at most 100).
    pub queries: BTreeMap<String, ReconcileQuery>,
}

/// Reads OpenRefine's queries: `{"q0": {…}}`, or `{"queries": {"q0": {…}}}`.
fn parse_reconcile_queries(text: &str) -> Result<BTreeMap<String, ReconcileQuery>, ApiError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::BadRequest(format!("queries: invalid JSON: {e}")))?;
    let parsed = if v.get("queries").is_some() {
        serde_json::from_value::<ReconcileRequest>(v).map(|r| r.queries)
    } else {
        serde_json::from_value(v)
    };
    parsed.map_err(|e| ApiError::Unprocessable(format!("queries: {e}")))
}

/// Reconcile names (OpenRefine): the form field `queries` (JSON text) as
/// OpenRefine sends it, or a JSON body `{"queries": {…}}`.
#[utoipa::path(
    post,
    path = "/reconcile/{dataset}", operation_id = "reconcile_post",
    tag = "reconciliation",
    params(("dataset" = DatasetName, Path, description = "The dataset to reconcile against")),
    request_body(content = ReconcileRequest, description = "Queries (also accepted as the form field `queries`)"),
    responses(
        (status = 200, description = "Candidates per query", body = Object),
        (status = 400, description = "Invalid queries", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role does not allow screening", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown dataset", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Queries do not fit the schema", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn reconcile(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(dataset): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<ApiJson<Value>, ApiError> {
    crate::yente::check_dataset(&dataset)?;
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let queries = if form {
        let text = form_urlencoded::parse(&body)
            .find(|(k, _)| k == "queries")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| ApiError::BadRequest("the form has no field 'queries'".into()))?;
        parse_reconcile_queries(&text)?
    } else {
        let text = std::str::from_utf8(&body)
            .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
        parse_reconcile_queries(text)?
    };
    run_reconcile(&state, &principal, &dataset, &queries).await
}

/// Runs reconciliation queries and records them in the audit log.
async fn run_reconcile(
    state: &AppState,
    principal: &Principal,
    dataset: &str,
    queries: &BTreeMap<String, ReconcileQuery>,
) -> Result<ApiJson<Value>, ApiError> {
    if queries.len() > MAX_MATCH_QUERIES {
        return Err(ApiError::BadRequest(format!(
            "too many queries: {} (at most {MAX_MATCH_QUERIES})",
            queries.len()
        )));
    }
    if let Some((k, _)) = queries.iter().find(|(_, q)| q.query.chars().count() > 500) {
        return Err(ApiError::Unprocessable(format!(
            "query '{k}' is longer than 500 characters"
        )));
    }
    let snap = state.engine.snapshot();
    let include = (dataset != "default").then(|| vec![dataset.to_string()]);
    let mut out = serde_json::Map::new();
    for (key, q) in queries {
        let mut props: BTreeMap<String, Vec<String>> = BTreeMap::new();
        props.insert("name".into(), vec![q.query.clone()]);
        for p in &q.properties {
            let v = match &p.v {
                Value::String(s) => s.clone(),
                Value::Object(o) => o
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                other => other.to_string(),
            };
            props.entry(p.pid.clone()).or_default().push(v);
        }
        let ex = EntityExample {
            id: None,
            schema: q.kind.clone().unwrap_or_else(|| "LegalEntity".into()),
            properties: props,
        };
        let result = match ExampleQuery::from_example(&ex) {
            Ok(eq) => {
                let opts = ScreenOptions {
                    limit: q.limit.unwrap_or(5).clamp(1, MAX_LIMIT),
                    threshold: DEFAULT_CUTOFF,
                    datasets: include.clone(),
                    exclude_ids: Vec::new(),
                };
                snap.screen(&Query::from(eq), &opts)
                    .hits
                    .iter()
                    .map(|h| {
                        json!({
                            "id": h.entity_id,
                            "name": h.caption,
                            "type": [{"id": h.schema, "name": h.schema}],
                            "score": round4(h.score * 100.0),
                            "match": h.score >= DEFAULT_THRESHOLD,
                            "description": h.explanation.to_string(),
                        })
                    })
                    .collect::<Vec<_>>()
            }
            Err(_) => Vec::new(),
        };
        out.insert(key.clone(), json!({"result": result}));
    }
    state
        .metrics
        .record_screenings("reconcile", queries.len() as u64);
    state
        .recorder
        .record(
            &principal.name,
            "reconcile",
            json!({"dataset": dataset, "queries": queries.iter().map(|(k, q)| (k.clone(), json!(q.query))).collect::<serde_json::Map<_, _>>(),
                   "results": out, "versions": version_refs(&snap)}),
        )
        .await;
    Ok(ApiJson(Value::Object(out)))
}

/// Query parameters of the reconciliation suggest services.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// What the user typed so far.
    #[param(example = "hikv")]
    pub prefix: Option<String>,
    /// Most suggestions (default 10, at most 100).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

/// One suggestion.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Suggestion {
    /// The id to use (entity id, schema or property name).
    pub id: String,
    /// What to show.
    pub name: String,
    /// More about it (an entity's schema and lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Suggestions, best first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Suggestions {
    /// The suggestions.
    pub result: Vec<Suggestion>,
}

/// The FtM properties a reconciliation query can use, with their labels.
const SUGGEST_PROPERTIES: &[(&str, &str)] = &[
    ("alias", "Alias"),
    ("birthDate", "Birth date"),
    ("country", "Country"),
    ("idNumber", "ID number"),
    ("imoNumber", "IMO number"),
    ("incorporationDate", "Incorporation date"),
    ("isinCode", "ISIN"),
    ("jurisdiction", "Jurisdiction"),
    ("leiCode", "LEI"),
    ("nationality", "Nationality"),
    ("passportNumber", "Passport number"),
    ("registrationNumber", "Registration number"),
    ("taxNumber", "Tax number"),
    ("ticker", "Ticker"),
    ("uscCode", "Unified social credit code"),
    ("weakAlias", "Weak alias"),
];

/// Suggests entities whose names start like the prefix (OpenRefine).
#[utoipa::path(
    get,
    path = "/reconcile/{dataset}/suggest/entity", operation_id = "reconcile_suggest_entity",
    tag = "reconciliation",
    params(("dataset" = DatasetName, Path, description = "The dataset to search"), SuggestParams),
    responses(
        (status = 200, description = "Entities, best first", body = Suggestions),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown dataset", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn suggest_entity(
    State(state): State<AppState>,
    Path(dataset): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<ApiJson<Suggestions>, ApiError> {
    let filter = DatasetFilter::new(&dataset, &[], &[])?;
    let p: SuggestParams = parse_query(raw.as_deref(), &[])?;
    let limit = suggest_limit(p.limit)?;
    let prefix = p.prefix.as_deref().map(str::trim).unwrap_or("");
    if prefix.is_empty() {
        return Ok(ApiJson(Suggestions { result: Vec::new() }));
    }
    let snap = state.engine.snapshot();
    // Names that start with the prefix, or have a word that does, first;
    // then what the matcher finds for the prefix as a whole name.
    let needle = prefix.to_lowercase();
    let word = format!(" {needle}");
    let mut found: Vec<(u8, &embargo_model::Entity)> = Vec::new();
    for e in snap.entities() {
        if !filter.allows(&datasets_of(e)) {
            continue;
        }
        let rank = e
            .names
            .iter()
            .filter_map(|n| {
                let l = n.value.to_lowercase();
                if l.starts_with(&needle) {
                    Some(0)
                } else if l.contains(&word) {
                    Some(1)
                } else {
                    None
                }
            })
            .min();
        if let Some(r) = rank {
            found.push((r, e));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.caption().cmp(b.1.caption())));
    let mut picked: Vec<&embargo_model::Entity> = found.into_iter().map(|(_, e)| e).collect();
    if picked.len() < limit {
        let query = Query {
            names: vec![prefix.to_string()],
            ..Query::default()
        };
        let opts = ScreenOptions {
            limit: limit * 3,
            threshold: 0.5,
            datasets: filter.source_lists(),
            exclude_ids: Vec::new(),
        };
        for h in snap.screen(&query, &opts).hits {
            if let Some(e) = snap.entity(&EntityId(h.entity_id.clone())) {
                if filter.allows(&datasets_of(e)) && !picked.iter().any(|p| p.id == e.id) {
                    picked.push(e);
                }
            }
        }
    }
    let result = picked
        .into_iter()
        .take(limit)
        .map(|e| Suggestion {
            id: e.id.to_string(),
            name: e.caption().to_string(),
            description: Some(format!(
                "{} · {}",
                e.schema.as_str(),
                datasets_of(e).join(", ")
            )),
        })
        .collect();
    Ok(ApiJson(Suggestions { result }))
}

/// The dataset check, the parameters and the limit every suggest service
/// starts with.
fn suggest_request(dataset: &str, raw: Option<&str>) -> Result<(SuggestParams, usize), ApiError> {
    crate::yente::check_dataset(dataset)?;
    let p: SuggestParams = parse_query(raw, &[])?;
    let limit = suggest_limit(p.limit)?;
    Ok((p, limit))
}

fn suggest_limit(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit.unwrap_or(10) {
        n @ 1..=100 => Ok(n),
        _ => Err(ApiError::BadRequest(
            "limit must be between 1 and 100".into(),
        )),
    }
}

fn by_prefix<'a>(
    items: impl Iterator<Item = (&'a str, &'a str)>,
    prefix: Option<&str>,
    limit: usize,
) -> Vec<Suggestion> {
    let prefix = prefix.map(|p| p.trim().to_lowercase()).unwrap_or_default();
    items
        .filter(|(id, name)| {
            id.to_lowercase().starts_with(&prefix) || name.to_lowercase().starts_with(&prefix)
        })
        .take(limit)
        .map(|(id, name)| Suggestion {
            id: id.to_string(),
            name: name.to_string(),
            description: None,
        })
        .collect()
}

/// Suggests FtM schemata (OpenRefine types).
#[utoipa::path(
    get,
    path = "/reconcile/{dataset}/suggest/type", operation_id = "reconcile_suggest_type",
    tag = "reconciliation",
    params(("dataset" = DatasetName, Path, description = "The dataset"), SuggestParams),
    responses(
        (status = 200, description = "Schemata", body = Suggestions),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown dataset", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn suggest_type(
    Path(dataset): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<ApiJson<Suggestions>, ApiError> {
    let (p, limit) = suggest_request(&dataset, raw.as_deref())?;
    let items = Schema::ALL.iter().map(|s| (s.as_str(), s.as_str()));
    Ok(ApiJson(Suggestions {
        result: by_prefix(items, p.prefix.as_deref(), limit),
    }))
}

/// Suggests the FtM properties a query can use (OpenRefine properties).
#[utoipa::path(
    get,
    path = "/reconcile/{dataset}/suggest/property", operation_id = "reconcile_suggest_property",
    tag = "reconciliation",
    params(("dataset" = DatasetName, Path, description = "The dataset"), SuggestParams),
    responses(
        (status = 200, description = "Properties", body = Suggestions),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown dataset", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn suggest_property(
    Path(dataset): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<ApiJson<Suggestions>, ApiError> {
    let (p, limit) = suggest_request(&dataset, raw.as_deref())?;
    Ok(ApiJson(Suggestions {
        result: by_prefix(
            SUGGEST_PROPERTIES.iter().copied(),
            p.prefix.as_deref(),
            limit,
        ),
    }))
}
