//! Errors of the ingest layer: a file that cannot be read at all.

/// A file that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: line {line}: {message}")]
    Malformed {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: cannot tell the format from the extension; use --format csv|jsonl|geojson")]
    UnknownFormat { file: String },
    /// An Excel or LibreOffice workbook (by its name or its first bytes),
    /// or another zip archive: not text, so not one row of it would read.
    #[error(
        "{file}: a spreadsheet workbook or zip archive, not a text file: open it in Excel \
         or LibreOffice and save it as \"CSV UTF-8 (Comma delimited)\" (or unzip it), then \
         load that"
    )]
    Workbook { file: String },
    /// A zip archive that cannot be opened or read as one.
    #[error("{file}: not a zip archive that can be read: {message}")]
    Archive { file: String, message: String },
    /// A zip archive with no member of a kind this command loads.
    #[error("{file}: nothing in this archive to load (no file of a kind this command reads)")]
    EmptyArchive { file: String },
    /// An archive's member that unpacks to more than an upload may.
    #[error("{file}: unpacks to more than {limit_mib} MiB, more than a member of an uploaded archive may (load it on the server with hotspots ingest)")]
    MemberTooLarge { file: String, limit_mib: u64 },
    /// A folder named where a file was expected (`context import` alone
    /// searches folders, for police.uk's many monthly files).
    #[error("{file}: a folder, not a file: name the files in it (e.g. {file}/*.csv)")]
    Folder { file: String },
}

impl IngestError {
    /// The file the error is about, as the listings name it.
    pub fn file(&self) -> &str {
        match self {
            Self::Io { file, .. }
            | Self::Malformed { file, .. }
            | Self::UnknownFormat { file }
            | Self::Workbook { file }
            | Self::Archive { file, .. }
            | Self::EmptyArchive { file }
            | Self::MemberTooLarge { file, .. }
            | Self::Folder { file } => file,
        }
    }
}
