//! A table function through which one load's new reports reach DuckDB:
//! `INSERT INTO reports (...) SELECT ... FROM hotspots_feed(token)`, the
//! select list mapping ENUM positions back to values (`file_load`); and then
//! its rejects, the same way (`INSERT INTO rejects ...`).
//!
//! Why not the Appender: an appender is one thread. It converted every Arrow
//! batch, appended it and compressed each full row group on the loading
//! thread, then the commit flushed the last ones, again on one thread, while
//! the ingest workers waited. As the source of an `INSERT`, the batches are
//! converted, appended and compressed by as many of DuckDB's threads as the
//! database allows (with `preserve_insertion_order` off; see
//! `Store::dedicate_to_loading`), as DuckDB's own `read_csv` is.
//!
//! DuckDB only hands a table function its SQL arguments, so the statement
//! names its batches by a token: a process-wide registry maps tokens to feeds
//! for as long as a [`Registration`] lives.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, PoisonError};

use duckdb::arrow::array::{Array, StringArray};
use duckdb::arrow::datatypes::SchemaRef;
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{
    ArrayVector, DataChunkHandle, FlatVector, Inserter, ListVector, LogicalTypeHandle,
    LogicalTypeId, StructVector,
};
use duckdb::vtab::arrow::{write_arrow_array_to_vector, WritableVector};
use duckdb::vtab::{to_duckdb_logical_type, BindInfo, InitInfo, TableFunctionInfo, VTab};

/// The table function's name in SQL.
pub(super) const FUNCTION: &str = "hotspots_feed";

/// What the loading side sends down a feed.
pub(super) enum FeedItem {
    /// New reports, at most DuckDB's vector size (2,048 rows).
    Batch(RecordBatch),
    /// The load failed: DuckDB is to stop the statement (the caller reports
    /// its own error, not this one).
    Failed,
}

/// One load's batches, as the statement's threads take them.
pub(super) struct Feed {
    schema: SchemaRef,
    /// Locked only to take the next item: DuckDB's threads each convert and
    /// append their own batch.
    items: Mutex<Receiver<FeedItem>>,
    /// Set, under the lock, once a thread has taken `Failed`. DuckDB's other
    /// threads go on asking for chunks until they see the statement's error,
    /// and the load may still hold its sender: without this, the next thread
    /// to ask would wait in `recv` for a batch that never comes, and the
    /// statement (waiting for that thread) would never end.
    stopped: AtomicBool,
}

/// What a statement's thread gets when it asks a feed for the next chunk.
#[derive(Debug)]
enum Taken {
    Batch(RecordBatch),
    /// The load failed (now or for an earlier thread).
    Stopped,
    /// Every sender gone: the load has sent its last batch.
    End,
}

impl Feed {
    fn new(schema: SchemaRef, items: Receiver<FeedItem>) -> Self {
        Self {
            schema,
            items: Mutex::new(items),
            stopped: AtomicBool::new(false),
        }
    }

    fn take(&self) -> Taken {
        let items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        if self.stopped.load(Ordering::Acquire) {
            return Taken::Stopped;
        }
        match items.recv() {
            Ok(FeedItem::Batch(batch)) => Taken::Batch(batch),
            Ok(FeedItem::Failed) => {
                self.stopped.store(true, Ordering::Release);
                Taken::Stopped
            }
            Err(_) => Taken::End,
        }
    }
}

type Registry = Mutex<HashMap<i64, Arc<Feed>>>;

fn registry() -> &'static Registry {
    static FEEDS: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    FEEDS.get_or_init(Registry::default)
}

/// A feed made available to SQL under [`Registration::token`]; withdrawn when
/// dropped (the statement's own reference goes when DuckDB drops its plan).
pub(super) struct Registration {
    token: i64,
    feed: Arc<Feed>,
    abandoned: Arc<AtomicBool>,
}

impl Registration {
    pub(super) fn new(
        schema: SchemaRef,
        items: Receiver<FeedItem>,
        abandoned: Arc<AtomicBool>,
    ) -> Self {
        static NEXT: AtomicI64 = AtomicI64::new(1);
        let token = NEXT.fetch_add(1, Ordering::Relaxed);
        let feed = Arc::new(Feed::new(schema, items));
        registry()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token, Arc::clone(&feed));
        Self {
            token,
            feed,
            abandoned,
        }
    }

    pub(super) fn token(&self) -> i64 {
        self.token
    }

    /// Called once the statement is done, however it ended: from now on
    /// whatever is sent is received here and dropped, until every sender has
    /// gone. A sender that checks the flag stops at its next batch; one that
    /// waits for room in the channel is let through first.
    pub(super) fn abandon(&self) {
        self.abandoned.store(true, Ordering::Release);
        let items = self
            .feed
            .items
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while items.recv().is_ok() {}
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        registry()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.token);
    }
}

/// The `hotspots_feed(token)` table function.
pub(super) struct FeedFunction;

/// Raised inside DuckDB when a feed is told the load failed.
#[derive(Debug, thiserror::Error)]
#[error("the load feeding this statement stopped")]
struct LoadStopped;

/// Raised inside DuckDB for a token no load registered.
#[derive(Debug, thiserror::Error)]
#[error("no load is registered as feed {0}")]
struct UnknownFeed(i64);

type CallbackResult<T> = Result<T, Box<dyn std::error::Error>>;

impl VTab for FeedFunction {
    type InitData = ();
    type BindData = Arc<Feed>;

    fn bind(bind: &BindInfo) -> CallbackResult<Arc<Feed>> {
        let token = bind.get_parameter(0).to_int64();
        let feed = registry()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&token)
            .cloned()
            .ok_or(UnknownFeed(token))?;
        for field in feed.schema.fields() {
            bind.add_result_column(field.name(), to_duckdb_logical_type(field.data_type())?);
        }
        Ok(feed)
    }

    fn init(init: &InitInfo) -> CallbackResult<()> {
        // As many threads as the database runs (its `threads` setting caps this).
        init.set_max_threads(64);
        Ok(())
    }

    fn func(info: &TableFunctionInfo<Self>, output: &mut DataChunkHandle) -> CallbackResult<()> {
        match info.get_bind_data().take() {
            Taken::Batch(batch) => write_batch(&batch, output)?,
            Taken::Stopped => return Err(LoadStopped.into()),
            Taken::End => output.set_len(0),
        }
        Ok(())
    }

    fn parameters() -> Option<Vec<LogicalTypeHandle>> {
        Some(vec![LogicalTypeHandle::from(LogicalTypeId::Bigint)])
    }
}

/// A batch into DuckDB's chunk, as `duckdb::vtab::record_batch_to_duckdb_data_chunk`
/// does but for text with NULLs: that one copies every row's string into the
/// vector, a NULL row's empty one included (a call into DuckDB each, which checks
/// the UTF-8 again), then marks the NULL rows. Optional text (venue names,
/// notes) is NULL in most rows of a column that is not NULL throughout (those
/// the segment leaves out), so here a NULL row is only marked.
fn write_batch(batch: &RecordBatch, chunk: &mut DataChunkHandle) -> CallbackResult<()> {
    for (index, column) in batch.columns().iter().enumerate() {
        if let Some(strings) = column.as_any().downcast_ref::<StringArray>() {
            let mut vector = chunk.flat_vector(index);
            for (row, value) in strings.iter().enumerate() {
                match value {
                    Some(value) => vector.insert(row, value),
                    None => vector.set_null(row),
                }
            }
        } else {
            write_arrow_array_to_vector(column, &mut ChunkColumn { chunk, index })?;
        }
    }
    chunk.set_len(batch.num_rows());
    Ok(())
}

/// One column of a chunk, for `write_arrow_array_to_vector`.
struct ChunkColumn<'a> {
    chunk: &'a DataChunkHandle,
    index: usize,
}

impl WritableVector for ChunkColumn<'_> {
    fn flat_vector(&mut self) -> FlatVector<'_> {
        self.chunk.flat_vector(self.index)
    }

    fn list_vector(&mut self) -> ListVector<'_> {
        self.chunk.list_vector(self.index)
    }

    fn array_vector(&mut self) -> ArrayVector<'_> {
        self.chunk.array_vector(self.index)
    }

    fn struct_vector(&mut self) -> StructVector<'_> {
        self.chunk.struct_vector(self.index)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::sync_channel;
    use std::sync::Arc;

    use duckdb::arrow::array::{ArrayRef, Int64Array};
    use duckdb::arrow::record_batch::RecordBatch;

    use super::{Feed, FeedFunction, FeedItem, Registration, Taken, FUNCTION};
    use crate::store::Store;

    fn numbers(from: i64, rows: i64) -> RecordBatch {
        let column: ArrayRef = Arc::new(Int64Array::from_iter_values(from..from + rows));
        RecordBatch::try_from_iter([("n", column)]).expect("batch")
    }

    fn store() -> Store {
        let store = Store::open_in_memory().expect("open");
        store
            .conn
            .register_table_function::<FeedFunction>(FUNCTION)
            .expect("register");
        store
    }

    #[test]
    fn batches_sent_are_the_rows_read_whatever_the_threads() {
        let store = store();
        store
            .conn
            .execute_batch("SET threads = 2")
            .expect("threads");
        let (sender, items) = sync_channel(2);
        let registration = Registration::new(numbers(0, 0).schema(), items, Arc::default());
        let sql = format!(
            "SELECT count(*), CAST(sum(n) AS BIGINT) FROM {FUNCTION}({})",
            registration.token()
        );
        let (count, sum): (i64, i64) = std::thread::scope(|scope| {
            scope.spawn(move || {
                for i in 0..100 {
                    sender
                        .send(FeedItem::Batch(numbers(i * 2048, 2048)))
                        .expect("send");
                }
            });
            store
                .conn
                .query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
        });
        let rows = 100 * 2048_i64;
        assert_eq!((count, sum), (rows, rows * (rows - 1) / 2));
    }

    /// A row of `text_numbers_and_nulls_arrive_as_sent`'s columns.
    type Row = (Option<String>, Option<String>, String, Option<i32>);

    /// Text with NULLs takes `write_batch`'s own path, other types the crate's:
    /// every value and every NULL arrives as sent, in a column with some
    /// NULLs (`sparse`), one all NULL (`empty`) and one with none (`dense`).
    #[test]
    fn text_numbers_and_nulls_arrive_as_sent() {
        use duckdb::arrow::array::{Int32Array, StringArray};
        let store = store();
        let text: Vec<Option<String>> = (0..3000)
            .map(|i| (i % 3 != 0).then(|| format!("value number {i}")))
            .collect();
        let numbers: Vec<Option<i32>> = (0..3000).map(|i| (i % 5 != 0).then_some(i)).collect();
        let batch = |from: usize, to: usize| {
            let columns: Vec<(&str, ArrayRef)> = vec![
                (
                    "sparse",
                    Arc::new(StringArray::from(text[from..to].to_vec())),
                ),
                (
                    "empty",
                    Arc::new(StringArray::from(vec![None::<&str>; to - from])),
                ),
                (
                    "dense",
                    Arc::new(StringArray::from_iter_values(
                        (from..to).map(|i| format!("#{i}")),
                    )),
                ),
                ("n", Arc::new(Int32Array::from(numbers[from..to].to_vec()))),
            ];
            RecordBatch::try_from_iter(columns).expect("batch")
        };
        let (sender, items) = sync_channel(4);
        let registration = Registration::new(batch(0, 0).schema(), items, Arc::default());
        sender.send(FeedItem::Batch(batch(0, 2048))).expect("send");
        sender
            .send(FeedItem::Batch(batch(2048, 3000)))
            .expect("send");
        drop(sender);
        let sql = format!(
            "SELECT sparse, empty, dense, n FROM {FUNCTION}({})",
            registration.token()
        );
        let mut stmt = store.conn.prepare(&sql).expect("prepare");
        let mut read: Vec<Row> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        read.sort_by_key(|row| row.2[1..].parse::<usize>().expect("number"));
        let sent: Vec<_> = (0..3000)
            .map(|i| (text[i].clone(), None, format!("#{i}"), numbers[i]))
            .collect();
        assert_eq!(read, sent);
    }

    /// The error of `SELECT count(*)` over feed `token`.
    fn count_error(store: &Store, token: i64) -> String {
        let sql = format!("SELECT count(*) FROM {FUNCTION}({token})");
        store
            .conn
            .query_row(&sql, [], |r| r.get::<_, i64>(0))
            .expect_err("the statement fails")
            .to_string()
    }

    #[test]
    fn a_failed_load_fails_the_statement() {
        let store = store();
        let (sender, items) = sync_channel(4);
        let registration = Registration::new(numbers(0, 0).schema(), items, Arc::default());
        sender.send(FeedItem::Batch(numbers(0, 10))).expect("send");
        sender.send(FeedItem::Failed).expect("send");
        let err = count_error(&store, registration.token());
        assert!(err.contains("stopped"), "{err}");
    }

    /// CI once hung here: one of DuckDB's threads took `Failed` and another,
    /// asking for more before it saw the error, waited for ever on a load
    /// that still held its sender. The batch sent after `Failed` stands for
    /// "anything but stopping" deterministically, where waiting would hang.
    #[test]
    fn a_feed_stays_stopped_for_every_thread_that_asks_after() {
        let (sender, items) = sync_channel(4);
        let feed = Feed::new(numbers(0, 0).schema(), items);
        sender.send(FeedItem::Batch(numbers(0, 10))).expect("send");
        sender.send(FeedItem::Failed).expect("send");
        sender.send(FeedItem::Batch(numbers(10, 10))).expect("send");
        let taken: Vec<Taken> = (0..3).map(|_| feed.take()).collect();
        assert!(
            matches!(
                taken.as_slice(),
                [Taken::Batch(_), Taken::Stopped, Taken::Stopped]
            ),
            "{taken:?}"
        );
        drop(sender);
    }

    #[test]
    fn an_unknown_token_is_an_error() {
        let store = store();
        let (_sender, items) = sync_channel::<FeedItem>(1);
        let registration = Registration::new(numbers(0, 0).schema(), items, Arc::default());
        let err = count_error(&store, registration.token() + 1000);
        assert!(err.contains("no load is registered"), "{err}");
    }

    /// A statement that stops reading (here `LIMIT`) must not leave the sender
    /// waiting for room: without `abandon` this test never ends.
    #[test]
    fn abandoning_lets_a_waiting_sender_go() {
        let store = store();
        let (sender, items) = sync_channel(1);
        let abandoned = Arc::<std::sync::atomic::AtomicBool>::default();
        let registration = Registration::new(numbers(0, 0).schema(), items, abandoned.clone());
        let sql = format!("SELECT n FROM {FUNCTION}({}) LIMIT 1", registration.token());
        let sent = std::thread::scope(|scope| {
            let sending = scope.spawn(move || {
                let mut sent = 0;
                while !abandoned.load(std::sync::atomic::Ordering::Acquire)
                    && sender.send(FeedItem::Batch(numbers(sent, 1))).is_ok()
                {
                    sent += 1;
                }
                sent
            });
            let first: i64 = store.conn.query_row(&sql, [], |r| r.get(0)).expect("query");
            assert_eq!(first, 0);
            registration.abandon();
            sending.join().expect("sender")
        });
        assert!(sent >= 1);
    }
}
