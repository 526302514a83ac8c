//! One file's load: its transaction, the staging thread's [`Stager`], the
//! `INSERT ... SELECT` statements fed by `feed`, the rejects, and the commit
//! that refuses a load that does not balance.

use std::path::Path;

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{params, Connection};

use super::area_codes::{self, AreaCodes};
use super::feed::{self, FeedItem};
use super::keys::{self, Verdict};
use super::rejects::{RejectBuffer, RejectColumns};
use super::report_batch::{self, PreparedReports, ReportPreparer, VECTOR_ROWS};
use crate::model::RowReject;
use crate::store::error::{arrow_error, db_error, Result, StoreError};
use crate::store::records::{LoadCounts, OptionalColumn, ReadAs};
use crate::store::schema::read_data_version;

/// What a connection's loads keep between files.
#[derive(Default)]
pub(crate) struct Loader {
    /// The stored report keys, loaded by the first load and kept up to date by
    /// each commit.
    keys: keys::KeyIndex,
    /// Whether this connection is ready for loads: it has the `feed` table
    /// function they insert from, and writes row groups as they fill.
    connection_ready: bool,
    /// Set by `Store::dedicate_to_loading`.
    pub(crate) unordered_inserts: bool,
}

impl Loader {
    /// See [`Store::load_with`]: the index is read again, under the
    /// preparer's key, by the next load.
    pub(crate) fn use_preparer(&mut self, preparer: &ReportPreparer) {
        self.keys = keys::KeyIndex::with_hasher(preparer.hasher.clone());
    }

    /// See [`Store::report_preparer`].
    pub(crate) fn report_preparer(&self) -> ReportPreparer {
        ReportPreparer {
            hasher: self.keys.hasher().clone(),
        }
    }
}

/// Brings the key index up to the database's data version: nothing to do when
/// this connection's own commits kept it current; a full read otherwise (the
/// first load of a process, or after another writer).
fn load_keys(conn: &Connection, path: &str, index: &mut keys::KeyIndex) -> Result<()> {
    use duckdb::arrow::array::{Array, AsArray};
    use duckdb::arrow::datatypes::UInt64Type;

    let err = |context| db_error(path, context);
    let version = read_data_version(conn).map_err(err("read data version"))?;
    if index.version == Some(version) {
        index.settle();
        return Ok(());
    }
    index.clear(version.1 as usize);
    if version.1 > 0 {
        // In Arrow batches, digested from the text in place: row by row,
        // with two strings made per key, this was most of the time before a
        // load into a large database could stage its first row
        // (bench/README.md).
        let mut keys = Vec::with_capacity(version.1 as usize);
        let mut stmt = conn
            .prepare("SELECT source, report_id, content_hash FROM reports")
            .map_err(err("read stored keys"))?;
        let unexpected = |column: &str| StoreError::Io {
            path: path.to_owned(),
            context: "read stored keys",
            source: std::io::Error::other(format!("{column}: not the type the table has")),
        };
        for batch in stmt.query_arrow([]).map_err(err("read stored keys"))? {
            let source = batch
                .column(0)
                .as_string_opt::<i32>()
                .ok_or_else(|| unexpected("source"))?;
            let report_id = batch
                .column(1)
                .as_string_opt::<i32>()
                .ok_or_else(|| unexpected("report_id"))?;
            let content = batch
                .column(2)
                .as_primitive_opt::<UInt64Type>()
                .ok_or_else(|| unexpected("content_hash"))?;
            // The columns are NOT NULL.
            debug_assert!(source.null_count() + report_id.null_count() + content.null_count() == 0);
            let hasher = index.hasher();
            keys.extend((0..batch.num_rows()).map(|i| {
                (
                    hasher.digest(source.value(i), report_id.value(i)),
                    content.value(i),
                )
            }));
        }
        index.insert_stored_all(keys);
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
    /// Who asked for the load: its run, and the relink inside it, say so.
    loaded_by: Option<String>,
    /// The stored keys (as of this transaction's start) and this file's.
    keys: &'c mut keys::KeyIndex,
    file_keys: keys::FileKeys,
    /// Set by [`FileLoad::prepare_areas`], which staging needs first.
    areas: Option<AreaCodes>,
    /// See [`Store::dedicate_to_loading`].
    unordered_inserts: bool,
    counts: LoadCounts,
    committed: bool,
}

/// New reports waiting for DuckDB's threads, at most (~2 MB each).
const FEED_DEPTH: usize = 8;

/// Rows staged (reports and rejects) between two background flushes of the
/// database file (a DuckDB row group is 122,880 rows): see [`flush_while_loading`].
const ROWS_PER_FLUSH: u64 = 1 << 17;

/// Flushes the database file's written pages to disk each time the stager
/// asks, while the load goes on: DuckDB writes each row group of the insert
/// as it fills, and the commit's `fdatasync` otherwise waited for all of them
/// at once, with both cores idle (bench/README.md). The same idea as
/// RocksDB's `bytes_per_sync`. Best effort: when the file cannot be opened or
/// flushed here, the commit flushes it as before.
fn flush_while_loading(file: &Path, requests: &std::sync::mpsc::Receiver<()>) {
    // `fdatasync` is the file's, not the descriptor's: ours flushes DuckDB's writes.
    let Ok(file) = std::fs::File::open(file) else {
        return;
    };
    for () in requests {
        if file.sync_data().is_err() {
            return;
        }
        #[cfg(test)]
        BACKGROUND_FLUSHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Each staged file's name and the columns each of its insert statements
/// named (for tests of which columns a load sends, and that it is not split
/// where it need not be).
#[cfg(test)]
pub(crate) static SEGMENTS: std::sync::Mutex<Vec<(String, Vec<Vec<String>>)>> =
    std::sync::Mutex::new(Vec::new());

/// Background flushes done by this process (for a test that they happen).
#[cfg(test)]
pub(crate) static BACKGROUND_FLUSHES: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

impl<'c> FileLoad<'c> {
    /// Starts loading one file on `conn`: a transaction and a run row (see
    /// `Store::begin_file`).
    pub(crate) fn begin(
        conn: &'c Connection,
        path: &'c str,
        dir: Option<&'c Path>,
        loader: &'c mut Loader,
        file_name: &str,
        format: &str,
        loaded_by: Option<&str>,
    ) -> Result<Self> {
        let err = |context| db_error(path, context);
        if !loader.connection_ready {
            conn.register_table_function::<feed::FeedFunction>(feed::FUNCTION)
                .map_err(err("register feed"))?;
            // DuckDB keeps up to `write_buffer_row_group_count` finished row
            // groups of an insert uncompressed in memory before writing them;
            // a load of 1M reports then compressed all of them at the
            // statement's end. Written as each fills instead, a load holds a
            // quarter less memory (peak RSS ~450 -> ~300 MiB) for the same work.
            conn.execute_batch("SET write_buffer_row_group_count = 1")
                .map_err(err("set write_buffer_row_group_count"))?;
            loader.connection_ready = true;
        }
        conn.execute_batch("BEGIN TRANSACTION")
            .map_err(err("begin"))?;
        let mut load = FileLoad {
            conn,
            path,
            dir,
            run_id: 0,
            file_name: file_name.to_owned(),
            loaded_by: loaded_by.map(str::to_owned),
            keys: &mut loader.keys,
            file_keys: keys::FileKeys::default(),
            areas: None,
            unordered_inserts: loader.unordered_inserts,
            counts: LoadCounts::default(),
            committed: false,
        };
        // Inside the transaction, so the keys match what this load can see.
        load_keys(conn, path, load.keys)?;
        load.run_id = conn
            .query_row(
                "INSERT INTO ingest_runs (run_id, file_name, format, started_at, tool_version, loaded_by) \
                 VALUES (nextval('ingest_run_seq'), ?, ?, current_timestamp, ?, ?) RETURNING run_id",
                params![file_name, format, env!("CARGO_PKG_VERSION"), loaded_by],
                |r| r.get(0),
            )
            .map_err(err("insert ingest run"))?;
        load.counts.run_id = load.run_id;
        Ok(load)
    }

    fn err(&self, context: &'static str) -> impl Fn(duckdb::Error) -> StoreError + '_ {
        db_error(self.path, context)
    }

    pub fn run_id(&self) -> i64 {
        self.run_id
    }

    /// Linking's operations inside this load's transaction: its new reports
    /// are seen, and links written here commit (or roll back) with them.
    pub fn links(&self) -> crate::store::Links<'_> {
        crate::store::Links::new(self.conn, self.path, self.loaded_by.as_deref())
    }

    /// Says how many rows the file is likely to hold (a guess from its size),
    /// so the file's key index is sized once.
    pub fn expect_rows(&mut self, rows: usize) {
        self.file_keys.reserve(rows);
    }

    /// Makes `reports.town` and `reports.district` ENUMs that hold `towns`
    /// and `districts` (the names the ingest's `geo::Localities` indexes),
    /// whose indices the prepared reports carry (`area_codes`). Before
    /// [`FileLoad::stage`].
    pub fn prepare_areas(&mut self, towns: &[&str], districts: &[&str]) -> Result<()> {
        let areas = area_codes::prepare(self.conn, towns, districts)
            .map_err(self.err("town and district types"))?;
        self.areas = Some(areas);
        Ok(())
    }

    /// Stages the file: `run` gets a [`Stager`] on a thread of its own and
    /// hands it the file's rows in order, while this thread runs the
    /// `INSERT` statements that take the new reports (see `feed` and
    /// [`Segment`]). The rejects are appended once the statements are done
    /// (the connection is busy until then), in line order, and each is then
    /// handed to `listed` (the ingest writes its rejects file from them while
    /// the database takes the rest). When `run` fails, the statement is
    /// stopped and `run`'s error returned; nothing is visible to other
    /// connections before [`FileLoad::commit`], and dropping the load rolls
    /// everything back.
    pub fn stage<T, E>(
        &mut self,
        mut listed: impl FnMut(RowReject) + Send,
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
        // Only a database in a file (one in memory has no directory).
        let (flush, flush_requests) = std::sync::mpsc::sync_channel(1);
        let database_file = self.dir.map(|_| Path::new(path));
        let areas = self
            .areas
            .as_ref()
            .expect("FileLoad::prepare_areas is called before staging");
        let mut stager = Stager {
            path,
            areas,
            keys: &*self.keys,
            file_keys: &mut self.file_keys,
            counts: &mut self.counts,
            rejects: RejectBuffer::in_dir(self.dir),
            segments: segment_sender,
            current: None,
            schema: std::sync::Arc::clone(&schema),
            left_out: Vec::new(),
            flush: database_file.map(|_| flush),
            statement: StatementEnd::default(),
        };
        let conn = self.conn;
        let run_id = self.run_id;
        let unordered = self.unordered_inserts;
        let (staged, inserted) = std::thread::scope(|scope| {
            if let Some(file) = database_file {
                // Ends when the stager (the requests' sender) is done.
                scope.spawn(move || flush_while_loading(file, &flush_requests));
            }
            let staging = scope.spawn(move || {
                let staged = run(&mut stager);
                if staged.is_err() {
                    if let Some(current) = &stager.current {
                        let _ = current.sender.send(FeedItem::Failed);
                    }
                }
                (staged, stager.rejects, stager.statement.seen())
            });
            let mut inserted = Ok(());
            #[cfg(test)]
            let mut statements = Vec::new();
            for segment in segments {
                #[cfg(test)]
                statements.push(
                    segment
                        .columns
                        .iter()
                        .map(|&i| schema.field(i).name().clone())
                        .collect(),
                );
                inserted = insert_segment(conn, path, &schema, segment, run_id, unordered);
                if inserted.is_err() {
                    break;
                }
            }
            #[cfg(test)]
            SEGMENTS
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((self.file_name.clone(), statements));
            (staging.join(), inserted)
        });
        let (staged, rejects, statement_ended) =
            staged.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // When the statement failed first, its error says why; else the stager's.
        let value = match (staged, inserted) {
            (_, Err(e)) if statement_ended => return Err(e.into()),
            (staged, inserted) => {
                let value = staged?;
                inserted?;
                value
            }
        };
        insert_rejects(conn, path, run_id, &self.file_name, rejects, &mut listed)?;
        Ok(value)
    }

    /// Checks that every row is accounted for, and commits.
    pub fn commit(mut self, sha256: &str, read_as: ReadAs) -> Result<LoadCounts> {
        let conn = self.conn;
        let (encoding, delimiter) = read_as.columns();
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
             duplicates = ?, rejected = ?, encoding = ?, delimiter = ? WHERE run_id = ?",
            params![sha256, counts.read as i64, counts.stored as i64, counts.duplicates as i64, counts.rejected as i64, encoding, delimiter, self.run_id],
        )
        .map_err(self.err("record run"))?;
        conn.execute_batch("COMMIT").map_err(self.err("commit"))?;
        self.committed = true;
        // The committed keys join the index (when the next load begins); the
        // version read back tells that load that the index is current.
        self.keys.defer(std::mem::take(&mut self.file_keys));
        self.keys.version = read_data_version(conn).ok();
        Ok(counts)
    }
}

impl Drop for FileLoad<'_> {
    fn drop(&mut self) {
        if !self.committed {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// The staging side of [`FileLoad::stage`]: classifies each report against
/// the stored keys and the file's earlier rows, gathers the rejects, and sends
/// the new reports to DuckDB.
pub struct Stager<'l> {
    path: &'l str,
    areas: &'l AreaCodes,
    keys: &'l keys::KeyIndex,
    file_keys: &'l mut keys::FileKeys,
    counts: &'l mut LoadCounts,
    rejects: RejectBuffer,
    segments: std::sync::mpsc::Sender<Segment>,
    /// Asks for a background flush of the database file (`None` in memory).
    flush: Option<std::sync::mpsc::SyncSender<()>>,
    /// The segment being sent, once a batch had new reports.
    current: Option<CurrentSegment>,
    /// `report_batch`'s schema, which segments name columns of by position.
    schema: duckdb::arrow::datatypes::SchemaRef,
    /// Columns the first segment leaves out unless its first batch fills
    /// them ([`Stager::expect_columns`]).
    left_out: Vec<usize>,
    statement: StatementEnd,
}

/// Whether a feeding side found its insert statement ended before it was
/// done, i.e. the statement failed: the statement's error, not the feeder's,
/// then says why the load stopped. A feeder that fails on its own tells the
/// statement to stop, and its error is the one that says why.
#[derive(Default)]
struct StatementEnd(std::cell::Cell<bool>);

impl StatementEnd {
    /// The feeder's error for a statement that ended before `what` did, noted.
    fn ended(&self, path: &str, context: &'static str, what: &str) -> StoreError {
        self.0.set(true);
        StoreError::Io {
            path: path.to_owned(),
            context,
            source: std::io::Error::other(format!("the insert statement ended before {what} did")),
        }
    }

    fn seen(&self) -> bool {
        self.0.get()
    }
}

/// Consecutive new reports taken by one `INSERT` that names only the columns
/// they may fill, so that DuckDB leaves the others NULL: a file fills only
/// some of the optional columns (`notes`, `grading`, ...), and a column sent
/// only to be NULL costs DuckDB's threads a little (bench/README.md). A file
/// has one segment: the columns are those it can fill
/// ([`Stager::expect_columns`]), all of them if it does not say. A batch that
/// fills one left out starts a wider segment (a column stays once it joins),
/// but a second statement into the table costs DuckDB far more than the
/// column (past its first row group, it writes rows again at the commit;
/// bench/README.md has the figures).
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
    run_id: i64,
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
    let values: Vec<String> = names
        .iter()
        .map(|&name| match report_batch::enum_type(name) {
            // `enum_range` lists the values as text: cast once to the type,
            // the list yields the ENUM value itself (no cast per row).
            Some(ty) => format!("CAST(enum_range(NULL::{ty}) AS {ty}[])[{name}] AS {name}"),
            None => name.to_owned(),
        })
        .collect();
    // The run id is the statement's parameter: one value for the whole load,
    // not a column of every batch.
    let sql = format!(
        "INSERT INTO reports ({}, run_id) SELECT {}, CAST($1 AS BIGINT) FROM {}({})",
        names.join(", "),
        values.join(", "),
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
            let inserted = conn
                .execute(&sql, params![run_id])
                .map_err(db("insert reports"));
            // Back on whatever happened: see `Store::dedicate_to_loading`.
            let restored = order(true);
            inserted.and(restored)
        })
    } else {
        conn.execute(&sql, params![run_id])
            .map(drop)
            .map_err(db("insert reports"))
    };
    // A statement that ended early takes no more batches: let the stager's
    // sends return (and fail) instead of waiting for room.
    registration.abandon();
    inserted
}

/// Stores the rejects set aside while the reports statement ran, in line
/// order, as one `INSERT` fed by a thread that reads them back (from memory,
/// then from the temporary file) and hands each to `listed` once batched.
fn insert_rejects(
    conn: &Connection,
    path: &str,
    run_id: i64,
    file_name: &str,
    rejects: RejectBuffer,
    listed: &mut (impl FnMut(RowReject) + Send),
) -> Result<()> {
    if rejects.is_empty() {
        return Ok(());
    }
    let (sender, items) = std::sync::mpsc::sync_channel(FEED_DEPTH);
    let abandoned = std::sync::Arc::<std::sync::atomic::AtomicBool>::default();
    let registration = feed::Registration::new(RejectColumns::schema(), items, abandoned.clone());
    // Our own column names and our own token: no input reaches this text.
    let columns = RejectColumns::NAMES.join(", ");
    let sql = format!(
        "INSERT INTO rejects (run_id, {columns}) SELECT CAST($1 AS BIGINT), {columns} FROM {}({})",
        feed::FUNCTION,
        registration.token()
    );
    let (failed, inserted) = std::thread::scope(|scope| {
        // Answers its own failure (the statement is then told to stop), or
        // `None`: done, or stopped because the statement ended first, whose
        // error then says why.
        let feeding = scope.spawn(move || -> Option<StoreError> {
            let statement = StatementEnd::default();
            let ended = || statement.ended(path, "store rejects", "the rejects");
            let send = |columns: &mut RejectColumns| -> Result<()> {
                if abandoned.load(std::sync::atomic::Ordering::Acquire) {
                    return Err(ended());
                }
                let batch = columns
                    .take()
                    .map_err(arrow_error(path, "reject columns"))?;
                sender.send(FeedItem::Batch(batch)).map_err(|_| ended())
            };
            let mut columns = RejectColumns::new();
            let fed = rejects
                .drain(path, |reject| {
                    columns.push(file_name, &reject);
                    listed(reject);
                    if columns.len() == VECTOR_ROWS {
                        send(&mut columns)?;
                    }
                    Ok(())
                })
                .and_then(|()| {
                    if columns.len() > 0 {
                        send(&mut columns)?;
                    }
                    Ok(())
                });
            match fed {
                Err(e) if !statement.seen() => {
                    let _ = sender.send(FeedItem::Failed);
                    Some(e)
                }
                _ => None,
            }
        });
        let inserted = conn
            .execute(&sql, params![run_id])
            .map(drop)
            .map_err(db_error(path, "insert rejects"));
        registration.abandon();
        (feeding.join(), inserted)
    });
    match failed.unwrap_or_else(|panic| std::panic::resume_unwind(panic)) {
        Some(e) => Err(e),
        None => inserted,
    }
}

/// The sending end of the segment being filled.
struct CurrentSegment {
    columns: Vec<usize>,
    sender: std::sync::mpsc::SyncSender<FeedItem>,
    abandoned: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Stager<'_> {
    /// Takes one batch of the file's rows, in file order: its valid reports
    /// (`prepared`) and its rows rejected before they were reports (parsing,
    /// geocoding; `rejected`, in line order). Each report is stored if its
    /// `(source, report_id)` is new; counted if the same report is stored
    /// already or came earlier in the file; listed as a conflict if that id
    /// is taken by different content (the stored or earlier report wins,
    /// untouched), with `raw_of(i)` as the input text of the batch's `i`th
    /// report. Rejects are listed in line order (see [`FileLoad::stage`]).
    pub fn stage_batch(
        &mut self,
        prepared: PreparedReports,
        rejected: Vec<RowReject>,
        raw_of: impl Fn(usize) -> String,
    ) -> Result<()> {
        let PreparedReports {
            mut columns, keys, ..
        } = prepared;
        let path = self.path;
        let arrow = |context| arrow_error(path, context);
        let mut new_rows = Vec::with_capacity(keys.len());
        let mut conflicts = Vec::new();
        let read_before = self.counts.read;
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
        self.counts.read += rejected.len() as u64;
        self.counts.rejected += rejected.len() as u64;
        let mut rejected = rejected.into_iter().peekable();
        for (i, verdict) in conflicts {
            // The batch's earlier rejects first: both lists are in line order.
            while let Some(reject) = rejected.next_if(|r| r.line < keys[i].line) {
                self.rejects.push(path, reject)?;
            }
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
        for reject in rejected {
            self.rejects.push(path, reject)?;
        }
        if let Some(flush) = &self.flush {
            if self.counts.read / ROWS_PER_FLUSH > read_before / ROWS_PER_FLUSH {
                // Skipped while a flush is under way: the next one takes these rows too.
                let _ = flush.try_send(());
            }
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
        let batch = report_batch::with_area_positions(&batch, self.areas)
            .map_err(arrow("town and district positions"))?;
        self.send(&batch)
    }

    /// Says which optional columns the file can fill (those of its header,
    /// for a CSV): the others are left out of the insert statement unless a
    /// report fills one after all. Before the first batch with new reports;
    /// later, nothing changes.
    pub fn expect_columns(&mut self, columns: &[OptionalColumn]) {
        if self.current.is_some() {
            return;
        }
        self.left_out = OptionalColumn::ALL
            .iter()
            .filter(|column| !columns.contains(column))
            .filter_map(|column| self.schema.index_of(column.name()).ok())
            .collect();
    }

    /// Sends new reports, starting a wider segment first if they fill a
    /// column the current one leaves out.
    fn send(&mut self, batch: &RecordBatch) -> Result<()> {
        let path = self.path;
        let statement = &self.statement;
        let ended = || statement.ended(path, "stage reports", "the file");
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
                        || match &self.current {
                            Some(c) => c.columns.binary_search(&i).is_ok(),
                            None => !self.left_out.contains(&i),
                        }
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
}
