//! The command line (interface.md). Parses arguments, calls the library, prints.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ingest::{self, LoadOptions};
use crate::ingest::{Format, ReadTally};
use crate::model::{ExploitationType, VenueType};
use crate::store::{ReportFilter, Store};

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
    /// Gi* per H3 cell of the study area: cells with reports or significant (all with --all).
    Cells {
        #[command(flatten)]
        common: LayerCommon,
        /// Every cell of the study area, zeros included (to recompute Gi* independently).
        #[arg(long)]
        all: bool,
    },
    /// Hotspot areas: connected hot cells (bin >= 2) dissolved into polygons.
    Hotspots {
        #[command(flatten)]
        common: LayerCommon,
    },
    /// Emerging hot spots: Gi* per month or quarter, Mann-Kendall trend, categories.
    Emerging {
        #[command(flatten)]
        common: LayerCommon,
        /// Only these categories, comma-separated (new_hot, ..., historical_cold, none).
        #[arg(long, value_delimiter = ',', value_parser = parse_category)]
        category: Vec<crate::analysis::Emerging>,
    },
    /// Town (or district) trends per period, with the previous period and a year before.
    Towns {
        #[command(flatten)]
        common: LayerCommon,
        /// Group by town or by local-authority district.
        #[arg(long, value_enum, default_value = "town")]
        level: LevelArg,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LevelArg {
    Town,
    District,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepArg {
    Month,
    Quarter,
    Year,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightArg {
    Count,
    Risk,
}

/// The API's layer parameters as flags.
#[derive(Args, Debug, Clone)]
pub struct LayerCommon {
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// H3 resolution, 6 (district) to 9 (street).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u8).range(6..=9))]
    pub res: u8,
    /// Neighbourhood radius in rings, 1 to 3.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3))]
    pub k: u32,
    /// Weights on grid distance: uniform, triangular or gaussian.
    #[arg(long, default_value = "uniform")]
    pub kernel: crate::analysis::Kernel,
    /// Benjamini-Hochberg false discovery rate correction.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub fdr: bool,
    /// count, or risk (reports weighted by their indicators).
    #[arg(long, value_enum, default_value = "count")]
    pub weight: WeightArg,
    /// Time step for emerging hot spots and trends.
    #[arg(long, value_enum)]
    pub step: Option<StepArg>,
    /// Conditional permutations for pseudo p-values (e.g. 999); 0 = analytical.
    #[arg(long, default_value_t = 0)]
    pub permutations: u32,
    /// Seed of the permutations.
    #[arg(long, default_value_t = 20_240_601)]
    pub seed: u64,
    /// Study area: local-authority districts (ONS code or name), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub district: Vec<String>,
    /// Study area: min_lat,min_lng,max_lat,max_lng.
    #[arg(long, value_delimiter = ',', num_args = 4)]
    pub bbox: Vec<f64>,
    /// Study area: a GeoJSON file of Polygons/MultiPolygons (cells whose centre is inside).
    #[arg(long)]
    pub area: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "geojson")]
    pub format: OutFormat,
    /// Output file (default: standard output).
    #[arg(short, long)]
    pub o: Option<PathBuf>,
}

impl LayerCommon {
    /// The validated layer query.
    pub fn query(
        &self,
        default_step: crate::model::Step,
    ) -> anyhow::Result<crate::publish::LayerQuery> {
        use crate::model::Step;
        use crate::publish::{LayerQuery, StudyAreaSpec, Weight};
        let given = usize::from(!self.district.is_empty())
            + usize::from(!self.bbox.is_empty())
            + usize::from(self.area.is_some());
        if given > 1 {
            bail!("--district, --bbox and --area: give one study area, not several");
        }
        let study_area = if let Some(path) = &self.area {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--area {}: cannot read", path.display()))?;
            let polygons = crate::publish::polygons_from_geojson(&text)
                .map_err(|e| anyhow::anyhow!("--area {}: {e}", path.display()))?;
            StudyAreaSpec::Polygons(polygons)
        } else {
            match (&self.district[..], &self.bbox[..]) {
                (d, []) if !d.is_empty() => StudyAreaSpec::Districts(d.to_vec()),
                ([], [a, b, c, d]) => {
                    if a >= c || b >= d {
                        bail!("--bbox: expected min_lat,min_lng,max_lat,max_lng with min < max");
                    }
                    StudyAreaSpec::BBox([*a, *b, *c, *d])
                }
                _ => StudyAreaSpec::Default,
            }
        };
        Ok(LayerQuery {
            res: self.res,
            filter: self.filter.to_filter()?,
            k: self.k,
            kernel: self.kernel,
            fdr: self.fdr,
            weight: if self.weight == WeightArg::Risk {
                Weight::Risk
            } else {
                Weight::Count
            },
            step: match self.step {
                None => default_step,
                Some(StepArg::Month) => Step::Month,
                Some(StepArg::Quarter) => Step::Quarter,
                Some(StepArg::Year) => Step::Year,
            },
            permutations: self.permutations,
            seed: self.seed,
            study_area,
            ..LayerQuery::default()
        })
    }

    fn output(&self) -> anyhow::Result<Box<dyn Write>> {
        Ok(match &self.o {
            Some(path) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("{}: cannot create", path.display()))?,
            )),
            None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        })
    }

    fn store(&self) -> anyhow::Result<Store> {
        if !self.db.db.exists() {
            bail!(
                "{}: no such database (run `hotspots ingest` first)",
                self.db.db.display()
            );
        }
        Ok(Store::open(&self.db.db)?)
    }
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
            .map(|v| {
                VenueType::parse(v)
                    .map(|v| v.as_str().to_owned())
                    .with_context(|| format!("--venue: unknown venue type {v:?}"))
            })
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
            sources: self
                .source
                .iter()
                .map(|s| crate::model::normalise_word(s))
                .collect(),
            cells: None,
        })
    }
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

fn cli_audit(store: &Store, action: &str, target: String) -> anyhow::Result<()> {
    let actor = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    store.append_audit(
        &[crate::store::AuditEntry {
            actor: Some(format!("cli:{actor}")),
            action: action.into(),
            target: Some(target),
            outcome: "ok".into(),
            ..Default::default()
        }],
        chrono::Utc::now().naive_utc(),
    )?;
    Ok(())
}

/// Adds an account with `password` (or a generated one, returned).
///
/// # Errors
/// A bad name or role, a weak password, a name taken.
pub fn add_user(
    store: &Store,
    name: &str,
    role: &str,
    password: Option<String>,
) -> anyhow::Result<Option<String>> {
    use crate::access;
    let name = access::UserName::parse(name)?;
    let role: crate::model::Role = role
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--role: {e}"))?;
    let (password, generated) = if let Some(p) = password {
        (p, None)
    } else {
        let p = access::generate_password();
        (p.clone(), Some(p))
    };
    let hash = access::hash_password(&password)?;
    store.add_user(&name, role, &hash, chrono::Utc::now().naive_utc())?;
    cli_audit(store, "user_add", format!("{name} ({})", role.as_str()))?;
    Ok(generated)
}

fn users_command(action: UsersCommand) -> anyhow::Result<ExitCode> {
    match action {
        UsersCommand::Add { name, role, db } => {
            let store = Store::open(&db.db)?;
            let piped = if std::io::stdin().is_terminal() {
                None
            } else {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                let line = line.trim_end_matches(['\r', '\n']).to_owned();
                (!line.is_empty()).then_some(line)
            };
            match add_user(&store, &name, &role, piped)? {
                Some(p) => println!("added {name} ({role}); password (shown once): {p}"),
                None => println!("added {name} ({role})"),
            }
        }
        UsersCommand::List { db } => {
            let store = Store::open(&db.db)?;
            for u in store.users()? {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.name,
                    u.role.as_str(),
                    if u.disabled { "disabled" } else { "active" },
                    u.created_at.format("%Y-%m-%d")
                );
            }
        }
        UsersCommand::Disable { name, db } => set_disabled(&db, &name, true)?,
        UsersCommand::Enable { name, db } => set_disabled(&db, &name, false)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn set_disabled(db: &DbArg, name: &str, disabled: bool) -> anyhow::Result<()> {
    let store = Store::open(&db.db)?;
    let user = crate::access::UserName::parse(name)?;
    if !store.set_disabled(&user, disabled)? {
        bail!("no user {user}");
    }
    cli_audit(
        &store,
        if disabled {
            "user_disable"
        } else {
            "user_enable"
        },
        user.to_string(),
    )?;
    println!("{user} {}", if disabled { "disabled" } else { "enabled" });
    Ok(())
}

fn tokens_command(action: TokensCommand) -> anyhow::Result<ExitCode> {
    use crate::access;
    match action {
        TokensCommand::Create {
            name,
            days,
            label,
            db,
        } => {
            if !(1..=3660).contains(&days) {
                bail!("--days: from 1 to 3660");
            }
            let store = Store::open(&db.db)?;
            let user = access::UserName::parse(&name)?;
            let token = access::IssuedToken::new();
            let now = chrono::Utc::now().naive_utc();
            store.create_token(
                &token.id,
                &user,
                &access::digest(&token.secret),
                label.as_deref(),
                now,
                now + chrono::TimeDelta::days(days),
            )?;
            cli_audit(&store, "token_create", format!("{} for {user}", token.id))?;
            println!(
                "token {} for {user}, expires in {days} days (shown once):",
                token.id
            );
            println!("{}", token.bearer());
        }
        TokensCommand::Revoke { id, db } => {
            let store = Store::open(&db.db)?;
            if !store.revoke_token(&id, chrono::Utc::now().naive_utc())? {
                bail!("no live token {id}");
            }
            cli_audit(&store, "token_revoke", id.clone())?;
            println!("token {id} revoked");
        }
        TokensCommand::List { db } => {
            let store = Store::open(&db.db)?;
            for t in store.tokens()? {
                println!(
                    "{}\t{}\t{}\texpires {}\t{}",
                    t.id,
                    t.user,
                    t.label.unwrap_or_default(),
                    t.expires_at.format("%Y-%m-%d"),
                    if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "live"
                    }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit status when `--strict` and a row was rejected.
pub const EXIT_REJECTED: u8 = 3;

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
            // Each cause once: several errors already end with their source's text.
            let mut chain: Vec<String> = Vec::new();
            for cause in e.chain() {
                let text = cause.to_string();
                if !chain.last().is_some_and(|said| said.ends_with(&text)) {
                    chain.push(text);
                }
            }
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
    use crate::model::AreaLevel;
    use crate::publish::Layer;
    match cli.command {
        Command::Demo { db, bind, no_serve } => {
            let mut store = Store::open(&db)?;
            let summaries = crate::demo::load_demo(&mut store)?;
            println!("{}", ingest::summary_line(&summaries));
            crate::demo::print_overview(&store, &mut std::io::stdout())?;
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
            let store = Store::open(&db.db)?;
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
            files,
        } => {
            let mut store = Store::open(&db.db)?;
            // This process only loads: DuckDB appends on every thread (see there).
            store.dedicate_to_loading();
            let options = LoadOptions {
                format,
                default_source: source,
                rejects_path: rejects,
                ..LoadOptions::default()
            };
            let bar = progress_bar(&files);
            let tick = |tally: &ReadTally| {
                if let Some(bar) = &bar {
                    bar.set_position(tally.bytes());
                }
            };
            let summaries = ingest::load_paths(&mut store, &files, &options, Some(&tick));
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            let summaries = summaries?;
            for s in &summaries {
                if let Some(path) = &s.rejects_csv {
                    if s.counts.rejected > 0 {
                        eprintln!(
                            "{}: {} rejected rows listed in {}",
                            s.file,
                            s.counts.rejected,
                            path.display()
                        );
                    }
                }
            }
            println!("{}", ingest::summary_line(&summaries));
            let rejected: u64 = summaries.iter().map(|s| s.counts.rejected).sum();
            Ok(if strict && rejected > 0 {
                ExitCode::from(EXIT_REJECTED)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Export {
            layer: ExportLayer::Cells { common, all },
        } => export_layer(&common, Layer::Cells, all, AreaLevel::Town, Vec::new()),
        Command::Export {
            layer: ExportLayer::Hotspots { common },
        } => export_layer(&common, Layer::Hotspots, false, AreaLevel::Town, Vec::new()),
        Command::Export {
            layer: ExportLayer::Emerging { common, category },
        } => export_layer(&common, Layer::Emerging, false, AreaLevel::Town, category),
        Command::Export {
            layer: ExportLayer::Towns { common, level },
        } => export_layer(
            &common,
            Layer::Towns,
            false,
            if level == LevelArg::District {
                AreaLevel::District
            } else {
                AreaLevel::Town
            },
            Vec::new(),
        ),
        Command::Export {
            layer:
                ExportLayer::Reports {
                    db,
                    filter,
                    format,
                    o,
                },
        } => {
            let filter = filter.to_filter()?;
            if !db.db.exists() {
                bail!(
                    "{}: no such database (run `hotspots ingest` first)",
                    db.db.display()
                );
            }
            let store = Store::open(&db.db)?;
            let out: Box<dyn Write> = match &o {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("{}: cannot create", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            export_reports(&store, &filter, format, out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Renders a layer exactly as the API would and writes it out.
fn parse_category(name: &str) -> Result<crate::analysis::Emerging, String> {
    crate::analysis::Emerging::parse(name).ok_or_else(|| {
        format!(
            "unknown category {name:?} (known: {})",
            crate::analysis::Emerging::all_names().join(", ")
        )
    })
}

fn export_layer(
    common: &LayerCommon,
    layer: crate::publish::Layer,
    all: bool,
    level: crate::model::AreaLevel,
    categories: Vec<crate::analysis::Emerging>,
) -> anyhow::Result<ExitCode> {
    use crate::publish::{Layer, LayerRequest, OutputFormat};
    let default_step = if layer == Layer::Towns {
        crate::model::Step::Quarter
    } else {
        crate::model::Step::Month
    };
    let query = crate::publish::LayerQuery {
        categories,
        ..common.query(default_step)?
    };
    let store = common.store()?;
    let request = LayerRequest {
        layer,
        query,
        format: match common.format {
            OutFormat::Csv => OutputFormat::Csv,
            OutFormat::Geojson => OutputFormat::GeoJson,
            OutFormat::Json => OutputFormat::Json,
        },
        download: false,
        all,
        level,
        canonical: String::new(),
    };
    let rendered = crate::publish::render(
        &store,
        &request,
        crate::publish::ReportDetail { notes: true },
    )?;
    let mut out = common.output()?;
    out.write_all(&rendered.body)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the reports layer in the chosen format.
///
/// # Errors
/// On store or write failure.
pub fn export_reports(
    store: &Store,
    filter: &ReportFilter,
    format: OutFormat,
    out: impl Write,
) -> anyhow::Result<()> {
    crate::publish::write_reports(
        store,
        filter,
        format == OutFormat::Csv,
        crate::publish::ReportDetail { notes: true },
        out,
    )?;
    Ok(())
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
