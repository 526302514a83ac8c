//! A [`Store`]: one DuckDB connection to the database file, opened (created
//! whole or not at all), migrated, cloned for readers, and the starting point
//! of a load.

use std::path::{Path, PathBuf};

use duckdb::{params, Connection};

use super::error::{db_error, open_error, Result, StoreError};
use super::load::{FileLoad, Loader, ReportPreparer};
use super::schema::{self, read_data_version};
use super::snapshot;
use crate::model::ContentHashing;

pub struct Store {
    pub(super) conn: Connection,
    pub(super) path: String,
    /// The database file's directory (`None` in memory): where a load sets
    /// aside the rejects memory does not hold. It is writable (DuckDB keeps its
    /// write-ahead log there), where `$TMPDIR` may not be (a service's private
    /// or read-only `/tmp`).
    pub(super) dir: Option<PathBuf>,
    /// What loads on this connection keep between files (a writer's cache;
    /// reader clones start without it).
    pub(super) loader: Loader,
    /// Set by [`Store::keep_snapshot`]: the in-memory filter columns that
    /// answer counts and series, shared with this store's clones.
    pub(super) snapshot: Option<std::sync::Arc<snapshot::Slot>>,
    /// Names the database for this process (shared by its clones): memos
    /// keyed by it never mix two databases, in-memory ones included.
    database: u64,
    /// How this database hashes reports' content (migration 11).
    content_hashing: ContentHashing,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        let display = path.display().to_string();
        if !path.exists() {
            Self::create_atomically(path)?;
        }
        let conn = Connection::open(path).map_err(|source| open_error(&display, source))?;
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

    pub(super) fn init(conn: Connection, path: String) -> Result<Self> {
        static DATABASES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let mut store = Self {
            conn,
            path,
            dir: None,
            loader: Loader::default(),
            snapshot: None,
            database: DATABASES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            content_hashing: ContentHashing::Sha256,
        };
        store.migrate()?;
        store.content_hashing = store.read_content_hashing()?;
        Ok(store)
    }

    fn read_content_hashing(&self) -> Result<ContentHashing> {
        let scheme: String = self
            .conn
            .query_row("SELECT scheme FROM content_hashing", [], |r| r.get(0))
            .map_err(self.err("read content hashing"))?;
        ContentHashing::parse(&scheme).ok_or_else(|| {
            StoreError::Conflict(format!(
                "database {}: unknown content hashing {scheme:?}",
                self.path
            ))
        })
    }

    /// How this database hashes reports' content: what a load must hash new
    /// rows with for them to compare with the stored ones.
    pub fn content_hashing(&self) -> ContentHashing {
        self.content_hashing
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
            loader: Loader::default(),
            snapshot: self.snapshot.clone(),
            database: self.database,
            content_hashing: self.content_hashing,
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
    pub(super) fn snapshot(&self) -> Result<Option<std::sync::Arc<snapshot::Snapshot>>> {
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

    /// This database's number in this process (its clones share it).
    pub fn database_id(&self) -> u64 {
        self.database
    }

    pub fn path(&self) -> PathBuf {
        PathBuf::from(&self.path)
    }

    /// An unnamed temporary file (gone once closed) beside the database, or
    /// in `$TMPDIR` for one in memory: room for something too large to hold
    /// in memory, where the database has room, as a load's rejects have.
    ///
    /// # Errors
    /// When no such file can be made there.
    pub fn scratch_file(&self) -> std::io::Result<std::fs::File> {
        match &self.dir {
            Some(dir) => tempfile::tempfile_in(dir),
            None => tempfile::tempfile(),
        }
    }

    pub(super) fn err(&self, context: &'static str) -> impl Fn(duckdb::Error) -> StoreError + '_ {
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
        let pending: Vec<&(i32, &str, &str)> = schema::MIGRATIONS
            .iter()
            .filter(|m| m.0 > current)
            .collect();
        // A new database takes every migration in one transaction (one
        // commit, not one each); a database with stored reports takes each in a
        // transaction of its own, as it always has.
        let steps = if current == 0 {
            pending.len().max(1)
        } else {
            1
        };
        for group in pending.chunks(steps) {
            let run = || -> duckdb::Result<()> {
                self.conn.execute_batch("BEGIN TRANSACTION")?;
                for (version, name, sql) in group {
                    self.conn.execute_batch(sql)?;
                    self.conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                        params![version, name],
                    )?;
                }
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
        self.loader.unordered_inserts = true;
    }

    /// What the ingest workers prepare this store's reports with (the key
    /// digests its loads look up). Needs no transaction: a pipeline starts
    /// its workers with it before [`Store::begin_file`].
    pub fn report_preparer(&self) -> ReportPreparer {
        self.loader.report_preparer()
    }

    /// Loads from now on take reports prepared by `preparer` (made before
    /// this store was open: see `ingest::NewStore`). The stored keys are read
    /// again, under its key, by the next load.
    pub fn load_with(&mut self, preparer: &ReportPreparer) {
        self.loader.use_preparer(preparer);
    }

    /// Starts loading one file: a transaction and a run row, which records
    /// who asked for the load when `loaded_by` says.
    /// Dropping the returned load without [`FileLoad::commit`] rolls everything back.
    pub fn begin_file(
        &mut self,
        file_name: &str,
        format: &str,
        loaded_by: Option<&str>,
    ) -> Result<FileLoad<'_>> {
        FileLoad::begin(
            &self.conn,
            &self.path,
            self.dir.as_deref(),
            &mut self.loader,
            file_name,
            format,
            loaded_by,
        )
    }
}

#[cfg(test)]
impl Store {
    /// The first column of every row `sql` answers (store tests read
    /// catalogues and single columns this way).
    pub(crate) fn column<T: duckdb::types::FromSql>(
        &self,
        sql: &str,
        params: impl duckdb::Params,
    ) -> Vec<T> {
        let mut statement = self.conn.prepare(sql).expect("prepare");
        statement
            .query_map(params, |r| r.get(0))
            .expect("query")
            .collect::<duckdb::Result<_>>()
            .expect("rows")
    }

    /// Background flushes of database files by loads in this process so far.
    pub(crate) fn background_flushes() -> usize {
        super::load::BACKGROUND_FLUSHES.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `sql` (tests that break a database on purpose).
    pub(crate) fn execute_batch(&self, sql: &str) {
        self.conn.execute_batch(sql).expect("execute");
    }
}

#[cfg(test)]
mod tests {
    use duckdb::{params, Connection};

    use super::{schema::MIGRATIONS, Store};

    /// The schema as DuckDB lists it: every column with its type, default
    /// and nullability, every ENUM's values, index, constraint and view.
    fn schema_of(store: &Store) -> Vec<String> {
        store.column(
            "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type \
                    || ' default ' || coalesce(column_default, '-') || ' null ' || is_nullable \
                 FROM duckdb_columns() WHERE NOT internal \
                 UNION ALL SELECT 'type ' || type_name || ' ' || CAST(labels AS VARCHAR) \
                 FROM duckdb_types() WHERE NOT internal AND labels IS NOT NULL \
                 UNION ALL SELECT 'index ' || sql FROM duckdb_indexes() \
                 UNION ALL SELECT 'constraint ' || table_name || ' ' || constraint_text \
                 FROM duckdb_constraints() \
                 UNION ALL SELECT 'view ' || sql FROM duckdb_views() WHERE NOT internal \
                 ORDER BY 1",
            [],
        )
    }

    /// A new database is made in one transaction, an older one migration by
    /// migration: both end with the same schema and every migration recorded.
    #[test]
    fn a_new_database_has_the_schema_migrations_build_one_by_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let stepwise_path = dir.path().join("stepwise.duckdb");
        {
            // As a program that knew only the first migration left it.
            let conn = Connection::open(&stepwise_path).expect("open");
            conn.execute_batch(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, \
                 name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
            )
            .expect("schema_migrations");
            let (version, name, sql) = MIGRATIONS[0];
            conn.execute_batch(sql).expect("migration 1");
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                params![version, name],
            )
            .expect("record");
        }
        let stepwise = Store::open(&stepwise_path).expect("migrated one by one");
        // Migrated once (a new file is also opened again after it is made).
        let new = Store::open_in_memory().expect("made whole");
        let schema = schema_of(&new);
        assert!(schema.len() > 100, "{schema:?}");
        assert_eq!(schema, schema_of(&stepwise));
        for store in [&new, &stepwise] {
            let recorded: Vec<i32> =
                store.column("SELECT version FROM schema_migrations ORDER BY version", []);
            let known: Vec<i32> = MIGRATIONS.iter().map(|m| m.0).collect();
            assert_eq!(recorded, known);
        }
    }
}
