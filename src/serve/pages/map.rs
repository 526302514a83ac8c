//! `GET /`: the map page.

use axum::extract::{RawQuery, State};
use maud::{html, Markup};

use super::labels::{label_in, source_label, NAMED_SOURCES};
use crate::geo::Gazetteer;
use crate::model::{ExploitationType, Indicator, VenueType};
use crate::serve::assets;
use crate::serve::error::PageResult;
use crate::serve::i18n::{self, t, t_args, Lang};
use crate::serve::layout::page;
use crate::serve::query::{one, pairs};
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;
use crate::store::ReportFilter;

/// `GET /`: controls, map, legend, side panel. The controls are a GET form
/// whose values come from the URL, so a link reproduces the view.
pub async fn map_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> PageResult<Markup> {
    let q = pairs(raw.as_deref());
    // The period the map offers: the reports' first and last days, or for a
    // role that reads the release, the whole quarters it answers for (the
    // first and last reports' days say when those reports were).
    let release = viewer.role.reads_release_only();
    let (window, extent, districts) = state
        .read(move |store| {
            let window = if release {
                crate::publish::released_window(store)?.unzip()
            } else {
                let (first, last, _) = store.data_window(&ReportFilter::default())?;
                (first, last)
            };
            Ok((window, store.extent()?, store.districts_present()?))
        })
        .await?;
    // The police force areas that hold reports, by name: each can be the
    // study area, so that a force's hot spots are judged against its own area.
    let gazetteer = Gazetteer::embedded();
    let forces = gazetteer.forces_of_districts(districts.iter().map(String::as_str));
    // Each with its extent, so that choosing one moves the map to it.
    let forces: Vec<(&str, &str, String)> = forces
        .into_iter()
        .map(|(id, name)| (id, name, force_bounds(gazetteer, id)))
        .collect();
    let (first, last) = (window.0, window.1);
    // The map opens on the data (to a tenth of a degree, outwards), so it draws
    // once rather than the whole UK first and the data after.
    let data_bounds = extent.map_or_else(String::new, |extent| {
        let [west, south, east, north] = crate::publish::Bounds::of_extent(extent).coarse();
        format!("{west},{south},{east},{north}")
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
    let default_min_reports = crate::publish::DEFAULT_MIN_REPORTS.to_string();
    let min_reports = one(&q, "min_reports").unwrap_or(&default_min_reports);
    // The emerging layer's time step and space-time neighbourhood (the
    // "new or intensifying" list and the emerging view).
    let step = one(&q, "step").unwrap_or("month");
    let default_lag = crate::publish::LayerQuery::default().lag.to_string();
    let lag = one(&q, "lag").unwrap_or(&default_lag);
    let force = one(&q, "force").unwrap_or("");
    // A page opened on a force's map opens on that force.
    let bounds = forces
        .iter()
        .find(|(id, _, _)| *id == force)
        .map_or_else(|| data_bounds.clone(), |(_, _, b)| b.clone());
    // The partnership role reads one released quarter; the others the
    // emerging layer's step (months unless asked for quarters).
    let lang = viewer.lang.staff();
    let changes_heading = t(
        lang,
        if viewer.role.reads_release_only() {
            "map-changes-release"
        } else if one(&q, "step") == Some("quarter") {
            "map-changes-quarter"
        } else {
            "map-changes-month"
        },
    );
    let config = state.config();
    let body = html! {
        main #main .map-layout
            data-first=(first.map(|d| d.to_string()).unwrap_or_default())
            data-last=(last.map(|d| d.to_string()).unwrap_or_default())
            data-role=(viewer.role.as_str())
            // Briefings are for the roles that plan visits (the panel links an area to its own).
            data-briefing=[viewer.role.records_outcomes().then_some("1")]
            data-bounds=(bounds)
            data-data-bounds=(data_bounds)
            data-basemap-url=(config.basemap_url.clone().unwrap_or_default())
            data-basemap-attribution=(config.basemap_attribution.clone().unwrap_or_default())
            data-messages=(script_messages(lang))
        {
            form #controls method="get" action="/" aria-label=(t(lang, "map-filters")) {
                fieldset {
                    legend { (t(lang, "map-period")) }
                    label for="from" { (t(lang, "map-from")) }
                    input #from type="date" name="from" value=(one(&q, "from").unwrap_or(""));
                    label for="to" { (t(lang, "map-to")) }
                    input #to type="date" name="to" value=(one(&q, "to").unwrap_or(""));
                    div.quick role="group" aria-label=(t(lang, "map-quick")) {
                        button type="button" data-months="3" { (t(lang, "map-last-3")) }
                        button type="button" data-months="6" { (t(lang, "map-last-6")) }
                        button type="button" data-months="12" { (t(lang, "map-last-12")) }
                        button type="button" data-months="0" { (t(lang, "map-all")) }
                    }
                    div.playback role="group" aria-label=(t(lang, "map-playback")) {
                        button #step-back type="button" { (t(lang, "map-month-back")) }
                        button #play type="button" aria-pressed="false" { (t(lang, "map-play")) }
                        button #step-forward type="button" { (t(lang, "map-month-forward")) }
                    }
                }
                @if viewer.role.reads_release_only() {
                    p.release-note {
                        (t_args(lang, "map-release-note", &[
                            ("res", i64::from(config.release_res).into()),
                            ("limit", (config.suppression_k.saturating_sub(1) as i64).into()),
                            ("k", (config.suppression_k as i64).into()),
                        ]))
                    }
                }
                @if !viewer.role.reads_release_only() {
                (checkboxes(lang, &t(lang, "map-venues"), "venue", &VenueType::ALL.map(VenueType::as_str), &venues))
                (checkboxes(lang, &t(lang, "map-exploitations"), "exploitation", &ExploitationType::ALL.map(ExploitationType::as_str), &exploitation))
                }
                fieldset {
                    legend { (t(lang, "map-show")) }
                    label for="view" { (t(lang, "map-layer")) }
                    select #view name="view" {
                        option value="hotspots" selected[view == "hotspots"] { (t(lang, "map-layer-hotspots")) }
                        option value="emerging" selected[view == "emerging"] { (t(lang, "map-layer-emerging")) }
                    }
                    label for="weight" { (t(lang, "map-weight")) }
                    select #weight name="weight" {
                        option value="count" selected[weight == "count"] { (t(lang, "map-weight-count")) }
                        option value="risk" selected[weight == "risk"] { (t(lang, "map-weight-risk")) }
                    }
                    @if viewer.role.sees_reports() {
                        label.check {
                            input #show-reports type="checkbox" name="points" value="1" checked[one(&q, "points") == Some("1")];
                            (t(lang, "map-points"))
                        }
                    }
                    label.check {
                        input #show-context type="checkbox" name="context" value="1" checked[one(&q, "context") == Some("1")];
                        (t(lang, "map-context"))
                    }
                }
                details.advanced open[["res", "k", "kernel", "min_reports", "step", "lag"].iter().any(|name| one(&q, name).is_some()) || !force.is_empty()] {
                    summary { (t(lang, "map-advanced")) }
                    // The release is one study area; the other roles may choose a force's.
                    @if !viewer.role.reads_release_only() && !forces.is_empty() {
                        label for="force" { (t(lang, "map-study-area")) }
                        select #force name="force" {
                            option value="" selected[force.is_empty()] { (t(lang, "map-study-area-data")) }
                            @for (id, name, extent) in &forces {
                                option value=(id) data-bounds=(extent) selected[force == *id] { (name) }
                            }
                        }
                    }
                    label for="res" { (t(lang, "map-resolution")) }
                    select #res name="res" {
                        @for (r, name) in [("6", "6 (~36 km²)"), ("7", "7 (~5 km²)"), ("8", "8 (~0.7 km²)"), ("9", "9 (~0.1 km²)")] {
                            option value=(r) selected[res == r] { (name) }
                        }
                    }
                    label for="k" { (t(lang, "map-k")) }
                    select #k name="k" {
                        @for r in ["1", "2", "3"] { option value=(r) selected[k == r] { (r) } }
                    }
                    label for="kernel" { (t(lang, "map-kernel")) }
                    select #kernel name="kernel" {
                        @for r in ["uniform", "triangular", "gaussian"] { option value=(r) selected[kernel == r] { (t(lang, &format!("map-kernel-{r}"))) } }
                    }
                    // The release's hot rule is its suppression's k.
                    @if !viewer.role.reads_release_only() {
                        label for="min_reports" { (t(lang, "map-min-reports")) }
                        input #min_reports type="number" name="min_reports" min="1" max="1000" step="1" value=(min_reports) data-default=(default_min_reports);
                        // The release is of quarters, each its own period.
                        label for="step" { (t(lang, "map-step")) }
                        select #step name="step" {
                            @for r in ["month", "quarter"] { option value=(r) selected[step == r] { (t(lang, &format!("map-step-{r}"))) } }
                        }
                        label for="lag" { (t(lang, "map-lag")) }
                        select #lag name="lag" data-default=(default_lag) {
                            @for r in ["0", "1", "2", "3"] { option value=(r) selected[lag == r] { (r) } }
                        }
                    }
                    label.check {
                        input #fdr type="checkbox" name="fdr" value="true" checked[fdr];
                        (t(lang, "map-fdr"))
                    }
                }
                noscript { button type="submit" { (t(lang, "map-apply")) } }
                div.downloads {
                    (t(lang, "map-download")) " "
                    a #download-geojson href="/api/v1/layers/cells?download=1" { "GeoJSON" }
                    " · "
                    a #download-csv href="/api/v1/layers/cells?format=csv&download=1" { "CSV" }
                }
            }
            div #map role="region" aria-label=(t(lang, "map-region")) {}
            aside #panel aria-live="polite" hidden {
                button #panel-close type="button" aria-label=(t(lang, "map-close-panel")) { "×" }
                div #panel-body {}
            }
            section #legend aria-label=(t(lang, "map-legend")) {
                h2 { (t(lang, "map-legend")) }
                div #legend-body {}
            }
            section #changes aria-label=(changes_heading) {
                h2 { (changes_heading) }
                @if viewer.role.reads_release_only() { p.note { (t(lang, "map-changes-release-note")) } }
                // The steps compared, written by the script from the layer's
                // provenance: dates inside a month leave that month out.
                @else { p #changes-steps .small hidden {} }
                ol #changes-list {}
                // What the map shows, without the map: the hotspot areas of
                // this view (same filters) as a table; an area's place name
                // is the button that opens its cells and reports in the
                // panel, as a click on the map does. Three narrow columns:
                // the side column is 17.5rem.
                section #hot-areas aria-labelledby="hot-areas-title" {
                    h2 #hot-areas-title { (t(lang, "map-areas")) }
                    table #hot-areas-table {
                        caption.small { (t(lang, "map-areas-caption")) }
                        thead { tr {
                            th scope="col" { (t(lang, "map-near")) }
                            th scope="col" { (t(lang, "map-confidence")) }
                            th scope="col" { (t(lang, "map-reports")) }
                        } }
                        tbody {}
                    }
                }
            }
            div #status-bar {
                // Focusable from script: Retry hands the focus here as it hides.
                p #status role="status" tabindex="-1" {}
                // Shown when a layer failed for a reason that may pass (the
                // network, the server): asks for the same view again.
                button #retry type="button" hidden { (t(lang, "map-retry")) }
            }
        }
        script src=(assets::url("vendor/maplibre-gl/maplibre-gl.js")) {}
        script src=(assets::url("controls.js")) {}
        script src=(assets::url("panel.js")) {}
        script src=(assets::url("app.js")) {}
    };
    Ok(page(
        &t(lang, "map-page-title"),
        "map-page",
        &body,
        true,
        Some(viewer.nav_in(lang)),
    ))
}

/// What the page's script writes (statuses, the legend, the panel), in
/// `lang`, as a JSON object of message id to text with `{name}` where the
/// script puts a value; the vocabularies' labels under `label-<code>`, the
/// named sources' under `source-<code>`.
fn script_messages(lang: Lang) -> String {
    const MESSAGES: [(&str, &[&str]); 53] = [
        ("map-bin-3", &[]),
        ("map-bin-2", &[]),
        ("map-bin-1", &[]),
        ("map-bin-0", &[]),
        ("map-bin-m1", &[]),
        ("map-bin-m2", &[]),
        ("map-bin-m3", &[]),
        ("map-layer-failed", &["layer", "reason"]),
        ("map-server-answered", &["status"]),
        ("map-loading", &[]),
        ("map-layers-failed", &["reason"]),
        ("map-summary", &["areas", "cells", "from", "to"]),
        ("map-basemap-failed", &["reason"]),
        ("map-drawn", &["count"]),
        ("map-legend-area", &["count"]),
        ("map-legend-area-any", &[]),
        ("map-method", &["kernel", "k"]),
        ("map-fdr-on", &[]),
        ("map-fdr-off", &[]),
        ("map-hot-rule", &["count"]),
        ("map-changes-failed", &[]),
        ("map-changes-none", &[]),
        ("map-changes-month", &[]),
        ("map-changes-quarter", &[]),
        ("map-changes-steps", &["first", "last"]),
        ("map-changes-steps-quarter", &["first", "last"]),
        ("map-one-report", &[]),
        ("map-n-reports", &["count"]),
        ("map-n-cells", &["count"]),
        ("map-ring-reports", &["count"]),
        ("map-panel-ring", &["count"]),
        ("map-panel-trend", &["z", "p"]),
        ("map-withheld", &[]),
        ("map-emerging-cell", &["cell"]),
        ("map-areas-none", &[]),
        ("map-show-area", &["place"]),
        ("map-briefing", &[]),
        ("map-change-near", &["category", "place"]),
        ("map-crosses", &["values"]),
        ("map-crosses-forces", &["values"]),
        ("map-trend-rising", &["months", "p"]),
        ("map-trend-falling", &["months", "p"]),
        ("map-trend-none", &["months", "p"]),
        ("map-area-near", &["place"]),
        ("place-from", &["place", "km", "direction"]),
        ("map-in-period", &["count"]),
        ("map-context-line", &["count"]),
        ("map-by-venue", &[]),
        ("map-indicators", &[]),
        ("map-newest", &["count"]),
        ("map-cell", &["cell"]),
        ("map-category-cell", &["category", "cell"]),
        ("map-by-month", &["values"]),
    ];
    let mut out = serde_json::Map::new();
    for (id, names) in MESSAGES {
        out.insert(id.to_owned(), i18n::template(lang, id, names).into());
    }
    for id in ["map-play", "map-pause"] {
        out.insert(id.to_owned(), t(lang, id).into());
    }
    for direction in crate::geo::COMPASS_POINTS {
        let id = format!("dir-{direction}");
        out.insert(id.clone(), t(lang, &id).into());
    }
    for category in crate::model::EMERGING_CATEGORIES {
        let id = format!("map-cat-{category}");
        out.insert(id.clone(), t(lang, &id).into());
    }
    let codes = VenueType::ALL
        .map(VenueType::as_str)
        .into_iter()
        .chain(ExploitationType::ALL.map(ExploitationType::as_str))
        .chain(Indicator::ALL.iter().map(|i| i.as_str()));
    for code in codes {
        out.insert(format!("label-{code}"), label_in(lang, code).into());
    }
    for code in NAMED_SOURCES {
        out.insert(format!("source-{code}"), source_label(lang, code).into());
    }
    serde_json::Value::Object(out).to_string()
}

/// `min_lng,min_lat,max_lng,max_lat` of a police force area (its districts'
/// res-7 cell centres, a cell's width wider), as `data-bounds` reads.
fn force_bounds(gazetteer: &Gazetteer, force: &str) -> String {
    gazetteer
        .force_extent(force)
        .map_or_else(String::new, |[min_lat, min_lng, max_lat, max_lng]| {
            format!(
                "{:.3},{:.3},{:.3},{:.3}",
                min_lng - 0.04,
                min_lat - 0.025,
                max_lng + 0.04,
                max_lat + 0.025
            )
        })
}

/// A fieldset of checkboxes named `name`, one a code, ticked where chosen.
fn checkboxes(lang: Lang, legend: &str, name: &str, codes: &[&str], chosen: &[String]) -> Markup {
    html! {
        fieldset {
            legend { (legend) }
            @for code in codes {
                label.check {
                    input type="checkbox" name=(name) value=(code) checked[chosen.iter().any(|x| x == code)];
                    (label_in(lang, code))
                }
            }
        }
    }
}
