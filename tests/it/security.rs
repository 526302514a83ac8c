//! Security: who sees what (a role × endpoint matrix), small-number suppression
//! and its differencing guarantees, sign-in, throttling, CSRF, headers, tokens
//! and the audit log. All in process (`oneshot`) on the demo data.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use hotspots::access::{digest, UserName};
use hotspots::model::Role;
use hotspots::serve::router;
use hotspots::Store;

use crate::support::router::{demo, empty_state, send, Answer, PASSWORD};

/// A fresh, empty app with the test accounts, and a connection beside it.
fn fresh() -> (Router, Store) {
    let (state, beside) = empty_state();
    (router(state), beside)
}

fn get_as(uri: &str, role: Option<Role>) -> Request<Body> {
    let mut r = Request::get(uri);
    if let Some(role) = role {
        r = r.header(
            header::COOKIE,
            format!("hs_session=session-{}", role.as_str()),
        );
    }
    r.body(Body::empty()).expect("request")
}

async fn get(uri: &str, role: Option<Role>) -> Answer {
    send(router(demo().0.clone()), get_as(uri, role)).await
}

/// Every key anywhere in a JSON value.
fn keys(v: &serde_json::Value, out: &mut HashSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                out.insert(k.clone());
                keys(v, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn role_by_endpoint_matrix() {
    use StatusCode as S;
    let h3 = {
        let fc = get("/api/v1/layers/cells", Some(Role::Analyst))
            .await
            .json();
        fc["features"][0]["properties"]["h3"]
            .as_str()
            .expect("h3")
            .to_owned()
    };
    let cell_detail = format!("/api/v1/cells?h3={h3}");
    // (path, [anonymous, partnership, analyst, tactical, admin])
    let matrix: Vec<(&str, [S; 5])> = vec![
        ("/", [S::SEE_OTHER, S::OK, S::OK, S::OK, S::OK]),
        ("/towns", [S::SEE_OTHER, S::OK, S::OK, S::OK, S::OK]),
        // The partnership pack: the towns page's figures, printable.
        ("/towns/pack", [S::SEE_OTHER, S::OK, S::OK, S::OK, S::OK]),
        ("/reports/new", [S::SEE_OTHER, S::OK, S::OK, S::OK, S::OK]),
        // The public reporting page needs no account; its queue is tactical.
        ("/report", [S::OK, S::OK, S::OK, S::OK, S::OK]),
        ("/report?sent=1", [S::OK, S::OK, S::OK, S::OK, S::OK]),
        (
            "/report/outline.geojson",
            [S::OK, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/triage",
            [S::SEE_OTHER, S::FORBIDDEN, S::FORBIDDEN, S::OK, S::OK],
        ),
        // Loads: file names, counts and rejects (raw rows only to tactical and admin).
        ("/loads", [S::SEE_OTHER, S::FORBIDDEN, S::OK, S::OK, S::OK]),
        (
            "/loads/1",
            [S::SEE_OTHER, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/loads/1/rejects.csv",
            [S::SEE_OTHER, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/admin",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::OK,
            ],
        ),
        (
            "/admin/audit",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::OK,
            ],
        ),
        (
            "/api/v1/layers/cells",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/layers/cells?format=csv&download=1",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/layers/hotspots",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        // The map's tiles of cells and emerging around Wisbech (demo data).
        (
            "/api/v1/tiles/cells/7/64/41",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/tiles/emerging/7/64/41",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/tiles/hotspots/5/16/10",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/tiles/reports/9/256/167",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/tiles/premises/9/256/167",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/tiles/context/9/256/167",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/layers/emerging",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/layers/reports",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/layers/reports?format=csv",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/towns",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        // Context (police.uk, open data) and the new download formats.
        (
            "/api/v1/layers/context",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/ogc/collections/context/items",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/layers/reports?format=gpkg",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/layers/reports?format=parquet",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/layers/cells?format=parquet",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/premises?format=gpkg",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/towns?format=csv",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            cell_detail.as_str(),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/basemap/districts",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        // Premises and outcomes: places, never aggregates; never partnership.
        (
            "/premises",
            [S::SEE_OTHER, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/premises/PR-00001",
            [S::SEE_OTHER, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/outcomes",
            [S::SEE_OTHER, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/premises",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/premises?format=csv&min_reports=3",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/api/v1/outcomes/summary",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        // Distinct premises per cell: not in the partnership release.
        (
            "/api/v1/layers/cells?unit=premises",
            [S::UNAUTHORIZED, S::BAD_REQUEST, S::OK, S::OK, S::OK],
        ),
        // The day-of-action briefing: tactical (and admin) only.
        (
            "/briefing?area=district:E07000010",
            [S::SEE_OTHER, S::FORBIDDEN, S::FORBIDDEN, S::OK, S::OK],
        ),
        // Without an area: the areas to choose from, for the same roles.
        (
            "/briefing",
            [S::SEE_OTHER, S::FORBIDDEN, S::FORBIDDEN, S::OK, S::OK],
        ),
        // OGC API - Features: the documents that describe no data are public;
        // collections answer as their layers do.
        ("/ogc", [S::OK; 5]),
        ("/ogc/conformance", [S::OK; 5]),
        ("/ogc/api", [S::OK; 5]),
        (
            "/ogc/collections",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/ogc/collections/cells",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/ogc/collections/cells/queryables",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/ogc/collections/cells/items",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/ogc/collections/hotspots/items?f=json",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/ogc/collections/emerging/items",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/ogc/collections/towns/items",
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK],
        ),
        (
            "/ogc/collections/reports",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/ogc/collections/reports/items",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/ogc/collections/reports/items/helpline:MSH-000001",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/ogc/collections/premises/items",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        (
            "/ogc/collections/premises/queryables",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK, S::OK],
        ),
        ("/api/v1/openapi.json", [S::OK; 5]),
        ("/healthz", [S::OK; 5]),
        ("/signin", [S::OK; 5]),
        ("/static/app.js", [S::OK; 5]),
        ("/favicon.ico", [S::OK; 5]),
    ];
    let viewers = [
        None,
        Some(Role::Partnership),
        Some(Role::Analyst),
        Some(Role::Tactical),
        Some(Role::Admin),
    ];
    for (path, expected) in &matrix {
        for (viewer, want) in viewers.iter().zip(expected) {
            let a = get(path, *viewer).await;
            assert_eq!(a.status, *want, "{path} as {viewer:?}");
            if a.status == S::SEE_OTHER {
                assert!(a.header("location").starts_with("/signin?next="), "{path}");
            }
            if a.status == S::UNAUTHORIZED {
                assert_eq!(a.json()["error"]["code"], "unauthorized");
                assert!(a.header("www-authenticate").starts_with("Bearer"));
            }
            if a.status != S::OK
                || path.starts_with("/static")
                || path.contains("openapi")
                || *path == "/ogc/api"
            {
                continue;
            }
            if let Some(found) = binary_field_names(&a) {
                // GeoPackage and GeoParquet: the names of their columns.
                for f in forbidden_names(*viewer) {
                    assert!(!found.contains(f), "{path}: {viewer:?} sees {f}");
                }
                continue;
            }
            if path.starts_with("/api/v1/tiles/") {
                // Vector tiles: the property names of every feature.
                let features = crate::support::router::decode_tile(&a.body);
                assert!(!features.is_empty(), "{path} as {viewer:?}: an empty tile");
                let found: HashSet<String> = features
                    .iter()
                    .flat_map(|(_, p, _)| p.keys().cloned())
                    .collect();
                for f in forbidden_names(*viewer) {
                    assert!(!found.contains(f), "{path}: {viewer:?} sees {f}");
                }
                continue;
            }
            // A zipped CSV is read as its CSV (and then its provenance.json).
            let text = if a.header(axum::http::header::CONTENT_TYPE) == "application/zip" {
                unzipped_text(&a.body)
            } else {
                a.text()
            };
            if path.ends_with("rejects.csv") {
                // A reject's raw row holds the report's notes.
                let header_line = text.lines().next().unwrap_or("");
                let raw = header_line.split(',').any(|c| c == "raw");
                let sees_notes = matches!(viewer, Some(Role::Tactical | Role::Admin));
                assert_eq!(raw, sees_notes, "{path} as {viewer:?}: {header_line}");
            }
            // Free-text notes: only tactical and admin.
            // (Pages hold the form's own `notes` field, so bodies are checked under /api.)
            let data = path.starts_with("/api/") || path.starts_with("/ogc/");
            if *viewer != Some(Role::Tactical) && *viewer != Some(Role::Admin) && data {
                assert!(
                    !text.contains("\"notes\""),
                    "{path} as {viewer:?} leaks notes"
                );
                if path.contains("format=csv") {
                    let header_line = text.lines().next().unwrap_or("");
                    assert!(
                        !header_line.split(',').any(|c| c == "notes"),
                        "{path} CSV notes column"
                    );
                }
            }
            if *viewer == Some(Role::Partnership) && data {
                let mut found = HashSet::new();
                if path.contains("format=csv") {
                    let header_line = text.lines().next().unwrap_or("").to_owned();
                    found.extend(header_line.split(',').map(str::to_owned));
                } else {
                    keys(&a.json(), &mut found);
                }
                for forbidden in [
                    "notes",
                    "venue_name",
                    "report_id",
                    "gi_z",
                    "p",
                    "max_gi_z",
                    "trend_z",
                    "ring_count",
                    "lat",
                    "lng",
                    "location_input",
                ] {
                    assert!(
                        !found.contains(forbidden),
                        "{path}: partnership sees {forbidden}"
                    );
                }
            }
        }
    }
}

/// The property names a role must never be given in a tile or a file's
/// columns: notes (tactical and admin only) and, for partnership, anything
/// that names or places a report or states an exact statistic.
fn forbidden_names(viewer: Option<Role>) -> Vec<&'static str> {
    let mut forbidden = Vec::new();
    if viewer != Some(Role::Tactical) && viewer != Some(Role::Admin) {
        forbidden.push("notes");
    }
    if viewer == Some(Role::Partnership) {
        forbidden.extend([
            "venue_name",
            "report_id",
            "gi_z",
            "p",
            "trend_z",
            "ring_count",
            "lat",
            "lng",
        ]);
    }
    forbidden
}

/// The column names of a GeoPackage (its feature tables, through SQLite) or a
/// GeoParquet answer (its schema, through the parquet reader); `None` for
/// any other answer.
fn binary_field_names(a: &crate::support::router::Answer) -> Option<HashSet<String>> {
    match a.header(axum::http::header::CONTENT_TYPE) {
        "application/vnd.apache.parquet" => {
            use parquet::file::reader::FileReader;
            let mut file = tempfile::tempfile().expect("temp file");
            std::io::Write::write_all(&mut file, &a.body).expect("write");
            let reader =
                parquet::file::reader::SerializedFileReader::new(file).expect("a Parquet file");
            let schema = reader.metadata().file_metadata().schema_descr_ptr();
            Some(
                schema
                    .columns()
                    .iter()
                    .map(|c| c.path().parts()[0].clone())
                    .collect(),
            )
        }
        "application/geopackage+sqlite3" => {
            let dir = tempfile::tempdir().expect("dir");
            let path = dir.path().join("answer.gpkg");
            std::fs::write(&path, &a.body).expect("write");
            let db = rusqlite::Connection::open(&path).expect("a SQLite file");
            let tables: Vec<String> = db
                .prepare("SELECT table_name FROM gpkg_contents")
                .expect("gpkg_contents")
                .query_map([], |r| r.get(0))
                .expect("rows")
                .collect::<Result<_, _>>()
                .expect("names");
            let mut names = HashSet::new();
            for table in tables {
                let mut columns = db
                    .prepare("SELECT name FROM pragma_table_info(?1)")
                    .expect("table_info");
                let found = columns
                    .query_map([&table], |r| r.get::<_, String>(0))
                    .expect("columns");
                names.extend(found.map(|n| n.expect("name")));
            }
            Some(names)
        }
        _ => None,
    }
}

/// The files of a zip, one after another, as text.
fn unzipped_text(body: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body)).expect("a zip");
    let mut text = String::new();
    for i in 0..archive.len() {
        std::io::Read::read_to_string(&mut archive.by_index(i).expect("entry"), &mut text)
            .expect("text");
        text.push('\n');
    }
    text
}

/// Counts 1..k−1 never reach the partnership role, anywhere.
fn assert_no_small(v: &serde_json::Value, path: &str) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                if matches!(k.as_str(), "count" | "previous" | "year_before") {
                    if let Some(n) = v.as_u64() {
                        assert!(n == 0 || n >= 5, "{path}: {k} = {n}");
                    }
                }
                if k == "breakdown" {
                    for (bk, bv) in v.as_object().expect("breakdown") {
                        if let Some(n) = bv.as_u64() {
                            assert!(n == 0 || n >= 5, "{path}: breakdown {bk} = {n}");
                        }
                    }
                }
                assert_no_small(v, path);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| assert_no_small(x, path)),
        _ => {}
    }
}

/// The hot rule's minimum is a count: a hot cell that stops being hot as
/// the minimum rises by one says its ring's exact count, and a ring whose
/// only reported cell is withheld gives that cell's. The release holds it at
/// its suppression k whatever is asked, so each hot cell's ring holds k
/// reports or more (summed beside the server from the store's release
/// units and h3o's rings), and asking for another minimum changes nothing.
#[tokio::test]
async fn partnership_hot_cells_hold_k_reports_whatever_minimum_is_asked() {
    let p = Some(Role::Partnership);
    let cells = get("/api/v1/layers/cells", p).await.json();
    assert_eq!(cells["provenance"]["query"]["min_reports"], 5);
    for asked in [1, 2, 3, 4, 6] {
        let other = get(&format!("/api/v1/layers/cells?min_reports={asked}"), p)
            .await
            .json();
        assert_eq!(other["features"], cells["features"], "min_reports={asked}");
        let areas = get(&format!("/api/v1/layers/hotspots?min_reports={asked}"), p)
            .await
            .json();
        assert_eq!(areas["provenance"]["query"]["min_reports"], 5);
    }
    let from = chrono::NaiveDate::parse_from_str(
        cells["provenance"]["query"]["from"].as_str().expect("from"),
        "%Y-%m-%d",
    )
    .expect("date");
    let to = chrono::NaiveDate::parse_from_str(
        cells["provenance"]["query"]["to"].as_str().expect("to"),
        "%Y-%m-%d",
    )
    .expect("date");
    let units = demo()
        .1
        .lock()
        .expect("beside")
        .release_units(8, from, to)
        .expect("units");
    let mut by_cell: HashMap<u64, u64> = HashMap::new();
    for (_, u) in &units {
        *by_cell.entry(u.cell).or_default() += u.count;
    }
    let k = cells["provenance"]["kernel"]["k"].as_u64().expect("k") as u32;
    let mut hot = 0;
    for f in cells["features"].as_array().expect("features") {
        if f["properties"]["bin"].as_i64().unwrap_or(0) <= 0 {
            continue;
        }
        hot += 1;
        let cell: h3o::CellIndex = f["properties"]["h3"]
            .as_str()
            .expect("h3")
            .parse()
            .expect("cell");
        let ring: u64 = cell
            .grid_disk::<Vec<_>>(k)
            .into_iter()
            .map(|c| by_cell.get(&u64::from(c)).copied().unwrap_or(0))
            .sum();
        assert!(ring >= 5, "{cell}: {ring} reports within its ring");
    }
    assert!(hot > 20, "{hot} hot cells");
    // The map says so, and offers no minimum to change.
    let page = get("/", p).await.text();
    assert!(page.contains("a hot spot holds 5 reports or more within its ring"));
    assert!(!page.contains("id=\"min_reports\""));
}

#[tokio::test]
async fn partnership_counts_are_suppressed_and_cannot_be_differenced() {
    let p = Some(Role::Partnership);
    let cells = get("/api/v1/layers/cells", p).await.json();
    let towns = get("/api/v1/towns", p).await.json();
    let areas = get("/api/v1/layers/hotspots", p).await.json();
    for (name, v) in [("cells", &cells), ("towns", &towns), ("hotspots", &areas)] {
        assert_no_small(v, name);
    }
    // An area's police forces are named (no counts), and one across a
    // force boundary is flagged, as for districts.
    let released = areas["features"].as_array().expect("features");
    for f in released {
        let p = &f["properties"];
        let forces: Vec<&str> = p["forces"].as_str().expect("forces").split(';').collect();
        assert!(forces
            .iter()
            .all(|f| f.ends_with("Police") || f.ends_with("Constabulary")));
        assert_eq!(p["crosses_forces"], forces.len() > 1, "{}", p["id"]);
    }
    // The towns' rows and CSV have the exact rows' fields and columns, and
    // say which empty earlier counts are withheld, not before the data.
    let exact = get("/api/v1/towns", Some(Role::Analyst)).await.json();
    let fields = |v: &serde_json::Value| -> Vec<String> {
        let mut keys: Vec<String> = v["rows"][0]
            .as_object()
            .expect("a row")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(fields(&towns), fields(&exact));
    let header = |role| async move {
        let csv = get("/api/v1/towns?format=csv", Some(role)).await;
        let mut reader = csv::Reader::from_reader(csv.body.as_slice());
        let header = reader.headers().expect("header").clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        (header, rows)
    };
    let (published, rows) = header(Role::Partnership).await;
    assert_eq!(published, header(Role::Analyst).await.0);
    let at = |name: &str| published.iter().position(|h| h == name).expect(name);
    let (previous, flag, period) = (at("previous"), at("previous_suppressed"), at("period"));
    let first = rows
        .iter()
        .map(|r| r[period].to_owned())
        .min()
        .expect("rows");
    for r in &rows {
        let withheld = r[flag] == *"true";
        // Empty and not withheld only where the data begins.
        assert!(
            if withheld {
                r[previous].is_empty()
            } else {
                !r[previous].is_empty() || r[period] == *first
            },
            "{r:?}"
        );
    }
    assert!(rows.iter().any(|r| r[flag] == *"true"), "some withheld");
    // Withheld is said so: null with suppressed true.
    let features = cells["features"].as_array().expect("features");
    let withheld: Vec<&serde_json::Value> = features
        .iter()
        .filter(|f| f["properties"]["count"].is_null())
        .collect();
    assert!(!withheld.is_empty(), "the demo has small cells");
    assert!(withheld
        .iter()
        .all(|f| f["properties"]["suppressed"] == true));
    assert!(features
        .iter()
        .any(|f| f["properties"]["count"].as_u64().unwrap_or(0) >= 5));
    let quarter = cells["provenance"]["quarter"]
        .as_str()
        .expect("quarter")
        .to_owned();
    assert_eq!(cells["provenance"]["disclosure"]["k"], 5);

    // Two overlapping periods give the same release (the quarter of `to`).
    let to = cells["provenance"]["query"]["to"]
        .as_str()
        .expect("to")
        .to_owned();
    let wide = get(&format!("/api/v1/layers/cells?from=2000-01-01&to={to}"), p)
        .await
        .json();
    let narrow = get(&format!("/api/v1/layers/cells?from={to}&to={to}"), p)
        .await
        .json();
    assert_eq!(wide["features"], narrow["features"]);
    assert_eq!(wide["provenance"]["quarter"], quarter);
    // Filters that would slice the release are refused, naming the field.
    let sliced = get("/api/v1/layers/cells?venue=car_wash", p).await;
    assert_eq!(sliced.status, StatusCode::BAD_REQUEST);
    assert_eq!(sliced.json()["error"]["field"], "venue");

    // Differencing a town's total against the cells: recompute which reports
    // link towns and cells in that quarter (beside the server) and check that
    // no linked group of towns and cells holds exactly one withheld count.
    let published_cells: HashMap<u64, Option<u64>> = features
        .iter()
        .map(|f| {
            let h3: h3o::CellIndex = f["properties"]["h3"]
                .as_str()
                .expect("h3")
                .parse()
                .expect("cell");
            (u64::from(h3), f["properties"]["count"].as_u64())
        })
        .collect();
    let town_rows: HashMap<String, Option<u64>> = towns["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["period"] == quarter.as_str())
        .map(|r| {
            (
                r["town"].as_str().expect("town").to_owned(),
                r["count"].as_u64(),
            )
        })
        .collect();
    let start = chrono::NaiveDate::parse_from_str(
        cells["provenance"]["query"]["from"].as_str().expect("from"),
        "%Y-%m-%d",
    )
    .expect("date");
    let end = chrono::NaiveDate::parse_from_str(&to, "%Y-%m-%d").expect("date");
    let units = demo()
        .1
        .lock()
        .expect("beside")
        .release_units(8, start, end)
        .expect("units");
    // Union-find over towns and cells.
    let mut parent: HashMap<String, String> = HashMap::new();
    for (_, u) in &units {
        let (a, b) = (
            find(&mut parent, &format!("t:{}", u.town)),
            find(&mut parent, &format!("c:{}", u.cell)),
        );
        if a != b {
            parent.insert(a, b);
        }
    }
    let mut withheld_by_group: HashMap<String, usize> = HashMap::new();
    let mut seen = HashSet::new();
    for (_, u) in &units {
        for (key, withheld) in [
            (
                format!("t:{}", u.town),
                town_rows.get(&u.town).copied().flatten().is_none(),
            ),
            (
                format!("c:{}", u.cell),
                u.cell == 0 || published_cells.get(&u.cell).copied().flatten().is_none(),
            ),
        ] {
            if seen.insert(key.clone()) {
                let root = find(&mut parent, &key);
                *withheld_by_group.entry(root).or_default() += usize::from(withheld);
            }
        }
    }
    assert!(!withheld_by_group.is_empty());
    for (group, n) in &withheld_by_group {
        assert_ne!(*n, 1, "group {group} has exactly one withheld count");
    }

    // A hotspot area's total is the sum of its (hot) cells, shown only when
    // none of them is withheld. Its cells: the hot cells whose centres lie in it.
    let hot_cells: Vec<(geo::Point<f64>, Option<u64>)> = features
        .iter()
        .filter(|f| f["properties"]["bin"].as_i64().unwrap_or(0) >= 2)
        .map(|f| {
            let h3: h3o::CellIndex = f["properties"]["h3"]
                .as_str()
                .expect("h3")
                .parse()
                .expect("cell");
            let centre = h3o::LatLng::from(h3);
            (
                geo::Point::new(centre.lng(), centre.lat()),
                f["properties"]["count"].as_u64(),
            )
        })
        .collect();
    let area_features = areas["features"].as_array().expect("areas");
    assert!(!area_features.is_empty(), "the demo has hotspot areas");
    let (mut shown, mut withheld_areas) = (0, 0);
    for f in area_features {
        let geometry: geojson::Geometry =
            serde_json::from_value(f["geometry"].clone()).expect("geometry");
        let shape = geo::Geometry::<f64>::try_from(geometry).expect("geo");
        let members: Vec<Option<u64>> = hot_cells
            .iter()
            .filter(|(centre, _)| geo::Contains::contains(&shape, centre))
            .map(|(_, count)| *count)
            .collect();
        let p = &f["properties"];
        assert_eq!(
            members.len() as u64,
            p["cells"].as_u64().expect("cells"),
            "{}",
            p["id"]
        );
        let total: Option<u64> = members.iter().copied().sum();
        if let Some(count) = p["count"].as_u64() {
            shown += 1;
            assert_eq!(
                total,
                Some(count),
                "{}: the total is its published cells' sum",
                p["id"]
            );
        } else {
            withheld_areas += 1;
            assert_eq!(p["suppressed"], true);
            assert!(
                total.is_none_or(|t| (1..5).contains(&t)),
                "{}: withheld without cause",
                p["id"]
            );
        }
    }
    assert!(
        shown > 0,
        "some area totals are shown ({withheld_areas} withheld)"
    );
    // Pages say "withheld", as the layers do (a withheld count may be large,
    // so never "<5"), and say why.
    let page = get("/towns", p).await.text();
    assert!(
        page.contains(">withheld<")
            && !page.contains("&lt;5")
            && page.contains("id=\"towns-withheld\""),
        "withheld counts read as withheld"
    );
}

/// Union-find root (path-compressing).
fn find(p: &mut HashMap<String, String>, x: &str) -> String {
    let next = p.get(x).cloned().unwrap_or_else(|| x.to_owned());
    if next == x {
        return next;
    }
    let root = find(p, &next);
    p.insert(x.to_owned(), root.clone());
    root
}

async fn signin_form(app: &Router) -> (String, String) {
    let page = send(app.clone(), get_as("/signin", None)).await;
    let cookie = page.header("set-cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let value = cookie.split(';').next().expect("cookie").to_owned();
    let html = page.text();
    let at = html.find(r#"name="csrf" value=""#).expect("csrf field") + 19;
    let csrf = html[at..at + 64].to_owned();
    (value, csrf)
}

fn get_as_cookie(uri: &str, cookie: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request")
}

fn post_form(uri: &str, cookie: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body.to_owned()))
        .expect("request")
}

#[tokio::test]
async fn sign_in_sign_out_and_throttling() {
    let (app, _) = fresh();
    let (cookie, csrf) = signin_form(&app).await;
    // Without the pre-session cookie's token: refused.
    let forged = send(
        app.clone(),
        post_form(
            "/signin",
            "",
            &format!("name=analyst&password={PASSWORD}&csrf={csrf}"),
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // Refused, the form comes back with why and a token of its own, which
    // works: an expired form costs the user a retype, not a dead end.
    let again = forged.text();
    assert!(again.contains("had expired"), "{again}");
    assert!(!again.contains(&csrf), "a foreign token is not echoed");
    let renewed = forged.header("set-cookie");
    let renewed_cookie = renewed.split(';').next().expect("cookie").to_owned();
    let at = again.find(r#"name="csrf" value=""#).expect("csrf field") + 19;
    let renewed_token = &again[at..at + 64];
    assert_eq!(renewed_cookie, format!("hs_signin={renewed_token}"));
    let recovered = send(
        app.clone(),
        post_form(
            "/signin",
            &renewed_cookie,
            &format!("name=analyst&password={PASSWORD}&csrf={renewed_token}"),
        ),
    )
    .await;
    assert_eq!(recovered.status, StatusCode::SEE_OTHER);
    // A second sign-in tab in the same browser shares the first's token, so
    // the first tab's form still signs in.
    let second_tab = send(app.clone(), get_as_cookie("/signin", &cookie)).await;
    let html = second_tab.text();
    assert!(html.contains(&format!(r#"name="csrf" value="{csrf}""#)));
    assert!(second_tab
        .header("set-cookie")
        .starts_with(&format!("{cookie};")));
    // A cookie that is not one of ours is not adopted as a token.
    let odd = send(app.clone(), get_as_cookie("/signin", "hs_signin=abc")).await;
    assert!(!odd.text().contains(r#"name="csrf" value="abc""#));
    // Right password: a session cookie and back to `next`.
    let ok = send(
        app.clone(),
        post_form(
            "/signin",
            &cookie,
            &format!("name=Analyst&password={PASSWORD}&csrf={csrf}&next=%2Ftowns"),
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.header("location"), "/towns");
    let set: Vec<String> = ok
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("hs_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Strict")
            && !session.contains("Secure")
    );
    let session_cookie = session.split(';').next().expect("pair").to_owned();
    let towns = send(
        app.clone(),
        Request::get("/towns")
            .header(header::COOKIE, &session_cookie)
            .body(Body::empty())
            .expect("r"),
    )
    .await;
    assert_eq!(towns.status, StatusCode::OK);
    // An open redirect is not followed.
    let (c2, t2) = signin_form(&app).await;
    let evil = send(
        app.clone(),
        post_form(
            "/signin",
            &c2,
            &format!("name=analyst&password={PASSWORD}&csrf={t2}&next=%2F%2Fevil.example"),
        ),
    )
    .await;
    assert_eq!(evil.header("location"), "/");

    // Five wrong passwords, then even the right one is throttled.
    let (cookie, csrf) = signin_form(&app).await;
    for _ in 0..5 {
        let bad = send(
            app.clone(),
            post_form(
                "/signin",
                &cookie,
                &format!("name=tactical&password=wrong-password-x&csrf={csrf}"),
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
        assert!(bad.text().contains("do not match"));
    }
    let throttled = send(
        app.clone(),
        post_form(
            "/signin",
            &cookie,
            &format!("name=tactical&password={PASSWORD}&csrf={csrf}"),
        ),
    )
    .await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        throttled
            .header("retry-after")
            .parse::<u64>()
            .expect("seconds")
            > 0
    );
    // Unknown accounts fail the same way (no enumeration).
    let ghost = send(
        app.clone(),
        post_form(
            "/signin",
            &cookie,
            &format!("name=nobody&password={PASSWORD}&csrf={csrf}"),
        ),
    )
    .await;
    assert_eq!(
        ghost.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address is throttled too"
    );

    // Sign out needs the session's CSRF token (from the page's sign-out
    // form); then the session is gone.
    let no_token = send(
        app.clone(),
        post_form("/signout", &session_cookie, "csrf=nope"),
    )
    .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let html = towns.text();
    let at = html.find(r#"action="/signout""#).expect("sign-out form");
    let field = html[at..].find(r#"name="csrf" value=""#).expect("csrf") + at + 19;
    let token = &html[field..field + 64];
    let out = send(
        app.clone(),
        post_form("/signout", &session_cookie, &format!("csrf={token}")),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.header("location"), "/signin");
    let after = send(
        app.clone(),
        Request::get("/towns")
            .header(header::COOKIE, &session_cookie)
            .body(Body::empty())
            .expect("r"),
    )
    .await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the session ended");
}

#[tokio::test]
async fn csrf_and_security_headers() {
    let (app, _) = fresh();
    let analyst = "hs_session=session-analyst";
    let page = send(
        app.clone(),
        Request::get("/")
            .header(header::COOKIE, analyst)
            .body(Body::empty())
            .expect("r"),
    )
    .await;
    let csp = page.header("content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    let html = page.text();
    assert!(
        !html.contains("<script>") && !html.contains(" style="),
        "no inline script or style"
    );
    // The report form without a token, with a wrong one, with the right one.
    let body = "venue_type=farm&observed_on=2024-05-01&postcode=PE13+1AA";
    assert_eq!(
        send(app.clone(), post_form("/reports/new", analyst, body))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(
            app.clone(),
            post_form(
                "/reports/new",
                analyst,
                &format!("{body}&csrf=csrf-tactical")
            )
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(
            app.clone(),
            post_form(
                "/reports/new",
                analyst,
                &format!("{body}&csrf=csrf-analyst")
            )
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    // The API with a session cookie needs the header; with a token it does not.
    let json = r#"{"report_id":"c1","observed_on":"2024-05-02","venue_type":"farm","postcode":"PE13 1AA"}"#;
    let post = |cookie: Option<&str>, csrf: Option<&str>, bearer: Option<&str>| {
        let mut r =
            Request::post("/api/v1/reports").header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        if let Some(t) = csrf {
            r = r.header("x-csrf-token", t);
        }
        if let Some(b) = bearer {
            r = r.header(header::AUTHORIZATION, format!("Bearer {b}"));
        }
        r.body(Body::from(json)).expect("r")
    };
    assert_eq!(
        send(app.clone(), post(Some(analyst), None, None))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(app.clone(), post(Some(analyst), Some("csrf-analyst"), None))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(app.clone(), post(None, None, None)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tokens_expire_and_are_revoked_and_everything_is_audited() {
    let (app, store) = fresh();
    let now = chrono::Utc::now().naive_utc();
    let analyst = UserName::parse("analyst").expect("name");
    let live = hotspots::access::IssuedToken::new();
    store
        .create_token(
            &live.id,
            &analyst,
            &digest(&live.secret),
            Some("qgis"),
            now,
            now + chrono::TimeDelta::days(1),
        )
        .expect("token");
    let old = hotspots::access::IssuedToken::new();
    store
        .create_token(
            &old.id,
            &analyst,
            &digest(&old.secret),
            None,
            now - chrono::TimeDelta::days(2),
            now - chrono::TimeDelta::days(1),
        )
        .expect("token");
    let with = |bearer: &str, uri: &str| {
        Request::get(uri)
            .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
            .body(Body::empty())
            .expect("r")
    };
    assert_eq!(
        send(
            app.clone(),
            with(&live.bearer(), "/api/v1/layers/cells?download=1")
        )
        .await
        .status,
        StatusCode::OK
    );
    // A map tile is a view of the same layer: audited too, with its tile.
    assert_eq!(
        send(
            app.clone(),
            with(&live.bearer(), "/api/v1/tiles/cells/7/64/41?res=8")
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        send(app.clone(), with(&old.bearer(), "/api/v1/layers/cells"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let wrong = format!("hs_{}_{}", live.id, "0".repeat(64));
    assert_eq!(
        send(app.clone(), with(&wrong, "/api/v1/layers/cells"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // The admin revokes it through the admin page (CSRF token included).
    let admin = "hs_session=session-admin";
    let revoke = send(
        app.clone(),
        post_form(
            &format!("/admin/tokens/{}/revoke", live.id),
            admin,
            "csrf=csrf-admin",
        ),
    )
    .await;
    assert_eq!(revoke.status, StatusCode::OK);
    assert_eq!(
        send(app.clone(), with(&live.bearer(), "/api/v1/layers/cells"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // A hostile query string is stored and shown escaped.
    let hostile = send(
        app.clone(),
        Request::get("/api/v1/layers/cells?venue=%3Cscript%3Ealert(1)%3C/script%3E")
            .header(header::COOKIE, "hs_session=session-analyst")
            .body(Body::empty())
            .expect("r"),
    )
    .await;
    assert_eq!(hostile.status, StatusCode::BAD_REQUEST);
    let page = send(app.clone(), get_as_cookie("/admin/audit", admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains("<script>alert"));
    // The audit log as CSV: the download with its rows, the revocation, the
    // denial; and an entry from the command line, whose actor is not its role.
    store
        .append_audit(
            &[hotspots::store::AuditEntry {
                actor: Some("cli:operator".into()),
                role: Some("admin".into()),
                action: "user_add".into(),
                target: Some("newcomer".into()),
                outcome: "ok".into(),
                ..hotspots::store::AuditEntry::default()
            }],
            now,
        )
        .expect("append");
    let csv = send(app.clone(), get_as_cookie("/admin/audit?format=csv", admin)).await;
    assert_eq!(csv.status, StatusCode::OK);
    // Streamed from a scratch file: its length said first, kept by no cache.
    assert_eq!(
        csv.header(header::CONTENT_LENGTH),
        csv.body.len().to_string()
    );
    assert_eq!(csv.header(header::CACHE_CONTROL), "private, no-store");
    let mut reader = csv::Reader::from_reader(csv.body.as_slice());
    assert_eq!(
        reader.headers().expect("header"),
        vec![
            "seq", "at", "actor", "role", "action", "target", "detail", "rows", "address",
            "outcome"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let seqs: Vec<i64> = rows.iter().map(|r| r[0].parse().expect("seq")).collect();
    assert!(
        seqs.len() >= 3 && seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seqs:?}"
    );
    // Each row is the entry the store holds, column by column (the export's
    // own entry comes after it, so is not in it).
    let stored = store
        .audit(&hotspots::store::AuditFilter {
            limit: Some(u32::MAX),
            ..hotspots::store::AuditFilter::default()
        })
        .expect("audit");
    let in_store: Vec<Vec<String>> = stored
        .iter()
        .filter(|r| seqs.contains(&r.seq))
        .map(|r| {
            let e = &r.entry;
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            vec![
                r.seq.to_string(),
                text(&e.actor),
                text(&e.role),
                e.action.clone(),
                text(&e.target),
                text(&e.detail),
                e.rows.map(|n| n.to_string()).unwrap_or_default(),
                text(&e.address),
                e.outcome.clone(),
            ]
        })
        .collect();
    let in_csv: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .filter(|(i, _)| *i != 1)
                .map(|(_, v)| v.to_owned())
                .collect()
        })
        .collect();
    assert_eq!(in_csv, in_store);
    let has = |action: &str, actor: &str| rows.iter().any(|r| &r[4] == action && &r[2] == actor);
    assert!(has("download", "analyst"), "download by token audited");
    assert!(rows.iter().any(|r| &r[4] == "download"
        && r[6].contains(&live.id)
        && &r[5] == "cells"
        && !r[7].is_empty()));
    assert!(has("token_revoke", "admin"));
    // The page writes each entry's time as the CSV does, to the second.
    let page = send(app.clone(), get_as_cookie("/admin/audit", admin))
        .await
        .text();
    for row in &rows {
        let (seq, at) = (&row[0], &row[1]);
        let second = at.get(..19).expect("at").replace('T', " ");
        assert!(
            page.contains(&format!(r#"<td>{seq}</td><td class="date">{second}</td>"#)),
            "{seq} at {at}"
        );
    }
    // The admin page writes a token's expiry out, to the minute.
    let admin_page = send(app.clone(), get_as_cookie("/admin", admin))
        .await
        .text()
        .replace(['\u{2068}', '\u{2069}'], "");
    let expires = now + chrono::TimeDelta::days(1);
    assert!(
        admin_page.contains(&format!("<td>{}</td>", expires.format("%-d %B %Y %H:%M"))),
        "{admin_page}"
    );
    assert!(rows.iter().any(|r| &r[4] == "tile"
        && &r[2] == "analyst"
        && &r[5] == "cells 7/64/41"
        && r[6].contains("res=8")
        && r[7].parse::<u64>().is_ok()));
    // A partnership member asking for report points is recorded as denied.
    let denied = send(
        app.clone(),
        Request::get("/api/v1/layers/reports")
            .header(header::COOKIE, "hs_session=session-partnership")
            .body(Body::empty())
            .expect("r"),
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let csv = send(
        app,
        get_as_cookie("/admin/audit?format=csv&actor=partnership", admin),
    )
    .await;
    assert!(csv.text().contains("denied"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_keep_answering_while_a_load_writes() {
    let (app, beside) = fresh();
    // A file of 20,000 rows posted by the analyst's script (bearer token).
    let now = chrono::Utc::now().naive_utc();
    let token = hotspots::access::IssuedToken::new();
    let analyst = UserName::parse("analyst").expect("name");
    beside
        .create_token(
            &token.id,
            &analyst,
            &digest(&token.secret),
            None,
            now,
            now + chrono::TimeDelta::days(1),
        )
        .expect("token");
    let mut csv = String::from("report_id,observed_on,venue_type,postcode\n");
    for i in 0..20_000 {
        let _ = writeln!(csv, "load-{i},{:02}/03/2024,car_wash,PE13 1AA", 1 + i % 28);
    }
    let post = Request::post("/api/v1/reports")
        .header(header::CONTENT_TYPE, "text/csv")
        .header(header::AUTHORIZATION, format!("Bearer {}", token.bearer()))
        .body(Body::from(csv))
        .expect("request");
    let writer = tokio::spawn(send(app.clone(), post));
    // Reads (towns, uncached layers with different parameters) while it runs.
    let mut readers = Vec::new();
    for res in [6, 7, 8, 9, 6, 7, 8, 9] {
        readers.push(tokio::spawn(send(
            app.clone(),
            get_as(
                &format!("/api/v1/layers/cells?res={res}&k={}", 1 + res % 2),
                Some(Role::Tactical),
            ),
        )));
        readers.push(tokio::spawn(send(
            app.clone(),
            get_as("/api/v1/towns", Some(Role::Analyst)),
        )));
    }
    for r in readers {
        let answer = r.await.expect("reader");
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    }
    let written = writer.await.expect("writer");
    assert_eq!(written.status, StatusCode::OK, "{}", written.text());
    let summary = written.json();
    assert_eq!(summary["read"], 20_000);
    assert_eq!(summary["stored"], 20_000);
    // And afterwards the layer holds them all.
    let after = send(
        app,
        get_as("/api/v1/layers/cells?res=8", Some(Role::Tactical)),
    )
    .await
    .json();
    let total: u64 = after["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total, 20_000);
}

/// Recording outcomes: tactical and admin only, with the session's CSRF token
/// (forms and API alike); what is recorded is audited and shows on the page.
#[tokio::test]
async fn only_tactical_records_outcomes_and_forms_need_their_token() {
    let (app, mut beside) = fresh();
    let register = "premises_id,name,venue_type,lat,lng\nW1,Wash One,car_wash,52.6660,0.1580\n";
    hotspots::ingest::import_premises(
        &mut beside,
        hotspots::Input::Reader {
            name: "reg.csv".into(),
            reader: Box::new(std::io::Cursor::new(register.as_bytes().to_vec())),
        },
        &hotspots::LoadOptions {
            no_rejects_file: true,
            ..hotspots::LoadOptions::default()
        },
    )
    .expect("register");
    let json = r#"{"visit_id":"v1","visited_on":"2024-05-02","premises_id":"W1","result":"victims_identified","potential_victims":3}"#;
    let post_json = |role: &str, csrf: Option<&str>| {
        let mut r = Request::post("/api/v1/outcomes")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, format!("hs_session=session-{role}"));
        if let Some(t) = csrf {
            r = r.header("x-csrf-token", t);
        }
        r.body(Body::from(json)).expect("r")
    };
    for role in ["partnership", "analyst"] {
        let a = send(app.clone(), post_json(role, Some(&format!("csrf-{role}")))).await;
        assert_eq!(
            a.status,
            StatusCode::FORBIDDEN,
            "{role} recorded an outcome"
        );
    }
    let no_token = send(app.clone(), post_json("tactical", None)).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN, "no CSRF token");
    let ok = send(app.clone(), post_json("tactical", Some("csrf-tactical"))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(ok.json()["stored"], 1);
    // The form on the premises page.
    let form = "visit_id=v2&visited_on=2024-06-01&result=no_concerns";
    for (role, csrf, want) in [
        ("analyst", "csrf-analyst", StatusCode::FORBIDDEN),
        ("tactical", "csrf-analyst", StatusCode::FORBIDDEN),
        ("tactical", "csrf-tactical", StatusCode::SEE_OTHER),
    ] {
        let a = send(
            app.clone(),
            post_form(
                "/premises/W1/outcomes",
                &format!("hs_session=session-{role}"),
                &format!("{form}&csrf={csrf}"),
            ),
        )
        .await;
        assert_eq!(a.status, want, "{role} with {csrf}");
    }
    let outcomes = beside.outcomes().expect("outcomes");
    let ids: Vec<&str> = outcomes.iter().map(|o| o.visit_id.as_str()).collect();
    assert_eq!(ids, vec!["v1", "v2"]);
    // Each outcome's run names the officer who recorded it, by API or form.
    let runs = beside.runs(None, 2).expect("runs");
    let recorded: Vec<(&str, Option<&str>)> = runs
        .iter()
        .map(|r| (r.file_name.as_str(), r.loaded_by.as_deref()))
        .collect();
    assert_eq!(
        recorded,
        [
            ("outcome form", Some("tactical")),
            ("api outcomes", Some("tactical"))
        ]
    );
    assert_eq!(outcomes[0].potential_victims, Some(3));
    let page = send(app.clone(), get_as("/premises/W1", Some(Role::Tactical))).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("Visit v1") && html.contains("victims_identified"),
        "{html}"
    );
    assert!(html.contains("Record a visit"));
    let analyst_page = send(app.clone(), get_as("/premises/W1", Some(Role::Analyst))).await;
    assert!(
        !analyst_page.text().contains("Record a visit"),
        "the form is tactical's"
    );
}
