//! The API keys page (admins): list, create and revoke keys. A new key's
//! secret is shown once; only its hash is stored.

use axum::extract::State;
use axum::response::Response;
use axum::Form;
use embargo_audit::{generate_key, Role};
use embargo_store::ApiKey;
use maud::html;
use serde::Deserialize;
use serde_json::json;

use super::auth::Auth;
use super::layout::{self, Nav};
use super::{blocking, html_page, ConsoleError, ConsoleState, Result};

#[derive(Debug, Deserialize)]
pub(crate) struct KeyForm {
    action: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    id: String,
}

fn render(
    auth: &Auth,
    keys: &[ApiKey],
    created: Option<(String, String)>,
    note: Option<String>,
) -> Response {
    let body = html! {
        @if let Some((name, secret)) = &created {
            div.flash role="status" data-testid="new-key" {
                p { "Key " strong { (name) } " created. Copy it now: it is not shown again." }
                p { code.mono { (secret) } }
                @if auth.viewer.open {
                    p { strong { "The console now requires sign-in: " } a href="/login" { "sign in with this key" } "." }
                }
            }
        }
        @if let Some(n) = &note { p.flash role="status" { (n) } }
        form.card.inline method="post" action="/keys" {
            input type="hidden" name="action" value="create";
            label { "Name" input type="text" name="name" required placeholder="e.g. trading-desk" maxlength="64"; }
            label { "Role"
                select name="role" {
                    option value="read" { "read — lists and entities" }
                    option value="screen" selected { "screen — also screenings and checks" }
                    option value="admin" { "admin — also keys and reviews" }
                }
            }
            button type="submit" { "Create key" }
        }
        @if keys.is_empty() {
            p.empty { "No API key exists: the server is in open mode. Create an admin key first to require sign-in." }
        } @else {
            div.table-wrap {
                table data-testid="keys" {
                    thead { tr { th { "Id" } th { "Name" } th { "Role" } th { "Created" } th { "Status" } th {} } }
                    tbody {
                        @for k in keys {
                            tr {
                                td.mono { (k.id) }
                                td { (k.name) }
                                td { (k.role) }
                                td { (k.created_at.format("%Y-%m-%d %H:%M UTC")) }
                                td {
                                    @match k.revoked_at {
                                        Some(at) => { span.removed { "revoked " (at.format("%Y-%m-%d %H:%M")) } }
                                        None => { span.added { "active" } }
                                    }
                                }
                                td {
                                    @if k.is_active() {
                                        form method="post" action="/keys" {
                                            input type="hidden" name="action" value="revoke";
                                            input type="hidden" name="id" value=(k.id);
                                            button.danger type="submit" data-confirm=(format!("Revoke key {} ({})? Clients using it stop working.", k.id, k.name)) { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    html_page(layout::page(
        &auth.viewer,
        Nav::Keys,
        "API keys",
        None,
        body,
    ))
}

/// `GET /keys`
pub(crate) async fn page(auth: Auth, State(st): State<ConsoleState>) -> Result<Response> {
    auth.require(Role::Admin)?;
    let keys = blocking(move || Ok(st.app.engine.with_store_ref(|s| s.api_keys())?)).await?;
    Ok(render(&auth, &keys, None, None))
}

/// `POST /keys`: `action=create` (name, role) or `action=revoke` (id).
pub(crate) async fn action(
    auth: Auth,
    State(st): State<ConsoleState>,
    Form(f): Form<KeyForm>,
) -> Result<Response> {
    auth.require(Role::Admin)?;
    let actor = auth.actor();
    let (keys, created, note) = blocking(move || {
        let mut created = None;
        let mut note = None;
        match f.action.as_str() {
            "create" => {
                let name = f.name.trim();
                if name.is_empty() || name.len() > 64 {
                    return Err(ConsoleError::BadRequest(
                        "a key needs a name of 1 to 64 characters".into(),
                    ));
                }
                let role: Role = f.role.parse().map_err(|e: embargo_audit::KeyError| {
                    ConsoleError::BadRequest(e.to_string())
                })?;
                let (secret, stored) = generate_key(name, role);
                st.app.engine.with_store_mut(|s| {
                    s.insert_api_key(&ApiKey {
                        id: stored.id.clone(),
                        name: stored.name.clone(),
                        role: stored.role.as_str().to_string(),
                        hash: stored.hash.clone(),
                        created_at: stored.created_at,
                        revoked_at: None,
                    })
                })?;
                st.app.engine.audit(
                    &actor,
                    "key_created",
                    json!({"id": stored.id, "name": name, "role": role.as_str()}),
                )?;
                created = Some((name.to_string(), secret.secret));
            }
            "revoke" => {
                let id = f.id.trim().to_string();
                if st.app.engine.revoke_key(&id, &actor)? {
                    note = Some(format!("Key {id} revoked."));
                } else {
                    note = Some(format!("Key {id} does not exist or was already revoked."));
                }
            }
            other => {
                return Err(ConsoleError::BadRequest(format!(
                    "unknown action '{other}'"
                )))
            }
        }
        st.app.auth.invalidate();
        let keys = st.app.engine.with_store_ref(|s| s.api_keys())?;
        Ok((keys, created, note))
    })
    .await?;
    Ok(render(&auth, &keys, created, note))
}
