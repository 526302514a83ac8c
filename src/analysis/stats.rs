//! Statistical building blocks: normal tail probabilities, Benjamini-Hochberg FDR,
//! Mann-Kendall trend, and the exact conditional (binomial) test for two Poisson counts.

/// Two-sided p-value of a standard normal z-score: `P(|Z| >= |z|) = erfc(|z| / sqrt 2)`.
pub fn two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    libm::erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
}

/// Benjamini-Hochberg: the largest p-value threshold that keeps the expected false
/// discovery rate at or below `alpha` (as PySAL `esda.fdr`). Cells with
/// `p <= threshold` are significant; `0.0` (nothing significant) when none qualifies.
/// NaN p-values (no variation) count towards `m` but are never significant.
pub fn bh_threshold(p_values: &[f64], alpha: f64) -> f64 {
    bh_thresholds(p_values, [alpha])[0]
}

/// [`bh_threshold`] for several alphas, sorting the p-values once.
pub fn bh_thresholds<const N: usize>(p_values: &[f64], alphas: [f64; N]) -> [f64; N] {
    bh_thresholds_counted(p_values.iter().map(|p| (*p, 1)), p_values.len(), alphas)
}

/// [`bh_thresholds`] of `m` p-values given as distinct values with how many
/// have each (a sparse Gi* map's cells far from every value share one per
/// shape of neighbourhood). The same thresholds as listing each value
/// `count` times: `p <= rank · alpha` only gets easier as the rank grows,
/// so within equal p-values the last rank decides.
pub fn bh_thresholds_counted<const N: usize>(
    p_counts: impl IntoIterator<Item = (f64, usize)>,
    m: usize,
    alphas: [f64; N],
) -> [f64; N] {
    // `p <= rank · alpha` with `rank <= 1` needs `p <= alpha`: the larger
    // p-values (nearly every cell of a sparse map) sort after these, so
    // leaving them out moves no rank.
    let largest_alpha = alphas.iter().copied().fold(0.0, f64::max);
    let mut sorted: Vec<(f64, usize)> = p_counts
        .into_iter()
        .filter(|(p, count)| *p <= largest_alpha && *count > 0)
        .collect();
    sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut thresholds = [0.0; N];
    let mut ranked = 0;
    for (p, count) in sorted {
        ranked += count;
        let rank = ranked as f64 / m as f64;
        for (threshold, alpha) in thresholds.iter_mut().zip(alphas) {
            if p <= rank * alpha {
                *threshold = p;
            }
        }
    }
    thresholds
}

/// Benjamini-Hochberg adjusted p-values, in the input's order (R's
/// `p.adjust(p, "BH")`): `q(i) = min over j >= i of m · p(j) / j` over the
/// p-values sorted ascending, capped at 1. A test is significant at FDR
/// `alpha` exactly when its `q <= alpha` (the step-up rule of
/// [`bh_threshold`], one number a test instead of one a level). NaN stays
/// NaN and counts towards `m`.
pub fn bh_adjusted(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len() as f64;
    let mut order: Vec<usize> = (0..p_values.len()).collect();
    // NaN sorts after every number, so it never lowers a smaller p's q.
    order.sort_unstable_by(|a, b| p_values[*a].total_cmp(&p_values[*b]));
    let mut q = vec![f64::NAN; p_values.len()];
    let mut running = 1.0_f64;
    for (rank, i) in order.iter().enumerate().rev() {
        let p = p_values[*i];
        if p.is_nan() {
            continue;
        }
        running = running.min(p * m / (rank + 1) as f64);
        q[*i] = running;
    }
    q
}

/// Two-sided significance level of the towns tables' change tests.
pub const CHANGE_ALPHA: f64 = 0.05;

/// The false discovery rate of a table of change tests ([`poisson_change_p`]
/// of each `(now, before)`), as Gilbert's modification of Benjamini-Hochberg
/// for discrete tests: a pair whose test could not reach [`CHANGE_ALPHA`]
/// however its total split (`now + before < 6`) is left out of the family,
/// since it can never be called a change and would only make every other row
/// harder to call one. Those pairs get `None`; the rest their BH-adjusted p
/// over the pairs that could.
pub fn change_q_values(pairs: &[(u64, u64)]) -> Vec<Option<f64>> {
    // The most extreme split of a total is the smallest p its test can give.
    let testable = |(now, before): (u64, u64)| poisson_change_p(now + before, 0) <= CHANGE_ALPHA;
    let tested: Vec<f64> = pairs
        .iter()
        .filter(|pair| testable(**pair))
        .map(|(now, before)| poisson_change_p(*now, *before))
        .collect();
    let mut q = bh_adjusted(&tested).into_iter();
    pairs
        .iter()
        .map(|pair| if testable(*pair) { q.next() } else { None })
        .collect()
}

/// Confidence levels of ArcGIS `Gi_Bin`: bin 3/2/1 = 99/95/90%.
pub const LEVELS: [(i8, f64); 3] = [(3, 0.01), (2, 0.05), (1, 0.10)];

/// `Gi_Bin` for each cell: ±3/±2/±1 at 99/95/90% confidence, 0 otherwise. With `fdr`,
/// each level's cut-off is its Benjamini-Hochberg threshold (as ArcGIS does when the
/// FDR correction is on); without, the plain alpha.
pub fn bins(z: &[f64], p: &[f64], fdr: bool) -> Vec<i8> {
    bins_with(z, p, &cutoffs(p, fdr))
}

/// Each level of [`LEVELS`] with its p-value cut-off: Benjamini-Hochberg's
/// with `fdr`, the plain alpha without.
pub fn cutoffs(p: &[f64], fdr: bool) -> [(i8, f64); 3] {
    cutoffs_counted(p.iter().map(|p| (*p, 1)), p.len(), fdr)
}

/// [`cutoffs`] of `m` p-values given with how many cells have each
/// ([`bh_thresholds_counted`]).
pub fn cutoffs_counted(
    p_counts: impl IntoIterator<Item = (f64, usize)>,
    m: usize,
    fdr: bool,
) -> [(i8, f64); 3] {
    let alphas = LEVELS.map(|(_, alpha)| alpha);
    let cuts = if fdr {
        bh_thresholds_counted(p_counts, m, alphas)
    } else {
        alphas
    };
    let mut out = LEVELS;
    for ((_, cut), level_cut) in out.iter_mut().zip(cuts) {
        *cut = level_cut;
    }
    out
}

/// [`bins`] with the cut-offs already worked out ([`cutoffs`]).
pub fn bins_with(z: &[f64], p: &[f64], cutoffs: &[(i8, f64); 3]) -> Vec<i8> {
    z.iter().zip(p).map(|(z, p)| bin(*z, *p, cutoffs)).collect()
}

/// One cell's bin ([`bins_with`]).
pub fn bin(z: f64, p: f64, cutoffs: &[(i8, f64); 3]) -> i8 {
    let level = cutoffs
        .iter()
        .find(|(_, cut)| p <= *cut && *cut > 0.0)
        .map_or(0, |(bin, _)| *bin);
    if z < 0.0 {
        -level
    } else {
        level
    }
}

/// Mann-Kendall trend test of a series in time order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MannKendall {
    /// `S = sum over i<j of sign(x_j - x_i)`.
    pub s: i64,
    /// Variance of S with the tie correction.
    pub var_s: f64,
    /// Continuity-corrected `Z = (S - sign(S)) / sqrt(Var S)`; 0 when S = 0.
    pub z: f64,
    /// Two-sided p-value of Z.
    pub p: f64,
}

/// `Var(S) = [n(n-1)(2n+5) - sum t(t-1)(2t+5)] / 18` over groups of `t` tied values.
pub fn mann_kendall(x: &[f64]) -> MannKendall {
    let n = x.len();
    let mut s = 0i64;
    for i in 0..n {
        for j in i + 1..n {
            s += match x[j].total_cmp(&x[i]) {
                std::cmp::Ordering::Greater => 1,
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
            };
        }
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && sorted[j].total_cmp(&sorted[i]).is_eq() {
            j += 1;
        }
        let t = (j - i) as f64;
        ties += t * (t - 1.0) * (2.0 * t + 5.0);
        i = j;
    }
    let nf = n as f64;
    let var_s = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0;
    let z = if s == 0 || var_s <= 0.0 {
        0.0
    } else {
        (s as f64 - (s.signum() as f64)) / var_s.sqrt()
    };
    MannKendall {
        s,
        var_s,
        z,
        p: two_sided_p(z),
    }
}

/// Exact two-sided test of "the rate changed" for counts `now` and `before` over
/// equal exposure: conditional on `n = now + before`, `now ~ Binomial(n, 1/2)` under
/// no change. The p-value sums every outcome no more likely than the one seen
/// (as R's `binom.test`), so 3 → 5 (p = 0.73) is not called a surge.
///
/// Binomial(n, 1/2) is symmetric and unimodal, so those outcomes are the two
/// tails beyond `min(now, before)` and `max(now, before)`: `p = 2·P(X ≤ m)`,
/// `m = min(now, before)`. The tail is summed downwards from `m` by the ratio
/// `pmf(k−1) = pmf(k)·k/(n−k+1)` until its terms stop counting: one `lgamma`
/// instead of three per outcome (the towns page computes ~5,000 of these).
/// R's relative tolerance of 1e-7 on ties adds nothing while `n < 2·10⁷`
/// (neighbouring outcomes differ by a factor of at least `1 + 2/n`).
pub fn poisson_change_p(now: u64, before: u64) -> f64 {
    let n = now + before;
    let m = now.min(before);
    if n == 0 || 2 * m + 1 >= n {
        // The observed count is the most likely outcome (or one of the two).
        return 1.0;
    }
    let mut term = (ln_choose(n, m) - n as f64 * std::f64::consts::LN_2).exp();
    let mut tail = 0.0;
    let mut k = m;
    loop {
        tail += term;
        if k == 0 || term < tail * 1e-17 {
            break;
        }
        term *= k as f64 / (n - k + 1) as f64;
        k -= 1;
    }
    (2.0 * tail).min(1.0)
}

fn ln_choose(n: u64, k: u64) -> f64 {
    libm::lgamma(n as f64 + 1.0) - libm::lgamma(k as f64 + 1.0) - libm::lgamma((n - k) as f64 + 1.0)
}

#[cfg(test)]
mod tests;
