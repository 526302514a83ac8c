//! Getis-Ord Gi* over a study area of H3 cells (zeros included), with kernels on
//! grid distance and optional conditional permutation inference. Pure computation.
//!
//! With `x` the values over all `n` cells, `x̄` their mean, `s = sqrt(Σx²/n − x̄²)`,
//! and for cell `i`: `W = Σⱼ wᵢⱼ`, `S1 = Σⱼ wᵢⱼ²` over its k-ring (itself included):
//!
//! `Gi* = (Σⱼ wᵢⱼ xⱼ − x̄ W) / (s · sqrt((n·S1 − W²)/(n − 1)))`
//!
//! (PySAL esda `G_Local(star=True)` z-scores; ArcGIS Pro Hot Spot Analysis.) Where the
//! statistic is undefined (a constant field, `s = 0`, or a neighbourhood covering
//! the whole area), we report `z = 0`, `p = 1`: no evidence of clustering.
//!
//! Kernels on grid distance `d` (0..=k) with bandwidth `b = k + 1` and `u = d / b`:
//! uniform `1`; triangular `1 − u`; gaussian `exp(−u²/2)`. The bandwidth is one ring
//! beyond `k` so that the outermost ring keeps a non-zero weight. Gi* is invariant to
//! scaling the weights, so kernel constants (such as `1/sqrt(2π)`) do not matter.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use h3o::CellIndex;

use super::stats::{bin, cutoffs_counted, two_sided_p};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Kernel {
    #[default]
    Uniform,
    Triangular,
    Gaussian,
}

impl Kernel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uniform => "uniform",
            Self::Triangular => "triangular",
            Self::Gaussian => "gaussian",
        }
    }

    /// Weight at grid distance `d` for a k-ring of radius `k`.
    pub fn weight(self, d: u32, k: u32) -> f64 {
        let u = f64::from(d) / f64::from(k + 1);
        match self {
            Self::Uniform => 1.0,
            Self::Triangular => 1.0 - u,
            Self::Gaussian => (-0.5 * u * u).exp(),
        }
    }
}

impl fmt::Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kernel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "uniform" => Ok(Self::Uniform),
            "triangular" => Ok(Self::Triangular),
            "gaussian" => Ok(Self::Gaussian),
            other => Err(format!(
                "unknown kernel {other:?} (expected uniform, triangular or gaussian)"
            )),
        }
    }
}

/// The cells of a study area, sorted, with their positions.
#[derive(Clone, Debug)]
pub struct StudyArea {
    cells: Vec<CellIndex>,
    /// foldhash, not SipHash: building a resolution-9 area's weights looks up
    /// 22M cells at k = 3, and the keys are the program's own cells (no
    /// flooding to defend against).
    position: HashMap<CellIndex, u32, foldhash::fast::RandomState>,
}

impl StudyArea {
    /// From any cells (one resolution); duplicates are dropped, order fixed by sorting.
    pub fn new(cells: impl IntoIterator<Item = CellIndex>) -> Self {
        let mut cells: Vec<CellIndex> = cells.into_iter().collect();
        cells.sort_unstable();
        cells.dedup();
        let position = cells
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, i as u32))
            .collect();
        Self { cells, position }
    }

    pub fn cells(&self) -> &[CellIndex] {
        &self.cells
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    pub fn position(&self, cell: CellIndex) -> Option<usize> {
        self.position.get(&cell).map(|&i| i as usize)
    }
}

/// Each cell's k-ring inside a study area (CSR): its neighbours' positions,
/// itself first, and their grid distances. They do not depend on the kernel,
/// so one [`Rings`] serves every kernel's [`Neighbours`] at that `k`: a
/// resolution-9 area of ~600,000 cells has 22M neighbours at k = 3, 5 bytes
/// each, and a server keeps them.
#[derive(Clone, Debug)]
pub struct Rings {
    /// The rows, in shares of `share_len` consecutive cells (the last may be
    /// shorter), each as its thread made it: joining them would hold two
    /// copies of the rings at once.
    shares: Vec<Rows>,
    share_len: usize,
    cells: usize,
    /// `j` is in `i`'s ring at distance `d` exactly when `i` is in `j`'s at
    /// `d`. Grid distance is symmetric, but H3 warns that rings touching a
    /// pentagon may be distorted, so a pentagon in any ring clears this.
    symmetric: bool,
    k: u32,
}

impl Rings {
    /// Builds the rings; cells of a k-ring outside the study area are left out.
    ///
    /// # Panics
    /// When `k` exceeds 255 (a grid distance is kept in a byte).
    pub fn build(area: &StudyArea, k: u32) -> Self {
        // A resolution-9 area's rows (a k-disk from H3 and a lookup per
        // neighbour, for every cell) are the longest step of a cold request
        // there: the cells are shared out and each share's rows made apart,
        // and kept as made (the same rows either way).
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        Self::build_in_shares(area, k, threads.clamp(1, 4))
    }

    fn build_in_shares(area: &StudyArea, k: u32, shares: usize) -> Self {
        assert!(
            u8::try_from(k).is_ok(),
            "k = {k} is more rings than weights keep"
        );
        let share = area.len().div_ceil(shares).max(1);
        let shares: Vec<Rows> = std::thread::scope(|scope| {
            let workers: Vec<_> = area
                .cells()
                .chunks(share)
                .map(|cells| scope.spawn(move || Rows::of(area, cells, k)))
                .collect();
            workers
                .into_iter()
                .map(|worker| worker.join().expect("a weights thread panicked"))
                .collect()
        });
        Self {
            symmetric: shares.iter().all(|rows| rows.symmetric),
            shares,
            share_len: share,
            cells: area.len(),
            k,
        }
    }

    /// `(neighbour position, grid distance)` of cell `i`, itself first.
    fn of(&self, i: usize) -> impl Iterator<Item = (usize, u8)> + '_ {
        let rows = &self.shares[i / self.share_len];
        let local = i % self.share_len;
        let range = rows.start[local] as usize..rows.start[local + 1] as usize;
        rows.index[range.clone()]
            .iter()
            .zip(&rows.distance[range])
            .map(|(&j, &d)| (j as usize, d))
    }

    pub fn k(&self) -> u32 {
        self.k
    }

    pub fn len(&self) -> usize {
        self.cells
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes its arrays hold (what keeping it costs).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.shares
            .iter()
            .map(|rows| {
                (rows.start.len() + rows.index.len()) * size_of::<u32>() + rows.distance.len()
            })
            .sum()
    }
}

/// Sparse spatial weights: a study area's [`Rings`] (shared) weighed by a
/// kernel on grid distance.
#[derive(Clone, Debug)]
pub struct Neighbours {
    rings: Arc<Rings>,
    /// The kernel's weight at each grid distance, 0..=k.
    weight_at: Vec<f64>,
    /// Per cell `W = Σⱼ wᵢⱼ` (summed in row order) and the root of the
    /// denominator's `(n·S1 − W²)/(n − 1)`, 0 where that is not positive (the
    /// neighbourhood is the whole area): they depend on the area alone, and a
    /// Gi* pass would otherwise read every row to redo them.
    w_sum: Vec<f64>,
    spread_root: Vec<f64>,
    /// Each cell's shape of neighbourhood: cells whose `W` and root are the
    /// same bits share one (every cell whose ring lies wholly inside the
    /// area does), and so share a z-score wherever no value is near them.
    shape_of: Arc<[u32]>,
    /// Per shape: `W`, the root, and how many cells have it.
    shapes: Vec<(f64, f64, usize)>,
    pub kernel: Kernel,
}

impl Neighbours {
    /// Builds the weights; cells of the k-ring outside the study area are left out.
    ///
    /// # Panics
    /// When `k` exceeds 255 (a grid distance is kept in a byte).
    pub fn build(area: &StudyArea, k: u32, kernel: Kernel) -> Self {
        Self::weigh(Arc::new(Rings::build(area, k)), kernel)
    }

    /// The weights of `rings` under `kernel`: one pass over the rings, which
    /// are shared, not copied.
    pub fn weigh(rings: Arc<Rings>, kernel: Kernel) -> Self {
        let k = rings.k;
        let mut nb = Self {
            rings,
            weight_at: (0..=k).map(|d| kernel.weight(d, k)).collect(),
            w_sum: Vec::new(),
            spread_root: Vec::new(),
            shape_of: Arc::from([]),
            shapes: Vec::new(),
            kernel,
        };
        let nf = nb.len() as f64;
        (nb.w_sum, nb.spread_root) = (0..nb.len())
            .map(|i| {
                let (mut w_sum, mut s1) = (0.0, 0.0);
                for (_, w) in nb.of(i) {
                    w_sum += w;
                    s1 += w * w;
                }
                let spread = (nf * s1 - w_sum * w_sum) / (nf - 1.0);
                (w_sum, if spread > 1e-12 { spread.sqrt() } else { 0.0 })
            })
            .unzip();
        let mut shape_at: HashMap<(u64, u64), u32, foldhash::fast::RandomState> =
            HashMap::default();
        nb.shape_of = nb
            .w_sum
            .iter()
            .zip(&nb.spread_root)
            .map(|(&w_sum, &root)| {
                let shape = *shape_at
                    .entry((w_sum.to_bits(), root.to_bits()))
                    .or_insert_with(|| {
                        nb.shapes.push((w_sum, root, 0));
                        (nb.shapes.len() - 1) as u32
                    });
                nb.shapes[shape as usize].2 += 1;
                shape
            })
            .collect();
        nb
    }

    /// `(neighbour position, weight)` of cell `i`, itself first.
    pub fn of(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.rings
            .of(i)
            .map(|(j, d)| (j, self.weight_at[usize::from(d)]))
    }

    /// The rings it weighs, to weigh again under another kernel.
    pub fn rings(&self) -> &Arc<Rings> {
        &self.rings
    }

    pub fn k(&self) -> u32 {
        self.rings.k
    }

    pub fn len(&self) -> usize {
        self.rings.len()
    }

    /// The bytes its own arrays hold, its shared rings' left out.
    pub fn kernel_bytes(&self) -> usize {
        use std::mem::size_of;
        (self.weight_at.len() + self.w_sum.len() + self.spread_root.len()) * size_of::<f64>()
            + self.shape_of.len() * size_of::<u32>()
            + self.shapes.len() * size_of::<(f64, f64, usize)>()
    }

    /// The bytes it holds, its rings' included (what keeping it alone costs).
    pub fn heap_bytes(&self) -> usize {
        self.rings.heap_bytes() + self.kernel_bytes()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Some consecutive cells' rows of [`Neighbours`], `start` from 0.
#[derive(Clone, Debug)]
struct Rows {
    start: Vec<u32>,
    index: Vec<u32>,
    distance: Vec<u8>,
    symmetric: bool,
}

impl Rows {
    fn of(area: &StudyArea, cells: &[CellIndex], k: u32) -> Self {
        let per_cell = 1 + 3 * (k * (k + 1)) as usize;
        let mut rows = Self {
            start: Vec::with_capacity(cells.len() + 1),
            index: Vec::with_capacity(cells.len() * per_cell),
            distance: Vec::with_capacity(cells.len() * per_cell),
            symmetric: true,
        };
        rows.start.push(0);
        // One disk and one ring buffer for every cell: a `Vec` per cell was
        // ~600,000 allocations for a resolution-9 area.
        let mut disk: Vec<(CellIndex, u32)> = Vec::with_capacity(per_cell);
        let mut ring: Vec<(u32, u32)> = Vec::with_capacity(per_cell);
        for cell in cells {
            disk.clear();
            // h3o's fast walk fails on reaching a pentagon (it checks every
            // cell it walks: the disk's), and its safe one is exact; so only a
            // disk that took the safe walk can hold a pentagon.
            let walked = cell
                .grid_disk_distances_fast(k)
                .try_for_each(|item| item.map(|found| disk.push(found)));
            if walked.is_none() {
                disk.clear();
                disk.extend(cell.grid_disk_distances_safe(k));
                rows.symmetric &= !disk.iter().any(|(c, _)| c.is_pentagon());
            }
            ring.clear();
            ring.extend(
                disk.iter()
                    .filter_map(|&(c, d)| area.position(c).map(|j| (j as u32, d))),
            );
            // Itself (distance 0) first, then by position.
            ring.sort_unstable_by_key(|&(j, d)| (u64::from(d != 0) << 32) | u64::from(j));
            for &(j, d) in &ring {
                rows.index.push(j);
                rows.distance.push(d as u8);
            }
            rows.start.push(rows.index.len() as u32);
        }
        rows
    }
}

/// Gi* z-scores and two-sided normal p-values, one per study-area cell.
#[derive(Clone, Debug, PartialEq)]
pub struct GiStar {
    pub z: Vec<f64>,
    pub p: Vec<f64>,
}

/// A map's mean and standard deviation, which turn a cell's weighted sum
/// into its Gi* z-score: one definition for the dense and the sparse pass,
/// whose z-scores must be the same bits.
struct Standardise {
    mean: f64,
    s: f64,
    varies: bool,
}

impl Standardise {
    /// From the map's sum and sum of squares over its `n` cells.
    fn new(sum: f64, sum_of_squares: f64, n: usize) -> Self {
        let nf = n as f64;
        let mean = sum / nf;
        let s = (sum_of_squares / nf - mean * mean).max(0.0).sqrt();
        // Relative guard: a constant field leaves rounding noise in the variance.
        let varies = s > 1e-12 * mean.abs().max(1.0);
        Self { mean, s, varies }
    }

    /// The z-score of weighted sum `wx` of a cell with weights summing to
    /// `w_sum` and denominator root `root` (0 for no spread).
    fn z(&self, wx: f64, w_sum: f64, root: f64) -> f64 {
        if self.varies && root > 0.0 {
            (wx - self.mean * w_sum) / (self.s * root)
        } else {
            0.0
        }
    }
}

/// Computes Gi* for values `x` (one per cell, in study-area order).
pub fn gi_star(x: &[f64], nb: &Neighbours) -> GiStar {
    let n = x.len();
    assert_eq!(n, nb.len(), "one value per study-area cell");
    let scale = Standardise::new(x.iter().sum(), x.iter().map(|v| v * v).sum(), n);
    let mut z = if nb.rings.symmetric && x.iter().filter(|v| **v != 0.0).count() < n / 2 {
        weighted_sums_spread(x, nb)
    } else {
        weighted_sums_gathered(x, nb)
    };
    // Each sum becomes its z in place: a resolution-9 area's vector is ~5 MB
    // of fresh pages, and the outcome summary makes hundreds of maps.
    for ((wx, w_sum), root) in z.iter_mut().zip(&nb.w_sum).zip(&nb.spread_root) {
        *wx = scale.z(*wx, *w_sum, *root);
    }
    // Cells whose neighbourhoods hold no reports share a z-score (one per
    // shape of neighbourhood), and they come in runs in cell order: one
    // `erfc` per run, not per cell.
    let mut last: Option<(u64, f64)> = None;
    let p = z
        .iter()
        .map(|&z| match last {
            Some((bits, p)) if bits == z.to_bits() => p,
            _ => {
                let p = two_sided_p(z);
                last = Some((z.to_bits(), p));
                p
            }
        })
        .collect();
    GiStar { z, p }
}

impl GiStar {
    /// The z-scores times `factor` ([`space_time_factor`]), their p-values anew.
    #[must_use]
    pub fn scaled(mut self, factor: f64) -> Self {
        // Runs of cells far from every value share a z, as in `gi_star`.
        let mut last: Option<(u64, f64)> = None;
        for (z, p) in self.z.iter_mut().zip(&mut self.p) {
            *z *= factor;
            *p = match last {
                Some((bits, p)) if bits == z.to_bits() => p,
                _ => {
                    let p = two_sided_p(*z);
                    last = Some((z.to_bits(), p));
                    p
                }
            };
        }
        self
    }
}

/// The factor that turns the Gi* z-scores of a window's summed map into the
/// space-time Gi* of the window's last step (ArcGIS's "neighborhood time
/// step", sfdep's time lag `k`): each cell's neighbourhood is its k-ring at
/// that step and at the `steps − 1` before it, and the population Gi*
/// compares it with is every bin of those steps (`n · steps` values, their
/// mean and spread: Gi* as Getis and Ord define it, on the space-time
/// neighbourhood).
///
/// With `X` the summed map (`Xⱼ` = cell j's values over the window added),
/// the neighbourhood's sum is `Σⱼ wᵢⱼ Xⱼ`, its weights `m·W` and `m·S1`
/// (`m = steps`), and `mean(X) = m·x̄'`, so the numerator is Gi*'s of `X`;
/// only the denominator differs: `z = z(X) · (s_X / (m·s')) · sqrt((n·m − 1)/(n − 1))`,
/// `x̄'` and `s'` over the window's bins, `s_X` over `X`. One pass over a
/// map, not a map per lag (the dense and sparse passes as they are).
///
/// sfdep sums the lagged values too but standardises by step t's map
/// alone (`n` values), which leans whenever the steps' totals differ; this
/// standardises over the bins the neighbourhoods are drawn from. A window
/// of one step is Gi* itself (`None`: nothing to scale, to the bit).
/// `bins` and `summed` are each `(Σ, Σ of squares)`: over the window's
/// `n · steps` bins, and over `X`.
pub fn space_time_factor(
    n: usize,
    steps: usize,
    bins: (f64, f64),
    summed: (f64, f64),
) -> Option<f64> {
    if steps <= 1 || n < 2 {
        return None;
    }
    let bins = Standardise::new(bins.0, bins.1, n * steps);
    let summed = Standardise::new(summed.0, summed.1, n);
    if !bins.varies {
        // Every bin equal: no clustering to find (z = 0, as `gi_star`).
        return Some(0.0);
    }
    let (n, m) = (n as f64, steps as f64);
    Some(summed.s / (m * bins.s) * ((n * m - 1.0) / (n - 1.0)).sqrt())
}

/// `Σⱼ wᵢⱼ xⱼ` of every cell, row by row.
fn weighted_sums_gathered(x: &[f64], nb: &Neighbours) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let mut wx = 0.0;
            for (j, w) in nb.of(i) {
                wx += w * x[j];
            }
            wx
        })
        .collect()
}

/// [`weighted_sums_gathered`] reading only the rows of cells with a value:
/// each spreads `wⱼᵢ xⱼ` to its neighbours (`wⱼᵢ = wᵢⱼ`: the weights must be
/// symmetric). A map of reports has values in a few thousand of a
/// resolution-9 area's ~600,000 cells, whose rows hold 37 entries each at
/// k = 3: reading every row is most of a pass. Each cell's sum gets its own
/// term first, then its neighbours' in position order, as row by row does
/// (the zeros it adds there change nothing), so both give the same bits.
fn weighted_sums_spread(x: &[f64], nb: &Neighbours) -> Vec<f64> {
    let mut wx = vec![0.0; x.len()];
    let with_value = || x.iter().enumerate().filter(|(_, v)| **v != 0.0);
    for (i, v) in with_value() {
        wx[i] += nb.weight_at[0] * v;
    }
    for (j, v) in with_value() {
        for (i, w) in nb.of(j).skip(1) {
            wx[i] += w * v;
        }
    }
    wx
}

/// Gi* of a map with values in few cells ([`gi_star_sparse`]): the z-score
/// and p-value of each cell near a value (one is in its k-ring), and of each
/// shape of neighbourhood, shared by that shape's cells far from every
/// value. Each cell gets the bits [`gi_star`] gives it.
#[derive(Clone, Debug)]
pub struct SparseGiStar {
    /// Positions of the cells near a value, ascending, with their z and p.
    near: Vec<u32>,
    near_z: Vec<f64>,
    near_p: Vec<f64>,
    shape_of: Arc<[u32]>,
    /// Per shape: the z and p of its cells far from every value, and how
    /// many those are.
    far: Vec<(f64, f64, usize)>,
}

impl SparseGiStar {
    pub fn len(&self) -> usize {
        self.shape_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cell `i`'s z-score and p-value.
    pub fn z_p(&self, i: usize) -> (f64, f64) {
        if let Ok(k) = self.near.binary_search(&(i as u32)) {
            (self.near_z[k], self.near_p[k])
        } else {
            let (z, p, _) = self.far[self.shape_of[i] as usize];
            (z, p)
        }
    }

    /// Every cell's p-value once, with how many cells have it (what
    /// Benjamini-Hochberg needs).
    pub fn p_counts(&self) -> impl Iterator<Item = (f64, usize)> + '_ {
        self.near_p
            .iter()
            .map(|p| (*p, 1))
            .chain(self.far.iter().map(|(_, p, count)| (*p, *count)))
            .filter(|(_, count)| *count > 0)
    }

    /// `(position, f(z, p))` of every cell where `f` gives a value,
    /// positions ascending. `f` is asked once per shape for the cells far
    /// from every value, and the area is scanned for them only when it
    /// gives one.
    pub fn filter_map_cells<T: Copy>(&self, f: impl Fn(f64, f64) -> Option<T>) -> Vec<(usize, T)> {
        let mut cells: Vec<(usize, T)> = self
            .near
            .iter()
            .zip(self.near_z.iter().zip(&self.near_p))
            .filter_map(|(i, (z, p))| Some((*i as usize, f(*z, *p)?)))
            .collect();
        let far: Vec<Option<T>> = self
            .far
            .iter()
            .map(|(z, p, count)| if *count > 0 { f(*z, *p) } else { None })
            .collect();
        if far.iter().any(Option::is_some) {
            cells.extend(self.shape_of.iter().enumerate().filter_map(|(i, shape)| {
                let value = far[*shape as usize]?;
                let is_far = self.near.binary_search(&(i as u32)).is_err();
                is_far.then_some((i, value))
            }));
            cells.sort_unstable_by_key(|(i, _)| *i);
        }
        cells
    }

    /// The z-scores times `factor` ([`space_time_factor`]), their p-values anew.
    #[must_use]
    pub fn scaled(mut self, factor: f64) -> Self {
        for (z, p) in self.near_z.iter_mut().zip(&mut self.near_p) {
            *z *= factor;
            *p = two_sided_p(*z);
        }
        for (z, p, _) in &mut self.far {
            *z *= factor;
            *p = two_sided_p(*z);
        }
        self
    }

    /// The cells whose Gi* bin is not 0, with it (`(position, bin)`,
    /// positions ascending): FDR over every cell's p-value, with `fdr`.
    pub fn nonzero_bins(&self, fdr: bool) -> Vec<(usize, i8)> {
        let cutoffs = cutoffs_counted(self.p_counts(), self.len(), fdr);
        self.filter_map_cells(|z, p| Some(bin(z, p, &cutoffs)).filter(|b| *b != 0))
    }
}

/// The sums of a sparse pass, kept per thread between passes: a map of the
/// area zeroed once, of which a pass touches and then clears only the cells
/// near a value.
#[derive(Default)]
struct SpreadScratch {
    wx: Vec<f64>,
    near: Vec<bool>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<SpreadScratch> = std::cell::RefCell::default();
}

/// [`gi_star`] of the map whose non-zero values are `values` (positions
/// ascending, each once), without a pass over every cell: `None` where
/// [`gi_star`] would sum row by row (weights not symmetric, or values in half
/// the cells or more), and the caller should map the area and call it.
///
/// # Panics
/// When a position is outside the area, or the positions are not ascending.
pub fn gi_star_sparse(values: &[(usize, f64)], nb: &Neighbours) -> Option<SparseGiStar> {
    let n = nb.len();
    let values: Vec<(usize, f64)> = values.iter().copied().filter(|(_, v)| *v != 0.0).collect();
    assert!(
        values.windows(2).all(|w| w[0].0 < w[1].0),
        "positions ascending, each once"
    );
    // Checked before the thread's scratch is touched: a panic half-way through
    // the spreading would leave sums in it for the thread's next map.
    assert!(
        values.last().is_none_or(|(i, _)| *i < n),
        "a position outside the area"
    );
    if !nb.rings.symmetric || values.len() >= n / 2 {
        return None;
    }
    // As `gi_star`'s sums over every cell, in position order: the zeros
    // between these add nothing.
    let scale = Standardise::new(
        values.iter().fold(0.0, |sum, (_, v)| sum + v),
        values.iter().fold(0.0, |sum, (_, v)| sum + v * v),
        n,
    );
    SCRATCH.with(|scratch| {
        let scratch = &mut *scratch.borrow_mut();
        if scratch.wx.len() < n {
            scratch.wx.resize(n, 0.0);
            scratch.near.resize(n, false);
        }
        let SpreadScratch { wx, near: is_near } = scratch;
        let mut near: Vec<u32> = Vec::new();
        // The order of `weighted_sums_spread`: every cell's own term, then
        // its neighbours' in position order.
        let mut add = |i: usize, term: f64| {
            if !is_near[i] {
                is_near[i] = true;
                near.push(i as u32);
            }
            wx[i] += term;
        };
        for &(i, v) in &values {
            add(i, nb.weight_at[0] * v);
        }
        for &(j, v) in &values {
            for (i, w) in nb.of(j).skip(1) {
                add(i, w * v);
            }
        }
        near.sort_unstable();
        let mut near_z = Vec::with_capacity(near.len());
        let mut far: Vec<(f64, f64, usize)> = nb
            .shapes
            .iter()
            .map(|(w_sum, root, cells)| (scale.z(0.0, *w_sum, *root), 0.0, *cells))
            .collect();
        for &i in &near {
            let i = i as usize;
            near_z.push(scale.z(wx[i], nb.w_sum[i], nb.spread_root[i]));
            far[nb.shape_of[i] as usize].2 -= 1;
            wx[i] = 0.0;
            is_near[i] = false;
        }
        for (z, p, _) in &mut far {
            *p = two_sided_p(*z);
        }
        let near_p = near_z.iter().map(|z| two_sided_p(*z)).collect();
        Some(SparseGiStar {
            near,
            near_z,
            near_p,
            shape_of: Arc::clone(&nb.shape_of),
            far,
        })
    })
}

/// Conditional permutation inference (as PySAL): for each cell, its own value is
/// held and its neighbours' values are drawn at random, without replacement, from
/// the other cells; the pseudo p-value is `(M + 1) / (R + 1)`, folded: `M` is the
/// smaller of the draws at or above the observed statistic and the draws at or
/// below it. Seeded per cell, so results do not depend on the number of threads.
///
/// A draw equal to the observed statistic counts on both sides. PySAL's esda and
/// GeoDa count a tie only as "larger" and then fold (`min(M, R - M)`), so a
/// cell whose every draw ties (a zero among zeros, the usual cell of a sparse
/// map) gets the smallest p there is, and the whole empty study area comes out
/// a 99% cold spot. Without ties the two agree.
pub fn permutation_p(
    x: &[f64],
    nb: &Neighbours,
    permutations: u32,
    seed: u64,
    threads: usize,
) -> Vec<f64> {
    let n = x.len();
    let mut out = vec![1.0; n];
    if n < 2 || permutations == 0 {
        return out;
    }
    let threads = threads.clamp(1, 64);
    let chunk = n.div_ceil(threads);
    std::thread::scope(|scope| {
        for (t, slice) in out.chunks_mut(chunk).enumerate() {
            scope.spawn(move || {
                let mut picked: Vec<usize> = Vec::new();
                for (offset, slot) in slice.iter_mut().enumerate() {
                    let i = t * chunk + offset;
                    let neighbours: Vec<(usize, f64)> = nb.of(i).collect();
                    let observed: f64 = neighbours.iter().map(|&(j, w)| w * x[j]).sum();
                    let self_w = neighbours[0].1;
                    let others = &neighbours[1..];
                    if others.len() + 1 >= n {
                        continue;
                    }
                    let mut rng = SplitMix(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                    // Sums of the same values can differ in their last bits
                    // when added in another order: equal within this is a tie.
                    let tie = observed.abs().max(1.0) * 1e-9;
                    let (mut at_or_above, mut at_or_below) = (0u32, 0u32);
                    for _ in 0..permutations {
                        picked.clear();
                        let mut stat = self_w * x[i];
                        for &(_, w) in others {
                            let j = loop {
                                let j = rng.below(n);
                                if j != i && !picked.contains(&j) {
                                    break j;
                                }
                            };
                            picked.push(j);
                            stat += w * x[j];
                        }
                        at_or_above += u32::from(stat >= observed - tie);
                        at_or_below += u32::from(stat <= observed + tie);
                    }
                    let extreme = at_or_above.min(at_or_below);
                    *slot = f64::from(extreme + 1) / f64::from(permutations + 1);
                }
            });
        }
    });
    out
}

/// Clears the hot bins (above 0) of the cells whose neighbourhood (their
/// k-ring, themselves included, whatever the kernel's weights) holds fewer
/// than `min` reports; answers how many it cleared. `reports` are the cells
/// with reports, `(position, reports)`, positions ascending.
///
/// Why: Gi*'s p-value is a normal approximation, and a map of few reports is
/// far from normal. One report among a hundred over 86,000 cells gives its
/// ring z ≈ 10, p ≈ 1e-25, a 99% hot spot past any false discovery rate;
/// the exact chance of a report falling in a given ring of seven cells is
/// about 0.009, which no FDR over the area passes, while two in one ring
/// (≈ 4e-5) can. Where reports are many a ring of one report is below the
/// mean and never hot, so this changes nothing there. Cold bins are kept: a
/// cold spot is an absence of reports.
pub fn clear_thin_hot_cells<'b>(
    bins: impl IntoIterator<Item = (usize, &'b mut i8)>,
    reports: &[(usize, u64)],
    nb: &Neighbours,
    min: u64,
) -> usize {
    if min <= 1 {
        return 0;
    }
    let mut cleared = 0;
    for (i, bin) in bins {
        if *bin > 0 && ring_reports(nb, i, reports) < min {
            *bin = 0;
            cleared += 1;
        }
    }
    cleared
}

/// The reports in cell `i`'s k-ring, itself included; `reports` as
/// [`clear_thin_hot_cells`] takes them.
pub fn ring_reports(nb: &Neighbours, i: usize, reports: &[(usize, u64)]) -> u64 {
    nb.rings
        .of(i)
        .map(|(j, _)| {
            reports
                .binary_search_by_key(&j, |(k, _)| *k)
                .map_or(0, |k| reports[k].1)
        })
        .sum()
}

/// Per cell, the reports in its k-ring, itself included (`counts` by
/// position, every cell of the area): the neighbourhood Gi* weighs, as a
/// count a reader can check. A cell of one report is hot when its ring holds
/// many, and a list that gives the cell's count alone cannot say why.
pub fn ring_totals(nb: &Neighbours, counts: &[u64]) -> Vec<u64> {
    (0..nb.len())
        .map(|i| nb.rings.of(i).map(|(j, _)| counts[j]).sum())
        .collect()
}

/// SplitMix64: small, fast, and reproducible everywhere.
struct SplitMix(u64);

impl SplitMix {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((u128::from(z) * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use h3o::{LatLng, Resolution};

    use super::*;

    /// Resolution-9 cells within `radius` of a cell in Peterborough, less every
    /// seventh (holes, so rows differ in length).
    fn area(radius: u32) -> StudyArea {
        let centre = LatLng::new(52.5695, -0.2405)
            .expect("a point")
            .to_cell(Resolution::Nine);
        StudyArea::new(
            centre
                .grid_disk::<Vec<_>>(radius)
                .into_iter()
                .enumerate()
                .filter(|(i, _)| i % 7 != 3)
                .map(|(_, c)| c),
        )
    }

    /// One cell in twenty with a value that is not a whole number (so the
    /// order of additions shows in the bits), the rest zero.
    fn sparse_values(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix(seed);
        (0..n)
            .map(|_| {
                if rng.below(20) == 0 {
                    (1 + rng.below(1000)) as f64 / 7.0
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Space-time Gi* taken on the summed map and scaled is Gi*'s formula
    /// written out over the window's bins: `n · m` values, each cell's
    /// neighbourhood its ring at every step of the window; dense and sparse
    /// passes alike, each kernel, windows of one to three steps.
    #[test]
    fn space_time_gi_star_is_gi_star_over_the_windows_bins() {
        let area = area(9);
        let n = area.len();
        for kernel in [Kernel::Uniform, Kernel::Triangular, Kernel::Gaussian] {
            let nb = Neighbours::build(&area, 2, kernel);
            let steps: Vec<Vec<f64>> = (0..3).map(|t| sparse_values(n, 40 + t)).collect();
            for m in 1..=3 {
                let window = &steps[3 - m..];
                let bins: Vec<f64> = window.iter().flatten().copied().collect();
                let big_n = (n * m) as f64;
                let mean = bins.iter().sum::<f64>() / big_n;
                let s = (bins.iter().map(|v| v * v).sum::<f64>() / big_n - mean * mean).sqrt();
                let direct: Vec<f64> = (0..n)
                    .map(|i| {
                        let (mut wx, mut w, mut s1) = (0.0, 0.0, 0.0);
                        for step in window {
                            for (j, wij) in nb.of(i) {
                                wx += wij * step[j];
                                w += wij;
                                s1 += wij * wij;
                            }
                        }
                        (wx - mean * w) / (s * ((big_n * s1 - w * w) / (big_n - 1.0)).sqrt())
                    })
                    .collect();
                let summed: Vec<f64> = (0..n).map(|i| window.iter().map(|x| x[i]).sum()).collect();
                let factor = space_time_factor(
                    n,
                    m,
                    (bins.iter().sum(), bins.iter().map(|v| v * v).sum()),
                    (summed.iter().sum(), summed.iter().map(|v| v * v).sum()),
                );
                assert_eq!(factor.is_none(), m == 1, "m={m}: {factor:?}");
                let factor = factor.unwrap_or(1.0);
                let dense = gi_star(&summed, &nb).scaled(factor);
                let values: Vec<(usize, f64)> = summed.iter().copied().enumerate().collect();
                let sparse = gi_star_sparse(&values, &nb)
                    .expect("a sparse map")
                    .scaled(factor);
                for (i, direct) in direct.iter().enumerate() {
                    let close = |z: f64| (z - direct).abs() < 1e-9 * direct.abs().max(1.0);
                    assert!(
                        close(dense.z[i]),
                        "{kernel} m={m} cell {i}: {} vs {direct}",
                        dense.z[i]
                    );
                    assert!(close(sparse.z_p(i).0), "{kernel} m={m} cell {i} (sparse)");
                    assert_eq!(dense.p[i].to_bits(), two_sided_p(dense.z[i]).to_bits());
                    assert_eq!(
                        sparse.z_p(i).1.to_bits(),
                        two_sided_p(sparse.z_p(i).0).to_bits()
                    );
                }
            }
        }
        // Every bin equal: no clustering, whatever the window.
        let flat = space_time_factor(100, 2, (200.0, 200.0), (400.0, 1600.0));
        assert_eq!(flat.map(f64::to_bits), Some(0.0f64.to_bits()));
    }

    /// How many values differ in any bit.
    fn differing(a: &[f64], b: &[f64]) -> usize {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count()
    }

    #[test]
    fn spread_sums_equal_gathered_sums_bit_for_bit() {
        let area = area(14);
        for kernel in [Kernel::Uniform, Kernel::Triangular, Kernel::Gaussian] {
            for k in 1..=3 {
                let nb = Neighbours::build(&area, k, kernel);
                assert!(nb.rings.symmetric, "no pentagon near Peterborough");
                let x = sparse_values(area.len(), u64::from(k) * 31 + kernel as u64);
                let gathered = weighted_sums_gathered(&x, &nb);
                let spread = weighted_sums_spread(&x, &nb);
                assert_eq!(differing(&spread, &gathered), 0, "{kernel} k={k}");
                assert!(gathered.iter().filter(|v| **v != 0.0).count() > area.len() / 10);
            }
        }
    }

    /// The exact folded p of conditional permutation under uniform weights,
    /// counted over every subset rather than drawn: the neighbours' sum is the
    /// sum of `m` values taken without replacement from the other cells, so
    /// `ways[c][s]` counts the subsets of `c` other cells' (whole) values that
    /// sum to `s`.
    fn exact_folded_p(x: &[f64], i: usize, m: usize, observed: usize) -> f64 {
        let others: Vec<usize> = (0..x.len())
            .filter(|&j| j != i)
            .map(|j| x[j] as usize)
            .collect();
        let total: usize = others.iter().sum();
        let mut ways = vec![vec![0.0f64; total + 1]; m + 1];
        ways[0][0] = 1.0;
        for v in others {
            for c in (1..=m).rev() {
                for s in (v..=total).rev() {
                    ways[c][s] += ways[c - 1][s - v];
                }
            }
        }
        let all: f64 = ways[m].iter().sum();
        let above: f64 = ways[m][observed.min(total + 1)..].iter().sum();
        let below: f64 = ways[m][..=observed.min(total)].iter().sum();
        (above / all).min(below / all)
    }

    /// Pseudo p-values within Monte Carlo error of the exact ones, on counts
    /// with many ties: a cell whose neighbours are all zero is not significant
    /// either way, where counting ties only as "larger" gave it p = 1/(R+1).
    #[test]
    fn permutation_p_is_the_exact_conditional_p_within_its_error() {
        let area = area(3);
        let nb = Neighbours::build(&area, 1, Kernel::Uniform);
        let mut rng = SplitMix(11);
        let centre = area.len() / 2;
        let cluster: Vec<usize> = nb.of(centre).map(|(j, _)| j).collect();
        let x: Vec<f64> = (0..area.len())
            .map(|i| {
                if cluster.contains(&i) {
                    (4 + rng.below(6)) as f64
                } else if rng.below(4) == 0 {
                    (1 + rng.below(2)) as f64
                } else {
                    0.0
                }
            })
            .collect();
        let permutations = 9_999;
        let p = permutation_p(&x, &nb, permutations, 5, 2);
        let draws = f64::from(permutations);
        let (mut zero_neighbours, mut significant) = (0, 0);
        for (i, &p) in p.iter().enumerate() {
            let neighbours: Vec<(usize, f64)> = nb.of(i).skip(1).collect();
            assert!(neighbours.iter().all(|&(_, w)| (w - 1.0).abs() < 1e-12));
            let observed = neighbours.iter().map(|&(j, _)| x[j] as usize).sum();
            let exact = exact_folded_p(&x, i, neighbours.len(), observed);
            let error = 5.0 * (exact * (1.0 - exact) / draws).sqrt() + 2.0 / (draws + 1.0);
            assert!(
                (p - exact).abs() <= error,
                "cell {i}: pseudo-p {p} against the exact {exact} (neighbours' sum {observed})"
            );
            if observed == 0 {
                // The lowest sum there is: a draw can only tie it or exceed it.
                zero_neighbours += 1;
                assert!(p > 0.1, "cell {i}: empty neighbours, p {p}");
            }
            significant += usize::from(exact < 0.01);
        }
        assert!(
            zero_neighbours > 0 && significant > 0,
            "{zero_neighbours} {significant}"
        );
    }

    #[test]
    fn gi_star_takes_its_sums_either_way() {
        let area = area(10);
        let nb = Neighbours::build(&area, 2, Kernel::Gaussian);
        let x = sparse_values(area.len(), 7);
        let gi = gi_star(&x, &nb);
        let mut rings = Rings::clone(nb.rings());
        rings.symmetric = false;
        let by_rows = gi_star(&x, &Neighbours::weigh(Arc::new(rings), nb.kernel));
        assert_eq!(differing(&gi.z, &by_rows.z), 0);
        assert_eq!(differing(&gi.p, &by_rows.p), 0);
        assert!(gi.z.iter().any(|z| *z > 2.0));
    }

    #[test]
    fn weights_built_in_shares_are_the_weights_built_whole() {
        let area = area(12);
        for k in 1..=3 {
            let in_shares = |shares| {
                Neighbours::weigh(
                    Arc::new(Rings::build_in_shares(&area, k, shares)),
                    Kernel::Gaussian,
                )
            };
            let whole = in_shares(1);
            for shares in [2, 3, 7] {
                let parts = in_shares(shares);
                assert!(parts.rings.shares.len() > 1, "k={k}, {shares} shares");
                assert_eq!(parts.len(), whole.len());
                for i in 0..area.len() {
                    let row = |nb: &Neighbours| -> Vec<(usize, u64)> {
                        nb.of(i).map(|(j, w)| (j, w.to_bits())).collect()
                    };
                    assert_eq!(row(&parts), row(&whole), "row {i}, k={k}, {shares} shares");
                }
                assert_eq!(differing(&parts.w_sum, &whole.w_sum), 0);
                assert_eq!(differing(&parts.spread_root, &whole.spread_root), 0);
            }
            // Each row: itself first, then its neighbours in the area by position.
            for (i, cell) in area.cells().iter().enumerate() {
                let row: Vec<usize> = whole.of(i).map(|(j, _)| j).collect();
                let mut expected: Vec<usize> = cell
                    .grid_disk::<Vec<_>>(k)
                    .into_iter()
                    .filter(|c| c != cell)
                    .filter_map(|c| area.position(c))
                    .collect();
                expected.sort_unstable();
                expected.insert(0, i);
                assert_eq!(row, expected, "row {i}, k={k}");
            }
        }
        let empty = Rings::build_in_shares(&StudyArea::new([]), 2, 3);
        assert!(empty.is_empty());
    }

    /// Sorted `(value, count)` pairs with equal values merged, counts added.
    fn run_lengths(sorted: Vec<(u64, usize)>) -> Vec<(u64, usize)> {
        let mut out: Vec<(u64, usize)> = Vec::new();
        for (value, count) in sorted {
            match out.last_mut() {
                Some((last, total)) if *last == value => *total += count,
                _ => out.push((value, count)),
            }
        }
        out
    }

    /// Every cell's z and p from the sparse pass are [`gi_star`]'s bits, for
    /// maps from one value to nearly half the cells; its p-values counted
    /// are every cell's; the cells it selects are the ones a dense filter does.
    #[test]
    fn sparse_gi_star_gives_each_cell_the_bits_of_gi_star() {
        let area = area(12);
        let n = area.len();
        for kernel in [Kernel::Uniform, Kernel::Triangular, Kernel::Gaussian] {
            for k in 1..=3 {
                let nb = Neighbours::build(&area, k, kernel);
                assert!(nb.shapes.len() > 3, "edge shapes as well as the inner one");
                let mut one = vec![0.0; n];
                one[n / 3] = 2.5;
                let mut maps = vec![one, vec![0.0; n]];
                for (seed, every) in [(1, 50), (2, 20), (3, 5), (4, 3)] {
                    let mut rng = SplitMix(seed * 97 + u64::from(k));
                    maps.push(
                        (0..n)
                            .map(|_| {
                                if rng.below(every) == 0 {
                                    (1 + rng.below(1000)) as f64 / 7.0
                                } else {
                                    0.0
                                }
                            })
                            .collect(),
                    );
                }
                for x in &maps {
                    let values: Vec<(usize, f64)> = x.iter().copied().enumerate().collect();
                    let sparse = gi_star_sparse(&values, &nb).expect("fewer than half");
                    let dense = gi_star(x, &nb);
                    let (z, p): (Vec<f64>, Vec<f64>) = (0..n).map(|i| sparse.z_p(i)).unzip();
                    assert_eq!(differing(&z, &dense.z), 0, "{kernel} k={k}");
                    assert_eq!(differing(&p, &dense.p), 0, "{kernel} k={k}");
                    let mut counted: Vec<(u64, usize)> =
                        sparse.p_counts().map(|(p, c)| (p.to_bits(), c)).collect();
                    counted.sort_unstable();
                    let mut listed: Vec<(u64, usize)> =
                        dense.p.iter().map(|p| (p.to_bits(), 1)).collect();
                    listed.sort_unstable();
                    assert_eq!(run_lengths(counted), run_lengths(listed), "{kernel} k={k}");
                    for cut in [-1.0, 0.5, 2.0] {
                        let expected: Vec<(usize, u64)> = (0..n)
                            .filter(|&i| dense.z[i] < cut)
                            .map(|i| (i, dense.p[i].to_bits()))
                            .collect();
                        let got = sparse.filter_map_cells(|z, p| (z < cut).then_some(p.to_bits()));
                        assert_eq!(got, expected);
                    }
                    for fdr in [true, false] {
                        let expected: Vec<(usize, i8)> =
                            (super::super::stats::bins(&dense.z, &dense.p, fdr)
                                .into_iter()
                                .enumerate())
                            .filter(|(_, bin)| *bin != 0)
                            .collect();
                        assert_eq!(
                            sparse.nonzero_bins(fdr),
                            expected,
                            "{kernel} k={k} fdr={fdr}"
                        );
                    }
                }
                let half: Vec<(usize, f64)> = (0..n).step_by(2).map(|i| (i, 1.0)).collect();
                assert!(
                    gi_star_sparse(&half, &nb).is_none(),
                    "half the cells: row by row"
                );
            }
        }
    }

    #[test]
    fn a_position_outside_the_area_leaves_the_next_map_untouched() {
        let area = StudyArea::new(
            LatLng::new(52.57, -0.24)
                .expect("ll")
                .to_cell(Resolution::Eight)
                .grid_disk::<Vec<_>>(6),
        );
        let nb = Neighbours::build(&area, 2, Kernel::Uniform);
        let n = area.len();
        let refused = std::panic::catch_unwind(|| gi_star_sparse(&[(3, 2.0), (n, 1.0)], &nb));
        assert!(refused.is_err());
        let values = [(5, 1.0), (40, 3.0)];
        let sparse = gi_star_sparse(&values, &nb).expect("symmetric, sparse");
        let mut x = vec![0.0; n];
        for (i, v) in values {
            x[i] = v;
        }
        let dense = gi_star(&x, &nb);
        for i in 0..n {
            assert_eq!(sparse.z_p(i), (dense.z[i], dense.p[i]), "cell {i}");
        }
    }

    /// The 3-disk around a resolution-5 pentagon: the rings of the cells near it reach it.
    fn area_around_a_pentagon() -> StudyArea {
        let pentagon = CellIndex::base_cells()
            .find(|c| c.is_pentagon())
            .expect("a pentagon")
            .center_child(Resolution::Five)
            .expect("its centre child");
        StudyArea::new(pentagon.grid_disk::<Vec<_>>(3))
    }

    #[test]
    fn sparse_gi_star_declines_weights_through_a_pentagon() {
        let nb = Neighbours::build(&area_around_a_pentagon(), 1, Kernel::Uniform);
        assert!(gi_star_sparse(&[(0, 1.0)], &nb).is_none());
    }

    #[test]
    fn a_ring_through_a_pentagon_is_not_taken_as_symmetric() {
        assert!(!Rings::build(&area_around_a_pentagon(), 1).symmetric);
    }

    /// A hot cell is cleared when its ring (itself included, whatever the
    /// kernel) holds fewer than `min` reports, and at `min` is kept; cold
    /// and zero bins are never touched; `min` 1 changes nothing.
    #[test]
    fn thin_hot_cells_are_cleared_by_their_rings_reports() {
        let area = area(6);
        let nb = Neighbours::build(&area, 1, Kernel::Gaussian);
        let ring_of = |i: usize| -> Vec<usize> { nb.of(i).map(|(j, _)| j).collect() };
        let centre = (0..area.len())
            .find(|&i| ring_of(i).len() == 7)
            .expect("a cell with its whole ring");
        let ring = ring_of(centre);
        // A hot neighbour of the centre, and another neighbour not next to it.
        let hot = ring[1];
        let other = (ring[1..].iter().copied())
            .find(|j| !ring_of(hot).contains(j))
            .expect("a neighbour apart");
        let far = (0..area.len())
            .find(|i| nb.of(*i).all(|(j, _)| !ring.contains(&j)))
            .expect("a cell away from the centre");
        // One report in the centre, one in the other neighbour.
        let mut reports = vec![(centre, 1), (other, 1)];
        reports.sort_unstable();
        let bins = |min: u64| {
            let mut bins = vec![0i8; area.len()];
            (bins[centre], bins[hot], bins[far]) = (3, 2, -3);
            let cleared = clear_thin_hot_cells(bins.iter_mut().enumerate(), &reports, &nb, min);
            (cleared, bins[centre], bins[hot], bins[far])
        };
        assert_eq!(ring_reports(&nb, centre, &reports), 2);
        assert_eq!(ring_reports(&nb, far, &reports), 0);
        // Every cell's ring over a dense map, as the sparse lookup sums it.
        let mut dense = vec![0u64; area.len()];
        for &(i, n) in &reports {
            dense[i] = n;
        }
        let totals = ring_totals(&nb, &dense);
        assert!((0..area.len()).all(|i| totals[i] == ring_reports(&nb, i, &reports)));
        assert_eq!((totals[centre], totals[other], totals[far]), (2, 2, 0));
        assert_eq!(bins(1), (0, 3, 2, -3));
        assert_eq!(bins(2), (1, 3, 0, -3), "the centre's ring holds both");
        assert_eq!(bins(3), (2, 0, 0, -3));
    }
}
