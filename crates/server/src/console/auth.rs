//! Sign-in for the console: API keys or a session cookie.
//!
//! With no active API key in the store the console is open (localhost-only
//! mode). Otherwise a request is let in with a valid session cookie (an
//! HMAC-signed token naming a key, see `embargo_audit::session`) whose key
//! is still active, or with an `Authorization: Bearer <key>` header. The
//! cookie is `Secure; HttpOnly; SameSite=Strict`.

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Duration, Utc};
use embargo_audit::{
    issue_session, parse_presented, verify_key, verify_session, Role, SessionSecret, StoredKey,
};
use embargo_store::ApiKey;
use maud::html;
use serde::Deserialize;

use super::layout::{self, Nav, Viewer};
use super::{blocking, html_page, ConsoleState};
use crate::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "embargo_session";
/// How long a console session lasts.
const SESSION_HOURS: i64 = 12;
/// The store setting holding the session secret.
const SECRET_KEY: &str = "console.session_secret";

/// Loads the session secret from the store, creating it on first use so
/// sessions survive a restart. Falls back to a per-process secret when the
/// store cannot keep it (sessions then end with the process).
pub(crate) fn load_secret(state: &AppState) -> SessionSecret {
    let stored = state
        .engine
        .with_store_mut(|s| {
            if let Some(hex) = s.kv_get(SECRET_KEY)? {
                return Ok(Some(hex));
            }
            let fresh = SessionSecret::generate();
            s.kv_set(SECRET_KEY, &fresh.to_hex())?;
            Ok(Some(fresh.to_hex()))
        })
        .ok()
        .flatten();
    stored
        .and_then(|h| SessionSecret::from_hex(&h).ok())
        .unwrap_or_else(SessionSecret::generate)
}

/// A store key as the audit crate's type.
pub(crate) fn stored_key(k: &ApiKey) -> Option<StoredKey> {
    Some(StoredKey {
        id: k.id.clone(),
        name: k.name.clone(),
        role: k.role.parse().ok()?,
        hash: k.hash.clone(),
        created_at: k.created_at,
        revoked_at: k.revoked_at,
    })
}

/// The value of one cookie of a request.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Why a request was not let in.
enum Denied {
    /// Not signed in: go to the login page.
    SignIn(String),
    /// The store could not be read.
    Unavailable(String),
}

/// Decides who is asking: open mode, a session, or a bearer key.
fn identify(st: &ConsoleState, headers: &HeaderMap) -> Result<(Viewer, Role), Denied> {
    let keys = st
        .app
        .engine
        .with_store_ref(|s| s.api_keys())
        .map_err(|e| Denied::Unavailable(e.to_string()))?;
    if !keys.iter().any(ApiKey::is_active) {
        return Ok((Viewer::open_mode(), Role::Admin));
    }
    let active = |id: &str| -> Option<StoredKey> {
        keys.iter()
            .find(|k| k.id == id && k.is_active())
            .and_then(stored_key)
    };
    if let Some(token) = cookie(headers, COOKIE) {
        if let Ok(claims) = verify_session(token, &st.secret, Utc::now()) {
            if let Some(k) = active(&claims.key_id) {
                return Ok((viewer_of(&k), k.role));
            }
        }
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(secret) = bearer {
        if let Ok(p) = parse_presented(secret) {
            if let Some(k) = active(&p.id).filter(|k| verify_key(&p, k)) {
                return Ok((viewer_of(&k), k.role));
            }
        }
    }
    Err(Denied::SignIn(String::new()))
}

fn viewer_of(k: &StoredKey) -> Viewer {
    Viewer {
        name: Some(k.name.clone()),
        admin: k.role == Role::Admin,
        open: false,
    }
}

/// A signed-in (or open-mode) viewer with their role; the extractor sends
/// everyone else to `/login`.
pub(crate) struct Auth {
    pub viewer: Viewer,
    pub role: Role,
}

impl Auth {
    /// The actor recorded in the audit log.
    pub fn actor(&self) -> String {
        match &self.viewer.name {
            Some(n) => format!("console:{n}"),
            None => "console (open mode)".to_string(),
        }
    }

    /// Fails unless the viewer's role allows `required`.
    pub fn require(&self, required: Role) -> super::Result<()> {
        if self.role.allows(required) {
            Ok(())
        } else {
            Err(super::ConsoleError::Forbidden(format!(
                "this needs the '{required}' role; your key has '{}'",
                self.role
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
        match identify(st, &parts.headers) {
            Ok((viewer, role)) => Ok(Auth { viewer, role }),
            Err(Denied::SignIn(_)) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                if parts.uri.path().starts_with("/ui/") {
                    return Err((StatusCode::UNAUTHORIZED, "sign in first: /login").into_response());
                }
                let to = format!("/login?next={}", url_query(next));
                Err(Redirect::to(&to).into_response())
            }
            Err(Denied::Unavailable(e)) => Err(super::ConsoleError::Internal(e).into_response()),
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

fn login_page(next: &str, error: Option<&str>) -> Response {
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
            p.muted { "The session lasts " (SESSION_HOURS) " hours and is kept in a secure, HttpOnly cookie." }
        }
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (status, html_page(layout::page(&viewer, Nav::Login, "Sign in", None, body))).into_response()
}

/// `GET /login`
pub(crate) async fn login_form(Query(q): Query<LoginQuery>) -> Response {
    login_page(&safe_next(q.next.as_deref()), None)
}

/// `POST /login`: checks the key and sets the session cookie.
pub(crate) async fn login(State(st): State<ConsoleState>, Form(f): Form<LoginForm>) -> Response {
    let next = safe_next(f.next.as_deref());
    let key = f.key.trim().to_string();
    let st2 = st.clone();
    let found = blocking(move || {
        let Ok(p) = parse_presented(&key) else {
            return Ok(None);
        };
        let stored = st2
            .app
            .engine
            .with_store_ref(|s| s.api_key(&p.id))?
            .and_then(|k| stored_key(&k));
        Ok(stored.filter(|k| verify_key(&p, k)))
    })
    .await;
    match found {
        Ok(Some(k)) => {
            let expires = Utc::now() + Duration::hours(SESSION_HOURS);
            let token = issue_session(&k.id, k.role, expires, &st.secret);
            let cookie = format!(
                "{COOKIE}={token}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=Strict",
                SESSION_HOURS * 3600
            );
            let mut resp = Redirect::to(&next).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            resp
        }
        Ok(None) => login_page(&next, Some("That key is not valid, or it was revoked.")),
        Err(e) => e.into_response(),
    }
}

/// `POST /logout`: clears the cookie.
pub(crate) async fn logout() -> Response {
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "embargo_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
        ),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; embargo_session=v1.x.y; b=2"));
        assert_eq!(cookie(&h, COOKIE), Some("v1.x.y"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/entity/x?y=1")), "/entity/x?y=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
