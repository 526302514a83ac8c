//! Streaming readers: each yields one [`RowItem`] per input record, holding only
//! the current record in memory, whatever the file size.

use std::io::{BufRead, Read};

use serde_json::Value;

use super::encoding::raw_text;
use super::header::{alternatives, lacking_message, place_lacking, POLICE_UK_STREET_COLUMNS};
use super::{truncate_raw, Column, IngestError, JsonRecord, RawRow, RecordPool, RowReject};
use crate::model::unmarked_text;

/// Input file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    #[value(alias = "ndjson")]
    Jsonl,
    Geojson,
}

impl Format {
    /// From the file extension: `.csv`, `.jsonl`/`.ndjson`, `.geojson`/`.json`.
    pub fn from_path(path: &str) -> Option<Self> {
        let lower = path.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
        match ext {
            "csv" | "tsv" | "txt" => Some(Self::Csv),
            "jsonl" | "ndjson" => Some(Self::Jsonl),
            "geojson" | "json" => Some(Self::Geojson),
            _ => None,
        }
    }

    /// From the file extension, as [`Format::from_path`]; a workbook's
    /// name (`.xlsx`, `.xls`, `.ods`, ...) is said to be one, so its user
    /// learns to save it as CSV rather than to name a format.
    ///
    /// # Errors
    /// `Workbook` for a workbook's name, `UnknownFormat` for any other.
    pub fn of_file(path: &str, file: &str) -> Result<Self, IngestError> {
        Self::from_path(path).ok_or_else(|| {
            let lower = path.to_ascii_lowercase();
            let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
            if matches!(ext, "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" | "numbers") {
                IngestError::Workbook {
                    file: file.to_owned(),
                }
            } else {
                IngestError::UnknownFormat {
                    file: file.to_owned(),
                }
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
            Self::Geojson => "geojson",
        }
    }
}

/// Whether a file starting `head` is a workbook or zip archive rather than
/// text: a zip's local-file signature (`.xlsx`, `.ods`) or the compound
/// document signature of an `.xls`. Neither can begin a text file.
pub(crate) fn is_workbook(head: &[u8]) -> bool {
    const ZIP: &[u8] = b"PK\x03\x04";
    const COMPOUND_DOCUMENT: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    head.starts_with(ZIP) || head.starts_with(COMPOUND_DOCUMENT)
}

/// A record read: either a row to validate or a record that could not even be read.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one item per record, moved once; boxing would allocate per row"
)]
pub enum RowItem {
    Row(RawRow),
    /// A JSON line or GeoJSON feature still to decode ([`RowItem::into_row`]):
    /// decoding is most of a JSON record's reading, so it runs on the load's
    /// workers, not on its one reading thread.
    Json(JsonRecord),
    Reject(RowReject),
}

type Rows<'r> = Box<dyn Iterator<Item = Result<RowItem, IngestError>> + 'r>;

/// Opens a stream of rows over `input` in the given format. `file` names the
/// input in errors. CSV rows are read into records from `pool` when it has any.
///
/// # Errors
/// When the header (CSV) or the document structure (GeoJSON) cannot be read.
pub fn open_rows<'r>(
    format: Format,
    input: Box<dyn BufRead + 'r>,
    file: &str,
    pool: &RecordPool,
) -> Result<Rows<'r>, IngestError> {
    match format {
        Format::Csv => csv_rows(input, file, pool.clone(), None, HeaderCheck::Reports),
        Format::Jsonl => Ok(Box::new(JsonLines {
            input,
            file: file.to_owned(),
            line: 0,
            buf: Vec::new(),
        })),
        Format::Geojson => Ok(Box::new(GeoJsonFeatures::new(input, file)?)),
    }
}

/// The delimiter of a delimited text file, from its header line (`head`
/// holds its first bytes): a comma when the header holds one, else a tab
/// (Excel's "Unicode text", `.tsv`) or a semicolon (Excel's "CSV" where the
/// decimal mark is a comma) when it holds one, else a comma.
pub(super) fn delimiter_of(head: &[u8]) -> u8 {
    let header = &head[..memchr::memchr2(b'\n', b'\r', head).unwrap_or(head.len())];
    [b',', b'\t', b';']
        .into_iter()
        .find(|d| memchr::memchr(*d, header).is_some())
        .unwrap_or(b',')
}

/// The delimiter of a CSV whose text (as UTF-8) starts with `head`: that of
/// its header line, after any UTF-8 byte-order mark.
pub(super) fn csv_delimiter(head: &[u8]) -> u8 {
    delimiter_of(head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head))
}

/// Whether a CSV header must name the columns every report needs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HeaderCheck {
    Reports,
    /// A header already checked (the lines after a quote left open), or a
    /// unit test's few columns.
    Skip,
}

/// Why no row under this header could be a report, or `None` (see
/// [`super::header`]).
fn header_lacks(columns: &[Option<Column>], headers: &csv::ByteRecord) -> Option<String> {
    let has = |column| columns.contains(&Some(column));
    let needed = |what: &str, column: Column| {
        (!has(column)).then(|| format!("{what} ({})", alternatives(column.header_names())))
    };
    let lacking: Vec<String> = [
        needed("date", Column::ObservedOn),
        needed("venue type", Column::VenueType),
        place_lacking(
            |name| columns.iter().flatten().any(|c| c.name() == name),
            None,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let unread = headers
        .iter()
        .zip(columns)
        .filter(|(_, column)| column.is_none())
        .map(|(header, _)| header);
    let message = lacking_message("each report's", &lacking, unread)?;
    // Recorded crime is context beside the reports, never reports.
    let police_uk = POLICE_UK_STREET_COLUMNS
        .iter()
        .all(|name| headers.iter().any(|h| h.trim_ascii() == name.as_bytes()));
    Some(if police_uk {
        format!(
            "{message}. This is a data.police.uk street-level file: load it as context \
             beside the reports with `hotspots context import police-uk FILE`"
        )
    } else {
        message
    })
}

/// CSV rows of `input`, separated by `delimiter`, or by what its header
/// line shows ([`delimiter_of`]) when `None`.
fn csv_rows<'r>(
    mut input: Box<dyn BufRead + 'r>,
    file: &str,
    pool: RecordPool,
    delimiter: Option<u8>,
    check: HeaderCheck,
) -> Result<Rows<'r>, IngestError> {
    let head = input.fill_buf().map_err(|source| IngestError::Io {
        file: file.to_owned(),
        source,
    })?;
    // Strip a UTF-8 BOM here so that byte offsets below and the csv crate's agree.
    let has_bom = head.starts_with(b"\xef\xbb\xbf");
    let delimiter = delimiter.unwrap_or_else(|| csv_delimiter(head));
    if has_bom {
        input.consume(3);
    }
    let (tracker, breaks) = LineBreaks::new(input);
    let mut lines = LineCounter::new(breaks);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .delimiter(delimiter)
        .from_reader(tracker);
    let io = |e: csv::Error| IngestError::Malformed {
        file: file.to_owned(),
        line: 1,
        message: e.to_string(),
    };
    let headers = reader.byte_headers().map_err(io)?.clone();
    let mut columns = Vec::with_capacity(headers.len());
    for (i, header) in headers.iter().enumerate() {
        let name = String::from_utf8_lossy(header);
        let column = Column::from_header(&name);
        if let Some(c) = column {
            if columns.contains(&Some(c)) {
                return Err(IngestError::Malformed {
                    file: file.to_owned(),
                    line: 1,
                    message: format!(
                        "header: column {} ({name:?}) appears twice (aliases included)",
                        i + 1
                    ),
                });
            }
        }
        columns.push(column);
    }
    let blank = headers.iter().all(<[u8]>::is_empty);
    if let Some(message) = (check == HeaderCheck::Reports && !blank)
        .then(|| header_lacks(&columns, &headers))
        .flatten()
    {
        return Err(IngestError::Malformed {
            file: file.to_owned(),
            line: 1,
            message,
        });
    }
    let file = file.to_owned();
    let mut fields: super::CsvFields = Default::default();
    for (i, column) in columns.iter().enumerate() {
        if let (Some(column), Ok(i)) = (column, u16::try_from(i)) {
            fields[*column as usize] = Some(i);
        }
    }
    let mut record = csv::ByteRecord::new();
    // The rows after a quote left open to the file's end, read again.
    let mut reread: Option<(Rows<'static>, u64)> = None;
    Ok(Box::new(std::iter::from_fn(move || {
        if let Some((rows, shift)) = &mut reread {
            match rows.next() {
                Some(item) => return Some(item.map(|item| item.shifted(*shift))),
                None => reread = None,
            }
        }
        match reader.read_byte_record(&mut record) {
            Ok(false) => None,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                Some(Err(IngestError::Malformed {
                    file: file.clone(),
                    line,
                    message: e.to_string(),
                }))
            }
            Ok(true) => {
                let line = lines.line_at(record.position().map_or(0, csv::Position::byte));
                if reader.get_ref().at_end {
                    if let Some(open) = OpenQuote::find(&record, reader.get_ref().last) {
                        // The quote's column; past the header's last, the
                        // row, as a wrong field count is named.
                        let at = record.len() - 1;
                        let column = match (columns.get(at), headers.get(at)) {
                            (Some(Some(c)), _) => c.name().to_owned(),
                            (_, Some(h)) => String::from_utf8_lossy(h).into_owned(),
                            _ => "row".to_owned(),
                        };
                        // The header again, in the file's own delimiter.
                        let header = reserialise_with(&headers, delimiter);
                        let again = [header.as_bytes(), b"\n", open.after].concat();
                        let rows = csv_rows(
                            Box::new(std::io::Cursor::new(again)),
                            &file,
                            pool.clone(),
                            Some(delimiter),
                            HeaderCheck::Skip,
                        );
                        // Its line 2 is the line after the quote's.
                        reread = rows.ok().map(|rows| (rows, line - 1));
                        return Some(Ok(RowItem::Reject(RowReject {
                            line,
                            field: column,
                            reason: "a quoted value opened on this line is not closed before the end of the file; this line is set aside and the lines after it are read as rows".into(),
                            raw: truncate_raw(open.line),
                        })));
                    }
                }
                if record.len() != columns.len() {
                    return Some(Ok(RowItem::Reject(RowReject {
                        line,
                        field: "row".into(),
                        reason: field_count_reason(&record, columns.len()),
                        raw: truncate_raw(reserialise(&record)),
                    })));
                }
                // Valid UTF-8 throughout (the usual case): the record is the row,
                // and the next is read into one given back. Otherwise the first
                // mapped column that is not is named; bytes in columns we do not
                // read are let through, as before.
                let filled = std::mem::replace(&mut record, pool.take());
                let row = match csv::StringRecord::from_byte_record(filled) {
                    Ok(text) => RawRow::from_csv(line, text, fields),
                    Err(e) => {
                        let record = e.into_byte_record();
                        let mut row = RawRow::new(line, reserialise(&record));
                        for (value, column) in record.iter().zip(&columns) {
                            let Some(column) = column else { continue };
                            match std::str::from_utf8(value) {
                                Ok(text) => {
                                    row.set(*column, unmarked_text(text.trim()).to_owned());
                                }
                                Err(_) => {
                                    return Some(Ok(RowItem::Reject(RowReject {
                                        line,
                                        field: column.name().into(),
                                        reason: super::encoding::NOT_UTF8.into(),
                                        raw: row.raw(),
                                    })))
                                }
                            }
                        }
                        row
                    }
                };
                Some(Ok(RowItem::Row(row)))
            }
        }
    })))
}

/// A quote left open to the end of the file: the csv parser reads every
/// line after it into one value (the record's last), which would store the
/// rows after it as one report's text. Found when the record ran to the end
/// of input (no line break ended it), its last value holds a line break and
/// the file does not end in the closing quote.
struct OpenQuote<'a> {
    /// The quote's own line as written.
    line: String,
    /// The lines after it, as written (inside quotes the parser keeps bytes
    /// as they are; the file has no other quote, or it would have closed this).
    after: &'a [u8],
}

impl<'a> OpenQuote<'a> {
    fn find(record: &'a csv::ByteRecord, last_byte: Option<u8>) -> Option<Self> {
        let value = record.iter().next_back()?;
        let first_break = memchr::memchr2(b'\n', b'\r', value)?;
        if last_byte == Some(b'"') {
            return None;
        }
        let mut before = csv::ByteRecord::new();
        for field in record.iter().take(record.len() - 1) {
            before.push_field(field);
        }
        let mut line = if before.is_empty() {
            String::new()
        } else {
            reserialise(&before) + ","
        };
        line.push('"');
        line.push_str(&raw_text(&value[..first_break]));
        let rest = &value[first_break..];
        let skip = if rest.starts_with(b"\r\n") { 2 } else { 1 };
        Some(Self {
            line,
            after: &rest[skip..],
        })
    }
}

impl RowItem {
    /// The row to validate, or the reject of a record that gives none.
    ///
    /// # Errors
    /// The record's reject: read as one, or a JSON record that does not decode.
    pub fn into_row(self) -> Result<RawRow, RowReject> {
        match self {
            Self::Row(row) => Ok(row),
            Self::Json(record) => record.decode(),
            Self::Reject(reject) => Err(reject),
        }
    }

    /// The item with its line numbers `by` lines later.
    fn shifted(self, by: u64) -> Self {
        match self {
            Self::Row(mut row) => {
                row.line += by;
                Self::Row(row)
            }
            Self::Json(mut record) => {
                record.line += by;
                Self::Json(record)
            }
            Self::Reject(mut reject) => {
                reject.line += by;
                Self::Reject(reject)
            }
        }
    }
}

/// Why a record with the wrong number of fields is rejected. Too few fields
/// with a line break inside one is nearly always a quote left open: the parser
/// read on, past the line's end, to the next quote (or the file's end), so the
/// reject says where to look.
fn field_count_reason(record: &csv::ByteRecord, header: usize) -> String {
    // A value open to the file's end also holds the last line's own break.
    let breaks = record
        .iter()
        .map(|field| {
            let end = field
                .iter()
                .rposition(|&b| b != b'\n' && b != b'\r')
                .map_or(0, |i| i + 1);
            memchr::memchr_iter(b'\n', &field[..end]).count()
        })
        .sum::<usize>();
    if record.len() < header && breaks > 0 {
        format!(
            "has {} fields; the header has {}: a quoted value runs over {} lines, so a closing quote may be missing",
            record.len(),
            header,
            breaks + 1
        )
    } else {
        format!("has {} fields; the header has {header}", record.len())
    }
}

/// Offsets of every CR and LF byte handed to the csv parser, kept only until the
/// records before them have been numbered (so bounded by the parser's read-ahead).
type Breaks = std::rc::Rc<std::cell::RefCell<std::collections::VecDeque<(u64, u8)>>>;

struct LineBreaks<R> {
    inner: R,
    offset: u64,
    breaks: Breaks,
    /// The last byte read (whether the file ends in a closing quote).
    last: Option<u8>,
    /// Whether the input has ended: after a record, that the parser read on
    /// to the end to finish it (no line break ended it).
    at_end: bool,
}

impl<R: Read> LineBreaks<R> {
    fn new(inner: R) -> (Self, Breaks) {
        let breaks = Breaks::default();
        (
            Self {
                inner,
                offset: 0,
                breaks: breaks.clone(),
                last: None,
                at_end: false,
            },
            breaks,
        )
    }
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut breaks = self.breaks.borrow_mut();
        let read = &buf[..n];
        for i in memchr::memchr2_iter(b'\r', b'\n', read) {
            breaks.push_back((self.offset + i as u64, read[i]));
        }
        match read.last() {
            Some(&last) => self.last = Some(last),
            None => self.at_end = !buf.is_empty(),
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Physical line numbers from record start offsets. The csv crate's own line count
/// lags after CRLF terminators (a record ends at the CR, its LF is read with the
/// next record), so lines are counted here: a record starts at the first byte at
/// or after its offset that is not CR or LF, and its line is one more than the LFs
/// before that byte.
struct LineCounter {
    breaks: Breaks,
    newlines: u64,
}

impl LineCounter {
    fn new(breaks: Breaks) -> Self {
        Self {
            breaks,
            newlines: 0,
        }
    }

    fn line_at(&mut self, start: u64) -> u64 {
        let mut breaks = self.breaks.borrow_mut();
        while let Some(&(offset, byte)) = breaks.front() {
            if offset >= start {
                break;
            }
            self.newlines += u64::from(byte == b'\n');
            breaks.pop_front();
        }
        let mut cursor = start;
        while let Some(&(offset, byte)) = breaks.front() {
            if offset != cursor {
                break;
            }
            self.newlines += u64::from(byte == b'\n');
            breaks.pop_front();
            cursor += 1;
        }
        self.newlines + 1
    }
}

/// The record as CSV text again (the csv crate does not keep the original
/// bytes): comma-separated whatever the file's delimiter, as the rejects'
/// `raw` column shows it.
pub(super) fn reserialise(record: &csv::ByteRecord) -> String {
    reserialise_with(record, b',')
}

fn reserialise_with(record: &csv::ByteRecord, delimiter: u8) -> String {
    let mut buf = Vec::new();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .delimiter(delimiter)
            .from_writer(&mut buf);
        let _ = writer.write_byte_record(record);
        let _ = writer.flush();
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    raw_text(&buf)
}

struct JsonLines<'r> {
    input: Box<dyn BufRead + 'r>,
    file: String,
    line: u64,
    buf: Vec<u8>,
}

impl Iterator for JsonLines<'_> {
    type Item = Result<RowItem, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            match self.input.read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(source) => {
                    return Some(Err(IngestError::Io {
                        file: self.file.clone(),
                        source,
                    }))
                }
            }
            self.line += 1;
            let mut bytes = self.buf.as_slice();
            if self.line == 1 {
                bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
            }
            let reject = |line, field: &str, reason: String, raw: String| {
                Some(Ok(RowItem::Reject(RowReject {
                    line,
                    field: field.into(),
                    reason,
                    raw: truncate_raw(raw),
                })))
            };
            let Ok(text) = std::str::from_utf8(bytes) else {
                let raw = raw_text(bytes).trim_end().to_owned();
                return reject(self.line, "row", super::encoding::NOT_UTF8.into(), raw);
            };
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            return Some(Ok(RowItem::Json(JsonRecord::line(
                self.line,
                text.to_owned(),
            ))));
        }
    }
}

/// Streams the members of a FeatureCollection's `features` array one at a time,
/// tracking the line where each feature starts, without reading the whole file.
struct GeoJsonFeatures<'r> {
    input: Box<dyn BufRead + 'r>,
    file: String,
    line: u64,
    done: bool,
    /// The coordinates are British National Grid eastings and northings
    /// (a `crs` member naming EPSG:27700), not longitudes and latitudes.
    grid: bool,
}

/// Whether a GeoJSON `crs` member (GeoJSON 2008, still written by GDAL and
/// QGIS for a layer not in WGS84) names British National Grid; an error
/// naming it when it is neither that nor WGS84.
fn crs_is_grid(crs: &Value) -> Result<bool, String> {
    let properties = &crs["properties"];
    let name = match (properties["name"].as_str(), properties["code"].as_u64()) {
        (Some(name), _) => name.to_owned(),
        (None, Some(code)) => format!("EPSG:{code}"),
        (None, None) => return Err(format!("\"crs\" names no CRS: {crs}")),
    };
    // "EPSG:27700", "urn:ogc:def:crs:EPSG::27700", "urn:ogc:def:crs:EPSG:6.6:27700".
    let upper = name.to_ascii_uppercase();
    let code = upper.rsplit(':').next().unwrap_or_default();
    match (upper.contains("EPSG"), code) {
        (true, "27700") => Ok(true),
        // GeoJSON's own order (longitude first) whichever of the two is named,
        // as GDAL writes and reads it.
        (true, "4326") | (false, "CRS84") => Ok(false),
        _ => Err(format!(
            "\"crs\" is {name}: this reads WGS84 (EPSG:4326, CRS84) or British National \
             Grid (EPSG:27700); save the layer in one of them"
        )),
    }
}

impl<'r> GeoJsonFeatures<'r> {
    fn new(input: Box<dyn BufRead + 'r>, file: &str) -> Result<Self, IngestError> {
        let mut this = Self {
            input,
            file: file.to_owned(),
            line: 1,
            done: false,
            grid: false,
        };
        this.seek_features()?;
        Ok(this)
    }

    /// The next byte, left to be read.
    fn peek(&mut self) -> Result<Option<u8>, IngestError> {
        let buf = self.input.fill_buf().map_err(|source| IngestError::Io {
            file: self.file.clone(),
            source,
        })?;
        Ok(buf.first().copied())
    }

    fn byte(&mut self) -> Result<Option<u8>, IngestError> {
        let Some(b) = self.peek()? else {
            return Ok(None);
        };
        self.input.consume(1);
        if b == b'\n' {
            self.line += 1;
        }
        Ok(Some(b))
    }

    fn malformed(&self, message: &str) -> IngestError {
        IngestError::Malformed {
            file: self.file.clone(),
            line: self.line,
            message: message.to_owned(),
        }
    }

    /// Reads a JSON string body (after the opening quote) into `out`, raw.
    fn string(&mut self, out: &mut Vec<u8>) -> Result<(), IngestError> {
        let mut escaped = false;
        loop {
            let b = self
                .byte()?
                .ok_or_else(|| self.malformed("unterminated string"))?;
            out.push(b);
            match (escaped, b) {
                (false, b'\\') => escaped = true,
                (false, b'"') => return Ok(()),
                _ => escaped = false,
            }
        }
    }

    /// Advances to just inside the top-level `"features": [`, reading a
    /// `crs` met on the way (writers put it before the features; one after
    /// them is read once they are: `trailing_crs`).
    fn seek_features(&mut self) -> Result<(), IngestError> {
        if self.peek()? == Some(0xef) {
            // UTF-8 BOM
            for _ in 0..3 {
                self.byte()?;
            }
        }
        let mut depth = 0;
        while let Some(key) = self.next_member(&mut depth)? {
            match key.as_slice() {
                b"crs\"" => {
                    if let Some(crs) = self.object_value()? {
                        self.grid = crs_is_grid(&crs).map_err(|m| self.malformed(&m))?;
                    }
                }
                b"features\"" => loop {
                    match self.byte()? {
                        Some(b'[') => return Ok(()),
                        Some(c) if c.is_ascii_whitespace() => {}
                        _ => return Err(self.malformed("\"features\" must be an array")),
                    }
                },
                _ => {}
            }
        }
        Err(self.malformed("not a GeoJSON FeatureCollection: no \"features\" array"))
    }

    /// Reads on to the next member of the top-level object: its name as
    /// read (with its closing quote: `crs"`), the `:` after it read too;
    /// `None` at the end of the input, or of that object. `depth` is how
    /// many brackets are open, carried from call to call (0 before the
    /// object's `{`, 1 inside it).
    fn next_member(&mut self, depth: &mut usize) -> Result<Option<Vec<u8>>, IngestError> {
        let mut key = Vec::new();
        let mut last_string_at_depth1 = false;
        let mut opened = *depth > 0;
        while let Some(b) = self.byte()? {
            match b {
                b'"' => {
                    key.clear();
                    self.string(&mut key)?;
                    last_string_at_depth1 = *depth == 1;
                }
                b':' if last_string_at_depth1 => return Ok(Some(key)),
                b'{' | b'[' => {
                    *depth += 1;
                    opened = true;
                    last_string_at_depth1 = false;
                }
                b'}' | b']' => {
                    *depth = depth.saturating_sub(1);
                    if opened && *depth == 0 {
                        return Ok(None);
                    }
                    last_string_at_depth1 = false;
                }
                b',' => last_string_at_depth1 = false,
                _ => {}
            }
        }
        Ok(None)
    }

    /// The object that comes next (after white space), parsed; `None`, with
    /// nothing read but the white space, when the next value is not an object.
    fn object_value(&mut self) -> Result<Option<Value>, IngestError> {
        loop {
            match self.peek()? {
                Some(b) if b.is_ascii_whitespace() => {
                    self.byte()?;
                }
                Some(b'{') => break,
                _ => return Ok(None),
            }
        }
        let mut out = Vec::new();
        out.extend(self.byte()?);
        self.close_brackets(&mut out, 1, "an object")?;
        serde_json::from_slice(&out)
            .map(Some)
            .map_err(|e| self.malformed(&format!("not JSON: {e}")))
    }

    /// Reads on into `out` until the `depth` brackets open in it are closed.
    /// A buffer at a time: a byte at a time through the reader cost the
    /// reading thread most of a GeoJSON load.
    fn close_brackets(
        &mut self,
        out: &mut Vec<u8>,
        mut depth: usize,
        inside: &str,
    ) -> Result<(), IngestError> {
        let (mut in_string, mut escaped) = (false, false);
        while depth > 0 {
            let buf = self.input.fill_buf().map_err(|source| IngestError::Io {
                file: self.file.clone(),
                source,
            })?;
            if buf.is_empty() {
                return Err(self.malformed(&format!("unexpected end of file inside {inside}")));
            }
            let mut used = buf.len();
            for (i, &b) in buf.iter().enumerate() {
                if in_string {
                    match (escaped, b) {
                        (false, b'\\') => escaped = true,
                        (false, b'"') => in_string = false,
                        _ => escaped = false,
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            used = i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let taken = &buf[..used];
            self.line += memchr::memchr_iter(b'\n', taken).count() as u64;
            out.extend_from_slice(taken);
            self.input.consume(used);
        }
        Ok(())
    }

    /// After the features: the collection's members that follow them, read
    /// for a `crs`. The features were streamed as they came, read in the
    /// CRS said before them (WGS84 when none was); a `crs` after them that
    /// says otherwise stops the file, the load with it (nothing is stored),
    /// saying so: read in the wrong CRS, every point would be wrong.
    fn trailing_crs(&mut self) -> Result<(), IngestError> {
        let mut depth = 1;
        loop {
            let key = match self.next_member(&mut depth) {
                Ok(Some(key)) => key,
                // A tail cut short holds no crs to read: the features are
                // whole, and the file loads as before.
                Ok(None) | Err(IngestError::Malformed { .. }) => return Ok(()),
                Err(e) => return Err(e),
            };
            if key != b"crs\"" {
                continue;
            }
            let line = self.line;
            let Some(crs) = self.object_value()? else {
                continue;
            };
            let grid = crs_is_grid(&crs).map_err(|m| self.malformed(&m))?;
            if grid != self.grid {
                return Err(IngestError::Malformed {
                    file: self.file.clone(),
                    line,
                    message: format!(
                        "\"crs\" ({}) comes after the features, which were read as {} \
                         before it: put it before \"features\" (as GDAL writes it) and load \
                         the file again",
                        crs["properties"]["name"]
                            .as_str()
                            .map_or_else(|| crs.to_string(), str::to_owned),
                        if self.grid {
                            "British National Grid eastings and northings"
                        } else {
                            "WGS84 longitude and latitude"
                        }
                    ),
                });
            }
        }
    }

    /// The next feature's bytes and start line, or `None` at the end of the array.
    fn next_feature(&mut self) -> Result<Option<(u64, Vec<u8>)>, IngestError> {
        let start = loop {
            match self.byte()? {
                None => return Err(self.malformed("unexpected end of file inside \"features\"")),
                Some(b']') => return Ok(None),
                Some(b) if b.is_ascii_whitespace() || b == b',' => {}
                Some(b) => break b,
            }
        };
        let line = self.line;
        let mut out = vec![start];
        if start == b'"' {
            self.string(&mut out)?;
            return Ok(Some((line, out)));
        }
        let depth = usize::from(matches!(start, b'{' | b'['));
        self.close_brackets(&mut out, depth, "a feature")?;
        if !matches!(start, b'{' | b'[') {
            // a bare scalar: read up to the next separator
            loop {
                match self.peek()? {
                    Some(b',' | b']') | None => break,
                    Some(_) => {
                        if let Some(b) = self.byte()? {
                            out.push(b);
                        }
                    }
                }
            }
        }
        Ok(Some((line, out)))
    }
}

impl Iterator for GeoJsonFeatures<'_> {
    type Item = Result<RowItem, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_feature() {
            Ok(Some((line, bytes))) => Some(Ok(RowItem::Json(JsonRecord::feature(
                line, bytes, self.grid,
            )))),
            Ok(None) => {
                self.done = true;
                if let Err(e) = self.trailing_crs() {
                    return Some(Err(e));
                }
                // Read to the end so that the file's hash covers every byte.
                let _ = std::io::copy(&mut self.input, &mut std::io::sink());
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Counts and hashes every byte read through it (for `ingest_runs.sha256` and progress).
pub struct HashingReader<R> {
    inner: R,
    state: std::sync::Arc<ReadTally>,
}

/// What a [`HashingReader`] has seen so far; shared so it outlives the reader.
#[derive(Default)]
pub struct ReadTally {
    hasher: std::sync::Mutex<sha2::Sha256>,
    bytes: std::sync::atomic::AtomicU64,
    staged: std::sync::atomic::AtomicU64,
}

impl ReadTally {
    /// Bytes read from the file so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Rows classified and handed to the store's insert statement so far
    /// (inside the file's transaction: none is visible before the commit).
    pub fn rows_staged(&self) -> u64 {
        self.staged.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn set_rows_staged(&self, rows: u64) {
        self.staged
            .store(rows, std::sync::atomic::Ordering::Relaxed);
    }

    /// Hex SHA-256 of everything read so far.
    pub fn sha256_hex(&self) -> String {
        let hasher = self.hasher.lock().map(|h| h.clone()).unwrap_or_default();
        hex::encode(sha2::Digest::finalize(hasher))
    }
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> (Self, std::sync::Arc<ReadTally>) {
        let state = std::sync::Arc::<ReadTally>::default();
        (
            Self {
                inner,
                state: state.clone(),
            },
            state,
        )
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut hasher) = self.state.hasher.lock() {
            sha2::Digest::update(&mut *hasher, &buf[..n]);
        }
        self.state
            .bytes
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::{Column, RecordPool, RowItem};

    fn read(csv: &str) -> impl Iterator<Item = RowItem> + '_ {
        super::csv_rows(
            Box::new(csv.as_bytes()),
            "t.csv",
            RecordPool::default(),
            None,
            super::HeaderCheck::Skip,
        )
        .expect("header")
        .map(|item| item.expect("record"))
    }

    fn rejects(csv: &str) -> Vec<(u64, String)> {
        read(csv)
            .filter_map(|item| item.into_row().err().map(|r| (r.line, r.reason)))
            .collect()
    }

    /// A quote left open reads on into the next lines, to the next quote:
    /// the reject starts at the quote's line and says a closing quote may be
    /// missing; a short row is only short.
    #[test]
    fn an_open_quote_is_named_as_the_likely_cause() {
        let csv = "id,date,venue,lat,lng\n\
                   A1,2024-01-05,farm,52.6,0.1\n\
                   A2,2024-01-05,farm\n\
                   \"A3,2024-01-05,farm,52.6,0.1\n\
                   A4,2024-01-05,farm,52.6,0.1\n\
                   A5,2024-01-05,\"farm\",52.6,0.1\n";
        let found = rejects(csv);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0], (3, "has 3 fields; the header has 5".to_owned()));
        assert_eq!(found[1].0, 4);
        assert_eq!(
            found[1].1,
            "has 3 fields; the header has 5: a quoted value runs over 3 lines, so a closing quote may be missing"
        );
    }

    /// Every item of `csv`: `(line, report_id or the reject's field, notes
    /// or the reject's raw)`.
    fn items(csv: &str) -> Vec<(u64, String, String)> {
        read(csv)
            .map(|item| match item.into_row() {
                Ok(row) => (
                    row.line,
                    row.get(Column::ReportId).unwrap_or_default().to_owned(),
                    row.get(Column::Notes).unwrap_or_default().to_owned(),
                ),
                Err(r) => (r.line, format!("reject {}", r.field), r.raw),
            })
            .collect()
    }

    /// A quote left open to the end of the file (no later quote closes it)
    /// made every line after it one value of its row: the rows after it were
    /// stored as one report's notes. Now its line is a reject, as written,
    /// and the lines after it are rows again, on their own lines; in any
    /// column, with LF or CRLF, with a last line break or without.
    #[test]
    fn a_quote_open_to_the_end_sets_aside_its_line_alone() {
        for (newline, end) in [("\n", "\n"), ("\r\n", "\r\n"), ("\n", "")] {
            let csv = [
                "report_id,lat,notes",
                "A1,52.6,ok",
                "A2,52.6,\"broken note",
                "A3,52.6,fine",
                "A4,52.6,",
            ]
            .join(newline)
                + end;
            let want = [
                (2, "A1", "ok"),
                (3, "reject notes", "A2,52.6,\"broken note"),
                (4, "A3", "fine"),
                (5, "A4", ""),
            ]
            .map(|(line, a, b)| (line, a.to_owned(), b.to_owned()));
            assert_eq!(items(&csv), want, "{csv:?}");
        }
        let middle = "report_id,lat,notes\nA1,\"52.6,x\nA2,52.7,y\n";
        assert_eq!(
            items(middle),
            [
                (2, "reject lat".to_owned(), "A1,\"52.6,x".to_owned()),
                (3, "A2".to_owned(), "y".to_owned())
            ]
        );
        // Opened in a field past the header's last column: that line set
        // aside too, naming the field as the wrong-count reject does.
        let extra = "report_id,notes\nA1,x,\"y\nA2,z\n";
        assert_eq!(
            items(extra),
            [
                (2, "reject row".to_owned(), "A1,x,\"y".to_owned()),
                (3, "A2".to_owned(), "z".to_owned())
            ]
        );
        // A value over two lines, closed, at the end: a row, as ever.
        let closed = "report_id,notes\nA1,\"two\nlines\"";
        assert_eq!(
            items(closed),
            [(2, "A1".to_owned(), "two\nlines".to_owned())]
        );
    }

    /// Excel's "Unicode text" is tab-separated and, where the decimal mark
    /// is a comma, its "CSV" semicolon-separated: the header line says
    /// which. A comma in a value is then only text, and after a quote open
    /// to the end the lines are read with the file's delimiter still.
    #[test]
    fn tabs_or_semicolons_are_read_when_the_header_has_no_comma() {
        for d in ["\t", ";"] {
            let csv = format!(
                "report_id{d}lat{d}notes\nA1{d}52.6{d}a, b\nA2{d}52.6{d}\"broken\nA3{d}52.6{d}fine\n"
            );
            let want = [
                (2, "A1", "a, b"),
                (3, "reject notes", "A2,52.6,\"broken"),
                (4, "A3", "fine"),
            ]
            .map(|(line, a, b)| (line, a.to_owned(), b.to_owned()));
            assert_eq!(items(&csv), want, "{csv:?}");
        }
        assert_eq!(super::delimiter_of(b"a;b,c\td\nx\ty"), b',');
        assert_eq!(super::delimiter_of(b"a\tb;c\r\nx,y"), b'\t');
        assert_eq!(super::delimiter_of(b"a;b\nx,y"), b';');
        assert_eq!(super::delimiter_of(b"postcode\nx\ty"), b',');
    }
}
