//! The bad-input corpus (`tests/corpus/`, plus a 10 MB line made here so it is
//! not committed): for every file, read = stored + duplicates + rejected, the
//! store agrees, and nothing panics. A file that cannot be read at all is a
//! clear error naming it, and stores nothing.

use hotspots::ingest::{self, Input, LoadOptions};
use hotspots::store::CountTable;
use hotspots::Store;

fn load(store: &mut Store, name: &str, bytes: Vec<u8>) -> Result<ingest::FileSummary, String> {
    let options = LoadOptions {
        format: hotspots::ingest::Format::from_path(name),
        default_source: Some("corpus".into()),
        no_rejects_file: true,
        ..LoadOptions::default()
    };
    let input = Input::Reader {
        name: name.to_owned(),
        reader: Box::new(std::io::Cursor::new(bytes)),
    };
    ingest::load(store, input, &options, None).map_err(|e| e.to_string())
}

fn check(name: &str, bytes: Vec<u8>) -> Option<ingest::FileSummary> {
    let mut store = Store::open_in_memory().expect("store");
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        load(&mut store, name, bytes)
    }))
    .unwrap_or_else(|_| panic!("{name}: the loader panicked"));
    let stored_rows = store.count(CountTable::Reports).expect("count");
    match outcome {
        Ok(summary) => {
            let c = summary.counts;
            assert_eq!(
                c.read,
                c.stored + c.duplicates + c.rejected,
                "{name}: {c:?}"
            );
            assert_eq!(
                stored_rows, c.stored,
                "{name}: the store holds what the summary says"
            );
            assert_eq!(
                store.count(CountTable::Rejects).expect("rejects"),
                c.rejected,
                "{name}"
            );
            Some(summary)
        }
        Err(message) => {
            assert!(
                message.contains(name),
                "{name}: the error names the file: {message}"
            );
            assert_eq!(stored_rows, 0, "{name}: a failed file stores nothing");
            None
        }
    }
}

#[test]
fn every_corpus_file_balances_and_nothing_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    assert!(names.len() >= 8);
    for path in names {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let summary = check(&name, std::fs::read(&path).expect("read"));
        match name.as_str() {
            "every_reject.csv" => {
                let c = summary.expect("readable").counts;
                // A row without report_id gets a content-derived id (interface.md), so it is stored.
                assert_eq!((c.read, c.stored, c.duplicates), (12, 2, 1), "{c:?}");
                assert_eq!(c.rejected, 9);
            }
            "empty.csv" | "header_only.csv" => {
                assert_eq!(
                    summary.expect("an empty file is not an error").counts.read,
                    0
                );
            }
            "binary_garbage.csv" => {
                // Its first bytes, its header, name no column a report
                // needs: the file stops there (the error names it, above).
                assert!(summary.is_none(), "not a file of reports");
            }
            "hostile_text.csv" => assert_eq!(summary.expect("readable").counts.stored, 2),
            // The quote's line is set aside; the rows after it are rows.
            "unclosed_quote.csv" => {
                let c = summary.expect("readable").counts;
                assert_eq!((c.read, c.stored, c.rejected), (4, 3, 1), "{c:?}");
            }
            "invalid_utf8.csv" => {
                let c = summary.expect("readable").counts;
                assert_eq!(c.read, 2);
                assert_eq!(c.stored, 1, "the good row is kept: {c:?}");
            }
            _ => {}
        }
    }
}

#[test]
fn a_ten_megabyte_line_is_rejected_not_fatal() {
    let mut body = b"report_id,observed_on,venue_type,postcode,notes\n".to_vec();
    body.extend_from_slice(b"big,01/02/2024,car_wash,PE13 1AA,");
    body.extend(std::iter::repeat_n(b'x', 10 << 20));
    body.extend_from_slice(b"\nok,01/02/2024,car_wash,PE13 1AA,fine\n");
    let summary = check("ten_mb_line.csv", body).expect("readable");
    assert_eq!(summary.counts.read, 2);
    assert!(summary.counts.stored >= 1, "the ordinary row is stored");
}
