//! The context layer (police.uk recorded crime per cell and crime type) as
//! GeoJSON cells (`h3`, `total`, `by_type`) or CSV rows (`h3,crime_type,count`).

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{json, Value};

use crate::model::spreadsheet_text;

use super::geometry::cell_geometries;

/// Crimes by type per cell (u64 H3 index).
pub type ContextCells = BTreeMap<u64, BTreeMap<String, u64>>;

/// The cells as a GeoJSON FeatureCollection with `provenance`.
#[must_use]
pub fn context_geojson(cells: &ContextCells, provenance: &Value) -> Value {
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
    json!({"type": "FeatureCollection", "features": features, "provenance": provenance})
}

/// The cells as CSV, a row per cell and crime type.
///
/// # Errors
/// On write failure.
pub fn context_csv(cells: &ContextCells, out: impl Write) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer
        .write_record(["h3", "crime_type", "count"])
        .map_err(std::io::Error::other)?;
    for (cell, types) in cells {
        let hex =
            h3o::CellIndex::try_from(*cell).map_or_else(|_| format!("{cell:x}"), |c| c.to_string());
        for (crime_type, count) in types {
            writer
                .write_record([
                    hex.as_str(),
                    &*spreadsheet_text(crime_type),
                    &count.to_string(),
                ])
                .map_err(std::io::Error::other)?;
        }
    }
    writer.flush()
}
