//! One input record before validation, and its raw text for a reject.

use super::column::Column;
use super::read;
use crate::model::unmarked_text;

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

    /// A row of values gathered by column, with the record as written.
    pub(crate) fn from_values(
        line: u64,
        values: Box<[Option<String>; Column::ALL.len()]>,
        raw: String,
    ) -> Self {
        Self {
            line,
            values: Values::Owned {
                values,
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
                values[c as usize] = self.get(c).map(str::to_owned);
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

    /// Whether the file's header has a column for `column` (a CSV row), or
    /// `None` when the row's format has no header (JSON).
    pub fn header_has(&self, column: Column) -> Option<bool> {
        match &self.values {
            Values::Csv { fields, .. } => Some(fields[column as usize].is_some()),
            Values::Owned { .. } => None,
        }
    }

    /// The value, trimmed, or `None` when absent or blank. A CSV value
    /// loses the `'` a spreadsheet-safe CSV (ours among them) puts before a
    /// formula's first character ([`unmarked_text`]).
    pub fn get(&self, column: Column) -> Option<&str> {
        let value = trim(self.untrimmed(column)?);
        let value = match &self.values {
            Values::Csv { .. } => unmarked_text(value),
            Values::Owned { .. } => value,
        };
        (!value.is_empty()).then_some(value)
    }

    /// Whether every value of the record is blank: in its columns we read
    /// and those we do not (a JSON row: every column we read).
    pub fn is_blank(&self) -> bool {
        match &self.values {
            Values::Csv { record, .. } => record.iter().all(|v| v.trim().is_empty()),
            Values::Owned { .. } => Column::ALL.iter().all(|c| self.get(*c).is_none()),
        }
    }

    /// A CSV row's record, to be read into again ([`RecordPool`]).
    fn into_record(self) -> Option<csv::ByteRecord> {
        match self.values {
            Values::Csv { record, .. } => Some(record.into_byte_record()),
            Values::Owned { .. } => None,
        }
    }

    /// The record as written (re-serialised for CSV), truncated to [`RAW_LIMIT`].
    pub fn raw(&self) -> String {
        match &self.values {
            Values::Owned { raw, .. } => raw.clone(),
            Values::Csv { record, .. } => truncate_raw(read::reserialise(record.as_byte_record())),
        }
    }
}

/// `str::trim`, answered at once for a value that starts and ends with
/// visible ASCII (nearly every value: ~15 a row): `trim` decodes each end as
/// a Unicode char and tests it for white space.
fn trim(value: &str) -> &str {
    match (value.as_bytes().first(), value.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => value,
        _ => value.trim(),
    }
}

/// CSV records handed back once their rows are staged, and read into again:
/// a row then costs no allocation of its own, and its buffers are freed (or
/// reused) on the thread that made them, not on the staging thread. Shared by
/// the reading thread's parts only.
#[derive(Clone, Debug, Default)]
pub struct RecordPool(std::rc::Rc<std::cell::RefCell<Vec<csv::ByteRecord>>>);

/// Records longer than this are dropped, not kept: one odd 10 MB line would
/// otherwise hold its buffer for the rest of the file.
const POOLED_RECORD_BYTES: usize = 16 << 10;

impl RecordPool {
    /// Keeps the records of rows the store is done with.
    pub fn give_back(&self, rows: impl IntoIterator<Item = RawRow>) {
        self.0.borrow_mut().extend(
            rows.into_iter()
                .filter_map(RawRow::into_record)
                .filter(|record| record.as_slice().len() <= POOLED_RECORD_BYTES),
        );
    }

    /// A record to read into: one given back, else a new one.
    pub(super) fn take(&self) -> csv::ByteRecord {
        self.0.borrow_mut().pop().unwrap_or_default()
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.0.borrow().len()
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

#[cfg(test)]
mod tests {
    use super::{Column, RawRow, RecordPool};
    use crate::ingest::{open_rows, Format};

    /// The same as `str::trim` on ASCII and Unicode white space at either
    /// end, control characters, multi-byte text and empty values.
    #[test]
    fn trim_is_strs() {
        let ends = [
            "", " ", "\t", "\r\n", "\u{b}", "\u{c}", "\u{a0}", "\u{3000}", "\u{85}", "\u{2028}",
            "\u{1}", "\u{7f}", "a", "é", "’", "~", "!",
        ];
        let middles = ["", "x", "a b", "é", " ", "\u{a0}", "R0000001"];
        let mut checked = 0;
        for start in ends {
            for middle in middles {
                for end in ends {
                    let value = format!("{start}{middle}{end}");
                    assert_eq!(super::trim(&value), value.trim(), "{value:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, ends.len() * middles.len() * ends.len());
    }

    fn rows(csv: &str, pool: &RecordPool) -> Vec<RawRow> {
        open_rows(Format::Csv, Box::new(csv.as_bytes()), "t.csv", pool)
            .expect("header")
            .map(|item| {
                item.expect("record")
                    .into_row()
                    .unwrap_or_else(|r| panic!("{r:?}"))
            })
            .collect()
    }

    /// Rows read into records given back are the rows a fresh read gives
    /// (lines, values, raw text); a very long record is not kept.
    #[test]
    fn rows_read_into_records_given_back_are_the_same() {
        let lines = (0..50).map(|i| {
            let day = i % 28 + 1;
            let padding = "y".repeat(i);
            format!("R{i},2024-01-{day:02},farm,52.{i},0.1,\"note {padding}\n{i}\"\n")
        });
        let long = format!("R50,2024-01-01,farm,52.5,0.1,{}\n", "x".repeat(20_000));
        let csv: String =
            std::iter::once("report_id,reported_at,venue_type,lat,lng,notes\n".into())
                .chain(lines)
                .chain([long])
                .collect();
        let fresh = rows(&csv, &RecordPool::default());
        assert_eq!(fresh.len(), 51);
        let pool = RecordPool::default();
        // Taken last first: each record read into held another row's text.
        pool.give_back(rows(&csv, &RecordPool::default()));
        assert_eq!(pool.len(), 50, "the 20 kB record is not kept");
        let reused = rows(&csv, &pool);
        assert_eq!(pool.len(), 0, "every kept record was read into");
        assert_eq!(reused.len(), fresh.len());
        for (a, b) in fresh.iter().zip(&reused) {
            assert_eq!(a.line, b.line);
            for column in Column::ALL {
                assert_eq!(a.get(column), b.get(column), "line {}", a.line);
            }
            assert_eq!(a.raw(), b.raw());
        }
    }
}
