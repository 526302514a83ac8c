//! Layers: the glue between `store` and `analysis`. A [`LayerQuery`] (the API's
//! and the command line's parameters, validated) goes in; computed layers come
//! out, ready to be written as GeoJSON or CSV by `export` and served by `serve`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{Months, NaiveDate};
use h3o::{CellIndex, LatLng, Resolution};
use serde_json::{json, Value};

use crate::analysis::{
    self, CellReports, Emerging, HotspotArea, Kernel, Neighbours, ReportsByCell, Rings, StudyArea,
};
use crate::geo::Gazetteer;
use crate::model::{
    period_complete, period_end, period_label, period_start, periods, previous_period, AreaLevel,
    Step,
};
use crate::store::{CellRow, IndicatorWeights, ReportFilter, Store, StoreError};

/// How each report counts: 1, or by its indicators; or a cell's count per
/// registered premises, smoothed (`analysis::rates`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Weight {
    #[default]
    Count,
    Risk,
    Rate,
}

impl Weight {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Count => "count",
            Self::Risk => "risk",
            Self::Rate => "rate",
        }
    }
}

/// Default risk weights: a report counts `1 + Σ w` over its indicators. Signs of
/// control and abuse weigh most; commercial signs (cash only, no receipt) least,
/// because they are common at legitimate businesses too.
pub const DEFAULT_RISK_WEIGHTS: IndicatorWeights = [
    0.25, // no_ppe
    0.75, // living_on_site
    0.1,  // cash_only
    0.1,  // no_receipt
    0.1,  // very_low_price
    0.75, // fearful_workers
    0.75, // controlling_manager
    0.5,  // transported_in_groups
    1.0,  // id_withheld
    1.0,  // underage_workers
    1.0,  // signs_of_abuse
    0.5,  // poor_accommodation
    0.25, // long_hours
    1.0,  // debt_bondage
];

/// Which cells the statistics are computed over.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum StudyAreaSpec {
    /// The bounding box of every stored report, 2 km wider, land and coast only.
    #[default]
    Default,
    /// Local-authority districts by ONS code or name.
    Districts(Vec<String>),
    /// Police force areas by data.police.uk id or name: their districts.
    Forces(Vec<String>),
    /// `min_lat, min_lng, max_lat, max_lng`.
    BBox([f64; 4]),
    /// Polygons (WGS84), e.g. from a GeoJSON file: the cells whose centre is inside.
    Polygons(Vec<geo::Polygon>),
}

/// Polygons of a GeoJSON text (FeatureCollection, Feature or bare geometry;
/// Polygon and MultiPolygon geometries), for [`StudyAreaSpec::Polygons`].
///
/// # Errors
/// A message when the text is not GeoJSON or holds no polygon.
pub fn polygons_from_geojson(text: &str) -> Result<Vec<geo::Polygon>, String> {
    let geojson: geojson::GeoJson = text.parse().map_err(|e| format!("not GeoJSON: {e}"))?;
    let geometries: Vec<geojson::Geometry> = match geojson {
        geojson::GeoJson::FeatureCollection(fc) => {
            fc.features.into_iter().filter_map(|f| f.geometry).collect()
        }
        geojson::GeoJson::Feature(f) => f.geometry.into_iter().collect(),
        geojson::GeoJson::Geometry(g) => vec![g],
    };
    let ring = |r: &Vec<geojson::Position>| -> geo::LineString {
        r.iter()
            .map(|p| geo::coord! { x: p.as_slice()[0], y: p.as_slice()[1] })
            .collect()
    };
    let polygon = |rings: &Vec<Vec<geojson::Position>>| -> Option<geo::Polygon> {
        let (outer, holes) = rings.split_first()?;
        Some(geo::Polygon::new(
            ring(outer),
            holes.iter().map(ring).collect(),
        ))
    };
    let mut out = Vec::new();
    for g in &geometries {
        match &g.value {
            geojson::GeometryValue::Polygon { coordinates } => out.extend(polygon(coordinates)),
            geojson::GeometryValue::MultiPolygon { coordinates } => {
                out.extend(coordinates.iter().filter_map(polygon));
            }
            _ => {}
        }
    }
    if out.is_empty() {
        return Err("no Polygon or MultiPolygon geometry found".into());
    }
    Ok(out)
}

/// The fewest reports a hotspot area holds unless asked otherwise: two, so
/// that no single report is an area.
pub const DEFAULT_MIN_REPORTS: u32 = 2;

/// Every parameter of a layer, validated.
#[derive(Clone, Debug)]
pub struct LayerQuery {
    pub res: u8,
    pub filter: ReportFilter,
    pub k: u32,
    pub kernel: Kernel,
    pub fdr: bool,
    pub weight: Weight,
    pub step: Step,
    /// 0 = analytical p-values only; otherwise conditional permutations (pseudo-p used for bins).
    pub permutations: u32,
    pub seed: u64,
    pub study_area: StudyAreaSpec,
    pub risk_weights: IndicatorWeights,
    /// `emerging` only: the categories to answer (empty: all of them).
    pub categories: Vec<Emerging>,
    /// The fewest reports (or units counted) a hot cell's neighbourhood (its
    /// k-ring) holds, in the map (an emerging analysis: over its period), and
    /// a hotspot area holds. In a sparse map (a venue type over a quarter)
    /// one report's cell and its ring come out hot at 99% under Gi*'s normal
    /// p-value; one report is a lead to check, not a place where
    /// exploitation concentrates. 1: Gi*'s bins as they are (esda's).
    pub min_reports: u32,
    /// `emerging` only: how many earlier steps each cell's neighbourhood
    /// spans besides its own ([`analysis::space_time_factor`]): ArcGIS's
    /// "neighborhood time step" and sfdep's `k`, both 1 by default. 0 is
    /// Gi* of each step's map alone.
    pub lag: u32,
}

/// The largest `lag`: three steps back (a quarter of months, or most of a
/// year of quarters) already smooths over what changed.
pub const MAX_LAG: u32 = 3;

impl Default for LayerQuery {
    fn default() -> Self {
        Self {
            res: 8,
            filter: ReportFilter::default(),
            k: 1,
            kernel: Kernel::Uniform,
            fdr: true,
            weight: Weight::Count,
            step: Step::Month,
            permutations: 0,
            seed: 20_240_601,
            study_area: StudyAreaSpec::Default,
            risk_weights: DEFAULT_RISK_WEIGHTS,
            categories: Vec::new(),
            min_reports: DEFAULT_MIN_REPORTS,
            lag: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

fn resolution(res: u8) -> Result<Resolution, LayerError> {
    match res {
        6..=9 => Resolution::try_from(res).map_err(|e| LayerError::Invalid {
            field: "res",
            message: e.to_string(),
        }),
        _ => Err(LayerError::Invalid {
            field: "res",
            message: format!("{res} is not a resolution from 6 to 9"),
        }),
    }
}

/// What a study area is a function of: the spec, the resolution and (for the
/// default spec) the data's extent.
#[derive(Clone, Debug, PartialEq)]
struct StudyAreaKey {
    spec: StudyAreaSpec,
    res: u8,
    extent: Option<(f64, f64, f64, f64)>,
}

/// Study areas computed lately, most recent last, each with the spatial weights
/// built over it so far (~10 ms each for 20k cells). Building an area tiles a
/// bounding box and tests every cell against the UK outline (tens of
/// milliseconds at res 8, far more at res 9), while every layer request needs
/// one: they are pure functions of their key, so sharing them across stores and
/// requests is safe, and the bounds keep memory flat (a res-9 area is ~30 MB;
/// its weights are kept to [`WEIGHTS_KEPT_BYTES`] across areas). An area's
/// weights leave with it.
static STUDY_AREAS: Mutex<Vec<KeptArea>> = Mutex::new(Vec::new());
const STUDY_AREAS_KEPT: usize = 8;

/// The most bytes of spatial weights kept across the areas. A res-9 area's
/// rings at k = 3 are ~110 MB (each kernel's weights over them ~10 MB more),
/// and an analyst trying each k there would otherwise keep them all for as
/// long as the area is kept.
const WEIGHTS_KEPT_BYTES: usize = 512 << 20;

struct KeptArea {
    key: StudyAreaKey,
    area: Arc<StudyArea>,
    /// Oldest first; the kernels at one `k` share its rings.
    weights: Vec<Arc<Neighbours>>,
}

fn kept_areas() -> std::sync::MutexGuard<'static, Vec<KeptArea>> {
    lock_kept(&STUDY_AREAS)
}

fn lock_kept(kept: &Mutex<Vec<KeptArea>>) -> std::sync::MutexGuard<'_, Vec<KeptArea>> {
    kept.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The study area's cells at `res` (deterministic: sorted cells).
pub fn study_area(
    store: &Store,
    spec: &StudyAreaSpec,
    res: u8,
) -> Result<Arc<StudyArea>, LayerError> {
    resolution(res)?;
    let extent = match spec {
        StudyAreaSpec::Default => store.extent()?,
        _ => None,
    };
    let key = StudyAreaKey {
        spec: spec.clone(),
        res,
        extent,
    };
    {
        let mut kept = kept_areas();
        if let Some(i) = kept.iter().position(|k| k.key == key) {
            let entry = kept.remove(i);
            let area = Arc::clone(&entry.area);
            kept.push(entry);
            return Ok(area);
        }
    }
    // Built outside the lock: two requests may build the same area once each,
    // which is cheaper than making every other request wait.
    let area = Arc::new(build_study_area(&key)?);
    let mut kept = kept_areas();
    if !kept.iter().any(|k| k.key == key) {
        if kept.len() == STUDY_AREAS_KEPT {
            kept.remove(0);
        }
        kept.push(KeptArea {
            key,
            area: Arc::clone(&area),
            weights: Vec::new(),
        });
    }
    Ok(area)
}

/// The spatial weights of `area`, shared while the area is memoised (found by
/// identity: a kept area is alive, so its address is not reused).
fn neighbours(area: &Arc<StudyArea>, k: u32, kernel: Kernel) -> Arc<Neighbours> {
    neighbours_in(&STUDY_AREAS, WEIGHTS_KEPT_BYTES, area, k, kernel)
}

/// [`neighbours`] kept in `kept` within `budget` bytes. Another kernel at the
/// same `k` is weighed over the kept rings (one pass over them) rather than
/// building them again: the rings are most of the cost and do not depend on
/// the kernel.
fn neighbours_in(
    kept: &Mutex<Vec<KeptArea>>,
    budget: usize,
    area: &Arc<StudyArea>,
    k: u32,
    kernel: Kernel,
) -> Arc<Neighbours> {
    let is_area = |kept: &KeptArea| Arc::ptr_eq(&kept.area, area);
    let kept_rings = {
        let kept = lock_kept(kept);
        let weights = kept
            .iter()
            .find(|kept| is_area(kept))
            .map(|kept| &kept.weights);
        let at_k = || weights.into_iter().flatten().filter(|nb| nb.k() == k);
        if let Some(nb) = at_k().find(|nb| nb.kernel == kernel) {
            return Arc::clone(nb);
        }
        at_k().next().map(|nb| Arc::clone(nb.rings()))
    };
    let rings = kept_rings.unwrap_or_else(|| Arc::new(Rings::build(area, k)));
    let nb = Arc::new(Neighbours::weigh(rings, kernel));
    let mut kept = lock_kept(kept);
    if let Some(entry) = kept.iter_mut().find(|kept| is_area(kept)) {
        entry.weights.push(Arc::clone(&nb));
        shed_weights(&mut kept, budget, &nb);
    }
    nb
}

/// The bytes `weights` hold, rings shared between kernels counted once.
fn weights_bytes(weights: &[Arc<Neighbours>]) -> usize {
    weights
        .iter()
        .enumerate()
        .map(|(i, nb)| {
            let shared = weights[..i]
                .iter()
                .any(|earlier| Arc::ptr_eq(earlier.rings(), nb.rings()));
            nb.kernel_bytes() + if shared { 0 } else { nb.rings().heap_bytes() }
        })
        .sum()
}

/// Drops kept weights until they fit `budget`: the least recently used
/// areas' first, each area's oldest first; `newest` (just built) stays. A
/// kernel's weights leave alone; their rings leave with the last kernel
/// weighing them.
fn shed_weights(kept: &mut [KeptArea], budget: usize, newest: &Arc<Neighbours>) {
    let mut total: usize = kept.iter().map(|area| weights_bytes(&area.weights)).sum();
    for area in kept.iter_mut() {
        let mut i = 0;
        while i < area.weights.len() && total > budget {
            if Arc::ptr_eq(&area.weights[i], newest) {
                i += 1;
                continue;
            }
            let before = weights_bytes(&area.weights);
            area.weights.remove(i);
            total -= before - weights_bytes(&area.weights);
        }
    }
}

/// The res-7 cells of each district or force a spec names, with the
/// parameter that named it (empty: unknown).
fn district_cells_of<'a>(
    gazetteer: &Gazetteer,
    spec: &'a StudyAreaSpec,
) -> Vec<(&'static str, &'a str, Vec<CellIndex>)> {
    match spec {
        StudyAreaSpec::Districts(names) => names
            .iter()
            .map(|name| ("district", name.as_str(), gazetteer.district_cells(name)))
            .collect(),
        StudyAreaSpec::Forces(names) => names
            .iter()
            .map(|name| {
                let cells = gazetteer
                    .force_named(name)
                    .map(|(_, districts)| {
                        districts
                            .iter()
                            .flat_map(|d| gazetteer.district_cells(d))
                            .collect()
                    })
                    .unwrap_or_default();
                ("force", name.as_str(), cells)
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn build_study_area(key: &StudyAreaKey) -> Result<StudyArea, LayerError> {
    let resolution = resolution(key.res)?;
    let spec = &key.spec;
    let gazetteer = Gazetteer::embedded();
    let cells: Vec<CellIndex> = match spec {
        StudyAreaSpec::Districts(_) | StudyAreaSpec::Forces(_) => {
            let mut res7: HashSet<CellIndex> = HashSet::new();
            for (field, name, cells) in district_cells_of(gazetteer, spec) {
                if cells.is_empty() {
                    return Err(LayerError::Invalid {
                        field,
                        message: if field == "force" {
                            format!("unknown police force {name:?}: give its data.police.uk id (cambridgeshire) or its name")
                        } else {
                            format!("unknown district {name:?}")
                        },
                    });
                }
                res7.extend(cells);
            }
            // Fill one-cell gaps (fields with no postcodes) surrounded by the district.
            let gaps: Vec<CellIndex> = res7
                .iter()
                .flat_map(|c| c.grid_ring::<Vec<_>>(1))
                .filter(|c| !res7.contains(c))
                .filter(|c| {
                    c.grid_ring::<Vec<_>>(1)
                        .iter()
                        .filter(|n| res7.contains(n))
                        .count()
                        >= 5
                })
                .collect();
            res7.extend(gaps);
            res7.into_iter()
                .flat_map(|c| {
                    if resolution <= Resolution::Seven {
                        c.parent(resolution).into_iter().collect::<Vec<_>>()
                    } else {
                        c.children(resolution).collect()
                    }
                })
                .collect()
        }
        StudyAreaSpec::BBox(b) => bbox_cells(*b, resolution),
        StudyAreaSpec::Polygons(polygons) => {
            let mut tiler = h3o::geom::TilerBuilder::new(resolution)
                .containment_mode(h3o::geom::ContainmentMode::ContainsCentroid)
                .build();
            for polygon in polygons {
                tiler
                    .add(polygon.clone())
                    .map_err(|e| LayerError::Invalid {
                        field: "area",
                        message: e.to_string(),
                    })?;
            }
            tiler.into_coverage().collect()
        }
        StudyAreaSpec::Default => match key.extent {
            None => Vec::new(),
            Some((a, b, c, d)) => {
                // 2 km margin: ~0.018 degrees of latitude, 0.03 of longitude at 52N.
                bbox_cells([a - 0.018, b - 0.03, c + 0.018, d + 0.03], resolution)
                    .into_iter()
                    .filter(|cell| {
                        let centre = LatLng::from(*cell);
                        gazetteer.in_uk(centre.lat(), centre.lng())
                    })
                    .collect()
            }
        },
    };
    Ok(StudyArea::new(cells))
}

fn bbox_cells(b: [f64; 4], resolution: Resolution) -> Vec<CellIndex> {
    let [min_lat, min_lng, max_lat, max_lng] = b;
    let polygon = geo::Polygon::new(
        geo::LineString::from(vec![
            (min_lng, min_lat),
            (max_lng, min_lat),
            (max_lng, max_lat),
            (min_lng, max_lat),
            (min_lng, min_lat),
        ]),
        vec![],
    );
    let mut tiler = h3o::geom::TilerBuilder::new(resolution)
        .containment_mode(h3o::geom::ContainmentMode::Covers)
        .build();
    if tiler.add(polygon).is_err() {
        return Vec::new();
    }
    tiler.into_coverage().collect()
}

/// One cell of the cells layer.
#[derive(Clone, Debug, PartialEq)]
pub struct CellResult {
    pub cell: CellIndex,
    pub count: u64,
    pub value: f64,
    pub gi_z: f64,
    pub p: f64,
    pub bin: i8,
    /// Reports (or units counted) in the cell's k-ring, itself included: the
    /// neighbourhood that made its z.
    pub ring_count: u64,
    /// `weight=rate` only: the registered premises in the cell (0: the cell
    /// has no rate; Gi* sees the study area's rate there).
    pub premises: Option<u64>,
}

/// Gi* over the study area: every cell (zeros included), plus what was left out.
#[derive(Clone, Debug)]
pub struct HotspotRun {
    pub area: Arc<StudyArea>,
    pub cells: Vec<CellResult>,
    /// Per cell with reports (by study-area position) its breakdowns; empty
    /// unless asked for (only hotspot areas need them).
    pub details: ReportsByCell,
    /// Per significance level (99, 95, 90%) the p cut-off used.
    pub cutoffs: [(i8, f64); 3],
    /// Cells Gi* alone made hot whose neighbourhood held fewer than the
    /// query's `min_reports` ([`analysis::clear_thin_hot_cells`]): binned 0.
    pub thin_hot_cells: usize,
    pub excluded_imprecise: u64,
    pub outside_study_area: u64,
    pub data_window: (Option<NaiveDate>, Option<NaiveDate>),
}

impl HotspotRun {
    /// Why no cell passed the false discovery rate, when the permutations
    /// rather than the data decided it: no pseudo-p is below `1/(R+1)`, and
    /// Benjamini-Hochberg over `n` cells passes none unless at least
    /// `n/(R+1)/0.10` cells have that smallest p (at 90% confidence). An
    /// analyst who asked for permutations over a large study area would
    /// otherwise read an empty map as "no hot spots".
    pub fn fdr_note(&self, query: &LayerQuery) -> Option<String> {
        let loosest = self.cutoffs.iter().map(|(_, cut)| *cut).fold(0.0, f64::max);
        if query.permutations == 0 || !query.fdr || loosest > 0.0 {
            return None;
        }
        let draws = f64::from(query.permutations) + 1.0;
        let smallest = 1.0 / draws;
        let at_smallest = self
            .cells
            .iter()
            .filter(|c| c.p * draws <= 1.0 + 1e-9)
            .count();
        if at_smallest == 0 {
            return None;
        }
        // The loosest level (90%): passing none there, none pass at all.
        let alpha = (crate::analysis::stats::LEVELS.iter()).fold(0.0, |a, (_, level)| level.max(a));
        let needed = (self.cells.len() as f64 * smallest / alpha).ceil();
        Some(format!(
            "no cell passed the false discovery rate: with {} permutations the smallest pseudo-p is 1/{draws} = {smallest}, {at_smallest} cells had it, and Benjamini-Hochberg over {} cells needs {needed} of them for any to pass at 90% confidence; more permutations, a smaller study area (district, force, bbox) or fdr=false would say more",
            query.permutations,
            self.cells.len(),
        ))
    }
}

fn weights(query: &LayerQuery) -> Option<&IndicatorWeights> {
    (query.weight == Weight::Risk).then_some(&query.risk_weights)
}

/// Runs Gi* at the query's resolution (with permutations when asked).
pub fn hot_cells(store: &Store, query: &LayerQuery) -> Result<HotspotRun, LayerError> {
    check(query)?;
    let area = study_area(store, &query.study_area, query.res)?;
    hot_cells_in(store, query, area, false)
}

/// The cells of a study area whose bin is not 0: `(position, bin)`, positions ascending.
pub type CellBins = Vec<(usize, i8)>;

/// [`hot_cells`]' study area and the cells whose bin is not 0 (positions
/// ascending, with the bin), and nothing else: what classing a visit needs,
/// without a [`CellResult`] for each of ~600,000 cells at resolution 9. A
/// map of few reports takes Gi* only near them ([`analysis::gi_star_sparse`]):
/// the outcome summary makes hundreds of such maps.
pub fn hot_bins(
    store: &Store,
    query: &LayerQuery,
) -> Result<(Arc<StudyArea>, CellBins), LayerError> {
    check(query)?;
    let area = study_area(store, &query.study_area, query.res)?;
    if query.permutations == 0 && query.weight != Weight::Rate {
        let counts = store.cell_counts(query.res, &query.filter, weights(query), false)?;
        let (mut values, mut reports) = (Vec::new(), Vec::new());
        by_position(&area, &counts.rows, |i, row| {
            values.push((i, row.value));
            reports.push((i, row.reports));
        });
        let nb = neighbours(&area, query.k, query.kernel);
        if let Some(gi) = analysis::gi_star_sparse(&values, &nb) {
            let mut bins = gi.nonzero_bins(query.fdr);
            analysis::clear_thin_hot_cells(
                bins.iter_mut().map(|(i, bin)| (*i, bin)),
                &reports,
                &nb,
                u64::from(query.min_reports),
            );
            bins.retain(|(_, bin)| *bin != 0);
            return Ok((area, bins));
        }
    }
    let pass = gi_pass(store, query, &area, Keep::Bins)?;
    let bins = (pass.bins.iter().enumerate())
        .filter(|(_, bin)| **bin != 0)
        .map(|(i, bin)| (i, *bin))
        .collect();
    Ok((area, bins))
}

/// Calls `inside` with each of `rows` (sorted by cell) in `area` and its
/// position there, in order; answers the reports of the rows outside it.
/// Both are sorted by cell: a merge, not a lookup per row.
fn by_position<'r>(
    area: &StudyArea,
    rows: &'r [CellRow],
    mut inside: impl FnMut(usize, &'r CellRow),
) -> u64 {
    let cells = area.cells();
    let (mut i, mut outside) = (0, 0);
    for row in rows {
        while i < cells.len() && u64::from(cells[i]) < row.cell {
            i += 1;
        }
        if i < cells.len() && u64::from(cells[i]) == row.cell {
            inside(i, row);
        } else {
            outside += row.reports;
        }
    }
    outside
}

fn check(query: &LayerQuery) -> Result<(), LayerError> {
    resolution(query.res)?;
    if !(1..=3).contains(&query.k) {
        return Err(LayerError::Invalid {
            field: "k",
            message: format!("{} is not from 1 to 3", query.k),
        });
    }
    Ok(())
}

fn hot_cells_in(
    store: &Store,
    query: &LayerQuery,
    area: Arc<StudyArea>,
    details: bool,
) -> Result<HotspotRun, LayerError> {
    let keep = if details {
        Keep::CellsAndDetails
    } else {
        Keep::Cells
    };
    let pass = gi_pass(store, query, &area, keep)?;
    let cells = area
        .cells()
        .iter()
        .enumerate()
        .map(|(i, cell)| CellResult {
            cell: *cell,
            count: pass.counts_by_cell[i],
            value: pass.x[i],
            gi_z: pass.z[i],
            p: pass.p[i],
            bin: pass.bins[i],
            ring_count: pass.ring_counts[i],
            premises: pass.premises.as_ref().map(|n| n[i] as u64),
        })
        .collect();
    Ok(HotspotRun {
        area,
        cells,
        details: pass.details,
        cutoffs: pass.cutoffs,
        thin_hot_cells: pass.thin_hot_cells,
        excluded_imprecise: pass.excluded_imprecise,
        outside_study_area: pass.outside_study_area,
        data_window: pass.data_window,
    })
}

/// What a Gi* pass keeps beyond each cell's bin.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// The bins alone: a visit day's map, one of hundreds in the outcome summary.
    Bins,
    Cells,
    CellsAndDetails,
}

/// One Gi* pass over a study area, per cell in its order.
struct GiPass {
    x: Vec<f64>,
    /// Empty when the pass keeps only bins.
    counts_by_cell: Vec<u64>,
    /// Per cell its ring's reports ([`analysis::ring_totals`]); empty when
    /// the pass keeps only bins.
    ring_counts: Vec<u64>,
    z: Vec<f64>,
    p: Vec<f64>,
    bins: Vec<i8>,
    premises: Option<Vec<f64>>,
    details: ReportsByCell,
    cutoffs: [(i8, f64); 3],
    thin_hot_cells: usize,
    excluded_imprecise: u64,
    outside_study_area: u64,
    data_window: (Option<NaiveDate>, Option<NaiveDate>),
}

fn gi_pass(
    store: &Store,
    query: &LayerQuery,
    area: &Arc<StudyArea>,
    keep: Keep,
) -> Result<GiPass, LayerError> {
    let details = keep == Keep::CellsAndDetails;
    let counts = store.cell_counts(query.res, &query.filter, weights(query), details)?;
    let (first, last) = (counts.first, counts.last);
    let n = area.len();
    let mut x = vec![0.0; n];
    let mut cell_details = ReportsByCell::new();
    let mut counts_by_cell = if keep == Keep::Bins {
        Vec::new()
    } else {
        vec![0u64; n]
    };
    let mut reports = Vec::new();
    let outside = by_position(area, &counts.rows, |i, row| {
        x[i] = row.value;
        reports.push((i, row.reports));
        if let Some(count) = counts_by_cell.get_mut(i) {
            *count = row.reports;
        }
        if details {
            cell_details.insert(i, cell_reports(row));
        }
    });
    let premises = if query.weight == Weight::Rate {
        let per_cell = store.registered_premises_per_cell(query.res, &query.filter.venues)?;
        let mut n = vec![0.0; area.len()];
        for (cell, count) in per_cell {
            if let Some(i) = CellIndex::try_from(cell)
                .ok()
                .and_then(|c| area.position(c))
            {
                n[i] = count as f64;
            }
        }
        let (rates, mean) = analysis::rates::eb_rates(&x, &n);
        for (value, rate) in x.iter_mut().zip(&rates) {
            // No premises: no rate. Gi* needs a value; the study area's rate
            // is neutral (it neither raises nor lowers the neighbours).
            *value = rate.or(mean).unwrap_or(0.0);
        }
        Some(n)
    } else {
        None
    };
    let nb = neighbours(area, query.k, query.kernel);
    let gi = analysis::gi_star(&x, &nb);
    let p = if query.permutations > 0 {
        analysis::permutation_p(&x, &nb, query.permutations, query.seed, 2)
    } else {
        gi.p
    };
    let cutoffs = analysis::stats::cutoffs(&p, query.fdr);
    let mut bins = analysis::stats::bins_with(&gi.z, &p, &cutoffs);
    let thin_hot_cells = analysis::clear_thin_hot_cells(
        bins.iter_mut().enumerate(),
        &reports,
        &nb,
        u64::from(query.min_reports),
    );
    let ring_counts = if counts_by_cell.is_empty() {
        Vec::new()
    } else {
        analysis::ring_totals(&nb, &counts_by_cell)
    };
    Ok(GiPass {
        x,
        counts_by_cell,
        ring_counts,
        z: gi.z,
        p,
        bins,
        premises,
        details: cell_details,
        cutoffs,
        thin_hot_cells,
        excluded_imprecise: counts.excluded_imprecise,
        outside_study_area: outside,
        data_window: (first, last),
    })
}

fn cell_reports(row: &CellRow) -> CellReports {
    CellReports {
        reports: row.reports,
        venues: row.venues,
        indicators: row.indicators,
        first: row.first,
        last: row.last,
    }
}

/// A hotspot area with the facts the layer reports.
#[derive(Clone, Debug)]
pub struct AreaResult {
    pub area: HotspotArea,
    pub nearest_town: Option<String>,
    /// From the nearest town's centre to the area's: the distance in km (one
    /// decimal) and the compass point ([`crate::geo::COMPASS_POINTS`]), so that
    /// two areas near one town are told apart ("2.1 km north-east of March").
    pub from_town: Option<(f64, &'static str)>,
    /// The local-authority districts its cells lie in, `(code, name)`, most
    /// cells first: an area in more than one is flagged, because each
    /// district's partnership sees only its own side of it.
    pub districts: Vec<(String, String)>,
    /// The police force areas its cells lie in, `(police.uk id, name)`, most
    /// cells first: an area in more than one needs both forces at its day of
    /// action.
    pub forces: Vec<(String, String)>,
    /// Still significant (bin ≥ 2 overlapping it) at every neighbouring resolution in 6..9.
    pub robust: bool,
    /// Its recorded crime (police.uk) against the study area's rate, when
    /// context is stored for the period.
    pub context: Option<serde_json::Value>,
    /// Its reports (or units counted) month by month over the period, and
    /// their Mann-Kendall trend; `None` for a period under four months.
    pub trend: Option<AreaTrend>,
}

/// A hotspot area's month-by-month count and its trend: whether it is
/// getting busier, the question a day of action is planned on.
#[derive(Clone, Debug)]
pub struct AreaTrend {
    /// Reports (or units counted) per calendar month of the period, zeros included.
    pub monthly: Vec<u64>,
    pub test: analysis::MannKendall,
}

/// The shortest period, in months, whose trend an area is given: with three
/// points Mann-Kendall can never reach p < 0.10.
pub const MIN_TREND_MONTHS: usize = 4;

impl AreaTrend {
    /// `rising` or `falling` when the trend is significant at
    /// [`analysis::TREND_ALPHA`] (as the emerging categories), else `none`.
    pub fn direction(&self) -> &'static str {
        match (self.test.p < analysis::TREND_ALPHA, self.test.z > 0.0) {
            (true, true) => "rising",
            (true, false) => "falling",
            (false, _) => "none",
        }
    }
}

impl AreaResult {
    /// More than one district: no one partnership's figures hold the whole area.
    pub fn crosses_districts(&self) -> bool {
        self.districts.len() > 1
    }

    /// Its districts' names, most cells first.
    pub fn district_names(&self) -> impl Iterator<Item = &str> {
        self.districts.iter().map(|(_, name)| name.as_str())
    }

    /// Its districts' ONS codes, in the same order.
    pub fn district_codes(&self) -> impl Iterator<Item = &str> {
        self.districts.iter().map(|(code, _)| code.as_str())
    }

    /// More than one police force area: a day of action there is two forces'.
    pub fn crosses_forces(&self) -> bool {
        self.forces.len() > 1
    }

    /// Its police forces' names, most cells first.
    pub fn force_names(&self) -> impl Iterator<Item = &str> {
        self.forces.iter().map(|(_, name)| name.as_str())
    }

    /// Its police forces' data.police.uk ids, in the same order.
    pub fn force_codes(&self) -> impl Iterator<Item = &str> {
        self.forces.iter().map(|(id, _)| id.as_str())
    }
}

/// Hotspot areas at the query's resolution, each checked at res ± 1.
pub fn hotspot_areas(
    store: &Store,
    query: &LayerQuery,
) -> Result<(HotspotRun, Vec<AreaResult>), LayerError> {
    check(query)?;
    let area = study_area(store, &query.study_area, query.res)?;
    let run = hot_cells_in(store, query, area, true)?;
    let bins: Vec<i8> = run.cells.iter().map(|c| c.bin).collect();
    let z: Vec<f64> = run.cells.iter().map(|c| c.gi_z).collect();
    let mut areas = analysis::hotspot_areas(&run.area, &bins, &z, &run.details, 2);
    areas.retain(|a| a.reports.reports >= u64::from(query.min_reports));
    let mut neighbours_hot: Vec<(Resolution, HashSet<CellIndex>)> = Vec::new();
    for res in [query.res.wrapping_sub(1), query.res + 1] {
        if !(6..=9).contains(&res) {
            continue;
        }
        let (other_area, other_bins) = hot_bins(
            store,
            &LayerQuery {
                res,
                permutations: 0,
                ..query.clone()
            },
        )?;
        let hot = other_bins
            .iter()
            .filter(|(_, bin)| *bin >= 2)
            .map(|(i, _)| other_area.cells()[*i])
            .collect();
        neighbours_hot.push((resolution(res)?, hot));
    }
    let mut trends = monthly_trends(store, query, run.data_window, &areas)?.into_iter();
    let gazetteer = Gazetteer::embedded();
    let study: HashSet<u64> = run.area.cells().iter().map(|c| u64::from(*c)).collect();
    let context = analysis::AreaContext::new(
        store
            .context_counts(query.res, query.filter.from, query.filter.to)?
            .into_iter()
            .map(|c| (c.cell, c.crime_type, c.count)),
        &study,
    );
    let out = areas
        .into_iter()
        .map(|area| {
            let robust = neighbours_hot.iter().all(|(res, hot)| {
                area.cells.iter().any(|c| {
                    if *res < c.resolution() {
                        c.parent(*res).is_some_and(|p| hot.contains(&p))
                    } else {
                        c.children(*res).any(|ch| hot.contains(&ch))
                    }
                })
            });
            let (lat, lng) = centroid(&area.cells);
            let town = crate::geo::NearestTown::of(gazetteer, lat, lng);
            let from_town = town.as_ref().map(|t| (t.km, t.direction));
            let nearest_town = town.map(|t| t.town);
            let districts = gazetteer
                .districts_of_cells(&area.cells)
                .into_iter()
                .map(|(code, name, _)| (code.to_owned(), name.to_owned()))
                .collect();
            let forces = gazetteer
                .forces_of_cells(&area.cells)
                .into_iter()
                .map(|(id, name, _)| (id.to_owned(), name.to_owned()))
                .collect();
            let context = context
                .as_ref()
                .map(|c| c.of(area.cells.iter().map(|cell| u64::from(*cell))));
            AreaResult {
                area,
                nearest_town,
                from_town,
                districts,
                forces,
                robust,
                context,
                trend: trends.next().flatten(),
            }
        })
        .collect();
    Ok((run, out))
}

/// Each area's reports (or units) per calendar month of the map's period
/// (the query's dates, else the data's), counted at the map's resolution as
/// its cells are, and their Mann-Kendall trend (tie-corrected: most months of
/// a small area are zeros). One pass over the period's cell series.
fn monthly_trends(
    store: &Store,
    query: &LayerQuery,
    window: (Option<NaiveDate>, Option<NaiveDate>),
    areas: &[HotspotArea],
) -> Result<Vec<Option<AreaTrend>>, LayerError> {
    let months = Recorded::of(store)?.whole_steps(&query.filter, window, Step::Month);
    if months.len() < MIN_TREND_MONTHS || areas.is_empty() {
        return Ok(vec![None; areas.len()]);
    }
    let month: HashMap<NaiveDate, usize> =
        months.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let owner: HashMap<u64, usize> = (areas.iter().enumerate())
        .flat_map(|(a, area)| area.cells.iter().map(move |c| (u64::from(*c), a)))
        .collect();
    // The areas' cells alone: the whole map's series was a third more time
    // for a layer request over a million reports.
    let filter = ReportFilter {
        cells: Some((query.res, owner.keys().copied().collect())),
        ..query.filter.clone()
    };
    let mut monthly = vec![vec![0u64; months.len()]; areas.len()];
    for row in store.cell_series(query.res, &filter, Step::Month, None)? {
        if let (Some(&a), Some(&t)) = (owner.get(&row.cell), month.get(&row.period)) {
            monthly[a][t] += row.units;
        }
    }
    Ok(monthly
        .into_iter()
        .map(|monthly| {
            let series: Vec<f64> = monthly.iter().map(|n| *n as f64).collect();
            let test = analysis::mann_kendall(&series);
            Some(AreaTrend { monthly, test })
        })
        .collect())
}

/// What the store holds, whatever a query filters: its first and last
/// reports' days and the day its reports are current to
/// ([`Store::reports_as_of`]). A query's series and its whole periods are
/// taken against it.
#[derive(Clone, Copy, Debug)]
struct Recorded {
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    as_of: Option<NaiveDate>,
}

impl Recorded {
    fn of(store: &Store) -> Result<Self, LayerError> {
        let (first, last, _) = store.data_window(&ReportFilter::default())?;
        Ok(Self {
            first,
            last,
            as_of: store.reports_as_of()?,
        })
    }

    /// The days a series over `filter`'s period runs, given the first and
    /// last reports the filter matches. It starts at the query's `from`, but
    /// never before the store's first report, since months before the data
    /// are not months without reports: zeros there would make every area's
    /// trend rise, every hot spot new and every town's first quarter a count
    /// of nothing; without `from`, at the first report matched. It ends at
    /// the query's `to`, else the last report matched, but never after the
    /// day the reports are current to: days not yet loaded are not days
    /// without reports.
    fn span(
        &self,
        filter: &ReportFilter,
        (matched_first, matched_last): (Option<NaiveDate>, Option<NaiveDate>),
    ) -> Option<(NaiveDate, NaiveDate)> {
        let first = match (filter.from, self.first) {
            (Some(from), Some(recorded)) => from.max(recorded),
            (Some(from), None) => from,
            (None, _) => matched_first?,
        };
        let last = filter.to.or(matched_last)?;
        Some((first, self.as_of.map_or(last, |as_of| last.min(as_of))))
    }

    /// The day from which the query's series holds none of the reports the
    /// store has: the day the reports are current to, or the day after the
    /// query's `to` when that cuts some off (a `to` on or after the latest
    /// report cuts nothing yet loaded). A period that had not ended before
    /// it is a part: cut by `to` as much as by the calendar.
    fn counted_until(&self, to: Option<NaiveDate>) -> Option<NaiveDate> {
        let after_to = to
            .filter(|to| self.last.is_some_and(|last| *to < last))
            .and_then(|to| to.succ_opt());
        match (after_to, self.as_of) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The steps of a trend over `filter`'s period (its [`Self::span`],
    /// given the first and last reports it matches): the calendar steps
    /// from the one holding its first day to the one holding its last,
    /// each whole in the reports the query reads. A trend test (Mann-Kendall, the emerging
    /// categories) weighs its steps as equals, so a step is left out when
    /// it had not ended by [`Self::counted_until`] (a month six days old, or
    /// cut at `to`, reads as a fall everywhere), or when it began before a
    /// `from` that cuts into the data, which reads as a rise.
    fn whole_steps(
        &self,
        filter: &ReportFilter,
        matched: (Option<NaiveDate>, Option<NaiveDate>),
        step: Step,
    ) -> Vec<NaiveDate> {
        let Some((first, last)) = self.span(filter, matched) else {
            return Vec::new();
        };
        let until = self.counted_until(filter.to);
        let cut_from = self.cut_from(filter);
        let mut out = periods(first, last, step);
        out.retain(|p| period_complete(*p, step, until) && cut_from.is_none_or(|from| *p >= from));
        out
    }

    /// The query's `from` when it cuts into the data (falls after the
    /// store's first report): a period beginning before it holds only its
    /// part from `from` on.
    fn cut_from(&self, filter: &ReportFilter) -> Option<NaiveDate> {
        filter
            .from
            .filter(|from| self.first.is_some_and(|first| *from > first))
    }
}

fn centroid(cells: &[CellIndex]) -> (f64, f64) {
    let n = cells.len().max(1) as f64;
    let (lat, lng) = cells
        .iter()
        .map(|c| LatLng::from(*c))
        .fold((0.0, 0.0), |a, p| (a.0 + p.lat(), a.1 + p.lng()));
    (lat / n, lng / n)
}

/// One cell of the emerging layer.
#[derive(Clone, Debug)]
pub struct EmergingResult {
    pub cell: CellIndex,
    pub count: u64,
    /// Reports (or units counted) in its k-ring over the steps, itself
    /// included: a cell of one report is hot when its neighbours hold many.
    pub ring_count: u64,
    pub category: Emerging,
    pub trend_z: f64,
    pub trend_p: f64,
    pub steps: usize,
    /// The town nearest the cell's centre, so that a list of changes says where.
    pub nearest_town: Option<String>,
    /// From that town's centre to the cell's: km (one decimal) and compass point.
    pub from_town: Option<(f64, &'static str)>,
}

/// The study area, the time steps and the cells with reports in the window.
pub type EmergingRun = (Arc<StudyArea>, Vec<NaiveDate>, Vec<EmergingResult>);

/// The most steps an emerging analysis computes (30 years of months): each is
/// a Gi* over the study area, held in memory for the trend test.
pub const MAX_EMERGING_STEPS: usize = 360;

/// Emerging hot spots: Gi* per time step over the same study area and weights,
/// each step's neighbourhoods spanning `query.lag` steps before it
/// ([`analysis::space_time_factor`]), then each cell's category from its bins
/// and the Mann-Kendall trend of its z. Cells that had reports in the window
/// are returned.
pub fn emerging(store: &Store, query: &LayerQuery) -> Result<EmergingRun, LayerError> {
    check(query)?;
    if query.step == Step::Year {
        return Err(LayerError::Invalid {
            field: "step",
            message: "use month or quarter".into(),
        });
    }
    let area = study_area(store, &query.study_area, query.res)?;
    let (first, last, _) = store.data_window(&query.filter)?;
    let periods = Recorded::of(store)?.whole_steps(&query.filter, (first, last), query.step);
    if periods.is_empty() {
        return Ok((area, Vec::new(), Vec::new()));
    }
    if periods.len() > MAX_EMERGING_STEPS {
        return Err(LayerError::Invalid {
            field: "from",
            message: format!(
                "the emerging analysis takes at most {MAX_EMERGING_STEPS} steps ({} asked): shorten the period or use step=quarter",
                periods.len()
            ),
        });
    }
    let series = store.cell_series(query.res, &query.filter, query.step, weights(query))?;
    let index: HashMap<NaiveDate, usize> =
        periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let (n, steps) = (area.len(), periods.len());
    // Each step's values as (position, value): a step's Gi* is taken near
    // them (or over one map of the area, reused step by step, when they are
    // many): a map per step at once was ~350 MB for six years by month at
    // resolution 9 (~600,000 cells).
    let mut by_step: Vec<Vec<(usize, f64)>> = vec![Vec::new(); steps];
    let mut totals = vec![0.0; n];
    let mut units = vec![0u64; n];
    for row in series {
        let Some(i) = CellIndex::try_from(row.cell)
            .ok()
            .and_then(|c| area.position(c))
        else {
            continue;
        };
        if let Some(&t) = index.get(&row.period) {
            by_step[t].push((i, row.value));
            totals[i] += row.value;
            units[i] += row.units;
        }
    }
    let nb = neighbours(&area, query.k, query.kernel);
    // Only cells with reports in the window are classed: their series alone
    // are kept (a few thousand of a resolution-9 area's ~600,000 cells).
    let classed: Vec<usize> = (0..n).filter(|&i| totals[i] > 0.0).collect();
    let mut z_by_cell = vec![Vec::with_capacity(steps); classed.len()];
    let mut bins_by_cell = vec![Vec::with_capacity(steps); classed.len()];
    let mut values = Vec::new();
    // One value a cell (the series is grouped by cell and period), in
    // position order as the sparse pass takes them.
    for step in &mut by_step {
        step.sort_unstable_by_key(|(i, _)| *i);
    }
    let lag = query.lag.min(MAX_LAG) as usize;
    for t in 0..steps {
        // The space-time neighbourhood: this step and up to `lag` before it,
        // taken as Gi* of their summed map, rescaled to the window's bins.
        let window = &by_step[t.saturating_sub(lag)..=t];
        let summed = sum_maps(window);
        let factor = analysis::space_time_factor(
            n,
            window.len(),
            window
                .iter()
                .flatten()
                .fold((0.0, 0.0), |(s, q), (_, v)| (s + v, q + v * v)),
            summed
                .iter()
                .fold((0.0, 0.0), |(s, q), (_, v)| (s + v, q + v * v)),
        );
        let step = &summed;
        if let Some(gi) = analysis::gi_star_sparse(step, &nb) {
            let gi = match factor {
                Some(factor) => gi.scaled(factor),
                None => gi,
            };
            let cutoffs = analysis::stats::cutoffs_counted(gi.p_counts(), n, query.fdr);
            for (series, &i) in classed.iter().enumerate() {
                let (z, p) = gi.z_p(i);
                z_by_cell[series].push(z);
                bins_by_cell[series].push(analysis::stats::bin(z, p, &cutoffs));
            }
            continue;
        }
        values.resize(n, 0.0);
        for &(i, value) in step {
            values[i] = value;
        }
        let gi = analysis::gi_star(&values, &nb);
        let gi = match factor {
            Some(factor) => gi.scaled(factor),
            None => gi,
        };
        for &(i, _) in step {
            values[i] = 0.0;
        }
        let bins = analysis::bins(&gi.z, &gi.p, query.fdr);
        for (series, &i) in classed.iter().enumerate() {
            z_by_cell[series].push(gi.z[i]);
            bins_by_cell[series].push(bins[i]);
        }
    }
    // A cell whose ring holds fewer than `min_reports` over the whole period
    // is hot at no step: one report is not a new hot spot. Over the period,
    // not step by step: a ring reported about once a month for years is the
    // persistent pattern the emerging analysis is for, though no one
    // month's map would call it hot.
    let reports: Vec<(usize, u64)> = (units.into_iter().enumerate())
        .filter(|(_, units)| *units > 0)
        .collect();
    let ring_counts: Vec<u64> = classed
        .iter()
        .map(|&i| analysis::ring_reports(&nb, i, &reports))
        .collect();
    for (bins, ring) in bins_by_cell.iter_mut().zip(&ring_counts) {
        if bins.iter().any(|b| *b > 0) && *ring < u64::from(query.min_reports) {
            for bin in bins.iter_mut().filter(|b| **b > 0) {
                *bin = 0;
            }
        }
    }
    let gazetteer = Gazetteer::embedded();
    let out = classed
        .iter()
        .enumerate()
        .map(|(series, &i)| {
            let (category, trend) = analysis::classify(&bins_by_cell[series], &z_by_cell[series]);
            EmergingResult {
                cell: area.cells()[i],
                count: totals[i].round() as u64,
                ring_count: ring_counts[series],
                category,
                trend_z: trend.z,
                trend_p: trend.p,
                steps,
                nearest_town: None,
                from_town: None,
            }
        })
        .filter(|c| query.categories.is_empty() || query.categories.contains(&c.category))
        .map(|mut c| {
            // Only for the cells answered: the category filter can keep few.
            let centre = LatLng::from(c.cell);
            let town = crate::geo::NearestTown::of(gazetteer, centre.lat(), centre.lng());
            c.from_town = town.as_ref().map(|t| (t.km, t.direction));
            c.nearest_town = town.map(|t| t.town);
            c
        })
        .collect();
    Ok((area, periods, out))
}

/// The map of maps added cell by cell (each's positions ascending, each
/// once; so the sum's).
fn sum_maps(maps: &[Vec<(usize, f64)>]) -> Vec<(usize, f64)> {
    if let [map] = maps {
        return map.clone();
    }
    let mut all: Vec<(usize, f64)> = maps.iter().flatten().copied().collect();
    all.sort_by_key(|(i, _)| *i);
    let mut summed: Vec<(usize, f64)> = Vec::with_capacity(all.len());
    for (i, v) in all {
        match summed.last_mut() {
            Some((last, sum)) if *last == i => *sum += v,
            _ => summed.push((i, v)),
        }
    }
    summed
}

/// One row of the towns table.
#[derive(Clone, Debug, PartialEq)]
pub struct TownRow {
    pub town: String,
    pub district: String,
    pub district_name: String,
    pub period: NaiveDate,
    pub label: String,
    pub count: u64,
    /// Whether the count is of the whole period: it had ended when the
    /// reports were last loaded ([`Store::reports_as_of`]) and the query's
    /// `from` and `to` cut none of it. A part has its count and its earlier
    /// counts, but no change and no tests.
    pub complete: bool,
    /// The previous period's count; `None` when that period began before the
    /// store's first report (nothing recorded is not none reported).
    pub previous: Option<u64>,
    /// The same period a year before, `None` as `previous` is.
    pub year_before: Option<u64>,
    /// `count − previous`.
    pub change: Option<i64>,
    /// Exact conditional test of count vs previous (equal exposure).
    pub p_change: Option<f64>,
    pub p_year: Option<f64>,
    /// `p_change` adjusted for the period's other areas (Benjamini-Hochberg,
    /// [`analysis::change_q_values`]); `None` when no split of the two
    /// counts' total could be significant.
    pub q_change: Option<f64>,
    /// `p_year` adjusted in the same way.
    pub q_year: Option<f64>,
    /// Counts by breakdown value (venue, exploitation, child).
    pub breakdown: BTreeMap<String, u64>,
}

/// Town (or district) trends: counts per period with the previous period, the
/// same period a year before, and their exact tests. Counts are exact here;
/// disclosure control is the caller's (a later stage's) job.
pub fn area_trends(
    store: &Store,
    level: AreaLevel,
    filter: &ReportFilter,
    step: Step,
) -> Result<Vec<TownRow>, LayerError> {
    let (first, last, _) = store.data_window(filter)?;
    let store_span = Recorded::of(store)?;
    let Some((first, last)) = store_span.span(filter, (first, last)) else {
        return Ok(Vec::new());
    };
    let periods = periods(first, last, step);
    let until = store_span.counted_until(filter.to);
    // A first period that began before a `from` cutting into the data is
    // counted from `from` (the reports asked for) and, being a part, is
    // not tested; the period after it is compared with its whole count.
    let cut_from = store_span.cut_from(filter);
    let is_cut = |p: NaiveDate| cut_from.is_some_and(|from| p < from);
    // A period that began before the store's first report has no count to
    // compare with: a new deployment's first quarter is no rise from zero.
    let recorded_from = store_span.first.map(|d| period_start(d, step));
    let recorded = |p: NaiveDate| recorded_from.is_some_and(|from| p >= from);
    // Counted from a year before the first period, so that its previous
    // period and its year before are the counts they were, not zeros for
    // lying before `from`.
    let counted = &ReportFilter {
        from: filter.from.and(
            periods
                .first()
                .and_then(|p| p.checked_sub_months(Months::new(12))),
        ),
        ..filter.clone()
    };
    let rows = store.area_series(level, counted, step, None)?;
    // The counts of the cut period's part, by area: read to its end only.
    let cut_counts: HashMap<String, u64> = match periods.first().filter(|p| is_cut(**p)) {
        None => HashMap::new(),
        Some(cut) => {
            let end = period_end(*cut, step);
            let part = ReportFilter {
                to: Some(filter.to.map_or(end, |to| to.min(end))),
                ..filter.clone()
            };
            let mut counts = HashMap::new();
            for r in store.area_series(level, &part, step, None)? {
                *counts.entry(r.area).or_default() += r.count;
            }
            counts
        }
    };
    // Breakdowns are of the rows shown: the reports `filter` asks for.
    let by_venue = store.area_series(level, filter, step, Some(crate::model::Split::Venue))?;
    let by_exploitation =
        store.area_series(level, filter, step, Some(crate::model::Split::Exploitation))?;
    let by_child = store.area_series(level, filter, step, Some(crate::model::Split::Child))?;
    let by_source = store.area_series(level, filter, step, Some(crate::model::Split::Source))?;
    let by_nationality = group_nationalities(store.area_series(
        level,
        filter,
        step,
        Some(crate::model::Split::Nationality),
    )?);
    // A town can straddle districts (its res-7 cells vote separately): counts are
    // summed per town, and the town is listed under the district holding most of them.
    let mut counts: HashMap<(String, NaiveDate), u64> = HashMap::new();
    let mut district_votes: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for r in &rows {
        *counts.entry((r.area.clone(), r.period)).or_default() += r.count;
        *district_votes
            .entry(r.area.clone())
            .or_default()
            .entry(r.district.clone())
            .or_default() += r.count;
    }
    let districts: BTreeMap<String, String> = district_votes
        .into_iter()
        .map(|(area, votes)| {
            let best = votes
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(d, _)| d.clone())
                .unwrap_or_default();
            (area, best)
        })
        .collect();
    let mut splits: HashMap<(String, NaiveDate), BTreeMap<String, u64>> = HashMap::new();
    for (prefix, list) in [
        ("venue", &by_venue),
        ("exploitation", &by_exploitation),
        ("child", &by_child),
        ("source", &by_source),
        ("nationality", &by_nationality),
    ] {
        for r in list {
            *splits
                .entry((r.area.clone(), r.period))
                .or_default()
                .entry(format!("{prefix}:{}", r.split))
                .or_default() += r.count;
        }
    }
    let gazetteer = Gazetteer::embedded();

    let mut out = Vec::new();
    for (area, district) in &districts {
        for period in &periods {
            let get = |p: NaiveDate| counts.get(&(area.clone(), p)).copied().unwrap_or(0);
            let earlier = |p: NaiveDate| recorded(p).then(|| get(p));
            let count = if is_cut(*period) {
                cut_counts.get(area).copied().unwrap_or(0)
            } else {
                get(*period)
            };
            let previous = earlier(previous_period(*period, step));
            let year_before = period.checked_sub_months(Months::new(12)).and_then(earlier);
            // A period still running, or cut by `to` or `from`, is shown,
            // but its part is not tested against whole periods.
            let complete = period_complete(*period, step, until) && !is_cut(*period);
            let tested = |before: Option<u64>| before.filter(|_| complete);
            out.push(TownRow {
                town: area.clone(),
                district: district.clone(),
                district_name: gazetteer
                    .district_name(district)
                    .unwrap_or_default()
                    .to_owned(),
                period: *period,
                label: period_label(*period, step),
                count,
                complete,
                previous,
                year_before,
                change: tested(previous).map(|before| count as i64 - before as i64),
                p_change: tested(previous).map(|before| analysis::poisson_change_p(count, before)),
                p_year: tested(year_before).map(|before| analysis::poisson_change_p(count, before)),
                q_change: None,
                q_year: None,
                breakdown: splits
                    .get(&(area.clone(), *period))
                    .cloned()
                    .unwrap_or_default(),
            });
        }
    }
    let period_of: Vec<NaiveDate> = out.iter().map(|r| r.period).collect();
    let q_change = q_by_period(
        &period_of,
        out.iter()
            .map(|r| r.previous.filter(|_| r.complete).map(|b| (r.count, b))),
    );
    let q_year = q_by_period(
        &period_of,
        out.iter()
            .map(|r| r.year_before.filter(|_| r.complete).map(|b| (r.count, b))),
    );
    for ((row, q_change), q_year) in out.iter_mut().zip(q_change).zip(q_year) {
        row.q_change = q_change;
        row.q_year = q_year;
    }
    Ok(out)
}

/// The q-values of a table's change tests ([`analysis::change_q_values`]),
/// one family per period: a town's verdict is weighed against the other
/// areas of the same quarter, the rows a meeting reads side by side. Rows
/// without a pair of counts (withheld) are in no family and get `None`.
pub(crate) fn q_by_period(
    periods: &[NaiveDate],
    pairs: impl IntoIterator<Item = Option<(u64, u64)>>,
) -> Vec<Option<f64>> {
    let pairs: Vec<Option<(u64, u64)>> = pairs.into_iter().collect();
    let mut families: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    for (i, (period, pair)) in periods.iter().zip(&pairs).enumerate() {
        if pair.is_some() {
            families.entry(*period).or_default().push(i);
        }
    }
    let mut q = vec![None; periods.len()];
    for rows in families.values() {
        let family: Vec<(u64, u64)> = rows.iter().filter_map(|i| pairs[*i]).collect();
        for (i, value) in rows.iter().zip(analysis::change_q_values(&family)) {
            q[*i] = value;
        }
    }
    q
}

/// Nationalities recorded on most reports (over all areas and periods) keep
/// their own value; the rest are `other`. The groups are the same for every
/// area and quarter, so no two published tables group differently.
const NATIONALITY_GROUPS: usize = 6;

pub(super) fn group_nationalities(rows: Vec<crate::store::AreaRow>) -> Vec<crate::store::AreaRow> {
    let mut totals: HashMap<String, u64> = HashMap::new();
    for r in &rows {
        if r.split != "not_recorded" && r.split != "mixed" {
            *totals.entry(r.split.clone()).or_default() += r.count;
        }
    }
    let mut ranked: Vec<(String, u64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let kept: std::collections::HashSet<String> = ranked
        .into_iter()
        .take(NATIONALITY_GROUPS)
        .map(|(n, _)| n)
        .collect();
    rows.into_iter()
        .map(|mut r| {
            if r.split != "not_recorded" && r.split != "mixed" && !kept.contains(&r.split) {
                r.split = "other".into();
            }
            r
        })
        .collect()
}

/// The provenance block every layer answer carries.
pub fn provenance(
    layer: &str,
    query: &LayerQuery,
    n_cells: usize,
    window: (Option<NaiveDate>, Option<NaiveDate>),
    extra: Value,
) -> Value {
    let study_area = match &query.study_area {
        StudyAreaSpec::Default => {
            json!({"kind": "default", "rule": "bounding box of all stored reports + 2 km, cells whose centre is in the UK mask"})
        }
        StudyAreaSpec::Districts(d) => json!({"kind": "districts", "districts": d}),
        StudyAreaSpec::Forces(f) => {
            let gazetteer = Gazetteer::embedded();
            let named: Vec<Value> = f
                .iter()
                .filter_map(|name| gazetteer.force_named(name))
                .map(|((id, name), districts)| json!({"id": id, "name": name, "districts": districts}))
                .collect();
            json!({"kind": "forces", "forces": named, "rule": "the districts of each police force area"})
        }
        StudyAreaSpec::BBox(b) => json!({"kind": "bbox", "bbox": b}),
        StudyAreaSpec::Polygons(p) => {
            json!({"kind": "polygons", "polygons": p.len(), "rule": "cells whose centre is inside"})
        }
    };
    let mut block = json!({
        "tool": "hotspots",
        "version": env!("CARGO_PKG_VERSION"),
        "layer": layer,
        "query": {
            "res": query.res,
            "from": query.filter.from.map(|d| d.to_string()),
            "to": query.filter.to.map(|d| d.to_string()),
            "venue": query.filter.venues,
            "exploitation": query.filter.exploitation,
            "source": query.filter.sources,
            "unit": query.filter.unit.as_str(),
            "k": query.k,
            "kernel": query.kernel.as_str(),
            "fdr": query.fdr,
            "weight": query.weight.as_str(),
            "step": query.step.as_str(),
            "permutations": query.permutations,
        },
        "data_window": {"from": window.0.map(|d| d.to_string()), "to": window.1.map(|d| d.to_string())},
        "study_area": study_area,
        "n_cells": n_cells,
        "statistic": "Getis-Ord Gi* (self included), z-score; PySAL esda G_Local(star=True) equivalent",
        "kernel": {"name": query.kernel.as_str(), "k": query.k, "bandwidth_rings": query.k + 1},
        "tail": if query.permutations > 0 { "pseudo-p from conditional permutations, (M+1)/(R+1), M the smaller of the draws at or above and at or below the observed statistic (a tie counts on both sides)" } else { "two-sided normal p-value" },
        "bins": "ArcGIS Gi_Bin: ±3/±2/±1 = 99/95/90% confidence",
        "fdr": if query.fdr { "Benjamini-Hochberg per confidence level" } else { "off" },
        "weight": match query.weight {
            Weight::Risk => json!({"name": "risk", "rule": "1 + sum of indicator weights", "indicator_weights": crate::model::Indicator::ALL.iter().zip(query.risk_weights).map(|(i, w)| (i.as_str().to_owned(), json!(w))).collect::<serde_json::Map<_, _>>()}),
            Weight::Rate => json!({"name": "rate", "rule": "reports (or the unit) per registered premises of the filtered venue types in the cell (open or closed, merged ones left out), smoothed by Marshall's global empirical Bayes toward the study area's rate; a cell with no registered premises has no rate (premises: 0, no value) and enters Gi* at the study area's rate"}),
            Weight::Count => json!({"name": "count"}),
        },
        "precision_rule": "a report counts at a resolution only when precision_m <= 1.5 x the mean H3 edge length",
        "cell_assignment": "parent_of_finest",
        "unit": match query.filter.unit {
            crate::model::Unit::Reports => "reports",
            crate::model::Unit::Incidents => "distinct incidents: reports linked to one premises at most 7 days apart count once; a report linked to no premises counts once",
            crate::model::Unit::Premises => "distinct reported premises: a premises counts once per cell however often reported; a report linked to no premises counts once",
        },
        "generated_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    if !query.categories.is_empty() {
        let names: Vec<String> = query.categories.iter().map(|c| c.name()).collect();
        block["query"]["category"] = json!(names);
    }
    if layer == "emerging" {
        block["query"]["lag"] = json!(query.lag);
        block["space_time"] = json!({
            "lag": query.lag,
            "rule": if query.lag == 0 {
                "Gi* of each step's map alone".to_owned()
            } else {
                format!("each cell's neighbourhood at a step is its k-ring at that step and at the {} step(s) before it (ArcGIS's neighborhood time step, sfdep's k); Gi* standardises over every bin of those steps (n cells x steps); the first steps have fewer before them", query.lag)
            },
        });
    }
    if matches!(layer, "cells" | "hotspots" | "emerging") {
        block["query"]["min_reports"] = json!(query.min_reports);
        let (when, how_many) = if layer == "emerging" {
            (" over the whole period (hot at no step)", "")
        } else {
            ("", "; thin_hot_cells says how many")
        };
        block["hot_cell_rule"] = if query.min_reports > 1 {
            json!(format!("a cell Gi* makes hot (bin > 0) is binned 0 when its neighbourhood (its k-ring, itself included) holds fewer than {} reports (or units counted){when}: the normal p-value makes one report in a sparse map a 99% hot spot{how_many}", query.min_reports))
        } else {
            json!("Gi*'s bins as they are (min_reports=1)")
        };
    }
    if layer == "towns" {
        // A table of counts by place: no cells, no Gi*, no study area, so
        // nothing of theirs, which a reader would take to have shaped it.
        if let Some(query) = block["query"].as_object_mut() {
            for key in ["res", "k", "kernel", "fdr", "weight", "permutations"] {
                query.remove(key);
            }
        }
        if let Some(block) = block.as_object_mut() {
            for key in [
                "study_area",
                "n_cells",
                "statistic",
                "kernel",
                "tail",
                "bins",
                "fdr",
                "weight",
                "precision_rule",
                "cell_assignment",
            ] {
                block.remove(key);
            }
        }
    }
    if let (Value::Object(block), Value::Object(extra)) = (&mut block, extra) {
        block.extend(extra);
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    /// Reports from 2024-03-10 to 2025-11-28, loaded on 2025-12-02.
    fn recorded() -> Recorded {
        Recorded {
            first: Some(day("2024-03-10")),
            last: Some(day("2025-11-28")),
            as_of: Some(day("2025-12-02")),
        }
    }

    fn steps(from: Option<&str>, to: Option<&str>) -> Vec<String> {
        let filter = ReportFilter {
            from: from.map(day),
            to: to.map(day),
            ..ReportFilter::default()
        };
        let recorded = recorded();
        (recorded.whole_steps(&filter, (recorded.first, recorded.last), Step::Month))
            .iter()
            .map(|p| period_label(*p, Step::Month))
            .collect()
    }

    /// A step is whole when the query's dates and the load hold all of it:
    /// dates inside a month cut it; a `from` on or before the first report
    /// and a `to` on or after the latest cut nothing loaded (the map's "Last
    /// 3 months" ends at the latest report); the month the load fell in is
    /// still running.
    #[test]
    fn whole_steps_are_those_the_dates_and_the_load_hold_whole() {
        assert_eq!(
            steps(Some("2025-01-10"), Some("2025-06-15")),
            ["2025-02", "2025-03", "2025-04", "2025-05"]
        );
        assert_eq!(
            steps(Some("2025-01-01"), Some("2025-05-31")),
            ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]
        );
        // The latest report's day (2025-11-28), or later: November is whole.
        for to in ["2025-11-28", "2025-11-29", "2026-05-01"] {
            assert_eq!(
                steps(Some("2025-09-01"), Some(to)),
                ["2025-09", "2025-10", "2025-11"],
                "to {to}"
            );
        }
        assert_eq!(
            steps(Some("2025-09-01"), Some("2025-11-27")),
            ["2025-09", "2025-10"]
        );
        // The first report's day, or earlier: its month is the data's first.
        for from in ["2024-03-10", "2023-01-01"] {
            assert_eq!(steps(Some(from), Some("2024-05-31"))[0], "2024-03");
        }
        assert_eq!(steps(Some("2024-03-11"), Some("2024-05-31"))[0], "2024-04");
        // No dates: from the first report's month to the last whole one.
        let all = steps(None, None);
        assert_eq!(
            (
                all.first().map(String::as_str),
                all.last().map(String::as_str),
                all.len()
            ),
            (Some("2024-03"), Some("2025-11"), 21)
        );
        // The towns' cut: to inside a period, before the latest report.
        let r = recorded();
        assert_eq!(
            r.counted_until(Some(day("2025-10-15"))),
            Some(day("2025-10-16"))
        );
        assert_eq!(r.counted_until(Some(day("2025-11-28"))), r.as_of);
        assert_eq!(r.counted_until(None), r.as_of);
    }

    fn key(res: u8) -> StudyAreaKey {
        StudyAreaKey {
            spec: StudyAreaSpec::Default,
            res,
            extent: None,
        }
    }

    fn kept_area(res: u8, area: &Arc<StudyArea>, ks: &[u32]) -> KeptArea {
        KeptArea {
            key: key(res),
            area: Arc::clone(area),
            weights: ks
                .iter()
                .map(|&k| Arc::new(Neighbours::build(area, k, Kernel::Uniform)))
                .collect(),
        }
    }

    fn ks(kept: &[KeptArea]) -> Vec<Vec<u32>> {
        kept.iter()
            .map(|area| area.weights.iter().map(|nb| nb.k()).collect())
            .collect()
    }

    fn peterborough(res: Resolution, k: u32) -> Arc<StudyArea> {
        let centre = h3o::LatLng::new(52.57, -0.24)
            .expect("a point")
            .to_cell(res);
        Arc::new(StudyArea::new(centre.grid_disk::<Vec<_>>(k)))
    }

    #[test]
    fn weights_over_the_budget_leave_oldest_first_and_the_newest_stays() {
        let area = peterborough(Resolution::Eight, 20);
        let mut kept = vec![
            kept_area(8, &area, &[1, 2]),
            kept_area(9, &area, &[3, 1, 2]),
        ];
        let bytes = |k: u32| Neighbours::build(&area, k, Kernel::Uniform).heap_bytes();
        let newest = Arc::clone(&kept[1].weights[2]);
        let all = 2 * bytes(1) + 2 * bytes(2) + bytes(3);

        shed_weights(&mut kept, all, &newest);
        assert_eq!(ks(&kept), [vec![1, 2], vec![3, 1, 2]], "within the budget");

        shed_weights(&mut kept, all - 1, &newest);
        assert_eq!(
            ks(&kept),
            [vec![2], vec![3, 1, 2]],
            "the oldest area's oldest first"
        );

        shed_weights(&mut kept, bytes(1) + bytes(2), &newest);
        assert_eq!(ks(&kept), [vec![], vec![1, 2]]);

        shed_weights(&mut kept, 0, &newest);
        assert_eq!(ks(&kept), [vec![], vec![2]], "the newest stays");
    }

    /// Every kernel at one `k` weighs the same kept rings, their bytes
    /// counted once, and gives the weights (and Gi*) built from nothing.
    #[test]
    fn kernels_at_one_k_share_its_rings_and_weigh_as_if_built_alone() {
        let area = peterborough(Resolution::Eight, 14);
        let kept = Mutex::new(vec![KeptArea {
            key: key(8),
            area: Arc::clone(&area),
            weights: Vec::new(),
        }]);
        let get = |k, kernel| neighbours_in(&kept, usize::MAX, &area, k, kernel);
        let uniform = get(2, Kernel::Uniform);
        let gaussian = get(2, Kernel::Gaussian);
        let other_k = get(1, Kernel::Gaussian);
        assert!(Arc::ptr_eq(uniform.rings(), gaussian.rings()));
        assert!(!Arc::ptr_eq(uniform.rings(), other_k.rings()));
        assert!(Arc::ptr_eq(&get(2, Kernel::Gaussian), &gaussian), "kept");

        let x: Vec<f64> = (0..area.len())
            .map(|i| if i % 7 == 0 { (i % 5) as f64 } else { 0.0 })
            .collect();
        for (nb, k, kernel) in [
            (&gaussian, 2, Kernel::Gaussian),
            (&uniform, 2, Kernel::Uniform),
        ] {
            let alone = Neighbours::build(&area, k, kernel);
            let bits = |gi: analysis::GiStar| -> Vec<u64> {
                gi.z.iter().chain(&gi.p).map(|v| v.to_bits()).collect()
            };
            assert_eq!(
                bits(analysis::gi_star(&x, nb)),
                bits(analysis::gi_star(&x, &alone)),
                "{kernel}"
            );
        }

        let weights = lock_kept(&kept).remove(0).weights;
        let shared = uniform.rings().heap_bytes();
        assert_eq!(
            weights_bytes(&weights),
            shared
                + other_k.rings().heap_bytes()
                + weights.iter().map(|nb| nb.kernel_bytes()).sum::<usize>()
        );

        // Over budget: the uniform weights leave, the rings stay with the
        // gaussian's; only the gaussian's leaving takes the rings.
        let mut kept = vec![KeptArea {
            key: key(8),
            area: Arc::clone(&area),
            weights,
        }];
        let total = weights_bytes(&kept[0].weights);
        shed_weights(&mut kept, total - 1, &other_k);
        assert_eq!(kept[0].weights.len(), 2);
        assert!(Arc::ptr_eq(&kept[0].weights[0], &gaussian));
        assert_eq!(
            weights_bytes(&kept[0].weights),
            total - uniform.kernel_bytes()
        );
        shed_weights(&mut kept, total - uniform.kernel_bytes() - 1, &other_k);
        assert_eq!(weights_bytes(&kept[0].weights), other_k.heap_bytes());
    }
}
