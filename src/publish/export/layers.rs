//! The analysis layers out: cells, hotspot areas, emerging hot spots and town
//! trends as GeoJSON and CSV.

use std::io::Write;

use geojson::{JsonObject, JsonValue};
use h3o::CellIndex;

use super::csv_rows::{display, h3_hex, joined, write_csv};
use super::geometry::{
    cell_geometries, collection, feature, finite, multipolygon_geometry, object,
    write_cell_features, CellHex,
};
use crate::publish::layers::{AreaResult, AreaTrend, CellResult, EmergingResult, TownRow};

/// The properties of one feature of the cells layer (non-finite numbers are
/// written as `null`).
#[derive(serde::Serialize)]
pub(super) struct CellProperties {
    h3: CellHex,
    count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<f64>,
    gi_z: f64,
    p: f64,
    bin: i8,
    ring_count: u64,
    /// `weight=rate`: registered premises in the cell (0: no rate, no value).
    #[serde(skip_serializing_if = "Option::is_none")]
    premises: Option<u64>,
}

impl CellProperties {
    fn of(c: &CellResult, with_value: bool) -> Self {
        Self {
            h3: CellHex::new(c.cell),
            count: c.count,
            value: (with_value && c.premises != Some(0)).then_some(c.value),
            gi_z: c.gi_z,
            p: c.p,
            bin: c.bin,
            ring_count: c.ring_count,
            premises: c.premises,
        }
    }
}

/// The cells layer as GeoJSON values (for callers that rework it).
pub fn cells_geojson(
    cells: &[&CellResult],
    with_value: bool,
    provenance: JsonValue,
) -> geojson::FeatureCollection {
    let features = cell_features(
        cells,
        |c| c.cell,
        |c| object(&CellProperties::of(c, with_value)),
    );
    collection(features, provenance)
}

/// One feature a cell: its hexagon, its id and its properties.
pub(super) fn cell_features<C>(
    cells: &[C],
    cell: impl Fn(&C) -> CellIndex,
    properties: impl Fn(&C) -> JsonObject,
) -> Vec<geojson::Feature> {
    let geometries = cell_geometries(cells.iter().map(&cell));
    cells
        .iter()
        .zip(geometries)
        .map(|(c, geometry)| feature(geometry, cell(c).to_string(), properties(c)))
        .collect()
}

/// Writes the cells layer as GeoJSON (the same document as [`cells_geojson`]).
///
/// # Errors
/// On write failure.
pub fn write_cells_geojson<W: Write>(
    cells: &[&CellResult],
    with_value: bool,
    provenance: JsonValue,
    out: W,
) -> std::io::Result<W> {
    write_cell_features(
        cells,
        |c| c.cell,
        |c| CellProperties::of(c, with_value),
        provenance,
        out,
    )
}

/// The cells layer as CSV (cell centre added for tools that want points);
/// with `weight=rate`, each cell's registered premises in a last column.
///
/// # Errors
/// On write failure.
pub fn cells_csv(cells: &[&CellResult], out: impl Write) -> std::io::Result<()> {
    /// One row of the cells CSV.
    #[derive(Default, serde::Serialize)]
    struct Row {
        #[serde(serialize_with = "h3_hex")]
        h3: u64,
        lat: String,
        lng: String,
        count: u64,
        /// Empty where a rate is undefined (no registered premises).
        value: String,
        #[serde(serialize_with = "display")]
        gi_z: f64,
        #[serde(serialize_with = "display")]
        p: f64,
        bin: i8,
        ring_count: u64,
    }
    /// A row with the premises the rate rests on.
    #[derive(Default, serde::Serialize)]
    struct RateRow {
        #[serde(serialize_with = "h3_hex")]
        h3: u64,
        lat: String,
        lng: String,
        count: u64,
        value: String,
        #[serde(serialize_with = "display")]
        gi_z: f64,
        #[serde(serialize_with = "display")]
        p: f64,
        bin: i8,
        premises: u64,
        /// Last: a column added later goes after the ones readers know.
        ring_count: u64,
    }
    let row = |c: &CellResult| {
        let centre = h3o::LatLng::from(c.cell);
        Row {
            h3: u64::from(c.cell),
            lat: format!("{:.6}", centre.lat()),
            lng: format!("{:.6}", centre.lng()),
            count: c.count,
            value: if c.premises == Some(0) {
                String::new()
            } else {
                c.value.to_string()
            },
            gi_z: c.gi_z,
            p: c.p,
            bin: c.bin,
            ring_count: c.ring_count,
        }
    };
    if cells.iter().any(|c| c.premises.is_some()) {
        write_csv(
            out,
            cells.iter().map(|c| {
                let r = row(c);
                RateRow {
                    h3: r.h3,
                    lat: r.lat,
                    lng: r.lng,
                    count: r.count,
                    value: r.value,
                    gi_z: r.gi_z,
                    p: r.p,
                    bin: r.bin,
                    premises: c.premises.unwrap_or(0),
                    ring_count: r.ring_count,
                }
            }),
        )
    } else {
        write_csv(out, cells.iter().map(|c| row(c)))
    }
}

/// `nearest_town_km` and `nearest_town_direction` (null without a town): how
/// far and which way a place lies from its nearest town.
pub(crate) fn insert_from_town(p: &mut JsonObject, from_town: Option<(f64, &'static str)>) {
    p.insert("nearest_town_km".into(), from_town.map(|(km, _)| km).into());
    p.insert(
        "nearest_town_direction".into(),
        from_town.map(|(_, direction)| direction).into(),
    );
}

pub(super) fn area_properties(a: &AreaResult) -> JsonObject {
    let area = &a.area;
    let mut p = JsonObject::new();
    p.insert("id".into(), area.id.clone().into());
    p.insert("bin".into(), area.bin.into());
    p.insert("cells".into(), area.cells.len().into());
    p.insert("count".into(), area.reports.reports.into());
    p.insert("max_gi_z".into(), finite(area.max_gi_z));
    p.insert("nearest_town".into(), a.nearest_town.clone().into());
    insert_from_town(&mut p, a.from_town);
    p.insert(
        "districts".into(),
        a.district_names().collect::<Vec<_>>().into(),
    );
    p.insert(
        "district_codes".into(),
        a.district_codes().collect::<Vec<_>>().into(),
    );
    p.insert("crosses_districts".into(), a.crosses_districts().into());
    p.insert("forces".into(), a.force_names().collect::<Vec<_>>().into());
    p.insert(
        "force_codes".into(),
        a.force_codes().collect::<Vec<_>>().into(),
    );
    p.insert("crosses_forces".into(), a.crosses_forces().into());
    let venues: JsonObject = area
        .venue_mix()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.into()))
        .collect();
    p.insert("venues".into(), venues.into());
    let top: JsonObject = area
        .top_indicators(3)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.into()))
        .collect();
    p.insert("top_indicators".into(), top.into());
    p.insert(
        "first_seen".into(),
        area.reports.first.map(|d| d.to_string()).into(),
    );
    p.insert(
        "last_seen".into(),
        area.reports.last.map(|d| d.to_string()).into(),
    );
    p.insert("robust".into(), a.robust.into());
    let trend = a.trend.as_ref();
    p.insert("trend".into(), trend.map(AreaTrend::direction).into());
    p.insert(
        "trend_z".into(),
        trend.map_or(JsonValue::Null, |t| finite(t.test.z)),
    );
    p.insert(
        "trend_p".into(),
        trend.map_or(JsonValue::Null, |t| finite(t.test.p)),
    );
    p.insert(
        "monthly".into(),
        trend.map_or(JsonValue::Null, |t| t.monthly.clone().into()),
    );
    p.insert(
        "context".into(),
        a.context.clone().unwrap_or(JsonValue::Null),
    );
    p.insert(
        "h3_cells".into(),
        area.cells
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .into(),
    );
    p
}

/// Hotspot areas as GeoJSON MultiPolygons.
pub fn hotspots_geojson(areas: &[AreaResult], provenance: JsonValue) -> geojson::FeatureCollection {
    let features = areas
        .iter()
        .map(|a| {
            feature(
                multipolygon_geometry(&a.area.geometry),
                a.area.id.clone(),
                area_properties(a),
            )
        })
        .collect();
    collection(features, provenance)
}

/// Hotspot areas as CSV, one row per area.
///
/// # Errors
/// On write failure.
pub fn hotspots_csv(areas: &[AreaResult], out: impl Write) -> std::io::Result<()> {
    /// One row of the hotspot areas CSV.
    #[derive(Default, serde::Serialize)]
    struct Row {
        id: String,
        bin: i8,
        cells: usize,
        count: u64,
        #[serde(serialize_with = "display")]
        max_gi_z: f64,
        nearest_town: String,
        /// Empty when no town is known.
        nearest_town_km: String,
        nearest_town_direction: String,
        venues: String,
        top_indicators: String,
        first_seen: String,
        last_seen: String,
        robust: bool,
        districts: String,
        district_codes: String,
        crosses_districts: bool,
        forces: String,
        force_codes: String,
        crosses_forces: bool,
        trend: String,
        /// Empty for a period too short for a trend.
        trend_z: String,
        trend_p: String,
        monthly: String,
    }
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    write_csv(
        out,
        areas.iter().map(|a| Row {
            id: a.area.id.clone(),
            bin: a.area.bin,
            cells: a.area.cells.len(),
            count: a.area.reports.reports,
            max_gi_z: a.area.max_gi_z,
            nearest_town: a.nearest_town.clone().unwrap_or_default(),
            nearest_town_km: a
                .from_town
                .map(|(km, _)| km.to_string())
                .unwrap_or_default(),
            nearest_town_direction: a.from_town.map(|(_, d)| d).unwrap_or_default().to_owned(),
            venues: joined(a.area.venue_mix()),
            top_indicators: joined(a.area.top_indicators(3)),
            first_seen: day(a.area.reports.first),
            last_seen: day(a.area.reports.last),
            robust: a.robust,
            districts: a.district_names().collect::<Vec<_>>().join(";"),
            district_codes: a.district_codes().collect::<Vec<_>>().join(";"),
            crosses_districts: a.crosses_districts(),
            forces: a.force_names().collect::<Vec<_>>().join(";"),
            force_codes: a.force_codes().collect::<Vec<_>>().join(";"),
            crosses_forces: a.crosses_forces(),
            trend: a
                .trend
                .as_ref()
                .map(AreaTrend::direction)
                .unwrap_or_default()
                .to_owned(),
            trend_z: a
                .trend
                .as_ref()
                .map(|t| t.test.z.to_string())
                .unwrap_or_default(),
            trend_p: a
                .trend
                .as_ref()
                .map(|t| t.test.p.to_string())
                .unwrap_or_default(),
            monthly: a.trend.as_ref().map_or_else(String::new, |t| {
                t.monthly
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(";")
            }),
        }),
    )
}

/// The properties of one feature of the emerging layer.
#[derive(serde::Serialize)]
pub(super) struct EmergingProperties {
    h3: CellHex,
    count: u64,
    ring_count: u64,
    category: String,
    trend_z: f64,
    trend_p: f64,
    nearest_town: Option<String>,
    nearest_town_km: Option<f64>,
    nearest_town_direction: Option<&'static str>,
}

impl EmergingProperties {
    fn of(c: &EmergingResult) -> Self {
        Self {
            h3: CellHex::new(c.cell),
            count: c.count,
            ring_count: c.ring_count,
            category: c.category.name(),
            trend_z: c.trend_z,
            trend_p: c.trend_p,
            nearest_town: c.nearest_town.clone(),
            nearest_town_km: c.from_town.map(|(km, _)| km),
            nearest_town_direction: c.from_town.map(|(_, d)| d),
        }
    }
}

/// Emerging hot spots as GeoJSON values (for callers that rework them).
pub fn emerging_geojson(
    cells: &[EmergingResult],
    provenance: JsonValue,
) -> geojson::FeatureCollection {
    let features = cell_features(cells, |c| c.cell, |c| object(&EmergingProperties::of(c)));
    collection(features, provenance)
}

/// Writes emerging hot spots as GeoJSON (the same document as [`emerging_geojson`]).
///
/// # Errors
/// On write failure.
pub fn write_emerging_geojson<W: Write>(
    cells: &[EmergingResult],
    provenance: JsonValue,
    out: W,
) -> std::io::Result<W> {
    write_cell_features(cells, |c| c.cell, EmergingProperties::of, provenance, out)
}

/// Emerging hot spots as CSV.
///
/// # Errors
/// On write failure.
pub fn emerging_csv(cells: &[EmergingResult], out: impl Write) -> std::io::Result<()> {
    /// One row of the emerging CSV.
    #[derive(Default, serde::Serialize)]
    struct Row {
        #[serde(serialize_with = "h3_hex")]
        h3: u64,
        count: u64,
        category: String,
        #[serde(serialize_with = "display")]
        trend_z: f64,
        #[serde(serialize_with = "display")]
        trend_p: f64,
        steps: usize,
        nearest_town: String,
        /// Empty when no town is known.
        nearest_town_km: String,
        nearest_town_direction: String,
        /// Last: a column added later goes after the ones readers know.
        ring_count: u64,
    }
    write_csv(
        out,
        cells.iter().map(|c| Row {
            h3: u64::from(c.cell),
            count: c.count,
            category: c.category.name(),
            trend_z: c.trend_z,
            trend_p: c.trend_p,
            steps: c.steps,
            nearest_town: c.nearest_town.clone().unwrap_or_default(),
            nearest_town_km: c
                .from_town
                .map(|(km, _)| km.to_string())
                .unwrap_or_default(),
            nearest_town_direction: c.from_town.map(|(_, d)| d).unwrap_or_default().to_owned(),
            ring_count: c.ring_count,
        }),
    )
}

/// Town trend rows as the JSON objects of `/api/v1/towns`.
pub fn town_json(row: &TownRow) -> JsonValue {
    serde_json::json!({
        "town": row.town,
        "district": row.district,
        "district_name": row.district_name,
        "period": row.label,
        "period_start": row.period.to_string(),
        "count": row.count,
        // The partnership's rows carry these; exact rows withhold nothing.
        "suppressed": false,
        "complete": row.complete,
        "previous": row.previous,
        "previous_suppressed": false,
        "year_before": row.year_before,
        "year_before_suppressed": false,
        "change": row.change,
        "p_change": row.p_change.map(finite),
        "p_year": row.p_year.map(finite),
        "q_change": row.q_change.map(finite),
        "q_year": row.q_year.map(finite),
        "breakdown": row.breakdown,
    })
}

/// A number as `Display` writes it, or an empty field.
fn or_empty(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Town trends as CSV (breakdowns as `key:count;...`).
///
/// # Errors
/// On write failure.
pub fn towns_csv(rows: &[TownRow], out: impl Write) -> std::io::Result<()> {
    /// One row of the towns CSV: its columns, so flags are bools.
    #[derive(Default, serde::Serialize)]
    #[allow(clippy::struct_excessive_bools)]
    struct Row<'a> {
        town: &'a str,
        district: &'a str,
        district_name: &'a str,
        period: &'a str,
        count: u64,
        /// The partnership's CSV has the same columns; exact rows withhold
        /// nothing.
        suppressed: bool,
        /// `false` for a period still running or cut by `to`: its change and
        /// tests empty.
        complete: bool,
        /// Empty before the store's first report, as the tests on it.
        previous: Option<u64>,
        previous_suppressed: bool,
        year_before: Option<u64>,
        year_before_suppressed: bool,
        change: Option<i64>,
        p_change: String,
        p_year: String,
        /// Empty when the pair is in no family.
        q_change: String,
        q_year: String,
        breakdown: String,
    }
    write_csv(
        out,
        rows.iter().map(|r| Row {
            town: &r.town,
            district: &r.district,
            district_name: &r.district_name,
            period: &r.label,
            count: r.count,
            complete: r.complete,
            previous: r.previous,
            year_before: r.year_before,
            change: r.change,
            p_change: or_empty(r.p_change),
            p_year: or_empty(r.p_year),
            q_change: or_empty(r.q_change),
            q_year: or_empty(r.q_year),
            breakdown: joined(r.breakdown.iter().map(|(k, v)| (k.as_str(), *v))),
            ..Row::default()
        }),
    )
}
