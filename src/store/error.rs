//! The store's one error type, with the database and the step that failed.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {context}: {source}")]
    Db {
        path: String,
        context: &'static str,
        #[source]
        source: duckdb::Error,
    },
    #[error("database {path}: load does not balance (read {read}, stored {stored}, duplicates {duplicates}, rejected {rejected}); rolled back")]
    Unbalanced {
        path: String,
        read: u64,
        stored: u64,
        duplicates: u64,
        rejected: u64,
    },
    #[error("database {path}: {context}: {source}")]
    Io {
        path: String,
        context: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// Another process holds the database file's lock (DuckDB allows one
    /// process at a time): `holder` is DuckDB's word for it (program and PID).
    #[error("database {path}: in use by another process{}", holder.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Locked {
        path: String,
        holder: Option<String>,
    },
    /// A name taken, a user missing: the caller's mistake, said plainly.
    #[error("{0}")]
    Conflict(String),
    #[error(
        "database {path}: schema version {found} is newer than this program understands ({known})"
    )]
    TooNew {
        path: String,
        found: i32,
        known: i32,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A DuckDB error in `path`'s database, with its context.
pub(super) fn db_error<'p>(
    path: &'p str,
    context: &'static str,
) -> impl Fn(duckdb::Error) -> StoreError + 'p {
    move |source| StoreError::Db {
        path: path.to_owned(),
        context,
        source,
    }
}

/// An Arrow compute error while staging `path`'s reports, with its context.
pub(super) fn arrow_error<'p>(
    path: &'p str,
    context: &'static str,
) -> impl Fn(duckdb::arrow::error::ArrowError) -> StoreError + 'p {
    move |e| StoreError::Io {
        path: path.to_owned(),
        context,
        source: std::io::Error::other(e),
    }
}

/// Opening failed: [`StoreError::Locked`] when another process holds the file
/// (DuckDB says "Could not set lock on file ... Conflicting lock is held in
/// PROGRAM (PID n) by user ..."), else the DuckDB error.
pub(super) fn open_error(path: &str, source: duckdb::Error) -> StoreError {
    let text = source.to_string();
    if text.contains("Could not set lock on file") {
        // "... is held in PROGRAM (PID n) by user U. See also ...": the
        // program and its PID, whatever follows.
        let holder = text
            .split_once("Conflicting lock is held in ")
            .map(|(_, rest)| {
                let end = rest
                    .find("(PID ")
                    .and_then(|at| rest[at..].find(')').map(|close| at + close + 1))
                    .unwrap_or(rest.len());
                rest[..end].trim().to_owned()
            });
        return StoreError::Locked {
            path: path.to_owned(),
            holder,
        };
    }
    StoreError::Db {
        path: path.to_owned(),
        context: "open",
        source,
    }
}
