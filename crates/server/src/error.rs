//! Errors: RFC 9457 problem details for clients, [`ServerError`] for start-up.
//!
//! Every error a client sees is an [`ApiError`] rendered as
//! `application/problem+json`. Internal failures are logged with their cause
//! and answered with a generic message, so nothing about the installation
//! leaks into a response.

use std::net::SocketAddr;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of problem details (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem details object (RFC 9457).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// An explanation specific to this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Seconds to wait before retrying (on 429 and 503).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// An error answered to a client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed (bad JSON, bad parameter, unknown dataset).
    #[error("{0}")]
    BadRequest(String),
    /// The request is well-formed but its content is not acceptable.
    #[error("{0}")]
    Unprocessable(String),
    /// No or an invalid credential.
    #[error("{0}")]
    Unauthorized(String),
    /// The credential's role does not allow the route.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing at this address.
    #[error("{0}")]
    NotFound(String),
    /// The method is not allowed on this route.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request body exceeds the configured limit.
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// The body's media type is not accepted.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The per-key rate limit is exhausted.
    #[error("rate limit exceeded; retry in {retry_after} s")]
    TooManyRequests {
        /// Seconds until a token is available.
        retry_after: u64,
    },
    /// The request took longer than the configured timeout.
    #[error("the request took longer than the configured timeout")]
    Timeout,
    /// The service cannot answer now (e.g. an update is already running).
    #[error("{0}")]
    Unavailable(String),
    /// An unexpected failure. The message is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem details sent to the client.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let detail = match self {
            ApiError::Internal(_) => {
                Some("the server could not complete the request; see its log".to_string())
            }
            other => Some(other.to_string()),
        };
        let retry_after = match self {
            ApiError::TooManyRequests { retry_after } => Some(*retry_after),
            _ => None,
        };
        Problem {
            kind: problem_type(status),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            retry_after,
        }
    }

    /// Wraps an unexpected failure (logged, not sent).
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

/// The `type` URI of a problem with this status.
pub(crate) fn problem_type(status: StatusCode) -> String {
    let slug = status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace(' ', "-");
    format!("https://embargo.dev/problems/{slug}")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(msg) = &self {
            tracing::error!(error = %msg, "internal error");
        }
        let problem = self.problem();
        let mut resp = problem_response(&problem);
        match &self {
            ApiError::TooManyRequests { retry_after } => {
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            ApiError::Unauthorized(_) => {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"embargo\""),
                );
            }
            _ => {}
        }
        resp
    }
}

/// Renders a problem as an `application/problem+json` response.
pub(crate) fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_else(|_| b"{}".to_vec());
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
        body,
    )
        .into_response()
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as J;
        match &r {
            J::JsonDataError(e) => ApiError::Unprocessable(body_text(e.body_text())),
            J::JsonSyntaxError(e) => ApiError::BadRequest(body_text(e.body_text())),
            J::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
                "expected a request body with Content-Type: application/json".into(),
            ),
            J::BytesRejection(_) => rejection_status(r.status(), r.body_text()),
            _ => rejection_status(r.status(), r.body_text()),
        }
    }
}

impl From<axum::extract::rejection::FormRejection> for ApiError {
    fn from(r: axum::extract::rejection::FormRejection) -> Self {
        rejection_status(r.status(), r.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        ApiError::BadRequest(body_text(r.body_text()))
    }
}

impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(r: axum::extract::rejection::BytesRejection) -> Self {
        rejection_status(r.status(), r.body_text())
    }
}

/// Maps an axum rejection's status to the matching error.
fn rejection_status(status: StatusCode, text: String) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(0),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(body_text(text)),
        StatusCode::UNPROCESSABLE_ENTITY => ApiError::Unprocessable(body_text(text)),
        s if s.is_server_error() => ApiError::Internal(text),
        _ => ApiError::BadRequest(body_text(text)),
    }
}

/// Keeps a rejection message short and single-line.
fn body_text(text: String) -> String {
    let mut t: String = text
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(400)
        .collect();
    if t.is_empty() {
        t = "invalid request".to_string();
    }
    t
}

/// Errors that stop the service from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The engine (store, data) could not be opened.
    #[error("cannot open the engine: {0}")]
    Engine(String),
    /// A non-loopback address was requested while no API key exists.
    #[error(
        "refusing to listen on {0}: no API key exists, so the service may only bind to a \
         loopback address; create one with `embargo keys create --role admin` first"
    )]
    OpenBindRefused(SocketAddr),
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn problem_json_with_retry_after() {
        let resp = ApiError::TooManyRequests { retry_after: 3 }.into_response();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "3");
        assert_eq!(resp.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let p: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(p.status, 429);
        assert_eq!(p.retry_after, Some(3));
        assert_eq!(p.kind, "https://embargo.dev/problems/too-many-requests");
    }

    #[tokio::test]
    async fn internal_errors_do_not_leak() {
        let resp = ApiError::internal("disk /var/secret/db.sqlite is corrupt").into_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("\"status\":500"));
    }

    #[test]
    fn unauthorized_sets_www_authenticate() {
        let resp = ApiError::Unauthorized("missing API key".into()).into_response();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert!(resp.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
