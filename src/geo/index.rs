//! H3 indexing: the cells of a report at resolutions 6-9, limited to the
//! resolutions its precision supports. Pure computation, no I/O.
//!
//! **The precision rule.** A report is counted at resolution `r` only when its
//! precision radius is at most 1.5 x the mean H3 edge length at `r` (the edge of
//! a hexagon equals its circumradius), i.e. when the area it may lie in is not
//! much larger than one cell:
//!
//! | res | mean edge | counted when precision <= |
//! |----:|----------:|--------------------------:|
//! | 6   | 3,725 m   | 5,587 m  (towns, most outward codes) |
//! | 7   | 1,406 m   | 2,109 m  (compact outward codes, 1 km grid refs) |
//! | 8   |   531 m   |   797 m  |
//! | 9   |   201 m   |   301 m  (postcode units, GPS, 100 m grid refs) |
//!
//! Coarser reports (a rural outward code spread over 10 km, say) are stored with
//! no cells; the analysis counts them as `excluded_imprecise`.
//!
//! **One cell per report, parents derived.** A report's cell is the one at the
//! finest resolution its precision supports; every coarser cell is that cell's
//! H3 parent (bit operations), not the cell the point falls in at that
//! resolution. So counts are additive across resolutions: a cell's count is the
//! sum of its children's among the reports counted at both, which the
//! cross-resolution `robust` flag and the disclosure guarantees rely on. The
//! cost: near a cell's edge a point's res-8 cell (its res-9 cell's parent) can
//! differ from the res-8 hexagon the point lies in, because H3's children do
//! not tile their parent exactly (19% of the reference points at some
//! resolution, all within a fraction of an edge of the boundary). Layer answers
//! say so in their provenance (`"cell_assignment": "parent_of_finest"`).

use h3o::{CellIndex, LatLng, LatLngIndexer, Resolution};

/// The resolutions the dashboard analyses, coarse to fine.
pub const RESOLUTIONS: [Resolution; 4] = [
    Resolution::Six,
    Resolution::Seven,
    Resolution::Eight,
    Resolution::Nine,
];

/// Precision radius tolerated at a resolution, as a multiple of its mean edge length.
pub const EDGE_FACTOR: f64 = 1.5;

/// Cells of one report at res 6..=9; `None` where the report is too coarse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportCells(pub [Option<CellIndex>; 4]);

impl ReportCells {
    /// The finest of them: the one the store keeps (the others are its parents).
    pub fn finest(&self) -> Option<CellIndex> {
        self.0.iter().rev().find_map(|cell| *cell)
    }

    pub fn at(&self, resolution: Resolution) -> Option<CellIndex> {
        RESOLUTIONS
            .iter()
            .position(|r| *r == resolution)
            .and_then(|i| self.0[i])
    }
}

/// True when a report located to within `precision_m` is counted at `resolution`.
pub fn supports(precision_m: f64, resolution: Resolution) -> bool {
    precision_m <= EDGE_FACTOR * resolution.edge_length_m()
}

/// The finest resolution at which a report of this precision is counted.
pub fn finest_resolution(precision_m: f64) -> Option<Resolution> {
    RESOLUTIONS
        .iter()
        .rev()
        .copied()
        .find(|r| supports(precision_m, *r))
}

/// The report's cells: the finest its precision supports, and that cell's
/// parents (see the module's doc). See [`Indexer`] for a run of reports.
pub fn cells_for(point: LatLng, precision_m: f64) -> ReportCells {
    Indexer::default().cells(point, precision_m)
}

/// Indexes a run of reports through h3o's `LatLngIndexer`, which remembers the
/// last cell: reports located at the same place (a postcode, a town) one after
/// another, common in real files, then cost no projection at all.
#[derive(Clone, Debug, Default)]
pub struct Indexer(LatLngIndexer);

impl Indexer {
    /// As [`cells_for`].
    pub fn cells(&mut self, point: LatLng, precision_m: f64) -> ReportCells {
        let mut cells = ReportCells::default();
        let Some(finest) = finest_resolution(precision_m) else {
            return cells;
        };
        let Some(cell) = self.0.to_cells(point, std::iter::once(finest)).next() else {
            return cells;
        };
        // `supports` is monotone (mean edges shrink as resolution grows), so
        // the counted resolutions are the coarse end of RESOLUTIONS.
        for (slot, resolution) in cells.0.iter_mut().zip(RESOLUTIONS) {
            if resolution <= finest {
                *slot = cell.parent(resolution);
            }
        }
        cells
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_rule_by_method() {
        assert_eq!(finest_resolution(10.0), Some(Resolution::Nine)); // GPS
        assert_eq!(finest_resolution(100.0), Some(Resolution::Nine)); // postcode unit
        assert_eq!(finest_resolution(1000.0), Some(Resolution::Seven)); // 1 km grid ref
        assert_eq!(finest_resolution(3000.0), Some(Resolution::Six)); // small town
        assert_eq!(finest_resolution(5000.0), Some(Resolution::Six)); // city
        assert_eq!(finest_resolution(12_000.0), None); // a rural outward code
    }

    #[test]
    fn town_report_counts_only_at_res_6() {
        let point = LatLng::new(52.666_22, 0.159_38).expect("valid");
        let cells = cells_for(point, 4000.0);
        assert!(cells.at(Resolution::Six).is_some());
        assert_eq!(cells.at(Resolution::Seven), None);
        assert_eq!(cells.at(Resolution::Nine), None);
    }

    #[test]
    fn the_finest_cell_is_the_points_and_the_coarser_are_its_parents() {
        // A 150 x 130 grid over Great Britain and beyond (49-61 N, 9 W-2 E),
        // each point on its own and all in a row through one indexer
        // (neighbours, repeats included, so that its remembered cell is both
        // reused and replaced).
        let mut indexer = Indexer::default();
        let mut moved = 0;
        for i in 0..150 {
            for j in 0..130 {
                let lat = 49.0 + 12.0 * f64::from(i) / 150.0;
                let lng = -9.0 + 11.0 * f64::from(j) / 130.0;
                let point = LatLng::new(lat, lng).expect("valid");
                let nearby = LatLng::new(lat + 1e-4, lng).expect("valid");
                for (cells, point) in [
                    (cells_for(point, 10.0), point),
                    (indexer.cells(point, 10.0), point),
                    (indexer.cells(point, 10.0), point),
                    (indexer.cells(nearby, 10.0), nearby),
                ] {
                    let finest = point.to_cell(Resolution::Nine);
                    assert_eq!(cells.at(Resolution::Nine), Some(finest), "{point}");
                    for resolution in &RESOLUTIONS[..3] {
                        assert_eq!(cells.at(*resolution), finest.parent(*resolution), "{point}");
                        moved +=
                            usize::from(cells.at(*resolution) != Some(point.to_cell(*resolution)));
                    }
                }
            }
        }
        assert!(
            moved > 0,
            "some parents differ from the point's own cell near edges"
        );
    }

    #[test]
    fn precision_limits_a_prefix_of_resolutions() {
        let point = LatLng::new(52.129, -0.289).expect("valid");
        for precision_m in [10.0, 500.0, 1000.0, 3000.0, 12_000.0] {
            let cells = cells_for(point, precision_m);
            let finest = finest_resolution(precision_m).map(|r| point.to_cell(r));
            for resolution in RESOLUTIONS {
                let expected = finest
                    .filter(|_| supports(precision_m, resolution))
                    .and_then(|c| c.parent(resolution));
                assert_eq!(
                    cells.at(resolution),
                    expected,
                    "{precision_m} m at {resolution}"
                );
            }
        }
    }
}
