//! Recorded crime beside the reports (`context_crimes`): police.uk street-level
//! rows, imported per (force, month) and counted per cell and crime type.
//! Never joined to `reports`: context is shown beside the picture, not in it.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use duckdb::params;

use super::connection::Store;
use super::error::{db_error, Result};
use super::premises::in_run;
use super::records::{ContextCount, LoadCounts, NewContextCrime, RunFile};
use super::schema::cell_column;
use crate::model::RowReject;

impl Store {
    /// Stores one police.uk file's rows and rejects in one transaction. A
    /// (force, month) already stored is counted as duplicates and left alone,
    /// unless `replace`, when its stored rows are deleted first.
    ///
    /// # Errors
    /// On database failure (nothing is stored then).
    pub fn import_context(
        &mut self,
        file: RunFile<'_>,
        rows: &[NewContextCrime],
        rejects: &[RowReject],
        replace: bool,
    ) -> Result<LoadCounts> {
        let path = self.path.clone();
        in_run(
            &self.conn,
            &path,
            file,
            rows.len() + rejects.len(),
            rejects,
            |conn| {
                let err = |context| db_error(&path, context);
                let run_id: i64 = conn
                    .query_row("SELECT max(run_id) FROM ingest_runs", [], |r| r.get(0))
                    .map_err(err("run id"))?;
                let months: BTreeSet<(&str, &str, NaiveDate)> = rows
                    .iter()
                    .map(|r| (r.source.as_str(), r.force.as_str(), r.month))
                    .collect();
                let mut skipped = BTreeSet::new();
                for (source, force, month) in &months {
                    let stored: i64 = conn
                        .query_row(
                            "SELECT count(*) FROM context_crimes WHERE source = ? AND force = ? AND month = ?",
                            params![source, force, month],
                            |r| r.get(0),
                        )
                        .map_err(err("find month"))?;
                    if stored > 0 && !replace {
                        skipped.insert((*source, *force, *month));
                    } else if stored > 0 {
                        conn.execute(
                            "DELETE FROM context_crimes WHERE source = ? AND force = ? AND month = ?",
                            params![source, force, month],
                        )
                        .map_err(err("replace month"))?;
                    }
                }
                let mut appender = conn
                    .appender("context_crimes")
                    .map_err(err("context appender"))?;
                let (mut stored, mut duplicates) = (0, 0);
                for r in rows {
                    if skipped.contains(&(r.source.as_str(), r.force.as_str(), r.month)) {
                        duplicates += 1;
                        continue;
                    }
                    appender
                        .append_row(params![
                            r.source,
                            r.force,
                            r.month,
                            r.crime_id,
                            r.crime_type,
                            r.lat,
                            r.lng,
                            r.location,
                            r.lsoa_code,
                            r.outcome,
                            r.cells[0],
                            r.cells[1],
                            r.cells[2],
                            r.cells[3],
                            run_id,
                            r.line as i64,
                        ])
                        .map_err(err("append context"))?;
                    stored += 1;
                }
                appender.flush().map_err(err("flush context"))?;
                Ok((stored, duplicates))
            },
        )
    }

    /// Recorded crimes per cell and crime type at `resolution` (6..=9), in the
    /// months that overlap `from..=to` (either open).
    ///
    /// # Errors
    /// On database failure.
    pub fn context_counts(
        &self,
        resolution: u8,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<ContextCount>> {
        let column = cell_column(resolution);
        // The column name comes from a fixed list, never from the request.
        let sql = format!(
            "SELECT {column}, crime_type, count(*) FROM context_crimes \
             WHERE {column} IS NOT NULL \
               AND (?::DATE IS NULL OR month >= date_trunc('month', ?::DATE)) \
               AND (?::DATE IS NULL OR month <= ?::DATE) \
             GROUP BY ALL ORDER BY 1, 2"
        );
        let mut statement = self
            .conn
            .prepare(&sql)
            .map_err(db_error(&self.path, "context counts"))?;
        let rows = statement
            .query_map(params![from, from, to, to], |r| {
                Ok(ContextCount {
                    cell: r.get::<_, u64>(0)?,
                    crime_type: r.get(1)?,
                    count: r.get::<_, i64>(2)? as u64,
                })
            })
            .map_err(db_error(&self.path, "context counts"))?
            .collect::<duckdb::Result<Vec<_>>>()
            .map_err(db_error(&self.path, "context counts"))?;
        Ok(rows)
    }

    /// The first and last month of stored context, and its row count.
    ///
    /// # Errors
    /// On database failure.
    pub fn context_window(&self) -> Result<(Option<NaiveDate>, Option<NaiveDate>, u64)> {
        self.conn
            .query_row(
                "SELECT min(month), max(month), count(*) FROM context_crimes",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64)),
            )
            .map_err(db_error(&self.path, "context window"))
    }
}
