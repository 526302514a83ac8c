//! The command line's arguments (clap), apart from the commands that run them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ingest::{Format, TextEncoding};

/// Exit status when `--strict` and a row was rejected.
pub const EXIT_REJECTED: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "hotspots",
    version,
    about = "Hotspot intelligence for UK modern-slavery reports"
)]
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
#[allow(
    clippy::large_enum_variant,
    reason = "one command is parsed once per process; its flags are the API's parameters as text"
)]
pub enum Command {
    /// Build a database from the bundled demo reports and show what it holds.
    Demo {
        /// DuckDB file for the demo.
        #[arg(long, default_value = "hotspots-demo.duckdb")]
        db: PathBuf,
        /// Address to serve on.
        #[arg(long, env = "HOTSPOTS_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Load and summarise only; do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Manage accounts: add, list, disable, enable.
    Users {
        #[command(subcommand)]
        action: UsersCommand,
    },
    /// Manage API tokens for scripts: create, list, revoke.
    Tokens {
        #[command(subcommand)]
        action: TokensCommand,
    },
    /// Serve the dashboard and API.
    Serve {
        #[command(flatten)]
        db: DbArg,
        /// Address to serve on.
        #[arg(long, env = "HOTSPOTS_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Settings file (JSON): basemap_url, basemap_attribution, suppression_k,
        /// release_res, session_hours, secure_cookies, trust_proxy,
        /// signin_max_failures, signin_window_secs, cache_mib, max_body_mib,
        /// timeout_secs, readers.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Create this admin account (password printed once) when none exists.
        #[arg(long, value_name = "NAME")]
        create_admin: Option<String>,
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
        /// Text encoding of the files, as browsers name them (e.g. windows-1252
        /// for Excel's "CSV", iso-8859-2); default UTF-8. A UTF-16 file with a
        /// byte-order mark is read as such unasked.
        #[arg(long, value_name = "LABEL")]
        encoding: Option<TextEncoding>,
        /// Progress on standard error: a bar on a terminal (auto), a line per
        /// staged batch for scripts and logs (lines), or none.
        #[arg(long, value_enum, default_value = "auto")]
        progress: ProgressArg,
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Premises registers and linking reports to premises.
    Premises {
        #[command(subcommand)]
        action: PremisesCommand,
    },
    /// Context beside the reports: recorded crime from data.police.uk.
    Context {
        #[command(subcommand)]
        action: ContextCommand,
    },
    /// Visit outcomes: what days of action found.
    Outcomes {
        #[command(subcommand)]
        action: OutcomesCommand,
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
        /// geojson (default), csv, gpkg or parquet.
        #[arg(long)]
        format: Option<String>,
        /// With --format parquet: a Hive-partitioned dataset in the folder DIR
        /// (the positional argument), split by these keys, comma-separated:
        /// properties of a report, `year`, or `h3_r0`..`h3_r9` (e.g. h3_r5,year).
        #[arg(long, value_delimiter = ',')]
        partition: Vec<String>,
        /// The dataset's folder (with --partition).
        dir: Option<PathBuf>,
        /// Output file (default: standard output).
        #[arg(short, long)]
        o: Option<PathBuf>,
    },
    /// Gi* per H3 cell of the study area: cells with reports or significant (all with --all).
    Cells {
        #[command(flatten)]
        common: LayerCommon,
        /// Every cell of the study area, zeros included (to recompute Gi* independently).
        #[arg(long)]
        all: bool,
        /// The fewest reports (or units counted) a hot cell's ring holds; below
        /// it the cell is binned 0 (default 2; 1: Gi*'s bins as they are).
        #[arg(long)]
        min_reports: Option<String>,
    },
    /// Hotspot areas: connected hot cells (bin >= 2) dissolved into polygons.
    Hotspots {
        #[command(flatten)]
        common: LayerCommon,
        /// The fewest reports (or units counted) an area, and a hot cell's
        /// ring, holds (default 2; 1: Gi*'s bins, every group of hot cells).
        #[arg(long)]
        min_reports: Option<String>,
    },
    /// Emerging hot spots: space-time Gi* per month or quarter, Mann-Kendall trend, categories.
    Emerging {
        #[command(flatten)]
        common: LayerCommon,
        /// Only these categories, comma-separated (new_hot, ..., historical_cold, none).
        #[arg(long, value_delimiter = ',')]
        category: Vec<String>,
        /// The fewest reports (or units counted) a cell's ring holds over the
        /// period; below it the cell is hot at no step (default 2; 1: Gi* alone).
        #[arg(long)]
        min_reports: Option<String>,
        /// Earlier steps in each cell's space-time neighbourhood besides its
        /// own, 0 to 3 (default 1, as ArcGIS and sfdep); 0: each step's map alone.
        #[arg(long)]
        lag: Option<String>,
    },
    /// Repeat premises: linked reports, sources, velocity, indicators, the
    /// Gi* bin of their cell and the last visit's outcome.
    Premises {
        #[command(flatten)]
        common: LayerCommon,
        /// Only premises with at least this many reports in the period (default 1).
        #[arg(long)]
        min_reports: Option<String>,
        /// reports (default), incidents, sources, last_seen, velocity or name.
        #[arg(long)]
        sort: Option<String>,
    },
    /// Town (or district) trends per period, with the previous period and a year before.
    Towns {
        #[command(flatten)]
        common: LayerCommon,
        /// Group by town (default) or by local-authority district.
        #[arg(long)]
        level: Option<String>,
    },
    /// Recorded crime (data.police.uk) per cell and crime type (--res, --from,
    /// --to, --format).
    Context {
        #[command(flatten)]
        common: LayerCommon,
        /// Only these police.uk crime types, comma-separated (any case).
        #[arg(long, value_delimiter = ',')]
        crime_type: Vec<String>,
    },
}

/// The API's layer parameters as flags: taken as text and handed to the
/// API's own parser (`publish::parse`), so that the command line and the API
/// accept, refuse and default the same things.
#[derive(Args, Debug, Clone)]
pub struct LayerCommon {
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// H3 resolution, 6 (district) to 9 (street); default 8.
    #[arg(long)]
    pub res: Option<String>,
    /// Neighbourhood radius in rings, 1 (default) to 3.
    #[arg(long)]
    pub k: Option<String>,
    /// Weights on grid distance: uniform (default), triangular or gaussian.
    #[arg(long)]
    pub kernel: Option<String>,
    /// Benjamini-Hochberg false discovery rate correction: true (default) or false.
    #[arg(long)]
    pub fdr: Option<String>,
    /// count (default), or risk (reports weighted by their indicators).
    #[arg(long)]
    pub weight: Option<String>,
    /// What a cell counts: reports (default), incidents or premises.
    #[arg(long)]
    pub unit: Option<String>,
    /// Time step for emerging hot spots (month, quarter) and trends (also year).
    #[arg(long)]
    pub step: Option<String>,
    /// Conditional permutations for pseudo p-values (e.g. 999); 0 = analytical.
    #[arg(long)]
    pub permutations: Option<String>,
    /// Seed of the permutations.
    #[arg(long)]
    pub seed: Option<String>,
    /// Study area: local-authority districts (ONS code or name), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub district: Vec<String>,
    /// Study area: police force areas (data.police.uk id, e.g. cambridgeshire,
    /// or name), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub force: Vec<String>,
    /// Study area: min_lat,min_lng,max_lat,max_lng.
    #[arg(long, value_delimiter = ',', num_args = 1..=4, allow_hyphen_values = true)]
    pub bbox: Vec<String>,
    /// Study area: a GeoJSON file of Polygons/MultiPolygons (cells whose centre is inside).
    #[arg(long)]
    pub area: Option<PathBuf>,
    /// geojson (the default; json for towns, as the API), csv, gpkg or
    /// parquet. A CSV written to a `.zip` file is zipped with its
    /// provenance.json; to another file, provenance.json is written beside it.
    #[arg(long)]
    pub format: Option<String>,
    /// Output file (default: standard output).
    #[arg(short, long)]
    pub o: Option<PathBuf>,
}

/// The report filters every layer takes, as the API's parameters.
#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// First day included (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day included (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
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

/// How `hotspots ingest` shows its progress.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressArg {
    Auto,
    Lines,
    None,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutFormat {
    Geojson,
    Csv,
    /// `towns` only: `{"rows": [...], "provenance": {...}}` as the API answers.
    Json,
}

#[derive(Subcommand, Debug)]
pub enum UsersCommand {
    /// Add an account. The password is read from standard input when it is
    /// piped, else generated and printed once.
    Add {
        name: String,
        /// partnership, analyst, tactical or admin.
        #[arg(long)]
        role: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        db: DbArg,
    },
    /// Disable an account (its sessions end; its tokens stop working).
    Disable {
        name: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Enable a disabled account.
    Enable {
        name: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokensCommand {
    /// Create a token for a user; printed once.
    Create {
        name: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        days: i64,
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Revoke a token by its id.
    Revoke {
        id: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        db: DbArg,
    },
}

/// Where a register comes from and where its rejects go, as for `ingest`.
#[derive(Args, Debug, Clone)]
pub struct RegisterFiles {
    #[command(flatten)]
    pub db: DbArg,
    /// Rejects CSV (default: FILE.rejects.csv beside each input).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Input format (default: from the extension).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Text encoding of the files, as browsers name them (e.g. windows-1252
    /// for Excel's "CSV", iso-8859-2); default UTF-8. A UTF-16 file with a
    /// byte-order mark is read as such unasked.
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<TextEncoding>,
    /// Exit with status 3 if any row was rejected.
    #[arg(long)]
    pub strict: bool,
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum PremisesCommand {
    /// Load known premises (columns premises_id, name, venue_type, address,
    /// postcode, lat/lng, easting/northing or grid_ref, status, opened_on,
    /// closed_on); then link every report again.
    Import {
        #[command(flatten)]
        files: RegisterFiles,
    },
    /// Link every report to premises again (keeping merges and detachments).
    Relink {
        #[command(flatten)]
        db: DbArg,
    },
    /// Premises B is premises A: B's reports go to A, now and after every relink.
    Merge {
        a: String,
        b: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Link this report to no premises, now and after every relink.
    Detach {
        report_id: String,
        /// The report's source (needed when two sources used the same id).
        #[arg(long)]
        source: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand, Debug)]
pub enum OutcomesCommand {
    /// Load visit outcomes (columns visit_id, visited_on, premises_id or a
    /// location, operation, result, potential_victims, nrm_referrals, arrests,
    /// safeguarding_referrals, notes).
    Import {
        #[command(flatten)]
        files: RegisterFiles,
    },
}

#[derive(Subcommand, Debug)]
pub enum ContextCommand {
    /// Import context files into their own table (never mixed with reports).
    Import {
        #[command(subcommand)]
        source: ContextSource,
    },
}

#[derive(Subcommand, Debug)]
pub enum ContextSource {
    /// data.police.uk street-level CSVs (files, or folders searched for
    /// `*-street.csv`). A force's month already stored is skipped unless --force.
    PoliceUk {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Replace a (force, month) already stored.
        #[arg(long)]
        force: bool,
        /// Rejects CSV for every file (default: FILE.rejects.csv beside each)
        #[arg(long, value_name = "PATH", conflicts_with = "no_rejects_file")]
        rejects: Option<PathBuf>,
        /// Do not write a rejects CSV (rejects are still stored).
        #[arg(long)]
        no_rejects_file: bool,
        #[command(flatten)]
        db: DbArg,
    },
}
