//! A GeoJSON answer as a table: one typed column per property, for the
//! tabular formats (GeoPackage, GeoParquet). The answer is the authority (it
//! already went through the role policy); the table only re-lays it out.

use serde_json::{Map, Value};

use crate::publish::features::FeatureSet;

/// A column's type, inferred from every feature's value of the property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ColumnType {
    Boolean,
    Integer,
    Real,
    Text,
    /// Objects, lists and properties of mixed types: their JSON text.
    Json,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Column {
    pub name: String,
    pub kind: ColumnType,
}

fn kind_of(value: &Value) -> Option<ColumnType> {
    match value {
        Value::Null => None,
        Value::Bool(_) => Some(ColumnType::Boolean),
        Value::Number(n) if n.is_i64() => Some(ColumnType::Integer),
        Value::Number(_) => Some(ColumnType::Real),
        Value::String(_) => Some(ColumnType::Text),
        Value::Array(_) | Value::Object(_) => Some(ColumnType::Json),
    }
}

fn merge(a: ColumnType, b: ColumnType) -> ColumnType {
    use ColumnType::{Integer, Json, Real};
    match (a, b) {
        _ if a == b => a,
        (Integer, Real) | (Real, Integer) => Real,
        _ => Json,
    }
}

/// The answer's properties in the order they first appear; a property that is
/// null in every feature is text.
pub(crate) fn columns(set: &FeatureSet) -> Vec<Column> {
    let mut out: Vec<(String, Option<ColumnType>)> = Vec::new();
    for index in 0..set.len() {
        let Some(properties) = properties(set, index) else {
            continue;
        };
        for (name, value) in properties {
            let kind = kind_of(value);
            match out.iter_mut().find(|(n, _)| n == name) {
                Some((_, seen)) => {
                    *seen = match (*seen, kind) {
                        (Some(a), Some(b)) => Some(merge(a, b)),
                        (a, b) => a.or(b),
                    }
                }
                None => out.push((name.clone(), kind)),
            }
        }
    }
    out.into_iter()
        .map(|(name, kind)| Column {
            name,
            kind: kind.unwrap_or(ColumnType::Text),
        })
        .collect()
}

pub(crate) fn properties(set: &FeatureSet, index: usize) -> Option<&Map<String, Value>> {
    set.feature(index).get("properties")?.as_object()
}

/// A property's value as its column stores it (`None` for null or missing).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    Boolean(bool),
    Integer(i64),
    Real(f64),
    Text(String),
}

pub(crate) fn cell(value: Option<&Value>, kind: ColumnType) -> Option<Cell> {
    let value = value?;
    match (kind, value) {
        (_, Value::Null) => None,
        (ColumnType::Boolean, Value::Bool(b)) => Some(Cell::Boolean(*b)),
        (ColumnType::Integer, Value::Number(n)) => n.as_i64().map(Cell::Integer),
        (ColumnType::Real, Value::Number(n)) => n.as_f64().map(Cell::Real),
        (ColumnType::Text | ColumnType::Json, Value::String(s)) => Some(Cell::Text(s.clone())),
        (_, other) => Some(Cell::Text(other.to_string())),
    }
}

/// The GeoJSON type name of a geometry (GeoParquet's `geometry_types`).
pub(crate) fn geometry_type(geometry: &geo::Geometry) -> &'static str {
    match geometry {
        geo::Geometry::Point(_) => "Point",
        geo::Geometry::Line(_) | geo::Geometry::LineString(_) => "LineString",
        geo::Geometry::Polygon(_) | geo::Geometry::Rect(_) | geo::Geometry::Triangle(_) => {
            "Polygon"
        }
        geo::Geometry::MultiPoint(_) => "MultiPoint",
        geo::Geometry::MultiLineString(_) => "MultiLineString",
        geo::Geometry::MultiPolygon(_) => "MultiPolygon",
        geo::Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

/// A geometry as little-endian ISO WKB.
pub(crate) fn wkb(geometry: &geo::Geometry) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and every geo geometry has a WKB form.
    let _ = wkb::writer::write_geometry(
        &mut out,
        geometry,
        &wkb::writer::WriteOptions {
            endianness: wkb::Endianness::LittleEndian,
        },
    );
    out
}

/// West, south, east, north of a geometry (`None` when it is empty).
pub(crate) fn bounds(geometry: &geo::Geometry) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    let rect = geometry.bounding_rect()?;
    Some([rect.min().x, rect.min().y, rect.max().x, rect.max().y])
}

/// The union of `bounds` over the geometries of the features at `rows`.
pub(crate) fn extent(set: &FeatureSet, rows: impl IntoIterator<Item = usize>) -> Option<[f64; 4]> {
    rows.into_iter()
        .filter_map(|i| set.geometry(i).and_then(bounds))
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
}
