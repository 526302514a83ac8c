//! The cargo-fuzz corpus (`fuzz/corpus/<target>/`) replayed as ordinary tests,
//! through the same bodies the fuzz targets call (`hotspots::fuzzing`). New
//! inputs found by `cargo fuzz run TARGET` (from `fuzz/`) are added there and
//! so become regression tests.

fn replay(target: &str, run: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{target}: empty corpus");
    for path in files {
        let data = std::fs::read(&path).expect("read");
        assert!(
            std::panic::catch_unwind(|| run(&data)).is_ok(),
            "{target}: {} fails",
            path.display()
        );
    }
}

#[test]
fn row_parsing_corpus() {
    replay("row_parsing", hotspots::fuzzing::row_parsing);
}

#[test]
fn postcode_corpus() {
    replay("postcode", hotspots::fuzzing::postcode);
}

#[test]
fn layer_query_corpus() {
    replay("layer_query", hotspots::fuzzing::layer_query);
}
