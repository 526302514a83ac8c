//! Hotspot areas: connected hot cells dissolved into (Multi)Polygons, each with its
//! counts, venue mix, top indicators and dates. Pure computation.

use std::collections::{HashMap, HashSet, VecDeque};

use chrono::NaiveDate;
use h3o::CellIndex;

use super::gistar::StudyArea;
use crate::model::{Indicator, VenueType};

/// Per study-area position, the cells that have reports (a resolution-9
/// area has ~600,000 cells and a few thousand with reports; a `CellReports`
/// is 176 bytes).
pub type ReportsByCell = HashMap<usize, CellReports>;

/// What is known about the reports of one cell (for the chosen filter).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellReports {
    pub reports: u64,
    /// Counts by `VenueType::ALL` order.
    pub venues: [u64; 5],
    /// Counts by `Indicator::ALL` order.
    pub indicators: [u64; 14],
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
}

impl CellReports {
    fn absorb(&mut self, other: &Self) {
        self.reports += other.reports;
        for (a, b) in self.venues.iter_mut().zip(other.venues) {
            *a += b;
        }
        for (a, b) in self.indicators.iter_mut().zip(other.indicators) {
            *a += b;
        }
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// One dissolved area of connected hot cells.
#[derive(Clone, Debug)]
pub struct HotspotArea {
    /// Stable id: `hs-` + the smallest cell's hex, so the same area keeps its id.
    pub id: String,
    /// The strongest bin among its cells.
    pub bin: i8,
    pub cells: Vec<CellIndex>,
    pub max_gi_z: f64,
    pub reports: CellReports,
    pub geometry: geo::MultiPolygon,
}

impl HotspotArea {
    /// Venue counts by name, most first, zeros left out.
    pub fn venue_mix(&self) -> Vec<(&'static str, u64)> {
        ranked(
            VenueType::ALL
                .iter()
                .map(|v| v.as_str())
                .zip(self.reports.venues),
            usize::MAX,
        )
    }

    /// The `limit` most frequent indicators.
    pub fn top_indicators(&self, limit: usize) -> Vec<(&'static str, u64)> {
        ranked(
            Indicator::ALL
                .iter()
                .map(|i| i.as_str())
                .zip(self.reports.indicators),
            limit,
        )
    }
}

/// Non-zero counts, most first (ties by name), at most `limit`.
fn ranked(
    counts: impl Iterator<Item = (&'static str, u64)>,
    limit: usize,
) -> Vec<(&'static str, u64)> {
    let mut out: Vec<(&'static str, u64)> = counts.filter(|(_, n)| *n > 0).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    out.truncate(limit);
    out
}

/// Groups cells with `bin >= min_bin` into areas of grid-adjacent cells and
/// dissolves each into a MultiPolygon. Areas are ordered by reports, then z.
///
/// `reports[&i]` describes study-area cell `i` (none: no reports).
pub fn hotspot_areas(
    area: &StudyArea,
    bins: &[i8],
    z: &[f64],
    reports: &ReportsByCell,
    min_bin: i8,
) -> Vec<HotspotArea> {
    let hot: HashSet<CellIndex> = area
        .cells()
        .iter()
        .zip(bins)
        .filter(|(_, b)| **b >= min_bin)
        .map(|(c, _)| *c)
        .collect();
    let mut seen: HashMap<CellIndex, bool> = HashMap::with_capacity(hot.len());
    let mut out = Vec::new();
    let solvent = h3o::geom::SolventBuilder::new().build();
    for &start in area.cells() {
        if !hot.contains(&start) || seen.contains_key(&start) {
            continue;
        }
        let mut component = Vec::new();
        let mut queue = VecDeque::from([start]);
        seen.insert(start, true);
        while let Some(cell) = queue.pop_front() {
            component.push(cell);
            for next in cell.grid_disk::<Vec<_>>(1) {
                if hot.contains(&next) && !seen.contains_key(&next) {
                    seen.insert(next, true);
                    queue.push_back(next);
                }
            }
        }
        component.sort_unstable();
        let mut summary = CellReports::default();
        let (mut bin, mut max_z) = (0i8, f64::NEG_INFINITY);
        for cell in &component {
            if let Some(i) = area.position(*cell) {
                if let Some(cell_reports) = reports.get(&i) {
                    summary.absorb(cell_reports);
                }
                bin = bin.max(bins[i]);
                max_z = max_z.max(z[i]);
            }
        }
        let geometry = solvent
            .dissolve(component.iter().copied())
            .unwrap_or_else(|_| geo::MultiPolygon(vec![]));
        out.push(HotspotArea {
            id: format!("hs-{}", component[0]),
            bin,
            cells: component,
            max_gi_z: max_z,
            reports: summary,
            geometry,
        });
    }
    out.sort_by(|a, b| {
        b.reports
            .reports
            .cmp(&a.reports.reports)
            .then(b.max_gi_z.total_cmp(&a.max_gi_z))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_separate_clusters_make_two_areas() {
        let a = h3o::LatLng::new(52.666, 0.159)
            .expect("ll")
            .to_cell(h3o::Resolution::Eight);
        let far = h3o::LatLng::new(51.880, -0.417)
            .expect("ll")
            .to_cell(h3o::Resolution::Eight);
        let mut cells: Vec<CellIndex> = a.grid_disk::<Vec<_>>(3);
        cells.extend(far.grid_disk::<Vec<_>>(2));
        let area = StudyArea::new(cells);
        let hot_a: HashSet<CellIndex> = a.grid_disk::<Vec<_>>(1).into_iter().collect();
        let bins: Vec<i8> = area
            .cells()
            .iter()
            .map(|c| if hot_a.contains(c) || *c == far { 3 } else { 0 })
            .collect();
        let z: Vec<f64> = bins.iter().map(|b| f64::from(*b)).collect();
        let reports: ReportsByCell = area
            .cells()
            .iter()
            .enumerate()
            .filter(|(_, c)| hot_a.contains(c))
            .map(|(i, _)| {
                let cell_reports = CellReports {
                    reports: 2,
                    venues: [2, 0, 0, 0, 0],
                    ..CellReports::default()
                };
                (i, cell_reports)
            })
            .collect();
        let areas = hotspot_areas(&area, &bins, &z, &reports, 2);
        assert_eq!(areas.len(), 2);
        assert_eq!(areas[0].cells.len(), 7);
        assert_eq!(areas[0].reports.reports, 14);
        assert_eq!(areas[1].cells, vec![far]);
        // One polygon each, no holes: the 7-cell flower and a single hexagon.
        assert_eq!(areas[0].geometry.0.len(), 1);
        assert_eq!(
            areas[1].geometry.0[0].exterior().0.len(),
            7,
            "6 vertices, closed"
        );
    }
}
