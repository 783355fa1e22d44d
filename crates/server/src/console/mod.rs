//! The web console: server-rendered pages (maud) with a little progressive
//! JavaScript, served at `/` next to the APIs.
//!
//! | path | page |
//! |---|---|
//! | `/` | search by name, ISIN, ticker or entity id (fragment: `/ui/search`) |
//! | `/entity/{id}` | an entity: names, identifiers, relations, timeline, "why" panel |
//! | `/lists`, `/lists/{list}` | lists and their versions |
//! | `/lists/{list}/diff` | a diff between two versions (`/lists/{list}/diff.csv` to download) |
//! | `/trade` | check a trade |
//! | `/portfolio` | screen a holdings CSV; `/portfolio/report/{id}.{csv,json,html}` |
//! | `/review` | confirm or dismiss matches |
//! | `/keys` | API keys (admins) |
//! | `/login`, `/logout` | sign-in with an API key, session cookie |
//! | `/assets/console.{css,js}` | the embedded stylesheet and script |
//!
//! When the store holds no API key the service is in open mode (loopback
//! only) and the console is open, saying so in a banner. Otherwise every
//! page needs a session cookie (set by `/login`) or an API key header.

mod assets;
mod auth;
mod effect;
mod entity;
mod highlight;
mod keys;
mod layout;
mod lists;
mod portfolio;
mod review;
mod search;
pub mod timeline;
mod trade;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use embargo_engine::{EngineError, Snapshot};
use maud::{html, Markup};

use crate::AppState;
use layout::{DataLine, DataVersion, Nav, Viewer};

pub use review::query_key;

/// The state of the console's handlers: the server's state plus the
/// recent portfolio reports kept for download.
#[derive(Clone)]
pub(crate) struct ConsoleState {
    app: AppState,
    reports: Arc<Mutex<VecDeque<portfolio::StoredReport>>>,
}

/// The console's routes, to be merged into the server's router (any
/// router state: the console's own is applied here).
pub fn router<S: Clone + Send + Sync + 'static>(state: AppState) -> Router<S> {
    let st = ConsoleState {
        app: state,
        reports: Arc::new(Mutex::new(VecDeque::new())),
    };
    Router::new()
        .route("/", get(search::page))
        .route("/ui/search", get(search::fragment))
        .route("/entity/{id}", get(entity::page))
        .route("/lists", get(lists::index))
        .route("/lists/{list}", get(lists::versions))
        .route("/lists/{list}/diff", get(lists::diff))
        .route("/lists/{list}/diff.csv", get(lists::diff_csv))
        .route("/trade", get(trade::page))
        .route(
            "/portfolio",
            get(portfolio::form_page).post(portfolio::submit),
        )
        .route("/portfolio/report/{file}", get(portfolio::download))
        .route("/review", get(review::page).post(review::decide))
        .route("/keys", get(keys::page).post(keys::action))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/assets/console.css", get(assets::css))
        .route("/assets/console.js", get(assets::js))
        .with_state(st)
}

/// Errors of console handlers; each renders as a page that explains it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConsoleError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<embargo_store::StoreError> for ConsoleError {
    fn from(e: embargo_store::StoreError) -> Self {
        ConsoleError::Engine(EngineError::from(e))
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            ConsoleError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
            ConsoleError::BadRequest(_) => (StatusCode::BAD_REQUEST, "Cannot do that"),
            ConsoleError::Forbidden(_) => (StatusCode::FORBIDDEN, "Not allowed"),
            ConsoleError::Engine(EngineError::UnknownList(_))
            | ConsoleError::Engine(EngineError::NoSuchVersion(..)) => {
                (StatusCode::NOT_FOUND, "Not found")
            }
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong"),
        };
        if status.is_server_error() {
            tracing::error!(error = %self, "console error");
        }
        let viewer = Viewer {
            name: None,
            admin: false,
            open: false,
        };
        let body = html! {
            (layout::error_box(&self.to_string()))
            p { a href="/" { "Back to search" } " · " a href="/lists" { "Lists" } }
        };
        (
            status,
            Html(layout::page(&viewer, Nav::Search, title, None, body).into_string()),
        )
            .into_response()
    }
}

/// The result type of console handlers.
pub(crate) type Result<T, E = ConsoleError> = std::result::Result<T, E>;

/// Runs blocking work (store reads, snapshot builds, screenings) off the
/// async executor.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ConsoleError::Internal(e.to_string()))?
}

/// A full HTML page response.
pub(crate) fn html_page(m: Markup) -> Response {
    Html(m.into_string()).into_response()
}

/// Parses an optional `YYYY-MM-DD` form value; empty means none.
pub(crate) fn parse_date(field: &str, value: Option<&str>) -> Result<Option<NaiveDate>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                ConsoleError::BadRequest(format!("{field}: expected a date YYYY-MM-DD, got '{v}'"))
            }),
    }
}

/// The "data shown" line of a snapshot.
pub(crate) fn data_line(snap: &Snapshot, as_of: Option<NaiveDate>) -> DataLine {
    DataLine {
        versions: snap
            .versions()
            .iter()
            .map(|v| DataVersion {
                list: v.list.clone(),
                seq: v.seq,
                as_of: v.as_of(),
            })
            .collect(),
        as_of,
        label: None,
    }
}

/// Percent-encodes a path segment (entity ids contain `:` and may contain
/// spaces or slashes).
pub(crate) fn enc(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The link to an entity page.
pub(crate) fn entity_href(id: &str, as_of: Option<NaiveDate>) -> String {
    match as_of {
        Some(d) => format!("/entity/{}?as_of={d}", enc(id)),
        None => format!("/entity/{}", enc(id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_path_segments() {
        assert_eq!(enc("us_ofac_cons:30923"), "us_ofac_cons:30923");
        assert_eq!(enc("a b/c"), "a%20b%2Fc");
        assert_eq!(enc("海"), "%E6%B5%B7");
    }

    #[test]
    fn parses_optional_dates() {
        assert_eq!(parse_date("as_of", None).unwrap(), None);
        assert_eq!(parse_date("as_of", Some(" ")).unwrap(), None);
        assert_eq!(
            parse_date("as_of", Some("2021-03-16")).unwrap(),
            NaiveDate::from_ymd_opt(2021, 3, 16)
        );
        assert!(parse_date("as_of", Some("16/03/2021")).is_err());
    }
}
