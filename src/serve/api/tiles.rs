//! `/api/v1/tiles/{layer}/{z}/{x}/{y}`: map tiles cut from the layer answer.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::layers::{admit, layer_etag, layer_headers, not_modified, rendered_layer, LayerParams};
use crate::publish;
use crate::publish::Layer;
use crate::serve::error::{ApiResult, AppError};
use crate::serve::http::etag_matches;
use crate::serve::query::query_pairs;
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;
use sha2::Digest as _;

/// A map tile of a hexagon layer (Mapbox Vector Tile 2.1, one layer named like
/// the API layer), cut from the layer's GeoJSON answer for the viewer's role:
/// the same features and properties (nulls left out), so the same disclosure.
#[utoipa::path(
    get,
    path = "/api/v1/tiles/{layer}/{z}/{x}/{y}",
    params(
        ("layer" = String, Path, description = "cells, emerging, hotspots, reports, context or premises"),
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
pub(super) async fn tile(
    State(state): State<AppState>,
    Path((name, z, x, y)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    viewer: Viewer,
) -> ApiResult<Response> {
    let layer = match name.as_str() {
        "cells" => Layer::Cells,
        "emerging" => Layer::Emerging,
        "hotspots" => Layer::Hotspots,
        "reports" => Layer::Reports,
        "context" => Layer::Context,
        "premises" => {
            return Ok(premises_tile(&state, &z, &x, &y, raw.as_deref(), &headers, viewer).await?)
        }
        _ => return Err(AppError::NotFound.into()),
    };
    let (z, x, y) = tile_address(&z, &x, &y)?;
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
    if layer == Layer::Reports {
        let (bytes, features) =
            report_tile(&state, &viewer, &answer_etag, &request, (z, x, y)).await?;
        entry.rows = Some(i64::try_from(features).unwrap_or(i64::MAX));
        state.audit(entry);
        let out = layer_headers(&etag, Some("application/vnd.mapbox-vector-tile"));
        return Ok((out, bytes).into_response());
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
    let (bytes, features) = index.tile(z, x, y).map_err(tile_error)?;
    entry.rows = Some(i64::try_from(features).unwrap_or(i64::MAX));
    state.audit(entry);
    let out = layer_headers(&etag, Some("application/vnd.mapbox-vector-tile"));
    Ok((out, bytes).into_response())
}

/// A tile of report points, cut from the store (`publish::report_tile`): the
/// positions of the query's reports are indexed once per answer (kept with the
/// other tile indexes), and a tile small enough to hold its points reads them,
/// with the properties the role's reports layer gives them, from the store.
async fn report_tile(
    state: &AppState,
    viewer: &Viewer,
    answer_etag: &str,
    request: &publish::LayerRequest,
    address: (u8, u32, u32),
) -> Result<(Vec<u8>, usize), AppError> {
    let filter = request.query.filter.clone();
    let positions = state
        .0
        .tile_indexes
        .get_or_compute(&format!("{answer_etag}:positions"), {
            let filter = filter.clone();
            state.read(move |store| Ok(publish::report_positions(store, &filter)?))
        })
        .await?;
    let detail = state.view(viewer.role).detail;
    state
        .read(move |store| {
            Ok(publish::report_tile(
                store, &filter, detail, &positions, address,
            )?)
        })
        .await
}

fn tile_error(e: crate::publish::TileError) -> AppError {
    match e {
        crate::publish::TileError::NoSuchTile { .. } => AppError::NotFound,
        // A 404 would read as "no tile" to MapLibre and hide the failure.
        other @ crate::publish::TileError::NotPolygons(_) => AppError::internal(other),
    }
}

/// `z`, `x`, `y` of a tile path (`y` may end `.pbf` or `.mvt`), or a 404.
fn tile_address(z: &str, x: &str, y: &str) -> Result<(u8, u32, u32), AppError> {
    let (Ok(z), Ok(x), Ok(y)) = (
        z.parse::<u8>(),
        x.parse::<u32>(),
        y.trim_end_matches(".pbf")
            .trim_end_matches(".mvt")
            .parse::<u32>(),
    ) else {
        return Err(AppError::NotFound);
    };
    if crate::publish::tile_exists(z, x, y) {
        Ok((z, x, y))
    } else {
        Err(AppError::NotFound)
    }
}

/// A tile of the repeat-premises list (analysts and up), cut from its answer.
async fn premises_tile(
    state: &AppState,
    z: &str,
    x: &str,
    y: &str,
    raw: Option<&str>,
    headers: &HeaderMap,
    viewer: Viewer,
) -> Result<Response, AppError> {
    let (z, x, y) = tile_address(z, x, y)?;
    viewer.require(state, viewer.role.sees_premises(), "premises")?;
    let request = crate::premises::parse_premises(&query_pairs(raw)?)?;
    if request.format != crate::premises::PremisesFormat::GeoJson || request.download {
        return Err(AppError::bad(
            "format",
            "tiles are vector tiles; use the premises endpoint for files",
        ));
    }
    let (key, answer) = super::premises::premises_answer(state, &request).await?;
    let etag = format!(
        "\"{}-{z}-{x}-{y}\"",
        &hex::encode(sha2::Sha256::digest(format!(
            "{key}|{}",
            viewer.role.as_str()
        )))[..24]
    );
    let mut entry = viewer.audit("tile", "ok");
    entry.target = Some(format!("premises {z}/{x}/{y}"));
    entry.detail = raw.map(str::to_owned);
    if etag_matches(headers, &etag) {
        return Ok(not_modified(state, entry, &etag));
    }
    let index = state
        .0
        .tile_indexes
        .get_or_compute(&key, async {
            tokio::task::spawn_blocking(move || {
                crate::publish::TileIndex::from_geojson("premises", &answer.body)
                    .map_err(AppError::internal)
            })
            .await
            .map_err(AppError::internal)?
        })
        .await?;
    let (bytes, features) = index.tile(z, x, y).map_err(tile_error)?;
    entry.rows = Some(i64::try_from(features).unwrap_or(i64::MAX));
    state.audit(entry);
    let out = layer_headers(&etag, Some("application/vnd.mapbox-vector-tile"));
    Ok((out, bytes).into_response())
}
