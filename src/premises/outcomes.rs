//! Does the map send officers to the right places? Each visit is classed by
//! the hot-spot map *as it stood the day before the visit*: Gi* over the
//! reports of the `window_days` before the visit day, the visit day itself and
//! everything after left out (a report made after a visit, perhaps because of
//! what the visit found, would flatter the map). Then, per class, the visits,
//! the positive ones and the hit rate with Wilson's 95% interval; and
//! Chainey's Predictive Accuracy Index of the map that stood the day before the
//! period began, over the positive visits of the period. Hot visits are set
//! against the others by the ratio of their hit rates and Fisher's exact test.
//! Last, the hotspot areas of the map at the period's end, each with the
//! period's visits in its cells: which hot spots no visit has reached.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{Datelike, Days, NaiveDate};
use serde_json::{json, Value};

use super::maps::{BinMap, CategoryMap, Maps};
use crate::analysis::outcomes::{compare, pai, HitRate, Pai, RateComparison};
use crate::publish::{hotspot_areas, AreaResult, LayerError, LayerQuery};
use crate::store::{OutcomeRecord, ReportFilter, Store};

/// What the summary answers.
#[derive(Clone, Debug)]
pub struct SummaryQuery {
    /// Visits from `from` to `to` (inclusive); open ends take every visit.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The map's resolution, k, kernel and FDR (its period is set per visit).
    pub layer: LayerQuery,
    pub window_days: u32,
}

impl Default for SummaryQuery {
    fn default() -> Self {
        Self {
            from: None,
            to: None,
            layer: LayerQuery::default(),
            window_days: 365,
        }
    }
}

/// The summary's figures.
#[derive(Clone, Debug, Default)]
pub struct OutcomeSummary {
    /// Per Gi* bin (−3..=3) as the map stood the day before each visit.
    pub bins: BTreeMap<i8, HitRate>,
    /// Visits whose location is too coarse for the map's resolution.
    pub unplaced: u64,
    /// Per emerging category of the visit's cell; a cell with no reports in
    /// the window has none and counts under [`NO_REPORTS`].
    pub emerging: BTreeMap<String, HitRate>,
    pub pai: Option<Pai>,
    /// The PAI map's hot cells and study-area cells.
    pub pai_cells: (u64, u64),
    /// The hotspot areas at the period's end and the period's visits in
    /// each; `None` when no report is stored.
    pub areas: Option<AreasVisited>,
}

/// The hotspot areas of the map of the `window_days` of reports up to the
/// period's end (the latest report when the period is open), strongest
/// first, each with the period's visits in its own cells: which hot spots
/// visits reached, what they found there, and which none has reached.
#[derive(Clone, Debug)]
pub struct AreasVisited {
    /// The map's reports: `from` to `to`, both included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub areas: Vec<AreaVisits>,
}

/// One hotspot area and the visits made in its cells.
#[derive(Clone, Debug)]
pub struct AreaVisits {
    pub area: AreaResult,
    pub visits: HitRate,
    /// The newest of those visits.
    pub last: Option<OutcomeRecord>,
}

impl AreasVisited {
    /// The areas no visit of the period reached.
    pub fn unvisited(&self) -> usize {
        self.areas.iter().filter(|a| a.visits.visits == 0).count()
    }
}

impl OutcomeSummary {
    pub fn hot(&self) -> HitRate {
        self.class(|bin| bin >= 1)
    }

    pub fn not_hot(&self) -> HitRate {
        self.class(|bin| bin <= 0)
    }

    /// Visits to hot cells against the others: how many times as often
    /// they found exploitation, and whether that could be chance.
    pub fn hot_against_not_hot(&self) -> Option<RateComparison> {
        compare(self.hot(), self.not_hot())
    }

    fn class(&self, keep: impl Fn(i8) -> bool) -> HitRate {
        let mut total = HitRate::default();
        for (bin, rate) in &self.bins {
            if keep(*bin) {
                total.merge(*rate);
            }
        }
        total
    }

    /// The emerging categories with visits, in the interface's order (the hot
    /// patterns, the cold, `none`), then [`NO_REPORTS`]: a reader compares
    /// neighbouring rows, which the names' alphabetical order scattered.
    pub fn emerging_in_order(&self) -> Vec<(&str, HitRate)> {
        let order = crate::model::EMERGING_CATEGORIES;
        let rank = |category: &str| {
            order
                .iter()
                .position(|o| *o == category)
                .unwrap_or(order.len() + usize::from(category != NO_REPORTS))
        };
        let mut rows: Vec<(&str, HitRate)> = self
            .emerging
            .iter()
            .map(|(c, r)| (c.as_str(), *r))
            .collect();
        rows.sort_by_key(|(c, _)| rank(c));
        rows
    }

    /// The answer of `GET /api/v1/outcomes/summary` (interface.md).
    pub fn to_json(&self, query: &SummaryQuery) -> Value {
        let rate = |r: HitRate| {
            json!({
                "visits": r.visits,
                "positive": r.positive,
                "hit_rate": r.rate(),
                "ci95": r.ci95().map(|(lo, hi)| vec![lo, hi]),
            })
        };
        let bins: Vec<Value> = (-3..=3)
            .map(|bin| {
                let mut v = rate(self.bins.get(&bin).copied().unwrap_or_default());
                v["bin"] = json!(bin);
                v
            })
            .collect();
        let emerging: Vec<Value> = self
            .emerging_in_order()
            .into_iter()
            .map(|(category, r)| {
                let mut v = rate(r);
                v["category"] = json!(category);
                v
            })
            .collect();
        json!({
            "bins": bins,
            "hot": rate(self.hot()),
            "not_hot": rate(self.not_hot()),
            "hot_vs_not_hot": self.hot_against_not_hot().map(|c| json!({
                "rate_ratio": c.ratio,
                "ci95": c.ci95.map(|(lo, hi)| vec![lo, hi]),
                "p": c.p,
            })),
            "emerging": emerging,
            "unplaced": self.unplaced,
            "areas": self.areas.as_ref().map(|a| json!({
                "map_from": a.from.to_string(),
                "map_to": a.to.to_string(),
                "unvisited": a.unvisited(),
                "rows": a.areas.iter().map(|row| json!({
                    "id": row.area.area.id,
                    "nearest_town": row.area.nearest_town,
                    "nearest_town_km": row.area.from_town.map(|(km, _)| km),
                    "nearest_town_direction": row.area.from_town.map(|(_, d)| d),
                    "bin": row.area.area.bin,
                    "reports": row.area.area.reports.reports,
                    "visits": row.visits.visits,
                    "positive": row.visits.positive,
                    "hit_rate": row.visits.rate(),
                    "last_visit": row.last.as_ref().map(|o| o.visited_on.to_string()),
                    "last_result": row.last.as_ref().map(|o| o.result.clone()),
                })).collect::<Vec<_>>(),
            })),
            "pai": self.pai.map(|p| json!({
                "hot_share_of_positive": p.hot_share_of_positive,
                "hot_share_of_area": p.hot_share_of_area,
                "pai": p.pai,
                "hot_cells": self.pai_cells.0,
                "cells": self.pai_cells.1,
            })),
            "provenance": {
                "tool": "hotspots",
                "version": env!("CARGO_PKG_VERSION"),
                "from": query.from.map(|d| d.to_string()),
                "to": query.to.map(|d| d.to_string()),
                "res": query.layer.res,
                "k": query.layer.k,
                "kernel": query.layer.kernel.as_str(),
                "fdr": query.layer.fdr,
                "window_days": query.window_days,
                "min_reports": query.layer.min_reports,
                "rule": "each visit is classed by Gi* over the reports of the window_days before the visit day (the visit day and later excluded); a cell is hot only when its ring held min_reports reports or more, as on the map",
                "positive": "indicators_confirmed or victims_identified",
                "emerging": "each visit's cell by its emerging hot-spot category over the window_days before the end of the month before the visit (monthly steps; each step's neighbourhood spans `lag` steps before it, as the emerging layer's); no_reports: the cell had no reports in that window",
                "lag": query.layer.lag,
                "interval": "Wilson score interval, 95%",
                "hot_vs_not_hot": "hot visits' hit rate over not-hot visits' (null when not-hot visits found nothing), Katz's log 95% interval (null when either class found nothing), and Fisher's exact test, two-sided; null when either class has no visits. Visits are not chosen at random: this compares the places officers went",
                "pai": "Chainey's PAI: share of the period's positive visits in hot cells (bin >= 1) of the map as it stood the day before the period began, over the share of the study area's cells that map has hot",
                "areas": "the hotspot areas of the map of the window_days of reports up to the period's end (the latest report when open), strongest first, each with the period's visits located in its own cells (its ring not included)",
            },
        })
    }
}

/// The summary's category for a visit whose cell had no reports in the
/// emerging window: such a cell has no trend at all, which is not the
/// emerging analysis' `none` (reports, but no pattern in them).
pub const NO_REPORTS: &str = "no_reports";

/// The maps as they stood the day before `day`: Gi* over the reports of the
/// window before it; emerging categories as of the end of the month before
/// (a monthly trend has no complete step for the days of the visit's own
/// month, and one map a month keeps the summary to seconds).
struct MapOnDay {
    bins: Arc<BinMap>,
    categories: Arc<CategoryMap>,
}

fn map_before(maps: &Maps, query: &SummaryQuery, day: NaiveDate) -> Result<MapOnDay, LayerError> {
    let window = |to: Option<NaiveDate>| {
        let mut layer = query.layer.clone();
        layer.filter.to = to;
        layer.filter.from = to
            .and_then(|t| t.checked_add_days(Days::new(1)))
            .and_then(|t| t.checked_sub_days(Days::new(u64::from(query.window_days))));
        layer
    };
    let day_before = day.checked_sub_days(Days::new(1));
    let month_before = day
        .with_day(1)
        .and_then(|first| first.checked_sub_days(Days::new(1)));
    Ok(MapOnDay {
        bins: maps.bins(&window(day_before))?,
        categories: maps.categories(&window(month_before))?,
    })
}

/// The outcome summary (see the module's documentation for the rules).
///
/// # Errors
/// When the store fails or the map's parameters are invalid.
pub fn outcome_summary(store: &Store, query: &SummaryQuery) -> Result<OutcomeSummary, LayerError> {
    let slot = usize::from(query.layer.res.clamp(6, 9) - 6);
    let visits: Vec<OutcomeRecord> = store
        .outcomes()?
        .into_iter()
        .filter(|o| {
            query.from.is_none_or(|f| o.visited_on >= f)
                && query.to.is_none_or(|t| o.visited_on <= t)
        })
        .collect();
    let mut summary = OutcomeSummary::default();
    let kept = Maps::of(store)?;
    let mut maps: HashMap<NaiveDate, MapOnDay> = HashMap::new();
    for visit in &visits {
        let Some(cell) = visit.cells[slot] else {
            summary.unplaced += 1;
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = maps.entry(visit.visited_on) {
            slot.insert(map_before(&kept, query, visit.visited_on)?);
        }
        let map = &maps[&visit.visited_on];
        let bin = map.bins.bin(cell);
        summary
            .bins
            .entry(bin)
            .or_default()
            .add(visit.found_exploitation());
        let category = map
            .categories
            .get(&cell)
            .cloned()
            .unwrap_or_else(|| NO_REPORTS.to_owned());
        summary
            .emerging
            .entry(category)
            .or_default()
            .add(visit.found_exploitation());
    }
    let start = query.from.or_else(|| visits.first().map(|v| v.visited_on));
    if let Some(start) = start {
        let map = match maps.remove(&start) {
            Some(map) => map,
            None => map_before(&kept, query, start)?,
        };
        let placed_positive: Vec<u64> = visits
            .iter()
            .filter(|v| v.found_exploitation())
            .filter_map(|v| v.cells[slot])
            .collect();
        let in_hot = placed_positive
            .iter()
            .filter(|c| map.bins.bin(**c) >= 1)
            .count() as u64;
        summary.pai = pai(
            in_hot,
            placed_positive.len() as u64,
            map.bins.hot_cells,
            map.bins.cells,
        );
        summary.pai_cells = (map.bins.hot_cells, map.bins.cells);
    }
    summary.areas = areas_visited(store, query, &visits)?;
    Ok(summary)
}

/// [`AreasVisited`] for the period's `visits` (oldest first).
fn areas_visited(
    store: &Store,
    query: &SummaryQuery,
    visits: &[OutcomeRecord],
) -> Result<Option<AreasVisited>, LayerError> {
    let (_, latest, _) = store.data_window(&ReportFilter::default())?;
    let Some(to) = query.to.or(latest) else {
        return Ok(None);
    };
    let from = to
        .checked_add_days(Days::new(1))
        .and_then(|t| t.checked_sub_days(Days::new(u64::from(query.window_days))))
        .unwrap_or(to);
    let mut layer = query.layer.clone();
    layer.filter.from = Some(from);
    layer.filter.to = Some(to);
    let (_, found) = hotspot_areas(store, &layer)?;
    let slot = usize::from(layer.res.clamp(6, 9) - 6);
    // Each cell's area (areas do not share cells), then one pass over the
    // visits, oldest first, so each area's last is its newest.
    let area_of: HashMap<u64, usize> = (found.iter().enumerate())
        .flat_map(|(k, area)| area.area.cells.iter().map(move |c| (u64::from(*c), k)))
        .collect();
    let mut tallies: Vec<(HitRate, Option<&OutcomeRecord>)> =
        vec![(HitRate::default(), None); found.len()];
    for visit in visits {
        if let Some(&k) = visit.cells[slot].and_then(|c| area_of.get(&c)) {
            tallies[k].0.add(visit.found_exploitation());
            tallies[k].1 = Some(visit);
        }
    }
    let mut areas: Vec<AreaVisits> = found
        .into_iter()
        .zip(tallies)
        .map(|(area, (visits, last))| AreaVisits {
            area,
            visits,
            last: last.cloned(),
        })
        .collect();
    let strength = |a: &AreaVisits| (a.area.area.bin, a.area.area.reports.reports);
    areas.sort_by(|a, b| {
        (strength(b).cmp(&strength(a))).then_with(|| a.area.area.id.cmp(&b.area.area.id))
    });
    Ok(Some(AreasVisited { from, to, areas }))
}
