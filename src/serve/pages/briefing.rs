//! `GET /briefing?area=...`: the day-of-action briefing (tactical and admin,
//! audited): a server-rendered SVG map of the area's cells by Gi* bin with the
//! premises numbered, and the ranked premises. No JavaScript; prints on A4.

use std::fmt::Write as _;

use axum::extract::{RawQuery, State};
use maud::{html, Markup, PreEscaped};

use super::labels::{address_line, label_in, p_relation};
use super::towns::{now_written, towns_table};
use crate::geo::Gazetteer;
use crate::premises::{self, Briefing, BriefingArea};
use crate::serve::api::{layer_etag, rendered_layer};
use crate::serve::error::{AppError, PageResult};
use crate::serve::i18n::{count_in, date, place_from, t, t_args, Lang};
use crate::serve::layout::staff_page;
use crate::serve::query::pairs;
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;

/// Premises numbered on the map and listed, at most.
const LISTED: usize = 30;
const WIDTH: f64 = 1000.0;

/// The map's colours by bin (ColorBrewer RdBu, colour-blind safe; as the dashboard).
fn fill(bin: i8) -> &'static str {
    match bin {
        3 => "#b2182b",
        2 => "#ef8a62",
        1 => "#fddbc7",
        -1 => "#d1e5f0",
        -2 => "#67a9cf",
        i8::MIN..=-3 => "#2166ac",
        4..=i8::MAX => "#b2182b",
        _ => "#f7f7f7",
    }
}

/// The SVG map: cells as hexagons by bin, premises as numbered circles.
fn svg_map(lang: Lang, b: &Briefing) -> Markup {
    let mut points: Vec<(f64, f64)> = Vec::new();
    let outlines: Vec<(Vec<(f64, f64)>, i8)> = b
        .cells
        .iter()
        .map(|(cell, bin)| {
            let ring: Vec<(f64, f64)> =
                cell.boundary().iter().map(|p| (p.lat(), p.lng())).collect();
            points.extend(&ring);
            (ring, *bin)
        })
        .collect();
    let listed = &b.premises[..b.premises.len().min(LISTED)];
    // District lines dashed, force lines solid and heavier, over the cells.
    let lines: Vec<(bool, &[(f64, f64)])> = b
        .boundaries
        .iter()
        .map(|edge| (edge.between_forces, edge.line.as_slice()))
        .collect();
    points.extend(listed.iter().map(|r| (r.premises.lat, r.premises.lng)));
    if points.is_empty() {
        return html! { p { (t(lang, "brief-nothing")) } };
    }
    let (min_lat, max_lat) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.0), a.1.max(p.0)));
    let (min_lng, max_lng) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.1), a.1.max(p.1)));
    let squash = f64::midpoint(min_lat, max_lat).to_radians().cos();
    let span = ((max_lng - min_lng) * squash)
        .max(max_lat - min_lat)
        .max(1e-6);
    let scale = (WIDTH - 40.0) / span;
    let map_height = ((max_lat - min_lat) * scale + 40.0).max(200.0);
    // A band under the map for the scale bar and the north arrow: a printed
    // briefing has no other way to tell distance or direction.
    let height = map_height + SCALE_BAND;
    let xy = |lat: f64, lng: f64| {
        (
            20.0 + (lng - min_lng) * squash * scale,
            20.0 + (max_lat - lat) * scale,
        )
    };
    // An SVG `points` list of (lat, lng) positions.
    let points = |positions: &[(f64, f64)]| -> String {
        positions
            .iter()
            .map(|(lat, lng)| {
                let (x, y) = xy(*lat, *lng);
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut svg = String::new();
    for (ring, bin) in &outlines {
        let _ = write!(
            svg,
            "<polygon points=\"{}\" fill=\"{}\" stroke=\"#888\" stroke-width=\"0.5\"/>",
            points(ring),
            fill(*bin)
        );
    }
    for (between_forces, line) in &lines {
        // A white casing under each line keeps it legible across dark cells.
        let (class, width, dash) = if *between_forces {
            ("force-boundary", 3.0, "")
        } else {
            ("district-boundary", 1.5, " stroke-dasharray=\"4 3\"")
        };
        let points = points(line);
        let _ = write!(
            svg,
            "<polyline points=\"{points}\" fill=\"none\" stroke=\"#fff\" stroke-width=\"{:.1}\" stroke-linecap=\"round\"/>\
             <polyline class=\"{class}\" points=\"{points}\" fill=\"none\" stroke=\"#000\" stroke-width=\"{width:.1}\"{dash} stroke-linecap=\"round\"/>",
            width + 2.0
        );
    }
    // Under the premises' numbers, which matter more.
    let places = Gazetteer::embedded().places.iter().filter_map(|place| {
        let (x, y) = xy(place.lat, place.lng);
        ((0.0..=WIDTH).contains(&x) && (0.0..=map_height).contains(&y)).then_some((place, x, y))
    });
    let markers: Vec<(f64, f64)> = listed
        .iter()
        .map(|row| xy(row.premises.lat, row.premises.lng))
        .collect();
    place_labels(&mut svg, places, &markers, map_height);
    for (i, (x, y)) in markers.iter().enumerate() {
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"9\" fill=\"#000\" stroke=\"#fff\" stroke-width=\"1.5\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#fff\" font-family=\"sans-serif\">{}</text>",
            y + 3.5,
            i + 1
        );
    }
    scale_bar(&mut svg, METRES_PER_DEGREE / scale, map_height);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {WIDTH} {height:.0}")) role="img"
            aria-label=(t(lang, "brief-map")) class="briefing-map" {
            (PreEscaped(svg))
        }
    }
}

/// Metres in a degree of latitude on the sphere of the gazetteer's distances
/// (mean radius 6,371,008.8 m); the map's x is squashed by the cosine of its
/// middle latitude, so one SVG unit is the same distance either way.
const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;
/// SVG units under the map for the scale bar and north arrow.
const SCALE_BAND: f64 = 44.0;
/// Place names drawn on the map, at most (the largest places first).
const PLACE_LABELS: usize = 10;

/// The places on the map, named: a square at each centre and its name beside
/// it, the largest places first. What orients an officer on a map without
/// streets. A name goes right of its square, else left, above or below:
/// wherever it covers fewest premises' numbers (drawn over it) and no name
/// already drawn; a place whose name fits nowhere is left out.
fn place_labels<'a>(
    svg: &mut String,
    places: impl Iterator<Item = (&'a crate::geo::Place, f64, f64)>,
    markers: &[(f64, f64)],
    map_height: f64,
) {
    let mut places: Vec<_> = places.collect();
    places.sort_by(|a, b| {
        b.0.population
            .cmp(&a.0.population)
            .then(a.0.name.cmp(&b.0.name))
    });
    let mut taken: Vec<LabelBox> = Vec::new();
    for (place, x, y) in places {
        if taken.len() == PLACE_LABELS {
            break;
        }
        let Some(label) = place_label(&place.name, (x, y), &taken, markers, map_height) else {
            continue;
        };
        taken.push(label.bounds);
        let _ = write!(
            svg,
            "<g class=\"place\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"2\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"14\" font-weight=\"bold\" text-anchor=\"{}\" font-family=\"sans-serif\" \
             fill=\"#000\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text></g>",
            x - 4.0,
            y - 4.0,
            label.anchor.0,
            label.anchor.1,
            label.text_anchor,
            escape(&place.name),
        );
    }
}

/// A box on the map: `(x0, y0, x1, y1)` in SVG units.
type LabelBox = (f64, f64, f64, f64);

/// Where a place's name is written: its text's anchor point and alignment,
/// and the box its square and name take.
#[derive(Clone, Copy, Debug, PartialEq)]
struct PlaceLabel {
    anchor: (f64, f64),
    text_anchor: &'static str,
    bounds: LabelBox,
}

/// Radius of a premises' numbered circle.
const MARKER_RADIUS: f64 = 9.0;

/// The best of the four places for `name` beside the square at `(x, y)`:
/// inside the map, over no name in `taken`, then covering the fewest
/// `markers`, in the order right, left, above, below. `None` when every
/// one is off the map or over a name.
fn place_label(
    name: &str,
    (x, y): (f64, f64),
    taken: &[LabelBox],
    markers: &[(f64, f64)],
    map_height: f64,
) -> Option<PlaceLabel> {
    // ~7.5 units a character at 14 units bold; glyphs from 11 above the
    // baseline to 3 below, and the square's 5 units either side of (x, y).
    let width = 7.5 * name.chars().count() as f64;
    let square = (x - 5.0, y - 5.0, x + 5.0, y + 5.0);
    let text = |(_, baseline): (f64, f64), from: f64| {
        (from, baseline - 11.0, from + width, baseline + 3.0)
    };
    let union = |a: LabelBox, b: LabelBox| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3));
    let candidates = [
        ((x + 8.0, y + 5.0), "start", x + 8.0),
        ((x - 8.0, y + 5.0), "end", x - 8.0 - width),
        ((x, y - 9.0), "middle", x - width / 2.0),
        ((x, y + 20.0), "middle", x - width / 2.0),
    ]
    .map(|(anchor, text_anchor, from)| PlaceLabel {
        anchor,
        text_anchor,
        bounds: union(square, text(anchor, from)),
    });
    let overlaps = |a: &LabelBox, b: &LabelBox| a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
    let covered = |label: &PlaceLabel| {
        markers
            .iter()
            .filter(|(cx, cy)| {
                let circle = (
                    cx - MARKER_RADIUS,
                    cy - MARKER_RADIUS,
                    cx + MARKER_RADIUS,
                    cy + MARKER_RADIUS,
                );
                overlaps(&label.bounds, &circle)
            })
            .count()
    };
    candidates
        .into_iter()
        .filter(|label| {
            let b = label.bounds;
            b.0 >= 0.0 && b.2 <= WIDTH && b.1 >= 0.0 && b.3 <= map_height
        })
        .filter(|label| !taken.iter().any(|t| overlaps(&label.bounds, t)))
        .min_by_key(covered)
}

/// Text escaped for SVG as maud escapes it for HTML (`&`, `<`, `>`, `"`).
fn escape(text: &str) -> String {
    maud::html! { (text) }.into_string()
}

/// A scale bar of a round length about a fifth of the map's width, and an
/// arrow to north (up: the map is drawn north up), in the band under the map.
fn scale_bar(svg: &mut String, metres_per_unit: f64, map_height: f64) {
    const LENGTHS: [f64; 13] = [
        50.0, 100.0, 200.0, 250.0, 500.0, 1_000.0, 2_000.0, 2_500.0, 5_000.0, 10_000.0, 20_000.0,
        25_000.0, 50_000.0,
    ];
    let metres = LENGTHS
        .iter()
        .copied()
        .take_while(|m| m / metres_per_unit <= WIDTH / 5.0)
        .last()
        .unwrap_or(LENGTHS[0]);
    let length = metres / metres_per_unit;
    let label = if metres >= 1_000.0 {
        format!("{} km", metres / 1_000.0)
    } else {
        format!("{metres} m")
    };
    let (x, y) = (20.0, map_height + 24.0);
    let _ = write!(
        svg,
        "<g class=\"scale-bar\" data-metres=\"{metres}\"><line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{:.3}\" y2=\"{y:.1}\" stroke=\"#000\" stroke-width=\"3\"/>\
         <line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#000\" stroke-width=\"2\"/>\
         <line x1=\"{:.3}\" y1=\"{:.1}\" x2=\"{:.3}\" y2=\"{:.1}\" stroke=\"#000\" stroke-width=\"2\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"14\" font-family=\"sans-serif\">{label}</text></g>",
        x + length,
        y - 6.0,
        y + 6.0,
        x + length,
        y - 6.0,
        x + length,
        y + 6.0,
        x + length + 8.0,
        y + 5.0,
    );
    let nx = WIDTH - 30.0;
    let _ = write!(
        svg,
        "<g class=\"north\"><path d=\"M{nx:.1} {:.1} l-7 14 h14 z\" fill=\"#000\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"14\" font-weight=\"bold\" font-family=\"sans-serif\">N</text></g>",
        map_height + 8.0,
        nx + 10.0,
        map_height + 22.0,
    );
}

/// `GET /briefing?area=...` (plus the premises list's filters).
pub async fn briefing_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> PageResult<Markup> {
    if !viewer.role.records_outcomes() {
        state.audit(viewer.audit("briefing", "denied"));
        return Err(AppError::Forbidden("briefing").into());
    }
    let mut q: Vec<(String, String)> = pairs(raw.as_deref())
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let Some(area_text) = q
        .iter()
        .position(|(k, _)| k == "area")
        .map(|i| q.remove(i).1)
    else {
        let force = q.iter().find(|(k, _)| k == "force").map(|(_, v)| v.clone());
        return chooser(&state, &viewer, force).await;
    };
    let area = BriefingArea::parse(&area_text).map_err(|m| AppError::bad("area", m))?;
    let request = premises::parse_premises(&q)?;
    let query = request.query.clone();
    let wanted = area.clone();
    let b = state
        .read(move |store| Ok(premises::briefing(store, &wanted, &query)?))
        .await?;
    let mut entry = viewer.audit("briefing", "ok");
    entry.target = Some(area_text.clone());
    entry.rows = Some(b.premises.len() as i64);
    state.audit(entry);
    let lang = viewer.lang.staff();
    let generated = now_written(lang);
    let period = match (request.query.filter.from, request.query.filter.to) {
        (None, None) => t(lang, "brief-all-reports"),
        (from, to) => t_args(
            lang,
            "brief-period",
            &[
                (
                    "from",
                    from.map_or_else(|| t(lang, "brief-first"), |d| date(lang, d))
                        .into(),
                ),
                (
                    "to",
                    to.map_or_else(|| t(lang, "brief-last"), |d| date(lang, d))
                        .into(),
                ),
            ],
        ),
    };
    let hot = b.cells.iter().filter(|(_, bin)| *bin >= 1).count();
    // What the officers call the place; the reference (a hotspot area's id,
    // a district's code) stays beside it, to match the map and the API.
    let area_name = match (&b.area, &b.place) {
        (BriefingArea::Hotspot(_), Some(town)) => t_args(
            lang,
            "map-area-near",
            &[("place", place_from(lang, town, b.from_town).into())],
        ),
        (BriefingArea::District(_), Some(name)) => {
            t_args(lang, "brief-district", &[("place", name.clone().into())])
        }
        _ => area_text.clone(),
    };
    // The heading is the page's title too: a printed briefing's header names it.
    let heading = t_args(lang, "brief-title", &[("area", area_name.into())]);
    let body = html! {
        main #main .briefing {
            h1 { (heading) }
            p.note { (t_args(lang, "brief-area-ref", &[("id", area_text.clone().into())])) }
            @if !b.forces.is_empty() {
                p.forces { (t_args(lang, if b.forces.len() > 1 { "brief-forces" } else { "brief-force" },
                    &[("values", b.forces.join(", ").into())])) }
            }
            @if let Some(trend) = &b.trend {
                // Whether the area is getting busier: the map panel's words.
                p.trend { (t_args(lang, &format!("map-trend-{}", trend.direction()), &[
                    ("months", (trend.monthly.len() as i64).into()),
                    ("p", p_relation(trend.test.p).into()),
                ])) }
            }
            p { (t_args(lang, "brief-meta", &[
                ("period", period.into()),
                ("res", i64::from(request.query.layer.res).into()),
                ("hot", (hot as i64).into()),
                ("cells", (b.cells.len() as i64).into()),
                ("when", generated.into()),
                ("user", viewer.user.clone().into()),
            ])) }
            (svg_map(lang, &b))
            p.legend {
                (t(lang, "brief-legend"))
                @if b.boundaries.iter().any(|e| e.between_forces) {
                    " " (t(lang, "brief-legend-forces"))
                } @else if !b.boundaries.is_empty() {
                    " " (t(lang, "brief-legend-districts"))
                }
            }
            div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "brief-region")) {
                table {
                    caption { (t(lang, "brief-caption")) }
                    thead { tr {
                        th scope="col" { "#" } th scope="col" { (t(lang, "prem-col-premises")) } th scope="col" { (t(lang, "prem-address")) }
                        th scope="col" { (t(lang, "prem-col-reports")) } th scope="col" { (t(lang, "prem-col-last-seen")) } th scope="col" { (t(lang, "map-indicators")) } th scope="col" { (t(lang, "prem-col-visit")) }
                    } }
                    tbody {
                        @for (i, row) in b.premises.iter().take(LISTED).enumerate() {
                            tr {
                                td { (i + 1) }
                                    td { (row.premises.name.clone().unwrap_or_else(|| t(lang, "prem-no-name"))) br; small { (label_in(lang, &row.premises.venue_type)) " · " (row.premises.premises_id) } }
                                td { (address_line(row.premises.address.as_deref(), row.premises.postcode.as_deref())) }
                                td.num { (count_in(lang, row.reports)) }
                                td.date { (row.last_seen) }
                                td { (row.top_indicators.iter().map(|i| label_in(lang, i)).collect::<Vec<_>>().join(", ")) }
                                td { @if let Some(o) = &row.last_outcome { (o.visited_on) ": " (label_in(lang, &o.result)) } @else { (t(lang, "prem-not-visited")) } }
                            }
                        }
                    }
                }
            }
            @if b.premises.len() > LISTED { p { (t_args(lang, "brief-more", &[("count", ((b.premises.len() - LISTED) as i64).into())])) } }
            (visits_section(lang, &b))
        }
    };
    Ok(staff_page(&heading, &body, viewer.nav_in(lang)))
}

/// The visits listed on a briefing: the newest, enough for a page.
const VISITS_LISTED: usize = 15;

/// What earlier visits to the area found: added up, then the newest listed.
fn visits_section(lang: Lang, b: &Briefing) -> Markup {
    let totals = b.visit_totals();
    let found = totals.found;
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX).into();
    let dates = (b.visits.last(), b.visits.first());
    html! {
        section #brief-visits {
            h2 { (t(lang, "brief-visits")) }
            @if let ((Some(first), Some(last)), Some((lo, hi))) = (dates, found.ci95()) {
                p { (t_args(lang, "brief-visits-summary", &[
                    ("count", count(found.visits)),
                    ("first", first.outcome.visited_on.to_string().into()),
                    ("last", last.outcome.visited_on.to_string().into()),
                    ("positive", count(found.positive)),
                    ("pct", format!("{:.0}%", found.rate().unwrap_or(0.0) * 100.0).into()),
                    ("lo", format!("{:.0}%", lo * 100.0).into()),
                    ("hi", format!("{:.0}%", hi * 100.0).into()),
                ])) " " (t_args(lang, "brief-visits-referrals", &[
                    ("victims", count(totals.potential_victims)),
                    ("nrm", count(totals.nrm_referrals)),
                    ("safeguarding", count(totals.safeguarding_referrals)),
                    ("arrests", count(totals.arrests)),
                ])) }
                div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "brief-visits")) {
                    table {
                        caption { (t(lang, "brief-visits-caption")) }
                        thead { tr {
                            @for id in ["prem-date", "prem-col-premises", "prem-operation", "prem-result", "prem-potential_victims", "prem-nrm_referrals", "prem-safeguarding_referrals", "prem-arrests"] {
                                th scope="col" { (t(lang, id)) }
                            }
                        } }
                        tbody {
                            @for visit in b.visits.iter().take(VISITS_LISTED) {
                                @let o = &visit.outcome;
                                tr {
                                    td.date { (o.visited_on) }
                                    td { @match (&visit.premises_name, &o.premises_id) {
                                        (Some(name), Some(id)) => { (name) br; small { (id) } }
                                        (None, Some(id)) => { (id) }
                                        _ => { (t(lang, "prem-none")) }
                                    } }
                                    td { (o.operation.clone().unwrap_or_default()) }
                                    td { (label_in(lang, &o.result)) }
                                    @for n in [o.potential_victims, o.nrm_referrals, o.safeguarding_referrals, o.arrests] {
                                        td.num { @if let Some(n) = n { (n) } }
                                    }
                                }
                            }
                        }
                    }
                }
                @if b.visits.len() > VISITS_LISTED {
                    p { (t_args(lang, "brief-visits-more", &[("count", count((b.visits.len() - VISITS_LISTED) as u64))])) }
                }
            } @else {
                p { (t(lang, "brief-visits-none")) }
            }
        }
    }
}

/// Without `area`: the view's hotspot areas (strongest first) and the
/// districts with reports in the latest quarter (busiest first), each a
/// briefing to open; with `force`, that police force's map and districts
/// (its areas' links keep `force`, which their ids depend on).
async fn chooser(state: &AppState, viewer: &Viewer, force: Option<String>) -> PageResult<Markup> {
    let lang = viewer.lang.staff();
    let layer_pairs: Vec<(String, String)> = force
        .iter()
        .map(|f| ("force".to_owned(), f.clone()))
        .collect();
    let request = crate::publish::parse(crate::publish::Layer::Hotspots, &layer_pairs)?;
    let gazetteer = Gazetteer::embedded();
    let force = force
        .as_deref()
        .and_then(|f| gazetteer.force_named(f))
        .map(|((id, _), _)| id);
    let keep_force = force.map_or_else(String::new, |id| format!("&force={id}"));
    let etag = layer_etag(state, viewer, &request);
    let answer = rendered_layer(state, &etag, &request, viewer).await?;
    let body: serde_json::Value =
        serde_json::from_slice(&answer.body).map_err(AppError::internal)?;
    let mut areas: Vec<(String, String, i64, i64)> = body["features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let p = &f["properties"];
            Some((
                p["id"].as_str()?.to_owned(),
                p["nearest_town"].as_str().map_or_else(
                    || "?".to_owned(),
                    |town| {
                        let km = p["nearest_town_km"].as_f64();
                        let direction = p["nearest_town_direction"].as_str();
                        place_from(lang, town, km.zip(direction))
                    },
                ),
                p["bin"].as_i64().unwrap_or(0),
                p["count"].as_i64().unwrap_or(0),
            ))
        })
        .collect();
    areas.sort_by(|a, b| b.2.cmp(&a.2).then(b.3.cmp(&a.3)).then(a.0.cmp(&b.0)));
    let table = towns_table(state, viewer, crate::model::AreaLevel::District).await?;
    let latest = table.0.iter().map(|r| r.period).max();
    let mut districts: Vec<(&str, &str, u64)> = table
        .0
        .iter()
        .zip(table.1.iter())
        .filter(|(r, _)| Some(r.period) == latest && r.town != "(none)")
        .filter(|(r, _)| {
            force.is_none_or(|id| {
                gazetteer
                    .force_of_district(&r.town)
                    .is_some_and(|f| f.0 == id)
            })
        })
        .map(|(r, p)| {
            (
                r.town.as_str(),
                r.district_name.as_str(),
                p.count.unwrap_or(0),
            )
        })
        .collect();
    districts.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(b.1)));
    // The forces of every district with reports, to choose from.
    let forces = gazetteer.forces_of_districts(table.0.iter().map(|r| r.town.as_str()));
    let body = html! {
        main #main .briefing {
            h1 { (t(lang, "brief-choose-title")) }
            p { (t(lang, "brief-choose-intro")) }
            form.picker method="get" action="/briefing" {
                label for="force" { (t(lang, "towns-force")) }
                select #force name="force" {
                    option value="" selected[force.is_none()] { (t(lang, "towns-force-all")) }
                    @for (id, name) in &forces {
                        option value=(id) selected[force == Some(*id)] { (name) }
                    }
                }
                button type="submit" { (t(lang, "towns-show")) }
            }
            h2 { (t(lang, "map-areas")) }
            @if areas.is_empty() {
                p { (t(lang, "map-areas-none")) }
            } @else {
                ul {
                    @for (id, near, bin, count) in &areas {
                        li { a href=(format!("/briefing?area={id}{keep_force}")) {
                            (t_args(lang, "map-area-near", &[("place", near.clone().into())]))
                        } " · " (t(lang, &format!("map-bin-{}", if *bin < 0 { format!("m{}", -bin) } else { bin.to_string() })))
                          " · " (t_args(lang, "map-n-reports", &[("count", (*count).into())])) }
                    }
                }
            }
            h2 { (t(lang, "brief-choose-districts")) }
            ul {
                @for (code, name, count) in &districts {
                    li { a href=(format!("/briefing?area=district:{code}")) { (name) }
                        " · " (t_args(lang, "map-n-reports", &[("count", i64::try_from(*count).unwrap_or(i64::MAX).into())])) }
                }
            }
        }
    };
    Ok(staff_page(
        &t(lang, "brief-page-title"),
        &body,
        viewer.nav_in(lang),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEIGHT: f64 = 600.0;

    #[test]
    fn a_place_name_goes_where_it_covers_no_premises_number() {
        let at = (500.0, 300.0);
        let right = place_label("March", at, &[], &[], HEIGHT).expect("room");
        assert_eq!((right.anchor, right.text_anchor), ((508.0, 305.0), "start"));
        // A number just right of the square: the name goes left.
        let left = place_label("March", at, &[], &[(530.0, 300.0)], HEIGHT).expect("room");
        assert_eq!((left.anchor, left.text_anchor), ((492.0, 305.0), "end"));
        // Numbers either side: above.
        let sides = [(530.0, 300.0), (470.0, 300.0)];
        let above = place_label("March", at, &[], &sides, HEIGHT).expect("room");
        assert_eq!(
            (above.anchor, above.text_anchor),
            ((500.0, 291.0), "middle")
        );
        // Either side and above: below.
        let around = [(530.0, 300.0), (470.0, 300.0), (500.0, 280.0)];
        let below = place_label("March", at, &[], &around, HEIGHT).expect("room");
        assert_eq!(below.anchor, (500.0, 320.0));
        // Numbers all round: the side covering fewest, right first.
        let crowded = [
            (530.0, 300.0),
            (470.0, 300.0),
            (460.0, 300.0),
            (500.0, 280.0),
            (490.0, 282.0),
            (500.0, 325.0),
            (510.0, 325.0),
        ];
        let least = place_label("March", at, &[], &crowded, HEIGHT).expect("room");
        assert_eq!(
            least.text_anchor, "start",
            "one number right, two elsewhere"
        );
    }

    #[test]
    fn a_place_name_is_never_over_another_name_or_off_the_map() {
        let at = (500.0, 300.0);
        // Another name takes the right: left.
        let taken = [(505.0, 290.0, 600.0, 310.0)];
        let left = place_label("March", at, &taken, &[], HEIGHT).expect("room");
        assert_eq!(left.text_anchor, "end");
        // Near the right edge: not right, whatever it covers.
        let edge =
            place_label("Wisbech", (990.0, 300.0), &[], &[(960.0, 300.0)], HEIGHT).expect("room");
        assert!(edge.bounds.2 <= WIDTH, "{edge:?}");
        // Names all round: none.
        let all_round = [(0.0, 0.0, WIDTH, HEIGHT)];
        assert_eq!(place_label("March", at, &all_round, &[], HEIGHT), None);
        // Every box keeps the square inside it and the name clear of others.
        let label =
            place_label("King's Lynn", at, &taken, &[(530.0, 300.0)], HEIGHT).expect("room");
        let b = label.bounds;
        assert!(
            b.0 <= 495.0 && b.2 >= 505.0 && b.1 <= 295.0 && b.3 >= 305.0,
            "{b:?}"
        );
    }
}
