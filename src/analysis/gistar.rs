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

use super::stats::two_sided_p;

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
        (self.weight_at.len() + self.w_sum.len() + self.spread_root.len())
            * std::mem::size_of::<f64>()
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
        let mut ring: Vec<(u32, u32)> = Vec::with_capacity(per_cell);
        for cell in cells {
            let disk = cell.grid_disk_distances::<Vec<_>>(k);
            rows.symmetric &= !disk.iter().any(|(c, _)| c.is_pentagon());
            ring.clear();
            ring.extend(
                disk.into_iter()
                    .filter_map(|(c, d)| area.position(c).map(|j| (j as u32, d))),
            );
            // Itself (distance 0) first, then by position.
            ring.sort_unstable_by_key(|&(j, d)| (d != 0, j));
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

/// Computes Gi* for values `x` (one per cell, in study-area order).
pub fn gi_star(x: &[f64], nb: &Neighbours) -> GiStar {
    let n = x.len();
    assert_eq!(n, nb.len(), "one value per study-area cell");
    let nf = n as f64;
    let mean = x.iter().sum::<f64>() / nf;
    let var = (x.iter().map(|v| v * v).sum::<f64>() / nf - mean * mean).max(0.0);
    let s = var.sqrt();
    let mut z = if nb.rings.symmetric && x.iter().filter(|v| **v != 0.0).count() < n / 2 {
        weighted_sums_spread(x, nb)
    } else {
        weighted_sums_gathered(x, nb)
    };
    // Relative guard: a constant field leaves rounding noise in `var`.
    let varies = s > 1e-12 * mean.abs().max(1.0);
    // Each sum becomes its z in place: a resolution-9 area's vector is ~5 MB
    // of fresh pages, and the outcome summary makes hundreds of maps.
    for ((wx, w_sum), root) in z.iter_mut().zip(&nb.w_sum).zip(&nb.spread_root) {
        *wx = if varies && *root > 0.0 {
            (*wx - mean * w_sum) / (s * root)
        } else {
            0.0
        };
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

/// Conditional permutation inference (as PySAL): for each cell, its own value is
/// held and its neighbours' values are drawn at random, without replacement, from
/// the other cells; the pseudo p-value is `(M + 1) / (R + 1)` where `M` counts the
/// permuted statistics at least as extreme, in the observed direction. Seeded per
/// cell, so results do not depend on the number of threads.
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
                    let mut larger = 0u32;
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
                        if stat >= observed {
                            larger += 1;
                        }
                    }
                    let extreme = larger.min(permutations - larger);
                    *slot = f64::from(extreme + 1) / f64::from(permutations + 1);
                }
            });
        }
    });
    out
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

    #[test]
    fn a_ring_through_a_pentagon_is_not_taken_as_symmetric() {
        let pentagon = CellIndex::base_cells()
            .find(|c| c.is_pentagon())
            .expect("a pentagon")
            .center_child(Resolution::Five)
            .expect("its centre child");
        let area = StudyArea::new(pentagon.grid_disk::<Vec<_>>(3));
        assert!(!Rings::build(&area, 1).symmetric);
    }
}
