//! Output formats for stored reports: CSV and RFC 7946 GeoJSON with a provenance
//! block. Writes to any `Write`; knows nothing of files, HTTP or DuckDB.

use std::collections::HashMap;
use std::io::Write;

use geojson::{Feature, Geometry, JsonObject, JsonValue};
use h3o::CellIndex;

use crate::store::{ReportFilter, StoredReport};

/// Column order of `hotspots export reports --format csv`.
pub const REPORT_CSV_HEADER: [&str; 24] = [
    "source",
    "report_id",
    "observed_on",
    "venue_type",
    "venue_name",
    "exploitation_type",
    "indicators",
    "persons_count",
    "nationalities",
    "child_involved",
    "grading",
    "notes",
    "location_input",
    "lat",
    "lng",
    "geocode_method",
    "precision_m",
    "geocode_note",
    "h3_r6",
    "h3_r7",
    "h3_r8",
    "h3_r9",
    "town",
    "district",
];

fn cell_hex(cell: Option<u64>) -> String {
    cell.and_then(|c| CellIndex::try_from(c).ok())
        .map(|c| CellHex::new(c).as_str().to_owned())
        .unwrap_or_default()
}

/// A cell index as lowercase hex, as `CellIndex`'s `Display` writes it, without
/// the formatting machinery (~250 ns a cell: 10 ms of a 20k-cell layer).
#[derive(Clone, Copy)]
pub struct CellHex {
    digits: [u8; 16],
    start: u8,
}

impl CellHex {
    #[must_use]
    pub fn new(cell: CellIndex) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut value = u64::from(cell);
        let mut digits = [b'0'; 16];
        let mut start = 16;
        loop {
            start -= 1;
            digits[start] = HEX[(value & 0xf) as usize];
            value >>= 4;
            if value == 0 {
                break;
            }
        }
        Self {
            digits,
            start: start as u8,
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.digits[usize::from(self.start)..]).unwrap_or_default()
    }
}

impl serde::Serialize for CellHex {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

fn opt<T: ToString>(value: Option<&T>) -> String {
    value.map(ToString::to_string).unwrap_or_default()
}

/// Writes reports as CSV, one row each, cells as H3 hex strings (empty when too coarse).
pub struct ReportCsv<W: Write> {
    writer: csv::Writer<W>,
    notes: bool,
    header_written: bool,
}

impl<W: Write> ReportCsv<W> {
    /// # Errors
    /// Never for now (the header is written with the first row or at the end).
    pub fn new(out: W) -> std::io::Result<Self> {
        Ok(Self {
            writer: csv::Writer::from_writer(out),
            notes: true,
            header_written: false,
        })
    }

    /// Leaves the `notes` column out altogether (for roles that may not read notes).
    #[must_use]
    pub fn with_notes(mut self, notes: bool) -> Self {
        self.notes = notes;
        self
    }

    fn header(&mut self) -> std::io::Result<()> {
        if !self.header_written {
            self.header_written = true;
            let notes = self.notes;
            self.writer
                .write_record(REPORT_CSV_HEADER.iter().filter(|h| notes || **h != "notes"))
                .map_err(std::io::Error::other)?;
        }
        Ok(())
    }

    /// # Errors
    /// On write failure.
    pub fn write(&mut self, r: &StoredReport) -> std::io::Result<()> {
        self.header()?;
        let notes = self.notes;
        let record = [
            r.source.clone(),
            r.report_id.clone(),
            r.observed_on.to_string(),
            r.venue_type.clone(),
            opt(r.venue_name.as_ref()),
            r.exploitation_type.clone(),
            r.indicators.clone(),
            opt(r.persons_count.as_ref()),
            opt(r.nationalities.as_ref()),
            opt(r.child_involved.as_ref()),
            opt(r.grading.as_ref()),
            opt(r.notes.as_ref()),
            r.location_input.clone(),
            format!("{:.6}", r.lat),
            format!("{:.6}", r.lng),
            r.geocode_method.clone(),
            format!("{}", r.precision_m),
            opt(r.geocode_note.as_ref()),
            cell_hex(r.cells[0]),
            cell_hex(r.cells[1]),
            cell_hex(r.cells[2]),
            cell_hex(r.cells[3]),
            opt(r.town.as_ref()),
            opt(r.district.as_ref()),
        ];
        self.writer
            .write_record(
                record
                    .iter()
                    .zip(REPORT_CSV_HEADER)
                    .filter(|(_, h)| notes || *h != "notes")
                    .map(|(v, _)| v),
            )
            .map_err(std::io::Error::other)
    }

    /// # Errors
    /// On flush failure.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.header()?;
        self.writer.flush()
    }
}

/// The provenance block for a reports export.
pub fn reports_provenance(filter: &ReportFilter, count: u64) -> JsonValue {
    serde_json::json!({
        "tool": "hotspots",
        "version": env!("CARGO_PKG_VERSION"),
        "layer": "reports",
        "query": {
            "from": filter.from.map(|d| d.to_string()),
            "to": filter.to.map(|d| d.to_string()),
            "venue": filter.venues,
            "exploitation": filter.exploitation,
            "source": filter.sources,
        },
        "features": count,
        "crs": "WGS84 longitude/latitude (RFC 7946)",
        "cells": "H3 v4, res 6-9; a report has a cell only where its precision_m <= 1.5 x the mean edge length",
        "generated_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// Streams reports as a GeoJSON FeatureCollection of points; the provenance
/// block (which needs the count) goes after them.
pub struct ReportGeoJson<W: Write> {
    stream: FeatureStream<W>,
    notes: bool,
}

impl<W: Write> ReportGeoJson<W> {
    /// # Errors
    /// On write failure.
    pub fn new(out: W) -> std::io::Result<Self> {
        Ok(Self {
            stream: FeatureStream::new(out)?,
            notes: true,
        })
    }

    /// Leaves the `notes` property out altogether (for roles that may not read notes).
    #[must_use]
    pub fn with_notes(mut self, notes: bool) -> Self {
        self.notes = notes;
        self
    }

    /// # Errors
    /// On write failure.
    pub fn write(&mut self, r: &StoredReport) -> std::io::Result<()> {
        let mut p = JsonObject::new();
        let mut put = |k: &str, v: JsonValue| {
            p.insert(k.to_owned(), v);
        };
        put("source", r.source.clone().into());
        put("report_id", r.report_id.clone().into());
        put("observed_on", r.observed_on.to_string().into());
        put("venue_type", r.venue_type.clone().into());
        put("venue_name", r.venue_name.clone().into());
        put("exploitation_type", r.exploitation_type.clone().into());
        put(
            "indicators",
            r.indicators
                .split(';')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .into(),
        );
        put("persons_count", r.persons_count.into());
        put("nationalities", r.nationalities.clone().into());
        put("child_involved", r.child_involved.into());
        put("grading", r.grading.clone().into());
        if self.notes {
            put("notes", r.notes.clone().into());
        }
        put("location_input", r.location_input.clone().into());
        put("lat", r.lat.into());
        put("lng", r.lng.into());
        put("geocode_method", r.geocode_method.clone().into());
        put("precision_m", r.precision_m.into());
        put("geocode_note", r.geocode_note.clone().into());
        for (i, name) in ["h3_r6", "h3_r7", "h3_r8", "h3_r9"].iter().enumerate() {
            let hex = cell_hex(r.cells[i]);
            put(
                name,
                if hex.is_empty() {
                    JsonValue::Null
                } else {
                    hex.into()
                },
            );
        }
        put("town", r.town.clone().into());
        put("district", r.district.clone().into());
        let feature = Feature {
            bbox: None,
            geometry: Some(Geometry::new_point([r.lng, r.lat])),
            id: Some(geojson::feature::Id::String(format!(
                "{}:{}",
                r.source, r.report_id
            ))),
            properties: Some(p),
            foreign_members: None,
        };
        self.stream.write(&feature)
    }

    /// # Errors
    /// On write failure.
    pub fn finish(self, provenance: impl FnOnce(u64) -> JsonValue) -> std::io::Result<W> {
        self.stream.finish(provenance)
    }
}

// ---------------------------------------------------------------------------
// Analysis layers.

use crate::publish::layers::{AreaResult, CellResult, EmergingResult, TownRow};

/// A ring as RFC 7946 wants it: closed, exterior counter-clockwise (holes clockwise).
/// Closes a ring and orients it as RFC 7946 asks: exterior rings
/// counter-clockwise, holes clockwise.
fn ring(mut points: Vec<[f64; 2]>, exterior: bool) -> Vec<[f64; 2]> {
    if points.first() != points.last() {
        if let Some(&first) = points.first() {
            points.push(first);
        }
    }
    let area2: f64 = points
        .windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum();
    if (area2 > 0.0) != exterior {
        points.reverse();
    }
    points
}

/// Six decimal places (~0.1 m), as RFC 7946 §11.2 suggests: more digits only
/// make the answer bigger and slower to write and parse.
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn positions(ring: &[[f64; 2]]) -> Vec<geojson::Position> {
    ring.iter().map(|&p| geojson::Position::from(p)).collect()
}

/// Cell outlines already computed (closed, counter-clockwise, rounded), as
/// points and as GeoJSON text, because computing one costs more than writing
/// it: a layer of 20k cells spent ~25 ms on `CellIndex::boundary` alone, and
/// ~45 ms more building and serialising `geojson::Feature`s. Layers draw the
/// same study-area cells again and again; the bound keeps memory flat (~400
/// bytes a cell).
static OUTLINES: std::sync::LazyLock<std::sync::Mutex<Outlines>> =
    std::sync::LazyLock::new(Default::default);
type Outlines = HashMap<CellIndex, Outline>;
const OUTLINES_KEPT: usize = 250_000;

struct Outline {
    ring: Box<[[f64; 2]]>,
    /// The ring as a GeoJSON Polygon, serialised by the `geojson` crate.
    json: Box<str>,
}

impl Outline {
    fn of(cell: CellIndex) -> Self {
        let points = cell
            .boundary()
            .iter()
            .map(|ll| [round6(ll.lng()), round6(ll.lat())])
            .collect();
        let ring = ring(points, true).into_boxed_slice();
        let json = serde_json::to_string(&polygon(&ring))
            .expect("a polygon of finite numbers serialises")
            .into_boxed_str();
        Self { ring, json }
    }
}

fn polygon(ring: &[[f64; 2]]) -> Geometry {
    Geometry::new(geojson::GeometryValue::Polygon {
        coordinates: vec![positions(ring)],
    })
}

fn kept_outlines() -> std::sync::MutexGuard<'static, Outlines> {
    OUTLINES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn outline(kept: &mut Outlines, cell: CellIndex) -> &Outline {
    if kept.len() >= OUTLINES_KEPT && !kept.contains_key(&cell) {
        kept.clear();
    }
    kept.entry(cell).or_insert_with(|| Outline::of(cell))
}

/// The hexagons of many cells as GeoJSON Polygons (lon, lat), in order.
pub fn cell_geometries(cells: impl IntoIterator<Item = CellIndex>) -> Vec<Geometry> {
    let mut kept = kept_outlines();
    cells
        .into_iter()
        .map(|cell| polygon(&outline(&mut kept, cell).ring))
        .collect()
}

/// Streams a GeoJSON FeatureCollection: features are written as they come, and
/// the provenance block (which may need the count) goes after them.
struct FeatureStream<W: Write> {
    out: W,
    count: u64,
}

impl<W: Write> FeatureStream<W> {
    fn new(mut out: W) -> std::io::Result<Self> {
        out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
        Ok(Self { out, count: 0 })
    }

    fn write(&mut self, feature: &impl serde::Serialize) -> std::io::Result<()> {
        self.separate()?;
        serde_json::to_writer(&mut self.out, feature).map_err(std::io::Error::other)
    }

    /// Writes the comma before every feature but the first.
    fn separate(&mut self) -> std::io::Result<()> {
        if self.count > 0 {
            self.out.write_all(b",\n")?;
        }
        self.count += 1;
        Ok(())
    }

    fn finish(mut self, provenance: impl FnOnce(u64) -> JsonValue) -> std::io::Result<W> {
        self.out.write_all(b"\n],\"provenance\":")?;
        serde_json::to_writer(&mut self.out, &provenance(self.count))
            .map_err(std::io::Error::other)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes one hexagon feature per item (id = its cell's hex string), then
/// `provenance`, as a FeatureCollection, without building `geojson::Feature`s:
/// the outline's GeoJSON text is kept from the first time the cell was drawn.
fn write_cell_features<T, P: serde::Serialize, W: Write>(
    items: &[T],
    cell_of: impl Fn(&T) -> CellIndex,
    properties: impl Fn(&T) -> P,
    provenance: JsonValue,
    out: W,
) -> std::io::Result<W> {
    let mut stream = FeatureStream::new(out)?;
    let mut kept = kept_outlines();
    for item in items {
        let cell = cell_of(item);
        stream.separate()?;
        let out = &mut stream.out;
        out.write_all(b"{\"type\":\"Feature\",\"id\":\"")?;
        out.write_all(CellHex::new(cell).as_str().as_bytes())?;
        out.write_all(b"\",\"geometry\":")?;
        out.write_all(outline(&mut kept, cell).json.as_bytes())?;
        out.write_all(b",\"properties\":")?;
        serde_json::to_writer(&mut *out, &properties(item)).map_err(std::io::Error::other)?;
        out.write_all(b"}")?;
    }
    drop(kept);
    stream.finish(|_| provenance)
}

/// A dissolved area as a GeoJSON MultiPolygon with RFC 7946 winding.
pub fn multipolygon_geometry(shape: &geo::MultiPolygon) -> Geometry {
    let coordinates = shape
        .0
        .iter()
        .map(|poly| {
            let mut rings = vec![positions(&ring(
                poly.exterior()
                    .0
                    .iter()
                    .map(|c| [round6(c.x), round6(c.y)])
                    .collect(),
                true,
            ))];
            rings.extend(poly.interiors().iter().map(|r| {
                positions(&ring(
                    r.0.iter().map(|c| [round6(c.x), round6(c.y)]).collect(),
                    false,
                ))
            }));
            rings
        })
        .collect();
    Geometry::new(geojson::GeometryValue::MultiPolygon { coordinates })
}

fn collection(features: Vec<Feature>, provenance: JsonValue) -> geojson::FeatureCollection {
    let mut members = JsonObject::new();
    members.insert("provenance".into(), provenance);
    geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: Some(members),
    }
}

fn feature(geometry: Geometry, id: String, properties: JsonObject) -> Feature {
    Feature {
        bbox: None,
        geometry: Some(geometry),
        id: Some(geojson::feature::Id::String(id)),
        properties: Some(properties),
        foreign_members: None,
    }
}

pub(crate) fn finite(v: f64) -> JsonValue {
    if v.is_finite() {
        serde_json::json!(v)
    } else {
        JsonValue::Null
    }
}

/// The properties of one feature of the cells layer (non-finite numbers are
/// written as `null`).
#[derive(serde::Serialize)]
struct CellProperties {
    h3: CellHex,
    count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<f64>,
    gi_z: f64,
    p: f64,
    bin: i8,
}

impl CellProperties {
    fn of(c: &CellResult, with_value: bool) -> Self {
        Self {
            h3: CellHex::new(c.cell),
            count: c.count,
            value: with_value.then_some(c.value),
            gi_z: c.gi_z,
            p: c.p,
            bin: c.bin,
        }
    }
}

fn object(properties: &impl serde::Serialize) -> JsonObject {
    match serde_json::to_value(properties) {
        Ok(JsonValue::Object(map)) => map,
        _ => JsonObject::new(),
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
fn cell_features<C>(
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

/// The cells layer as CSV (cell centre added for tools that want points).
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
        #[serde(serialize_with = "display")]
        value: f64,
        #[serde(serialize_with = "display")]
        gi_z: f64,
        #[serde(serialize_with = "display")]
        p: f64,
        bin: i8,
    }
    write_csv(
        out,
        cells.iter().map(|c| {
            let centre = h3o::LatLng::from(c.cell);
            Row {
                h3: u64::from(c.cell),
                lat: format!("{:.6}", centre.lat()),
                lng: format!("{:.6}", centre.lng()),
                count: c.count,
                value: c.value,
                gi_z: c.gi_z,
                p: c.p,
                bin: c.bin,
            }
        }),
    )
}

/// Writes rows under a header of their field names (written for no rows too:
/// the csv crate takes the header from the first row, so an empty answer
/// takes it from a default row's).
fn write_csv<R: serde::Serialize + Default>(
    mut out: impl Write,
    rows: impl Iterator<Item = R>,
) -> std::io::Result<()> {
    let mut rows = rows.peekable();
    if rows.peek().is_none() {
        let mut header = csv::Writer::from_writer(Vec::new());
        header
            .serialize(R::default())
            .map_err(std::io::Error::other)?;
        let bytes = header
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let end = bytes
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| i + 1);
        return out.write_all(&bytes[..end]);
    }
    let mut w = csv::Writer::from_writer(out);
    for row in rows {
        w.serialize(row).map_err(std::io::Error::other)?;
    }
    w.flush()
}

/// An H3 index as the CSVs write it: lowercase hex, as `CellIndex` displays.
#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with passes the field by reference"
)]
fn h3_hex<S: serde::Serializer>(cell: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{cell:x}"))
}

/// A CSV field written as the value displays (`0.5`, `1`, not `1.0`): the
/// cells' numbers as they always were, and H3 indexes in hex.
fn display<T: std::fmt::Display, S: serde::Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// `key:count;...`, the CSVs' form of a breakdown.
fn joined<'a>(items: impl IntoIterator<Item = (&'a str, u64)>) -> String {
    items
        .into_iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(";")
}

fn area_properties(a: &AreaResult) -> JsonObject {
    let area = &a.area;
    let mut p = JsonObject::new();
    p.insert("id".into(), area.id.clone().into());
    p.insert("bin".into(), area.bin.into());
    p.insert("cells".into(), area.cells.len().into());
    p.insert("count".into(), area.reports.reports.into());
    p.insert("max_gi_z".into(), finite(area.max_gi_z));
    p.insert("nearest_town".into(), a.nearest_town.clone().into());
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
        venues: String,
        top_indicators: String,
        first_seen: String,
        last_seen: String,
        robust: bool,
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
            venues: joined(a.area.venue_mix()),
            top_indicators: joined(a.area.top_indicators(3)),
            first_seen: day(a.area.reports.first),
            last_seen: day(a.area.reports.last),
            robust: a.robust,
        }),
    )
}

/// The properties of one feature of the emerging layer.
#[derive(serde::Serialize)]
struct EmergingProperties {
    h3: CellHex,
    count: u64,
    category: String,
    trend_z: f64,
    trend_p: f64,
}

impl EmergingProperties {
    fn of(c: &EmergingResult) -> Self {
        Self {
            h3: CellHex::new(c.cell),
            count: c.count,
            category: c.category.name(),
            trend_z: c.trend_z,
            trend_p: c.trend_p,
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
        "previous": row.previous,
        "year_before": row.year_before,
        "change": row.change,
        "p_change": finite(row.p_change),
        "p_year": finite(row.p_year),
        "breakdown": row.breakdown,
    })
}

/// Town trends as CSV (breakdowns as `key:count;...`).
///
/// # Errors
/// On write failure.
pub fn towns_csv(rows: &[TownRow], out: impl Write) -> std::io::Result<()> {
    /// One row of the towns CSV.
    #[derive(Default, serde::Serialize)]
    struct Row<'a> {
        town: &'a str,
        district: &'a str,
        district_name: &'a str,
        period: &'a str,
        count: u64,
        previous: u64,
        year_before: u64,
        change: i64,
        #[serde(serialize_with = "display")]
        p_change: f64,
        #[serde(serialize_with = "display")]
        p_year: f64,
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
            previous: r.previous,
            year_before: r.year_before,
            change: r.change,
            p_change: r.p_change,
            p_year: r.p_year,
            breakdown: joined(r.breakdown.iter().map(|(k, v)| (k.as_str(), *v))),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::emerging::{Category, Emerging};

    fn some_cells() -> Vec<CellIndex> {
        let london = h3o::LatLng::new(51.5074, -0.1278).expect("valid");
        (0..=15)
            .map(|res| london.to_cell(h3o::Resolution::try_from(res).expect("res")))
            .chain(h3o::CellIndex::base_cells())
            .collect()
    }

    /// The CSVs come from `Serialize` rows: numbers as they display (`1`,
    /// not `1.0`), cells in hex, and a header even when there are no rows.
    #[test]
    fn csv_rows_are_serialised_with_their_header_even_when_empty() {
        let mut empty = Vec::new();
        cells_csv(&[], &mut empty).expect("write");
        assert_eq!(
            String::from_utf8(empty).expect("utf-8"),
            "h3,lat,lng,count,value,gi_z,p,bin\n"
        );
        let mut empty = Vec::new();
        emerging_csv(&[], &mut empty).expect("write");
        assert_eq!(
            String::from_utf8(empty).expect("utf-8"),
            "h3,count,category,trend_z,trend_p,steps\n"
        );
        let cell = h3o::LatLng::new(52.666, 0.159)
            .expect("ll")
            .to_cell(h3o::Resolution::Eight);
        let row = crate::publish::layers::CellResult {
            cell,
            count: 3,
            value: 1.0,
            gi_z: 2.5,
            p: 0.0125,
            bin: 2,
        };
        let mut out = Vec::new();
        cells_csv(&[&row], &mut out).expect("write");
        let centre = h3o::LatLng::from(cell);
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            format!(
                "h3,lat,lng,count,value,gi_z,p,bin\n{cell},{:.6},{:.6},3,1,2.5,0.0125,2\n",
                centre.lat(),
                centre.lng()
            )
        );
    }

    #[test]
    fn cell_hex_is_the_display_form() {
        for cell in some_cells() {
            assert_eq!(CellHex::new(cell).as_str(), cell.to_string());
        }
    }

    /// Written and read back, as the streamed text is (serde_json's number
    /// parsing may miss the last digit, the same way for the same text).
    fn reparsed(collection: &geojson::FeatureCollection) -> JsonValue {
        serde_json::from_slice(&serde_json::to_vec(collection).unwrap()).unwrap()
    }

    /// Where two JSON documents first differ (a path), for a readable failure.
    fn difference(a: &JsonValue, b: &JsonValue, path: &str) -> Option<String> {
        match (a, b) {
            (JsonValue::Object(x), JsonValue::Object(y)) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => difference(u, v, &format!("{path}.{k}")),
                    (u, v) => Some(format!("{path}.{k}: {u:?} vs {v:?}")),
                })
            }
            (JsonValue::Array(x), JsonValue::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (u, v))| difference(u, v, &format!("{path}[{i}]"))),
            _ => (a != b).then(|| format!("{path}: {a} vs {b}")),
        }
    }

    /// The streamed layers are the very documents the `geojson` crate builds.
    #[test]
    fn streamed_cell_layers_equal_the_geojson_crate_documents() {
        let provenance = serde_json::json!({"layer": "test", "n": 3});
        let cells: Vec<CellResult> = some_cells()
            .into_iter()
            .enumerate()
            .map(|(i, cell)| CellResult {
                cell,
                count: i as u64,
                value: i as f64 * 0.5,
                gi_z: if i == 3 {
                    f64::NAN
                } else {
                    1.0 / (i as f64 + 1.0)
                },
                p: 0.01 * i as f64,
                bin: i8::try_from(i % 7).expect("small") - 3,
            })
            .collect();
        let refs: Vec<&CellResult> = cells.iter().collect();
        for with_value in [false, true] {
            let streamed =
                write_cells_geojson(&refs, with_value, provenance.clone(), Vec::new()).unwrap();
            let streamed: JsonValue = serde_json::from_slice(&streamed).unwrap();
            let typed = reparsed(&cells_geojson(&refs, with_value, provenance.clone()));
            assert_eq!(difference(&streamed, &typed, ""), None);
            assert_eq!(
                streamed["features"][3]["properties"]["gi_z"],
                JsonValue::Null
            );
            assert_eq!(
                streamed["features"][1]["properties"].get("value").is_some(),
                with_value
            );
            let parsed: geojson::FeatureCollection =
                serde_json::from_value(streamed).expect("GeoJSON");
            assert_eq!(parsed.features.len(), cells.len());
        }
        let emerging: Vec<EmergingResult> = some_cells()
            .into_iter()
            .zip(
                [
                    Emerging::Hot(Category::New),
                    Emerging::Cold(Category::Sporadic),
                    Emerging::None,
                ]
                .into_iter()
                .cycle(),
            )
            .map(|(cell, category)| EmergingResult {
                cell,
                count: 4,
                category,
                trend_z: -1.5,
                trend_p: f64::INFINITY,
                steps: 12,
            })
            .collect();
        let streamed = write_emerging_geojson(&emerging, provenance.clone(), Vec::new()).unwrap();
        let streamed: JsonValue = serde_json::from_slice(&streamed).unwrap();
        let typed = reparsed(&emerging_geojson(&emerging, provenance));
        assert_eq!(streamed, typed);
        assert_eq!(
            streamed["features"][1]["properties"]["category"],
            "sporadic_cold"
        );
    }
}
