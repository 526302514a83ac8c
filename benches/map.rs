//! The map page's idle time in headless Chromium with ~20k hexagons.
//!
//! `cargo bench --bench map` serves a copy of the 1M-report database the ingest
//! bench leaves in `$CARGO_TARGET_DIR/tmp/ingest-bench/ours.duckdb` (run
//! `cargo bench --bench ingest` first; 19,246 res-8 cells over 2019-2024), signs in
//! and opens the map on the whole period at res 8. The page records
//! `performance.now()` when MapLibre reports `idle` with the layers drawn
//! (`body[data-ready-ms]`): that is the time from navigation to a usable map.
//!
//! Two figures: the first visit of each period (the server computes the layers)
//! and a repeat visit (layers are `private, no-cache`: the browser revalidates
//! with its ETag and the server answers 304 from its cache).

#[path = "../tests/it/support/browser/mod.rs"]
#[allow(
    dead_code,
    reason = "the bench drives a subset of the browser tests' client"
)]
mod browser;
mod support;

use browser::webdriver::Session;
use serde_json::json;

/// Opens `url` and answers (idle time in ms, hexagons drawn).
fn visit(s: &Session, url: &str) -> (u64, u64) {
    s.goto(url);
    let state = s.wait_for("return document.body.getAttribute('data-ready')", |v| {
        v.as_str().is_some_and(|t| t == "true" || t == "error")
    });
    assert_eq!(state, "true", "{url}: the map loaded");
    let ms = s.execute("return Number(document.body.dataset.readyMs)", &json!([]));
    let cells = s.execute(
        "return Number(document.querySelector('main').dataset.cells)",
        &json!([]),
    );
    (
        ms.as_u64().expect("ready time"),
        cells.as_u64().expect("cells"),
    )
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

fn main() {
    let (store, _copy) = support::bench_store("map-bench");
    let (base, password) = browser::serve_as_tactical(store);
    let driver = browser::webdriver::Driver::start();
    let s = driver.session();
    browser::sign_in(&s, &base, "tactical", &password);

    // Warm the browser (script parse cache) and the server's gazetteer once.
    let _ = visit(&s, &format!("{base}/?from=2019-01-01&to=2019-01-31&res=8"));

    let mut first = Vec::new();
    let mut repeat = Vec::new();
    let mut hexes = 0;
    // HOTSPOTS_BENCH_PERIODS (default 11) shortens a run while trying things out.
    let periods: u32 = std::env::var("HOTSPOTS_BENCH_PERIODS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11)
        .clamp(1, 11);
    for day in (32 - periods)..=31 {
        let url = format!("{base}/?from=2019-01-01&to=2024-12-{day}&res=8");
        let (ms, cells) = visit(&s, &url);
        first.push(ms);
        hexes = hexes.max(cells);
        let (ms, _) = visit(&s, &url);
        repeat.push(ms);
    }
    println!("hexagons drawn: {hexes}");
    let artefacts = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/artefacts");
    std::fs::create_dir_all(&artefacts).expect("artefacts dir");
    s.screenshot(&artefacts.join("map-20k-hexagons.png"));
    // Where the last visit's time went: requests slower than 50 ms, and the
    // point the page started (DOMContentLoaded) for comparison with idle.
    let timings = s.execute(
        "return [Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd)]
           .concat(performance.getEntriesByType('resource').filter(r => r.duration > 50)
             .map(r => r.name.replace(location.origin, '') + ' ' + Math.round(r.startTime) + '+' + Math.round(r.duration) + ' ms, ' + r.encodedBodySize + ' B'))",
        &json!([]),
    );
    let marks = s.execute(
        "return performance.getEntriesByType('mark').map(m => m.name + ' ' + Math.round(m.startTime) + ' ms')",
        &json!([]),
    );
    println!("last visit: marks {marks}");
    println!(
        "last visit: DOMContentLoaded at {} ms; slow requests:",
        timings[0]
    );
    for t in timings.as_array().into_iter().flatten().skip(1) {
        println!("  {}", t.as_str().unwrap_or_default());
    }
    println!(
        "map idle, first visit of a period (layers computed): median {} ms (n = {})",
        median(first.clone()),
        first.len()
    );
    println!(
        "map idle, repeat visit (layers cached by the server): median {} ms (n = {})",
        median(repeat.clone()),
        repeat.len()
    );
}
