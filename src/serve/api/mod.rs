//! `/api/v1`: layers, tiles, towns, report submission, cell detail, base map, OpenAPI.

mod basemap;
mod cells;
mod contract;
mod layers;
mod openapi;
mod premises;
mod reports;
mod tiles;

use axum::routing::get;
use axum::Router;

use super::state::AppState;

pub(crate) use contract::parameter_schema;
pub(crate) use layers::{admit, layer_etag, rendered_layer};
pub(crate) use premises::{
    import_register, premises_answer, record_outcomes, summary_query, Register,
};
pub(crate) use reports::{ingest_archive, ingest_bytes, read_upload, Submission, UploadedFile};

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
        .route("/api/v1/premises", get(premises::premises_list))
        .route(
            "/api/v1/outcomes",
            axum::routing::post(premises::post_outcomes),
        )
        .route("/api/v1/outcomes/summary", get(premises::outcome_summary))
        .route("/api/v1/basemap/{name}", get(basemap::basemap))
        .route("/api/v1/openapi.json", get(openapi::openapi))
}
