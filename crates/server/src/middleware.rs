//! Request plumbing: JSON extraction with problem-details rejections,
//! metrics per route, and turning every error response into problem details.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{FromRequest, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{problem_response, problem_type, ApiError, Problem, PROBLEM_JSON};
use crate::state::AppState;

/// A JSON body whose rejections are problem details (400, 413, 415, 422).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(v) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(v))
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Records metrics for every request, turns any error response that is
/// not already problem details (unknown route, wrong method, body too
/// large, timeout) into one, and says how long the server took in a
/// `Server-Timing: app;dur=<ms>` header (the time to the response head).
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let resp = next.run(req).await;
    let mut resp = ensure_problem(resp).await;
    let elapsed = started.elapsed();
    let route = route
        .as_ref()
        .map(MatchedPath::as_str)
        .unwrap_or("unmatched");
    state
        .metrics
        .record_request(&method, route, resp.status().as_u16(), elapsed);
    let timing = format!("app;dur={:.2}", elapsed.as_secs_f64() * 1000.0);
    if let Ok(v) = HeaderValue::from_str(&timing) {
        resp.headers_mut().insert(SERVER_TIMING, v);
    }
    resp
}

/// The `Server-Timing` response header.
pub const SERVER_TIMING: header::HeaderName = header::HeaderName::from_static("server-timing");

/// Rewrites an error response without a problem body as problem details.
/// Responses that already explain themselves in another form (the
/// console's HTML error pages, problem details) are left alone; what is
/// rewritten are the framework's empty and plain-text rejections.
async fn ensure_problem(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let explained = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON) || v.starts_with("text/html"));
    if explained {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .unwrap_or_default();
    let detail = match status {
        StatusCode::NOT_FOUND => "no such route; see /openapi.json".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this route".to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_string(),
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE if text.is_empty() => {
            "the request took longer than the configured timeout".to_string()
        }
        s if s.is_server_error() => "the server could not complete the request".to_string(),
        _ => text
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(300)
            .collect(),
    };
    let problem = Problem {
        kind: problem_type(status),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: (!detail.is_empty()).then_some(detail),
        retry_after: None,
    };
    let mut out = problem_response(&problem);
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

/// The answer to a route that does not exist.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such route; see /openapi.json".into())
}

/// A plain-text response with a content type.
pub fn text_response(content_type: &'static str, body: String) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        Body::from(body),
    )
        .into_response()
}

/// Refuses a state-changing request (anything but GET, HEAD, OPTIONS) that
/// a browser sent from another site: its `Origin` (or, lacking one, its
/// `Referer`) names another host than the request's `Host`, or the browser
/// says `Sec-Fetch-Site: cross-site`. A page elsewhere could otherwise post
/// a form to the console of a server on loopback, which needs no key in
/// open mode. Clients that are not browsers send none of these headers and
/// are let through; they authenticate with keys.
pub async fn same_origin(req: Request, next: Next) -> Response {
    if req.method().is_safe() {
        return next.run(req).await;
    }
    let h = req.headers();
    let text = |name: header::HeaderName| h.get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST).or_else(|| req.uri().authority().map(|a| a.as_str()));
    let source = text(header::ORIGIN)
        .filter(|o| *o != "null")
        .or_else(|| text(header::REFERER));
    let cross_site = text(header::HeaderName::from_static("sec-fetch-site")) == Some("cross-site");
    let foreign = match (source, host) {
        (Some(src), Some(host)) => authority(src) != Some(host),
        (Some(_), None) => true,
        (None, _) => text(header::ORIGIN) == Some("null"),
    };
    if cross_site || foreign {
        return ApiError::Forbidden(
            "a browser request from another site may not change anything here".into(),
        )
        .into_response();
    }
    next.run(req).await
}

/// The `host[:port]` of an origin or URL (`http://127.0.0.1:8000/x` →
/// `127.0.0.1:8000`).
fn authority(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::authority;

    #[test]
    fn authority_of_origins_and_urls() {
        assert_eq!(authority("http://127.0.0.1:8000"), Some("127.0.0.1:8000"));
        assert_eq!(
            authority("https://evil.example/path?q=1"),
            Some("evil.example")
        );
        assert_eq!(authority("http://[::1]:8000/x"), Some("[::1]:8000"));
        assert_eq!(authority("null"), None);
        assert_eq!(authority("http://"), None);
    }
}
