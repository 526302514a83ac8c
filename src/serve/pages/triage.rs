//! `/triage`: public reports waiting for a tactical user, who accepts them
//! (setting the venue type, how precisely the location is kept, a grading) or
//! rejects them with a reason. An accepted report is loaded like any other
//! (source `public`, id `public-<n>`), so the same checks apply; both
//! decisions are audited.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde_json::Value;

use crate::ingest::Format;
use crate::model::{Grading, VenueType};
use crate::serve::api::Submission;
use crate::serve::error::{AppError, PageResult};
use crate::serve::i18n::{self, t, t_args, Lang};
use crate::serve::layout::staff_page;
use crate::serve::query::{one, pairs};
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;
use crate::store::{PublicDecision, PublicReport};

/// How much of a public report's location is kept when it is accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Precision {
    AsGiven,
    /// The postcode's outward code only (PE13): a district, not a street.
    Outward,
    /// The town only.
    Town,
}

impl Precision {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "as_given" => Some(Self::AsGiven),
            "outward" => Some(Self::Outward),
            "town" => Some(Self::Town),
            _ => None,
        }
    }
}

fn record_of(report: &PublicReport) -> serde_json::Map<String, Value> {
    serde_json::from_str(&report.record).unwrap_or_default()
}

fn text<'a>(record: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a str> {
    record
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `GET /triage`.
pub async fn triage_page(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    viewer.require(&state, viewer.role.triages(), "triage")?;
    let q = pairs(raw.as_deref());
    let lang = viewer.lang.staff();
    let notice = ["accepted", "rejected", "decided"]
        .into_iter()
        .find_map(|k| {
            one(&q, k).map(|id| {
                t_args(
                    lang,
                    &format!("triage-{k}"),
                    &[("id", id.to_owned().into())],
                )
            })
        });
    render(&state, &viewer, notice, None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let reports = state.read(|store| Ok(store.public_reports(false)?)).await?;
    let mut entry = viewer.audit("triage", "ok");
    entry.rows = Some(reports.len() as i64);
    state.audit(entry);
    let lang = viewer.lang.staff();
    let (pending, decided): (Vec<_>, Vec<_>) =
        reports.into_iter().partition(|r| r.status == "pending");
    let csrf = viewer.csrf.clone().unwrap_or_default();
    let body = html! {
        main #main .triage {
            h1 { (t(lang, "triage-title")) }
            p { (t(lang, "triage-intro")) }
            @if let Some(n) = &notice { p.notice role="status" { (n) } }
            @if let Some(p) = &problem { p.error role="alert" { (p) } }
            @if pending.is_empty() {
                p { (t(lang, "triage-empty")) }
            } @else {
                p { (t_args(lang, "triage-waiting", &[("count", (pending.len() as i64).into())])) }
            }
            @for r in &pending { (pending_card(lang, r, &csrf)) }
            @if !decided.is_empty() {
                h2 { (t(lang, "triage-decided-title")) " (" (i18n::number(lang, decided.len() as i64)) ")" }
                div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "triage-decided-title")) {
                    table.decided {
                        caption { (t(lang, "triage-decided-caption")) }
                        thead { tr { th scope="col" { "#" } th scope="col" { (t(lang, "triage-received")) } th scope="col" { (t(lang, "triage-decide")) } th scope="col" { (t(lang, "triage-by")) } th scope="col" { (t(lang, "triage-reason")) } } }
                        tbody {
                            @for r in decided.iter().take(50) {
                                tr {
                                    td { (r.id) }
                                    td { (i18n::date(lang, r.received_at.date())) }
                                    td { (t(lang, &format!("triage-status-{}", r.status))) @if let Some(id) = &r.report_id { " (" (id) ")" } }
                                    td { (r.decided_by.as_deref().unwrap_or("")) }
                                    td { (r.reason.as_deref().unwrap_or("")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok((
        status,
        staff_page(&t(lang, "triage-title"), &body, viewer.nav_in(lang)),
    )
        .into_response())
}

fn pending_card(lang: Lang, r: &PublicReport, csrf: &str) -> Markup {
    let record = record_of(r);
    let venue = text(&record, "venue_type").unwrap_or("other");
    let postcode = text(&record, "postcode");
    let town = text(&record, "town");
    let latlng = text(&record, "lat").zip(text(&record, "lng"));
    let sent_in = Lang::parse(&r.lang).unwrap_or_default();
    let id = r.id;
    html! {
        section.triage-card aria-labelledby=(format!("pr-{id}")) {
            h2 #(format!("pr-{id}")) { "#" (id) " · " (i18n::date(lang, r.received_at.date())) " " (r.received_at.format("%H:%M")) }
            dl {
                dt { (t(lang, "triage-language")) } dd lang=(sent_in.tag()) { (sent_in.native_name()) }
                dt { (t(lang, "triage-field-venue")) } dd { (t(lang, &format!("venue-{venue}"))) }
                dt { (t(lang, "triage-field-where")) }
                dd {
                    @if let Some(p) = postcode { (p) " " }
                    @if let Some(tw) = town { (tw) " " }
                    @if let Some((la, lo)) = latlng { "(" (la) ", " (lo) ")" }
                }
                dt { (t(lang, "triage-field-when")) } dd { (text(&record, "observed_on").unwrap_or("")) }
                dt { (t(lang, "triage-field-seen")) }
                dd {
                    @for code in text(&record, "indicators").unwrap_or("").split(';').filter(|c| !c.is_empty()) {
                        span.tag { (t(lang, &format!("indicator-{code}"))) } " "
                    }
                }
                dt { (t(lang, "triage-field-exploitation")) } dd { (t(lang, &format!("exploitation-{}", text(&record, "exploitation_type").unwrap_or("unknown")))) }
                @if let Some(notes) = text(&record, "notes") {
                    dt { (t(lang, "triage-field-details")) } dd.notes lang=(sent_in.tag()) { (notes) }
                }
                @if r.sent_without_work {
                    dt { (t(lang, "triage-field-sent")) } dd.without-work { (t(lang, "triage-without-work")) }
                }
            }
            form.accept method="post" action=(format!("/triage/{id}/accept")) {
                input type="hidden" name="csrf" value=(csrf);
                label for=(format!("venue-{id}")) { (t(lang, "triage-venue")) }
                select id=(format!("venue-{id}")) name="venue_type" {
                    @for v in VenueType::ALL {
                        option value=(v.as_str()) selected[v.as_str() == venue] { (t(lang, &format!("venue-{}", v.as_str()))) }
                    }
                }
                label for=(format!("precision-{id}")) { (t(lang, "triage-precision")) }
                select id=(format!("precision-{id}")) name="precision" {
                    option value="as_given" { (t(lang, "triage-precision-as_given")) }
                    @if postcode.is_some() { option value="outward" { (t(lang, "triage-precision-outward")) } }
                    @if town.is_some() { option value="town" { (t(lang, "triage-precision-town")) } }
                }
                label for=(format!("grading-{id}")) { (t(lang, "triage-grading")) " (1-3, A-E, P/C)" }
                input id=(format!("grading-{id}")) name="grading" type="text" size="5" placeholder="3EP";
                button type="submit" { (t(lang, "triage-accept")) }
            }
            form.reject method="post" action=(format!("/triage/{id}/reject")) {
                input type="hidden" name="csrf" value=(csrf);
                label for=(format!("reason-{id}")) { (t(lang, "triage-reason")) }
                input id=(format!("reason-{id}")) name="reason" type="text" required maxlength="500";
                button type="submit" { (t(lang, "triage-reject")) }
            }
        }
    }
}

/// The record an accepted public report is loaded as.
fn accepted_record(
    report: &PublicReport,
    venue: VenueType,
    precision: Precision,
    grading: Option<Grading>,
) -> Result<serde_json::Map<String, Value>, &'static str> {
    let mut record = record_of(report);
    record.insert("report_id".into(), format!("public-{}", report.id).into());
    record.insert("source".into(), "public".into());
    record.insert("venue_type".into(), venue.as_str().into());
    if let Some(g) = grading {
        record.insert("grading".into(), g.to_string().into());
    }
    match precision {
        Precision::AsGiven => {}
        Precision::Outward => {
            let postcode: crate::geo::Postcode = text(&record, "postcode")
                .ok_or("precision")?
                .parse()
                .map_err(|_| "precision")?;
            let outward = postcode.outward().to_owned();
            for k in ["lat", "lng", "town"] {
                record.remove(k);
            }
            record.insert("postcode".into(), outward.into());
        }
        Precision::Town => {
            text(&record, "town").ok_or("precision")?;
            for k in ["lat", "lng", "postcode"] {
                record.remove(k);
            }
        }
    }
    Ok(record)
}

/// `POST /triage/{id}/accept`.
pub async fn accept_public_report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    viewer.require(&state, viewer.role.triages(), "triage")?;
    let form = viewer.posted_form(&headers, &body)?;
    let lang = viewer.lang.staff();
    let venue = one(&form, "venue_type")
        .and_then(VenueType::parse)
        .ok_or_else(|| AppError::bad("venue_type", "choose a venue type"))?;
    let precision = Precision::parse(one(&form, "precision").unwrap_or("as_given"))
        .ok_or_else(|| AppError::bad("precision", "as_given, outward or town"))?;
    let grading = match one(&form, "grading")
        .map(str::trim)
        .filter(|g| !g.is_empty())
    {
        Some(g) => Some(Grading::parse(g).ok_or_else(|| {
            AppError::bad(
                "grading",
                "a 3x5x2 grading: source 1-3, intelligence A-E, handling P or C (e.g. 3EP)",
            )
        })?),
        None => None,
    };
    let Some(report) = state.read(move |s| Ok(s.public_report(id)?)).await? else {
        return Err(AppError::NotFound.into());
    };
    if report.status != "pending" {
        return Ok(Redirect::to(&format!("/triage?decided={id}")).into_response());
    }
    let record = accepted_record(&report, venue, precision, grading)
        .map_err(|f| AppError::bad(f, "the report has no such location to keep"))?;
    let mut line = serde_json::to_vec(&record).map_err(AppError::internal)?;
    line.push(b'\n');
    let summary = crate::serve::api::ingest_bytes(
        &state,
        Submission::body(format!("public report {id}"), Format::Jsonl, line),
        "public".to_owned(),
        &viewer.user,
    )
    .await?;
    let mut entry = viewer.audit("triage_accept", "ok");
    entry.target = Some(format!("public report {id}"));
    if summary.stored + summary.duplicates != 1 {
        let reason = summary.rejects.first().map_or_else(
            || "not stored".to_owned(),
            |r| format!("{}: {}", r.field, r.reason),
        );
        entry.outcome = "failed".into();
        entry.detail = Some(reason.clone());
        state.audit(entry);
        let problem = t_args(
            lang,
            "triage-not-stored",
            &[("id", id.to_string().into()), ("reason", reason.into())],
        );
        return render(
            &state,
            &viewer,
            None,
            Some(problem),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let decision = PublicDecision::Accepted {
        report_id: format!("public-{id}"),
    };
    let by = viewer.user.clone();
    let decided = state
        .write(move |s| {
            Ok(s.decide_public_report(id, &by, crate::serve::audit::now(), &decision)?)
        })
        .await?;
    entry.rows = Some(1);
    state.audit(entry);
    let key = if decided { "accepted" } else { "decided" };
    Ok(Redirect::to(&format!("/triage?{key}={id}")).into_response())
}

/// `POST /triage/{id}/reject`.
pub async fn reject_public_report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    viewer.require(&state, viewer.role.triages(), "triage")?;
    let form = viewer.posted_form(&headers, &body)?;
    let reason = one(&form, "reason").map_or("", str::trim);
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::bad("reason", "say why, in at most 500 characters").into());
    }
    let decision = PublicDecision::Rejected {
        reason: reason.to_owned(),
    };
    let by = viewer.user.clone();
    let found = state
        .read(move |s| Ok(s.public_report(id)?.is_some()))
        .await?;
    if !found {
        return Err(AppError::NotFound.into());
    }
    let decided = state
        .write(move |s| {
            Ok(s.decide_public_report(id, &by, crate::serve::audit::now(), &decision)?)
        })
        .await?;
    let mut entry = viewer.audit("triage_reject", if decided { "ok" } else { "failed" });
    entry.target = Some(format!("public report {id}"));
    entry.detail = Some(reason.to_owned());
    state.audit(entry);
    let key = if decided { "rejected" } else { "decided" };
    Ok(Redirect::to(&format!("/triage?{key}={id}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(record: &str) -> PublicReport {
        PublicReport {
            id: 7,
            received_at: chrono::NaiveDate::from_ymd_opt(2026, 11, 2)
                .and_then(|d| d.and_hms_opt(10, 0, 0))
                .expect("time"),
            lang: "lt".into(),
            record: record.into(),
            status: "pending".into(),
            decided_by: None,
            decided_at: None,
            reason: None,
            report_id: None,
            sent_without_work: false,
        }
    }

    #[test]
    fn precision_keeps_only_what_was_chosen() {
        let r = report(
            r#"{"venue_type":"other","postcode":"PE13 1AA","town":"Wisbech","lat":"52.66","lng":"0.16"}"#,
        );
        let g = Grading::parse("3EP");
        let out = accepted_record(&r, VenueType::CarWash, Precision::Outward, g).expect("outward");
        assert_eq!(text(&out, "postcode"), Some("PE13"));
        assert!(out.get("lat").is_none() && out.get("town").is_none());
        assert_eq!(text(&out, "venue_type"), Some("car_wash"));
        assert_eq!(text(&out, "report_id"), Some("public-7"));
        assert_eq!(text(&out, "grading"), Some("3EP"));
        let town = accepted_record(&r, VenueType::Farm, Precision::Town, None).expect("town");
        assert_eq!(text(&town, "town"), Some("Wisbech"));
        assert!(town.get("postcode").is_none() && town.get("lng").is_none());
        let bare = report(r#"{"venue_type":"farm","lat":"52.66","lng":"0.16"}"#);
        assert!(accepted_record(&bare, VenueType::Farm, Precision::Town, None).is_err());
        assert!(accepted_record(&bare, VenueType::Farm, Precision::AsGiven, None).is_ok());
    }
}
