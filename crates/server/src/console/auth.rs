//! Sign-in for the console, on the service's authentication
//! ([`crate::auth::Auth`]): an API key once at `/login`, then a signed
//! session cookie (`Secure; HttpOnly; SameSite=Strict`); an
//! `Authorization: Bearer` key works too. With no key in the store the
//! service is in open mode (loopback only) and the console is open.

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use embargo_audit::Role;
use maud::html;
use serde::Deserialize;

use super::layout::{self, Nav, Viewer};
use super::{html_page, ConsoleState};
use crate::auth::{logout_cookie, Principal, SESSION_LIFETIME};
use crate::error::ApiError;

/// A signed-in (or open-mode) viewer; the extractor sends everyone else
/// to `/login`.
pub(crate) struct Auth {
    pub viewer: Viewer,
    pub principal: Principal,
}

impl Auth {
    fn of(principal: Principal) -> Auth {
        let open = principal.key_id.is_none();
        Auth {
            viewer: Viewer {
                name: (!open).then(|| principal.name.clone()),
                admin: principal.role == Role::Admin,
                open,
            },
            principal,
        }
    }

    /// The actor recorded in the audit log (the key's name, `local` in
    /// open mode), as the API records it.
    pub fn actor(&self) -> String {
        self.principal.name.clone()
    }

    /// Fails unless the viewer's role allows `required`.
    pub fn require(&self, required: Role) -> super::Result<()> {
        if self.principal.role.allows(required) {
            Ok(())
        } else {
            Err(super::ConsoleError::Forbidden(format!(
                "This needs the '{required}' role; your key has '{}'.",
                self.principal.role
            )))
        }
    }
}

impl FromRequestParts<ConsoleState> for Auth {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        st: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        match st.app.auth.identify(&parts.headers) {
            Ok(Some(p)) => Ok(Auth::of(p)),
            Ok(None) | Err(ApiError::Unauthorized(_)) => {
                if parts.uri.path().starts_with("/ui/") {
                    return Err((StatusCode::UNAUTHORIZED, "Sign in first: /login").into_response());
                }
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Err(Redirect::to(&format!("/login?next={}", url_query(next))).into_response())
            }
            Err(e) => Err(super::ConsoleError::Internal(e.to_string()).into_response()),
        }
    }
}

/// Percent-encodes a query value.
pub(crate) fn url_query(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Only same-site paths are followed after sign-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    key: String,
    next: Option<String>,
}

fn login_page(next: &str, error: Option<&str>, secure: bool) -> Response {
    let viewer = Viewer {
        name: None,
        admin: false,
        open: false,
    };
    let body = html! {
        @if let Some(e) = error { (layout::error_box(e)) }
        form.card method="post" action="/login" {
            p { "Sign in with an API key. An administrator creates keys with "
                code { "embargo keys create" } " or on the API keys page." }
            input type="hidden" name="next" value=(next);
            label { "API key"
                input type="password" name="key" autocomplete="off" required autofocus
                    placeholder="emb_…" size="60";
            }
            p { button type="submit" { "Sign in" } }
            @if secure {
                p.muted { "The session lasts " (SESSION_LIFETIME.as_secs() / 3600) " hours and is kept in a Secure, HttpOnly, SameSite=Strict cookie." }
            } @else {
                p.muted role="note" data-testid="insecure" {
                    "This page was reached over plain HTTP on a network address: the key and the session cookie "
                    "travel unencrypted and the cookie cannot be marked Secure. Serve the console behind HTTPS."
                }
            }
        }
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (
        status,
        html_page(layout::page(&viewer, Nav::Login, "Sign in", None, body)),
    )
        .into_response()
}

/// `GET /login`
pub(crate) async fn login_form(headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    login_page(
        &safe_next(q.next.as_deref()),
        None,
        secure_context(&headers),
    )
}

/// True when the request reached the service over HTTPS (directly or
/// through a proxy that says so) or on a loopback host, where browsers
/// keep `Secure` cookies. On plain HTTP to a network address a `Secure`
/// cookie would be dropped by the browser and sign-in could never succeed.
pub(crate) fn secure_context(headers: &HeaderMap) -> bool {
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    let loopback = name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    https || loopback
}

/// `POST /login`: checks the key and sets the session cookie
/// (`HttpOnly; SameSite=Strict`, and `Secure` wherever the browser can
/// keep it: see [`secure_context`]).
pub(crate) async fn login(
    State(st): State<ConsoleState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    match st.app.auth.login(f.key.trim(), secure_context(&headers)) {
        Ok((_, cookie)) => {
            let mut resp = Redirect::to(&next).into_response();
            resp.headers_mut().insert(header::SET_COOKIE, cookie);
            resp
        }
        Err(ApiError::Unauthorized(m)) => login_page(
            &next,
            Some(&format!("Not signed in: {m}.")),
            secure_context(&headers),
        ),
        Err(e) => super::ConsoleError::Internal(e.to_string()).into_response(),
    }
}

/// `POST /logout`: clears the cookie.
pub(crate) async fn logout() -> Response {
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, logout_cookie());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_cookies_where_browsers_keep_them() {
        let h = |pairs: &[(&str, &str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            m
        };
        assert!(secure_context(&h(&[("host", "127.0.0.1:8000")])));
        assert!(secure_context(&h(&[("host", "localhost:8000")])));
        assert!(secure_context(&h(&[("host", "[::1]:8000")])));
        assert!(secure_context(&h(&[
            ("host", "embargo.example"),
            ("x-forwarded-proto", "https")
        ])));
        assert!(!secure_context(&h(&[("host", "10.1.2.3:8000")])));
        assert!(!secure_context(&h(&[("host", "embargo.example")])));
    }

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/entity/x?y=1")), "/entity/x?y=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
