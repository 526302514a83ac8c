//! The pages in a real browser: Debian's Chromium driven through chromedriver
//! (W3C WebDriver). `.ci/run` installs both. The app is served in process on
//! 127.0.0.1:0 with the demo data. Screenshots go to `target/artefacts/`.
//!
//! The WebDriver client is the small one in `tests/support/webdriver.rs` rather
//! than fantoccini: fantoccini's `url` → `idna` → ICU proc-macros change the
//! features of host crates that the bundled DuckDB's build script shares, which
//! forces a second full C++ build of DuckDB (~25-75 minutes) for every test build.

use crate::support::browser::webdriver::{Driver, Session};
use serde_json::json;

/// A script's answer that is a list of text, as text; any other answer
/// fails the test (`what` names the list).
fn texts<'v>(answer: &'v serde_json::Value, what: &str) -> Vec<&'v str> {
    let list = answer
        .as_array()
        .unwrap_or_else(|| panic!("{what}: {answer}"));
    list.iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("{what}: {v} is not text"))
        })
        .collect()
}

/// Serves the demo; answers its address and the tactical account's password.
fn serve_demo() -> (String, String) {
    let mut store = hotspots::Store::open_in_memory().expect("store");
    hotspots::demo::load_demo(&mut store).expect("demo");
    crate::support::browser::serve_as_tactical(store)
}

fn artefacts() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/artefacts");
    std::fs::create_dir_all(&dir).expect("artefacts dir");
    dir
}

/// Waits until the map page has settled: `"true"` (idle with its layers
/// drawn) or `"error"`.
fn wait_settled(s: &Session) -> serde_json::Value {
    s.wait_for("return document.body.getAttribute('data-ready')", |v| {
        v.as_str().is_some_and(|t| t == "true" || t == "error")
    })
}

/// Waits until the map page says it is idle with its layers drawn.
fn wait_ready(s: &Session) {
    assert_eq!(wait_settled(s), "true", "the map loaded its layers");
}

#[test]
fn dashboard_in_chromium() {
    let (base, password) = serve_demo();
    let driver = Driver::start();
    let s = driver.session();

    // ---- sign in: the map redirects to the sign-in page and back ----
    s.goto(&format!("{base}/"));
    s.type_into(&s.find("#name"), "tactical");
    s.type_into(&s.find("#password"), &password);
    s.click(&s.find("main.signin button[type=submit]"));
    // Signed in once the form's answer has taken the browser off /signin:
    // navigating before that raced the session cookie (and landed on /signin).
    s.wait_for("return location.pathname", |v| v != "/signin");

    // ---- the map: hexes render ----
    s.goto(&format!("{base}/"));
    wait_ready(&s);
    // The whole page fits a desktop window: nothing (not a table header
    // hidden for screen readers) widens it into a sideways scroll.
    let widths = s.execute(
        "const e = document.documentElement; return [e.scrollWidth, e.clientWidth]",
        &json!([]),
    );
    assert_eq!(widths[0], widths[1], "scroll width against window width");
    // Counts are grouped as the page's language writes them, as the
    // server's are: the demo's study area is tens of thousands of cells.
    let summary = s
        .execute(
            "return document.getElementById('status').textContent",
            &json!([]),
        )
        .as_str()
        .map(str::to_owned)
        .unwrap_or_default();
    let study = summary
        .split("study area ")
        .nth(1)
        .and_then(|rest| rest.split(" cells").next())
        .unwrap_or_else(|| panic!("the study area in {summary:?}"));
    let cells: u64 = study.replace(',', "").parse().expect("a count");
    assert!(cells >= 10_000, "{summary}");
    assert_eq!(study, crate::support::grouped(cells), "{summary}");
    // So are the hotspot areas' reports in their table (the demo's largest
    // holds over a thousand).
    let counts = s.execute(
        "return [...document.querySelectorAll('#hot-areas-table tbody td.num')].map(td => td.textContent)",
        &json!([]),
    );
    let counts = texts(&counts, "cells");
    assert!(counts.iter().any(|c| c.contains(',')), "{counts:?}");
    for c in &counts {
        let n: u64 = c.replace(',', "").parse().expect("a count");
        assert_eq!(*c, crate::support::grouped(n), "{counts:?}");
    }
    let rendered = s.execute(
        "return window.hotspotsMap.queryRenderedFeatures({layers: ['cells-fill']}).length",
        &json!([]),
    );
    assert!(
        rendered.as_u64().unwrap_or(0) > 0,
        "hexagons rendered: {rendered}"
    );
    // Each tile of the view was built once: MapLibre reloads every tile of a
    // layer whose layout changes, which once doubled the worker's work.
    let tiles = s.execute(
        "const d = document.querySelector('main').dataset; return [Number(d.tileLoads), Number(d.tiles)]",
        &json!([]),
    );
    assert!(tiles[1].as_u64().unwrap_or(0) > 0, "tiles loaded: {tiles}");
    assert_eq!(tiles[0], tiles[1], "tile loads, distinct tiles");
    // The basemap is drawn with the hexagons (hidden until then, to save frames).
    let basemap = s.execute(
        "const m = window.hotspotsMap;
         return [m.getPaintProperty('land', 'fill-opacity'), m.getPaintProperty('coast', 'line-opacity'),
                 m.getPaintProperty('district-lines', 'line-opacity'),
                 m.queryRenderedFeatures({layers: ['district-lines']}).length,
                 document.getElementById('map').classList.contains('basemap-shown')]",
        &json!([]),
    );
    assert_eq!(
        basemap.as_array().map(|a| &a[..3]),
        Some(&[json!(1), json!(1), json!(1)][..]),
        "{basemap}"
    );
    assert!(
        basemap[3].as_u64().unwrap_or(0) > 0,
        "districts drawn: {basemap}"
    );
    assert_eq!(basemap[4], json!(true), "town names shown");
    let names = town_names_on_screen(&s);
    assert!(names.len() >= 20, "town names on screen: {names:?}");
    s.screenshot(&artefacts().join("map.png"));

    // ---- "new or intensifying": listed once the map is drawn, from the API ----
    s.wait_for(
        "return document.getElementById('changes-list').hasAttribute('aria-busy')",
        |v| v == &json!(false),
    );
    let changes = s.execute(
        "const list = document.getElementById('changes-list');
         const x = new XMLHttpRequest();
         x.open('GET', list.dataset.source, false);
         x.send();
         return [x.status, x.responseText,
                 Array.from(list.querySelectorAll('li')).map(li => li.textContent)];",
        &json!([]),
    );
    assert_eq!(changes[0], json!(200), "{changes}");
    let answer: serde_json::Value =
        serde_json::from_str(changes[1].as_str().unwrap_or_default()).expect("emerging JSON");
    let listed = texts(&changes[2], "list items");
    let features = answer["features"].as_array().expect("features");
    assert_eq!(listed, expected_changes(features), "{answer}");
    // The whole months the categories compare, as the layer's provenance
    // gives them.
    let steps = s.execute(
        "const p = document.getElementById('changes-steps'); return [p.hidden, p.textContent];",
        &json!([]),
    );
    let month = |key: &str| {
        answer["provenance"][key]
            .as_str()
            .map(|d| d[..7].to_owned())
            .expect(key)
    };
    assert_eq!(
        steps,
        json!([
            false,
            format!(
                "Whole months compared: {} to {}",
                month("first_step"),
                month("last_step")
            )
        ])
    );
    let cells_all = s.execute(
        "return document.querySelector('main').dataset.cells",
        &json!([]),
    );

    // ---- a filter changes the layer and the URL ----
    s.click(&s.find("input[name=venue][value=farm]"));
    wait_ready(&s);
    let url = s.execute("return location.search", &json!([]));
    assert!(
        url.as_str().is_some_and(|u| u.contains("venue=farm")),
        "URL holds the filter: {url}"
    );
    let cells_farm = s.execute(
        "return document.querySelector('main').dataset.cells",
        &json!([]),
    );
    assert_ne!(cells_all, cells_farm, "the layer changed with the filter");
    // The link reproduces the view.
    s.goto(&format!("{base}/{}", url.as_str().unwrap_or("")));
    wait_ready(&s);
    let checked = s.execute(
        "return document.querySelector('input[name=venue][value=farm]').checked",
        &json!([]),
    );
    assert_eq!(checked, json!(true));

    // ---- the fewest reports in a hot cell's ring: the legend, the URL, the layers ----
    let min_reports = |value: &str| {
        s.execute(
            "document.querySelector('details.advanced').open = true;
             const input = document.getElementById('min_reports');
             input.value = arguments[0];
             input.dispatchEvent(new Event('change', {bubbles: true}));",
            &json!([value]),
        );
        wait_ready(&s);
        let seen = s.execute(
            "return [location.search, document.querySelector('#legend-body p.small').textContent,
                     document.getElementById('download-geojson').getAttribute('href'),
                     document.querySelector('#legend-body li:last-child').textContent.trim()]",
            &json!([]),
        );
        let text = |i: usize| seen[i].as_str().unwrap_or_default().to_owned();
        (text(0), text(1), text(2), text(3))
    };
    let (url, legend, download, area) = min_reports("1");
    assert!(url.contains("min_reports=1"), "{url}");
    assert!(download.contains("min_reports=1"), "{download}");
    assert!(!legend.contains("ring"), "{legend}");
    assert_eq!(area, "Hotspot area (connected cells, bin ≥ 2)");
    // The legend's area holds what the view asks of it.
    let (url, legend, _, area) = min_reports("3");
    assert!(url.contains("min_reports=3"), "{url}");
    assert!(
        legend.ends_with("; a hot cell has 3 reports or more within its ring"),
        "{legend}"
    );
    assert_eq!(
        area,
        "Hotspot area (connected cells, bin ≥ 2, 3 reports or more)"
    );
    let (url, legend, _, area) = min_reports("2");
    assert_eq!(
        area,
        "Hotspot area (connected cells, bin ≥ 2, 2 reports or more)"
    );
    assert!(
        !url.contains("min_reports"),
        "the default is left out: {url}"
    );
    assert!(
        legend.ends_with("; a hot cell has 2 reports or more within its ring"),
        "{legend}"
    );

    // ---- the emerging step and lag: the URL, the list's request, its heading ----
    let emerging = |step: &str, lag: &str| {
        s.execute(
            "document.querySelector('details.advanced').open = true;
             document.getElementById('step').value = arguments[0];
             const lag = document.getElementById('lag');
             lag.value = arguments[1];
             lag.dispatchEvent(new Event('change', {bubbles: true}));",
            &json!([step, lag]),
        );
        wait_ready(&s);
        s.wait_for(
            "return document.getElementById('changes-list').hasAttribute('aria-busy')",
            |v| v == &json!(false),
        );
        let seen = s.execute(
            "const source = new URL(document.getElementById('changes-list').dataset.source, location.href);
             return [location.search, source.searchParams.get('step'), source.searchParams.get('lag'),
                     document.querySelector('#changes h2').textContent];",
            &json!([]),
        );
        let text = |i: usize| seen[i].as_str().unwrap_or_default().to_owned();
        (text(0), text(1), text(2), text(3))
    };
    let (url, step, lag, heading) = emerging("quarter", "0");
    assert!(
        url.contains("step=quarter") && url.contains("lag=0"),
        "{url}"
    );
    assert_eq!((step.as_str(), lag.as_str()), ("quarter", "0"));
    assert_eq!(heading, "New or intensifying since last quarter");
    let (url, _, _, heading) = emerging("month", "1");
    assert!(
        !url.contains("step=") && !url.contains("lag="),
        "defaults left out: {url}"
    );
    assert_eq!(heading, "New or intensifying since last month");

    s.click(&s.find("input[name=venue][value=farm]"));
    wait_ready(&s);

    // ---- clicking a hot cell opens the side panel ----
    let point = s.execute(
        "const m = window.hotspotsMap;
         // The busiest: a hot cell may hold no reports of its own (its ring does).
         const hot = m.queryRenderedFeatures({layers: ['cells-fill']}).filter(f => f.properties.bin === 3)
           .sort((a, b) => (b.properties.count || 0) - (a.properties.count || 0));
         if (!hot.length) return null;
         const ring = hot[0].geometry.coordinates[0];
         const c = ring.slice(0, -1).reduce((a, p) => [a[0] + p[0] / (ring.length - 1), a[1] + p[1] / (ring.length - 1)], [0, 0]);
         const px = m.project(c);
         const r = m.getCanvas().getBoundingClientRect();
         return [Math.round(px.x - r.width / 2), Math.round(px.y - r.height / 2), hot[0].properties.aggregated === true];",
        &json!([]),
    );
    let offsets = point.as_array().expect("a bin-3 cell on screen");
    let canvas = s.find("#map canvas");
    s.click_at(
        &canvas,
        offsets[0].as_i64().unwrap_or(0),
        offsets[1].as_i64().unwrap_or(0),
    );
    let panel = s.wait_for(
        "const p = document.getElementById('panel'); return p.hidden ? '' : p.textContent",
        |v| {
            v.as_str()
                .is_some_and(|t| t.contains("reports in the period"))
        },
    );
    assert!(
        panel.as_str().is_some_and(|t| t.contains("By venue")),
        "{panel}"
    );
    // Its newest reports name their sources (the demo's are all named).
    let sources = s.execute(
        "return [...document.querySelectorAll('#panel-body ul.reports li')].map(li => (li.textContent.split(' · ')[2] || '').split(' — ')[0])",
        &json!([]),
    );
    let sources = texts(&sources, "a list");
    let named = crate::support::DEMO_SOURCE_NAMES;
    assert!(
        !sources.is_empty() && sources.iter().all(|s| named.contains(s)),
        "{sources:?}"
    );
    // Its statistic in words: z, p, the bin's meaning, the ring's reports;
    // a tile's cell aggregated from finer ones has its bin alone.
    let statistic = s.execute(
        "const p = document.querySelector('#panel-body p.statistic'); return p ? p.textContent : ''",
        &json!([]),
    );
    let statistic = statistic.as_str().unwrap_or_default();
    if offsets[2] == json!(true) {
        assert_eq!(statistic, "Hot spot, 99% confidence");
    } else {
        assert!(
            statistic.starts_with("Gi* z = ")
                && statistic.contains(" · Hot spot, 99% confidence · ")
                && statistic.ends_with(" reports in the cell and its neighbours")
                && !statistic.contains("NaN"),
            "{statistic}"
        );
    }
    s.screenshot(&artefacts().join("map-panel.png"));
    s.execute("document.getElementById('panel').hidden = true", &json!([]));

    // ---- a cell on the list of changes opens with its trend and its ring ----
    let item = s.execute(
        "const b = [...document.querySelectorAll('#changes-list button')]
             .find(b => !/ cells/.test(b.textContent));
         if (!b) return null;
         // The view stays where it is (the sections below start from it).
         const m = window.hotspotsMap, fly = m.flyTo;
         m.flyTo = function () {};
         b.click();
         m.flyTo = fly;
         return b.textContent;",
        &json!([]),
    );
    let item = item
        .as_str()
        .expect("a one-cell item on the list of changes");
    let statistic = s.wait_for(
        "const p = document.querySelector('#panel-body p.statistic');
         return document.getElementById('panel').hidden || !p ? '' : p.textContent",
        |v| v.as_str().is_some_and(|t| !t.is_empty()),
    );
    let statistic = statistic.as_str().unwrap_or_default();
    // The cell's own figures, from the list's answer.
    let cell = s.execute(
        "const h = document.querySelector('#panel-body h2').textContent.match(/[0-9a-f]{15}/);
         const x = new XMLHttpRequest();
         x.open('GET', document.getElementById('changes-list').dataset.source, false);
         x.send();
         const f = JSON.parse(x.responseText).features.find(f => h && f.properties.h3 === h[0]);
         return f ? f.properties : null;",
        &json!([]),
    );
    let trend_z = cell["trend_z"].as_f64().expect("the listed cell's trend");
    let ring = cell["ring_count"].as_u64().expect("the listed cell's ring");
    assert!(
        statistic.starts_with(&format!("Trend (Mann-Kendall) z = {trend_z:.2}, p = "))
            && statistic.ends_with(&format!(" · {ring} reports in the cell and its neighbours"))
            && !statistic.contains("NaN"),
        "{item}: {statistic}"
    );
    // The panel's ring is the list's (which names it when the cell holds
    // under half of it).
    let number_before = |text: &str, marker: &str| -> Option<u64> {
        let head = &text[..text.find(marker)?];
        head.rsplit(|c: char| !c.is_ascii_digit() && c != ',')
            .find(|w| !w.is_empty())?
            .replace(',', "")
            .parse()
            .ok()
    };
    let in_cell = number_before(item, " report").expect("the cell's reports");
    let in_ring =
        number_before(statistic, " reports in the cell and its neighbours").expect("ring");
    assert!(in_ring >= in_cell, "{item}: {statistic}");
    if let Some(listed) = number_before(item, " with its neighbours") {
        assert_eq!(listed, in_ring, "{item}: {statistic}");
    }
    s.execute("document.getElementById('panel').hidden = true", &json!([]));

    // ---- hexagon outlines only where a hexagon is big enough to outline ----
    let drawn = |layer: &str| {
        s.execute(
            "return window.hotspotsMap.queryRenderedFeatures({layers: [arguments[0]]}).length",
            &json!([layer]),
        )
        .as_u64()
        .expect("a count")
    };
    let zoom = s.execute("return window.hotspotsMap.getZoom()", &json!([]));
    assert!(
        zoom.as_f64().is_some_and(|z| z < 9.0),
        "opening zoom {zoom}"
    );
    assert_eq!(drawn("cells-edge"), 0, "no outlines at the opening zoom");
    s.execute(
        "const m = window.hotspotsMap;
         window.zoomedIdle = false;
         m.once('idle', () => { window.zoomedIdle = true; });
         const hot = m.queryRenderedFeatures({layers: ['cells-fill']}).filter(f => f.properties.bin === 3)[0];
         m.jumpTo({center: hot.geometry.coordinates[0][0], zoom: 10});",
        &json!([]),
    );
    s.wait_for("return window.zoomedIdle", |v| v == &json!(true));
    let (edges, fills) = (drawn("cells-edge"), drawn("cells-fill"));
    assert!(
        edges > 0 && fills > 0,
        "zoom 10: {edges} outlines, {fills} cells"
    );
    // Zoomed in, the smaller towns are named too, still none over another.
    let near = town_names_on_screen(&s);
    assert!(
        !near.is_empty() && near != names,
        "towns at zoom 10: {near:?}"
    );
    s.screenshot(&artefacts().join("map-zoomed.png"));

    // ---- report points: drawn when asked for, and only then ----
    // Hidden, their source loads no tiles at all (not just draws nothing).
    let point_tiles = || {
        s.execute("return window.hotspotsTileLoads.reports.length", &json!([]))
            .as_u64()
            .expect("a count")
    };
    assert_eq!(point_tiles(), 0, "no report tiles while points are hidden");
    assert_eq!(drawn("reports-points"), 0, "no points unless asked for");
    s.click(&s.find("#show-reports"));
    wait_ready(&s);
    assert!(point_tiles() > 0, "report tiles loaded once asked for");
    assert!(drawn("reports-points") > 0, "report points drawn");
    s.click(&s.find("#show-reports"));
    wait_ready(&s);
    assert_eq!(drawn("reports-points"), 0, "points hidden again");

    // ---- failures: what the page does when a request fails ----
    // Requests are made to fail in the browser (net::ERR_BLOCKED_BY_CLIENT).
    let block = |urls: &[&str]| {
        s.cdp("Network.enable", &json!({}));
        s.cdp("Network.setBlockedURLs", &json!({ "urls": urls }));
    };
    let status = || {
        s.execute(
            "return document.getElementById('status').textContent",
            &json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
    };
    let retry_offered = || {
        s.execute(
            "return !document.getElementById('retry').hidden",
            &json!([]),
        ) == json!(true)
    };
    // The page gave up on its view: `data-ready` says so, the status line why,
    // and a retry is offered only when asking again may help.
    let expect_error = |what: &str, reason: &str, retriable: bool| {
        assert_eq!(wait_settled(&s), json!("error"), "{what}: {}", status());
        assert!(status().starts_with(reason), "{what}: {}", status());
        assert_eq!(retry_offered(), retriable, "{what}: retry offered");
    };
    // No basemap: the layers still load and the status line says what is missing.
    block(&["*/api/v1/basemap/*"]);
    s.goto(&format!("{base}/?from=2024-01-01&to=2024-12-31"));
    wait_ready(&s);
    assert!(drawn("cells-fill") > 0, "hexagons drawn without a basemap");
    assert!(
        status().contains("base map unavailable"),
        "the status line says the basemap is missing: {}",
        status()
    );
    let outline = s.execute(
        "return !!window.hotspotsMap.getSource('outline')",
        &json!([]),
    );
    assert_eq!(outline, json!(false), "no basemap source");
    s.screenshot(&artefacts().join("map-no-basemap.png"));
    block(&[]);
    // Layers the server refuses (from after to, a 400): the page says why,
    // naming the parameter as the API does, and does not leave the changes
    // list marked as loading.
    s.goto(&format!("{base}/?from=2024-12-31&to=2024-01-01"));
    expect_error(
        "refused",
        "Could not load the layers: from: 2024-12-31 is after to=2024-01-01",
        false,
    );
    let busy = s.execute(
        "return document.getElementById('changes-list').hasAttribute('aria-busy')",
        &json!([]),
    );
    assert_eq!(busy, json!(false), "the changes list is not left loading");
    // Layers the network fails (blocked in the browser): asking again may
    // help, so retry is offered, and once the network is back it draws the view.
    block(&["*/api/v1/layers/hotspots*"]);
    s.goto(&format!("{base}/?from=2024-01-01&to=2024-12-31"));
    expect_error("network", "Could not load the layers", true);
    block(&[]);
    s.click(&s.find("#retry"));
    wait_ready(&s);
    assert!(
        drawn("cells-fill") > 0,
        "hexagons drawn after the network's retry"
    );
    // Tiles that fail: the page says which layer failed instead of reporting
    // the map ready. MapLibre's worker fetches tiles, and chromedriver's
    // blocking reaches only the page's own requests, so the source is pointed
    // at tiles the server refuses (400; MapLibre takes a 404 for "no tile").
    s.goto(&format!("{base}/?from=2024-01-01&to=2024-12-31"));
    wait_ready(&s);
    assert!(!retry_offered(), "no retry on a drawn map");
    let fail_cells = || {
        s.execute(
            "document.body.removeAttribute('data-ready');
             window.hotspotsMap.getSource('cells').setTiles([location.origin + '/api/v1/tiles/cells/{z}/{x}/{y}?res=99']);",
            &json!([]),
        );
        expect_error(
            "tiles failed",
            "Could not load the cells layer: the server answered 400",
            true,
        );
    };
    fail_cells();
    s.screenshot(&artefacts().join("map-layer-failed.png"));
    // Retry asks for the same view again, tiles afresh (MapLibre would not
    // ask for a failed tile again by itself): here they load.
    s.click(&s.find("#retry"));
    assert_eq!(wait_settled(&s), "true", "after retry: {}", status());
    assert!(!retry_offered(), "retry gone once the map is drawn");
    assert!(drawn("cells-fill") > 0, "retried hexagons drawn");
    let focused = s.execute("return document.activeElement.id", &json!([]));
    assert_eq!(focused, json!("status"), "the keyboard's place after retry");
    // A late error from the template retry left is not this view's failure;
    // one from a template the page never showed still is (holes are never
    // called ready). MapLibre's error event, fired as its tile loader does.
    let tile_error = |path: &str| {
        s.execute(
            "window.hotspotsMap.fire('error', { sourceId: 'cells', error: {
                 status: 500, statusText: 'Internal Server Error', url: location.origin + arguments[0] } });
             return document.body.getAttribute('data-ready');",
            &json!([path]),
        )
    };
    assert_eq!(
        tile_error("/api/v1/tiles/cells/6/31/21?res=99"),
        "true",
        "an old template's error: {}",
        status()
    );
    assert_eq!(
        tile_error("/api/v1/tiles/cells/6/31/21?res=98"),
        "error",
        "an unknown template's error"
    );
    assert!(retry_offered(), "retry offered for it");
    s.click(&s.find("#retry"));
    assert_eq!(wait_settled(&s), "true", "after retry: {}", status());
    assert!(
        drawn("cells-fill") > 0,
        "hexagons drawn after the second retry"
    );
    fail_cells();
    // Hidden (another view) and shown again, the failed layer is set afresh
    // and its tiles asked for again: here they load, and the page is ready.
    // Without that, MapLibre would keep the failed tiles (here, their URL).
    for view in ["emerging", "hotspots"] {
        s.execute(
            "document.body.removeAttribute('data-ready');
             const select = document.getElementById('view');
             select.value = arguments[0];
             select.dispatchEvent(new Event('change', { bubbles: true }));",
            &json!([view]),
        );
        assert_eq!(
            wait_settled(&s),
            "true",
            "{view} after a failure: {}",
            status()
        );
    }
    assert!(
        drawn("cells-fill") > 0,
        "the failed layer's hexagons are drawn once shown again"
    );

    // ---- the towns page: table and SVG charts ----
    s.goto(&format!("{base}/towns"));
    let rows = s.execute(
        "return document.querySelectorAll('#towns-table tbody tr').length",
        &json!([]),
    );
    assert!(rows.as_u64().unwrap_or(0) > 0, "towns rows: {rows}");
    let svgs = s.execute(
        "return document.querySelectorAll('#towns-table svg.spark path').length",
        &json!([]),
    );
    assert_eq!(svgs, rows, "one sparkline per row");
    s.screenshot(&artefacts().join("towns.png"));

    // ---- the form: a bad postcode is rejected beside the field; a good report is stored ----
    s.goto(&format!("{base}/reports/new"));
    s.execute(
        "document.getElementById('venue_type').value = 'car_wash';
         document.getElementById('observed_on').value = '2024-05-01';",
        &json!([]),
    );
    s.type_into(&s.find("#postcode"), "ZZ99 9ZZ");
    s.click(&s.find("#report-form button[type=submit]"));
    let message = s.wait_for(
        "const e = document.getElementById('location-error'); return e ? e.textContent : ''",
        |v| v.as_str().is_some_and(|t| !t.is_empty()),
    );
    assert!(
        message
            .as_str()
            .is_some_and(|m| m.to_lowercase().contains("postcode")),
        "{message}"
    );
    s.screenshot(&artefacts().join("form-rejected.png"));
    s.execute(
        "document.getElementById('postcode').value = 'PE13 1AA';
         document.getElementById('observed_on').value = '2024-05-01';",
        &json!([]),
    );
    s.click(&s.find("input[name=indicators][value=cash_only]"));
    s.click(&s.find("#report-form button[type=submit]"));
    let notice = s.wait_for(
        "const n = document.querySelector('.notice'); return n ? n.textContent : ''",
        |v| v.as_str().is_some_and(|t| !t.is_empty()),
    );
    assert!(
        notice.as_str().is_some_and(|t| t.contains("stored")),
        "{notice}"
    );
    s.screenshot(&artefacts().join("form-stored.png"));
}

/// Regression: signed in as partnership, the "New or intensifying" list read
/// "consecutive hot · undefined reports" (the release withholds the count),
/// under a heading that said "since last month" of a quarterly release.
#[test]
fn the_partnership_map_says_withheld_counts_and_its_quarter() {
    let mut store = hotspots::Store::open_in_memory().expect("store");
    hotspots::demo::load_demo(&mut store).expect("demo");
    let (base, password) = crate::support::browser::serve_as(store, "partnership");
    let driver = Driver::start();
    let s = driver.session();
    crate::support::browser::sign_in(&s, &base, "partnership", &password);
    s.goto(&format!("{base}/"));
    wait_ready(&s);
    let list = s.wait_for(
        "const l = document.getElementById('changes-list');
         return l.getAttribute('aria-busy') ? null : Array.from(l.querySelectorAll('li')).map(li => li.textContent)",
        serde_json::Value::is_array,
    );
    let items = texts(&list, "items");
    assert!(!items.is_empty(), "the list says something");
    assert!(items.iter().all(|t| !t.contains("undefined")), "{items:?}");
    // The release gives no counts: the page says so once, and the list is
    // the layer's cells by category and place, those alike as one item.
    let answer = s.execute(
        "const x = new XMLHttpRequest();
         x.open('GET', document.getElementById('changes-list').dataset.source, false);
         x.send();
         return [JSON.parse(x.responseText).features,
                 document.querySelector('#changes p.note').textContent];",
        &json!([]),
    );
    let features = answer[0].as_array().expect("features");
    assert!(features.iter().all(|f| f["properties"]["count"].is_null()));
    assert_eq!(items, expected_changes(features));
    assert_eq!(
        answer[1],
        "The release names the cells that changed, without their counts."
    );
    let distinct: std::collections::BTreeSet<&&str> = items.iter().collect();
    assert_eq!(distinct.len(), items.len(), "{items:?}");
    let heading = s.execute(
        "return document.querySelector('#changes h2').textContent",
        &json!([]),
    );
    assert_eq!(heading, "New or intensifying in the released quarter");
    // Its areas table ("withheld" counts, places with their distances) fits
    // the side column, as the tactical map's does.
    side_column_fits(&s);
    // With counts withheld, the table lists the areas by bin and then by size
    // in cells (not a small area whose count shows above a large withheld one).
    let table = s.execute(
        "const url = performance.getEntriesByType('resource').map(e => e.name)
           .filter(n => n.includes('/api/v1/layers/hotspots?')).pop();
         const x = new XMLHttpRequest();
         x.open('GET', url, false);
         x.send();
         return [JSON.parse(x.responseText).features.map(f => f.properties),
                 [...document.querySelectorAll('#hot-areas-table tbody tr')].map(r => r.dataset.area)];",
        &json!([]),
    );
    let mut areas: Vec<(i64, u64, String, bool)> = table[0]
        .as_array()
        .expect("features")
        .iter()
        .map(|p| {
            (
                p["bin"].as_i64().expect("bin"),
                p["cells"].as_u64().expect("cells"),
                p["id"].as_str().expect("id").to_owned(),
                p["count"].is_number(),
            )
        })
        .collect();
    assert!(
        areas.iter().any(|a| !a.3) && areas.iter().any(|a| a.3),
        "the release shows some counts and withholds others"
    );
    areas.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let expected: Vec<&str> = areas.iter().map(|a| a.2.as_str()).collect();
    let listed: Vec<&str> = table[1]
        .as_array()
        .expect("rows")
        .iter()
        .map(|v| v.as_str().expect("id"))
        .collect();
    assert_eq!(listed, expected);
}

/// The premises list, one premises' page, recording a visit there, and the
/// briefing as it prints (tactical).
#[test]
fn premises_outcome_and_briefing_in_chromium() {
    let (base, password) = serve_demo();
    let driver = Driver::start();
    let s = driver.session();
    crate::support::browser::sign_in(&s, &base, "tactical", &password);

    s.goto(&format!("{base}/premises"));
    let rows = s.execute(
        "return document.querySelectorAll('main.premises tbody tr').length",
        &json!([]),
    );
    assert!(
        rows.as_u64().unwrap_or(0) > 5,
        "repeat premises listed: {rows}"
    );
    let first = s.execute(
        "return document.querySelector('main.premises tbody tr a').getAttribute('href')",
        &json!([]),
    );
    let href = first.as_str().expect("a premises link").to_owned();
    s.screenshot(&artefacts().join("premises.png"));

    s.goto(&format!("{base}{href}"));
    let timeline = s.execute(
        "return document.querySelectorAll('main.premises tbody tr').length",
        &json!([]),
    );
    assert!(
        timeline.as_u64().unwrap_or(0) >= 2,
        "its reports: {timeline}"
    );
    let before = s.execute(
        "return document.querySelector('#prem-visits').textContent",
        &json!([]),
    );
    let before = before.as_str().unwrap_or("").to_owned();
    s.type_into(&s.find("input[name=visit_id]"), "BROWSER-1");
    s.execute(
        "document.querySelector('input[name=visited_on]').value = '2025-06-02';
         document.querySelector('select[name=result]').value = 'victims_identified';",
        &json!([]),
    );
    s.type_into(&s.find("input[name=potential_victims]"), "4");
    s.click(&s.find("form[action$='/outcomes'] button[type=submit]"));
    s.wait_for("return location.search", |v| {
        v.as_str() == Some("?recorded=1")
    });
    let text = s.execute(
        "return document.querySelector('main').textContent",
        &json!([]),
    );
    let text = text.as_str().unwrap_or("");
    assert!(text.contains("Visit recorded."), "the page says so");
    // Where the officer can see it: the page opens at the form, not at the
    // top of a timeline that may run to hundreds of rows.
    let status_in_view = s.execute(
        "const r = document.querySelector('main [role=status]').getBoundingClientRect();
         return location.hash === '#record' && r.top >= 0 && r.bottom <= window.innerHeight;",
        &json!([]),
    );
    assert_eq!(
        status_in_view.as_bool(),
        Some(true),
        "the confirmation is in view"
    );
    // The facts up top count the visit and name the newest.
    let visits = s.execute(
        "return document.querySelector('#prem-visits').textContent",
        &json!([]),
    );
    let visits = visits.as_str().unwrap_or("");
    if before.starts_with("Not visited") {
        assert!(
            visits.starts_with(
                "One visit, 1 found exploitation; the last 2025-06-02: Victims identified"
            ),
            "{before} then {visits}"
        );
    } else {
        assert_ne!(visits, before, "the count moves");
    }
    assert!(
        text.contains("Visit BROWSER-1") && text.contains("Victims identified"),
        "the visit is on the timeline"
    );

    // From the map: a hotspot area's panel links to its briefing with the
    // view's period, and the briefing is for the place the table named.
    s.goto(&format!("{base}/?from=2024-01-01&k=2"));
    wait_ready(&s);
    let place = s.execute(
        "return document.querySelector('#hot-areas-table tbody th').textContent",
        &json!([]),
    );
    let place = place.as_str().expect("an area's place").to_owned();
    // An area across district and force boundaries says so in its panel.
    // (the layer as the map asked for it; a town that names one area only)
    let crossing = s.execute(
        "const x = new XMLHttpRequest();
         x.open('GET', '/api/v1/layers/hotspots?' + new URLSearchParams(location.search), false);
         x.send();
         const fs = JSON.parse(x.responseText).features.map(f => f.properties);
         const once = fs.filter(p => fs.filter(q => q.nearest_town === p.nearest_town).length === 1);
         const p = once.find(p => p.crosses_forces);
         return p ? [p.nearest_town, p.districts.join(', '), p.forces.join(', '),
                     p.trend, p.monthly.length, p.trend_p] : null;",
        &json!([]),
    );
    let town = crossing[0]
        .as_str()
        .expect("a demo area crosses a force boundary");
    let districts = crossing[1].as_str().expect("its districts");
    let forces = crossing[2].as_str().expect("its forces");
    s.execute(
        "const row = [...document.querySelectorAll('#hot-areas-table tbody tr')]
           .find(r => r.querySelector('th').textContent.split(',')[0] === arguments[0]);
         row.querySelector('button').click();",
        &json!([town]),
    );
    let said = s.wait_for(
        "const c = document.querySelector('#panel-body p.crosses'); return c ? c.textContent : ''",
        |v| v.as_str().is_some_and(|t| !t.is_empty()),
    );
    assert_eq!(
        said.as_str(),
        Some(format!("Crosses district boundaries: {districts}").as_str()),
        "{town}"
    );
    let said = s.execute(
        "const c = document.querySelector('#panel-body p.crosses.forces'); return c ? c.textContent : ''",
        &json!([]),
    );
    assert_eq!(
        said.as_str(),
        Some(format!("Crosses police force boundaries: {forces}").as_str()),
        "{town}"
    );
    // Its monthly trend, as the layer gives it (the view's months).
    let months = crossing[4].as_u64().expect("its monthly count");
    let p = crossing[5].as_f64().expect("its trend's p");
    let opening = match crossing[3].as_str() {
        Some("rising") => "Rising month by month over",
        Some("falling") => "Falling month by month over",
        Some("none") => "No clear trend over",
        other => panic!("{town}: trend {other:?}"),
    };
    let said = s.execute(
        "const c = document.querySelector('#panel-body p.trend'); return c ? c.textContent : ''",
        &json!([]),
    );
    let said = said.as_str().unwrap_or_default();
    let p_said = if p < 0.001 {
        "< 0.001".to_owned()
    } else {
        format!("= {p:.3}")
    };
    assert!(
        said == format!("{opening} {months} months (Mann-Kendall p {p_said})")
            && months >= 24
            && (p < 0.10) != said.starts_with("No clear"),
        "{town}: {said:?} (p {p})"
    );
    s.execute("document.getElementById('panel').hidden = true", &json!([]));
    s.click(&s.find("#hot-areas-table tbody button"));
    let href = s.wait_for(
        "const a = document.querySelector('#panel-body a.briefing-link'); return a ? a.getAttribute('href') : ''",
        |v| v.as_str().is_some_and(|t| !t.is_empty()),
    );
    let href = href.as_str().unwrap_or_default().to_owned();
    assert!(
        href.starts_with("/briefing?area=hs-")
            && href.contains("from=2024-01-01")
            && href.contains("k=2"),
        "{href}"
    );
    // A police force area as the study area: the map asks for its layers
    // with force=, so its table lists the areas of that force's map alone,
    // and the URL keeps the choice.
    let rows = |s: &Session| {
        s.execute(
            "return [...document.querySelectorAll('#hot-areas-table tbody tr')].length",
            &json!([]),
        )
        .as_u64()
        .unwrap_or(0)
    };
    let before = rows(&s);
    s.execute(
        "document.getElementById('panel').hidden = true;
         document.body.removeAttribute('data-ready');
         const select = document.getElementById('force');
         select.value = 'norfolk';
         select.dispatchEvent(new Event('change', { bubbles: true }));",
        &json!([]),
    );
    wait_ready(&s);
    let answer = s.execute(
        "const x = new XMLHttpRequest();
         x.open('GET', '/api/v1/layers/hotspots?' + new URLSearchParams(location.search), false);
         x.send();
         return [location.search, JSON.parse(x.responseText).features.map(f => f.properties.force_codes)];",
        &json!([]),
    );
    assert!(
        answer[0]
            .as_str()
            .is_some_and(|q| q.contains("force=norfolk")),
        "{answer}"
    );
    let forces = answer[1].as_array().expect("areas");
    assert!(!forces.is_empty(), "Norfolk has hotspot areas");
    assert!(
        forces.iter().all(|f| f
            .as_array()
            .is_some_and(|codes| codes.contains(&json!("norfolk")))),
        "{answer}"
    );
    assert_eq!(
        rows(&s),
        forces.len() as u64,
        "one row per area of Norfolk's map"
    );
    assert!(rows(&s) < before, "{before} areas before");
    // The map moved to the force: its centre is inside the force's extent.
    let moved = s.execute(
        "const b = document.querySelector('#force option[value=norfolk]').dataset.bounds.split(',').map(Number);
         const c = hotspotsMap.getCenter();
         return c.lng > b[0] && c.lat > b[1] && c.lng < b[2] && c.lat < b[3] && hotspotsMap.getZoom() > 7.5;",
        &json!([]),
    );
    assert_eq!(moved, json!(true), "the map shows Norfolk");

    s.goto(&format!("{base}{href}"));
    let heading = s.execute(
        "return document.querySelector('main h1').textContent",
        &json!([]),
    );
    let heading = heading
        .as_str()
        .unwrap_or_default()
        .replace(['\u{2068}', '\u{2069}'], "");
    // The same words as the table's row ("March, 2.1 km north-east"), made
    // by the page's script there and by the server here.
    assert_eq!(
        heading,
        format!("Day-of-action briefing: Hotspot area near {place}"),
        "for the row {place:?}"
    );
    assert!(
        place.contains(" km "),
        "the first area is over a km from its town: {place:?}"
    );

    s.goto(&format!("{base}/briefing?area=district:E07000010"));
    let drawn = s.execute(
        "const svg = document.querySelector('svg.briefing-map');
         return [svg.querySelectorAll('polygon').length, svg.querySelectorAll('circle').length]",
        &json!([]),
    );
    assert!(drawn[0].as_u64().unwrap_or(0) > 50, "cells drawn: {drawn}");
    assert!(
        drawn[1].as_u64().unwrap_or(0) > 0,
        "premises numbered: {drawn}"
    );
    // As it prints: no navigation, the map within an A4 landscape page.
    s.cdp("Emulation.setEmulatedMedia", &json!({"media": "print"}));
    let printed = s.execute(
        "return [getComputedStyle(document.querySelector('header.top')).display,
                 document.querySelector('svg.briefing-map').getBoundingClientRect().height]",
        &json!([]),
    );
    assert_eq!(printed[0], "none", "the navigation does not print");
    // 150 mm at 96 px per inch.
    assert!(
        printed[1].as_f64().unwrap_or(f64::MAX) <= 567.0,
        "the map fits a page: {printed}"
    );
    let pdf = s.cdp(
        "Page.printToPDF",
        &json!({"landscape": true, "paperWidth": 11.69, "paperHeight": 8.27}),
    );
    assert!(
        pdf["data"].as_str().is_some_and(|d| d.len() > 1000),
        "it prints"
    );
    s.screenshot(&artefacts().join("briefing.png"));
}

/// The map page's hotspot areas table: one row per area the map draws, fitting
/// its side column (nothing to scroll sideways), and from the keyboard alone an
/// area's place name (Enter) opens the area in the panel with the focus there
/// (its close button); Escape closes it and returns the focus to the place name.
/// The town names drawn in the map's view, read from the page's boxes; fails
/// when two of them overlap, naming both.
fn town_names_on_screen(s: &Session) -> Vec<String> {
    let boxes = s.execute(
        "const view = document.getElementById('map').getBoundingClientRect();
         return [...document.querySelectorAll('.town-label')]
           .filter(e => getComputedStyle(e).display !== 'none')
           .map(e => [e.textContent, e.getBoundingClientRect()])
           .filter(([, r]) => r.right > view.left && r.left < view.right && r.bottom > view.top && r.top < view.bottom)
           .map(([name, r]) => [name, r.left, r.top, r.right, r.bottom]);",
        &json!([]),
    );
    let boxes: Vec<(String, [f64; 4])> = boxes
        .as_array()
        .expect("boxes")
        .iter()
        .map(|b| {
            let n = |i: usize| b[i].as_f64().expect("a coordinate");
            (
                b[0].as_str().expect("a name").to_owned(),
                [n(1), n(2), n(3), n(4)],
            )
        })
        .collect();
    for (i, (a, p)) in boxes.iter().enumerate() {
        for (b, q) in &boxes[i + 1..] {
            let overlap = p[0] < q[2] && q[0] < p[2] && p[1] < q[3] && q[1] < p[3];
            assert!(!overlap, "town names overlap: {a} {p:?} and {b} {q:?}");
        }
    }
    boxes.into_iter().map(|(name, _)| name).collect()
}

/// The "new or intensifying" list the page should make of an emerging answer,
/// in English: the strongest trend first (new, intensifying, consecutive,
/// then by place, where the release withholds the trend); cells that read
/// alike one item with how many; the reports when the counts are given.
fn expected_changes(features: &[serde_json::Value]) -> Vec<String> {
    const ORDER: [&str; 3] = ["new_hot", "intensifying_hot", "consecutive_hot"];
    let mut cells: Vec<&serde_json::Value> = features
        .iter()
        .map(|f| &f["properties"])
        .filter(|p| ORDER.contains(&p["category"].as_str().unwrap_or_default()))
        .collect();
    if cells.iter().any(|p| p["trend_z"].is_number()) {
        cells.sort_by(|a, b| {
            let z = |p: &serde_json::Value| p["trend_z"].as_f64().unwrap_or(f64::NAN);
            z(b).total_cmp(&z(a))
        });
    } else {
        let rank = |p: &serde_json::Value| {
            ORDER
                .iter()
                .position(|c| p["category"] == *c)
                .unwrap_or(ORDER.len())
        };
        cells.sort_by(|a, b| {
            rank(a)
                .cmp(&rank(b))
                .then(crate::support::place_of(a).cmp(&crate::support::place_of(b)))
        });
    }
    let mut groups: Vec<(String, Vec<&serde_json::Value>)> = Vec::new();
    for p in cells {
        let label = format!(
            "{} near {}",
            p["category"].as_str().unwrap_or_default().replace('_', " "),
            crate::support::place_of(p)
        );
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, members)) => members.push(p),
            None => groups.push((label, vec![p])),
        }
    }
    if groups.is_empty() {
        return vec!["Nothing new or intensifying.".to_owned()];
    }
    groups
        .into_iter()
        .take(10)
        .map(|(label, members)| {
            let mut parts = vec![label];
            if members.len() > 1 {
                parts.push(format!("{} cells", members.len()));
            }
            if members.iter().all(|p| p["count"].is_u64()) {
                let n: u64 = members.iter().filter_map(|p| p["count"].as_u64()).sum();
                parts.push(if n == 1 {
                    "1 report".to_owned()
                } else {
                    format!("{n} reports")
                });
                // A lone cell holding under half its ring's reports says
                // how many the ring holds.
                if let ([p], Some(ring)) = (&members[..], members[0]["ring_count"].as_u64()) {
                    if ring > 2 * p["count"].as_u64().unwrap_or(0) {
                        parts.push(format!("{ring} with its neighbours"));
                    }
                }
            }
            parts.join(" · ")
        })
        .collect()
}

/// The map's side column (changes list, hotspot areas table) fits its width:
/// nothing in it scrolls sideways.
fn side_column_fits(s: &Session) {
    let widths = s.execute(
        "const c = document.getElementById('changes');
         return [c.scrollWidth, c.clientWidth, document.getElementById('hot-areas-table').scrollWidth];",
        &json!([]),
    );
    assert!(
        widths[0].as_u64() <= widths[1].as_u64() && widths[2].as_u64() < widths[1].as_u64(),
        "the side column scrolls sideways: [scroll, client, table] {widths}"
    );
}

fn keyboard_equivalent_of_the_map(s: &Session) {
    side_column_fits(s);
    let counts = s.execute(
        "return [document.querySelectorAll('#hot-areas-table tbody button').length,
                 Number(document.querySelector('main').dataset.areas)]",
        &json!([]),
    );
    assert!(
        counts[0] == counts[1] && counts[0].as_u64().unwrap_or(0) > 0,
        "{counts}"
    );
    s.type_into(&s.find("#hot-areas-table tbody button"), "\u{E007}");
    // The panel takes the focus (its close button) once the area has loaded.
    let heading = s.wait_for(
        "const a = document.activeElement; return a && a.id === 'panel-close' ? document.querySelector('#panel-body h2').textContent : ''",
        |v| v.as_str().is_some_and(|t| !t.is_empty()),
    );
    assert!(
        heading
            .as_str()
            .is_some_and(|t| t.starts_with("Hotspot area near")),
        "{heading}"
    );
    s.type_into(&s.find("#panel-close"), "\u{E00C}");
    s.wait_for(
        "return document.getElementById('panel').hidden && document.activeElement === document.querySelector('#hot-areas-table tbody button')",
        |v| v == true,
    );
}

/// WCAG 1.4.10 (reflow): the page laid out again at 320 CSS pixels wide (400% zoom
/// of a 1280 px window) scrolls only vertically. Data tables may scroll inside
/// their own labelled region (the criterion's exception for two-dimensional
/// content); the page itself may not. Records the page and the elements that
/// stick out when it does.
fn reflows(s: &Session, too_wide: &mut Vec<String>, page: &str) {
    s.cdp(
        "Emulation.setDeviceMetricsOverride",
        &json!({"width": 320, "height": 640, "deviceScaleFactor": 1, "mobile": false}),
    );
    let wide = s.execute(
        "const w = document.documentElement.scrollWidth;
         if (w <= 321) return null;
         const inScroller = e => { for (let p = e.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; } return false; };
         return w + ' px: ' + [...document.querySelectorAll('body *')]
           .filter(e => e.getBoundingClientRect().right > 321 && !inScroller(e))
           .slice(0, 6).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '')).join(', ');",
        &json!([]),
    );
    if let Some(w) = wide.as_str() {
        too_wide.push(format!("{page}: {w}"));
    }
    s.cdp("Emulation.clearDeviceMetricsOverride", &json!({}));
}

/// Every page but the map keeps its content off the window's edge and pads
/// its table cells, so that columns of figures read apart. Records the page
/// and what touches.
fn inset(s: &Session, cramped: &mut Vec<String>, page: &str) {
    let found = s.execute(
        "const m = document.querySelector('main');
         if (!m || m.classList.contains('map-layout')) return null;
         const out = [];
         const first = m.firstElementChild;
         const left = first ? first.getBoundingClientRect().left : m.getBoundingClientRect().left;
         if (left < 8) out.push('content ' + Math.round(left) + ' px from the window edge');
         const tight = [...m.querySelectorAll('th, td')].filter(c => {
           const st = getComputedStyle(c);
           return parseFloat(st.paddingLeft) + parseFloat(st.paddingRight) < 6;
         });
         if (tight.length) out.push(tight.length + ' table cells without padding, the first ' + JSON.stringify(tight[0].textContent.trim().slice(0, 30)));
         return out.length ? out.join('; ') : null;",
        &json!([]),
    );
    if let Some(found) = found.as_str() {
        cramped.push(format!("{page}: {found}"));
    }
}

/// axe-core's WCAG 2.0-2.2 A and AA rules on the page the browser shows:
/// each violation as `rule: target (help)`.
fn axe_violations(s: &Session) -> Vec<String> {
    const AXE: &str = include_str!("../vendor/axe-core/axe.min.js");
    s.execute(
        &format!("{AXE}\n;window.__axe = null; return true;"),
        &json!([]),
    );
    s.execute(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})
           .then(r => { window.__axe = r.violations.flatMap(v => v.nodes.map(n => v.id + ': ' + n.target.join(' ') + ' (' + v.help + ')')); })
           .catch(e => { window.__axe = ['axe failed: ' + e]; });
         return true;",
        &json!([]),
    );
    let found = s.wait_for("return window.__axe", serde_json::Value::is_array);
    found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Fills in the open public reporting page (a venue type, a day, a place
/// typed into its field, perhaps an indicator ticked), sends it, and waits
/// for the page that thanks the sender.
fn send_public_report(
    s: &Session,
    venue: &str,
    day: &str,
    (place_field, place): (&str, &str),
    indicator: Option<&str>,
) {
    s.execute(
        "document.getElementById('venue_type').value = arguments[0];
         document.getElementById('observed_on').value = arguments[1];",
        &json!([venue, day]),
    );
    s.type_into(&s.find(place_field), place);
    if let Some(indicator) = indicator {
        s.click(&s.find(&format!("input[name=indicators][value={indicator}]")));
    }
    s.click(&s.find("#report-form button[type=submit]"));
    s.wait_for("return location.search", |v| {
        v.as_str().is_some_and(|q| q.contains("sent=1"))
    });
}

/// The public reporting page end to end in Chromium, in Lithuanian: the
/// browser solves the proof of work (`web/report.js`, Web Crypto), the report
/// lands in triage, a tactical user accepts it there. axe-core finds no WCAG
/// 2.2 A/AA violation on the public pages, the concern card and triage, in
/// two languages each, nor on the staff pages for each role.
#[test]
fn public_report_triage_and_accessibility_in_chromium() {
    let mut store = hotspots::Store::open_in_memory().expect("store");
    hotspots::demo::load_demo(&mut store).expect("demo");
    let accounts = hotspots::demo::demo_accounts(&store).expect("accounts");
    let password = |name: &str| {
        accounts
            .iter()
            .find(|(a, _)| a == name)
            .map(|(_, p)| p.clone())
            .expect("account")
    };
    // No wait for a form sent without the proof of work: this test does not sleep.
    let config = hotspots::serve::ServeConfig {
        public_unproven_wait_secs: 0,
        ..hotspots::serve::ServeConfig::default()
    };
    let state = hotspots::serve::AppState::new(store, config).expect("state");
    let base = crate::support::browser::serve_in_background(state);
    let driver = Driver::start();
    let s = driver.session();
    let mut violations = Vec::new();
    let mut too_wide = Vec::new();
    let mut cramped = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut check = |s: &Session, page: &str| {
        for v in axe_violations(s) {
            violations.push(format!("{page}: {v}"));
        }
    };

    // ---- the public page, no account ----
    s.goto(&format!("{base}/report?lang=en"));
    check(&s, "/report en");
    s.goto(&format!("{base}/report?lang=lt"));
    assert_eq!(
        s.execute("return document.documentElement.lang", &json!([])),
        "lt"
    );
    check(&s, "/report lt");
    // 400% zoom (WCAG 1.4.10): at 320 CSS pixels wide the page reflows into
    // one column, nothing scrolls sideways.
    s.cdp(
        "Emulation.setDeviceMetricsOverride",
        &json!({"width": 320, "height": 640, "deviceScaleFactor": 1, "mobile": false}),
    );
    s.goto(&format!("{base}/report?lang=lt"));
    let wide = s.execute(
        "return [document.documentElement.scrollWidth, ...[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 321).map(e => e.tagName + '#' + e.id + '.' + e.className)]",
        &json!([]),
    );
    assert!(
        wide[0].as_f64().is_some_and(|w| w <= 320.5),
        "at 320 px: {wide}"
    );
    s.screenshot(&artefacts().join("public-report-320px.png"));
    s.cdp("Emulation.clearDeviceMetricsOverride", &json!({}));
    s.goto(&format!("{base}/report?lang=lt"));
    send_public_report(
        &s,
        "car_wash",
        "2024-05-01",
        ("#postcode", "PE13 1AA"),
        Some("no_ppe"),
    );
    let heading = s.execute(
        "return document.querySelector('h1').textContent",
        &json!([]),
    );
    assert!(
        heading.as_str().is_some_and(|h| h.starts_with("Ačiū")),
        "{heading}"
    );
    check(&s, "/report?sent=1 lt");
    s.screenshot(&artefacts().join("public-report-sent.png"));
    // Without Web Crypto (plain HTTP beyond localhost) the script lets the
    // form go without the work, and the server takes it within its allowance.
    let no_crypto = s.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        &json!({"source": "Object.defineProperty(window.crypto, 'subtle', {get: () => undefined});"}),
    );
    s.goto(&format!("{base}/report?lang=en"));
    assert_eq!(
        s.execute("return typeof crypto.subtle", &json!([])),
        "undefined"
    );
    send_public_report(&s, "nail_bar", "2024-06-01", ("#town", "Wisbech"), None);
    s.cdp(
        "Page.removeScriptToEvaluateOnNewDocument",
        &json!({"identifier": no_crypto["identifier"]}),
    );

    // ---- triage: the report waits; tactical accepts it ----
    crate::support::browser::sign_in(&s, &base, "tactical", &password("tactical"));
    for lang in ["en", "cy"] {
        s.goto(&format!("{base}/triage?lang={lang}"));
        check(&s, &format!("/triage {lang}"));
        s.goto(&format!("{base}/reports/new?lang={lang}"));
        check(&s, &format!("/reports/new {lang}"));
    }
    s.goto(&format!("{base}/triage?lang=en"));
    let cards = s.execute(
        "return document.querySelectorAll('.triage-card').length",
        &json!([]),
    );
    assert_eq!(cards, 2, "the reports wait in triage");
    s.click(&s.find(".triage-card form.accept button[type=submit]"));
    let notice = s.wait_for(
        "const n = document.querySelector('.notice'); return n ? n.textContent : ''",
        |v| v.as_str().is_some_and(|t| !t.is_empty()),
    );
    assert!(
        notice.as_str().is_some_and(|t| t.contains("accepted")),
        "{notice}"
    );
    s.screenshot(&artefacts().join("triage.png"));

    // ---- staff pages for each role, in English and Welsh ----
    // The sign-in page first, as nobody.
    s.delete_cookies();
    for lang in ["en", "cy"] {
        s.goto(&format!("{base}/signin?lang={lang}"));
        check(&s, &format!("/signin {lang}"));
        reflows(&s, &mut too_wide, &format!("/signin {lang}"));
        inset(&s, &mut cramped, &format!("/signin {lang}"));
    }
    crate::support::browser::sign_in(&s, &base, "admin", &password("admin"));
    // The audit says which public report came without the work (and nothing
    // about who sent it).
    s.goto(&format!("{base}/admin/audit?action=public_report"));
    let rows = s.execute(
        "return [...document.querySelectorAll('main tbody tr')].map(r => r.textContent)",
        &json!([]),
    );
    let queued: Vec<&str> = texts(&rows, "audit rows")
        .into_iter()
        .filter(|r| r.contains("queued"))
        .collect();
    assert_eq!(queued.len(), 2, "{queued:?}");
    assert_eq!(
        queued
            .iter()
            .filter(|r| r.contains("sent without the proof of work"))
            .count(),
        1,
        "{queued:?}"
    );
    s.goto(&format!("{base}/premises"));
    let premises = s.execute(
        "return document.querySelector('main.premises tbody tr a').getAttribute('href')",
        &json!([]),
    );
    let premises = premises.as_str().expect("a premises link").to_owned();
    s.goto(&format!("{base}/towns/pack"));
    let pack = s.execute(
        "return document.querySelector('main.pack li a').getAttribute('href')",
        &json!([]),
    );
    let pack = pack.as_str().expect("an area to choose").to_owned();
    let staff_pages = [
        "/",
        "/towns",
        "/towns/pack",
        pack.as_str(),
        "/reports/new",
        "/premises",
        premises.as_str(),
        "/outcomes",
        "/briefing",
        "/briefing?area=district:E07000010",
        "/triage",
        "/loads",
        "/loads/1",
        "/admin",
        "/admin/audit",
        "/ogc?f=html",
        "/ogc/collections?f=html",
        "/ogc/collections/cells?f=html",
        "/ogc/collections/cells/items?f=html&limit=5",
    ];
    for role in ["partnership", "analyst", "tactical", "admin"] {
        crate::support::browser::sign_in(&s, &base, role, &password(role));
        for lang in ["en", "cy"] {
            for path in staff_pages {
                // OGC pages are for clients and analysts in English: the
                // API refuses parameters it does not define, `lang` among them.
                let ogc = path.starts_with("/ogc");
                if ogc && lang != "en" {
                    continue;
                }
                let sep = if path.contains('?') { '&' } else { '?' };
                if ogc {
                    s.goto(&format!("{base}{path}"));
                } else {
                    s.goto(&format!("{base}{path}{sep}lang={lang}"));
                }
                if path == "/" {
                    wait_settled(&s);
                }
                // A page the role may not open answers 403 (its own page,
                // checked elsewhere); any other problem page is a failure here.
                let problem = s.execute(
                    "const m = document.querySelector('main.problem'); return m ? m.querySelector('h1').textContent : null",
                    &json!([]),
                );
                if let Some(heading) = problem.as_str() {
                    if !heading.starts_with("403") {
                        problems.push(format!("{path} {lang} as {role}: answered {heading}"));
                    }
                    continue;
                }
                check(&s, &format!("{path} {lang} as {role}"));
                if lang == "en" {
                    reflows(&s, &mut too_wide, &format!("{path} as {role}"));
                    inset(&s, &mut cramped, &format!("{path} as {role}"));
                }
                if path == "/" && lang == "en" && role == "tactical" {
                    keyboard_equivalent_of_the_map(&s);
                }
                if path == "/" && lang == "en" {
                    // The panel's briefing link is for the roles that may open a briefing.
                    let briefs = s.execute(
                        "return document.querySelector('main').dataset.briefing === '1'",
                        &json!([]),
                    );
                    let may = matches!(role, "tactical" | "admin");
                    assert_eq!(briefs, may, "{role}: briefing link offered");
                    // The release's areas hold k reports (its hot cells' rings do).
                    let area = s.execute(
                        "return document.querySelector('#legend-body li:last-child').textContent.trim()",
                        &json!([]),
                    );
                    let fewest = if role == "partnership" { 5 } else { 2 };
                    assert_eq!(
                        area,
                        json!(format!(
                            "Hotspot area (connected cells, bin ≥ 2, {fewest} reports or more)"
                        )),
                        "{role}"
                    );
                }
            }
        }
    }
    assert!(problems.is_empty(), "pages that failed: {problems:?}");
    assert!(
        too_wide.is_empty(),
        "pages that scroll sideways at 320 CSS px (400% zoom):\n{}",
        too_wide.join("\n")
    );
    assert!(
        cramped.is_empty(),
        "pages whose content touches the window edge or whose table cells run together:\n{}",
        cramped.join("\n")
    );
    // ---- the partnership pack: checked, then printed on A4 ----
    crate::support::browser::sign_in(&s, &base, "partnership", &password("partnership"));
    s.goto(&format!("{base}/towns/pack"));
    let first = s.execute(
        "return document.querySelector('main.pack li a').getAttribute('href')",
        &json!([]),
    );
    let pack = format!("{base}{}", first.as_str().expect("an area to choose"));
    for lang in ["en", "cy"] {
        s.goto(&format!("{pack}&lang={lang}"));
        check(&s, &format!("/towns/pack {lang} as partnership"));
    }
    s.goto(&pack);
    let pdf = s.print_pdf();
    std::fs::write(artefacts().join("pack.pdf"), &pdf).expect("pdf");
    let text = String::from_utf8_lossy(&pdf);
    let pages = text.matches("/Type /Page\n").count()
        + text.matches("/Type /Page ").count()
        + text.matches("/Type /Page>").count()
        + text.matches("/Type /Page/").count();
    assert!(
        (2..=5).contains(&pages),
        "the pack prints on 2-5 A4 pages, not {pages}"
    );
    // Laid out at an A4 page's printable width (210 mm less 2 x 14 mm at 96
    // dpi), in print media, nothing is wider than the page: no clipped table.
    s.cdp("Emulation.setEmulatedMedia", &json!({"media": "print"}));
    s.cdp(
        "Emulation.setDeviceMetricsOverride",
        &json!({"width": 688, "height": 1040, "deviceScaleFactor": 1, "mobile": false}),
    );
    let widest = s.execute(
        "return Math.max(document.documentElement.scrollWidth,
           ...[...document.querySelectorAll('main.pack table, main.pack figure')].map(e => e.getBoundingClientRect().right))",
        &json!([]),
    );
    assert!(
        widest.as_f64().is_some_and(|w| w <= 688.5),
        "widest {widest} px on a 688 px page"
    );
    s.cdp("Emulation.clearDeviceMetricsOverride", &json!({}));
    s.cdp("Emulation.setEmulatedMedia", &json!({"media": ""}));

    assert!(
        violations.is_empty(),
        "{} WCAG violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}
