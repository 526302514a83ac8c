//! `GET/POST /reports/new`: the report form for members of the public and staff.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};

use super::public::{error_message, error_summary, report_fields};
use crate::ingest::Format;
use crate::serve::api::Submission;
use crate::serve::assets;
use crate::serve::error::{AppError, PageResult};
use crate::serve::i18n::t;
use crate::serve::layout::page;
use crate::serve::query::{one, pairs};
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;

/// The fields of the form, in order, with their labels.
const FORM_FIELDS: [(&str, &str); 11] = [
    ("venue_type", "Venue type"),
    ("venue_name", "Venue name"),
    ("observed_on", "Date seen"),
    ("postcode", "Postcode"),
    ("town", "Town"),
    ("grid_ref", "OS grid reference"),
    ("lat", "Latitude"),
    ("lng", "Longitude"),
    ("exploitation_type", "Exploitation type"),
    ("indicators", "Indicators"),
    ("notes", "Notes"),
];

/// `GET /reports/new`.
pub async fn report_form(RawQuery(raw): RawQuery, viewer: Viewer) -> Markup {
    let q = pairs(raw.as_deref());
    let notice = match one(&q, "submitted") {
        Some("stored") => Some("concern-stored"),
        Some("duplicate") => Some("concern-duplicate"),
        _ => None,
    };
    form_page(&[], &BTreeMap::new(), notice, &viewer)
}

/// The concern card: the public page's fields and messages (so it reads in
/// every shipped language), and the venue's name and an OS grid reference,
/// which staff often have (a GLAA or council record of a farm names the field
/// by its grid reference).
fn form_page(
    values: &[(String, String)],
    errors: &BTreeMap<&'static str, String>,
    notice: Option<&str>,
    viewer: &Viewer,
) -> Markup {
    let lang = viewer.lang;
    let body = html! {
        main #main .form {
            h1 { (t(lang, "concern-title")) }
            @if let Some(n) = notice { p.notice role="status" { (t(lang, n)) } }
            (error_summary(lang, "concern-not-stored", errors))
            form #report-form method="post" action="/reports/new" novalidate {
                input type="hidden" name="csrf" value=(viewer.csrf.clone().unwrap_or_default());
                (report_fields(lang, values, errors, true))
                button type="submit" { (t(lang, "concern-submit")) }
            }
        }
        script src=(assets::url("vendor/maplibre-gl/maplibre-gl.js")) {}
        script src=(assets::url("form.js")) {}
    };
    page(
        &t(lang, "concern-title"),
        "form-page",
        &body,
        true,
        Some(viewer.nav_in(lang)),
    )
}

/// `POST /reports/new`: stored through the ingest path (source `concern_card`),
/// so the same rules and rejects apply; a reject is shown beside its field.
pub async fn submit_report_form(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let values = viewer.posted_form(&headers, &body)?;
    let mut report = serde_json::Map::new();
    let mut indicators = Vec::new();
    for (k, v) in values.iter().filter(|(k, _)| k != "csrf") {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "indicators" => indicators.push(v.to_owned()),
            name if FORM_FIELDS.iter().any(|(f, _)| *f == name) => {
                report.insert(name.to_owned(), v.into());
            }
            other => return Err(AppError::bad(other, "unknown form field").into()),
        }
    }
    if !indicators.is_empty() {
        report.insert("indicators".into(), indicators.join(";").into());
    }
    let mut line = serde_json::to_vec(&report).map_err(AppError::internal)?;
    line.push(b'\n');
    let summary = crate::serve::api::ingest_bytes(
        &state,
        Submission::body("web form", Format::Jsonl, line),
        "concern_card".to_owned(),
        &viewer.user,
    )
    .await?;
    let mut entry = viewer.audit(
        "submit",
        if summary.stored == 1 {
            "ok"
        } else {
            "rejected"
        },
    );
    entry.target = Some("web form".into());
    entry.rows = Some(summary.stored as i64);
    state.audit(entry);
    if summary.stored == 1 {
        return Ok(Redirect::to("/reports/new?submitted=stored").into_response());
    }
    if summary.duplicates == 1 {
        return Ok(Redirect::to("/reports/new?submitted=duplicate").into_response());
    }
    // The field's message in the page's language, with the load's own reason
    // (which names the value) after it.
    let lang = viewer.lang;
    let errors: BTreeMap<&'static str, String> = summary
        .rejects
        .into_iter()
        .map(|r| {
            let (field, message) = error_message(&r.field);
            (field, format!("{} ({})", t(lang, message), r.reason))
        })
        .collect();
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        form_page(&values, &errors, None, &viewer),
    )
        .into_response())
}
