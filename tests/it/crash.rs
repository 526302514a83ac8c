//! Crash safety: `hotspots ingest` killed with SIGKILL while it loads a large
//! file leaves a database that opens and holds none or all of that file; a
//! re-run stores every report exactly once. Whatever moment the kill lands,
//! the assertions hold, so the test cannot flake on a slow or fast machine.

use std::fmt::Write as _;
use std::process::{Command, Stdio};

use hotspots::store::CountTable;
use hotspots::Store;

const ROWS: u64 = 200_000;

#[test]
fn sigkill_during_ingest_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("big.csv");
    let db = dir.path().join("crash.duckdb");
    let mut csv = String::from("report_id,observed_on,venue_type,postcode,notes\n");
    for i in 0..ROWS {
        let _ = writeln!(
            csv,
            "k{i},{:02}/0{}/2024,nail_bar,PE13 1AA,row {i}",
            1 + i % 28,
            1 + i % 9
        );
    }
    std::fs::write(&input, csv).expect("write input");
    let exe = env!("CARGO_BIN_EXE_hotspots");

    let mut child = Command::new(exe)
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ingest");
    // Kill it once the database file exists (created whole, so the load has
    // begun).
    while !db.exists() && child.try_wait().expect("poll").is_none() {
        std::thread::yield_now();
    }
    child.kill().ok(); // SIGKILL on Unix
    let status = child.wait().expect("reap");
    // The kill landed mid-run: 200,000 rows take seconds, the kill follows the
    // file's creation at once.
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "ingest was killed, not finished: {status:?}"
    );

    {
        let store = Store::open(&db).expect("the database opens after SIGKILL");
        let stored = store.count(CountTable::Reports).expect("count");
        assert!(
            stored == 0 || stored == ROWS,
            "none or all of the file, got {stored}"
        );
    }

    let rerun = Command::new(exe)
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&input)
        .output()
        .expect("re-run");
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    let store = Store::open(&db).expect("open");
    assert_eq!(
        store.count(CountTable::Reports).expect("count"),
        ROWS,
        "every report exactly once"
    );
}
