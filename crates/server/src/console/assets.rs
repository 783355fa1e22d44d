//! The console's stylesheet and script, embedded in the binary.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// Where the stylesheet is served (versioned by content so caches stay right).
pub const CSS_PATH: &str = concat!("/assets/console.css?v=", env!("CARGO_PKG_VERSION"));
/// Where the script is served.
pub const JS_PATH: &str = concat!("/assets/console.js?v=", env!("CARGO_PKG_VERSION"));

/// The stylesheet.
pub const CSS: &str = include_str!("../../assets/console.css");
/// The progressive-enhancement script.
pub const JS: &str = include_str!("../../assets/console.js");

fn asset(body: &'static str, mime: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /assets/console.css`
pub async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

/// `GET /assets/console.js`
pub async fn js() -> Response {
    asset(JS, "text/javascript; charset=utf-8")
}
