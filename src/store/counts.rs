//! Read queries for analysis: counts per cell and per period, precision-aware.
//! Values come back as plain rows; `analysis` turns them into statistics.

use chrono::NaiveDate;
use duckdb::params_from_iter;

use super::connection::Store;
use super::error::Result;
use super::records::{AreaRow, CellCounts, CellRow, IndicatorWeights, ReportFilter, SeriesRow};
use super::reports::{filter_sql, unit_sql};
use super::schema::report_cell;
use crate::model::{AreaLevel, Split, Step};

/// `1 + Σᵢ wᵢ·bitᵢ(indicator_mask)` with the weights as parameters.
fn weight_sql(weights: Option<&IndicatorWeights>, values: &mut Vec<String>) -> String {
    let Some(weights) = weights else {
        return "CAST(1 AS DOUBLE)".into();
    };
    let mut terms = vec!["CAST(1 AS DOUBLE)".to_owned()];
    for (i, w) in weights.iter().enumerate() {
        terms.push(format!("CAST(? AS DOUBLE) * ((indicator_mask >> {i}) & 1)"));
        values.push(w.to_string());
    }
    format!("({})", terms.join(" + "))
}

impl Store {
    /// Reports per cell at a resolution (6..=9) for a filter. `weights` selects the
    /// `risk` weight; `None` counts reports. With `details`, also the venue and
    /// indicator breakdowns and first/last dates (24 more aggregates: only the
    /// hotspot-areas layer needs them, so the plain Gi* query stays light).
    pub fn cell_counts(
        &self,
        resolution: u8,
        filter: &ReportFilter,
        weights: Option<&IndicatorWeights>,
        details: bool,
    ) -> Result<CellCounts> {
        // Distinct incidents or premises need the links, which the snapshot
        // does not hold: SQL answers those (an opt-in, and ~10x slower).
        if filter.unit == crate::model::Unit::Reports {
            if let Some(snapshot) = self.snapshot()? {
                return Ok(snapshot.cell_counts(resolution, filter, weights, details));
            }
        }
        self.cell_counts_sql(resolution, filter, weights, details)
    }

    pub(super) fn cell_counts_sql(
        &self,
        resolution: u8,
        filter: &ReportFilter,
        weights: Option<&IndicatorWeights>,
        details: bool,
    ) -> Result<CellCounts> {
        let column = report_cell(resolution);
        let mut values = Vec::new();
        let weight = weight_sql(weights, &mut values);
        let (clause, filter_values) = filter_sql(filter);
        values.extend(filter_values);
        let venue_counts: Vec<String> = crate::model::VenueType::ALL
            .iter()
            .map(|v| format!("count(*) FILTER (WHERE venue_type = '{}')", v.as_str()))
            .collect();
        let indicator_counts: Vec<String> = (0..14)
            .map(|i| format!("CAST(sum((indicator_mask >> {i}) & 1) AS BIGINT)"))
            .collect();
        let clause = if clause.is_empty() {
            "WHERE true".to_owned()
        } else {
            clause
        };
        let extra = if details {
            format!(
                ", {}, {}, min(observed_on), max(observed_on)",
                venue_counts.join(", "),
                indicator_counts.join(", ")
            )
        } else {
            String::new()
        };
        let (rows, count) = unit_sql(filter.unit);
        // Distinct units are counted, not weighted (the parser refuses
        // weight=risk with another unit): the value is the count.
        let value = if filter.unit == crate::model::Unit::Reports {
            format!("sum({weight})")
        } else {
            format!("CAST({count} AS DOUBLE)")
        };
        let sql = format!(
            "SELECT {column}, {count}, {value}{extra} \
             FROM {rows} {clause} GROUP BY {column}"
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.err("prepare cell counts"))?;
        let mut rows = stmt
            .query(params_from_iter(values.iter()))
            .map_err(self.err("query cell counts"))?;
        let mut out = CellCounts::default();
        while let Some(r) = rows.next().map_err(self.err("read cell counts"))? {
            // One scan: the NULL group holds the reports too coarse for this resolution.
            let Some(cell) = r
                .get::<_, Option<u64>>(0)
                .map_err(self.err("read cell counts"))?
            else {
                out.excluded_imprecise =
                    r.get::<_, i64>(1).map_err(self.err("read cell counts"))? as u64;
                continue;
            };
            let read = || -> duckdb::Result<CellRow> {
                let mut row = CellRow {
                    cell,
                    reports: r.get::<_, i64>(1)? as u64,
                    value: r.get(2)?,
                    ..CellRow::default()
                };
                if !details {
                    return Ok(row);
                }
                for (i, slot) in row.venues.iter_mut().enumerate() {
                    *slot = r.get::<_, i64>(3 + i)? as u64;
                }
                for (i, slot) in row.indicators.iter_mut().enumerate() {
                    *slot = r.get::<_, Option<i64>>(8 + i)?.unwrap_or(0) as u64;
                }
                row.first = r.get(22)?;
                row.last = r.get(23)?;
                Ok(row)
            };
            out.rows.push(read().map_err(self.err("read cell row"))?);
        }
        out.rows.sort_unstable_by_key(|r| r.cell);
        (out.first, out.last, _) = self.data_window_sql(filter)?;
        Ok(out)
    }

    /// Values per cell and period start (month, quarter or year), cells with reports only,
    /// ordered by cell and period.
    pub fn cell_series(
        &self,
        resolution: u8,
        filter: &ReportFilter,
        step: Step,
        weights: Option<&IndicatorWeights>,
    ) -> Result<Vec<SeriesRow>> {
        let column = report_cell(resolution);
        let mut values = Vec::new();
        let weight = weight_sql(weights, &mut values);
        let (clause, filter_values) = filter_sql(filter);
        values.extend(filter_values);
        let clause = if clause.is_empty() {
            "WHERE true".to_owned()
        } else {
            clause
        };
        let (rows, count) = unit_sql(filter.unit);
        let value = if filter.unit == crate::model::Unit::Reports {
            format!("sum({weight})")
        } else {
            format!("CAST({count} AS DOUBLE)")
        };
        let sql = format!(
            "SELECT {column}, CAST(date_trunc('{step}', observed_on) AS DATE) AS period, {value}, {count} \
             FROM {rows} {clause} AND {column} IS NOT NULL GROUP BY ALL ORDER BY 1, 2",
            step = step.as_str()
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.err("prepare series"))?;
        let rows = stmt
            .query_map(params_from_iter(values.iter()), |r| {
                Ok(SeriesRow {
                    cell: r.get(0)?,
                    period: r.get(1)?,
                    value: r.get(2)?,
                    units: r.get(3)?,
                })
            })
            .map_err(self.err("query series"))?;
        rows.collect::<duckdb::Result<Vec<_>>>()
            .map_err(self.err("read series"))
    }

    /// Report counts per town (or district) and period start, with breakdowns.
    /// `by` is `town` or `district`; `split` an optional breakdown column.
    pub fn area_series(
        &self,
        by: AreaLevel,
        filter: &ReportFilter,
        step: Step,
        split: Option<Split>,
    ) -> Result<Vec<AreaRow>> {
        if filter.unit == crate::model::Unit::Reports {
            if let Some(snapshot) = self.snapshot()? {
                if let Some(rows) = snapshot.area_series(by, filter, step, split) {
                    return Ok(rows);
                }
            }
        }
        self.area_series_sql(by, filter, step, split)
    }

    pub(super) fn area_series_sql(
        &self,
        by: AreaLevel,
        filter: &ReportFilter,
        step: Step,
        split: Option<Split>,
    ) -> Result<Vec<AreaRow>> {
        let key = match by {
            AreaLevel::Town => "coalesce(town, '(none)'), coalesce(district, '')",
            AreaLevel::District => "coalesce(district, '(none)'), coalesce(district, '')",
        };
        let split_sql = match split {
            None => "''",
            Some(Split::Venue) => "CAST(venue_type AS VARCHAR)",
            Some(Split::Exploitation) => "CAST(exploitation_type AS VARCHAR)",
            Some(Split::Child) => {
                "CASE WHEN child_involved THEN 'child' ELSE 'adult_or_unknown' END"
            }
            Some(Split::Source) => "source",
            // One value per report, so that the values sum to the total.
            Some(Split::Nationality) => {
                "CASE WHEN nationalities IS NULL OR trim(nationalities) = '' THEN 'not_recorded' \
                 WHEN contains(nationalities, ';') THEN 'mixed' \
                 ELSE lower(trim(nationalities)) END"
            }
        };
        let (clause, values) = filter_sql(filter);
        let (rows, count) = unit_sql(filter.unit);
        let sql = format!(
            "SELECT {key}, CAST(date_trunc('{step}', observed_on) AS DATE), {split_sql}, {count} \
             FROM {rows} {clause} GROUP BY ALL ORDER BY 1, 2, 3, 4",
            step = step.as_str()
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.err("prepare area series"))?;
        let rows = stmt
            .query_map(params_from_iter(values.iter()), |r| {
                Ok(AreaRow {
                    area: r.get(0)?,
                    district: r.get(1)?,
                    period: r.get(2)?,
                    split: r.get(3)?,
                    count: r.get::<_, i64>(4)? as u64,
                })
            })
            .map_err(self.err("query area series"))?;
        rows.collect::<duckdb::Result<Vec<_>>>()
            .map_err(self.err("read area series"))
    }

    /// First and last observation dates under a filter.
    pub fn data_window(
        &self,
        filter: &ReportFilter,
    ) -> Result<(Option<NaiveDate>, Option<NaiveDate>, u64)> {
        if let Some(snapshot) = self.snapshot()? {
            return Ok(snapshot.data_window(filter));
        }
        self.data_window_sql(filter)
    }

    /// The day the reports are current to: the start of the latest load of a
    /// report file (public reports accepted at triage are loaded as one), and
    /// never before the latest report. A period that ends on or after it
    /// was still running when the data were last loaded; days after it hold
    /// no information yet, not zero reports. `None` for a store without
    /// report loads.
    pub fn reports_as_of(&self) -> Result<Option<NaiveDate>> {
        // The formats `ingest` writes for report files; premises, outcomes,
        // context and relink runs say nothing about the reports' currency.
        let loaded: Option<NaiveDate> = self
            .conn
            .prepare_cached(
                "SELECT CAST(max(started_at) AS DATE) FROM ingest_runs \
                 WHERE format IN ('csv', 'jsonl', 'geojson')",
            )
            .and_then(|mut stmt| stmt.query_row([], |r| r.get(0)))
            .map_err(self.err("reports as of"))?;
        // The latest report from the snapshot, when there is one: no scan.
        let (_, latest, _) = self.data_window(&ReportFilter::default())?;
        Ok(loaded.max(latest))
    }

    pub(super) fn data_window_sql(
        &self,
        filter: &ReportFilter,
    ) -> Result<(Option<NaiveDate>, Option<NaiveDate>, u64)> {
        let (clause, values) = filter_sql(filter);
        let sql =
            format!("SELECT min(observed_on), max(observed_on), count(*) FROM reports {clause}");
        self.conn
            .query_row(&sql, params_from_iter(values.iter()), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64))
            })
            .map_err(self.err("data window"))
    }
}

impl Store {
    /// District codes that hold at least one report, sorted.
    pub fn districts_present(&self) -> Result<Vec<String>> {
        self.distinct_texts(
            "SELECT DISTINCT district FROM reports WHERE district IS NOT NULL ORDER BY district",
            "districts",
        )
    }

    /// Town names that hold at least one report, sorted.
    pub fn towns_present(&self) -> Result<Vec<String>> {
        self.distinct_texts(
            "SELECT DISTINCT town FROM reports WHERE town IS NOT NULL ORDER BY town",
            "towns",
        )
    }

    fn distinct_texts(&self, sql: &str, what: &'static str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(sql).map_err(self.err(what))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.err(what))?;
        rows.collect::<duckdb::Result<Vec<_>>>()
            .map_err(self.err(what))
    }

    /// Bounding box of every stored report: `(min_lat, min_lng, max_lat, max_lng)`.
    pub fn extent(&self) -> Result<Option<(f64, f64, f64, f64)>> {
        if let Some(snapshot) = self.snapshot()? {
            return Ok(snapshot.extent);
        }
        super::snapshot::read_extent(&self.conn).map_err(self.err("extent"))
    }
}

impl Store {
    /// The partnership release's base table: reports between `from` and `to`
    /// (inclusive) by calendar quarter, cell at `resolution` (0 when too coarse),
    /// town and district. No other filter: the release is fixed.
    pub fn release_units(
        &self,
        resolution: u8,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, crate::model::AreaUnit)>> {
        let column = report_cell(resolution);
        let sql = format!(
            "SELECT CAST(date_trunc('quarter', observed_on) AS DATE), coalesce({column}, 0), \
             coalesce(town, '(none)'), coalesce(district, '(none)'), count(*) \
             FROM reports WHERE observed_on BETWEEN ? AND ? GROUP BY ALL ORDER BY ALL"
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.err("prepare release"))?;
        let rows = stmt
            .query_map(duckdb::params![from, to], |r| {
                Ok((
                    r.get::<_, NaiveDate>(0)?,
                    crate::model::AreaUnit {
                        cell: r.get(1)?,
                        town: r.get(2)?,
                        district: r.get(3)?,
                        count: r.get::<_, i64>(4)? as u64,
                    },
                ))
            })
            .map_err(self.err("query release"))?;
        rows.collect::<duckdb::Result<Vec<_>>>()
            .map_err(self.err("read release"))
    }
}
