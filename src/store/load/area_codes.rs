//! Towns and districts as ENUMs: `reports.town` and `reports.district` hold a
//! few hundred names each, so a load sends each report's as its position in
//! the column's ENUM type (a USMALLINT) and the insert statement maps it back
//! (`report_batch::enum_type`). As text, DuckDB converted, dictionary-compressed
//! and stored two strings a report (bench/README.md has what that cost).
//!
//! The names come from the gazetteer the program is built with, which a later
//! release may change, so the types are not fixed by a migration: before a
//! load, [`prepare`] makes each column an ENUM of its stored names and the
//! gazetteer's, sorted (so that ordering by the column is alphabetical, as it
//! was for text), rebuilding the type only when a name is missing. Queries read
//! the columns as text either way.

use std::collections::HashMap;

use duckdb::{params, Connection};

/// The ENUM types `prepare` makes of `reports.town` and `reports.district`.
pub(super) const TOWN_TYPE: &str = "town_t";
pub(super) const DISTRICT_TYPE: &str = "district_t";

/// The positions of one load's town and district names in their columns'
/// ENUM types (1-based), by each name's index in the lists given to [`prepare`].
pub(super) struct AreaCodes {
    towns: Vec<u16>,
    districts: Vec<u16>,
}

impl AreaCodes {
    /// The position of the `index`th town given to [`prepare`] in
    /// `reports.town`'s type.
    ///
    /// # Panics
    /// For an index past the names given: the ingest hands over the lists
    /// `geo::Localities` indexes, so this is a bug, and the load fails
    /// (nothing is stored) rather than dropping the town.
    pub(super) fn town(&self, index: u16) -> u16 {
        position(&self.towns, index, "town")
    }

    /// As [`AreaCodes::town`], for `reports.district`.
    pub(super) fn district(&self, index: u16) -> u16 {
        position(&self.districts, index, "district")
    }
}

fn position(positions: &[u16], index: u16, column: &str) -> u16 {
    *positions.get(usize::from(index)).unwrap_or_else(|| {
        panic!(
            "{column} {index} is past the {} names given to FileLoad::preparer",
            positions.len()
        )
    })
}

/// Makes `reports.town` and `reports.district` ENUMs that hold `towns` and
/// `districts` (and every name already stored), and answers the positions.
pub(super) fn prepare(
    conn: &Connection,
    towns: &[&str],
    districts: &[&str],
) -> duckdb::Result<AreaCodes> {
    Ok(AreaCodes {
        towns: ensure(conn, "town", TOWN_TYPE, towns)?,
        districts: ensure(conn, "district", DISTRICT_TYPE, districts)?,
    })
}

/// Each of the column's ENUM values with its 1-based position, or `None`
/// while the column is still text.
fn enum_positions(
    conn: &Connection,
    column: &str,
    ty: &str,
) -> duckdb::Result<Option<HashMap<String, u16>>> {
    // `pragma_table_info` lists one table's columns; `duckdb_columns()` binds
    // every table and system view the first time a process asks, on the way
    // to a load's first stored row (bench/README.md).
    let data_type: String = conn.query_row(
        "SELECT type FROM pragma_table_info('reports') WHERE name = ?",
        params![column],
        |r| r.get(0),
    )?;
    if !data_type.starts_with("ENUM") {
        return Ok(None);
    }
    // `ty` is one of our own type names, never input.
    let mut stmt = conn.prepare(&format!(
        "SELECT name, CAST(enum_code(CAST(name AS {ty})) AS UINTEGER) \
         FROM (SELECT unnest(enum_range(NULL::{ty})) AS name)"
    ))?;
    let positions = stmt
        .query_map([], |r| {
            let code: u32 = r.get(1)?;
            // Positions travel as USMALLINT: a type of more than 65,535
            // names (some thirty times the gazetteer's) fails the load.
            let position = u16::try_from(code + 1).map_err(|e| {
                duckdb::Error::FromSqlConversionFailure(1, duckdb::types::Type::UInt, Box::new(e))
            })?;
            Ok((r.get(0)?, position))
        })?
        .collect::<duckdb::Result<_>>()?;
    Ok(Some(positions))
}

fn ensure(conn: &Connection, column: &str, ty: &str, names: &[&str]) -> duckdb::Result<Vec<u16>> {
    let mut positions = enum_positions(conn, column, ty)?;
    let complete = positions
        .as_ref()
        .is_some_and(|positions| names.iter().all(|&name| positions.contains_key(name)));
    if !complete {
        // Our own column and type names; the names themselves are appended
        // as values, never written into the SQL.
        if positions.is_some() {
            conn.execute_batch(&format!(
                "ALTER TABLE reports ALTER {column} TYPE VARCHAR; DROP TYPE {ty};"
            ))?;
        }
        conn.execute_batch("CREATE TEMP TABLE area_names (name VARCHAR NOT NULL)")?;
        {
            let mut appender = conn.appender("area_names")?;
            for &name in names {
                appender.append_row(params![name])?;
            }
        }
        conn.execute_batch(&format!(
            "CREATE TYPE {ty} AS ENUM (SELECT name FROM (SELECT {column} AS name FROM reports \
             UNION SELECT name FROM area_names) WHERE name IS NOT NULL ORDER BY name); \
             DROP TABLE area_names; \
             ALTER TABLE reports ALTER {column} TYPE {ty};"
        ))?;
        positions = enum_positions(conn, column, ty)?;
    }
    let positions = positions.unwrap_or_default();
    Ok(names
        .iter()
        .map(|&name| {
            // The type was just made to hold every given name.
            *positions
                .get(name)
                .unwrap_or_else(|| panic!("{column} {name:?} is not in {ty} after it was made"))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use duckdb::params;

    use super::prepare;
    use crate::store::Store;

    fn add_report(store: &Store, id: &str, town: Option<&str>) {
        store
            .conn
            .execute(
                "INSERT INTO reports (source, report_id, content_hash, observed_on, venue_type, \
                 exploitation_type, indicator_mask, lat, lng, geocode_method, precision_m, \
                 run_id, line, town) VALUES ('test', ?, 0, DATE '2024-01-01', 'farm', 'labour', \
                 0, 52.4, 0.1, 'wgs84', 10, 1, 1, ?)",
                params![id, town],
            )
            .expect("insert");
    }

    fn type_values(store: &Store, ty: &str) -> Vec<String> {
        store.column(&format!("SELECT unnest(enum_range(NULL::{ty}))"), [])
    }

    fn towns_by_id(store: &Store) -> Vec<(String, Option<String>)> {
        let mut stmt = store
            .conn
            .prepare("SELECT report_id, CAST(town AS VARCHAR) FROM reports ORDER BY report_id")
            .expect("prepare");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    /// A database whose towns are text (every one before its first load
    /// here): its names and the given ones become one type, in order.
    #[test]
    fn stored_and_given_names_become_one_sorted_type() {
        let store = Store::open_in_memory().expect("open");
        add_report(&store, "a", Some("Zennor"));
        add_report(&store, "b", Some("Ely"));
        add_report(&store, "c", None);
        let codes =
            prepare(&store.conn, &["Wisbech", "Ely", "March"], &["E07000011"]).expect("prepare");
        assert_eq!(
            type_values(&store, "town_t"),
            ["Ely", "March", "Wisbech", "Zennor"]
        );
        assert_eq!(type_values(&store, "district_t"), ["E07000011"]);
        // Given as Wisbech, Ely, March: positions by the given order.
        assert_eq!([0, 1, 2].map(|i| codes.town(i)), [3, 1, 2]);
        assert_eq!(codes.district(0), 1);
        assert_eq!(
            towns_by_id(&store),
            [
                ("a".to_owned(), Some("Zennor".to_owned())),
                ("b".to_owned(), Some("Ely".to_owned())),
                ("c".to_owned(), None),
            ]
        );
        assert_eq!(
            store.column::<String>(
                "SELECT report_id FROM reports WHERE town IS NOT NULL ORDER BY town",
                []
            ),
            ["b", "a"],
            "alphabetical, as text was"
        );
    }

    /// A release with a new gazetteer: the type is rebuilt with the new name
    /// in its place, and the stored towns keep theirs.
    #[test]
    fn a_new_name_rebuilds_the_type_keeping_stored_ones() {
        let store = Store::open_in_memory().expect("open");
        prepare(&store.conn, &["Ely", "March"], &["E07000011"]).expect("first");
        add_report(&store, "a", Some("March"));
        add_report(&store, "b", Some("Ely"));
        let again = prepare(&store.conn, &["Ely", "March"], &["E07000011"]).expect("same names");
        assert_eq!(again.town(1), 2);
        let codes =
            prepare(&store.conn, &["Aldeburgh", "Ely", "March"], &["E07000011"]).expect("new name");
        assert_eq!(type_values(&store, "town_t"), ["Aldeburgh", "Ely", "March"]);
        assert_eq!([0, 1, 2].map(|i| codes.town(i)), [1, 2, 3]);
        assert_eq!(
            towns_by_id(&store),
            [
                ("a".to_owned(), Some("March".to_owned())),
                ("b".to_owned(), Some("Ely".to_owned())),
            ]
        );
    }

    /// Names with quotes and commas go in as values, never as SQL.
    #[test]
    fn any_name_is_a_value() {
        let store = Store::open_in_memory().expect("open");
        let names = [
            "King's Lynn",
            "Bishop's Stortford",
            "a, b",
            "'); DROP TABLE reports; --",
        ];
        let codes = prepare(&store.conn, &names, &["E1"]).expect("prepare");
        let mut sorted = names.map(str::to_owned).to_vec();
        sorted.sort();
        assert_eq!(type_values(&store, "town_t"), sorted);
        for (i, name) in (0..).zip(names) {
            let position = usize::from(codes.town(i));
            assert_eq!(sorted[position - 1], name);
        }
    }

    /// Positions travel as USMALLINT: a type too long for them is an error,
    /// never a wrong town.
    #[test]
    fn more_names_than_positions_is_an_error() {
        let store = Store::open_in_memory().expect("open");
        let names: Vec<&'static str> = (0..=u32::from(u16::MAX))
            .map(|i| &*format!("town {i:05}").leak())
            .collect();
        assert!(prepare(&store.conn, &names[..usize::from(u16::MAX)], &["E1"]).is_ok());
        assert!(prepare(&store.conn, &names, &["E1"]).is_err());
    }

    #[test]
    #[should_panic(expected = "past the 1 names given")]
    fn an_index_past_the_names_given_is_a_bug_not_a_null() {
        let store = Store::open_in_memory().expect("open");
        let codes = prepare(&store.conn, &["Ely"], &["E1"]).expect("prepare");
        codes.town(1);
    }
}
