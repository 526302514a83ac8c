//! Server-rendered pages (maud): the map, the partnership towns page, the report
//! form. No inline script or style: behaviour lives in `web/*.js`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::{html, Markup, DOCTYPE};

use super::auth::Viewer;
use super::error::{AppError, PageResult};
use super::AppState;
use crate::geo::Gazetteer;
use crate::ingest::Format;
use crate::publish::{self, TownRow};
use crate::model::{ExploitationType, Indicator, VenueType};
use crate::publish::PublishedTrend;
use crate::model::{AreaLevel, Step};
use crate::store::{ReportFilter, Store};

/// The frame of every page.
pub fn layout(title: &str, body: &Markup) -> Markup {
    page(title, "", body, false, None)
}

/// A page for a signed-in viewer (the navigation shows their name and sign-out).
pub fn layout_for(title: &str, body: &Markup, viewer: &Viewer) -> Markup {
    page(title, "", body, false, Some(viewer))
}

fn page(
    title: &str,
    body_class: &str,
    body: &Markup,
    map: bool,
    viewer: Option<&Viewer>,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · hotspots" }
                @if map {
                    link rel="stylesheet" href="/static/vendor/maplibre-gl/maplibre-gl.css";
                }
                link rel="stylesheet" href="/static/style.css";
            }
            body class=(body_class) {
                header.top {
                    a.brand href="/" { "hotspots" }
                    nav aria-label="Main" {
                        a href="/" { "Map" }
                        a href="/towns" { "Towns" }
                        a href="/reports/new" { "New report" }
                        a href="/api/v1/openapi.json" { "API" }
                        @if let Some(v) = viewer {
                            @if v.role.administers() { a href="/admin" { "Admin" } }
                        }
                    }
                    @if let Some(v) = viewer {
                        form.signout method="post" action="/signout" {
                            span.who { (v.user) " (" (v.role.as_str()) ")" }
                            input type="hidden" name="csrf" value=(v.csrf.clone().unwrap_or_default());
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                (body)
            }
        }
    }
}

/// 404 for anything else.
pub async fn not_found() -> Response {
    AppError::NotFound.respond(super::Audience::Page)
}

fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default()
}

fn one<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

// ---------------------------------------------------------------------------
// The map page.

/// `GET /`: controls, map, legend, side panel. The controls are a GET form
/// whose values come from the URL, so a link reproduces the view.
pub async fn map_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> PageResult<Markup> {
    let q = pairs(raw.as_deref());
    let (window, extent) = state
        .read(|store| {
            Ok((
                store.data_window(&ReportFilter::default())?,
                store.extent()?,
            ))
        })
        .await?;
    let (first, last) = (window.0, window.1);
    // The map opens on the data (to a tenth of a degree, outwards), so it draws
    // once rather than the whole UK first and the data after.
    let bounds = extent.map_or_else(String::new, |(min_lat, min_lng, max_lat, max_lng)| {
        let down = |v: f64| (v * 10.0).floor() / 10.0;
        let up = |v: f64| (v * 10.0).ceil() / 10.0;
        format!(
            "{},{},{},{}",
            down(min_lng),
            down(min_lat),
            up(max_lng),
            up(max_lat)
        )
    });
    let list = |name: &str| -> Vec<String> {
        one(&q, name)
            .map(|v| v.split(',').map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let venues = list("venue");
    let exploitation = list("exploitation");
    let res = one(&q, "res").unwrap_or("8");
    let k = one(&q, "k").unwrap_or("1");
    let kernel = one(&q, "kernel").unwrap_or("uniform");
    let weight = one(&q, "weight").unwrap_or("count");
    let view = one(&q, "view").unwrap_or("hotspots");
    let fdr = one(&q, "fdr") != Some("false");
    let config = state.config();
    let body = html! {
        main.map-layout
            data-first=(first.map(|d| d.to_string()).unwrap_or_default())
            data-last=(last.map(|d| d.to_string()).unwrap_or_default())
            data-role=(viewer.role.as_str())
            data-bounds=(bounds)
            data-basemap-url=(config.basemap_url.clone().unwrap_or_default())
            data-basemap-attribution=(config.basemap_attribution.clone().unwrap_or_default())
        {
            form #controls method="get" action="/" aria-label="Map filters" {
                fieldset {
                    legend { "Period" }
                    label for="from" { "From" }
                    input #from type="date" name="from" value=(one(&q, "from").unwrap_or(""));
                    label for="to" { "To" }
                    input #to type="date" name="to" value=(one(&q, "to").unwrap_or(""));
                    div.quick role="group" aria-label="Quick periods" {
                        button type="button" data-months="3" { "Last 3 months" }
                        button type="button" data-months="6" { "Last 6 months" }
                        button type="button" data-months="12" { "Last 12 months" }
                        button type="button" data-months="0" { "All" }
                    }
                    div.playback role="group" aria-label="Playback" {
                        button #step-back type="button" { "◀ Month" }
                        button #play type="button" aria-pressed="false" { "Play" }
                        button #step-forward type="button" { "Month ▶" }
                    }
                }
                @if viewer.role.reads_release_only() {
                    p.release-note {
                        "Partnership view: one calendar quarter at a time (the quarter holding the 'To' date), all reports, resolution "
                        (config.release_res) "; counts from 1 to " (config.suppression_k.saturating_sub(1)) " are withheld."
                    }
                }
                @if !viewer.role.reads_release_only() {
                fieldset {
                    legend { "Venue types" }
                    @for v in VenueType::ALL {
                        label.check {
                            input type="checkbox" name="venue" value=(v.as_str()) checked[venues.iter().any(|x| x == v.as_str())];
                            (label_of(v.as_str()))
                        }
                    }
                }
                fieldset {
                    legend { "Exploitation types" }
                    @for e in ExploitationType::ALL {
                        label.check {
                            input type="checkbox" name="exploitation" value=(e.as_str()) checked[exploitation.iter().any(|x| x == e.as_str())];
                            (label_of(e.as_str()))
                        }
                    }
                }
                }
                fieldset {
                    legend { "Show" }
                    label for="view" { "Layer" }
                    select #view name="view" {
                        option value="hotspots" selected[view == "hotspots"] { "Hot spots (Gi*)" }
                        option value="emerging" selected[view == "emerging"] { "Emerging hot spots" }
                    }
                    label for="weight" { "Weight" }
                    select #weight name="weight" {
                        option value="count" selected[weight == "count"] { "Count of reports" }
                        option value="risk" selected[weight == "risk"] { "Risk (by indicators)" }
                    }
                    @if viewer.role.sees_reports() {
                        label.check {
                            input #show-reports type="checkbox" name="points" value="1" checked[one(&q, "points") == Some("1")];
                            "Report points"
                        }
                    }
                }
                details.advanced open[one(&q, "res").is_some() || one(&q, "k").is_some() || one(&q, "kernel").is_some()] {
                    summary { "Advanced" }
                    label for="res" { "Resolution" }
                    select #res name="res" {
                        @for (r, name) in [("6", "6 (~36 km²)"), ("7", "7 (~5 km²)"), ("8", "8 (~0.7 km²)"), ("9", "9 (~0.1 km²)")] {
                            option value=(r) selected[res == r] { (name) }
                        }
                    }
                    label for="k" { "Neighbourhood rings (k)" }
                    select #k name="k" {
                        @for r in ["1", "2", "3"] { option value=(r) selected[k == r] { (r) } }
                    }
                    label for="kernel" { "Kernel" }
                    select #kernel name="kernel" {
                        @for r in ["uniform", "triangular", "gaussian"] { option value=(r) selected[kernel == r] { (r) } }
                    }
                    label.check {
                        input #fdr type="checkbox" name="fdr" value="true" checked[fdr];
                        "False discovery rate correction"
                    }
                }
                noscript { button type="submit" { "Apply" } }
                div.downloads {
                    "Download this view: "
                    a #download-geojson href="/api/v1/layers/cells?download=1" { "GeoJSON" }
                    " · "
                    a #download-csv href="/api/v1/layers/cells?format=csv&download=1" { "CSV" }
                }
            }
            div #map role="region" aria-label="Map of hot spots" {}
            aside #panel aria-live="polite" hidden {
                button #panel-close type="button" aria-label="Close the panel" { "×" }
                div #panel-body {}
            }
            section #legend aria-label="Legend" {
                h2 { "Legend" }
                div #legend-body {}
            }
            section #changes aria-label="New or intensifying since last month" {
                h2 { "New or intensifying since last month" }
                ol #changes-list {}
            }
            div #status-bar {
                // Focusable from script: Retry hands the focus here as it hides.
                p #status role="status" tabindex="-1" {}
                // Shown when a layer failed for a reason that may pass (the
                // network, the server): asks for the same view again.
                button #retry type="button" hidden { "Retry" }
            }
        }
        script src="/static/vendor/maplibre-gl/maplibre-gl.js" {}
        script src="/static/app.js" {}
    };
    Ok(page("Map", "map-page", &body, true, Some(&viewer)))
}

fn label_of(name: &str) -> String {
    let mut s = name.replace('_', " ");
    if let Some(first) = s.get(..1) {
        let upper = first.to_uppercase();
        s.replace_range(..1, &upper);
    }
    s
}

// ---------------------------------------------------------------------------
// Base map support (used by the API's /basemap answers).

/// District outlines (dissolved postcode-derived res-7 cells) of the districts with reports.
pub fn district_shapes(store: &Store) -> Result<geojson::FeatureCollection, AppError> {
    let gazetteer = Gazetteer::embedded();
    let solvent = h3o::geom::SolventBuilder::new().build();
    let mut features = Vec::new();
    for code in store.districts_present()? {
        let cells = gazetteer.district_cells(&code);
        if cells.is_empty() {
            continue;
        }
        let Ok(shape) = solvent.dissolve(cells) else {
            continue;
        };
        let mut p = geojson::JsonObject::new();
        p.insert("code".into(), code.clone().into());
        p.insert(
            "name".into(),
            gazetteer.district_name(&code).unwrap_or_default().into(),
        );
        features.push(geojson::Feature {
            bbox: None,
            geometry: Some(crate::publish::multipolygon_geometry(&shape)),
            id: Some(geojson::feature::Id::String(code)),
            properties: Some(p),
            foreign_members: None,
        });
    }
    Ok(geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    })
}

/// Towns (5,000+ people) within the data's extent plus a margin, for map labels.
pub fn places_near_data(store: &Store) -> Result<geojson::FeatureCollection, AppError> {
    let gazetteer = Gazetteer::embedded();
    let features = match store.extent()? {
        None => Vec::new(),
        Some((min_lat, min_lng, max_lat, max_lng)) => gazetteer
            .places
            .iter()
            .filter(|p| p.population >= crate::geo::TOWN_MIN_POPULATION)
            .filter(|p| {
                (min_lat - 0.1..=max_lat + 0.1).contains(&p.lat)
                    && (min_lng - 0.15..=max_lng + 0.15).contains(&p.lng)
            })
            .map(|p| {
                let mut props = geojson::JsonObject::new();
                props.insert("name".into(), p.name.clone().into());
                props.insert("population".into(), p.population.into());
                geojson::Feature {
                    bbox: None,
                    geometry: Some(geojson::Geometry::new_point([p.lng, p.lat])),
                    id: None,
                    properties: Some(props),
                    foreign_members: None,
                }
            })
            .collect(),
    };
    Ok(geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    })
}

// ---------------------------------------------------------------------------
// The partnership page.

/// Two-sided p below this is called a real change on the towns page.
const SIGNIFICANT: f64 = 0.05;
/// Quarters drawn in each sparkline.
const SPARK_QUARTERS: usize = 8;

/// `GET /towns`: town and district trends for one quarter; no JavaScript.
pub async fn towns_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> PageResult<Markup> {
    let q = pairs(raw.as_deref());
    for (k, _) in &q {
        if !matches!(k.as_str(), "quarter" | "level") {
            return Err(AppError::bad(k, "unknown parameter (quarter, level)").into());
        }
    }
    let level = match one(&q, "level") {
        None | Some("town") => AreaLevel::Town,
        Some("district") => AreaLevel::District,
        Some(v) => {
            return Err(AppError::bad("level", format!("{v:?} is not town or district")).into())
        }
    };
    let view = state.view(viewer.role);
    let key = (
        state.version(),
        view.release.is_some(),
        level == AreaLevel::District,
    );
    let lookup = || state.0.towns.lock().ok().and_then(|m| m.get(&key).cloned());
    let mut cached = lookup();
    let _computing = if cached.is_none() {
        let guard = state.0.towns_compute.lock().await;
        cached = lookup();
        Some(guard)
    } else {
        None
    };
    let table = if let Some(hit) = cached {
        hit
    } else {
        let fresh = std::sync::Arc::new(
            state
                .read(move |store| {
                    let rows =
                        publish::area_trends(store, level, &ReportFilter::default(), Step::Quarter)?;
                    let published = match view.release {
                        Some(rule) => crate::publish::publish_trends(store, rule, level, &rows)?,
                        None => rows.iter().map(PublishedTrend::exact).collect(),
                    };
                    Ok((rows, published))
                })
                .await?,
        );
        if let Ok(mut m) = state.0.towns.lock() {
            // Only the current data version is worth keeping.
            m.retain(|k, _| k.0 == key.0);
            m.insert(key, fresh.clone());
        }
        fresh
    };
    let (rows, published) = (&table.0, &table.1);
    let k = state.config().suppression_k;
    let mut quarters: Vec<(NaiveDate, String)> =
        rows.iter().map(|r| (r.period, r.label.clone())).collect();
    quarters.sort();
    quarters.dedup();
    let selected = match one(&q, "quarter") {
        None => quarters.last().map(|q| q.0),
        Some(label) => Some(
            quarters
                .iter()
                .find(|(_, l)| l == label)
                .map(|q| q.0)
                .ok_or_else(|| {
                    AppError::bad(
                        "quarter",
                        format!("{label:?} is not a quarter with data (e.g. 2025-Q1)"),
                    )
                })?,
        ),
    };
    let label = selected
        .and_then(|s| quarters.iter().find(|q| q.0 == s).map(|q| q.1.clone()))
        .unwrap_or_default();
    let mut by_area: BTreeMap<String, Vec<(&TownRow, &PublishedTrend)>> = BTreeMap::new();
    for (r, p) in rows.iter().zip(published) {
        by_area.entry(r.town.clone()).or_default().push((r, p));
    }
    let mut current: Vec<(&TownRow, &PublishedTrend, Vec<Option<u64>>)> = by_area
        .values()
        .filter_map(|series| {
            let (row, published) = series.iter().find(|r| Some(r.0.period) == selected)?;
            let upto: Vec<Option<u64>> = series
                .iter()
                .filter(|r| r.0.period <= row.period)
                .map(|r| r.1.count)
                .collect();
            let spark = upto[upto.len().saturating_sub(SPARK_QUARTERS)..].to_vec();
            Some((*row, *published, spark))
        })
        .collect();
    // Busiest first; withheld counts (small) last.
    current.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.town.cmp(&b.0.town)));
    let shown = |v: Option<u64>| v.map_or_else(|| format!("<{k}"), |n| n.to_string());
    let generated = chrono::Local::now().format("%d/%m/%Y %H:%M");
    let area_word = if level == AreaLevel::District {
        "District"
    } else {
        "Town"
    };
    let body = html! {
        main.towns {
            div.print-header {
                h1 { (area_word) " trends: " (label) }
                p.meta { "Generated " (generated) " · counts of reports located to each " (area_word.to_lowercase()) " · change tested with an exact Poisson (conditional binomial) test" }
            }
            form.picker method="get" action="/towns" aria-label="Choose the period" {
                label for="quarter" { "Quarter" }
                select #quarter name="quarter" {
                    @for (_, l) in quarters.iter().rev() {
                        option value=(l) selected[*l == label] { (l) }
                    }
                }
                label for="level" { "Group by" }
                select #level name="level" {
                    option value="town" selected[level == AreaLevel::Town] { "Town" }
                    option value="district" selected[level == AreaLevel::District] { "District" }
                }
                button type="submit" { "Show" }
            }
            @if current.is_empty() {
                p { "No reports yet." }
            } @else {
                table #towns-table {
                    caption { (area_word) "s, " (label) ", busiest first" }
                    thead {
                        tr {
                            th scope="col" { (area_word) }
                            @if level == AreaLevel::Town { th scope="col" { "District" } }
                            th scope="col" { "This quarter" }
                            th scope="col" { "Previous" }
                            th scope="col" { "Year before" }
                            th scope="col" { "Change" }
                            th scope="col" { "Significance" }
                            th scope="col" { "Last " (SPARK_QUARTERS) " quarters" }
                            th scope="col" { "By venue" }
                            th scope="col" { "By exploitation" }
                        }
                    }
                    tbody {
                        @for (row, p, spark) in &current {
                            tr {
                                th scope="row" { (row.town) }
                                @if level == AreaLevel::Town { td { (row.district_name) } }
                                td.num { (shown(p.count)) }
                                td.num { (shown(p.previous)) }
                                td.num { (shown(p.year_before)) }
                                td.num { (p.change.map_or_else(|| "–".to_owned(), signed)) }
                                td { (significance(p)) }
                                td { (sparkline(spark)) }
                                td.breakdown { (breakdown(p, "venue:", k)) }
                                td.breakdown { (breakdown(p, "exploitation:", k)) }
                            }
                        }
                    }
                }
            }
            p.note { "A change is called a rise or a fall only when the exact test gives p < 0.05 against the previous quarter; small counts rarely qualify (3 → 5 is not a surge)." }
        }
    };
    Ok(page("Towns", "towns-page", &body, false, Some(&viewer)))
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

fn significance(row: &PublishedTrend) -> &'static str {
    let (Some(p), Some(change)) = (row.p_change, row.change) else {
        return "Not shown (small numbers)";
    };
    if p < SIGNIFICANT {
        if change > 0 {
            "Significant rise"
        } else {
            "Significant fall"
        }
    } else {
        "No clear change"
    }
}

fn breakdown(row: &PublishedTrend, prefix: &str, k: u64) -> String {
    let mut items: Vec<(&str, Option<u64>)> = row
        .breakdown
        .iter()
        .filter_map(|(key, v)| key.strip_prefix(prefix).map(|key| (key, *v)))
        .filter(|(_, v)| *v != Some(0))
        .collect();
    items.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    items
        .iter()
        .map(|(key, v)| {
            let v = v.map_or_else(|| format!("<{k}"), |n| n.to_string());
            format!("{} {v}", label_of(key))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A small SVG line of counts (server-rendered, so it prints and needs no script).
fn sparkline(values: &[Option<u64>]) -> Markup {
    let (w, h) = (96.0, 24.0);
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let step = if values.len() > 1 {
        w / (values.len() - 1) as f64
    } else {
        0.0
    };
    // Withheld quarters break the line (a path with a new `M` after each gap).
    let mut points = String::new();
    let mut pen_down = false;
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else {
            pen_down = false;
            continue;
        };
        let _ = write!(
            points,
            "{}{:.1},{:.1} ",
            if pen_down { "L" } else { "M" },
            i as f64 * step,
            h - 2.0 - (*v as f64 / max) * (h - 4.0)
        );
        pen_down = true;
    }
    let title = values
        .iter()
        .map(|v| v.map_or_else(|| "withheld".to_owned(), |n| n.to_string()))
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        svg.spark width="96" height="24" viewBox="0 0 96 24" role="img" aria-label=(format!("Counts by quarter: {title}")) {
            title { "Counts by quarter: " (title) }
            path d=(points.trim_end()) fill="none" stroke="currentColor" stroke-width="1.5" {}
        }
    }
}

// ---------------------------------------------------------------------------
// The report form.

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
        main.form {
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
        script src="/static/vendor/maplibre-gl/maplibre-gl.js" {}
        script src="/static/form.js" {}
    };
    page("New report", "form-page", &body, true, Some(viewer))
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
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !form_type.starts_with("application/x-www-form-urlencoded") {
        return Err(AppError::bad(
            "Content-Type",
            "send the form as application/x-www-form-urlencoded",
        )
        .into());
    }
    let values: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|e| AppError::bad("body", format!("cannot read the form: {e}")))?;
    viewer.check_csrf(one(&values, "csrf"))?;
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
    let summary = super::api::ingest_bytes(
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
