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
}
