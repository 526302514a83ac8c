//! Crash safety: `hotspots ingest` killed with SIGKILL at several points spread
//! over a real load (after its transaction has begun and DuckDB has taken rows:
//! the kill waits for the load's own progress lines, not for time) leaves a
//! database that opens and holds none or all of that file, beside a file
//! committed before; a re-run then stores every report exactly once.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use hotspots::store::CountTable;
use hotspots::Store;

const ROWS: u64 = 200_000;
/// A file committed before the one that is killed: it must survive whole.
const EARLIER_ROWS: u64 = 1_000;

fn write_reports(path: &Path, prefix: &str, rows: u64) {
    let mut csv = String::from("report_id,observed_on,venue_type,postcode,notes\n");
    for i in 0..rows {
        let _ = writeln!(
            csv,
            "{prefix}{i},{:02}/0{}/2024,nail_bar,PE13 1AA,row {i}",
            1 + i % 28,
            1 + i % 9
        );
    }
    std::fs::write(path, csv).expect("write input");
}

fn ingest(db: &Path, input: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotspots"));
    cmd.args(["ingest", "--progress", "lines", "--db"])
        .arg(db)
        .arg(input);
    cmd
}

fn stored(db: &Path) -> u64 {
    Store::open(db)
        .expect("the database opens")
        .count(CountTable::Reports)
        .expect("count")
}

/// Starts the load, waits until it says at least `rows` rows are staged
/// (inside its transaction, most of them taken by DuckDB's insert), kills it
/// and answers the rows it had staged.
fn kill_after(db: &Path, input: &Path, rows: u64) -> u64 {
    let mut child = ingest(db, input)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ingest");
    let stderr = child.stderr.take().expect("stderr");
    let mut staged = 0;
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("a progress line");
        if let Some(n) = line
            .strip_prefix("progress: ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
        {
            staged = n;
            if staged >= rows {
                break;
            }
        }
    }
    child.kill().ok(); // SIGKILL on Unix
    let status = child.wait().expect("reap");
    assert!(
        staged >= rows,
        "the load ended before staging {rows} rows ({staged}): {status:?}"
    );
    staged
}

#[test]
fn sigkill_during_ingest_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let earlier = dir.path().join("earlier.csv");
    let input = dir.path().join("big.csv");
    write_reports(&earlier, "e", EARLIER_ROWS);
    write_reports(&input, "k", ROWS);
    // A quarter, half and nine tenths of the way through: each past the
    // batches the insert statement may hold waiting (8 of 2,048 rows).
    for fraction in [4, 2] {
        let db = dir.path().join(format!("crash-{fraction}.duckdb"));
        let out = ingest(&db, &earlier).output().expect("earlier file");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for at in [ROWS / fraction, ROWS * 9 / 10] {
            let staged = kill_after(&db, &input, at);
            let after = stored(&db);
            assert!(
                after == EARLIER_ROWS || after == EARLIER_ROWS + ROWS,
                "killed with {staged} rows staged: none or all of the file beside the earlier one, got {after}"
            );
        }
        let rerun = ingest(&db, &input).output().expect("re-run");
        assert!(
            rerun.status.success(),
            "{}",
            String::from_utf8_lossy(&rerun.stderr)
        );
        assert_eq!(
            stored(&db),
            EARLIER_ROWS + ROWS,
            "every report exactly once"
        );
        let rerun = ingest(&db, &input).output().expect("second re-run");
        assert!(String::from_utf8_lossy(&rerun.stdout)
            .contains(&format!("stored 0, duplicates {ROWS}, rejected 0")));
    }
}
