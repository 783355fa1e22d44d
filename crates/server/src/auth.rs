//! Authentication and authorisation: API keys with roles, console sessions,
//! and per-key rate limits.
//!
//! A request presents an API key as `Authorization: Bearer emb_…`,
//! `Authorization: ApiKey emb_…` (the OpenSanctions convention) or
//! `X-API-Key: emb_…`; the web console sends a session cookie
//! ([`SESSION_COOKIE`]) signed with the installation's session secret.
//!
//! With no key in the store the service runs in *open mode*: it only
//! listens on loopback (enforced by [`crate::serve`]) and every request acts
//! as the local administrator. As soon as a key exists, every protected
//! route needs a credential whose role allows it (read ⊂ screen ⊂ admin).
//! Keys are read from the store through a short-lived cache, so a key
//! created or revoked by the CLI takes effect within [`KEY_CACHE_TTL`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};
use embargo_audit::{parse_presented, verify_key, verify_session, Role, SessionSecret, StoredKey};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::ratelimit::RateLimiter;

/// How long the key cache is trusted before the store is read again.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(2);
/// The console's session cookie.
pub const SESSION_COOKIE: &str = "embargo_session";
/// How long a console session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// The actor name of requests in open mode.
pub const LOCAL_ACTOR: &str = "local";

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Principal {
    /// The API key id (`None` in open mode).
    pub key_id: Option<String>,
    /// The key's name, recorded in the audit log as the actor.
    pub name: String,
    /// What the principal may do.
    #[schema(value_type = String, example = "screen")]
    pub role: Role,
}

impl Principal {
    /// The principal of open mode: the local administrator.
    pub fn local() -> Principal {
        Principal {
            key_id: None,
            name: LOCAL_ACTOR.to_string(),
            role: Role::Admin,
        }
    }
}

/// Where keys come from (the store, in the service).
pub trait KeySource: Send + Sync {
    /// Every key, revoked ones included.
    fn load_keys(&self) -> Result<Vec<StoredKey>, String>;
}

#[derive(Debug)]
struct KeyCache {
    loaded: Option<Instant>,
    keys: Arc<HashMap<String, StoredKey>>,
}

/// The authentication state shared by every request.
pub struct Auth {
    source: Arc<dyn KeySource>,
    cache: RwLock<KeyCache>,
    session_secret: SessionSecret,
    limiter: RateLimiter,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth").finish_non_exhaustive()
    }
}

impl Auth {
    /// Authentication over `source`, signing sessions with `session_secret`
    /// and rate-limiting each key with `limiter`.
    pub fn new(
        source: Arc<dyn KeySource>,
        session_secret: SessionSecret,
        limiter: RateLimiter,
    ) -> Auth {
        Auth {
            source,
            cache: RwLock::new(KeyCache {
                loaded: None,
                keys: Arc::new(HashMap::new()),
            }),
            session_secret,
            limiter,
        }
    }

    /// The keys, from the cache or freshly loaded.
    fn keys(&self) -> Result<Arc<HashMap<String, StoredKey>>, ApiError> {
        if let Ok(c) = self.cache.read() {
            if c.loaded.is_some_and(|t| t.elapsed() < KEY_CACHE_TTL) {
                return Ok(Arc::clone(&c.keys));
            }
        }
        let keys = self.source.load_keys().map_err(ApiError::Internal)?;
        let map: HashMap<String, StoredKey> = keys.into_iter().map(|k| (k.id.clone(), k)).collect();
        let map = Arc::new(map);
        let mut c = match self.cache.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        c.loaded = Some(Instant::now());
        c.keys = Arc::clone(&map);
        Ok(map)
    }

    /// Forgets the cached keys (after creating or revoking one).
    pub fn invalidate(&self) {
        if let Ok(mut c) = self.cache.write() {
            c.loaded = None;
        }
    }

    /// True when no key was ever created: the service is open to loopback
    /// clients. Revoked keys count, so revoking every key locks the service
    /// rather than opening it.
    pub fn open_mode(&self) -> Result<bool, ApiError> {
        Ok(self.keys()?.is_empty())
    }

    /// The principal a key secret belongs to.
    pub fn principal_for_key(&self, secret: &str) -> Result<Principal, ApiError> {
        let invalid = || ApiError::Unauthorized("invalid API key".into());
        let presented = parse_presented(secret).map_err(|_| invalid())?;
        let keys = self.keys()?;
        let stored = keys.get(&presented.id).ok_or_else(invalid)?;
        if stored.is_revoked() {
            return Err(ApiError::Unauthorized(
                "this API key has been revoked".into(),
            ));
        }
        if !verify_key(&presented, stored) {
            return Err(invalid());
        }
        Ok(Principal {
            key_id: Some(stored.id.clone()),
            name: stored.name.clone(),
            role: stored.role,
        })
    }

    /// The principal of a session token (the key must still be active).
    pub fn principal_for_session(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Principal, ApiError> {
        let claims = verify_session(token, &self.session_secret, now)
            .map_err(|e| ApiError::Unauthorized(format!("session: {e}")))?;
        let keys = self.keys()?;
        let stored = keys
            .get(&claims.key_id)
            .filter(|k| !k.is_revoked())
            .ok_or_else(|| {
                ApiError::Unauthorized("the session's API key is no longer valid".into())
            })?;
        Ok(Principal {
            key_id: Some(stored.id.clone()),
            name: stored.name.clone(),
            role: stored.role.min(claims.role),
        })
    }

    /// Identifies the sender of a request: `Ok(None)` when it presents no
    /// credential, an error when it presents a bad one. In open mode every
    /// request is the local administrator.
    pub fn identify(&self, headers: &HeaderMap) -> Result<Option<Principal>, ApiError> {
        if self.open_mode()? {
            return Ok(Some(Principal::local()));
        }
        if let Some(secret) = presented_key(headers) {
            return self.principal_for_key(&secret).map(Some);
        }
        if let Some(token) = cookie(headers, SESSION_COOKIE) {
            return self.principal_for_session(&token, Utc::now()).map(Some);
        }
        Ok(None)
    }

    /// Authenticates, authorises for `required` and rate-limits a request.
    pub fn authorize(&self, headers: &HeaderMap, required: Role) -> Result<Principal, ApiError> {
        let principal = self.identify(headers)?.ok_or_else(|| {
            ApiError::Unauthorized(
                "an API key is required: send `Authorization: Bearer emb_…`".into(),
            )
        })?;
        if !principal.role.allows(required) {
            return Err(ApiError::Forbidden(format!(
                "the key's role '{}' does not allow this route (needs '{}')",
                principal.role, required
            )));
        }
        if let Some(id) = &principal.key_id {
            self.limiter
                .check(id, Instant::now())
                .map_err(|retry_after| ApiError::TooManyRequests { retry_after })?;
        }
        Ok(principal)
    }

    /// Logs in with an API key secret: the principal and a `Set-Cookie`
    /// value carrying a session token.
    pub fn login(&self, secret: &str, secure: bool) -> Result<(Principal, HeaderValue), ApiError> {
        let principal = self.principal_for_key(secret)?;
        let key_id = principal
            .key_id
            .clone()
            .ok_or_else(|| ApiError::Unauthorized("invalid API key".into()))?;
        let lifetime = chrono::Duration::from_std(SESSION_LIFETIME)
            .unwrap_or_else(|_| chrono::Duration::hours(8));
        let token = embargo_audit::issue_session(
            &key_id,
            principal.role,
            Utc::now() + lifetime,
            &self.session_secret,
        );
        let cookie = session_cookie(&token, SESSION_LIFETIME.as_secs(), secure)?;
        Ok((principal, cookie))
    }
}

/// A `Set-Cookie` value for a session token: HttpOnly, SameSite=Strict,
/// `Secure` when served over TLS.
pub fn session_cookie(
    token: &str,
    max_age_secs: u64,
    secure: bool,
) -> Result<HeaderValue, ApiError> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}"
    ))
    .map_err(ApiError::internal)
}

/// A `Set-Cookie` value that ends the session.
pub fn logout_cookie() -> HeaderValue {
    HeaderValue::from_static("embargo_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict")
}

/// The API key a request presents, if any.
pub fn presented_key(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let v = v.trim();
        for scheme in ["Bearer ", "bearer ", "ApiKey ", "apikey ", "Apikey "] {
            if let Some(rest) = v.strip_prefix(scheme) {
                return Some(rest.trim().to_string());
            }
        }
        return Some(v.to_string());
    }
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// What a route group requires, for [`require`].
#[derive(Clone)]
pub struct Guard {
    /// The authentication state.
    pub auth: Arc<Auth>,
    /// The role the routes need.
    pub role: Role,
}

/// Middleware: authorises the request for the guard's role and stores the
/// [`Principal`] in the request extensions.
pub async fn require(
    State(guard): State<Guard>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let principal = guard.auth.authorize(req.headers(), guard.role)?;
    req.extensions_mut().insert(principal);
    Ok(next.run(req).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use embargo_audit::generate_key;
    use std::sync::Mutex;

    struct Keys(Mutex<Vec<StoredKey>>);

    impl KeySource for Keys {
        fn load_keys(&self) -> Result<Vec<StoredKey>, String> {
            Ok(self.0.lock().unwrap().clone())
        }
    }

    fn auth_with(keys: Vec<StoredKey>, rate: f64) -> (Arc<Keys>, Auth) {
        let src = Arc::new(Keys(Mutex::new(keys)));
        let auth = Auth::new(
            src.clone(),
            SessionSecret::generate(),
            RateLimiter::new(rate, 2),
        );
        (src, auth)
    }

    fn bearer(secret: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {secret}")).unwrap(),
        );
        h
    }

    #[test]
    fn open_mode_without_keys() {
        let (_, auth) = auth_with(vec![], 0.0);
        assert!(auth.open_mode().unwrap());
        let p = auth.authorize(&HeaderMap::new(), Role::Admin).unwrap();
        assert_eq!(p, Principal::local());
    }

    #[test]
    fn roles_are_enforced() {
        let (read, read_stored) = generate_key("analyst", Role::Read);
        let (screen, screen_stored) = generate_key("bank", Role::Screen);
        let (_, auth) = auth_with(vec![read_stored, screen_stored], 0.0);
        assert!(!auth.open_mode().unwrap());
        assert!(matches!(
            auth.authorize(&HeaderMap::new(), Role::Read),
            Err(ApiError::Unauthorized(_))
        ));
        assert!(auth.authorize(&bearer(&read.secret), Role::Read).is_ok());
        assert!(matches!(
            auth.authorize(&bearer(&read.secret), Role::Screen),
            Err(ApiError::Forbidden(_))
        ));
        let p = auth
            .authorize(&bearer(&screen.secret), Role::Screen)
            .unwrap();
        assert_eq!(p.name, "bank");
        assert!(auth
            .authorize(&bearer(&screen.secret), Role::Admin)
            .is_err());
        // A well-formed but unknown key, and garbage.
        let (other, _) = generate_key("x", Role::Admin);
        assert!(auth.authorize(&bearer(&other.secret), Role::Read).is_err());
        assert!(auth.authorize(&bearer("hello"), Role::Read).is_err());
    }

    #[test]
    fn other_header_forms() {
        let (k, stored) = generate_key("ops", Role::Admin);
        let (_, auth) = auth_with(vec![stored], 0.0);
        let mut h = HeaderMap::new();
        h.insert("x-api-key", HeaderValue::from_str(&k.secret).unwrap());
        assert!(auth.authorize(&h, Role::Admin).is_ok());
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("ApiKey {}", k.secret)).unwrap(),
        );
        assert!(auth.authorize(&h, Role::Admin).is_ok());
    }

    #[test]
    fn revocation_takes_effect_after_invalidate() {
        let (k, stored) = generate_key("ops", Role::Screen);
        let (_, other) = generate_key("other", Role::Read);
        let (src, auth) = auth_with(vec![stored, other], 0.0);
        assert!(auth.authorize(&bearer(&k.secret), Role::Screen).is_ok());
        src.0.lock().unwrap()[0].revoke(Utc::now());
        auth.invalidate();
        let e = auth
            .authorize(&bearer(&k.secret), Role::Screen)
            .unwrap_err();
        assert!(e.to_string().contains("revoked"), "{e}");
    }

    #[test]
    fn rate_limit_per_key() {
        let (k, stored) = generate_key("bank", Role::Screen);
        let (_, auth) = auth_with(vec![stored], 0.5);
        assert!(auth.authorize(&bearer(&k.secret), Role::Read).is_ok());
        assert!(auth.authorize(&bearer(&k.secret), Role::Read).is_ok());
        match auth.authorize(&bearer(&k.secret), Role::Read) {
            Err(ApiError::TooManyRequests { retry_after }) => assert!(retry_after >= 1),
            other => panic!("expected 429, got {other:?}"),
        }
    }

    #[test]
    fn session_login_and_cookie() {
        let (k, stored) = generate_key("analyst", Role::Read);
        let (src, auth) = auth_with(vec![stored], 0.0);
        let (p, cookie_value) = auth.login(&k.secret, false).unwrap();
        assert_eq!(p.role, Role::Read);
        let set = cookie_value.to_str().unwrap();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        let token = set
            .strip_prefix("embargo_session=")
            .and_then(|s| s.split(';').next())
            .unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("theme=dark; embargo_session={token}")).unwrap(),
        );
        assert_eq!(auth.authorize(&h, Role::Read).unwrap().name, "analyst");
        // Revoking the key ends its sessions.
        src.0.lock().unwrap()[0].revoke(Utc::now());
        auth.invalidate();
        assert!(auth.authorize(&h, Role::Read).is_err());
        // A forged token fails.
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("embargo_session=v1.e30.AAAA"),
        );
        assert!(auth.identify(&h).is_err());
    }
}
