//! `/api/v1/basemap/{name}`: the offline base map (outline, districts, places).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::layers::{layer_headers, shared_body};
use crate::geo::Gazetteer;
use crate::publish::Rendered;
use crate::serve::error::{ApiResult, AppError};
use crate::serve::http::etag_matches;
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;
use crate::store::Store;

/// Offline base map layers: `outline` (the UK), `districts` (the local-authority
/// districts holding reports, from postcode-derived H3 cells), `places` (towns of
/// 5,000 people or more near the data).
#[utoipa::path(
    get,
    path = "/api/v1/basemap/{name}",
    params(("name" = String, Path, description = "outline, districts or places")),
    responses((status = 200, description = "GeoJSON FeatureCollection", content_type = "application/geo+json"))
)]
pub(super) async fn basemap(
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
                        district_shapes(store)?
                    } else {
                        places_near_data(store)?
                    };
                    serde_json::to_vec(&fc).map_err(AppError::internal)
                })
                .await?;
            Ok::<_, AppError>(Rendered {
                body,
                content_type: "application/geo+json",
                file_name: String::new(),
                rows: 0,
                provenance: None,
            })
        })
        .await?;
    Ok((out, shared_body(cached)).into_response())
}

/// District outlines (dissolved postcode-derived res-7 cells) of the districts with reports.
pub fn district_shapes(store: &Store) -> Result<geojson::FeatureCollection, AppError> {
    let gazetteer = Gazetteer::embedded();
    let solvent = h3o::geom::SolventBuilder::new().build();
    let mut features = Vec::new();
    for code in store.districts_present()? {
        let cells = gazetteer.district_cells(&code);
        if cells.is_empty() {
            continue;
        }
        let Ok(shape) = solvent.dissolve(cells) else {
            continue;
        };
        let mut p = geojson::JsonObject::new();
        p.insert("code".into(), code.clone().into());
        p.insert(
            "name".into(),
            gazetteer.district_name(&code).unwrap_or_default().into(),
        );
        features.push(geojson::Feature {
            bbox: None,
            geometry: Some(crate::publish::multipolygon_geometry(&shape)),
            id: Some(geojson::feature::Id::String(code)),
            properties: Some(p),
            foreign_members: None,
        });
    }
    Ok(geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    })
}

/// Towns (5,000+ people) within the data's extent plus a margin, for map labels.
pub fn places_near_data(store: &Store) -> Result<geojson::FeatureCollection, AppError> {
    let gazetteer = Gazetteer::embedded();
    let features = match store.extent()? {
        None => Vec::new(),
        Some((min_lat, min_lng, max_lat, max_lng)) => gazetteer
            .places
            .iter()
            .filter(|p| p.population >= crate::geo::TOWN_MIN_POPULATION)
            .filter(|p| {
                (min_lat - 0.1..=max_lat + 0.1).contains(&p.lat)
                    && (min_lng - 0.15..=max_lng + 0.15).contains(&p.lng)
            })
            .map(|p| {
                let mut props = geojson::JsonObject::new();
                props.insert("name".into(), p.name.clone().into());
                props.insert("population".into(), p.population.into());
                geojson::Feature {
                    bbox: None,
                    geometry: Some(geojson::Geometry::new_point([p.lng, p.lat])),
                    id: None,
                    properties: Some(props),
                    foreign_members: None,
                }
            })
            .collect(),
    };
    Ok(geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    })
}
