//! `GET /`: the map page.

use axum::extract::{RawQuery, State};
use maud::{html, Markup};

use super::labels::label_of;
use crate::model::{ExploitationType, VenueType};
use crate::serve::assets;
use crate::serve::error::PageResult;
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
    // The partnership role reads one released quarter; the others the
    // emerging layer's step (months unless asked for quarters).
    let changes_heading = if viewer.role.reads_release_only() {
        "New or intensifying in the released quarter"
    } else if one(&q, "step") == Some("quarter") {
        "New or intensifying since last quarter"
    } else {
        "New or intensifying since last month"
    };
    let config = state.config();
    let body = html! {
        main #main .map-layout
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
                (checkboxes("Venue types", "venue", &VenueType::ALL.map(VenueType::as_str), &venues))
                (checkboxes("Exploitation types", "exploitation", &ExploitationType::ALL.map(ExploitationType::as_str), &exploitation))
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
                    label.check {
                        input #show-context type="checkbox" name="context" value="1" checked[one(&q, "context") == Some("1")];
                        "Recorded crime (police.uk)"
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
            section #changes aria-label=(changes_heading) {
                h2 { (changes_heading) }
                ol #changes-list {}
                // What the map shows, without the map: the hotspot areas of
                // this view (same filters) as a table; Show opens an area's
                // cells and reports in the panel, as a click on the map does.
                section #hot-areas aria-labelledby="hot-areas-title" {
                    h2 #hot-areas-title { "Hotspot areas" }
                    table #hot-areas-table {
                        caption.small { "The map's hotspot areas, strongest first. Show opens an area in the side panel." }
                        thead { tr {
                            th scope="col" { "Near" }
                            th scope="col" { "Confidence" }
                            th scope="col" { "Cells" }
                            th scope="col" { "Reports" }
                            th scope="col" { span.visually-hidden { "Open" } }
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
                button #retry type="button" hidden { "Retry" }
            }
        }
        script src=(assets::url("vendor/maplibre-gl/maplibre-gl.js")) {}
        script src=(assets::url("controls.js")) {}
        script src=(assets::url("panel.js")) {}
        script src=(assets::url("app.js")) {}
    };
    Ok(page("Map", "map-page", &body, true, Some(viewer.nav())))
}

/// A fieldset of checkboxes named `name`, one a code, ticked where chosen.
fn checkboxes(legend: &str, name: &str, codes: &[&str], chosen: &[String]) -> Markup {
    html! {
        fieldset {
            legend { (legend) }
            @for code in codes {
                label.check {
                    input type="checkbox" name=(name) value=(code) checked[chosen.iter().any(|x| x == code)];
                    (label_of(code))
                }
            }
        }
    }
}
