use geojson::JsonValue;
use h3o::CellIndex;

use crate::publish::layers::{CellResult, EmergingResult};

use super::*;
use crate::analysis::emerging::{Category, Emerging};

fn some_cells() -> Vec<CellIndex> {
    let london = h3o::LatLng::new(51.5074, -0.1278).expect("valid");
    (0..=15)
        .map(|res| london.to_cell(h3o::Resolution::try_from(res).expect("res")))
        .chain(h3o::CellIndex::base_cells())
        .collect()
}

/// The CSVs come from `Serialize` rows: numbers as they display (`1`,
/// not `1.0`), cells in hex, and a header even when there are no rows.
#[test]
fn csv_rows_are_serialised_with_their_header_even_when_empty() {
    let mut empty = Vec::new();
    cells_csv(&[], &mut empty).expect("write");
    assert_eq!(
        String::from_utf8(empty).expect("utf-8"),
        "h3,lat,lng,count,value,gi_z,p,bin,ring_count\n"
    );
    let mut empty = Vec::new();
    emerging_csv(&[], &mut empty).expect("write");
    assert_eq!(
        String::from_utf8(empty).expect("utf-8"),
        "h3,count,category,trend_z,trend_p,steps,nearest_town,nearest_town_km,nearest_town_direction,ring_count\n"
    );
    let cell = h3o::LatLng::new(52.666, 0.159)
        .expect("ll")
        .to_cell(h3o::Resolution::Eight);
    let row = crate::publish::layers::CellResult {
        cell,
        count: 3,
        value: 1.0,
        gi_z: 2.5,
        p: 0.0125,
        bin: 2,
        ring_count: 9,
        premises: None,
    };
    let mut out = Vec::new();
    cells_csv(&[&row], &mut out).expect("write");
    let centre = h3o::LatLng::from(cell);
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        format!(
            "h3,lat,lng,count,value,gi_z,p,bin,ring_count\n{cell},{:.6},{:.6},3,1,2.5,0.0125,2,9\n",
            centre.lat(),
            centre.lng()
        )
    );
    // With weight=rate the premises column; a column added later comes last.
    let rated = crate::publish::layers::CellResult {
        premises: Some(4),
        ..row
    };
    let mut out = Vec::new();
    cells_csv(&[&rated], &mut out).expect("write");
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        format!(
            "h3,lat,lng,count,value,gi_z,p,bin,premises,ring_count\n{cell},{:.6},{:.6},3,1,2.5,0.0125,2,4,9\n",
            centre.lat(),
            centre.lng()
        )
    );
}

#[test]
fn cell_hex_is_the_display_form() {
    for cell in some_cells() {
        assert_eq!(CellHex::new(cell).as_str(), cell.to_string());
    }
}

/// Written and read back, as the streamed text is (serde_json's number
/// parsing may miss the last digit, the same way for the same text).
fn reparsed(collection: &geojson::FeatureCollection) -> JsonValue {
    serde_json::from_slice(&serde_json::to_vec(collection).unwrap()).unwrap()
}

/// Where two JSON documents first differ (a path), for a readable failure.
fn difference(a: &JsonValue, b: &JsonValue, path: &str) -> Option<String> {
    match (a, b) {
        (JsonValue::Object(x), JsonValue::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(u), Some(v)) => difference(u, v, &format!("{path}.{k}")),
                (u, v) => Some(format!("{path}.{k}: {u:?} vs {v:?}")),
            })
        }
        (JsonValue::Array(x), JsonValue::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, v))| difference(u, v, &format!("{path}[{i}]"))),
        _ => (a != b).then(|| format!("{path}: {a} vs {b}")),
    }
}

/// The streamed layers are the very documents the `geojson` crate builds.
#[test]
fn streamed_cell_layers_equal_the_geojson_crate_documents() {
    let provenance = serde_json::json!({"layer": "test", "n": 3});
    let cells: Vec<CellResult> = some_cells()
        .into_iter()
        .enumerate()
        .map(|(i, cell)| CellResult {
            cell,
            count: i as u64,
            value: i as f64 * 0.5,
            gi_z: if i == 3 {
                f64::NAN
            } else {
                1.0 / (i as f64 + 1.0)
            },
            p: 0.01 * i as f64,
            premises: None,
            bin: i8::try_from(i % 7).expect("small") - 3,
            ring_count: 2 * i as u64,
        })
        .collect();
    let refs: Vec<&CellResult> = cells.iter().collect();
    for with_value in [false, true] {
        let streamed =
            write_cells_geojson(&refs, with_value, provenance.clone(), Vec::new()).unwrap();
        let streamed: JsonValue = serde_json::from_slice(&streamed).unwrap();
        let typed = reparsed(&cells_geojson(&refs, with_value, provenance.clone()));
        assert_eq!(difference(&streamed, &typed, ""), None);
        assert_eq!(
            streamed["features"][3]["properties"]["gi_z"],
            JsonValue::Null
        );
        assert_eq!(
            streamed["features"][1]["properties"].get("value").is_some(),
            with_value
        );
        let parsed: geojson::FeatureCollection = serde_json::from_value(streamed).expect("GeoJSON");
        assert_eq!(parsed.features.len(), cells.len());
    }
    let emerging: Vec<EmergingResult> = some_cells()
        .into_iter()
        .zip(
            [
                Emerging::Hot(Category::New),
                Emerging::Cold(Category::Sporadic),
                Emerging::None,
            ]
            .into_iter()
            .cycle(),
        )
        .map(|(cell, category)| EmergingResult {
            cell,
            count: 4,
            ring_count: 11,
            category,
            trend_z: -1.5,
            trend_p: f64::INFINITY,
            steps: 12,
            nearest_town: Some("Wisbech".into()),
            from_town: Some((1.2, "ne")),
        })
        .collect();
    let streamed = write_emerging_geojson(&emerging, provenance.clone(), Vec::new()).unwrap();
    let streamed: JsonValue = serde_json::from_slice(&streamed).unwrap();
    let typed = reparsed(&emerging_geojson(&emerging, provenance));
    assert_eq!(streamed, typed);
    assert_eq!(
        streamed["features"][1]["properties"]["category"],
        "sporadic_cold"
    );
}
