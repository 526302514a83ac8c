//! Users, sessions, API tokens and the append-only audit log.

use chrono::NaiveDateTime;
use duckdb::{params, params_from_iter, OptionalExt};

use super::connection::Store;
use super::error::{Result, StoreError};
use crate::access::{constant_time_eq, Principal, UserName};
use crate::model::Role;

/// One account as listed (never its password hash).
#[derive(Clone, Debug, serde::Serialize)]
pub struct UserRow {
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
}

/// One API token as listed (never its secret).
#[derive(Clone, Debug, serde::Serialize)]
pub struct TokenRow {
    pub id: String,
    pub user: String,
    pub label: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// What the sign-in check needs.
pub struct SigninRecord {
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
}

/// One audit event.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub at: Option<NaiveDateTime>,
    pub actor: Option<String>,
    pub role: Option<String>,
    /// `signin`, `signin_failed`, `signout`, `layer`, `download`, `report_detail`,
    /// `submit`, `user_add`, `user_disable`, `user_enable`, `token_create`,
    /// `token_revoke`, `denied`, `audit_export`.
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub rows: Option<i64>,
    pub address: Option<String>,
    /// `ok`, `failed`, `denied`, `throttled`.
    pub outcome: String,
}

/// A stored audit event with its sequence number.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AuditRow {
    pub seq: i64,
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// Which audit events to list.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub limit: Option<u32>,
}

fn role_of(text: &str) -> duckdb::Result<Role> {
    text.parse::<Role>().map_err(|e| {
        duckdb::Error::FromSqlConversionFailure(
            0,
            duckdb::types::Type::Text,
            Box::<dyn std::error::Error + Send + Sync>::from(e),
        )
    })
}

impl Store {
    /// Adds an account. A name already taken is an error naming it.
    pub fn add_user(
        &self,
        name: &UserName,
        role: Role,
        password_hash: &str,
        now: NaiveDateTime,
    ) -> Result<()> {
        let taken: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM users WHERE name = ?",
                params![name.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err("read users"))?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!("user {name} exists already")));
        }
        self.conn
            .execute(
                "INSERT INTO users (name, role, password_hash, disabled, created_at) VALUES (?, ?, ?, false, ?)",
                params![name.as_str(), role.as_str(), password_hash, now],
            )
            .map_err(self.err("add user"))?;
        Ok(())
    }

    pub fn users(&self) -> Result<Vec<UserRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, role, disabled, created_at FROM users ORDER BY name")
            .map_err(self.err("prepare users"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(UserRow {
                    name: r.get(0)?,
                    role: role_of(&r.get::<_, String>(1)?)?,
                    disabled: r.get(2)?,
                    created_at: r.get(3)?,
                })
            })
            .map_err(self.err("query users"))?;
        rows.collect::<duckdb::Result<Vec<_>>>()
            .map_err(self.err("read users"))
    }

    /// Disables or enables an account; a disabled account's sessions are ended.
    /// `false` when there is no such account.
    pub fn set_disabled(&self, name: &UserName, disabled: bool) -> Result<bool> {
        let changed = self
            .conn
            .execute(
                "UPDATE users SET disabled = ? WHERE name = ?",
                params![disabled, name.as_str()],
            )
            .map_err(self.err("update user"))?;
        if disabled {
            self.conn
                .execute(
                    "DELETE FROM sessions WHERE user_name = ?",
                    params![name.as_str()],
                )
                .map_err(self.err("end sessions"))?;
        }
        Ok(changed > 0)
    }

    /// Sets a new password hash (and ends the account's sessions).
    pub fn set_password(&self, name: &UserName, password_hash: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE users SET password_hash = ? WHERE name = ?",
                params![password_hash, name.as_str()],
            )
            .map_err(self.err("set password"))?;
        self.conn
            .execute(
                "DELETE FROM sessions WHERE user_name = ?",
                params![name.as_str()],
            )
            .map_err(self.err("end sessions"))?;
        Ok(())
    }

    pub fn signin_record(&self, name: &UserName) -> Result<Option<SigninRecord>> {
        self.conn
            .query_row(
                "SELECT role, password_hash, disabled FROM users WHERE name = ?",
                params![name.as_str()],
                |r| {
                    Ok(SigninRecord {
                        role: role_of(&r.get::<_, String>(0)?)?,
                        password_hash: r.get(1)?,
                        disabled: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(self.err("read user"))
    }

    /// True when an enabled admin account exists.
    pub fn has_admin(&self) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(self.err("count admins"))
    }

    pub fn create_session(
        &self,
        user: &str,
        id_digest: &str,
        csrf: &str,
        now: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO sessions (id_digest, user_name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                params![id_digest, user, csrf, now, expires_at],
            )
            .map_err(self.err("create session"))?;
        Ok(())
    }

    /// The signed-in user of a live session of an enabled account.
    pub fn session(&self, id_digest: &str, now: NaiveDateTime) -> Result<Option<Principal>> {
        self.conn
            .query_row(
                "SELECT u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.name = s.user_name \
                 WHERE s.id_digest = ? AND s.expires_at > ? AND NOT u.disabled",
                params![id_digest, now],
                |r| {
                    Ok(Principal {
                        user: r.get(0)?,
                        role: role_of(&r.get::<_, String>(1)?)?,
                        csrf: Some(r.get(2)?),
                        token_id: None,
                    })
                },
            )
            .optional()
            .map_err(self.err("read session"))
    }

    pub fn delete_session(&self, id_digest: &str) -> Result<()> {
        self.conn
            .execute(
                "DELETE FROM sessions WHERE id_digest = ?",
                params![id_digest],
            )
            .map_err(self.err("end session"))?;
        Ok(())
    }

    pub fn create_token(
        &self,
        id: &str,
        user: &UserName,
        secret_digest: &str,
        label: Option<&str>,
        now: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> Result<()> {
        if self.signin_record(user)?.is_none() {
            return Err(StoreError::Conflict(format!("no user {user}")));
        }
        self.conn
            .execute(
                "INSERT INTO api_tokens (id, user_name, secret_digest, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                params![id, user.as_str(), secret_digest, label, now, expires_at],
            )
            .map_err(self.err("create token"))?;
        Ok(())
    }

    /// The user of a live (unexpired, unrevoked) token of an enabled account
    /// whose secret digest matches.
    pub fn token(
        &self,
        id: &str,
        secret_digest: &str,
        now: NaiveDateTime,
    ) -> Result<Option<Principal>> {
        let found: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT u.name, u.role, t.secret_digest FROM api_tokens t JOIN users u ON u.name = t.user_name \
                 WHERE t.id = ? AND t.revoked_at IS NULL AND t.expires_at > ? AND NOT u.disabled",
                params![id, now],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(self.err("read token"))?;
        let Some((user, role, stored)) = found else {
            return Ok(None);
        };
        if !constant_time_eq(&stored, secret_digest) {
            return Ok(None);
        }
        let role = role_of(&role).map_err(self.err("read token role"))?;
        Ok(Some(Principal {
            user,
            role,
            csrf: None,
            token_id: Some(id.to_owned()),
        }))
    }

    /// Revokes a token; `false` when there is no such live token.
    pub fn revoke_token(&self, id: &str, now: NaiveDateTime) -> Result<bool> {
        let n = self
            .conn
            .execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                params![now, id],
            )
            .map_err(self.err("revoke token"))?;
        Ok(n > 0)
    }

    pub fn tokens(&self) -> Result<Vec<TokenRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, user_name, label, created_at, expires_at, revoked_at FROM api_tokens ORDER BY created_at, id")
            .map_err(self.err("prepare tokens"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(TokenRow {
                    id: r.get(0)?,
                    user: r.get(1)?,
                    label: r.get(2)?,
                    created_at: r.get(3)?,
                    expires_at: r.get(4)?,
                    revoked_at: r.get(5)?,
                })
            })
            .map_err(self.err("query tokens"))?;
        rows.collect::<duckdb::Result<Vec<_>>>()
            .map_err(self.err("read tokens"))
    }

    /// Appends audit events in one transaction.
    pub fn append_audit(&self, entries: &[AuditEntry], now: NaiveDateTime) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let run = || -> duckdb::Result<()> {
            self.conn.execute_batch("BEGIN TRANSACTION")?;
            {
                let mut stmt = self.conn.prepare(
                    "INSERT INTO audit_log (occurred_at, actor, role, action, target, detail, rows, address, outcome) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )?;
                for e in entries {
                    stmt.execute(params![
                        e.at.unwrap_or(now),
                        e.actor,
                        e.role,
                        e.action,
                        e.target,
                        e.detail,
                        e.rows,
                        e.address,
                        e.outcome
                    ])?;
                }
            }
            self.conn.execute_batch("COMMIT")
        };
        run().map_err(|e| {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.err("append audit")(e)
        })
    }

    /// Audit events, newest first.
    pub fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
        let mut rows = Vec::new();
        self.for_each_audit(filter, |row| rows.push(row))?;
        Ok(rows)
    }

    /// The entries [`Store::audit`] answers, one at a time (an export of
    /// the whole log is not held in memory).
    pub fn for_each_audit(
        &self,
        filter: &AuditFilter,
        mut each: impl FnMut(AuditRow),
    ) -> Result<()> {
        let mut clauses = Vec::new();
        let mut values: Vec<duckdb::types::Value> = Vec::new();
        if let Some(actor) = &filter.actor {
            clauses.push("actor = ?");
            values.push(actor.clone().into());
        }
        if let Some(action) = &filter.action {
            clauses.push("action = ?");
            values.push(action.clone().into());
        }
        if let Some(from) = filter.from {
            clauses.push("occurred_at >= ?");
            values.push(duckdb::types::Value::Timestamp(
                duckdb::types::TimeUnit::Microsecond,
                from.and_utc().timestamp_micros(),
            ));
        }
        if let Some(to) = filter.to {
            clauses.push("occurred_at <= ?");
            values.push(duckdb::types::Value::Timestamp(
                duckdb::types::TimeUnit::Microsecond,
                to.and_utc().timestamp_micros(),
            ));
        }
        let clause = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        values.push(i64::from(filter.limit.unwrap_or(1000)).into());
        let sql = format!(
            "SELECT seq, occurred_at, actor, role, action, target, detail, rows, address, outcome FROM audit_log {clause} ORDER BY seq DESC LIMIT ?"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(self.err("prepare audit"))?;
        let rows = stmt
            .query_map(params_from_iter(values.iter()), |r| {
                Ok(AuditRow {
                    seq: r.get(0)?,
                    entry: AuditEntry {
                        at: r.get(1)?,
                        actor: r.get(2)?,
                        role: r.get(3)?,
                        action: r.get(4)?,
                        target: r.get(5)?,
                        detail: r.get(6)?,
                        rows: r.get(7)?,
                        address: r.get(8)?,
                        outcome: r.get(9)?,
                    },
                })
            })
            .map_err(self.err("query audit"))?;
        for row in rows {
            each(row.map_err(self.err("read audit"))?);
        }
        Ok(())
    }
}
