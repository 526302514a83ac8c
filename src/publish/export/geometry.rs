//! Cell outlines (memoised, rounded to 6 decimals, wound as RFC 7946 asks),
//! features and collections, and the streaming writer of cell features.

use std::collections::HashMap;
use std::io::Write;

use geojson::{Feature, Geometry, JsonObject, JsonValue};
use h3o::CellIndex;

pub(super) fn cell_hex(cell: Option<u64>) -> String {
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

/// A ring as RFC 7946 wants it: closed, exterior counter-clockwise (holes clockwise).
/// Closes a ring and orients it as RFC 7946 asks: exterior rings
/// counter-clockwise, holes clockwise.
pub(super) fn ring(mut points: Vec<[f64; 2]>, exterior: bool) -> Vec<[f64; 2]> {
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
pub(super) fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

pub(super) fn positions(ring: &[[f64; 2]]) -> Vec<geojson::Position> {
    ring.iter().map(|&p| geojson::Position::from(p)).collect()
}

/// Cell outlines already computed (closed, counter-clockwise, rounded), as
/// points and as GeoJSON text, because computing one costs more than writing
/// it: a layer of 20k cells spent ~25 ms on `CellIndex::boundary` alone, and
/// ~45 ms more building and serialising `geojson::Feature`s. Layers draw the
/// same study-area cells again and again; the bound keeps memory flat (~400
/// bytes a cell).
pub(super) static OUTLINES: std::sync::LazyLock<std::sync::Mutex<Outlines>> =
    std::sync::LazyLock::new(Default::default);
pub(super) type Outlines = HashMap<CellIndex, Outline>;
pub(super) const OUTLINES_KEPT: usize = 250_000;

pub(super) struct Outline {
    ring: Box<[[f64; 2]]>,
    /// The ring as a GeoJSON Polygon, serialised by the `geojson` crate.
    json: Box<str>,
}

impl Outline {
    pub(super) fn of(cell: CellIndex) -> Self {
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

pub(super) fn polygon(ring: &[[f64; 2]]) -> Geometry {
    Geometry::new(geojson::GeometryValue::Polygon {
        coordinates: vec![positions(ring)],
    })
}

pub(super) fn kept_outlines() -> std::sync::MutexGuard<'static, Outlines> {
    OUTLINES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(super) fn outline(kept: &mut Outlines, cell: CellIndex) -> &Outline {
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
pub(super) struct FeatureStream<W: Write> {
    out: W,
    count: u64,
}

impl<W: Write> FeatureStream<W> {
    pub(super) fn new(mut out: W) -> std::io::Result<Self> {
        out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
        Ok(Self { out, count: 0 })
    }

    pub(super) fn write(&mut self, feature: &impl serde::Serialize) -> std::io::Result<()> {
        self.separate()?;
        serde_json::to_writer(&mut self.out, feature).map_err(std::io::Error::other)
    }

    /// Writes the comma before every feature but the first.
    pub(super) fn separate(&mut self) -> std::io::Result<()> {
        if self.count > 0 {
            self.out.write_all(b",\n")?;
        }
        self.count += 1;
        Ok(())
    }

    pub(super) fn finish(
        mut self,
        provenance: impl FnOnce(u64) -> JsonValue,
    ) -> std::io::Result<W> {
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
pub(super) fn write_cell_features<T, P: serde::Serialize, W: Write>(
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

pub(super) fn collection(
    features: Vec<Feature>,
    provenance: JsonValue,
) -> geojson::FeatureCollection {
    let mut members = JsonObject::new();
    members.insert("provenance".into(), provenance);
    geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: Some(members),
    }
}

pub(super) fn feature(geometry: Geometry, id: String, properties: JsonObject) -> Feature {
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

pub(super) fn object(properties: &impl serde::Serialize) -> JsonObject {
    match serde_json::to_value(properties) {
        Ok(JsonValue::Object(map)) => map,
        _ => JsonObject::new(),
    }
}
