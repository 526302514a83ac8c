//! Rejects set aside while a load's insert statement holds the connection,
//! then gathered into Arrow columns for the statement that stores them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use duckdb::arrow::array::{ArrayBuilder, ArrayRef, Int64Builder, StringBuilder};
use duckdb::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;

use crate::model::RowReject;
use crate::store::error::{Result, StoreError};

/// Rejects gathered while the reports statement runs: in memory up to
/// `HELD_REJECTS`, then in an unnamed temporary file (in the database's
/// directory, else `$TMPDIR`), so that a file of bad rows does not hold them
/// all in memory.
pub(super) struct RejectBuffer {
    held: Vec<RowReject>,
    dir: Option<PathBuf>,
    spill: Option<csv::Writer<std::io::BufWriter<std::fs::File>>>,
}

/// Rejects kept in memory before the rest go to a temporary file.
const HELD_REJECTS: usize = 16_384;

impl RejectBuffer {
    pub(super) fn in_dir(dir: Option<&Path>) -> Self {
        Self {
            held: Vec::new(),
            dir: dir.map(Path::to_path_buf),
            spill: None,
        }
    }

    pub(super) fn push(&mut self, path: &str, reject: RowReject) -> Result<()> {
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

    pub(super) fn is_empty(&self) -> bool {
        self.held.is_empty() && self.spill.is_none()
    }

    /// Each reject, those held first, then those set aside.
    pub(super) fn drain(
        self,
        path: &str,
        mut each: impl FnMut(RowReject) -> Result<()>,
    ) -> Result<()> {
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

/// `rejects`' columns but `run_id` (the statement's parameter), gathered for
/// `INSERT INTO rejects ... SELECT ... FROM hotspots_feed(token)`: one
/// conversion a column and batch on DuckDB's threads, where the row Appender
/// bound each value with a call of its own on the loading thread.
pub(super) struct RejectColumns {
    file: StringBuilder,
    line: Int64Builder,
    field: StringBuilder,
    reason: StringBuilder,
    raw: StringBuilder,
}

impl RejectColumns {
    pub(super) const NAMES: [&'static str; 5] = ["file", "line", "field", "reason", "raw"];

    pub(super) fn new() -> Self {
        Self {
            file: StringBuilder::new(),
            line: Int64Builder::new(),
            field: StringBuilder::new(),
            reason: StringBuilder::new(),
            raw: StringBuilder::new(),
        }
    }

    pub(super) fn schema() -> SchemaRef {
        let text = |name| Field::new(name, DataType::Utf8, false);
        Arc::new(Schema::new(vec![
            text("file"),
            Field::new("line", DataType::Int64, false),
            text("field"),
            text("reason"),
            text("raw"),
        ]))
    }

    pub(super) fn push(&mut self, file: &str, reject: &RowReject) {
        self.file.append_value(file);
        self.line
            .append_value(i64::try_from(reject.line).unwrap_or(i64::MAX));
        self.field.append_value(&reject.field);
        self.reason.append_value(&reject.reason);
        self.raw.append_value(&reject.raw);
    }

    pub(super) fn len(&self) -> usize {
        self.line.len()
    }

    /// The gathered rejects as one batch; the builders start again empty.
    pub(super) fn take(&mut self) -> std::result::Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.file.finish()),
            Arc::new(self.line.finish()),
            Arc::new(self.field.finish()),
            Arc::new(self.reason.finish()),
            Arc::new(self.raw.finish()),
        ];
        RecordBatch::try_new(Self::schema(), columns)
    }
}
