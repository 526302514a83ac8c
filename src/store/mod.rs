//! The DuckDB store: one embedded file. The only module that knows DuckDB.
//!
//! **Invariants.** Every statement is prepared with parameters; no user input is
//! formatted into SQL. A file is loaded in one transaction: after a crash it is
//! either wholly stored or not at all. `(source, report_id)` is unique in
//! `reports`: the loader classifies each row against the stored keys and the
//! file's earlier rows before appending it (`keys`), and a [`Store`] (one
//! connection) serialises writers by `&mut self`.

mod accounts;
mod analysis_queries;
mod feed;
mod keys;
mod report_batch;
mod schema;
mod snapshot;

use keys::Verdict;
pub use report_batch::{PreparedReports, ReportPreparer};

pub use accounts::{AuditEntry, AuditFilter, AuditRow, SigninRecord, TokenRow, UserRow};

pub use analysis_queries::{AreaRow, CellCounts, CellRow, IndicatorWeights};

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{params, params_from_iter, Appender, Connection, OptionalExt};
use feed::FeedItem;

use crate::model::RowReject;
use crate::model::{GeocodeMethod, ReportFields};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {context}: {source}")]
    Db {
        path: String,
        context: &'static str,
        #[source]
        source: duckdb::Error,
    },
    #[error("database {path}: load does not balance (read {read}, stored {stored}, duplicates {duplicates}, rejected {rejected}); rolled back")]
    Unbalanced {
        path: String,
        read: u64,
        stored: u64,
        duplicates: u64,
        rejected: u64,
    },
    #[error("database {path}: {context}: {source}")]
    Io {
        path: String,
        context: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// A name taken, a user missing: the caller's mistake, said plainly.
    #[error("{0}")]
    Conflict(String),
    #[error(
        "database {path}: schema version {found} is newer than this program understands ({known})"
    )]
    TooNew {
        path: String,
        found: i32,
        known: i32,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A report ready to store: typed fields, where it is, and its cells.
#[derive(Clone, Debug)]
pub struct NewReport<'a> {
    pub report_id: &'a str,
    /// The parsed report's content hash; the store keeps its first 64 bits.
    pub content_hash: u128,
    pub fields: &'a ReportFields,
    /// The location as given, canonical; `None` when it is `lat`/`lng` as
    /// given (`model::latlng_key` rebuilds it on reading).
    pub location_input: Option<&'a str>,
    pub lat: f64,
    pub lng: f64,
    pub method: GeocodeMethod,
    pub precision_m: f64,
    pub geocode_note: Option<&'a str>,
    /// Cells at res 6..=9 as raw H3 indexes; `None` where too coarse.
    pub cells: [Option<u64>; 4],
    pub line: u64,
    pub town: Option<&'a str>,
    pub district: Option<&'a str>,
}

/// Counts for one loaded file. `read = stored + duplicates + rejected`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadCounts {
    pub run_id: i64,
    pub read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

/// A stored report as exported.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredReport {
    pub source: String,
    pub report_id: String,
    pub observed_on: NaiveDate,
    pub venue_type: String,
    pub venue_name: Option<String>,
    pub exploitation_type: String,
    pub indicators: String,
    pub persons_count: Option<i32>,
    pub nationalities: Option<String>,
    pub child_involved: Option<bool>,
    pub grading: Option<String>,
    pub notes: Option<String>,
    pub location_input: String,
    pub lat: f64,
    pub lng: f64,
    pub geocode_method: String,
    pub precision_m: f64,
    pub geocode_note: Option<String>,
    pub cells: [Option<u64>; 4],
    pub town: Option<String>,
    pub district: Option<String>,
}

/// Which reports to read back. Empty lists mean "all".
#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub venues: Vec<String>,
    pub exploitation: Vec<String>,
    pub sources: Vec<String>,
    /// Only reports in these cells (all at one resolution, 6..=9).
    pub cells: Option<(u8, Vec<u64>)>,
}

/// A listed reject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReject {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub reason: String,
    pub raw: String,
}

/// Totals for the summary screen.
#[derive(Clone, Debug, Default)]
pub struct StoreSummary {
    pub reports: u64,
    pub rejects: u64,
    pub runs: u64,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
}

pub struct Store {
    conn: Connection,
    path: String,
    /// The database file's directory (`None` in memory): where a load sets
    /// aside the rejects memory does not hold. It is writable (DuckDB keeps its
    /// write-ahead log there), where `$TMPDIR` may not be (a service's private
    /// or read-only `/tmp`).
    dir: Option<PathBuf>,
    /// The stored report keys, loaded by the first load and kept up to date by
    /// each commit (a writer's cache; reader clones never load it).
    keys: keys::KeyIndex,
    /// Whether this connection has the `feed` table function loads insert from.
    feed_registered: bool,
    /// Set by [`Store::dedicate_to_loading`].
    unordered_inserts: bool,
    /// Set by [`Store::keep_snapshot`]: the in-memory filter columns that
    /// answer counts and series, shared with this store's clones.
    snapshot: Option<std::sync::Arc<snapshot::Slot>>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        let display = path.display().to_string();
        if !path.exists() {
            Self::create_atomically(path)?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Db {
            path: display.clone(),
            context: "open",
            source,
        })?;
        let mut store = Self::init(conn, display)?;
        store.dir = Some(match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        });
        Ok(store)
    }

    /// Creates a new database file whole or not at all: built with its schema
    /// under a temporary name beside it, closed (checkpointed), then renamed.
    /// A process killed while creating leaves no half-made file at `path`.
    fn create_atomically(path: &Path) -> Result<()> {
        let display = path.display().to_string();
        let name = path
            .file_name()
            .map_or_else(|| "db".into(), |n| n.to_string_lossy().into_owned());
        let temp = path.with_file_name(format!(".{name}.creating-{}", std::process::id()));
        {
            let conn = Connection::open(&temp).map_err(|source| StoreError::Db {
                path: display.clone(),
                context: "create",
                source,
            })?;
            Self::init(conn, display.clone())?;
        }
        // Closing checkpoints, so no write-ahead log is left beside the temporary file.
        std::fs::rename(&temp, path).map_err(|source| StoreError::Io {
            path: display,
            context: "move the new database into place",
            source,
        })
    }

    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Db {
            path: ":memory:".into(),
            context: "open",
            source,
        })?;
        Self::init(conn, ":memory:".into())
    }

    fn init(conn: Connection, path: String) -> Result<Self> {
        let store = Self {
            conn,
            path,
            dir: None,
            keys: keys::KeyIndex::default(),
            feed_registered: false,
            unordered_inserts: false,
            snapshot: None,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Another connection to the same database (for a pool of readers: DuckDB
    /// serves concurrent readers and one writer through MVCC).
    pub fn try_clone(&self) -> Result<Self> {
        let conn = self
            .conn
            .try_clone()
            .map_err(self.err("clone connection"))?;
        Ok(Self {
            conn,
            path: self.path.clone(),
            dir: self.dir.clone(),
            keys: keys::KeyIndex::default(),
            feed_registered: false,
            unordered_inserts: false,
            snapshot: self.snapshot.clone(),
        })
    }

    /// Answers per-cell counts, town and district series, data windows and the
    /// extent from an in-memory snapshot of the filter columns (~33 bytes a
    /// report), read again after
    /// each data change, instead of a query each time (see `snapshot.rs`).
    /// For a server: clones made after this share the one snapshot.
    pub fn keep_snapshot(&mut self) {
        self.snapshot.get_or_insert_with(Default::default);
    }

    /// Reads the snapshot of the current data version now, when one is kept
    /// and it is out of date (else the next count would).
    pub fn refresh_snapshot(&self) -> Result<()> {
        self.snapshot().map(|_| ())
    }

    /// The snapshot of the current data version, when kept.
    fn snapshot(&self) -> Result<Option<std::sync::Arc<snapshot::Snapshot>>> {
        let Some(slot) = &self.snapshot else {
            return Ok(None);
        };
        // Cached: planning it again each time cost more than running it.
        let run = self
            .conn
            .prepare_cached("SELECT coalesce(max(run_id), 0) FROM ingest_runs")
            .and_then(|mut statement| statement.query_row([], |r| r.get(0)))
            .map_err(self.err("read newest run"))?;
        match snapshot::current(slot, &self.conn, run) {
            Ok(snapshot) => Ok(Some(snapshot)),
            // Answered by SQL, as without a snapshot.
            Err(snapshot::BuildError::Unsupported(why)) => {
                tracing::warn!("no in-memory snapshot ({why}); counting with SQL");
                Ok(None)
            }
            Err(snapshot::BuildError::Db(context, source)) => Err(StoreError::Db {
                path: self.path.clone(),
                context,
                source,
            }),
        }
    }

    /// Changes whenever a load commits: the newest run id and the report count.
    /// Caches and ETags key on it.
    pub fn data_version(&self) -> Result<(i64, u64)> {
        read_data_version(&self.conn).map_err(self.err("read data version"))
    }

    pub fn path(&self) -> PathBuf {
        PathBuf::from(&self.path)
    }

    fn err(&self, context: &'static str) -> impl Fn(duckdb::Error) -> StoreError + '_ {
        db_error(&self.path, context)
    }

    /// The schema version now in the file.
    pub fn schema_version(&self) -> Result<i32> {
        self.conn
            .query_row(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(self.err("read schema version"))
    }

    fn migrate(&self) -> Result<()> {
        self.conn
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
            )
            .map_err(self.err("create schema_migrations"))?;
        let current = self.schema_version()?;
        let known = schema::MIGRATIONS.last().map_or(0, |m| m.0);
        if current > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: current,
                known,
            });
        }
        for (version, name, sql) in schema::MIGRATIONS.iter().filter(|m| m.0 > current) {
            let run = || -> duckdb::Result<()> {
                self.conn.execute_batch("BEGIN TRANSACTION")?;
                self.conn.execute_batch(sql)?;
                self.conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    params![version, name],
                )?;
                self.conn.execute_batch("COMMIT")
            };
            if let Err(e) = run() {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(self.err("apply migration")(e));
            }
        }
        if current < known {
            // Migrated schema into the file itself, not only the log: a log
            // holding DDL is the one thing a replay after a crash can trip on.
            if let Err(e) = self.conn.execute_batch("CHECKPOINT") {
                tracing::warn!(error = %e, "checkpoint after migrating failed; the log keeps the changes");
            }
        }
        Ok(())
    }

    /// For a process that only loads (`hotspots ingest`): new reports go into
    /// the table in whatever order DuckDB's threads append them, so that every
    /// thread converts, appends and compresses (see `feed`). Nothing reads the
    /// table's physical order: each query that lists rows sorts them.
    ///
    /// DuckDB's `preserve_insertion_order` is off only while the insert
    /// statements run: with it off, DuckDB 1.2 also returned the rows of an
    /// `ORDER BY` query out of order (its threads' sorted runs one after the
    /// other; caught by `a_loading_process_stores_what_an_ordered_load_does`),
    /// and the setting is the database's, not the connection's. So not for
    /// the server either, whose readers share the database.
    pub fn dedicate_to_loading(&mut self) {
        self.unordered_inserts = true;
    }

    /// Starts loading one file: a transaction, a run row and the appenders.
    /// Dropping the returned load without [`FileLoad::commit`] rolls everything back.
    pub fn begin_file(&mut self, file_name: &str, format: &str) -> Result<FileLoad<'_>> {
        let Self {
            conn,
            path,
            dir,
            keys,
            feed_registered,
            unordered_inserts,
            ..
        } = self;
        let path = path.as_str();
        let err = |context| db_error(path, context);
        if !*feed_registered {
            conn.register_table_function::<feed::FeedFunction>(feed::FUNCTION)
                .map_err(err("register feed"))?;
            *feed_registered = true;
        }
        conn.execute_batch("BEGIN TRANSACTION")
            .map_err(err("begin"))?;
        let mut load = FileLoad {
            conn,
            path,
            dir: dir.as_deref(),
            run_id: 0,
            file_name: file_name.to_owned(),
            keys,
            file_keys: keys::FileKeys::default(),
            unordered_inserts: *unordered_inserts,
            rejects: None,
            counts: LoadCounts::default(),
            committed: false,
        };
        // Inside the transaction, so the keys match what this load can see.
        load_keys(conn, load.keys).map_err(err("read stored keys"))?;
        load.run_id = conn
            .query_row(
                "INSERT INTO ingest_runs (run_id, file_name, format, started_at, tool_version) \
                 VALUES (nextval('ingest_run_seq'), ?, ?, current_timestamp, ?) RETURNING run_id",
                params![file_name, format, env!("CARGO_PKG_VERSION")],
                |r| r.get(0),
            )
            .map_err(err("insert ingest run"))?;
        load.counts.run_id = load.run_id;
        load.rejects = Some(conn.appender("rejects").map_err(err("rejects appender"))?);
        Ok(load)
    }

    /// Rejects of one run, in line order.
    pub fn rejects_for_run(&self, run_id: i64, mut each: impl FnMut(StoredReject)) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT file, line, field, reason, raw FROM rejects WHERE run_id = ? ORDER BY line, field")
            .map_err(self.err("prepare rejects"))?;
        let mut rows = stmt
            .query(params![run_id])
            .map_err(self.err("query rejects"))?;
        while let Some(row) = rows.next().map_err(self.err("read rejects"))? {
            each(StoredReject {
                file: row.get(0).map_err(self.err("read reject"))?,
                line: row.get::<_, i64>(1).map_err(self.err("read reject"))? as u64,
                field: row.get(2).map_err(self.err("read reject"))?,
                reason: row.get(3).map_err(self.err("read reject"))?,
                raw: row.get(4).map_err(self.err("read reject"))?,
            });
        }
        Ok(())
    }

    /// Streams stored reports matching the filter, ordered by date then id.
    pub fn for_each_report(
        &self,
        filter: &ReportFilter,
        mut each: impl FnMut(StoredReport),
    ) -> Result<()> {
        let (clause, values) = filter_sql(filter);
        let sql = format!(
            "SELECT source, report_id, observed_on, venue_type, venue_name, exploitation_type, indicator_mask, \
             persons_count, nationalities, child_involved, grading, notes, location_input, lat, lng, \
             geocode_method, precision_m, geocode_note, h3_r6, h3_r7, h3_r8, h3_r9, town, district \
             FROM reports {clause} ORDER BY observed_on, source, report_id"
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.err("prepare reports"))?;
        let mut rows = stmt
            .query(params_from_iter(values.iter()))
            .map_err(self.err("query reports"))?;
        while let Some(r) = rows.next().map_err(self.err("read reports"))? {
            let read = || -> duckdb::Result<StoredReport> {
                let (lat, lng): (f64, f64) = (r.get(13)?, r.get(14)?);
                Ok(StoredReport {
                    source: r.get(0)?,
                    report_id: r.get(1)?,
                    observed_on: r.get(2)?,
                    venue_type: r.get(3)?,
                    venue_name: r.get(4)?,
                    exploitation_type: r.get(5)?,
                    indicators: crate::model::IndicatorSet::from_bits(r.get(6)?).to_string(),
                    persons_count: r.get(7)?,
                    nationalities: r.get(8)?,
                    child_involved: r.get(9)?,
                    grading: r.get(10)?,
                    notes: r.get(11)?,
                    location_input: r
                        .get::<_, Option<String>>(12)?
                        .unwrap_or_else(|| crate::model::latlng_key(lat, lng)),
                    lat,
                    lng,
                    geocode_method: r.get(15)?,
                    precision_m: r.get(16)?,
                    geocode_note: r.get(17)?,
                    cells: [r.get(18)?, r.get(19)?, r.get(20)?, r.get(21)?],
                    town: r.get(22)?,
                    district: r.get(23)?,
                })
            };
            each(read().map_err(self.err("read report"))?);
        }
        Ok(())
    }

    /// The `limit` cells with most reports at a resolution (6..=9), busiest first.
    pub fn busiest_cells(&self, resolution: u8, limit: u32) -> Result<Vec<(u64, u64)>> {
        let column = analysis_queries::cell_column(resolution);
        let sql = format!(
            "SELECT {column}, count(*) AS n FROM reports WHERE {column} IS NOT NULL \
             GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?"
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.err("prepare busiest"))?;
        let rows = stmt
            .query_map(params![limit], |r| {
                Ok((r.get::<_, u64>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(self.err("query busiest"))?;
        rows.collect::<duckdb::Result<Vec<_>>>()
            .map_err(self.err("read busiest"))
    }

    pub fn summary(&self) -> Result<StoreSummary> {
        let (reports, first, last) = self
            .conn
            .query_row(
                "SELECT count(*), min(observed_on), max(observed_on) FROM reports",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?)),
            )
            .map_err(self.err("summary"))?;
        let rejects: i64 = self
            .conn
            .query_row("SELECT count(*) FROM rejects", [], |r| r.get(0))
            .map_err(self.err("summary"))?;
        let runs: i64 = self
            .conn
            .query_row("SELECT count(*) FROM ingest_runs", [], |r| r.get(0))
            .map_err(self.err("summary"))?;
        Ok(StoreSummary {
            reports,
            rejects: rejects as u64,
            runs: runs as u64,
            first,
            last,
        })
    }

    /// The recorded run, if any.
    pub fn run(&self, run_id: i64) -> Result<Option<RunRecord>> {
        self.conn
            .query_row(
                "SELECT file_name, sha256, rows_read, stored, duplicates, rejected FROM ingest_runs WHERE run_id = ?",
                params![run_id],
                |r| {
                    Ok(RunRecord {
                        file_name: r.get(0)?,
                        sha256: r.get(1)?,
                        read: r.get::<_, i64>(2)? as u64,
                        stored: r.get::<_, i64>(3)? as u64,
                        duplicates: r.get::<_, i64>(4)? as u64,
                        rejected: r.get::<_, i64>(5)? as u64,
                    })
                },
            )
            .optional()
            .map_err(self.err("read run"))
    }

    /// Runs a read-only scalar count (tests and checks).
    pub fn count(&self, table: CountTable) -> Result<u64> {
        let sql = match table {
            CountTable::Reports => "SELECT count(*) FROM reports",
            CountTable::Rejects => "SELECT count(*) FROM rejects",
            CountTable::Runs => "SELECT count(*) FROM ingest_runs",
        };
        let n: i64 = self
            .conn
            .query_row(sql, [], |r| r.get(0))
            .map_err(self.err("count"))?;
        Ok(n as u64)
    }
}

/// One row of `ingest_runs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRecord {
    pub file_name: String,
    pub sha256: String,
    pub read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

/// Tables whose rows [`Store::count`] counts.
#[derive(Clone, Copy, Debug)]
pub enum CountTable {
    Reports,
    Rejects,
    Runs,
}

/// `WHERE` clause with `?` placeholders and its values, in order.
fn filter_sql(filter: &ReportFilter) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    if let Some(from) = filter.from {
        clauses.push("observed_on >= CAST(? AS DATE)".to_owned());
        values.push(from.to_string());
    }
    if let Some(to) = filter.to {
        clauses.push("observed_on <= CAST(? AS DATE)".to_owned());
        values.push(to.to_string());
    }
    for (column, list) in [
        ("venue_type", &filter.venues),
        ("exploitation_type", &filter.exploitation),
        ("source", &filter.sources),
    ] {
        if !list.is_empty() {
            let marks = vec!["?"; list.len()].join(", ");
            clauses.push(format!("{column} IN ({marks})"));
            values.extend(list.iter().cloned());
        }
    }
    if let Some((res, cells)) = &filter.cells {
        let column = analysis_queries::cell_column(*res);
        if cells.is_empty() {
            clauses.push("FALSE".to_owned());
        } else {
            let marks = vec!["CAST(? AS UBIGINT)"; cells.len()].join(", ");
            clauses.push(format!("{column} IN ({marks})"));
            values.extend(cells.iter().map(ToString::to_string));
        }
    }
    if clauses.is_empty() {
        (String::new(), values)
    } else {
        (format!("WHERE {}", clauses.join(" AND ")), values)
    }
}

/// A DuckDB error in `path`'s database, with its context.
fn db_error<'p>(path: &'p str, context: &'static str) -> impl Fn(duckdb::Error) -> StoreError + 'p {
    move |source| StoreError::Db {
        path: path.to_owned(),
        context,
        source,
    }
}

/// An Arrow compute error while staging `path`'s reports, with its context.
fn arrow_error<'p>(
    path: &'p str,
    context: &'static str,
) -> impl Fn(duckdb::arrow::error::ArrowError) -> StoreError + 'p {
    move |e| StoreError::Io {
        path: path.to_owned(),
        context,
        source: std::io::Error::other(e),
    }
}

/// `(newest run id, report count)`: see [`Store::data_version`].
fn read_data_version(conn: &Connection) -> duckdb::Result<(i64, u64)> {
    conn.query_row(
        "SELECT (SELECT coalesce(max(run_id), 0) FROM ingest_runs), (SELECT count(*) FROM reports)",
        [],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as u64)),
    )
}

/// Brings the key index up to the database's data version: nothing to do when
/// this connection's own commits kept it current; a full read otherwise (the
/// first load of a process, or after another writer).
fn load_keys(conn: &Connection, index: &mut keys::KeyIndex) -> duckdb::Result<()> {
    let version = read_data_version(conn)?;
    if index.version == Some(version) {
        return Ok(());
    }
    index.clear(version.1 as usize);
    if version.1 > 0 {
        let mut stmt = conn.prepare("SELECT source, report_id, content_hash FROM reports")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (source, report_id): (String, String) = (row.get(0)?, row.get(1)?);
            index.insert_stored(&source, &report_id, row.get::<_, u64>(2)?);
        }
    }
    index.version = Some(version);
    Ok(())
}

/// One file being loaded, inside its transaction.
pub struct FileLoad<'c> {
    conn: &'c Connection,
    path: &'c str,
    /// See [`Store::dir`].
    dir: Option<&'c Path>,
    run_id: i64,
    file_name: String,
    /// The stored keys (as of this transaction's start) and this file's.
    keys: &'c mut keys::KeyIndex,
    file_keys: keys::FileKeys,
    /// See [`Store::dedicate_to_loading`].
    unordered_inserts: bool,
    rejects: Option<Appender<'c>>,
    counts: LoadCounts,
    committed: bool,
}

/// New reports waiting for DuckDB's threads, at most (~2 MB each).
const FEED_DEPTH: usize = 8;

/// DuckDB's vector size: a table function returns at most this many rows a call.
const VECTOR_ROWS: usize = 2_048;

/// Reports a load is best handed at once ([`PreparedReports`], the ingest
/// pipeline's batches): one vector, what the insert statement takes a call
/// (half as many cost ~5% more CPU a load).
pub const BATCH_ROWS: usize = VECTOR_ROWS;

impl FileLoad<'_> {
    fn err(&self, context: &'static str) -> impl Fn(duckdb::Error) -> StoreError + '_ {
        db_error(self.path, context)
    }

    pub fn run_id(&self) -> i64 {
        self.run_id
    }

    /// Says how many rows the file is likely to hold (a guess from its size),
    /// so the file's key index is sized once.
    pub fn expect_rows(&mut self, rows: usize) {
        self.file_keys.reserve(rows);
    }

    /// Prepares reports for [`Stager::stage_batch`] on other threads.
    pub fn preparer(&self) -> ReportPreparer {
        ReportPreparer {
            hasher: self.keys.hasher().clone(),
            run_id: self.run_id,
        }
    }

    /// Stages the file: `run` gets a [`Stager`] on a thread of its own and
    /// hands it the file's rows in order, while this thread runs the
    /// `INSERT` statements that take the new reports (see `feed` and
    /// [`Segment`]). The rejects are appended once the statements are done
    /// (the connection is busy until then). When `run` fails, the statement
    /// is stopped and `run`'s error returned; nothing is visible to other
    /// connections before [`FileLoad::commit`], and dropping the load rolls
    /// everything back.
    pub fn stage<T, E>(
        &mut self,
        run: impl FnOnce(&mut Stager<'_>) -> std::result::Result<T, E> + Send,
    ) -> std::result::Result<T, E>
    where
        T: Send,
        E: From<StoreError> + Send,
    {
        let path = self.path;
        let schema = report_batch::ReportBatch::new()
            .take()
            .map_err(arrow_error(path, "report columns"))?
            .schema();
        let (segment_sender, segments) = std::sync::mpsc::channel::<Segment>();
        let mut stager = Stager {
            path,
            keys: &*self.keys,
            file_keys: &mut self.file_keys,
            counts: &mut self.counts,
            rejects: RejectBuffer::in_dir(self.dir),
            segments: segment_sender,
            current: None,
        };
        let conn = self.conn;
        let unordered = self.unordered_inserts;
        let (staged, inserted) = std::thread::scope(|scope| {
            let staging = scope.spawn(move || {
                let staged = run(&mut stager);
                if staged.is_err() {
                    if let Some(current) = &stager.current {
                        let _ = current.sender.send(FeedItem::Failed);
                    }
                }
                (staged, stager.rejects)
            });
            let mut inserted = Ok(());
            for segment in segments {
                inserted = insert_segment(conn, path, &schema, segment, unordered);
                if inserted.is_err() {
                    break;
                }
            }
            (staging.join(), inserted)
        });
        let (staged, rejects) = staged.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let value = staged?;
        inserted?;
        rejects.drain(path, |r| {
            self.append_reject(r.line, &r.field, &r.reason, &r.raw)
        })?;
        Ok(value)
    }

    fn append_reject(&mut self, line: u64, field: &str, reason: &str, raw: &str) -> Result<()> {
        let appender = self
            .rejects
            .as_mut()
            .expect("rejects appender lives until commit");
        appender
            .append_row(params![
                self.run_id,
                self.file_name,
                line as i64,
                field,
                reason,
                raw
            ])
            .map_err(db_error(self.path, "append reject"))
    }
    /// Writes the last rows, checks that every row is accounted for, and commits.
    pub fn commit(mut self, sha256: &str) -> Result<LoadCounts> {
        if let Some(appender) = self.rejects.as_mut() {
            appender.flush().map_err(db_error(self.path, "flush"))?;
        }
        self.rejects = None;
        let conn = self.conn;
        // Counted by the database, not by us: the check below is then a real one.
        let (stored, rejected): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT count(*) FROM reports WHERE run_id = $1), \
                        (SELECT count(*) FROM rejects WHERE run_id = $1)",
                params![self.run_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(self.err("count stored rows"))?;
        let counts = LoadCounts {
            stored: stored as u64,
            rejected: rejected as u64,
            ..self.counts
        };
        if counts.read != counts.stored + counts.duplicates + counts.rejected
            || counts != self.counts
        {
            // Never commit a load that cannot account for every row.
            return Err(StoreError::Unbalanced {
                path: self.path.to_owned(),
                read: counts.read,
                stored: counts.stored,
                duplicates: counts.duplicates,
                rejected: counts.rejected,
            });
        }
        conn.execute(
            "UPDATE ingest_runs SET sha256 = ?, finished_at = current_timestamp, rows_read = ?, stored = ?, \
             duplicates = ?, rejected = ? WHERE run_id = ?",
            params![sha256, counts.read as i64, counts.stored as i64, counts.duplicates as i64, counts.rejected as i64, self.run_id],
        )
        .map_err(self.err("record run"))?;
        conn.execute_batch("COMMIT").map_err(self.err("commit"))?;
        self.committed = true;
        // The committed keys join the index; the version read back tells the
        // next load that the index is current.
        self.keys.absorb(std::mem::take(&mut self.file_keys));
        self.keys.version = read_data_version(conn).ok();
        Ok(counts)
    }
}

impl Drop for FileLoad<'_> {
    fn drop(&mut self) {
        if !self.committed {
            // An appender flushes when dropped: drop it inside the transaction, then roll back.
            self.rejects = None;
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// The staging side of [`FileLoad::stage`]: classifies each report against
/// the stored keys and the file's earlier rows, gathers the rejects, and sends
/// the new reports to DuckDB.
pub struct Stager<'l> {
    path: &'l str,
    keys: &'l keys::KeyIndex,
    file_keys: &'l mut keys::FileKeys,
    counts: &'l mut LoadCounts,
    rejects: RejectBuffer,
    segments: std::sync::mpsc::Sender<Segment>,
    /// The segment being sent, once a batch had new reports.
    current: Option<CurrentSegment>,
}

/// Consecutive new reports that fill the same columns, taken by one `INSERT`
/// that names only those columns, so that DuckDB leaves the others NULL.
/// duckdb-rs would otherwise hand it every value of a text column, NULLs
/// included, one C call each (~12% of DuckDB's part of a load), and most files
/// fill only some of the optional columns (`notes`, `grading`, ...). A column
/// joins the first time a batch fills it and stays, so a file has at most as
/// many segments as `reports` has nullable columns, and most have one.
struct Segment {
    /// Positions in `report_batch`'s schema.
    columns: Vec<usize>,
    items: std::sync::mpsc::Receiver<FeedItem>,
    /// Set once the segment's statement has ended.
    abandoned: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Runs the `INSERT` that takes one segment's reports; returns when the
/// segment has ended (or the statement failed).
fn insert_segment(
    conn: &Connection,
    path: &str,
    schema: &duckdb::arrow::datatypes::Schema,
    segment: Segment,
    unordered: bool,
) -> Result<()> {
    let projected = schema
        .project(&segment.columns)
        .map_err(arrow_error(path, "report columns"))?;
    let names: Vec<&str> = projected
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    // Our own column names and our own token: no input reaches this text.
    let registration =
        feed::Registration::new(projected.clone().into(), segment.items, segment.abandoned);
    let sql = format!(
        "INSERT INTO reports ({}) SELECT * FROM {}({})",
        names.join(", "),
        feed::FUNCTION,
        registration.token()
    );
    let db = |context| db_error(path, context);
    let order = |preserve: bool| {
        conn.execute_batch(&format!("SET preserve_insertion_order = {preserve}"))
            .map_err(db("set preserve_insertion_order"))
    };
    let inserted = if unordered {
        order(false).and_then(|()| {
            let inserted = conn.execute(&sql, []).map_err(db("insert reports"));
            // Back on whatever happened: see `Store::dedicate_to_loading`.
            let restored = order(true);
            inserted.and(restored)
        })
    } else {
        conn.execute(&sql, [])
            .map(drop)
            .map_err(db("insert reports"))
    };
    // A statement that ended early takes no more batches: let the stager's
    // sends return (and fail) instead of waiting for room.
    registration.abandon();
    inserted
}

/// The sending end of the segment being filled.
struct CurrentSegment {
    columns: Vec<usize>,
    sender: std::sync::mpsc::SyncSender<FeedItem>,
    abandoned: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Stager<'_> {
    /// Takes valid reports, in file order: each is stored if its `(source,
    /// report_id)` is new; counted if the same report is stored already or
    /// came earlier in the file; listed as a conflict if that id is taken by
    /// different content (the stored or earlier report wins, untouched), with
    /// `raw_of(i)` as the input text of the batch's `i`th report.
    pub fn stage_batch(
        &mut self,
        prepared: PreparedReports,
        raw_of: impl Fn(usize) -> String,
    ) -> Result<()> {
        let PreparedReports {
            mut columns, keys, ..
        } = prepared;
        let path = self.path;
        let arrow = |context| arrow_error(path, context);
        let mut new_rows = Vec::with_capacity(keys.len());
        let mut conflicts = Vec::new();
        for (i, row) in keys.iter().enumerate() {
            let verdict = self
                .keys
                .classify_digest(self.file_keys, row.key, row.content, row.line);
            new_rows.push(verdict == Verdict::New);
            self.counts.read += 1;
            match verdict {
                Verdict::New => self.counts.stored += 1,
                Verdict::Duplicate => self.counts.duplicates += 1,
                Verdict::ConflictStored | Verdict::ConflictFile { .. } => {
                    conflicts.push((i, verdict));
                }
            }
        }
        let batch = columns.take().map_err(arrow("build report batch"))?;
        for (i, verdict) in conflicts {
            let (source, report_id) = report_batch::key_text(&batch, i);
            let reason = match verdict {
                Verdict::ConflictFile { first_line } => format!(
                    "conflict: report_id {report_id} (source {source}) appears at line {first_line} \
                     of this file with different content; the first is kept"
                ),
                _ => format!(
                    "conflict: report_id {report_id} (source {source}) is already stored with \
                     different content; the stored report is kept"
                ),
            };
            self.rejects.push(
                path,
                RowReject {
                    line: keys[i].line,
                    field: "report_id".to_owned(),
                    reason,
                    raw: raw_of(i),
                },
            )?;
            self.counts.rejected += 1;
        }
        let batch = if new_rows.iter().all(|&new| new) {
            batch
        } else {
            duckdb::arrow::compute::filter_record_batch(&batch, &new_rows.into())
                .map_err(arrow("select new reports"))?
        };
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.send(&batch)
    }

    /// Sends new reports, starting a wider segment first if they fill a
    /// column the current one leaves out.
    fn send(&mut self, batch: &RecordBatch) -> Result<()> {
        let path = self.path;
        let ended = || StoreError::Io {
            path: path.to_owned(),
            context: "stage reports",
            source: std::io::Error::other("the insert statement ended before the file did"),
        };
        let filled = |i: usize| batch.column(i).null_count() < batch.num_rows();
        let widen = match &self.current {
            None => true,
            Some(current) => (0..batch.num_columns())
                .any(|i| filled(i) && current.columns.binary_search(&i).is_err()),
        };
        if widen {
            let columns: Vec<usize> = (0..batch.num_columns())
                .filter(|&i| {
                    filled(i)
                        || self
                            .current
                            .as_ref()
                            .is_some_and(|c| c.columns.binary_search(&i).is_ok())
                })
                .collect();
            let (sender, items) = std::sync::mpsc::sync_channel(FEED_DEPTH);
            let abandoned = std::sync::Arc::<std::sync::atomic::AtomicBool>::default();
            // Dropping the old sender ends the old segment's statement.
            self.current = Some(CurrentSegment {
                columns: columns.clone(),
                sender,
                abandoned: abandoned.clone(),
            });
            self.segments
                .send(Segment {
                    columns,
                    items,
                    abandoned,
                })
                .map_err(|_| ended())?;
        }
        let current = self
            .current
            .as_ref()
            .expect("a segment is started above when there is none");
        let batch = batch
            .project(&current.columns)
            .map_err(arrow_error(path, "select report columns"))?;
        let mut offset = 0;
        while offset < batch.num_rows() {
            if current.abandoned.load(std::sync::atomic::Ordering::Acquire) {
                return Err(ended());
            }
            let rows = VECTOR_ROWS.min(batch.num_rows() - offset);
            current
                .sender
                .send(FeedItem::Batch(batch.slice(offset, rows)))
                .map_err(|_| ended())?;
            offset += rows;
        }
        Ok(())
    }

    /// Lists a row rejected before it was a report (parsing, geocoding).
    pub fn reject(&mut self, reject: RowReject) -> Result<()> {
        self.rejects.push(self.path, reject)?;
        self.counts.read += 1;
        self.counts.rejected += 1;
        Ok(())
    }
}

/// Rejects gathered while the reports statement runs: in memory up to
/// `HELD_REJECTS`, then in an unnamed temporary file (in the database's
/// directory, else `$TMPDIR`), so that a file of bad rows does not hold them
/// all in memory.
struct RejectBuffer {
    held: Vec<RowReject>,
    dir: Option<PathBuf>,
    spill: Option<csv::Writer<std::io::BufWriter<std::fs::File>>>,
}

/// Rejects kept in memory before the rest go to a temporary file.
const HELD_REJECTS: usize = 16_384;

impl RejectBuffer {
    fn in_dir(dir: Option<&Path>) -> Self {
        Self {
            held: Vec::new(),
            dir: dir.map(Path::to_path_buf),
            spill: None,
        }
    }

    fn push(&mut self, path: &str, reject: RowReject) -> Result<()> {
        let io = |source: std::io::Error| StoreError::Io {
            path: path.to_owned(),
            context: "set rejects aside",
            source,
        };
        if self.held.len() < HELD_REJECTS {
            self.held.push(reject);
            return Ok(());
        }
        if self.spill.is_none() {
            let file = match &self.dir {
                Some(dir) => tempfile::tempfile_in(dir),
                None => tempfile::tempfile(),
            }
            .map_err(io)?;
            self.spill = Some(
                csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(std::io::BufWriter::new(file)),
            );
        }
        if let Some(spill) = &mut self.spill {
            spill
                .serialize(&reject)
                .map_err(|e| io(std::io::Error::other(e)))?;
        }
        Ok(())
    }

    /// Each reject, those held first, then those set aside.
    fn drain(self, path: &str, mut each: impl FnMut(RowReject) -> Result<()>) -> Result<()> {
        let io = |source: std::io::Error| StoreError::Io {
            path: path.to_owned(),
            context: "read rejects back",
            source,
        };
        for reject in self.held {
            each(reject)?;
        }
        if let Some(spill) = self.spill {
            let mut file = spill
                .into_inner()
                .map_err(|e| io(std::io::Error::other(e.to_string())))?
                .into_inner()
                .map_err(|e| io(e.into_error()))?;
            std::io::Seek::rewind(&mut file).map_err(io)?;
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(std::io::BufReader::new(file));
            for reject in reader.deserialize() {
                each(reject.map_err(|e| io(std::io::Error::other(e)))?)?;
            }
        }
        Ok(())
    }
}
