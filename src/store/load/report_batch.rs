//! New reports gathered column by column into Arrow record batches, which the
//! insert statement takes from `feed`: one conversion per column and batch
//! instead of one bind per value (a row Appender binds each value).

use std::sync::Arc;

use chrono::NaiveDate;
use duckdb::arrow::array::{
    Array, ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder,
    StringArray, StringBuilder, UInt16Array, UInt16Builder, UInt64Builder, UInt8Builder,
};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;

use super::area_codes::{self, AreaCodes};
use super::keys::{KeyDigest, KeyHasher};
use crate::store::records::NewReport;

/// DuckDB's vector size: a table function returns at most this many rows a call.
pub(super) const VECTOR_ROWS: usize = 2_048;

/// Reports a load is best handed at once ([`PreparedReports`], the ingest
/// pipeline's batches): one vector, what the insert statement takes a call
/// (half as many cost ~5% more CPU a load).
pub const BATCH_ROWS: usize = VECTOR_ROWS;

/// The `reports` table's columns, in its order (tested against the table),
/// but for `run_id`: one value a load, which the insert statement supplies.
/// Numbers and dates are typed as the table is, text goes as UTF-8, and a
/// column the table holds as an ENUM ([`enum_type`]) as its value's position;
/// towns and districts are first their indices in the ingest's name lists,
/// made positions by [`with_area_positions`] on the staging thread.
pub(super) struct ReportBatch {
    source: StringBuilder,
    report_id: StringBuilder,
    content_hash: UInt64Builder,
    observed_on: Date32Builder,
    venue_type: UInt8Builder,
    venue_name: StringBuilder,
    exploitation_type: UInt8Builder,
    indicator_mask: UInt16Builder,
    persons_count: Int32Builder,
    nationalities: StringBuilder,
    child_involved: BooleanBuilder,
    grading: StringBuilder,
    notes: StringBuilder,
    location_input: StringBuilder,
    lat: Float64Builder,
    lng: Float64Builder,
    geocode_method: UInt8Builder,
    precision_m: Float64Builder,
    geocode_note: StringBuilder,
    h3_cell: UInt64Builder,
    line: Int64Builder,
    town: UInt16Builder,
    district: UInt16Builder,
}

/// The ENUM type of a column sent as its value's 1-based position in that
/// type (a UTINYINT, or a USMALLINT for towns and districts), which the
/// insert statement turns back into the value with
/// `CAST(enum_range(NULL::type) AS type[])[position]`: cheaper for DuckDB
/// than casting text (a hash and a lookup a value) and for the feed than
/// copying it. The vocabularies' types list their values in the order of the
/// program's `ALL` arrays, whose discriminants are their indices (both tested
/// in `store::schema`); towns' and districts' positions are read from the
/// database (`area_codes`).
pub(super) fn enum_type(column: &str) -> Option<&'static str> {
    match column {
        "venue_type" => Some("venue_type_t"),
        "exploitation_type" => Some("exploitation_type_t"),
        "geocode_method" => Some("geocode_method_t"),
        // Made ENUMs by `area_codes::prepare` before any report is sent.
        "town" => Some(area_codes::TOWN_TYPE),
        "district" => Some(area_codes::DISTRICT_TYPE),
        _ => None,
    }
}

fn strings() -> StringBuilder {
    StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 16)
}

fn days_since_epoch(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32
}

/// Makes [`PreparedReports`] for a store's loads; cloned into each ingest
/// worker. It needs nothing of the load's transaction (the run id and the
/// town and district types come in on the staging thread), so a pipeline
/// starts reading and locating rows while the load is still being begun.
#[derive(Clone)]
pub struct ReportPreparer {
    pub(super) hasher: KeyHasher,
}

impl Default for ReportPreparer {
    /// A preparer under a key of its own: for a store not open yet, which
    /// then loads with it ([`crate::store::Store::load_with`]).
    fn default() -> Self {
        Self {
            hasher: KeyHasher::random(),
        }
    }
}

impl ReportPreparer {
    /// An empty batch of prepared reports.
    #[must_use]
    pub fn start(&self) -> PreparedReports {
        PreparedReports {
            preparer: self.clone(),
            columns: ReportBatch::new(),
            keys: Vec::with_capacity(BATCH_ROWS),
        }
    }
}

/// One row's identity, digested on the worker: the loading thread only looks it up.
pub(super) struct RowKey {
    pub(super) key: KeyDigest,
    pub(super) content: u64,
    pub(super) line: u64,
}

/// Reports made ready for the store off the staging thread: their `reports`
/// columns and key digests, in file order. [`super::Stager::stage_batch`]
/// classifies them and sends the new ones to the insert statement.
pub struct PreparedReports {
    preparer: ReportPreparer,
    pub(super) columns: ReportBatch,
    pub(super) keys: Vec<RowKey>,
}

impl PreparedReports {
    pub fn push(&mut self, report: &NewReport<'_>) {
        let content = super::keys::stored_content(report.content_hash);
        self.keys.push(RowKey {
            key: self
                .preparer
                .hasher
                .digest(&report.fields.source, report.report_id),
            content,
            line: report.line,
        });
        self.columns.push(report, content);
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl ReportBatch {
    pub(super) fn new() -> Self {
        Self {
            source: strings(),
            report_id: strings(),
            content_hash: UInt64Builder::with_capacity(BATCH_ROWS),
            observed_on: Date32Builder::with_capacity(BATCH_ROWS),
            venue_type: UInt8Builder::with_capacity(BATCH_ROWS),
            venue_name: strings(),
            exploitation_type: UInt8Builder::with_capacity(BATCH_ROWS),
            indicator_mask: UInt16Builder::with_capacity(BATCH_ROWS),
            persons_count: Int32Builder::with_capacity(BATCH_ROWS),
            nationalities: strings(),
            child_involved: BooleanBuilder::with_capacity(BATCH_ROWS),
            grading: strings(),
            notes: strings(),
            location_input: strings(),
            lat: Float64Builder::with_capacity(BATCH_ROWS),
            lng: Float64Builder::with_capacity(BATCH_ROWS),
            geocode_method: UInt8Builder::with_capacity(BATCH_ROWS),
            precision_m: Float64Builder::with_capacity(BATCH_ROWS),
            geocode_note: strings(),
            h3_cell: UInt64Builder::with_capacity(BATCH_ROWS),
            line: Int64Builder::with_capacity(BATCH_ROWS),
            town: UInt16Builder::with_capacity(BATCH_ROWS),
            district: UInt16Builder::with_capacity(BATCH_ROWS),
        }
    }

    /// One report; `content` is what the store keeps of its content hash.
    pub(super) fn push(&mut self, report: &NewReport<'_>, content: u64) {
        let f = report.fields;
        self.source.append_value(&f.source);
        self.report_id.append_value(report.report_id);
        self.content_hash.append_value(content);
        self.observed_on
            .append_value(days_since_epoch(f.observed_on));
        // Positions in the columns' ENUM types (`enum_type`).
        self.venue_type.append_value(f.venue_type as u8 + 1);
        self.venue_name.append_option(f.venue_name.as_deref());
        self.exploitation_type
            .append_value(f.exploitation_type as u8 + 1);
        self.indicator_mask.append_value(f.indicators.bits());
        // Parsing caps the count at 10,000, so it always fits INTEGER.
        self.persons_count
            .append_option(f.persons_count.and_then(|n| i32::try_from(n).ok()));
        self.nationalities
            .append_option((!f.nationalities.is_empty()).then(|| f.nationalities.join(";")));
        self.child_involved.append_option(f.child_involved);
        self.grading.append_option(f.grading.map(|g| g.to_string()));
        self.notes.append_option(f.notes.as_deref());
        self.location_input.append_option(report.location_input);
        self.lat.append_value(report.lat);
        self.lng.append_value(report.lng);
        self.geocode_method.append_value(report.method as u8 + 1);
        self.precision_m.append_value(report.precision_m);
        self.geocode_note.append_option(report.geocode_note);
        self.h3_cell.append_option(report.cell);
        self.line.append_value(report.line as i64);
        self.town.append_option(report.town);
        self.district.append_option(report.district);
    }

    /// The gathered rows as one record batch; the builders start again empty.
    pub(super) fn take(&mut self) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("source", Arc::new(self.source.finish())),
            ("report_id", Arc::new(self.report_id.finish())),
            ("content_hash", Arc::new(self.content_hash.finish())),
            ("observed_on", Arc::new(self.observed_on.finish())),
            ("venue_type", Arc::new(self.venue_type.finish())),
            ("venue_name", Arc::new(self.venue_name.finish())),
            (
                "exploitation_type",
                Arc::new(self.exploitation_type.finish()),
            ),
            ("indicator_mask", Arc::new(self.indicator_mask.finish())),
            ("persons_count", Arc::new(self.persons_count.finish())),
            ("nationalities", Arc::new(self.nationalities.finish())),
            ("child_involved", Arc::new(self.child_involved.finish())),
            ("grading", Arc::new(self.grading.finish())),
            ("notes", Arc::new(self.notes.finish())),
            ("location_input", Arc::new(self.location_input.finish())),
            ("lat", Arc::new(self.lat.finish())),
            ("lng", Arc::new(self.lng.finish())),
            ("geocode_method", Arc::new(self.geocode_method.finish())),
            ("precision_m", Arc::new(self.precision_m.finish())),
            ("geocode_note", Arc::new(self.geocode_note.finish())),
            ("h3_cell", Arc::new(self.h3_cell.finish())),
            ("line", Arc::new(self.line.finish())),
            ("town", Arc::new(self.town.finish())),
            ("district", Arc::new(self.district.finish())),
        ];
        RecordBatch::try_from_iter(columns)
    }
}

/// `batch` with its towns and districts as positions in their columns' ENUM
/// types: the workers fill them with indices into the ingest's name lists
/// (`ReportBatch::push`), which only the load's `AreaCodes` turn into
/// positions. Two lookups a report, on the staging thread.
pub(super) fn with_area_positions(
    batch: &RecordBatch,
    areas: &AreaCodes,
) -> Result<RecordBatch, ArrowError> {
    let mut columns = batch.columns().to_vec();
    for (name, position) in [
        ("town", AreaCodes::town as fn(&AreaCodes, u16) -> u16),
        ("district", AreaCodes::district),
    ] {
        let (i, _) = batch
            .schema()
            .column_with_name(name)
            .ok_or_else(|| ArrowError::SchemaError(format!("no {name} column")))?;
        let indices = columns[i]
            .as_any()
            .downcast_ref::<UInt16Array>()
            .ok_or_else(|| ArrowError::SchemaError(format!("{name} is not USMALLINT")))?;
        if indices.null_count() == indices.len() {
            continue;
        }
        let positions: UInt16Array = indices
            .iter()
            .map(|index| index.map(|index| position(areas, index)))
            .collect();
        columns[i] = Arc::new(positions);
    }
    RecordBatch::try_new(batch.schema(), columns)
}

/// Row `i`'s `(source, report_id)`, read back from a finished batch.
pub(super) fn key_text(batch: &RecordBatch, i: usize) -> (&str, &str) {
    let text = |column: &str| {
        batch
            .column_by_name(column)
            .and_then(|array| array.as_any().downcast_ref::<StringArray>())
            .map_or("", |strings| strings.value(i))
    };
    (text("source"), text("report_id"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use duckdb::arrow::array::{Array, ArrayRef, StringArray, UInt16Array};
    use duckdb::arrow::record_batch::RecordBatch;

    use super::{with_area_positions, ReportBatch};
    use crate::store::load::area_codes;

    /// The workers' name indices become positions in the types as the
    /// load's `AreaCodes` say, which differ from the indices when the type
    /// holds stored names the lists lack (here "Aldeburgh") or sorts them
    /// otherwise; NULLs stay NULL and the other columns are untouched.
    #[test]
    fn indices_become_the_types_positions() {
        let store = crate::store::Store::open_in_memory().expect("open");
        store
            .conn
            .execute_batch(
                "INSERT INTO reports (source, report_id, content_hash, observed_on, venue_type, \
                 exploitation_type, indicator_mask, lat, lng, geocode_method, precision_m, \
                 run_id, line, town) VALUES ('test', 'stored', 0, DATE '2024-01-01', 'farm', \
                 'labour', 0, 52.2, 1.6, 'wgs84', 10, 1, 1, 'Aldeburgh')",
            )
            .expect("a stored report in a town the lists lack");
        let areas = area_codes::prepare(&store.conn, &["Wisbech", "Ely", "March"], &["E2", "E1"])
            .expect("the ingest's names");
        let column = |values: &[Option<u16>]| -> ArrayRef {
            Arc::new(values.iter().copied().collect::<UInt16Array>())
        };
        let batch = RecordBatch::try_from_iter([
            (
                "report_id",
                Arc::new(StringArray::from(vec!["a", "b", "c", "d"])) as ArrayRef,
            ),
            ("town", column(&[Some(0), None, Some(2), Some(1)])),
            ("district", column(&[Some(1), Some(0), None, None])),
        ])
        .expect("batch");
        let mapped = with_area_positions(&batch, &areas).expect("mapped");
        let values = |name: &str| -> Vec<Option<u16>> {
            let array = mapped.column_by_name(name).expect("column");
            let array = array
                .as_any()
                .downcast_ref::<UInt16Array>()
                .expect("USMALLINT");
            array.iter().collect()
        };
        // town_t: Aldeburgh, Ely, March, Wisbech; district_t: E1, E2.
        assert_eq!(values("town"), [Some(4), None, Some(3), Some(2)]);
        assert_eq!(values("district"), [Some(1), Some(2), None, None]);
        assert_eq!(mapped.column(0), batch.column(0));
        assert_eq!(mapped.column(0).len(), 4);
    }

    /// The insert statement names columns by this schema's positions: a
    /// migration that adds a column must add it here too, in the same place
    /// (`run_id` alone is the statement's own).
    #[test]
    fn columns_are_the_reports_table_in_order() {
        let store = crate::store::Store::open_in_memory().expect("open");
        let table: Vec<String> = store.column(
            "SELECT name FROM pragma_table_info('reports') WHERE name <> 'run_id' ORDER BY cid",
            [],
        );
        let batch = ReportBatch::new().take().expect("empty batch");
        let ours: Vec<String> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(ours, table);
    }
}
