//! Plain values in and out of the store: a report to store, a stored report,
//! filters, counts and run records.

use chrono::NaiveDate;
use chrono::NaiveDateTime;

use crate::model::{
    GeocodeMethod, PremisesOrigin, PremisesStatus, ReportFields, VenueType, VisitResult,
};

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
    /// The finest cell the precision supports (res 6..=9) as a raw H3 index;
    /// `None` where too coarse. The table derives the coarser cells, its parents.
    pub cell: Option<u64>,
    pub line: u64,
    /// The town and district as indices into the lists given to
    /// `FileLoad::preparer` (the names `geo::Localities` indexes).
    pub town: Option<u16>,
    pub district: Option<u16>,
}

/// A report's optional stored values, which a file may have no way to fill
/// (a CSV without the column): see [`crate::store::Stager::expect_columns`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionalColumn {
    VenueName,
    PersonsCount,
    Nationalities,
    ChildInvolved,
    Grading,
    Notes,
    /// The location as given, for a report not located by a WGS84 point.
    LocationInput,
    /// How the geocoder read a location other than a WGS84 point.
    GeocodeNote,
}

impl OptionalColumn {
    pub const ALL: [Self; 8] = [
        Self::VenueName,
        Self::PersonsCount,
        Self::Nationalities,
        Self::ChildInvolved,
        Self::Grading,
        Self::Notes,
        Self::LocationInput,
        Self::GeocodeNote,
    ];

    /// The `reports` column.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::VenueName => "venue_name",
            Self::PersonsCount => "persons_count",
            Self::Nationalities => "nationalities",
            Self::ChildInvolved => "child_involved",
            Self::Grading => "grading",
            Self::Notes => "notes",
            Self::LocationInput => "location_input",
            Self::GeocodeNote => "geocode_note",
        }
    }
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

/// One row of `ingest_runs`: a load of reports, a register import, a
/// context import or a relink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRecord {
    pub run_id: i64,
    pub file_name: String,
    /// `csv`, `jsonl`, `geojson`, `premises-csv`, `outcomes-jsonl`, `relink`, ...
    pub format: String,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub tool_version: String,
    pub sha256: String,
    /// The text encoding the file was read in, when recorded.
    pub encoding: Option<String>,
    /// A CSV's delimiter (`,`, `;` or a tab), when recorded.
    pub delimiter: Option<String>,
    /// Who asked for the load (a staff account, `cli:USER`), when recorded.
    pub loaded_by: Option<String>,
    pub read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

/// The file a register or context import read, and who asked for it, as
/// its run records them.
#[derive(Clone, Copy, Debug)]
pub struct RunFile<'a> {
    pub name: &'a str,
    /// `premises-csv`, `outcomes-jsonl`, `police-uk`, ...
    pub format: &'a str,
    pub sha256: &'a str,
    pub read_as: ReadAs,
    pub loaded_by: Option<&'a str>,
}

/// How a file's text was read, recorded with its run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadAs {
    /// The encoding's name as the WHATWG standard spells it (`UTF-8`, `windows-1252`).
    pub encoding: &'static str,
    /// A CSV's delimiter; `None` for JSON.
    pub delimiter: Option<u8>,
}

impl ReadAs {
    /// The encoding and delimiter as `ingest_runs` keeps them.
    pub(super) fn columns(self) -> (&'static str, Option<String>) {
        (
            self.encoding,
            self.delimiter.map(|d| char::from(d).to_string()),
        )
    }
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

/// One cell's value in one period of a series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeriesRow {
    pub cell: u64,
    /// The period's first day.
    pub period: NaiveDate,
    /// Sum of report weights (= `units` for the `count` weight).
    pub value: f64,
    /// Reports, or the units the filter counts.
    pub units: u64,
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

/// A premises to store (from a register, or made from reports by linking).
#[derive(Clone, Debug, PartialEq)]
pub struct NewPremises {
    pub premises_id: String,
    pub name: Option<String>,
    /// `model::name_key` of the name.
    pub name_key: String,
    pub venue_type: VenueType,
    pub address: Option<String>,
    /// Full postcode, canonical (`PE13 1AB`).
    pub postcode: Option<String>,
    pub lat: f64,
    pub lng: f64,
    pub method: GeocodeMethod,
    pub precision_m: f64,
    /// Res 6..=9 cells as raw H3 indexes (`None` where too coarse).
    pub cells: [Option<u64>; 4],
    pub status: PremisesStatus,
    pub opened_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub origin: PremisesOrigin,
    /// The input line (0 for premises made from reports).
    pub line: u64,
    /// Identifies the row's content: a re-import of the same row is a duplicate.
    pub content_hash: u64,
}

/// A stored premises.
#[derive(Clone, Debug, PartialEq)]
pub struct PremisesRecord {
    pub premises_id: String,
    pub name: Option<String>,
    pub name_key: String,
    pub venue_type: String,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub lat: f64,
    pub lng: f64,
    pub precision_m: f64,
    pub cells: [Option<u64>; 4],
    pub status: String,
    pub origin: String,
    /// Set when an analyst merged this premises into another.
    pub merged_into: Option<String>,
}

/// A visit outcome to store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOutcome {
    pub visit_id: String,
    pub visited_on: NaiveDate,
    pub premises_id: Option<String>,
    pub lat: f64,
    pub lng: f64,
    pub precision_m: f64,
    pub cells: [Option<u64>; 4],
    pub operation: Option<String>,
    pub result: VisitResult,
    pub potential_victims: Option<u32>,
    pub nrm_referrals: Option<u32>,
    pub arrests: Option<u32>,
    pub safeguarding_referrals: Option<u32>,
    pub notes: Option<String>,
    pub line: u64,
    pub content_hash: u64,
}

/// A stored visit outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct OutcomeRecord {
    pub visit_id: String,
    pub visited_on: NaiveDate,
    pub premises_id: Option<String>,
    pub lat: f64,
    pub lng: f64,
    pub cells: [Option<u64>; 4],
    pub operation: Option<String>,
    pub result: String,
    pub potential_victims: Option<i32>,
    pub nrm_referrals: Option<i32>,
    pub arrests: Option<i32>,
    pub safeguarding_referrals: Option<i32>,
    pub notes: Option<String>,
}

impl OutcomeRecord {
    /// The visit confirmed indicators or identified victims: what a hit
    /// rate counts.
    pub fn found_exploitation(&self) -> bool {
        VisitResult::parse(&self.result).is_some_and(VisitResult::is_positive)
    }
}

/// What linking needs of a stored report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportForLinking {
    pub source: String,
    pub report_id: String,
    pub venue_type: String,
    pub venue_name: Option<String>,
    pub lat: f64,
    pub lng: f64,
    pub precision_m: f64,
    /// As given (`pc:PE13 1AB`, `ad:...`); `None` for WGS84 as given.
    pub location_input: Option<String>,
    pub observed_on: NaiveDate,
}

/// A report's link to a premises, with the score and reason that made it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportLink {
    pub source: String,
    pub report_id: String,
    pub premises_id: String,
    pub score: f64,
    pub reason: String,
    /// `{premises_id}/{n}`: reports of the premises at most 7 days apart share it.
    pub incident_id: String,
}

/// An analyst's decision that relinking keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkDecision {
    /// `from` is the same premises as `into`: its reports go to `into`.
    Merge { into: String, from: String },
    /// The report is linked to no premises.
    Detach { source: String, report_id: String },
}

/// A linked report with what the premises views count.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkedReport {
    pub premises_id: String,
    pub source: String,
    pub report_id: String,
    pub observed_on: NaiveDate,
    pub exploitation_type: String,
    pub indicator_mask: u16,
    pub score: f64,
    pub reason: String,
}

/// One recorded crime from a context source (police.uk), located and indexed.
#[derive(Clone, Debug, PartialEq)]
pub struct NewContextCrime {
    /// `police-uk`.
    pub source: String,
    /// The force whose area it falls within ("Falls within").
    pub force: String,
    /// The first day of its month (police.uk publishes months, not days).
    pub month: NaiveDate,
    pub crime_id: Option<String>,
    pub crime_type: String,
    pub lat: f64,
    pub lng: f64,
    pub location: Option<String>,
    pub lsoa_code: Option<String>,
    pub outcome: Option<String>,
    /// H3 cells at res 6..=9.
    pub cells: [Option<u64>; 4],
    /// Physical line in its file.
    pub line: u64,
}

/// Recorded crimes of one type in one cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextCount {
    pub cell: u64,
    pub crime_type: String,
    pub count: u64,
}

/// A report from the public page, as the triage queue holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicReport {
    pub id: i64,
    pub received_at: NaiveDateTime,
    /// The page's language when it was sent (`en`, `lt`, ...).
    pub lang: String,
    /// The form's fields as a JSON object in input columns (`venue_type`,
    /// `postcode`, `observed_on`, `indicators`, `notes`, ...).
    pub record: String,
    /// `pending`, `accepted` or `rejected`.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub reason: Option<String>,
    /// The stored report's id once accepted (`public-<id>`).
    pub report_id: Option<String>,
    /// Sent without the proof of work (a browser without JavaScript).
    pub sent_without_work: bool,
}

/// What a tactical user decided about a public report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicDecision {
    Accepted { report_id: String },
    Rejected { reason: String },
}
