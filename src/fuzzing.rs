//! The bodies of the cargo-fuzz targets (`fuzz/fuzz_targets/`), here so that
//! `tests/fuzz_corpus.rs` replays their corpus as ordinary tests. Each checks
//! the property the target guards, not only "does not panic".

use crate::ingest::Format;
use crate::ingest::{self, Input, LoadOptions};
use crate::publish::{self, Layer};
use crate::store::Store;

/// Any bytes as a CSV, JSON Lines or GeoJSON file (the first byte picks the
/// format): the load never panics, and when it succeeds
/// read = stored + duplicates + rejected.
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
        if let Ok(summary) = ingest::load(store, input, &options, None) {
            let c = summary.counts;
            assert_eq!(c.read, c.stored + c.duplicates + c.rejected, "{c:?}");
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

/// Any query string for any layer: parsing never panics, and the canonical key
/// of an accepted query is stable under re-parsing.
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
        let again = publish::parse(layer, &pairs).expect("accepted once, accepted twice");
        assert_eq!(first.canonical, again.canonical);
    }
}
