//! Output formats: stored reports and the analysis layers as CSV and RFC 7946
//! GeoJSON with a provenance block; any GeoJSON answer as GeoPackage or
//! GeoParquet; CSV zipped with its provenance. Writes to any `Write`; knows nothing of
//! files, HTTP or DuckDB.

mod archive;
mod context;
mod csv_rows;
mod geometry;
mod geopackage;
mod geoparquet;
mod layers;
mod reports;
mod table;
#[cfg(test)]
mod tests;

pub use archive::csv_zip;
pub use context::{context_csv, context_geojson, ContextCells};
pub(crate) use geometry::finite;
pub use geometry::{cell_geometries, multipolygon_geometry, CellHex};
pub use geopackage::write_geopackage;
pub use geoparquet::{partitioned_geoparquet, write_geoparquet};
pub(crate) use layers::insert_from_town;
pub use layers::{
    cells_csv, cells_geojson, emerging_csv, emerging_geojson, hotspots_csv, hotspots_geojson,
    town_json, towns_csv, write_cells_geojson, write_emerging_geojson,
};
pub(crate) use reports::report_properties;
pub use reports::{reports_provenance, ReportCsv, ReportGeoJson, REPORT_CSV_HEADER};
