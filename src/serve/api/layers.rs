//! `/api/v1/layers/{layer}` and `/api/v1/towns`: layer answers with ETags, the
//! role policy, the layer cache and precompressed copies.

// utoipa's `IntoParams` derive builds the parameter list below as one array on
// the stack (once, for the OpenAPI document); with serde_json's
// `preserve_order` (which cql2 turns on) it passes clippy's size threshold.
#![allow(clippy::large_stack_arrays)]

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::publish;
use crate::publish::{Layer, Rendered};
use crate::serve::error::{ApiResult, AppError};
use crate::serve::http::{etag_matches, Coding};
use crate::serve::query::query_pairs;
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;
use crate::store::AuditEntry;

/// The layer query parameters, as documented in the OpenAPI document. The parser
/// (`publish::parse`) is the authority; a test checks the two list the same names.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(super) struct LayerParams {
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
    /// What a cell counts: reports (default), incidents (reports of one premises
    /// at most 7 days apart count once) or premises (each reported premises once).
    unit: Option<String>,
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
    /// `context`: police.uk crime types, comma-separated.
    crime_type: Option<String>,
    /// geojson (default; `json` for towns), csv, gpkg (GeoPackage) or parquet (GeoParquet).
    format: Option<String>,
    /// 1: answer as a file (Content-Disposition); a CSV comes zipped with its provenance.json.
    download: Option<bool>,
}

/// A layer as GeoJSON (RFC 7946, with a `provenance` member) or CSV.
#[utoipa::path(
    get,
    path = "/api/v1/layers/{layer}",
    params(("layer" = String, Path, description = "cells, hotspots, emerging, reports or context"), LayerParams),
    responses(
        (status = 200, description = "GeoJSON FeatureCollection or CSV", content_type = "application/geo+json"),
        (status = 304, description = "Not modified (If-None-Match matched the ETag)"),
        (status = 400, description = "A bad or unknown parameter; `error.field` names it"),
        (status = 403, description = "The role may not read this layer"),
    )
)]
pub(super) async fn layer(
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
        "context" => Layer::Context,
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
        (status = 200, description = "rows: town, district, period, count, complete (false for a period still running or cut by `to`: no change or tests), previous, year_before, change, p_change, q_change (adjusted for the period's other areas)", content_type = "application/json"),
        (status = 400, description = "A bad or unknown parameter"),
    )
)]
pub(super) async fn towns(
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
    // Files rather than answers to read: audited as downloads, and whole
    // files (GeoPackage, GeoParquet) always saved as one.
    let file = matches!(
        request.format,
        publish::OutputFormat::GeoPackage | publish::OutputFormat::GeoParquet
    );
    let download = request.download || file || request.format == publish::OutputFormat::Csv;
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
    if request.download || file {
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
pub(crate) fn admit(
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
pub(super) fn not_modified(state: &AppState, mut entry: AuditEntry, etag: &str) -> Response {
    entry.outcome = "not_modified".into();
    state.audit(entry);
    (StatusCode::NOT_MODIFIED, layer_headers(etag, None)).into_response()
}

/// The ETag of a layer answer: data version, role and the effective query.
pub(crate) fn layer_etag(
    state: &AppState,
    viewer: &Viewer,
    request: &publish::LayerRequest,
) -> String {
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
pub(crate) async fn rendered_layer(
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

/// Below this a layer is left to the compression middleware (cheap enough to
/// compress per request).
const PRECOMPRESS_MIN_BYTES: usize = 32 * 1024;

/// The answer in the client's preferred coding, compressed once and kept in the
/// layer cache beside the plain bytes: compressing a 6 MB layer took longer
/// (~120 ms) than finding it in the cache (~30 µs).
pub(super) async fn encoded(
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
pub(super) fn layer_headers(etag: &str, content_type: Option<&'static str>) -> HeaderMap {
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

pub(super) fn shared_body(rendered: Arc<Rendered>) -> axum::body::Bytes {
    axum::body::Bytes::from_owner(SharedBody(rendered))
}
