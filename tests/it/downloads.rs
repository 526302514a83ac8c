//! GeoPackage, GeoParquet and zipped-CSV downloads, read back by readers that
//! share no code with ours: GDAL's `ogr2ogr`/`ogrinfo` for GeoPackage
//! (Debian's gdal-bin), GeoPandas (the GeoParquet reference reader, which
//! checks the `geo` metadata) and DuckDB for GeoParquet (PyPI; both installed
//! by `.ci/run`), the `zip` crate's reader for the zip. Each is compared,
//! feature for feature, with the GeoJSON answer for the same role.

use std::path::Path;
use std::process::Command;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use hotspots::model::Role;
use hotspots::serve::router;
use serde_json::Value;

use crate::support::router::{demo, send, Answer};

async fn get(uri: &str, role: Role) -> Answer {
    let request = Request::get(uri)
        .header(
            header::COOKIE,
            format!("hs_session=session-{}", role.as_str()),
        )
        .body(Body::empty())
        .expect("request");
    let answer = send(router(demo().0.clone()), request).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{uri}: {:?}",
        answer.body.get(..200)
    );
    answer
}

/// The downloads under test: URL without `format`, the GeoPackage table name,
/// and the roles that read them.
const DOWNLOADS: [(&str, &str, &[Role]); 7] = [
    (
        "/api/v1/layers/cells?res=8",
        "cells",
        &[Role::Analyst, Role::Partnership],
    ),
    (
        "/api/v1/layers/hotspots?res=8",
        "hotspots",
        &[Role::Analyst, Role::Partnership],
    ),
    (
        "/api/v1/layers/emerging?res=7&step=quarter",
        "emerging",
        &[Role::Analyst],
    ),
    (
        "/api/v1/layers/reports?from=2024-01-01&to=2024-12-31",
        "reports",
        &[Role::Analyst, Role::Tactical],
    ),
    (
        "/api/v1/towns?format=geojson&step=quarter",
        "towns",
        &[Role::Analyst, Role::Partnership],
    ),
    (
        "/api/v1/premises?min_reports=2",
        "premises",
        &[Role::Analyst],
    ),
    (
        "/api/v1/layers/context?res=8",
        "context",
        &[Role::Partnership],
    ),
];

fn with_format(url: &str, format: &str) -> String {
    let url = url.replace("format=geojson&", "");
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}format={format}")
}

/// Asserts a read-back value is the GeoJSON answer's: objects and lists come
/// back as their JSON text, booleans as booleans (or 0/1), numbers close.
fn assert_same_value(what: &str, expected: &Value, got: Option<&Value>) {
    let got = got.unwrap_or(&Value::Null);
    match expected {
        Value::Null => assert!(
            got.is_null() || got.as_f64().is_some_and(f64::is_nan),
            "{what}: {got} for null"
        ),
        Value::Object(_) | Value::Array(_) => {
            // Stored as JSON text; GDAL's GeoJSON writer hands it on as JSON.
            let parsed: Value = match got {
                Value::String(text) => serde_json::from_str(text).expect("JSON text"),
                other => other.clone(),
            };
            assert_eq!(&parsed, expected, "{what}");
        }
        Value::Bool(b) => assert!(
            got.as_bool() == Some(*b) || got.as_i64() == Some(i64::from(*b)),
            "{what}: {got} for {b}"
        ),
        Value::Number(n) => {
            let (e, g) = (n.as_f64().expect("number"), got.as_f64());
            assert!(
                g.is_some_and(|g| (g - e).abs() <= 1e-9 * e.abs().max(1.0)),
                "{what}: {got} for {n}"
            );
        }
        Value::String(s) => assert_eq!(got.as_str(), Some(s.as_str()), "{what}"),
    }
}

/// Every coordinate of two GeoJSON geometries within `tolerance`.
fn assert_same_geometry(what: &str, expected: &Value, got: &Value, tolerance: f64) {
    fn numbers(v: &Value, out: &mut Vec<f64>) {
        match v {
            Value::Number(n) => out.push(n.as_f64().expect("f64")),
            Value::Array(items) => items.iter().for_each(|i| numbers(i, out)),
            _ => {}
        }
    }
    if expected.is_null() {
        assert!(got.is_null(), "{what}: a geometry for null");
        return;
    }
    assert_eq!(
        expected["type"]
            .as_str()
            .map(|t| t.trim_start_matches("Multi")),
        got["type"].as_str().map(|t| t.trim_start_matches("Multi")),
        "{what}: geometry type"
    );
    let (mut e, mut g) = (Vec::new(), Vec::new());
    numbers(&expected["coordinates"], &mut e);
    numbers(&got["coordinates"], &mut g);
    assert_eq!(e.len(), g.len(), "{what}: coordinate count");
    for (a, b) in e.iter().zip(&g) {
        assert!((a - b).abs() <= tolerance, "{what}: {a} vs {b}");
    }
}

/// Read-back features against the GeoJSON answer's, in order.
fn assert_same_features(what: &str, expected: &Value, got: &[Value]) {
    let expected = expected["features"].as_array().expect("features");
    assert_eq!(expected.len(), got.len(), "{what}: feature count");
    assert!(
        !expected.is_empty() || what.contains("premises"),
        "{what}: no features to compare"
    );
    for (i, (e, g)) in expected.iter().zip(got).enumerate() {
        for (name, value) in e["properties"].as_object().expect("properties") {
            assert_same_value(
                &format!("{what} feature {i} {name}"),
                value,
                g["properties"].get(name),
            );
        }
        assert_same_geometry(
            &format!("{what} feature {i}"),
            &e["geometry"],
            &g["geometry"],
            1e-9,
        );
    }
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (.ci/run installs it): {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The provenance blocks of two answers of the same request agree (bar the
/// time each was generated).
fn assert_same_provenance(what: &str, expected: &Value, got: &Value) {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("generated_at");
        }
        v
    };
    assert!(
        expected.is_object(),
        "{what}: the GeoJSON answer has a provenance"
    );
    assert_eq!(strip(expected), strip(got), "{what}: provenance");
}

#[tokio::test]
async fn geopackage_downloads_read_back_with_gdal() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (url, table, roles) in DOWNLOADS {
        for &role in roles {
            let what = format!("{table} as {role:?}");
            let geojson = get(&with_format(url, "geojson"), role).await.json();
            let answer = get(&with_format(url, "gpkg"), role).await;
            assert_eq!(
                answer.header(header::CONTENT_TYPE),
                "application/geopackage+sqlite3"
            );
            assert!(
                answer
                    .header(header::CONTENT_DISPOSITION)
                    .ends_with(".gpkg\""),
                "{what}: saved as a .gpkg file"
            );
            let path = dir.path().join(format!("{table}-{}.gpkg", role.as_str()));
            std::fs::write(&path, &answer.body).expect("write");
            let file = path.to_str().expect("utf-8 path");

            // GDAL's own reading, back to GeoJSON.
            let back: Value = serde_json::from_str(&run(
                "ogr2ogr",
                &[
                    "-f",
                    "GeoJSON",
                    "-lco",
                    "RFC7946=NO",
                    "-lco",
                    "WRITE_BBOX=NO",
                    "/vsistdout/",
                    file,
                    table,
                ],
            ))
            .expect("ogr2ogr writes GeoJSON");
            assert_same_features(
                &what,
                &geojson,
                back["features"].as_array().expect("features"),
            );

            // Objects and lists are declared JSON, so GDAL reads them as such.
            if table == "hotspots" && role == Role::Analyst {
                let info = run("ogrinfo", &["-ro", "-so", file, table]);
                assert!(
                    info.lines().any(|l| l.starts_with("venues: String(JSON)")),
                    "{what}: venues as JSON\n{info}"
                );
            }
            // The spatial index, and the provenance in the metadata tables.
            let index = run(
                "ogrinfo",
                &[
                    "-ro",
                    "-q",
                    file,
                    "-sql",
                    &format!("SELECT HasSpatialIndex('{table}', 'geom') AS indexed"),
                ],
            );
            assert!(
                index
                    .lines()
                    .any(|l| l.contains("HasSpatialIndex") && l.trim_end().ends_with("= 1")),
                "{what}: spatial index\n{index}"
            );
            let provenance = gpkg_provenance(file, table);
            assert_same_provenance(&what, &geojson["provenance"], &provenance);
        }
    }
}

/// The provenance block a GeoPackage keeps for `table`, read with ogr2ogr.
fn gpkg_provenance(file: &str, table: &str) -> Value {
    let sql = format!(
        "SELECT m.metadata AS provenance FROM gpkg_metadata m \
         JOIN gpkg_metadata_reference r ON r.md_file_id = m.id \
         WHERE r.reference_scope = 'table' AND r.table_name = '{table}'"
    );
    let out: Value = serde_json::from_str(&run(
        "ogr2ogr",
        &["-f", "GeoJSON", "/vsistdout/", file, "-sql", &sql],
    ))
    .expect("ogr2ogr writes GeoJSON");
    // GDAL hands JSON text on as JSON.
    match &out["features"][0]["properties"]["provenance"] {
        Value::String(text) => serde_json::from_str(text).expect("provenance is JSON"),
        Value::Object(_) => out["features"][0]["properties"]["provenance"].clone(),
        _ => panic!("no provenance for {table}: {out}"),
    }
}

/// Reads a GeoParquet file or dataset with `tests/tools/read_geoparquet.py`.
fn read_geoparquet(path: &Path, mode: &str) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/read_geoparquet.py");
    let text = run(
        "python3",
        &[
            script.to_str().expect("utf-8"),
            mode,
            path.to_str().expect("utf-8"),
        ],
    );
    serde_json::from_str(&text).expect("the reader prints JSON")
}

#[tokio::test]
async fn geoparquet_downloads_read_back_with_geopandas() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (url, table, roles) in DOWNLOADS {
        for &role in roles {
            let what = format!("{table} as {role:?}");
            let geojson = get(&with_format(url, "geojson"), role).await.json();
            let answer = get(&with_format(url, "parquet"), role).await;
            assert_eq!(
                answer.header(header::CONTENT_TYPE),
                "application/vnd.apache.parquet"
            );
            let path = dir
                .path()
                .join(format!("{table}-{}.parquet", role.as_str()));
            std::fs::write(&path, &answer.body).expect("write");
            let back = read_geoparquet(&path, "file");
            let geo = &back["geo"];
            assert_eq!(geo["version"], "1.1.0", "{what}");
            assert_eq!(geo["primary_column"], "geometry", "{what}");
            assert_eq!(geo["columns"]["geometry"]["encoding"], "WKB", "{what}");
            assert_eq!(
                geo["columns"]["geometry"]["covering"]["bbox"]["xmin"],
                serde_json::json!(["bbox", "xmin"]),
                "{what}"
            );
            assert_eq!(
                back["bbox_matches_geometry"], true,
                "{what}: the covering column"
            );
            assert_same_features(
                &what,
                &geojson,
                back["features"].as_array().expect("features"),
            );
            assert_same_provenance(&what, &geojson["provenance"], &back["provenance"]);
            assert_eq!(
                back["duckdb_rows"].as_u64(),
                Some(geojson["features"].as_array().expect("features").len() as u64),
                "{what}: DuckDB's read_parquet"
            );
        }
    }
}

#[tokio::test]
async fn csv_downloads_are_zipped_with_their_provenance() {
    for (url, table, roles) in DOWNLOADS {
        for &role in roles {
            let what = format!("{table} as {role:?}");
            let geojson = get(&with_format(url, "geojson"), role).await.json();
            let plain = get(&with_format(url, "csv"), role).await;
            assert!(
                plain.header(header::CONTENT_TYPE).starts_with("text/csv"),
                "{what}"
            );
            let zipped = get(&format!("{}&download=1", with_format(url, "csv")), role).await;
            assert_eq!(
                zipped.header(header::CONTENT_TYPE),
                "application/zip",
                "{what}"
            );
            assert!(
                zipped
                    .header(header::CONTENT_DISPOSITION)
                    .ends_with(".csv.zip\""),
                "{what}"
            );
            let mut archive =
                zip::ZipArchive::new(std::io::Cursor::new(zipped.body.clone())).expect("a zip");
            let names: Vec<String> = archive
                .file_names()
                .map(|n| n.expect("a name").into_owned())
                .collect();
            assert_eq!(names.len(), 2, "{what}: {names:?}");
            let csv_name = names
                .iter()
                .find(|n| n.as_str() != "provenance.json")
                .expect("the CSV");
            let mut csv = Vec::new();
            std::io::Read::read_to_end(&mut archive.by_name(csv_name).expect("csv"), &mut csv)
                .expect("read");
            assert_eq!(csv, plain.body, "{what}: the zipped CSV is the CSV");
            let mut provenance = String::new();
            std::io::Read::read_to_string(
                &mut archive.by_name("provenance.json").expect("provenance.json"),
                &mut provenance,
            )
            .expect("read");
            let provenance: Value = serde_json::from_str(&provenance).expect("JSON");
            assert_same_provenance(&what, &geojson["provenance"], &provenance);
        }
    }
}

/// `hotspots export reports --format parquet --partition h3_r5,year DIR`: a
/// Hive-partitioned dataset that DuckDB and GeoPandas read as one table, each
/// file in the folder its keys name.
#[test]
fn partitioned_reports_dataset_reads_as_one_table() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.duckdb");
    {
        let mut store = hotspots::Store::open(&db).expect("store");
        hotspots::demo::load_demo(&mut store).expect("demo loads");
    }
    let dataset = dir.path().join("reports");
    let exe = env!("CARGO_BIN_EXE_hotspots");
    run(
        exe,
        &[
            "export",
            "reports",
            "--db",
            db.to_str().expect("utf-8"),
            "--format",
            "parquet",
            "--partition",
            "h3_r5,year",
            dataset.to_str().expect("utf-8"),
        ],
    );
    let whole = dir.path().join("reports.geojson");
    run(
        exe,
        &[
            "export",
            "reports",
            "--db",
            db.to_str().expect("utf-8"),
            "-o",
            whole.to_str().expect("utf-8"),
        ],
    );
    let geojson: Value =
        serde_json::from_slice(&std::fs::read(&whole).expect("read")).expect("GeoJSON");
    let features = geojson["features"].as_array().expect("features");
    let back = read_geoparquet(&dataset, "dataset");
    assert_eq!(back["duckdb_rows"].as_u64(), Some(features.len() as u64));
    assert_eq!(back["geopandas_rows"].as_u64(), Some(features.len() as u64));
    // Each report sits in the partition of its own year and res-5 parent.
    let mut expected = std::collections::BTreeMap::<(String, String), u64>::new();
    for f in features {
        let p = &f["properties"];
        let year = p["observed_on"].as_str().expect("date")[..4].to_owned();
        // Reports located too coarsely for any cell go to Hive's null partition.
        let parent = ["h3_r9", "h3_r8", "h3_r7", "h3_r6"]
            .iter()
            .find_map(|k| p[*k].as_str())
            .map_or_else(
                || "null".to_owned(),
                |finest| {
                    let cell: h3o::CellIndex = finest.parse().expect("cell");
                    cell.parent(h3o::Resolution::Five)
                        .expect("parent")
                        .to_string()
                },
            );
        *expected.entry((parent, year)).or_default() += 1;
    }
    let got: std::collections::BTreeMap<(String, String), u64> = back["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| {
            (
                (
                    p[0].as_str()
                        .map_or_else(|| p[0].to_string(), str::to_owned),
                    p[1].as_str()
                        .map_or_else(|| p[1].to_string(), str::to_owned),
                ),
                p[2].as_u64().expect("count"),
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert!(expected.len() > 10, "a dataset of many partitions");
}

#[test]
fn export_writes_the_formats_the_api_answers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.duckdb");
    {
        let mut store = hotspots::Store::open(&db).expect("store");
        hotspots::demo::load_demo(&mut store).expect("demo loads");
    }
    let exe = env!("CARGO_BIN_EXE_hotspots");
    let db = db.to_str().expect("utf-8");
    let out = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_owned();
    run(
        exe,
        &[
            "export",
            "cells",
            "--db",
            db,
            "--res",
            "8",
            "-o",
            &out("cells.geojson"),
        ],
    );
    run(
        exe,
        &[
            "export",
            "cells",
            "--db",
            db,
            "--res",
            "8",
            "--format",
            "gpkg",
            "-o",
            &out("cells.gpkg"),
        ],
    );
    run(
        exe,
        &[
            "export",
            "cells",
            "--db",
            db,
            "--res",
            "8",
            "--format",
            "csv",
            "-o",
            &out("cells.zip"),
        ],
    );
    run(
        exe,
        &[
            "export",
            "cells",
            "--db",
            db,
            "--res",
            "8",
            "--format",
            "csv",
            "-o",
            &out("cells.csv"),
        ],
    );
    let geojson: Value =
        serde_json::from_slice(&std::fs::read(out("cells.geojson")).expect("read")).expect("json");
    let back: Value = serde_json::from_str(&run(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            "-lco",
            "RFC7946=NO",
            "/vsistdout/",
            &out("cells.gpkg"),
            "cells",
        ],
    ))
    .expect("GeoJSON");
    assert_same_features(
        "export cells gpkg",
        &geojson,
        back["features"].as_array().expect("features"),
    );
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(out("cells.zip")).expect("zip")).expect("a zip");
    assert!(archive.by_name("provenance.json").is_ok());
    let sidecar: Value = serde_json::from_slice(
        &std::fs::read(out("cells.provenance.json")).expect("the CSV's sidecar"),
    )
    .expect("JSON");
    assert_same_provenance("export cells csv", &geojson["provenance"], &sidecar);
}
