//! `/premises` (the repeat-premises list), `/premises/{id}` (one premises'
//! timeline, its visits and the outcome form) and `/outcomes` (what visits
//! found, by hot-spot class). Analyst and above; outcomes recorded by tactical.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};

use crate::premises::{self, PremisesRow, PremisesSort};
use crate::serve::error::{AppError, PageResult};
use crate::serve::layout::page;
use crate::serve::query::{one, pairs};
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;

fn bin_label(bin: Option<i8>) -> String {
    match bin {
        None => "too coarse".into(),
        Some(b) if b > 0 => format!("hot (+{b})"),
        Some(b) if b < 0 => format!("cold ({b})"),
        Some(_) => "not significant".into(),
    }
}

/// `GET /premises`: premises with repeat reports, most reported first.
pub async fn premises_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> PageResult<Markup> {
    viewer.require(&state, viewer.role.sees_premises(), "premises")?;
    let mut q: Vec<(String, String)> = pairs(raw.as_deref())
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    if one(&q, "min_reports").is_none() {
        q.push(("min_reports".into(), "2".into()));
    }
    let request = premises::parse_premises(&q)?;
    let query = request.query.clone();
    let rows = state
        .read(move |store| Ok(premises::repeat_premises(store, &query)?))
        .await?;
    let mut entry = viewer.audit("premises", "ok");
    entry.target = Some("/premises".into());
    entry.rows = Some(rows.len() as i64);
    state.audit(entry);
    let value = |name: &str| one(&q, name).unwrap_or("").to_owned();
    let download = |format: &str| {
        let mut p = q.clone();
        p.retain(|(k, _)| k != "format" && k != "download");
        p.push(("format".into(), format.into()));
        p.push(("download".into(), "1".into()));
        format!(
            "/api/v1/premises?{}",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    };
    let body = html! {
        main #main .premises {
            h1 { "Repeat premises" }
            p { "Premises reported more than once, with the reports linked to them. A link says why it was made; "
                "a premises " em { "made from reports" } " matched no registered premises but several reports matched each other." }
            form method="get" action="/premises" {
                label { "From " input type="date" name="from" value=(value("from")); }
                label { " to " input type="date" name="to" value=(value("to")); }
                label { " Venue "
                    select name="venue" {
                        option value="" { "any" }
                        @for v in crate::model::VenueType::ALL {
                            option value=(v.as_str()) selected[value("venue") == v.as_str()] { (v.as_str()) }
                        }
                    }
                }
                label { " At least " input type="number" min="1" name="min_reports" value=(value("min_reports")) size="3"; " reports" }
                label { " Sort by "
                    select name="sort" {
                        @for s in ["reports", "incidents", "sources", "last_seen", "velocity", "name"] {
                            option value=(s) selected[request.query.sort == PremisesSort::parse(s).unwrap_or_default()] { (s) }
                        }
                    }
                }
                " " button type="submit" { "Show" }
            }
            p { (rows.len()) " premises. Download: "
                a href=(download("csv")) { "CSV" } " · " a href=(download("geojson")) { "GeoJSON" } }
            table {
                caption { "Premises by " (request.query.sort.as_str()) }
                thead { tr {
                    th scope="col" { "Premises" } th scope="col" { "Venue" } th scope="col" { "Reports" }
                    th scope="col" { "Incidents" } th scope="col" { "Sources" } th scope="col" { "Last seen" }
                    th scope="col" { "Last 90 days (previous 90)" } th scope="col" { "Top indicators" }
                    th scope="col" { "Cell" } th scope="col" { "Last visit" }
                } }
                tbody {
                    @for row in &rows { (premises_row(row)) }
                }
            }
        }
    };
    Ok(page("Premises", "", &body, false, Some(viewer.nav())))
}

fn premises_row(row: &PremisesRow) -> Markup {
    let p = &row.premises;
    let name = p.name.clone().unwrap_or_else(|| "(no name)".into());
    html! {
        tr {
            td { a href=(format!("/premises/{}", p.premises_id)) { (name) }
                @if p.origin == "reports" { " " small { "(made from reports)" } } }
            td { (p.venue_type) }
            td.num { (row.reports) }
            td.num { (row.incidents) }
            td.num { (row.sources) }
            td { (row.last_seen) }
            td.num { (row.reports_90d) " (" (row.reports_prev_90d) ")" }
            td { (row.top_indicators.join(", ")) }
            td { (bin_label(row.bin)) @if let Some(c) = &row.category { br; small { (c) } } }
            td { @if let Some(o) = &row.last_outcome { (o.visited_on) ": " (o.result) } @else { "none" } }
        }
    }
}

/// `GET /premises/{id}`: one premises' reports and visits, and (tactical) the outcome form.
pub async fn premises_detail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> PageResult<Markup> {
    viewer.require(&state, viewer.role.sees_premises(), "premises")?;
    let wanted = id.clone();
    let (row, visits) = state
        .read(move |store| {
            let query = crate::premises::PremisesQuery {
                premises_id: Some(wanted.clone()),
                ..crate::premises::PremisesQuery::default()
            };
            let row = premises::repeat_premises(store, &query)?.into_iter().next();
            let record = store
                .premises()?
                .into_iter()
                .find(|p| p.premises_id == wanted);
            let visits: Vec<_> = store
                .outcomes()?
                .into_iter()
                .filter(|o| o.premises_id.as_deref() == Some(wanted.as_str()))
                .collect();
            Ok((row.map(Ok).or_else(|| record.map(Err)), visits))
        })
        .await?;
    let Some(row) = row else {
        return Err(AppError::NotFound.into());
    };
    let mut entry = viewer.audit("premises_detail", "ok");
    entry.target = Some(id.clone());
    state.audit(entry);
    let record = match &row {
        Ok(r) => r.premises.clone(),
        Err(p) => p.clone(),
    };
    let saved = pairs(raw.as_deref())
        .iter()
        .any(|(k, v)| k == "recorded" && v == "1");
    let title = record
        .name
        .clone()
        .unwrap_or_else(|| record.premises_id.clone());
    let today = chrono::Local::now().date_naive();
    // The timeline: reports and visits, oldest first.
    let mut events: Vec<(chrono::NaiveDate, Markup)> = Vec::new();
    if let Ok(r) = &row {
        for rep in &r.timeline {
            events.push((
                rep.observed_on,
                html! {
                    td { "Report " (rep.source) " " (rep.report_id) }
                    td { (rep.exploitation_type) "; linked: " (rep.reason)
                        @if viewer.role.records_outcomes() {
                            form.inline method="post" action=(format!("/premises/{}/detach", record.premises_id)) {
                                input type="hidden" name="csrf" value=(viewer.csrf.clone().unwrap_or_default());
                                input type="hidden" name="source" value=(rep.source);
                                input type="hidden" name="report_id" value=(rep.report_id);
                                " " button type="submit" { "Not this premises" }
                            }
                        }
                    }
                },
            ));
        }
    }
    for v in &visits {
        events.push((
            v.visited_on,
            html! {
                td { strong { "Visit " (v.visit_id) } }
                td { (v.result) @if let Some(op) = &v.operation { " (" (op) ")" }
                    @if let Some(n) = v.potential_victims { "; potential victims " (n) } }
            },
        ));
    }
    events.sort_by_key(|e| e.0);
    let body = html! {
        main #main .premises {
            p { a href="/premises" { "← All premises" } }
            h1 { (title) }
            dl {
                dt { "Id" } dd { (record.premises_id) }
                dt { "Venue type" } dd { (record.venue_type) }
                dt { "Address" } dd { (record.address.clone().unwrap_or_default()) " " (record.postcode.clone().unwrap_or_default()) }
                dt { "Status" } dd { (record.status) }
                dt { "Origin" } dd { (if record.origin == "reports" { "made from reports" } else { "register" }) }
                @if let Some(into) = &record.merged_into { dt { "Merged into" } dd { a href=(format!("/premises/{into}")) { (into) } } }
                @if let Ok(r) = &row {
                    dt { "Reports" } dd { (r.reports) " in " (r.incidents) " incidents, from " (r.sources) " sources" }
                    dt { "First and last seen" } dd { (r.first_seen) " – " (r.last_seen) }
                    dt { "Median days between reports" } dd { (r.median_days_between.map_or("–".into(), |d| format!("{d:.0}"))) }
                    dt { "Hot-spot class of its cell" } dd { (bin_label(r.bin)) @if let Some(c) = &r.category { ", " (c) } }
                }
            }
            h2 { "Timeline" }
            table {
                caption { "Reports linked to this premises, and visits, oldest first" }
                thead { tr { th scope="col" { "Date" } th scope="col" { "What" } th scope="col" { "Detail" } } }
                tbody {
                    @for (day, cells) in &events { tr { td { (day) } (cells) } }
                }
            }
            @if viewer.role.records_outcomes() {
                h2 { "Same place, another id?" }
                form method="post" action=(format!("/premises/{}/merge", record.premises_id)) {
                    input type="hidden" name="csrf" value=(viewer.csrf.clone().unwrap_or_default());
                    p { label { "Merge premises " input name="other" required maxlength="200" placeholder="PR-00123"; " into this one" }
                        " " button type="submit" { "Merge" } }
                    p { small { "Its reports and visits count here from now on; relinking keeps the decision. Recorded in the audit log." } }
                }
                h2 { "Record a visit" }
                @if saved { p role="status" { "Visit recorded." } }
                form method="post" action=(format!("/premises/{}/outcomes", record.premises_id)) {
                    input type="hidden" name="csrf" value=(viewer.csrf.clone().unwrap_or_default());
                    p { label { "Visit id " input name="visit_id" required maxlength="200"; } }
                    p { label { "Date " input type="date" name="visited_on" required max=(today); } }
                    p { label { "Operation " input name="operation" maxlength="200"; } }
                    p { label { "Result "
                        select name="result" required {
                            @for r in crate::model::VisitResult::ALL { option value=(r.as_str()) { (r.as_str()) } }
                        }
                    } }
                    @for (name, label) in [("potential_victims", "Potential victims"), ("nrm_referrals", "NRM referrals"), ("arrests", "Arrests"), ("safeguarding_referrals", "Safeguarding referrals")] {
                        p { label { (label) " " input type="number" min="0" max="10000" name=(name); } }
                    }
                    p { label { "Notes " textarea name="notes" maxlength="20000" {} } }
                    button type="submit" { "Record visit" }
                }
            }
        }
    };
    Ok(page(&title, "", &body, false, Some(viewer.nav())))
}

/// `POST /premises/{id}/outcomes`: the form's visit, through the outcomes import.
pub async fn submit_outcome(
    State(state): State<AppState>,
    Path(id): Path<String>,
    viewer: Viewer,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    viewer.require(&state, viewer.role.records_outcomes(), "outcomes")?;
    let values = viewer.posted_form(&headers, &body)?;
    let mut outcome = serde_json::Map::new();
    outcome.insert("premises_id".into(), id.clone().into());
    for (k, v) in values.iter().filter(|(k, _)| k != "csrf") {
        match k.as_str() {
            "visit_id"
            | "visited_on"
            | "operation"
            | "result"
            | "potential_victims"
            | "nrm_referrals"
            | "arrests"
            | "safeguarding_referrals"
            | "notes" => {
                if !v.trim().is_empty() {
                    outcome.insert(k.clone(), v.trim().into());
                }
            }
            other => return Err(AppError::bad(other, "unknown form field").into()),
        }
    }
    let mut line = serde_json::to_vec(&outcome).map_err(AppError::internal)?;
    line.push(b'\n');
    let summary = crate::serve::api::record_outcomes(&state, "outcome form".into(), line).await?;
    let mut entry = viewer.audit(
        "outcomes",
        if summary.rejected == 0 {
            "ok"
        } else {
            "rejected"
        },
    );
    entry.target = Some(id.clone());
    entry.rows = Some(summary.stored as i64);
    state.audit(entry);
    if let Some(reject) = summary.rejects.first() {
        return Err(AppError::bad(&reject.field, reject.reason.clone()).into());
    }
    Ok(Redirect::to(&format!("/premises/{id}?recorded=1")).into_response())
}

/// `GET /outcomes`: hit rates by hot-spot class as the map stood before each visit.
pub async fn outcomes_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> PageResult<Markup> {
    viewer.require(&state, viewer.role.sees_premises(), "outcomes")?;
    let q: Vec<(String, String)> = pairs(raw.as_deref())
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let query = crate::serve::api::summary_query(&q)?;
    let computing = query.clone();
    let summary = state
        .read(move |store| Ok(premises::outcome_summary(store, &computing)?))
        .await?;
    state.audit(viewer.audit("outcomes_summary", "ok"));
    let value = |name: &str| one(&q, name).unwrap_or("").to_owned();
    let pct = |r: Option<f64>| r.map_or("–".into(), |r| format!("{:.0}%", r * 100.0));
    let ci = |c: Option<(f64, f64)>| {
        c.map_or("–".into(), |(lo, hi)| {
            format!("{:.0}–{:.0}%", lo * 100.0, hi * 100.0)
        })
    };
    let class_row = |label: String, rate: crate::premises::HitRate| {
        html! {
            tr { th scope="row" { (label) } td.num { (rate.visits) } td.num { (rate.positive) } td.num { (pct(rate.rate())) } td.num { (ci(rate.ci95())) } }
        }
    };
    let body = html! {
        main #main .outcomes {
            h1 { "Does the map send us to the right places?" }
            p { "Each visit is classed by the hot-spot map " strong { "as it stood the day before the visit" }
                " (Gi* over the reports of the " (query.window_days) " days before; nothing reported on or after the visit day counts, "
                "because a report prompted by the visit itself would flatter the map). A visit is " em { "positive" }
                " when it confirmed indicators or identified victims. The interval is Wilson's 95%: with few visits it is wide, and two classes "
                "whose intervals overlap may not really differ." }
            form method="get" action="/outcomes" {
                label { "Visits from " input type="date" name="from" value=(value("from")); }
                label { " to " input type="date" name="to" value=(value("to")); }
                label { " Map window (days) " input type="number" min="7" max="3650" name="window_days" value=(value("window_days")); }
                " " button type="submit" { "Show" }
            }
            table {
                caption { "Visits and finds by hot-spot class" }
                thead { tr { th scope="col" { "Class" } th scope="col" { "Visits" } th scope="col" { "Positive" } th scope="col" { "Hit rate" } th scope="col" { "95% interval" } } }
                tbody {
                    (class_row("Hot (bins +1 to +3)".into(), summary.hot()))
                    (class_row("Not hot (bins −3 to 0)".into(), summary.not_hot()))
                    @for bin in (-3i8..=3).rev() {
                        @if let Some(rate) = summary.bins.get(&bin) { (class_row(format!("bin {bin:+}"), *rate)) }
                    }
                }
            }
            table {
                caption { "By emerging hot-spot category of the visit's cell" }
                thead { tr { th scope="col" { "Category" } th scope="col" { "Visits" } th scope="col" { "Positive" } th scope="col" { "Hit rate" } th scope="col" { "95% interval" } } }
                tbody { @for (category, rate) in &summary.emerging { (class_row(category.clone(), *rate)) } }
            }
            h2 { "Predictive Accuracy Index" }
            @if let Some(p) = summary.pai {
                p { "Of the positive visits, " (format!("{:.0}%", p.hot_share_of_positive * 100.0)) " were in cells the map had hot the day before the period began; "
                    "those cells were " (format!("{:.1}%", p.hot_share_of_area * 100.0)) " of the study area. PAI = " strong { (format!("{:.1}", p.pai)) }
                    " (above 1: finds concentrate in the hot cells more than their area would predict)." }
            } @else {
                p { "Not defined: no positive visits in the period, or no hot cells." }
            }
            @if summary.unplaced > 0 { p { (summary.unplaced) " visits were located too coarsely for the map's resolution and are not counted." } }
        }
    };
    Ok(page("Outcomes", "", &body, false, Some(viewer.nav())))
}

/// A tactical decision from the premises page, checked, audited, then relinked.
async fn decide(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    body: &[u8],
    id: &str,
    make: impl FnOnce(&[(String, String)]) -> Result<crate::store::LinkDecision, AppError>,
) -> PageResult<Response> {
    viewer.require(state, viewer.role.records_outcomes(), "premises decisions")?;
    let values = viewer.posted_form(headers, body)?;
    let decision = make(&values)?;
    let actor = viewer.user.clone();
    let recorded = decision.clone();
    state
        .write(move |store| {
            store
                .record_link_decision(&recorded, &actor)
                .map_err(|e| match e {
                    crate::store::StoreError::Conflict(m) => AppError::bad("premises", m),
                    other => AppError::internal(other),
                })?;
            premises::relink(store)?;
            Ok(())
        })
        .await?;
    let mut entry = viewer.audit(
        match decision {
            crate::store::LinkDecision::Merge { .. } => "premises_merge",
            crate::store::LinkDecision::Detach { .. } => "premises_detach",
        },
        "ok",
    );
    entry.target = Some(match &decision {
        crate::store::LinkDecision::Merge { into, from } => format!("{from} into {into}"),
        crate::store::LinkDecision::Detach { source, report_id } => {
            format!("{source}/{report_id} from {id}")
        }
    });
    state.audit(entry);
    Ok(Redirect::to(&format!("/premises/{id}")).into_response())
}

/// `POST /premises/{id}/merge` (form field `other`): `other` is this premises.
pub async fn merge_premises(
    State(state): State<AppState>,
    Path(id): Path<String>,
    viewer: Viewer,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let into = id.clone();
    decide(&state, &viewer, &headers, &body, &id, move |values| {
        let other = one(values, "other")
            .ok_or_else(|| AppError::bad("other", "which premises is this one?"))?;
        Ok(crate::store::LinkDecision::Merge {
            into,
            from: other.trim().to_owned(),
        })
    })
    .await
}

/// `POST /premises/{id}/detach` (form fields `source`, `report_id`): the
/// report is about no premises, now and after every relink.
pub async fn detach_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    viewer: Viewer,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    decide(&state, &viewer, &headers, &body, &id, |values| {
        let field = |name: &str| {
            one(values, name)
                .map(str::to_owned)
                .ok_or_else(|| AppError::bad(name, "missing"))
        };
        Ok(crate::store::LinkDecision::Detach {
            source: field("source")?,
            report_id: field("report_id")?,
        })
    })
    .await
}
