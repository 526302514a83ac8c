//! Emerging hot spot categories (space-time): Gi* per time step, then each cell's
//! series of bins and the Mann-Kendall trend of its z-scores. Pure computation.
//!
//! A step's Gi* is taken over a space-time neighbourhood: the cell's ring at
//! that step and at `lag` steps before it ([`super::space_time_factor`]), as
//! ArcGIS (neighborhood time step, default 1) and sfdep (`k`, default 1) do.
//!
//! Rules, as ArcGIS Pro "How Emerging Hot Spot Analysis works" and sfdep's
//! `classify_hotspot`, at 90% thresholds: a step is *hot* when its Gi_Bin > 0 (at
//! least 90% confidence), *cold* when < 0; the trend is significant when the
//! Mann-Kendall p < 0.10. `share` is the fraction of steps that are hot. Checked in
//! this order (first match wins, as sfdep):
//!
//! | category | rule |
//! |---|---|
//! | new | the final step is hot and no earlier step was |
//! | consecutive | the series ends with an uninterrupted run of ≥ 2 hot steps, no hot step before that run, share < 90% |
//! | intensifying | share ≥ 90%, final step hot, significant upward trend |
//! | persistent | share ≥ 90%, final step hot, no significant trend |
//! | diminishing | share ≥ 90%, final step hot, significant downward trend |
//! | sporadic | final step hot, share < 90%, never cold |
//! | oscillating | final step hot, share < 90%, cold at some earlier step |
//! | historical | final step not hot, share ≥ 90% |
//!
//! Cold categories are the mirror image (cold for hot, downward for upward).
//! Where ArcGIS and sfdep differ we follow sfdep's order; Esri leaves "persistent"
//! without the final-step condition, but a final step that is not hot is
//! "historical" in both, so the two agree.

use super::stats::{mann_kendall, MannKendall};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    New,
    Consecutive,
    Intensifying,
    Persistent,
    Diminishing,
    Sporadic,
    Oscillating,
    Historical,
}

/// A cell's category: a pattern and whether it is of hot or cold spots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Emerging {
    Hot(Category),
    Cold(Category),
    None,
}

impl Emerging {
    /// The interface name: `new_hot`, ..., `historical_cold`, `none`.
    pub fn name(self) -> String {
        let (category, side) = match self {
            Self::Hot(c) => (c, "hot"),
            Self::Cold(c) => (c, "cold"),
            Self::None => return "none".into(),
        };
        let stem = match category {
            Category::New => "new",
            Category::Consecutive => "consecutive",
            Category::Intensifying => "intensifying",
            Category::Persistent => "persistent",
            Category::Diminishing => "diminishing",
            Category::Sporadic => "sporadic",
            Category::Oscillating => "oscillating",
            Category::Historical => "historical",
        };
        format!("{stem}_{side}")
    }

    /// Every category, in the order of the interface (hot, then cold, then none).
    pub fn all() -> Vec<Self> {
        const PATTERNS: [Category; 8] = [
            Category::New,
            Category::Consecutive,
            Category::Intensifying,
            Category::Persistent,
            Category::Diminishing,
            Category::Sporadic,
            Category::Oscillating,
            Category::Historical,
        ];
        let mut all: Vec<Self> = PATTERNS.iter().map(|c| Self::Hot(*c)).collect();
        all.extend(PATTERNS.iter().map(|c| Self::Cold(*c)));
        all.push(Self::None);
        all
    }

    /// Every name, in the order of the interface (hot, then cold, then none).
    pub fn all_names() -> Vec<String> {
        Self::all().into_iter().map(Self::name).collect()
    }

    /// The category with this interface name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::all().into_iter().find(|c| c.name() == name)
    }
}

/// Significance level of the trend test.
pub const TREND_ALPHA: f64 = 0.10;
/// Share of steps that makes a pattern persistent.
pub const PERSISTENT_SHARE: f64 = 0.90;

/// Classifies one cell from its Gi_Bin series and Gi* z series (time order).
pub fn classify(bins: &[i8], z: &[f64]) -> (Emerging, MannKendall) {
    let trend = mann_kendall(z);
    if bins.is_empty() {
        return (Emerging::None, trend);
    }
    let hot = classify_side(bins, &trend, 1).map(Emerging::Hot);
    let cold = || classify_side(bins, &trend, -1).map(Emerging::Cold);
    (hot.or_else(cold).unwrap_or(Emerging::None), trend)
}

/// The rules for one side: `sign` 1 for hot, -1 for cold.
fn classify_side(bins: &[i8], trend: &MannKendall, sign: i8) -> Option<Category> {
    let is = |b: i8| b.signum() == sign;
    let is_other = |b: i8| b.signum() == -sign;
    let steps = bins.len();
    let last = bins[steps - 1];
    let count = bins.iter().filter(|b| is(**b)).count();
    let share = count as f64 / steps as f64;
    let significant = trend.p < TREND_ALPHA;
    let with_side = trend.z * f64::from(sign) > 0.0;
    // Length of the final uninterrupted run on this side.
    let run = bins.iter().rev().take_while(|b| is(**b)).count();
    let before_run_any = bins[..steps - run].iter().any(|b| is(*b));

    if is(last) && count == 1 {
        return Some(Category::New);
    }
    if run >= 2 && !before_run_any && share < PERSISTENT_SHARE {
        return Some(Category::Consecutive);
    }
    if share >= PERSISTENT_SHARE && is(last) {
        return Some(if significant && with_side {
            Category::Intensifying
        } else if significant {
            Category::Diminishing
        } else {
            Category::Persistent
        });
    }
    if is(last) && share < PERSISTENT_SHARE {
        let ever_other = bins[..steps - 1].iter().any(|b| is_other(*b));
        return Some(if ever_other {
            Category::Oscillating
        } else {
            Category::Sporadic
        });
    }
    if !is(last) && share >= PERSISTENT_SHARE {
        return Some(Category::Historical);
    }
    None
}

#[cfg(test)]
mod tests {
    /// The names analysis gives are the interface's list that pages and the
    /// API's contract use.
    #[test]
    fn category_names_are_the_interface_list() {
        let names: Vec<String> = super::Emerging::all()
            .into_iter()
            .map(super::Emerging::name)
            .collect();
        assert_eq!(names, crate::model::EMERGING_CATEGORIES.to_vec());
    }

    use super::*;

    /// A z series that matches the bins, with an optional trend.
    fn z_for(bins: &[i8], slope: f64) -> Vec<f64> {
        bins.iter()
            .enumerate()
            .map(|(t, b)| f64::from(*b) * 2.0 + slope * t as f64)
            .collect()
    }

    #[test]
    fn every_category_is_reached() {
        let h = 3i8;
        let c = -3i8;
        let cases: Vec<(&str, Vec<i8>, f64)> = vec![
            ("new_hot", vec![0, 0, 0, 0, 0, 0, 0, 0, 0, h], 0.0),
            ("consecutive_hot", vec![0, 0, 0, 0, 0, 0, 0, h, h, h], 0.0),
            ("intensifying_hot", vec![h; 12], 0.5),
            (
                "persistent_hot",
                vec![h, h, h, h, h, h, h, h, h, h, h, h],
                0.0,
            ),
            ("diminishing_hot", vec![h; 12], -0.5),
            ("sporadic_hot", vec![0, h, 0, 0, h, 0, h, 0, 0, h], 0.0),
            ("oscillating_hot", vec![0, c, 0, h, 0, c, 0, 0, 0, h], 0.0),
            (
                "historical_hot",
                vec![h, h, h, h, h, h, h, h, h, h, h, 0],
                0.0,
            ),
            ("new_cold", vec![0, 0, 0, 0, 0, 0, 0, 0, 0, c], 0.0),
            ("consecutive_cold", vec![0, 0, 0, 0, 0, 0, 0, 0, c, c], 0.0),
            ("intensifying_cold", vec![c; 12], -0.5),
            ("persistent_cold", vec![c; 12], 0.0),
            ("diminishing_cold", vec![c; 12], 0.5),
            ("sporadic_cold", vec![c, 0, 0, c, 0, 0, c, 0, 0, c], 0.0),
            ("oscillating_cold", vec![h, 0, 0, c, 0, h, 0, 0, 0, c], 0.0),
            (
                "historical_cold",
                vec![c, c, c, c, c, c, c, c, c, c, c, 0],
                0.0,
            ),
            ("none", vec![0; 10], 0.0),
            ("none", vec![0, h, 0, 0, 0, 0, 0, 0, 0, 0], 0.0),
        ];
        let mut reached = std::collections::BTreeSet::new();
        for (expected, bins, slope) in cases {
            let mut z = z_for(&bins, slope);
            if slope == 0.0 && bins.iter().all(|b| *b == bins[0]) {
                // A flat series with a little noise and no trend.
                for (t, v) in z.iter_mut().enumerate() {
                    *v += [0.1, -0.1, 0.05, -0.05][t % 4];
                }
            }
            let (got, _) = classify(&bins, &z);
            assert_eq!(got.name(), expected, "{bins:?}");
            reached.insert(expected.to_owned());
        }
        let all: std::collections::BTreeSet<String> = Emerging::all_names().into_iter().collect();
        assert_eq!(
            reached, all,
            "every category is reached by a constructed series"
        );
    }

    #[test]
    fn persistent_needs_no_trend() {
        let z: Vec<f64> = (0..12)
            .map(|t| 3.0 + [0.1, -0.1, 0.05, -0.05][t % 4])
            .collect();
        let (got, trend) = classify(&[3; 12], &z);
        assert_eq!(got, Emerging::Hot(Category::Persistent));
        assert!(trend.p >= TREND_ALPHA);
    }
}
