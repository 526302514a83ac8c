//! GeoPackage 1.4 (OGC 12-128r19): one feature table named after the layer,
//! geometries in EPSG:4326 with longitude as x (as GeoPackage and RFC 7946
//! both mean it), its R-tree spatial index (`gpkg_rtree_index`), and the
//! answer's provenance in `gpkg_metadata`, referenced from the table.
//!
//! SQLite writes the file in memory and hands back its bytes, so nothing
//! touches the disk here.

use std::fmt::Write as _;

use rusqlite::{params, Connection};

use super::table::{self, Cell, ColumnType};
use crate::publish::features::FeatureSet;

#[derive(Debug, thiserror::Error)]
#[error("writing GeoPackage: {0}")]
pub struct GeoPackageError(#[from] rusqlite::Error);

/// 'GPKG' as the file's application id, and version 1.4.0.
const APPLICATION_ID: i32 = 0x4750_4B47;
const USER_VERSION: i32 = 10_400;
const SRS_ID: i32 = 4326;

/// The file's bytes: the answer in `set` as the feature table `name`.
///
/// # Errors
/// When SQLite refuses (a bug: every value is bound as a parameter).
pub fn write_geopackage(
    set: &FeatureSet,
    name: &str,
    description: &str,
) -> Result<Vec<u8>, GeoPackageError> {
    let mut db = Connection::open_in_memory()?;
    db.pragma_update(None, "application_id", APPLICATION_ID)?;
    db.pragma_update(None, "user_version", USER_VERSION)?;
    db.execute_batch(CORE_TABLES)?;
    let columns: Vec<table::Column> = table::columns(set)
        .into_iter()
        .filter(|c| !c.name.eq_ignore_ascii_case("fid") && !c.name.eq_ignore_ascii_case("geom"))
        .collect();
    let geometry_type = {
        let mut kinds: Vec<&str> = (0..set.len())
            .filter_map(|i| set.geometry(i).map(table::geometry_type))
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        match kinds.as_slice() {
            [one] => one.to_ascii_uppercase(),
            _ => "GEOMETRY".to_owned(),
        }
    };
    let extent = table::extent(set, 0..set.len());
    let now = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();

    let tx = db.transaction()?;
    let mut ddl = format!(
        "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom {geometry_type}",
        quoted(name)
    );
    for c in &columns {
        let _ = write!(ddl, ", {} {}", quoted(&c.name), sql_type(c.kind));
    }
    ddl.push(')');
    tx.execute_batch(&ddl)?;
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, min_x, min_y, max_x, max_y, srs_id)
         VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            name,
            description,
            now,
            extent.map(|e| e[0]),
            extent.map(|e| e[1]),
            extent.map(|e| e[2]),
            extent.map(|e| e[3]),
            SRS_ID
        ],
    )?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
         VALUES (?1, 'geom', ?2, ?3, 0, 0)",
        params![name, geometry_type, SRS_ID],
    )?;

    let rtree = format!("rtree_{name}_geom");
    tx.execute_batch(&format!(
        "CREATE VIRTUAL TABLE {} USING rtree(id, minx, maxx, miny, maxy)",
        quoted(&rtree)
    ))?;
    tx.execute(
        "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
         VALUES (?1, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        params![name],
    )?;
    {
        let placeholders = (0..columns.len()).fold(String::new(), |mut out, i| {
            let _ = write!(out, ", ?{}", i + 2);
            out
        });
        let names = columns.iter().fold(String::new(), |mut out, c| {
            let _ = write!(out, ", {}", quoted(&c.name));
            out
        });
        let mut insert = tx.prepare(&format!(
            "INSERT INTO {} (geom{names}) VALUES (?1{placeholders})",
            quoted(name)
        ))?;
        let mut index = tx.prepare(&format!(
            "INSERT INTO {} (id, minx, maxx, miny, maxy) VALUES (?1, ?2, ?3, ?4, ?5)",
            quoted(&rtree)
        ))?;
        for row in 0..set.len() {
            let geometry = set.geometry(row);
            let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(columns.len() + 1);
            values.push(geometry.map_or(rusqlite::types::Value::Null, |g| {
                rusqlite::types::Value::Blob(geometry_blob(g))
            }));
            let properties = table::properties(set, row);
            for c in &columns {
                values.push(
                    match table::cell(properties.and_then(|p| p.get(&c.name)), c.kind) {
                        None => rusqlite::types::Value::Null,
                        Some(Cell::Boolean(b)) => rusqlite::types::Value::Integer(i64::from(b)),
                        Some(Cell::Integer(i)) => rusqlite::types::Value::Integer(i),
                        Some(Cell::Real(x)) => rusqlite::types::Value::Real(x),
                        Some(Cell::Text(s)) => rusqlite::types::Value::Text(s),
                    },
                );
            }
            insert.execute(rusqlite::params_from_iter(values))?;
            if let Some(b) = geometry.and_then(table::bounds) {
                index.execute(params![tx.last_insert_rowid(), b[0], b[2], b[1], b[3]])?;
            }
        }
    }

    // After the rows: the triggers call functions only GeoPackage readers define.
    tx.execute_batch(&rtree_triggers(name))?;

    // The provenance block, as the GeoJSON answer carries it.
    // Objects and lists are JSON text: say so (the schema extension's
    // `gpkg_data_columns`), so GDAL and QGIS read them as JSON.
    let json_columns: Vec<&str> = columns
        .iter()
        .filter(|c| c.kind == ColumnType::Json)
        .map(|c| c.name.as_str())
        .collect();
    if !json_columns.is_empty() {
        tx.execute_batch(DATA_COLUMNS_TABLE)?;
        for column in json_columns {
            tx.execute(
                "INSERT INTO gpkg_data_columns (table_name, column_name, name, mime_type) VALUES (?1, ?2, ?2, 'application/json')",
                params![name, column],
            )?;
        }
    }
    tx.execute_batch(METADATA_TABLES)?;
    tx.execute(
        "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata)
         VALUES ('dataset', 'https://github.com/hotspots/provenance', 'application/json', ?1)",
        params![set.provenance().to_string()],
    )?;
    let metadata_id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, timestamp, md_file_id)
         VALUES ('table', ?1, ?2, ?3)",
        params![name, now, metadata_id],
    )?;
    tx.commit()?;
    let bytes = db.serialize("main")?.to_vec();
    Ok(bytes)
}

fn sql_type(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Boolean => "BOOLEAN",
        ColumnType::Integer => "INTEGER",
        ColumnType::Real => "REAL",
        ColumnType::Text | ColumnType::Json => "TEXT",
    }
}

/// An SQL identifier in double quotes. Names come from the layer's own
/// properties (never from a request), quoted all the same.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A GeoPackage geometry: the `GP` header (version 0, little-endian, an
/// envelope of minx, maxx, miny, maxy except for points), the SRS id, then WKB.
fn geometry_blob(geometry: &geo::Geometry) -> Vec<u8> {
    let envelope = match geometry {
        geo::Geometry::Point(_) => None,
        other => table::bounds(other),
    };
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"GP");
    out.push(0);
    // Flags: bit 0 little-endian; bits 1-3 envelope kind (1: xy).
    out.push(if envelope.is_some() {
        0b0000_0011
    } else {
        0b0000_0001
    });
    out.extend_from_slice(&SRS_ID.to_le_bytes());
    if let Some([west, south, east, north]) = envelope {
        for v in [west, east, south, north] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out.extend_from_slice(&table::wkb(geometry));
    out
}

/// The tables every GeoPackage has, with the three spatial reference systems
/// the standard requires.
const CORE_TABLES: &str = r#"
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
INSERT INTO gpkg_spatial_ref_sys VALUES
 ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
 ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
 ('WGS 84 geodetic', 4326, 'EPSG', 4326,
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
  'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
  definition TEXT NOT NULL, scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
"#;

/// The schema extension's column descriptions and its registration.
const DATA_COLUMNS_TABLE: &str = r"
CREATE TABLE gpkg_data_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT,
  description TEXT, mime_type TEXT, constraint_name TEXT,
  CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
  CONSTRAINT gdc_tn UNIQUE (table_name, name));
INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES
 ('gpkg_data_columns', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write');
";

/// The metadata extension's tables and their registration.
const METADATA_TABLES: &str = r"
CREATE TABLE gpkg_metadata (
  id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL, md_scope TEXT NOT NULL DEFAULT 'dataset',
  md_standard_uri TEXT NOT NULL, mime_type TEXT NOT NULL DEFAULT 'text/xml',
  metadata TEXT NOT NULL DEFAULT '');
CREATE TABLE gpkg_metadata_reference (
  reference_scope TEXT NOT NULL, table_name TEXT, column_name TEXT, row_id_value INTEGER,
  timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  md_file_id INTEGER NOT NULL, md_parent_id INTEGER,
  CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));
INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES
 ('gpkg_metadata', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec120/#extension_metadata', 'read-write'),
 ('gpkg_metadata_reference', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec120/#extension_metadata', 'read-write');
";

/// The standard's triggers that keep the R-tree in step when a user edits
/// the table in QGIS (the functions are the ones GeoPackage readers provide).
fn rtree_triggers(name: &str) -> String {
    let t = quoted(name);
    let r = quoted(&format!("rtree_{name}_geom"));
    let trigger = |suffix: &str| quoted(&format!("rtree_{name}_geom_{suffix}"));
    format!(
        "CREATE TRIGGER {insert} AFTER INSERT ON {t} WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
         BEGIN INSERT OR REPLACE INTO {r} VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
         CREATE TRIGGER {update} AFTER UPDATE OF geom ON {t} WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
         BEGIN INSERT OR REPLACE INTO {r} VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
         CREATE TRIGGER {update2} AFTER UPDATE OF geom ON {t} WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
         BEGIN DELETE FROM {r} WHERE id = OLD.fid; END;
         CREATE TRIGGER {delete} AFTER DELETE ON {t} WHEN old.geom NOT NULL
         BEGIN DELETE FROM {r} WHERE id = OLD.fid; END;",
        insert = trigger("insert"),
        update = trigger("update1"),
        update2 = trigger("update2"),
        delete = trigger("delete"),
    )
}
