//! The account operations and what each answers: the lines the command line
//! prints, the same whether run here or by a server.

use chrono::{NaiveDateTime, TimeDelta, Utc};

use crate::access::{self, UserName};
use crate::model::Role;
use crate::store::{AuditEntry, Store, StoreError};

/// One account operation, as the command line asks for it (and as it travels
/// over the server's socket, one JSON object a line).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AdminRequest {
    /// `password` `None`: one is generated and answered once.
    AddUser {
        name: String,
        role: String,
        password: Option<String>,
    },
    ListUsers,
    SetDisabled {
        name: String,
        disabled: bool,
    },
    CreateToken {
        name: String,
        days: i64,
        label: Option<String>,
    },
    ListTokens,
    RevokeToken {
        id: String,
    },
}

/// Why an operation was refused or failed, said plainly.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Access(#[from] access::AuthError),
    #[error("the server's admin socket {path}: {message}")]
    Socket { path: String, message: String },
}

fn refused(message: impl Into<String>) -> AdminError {
    AdminError::Refused(message.into())
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

fn audit(store: &Store, actor: &str, action: &str, target: String) -> Result<(), AdminError> {
    store.append_audit(
        &[AuditEntry {
            actor: Some(actor.to_owned()),
            action: action.into(),
            target: Some(target),
            outcome: "ok".into(),
            ..AuditEntry::default()
        }],
        now(),
    )?;
    Ok(())
}

/// Adds an account with `password` (or a generated one, answered), audited as
/// done by `actor`.
///
/// # Errors
/// A bad name or role, a weak password, a name taken.
pub fn add_user(
    store: &Store,
    actor: &str,
    name: &str,
    role: &str,
    password: Option<String>,
) -> Result<Option<String>, AdminError> {
    let name = UserName::parse(name)?;
    let role: Role = role
        .parse()
        .map_err(|e: String| refused(format!("--role: {e}")))?;
    let (password, generated) = if let Some(p) = password {
        (p, None)
    } else {
        let p = access::generate_password();
        (p.clone(), Some(p))
    };
    let hash = access::hash_password(&password)?;
    store.add_user(&name, role, &hash, now())?;
    audit(
        store,
        actor,
        "user_add",
        format!("{name} ({})", role.as_str()),
    )?;
    Ok(generated)
}

/// Runs one operation; answers the lines to show.
///
/// # Errors
/// What the operation refuses (a bad name, an unknown user or token, days out
/// of range) and store failures.
pub fn execute(
    store: &Store,
    actor: &str,
    request: AdminRequest,
) -> Result<Vec<String>, AdminError> {
    Ok(match request {
        AdminRequest::AddUser {
            name,
            role,
            password,
        } => match add_user(store, actor, &name, &role, password)? {
            Some(p) => vec![format!("added {name} ({role}); password (shown once): {p}")],
            None => vec![format!("added {name} ({role})")],
        },
        AdminRequest::ListUsers => store
            .users()?
            .into_iter()
            .map(|u| {
                format!(
                    "{}\t{}\t{}\t{}",
                    u.name,
                    u.role.as_str(),
                    if u.disabled { "disabled" } else { "active" },
                    u.created_at.format("%Y-%m-%d")
                )
            })
            .collect(),
        AdminRequest::SetDisabled { name, disabled } => {
            let user = UserName::parse(&name)?;
            if !store.set_disabled(&user, disabled)? {
                return Err(refused(format!("no user {user}")));
            }
            let (action, said) = if disabled {
                ("user_disable", "disabled")
            } else {
                ("user_enable", "enabled")
            };
            audit(store, actor, action, user.to_string())?;
            vec![format!("{user} {said}")]
        }
        AdminRequest::CreateToken { name, days, label } => {
            if !(1..=3660).contains(&days) {
                return Err(refused("--days: from 1 to 3660"));
            }
            let user = UserName::parse(&name)?;
            let token = access::IssuedToken::new();
            let now = now();
            store.create_token(
                &token.id,
                &user,
                &access::digest(&token.secret),
                label.as_deref(),
                now,
                now + TimeDelta::days(days),
            )?;
            audit(
                store,
                actor,
                "token_create",
                format!("{} for {user}", token.id),
            )?;
            vec![
                format!(
                    "token {} for {user}, expires in {days} days (shown once):",
                    token.id
                ),
                token.bearer(),
            ]
        }
        AdminRequest::ListTokens => store
            .tokens()?
            .into_iter()
            .map(|t| {
                format!(
                    "{}\t{}\t{}\texpires {}\t{}",
                    t.id,
                    t.user,
                    t.label.unwrap_or_default(),
                    t.expires_at.format("%Y-%m-%d"),
                    if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "live"
                    }
                )
            })
            .collect(),
        AdminRequest::RevokeToken { id } => {
            if !store.revoke_token(&id, now())? {
                return Err(refused(format!("no live token {id}")));
            }
            audit(store, actor, "token_revoke", id.clone())?;
            vec![format!("token {id} revoked")]
        }
    })
}
