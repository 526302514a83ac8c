//! The context layer: recorded crime from data.police.uk per H3 cell and
//! crime type, beside (never inside) the reports' analysis; and the context of
//! a hotspot area, its recorded crime against the study area's rate.
//!
//! police.uk data is published openly, so every role reads it whole.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{json, Map, Value};

use crate::publish::export::cell_geometries;
use crate::publish::params::{LayerRequest, OutputFormat};
use crate::publish::render::{media_type, write_json, RenderError, Rendered};
use crate::store::{ContextCount, Store};

/// Where the counts come from and what they are not.
const SOURCE: &str = "data.police.uk street-level crime (Open Government Licence v3.0); locations are snapped to anonymous map points, months not days";

/// Crimes per cell, by type (lower-case types in `only` keep those alone).
fn by_cell(counts: Vec<ContextCount>, only: &[String]) -> BTreeMap<u64, BTreeMap<String, u64>> {
    let mut cells: BTreeMap<u64, BTreeMap<String, u64>> = BTreeMap::new();
    for c in counts {
        if only.is_empty() || only.contains(&c.crime_type.to_lowercase()) {
            *cells
                .entry(c.cell)
                .or_default()
                .entry(c.crime_type)
                .or_default() += c.count;
        }
    }
    cells
}

/// The context layer for a request: GeoJSON cells (`h3`, `total`,
/// `by_type`), or CSV rows (`h3,crime_type,count`).
///
/// # Errors
/// A store or write failure.
pub(crate) fn render_context(
    store: &Store,
    request: &LayerRequest,
) -> Result<Rendered, RenderError> {
    let query = &request.query;
    let counts = store.context_counts(query.res, query.filter.from, query.filter.to)?;
    let cells = by_cell(counts, &request.crime_types);
    let (first, last, stored) = store.context_window()?;
    let provenance = json!({
        "tool": "hotspots",
        "version": env!("CARGO_PKG_VERSION"),
        "layer": "context",
        "source": SOURCE,
        "query": {
            "res": query.res,
            "from": query.filter.from.map(|d| d.to_string()),
            "to": query.filter.to.map(|d| d.to_string()),
            "crime_type": request.crime_types,
        },
        "data_window": {"from": first.map(|d| d.to_string()), "to": last.map(|d| d.to_string())},
        "stored_crimes": stored,
        "period_rule": "a month counts when it overlaps from..to",
        "cell_assignment": "parent_of_finest",
        "features": cells.len(),
        "generated_at": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    });
    let mut body = Vec::new();
    if request.format == OutputFormat::Csv {
        let mut writer = csv::Writer::from_writer(&mut body);
        let csv_error = |e: csv::Error| RenderError::Write(std::io::Error::other(e));
        writer
            .write_record(["h3", "crime_type", "count"])
            .map_err(csv_error)?;
        for (cell, types) in &cells {
            let hex = hex_of(*cell);
            for (crime_type, count) in types {
                writer
                    .write_record([hex.as_str(), crime_type, &count.to_string()])
                    .map_err(csv_error)?;
            }
        }
        writer.flush()?;
    } else {
        let indexes: Vec<h3o::CellIndex> = cells
            .keys()
            .filter_map(|c| h3o::CellIndex::try_from(*c).ok())
            .collect();
        let geometries = cell_geometries(indexes.iter().copied());
        let features: Vec<Value> = indexes
            .iter()
            .zip(geometries)
            .map(|(cell, geometry)| {
                let types = &cells[&u64::from(*cell)];
                json!({
                    "type": "Feature",
                    "geometry": geometry,
                    "properties": {
                        "h3": cell.to_string(),
                        "total": types.values().sum::<u64>(),
                        "by_type": types,
                    },
                })
            })
            .collect();
        write_json(
            &mut body,
            &json!({"type": "FeatureCollection", "features": features, "provenance": provenance}),
        )?;
    }
    let (content_type, extension) = media_type(request.format);
    Ok(Rendered {
        body,
        content_type,
        file_name: format!("hotspots-context-r{}.{extension}", query.res),
        rows: cells.len(),
        provenance: Some(provenance),
    })
}

fn hex_of(cell: u64) -> String {
    h3o::CellIndex::try_from(cell).map_or_else(|_| format!("{cell:x}"), |c| c.to_string())
}

/// Recorded crime over a set of cells against a study area, for a hotspot
/// area's `context` property.
pub(crate) struct AreaContext {
    by_cell: HashMap<u64, Vec<(String, u64)>>,
    study_totals: BTreeMap<String, u64>,
    study_cells: usize,
}

impl AreaContext {
    /// `None` when no context is stored for the period (nothing to compare).
    pub(crate) fn new(counts: Vec<ContextCount>, study_area: &HashSet<u64>) -> Option<Self> {
        let mut by_cell: HashMap<u64, Vec<(String, u64)>> = HashMap::new();
        let mut study_totals: BTreeMap<String, u64> = BTreeMap::new();
        for c in counts {
            if !study_area.contains(&c.cell) {
                continue;
            }
            *study_totals.entry(c.crime_type.clone()).or_default() += c.count;
            by_cell
                .entry(c.cell)
                .or_default()
                .push((c.crime_type, c.count));
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
    pub(crate) fn of(&self, cells: impl IntoIterator<Item = u64>) -> Value {
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

    fn count(cell: u64, crime_type: &str, count: u64) -> ContextCount {
        ContextCount {
            cell,
            crime_type: crime_type.into(),
            count,
        }
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
