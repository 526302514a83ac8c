//! `GET /towns`: the partnership page of town and district trends.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::extract::{RawQuery, State};
use chrono::NaiveDate;
use maud::{html, Markup};

use super::labels::label_in;
use crate::geo::Gazetteer;
use crate::model::{AreaLevel, Step};
use crate::publish;
use crate::publish::{Earlier, PublishedTrend, TownRow};
use crate::serve::error::{AppError, PageResult};
use crate::serve::i18n::{self, t, t_args, Lang};
use crate::serve::layout::page;
use crate::serve::query::{one, pairs};
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;
use crate::store::ReportFilter;

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
        if !matches!(k.as_str(), "quarter" | "level" | "force") {
            return Err(
                AppError::bad(k, "unknown parameter (accepted: quarter, level, force)").into(),
            );
        }
    }
    // One police force's towns: the published rows of its districts, no new
    // figure (a force's total would be one, and is not shown).
    let gazetteer = Gazetteer::embedded();
    let force = match one(&q, "force").filter(|f| !f.is_empty()) {
        None => None,
        Some(f) => Some(gazetteer.force_named(f).map(|(named, _)| named).ok_or_else(|| {
            AppError::bad(
                "force",
                format!("{f:?} is not a police force (its data.police.uk id, e.g. cambridgeshire, or its name)"),
            )
        })?),
    };
    let level = match one(&q, "level") {
        None | Some("town") => AreaLevel::Town,
        Some("district") => AreaLevel::District,
        Some(v) => {
            return Err(AppError::bad("level", format!("{v:?} is not town or district")).into())
        }
    };
    let table = towns_table(&state, &viewer, level).await?;
    let (rows, published) = (&table.0, &table.1);
    let k = state.config().suppression_k;
    let mut quarters: Vec<(NaiveDate, String, bool)> = rows
        .iter()
        .map(|r| (r.period, r.label.clone(), r.complete))
        .collect();
    quarters.sort();
    quarters.dedup();
    let selected = match one(&q, "quarter") {
        // The latest whole quarter: the one running is a part, and its
        // every town would read as a fall.
        None => quarters
            .iter()
            .rfind(|q| q.2)
            .or(quarters.last())
            .map(|q| q.0),
        Some(label) => Some(
            quarters
                .iter()
                .find(|(_, l, _)| l == label)
                .map(|q| q.0)
                .ok_or_else(|| {
                    AppError::bad(
                        "quarter",
                        format!("{label:?} is not a quarter with data (e.g. 2025-Q1)"),
                    )
                })?,
        ),
    };
    let (label, running) = selected
        .and_then(|s| quarters.iter().find(|q| q.0 == s))
        .map(|q| (q.1.clone(), !q.2))
        .unwrap_or_default();
    let as_of = if running {
        state.read(|store| Ok(store.reports_as_of()?)).await?
    } else {
        None
    };
    // No rows: no reports, or (for the release, of whole quarters) none in a
    // quarter that has ended.
    let none = if rows.is_empty()
        && state
            .read(|store| Ok(store.data_window(&ReportFilter::default())?.2 > 0))
            .await?
    {
        "towns-none-whole"
    } else {
        "towns-none"
    };
    let mut by_area: BTreeMap<String, Vec<(&TownRow, &PublishedTrend)>> = BTreeMap::new();
    for (r, p) in rows.iter().zip(published) {
        by_area.entry(r.town.clone()).or_default().push((r, p));
    }
    let force_of = |row: &TownRow| gazetteer.force_of_district(&row.district);
    // The forces the table's rows lie in, for the picker.
    let forces = gazetteer.forces_of_districts(rows.iter().map(|r| r.district.as_str()));
    let mut current: Vec<(&TownRow, &PublishedTrend, Vec<Option<u64>>)> = by_area
        .values()
        .filter(|series| {
            force.is_none_or(|(id, _)| {
                series
                    .first()
                    .and_then(|r| force_of(r.0))
                    .is_some_and(|f| f.0 == id)
            })
        })
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
    // The quarter's family of tests: every force's rows, as `q_change` was
    // adjusted over them.
    let tested = rows
        .iter()
        .zip(published)
        .filter(|(r, p)| Some(r.period) == selected && p.q_change.is_some())
        .count();
    // Busiest first; withheld counts (of any size) last.
    current.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.town.cmp(&b.0.town)));
    let lang = viewer.lang.staff();
    let shown = |v: Option<u64>| published_text(lang, v);
    let any_withheld = current.iter().any(|(_, p, _)| {
        p.count.is_none()
            || p.previous == Earlier::Withheld
            || p.year_before == Earlier::Withheld
            || p.breakdown.values().any(Option::is_none)
    });
    let level_word = if level == AreaLevel::District {
        "district"
    } else {
        "town"
    };
    let quarter = || [("quarter", label.clone().into())];
    let body = html! {
        main #main .towns {
            div.print-header {
                h1 {
                    @if label.is_empty() { (t(lang, "towns-page-title")) }
                    @else { (t_args(lang, &format!("towns-title-{level_word}"), &quarter())) }
                }
                p.meta { (generated(lang)) " · " (t(lang, &format!("towns-meta-{level_word}"))) }
                @if let Some((_, name)) = force {
                    p.force { (t_args(lang, "towns-force-meta", &[("force", (*name).into())])) }
                }
            }
            form.picker method="get" action="/towns" aria-label=(t(lang, "towns-picker")) {
                // No quarter to choose (a select without options): no control.
                @if !quarters.is_empty() {
                    label for="quarter" { (t(lang, "towns-quarter")) }
                    select #quarter name="quarter" {
                        @for (_, l, complete) in quarters.iter().rev() {
                            option value=(l) selected[*l == label] {
                                @if *complete { (l) } @else { (t_args(lang, "towns-quarter-running", &[("quarter", l.clone().into())])) }
                            }
                        }
                    }
                }
                label for="level" { (t(lang, "towns-group-by")) }
                select #level name="level" {
                    option value="town" selected[level == AreaLevel::Town] { (t(lang, "towns-level-town")) }
                    option value="district" selected[level == AreaLevel::District] { (t(lang, "towns-level-district")) }
                }
                @if !forces.is_empty() {
                    label for="force" { (t(lang, "towns-force")) }
                    select #force name="force" {
                        option value="" selected[force.is_none()] { (t(lang, "towns-force-all")) }
                        @for (id, name) in &forces {
                            option value=(id) selected[force.is_some_and(|f| f.0 == *id)] { (name) }
                        }
                    }
                }
                button type="submit" { (t(lang, "towns-show")) }
            }
            // Above the table: every row of a running quarter is a part.
            @if let Some(as_of) = as_of {
                p.note.running #towns-running { (t_args(lang, "towns-running-note", &[("quarter", label.clone().into()), ("date", i18n::date(lang, as_of).into())])) }
            }
            @if current.is_empty() {
                p #towns-none { (t(lang, none)) }
            } @else {
                div.table-scroll role="region" aria-labelledby="towns-caption" tabindex="0" {
                    table #towns-table {
                        caption #towns-caption { (t_args(lang, &format!("towns-caption-{level_word}"), &quarter())) }
                        thead {
                            tr {
                                th scope="col" { (t(lang, &format!("towns-level-{level_word}"))) }
                                @if level == AreaLevel::Town { th scope="col" { (t(lang, "towns-level-district")) } }
                                th scope="col" { (t(lang, "this-quarter")) }
                                th scope="col" { (t(lang, "previous")) }
                                th scope="col" { (t(lang, "year-before")) }
                                th scope="col" { (t(lang, "towns-change")) }
                                th scope="col" { (t(lang, "towns-significance")) }
                                th scope="col" { (t_args(lang, "towns-spark-heading", &[("count", (SPARK_QUARTERS as i64).into())])) }
                                th scope="col" { (t(lang, "towns-by-venue")) }
                                th scope="col" { (t(lang, "towns-by-exploitation")) }
                            }
                        }
                        tbody {
                            @for (row, p, spark) in &current {
                                tr data-area=(row.town) {
                                    th scope="row" { (row.town) }
                                    @if level == AreaLevel::Town { td { (row.district_name) } }
                                    td.num { (shown(p.count)) }
                                    td.num { (earlier_text(lang, p.previous)) }
                                    td.num { (earlier_text(lang, p.year_before)) }
                                    td.num { (p.change.map_or_else(|| "–".to_owned(), |n| signed(lang, n))) }
                                    td.sig { (t(lang, significance(row.complete, p))) }
                                    td { (sparkline(lang, spark, running)) }
                                    td.breakdown { (breakdown(lang, p, "venue:")) }
                                    td.breakdown { (breakdown(lang, p, "exploitation:")) }
                                }
                            }
                        }
                    }
                }
            }
            @if !running && !current.is_empty() {
                p.note #towns-note { (t_args(lang, "towns-note", &[("tested", (tested as i64).into())])) }
            }
            @if any_withheld {
                p.note #towns-withheld { (t_args(lang, "withheld-note", &[("limit", (k as i64 - 1).into())])) }
            }
        }
    };
    Ok(page(
        &t(lang, "towns-page-title"),
        "towns-page",
        &body,
        false,
        Some(viewer.nav_in(lang)),
    ))
}

/// The towns (or districts) table for a viewer's role, computed once per data
/// version and shared by the towns page and the partnership pack.
pub(super) async fn towns_table(
    state: &AppState,
    viewer: &Viewer,
    level: AreaLevel,
) -> Result<std::sync::Arc<crate::serve::state::TownsTable>, AppError> {
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
                    let mut rows = publish::area_trends(
                        store,
                        level,
                        &ReportFilter::default(),
                        Step::Quarter,
                    )?;
                    let published = match view.release {
                        Some(rule) => {
                            crate::publish::publish_trends(store, rule, level, &mut rows)?
                        }
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
    Ok(table)
}

/// A change with its sign, grouped as `lang` writes numbers ("+1,234", "-3").
pub(super) fn signed(lang: Lang, n: i64) -> String {
    if n > 0 {
        format!("+{}", i18n::number(lang, n))
    } else {
        i18n::number(lang, n)
    }
}

/// "Generated 3 December 2026 22:40" in `lang`, for a page's print header.
pub(super) fn generated(lang: Lang) -> String {
    t_args(lang, "generated", &[("when", now_written(lang).into())])
}

/// "3 December 2026 22:40" in `lang`: the moment a printed page was made.
/// The day is written out on every page, never "03/12/2026", which some of
/// the people a printout reaches read as March.
pub(super) fn now_written(lang: Lang) -> String {
    let now = chrono::Local::now();
    format!(
        "{} {}",
        i18n::date(lang, now.date_naive()),
        now.format("%H:%M")
    )
}

/// A published count as the pages show it: the number, or "withheld".
///
/// Not "<k": a count is withheld either because it is from 1 to k − 1 or
/// because, shown, it would let one be worked out from the totals (a town's
/// nail bars can be 76 and withheld). Marking the two kinds apart would say
/// which withheld counts are small, and the others' sum can then pin them
/// down exactly (a total of 11, one part of 5 shown, one "<5" and one of 5
/// or more withheld: they are 1 and 5), so every withheld count reads alike,
/// as statistical disclosure guidance asks.
pub(super) fn published_text(lang: Lang, v: Option<u64>) -> String {
    v.map_or_else(|| t(lang, "withheld"), |n| i18n::number(lang, n as i64))
}

/// An earlier period's count as the tables show it: as [`published_text`],
/// or a dash when the data does not reach back to it.
pub(super) fn earlier_text(lang: Lang, v: Earlier) -> String {
    match v {
        Earlier::Count(n) => published_text(lang, Some(n)),
        Earlier::Withheld => published_text(lang, None),
        Earlier::BeforeData => "–".to_owned(),
    }
}

/// The message id of a row's significance: its test against the previous
/// quarter, adjusted for the quarter's other rows (a table of a hundred
/// towns holds about five p < 0.05 by chance alone). A quarter still
/// running is not tested.
fn significance(complete: bool, row: &PublishedTrend) -> &'static str {
    if !complete {
        return "towns-sig-running";
    }
    if row.previous == Earlier::BeforeData {
        return "towns-sig-before-data";
    }
    let (Some(_), Some(change)) = (row.p_change, row.change) else {
        return "towns-sig-small";
    };
    if row
        .q_change
        .is_some_and(|q| q < crate::publish::CHANGE_ALPHA)
    {
        if change > 0 {
            "towns-sig-rise"
        } else {
            "towns-sig-fall"
        }
    } else {
        "towns-sig-none"
    }
}

fn breakdown(lang: Lang, row: &PublishedTrend, prefix: &str) -> String {
    let mut items: Vec<(&str, Option<u64>)> = row
        .breakdown
        .iter()
        .filter_map(|(key, v)| key.strip_prefix(prefix).map(|key| (key, *v)))
        .filter(|(_, v)| *v != Some(0))
        .collect();
    items.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    items
        .iter()
        .map(|(key, v)| format!("{} {}", label_in(lang, key), published_text(lang, *v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A small SVG line of counts (server-rendered, so it prints and needs no script).
/// A quarter still running (`running_last`) ends the line dashed, and is
/// read out as "so far": its part is not a fall.
fn sparkline(lang: Lang, values: &[Option<u64>], running_last: bool) -> Markup {
    let (w, h) = (96.0, 24.0);
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let step = if values.len() > 1 {
        w / (values.len() - 1) as f64
    } else {
        0.0
    };
    let point = |i: usize, v: u64| {
        format!(
            "{:.1},{:.1}",
            i as f64 * step,
            h - 2.0 - (v as f64 / max) * (h - 4.0)
        )
    };
    let whole = values.len() - usize::from(running_last && !values.is_empty());
    // Withheld quarters break the line (a path with a new `M` after each gap).
    let mut points = String::new();
    let mut pen_down = false;
    for (i, v) in values[..whole].iter().enumerate() {
        let Some(v) = v else {
            pen_down = false;
            continue;
        };
        let _ = write!(
            points,
            "{}{} ",
            if pen_down { "L" } else { "M" },
            point(i, *v)
        );
        pen_down = true;
    }
    let so_far = match (
        whole.checked_sub(1).map(|i| (i, values[i])),
        values.get(whole),
    ) {
        (Some((i, Some(before))), Some(Some(now))) => {
            format!("M{} L{}", point(i, before), point(whole, *now))
        }
        _ => String::new(),
    };
    let title = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let text = v.map_or_else(|| t(lang, "withheld"), |n| i18n::number(lang, n as i64));
            if i == whole {
                t_args(lang, "towns-so-far", &[("count", text.into())])
            } else {
                text
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let said = t_args(lang, "towns-spark", &[("values", title.into())]);
    html! {
        svg.spark width="96" height="24" viewBox="0 0 96 24" role="img" aria-label=(said) {
            title { (said) }
            path d=(points.trim_end()) fill="none" stroke="currentColor" stroke-width="1.5" {}
            @if !so_far.is_empty() {
                path.so-far d=(so_far) fill="none" stroke="currentColor" stroke-width="1.5" stroke-dasharray="2 2" {}
            }
        }
    }
}
