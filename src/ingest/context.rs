//! Context beside the reports: data.police.uk street-level crime CSVs
//! (`hotspots context import police-uk`). Recorded crime is what analysts add
//! by hand to every hot-spot map; it is stored in its own table, counted in
//! its own layer, and never mixed with reports.
//!
//! A police.uk file is one force's month. Rows without coordinates (police.uk
//! publishes some crimes with no location) and rows outside the UK are
//! rejected with their line, field and reason, as every ingest does. A
//! (force, month) already stored is left alone unless the import is forced,
//! which replaces it whole: importing a month twice never counts it twice.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::header::POLICE_UK_STREET_COLUMNS;
use super::pipeline::{
    default_rejects_path, write_rejects_csv, FileSummary, Input, LoadOptions, PipelineError,
};
use super::register::read_input;
use super::IngestError;
use crate::geo::{cells_for, Gazetteer};
use crate::model::RowReject;
use crate::store::{NewContextCrime, ReadAs, RunFile, Store};

/// How precisely police.uk places a crime: on an anonymous map point near
/// the street or venue (its published guidance), so the finest cell is res 9.
pub const POLICE_UK_PRECISION_M: f64 = 100.0;

/// Reads one police.uk street-level CSV into rows and rejects.
///
/// # Errors
/// When the file is not a police.uk street CSV at all (its header names the
/// missing column) or cannot be read.
pub fn read_police_uk(
    bytes: &[u8],
    file: &str,
) -> Result<(Vec<NewContextCrime>, Vec<RowReject>), IngestError> {
    let malformed = |line: u64, message: String| IngestError::Malformed {
        file: file.to_owned(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes));
    let headers = reader
        .headers()
        .map_err(|e| malformed(1, e.to_string()))?
        .clone();
    let position = |name: &str| headers.iter().position(|h| h.trim() == name);
    for name in POLICE_UK_STREET_COLUMNS {
        if position(name).is_none() {
            return Err(malformed(
                1,
                format!("no {name:?} column: not a data.police.uk street-level CSV"),
            ));
        }
    }
    let column = |name: &str| position(name);
    let (month_at, force_at, lng_at, lat_at, type_at) = (
        column("Month"),
        column("Falls within"),
        column("Longitude"),
        column("Latitude"),
        column("Crime type"),
    );
    let (id_at, location_at, lsoa_at, outcome_at) = (
        column("Crime ID"),
        column("Location"),
        column("LSOA code"),
        column("Last outcome category"),
    );
    let gazetteer = Gazetteer::embedded();
    let mut rows = Vec::new();
    let mut rejects = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                rejects.push(RowReject {
                    line,
                    field: "row".into(),
                    reason: format!("not a CSV record: {e}"),
                    raw: String::new(),
                });
                continue;
            }
        }
        let get = |at: Option<usize>| {
            at.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let reject = |field: &str, reason: String| RowReject {
            line,
            field: field.to_owned(),
            reason,
            raw: crate::ingest::truncate_raw(record.iter().collect::<Vec<_>>().join(",")),
        };
        match parse_row(
            &get,
            [month_at, force_at, lng_at, lat_at, type_at],
            gazetteer,
        ) {
            Ok(mut row) => {
                row.crime_id = get(id_at).map(str::to_owned);
                row.location = get(location_at).map(str::to_owned);
                row.lsoa_code = get(lsoa_at).map(str::to_owned);
                row.outcome = get(outcome_at).map(str::to_owned);
                row.line = line;
                rows.push(row);
            }
            Err((field, reason)) => rejects.push(reject(field, reason)),
        }
    }
    Ok((rows, rejects))
}

fn parse_row<'r>(
    get: &impl Fn(Option<usize>) -> Option<&'r str>,
    [month_at, force_at, lng_at, lat_at, type_at]: [Option<usize>; 5],
    gazetteer: &Gazetteer,
) -> Result<NewContextCrime, (&'static str, String)> {
    let month = get(month_at).ok_or(("Month", "empty".to_owned()))?;
    let not_a_month = || ("Month", format!("{month:?} is not a month (YYYY-MM)"));
    if month.len() != 7 || month.as_bytes()[4] != b'-' {
        return Err(not_a_month());
    }
    let month = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2099).contains(&chrono::Datelike::year(d)))
        .ok_or_else(not_a_month)?;
    let force = get(force_at).ok_or(("Falls within", "empty".to_owned()))?;
    let (Some(lng), Some(lat)) = (get(lng_at), get(lat_at)) else {
        return Err((
            "Longitude",
            "no coordinates (police.uk publishes some crimes without a location)".to_owned(),
        ));
    };
    let number = |field: &'static str, text: &str| {
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or((field, format!("{text:?} is not a number")))
    };
    let (lng, lat) = (number("Longitude", lng)?, number("Latitude", lat)?);
    if !gazetteer.in_uk(lat, lng) {
        return Err(("Longitude", format!("{lat}, {lng} is outside the UK")));
    }
    let crime_type = get(type_at).ok_or(("Crime type", "empty".to_owned()))?;
    let point = h3o::LatLng::new(lat, lng).map_err(|e| ("Latitude", e.to_string()))?;
    let cells = cells_for(point, POLICE_UK_PRECISION_M);
    Ok(NewContextCrime {
        source: "police-uk".to_owned(),
        force: force.to_owned(),
        month,
        crime_id: None,
        crime_type: crime_type.to_owned(),
        lat,
        lng,
        location: None,
        lsoa_code: None,
        outcome: None,
        cells: cells.0.map(|c| c.map(u64::from)),
        line: 0,
    })
}

/// Imports one police.uk file: its rows stored per (force, month), replacing
/// a month already stored only when `replace` is set; its rejects stored
/// with the run and written as `options` say (beside it, to the command's
/// one rejects file, or not at all). police.uk publishes UTF-8 CSV: the
/// options' format and encoding are not asked.
///
/// # Errors
/// When the file cannot be read or is not a police.uk CSV, or the store fails.
pub fn import_police_uk(
    store: &mut Store,
    input: Input,
    replace: bool,
    options: &LoadOptions,
) -> Result<FileSummary, PipelineError> {
    let file = input.name();
    let rejects_path = (!options.no_rejects_file).then(|| {
        options
            .rejects_path
            .clone()
            .unwrap_or_else(|| default_rejects_path(&input))
    });
    let bytes = read_input(input, &file)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let (rows, rejects) = read_police_uk(&bytes, &file)?;
    let run = RunFile {
        name: &file,
        format: "police-uk",
        sha256: &sha256,
        // What `read_police_uk` reads: police.uk publishes UTF-8 with commas.
        read_as: ReadAs {
            encoding: "UTF-8",
            delimiter: Some(b','),
        },
        loaded_by: options.loaded_by.as_deref(),
    };
    let counts = store.import_context(run, &rows, &rejects, replace)?;
    let listed = rejects_path.as_ref().map_or(Ok(()), |path| {
        write_rejects_csv(store, counts.run_id, path, options.rejects_append)
    });
    Ok(FileSummary::committed(
        file,
        counts,
        sha256,
        rejects_path,
        listed,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n";

    #[test]
    fn rows_without_coordinates_or_outside_the_uk_are_rejected_by_line() {
        let text = format!(
            "{HEADER}a1,2024-02,Cambs,Cambridgeshire Constabulary,0.159,52.666,On or near X,E01,Fenland 1,Drugs,Under investigation,\n\
             ,2024-02,Cambs,Cambridgeshire Constabulary,,,No Location,,,Shoplifting,,\n\
             a3,2024-02,Cambs,Cambridgeshire Constabulary,2.35,48.85,On or near Y,,,Burglary,,\n\
             a4,24-2,Cambs,Cambridgeshire Constabulary,0.159,52.666,On or near X,,,Burglary,,\n\
             a5,2024-02,Cambs,Cambridgeshire Constabulary,0.16,52.67,On or near Z,,,,,\n"
        );
        let (rows, rejects) = read_police_uk(text.as_bytes(), "t.csv").expect("read");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].crime_type, "Drugs");
        assert_eq!(
            rows[0].month,
            NaiveDate::from_ymd_opt(2024, 2, 1).expect("day")
        );
        assert_eq!(rows[0].line, 2);
        assert!(rows[0].cells[3].is_some(), "a res-9 cell");
        let got: Vec<(u64, &str)> = rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (3, "Longitude"),
                (4, "Longitude"),
                (5, "Month"),
                (6, "Crime type")
            ]
        );
        assert!(
            rejects[1].reason.contains("outside the UK"),
            "{}",
            rejects[1].reason
        );
    }

    #[test]
    fn a_file_that_is_not_police_uk_names_the_missing_column() {
        let err = read_police_uk(b"id,lat,lng\n1,52,0\n", "x.csv").expect_err("refused");
        assert!(err.to_string().contains("Month"), "{err}");
    }
}
