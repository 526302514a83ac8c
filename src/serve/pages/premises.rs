//! `/premises` (the repeat-premises list), `/premises/{id}` (one premises'
//! timeline, its visits and the outcome form) and `/outcomes` (what visits
//! found, by hot-spot class). Analyst and above; outcomes recorded by tactical.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};

use super::labels::{address_line, label_in, p_relation, source_label};
use crate::geo::Gazetteer;
use crate::premises::{self, PremisesRow, PremisesSort, NO_REPORTS};
use crate::serve::error::{AppError, PageResult};
use crate::serve::i18n::{self, count_in, place_from, t, t_args, Lang};
use crate::serve::layout::staff_page;
use crate::serve::query::{one, pairs};
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;

fn bin_label(lang: Lang, bin: Option<i8>) -> String {
    match bin {
        None => t(lang, "prem-bin-coarse"),
        Some(b) if b > 0 => t_args(lang, "prem-bin-hot", &[("bin", format!("+{b}").into())]),
        Some(b) if b < 0 => t_args(lang, "prem-bin-cold", &[("bin", b.to_string().into())]),
        Some(_) => t(lang, "prem-bin-none"),
    }
}

/// An emerging category as the language writes it (and the summary's
/// [`NO_REPORTS`]); a code without a message as it is.
fn category_label(lang: Lang, category: &str) -> String {
    if category == NO_REPORTS {
        return t(lang, "out-no-reports");
    }
    i18n::lookup(lang, &format!("map-cat-{category}")).unwrap_or_else(|| category.to_owned())
}

/// A premises' address line, or "not known" (premises made from reports
/// have none) rather than a blank beside its heading.
fn address_or_unknown(lang: Lang, record: &crate::store::PremisesRecord) -> String {
    let line = address_line(record.address.as_deref(), record.postcode.as_deref());
    if line.is_empty() {
        t(lang, "prem-address-unknown")
    } else {
        line
    }
}

/// A visit's result as the language writes it: "2025-06-02: Victims identified".
fn last_visit(lang: Lang, outcome: Option<&crate::store::OutcomeRecord>) -> String {
    outcome.map_or_else(
        || t(lang, "prem-not-visited"),
        |o| format!("{}: {}", o.visited_on, label_in(lang, &o.result)),
    )
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
    // `page` is the page's own: the list's query (and its downloads, which
    // hold every premises) never see it.
    let page = page_number(&q)?;
    q.retain(|(k, _)| k != "page");
    if one(&q, "min_reports").is_none() {
        q.push(("min_reports".into(), "2".into()));
    }
    let request = premises::parse_premises(&q)?;
    let query = request.query.clone();
    let (rows, districts) = state
        .read(move |store| {
            Ok((
                premises::repeat_premises(store, &query)?,
                store.districts_present()?,
            ))
        })
        .await?;
    // The police forces holding reports: one can be the area the list keeps
    // (and the one its Gi* classes are worked out over).
    let gazetteer = Gazetteer::embedded();
    let forces = gazetteer.forces_of_districts(districts.iter().map(String::as_str));
    let pages = rows.len().div_ceil(PREMISES_PER_PAGE).max(1);
    if page > pages {
        return Err(AppError::bad(
            "page",
            format!("{page} is past the last page ({pages}) of this list"),
        )
        .into());
    }
    let first = (page - 1) * PREMISES_PER_PAGE;
    let shown = &rows[first..rows.len().min(first + PREMISES_PER_PAGE)];
    let mut entry = viewer.audit("premises", "ok");
    entry.target = Some("/premises".into());
    entry.rows = Some(shown.len() as i64);
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
    let page_link = |page: usize| {
        let mut p = q.clone();
        if page > 1 {
            p.push(("page".into(), page.to_string()));
        }
        format!(
            "/premises?{}",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    };
    let lang = viewer.lang.staff();
    let sort = request.query.sort.as_str();
    let paging = (pages > 1).then(|| {
        html! {
            nav.paging aria-label=(t(lang, "prem-pages")) {
                @if page > 1 { a rel="prev" href=(page_link(page - 1)) { (t(lang, "prem-page-previous")) } " " }
                (t_args(lang, "prem-page-of", &[("page", (page as i64).into()), ("pages", (pages as i64).into())]))
                @if page < pages { " " a rel="next" href=(page_link(page + 1)) { (t(lang, "prem-page-next")) } }
            }
        }
    });
    let body = html! {
        main #main .premises {
            h1 { (t(lang, "prem-title")) }
            p { (t(lang, "prem-intro")) }
            form method="get" action="/premises" {
                label { (t(lang, "prem-from")) " " input type="date" name="from" value=(value("from")); }
                label { " " (t(lang, "prem-to")) " " input type="date" name="to" value=(value("to")); }
                label { " " (t(lang, "prem-venue")) " "
                    select name="venue" {
                        option value="" { (t(lang, "prem-any")) }
                        @for v in crate::model::VenueType::ALL {
                            option value=(v.as_str()) selected[value("venue") == v.as_str()] { (label_in(lang, v.as_str())) }
                        }
                    }
                }
                @if !forces.is_empty() {
                    label { " " (t(lang, "towns-force")) " "
                        select name="force" {
                            option value="" { (t(lang, "towns-force-all")) }
                            @for (id, name) in &forces {
                                option value=(id) selected[value("force") == *id] { (name) }
                            }
                        }
                    }
                }
                label { " " (t(lang, "prem-at-least")) " " input type="number" min="1" name="min_reports" value=(value("min_reports")) size="3"; " " (t(lang, "prem-reports-word")) }
                label { " " (t(lang, "prem-sort")) " "
                    select name="sort" {
                        @for s in ["reports", "incidents", "sources", "last_seen", "velocity", "name"] {
                            option value=(s) selected[request.query.sort == PremisesSort::parse(s).unwrap_or_default()] { (t(lang, &format!("prem-sort-{s}"))) }
                        }
                    }
                }
                " " button type="submit" { (t(lang, "prem-show")) }
            }
            p #prem-count {
                @if pages > 1 {
                    (t_args(lang, "prem-count-paged", &[
                        ("count", i18n::number(lang, rows.len() as i64).into()),
                        ("first", i18n::number(lang, (first + 1) as i64).into()),
                        ("last", i18n::number(lang, (first + shown.len()) as i64).into()),
                    ]))
                } @else {
                    (t_args(lang, "prem-count", &[("count", i18n::number(lang, rows.len() as i64).into())]))
                }
                " " a href=(download("csv")) { "CSV" } " · " a href=(download("geojson")) { "GeoJSON" } }
            @if let Some(paging) = &paging { (paging) }
            div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "prem-col-premises")) {
                table {
                    caption { (t_args(lang, "prem-caption", &[("sort", t(lang, &format!("prem-sort-{sort}")).into())])) }
                    thead { tr {
                        @for id in ["premises", "venue", "near", "reports", "incidents", "sources", "last-seen", "90", "indicators", "cell", "visit"] {
                            th scope="col" { (t(lang, &format!("prem-col-{id}"))) }
                        }
                    } }
                    tbody {
                        @for row in shown { (premises_row(lang, row)) }
                    }
                }
            }
            @if let Some(paging) = &paging { (paging) }
        }
    };
    Ok(staff_page(
        &t(lang, "prem-title"),
        &body,
        viewer.nav_in(lang),
    ))
}

/// Premises a page of `/premises` lists: a force's list runs to thousands,
/// and a day of action is planned from its top.
const PREMISES_PER_PAGE: usize = 100;

/// The list's `page` (from 1), when given.
fn page_number(q: &[(String, String)]) -> Result<usize, AppError> {
    let pages: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "page")
        .map(|(_, v)| v.as_str())
        .collect();
    match pages.as_slice() {
        [] => Ok(1),
        [one] => one
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| AppError::bad("page", format!("{one:?} is not a page number from 1"))),
        _ => Err(AppError::bad("page", "given more than once")),
    }
}

fn premises_row(lang: Lang, row: &PremisesRow) -> Markup {
    let p = &row.premises;
    let name = p.name.clone().unwrap_or_else(|| t(lang, "prem-no-name"));
    html! {
        tr {
            td { a href=(format!("/premises/{}", p.premises_id)) { (name) }
                @if p.origin == "reports" { " " small { (t(lang, "prem-made-from-reports")) } }
                @let address = address_line(p.address.as_deref(), p.postcode.as_deref());
                @if !address.is_empty() { br; small.address { (address) } } }
            td { (label_in(lang, &p.venue_type)) }
            td.near { @if let Some(near) = &row.nearest_town { (place_from(lang, &near.town, Some((near.km, near.direction)))) } }
            td.num { (count_in(lang, row.reports)) }
            td.num { (count_in(lang, row.incidents)) }
            td.num { (count_in(lang, row.sources)) }
            td.date { (row.last_seen) }
            td.num { (count_in(lang, row.reports_90d)) " (" (count_in(lang, row.reports_prev_90d)) ")" }
            td { (row.top_indicators.iter().map(|i| label_in(lang, i)).collect::<Vec<_>>().join(", ")) }
            td { (bin_label(lang, row.bin)) @if let Some(c) = &row.category { br; small { (category_label(lang, c)) } } }
            td { (last_visit(lang, row.last_outcome.as_ref())) }
        }
    }
}

/// Reports a premises' timeline shows unless asked for all (`?timeline=all`).
const TIMELINE_REPORTS: usize = 100;

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
    let query = pairs(raw.as_deref());
    let saved = one(&query, "recorded") == Some("1");
    let whole_timeline = one(&query, "timeline") == Some("all");
    let title = record
        .name
        .clone()
        .unwrap_or_else(|| record.premises_id.clone());
    let today = chrono::Local::now().date_naive();
    let lang = viewer.lang.staff();
    // The timeline: reports and visits, newest first. A busy premises has
    // hundreds of reports; the newest are what a visit is planned on, so the
    // page shows those and every visit unless asked for the whole timeline.
    let mut events: Vec<(chrono::NaiveDate, Markup)> = Vec::new();
    let linked = row.as_ref().map_or(0, |r| r.timeline.len());
    let shown = if whole_timeline {
        linked
    } else {
        linked.min(TIMELINE_REPORTS)
    };
    if let Ok(r) = &row {
        let mut newest: Vec<_> = r.timeline.iter().collect();
        newest.sort_by_key(|r| std::cmp::Reverse(r.observed_on));
        for rep in newest.into_iter().take(shown) {
            events.push((
                rep.observed_on,
                html! {
                    td { (t_args(lang, "prem-report", &[("source", source_label(lang, &rep.source).into()), ("id", rep.report_id.clone().into())])) }
                    td { (label_in(lang, &rep.exploitation_type)) "; " (t_args(lang, "prem-linked", &[("reason", rep.reason.clone().into())]))
                        @if viewer.role.records_outcomes() {
                            form.inline method="post" action=(format!("/premises/{}/detach", record.premises_id)) {
                                input type="hidden" name="csrf" value=(viewer.csrf.clone().unwrap_or_default());
                                input type="hidden" name="source" value=(rep.source);
                                input type="hidden" name="report_id" value=(rep.report_id);
                                " " button type="submit" { (t(lang, "prem-not-this")) }
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
                td { strong { (t_args(lang, "prem-visit", &[("id", v.visit_id.clone().into())])) } }
                td { (label_in(lang, &v.result)) @if let Some(op) = &v.operation { " (" (op) ")" }
                    @if let Some(n) = v.potential_victims { "; " (t_args(lang, "prem-potential-victims-line", &[("count", i64::from(n).into())])) } }
            },
        ));
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.0));
    let here = format!("/premises/{}", record.premises_id);
    let body = html! {
        main #main .premises {
            p { a href="/premises" { (t(lang, "prem-all")) } }
            h1 { (title) }
            dl {
                dt { (t(lang, "prem-id")) } dd { (record.premises_id) }
                dt { (t(lang, "prem-venue-type")) } dd { (label_in(lang, &record.venue_type)) }
                dt { (t(lang, "prem-address")) } dd { (address_or_unknown(lang, &record)) }
                dt { (t(lang, "prem-status")) } dd { (i18n::lookup(lang, &format!("prem-status-{}", record.status)).unwrap_or_else(|| record.status.clone())) }
                dt { (t(lang, "prem-origin")) } dd { (t(lang, if record.origin == "reports" { "prem-origin-reports" } else { "prem-origin-register" })) }
                @if let Some(into) = &record.merged_into { dt { (t(lang, "prem-merged-into")) } dd { a href=(format!("/premises/{into}")) { (into) } } }
                @if let Ok(r) = &row {
                    dt { (t(lang, "prem-col-reports")) } dd { (t_args(lang, "prem-reports-line", &[("reports", (r.reports as i64).into()), ("incidents", (r.incidents as i64).into()), ("sources", (r.sources as i64).into())])) }
                    dt { (t(lang, "prem-first-last")) } dd { (r.first_seen) " – " (r.last_seen) }
                    dt { (t(lang, "prem-median-days")) } dd { (r.median_days_between.map_or("–".into(), |d| format!("{d:.0}"))) }
                    dt { (t(lang, "prem-class")) } dd { (bin_label(lang, r.bin)) @if let Some(c) = &r.category { ", " (category_label(lang, c)) } }
                }
                // The visits up top: below, a long timeline can bury them.
                dt { (t(lang, "prem-visits")) } dd #prem-visits {
                    @if let Some(newest) = visits.iter().max_by_key(|v| (v.visited_on, v.visit_id.as_str())) {
                        (t_args(lang, "prem-visits-line", &[
                            ("count", (visits.len() as i64).into()),
                            ("positive", (visits.iter().filter(|v| v.found_exploitation()).count() as i64).into()),
                            ("last", last_visit(lang, Some(newest)).into()),
                        ]))
                    } @else { (t(lang, "prem-not-visited")) }
                    @if viewer.role.records_outcomes() { " · " a href="#record" { (t(lang, "prem-record-title")) } }
                }
            }
            h2 #timeline { (t(lang, "prem-timeline")) }
            @if shown < linked {
                p { (t_args(lang, "prem-timeline-newest", &[("shown", (shown as i64).into()), ("total", (linked as i64).into())]))
                    " " a href=(format!("{here}?timeline=all#timeline")) { (t_args(lang, "prem-timeline-all", &[("total", (linked as i64).into())])) } }
            } @else if linked > TIMELINE_REPORTS {
                p { a href=(format!("{here}#timeline")) { (t_args(lang, "prem-timeline-fewer", &[("shown", (TIMELINE_REPORTS as i64).into())])) } }
            }
            div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "prem-timeline")) {
                table {
                    caption { (t(lang, "prem-timeline-caption")) }
                    thead { tr { th scope="col" { (t(lang, "prem-date")) } th scope="col" { (t(lang, "prem-what")) } th scope="col" { (t(lang, "prem-detail")) } } }
                    tbody {
                        @for (day, cells) in &events { tr { td.date { (day) } (cells) } }
                    }
                }
            }
            @if viewer.role.records_outcomes() {
                h2 { (t(lang, "prem-merge-title")) }
                form method="post" action=(format!("/premises/{}/merge", record.premises_id)) {
                    input type="hidden" name="csrf" value=(viewer.csrf.clone().unwrap_or_default());
                    p { label { (t(lang, "prem-merge-label")) " " input name="other" required maxlength="200" placeholder="PR-00123"; " " (t(lang, "prem-merge-into")) }
                        " " button type="submit" { (t(lang, "prem-merge")) } }
                    p { small { (t(lang, "prem-merge-hint")) } }
                }
                h2 #record { (t(lang, "prem-record-title")) }
                @if saved { p role="status" { (t(lang, "prem-recorded")) } }
                form method="post" action=(format!("/premises/{}/outcomes", record.premises_id)) {
                    input type="hidden" name="csrf" value=(viewer.csrf.clone().unwrap_or_default());
                    p { label { (t(lang, "prem-visit-id")) " " input name="visit_id" required maxlength="200"; } }
                    p { label { (t(lang, "prem-visit-date")) " " input type="date" name="visited_on" required max=(today); } }
                    p { label { (t(lang, "prem-operation")) " " input name="operation" maxlength="200"; } }
                    p { label { (t(lang, "prem-result")) " "
                        select name="result" required {
                            @for r in crate::model::VisitResult::ALL { option value=(r.as_str()) { (label_in(lang, r.as_str())) } }
                        }
                    } }
                    @for name in ["potential_victims", "nrm_referrals", "arrests", "safeguarding_referrals"] {
                        p { label { (t(lang, &format!("prem-{name}"))) " " input type="number" min="0" max="10000" name=(name); } }
                    }
                    p { label { (t(lang, "prem-notes")) " " textarea name="notes" maxlength="20000" {} } }
                    button type="submit" { (t(lang, "prem-record")) }
                }
            }
        }
    };
    Ok(staff_page(&title, &body, viewer.nav_in(lang)))
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
    let summary =
        crate::serve::api::record_outcomes(&state, "outcome form".into(), line, &viewer.user)
            .await?;
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
    Ok(Redirect::to(&format!("/premises/{id}?recorded=1#record")).into_response())
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
    let lang = viewer.lang.staff();
    let value = |name: &str| one(&q, name).unwrap_or("").to_owned();
    let pct = |r: Option<f64>| r.map_or("–".into(), |r| format!("{:.0}%", r * 100.0));
    let ci = |c: Option<(f64, f64)>| {
        c.map_or("–".into(), |(lo, hi)| {
            format!("{:.0}–{:.0}%", lo * 100.0, hi * 100.0)
        })
    };
    let class_row = |label: String, rate: crate::premises::HitRate| {
        html! {
            tr { th scope="row" { (label) } td.num { (count_in(lang, rate.visits)) } td.num { (count_in(lang, rate.positive)) } td.num { (pct(rate.rate())) } td.num { (ci(rate.ci95())) } }
        }
    };
    let body = html! {
        main #main .outcomes {
            h1 { (t(lang, "out-title")) }
            p { (t_args(lang, "out-intro", &[("days", i64::from(query.window_days).into())])) }
            form method="get" action="/outcomes" {
                label { (t(lang, "out-from")) " " input type="date" name="from" value=(value("from")); }
                label { " " (t(lang, "out-to")) " " input type="date" name="to" value=(value("to")); }
                label { " " (t(lang, "out-window")) " " input type="number" min="7" max="3650" name="window_days" value=(query.window_days); }
                " " button type="submit" { (t(lang, "prem-show")) }
            }
            div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "out-by-class")) {
                table {
                    caption { (t(lang, "out-class-caption")) }
                    thead { tr { th scope="col" { (t(lang, "out-class")) } (rate_headings(lang)) } }
                    tbody {
                        (class_row(t(lang, "out-hot"), summary.hot()))
                        (class_row(t(lang, "out-not-hot"), summary.not_hot()))
                        @for bin in (-3i8..=3).rev() {
                            @if let Some(rate) = summary.bins.get(&bin) { (class_row(t_args(lang, "out-bin", &[("bin", format!("{bin:+}").into())]), *rate)) }
                        }
                    }
                }
            }
            (comparison(lang, &summary))
            div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "out-by-category")) {
                table {
                    caption { (t(lang, "out-category-caption")) }
                    thead { tr { th scope="col" { (t(lang, "out-category")) } (rate_headings(lang)) } }
                    tbody { @for (category, rate) in summary.emerging_in_order() { (class_row(category_label(lang, category), rate)) } }
                }
            }
            h2 { (t(lang, "out-pai")) }
            @if let Some(p) = summary.pai {
                p { (t_args(lang, "out-pai-text", &[
                    ("positive", format!("{:.0}%", p.hot_share_of_positive * 100.0).into()),
                    ("area", format!("{:.1}%", p.hot_share_of_area * 100.0).into()),
                    ("pai", format!("{:.1}", p.pai).into()),
                ])) }
            } @else {
                p { (t(lang, "out-pai-none")) }
            }
            @if summary.unplaced > 0 { p { (t_args(lang, "out-unplaced", &[("count", (summary.unplaced as i64).into())])) } }
            @if let Some(areas) = &summary.areas {
                (areas_visited(lang, areas, viewer.role.records_outcomes().then_some(&query.layer)))
            }
        }
    };
    Ok(staff_page(
        &t(lang, "out-page-title"),
        &body,
        viewer.nav_in(lang),
    ))
}

/// The hotspot areas at the period's end and the visits each has had, the
/// ones none reached counted first: where the next day of action might go.
/// With `briefing` (the map's parameters; a role that may open briefings),
/// an area's name links to its briefing on the same map.
fn areas_visited(
    lang: Lang,
    areas: &premises::AreasVisited,
    briefing: Option<&crate::publish::LayerQuery>,
) -> Markup {
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX).into();
    let map = briefing.map(|layer| {
        format!(
            "&from={}&to={}&res={}&k={}&kernel={}&fdr={}",
            areas.from,
            areas.to,
            layer.res,
            layer.k,
            layer.kernel.as_str(),
            layer.fdr
        )
    });
    html! {
        section #out-areas {
            h2 { (t(lang, "out-areas")) }
            p { (t_args(lang, "out-areas-intro", &[
                ("from", areas.from.to_string().into()),
                ("to", areas.to.to_string().into()),
            ])) " " (t_args(lang, "out-areas-unvisited", &[
                ("count", count(areas.unvisited())),
                ("areas", count(areas.areas.len())),
            ])) }
            @if !areas.areas.is_empty() {
                div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "out-areas")) {
                    table {
                        caption { (t(lang, "out-areas-caption")) }
                        thead { tr {
                            @for id in ["out-area", "out-confidence", "prem-col-reports", "out-visits", "out-positive", "prem-col-visit"] {
                                th scope="col" { (t(lang, id)) }
                            }
                        } }
                        tbody {
                            @for row in &areas.areas {
                                @let area = &row.area;
                                @let near = area.nearest_town.as_deref().map_or_else(
                                    || area.area.id.clone(),
                                    |town| place_from(lang, town, area.from_town),
                                );
                                tr {
                                    @let name = t_args(lang, "map-area-near", &[("place", near.into())]);
                                    th scope="row" { @if let Some(map) = &map {
                                        a href=(format!("/briefing?area={}{map}", area.area.id)) { (name) }
                                    } @else { (name) } }
                                    td { (t(lang, &format!("map-bin-{}", area.area.bin))) }
                                    td.num { (count_in(lang, area.area.reports.reports)) }
                                    td.num { (count_in(lang, row.visits.visits)) }
                                    td.num { (count_in(lang, row.visits.positive)) }
                                    td { (last_visit(lang, row.last.as_ref())) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Hot visits against the others, in words: how many times as often they
/// found exploitation, the interval, and whether chance could explain it.
fn comparison(lang: Lang, summary: &premises::OutcomeSummary) -> Markup {
    let Some(compared) = summary.hot_against_not_hot() else {
        return html! { p #out-compare { (t(lang, "out-compare-no-visits")) } };
    };
    let percent = |r: premises::HitRate| format!("{:.0}%", r.rate().unwrap_or(0.0) * 100.0);
    let times = |x: f64| {
        if x >= 1.0 {
            format!("{x:.1}")
        } else {
            format!("{x:.2}")
        }
    };
    let p = || ("p", p_relation(compared.p).into());
    let found = match (compared.ratio, compared.ci95) {
        (Some(ratio), Some((lo, hi))) => t_args(
            lang,
            "out-compare",
            &[
                ("ratio", times(ratio).into()),
                ("lo", times(lo).into()),
                ("hi", times(hi).into()),
                p(),
            ],
        ),
        (Some(_), None) => t_args(
            lang,
            "out-compare-hot-none",
            &[("other", percent(summary.not_hot()).into()), p()],
        ),
        (None, _) if summary.hot().positive > 0 => t_args(
            lang,
            "out-compare-other-none",
            &[("hot", percent(summary.hot()).into()), p()],
        ),
        (None, _) => return html! { p #out-compare { (t(lang, "out-compare-neither")) } },
    };
    let chance = if compared.p < 0.05 {
        "out-compare-chance-unlikely"
    } else {
        "out-compare-chance-possible"
    };
    html! {
        p #out-compare { (found) " " (t(lang, chance)) " " (t(lang, "out-compare-caveat")) }
    }
}

/// The hit-rate columns' headings, after the first column's.
fn rate_headings(lang: Lang) -> Markup {
    html! {
        @for id in ["out-visits", "out-positive", "out-rate", "out-interval"] {
            th scope="col" { (t(lang, id)) }
        }
    }
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
            premises::relink(store, Some(&actor))?;
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
