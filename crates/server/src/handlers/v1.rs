//! embargo's own API under `/v1`.

use std::sync::Arc;

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use embargo_audit::Role;
use embargo_engine::{ScreenOptions, Snapshot};
use embargo_law::{Policy, Position, SecurityMaster, SecurityRef, Side, TradeCheck};
use embargo_model::EntityId;
use embargo_store::VersionSel;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::{blocking, engine_error, snapshot_at};
use crate::api_schema::{
    DatasetName, EntityIdText, Instant, ListName, ReportFormat, RoleName, TradeSide,
    VersionSelector,
};
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::ftm::{to_ftm, FtmEntity};
use crate::middleware::{text_response, ApiJson};
use crate::screening::{hit_out, receipt_body, version_refs, Hit, ScreenQuery, SnapshotResolver};
use crate::state::AppState;
use crate::yente::{check_dataset, parse_query, ListVersionRef};

/// The default `/v1` screening threshold.
const DEFAULT_THRESHOLD: f64 = 0.7;
/// The most hits per query.
const MAX_HITS: usize = 100;
/// The longest security reference accepted, in characters.
const MAX_SECURITY: usize = 500;

/// Query parameters shared by reads: the date the answer is about.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfParams {
    /// Answer as the lists stood on this date (default: the latest versions).
    pub as_of: Option<NaiveDate>,
}

/// Query parameters of screening routes.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScreenParams {
    /// Also return a signed screening receipt.
    pub receipt: Option<bool>,
}

/// Settings of a screening, shared by single and batch requests.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ScreenSettings {
    /// Hits from this score are returned (default 0.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub threshold: Option<f64>,
    /// Most hits per query (default 10, at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// Only these datasets (`us_ofac_sdn`, `us_ofac_ns_cmic`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<DatasetName>)]
    pub datasets: Vec<String>,
    /// Entity ids to leave out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<EntityIdText>)]
    pub exclude_entity_ids: Vec<String>,
    /// Screen against the lists as they stood on this date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
    /// Leave out matches dismissed in review (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_reviews: Option<bool>,
}

impl ScreenSettings {
    fn options(&self) -> Result<(ScreenOptions, f64), ApiError> {
        let threshold = self.threshold.unwrap_or(DEFAULT_THRESHOLD);
        if !(0.0..=1.0).contains(&threshold) {
            return Err(ApiError::Unprocessable(
                "threshold must be between 0 and 1".into(),
            ));
        }
        let limit = self.limit.unwrap_or(10);
        if limit == 0 || limit > MAX_HITS {
            return Err(ApiError::Unprocessable(format!(
                "limit must be between 1 and {MAX_HITS}"
            )));
        }
        for d in &self.datasets {
            check_dataset(d)
                .map_err(|_| ApiError::Unprocessable(format!("unknown dataset '{d}'")))?;
        }
        Ok((
            ScreenOptions {
                limit,
                threshold,
                datasets: (!self.datasets.is_empty()).then(|| self.datasets.clone()),
                exclude_ids: self.exclude_entity_ids.clone(),
            },
            threshold,
        ))
    }
}

/// A screening request: one party and the settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Xiaomi Corporation", "schema": "Company", "threshold": 0.7}))]
pub struct ScreenRequest {
    /// The party.
    #[serde(flatten)]
    pub query: ScreenQuery,
    /// The settings.
    #[serde(flatten)]
    pub settings: ScreenSettings,
    /// Also return a signed screening receipt (same as `?receipt=true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<bool>,
}

/// The answer to one screening query.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScreenResult {
    /// The caller's reference, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `no_match` or `matches`.
    pub outcome: String,
    /// Hits at or above the threshold, best first.
    pub hits: Vec<Hit>,
    /// Entity ids left out because a review dismissed them for this query.
    pub suppressed: Vec<String>,
}

/// The answer to `POST /v1/screen`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScreenResponse {
    /// The query as understood.
    pub query: ScreenQuery,
    /// The date screened against (`null`: the latest versions).
    pub as_of: Option<NaiveDate>,
    /// The threshold applied.
    pub threshold: f64,
    /// The result.
    #[serde(flatten)]
    pub result: ScreenResult,
    /// The list versions used.
    pub versions: Vec<ListVersionRef>,
    /// The audit record's sequence number (with a receipt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_seq: Option<u64>,
    /// The signed receipt, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub receipt: Option<Value>,
}

/// Screens one query, leaving out dismissed matches.
fn screen_one(
    state: &AppState,
    snap: &Snapshot,
    q: &ScreenQuery,
    opts: &ScreenOptions,
    apply_reviews: bool,
) -> Result<ScreenResult, ApiError> {
    let query = q.to_query().map_err(ApiError::Unprocessable)?;
    let dismissed = if apply_reviews {
        state
            .engine
            .dismissed_for(&q.review_key())
            .map_err(ApiError::internal)?
    } else {
        Vec::new()
    };
    let mut o = opts.clone();
    o.exclude_ids.extend(dismissed.iter().cloned());
    let screened = snap.screen(&query, &o);
    let hits: Vec<Hit> = screened.hits.iter().map(|h| hit_out(snap, h)).collect();
    Ok(ScreenResult {
        id: q.id.clone(),
        outcome: if hits.is_empty() {
            "no_match"
        } else {
            "matches"
        }
        .into(),
        hits,
        suppressed: dismissed,
    })
}

fn audit_hits(r: &ScreenResult) -> Vec<Value> {
    r.hits
        .iter()
        .map(|h| json!({"entity_id": h.entity_id, "score": h.score, "list": h.list}))
        .collect()
}

/// Screens a party (names and identifiers) against the lists.
#[utoipa::path(
    post,
    path = "/v1/screen", operation_id = "v1_screen",
    tag = "screening",
    params(ScreenParams),
    request_body = ScreenRequest,
    responses(
        (status = 200, description = "Hits, the versions used and, on request, a receipt", body = ScreenResponse),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role does not allow screening", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No list version for as_of", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unusable query", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn screen(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(raw): RawQuery,
    ApiJson(mut req): ApiJson<ScreenRequest>,
) -> Result<ApiJson<ScreenResponse>, ApiError> {
    let params: ScreenParams = parse_query(raw.as_deref(), &[])?;
    let want_receipt = params.receipt.or(req.receipt).unwrap_or(false);
    // Answer (and record) the query as understood.
    req.query = req.query.normalized();
    let (opts, threshold) = req.settings.options()?;
    let snap = snapshot_at(&state, req.settings.as_of).await?;
    let apply = req.settings.apply_reviews.unwrap_or(true);
    let st = state.clone();
    let (result, snap, req) = blocking(move || {
        let r = screen_one(&st, &snap, &req.query, &opts, apply)?;
        Ok((r, snap, req))
    })
    .await?;
    let versions = version_refs(&snap);
    let matched = result.hits.len() as u64;
    state.metrics.record_screenings("screen", 1);
    state.metrics.record_results(matched, 0);
    let payload = json!({
        "route": "screen",
        "query": req.query,
        "as_of": req.settings.as_of,
        "threshold": threshold,
        "outcome": result.outcome,
        "hits": audit_hits(&result),
        "suppressed": result.suppressed,
        "versions": versions,
    });
    let (audit_seq, receipt) = if want_receipt {
        let (seq, r) = signed_receipt(
            &state,
            &principal,
            payload,
            &req,
            &snap,
            threshold,
            &result.hits,
        )
        .await?;
        (Some(seq), Some(r))
    } else {
        state
            .recorder
            .record(&principal.name, "screen", payload)
            .await;
        (None, None)
    };
    Ok(ApiJson(ScreenResponse {
        query: req.query,
        as_of: req.settings.as_of,
        threshold,
        result,
        versions,
        audit_seq,
        receipt,
    }))
}

/// Writes the audit record synchronously and signs a receipt naming it.
async fn signed_receipt(
    state: &AppState,
    principal: &Principal,
    payload: Value,
    req: &ScreenRequest,
    snap: &Arc<Snapshot>,
    threshold: f64,
    hits: &[Hit],
) -> Result<(u64, Value), ApiError> {
    let engine = Arc::clone(&state.engine);
    let actor = principal.name.clone();
    let query = serde_json::to_value(&req.query).map_err(ApiError::internal)?;
    let as_of = req.settings.as_of;
    let snap = Arc::clone(snap);
    let hits = hits.to_vec();
    blocking(move || {
        let rec = engine
            .audit(&actor, "screen", payload)
            .map_err(ApiError::internal)?;
        let body = receipt_body(query, as_of, &snap, threshold, &hits, Some(rec.seq));
        let signed = engine.sign(body).map_err(ApiError::internal)?;
        Ok((rec.seq, crate::screening::receipt_json(&signed)?))
    })
    .await
}

/// Requests a signed screening receipt: the same as `POST /v1/screen?receipt=true`.
#[utoipa::path(
    post,
    path = "/v1/receipts", operation_id = "v1_receipt",
    tag = "screening",
    request_body = ScreenRequest,
    responses(
        (status = 200, description = "The screening with its signed receipt", body = ScreenResponse),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role does not allow screening", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No list version for as_of", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unusable query", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn receipt(
    state: State<AppState>,
    principal: Extension<Principal>,
    ApiJson(mut req): ApiJson<ScreenRequest>,
) -> Result<ApiJson<ScreenResponse>, ApiError> {
    req.receipt = Some(true);
    screen(state, principal, RawQuery(None), ApiJson(req)).await
}

/// The installation's receipt-signing public key.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicKey {
    /// `ed25519`.
    pub algorithm: String,
    /// The public key, hex.
    pub public_key: String,
}

/// The public key that verifies this installation's receipts.
#[utoipa::path(
    get,
    path = "/v1/receipts/public-key", operation_id = "v1_receipt_public_key",
    tag = "screening",
    responses((status = 200, description = "The public key", body = PublicKey))
)]
pub async fn public_key(State(state): State<AppState>) -> Result<ApiJson<PublicKey>, ApiError> {
    let engine = Arc::clone(&state.engine);
    let key = blocking(move || engine.signing_key().map_err(ApiError::internal)).await?;
    Ok(ApiJson(PublicKey {
        algorithm: "ed25519".into(),
        public_key: key.public_hex(),
    }))
}

/// A batch of parties to screen.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"queries": [
    {"id": "c1", "name": "Xiaomi Corporation"},
    {"id": "c2", "name": "Plain Ordinary Tea Shop", "countries": ["gb"]},
    {"id": "c3", "identifiers": [{"kind": "isin", "value": "US16941M1099"}]}
], "threshold": 0.75}))]
pub struct BatchRequest {
    /// The parties (at most the configured batch size, 1,000 by default).
    #[schema(max_items = 1000)]
    pub queries: Vec<ScreenQuery>,
    /// The settings, applied to every query.
    #[serde(flatten)]
    pub settings: ScreenSettings,
}

/// The answer to a batch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchResponse {
    /// One result per query, in order; a query that cannot be run has
    /// outcome `error` and an `error` message.
    pub results: Vec<BatchResult>,
    /// The date screened against.
    pub as_of: Option<NaiveDate>,
    /// The threshold applied.
    pub threshold: f64,
    /// The list versions used.
    pub versions: Vec<ListVersionRef>,
}

/// One result of a batch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchResult {
    /// The query's position in the batch.
    pub index: usize,
    /// The result.
    #[serde(flatten)]
    pub result: ScreenResult,
    /// Why the query could not be run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Screens up to 1,000 parties at once.
#[utoipa::path(
    post,
    path = "/v1/screen/batch", operation_id = "v1_screen_batch",
    tag = "screening",
    request_body = BatchRequest,
    responses(
        (status = 200, description = "One result per query", body = BatchResponse),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role does not allow screening", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No list version for as_of", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many queries or bad settings", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn screen_batch(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(req): ApiJson<BatchRequest>,
) -> Result<ApiJson<BatchResponse>, ApiError> {
    let max = state.config.max_batch;
    if req.queries.len() > max {
        return Err(ApiError::Unprocessable(format!(
            "too many queries: {} (at most {max} a batch)",
            req.queries.len()
        )));
    }
    let (opts, threshold) = req.settings.options()?;
    let snap = snapshot_at(&state, req.settings.as_of).await?;
    let apply = req.settings.apply_reviews.unwrap_or(true);
    let st = state.clone();
    let (results, snap, req) = blocking(move || {
        let mut out = Vec::with_capacity(req.queries.len());
        for (i, q) in req.queries.iter().enumerate() {
            match screen_one(&st, &snap, q, &opts, apply) {
                Ok(result) => out.push(BatchResult {
                    index: i,
                    result,
                    error: None,
                }),
                Err(ApiError::Unprocessable(msg)) => out.push(BatchResult {
                    index: i,
                    result: ScreenResult {
                        id: q.id.clone(),
                        outcome: "error".into(),
                        hits: Vec::new(),
                        suppressed: Vec::new(),
                    },
                    error: Some(msg),
                }),
                Err(e) => return Err(e),
            }
        }
        Ok((out, snap, req))
    })
    .await?;
    let versions = version_refs(&snap);
    let matched: u64 = results.iter().map(|r| r.result.hits.len() as u64).sum();
    state
        .metrics
        .record_screenings("screen_batch", results.len() as u64);
    state.metrics.record_results(matched, 0);
    let payload = json!({
        "route": "screen_batch",
        "as_of": req.settings.as_of,
        "threshold": threshold,
        "queries": req.queries.iter().zip(&results).map(|(q, r)| json!({
            "query": q, "outcome": r.result.outcome, "hits": audit_hits(&r.result), "error": r.error,
        })).collect::<Vec<_>>(),
        "versions": versions,
    });
    state
        .recorder
        .record(&principal.name, "screen", payload)
        .await;
    Ok(ApiJson(BatchResponse {
        results,
        as_of: req.settings.as_of,
        threshold,
        versions,
    }))
}

/// A trade to check.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"security": "Xiaomi Corporation", "side": "buy", "at": "2021-03-16 10:00"}))]
pub struct TradeRequest {
    /// The security: an ISIN (`US16941M1099`), a ticker with market
    /// (`941 HK`) or an issuer name.
    #[schema(pattern = "\\S", max_length = 500, example = "US16941M1099")]
    pub security: String,
    /// `buy`, `sell` or `hold`.
    #[schema(value_type = TradeSide)]
    pub side: String,
    /// The trade instant: RFC 3339, `2021-03-16 10:00 Asia/Shanghai`, a
    /// New York local time, or a date (read as its last second in New York).
    #[schema(value_type = Instant)]
    pub at: String,
    /// When the position was acquired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_since: Option<NaiveDate>,
    /// Whether the trader is a US person (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub us_person: Option<bool>,
    /// Use the lists as they stood on this date (default: the latest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
}

/// The outcome of a trade check.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TradeResponse {
    /// `blocked`, `prohibited`, `permitted_divestment`, `allowed` or `not_covered`.
    pub outcome: String,
    /// The law engine's decision: findings with rules, dates, events, citations.
    #[schema(value_type = Object)]
    pub decision: Value,
    /// The list versions used.
    pub versions: Vec<ListVersionRef>,
}

/// Checks whether a trade is restricted at an instant, and why.
#[utoipa::path(
    post,
    path = "/v1/trade", operation_id = "v1_trade",
    tag = "law",
    request_body = TradeRequest,
    responses(
        (status = 200, description = "The decision with its findings", body = TradeResponse),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role does not allow screening", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No list version for as_of", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad side, instant or security", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn trade(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(req): ApiJson<TradeRequest>,
) -> Result<ApiJson<TradeResponse>, ApiError> {
    let side: Side = req.side.parse().map_err(ApiError::Unprocessable)?;
    let at =
        embargo_law::parse_instant(&req.at).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    if req.security.chars().count() > MAX_SECURITY {
        return Err(ApiError::Unprocessable(format!(
            "security is longer than {MAX_SECURITY} characters"
        )));
    }
    let security = SecurityRef::parse(&req.security);
    if security.is_empty() {
        return Err(ApiError::Unprocessable("security is empty".into()));
    }
    let snap = snapshot_at(&state, req.as_of).await?;
    let check = TradeCheck {
        security,
        side,
        at,
        held_since: req.held_since,
        us_person: req.us_person.unwrap_or(true),
    };
    let s2 = Arc::clone(&snap);
    let decision = blocking(move || {
        let sm = SecurityMaster::new();
        Ok(embargo_law::check_trade(
            s2.law(),
            &sm,
            &SnapshotResolver(&s2),
            &check,
        ))
    })
    .await?;
    let versions = version_refs(&snap);
    let decision_json = serde_json::to_value(&decision).map_err(ApiError::internal)?;
    state.metrics.record_screenings("trade", 1);
    state
        .recorder
        .record(
            &principal.name,
            "check_trade",
            json!({"request": req, "outcome": decision.outcome.as_str(),
                   "findings": decision.findings.len(), "versions": versions}),
        )
        .await;
    Ok(ApiJson(TradeResponse {
        outcome: decision.outcome.as_str().to_string(),
        decision: decision_json,
        versions,
    }))
}

/// One holding of a portfolio.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoldingIn {
    /// The position id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The security (ISIN, `941 HK` or a name).
    #[schema(pattern = "\\S", max_length = 500, example = "941 HK")]
    pub security: String,
    /// The quantity held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    /// When it was acquired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_since: Option<NaiveDate>,
}

/// A portfolio to screen: `positions` or `csv` (or both).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"at": "2022-07-01", "positions": [
    {"id": "p1", "security": "US16941M1099", "quantity": 1000.0, "held_since": "2020-12-01"},
    {"id": "p2", "security": "1810 HK", "quantity": 5000.0},
    {"id": "p3", "security": "Apple Inc"}
]}))]
pub struct PortfolioRequest {
    /// The instant of the screening (same forms as a trade's `at`).
    #[schema(value_type = Instant)]
    pub at: String,
    /// The holdings as JSON …
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 10000)]
    pub positions: Vec<HoldingIn>,
    /// … or as CSV text with a header line naming some of the columns
    /// `position_id,isin,ticker,market,name,quantity,held_since`; each row
    /// needs an ISIN, a ticker or a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        pattern = "^(position_id|isin|ticker|market|name|quantity|held_since)(,(position_id|isin|ticker|market|name|quantity|held_since))*\\r?\\n",
        example = "position_id,isin\\np1,US16941M1099\\n"
    )]
    pub csv: Option<String>,
    /// Fund look-through threshold: a fund is restricted when restricted
    /// holdings exceed this share of it (default 0: any exposure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub fund_threshold: Option<f64>,
    /// `json` (default), `csv` or `html`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ReportFormat>)]
    pub format: Option<String>,
    /// Use the lists as they stood on this date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
}

/// The most positions screened in one request.
const MAX_POSITIONS: usize = 10_000;

/// Screens every position of a portfolio for buy, sell and hold.
#[utoipa::path(
    post,
    path = "/v1/portfolio", operation_id = "v1_portfolio",
    tag = "law",
    request_body = PortfolioRequest,
    responses(
        (status = 200, description = "The report (JSON; CSV or HTML with `format`)", body = Object),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role does not allow screening", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No list version for as_of", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad holdings, instant or format", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn portfolio(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(req): ApiJson<PortfolioRequest>,
) -> Result<Response, ApiError> {
    let at =
        embargo_law::parse_instant(&req.at).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    let format = req.format.clone().unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "csv" | "html") {
        return Err(ApiError::Unprocessable(
            "format must be json, csv or html".into(),
        ));
    }
    let mut positions: Vec<Position> = Vec::new();
    if let Some(csv) = &req.csv {
        positions = embargo_law::parse_positions_csv("csv", csv.as_bytes())
            .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    }
    for (i, h) in req.positions.iter().enumerate() {
        if h.security.chars().count() > MAX_SECURITY {
            return Err(ApiError::Unprocessable(format!(
                "positions[{i}]: security is longer than {MAX_SECURITY} characters"
            )));
        }
        let security = SecurityRef::parse(&h.security);
        if security.is_empty() {
            return Err(ApiError::Unprocessable(format!(
                "positions[{i}]: security is empty"
            )));
        }
        positions.push(Position {
            id: h.id.clone().unwrap_or_else(|| (i + 1).to_string()),
            security,
            quantity: h.quantity,
            held_since: h.held_since,
        });
    }
    if positions.is_empty() {
        return Err(ApiError::Unprocessable(
            "no positions: give `positions` or `csv`".into(),
        ));
    }
    if positions.len() > MAX_POSITIONS {
        return Err(ApiError::Unprocessable(format!(
            "at most {MAX_POSITIONS} positions"
        )));
    }
    let fund_threshold = req.fund_threshold.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&fund_threshold) {
        return Err(ApiError::Unprocessable(
            "fund_threshold must be between 0 and 1".into(),
        ));
    }
    let policy = Policy {
        fund_threshold,
        ..Policy::default()
    };
    let snap = snapshot_at(&state, req.as_of).await?;
    let s2 = Arc::clone(&snap);
    let report = blocking(move || {
        let sm = SecurityMaster::new();
        Ok(embargo_law::screen_portfolio(
            s2.law(),
            &sm,
            &SnapshotResolver(&s2),
            &positions,
            at,
            &policy,
        ))
    })
    .await?;
    let versions = version_refs(&snap);
    let ctx = embargo_law::report::ReportContext {
        title: "Portfolio screening".into(),
        data_versions: versions
            .iter()
            .map(|v| {
                format!(
                    "{} v{} ({}), sha256 {}",
                    v.list,
                    v.seq,
                    v.published
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "date unknown".into()),
                    v.sha256
                )
            })
            .collect(),
        generated_at: chrono::Utc::now().to_rfc3339(),
    };
    state
        .metrics
        .record_screenings("portfolio", report.positions.len() as u64);
    state
        .recorder
        .record(
            &principal.name,
            "portfolio",
            json!({"at": req.at, "as_of": req.as_of, "positions": report.positions.len(),
                   "summary": report.summary, "policy": report.policy, "versions": versions,
                   "results": report.positions.iter().map(|p| json!({"id": p.position.id, "outcome": p.worst().as_str()})).collect::<Vec<_>>()}),
        )
        .await;
    Ok(match format.as_str() {
        "csv" => text_response(
            "text/csv; charset=utf-8",
            embargo_law::report::to_csv(&report).map_err(ApiError::internal)?,
        ),
        "html" => text_response(
            "text/html; charset=utf-8",
            embargo_law::report::to_html(&report, &ctx),
        ),
        _ => text_response(
            "application/json",
            embargo_law::report::to_json(&report, &ctx).map_err(ApiError::internal)?,
        ),
    })
}

/// The lists and the versions served.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListsResponse {
    /// Every list in the store with its latest version.
    #[schema(value_type = Vec<Object>)]
    pub lists: Vec<Value>,
    /// The date asked about.
    pub as_of: Option<NaiveDate>,
    /// The versions in force on that date (or the latest).
    pub versions: Vec<ListVersionRef>,
}

/// The lists, their latest versions and the versions in force at `as_of`.
#[utoipa::path(
    get,
    path = "/v1/lists", operation_id = "v1_lists",
    tag = "lists",
    params(AsOfParams),
    responses(
        (status = 200, description = "The lists", body = ListsResponse),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn lists(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<ApiJson<ListsResponse>, ApiError> {
    let p: AsOfParams = parse_query(raw.as_deref(), &[])?;
    let snap = snapshot_at(&state, p.as_of).await?;
    let engine = Arc::clone(&state.engine);
    let lists = blocking(move || engine.lists().map_err(engine_error)).await?;
    let lists = lists
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    Ok(ApiJson(ListsResponse {
        lists,
        as_of: p.as_of,
        versions: version_refs(&snap),
    }))
}

/// The versions of one list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VersionsResponse {
    /// The list.
    pub list: String,
    /// The date asked about: only versions in force by then are listed.
    pub as_of: Option<NaiveDate>,
    /// Its versions, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub versions: Vec<Value>,
}

/// Checks a list key (a source list, not a view).
fn check_list(list: &str) -> Result<(), ApiError> {
    if embargo_engine::SOURCE_LISTS.contains(&list) {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "unknown list '{list}'; lists: {}",
            embargo_engine::SOURCE_LISTS.join(", ")
        )))
    }
}

/// The versions of a list, oldest first (with `as_of`: those whose as-of
/// date is on or before it).
#[utoipa::path(
    get,
    path = "/v1/lists/{list}/versions", operation_id = "v1_list_versions",
    tag = "lists",
    params(("list" = ListName, Path, description = "List key, e.g. us_ofac_cons"), AsOfParams),
    responses(
        (status = 200, description = "The versions", body = VersionsResponse),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown list", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn versions(
    State(state): State<AppState>,
    Path(list): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<ApiJson<VersionsResponse>, ApiError> {
    check_list(&list)?;
    let p: AsOfParams = parse_query(raw.as_deref(), &[])?;
    let engine = Arc::clone(&state.engine);
    let l = list.clone();
    let versions = blocking(move || engine.versions(&l).map_err(engine_error)).await?;
    let versions = versions
        .iter()
        .filter(|v| p.as_of.is_none_or(|d| v.as_of() <= d))
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    Ok(ApiJson(VersionsResponse {
        list,
        as_of: p.as_of,
        versions,
    }))
}

/// Query parameters of a diff.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// The older version: `latest`, a date, a sequence number (`3`, `v3`) or
    /// `id:N` (default: the one before `to`).
    #[param(value_type = Option<VersionSelector>)]
    pub from: Option<String>,
    /// The newer version (default: the latest).
    #[param(value_type = Option<VersionSelector>)]
    pub to: Option<String>,
}

fn version_sel(name: &str, v: Option<String>) -> Result<Option<VersionSel>, ApiError> {
    v.map(|s| {
        s.parse::<VersionSel>()
            .map_err(|e| ApiError::BadRequest(format!("{name}: {e}")))
    })
    .transpose()
}

/// What changed between two versions of a list.
#[utoipa::path(
    get,
    path = "/v1/lists/{list}/diff", operation_id = "v1_list_diff",
    tag = "lists",
    params(("list" = ListName, Path, description = "List key"), DiffParams),
    responses(
        (status = 200, description = "Added, removed and changed entities", body = Object),
        (status = 400, description = "Invalid version selector", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown list or version", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn diff(
    State(state): State<AppState>,
    Path(list): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<ApiJson<Value>, ApiError> {
    check_list(&list)?;
    let p: DiffParams = parse_query(raw.as_deref(), &[])?;
    let from = version_sel("from", p.from)?;
    let to = version_sel("to", p.to)?;
    let engine = Arc::clone(&state.engine);
    let d = blocking(move || {
        engine
            .diff(&list, from.as_ref(), to.as_ref())
            .map_err(engine_error)
    })
    .await?;
    let summary = d.summary();
    let mut v = serde_json::to_value(&d).map_err(ApiError::internal)?;
    if let Value::Object(m) = &mut v {
        m.insert(
            "summary".into(),
            serde_json::to_value(summary).map_err(ApiError::internal)?,
        );
    }
    Ok(ApiJson(v))
}

/// An entity as of a date.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EntityResponse {
    /// The entity as embargo models it.
    #[schema(value_type = Object)]
    pub entity: Value,
    /// The same in FtM shape.
    pub ftm: FtmEntity,
    /// The list version it was read from.
    #[schema(value_type = Object)]
    pub version: Value,
    /// The date asked about.
    pub as_of: Option<NaiveDate>,
}

/// One entity as its list stood at `as_of` (default: the latest version).
#[utoipa::path(
    get,
    path = "/v1/entities/{id}", operation_id = "v1_entity",
    tag = "lists",
    params(("id" = EntityIdText, Path, description = "Entity id, e.g. us_ofac_cons:30923"), AsOfParams),
    responses(
        (status = 200, description = "The entity", body = EntityResponse),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entity at that date", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn entity(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<ApiJson<EntityResponse>, ApiError> {
    let p: AsOfParams = parse_query(raw.as_deref(), &[])?;
    let sel = p.as_of.map(VersionSel::AsOf).unwrap_or(VersionSel::Latest);
    let engine = Arc::clone(&state.engine);
    let eid = EntityId(id.clone());
    let found = blocking(move || engine.entity(&eid, &sel).map_err(engine_error)).await?;
    let (e, v) = found.ok_or_else(|| match p.as_of {
        Some(d) => ApiError::NotFound(format!("no entity '{id}' in its list as of {d}")),
        None => ApiError::NotFound(format!(
            "no entity '{id}' in the latest version of its list"
        )),
    })?;
    Ok(ApiJson(EntityResponse {
        ftm: to_ftm(&e, Some(v.as_of().to_string())),
        entity: serde_json::to_value(&e).map_err(ApiError::internal)?,
        version: serde_json::to_value(&v).map_err(ApiError::internal)?,
        as_of: p.as_of,
    }))
}

/// An entity's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HistoryResponse {
    /// The entity id.
    pub id: String,
    /// The date asked about: only revisions of versions in force by then.
    pub as_of: Option<NaiveDate>,
    /// Its revisions across the versions of its list, oldest first; each
    /// names its list version.
    #[schema(value_type = Vec<Object>)]
    pub revisions: Vec<Value>,
}

/// An entity's history across the versions of its list (with `as_of`: up
/// to the version in force on that date).
#[utoipa::path(
    get,
    path = "/v1/entities/{id}/history", operation_id = "v1_entity_history",
    tag = "lists",
    params(("id" = EntityIdText, Path, description = "Entity id"), AsOfParams),
    responses(
        (status = 200, description = "The revisions", body = HistoryResponse),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Never seen", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn history(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<ApiJson<HistoryResponse>, ApiError> {
    let p: AsOfParams = parse_query(raw.as_deref(), &[])?;
    let engine = Arc::clone(&state.engine);
    let eid = EntityId(id.clone());
    let revs = blocking(move || engine.history(&eid).map_err(engine_error)).await?;
    let revs: Vec<_> = revs
        .into_iter()
        .filter(|r| p.as_of.is_none_or(|d| r.version.as_of() <= d))
        .collect();
    if revs.is_empty() {
        return Err(ApiError::NotFound(match p.as_of {
            Some(d) => format!("entity '{id}' is in no version of its list as of {d}"),
            None => format!("entity '{id}' is in no version of any list"),
        }));
    }
    let revisions = revs
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    Ok(ApiJson(HistoryResponse {
        id,
        as_of: p.as_of,
        revisions,
    }))
}

/// The versions served after a reload or update.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReloadResponse {
    /// What the update imported, per list (empty on a reload).
    #[schema(value_type = Vec<Object>)]
    pub imports: Vec<Value>,
    /// The versions now served.
    pub versions: Vec<ListVersionRef>,
    /// Milliseconds the new snapshot took to build.
    pub build_ms: f64,
}

/// Re-reads the store and swaps in the latest versions (after an
/// `embargo import` by another process). In-flight requests finish on the
/// old snapshot.
#[utoipa::path(
    post,
    path = "/v1/admin/reload", operation_id = "v1_admin_reload",
    tag = "admin",
    responses(
        (status = 200, description = "The versions now served", body = ReloadResponse),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "An update is running", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn reload(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<ApiJson<ReloadResponse>, ApiError> {
    let _guard = state
        .update_lock
        .try_lock()
        .map_err(|_| ApiError::Unavailable("an update is already running".into()))?;
    let engine = Arc::clone(&state.engine);
    let snap = blocking(move || engine.reload().map_err(engine_error)).await?;
    state.publish_versions();
    let versions = version_refs(&snap);
    state
        .recorder
        .record(&principal.name, "reload", json!({"versions": versions}))
        .await;
    Ok(ApiJson(ReloadResponse {
        imports: Vec::new(),
        versions,
        build_ms: snap.build_ms(),
    }))
}

/// Downloads the official lists, imports new versions and swaps them in
/// (`embargo update`). Nothing is written unless every download parses.
#[utoipa::path(
    post,
    path = "/v1/admin/update", operation_id = "v1_admin_update",
    tag = "admin",
    responses(
        (status = 200, description = "What was imported and the versions now served", body = ReloadResponse),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "An update is running, or a download failed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<ApiJson<ReloadResponse>, ApiError> {
    let _guard = state
        .update_lock
        .try_lock()
        .map_err(|_| ApiError::Unavailable("an update is already running".into()))?;
    let engine = Arc::clone(&state.engine);
    let cfg = Arc::clone(&state.update);
    let reports =
        blocking(move || embargo_engine::update::update(&engine, &cfg).map_err(engine_error))
            .await?;
    let mut imports = Vec::new();
    for feed in &reports {
        for r in &feed.imports {
            imports.push(json!({
                "feed": feed.list,
                "list": r.list,
                "result": r.outcome,
                "warnings": r.warnings.len(),
            }));
        }
    }
    let snap = state.engine.snapshot();
    state.publish_versions();
    let versions = version_refs(&snap);
    state
        .recorder
        .record(
            &principal.name,
            "update",
            json!({"imports": imports, "versions": versions}),
        )
        .await;
    Ok(ApiJson(ReloadResponse {
        imports,
        versions,
        build_ms: snap.build_ms(),
    }))
}

/// An API key as listed (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KeyInfo {
    /// The public id.
    pub id: String,
    /// The name (the audit log's actor).
    pub name: String,
    /// `read`, `screen` or `admin`.
    pub role: String,
    /// When it was created.
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// The API keys.
#[utoipa::path(
    get,
    path = "/v1/admin/keys", operation_id = "v1_admin_keys",
    tag = "admin",
    responses(
        (status = 200, description = "Every key", body = Vec<KeyInfo>),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn keys(State(state): State<AppState>) -> Result<ApiJson<Vec<KeyInfo>>, ApiError> {
    let engine = Arc::clone(&state.engine);
    let keys = blocking(move || engine.keys().map_err(engine_error)).await?;
    Ok(ApiJson(
        keys.into_iter()
            .map(|k| KeyInfo {
                id: k.id,
                name: k.name,
                role: k.role.as_str().into(),
                created_at: k.created_at.to_rfc3339(),
                revoked_at: k.revoked_at.map(|t| t.to_rfc3339()),
            })
            .collect(),
    ))
}

/// A key to create.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "onboarding service", "role": "screen"}))]
pub struct NewKeyRequest {
    /// A name for the key (recorded as the actor in the audit log): 1 to
    /// 100 printable characters.
    #[schema(
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$",
        min_length = 1,
        max_length = 100
    )]
    pub name: String,
    /// `read`, `screen` or `admin`.
    #[schema(value_type = RoleName)]
    pub role: String,
}

/// A created key: the secret is shown once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewKeyResponse {
    /// The public id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The role.
    pub role: String,
    /// The secret to send as `Authorization: Bearer …`; not stored.
    pub secret: String,
}

/// Creates an API key.
#[utoipa::path(
    post,
    path = "/v1/admin/keys", operation_id = "v1_admin_create_key",
    tag = "admin",
    request_body = NewKeyRequest,
    responses(
        (status = 201, description = "The key, with its secret (shown once)", body = NewKeyResponse),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad name or role", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn create_key(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(req): ApiJson<NewKeyRequest>,
) -> Result<Response, ApiError> {
    let role: Role = req
        .role
        .parse()
        .map_err(|e: embargo_audit::KeyError| ApiError::Unprocessable(e.to_string()))?;
    let name = req.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::Unprocessable(
            "name must be 1 to 100 printable characters".into(),
        ));
    }
    let engine = Arc::clone(&state.engine);
    let n2 = name.clone();
    let key = blocking(move || engine.create_key(&n2, role).map_err(engine_error)).await?;
    state.auth.invalidate();
    state
        .recorder
        .record(
            &principal.name,
            "key_created_via_api",
            json!({"id": key.id, "name": name, "role": role.as_str()}),
        )
        .await;
    Ok((
        StatusCode::CREATED,
        ApiJson(NewKeyResponse {
            id: key.id.clone(),
            name,
            role: role.as_str().into(),
            secret: key.secret.clone(),
        }),
    )
        .into_response())
}

/// Revokes an API key.
#[utoipa::path(
    delete,
    path = "/v1/admin/keys/{id}", operation_id = "v1_admin_revoke_key",
    tag = "admin",
    params(("id" = String, Path, description = "The key's public id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such key, or already revoked", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn revoke_key(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let engine = Arc::clone(&state.engine);
    let actor = principal.name.clone();
    let i2 = id.clone();
    let done = blocking(move || engine.revoke_key(&i2, &actor).map_err(engine_error)).await?;
    state.auth.invalidate();
    if done {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no active key '{id}'")))
    }
}

/// Query parameters of the audit log.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// The first sequence number (default 1).
    #[param(minimum = 1)]
    pub from_seq: Option<u64>,
    /// Most records (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// Audit records in sequence order.
#[utoipa::path(
    get,
    path = "/v1/admin/audit", operation_id = "v1_admin_audit",
    tag = "admin",
    params(AuditParams),
    responses(
        (status = 200, description = "The records", body = Vec<Object>),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn audit_log(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<ApiJson<Vec<Value>>, ApiError> {
    let p: AuditParams = parse_query(raw.as_deref(), &[])?;
    let limit = p.limit.unwrap_or(100);
    if limit == 0 || limit > 1000 {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 1000".into(),
        ));
    }
    let from = p.from_seq.unwrap_or(1).clamp(1, i64::MAX as u64);
    state.recorder.flush().await;
    let engine = Arc::clone(&state.engine);
    let recs = blocking(move || engine.audit_records(from, limit).map_err(engine_error)).await?;
    let out = recs
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    Ok(ApiJson(out))
}

/// Verifies the whole audit chain.
#[utoipa::path(
    get,
    path = "/v1/admin/audit/verify", operation_id = "v1_admin_audit_verify",
    tag = "admin",
    responses(
        (status = 200, description = "The chain verifies: count and head hash", body = Object),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn audit_verify(State(state): State<AppState>) -> Result<ApiJson<Value>, ApiError> {
    state.recorder.flush().await;
    let engine = Arc::clone(&state.engine);
    let v = blocking(move || Ok(engine.audit_verify())).await?;
    Ok(ApiJson(match v {
        Ok(r) => json!({"ok": true, "report": r}),
        Err(e) => json!({"ok": false, "error": e.to_string()}),
    }))
}
