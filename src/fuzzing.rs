//! The bodies of the cargo-fuzz targets (`fuzz/fuzz_targets/`), here so that
//! `tests/it/fuzz_corpus.rs` replays their corpus as ordinary tests. Each checks
//! the property the target guards, not only "does not panic".

use crate::ingest::Format;
use crate::ingest::{self, Input, LoadOptions};
use crate::publish::{self, Layer};
use crate::store::Store;

/// Any bytes as a CSV, JSON Lines or GeoJSON file (the first byte picks the
/// format): the load never panics; it succeeds with
/// read = stored + duplicates + rejected, or fails only because the file
/// cannot be read as that format. A load the store refuses to commit because
/// it does not balance (`StoreError::Unbalanced`), or any other store error,
/// fails the property.
pub fn row_parsing(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let format = match pick % 3 {
        0 => Format::Csv,
        1 => Format::Jsonl,
        _ => Format::Geojson,
    };
    // One store for every input of a run: opening DuckDB and migrating it took
    // ~1 s an input (one execution a second). Later inputs meet the keys of
    // earlier ones (duplicates, conflicts), which the property must survive too.
    thread_local! {
        static STORE: std::cell::RefCell<Option<Store>> = const { std::cell::RefCell::new(None) };
    }
    let options = LoadOptions {
        format: Some(format),
        default_source: Some("fuzz".into()),
        no_rejects_file: true,
        ..LoadOptions::default()
    };
    let input = Input::Reader {
        name: "fuzz".into(),
        reader: Box::new(std::io::Cursor::new(body.to_vec())),
    };
    STORE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Store::open_in_memory().ok();
        }
        let Some(store) = slot.as_mut() else {
            return;
        };
        match ingest::load(store, input, &options, None) {
            Ok(summary) => {
                let c = summary.counts;
                assert_eq!(c.read, c.stored + c.duplicates + c.rejected, "{c:?}");
            }
            Err(ingest::PipelineError::Ingest(_)) => {}
            Err(other) => panic!("the load failed for a reason other than the file: {other}"),
        }
    });
}

/// Any text as a postcode: parsing never panics, and a parsed postcode prints
/// in a form that parses back to itself.
pub fn postcode(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = text.parse::<crate::geo::Postcode>() {
        let printed = p.to_string();
        assert_eq!(
            printed.parse::<crate::geo::Postcode>().ok(),
            Some(p),
            "{text:?}"
        );
    }
}

/// Any query string for any layer: parsing never panics, and an accepted
/// query's canonical form is itself accepted and parses to the same request
/// (same canonical form, same query), so the cache key names one answer.
pub fn layer_query(data: &[u8]) {
    let Some((&pick, query)) = data.split_first() else {
        return;
    };
    let layer = [
        Layer::Cells,
        Layer::Hotspots,
        Layer::Emerging,
        Layer::Reports,
        Layer::Towns,
    ][usize::from(pick) % 5];
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(query) else {
        return;
    };
    if let Ok(first) = publish::parse(layer, &pairs) {
        let canonical: Vec<(String, String)> =
            serde_urlencoded::from_str(&first.canonical).expect("the canonical form is a query");
        let again = publish::parse(layer, &canonical).unwrap_or_else(|e| {
            panic!("{:?} refused its own canonical form: {e}", first.canonical)
        });
        assert_eq!(first.canonical, again.canonical);
        assert_eq!(format!("{:?}", first.query), format!("{:?}", again.query));
        assert_eq!(
            (first.format, first.download, first.all, first.level),
            (again.format, again.download, again.all, again.level)
        );
    }
}
