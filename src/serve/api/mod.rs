//! `/api/v1`: layers, tiles, towns, report submission, cell detail, base map, OpenAPI.

mod basemap;
mod cells;
mod layers;
mod openapi;
mod reports;
mod tiles;

use axum::routing::get;
use axum::Router;

use super::state::AppState;

pub(crate) use reports::ingest_bytes;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/layers/{layer}", get(layers::layer))
        .route("/api/v1/tiles/{layer}/{z}/{x}/{y}", get(tiles::tile))
        .route("/api/v1/towns", get(layers::towns))
        .route(
            "/api/v1/reports",
            axum::routing::post(reports::post_reports),
        )
        .route("/api/v1/cells", get(cells::cell_detail))
        .route("/api/v1/basemap/{name}", get(basemap::basemap))
        .route("/api/v1/openapi.json", get(openapi::openapi))
}
