//! The OpenAPI 3.0 definition of `/ogc`: every collection's items path with
//! its parameters (OGC's, the layer's with their enums and ranges, and the
//! equality parameters of its queryables) and every answer it can give.

use serde_json::{json, Map, Value};

use super::collections::{Collection, Kind};
use super::params::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::model::Role;

#[allow(
    clippy::needless_pass_by_value,
    reason = "every caller builds the schema for this parameter alone"
)]
fn parameter(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema, "style": "form", "explode": false})
}

fn errors(with_auth: bool) -> Map<String, Value> {
    let error = json!({"description": "An error: `{\"error\": {\"code\", \"message\", \"field\"}}` (`field` names the bad parameter)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut out = Map::new();
    out.insert("400".into(), error.clone());
    if with_auth {
        let mut unauthorized = error.clone();
        unauthorized["description"] = "Not signed in: send a session cookie, `Authorization: Bearer TOKEN`, or HTTP Basic (account name, API token)".into();
        out.insert("401".into(), unauthorized);
        let mut forbidden = error.clone();
        forbidden["description"] = "The role may not read this collection".into();
        out.insert("403".into(), forbidden);
        let mut missing = error;
        missing["description"] = "No such collection or item".into();
        out.insert("404".into(), missing);
    }
    out
}

fn ok(description: &str, media: &str, schema: &Value) -> Value {
    json!({"description": description, "content": {media: {"schema": schema}, "text/html": {"schema": {"type": "string"}}}})
}

fn format_param() -> Value {
    parameter(
        "f",
        "json (default) or html; else the Accept header decides",
        json!({"type": "string", "enum": ["json", "html"]}),
    )
}

/// The layer's parameters as query parameters, with their enums and ranges
/// (the API's own table: one description of each parameter).
fn layer_parameters(collection: Collection) -> Vec<Value> {
    let names: Vec<&str> = match collection.layer() {
        Some(layer) => layer.accepts(),
        None => crate::publish::Layer::Hotspots
            .accepts()
            .into_iter()
            .chain(crate::premises::OWN_PARAMETERS)
            .collect(),
    };
    names
        .into_iter()
        .filter(|n| !matches!(*n, "format" | "download" | "bbox" | "from" | "to"))
        .map(|name| {
            let (description, schema) =
                crate::serve::api::parameter_schema(collection.layer(), name);
            parameter(name, description, schema)
        })
        .collect()
}

fn items_parameters(collection: Collection) -> Vec<Value> {
    let mut out = vec![
        format_param(),
        parameter(
            "bbox",
            "west,south,east,north in WGS84 longitude and latitude: features intersecting it",
            json!({"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}),
        ),
        parameter(
            "bbox-crs",
            "only CRS84",
            json!({"type": "string", "enum": [super::params::CRS84]}),
        ),
        parameter(
            "datetime",
            "the period: a date, or start/end with .. for an open end (RFC 3339)",
            json!({"type": "string"}),
        ),
        parameter(
            "limit",
            "items per page (larger values are served as the maximum)",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        ),
        parameter(
            "offset",
            "items to skip",
            json!({"type": "integer", "minimum": 0, "default": 0}),
        ),
        parameter(
            "filter",
            "a CQL2 expression over the queryables",
            json!({"type": "string"}),
        ),
        parameter(
            "filter-lang",
            "cql2-text (default) or cql2-json",
            json!({"type": "string", "enum": ["cql2-text", "cql2-json"]}),
        ),
        parameter(
            "filter-crs",
            "only CRS84",
            json!({"type": "string", "enum": [super::params::CRS84]}),
        ),
    ];
    out.extend(layer_parameters(collection));
    let layer_names: Vec<String> = out
        .iter()
        .map(|p| p["name"].as_str().unwrap_or("").to_owned())
        .collect();
    // Equality on queryables, as every role could (notes and the release's
    // mark are role-specific and left to the filter).
    for q in collection.queryables(Role::Analyst) {
        if layer_names.iter().any(|n| n == q.name) || q.name == "id" {
            continue;
        }
        let schema = match q.kind {
            Kind::Integer => json!({"type": "integer"}),
            Kind::Number => json!({"type": "number"}),
            Kind::Boolean => json!({"type": "boolean"}),
            Kind::Date => json!({"type": "string", "format": "date"}),
            Kind::Text => json!({"type": "string"}),
            Kind::Object | Kind::TextList | Kind::IntegerList | Kind::Geometry(_) => continue,
        };
        out.push(parameter(
            q.name,
            &format!("items whose {} equals this ({})", q.name, q.title),
            schema,
        ));
    }
    out
}

/// The whole definition, with `base`/ogc as its server (paths are relative to it).
pub(super) fn document(base: &str) -> Value {
    let mut paths = Map::new();
    let typed = |media: &str, summary: &str, auth: bool, schema: Value| {
        let mut responses = errors(auth);
        responses.insert("200".into(), ok(summary, media, &schema));
        let mut get =
            json!({"summary": summary, "parameters": [format_param()], "responses": responses});
        if !auth {
            get["security"] = json!([]);
        }
        json!({"get": get})
    };
    let plain =
        |summary: &str, auth: bool, schema: Value| typed("application/json", summary, auth, schema);
    paths.insert(
        "/".into(),
        plain(
            "The landing page",
            false,
            json!({"$ref": "#/components/schemas/Links"}),
        ),
    );
    paths.insert("/conformance".into(), plain("The conformance classes", false, json!({"type": "object", "required": ["conformsTo"], "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}}})));
    paths.insert(
        "/api".into(),
        typed(
            "application/vnd.oai.openapi+json;version=3.0",
            "This API definition",
            false,
            json!({"type": "object"}),
        ),
    );
    paths.insert(
        "/collections".into(),
        plain(
            "The collections the caller's role may read",
            true,
            json!({"type": "object", "required": ["links", "collections"]}),
        ),
    );
    for collection in Collection::ALL {
        let id = collection.id();
        paths.insert(
            format!("/collections/{id}"),
            plain(
                &format!("{}: the collection", collection.title()),
                true,
                json!({"type": "object", "required": ["id", "links"]}),
            ),
        );
        paths.insert(
            format!("/collections/{id}/queryables"),
            typed(
                "application/schema+json",
                &format!("{}: what a filter may name", collection.title()),
                true,
                json!({"type": "object"}),
            ),
        );
        let mut responses = errors(true);
        responses.insert("200".into(), json!({"description": "A page of features", "content": {"application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}, "text/html": {"schema": {"type": "string"}}}}));
        paths.insert(
            format!("/collections/{id}/items"),
            json!({"get": {"summary": format!("{}: items", collection.title()), "description": collection.description(), "parameters": items_parameters(collection), "responses": responses}}),
        );
        let mut responses = errors(true);
        responses.insert("200".into(), json!({"description": "One feature", "content": {"application/geo+json": {"schema": {"$ref": "#/components/schemas/Feature"}}, "text/html": {"schema": {"type": "string"}}}}));
        let mut parameters = vec![
            json!({"name": "featureId", "in": "path", "required": true, "schema": {"type": "string"}}),
            format_param(),
            parameter(
                "datetime",
                "the period the item is computed over",
                json!({"type": "string"}),
            ),
        ];
        parameters.extend(layer_parameters(collection));
        paths.insert(
            format!("/collections/{id}/items/{{featureId}}"),
            json!({"get": {"summary": format!("{}: one item", collection.title()), "parameters": parameters, "responses": responses}}),
        );
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "hotspots OGC API - Features", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Hot spot layers, reports, premises and town trends for QGIS, GDAL and other OGC API - Features clients."},
        "servers": [{"url": format!("{base}/ogc")}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic", "description": "account name and an API token"},
                "session": {"type": "apiKey", "in": "cookie", "name": crate::serve::SESSION_COOKIE},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string", "nullable": true}}}}},
                "Links": {"type": "object", "required": ["links"], "properties": {"links": {"type": "array", "items": {"type": "object", "required": ["href"]}}}},
                "Feature": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {"type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"}, "geometry": {"type": "object", "nullable": true}, "properties": {"type": "object", "nullable": true}}},
                "FeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]}, "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}}, "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0}, "timeStamp": {"type": "string", "format": "date-time"}, "links": {"type": "array", "items": {"type": "object"}}}},
            },
        },
        "security": [{"bearer": []}, {"basic": []}, {"session": []}],
    })
}
