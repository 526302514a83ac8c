//! From stored reports to answers: layer parameters, hot-spot layers, the
//! partnership release and its disclosure control, the role policy, and the
//! writers (GeoJSON, CSV, vector tiles). No HTTP and no printing: `serve` and
//! `cli` both call [`render_view`] / [`render`], so they write the same bytes.

mod bounds;
mod disclosure;
mod export;
mod features;
mod layers;
mod package;
mod params;
mod policy;
mod release;
mod render;
mod tiles;

pub use bounds::{layer_bounds, Bounds};
pub use disclosure::{breakdown, primary, protect, release, Partition, Release};
pub use export::{
    cell_geometries, cells_csv, cells_geojson, emerging_csv, emerging_geojson, hotspots_csv,
    hotspots_geojson, multipolygon_geometry, partitioned_geoparquet, reports_provenance, town_json,
    towns_csv, write_cells_geojson, write_emerging_geojson, CellHex, ReportCsv, ReportGeoJson,
    REPORT_CSV_HEADER,
};
pub use features::{parse_datetime, Bbox, FeatureError, FeatureSet, Filter, FilterLang};
pub use layers::{
    area_trends, emerging, hot_bins, hot_cells, hotspot_areas, polygons_from_geojson, provenance,
    study_area, AreaResult, AreaTrend, CellResult, EmergingResult, EmergingRun, HotspotRun,
    LayerError, LayerQuery, StudyAreaSpec, TownRow, Weight, DEFAULT_MIN_REPORTS,
    DEFAULT_RISK_WEIGHTS, MAX_LAG,
};
pub use package::{from_geojson as package_geojson, zipped_csv};
pub use params::{
    parse, parse_day, Layer, LayerRequest, OutputFormat, ParamError, MAX_PERMUTATIONS,
};
pub use policy::{render_view, View};
pub use release::{
    publish_trends, published_change_p, released_window, render_release, Earlier, PublishedTrend,
    ReleaseRule, CHANGE_ALPHA,
};
pub use render::{
    render, report_positions, report_tile, write_reports, RenderError, Rendered, ReportDetail,
    REPORT_POINT_BYTES,
};
pub use tiles::{
    exists as tile_exists, tile_bounds, zoom_resolution, TileError, TileIndex, BUFFER, EXTENT,
    MAX_TILE_BYTES, MAX_ZOOM,
};
