//! The router exercised in process (`tower::ServiceExt::oneshot`): every endpoint,
//! its status codes, and its bodies parsed (GeoJSON with the `geojson` crate, CSV
//! with `csv`, JSON with `serde_json`).

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use hotspots::model::Role;
use hotspots::publish::{self, LayerQuery};
use hotspots::serve::{router, AppState};

use crate::support::router::{demo, empty_state, send, Answer};

fn demo_state() -> AppState {
    demo().0.clone()
}

/// The router as `role` sees it: requests without a cookie or a bearer token
/// get the role's session cookie and CSRF header.
fn as_role(router: Router, role: Role) -> Router {
    router.layer(axum::middleware::map_request(
        move |mut req: Request<Body>| async move {
            let h = req.headers_mut();
            if !h.contains_key(header::COOKIE) && !h.contains_key(header::AUTHORIZATION) {
                let cookie = format!("hs_session=session-{}", role.as_str());
                h.insert(header::COOKIE, cookie.parse().expect("cookie"));
                if !h.contains_key("x-csrf-token") {
                    let csrf = format!("csrf-{}", role.as_str());
                    h.insert("x-csrf-token", csrf.parse().expect("csrf"));
                }
            }
            req
        },
    ))
}

fn app() -> Router {
    as_role(router(demo_state()), Role::Analyst)
}

/// A fresh, empty app for tests that write, seen by `role`.
fn empty_app(role: Role) -> Router {
    as_role(empty_router(), role)
}

fn empty_router() -> Router {
    router(empty_state().0)
}

async fn get(app: Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).expect("request")).await
}

fn collection(answer: &Answer) -> geojson::FeatureCollection {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.header(header::CONTENT_TYPE), "application/geo+json");
    let text = answer.text();
    let geojson: geojson::GeoJson = text.parse().expect("valid GeoJSON");
    geojson::FeatureCollection::try_from(geojson).expect("a FeatureCollection")
}

fn provenance(fc: &geojson::FeatureCollection) -> serde_json::Value {
    fc.foreign_members
        .as_ref()
        .and_then(|m| m.get("provenance"))
        .cloned()
        .expect("a provenance member")
}

/// Twice the signed area of a ring in lon/lat: positive = counter-clockwise.
fn signed_area2(ring: &[Vec<f64>]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum()
}

fn check_rings(rings: &[Vec<Vec<f64>>]) {
    for (i, ring) in rings.iter().enumerate() {
        assert_eq!(ring.first(), ring.last(), "ring closed");
        let area = signed_area2(ring);
        if i == 0 {
            assert!(area > 0.0, "exterior ring counter-clockwise (RFC 7946)");
        } else {
            assert!(area < 0.0, "holes clockwise");
        }
        for p in ring {
            assert!(
                (-9.0..=2.5).contains(&p[0]) && (49.0..=61.5).contains(&p[1]),
                "lon, lat order in the UK: {p:?}"
            );
        }
    }
}

#[tokio::test]
async fn healthz_and_unknown_paths() {
    let ok = get(app(), "/healthz").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.text(), "ok");
    let missing = get(app(), "/api/v1/layers/nowhere").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "not_found");
    let page = get(app(), "/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text().contains("<h1>404"), "a page, not JSON");
}

/// Regression: every page asked for `/favicon.ico` and got a 404, which
/// Chromium logs as a console error.
#[tokio::test]
async fn pages_have_an_icon_and_favicon_ico_answers_it() {
    let icon =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/web/favicon.svg")).expect("icon");
    let answer = get(app(), "/favicon.ico").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "image/svg+xml");
    assert_eq!(answer.body, icon);
    let linked = get(app(), "/static/favicon.svg").await;
    assert_eq!(linked.body, icon);
    for page in ["/", "/towns", "/reports/new", "/signin"] {
        let html = get(app(), page).await.text();
        assert!(
            html.contains(r#"<link rel="icon" type="image/svg+xml" href="/static/favicon.svg?v="#),
            "{page}"
        );
    }
}

/// Static files are compressed once and served with those bytes (each read
/// back by an independent decoder equals the file), a per-representation ETag,
/// and a year-long immutable cache under the hashed URLs the pages use.
#[tokio::test]
async fn static_files_are_precompressed_and_immutable_under_their_hashed_urls() {
    use std::io::Read as _;
    let file = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/web/vendor/maplibre-gl/maplibre-gl.js"
    ))
    .expect("file");
    let page = get(app(), "/").await.text();
    let start = page
        .find("/static/vendor/maplibre-gl/maplibre-gl.js?v=")
        .expect("the map page names the script by its hash");
    let url = &page[start..page[start..].find('"').map_or(page.len(), |e| start + e)];
    let fetch = |encoding: Option<&'static str>, uri: String| async move {
        let mut request = Request::get(&uri);
        if let Some(e) = encoding {
            request = request.header(header::ACCEPT_ENCODING, e);
        }
        send(app(), request.body(Body::empty()).expect("request")).await
    };
    let decoded = |answer: &Answer| -> Vec<u8> {
        let mut out = Vec::new();
        match answer
            .headers
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().expect("ascii"))
        {
            Some("br") => {
                brotli::Decompressor::new(&answer.body[..], 4096)
                    .read_to_end(&mut out)
                    .expect("brotli");
            }
            Some("gzip") => {
                flate2::read::GzDecoder::new(&answer.body[..])
                    .read_to_end(&mut out)
                    .expect("gzip");
            }
            Some("zstd") => out = zstd::decode_all(&answer.body[..]).expect("zstd"),
            None => out.clone_from(&answer.body),
            Some(other) => panic!("unexpected coding {other}"),
        }
        out
    };
    let mut etags = std::collections::HashSet::new();
    for (accept, coding) in [
        (Some("br"), Some("br")),
        (Some("gzip"), Some("gzip")),
        (Some("zstd"), Some("zstd")),
        (Some("gzip, deflate, br, zstd"), None),
        (None, None),
    ] {
        let answer = fetch(accept, url.to_owned()).await;
        assert_eq!(answer.status, StatusCode::OK, "{accept:?}");
        let sent = answer
            .headers
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().expect("ascii").to_owned());
        if let Some(coding) = coding {
            assert_eq!(sent.as_deref(), Some(coding), "{accept:?}");
        }
        if accept.is_some() {
            assert!(
                answer.body.len() < file.len() / 3,
                "{accept:?}: {} bytes",
                answer.body.len()
            );
            assert_eq!(answer.header("vary"), "Accept-Encoding");
        }
        assert!(
            decoded(&answer) == file,
            "{accept:?}: the decoded bytes are the file"
        );
        assert_eq!(
            answer.header("cache-control"),
            "public, max-age=31536000, immutable"
        );
        let etag = answer.header("etag").to_owned();
        // Revalidating the same representation answers 304.
        let again = send(
            app(),
            Request::get(url)
                .header(header::ACCEPT_ENCODING, accept.unwrap_or("identity"))
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{accept:?}");
        etags.insert((sent, etag));
    }
    assert!(etags.len() >= 4, "one ETag per representation: {etags:?}");
    // Without the hash (an old or hand-written link) the file is revalidated.
    let plain = fetch(None, "/static/vendor/maplibre-gl/maplibre-gl.js".into()).await;
    assert_eq!(
        plain.header("cache-control"),
        "public, max-age=3600, must-revalidate"
    );
    assert!(plain.body == file);
}

#[tokio::test]
async fn cells_layer_matches_the_analysis_and_is_rfc7946() {
    let answer = get(app(), "/api/v1/layers/cells?res=8&k=1").await;
    let fc = collection(&answer);
    let prov = provenance(&fc);
    assert_eq!(prov["layer"], "cells");
    assert_eq!(prov["query"]["res"], 8);
    assert_eq!(prov["kernel"]["name"], "uniform");
    assert!(prov["generated_at"].is_string());
    assert!(prov["n_cells"].as_u64().expect("n") > 1000);
    assert!(!fc.features.is_empty());

    // The same numbers as the analysis stage computes directly.
    let run = {
        let store = demo().1.lock().expect("connection");
        publish::hot_cells(&store, &LayerQuery::default()).expect("gi*")
    };
    let expected: std::collections::HashMap<String, (u64, f64, i8)> = run
        .cells
        .iter()
        .filter(|c| c.count > 0 || c.bin != 0)
        .map(|c| (c.cell.to_string(), (c.count, c.gi_z, c.bin)))
        .collect();
    assert_eq!(fc.features.len(), expected.len());
    let mut hot = 0;
    for f in &fc.features {
        let p = f.properties.as_ref().expect("properties");
        let h3 = p["h3"].as_str().expect("h3");
        let (count, z, bin) = expected[h3];
        assert_eq!(p["count"].as_u64(), Some(count));
        assert!((p["gi_z"].as_f64().expect("z") - z).abs() < 1e-12);
        assert_eq!(p["bin"].as_i64(), Some(i64::from(bin)));
        assert!(p["p"].as_f64().is_some());
        if bin == 3 {
            hot += 1;
        }
        match &f.geometry.as_ref().expect("geometry").value {
            geojson::GeometryValue::Polygon { coordinates } => {
                let rings: Vec<Vec<Vec<f64>>> = coordinates
                    .iter()
                    .map(|r| r.iter().map(|p| p.as_slice().to_vec()).collect())
                    .collect();
                check_rings(&rings);
            }
            other => panic!("expected a Polygon, got {other:?}"),
        }
    }
    assert!(hot > 0, "the demo's planted hot spots show at bin 3");
}

/// The compass points, clockwise from north, each owning the 45° centred on it.
const COMPASS: [&str; 8] = ["n", "ne", "e", "se", "s", "sw", "w", "nw"];

/// Great-circle distance (km) and initial bearing (degrees, 0..360) from
/// `from` to `to`, each `(lat, lng)`.
fn distance_and_bearing(from: (f64, f64), to: (f64, f64)) -> (f64, f64) {
    let (p1, p2) = (from.0.to_radians(), to.0.to_radians());
    let dl = (to.1 - from.1).to_radians();
    let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    let km = 2.0 * 6371.0088 * h.sqrt().asin();
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    (km, y.atan2(x).to_degrees().rem_euclid(360.0))
}

/// A feature's `nearest_town` is the town nearest `at` (the gazetteer's
/// latitude sweep checked against its scan of every place of a town's size),
/// and `nearest_town_km` and `nearest_town_direction` say how far and which
/// way `at` lies from it, by the formulas above.
fn assert_from_nearest_town(
    p: &serde_json::Map<String, serde_json::Value>,
    at: (f64, f64),
    what: &str,
) {
    let nearest = hotspots::geo::Gazetteer::embedded()
        .nearest_place(at.0, at.1, hotspots::geo::TOWN_MIN_POPULATION)
        .map(|(place, _)| (place.name.as_str(), (place.lat, place.lng)));
    assert_eq!(p["nearest_town"].as_str(), nearest.map(|n| n.0), "{what}");
    let (km, degrees) = distance_and_bearing(nearest.expect("a town").1, at);
    let reported = p["nearest_town_km"].as_f64().expect("km");
    assert!(
        (reported - km).abs() <= 0.051,
        "{what} {reported} km, {km} km"
    );
    if ((degrees + 22.5) % 45.0).min(45.0 - (degrees + 22.5) % 45.0) > 0.5 {
        assert_eq!(
            p["nearest_town_direction"],
            COMPASS[((degrees + 22.5) / 45.0) as usize % 8],
            "{what} {degrees}°"
        );
    }
}

/// `hotspots demo`'s overview: the ten busiest res-8 cells, busiest first,
/// each with its nearest town, how far and which way.
#[test]
fn the_demo_overview_says_where_its_busiest_cells_are() {
    let store = demo().1.lock().expect("store");
    let mut out = Vec::new();
    hotspots::demo::print_overview(&store, &mut out).expect("overview");
    let text = String::from_utf8(out).expect("UTF-8");
    let rows: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("busiest res-8 cells:"))
        .skip(2)
        .collect();
    assert_eq!(rows.len(), 10, "{text}");
    let mut previous = u64::MAX;
    for row in rows {
        let (cell, rest) = row.trim().split_once(' ').expect("cell");
        let (count, place) = rest.trim().split_once("  ").expect("count, place");
        let count: u64 = count.parse().expect("count");
        assert!(count <= previous, "busiest first: {text}");
        previous = count;
        let cell: h3o::CellIndex = cell.parse().expect("cell");
        let centre = h3o::LatLng::from(cell);
        let (town, tail) = place.split_once(", ").expect("town, km");
        let (km, direction) = tail.split_once(" km ").expect("km direction");
        let mut p = serde_json::Map::new();
        p.insert("nearest_town".into(), town.into());
        p.insert(
            "nearest_town_km".into(),
            km.parse::<f64>().expect("km").into(),
        );
        p.insert(
            "nearest_town_direction".into(),
            direction.to_lowercase().into(),
        );
        assert_from_nearest_town(&p, (centre.lat(), centre.lng()), row);
    }
}

#[tokio::test]
async fn hotspots_emerging_and_reports_layers() {
    let fc = collection(&get(app(), "/api/v1/layers/hotspots").await);
    assert!(!fc.features.is_empty());
    let gazetteer = hotspots::geo::Gazetteer::embedded();
    let mut crossing = 0;
    let mut crossing_forces = 0;
    for f in &fc.features {
        let p = f.properties.as_ref().expect("properties");
        for key in [
            "id",
            "bin",
            "cells",
            "count",
            "max_gi_z",
            "nearest_town",
            "venues",
            "first_seen",
            "last_seen",
            "robust",
        ] {
            assert!(p.contains_key(key), "hotspot property {key}");
        }
        assert!(p["bin"].as_i64().expect("bin") >= 2);
        // Its districts, counted here from its cells' res-7 parents: most
        // cells first, codes beside names, flagged when more than one.
        // Likewise its police forces, each cell in its district's force.
        let mut by_district = std::collections::BTreeMap::<&str, usize>::new();
        let mut by_force = std::collections::BTreeMap::<&str, usize>::new();
        let mut force_names = std::collections::BTreeMap::<&str, &str>::new();
        for cell in p["h3_cells"].as_array().expect("h3_cells") {
            let cell: h3o::CellIndex = cell.as_str().expect("hex").parse().expect("cell");
            let res7 = cell.parent(h3o::Resolution::Seven).expect("res 7 or finer");
            let (code, _) = gazetteer.district_of_cell(res7).expect("a district");
            *by_district.entry(code).or_default() += 1;
            let (force, name) = gazetteer.force_of_district(code).expect("a force");
            *by_force.entry(force).or_default() += 1;
            force_names.insert(force, name);
        }
        let mut expected: Vec<(&str, usize)> = by_district.into_iter().collect();
        expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let texts = |key: &str| -> Vec<&str> {
            p[key]
                .as_array()
                .unwrap_or_else(|| panic!("{key} is a list"))
                .iter()
                .map(|v| v.as_str().expect("text"))
                .collect()
        };
        let codes = texts("district_codes");
        assert_eq!(
            codes,
            expected.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
            "{}",
            p["id"]
        );
        let names = texts("districts");
        let named: Vec<&str> = codes
            .iter()
            .map(|c| gazetteer.district_name(c).expect("name"))
            .collect();
        assert_eq!(names, named);
        assert_eq!(p["crosses_districts"], codes.len() > 1, "{}", p["id"]);
        crossing += usize::from(codes.len() > 1);
        let mut expected: Vec<(&str, usize)> = by_force.into_iter().collect();
        expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let forces = texts("force_codes");
        assert_eq!(
            forces,
            expected.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            "{}",
            p["id"]
        );
        let named: Vec<&str> = forces.iter().map(|id| force_names[id]).collect();
        assert_eq!(texts("forces"), named, "{}", p["id"]);
        // How far and which way the area lies from its town, worked out here
        // from its cells' centres and the town's point (spherical formulas).
        let cells: Vec<h3o::LatLng> = p["h3_cells"]
            .as_array()
            .expect("h3_cells")
            .iter()
            .map(|c| {
                h3o::LatLng::from(
                    c.as_str()
                        .expect("hex")
                        .parse::<h3o::CellIndex>()
                        .expect("cell"),
                )
            })
            .collect();
        let n = cells.len() as f64;
        let centre = (
            cells.iter().map(|c| c.lat()).sum::<f64>() / n,
            cells.iter().map(|c| c.lng()).sum::<f64>() / n,
        );
        let town_name = p["nearest_town"].as_str().expect("a town");
        let (km, degrees) = gazetteer
            .places
            .iter()
            .filter(|t| t.name == town_name)
            .map(|t| distance_and_bearing((t.lat, t.lng), centre))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .expect("the town in the gazetteer");
        let reported = p["nearest_town_km"].as_f64().expect("km");
        assert!(
            (reported - km).abs() <= 0.051,
            "{} {reported} km, {km} km",
            p["id"]
        );
        let off_boundary = ((degrees + 22.5) % 45.0).min(45.0 - (degrees + 22.5) % 45.0) > 0.5;
        if off_boundary {
            let expected = COMPASS[((degrees + 22.5) / 45.0) as usize % 8];
            assert_eq!(
                p["nearest_town_direction"], expected,
                "{} {degrees}°",
                p["id"]
            );
        }
        assert_eq!(p["crosses_forces"], forces.len() > 1, "{}", p["id"]);
        crossing_forces += usize::from(forces.len() > 1);
        if let geojson::GeometryValue::MultiPolygon { coordinates } =
            &f.geometry.as_ref().expect("geometry").value
        {
            for polygon in coordinates {
                let rings: Vec<Vec<Vec<f64>>> = polygon
                    .iter()
                    .map(|r| r.iter().map(|p| p.as_slice().to_vec()).collect())
                    .collect();
                check_rings(&rings);
            }
        } else {
            panic!("hotspot areas are MultiPolygons");
        }
    }
    assert!(crossing > 0, "the demo has areas across district lines");
    assert!(
        crossing_forces > 0,
        "the demo has an area across a force boundary (Luton and Harpenden)"
    );
    assert_eq!(provenance(&fc)["layer"], "hotspots");

    let fc = collection(&get(app(), "/api/v1/layers/emerging?step=quarter").await);
    assert_eq!(provenance(&fc)["query"]["step"], "quarter");
    assert!(!fc.features.is_empty(), "cells with reports get a category");
    assert!(
        fc.features.iter().any(|f| f
            .properties
            .as_ref()
            .is_some_and(|p| p["category"] != "none")),
        "the demo's planted trends show as emerging categories"
    );
    // Each cell names the town nearest its centre: the gazetteer's latitude
    // sweep checked against its scan of every place of a town's size.
    for f in &fc.features {
        let p = f.properties.as_ref().expect("properties");
        assert!(
            p["category"].is_string() && p.contains_key("trend_z") && p.contains_key("trend_p")
        );
        let cell: h3o::CellIndex = p["h3"].as_str().expect("h3").parse().expect("cell");
        let centre = h3o::LatLng::from(cell);
        assert_from_nearest_town(p, (centre.lat(), centre.lng()), &cell.to_string());
    }
    // `category` answers exactly the features of those categories (the map's
    // "new or intensifying" list asks for three rather than the whole layer).
    let wanted = ["new_hot", "intensifying_hot", "consecutive_hot", "none"];
    let expected: Vec<String> = fc
        .features
        .iter()
        .filter(|f| {
            wanted.contains(
                &f.properties.as_ref().expect("p")["category"]
                    .as_str()
                    .expect("c"),
            )
        })
        .map(|f| f.properties.as_ref().expect("p")["h3"].to_string())
        .collect();
    let some = collection(
        &get(
            app(),
            "/api/v1/layers/emerging?step=quarter&category=none,new_hot,consecutive_hot,intensifying_hot",
        )
        .await,
    );
    let got: Vec<String> = some
        .features
        .iter()
        .map(|f| f.properties.as_ref().expect("p")["h3"].to_string())
        .collect();
    assert!(!got.is_empty() && got.len() < fc.features.len());
    assert_eq!(got, expected);
    assert_eq!(provenance(&some)["features"], got.len());

    let fc = collection(
        &get(
            app(),
            "/api/v1/layers/reports?venue=farm&from=2024-01-01&to=2024-12-31",
        )
        .await,
    );
    assert!(!fc.features.is_empty());
    for f in &fc.features {
        let p = f.properties.as_ref().expect("properties");
        assert_eq!(p["venue_type"], "farm");
        let day = p["observed_on"].as_str().expect("date");
        assert!(("2024-01-01"..="2024-12-31").contains(&day));
        assert!(
            !p.contains_key("notes"),
            "the default open role (analyst) never gets notes"
        );
    }
}

/// The premises list says where each premises is: its nearest town, and how
/// far and which way, in the API's GeoJSON and CSV and on the page (where a
/// register premises also shows its address).
#[tokio::test]
async fn premises_say_where_they_are() {
    let tactical = as_role(router(demo_state()), Role::Tactical);
    let fc = collection(&get(tactical.clone(), "/api/v1/premises?min_reports=2").await);
    assert!(fc.features.len() > 100, "the demo's repeat premises");
    for f in &fc.features {
        let p = f.properties.as_ref().expect("properties");
        let Some(geojson::GeometryValue::Point { coordinates }) =
            f.geometry.as_ref().map(|g| &g.value)
        else {
            panic!("premises are points");
        };
        assert_from_nearest_town(
            p,
            (coordinates[1], coordinates[0]),
            &p["premises_id"].to_string(),
        );
    }
    let csv = get(
        tactical.clone(),
        "/api/v1/premises?min_reports=2&format=csv",
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.text();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let header = rows.headers().expect("header").clone();
    for column in ["nearest_town", "nearest_town_km", "nearest_town_direction"] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    // The page: the first row (most reported) reads as the layer's first feature.
    let page = get(tactical.clone(), "/premises").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let first = fc.features[0].properties.as_ref().expect("properties");
    let expected = crate::support::place_of(&serde_json::Value::Object(first.clone()));
    let first_near = html
        .split(r#"<td class="near">"#)
        .nth(1)
        .and_then(|rest| rest.split("</td>").next());
    assert_eq!(first_near, Some(expected.as_str()));
    // A register premises' row shows its address under its name.
    let registered = fc
        .features
        .iter()
        .filter_map(|f| f.properties.as_ref())
        .find(|p| p["address"].is_string())
        .expect("a register premises in the demo's list");
    let address = registered["address"].as_str().expect("address");
    let id = registered["premises_id"].as_str().expect("id");
    let row = html
        .split(&format!(r#"<a href="/premises/{id}">"#))
        .nth(1)
        .and_then(|rest| rest.split("</td>").next())
        .expect("the premises' row");
    assert!(
        row.contains(&format!(r#"<small class="address">{address}"#)),
        "{id}: {address} in {row}"
    );
    // Its page: the address, and the status as the language words it.
    let fact = |html: &str, term: &str| {
        crate::support::element(html, &format!("<dt>{term}</dt><dd>"), "</dd>").map(str::to_owned)
    };
    let page = get(tactical.clone(), &format!("/premises/{id}"))
        .await
        .text();
    assert!(
        fact(&page, "Address").is_some_and(|a| a.starts_with(address)),
        "{id}: {address}"
    );
    let closed = (fc.features.iter())
        .filter_map(|f| f.properties.as_ref())
        .find(|p| p["status"] == "closed")
        .expect("a closed premises in the demo's list");
    for p in [registered, closed] {
        let id = p["premises_id"].as_str().expect("id");
        let status = p["status"].as_str().expect("status");
        let page = get(tactical.clone(), &format!("/premises/{id}"))
            .await
            .text();
        assert_eq!(fact(&page, "Status").as_deref(), Some(status));
        let welsh = get(tactical.clone(), &format!("/premises/{id}?lang=cy"))
            .await
            .text();
        let in_welsh = if status == "open" {
            "ar agor"
        } else {
            "ar gau"
        };
        assert_eq!(fact(&welsh, "Statws").as_deref(), Some(in_welsh), "{id}");
    }
    // Premises made from reports have no address: said, not left blank.
    let made = fc
        .features
        .iter()
        .filter_map(|f| f.properties.as_ref())
        .find(|p| p["address"].is_null() && p["postcode"].is_null())
        .expect("premises made from reports in the demo's list");
    let id = made["premises_id"].as_str().expect("id");
    let page = get(tactical, &format!("/premises/{id}")).await.text();
    assert_eq!(fact(&page, "Address").as_deref(), Some("not known"), "{id}");
    // Its timeline names each report's source, not its code.
    let named = crate::support::DEMO_SOURCE_NAMES;
    let sources: Vec<&str> = page
        .split("<td>Report ")
        .skip(1)
        .map(|rest| {
            let cell = rest.split("</td>").next().unwrap_or("");
            cell.rsplit_once(" (")
                .and_then(|(_, s)| s.strip_suffix(')'))
                .unwrap_or(cell)
        })
        .collect();
    assert!(!sources.is_empty(), "{id}: reports on its timeline");
    for source in &sources {
        assert!(named.contains(source), "{id}: {source}");
    }
}

/// Every page of a premises list from `first`, following its "next" links
/// (as the page writes them, `&amp;` and all) to the end.
async fn premises_pages(app: &Router, first: &str) -> Vec<String> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_owned());
    while let Some(uri) = next.take() {
        let answer = get(app.clone(), &uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        let html = answer.text();
        next = crate::support::element(&html, r#"<a rel="next" href=""#, "\"")
            .map(|href| href.replace("&amp;", "&"));
        assert!(pages.len() < 100, "{uri}: a next link past 100 pages");
        pages.push(html);
    }
    pages
}

/// The ids of the premises a page of the list shows, in its order.
fn listed_ids(html: &str) -> Vec<String> {
    html.split(r#"<tr><td><a href="/premises/"#)
        .skip(1)
        .map(|rest| rest.split('"').next().expect("id").to_owned())
        .collect()
}

/// A force's premises list runs to thousands: the page lists it a hundred
/// at a time, most reported first, and its pages together are the API's
/// list in the API's order, each premises once. The links between pages
/// keep the list's filters and sort; the downloads hold every premises.
#[tokio::test]
async fn the_premises_list_comes_in_pages() {
    let tactical = as_role(router(demo_state()), Role::Tactical);
    for (page_query, api_query) in [
        ("", "min_reports=2"),
        (
            "?sort=name&venue=car_wash",
            "min_reports=2&sort=name&venue=car_wash",
        ),
    ] {
        let fc = collection(&get(tactical.clone(), &format!("/api/v1/premises?{api_query}")).await);
        let expected: Vec<String> = (fc.features.iter())
            .map(|f| {
                f.properties.as_ref().expect("properties")["premises_id"]
                    .as_str()
                    .expect("id")
                    .to_owned()
            })
            .collect();
        assert!(
            expected.len() > 100,
            "{api_query}: {} premises",
            expected.len()
        );
        let pages = premises_pages(&tactical, &format!("/premises{page_query}")).await;
        assert_eq!(pages.len(), expected.len().div_ceil(100), "{api_query}");
        let listed: Vec<String> = pages.iter().flat_map(|p| listed_ids(p)).collect();
        assert_eq!(
            listed, expected,
            "{api_query}: the pages in order are the API's list"
        );
        for (n, html) in pages.iter().enumerate() {
            let said = crate::support::element(html, r#"<p id="prem-count">"#, "<a ")
                .unwrap_or_default()
                .replace(['\u{2068}', '\u{2069}'], "");
            let first = n * 100 + 1;
            let last = (first + 99).min(expected.len());
            assert_eq!(
                said.trim(),
                format!(
                    "{} premises; {} to {} listed here. Download all:",
                    crate::support::grouped(expected.len() as u64),
                    crate::support::grouped(first as u64),
                    crate::support::grouped(last as u64)
                ),
                "{api_query}: page {}",
                n + 1
            );
            assert_eq!(html.contains(r#"rel="prev""#), n > 0, "page {}", n + 1);
            // The downloads are the whole list, never a page of it.
            let download = crate::support::element(html, r#"href="/api/v1/premises?"#, "\"")
                .expect("a download link");
            assert!(!download.contains("page="), "{download}");
            for filter in page_query
                .trim_start_matches('?')
                .split('&')
                .filter(|f| !f.is_empty())
            {
                assert!(download.contains(filter), "{download}: {filter}");
                if let Some(next) = crate::support::element(html, r#"<a rel="next" href=""#, "\"") {
                    assert!(next.contains(filter), "{next}: {filter}");
                }
            }
        }
    }
    // A page that is not one is refused, naming the parameter.
    let pages = collection(&get(tactical.clone(), "/api/v1/premises?min_reports=2").await)
        .features
        .len()
        .div_ceil(100);
    for bad in ["0", "two", "-1", &(pages + 1).to_string()] {
        let answer = get(tactical.clone(), &format!("/premises?page={bad}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "page={bad}");
        assert!(answer.text().contains("page"), "page={bad}");
    }
    // A list that fits on one page says its count alone, with no page links.
    let short = get(tactical, "/premises?min_reports=40").await.text();
    assert!(!short.contains(r#"<nav class="paging""#));
    assert!(listed_ids(&short).len() < 100 && !listed_ids(&short).is_empty());
}

/// The premises list's last column says when a premises was last visited
/// and what was found, or "Not visited", as its own page counts its visits.
#[tokio::test]
async fn the_premises_list_says_which_premises_were_visited() {
    let tactical = as_role(router(demo_state()), Role::Tactical);
    let pages = premises_pages(&tactical, "/premises").await;
    // (premises id, the row's last cell)
    let rows: Vec<(&str, &str)> = pages
        .iter()
        .flat_map(|html| html.split(r#"<tr><td><a href="/premises/"#).skip(1))
        .map(|rest| {
            let id = rest.split('"').next().expect("id");
            let row = rest.split("</tr>").next().expect("row");
            let last = row.rsplit("<td>").next().expect("cell");
            (id, last.trim_end_matches("</td>"))
        })
        .collect();
    assert!(rows.len() > 100, "{} rows", rows.len());
    let visited: Vec<_> = rows.iter().filter(|(_, c)| *c != "Not visited").collect();
    let unvisited: Vec<_> = rows.iter().filter(|(_, c)| *c == "Not visited").collect();
    assert!(!visited.is_empty() && !unvisited.is_empty(), "{rows:?}");
    let facts = |page: &str| {
        crate::support::element(page, r#"<dd id="prem-visits">"#, "</dd>")
            .unwrap_or_default()
            .replace(['\u{2068}', '\u{2069}'], "")
    };
    for (id, last) in visited.iter().take(5) {
        // "2024-08-17: Indicators confirmed"
        let (day, result) = last.split_once(": ").expect("a day and a result");
        assert!(
            chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok(),
            "{id}: {last}"
        );
        let page = get(tactical.clone(), &format!("/premises/{id}"))
            .await
            .text();
        assert!(
            page.contains(&format!(r#"<td class="date">{day}</td>"#)),
            "{id}: {day}"
        );
        assert!(
            facts(&page).contains(&format!("the last {day}: {result}")),
            "{id}: {}",
            facts(&page)
        );
    }
    for (id, _) in unvisited.iter().take(5) {
        let page = get(tactical.clone(), &format!("/premises/{id}"))
            .await
            .text();
        assert!(
            facts(&page).starts_with("Not visited"),
            "{id}: {}",
            facts(&page)
        );
        assert!(
            !page.contains("<td><strong>Visit "),
            "{id}: a visit on its timeline"
        );
    }
}

#[tokio::test]
async fn csv_download_and_etag() {
    let answer = get(
        app(),
        "/api/v1/layers/cells?format=csv&download=1&venue=car_wash",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    // Saved as a file, a CSV comes zipped with its provenance.json.
    assert_eq!(answer.header(header::CONTENT_TYPE), "application/zip");
    assert_eq!(
        answer.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"hotspots-cells-r8.csv.zip\""
    );
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(answer.body.clone())).expect("a zip");
    let mut csv_bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut archive.by_name("hotspots-cells-r8.csv").expect("the CSV"),
        &mut csv_bytes,
    )
    .expect("read");
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        [
            "h3",
            "lat",
            "lng",
            "count",
            "value",
            "gi_z",
            "p",
            "bin",
            "ring_count"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert!(!rows.is_empty());

    let first = get(app(), "/api/v1/layers/cells?res=7").await;
    let etag = first.header(header::ETAG).to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10);
    let again = send(
        app(),
        Request::get("/api/v1/layers/cells?res=7")
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    // The same query in another order is the same ETag; another query is not.
    let reordered = get(app(), "/api/v1/layers/cells?k=1&res=7").await;
    assert_eq!(reordered.header(header::ETAG), etag);
    assert_eq!(
        reordered.body, first.body,
        "the cached answer is the same bytes"
    );
    let other = get(app(), "/api/v1/layers/cells?res=6").await;
    assert_ne!(other.header(header::ETAG), etag);
}

/// Large layers go out compressed in the client's preferred coding (stored once
/// beside the plain bytes): they decode to exactly the plain answer.
#[tokio::test]
async fn layers_are_compressed_as_the_client_prefers() {
    let uri = "/api/v1/layers/cells?res=8&all=true";
    let plain = get(app(), uri).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(
        plain.body.len() > 32 * 1024,
        "a layer big enough to be stored compressed: {} bytes",
        plain.body.len()
    );
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    assert!(plain.header(header::VARY).contains("Accept-Encoding"));
    let fetch = |accept: &'static str| {
        send(
            app(),
            Request::get(uri)
                .header(header::ACCEPT_ENCODING, accept)
                .body(Body::empty())
                .expect("request"),
        )
    };
    let decode_br = |body: &[u8]| {
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &body[..], &mut out).expect("valid brotli");
        out
    };
    let decode_gzip = |body: &[u8]| {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(body), &mut out)
            .expect("valid gzip");
        out
    };
    let decode_zstd = |body: &[u8]| zstd::decode_all(body).expect("valid zstd");
    for (accept, coding) in [
        ("gzip, deflate, br, zstd", "zstd"),
        ("gzip, deflate, br", "br"),
        ("zstd;q=0.5, br", "br"),
        ("br;q=0.5, gzip", "gzip"),
        ("gzip;q=0, br", "br"),
        ("deflate, gzip;q=0.2", "gzip"),
    ] {
        // Twice: computed, then from the cache; both decode to the plain bytes.
        for _ in 0..2 {
            let answer = fetch(accept).await;
            assert_eq!(answer.status, StatusCode::OK, "{accept}");
            assert_eq!(answer.header(header::CONTENT_ENCODING), coding, "{accept}");
            assert_eq!(answer.header(header::ETAG), plain.header(header::ETAG));
            let decoded = match coding {
                "zstd" => decode_zstd(&answer.body),
                "br" => decode_br(&answer.body),
                _ => decode_gzip(&answer.body),
            };
            assert!(
                answer.body.len() * 3 < decoded.len(),
                "{accept}: compressed"
            );
            // The same answer; byte for byte unless another test's answers
            // pushed it out of the shared cache in between, when only its
            // generation time may differ.
            if decoded != plain.body {
                assert_eq!(
                    without_generated_at(&decoded),
                    without_generated_at(&plain.body),
                    "{accept}: decodes to the plain answer"
                );
            }
        }
    }
    let refused = fetch("br;q=0, gzip;q=0, zstd;q=0, identity").await;
    assert!(refused.headers.get(header::CONTENT_ENCODING).is_none());
    if refused.body != plain.body {
        assert_eq!(
            without_generated_at(&refused.body),
            without_generated_at(&plain.body)
        );
    }
}

/// A layer answer with its provenance's `generated_at` left out.
fn without_generated_at(body: &[u8]) -> serde_json::Value {
    let mut doc: serde_json::Value = serde_json::from_slice(body).expect("json");
    if let Some(p) = doc["provenance"].as_object_mut() {
        p.remove("generated_at");
    }
    doc
}

/// Months before the store's first report are not months without reports:
/// a period asked from a year before the data (a "last 12 months" button on
/// a young database) answers as the period from the data's first day does,
/// hotspot areas' monthly trends, emerging categories and town rows alike.
/// Zeros there would make every area's trend rise and hot spots new.
#[tokio::test]
async fn a_period_reaching_before_the_data_answers_as_the_data() {
    let first = get(app(), "/api/v1/towns?step=quarter").await.json()["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["period_start"].as_str().map(str::to_owned))
        .min()
        .expect("a period");
    let year: i32 = first[..4].parse().expect("year");
    let early = format!("{}-01-01", year - 1);
    let to = format!("{year}-12-31");
    let features = |doc: &serde_json::Value| doc["features"].clone();
    for (layer, extra) in [
        ("layers/hotspots", "&res=7"),
        ("layers/emerging", "&res=7&step=quarter"),
    ] {
        let ask = |from: String| {
            let uri = format!("/api/v1/{layer}?from={from}&to={to}{extra}");
            async move { without_generated_at(&get(app(), &uri).await.body) }
        };
        let (data, before) = (ask(first.clone()).await, ask(early.clone()).await);
        let list = features(&data);
        assert!(
            list.as_array().is_some_and(|f| !f.is_empty()),
            "{layer}: {data}"
        );
        assert_eq!(features(&before), list, "{layer} from {early}");
    }
    let towns = |from: String| {
        let uri = format!("/api/v1/towns?step=quarter&from={from}&to={to}");
        async move { without_generated_at(&get(app(), &uri).await.body)["rows"].clone() }
    };
    assert_eq!(
        towns(early.clone()).await,
        towns(first.clone()).await,
        "towns from {early}"
    );
}

#[tokio::test]
async fn bad_parameters_answer_400_naming_the_field() {
    for (uri, field) in [
        ("/api/v1/layers/cells?res=12", "res"),
        ("/api/v1/layers/cells?k=9", "k"),
        ("/api/v1/layers/cells?kernel=box", "kernel"),
        ("/api/v1/layers/cells?colour=red", "colour"),
        ("/api/v1/layers/cells?from=31/12/2024", "from"),
        ("/api/v1/layers/hotspots?venue=brothel", "venue"),
        ("/api/v1/layers/emerging?step=decade", "step"),
        ("/api/v1/layers/reports?res=8", "res"),
        ("/api/v1/towns?level=county", "level"),
        ("/api/v1/layers/cells?district=Atlantis", "district"),
        ("/api/v1/layers/cells?force=atlantis", "force"),
        (
            "/api/v1/layers/hotspots?force=norfolk&district=Fenland",
            "force",
        ),
        ("/api/v1/cells?h3=zzz", "h3"),
        ("/api/v1/cells", "h3"),
    ] {
        let answer = get(app(), uri).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        let body = answer.json();
        assert_eq!(body["error"]["field"], field, "{uri}: {body}");
        assert_eq!(body["error"]["code"], "bad_request");
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn towns_rows_as_json_and_csv() {
    let answer = get(app(), "/api/v1/towns?step=year").await;
    assert_eq!(answer.status, StatusCode::OK);
    let body = answer.json();
    let rows = body["rows"].as_array().expect("rows");
    assert!(!rows.is_empty());
    for r in rows {
        for key in [
            "town",
            "district",
            "period",
            "count",
            "previous",
            "year_before",
            "change",
            "p_change",
            "q_change",
            "q_year",
        ] {
            assert!(r.get(key).is_some(), "towns row has {key}");
        }
        let count = r["count"].as_i64().expect("n");
        // Null in the first year, which has nothing before it.
        let change = r["previous"].as_i64().map(|previous| count - previous);
        assert_eq!(r["change"].as_i64(), change, "{r}");
    }
    // The towns' provenance says how the table was made, and nothing of the
    // cell analyses: no Gi*, no kernel, no resolution, for either role.
    let partnership = get(
        as_role(router(demo_state()), Role::Partnership),
        "/api/v1/towns",
    )
    .await;
    for block in [&body["provenance"], &partnership.json()["provenance"]] {
        assert_eq!(block["layer"], "towns");
        assert!(
            block["multiple_testing"]
                .as_str()
                .is_some_and(|s| s.contains("Benjamini-Hochberg")),
            "{block}"
        );
        for key in [
            "statistic",
            "kernel",
            "bins",
            "fdr",
            "tail",
            "n_cells",
            "study_area",
            "weight",
        ] {
            assert!(block.get(key).is_none(), "{key} in {block}");
        }
        for key in ["res", "k", "kernel", "fdr", "permutations"] {
            assert!(block["query"].get(key).is_none(), "query.{key} in {block}");
        }
    }
    let csv_answer = get(app(), "/api/v1/towns?format=csv&level=district").await;
    let mut reader = csv::Reader::from_reader(csv_answer.body.as_slice());
    let header = reader.headers().expect("header").clone();
    assert_eq!(header.get(0), Some("town"));
    let q_at = header
        .iter()
        .position(|h| h == "q_change")
        .expect("a q_change column");
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert!(!records.is_empty());
    assert!(
        records.iter().any(|r| r[q_at].parse::<f64>().is_ok()),
        "some q_change"
    );
}

/// The exact two-sided binomial test of `now` against `before` (equal
/// exposure), summed outcome by outcome: every split of the total no more
/// likely than the one seen.
fn binomial_p(now: u64, before: u64) -> f64 {
    let n = now + before;
    let pmf: Vec<f64> = (0..=n)
        .scan(0.5f64.powi(n as i32), |term, k| {
            let here = *term;
            *term *= (n - k) as f64 / (k + 1) as f64;
            Some(here)
        })
        .collect();
    let seen = pmf[now as usize];
    pmf.iter()
        .filter(|p| **p <= seen * (1.0 + 1e-7))
        .sum::<f64>()
        .min(1.0)
}

/// Reports loaded today, with the quarters before: a busy town whose
/// previous quarter had 30 reports and this quarter, so far, 2.
fn running_quarter_state(with_earlier: bool) -> (AppState, chrono::NaiveDate) {
    use hotspots::model::{period_start, previous_period, Step};
    use std::fmt::Write as _;
    let today = chrono::Local::now().date_naive();
    let running = period_start(today, Step::Quarter);
    let last = previous_period(running, Step::Quarter);
    let before = previous_period(last, Step::Quarter);
    let mut csv = String::from("report_id,observed_on,venue_type,lat,lng\n");
    let mut id = 0;
    let mut add = |csv: &mut String, day: chrono::NaiveDate, lat: f64, lng: f64| {
        id += 1;
        let spread = f64::from(id % 7) * 0.0007;
        let _ = writeln!(
            csv,
            "R{id},{day},car_wash,{:.5},{:.5}",
            lat + spread,
            lng - spread
        );
    };
    // Peterborough and Cambridge.
    for (lat, lng, last_n, before_n, now_n) in
        [(52.5725, -0.2430, 30, 28, 2), (52.2053, 0.1218, 12, 11, 3)]
    {
        for i in (0..before_n).filter(|_| with_earlier) {
            add(&mut csv, before + chrono::Days::new(i % 85), lat, lng);
        }
        for i in (0..last_n).filter(|_| with_earlier) {
            add(&mut csv, last + chrono::Days::new(i % 85), lat, lng);
        }
        for _ in 0..now_n {
            add(&mut csv, today, lat, lng);
        }
    }
    let mut store = hotspots::Store::open_in_memory().expect("store");
    hotspots::ingest::load(
        &mut store,
        hotspots::Input::Reader {
            name: "running.csv".into(),
            reader: Box::new(std::io::Cursor::new(csv.into_bytes())),
        },
        &hotspots::ingest::LoadOptions {
            default_source: Some("police".into()),
            no_rejects_file: true,
            ..hotspots::ingest::LoadOptions::default()
        },
        None,
    )
    .expect("load");
    crate::support::router::seed_accounts(&store);
    let state = AppState::new(store, hotspots::serve::ServeConfig::default()).expect("state");
    (state, today)
}

/// A quarter still running when the reports were last loaded is a part of a
/// quarter: set against whole ones, its every town reads as a fall. The
/// exact rows show its count and earlier counts with `complete: false` and
/// no change or test (nor a place in the quarter's q family); the towns page
/// opens on the latest whole quarter and marks the running one; the
/// partnership release and the pack are of whole quarters only; the
/// emerging steps and the hotspot areas' months end at the last whole
/// month; no period starts after the day the reports are current to.
#[tokio::test]
async fn a_quarter_still_running_is_shown_but_not_tested_or_released() {
    use hotspots::model::{period_label, period_start, previous_period, Step};
    let (state, today) = running_quarter_state(true);
    let running = period_start(today, Step::Quarter);
    let last = previous_period(running, Step::Quarter);
    let (running_label, last_label) = (
        period_label(running, Step::Quarter),
        period_label(last, Step::Quarter),
    );
    let analyst = || as_role(router(state.clone()), Role::Analyst);
    let partnership = || as_role(router(state.clone()), Role::Partnership);

    // The exact rows.
    let body = get(analyst(), "/api/v1/towns?step=quarter").await.json();
    let rows = body["rows"].as_array().expect("rows");
    let row = |town: &str, label: &str| {
        rows.iter()
            .find(|r| r["town"] == town && r["period"] == label)
            .unwrap_or_else(|| panic!("{town} {label} in {body}"))
    };
    let now = row("Peterborough", &running_label);
    assert_eq!(now["count"], 2, "{now}");
    assert_eq!(now["previous"], 30, "{now}");
    assert_eq!(now["complete"], false, "{now}");
    for key in ["change", "p_change", "p_year", "q_change", "q_year"] {
        assert!(now[key].is_null(), "{key} of {now}");
    }
    let whole = row("Peterborough", &last_label);
    assert_eq!(
        (whole["count"].as_u64(), whole["previous"].as_u64()),
        (Some(30), Some(28))
    );
    assert_eq!(whole["complete"], true, "{whole}");
    assert!(
        whole["p_change"].is_number() && whole["q_change"].is_number(),
        "{whole}"
    );
    assert!(
        rows.iter().all(|r| (r["period"] == running_label.as_str())
            != r["complete"].as_bool().expect("complete")),
        "complete exactly where the quarter has ended"
    );
    assert_eq!(body["provenance"]["reports_as_of"], today.to_string());
    // Nothing after the day the reports are current to, whatever `to` asks.
    let far = today + chrono::Days::new(800);
    let body = get(analyst(), &format!("/api/v1/towns?step=quarter&to={far}"))
        .await
        .json();
    let latest = body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["period_start"].as_str())
        .max()
        .expect("a row")
        .to_owned();
    assert_eq!(latest, running.to_string());
    let csv = get(analyst(), "/api/v1/towns?step=quarter&format=csv")
        .await
        .text();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (period, complete) = (column("period"), column("complete"));
    for record in reader.records() {
        let record = record.expect("record");
        let expected = if record[period] == *running_label {
            "false"
        } else {
            "true"
        };
        assert_eq!(&record[complete], expected, "{record:?}");
    }

    // The page: opens on the latest whole quarter; the running one says so.
    let html = get(analyst(), "/towns").await.text();
    assert!(
        html.contains(&format!("Town trends: {last_label}")),
        "opens on {last_label}"
    );
    assert!(
        html.contains(&format!("{running_label} (still running)")),
        "the picker"
    );
    let html = get(analyst(), &format!("/towns?quarter={running_label}"))
        .await
        .text();
    let verdicts = towns_verdicts(&html);
    assert_eq!(verdicts.len(), 2, "{verdicts:?}");
    assert!(
        verdicts.values().all(|v| v == "Quarter still running"),
        "{verdicts:?}"
    );
    assert!(html.contains("id=\"towns-running\"") && !html.contains("id=\"towns-note\""));
    // Said before the table, and each sparkline ends dashed, read as so far.
    assert!(html.find("towns-running") < html.find("towns-table"));
    let peterborough = html
        .split("<tr data-area=\"Peterborough\"")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .expect("Peterborough's row");
    assert!(
        peterborough.contains("class=\"so-far\"")
            && peterborough.contains("Counts by quarter: 28, 30, 2 so far"),
        "{peterborough}"
    );
    let whole = get(analyst(), &format!("/towns?quarter={last_label}"))
        .await
        .text();
    assert!(!whole.contains("so-far") && !whole.contains("towns-running"));

    // The partnership reads whole quarters only.
    let body = get(partnership(), "/api/v1/towns?step=quarter")
        .await
        .json();
    let periods: std::collections::BTreeSet<&str> = body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["period"].as_str())
        .collect();
    assert!(periods.contains(last_label.as_str()), "{periods:?}");
    assert!(!periods.contains(running_label.as_str()), "{periods:?}");
    let cells = get(partnership(), "/api/v1/layers/cells").await.json();
    assert_eq!(
        cells["provenance"]["disclosure"]["period"],
        last_label.as_str()
    );
    let page = get(partnership(), &format!("/towns?quarter={running_label}")).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let district = row("Peterborough", &last_label)["district"]
        .as_str()
        .expect("district")
        .to_owned();
    for role_app in [analyst(), partnership()] {
        let pack = get(
            role_app,
            &format!(
                "/towns/pack?quarter={}&area=district:{district}",
                running_label.replace('-', "")
            ),
        )
        .await;
        assert_eq!(pack.status, StatusCode::BAD_REQUEST);
        assert!(pack.text().contains("still running"), "{}", pack.text());
    }

    // Trend series end at the last whole month.
    let this_month = period_start(today, Step::Month);
    let first = previous_period(last, Step::Quarter);
    let whole_months = hotspots::model::periods(first, this_month, Step::Month).len() - 1;
    let emerging = get(analyst(), "/api/v1/layers/emerging?step=month")
        .await
        .json();
    assert_eq!(
        emerging["provenance"]["steps"], whole_months,
        "{}",
        emerging["provenance"]
    );
    assert_eq!(
        emerging["provenance"]["last_step"],
        previous_period(this_month, Step::Month).to_string()
    );
    let areas = get(analyst(), "/api/v1/layers/hotspots").await.json();
    let monthly: Vec<usize> = areas["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["properties"]["monthly"].as_array().map(Vec::len))
        .collect();
    assert!(!monthly.is_empty(), "an area with a trend");
    assert!(
        monthly.iter().all(|n| *n == whole_months),
        "{monthly:?} months, {whole_months} whole"
    );

    // Reports of the running quarter alone: the partnership's tables say
    // why they are empty; the analyst's show that quarter, as running.
    let (state, _) = running_quarter_state(false);
    let html = get(as_role(router(state.clone()), Role::Partnership), "/towns")
        .await
        .text();
    assert!(
        html.contains("No quarter has ended since the first report"),
        "{html}"
    );
    assert!(
        !html.contains("towns-note")
            && html.contains("<h1>Towns</h1>")
            && !html.contains("id=\"quarter\""),
        "{html}"
    );
    let html = get(as_role(router(state), Role::Analyst), "/towns")
        .await
        .text();
    assert!(
        html.contains(&format!("Town trends: {running_label}"))
            && html.contains("id=\"towns-running\"")
    );
}

/// A query's dates cut periods as the calendar does: a period `to` ends
/// inside is a part (the towns rows show it with `complete: false` and no
/// tests, as a quarter still running), and the trend series (the emerging
/// steps, the hotspot areas' months) take whole steps only, dropping one cut
/// by `to` or by a `from` later than the first report; the emerging
/// provenance gives the days its steps cover, and its counts are theirs.
#[tokio::test]
async fn periods_cut_by_the_query_dates_are_parts() {
    let rows_of = |body: &serde_json::Value| body["rows"].as_array().expect("rows").clone();
    // Towns: to inside 2025-Q4, then on its last day.
    let body = get(app(), "/api/v1/towns?step=quarter&to=2025-11-15")
        .await
        .json();
    let cut = rows_of(&body);
    let in_period = |rows: &[serde_json::Value], label: &str| -> Vec<serde_json::Value> {
        rows.iter()
            .filter(|r| r["period"] == label)
            .cloned()
            .collect()
    };
    let q4 = in_period(&cut, "2025-Q4");
    assert!(q4.len() > 5, "{}", body["provenance"]);
    for row in &q4 {
        assert_eq!(row["complete"], false, "{row}");
        for key in ["change", "p_change", "p_year", "q_change", "q_year"] {
            assert!(row[key].is_null(), "{key} of {row}");
        }
    }
    let q3 = in_period(&cut, "2025-Q3");
    assert!(
        !q3.is_empty()
            && q3
                .iter()
                .all(|r| r["complete"] == true && r["p_change"].is_number())
    );
    let whole = rows_of(
        &get(app(), "/api/v1/towns?step=quarter&to=2025-12-31")
            .await
            .json(),
    );
    let whole_q4 = in_period(&whole, "2025-Q4");
    assert!(whole_q4
        .iter()
        .all(|r| r["complete"] == true && r["p_change"].is_number()));
    // The part is the reports to `to`: fewer than the whole quarter's.
    let total =
        |rows: &[serde_json::Value]| rows.iter().filter_map(|r| r["count"].as_u64()).sum::<u64>();
    assert!(
        total(&q4) < total(&whole_q4),
        "{} of {}",
        total(&q4),
        total(&whole_q4)
    );

    // Emerging by month: from and to inside January and June.
    let answer = get(
        app(),
        "/api/v1/layers/emerging?step=month&from=2025-01-10&to=2025-06-15",
    )
    .await;
    let emerging = collection(&answer);
    let block = provenance(&emerging);
    assert_eq!(block["steps"], 4, "{block}");
    assert_eq!(
        (&block["first_step"], &block["last_step"]),
        (&"2025-02-01".into(), &"2025-05-01".into()),
        "{block}"
    );
    assert_eq!(
        (&block["data_window"]["from"], &block["data_window"]["to"]),
        (&"2025-02-01".into(), &"2025-05-31".into()),
        "{block}"
    );
    // Its counts are the steps' reports: the cells layer over those days.
    let count_sum = |fc: &geojson::FeatureCollection| -> u64 {
        fc.features
            .iter()
            .filter_map(|f| f.property("count").and_then(serde_json::Value::as_u64))
            .sum()
    };
    let cells = collection(&get(app(), "/api/v1/layers/cells?from=2025-02-01&to=2025-05-31").await);
    let cut_cells =
        collection(&get(app(), "/api/v1/layers/cells?from=2025-01-10&to=2025-06-15").await);
    assert!(count_sum(&cells) > 0 && count_sum(&cells) < count_sum(&cut_cells));
    assert_eq!(count_sum(&emerging), count_sum(&cells));
    // Dates on the steps' edges cut nothing.
    let edges = collection(
        &get(
            app(),
            "/api/v1/layers/emerging?step=month&from=2025-01-01&to=2025-06-30",
        )
        .await,
    );
    assert_eq!(provenance(&edges)["steps"], 6);

    // The hotspot areas' months: the whole ones between the dates.
    let areas = collection(
        &get(
            app(),
            "/api/v1/layers/hotspots?from=2024-12-20&to=2025-06-15",
        )
        .await,
    );
    let monthly: Vec<usize> = areas
        .features
        .iter()
        .filter_map(|f| {
            f.property("monthly")
                .and_then(serde_json::Value::as_array)
                .map(Vec::len)
        })
        .collect();
    assert!(!monthly.is_empty(), "an area with a trend");
    assert!(monthly.iter().all(|n| *n == 5), "{monthly:?}");
}

/// A period the data does not reach back to is nothing to compare with,
/// not a zero: the first quarter of the data has no previous count, change
/// or test, its first year no year before, in the API (null), on the towns
/// page ("No earlier data", a dash) and in the pack; the quarter after has
/// them all.
#[tokio::test]
async fn the_first_quarters_of_the_data_have_nothing_before_them() {
    let body = get(app(), "/api/v1/towns?step=quarter").await.json();
    let rows = body["rows"].as_array().expect("rows");
    let first = rows
        .iter()
        .filter_map(|r| r["period_start"].as_str())
        .min()
        .expect("a period")
        .to_owned();
    let first_year = first[..4].parse::<i32>().expect("year");
    let (mut before, mut after) = (0, 0);
    for r in rows {
        let start = r["period_start"].as_str().expect("start");
        let has_previous = start != first;
        let has_year = start[..4].parse::<i32>().expect("year") > first_year;
        for (key, expected) in [
            ("previous", has_previous),
            ("change", has_previous),
            ("p_change", has_previous),
            ("year_before", has_year),
            ("p_year", has_year),
        ] {
            assert_eq!(!r[key].is_null(), expected, "{key} of {r}");
        }
        if has_previous {
            after += 1;
        } else {
            assert!(r["q_change"].is_null(), "{r}");
            before += 1;
        }
    }
    assert!(before > 10 && after > 100, "{before} {after}");
    // The page: every row of the first quarter says so; a dash, not a zero.
    let label = rows
        .iter()
        .find(|r| r["period_start"] == first.as_str())
        .and_then(|r| r["period"].as_str())
        .expect("a label")
        .to_owned();
    for role in [Role::Analyst, Role::Partnership] {
        let html = get(
            as_role(router(demo_state()), role),
            &format!("/towns?quarter={label}"),
        )
        .await
        .text();
        let verdicts = towns_verdicts(&html);
        assert!(!verdicts.is_empty());
        assert!(
            verdicts.values().all(|v| v == "No earlier data"),
            "{role:?}: {verdicts:?}"
        );
        let first_row = html.split("<tr data-area=").nth(1).expect("a row");
        let cells: Vec<&str> = first_row
            .split("<td class=\"num\">")
            .skip(1)
            .map(|c| c.split('<').next().expect("text"))
            .collect();
        assert_eq!(
            cells[1..3],
            ["–", "–"],
            "previous and year before: {first_row}"
        );
        assert!(
            html.contains("No change could be tested this quarter"),
            "{role:?}: the note"
        );
    }
    // The pack of the first quarter's busiest district.
    let district = get(app(), "/api/v1/towns?step=quarter&level=district")
        .await
        .json()["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["period_start"] == first.as_str())
        .max_by_key(|r| r["count"].as_u64())
        .and_then(|r| r["town"].as_str())
        .expect("a district")
        .to_owned();
    let pack = get(
        as_role(router(demo_state()), Role::Partnership),
        &format!(
            "/towns/pack?quarter={}&area=district:{district}",
            label.replace('-', "")
        ),
    )
    .await;
    assert_eq!(pack.status, StatusCode::OK);
    let html = pack.text();
    assert!(
        html.contains("The records do not reach back to the same quarter last year"),
        "{html}"
    );
    assert!(
        html.contains(r#"data-value="before-data""#) && !html.contains("(p = "),
        "{html}"
    );
}

/// A window's first quarters compare with the quarters before it: the
/// analyst's rows from 2023 equal the same rows of the whole series (their
/// previous quarter and year before counted, not zeros for lying before
/// `from`); the partnership's published change and test are the published
/// counts' own, for every row of its twelve quarters.
#[tokio::test]
async fn towns_compare_with_the_quarters_before_the_window() {
    let rows = |body: serde_json::Value| body["rows"].as_array().expect("rows").clone();
    let whole = rows(get(app(), "/api/v1/towns?step=quarter").await.json());
    let window = rows(
        get(
            app(),
            "/api/v1/towns?step=quarter&from=2023-01-01&to=2023-12-31",
        )
        .await
        .json(),
    );
    assert!(window
        .iter()
        .any(|r| r["period"] == "2023-Q1" && r["previous"].as_u64() > Some(0)));
    for r in &window {
        let same = whole
            .iter()
            .find(|w| w["town"] == r["town"] && w["period"] == r["period"])
            .unwrap_or_else(|| panic!("{r} in the whole series"));
        for key in [
            "count",
            "previous",
            "year_before",
            "change",
            "p_change",
            "p_year",
        ] {
            assert_eq!(r[key], same[key], "{key} of {r}");
        }
    }
    let published = rows(
        get(
            as_role(router(demo_state()), Role::Partnership),
            "/api/v1/towns",
        )
        .await
        .json(),
    );
    let mut tested = 0;
    for r in &published {
        let count = r["count"].as_u64();
        for (before, change, p) in [
            ("previous", "change", "p_change"),
            ("year_before", "", "p_year"),
        ] {
            match count.zip(r[before].as_u64()) {
                Some((now, then)) => {
                    if !change.is_empty() {
                        assert_eq!(r[change].as_i64(), Some(now as i64 - then as i64), "{r}");
                    }
                    let got = r[p].as_f64().expect("p");
                    assert!((got - binomial_p(now, then)).abs() < 1e-9, "{p} of {r}");
                    tested += 1;
                }
                None => assert!(r[p].is_null(), "{p} of {r}"),
            }
        }
    }
    assert!(tested > 100, "{tested} published tests");
}

/// Benjamini-Hochberg by its definition: a p-value's q is the smallest
/// `m · p(j) / j` over the ranks from its own up (tied values take the best
/// rank among them), at most 1.
fn bh_q(p: &[f64]) -> Vec<f64> {
    let mut sorted = p.to_vec();
    sorted.sort_by(f64::total_cmp);
    let m = p.len();
    p.iter()
        .map(|pi| {
            let first = sorted
                .iter()
                .position(|s| s.total_cmp(pi).is_eq())
                .expect("listed");
            (first..m)
                .map(|j| sorted[j] * m as f64 / (j + 1) as f64)
                .fold(1.0, f64::min)
        })
        .collect()
}

/// Each row's significance on `/towns?quarter=...`: area → message.
fn towns_verdicts(html: &str) -> std::collections::BTreeMap<String, String> {
    html.split("<tr data-area=\"")
        .skip(1)
        .map(|row| {
            let area = row.split('"').next().expect("area").replace("&amp;", "&");
            let sig = row
                .split("<td class=\"sig\">")
                .nth(1)
                .and_then(|rest| rest.split('<').next())
                .expect("a significance cell");
            (area, sig.to_owned())
        })
        .collect()
}

/// A town's change is called only after allowing for the quarter's other
/// towns. For the exact rows (analyst) and the published ones (partnership):
/// each row's `q_change` and `q_year` are the test's own Benjamini-Hochberg
/// over the quarter's rows whose total could give p < 0.05 at all (6 or
/// more reports: 2 · 0.5⁶ < 0.05 ≤ 2 · 0.5⁵), null for the rest; the page
/// calls a rise or a fall exactly when `q_change < 0.05` and its note
/// counts that family. On the demo, some p < 0.05 is not called a change.
#[tokio::test]
async fn town_changes_are_called_after_allowing_for_the_other_towns() {
    let (mut uncorrected_only, mut called) = (0, 0);
    for role in [Role::Analyst, Role::Partnership] {
        let app = || as_role(router(demo_state()), role);
        let body = get(app(), "/api/v1/towns?step=quarter").await.json();
        let rows = body["rows"].as_array().expect("rows");
        let mut periods: std::collections::BTreeMap<&str, Vec<&serde_json::Value>> =
            std::collections::BTreeMap::new();
        for r in rows {
            periods
                .entry(r["period"].as_str().expect("period"))
                .or_default()
                .push(r);
        }
        let mut most_telling = ("", 0);
        for (period, rows) in &periods {
            let mut families = Vec::new();
            for (p_key, q_key, before_key) in [
                ("p_change", "q_change", "previous"),
                ("p_year", "q_year", "year_before"),
            ] {
                let family: Vec<&serde_json::Value> = rows
                    .iter()
                    .copied()
                    .filter(|r| {
                        let total = r["count"].as_u64().zip(r[before_key].as_u64());
                        r[p_key].is_number() && total.is_some_and(|(a, b)| a + b >= 6)
                    })
                    .collect();
                let p: Vec<f64> = family
                    .iter()
                    .map(|r| r[p_key].as_f64().expect("p"))
                    .collect();
                let expected = bh_q(&p);
                for r in rows {
                    let at = family.iter().position(|f| std::ptr::eq(*f, *r));
                    match at {
                        Some(i) => {
                            let q = r[q_key]
                                .as_f64()
                                .unwrap_or_else(|| panic!("{role:?} {period}: {r}"));
                            assert!(
                                (q - expected[i]).abs() < 1e-12,
                                "{role:?} {period} {q_key}: {q} vs {}: {r}",
                                expected[i]
                            );
                        }
                        None => assert!(r[q_key].is_null(), "{role:?} {period} {q_key}: {r}"),
                    }
                }
                families.push(family);
            }
            let telling = families[0]
                .iter()
                .filter(|r| {
                    r["p_change"].as_f64() < Some(0.05) && r["q_change"].as_f64() >= Some(0.05)
                })
                .count();
            uncorrected_only += telling;
            called += families[0]
                .iter()
                .filter(|r| r["q_change"].as_f64() < Some(0.05))
                .count();
            if telling > most_telling.1 || most_telling.0.is_empty() {
                most_telling = (period, telling);
            }
            // The page of the quarter with the most such rows, and the latest.
            if *period != most_telling.0 && Some(period) != periods.keys().last() {
                continue;
            }
            let page = get(app(), &format!("/towns?quarter={period}")).await;
            assert_eq!(page.status, StatusCode::OK);
            let html = page.text();
            let verdicts = towns_verdicts(&html);
            assert!(!verdicts.is_empty(), "{role:?} {period}: no rows");
            for r in rows {
                let town = r["town"].as_str().expect("town");
                let before_data =
                    r["previous"].is_null() && r["previous_suppressed"] != serde_json::json!(true);
                let expected = match (r["q_change"].as_f64(), r["change"].as_i64()) {
                    _ if before_data => "No earlier data",
                    _ if r["p_change"].is_null() => "Not shown (a count is withheld)",
                    (Some(q), Some(change)) if q < 0.05 && change > 0 => "Significant rise",
                    (Some(q), Some(_)) if q < 0.05 => "Significant fall",
                    _ => "No clear change",
                };
                if let Some(said) = verdicts.get(town) {
                    assert_eq!(said, expected, "{role:?} {period} {town}: {r}");
                }
            }
            let note = if families[0].is_empty() {
                "No change could be tested this quarter".to_owned()
            } else {
                format!("allowing for all {} changes tested", families[0].len())
            };
            assert!(
                html.contains(&note),
                "{role:?} {period}: the note counts the family"
            );
        }
    }
    assert!(
        uncorrected_only > 0,
        "no p < 0.05 left uncalled on the demo"
    );
    assert!(called > 0, "no change called on the demo");
}

#[tokio::test]
async fn cell_detail_counts_match_the_cells_layer() {
    let fc = collection(&get(app(), "/api/v1/layers/cells").await);
    let busiest = fc
        .features
        .iter()
        .filter_map(|f| f.properties.as_ref())
        .max_by_key(|p| p["count"].as_u64())
        .expect("a cell");
    let h3 = busiest["h3"].as_str().expect("h3");
    let detail = get(app(), &format!("/api/v1/cells?h3={h3}")).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text());
    let d = detail.json();
    assert_eq!(d["count"], busiest["count"]);
    let venues: u64 = d["venues"]
        .as_object()
        .expect("venues")
        .values()
        .filter_map(serde_json::Value::as_u64)
        .sum();
    assert_eq!(Some(venues), busiest["count"].as_u64());
    let monthly: u64 = d["monthly"]
        .as_array()
        .expect("monthly")
        .iter()
        .filter_map(|m| m["count"].as_u64())
        .sum();
    assert_eq!(Some(monthly), busiest["count"].as_u64());
    assert!(
        d["reports"].as_array().is_some_and(|r| !r.is_empty()),
        "analyst sees the reports"
    );
}

#[tokio::test]
async fn partnership_role_gets_no_points() {
    let app = empty_app(Role::Partnership);
    let answer = get(app.clone(), "/api/v1/layers/reports").await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.json()["error"]["code"], "forbidden");
}

fn post_json(uri: &str, body: &serde_json::Value) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

#[tokio::test]
async fn post_reports_single_array_and_upload() {
    let app = empty_app(Role::Tactical);
    let before = get(app.clone(), "/api/v1/layers/cells").await;
    let etag = before.header(header::ETAG).to_owned();

    let one = serde_json::json!({"report_id": "w1", "observed_on": "2024-03-02", "venue_type": "car_wash", "postcode": "PE13 1AA", "notes": "<script>alert(1)</script>"});
    let answer = send(
        app.clone(),
        post_json("/api/v1/reports?source=helpline", &one),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let s = answer.json();
    assert_eq!(
        (
            s["read"].as_u64(),
            s["stored"].as_u64(),
            s["rejected"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );

    // The data changed: the old ETag no longer matches and the layer has the report.
    let after = send(
        app.clone(),
        Request::get("/api/v1/layers/cells")
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(after.status, StatusCode::OK);
    assert_ne!(after.header(header::ETAG), etag);
    let fc = collection(&after);
    assert_eq!(
        fc.features
            .iter()
            .filter_map(|f| f.properties.as_ref())
            .map(|p| p["count"].as_u64().unwrap_or(0))
            .sum::<u64>(),
        1
    );

    let array = serde_json::json!([
        {"report_id": "w1", "observed_on": "2024-03-02", "venue_type": "car_wash", "postcode": "PE13 1AA", "notes": "<script>alert(1)</script>"},
        {"report_id": "w2", "observed_on": "2024-03-03", "venue_type": "nail_bar", "postcode": "ZZ99 9ZZ"},
        {"report_id": "w3", "observed_on": "2024-03-04", "venue_type": "spaceship", "town": "Wisbech"},
        {"report_id": "w4", "observed_on": "2024-03-05", "venue_type": "farm", "town": "Wisbech"}
    ]);
    let answer = send(
        app.clone(),
        post_json("/api/v1/reports?source=helpline", &array),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let s = answer.json();
    assert_eq!(s["read"], 4);
    assert_eq!(s["stored"], 1);
    assert_eq!(s["duplicates"], 1);
    assert_eq!(s["rejected"], 2);
    let rejects = s["rejects"].as_array().expect("rejects");
    assert_eq!(rejects[0]["line"], 2);
    assert_eq!(rejects[0]["field"], "postcode");
    assert_eq!(rejects[1]["line"], 3);
    assert_eq!(rejects[1]["field"], "venue_type");

    // All rejected: 422.
    let bad = serde_json::json!({"venue_type": "car_wash"});
    let answer = send(app.clone(), post_json("/api/v1/reports", &bad)).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.json()["rejects"][0]["field"], "observed_on");

    // A file upload goes through the same path.
    let upload = |csv_file: &str| {
        let boundary = "XhotspotsX";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nglaa\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cards.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv_file}\r\n--{boundary}--\r\n"
        );
        Request::post("/api/v1/reports")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .expect("request")
    };
    let answer = send(
        app.clone(),
        upload("report_id,date,venue,postcode\nu1,01/02/2024,Hand car wash,PE13 1AA\nu2,31/02/2024,car_wash,PE13 1AA\n"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let s = answer.json();
    assert_eq!(s["file"], "cards.csv");
    assert_eq!(
        (s["stored"].as_u64(), s["rejected"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(s["rejects"][0]["line"], 3);
    assert_eq!(s["rejects"][0]["field"], "observed_on");

    // A body in another encoding says so in its charset; an unknown one is
    // refused naming the header.
    let latin = b"report_id,date,venue,postcode,venue_name,notes\n\
                  c1,01/03/2024,car_wash,PE13 1AA,Caf\xe9 Wash,\xa310 a wash\n"
        .to_vec();
    let csv_as = |charset: &str| {
        Request::post("/api/v1/reports")
            .header(header::CONTENT_TYPE, format!("text/csv; charset={charset}"))
            .body(Body::from(latin.clone()))
            .expect("request")
    };
    let answer = send(app.clone(), csv_as("klingon")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.json()["error"]["field"], "Content-Type");
    let answer = send(app.clone(), csv_as("\"Windows-1252\"")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["stored"], 1);
    let fc = collection(&get(app.clone(), "/api/v1/layers/reports").await);
    let c1 = fc
        .features
        .iter()
        .filter_map(|f| f.properties.as_ref())
        .find(|p| p["report_id"] == "c1")
        .expect("c1 stored");
    assert_eq!(
        (c1["venue_name"].as_str(), c1["notes"].as_str()),
        (Some("Caf\u{e9} Wash"), Some("\u{a3}10 a wash"))
    );

    // A header that names no column a report needs is refused whole.
    let answer = send(
        app.clone(),
        Request::post("/api/v1/reports")
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(
                "Date of visit,venue,postcode\n01/03/2024,farm,PE13 1AA\n",
            ))
            .expect("request"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let error = &answer.json()["error"];
    assert_eq!(error["field"], "body");
    let message = error["message"].as_str().expect("message");
    assert!(
        message.contains("line 1: header: no column gives each report's date")
            && message.ends_with("the columns not read are \"Date of visit\""),
        "{message}"
    );
    // Uploaded, the same file's problem is the upload's `file` field's.
    let answer = send(
        app.clone(),
        upload("Date of visit,venue,postcode\n01/03/2024,farm,PE13 1AA\n"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let error = &answer.json()["error"];
    assert_eq!(error["field"], "file");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("line 1: header: no column gives each report's date")),
        "{error}"
    );

    // Wrong content type, unknown parameter.
    let answer = send(
        app.clone(),
        Request::post("/api/v1/reports")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("hello"))
            .expect("request"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.json()["error"]["field"], "Content-Type");
    let answer = send(app.clone(), post_json("/api/v1/reports?colour=red", &one)).await;
    assert_eq!(answer.json()["error"]["field"], "colour");

    // Tactical reads notes; the stored text is intact (escaping is the page's job).
    let fc = collection(&get(app, "/api/v1/layers/reports").await);
    let notes: Vec<&str> = fc
        .features
        .iter()
        .filter_map(|f| f.properties.as_ref()?.get("notes")?.as_str())
        .collect();
    assert!(notes.contains(&"<script>alert(1)</script>"));
}

#[tokio::test]
async fn openapi_lists_every_path_and_the_parsers_parameters() {
    let answer = get(app(), "/api/v1/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    let doc = answer.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')));
    for path in [
        "/api/v1/layers/cells",
        "/api/v1/layers/context",
        "/api/v1/towns",
        "/api/v1/reports",
        "/api/v1/cells",
        "/api/v1/basemap/{name}",
        "/api/v1/openapi.json",
    ] {
        assert!(doc["paths"].get(path).is_some(), "OpenAPI has {path}");
    }
    // A path per layer, with exactly the parameters its parser accepts.
    for layer in [
        hotspots::publish::Layer::Cells,
        hotspots::publish::Layer::Hotspots,
        hotspots::publish::Layer::Emerging,
        hotspots::publish::Layer::Reports,
        hotspots::publish::Layer::Towns,
        hotspots::publish::Layer::Context,
    ] {
        let path = if layer == hotspots::publish::Layer::Towns {
            "/api/v1/towns".to_owned()
        } else {
            format!("/api/v1/layers/{}", layer.as_str())
        };
        let documented: Vec<&str> = doc["paths"][&path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: parameters"))
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(
            documented.len(),
            layer.accepts().len(),
            "{path}: {documented:?}"
        );
        for name in layer.accepts() {
            assert!(
                documented.contains(&name),
                "{name} is accepted by the parser but not documented"
            );
        }
    }
}

#[tokio::test]
async fn pages_render() {
    let map = get(app(), "/?venue=car_wash&res=7").await;
    assert_eq!(map.status, StatusCode::OK);
    let html = map.text();
    assert!(html.contains("/static/vendor/maplibre-gl/maplibre-gl.js"));
    assert!(
        html.contains(r#"value="car_wash" checked"#),
        "controls reflect the URL"
    );
    assert!(html.contains(r#"<option value="7" selected>"#));
    assert!(!html.contains("<script>"), "no inline script");

    let towns = get(app(), "/towns").await;
    assert_eq!(towns.status, StatusCode::OK);
    let html = towns.text();
    assert!(html.contains(r#"<table id="towns-table">"#));
    assert!(html.contains("<svg"), "sparklines are server-rendered SVG");
    assert!(
        !html.contains("<script"),
        "the towns page needs no JavaScript"
    );
    let bad = get(app(), "/towns?quarter=1999-Q9").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // The outcomes form shows the map window it used (the default when not
    // asked), and a window asked for.
    for (uri, days) in [("/outcomes", "365"), ("/outcomes?window_days=90", "90")] {
        let page = get(app(), uri).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(
            html.contains(&format!(r#"name="window_days" value="{days}""#)),
            "{uri}"
        );
    }

    let js = get(app(), "/static/app.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js
        .header(header::CONTENT_TYPE)
        .starts_with("text/javascript"));
    let etag = js.header(header::ETAG).to_owned();
    let again = send(
        app(),
        Request::get("/static/app.js")
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
}

/// Fisher's exact test, two-sided, by listing every table with the margins
/// of `[[a, b], [c, d]]`: the reference the server's crate is checked against.
fn fisher_by_enumeration(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let ln_fact = |n: u64| (1..=n).map(|i| (i as f64).ln()).sum::<f64>();
    let (row1, row2, col1) = (a + b, c + d, a + c);
    let n = row1 + row2;
    let ln_p = |x: u64| {
        ln_fact(row1) + ln_fact(row2) + ln_fact(col1) + ln_fact(n - col1)
            - ln_fact(n)
            - ln_fact(x)
            - ln_fact(row1 - x)
            - ln_fact(col1 - x)
            - ln_fact(row2 + x - col1)
    };
    let seen = ln_p(a).exp();
    (col1.saturating_sub(row2)..=row1.min(col1))
        .map(|x| ln_p(x).exp())
        .filter(|p| *p <= seen * (1.0 + 1e-7))
        .sum::<f64>()
        .min(1.0)
}

/// The outcomes answer sets hot visits against the others (the ratio of hit
/// rates, its interval, Fisher's exact p), and the page says it in words.
#[tokio::test]
async fn outcomes_compare_hot_visits_with_the_others() {
    let answer = get(app(), "/api/v1/outcomes/summary").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let json = answer.json();
    let count = |class: &str, field: &str| json[class][field].as_u64().expect("count");
    let (a, n1) = (count("hot", "positive"), count("hot", "visits"));
    let (c, n2) = (count("not_hot", "positive"), count("not_hot", "visits"));
    assert!(
        a > 0 && c > 0 && n1 > a && n2 > c,
        "the demo's visits: {json}"
    );
    let compared = &json["hot_vs_not_hot"];
    let ratio = (a as f64 / n1 as f64) / (c as f64 / n2 as f64);
    let got = compared["rate_ratio"].as_f64().expect("ratio");
    assert!((got - ratio).abs() < 1e-12 * ratio, "{got} vs {ratio}");
    let se = (1.0 / a as f64 - 1.0 / n1 as f64 + 1.0 / c as f64 - 1.0 / n2 as f64).sqrt();
    let (lo, hi) = (
        compared["ci95"][0].as_f64().expect("lo"),
        compared["ci95"][1].as_f64().expect("hi"),
    );
    assert!(((ratio / lo).ln() - 1.959_964 * se).abs() < 1e-5, "{lo}");
    assert!(((hi / ratio).ln() - 1.959_964 * se).abs() < 1e-5, "{hi}");
    let p = compared["p"].as_f64().expect("p");
    let expected = fisher_by_enumeration(a, n1 - a, c, n2 - c);
    assert!((p - expected).abs() <= 1e-9 * expected, "{p} vs {expected}");

    let page = get(app(), "/outcomes").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let said = crate::support::element(&html, r#"<p id="out-compare">"#, "</p>")
        .expect("the comparison is said");
    assert!(
        said.contains(&format!("{ratio:.1} times as often"))
            && said.contains(&format!("95% interval {lo:.1} to {hi:.1}")),
        "{said}"
    );
    let chance = if p < 0.05 {
        "seldom arise by chance"
    } else {
        "could arise by chance"
    };
    assert!(said.contains(chance), "p = {p}: {said}");
    // Each emerging category's row is named as the map's legend names it;
    // `none` is the analysis' "no pattern detected", not a blank "none".
    let categories: Vec<&str> = (json["emerging"].as_array().expect("emerging").iter())
        .map(|r| r["category"].as_str().expect("category"))
        .collect();
    assert!(categories.contains(&"none"), "{categories:?}");
    for category in categories {
        let label = match category {
            "none" => "no pattern detected".to_owned(),
            "no_reports" => "no reports in the window".to_owned(),
            code => code.replace('_', " "),
        };
        assert!(
            html.contains(&format!(r#"<th scope="row">{label}</th>"#)),
            "{category} as {label}"
        );
    }
    // The hotspot areas and their visits: an analyst reads them; only a role
    // that may open briefings gets links to them, on the same map.
    let areas = crate::support::element(&html, r#"<section id="out-areas">"#, "</section>")
        .expect("the areas section");
    let rows = json["areas"]["rows"].as_array().expect("rows");
    assert_eq!(
        areas.matches("<tr>").count(),
        rows.len() + 1,
        "a row an area"
    );
    assert!(!areas.contains("/briefing?"), "analysts open no briefing");
    // Each area's reports, written as English groups them (1,629).
    // Over the demo's seven years, some area holds more than a thousand.
    let long = "window_days=2557";
    let summary = get(app(), &format!("/api/v1/outcomes/summary?{long}"))
        .await
        .json();
    let page = get(app(), &format!("/outcomes?{long}")).await.text();
    let long_areas = crate::support::element(&page, r#"<section id="out-areas">"#, "</section>")
        .expect("the areas section");
    let reports: Vec<u64> = (summary["areas"]["rows"].as_array().expect("rows").iter())
        .map(|r| r["reports"].as_u64().expect("reports"))
        .collect();
    assert!(reports.iter().any(|n| *n >= 1000), "{reports:?}");
    for n in reports {
        assert!(
            long_areas.contains(&format!(
                r#"<td class="num">{}</td>"#,
                crate::support::grouped(n)
            )),
            "{n} in {long_areas}"
        );
    }
    assert!(
        areas.contains(&format!(
            "{} of the {} areas have had no visit",
            json["areas"]["unvisited"],
            rows.len()
        )),
        "{areas}"
    );
    let tactical = as_role(router(demo_state()), Role::Tactical);
    let html = get(tactical.clone(), "/outcomes?res=7").await.text();
    let link = html
        .split(r#"<section id="out-areas">"#)
        .nth(1)
        .and_then(|rest| rest.split(r#"href=""#).nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("a briefing link")
        .replace("&amp;", "&");
    assert!(link.contains("&res=7&"), "{link}");
    let briefing = get(tactical, &link).await;
    assert_eq!(
        briefing.status,
        StatusCode::OK,
        "{link}: {}",
        briefing.text()
    );
    // A period before the first report: no map, no area, and it says so.
    let early = get(app(), "/outcomes?to=2018-06-01").await.text();
    assert!(early.contains("The map of those days has no hotspot area."));
    // No visits in the period: nothing compared, in the answer and in words.
    let none = get(app(), "/api/v1/outcomes/summary?from=2099-01-01")
        .await
        .json();
    assert!(none["hot_vs_not_hot"].is_null(), "{none}");
    let html = get(app(), "/outcomes?from=2099-01-01").await.text();
    assert!(html.contains("Not compared"), "{html}");
}

/// A district's briefing says what earlier visits there found: their number,
/// finds and referrals added up from the store, the newest listed first.
#[tokio::test]
async fn briefing_says_what_visits_there_found() {
    let tactical = as_role(router(demo_state()), Role::Tactical);
    let page = get(tactical.clone(), "/briefing?area=district:Fenland").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    let section = crate::support::element(&html, r#"<section id="brief-visits">"#, "</section>")
        .expect("the visits section");
    // Fenland's res-8 cells, as its district's own study area lists them.
    let expected: Vec<hotspots::store::OutcomeRecord> = {
        let store = demo().1.lock().expect("store");
        let cells: std::collections::HashSet<u64> = hotspots::publish::study_area(
            &store,
            &hotspots::publish::StudyAreaSpec::Districts(vec!["Fenland".into()]),
            8,
        )
        .expect("Fenland")
        .cells()
        .iter()
        .map(|c| u64::from(*c))
        .collect();
        store
            .outcomes()
            .expect("outcomes")
            .into_iter()
            .filter(|o| o.cells[2].is_some_and(|c| cells.contains(&c)))
            .collect()
    };
    assert!(expected.len() > 15, "the demo visits Fenland often");
    let positive = crate::support::found_exploitation(&expected.iter().collect::<Vec<_>>());
    let nrm: i32 = expected.iter().filter_map(|o| o.nrm_referrals).sum();
    let (first, last) = (
        expected.iter().map(|o| o.visited_on).min().expect("first"),
        expected.iter().map(|o| o.visited_on).max().expect("last"),
    );
    assert!(
        section.contains(&format!(
            "{} visits from {first} to {last}: {positive} found exploitation",
            expected.len()
        )),
        "{section}"
    );
    assert!(
        section.contains(&format!("NRM referrals {nrm},")),
        "{section}"
    );
    let rows: Vec<&str> = section
        .split("<tbody>")
        .nth(1)
        .expect("a table")
        .split("<tr>")
        .skip(1)
        .collect();
    assert_eq!(rows.len(), 15, "the newest fifteen");
    assert!(rows[0].contains(&last.to_string()), "{}", rows[0]);
    assert!(
        section.contains(&format!(
            "{} earlier visits are not listed",
            expected.len() - 15
        )),
        "{section}"
    );
    // A box where nobody has been: it says so.
    let empty = get(tactical, "/briefing?area=bbox:51.0,-4.0,51.01,-3.99").await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text());
    assert!(empty.text().contains("No visit is recorded"));
}

#[tokio::test]
async fn compression_when_asked() {
    let answer = send(
        app(),
        Request::get("/api/v1/basemap/outline")
            .header(header::ACCEPT_ENCODING, "br")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header(header::CONTENT_ENCODING), "br");
    assert_eq!(answer.header(header::CONTENT_TYPE), "application/geo+json");
    let missing = get(app(), "/api/v1/basemap/rivers").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

fn form(body: &str) -> Request<Body> {
    Request::post("/reports/new")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("{body}&csrf=csrf-tactical")))
        .expect("request")
}

#[tokio::test]
async fn report_form_validates_beside_the_field() {
    let app = empty_app(Role::Tactical);
    let page = get(app.clone(), "/reports/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(r#"name="postcode""#));

    let bad = send(app.clone(), form("venue_type=car_wash&observed_on=2024-05-01&postcode=ZZ99+9ZZ&notes=%3Cb%3Ehi%3C%2Fb%3E")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text();
    assert!(
        html.contains(r#"id="location-error""#),
        "message beside the location fields"
    );
    assert!(
        html.contains(r#"value="ZZ99 9ZZ""#),
        "what was typed is kept"
    );
    assert!(html.contains("&lt;b&gt;hi&lt;/b&gt;"), "notes escaped");

    let good = send(app.clone(), form("venue_type=nail_bar&observed_on=2024-05-01&postcode=PE13+1AA&indicators=cash_only&indicators=fearful_workers")).await;
    assert_eq!(good.status, StatusCode::SEE_OTHER);
    assert_eq!(
        good.header(header::LOCATION),
        "/reports/new?submitted=stored"
    );
    let fc = collection(&get(app, "/api/v1/layers/reports").await);
    assert_eq!(fc.features.len(), 1);
    let p = fc.features[0].properties.as_ref().expect("properties");
    assert_eq!(p["source"], "concern_card");
    assert_eq!(
        p["indicators"],
        serde_json::json!(["cash_only", "fearful_workers"])
    );
}

/// Staff often hold a place as an OS grid reference (a GLAA or council
/// record of a farm): the concern card takes one, labelled and hinted, and
/// stores the report at the centre of the square as a file would; a bad one
/// is shown beside the location with what was typed kept. The public page
/// does not ask for it.
#[tokio::test]
async fn the_concern_card_takes_an_os_grid_reference() {
    let app = empty_app(Role::Tactical);
    let page = get(app.clone(), "/reports/new").await.text();
    assert!(page.contains(r#"<label for="grid_ref">OS grid reference</label>"#));
    assert!(page.contains(r#"id="grid_ref" type="text" name="grid_ref""#));
    assert!(page.contains(r#"id="grid_ref-hint""#));
    assert!(page.contains("Give a postcode, a town or village, or an OS grid reference, or pick the place on the map."));
    let public = get(app.clone(), "/report").await.text();
    assert!(public.contains(r#"name="postcode""#) && !public.contains("grid_ref"));
    assert!(public.contains("Give a postcode, or a town or village, or pick the place on the map."));

    let bad = send(
        app.clone(),
        form("venue_type=farm&observed_on=2024-05-01&grid_ref=TF+46012"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text();
    let error = html
        .split(r#"id="location-error">"#)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("a message beside the location fields");
    assert!(error.contains("figures"), "{error}");
    assert!(
        html.contains(r#"value="TF 46012""#),
        "what was typed is kept"
    );

    let good = send(
        app.clone(),
        form("venue_type=farm&observed_on=2024-05-01&grid_ref=tf+460+100"),
    )
    .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER);
    let fc = collection(&get(app, "/api/v1/layers/reports").await);
    assert_eq!(fc.features.len(), 1);
    let p = fc.features[0].properties.as_ref().expect("properties");
    assert_eq!(p["location_input"], "gr:TF460100");
    assert_eq!(p["geocode_method"], "bng");
    assert_eq!(p["precision_m"], 100.0);
    // TF 460 100: the 100 m square from (546000, 310000); its centre.
    let (lng, lat) = hotspots::geo::bng_to_wgs84(546_050.0, 310_050.0).expect("grid");
    let (got_lat, got_lng) = (
        p["lat"].as_f64().expect("lat"),
        p["lng"].as_f64().expect("lng"),
    );
    assert!(
        (got_lat - lat).abs() < 1e-6 && (got_lng - lng).abs() < 1e-6,
        "({got_lat}, {got_lng}) against ({lat}, {lng})"
    );
}

/// A cell's properties and outline (in the Web Mercator unit square).
type Cell = (serde_json::Map<String, serde_json::Value>, Vec<(f64, f64)>);

/// The Web Mercator unit square (x east, y south), computed here independently
/// of `hotspots::publish`.
fn unit_mercator(lon: f64, lat: f64) -> (f64, f64) {
    let y = (1.0
        - (lat.to_radians().tan() + 1.0 / lat.to_radians().cos()).ln() / std::f64::consts::PI)
        / 2.0;
    ((lon + 180.0) / 360.0, y)
}

/// The map's vector tiles hold exactly the cells layer's features: every cell in
/// some tile of the zoom, each with the layer's properties, its outline within a
/// tile unit of the GeoJSON one, exterior rings as MVT 2.1 winds them; ETags,
/// 404 outside the pyramid, 400 for a bad parameter.
#[tokio::test]
async fn map_tiles_hold_the_layer_features() {
    const Z: u8 = 8;
    const EXTENT: f64 = 4096.0;
    let fc = collection(&get(app(), "/api/v1/layers/cells?res=8").await);
    let mut expected: std::collections::HashMap<String, Cell> = std::collections::HashMap::new();
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for f in &fc.features {
        let props = f.properties.clone().expect("properties");
        let h3 = props["h3"].as_str().expect("h3").to_owned();
        let geojson::GeometryValue::Polygon { coordinates } =
            &f.geometry.as_ref().expect("geometry").value
        else {
            panic!("cells are polygons");
        };
        let ring: Vec<(f64, f64)> = coordinates[0]
            .iter()
            .map(|p| unit_mercator(p.as_slice()[0], p.as_slice()[1]))
            .collect();
        for (x, y) in &ring {
            (x0, y0, x1, y1) = (x0.min(*x), y0.min(*y), x1.max(*x), y1.max(*y));
        }
        expected.insert(h3, (props, ring));
    }
    assert!(expected.len() > 100);
    let scale = f64::from(1u32 << Z);
    let mut seen = std::collections::HashSet::new();
    let mut first_tile = None;
    for tx in (x0 * scale) as u32..=(x1 * scale) as u32 {
        for ty in (y0 * scale) as u32..=(y1 * scale) as u32 {
            let uri = format!("/api/v1/tiles/cells/{Z}/{tx}/{ty}?res=8");
            let a = get(app(), &uri).await;
            assert_eq!(
                a.status,
                StatusCode::OK,
                "{uri}: {}",
                String::from_utf8_lossy(&a.body)
            );
            assert_eq!(
                a.header(header::CONTENT_TYPE),
                "application/vnd.mapbox-vector-tile"
            );
            let features = crate::support::router::decode_tile(&a.body);
            if !features.is_empty() && first_tile.is_none() {
                first_tile = Some((uri.clone(), a.header(header::ETAG).to_owned()));
            }
            for (layer, props, polygons) in features {
                assert_eq!(layer, "cells");
                let Some(mvt_reader::feature::Value::String(h3)) = props.get("h3") else {
                    panic!("{uri}: a feature without h3");
                };
                let (want, ring) = &expected[h3];
                // The same properties, nulls left out.
                let given: Vec<&String> = want
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, _)| k)
                    .collect();
                assert_eq!(props.len(), given.len(), "{h3}: {props:?} vs {want:?}");
                for (k, v) in want.iter().filter(|(_, v)| !v.is_null()) {
                    let got = &props[k];
                    match (v, got) {
                        (serde_json::Value::String(s), mvt_reader::feature::Value::String(t)) => {
                            assert_eq!(s, t);
                        }
                        (serde_json::Value::Number(n), mvt_reader::feature::Value::SInt(i)) => {
                            assert_eq!(n.as_i64(), Some(*i), "{h3} {k}");
                        }
                        (serde_json::Value::Number(n), mvt_reader::feature::Value::Double(d)) => {
                            assert_eq!(n.as_f64(), Some(*d), "{h3} {k}");
                        }
                        (serde_json::Value::Bool(b), mvt_reader::feature::Value::Bool(c)) => {
                            assert_eq!(b, c);
                        }
                        other => panic!("{h3} {k}: {other:?}"),
                    }
                }
                assert_eq!(polygons.len(), 1, "{h3}: one hexagon");
                let exterior = polygons[0].exterior();
                // MVT 2.1: an exterior ring has positive area in tile units (y down).
                let area2: i64 = exterior
                    .0
                    .windows(2)
                    .map(|w| {
                        i64::from(w[0].x) * i64::from(w[1].y)
                            - i64::from(w[1].x) * i64::from(w[0].y)
                    })
                    .sum();
                assert!(area2 > 0, "{h3}: exterior ring wound the MVT way");
                for c in &exterior.0 {
                    let (ux, uy) = (
                        (f64::from(tx) + f64::from(c.x) / EXTENT) / scale,
                        (f64::from(ty) + f64::from(c.y) / EXTENT) / scale,
                    );
                    let nearest = ring
                        .iter()
                        .map(|(x, y)| ((x - ux).powi(2) + (y - uy).powi(2)).sqrt())
                        .fold(f64::MAX, f64::min);
                    assert!(
                        nearest * scale * EXTENT <= 1.0,
                        "{h3}: vertex {nearest} off"
                    );
                }
                seen.insert(h3.clone());
            }
        }
    }
    let missing: Vec<&String> = expected.keys().filter(|h| !seen.contains(*h)).collect();
    assert!(
        missing.is_empty(),
        "{} cells in no tile, e.g. {:?}",
        missing.len(),
        missing.first()
    );

    let (uri, etag) = first_tile.expect("some tile has cells");
    let again = send(
        app(),
        Request::get(&uri)
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let other = get(app(), &uri.replace("res=8", "res=8&venue=farm")).await;
    assert_ne!(
        other.header(header::ETAG),
        etag,
        "the ETag follows the query"
    );
    for bad in [
        "/api/v1/tiles/cells/8/256/1",
        "/api/v1/tiles/cells/17/0/0",
        "/api/v1/tiles/towns/8/1/1",
        "/api/v1/tiles/cells/8/x/1",
    ] {
        assert_eq!(get(app(), bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
    for (query, field) in [
        ("res=12", "res"),
        ("format=csv", "format"),
        ("colour=red", "colour"),
    ] {
        let a = get(app(), &format!("/api/v1/tiles/cells/8/128/84?{query}")).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(a.json()["error"]["field"], field);
    }
}

/// `force=` makes a police force area the study area: every cell of the
/// answer lies in one of its districts, and the provenance names the force
/// and those districts.
#[tokio::test]
async fn a_police_force_area_as_the_study_area() {
    let gazetteer = hotspots::geo::Gazetteer::embedded();
    let body = get(app(), "/api/v1/layers/cells?force=cambridgeshire&res=7")
        .await
        .json();
    let study = &body["provenance"]["study_area"];
    assert_eq!(study["kind"], "forces", "{study}");
    assert_eq!(study["forces"][0]["name"], "Cambridgeshire Constabulary");
    let districts: Vec<&str> = study["forces"][0]["districts"]
        .as_array()
        .expect("districts")
        .iter()
        .map(|d| d.as_str().expect("code"))
        .collect();
    assert!(districts.contains(&"E07000010") && districts.contains(&"E06000031"));
    let features = body["features"].as_array().expect("features");
    assert!(features.len() > 20, "{}", features.len());
    let mut outside = 0;
    for f in features {
        let cell: h3o::CellIndex = f["properties"]["h3"]
            .as_str()
            .expect("h3")
            .parse()
            .expect("cell");
        match gazetteer.district_of_cell(cell) {
            Some((code, _)) if districts.contains(&code) => {}
            // A gap in the district's cells filled because the district
            // surrounds it is the district's too; any other cell is not.
            other => {
                let ring_inside = cell
                    .grid_ring::<Vec<_>>(1)
                    .iter()
                    .filter(|n| {
                        gazetteer
                            .district_of_cell(**n)
                            .is_some_and(|(code, _)| districts.contains(&code))
                    })
                    .count();
                assert!(ring_inside >= 5, "{cell}: {other:?}");
                outside += 1;
            }
        }
    }
    assert!(outside * 20 < features.len(), "{outside} gap cells");
    // And none is missing: every cell with reports in those districts, as
    // the whole map counts them, with the same count.
    let counts = |features: &[serde_json::Value]| -> std::collections::BTreeMap<String, u64> {
        features
            .iter()
            .map(|f| &f["properties"])
            .filter(|p| p["count"].as_u64().unwrap_or(0) > 0)
            .map(|p| {
                (
                    p["h3"].as_str().expect("h3").to_owned(),
                    p["count"].as_u64().expect("count"),
                )
            })
            .collect()
    };
    let whole = get(app(), "/api/v1/layers/cells?res=7").await.json();
    let expected: std::collections::BTreeMap<String, u64> =
        counts(whole["features"].as_array().expect("features"))
            .into_iter()
            .filter(|(h3, _)| {
                let cell: h3o::CellIndex = h3.parse().expect("cell");
                gazetteer
                    .district_of_cell(cell)
                    .is_some_and(|(code, _)| districts.contains(&code))
            })
            .collect();
    assert!(expected.len() > 10, "{}", expected.len());
    let answered = counts(features);
    for (h3, count) in &expected {
        assert_eq!(answered.get(h3), Some(count), "{h3}");
    }
}

/// A busy premises' page lists its newest reports and every visit, newest
/// first, and its whole timeline when asked; a quiet one lists all at once.
#[tokio::test]
async fn a_busy_premises_page_starts_from_its_newest_reports() {
    let tactical = as_role(router(demo_state()), Role::Tactical);
    let listed: serde_json::Value = get(tactical.clone(), "/api/v1/premises").await.json();
    let features = listed["features"].as_array().expect("premises");
    let busy = features
        .iter()
        .map(|f| &f["properties"])
        .find(|p| p["reports"].as_u64() > Some(100) && !p["last_outcome"].is_null())
        .expect("a visited premises with over 100 reports in the demo");
    let quiet = features
        .iter()
        .map(|f| &f["properties"])
        .find(|p| p["reports"].as_u64().is_some_and(|n| (2..100).contains(&n)))
        .expect("a premises with a few reports");
    // (date, what) of each timeline row, in the page's order.
    let rows = |page: &str| -> Vec<(String, String)> {
        page.split(r#"<tr><td class="date">"#)
            .skip(1)
            .map(|rest| {
                let (day, after) = rest.split_once("</td>").expect("a date cell");
                (day.to_owned(), after.chars().take(40).collect())
            })
            .collect()
    };
    let reports = |rows: &[(String, String)]| {
        rows.iter()
            .filter(|(_, what)| what.starts_with("<td>Report "))
            .cloned()
            .collect::<Vec<_>>()
    };
    let plain = |page: &str| page.replace(['\u{2068}', '\u{2069}'], "");

    let id = busy["premises_id"].as_str().expect("id");
    let total = busy["reports"].as_u64().expect("reports") as usize;
    let page = plain(
        &get(tactical.clone(), &format!("/premises/{id}"))
            .await
            .text(),
    );
    let newest = rows(&page);
    assert_eq!(reports(&newest).len(), 100, "{id}");
    assert!(
        newest
            .iter()
            .any(|(_, what)| what.starts_with("<td><strong>Visit ")),
        "{id}: its visits are listed"
    );
    assert!(
        newest.windows(2).all(|w| w[0].0 >= w[1].0),
        "{id}: newest first"
    );
    assert_eq!(
        reports(&newest)[0].0,
        busy["last_seen"].as_str().expect("last seen"),
        "{id}: its last report at the top"
    );
    assert!(
        page.contains(&format!(
            r#"<a href="/premises/{id}?timeline=all#timeline">Show all {total} reports</a>"#
        )),
        "{id}"
    );
    let page = plain(
        &get(tactical.clone(), &format!("/premises/{id}?timeline=all"))
            .await
            .text(),
    );
    let whole = rows(&page);
    assert_eq!(reports(&whole).len(), total, "{id}: every linked report");
    assert!(whole.windows(2).all(|w| w[0].0 >= w[1].0), "{id}");
    // The first page's reports are the newest, not any hundred.
    let oldest_shown = &reports(&newest)[99].0;
    assert!(
        reports(&whole)[100..]
            .iter()
            .all(|(day, _)| day <= oldest_shown),
        "{id}"
    );
    assert!(!page.contains("timeline=all"));
    assert!(page.contains("Show only the newest 100 reports"));

    let id = quiet["premises_id"].as_str().expect("id");
    let page = plain(&get(tactical, &format!("/premises/{id}")).await.text());
    assert_eq!(
        reports(&rows(&page)).len() as u64,
        quiet["reports"].as_u64().expect("reports"),
        "{id}"
    );
    assert!(!page.contains("timeline=all") && !page.contains("Show only"));
}
