//! Tiles for every extent: a national view of res-8 cells is complete
//! (aggregated to the coarser cells that can be drawn, adding up to the
//! layer), report points and hotspot areas are all in their tiles at any zoom,
//! and no tile passes 500 KB. Expected values are made here from the layers'
//! GeoJSON answers, with h3o for the parents.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use hotspots::model::Role;
use hotspots::serve::router;
use mvt_reader::feature::Value as TileValue;
use serde_json::Value;

use crate::support::router::{decode_tile, demo, send, Answer, TileFeature};

async fn get(uri: &str, role: Role) -> Answer {
    let request = Request::get(uri)
        .header(
            header::COOKIE,
            format!("hs_session=session-{}", role.as_str()),
        )
        .body(Body::empty())
        .expect("request");
    let answer = send(router(demo().0.clone()), request).await;
    assert_eq!(answer.status, StatusCode::OK, "{uri}");
    answer
}

fn unit_mercator(lon: f64, lat: f64) -> (f64, f64) {
    let y = (1.0
        - (lat.to_radians().tan() + 1.0 / lat.to_radians().cos()).ln() / std::f64::consts::PI)
        / 2.0;
    ((lon + 180.0) / 360.0, y)
}

/// Every position of a GeoJSON geometry.
fn positions(v: &Value, out: &mut Vec<(f64, f64)>) {
    match v {
        Value::Array(items) if items.len() >= 2 && items[0].is_number() => {
            out.push((
                items[0].as_f64().expect("lon"),
                items[1].as_f64().expect("lat"),
            ));
        }
        Value::Array(items) => items.iter().for_each(|i| positions(i, out)),
        _ => {}
    }
}

/// Every tile of zoom `z` over the features of `answer`, decoded, each
/// checked to be at most 500 KB.
async fn tiles_over(
    answer: &Value,
    layer: &str,
    query: &str,
    z: u8,
    role: Role,
) -> Vec<TileFeature> {
    let mut points = Vec::new();
    for f in answer["features"].as_array().expect("features") {
        positions(&f["geometry"]["coordinates"], &mut points);
    }
    let scale = f64::from(1u32 << z);
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (lon, lat) in points {
        let (x, y) = unit_mercator(lon, lat);
        let (tx, ty) = ((x * scale) as u32, (y * scale) as u32);
        (x0, y0, x1, y1) = (x0.min(tx), y0.min(ty), x1.max(tx), y1.max(ty));
    }
    let mut out = Vec::new();
    for tx in x0..=x1 {
        for ty in y0..=y1 {
            let a = get(
                &format!("/api/v1/tiles/{layer}/{z}/{tx}/{ty}?{query}"),
                role,
            )
            .await;
            assert!(
                a.body.len() <= hotspots::publish::MAX_TILE_BYTES,
                "{layer} {z}/{tx}/{ty}: {} bytes",
                a.body.len()
            );
            out.extend(decode_tile(&a.body));
        }
    }
    out
}

fn int(props: &std::collections::HashMap<String, TileValue>, key: &str) -> Option<i64> {
    match props.get(key)? {
        TileValue::SInt(i) | TileValue::Int(i) => Some(*i),
        TileValue::UInt(u) => i64::try_from(*u).ok(),
        other => panic!("{key}: {other:?}"),
    }
}

fn text(props: &std::collections::HashMap<String, TileValue>, key: &str) -> String {
    match props.get(key) {
        Some(TileValue::String(s)) => s.clone(),
        other => panic!("{key}: {other:?}"),
    }
}

#[tokio::test]
async fn a_national_view_of_res_8_cells_is_complete() {
    for role in [Role::Analyst, Role::Partnership] {
        let answer = get("/api/v1/layers/cells?res=8", role).await.json();
        // (features, count, bin) per parent, made here from the layer.
        let z = 5;
        let res = hotspots::publish::zoom_resolution(z);
        assert!(res < 8, "zoom {z} draws res {res}");
        let resolution = h3o::Resolution::try_from(res).expect("res");
        let mut expected: BTreeMap<String, (i64, Option<i64>, i64)> = BTreeMap::new();
        for f in answer["features"].as_array().expect("features") {
            let p = &f["properties"];
            let cell: h3o::CellIndex = p["h3"].as_str().expect("h3").parse().expect("cell");
            let parent = cell.parent(resolution).expect("parent").to_string();
            let e = expected.entry(parent).or_insert((0, Some(0), 0));
            e.0 += 1;
            let withheld = p["count"].is_null() || p["suppressed"].as_bool() == Some(true);
            e.1 = match (e.1, p["count"].as_i64()) {
                (Some(a), Some(b)) if !withheld => Some(a + b),
                _ => None,
            };
            let bin = p["bin"].as_i64().unwrap_or(0);
            if bin > e.2.max(0) || (e.2 <= 0 && bin < e.2) {
                e.2 = bin;
            }
        }
        let mut got: BTreeMap<String, (i64, Option<i64>, i64)> = BTreeMap::new();
        for (layer, props, polygons) in tiles_over(&answer, "cells", "res=8", z, role).await {
            assert_eq!(layer, "cells");
            assert_eq!(props.get("aggregated"), Some(&TileValue::Bool(true)));
            assert_eq!(int(&props, "res"), Some(i64::from(res)));
            assert_eq!(polygons.len(), 1, "a hexagon");
            for hidden in ["gi_z", "p"] {
                assert!(
                    !props.contains_key(hidden),
                    "{role:?}: {hidden} in an aggregate"
                );
            }
            got.insert(
                text(&props, "h3"),
                (
                    int(&props, "features").expect("features"),
                    int(&props, "count"),
                    int(&props, "bin").expect("bin"),
                ),
            );
        }
        assert_eq!(got, expected, "{role:?}");
    }
}

/// A JSON property as MVT carries it: arrays and objects as their JSON text.
fn same_value(json: &Value, tile: &TileValue) -> bool {
    match (json, tile) {
        (Value::String(a), TileValue::String(b)) => a == b,
        (Value::Bool(a), TileValue::Bool(b)) => a == b,
        (Value::Number(n), TileValue::SInt(i) | TileValue::Int(i)) => n.as_i64() == Some(*i),
        (Value::Number(n), TileValue::UInt(u)) => n.as_u64() == Some(*u),
        // serde_json (without its float_roundtrip feature) may read a written
        // double one unit in the last place off; the tile carries the stored one.
        (Value::Number(n), TileValue::Double(d)) => n
            .as_f64()
            .is_some_and(|x| (x - d).abs() <= 4.0 * f64::EPSILON * d.abs().max(1.0)),
        (Value::Array(_) | Value::Object(_), TileValue::String(b)) => {
            serde_json::from_str::<Value>(b).is_ok_and(|v| v == *json)
        }
        _ => false,
    }
}

/// Report points are cut from the store, not from the layer's answer: every
/// report of the role's layer is in its tiles, aggregated where a tile of
/// them would be too large (the aggregates adding up to every report), and
/// zoomed in with exactly the properties the role's layer gives it (notes for
/// tactical, none for the analyst), nulls left out.
#[tokio::test]
async fn report_points_are_all_in_their_tiles_at_any_zoom() {
    for role in [Role::Analyst, Role::Tactical] {
        let answer = get("/api/v1/layers/reports", role).await.json();
        let by_key: BTreeMap<String, &serde_json::Map<String, Value>> = answer["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter(|f| !f["geometry"].is_null())
            .map(|f| {
                let p = f["properties"].as_object().expect("properties");
                let key = format!(
                    "{}:{}",
                    p["source"].as_str().expect("source"),
                    p["report_id"].as_str().expect("id")
                );
                (key, p)
            })
            .collect();
        assert!(by_key.len() > 10_000);
        let with_notes = by_key.values().filter(|p| p.contains_key("notes")).count();
        assert_eq!(
            with_notes > 0,
            role == Role::Tactical,
            "{role:?}: notes in the layer"
        );
        // One tile of the world: too many points for 500 KB, so aggregated,
        // and the aggregates add up to every report.
        let world = tiles_over(&answer, "reports", "", 0, role).await;
        let total: i64 = world
            .iter()
            .map(|(_, p, _)| int(p, "count").unwrap_or(1))
            .sum();
        assert!(world.iter().all(|(_, p, _)| p.contains_key("aggregated")));
        assert_eq!(total, by_key.len() as i64);
        // Zoomed in, the points themselves, with the layer's properties.
        let close = tiles_over(&answer, "reports", "", 12, role).await;
        let mut found = BTreeSet::new();
        for (_, props, _) in &close {
            let key = format!("{}:{}", text(props, "source"), text(props, "report_id"));
            let want = by_key[&key];
            let given: BTreeSet<&String> = want
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, _)| k)
                .collect();
            let got: BTreeSet<&String> = props.keys().collect();
            assert_eq!(got, given, "{role:?} {key}: the layer's properties");
            for (k, v) in want.iter().filter(|(_, v)| !v.is_null()) {
                assert!(
                    same_value(v, &props[k]),
                    "{role:?} {key} {k}: {v} vs {:?}",
                    props[k]
                );
            }
            found.insert(key);
        }
        assert_eq!(
            found,
            by_key.keys().cloned().collect::<BTreeSet<_>>(),
            "{role:?}"
        );
    }
}

#[tokio::test]
async fn hotspot_areas_too_small_to_draw_are_points_and_premises_are_in_tiles() {
    let areas = get("/api/v1/layers/hotspots?res=8", Role::Analyst)
        .await
        .json();
    let ids: BTreeSet<String> = areas["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["id"].as_str().expect("id").to_owned())
        .collect();
    assert!(!ids.is_empty());
    let tiles = tiles_over(&areas, "hotspots", "res=8", 1, Role::Analyst).await;
    let found: BTreeSet<String> = tiles.iter().map(|(_, p, _)| text(p, "id")).collect();
    assert_eq!(found, ids, "every area, drawn or as a point");

    let premises = get("/api/v1/premises?min_reports=2", Role::Analyst)
        .await
        .json();
    let ids: BTreeSet<String> = premises["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            f["properties"]["premises_id"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect();
    let tiles = tiles_over(&premises, "premises", "min_reports=2", 10, Role::Analyst).await;
    let found: BTreeSet<String> = tiles
        .iter()
        .map(|(_, p, _)| text(p, "premises_id"))
        .collect();
    assert_eq!(found, ids);
}
