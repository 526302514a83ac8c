//! The ingest pipeline, glue only: read rows (`read`) → validate (`parse`) →
//! locate and index (`geo`) → stage and commit (`store`), one file per
//! transaction, then list the rejects beside the input.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::destination::Destination;
use super::encoding::{self, TextEncoding};
use super::read;
use super::rejects_file::{self, RejectsFile};
use crate::geo;
use crate::geo::{Geocoder, Localities};
use crate::ingest::{self, Format, HashingReader, ParseContext, ReadTally, RowReject};
use crate::store::{
    LoadCounts, NewReport, PreparedReports, ReadAs, ReportPreparer, Store, StoreError,
};

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Ingest(#[from] ingest::IngestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: cannot write rejects: {source}")]
    Rejects {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("HOTSPOTS_INGEST_WORKERS={value:?}: give a whole number of worker threads from 1 to {MAX_WORKERS}, or leave it unset")]
    Workers { value: String },
    #[error("{file}: stopped after {rows} rows (injected failure)")]
    Injected { file: String, rows: u64 },
}

/// Where a file's rows come from.
pub enum Input {
    Path(PathBuf),
    /// Standard input (`-`), or any reader, with the name used in listings.
    Reader {
        name: String,
        reader: Box<dyn std::io::Read + Send>,
    },
    /// A member of a zip archive (see [`ingest::with_archives_opened`]):
    /// named `ARCHIVE/MEMBER`, its rejects beside the archive.
    Archived {
        archive: PathBuf,
        member: String,
        reader: Box<dyn std::io::Read + Send>,
    },
    /// What was named but cannot be read at all (an archive that does not
    /// open): loading it is this error, so it is listed with the others.
    Unreadable(ingest::IngestError),
}

impl Input {
    pub fn name(&self) -> String {
        match self {
            Self::Path(p) => p.display().to_string(),
            Self::Reader { name, .. } => name.clone(),
            Self::Archived {
                archive, member, ..
            } => format!("{}/{member}", archive.display()),
            Self::Unreadable(e) => e.file().to_owned(),
        }
    }

    /// The input's bytes as a reader, or why there are none.
    ///
    /// # Errors
    /// When a file cannot be opened, or the input is [`Input::Unreadable`].
    pub(super) fn open(self) -> Result<Box<dyn std::io::Read + Send>, ingest::IngestError> {
        let file = self.name();
        match self {
            Self::Path(path) => match File::open(&path) {
                Ok(f) => Ok(Box::new(f)),
                Err(source) => Err(ingest::IngestError::Io { file, source }),
            },
            Self::Reader { reader, .. } | Self::Archived { reader, .. } => Ok(reader),
            Self::Unreadable(e) => Err(e),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub format: Option<Format>,
    /// The files' text encoding when not UTF-8 (a UTF-16 byte-order mark
    /// is followed unasked).
    pub encoding: Option<TextEncoding>,
    pub default_source: Option<String>,
    /// Where to write the rejects CSV; default beside the input (`NAME.rejects.csv`).
    pub rejects_path: Option<PathBuf>,
    /// Add this file's rejects to `rejects_path` rather than replace it:
    /// the files after the first of one command that names one rejects
    /// file for them all ([`load_each`]).
    pub rejects_append: bool,
    /// Do not write a rejects CSV (the rejects are still stored).
    pub no_rejects_file: bool,
    /// Fail after this many rows, to prove a failed file leaves nothing behind.
    #[doc(hidden)]
    pub fail_after_rows: Option<u64>,
    /// Done in the load's transaction before it commits: linking the new
    /// reports to premises (`premises::linking_before_commit`).
    pub before_commit: Option<crate::store::BeforeCommit>,
    /// Who asked for the load, recorded with its run: the staff account of a
    /// web or API load, `cli:USER` from the command line.
    pub loaded_by: Option<String>,
}

/// What happened to one file.
#[derive(Clone, Debug)]
pub struct FileSummary {
    pub file: String,
    pub counts: LoadCounts,
    pub sha256: String,
    /// Where its rejects were listed.
    pub rejects_csv: Option<PathBuf>,
    /// Why its rejects file could not be written (the path and the error).
    /// The load is committed all the same, and its rejects are kept with it
    /// in the database (`/loads/{run_id}/rejects.csv`).
    pub rejects_unwritten: Option<String>,
}

impl FileSummary {
    /// A committed load's summary, given how listing its rejects in
    /// `rejects_path` went: a rejects file that cannot be written does not
    /// undo what was stored, so it is said, not raised.
    pub(super) fn committed(
        file: String,
        counts: LoadCounts,
        sha256: String,
        rejects_path: Option<PathBuf>,
        listed: Result<(), PipelineError>,
    ) -> Self {
        let (rejects_csv, rejects_unwritten) = match listed {
            Ok(()) => (rejects_path, None),
            Err(e) => (None, Some(e.to_string())),
        };
        Self {
            file,
            counts,
            sha256,
            rejects_csv,
            rejects_unwritten,
        }
    }
}

/// Default rejects file: `DIR/NAME.rejects.csv` beside the input (an
/// archive's members share the archive's), `stdin.rejects.csv` for `-`.
pub fn default_rejects_path(input: &Input) -> PathBuf {
    match input {
        Input::Path(path) | Input::Archived { archive: path, .. } => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            path.with_file_name(format!("{name}.rejects.csv"))
        }
        Input::Reader { .. } | Input::Unreadable(_) => PathBuf::from("stdin.rejects.csv"),
    }
}

/// The format an input is read in: as `options` name it, else by the
/// file's extension (CSV for standard input). A folder is refused here,
/// whatever the format, with what to do instead.
///
/// # Errors
/// `Folder`, `Workbook` or `UnknownFormat` (see [`Format::of_file`]).
pub(super) fn format_of(
    input: &Input,
    options: &LoadOptions,
    file: &str,
) -> Result<Format, ingest::IngestError> {
    if let Input::Path(path) = input {
        if path.is_dir() {
            return Err(ingest::IngestError::Folder {
                file: file.to_owned(),
            });
        }
    }
    match (options.format, input) {
        (Some(f), _) => Ok(f),
        (None, Input::Path(p)) => Format::of_file(&p.to_string_lossy(), file),
        (None, Input::Archived { member, .. }) => Format::of_file(member, file),
        (None, Input::Reader { .. } | Input::Unreadable(_)) => Ok(Format::Csv),
    }
}

/// Loads one file into the store.
///
/// # Errors
/// When the file cannot be opened or read as a whole, or the store fails. Bad rows
/// are not errors: they are counted and listed.
pub fn load<D: Destination + ?Sized>(
    destination: &mut D,
    input: Input,
    options: &LoadOptions,
    progress: Option<&(dyn Fn(&ReadTally) + Sync)>,
) -> Result<FileSummary, PipelineError> {
    let file = input.name();
    let workers = worker_count()?;
    let format = format_of(&input, options, &file)?;
    let rejects_path = (!options.no_rejects_file).then(|| {
        options
            .rejects_path
            .clone()
            .unwrap_or_else(|| default_rejects_path(&input))
    });
    // The smallest useful row (an id, a date, a venue, a point) is ~40 bytes;
    // most are twice that. Capped so a huge file does not reserve gigabytes.
    let expected_rows = match &input {
        Input::Path(path) => std::fs::metadata(path)
            .map_or(0, |m| usize::try_from(m.len() / 64).unwrap_or(usize::MAX))
            .min(MAX_RESERVED_ROWS),
        _ => 0,
    };
    let raw_reader = input.open()?;
    let (hashing, tally) = HashingReader::new(raw_reader);
    let mut reader: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(1 << 16, hashing));
    let io = |source| ingest::IngestError::Io {
        file: file.clone(),
        source,
    };
    let head = reader.fill_buf().map_err(io)?;
    if read::is_workbook(head) {
        return Err(ingest::IngestError::Workbook { file }.into());
    }
    let encoding_name = encoding::read_as(options.encoding, head);
    // Below the hash: `ingest_runs` keeps the SHA-256 of the file's own bytes.
    let mut reader = encoding::decoded(reader, options.encoding).map_err(io)?;
    let read_as = ReadAs {
        encoding: encoding_name,
        delimiter: match format {
            Format::Csv => Some(read::csv_delimiter(reader.fill_buf().map_err(io)?)),
            Format::Jsonl | Format::Geojson => None,
        },
    };
    let context = ParseContext::new(
        options.default_source.clone(),
        destination.content_hashing(),
    );

    let started = std::time::Instant::now();
    // Threads: one reads, `worker_count()` validate, geocode and index, this
    // one begins the load, then stages into DuckDB in file order. Each end of
    // a channel is owned by one thread, so whoever stops (done or failed)
    // hangs up on the others: a failed stager drops its receiver and credits
    // (workers' sends and the reader's wait fail); a finished reader drops the
    // work sender (workers' receives fail, then theirs end the stager's loop).
    let (work, work_queue) = channel();
    let work_queue = &Mutex::new(work_queue);
    let (done, done_queue) = channel();
    let (credits, credit_queue) = sync_channel(BATCHES_AT_START);
    for _ in 0..BATCHES_AT_START {
        let _ = credits.send(Vec::new());
    }
    let context = &context;
    let preparer = &destination.report_preparer();
    let file_name = &file;
    let tally = &tally;
    // Written while the rejects are appended and committed; in place once
    // the load has committed.
    let listing = rejects_path
        .clone()
        .map(|path| RejectsFile::start(path, file.clone(), options.rejects_append));
    let (load, seen) = std::thread::scope(|scope| -> Result<_, PipelineError> {
        // Reading and locating need nothing of the load's transaction: they
        // start at once, and run ahead while this thread begins the load
        // (the run row, the stored keys, the town and district types: serial
        // work on a new database, while one core would otherwise idle).
        let reading =
            scope.spawn(move || read_batches(format, reader, file_name, &work, &credit_queue));
        let workers: Vec<_> = (0..workers)
            .map(|_| {
                let done = done.clone();
                scope.spawn(move || locate_batches(context, preparer, work_queue, &done))
            })
            .collect();
        drop(done);
        let credits_ref = &credits;
        let staged = (|| -> Result<_, PipelineError> {
            let mut load = destination.store()?.begin_file(
                file_name,
                format.as_str(),
                options.loaded_by.as_deref(),
            )?;
            load.expect_rows(expected_rows);
            let (towns, districts) = Localities::default().names();
            load.prepare_areas(towns, districts)?;
            // With "rows staged", "committed" and "rejects listed": where a
            // load's time goes (`HOTSPOTS_LOG=info`; bench/README.md has a timeline).
            tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "ready to stage"
            );
            let seen = load.stage(
                |reject| {
                    if let Some(listing) = &listing {
                        listing.list(reject);
                    }
                },
                move |stager| {
                    stage_in_order(
                        stager,
                        done_queue,
                        credits_ref,
                        options,
                        file_name,
                        progress,
                        tally,
                    )
                },
            )?;
            Ok((load, seen))
        })();
        drop(credits);
        for worker in workers {
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        let read = reading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let staged = staged?;
        read?;
        Ok(staged)
    })?;
    let sha256 = tally.sha256_hex();
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        rows = seen,
        "rows staged"
    );
    if let Some(work) = &options.before_commit {
        work.run(&load.links())?;
    }
    let counts = load.commit(&sha256, read_as)?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "committed"
    );
    let listed = match (listing, &rejects_path) {
        (Some(listing), Some(path)) => {
            let listed = listing.commit().map_err(rejects_error(path));
            tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "rejects listed"
            );
            listed
        }
        _ => Ok(()),
    };
    Ok(FileSummary::committed(
        file,
        counts,
        sha256,
        rejects_path,
        listed,
    ))
}

fn rejects_error(path: &Path) -> impl Fn(std::io::Error) -> PipelineError + '_ {
    |source| PipelineError::Rejects {
        path: path.display().to_string(),
        source,
    }
}

/// Writes one run's rejects as the database holds them, in line order (the
/// imports of premises, outcomes and police.uk rows; a report load writes
/// its own as it commits: `RejectsFile`).
pub(super) fn write_rejects_csv(
    store: &Store,
    run_id: i64,
    path: &Path,
    append: bool,
) -> Result<(), PipelineError> {
    let opened = if append {
        rejects_file::append(path)
    } else {
        rejects_file::create(path)
    };
    let mut writer = opened.map_err(rejects_error(path))?;
    let mut failure = None;
    store.rejects_for_run(run_id, |r| {
        if failure.is_none() {
            if let Err(e) = rejects_file::write_reject(
                &mut writer,
                &r.file,
                r.line,
                &r.field,
                &r.reason,
                &r.raw,
            ) {
                failure = Some(e);
            }
        }
    })?;
    if let Some(e) = failure {
        return Err(rejects_error(path)(e.into()));
    }
    rejects_file::finish(writer).map_err(rejects_error(path))
}

/// Rows whose keys are reserved for at once, at most (~64 MB of index).
const MAX_RESERVED_ROWS: usize = 2 << 20;

// Rows are handed between threads in batches of as many as the store takes best.
use crate::store::BATCH_ROWS;
/// Batches read but not yet staged, at most: this keeps memory flat whatever
/// the file's size, and lets the workers run ahead of a slow batch.
const BATCHES_IN_FLIGHT: usize = 8;

/// Batches read but not yet staged, at most, at the start of a load: while
/// the store is created or opened and the load begun (serial work on one
/// core, longer when many stored keys are read), the
/// reader and workers run this far ahead on the other. The credits beyond
/// [`BATCHES_IN_FLIGHT`] are not handed out again once their batches are staged.
const BATCHES_AT_START: usize = 32;

/// Most worker threads `HOTSPOTS_INGEST_WORKERS` may ask for.
const MAX_WORKERS: usize = 64;

/// Threads that validate, geocode and index (the costly part: a row's H3 cell
/// and its town). With the reading and staging threads they share the
/// machine's cores.
/// `HOTSPOTS_INGEST_WORKERS` overrides; 0 would load nothing, so it is refused
/// with anything else that is not 1..=64.
fn worker_count() -> Result<usize, PipelineError> {
    match std::env::var("HOTSPOTS_INGEST_WORKERS") {
        Ok(value) => value
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_WORKERS).contains(n))
            .ok_or(PipelineError::Workers { value }),
        Err(_) => Ok(std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4))),
    }
}

/// One input row after the workers: a report (its columns are in the batch's
/// `PreparedReports`; the row is kept in case it is listed as a conflict) or a reject.
enum Prepared {
    Report(ingest::RawRow),
    Reject(RowReject),
}

/// A worker's batch: its rows in order, and the reports among them made ready for the store.
type LocatedBatch = (Vec<Prepared>, PreparedReports);

use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::Mutex;

type RowBatch = (usize, Vec<ingest::RowItem>);
/// A worker's answer: the batch prepared, or the payload of its panic (raised
/// again on the staging thread, which would otherwise wait for that batch).
type PreparedBatch = (usize, std::thread::Result<LocatedBatch>);

/// A credit: room for one more batch in flight, and the rows of a batch the
/// stager is done with, whose records the reader reads into again.
type Credit = Vec<ingest::RawRow>;

/// The reading thread: the file's rows, in numbered batches, each sent once a
/// credit says there is room.
fn read_batches(
    format: Format,
    reader: Box<dyn BufRead + Send>,
    file: &str,
    work: &Sender<RowBatch>,
    credit_queue: &Receiver<Credit>,
) -> Result<(), PipelineError> {
    let pool = ingest::RecordPool::default();
    // The first BATCHES_AT_START credits are the ones made at the start; of
    // those the stager gives back after, the first few are kept out of use.
    let (mut received, mut retired) = (0, 0);
    let mut send = |seq: usize, batch: Vec<ingest::RowItem>| -> bool {
        loop {
            let Ok(staged) = credit_queue.recv() else {
                return false;
            };
            received += 1;
            pool.give_back(staged);
            if received > BATCHES_AT_START && retired < BATCHES_AT_START - BATCHES_IN_FLIGHT {
                retired += 1;
                continue;
            }
            return work.send((seq, batch)).is_ok();
        }
    };
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut seq = 0;
    for item in ingest::open_rows(format, reader, file, &pool)? {
        batch.push(item?);
        if batch.len() == BATCH_ROWS {
            if !send(
                seq,
                std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS)),
            ) {
                return Ok(()); // the stager stopped; it reports why
            }
            seq += 1;
        }
    }
    if !batch.is_empty() {
        send(seq, batch);
    }
    Ok(())
}

/// A worker thread: batches of rows in, batches of prepared rows out, until
/// the reader is done or the stager hangs up.
fn locate_batches(
    context: &ParseContext,
    preparer: &ReportPreparer,
    work_queue: &Mutex<Receiver<RowBatch>>,
    done: &Sender<PreparedBatch>,
) {
    let geocoder = Geocoder::default();
    let mut localities = Localities::default();
    let mut indexer = geo::Indexer::default();
    loop {
        // Holding the lock only to receive: the other workers wait for work, not for us.
        let received = work_queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .recv();
        let Ok((seq, rows)) = received else { return };
        let prepared = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut reports = preparer.start();
            let rows = rows
                .into_iter()
                .map(|item| match item.into_row() {
                    Err(reject) => Prepared::Reject(reject),
                    Ok(row) => match locate(&row, context, geocoder, &mut localities, &mut indexer)
                    {
                        Ok(located) => {
                            reports.push(&located.as_new_report(&row));
                            Prepared::Report(row)
                        }
                        Err(reject) => Prepared::Reject(reject),
                    },
                })
                .collect();
            (rows, reports)
        }));
        let panicked = prepared.is_err();
        if done.send((seq, prepared)).is_err() || panicked {
            return;
        }
    }
}

/// The stored optional columns a file can fill, from the header a row was
/// read under: a CSV without a notes column never fills `notes`, and one
/// whose only location is a WGS84 point never fills the location as given or
/// a geocoder's note (a point is stored as its own `lat`/`lng`). A row
/// without a header (JSON) can fill any.
fn columns_a_file_can_fill(row: &ingest::RawRow) -> Vec<crate::store::OptionalColumn> {
    use crate::store::OptionalColumn;
    use ingest::Column;
    let has = |column: Column| row.header_has(column).unwrap_or(true);
    let located_otherwise = Column::LOCATION
        .into_iter()
        .filter(|c| !matches!(c, Column::Lat | Column::Lng))
        .any(has);
    OptionalColumn::ALL
        .into_iter()
        .filter(|&stored| match stored {
            OptionalColumn::VenueName => has(Column::VenueName),
            OptionalColumn::PersonsCount => has(Column::PersonsCount),
            OptionalColumn::Nationalities => has(Column::Nationalities),
            OptionalColumn::ChildInvolved => has(Column::ChildInvolved),
            OptionalColumn::Grading => has(Column::Grading),
            OptionalColumn::Notes => has(Column::Notes),
            OptionalColumn::LocationInput | OptionalColumn::GeocodeNote => located_otherwise,
        })
        .collect()
}

/// The staging thread's side (a thread `FileLoad::stage` starts, while the
/// calling thread runs the insert statement): batches back into file order,
/// each row staged, a credit returned per batch (with the batch's rows, whose
/// records the reader reuses). Answers how many rows it took.
fn stage_in_order(
    load: &mut crate::store::Stager<'_>,
    done_queue: Receiver<PreparedBatch>,
    credits: &SyncSender<Credit>,
    options: &LoadOptions,
    file: &str,
    progress: Option<&(dyn Fn(&ReadTally) + Sync)>,
    tally: &ReadTally,
) -> Result<u64, PipelineError> {
    let mut waiting = std::collections::BTreeMap::new();
    let mut next = 0;
    let mut seen = 0u64;
    let mut columns_told = false;
    for (seq, batch) in done_queue {
        waiting.insert(seq, batch);
        while let Some(batch) = waiting.remove(&next) {
            next += 1;
            let (rows, reports) = batch.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let mut report_rows = Vec::with_capacity(reports.len());
            let mut rejected = Vec::new();
            for prepared in rows {
                seen += 1;
                if options.fail_after_rows.is_some_and(|n| seen > n) {
                    return Err(PipelineError::Injected {
                        file: file.to_owned(),
                        rows: seen - 1,
                    });
                }
                match prepared {
                    Prepared::Reject(reject) => rejected.push(reject),
                    Prepared::Report(row) => report_rows.push(row),
                }
            }
            if !columns_told {
                if let Some(row) = report_rows.first() {
                    load.expect_columns(&columns_a_file_can_fill(row));
                    columns_told = true;
                }
            }
            load.stage_batch(reports, rejected, |i| report_rows[i].raw())?;
            tally.set_rows_staged(seen);
            if let Some(report) = progress {
                report(tally);
            }
            let _ = credits.send(report_rows);
        }
    }
    Ok(seen)
}

/// A row through validation, geocoding and indexing.
struct Located {
    parsed: ingest::ParsedReport,
    geocoded: crate::geo::Geocoded,
    /// The location text to store: none when it is the stored point itself
    /// (WGS84 as given, bit for bit), which the store rebuilds on reading.
    location_input: Option<String>,
    /// The finest cell the precision supports (coarser ones are its parents).
    cell: Option<u64>,
    /// Indices into `Localities::names`' lists, as the store takes them.
    town: Option<u16>,
    district: Option<u16>,
}

impl Located {
    fn as_new_report<'a>(&'a self, row: &'a ingest::RawRow) -> NewReport<'a> {
        NewReport {
            report_id: self.parsed.report_id(),
            content_hash: self.parsed.content_hash,
            fields: &self.parsed.fields,
            location_input: self.location_input.as_deref(),
            lat: self.geocoded.lat,
            lng: self.geocoded.lng,
            method: self.geocoded.method,
            precision_m: self.geocoded.precision_m,
            geocode_note: self.geocoded.note.as_deref(),
            cell: self.cell,
            line: row.line,
            town: self.town,
            district: self.district,
        }
    }
}

fn locate(
    row: &ingest::RawRow,
    context: &ParseContext,
    geocoder: Geocoder,
    localities: &mut Localities,
    indexer: &mut geo::Indexer,
) -> Result<Located, RowReject> {
    let parsed = ingest::parse_row(row, context)?;
    let mut geocoded = geocoder.geocode(&parsed.location).map_err(|e| RowReject {
        line: row.line,
        field: e.field().to_owned(),
        reason: e.to_string(),
        raw: row.raw(),
    })?;
    if matches!(
        parsed.location,
        geo::LocationInput::LatLng { .. }
            | geo::LocationInput::Grid { .. }
            | geo::LocationInput::GridRef(_)
    ) {
        let postcode = row
            .get(ingest::Column::Postcode)
            .and_then(|v| v.parse().ok());
        if let Some(note) = postcode.and_then(|p| geocoder.postcode_disagreement(&geocoded, &p)) {
            geocoded.note = Some(note);
        }
    }
    let point = h3o::LatLng::new(geocoded.lat, geocoded.lng).map_err(|e| RowReject {
        line: row.line,
        field: "lat".into(),
        reason: format!("not a valid coordinate: {e}"),
        raw: row.raw(),
    })?;
    let cells = indexer.cells(point, geocoded.precision_m);
    // The res-7 cell is usually computed already: one H3 lookup in five saved.
    let res7 = cells
        .at(h3o::Resolution::Seven)
        .unwrap_or_else(|| point.to_cell(h3o::Resolution::Seven));
    let (town, district) = localities.indices_of_cell(res7);
    let location_input = match parsed.location {
        crate::geo::LocationInput::LatLng { lat, lng, .. }
            if lat.to_bits() == geocoded.lat.to_bits()
                && lng.to_bits() == geocoded.lng.to_bits() =>
        {
            None
        }
        _ => Some(parsed.location.canonical()),
    };
    Ok(Located {
        parsed,
        geocoded,
        location_input,
        cell: cells.finest().map(u64::from),
        town,
        district,
    })
}

/// What loading several files did, in the order they were given.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Each file loaded.
    pub summaries: Vec<FileSummary>,
    /// Why each other file could not be read at all: nothing of it stored.
    pub unreadable: Vec<ingest::IngestError>,
    /// The file whose load failed for a reason not its own (the database),
    /// and why: nothing of it is stored, and no file after it was tried.
    /// The files in `summaries` are committed.
    pub stopped: Option<(String, PipelineError)>,
}

/// Loads each of `inputs` in turn with `load_one`. A file that cannot be
/// read at all is listed and the next one loaded: each file is a load of its
/// own, committed whole or not at all, so one bad file in a folder of exports
/// does not hold back the rest. One rejects file named for them all
/// (`rejects_path`) lists every loaded file's rejects.
///
/// Anything else `load_one` meets (the database) stops the loads there
/// ([`Loaded::stopped`]), keeping the files already committed.
pub fn load_each(
    inputs: impl IntoIterator<Item = Input>,
    options: &LoadOptions,
    mut load_one: impl FnMut(Input, &LoadOptions) -> Result<FileSummary, PipelineError>,
) -> Loaded {
    let mut loaded = Loaded::default();
    let mut options = options.clone();
    // The rejects files this command has written. A file's rejects go at
    // the end of one only when an earlier file of the command wrote it (the
    // `--rejects` file, or an archive's, which its members share): a
    // rejects file left from an earlier command is replaced, not added to.
    let mut written: Vec<PathBuf> = Vec::new();
    for input in inputs {
        let rejects = (!options.no_rejects_file).then(|| {
            options
                .rejects_path
                .clone()
                .unwrap_or_else(|| default_rejects_path(&input))
        });
        options.rejects_append = rejects.as_ref().is_some_and(|r| written.contains(r));
        let name = input.name();
        match load_one(input, &options) {
            Ok(summary) => {
                if summary.rejects_unwritten.is_none() {
                    written.extend(rejects);
                }
                loaded.summaries.push(summary);
            }
            Err(PipelineError::Ingest(e)) => loaded.unreadable.push(e),
            Err(other) => {
                loaded.stopped = Some((name, other));
                break;
            }
        }
    }
    loaded
}

/// Whether an archive member's name is of a file a load reads (CSV, JSON
/// Lines, GeoJSON by its extension).
pub fn loadable_name(name: &str) -> bool {
    Format::from_path(name).is_some()
}

/// Loads several files as [`load_each`] does; `-` reads standard input, a
/// `.zip` archive its members (see [`ingest::with_archives_opened`]).
pub fn load_paths<D: Destination + ?Sized>(
    destination: &mut D,
    paths: &[String],
    options: &LoadOptions,
    progress: Option<&(dyn Fn(&ReadTally) + Sync)>,
) -> Loaded {
    let inputs = paths
        .iter()
        .flat_map(|path| -> Box<dyn Iterator<Item = Input>> {
            if path == "-" {
                Box::new(std::iter::once(Input::Reader {
                    name: "<stdin>".into(),
                    reader: Box::new(std::io::stdin()),
                }))
            } else {
                Box::new(ingest::with_archives_opened(
                    [PathBuf::from(path)],
                    loadable_name,
                ))
            }
        });
    load_each(inputs, options, |input, options| {
        load(destination, input, options, progress)
    })
}

/// The summary line of interface.md: `read N, stored S, duplicates D, rejected R`.
pub fn summary_line(summaries: &[FileSummary]) -> String {
    let (mut read, mut stored, mut dup, mut rej) = (0, 0, 0, 0);
    for s in summaries {
        read += s.counts.read;
        stored += s.counts.stored;
        dup += s.counts.duplicates;
        rej += s.counts.rejected;
    }
    format!("read {read}, stored {stored}, duplicates {dup}, rejected {rej}")
}

/// Checks one record as a load would (columns, values, geocoding) without
/// storing it, so that the public reporting page can say "we could not find
/// that place" before a report is queued. `fields` are input column names and
/// values; an unknown name is a reject.
///
/// # Errors
/// The [`RowReject`] a load would list for this record (line 1).
pub fn check_record(fields: &[(String, String)], context: &ParseContext) -> Result<(), RowReject> {
    let raw = serde_json::to_string(
        &fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
    .unwrap_or_default();
    let mut row = ingest::RawRow::new(1, raw);
    for (name, value) in fields {
        let Some(column) = ingest::Column::from_header(name) else {
            return Err(RowReject {
                line: 1,
                field: name.clone(),
                reason: "not an input column".into(),
                raw: row.raw(),
            });
        };
        row.set(column, value.clone());
    }
    locate(
        &row,
        context,
        Geocoder::default(),
        &mut Localities::default(),
        &mut geo::Indexer::default(),
    )
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::{load, Format, Input, LoadOptions, PipelineError, BATCHES_AT_START, BATCH_ROWS};
    use crate::store::Store;

    /// More rows than the batches in flight hold, even at the start, so the
    /// reader waits for credits that a failed load must give up.
    fn many_rows() -> Input {
        rows(3 * BATCHES_AT_START * BATCH_ROWS, usize::MAX)
    }

    /// `count` rows, every `outside_every`th of them outside the UK.
    fn rows(count: usize, outside_every: usize) -> Input {
        Input::Reader {
            name: "many.csv".into(),
            reader: Box::new(std::io::Cursor::new(csv(count, outside_every))),
        }
    }

    /// The text [`rows`] reads.
    fn csv(count: usize, outside_every: usize) -> Vec<u8> {
        use std::fmt::Write as _;
        let mut csv = String::from("report_id,reported_at,venue_type,lat,lng,source\n");
        for i in 0..count {
            let lat = if (i + 1) % outside_every == 0 { 48 } else { 52 };
            let _ = writeln!(
                csv,
                "R{i},2024-01-01T10:00:00Z,car_wash,{lat}.{i:06},0.1,test"
            );
        }
        csv.into_bytes()
    }

    fn load_within_a_minute(store: Store, input: Input) -> (Store, Result<u64, PipelineError>) {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut store = store;
            let options = LoadOptions {
                no_rejects_file: true,
                ..LoadOptions::default()
            };
            let loaded = load(&mut store, input, &options, None).map(|s| s.counts.stored);
            let _ = sender.send((store, loaded));
        });
        // A watchdog, not a synchronisation: the load answers or has hung.
        receiver
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the load answers (a hang means its threads wait on each other)")
    }

    /// The reader and workers start before the load is begun: when beginning
    /// fails, they are stopped (the reader waiting for credits too), the
    /// store's error is the answer, nothing is stored, and the store takes
    /// the next load.
    #[test]
    fn a_load_that_cannot_begin_stops_its_threads_and_stores_nothing() {
        let store = Store::open_in_memory().expect("open");
        // The run row takes its id from this sequence.
        store.execute_batch("DROP SEQUENCE ingest_run_seq");
        let (store, loaded) = load_within_a_minute(store, many_rows());
        let error = loaded.expect_err("no run id, no load").to_string();
        assert!(error.contains("insert ingest run"), "{error}");
        assert_eq!(
            ["reports", "rejects", "ingest_runs"].map(|table| count(&store, table)),
            [0, 0, 0]
        );

        store.execute_batch("CREATE SEQUENCE ingest_run_seq START 1");
        let (store, loaded) = load_within_a_minute(store, many_rows());
        let rows = 3 * BATCHES_AT_START * BATCH_ROWS;
        assert_eq!(loaded.expect("loads once it can begin"), rows as u64);
        assert_eq!(count(&store, "reports"), rows as i64);
    }

    /// A load that fails for a reason not its file's (here the database)
    /// stops the loads: the files before it are kept and said, it stores
    /// nothing, and no file after it is tried.
    #[test]
    fn a_database_failure_stops_the_loads_and_keeps_those_before() {
        let mut store = Store::open_in_memory().expect("open");
        let inputs = ["first.csv", "second.csv", "third.csv"].map(|name| Input::Reader {
            name: name.into(),
            reader: Box::new(std::io::Cursor::new(csv(5, usize::MAX))),
        });
        let options = LoadOptions {
            no_rejects_file: true,
            ..LoadOptions::default()
        };
        let mut tried = Vec::new();
        let loaded = super::load_each(inputs, &options, |input, options| {
            tried.push(input.name());
            if input.name() == "second.csv" {
                // The run row takes its id from this sequence.
                store.execute_batch("DROP SEQUENCE ingest_run_seq");
            }
            load(&mut store, input, options, None)
        });
        assert_eq!(tried, ["first.csv", "second.csv"]);
        let files: Vec<_> = loaded.summaries.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(files, ["first.csv"]);
        assert!(loaded.unreadable.is_empty());
        let (file, error) = loaded.stopped.expect("stopped");
        assert_eq!(file, "second.csv");
        assert!(matches!(error, PipelineError::Store(_)), "{error:?}");
        assert_eq!(
            ["reports", "ingest_runs"].map(|table| count(&store, table)),
            [5, 1]
        );
    }

    /// Once the start's extra credits are retired, the reader is never more
    /// than the steady state's batches ahead of the stager: after batch `k`
    /// is staged, it has read at most the rows of `k + BATCHES_IN_FLIGHT`
    /// batches, the one it is filling, and its buffer.
    #[test]
    fn past_the_start_the_reader_keeps_to_the_batches_in_flight() {
        let rows = 4 * BATCHES_AT_START * BATCH_ROWS;
        let csv = csv(rows, usize::MAX);
        // Bytes up to the end of each row (the header's end at 0).
        let ends: Vec<u64> = csv
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .map(|(i, _)| i as u64 + 1)
            .collect();
        let input = Input::Reader {
            name: "steady.csv".into(),
            reader: Box::new(std::io::Cursor::new(csv)),
        };
        let worst = std::sync::Mutex::new((0_i64, 0_u64));
        let check = |tally: &super::ReadTally| {
            let staged = usize::try_from(tally.rows_staged()).expect("rows");
            if staged < 2 * BATCHES_AT_START * BATCH_ROWS {
                return; // the start, and the credits being retired
            }
            let allowed_rows = (staged + (super::BATCHES_IN_FLIGHT + 1) * BATCH_ROWS).min(rows);
            let allowed = ends[allowed_rows] + (1 << 16);
            let over = i64::try_from(tally.bytes()).expect("bytes")
                - i64::try_from(allowed).expect("bytes");
            let mut worst = worst.lock().expect("lock");
            if over > worst.0 || worst.1 == 0 {
                *worst = (over, tally.rows_staged());
            }
        };
        let options = LoadOptions {
            no_rejects_file: true,
            ..LoadOptions::default()
        };
        let mut store = Store::open_in_memory().expect("open");
        let summary = load(&mut store, input, &options, Some(&check)).expect("load");
        assert_eq!(summary.counts.stored, rows as u64);
        let (over, at) = *worst.lock().expect("lock");
        assert!(at > 0, "checked past the start");
        assert!(
            over <= 0,
            "{over} bytes beyond the batches in flight, {at} rows staged"
        );
    }

    /// Counts the bytes read through it.
    struct Counted(
        std::io::Cursor<Vec<u8>>,
        std::sync::Arc<std::sync::atomic::AtomicUsize>,
    );

    impl std::io::Read for Counted {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            Ok(n)
        }
    }

    /// A store that is ready only once the reader has read `want` bytes.
    struct ReadyAfter {
        store: Store,
        read: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        want: usize,
    }

    impl super::Destination for ReadyAfter {
        fn content_hashing(&self) -> crate::model::ContentHashing {
            self.store.content_hashing()
        }

        fn report_preparer(&self) -> crate::store::ReportPreparer {
            self.store.report_preparer()
        }

        fn store(&mut self) -> Result<&mut Store, PipelineError> {
            // A watchdog, not a synchronisation: the reader gets there, or
            // waits for credits and never does.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while self.read.load(std::sync::atomic::Ordering::Relaxed) < self.want {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the reader stopped at {} bytes before the store was ready",
                    self.read.load(std::sync::atomic::Ordering::Relaxed)
                );
                std::thread::yield_now();
            }
            Ok(&mut self.store)
        }
    }

    /// While the store is still being opened (or created), the reader and
    /// workers run ahead by more batches than they keep in flight after:
    /// here the store waits until three quarters of the start's batches are
    /// read, more than twice what the steady state allows. The load then
    /// stores every row.
    #[test]
    fn the_reader_runs_ahead_while_the_store_is_made_ready() {
        let rows = 2 * BATCHES_AT_START * BATCH_ROWS;
        let csv = csv(rows, usize::MAX);
        let want = csv.len() / rows * (BATCHES_AT_START * 3 / 4) * BATCH_ROWS;
        assert!(want > csv.len() / rows * 2 * super::BATCHES_IN_FLIGHT * BATCH_ROWS);
        let read = std::sync::Arc::<std::sync::atomic::AtomicUsize>::default();
        let input = Input::Reader {
            name: "ahead.csv".into(),
            reader: Box::new(Counted(std::io::Cursor::new(csv), read.clone())),
        };
        let mut destination = ReadyAfter {
            store: Store::open_in_memory().expect("open"),
            read,
            want,
        };
        let options = LoadOptions {
            no_rejects_file: true,
            ..LoadOptions::default()
        };
        let summary = load(&mut destination, input, &options, None).expect("load");
        assert_eq!(summary.counts.stored, rows as u64);
    }

    /// A load into a database file asks for the file to be flushed as its
    /// row groups are written (every 2^17 rows staged, rejects included),
    /// not only at the commit.
    #[test]
    fn a_long_load_flushes_the_database_file_as_it_goes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("long.duckdb")).expect("open");
        let before = Store::background_flushes();
        let options = LoadOptions {
            no_rejects_file: true,
            ..LoadOptions::default()
        };
        // Some rejects in every batch: they count towards the rows staged too.
        let loaded = load(&mut store, rows(300_000, 50), &options, None).expect("load");
        assert_eq!(
            (loaded.counts.stored, loaded.counts.rejected),
            (294_000, 6_000)
        );
        assert!(Store::background_flushes() > before, "no background flush");
    }

    /// The rejects file is written from the rejects as the store takes them:
    /// the same bytes as one read back from the database after the commit,
    /// in line order, with conflicts (found on the staging thread) between
    /// the rows rejected by parsing (found before) in the same batch.
    #[test]
    fn the_rejects_file_is_the_stored_rejects_in_line_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("mixed.csv");
        std::fs::write(
            &input,
            "report_id,reported_at,venue_type,lat,lng,source\n\
             R1,2024-01-01T10:00:00Z,car_wash,52.2,0.1,test\n\
             R1,2024-01-02T10:00:00Z,car_wash,52.2,0.1,test\n\
             R2,not a date,car_wash,52.2,0.1,test\n\
             R3,2024-01-01T10:00:00Z,car_wash,52.3,0.1,test\n\
             R3,2024-01-01T10:00:00Z,nail_bar,52.3,0.1,test\n\
             R4,2024-01-01T10:00:00Z,car_wash,48.8,2.3,test\n\
             R1,2024-01-03T10:00:00Z,car_wash,52.2,0.1,test\n",
        )
        .expect("input");
        let mut store = Store::open(&dir.path().join("db.duckdb")).expect("open");
        let listed = dir.path().join("listed.csv");
        let options = LoadOptions {
            rejects_path: Some(listed.clone()),
            ..LoadOptions::default()
        };
        let summary = load(&mut store, Input::Path(input), &options, None).expect("load");
        assert_eq!(summary.counts.rejected, 5);
        let read_back = dir.path().join("read_back.csv");
        super::write_rejects_csv(&store, summary.counts.run_id, &read_back, false)
            .expect("read back");
        let listed = std::fs::read_to_string(&listed).expect("listed");
        assert_eq!(
            listed,
            std::fs::read_to_string(&read_back).expect("read back")
        );
        let lines: Vec<&str> = listed
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).expect("line"))
            .collect();
        assert_eq!(lines, ["3", "4", "6", "7", "8"]);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.contains("writing"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    /// When an insert statement fails, its error is the load's (not the
    /// feeding side's "ended before the file/rejects did"), and nothing of
    /// the file is kept: the rejects' statement with its table gone (25,000
    /// rejects, more batches than the feed holds), the reports' once `notes`
    /// may not be empty.
    #[test]
    fn a_failed_insert_statement_says_why() {
        for (breaking, input, expected) in [
            (
                "DROP TABLE rejects",
                rows(50_000, 2),
                ["insert rejects", "does not exist"],
            ),
            (
                "ALTER TABLE reports ALTER COLUMN notes SET NOT NULL",
                many_rows(),
                ["insert reports", "NOT NULL"],
            ),
        ] {
            let store = Store::open_in_memory().expect("open");
            store.execute_batch(breaking);
            let (store, loaded) = load_within_a_minute(store, input);
            let error = loaded.expect_err(breaking).to_string();
            assert!(
                expected.iter().all(|e| error.contains(e)),
                "{breaking}: {error}"
            );
            assert!(!error.contains("ended before"), "{breaking}: {error}");
            assert_eq!(count(&store, "reports"), 0, "{breaking}");
        }
    }

    fn count(store: &Store, table: &str) -> i64 {
        store.column::<i64>(&format!("SELECT count(*) FROM {table}"), [])[0]
    }

    /// The stored optional columns, written out here (not taken from the
    /// store's list) so the tests check the store against them.
    const OPTIONAL: [&str; 8] = [
        "venue_name",
        "persons_count",
        "nationalities",
        "child_involved",
        "grading",
        "notes",
        "location_input",
        "geocode_note",
    ];

    /// For each insert statement of the file named `file`, the optional
    /// columns it named, in `OPTIONAL`'s order.
    fn optional_columns_named(file: &str) -> Vec<Vec<&'static str>> {
        let segments = crate::store::SEGMENTS.lock().expect("segments");
        let mut of_file = segments.iter().filter(|(name, _)| name == file);
        let (_, statements) = of_file.next().expect("the file was staged");
        assert!(
            of_file.next().is_none(),
            "{file} is staged by one test only"
        );
        statements
            .iter()
            .map(|columns| {
                OPTIONAL
                    .into_iter()
                    .filter(|o| columns.iter().any(|c| c == o))
                    .collect()
            })
            .collect()
    }

    /// A file's reports go in one insert statement, which names the optional
    /// columns its header has (all of them for JSON, which has none) and
    /// leaves the others out, however late the file starts to fill one: a
    /// second statement would cost DuckDB more than the column. Read back,
    /// the late values are there.
    #[test]
    fn a_file_is_one_statement_naming_the_columns_it_can_fill() {
        use std::fmt::Write as _;
        let rows = 3 * BATCH_ROWS + 10;
        let mut late_csv =
            String::from("report_id,reported_at,venue_type,lat,lng,source,notes,grading\n");
        let mut jsonl = String::new();
        for i in 0..rows {
            let note = if i >= 3 * BATCH_ROWS {
                format!("note {i}")
            } else {
                String::new()
            };
            let grading = if i + 1 == rows { "1AP" } else { "" };
            let _ = writeln!(
                late_csv,
                "L{i},2024-01-01T10:00:00Z,car_wash,52.{i:06},0.1,test,{note},{grading}"
            );
            let _ = writeln!(
                jsonl,
                r#"{{"report_id":"J{i}","reported_at":"2024-01-01T10:00:00Z","venue_type":"farm","lat":52.{i:06},"lng":0.1,"source":"test","notes":"{note}"}}"#
            );
        }
        let mut store = Store::open_in_memory().expect("open");
        let options = LoadOptions {
            no_rejects_file: true,
            ..LoadOptions::default()
        };
        for (name, text, format) in [
            ("late-columns.csv", late_csv.into_bytes(), Format::Csv),
            ("late-columns.jsonl", jsonl.into_bytes(), Format::Jsonl),
            ("lean-columns.csv", csv(100, usize::MAX), Format::Csv),
        ] {
            let input = Input::Reader {
                name: name.into(),
                reader: Box::new(std::io::Cursor::new(text)),
            };
            let options = LoadOptions {
                format: Some(format),
                ..options.clone()
            };
            load(&mut store, input, &options, None).expect("load");
        }
        let named = optional_columns_named;
        assert_eq!(named("late-columns.csv"), [vec!["grading", "notes"]]);
        assert_eq!(named("late-columns.jsonl"), [OPTIONAL.to_vec()]);
        assert_eq!(named("lean-columns.csv"), [Vec::<&str>::new()]);
        let notes: Vec<i64> = store.column(
            "SELECT count(notes) FROM reports WHERE report_id LIKE 'L%' \
             UNION ALL SELECT count(notes) FROM reports WHERE report_id LIKE 'J%' \
             UNION ALL SELECT count(grading) FROM reports WHERE report_id LIKE 'L%'",
            [],
        );
        assert_eq!(notes, [10, 10, 1]);
    }

    /// The demo's files, each with the columns of its kind of feed (grid
    /// references, addresses, JSON, GeoJSON; notes in some rows), go in one
    /// statement each, naming the optional columns their headers promise
    /// (written here from the files, not from the rule): every one for the
    /// police export (grid references locate otherwise than a point) and the
    /// JSON files, all but `grading` for the concern cards.
    #[test]
    fn demo_files_are_one_statement_each() {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/demo");
        let mut store = Store::open_in_memory().expect("open");
        let options = LoadOptions {
            no_rejects_file: true,
            ..LoadOptions::default()
        };
        let but_grading: Vec<&str> = OPTIONAL.into_iter().filter(|&c| c != "grading").collect();
        let files = [
            ("police_intel.csv", OPTIONAL.to_vec()),
            ("concern_cards.csv", but_grading),
            ("helpline.jsonl", OPTIONAL.to_vec()),
            ("app.geojson", OPTIONAL.to_vec()),
        ];
        for (file, _) in &files {
            load(&mut store, Input::Path(demo.join(file)), &options, None).expect("load");
        }
        for (file, expected) in files {
            // Named as the pipeline names a path's input.
            let optional = optional_columns_named(&demo.join(file).display().to_string());
            assert_eq!(optional, [expected], "{file}");
        }
        assert!(count(&store, "reports") > 10_000);
    }

    /// A load hashes content as its database does. A new database hashes
    /// with XXH3; one that holds SHA-256 hashes (every database that held
    /// reports before XXH3) goes on with SHA-256, so a report sent again is
    /// a duplicate there, not a conflict. The row's canonical text is
    /// `ingest::parse`'s documented one; the expected hashes come from
    /// Python's `hashlib` and `xxhash`.
    #[test]
    fn a_load_hashes_content_as_its_database_does() {
        use crate::model::ContentHashing;
        let csv = "report_id,source,date,venue,indicators,persons_count,child_involved,grading,notes,lat,lng\n\
                   R7,Helpline,2023-05-04,nail bar,cash only;no_ppe,3,no,1AP,Two vans,52.6660,0.158\n\
                   R7,Helpline,2023-05-04,nail bar,cash only;no_ppe,3,no,1AP,Three vans,52.6660,0.158\n";
        let input = || Input::Reader {
            name: "r7.csv".into(),
            reader: Box::new(std::io::Cursor::new(csv.as_bytes().to_vec())),
        };
        let options = LoadOptions {
            no_rejects_file: true,
            ..LoadOptions::default()
        };
        let stored_hash = |store: &Store| -> u64 {
            store.column(
                "SELECT content_hash FROM reports WHERE report_id = 'R7'",
                [],
            )[0]
        };
        let dir = tempfile::tempdir().expect("tempdir");

        // New: stored with XXH3; the same file again: a duplicate and a conflict.
        let mut store = Store::open(&dir.path().join("new.duckdb")).expect("new");
        assert_eq!(store.content_hashing(), ContentHashing::Xxh3);
        for (stored, duplicates, rejected) in [(1, 0, 1), (0, 1, 1)] {
            let counts = load(&mut store, input(), &options, None)
                .expect("load")
                .counts;
            assert_eq!(
                (counts.stored, counts.duplicates, counts.rejected),
                (stored, duplicates, rejected)
            );
        }
        assert_eq!(stored_hash(&store), 0x9e58_8b75_a73b_5f09);

        // Old: the report stored with its SHA-256, as before XXH3.
        let path = dir.path().join("old.duckdb");
        Store::open(&path).expect("create").execute_batch(
            "UPDATE content_hashing SET scheme = 'sha256'; \
             INSERT INTO reports (source, report_id, content_hash, observed_on, venue_type, \
             exploitation_type, indicator_mask, lat, lng, geocode_method, precision_m, run_id, line) \
             VALUES ('helpline', 'R7', CAST('0xbc50b942eda84570' AS UBIGINT), DATE '2023-05-04', \
             'nail_bar', 'unknown', 0, 52.666, 0.158, 'wgs84', 1, 0, 2)",
        );
        let mut store = Store::open(&path).expect("reopen");
        assert_eq!(store.content_hashing(), ContentHashing::Sha256);
        let counts = load(&mut store, input(), &options, None)
            .expect("load")
            .counts;
        assert_eq!(
            (counts.stored, counts.duplicates, counts.rejected),
            (0, 1, 1),
            "the report again is a duplicate, the changed one a conflict"
        );
        assert_eq!(stored_hash(&store), 0xbc50_b942_eda8_4570);
    }
}
