//! Context: data.police.uk street-level crime imported beside the reports
//! (`hotspots context import police-uk`), its layer, its OGC collection, the
//! cell panel's line and hotspot areas' `context` property, each checked
//! against counts made here from the CSV rows (h3o for the cells).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::Command;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use hotspots::model::Role;
use hotspots::serve::router;
use serde_json::Value;

use crate::support::router::{demo, send};

const HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";

fn hotspots(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hotspots"))
        .args(args)
        .env("USER", "context-tester")
        .output()
        .expect("hotspots runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A folder of police.uk files imported with `--rejects PATH` lists every
/// file's rejects there (in file order, the header once) and writes none
/// into the folder, which is often a download kept as it came.
#[test]
fn police_uk_rejects_of_a_folder_go_to_one_file_when_named() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("police");
    std::fs::create_dir_all(&data).expect("mkdir");
    for (month, id) in [("2024-02", "a"), ("2024-03", "b")] {
        std::fs::write(
            data.join(format!("{month}-cambridgeshire-street.csv")),
            format!(
                "{HEADER}\n\
                 {id}1,{month},C,Cambridgeshire Constabulary,0.159,52.666,On or near A,E01,L,Drugs,,\n\
                 ,{month},C,Cambridgeshire Constabulary,,,No Location,,,Anti-social behaviour,,\n"
            ),
        )
        .expect("write");
    }
    let all = dir.path().join("all-rejects.csv");
    let db = dir.path().join("t.duckdb");
    let (ok, stdout, stderr) = hotspots(&[
        "context",
        "import",
        "police-uk",
        data.to_str().expect("utf-8"),
        "--rejects",
        all.to_str().expect("utf-8"),
        "--db",
        db.to_str().expect("utf-8"),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("read 4, stored 2, duplicates 0, rejected 2"),
        "{stdout}"
    );
    let listed = crate::support::rejects_listed(&all);
    let file = |month: &str| {
        data.join(format!("{month}-cambridgeshire-street.csv"))
            .display()
            .to_string()
    };
    assert_eq!(
        listed,
        [
            (file("2024-02"), "3".to_owned()),
            (file("2024-03"), "3".to_owned())
        ]
    );
    let beside: Vec<_> = std::fs::read_dir(&data)
        .expect("folder")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n.to_string_lossy().ends_with(".rejects.csv"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

fn context_rows(db: &Path) -> u64 {
    let store = hotspots::Store::open(db).expect("open");
    store.context_window().expect("window").2
}

#[test]
fn police_uk_import_rejects_with_reasons_and_is_idempotent_by_month() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("police");
    std::fs::create_dir_all(data.join("cambs")).expect("mkdir");
    let feb = format!(
        "{HEADER}\n\
         a1,2024-02,C,Cambridgeshire Constabulary,0.159,52.666,On or near A,E01,L,Drugs,,\n\
         ,2024-02,C,Cambridgeshire Constabulary,,,No Location,,,Anti-social behaviour,,\n\
         a3,2024-02,C,Cambridgeshire Constabulary,0.160,52.667,On or near B,E01,L,Burglary,,\n\
         a4,2024-02,C,Cambridgeshire Constabulary,-4.5,48.4,On or near C,,,Burglary,,\n"
    );
    let mar = format!(
        "{HEADER}\n\
         b1,2024-03,C,Cambridgeshire Constabulary,0.159,52.666,On or near A,E01,L,Drugs,,\n\
         b2,2024-03,C,Cambridgeshire Constabulary,-0.24,52.57,On or near D,E01,L,Shoplifting,,\n"
    );
    std::fs::write(data.join("cambs/2024-02-cambridgeshire-street.csv"), &feb).expect("write");
    std::fs::write(data.join("cambs/2024-03-cambridgeshire-street.csv"), &mar).expect("write");
    std::fs::write(data.join("cambs/README.txt"), "not a street file").expect("write");
    let db = dir.path().join("t.duckdb");
    let db_arg = db.to_str().expect("utf-8");
    let data_arg = data.to_str().expect("utf-8");

    let (ok, stdout, stderr) =
        hotspots(&["context", "import", "police-uk", data_arg, "--db", db_arg]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("read 6, stored 4, duplicates 0, rejected 2"),
        "{stdout}"
    );
    assert_eq!(context_rows(&db), 4);
    // Each file's run says who imported it and how its text was read.
    let runs = hotspots::Store::open(&db)
        .expect("open")
        .runs(None, 10)
        .expect("runs");
    let recorded: Vec<[Option<&str>; 4]> = runs
        .iter()
        .map(|r| {
            [
                Some(r.format.as_str()),
                r.loaded_by.as_deref(),
                r.encoding.as_deref(),
                r.delimiter.as_deref(),
            ]
        })
        .collect();
    let expected = [
        Some("police-uk"),
        Some("cli:context-tester"),
        Some("UTF-8"),
        Some(","),
    ];
    assert_eq!(recorded, [expected, expected]);
    // Each reject names its line, field and reason, beside its file.
    let rejects =
        std::fs::read_to_string(data.join("cambs/2024-02-cambridgeshire-street.csv.rejects.csv"))
            .expect("the rejects file");
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines.len(), 3, "{rejects}");
    assert!(
        lines[1].contains(",3,Longitude,no coordinates"),
        "{rejects}"
    );
    assert!(
        lines[2].contains(",5,Longitude,") && lines[2].contains("outside the UK"),
        "{rejects}"
    );

    // Again: every month is stored already, nothing is counted twice.
    let (ok, _, stderr) = hotspots(&["context", "import", "police-uk", data_arg, "--db", db_arg]);
    assert!(ok);
    assert!(stderr.contains("skipped"), "{stderr}");
    assert_eq!(context_rows(&db), 4);

    // A corrected month replaces the stored one whole with --force.
    let corrected = mar.lines().take(2).collect::<Vec<_>>().join("\n") + "\n";
    std::fs::write(
        data.join("cambs/2024-03-cambridgeshire-street.csv"),
        corrected,
    )
    .expect("write");
    let (ok, _, _) = hotspots(&["context", "import", "police-uk", data_arg, "--db", db_arg]);
    assert!(ok);
    assert_eq!(context_rows(&db), 4, "without --force the month stays");
    let (ok, _, stderr) = hotspots(&[
        "context",
        "import",
        "police-uk",
        data_arg,
        "--db",
        db_arg,
        "--force",
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(
        context_rows(&db),
        3,
        "February's 2 and the corrected March's 1"
    );

    // A file that is not police.uk's names what it lacks.
    let other = dir.path().join("x.csv");
    std::fs::write(&other, "id,lat,lng\n1,52,0\n").expect("write");
    let (ok, _, stderr) = hotspots(&[
        "context",
        "import",
        "police-uk",
        other.to_str().expect("utf-8"),
        "--db",
        db_arg,
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("x.csv") && stderr.contains("Month"),
        "{stderr}"
    );
}

/// The demo's context rows, counted here: (month, res-8 cell, type) for each
/// row with coordinates in Great Britain's latitudes.
fn demo_context_rows() -> Vec<(String, h3o::CellIndex, String)> {
    let mut out = Vec::new();
    for (_, bytes) in hotspots::demo::DEMO_CONTEXT {
        let mut reader = csv::Reader::from_reader(*bytes);
        for record in reader.records() {
            let r = record.expect("record");
            let (Ok(lng), Ok(lat)) = (r[4].parse::<f64>(), r[5].parse::<f64>()) else {
                continue;
            };
            if lat < 49.8 {
                continue; // the rows off Brittany
            }
            let cell = h3o::LatLng::new(lat, lng)
                .expect("lat lng")
                .to_cell(h3o::Resolution::Nine)
                .parent(h3o::Resolution::Eight)
                .expect("parent");
            out.push((r[1].to_owned(), cell, r[9].to_owned()));
        }
    }
    out
}

async fn get_json(uri: &str, role: Role) -> Value {
    let request = Request::get(uri)
        .header(header::HOST, "example.test")
        .header(
            header::COOKIE,
            format!("hs_session=session-{}", role.as_str()),
        )
        .body(Body::empty())
        .expect("request");
    let answer = send(router(demo().0.clone()), request).await;
    assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
    answer.json()
}

/// `{h3: {type: count}}` of a context answer.
fn by_cell(answer: &Value) -> BTreeMap<String, BTreeMap<String, u64>> {
    answer["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let types: BTreeMap<String, u64> =
                serde_json::from_value(p["by_type"].clone()).expect("by_type");
            assert_eq!(p["total"].as_u64(), Some(types.values().sum()), "total");
            (p["h3"].as_str().expect("h3").to_owned(), types)
        })
        .collect()
}

#[tokio::test]
async fn the_context_layer_counts_what_the_files_hold() {
    let rows = demo_context_rows();
    let expected = |months: &[&str], types: Option<&[&str]>| {
        let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for (month, cell, crime_type) in &rows {
            if months.contains(&month.as_str())
                && types.is_none_or(|t| t.iter().any(|x| x.eq_ignore_ascii_case(crime_type)))
            {
                *out.entry(cell.to_string())
                    .or_default()
                    .entry(crime_type.clone())
                    .or_default() += 1;
            }
        }
        out
    };
    // Every role reads it: police.uk's data is open.
    for role in [Role::Partnership, Role::Analyst] {
        let answer = get_json(
            "/api/v1/layers/context?res=8&from=2025-03-15&to=2025-05-31",
            role,
        )
        .await;
        assert_eq!(
            by_cell(&answer),
            expected(&["2025-03", "2025-04", "2025-05"], None),
            "{role:?}"
        );
        assert_eq!(answer["provenance"]["layer"], "context");
    }
    let drugs = get_json(
        "/api/v1/layers/context?res=8&crime_type=drugs,SHOPLIFTING",
        Role::Analyst,
    )
    .await;
    let all_months: Vec<String> = (1..=12).map(|m| format!("2025-{m:02}")).collect();
    let all_months: Vec<&str> = all_months.iter().map(String::as_str).collect();
    assert_eq!(
        by_cell(&drugs),
        expected(&all_months, Some(&["Drugs", "Shoplifting"]))
    );

    // The OGC collection answers the same cells.
    let items = get_json(
        "/ogc/collections/context/items?f=json&res=8&limit=10000",
        Role::Analyst,
    )
    .await;
    let whole = by_cell(&get_json("/api/v1/layers/context?res=8", Role::Analyst).await);
    assert_eq!(items["numberMatched"].as_u64(), Some(whole.len() as u64));
    assert_eq!(by_cell(&items), whole);

    // The cell panel's context line is the cell's recorded crime.
    let (cell, types) = whole
        .iter()
        .max_by_key(|(_, t)| t.values().sum::<u64>())
        .expect("a cell");
    let detail = get_json(&format!("/api/v1/cells?h3={cell}"), Role::Analyst).await;
    let got: BTreeMap<String, u64> =
        serde_json::from_value(detail["context"].clone()).expect("context");
    assert_eq!(&got, types);
}

#[tokio::test]
async fn hotspot_areas_carry_their_recorded_crime_against_the_study_area() {
    let study: HashSet<String> = get_json("/api/v1/layers/cells?res=8&all=true", Role::Analyst)
        .await["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["h3"].as_str().expect("h3").to_owned())
        .collect();
    let context = by_cell(&get_json("/api/v1/layers/context?res=8", Role::Analyst).await);
    let mut study_totals: BTreeMap<&str, u64> = BTreeMap::new();
    for (cell, types) in &context {
        if study.contains(cell) {
            for (t, n) in types {
                *study_totals.entry(t).or_default() += n;
            }
        }
    }
    let areas = get_json("/api/v1/layers/hotspots?res=8", Role::Analyst).await;
    let areas = areas["features"].as_array().expect("features");
    assert!(!areas.is_empty());
    let mut with_crime = 0;
    for area in areas {
        let p = &area["properties"];
        let cells: Vec<&str> = p["h3_cells"]
            .as_array()
            .expect("cells")
            .iter()
            .map(|c| c.as_str().expect("cell"))
            .collect();
        let mut counted: BTreeMap<&str, u64> = BTreeMap::new();
        for cell in &cells {
            for (t, n) in context.get(*cell).into_iter().flatten() {
                *counted.entry(t).or_default() += n;
            }
        }
        assert_eq!(
            p["context"]["crimes"].as_u64(),
            Some(counted.values().sum())
        );
        for (t, study_total) in &study_totals {
            let count = counted.get(t).copied().unwrap_or(0);
            let ratio =
                (count as f64 / cells.len() as f64) / (*study_total as f64 / study.len() as f64);
            let got = &p["context"]["by_type"][*t];
            assert_eq!(got["count"].as_u64(), Some(count), "{t}");
            assert!(
                (got["ratio"].as_f64().expect("ratio") - ratio).abs() <= 0.005 + 1e-9,
                "{t}: {} vs {ratio}",
                got["ratio"]
            );
        }
        with_crime += usize::from(!counted.is_empty());
    }
    assert!(with_crime > 0, "some hotspot area has recorded crime in it");
}
