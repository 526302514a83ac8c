//! `/loads`: a file uploaded there is loaded as `hotspots ingest` loads one,
//! and a load's page and rejects CSV say what the command line's summary and
//! rejects file say, raw rows only to roles that see notes.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use hotspots::serve::router;
use hotspots::store::{ReportFilter, StoredReport};
use hotspots::{load, Input, LoadOptions, Store};

use crate::support::router::{empty_state, send, Answer};

const MESSY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/messy.csv");
const BOUNDARY: &str = "hotspots-test-boundary";

fn session(role: &str) -> String {
    format!("hs_session=session-{role}")
}

/// A `multipart/form-data` body: text fields, then the file.
fn multipart(fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn upload(role: &str, fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> Request<Body> {
    Request::post("/loads")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::COOKIE, session(role))
        .body(Body::from(multipart(fields, file_name, file)))
        .expect("request")
}

/// An analyst's upload of `file` with the form's sign-in token and nothing else.
fn analyst_upload(file_name: &str, file: &[u8]) -> Request<Body> {
    upload("analyst", &[("csrf", "csrf-analyst")], file_name, file)
}

/// A report CSV just over `bytes` long: one row again and again, so that it
/// also compresses as a zip bomb does.
fn csv_over(bytes: usize) -> Vec<u8> {
    let mut csv = b"report_id,date,venue,postcode\n".to_vec();
    while csv.len() <= bytes {
        csv.extend_from_slice(b"H,2024-03-01,farm,PE13 1AA\n");
    }
    csv
}

/// The load an upload was redirected to (`/loads/{id}`).
fn load_id(answer: &Answer) -> i64 {
    let location = answer.header("location");
    location
        .strip_prefix("/loads/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("redirected to a load's page, not {location:?}"))
}

fn get(uri: &str, role: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, session(role))
        .body(Body::empty())
        .expect("request")
}

/// The records of a CSV answer, header first, as the csv crate reads them.
fn csv_records(answer: &Answer) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(answer.body.as_slice())
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

/// What the command line makes of the same bytes: its summary counts and
/// its rejects file, read back by the csv crate.
fn command_line_load(
    name: &str,
    bytes: &[u8],
    encoding: Option<&str>,
) -> ([u64; 4], Vec<Vec<String>>) {
    let dir = tempfile::tempdir().expect("dir");
    let rejects = dir.path().join("rejects.csv");
    let mut store = Store::open_in_memory().expect("store");
    let options = LoadOptions {
        rejects_path: Some(rejects.clone()),
        encoding: encoding.map(|e| e.parse().expect("encoding")),
        default_source: Some("upload".into()),
        ..LoadOptions::default()
    };
    let input = Input::Reader {
        name: name.into(),
        reader: Box::new(Cursor::new(bytes.to_vec())),
    };
    let summary = load(&mut store, input, &options, None).expect("loads");
    let c = summary.counts;
    let file = std::fs::read(&rejects).expect("rejects file");
    let records = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(file.as_slice())
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect();
    ([c.read, c.stored, c.duplicates, c.rejected], records)
}

fn stored_reports(store: &Store) -> Vec<StoredReport> {
    let mut all = Vec::new();
    store
        .for_each_report(&ReportFilter::default(), |r| all.push(r))
        .expect("reports");
    all
}

#[tokio::test]
async fn an_uploaded_file_loads_as_the_command_line_loads_it() {
    let (state, beside) = empty_state();
    let app = router(state);
    let messy = std::fs::read(MESSY).expect("messy.csv");
    let (counts, cli_rejects) = command_line_load("messy.csv", &messy, None);
    assert!(counts[3] > 5, "the messy file has rejects: {counts:?}");

    // Refused without the session's token, and to a role that may not review loads.
    let refused = send(app.clone(), upload("analyst", &[], "messy.csv", &messy)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let partnership = upload(
        "partnership",
        &[("csrf", "csrf-partnership")],
        "messy.csv",
        &messy,
    );
    assert_eq!(
        send(app.clone(), partnership).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(stored_reports(&beside).is_empty(), "nothing stored yet");

    let uploaded = send(
        app.clone(),
        upload(
            "analyst",
            &[
                ("csrf", "csrf-analyst"),
                ("encoding", "utf-8"),
                ("source", ""),
            ],
            "messy.csv",
            &messy,
        ),
    )
    .await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.text()
    );
    let page_uri = uploaded.header("location").to_owned();
    let run_id = load_id(&uploaded);
    let run = beside.run(run_id).expect("run").expect("recorded");
    assert_eq!(
        [run.read, run.stored, run.duplicates, run.rejected],
        counts,
        "the upload's counts are the command line's"
    );
    assert_eq!(run.file_name, "messy.csv");
    assert_eq!(run.loaded_by.as_deref(), Some("analyst"), "the uploader");

    // The load's page: its counts, and its rejects by line and field; the
    // raw rows (which hold notes) only for roles that see notes.
    let page = send(app.clone(), get(&page_uri, "analyst")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("<dt>Loaded by</dt><dd>analyst</dd>"),
        "{html}"
    );
    let table = html
        .split("id=\"rejects-table\"")
        .nth(1)
        .expect("a rejects table");
    for reject in &cli_rejects[1..] {
        let cell = format!("<td class=\"num\">{}</td><td>{}</td>", reject[1], reject[2]);
        assert!(table.contains(&cell), "{cell} in the rejects table");
    }
    assert!(
        !html.contains("no location at all"),
        "an analyst sees no notes"
    );
    let tactical_page = send(app.clone(), get(&page_uri, "tactical")).await.text();
    assert!(tactical_page.contains("no location at all"));

    // The rejects CSV: the command line's rejects file, less `raw` for an analyst.
    let csv_uri = format!("{page_uri}/rejects.csv");
    let tactical = send(app.clone(), get(&csv_uri, "tactical")).await;
    assert_eq!(tactical.status, StatusCode::OK);
    assert!(tactical
        .header(header::CONTENT_TYPE)
        .starts_with("text/csv"));
    // Raw rows with notes: saved by the viewer, kept by no cache.
    assert_eq!(tactical.header(header::CACHE_CONTROL), "private, no-store");
    assert_eq!(
        tactical.header(header::CONTENT_DISPOSITION),
        format!("attachment; filename=\"load-{run_id}.rejects.csv\"")
    );
    assert_eq!(csv_records(&tactical), cli_rejects);
    // Streamed from a file, with its length said first (a browser shows progress).
    assert_eq!(
        tactical.header(header::CONTENT_LENGTH),
        tactical.body.len().to_string()
    );
    let analyst = csv_records(&send(app.clone(), get(&csv_uri, "analyst")).await);
    let without_raw: Vec<Vec<String>> = cli_rejects.iter().map(|r| r[..4].to_vec()).collect();
    assert_eq!(analyst, without_raw);

    // The list names the load, newest first, with a link to its page.
    let list = send(app.clone(), get("/loads", "analyst")).await.text();
    assert!(list.contains(&format!("<a href=\"{page_uri}\">{run_id}</a>")));
    assert!(list.contains("messy.csv"));

    // Sent again: every row a duplicate or the same reject, nothing new stored.
    let stored = stored_reports(&beside).len();
    let again = send(
        app.clone(),
        upload(
            "tactical",
            &[("csrf", "csrf-tactical")],
            "messy.csv",
            &messy,
        ),
    )
    .await;
    let again_id: i64 = load_id(&again);
    let second = beside.run(again_id).expect("run").expect("recorded");
    assert_eq!(second.loaded_by.as_deref(), Some("tactical"));
    assert_eq!(
        [second.stored, second.duplicates, second.rejected],
        [0, counts[1] + counts[2], counts[3]],
        "what was stored (or repeated within the file) is now a duplicate"
    );
    assert_eq!(stored_reports(&beside).len(), stored);
    let list = send(app.clone(), get("/loads", "analyst")).await.text();
    let newest = list.find(&format!(">{again_id}</a>")).expect("second");
    let older = list.find(&format!(">{run_id}</a>")).expect("first");
    assert!(newest < older, "newest first");
    // Each row names who loaded it (the row's fifth cell, after its file,
    // kind and start).
    for (id, by) in [(again_id, "tactical"), (run_id, "analyst")] {
        let row = list
            .split(&format!(">{id}</a></td>"))
            .nth(1)
            .and_then(|rest| rest.split("</tr>").next())
            .expect("the load's row");
        let cells: Vec<&str> = row.split("<td").collect();
        assert_eq!(cells[4], format!(">{by}</td>"), "{row}");
    }

    // A load that is not there, and one named by something not a number.
    for missing in ["/loads/999999", "/loads/x", "/loads/999999/rejects.csv"] {
        assert_eq!(
            send(app.clone(), get(missing, "analyst")).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

/// Browsers send a file without its encoding: the form names it, and a
/// Windows-1252 file (Excel's "CSV" on a UK machine) reads as the command
/// line's `--encoding windows-1252` reads it. A file's own say on how it
/// is read is followed too (a UTF-16 mark; a GeoJSON crs, or refused whole
/// when it comes too late to follow).
#[tokio::test]
async fn an_upload_is_read_in_the_encoding_the_form_names() {
    let (state, beside) = empty_state();
    let app = router(state);
    let mut file = b"report_id,date,venue,venue_name,exploitation_type,postcode\n".to_vec();
    file.extend_from_slice(b"W1,2024-03-01,nail_bar,Caf\xe9 Nails \xa3,labour,PE13 1AA\n");
    let (counts, _) = command_line_load("excel.csv", &file, Some("windows-1252"));
    assert_eq!(counts, [1, 1, 0, 0]);
    let as_utf8 = send(app.clone(), analyst_upload("excel.csv", &file)).await;
    let id: i64 = load_id(&as_utf8);
    let run = beside.run(id).expect("run").expect("recorded");
    assert_eq!(run.rejected, 1, "not UTF-8: a reject that says so");
    assert_eq!(
        (run.encoding.as_deref(), run.delimiter.as_deref()),
        (Some("UTF-8"), Some(","))
    );
    let named = send(
        app.clone(),
        upload(
            "analyst",
            &[("csrf", "csrf-analyst"), ("encoding", "windows-1252")],
            "excel.csv",
            &file,
        ),
    )
    .await;
    assert_eq!(named.status, StatusCode::SEE_OTHER);
    // The load's page says how the file was read.
    let page = send(app.clone(), get(named.header("location"), "analyst"))
        .await
        .text();
    assert!(page.contains("<dd>windows-1252</dd>"), "{page}");
    assert!(page.contains("<dd>commas (,)</dd>"));
    let names: Vec<Option<String>> = stored_reports(&beside)
        .into_iter()
        .map(|r| r.venue_name)
        .collect();
    assert_eq!(names, [Some("Café Nails £".to_owned())]);
    let unknown = send(
        app.clone(),
        upload(
            "analyst",
            &[("csrf", "csrf-analyst"), ("encoding", "klingon")],
            "excel.csv",
            &file,
        ),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);

    // Semicolons between values (Excel's "CSV" where the decimal mark is a
    // comma), UTF-16 with its byte-order mark (Excel's "Unicode text").
    let semicolons =
        "report_id,date,venue,postcode\nS1,2024-03-02,farm,PE13 1AA\n".replace(',', ";");
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(semicolons.encode_utf16().flat_map(u16::to_le_bytes));
    let sent = send(
        app.clone(),
        upload(
            "analyst",
            &[("csrf", "csrf-analyst")],
            "unicode.txt",
            &utf16,
        ),
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let id: i64 = load_id(&sent);
    let run = beside.run(id).expect("run").expect("recorded");
    assert_eq!(
        (
            run.stored,
            run.encoding.as_deref(),
            run.delimiter.as_deref()
        ),
        (1, Some("UTF-16LE"), Some(";"))
    );

    // A GeoJSON file whose British National Grid crs comes after its
    // features is refused whole, saying where and what to do.
    let late = "{\"type\": \"FeatureCollection\", \"features\": [\n\
                {\"type\": \"Feature\", \"properties\": {\"report_id\": \"G1\", \"observed_on\": \"2024-03-01\", \"venue_type\": \"farm\"}, \
                \"geometry\": {\"type\": \"Point\", \"coordinates\": [651409.9, 313177.3]}}\n],\n\
                \"crs\": {\"type\": \"name\", \"properties\": {\"name\": \"EPSG:27700\"}}}\n";
    // What the store holds: reports and runs.
    let held = || {
        (
            stored_reports(&beside).len(),
            beside.runs(None, 100).expect("runs").len(),
        )
    };
    let before = held();
    let refused = send(
        app.clone(),
        upload(
            "analyst",
            &[("csrf", "csrf-analyst")],
            "late.geojson",
            late.as_bytes(),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let page = refused.text();
    assert!(
        page.contains("late.geojson: line 4")
            && page.contains("EPSG:27700")
            && page.contains("comes after the features")
            && page.contains("/signout"),
        "{page}"
    );
    assert_eq!(held(), before, "nothing stored, no run recorded");

    // A workbook, by its name or by its first bytes (a zip, as an .xlsx is;
    // an .xls's compound document), saved as neither CSV nor text: refused
    // whole, saying how to save it as CSV, whatever the file is said to hold.
    let zip = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml".as_slice();
    let xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00".as_slice();
    for (name, bytes, holds) in [
        ("reports.xlsx", zip, "reports"),
        ("renamed.csv", zip, "reports"),
        ("old.csv", xls, "reports"),
        ("register.csv", zip, "premises"),
    ] {
        let refused = send(
            app.clone(),
            upload(
                "tactical",
                &[("csrf", "csrf-tactical"), ("holds", holds)],
                name,
                bytes,
            ),
        )
        .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}");
        let page = refused.text();
        assert!(
            page.contains(&format!("file: {name}: a spreadsheet workbook"))
                && page.contains("save it as &quot;CSV UTF-8 (Comma delimited)&quot;"),
            "{name}: {page}"
        );
        assert_eq!(held(), before, "{name}: nothing stored, no run recorded");
    }
}

/// A load's page lists its first rejects in line order and says how many
/// there are; the CSV has them all.
#[tokio::test]
async fn a_load_page_shows_its_first_rejects_and_the_csv_all() {
    let (state, _beside) = empty_state();
    let app = router(state);
    let rows = (0..250).map(|i| format!("B{i},2024-03-01,spaceship,PE13 1AA\n"));
    let file: String = std::iter::once("report_id,date,venue,postcode\n".to_owned())
        .chain(rows)
        .collect();
    let sent = send(
        app.clone(),
        upload(
            "analyst",
            &[("csrf", "csrf-analyst")],
            "bad.csv",
            file.as_bytes(),
        ),
    )
    .await;
    let page_uri = sent.header("location").to_owned();
    let page = send(app.clone(), get(&page_uri, "analyst")).await.text();
    let table = page
        .split("id=\"rejects-table\"")
        .nth(1)
        .expect("a rejects table");
    let lines: Vec<u64> = table
        .split("<td class=\"num\">")
        .skip(1)
        .map(|cell| {
            cell[..cell.find('<').expect("end")]
                .parse()
                .expect("a line")
        })
        .collect();
    assert_eq!(
        lines,
        (2..202).collect::<Vec<u64>>(),
        "the first 200, in line order"
    );
    assert!(page.contains("200 of 250 rejects shown"), "{page}");
    let csv = csv_records(
        &send(
            app.clone(),
            get(&format!("{page_uri}/rejects.csv"), "analyst"),
        )
        .await,
    );
    assert_eq!(csv.len(), 251, "a header and every reject");
}

/// A file over the server's body limit is refused as too large (413), on a
/// page that says the limit and what to do instead, and nothing is stored;
/// the form says the limit before anyone tries.
/// A server with accounts whose uploads may be 1 MiB, and a second
/// connection to its store.
fn app_taking_one_mib() -> (axum::Router, Store) {
    let store = Store::open_in_memory().expect("store");
    crate::support::router::seed_accounts(&store);
    let beside = store.try_clone().expect("second connection");
    let config = hotspots::serve::ServeConfig {
        max_body_mib: 1,
        ..hotspots::serve::ServeConfig::default()
    };
    let app = router(hotspots::serve::AppState::new(store, config).expect("state"));
    (app, beside)
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_saying_the_limit() {
    let (app, beside) = app_taking_one_mib();
    let form = send(app.clone(), get("/loads", "analyst")).await.text();
    assert!(form.contains("up to 1 MiB"), "{form}");

    let big = csv_over(1 << 20);
    let refused = send(app.clone(), analyst_upload("big.csv", &big)).await;
    assert_eq!(
        refused.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        refused.text()
    );
    let page = refused.text();
    assert!(
        page.contains("1 MiB") && page.contains("hotspots ingest"),
        "{page}"
    );
    // Browsers say the length first: refused before the body is read, on
    // the same page, framed for the signed-in user.
    let mut declared = analyst_upload("big.csv", &big);
    let length = multipart(&[("csrf", "csrf-analyst")], "big.csv", &big).len();
    declared
        .headers_mut()
        .insert(header::CONTENT_LENGTH, length.into());
    let refused = send(app.clone(), declared).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    let page = refused.text();
    assert!(
        page.contains("1 MiB") && page.contains("/signout"),
        "{page}"
    );
    // A script is answered in JSON, with the same sentence.
    let api = Request::post("/api/v1/reports")
        .header(header::CONTENT_TYPE, "text/csv")
        .header(header::CONTENT_LENGTH, big.len())
        .header(header::AUTHORIZATION, "Bearer none")
        .body(Body::from(big.clone()))
        .expect("request");
    let refused = send(app.clone(), api).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    let error: serde_json::Value = serde_json::from_slice(&refused.body).expect("JSON");
    assert_eq!(error["error"]["code"], "too_large");
    assert!(error["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("1 MiB")));
    assert!(stored_reports(&beside).is_empty());
}

/// A premises register and visit outcomes uploaded by a tactical lead load
/// as `hotspots premises import` (the reports linked again after) and
/// `hotspots outcomes import` load them: the same premises, links, visits
/// and rejects. Analysts upload reports only.
#[tokio::test]
async fn registers_upload_as_the_command_line_imports_them() {
    let reports = "report_id,date,venue,venue_name,lat,lng\n\
                   R1,2024-03-01,car_wash,Wash One,52.6660,0.1580\n";
    let register = "premises_id,name,venue_type,lat,lng\n\
                    W1,Wash One,car_wash,52.6660,0.1580\n\
                    W2,Odd,spaceship,52.6,0.15\n";
    let outcomes = "visit_id,visited_on,premises_id,result\n\
                    v1,2024-05-02,W1,victims_identified\n\
                    v2,2024-05-03,W1,sideways\n";
    let options = LoadOptions {
        no_rejects_file: true,
        ..LoadOptions::default()
    };
    let reader = |name: &str, text: &str| Input::Reader {
        name: name.into(),
        reader: Box::new(Cursor::new(text.as_bytes().to_vec())),
    };
    let mut cli = Store::open_in_memory().expect("store");
    load(&mut cli, reader("reports.csv", reports), &options, None).expect("reports");
    let cli_premises =
        hotspots::ingest::import_premises(&mut cli, reader("register.csv", register), &options)
            .expect("register");
    hotspots::premises::relink(&mut cli, None).expect("relink");
    let cli_outcomes =
        hotspots::ingest::import_outcomes(&mut cli, reader("visits.csv", outcomes), &options)
            .expect("outcomes");

    let (state, beside) = empty_state();
    let app = router(state);
    let sent = send(
        app.clone(),
        upload(
            "analyst",
            &[("csrf", "csrf-analyst")],
            "reports.csv",
            reports.as_bytes(),
        ),
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    // An analyst's form offers reports only, and a register sent anyway is refused.
    let form = send(app.clone(), get("/loads", "analyst")).await.text();
    assert!(!form.contains("value=\"premises\""), "{form}");
    let refused = send(
        app.clone(),
        upload(
            "analyst",
            &[("csrf", "csrf-analyst"), ("holds", "premises")],
            "register.csv",
            register.as_bytes(),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(beside.premises().expect("premises").is_empty());
    let unknown = send(
        app.clone(),
        upload(
            "tactical",
            &[("csrf", "csrf-tactical"), ("holds", "suspects")],
            "register.csv",
            register.as_bytes(),
        ),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);

    let form = send(app.clone(), get("/loads", "tactical")).await.text();
    assert!(form.contains("value=\"premises\"") && form.contains("value=\"outcomes\""));
    let mut runs = Vec::new();
    for (holds, name, text) in [
        ("premises", "register.csv", register),
        ("outcomes", "visits.csv", outcomes),
    ] {
        let sent = send(
            app.clone(),
            upload(
                "tactical",
                &[("csrf", "csrf-tactical"), ("holds", holds)],
                name,
                text.as_bytes(),
            ),
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
        runs.push(beside.run(load_id(&sent)).expect("run").expect("recorded"));
    }
    let kinds: Vec<(&str, Option<&str>)> = runs
        .iter()
        .map(|r| (r.format.as_str(), r.loaded_by.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("premises-csv", Some("tactical")),
            ("outcomes-csv", Some("tactical"))
        ]
    );
    let counts = |r: &hotspots::store::RunRecord| [r.read, r.stored, r.duplicates, r.rejected];
    let cli_counts = |c: hotspots::store::LoadCounts| [c.read, c.stored, c.duplicates, c.rejected];
    assert_eq!(counts(&runs[0]), cli_counts(cli_premises.counts));
    assert_eq!(counts(&runs[1]), cli_counts(cli_outcomes.counts));
    assert_eq!(
        beside.premises().expect("premises"),
        cli.premises().expect("premises")
    );
    let links = |store: &Store| {
        store
            .linked_reports(&ReportFilter::default())
            .expect("links")
            .into_iter()
            .map(|l| (l.premises_id, l.report_id, l.reason))
            .collect::<Vec<_>>()
    };
    assert_eq!(links(&beside), links(&cli));
    assert!(!links(&cli).is_empty(), "the report is linked to W1");
    assert_eq!(
        beside.outcomes().expect("outcomes"),
        cli.outcomes().expect("outcomes")
    );
    // The relink after the register was done for whoever uploaded it; a
    // later report file is linked inside its own load, for its uploader.
    let relinks = |store: &Store| -> Vec<Option<String>> {
        store
            .runs(None, 50)
            .expect("runs")
            .into_iter()
            .filter(|r| r.format == "relink")
            .map(|r| r.loaded_by)
            .collect()
    };
    assert_eq!(relinks(&beside), [Some("tactical".to_owned())]);
    let more = "report_id,date,venue,venue_name,lat,lng\n\
                R2,2024-03-02,car_wash,Wash One,52.6660,0.1580\n";
    let sent = send(
        app.clone(),
        upload(
            "analyst",
            &[("csrf", "csrf-analyst")],
            "more.csv",
            more.as_bytes(),
        ),
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(
        relinks(&beside),
        [Some("analyst".to_owned()), Some("tactical".to_owned())]
    );
    // The list says what each load was, in words.
    let list = send(app.clone(), get("/loads", "tactical")).await.text();
    for kind in [
        "Reports (CSV)",
        "Premises register (CSV)",
        "Reports linked to premises again",
        "Visit outcomes (CSV)",
    ] {
        assert!(list.contains(&format!("<td>{kind}</td>")), "{kind}: {list}");
    }
}

/// A zip archive uploaded on `/loads` loads as `hotspots ingest` loads one
/// named to it: each member a load of its own (`ARCHIVE/MEMBER`), in the
/// archive's order, with the command line's counts; what is not a file to
/// load is left out. An archive's member may unpack to at most sixteen
/// times the upload limit (a zip bomb fills no disk): one that would is
/// said by name, and the others load. A register in an archive, an archive
/// to the API, and a file that is no archive are refused with what to do.
#[tokio::test]
async fn an_uploaded_zip_loads_each_member_as_the_command_line_loads_it() {
    let (app, beside) = app_taking_one_mib();
    let a = b"report_id,date,venue,postcode\nA1,2024-03-01,farm,PE13 1AA\nA2,2024-13-01,farm,PE13 1AA\n";
    let b = b"{\"report_id\":\"B1\",\"date\":\"2024-03-02\",\"venue\":\"car wash\",\"town\":\"Wisbech\"}\n";
    let members: [(&str, &[u8]); 4] = [
        ("march/a.csv", a),
        ("__MACOSX/march/._a.csv", b"\x00\x05\x16\x07"),
        ("readme.md", b"# what these are"),
        ("b.jsonl", b),
    ];
    let archive = crate::support::zip_of(&members);

    // The command line, on the same archive written to a file.
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("pack.zip");
    std::fs::write(&path, &archive).expect("write");
    let mut cli_store = Store::open_in_memory().expect("store");
    let options = LoadOptions {
        no_rejects_file: true,
        default_source: Some("upload".into()),
        ..LoadOptions::default()
    };
    let cli = hotspots::ingest::load_paths(
        &mut cli_store,
        &[path.display().to_string()],
        &options,
        None,
    );
    assert!(cli.unreadable.is_empty() && cli.stopped.is_none());
    let cli_counts: Vec<[u64; 4]> = (cli.summaries.iter())
        .map(|s| {
            [
                s.counts.read,
                s.counts.stored,
                s.counts.duplicates,
                s.counts.rejected,
            ]
        })
        .collect();
    assert_eq!(cli_counts, [[2, 1, 0, 1], [1, 1, 0, 0]]);

    let uploaded = send(app.clone(), analyst_upload("pack.zip", &archive)).await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.text()
    );
    assert_eq!(uploaded.header("location"), "/loads");
    let mut runs = beside.runs(None, 10).expect("runs");
    runs.reverse();
    let names: Vec<&str> = runs.iter().map(|r| r.file_name.as_str()).collect();
    assert_eq!(names, ["pack.zip/march/a.csv", "pack.zip/b.jsonl"]);
    let counts: Vec<[u64; 4]> = (runs.iter())
        .map(|r| [r.read, r.stored, r.duplicates, r.rejected])
        .collect();
    assert_eq!(
        counts, cli_counts,
        "the upload's counts are the command line's"
    );
    assert!(runs
        .iter()
        .all(|r| r.loaded_by.as_deref() == Some("analyst")));
    let mut ids: Vec<String> = stored_reports(&beside)
        .into_iter()
        .map(|r| r.report_id)
        .collect();
    ids.sort();
    assert_eq!(ids, ["A1", "B1"]);
    let list = send(app.clone(), get("/loads", "analyst")).await.text();
    assert!(list.contains("pack.zip/b.jsonl") && list.contains("pack.zip/march/a.csv"));

    // A member that unpacks past 16 × 1 MiB: refused by name, the rest load.
    let huge = csv_over(16 << 20);
    let c = b"report_id,date,venue,postcode\nC1,2024-03-03,farm,PE13 1AA\n";
    let bomb = crate::support::zip_of(&[("huge.csv", &huge), ("c.csv", c)]);
    assert!(
        bomb.len() < 1 << 20,
        "the upload itself is within the limit"
    );
    let refused = send(app.clone(), analyst_upload("bomb.zip", &bomb)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let page = refused.text();
    assert!(
        page.contains("bomb.zip/huge.csv: unpacks to more than 16 MiB")
            && page.contains("the 1 other file is loaded"),
        "{page}"
    );
    let names: Vec<String> = (beside.runs(None, 10).expect("runs").into_iter())
        .map(|r| r.file_name)
        .collect();
    assert!(names.contains(&"bomb.zip/c.csv".to_owned()), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("huge")), "{names:?}");

    // Not an archive at all; a register in one; an archive to the API.
    for (role, fields, name, body, says) in [
        (
            "analyst",
            vec![("csrf", "csrf-analyst")],
            "junk.zip",
            b"not a zip".to_vec(),
            "junk.zip: not a zip archive that can be read",
        ),
        (
            "analyst",
            vec![("csrf", "csrf-analyst")],
            "notes.zip",
            crate::support::zip_of(&[("notes.md", b"#")]),
            "notes.zip: nothing in this archive to load",
        ),
        (
            "tactical",
            vec![("csrf", "csrf-tactical"), ("holds", "premises")],
            "register.zip",
            archive.clone(),
            "a zip archive loads reports here",
        ),
    ] {
        let answer = send(app.clone(), upload(role, &fields, name, &body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(answer.text().contains(says), "{name}: {}", answer.text());
    }
    let mut api = upload("analyst", &[], "pack.zip", &archive);
    *api.uri_mut() = "/api/v1/reports".parse().expect("uri");
    api.headers_mut()
        .insert("x-csrf-token", "csrf-analyst".parse().expect("header"));
    let answer = send(app.clone(), api).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let error: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
    assert_eq!(error["error"]["field"], "file");
    assert!(error["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("upload it on /loads")));
    assert_eq!(
        beside.runs(None, 10).expect("runs").len(),
        3,
        "nothing more loaded"
    );
}
