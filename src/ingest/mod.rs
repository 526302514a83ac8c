//! Ingest: reads report files (CSV, JSON Lines, GeoJSON) as streams of rows and
//! parses each row into typed values, or a reject naming the line, field and reason.
//!
//! Must not: geocode, index or store. A bad row never stops the file; only a file
//! that cannot be read at all is an [`IngestError`].

mod parse;
mod read;

pub use parse::{parse_row, ParseContext, ParsedReport};
pub use read::{open_rows, Format, HashingReader, ReadTally, RowItem};

use std::fmt;

/// The input columns of interface.md, with their accepted aliases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    ReportId,
    Source,
    ObservedOn,
    VenueType,
    ExploitationType,
    Indicators,
    Lat,
    Lng,
    Easting,
    Northing,
    Postcode,
    Town,
    County,
    Address,
    VenueName,
    PersonsCount,
    Nationalities,
    ChildInvolved,
    Grading,
    Notes,
}

impl Column {
    pub const ALL: [Self; 20] = [
        Self::ReportId,
        Self::Source,
        Self::ObservedOn,
        Self::VenueType,
        Self::ExploitationType,
        Self::Indicators,
        Self::Lat,
        Self::Lng,
        Self::Easting,
        Self::Northing,
        Self::Postcode,
        Self::Town,
        Self::County,
        Self::Address,
        Self::VenueName,
        Self::PersonsCount,
        Self::Nationalities,
        Self::ChildInvolved,
        Self::Grading,
        Self::Notes,
    ];

    /// The canonical name, used in rejects and exports.
    pub fn name(self) -> &'static str {
        match self {
            Self::ReportId => "report_id",
            Self::Source => "source",
            Self::ObservedOn => "observed_on",
            Self::VenueType => "venue_type",
            Self::ExploitationType => "exploitation_type",
            Self::Indicators => "indicators",
            Self::Lat => "lat",
            Self::Lng => "lng",
            Self::Easting => "easting",
            Self::Northing => "northing",
            Self::Postcode => "postcode",
            Self::Town => "town",
            Self::County => "county",
            Self::Address => "address",
            Self::VenueName => "venue_name",
            Self::PersonsCount => "persons_count",
            Self::Nationalities => "nationalities",
            Self::ChildInvolved => "child_involved",
            Self::Grading => "grading",
            Self::Notes => "notes",
        }
    }

    /// Maps a header (any case, spaces or hyphens for underscores) to a column.
    pub fn from_header(header: &str) -> Option<Self> {
        let key = crate::model::normalise_word(header.trim_start_matches('\u{feff}'));
        let column = match key.as_str() {
            "report_id" | "id" | "reportid" => Self::ReportId,
            "source" => Self::Source,
            "observed_on" | "date" | "reported_at" | "observed_at" => Self::ObservedOn,
            "venue_type" | "venue" => Self::VenueType,
            "exploitation_type" | "exploitation" => Self::ExploitationType,
            "indicators" => Self::Indicators,
            "lat" | "latitude" => Self::Lat,
            "lng" | "longitude" | "lon" | "long" => Self::Lng,
            "easting" => Self::Easting,
            "northing" => Self::Northing,
            "postcode" | "post_code" | "postal_code" => Self::Postcode,
            "town" | "place" => Self::Town,
            "county" => Self::County,
            "address" => Self::Address,
            "venue_name" => Self::VenueName,
            "persons_count" | "persons" => Self::PersonsCount,
            "nationalities" | "nationality" => Self::Nationalities,
            "child_involved" | "child" => Self::ChildInvolved,
            "grading" => Self::Grading,
            "notes" => Self::Notes,
            _ => return None,
        };
        Some(column)
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One input record before validation: its values by column and its raw text.
#[derive(Clone, Debug)]
pub struct RawRow {
    /// Physical line where the record starts (1-based; a CSV header is line 1).
    pub line: u64,
    values: Values,
}

#[derive(Clone, Debug)]
enum Values {
    /// Values gathered one by one (JSON), with the record as written.
    Owned {
        values: Box<[Option<String>; Column::ALL.len()]>,
        raw: String,
    },
    /// A CSV record (valid UTF-8 throughout) and which of its fields holds each
    /// column: no copy per value, and the raw text is only written out for a
    /// row that is rejected.
    Csv {
        record: csv::StringRecord,
        fields: CsvFields,
    },
}

/// For each column, the index of the CSV field that holds it.
pub(crate) type CsvFields = [Option<u16>; Column::ALL.len()];

/// Longest raw text kept with a reject; a 10 MB line is listed, not copied.
pub const RAW_LIMIT: usize = 4096;

impl RawRow {
    pub fn new(line: u64, raw: String) -> Self {
        Self {
            line,
            values: Values::Owned {
                values: Box::default(),
                raw: truncate_raw(raw),
            },
        }
    }

    pub(crate) fn from_csv(line: u64, record: csv::StringRecord, fields: CsvFields) -> Self {
        Self {
            line,
            values: Values::Csv { record, fields },
        }
    }

    /// Sets a column's value (a CSV-backed row first copies its values out).
    pub fn set(&mut self, column: Column, value: String) {
        if let Values::Csv { .. } = self.values {
            let raw = self.raw();
            let mut values: Box<[Option<String>; Column::ALL.len()]> = Box::default();
            for c in Column::ALL {
                values[c as usize] = self.untrimmed(c).map(str::to_owned);
            }
            self.values = Values::Owned { values, raw };
        }
        if let Values::Owned { values, .. } = &mut self.values {
            values[column as usize] = Some(value);
        }
    }

    fn untrimmed(&self, column: Column) -> Option<&str> {
        match &self.values {
            Values::Owned { values, .. } => values[column as usize].as_deref(),
            Values::Csv { record, fields } => {
                fields[column as usize].and_then(|i| record.get(usize::from(i)))
            }
        }
    }

    /// The value, trimmed, or `None` when absent or blank.
    pub fn get(&self, column: Column) -> Option<&str> {
        self.untrimmed(column)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// The record as written (re-serialised for CSV), truncated to [`RAW_LIMIT`].
    pub fn raw(&self) -> String {
        match &self.values {
            Values::Owned { raw, .. } => raw.clone(),
            Values::Csv { record, .. } => truncate_raw(read::reserialise(record.as_byte_record())),
        }
    }
}

pub(crate) fn truncate_raw(mut raw: String) -> String {
    if raw.len() > RAW_LIMIT {
        let mut cut = RAW_LIMIT;
        while !raw.is_char_boundary(cut) {
            cut -= 1;
        }
        let total = raw.len();
        raw.truncate(cut);
        let _ =
            std::fmt::Write::write_fmt(&mut raw, format_args!("... [{total} bytes, truncated]"));
    }
    raw
}

/// A row that was read but not accepted.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowReject {
    pub line: u64,
    /// The input column at fault (canonical name), or `row` for the record as a whole.
    pub field: String,
    pub reason: String,
    pub raw: String,
}

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
