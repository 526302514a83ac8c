//! `GET /towns/pack?quarter=YYYYQn&area=district:CODE|town:NAME`: the
//! partnership pack, A4 pages that print from the browser: headline figures,
//! tables by exploitation type, adult or child and venue (this quarter, the
//! previous one, a year before, change and its exact test), a trend chart and
//! a written summary made from the figures.
//!
//! Every number is one the towns page publishes to the same role for the same
//! area and quarters (the one disclosure policy, `publish::publish_trends`);
//! the pack adds only arithmetic on published numbers (changes, exact tests),
//! so it reveals nothing the towns page does not.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use axum::extract::{RawQuery, State};
use chrono::{Datelike as _, NaiveDate};
use maud::{html, Markup};

use super::labels::{label_in, p_text, source_label};
use super::towns::{earlier_text, generated, published_text, signed, towns_table};
use crate::model::{period_start, AreaLevel, Step};
use crate::publish::{Earlier, PublishedTrend, TownRow};
use crate::serve::api::{layer_etag, rendered_layer};
use crate::serve::error::{AppError, PageResult};
use crate::serve::i18n::{self, t, t_args, Lang};
use crate::serve::layout::page;
use crate::serve::query::{one, pairs};
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;

/// Quarters in the trend chart.
const TREND_QUARTERS: usize = 8;
/// The breakdowns the pack tables, with their headings' message ids.
const DIMENSIONS: [(&str, &str); 5] = [
    ("exploitation:", "pack-dim-exploitation"),
    ("child:", "pack-dim-child"),
    ("nationality:", "pack-dim-nationality"),
    ("venue:", "pack-dim-venue"),
    ("source:", "pack-dim-source"),
];

fn quarter_label(q: NaiveDate) -> String {
    format!("{}-Q{}", q.year(), (q.month() - 1) / 3 + 1)
}

fn quarter_back(q: NaiveDate, n: u32) -> Option<NaiveDate> {
    q.checked_sub_months(chrono::Months::new(3 * n))
}

/// `GET /towns/pack`.
pub async fn pack_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> PageResult<Markup> {
    let q = pairs(raw.as_deref());
    for (k, _) in &q {
        if !matches!(k.as_str(), "quarter" | "area") {
            return Err(AppError::bad(k, "unknown parameter (accepted: quarter, area)").into());
        }
    }
    let (level, key) = match one(&q, "area") {
        Some(a) if a.starts_with("district:") => {
            (AreaLevel::District, a["district:".len()..].to_owned())
        }
        Some(a) if a.starts_with("town:") => (AreaLevel::Town, a["town:".len()..].to_owned()),
        Some(a) => {
            return Err(
                AppError::bad("area", format!("{a:?}: give district:CODE or town:NAME")).into(),
            )
        }
        None => (AreaLevel::District, String::new()),
    };
    let table = towns_table(&state, &viewer, level).await?;
    let (rows, published) = (&table.0, &table.1);
    // A pack is of a whole quarter: a quarter still running is a part of
    // one, and set against a whole year before it reads as a fall.
    let quarters: BTreeSet<NaiveDate> = rows
        .iter()
        .filter(|r| r.complete)
        .map(|r| r.period)
        .collect();
    let wanted = one(&q, "quarter").map(|s| s.replace('-', "").to_ascii_uppercase());
    let is = |p: NaiveDate, label: &str| quarter_label(p).replace('-', "") == label;
    let selected = match &wanted {
        None => quarters.last().copied(),
        Some(label) => quarters.iter().copied().find(|p| is(*p, label)),
    };
    let Some(selected) = selected else {
        // Why not: the quarter asked is still running, or holds no reports.
        let as_of = state.read(|store| Ok(store.reports_as_of()?)).await?;
        let running = as_of.map(|d| period_start(d, Step::Quarter));
        let message = match &wanted {
            Some(label) if running.is_some_and(|r| is(r, label)) => format!(
                "{label:?} is still running: a pack is of a whole quarter (the latest: {})",
                quarters.last().map_or_else(
                    || "none yet".to_owned(),
                    |q| quarter_label(*q).replace('-', "")
                )
            ),
            Some(label) => format!("{label:?} is not a quarter with data (e.g. 2025Q1)"),
            None => "no whole quarter of reports yet: a pack is of a whole quarter".to_owned(),
        };
        return Err(AppError::bad("quarter", message).into());
    };
    let k = state.config().suppression_k;
    let lang = viewer.lang.staff();
    if key.is_empty() {
        return Ok(chooser(lang, rows, selected, &viewer));
    }
    let series: Vec<(&TownRow, &PublishedTrend)> = rows
        .iter()
        .zip(published.iter())
        .filter(|(r, _)| r.town == key)
        .collect();
    let at = |p: Option<NaiveDate>| series.iter().find(|(r, _)| Some(r.period) == p).copied();
    let Some((row, now)) = at(Some(selected)) else {
        return Err(AppError::bad("area", format!("{key:?} has no reports in the data")).into());
    };
    let previous = at(quarter_back(selected, 1)).map(|(_, p)| p);
    let year_before = at(quarter_back(selected, 4)).map(|(_, p)| p);
    let area_name = if level == AreaLevel::District {
        row.district_name.clone()
    } else {
        row.town.clone()
    };
    let label = quarter_label(selected);
    let trend: Vec<(String, Option<u64>)> = series
        .iter()
        .filter(|(r, _)| r.period <= selected)
        .map(|(r, p)| (quarter_label(r.period), p.count))
        .collect();
    let trend = trend[trend.len().saturating_sub(TREND_QUARTERS)..].to_vec();
    let cells = area_cells(&state, &viewer, selected, level, &key).await?;
    let shown = |v: Option<u64>| published_text(lang, v);
    let area_quarter = || {
        [
            ("area", area_name.clone().into()),
            ("quarter", label.clone().into()),
        ]
    };
    let body = html! {
        main #main .pack {
            section.pack-page {
                h1 { (t_args(lang, "pack-title", &area_quarter())) }
                p.meta {
                    (generated(lang)) ". "
                    (t_args(lang, "pack-meta", &[("area", area_name.clone().into()), ("limit", (k as i64 - 1).into()), ("k", (k as i64).into())]))
                }
                h2 { (t(lang, "pack-headline")) }
                dl.headline {
                    dt { (t_args(lang, "pack-this-quarter", &[("quarter", label.clone().into())])) } dd data-value=(value_attr(now.count)) { (shown(now.count)) }
                    dt { (t(lang, "pack-previous")) } dd data-value=(earlier_attr(now.previous)) { (earlier_text(lang, now.previous)) }
                    dt { (t(lang, "pack-last-year")) } dd data-value=(earlier_attr(now.year_before)) { (earlier_text(lang, now.year_before)) }
                    dt { (t(lang, "pack-change-last-year")) } dd { (change_text(lang, now.count, now.year_before.count())) }
                }
                h2 { (t(lang, "pack-summary")) }
                @for sentence in summary(lang, &area_name, now, year_before) { p.summary { (sentence) } }
                h2 { (t(lang, "pack-trend")) }
                (trend_chart(lang, &trend, k))
            }
            section.pack-map {
                h2 { (t_args(lang, "pack-where", &area_quarter())) }
                (cell_map(lang, &cells))
            }
            @for (prefix, heading) in DIMENSIONS {
                section.pack-table {
                    h2 { (t(lang, heading)) }
                    (dimension_table(lang, prefix, &t(lang, heading), &label, now, previous, year_before))
                }
            }
        }
    };
    let mut entry = viewer.audit("pack", "ok");
    entry.target = Some(format!("{} {label}", one(&q, "area").unwrap_or("")));
    state.audit(entry);
    Ok(page(
        &t_args(lang, "pack-page-title", &area_quarter()),
        "pack-page-body",
        &body,
        false,
        Some(viewer.nav_in(lang)),
    ))
}

fn value_attr(v: Option<u64>) -> String {
    v.map_or_else(|| "withheld".to_owned(), |n| n.to_string())
}

/// [`value_attr`] of an earlier period's count: `before-data` when the data
/// does not reach it.
fn earlier_attr(v: Earlier) -> String {
    match v {
        Earlier::BeforeData => "before-data".to_owned(),
        _ => value_attr(v.count()),
    }
}

/// "+41% (p = 0.01)" from two published counts; a dash when either is withheld.
fn change_text(lang: Lang, now: Option<u64>, before: Option<u64>) -> String {
    match (now, before) {
        (Some(n), Some(b)) => {
            let p = crate::publish::published_change_p(n, b);
            let diff = signed(lang, n as i64 - b as i64);
            if b == 0 {
                format!("{diff} (p = {})", p_text(p))
            } else {
                let pct = (n as f64 - b as f64) / b as f64 * 100.0;
                format!("{diff}, {pct:+.0}% (p = {})", p_text(p))
            }
        }
        _ => "–".to_owned(),
    }
}

/// The summary: only what the headline figures and tables show.
fn summary(
    lang: Lang,
    area: &str,
    now: &PublishedTrend,
    year_before: Option<&PublishedTrend>,
) -> Vec<String> {
    let mut out = Vec::new();
    let number = |n: u64| i18n::number(lang, n as i64);
    match (now.count, now.year_before) {
        (Some(n), Earlier::Count(0)) => out.push(t_args(
            lang,
            "pack-sum-none-before",
            &[("area", area.into()), ("count", number(n).into())],
        )),
        (Some(n), Earlier::Count(b)) => {
            let p = crate::publish::published_change_p(n, b);
            let pct = ((n as f64 - b as f64) / b as f64 * 100.0).abs().round();
            let id = match n.cmp(&b) {
                std::cmp::Ordering::Greater => "pack-sum-above",
                std::cmp::Ordering::Less => "pack-sum-below",
                std::cmp::Ordering::Equal => "pack-sum-same",
            };
            // One area's one test: no family to adjust for, unlike the
            // towns table's rows.
            let verdict = if p < crate::publish::CHANGE_ALPHA {
                "pack-verdict-change"
            } else {
                "pack-verdict-chance"
            };
            out.push(t_args(
                lang,
                id,
                &[
                    ("area", area.into()),
                    ("pct", format!("{pct:.0}").into()),
                    ("count", number(n).into()),
                    ("before", number(b).into()),
                    ("p", p_text(p).into()),
                    ("verdict", t(lang, verdict).into()),
                ],
            ));
            // Which published venue or exploitation value made most of a rise or fall.
            if n != b {
                if let Some(before) = year_before {
                    let total = n as i64 - b as i64;
                    let mut best: Option<(i64, String)> = None;
                    for (key, v) in &now.breakdown {
                        if !(key.starts_with("venue:") || key.starts_with("exploitation:")) {
                            continue;
                        }
                        let (Some(x), Some(Some(y))) = (v, before.breakdown.get(key)) else {
                            continue;
                        };
                        let d = *x as i64 - *y as i64;
                        if d.signum() == total.signum()
                            && 2 * d.abs() > total.abs()
                            && best.as_ref().is_none_or(|(bd, _)| d.abs() > bd.abs())
                        {
                            best = Some((d, key.clone()));
                        }
                    }
                    if let Some((d, key)) = best {
                        let (dim, value) = key.split_once(':').unwrap_or(("", &key));
                        let (id, value) = if dim == "venue" {
                            ("venue", label_in(lang, value).to_lowercase())
                        } else {
                            ("exploitation", label_in(lang, value))
                        };
                        let way = if total > 0 { "rise" } else { "fall" };
                        out.push(t_args(
                            lang,
                            &format!("pack-sum-{id}-{way}"),
                            &[("value", value.into()), ("change", signed(lang, d).into())],
                        ));
                    }
                }
            }
        }
        (None, _) => out.push(t_args(lang, "pack-sum-too-few", &[("area", area.into())])),
        (Some(_), Earlier::Withheld) => out.push(t(lang, "pack-sum-too-few-before")),
        (Some(_), Earlier::BeforeData) => out.push(t(lang, "pack-sum-before-data")),
    }
    out
}

/// A breakdown key's (`venue:car_wash`, `source:glaa`) value as a label.
fn value_label(lang: Lang, key: &str) -> String {
    match key.split_once(':') {
        Some(("source", code)) => source_label(lang, code),
        Some((_, code)) => label_in(lang, code),
        None => label_in(lang, key),
    }
}

fn dimension_table(
    lang: Lang,
    prefix: &str,
    heading: &str,
    label: &str,
    now: &PublishedTrend,
    previous: Option<&PublishedTrend>,
    year_before: Option<&PublishedTrend>,
) -> Markup {
    let get = |t: Option<&PublishedTrend>, key: &str| -> Option<u64> {
        t.and_then(|t| t.breakdown.get(key).copied().unwrap_or(Some(0)))
    };
    // An earlier quarter the table has no row for began before the data.
    let earlier = |t: Option<&PublishedTrend>, key: &str| match t {
        None => Earlier::BeforeData,
        Some(_) => get(t, key).map_or(Earlier::Withheld, Earlier::Count),
    };
    let mut keys: Vec<String> = [Some(now), previous, year_before]
        .into_iter()
        .flatten()
        .flat_map(|t| {
            t.breakdown
                .keys()
                .filter(|k| k.starts_with(prefix))
                .cloned()
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    keys.sort_by(|a, b| get(Some(now), b).cmp(&get(Some(now), a)).then(a.cmp(b)));
    let shown = |v: Option<u64>| published_text(lang, v);
    html! {
        div.table-scroll role="region" tabindex="0" aria-label=(heading) {
            table.pack data-dimension=(prefix.trim_end_matches(':')) {
                caption { (t_args(lang, "pack-table-caption", &[("heading", heading.into()), ("quarter", label.into())])) }
                thead { tr {
                    th scope="col" { (t(lang, "pack-value")) }
                    th scope="col" { (t(lang, "this-quarter")) }
                    th scope="col" { (t(lang, "previous")) }
                    th scope="col" { (t(lang, "year-before")) }
                    th scope="col" { (t(lang, "pack-change-test")) }
                } }
                tbody {
                    @for key in &keys {
                        @let (n, p, y) = (get(Some(now), key), earlier(previous, key), earlier(year_before, key));
                        tr data-key=(key) {
                            th scope="row" { (value_label(lang, key)) }
                            td.num data-value=(value_attr(n)) { (shown(n)) }
                            td.num data-value=(earlier_attr(p)) { (earlier_text(lang, p)) }
                            td.num data-value=(earlier_attr(y)) { (earlier_text(lang, y)) }
                            td { (change_text(lang, n, y.count())) }
                        }
                    }
                }
                tfoot { tr {
                    th scope="row" { (t(lang, "pack-all")) }
                    td.num { (shown(now.count)) }
                    td.num { (earlier_text(lang, now.previous)) }
                    td.num { (earlier_text(lang, now.year_before)) }
                    td { (change_text(lang, now.count, now.year_before.count())) }
                } }
            }
        }
    }
}

/// Quarterly totals as bars (server-rendered SVG, so it prints); a withheld
/// quarter has no bar, only the word, written up from the baseline: a
/// withheld count may be small or not (see `published_text`), so no height
/// would be true.
fn trend_chart(lang: Lang, values: &[(String, Option<u64>)], k: u64) -> Markup {
    let (w, h, pad) = (560.0, 180.0, 28.0);
    let max = values.iter().filter_map(|v| v.1).max().unwrap_or(0).max(k) as f64;
    let slot = (w - 2.0 * pad) / values.len().max(1) as f64;
    let withheld = maud::html! { (t(lang, "withheld")) }.into_string();
    let mut bars = String::new();
    for (i, (label, v)) in values.iter().enumerate() {
        let x = pad + i as f64 * slot + slot * 0.15;
        let bw = slot * 0.7;
        let middle = x + bw / 2.0;
        if let Some(n) = v {
            let bh = *n as f64 / max * (h - 2.0 * pad);
            let _ = write!(
                bars,
                r#"<rect x="{x:.1}" y="{:.1}" width="{bw:.1}" height="{bh:.1}" class="bar"/><text x="{middle:.1}" y="{:.1}" class="value">{}</text>"#,
                h - pad - bh,
                h - pad - bh - 4.0,
                i18n::number(lang, *n as i64)
            );
        } else {
            let base = h - pad - 4.0;
            let _ = write!(
                bars,
                r#"<text x="{middle:.1}" y="{base:.1}" transform="rotate(-90 {middle:.1} {base:.1})" class="withheld">{withheld}</text>"#,
            );
        }
        let _ = write!(
            bars,
            r#"<text x="{middle:.1}" y="{:.1}" class="axis">{label}</text>"#,
            h - pad + 14.0
        );
    }
    let description = values
        .iter()
        .map(|(l, v)| format!("{l}: {}", published_text(lang, *v)))
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        figure.trend {
            svg viewBox=(format!("0 0 {w} {h}")) width="100%" role="img" aria-labelledby="trend-title trend-desc" {
                title #trend-title { (t_args(lang, "pack-trend-title", &[("count", (values.len() as i64).into())])) }
                desc #trend-desc { (description) }
                (maud::PreEscaped(bars))
            }
            figcaption { (t_args(lang, "pack-trend-caption", &[("values", description.clone().into())])) }
        }
    }
}

/// The area's cells with reports in the quarter, at the release resolution, as
/// the cells layer answers the viewer (the partnership role: the release, with
/// its withheld counts): `(cell, count)`, `None` withheld.
async fn area_cells(
    state: &AppState,
    viewer: &Viewer,
    quarter: NaiveDate,
    level: AreaLevel,
    key: &str,
) -> Result<Vec<(h3o::CellIndex, Option<u64>)>, AppError> {
    let end = quarter
        .checked_add_months(chrono::Months::new(3))
        .and_then(|d| d.pred_opt())
        .unwrap_or(quarter);
    let pairs = vec![
        ("from".to_owned(), quarter.to_string()),
        ("to".to_owned(), end.to_string()),
        ("res".to_owned(), state.config().release_res.to_string()),
    ];
    let request = crate::publish::parse(crate::publish::Layer::Cells, &pairs)?;
    let etag = layer_etag(state, viewer, &request);
    let answer = rendered_layer(state, &etag, &request, viewer).await?;
    let body: serde_json::Value =
        serde_json::from_slice(&answer.body).map_err(AppError::internal)?;
    let mut localities = crate::geo::Localities::default();
    let mut out = Vec::new();
    for f in body["features"].as_array().into_iter().flatten() {
        let p = &f["properties"];
        let Some(cell) = p["h3"]
            .as_str()
            .and_then(|h| h.parse::<h3o::CellIndex>().ok())
        else {
            continue;
        };
        let count = p["count"].as_u64();
        if count == Some(0) {
            continue;
        }
        let Some(parent) = cell.parent(h3o::Resolution::Seven) else {
            continue;
        };
        let (town, district) = localities.of_cell(parent);
        let place = if level == AreaLevel::District {
            district
        } else {
            town
        };
        if place == Some(key) {
            out.push((cell, count));
        }
    }
    Ok(out)
}

/// A cell's outline (lon, lat), its count and its index.
type Outline = (Vec<(f64, f64)>, Option<u64>, String);

/// The cells as hexagons (server-rendered SVG: it prints, and needs no
/// script or tiles). Counts are shaded in classes and also written in each
/// cell's title and the caption, so colour is never the only carrier.
fn cell_map(lang: Lang, cells: &[(h3o::CellIndex, Option<u64>)]) -> Markup {
    if cells.is_empty() {
        return html! { p { (t(lang, "pack-map-none")) } };
    }
    let rings: Vec<Outline> = cells
        .iter()
        .map(|(c, n)| {
            let ring = c.boundary().iter().map(|v| (v.lng(), v.lat())).collect();
            (ring, *n, c.to_string())
        })
        .collect();
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (ring, _, _) in &rings {
        for (x, y) in ring {
            (x0, y0, x1, y1) = (x0.min(*x), y0.min(*y), x1.max(*x), y1.max(*y));
        }
    }
    // Equirectangular at the area's latitude: true shapes at this scale.
    let squeeze = f64::midpoint(y0, y1).to_radians().cos();
    let (w, h, pad) = (520.0, 380.0, 10.0);
    let scale = ((w - 2.0 * pad) / ((x1 - x0) * squeeze).max(1e-9))
        .min((h - 2.0 * pad) / (y1 - y0).max(1e-9));
    let class = |n: Option<u64>| match n {
        None => "c-withheld",
        Some(n) if n < 10 => "c-1",
        Some(n) if n < 20 => "c-2",
        Some(_) => "c-3",
    };
    let mut shapes = String::new();
    for (ring, n, id) in &rings {
        let points: Vec<String> = ring
            .iter()
            .map(|(x, y)| {
                format!(
                    "{:.1},{:.1}",
                    pad + (x - x0) * squeeze * scale,
                    h - pad - (y - y0) * scale
                )
            })
            .collect();
        // The title keeps the cell's index and the number (or "withheld")
        // readable by a script as well as a person.
        let said = published_text(lang, *n);
        let title = t_args(
            lang,
            "pack-map-cell",
            &[("id", id.clone().into()), ("value", said.into())],
        );
        let _ = write!(
            shapes,
            r#"<polygon points="{}" class="{}"><title>{}</title></polygon>"#,
            points.join(" "),
            class(*n),
            maud::html! { (title) }.into_string()
        );
    }
    let withheld = cells.iter().filter(|c| c.1.is_none()).count();
    let busiest = cells.iter().filter_map(|c| c.1).max();
    html! {
        figure.cells-map {
            svg viewBox=(format!("0 0 {w} {h}")) width="100%" role="img" aria-labelledby="map-title map-desc" {
                title #map-title { (t(lang, "pack-map-title")) }
                desc #map-desc { (t_args(lang, "pack-map-desc", &[("count", (cells.len() as i64).into()), ("withheld", (withheld as i64).into())])) }
                (maud::PreEscaped(shapes))
            }
            figcaption {
                (t_args(lang, "pack-map-caption", &[("count", (cells.len() as i64).into()), ("withheld", (withheld as i64).into())]))
                @if let Some(b) = busiest { (t_args(lang, "pack-map-busiest", &[("value", i18n::number(lang, b as i64).into())])) }
                (t(lang, "pack-map-shading")) " "
                span.key.c-1 { (t(lang, "pack-map-under-10")) } " " span.key.c-2 { "10-19" } " " span.key.c-3 { (t(lang, "pack-map-20-more")) } " " span.key.c-withheld { (t(lang, "withheld")) } "."
            }
        }
    }
}

/// Without `area`: the areas of the quarter to choose from.
fn chooser(lang: Lang, rows: &[TownRow], quarter: NaiveDate, viewer: &Viewer) -> Markup {
    let mut areas: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r.period == quarter)
        .map(|r| (r.town.as_str(), r.district_name.as_str()))
        .collect();
    areas.sort_by(|a, b| a.1.cmp(b.1));
    areas.dedup();
    // A partnership works within a police force area: its districts together,
    // under the force's name (forces by name; a district with none last).
    let gazetteer = crate::geo::Gazetteer::embedded();
    let mut by_force: BTreeMap<(bool, String), Vec<(&str, &str)>> = BTreeMap::new();
    for (code, name) in areas {
        let force = gazetteer.force_of_district(code).map_or_else(
            || (true, t(lang, "pack-choose-no-force")),
            |(_, force)| (false, force.to_owned()),
        );
        by_force.entry(force).or_default().push((code, name));
    }
    let label = quarter_label(quarter).replace('-', "");
    let body = html! {
        main #main .pack {
            h1 { (t(lang, "pack-choose-title")) }
            p { (t_args(lang, "pack-choose-intro", &[("quarter", quarter_label(quarter).into())])) }
            @for ((_, force), districts) in &by_force {
                section.force {
                    h2 { (force) }
                    ul {
                        @for (code, name) in districts {
                            li { a href=(format!("/towns/pack?quarter={label}&area=district:{code}")) { (name) } }
                        }
                    }
                }
            }
        }
    };
    page(
        &t(lang, "pack-choose-page-title"),
        "pack-page-body",
        &body,
        false,
        Some(viewer.nav_in(lang)),
    )
}
