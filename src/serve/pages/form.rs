//! `GET/POST /reports/new`: the report form for members of the public and staff.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};

use super::labels::label_of;
use crate::ingest::Format;
use crate::model::{ExploitationType, Indicator, VenueType};
use crate::serve::assets;
use crate::serve::error::{AppError, PageResult};
use crate::serve::layout::page;
use crate::serve::query::{one, pairs};
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;

/// The fields of the form, in order, with their labels.
const FORM_FIELDS: [(&str, &str); 10] = [
    ("venue_type", "Venue type"),
    ("venue_name", "Venue name"),
    ("observed_on", "Date seen"),
    ("postcode", "Postcode"),
    ("town", "Town"),
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
        Some("stored") => Some("Thank you: the report was stored."),
        Some("duplicate") => Some("This report was already stored; nothing was added."),
        _ => None,
    };
    form_page(&[], &BTreeMap::new(), notice, &viewer)
}

fn form_page(
    values: &[(String, String)],
    errors: &BTreeMap<String, String>,
    notice: Option<&str>,
    viewer: &Viewer,
) -> Markup {
    let value = |name: &str| one(values, name).unwrap_or("").to_owned();
    let checked = |name: &str, v: &str| values.iter().any(|(k, x)| k == name && x == v);
    let error = |name: &str| -> Markup {
        html! {
            @if let Some(msg) = errors.get(name) {
                span.error id=(format!("{name}-error")) role="alert" { (msg) }
            }
        }
    };
    let described = |name: &str| errors.contains_key(name).then(|| format!("{name}-error"));
    let body = html! {
        main #main .form {
            h1 { "New concern card" }
            @if let Some(n) = notice { p.notice role="status" { (n) } }
            @if !errors.is_empty() {
                div.error-summary role="alert" {
                    h2 { "The report was not stored" }
                    ul { @for (field, msg) in errors { li { a href=(format!("#{field}")) { (field_label(field)) ": " (msg) } } } }
                }
            }
            form #report-form method="post" action="/reports/new" novalidate {
                input type="hidden" name="csrf" value=(viewer.csrf.clone().unwrap_or_default());
                div.field {
                    label for="venue_type" { "Venue type" }
                    select #venue_type name="venue_type" aria-describedby=[described("venue_type")] {
                        option value="" { "Choose…" }
                        @for v in VenueType::ALL {
                            option value=(v.as_str()) selected[value("venue_type") == v.as_str()] { (label_of(v.as_str())) }
                        }
                    }
                    (error("venue_type"))
                }
                div.field {
                    label for="venue_name" { "Venue name (optional)" }
                    input #venue_name type="text" name="venue_name" value=(value("venue_name")) aria-describedby=[described("venue_name")];
                    (error("venue_name"))
                }
                div.field {
                    label for="observed_on" { "Date seen" }
                    input #observed_on type="date" name="observed_on" value=(value("observed_on")) aria-describedby=[described("observed_on")];
                    (error("observed_on"))
                }
                fieldset.location {
                    legend { "Location: a postcode, a town, or a point picked on the map" }
                    (error("location"))
                    div.field {
                        label for="postcode" { "Postcode" }
                        input #postcode type="text" name="postcode" autocomplete="postal-code" value=(value("postcode")) aria-describedby=[described("postcode")];
                        (error("postcode"))
                    }
                    div.field {
                        label for="town" { "Town" }
                        input #town type="text" name="town" value=(value("town")) aria-describedby=[described("town")];
                        (error("town"))
                    }
                    div.field.latlng {
                        label for="lat" { "Latitude" }
                        input #lat type="text" inputmode="decimal" name="lat" value=(value("lat")) aria-describedby=[described("lat")];
                        label for="lng" { "Longitude" }
                        input #lng type="text" inputmode="decimal" name="lng" value=(value("lng")) aria-describedby=[described("lng")];
                        (error("lat"))
                        (error("lng"))
                    }
                    div #pick-map role="region" aria-label="Click the map to pick the point" {}
                }
                div.field {
                    label for="exploitation_type" { "Exploitation type" }
                    select #exploitation_type name="exploitation_type" {
                        @for e in ExploitationType::ALL {
                            option value=(e.as_str()) selected[value("exploitation_type") == e.as_str() || (value("exploitation_type").is_empty() && e.as_str() == "unknown")] { (label_of(e.as_str())) }
                        }
                    }
                    (error("exploitation_type"))
                }
                fieldset.indicators {
                    legend { "Indicators seen" }
                    @for i in Indicator::ALL {
                        label.check {
                            input type="checkbox" name="indicators" value=(i.as_str()) checked[checked("indicators", i.as_str())];
                            (label_of(i.as_str()))
                        }
                    }
                    (error("indicators"))
                }
                div.field {
                    label for="notes" { "Notes" }
                    textarea #notes name="notes" rows="4" aria-describedby=[described("notes")] { (value("notes")) }
                    (error("notes"))
                }
                button type="submit" { "Submit report" }
            }
        }
        script src=(assets::url("vendor/maplibre-gl/maplibre-gl.js")) {}
        script src=(assets::url("form.js")) {}
    };
    page("New report", "form-page", &body, true, Some(viewer.nav()))
}

fn field_label(field: &str) -> &str {
    FORM_FIELDS.iter().find(|(f, _)| *f == field).map_or(
        if field == "location" {
            "Location"
        } else {
            field
        },
        |(_, l)| l,
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
        "web form".to_owned(),
        Format::Jsonl,
        line,
        "concern_card".to_owned(),
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
    let errors: BTreeMap<String, String> = summary
        .rejects
        .into_iter()
        .map(|r| (r.field, r.reason))
        .collect();
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        form_page(&values, &errors, None, &viewer),
    )
        .into_response())
}
