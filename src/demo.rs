//! The bundled demo: realistic, deterministic reports (2019-2025) in four formats,
//! made by `examples/make_demo.rs` and embedded in the binary, with synthetic
//! police.uk-style context (`examples/make_demo_context.rs`).

use std::io::{Cursor, Write};

use crate::geo::Gazetteer;
use crate::ingest::Format;
use crate::ingest::{self, FileSummary, Input, LoadOptions, PipelineError};
use crate::store::Store;

/// `(name, format, bytes)` of each bundled demo file.
pub const DEMO_FILES: &[(&str, Format, &[u8])] = &[
    (
        "police_intel.csv",
        Format::Csv,
        include_bytes!("../geodata/demo/police_intel.csv"),
    ),
    (
        "helpline.jsonl",
        Format::Jsonl,
        include_bytes!("../geodata/demo/helpline.jsonl"),
    ),
    (
        "app.geojson",
        Format::Geojson,
        include_bytes!("../geodata/demo/app.geojson"),
    ),
    (
        "concern_cards.csv",
        Format::Csv,
        include_bytes!("../geodata/demo/concern_cards.csv"),
    ),
];

/// The demo's premises register (`hotspots premises import`) and visit
/// outcomes (`hotspots outcomes import`), made with the reports.
pub const DEMO_PREMISES: &[u8] = include_bytes!("../geodata/demo/premises.csv");
pub const DEMO_OUTCOMES: &[u8] = include_bytes!("../geodata/demo/outcomes.csv");

/// The demo's context: synthetic recorded crime in data.police.uk's layout
/// (`examples/make_demo_context.rs`), imported as `hotspots context import
/// police-uk` imports the real files.
pub const DEMO_CONTEXT: &[(&str, &[u8])] = &[
    (
        "context/2025-01-demo-street.csv",
        include_bytes!("../geodata/demo/context/2025-01-demo-street.csv"),
    ),
    (
        "context/2025-02-demo-street.csv",
        include_bytes!("../geodata/demo/context/2025-02-demo-street.csv"),
    ),
    (
        "context/2025-03-demo-street.csv",
        include_bytes!("../geodata/demo/context/2025-03-demo-street.csv"),
    ),
    (
        "context/2025-04-demo-street.csv",
        include_bytes!("../geodata/demo/context/2025-04-demo-street.csv"),
    ),
    (
        "context/2025-05-demo-street.csv",
        include_bytes!("../geodata/demo/context/2025-05-demo-street.csv"),
    ),
    (
        "context/2025-06-demo-street.csv",
        include_bytes!("../geodata/demo/context/2025-06-demo-street.csv"),
    ),
    (
        "context/2025-07-demo-street.csv",
        include_bytes!("../geodata/demo/context/2025-07-demo-street.csv"),
    ),
    (
        "context/2025-08-demo-street.csv",
        include_bytes!("../geodata/demo/context/2025-08-demo-street.csv"),
    ),
    (
        "context/2025-09-demo-street.csv",
        include_bytes!("../geodata/demo/context/2025-09-demo-street.csv"),
    ),
    (
        "context/2025-10-demo-street.csv",
        include_bytes!("../geodata/demo/context/2025-10-demo-street.csv"),
    ),
    (
        "context/2025-11-demo-street.csv",
        include_bytes!("../geodata/demo/context/2025-11-demo-street.csv"),
    ),
    (
        "context/2025-12-demo-street.csv",
        include_bytes!("../geodata/demo/context/2025-12-demo-street.csv"),
    ),
];

fn demo_input(name: &str, bytes: &'static [u8]) -> Input {
    Input::Reader {
        name: format!("demo/{name}"),
        reader: Box::new(Cursor::new(bytes)),
    }
}

/// Who the demo's loads say asked for them.
const DEMO_LOADER: &str = "demo";

/// Loads every demo report file, then the premises register and visit
/// outcomes, and links the reports to premises; answers the report files'
/// summaries. Loading twice stores nothing new (all duplicates).
///
/// # Errors
/// As [`ingest::load`]; a failed relink as a store error.
pub fn load_demo(store: &mut Store) -> Result<Vec<FileSummary>, PipelineError> {
    let options = |format| LoadOptions {
        format: Some(format),
        no_rejects_file: true,
        loaded_by: Some(DEMO_LOADER.to_owned()),
        ..LoadOptions::default()
    };
    let summaries = DEMO_FILES
        .iter()
        .map(|(name, format, bytes)| {
            ingest::load(store, demo_input(name, bytes), &options(*format), None)
        })
        .collect::<Result<Vec<_>, _>>()?;
    ingest::import_premises(
        store,
        demo_input("premises.csv", DEMO_PREMISES),
        &options(Format::Csv),
    )?;
    ingest::import_outcomes(
        store,
        demo_input("outcomes.csv", DEMO_OUTCOMES),
        &options(Format::Csv),
    )?;
    for (name, bytes) in DEMO_CONTEXT {
        ingest::import_police_uk(store, demo_input(name, bytes), false, &options(Format::Csv))?;
    }
    crate::premises::relink(store, Some(DEMO_LOADER))?;
    Ok(summaries)
}

/// Prints what the store holds and the ten busiest res-8 cells with their
/// nearest town, how far and which way ("Dunstable, 6.5 km N"), as the
/// pages tell places near one town apart.
///
/// # Errors
/// On store or write failure.
pub fn print_overview(store: &Store, out: &mut dyn Write) -> anyhow::Result<()> {
    let summary = store.summary()?;
    let span = match (summary.first, summary.last) {
        (Some(a), Some(b)) => format!("{a} to {b}"),
        _ => "no dates".into(),
    };
    writeln!(
        out,
        "{} reports stored ({span}), {} rejects listed, {} files loaded",
        summary.reports, summary.rejects, summary.runs
    )?;
    writeln!(out, "busiest res-8 cells:")?;
    writeln!(out, "  {:<17} {:>7}  nearest town", "h3", "reports")?;
    let gazetteer = Gazetteer::embedded();
    for (cell, count) in store.busiest_cells(8, 10)? {
        let Ok(cell) = h3o::CellIndex::try_from(cell) else {
            continue;
        };
        let centre = h3o::LatLng::from(cell);
        let town = crate::geo::NearestTown::of(gazetteer, centre.lat(), centre.lng())
            .map(|t| format!("{}, {:.1} km {}", t.town, t.km, t.direction.to_uppercase()))
            .unwrap_or_default();
        writeln!(out, "  {cell:<17} {count:>7}  {town}")?;
    }
    Ok(())
}

/// One account per role (`admin`, `tactical`, `analyst`, `partnership`), each
/// with a fresh generated password (set again on every run). Returns the
/// names and passwords to print once.
///
/// # Errors
/// On store failure.
pub fn demo_accounts(store: &Store) -> anyhow::Result<Vec<(String, String)>> {
    use crate::access::{generate_password, hash_password, UserName};
    use crate::model::Role;
    let now = chrono::Utc::now().naive_utc();
    let mut out = Vec::new();
    for role in [
        Role::Admin,
        Role::Tactical,
        Role::Analyst,
        Role::Partnership,
    ] {
        let name = UserName::parse(role.as_str())?;
        let password = generate_password();
        let hash = hash_password(&password)?;
        if store.signin_record(&name)?.is_some() {
            store.set_password(&name, &hash)?;
            store.set_disabled(&name, false)?;
        } else {
            store.add_user(&name, role, &hash, now)?;
        }
        out.push((name.to_string(), password));
    }
    Ok(out)
}
