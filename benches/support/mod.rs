//! What the benches share: the database they measure on.

/// A fresh copy (named `name`) of the 1M-report database the ingest bench
/// leaves in `$CARGO_TARGET_DIR/tmp/ingest-bench/ours.duckdb`, or the bundled
/// demo in memory when that bench has not been run. Says which on stdout.
pub fn bench_store(name: &str) -> hotspots::Store {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let big = std::path::Path::new(&target).join("tmp/ingest-bench/ours.duckdb");
    if big.exists() {
        let copy = std::path::Path::new(&target).join(format!("tmp/{name}.duckdb"));
        std::fs::copy(&big, &copy).expect("copy the bench database");
        // A previous run's write-ahead log belongs to the old copy.
        let _ = std::fs::remove_file(copy.with_extension("duckdb.wal"));
        println!(
            "database: {} (copy of the ingest bench's reports)",
            copy.display()
        );
        hotspots::Store::open(&copy).expect("open")
    } else {
        println!("database: the bundled demo (run `cargo bench --bench ingest` for 1M reports)");
        let mut store = hotspots::Store::open_in_memory().expect("store");
        hotspots::demo::load_demo(&mut store).expect("demo");
        store
    }
}
