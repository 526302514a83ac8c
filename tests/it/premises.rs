//! Premises and outcomes end to end: a register imported with its rejects,
//! reports linked against a labelled set, the outcome summary on a history
//! where the no-leakage rule matters, and the API answering as the store holds.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::Cursor;

use hotspots::ingest::{import_outcomes, import_premises};
use hotspots::premises::{outcome_summary, relink, repeat_premises, PremisesQuery, SummaryQuery};
use hotspots::store::StoredReject;
use hotspots::{load, Input, LoadOptions, Store};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/linking");

fn reader(name: &str, bytes: impl Into<Vec<u8>>) -> Input {
    Input::Reader {
        name: name.into(),
        reader: Box::new(Cursor::new(bytes.into())),
    }
}

fn quiet() -> LoadOptions {
    LoadOptions {
        no_rejects_file: true,
        ..LoadOptions::default()
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture")
}

/// `report_id → expected` from the labelled file (empty: no premises).
fn expected_links() -> BTreeMap<String, String> {
    let mut reader = csv::Reader::from_reader(Cursor::new(fixture("reports.csv")));
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (id, expected) = (col("report_id"), col("expected"));
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            (r[id].to_owned(), r[expected].to_owned())
        })
        .collect()
}

fn linked_store() -> Store {
    let mut store = Store::open_in_memory().expect("store");
    let counts = import_premises(
        &mut store,
        reader("premises.csv", fixture("premises.csv")),
        &quiet(),
    )
    .expect("register")
    .counts;
    assert_eq!((counts.read, counts.stored, counts.rejected), (8, 8, 0));
    let counts = load(
        &mut store,
        reader("reports.csv", fixture("reports.csv")),
        &quiet(),
        None,
    )
    .expect("reports")
    .counts;
    assert_eq!((counts.read, counts.stored), (17, 17), "{counts:?}");
    relink(&mut store, None).expect("relink");
    store
}

/// Every report's premises as linking decided, with the reasons.
fn links(store: &Store) -> BTreeMap<String, (String, String)> {
    store
        .linked_reports(&hotspots::store::ReportFilter::default())
        .expect("links")
        .into_iter()
        .map(|l| (l.report_id, (l.premises_id, l.reason)))
        .collect()
}

#[test]
fn linking_matches_the_labelled_set() {
    let store = linked_store();
    let got = links(&store);
    let expected = expected_links();
    // A "made:X" label: the reports so labelled share one premises made from reports.
    let mut made: HashMap<&str, &str> = HashMap::new();
    let (mut right, mut made_links, mut wrong) = (0u32, 0, Vec::new());
    let wanted = expected.values().filter(|e| !e.is_empty()).count();
    for (report, (premises, reason)) in &got {
        let want = expected.get(report).map_or("", String::as_str);
        let ok = if let Some(label) = want.strip_prefix("made:") {
            premises.starts_with("rep-")
                && *made.entry(label).or_insert(premises) == premises.as_str()
        } else {
            want == premises
        };
        if ok {
            right += 1;
            made_links += usize::from(want.starts_with("made:"));
        } else {
            wrong.push(format!(
                "{report} → {premises} ({reason}), expected {want:?}"
            ));
        }
    }
    let precision = f64::from(right) / got.len() as f64;
    let recall = f64::from(right) / wanted as f64;
    assert!(wrong.is_empty(), "wrong links: {wrong:#?}");
    assert!(precision >= 0.999, "precision {precision}");
    assert!(recall >= 0.9, "recall {recall}: got {got:#?}");
    assert_eq!(
        made_links, 2,
        "the unregistered car wash is made of its two reports"
    );
    // Reasons say why, in words a user can check.
    assert!(
        got["R01"].1.starts_with("same postcode (PE13 1PE)"),
        "{}",
        got["R01"].1
    );
    assert!(
        got["R03"].1.starts_with("no name given"),
        "{}",
        got["R03"].1
    );
    assert!(
        !got.contains_key("R04"),
        "a town-level report without a name was linked"
    );
    assert!(!got.contains_key("R07"), "an ambiguous report was linked");
}

#[test]
fn analysts_decisions_survive_relinking() {
    use hotspots::store::LinkDecision;
    let mut store = linked_store();
    store
        .record_link_decision(
            &LinkDecision::Merge {
                into: "P5".into(),
                from: "P4".into(),
            },
            "test",
        )
        .expect("merge");
    store
        .record_link_decision(
            &LinkDecision::Detach {
                source: "app".into(),
                report_id: "R02".into(),
            },
            "test",
        )
        .expect("detach");
    relink(&mut store, None).expect("relink");
    relink(&mut store, None).expect("again");
    let got = links(&store);
    assert_eq!(
        got["R09"].0, "P5",
        "the old site's report follows the merge"
    );
    assert!(!got.contains_key("R02"), "a detached report stays detached");
    assert_eq!(got["R01"].0, "P1");
    assert!(store
        .record_link_decision(
            &LinkDecision::Merge {
                into: "P1".into(),
                from: "nope".into()
            },
            "test"
        )
        .is_err());
}

#[test]
fn register_rejects_name_line_and_field_and_reimport_is_idempotent() {
    let mut store = Store::open_in_memory().expect("store");
    let text = "premises_id,name,venue_type,postcode,lat,lng,status,opened_on,closed_on\n\
                A1,Good Wash,car_wash,PE13 1PE,,,open,,\n\
                A2,No Type,,PE13 1PE,,,open,,\n\
                A3,Bad Postcode,car_wash,ZZ99 9ZZ,,,open,,\n\
                A4,Abroad,farm,,48.85,2.35,open,,\n\
                A5,Backwards,nail_bar,PE13 1AP,,,closed,2020-01-01,2019-01-01\n\
                ,No Id,nail_bar,PE13 1AP,,,open,,\n\
                A7,Odd Status,farm,PE13 1ES,,,demolished,,\n";
    let first = import_premises(&mut store, reader("reg.csv", text), &quiet()).expect("import");
    assert_eq!(
        (
            first.counts.read,
            first.counts.stored,
            first.counts.duplicates,
            first.counts.rejected
        ),
        (7, 1, 0, 6)
    );
    let mut rejects: Vec<StoredReject> = Vec::new();
    store
        .rejects_for_run(first.counts.run_id, |r| rejects.push(r))
        .expect("rejects");
    let got: Vec<(u64, &str)> = rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (3, "venue_type"),
            (4, "postcode"),
            (5, "lat"),
            (6, "closed_on"),
            (7, "premises_id"),
            (8, "status")
        ]
    );
    assert!(rejects
        .iter()
        .all(|r| !r.reason.is_empty() && !r.raw.is_empty()));
    let again = import_premises(&mut store, reader("reg.csv", text), &quiet()).expect("again");
    assert_eq!(
        (
            again.counts.stored,
            again.counts.duplicates,
            again.counts.rejected
        ),
        (0, 1, 6)
    );
    // A corrected row replaces the premises, and counts as stored.
    let corrected = text.replace("A1,Good Wash", "A1,Good Hand Car Wash");
    let third =
        import_premises(&mut store, reader("reg.csv", corrected), &quiet()).expect("corrected");
    assert_eq!(third.counts.stored, 1);
    let premises = store.premises().expect("premises");
    assert_eq!(premises.len(), 1);
    assert_eq!(premises[0].name.as_deref(), Some("Good Hand Car Wash"));
}

/// A register whose header names no column for what every row needs stops
/// at line 1, naming what it lacks and the file's columns not read; nothing
/// of it is stored. A visit's place may come from its premises.
#[test]
fn a_register_header_without_a_needed_column_stops_the_file() {
    let mut store = Store::open_in_memory().expect("store");
    let err = import_premises(
        &mut store,
        reader(
            "licences.csv",
            "Licence No,Trading name,venue,Postcode\nL1,Suds,car_wash,PE13 1PE\n",
        ),
        &quiet(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "licences.csv: line 1: header: no column gives each premises' id (premises_id or id); \
         the columns not read are \"Licence No\""
    );
    assert!(store.premises().expect("premises").is_empty());
    let err = import_outcomes(
        &mut store,
        reader(
            "visits.csv",
            "visit_id,Visit,outcome,Site\nV1,2024-03-01,no_concerns,P1\n",
        ),
        &quiet(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "visits.csv: line 1: header: no column gives each visit's date (visited_on, date or \
         visit_date), nor its place (lat and lng, easting and northing, grid_ref, postcode, \
         town, premises_id or address); the columns not read are \"Visit\", \"Site\""
    );
    // The place from the premises alone is enough for the header.
    import_premises(
        &mut store,
        reader(
            "reg.csv",
            "premises_id,venue_type,postcode\nP1,farm,PE13 1PE\n",
        ),
        &quiet(),
    )
    .expect("premises");
    let visits = import_outcomes(
        &mut store,
        reader(
            "visits.csv",
            "visit_id,date,result,premises\nV1,2024-03-01,no_concerns,P1\n",
        ),
        &quiet(),
    )
    .expect("visits");
    assert_eq!(visits.counts.stored, 1);
}

/// A register saved by Excel as "CSV" (Windows-1252, CRLF line ends) is read
/// when its encoding is named; unnamed, the accented row is rejected with
/// the hint. Rejects name the physical line after CRLF ends too.
#[test]
fn a_register_in_windows_1252_is_read_when_named() {
    let bytes = b"premises_id,name,venue_type,postcode,status\r\n\
                  B1,Caf\xe9 Nails,nail_bar,PE13 1PE,open\r\n\
                  B2,Plain Wash,car_wash,PE13 1PE,open\r\n\
                  B3,Odd,spaceship,PE13 1PE,open\r\n"
        .to_vec();
    let mut store = Store::open_in_memory().expect("store");
    let unnamed =
        import_premises(&mut store, reader("reg.csv", bytes.clone()), &quiet()).expect("import");
    assert_eq!((unnamed.counts.stored, unnamed.counts.rejected), (1, 2));
    let mut rejects: Vec<StoredReject> = Vec::new();
    store
        .rejects_for_run(unnamed.counts.run_id, |r| rejects.push(r))
        .expect("rejects");
    let lines: Vec<(u64, &str)> = rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(lines, vec![(2, "name"), (4, "venue_type")]);
    assert!(
        rejects[0].reason.contains("--encoding windows-1252"),
        "{}",
        rejects[0].reason
    );

    let options = LoadOptions {
        encoding: Some("latin1".parse().expect("label")),
        loaded_by: Some("registrar".into()),
        ..quiet()
    };
    let named =
        import_premises(&mut store, reader("reg.csv", bytes.clone()), &options).expect("import");
    assert_eq!((named.counts.stored, named.counts.rejected), (1, 1));
    // The same register tab-separated (as Excel saves "Unicode text"): the
    // same premises, found already there.
    let tabbed: Vec<u8> = bytes
        .iter()
        .map(|&b| if b == b',' { b'\t' } else { b })
        .collect();
    let again = import_premises(&mut store, reader("reg.txt", tabbed), &options).expect("import");
    assert_eq!(
        (
            again.counts.stored,
            again.counts.duplicates,
            again.counts.rejected
        ),
        (0, 2, 1)
    );
    // Each run records how its text was read (`latin1` is windows-1252, as in
    // browsers) and who asked for it, when the caller says.
    let read_as: Vec<(Option<String>, Option<String>, Option<String>)> =
        [unnamed.counts, named.counts, again.counts]
            .iter()
            .map(|c| {
                let run = store.run(c.run_id).expect("run").expect("recorded");
                (run.encoding, run.delimiter, run.loaded_by)
            })
            .collect();
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        read_as,
        [
            (some("UTF-8"), some(","), None),
            (some("windows-1252"), some(","), some("registrar")),
            (some("windows-1252"), some("\t"), some("registrar")),
        ]
    );
    let names: BTreeSet<Option<String>> = store
        .premises()
        .expect("premises")
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        names,
        [
            Some("Caf\u{e9} Nails".to_owned()),
            Some("Plain Wash".to_owned())
        ]
        .into()
    );
}

/// The premises collection's box is the box of the premises the list can
/// show (those with a linked report), not of the whole register: a register
/// premises never reported, far away, does not stretch it.
#[test]
fn the_premises_box_holds_the_listed_premises_only() {
    let mut store = linked_store();
    import_premises(
        &mut store,
        reader(
            "far.csv",
            "premises_id,name,venue_type,lat,lng\nP9,Far Wash,car_wash,50.26,-5.05\n",
        ),
        &quiet(),
    )
    .expect("far premises");
    let listed = repeat_premises(&store, &PremisesQuery::default()).expect("rows");
    assert!(listed.len() >= 2 && !listed.iter().any(|r| r.premises.premises_id == "P9"));
    let (lats, lngs): (Vec<f64>, Vec<f64>) = listed
        .iter()
        .map(|r| (r.premises.lat, r.premises.lng))
        .unzip();
    let min = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
    let max = |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max);
    let bounds = hotspots::premises::premises_bounds(&store)
        .expect("bounds")
        .expect("some premises");
    assert_eq!(
        [bounds.west, bounds.south, bounds.east, bounds.north].map(f64::to_bits),
        [min(&lngs), min(&lats), max(&lngs), max(&lats)].map(f64::to_bits),
        "{bounds:?}"
    );
}

#[test]
fn repeat_premises_counts_what_was_linked() {
    let store = linked_store();
    let rows = repeat_premises(&store, &PremisesQuery::default()).expect("rows");
    let p1 = rows
        .iter()
        .find(|r| r.premises.premises_id == "P1")
        .expect("P1");
    // R01, R02, R03, R16: helpline and app; Jan 5, Jan 9, Feb 1, May 3.
    assert_eq!(p1.reports, 4);
    assert_eq!(p1.sources, 2);
    assert_eq!(p1.incidents, 3, "Jan 5 and 9 are one incident");
    assert_eq!(p1.first_seen.to_string(), "2024-01-05");
    assert_eq!(p1.last_seen.to_string(), "2024-05-03");
    // Gaps 4, 23, 92 days → median 23.
    assert_eq!(p1.median_days_between, Some(23.0));
    assert_eq!(rows[0].premises.premises_id, "P1", "most reported first");
    let two = PremisesQuery {
        min_reports: 2,
        ..PremisesQuery::default()
    };
    let rows = repeat_premises(&store, &two).expect("rows");
    assert!(rows.iter().all(|r| r.reports >= 2));
    assert!(
        !rows.iter().any(|r| r.premises.premises_id == "P8"),
        "never reported"
    );
}

/// Reports at a point, one a day from `first`, as CSV rows.
fn cluster(out: &mut String, prefix: &str, lat: f64, lng: f64, first: &str, n: usize) {
    let start: chrono::NaiveDate = first.parse().expect("date");
    for i in 0..n {
        let day = start + chrono::Days::new(i as u64);
        let _ = writeln!(out, "{prefix}{i:03},test,{day},car_wash,{lat:.5},{lng:.5}");
    }
}

/// A background of single reports over ~20 km, early in 2023.
fn background(csv: &mut String) {
    for i in 0..64 {
        let (row, col) = (i / 8, i % 8);
        let _ = writeln!(
            csv,
            "B{i:03},test,2023-0{}-01,car_wash,{:.5},{:.5}",
            1 + i % 6,
            52.55 + f64::from(row) * 0.025,
            0.05 + f64::from(col) * 0.04
        );
    }
}

/// The remembered maps are each database's own: two databases at the same
/// run and report count (in memory, so at the same path too) class one
/// visit by their own reports.
#[test]
fn two_databases_at_the_same_version_keep_their_own_maps() {
    // The same background and visit; the cluster at the visit in the first
    // database, 15 km away in the second.
    let with_cluster_at = |lat: f64, lng: f64| {
        let mut store = Store::open_in_memory().expect("store");
        let mut csv = String::from("report_id,source,observed_on,venue_type,lat,lng\n");
        background(&mut csv);
        cluster(&mut csv, "X", lat, lng, "2023-03-01", 25);
        load(&mut store, reader("history.csv", csv), &quiet(), None).expect("reports");
        let visit = "visit_id,visited_on,lat,lng,result\nV1,2023-07-01,52.60010,0.10010,indicators_confirmed\n";
        import_outcomes(&mut store, reader("visits.csv", visit), &quiet()).expect("visit");
        store
    };
    let at_the_visit = with_cluster_at(52.60010, 0.10010);
    let elsewhere = with_cluster_at(52.70010, 0.25010);
    assert_eq!(
        at_the_visit.data_version().expect("version"),
        elsewhere.data_version().expect("version"),
        "the same version"
    );
    let hot_visits = |store: &Store| {
        outcome_summary(store, &SummaryQuery::default())
            .expect("summary")
            .hot()
            .visits
    };
    assert_eq!(hot_visits(&at_the_visit), 1);
    assert_eq!(hot_visits(&elsewhere), 0, "not the first database's map");
    assert_eq!(hot_visits(&at_the_visit), 1);
}

#[test]
fn each_visit_is_classed_by_the_map_of_the_day_before() {
    let mut store = Store::open_in_memory().expect("store");
    let mut csv = String::from("report_id,source,observed_on,venue_type,lat,lng\n");
    background(&mut csv);
    // X: hot before the first visit. Y: reported only after the second.
    cluster(&mut csv, "X", 52.60010, 0.10010, "2023-03-01", 25);
    cluster(&mut csv, "Y", 52.70010, 0.25010, "2023-08-01", 25);
    load(&mut store, reader("history.csv", csv), &quiet(), None).expect("reports");
    let visits = "visit_id,visited_on,lat,lng,result\n\
                  V1,2023-07-01,52.60010,0.10010,indicators_confirmed\n\
                  V2,2023-07-15,52.70010,0.25010,victims_identified\n\
                  V3,2023-07-10,52.62500,0.17000,no_concerns\n";
    let counts = import_outcomes(&mut store, reader("visits.csv", visits), &quiet())
        .expect("visits")
        .counts;
    assert_eq!((counts.stored, counts.rejected), (3, 0));
    let again = import_outcomes(&mut store, reader("visits.csv", visits), &quiet())
        .expect("again")
        .counts;
    assert_eq!(
        (again.stored, again.duplicates),
        (0, 3),
        "re-importing stores nothing"
    );
    let summary = outcome_summary(&store, &SummaryQuery::default()).expect("summary");
    let hot = summary.hot();
    let not_hot = summary.not_hot();
    assert_eq!(
        (hot.visits, hot.positive),
        (1, 1),
        "only V1's cell was hot when visited"
    );
    assert_eq!(
        (not_hot.visits, not_hot.positive),
        (2, 1),
        "V2's cell became hot afterwards"
    );
    let json = summary.to_json(&SummaryQuery::default());
    let (lo, hi) = hotspots::analysis::outcomes::wilson95(1, 2).expect("n>0");
    assert_eq!(json["not_hot"]["ci95"][0].as_f64(), Some(lo));
    assert_eq!(json["not_hot"]["ci95"][1].as_f64(), Some(hi));
    assert_eq!(json["not_hot"]["hit_rate"].as_f64(), Some(0.5));
    assert_eq!(json["provenance"]["min_reports"], 2, "the map's ring rule");
    // PAI: the map the day before the period (2023-06-30) has X hot, not Y:
    // half the positive visits fell in its hot cells.
    let pai = summary.pai.expect("pai");
    let (hot_cells, cells) = summary.pai_cells;
    assert!(hot_cells >= 1 && cells > hot_cells);
    assert!((pai.hot_share_of_positive - 0.5).abs() < 1e-12);
    assert!((pai.pai - 0.5 * cells as f64 / hot_cells as f64).abs() < 1e-9);
    // A visit naming an unknown premises is a reject, not a guess.
    let bad = "visit_id,visited_on,premises_id,result\nV9,2023-07-01,NOPE,no_concerns\nV10,2099-01-01,,no_concerns\n";
    let counts = import_outcomes(&mut store, reader("bad.csv", bad), &quiet())
        .expect("bad")
        .counts;
    assert_eq!(counts.rejected, 2);
    // By emerging category, every visit once: V4's cell, between the
    // background grid's points, had no reports in the window, which is its
    // own row, not the analysis' `none` (reports, no pattern).
    let v4 = "visit_id,visited_on,lat,lng,result\nV4,2023-07-20,52.58750,0.07000,no_concerns\n";
    let counts = import_outcomes(&mut store, reader("v4.csv", v4), &quiet())
        .expect("v4")
        .counts;
    assert_eq!(counts.stored, 1);
    let summary = outcome_summary(&store, &SummaryQuery::default()).expect("summary");
    assert_eq!(
        summary.emerging.values().map(|r| r.visits).sum::<u64>(),
        4,
        "{:?}",
        summary.emerging
    );
    for category in summary.emerging.keys() {
        assert!(
            hotspots::model::EMERGING_CATEGORIES.contains(&category.as_str())
                || category == hotspots::premises::NO_REPORTS,
            "{category}"
        );
    }
    // Listed in the interface's order (hot patterns, cold, none), then the
    // cells without reports: the API's array and the page's rows alike.
    let listed: Vec<String> = summary.to_json(&SummaryQuery::default())["emerging"]
        .as_array()
        .expect("emerging")
        .iter()
        .map(|r| r["category"].as_str().expect("category").to_owned())
        .collect();
    let mut expected: Vec<String> = hotspots::model::EMERGING_CATEGORIES
        .iter()
        .chain(&[hotspots::premises::NO_REPORTS])
        .filter(|c| summary.emerging.contains_key(**c))
        .map(|c| (*c).to_owned())
        .collect();
    assert_eq!(listed, expected);
    expected.sort();
    assert_ne!(
        listed, expected,
        "these categories are not alphabetical already: the check can fail"
    );
    let no_reports = summary.emerging.get(hotspots::premises::NO_REPORTS);
    assert_eq!(
        no_reports.map(|r| (r.visits, r.positive)),
        Some((1, 0)),
        "{:?}",
        summary.emerging
    );
    // The maps follow the data: reports at V2's place before its visit,
    // loaded now, make it a visit to a hot cell. The summary's maps are
    // remembered between calls; a new load is a new version of them.
    let mut earlier = String::from("report_id,source,observed_on,venue_type,lat,lng\n");
    cluster(&mut earlier, "Z", 52.70010, 0.25010, "2023-05-01", 25);
    load(&mut store, reader("earlier.csv", earlier), &quiet(), None).expect("earlier");
    let summary = outcome_summary(&store, &SummaryQuery::default()).expect("summary");
    assert_eq!(
        (summary.hot().visits, summary.hot().positive),
        (2, 2),
        "V2's cell was hot before its visit once the earlier reports came in"
    );
}

#[test]
fn exported_reports_carry_their_premises_and_incident() {
    let store = linked_store();
    let mut out = Vec::new();
    hotspots::cli::export_reports(
        &store,
        &hotspots::store::ReportFilter::default(),
        hotspots::cli::OutFormat::Csv,
        &mut out,
    )
    .expect("csv");
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (id, premises, score, reason, incident) = (
        col("report_id"),
        col("premises_id"),
        col("link_score"),
        col("link_reason"),
        col("incident_id"),
    );
    let rows: HashMap<String, csv::StringRecord> = reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            (r[id].to_owned(), r)
        })
        .collect();
    // P1: Jan 5 and Jan 9 one incident, Feb 1 the second, May 3 the third.
    for (report, want) in [
        ("R01", "P1/1"),
        ("R02", "P1/1"),
        ("R03", "P1/2"),
        ("R16", "P1/3"),
    ] {
        assert_eq!(&rows[report][premises], "P1", "{report}");
        assert_eq!(&rows[report][incident], want, "{report}");
    }
    assert!(rows["R01"][reason].starts_with("same postcode"));
    assert!(rows["R01"][score].parse::<f64>().is_ok_and(|s| s > 0.88));
    assert_eq!(
        &rows["R04"][premises], "",
        "unlinked reports have no premises"
    );
    assert_eq!(&rows["R04"][incident], "");
}

/// `unit=premises` and `unit=incidents` count distinct premises (incidents)
/// per cell, a report linked to none counting once: checked against the
/// exported reports' own columns, counted here.
#[test]
fn layers_count_distinct_premises_and_incidents_when_asked() {
    let mut store = linked_store();
    let before = store.data_version().expect("version");
    relink(&mut store, None).expect("relink");
    assert_ne!(
        store.data_version().expect("version"),
        before,
        "a relink moves the data version on"
    );
    let mut out = Vec::new();
    hotspots::cli::export_reports(
        &store,
        &hotspots::store::ReportFilter::default(),
        hotspots::cli::OutFormat::Csv,
        &mut out,
    )
    .expect("csv");
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (source, id, cell, premises, incident) = (
        col("source"),
        col("report_id"),
        col("h3_r8"),
        col("premises_id"),
        col("incident_id"),
    );
    let mut expected: [BTreeMap<String, std::collections::BTreeSet<String>>; 3] =
        Default::default();
    for r in reader.records() {
        let r = r.expect("row");
        if r[cell].is_empty() {
            continue;
        }
        let own = format!("{}|{}", &r[source], &r[id]);
        let key = |linked: &str| {
            if linked.is_empty() {
                own.clone()
            } else {
                linked.to_owned()
            }
        };
        expected[0]
            .entry(r[cell].to_owned())
            .or_default()
            .insert(own.clone());
        expected[1]
            .entry(r[cell].to_owned())
            .or_default()
            .insert(key(&r[incident]));
        expected[2]
            .entry(r[cell].to_owned())
            .or_default()
            .insert(key(&r[premises]));
    }
    for (unit, want) in ["reports", "incidents", "premises"].iter().zip(&expected) {
        let pairs = vec![("unit".to_owned(), (*unit).to_owned())];
        let request =
            hotspots::publish::parse(hotspots::publish::Layer::Cells, &pairs).expect("unit");
        let run = hotspots::publish::hot_cells(&store, &request.query).expect("cells");
        let got: BTreeMap<String, u64> = run
            .cells
            .iter()
            .filter(|c| c.count > 0)
            .map(|c| (c.cell.to_string(), c.count))
            .collect();
        let want: BTreeMap<String, u64> = want
            .iter()
            .map(|(c, s)| (c.clone(), s.len() as u64))
            .collect();
        assert_eq!(got, want, "unit={unit}");
    }
    // P1's four reports are three incidents and one premises in their cells.
    let total = |m: &BTreeMap<String, std::collections::BTreeSet<String>>| {
        m.values()
            .map(std::collections::BTreeSet::len)
            .sum::<usize>()
    };
    assert!(total(&expected[2]) < total(&expected[1]) && total(&expected[1]) < total(&expected[0]));
    let refused = hotspots::publish::parse(
        hotspots::publish::Layer::Cells,
        &[
            ("unit".to_owned(), "premises".to_owned()),
            ("weight".to_owned(), "risk".to_owned()),
        ],
    )
    .expect_err("risk weighs reports");
    assert_eq!(refused.field, "unit");
}

/// `weight=rate`: every cell says how many registered premises its rate rests
/// on; one with none has no value (not a rate of 0); the register is all there.
#[test]
fn rate_per_registered_premises_says_where_there_are_none() {
    let store = linked_store();
    let pairs: Vec<(String, String)> = [("weight", "rate"), ("all", "true")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let request = hotspots::publish::parse(hotspots::publish::Layer::Cells, &pairs).expect("rate");
    let rendered = hotspots::publish::render(
        &store,
        &request,
        hotspots::publish::ReportDetail { notes: false },
    )
    .expect("render");
    let doc: serde_json::Value = serde_json::from_slice(&rendered.body).expect("json");
    let features = doc["features"].as_array().expect("features");
    let mut premises_total = 0;
    let mut reported_without = 0;
    for f in features {
        let p = &f["properties"];
        let n = p["premises"]
            .as_u64()
            .expect("every cell says its premises");
        premises_total += n;
        assert_eq!(p.get("value").is_some(), n > 0, "{p}");
        if n == 0 && p["count"].as_u64() > Some(0) {
            reported_without += 1;
        }
    }
    assert_eq!(premises_total, 8, "the whole register, each premises once");
    assert!(
        reported_without > 0,
        "reports where nothing is registered are said to be so"
    );
    assert_eq!(doc["provenance"]["weight"]["name"], "rate");
}

#[test]
fn the_premises_list_keeps_to_an_area() {
    let store = linked_store();
    let pairs: Vec<(String, String)> = vec![("bbox".into(), "52.660,0.150,52.672,0.165".into())];
    let request = hotspots::premises::parse_premises(&pairs).expect("bbox");
    let ids: Vec<String> = repeat_premises(&store, &request.query)
        .expect("rows")
        .into_iter()
        .map(|r| r.premises.premises_id)
        .collect();
    assert!(ids.contains(&"P1".to_owned()), "{ids:?}");
    assert!(
        !ids.contains(&"P5".to_owned()),
        "P5 is 1 km north of the box: {ids:?}"
    );
}

/// With a register, a load links its new reports in its own transaction:
/// they are linked when it commits, and a load that fails leaves no link.
#[test]
fn a_load_links_its_reports_before_it_commits() {
    let mut store = Store::open_in_memory().expect("store");
    import_premises(
        &mut store,
        reader("premises.csv", fixture("premises.csv")),
        &quiet(),
    )
    .expect("register");
    let linking = LoadOptions {
        before_commit: Some(hotspots::premises::linking_before_commit()),
        ..quiet()
    };
    load(
        &mut store,
        reader("reports.csv", fixture("reports.csv")),
        &linking,
        None,
    )
    .expect("reports");
    let got = links(&store);
    assert_eq!(got["R01"].0, "P1", "linked with no relink");
    // Linking done, then the load fails before it commits: both roll back.
    let failing = LoadOptions {
        before_commit: Some(hotspots::store::BeforeCommit::new(|links| {
            hotspots::premises::link_in(links)?;
            Err(hotspots::store::StoreError::Conflict(
                "injected after linking".into(),
            ))
        })),
        ..quiet()
    };
    let more = "report_id,source,observed_on,venue_type,venue_name,postcode\n\
                R99,helpline,2024-06-01,car_wash,Sparkle Car Wash,PE13 1PE\n\
                R98,helpline,2024-06-02,car_wash,Sparkle Car Wash,PE13 1PE\n";
    assert!(load(&mut store, reader("more.csv", more), &failing, None).is_err());
    let after = links(&store);
    assert!(!after.contains_key("R99"), "a failed load leaves no link");
    assert_eq!(
        store
            .count(hotspots::store::CountTable::Reports)
            .expect("count"),
        17,
        "nor its reports"
    );
    assert_eq!(after, got, "and the links it found stay as they were");
}

/// A briefing's cells carry the bins of the hot-spot map they sit on: each
/// as `publish::hot_cells` (the hotspots layer's own pass) gives it, and the
/// area's own cells hot.
#[test]
fn briefing_cells_carry_the_hot_spot_map_bins() {
    use hotspots::premises::{briefing, BriefingArea};
    let (_, beside) = crate::support::router::demo();
    let store = beside.lock().expect("store");
    let query = PremisesQuery::default();
    let mut layer = query.layer.clone();
    layer.filter = query.filter.clone();
    let expected: HashMap<h3o::CellIndex, i8> = hotspots::publish::hot_cells(&store, &layer)
        .expect("hot cells")
        .cells
        .iter()
        .map(|c| (c.cell, c.bin))
        .collect();
    let (_, areas) = hotspots::publish::hotspot_areas(&store, &layer).expect("areas");
    let area = &areas.first().expect("a hotspot area on the demo").area;
    let shown =
        briefing(&store, &BriefingArea::Hotspot(area.id.clone()), &query).expect("briefing");
    for cell in &area.cells {
        assert!(
            shown.cells.iter().any(|(c, bin)| c == cell && *bin >= 2),
            "{cell} is in the area, so hot"
        );
    }
    assert!(
        shown.cells.len() > area.cells.len(),
        "the ring around it too"
    );
    for (cell, bin) in &shown.cells {
        assert_eq!(*bin, expected.get(cell).copied().unwrap_or(0), "{cell}");
    }
}

/// A briefing lists the visits made in its cells (a hotspot area's own and
/// the ring around them), newest first, none after the period's end, and
/// adds up what they found; the page shows them to a tactical user.
#[test]
fn briefing_lists_the_visits_made_in_its_cells() {
    use hotspots::premises::{briefing, BriefingArea};
    use std::collections::HashSet;
    let (_, beside) = crate::support::router::demo();
    let store = beside.lock().expect("store");
    let mut query = PremisesQuery::default();
    let mut layer = query.layer.clone();
    layer.filter = query.filter.clone();
    let (_, areas) = hotspots::publish::hotspot_areas(&store, &layer).expect("areas");
    let outcomes = store.outcomes().expect("outcomes");
    let names: HashMap<String, Option<String>> = store
        .premises()
        .expect("premises")
        .into_iter()
        .map(|p| (p.premises_id, p.name))
        .collect();
    let (mut checked, mut cut) = (0, 0);
    for area in &areas {
        // The area's cells and every cell next to one, as h3o draws them.
        let cells: HashSet<u64> = area
            .area
            .cells
            .iter()
            .flat_map(|c| c.grid_disk::<Vec<_>>(1))
            .map(u64::from)
            .collect();
        let mut expected: Vec<&hotspots::store::OutcomeRecord> = outcomes
            .iter()
            .filter(|o| o.cells[2].is_some_and(|c| cells.contains(&c)))
            .collect();
        if expected.len() < 2 {
            continue;
        }
        expected.sort_by_key(|o| std::cmp::Reverse(o.visited_on));
        let shown = briefing(&store, &BriefingArea::Hotspot(area.area.id.clone()), &query)
            .expect("briefing");
        let listed: Vec<(&str, chrono::NaiveDate)> = shown
            .visits
            .iter()
            .map(|v| (v.outcome.visit_id.as_str(), v.outcome.visited_on))
            .collect();
        let mut want: Vec<(&str, chrono::NaiveDate)> = expected
            .iter()
            .map(|o| (o.visit_id.as_str(), o.visited_on))
            .collect();
        let mut got = listed.clone();
        assert!(
            listed.windows(2).all(|w| w[0].1 >= w[1].1),
            "newest first: {listed:?}"
        );
        got.sort();
        want.sort();
        assert_eq!(got, want, "{}", area.area.id);
        for v in &shown.visits {
            let name = v
                .outcome
                .premises_id
                .as_ref()
                .and_then(|id| names[id].clone());
            assert_eq!(v.premises_name, name, "{}", v.outcome.visit_id);
        }
        let totals = shown.visit_totals();
        let positive = crate::support::found_exploitation(&expected);
        let sum = |f: fn(&hotspots::store::OutcomeRecord) -> Option<i32>| {
            expected
                .iter()
                .filter_map(|o| f(o))
                .map(|n| n as u64)
                .sum::<u64>()
        };
        assert_eq!(
            (
                totals.found.visits,
                totals.found.positive,
                totals.nrm_referrals,
                totals.safeguarding_referrals,
                totals.arrests,
                totals.potential_victims
            ),
            (
                expected.len() as u64,
                positive,
                sum(|o| o.nrm_referrals),
                sum(|o| o.safeguarding_referrals),
                sum(|o| o.arrests),
                sum(|o| o.potential_victims)
            )
        );
        // As of a day between the first and last visit: none after it.
        let day = expected[expected.len() / 2].visited_on;
        query.filter.to = Some(day);
        let then = briefing(&store, &BriefingArea::Hotspot(area.area.id.clone()), &query);
        query.filter.to = None;
        // The area may not be one on that day's map; where it is, its visits
        // stop at the day.
        if let Ok(then) = then {
            assert!(
                then.visits.iter().all(|v| v.outcome.visited_on <= day),
                "{day}: {:?}",
                then.visits.first().map(|v| v.outcome.visited_on)
            );
            cut += usize::from(!then.visits.is_empty());
        }
        checked += 1;
    }
    assert!(
        checked >= 2,
        "the demo has hotspot areas with visits: {checked}"
    );
    assert!(cut >= 1, "an area of that day's map had visits by then");
}

/// The outcome summary lists the hotspot areas of the map of the window's
/// reports to the period's end, strongest first, each with the period's
/// visits in its own cells: the areas no visit reached stand out.
#[test]
fn outcome_summary_lists_the_hotspot_areas_and_their_visits() {
    let (_, beside) = crate::support::router::demo();
    let store = beside.lock().expect("store");
    let outcomes = store.outcomes().expect("outcomes");
    for (from, to) in [(None, None), (Some("2024-01-01"), Some("2024-12-31"))] {
        let query = SummaryQuery {
            from: from.map(|d: &str| d.parse().expect("date")),
            to: to.map(|d: &str| d.parse().expect("date")),
            ..SummaryQuery::default()
        };
        let summary = outcome_summary(&store, &query).expect("summary");
        let areas = summary.areas.as_ref().expect("reports are stored");
        // The map's days: the window of 365 days to the period's end, or to
        // the latest report.
        let (_, latest, _) = store
            .data_window(&hotspots::store::ReportFilter::default())
            .expect("window");
        let end = query.to.or(latest).expect("an end");
        assert_eq!(areas.to, end);
        assert_eq!((areas.to - areas.from).num_days(), 364);
        let mut layer = query.layer.clone();
        layer.filter.from = Some(areas.from);
        layer.filter.to = Some(areas.to);
        let (_, expected) = hotspots::publish::hotspot_areas(&store, &layer).expect("areas");
        assert_eq!(areas.areas.len(), expected.len());
        assert!(areas.areas.len() >= 5, "the demo's map has areas");
        let order: Vec<(i8, u64)> = areas
            .areas
            .iter()
            .map(|a| (a.area.area.bin, a.area.area.reports.reports))
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] >= w[1]),
            "strongest first: {order:?}"
        );
        let in_period = |o: &&hotspots::store::OutcomeRecord| {
            query.from.is_none_or(|f| o.visited_on >= f)
                && query.to.is_none_or(|t| o.visited_on <= t)
        };
        let mut unvisited = 0;
        for row in &areas.areas {
            let cells: std::collections::HashSet<u64> =
                row.area.area.cells.iter().map(|c| u64::from(*c)).collect();
            let mine: Vec<&hotspots::store::OutcomeRecord> = outcomes
                .iter()
                .filter(in_period)
                .filter(|o| o.cells[2].is_some_and(|c| cells.contains(&c)))
                .collect();
            let positive = crate::support::found_exploitation(&mine);
            assert_eq!(
                (row.visits.visits, row.visits.positive),
                (mine.len() as u64, positive),
                "{}",
                row.area.area.id
            );
            let newest = mine.iter().map(|o| o.visited_on).max();
            assert_eq!(
                row.last.as_ref().map(|o| o.visited_on),
                newest,
                "{}",
                row.area.area.id
            );
            unvisited += usize::from(mine.is_empty());
        }
        assert_eq!(areas.unvisited(), unvisited);
        assert!(
            unvisited > 0 && unvisited < areas.areas.len(),
            "some areas visited, some not: {unvisited} of {}",
            areas.areas.len()
        );
        let json = summary.to_json(&query);
        let rows = json["areas"]["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), areas.areas.len());
        assert_eq!(json["areas"]["unvisited"], unvisited);
        assert_eq!(rows[0]["visits"], areas.areas[0].visits.visits);
        assert_eq!(json["areas"]["map_to"], end.to_string());
    }
}
