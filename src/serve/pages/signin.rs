//! `GET/POST /signin` and `POST /signout`: the sign-in form, the throttle, sessions.

use std::time::Instant;

use axum::extract::{Form, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::TimeDelta;
use maud::html;

use crate::access;
use crate::access::UserName;
use crate::serve::audit::now;
use crate::serve::error::PageResult;
use crate::serve::i18n::{t, Lang};
use crate::serve::layout::signed_out_page;
use crate::serve::session::{
    cookie, safe_next, secure, set_cookie, Caller, RequestLang, SESSION_COOKIE, SIGNIN_COOKIE,
};
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;
use crate::store::AuditEntry;

/// The form in the staff language; `message` is a message id.
fn signin_page(lang: Lang, next: &str, csrf: &str, message: Option<&str>) -> maud::Markup {
    let lang = lang.staff();
    // The language travels with the form, so its answer is in the same one.
    let action = if lang == Lang::En {
        "/signin".to_owned()
    } else {
        format!("/signin?lang={}", lang.code())
    };
    signed_out_page(
        lang,
        &t(lang, "signin-title"),
        &html! {
            main #main .signin {
                h1 { (t(lang, "signin-title")) }
                @if let Some(m) = message { p.error role="alert" { (t(lang, m)) } }
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="next" value=(next);
                    label for="name" { (t(lang, "signin-name")) }
                    input #name name="name" autocomplete="username" required;
                    label for="password" { (t(lang, "signin-password")) }
                    input #password name="password" type="password" autocomplete="current-password" required;
                    button type="submit" { (t(lang, "signin-button")) }
                }
            }
        },
    )
}

/// `GET /signin`: the form, with a pre-session CSRF cookie.
pub async fn signin_form(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    RequestLang(lang): RequestLang,
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
    form_with_token(&state, &headers, lang, &next, StatusCode::OK, None)
}

/// The sign-in form with its token ([`signin_token`]) in the page and in the
/// pre-session cookie, renewed for [`SIGNIN_TOKEN_SECONDS`].
fn form_with_token(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    next: &str,
    status: StatusCode,
    message: Option<&str>,
) -> Response {
    let csrf = signin_token(headers);
    let mut response = (status, signin_page(lang, next, &csrf, message)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(
            SIGNIN_COOKIE,
            &csrf,
            SIGNIN_TOKEN_SECONDS,
            secure(state, headers),
        ),
    );
    response
}

/// How long a sign-in form's token lasts.
const SIGNIN_TOKEN_SECONDS: i64 = 3600;

/// The pre-session token a sign-in form carries: the browser's own when it
/// already holds one of ours, so that two sign-in tabs (or a tab reloaded
/// after another was opened) share it and neither is refused; new otherwise.
/// Sharing is safe: the token only ties the form to this browser's cookie.
fn signin_token(headers: &HeaderMap) -> String {
    match cookie(headers, SIGNIN_COOKIE) {
        Some(t) if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) => t.to_owned(),
        _ => access::new_secret(),
    }
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
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
    Form(form): Form<SigninForm>,
) -> PageResult<Response> {
    let next = safe_next(form.next.as_deref());
    let name = form.name.trim().to_ascii_lowercase();
    let keys = [format!("user:{name}"), format!("addr:{address}")];
    let entry = |action: &str, outcome: &str| AuditEntry {
        actor: Some(name.clone()),
        action: action.to_owned(),
        address: Some(address.clone()),
        outcome: outcome.to_owned(),
        ..AuditEntry::default()
    };
    let pre = cookie(&headers, SIGNIN_COOKIE).unwrap_or("");
    if pre.is_empty() || !access::constant_time_eq(pre, &form.csrf) {
        // A form whose token has expired (an hour open) or was never this
        // browser's: refused, and the form shown again with a token that
        // works, rather than a bare error page. The password is not checked.
        state.audit(entry("signin", "refused-token"));
        return Ok(form_with_token(
            &state,
            &headers,
            lang,
            &next,
            StatusCode::FORBIDDEN,
            Some("signin-expired"),
        ));
    }
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
            signin_page(lang, &next, &form.csrf, Some("signin-throttled")),
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
            signin_page(lang, &next, &form.csrf, Some("signin-failed")),
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
