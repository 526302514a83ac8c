//! The triage queue (`public_reports`): reports from the public page, held
//! apart from `reports` until a tactical user decides on them.

use chrono::NaiveDateTime;
use duckdb::{params, OptionalExt as _};

use super::connection::Store;
use super::error::Result;
use super::records::{PublicDecision, PublicReport};

impl Store {
    /// Queues a public report; answers its id.
    ///
    /// # Errors
    /// On database failure.
    pub fn queue_public_report(
        &self,
        received_at: NaiveDateTime,
        lang: &str,
        record: &str,
        sent_without_work: bool,
    ) -> Result<i64> {
        // One writer connection holds the queue's writes, so max + 1 is unique.
        self.conn
            .query_row(
                "INSERT INTO public_reports (id, received_at, lang, record, status, sent_without_work) \
                 SELECT coalesce(max(id), 0) + 1, ?, ?, ?, 'pending', ? FROM public_reports \
                 RETURNING id",
                params![received_at, lang, record, sent_without_work],
                |r| r.get(0),
            )
            .map_err(self.err("queue public report"))
    }

    /// Public reports, newest first; `pending_only` leaves out decided ones.
    ///
    /// # Errors
    /// On database failure.
    pub fn public_reports(&self, pending_only: bool) -> Result<Vec<PublicReport>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM public_reports \
                     WHERE status = 'pending' OR NOT ? ORDER BY id DESC"
            ))
            .map_err(self.err("list public reports"))?;
        let rows = stmt
            .query_map(params![pending_only], row)
            .map_err(self.err("list public reports"))?;
        rows.collect::<duckdb::Result<Vec<_>>>()
            .map_err(self.err("list public reports"))
    }

    /// One public report.
    ///
    /// # Errors
    /// On database failure.
    pub fn public_report(&self, id: i64) -> Result<Option<PublicReport>> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM public_reports WHERE id = ?"),
                params![id],
                row,
            )
            .optional()
            .map_err(self.err("read public report"))
    }

    /// Records a decision on a pending report; `false` when it was not pending
    /// (decided already, or no such report), and nothing changes then.
    ///
    /// # Errors
    /// On database failure.
    pub fn decide_public_report(
        &self,
        id: i64,
        by: &str,
        at: NaiveDateTime,
        decision: &PublicDecision,
    ) -> Result<bool> {
        let (status, reason, report_id) = match decision {
            PublicDecision::Accepted { report_id } => ("accepted", None, Some(report_id.as_str())),
            PublicDecision::Rejected { reason } => ("rejected", Some(reason.as_str()), None),
        };
        let changed = self
            .conn
            .execute(
                "UPDATE public_reports SET status = ?, decided_by = ?, decided_at = ?, reason = ?, report_id = ? \
                 WHERE id = ? AND status = 'pending'",
                params![status, by, at, reason, report_id, id],
            )
            .map_err(self.err("decide public report"))?;
        Ok(changed == 1)
    }
}

/// What [`row`] reads, in its order.
const COLUMNS: &str = "id, received_at, lang, record, status, decided_by, decided_at, reason, \
                       report_id, coalesce(sent_without_work, false)";

fn row(r: &duckdb::Row<'_>) -> duckdb::Result<PublicReport> {
    Ok(PublicReport {
        id: r.get(0)?,
        received_at: r.get(1)?,
        lang: r.get(2)?,
        record: r.get(3)?,
        status: r.get(4)?,
        decided_by: r.get(5)?,
        decided_at: r.get(6)?,
        reason: r.get(7)?,
        report_id: r.get(8)?,
        sent_without_work: r.get(9)?,
    })
}
