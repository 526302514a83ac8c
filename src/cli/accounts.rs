//! `hotspots users` and `hotspots tokens`: accounts and API tokens, audited.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::bail;

use super::args::{DbArg, TokensCommand, UsersCommand};
use super::open_store;
use crate::store::Store;

fn cli_audit(store: &Store, action: &str, target: String) -> anyhow::Result<()> {
    let actor = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    store.append_audit(
        &[crate::store::AuditEntry {
            actor: Some(format!("cli:{actor}")),
            action: action.into(),
            target: Some(target),
            outcome: "ok".into(),
            ..Default::default()
        }],
        chrono::Utc::now().naive_utc(),
    )?;
    Ok(())
}

/// Adds an account with `password` (or a generated one, returned).
///
/// # Errors
/// A bad name or role, a weak password, a name taken.
pub fn add_user(
    store: &Store,
    name: &str,
    role: &str,
    password: Option<String>,
) -> anyhow::Result<Option<String>> {
    use crate::access;
    let name = access::UserName::parse(name)?;
    let role: crate::model::Role = role
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--role: {e}"))?;
    let (password, generated) = if let Some(p) = password {
        (p, None)
    } else {
        let p = access::generate_password();
        (p.clone(), Some(p))
    };
    let hash = access::hash_password(&password)?;
    store.add_user(&name, role, &hash, chrono::Utc::now().naive_utc())?;
    cli_audit(store, "user_add", format!("{name} ({})", role.as_str()))?;
    Ok(generated)
}

pub(super) fn users_command(action: UsersCommand) -> anyhow::Result<ExitCode> {
    match action {
        UsersCommand::Add { name, role, db } => {
            let store = open_store(&db.db)?;
            let piped = if std::io::stdin().is_terminal() {
                None
            } else {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                let line = line.trim_end_matches(['\r', '\n']).to_owned();
                (!line.is_empty()).then_some(line)
            };
            match add_user(&store, &name, &role, piped)? {
                Some(p) => println!("added {name} ({role}); password (shown once): {p}"),
                None => println!("added {name} ({role})"),
            }
        }
        UsersCommand::List { db } => {
            let store = open_store(&db.db)?;
            for u in store.users()? {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.name,
                    u.role.as_str(),
                    if u.disabled { "disabled" } else { "active" },
                    u.created_at.format("%Y-%m-%d")
                );
            }
        }
        UsersCommand::Disable { name, db } => set_disabled(&db, &name, true)?,
        UsersCommand::Enable { name, db } => set_disabled(&db, &name, false)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn set_disabled(db: &DbArg, name: &str, disabled: bool) -> anyhow::Result<()> {
    let store = open_store(&db.db)?;
    let user = crate::access::UserName::parse(name)?;
    if !store.set_disabled(&user, disabled)? {
        bail!("no user {user}");
    }
    cli_audit(
        &store,
        if disabled {
            "user_disable"
        } else {
            "user_enable"
        },
        user.to_string(),
    )?;
    println!("{user} {}", if disabled { "disabled" } else { "enabled" });
    Ok(())
}

pub(super) fn tokens_command(action: TokensCommand) -> anyhow::Result<ExitCode> {
    use crate::access;
    match action {
        TokensCommand::Create {
            name,
            days,
            label,
            db,
        } => {
            if !(1..=3660).contains(&days) {
                bail!("--days: from 1 to 3660");
            }
            let store = open_store(&db.db)?;
            let user = access::UserName::parse(&name)?;
            let token = access::IssuedToken::new();
            let now = chrono::Utc::now().naive_utc();
            store.create_token(
                &token.id,
                &user,
                &access::digest(&token.secret),
                label.as_deref(),
                now,
                now + chrono::TimeDelta::days(days),
            )?;
            cli_audit(&store, "token_create", format!("{} for {user}", token.id))?;
            println!(
                "token {} for {user}, expires in {days} days (shown once):",
                token.id
            );
            println!("{}", token.bearer());
        }
        TokensCommand::Revoke { id, db } => {
            let store = open_store(&db.db)?;
            if !store.revoke_token(&id, chrono::Utc::now().naive_utc())? {
                bail!("no live token {id}");
            }
            cli_audit(&store, "token_revoke", id.clone())?;
            println!("token {id} revoked");
        }
        TokensCommand::List { db } => {
            let store = open_store(&db.db)?;
            for t in store.tokens()? {
                println!(
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
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
