//! A CSV download as a zip: the CSV beside `provenance.json`, because a CSV
//! file has nowhere to keep where its rows came from.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

#[derive(Debug, thiserror::Error)]
#[error("writing the zip: {0}")]
pub struct ArchiveError(#[from] zip::result::ZipError);

impl From<std::io::Error> for ArchiveError {
    fn from(e: std::io::Error) -> Self {
        Self(e.into())
    }
}

/// The zip's bytes: `csv_name` holding `csv`, and `provenance.json`.
///
/// # Errors
/// Never in practice (the zip is written to memory).
pub fn csv_zip(
    csv_name: &str,
    csv: &[u8],
    provenance: &serde_json::Value,
) -> Result<Vec<u8>, ArchiveError> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file(csv_name, options)?;
    zip.write_all(csv)?;
    zip.start_file("provenance.json", options)?;
    serde_json::to_writer_pretty(&mut zip, provenance).map_err(std::io::Error::other)?;
    zip.write_all(b"\n")?;
    Ok(zip.finish()?.into_inner())
}
