//! Reading stored reports, rejects and runs back: exports, summaries, checks.

use duckdb::{params, params_from_iter, OptionalExt};

use super::connection::Store;
use super::error::Result;
use super::records::{
    CountTable, ReportFilter, RunRecord, StoreSummary, StoredReject, StoredReport,
};
use super::schema::{report_cell, REPORT_CELLS};

impl Store {
    /// Rejects of one run, in line order.
    pub fn rejects_for_run(&self, run_id: i64, each: impl FnMut(StoredReject)) -> Result<()> {
        self.first_rejects(run_id, u64::MAX, each)
    }

    /// A run's first `limit` rejects in line order (a page of them).
    pub fn first_rejects(
        &self,
        run_id: i64,
        limit: u64,
        mut each: impl FnMut(StoredReject),
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT file, line, field, reason, raw FROM rejects WHERE run_id = ? ORDER BY line, field LIMIT ?")
            .map_err(self.err("prepare rejects"))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = stmt
            .query(params![run_id, limit])
            .map_err(self.err("query rejects"))?;
        while let Some(row) = rows.next().map_err(self.err("read rejects"))? {
            each(StoredReject {
                file: row.get(0).map_err(self.err("read reject"))?,
                line: row.get::<_, i64>(1).map_err(self.err("read reject"))? as u64,
                field: row.get(2).map_err(self.err("read reject"))?,
                reason: row.get(3).map_err(self.err("read reject"))?,
                raw: row.get(4).map_err(self.err("read reject"))?,
            });
        }
        Ok(())
    }

    /// Streams stored reports matching the filter, ordered by date then id.
    pub fn for_each_report(
        &self,
        filter: &ReportFilter,
        each: impl FnMut(StoredReport),
    ) -> Result<()> {
        self.for_each_report_within(filter, None, each)
    }

    /// Where each report matching `filter` is, `[lng, lat]`, in no order:
    /// what a map needs to aggregate the reports before it needs any of them.
    pub fn report_positions(&self, filter: &ReportFilter) -> Result<Vec<[f64; 2]>> {
        let (clause, values) = filter_sql(filter);
        let sql = format!("SELECT lng, lat FROM reports {clause}");
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.err("prepare positions"))?;
        let rows = stmt
            .query_map(params_from_iter(values.iter()), |r| {
                Ok([r.get::<_, f64>(0)?, r.get::<_, f64>(1)?])
            })
            .map_err(self.err("query positions"))?;
        rows.collect::<duckdb::Result<Vec<_>>>()
            .map_err(self.err("read positions"))
    }

    /// As [`Store::for_each_report`], only those within `bbox`
    /// (`[min_lng, min_lat, max_lng, max_lat]`, edges included) when given.
    pub fn for_each_report_within(
        &self,
        filter: &ReportFilter,
        bbox: Option<[f64; 4]>,
        mut each: impl FnMut(StoredReport),
    ) -> Result<()> {
        let (mut clause, mut values) = filter_sql(filter);
        if let Some([min_lng, min_lat, max_lng, max_lat]) = bbox {
            let within = "lng BETWEEN CAST(? AS DOUBLE) AND CAST(? AS DOUBLE) \
                 AND lat BETWEEN CAST(? AS DOUBLE) AND CAST(? AS DOUBLE)";
            clause = if clause.is_empty() {
                format!("WHERE {within}")
            } else {
                format!("{clause} AND {within}")
            };
            values.extend([min_lng, max_lng, min_lat, max_lat].map(|v| v.to_string()));
        }
        let sql = format!(
            "SELECT source, report_id, observed_on, venue_type, venue_name, exploitation_type, indicator_mask, \
             persons_count, nationalities, child_involved, grading, notes, location_input, lat, lng, \
             geocode_method, precision_m, geocode_note, {REPORT_CELLS}, town, district, \
             l.premises_id, l.score, l.reason, l.incident_id \
             FROM (SELECT * FROM reports {clause}) LEFT JOIN report_links l USING (source, report_id) \
             ORDER BY observed_on, source, report_id"
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.err("prepare reports"))?;
        let mut rows = stmt
            .query(params_from_iter(values.iter()))
            .map_err(self.err("query reports"))?;
        while let Some(r) = rows.next().map_err(self.err("read reports"))? {
            let read = || -> duckdb::Result<StoredReport> {
                let (lat, lng): (f64, f64) = (r.get(13)?, r.get(14)?);
                Ok(StoredReport {
                    source: r.get(0)?,
                    report_id: r.get(1)?,
                    observed_on: r.get(2)?,
                    venue_type: r.get(3)?,
                    venue_name: r.get(4)?,
                    exploitation_type: r.get(5)?,
                    indicators: crate::model::IndicatorSet::from_bits(r.get(6)?).to_string(),
                    persons_count: r.get(7)?,
                    nationalities: r.get(8)?,
                    child_involved: r.get(9)?,
                    grading: r.get(10)?,
                    notes: r.get(11)?,
                    location_input: r
                        .get::<_, Option<String>>(12)?
                        .unwrap_or_else(|| crate::model::latlng_key(lat, lng)),
                    lat,
                    lng,
                    geocode_method: r.get(15)?,
                    precision_m: r.get(16)?,
                    geocode_note: r.get(17)?,
                    cells: [r.get(18)?, r.get(19)?, r.get(20)?, r.get(21)?],
                    town: r.get(22)?,
                    district: r.get(23)?,
                    premises_id: r.get(24)?,
                    link_score: r.get(25)?,
                    link_reason: r.get(26)?,
                    incident_id: r.get(27)?,
                })
            };
            each(read().map_err(self.err("read report"))?);
        }
        Ok(())
    }

    /// The `limit` cells with most reports at a resolution (6..=9), busiest first.
    pub fn busiest_cells(&self, resolution: u8, limit: u32) -> Result<Vec<(u64, u64)>> {
        let column = report_cell(resolution);
        let sql = format!(
            "SELECT {column}, count(*) AS n FROM reports WHERE {column} IS NOT NULL \
             GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?"
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.err("prepare busiest"))?;
        let rows = stmt
            .query_map(params![limit], |r| {
                Ok((r.get::<_, u64>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(self.err("query busiest"))?;
        rows.collect::<duckdb::Result<Vec<_>>>()
            .map_err(self.err("read busiest"))
    }

    pub fn summary(&self) -> Result<StoreSummary> {
        let (reports, first, last) = self
            .conn
            .query_row(
                "SELECT count(*), min(observed_on), max(observed_on) FROM reports",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?)),
            )
            .map_err(self.err("summary"))?;
        let rejects: i64 = self
            .conn
            .query_row("SELECT count(*) FROM rejects", [], |r| r.get(0))
            .map_err(self.err("summary"))?;
        let runs: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM ingest_runs WHERE format <> 'relink'",
                [],
                |r| r.get(0),
            )
            .map_err(self.err("summary"))?;
        Ok(StoreSummary {
            reports,
            rejects: rejects as u64,
            runs: runs as u64,
            first,
            last,
        })
    }

    /// The recorded run, if any.
    pub fn run(&self, run_id: i64) -> Result<Option<RunRecord>> {
        self.conn
            .query_row(
                &format!("{RUN_COLUMNS} WHERE run_id = ?"),
                params![run_id],
                run_record,
            )
            .optional()
            .map_err(self.err("read run"))
    }

    /// Recorded runs, newest first: at most `limit`, older than run
    /// `before` when given (the next page of a list).
    pub fn runs(&self, before: Option<i64>, limit: usize) -> Result<Vec<RunRecord>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "{RUN_COLUMNS} WHERE run_id < ? ORDER BY run_id DESC LIMIT ?"
            ))
            .map_err(self.err("prepare runs"))?;
        let rows = stmt
            .query_map(
                params![before.unwrap_or(i64::MAX), limit as i64],
                run_record,
            )
            .map_err(self.err("query runs"))?;
        rows.collect::<duckdb::Result<_>>()
            .map_err(self.err("read runs"))
    }

    /// Runs a read-only scalar count (tests and checks).
    pub fn count(&self, table: CountTable) -> Result<u64> {
        let sql = match table {
            CountTable::Reports => "SELECT count(*) FROM reports",
            CountTable::Rejects => "SELECT count(*) FROM rejects",
            CountTable::Runs => "SELECT count(*) FROM ingest_runs",
        };
        let n: i64 = self
            .conn
            .query_row(sql, [], |r| r.get(0))
            .map_err(self.err("count"))?;
        Ok(n as u64)
    }
}

/// `WHERE` clause with `?` placeholders and its values, in order.
/// What counts read for a unit: the rows (`reports`, or reports beside the
/// key they count by, as `reports`) and the aggregate that counts them. A
/// report linked to no premises is its own premises and incident.
pub(super) fn unit_sql(unit: crate::model::Unit) -> (&'static str, &'static str) {
    use crate::model::Unit;
    match unit {
        Unit::Reports => ("reports", "count(*)"),
        Unit::Incidents => (
            "(SELECT reports.*, coalesce(l.incident_id, 'report|' || reports.source || '|' || reports.report_id) AS unit_key \
             FROM reports LEFT JOIN report_links l USING (source, report_id)) AS reports",
            "count(DISTINCT unit_key)",
        ),
        Unit::Premises => (
            "(SELECT reports.*, coalesce(l.premises_id, 'report|' || reports.source || '|' || reports.report_id) AS unit_key \
             FROM reports LEFT JOIN report_links l USING (source, report_id)) AS reports",
            "count(DISTINCT unit_key)",
        ),
    }
}

pub(super) fn filter_sql(filter: &ReportFilter) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    if let Some(from) = filter.from {
        clauses.push("observed_on >= CAST(? AS DATE)".to_owned());
        values.push(from.to_string());
    }
    if let Some(to) = filter.to {
        clauses.push("observed_on <= CAST(? AS DATE)".to_owned());
        values.push(to.to_string());
    }
    for (column, list) in [
        ("venue_type", &filter.venues),
        ("exploitation_type", &filter.exploitation),
        ("source", &filter.sources),
    ] {
        if !list.is_empty() {
            let marks = vec!["?"; list.len()].join(", ");
            clauses.push(format!("{column} IN ({marks})"));
            values.extend(list.iter().cloned());
        }
    }
    if let Some((res, cells)) = &filter.cells {
        let column = report_cell(*res);
        if cells.is_empty() {
            clauses.push("FALSE".to_owned());
        } else {
            let marks = vec!["CAST(? AS UBIGINT)"; cells.len()].join(", ");
            clauses.push(format!("{column} IN ({marks})"));
            values.extend(cells.iter().map(ToString::to_string));
        }
    }
    if clauses.is_empty() {
        (String::new(), values)
    } else {
        (format!("WHERE {}", clauses.join(" AND ")), values)
    }
}

/// The columns [`run_record`] reads, from `ingest_runs`. Counts of a run
/// that never finished (it cannot have committed) read as 0.
const RUN_COLUMNS: &str =
    "SELECT run_id, file_name, format, started_at, finished_at, tool_version, \
     coalesce(sha256, ''), coalesce(rows_read, 0), coalesce(stored, 0), coalesce(duplicates, 0), \
     coalesce(rejected, 0), encoding, delimiter, loaded_by FROM ingest_runs";

fn run_record(r: &duckdb::Row) -> duckdb::Result<RunRecord> {
    Ok(RunRecord {
        run_id: r.get(0)?,
        file_name: r.get(1)?,
        format: r.get(2)?,
        started_at: r.get(3)?,
        finished_at: r.get(4)?,
        tool_version: r.get(5)?,
        sha256: r.get(6)?,
        read: r.get::<_, i64>(7)? as u64,
        stored: r.get::<_, i64>(8)? as u64,
        duplicates: r.get::<_, i64>(9)? as u64,
        rejected: r.get::<_, i64>(10)? as u64,
        encoding: r.get(11)?,
        delimiter: r.get(12)?,
        loaded_by: r.get(13)?,
    })
}
