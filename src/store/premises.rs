//! Premises, the links from reports to them, the analysts' linking decisions,
//! and visit outcomes.
//!
//! Imports (premises registers, outcome files) are one transaction each, with
//! a row in `ingest_runs` and their rejects in `rejects` as a report file has:
//! every row read is stored, a duplicate (same id, same content), or rejected.
//! A row whose id is known with other content replaces it (a register is
//! re-issued with corrections) and counts as stored.

use std::collections::HashMap;

use duckdb::{params, params_from_iter, Connection};

use super::connection::Store;
use super::error::{db_error, Result, StoreError};
use super::links::{insert_premises, Links};
use super::records::{
    LinkDecision, LinkedReport, LoadCounts, NewOutcome, NewPremises, OutcomeRecord, PremisesRecord,
    ReportFilter, ReportForLinking, ReportLink, RunFile,
};
use super::reports::filter_sql;
use crate::model::RowReject;

impl Store {
    /// True when a premises register has been imported (loads then link).
    ///
    /// # Errors
    /// On database failure.
    pub fn has_register(&self) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT count(*) > 0 FROM premises WHERE origin = 'register'",
                [],
                |r| r.get(0),
            )
            .map_err(self.err("count premises"))
    }

    /// The source of the one report with this id.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when no report or several (from different
    /// sources) have it; database failure.
    pub fn source_of_report(&self, report_id: &str) -> Result<String> {
        let mut stmt = self
            .conn
            .prepare("SELECT source FROM reports WHERE report_id = ? ORDER BY source")
            .map_err(self.err("prepare source"))?;
        let sources: Vec<String> = stmt
            .query_map([report_id], |r| r.get(0))
            .map_err(self.err("query source"))?
            .collect::<duckdb::Result<_>>()
            .map_err(self.err("read source"))?;
        match sources.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(StoreError::Conflict(format!("no report {report_id}"))),
            many => Err(StoreError::Conflict(format!(
                "report id {report_id} is used by several sources ({}): say which with --source",
                many.join(", ")
            ))),
        }
    }

    /// Stores a premises register file's rows and rejects in one transaction.
    ///
    /// # Errors
    /// On database failure (nothing is stored then).
    pub fn import_premises(
        &mut self,
        file: RunFile<'_>,
        rows: &[NewPremises],
        rejects: &[RowReject],
    ) -> Result<LoadCounts> {
        let path = self.path.clone();
        in_run(
            &self.conn,
            &path,
            file,
            rows.len() + rejects.len(),
            rejects,
            |conn| {
                let known = content_hashes(
                    conn,
                    &path,
                    "SELECT premises_id, content_hash FROM premises",
                )?;
                let (kept, stored, duplicates) =
                    fresh_rows(rows, &known, |r| &r.premises_id, |r| r.content_hash);
                let kept: Vec<NewPremises> = kept.into_iter().cloned().collect();
                insert_premises(conn, &path, &kept)?;
                Ok((stored, duplicates))
            },
        )
    }

    /// Stores visit outcomes and their rejects in one transaction.
    ///
    /// # Errors
    /// On database failure (nothing is stored then).
    pub fn import_outcomes(
        &mut self,
        file: RunFile<'_>,
        rows: &[NewOutcome],
        rejects: &[RowReject],
    ) -> Result<LoadCounts> {
        let path = self.path.clone();
        in_run(
            &self.conn,
            &path,
            file,
            rows.len() + rejects.len(),
            rejects,
            |conn| {
                let known =
                    content_hashes(conn, &path, "SELECT visit_id, content_hash FROM outcomes")?;
                let (kept, stored, duplicates) =
                    fresh_rows(rows, &known, |r| &r.visit_id, |r| r.content_hash);
                for row in kept {
                    conn.execute("DELETE FROM outcomes WHERE visit_id = ?", [&row.visit_id])
                        .map_err(db_error(&path, "replace outcome"))?;
                    conn.execute(
                    "INSERT INTO outcomes (visit_id, visited_on, premises_id, lat, lng, precision_m, \
                     h3_r6, h3_r7, h3_r8, h3_r9, operation, result, potential_victims, nrm_referrals, \
                     arrests, safeguarding_referrals, notes, line, content_hash) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    params![
                        row.visit_id,
                        row.visited_on,
                        row.premises_id,
                        row.lat,
                        row.lng,
                        row.precision_m,
                        row.cells[0],
                        row.cells[1],
                        row.cells[2],
                        row.cells[3],
                        row.operation,
                        row.result.as_str(),
                        row.potential_victims,
                        row.nrm_referrals,
                        row.arrests,
                        row.safeguarding_referrals,
                        row.notes,
                        row.line as i64,
                        row.content_hash,
                    ],
                )
                .map_err(db_error(&path, "insert outcome"))?;
                }
                Ok((stored, duplicates))
            },
        )
    }

    /// The linking operations on this connection (outside any load).
    pub fn links(&self) -> Links<'_> {
        Links::new(&self.conn, &self.path, None)
    }

    /// Every premises, by id.
    ///
    /// # Errors
    /// On database failure.
    pub fn premises(&self) -> Result<Vec<PremisesRecord>> {
        self.links().premises()
    }

    /// Every stored report with a venue, as linking needs it.
    ///
    /// # Errors
    /// On database failure.
    pub fn reports_for_linking(&self) -> Result<Vec<ReportForLinking>> {
        self.links().reports_for_linking()
    }

    /// Every linking decision, oldest first.
    ///
    /// # Errors
    /// On database failure.
    pub fn link_decisions(&self) -> Result<Vec<LinkDecision>> {
        self.links().link_decisions()
    }

    /// Replaces every link, and every premises made from reports, in one
    /// transaction (what `relink` computed from the whole store), recording
    /// the relink as done for `by` when known.
    ///
    /// # Errors
    /// On database failure (the old links stay then).
    pub fn replace_links(
        &mut self,
        links: &[ReportLink],
        made: &[NewPremises],
        by: Option<&str>,
    ) -> Result<()> {
        let err = |context| db_error(&self.path, context);
        self.conn
            .execute_batch("BEGIN TRANSACTION")
            .map_err(err("begin"))?;
        match Links::new(&self.conn, &self.path, by).replace(links, made) {
            Ok(()) => self
                .conn
                .execute_batch("COMMIT")
                .map_err(err("commit links")),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Records an analyst's linking decision (the caller relinks after it).
    ///
    /// # Errors
    /// A [`StoreError::Conflict`] naming a premises or report that does not
    /// exist; database failure.
    pub fn record_link_decision(&mut self, decision: &LinkDecision, actor: &str) -> Result<()> {
        let exists = |sql: &str, values: &[&str]| -> Result<bool> {
            self.conn
                .query_row(sql, params_from_iter(values.iter()), |r| r.get::<_, i64>(0))
                .map(|n| n > 0)
                .map_err(self.err("check decision"))
        };
        let premises_sql = "SELECT count(*) FROM premises WHERE premises_id = ?";
        match decision {
            LinkDecision::Merge { into, from } => {
                if into == from {
                    return Err(StoreError::Conflict(format!(
                        "cannot merge {into} into itself"
                    )));
                }
                for id in [into, from] {
                    if !exists(premises_sql, &[id])? {
                        return Err(StoreError::Conflict(format!("no premises {id}")));
                    }
                }
                self.conn
                    .execute(
                        "INSERT INTO link_decisions (decided_at, actor, kind, premises_id, other_id) \
                         VALUES (current_timestamp, ?, 'merge', ?, ?)",
                        params![actor, into, from],
                    )
                    .map_err(self.err("record merge"))?;
                self.conn
                    .execute(
                        "UPDATE premises SET merged_into = ? WHERE premises_id = ?",
                        params![into, from],
                    )
                    .map_err(self.err("mark merged"))?;
            }
            LinkDecision::Detach { source, report_id } => {
                if !exists(
                    "SELECT count(*) FROM reports WHERE source = ? AND report_id = ?",
                    &[source, report_id],
                )? {
                    return Err(StoreError::Conflict(format!(
                        "no report {report_id} from {source}"
                    )));
                }
                self.conn
                    .execute(
                        "INSERT INTO link_decisions (decided_at, actor, kind, source, report_id) \
                         VALUES (current_timestamp, ?, 'detach', ?, ?)",
                        params![actor, source, report_id],
                    )
                    .map_err(self.err("record detach"))?;
            }
        }
        Ok(())
    }

    /// Registered premises (open or closed, not merged into another) per cell
    /// at a resolution, of the given venue types (all when empty): the
    /// exposure of `weight=rate`.
    ///
    /// # Errors
    /// On database failure.
    pub fn registered_premises_per_cell(
        &self,
        resolution: u8,
        venues: &[String],
    ) -> Result<Vec<(u64, u64)>> {
        let column = super::schema::cell_column(resolution);
        let venue_clause = if venues.is_empty() {
            String::new()
        } else {
            format!(
                " AND CAST(venue_type AS VARCHAR) IN ({})",
                vec!["?"; venues.len()].join(", ")
            )
        };
        let sql = format!(
            "SELECT {column}, count(*) FROM premises WHERE origin = 'register' AND merged_into IS NULL \
             AND {column} IS NOT NULL{venue_clause} GROUP BY 1 ORDER BY 1"
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.err("prepare premises per cell"))?;
        let rows = stmt
            .query_map(params_from_iter(venues.iter()), |r| {
                Ok((r.get::<_, u64>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(self.err("query premises per cell"))?;
        rows.collect::<duckdb::Result<_>>()
            .map_err(self.err("read premises per cell"))
    }

    /// Bounding box of the premises that have a linked report (those the
    /// repeat-premises list can show): `(min_lat, min_lng, max_lat, max_lng)`.
    ///
    /// # Errors
    /// On database failure.
    pub fn linked_premises_extent(&self) -> Result<Option<(f64, f64, f64, f64)>> {
        super::snapshot::read_box(
            &self.conn,
            "SELECT min(lat), min(lng), max(lat), max(lng) FROM premises \
             WHERE premises_id IN (SELECT l.premises_id FROM report_links l \
             JOIN reports r USING (source, report_id))",
        )
        .map_err(self.err("linked premises extent"))
    }

    /// Linked reports passing the filter (every link when the filter is empty).
    ///
    /// # Errors
    /// On database failure.
    pub fn linked_reports(&self, filter: &ReportFilter) -> Result<Vec<LinkedReport>> {
        let (clause, values) = filter_sql(filter);
        let sql = format!(
            "SELECT l.premises_id, r.source, r.report_id, r.observed_on, CAST(r.exploitation_type AS VARCHAR), \
             r.indicator_mask, l.score, l.reason \
             FROM report_links l JOIN (SELECT * FROM reports {clause}) r USING (source, report_id) \
             ORDER BY l.premises_id, r.observed_on, r.source, r.report_id"
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.err("prepare linked"))?;
        let rows = stmt
            .query_map(params_from_iter(values.iter()), |r| {
                Ok(LinkedReport {
                    premises_id: r.get(0)?,
                    source: r.get(1)?,
                    report_id: r.get(2)?,
                    observed_on: r.get(3)?,
                    exploitation_type: r.get(4)?,
                    indicator_mask: r.get(5)?,
                    score: r.get(6)?,
                    reason: r.get(7)?,
                })
            })
            .map_err(self.err("query linked"))?;
        rows.collect::<duckdb::Result<_>>()
            .map_err(self.err("read linked"))
    }

    /// Every visit outcome, oldest first.
    ///
    /// # Errors
    /// On database failure.
    pub fn outcomes(&self) -> Result<Vec<OutcomeRecord>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT visit_id, visited_on, premises_id, lat, lng, h3_r6, h3_r7, h3_r8, h3_r9, operation, \
                 result, potential_victims, nrm_referrals, arrests, safeguarding_referrals, notes \
                 FROM outcomes ORDER BY visited_on, visit_id",
            )
            .map_err(self.err("prepare outcomes"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(OutcomeRecord {
                    visit_id: r.get(0)?,
                    visited_on: r.get(1)?,
                    premises_id: r.get(2)?,
                    lat: r.get(3)?,
                    lng: r.get(4)?,
                    cells: [r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?],
                    operation: r.get(9)?,
                    result: r.get(10)?,
                    potential_victims: r.get(11)?,
                    nrm_referrals: r.get(12)?,
                    arrests: r.get(13)?,
                    safeguarding_referrals: r.get(14)?,
                    notes: r.get(15)?,
                })
            })
            .map_err(self.err("query outcomes"))?;
        rows.collect::<duckdb::Result<_>>()
            .map_err(self.err("read outcomes"))
    }
}

/// The rows a file brings that are not duplicates (same id, same content as
/// stored or as an earlier row of the file), the last row of an id winning as
/// if each replaced the one before; with how many were stored and duplicates.
fn fresh_rows<'r, T>(
    rows: &'r [T],
    known: &HashMap<String, u64>,
    id: impl Fn(&T) -> &str,
    hash: impl Fn(&T) -> u64,
) -> (Vec<&'r T>, u64, u64) {
    let (mut stored, mut duplicates) = (0, 0);
    let mut kept: Vec<&T> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for row in rows {
        let current = at
            .get(id(row))
            .map(|&i| hash(kept[i]))
            .or_else(|| known.get(id(row)).copied());
        if current == Some(hash(row)) {
            duplicates += 1;
            continue;
        }
        stored += 1;
        if let Some(&i) = at.get(id(row)) {
            kept[i] = row;
        } else {
            at.insert(id(row), kept.len());
            kept.push(row);
        }
    }
    (kept, stored, duplicates)
}

fn content_hashes(conn: &Connection, path: &str, sql: &str) -> Result<HashMap<String, u64>> {
    let mut stmt = conn
        .prepare(sql)
        .map_err(db_error(path, "prepare known rows"))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))
        .map_err(db_error(path, "query known rows"))?;
    rows.collect::<duckdb::Result<_>>()
        .map_err(db_error(path, "read known rows"))
}

/// Runs `body` inside a transaction with a run row and the rejects stored;
/// `body` answers `(stored, duplicates)`. Checks that every row is accounted for.
pub(super) fn in_run(
    conn: &Connection,
    path: &str,
    file: RunFile<'_>,
    read: usize,
    rejects: &[RowReject],
    body: impl FnOnce(&Connection) -> Result<(u64, u64)>,
) -> Result<LoadCounts> {
    let err = |context| db_error(path, context);
    conn.execute_batch("BEGIN TRANSACTION")
        .map_err(err("begin"))?;
    let done = (|| -> Result<LoadCounts> {
        let run_id: i64 = conn
            .query_row(
                "INSERT INTO ingest_runs (run_id, file_name, format, started_at, tool_version, loaded_by) \
                 VALUES (nextval('ingest_run_seq'), ?, ?, current_timestamp, ?, ?) RETURNING run_id",
                params![file.name, file.format, env!("CARGO_PKG_VERSION"), file.loaded_by],
                |r| r.get(0),
            )
            .map_err(err("insert run"))?;
        let (stored, duplicates) = body(conn)?;
        let mut appender = conn.appender("rejects").map_err(err("rejects appender"))?;
        for r in rejects {
            appender
                .append_row(params![
                    run_id,
                    file.name,
                    r.line as i64,
                    r.field,
                    r.reason,
                    r.raw
                ])
                .map_err(err("append reject"))?;
        }
        appender.flush().map_err(err("flush rejects"))?;
        drop(appender);
        let counts = LoadCounts {
            run_id,
            read: read as u64,
            stored,
            duplicates,
            rejected: rejects.len() as u64,
        };
        if counts.read != counts.stored + counts.duplicates + counts.rejected {
            return Err(StoreError::Unbalanced {
                path: path.to_owned(),
                read: counts.read,
                stored: counts.stored,
                duplicates: counts.duplicates,
                rejected: counts.rejected,
            });
        }
        let (encoding, delimiter) = file.read_as.columns();
        conn.execute(
            "UPDATE ingest_runs SET sha256 = ?, finished_at = current_timestamp, rows_read = ?, stored = ?, \
             duplicates = ?, rejected = ?, encoding = ?, delimiter = ? WHERE run_id = ?",
            params![file.sha256, counts.read as i64, counts.stored as i64, counts.duplicates as i64, counts.rejected as i64, encoding, delimiter, run_id],
        )
        .map_err(err("record run"))?;
        Ok(counts)
    })();
    match done {
        Ok(counts) => {
            conn.execute_batch("COMMIT").map_err(err("commit"))?;
            Ok(counts)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}
