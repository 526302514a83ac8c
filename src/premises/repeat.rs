//! The repeat-premises list: per premises, how often, through how many
//! channels, how recently and how fast it is reported, what was seen, where it
//! stands on the hot-spot map, and what the last visit found.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;

use crate::analysis::outcomes::{last_90_and_previous, median_days_between};
use crate::model::Indicator;
use crate::publish::{Bounds, LayerError, LayerQuery};
use crate::store::{OutcomeRecord, PremisesRecord, ReportFilter, Store};

/// Reports of one premises this many days apart or less are one incident
/// (the helpline and police intelligence reporting the same week's events).
pub const INCIDENT_WINDOW_DAYS: i64 = 7;

/// How the list is ordered (each descending but `name`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PremisesSort {
    #[default]
    Reports,
    Incidents,
    Sources,
    LastSeen,
    /// Reports in the last 90 days minus the 90 before.
    Velocity,
    Name,
}

impl PremisesSort {
    pub const NAMES: &'static str = "reports, incidents, sources, last_seen, velocity or name";

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "reports" => Self::Reports,
            "incidents" => Self::Incidents,
            "sources" => Self::Sources,
            "last_seen" => Self::LastSeen,
            "velocity" => Self::Velocity,
            "name" => Self::Name,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reports => "reports",
            Self::Incidents => "incidents",
            Self::Sources => "sources",
            Self::LastSeen => "last_seen",
            Self::Velocity => "velocity",
            Self::Name => "name",
        }
    }
}

/// What the list answers.
#[derive(Clone, Debug)]
pub struct PremisesQuery {
    /// Period, venue, exploitation, source and area, as the layers filter reports.
    pub filter: ReportFilter,
    pub min_reports: u64,
    pub sort: PremisesSort,
    /// The Gi* map a premises' cell is classed by (its resolution, k, kernel...).
    pub layer: LayerQuery,
    /// One premises only (its page).
    pub premises_id: Option<String>,
}

impl Default for PremisesQuery {
    fn default() -> Self {
        Self {
            filter: ReportFilter::default(),
            min_reports: 1,
            sort: PremisesSort::default(),
            layer: LayerQuery::default(),
            premises_id: None,
        }
    }
}

/// One premises with its figures.
#[derive(Clone, Debug)]
pub struct PremisesRow {
    pub premises: PremisesRecord,
    pub reports: u64,
    pub incidents: u64,
    pub sources: u64,
    pub first_seen: NaiveDate,
    pub last_seen: NaiveDate,
    pub reports_90d: u64,
    pub reports_prev_90d: u64,
    pub median_days_between: Option<f64>,
    /// At most three, most reported first.
    pub top_indicators: Vec<&'static str>,
    /// Exploitation types with their report counts, most first.
    pub exploitation: Vec<(String, u64)>,
    /// The Gi* bin of its cell (the query's resolution and period); `None`
    /// when its location is too coarse for that resolution.
    pub bin: Option<i8>,
    pub category: Option<String>,
    pub last_outcome: Option<OutcomeRecord>,
    /// Its nearest town, and how far and which way it lies from it: where it
    /// is, for a list read by someone planning visits across a force.
    pub nearest_town: Option<crate::geo::NearestTown>,
    /// Its reports (dates, sources, link reasons), for its page.
    pub timeline: Vec<crate::store::LinkedReport>,
}

/// Incidents among sorted dates: a new one starts after a gap of more than the window.
fn incidents(sorted: &[NaiveDate]) -> u64 {
    let mut count = 0;
    let mut last: Option<NaiveDate> = None;
    for d in sorted {
        if last.is_none_or(|l| (*d - l).num_days() > INCIDENT_WINDOW_DAYS) {
            count += 1;
        }
        last = Some(*d);
    }
    count
}

/// The box holding every premises the list could show: those with a linked
/// report (`None` for none).
///
/// # Errors
/// When the store fails.
pub fn premises_bounds(store: &Store) -> Result<Option<Bounds>, LayerError> {
    Ok(store.linked_premises_extent()?.map(Bounds::of_extent))
}

/// The repeat-premises list (premises with at least `min_reports` linked
/// reports passing the filter), sorted.
///
/// # Errors
/// When the store fails or the map's parameters are invalid.
pub fn repeat_premises(
    store: &Store,
    query: &PremisesQuery,
) -> Result<Vec<PremisesRow>, LayerError> {
    let linked = store.linked_reports(&query.filter)?;
    let premises: HashMap<String, PremisesRecord> = store
        .premises()?
        .into_iter()
        .map(|p| (p.premises_id.clone(), p))
        .collect();
    let mut by_premises: BTreeMap<&str, Vec<&crate::store::LinkedReport>> = BTreeMap::new();
    for r in &linked {
        if query
            .premises_id
            .as_deref()
            .is_none_or(|id| id == r.premises_id)
        {
            by_premises.entry(&r.premises_id).or_default().push(r);
        }
    }
    // "Now" for the 90-day windows: the period's end, else the newest report.
    let Some(day) = query
        .filter
        .to
        .or_else(|| linked.iter().map(|r| r.observed_on).max())
    else {
        return Ok(Vec::new());
    };
    let resolution_slot = usize::from(query.layer.res.clamp(6, 9) - 6);
    let mut layer = query.layer.clone();
    layer.filter = query.filter.clone();
    let maps = super::maps::Maps::of(store)?;
    let bins = maps.bins(&layer)?;
    let categories = maps.categories(&layer)?;
    let mut last_outcomes: HashMap<String, OutcomeRecord> = HashMap::new();
    for outcome in store.outcomes()? {
        if let Some(id) = &outcome.premises_id {
            last_outcomes.insert(id.clone(), outcome); // oldest first: the last wins
        }
    }
    // An area (districts, a box) keeps the premises whose cell is in it.
    let inside: Option<HashSet<u64>> = match &layer.study_area {
        crate::publish::StudyAreaSpec::Default => None,
        spec => Some(
            crate::publish::study_area(store, spec, layer.res)?
                .cells()
                .iter()
                .map(|c| u64::from(*c))
                .collect(),
        ),
    };
    let mut rows = Vec::new();
    for (id, reports) in by_premises {
        if (reports.len() as u64) < query.min_reports {
            continue;
        }
        let Some(record) = premises.get(id) else {
            continue;
        };
        if let Some(inside) = &inside {
            if !record.cells[resolution_slot].is_some_and(|c| inside.contains(&c)) {
                continue;
            }
        }
        let mut dates: Vec<NaiveDate> = reports.iter().map(|r| r.observed_on).collect();
        dates.sort_unstable();
        let sources: HashSet<&str> = reports.iter().map(|r| r.source.as_str()).collect();
        let mut indicator_counts = [0u64; 16];
        let mut exploitation: HashMap<&str, u64> = HashMap::new();
        for r in &reports {
            for (i, slot) in indicator_counts
                .iter_mut()
                .enumerate()
                .take(Indicator::ALL.len())
            {
                *slot += u64::from(r.indicator_mask >> i & 1);
            }
            *exploitation.entry(&r.exploitation_type).or_default() += 1;
        }
        let mut top: Vec<(usize, u64)> = indicator_counts
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, n)| *n > 0)
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut exploitation: Vec<(String, u64)> = exploitation
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        exploitation.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let (reports_90d, reports_prev_90d) = last_90_and_previous(&dates, day);
        let cell = record.cells[resolution_slot];
        rows.push(PremisesRow {
            premises: record.clone(),
            reports: reports.len() as u64,
            incidents: incidents(&dates),
            sources: sources.len() as u64,
            first_seen: dates[0],
            last_seen: dates[dates.len() - 1],
            reports_90d,
            reports_prev_90d,
            median_days_between: median_days_between(&dates),
            top_indicators: top
                .iter()
                .take(3)
                .filter_map(|(i, _)| Indicator::ALL.get(*i).map(|x| x.as_str()))
                .collect(),
            exploitation,
            bin: cell.map(|c| bins.bin(c)),
            category: cell.and_then(|c| categories.get(&c).cloned()),
            last_outcome: last_outcomes.get(id).cloned(),
            nearest_town: crate::geo::NearestTown::of(
                crate::geo::Gazetteer::embedded(),
                record.lat,
                record.lng,
            ),
            timeline: reports.into_iter().cloned().collect(),
        });
    }
    let velocity = |r: &PremisesRow| r.reports_90d as i64 - r.reports_prev_90d as i64;
    rows.sort_by(|a, b| {
        let order = match query.sort {
            PremisesSort::Reports => b.reports.cmp(&a.reports),
            PremisesSort::Incidents => b.incidents.cmp(&a.incidents),
            PremisesSort::Sources => b.sources.cmp(&a.sources),
            PremisesSort::LastSeen => b.last_seen.cmp(&a.last_seen),
            PremisesSort::Velocity => velocity(b).cmp(&velocity(a)),
            PremisesSort::Name => a.premises.name.cmp(&b.premises.name),
        };
        order.then_with(|| a.premises.premises_id.cmp(&b.premises.premises_id))
    });
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_a_week_apart_or_less_are_one_incident() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        // 1, 3, 10 (7 after 3: same), 18 (8 after 10: new), 18 again, 40
        let dates = [
            d("2024-01-01"),
            d("2024-01-03"),
            d("2024-01-10"),
            d("2024-01-18"),
            d("2024-01-18"),
            d("2024-02-09"),
        ];
        assert_eq!(incidents(&dates), 3);
        assert_eq!(incidents(&[]), 0);
    }
}
