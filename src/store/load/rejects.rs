//! Rejects set aside while a load's insert statement holds the connection.

use std::path::{Path, PathBuf};

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
