//! Plain values in and out of the store: a report to store, a stored report,
//! filters, counts and run records.

use chrono::NaiveDate;

use crate::model::{GeocodeMethod, ReportFields};

/// A report ready to store: typed fields, where it is, and its cells.
#[derive(Clone, Debug)]
pub struct NewReport<'a> {
    pub report_id: &'a str,
    /// The parsed report's content hash; the store keeps its first 64 bits.
    pub content_hash: u128,
    pub fields: &'a ReportFields,
    /// The location as given, canonical; `None` when it is `lat`/`lng` as
    /// given (`model::latlng_key` rebuilds it on reading).
    pub location_input: Option<&'a str>,
    pub lat: f64,
    pub lng: f64,
    pub method: GeocodeMethod,
    pub precision_m: f64,
    pub geocode_note: Option<&'a str>,
    /// Cells at res 6..=9 as raw H3 indexes; `None` where too coarse.
    pub cells: [Option<u64>; 4],
    pub line: u64,
    pub town: Option<&'a str>,
    pub district: Option<&'a str>,
}

/// Counts for one loaded file. `read = stored + duplicates + rejected`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadCounts {
    pub run_id: i64,
    pub read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

/// A stored report as exported.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredReport {
    pub source: String,
    pub report_id: String,
    pub observed_on: NaiveDate,
    pub venue_type: String,
    pub venue_name: Option<String>,
    pub exploitation_type: String,
    pub indicators: String,
    pub persons_count: Option<i32>,
    pub nationalities: Option<String>,
    pub child_involved: Option<bool>,
    pub grading: Option<String>,
    pub notes: Option<String>,
    pub location_input: String,
    pub lat: f64,
    pub lng: f64,
    pub geocode_method: String,
    pub precision_m: f64,
    pub geocode_note: Option<String>,
    pub cells: [Option<u64>; 4],
    pub town: Option<String>,
    pub district: Option<String>,
    /// The premises linking assigned, with its score, reason and incident.
    pub premises_id: Option<String>,
    pub link_score: Option<f64>,
    pub link_reason: Option<String>,
    pub incident_id: Option<String>,
}

/// Which reports to read back. Empty lists mean "all".
#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub venues: Vec<String>,
    pub exploitation: Vec<String>,
    pub sources: Vec<String>,
    /// Only reports in these cells (all at one resolution, 6..=9).
    pub cells: Option<(u8, Vec<u64>)>,
    /// What counts count: reports, or distinct incidents or premises (through
    /// the links; a report linked to none counts as one of each).
    pub unit: crate::model::Unit,
}

/// A listed reject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReject {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub reason: String,
    pub raw: String,
}

/// Totals for the summary screen.
#[derive(Clone, Debug, Default)]
pub struct StoreSummary {
    pub reports: u64,
    pub rejects: u64,
    pub runs: u64,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
}

/// One row of `ingest_runs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRecord {
    pub file_name: String,
    pub sha256: String,
    pub read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

/// Tables whose rows [`Store::count`] counts.
#[derive(Clone, Copy, Debug)]
pub enum CountTable {
    Reports,
    Rejects,
    Runs,
}

/// Per-indicator weights of the `risk` weight: a report counts `1 + Σ wᵢ` over its indicators.
pub type IndicatorWeights = [f64; 14];

/// One cell's reports under a filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellRow {
    pub cell: u64,
    pub reports: u64,
    /// Sum of report weights (= `reports` for the `count` weight).
    pub value: f64,
    /// By `VenueType::ALL` order.
    pub venues: [u64; 5],
    /// By `Indicator::ALL` order.
    pub indicators: [u64; 14],
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
}

/// Counts per cell, plus the reports left out because they are too coarse.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellCounts {
    pub rows: Vec<CellRow>,
    /// Reports matching the filter but located too coarsely for the resolution.
    pub excluded_imprecise: u64,
    /// The first and last observation dates of every matching report (with a
    /// cell at the resolution or not), as [`Store::data_window`] gives them.
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
}

/// Reports of one town or district in one period (and one breakdown value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaRow {
    pub area: String,
    pub district: String,
    pub period: NaiveDate,
    pub split: String,
    pub count: u64,
}
