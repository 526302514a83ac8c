//! End-to-end ingest: files in, reports and rejects out, through the public API.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use hotspots::cli::{export_reports, OutFormat};
use hotspots::store::{CountTable, LoadCounts, ReportFilter, StoredReject, StoredReport};
use hotspots::{load, Input, LoadOptions, PipelineError, Store};

const MESSY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/messy.csv");

fn copy_to(dir: &Path, from: &str) -> PathBuf {
    let to = dir.join(Path::new(from).file_name().expect("name"));
    std::fs::copy(from, &to).expect("copy");
    to
}

fn reports(store: &Store) -> Vec<StoredReport> {
    let mut all = Vec::new();
    store
        .for_each_report(&ReportFilter::default(), |r| all.push(r))
        .expect("read");
    all
}

fn rejects(store: &Store, run_id: i64) -> Vec<StoredReject> {
    let mut all = Vec::new();
    store
        .rejects_for_run(run_id, |r| all.push(r))
        .expect("rejects");
    all
}

/// A run's rejects as `(line, field)`, in line order.
fn reject_lines(store: &Store, run_id: i64) -> Vec<(u64, String)> {
    rejects(store, run_id)
        .into_iter()
        .map(|r| (r.line, r.field))
        .collect()
}

fn reader(name: &str, bytes: impl Into<Vec<u8>>) -> Input {
    Input::Reader {
        name: name.into(),
        reader: Box::new(Cursor::new(bytes.into())),
    }
}

/// Options for in-memory loads: no rejects file beside a non-existent input.
fn quiet() -> LoadOptions {
    LoadOptions {
        no_rejects_file: true,
        ..LoadOptions::default()
    }
}

/// The messy file: BOM, CRLF, a quoted newline, every reject kind, hostile text.
#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one file, every expectation about it in one place"
)]
fn messy_file_rejects_exact_lines_and_keeps_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = copy_to(dir.path(), MESSY);
    let mut store = Store::open(&dir.path().join("t.duckdb")).expect("open");
    let summary = load(
        &mut store,
        Input::Path(path.clone()),
        &LoadOptions::default(),
        None,
    )
    .expect("load");
    let c = summary.counts;
    assert_eq!(
        (c.read, c.stored, c.duplicates, c.rejected),
        (25, 8, 1, 16),
        "{c:?}"
    );
    assert_eq!(c.read, c.stored + c.duplicates + c.rejected);

    let expected: BTreeSet<(u64, &str)> = [
        (7, "location"),
        (8, "venue_type"),
        (9, "observed_on"),
        (10, "observed_on"),
        (11, "observed_on"),
        (12, "lat"),
        (13, "lat"),
        (14, "postcode"),
        (15, "postcode"),
        (16, "persons_count"),
        (17, "indicators"),
        (18, "town"),
        (19, "row"),
        (24, "report_id"),
        (26, "lng"),
        (27, "grading"),
    ]
    .into_iter()
    .collect();

    // The rejects CSV beside the input: file,line,field,reason,raw.
    let rejects_csv = summary.rejects_csv.expect("rejects path");
    assert_eq!(rejects_csv, dir.path().join("messy.csv.rejects.csv"));
    let mut csv = csv::Reader::from_path(&rejects_csv).expect("rejects csv");
    assert_eq!(
        csv.headers().expect("header"),
        vec!["file", "line", "field", "reason", "raw"]
    );
    let mut got = BTreeSet::new();
    let mut rows = Vec::new();
    for record in csv.records() {
        let record = record.expect("row");
        assert_eq!(&record[0], path.display().to_string());
        assert!(!record[3].is_empty() && !record[4].is_empty(), "{record:?}");
        rows.push(record.clone());
        got.insert((
            record[1].parse::<u64>().expect("line"),
            record[2].to_owned(),
        ));
    }
    let got: BTreeSet<(u64, &str)> = got.iter().map(|(l, f)| (*l, f.as_str())).collect();
    assert_eq!(got, expected);
    let reason = |line: &str| {
        rows.iter()
            .find(|r| &r[1] == line)
            .map(|r| r[3].to_owned())
            .unwrap_or_default()
    };
    assert!(reason("9").contains("future"), "{}", reason("9"));
    assert!(reason("10").contains("before 2000"));
    assert!(reason("12").contains("outside the UK"));
    assert!(reason("14").contains("unknown postcode PE13 9ZZ"));
    assert!(reason("24").contains("line 2"), "{}", reason("24"));
    assert!(rows
        .iter()
        .any(|r| &r[1] == "11" && r[4].contains("12/25/2022")));
    assert_eq!(store.count(CountTable::Rejects).expect("count"), 16);

    let stored = reports(&store);
    let by_id = |id: &str| {
        stored
            .iter()
            .find(|r| r.report_id == id)
            .unwrap_or_else(|| panic!("{id} stored"))
    };
    for (id, method) in [
        ("MESSY-001", "wgs84"),
        ("MESSY-002", "bng"),
        ("MESSY-003", "postcode"),
        ("MESSY-004", "postcode"),
        ("MESSY-018", "town"),
        ("MESSY-019", "outward_code"),
        ("MESSY-020", "address_postcode"),
        ("MESSY-021", "town"),
    ] {
        assert_eq!(by_id(id).geocode_method, method, "{id}");
    }
    assert_eq!(
        by_id("MESSY-002").venue_name.as_deref(),
        Some("Diamond, Hand Car Wash")
    );
    // A WGS84 point as given is stored once (lat/lng) and its location text
    // rebuilt on reading; other locations keep their text. Indicators are
    // read back from the mask, in the program's order.
    assert_eq!(by_id("MESSY-001").location_input, "ll:52.66622:0.15938");
    assert_eq!(by_id("MESSY-001").indicators, "no_ppe;cash_only");
    assert_eq!(by_id("MESSY-002").location_input, "en:545978:310015");
    assert_eq!(by_id("MESSY-003").location_input, "pc:PE30 1DP");
    assert_eq!(
        by_id("MESSY-003").notes.as_deref(),
        Some("caller said:\r\nworkers live upstairs")
    );
    assert_eq!(
        by_id("MESSY-004").notes.as_deref(),
        Some("<script>alert('x')</script> '; DROP TABLE reports; --"),
        "hostile text stored intact"
    );
    assert_eq!(
        by_id("MESSY-004").venue_name.as_deref(),
        Some("<b>Flat</b>")
    );
    assert_eq!(
        by_id("MESSY-021").observed_on.to_string(),
        "2023-05-04",
        "04/05/2023 is 4 May"
    );
    assert_eq!(by_id("MESSY-021").venue_type, "nail_bar");
    assert_eq!(
        by_id("MESSY-001").persons_count,
        Some(3),
        "the first of a conflicting pair is kept"
    );
    // Precision rule: town reports have only a res-6 cell; GPS ones all four.
    assert!(
        by_id("MESSY-018").cells[0].is_some()
            && by_id("MESSY-018").cells[1..].iter().all(Option::is_none)
    );
    assert!(by_id("MESSY-001").cells.iter().all(Option::is_some));

    // The run is recorded with the file's SHA-256.
    let run = store.run(c.run_id).expect("run").expect("exists");
    assert_eq!(run.file_name, path.display().to_string());
    assert_eq!(
        (run.read, run.stored, run.duplicates, run.rejected),
        (25, 8, 1, 16)
    );
    let sha = run.sha256;
    let bytes = std::fs::read(&path).expect("read");
    assert_eq!(
        sha,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes))
    );
}

/// Excel's "CSV" is Windows-1252 and its "Unicode text" UTF-16: the first is
/// read when named (and each of its accented rows rejected with the hint
/// when not), the second from its byte-order mark. Long enough for the
/// transcoder's buffers to turn over many times; lines stay physical lines,
/// and the run keeps the SHA-256 of the file's own bytes.
#[test]
fn files_in_another_text_encoding_are_read_as_named_or_marked() {
    // Windows-1252 by hand: é is 0xE9, £ is 0xA3.
    let mut cp1252 = b"report_id,observed_on,venue_type,lat,lng,venue_name\r\n".to_vec();
    for i in 0..3_000_usize {
        let date = if i == 2_500 {
            "31/02/2024"
        } else {
            "2024-03-01"
        };
        cp1252.extend_from_slice(format!("W{i},{date},car_wash,52.66,0.16,").as_bytes());
        if i.is_multiple_of(3) {
            cp1252.extend_from_slice(b"Caf\xe9 \xa3");
        }
        cp1252.extend_from_slice(format!("{i}\r\n").as_bytes());
    }
    let name = |i: usize| {
        if i.is_multiple_of(3) {
            format!("Caf\u{e9} \u{a3}{i}")
        } else {
            i.to_string()
        }
    };

    let mut unnamed = Store::open_in_memory().expect("store");
    let c = load(
        &mut unnamed,
        reader("excel.csv", cp1252.clone()),
        &quiet(),
        None,
    )
    .expect("load")
    .counts;
    assert_eq!((c.read, c.stored, c.rejected), (3_000, 1_999, 1_001));
    let hinted = rejects(&unnamed, c.run_id)
        .into_iter()
        .filter(|r| r.field == "venue_name" && r.reason.contains("--encoding windows-1252"))
        .count();
    assert_eq!(hinted, 1_000);
    // The raw text keeps which bytes they were.
    let first = rejects(&unnamed, c.run_id)
        .into_iter()
        .next()
        .expect("a reject");
    assert_eq!(
        first.raw,
        "W0,2024-03-01,car_wash,52.66,0.16,Caf\\xE9 \\xA30"
    );

    let mut store = Store::open_in_memory().expect("store");
    let options = LoadOptions {
        encoding: Some("windows-1252".parse().expect("label")),
        ..quiet()
    };
    let c = load(
        &mut store,
        reader("excel.csv", cp1252.clone()),
        &options,
        None,
    )
    .expect("load")
    .counts;
    assert_eq!((c.read, c.stored, c.rejected), (3_000, 2_999, 1));
    assert_eq!(
        reject_lines(&store, c.run_id),
        vec![(2_502, "observed_on".to_owned())]
    );
    let stored = reports(&store);
    assert_eq!(stored.len(), 2_999);
    for r in &stored {
        let i: usize = r.report_id[1..].parse().expect("id");
        assert_eq!(
            r.venue_name.as_deref(),
            Some(name(i).as_str()),
            "{}",
            r.report_id
        );
    }
    let run = store.run(c.run_id).expect("run").expect("exists");
    assert_eq!(
        run.sha256,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&cp1252))
    );

    // UTF-16LE with its mark, tab-separated, as Excel saves "Unicode text";
    // no name needed.
    let text = "report_id,observed_on,venue_type,lat,lng,venue_name\r\n\
                U1,2024-03-01,nail_bar,52.66,0.16,\u{141}\u{f3}d\u{17a} Nails\r\n\
                U2,2024-03-01,spaceship,52.66,0.16,Caf\u{e9}\r\n"
        .replace(',', "\t");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let mut store = Store::open_in_memory().expect("store");
    let c = load(&mut store, reader("unicode.txt", utf16), &quiet(), None)
        .expect("load")
        .counts;
    assert_eq!((c.read, c.stored, c.rejected), (2, 1, 1));
    let listed = rejects(&store, c.run_id);
    assert_eq!(
        (listed[0].line, listed[0].field.as_str()),
        (3, "venue_type")
    );
    assert_eq!(
        listed[0].raw,
        "U2,2024-03-01,spaceship,52.66,0.16,Caf\u{e9}"
    );
    assert_eq!(
        reports(&store)[0].venue_name.as_deref(),
        Some("\u{141}\u{f3}d\u{17a} Nails")
    );
}

/// A line of commas (a spreadsheet's row whose cells were cleared) is listed
/// as blank, not as a report missing its date; a row with a value in a
/// column we do not read is not blank.
#[test]
fn blank_rows_are_said_to_be_blank() {
    let csv = "report_id,observed_on,venue_type,postcode,comment\n\
               B1,2024-03-01,car_wash,PE13 1PE,\n\
               ,,,,\n\
               \x20, ,\t, ,\n\
               ,,,,called back\n";
    let mut store = Store::open_in_memory().expect("store");
    let c = load(&mut store, reader("blank.csv", csv), &quiet(), None)
        .expect("load")
        .counts;
    assert_eq!((c.read, c.stored, c.rejected), (4, 1, 3));
    let listed = rejects(&store, c.run_id);
    let got: Vec<(u64, &str, bool)> = listed
        .iter()
        .map(|r| (r.line, r.field.as_str(), r.reason.starts_with("blank")))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "row", true),
            (4, "row", true),
            (5, "observed_on", false)
        ]
    );
}

/// Excel in a locale with a decimal comma (French, German, Polish, ...) saves
/// "CSV" separated by `;`, with dates day first and degrees like `52,66622`:
/// read as the points they are, the same reports as the comma-separated file
/// with dots (the second load finds only duplicates). Grid metres with a
/// separator stay a reject naming the column.
#[test]
fn a_semicolon_file_with_decimal_commas_is_read() {
    let european = "report_id;observed_on;venue_type;lat;lng;easting;northing\r\n\
                    E1;01.03.2024;car_wash;52,66622;0,15938;;\r\n\
                    E2;15-03-2024;nail_bar;52,4862;-1,8904;;\r\n\
                    E3;2024-03-01;farm;;;546,100;310200\r\n";
    let mut store = Store::open_in_memory().expect("store");
    let c = load(&mut store, reader("export.csv", european), &quiet(), None)
        .expect("load")
        .counts;
    assert_eq!((c.read, c.stored, c.rejected), (3, 2, 1));
    assert_eq!(
        reject_lines(&store, c.run_id),
        vec![(4, "easting".to_owned())]
    );
    let stored = reports(&store);
    let e1 = stored.iter().find(|r| r.report_id == "E1").expect("E1");
    assert_eq!((e1.lat, e1.lng, e1.precision_m), (52.66622, 0.15938, 10.0));
    let e2 = stored.iter().find(|r| r.report_id == "E2").expect("E2");
    assert_eq!((e2.lat, e2.lng), (52.4862, -1.8904));

    let dotted = "report_id,observed_on,venue_type,lat,lng\n\
                  E1,2024-03-01,car_wash,52.66622,0.15938\n\
                  E2,2024-03-15,nail_bar,52.4862,-1.8904\n";
    let c = load(&mut store, reader("dotted.csv", dotted), &quiet(), None)
        .expect("load")
        .counts;
    assert_eq!((c.read, c.stored, c.duplicates), (2, 0, 2));
}

/// A header with no column for the date, the venue type or the place would
/// have every row rejected for the same reason: the file stops at line 1,
/// saying which it lacks (with the names read as it) and which of its own
/// columns were not read; nothing of it is stored. A header that can give
/// some rows a place (lat without lng, but a postcode) still loads.
#[test]
fn a_header_without_a_needed_column_stops_the_file() {
    let stopped = |csv: &str| -> String {
        let mut store = Store::open_in_memory().expect("store");
        let err = load(&mut store, reader("in.csv", csv), &quiet(), None).unwrap_err();
        assert_eq!(store.count(CountTable::Reports).expect("count"), 0);
        assert_eq!(store.count(CountTable::Runs).expect("count"), 0);
        let PipelineError::Ingest(e) = &err else {
            panic!("{err}")
        };
        let text = e.to_string();
        let (at, message) = text.split_once(": header: ").expect("a header error");
        assert_eq!(at, "in.csv: line 1");
        message.to_owned()
    };
    // police.uk's street-level crimes: not reports of exploitation.
    assert_eq!(
        stopped(
            "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n\
             ,2024-01,Cambridgeshire Constabulary,Cambridgeshire Constabulary,0.16,52.66,On or near A Road,E01,Fenland 001A,Other crime,,\n"
        ),
        "no column gives each report's date (observed_on, date, reported_at or observed_at), \
         nor its venue type (venue_type or venue); the columns not read are \"Crime ID\", \
         \"Month\", \"Reported by\", \"Falls within\", \"Location\", \"LSOA code\", \
         \"LSOA name\", \"Crime type\", \"Last outcome category\", \"Context\". \
         This is a data.police.uk street-level file: load it as context beside the reports \
         with `hotspots context import police-uk FILE`"
    );
    assert_eq!(
        stopped("Report ID;Date of visit;Venue;Post code\nA1;2024-01-01;car wash;PE13 1AA\n"),
        "no column gives each report's date (observed_on, date, reported_at or observed_at); \
         the columns not read are \"Date of visit\""
    );
    assert_eq!(
        stopped("date,venue,lat,Longitud\n2024-01-01,farm,52.6,0.1\n"),
        "no column gives each report's place (lat and lng, easting and northing, grid_ref, \
         postcode, town or address; lat is given without lng); the columns not read are \"Longitud\""
    );
    let many = (0..20).fold(String::new(), |mut s, i| {
        let _ = write!(s, "c{i},");
        s
    });
    assert!(stopped(&format!("{many}date,venue\n")).ends_with("\"c10\", \"c11\", and 8 more"));

    let mut store = Store::open_in_memory().expect("store");
    let some = "date,venue,lat,postcode\n2024-01-01,farm,52.6,\n2024-01-01,farm,,PE13 1AA\n";
    let c = load(&mut store, reader("some.csv", some), &quiet(), None)
        .expect("load")
        .counts;
    assert_eq!((c.read, c.stored, c.rejected), (2, 1, 1));
    let c = load(&mut store, reader("empty.csv", ""), &quiet(), None)
        .expect("an empty file is no rows")
        .counts;
    assert_eq!((c.read, c.stored), (0, 0));
}

/// GDAL and QGIS save a layer in British National Grid as GeoJSON with a
/// `crs` member and eastings and northings as coordinates: read as such,
/// checked against Ordnance Survey's worked example (Caister water tower,
/// in the OS guide to coordinate systems in Great Britain: E 651409.903,
/// N 313177.270 is OSGB36 52°39'27.2531"N 1°43'4.5177"E, which is ETRS89
/// 52°39'28.8282"N 1°42'57.8663"E; ETRS89 is WGS84 to within a metre or so).
/// A CRS this does not read stops the file, naming it.
#[test]
fn geojson_in_british_national_grid_is_read_by_its_crs() {
    let collection = |crs: &str, x: f64, y: f64| {
        format!(
            "{{\"type\": \"FeatureCollection\",\n\"crs\": {crs},\n\"features\": [\n\
             {{\"type\": \"Feature\", \"properties\": {{\"report_id\": \"T1\", \"observed_on\": \"2024-03-01\", \"venue_type\": \"farm\"}}, \
             \"geometry\": {{\"type\": \"Point\", \"coordinates\": [{x}, {y}]}}}}\n]}}\n"
        )
    };
    let geojson = LoadOptions {
        format: Some(hotspots::ingest::Format::Geojson),
        ..quiet()
    };
    let (lat, lng) = (
        52.0 + 39.0 / 60.0 + 28.8282 / 3600.0,
        1.0 + 42.0 / 60.0 + 57.8663 / 3600.0,
    );
    for crs in [
        r#"{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}"#,
        r#"{"type": "EPSG", "properties": {"code": 27700}}"#,
    ] {
        let mut store = Store::open_in_memory().expect("store");
        let text = collection(crs, 651_409.903, 313_177.27);
        let c = load(&mut store, reader("bng.geojson", text), &geojson, None)
            .expect("load")
            .counts;
        assert_eq!((c.stored, c.rejected), (1, 0), "{crs}");
        let r = &reports(&store)[0];
        assert_eq!(r.geocode_method, "bng");
        assert!(
            (r.lat - lat).abs() < 1e-5 && (r.lng - lng).abs() < 1e-5,
            "{crs}: {} {}",
            r.lat,
            r.lng
        );
    }
    // Longitude first under a WGS84 name, as with none.
    let mut store = Store::open_in_memory().expect("store");
    let crs84 = r#"{"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}"#;
    let c = load(
        &mut store,
        reader("w.geojson", collection(crs84, lng, lat)),
        &geojson,
        None,
    )
    .expect("load")
    .counts;
    assert_eq!(c.stored, 1);
    assert!((reports(&store)[0].lat - lat).abs() < 1e-9);
    let mercator = r#"{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}"#;
    let err = load(
        &mut store,
        reader("m.geojson", collection(mercator, 191_237.0, 6_920_443.0)),
        &geojson,
        None,
    )
    .expect_err("a CRS not read");
    let said = err.to_string();
    assert!(
        said.contains("m.geojson: line 2") && said.contains("EPSG::3857") && said.contains("27700"),
        "{said}"
    );

    // A crs after the features: the same WGS84 as assumed loads; British
    // National Grid stops the file (its points were read as degrees), saying
    // where and what to do, and nothing of it is stored.
    let after = |crs: &str, x: f64, y: f64| {
        format!(
            "{{\"type\": \"FeatureCollection\", \"features\": [\n\
             {{\"type\": \"Feature\", \"properties\": {{\"report_id\": \"A1\", \"observed_on\": \"2024-03-01\", \"venue_type\": \"farm\"}}, \
             \"geometry\": {{\"type\": \"Point\", \"coordinates\": [{x}, {y}]}}}}\n],\n\
             \"name\": \"reports [2024]\", \"bbox\": [{x}, {y}, {x}, {y}],\n\"crs\": {crs}\n}}\n"
        )
    };
    let mut store = Store::open_in_memory().expect("store");
    let mut load_text =
        |name: &str, text: String| load(&mut store, reader(name, text), &geojson, None);
    let c = load_text("late84.geojson", after(crs84, lng, lat))
        .expect("a late crs that agrees")
        .counts;
    assert_eq!(c.stored, 1);
    let bng = r#"{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}"#;
    let err = load_text("late.geojson", after(bng, 651_409.903, 313_177.27))
        .expect_err("a late crs that disagrees");
    let said = err.to_string();
    assert!(
        said.contains("late.geojson: line 5")
            && said.contains("EPSG::27700")
            && said.contains("after the features")
            && said.contains("before \"features\""),
        "{said}"
    );
    assert_eq!(reports(&store).len(), 1, "nothing of late.geojson stored");
    assert_eq!(store.count(CountTable::Runs).expect("runs"), 1);
}

#[test]
fn reingest_is_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = copy_to(dir.path(), MESSY);
    let mut store = Store::open(&dir.path().join("t.duckdb")).expect("open");
    let first = load(
        &mut store,
        Input::Path(path.clone()),
        &LoadOptions::default(),
        None,
    )
    .expect("load");
    let before = reports(&store);
    let again = load(&mut store, Input::Path(path), &LoadOptions::default(), None).expect("load");
    let c = again.counts;
    assert_eq!(c.stored, 0);
    assert_eq!(c.duplicates, first.counts.stored + first.counts.duplicates);
    assert_eq!(c.read, c.stored + c.duplicates + c.rejected);
    assert_eq!(reports(&store), before);
    assert_eq!(store.count(CountTable::Runs).expect("runs"), 2);
    // Another process (a fresh handle) reads the stored keys from the file.
    drop(store);
    let mut reopened = Store::open(&dir.path().join("t.duckdb")).expect("reopen");
    let third = load(
        &mut reopened,
        Input::Path(copy_to(dir.path(), MESSY)),
        &LoadOptions::default(),
        None,
    )
    .expect("load");
    assert_eq!(
        third.counts,
        LoadCounts {
            run_id: third.counts.run_id,
            ..c
        }
    );
    assert_eq!(reports(&reopened), before);
}

#[test]
fn conflicting_report_id_is_rejected_and_stored_one_untouched() {
    let mut store = Store::open_in_memory().expect("open");
    let opts = quiet();
    let first = "{\"id\":\"H-1\",\"source\":\"helpline\",\"date\":\"2024-01-02\",\"venue\":\"farm\",\"postcode\":\"PE13 1AA\",\"persons_count\":2}\n";
    let changed = "{\"id\":\"H-1\",\"source\":\"helpline\",\"date\":\"2024-01-02\",\"venue\":\"farm\",\"postcode\":\"PE13 1AA\",\"persons_count\":7}\n";
    let other_source = "{\"id\":\"H-1\",\"source\":\"police_intel\",\"date\":\"2024-01-02\",\"venue\":\"farm\",\"postcode\":\"PE13 1AA\"}\n";
    let a = load(
        &mut store,
        reader("a.jsonl", first),
        &LoadOptions {
            format: Some(hotspots::ingest::Format::Jsonl),
            ..opts.clone()
        },
        None,
    )
    .expect("a");
    assert_eq!(a.counts.stored, 1);
    let b = load(
        &mut store,
        reader("b.jsonl", changed),
        &LoadOptions {
            format: Some(hotspots::ingest::Format::Jsonl),
            ..opts.clone()
        },
        None,
    )
    .expect("b");
    assert_eq!((b.counts.stored, b.counts.rejected), (0, 1));
    let rejects = rejects(&store, b.counts.run_id);
    assert_eq!(rejects.len(), 1);
    assert_eq!(
        (
            rejects[0].file.as_str(),
            rejects[0].line,
            rejects[0].field.as_str()
        ),
        ("b.jsonl", 1, "report_id")
    );
    assert!(
        rejects[0].reason.contains("already stored"),
        "{}",
        rejects[0].reason
    );
    assert_eq!(reports(&store)[0].persons_count, Some(2));
    // The same id from another source is another report.
    let c = load(
        &mut store,
        reader("c.jsonl", other_source),
        &LoadOptions {
            format: Some(hotspots::ingest::Format::Jsonl),
            ..opts
        },
        None,
    )
    .expect("c");
    assert_eq!(c.counts.stored, 1);
}

#[test]
fn failure_mid_file_leaves_nothing_of_that_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = copy_to(dir.path(), MESSY);
    let db = dir.path().join("t.duckdb");
    {
        let mut store = Store::open(&db).expect("open");
        let opts = LoadOptions {
            fail_after_rows: Some(12),
            ..LoadOptions::default()
        };
        let err = load(&mut store, Input::Path(path.clone()), &opts, None).unwrap_err();
        assert!(
            matches!(err, PipelineError::Injected { rows: 12, .. }),
            "{err}"
        );
        assert_eq!(store.count(CountTable::Reports).expect("count"), 0);
        assert_eq!(store.count(CountTable::Rejects).expect("count"), 0);
        assert_eq!(store.count(CountTable::Runs).expect("count"), 0);
        // Nor a rejects file, not even a half-written one under another name.
        let listed: Vec<String> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.contains("rejects"))
            .collect();
        assert!(listed.is_empty(), "{listed:?}");
    }
    // Reopened from disk: still nothing; a clean re-run stores everything once.
    let mut store = Store::open(&db).expect("reopen");
    assert_eq!(store.count(CountTable::Reports).expect("count"), 0);
    let ok = load(
        &mut store,
        Input::Path(path.clone()),
        &LoadOptions::default(),
        None,
    )
    .expect("load");
    assert_eq!(ok.counts.stored, 8);
    assert_eq!(store.count(CountTable::Reports).expect("count"), 8);
    // A failure after that commit leaves the committed keys known: the rows
    // the failed run had taken in are not remembered as stored.
    let opts = LoadOptions {
        fail_after_rows: Some(12),
        ..LoadOptions::default()
    };
    let changed = std::fs::read_to_string(&path)
        .expect("read")
        .replace("MESSY-001", "MESSY-NEW");
    let changed_path = dir.path().join("changed.csv");
    std::fs::write(&changed_path, changed).expect("write");
    load(&mut store, Input::Path(changed_path.clone()), &opts, None).unwrap_err();
    let again = load(
        &mut store,
        Input::Path(changed_path),
        &LoadOptions::default(),
        None,
    )
    .expect("load");
    assert_eq!(
        (again.counts.stored, again.counts.duplicates),
        (1, ok.counts.duplicates + 7)
    );
    assert_eq!(store.count(CountTable::Reports).expect("count"), 9);
}

#[test]
fn json_lines_and_geojson_with_line_numbers() {
    let mut store = Store::open_in_memory().expect("open");
    let opts = |format| LoadOptions {
        format: Some(format),
        ..quiet()
    };
    let jsonl = concat!(
        "\u{feff}{\"id\":\"J1\",\"date\":\"2024-03-01\",\"venue\":\"nail bar\",\"lat\":52.13459,\"lng\":-0.46632,\"indicators\":[\"long_hours\",\"cash_only\"]}\n",
        "\n",
        "{not json}\n",
        "[1,2]\n",
        "{\"id\":\"J2\",\"date\":\"2024-03-02\",\"venue\":\"car_wash\",\"town\":\"Luton\",\"notes\":{\"nested\":1}}\n",
        "{\"id\":\"J3\",\"date\":\"2024-03-03\",\"venue\":\"car_wash\",\"town\":\"Luton\",\"child_involved\":false}\n",
    );
    let j = load(
        &mut store,
        reader("x.jsonl", jsonl),
        &opts(hotspots::ingest::Format::Jsonl),
        None,
    )
    .expect("jsonl");
    assert_eq!(
        (j.counts.read, j.counts.stored, j.counts.rejected),
        (5, 2, 3)
    );
    let lines = reject_lines(&store, j.counts.run_id);
    assert_eq!(
        lines,
        vec![(3, "row".into()), (4, "row".into()), (5, "notes".into())]
    );

    let geojson = r#"{"type": "FeatureCollection",
 "name": "app export", "features": [
  {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-0.41748, 51.87967]},
   "properties": {"id": "G1", "date": "2024-04-01", "venue_type": "car_wash", "note": "a ] and a } in text"}},
  {"type": "Feature",
   "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]},
   "properties": {"id": "G2", "date": "2024-04-01", "venue_type": "car_wash"}},
  {"type": "Feature", "geometry": null,
   "properties": {"id": "G3", "date": "2024-04-02", "venue_type": "farm", "postcode": "PE15 8AB"}},
  {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1.078, 49.922]},
   "properties": {"id": "G4", "date": "2024-04-02", "venue_type": "farm"}}
 ]}
"#;
    let g = load(
        &mut store,
        reader("x.geojson", geojson),
        &opts(hotspots::ingest::Format::Geojson),
        None,
    )
    .expect("geojson");
    assert_eq!(
        (g.counts.read, g.counts.stored, g.counts.rejected),
        (4, 2, 2)
    );
    let lines = reject_lines(&store, g.counts.run_id);
    assert_eq!(lines, vec![(5, "geometry".into()), (10, "lat".into())]);
    // The outline's reject says what it was and what to give instead.
    assert_eq!(
        rejects(&store, g.counts.run_id)[0].reason,
        "geometry must be a Point, not a Polygon: give the place as a Point \
         (or as lat and lng properties)"
    );

    let not_fc = load(
        &mut store,
        reader("y.geojson", "{\"type\":\"Feature\"}"),
        &opts(hotspots::ingest::Format::Geojson),
        None,
    );
    assert!(matches!(not_fc, Err(PipelineError::Ingest(_))));
}

#[test]
fn csv_bad_utf8_and_header_aliases() {
    let mut store = Store::open_in_memory().expect("open");
    let mut bytes = b"ID,Date,Venue,Latitude,Longitude,Notes\nA,2024-01-01,farm,52.66622,0.15938,ok\nB,2024-01-01,farm,52.66622,0.15938,bad \xff\xfe here\n".to_vec();
    bytes.extend_from_slice(b"C,2024-01-01,farm,52.66622,0.15938,\"multi\nline\"\nD,2024-01-01,farm,52.66622,0.15938,last\n");
    let s = load(&mut store, reader("bytes.csv", bytes), &quiet(), None).expect("load");
    assert_eq!(
        (s.counts.read, s.counts.stored, s.counts.rejected),
        (4, 3, 1)
    );
    let rejects = rejects(&store, s.counts.run_id);
    assert_eq!((rejects[0].line, rejects[0].field.as_str()), (3, "notes"));
    // D starts on line 6 because C's notes span lines 4-5.
    let d = reports(&store)
        .into_iter()
        .find(|r| r.report_id == "D")
        .expect("D");
    assert_eq!(d.notes.as_deref(), Some("last"));
}

/// `rows` seeded lat/lng reports over the East of England, one a line.
fn generated_csv(rows: usize, seed: u64) -> String {
    let mut text = String::from("report_id,observed_on,venue_type,lat,lng\n");
    let mut state = seed;
    for i in 0..rows {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let lat = 51.6 + (state >> 40) as f64 / f64::from(1u32 << 24) * 1.2;
        let lng = -0.6 + (state & 0xff_ffff) as f64 / f64::from(1u32 << 24) * 1.4;
        let _ = std::fmt::Write::write_fmt(
            &mut text,
            format_args!(
                "R{i},2024-{:02}-15,car_wash,{lat:.6},{lng:.6}\n",
                1 + i % 12
            ),
        );
    }
    text
}

/// A 150k-row file goes through the streaming path in one transaction.
/// Regression: past one DuckDB row group (122,880 rows) appended in one flush
/// inside a transaction, the staged rows were invisible to sorts and joins and
/// nothing was stored.
#[test]
fn regression_staging_past_one_row_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.csv");
    std::fs::write(&path, generated_csv(150_000, 42)).expect("write");
    let mut store = Store::open(&dir.path().join("big.duckdb")).expect("open");
    let s = load(&mut store, Input::Path(path), &LoadOptions::default(), None).expect("load");
    assert_eq!(
        (s.counts.read, s.counts.stored, s.counts.rejected),
        (150_000, 150_000, 0)
    );
    assert_eq!(store.count(CountTable::Reports).expect("count"), 150_000);
}

/// `hotspots ingest` lets DuckDB append on every thread, in no set order
/// (`Store::dedicate_to_loading`); the server appends in file order. Both must
/// store the same reports and list the same rejects, duplicates and conflicts
/// included, past several row groups.
#[test]
fn a_loading_process_stores_what_an_ordered_load_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mixed.csv");
    let mut text = String::new();
    for (i, line) in generated_csv(260_000, 7).lines().enumerate() {
        text.push_str(line);
        text.push('\n');
        if i > 0 && i % 1013 == 0 {
            text.push_str(line); // the same report again: a duplicate
            text.push('\n');
        }
        if i > 0 && i % 1009 == 0 {
            // The same id with other content: a conflict.
            text.push_str(&line.replace(",car_wash,", ",nail_bar,"));
            text.push('\n');
        }
        if i % 997 == 0 {
            text.push_str("BAD,2024-01-01,car_wash,not a number,0.1\n");
        }
    }
    std::fs::write(&path, text).expect("write");
    let run = |dedicated: bool| {
        let mut store = Store::open(&dir.path().join(format!("{dedicated}.duckdb"))).expect("open");
        if dedicated {
            store.dedicate_to_loading();
        }
        let s = load(&mut store, Input::Path(path.clone()), &quiet(), None).expect("load");
        let listed: Vec<String> = reports(&store).iter().map(|r| format!("{r:?}")).collect();
        let rejected: Vec<String> = rejects(&store, s.counts.run_id)
            .iter()
            .map(|r| format!("{}|{}|{}|{}", r.line, r.field, r.reason, r.raw))
            .collect();
        (s.counts, listed, rejected)
    };
    let (ordered, parallel) = (run(false), run(true));
    let counts = |c: &LoadCounts| (c.read, c.stored, c.duplicates, c.rejected);
    assert_eq!(counts(&parallel.0), counts(&ordered.0));
    assert_eq!(
        counts(&ordered.0),
        (260_000 + 256 + 257 + 261, 260_000, 256, 257 + 261)
    );
    assert_eq!(parallel.1.len(), ordered.1.len());
    if let Some((p, o)) = parallel.1.iter().zip(&ordered.1).find(|(p, o)| p != o) {
        panic!("the stored reports differ:\n{p}\n{o}");
    }
    assert!(parallel.2 == ordered.2, "the rejects differ");
}

/// More rejects than a load holds in memory while its reports go in are set
/// aside in a temporary file: every one is still stored and listed once.
#[test]
fn a_file_of_mostly_bad_rows_lists_every_reject() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.csv");
    let mut text = String::from("report_id,observed_on,venue_type,lat,lng\n");
    let mut expected = BTreeSet::new();
    for i in 0..40_000u64 {
        if i % 10 == 0 {
            let _ = writeln!(text, "G{i},2024-03-01,farm,52.6,0.1");
        } else {
            // Line i + 2: the header is line 1.
            let _ = writeln!(text, "B{i},2024-13-01,farm,52.6,0.1");
            expected.insert(i + 2);
        }
    }
    std::fs::write(&path, text).expect("write");
    let mut store = Store::open(&dir.path().join("t.duckdb")).expect("open");
    store.dedicate_to_loading();
    let rejects_csv = dir.path().join("bad.rejects.csv");
    let s = load(
        &mut store,
        Input::Path(path),
        &LoadOptions {
            rejects_path: Some(rejects_csv.clone()),
            ..LoadOptions::default()
        },
        None,
    )
    .expect("load");
    assert_eq!((s.counts.stored, s.counts.rejected), (4_000, 36_000));
    let stored: Vec<u64> = rejects(&store, s.counts.run_id)
        .iter()
        .map(|r| r.line)
        .collect();
    assert_eq!(stored, expected.iter().copied().collect::<Vec<_>>());
    let mut listed = csv::Reader::from_path(&rejects_csv).expect("rejects csv");
    // In line order, as listed for people (an `ORDER BY` after a load on
    // DuckDB's threads: see `Store::dedicate_to_loading`).
    let lines: Vec<u64> = listed
        .records()
        .map(|r| r.expect("record")[1].parse().expect("line"))
        .collect();
    assert_eq!(lines, expected.iter().copied().collect::<Vec<_>>());
}

#[test]
fn export_reports_geojson_and_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = copy_to(dir.path(), MESSY);
    let mut store = Store::open(&dir.path().join("t.duckdb")).expect("open");
    load(&mut store, Input::Path(path), &LoadOptions::default(), None).expect("load");

    let mut out = Vec::new();
    export_reports(
        &store,
        &ReportFilter::default(),
        OutFormat::Geojson,
        &mut out,
    )
    .expect("geojson");
    let text = String::from_utf8(out).expect("utf8");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(value["provenance"]["features"], 8);
    assert_eq!(value["provenance"]["layer"], "reports");
    let fc: geojson::FeatureCollection = text
        .parse::<geojson::GeoJson>()
        .expect("geojson")
        .try_into()
        .expect("fc");
    assert_eq!(fc.features.len(), 8);
    for f in &fc.features {
        let Some(geojson::GeometryValue::Point { coordinates }) =
            f.geometry.as_ref().map(|g| &g.value)
        else {
            panic!("point")
        };
        let p = coordinates.as_slice();
        let props = f.properties.as_ref().expect("props");
        // RFC 7946: longitude first.
        assert!((p[0] - props["lng"].as_f64().expect("lng")).abs() < 1e-12);
        assert!((p[1] - props["lat"].as_f64().expect("lat")).abs() < 1e-12);
        assert!((49.0..61.0).contains(&p[1]) && (-9.0..2.0).contains(&p[0]));
        for key in [
            "geocode_method",
            "precision_m",
            "h3_r6",
            "h3_r7",
            "h3_r8",
            "h3_r9",
        ] {
            assert!(props.contains_key(key), "{key}");
        }
        // The finest cell the precision supports holds the point; each
        // coarser one is its parent.
        let cells: Vec<Option<h3o::CellIndex>> = ["h3_r6", "h3_r7", "h3_r8", "h3_r9"]
            .iter()
            .map(|k| props[*k].as_str().map(|c| c.parse().expect("hex cell")))
            .collect();
        let finest = cells
            .iter()
            .rposition(Option::is_some)
            .expect("every stored report here has a cell");
        let resolution = h3o::Resolution::try_from(6 + finest as u8).expect("res");
        let cell = cells[finest].expect("finest");
        assert_eq!(
            cell,
            h3o::LatLng::new(p[1], p[0])
                .expect("ll")
                .to_cell(resolution)
        );
        for (i, coarser) in cells[..finest].iter().enumerate() {
            let at = h3o::Resolution::try_from(6 + i as u8).expect("res");
            assert_eq!(*coarser, cell.parent(at), "parent at {at}");
        }
    }

    let filter = ReportFilter {
        venues: vec!["car_wash".into()],
        ..ReportFilter::default()
    };
    let mut out = Vec::new();
    export_reports(&store, &filter, OutFormat::Csv, &mut out).expect("csv");
    let mut csv = csv::Reader::from_reader(out.as_slice());
    let headers = csv.headers().expect("headers").clone();
    assert_eq!(&headers[0], "source");
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.expect("row")).collect();
    assert_eq!(
        rows.len(),
        3,
        "car washes: MESSY-001, 002 and 018 (\"Hand car wash\")"
    );
    for r in &rows {
        assert_eq!(&r[col("venue_type")], "car_wash");
    }
    let town = rows
        .iter()
        .find(|r| &r[col("report_id")] == "MESSY-018")
        .expect("018");
    assert_eq!(&town[col("geocode_method")], "town");
    assert!(
        !town[col("h3_r6")].is_empty()
            && town[col("h3_r8")].is_empty()
            && town[col("h3_r9")].is_empty()
    );
}

/// Regression: the csv crate's own line count lags after CRLF terminators; line
/// numbers must be physical lines whatever the line endings, blank lines and
/// quoted newlines.
#[test]
fn regression_crlf_line_numbers() {
    for ending in ["\n", "\r\n"] {
        let text = [
            "id,date,venue,postcode",
            "A,2024-01-01,farm,PE13 1AA",
            "B,2024-01-01,casino,PE13 1AA",
            "",
            "C,2024-01-01,farm,\"multi",
            "line\"",
            "D,2024-01-01,casino,PE13 1AA",
            "E,2024-01-01,casino,PE13 1AA",
        ]
        .join(ending)
            + ending;
        let mut store = Store::open_in_memory().expect("open");
        let s = load(&mut store, reader("x.csv", text), &quiet(), None).expect("load");
        let lines = reject_lines(&store, s.counts.run_id);
        let expected: Vec<(u64, String)> = vec![
            (3, "venue_type".into()),
            (5, "postcode".into()),
            (7, "venue_type".into()),
            (8, "venue_type".into()),
        ];
        assert_eq!(lines, expected, "ending {ending:?}");
    }
}

/// Rows are prepared by several threads in batches but classified in file
/// order: of two rows with one id and different content, the earlier is kept
/// and the later is the conflict, for every pair, batch boundaries included.
#[test]
fn file_order_kept_across_worker_threads() {
    let rows = 6_000;
    let half = rows / 2;
    let mut text = String::from("report_id,observed_on,venue_type,lat,lng,persons_count\n");
    for i in 0..rows {
        let _ = std::fmt::Write::write_fmt(
            &mut text,
            format_args!(
                "R{},2024-03-{:02},car_wash,52.{:04},0.1,{}\n",
                i % half,
                1 + i % 28,
                i % half,
                i / half
            ),
        );
    }
    let mut store = Store::open_in_memory().expect("open");
    let s = load(&mut store, reader("pairs.csv", text), &quiet(), None).expect("load");
    assert_eq!(
        (s.counts.read, s.counts.stored, s.counts.rejected),
        (6_000, 3_000, 3_000)
    );
    let rejects = rejects(&store, s.counts.run_id);
    assert_eq!(rejects.len(), half);
    for (k, reject) in rejects.iter().enumerate() {
        // Line 2 is row 0; the conflict at row half + k points back at row k.
        assert_eq!(reject.line, (half + k + 2) as u64);
        assert!(
            reject
                .reason
                .contains(&format!("appears at line {} of this file", k + 2)),
            "{}",
            reject.reason
        );
    }
    let stored = reports(&store);
    assert!(stored.iter().all(|r| r.persons_count == Some(0)));
}

/// Optional columns that a file fills only from its later rows: the loader
/// leaves a column out of its insert statement until a batch fills it (see
/// `store::Segment`: a column first filled deep in the file starts a wider
/// statement), so every value must still land on its own row and column, in
/// file order and on DuckDB's threads (`Store::dedicate_to_loading`) alike.
/// One row located by postcode fills `location_input` only there.
#[test]
fn optional_columns_first_filled_late_are_stored() {
    let rows = 5_000;
    let mut text = String::from(
        "report_id,observed_on,venue_type,lat,lng,postcode,venue_name,grading,notes,nationalities,persons_count\n",
    );
    let venue_name = |i: usize| (i >= 2_000 && i.is_multiple_of(7)).then(|| format!("Wash {i}"));
    let grading = |i: usize| (i == 1_500).then_some("1AP");
    let notes = |i: usize| (i >= 3_000).then(|| format!("note {i}"));
    let nationalities = |i: usize| (i == rows - 1).then_some("Lithuanian");
    let persons = |i: usize| (i % 1_000 == 999).then_some(i / 1_000);
    let by_postcode = 4_321;
    for i in 0..rows {
        let (lat, lng, postcode) = if i == by_postcode {
            (String::new(), "", "PE30 1DP")
        } else {
            (format!("52.{i:04}"), "0.1", "")
        };
        let _ = writeln!(
            text,
            "R{i},2024-03-{:02},car_wash,{lat},{lng},{postcode},{},{},{},{},{}",
            1 + i % 28,
            venue_name(i).unwrap_or_default(),
            grading(i).unwrap_or_default(),
            notes(i).unwrap_or_default(),
            nationalities(i).unwrap_or_default(),
            persons(i).map(|n| n.to_string()).unwrap_or_default(),
        );
    }
    for dedicated in [false, true] {
        let mut store = Store::open_in_memory().expect("open");
        if dedicated {
            store.dedicate_to_loading();
        }
        let s = load(&mut store, reader("late.csv", text.clone()), &quiet(), None).expect("load");
        assert_eq!((s.counts.read, s.counts.stored), (5_000, 5_000));
        // A second file in the same store starts again from no optional columns.
        let s = load(
            &mut store,
            reader("late-again.csv", text.replace("\nR", "\nS")),
            &quiet(),
            None,
        )
        .expect("load");
        assert_eq!((s.counts.read, s.counts.stored), (5_000, 5_000));
        let stored = reports(&store);
        assert_eq!(stored.len(), 10_000);
        for r in &stored {
            let at = format!("{} (dedicated: {dedicated})", r.report_id);
            let i: usize = r.report_id[1..].parse().expect("row number");
            assert_eq!(r.venue_name, venue_name(i), "{at}");
            assert_eq!(r.grading.as_deref(), grading(i), "{at}");
            assert_eq!(r.notes, notes(i), "{at}");
            assert_eq!(r.nationalities.as_deref(), nationalities(i), "{at}");
            assert_eq!(
                r.persons_count,
                persons(i).map(|n| i32::try_from(n).expect("small")),
                "{at}"
            );
            assert_eq!(r.geocode_method == "postcode", i == by_postcode, "{at}");
            if i == by_postcode {
                assert!(
                    r.location_input.contains("PE30 1DP"),
                    "{at}: {}",
                    r.location_input
                );
            } else {
                assert!((r.lat - (52.0 + i as f64 / 10_000.0)).abs() < 1e-9, "{at}");
            }
        }
    }
}

/// Metres between two WGS84 points on a sphere of the Earth's mean radius:
/// written out here to check the program's note with.
fn great_circle_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let (dla, dlo) = ((b.0 - a.0).to_radians(), (b.1 - a.1).to_radians());
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

/// A report located by coordinates that also names a postcode far from
/// them is stored at its coordinates with a note saying how far the
/// postcode is; near ones, and unknown postcodes, add nothing.
#[test]
fn coordinates_far_from_their_postcode_are_noted() {
    let mut store = Store::open_in_memory().expect("store");
    // Where the postcode itself places a report.
    let anchor = "report_id,observed_on,venue_type,postcode\nP0,2025-01-02,car_wash,PE30 1AA\n";
    load(&mut store, reader("anchor.csv", anchor), &quiet(), None).expect("anchor");
    let centre = reports(&store)
        .into_iter()
        .find(|r| r.report_id == "P0")
        .map(|r| (r.lat, r.lng))
        .expect("the postcode's report");
    // 52.660000, 0.160000 is near Wisbech, some 20 km from King's Lynn's PE30.
    let (far_lat, far_lng) = (52.66, 0.16);
    let csv = format!(
        "report_id,observed_on,venue_type,lat,lng,easting,northing,postcode\n\
         NEAR,2025-01-03,car_wash,{:.6},{:.6},,,pe301aa\n\
         FAR,2025-01-03,car_wash,{far_lat:.6},{far_lng:.6},,,PE30 1AA\n\
         GRID,2025-01-03,car_wash,,,546100,310500,PE30 1AA\n\
         UNKNOWN,2025-01-03,car_wash,{far_lat:.6},{far_lng:.6},,,ZZ99 9ZZ\n\
         NONE,2025-01-03,car_wash,{far_lat:.6},{far_lng:.6},,,\n",
        centre.0 + 0.003,
        centre.1 - 0.004
    );
    load(&mut store, reader("both.csv", csv), &quiet(), None).expect("load");
    let stored: std::collections::BTreeMap<String, StoredReport> = reports(&store)
        .into_iter()
        .map(|r| (r.report_id.clone(), r))
        .collect();
    for quiet_one in ["NEAR", "UNKNOWN", "NONE"] {
        assert_eq!(stored[quiet_one].geocode_note, None, "{quiet_one}");
    }
    for noted in ["FAR", "GRID"] {
        let r = &stored[noted];
        assert_eq!(
            r.geocode_method,
            if noted == "FAR" { "wgs84" } else { "bng" }
        );
        let note = r.geocode_note.as_deref().expect("a note");
        let km: f64 = note
            .strip_prefix("postcode PE30 1AA is ")
            .and_then(|rest| rest.split_once(" km from the coordinates; the coordinates are used"))
            .map_or_else(
                || panic!("{noted}: {note}"),
                |(km, _)| km.parse().expect("km"),
            );
        let expected = great_circle_m((r.lat, r.lng), centre) / 1000.0;
        assert!(
            (km - expected).abs() <= 0.06,
            "{noted}: {note} against {expected:.3} km"
        );
        assert!(km > 5.0, "{noted}: {note}");
    }
    // Stored at the coordinates, not the postcode.
    assert!(
        (stored["FAR"].lat - far_lat).abs() < 1e-9 && (stored["FAR"].lng - far_lng).abs() < 1e-9
    );
}

/// Farms, the GLAA and environmental health often give a place as an
/// Ordnance Survey grid reference. A file whose only location column is one
/// (`OS Grid Ref` here) loads: each report at the centre of its square (the
/// corner worked by hand from the letters), as precise as the square is
/// wide, counted only at the resolutions that precision supports, the
/// reference kept as given; a reference that names no square, or a square
/// in the sea, is a reject on its line and column.
#[test]
fn reports_located_by_an_os_grid_reference() {
    let mut store = Store::open_in_memory().expect("store");
    let csv = "report_id,observed_on,venue_type,OS Grid Ref\n\
               G100,2025-02-01,farm,TF 460 100\n\
               G10,2025-02-01,farm,tf46051005\n\
               G1K,2025-02-01,farm,TF 46 10\n\
               ODD,2025-02-01,farm,TF 460 10\n\
               SEA,2025-02-01,farm,TG 900 100\n";
    let summary = load(&mut store, reader("farms.csv", csv), &quiet(), None).expect("load");
    assert_eq!((summary.counts.read, summary.counts.stored), (5, 3));
    let run = summary.counts.run_id;
    assert_eq!(
        reject_lines(&store, run),
        vec![(5, "grid_ref".to_owned()), (6, "grid_ref".to_owned())]
    );
    let why: Vec<String> = rejects(&store, run).into_iter().map(|r| r.reason).collect();
    assert!(
        why[0].contains("not an Ordnance Survey grid reference (its 5 figures do not split"),
        "{}",
        why[0]
    );
    assert!(why[1].contains("outside the UK"), "{}", why[1]);
    let stored: std::collections::BTreeMap<String, StoredReport> = reports(&store)
        .into_iter()
        .map(|r| (r.report_id.clone(), r))
        .collect();
    // TF: the 500 km square T (east of S at the origin), then F, the first
    // of the fourth row of 100 km squares up: 500 km + 0, 0 + 300 km.
    for (id, centre, side, finest) in [
        ("G100", (546_050.0, 310_050.0), 100.0, h3o::Resolution::Nine),
        ("G10", (546_055.0, 310_055.0), 10.0, h3o::Resolution::Nine),
        (
            "G1K",
            (546_500.0, 310_500.0),
            1_000.0,
            h3o::Resolution::Seven,
        ),
    ] {
        let r = &stored[id];
        let (lng, lat) = hotspots::geo::bng_to_wgs84(centre.0, centre.1).expect("grid");
        assert!(
            (r.lat - lat).abs() < 1e-9 && (r.lng - lng).abs() < 1e-9,
            "{id}"
        );
        assert_eq!(
            (r.geocode_method.as_str(), r.precision_m),
            ("bng", side),
            "{id}"
        );
        let point = h3o::LatLng::new(lat, lng).expect("point");
        for (i, resolution) in [6u8, 7, 8, 9].into_iter().enumerate() {
            let resolution = h3o::Resolution::try_from(resolution).expect("resolution");
            let expected = (resolution <= finest)
                .then(|| u64::from(point.to_cell(finest).parent(resolution).expect("parent")));
            assert_eq!(r.cells[i], expected, "{id} at {resolution}");
        }
    }
    assert_eq!(stored["G100"].location_input, "gr:TF460100");
    assert_eq!(stored["G10"].location_input, "gr:TF46051005");
    // A postcode far from the square is noted, as it is for eastings.
    let csv =
        "report_id,observed_on,venue_type,ngr,postcode\nFAR,2025-02-01,farm,TF 460 100,PE30 1AA\n";
    load(&mut store, reader("far.csv", csv), &quiet(), None).expect("load");
    let stored: std::collections::BTreeMap<String, StoredReport> = reports(&store)
        .into_iter()
        .map(|r| (r.report_id.clone(), r))
        .collect();
    let note = stored["FAR"].geocode_note.as_deref().expect("a note");
    assert!(note.starts_with("postcode PE30 1AA is "), "{note}");
}
