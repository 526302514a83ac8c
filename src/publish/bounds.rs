//! Where a layer's features lie: the box a GIS client frames when asked to
//! zoom to the layer (an OGC collection's spatial extent), so that it shows
//! the data rather than the whole of the UK.

use h3o::{CellIndex, LatLng};

use super::layers::{study_area, LayerError, StudyAreaSpec};
use super::params::Layer;
use crate::geo::Gazetteer;
use crate::store::Store;

/// A WGS84 box as GeoJSON and OGC order it: west, south, east, north.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Bounds {
    /// The store's `(min_lat, min_lng, max_lat, max_lng)`.
    pub fn of_extent((south, west, north, east): (f64, f64, f64, f64)) -> Self {
        Self {
            west,
            south,
            east,
            north,
        }
    }

    /// The smallest box holding every point (`None` for no points).
    pub fn of_points(points: impl IntoIterator<Item = (f64, f64)>) -> Option<Self> {
        points.into_iter().fold(None, |acc, (lat, lng)| {
            let point = Self {
                west: lng,
                south: lat,
                east: lng,
                north: lat,
            };
            Some(acc.map_or(point, |b: Self| b.union(point)))
        })
    }

    /// The smallest box holding both.
    #[must_use]
    pub fn union(self, other: Self) -> Self {
        Self {
            west: self.west.min(other.west),
            south: self.south.min(other.south),
            east: self.east.max(other.east),
            north: self.north.max(other.north),
        }
    }

    /// `[west, south, east, north]`, rounded outward to the micro-degree:
    /// the layers write positions to six decimals, rounded to the nearest,
    /// and the box must hold those too.
    pub fn as_array(self) -> [f64; 4] {
        self.outward(1e6)
    }

    /// `[west, south, east, north]`, rounded outward to a tenth of a degree:
    /// where the map page opens for every role, and the box a role that may
    /// not see report points is told: enough to frame the data, not enough to
    /// say where the outermost reports are.
    pub fn coarse(self) -> [f64; 4] {
        self.outward(10.0)
    }

    fn outward(self, per_degree: f64) -> [f64; 4] {
        let down = |v: f64| (v * per_degree).floor() / per_degree;
        let up = |v: f64| (v * per_degree).ceil() / per_degree;
        [
            down(self.west),
            down(self.south),
            up(self.east),
            up(self.north),
        ]
    }

    fn of_cells(cells: impl IntoIterator<Item = CellIndex>) -> Option<Self> {
        Self::of_points(cells.into_iter().flat_map(|cell| {
            cell.boundary()
                .iter()
                .map(|v: &LatLng| (v.lat(), v.lng()))
                .collect::<Vec<_>>()
        }))
    }
}

/// The box holding every feature `layer` answers with its default study
/// area, at any resolution (`None` when the layer has nothing to show).
///
/// The cell layers' features are the default study area's hexagons; the
/// area at resolution 6 is the widest (its cells are the largest covering
/// the same box), so its outline bounds the finer ones'.
pub fn layer_bounds(store: &Store, layer: Layer) -> Result<Option<Bounds>, LayerError> {
    Ok(match layer {
        Layer::Reports => store.extent()?.map(Bounds::of_extent),
        Layer::Cells | Layer::Hotspots | Layer::Emerging => study_area_bounds(store)?,
        // A town's row stands at the town's own place, which may lie beyond
        // its outermost reports.
        Layer::Towns => {
            let gazetteer = Gazetteer::embedded();
            let towns = store.towns_present()?;
            let places =
                Bounds::of_points(towns.iter().filter_map(|town| {
                    gazetteer.places_named(town).next().map(|p| (p.lat, p.lng))
                }));
            match (study_area_bounds(store)?, places) {
                (Some(a), Some(b)) => Some(a.union(b)),
                (a, b) => a.or(b),
            }
        }
        Layer::Context => Bounds::of_cells(
            store
                .context_counts(6, None, None)?
                .into_iter()
                .filter_map(|c| CellIndex::try_from(c.cell).ok()),
        ),
    })
}

fn study_area_bounds(store: &Store) -> Result<Option<Bounds>, LayerError> {
    let area = study_area(store, &StudyAreaSpec::Default, 6)?;
    Ok(Bounds::of_cells(area.cells().iter().copied()))
}
