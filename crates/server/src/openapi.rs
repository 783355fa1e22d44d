//! The OpenAPI 3 document, generated from the handlers' annotations.
//!
//! [`ApiDoc`] is what the annotations produce; [`document`] adds what they
//! cannot express (alternative required fields, map sizes, the report's
//! media types, links between operations) and is what `/openapi.json`
//! serves.

use std::sync::OnceLock;

use serde_json::{json, Value};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::yente::MAX_MATCH_QUERIES;

use crate::api_schema;
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
        yente::reconcile_manifest, yente::reconcile, yente::suggest_entity, yente::suggest_type,
        yente::suggest_property,
        v1::screen, v1::screen_batch, v1::receipt, v1::public_key, v1::trade, v1::portfolio,
        v1::lists, v1::versions, v1::diff, v1::entity, v1::history,
        v1::reload, v1::update, v1::keys, v1::create_key, v1::revoke_key, v1::audit_log, v1::audit_verify,
    ),
    components(schemas(
        api_schema::DatasetName, api_schema::ListName, api_schema::FtmSchemaName,
        api_schema::AlgorithmName, api_schema::TopicName, api_schema::TradeSide,
        api_schema::RoleName, api_schema::ReportFormat, api_schema::Instant,
        api_schema::PartialDateText, api_schema::VersionSelector, api_schema::EntityIdText,
    )),
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

/// The OpenAPI document served at `/openapi.json`, as JSON text (built
/// once).
pub fn document_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_string(&document()).unwrap_or_else(|_| "{}".into()))
}

/// The OpenAPI document: the annotations' document plus the constraints and
/// links they cannot express.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    patch(&mut doc);
    doc
}

/// A mutable JSON object at a path of keys, if it exists.
fn at<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut serde_json::Map<String, Value>> {
    let mut cur = v;
    for k in path {
        cur = cur.get_mut(*k)?;
    }
    cur.as_object_mut()
}

fn patch(doc: &mut Value) {
    let schemas = ["components", "schemas"];
    if let Some(m) = at(
        doc,
        &[
            schemas[0],
            schemas[1],
            "MatchRequest",
            "properties",
            "queries",
        ],
    ) {
        m.insert("maxProperties".into(), json!(MAX_MATCH_QUERIES));
    }
    if let Some(m) = at(
        doc,
        &[
            schemas[0],
            schemas[1],
            "ReconcileRequest",
            "properties",
            "queries",
        ],
    ) {
        m.insert("maxProperties".into(), json!(MAX_MATCH_QUERIES));
    }
    // A party needs a name or an identifier; names are not blank.
    if let Some(m) = at(doc, &[schemas[0], schemas[1], "ScreenQuery"]) {
        m.insert(
            "anyOf".into(),
            json!([
                {"required": ["name"], "properties": {"name": {"type": "string"}}},
                {"required": ["names"], "properties": {"names": {"minItems": 1}}},
                {"required": ["identifiers"], "properties": {"identifiers": {"minItems": 1}}}
            ]),
        );
    }
    if let Some(m) = at(
        doc,
        &[
            schemas[0],
            schemas[1],
            "ScreenQuery",
            "properties",
            "names",
            "items",
        ],
    ) {
        m.insert("pattern".into(), json!(crate::api_schema::NOT_BLANK));
        m.insert("maxLength".into(), json!(500));
    }
    // A portfolio comes as positions or as CSV.
    if let Some(m) = at(doc, &[schemas[0], schemas[1], "PortfolioRequest"]) {
        m.insert(
            "anyOf".into(),
            json!([
                {"required": ["positions"], "properties": {"positions": {"minItems": 1}}},
                {"required": ["csv"], "properties": {"csv": {"type": "string"}}}
            ]),
        );
    }
    // The portfolio report is JSON, CSV or HTML.
    if let Some(m) = at(
        doc,
        &[
            "paths",
            "/v1/portfolio",
            "post",
            "responses",
            "200",
            "content",
        ],
    ) {
        m.insert("text/csv".into(), json!({"schema": {"type": "string"}}));
        m.insert("text/html".into(), json!({"schema": {"type": "string"}}));
    }
    // Links, so clients (and stateful tests) can follow ids from one answer
    // to the next request.
    let entity_links = |id: &str| {
        json!({
            "FetchEntity": {"operationId": "fetch_entity", "parameters": {"id": id}},
            "EntityAsOfDate": {"operationId": "v1_entity", "parameters": {"id": id}},
            "EntityHistory": {"operationId": "v1_entity_history", "parameters": {"id": id}},
        })
    };
    for (path, method, status, id) in [
        (
            "/search/{dataset}",
            "get",
            "200",
            "$response.body#/results/0/id",
        ),
        ("/entities/{id}", "get", "200", "$response.body#/id"),
        (
            "/v1/screen",
            "post",
            "200",
            "$response.body#/hits/0/entity_id",
        ),
        (
            "/reconcile/{dataset}/suggest/entity",
            "get",
            "200",
            "$response.body#/result/0/id",
        ),
    ] {
        if let Some(m) = at(doc, &["paths", path, method, "responses", status]) {
            m.insert("links".into(), entity_links(id));
        }
    }
    if let Some(m) = at(doc, &["paths", "/v1/lists", "get", "responses", "200"]) {
        m.insert(
            "links".into(),
            json!({
                "ListVersions": {"operationId": "v1_list_versions", "parameters": {"list": "$response.body#/lists/0/list"}},
                "ListDiff": {"operationId": "v1_list_diff", "parameters": {"list": "$response.body#/lists/0/list"}},
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_is_patched_and_operation_ids_are_unique() {
        let doc = document();
        assert_eq!(
            doc["components"]["schemas"]["MatchRequest"]["properties"]["queries"]["maxProperties"],
            100
        );
        assert!(doc["components"]["schemas"]["ScreenQuery"]["anyOf"].is_array());
        assert!(
            doc["paths"]["/v1/portfolio"]["post"]["responses"]["200"]["content"]["text/csv"]
                .is_object()
        );
        assert!(
            doc["paths"]["/search/{dataset}"]["get"]["responses"]["200"]["links"]["FetchEntity"]
                .is_object()
        );
        let mut ids = std::collections::BTreeSet::new();
        for (_, item) in doc["paths"].as_object().unwrap() {
            for (_, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap().to_string();
                assert!(ids.insert(id.clone()), "duplicate operationId {id}");
            }
        }
        // Every reference resolves.
        let text = doc.to_string();
        for r in text.split("\"#/components/schemas/").skip(1) {
            let name = r.split('"').next().unwrap();
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "dangling reference to {name}"
            );
        }
        // Every link names an operation that exists.
        for cap in text.split("\"operationId\":\"").skip(1) {
            let id = cap.split('"').next().unwrap();
            assert!(ids.contains(id), "link to unknown operation {id}");
        }
        // Closed sets are enumerations.
        let params = doc["paths"]["/match/{dataset}"]["post"]["parameters"].to_string();
        assert!(params.contains("DatasetName"), "{params}");
        assert_eq!(
            doc["components"]["schemas"]["DatasetName"]["enum"],
            json!(crate::yente::DATASETS)
        );
    }

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
