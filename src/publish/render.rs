//! A layer request in, the answer's bytes out: `layers` computes, `export` writes.
//! `hotspots export` and the HTTP API both call [`render`], so the command line
//! writes the same bytes as the API (bar the `generated_at` time).

use crate::geo::Gazetteer;
use crate::model::{period_end, AreaLevel};
use crate::publish::export::{self, ReportCsv, ReportGeoJson};
use crate::publish::layers::{self, LayerError, Weight};
use crate::publish::params::{Layer, LayerRequest, OutputFormat};
use crate::store::Store;

/// A rendered answer.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// A file name for `download=1`, e.g. `hotspots-cells-r8.geojson`.
    pub file_name: String,
    /// Features or rows written (for the audit log and the provenance).
    pub rows: usize,
    /// The answer's provenance block (what a GeoJSON answer carries as its
    /// `provenance` member), for the formats that keep it elsewhere.
    pub provenance: Option<serde_json::Value>,
}

/// What the caller may see of individual reports (the security policy decides).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportDetail {
    /// Free-text notes (tactical only).
    pub notes: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Layer(#[from] LayerError),
    #[error("writing the answer: {0}")]
    Write(#[from] std::io::Error),
    /// A GeoPackage, GeoParquet or zip writer failing (a bug, not the request).
    #[error("writing the answer: {0}")]
    Package(String),
    #[error(transparent)]
    Tile(#[from] crate::publish::TileError),
}

impl From<crate::store::StoreError> for RenderError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Layer(LayerError::Store(e))
    }
}

const GEOJSON: &str = "application/geo+json";

/// The media type and file extension of an output format.
pub(crate) fn media_type(format: OutputFormat) -> (&'static str, &'static str) {
    match format {
        OutputFormat::Csv => (CSV, "csv"),
        OutputFormat::Json => (JSON, "json"),
        OutputFormat::GeoJson => (GEOJSON, "geojson"),
        OutputFormat::GeoPackage => ("application/geopackage+sqlite3", "gpkg"),
        OutputFormat::GeoParquet => ("application/vnd.apache.parquet", "parquet"),
    }
}
const CSV: &str = "text/csv; charset=utf-8";
const JSON: &str = "application/json";

/// Computes and writes one layer.
///
/// # Errors
/// A bad study area (naming the field), a store failure, a write failure.
pub fn render(
    store: &Store,
    request: &LayerRequest,
    detail: ReportDetail,
) -> Result<Rendered, RenderError> {
    let query = &request.query;
    let csv = request.format == OutputFormat::Csv;
    let mut body = Vec::new();
    let rows;
    let provenance;
    match request.layer {
        Layer::Context => return render_context(store, request),
        Layer::Cells => {
            let run = layers::hot_cells(store, query)?;
            let cells: Vec<&layers::CellResult> = run
                .cells
                .iter()
                .filter(|c| request.all || c.count > 0 || c.bin != 0)
                .collect();
            rows = cells.len();
            let extra = serde_json::json!({
                "features": cells.len(),
                "all_cells": request.all,
                "thin_hot_cells": run.thin_hot_cells,
                "excluded_imprecise": run.excluded_imprecise,
                "outside_study_area": run.outside_study_area,
                "fdr_cutoffs": run.cutoffs.iter().map(|(bin, cut)| serde_json::json!({"bin": bin, "p_cutoff": cut})).collect::<Vec<_>>(),
            });
            let mut block =
                layers::provenance("cells", query, run.area.len(), run.data_window, extra);
            if let Some(note) = run.fdr_note(query) {
                block["fdr_note"] = note.into();
            }
            provenance = Some(block.clone());
            if csv {
                export::cells_csv(&cells, &mut body)?;
            } else {
                let with_value = query.weight != Weight::Count;
                body = export::write_cells_geojson(&cells, with_value, block, body)?;
            }
        }
        Layer::Hotspots => {
            let (run, areas) = layers::hotspot_areas(store, query)?;
            rows = areas.len();
            let extra = serde_json::json!({
                "features": areas.len(),
                "thin_hot_cells": run.thin_hot_cells,
                "excluded_imprecise": run.excluded_imprecise,
                "outside_study_area": run.outside_study_area,
                "hot_rule": format!("connected cells (sharing an edge) with bin >= 2 (95% confidence or more), holding at least {} reports (or units counted) between them", query.min_reports),
                "min_reports": query.min_reports,
                "robust_rule": "an area is robust when some hot cell (bin >= 2) overlaps it at every neighbouring resolution within 6..9",
            });
            let mut block =
                layers::provenance("hotspots", query, run.area.len(), run.data_window, extra);
            if let Some(note) = run.fdr_note(query) {
                block["fdr_note"] = note.into();
            }
            provenance = Some(block.clone());
            if csv {
                export::hotspots_csv(&areas, &mut body)?;
            } else {
                write_json(&mut body, &export::hotspots_geojson(&areas, block))?;
            }
        }
        Layer::Emerging => {
            let (area, periods, cells) = layers::emerging(store, query)?;
            rows = cells.len();
            {
                let extra = serde_json::json!({
                    "features": cells.len(),
                    "steps": periods.len(),
                    "reports_as_of": store.reports_as_of()?.map(|d| d.to_string()),
                    "steps_rule": "whole calendar steps only: a step that had not ended by reports_as_of (the start of the latest load of a report file) or by the query's to, or that began before a from later than the first report, is left out, as a part of a month read as a whole one is a fall (or a rise) everywhere",
                    "first_step": periods.first().map(ToString::to_string),
                    "last_step": periods.last().map(ToString::to_string),
                    "trend": "Mann-Kendall on each cell's Gi* z series, tie-corrected, two-sided, significant at p < 0.10",
                    "categories": "Esri/sfdep rules at 90% thresholds (see src/analysis/emerging.rs)",
                });
                // The days the steps cover, which the query's dates can
                // exceed (a step cut by them is left out).
                let window = (
                    periods.first().copied(),
                    periods.last().map(|p| period_end(*p, query.step)),
                );
                let block = layers::provenance("emerging", query, area.len(), window, extra);
                provenance = Some(block.clone());
                if csv {
                    export::emerging_csv(&cells, &mut body)?;
                } else {
                    body = export::write_emerging_geojson(&cells, block, body)?;
                }
            }
        }
        Layer::Towns => {
            let trends = layers::area_trends(store, request.level, &query.filter, query.step)?;
            rows = trends.len();
            {
                let (first, last, _) = store.data_window(&query.filter)?;
                let extra = serde_json::json!({
                    "rows": trends.len(),
                    "level": if request.level == AreaLevel::District { "district" } else { "town" },
                    "reports_as_of": store.reports_as_of()?.map(|d| d.to_string()),
                    "running_period": "a period that had not ended by reports_as_of (the start of the latest load of a report file), or that the query's to cuts, has complete = false: its count and earlier counts, no change and no tests; no period starts after reports_as_of; a period a from cuts counts the reports from that day, complete = false, and the next period compares with the whole of it",
                    "town_rule": "the place of >= 5,000 people (GeoNames) nearest the report's H3 res-7 cell centre",
                    "change_test": "exact conditional binomial test of count vs previous (and vs a year before), equal exposure, two-sided",
                    "multiple_testing": MULTIPLE_TESTING,
                    "counts": "exact (no small-number suppression applied)",
                });
                let block = layers::provenance("towns", query, 0, (first, last), extra);
                provenance = Some(block.clone());
                let rows_json: Vec<serde_json::Value> =
                    trends.iter().map(export::town_json).collect();
                if csv {
                    export::towns_csv(&trends, &mut body)?;
                } else if request.format == OutputFormat::GeoJson {
                    write_json(&mut body, &towns_geojson(&trends, rows_json, block))?;
                } else {
                    write_json(
                        &mut body,
                        &serde_json::json!({"rows": rows_json, "provenance": block}),
                    )?;
                }
            }
        }
        Layer::Reports => {
            let n = write_reports(store, &query.filter, csv, detail, &mut body)?;
            rows = n as usize;
            provenance = Some(export::reports_provenance(&query.filter, n));
        }
    }
    let (content_type, extension) = media_type(request.format);
    let resolution = match request.layer {
        Layer::Cells | Layer::Hotspots | Layer::Emerging | Layer::Context => {
            format!("-r{}", query.res)
        }
        Layer::Reports | Layer::Towns => String::new(),
    };
    Ok(Rendered {
        body,
        content_type,
        file_name: format!(
            "hotspots-{}{resolution}.{extension}",
            request.layer.as_str()
        ),
        rows,
        provenance,
    })
}

/// What a report point takes in a tile with its properties, to decide when a
/// tile of them must be aggregated before reading them: a generous mean (on
/// the demo data 135-155 bytes without notes; notes add their length). A tile
/// that still comes out too large is aggregated after all.
pub const REPORT_POINT_BYTES: usize = 256;

/// Where the reports matching `filter` are, indexed for tiles: the reports
/// layer's tiles are cut from the store, not from its GeoJSON answer, so a
/// national layer of millions of reports costs its positions in memory.
///
/// # Errors
/// A store failure.
pub fn report_positions(
    store: &Store,
    filter: &crate::store::ReportFilter,
) -> Result<crate::publish::TileIndex, RenderError> {
    let positions = store.report_positions(filter)?;
    Ok(crate::publish::TileIndex::from_positions(
        "reports",
        &positions,
        REPORT_POINT_BYTES,
    ))
}

/// Tile `z/x/y` of the reports layer: aggregated from `positions` when the
/// points would make too large a tile, else the reports within the tile read
/// from the store with the properties the reports layer gives them (`detail`
/// as for the layer), so a tile shows what the layer shows and no more.
///
/// # Errors
/// A store failure; a tile outside the pyramid.
pub fn report_tile(
    store: &Store,
    filter: &crate::store::ReportFilter,
    detail: ReportDetail,
    positions: &crate::publish::TileIndex,
    (z, x, y): (u8, u32, u32),
) -> Result<(Vec<u8>, usize), RenderError> {
    if let Some(aggregated) = positions.aggregated_tile(z, x, y)? {
        return Ok(aggregated);
    }
    // A hair wider than the tile: the tile's own test then decides the edges.
    let [w, s, e, n] = crate::publish::tile_bounds(z, x, y);
    let bbox = [w - 1e-9, s - 1e-9, e + 1e-9, n + 1e-9];
    let mut points = Vec::new();
    store.for_each_report_within(filter, Some(bbox), |r| {
        points.push(([r.lng, r.lat], export::report_properties(&r, detail.notes)));
    })?;
    Ok(crate::publish::TileIndex::from_points("reports", points).tile(z, x, y)?)
}

/// Streams the stored reports matching `filter` as CSV or GeoJSON into `out`
/// (the reports layer, and `hotspots export reports` straight to a file).
/// Returns how many were written.
///
/// # Errors
/// On store or write failure.
pub fn write_reports(
    store: &Store,
    filter: &crate::store::ReportFilter,
    csv: bool,
    detail: ReportDetail,
    out: impl std::io::Write,
) -> Result<u64, RenderError> {
    let mut failure: Option<std::io::Error> = None;
    let mut count = 0;
    if csv {
        let mut writer = ReportCsv::new(out)?.with_notes(detail.notes);
        store.for_each_report(filter, |r| {
            if failure.is_none() {
                failure = writer.write(&r).err();
                count += 1;
            }
        })?;
        if let Some(e) = failure {
            return Err(e.into());
        }
        writer.finish()?;
    } else {
        let mut writer = ReportGeoJson::new(out)?.with_notes(detail.notes);
        store.for_each_report(filter, |r| {
            if failure.is_none() {
                failure = writer.write(&r).err();
            }
        })?;
        if let Some(e) = failure {
            return Err(e.into());
        }
        writer.finish(|n| {
            count = n;
            export::reports_provenance(filter, n)
        })?;
    }
    Ok(count)
}

pub(crate) fn write_json(
    out: &mut Vec<u8>,
    value: &impl serde::Serialize,
) -> Result<(), RenderError> {
    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::other)?;
    out.push(b'\n');
    Ok(())
}

/// How the towns tables' q-values are worked out (their provenance says so).
pub(crate) const MULTIPLE_TESTING: &str = "q_change and q_year: Benjamini-Hochberg adjusted p-values over the period's areas, leaving out those whose two counts' total could not give p < 0.05 however it split (Gilbert's modification for discrete tests); a change is called significant when q < 0.05";

/// Town rows as Point features at the town's GeoNames location (for GIS tools).
pub(crate) fn towns_geojson(
    trends: &[layers::TownRow],
    rows: Vec<serde_json::Value>,
    provenance: serde_json::Value,
) -> geojson::FeatureCollection {
    let gazetteer = Gazetteer::embedded();
    let features = trends
        .iter()
        .zip(rows)
        .map(|(r, properties)| geojson::Feature {
            bbox: None,
            geometry: gazetteer
                .places_named(&r.town)
                .next()
                .map(|p| geojson::Geometry::new_point([p.lng, p.lat])),
            id: None,
            properties: match properties {
                serde_json::Value::Object(m) => Some(m),
                _ => None,
            },
            foreign_members: None,
        })
        .collect();
    let mut members = geojson::JsonObject::new();
    members.insert("provenance".into(), provenance);
    geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: Some(members),
    }
}

/// Where the context layer's counts come from and what they are not.
const CONTEXT_SOURCE: &str = "data.police.uk street-level crime (Open Government Licence v3.0); locations are snapped to anonymous map points, months not days";

/// The context layer: recorded crime (police.uk) per cell and crime type,
/// beside (never inside) the reports' analysis. Open data: every role reads
/// it whole.
fn render_context(store: &Store, request: &LayerRequest) -> Result<Rendered, RenderError> {
    let query = &request.query;
    let mut cells = export::ContextCells::new();
    for c in store.context_counts(query.res, query.filter.from, query.filter.to)? {
        if request.crime_types.is_empty()
            || request.crime_types.contains(&c.crime_type.to_lowercase())
        {
            *cells
                .entry(c.cell)
                .or_default()
                .entry(c.crime_type)
                .or_default() += c.count;
        }
    }
    let (first, last, stored) = store.context_window()?;
    let provenance = serde_json::json!({
        "tool": "hotspots",
        "version": env!("CARGO_PKG_VERSION"),
        "layer": "context",
        "source": CONTEXT_SOURCE,
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
        export::context_csv(&cells, &mut body)?;
    } else {
        write_json(&mut body, &export::context_geojson(&cells, &provenance))?;
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
