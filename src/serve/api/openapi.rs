//! `/api/v1/openapi.json`: the OpenAPI document, generated from the handlers.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hotspots",
        description = "Hotspot intelligence for UK modern-slavery reports: Gi* hot spots with FDR, hotspot areas, emerging hot spots, town trends. Errors answer {\"error\": {\"code\", \"message\", \"field\"}}."
    ),
    paths(
        super::layers::layer,
        super::tiles::tile,
        super::layers::towns,
        super::reports::post_reports,
        super::cells::cell_detail,
        super::basemap::basemap,
        super::premises::premises_list,
        super::premises::post_outcomes,
        super::premises::outcome_summary,
        openapi
    )
)]
struct ApiDoc;

/// The OpenAPI document of this API, generated from the handlers.
#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub(super) async fn openapi() -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| {
        let mut api = ApiDoc::openapi();
        env!("CARGO_PKG_VERSION").clone_into(&mut api.info.version);
        let generated = serde_json::to_value(&api).unwrap_or_default();
        super::contract::complete(generated).to_string()
    });
    ([(header::CONTENT_TYPE, "application/json")], doc.clone()).into_response()
}
