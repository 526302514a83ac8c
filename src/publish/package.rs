//! The download formats that are another layout of the GeoJSON answer:
//! GeoPackage, GeoParquet, and CSV zipped with its provenance. Each starts
//! from the answer the role policy gave, so no format can show more than the
//! GeoJSON would.

use crate::publish::export::{csv_zip, write_geopackage, write_geoparquet};
use crate::publish::features::FeatureSet;
use crate::publish::params::OutputFormat;
use crate::publish::render::{media_type, RenderError, Rendered};

fn package_error(e: impl std::fmt::Display) -> RenderError {
    RenderError::Package(e.to_string())
}

/// `geojson` (a GeoJSON answer) laid out as `format` (GeoPackage or
/// GeoParquet), the table named `name`.
///
/// # Errors
/// When the answer is not a FeatureCollection or a writer fails (bugs).
pub fn from_geojson(
    geojson: &Rendered,
    format: OutputFormat,
    name: &str,
) -> Result<Rendered, RenderError> {
    let set = FeatureSet::from_geojson(&geojson.body, &[]).map_err(package_error)?;
    let body = match format {
        OutputFormat::GeoPackage => {
            let description = set
                .provenance()
                .get("layer")
                .and_then(serde_json::Value::as_str)
                .map_or_else(|| name.to_owned(), |l| format!("hotspots {l} layer"));
            write_geopackage(&set, name, &description).map_err(package_error)?
        }
        OutputFormat::GeoParquet => {
            let mut out = Vec::new();
            write_geoparquet(&set, None, &[], &mut out).map_err(package_error)?;
            out
        }
        OutputFormat::GeoJson | OutputFormat::Csv | OutputFormat::Json => {
            return Ok(geojson.clone())
        }
    };
    let (content_type, extension) = media_type(format);
    Ok(Rendered {
        body,
        content_type,
        file_name: replace_extension(&geojson.file_name, extension),
        rows: geojson.rows,
        provenance: Some(set.provenance().clone()),
    })
}

/// A CSV answer as a zip of the CSV and its `provenance.json`.
///
/// # Errors
/// When the zip writer fails (a bug).
pub fn zipped_csv(csv: &Rendered) -> Result<Rendered, RenderError> {
    let provenance = csv.provenance.clone().unwrap_or(serde_json::Value::Null);
    let body = csv_zip(&csv.file_name, &csv.body, &provenance).map_err(package_error)?;
    Ok(Rendered {
        body,
        content_type: "application/zip",
        file_name: format!("{}.zip", csv.file_name),
        rows: csv.rows,
        provenance: csv.provenance.clone(),
    })
}

fn replace_extension(file_name: &str, extension: &str) -> String {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem);
    format!("{stem}.{extension}")
}
