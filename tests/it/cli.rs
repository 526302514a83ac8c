//! The binary as a user runs it: summary line, exit codes, rejects file, export.

use std::process::Command;

const MESSY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/messy.csv");

fn hotspots(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotspots"));
    cmd.current_dir(dir)
        .env_remove("HOTSPOTS_DB")
        .env_remove("HOTSPOTS_BIND")
        .env("USER", "cli-tester");
    cmd
}

/// The file names of a database's latest ten loads, newest first.
fn run_files(store: &hotspots::Store) -> Vec<String> {
    let runs = store.runs(None, 10).expect("runs");
    runs.into_iter().map(|r| r.file_name).collect()
}

/// Runs a command some of whose files cannot be read: it exits 1, prints
/// `summary` for the files it loaded, and says each of `said`.
fn partly_loaded(cmd: &mut Command, summary: &str, said: &[&str]) {
    let out = cmd.output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        summary,
        "{err}"
    );
    for line in said {
        assert!(err.contains(line), "{line:?} not in {err}");
    }
}

/// Answers what the command printed; fails the test, with its standard error,
/// unless it succeeded.
fn succeeded(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs the command with `input` on its standard input; answers its output.
fn with_stdin(cmd: &mut Command, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    child.wait_with_output().expect("wait")
}

#[test]
fn ingest_prints_exact_summary_and_strict_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(MESSY, dir.path().join("messy.csv")).expect("copy");
    let out = succeeded(hotspots(dir.path()).args(["ingest", "--db", "t.duckdb", "messy.csv"]));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "read 25, stored 8, duplicates 1, rejected 16"
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("messy.csv: 16 rejected rows listed in messy.csv.rejects.csv"));
    assert!(dir.path().join("messy.csv.rejects.csv").exists());
    // One reject is one row.
    std::fs::write(
        dir.path().join("one.csv"),
        "report_id,lat,lng,observed_on,venue_type\nO1,52.1,-0.4,2025-13-01,car_wash\n",
    )
    .expect("write");
    let one = succeeded(hotspots(dir.path()).args(["ingest", "--db", "one.duckdb", "one.csv"]));
    assert!(
        String::from_utf8_lossy(&one.stderr)
            .contains("one.csv: 1 rejected row listed in one.csv.rejects.csv"),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    // The run says who loaded the file: the operating system's user.
    let runs = hotspots::Store::open(&dir.path().join("t.duckdb"))
        .expect("open")
        .runs(None, 10)
        .expect("runs");
    let loaded_by: Vec<Option<&str>> = runs.iter().map(|r| r.loaded_by.as_deref()).collect();
    assert_eq!(loaded_by, [Some("cli:cli-tester")]);

    let again = hotspots(dir.path())
        .args([
            "ingest",
            "--db",
            "t.duckdb",
            "--strict",
            "--rejects",
            "r.csv",
            "messy.csv",
        ])
        .output()
        .expect("run");
    assert_eq!(again.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "read 25, stored 0, duplicates 9, rejected 16"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("r.csv"))
            .expect("rejects")
            .lines()
            .count(),
        17
    );
}

/// `--encoding` names a file's text encoding as browsers do; an unknown
/// label is refused before anything is read, naming the flag.
#[test]
fn ingest_reads_the_encoding_it_is_told() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("excel.csv"),
        b"report_id,observed_on,venue_type,postcode,venue_name\nE1,2024-03-01,car_wash,PE13 1PE,Caf\xe9\n",
    )
    .expect("write");
    let out = succeeded(hotspots(dir.path()).args(["ingest", "--db", "t.duckdb", "excel.csv"]));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "read 1, stored 0, duplicates 0, rejected 1"
    );
    let out = succeeded(hotspots(dir.path()).args([
        "ingest",
        "--db",
        "t.duckdb",
        "--encoding",
        "windows-1252",
        "excel.csv",
    ]));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "read 1, stored 1, duplicates 0, rejected 0"
    );
    let bad = hotspots(dir.path())
        .args([
            "ingest",
            "--db",
            "t.duckdb",
            "--encoding",
            "klingon",
            "excel.csv",
        ])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(
        said.contains("--encoding") && said.contains("\"klingon\""),
        "{said}"
    );
}

/// More rejects than a load holds in memory are set aside beside the database,
/// so a service whose `$TMPDIR` is missing or read-only still lists them all.
#[test]
fn rejects_set_aside_need_no_tmpdir() {
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("report_id,observed_on,venue_type,lat,lng\n");
    let rows = 20_000;
    for i in 0..rows {
        let _ = writeln!(text, "B{i},2024-13-01,farm,52.6,0.1");
    }
    let _ = writeln!(text, "G,2024-03-01,farm,52.6,0.1");
    std::fs::write(dir.path().join("bad.csv"), text).expect("write");
    let out = succeeded(
        hotspots(dir.path())
            .env("TMPDIR", dir.path().join("no-such-dir"))
            .args([
                "ingest",
                "--db",
                "t.duckdb",
                "--rejects",
                "r.csv",
                "bad.csv",
            ]),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("read {}, stored 1, duplicates 0, rejected {rows}", rows + 1)
    );
    let listed = std::fs::read_to_string(dir.path().join("r.csv")).expect("rejects");
    // A header, then one line a reject (no field of these spans lines).
    assert_eq!(listed.lines().count(), rows + 1);
    assert!(!dir.path().join("no-such-dir").exists());
}

#[test]
fn ingest_from_standard_input_and_unreadable_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = with_stdin(
        hotspots(dir.path()).args(["ingest", "--db", "t.duckdb", "--source", "helpline", "-"]),
        b"date,venue,postcode\n2024-02-02,car wash,LU5 6HR\n",
    );
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "read 1, stored 1, duplicates 0, rejected 0"
    );

    let missing = hotspots(dir.path())
        .args(["ingest", "--db", "t.duckdb", "nope.csv"])
        .output()
        .expect("run");
    assert_eq!(missing.status.code(), Some(1));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("nope.csv") && err.contains("cannot read"),
        "{err}"
    );
    // The cause is said once, though the error's own text ends with it.
    assert_eq!(err.matches("(os error 2)").count(), 1, "{err}");

    // A workbook by name, or by its first bytes (an .xlsx is a zip), and
    // from standard input: said to be one, with how to save it as CSV.
    let zip = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00";
    std::fs::write(dir.path().join("book.xlsx"), b"anything").expect("write");
    std::fs::write(dir.path().join("saved.csv"), zip).expect("write");
    for args in [
        ["ingest", "book.xlsx"],
        ["ingest", "saved.csv"],
        ["ingest", "-"],
        ["premises", "saved.csv"],
    ] {
        let (command, file) = (args[0], args[1]);
        let mut cmd = hotspots(dir.path());
        if command == "premises" {
            cmd.args(["premises", "import"]);
        } else {
            cmd.arg(command);
        }
        let out = with_stdin(cmd.args(["--db", "t.duckdb", file]), zip);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let named = if file == "-" { "<stdin>" } else { file };
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{named}: a spreadsheet workbook"))
                && err.contains("\"CSV UTF-8 (Comma delimited)\""),
            "{args:?}: {err}"
        );
    }
    // A folder, with or without a format named: said to be one.
    std::fs::create_dir(dir.path().join("exports")).expect("mkdir");
    for args in [
        &["ingest", "--db", "t.duckdb", "exports"][..],
        &["ingest", "--db", "t.duckdb", "--format", "csv", "exports"],
        &["outcomes", "import", "--db", "t.duckdb", "exports"],
    ] {
        let out = hotspots(dir.path()).args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(
                "exports: a folder, not a file: name the files in it (e.g. exports/*.csv)"
            ),
            "{args:?}: {err}"
        );
    }
    let store = hotspots::Store::open(&dir.path().join("t.duckdb")).expect("open");
    assert_eq!(
        store.runs(None, 10).expect("runs").len(),
        1,
        "only the first load"
    );
}

#[test]
fn export_reports_csv_to_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(MESSY, dir.path().join("messy.csv")).expect("copy");
    assert!(hotspots(dir.path())
        .args(["ingest", "--db", "t.duckdb", "messy.csv"])
        .output()
        .expect("run")
        .status
        .success());
    succeeded(hotspots(dir.path()).args([
        "export",
        "reports",
        "--db",
        "t.duckdb",
        "--format",
        "csv",
        "--venue",
        "nail salon",
        "-o",
        "out.csv",
    ]));
    let text = std::fs::read_to_string(dir.path().join("out.csv")).expect("out");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let ids: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[1].to_owned())
        .collect();
    assert_eq!(
        ids,
        vec!["MESSY-021", "MESSY-003"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    );

    let bad = hotspots(dir.path())
        .args(["export", "reports", "--db", "t.duckdb", "--venue", "casino"])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--venue"));

    // `export emerging --category` keeps only those categories, as the API does.
    let categories = |args: &[&str]| -> Vec<String> {
        let out = succeeded(
            hotspots(dir.path())
                .args(["export", "emerging", "--db", "t.duckdb", "--format", "csv"])
                .args(args),
        );
        let mut reader = csv::Reader::from_reader(&out.stdout[..]);
        let column = (reader.headers().expect("header").iter())
            .position(|h| h == "category")
            .expect("a category column");
        reader
            .records()
            .map(|r| r.expect("row")[column].to_owned())
            .collect()
    };
    let all = categories(&[]);
    assert!(!all.is_empty());
    let first = all[0].clone();
    let some = categories(&["--category", &first]);
    assert_eq!(some.len(), all.iter().filter(|c| **c == first).count());
    assert!(some.iter().all(|c| *c == first));
    let bad = hotspots(dir.path())
        .args([
            "export",
            "emerging",
            "--db",
            "t.duckdb",
            "--category",
            "warm",
        ])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--category"));
}

/// An exported CSV marks text a spreadsheet would run as a formula with a
/// leading `'`; loaded back, the mark comes off: into the same database
/// every report is a duplicate (not a conflict), and into another the text
/// is as first loaded.
#[test]
fn an_exported_csv_loads_back_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("first.csv"),
        "report_id,source,observed_on,venue_type,venue_name,lat,lng,notes\n\
         F1,ngo,2025-01-02,car_wash,+Shine Wash,52.66,0.16,\"=HYPERLINK(\"\"http://x\"\",\"\"open\"\")\"\n\
         F2,ngo,2025-01-03,nail_bar,Nails,52.66,0.16,- men sleeping in the back\n\
         F3,ngo,2025-01-04,farm,'quoted farm,52.66,0.16,@ the gate\n",
    )
    .expect("write");
    succeeded(hotspots(dir.path()).args(["ingest", "--db", "a.duckdb", "first.csv"]));
    succeeded(hotspots(dir.path()).args([
        "export", "reports", "--db", "a.duckdb", "--format", "csv", "-o", "out.csv",
    ]));
    let exported = std::fs::read_to_string(dir.path().join("out.csv")).expect("out");
    assert!(
        exported.contains("'- men sleeping") && exported.contains("'+Shine Wash"),
        "the export marks formulas as text: {exported}"
    );
    let again = succeeded(hotspots(dir.path()).args(["ingest", "--db", "a.duckdb", "out.csv"]));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "read 3, stored 0, duplicates 3, rejected 0"
    );
    succeeded(hotspots(dir.path()).args(["ingest", "--db", "b.duckdb", "out.csv"]));
    let stored = |db: &str| -> Vec<(String, String, String)> {
        let store = hotspots::Store::open(&dir.path().join(db)).expect("open");
        let mut rows = Vec::new();
        store
            .for_each_report(&hotspots::store::ReportFilter::default(), |r| {
                rows.push((
                    r.report_id,
                    r.venue_name.unwrap_or_default(),
                    r.notes.unwrap_or_default(),
                ));
            })
            .expect("reports");
        rows.sort();
        rows
    };
    let first = stored("a.duckdb");
    assert_eq!(
        first[0],
        (
            "F1".to_owned(),
            "+Shine Wash".to_owned(),
            r#"=HYPERLINK("http://x","open")"#.to_owned()
        )
    );
    assert_eq!(first[2].1, "'quoted farm", "a quote no export adds stays");
    assert_eq!(stored("b.duckdb"), first);
}

/// Regression: `HOTSPOTS_INGEST_WORKERS=0` loaded nothing and committed "read 0".
#[test]
fn zero_ingest_workers_are_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(MESSY, dir.path().join("messy.csv")).expect("copy");
    for value in ["0", "many", "-1"] {
        let out = hotspots(dir.path())
            .env("HOTSPOTS_INGEST_WORKERS", value)
            .args(["ingest", "--db", "t.duckdb", "messy.csv"])
            .output()
            .expect("run");
        assert!(!out.status.success(), "{value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("HOTSPOTS_INGEST_WORKERS"), "{value}: {err}");
    }
    let store = hotspots::Store::open(&dir.path().join("t.duckdb")).expect("open");
    assert_eq!(
        store
            .count(hotspots::store::CountTable::Runs)
            .expect("runs"),
        0
    );
    drop(store);
    let out = succeeded(
        hotspots(dir.path())
            .env("HOTSPOTS_INGEST_WORKERS", "1")
            .args(["ingest", "--db", "t.duckdb", "messy.csv"]),
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("read 25, stored 8"));
}

/// `hotspots export` hands its flags to the API's parser: what the API
/// refuses, the command line refuses naming the same field, and what the API
/// answers, the command line writes byte for byte (bar the generation time).
#[test]
fn export_accepts_refuses_and_defaults_as_the_api_does() {
    use hotspots::publish::{self, Layer};
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(MESSY, dir.path().join("messy.csv")).expect("copy");
    succeeded(hotspots(dir.path()).args(["ingest", "--db", "t.duckdb", "messy.csv"]));
    let export = |args: &[&str]| {
        hotspots(dir.path())
            .args(["export"])
            .args(args)
            .args(["--db", "t.duckdb"])
            .output()
            .expect("run")
    };
    // Refused by both, naming the same parameter.
    for (layer, args, query) in [
        (
            Layer::Cells,
            &["cells", "--format", "json"][..],
            "format=json",
        ),
        (Layer::Cells, &["cells", "--res", "10"][..], "res=10"),
        (
            Layer::Hotspots,
            &["hotspots", "--kernel", "flat"][..],
            "kernel=flat",
        ),
        (
            Layer::Emerging,
            &["emerging", "--step", "year"][..],
            "step=year",
        ),
        (
            Layer::Emerging,
            &["emerging", "--min-reports", "0"][..],
            "min_reports=0",
        ),
        (
            Layer::Cells,
            &["cells", "--min-reports", "many"][..],
            "min_reports=many",
        ),
        (
            Layer::Towns,
            &["towns", "--level", "county"][..],
            "level=county",
        ),
        (
            Layer::Cells,
            &["cells", "--from", "2024-05-01", "--to", "2024-01-01"][..],
            "from=2024-05-01&to=2024-01-01",
        ),
        (
            Layer::Reports,
            &["reports", "--format", "json"][..],
            "format=json",
        ),
    ] {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).expect("query");
        let api = publish::parse(layer, &pairs).expect_err(query);
        let out = export(args);
        assert!(!out.status.success(), "{args:?} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("--{}: {}", api.field, api.message)),
            "{args:?}: {err}"
        );
    }
    // Accepted by both, with the same defaults: towns answer JSON rows.
    let towns = succeeded(hotspots(dir.path()).args(["export", "towns", "--db", "t.duckdb"]));
    let json: serde_json::Value = serde_json::from_slice(&towns.stdout).expect("towns as JSON");
    assert!(json["rows"].is_array(), "{json}");
    // The same bytes as the library renders for the API's request.
    let out = succeeded(hotspots(dir.path()).args([
        "export", "cells", "--db", "t.duckdb", "--res", "7", "--k", "2", "--format", "csv",
    ]));
    let request = publish::parse(
        Layer::Cells,
        &serde_urlencoded::from_str::<Vec<(String, String)>>("res=7&k=2&format=csv").expect("q"),
    )
    .expect("request");
    let store = hotspots::Store::open(&dir.path().join("t.duckdb")).expect("open");
    let rendered =
        publish::render(&store, &request, publish::ReportDetail { notes: true }).expect("render");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&rendered.body)
    );
}

/// Regression: a command against a database that `hotspots serve` holds
/// printed DuckDB's raw lock message.
#[test]
fn a_database_held_by_another_process_is_said_plainly() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(MESSY, dir.path().join("messy.csv")).expect("copy");
    succeeded(hotspots(dir.path()).args(["ingest", "--db", "t.duckdb", "messy.csv"]));
    // This test process holds the file as a server would.
    let held = hotspots::Store::open(&dir.path().join("t.duckdb")).expect("open");
    for (args, says) in [
        (
            &["export", "cells", "--db", "t.duckdb"][..],
            "hotspots serve",
        ),
        (
            &["ingest", "--db", "t.duckdb", "messy.csv"][..],
            "hotspots serve",
        ),
        // Account commands would go through a server's admin socket; this
        // holder is not a server.
        (
            &["users", "list", "--db", "t.duckdb"][..],
            "no hotspots server answers",
        ),
        (
            &["tokens", "list", "--db", "t.duckdb"][..],
            "no hotspots server answers",
        ),
    ] {
        let out = hotspots(dir.path()).args(args).output().expect("run");
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("is in use by another process"),
            "{args:?}: {err}"
        );
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("Conflicting lock"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    }
    drop(held);
}

/// While `hotspots serve` holds the database, `users` and `tokens` commands
/// are carried out by the server (its admin socket beside the database), and
/// what they did is there after it stops.
#[test]
fn account_commands_work_against_a_running_server() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = hotspots(dir.path())
        .args([
            "serve",
            "--db",
            "t.duckdb",
            "--bind",
            "127.0.0.1:0",
            "--create-admin",
            "boss",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    // Listening (and its socket made) once it says where it serves.
    let stdout = server.stdout.take().expect("stdout");
    let said = BufReader::new(stdout)
        .lines()
        .map(|l| l.expect("line"))
        .find(|l| l.starts_with("serving the dashboard on"));
    assert!(said.is_some(), "the server started");
    let run = |args: &[&str]| {
        let out = hotspots(dir.path())
            .args(args)
            .args(["--db", "t.duckdb"])
            .output()
            .expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&["users", "add", "bob", "--role", "analyst"]);
    assert!(ok, "{err}");
    assert!(
        out.starts_with("added bob (analyst); password (shown once): "),
        "{out}"
    );
    let (ok, out, err) = run(&["users", "list"]);
    assert!(ok, "{err}");
    assert!(
        out.lines().any(|l| l.starts_with("bob\tanalyst\tactive")),
        "{out}"
    );
    let (ok, out, err) = run(&["tokens", "create", "bob", "--label", "qgis"]);
    assert!(ok, "{err}");
    assert!(
        out.lines().nth(1).is_some_and(|t| t.starts_with("hs_")),
        "{out}"
    );
    // Refusals come back as the command's own error.
    let (ok, _, err) = run(&["users", "disable", "nobody"]);
    assert!(!ok);
    assert!(err.contains("no user nobody"), "{err}");
    let (ok, out, _) = run(&["users", "disable", "bob"]);
    assert!(ok && out.trim() == "bob disabled", "{out}");
    server.kill().ok();
    server.wait().expect("reap");
    // Stopped: the commands open the database themselves and see the changes.
    let (ok, out, err) = run(&["users", "list"]);
    assert!(ok, "{err}");
    assert!(
        out.lines().any(|l| l.starts_with("bob\tanalyst\tdisabled")),
        "{out}"
    );
    let (ok, out, _) = run(&["tokens", "list"]);
    assert!(ok && out.contains("bob\tqgis"), "{out}");
}

/// `hotspots ingest` faults its memory in small pages (`cli::process`): the
/// kernel says huge pages are off for the process while it loads. Checked
/// once the load has staged its first batch (its own progress line says so),
/// from standard input held open, so the process is still running.
#[test]
fn ingest_runs_without_transparent_huge_pages() {
    use std::fmt::Write as _;
    use std::io::{BufRead, BufReader, Write as _};
    use std::process::Stdio;

    let has_field = std::fs::read_to_string("/proc/self/status")
        .is_ok_and(|status| status.contains("THP_enabled:"));
    if !has_field {
        return; // Not Linux, or a kernel that does not say.
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = hotspots(dir.path())
        .args(["ingest", "--progress", "lines", "--db", "t.duckdb", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ingest");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut rows = String::from("report_id,observed_on,venue_type,lat,lng\n");
    for i in 0..3_000 {
        let _ = writeln!(rows, "T{i},2024-03-01,car_wash,51.5,-0.12");
    }
    stdin.write_all(rows.as_bytes()).expect("write rows");
    stdin.flush().expect("flush");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let progress = stderr
        .by_ref()
        .map(|line| line.expect("a line"))
        .find(|line| line.starts_with("progress:"));
    assert!(progress.is_some(), "no progress line");
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).expect("status");
    let thp = status
        .lines()
        .find_map(|l| l.strip_prefix("THP_enabled:"))
        .map(str::trim);
    drop(stdin);
    let _rest: Vec<_> = stderr.collect();
    assert!(child.wait().expect("wait").success());
    assert_eq!(thp, Some("0"));
}

/// `--rejects PATH` over several files lists every file's rejects in the one
/// file (its header once, the files in order), and a later command replaces
/// it; without it, each file's own rejects file is beside it.
#[test]
fn one_rejects_file_lists_every_file_of_the_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let header = "report_id,lat,lng,observed_on,venue_type,notes\n";
    let files = [
        (
            "a.csv",
            "A1,52.1,-0.4,2025-13-01,car_wash,\nA2,52.1,-0.4,2025-01-01,spaceship,\"two\nlines\"\n",
        ),
        ("b.csv", "B1,52.1,-0.4,2025-01-02,car_wash,\n"),
        ("c.csv", "C1,52.1,-0.4,2025-14-01,farm,\n"),
    ];
    for (name, rows) in files {
        std::fs::write(dir.path().join(name), format!("{header}{rows}")).expect("write");
    }
    // (file, line, field) of each row of a rejects file, read with the csv crate.
    let listed = |name: &str| -> Vec<(String, String, String)> {
        let mut reader = csv::Reader::from_path(dir.path().join(name)).expect("rejects file");
        assert_eq!(
            reader.headers().expect("header"),
            vec!["file", "line", "field", "reason", "raw"]
        );
        reader
            .records()
            .map(|r| {
                let r = r.expect("row");
                (r[0].to_owned(), r[1].to_owned(), r[2].to_owned())
            })
            .collect()
    };
    let expected = |files: &[&str]| -> Vec<(String, String, String)> {
        let all = [
            ("a.csv", "2", "observed_on"),
            ("a.csv", "3", "venue_type"),
            ("c.csv", "2", "observed_on"),
        ];
        all.iter()
            .filter(|(f, _, _)| files.contains(f))
            .map(|(f, l, c)| ((*f).to_owned(), (*l).to_owned(), (*c).to_owned()))
            .collect()
    };
    let ingest = |db: &str, args: &[&str]| {
        let out = succeeded(hotspots(dir.path()).args(["ingest", "--db", db]).args(args));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let said = ingest(
        "t.duckdb",
        &["--rejects", "all.csv", "a.csv", "b.csv", "c.csv"],
    );
    assert_eq!(listed("all.csv"), expected(&["a.csv", "c.csv"]), "{said}");
    assert!(
        said.contains("a.csv: 2 rejected rows listed in all.csv")
            && said.contains("c.csv: 1 rejected row listed in all.csv"),
        "{said}"
    );
    // The next command's rejects replace the last one's.
    ingest("u.duckdb", &["--rejects", "all.csv", "c.csv"]);
    assert_eq!(listed("all.csv"), expected(&["c.csv"]));
    // Without `--rejects`, each file's own, beside it, replaced each time.
    ingest("v.duckdb", &["a.csv", "c.csv"]);
    ingest("w.duckdb", &["a.csv", "c.csv"]);
    assert_eq!(listed("a.csv.rejects.csv"), expected(&["a.csv"]));
    assert_eq!(listed("c.csv.rejects.csv"), expected(&["c.csv"]));

    // A premises register's import alike.
    let register = "premises_id,name,venue_type,postcode\n";
    std::fs::write(
        dir.path().join("p1.csv"),
        format!("{register}P1,Wash,spaceship,PE13 1AA\nP2,Wash,car_wash,PE13 1AA\n"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("p2.csv"),
        format!("{register}P3,Nails,nail_bar,NOT A POSTCODE\n"),
    )
    .expect("write");
    succeeded(hotspots(dir.path()).args([
        "premises",
        "import",
        "--db",
        "t.duckdb",
        "--rejects",
        "reg.csv",
        "p1.csv",
        "p2.csv",
    ]));
    let files: Vec<(String, String)> = listed("reg.csv")
        .into_iter()
        .map(|(f, l, _)| (f, l))
        .collect();
    assert_eq!(
        files,
        [
            ("p1.csv".to_owned(), "2".to_owned()),
            ("p2.csv".to_owned(), "2".to_owned())
        ]
    );
}

#[test]
fn a_file_that_cannot_be_read_does_not_stop_the_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let header = "report_id,lat,lng,observed_on,venue_type\n";
    for (name, text) in [
        (
            "a.csv",
            format!("{header}A1,52.1,-0.4,2025-01-01,car_wash\nA2,52.1,-0.4,2025-13-01,farm\n"),
        ),
        (
            "noheader.csv",
            "A1,52.1,-0.4,2025-01-01,car_wash\n".to_owned(),
        ),
        (
            "c.csv",
            format!("{header}C1,52.1,-0.4,2025-01-02,farm\nC2,52.1,-0.4,2025-14-01,farm\n"),
        ),
        // Left by an earlier command: replaced, though the first file fails.
        ("all.csv", "stale\n".to_owned()),
    ] {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let files = ["missing.csv", "a.csv", "noheader.csv", "c.csv"];
    partly_loaded(
        hotspots(dir.path())
            .args(["ingest", "--db", "t.duckdb", "--rejects", "all.csv"])
            .args(files),
        "read 4, stored 2, duplicates 0, rejected 2",
        &[
            "hotspots: missing.csv: cannot read",
            "hotspots: noheader.csv: line 1: header",
            "2 of 4 files could not be read and were not loaded; the other 2 were",
        ],
    );
    let runs = run_files(&hotspots::Store::open(&dir.path().join("t.duckdb")).expect("open"));
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(
        runs.iter().all(|f| f == "a.csv" || f == "c.csv"),
        "{runs:?}"
    );
    let listed = crate::support::rejects_listed(&dir.path().join("all.csv"));
    assert_eq!(
        listed,
        [
            ("a.csv".to_owned(), "3".to_owned()),
            ("c.csv".to_owned(), "3".to_owned())
        ]
    );

    // A register import alike: the readable file is imported and linked.
    std::fs::write(
        dir.path().join("reg.csv"),
        "premises_id,name,venue_type,lat,lng\nP1,Wash,car_wash,52.1,-0.4\n",
    )
    .expect("write");
    let out = hotspots(dir.path())
        .args([
            "premises", "import", "--db", "t.duckdb", "gone.csv", "reg.csv",
        ])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("hotspots: gone.csv: cannot read") && err.contains("linked "),
        "{err}"
    );
    let store = hotspots::Store::open(&dir.path().join("t.duckdb")).expect("open");
    let formats: Vec<(String, String)> = store
        .runs(None, 10)
        .expect("runs")
        .into_iter()
        .map(|r| (r.file_name, r.format))
        .filter(|(_, format)| format.starts_with("premises"))
        .collect();
    assert_eq!(formats, [("reg.csv".to_owned(), "premises-csv".to_owned())]);
}

/// A rejects file that cannot be written (here its path is a folder; a
/// read-only share is the same) does not undo the load it lists: the
/// command says that file is loaded and where its rejects are kept, loads
/// the files after it, and exits 1. A register import alike.
#[test]
fn a_rejects_file_that_cannot_be_written_is_said_and_the_loads_go_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let header = "report_id,lat,lng,observed_on,venue_type\n";
    for (name, rows) in [
        ("a.csv", "A1,52.1,-0.4,2025-01-01,car_wash\nA2,52.1,-0.4,2025-13-01,farm\n"),
        ("b.csv", "B1,52.1,-0.4,2025-01-02,farm\nB2,52.1,-0.4,2025-02-30,farm\nB3,52.1,-0.4,2025-01-03,nail_bar\n"),
        ("c.csv", "C1,52.1,-0.4,2025-01-04,farm\n"),
    ] {
        std::fs::write(dir.path().join(name), format!("{header}{rows}")).expect("write");
    }
    std::fs::create_dir(dir.path().join("b.csv.rejects.csv")).expect("a folder in the way");
    partly_loaded(
        hotspots(dir.path()).args(["ingest", "--db", "t.duckdb", "a.csv", "b.csv", "c.csv"]),
        "read 6, stored 4, duplicates 0, rejected 2",
        &[
            "a.csv: 1 rejected row listed in a.csv.rejects.csv",
            "hotspots: b.csv.rejects.csv: cannot write rejects: ",
            "; b.csv is loaded all the same (load 2), and its 1 rejected row is kept with that load (the server's /loads/2 lists them;",
        ],
    );
    let store = hotspots::Store::open(&dir.path().join("t.duckdb")).expect("open");
    let mut runs = run_files(&store);
    runs.sort();
    assert_eq!(runs, ["a.csv", "b.csv", "c.csv"]);
    // What the rejects file would have listed is in the database, by its load.
    let mut kept = Vec::new();
    store
        .rejects_for_run(2, |r| kept.push((r.file.clone(), r.line, r.field.clone())))
        .expect("rejects");
    assert_eq!(kept, [("b.csv".to_owned(), 3, "observed_on".to_owned())]);
    drop(store);

    std::fs::write(
        dir.path().join("reg.csv"),
        "premises_id,name,venue_type,lat,lng\nP1,Wash,car_wash,52.1,-0.4\n",
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("reg.csv.rejects.csv")).expect("a folder in the way");
    let out = hotspots(dir.path())
        .args(["premises", "import", "--db", "t.duckdb", "reg.csv"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("; reg.csv is loaded all the same (load 4), and it had no rejected rows")
            && err.contains("linked "),
        "{err}"
    );
}

/// `path` as a zip archive of `members` (name, bytes), deflated.
fn write_zip(path: &std::path::Path, members: &[(&str, &[u8])]) {
    std::fs::write(path, crate::support::zip_of(members)).expect("write the archive");
}

/// A zip archive loads as its files would, each member a file of its own
/// named `ARCHIVE/MEMBER`, its rejects in one file beside the archive; what
/// is not a file to load is left out; an archive that does not open, or
/// holds nothing to load, is said by name and the others still load. The
/// same for police.uk's downloads in `context import`.
#[test]
fn a_zip_archive_loads_as_its_files_would() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = "report_id,lat,lng,observed_on,venue_type\n\
               A1,52.1,-0.4,2025-01-01,car_wash\nA2,52.1,-0.4,2025-13-01,farm\n\
               A3,52.2,-0.4,2025-01-03,farm\n";
    let nested = "report_id,lat,lng,observed_on,venue_type\nB1,52.3,-0.5,2025-02-01,nail_bar\n\
                  B2,0.1,52.3,2025-02-01,nail_bar\n";
    let jsonl = "{\"report_id\":\"J1\",\"lat\":52.4,\"lng\":-0.3,\"observed_on\":\"2025-03-01\",\"venue_type\":\"farm\"}\n\
                 {\"report_id\":\"J2\", broken\n";
    let members: [(&str, &[u8]); 6] = [
        ("a.csv", csv.as_bytes()),
        ("README.txt.md", b"not data"),
        ("2025/b.csv", nested.as_bytes()),
        ("__MACOSX/2025/._b.csv", b"\0\x05\x16\x07 resource fork"),
        ("j.jsonl", jsonl.as_bytes()),
        ("2025/", b""),
    ];
    write_zip(&dir.path().join("reports.zip"), &members);
    write_zip(&dir.path().join("notes.zip"), &[("notes.md", b"# notes")]);
    std::fs::write(dir.path().join("broken.zip"), b"PK\x03\x04 not really").expect("write");
    // The same files, unpacked, loaded one by one into another database.
    for (name, text) in [("a.csv", csv), ("b.csv", nested), ("j.jsonl", jsonl)] {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    succeeded(hotspots(dir.path()).args([
        "ingest",
        "--db",
        "plain.duckdb",
        "a.csv",
        "b.csv",
        "j.jsonl",
    ]));

    partly_loaded(
        hotspots(dir.path()).args([
            "ingest",
            "--db",
            "zipped.duckdb",
            "broken.zip",
            "reports.zip",
            "notes.zip",
        ]),
        "read 7, stored 4, duplicates 0, rejected 3",
        &[
            "hotspots: broken.zip: not a zip archive that can be read",
            "hotspots: notes.zip: nothing in this archive to load",
            "2 of 5 files could not be read and were not loaded; the other 3 were",
        ],
    );
    let stored = |db: &str| {
        let store = hotspots::Store::open(&dir.path().join(db)).expect("open");
        let runs = run_files(&store);
        let mut ids: Vec<String> = Vec::new();
        store
            .for_each_report(&hotspots::store::ReportFilter::default(), |r| {
                ids.push(r.report_id);
            })
            .expect("reports");
        ids.sort();
        (runs, ids)
    };
    let (plain_runs, plain_ids) = stored("plain.duckdb");
    let (zipped_runs, zipped_ids) = stored("zipped.duckdb");
    assert_eq!(zipped_ids, plain_ids);
    assert_eq!(plain_ids, ["A1", "A3", "B1", "J1"]);
    let mut zipped_runs = zipped_runs;
    zipped_runs.sort();
    assert_eq!(
        zipped_runs,
        [
            "reports.zip/2025/b.csv",
            "reports.zip/a.csv",
            "reports.zip/j.jsonl"
        ],
        "{plain_runs:?}"
    );
    // One rejects file for the archive, each member's rows by its own lines,
    // as the unpacked files list theirs.
    let zipped = crate::support::rejects_listed(&dir.path().join("reports.zip.rejects.csv"));
    let mut unpacked = Vec::new();
    for (name, member) in [
        ("a.csv", "a.csv"),
        ("b.csv", "2025/b.csv"),
        ("j.jsonl", "j.jsonl"),
    ] {
        let listed =
            crate::support::rejects_listed(&dir.path().join(format!("{name}.rejects.csv")));
        unpacked.extend(
            listed
                .into_iter()
                .map(|(_, line)| (format!("reports.zip/{member}"), line)),
        );
    }
    assert_eq!(zipped, unpacked);
    assert_eq!(zipped.len(), 3);

    // police.uk's download: the street files of a zip, the other kinds left out.
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/demo/context");
    let street = std::fs::read(demo.join("2025-01-demo-street.csv")).expect("demo month");
    write_zip(
        &dir.path().join("police.zip"),
        &[
            ("2025-01/2025-01-demo-street.csv", &street),
            ("2025-01/2025-01-demo-outcomes.csv", b"Crime ID,Month\n"),
        ],
    );
    std::fs::write(dir.path().join("2025-01-demo-street.csv"), &street).expect("write");
    let summary = |args: &[&str]| {
        let out = succeeded(
            hotspots(dir.path())
                .args(["context", "import", "police-uk"])
                .args(args),
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let zipped = summary(&["--db", "zctx.duckdb", "police.zip"]);
    let plain = summary(&["--db", "pctx.duckdb", "2025-01-demo-street.csv"]);
    assert_eq!(zipped, plain);
    assert!(
        zipped.starts_with("read ") && !zipped.starts_with("read 0,"),
        "{zipped}"
    );

    // A premises register sent zipped imports as its file would, and links.
    write_zip(
        &dir.path().join("register.zip"),
        &[(
            "register/premises.csv",
            b"premises_id,name,venue_type,lat,lng\nP1,Wash,car_wash,52.1,-0.4\nP2,Nails,nail_bar,99,0\n",
        )],
    );
    let out = succeeded(hotspots(dir.path()).args([
        "premises",
        "import",
        "--db",
        "zipped.duckdb",
        "register.zip",
    ]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("linked "), "{err}");
    let store = hotspots::Store::open(&dir.path().join("zipped.duckdb")).expect("open");
    assert!(
        run_files(&store).contains(&"register.zip/register/premises.csv".to_owned()),
        "{:?}",
        run_files(&store)
    );
    let premises: Vec<String> = store
        .premises()
        .expect("premises")
        .into_iter()
        .filter(|p| p.origin != "reports")
        .map(|p| p.premises_id)
        .collect();
    assert_eq!(premises, ["P1"]);
    let listed = crate::support::rejects_listed(&dir.path().join("register.zip.rejects.csv"));
    assert_eq!(
        listed,
        [(
            "register.zip/register/premises.csv".to_owned(),
            "3".to_owned()
        )]
    );
}
