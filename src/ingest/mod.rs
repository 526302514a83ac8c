//! Ingest: reads report files (CSV, JSON Lines, GeoJSON) as streams of rows,
//! parses each row into typed values or a reject naming the line, field and
//! reason (`read`, `parse`), and loads them (`pipeline`): geocoded and indexed
//! by `geo`, staged and committed by `store`, one file per transaction.
//!
//! Only `pipeline` touches the store. A bad row never stops the file; only a
//! file that cannot be read at all is an [`IngestError`].

mod archive;
mod column;
mod context;
mod destination;
mod encoding;
mod error;
mod header;
mod json_record;
mod parse;
mod pipeline;
mod read;
mod register;
mod rejects_file;
mod row;

pub use archive::{archive_members, is_archive, is_archive_name, with_archives_opened};
pub use context::{import_police_uk, read_police_uk, POLICE_UK_PRECISION_M};
pub use destination::{Destination, NewStore};
pub use encoding::{into_utf8, TextEncoding};
pub use json_record::JsonRecord;
pub use parse::{parse_row, ParseContext, ParsedReport};
pub use read::{open_rows, Format, HashingReader, ReadTally, RowItem};
pub use register::{import_outcomes, import_premises};

pub use crate::model::RowReject;
pub use column::Column;
pub use error::IngestError;
pub use pipeline::{
    check_record, default_rejects_path, load, load_each, load_paths, loadable_name, summary_line,
    FileSummary, Input, LoadOptions, Loaded, PipelineError,
};
pub(crate) use row::{truncate_raw, CsvFields};
pub use row::{RawRow, RecordPool, RAW_LIMIT};
