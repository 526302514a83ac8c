//! Rates per known premises, smoothed: Marshall's global empirical-Bayes
//! estimator (Marshall 1991; PySAL's `esda.smoothing.Empirical_Bayes`). A
//! cell's raw rate (reports per registered premises) is pulled toward the
//! study area's rate by how little it rests on: one car wash with two reports
//! (raw rate 2) is not the top of the map, ten car washes with twenty are.
//!
//! With `y` reports and `n` premises in each cell that has premises: the study
//! area's rate `r̄ = Σy / Σn`, the variance of the true rates
//! `s² = max(0, Σ nᵢ(rᵢ − r̄)² / Σn − r̄ / n̄)` (`n̄` the mean premises a cell),
//! and each cell's `θᵢ = r̄ + Cᵢ (rᵢ − r̄)` with `Cᵢ = s² / (s² + r̄ / nᵢ)`.

/// The smoothed rates (`None` where a cell has no premises: it has no rate,
/// not a rate of 0) and the study area's rate `r̄` (`None` with no premises at all).
pub fn eb_rates(reports: &[f64], premises: &[f64]) -> (Vec<Option<f64>>, Option<f64>) {
    let with: Vec<usize> = (0..premises.len()).filter(|&i| premises[i] > 0.0).collect();
    let total_n: f64 = with.iter().map(|&i| premises[i]).sum();
    if with.is_empty() || total_n <= 0.0 {
        return (vec![None; premises.len()], None);
    }
    let total_y: f64 = with.iter().map(|&i| reports[i]).sum();
    let mean = total_y / total_n;
    let mean_n = total_n / with.len() as f64;
    let spread: f64 = with
        .iter()
        .map(|&i| premises[i] * (reports[i] / premises[i] - mean).powi(2))
        .sum::<f64>()
        / total_n;
    let variance = (spread - mean / mean_n).max(0.0);
    let rates = (0..premises.len())
        .map(|i| {
            let n = premises[i];
            (n > 0.0).then(|| {
                let raw = reports[i] / n;
                let shrink = if variance + mean / n > 0.0 {
                    variance / (variance + mean / n)
                } else {
                    0.0
                };
                mean + shrink * (raw - mean)
            })
        })
        .collect();
    (rates, Some(mean))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked by hand (see the module's formulas): y = [2, 0, 10, 5, 3],
    /// n = [1, 4, 10, 5, 0]. r̄ = 17/20 = 0.85, n̄ = 5,
    /// Σ nᵢ(rᵢ − r̄)² = 1.3225 + 2.89 + 0.225 + 0.1125 = 4.55, /20 = 0.2275,
    /// s² = 0.2275 − 0.17 = 0.0575; C = 0.0575/0.9075, 0.0575/0.27,
    /// 0.0575/0.1425, 0.0575/0.2275.
    #[test]
    fn matches_a_hand_computation() {
        let (rates, mean) = eb_rates(&[2.0, 0.0, 10.0, 5.0, 3.0], &[1.0, 4.0, 10.0, 5.0, 0.0]);
        assert_eq!(mean, Some(0.85));
        let want = [
            0.85 + 0.0575 / 0.9075 * 1.15,
            0.85 - 0.0575 / 0.27 * 0.85,
            0.85 + 0.0575 / 0.1425 * 0.15,
            0.85 + 0.0575 / 0.2275 * 0.15,
        ];
        for (got, want) in rates.iter().zip(want) {
            let got = got.expect("a rate");
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        assert_eq!(rates[4], None, "no premises: no rate");
        // The single car wash with two reports is pulled far below its raw rate of 2.
        assert!(rates[0].expect("rate") < 0.93);
    }

    #[test]
    fn no_spread_means_every_cell_at_the_mean() {
        let (rates, mean) = eb_rates(&[1.0, 2.0], &[1.0, 2.0]);
        assert_eq!(mean, Some(1.0));
        assert_eq!(rates, vec![Some(1.0), Some(1.0)]);
        assert_eq!(eb_rates(&[1.0], &[0.0]), (vec![None], None));
    }
}
