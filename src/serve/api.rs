//! `/api/v1`: layers, towns, report submission, cell detail, base map, OpenAPI.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use axum::extract::{FromRequest, Multipart, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Datelike;
use h3o::CellIndex;
use sha2::{Digest, Sha256};
use utoipa::OpenApi;

use super::auth::Viewer;
use super::error::{ApiResult, AppError};
use super::AppState;
use crate::ingest::Format;
use crate::publish::{self, Layer};
use crate::ingest::{self, Input, LoadOptions};
use crate::publish::Rendered;
use crate::store::{AuditEntry, ReportFilter, StoredReject};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/layers/{layer}", get(layer))
        .route("/api/v1/tiles/{layer}/{z}/{x}/{y}", get(tile))
        .route("/api/v1/towns", get(towns))
        .route("/api/v1/reports", axum::routing::post(post_reports))
        .route("/api/v1/cells", get(cell_detail))
        .route("/api/v1/basemap/{name}", get(basemap))
        .route("/api/v1/openapi.json", get(openapi))
}

/// True when `If-None-Match` names this ETag (or `*`).
pub fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| AppError::bad("query", format!("cannot read the query string: {e}")))
}

/// The layer query parameters, as documented in the OpenAPI document. The parser
/// (`publish::parse`) is the authority; a test checks the two list the same names.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct LayerParams {
    /// H3 resolution 6..9 (default 8).
    res: Option<u8>,
    /// First day included, YYYY-MM-DD.
    from: Option<String>,
    /// Last day included, YYYY-MM-DD.
    to: Option<String>,
    /// Venue types, comma-separated: car_wash, nail_bar, service_station, farm, other.
    venue: Option<String>,
    /// Exploitation types, comma-separated: labour, sexual, criminal, domestic_servitude, unknown.
    exploitation: Option<String>,
    /// Sources, comma-separated.
    source: Option<String>,
    /// Neighbourhood rings 1..3 (default 1).
    k: Option<u32>,
    /// uniform (default), triangular or gaussian.
    kernel: Option<String>,
    /// Benjamini-Hochberg FDR (default true).
    fdr: Option<bool>,
    /// count (default) or risk.
    weight: Option<String>,
    /// Conditional permutations for pseudo p-values, 0..9999 (default 0 = analytical).
    permutations: Option<u32>,
    /// Seed of the permutations.
    seed: Option<u64>,
    /// Study area: local-authority districts (ONS code or name), comma-separated.
    district: Option<String>,
    /// Study area: min_lat,min_lng,max_lat,max_lng.
    bbox: Option<String>,
    /// `emerging`: month (default) or quarter; `towns`: quarter (default), month or year.
    step: Option<String>,
    /// `emerging`: only these categories, comma-separated (new_hot, ..., historical_cold, none).
    category: Option<String>,
    /// `cells`: every study-area cell, zeros included.
    all: Option<bool>,
    /// `towns`: town (default) or district.
    level: Option<String>,
    /// geojson (default; `json` for towns) or csv.
    format: Option<String>,
    /// 1: answer as a file (Content-Disposition).
    download: Option<bool>,
}

/// A layer as GeoJSON (RFC 7946, with a `provenance` member) or CSV.
#[utoipa::path(
    get,
    path = "/api/v1/layers/{layer}",
    params(("layer" = String, Path, description = "cells, hotspots, emerging or reports"), LayerParams),
    responses(
        (status = 200, description = "GeoJSON FeatureCollection or CSV", content_type = "application/geo+json"),
        (status = 304, description = "Not modified (If-None-Match matched the ETag)"),
        (status = 400, description = "A bad or unknown parameter; `error.field` names it"),
        (status = 403, description = "The role may not read this layer"),
    )
)]
async fn layer(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    viewer: Viewer,
) -> ApiResult<Response> {
    let layer = match name.as_str() {
        "cells" => Layer::Cells,
        "hotspots" => Layer::Hotspots,
        "emerging" => Layer::Emerging,
        "reports" => Layer::Reports,
        _ => return Err(AppError::NotFound.into()),
    };
    Ok(serve_layer(&state, layer, raw.as_deref(), &headers, viewer).await?)
}

/// Town (or district) trends: `{"rows": [...], "provenance": {...}}`, or GeoJSON points, or CSV.
#[utoipa::path(
    get,
    path = "/api/v1/towns",
    params(LayerParams),
    responses(
        (status = 200, description = "rows: town, district, period, count, previous, year_before, change, p_change", content_type = "application/json"),
        (status = 400, description = "A bad or unknown parameter"),
    )
)]
async fn towns(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    viewer: Viewer,
) -> ApiResult<Response> {
    Ok(serve_layer(&state, Layer::Towns, raw.as_deref(), &headers, viewer).await?)
}

/// Parses, checks the role, answers 304 or from the cache, else renders.
pub(super) async fn serve_layer(
    state: &AppState,
    layer: Layer,
    raw: Option<&str>,
    headers: &HeaderMap,
    viewer: Viewer,
) -> Result<Response, AppError> {
    let request = publish::parse(layer, &query_pairs(raw)?)?;
    let download = request.download || request.format == publish::OutputFormat::Csv;
    let action = if download { "download" } else { "layer" };
    let mut entry = admit(
        state,
        &viewer,
        layer,
        action,
        layer.as_str().to_owned(),
        raw,
    )?;
    let etag = layer_etag(state, &viewer, &request);
    if etag_matches(headers, &etag) {
        return Ok(not_modified(state, entry, &etag));
    }
    let rendered = rendered_layer(state, &etag, &request, &viewer).await?;
    entry.rows = Some(rendered.rows as i64);
    state.audit(entry);
    let mut out = layer_headers(&etag, Some(rendered.content_type));
    if request.download {
        if let Ok(v) =
            HeaderValue::from_str(&format!("attachment; filename=\"{}\"", rendered.file_name))
        {
            out.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    let (body, encoding) = encoded(state, &etag, rendered, headers).await?;
    if let Some(encoding) = encoding {
        out.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(encoding.as_str()),
        );
    }
    Ok((out, shared_body(body)).into_response())
}

/// The audit entry of a read of `layer` (its query in the detail), or, when the
/// role may not read the layer, the denial audited and a 403.
fn admit(
    state: &AppState,
    viewer: &Viewer,
    layer: Layer,
    action: &str,
    target: String,
    raw: Option<&str>,
) -> Result<AuditEntry, AppError> {
    let mut entry = viewer.audit(action, "ok");
    entry.target = Some(target);
    entry.detail = Some(
        [entry.detail.take(), raw.map(str::to_owned)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
    );
    if viewer.role.may_read(layer) {
        Ok(entry)
    } else {
        entry.outcome = "denied".into();
        state.audit(entry);
        Err(AppError::Forbidden(layer.as_str()))
    }
}

/// A 304 for an `If-None-Match` that named `etag`, audited as such.
fn not_modified(state: &AppState, mut entry: AuditEntry, etag: &str) -> Response {
    entry.outcome = "not_modified".into();
    state.audit(entry);
    (StatusCode::NOT_MODIFIED, layer_headers(etag, None)).into_response()
}

/// The ETag of a layer answer: data version, role and the effective query.
fn layer_etag(state: &AppState, viewer: &Viewer, request: &publish::LayerRequest) -> String {
    format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(format!(
            "{}|{}|{}|{}",
            state.version(),
            viewer.role.as_str(),
            request.layer.as_str(),
            request.canonical
        )))[..24]
    )
}

/// The layer answer for the viewer's role, from the cache or computed once.
async fn rendered_layer(
    state: &AppState,
    etag: &str,
    request: &publish::LayerRequest,
    viewer: &Viewer,
) -> Result<Arc<Rendered>, AppError> {
    let view = state.view(viewer.role);
    let computing = request.clone();
    state
        .0
        .cache
        .get_or_compute(etag, async {
            state
                .read(move |store| Ok(publish::render_view(store, &computing, view)?))
                .await
        })
        .await
}

/// A map tile of a hexagon layer (Mapbox Vector Tile 2.1, one layer named like
/// the API layer), cut from the layer's GeoJSON answer for the viewer's role:
/// the same features and properties (nulls left out), so the same disclosure.
#[utoipa::path(
    get,
    path = "/api/v1/tiles/{layer}/{z}/{x}/{y}",
    params(
        ("layer" = String, Path, description = "cells or emerging"),
        ("z" = u8, Path, description = "zoom 0..16"),
        ("x" = u32, Path, description = "column, 0..2^z"),
        ("y" = u32, Path, description = "row from the north, 0..2^z"),
        LayerParams
    ),
    responses(
        (status = 200, description = "Mapbox Vector Tile", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 304, description = "Not modified (If-None-Match matched the ETag)"),
        (status = 400, description = "A bad or unknown parameter; `error.field` names it"),
        (status = 404, description = "No such layer or tile"),
    )
)]
async fn tile(
    State(state): State<AppState>,
    Path((name, z, x, y)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    viewer: Viewer,
) -> ApiResult<Response> {
    let layer = match name.as_str() {
        "cells" => Layer::Cells,
        "emerging" => Layer::Emerging,
        _ => return Err(AppError::NotFound.into()),
    };
    let (Ok(z), Ok(x), Ok(y)) = (
        z.parse::<u8>(),
        x.parse::<u32>(),
        y.trim_end_matches(".pbf")
            .trim_end_matches(".mvt")
            .parse::<u32>(),
    ) else {
        return Err(AppError::NotFound.into());
    };
    if !crate::publish::tile_exists(z, x, y) {
        return Err(AppError::NotFound.into());
    }
    let request = publish::parse(layer, &query_pairs(raw.as_deref())?)?;
    for (field, given) in [
        ("format", request.format != publish::OutputFormat::GeoJson),
        ("download", request.download),
    ] {
        if given {
            return Err(AppError::bad(
                field,
                "tiles are vector tiles; use the layer endpoint for files",
            )
            .into());
        }
    }
    let target = format!("{} {z}/{x}/{y}", layer.as_str());
    let mut entry = admit(&state, &viewer, layer, "tile", target, raw.as_deref())?;
    let answer_etag = layer_etag(&state, &viewer, &request);
    let etag = format!("\"{}-{z}-{x}-{y}\"", answer_etag.trim_matches('"'));
    if etag_matches(&headers, &etag) {
        return Ok(not_modified(&state, entry, &etag));
    }
    let index = state
        .0
        .tile_indexes
        .get_or_compute(&answer_etag, async {
            let answer = rendered_layer(&state, &answer_etag, &request, &viewer).await?;
            let name = layer.as_str();
            tokio::task::spawn_blocking(move || {
                crate::publish::TileIndex::from_geojson(name, &answer.body)
                    .map_err(AppError::internal)
            })
            .await
            .map_err(AppError::internal)?
        })
        .await?;
    let (bytes, features) = index.tile(z, x, y).map_err(|e| match e {
        crate::publish::TileError::NoSuchTile { .. } => AppError::NotFound,
        // A 404 would read as "no tile" to MapLibre and hide the failure.
        other @ crate::publish::TileError::NotPolygons(_) => AppError::internal(other),
    })?;
    entry.rows = Some(i64::try_from(features).unwrap_or(i64::MAX));
    state.audit(entry);
    let out = layer_headers(&etag, Some("application/vnd.mapbox-vector-tile"));
    Ok((out, bytes).into_response())
}

/// Below this a layer is left to the compression middleware (cheap enough to
/// compress per request).
const PRECOMPRESS_MIN_BYTES: usize = 32 * 1024;

/// A content coding the server stores answers in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Zstd,
    Brotli,
    Gzip,
}

impl Coding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zstd => "zstd",
            Self::Brotli => "br",
            Self::Gzip => "gzip",
        }
    }

    /// Which to pick on equal `q`: the fastest to make, then the smallest.
    fn rank(self) -> u8 {
        match self {
            Self::Zstd => 3,
            Self::Brotli => 2,
            Self::Gzip => 1,
        }
    }

    /// The client's preferred coding among ours (zstd, then brotli, on equal `q`).
    pub fn preferred(headers: &HeaderMap) -> Option<Self> {
        // q-values in thousandths (RFC 9110 allows three decimals), compared exactly.
        let mut best: Option<(u16, Self)> = None;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(text) = value.to_str() else { continue };
            for item in text.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or_default().trim();
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                    .map_or(0, |q| (q.clamp(0.0, 1.0) * 1000.0).round() as u16);
                let coding = match name.to_ascii_lowercase().as_str() {
                    "zstd" => Self::Zstd,
                    "br" => Self::Brotli,
                    "gzip" | "x-gzip" => Self::Gzip,
                    _ => continue,
                };
                let better = match best {
                    None => true,
                    Some((best_q, best_coding)) => {
                        q > best_q || (q == best_q && coding.rank() > best_coding.rank())
                    }
                };
                if q > 0 && better {
                    best = Some((q, coding));
                }
            }
        }
        best.map(|(_, coding)| coding)
    }

    /// Zstandard level 1, brotli quality 2, gzip level 4. On the 6.6 MB cells
    /// layer (one run, this VM): zstd 1 took 22-27 ms for 852 KB, brotli 2
    /// 110 ms for 891 KB (quality 4: slower again for 1% less), gzip 4 155 ms
    /// for 964 KB. A first request for a layer waits for this once; browsers
    /// that send `zstd` (Chromium, Firefox) get the fast one.
    fn compress(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        use std::io::Write as _;
        match self {
            Self::Zstd => zstd::bulk::compress(bytes, 1),
            Self::Brotli => {
                let mut out = Vec::with_capacity(bytes.len() / 8);
                {
                    let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 2, 22);
                    w.write_all(bytes)?;
                    w.flush()?;
                }
                Ok(out)
            }
            Self::Gzip => {
                let mut w = flate2::write::GzEncoder::new(
                    Vec::with_capacity(bytes.len() / 6),
                    flate2::Compression::new(4),
                );
                w.write_all(bytes)?;
                w.finish()
            }
        }
    }
}

/// The answer in the client's preferred coding, compressed once and kept in the
/// layer cache beside the plain bytes: compressing a 6 MB layer took longer
/// (~120 ms) than finding it in the cache (~30 µs).
async fn encoded(
    state: &AppState,
    etag: &str,
    rendered: Arc<Rendered>,
    headers: &HeaderMap,
) -> Result<(Arc<Rendered>, Option<Coding>), AppError> {
    let Some(coding) = Coding::preferred(headers) else {
        return Ok((rendered, None));
    };
    if rendered.body.len() < PRECOMPRESS_MIN_BYTES {
        return Ok((rendered, None));
    }
    let key = format!("{etag}|{}", coding.as_str());
    let compressed = state
        .0
        .cache
        .get_or_compute(&key, async {
            let plain = Arc::clone(&rendered);
            let body = tokio::task::spawn_blocking(move || coding.compress(&plain.body))
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::internal)?;
            Ok::<_, AppError>(Rendered {
                body,
                ..(*rendered).clone()
            })
        })
        .await?;
    Ok((compressed, Some(coding)))
}

/// Headers of a computed answer: its ETag, no shared caching (this is
/// intelligence; revalidating is cheap with the ETag), and its content type.
fn layer_headers(etag: &str, content_type: Option<&'static str>) -> HeaderMap {
    let mut out = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(etag) {
        out.insert(header::ETAG, v);
    }
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    out.insert(
        header::VARY,
        HeaderValue::from_static("Cookie, Authorization, Accept-Encoding"),
    );
    if let Some(content_type) = content_type {
        out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    out
}

/// A cached answer's bytes as a response body without copying them.
struct SharedBody(Arc<Rendered>);

impl AsRef<[u8]> for SharedBody {
    fn as_ref(&self) -> &[u8] {
        &self.0.body
    }
}

fn shared_body(rendered: Arc<Rendered>) -> axum::body::Bytes {
    axum::body::Bytes::from_owner(SharedBody(rendered))
}

/// What a submission did.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SubmitSummary {
    pub file: String,
    pub read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub rejects: Vec<RejectJson>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RejectJson {
    pub line: u64,
    pub field: String,
    pub reason: String,
}

/// Loads one body through the same ingest path as `hotspots ingest`.
pub(super) async fn ingest_bytes(
    state: &AppState,
    name: String,
    format: Format,
    body: Vec<u8>,
    default_source: String,
) -> Result<SubmitSummary, AppError> {
    state
        .write(move |store| {
            let options = LoadOptions {
                format: Some(format),
                default_source: Some(default_source),
                no_rejects_file: true,
                ..LoadOptions::default()
            };
            let input = Input::Reader {
                name: name.clone(),
                reader: Box::new(std::io::Cursor::new(body)),
            };
            let summary = ingest::load(store, input, &options, None).map_err(|e| match e {
                ingest::PipelineError::Ingest(e) => AppError::bad("body", e.to_string()),
                other => AppError::internal(other),
            })?;
            let mut rejects = Vec::new();
            store.rejects_for_run(summary.counts.run_id, |r: StoredReject| {
                rejects.push(RejectJson {
                    line: r.line,
                    field: r.field,
                    reason: r.reason,
                });
            })?;
            Ok(SubmitSummary {
                file: name,
                read: summary.counts.read,
                stored: summary.counts.stored,
                duplicates: summary.counts.duplicates,
                rejected: summary.counts.rejected,
                rejects,
            })
        })
        .await
}

/// Submit reports: a JSON object or array (line = position in the array), CSV,
/// JSON Lines or GeoJSON by `Content-Type`, or a `multipart/form-data` upload
/// (field `file`, format from its name). Answers the ingest summary and the rejects.
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    params(("source" = Option<String>, Query, description = "source for rows without one (default `api`)")),
    request_body(content = String, description = "application/json (object or array), text/csv, application/x-ndjson, application/geo+json, or multipart/form-data with a `file` field"),
    responses(
        (status = 200, description = "Summary: read = stored + duplicates + rejected", body = SubmitSummary),
        (status = 422, description = "Every row was rejected", body = SubmitSummary),
        (status = 400, description = "The body cannot be read at all"),
    )
)]
async fn post_reports(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> ApiResult<Response> {
    // A browser session must prove the request came from our pages; a bearer
    // token is never sent by a browser on its own, so it needs no CSRF token.
    if viewer.token_id.is_none() {
        viewer.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    }
    let mut source = "api".to_owned();
    for (k, v) in query_pairs(raw.as_deref())? {
        match k.as_str() {
            "source" if !v.trim().is_empty() => source = crate::model::normalise_word(&v),
            "source" => {}
            other => {
                return Err(AppError::bad(other, "unknown parameter (accepted: source)").into())
            }
        }
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (name, format, body) = if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|e| AppError::bad("body", e.body_text()))?;
        let mut file = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| AppError::bad("file", e.body_text()))?
        {
            match field.name() {
                Some("file") => {
                    let name = field.file_name().unwrap_or("upload.csv").to_owned();
                    let format = Format::from_path(&name).ok_or_else(|| {
                        AppError::bad(
                            "file",
                            format!("{name}: unknown format (use .csv, .jsonl, .geojson)"),
                        )
                    })?;
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| AppError::bad("file", e.body_text()))?;
                    file = Some((name, format, bytes.to_vec()));
                }
                Some("source") => {
                    let v = field
                        .text()
                        .await
                        .map_err(|e| AppError::bad("source", e.body_text()))?;
                    if !v.trim().is_empty() {
                        source = crate::model::normalise_word(&v);
                    }
                }
                Some(other) => {
                    return Err(AppError::bad(other, "unknown form field (file, source)").into())
                }
                None => {}
            }
        }
        file.ok_or_else(|| AppError::bad("file", "no file in the upload"))?
    } else {
        let bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
            .await
            .map_err(|_| AppError::TooLarge)?;
        let essence = content_type.split(';').next().unwrap_or("").trim();
        match essence {
            "application/json" => {
                let value: serde_json::Value = serde_json::from_slice(&bytes)
                    .map_err(|e| AppError::bad("body", format!("not JSON: {e}")))?;
                let items = match value {
                    serde_json::Value::Array(items) => items,
                    object @ serde_json::Value::Object(_) => vec![object],
                    _ => return Err(AppError::bad("body", "expected a report object or an array of them").into()),
                };
                let mut jsonl = Vec::new();
                for item in &items {
                    serde_json::to_writer(&mut jsonl, item).map_err(AppError::internal)?;
                    jsonl.push(b'\n');
                }
                ("api.json".to_owned(), Format::Jsonl, jsonl)
            }
            "text/csv" => ("api.csv".to_owned(), Format::Csv, bytes.to_vec()),
            "application/x-ndjson" | "application/jsonl" | "application/json-lines" => {
                ("api.jsonl".to_owned(), Format::Jsonl, bytes.to_vec())
            }
            "application/geo+json" => ("api.geojson".to_owned(), Format::Geojson, bytes.to_vec()),
            other => {
                return Err(AppError::bad(
                    "Content-Type",
                    format!("{other:?} is not application/json, text/csv, application/x-ndjson, application/geo+json or multipart/form-data"),
                )
                .into())
            }
        }
    };
    let summary = ingest_bytes(&state, name, format, body, source).await?;
    let mut entry = viewer.audit("submit", "ok");
    entry.target = Some(summary.file.clone());
    entry.rows = Some(summary.stored as i64);
    entry.detail = Some(format!(
        "read {} stored {} duplicates {} rejected {}",
        summary.read, summary.stored, summary.duplicates, summary.rejected
    ));
    state.audit(entry);
    let status = if summary.read > 0 && summary.rejected == summary.read {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(summary)).into_response())
}

/// Most cells one detail request may name.
const MAX_DETAIL_CELLS: usize = 2_000;
/// Most reports listed in one detail answer (the newest first).
const MAX_DETAIL_REPORTS: usize = 200;

/// Detail of one cell or a hotspot area's cells: counts by venue and indicator,
/// a monthly series, and (role permitting) the reports.
#[utoipa::path(
    get,
    path = "/api/v1/cells",
    params(
        ("h3" = String, Query, description = "H3 cells (hex), comma-separated, all at one resolution 6..9"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("venue" = Option<String>, Query), ("exploitation" = Option<String>, Query), ("source" = Option<String>, Query),
    ),
    responses((status = 200, description = "counts, venues, indicators, monthly, reports (role permitting)"), (status = 400, description = "bad cells or filters"))
)]
async fn cell_detail(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> ApiResult<Json<serde_json::Value>> {
    let mut pairs = query_pairs(raw.as_deref())?;
    let mut cells_text = None;
    pairs.retain(|(k, v)| {
        if k == "h3" {
            cells_text = Some(v.clone());
            false
        } else {
            true
        }
    });
    let cells_text = cells_text.ok_or_else(|| AppError::bad("h3", "give one or more H3 cells"))?;
    let cells: Vec<CellIndex> = cells_text
        .split(',')
        .map(|c| {
            c.trim()
                .parse::<CellIndex>()
                .map_err(|_| AppError::bad("h3", format!("{c:?} is not an H3 cell")))
        })
        .collect::<Result<_, _>>()?;
    if cells.is_empty() || cells.len() > MAX_DETAIL_CELLS {
        return Err(AppError::bad("h3", format!("give 1 to {MAX_DETAIL_CELLS} cells")).into());
    }
    let res = u8::from(cells[0].resolution());
    if !(6..=9).contains(&res) || cells.iter().any(|c| u8::from(c.resolution()) != res) {
        return Err(AppError::bad("h3", "all cells must have one resolution from 6 to 9").into());
    }
    // The filters are the reports layer's (venue, dates, ...): one parser for both.
    let request = publish::parse(Layer::Reports, &pairs)?;
    if request.format != publish::OutputFormat::GeoJson || request.download {
        return Err(AppError::bad("format", "not accepted here").into());
    }
    let mut entry = viewer.audit("report_detail", "ok");
    entry.target = Some(cells_text.chars().take(200).collect());
    entry.detail = raw.clone();
    if !viewer.role.sees_cell_detail() {
        entry.outcome = "denied".into();
        state.audit(entry);
        return Err(AppError::Forbidden("cell detail").into());
    }
    let filter = ReportFilter {
        cells: Some((res, cells.iter().map(|c| u64::from(*c)).collect())),
        ..request.query.filter
    };
    let role = viewer.role;
    let body = state
        .read(move |store| {
            let mut count = 0u64;
            let mut venues: BTreeMap<String, u64> = BTreeMap::new();
            let mut indicators: BTreeMap<String, u64> = BTreeMap::new();
            let mut monthly: BTreeMap<String, u64> = BTreeMap::new();
            let mut reports = Vec::new();
            store.for_each_report(&filter, |r| {
                count += 1;
                *venues.entry(r.venue_type.clone()).or_default() += 1;
                for i in r.indicators.split(';').filter(|s| !s.is_empty()) {
                    *indicators.entry(i.to_owned()).or_default() += 1;
                }
                *monthly
                    .entry(format!("{}-{:02}", r.observed_on.year(), r.observed_on.month()))
                    .or_default() += 1;
                if role.sees_reports() {
                    let mut item = serde_json::json!({
                        "source": r.source,
                        "report_id": r.report_id,
                        "observed_on": r.observed_on.to_string(),
                        "venue_type": r.venue_type,
                        "venue_name": r.venue_name,
                        "exploitation_type": r.exploitation_type,
                        "indicators": r.indicators.split(';').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
                        "geocode_method": r.geocode_method,
                        "precision_m": r.precision_m,
                    });
                    if role.sees_notes() {
                        item["notes"] = r.notes.clone().into();
                    }
                    reports.push(item);
                }
            })?;
            // Newest first, and only so many.
            reports.reverse();
            let listed = reports.len().min(MAX_DETAIL_REPORTS);
            reports.truncate(MAX_DETAIL_REPORTS);
            let mut body = serde_json::json!({
                "cells": cells.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "res": res,
                "count": count,
                "venues": venues,
                "indicators": indicators,
                "monthly": monthly.into_iter().map(|(m, n)| serde_json::json!({"month": m, "count": n})).collect::<Vec<_>>(),
            });
            if role.sees_reports() {
                body["reports"] = reports.into();
                body["reports_listed"] = listed.into();
            }
            Ok(body)
        })
        .await?;
    entry.rows = body["reports_listed"].as_i64();
    state.audit(entry);
    Ok(Json(body))
}

/// Offline base map layers: `outline` (the UK), `districts` (the local-authority
/// districts holding reports, from postcode-derived H3 cells), `places` (towns of
/// 5,000 people or more near the data).
#[utoipa::path(
    get,
    path = "/api/v1/basemap/{name}",
    params(("name" = String, Path, description = "outline, districts or places")),
    responses((status = 200, description = "GeoJSON FeatureCollection", content_type = "application/geo+json"))
)]
async fn basemap(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if !matches!(name.as_str(), "outline" | "districts" | "places") {
        return Err(AppError::NotFound.into());
    }
    let version = state.version();
    let etag = format!("\"basemap-{name}-{version}\"");
    let out = layer_headers(&etag, Some("application/geo+json"));
    if etag_matches(&headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, out).into_response());
    }
    if name == "outline" {
        return Ok((out, crate::geo::UK_OUTLINE_GEOJSON).into_response());
    }
    let cached = state
        .0
        .cache
        .get_or_compute(&etag, async {
            let body = state
                .read(move |store| {
                    let fc = if name == "districts" {
                        super::pages::district_shapes(store)?
                    } else {
                        super::pages::places_near_data(store)?
                    };
                    serde_json::to_vec(&fc).map_err(AppError::internal)
                })
                .await?;
            Ok::<_, AppError>(Rendered {
                body,
                content_type: "application/geo+json",
                file_name: String::new(),
                rows: 0,
            })
        })
        .await?;
    Ok((out, shared_body(cached)).into_response())
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hotspots",
        description = "Hotspot intelligence for UK modern-slavery reports: Gi* hot spots with FDR, hotspot areas, emerging hot spots, town trends. Errors answer {\"error\": {\"code\", \"message\", \"field\"}}."
    ),
    paths(layer, tile, towns, post_reports, cell_detail, basemap, openapi)
)]
struct ApiDoc;

/// The OpenAPI document of this API, generated from the handlers.
#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document")))]
async fn openapi() -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| {
        let mut api = ApiDoc::openapi();
        env!("CARGO_PKG_VERSION").clone_into(&mut api.info.version);
        api.to_json().unwrap_or_default()
    });
    ([(header::CONTENT_TYPE, "application/json")], doc.clone()).into_response()
}
