//! Where a load stores its reports: a [`Store`] that is open, or a new one
//! still being created ([`NewStore`]) while the first file's rows are read,
//! validated and located. Creating a database (its schema, a checkpoint, the
//! file moved into place and opened again) is serial work on one core, which
//! the workers would otherwise wait for (bench/README.md has its timeline).

use std::path::PathBuf;
use std::thread::JoinHandle;

use super::PipelineError;
use crate::model::ContentHashing;
use crate::store::{ReportPreparer, Store, StoreError};

/// What a load needs of its store: before its threads start, how to hash and
/// digest rows; once the first batch is ready, the store itself.
pub trait Destination {
    /// How the store hashes reports' content.
    fn content_hashing(&self) -> ContentHashing;
    /// What the workers prepare reports with.
    fn report_preparer(&self) -> ReportPreparer;
    /// The store, open (waiting for it if it is being created).
    ///
    /// # Errors
    /// When it could not be created, or is not the database it was taken for.
    fn store(&mut self) -> Result<&mut Store, PipelineError>;
}

impl Destination for Store {
    fn content_hashing(&self) -> ContentHashing {
        Store::content_hashing(self)
    }

    fn report_preparer(&self) -> ReportPreparer {
        Store::report_preparer(self)
    }

    fn store(&mut self) -> Result<&mut Store, PipelineError> {
        Ok(self)
    }
}

/// A database file being created on a thread of its own.
pub struct NewStore {
    path: PathBuf,
    preparer: ReportPreparer,
    state: State,
}

enum State {
    Opening(JoinHandle<Result<Store, StoreError>>),
    Open(Box<Store>),
    /// Its creation failed (the load that waited for it said why).
    Failed,
}

impl NewStore {
    /// Hashing of a database with no reports (migration 11 gives it XXH3):
    /// a new one's rows are hashed so before it exists, and checked once open.
    const CONTENT_HASHING: ContentHashing = ContentHashing::Xxh3;

    /// Starts creating the database at `path`, which does not exist yet
    /// (`Store::open` creates it whole or not at all). `ready` runs on the
    /// store once it is open, on the creating thread.
    pub fn create(path: PathBuf, ready: impl FnOnce(&mut Store) + Send + 'static) -> Self {
        let preparer = ReportPreparer::default();
        let opening = {
            let (path, preparer) = (path.clone(), preparer.clone());
            std::thread::spawn(move || {
                let mut store = Store::open(&path)?;
                store.load_with(&preparer);
                ready(&mut store);
                Ok(store)
            })
        };
        Self {
            path,
            preparer,
            state: State::Opening(opening),
        }
    }

    /// Waits for the creation; a store whose content hashing is not a new
    /// database's is refused.
    fn opened(
        &self,
        opening: JoinHandle<Result<Store, StoreError>>,
    ) -> Result<Store, PipelineError> {
        let store = opening
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        // Another process may have made the file between the caller's look
        // and the creation: loading into its reports with another hashing
        // would miss every duplicate.
        if store.content_hashing() != Self::CONTENT_HASHING {
            return Err(StoreError::Conflict(format!(
                "{}: a database appeared there while this one was being created; run again",
                self.path.display()
            ))
            .into());
        }
        Ok(store)
    }
}

impl Destination for NewStore {
    fn content_hashing(&self) -> ContentHashing {
        Self::CONTENT_HASHING
    }

    fn report_preparer(&self) -> ReportPreparer {
        self.preparer.clone()
    }

    fn store(&mut self) -> Result<&mut Store, PipelineError> {
        // Failed until it is open: a creation that fails is not waited for twice.
        self.state = match std::mem::replace(&mut self.state, State::Failed) {
            State::Opening(opening) => State::Open(Box::new(self.opened(opening)?)),
            state => state,
        };
        match &mut self.state {
            State::Open(store) => Ok(store),
            State::Opening(_) | State::Failed => Err(StoreError::Conflict(format!(
                "{}: the database was not created",
                self.path.display()
            ))
            .into()),
        }
    }
}

impl Drop for NewStore {
    /// Waits for the creation, so that a process ending early (a file that
    /// cannot be read) leaves the database made, not a temporary file.
    fn drop(&mut self) {
        if let State::Opening(opening) = std::mem::replace(&mut self.state, State::Failed) {
            let _ = opening.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{Destination as _, NewStore};
    use crate::ingest::{load, FileSummary, Input, LoadOptions, PipelineError};
    use crate::store::Store;

    /// `rows` reports (every 50th outside the UK, every 97th the same as the
    /// row before it), more than the reader may run ahead at the start.
    fn input(rows: usize) -> Input {
        use std::fmt::Write as _;
        let mut csv = String::from("report_id,reported_at,venue_type,lat,lng,source\n");
        for i in 0..rows {
            let id = if i % 97 == 1 { i - 1 } else { i };
            let lat = if i % 50 == 49 { 48 } else { 52 };
            let _ = writeln!(
                csv,
                "R{id},2024-01-01T10:00:00Z,car_wash,{lat}.{:06},0.{:04},test",
                id * 7 % 1_000_000,
                id % 9_000
            );
        }
        Input::Reader {
            name: "reports.csv".into(),
            reader: Box::new(std::io::Cursor::new(csv.into_bytes())),
        }
    }

    fn options() -> LoadOptions {
        LoadOptions {
            no_rejects_file: true,
            ..LoadOptions::default()
        }
    }

    /// What a load stored: each report's id, content hash, line and cell,
    /// and each reject's line, field and reason, in line order.
    fn stored(store: &Store) -> (Vec<String>, Vec<String>) {
        (
            store.column(
                "SELECT report_id || ' ' || content_hash || ' ' || line || ' ' || \
                 coalesce(CAST(h3_cell AS VARCHAR), '-') FROM reports ORDER BY line",
                [],
            ),
            store.column(
                "SELECT line || ' ' || field || ' ' || reason FROM rejects ORDER BY line",
                [],
            ),
        )
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A file loaded while its database is being created is stored as it is
    /// into a database opened first: the same reports, hashes and rejects.
    /// Loaded again, every report is a duplicate (the keys read back under
    /// the store's key, the content hashed as the database does).
    #[test]
    fn a_new_store_stores_what_an_open_one_does() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rows = 80_000;
        let mut new = NewStore::create(dir.path().join("new.duckdb"), Store::dedicate_to_loading);
        let made: FileSummary = load(&mut new, input(rows), &options(), None).expect("load");
        let made_store = new.store().expect("created");
        let mut opened = Store::open(&dir.path().join("opened.duckdb")).expect("open");
        let first: FileSummary = load(&mut opened, input(rows), &options(), None).expect("load");
        assert_eq!(made.counts, first.counts);
        assert!(
            made.counts.stored > 70_000
                && made.counts.rejected > 1_000
                && made.counts.duplicates > 700,
            "{:?}",
            made.counts
        );
        assert_eq!(stored(made_store), stored(&opened));
        let again = load(made_store, input(rows), &options(), None).expect("again");
        assert_eq!(
            (again.counts.stored, again.counts.duplicates),
            (0, made.counts.stored + made.counts.duplicates)
        );
        drop((new, opened));
        assert_eq!(entries(dir.path()), ["new.duckdb", "opened.duckdb"]);
    }

    /// A database that another process made at the path meanwhile, hashing
    /// content otherwise, is not loaded into.
    #[test]
    fn a_database_that_appeared_meanwhile_is_not_loaded_into() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.duckdb");
        Store::open(&path)
            .expect("open")
            .execute_batch("UPDATE content_hashing SET scheme = 'sha256'");
        let mut new = NewStore::create(path.clone(), |_| {});
        let error = load(&mut new, input(1_000), &options(), None)
            .expect_err("another database")
            .to_string();
        assert!(
            error.contains("appeared") && error.contains("db.duckdb"),
            "{error}"
        );
        drop(new);
        let store = Store::open(&path).expect("open");
        assert_eq!(store.column::<i64>("SELECT count(*) FROM reports", []), [0]);
    }

    /// A database that cannot be made is the load's error; nothing is left.
    #[test]
    fn a_store_that_cannot_be_created_is_the_loads_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("missing").join("db.duckdb");
        let mut new = NewStore::create(path, |_| {});
        let error = load(&mut new, input(100_000), &options(), None).expect_err("no directory");
        assert!(matches!(error, PipelineError::Store(_)), "{error:?}");
        assert!(error.to_string().contains("db.duckdb"), "{error}");
        drop(new);
        assert!(entries(dir.path()).is_empty());
    }

    /// Dropped unused (a process that stops before its first load), the
    /// database is left made whole, with no temporary file beside it.
    #[test]
    fn a_new_store_dropped_unused_is_made_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(NewStore::create(dir.path().join("db.duckdb"), |_| {}));
        assert_eq!(entries(dir.path()), ["db.duckdb"]);
        let store = Store::open(&dir.path().join("db.duckdb")).expect("open");
        assert!(store.schema_version().expect("version") > 0);
    }
}
