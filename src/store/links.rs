//! The operations linking needs, on one connection and whatever transaction
//! it is in: the store's own (`Store::links`, `Store::replace_links`) or a
//! file load's, so that a load's new reports are linked before it commits.

use duckdb::{params, Connection};

use super::error::{db_error, Result, StoreError};
use super::records::{LinkDecision, NewPremises, PremisesRecord, ReportForLinking, ReportLink};

/// Work a file load does in its transaction just before it commits (linking
/// its new reports): given the load's [`Links`].
#[derive(Clone)]
pub struct BeforeCommit(std::sync::Arc<LinkWork>);

/// The work of a [`BeforeCommit`].
type LinkWork = dyn Fn(&Links<'_>) -> Result<()> + Send + Sync;

impl BeforeCommit {
    pub fn new(f: impl Fn(&Links<'_>) -> Result<()> + Send + Sync + 'static) -> Self {
        Self(std::sync::Arc::new(f))
    }

    /// Runs the work.
    ///
    /// # Errors
    /// As the work (the load then rolls back).
    pub fn run(&self, links: &Links<'_>) -> Result<()> {
        (self.0)(links)
    }
}

impl std::fmt::Debug for BeforeCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BeforeCommit(..)")
    }
}

/// Linking's reads and writes on one connection, in its current transaction.
pub struct Links<'c> {
    conn: &'c Connection,
    path: &'c str,
    /// Who the relink a [`Links::replace`] records was done for (the load's
    /// or the decision's actor), when known.
    by: Option<&'c str>,
}

impl<'c> Links<'c> {
    pub(crate) fn new(conn: &'c Connection, path: &'c str, by: Option<&'c str>) -> Self {
        Self { conn, path, by }
    }

    fn err(&self, context: &'static str) -> impl Fn(duckdb::Error) -> StoreError + '_ {
        db_error(self.path, context)
    }

    /// Every premises, by id.
    ///
    /// # Errors
    /// On database failure.
    pub fn premises(&self) -> Result<Vec<PremisesRecord>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT premises_id, name, name_key, CAST(venue_type AS VARCHAR), address, postcode, lat, lng, \
                 precision_m, h3_r6, h3_r7, h3_r8, h3_r9, status, origin, merged_into \
                 FROM premises ORDER BY premises_id",
            )
            .map_err(self.err("prepare premises"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PremisesRecord {
                    premises_id: r.get(0)?,
                    name: r.get(1)?,
                    name_key: r.get(2)?,
                    venue_type: r.get(3)?,
                    address: r.get(4)?,
                    postcode: r.get(5)?,
                    lat: r.get(6)?,
                    lng: r.get(7)?,
                    precision_m: r.get(8)?,
                    cells: [r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?],
                    status: r.get(13)?,
                    origin: r.get(14)?,
                    merged_into: r.get(15)?,
                })
            })
            .map_err(self.err("query premises"))?;
        rows.collect::<duckdb::Result<_>>()
            .map_err(self.err("read premises"))
    }

    /// Every stored report with a venue, as linking needs it (in a stable order).
    ///
    /// # Errors
    /// On database failure.
    pub fn reports_for_linking(&self) -> Result<Vec<ReportForLinking>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT source, report_id, CAST(venue_type AS VARCHAR), venue_name, lat, lng, precision_m, \
                 location_input, observed_on FROM reports ORDER BY source, report_id",
            )
            .map_err(self.err("prepare reports for linking"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ReportForLinking {
                    source: r.get(0)?,
                    report_id: r.get(1)?,
                    venue_type: r.get(2)?,
                    venue_name: r.get(3)?,
                    lat: r.get(4)?,
                    lng: r.get(5)?,
                    precision_m: r.get(6)?,
                    location_input: r.get(7)?,
                    observed_on: r.get(8)?,
                })
            })
            .map_err(self.err("query reports for linking"))?;
        rows.collect::<duckdb::Result<_>>()
            .map_err(self.err("read reports for linking"))
    }

    /// Every linking decision, oldest first.
    ///
    /// # Errors
    /// On database failure.
    pub fn link_decisions(&self) -> Result<Vec<LinkDecision>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT kind, premises_id, other_id, source, report_id FROM link_decisions \
                 ORDER BY decided_at, rowid",
            )
            .map_err(self.err("prepare decisions"))?;
        let rows = stmt
            .query_map([], |r| {
                let kind: String = r.get(0)?;
                Ok(if kind == "merge" {
                    LinkDecision::Merge {
                        into: r.get(1)?,
                        from: r.get(2)?,
                    }
                } else {
                    LinkDecision::Detach {
                        source: r.get(3)?,
                        report_id: r.get(4)?,
                    }
                })
            })
            .map_err(self.err("query decisions"))?;
        rows.collect::<duckdb::Result<_>>()
            .map_err(self.err("read decisions"))
    }

    /// Replaces every link and every premises made from reports, in the
    /// connection's current transaction; records the relink as a run, so the
    /// data version moves on.
    ///
    /// # Errors
    /// On database failure.
    pub fn replace(&self, links: &[ReportLink], made: &[NewPremises]) -> Result<()> {
        let conn = self.conn;
        let err = |context| db_error(self.path, context);

        conn.execute_batch(
            "DELETE FROM report_links; DELETE FROM premises WHERE origin = 'reports'",
        )
        .map_err(err("clear links"))?;
        // A run of its own: the data version moves on, so answers that
        // count by premises or incidents are not served from before.
        conn.execute(
            "INSERT INTO ingest_runs (run_id, file_name, format, started_at, finished_at, rows_read, \
             stored, duplicates, rejected, tool_version, loaded_by) VALUES (nextval('ingest_run_seq'), \
             'relink', 'relink', current_timestamp, current_timestamp, ?, ?, 0, 0, ?, ?)",
            params![links.len() as i64, links.len() as i64, env!("CARGO_PKG_VERSION"), self.by],
        )
        .map_err(err("record relink"))?;
        insert_premises(conn, self.path, made)?;
        let mut appender = conn
            .appender("report_links")
            .map_err(err("links appender"))?;
        for link in links {
            appender
                .append_row(params![
                    link.source,
                    link.report_id,
                    link.premises_id,
                    link.score,
                    link.reason,
                    link.incident_id
                ])
                .map_err(err("append link"))?;
        }
        appender.flush().map_err(err("flush links"))?;
        Ok(())
    }
}

/// Inserts premises in one statement, through a temporary table filled by
/// an appender (a register is tens of thousands of rows; one `INSERT` a row
/// took ~2 ms each). Rows whose id is stored already are replaced, keeping
/// an analyst's merge (`merged_into`) across a register's correction.
pub(super) fn insert_premises(conn: &Connection, path: &str, rows: &[NewPremises]) -> Result<()> {
    let err = |context| db_error(path, context);
    if rows.is_empty() {
        return Ok(());
    }
    // The vocabularies as text: the appender does not write ENUMs; the
    // INSERT below casts them.
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE premises_stage (
            premises_id VARCHAR, name VARCHAR, name_key VARCHAR, venue_type VARCHAR,
            address VARCHAR, postcode VARCHAR, lat DOUBLE, lng DOUBLE, geocode_method VARCHAR,
            precision_m DOUBLE, h3_r6 UBIGINT, h3_r7 UBIGINT, h3_r8 UBIGINT, h3_r9 UBIGINT,
            status VARCHAR, opened_on DATE, closed_on DATE, origin VARCHAR, line BIGINT,
            content_hash UBIGINT)",
    )
    .map_err(err("stage premises"))?;
    {
        let mut appender = conn
            .appender("premises_stage")
            .map_err(err("premises appender"))?;
        for row in rows {
            appender
                .append_row(params![
                    row.premises_id,
                    row.name,
                    row.name_key,
                    row.venue_type.as_str(),
                    row.address,
                    row.postcode,
                    row.lat,
                    row.lng,
                    row.method.as_str(),
                    row.precision_m,
                    row.cells[0],
                    row.cells[1],
                    row.cells[2],
                    row.cells[3],
                    row.status.as_str(),
                    row.opened_on,
                    row.closed_on,
                    row.origin.as_str(),
                    row.line as i64,
                    row.content_hash,
                ])
                .map_err(err("append premises"))?;
        }
        appender.flush().map_err(err("flush premises"))?;
    }
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE premises_merged AS
            SELECT premises_id, merged_into FROM premises
            WHERE merged_into IS NOT NULL AND premises_id IN (SELECT premises_id FROM premises_stage);
         DELETE FROM premises WHERE premises_id IN (SELECT premises_id FROM premises_stage);
         INSERT INTO premises (premises_id, name, name_key, venue_type, address, postcode, lat, lng,
            geocode_method, precision_m, h3_r6, h3_r7, h3_r8, h3_r9, status, opened_on, closed_on,
            origin, line, content_hash, merged_into)
            SELECT s.premises_id, s.name, s.name_key, s.venue_type, s.address, s.postcode, s.lat, s.lng,
               s.geocode_method, s.precision_m, s.h3_r6, s.h3_r7, s.h3_r8, s.h3_r9, s.status,
               s.opened_on, s.closed_on, s.origin, s.line, s.content_hash, m.merged_into
            FROM premises_stage s LEFT JOIN premises_merged m USING (premises_id);
         DROP TABLE premises_stage; DROP TABLE premises_merged;",
    )
    .map_err(err("insert premises"))
}
