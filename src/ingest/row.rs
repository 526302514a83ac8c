//! One input record before validation, and its raw text for a reject.

use super::column::Column;
use super::read;

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
