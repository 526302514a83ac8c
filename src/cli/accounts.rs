//! `hotspots users` and `hotspots tokens`: accounts and API tokens, audited.
//! Run on the database directly, or, while `hotspots serve` holds it, by the
//! server over its local admin socket.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use super::actor;
use super::args::{TokensCommand, UsersCommand};
use crate::admin::{self, AdminRequest};
use crate::store::{Store, StoreError};

/// Runs the operation on the database, or by the server that holds it.
fn run(db: &Path, request: AdminRequest) -> anyhow::Result<ExitCode> {
    let lines = match Store::open(db) {
        Ok(store) => admin::execute(&store, &actor(), request)?,
        Err(StoreError::Locked { path, holder }) => {
            let socket = admin::socket_path(db);
            admin::request(&socket, &actor(), request).map_err(|e| match e {
                admin::AdminError::Socket { .. } => anyhow::anyhow!(
                    "{path} is in use by another process{} and no hotspots server answers on {}: \
                     stop that process first",
                    holder.map(|h| format!(" ({h})")).unwrap_or_default(),
                    socket.display()
                ),
                other => other.into(),
            })?
        }
        Err(other) => return Err(other.into()),
    };
    for line in lines {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Adds an account with `password` (or a generated one, returned), audited as
/// done from the command line.
///
/// # Errors
/// A bad name or role, a weak password, a name taken.
pub fn add_user(
    store: &Store,
    name: &str,
    role: &str,
    password: Option<String>,
) -> anyhow::Result<Option<String>> {
    Ok(admin::add_user(store, &actor(), name, role, password)?)
}

pub(super) fn users_command(action: UsersCommand) -> anyhow::Result<ExitCode> {
    match action {
        UsersCommand::Add { name, role, db } => {
            let password = if std::io::stdin().is_terminal() {
                None
            } else {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                let line = line.trim_end_matches(['\r', '\n']).to_owned();
                (!line.is_empty()).then_some(line)
            };
            run(
                &db.db,
                AdminRequest::AddUser {
                    name,
                    role,
                    password,
                },
            )
        }
        UsersCommand::List { db } => run(&db.db, AdminRequest::ListUsers),
        UsersCommand::Disable { name, db } => run(
            &db.db,
            AdminRequest::SetDisabled {
                name,
                disabled: true,
            },
        ),
        UsersCommand::Enable { name, db } => run(
            &db.db,
            AdminRequest::SetDisabled {
                name,
                disabled: false,
            },
        ),
    }
}

pub(super) fn tokens_command(action: TokensCommand) -> anyhow::Result<ExitCode> {
    match action {
        TokensCommand::Create {
            name,
            days,
            label,
            db,
        } => run(&db.db, AdminRequest::CreateToken { name, days, label }),
        TokensCommand::Revoke { id, db } => run(&db.db, AdminRequest::RevokeToken { id }),
        TokensCommand::List { db } => run(&db.db, AdminRequest::ListTokens),
    }
}
