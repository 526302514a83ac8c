//! The premises list as GeoJSON points or CSV rows: one writer for the API,
//! the pages' downloads and `hotspots export premises`.

use serde_json::{json, Value};

use super::params::{PremisesFormat, PremisesRequest};
use super::repeat::{PremisesQuery, PremisesRow};
use crate::model::spreadsheet_text;

/// Properties of one premises (interface.md's names first).
fn properties(row: &PremisesRow) -> serde_json::Map<String, Value> {
    let p = &row.premises;
    let last = row.last_outcome.as_ref();
    let value = json!({
        "premises_id": p.premises_id,
        "name": p.name,
        "venue_type": p.venue_type,
        "reports": row.reports,
        "incidents": row.incidents,
        "sources": row.sources,
        "first_seen": row.first_seen.to_string(),
        "last_seen": row.last_seen.to_string(),
        "reports_90d": row.reports_90d,
        "reports_prev_90d": row.reports_prev_90d,
        "median_days_between": row.median_days_between,
        "top_indicators": row.top_indicators.join(";"),
        "exploitation": row.exploitation.iter().map(|(k, n)| format!("{k}:{n}")).collect::<Vec<_>>().join(";"),
        "bin": row.bin,
        "category": row.category,
        "last_outcome": last.map(|o| o.result.clone()),
        "last_visit": last.map(|o| o.visited_on.to_string()),
        "address": p.address,
        "postcode": p.postcode,
        "nearest_town": row.nearest_town.as_ref().map(|t| &t.town),
        "nearest_town_km": row.nearest_town.as_ref().map(|t| t.km),
        "nearest_town_direction": row.nearest_town.as_ref().map(|t| t.direction),
        "status": p.status,
        "origin": p.origin,
        "precision_m": p.precision_m,
    });
    match value {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// The provenance block of a premises answer.
pub fn provenance(query: &PremisesQuery, n: usize) -> Value {
    json!({
        "tool": "hotspots",
        "version": env!("CARGO_PKG_VERSION"),
        "layer": "premises",
        "query": {
            "from": query.filter.from.map(|d| d.to_string()),
            "to": query.filter.to.map(|d| d.to_string()),
            "venue": query.filter.venues,
            "exploitation": query.filter.exploitation,
            "source": query.filter.sources,
            "min_reports": query.min_reports,
            "sort": query.sort.as_str(),
            "res": query.layer.res,
            "k": query.layer.k,
        },
        "premises": n,
        "linking": "each report links to one premises or none, by the rules of analysis::linking (same postcode and similar name; near and similar name; near and unnamed, the only one of its type; the same name in a coarse report's area); unlinked reports that match each other make a premises of origin 'reports'",
        "incidents": "reports of one premises at most 7 days apart are one incident",
        "velocity": "reports_90d: the 90 days up to the period's end (else the newest report); reports_prev_90d: the 90 before",
        "bin": "Gi* bin of the premises' cell at res over the period's reports (as the cells layer)",
        "generated_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// A GeoJSON FeatureCollection of points with a provenance member.
pub fn premises_geojson(rows: &[PremisesRow], query: &PremisesQuery) -> Value {
    let features: Vec<Value> = rows
        .iter()
        .map(|row| {
            json!({
                "type": "Feature",
                "id": row.premises.premises_id,
                "geometry": {"type": "Point", "coordinates": [row.premises.lng, row.premises.lat]},
                "properties": properties(row),
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "features": features,
        "provenance": provenance(query, rows.len()),
    })
}

/// CSV rows with `lat`,`lng` after the properties (a header even when empty),
/// text that a spreadsheet would run as a formula marked as text.
///
/// # Errors
/// Only if writing to memory fails.
pub fn premises_csv(rows: &[PremisesRow]) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let empty = PremisesRow::header_names();
    out.write_record(empty.iter().chain(["lat", "lng"].iter()))?;
    for row in rows {
        let props = properties(row);
        let mut record: Vec<String> = empty
            .iter()
            .map(|k| match props.get(*k) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => spreadsheet_text(s).into_owned(),
                Some(other) => other.to_string(),
            })
            .collect();
        record.push(row.premises.lat.to_string());
        record.push(row.premises.lng.to_string());
        out.write_record(&record)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

impl PremisesRow {
    /// The CSV's property columns, in the GeoJSON properties' order.
    fn header_names() -> Vec<&'static str> {
        vec![
            "premises_id",
            "name",
            "venue_type",
            "reports",
            "incidents",
            "sources",
            "first_seen",
            "last_seen",
            "reports_90d",
            "reports_prev_90d",
            "median_days_between",
            "top_indicators",
            "exploitation",
            "bin",
            "category",
            "last_outcome",
            "last_visit",
            "address",
            "postcode",
            "nearest_town",
            "nearest_town_km",
            "nearest_town_direction",
            "status",
            "origin",
            "precision_m",
        ]
    }
}

/// The premises list in the request's format (GeoPackage and GeoParquet are
/// the GeoJSON answer laid out as a table; CSV downloads come zipped with
/// their provenance, as the layers'): the API and `hotspots export premises`.
///
/// # Errors
/// A writer failing (a bug).
pub fn premises_rendered(
    rows: &[PremisesRow],
    request: &PremisesRequest,
) -> Result<crate::publish::Rendered, crate::publish::RenderError> {
    use crate::publish::{OutputFormat, Rendered};
    let geojson = premises_geojson(rows, &request.query);
    let provenance = geojson.get("provenance").cloned();
    let as_geojson = || Rendered {
        body: geojson.to_string().into_bytes(),
        content_type: "application/geo+json",
        file_name: "premises.geojson".to_owned(),
        rows: rows.len(),
        provenance: provenance.clone(),
    };
    Ok(match request.format {
        PremisesFormat::GeoJson => as_geojson(),
        PremisesFormat::GeoPackage => {
            crate::publish::package_geojson(&as_geojson(), OutputFormat::GeoPackage, "premises")?
        }
        PremisesFormat::GeoParquet => {
            crate::publish::package_geojson(&as_geojson(), OutputFormat::GeoParquet, "premises")?
        }
        PremisesFormat::Csv => {
            let csv = Rendered {
                body: premises_csv(rows)
                    .map_err(|e| crate::publish::RenderError::Package(e.to_string()))?
                    .into_bytes(),
                content_type: "text/csv; charset=utf-8",
                file_name: "premises.csv".to_owned(),
                rows: rows.len(),
                provenance,
            };
            if request.download {
                crate::publish::zipped_csv(&csv)?
            } else {
                csv
            }
        }
    })
}
