//! Running a parsed command: demo, serve, ingest and export; the only module
//! of the crate that prints.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use clap::Parser;

use super::accounts::{add_user, tokens_command, users_command};
use super::args::{Cli, Command, ExportLayer, ProgressArg};
use super::export::{
    export_layer, export_partitioned_reports, export_premises, export_reports_command,
};
use super::loaded::say_loaded;
use super::open_store;
use super::premises::{context_command, outcomes_command, premises_command};
use crate::ingest::{self, LoadOptions, ReadTally};
use crate::publish::Layer;
use crate::store::Store;

/// The `hotspots` binary's entry point.
pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOTSPOTS_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hotspots: {}", super::loaded::error_text(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

/// Runs a parsed command.
///
/// # Errors
/// Anything that stops the command; the message names the file, line and field.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo { db, bind, no_serve } => {
            let mut store = open_store(&db)?;
            let summaries = crate::demo::load_demo(&mut store)?;
            println!("{}", ingest::summary_line(&summaries));
            crate::demo::print_overview(&store, &mut std::io::stdout())?;
            let linked = store
                .linked_reports(&crate::store::ReportFilter::default())?
                .len();
            println!(
                "premises register: {} premises, {} visit outcomes; {linked} reports linked to premises (see /premises, /outcomes)",
                store.premises()?.len(),
                store.outcomes()?.len(),
            );
            let (first, last, crimes) = store.context_window()?;
            if let (Some(first), Some(last)) = (first, last) {
                println!(
                    "context: {crimes} recorded crimes (synthetic, police.uk's layout), {} to {} (the map's \"Recorded crime\" switch, /api/v1/layers/context)",
                    first.format("%Y-%m"),
                    last.format("%Y-%m"),
                );
            }
            println!("database: {}", db.display());
            println!("demo accounts (passwords shown once; reset on every `hotspots demo`):");
            for (name, password) in crate::demo::demo_accounts(&store)? {
                println!("  {name:<12} {password}");
            }
            if !no_serve {
                crate::serve::run(
                    store,
                    &bind,
                    crate::serve::ServeConfig::default(),
                    say_listening,
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Users { action } => users_command(action),
        Command::Tokens { action } => tokens_command(action),
        Command::Serve {
            db,
            bind,
            config,
            create_admin,
        } => {
            let config = match &config {
                Some(path) => crate::serve::ServeConfig::from_file(path)?,
                None => crate::serve::ServeConfig::default(),
            };
            let store = open_store(&db.db)?;
            if !store.has_admin()? {
                let Some(name) = create_admin else {
                    bail!("{}: no admin account; add one with `hotspots users add NAME --role admin`, or start with `--create-admin NAME`", db.db.display());
                };
                if let Some(p) = add_user(&store, &name, "admin", None)? {
                    println!("created admin {name}; password (shown once): {p}");
                }
            }
            crate::serve::run(store, &bind, config, say_listening)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest {
            db,
            source,
            rejects,
            strict,
            format,
            encoding,
            progress,
            files,
        } => {
            super::process::small_pages_only();
            // The load needs the gazetteer (~12 ms to parse) before its first
            // row: parsed on another thread while the database is opened.
            std::thread::spawn(crate::geo::Gazetteer::embedded);
            // This process only loads: DuckDB appends on every thread (see there).
            let (mut destination, linking): (Box<dyn ingest::Destination>, bool) = if db.db.exists()
            {
                let mut store = open_store(&db.db)?;
                store.dedicate_to_loading();
                // With a premises register, each file's new reports are
                // linked in its own transaction, before it commits.
                let linking = store.has_register()?;
                (Box::new(store), linking)
            } else {
                // Created while the first file's rows are read and
                // located; a new database has no premises register.
                let store = ingest::NewStore::create(db.db.clone(), Store::dedicate_to_loading);
                (Box::new(store), false)
            };
            let options = LoadOptions {
                format,
                encoding,
                default_source: source,
                rejects_path: rejects,
                before_commit: linking.then(crate::premises::linking_before_commit),
                loaded_by: Some(super::actor()),
                ..LoadOptions::default()
            };
            let bar = (progress == ProgressArg::Auto)
                .then(|| progress_bar(&files))
                .flatten();
            let lines = progress == ProgressArg::Lines;
            let tick = |tally: &ReadTally| {
                if let Some(bar) = &bar {
                    bar.set_position(tally.bytes());
                }
                if lines {
                    eprintln!(
                        "progress: {} rows staged, {} bytes read",
                        tally.rows_staged(),
                        tally.bytes()
                    );
                }
            };
            let loaded = ingest::load_paths(&mut *destination, &files, &options, Some(&tick));
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            if linking && !loaded.summaries.is_empty() {
                eprintln!("linked the reports to premises as each file was stored");
            }
            Ok(say_loaded(&loaded, strict))
        }
        Command::Premises { action } => premises_command(action),
        Command::Context { action } => context_command(action),
        Command::Outcomes { action } => outcomes_command(action),
        Command::Export { layer } => match layer {
            ExportLayer::Premises {
                common,
                min_reports,
                sort,
            } => export_premises(&common, min_reports, sort),
            ExportLayer::Cells {
                common,
                all,
                min_reports,
            } => export_layer(
                &common,
                Layer::Cells,
                &[
                    ("all", all.then(|| "true".to_owned())),
                    ("min_reports", min_reports),
                ],
            ),
            ExportLayer::Hotspots {
                common,
                min_reports,
            } => export_layer(&common, Layer::Hotspots, &[("min_reports", min_reports)]),
            ExportLayer::Emerging {
                common,
                category,
                min_reports,
                lag,
            } => export_layer(
                &common,
                Layer::Emerging,
                &[
                    (
                        "category",
                        (!category.is_empty()).then(|| category.join(",")),
                    ),
                    ("min_reports", min_reports),
                    ("lag", lag),
                ],
            ),
            ExportLayer::Towns { common, level } => {
                export_layer(&common, Layer::Towns, &[("level", level)])
            }
            ExportLayer::Context { common, crime_type } => export_layer(
                &common,
                Layer::Context,
                &[(
                    "crime_type",
                    (!crime_type.is_empty()).then(|| crime_type.join(",")),
                )],
            ),
            ExportLayer::Reports {
                db,
                filter,
                format,
                partition,
                dir,
                o,
            } => {
                if partition.is_empty() {
                    if let Some(dir) = dir {
                        anyhow::bail!(
                            "{}: a folder is the output of --partition only; use -o FILE",
                            dir.display()
                        );
                    }
                    export_reports_command(&db.db, &filter, format, o.as_ref())
                } else {
                    export_partitioned_reports(
                        &db.db,
                        &filter,
                        format.as_deref(),
                        &partition,
                        dir.as_deref(),
                    )
                }
            }
        },
    }
}

fn progress_bar(files: &[String]) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || files.len() != 1 || files[0] == "-" {
        return None;
    }
    let len = std::fs::metadata(Path::new(&files[0])).ok()?.len();
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .ok()?,
    );
    Some(bar)
}

fn say_listening(addr: std::net::SocketAddr) {
    println!("serving the dashboard on http://{addr}/  (Ctrl-C stops)");
}
