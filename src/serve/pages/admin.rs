//! `/admin`: users, API tokens and the audit log (admin role only).

use axum::extract::{Form, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{NaiveDate, TimeDelta};
use maud::{html, Markup};

use crate::access;
use crate::access::{IssuedToken, UserName};
use crate::model::Role;
use crate::serve::audit::now;
use crate::serve::error::{AppError, PageResult};
use crate::serve::http::{spool_writer, spooled_csv, SpoolWriter};
use crate::serve::i18n::{self, t};
use crate::serve::layout::staff_page;
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;
use crate::store::{AuditFilter, Store};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(admin_page))
        .route("/admin/users", post(add_user))
        .route("/admin/users/{name}/{action}", post(user_action))
        .route("/admin/tokens", post(create_token))
        .route("/admin/tokens/{id}/revoke", post(revoke_token))
        .route("/admin/audit", get(audit_page))
}

fn require_admin(state: &AppState, viewer: &Viewer, what: &str) -> Result<(), AppError> {
    if viewer.role.administers() {
        Ok(())
    } else {
        let mut e = viewer.audit("denied", "denied");
        e.target = Some(what.to_owned());
        state.audit(e);
        Err(AppError::Forbidden("administration"))
    }
}

fn csrf_field(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name="csrf" value=(viewer.csrf.clone().unwrap_or_default()); }
}

async fn render_admin(
    state: &AppState,
    viewer: &Viewer,
    notice: Option<Markup>,
) -> PageResult<Markup> {
    let (users, tokens) = state.accounts(|s| Ok((s.users()?, s.tokens()?))).await?;
    let now = now();
    let lang = viewer.lang.staff();
    let body = html! {
        main #main .admin {
            h1 { (t(lang, "admin-title")) }
            @if let Some(n) = notice { div.notice role="status" { (n) } }
            p { a href="/admin/audit" { (t(lang, "admin-audit-link")) } }
            h2 { (t(lang, "admin-users")) }
            div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "admin-accounts")) {
                table #users-table {
                    thead { tr { @for id in ["admin-name", "admin-role", "admin-status", "admin-created", "admin-action"] { th { (t(lang, id)) } } } }
                    tbody {
                        @for u in &users {
                            tr {
                                td { (u.name) } td { (u.role.as_str()) }
                                td { (t(lang, if u.disabled { "admin-disabled" } else { "admin-active" })) }
                                td { (i18n::date(lang, u.created_at.date())) }
                                td {
                                    form method="post" action=(format!("/admin/users/{}/{}", u.name, if u.disabled { "enable" } else { "disable" })) {
                                        (csrf_field(viewer))
                                        button type="submit" { (t(lang, if u.disabled { "admin-enable" } else { "admin-disable" })) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h3 { (t(lang, "admin-add-user")) }
            form #add-user method="post" action="/admin/users" {
                (csrf_field(viewer))
                label for="new-name" { (t(lang, "admin-name")) }
                input #new-name name="name" required;
                label for="new-role" { (t(lang, "admin-role")) }
                select #new-role name="role" {
                    @for r in [Role::Partnership, Role::Analyst, Role::Tactical, Role::Admin] {
                        option value=(r.as_str()) { (r.as_str()) }
                    }
                }
                p.hint { (t(lang, "admin-password-hint")) }
                button type="submit" { (t(lang, "admin-add")) }
            }
            h2 { (t(lang, "admin-tokens")) }
            div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "admin-tokens")) {
                table #tokens-table {
                    thead { tr { @for id in ["admin-id", "admin-user", "admin-label", "admin-expires", "admin-status", "admin-action"] { th { (t(lang, id)) } } } }
                    tbody {
                        @for token in &tokens {
                            tr {
                                td { code { (token.id) } } td { (token.user) } td { (token.label.clone().unwrap_or_default()) }
                                td { (i18n::date(lang, token.expires_at.date())) " " (token.expires_at.format("%H:%M")) }
                                td { (t(lang, if token.revoked_at.is_some() { "admin-revoked" } else if token.expires_at <= now { "admin-expired" } else { "admin-live" })) }
                                td {
                                    @if token.revoked_at.is_none() {
                                        form method="post" action=(format!("/admin/tokens/{}/revoke", token.id)) {
                                            (csrf_field(viewer))
                                            button type="submit" { (t(lang, "admin-revoke")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h3 { (t(lang, "admin-create-token")) }
            form #create-token method="post" action="/admin/tokens" {
                (csrf_field(viewer))
                label for="token-user" { (t(lang, "admin-user")) }
                input #token-user name="user" required;
                label for="token-days" { (t(lang, "admin-days")) }
                input #token-days name="days" type="number" min="1" max="366" value="90";
                label for="token-label" { (t(lang, "admin-label")) }
                input #token-label name="label";
                button type="submit" { (t(lang, "admin-create")) }
            }
        }
    };
    Ok(staff_page(
        &t(lang, "admin-title"),
        &body,
        viewer.nav_in(lang),
    ))
}

async fn admin_page(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    require_admin(&state, &viewer, "/admin")?;
    render_admin(&state, &viewer, None).await
}

#[derive(serde::Deserialize)]
struct AddUser {
    csrf: Option<String>,
    name: String,
    role: String,
}

async fn add_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<AddUser>,
) -> PageResult<Markup> {
    require_admin(&state, &viewer, "/admin/users")?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let name = UserName::parse(&form.name).map_err(|e| AppError::bad("name", e.to_string()))?;
    let role: Role = form
        .role
        .parse()
        .map_err(|e: String| AppError::bad("role", e))?;
    let password = access::generate_password();
    let hash = access::hash_password(&password).map_err(AppError::internal)?;
    let added = name.clone();
    state
        .accounts(move |s| {
            s.add_user(&added, role, &hash, now()).map_err(|e| match e {
                crate::store::StoreError::Conflict(m) => AppError::bad("name", m),
                other => other.into(),
            })
        })
        .await?;
    let mut e = viewer.audit("user_add", "ok");
    e.target = Some(format!("{name} ({})", role.as_str()));
    state.audit(e);
    let notice = html! { "Added " strong { (name) } " (" (role.as_str()) "). Password, shown once: " code #new-password { (password) } };
    render_admin(&state, &viewer, Some(notice)).await
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    csrf: Option<String>,
}

async fn user_action(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((name, action)): Path<(String, String)>,
    Form(form): Form<CsrfOnly>,
) -> PageResult<Markup> {
    require_admin(&state, &viewer, "/admin/users")?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(AppError::NotFound.into()),
    };
    let name = UserName::parse(&name).map_err(|e| AppError::bad("name", e.to_string()))?;
    let target = name.clone();
    let found = state
        .accounts(move |s| Ok(s.set_disabled(&target, disabled)?))
        .await?;
    if !found {
        return Err(AppError::NotFound.into());
    }
    state.0.principals.clear();
    let mut e = viewer.audit(
        if disabled {
            "user_disable"
        } else {
            "user_enable"
        },
        "ok",
    );
    e.target = Some(name.to_string());
    state.audit(e);
    render_admin(&state, &viewer, Some(html! { (name) " " (action) "d." })).await
}

#[derive(serde::Deserialize)]
struct CreateToken {
    csrf: Option<String>,
    user: String,
    days: Option<i64>,
    label: Option<String>,
}

async fn create_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CreateToken>,
) -> PageResult<Markup> {
    require_admin(&state, &viewer, "/admin/tokens")?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let user = UserName::parse(&form.user).map_err(|e| AppError::bad("user", e.to_string()))?;
    let days = form.days.unwrap_or(90);
    if !(1..=366).contains(&days) {
        return Err(AppError::bad("days", "from 1 to 366").into());
    }
    let token = IssuedToken::new();
    let (id, digest) = (token.id.clone(), access::digest(&token.secret));
    let label = form.label.filter(|l| !l.trim().is_empty());
    let owner = user.clone();
    state
        .accounts(move |s| {
            let now = now();
            s.create_token(
                &id,
                &owner,
                &digest,
                label.as_deref(),
                now,
                now + TimeDelta::days(days),
            )
            .map_err(|e| match e {
                crate::store::StoreError::Conflict(m) => AppError::bad("user", m),
                other => other.into(),
            })
        })
        .await?;
    let mut e = viewer.audit("token_create", "ok");
    e.target = Some(format!("{} for {user}", token.id));
    state.audit(e);
    let notice =
        html! { "Token for " (user) ", shown once: " code #new-token { (token.bearer()) } };
    render_admin(&state, &viewer, Some(notice)).await
}

async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> PageResult<Markup> {
    require_admin(&state, &viewer, "/admin/tokens")?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let revoked = id.clone();
    let found = state
        .accounts(move |s| Ok(s.revoke_token(&revoked, now())?))
        .await?;
    if !found {
        return Err(AppError::NotFound.into());
    }
    state.0.principals.clear();
    let mut e = viewer.audit("token_revoke", "ok");
    e.target = Some(id.clone());
    state.audit(e);
    render_admin(&state, &viewer, Some(html! { "Token " (id) " revoked." })).await
}

/// The audit entries `filter` selects as CSV in a scratch file; and how
/// many rows it holds.
fn spool_audit(store: &Store, filter: &AuditFilter) -> Result<(SpoolWriter, u64), AppError> {
    let mut w = spool_writer(store.scratch_file().map_err(AppError::internal)?);
    w.row([
        "seq", "at", "actor", "role", "action", "target", "detail", "rows", "address", "outcome",
    ])
    .map_err(AppError::internal)?;
    let mut rows = 0;
    let mut written = Ok(());
    store.for_each_audit(filter, |r| {
        if written.is_ok() {
            let e = r.entry;
            written = w.row([
                r.seq.to_string(),
                e.at.map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
                    .unwrap_or_default(),
                e.actor.unwrap_or_default(),
                e.role.unwrap_or_default(),
                e.action,
                e.target.unwrap_or_default(),
                e.detail.unwrap_or_default(),
                e.rows.map(|n| n.to_string()).unwrap_or_default(),
                e.address.unwrap_or_default(),
                e.outcome,
            ]);
            rows += 1;
        }
    })?;
    written.map_err(AppError::internal)?;
    Ok((w, rows))
}

/// `GET /admin/audit?actor=&action=&from=&to=&format=csv`.
async fn audit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    require_admin(&state, &viewer, "/admin/audit")?;
    // `lang` (the page's language) is read by the viewer, not a filter.
    let q = crate::serve::query::pairs(raw.as_deref());
    let mut filter = AuditFilter::default();
    let mut csv = false;
    let date = |field: &str, v: &str| {
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map_err(|_| AppError::bad(field, format!("{v:?} is not a date (YYYY-MM-DD)")))
    };
    for (k, v) in q.iter().filter(|(_, v)| !v.is_empty()) {
        match k.as_str() {
            "actor" => filter.actor = Some(v.clone()),
            "action" => filter.action = Some(v.clone()),
            "from" => filter.from = date("from", v)?.and_hms_opt(0, 0, 0),
            "to" => filter.to = date("to", v)?.and_hms_opt(23, 59, 59),
            "format" if v == "csv" => csv = true,
            "format" => return Err(AppError::bad("format", "csv or nothing").into()),
            other => {
                return Err(AppError::bad(
                    other,
                    "unknown parameter (actor, action, from, to, format)",
                )
                .into())
            }
        }
    }
    if csv {
        filter.limit = Some(u32::MAX);
    }
    // Everything queued so far is in the table before we read it.
    state.flush_audit().await;
    if csv {
        // Written to a scratch file as read, then streamed from it: a
        // year's log is more than a request should hold in memory.
        let query = filter.clone();
        let (spool, rows) = state.accounts(move |s| spool_audit(s, &query)).await?;
        let mut e = viewer.audit("audit_export", "ok");
        e.rows = Some(rows as i64);
        e.detail.clone_from(&raw);
        state.audit(e);
        return Ok(spooled_csv(spool, "hotspots-audit.csv").map_err(AppError::internal)?);
    }
    let query = filter.clone();
    let rows = state.accounts(move |s| Ok(s.audit(&query)?)).await?;
    let value = |name: &str| {
        q.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let csv_link = format!(
        "/admin/audit?{}",
        serde_urlencoded::to_string(
            q.iter()
                .filter(|(k, _)| k != "format")
                .chain(std::iter::once(&("format".to_owned(), "csv".to_owned())))
                .collect::<Vec<_>>()
        )
        .unwrap_or_default()
    );
    let lang = viewer.lang.staff();
    let body = html! {
        main #main .admin {
            h1 { (t(lang, "audit-title")) }
            form.picker method="get" action="/admin/audit" aria-label=(t(lang, "audit-filter")) {
                label for="actor" { (t(lang, "audit-who")) } input #actor name="actor" value=(value("actor"));
                label for="action" { (t(lang, "admin-action")) } input #action name="action" value=(value("action"));
                label for="from" { (t(lang, "audit-from")) } input #from type="date" name="from" value=(value("from"));
                label for="to" { (t(lang, "audit-to")) } input #to type="date" name="to" value=(value("to"));
                button type="submit" { (t(lang, "audit-filter-button")) }
            }
            p { a href=(csv_link) { (t(lang, "audit-csv")) } " · " (t(lang, "audit-shown")) }
            div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "audit-title")) {
                table #audit-table {
                    thead { tr {
                        th { "#" }
                        @for id in ["audit-when", "audit-who", "admin-role", "admin-action", "audit-target", "audit-detail", "audit-rows", "audit-address", "audit-outcome"] { th { (t(lang, id)) } }
                    } }
                    tbody {
                        @for r in &rows {
                            @let e = &r.entry;
                            tr {
                                td { (r.seq) }
                                // As the CSV and the date filters write it: a log is read by date.
                                td.date { (e.at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()) }
                                td { (e.actor.clone().unwrap_or_default()) }
                                td { (e.role.clone().unwrap_or_default()) }
                                td { (e.action) }
                                td { (e.target.clone().unwrap_or_default()) }
                                td { (e.detail.clone().unwrap_or_default()) }
                                td.num { (e.rows.map(|n| i18n::number(lang, n)).unwrap_or_default()) }
                                td { (e.address.clone().unwrap_or_default()) }
                                td { (e.outcome) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(staff_page(&t(lang, "audit-title"), &body, viewer.nav_in(lang)).into_response())
}
