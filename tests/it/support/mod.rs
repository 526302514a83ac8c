//! Helpers shared by the integration tests: the in-process router runner and
//! test accounts (`router`), and a served app driven by Chromium (`browser`,
//! also used by `benches/map.rs`), and how the pages say a place.

pub mod browser;
pub mod router;

/// A zip archive of `members` (name, bytes), deflated, written by the zip crate.
pub fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        zip.start_file(*name, deflated).expect("member");
        std::io::Write::write_all(&mut zip, bytes).expect("write");
    }
    zip.finish().expect("finish").into_inner()
}

/// Each row's file and line in a rejects CSV, read with the csv crate.
pub fn rejects_listed(path: &std::path::Path) -> Vec<(String, String)> {
    csv::Reader::from_path(path)
        .expect("a rejects file")
        .records()
        .map(|r| {
            let r = r.expect("row");
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect()
}

/// The English names of the demo's report sources, as staff pages and the
/// map write them.
pub const DEMO_SOURCE_NAMES: [&str; 9] = [
    "Police intelligence",
    "Modern Slavery Helpline",
    "Crimestoppers",
    "Bank staff",
    "Concern cards",
    "Environmental health",
    "GLAA",
    "Welfare app",
    "Members of the public",
];

/// A feature's place as the page says it in English: its town, and a km or
/// more out, how far and which way ("March, 7.5 km east").
pub fn place_of(p: &serde_json::Value) -> String {
    let town = p["nearest_town"].as_str().unwrap_or("?");
    let km = p["nearest_town_km"].as_f64().unwrap_or(0.0);
    let direction = match p["nearest_town_direction"].as_str().unwrap_or_default() {
        "n" => "north",
        "ne" => "north-east",
        "e" => "east",
        "se" => "south-east",
        "s" => "south",
        "sw" => "south-west",
        "w" => "west",
        "nw" => "north-west",
        other => panic!("a compass point: {other:?}"),
    };
    if km < 1.0 {
        town.to_owned()
    } else {
        format!("{town}, {km:.1} km {direction}")
    }
}

/// The visits that found exploitation, as the interface defines a positive
/// visit (written here from the interface, not taken from the program).
pub fn found_exploitation(visits: &[&hotspots::store::OutcomeRecord]) -> u64 {
    visits
        .iter()
        .filter(|o| {
            matches!(
                o.result.as_str(),
                "indicators_confirmed" | "victims_identified"
            )
        })
        .count() as u64
}

/// The inside of the first element opening with `open` up to `close`.
pub fn element<'a>(html: &'a str, open: &str, close: &str) -> Option<&'a str> {
    html.split(open).nth(1)?.split(close).next()
}

/// A count as English writes it, grouped by thousands (1,629): written out
/// here, not by the program's `num-format`, to check the pages with.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
