//! Who is asking: sessions (cookie) and API tokens (bearer), the sign-in and
//! sign-out pages, CSRF checks, the sign-in throttle, and the audit trail.
//!
//! Every handler that reads data takes a [`Viewer`]; it cannot be built without
//! a live session or token, so an unauthenticated request never reaches a
//! handler's body: pages redirect to `/signin`, the API answers 401.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Form, FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDateTime, TimeDelta, Utc};
use maud::html;

use super::error::{AppError, Audience, PageResult};
use super::AppState;
use crate::access::{self, Principal, UserName};
use crate::model::Role;
use crate::store::{AuditEntry, Store};

pub const SESSION_COOKIE: &str = "hs_session";
const SIGNIN_COOKIE: &str = "hs_signin";

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// The signed-in caller of a request.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub role: Role,
    pub user: String,
    /// The session's CSRF token; `None` when signed in by API token.
    pub csrf: Option<String>,
    pub token_id: Option<String>,
    pub address: String,
}

impl Viewer {
    /// An audit entry by this viewer.
    pub fn audit(&self, action: &str, outcome: &str) -> AuditEntry {
        AuditEntry {
            actor: Some(self.user.clone()),
            role: Some(self.role.as_str().to_owned()),
            action: action.to_owned(),
            address: Some(self.address.clone()),
            outcome: outcome.to_owned(),
            detail: self.token_id.as_ref().map(|t| format!("token {t}")),
            ..AuditEntry::default()
        }
    }

    /// Checks a form's CSRF token against the session's.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), AppError> {
        match (&self.csrf, sent) {
            (Some(expected), Some(sent)) if access::constant_time_eq(expected, sent) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The caller's address: the socket's, or the proxy's `X-Forwarded-For` when
/// the config says to trust the proxy.
pub fn address(parts: &Parts, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(forwarded) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            return forwarded.trim().to_owned();
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "local".to_owned(), |c| c.0.ip().to_string())
}

/// Signed-in principals by cookie or token digest, with their expiry, so that a
/// cached layer is answered without a database round trip. Emptied whenever an
/// account, session or token changes.
#[derive(Default)]
pub struct PrincipalCache(std::sync::Mutex<HashMap<String, (Principal, NaiveDateTime)>>);

impl PrincipalCache {
    fn get(&self, key: &str, now: NaiveDateTime) -> Option<Principal> {
        let map = self.0.lock().ok()?;
        map.get(key)
            .filter(|(_, expires)| *expires > now)
            .map(|(p, _)| p.clone())
    }
    fn put(&self, key: String, p: Principal, expires: NaiveDateTime) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(key, (p, expires));
        }
    }
    pub fn clear(&self) {
        if let Ok(mut map) = self.0.lock() {
            map.clear();
        }
    }
}

/// A principal is re-checked against the database at least this often.
const RECHECK: TimeDelta = TimeDelta::seconds(60);

impl AppState {
    /// The principal of a request's bearer token or session cookie.
    pub(super) async fn authenticate(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<Principal>, AppError> {
        let now = now();
        if let Some(value) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            let Some(bearer) = value.strip_prefix("Bearer ") else {
                return Ok(None);
            };
            let Some((id, secret)) = access::IssuedToken::parse_bearer(bearer.trim()) else {
                return Ok(None);
            };
            let key = format!("t:{}", access::digest(bearer.trim()));
            if let Some(p) = self.0.principals.get(&key, now) {
                return Ok(Some(p));
            }
            let (id, digest) = (id.to_owned(), access::digest(secret));
            let found = self
                .accounts(move |s| Ok(s.token(&id, &digest, now)?))
                .await?;
            if let Some(p) = &found {
                self.0.principals.put(key, p.clone(), now + RECHECK);
            }
            return Ok(found);
        }
        let Some(secret) = cookie(headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        let digest = access::digest(secret);
        let key = format!("s:{digest}");
        if let Some(p) = self.0.principals.get(&key, now) {
            return Ok(Some(p));
        }
        let found = self.accounts(move |s| Ok(s.session(&digest, now)?)).await?;
        if let Some(p) = &found {
            self.0.principals.put(key, p.clone(), now + RECHECK);
        }
        Ok(found)
    }

    /// Runs `f` with the accounts connection on a blocking thread.
    pub(super) async fn accounts<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let store = state
                .0
                .accounts
                .lock()
                .map_err(|_| AppError::internal("accounts connection poisoned"))?;
            f(&store)
        })
        .await?
    }

    /// Queues an audit event (written in order by the audit thread).
    pub fn audit(&self, mut entry: AuditEntry) {
        entry.at.get_or_insert_with(now);
        if let Ok(tx) = self.0.audit.lock() {
            if tx.send(AuditMessage::Entry(entry)).is_err() {
                tracing::error!("audit writer has stopped");
            }
        }
    }

    /// Waits until every queued audit event is written.
    pub async fn flush_audit(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let sent = self
            .0
            .audit
            .lock()
            .is_ok_and(|a| a.send(AuditMessage::Flush(tx)).is_ok());
        if sent {
            let _ = rx.await;
        }
    }
}

pub enum AuditMessage {
    Entry(AuditEntry),
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// The audit writer: appends queued events, batching whatever has queued up
/// since the last write into one transaction.
pub fn spawn_audit_writer(store: Store) -> mpsc::Sender<AuditMessage> {
    let (tx, rx) = mpsc::channel::<AuditMessage>();
    std::thread::Builder::new()
        .name("audit".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = Vec::new();
                let mut flushes = Vec::new();
                let mut take = |m: AuditMessage| match m {
                    AuditMessage::Entry(e) => batch.push(e),
                    AuditMessage::Flush(done) => flushes.push(done),
                };
                take(first);
                while let Ok(more) = rx.try_recv() {
                    take(more);
                }
                if let Err(e) = store.append_audit(&batch, now()) {
                    tracing::error!(error = %e, lost = batch.len(), "audit write failed");
                }
                for done in flushes {
                    let _ = done.send(());
                }
            }
        })
        .ok();
    tx
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let api = parts.uri.path().starts_with("/api/");
        let principal = state
            .authenticate(&parts.headers)
            .await
            .map_err(|e| e.respond(if api { Audience::Api } else { Audience::Page }))?;
        let Some(p) = principal else {
            if api {
                let mut response = AppError::Unauthorized.respond(Audience::Api);
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"hotspots\""),
                );
                return Err(response);
            }
            let next = parts
                .uri
                .path_and_query()
                .map_or("/", axum::http::uri::PathAndQuery::as_str);
            let to = format!(
                "/signin?{}",
                serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
            );
            return Err(Redirect::to(&to).into_response());
        };
        Ok(Self {
            role: p.role,
            user: p.user,
            csrf: p.csrf,
            token_id: p.token_id,
            address: address(parts, state.config().trust_proxy),
        })
    }
}

/// The caller's address for handlers without a viewer (sign-in).
pub struct Caller(pub String);

impl FromRequestParts<AppState> for Caller {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(address(parts, state.config().trust_proxy)))
    }
}

fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config().secure_cookies
        || (state.config().trust_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https")))
}

fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Only same-site paths: `/x`, never `//host` or `https://…`.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

fn signin_page(next: &str, csrf: &str, message: Option<&str>) -> maud::Markup {
    super::pages::layout(
        "Sign in",
        &html! {
            main.signin {
                h1 { "Sign in" }
                @if let Some(m) = message { p.error role="alert" { (m) } }
                form method="post" action="/signin" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="next" value=(next);
                    label for="name" { "Name" }
                    input #name name="name" autocomplete="username" required;
                    label for="password" { "Password" }
                    input #password name="password" type="password" autocomplete="current-password" required;
                    button type="submit" { "Sign in" }
                }
            }
        },
    )
}

/// `GET /signin`: the form, with a pre-session CSRF cookie.
pub async fn signin_form(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let next = safe_next(
        pairs
            .iter()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.as_str()),
    );
    let csrf = access::new_secret();
    let mut response = signin_page(&next, &csrf, None).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(SIGNIN_COOKIE, &csrf, 3600, secure(&state, &headers)),
    );
    response
}

#[derive(serde::Deserialize)]
pub struct SigninForm {
    name: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// `POST /signin`: throttle, verify, start a session.
pub async fn signin(
    State(state): State<AppState>,
    Caller(address): Caller,
    headers: HeaderMap,
    Form(form): Form<SigninForm>,
) -> PageResult<Response> {
    let next = safe_next(form.next.as_deref());
    let pre = cookie(&headers, SIGNIN_COOKIE).unwrap_or("");
    if pre.is_empty() || !access::constant_time_eq(pre, &form.csrf) {
        return Err(AppError::Csrf.into());
    }
    let name = form.name.trim().to_ascii_lowercase();
    let keys = [format!("user:{name}"), format!("addr:{address}")];
    let entry = |action: &str, outcome: &str| AuditEntry {
        actor: Some(name.clone()),
        action: action.to_owned(),
        address: Some(address.clone()),
        outcome: outcome.to_owned(),
        ..AuditEntry::default()
    };
    let blocked = state
        .0
        .throttle
        .lock()
        .ok()
        .and_then(|mut t| t.blocked(&keys, Instant::now()));
    if let Some(wait) = blocked {
        state.audit(entry("signin", "throttled"));
        let mut response = (
            StatusCode::TOO_MANY_REQUESTS,
            signin_page(
                &next,
                &form.csrf,
                Some("Too many failed sign-ins. Wait and try again."),
            ),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(response);
    }
    let password = form.password;
    let lookup = UserName::parse(&name).ok();
    let role = state
        .accounts(move |s| {
            let record = match &lookup {
                Some(n) => s.signin_record(n)?,
                None => None,
            };
            // Verify even when there is no such account, so timing says nothing.
            let hash = record
                .as_ref()
                .map_or(access::dummy_hash(), |r| r.password_hash.as_str());
            let ok = access::verify_password(&password, hash);
            Ok(record.filter(|r| ok && !r.disabled).map(|r| r.role))
        })
        .await?;
    let Some(role) = role else {
        if let Ok(mut t) = state.0.throttle.lock() {
            t.fail(&keys, Instant::now());
        }
        state.audit(entry("signin", "failed"));
        return Ok((
            StatusCode::UNAUTHORIZED,
            signin_page(
                &next,
                &form.csrf,
                Some("That name and password do not match an active account."),
            ),
        )
            .into_response());
    };
    if let Ok(mut t) = state.0.throttle.lock() {
        t.succeed(&keys[0]);
    }
    let secret = access::new_secret();
    let csrf = access::new_secret();
    let hours = state.config().session_hours;
    let (digest, user) = (access::digest(&secret), name.clone());
    state
        .accounts(move |s| {
            let now = now();
            Ok(s.create_session(
                &user,
                &digest,
                &csrf,
                now,
                now + TimeDelta::hours(hours as i64),
            )?)
        })
        .await?;
    let mut e = entry("signin", "ok");
    e.role = Some(role.as_str().to_owned());
    state.audit(e);
    let secure = secure(&state, &headers);
    let mut response = Redirect::to(&next).into_response();
    let h = response.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &secret, hours as i64 * 3600, secure),
    );
    h.append(header::SET_COOKIE, set_cookie(SIGNIN_COOKIE, "", 0, secure));
    Ok(response)
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /signout`.
pub async fn signout(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> PageResult<Response> {
    viewer.check_csrf(form.csrf.as_deref())?;
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        let digest = access::digest(secret);
        state
            .accounts(move |s| Ok(s.delete_session(&digest)?))
            .await?;
        state.0.principals.clear();
    }
    state.audit(viewer.audit("signout", "ok"));
    let mut response = Redirect::to("/signin").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, secure(&state, &headers)),
    );
    Ok(response)
}
