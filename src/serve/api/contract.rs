//! The parts of the OpenAPI documents that utoipa's per-handler attributes
//! cannot say: one schema per query parameter (its enum, range or format, as
//! the parsers accept it), a path per layer (each layer takes its own
//! parameters), and every answer an endpoint can give (401 for a missing
//! sign-in, 404 for a path that names nothing). Clients and validators are
//! generated from these documents, so they say what the server does.

use serde_json::{json, Map, Value};

use crate::publish::Layer;

/// The schema of a comma-separated list drawn from `values`.
fn list_of(values: &[&str]) -> Value {
    json!({"type": "string", "pattern": format!("^({0})(,({0}))*$", values.join("|"))})
}

const VENUES: [&str; 5] = ["car_wash", "nail_bar", "service_station", "farm", "other"];
const EXPLOITATION: [&str; 5] = [
    "labour",
    "sexual",
    "criminal",
    "domestic_servitude",
    "unknown",
];

/// What a layer download may be: GeoJSON, CSV, CSV zipped with its
/// provenance (`download=1`), GeoPackage, GeoParquet.
const DOWNLOADS: [&str; 5] = [
    "application/geo+json",
    "text/csv",
    "application/zip",
    "application/geopackage+sqlite3",
    "application/vnd.apache.parquet",
];

/// What a query parameter of the layers (and the lists beside them) means and
/// accepts. Cross-parameter rules (`from` before `to`, `district` or `bbox`,
/// `weight=risk` counts reports) are in the descriptions: OpenAPI 3.0 cannot
/// state them.
pub(crate) fn parameter_schema(layer: Option<Layer>, name: &str) -> (&'static str, Value) {
    match name {
        "res" => ("H3 resolution", json!({"type": "integer", "minimum": 6, "maximum": 9, "default": 8})),
        "from" => ("first day included, 2000-01-01 to 2099-12-31 (on or before `to`)", json!({"type": "string", "format": "date"})),
        "to" => ("last day included, 2000-01-01 to 2099-12-31", json!({"type": "string", "format": "date"})),
        "venue" => ("venue types, comma-separated", list_of(&VENUES)),
        "exploitation" => ("exploitation types, comma-separated", list_of(&EXPLOITATION)),
        "source" => ("sources, comma-separated", json!({"type": "string", "pattern": "^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$"})),
        "k" => ("neighbourhood rings", json!({"type": "integer", "minimum": 1, "maximum": 3, "default": 1})),
        "kernel" => ("Gi* spatial weights", json!({"type": "string", "enum": ["uniform", "triangular", "gaussian"], "default": "uniform"})),
        "fdr" => ("Benjamini-Hochberg false discovery rate control", json!({"type": "boolean", "default": true})),
        "weight" => ("what a cell's value is: its count, a risk-weighted count (reports only), or reports per registered premises", json!({"type": "string", "enum": ["count", "risk", "rate"], "default": "count"})),
        "unit" => ("what is counted (not with weight=risk; not for the partnership release)", json!({"type": "string", "enum": ["reports", "incidents", "premises"], "default": "reports"})),
        "permutations" => ("conditional permutations for pseudo p-values (0: analytical)", json!({"type": "integer", "minimum": 0, "maximum": crate::publish::MAX_PERMUTATIONS, "default": 0})),
        "seed" => ("seed of the permutations", json!({"type": "integer", "minimum": 0})),
        "min_reports" if layer == Some(Layer::Hotspots) => ("the fewest reports (or units counted) a hotspot area holds, and a hot cell's neighbourhood (its k-ring) holds; 1: Gi*'s bins as they are, and every connected group of hot cells; the partnership release always uses its suppression k", json!({"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": crate::publish::DEFAULT_MIN_REPORTS})),
        "min_reports" if matches!(layer, Some(Layer::Cells | Layer::Emerging)) => ("the fewest reports (or units counted) a hot cell's neighbourhood (its k-ring) holds, in the map (emerging: over the whole period, else hot at no step); below it the cell is binned 0 whatever Gi* says; 1: Gi*'s bins as they are; the partnership release always uses its suppression k", json!({"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": crate::publish::DEFAULT_MIN_REPORTS})),
        "district" => ("study area: local-authority districts, ONS codes or names, comma-separated (not with force or bbox)", json!({"type": "string", "minLength": 1})),
        "force" => ("study area: police force areas, data.police.uk ids (cambridgeshire) or names, comma-separated (not with district or bbox)", json!({"type": "string", "minLength": 1})),
        "bbox" => ("study area: min_lat,min_lng,max_lat,max_lng (not with district or force)", json!({"type": "string", "pattern": "^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$"})),
        "step" if layer == Some(Layer::Towns) => ("time step", json!({"type": "string", "enum": ["quarter", "month", "year"], "default": "quarter"})),
        "step" => ("time step", json!({"type": "string", "enum": ["month", "quarter"], "default": "month"})),
        "lag" => ("earlier steps in each cell's space-time neighbourhood besides its own (ArcGIS's neighborhood time step, sfdep's k); 0: each step's map alone", json!({"type": "integer", "minimum": 0, "maximum": crate::publish::MAX_LAG, "default": 1})),
        "category" => ("emerging categories, comma-separated", list_of(&crate::model::EMERGING_CATEGORIES)),
        "all" => ("every study-area cell, zeros included", json!({"type": "boolean", "default": false})),
        "crime_type" => ("police.uk crime types, comma-separated, any case (e.g. Drugs,Shoplifting)", json!({"type": "string", "minLength": 1})),
        "level" => ("towns or districts", json!({"type": "string", "enum": ["town", "district"], "default": "town"})),
        "format" if layer == Some(Layer::Towns) => ("json rows, GeoJSON points, CSV, GeoPackage or GeoParquet", json!({"type": "string", "enum": ["json", "geojson", "csv", "gpkg", "parquet"], "default": "json"})),
        "format" => ("GeoJSON, CSV, GeoPackage or GeoParquet", json!({"type": "string", "enum": ["geojson", "csv", "gpkg", "parquet"], "default": "geojson"})),
        "download" => ("answer as a file (Content-Disposition); a CSV comes as a zip with its provenance.json", json!({"type": "boolean", "default": false})),
        "min_reports" => ("only premises with at least this many reports in the period", json!({"type": "integer", "minimum": 1, "default": 1})),
        "sort" => ("order of the list", json!({"type": "string", "enum": ["reports", "incidents", "sources", "last_seen", "velocity", "name"], "default": "reports"})),
        "window_days" => ("days of reports before each visit that make its map", json!({"type": "integer", "minimum": 7, "maximum": 3650, "default": 365})),
        _ => ("a parameter", json!({"type": "string"})),
    }
}

fn query_parameter(layer: Option<Layer>, name: &str) -> Value {
    let (description, schema) = parameter_schema(layer, name);
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn path_parameter(name: &str, schema: &Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": schema})
}

fn error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
}

fn answers(operation: &mut Value, statuses: &[(&str, &str)]) {
    if let Some(responses) = operation["responses"].as_object_mut() {
        for (status, description) in statuses {
            responses.insert((*status).to_owned(), error(description));
        }
    }
}

const UNAUTHORIZED: (&str, &str) = (
    "401",
    "Not signed in: a session cookie or `Authorization: Bearer TOKEN`",
);
const FORBIDDEN: (&str, &str) = ("403", "The role may not read this");
const BAD: (&str, &str) = ("400", "A bad or unknown parameter; `error.field` names it");

/// A GET operation with these parameters, its 200 in these media types, and
/// the errors it can answer.
#[allow(
    clippy::needless_pass_by_value,
    reason = "each caller builds the list for this operation alone"
)]
fn get(summary: &str, parameters: Vec<Value>, media: &[&str], errors: &[(&str, &str)]) -> Value {
    let content: Map<String, Value> = media
        .iter()
        .map(|m| ((*m).to_owned(), json!({"schema": {}})))
        .collect();
    let mut operation = json!({
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": summary, "content": content},
            "304": {"description": "Not modified (If-None-Match matched the ETag)"},
        },
        "security": [{"bearer": []}, {"session": []}],
    });
    answers(&mut operation, errors);
    json!({"get": operation})
}

/// Rewrites utoipa's document into the contract (see the module comment).
pub(crate) fn complete(mut doc: Value) -> Value {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return doc;
    };
    paths.remove("/api/v1/layers/{layer}");
    for layer in [
        Layer::Cells,
        Layer::Hotspots,
        Layer::Emerging,
        Layer::Reports,
        Layer::Context,
    ] {
        let parameters = layer
            .accepts()
            .into_iter()
            .map(|n| query_parameter(Some(layer), n))
            .collect();
        let mut errors = vec![BAD, UNAUTHORIZED];
        if layer == Layer::Reports {
            errors.push(FORBIDDEN);
        }
        paths.insert(
            format!("/api/v1/layers/{}", layer.as_str()),
            get(
                &format!(
                    "The {} layer (GeoJSON with a provenance member, CSV, GeoPackage or GeoParquet)",
                    layer.as_str()
                ),
                parameters,
                &DOWNLOADS,
                &errors,
            ),
        );
    }
    let towns: Vec<Value> = Layer::Towns
        .accepts()
        .into_iter()
        .map(|n| query_parameter(Some(Layer::Towns), n))
        .collect();
    paths.insert(
        "/api/v1/towns".into(),
        get(
            "Town (or district) trends: rows with their exact tests",
            towns,
            &[
                "application/json",
                DOWNLOADS[0],
                DOWNLOADS[1],
                DOWNLOADS[2],
                DOWNLOADS[3],
                DOWNLOADS[4],
            ],
            &[BAD, UNAUTHORIZED],
        ),
    );
    paths.remove("/api/v1/tiles/{layer}/{z}/{x}/{y}");
    let tile_address = || {
        vec![
            path_parameter(
                "z",
                &json!({"type": "integer", "minimum": 0, "maximum": crate::publish::MAX_ZOOM}),
            ),
            path_parameter("x", &json!({"type": "integer", "minimum": 0})),
            path_parameter("y", &json!({"type": "integer", "minimum": 0})),
        ]
    };
    let no_tile = ("404", "No such tile (x and y below 2^z)");
    for layer in [
        Layer::Cells,
        Layer::Emerging,
        Layer::Hotspots,
        Layer::Reports,
        Layer::Context,
    ] {
        let mut parameters = tile_address();
        parameters.extend(
            layer
                .accepts()
                .into_iter()
                .filter(|n| !matches!(*n, "format" | "download"))
                .map(|n| query_parameter(Some(layer), n)),
        );
        let mut errors = vec![BAD, UNAUTHORIZED, no_tile];
        if layer == Layer::Reports {
            errors.push(FORBIDDEN);
        }
        paths.insert(
            format!("/api/v1/tiles/{}/{{z}}/{{x}}/{{y}}", layer.as_str()),
            get(
                &format!(
                    "A Mapbox Vector Tile of the {} layer (aggregated to coarser H3 cells where its own cannot be drawn or the tile would pass 500 KB)",
                    layer.as_str()
                ),
                parameters,
                &["application/vnd.mapbox-vector-tile"],
                &errors,
            ),
        );
    }
    // The list's layer parameters are the hotspots layer's (premises/params.rs).
    let mut premises: Vec<Value> = Layer::Hotspots
        .accepts()
        .into_iter()
        .filter(|n| !matches!(*n, "format" | "download"))
        .chain(crate::premises::OWN_PARAMETERS)
        .map(|n| query_parameter(None, n))
        .collect();
    premises.dedup_by(|a, b| a["name"] == b["name"]);
    paths.insert(
        "/api/v1/premises".into(),
        get(
            "Repeat premises: GeoJSON points, CSV, GeoPackage or GeoParquet",
            premises.clone(),
            &DOWNLOADS,
            &[BAD, UNAUTHORIZED, FORBIDDEN],
        ),
    );
    let mut premises_tile = tile_address();
    premises_tile.extend(
        premises
            .into_iter()
            .filter(|p| !matches!(p["name"].as_str(), Some("format" | "download"))),
    );
    paths.insert(
        "/api/v1/tiles/premises/{z}/{x}/{y}".into(),
        get(
            "A Mapbox Vector Tile of the repeat premises (points, aggregated where a tile would pass 500 KB)",
            premises_tile,
            &["application/vnd.mapbox-vector-tile"],
            &[BAD, UNAUTHORIZED, FORBIDDEN, no_tile],
        ),
    );
    let summary = ["from", "to", "window_days", "res", "k", "kernel", "fdr"]
        .into_iter()
        .map(|n| query_parameter(Some(Layer::Cells), n))
        .collect();
    paths.insert(
        "/api/v1/outcomes/summary".into(),
        get(
            "Visit outcomes by the hotspot class of the day before",
            summary,
            &["application/json"],
            &[BAD, UNAUTHORIZED, FORBIDDEN],
        ),
    );
    paths.insert(
        "/api/v1/basemap/{name}".into(),
        get(
            "Offline base map layers",
            vec![path_parameter(
                "name",
                &json!({"type": "string", "enum": ["outline", "districts", "places"]}),
            )],
            &["application/geo+json"],
            &[
                UNAUTHORIZED,
                ("404", "Not built into this server's geodata"),
            ],
        ),
    );
    let mut cells: Vec<Value> = vec![json!({"name": "h3", "in": "query", "required": true,
        "description": "H3 cells (hex), comma-separated",
        "schema": {"type": "string", "pattern": "^[0-9a-f]{15}(,[0-9a-f]{15})*$"}})];
    cells.extend(
        Layer::Reports
            .accepts()
            .into_iter()
            .filter(|n| !matches!(*n, "format" | "download"))
            .map(|n| query_parameter(Some(Layer::Reports), n)),
    );
    paths.insert(
        "/api/v1/cells".into(),
        get(
            "A cell's detail: counts by venue and indicator, monthly series, reports (role permitting)",
            cells,
            &["application/json"],
            &[BAD, UNAUTHORIZED, FORBIDDEN],
        ),
    );
    for post in ["/api/v1/reports", "/api/v1/outcomes"] {
        if let Some(operation) = paths.get_mut(post).map(|p| &mut p["post"]) {
            answers(
                operation,
                &[
                    UNAUTHORIZED,
                    FORBIDDEN,
                    ("400", "The body cannot be read at all"),
                    ("413", "The body is larger than the server takes"),
                ],
            );
        }
    }
    let components = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})));
    if let Some(components) = components {
        components["schemas"]["ErrorBody"] = json!({"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": ["string", "null"]}}}}});
        components["securitySchemes"] = json!({
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": crate::serve::SESSION_COOKIE},
        });
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every parameter a layer's parser accepts has a schema of its own.
    #[test]
    fn every_accepted_parameter_is_described() {
        for layer in [
            Layer::Cells,
            Layer::Hotspots,
            Layer::Emerging,
            Layer::Reports,
            Layer::Towns,
            Layer::Context,
        ] {
            for name in layer.accepts() {
                let (description, _) = parameter_schema(Some(layer), name);
                assert_ne!(description, "a parameter", "{name} of {}", layer.as_str());
            }
        }
        for name in crate::premises::OWN_PARAMETERS {
            assert_ne!(parameter_schema(None, name).0, "a parameter", "{name}");
        }
    }
}
