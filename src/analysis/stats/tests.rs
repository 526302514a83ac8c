//! Statistics against hand-worked values and SciPy (`scipy.stats.binomtest`,
//! `2 * scipy.stats.norm.sf`), quoted to full precision.

use super::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn normal_two_sided_p_matches_scipy() {
    for (z, p) in [
        (1.959_963_984_540_054, 0.05),
        (3.5, 0.000_465_258_158_071_050_03),
        (0.3, 0.764_177_155_622_094_8),
        (0.0, 1.0),
    ] {
        assert!(
            close(two_sided_p(z), p, 1e-12),
            "z={z}: {} vs {p}",
            two_sided_p(z)
        );
        assert!(close(two_sided_p(-z), p, 1e-12));
    }
}

#[test]
fn benjamini_hochberg_hand_worked() {
    // m = 4, alpha 0.05: cut-offs 0.0125, 0.025, 0.0375, 0.05; all four pass.
    assert!(close(
        bh_threshold(&[0.01, 0.04, 0.03, 0.005], 0.05),
        0.04,
        0.0
    ));
    // m = 10: only the two smallest pass (0.039 > 3/10 * 0.05).
    let p = [
        0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216,
    ];
    assert!(close(bh_threshold(&p, 0.05), 0.008, 0.0));
    // Step-up: a later p under its cut-off rescues earlier ones above theirs.
    assert!(close(bh_threshold(&[0.02, 0.024, 0.9], 0.05), 0.024, 0.0));
    assert!(close(bh_threshold(&[0.5, 0.9], 0.05), 0.0, 0.0));
}

#[test]
fn gi_bins_with_and_without_fdr() {
    let z = [3.0, -2.2, 1.7, 0.2, 2.6];
    let p: Vec<f64> = z.iter().map(|&z| two_sided_p(z)).collect();
    // Plain alpha: 3.0 → p .0027 (99%), -2.2 → .0278 (95%), 1.7 → .0891 (90%), 2.6 → .0093 (99%).
    assert_eq!(bins(&z, &p, false), vec![3, -2, 1, 0, 3]);
    // FDR (m = 5), sorted p .0027 .0093 .0278 .0891 .8415:
    // 99%: cut-offs .002 .004 .006 .008 .01, none passes (.0027 > .002) → no bin 3;
    // 95%: cut-offs .01 .02 .03 .04 .05 → threshold .0278;
    // 90%: cut-offs .02 .04 .06 .08 .1 → .0891 > .08, threshold .0278.
    assert_eq!(bins(&z, &p, true), vec![2, -2, 0, 0, 2]);
    // The same three cut-offs, from one sort.
    let cuts = crate::analysis::stats::cutoffs(&p, true);
    assert_eq!(cuts.map(|(bin, _)| bin), [3, 2, 1]);
    assert!(close(cuts[0].1, 0.0, 0.0));
    assert!(close(cuts[1].1, p[1], 0.0));
    assert!(close(cuts[2].1, p[1], 0.0));
    let plain = crate::analysis::stats::cutoffs(&p, false);
    for ((_, cut), alpha) in plain.iter().zip([0.01, 0.05, 0.10]) {
        assert!(close(*cut, alpha, 0.0));
    }
}

#[test]
fn mann_kendall_hand_worked() {
    // Strictly increasing, n = 5: S = 10, Var = 5*4*15/18, Z = 9/sqrt(Var).
    let mk = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(mk.s, 10);
    assert!(close(mk.var_s, 50.0 / 3.0, 1e-12));
    assert!(close(mk.z, 9.0 / (50.0_f64 / 3.0).sqrt(), 1e-12));
    assert!(close(mk.p, two_sided_p(2.204_540_768_504_859), 1e-12));
    // One tie group of two: S = 5, Var = (4*3*13 - 2*1*9)/18 = 138/18, Z = 4/sqrt(Var).
    let mk = mann_kendall(&[1.0, 2.0, 2.0, 3.0]);
    assert_eq!(mk.s, 5);
    assert!(close(mk.var_s, 138.0 / 18.0, 1e-12));
    assert!(close(mk.z, 4.0 / (138.0_f64 / 18.0).sqrt(), 1e-12));
    // Decreasing with ties: [3,3,2,1]: S = -5, Z = (S + 1)/sqrt(Var).
    let mk = mann_kendall(&[3.0, 3.0, 2.0, 1.0]);
    assert_eq!(mk.s, -5);
    assert!(close(mk.z, -4.0 / (138.0_f64 / 18.0).sqrt(), 1e-12));
    // Flat: S = 0, Z = 0, p = 1.
    let mk = mann_kendall(&[2.0; 6]);
    assert_eq!((mk.s, mk.z, mk.p), (0, 0.0, 1.0));
}

/// The definition, summed outcome by outcome (as R's `binom.test`).
fn binomial_test_by_definition(now: u64, before: u64) -> f64 {
    let n = now + before;
    let log_pmf = |k: u64| {
        libm::lgamma(n as f64 + 1.0)
            - libm::lgamma(k as f64 + 1.0)
            - libm::lgamma((n - k) as f64 + 1.0)
            - n as f64 * std::f64::consts::LN_2
    };
    let limit = log_pmf(now) + 1e-7_f64.ln_1p();
    let p: f64 = (0..=n)
        .map(log_pmf)
        .filter(|lp| *lp <= limit)
        .map(f64::exp)
        .sum();
    p.min(1.0)
}

#[test]
fn poisson_change_equals_the_sum_over_outcomes() {
    let mut pairs: Vec<(u64, u64)> = (0..60).flat_map(|a| (0..60).map(move |b| (a, b))).collect();
    pairs.extend([
        (400, 350),
        (365, 420),
        (1000, 900),
        (5000, 5100),
        (3, 2000),
        (0, 1500),
    ]);
    for (now, before) in pairs {
        let want = binomial_test_by_definition(now, before);
        let got = poisson_change_p(now, before);
        // Both round: lgamma near 10⁴ carries ~1e-12 of relative error.
        assert!(
            (got - want).abs() <= 1e-10 * want || (got - want).abs() < 1e-300,
            "{now} vs {before}: {got} != {want}"
        );
    }
}

#[test]
fn poisson_change_matches_scipy_binomtest() {
    // scipy.stats.binomtest(k, n).pvalue
    for (now, before, p) in [
        (5, 3, 0.726_562_5),
        (10, 2, 0.038_574_218_75),
        (0, 6, 0.031_25),
        (30, 15, 0.035_697_803_555_194_696),
        (0, 0, 1.0),
        (4, 4, 1.0),
    ] {
        let got = poisson_change_p(now, before);
        assert!(close(got, p, 1e-12), "{now} vs {before}: {got} != {p}");
    }
}

/// Benjamini-Hochberg by its definition: every p-value sorted, the largest
/// `p(i) <= i/m · alpha`.
fn bh_by_definition(p: &[f64], alpha: f64) -> f64 {
    let m = p.len() as f64;
    let mut sorted: Vec<f64> = p.iter().copied().filter(|p| !p.is_nan()).collect();
    sorted.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    sorted
        .iter()
        .enumerate()
        .filter(|(i, p)| **p <= (*i + 1) as f64 / m * alpha)
        .map(|(_, p)| *p)
        .fold(0.0, f64::max)
}

#[test]
fn benjamini_hochberg_equals_its_definition() {
    let mut rng = Lcg(20_261_204);
    let mut unit = || rng.unit();
    let mut significant = 0;
    for case in 0..300 {
        let m = 1 + case % 60;
        // Mostly small p-values in some cases, mostly large in others; ties
        // at the alphas themselves, and NaN (no variation).
        let small_share = f64::from(case % 5) / 4.0;
        let p: Vec<f64> = (0..m)
            .map(|_| match unit() {
                u if u < 0.05 => 0.10,
                u if u < 0.08 => 0.05,
                u if u < 0.10 => f64::NAN,
                _ if unit() < small_share => unit() * 0.12,
                _ => unit(),
            })
            .collect();
        let alphas = [0.01, 0.05, 0.10];
        let expected = alphas.map(|a| bh_by_definition(&p, a));
        // Exactly: a threshold is one of the p-values, not a computed number.
        let bits = |t: [f64; 3]| t.map(f64::to_bits);
        assert_eq!(bits(bh_thresholds(&p, alphas)), bits(expected), "{p:?}");
        significant += expected.iter().filter(|t| **t > 0.0).count();
    }
    assert!(significant > 150, "{significant} thresholds above zero");
}

/// R 4.3's `p.adjust(p, "BH")`, worked by hand above for the same ten
/// p-values (m = 10): `m·p/rank`, then the running minimum from the top.
#[test]
fn bh_adjusted_matches_r_p_adjust() {
    let p = [
        0.042, 0.001, 0.216, 0.039, 0.06, 0.008, 0.205, 0.041, 0.074, 0.212,
    ];
    let expected = [
        0.084,
        0.01,
        0.216,
        0.084,
        0.1,
        0.04,
        0.216,
        0.084,
        0.105_714_285_714_285_72,
        0.216,
    ];
    let got = bh_adjusted(&p);
    for (g, e) in got.iter().zip(expected) {
        assert!(close(*g, e, 1e-15), "{got:?}");
    }
    // Capped at 1 (0.9 · 3/2), NaN kept in place and counted in m (as
    // `bh_threshold` counts it; R would leave it out): 0.02 · 3/1.
    let got = bh_adjusted(&[0.9, f64::NAN, 0.02]);
    assert!(
        close(got[0], 1.0, 0.0) && got[1].is_nan() && close(got[2], 0.06, 1e-15),
        "{got:?}"
    );
    assert!(bh_adjusted(&[]).is_empty());
}

/// The adjusted p-values by their definition, every later rank compared,
/// and the step-up rule they stand for: `q <= alpha` exactly for the tests
/// [`bh_threshold`] calls significant at `alpha`.
#[test]
fn bh_adjusted_equals_its_definition_and_the_thresholds() {
    let mut rng = Lcg(20_261_205);
    let mut called = 0;
    for case in 0..300 {
        let m = 1 + case % 40;
        let p: Vec<f64> = (0..m)
            .map(|_| match rng.unit() {
                u if u < 0.1 => 0.05,
                u if u < 0.5 => rng.unit() * 0.08,
                _ => rng.unit(),
            })
            .collect();
        let mut sorted = p.clone();
        sorted.sort_by(f64::total_cmp);
        let q = bh_adjusted(&p);
        for (i, pi) in p.iter().enumerate() {
            // Ties take the best rank among them: the last equal one's.
            let first = sorted
                .iter()
                .position(|s| s.total_cmp(pi).is_eq())
                .expect("listed");
            let expected = (first..m)
                .map(|j| sorted[j] * m as f64 / (j + 1) as f64)
                .fold(1.0_f64, f64::min);
            assert!(close(q[i], expected, 1e-15), "{p:?}: {i}");
            for alpha in [0.01, 0.05, 0.10] {
                let threshold = bh_threshold(&p, alpha);
                let rejected = threshold > 0.0 && *pi <= threshold;
                // `m·p/rank` rounds: compare with a hair of room at the boundary.
                if (q[i] - alpha).abs() > 1e-12 {
                    assert_eq!(q[i] <= alpha, rejected, "{p:?}: {i} at {alpha}");
                }
                called += usize::from(rejected);
            }
        }
    }
    assert!(called > 500, "{called} tests called");
}

/// Pairs whose total cannot reach 5% are out of the family (and `None`);
/// the rest are adjusted among themselves. Hand-worked: (20, 5), (24, 41)
/// and (15, 40) can be tested (totals 25, 65, 55); (3, 2) cannot (its
/// most extreme split, 5 → 0, gives p = 1/16 = 0.0625); (3, 3) can (6 → 0:
/// p = 1/32).
#[test]
fn change_q_values_leave_out_what_cannot_be_significant() {
    let pairs = [(0, 0), (3, 2), (20, 5), (24, 41), (15, 40), (3, 3), (6, 0)];
    let q = change_q_values(&pairs);
    assert_eq!(q[0], None);
    assert_eq!(q[1], None);
    let tested: Vec<f64> = [(20, 5), (24, 41), (15, 40), (3, 3), (6, 0)]
        .iter()
        .map(|(a, b)| poisson_change_p(*a, *b))
        .collect();
    // p: 0.0041, 0.0464, 0.0010, 1, 0.03125; m = 5; no running minimum bites.
    let by_hand = [
        tested[0] * 5.0 / 2.0,
        tested[1] * 5.0 / 4.0,
        tested[2] * 5.0 / 1.0,
        1.0,
        tested[4] * 5.0 / 3.0,
    ];
    for (got, expected) in q[2..].iter().zip(by_hand) {
        assert!(close(got.expect("tested"), expected, 1e-15), "{q:?}");
    }
    // Uncorrected, (24, 41) is a change at 5%; among five tests it is not.
    assert!(tested[1] < CHANGE_ALPHA && q[3].expect("tested") > CHANGE_ALPHA);
}

/// p-values given once with their counts give the thresholds of the same
/// p-values listed one by one, ties and all.
#[test]
fn counted_thresholds_are_the_listed_thresholds() {
    let mut rng = Lcg(7);
    let mut next = || rng.next_u64() >> 33;
    let mut significant = 0;
    for round in 0..300 {
        let counted: Vec<(f64, usize)> = (0..=round % 17)
            .map(|_| ((next() % 2_000) as f64 / 100_000.0, (next() % 40) as usize))
            .collect();
        let mut listed: Vec<f64> = counted
            .iter()
            .flat_map(|(p, count)| std::iter::repeat_n(*p, *count))
            .collect();
        let m = listed.len() + (next() % 100) as usize;
        listed.resize(m, 1.0);
        let alphas = [0.01, 0.05, 0.10];
        let expected = bh_thresholds(&listed, alphas);
        let got = bh_thresholds_counted(counted.iter().copied(), m, alphas);
        assert_eq!(
            got.map(f64::to_bits),
            expected.map(f64::to_bits),
            "round {round}"
        );
        significant += usize::from(expected[0] > 0.0);
    }
    assert!(
        significant > 30,
        "{significant} rounds with a 99% threshold"
    );
}

/// Knuth's MMIX linear congruential generator: seeded, the same everywhere.
struct Lcg(u64);

impl Lcg {
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0
    }

    /// Uniform in [0, 1), from the top 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
