//! Map tiles at national scale: synthetic reports across Great Britain
//! (default 1M; `HOTSPOTS_BENCH_ROWS=10000000` for 10M), loaded with
//! `hotspots ingest`, then tiles in process (`oneshot`): the national view
//! (zoom 5, res-8 cells aggregated to what can be drawn), the opening view
//! around Wisbech (zoom 9, res-8 cells as they are) and report points at
//! both. Prints p50/p99 per tile, cold (first cut of each tile, the layer
//! already answered) and warm, and the largest tile.
//!
//!     cargo bench --bench tiles
//!     HOTSPOTS_BENCH_ROWS=10000000 HOTSPOTS_TILE_LAYERS=cells cargo bench --bench tiles

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

const SESSION: &str = "hs_session=tiles-bench";

fn generate(path: &std::path::Path, rows: usize) {
    let gazetteer = hotspots::geo::Gazetteer::embedded();
    let mut state = 20_261_203u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    // Towns of Great Britain the gazetteer knows, for the clustered 40%.
    let towns: Vec<(f64, f64)> = [
        "London",
        "Birmingham",
        "Manchester",
        "Leeds",
        "Glasgow",
        "Liverpool",
        "Bristol",
        "Sheffield",
        "Edinburgh",
        "Cardiff",
        "Leicester",
        "Nottingham",
        "Newcastle upon Tyne",
        "Peterborough",
        "Wisbech",
        "Luton",
        "Bedford",
        "Norwich",
        "Southampton",
        "Plymouth",
        "Aberdeen",
        "Swansea",
        "Hull",
        "Stoke-on-Trent",
        "Coventry",
    ]
    .iter()
    .filter_map(|n| gazetteer.places_named(n).max_by_key(|p| p.population))
    .map(|p| (p.lat, p.lng))
    .collect();
    let mut out = String::with_capacity(rows * 80);
    out.push_str("report_id,reported_at,venue_type,lat,lng,source\n");
    let mut written = 0;
    while written < rows {
        let (lat, lng) = if next() < 0.6 {
            (50.0 + next() * 8.6, -5.7 + next() * 7.5)
        } else {
            let (clat, clng) = towns[(next() * towns.len() as f64) as usize % towns.len()];
            (clat + (next() - 0.5) * 0.12, clng + (next() - 0.5) * 0.18)
        };
        if !gazetteer.in_uk(lat, lng) {
            continue;
        }
        let _ = writeln!(
            out,
            "T{written:08},{}-{:02}-{:02}T10:00:00Z,car_wash,{lat:.6},{lng:.6},bench",
            2019 + (next() * 6.0) as u32,
            1 + (next() * 12.0) as u32 % 12,
            1 + (next() * 28.0) as u32 % 28,
        );
        written += 1;
    }
    std::fs::write(path, out).expect("write bench input");
}

fn sign_in(store: &hotspots::Store) {
    let now = chrono::Utc::now().naive_utc();
    let name = hotspots::access::UserName::parse("tiles-bench").expect("name");
    let hash = hotspots::access::hash_password("tiles-bench-password").expect("hash");
    // A database kept from an earlier run has the account and session already.
    let _ = store.add_user(&name, hotspots::model::Role::Tactical, &hash, now);
    let _ = store.create_session(
        "tiles-bench",
        &hotspots::access::digest("tiles-bench"),
        "csrf-tiles-bench",
        now,
        now + chrono::TimeDelta::days(1),
    );
}

async fn fetch(app: &axum::Router, uri: &str) -> (Duration, usize) {
    let request = Request::get(uri).header("cookie", SESSION);
    let started = Instant::now();
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("answer");
    assert!(
        response.status().is_success(),
        "{uri}: {}",
        response.status()
    );
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (started.elapsed(), body.len())
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn tile_range(z: u8, west: f64, south: f64, east: f64, north: f64) -> Vec<(u32, u32)> {
    let scale = f64::from(1u32 << z);
    let unit = |lon: f64, lat: f64| {
        let y = (1.0
            - (lat.to_radians().tan() + 1.0 / lat.to_radians().cos()).ln() / std::f64::consts::PI)
            / 2.0;
        (((lon + 180.0) / 360.0 * scale) as u32, (y * scale) as u32)
    };
    let (x0, y0) = unit(west, north);
    let (x1, y1) = unit(east, south);
    (x0..=x1)
        .flat_map(|x| (y0..=y1).map(move |y| (x, y)))
        .collect()
}

async fn measure(
    app: &axum::Router,
    name: &str,
    layer: &str,
    query: &str,
    z: u8,
    tiles: &[(u32, u32)],
) {
    let (mut cold, mut warm, mut largest) = (Vec::new(), Vec::new(), 0);
    for (x, y) in tiles {
        let uri = format!("/api/v1/tiles/{layer}/{z}/{x}/{y}?{query}");
        let (took, bytes) = fetch(app, &uri).await;
        cold.push(took);
        largest = largest.max(bytes);
        for _ in 0..5 {
            warm.push(fetch(app, &uri).await.0);
        }
    }
    cold.sort();
    warm.sort();
    println!(
        "{name:<40} {} tiles  cold p50 {:>9.2?} p99 {:>9.2?}  warm p50 {:>9.2?} p99 {:>9.2?}  largest {:.0} KB",
        tiles.len(),
        percentile(&cold, 0.5),
        percentile(&cold, 0.99),
        percentile(&warm, 0.5),
        percentile(&warm, 0.99),
        largest as f64 / 1024.0
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("tiles_national: bench");
        return;
    }
    let rows: usize = std::env::var("HOTSPOTS_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tiles-bench");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let db = dir.join(format!("gb_{rows}.duckdb"));
    if !db.exists() {
        let input = dir.join(format!("gb_{rows}.csv"));
        generate(&input, rows);
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_hotspots"))
            .args(["ingest", "--db"])
            .arg(&db)
            .arg("--rejects")
            .arg(dir.join("rejects.csv"))
            .arg(&input)
            .output()
            .expect("hotspots ingest");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "ingest of {rows} reports across Great Britain: {:.1} s ({})",
            started.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&out.stdout).trim()
        );
        let _ = std::fs::remove_file(&input);
    }
    let store = hotspots::Store::open(&db).expect("open");
    sign_in(&store);
    let state = hotspots::serve::AppState::new(store, hotspots::serve::ServeConfig::default())
        .expect("state");
    let app = hotspots::serve::router(state);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let gb = (-6.0, 49.9, 1.8, 58.7);
        let wisbech = (0.0, 52.55, 0.35, 52.75);
        let wanted =
            std::env::var("HOTSPOTS_TILE_LAYERS").unwrap_or_else(|_| "cells,reports".into());
        for (layer, query) in [("cells", "res=8"), ("reports", "")] {
            if !wanted.split(',').any(|w| w == layer) {
                continue;
            }
            let started = Instant::now();
            let (x, y) = tile_range(5, gb.0, gb.1, gb.2, gb.3)[0];
            let _ = fetch(&app, &format!("/api/v1/tiles/{layer}/5/{x}/{y}?{query}")).await;
            println!(
                "{layer}: first tile (the layer answered and indexed): {:.2?}",
                started.elapsed()
            );
            measure(
                &app,
                &format!("{layer} national (z5)"),
                layer,
                query,
                5,
                &tile_range(5, gb.0, gb.1, gb.2, gb.3),
            )
            .await;
            measure(
                &app,
                &format!("{layer} opening view (z9, Wisbech)"),
                layer,
                query,
                9,
                &tile_range(9, wisbech.0, wisbech.1, wisbech.2, wisbech.3),
            )
            .await;
        }
    });
}
