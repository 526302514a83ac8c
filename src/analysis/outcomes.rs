//! What visits found, measured: hit rates with Wilson intervals, Chainey's
//! Predictive Accuracy Index, and the rhythm of a premises' reports.

use chrono::NaiveDate;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Wilson's score interval for `positive` successes in `n` trials at 95%:
/// unlike the normal approximation it stays inside 0..1 and is honest for the
/// small counts a force's visits make. `None` when `n` is 0.
pub fn wilson95(positive: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let n_f = n as f64;
    let p = positive as f64 / n_f;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denominator;
    let half = Z95 * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denominator;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// Visits of one class and how many found exploitation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HitRate {
    pub visits: u64,
    pub positive: u64,
}

impl HitRate {
    pub fn add(&mut self, positive: bool) {
        self.visits += 1;
        self.positive += u64::from(positive);
    }

    pub fn merge(&mut self, other: HitRate) {
        self.visits += other.visits;
        self.positive += other.positive;
    }

    /// `None` with no visits.
    pub fn rate(self) -> Option<f64> {
        (self.visits > 0).then(|| self.positive as f64 / self.visits as f64)
    }

    pub fn ci95(self) -> Option<(f64, f64)> {
        wilson95(self.positive, self.visits)
    }
}

/// How much more often visits of one class found exploitation than visits of
/// another: the ratio of their hit rates, its 95% interval, and Fisher's
/// exact test of "the classes find alike". An overlap of two Wilson
/// intervals says little (two rates can differ while their intervals
/// overlap); this answers the question a tactical lead asks of the map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateComparison {
    /// The first class's hit rate over the second's; `None` when the second
    /// found nothing (the ratio is infinite, or 0/0).
    pub ratio: Option<f64>,
    /// Katz's log interval of the ratio at 95% (SciPy's `relative_risk`);
    /// `None` when either class found nothing (an end is 0 or infinite).
    pub ci95: Option<(f64, f64)>,
    /// Fisher's exact test, two-sided: the chance of a table of the same
    /// margins as far from "alike" as this one.
    pub p: f64,
}

/// `first` against `second`; `None` when either class has no visits.
pub fn compare(first: HitRate, second: HitRate) -> Option<RateComparison> {
    let (a, n1, c, n2) = (first.positive, first.visits, second.positive, second.visits);
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let ratio = (c > 0).then(|| (a as f64 / n1 as f64) / (c as f64 / n2 as f64));
    let ci95 = ratio.filter(|_| a > 0).map(|ratio| {
        let se = (1.0 / a as f64 - 1.0 / n1 as f64 + 1.0 / c as f64 - 1.0 / n2 as f64).sqrt();
        ((ratio.ln() - Z95 * se).exp(), (ratio.ln() + Z95 * se).exp())
    });
    let cell = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let table = [cell(a), cell(n1 - a), cell(c), cell(n2 - c)];
    // Counts beyond i32 are refused by the crate: no force makes 2^31 visits.
    let p = fishers_exact::fishers_exact(&table).map_or(f64::NAN, |p| p.two_tail_pvalue);
    Some(RateComparison { ratio, ci95, p })
}

/// Chainey's Predictive Accuracy Index: the share of positive visits that
/// fell in hot cells over the share of the study area's cells that are hot.
/// Above 1, the map concentrates finds better than chance. `None` when there
/// are no positive visits or no hot cells.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pai {
    pub hot_share_of_positive: f64,
    pub hot_share_of_area: f64,
    pub pai: f64,
}

pub fn pai(positive_in_hot: u64, positive: u64, hot_cells: u64, cells: u64) -> Option<Pai> {
    if positive == 0 || hot_cells == 0 || cells == 0 {
        return None;
    }
    let hit = positive_in_hot as f64 / positive as f64;
    let area = hot_cells as f64 / cells as f64;
    Some(Pai {
        hot_share_of_positive: hit,
        hot_share_of_area: area,
        pai: hit / area,
    })
}

/// The median gap, in days, between consecutive reports (dates in any order).
/// `None` for fewer than two reports.
pub fn median_days_between(dates: &[NaiveDate]) -> Option<f64> {
    let mut sorted = dates.to_vec();
    sorted.sort_unstable();
    let mut gaps: Vec<i64> = sorted
        .windows(2)
        .map(|w| (w[1] - w[0]).num_days())
        .collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    let mid = gaps.len() / 2;
    Some(if gaps.len() % 2 == 1 {
        gaps[mid] as f64
    } else {
        (gaps[mid - 1] + gaps[mid]) as f64 / 2.0
    })
}

/// Reports in the 90 days up to and including `day`, and in the 90 before those.
pub fn last_90_and_previous(dates: &[NaiveDate], day: NaiveDate) -> (u64, u64) {
    let mut last = 0;
    let mut previous = 0;
    for d in dates {
        let age = (day - *d).num_days();
        if (0..90).contains(&age) {
            last += 1;
        } else if (90..180).contains(&age) {
            previous += 1;
        }
    }
    (last, previous)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against SciPy 1.17: `binomtest(k, n).proportion_ci(0.95, method="wilson")`
    /// gives 7/20 → (0.1812, 0.5671); 0/10 → (0, 0.2775); 10/10 → (0.7225, 1).
    #[test]
    fn wilson_interval_matches_the_reference() {
        let close = |(a, b): (f64, f64), (c, d): (f64, f64)| {
            assert!(
                (a - c).abs() < 5e-4 && (b - d).abs() < 5e-4,
                "{a},{b} vs {c},{d}"
            );
        };
        close(wilson95(7, 20).expect("n>0"), (0.1812, 0.5671));
        close(wilson95(0, 10).expect("n>0"), (0.0, 0.2775));
        close(wilson95(10, 10).expect("n>0"), (0.7225, 1.0));
        assert_eq!(wilson95(0, 0), None);
    }

    /// Against SciPy 1.17: `relative_risk(a, n1, c, n2)` with
    /// `.confidence_interval(0.95)` (Katz) and `fisher_exact([[a, n1 - a],
    /// [c, n2 - c]]).pvalue`.
    #[test]
    #[allow(clippy::unreadable_literal)] // SciPy's figures as it prints them
    fn comparison_matches_the_reference() {
        let rate = |positive, visits| HitRate { visits, positive };
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-12);
        for (a, n1, c, n2, ratio, lo, hi, p) in [
            (
                16,
                51,
                19,
                189,
                3.1207430340557276,
                1.7320785855450718,
                5.6227455069785695,
                0.0004770167677591587,
            ),
            (
                7,
                20,
                3,
                40,
                4.666666666666667,
                1.3485254263697857,
                16.149326777177123,
                0.011553399972398019,
            ),
            (
                10,
                10,
                1,
                30,
                30.0,
                4.367436896460586,
                206.07052175828088,
                1.2976893032820328e-08,
            ),
            (
                1,
                51,
                19,
                189,
                0.19504643962848298,
                0.026743246651294295,
                1.4225316061206907,
                0.08455706523496706,
            ),
            (3, 3, 3, 3, 1.0, 1.0, 1.0, 1.0),
        ] {
            let got = compare(rate(a, n1), rate(c, n2)).expect("visits in both");
            let (got_lo, got_hi) = got.ci95.expect("interval");
            assert!(
                close(got.ratio.expect("ratio"), ratio),
                "{a}/{n1} vs {c}/{n2}: {got:?}"
            );
            assert!(
                close(got_lo, lo) && close(got_hi, hi),
                "{a}/{n1} vs {c}/{n2}: {got:?}"
            );
            assert!(
                (got.p - p).abs() <= 1e-9 * p,
                "{a}/{n1} vs {c}/{n2}: {} vs {p}",
                got.p
            );
        }
        // SciPy: ratio 0 with the interval (0, nan), p 0.3059; inf with
        // (nan, inf), p 0.000383; nan, p 1. An end that is 0 or infinite
        // is no interval to print.
        let none_found = compare(rate(0, 10), rate(5, 30)).expect("visits");
        assert_eq!((none_found.ratio, none_found.ci95), (Some(0.0), None));
        assert!((none_found.p - 0.3058595032279243).abs() < 1e-12);
        let other_none = compare(rate(5, 10), rate(0, 30)).expect("visits");
        assert_eq!((other_none.ratio, other_none.ci95), (None, None));
        assert!((other_none.p - 0.0003829740671845935).abs() < 1e-15);
        let neither = compare(rate(0, 10), rate(0, 30)).expect("visits");
        assert_eq!((neither.ratio, neither.ci95, neither.p), (None, None, 1.0));
        assert_eq!(compare(rate(0, 0), rate(5, 30)), None);
        assert_eq!(compare(rate(5, 30), rate(0, 0)), None);
    }

    #[test]
    fn pai_is_hit_share_over_area_share() {
        let p = pai(6, 8, 5, 100).expect("defined");
        assert!((p.pai - 15.0).abs() < 1e-12);
        assert_eq!(pai(0, 0, 5, 100), None);
    }

    #[test]
    fn rhythm_of_reports() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let dates = [
            d("2024-01-01"),
            d("2024-01-11"),
            d("2024-01-04"),
            d("2024-03-01"),
        ];
        // gaps 3, 7, 50 → median 7
        assert_eq!(median_days_between(&dates), Some(7.0));
        assert_eq!(median_days_between(&dates[..1]), None);
        assert_eq!(last_90_and_previous(&dates, d("2024-06-15")), (0, 4));
        assert_eq!(last_90_and_previous(&dates, d("2024-03-01")), (4, 0));
    }
}
