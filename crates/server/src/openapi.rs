//! The OpenAPI 3 document, generated from the handlers' annotations.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::handlers::{ops, v1, yente};

/// The API description served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "embargo",
        description = "Screening of restricted companies, people and securities: a \
                       yente-compatible match API and embargo's own /v1 API. Errors are RFC 9457 \
                       problem details. Every screening answer names the list versions it used."
    ),
    paths(
        ops::healthz, ops::readyz, ops::metrics, ops::openapi,
        yente::match_entities, yente::search, yente::entity, yente::catalog, yente::algorithms,
        yente::reconcile_manifest, yente::reconcile,
        v1::screen, v1::screen_batch, v1::receipt, v1::public_key, v1::trade, v1::portfolio,
        v1::lists, v1::versions, v1::diff, v1::entity, v1::history,
        v1::reload, v1::update, v1::keys, v1::create_key, v1::revoke_key, v1::audit_log, v1::audit_verify,
    ),
    modifiers(&Security),
    tags(
        (name = "yente", description = "yente-compatible matching API"),
        (name = "reconciliation", description = "OpenRefine reconciliation"),
        (name = "screening", description = "Screening of names and identifiers, receipts"),
        (name = "law", description = "Trade checks and portfolio screening"),
        (name = "lists", description = "Lists, versions, diffs, entities and their history"),
        (name = "admin", description = "Updates, API keys, audit log"),
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An embargo API key: `Authorization: Bearer emb_…`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key_header",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_lists_every_route() {
        let doc = ApiDoc::openapi();
        let json = doc.to_json().unwrap();
        for p in [
            "/match/{dataset}",
            "/search/{dataset}",
            "/entities/{id}",
            "/reconcile/{dataset}",
            "/v1/screen",
            "/v1/screen/batch",
            "/v1/trade",
            "/v1/portfolio",
            "/v1/receipts/public-key",
            "/v1/lists/{list}/diff",
            "/v1/admin/keys/{id}",
        ] {
            assert!(json.contains(&format!("\"{p}\"")), "missing {p}");
        }
        assert!(json.contains("\"MatchRequest\""));
        assert!(json.contains("\"Problem\""));
    }
}
