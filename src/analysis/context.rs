//! Context beside the reports (police.uk recorded crime): how common each
//! crime type is in an area against its study area. Values in, values out.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{json, Map, Value};

/// Recorded crime over a set of cells against a study area, for a hotspot
/// area's `context` property: counts `(cell, crime type, count)` in, JSON out.
pub struct AreaContext {
    by_cell: HashMap<u64, Vec<(String, u64)>>,
    study_totals: BTreeMap<String, u64>,
    study_cells: usize,
}

impl AreaContext {
    /// `None` when no context is stored for the period (nothing to compare).
    pub fn new(
        counts: impl IntoIterator<Item = (u64, String, u64)>,
        study_area: &HashSet<u64>,
    ) -> Option<Self> {
        let mut by_cell: HashMap<u64, Vec<(String, u64)>> = HashMap::new();
        let mut study_totals: BTreeMap<String, u64> = BTreeMap::new();
        for (cell, crime_type, count) in counts {
            if !study_area.contains(&cell) {
                continue;
            }
            *study_totals.entry(crime_type.clone()).or_default() += count;
            by_cell.entry(cell).or_default().push((crime_type, count));
        }
        (!study_totals.is_empty()).then_some(Self {
            by_cell,
            study_totals,
            study_cells: study_area.len(),
        })
    }

    /// `{"crimes": n, "by_type": {type: {"count", "ratio"}}}`: `ratio` is the
    /// area's crimes per cell over the study area's (1: as common as anywhere
    /// in the study area; 2: twice as common).
    pub fn of(&self, cells: impl IntoIterator<Item = u64>) -> Value {
        let mut area: BTreeMap<&str, u64> = BTreeMap::new();
        let mut n_cells = 0_usize;
        for cell in cells {
            n_cells += 1;
            for (crime_type, count) in self.by_cell.get(&cell).into_iter().flatten() {
                *area.entry(crime_type.as_str()).or_default() += count;
            }
        }
        let mut by_type = Map::new();
        for (crime_type, study) in &self.study_totals {
            let count = area.get(crime_type.as_str()).copied().unwrap_or(0);
            #[allow(clippy::cast_precision_loss)]
            let ratio = (count as f64 / n_cells.max(1) as f64)
                / (*study as f64 / self.study_cells.max(1) as f64);
            by_type.insert(
                crime_type.clone(),
                json!({"count": count, "ratio": (ratio * 100.0).round() / 100.0}),
            );
        }
        json!({"crimes": area.values().sum::<u64>(), "by_type": by_type})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(cell: u64, crime_type: &str, count: u64) -> (u64, String, u64) {
        (cell, crime_type.into(), count)
    }

    #[test]
    fn an_areas_ratio_is_its_rate_per_cell_over_the_study_areas() {
        // Study area of 4 cells: 8 drugs crimes (2 a cell); the area's 2 cells
        // hold 6 of them (3 a cell): ratio 1.5. Burglary only outside: ratio 0.
        let study: HashSet<u64> = [1, 2, 3, 4].into();
        let context = AreaContext::new(
            vec![
                count(1, "Drugs", 4),
                count(2, "Drugs", 2),
                count(3, "Drugs", 2),
                count(4, "Burglary", 5),
                count(9, "Drugs", 100),
            ],
            &study,
        )
        .expect("context");
        let area = context.of([1, 2]);
        assert_eq!(area["crimes"], 6);
        assert_eq!(area["by_type"]["Drugs"]["count"], 6);
        assert_eq!(area["by_type"]["Drugs"]["ratio"], 1.5);
        assert_eq!(area["by_type"]["Burglary"]["ratio"], 0.0);
        assert!(AreaContext::new(vec![count(9, "Drugs", 1)], &study).is_none());
    }
}
