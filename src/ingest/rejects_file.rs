//! The rejects file beside an input (`NAME.rejects.csv`): `file,line,field,
//! reason,raw` for each row a load rejected, in line order; written while a
//! report load commits ([`RejectsFile`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Sender};
use std::thread::JoinHandle;

use crate::model::{spreadsheet_text, RowReject};

pub(super) type CsvWriter = csv::Writer<BufWriter<File>>;

const HEADER: [&str; 5] = ["file", "line", "field", "reason", "raw"];

pub(super) fn create(path: &Path) -> std::io::Result<CsvWriter> {
    let mut writer = csv::Writer::from_writer(BufWriter::new(File::create(path)?));
    writer.write_record(HEADER)?;
    Ok(writer)
}

/// A writer that adds rows to the end of the rejects file at `path`, or
/// [`create`]s it (with its header) when there is none yet or it is empty.
pub(super) fn append(path: &Path) -> std::io::Result<CsvWriter> {
    if std::fs::metadata(path).map_or(true, |m| m.len() == 0) {
        return create(path);
    }
    let file = std::fs::OpenOptions::new().append(true).open(path)?;
    Ok(csv::Writer::from_writer(BufWriter::new(file)))
}

/// Writes one reject's row, each cell as [`spreadsheet_text`]: the raw row
/// and the reason quote what the file held, and this file is opened in
/// spreadsheets to mend the rows.
pub(super) fn write_reject(
    writer: &mut CsvWriter,
    file: &str,
    line: u64,
    field: &str,
    reason: &str,
    raw: &str,
) -> csv::Result<()> {
    let line = line.to_string();
    writer.write_record(
        [file, &line, field, reason, raw]
            .map(spreadsheet_text)
            .iter()
            .map(|cell| cell.as_bytes()),
    )
}

pub(super) fn finish(writer: CsvWriter) -> std::io::Result<()> {
    writer
        .into_inner()
        .map_err(csv::IntoInnerError::into_error)?
        .flush()
}

/// A report load's rejects file, written on a thread of its own from the
/// rejects the store hands over as it appends them (`FileLoad::stage`'s
/// `listed`, in line order), while the database takes them and commits:
/// reading them back after the commit was serial work. Written under a temporary name beside `path` and renamed once
/// the load has committed, so a load that fails leaves no rejects file, as
/// before. The same rows in the same order as the pipeline's `write_rejects_csv` (tested).
pub(super) struct RejectsFile {
    path: PathBuf,
    temporary: PathBuf,
    /// Its rows go at the end of the file at `path` (another file of the
    /// same command listed its own there first) rather than replace it.
    append: bool,
    rejects: Option<Sender<RowReject>>,
    writer: Option<JoinHandle<std::io::Result<()>>>,
}

impl RejectsFile {
    /// Starts writing `file`'s rejects for `path`, to replace it or, with
    /// `append`, to go at its end.
    pub(super) fn start(path: PathBuf, file: String, append: bool) -> Self {
        let name = path.file_name().map_or_else(
            || "rejects.csv".into(),
            |n| n.to_string_lossy().into_owned(),
        );
        let temporary = path.with_file_name(format!(".{name}.writing-{}", std::process::id()));
        let (rejects, received) = channel::<RowReject>();
        let target = temporary.clone();
        let writer = std::thread::spawn(move || {
            let mut writer = create(&target)?;
            for r in received {
                write_reject(&mut writer, &file, r.line, &r.field, &r.reason, &r.raw)?;
            }
            finish(writer)
        });
        Self {
            path,
            temporary,
            append,
            rejects: Some(rejects),
            writer: Some(writer),
        }
    }

    /// Lists one reject (the next in line order).
    pub(super) fn list(&self, reject: RowReject) {
        if let Some(rejects) = &self.rejects {
            // A writer that failed has stopped taking them; `commit` says why.
            let _ = rejects.send(reject);
        }
    }

    /// The load has committed: the file is finished and put in place.
    pub(super) fn commit(mut self) -> std::io::Result<()> {
        let written = self
            .wait()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            .and_then(|()| {
                if self.append && std::fs::metadata(&self.path).is_ok_and(|m| m.len() > 0) {
                    self.append_rows()
                } else {
                    std::fs::rename(&self.temporary, &self.path)
                }
            });
        if written.is_err() || self.temporary.exists() {
            let _ = std::fs::remove_file(&self.temporary);
        }
        written
    }

    /// Copies the temporary file's rows, all but its header line, to the
    /// end of the file at `path`.
    fn append_rows(&self) -> std::io::Result<()> {
        use std::io::BufRead as _;
        let mut rows = std::io::BufReader::new(File::open(&self.temporary)?);
        let mut header = Vec::new();
        rows.read_until(b'\n', &mut header)?;
        let mut out = std::fs::OpenOptions::new().append(true).open(&self.path)?;
        std::io::copy(&mut rows, &mut out)?;
        out.flush()
    }

    /// Ends the list and waits for the writer.
    fn wait(&mut self) -> std::thread::Result<std::io::Result<()>> {
        self.rejects = None;
        self.writer.take().map_or(Ok(Ok(())), JoinHandle::join)
    }
}

impl Drop for RejectsFile {
    /// A load that did not commit leaves no rejects file.
    fn drop(&mut self) {
        if self.writer.is_some() {
            // Whatever the writer did (a panic included): the file goes.
            let _ = self.wait();
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}
