//! `GET/POST /report`: the public reporting page. No account, nothing asked or
//! kept that identifies the sender (no address in the audit, no cookie but the
//! form's CSRF token). What is sent waits in triage (`/triage`) and counts in
//! no layer until a tactical user accepts it.
//!
//! In front of it, in this order: a size limit, the overall and per-address
//! rate limits, the CSRF check, a honeypot field (a filled one is thanked and
//! dropped, so a bot learns nothing), the proof of work (or, from a browser
//! without JavaScript, a form open a few seconds within a small hourly
//! allowance: `access::ReportGate`), then the same checks a load makes (venue,
//! date, a place that can be found).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};

use crate::access;
use crate::access::{GateRefusal, Redeemed};
use crate::ingest::ParseContext;
use crate::model::{ExploitationType, Indicator, VenueType};
use crate::serve::assets;
use crate::serve::audit::now;
use crate::serve::error::{AppError, PageResult};
use crate::serve::i18n::{t, t_args, Lang};
use crate::serve::layout::public_page;
use crate::serve::query::{form_pairs, one, pairs};
use crate::serve::session::{cookie, secure, Caller, RequestLang};
use crate::serve::state::AppState;
use crate::store::AuditEntry;

/// The CSRF cookie of the public form (the only cookie the page sets).
const REPORT_COOKIE: &str = "hs_report";
/// Longest free text a member of the public may send.
pub(super) const DETAILS_LIMIT: usize = 2000;
/// The form's fields that become the report (input column names).
const REPORT_FIELDS: [&str; 9] = [
    "venue_type",
    "postcode",
    "town",
    "lat",
    "lng",
    "observed_on",
    "exploitation_type",
    "indicators",
    "notes",
];
/// The form's other fields.
const CONTROL_FIELDS: [&str; 4] = ["csrf", "challenge", "nonce", "website"];

/// A field's error message id, by the input column a load names.
pub(super) fn error_message(field: &str) -> (&'static str, &'static str) {
    match field {
        "venue_type" => ("venue_type", "error-venue"),
        "observed_on" => ("observed_on", "error-date"),
        "exploitation_type" => ("exploitation_type", "error-exploitation"),
        "indicators" => ("indicators", "error-indicators"),
        "notes" => ("notes", "error-details"),
        _ => ("location", "error-location"),
    }
}

/// `GET /report`: the form (or, after sending, what happens next).
pub async fn public_report_page(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    if one(&pairs(raw.as_deref()), "sent") == Some("1") {
        return thanks(lang).into_response();
    }
    fresh_form(
        &state,
        &headers,
        lang,
        &[],
        &BTreeMap::new(),
        StatusCode::OK,
    )
}

/// `GET /report/outline.geojson`: the UK outline for the page's map (the
/// base-map API needs an account; this is the same public shape).
pub async fn public_outline() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        crate::geo::UK_OUTLINE_GEOJSON,
    )
        .into_response()
}

/// The form with a new CSRF token and challenge.
fn fresh_form(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    values: &[(String, String)],
    errors: &BTreeMap<&'static str, String>,
    status: StatusCode,
) -> Response {
    let csrf = access::new_secret();
    let challenge = state.0.gate.challenge(now().and_utc().timestamp());
    let needs_script = !state.0.gate.takes_unproven();
    let mut response = (
        status,
        form_page(lang, values, errors, &csrf, &challenge, needs_script),
    )
        .into_response();
    let secure = if secure(state, headers) {
        "; Secure"
    } else {
        ""
    };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{REPORT_COOKIE}={csrf}; Path=/report; HttpOnly; SameSite=Strict; Max-Age=7200{secure}"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn form_page(
    lang: Lang,
    values: &[(String, String)],
    errors: &BTreeMap<&'static str, String>,
    csrf: &str,
    challenge: &str,
    needs_script: bool,
) -> Markup {
    let body = html! {
        main #main .form .public-report {
            h1 { (t(lang, "report-title")) }
            p.danger role="note" { strong { (t(lang, "report-danger")) } }
            p { (t(lang, "report-intro")) }
            p { (t(lang, "report-helpline")) }
            p { (t(lang, "report-privacy")) }
            (error_summary(lang, "errors-title", errors))
            p.hint { (t(lang, "report-required")) }
            form #report-form .public method="post" action=(format!("/report?lang={}", lang.code())) novalidate
                data-working=(t(lang, "pow-working")) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="challenge" value=(challenge);
                input #nonce type="hidden" name="nonce" value="";
                (report_fields(lang, values, errors, false))
                div.hp aria-hidden="true" {
                    label for="website" { (t(lang, "honeypot-label")) }
                    input #website type="text" name="website" tabindex="-1" autocomplete="off" value="";
                }
                @if needs_script {
                    noscript { p.error { (t(lang, "pow-needs-js")) } }
                }
                p #pow-status role="status" aria-live="polite" {}
                button type="submit" { (t(lang, "submit")) }
            }
        }
        script src=(assets::url("vendor/maplibre-gl/maplibre-gl.js")) {}
        script src=(assets::url("form.js")) {}
        script src=(assets::url("report.js")) {}
    };
    public_page(lang, &t(lang, "report-title"), &body, true)
}

/// The list of what is wrong, each linked to its field.
pub(super) fn error_summary(
    lang: Lang,
    title: &str,
    errors: &BTreeMap<&'static str, String>,
) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" tabindex="-1" {
                h2 { (t(lang, title)) }
                ul { @for (field, msg) in errors { li { a href=(format!("#{}", anchor(field))) { (msg) } } } }
            }
        }
    }
}

/// The element an error links to.
fn anchor(field: &str) -> &str {
    match field {
        "location" => "postcode",
        "form" => "report-form",
        "indicators" => "indicators-legend",
        other => other,
    }
}

/// The report's fields as the public page and the concern card share them.
/// `staff` adds what only staff fill in (the venue's name).
pub(super) fn report_fields(
    lang: Lang,
    values: &[(String, String)],
    errors: &BTreeMap<&'static str, String>,
    staff: bool,
) -> Markup {
    let value = |name: &str| one(values, name).unwrap_or("").to_owned();
    let checked = |name: &str, v: &str| values.iter().any(|(k, x)| k == name && x == v);
    let error = |name: &str| -> Markup {
        html! {
            @if let Some(msg) = errors.get(name) {
                span.error id=(format!("{name}-error")) { (msg) }
            }
        }
    };
    let described = |name: &str, hint: Option<&str>| -> Option<String> {
        let ids: Vec<String> = hint
            .map(str::to_owned)
            .into_iter()
            .chain(errors.contains_key(name).then(|| format!("{name}-error")))
            .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    let invalid = |name: &str| errors.contains_key(name).then_some("true");
    let today = chrono::Local::now().date_naive().to_string();
    html! {
        div.field {
            label for="venue_type" { (t(lang, "venue-label")) " " span.req { (t(lang, "required")) } }
            select #venue_type name="venue_type" required aria-invalid=[invalid("venue_type")] aria-describedby=[described("venue_type", None)] {
                option value="" { (t(lang, "venue-choose")) }
                @for v in VenueType::ALL {
                    option value=(v.as_str()) selected[value("venue_type") == v.as_str()] { (t(lang, &format!("venue-{}", v.as_str()))) }
                }
            }
            (error("venue_type"))
        }
        @if staff {
            div.field {
                label for="venue_name" { (t(lang, "venue-name-label")) " " span.opt { (t(lang, "optional")) } }
                input #venue_name type="text" name="venue_name" value=(value("venue_name"));
            }
        }
        fieldset.location aria-describedby=[described("location", Some("where-hint"))] {
            legend { (t(lang, "where-legend")) " " span.req { (t(lang, "required")) } }
            p.hint #where-hint { (t(lang, if staff { "where-hint-staff" } else { "where-hint" })) }
            (error("location"))
            div.field {
                label for="postcode" { (t(lang, "postcode-label")) }
                span.hint #postcode-hint { (t(lang, "postcode-hint")) }
                input #postcode type="text" name="postcode" autocomplete="postal-code" value=(value("postcode")) aria-invalid=[invalid("location")] aria-describedby="postcode-hint";
            }
            div.field {
                label for="town" { (t(lang, "town-label")) }
                input #town type="text" name="town" value=(value("town")) aria-invalid=[invalid("location")];
            }
            @if staff {
                div.field {
                    label for="grid_ref" { (t(lang, "grid-ref-label")) }
                    span.hint #grid_ref-hint { (t(lang, "grid-ref-hint")) }
                    input #grid_ref type="text" name="grid_ref" autocapitalize="characters" spellcheck="false" value=(value("grid_ref")) aria-invalid=[invalid("location")] aria-describedby="grid_ref-hint";
                }
            }
            div #pick-map role="region" aria-label=(t(lang, "map-label")) data-outline=(if staff { "/api/v1/basemap/outline" } else { "/report/outline.geojson" }) {}
            div.field.latlng {
                label for="lat" { (t(lang, "lat-label")) }
                input #lat type="text" inputmode="decimal" name="lat" value=(value("lat"));
                label for="lng" { (t(lang, "lng-label")) }
                input #lng type="text" inputmode="decimal" name="lng" value=(value("lng"));
            }
        }
        div.field {
            label for="observed_on" { (t(lang, "when-label")) " " span.req { (t(lang, "required")) } }
            span.hint #observed_on-hint { (t(lang, "when-hint")) }
            input #observed_on type="date" name="observed_on" max=(today) required value=(value("observed_on")) aria-invalid=[invalid("observed_on")] aria-describedby=[described("observed_on", Some("observed_on-hint"))];
            (error("observed_on"))
        }
        fieldset.indicators {
            legend #indicators-legend { (t(lang, "seen-legend")) " " span.opt { (t(lang, "optional")) } }
            p.hint { (t(lang, "seen-hint")) }
            (error("indicators"))
            @for i in Indicator::ALL {
                label.check {
                    input type="checkbox" name="indicators" value=(i.as_str()) checked[checked("indicators", i.as_str())];
                    (t(lang, &format!("indicator-{}", i.as_str())))
                }
            }
        }
        div.field {
            label for="exploitation_type" { (t(lang, "exploitation-label")) " " span.opt { (t(lang, "optional")) } }
            select #exploitation_type name="exploitation_type" aria-invalid=[invalid("exploitation_type")] aria-describedby=[described("exploitation_type", None)] {
                @for e in ExploitationType::ALL {
                    option value=(e.as_str()) selected[value("exploitation_type") == e.as_str() || (value("exploitation_type").is_empty() && e.as_str() == "unknown")] { (t(lang, &format!("exploitation-{}", e.as_str()))) }
                }
            }
            (error("exploitation_type"))
        }
        div.field {
            label for="notes" { (t(lang, "details-label")) " " span.opt { (t(lang, "optional")) } }
            span.hint #notes-hint { (t_args(lang, "details-hint", &[("limit", DETAILS_LIMIT.into())])) }
            textarea #notes name="notes" rows="5" maxlength=(DETAILS_LIMIT) aria-invalid=[invalid("notes")] aria-describedby=[described("notes", Some("notes-hint"))] { (value("notes")) }
            (error("notes"))
        }
    }
}

fn thanks(lang: Lang) -> Markup {
    let body = html! {
        main #main .form .public-report {
            h1 { (t(lang, "thanks-title")) }
            p { (t(lang, "thanks-body")) }
            p.danger { strong { (t(lang, "thanks-danger")) } }
            p { (t(lang, "report-helpline")) }
            p { a href=(format!("/report?lang={}", lang.code())) { (t(lang, "thanks-another")) } }
        }
    };
    public_page(lang, &t(lang, "thanks-title"), &body, false)
}

/// An audit entry for the public page: no actor, no address, ever.
fn public_audit(outcome: &str, target: Option<String>) -> AuditEntry {
    AuditEntry {
        action: "public_report".into(),
        outcome: outcome.into(),
        target,
        ..AuditEntry::default()
    }
}

/// A refusal that says how long to wait, in whole seconds.
fn with_retry_after(mut response: Response, wait: std::time::Duration) -> Response {
    if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// `POST /report`.
pub async fn submit_public_report(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Caller(address): Caller,
    headers: HeaderMap,
    body: Body,
) -> PageResult<Response> {
    let refuse = |status: StatusCode, message: &str, values: &[(String, String)]| {
        let mut errors = BTreeMap::new();
        errors.insert("form", t(lang, message));
        fresh_form(&state, &headers, lang, values, &errors, status)
    };
    let Ok(bytes) = axum::body::to_bytes(body, state.config().public_max_bytes).await else {
        state.audit(public_audit("too_large", None));
        return Ok(refuse(StatusCode::PAYLOAD_TOO_LARGE, "error-details", &[]));
    };
    if let Err(GateRefusal::RateLimited(wait)) = state.0.gate.admit(&address) {
        state.audit(public_audit("throttled", None));
        let response = refuse(StatusCode::TOO_MANY_REQUESTS, "error-busy", &[]);
        return Ok(with_retry_after(response, wait));
    }
    let form = form_pairs(&headers, &bytes)?;
    let field = |name: &str| one(&form, name).unwrap_or("");
    if let Some((unknown, _)) = form.iter().find(|(k, _)| {
        !REPORT_FIELDS.contains(&k.as_str()) && !CONTROL_FIELDS.contains(&k.as_str())
    }) {
        return Err(AppError::bad(unknown, "unknown form field").into());
    }
    // What the sender typed comes back on a refused form; the controls do not.
    let typed: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| REPORT_FIELDS.contains(&k.as_str()))
        .cloned()
        .collect();
    let sent_csrf = field("csrf");
    let expected = cookie(&headers, REPORT_COOKIE).unwrap_or("");
    if expected.is_empty() || !access::constant_time_eq(expected, sent_csrf) {
        state.audit(public_audit("csrf", None));
        return Ok(refuse(StatusCode::FORBIDDEN, "error-expired", &typed));
    }
    if !field("website").is_empty() {
        // A bot: thanked like a person, and nothing kept.
        state.audit(public_audit("honeypot", None));
        return Ok(Redirect::to(&format!("/report?sent=1&lang={}", lang.code())).into_response());
    }
    let redeemed = state.0.gate.redeem(
        field("challenge"),
        field("nonce"),
        now().and_utc().timestamp(),
        &address,
    );
    let redeemed = match redeemed {
        Ok(redeemed) => redeemed,
        Err(GateRefusal::RateLimited(wait)) => {
            // This hour's forms without the proof of work are all used.
            state.audit(public_audit(
                "throttled",
                Some("without the proof of work".into()),
            ));
            let response = refuse(StatusCode::TOO_MANY_REQUESTS, "error-busy", &typed);
            return Ok(with_retry_after(response, wait));
        }
        Err(refusal) => {
            state.audit(public_audit("unsolved", Some(refusal.to_string())));
            let message = if refusal == GateRefusal::Expired {
                "error-expired"
            } else {
                "error-check"
            };
            return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, message, &typed));
        }
    };
    // The report in input columns: indicators joined as a file would have them.
    let mut record: Vec<(String, String)> = Vec::new();
    let mut indicators = Vec::new();
    let mut errors = BTreeMap::new();
    for (k, v) in &typed {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        if k == "indicators" {
            indicators.push(v.to_owned());
        } else if k == "notes" && v.chars().count() > DETAILS_LIMIT {
            errors.insert("notes", t(lang, "error-details"));
        } else {
            record.push((k.clone(), v.to_owned()));
        }
    }
    if !indicators.is_empty() {
        record.push(("indicators".into(), indicators.join(";")));
    }
    record.push(("source".into(), "public".into()));
    if one(&record, "venue_type").is_none() {
        errors.insert("venue_type", t(lang, "error-venue"));
    }
    if one(&record, "observed_on").is_none() {
        errors.insert("observed_on", t(lang, "error-date"));
    }
    if errors.is_empty() {
        let checked = record.clone();
        let verdict = tokio::task::spawn_blocking(move || {
            // Only checked here (stored when accepted, by a load that
            // hashes as its database does): any scheme will do.
            crate::ingest::check_record(
                &checked,
                &ParseContext::new(None, crate::model::ContentHashing::Xxh3),
            )
        })
        .await
        .map_err(AppError::internal)?;
        if let Err(reject) = verdict {
            let (field, message) = error_message(&reject.field);
            errors.insert(field, t(lang, message));
        }
    }
    if !errors.is_empty() {
        state.audit(public_audit("invalid", None));
        return Ok(fresh_form(
            &state,
            &headers,
            lang,
            &typed,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let json = serde_json::to_string(
        &record
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect::<serde_json::Map<_, _>>(),
    )
    .map_err(AppError::internal)?;
    let code = lang.code();
    let id = state
        .write(move |store| {
            let without_work = redeemed == Redeemed::Waited;
            Ok(store.queue_public_report(now(), code, &json, without_work)?)
        })
        .await?;
    let how = match redeemed {
        Redeemed::Worked => "",
        Redeemed::Waited => ", sent without the proof of work",
    };
    state.audit(public_audit(
        "queued",
        Some(format!("public report {id}{how}")),
    ));
    let mut response =
        Redirect::to(&format!("/report?sent=1&lang={}", lang.code())).into_response();
    // The token is spent with the report.
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{REPORT_COOKIE}=; Path=/report; HttpOnly; SameSite=Strict; Max-Age=0"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}
