//! Layer request latency in process (`oneshot`), uncached and cached.
//!
//! `cargo bench --bench serve` uses the 1M-report database the ingest bench leaves
//! in `$CARGO_TARGET_DIR/tmp/ingest-bench/ours.duckdb` when it exists (run
//! `cargo bench --bench ingest` first), else the bundled demo (14,750 reports).
//! Prints median and p90 over distinct queries (uncached: each `to` date differs,
//! so each is computed) and over one repeated query (cached). Requests carry a
//! tactical session cookie; the `zstd` and `br` rows ask for compression as
//! browsers do (Chromium sends zstd over HTTPS).

mod support;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

const SESSION: &str = "hs_session=serve-bench";

async fn time(app: &axum::Router, uri: &str) -> Duration {
    time_with(app, uri, None).await
}

async fn time_with(app: &axum::Router, uri: &str, encoding: Option<&str>) -> Duration {
    let mut request = Request::get(uri).header("cookie", SESSION);
    if let Some(encoding) = encoding {
        request = request.header("accept-encoding", encoding);
    }
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
    let _ = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    started.elapsed()
}

/// A tactical account with a live session whose cookie is [`SESSION`].
fn sign_in(store: &hotspots::Store) {
    let now = chrono::Utc::now().naive_utc();
    let name = hotspots::access::UserName::parse("serve-bench").expect("name");
    let hash = hotspots::access::hash_password("serve-bench-password").expect("hash");
    // An earlier run may have left the account in the copied database.
    let _ = store.add_user(&name, hotspots::model::Role::Tactical, &hash, now);
    store
        .create_session(
            "serve-bench",
            &hotspots::access::digest("serve-bench"),
            "csrf-serve-bench",
            now,
            now + chrono::TimeDelta::days(1),
        )
        .expect("session");
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{name:<44} median {:>9.2?}  p90 {:>9.2?}  (n = {})",
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        times.len()
    );
}

fn main() {
    let (store, _copy) = support::bench_store("serve-bench");
    sign_in(&store);
    let reports = store.data_version().expect("version").1;
    println!("reports: {reports}");
    let state = hotspots::serve::AppState::new(store, hotspots::serve::ServeConfig::default())
        .expect("state");
    let app = hotspots::serve::router(state);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for (layer, extra) in [("cells", "res=8"), ("towns", "step=quarter")] {
            let path = if layer == "towns" {
                "/api/v1/towns".to_owned()
            } else {
                format!("/api/v1/layers/{layer}")
            };
            let _ = time(&app, &format!("{path}?{extra}")).await; // warm the connection and gazetteer
            let mut uncached = Vec::new();
            for day in 1..=15 {
                uncached.push(time(&app, &format!("{path}?{extra}&to=2025-12-{day:02}")).await);
            }
            report(&format!("{layer} uncached"), uncached);
            let mut cached = Vec::new();
            for _ in 0..200 {
                cached.push(time(&app, &format!("{path}?{extra}&to=2025-12-01")).await);
            }
            report(&format!("{layer} cached"), cached);
            // What Chromium sends over HTTPS (it picks zstd), and without zstd.
            for (name, accept, days) in [
                ("zstd", "gzip, deflate, br, zstd", 16..=20),
                ("br", "gzip, deflate, br", 21..=25),
            ] {
                let mut uncached = Vec::new();
                for day in days {
                    let uri = format!("{path}?{extra}&to=2025-12-{day:02}");
                    uncached.push(time_with(&app, &uri, Some(accept)).await);
                }
                report(&format!("{layer} uncached, {name}"), uncached);
                let mut cached = Vec::new();
                for _ in 0..50 {
                    let uri = format!("{path}?{extra}&to=2025-12-01");
                    cached.push(time_with(&app, &uri, Some(accept)).await);
                }
                report(&format!("{layer} cached, {name}"), cached);
            }
        }
        let mut hotspots = Vec::new();
        for day in 1..=5 {
            hotspots.push(
                time(
                    &app,
                    &format!("/api/v1/layers/hotspots?to=2025-12-{day:02}"),
                )
                .await,
            );
        }
        report("hotspots uncached (Gi* at res 7, 8, 9)", hotspots);
        let mut asset = Vec::new();
        for _ in 0..200 {
            asset.push(time(&app, "/static/app.js").await);
        }
        report("static file (app.js)", asset);
    });
}
