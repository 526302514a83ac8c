//! OGC API – Features under `/ogc` (Part 1 Core with GeoJSON and HTML, Part 3
//! Filtering with CQL2), so that QGIS, GDAL and ArcGIS read every layer as a
//! live, filtered collection. Each collection answers as its layer does for
//! the caller's role: the same policy, cache and audit (`api`), its features
//! then chosen by `publish::FeatureSet`.

mod collections;
mod handlers;
mod html;
mod openapi;
mod params;

use axum::routing::get;
use axum::Router;

use super::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(handlers::landing))
        .route("/ogc/", get(handlers::landing))
        .route("/ogc/conformance", get(handlers::conformance))
        .route("/ogc/api", get(handlers::api_definition))
        .route("/ogc/collections", get(handlers::collections))
        .route("/ogc/collections/{id}", get(handlers::collection))
        .route(
            "/ogc/collections/{id}/queryables",
            get(handlers::queryables),
        )
        .route("/ogc/collections/{id}/items", get(handlers::items))
        .route(
            "/ogc/collections/{id}/items/{feature_id}",
            get(handlers::item),
        )
}
