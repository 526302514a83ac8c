//! GeoParquet 1.1: the answer's properties as typed columns, the geometry as
//! WKB (`geometry`, longitude/latitude, OGC:CRS84 as RFC 7946 means it), a
//! `bbox` covering column of four doubles that readers prune row groups with,
//! the `geo` metadata key, and the answer's provenance in the key-value
//! metadata (`hotspots:provenance`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, Field, Fields, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use serde_json::{json, Value};

use super::table::{self, Cell, Column, ColumnType};
use crate::publish::features::FeatureSet;

/// Rows per row group: small enough that the `bbox` statistics prune.
const ROW_GROUP_ROWS: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ParquetError {
    #[error("writing GeoParquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("writing GeoParquet: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    #[error("--partition: {0}")]
    Partition(String),
}

/// Writes the features at `rows` of `set` (all of them when `None`) as one
/// GeoParquet file, leaving out the columns named in `omit` (a partitioned
/// dataset's keys, which live in its folder names).
///
/// # Errors
/// When Arrow or Parquet refuse the data, or the output fails.
pub fn write_geoparquet(
    set: &FeatureSet,
    rows: Option<&[usize]>,
    omit: &[&str],
    out: impl Write + Send,
) -> Result<(), ParquetError> {
    let all: Vec<usize>;
    let rows = if let Some(rows) = rows {
        rows
    } else {
        all = (0..set.len()).collect();
        &all
    };
    let columns: Vec<Column> = table::columns(set)
        .into_iter()
        .filter(|c| !omit.contains(&c.name.as_str()) && c.name != "geometry" && c.name != "bbox")
        .collect();
    let mut fields: Vec<Field> = columns
        .iter()
        .map(|c| Field::new(&c.name, data_type(c.kind), true))
        .collect();
    let mut arrays: Vec<ArrayRef> = columns
        .iter()
        .map(|c| property_array(set, rows, c))
        .collect();

    let mut geometry = BinaryBuilder::new();
    let (mut xmin, mut ymin, mut xmax, mut ymax) = (
        Float64Builder::new(),
        Float64Builder::new(),
        Float64Builder::new(),
        Float64Builder::new(),
    );
    let mut present = Vec::with_capacity(rows.len());
    let mut types = std::collections::BTreeSet::new();
    for &row in rows {
        let g = set.geometry(row);
        match g {
            Some(g) => {
                geometry.append_value(table::wkb(g));
                types.insert(table::geometry_type(g));
            }
            None => geometry.append_null(),
        }
        let b = g.and_then(table::bounds);
        present.push(b.is_some());
        for (builder, i) in [
            (&mut xmin, 0),
            (&mut ymin, 1),
            (&mut xmax, 2),
            (&mut ymax, 3),
        ] {
            builder.append_option(b.map(|b| b[i]));
        }
    }
    fields.push(Field::new("geometry", DataType::Binary, true));
    arrays.push(Arc::new(geometry.finish()));
    let bbox_fields = Fields::from(
        ["xmin", "ymin", "xmax", "ymax"]
            .map(|n| Field::new(n, DataType::Float64, true))
            .to_vec(),
    );
    let bbox = StructArray::try_new(
        bbox_fields.clone(),
        vec![
            Arc::new(xmin.finish()),
            Arc::new(ymin.finish()),
            Arc::new(xmax.finish()),
            Arc::new(ymax.finish()),
        ],
        Some(present.into()),
    )?;
    fields.push(Field::new("bbox", DataType::Struct(bbox_fields), true));
    arrays.push(Arc::new(bbox));

    let extent = table::extent(set, rows.iter().copied());
    let mut column_meta = json!({
        "encoding": "WKB",
        "geometry_types": types.into_iter().collect::<Vec<_>>(),
        // Omitted `crs` means OGC:CRS84: longitude, latitude on WGS84 (RFC 7946).
        "edges": "planar",
        "covering": {"bbox": {
            "xmin": ["bbox", "xmin"], "ymin": ["bbox", "ymin"],
            "xmax": ["bbox", "xmax"], "ymax": ["bbox", "ymax"],
        }},
    });
    if let Some(extent) = extent {
        column_meta["bbox"] = json!(extent);
    }
    let geo = json!({
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {"geometry": column_meta},
    });

    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(Arc::clone(&schema), arrays)?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_key_value_metadata(Some(vec![
            KeyValue::new("geo".to_owned(), geo.to_string()),
            KeyValue::new(
                "hotspots:provenance".to_owned(),
                set.provenance().to_string(),
            ),
        ]))
        .build();
    let mut writer = ArrowWriter::try_new(out, schema, Some(properties))?;
    writer.write(&batch)?;
    writer.close()?;
    Ok(())
}

fn data_type(kind: ColumnType) -> DataType {
    match kind {
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Integer => DataType::Int64,
        ColumnType::Real => DataType::Float64,
        ColumnType::Text | ColumnType::Json => DataType::Utf8,
    }
}

fn property_array(set: &FeatureSet, rows: &[usize], column: &Column) -> ArrayRef {
    let values = rows.iter().map(|&r| {
        table::cell(
            table::properties(set, r).and_then(|p| p.get(&column.name)),
            column.kind,
        )
    });
    match column.kind {
        ColumnType::Boolean => {
            let mut b = BooleanBuilder::new();
            for v in values {
                b.append_option(match v {
                    Some(Cell::Boolean(x)) => Some(x),
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }
        ColumnType::Integer => {
            let mut b = Int64Builder::new();
            for v in values {
                b.append_option(match v {
                    Some(Cell::Integer(x)) => Some(x),
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }
        ColumnType::Real => {
            let mut b = Float64Builder::new();
            for v in values {
                b.append_option(match v {
                    Some(Cell::Real(x)) => Some(x),
                    #[allow(clippy::cast_precision_loss)]
                    Some(Cell::Integer(x)) => Some(x as f64),
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }
        ColumnType::Text | ColumnType::Json => {
            let mut b = StringBuilder::new();
            for v in values {
                match v {
                    Some(Cell::Text(s)) => b.append_value(s),
                    Some(Cell::Boolean(x)) => b.append_value(x.to_string()),
                    Some(Cell::Integer(x)) => b.append_value(x.to_string()),
                    Some(Cell::Real(x)) => b.append_value(x.to_string()),
                    None => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
    }
}

/// A Hive-partitioned dataset: one file per combination of the partition
/// keys' values, at `key=value/key=value/part-0.parquet`, the keys left out of
/// the files (readers take them from the path). Returns each file's relative
/// path and bytes; the caller writes them.
///
/// Keys are properties of the answer, or derived from it: `year` (of
/// `observed_on`, else `period_start`) and `h3_rN` (the parent at resolution N
/// of the feature's finest H3 cell property).
///
/// # Errors
/// An unknown key (named), or writing a file failing.
pub fn partitioned_geoparquet(
    set: &FeatureSet,
    keys: &[String],
) -> Result<Vec<(String, Vec<u8>)>, ParquetError> {
    if keys.is_empty() {
        return Err(ParquetError::Partition("give at least one key".into()));
    }
    let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for row in 0..set.len() {
        let properties = table::properties(set, row);
        let values = keys
            .iter()
            .map(|key| partition_value(properties, key))
            .collect::<Result<Vec<_>, _>>()?;
        groups.entry(values).or_default().push(row);
    }
    let omit: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut files = Vec::with_capacity(groups.len());
    for (values, rows) in groups {
        let dir: Vec<String> = keys
            .iter()
            .zip(&values)
            .map(|(k, v)| format!("{k}={}", hive_escape(v)))
            .collect();
        let mut bytes = Vec::new();
        write_geoparquet(set, Some(&rows), &omit, &mut bytes)?;
        files.push((format!("{}/part-0.parquet", dir.join("/")), bytes));
    }
    Ok(files)
}

/// Hive's name for a missing value.
const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

fn partition_value(
    properties: Option<&serde_json::Map<String, Value>>,
    key: &str,
) -> Result<String, ParquetError> {
    let get = |name: &str| {
        properties
            .and_then(|p| p.get(name))
            .filter(|v| !v.is_null())
    };
    if let Some(value) = get(key) {
        return Ok(match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    if key == "year" {
        let date = get("observed_on").or_else(|| get("period_start"));
        return Ok(date
            .and_then(Value::as_str)
            .and_then(|d| d.get(..4))
            .unwrap_or(HIVE_NULL)
            .to_owned());
    }
    if let Some(res) = key.strip_prefix("h3_r") {
        let res = res
            .parse::<u8>()
            .ok()
            .and_then(|r| h3o::Resolution::try_from(r).ok())
            .ok_or_else(|| ParquetError::Partition(format!("{key:?} is not an H3 resolution")))?;
        // The finest cell the feature has, as a parent at `res`.
        let finest = properties
            .into_iter()
            .flatten()
            .filter(|(name, _)| *name == "h3" || name.starts_with("h3_r"))
            .filter_map(|(_, v)| v.as_str()?.parse::<h3o::CellIndex>().ok())
            .max_by_key(|c| c.resolution());
        return Ok(finest
            .and_then(|c| c.parent(res))
            .map_or_else(|| HIVE_NULL.to_owned(), |c| c.to_string()));
    }
    Err(ParquetError::Partition(format!(
        "{key:?} is not a property of this layer (nor year or h3_r0..h3_r15)"
    )))
}

/// Keeps folder names safe: `/`, `=`, `%` and control characters percent-encoded,
/// as Hive does.
fn hive_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c == '/' || c == '=' || c == '%' || c == '\\' || c.is_control() || c == ':' {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        } else {
            out.push(c);
        }
    }
    if out.is_empty() {
        HIVE_NULL.to_owned()
    } else {
        out
    }
}
