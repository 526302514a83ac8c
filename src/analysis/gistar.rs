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
    position: HashMap<CellIndex, u32>,
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

/// Sparse spatial weights (CSR): for each cell, its k-ring neighbours inside the
/// study area (itself first) and their kernel weights.
#[derive(Clone, Debug)]
pub struct Neighbours {
    start: Vec<u32>,
    index: Vec<u32>,
    weight: Vec<f64>,
    pub k: u32,
    pub kernel: Kernel,
}

impl Neighbours {
    /// Builds the weights; cells of the k-ring outside the study area are left out.
    pub fn build(area: &StudyArea, k: u32, kernel: Kernel) -> Self {
        let per_cell = 1 + 3 * (k * (k + 1)) as usize;
        let mut start = Vec::with_capacity(area.len() + 1);
        let mut index = Vec::with_capacity(area.len() * per_cell);
        let mut weight = Vec::with_capacity(area.len() * per_cell);
        start.push(0);
        for (i, cell) in area.cells().iter().enumerate() {
            index.push(i as u32);
            weight.push(kernel.weight(0, k));
            let mut ring: Vec<(u32, u32)> = cell
                .grid_disk_distances::<Vec<_>>(k)
                .into_iter()
                .filter(|(c, _)| c != cell)
                .filter_map(|(c, d)| area.position(c).map(|j| (j as u32, d)))
                .collect();
            ring.sort_unstable();
            for (j, d) in ring {
                index.push(j);
                weight.push(kernel.weight(d, k));
            }
            start.push(index.len() as u32);
        }
        Self {
            start,
            index,
            weight,
            k,
            kernel,
        }
    }

    /// `(neighbour position, weight)` of cell `i`, itself first.
    pub fn of(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.start[i] as usize..self.start[i + 1] as usize;
        self.index[range.clone()]
            .iter()
            .zip(&self.weight[range])
            .map(|(&j, &w)| (j as usize, w))
    }

    pub fn len(&self) -> usize {
        self.start.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    let mut z = Vec::with_capacity(n);
    for i in 0..n {
        let (mut wx, mut w_sum, mut s1) = (0.0, 0.0, 0.0);
        for (j, w) in nb.of(i) {
            wx += w * x[j];
            w_sum += w;
            s1 += w * w;
        }
        let spread = (nf * s1 - w_sum * w_sum) / (nf - 1.0);
        // Relative guard: a constant field leaves rounding noise in `var`.
        let defined = s > 1e-12 * mean.abs().max(1.0) && spread > 1e-12;
        z.push(if defined {
            (wx - mean * w_sum) / (s * spread.sqrt())
        } else {
            0.0
        });
    }
    let p = z.iter().map(|&z| two_sided_p(z)).collect();
    GiStar { z, p }
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
