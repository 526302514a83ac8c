//! Loading one file into the store: its transaction, the key index that
//! classifies each report (new, duplicate, conflict), the Arrow batches the
//! ingest workers prepare, the table function DuckDB's threads take them from,
//! and the rejects set aside until the statement ends.

mod area_codes;
mod feed;
mod file_load;
mod keys;
mod rejects;
mod report_batch;

pub(crate) use file_load::Loader;
pub use file_load::{FileLoad, Stager};
#[cfg(test)]
pub(crate) use file_load::{BACKGROUND_FLUSHES, SEGMENTS};
pub use report_batch::{PreparedReports, ReportPreparer, BATCH_ROWS};
