//! The command line (interface.md). Parses arguments, calls the library, prints.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::export::{reports_provenance, ReportCsv, ReportGeoJson};
use crate::ingest::{Format, ReadTally};
use crate::model::{ExploitationType, VenueType};
use crate::pipeline::{self, LoadOptions};
use crate::store::{ReportFilter, Store};

#[derive(Parser, Debug)]
#[command(name = "hotspots", version, about = "Hotspot intelligence for UK modern-slavery reports")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct DbArg {
    /// DuckDB file (default: $HOTSPOTS_DB, then hotspots.duckdb).
    #[arg(long, env = "HOTSPOTS_DB", default_value = "hotspots.duckdb")]
    pub db: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build a database from the bundled demo reports and show what it holds.
    Demo {
        /// DuckDB file for the demo.
        #[arg(long, default_value = "hotspots-demo.duckdb")]
        db: PathBuf,
        /// Address to serve on (the dashboard arrives in a later release).
        #[arg(long, env = "HOTSPOTS_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
    },
    /// Load report files (CSV, JSON Lines, GeoJSON; `-` for standard input).
    Ingest {
        #[command(flatten)]
        db: DbArg,
        /// Source for rows without a `source` column (e.g. helpline, police_intel).
        #[arg(long)]
        source: Option<String>,
        /// Rejects CSV (default: FILE.rejects.csv beside each input).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Exit with status 3 if any row was rejected.
        #[arg(long)]
        strict: bool,
        /// Input format (default: from the extension; CSV for standard input).
        #[arg(long, value_enum)]
        format: Option<Format>,
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Write a layer as GeoJSON or CSV.
    Export {
        #[command(subcommand)]
        layer: ExportLayer,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExportLayer {
    /// Every stored report with its location, geocode method, precision and cells.
    Reports {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value = "geojson")]
        format: OutFormat,
        /// Output file (default: standard output).
        #[arg(short, long)]
        o: Option<PathBuf>,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// First day included (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day included (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
    /// Venue types, comma-separated (car_wash,nail_bar,service_station,farm,other).
    #[arg(long, value_delimiter = ',')]
    pub venue: Vec<String>,
    /// Exploitation types, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub exploitation: Vec<String>,
    /// Sources, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub source: Vec<String>,
}

impl FilterArgs {
    /// Validates the lists into canonical names.
    pub fn to_filter(&self) -> anyhow::Result<ReportFilter> {
        let venues = self
            .venue
            .iter()
            .map(|v| VenueType::parse(v).map(|v| v.as_str().to_owned()).with_context(|| format!("--venue: unknown venue type {v:?}")))
            .collect::<anyhow::Result<_>>()?;
        let exploitation = self
            .exploitation
            .iter()
            .map(|v| {
                ExploitationType::parse(v)
                    .map(|v| v.as_str().to_owned())
                    .with_context(|| format!("--exploitation: unknown exploitation type {v:?}"))
            })
            .collect::<anyhow::Result<_>>()?;
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from > to {
                bail!("--from {from} is after --to {to}");
            }
        }
        Ok(ReportFilter {
            from: self.from,
            to: self.to,
            venues,
            exploitation,
            sources: self.source.iter().map(|s| crate::model::normalise_word(s)).collect(),
        })
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutFormat {
    Geojson,
    Csv,
}

/// Exit status when `--strict` and a row was rejected.
pub const EXIT_REJECTED: u8 = 3;

pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("HOTSPOTS_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(ToString::to_string).collect();
            eprintln!("hotspots: {}", chain.join(": "));
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
        Command::Demo { db, bind } => {
            let mut store = Store::open(&db)?;
            let summaries = crate::demo::load_demo(&mut store)?;
            println!("{}", pipeline::summary_line(&summaries));
            crate::demo::print_overview(&store, &mut std::io::stdout())?;
            println!("database: {} (the dashboard will serve on http://{bind}/ in a later release)", db.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest { db, source, rejects, strict, format, files } => {
            let mut store = Store::open(&db.db)?;
            let options = LoadOptions { format, default_source: source, rejects_path: rejects, ..LoadOptions::default() };
            let bar = progress_bar(&files);
            let tick = |tally: &ReadTally| {
                if let Some(bar) = &bar {
                    bar.set_position(tally.bytes());
                }
            };
            let summaries = pipeline::load_paths(&mut store, &files, &options, Some(&tick));
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            let summaries = summaries?;
            for s in &summaries {
                if let Some(path) = &s.rejects_csv {
                    if s.counts.rejected > 0 {
                        eprintln!("{}: {} rejected rows listed in {}", s.file, s.counts.rejected, path.display());
                    }
                }
            }
            println!("{}", pipeline::summary_line(&summaries));
            let rejected: u64 = summaries.iter().map(|s| s.counts.rejected).sum();
            Ok(if strict && rejected > 0 { ExitCode::from(EXIT_REJECTED) } else { ExitCode::SUCCESS })
        }
        Command::Export { layer: ExportLayer::Reports { db, filter, format, o } } => {
            let filter = filter.to_filter()?;
            if !db.db.exists() {
                bail!("{}: no such database (run `hotspots ingest` first)", db.db.display());
            }
            let store = Store::open(&db.db)?;
            let out: Box<dyn Write> = match &o {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            export_reports(&store, &filter, format, out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes the reports layer in the chosen format.
///
/// # Errors
/// On store or write failure.
pub fn export_reports(store: &Store, filter: &ReportFilter, format: OutFormat, out: impl Write) -> anyhow::Result<()> {
    let mut failure: Option<std::io::Error> = None;
    match format {
        OutFormat::Csv => {
            let mut writer = ReportCsv::new(out)?;
            store.for_each_report(filter, |r| {
                if failure.is_none() {
                    failure = writer.write(&r).err();
                }
            })?;
            if let Some(e) = failure {
                return Err(e.into());
            }
            writer.finish()?;
        }
        OutFormat::Geojson => {
            let mut writer = ReportGeoJson::new(out)?;
            store.for_each_report(filter, |r| {
                if failure.is_none() {
                    failure = writer.write(&r).err();
                }
            })?;
            if let Some(e) = failure {
                return Err(e.into());
            }
            writer.finish(|n| reports_provenance(filter, n))?;
        }
    }
    Ok(())
}

fn progress_bar(files: &[String]) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || files.len() != 1 || files[0] == "-" {
        return None;
    }
    let len = std::fs::metadata(Path::new(&files[0])).ok()?.len();
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}").ok()?,
    );
    Some(bar)
}
