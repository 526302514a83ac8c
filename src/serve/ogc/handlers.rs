//! The `/ogc` endpoints. The landing page, conformance and API definition are
//! public (clients read them before they authenticate, and they describe no
//! data); collections and items need a signed-in viewer and answer as the
//! matching layer does for that viewer's role.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::collections::{Collection, Kind};
use super::html;
use super::params::{Format, ItemsRequest, CRS84};
use crate::publish::{self, FeatureSet};
use crate::serve::api;
use crate::serve::error::{ApiResult, AppError};
use crate::serve::query::query_pairs;
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;
use crate::store::AuditEntry;

const GEOJSON: &str = "application/geo+json";
const JSON: &str = "application/json";
const HTML: &str = "text/html";
const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";
const SCHEMA: &str = "application/schema+json";

/// The conformance classes this server implements. Part 2 (CRS by
/// reference) with CRS84 as the one CRS: listed, accepted as `crs` and
/// `bbox-crs`, and named in every feature answer's `Content-Crs`.
pub(super) const CONFORMANCE: [&str; 15] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
];

/// Great Britain and Northern Ireland, WGS84: the study area's outer bounds,
/// and a collection's extent while it has no data.
const UK_BBOX: [f64; 4] = [-8.65, 49.86, 1.77, 60.86];

/// `http(s)://host` as the client reached us, for absolute links.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if crate::serve::session::secure(state, headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "every caller builds the href for this link alone"
)]
fn link(href: String, rel: &str, media: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": media, "title": title})
}

/// A JSON answer with its media type.
fn json_answer(media: &'static str, body: &Value) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    (headers, body.to_string()).into_response()
}

/// A GeoJSON answer, with the CRS its coordinates are in.
fn features_answer(body: &Value) -> Response {
    let mut response = json_answer(GEOJSON, body);
    response.headers_mut().insert(
        "content-crs",
        HeaderValue::from_static("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"),
    );
    response
}

/// `GET /ogc`: the landing page.
pub(super) async fn landing(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let pairs = query_pairs(raw.as_deref())?;
    let base = base_url(&state, &headers);
    let links = vec![
        link(format!("{base}/ogc?f=json"), "self", JSON, "This document"),
        link(
            format!("{base}/ogc?f=html"),
            "alternate",
            HTML,
            "This document as HTML",
        ),
        link(
            format!("{base}/ogc/api"),
            "service-desc",
            OPENAPI,
            "The API definition (OpenAPI 3.0)",
        ),
        link(
            format!("{base}/ogc/api?f=html"),
            "service-doc",
            HTML,
            "The API documentation",
        ),
        link(
            format!("{base}/ogc/conformance"),
            "conformance",
            JSON,
            "Conformance classes",
        ),
        link(
            format!("{base}/ogc/conformance"),
            "http://www.opengis.net/def/rel/ogc/1.0/conformance",
            JSON,
            "Conformance classes",
        ),
        link(
            format!("{base}/ogc/collections"),
            "data",
            JSON,
            "Collections",
        ),
        link(
            format!("{base}/ogc/collections"),
            "http://www.opengis.net/def/rel/ogc/1.0/data",
            JSON,
            "Collections",
        ),
    ];
    let body = json!({
        "title": "hotspots: modern-slavery report hot spots",
        "description": "Hot spot layers, reports, premises and town trends as OGC API - Features collections. Sign in with a session, a bearer token, or HTTP Basic (account name and an API token).",
        "links": links,
    });
    Ok(match Format::choose(&pairs, &headers)? {
        Format::Json => json_answer(JSON, &body),
        Format::Html => html::landing(&body).into_response(),
    })
}

/// `GET /ogc/conformance`.
pub(super) async fn conformance(
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let pairs = query_pairs(raw.as_deref())?;
    let body = json!({"conformsTo": CONFORMANCE});
    Ok(match Format::choose(&pairs, &headers)? {
        Format::Json => json_answer(JSON, &body),
        Format::Html => html::conformance(&CONFORMANCE).into_response(),
    })
}

/// `GET /ogc/api`: the OpenAPI 3.0 definition.
pub(super) async fn api_definition(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let pairs = query_pairs(raw.as_deref())?;
    let base = base_url(&state, &headers);
    let document = super::openapi::document(&base);
    Ok(match Format::choose(&pairs, &headers)? {
        Format::Json => json_answer(OPENAPI, &document),
        Format::Html => html::api(&document).into_response(),
    })
}

/// The description of one collection, its links and extent.
fn collection_json(base: &str, collection: Collection, window: &Value, bbox: [f64; 4]) -> Value {
    let id = collection.id();
    let at = format!("{base}/ogc/collections/{id}");
    json!({
        "id": id,
        "title": collection.title(),
        "description": collection.description(),
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {
            "spatial": {"bbox": [bbox], "crs": CRS84},
            "temporal": {"interval": [window], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
        },
        "links": [
            link(at.clone(), "self", JSON, "This collection"),
            link(format!("{at}?f=html"), "alternate", HTML, "This collection as HTML"),
            link(format!("{at}/items"), "items", GEOJSON, "Items as GeoJSON"),
            link(format!("{at}/items?f=html"), "items", HTML, "Items as HTML"),
            link(format!("{at}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA, "Queryables"),
        ],
    })
}

/// The box a collection's items lie in, for a GIS client to frame. A role
/// that sees report points is told the data's own box; any other role that
/// box to a tenth of a degree outwards, as the map page frames it (the
/// outermost reports' exact box says where they are).
async fn spatial_extent(
    state: &AppState,
    viewer: &Viewer,
    collection: Collection,
) -> Result<[f64; 4], AppError> {
    let bounds = state
        .read(move |store| {
            Ok(match collection.layer() {
                Some(layer) => crate::publish::layer_bounds(store, layer)?,
                None => crate::premises::premises_bounds(store)?,
            })
        })
        .await?;
    Ok(match bounds {
        None => UK_BBOX,
        Some(b) if viewer.role.sees_reports() => b.as_array(),
        Some(b) => b.coarse(),
    })
}

/// The period a collection's data covers, as an OGC temporal interval: the
/// reports' first and last days; for a role that reads the release, the
/// whole quarters it answers for; for recorded crime (dated by month) the
/// first day of its first month to the last day of its last.
async fn temporal_extent(
    state: &AppState,
    viewer: &Viewer,
    collection: Collection,
) -> Result<Value, AppError> {
    let release = viewer.role.reads_release_only();
    let (first, last) = state
        .read(move |store| {
            Ok(if collection == Collection::Context {
                let (first, last, _) = store.context_window()?;
                let month_end = |d: chrono::NaiveDate| {
                    d.checked_add_months(chrono::Months::new(1))
                        .and_then(|next| next.pred_opt())
                };
                (first, last.and_then(month_end))
            } else if release {
                crate::publish::released_window(store)?.unzip()
            } else {
                let (first, last, _) = store.data_window(&crate::store::ReportFilter::default())?;
                (first, last)
            })
        })
        .await?;
    let at = |d: Option<chrono::NaiveDate>| {
        d.map_or(Value::Null, |d| Value::from(format!("{d}T00:00:00Z")))
    };
    Ok(json!([at(first), at(last)]))
}

/// `GET /ogc/collections`: those the viewer's role may read.
pub(super) async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> ApiResult<Response> {
    let pairs = query_pairs(raw.as_deref())?;
    let format = Format::choose(&pairs, &headers)?;
    let base = base_url(&state, &headers);
    let mut readable = Vec::new();
    for c in Collection::ALL {
        if c.readable(viewer.role) {
            let bbox = spatial_extent(&state, &viewer, c).await?;
            let window = temporal_extent(&state, &viewer, c).await?;
            readable.push(collection_json(&base, c, &window, bbox));
        }
    }
    let body = json!({
        "crs": [CRS84],
        "links": [
            link(format!("{base}/ogc/collections"), "self", JSON, "This document"),
            link(format!("{base}/ogc/collections?f=html"), "alternate", HTML, "This document as HTML"),
        ],
        "collections": readable,
    });
    Ok(match format {
        Format::Json => json_answer(JSON, &body),
        Format::Html => html::collections(&body, viewer.nav()).into_response(),
    })
}

fn readable_collection(
    id: &str,
    viewer: &Viewer,
    state: &AppState,
) -> Result<Collection, AppError> {
    let collection = Collection::parse(id).ok_or(AppError::NotFound)?;
    viewer.require(state, collection.readable(viewer.role), collection.id())?;
    Ok(collection)
}

/// `GET /ogc/collections/{id}`.
pub(super) async fn collection(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> ApiResult<Response> {
    let pairs = query_pairs(raw.as_deref())?;
    let format = Format::choose(&pairs, &headers)?;
    let collection = readable_collection(&id, &viewer, &state)?;
    let base = base_url(&state, &headers);
    let bbox = spatial_extent(&state, &viewer, collection).await?;
    let window = temporal_extent(&state, &viewer, collection).await?;
    let body = collection_json(&base, collection, &window, bbox);
    Ok(match format {
        Format::Json => json_answer(JSON, &body),
        Format::Html => html::collection(&body, viewer.nav()).into_response(),
    })
}

/// `GET /ogc/collections/{id}/queryables`: a JSON Schema of what a filter may name.
pub(super) async fn queryables(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> ApiResult<Response> {
    let pairs = query_pairs(raw.as_deref())?;
    let format = Format::choose(&pairs, &headers)?;
    let collection = readable_collection(&id, &viewer, &state)?;
    let base = base_url(&state, &headers);
    let mut properties = serde_json::Map::new();
    for q in collection.queryables(viewer.role) {
        let schema = match q.kind {
            Kind::Text => json!({"type": "string"}),
            Kind::Integer => json!({"type": "integer"}),
            Kind::Number => json!({"type": "number"}),
            Kind::Boolean => json!({"type": "boolean"}),
            Kind::Date => json!({"type": "string", "format": "date"}),
            Kind::Object => json!({"type": "object", "additionalProperties": {"type": "integer"}}),
            Kind::TextList => json!({"type": "array", "items": {"type": "string"}}),
            Kind::IntegerList => json!({"type": "array", "items": {"type": "integer"}}),
            Kind::Geometry(format) => json!({"format": format}),
        };
        let mut schema = schema;
        schema["title"] = Value::from(q.title);
        properties.insert(q.name.to_owned(), schema);
    }
    let body = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{base}/ogc/collections/{}/queryables", collection.id()),
        "type": "object",
        "title": collection.title(),
        "properties": properties,
        "additionalProperties": false,
    });
    Ok(match format {
        Format::Json => json_answer(SCHEMA, &body),
        Format::Html => html::queryables(collection.title(), &body, viewer.nav()).into_response(),
    })
}

/// The collection's features under the layer parameters `pairs`, as the
/// viewer's role may see them (the layer's own policy, cache and audit
/// entry), parsed once and kept.
async fn feature_set(
    state: &AppState,
    viewer: &Viewer,
    collection: Collection,
    pairs: &[(String, String)],
    raw: Option<&str>,
) -> Result<(Arc<FeatureSet>, AuditEntry), AppError> {
    let (key, rendered, entry) = if let Some(layer) = collection.layer() {
        let mut pairs = pairs.to_vec();
        pairs.push(("format".into(), "geojson".into()));
        let request = publish::parse(layer, &pairs)?;
        let entry = api::admit(state, viewer, layer, "ogc", layer.as_str().to_owned(), raw)?;
        let etag = api::layer_etag(state, viewer, &request);
        let rendered = api::rendered_layer(state, &etag, &request, viewer).await?;
        (etag, rendered, entry)
    } else {
        viewer.require(state, viewer.role.sees_premises(), "premises")?;
        let request = crate::premises::parse_premises(pairs)?;
        let (key, rendered) = api::premises_answer(state, &request).await?;
        let mut entry = viewer.audit("ogc", "ok");
        entry.target = Some("premises".into());
        entry.detail = raw.map(str::to_owned);
        (key, rendered, entry)
    };
    let ids = collection.id_properties();
    let set = state
        .0
        .feature_sets
        .get_or_compute(&key, async move {
            tokio::task::spawn_blocking(move || FeatureSet::from_geojson(&rendered.body, ids))
                .await?
                .map_err(AppError::internal)
        })
        .await?;
    Ok((set, entry))
}

/// The items URL with `pairs` and `offset` set (for next and prev).
fn items_url(
    base: &str,
    collection: Collection,
    pairs: &[(String, String)],
    offset: Option<usize>,
    f: &str,
) -> String {
    let mut query: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "offset" && k != "f")
        .cloned()
        .collect();
    if let Some(offset) = offset {
        query.push(("offset".into(), offset.to_string()));
    }
    query.push(("f".into(), f.into()));
    format!(
        "{base}/ogc/collections/{}/items?{}",
        collection.id(),
        serde_urlencoded::to_string(&query).unwrap_or_default()
    )
}

/// `GET /ogc/collections/{id}/items`: a page of the features chosen by
/// `bbox`, `datetime`, `filter` and equality parameters.
pub(super) async fn items(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> ApiResult<Response> {
    let pairs = query_pairs(raw.as_deref())?;
    let collection = readable_collection(&id, &viewer, &state)?;
    let request = ItemsRequest::parse(&pairs, &headers, collection, viewer.role)?;
    let (set, mut entry) = feature_set(
        &state,
        &viewer,
        collection,
        &request.layer_pairs,
        raw.as_deref(),
    )
    .await?;
    let chosen = {
        let set = Arc::clone(&set);
        let (bbox, filter) = (request.bbox, request.filter.clone());
        tokio::task::spawn_blocking(move || set.select(bbox.as_ref(), filter.as_ref())).await??
    };
    let page: Vec<&Value> = chosen
        .iter()
        .skip(request.offset)
        .take(request.limit)
        .map(|&i| set.feature(i))
        .collect();
    entry.rows = Some(page.len() as i64);
    state.audit(entry);
    let base = base_url(&state, &headers);
    let (self_f, media) = match request.format {
        Format::Json => ("json", GEOJSON),
        Format::Html => ("html", HTML),
    };
    let mut links = vec![
        link(
            items_url(&base, collection, &pairs, Some(request.offset), self_f),
            "self",
            media,
            "This page",
        ),
        link(
            items_url(&base, collection, &pairs, Some(request.offset), "json"),
            "alternate",
            GEOJSON,
            "This page as GeoJSON",
        ),
        link(
            items_url(&base, collection, &pairs, Some(request.offset), "html"),
            "alternate",
            HTML,
            "This page as HTML",
        ),
        link(
            format!("{base}/ogc/collections/{}", collection.id()),
            "collection",
            JSON,
            "The collection",
        ),
    ];
    if request.offset + page.len() < chosen.len() {
        let next = request.offset + request.limit;
        links.push(link(
            items_url(&base, collection, &pairs, Some(next), self_f),
            "next",
            media,
            "Next page",
        ));
    }
    if request.offset > 0 {
        let prev = request.offset.saturating_sub(request.limit);
        links.push(link(
            items_url(&base, collection, &pairs, Some(prev), self_f),
            "prev",
            media,
            "Previous page",
        ));
    }
    let mut provenance = set.provenance().clone();
    if let Value::Object(p) = &mut provenance {
        p.insert(
            "ogc".into(),
            json!({
                "bbox": request.bbox.map(|b| [b.west, b.south, b.east, b.north]),
                "filter": request.filter.as_ref().map(publish::Filter::text),
                "offset": request.offset,
                "limit": request.limit,
                "selection": "features of the layer's answer for this role; selecting never recomputes a count",
            }),
        );
    }
    let body = json!({
        "type": "FeatureCollection",
        "numberMatched": chosen.len(),
        "numberReturned": page.len(),
        "timeStamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "links": links,
        "features": page,
        "provenance": provenance,
    });
    let mut response = match request.format {
        Format::Json => features_answer(&body),
        Format::Html => html::items(collection.title(), &body, viewer.nav()).into_response(),
    };
    // The links that matter before a body is read, as RFC 8288 headers (a
    // HEAD request finds the queryables).
    let at = format!("{base}/ogc/collections/{}", collection.id());
    let header_links = format!(
        "<{at}/items?f=json>; rel=\"self\"; type=\"{GEOJSON}\", <{at}/items?f=html>; rel=\"alternate\"; type=\"{HTML}\", <{at}/queryables>; rel=\"http://www.opengis.net/def/rel/ogc/1.0/queryables\"; type=\"{SCHEMA}\""
    );
    if let Ok(v) = HeaderValue::from_str(&header_links) {
        response.headers_mut().insert(header::LINK, v);
    }
    Ok(response)
}

/// `GET /ogc/collections/{id}/items/{featureId}`.
pub(super) async fn item(
    State(state): State<AppState>,
    Path((id, feature_id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> ApiResult<Response> {
    let pairs = query_pairs(raw.as_deref())?;
    let format = Format::choose(&pairs, &headers)?;
    let collection = readable_collection(&id, &viewer, &state)?;
    let layer_pairs = ItemsRequest::layer_only(&pairs)?;
    let (set, mut entry) =
        feature_set(&state, &viewer, collection, &layer_pairs, raw.as_deref()).await?;
    let Some(feature) = set.find(&feature_id) else {
        entry.outcome = "not_found".into();
        state.audit(entry);
        return Err(AppError::NotFound.into());
    };
    entry.rows = Some(1);
    entry.target = Some(format!("{}/{feature_id}", collection.id()));
    state.audit(entry);
    let base = base_url(&state, &headers);
    let at = format!(
        "{base}/ogc/collections/{}/items/{}",
        collection.id(),
        html::percent(&feature_id)
    );
    let mut feature = feature.clone();
    feature["links"] = json!([
        link(format!("{at}?f=json"), "self", GEOJSON, "This feature"),
        link(
            format!("{at}?f=html"),
            "alternate",
            HTML,
            "This feature as HTML"
        ),
        link(
            format!("{base}/ogc/collections/{}", collection.id()),
            "collection",
            JSON,
            "The collection"
        ),
    ]);
    Ok(match format {
        Format::Json => features_answer(&feature),
        Format::Html => html::item(collection.title(), &feature, viewer.nav()).into_response(),
    })
}
