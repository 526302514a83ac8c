//! What the benches share: the database they measure on.

/// A fresh copy of the 1M-report database the ingest bench leaves in
/// `$CARGO_TARGET_DIR/tmp/ingest-bench/ours.duckdb`, or the bundled demo in
/// memory when that bench has not been run. Says which on stdout.
///
/// The copy is in a directory of its own (prefixed `name`), removed when the
/// returned guard drops: two benches running at once used to copy onto, and
/// open, the same file.
pub fn bench_store(name: &str) -> (hotspots::Store, Option<tempfile::TempDir>) {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let big = std::path::Path::new(&target).join("tmp/ingest-bench/ours.duckdb");
    if big.exists() {
        let dir = tempfile::Builder::new()
            .prefix(name)
            .tempdir_in(std::path::Path::new(&target).join("tmp"))
            .expect("a directory for the copy");
        let copy = dir.path().join("reports.duckdb");
        std::fs::copy(&big, &copy).expect("copy the bench database");
        println!(
            "database: {} (copy of the ingest bench's reports)",
            copy.display()
        );
        (hotspots::Store::open(&copy).expect("open"), Some(dir))
    } else {
        println!("database: the bundled demo (run `cargo bench --bench ingest` for 1M reports)");
        let mut store = hotspots::Store::open_in_memory().expect("store");
        hotspots::demo::load_demo(&mut store).expect("demo");
        (store, None)
    }
}
