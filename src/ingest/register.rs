//! Registers beside the reports: premises lists (licensing lists, business
//! rates extracts, a force's own list) and visit outcomes, read from CSV, JSON
//! Lines or GeoJSON, validated row by row with the reports' discipline (a bad
//! row is a reject naming its line, field and reason; nothing is lost), located
//! exactly as reports are, and stored one file per transaction.
//!
//! Registers are thousands of rows, not millions: a file is read whole into
//! memory, and rows are parsed on one thread.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use serde_json::value::RawValue;

use super::header::{alternatives, lacking_message, place_lacking};
use super::json_record::{point_of, Members};
use super::parse::{parse_date, parse_location, LocationColumns};
use super::pipeline::{
    default_rejects_path, format_of, write_rejects_csv, FileSummary, Input, LoadOptions,
    PipelineError,
};
use super::{Column, Format, IngestError, RowReject};
use crate::geo::{cells_for, Geocoder, LocationInput, Postcode};
use crate::model::{
    name_key, unmarked_text, PremisesOrigin, PremisesStatus, VenueType, VisitResult,
};
use crate::store::{NewOutcome, NewPremises, ReadAs, RunFile, Store};

/// One record of a register: its values by canonical column name.
#[derive(Debug)]
struct Record {
    line: u64,
    values: HashMap<&'static str, String>,
    raw: String,
}

impl Record {
    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn reject(&self, field: &str, reason: impl Into<String>) -> RowReject {
        RowReject {
            line: self.line,
            field: field.to_owned(),
            reason: reason.into(),
            raw: super::truncate_raw(self.raw.clone()),
        }
    }
}

impl LocationColumns for Record {
    fn value(&self, column: Column) -> Option<&str> {
        self.get(column.name())
    }
}

/// Which register a file holds: its columns and their accepted aliases.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Premises,
    Outcomes,
}

const PREMISES: &[(&str, &[&str])] = &[
    ("premises_id", &["id"]),
    ("name", &["venue_name", "business_name", "trading_name"]),
    ("venue_type", &["venue", "type"]),
    ("status", &[]),
    ("opened_on", &["opened"]),
    ("closed_on", &["closed"]),
];

const OUTCOMES: &[(&str, &[&str])] = &[
    ("visit_id", &["id"]),
    ("visited_on", &["date", "visit_date"]),
    ("premises_id", &["premises"]),
    ("operation", &[]),
    ("result", &["outcome"]),
    ("potential_victims", &[]),
    ("nrm_referrals", &[]),
    ("arrests", &[]),
    ("safeguarding_referrals", &[]),
    ("notes", &[]),
];

impl Kind {
    /// The canonical name of a header (any case, spaces or hyphens for `_`).
    fn column(self, header: &str) -> Option<&'static str> {
        let key = crate::model::normalise_word(header.trim_start_matches('\u{feff}'));
        let own = self.own_columns().iter().copied();
        let location = Column::LOCATION
            .iter()
            .map(|c| (c.name(), c.header_names()));
        own.chain(location)
            .find(|(name, aliases)| *name == key || aliases.contains(&key.as_str()))
            .map(|(name, _)| name)
    }

    /// The register's own columns and their aliases (the location's are shared).
    fn own_columns(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Self::Premises => PREMISES,
            Self::Outcomes => OUTCOMES,
        }
    }

    /// Why no row under this header could be read, or `None` (see
    /// [`super::header`]): `names` holds each header's canonical name.
    fn header_lacks(
        self,
        names: &[Option<&'static str>],
        headers: &csv::StringRecord,
    ) -> Option<String> {
        let has = |name: &str| names.contains(&Some(name));
        let needed = |what: &str, column: &'static str| {
            (!has(column)).then(|| {
                let aliases = self
                    .own_columns()
                    .iter()
                    .find(|(name, _)| *name == column)
                    .map_or(&[][..], |(_, aliases)| *aliases);
                let all: Vec<&str> = std::iter::once(column)
                    .chain(aliases.iter().copied())
                    .collect();
                format!("{what} ({})", alternatives(&all))
            })
        };
        let (whose, lacking) = match self {
            Self::Premises => (
                "each premises'",
                vec![
                    needed("id", "premises_id"),
                    needed("venue type", "venue_type"),
                    place_lacking(has, None),
                ],
            ),
            Self::Outcomes => (
                "each visit's",
                vec![
                    needed("id", "visit_id"),
                    needed("date", "visited_on"),
                    needed("result", "result"),
                    place_lacking(has, Some("premises_id")),
                ],
            ),
        };
        let lacking: Vec<String> = lacking.into_iter().flatten().collect();
        let unread = headers
            .iter()
            .zip(names)
            .filter(|(_, name)| name.is_none())
            .map(|(header, _)| header.as_bytes());
        lacking_message(whose, &lacking, unread)
    }
}

type Records = Vec<Result<Record, RowReject>>;

fn read_records(
    kind: Kind,
    format: Format,
    input: &[u8],
    file: &str,
) -> Result<Records, IngestError> {
    let io = |source| IngestError::Io {
        file: file.to_owned(),
        source,
    };
    match format {
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .delimiter(super::read::csv_delimiter(input))
                .from_reader(input);
            let header = reader
                .headers()
                .map_err(|e| IngestError::Malformed {
                    file: file.to_owned(),
                    line: 1,
                    message: e.to_string(),
                })?
                .clone();
            let headers: Vec<Option<&'static str>> =
                header.iter().map(|h| kind.column(h)).collect();
            let blank = header.iter().all(str::is_empty);
            if let Some(message) = (!blank)
                .then(|| kind.header_lacks(&headers, &header))
                .flatten()
            {
                return Err(IngestError::Malformed {
                    file: file.to_owned(),
                    line: 1,
                    message,
                });
            }
            let mut out = Vec::new();
            let mut record = csv::ByteRecord::new();
            // After a CRLF line end (Excel's) the csv crate starts the next
            // record at the LF, so its line numbers lag one behind. A
            // record's line is counted here instead: the line breaks before
            // its first byte that is not one, counted on from the last record's.
            let (mut counted_to, mut breaks) = (0, 0);
            let mut line_at = |byte: u64| {
                let mut to = usize::try_from(byte).unwrap_or(usize::MAX).min(input.len());
                while input.get(to).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
                    to += 1;
                }
                breaks += memchr::memchr_iter(b'\n', &input[counted_to.min(to)..to]).count() as u64;
                counted_to = counted_to.max(to);
                breaks + 1
            };
            loop {
                let line = line_at(reader.position().byte());
                match reader.read_byte_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {
                        let raw = super::read::reserialise(&record);
                        let line = record
                            .position()
                            .map_or(line, |position| line_at(position.byte()));
                        let mut values = HashMap::new();
                        let mut bad = None;
                        for (i, field) in record.iter().enumerate() {
                            let Some(Some(name)) = headers.get(i) else {
                                continue;
                            };
                            match std::str::from_utf8(field) {
                                Ok(text) => {
                                    // As a report's CSV values: the mark a
                                    // spreadsheet-safe CSV adds comes off.
                                    values.insert(*name, unmarked_text(text.trim()).to_owned());
                                }
                                Err(_) => bad = Some(*name),
                            }
                        }
                        out.push(match bad {
                            Some(name) => Err(RowReject {
                                line,
                                field: name.to_owned(),
                                reason: super::encoding::NOT_UTF8.into(),
                                raw,
                            }),
                            None => Ok(Record { line, values, raw }),
                        });
                    }
                    Err(e) => out.push(Err(RowReject {
                        line: e
                            .position()
                            .map_or(line, |position| line_at(position.byte())),
                        field: "row".into(),
                        reason: e.to_string(),
                        raw: String::new(),
                    })),
                }
            }
            Ok(out)
        }
        Format::Jsonl => {
            let mut out = Vec::new();
            for (i, text) in BufReader::new(input).lines().enumerate() {
                let text = text.map_err(io)?;
                if text.trim().is_empty() {
                    continue;
                }
                let line = i as u64 + 1;
                out.push(
                    match Members::read(&text, line, "a JSON line must be an object") {
                        Ok(members) => from_members(kind, line, members, None, text),
                        Err(reason) => Err(RowReject {
                            line,
                            field: "row".into(),
                            reason,
                            raw: super::truncate_raw(text),
                        }),
                    },
                );
            }
            Ok(out)
        }
        Format::Geojson => {
            #[derive(serde::Deserialize)]
            struct Collection<'a> {
                #[serde(borrow)]
                features: Vec<&'a RawValue>,
            }
            let mut text = String::new();
            BufReader::new(input)
                .read_to_string(&mut text)
                .map_err(io)?;
            let malformed = |message: String| IngestError::Malformed {
                file: file.to_owned(),
                line: 1,
                message,
            };
            let features = serde_json::from_str::<&RawValue>(&text)
                .map_err(|e| malformed(format!("not JSON: {e}")))
                .and_then(|document| {
                    serde_json::from_str::<Collection>(document.get()).map_err(|_| {
                        malformed("not a GeoJSON FeatureCollection: no \"features\" array".into())
                    })
                })?
                .features;
            // A feature is named by the line its text starts on when the
            // document has one feature a line (as most writers make them),
            // else by its position.
            let starts: Vec<u64> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.contains("\"Feature\""))
                .map(|(i, _)| i as u64 + 1)
                .collect();
            let mut out = Vec::new();
            for (i, feature) in features.iter().enumerate() {
                let line = if starts.len() == features.len() {
                    starts[i]
                } else {
                    i as u64 + 1
                };
                out.push(from_feature(kind, line, feature));
            }
            Ok(out)
        }
    }
}

/// A register's feature: its properties as a JSON line's members, its Point
/// as `lat` and `lng`.
fn from_feature(kind: Kind, line: u64, feature: &RawValue) -> Result<Record, RowReject> {
    #[derive(serde::Deserialize)]
    struct Feature<'a> {
        #[serde(borrow, default)]
        properties: Option<&'a RawValue>,
        #[serde(borrow, default)]
        geometry: Option<&'a RawValue>,
    }
    let raw = feature.get().to_owned();
    let reject = |field: &str, reason: String, raw: String| RowReject {
        line,
        field: field.into(),
        reason,
        raw: super::truncate_raw(raw),
    };
    let Ok(parts) = serde_json::from_str::<Feature>(feature.get()) else {
        return Err(reject("row", "a feature must be an object".into(), raw));
    };
    let members = match parts.properties {
        None => Members(Vec::new()),
        Some(properties) => match Members::read(properties.get(), line, "") {
            Ok(members) => members,
            Err(_) => {
                return Err(reject(
                    "properties",
                    "properties must be an object".into(),
                    raw,
                ))
            }
        },
    };
    let point = match parts.geometry.map(point_of).transpose() {
        Ok(point) => point.flatten(),
        Err(reason) => return Err(reject("geometry", reason, raw)),
    };
    from_members(kind, line, members, point, raw)
}

/// A record of the register's columns from an object's members, and from a
/// Point's coordinates (x, y) when a feature has one; a member whose value
/// cannot be a column's (an object, a list of objects) is a reject naming it.
fn from_members(
    kind: Kind,
    line: u64,
    members: Members,
    point: Option<(String, String)>,
    raw: String,
) -> Result<Record, RowReject> {
    let mut values = HashMap::new();
    for (key, value) in members.0 {
        let Some(name) = kind.column(&key) else {
            continue;
        };
        match value {
            Ok(text) => {
                values.insert(name, text);
            }
            Err(reason) => {
                return Err(RowReject {
                    line,
                    field: name.into(),
                    reason: reason.into(),
                    raw: super::truncate_raw(raw),
                })
            }
        }
    }
    if let Some((lng, lat)) = point {
        values.insert("lat", lat);
        values.insert("lng", lng);
    }
    Ok(Record { line, values, raw })
}

/// Located as a report is: the location columns, geocoded.
struct Located {
    lat: f64,
    lng: f64,
    method: crate::model::GeocodeMethod,
    precision_m: f64,
    cells: [Option<u64>; 4],
    postcode: Option<String>,
}

fn locate(record: &Record, geocoder: Geocoder) -> Result<Located, RowReject> {
    let input = parse_location(record).map_err(|(column, reason)| {
        record.reject(column.map_or("location", Column::name), reason)
    })?;
    let geocoded = geocoder
        .geocode(&input)
        .map_err(|e| record.reject(e.field(), e.to_string()))?;
    let cells = cells_for(
        h3o::LatLng::new(geocoded.lat, geocoded.lng)
            .map_err(|e| record.reject("lat", e.to_string()))?,
        geocoded.precision_m,
    );
    let postcode = match &input {
        LocationInput::Postcode(p @ Postcode::Unit { .. }) => Some(p.to_string()),
        _ => record
            .get("postcode")
            .and_then(|p| p.parse::<Postcode>().ok())
            .or_else(|| record.get("address").and_then(Postcode::find_in))
            .filter(|p| matches!(p, Postcode::Unit { .. }))
            .map(|p| p.to_string()),
    };
    Ok(Located {
        lat: geocoded.lat,
        lng: geocoded.lng,
        method: geocoded.method,
        precision_m: geocoded.precision_m,
        cells: cells.0.map(|c| c.map(u64::from)),
        postcode,
    })
}

/// The first 64 bits of the SHA-256 of the parts, each followed by 0x1f
/// (registers and outcomes keep SHA-256 whatever the reports' scheme).
fn content_hash(parts: &[&str]) -> u64 {
    let mut text = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for part in parts {
        text.extend_from_slice(part.as_bytes());
        text.push(0x1f);
    }
    (crate::model::ContentHashing::Sha256.digest(&text) >> 64) as u64
}

fn optional_date(record: &Record, name: &str) -> Result<Option<NaiveDate>, RowReject> {
    record
        .get(name)
        .map(|v| parse_date(v).map_err(|reason| record.reject(name, reason)))
        .transpose()
}

fn text(record: &Record, name: &str, max: usize) -> Result<Option<String>, RowReject> {
    match record.get(name) {
        Some(v) if v.chars().count() > max => {
            Err(record.reject(name, format!("longer than {max} characters")))
        }
        v => Ok(v.map(str::to_owned)),
    }
}

fn parse_premises(record: &Record, geocoder: Geocoder) -> Result<NewPremises, RowReject> {
    let premises_id = text(record, "premises_id", 200)?
        .ok_or_else(|| record.reject("premises_id", "missing: every premises needs an id"))?;
    let name = text(record, "name", 500)?;
    let venue_type = match record.get("venue_type") {
        None => return Err(record.reject("venue_type", "missing: every premises needs a venue type")),
        Some(v) => VenueType::parse(v).ok_or_else(|| {
            record.reject(
                "venue_type",
                format!("unknown venue type {v:?} (expected car_wash, nail_bar, service_station, farm or other)"),
            )
        })?,
    };
    let status = match record.get("status") {
        None => PremisesStatus::Open,
        Some(v) => PremisesStatus::parse(v)
            .ok_or_else(|| record.reject("status", format!("{v:?} is not open or closed")))?,
    };
    let opened_on = optional_date(record, "opened_on")?;
    let closed_on = optional_date(record, "closed_on")?;
    if let (Some(o), Some(c)) = (opened_on, closed_on) {
        if c < o {
            return Err(record.reject("closed_on", format!("{c} is before opened_on {o}")));
        }
    }
    let address = text(record, "address", 1000)?;
    let located = locate(record, geocoder)?;
    let hash = content_hash(&[
        &premises_id,
        name.as_deref().unwrap_or(""),
        venue_type.as_str(),
        address.as_deref().unwrap_or(""),
        &format!("{}:{}:{}", located.lat, located.lng, located.precision_m),
        status.as_str(),
        &opened_on.map(|d| d.to_string()).unwrap_or_default(),
        &closed_on.map(|d| d.to_string()).unwrap_or_default(),
    ]);
    Ok(NewPremises {
        name_key: name.as_deref().map(name_key).unwrap_or_default(),
        premises_id,
        name,
        venue_type,
        address,
        postcode: located.postcode,
        lat: located.lat,
        lng: located.lng,
        method: located.method,
        precision_m: located.precision_m,
        cells: located.cells,
        status,
        opened_on,
        closed_on,
        origin: PremisesOrigin::Register,
        line: record.line,
        content_hash: hash,
    })
}

fn count(record: &Record, name: &str) -> Result<Option<u32>, RowReject> {
    record
        .get(name)
        .map(|v| {
            v.parse::<u32>()
                .ok()
                .filter(|n| *n <= 10_000)
                .ok_or_else(|| {
                    record.reject(name, format!("{v:?} is not a whole number from 0 to 10000"))
                })
        })
        .transpose()
}

/// `premises`: id → (lat, lng, precision, cells) of the stored premises, for
/// visits that name a premises and give no location of their own.
type KnownPremises = HashMap<String, (f64, f64, f64, [Option<u64>; 4])>;

fn parse_outcome(
    record: &Record,
    geocoder: Geocoder,
    premises: &KnownPremises,
    today: NaiveDate,
) -> Result<NewOutcome, RowReject> {
    let visit_id = text(record, "visit_id", 200)?
        .ok_or_else(|| record.reject("visit_id", "missing: every visit needs an id"))?;
    let visited_on = optional_date(record, "visited_on")?
        .ok_or_else(|| record.reject("visited_on", "missing: every visit needs a date"))?;
    if visited_on > today {
        return Err(record.reject("visited_on", format!("{visited_on} is in the future")));
    }
    let result = match record.get("result") {
        None => return Err(record.reject("result", "missing: every visit needs a result")),
        Some(v) => VisitResult::parse(v).ok_or_else(|| {
            record.reject(
                "result",
                format!("unknown result {v:?} (expected no_concerns, concerns_no_action, indicators_confirmed or victims_identified)"),
            )
        })?,
    };
    let premises_id = text(record, "premises_id", 200)?;
    let known = match &premises_id {
        Some(id) => Some(premises.get(id).ok_or_else(|| {
            record.reject(
                "premises_id",
                format!("no premises {id:?} in the register (import it first)"),
            )
        })?),
        None => None,
    };
    let has_location = Column::LOCATION
        .iter()
        .any(|c| record.get(c.name()).is_some());
    let (lat, lng, precision_m, cells) = match (known, has_location) {
        (Some(&(lat, lng, precision, cells)), false) => (lat, lng, precision, cells),
        (_, true) => {
            let l = locate(record, geocoder)?;
            (l.lat, l.lng, l.precision_m, l.cells)
        }
        (None, false) => return Err(record.reject(
            "location",
            "no location: give premises_id, lat/lng, easting/northing, grid_ref, postcode, town or address",
        )),
    };
    let operation = text(record, "operation", 200)?;
    let notes = text(record, "notes", 20_000)?;
    let counts = [
        count(record, "potential_victims")?,
        count(record, "nrm_referrals")?,
        count(record, "arrests")?,
        count(record, "safeguarding_referrals")?,
    ];
    let hash = content_hash(&[
        &visit_id,
        &visited_on.to_string(),
        premises_id.as_deref().unwrap_or(""),
        &format!("{lat}:{lng}:{precision_m}"),
        operation.as_deref().unwrap_or(""),
        result.as_str(),
        &format!("{counts:?}"),
        notes.as_deref().unwrap_or(""),
    ]);
    Ok(NewOutcome {
        visit_id,
        visited_on,
        premises_id,
        lat,
        lng,
        precision_m,
        cells,
        operation,
        result,
        potential_victims: counts[0],
        nrm_referrals: counts[1],
        arrests: counts[2],
        safeguarding_referrals: counts[3],
        notes,
        line: record.line,
        content_hash: hash,
    })
}

/// Reads a whole input, hashing it (the run records the file's SHA-256).
/// A whole input file in memory (registers and context files are small).
pub(super) fn read_input(input: Input, file: &str) -> Result<Vec<u8>, IngestError> {
    let mut bytes = Vec::new();
    let io = |source| IngestError::Io {
        file: file.to_owned(),
        source,
    };
    input.open()?.read_to_end(&mut bytes).map_err(io)?;
    if super::read::is_workbook(&bytes) {
        return Err(IngestError::Workbook {
            file: file.to_owned(),
        });
    }
    Ok(bytes)
}

fn import(
    store: &mut Store,
    input: Input,
    options: &LoadOptions,
    kind: Kind,
) -> Result<FileSummary, PipelineError> {
    let file = input.name();
    let format = format_of(&input, options, &file)?;
    let rejects_path = (!options.no_rejects_file).then(|| {
        options
            .rejects_path
            .clone()
            .unwrap_or_else(|| default_rejects_path(&input))
    });
    let bytes = read_input(input, &file)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let encoding = super::encoding::read_as(options.encoding, &bytes);
    let text = super::encoding::into_utf8(bytes, options.encoding);
    let read_as = ReadAs {
        encoding,
        delimiter: (format == Format::Csv).then(|| super::read::csv_delimiter(&text)),
    };
    let records = read_records(kind, format, &text, &file)?;
    let geocoder = Geocoder::default();
    let mut rejects = Vec::new();
    let counts = match kind {
        Kind::Premises => {
            let mut rows = Vec::new();
            for record in records {
                match record.and_then(|r| parse_premises(&r, geocoder)) {
                    Ok(row) => rows.push(row),
                    Err(reject) => rejects.push(reject),
                }
            }
            store.import_premises(
                RunFile {
                    name: &file,
                    format: &format!("premises-{}", format.as_str()),
                    sha256: &sha256,
                    read_as,
                    loaded_by: options.loaded_by.as_deref(),
                },
                &rows,
                &rejects,
            )?
        }
        Kind::Outcomes => {
            let known: KnownPremises = store
                .premises()?
                .into_iter()
                .map(|p| (p.premises_id, (p.lat, p.lng, p.precision_m, p.cells)))
                .collect();
            let today = chrono::Local::now().date_naive();
            let mut rows = Vec::new();
            for record in records {
                match record.and_then(|r| parse_outcome(&r, geocoder, &known, today)) {
                    Ok(row) => rows.push(row),
                    Err(reject) => rejects.push(reject),
                }
            }
            store.import_outcomes(
                RunFile {
                    name: &file,
                    format: &format!("outcomes-{}", format.as_str()),
                    sha256: &sha256,
                    read_as,
                    loaded_by: options.loaded_by.as_deref(),
                },
                &rows,
                &rejects,
            )?
        }
    };
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

/// Imports a premises register (`hotspots premises import`). Re-importing the
/// same file stores nothing new; a premises whose row changed is replaced.
///
/// # Errors
/// When the file cannot be read as a whole, or the store fails. Bad rows are
/// rejects, not errors.
pub fn import_premises(
    store: &mut Store,
    input: Input,
    options: &LoadOptions,
) -> Result<FileSummary, PipelineError> {
    import(store, input, options, Kind::Premises)
}

/// Imports visit outcomes (`hotspots outcomes import`, `POST /api/v1/outcomes`).
/// A visit naming a premises and no location of its own is placed at the premises.
///
/// # Errors
/// As [`import_premises`].
pub fn import_outcomes(
    store: &mut Store,
    input: Input,
    options: &LoadOptions,
) -> Result<FileSummary, PipelineError> {
    import(store, input, options, Kind::Outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored register and outcome hashes stay what they were: the first 64
    /// bits of SHA-256 over the parts, each followed by 0x1f (Python's
    /// `hashlib` gives b1a23249adda97e9 for `V1␟2024-01-02␟␟`).
    #[test]
    fn register_content_hashes_are_sha256_of_the_parts() {
        assert_eq!(
            content_hash(&["V1", "2024-01-02", ""]),
            0xb1a2_3249_adda_97e9
        );
        assert_ne!(
            content_hash(&["V1", "2024-01-02"]),
            content_hash(&["V12024-01-02"])
        );
    }

    #[test]
    fn headers_map_to_canonical_names_per_register() {
        assert_eq!(Kind::Premises.column("ID"), Some("premises_id"));
        assert_eq!(Kind::Outcomes.column("ID"), Some("visit_id"));
        assert_eq!(Kind::Premises.column("Business Name"), Some("name"));
        assert_eq!(Kind::Outcomes.column("Outcome"), Some("result"));
        assert_eq!(Kind::Outcomes.column("Latitude"), Some("lat"));
        assert_eq!(Kind::Premises.column("colour"), None);
    }

    #[test]
    fn csv_records_keep_their_physical_lines() {
        let text = "id,name,venue_type,postcode\nP1,\"Star\nWash\",car_wash,PE13 1AB\nP2,B,car_wash,PE13 1AB\n";
        let records =
            read_records(Kind::Premises, Format::Csv, text.as_bytes(), "t.csv").expect("read");
        let lines: Vec<u64> = records
            .iter()
            .map(|r| r.as_ref().map_or(0, |r| r.line))
            .collect();
        assert_eq!(lines, vec![2, 4]);
    }

    /// A spreadsheet-safe CSV's text mark comes off (`'=Wash` was written
    /// for `=Wash`); a JSON register's values are taken as they are.
    #[test]
    fn a_csv_registers_formula_marks_come_off() {
        let name = |format: Format, text: &str| {
            read_records(Kind::Premises, format, text.as_bytes(), "t")
                .expect("read")
                .into_iter()
                .map(|r| r.expect("record").get("name").map(str::to_owned))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            name(
                Format::Csv,
                "id,name,venue_type,postcode\nP1,'=Wash,car_wash,PE13 1AB\nP2,'Star,car_wash,PE13 1AB\n"
            ),
            [Some("=Wash".to_owned()), Some("'Star".to_owned())]
        );
        assert_eq!(
            name(
                Format::Jsonl,
                r#"{"id":"P1","name":"'=Wash","venue_type":"car_wash","postcode":"PE13 1AB"}"#
            ),
            [Some("'=Wash".to_owned())]
        );
    }

    /// Every premises of `text` as read in `format`, or its reject's field
    /// and reason; the line is left out, as it differs between formats.
    fn premises_in(format: Format, text: &str) -> Vec<Result<NewPremises, (String, String)>> {
        read_records(Kind::Premises, format, text.as_bytes(), "t")
            .expect("read")
            .into_iter()
            .map(|record| {
                record
                    .and_then(|r| parse_premises(&r, Geocoder::default()))
                    .map(|p| NewPremises { line: 0, ..p })
                    .map_err(|r| (r.field, r.reason))
            })
            .collect()
    }

    /// A register says the same in any of its formats: a JSON number keeps
    /// the digits written (`52.100000` is known to about 10 m, as in a CSV,
    /// not to the 5.5 km of `52.1`), a list is joined with `;`, and an object
    /// where a value belongs is a reject naming its column.
    #[test]
    fn registers_read_alike_in_csv_json_lines_and_geojson() {
        let csv = "premises_id,name,venue_type,lat,lng\n\
            P1,Shine,car_wash,52.100000,-1.500000\n\
            P2,Glow,nail_bar,52.1,-1.5\n\
            P3,Farm,farm,52.25,-1.25\n";
        let jsonl = r#"{"premises_id":"P1","name":"Shine","venue_type":"car_wash","lat":52.100000,"lng":-1.500000}
{"premises_id":"P2","name":"Glow","venue_type":"nail_bar","lat":52.1,"lng":-1.5,"notes":null}
{"premises_id":"P3","name":["Farm"],"venue_type":"farm","lat":"52.25","lng":-1.25}
"#;
        let geojson = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"premises_id":"P1","name":"Shine","venue_type":"car_wash"},"geometry":{"type":"Point","coordinates":[-1.500000,52.100000]}},
{"type":"Feature","properties":{"premises_id":"P2","name":"Glow","venue_type":"nail_bar"},"geometry":{"type":"Point","coordinates":[-1.5,52.1]}},
{"type":"Feature","properties":{"premises_id":"P3","name":"Farm","venue_type":"farm","lat":52.25,"lng":-1.25},"geometry":null}
]}"#;
        let from_csv = premises_in(Format::Csv, csv);
        assert_eq!(from_csv.len(), 3);
        let [Ok(exact), Ok(coarse), Ok(_)] = from_csv.as_slice() else {
            panic!("{from_csv:?}");
        };
        assert!(
            exact.precision_m < coarse.precision_m,
            "six decimals place a point more precisely than one: {exact:?} {coarse:?}"
        );
        assert_eq!(premises_in(Format::Jsonl, jsonl), from_csv);
        assert_eq!(premises_in(Format::Geojson, geojson), from_csv);

        let wrong = r#"{"premises_id":"P4","name":{"en":"Shine"},"venue_type":"car_wash","lat":52.1,"lng":-1.5}
[1,2]
{"premises_id":
"#;
        assert_eq!(
            premises_in(Format::Jsonl, wrong)
                .into_iter()
                .map(|p| p.expect_err("a reject"))
                .map(|(field, reason)| (field, reason.split(':').next().unwrap_or("").to_owned()))
                .collect::<Vec<_>>(),
            [
                ("name", "expected a value, found an object"),
                ("row", "a JSON line must be an object"),
                ("row", "invalid JSON at column 15"),
            ]
            .map(|(f, r)| (f.to_owned(), r.to_owned()))
        );
        let wrong_feature = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"premises_id":"P5","venue_type":"farm"},"geometry":{"type":"LineString","coordinates":[[0,52],[1,52]]}},
{"type":"Feature","properties":"P6","geometry":null}
]}"#;
        assert_eq!(
            premises_in(Format::Geojson, wrong_feature),
            [
                Err((
                    "geometry".to_owned(),
                    "geometry must be a Point, not a LineString: give the place as a Point (or as lat and lng properties)".to_owned()
                )),
                Err((
                    "properties".to_owned(),
                    "properties must be an object".to_owned()
                )),
            ]
        );
    }
}
