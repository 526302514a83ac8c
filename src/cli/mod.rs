//! The command line (interface.md): arguments (`args`), the commands that run
//! them, and the only printing in the crate.

mod accounts;
mod args;
mod commands;
mod export;
mod loaded;
mod premises;
mod process;

pub use accounts::add_user;
pub use args::EXIT_REJECTED;
pub use args::{
    Cli, Command, DbArg, ExportLayer, FilterArgs, LayerCommon, OutFormat, OutcomesCommand,
    PremisesCommand, ProgressArg, RegisterFiles, TokensCommand, UsersCommand,
};
pub use commands::{main, run};
pub use export::export_reports;

use std::path::Path;

use crate::store::{Store, StoreError};

/// Who the command line acts as, in the audit log and a load's run: the
/// operating system's user (the database has no sign-in of its own here).
fn actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

/// Opens the database, saying plainly when another process (a running
/// `hotspots serve`) holds it, and what to do instead.
fn open_store(db: &Path) -> anyhow::Result<Store> {
    Store::open(db).map_err(store_error)
}

fn store_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Locked { path, holder } => anyhow::anyhow!(
            "{path} is in use by another process{}, most likely `hotspots serve`: stop it first, \
             or use the running server instead (its API for exports and new reports, \
             its /admin page for users and tokens)",
            holder.map(|h| format!(" ({h})")).unwrap_or_default()
        ),
        other => other.into(),
    }
}
