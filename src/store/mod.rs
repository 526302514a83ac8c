//! The DuckDB store: one embedded file. The only module that knows DuckDB.
//!
//! **Invariants.** Every statement is prepared with parameters; no user input is
//! formatted into SQL. A file is loaded in one transaction: after a crash it is
//! either wholly stored or not at all. `(source, report_id)` is unique in
//! `reports`: the loader classifies each row against the stored keys and the
//! file's earlier rows before appending it (`load`), and a [`Store`] (one
//! connection) serialises writers by `&mut self`.
//!
//! The surface above this module (ARCHITECTURE.md lists it) speaks in the
//! records of `records.rs` and the model's types, never in DuckDB's, so that
//! another backend could offer the same operations.

mod accounts;
mod connection;
mod context;
mod counts;
mod error;
mod links;
mod load;
mod premises;
mod public;
mod records;
mod reports;
mod schema;
mod snapshot;

pub use accounts::{AuditEntry, AuditFilter, AuditRow, SigninRecord, TokenRow, UserRow};
pub use connection::Store;
pub use error::{Result, StoreError};
pub use links::{BeforeCommit, Links};
#[cfg(test)]
pub(crate) use load::SEGMENTS;
pub use load::{FileLoad, PreparedReports, ReportPreparer, Stager, BATCH_ROWS};
pub use records::{
    AreaRow, CellCounts, CellRow, ContextCount, CountTable, IndicatorWeights, LinkDecision,
    LinkedReport, LoadCounts, NewContextCrime, NewOutcome, NewPremises, NewReport, OptionalColumn,
    OutcomeRecord, PremisesRecord, PublicDecision, PublicReport, ReadAs, ReportFilter,
    ReportForLinking, ReportLink, RunFile, RunRecord, SeriesRow, StoreSummary, StoredReject,
    StoredReport,
};
