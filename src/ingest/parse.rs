//! Row validation: every column parsed into its typed value, or one reject that
//! names the first faulty column and says why.

use chrono::{NaiveDate, NaiveDateTime};

use super::{Column, RawRow, RowReject};
use crate::geo::{LocationInput, Postcode};
use crate::model::{
    ContentHashing, ExploitationType, Grading, Indicator, IndicatorSet, ReportFields, VenueType,
};

/// What parsing needs to know beyond the row.
#[derive(Clone, Debug)]
pub struct ParseContext {
    /// Dates after this day are rejected as in the future.
    pub today: NaiveDate,
    /// Source used when the row has none (`--source`).
    pub default_source: Option<String>,
    /// How the database the rows go into hashes content (`Store::content_hashing`).
    pub content_hashing: ContentHashing,
}

impl ParseContext {
    pub fn new(default_source: Option<String>, content_hashing: ContentHashing) -> Self {
        Self {
            today: chrono::Local::now().date_naive(),
            default_source,
            content_hashing,
        }
    }
}

/// A valid row: typed fields, the location to geocode, and its identity.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedReport {
    pub fields: ReportFields,
    pub location: LocationInput,
    /// `auto-` + the canonical content's SHA-256 when the row had no
    /// `report_id`: see [`ParsedReport::report_id`]. Kept apart so a given id
    /// is not copied.
    auto_id: Option<String>,
    /// The canonical content's hash under [`ParseContext::content_hashing`]:
    /// equal hashes, same report.
    pub content_hash: u128,
}

const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};
const MAX_TEXT: usize = 20_000;
const MAX_ID: usize = 200;

/// # Errors
/// A [`RowReject`] naming the first column that is missing or malformed.
#[allow(
    clippy::too_many_lines,
    reason = "one column after another in interface order; the order is the point"
)]
pub fn parse_row(row: &RawRow, context: &ParseContext) -> Result<ParsedReport, RowReject> {
    let reject = |column: Column, reason: String| RowReject {
        line: row.line,
        field: column.name().to_owned(),
        reason,
        raw: row.raw(),
    };
    let text = |column: Column, max: usize| -> Result<Option<String>, RowReject> {
        match row.get(column) {
            // A text of at most `max` bytes has at most `max` characters:
            // only a longer one is counted (every value is checked).
            Some(v) if v.len() > max && v.chars().count() > max => {
                Err(reject(column, format!("longer than {max} characters")))
            }
            Some(v) => Ok(Some(v.to_owned())),
            None => Ok(None),
        }
    };

    let report_id = text(Column::ReportId, MAX_ID)?;
    let source = match row
        .get(Column::Source)
        .or(context.default_source.as_deref())
    {
        Some(s) if s.len() > 64 => {
            return Err(reject(Column::Source, "longer than 64 characters".into()))
        }
        Some(s) => crate::model::normalised(s).into_owned(),
        None => "unspecified".to_owned(),
    };
    let observed_on = match row.get(Column::ObservedOn) {
        // Spreadsheets save a row whose cells were cleared as a line of
        // commas: said as such, not as a report missing its date.
        None if row.is_blank() => {
            return Err(RowReject {
                line: row.line,
                field: "row".into(),
                reason: "blank: every value is empty (a spreadsheet keeps such a row where \
                         cells were cleared but the row was not deleted)"
                    .into(),
                raw: row.raw(),
            })
        }
        None => {
            return Err(reject(
                Column::ObservedOn,
                "missing: every report needs a date".into(),
            ))
        }
        Some(v) => parse_date(v).map_err(|reason| reject(Column::ObservedOn, reason))?,
    };
    if observed_on < EARLIEST {
        return Err(reject(
            Column::ObservedOn,
            format!("{observed_on} is before 2000"),
        ));
    }
    if observed_on > context.today {
        return Err(reject(
            Column::ObservedOn,
            format!("{observed_on} is in the future"),
        ));
    }
    let venue_type = match row.get(Column::VenueType) {
        None => return Err(reject(Column::VenueType, "missing: every report needs a venue type".into())),
        Some(v) => VenueType::parse(v).ok_or_else(|| {
            reject(
                Column::VenueType,
                format!("unknown venue type {v:?} (expected car_wash, nail_bar, service_station, farm or other)"),
            )
        })?,
    };
    let exploitation_type = match row.get(Column::ExploitationType) {
        None => ExploitationType::Unknown,
        Some(v) => ExploitationType::parse(v).ok_or_else(|| {
            reject(
                Column::ExploitationType,
                format!("unknown exploitation type {v:?} (expected labour, sexual, criminal, domestic_servitude or unknown)"),
            )
        })?,
    };
    let mut indicators = IndicatorSet::default();
    for item in list(row.get(Column::Indicators)) {
        let indicator = Indicator::parse(item)
            .ok_or_else(|| reject(Column::Indicators, format!("unknown indicator {item:?}")))?;
        indicators.insert(indicator);
    }
    let persons_count = match row.get(Column::PersonsCount) {
        None => None,
        Some(v) => Some(whole_number(v).filter(|n| *n <= 10_000).ok_or_else(|| {
            reject(
                Column::PersonsCount,
                format!("{v:?} is not a whole number from 0 to 10000"),
            )
        })?),
    };
    let nationalities: Vec<String> = list(row.get(Column::Nationalities))
        .map(str::to_owned)
        .collect();
    if nationalities.iter().any(|n| n.chars().count() > 64) || nationalities.len() > 50 {
        return Err(reject(Column::Nationalities, "too many or too long".into()));
    }
    let child_involved = match row.get(Column::ChildInvolved) {
        None => None,
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Some(true),
            "false" | "no" | "n" | "0" => Some(false),
            "unknown" | "not known" => None,
            _ => {
                return Err(reject(
                    Column::ChildInvolved,
                    format!("{v:?} is not yes/no/true/false"),
                ))
            }
        },
    };
    let grading = match row.get(Column::Grading) {
        None => None,
        Some(v) => Some(Grading::parse(v).ok_or_else(|| {
            reject(Column::Grading, format!("{v:?} is not a 3x5x2 grading (source 1-3, intelligence A-E, handling P/C, e.g. 1AP)"))
        })?),
    };
    let venue_name = text(Column::VenueName, 500)?;
    let notes = text(Column::Notes, MAX_TEXT)?;
    let location = parse_location(row).map_err(|(column, reason)| RowReject {
        line: row.line,
        field: column.map_or("location", Column::name).to_owned(),
        reason,
        raw: row.raw(),
    })?;

    let fields = ReportFields {
        report_id,
        source,
        observed_on,
        venue_type,
        venue_name,
        exploitation_type,
        indicators,
        persons_count,
        nationalities,
        child_involved,
        grading,
        notes,
    };
    // A WGS84 point's canonical text from the text it was read from, where
    // that is how the number is written anyway (`model::push_latlng_key_as_read`).
    let read_as = match (&location, row.value(Column::Lat), row.value(Column::Lng)) {
        (LocationInput::LatLng { lat, lng, .. }, Some(lat_text), Some(lng_text)) => {
            Some(((*lat, lat_text), (*lng, lng_text)))
        }
        _ => None,
    };
    let (content_hash, auto_hash) =
        content_hash(&fields, &location, read_as, context.content_hashing);
    let auto_id = auto_hash.map(|hash| format!("auto-{hash:032x}"));
    Ok(ParsedReport {
        fields,
        location,
        auto_id,
        content_hash,
    })
}

impl ParsedReport {
    /// `report_id` as given, or `auto-` + the content hash when the row had none.
    #[must_use]
    pub fn report_id(&self) -> &str {
        self.fields
            .report_id
            .as_deref()
            .or(self.auto_id.as_deref())
            .unwrap_or_default()
    }
}

/// `;`-separated lists (`,` and `|` also accepted), blanks dropped.
fn list(value: Option<&str>) -> impl Iterator<Item = &str> {
    value
        .into_iter()
        .flat_map(|v| v.split([';', ',', '|']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// ISO 8601 dates and date-times, UK `DD/MM/YYYY` (never US order; also with
/// `.` or `-`, as written across Europe), year-first `YYYY/MM/DD`, or a
/// month by its English name (`1 March 2024`, `1st Mar 2024`); a time may
/// follow. A date-time keeps the calendar date as written: an observation is
/// dated where it was seen. A two-digit year is refused: `01/03/24` could be
/// 1924 or 2024 to a reader, and the date decides which period a report
/// counts in.
pub(crate) fn parse_date(value: &str) -> Result<NaiveDate, String> {
    if let Some(date) = plain_iso_date(value) {
        return Ok(date);
    }
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(date);
    }
    if value.len() > 10 && value.as_bytes().get(4) == Some(&b'-') {
        if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(value) {
            return Ok(dt.date_naive());
        }
        for format in [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(dt) = NaiveDateTime::parse_from_str(value, format) {
                return Ok(dt.date());
            }
        }
    }
    let mut words = value.split_whitespace();
    let date_part = words.next().unwrap_or(value);
    if let Some(separator) = ['/', '.', '-'].into_iter().find(|s| date_part.contains(*s)) {
        let parts: Vec<&str> = date_part.split(separator).collect();
        let number = |part: &str| {
            (!part.is_empty() && part.len() <= 2)
                .then(|| part.parse::<u32>().ok())
                .flatten()
        };
        let day_first = parts.last().is_some_and(|y| y.len() == 4);
        let (day, month, year) = match parts.as_slice() {
            [d, m, y] if y.len() == 4 => (number(d), number(m), y.parse::<i32>().ok()),
            [y, m, d] if y.len() == 4 => (number(d), number(m), y.parse::<i32>().ok()),
            [_, _, y] if y.len() == 2 => {
                return Err(format!(
                    "{value:?} has a two-digit year: write it in full (DD/MM/YYYY, UK order)"
                ))
            }
            _ => (None, None, None),
        };
        if let (Some(d), Some(m), Some(y)) = (day, month, year) {
            let order = if day_first {
                "DD/MM/YYYY, day first"
            } else {
                "YYYY-MM-DD, year first"
            };
            return NaiveDate::from_ymd_opt(y, m, d)
                .ok_or_else(|| no_such_day(value, y, m, d, order));
        }
        // A slash says a UK date was meant; a dash may be a broken ISO one.
        if separator == '/' {
            return Err(format!(
                "{value:?} is not a date in DD/MM/YYYY (UK order) form"
            ));
        }
    }
    // "1 March 2024", "1st Mar 2024", "01 mar 2024 14:05".
    if let (Some(month), Some(year)) = (words.next(), words.next()) {
        let day = date_part.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let month = month.trim_end_matches(['.', ',']).to_ascii_lowercase();
        let month = MONTHS
            .iter()
            .position(|name| month.len() >= 3 && name.starts_with(month.as_str()));
        if let (Ok(d), Some(m), Ok(y)) = (day.parse::<u32>(), month, year.parse::<i32>()) {
            if year.len() == 4 {
                let m = m as u32 + 1;
                return NaiveDate::from_ymd_opt(y, m, d)
                    .ok_or_else(|| no_such_day(value, y, m, d, "day, month, year"));
            }
        }
    }
    Err(format!(
        "{value:?} is not a date (use YYYY-MM-DD, DD/MM/YYYY or 1 March 2024)"
    ))
}

/// Why `y`-`m`-`d`, read from `value` in `order`, is no day: the month, or
/// the day of the month, that does not exist ("2025-13-01": no month 13;
/// "31/02/2023": February 2023 has 28 days), with the order it was read in,
/// so that a US-order date is seen for what it is.
fn no_such_day(value: &str, y: i32, m: u32, d: u32, order: &str) -> String {
    let Some(first) = NaiveDate::from_ymd_opt(y, m, 1) else {
        return format!("{value:?} is not a valid date: there is no month {m} (read as {order})");
    };
    if d == 0 {
        return format!("{value:?} is not a valid date: there is no day 0 (read as {order})");
    }
    let next = first.checked_add_months(chrono::Months::new(1));
    let days = next.map_or(31, |n| (n - first).num_days());
    let month = MONTHS[m as usize - 1];
    let month = format!("{}{}", month[..1].to_ascii_uppercase(), &month[1..]);
    format!("{value:?} is not a valid date: {month} {y} has {days} days, not {d} (read as {order})")
}

/// English month names, for dates written out (`1 March 2024`); a name may
/// be cut to three letters or more (`Mar`, `Sept`).
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The two shapes machine exports nearly always use, read without chrono's
/// format interpreter: `YYYY-MM-DD` and `YYYY-MM-DDTHH:MM:SSZ`. `None` sends
/// the value down the general path (which also gives the error messages).
fn plain_iso_date(value: &str) -> Option<NaiveDate> {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() != 10 && b.len() != 20 {
        return None;
    }
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if b.len() == 20 {
        let time_ok = b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'Z'
            && digits(11..13)? < 24
            && digits(14..16)? < 60
            && digits(17..19)? < 61;
        if !time_ok {
            return None;
        }
    }
    NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
}

/// On error: the column at fault (`None`: no location at all) and why.
pub(crate) type LocationResult = Result<LocationInput, (Option<Column>, String)>;

/// Where location columns are read from: a report's row, or a register's record
/// (premises and visits are located exactly as reports are).
pub(crate) trait LocationColumns {
    /// The value, trimmed, or `None` when absent or blank.
    fn value(&self, column: Column) -> Option<&str>;
}

impl LocationColumns for RawRow {
    fn value(&self, column: Column) -> Option<&str> {
        self.get(column)
    }
}

/// The first location form present wins: lat/lng, easting/northing, grid
/// reference, postcode, town, address. Every location column present is still checked for shape.
pub(crate) fn parse_location(row: &impl LocationColumns) -> LocationResult {
    match parse_location_inner(row) {
        Ok(Some(location)) => Ok(location),
        Ok(None) => Err((
            None,
            "no location: give lat/lng, easting/northing, grid_ref, postcode, town or address"
                .into(),
        )),
        Err((column, reason)) => Err((Some(column), reason)),
    }
}

/// `Ok(None)` when no location column is filled in.
fn parse_location_inner(
    row: &impl LocationColumns,
) -> Result<Option<LocationInput>, (Column, String)> {
    let postcode = match row.value(Column::Postcode) {
        Some(v) => Some(
            v.parse::<Postcode>()
                .map_err(|e| (Column::Postcode, e.to_string()))?,
        ),
        None => None,
    };
    let grid_ref = match row.value(Column::GridRef) {
        Some(v) => Some(
            v.parse::<crate::geo::GridRef>()
                .map_err(|e| (Column::GridRef, e.to_string()))?,
        ),
        None => None,
    };
    let lat_lng = pair(row, Column::Lat, Column::Lng)?;
    let grid = pair(row, Column::Easting, Column::Northing)?;
    if let Some(((lat, lat_text), (lng, lng_text))) = lat_lng {
        // Eastings and northings under degree names (an `x`/`y` export, or
        // GeoJSON without its `crs`) are metres.
        // (Every point of Great Britain is over 1 km from the grid's axes.)
        let (low, high) = (lat.min(lng), lat.max(lng));
        let hint = if (1_000.0..=700_000.0).contains(&low) && high <= 1_300_000.0 {
            " (these look like British National Grid metres: give them as easting and \
             northing, or name EPSG:27700 in a GeoJSON crs member before its features)"
        } else {
            ""
        };
        if !(-90.0..=90.0).contains(&lat) {
            return Err((
                Column::Lat,
                format!("{lat} is not a latitude (-90..90){hint}"),
            ));
        }
        if !(-180.0..=180.0).contains(&lng) {
            return Err((
                Column::Lng,
                format!("{lng} is not a longitude (-180..180){hint}"),
            ));
        }
        return Ok(Some(LocationInput::LatLng {
            lat,
            lng,
            precision_m: degrees_precision_m(lat_text, lng_text),
        }));
    }
    if let Some(((easting, e_text), (northing, n_text))) = grid {
        if !(0.0..=700_000.0).contains(&easting) {
            return Err((
                Column::Easting,
                format!("{easting} is outside the British National Grid (0..700000)"),
            ));
        }
        if !(0.0..=1_300_000.0).contains(&northing) {
            return Err((
                Column::Northing,
                format!("{northing} is outside the British National Grid (0..1300000)"),
            ));
        }
        return Ok(Some(LocationInput::Grid {
            easting,
            northing,
            precision_m: grid_precision_m(e_text, n_text),
        }));
    }
    if let Some(reference) = grid_ref {
        return Ok(Some(LocationInput::GridRef(reference)));
    }
    if let Some(postcode) = postcode {
        return Ok(Some(LocationInput::Postcode(postcode)));
    }
    if let Some(town) = row.value(Column::Town) {
        let county = row.value(Column::County).map(str::to_owned);
        // "March, Cambridgeshire" carries its own county.
        return Ok(Some(match (town.split_once(','), county) {
            (Some((name, c)), None) if !c.trim().is_empty() => LocationInput::Place {
                name: name.trim().to_owned(),
                county: Some(c.trim().to_owned()),
            },
            (_, county) => LocationInput::Place {
                name: town.to_owned(),
                county,
            },
        }));
    }
    if let Some(address) = row.value(Column::Address) {
        if address.chars().count() > 1000 {
            return Err((Column::Address, "longer than 1000 characters".into()));
        }
        return Ok(Some(LocationInput::Address(address.to_owned())));
    }
    Ok(None)
}

type Pair<'a> = Option<((f64, &'a str), (f64, &'a str))>;

fn pair(row: &impl LocationColumns, a: Column, b: Column) -> Result<Pair<'_>, (Column, String)> {
    let number = |column: Column, text: &str| -> Result<f64, (Column, String)> {
        let parsed = match text.parse::<f64>() {
            Ok(v) => Some(v),
            Err(_) if matches!(column, Column::Lat | Column::Lng) => decimal_comma(text),
            Err(_) => None,
        };
        parsed.filter(|v| v.is_finite()).ok_or_else(|| {
            let hint = if text.contains(',') && matches!(column, Column::Easting | Column::Northing)
            {
                " (give metres without separators, e.g. 546100)"
            } else {
                ""
            };
            (column, format!("{text:?} is not a number{hint}"))
        })
    };
    match (row.value(a), row.value(b)) {
        (None, None) => Ok(None),
        (Some(_), None) => Err((b, format!("missing: {a} is given without {b}"))),
        (None, Some(_)) => Err((a, format!("missing: {b} is given without {a}"))),
        (Some(x), Some(y)) => Ok(Some(((number(a, x)?, x), (number(b, y)?, y)))),
    }
}

/// `52,4862` as `52.4862`: a spreadsheet in a locale with a decimal comma
/// (across Europe, and the `;`-separated files it saves) writes degrees so.
/// Only for degrees: a latitude or longitude with a thousands separator would
/// be out of range anyway, whereas `546,100` metres is more likely 546100 than
/// 546.1, so grid references keep no separator at all.
fn decimal_comma(text: &str) -> Option<f64> {
    let (whole, fraction) = text.split_once(',')?;
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let unsigned = whole.strip_prefix('-').unwrap_or(whole);
    (digits(unsigned) && digits(fraction))
        .then(|| format!("{whole}.{fraction}").parse().ok())
        .flatten()
}

/// A count as people write it: digits, or digits grouped in threes by one
/// separator used throughout (`1,200` from a spreadsheet's number format,
/// `1.200` or `1 200` from a European one). A count has no fraction, so
/// `1,200` can only be twelve hundred; `1,2` or `12,00` is no count at all.
fn whole_number(text: &str) -> Option<u32> {
    if let Ok(n) = text.parse() {
        return Some(n);
    }
    let separator = text.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(separator, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}' | '\'') {
        return None;
    }
    let mut groups = text.split(separator);
    let first = groups.next()?;
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let grouped = (1..=3).contains(&first.len())
        && digits(first)
        && groups.all(|g| g.len() == 3 && digits(g));
    grouped
        .then(|| text.replace(separator, "").parse().ok())
        .flatten()
}

/// Half the step of the last decimal given: 4+ decimals is GPS-grade (10 m floor).
fn degrees_precision_m(lat: &str, lng: &str) -> f64 {
    let decimals = |t: &str| t.split_once(['.', ',']).map_or(0, |(_, f)| f.len());
    let d = decimals(lat).min(decimals(lng)).min(9) as i32;
    (0.5 * 111_320.0 * 10f64.powi(-d)).max(10.0).round()
}

/// The grid step the digits show: `546100, 310200` is a 100 m reference.
fn grid_precision_m(easting: &str, northing: &str) -> f64 {
    let zeros = |t: &str| {
        if t.contains('.') {
            0
        } else {
            t.bytes()
                .rev()
                .take_while(|b| *b == b'0')
                .count()
                .min(t.len().saturating_sub(1))
        }
    };
    10f64.powi(zeros(easting).min(zeros(northing)).min(4) as i32)
}

/// The content hash of the fields, each followed by 0x1f, under `hashing`;
/// and for a row without an id, the SHA-256 its `auto-` id is made of in every
/// database (ids must not depend on the database's scheme). The text is
/// built in the thread's buffer, reused row after row.
fn content_hash(
    fields: &ReportFields,
    location: &LocationInput,
    read_as: ReadAs<'_>,
    hashing: ContentHashing,
) -> (u128, Option<u128>) {
    thread_local! {
        static TEXT: std::cell::RefCell<String> = std::cell::RefCell::new(String::with_capacity(256));
    }
    TEXT.with_borrow_mut(|text| {
        text.clear();
        content_text(text, fields, location, read_as);
        let hash = hashing.digest(text.as_bytes());
        let auto = fields.report_id.is_none().then(|| match hashing {
            ContentHashing::Sha256 => hash,
            ContentHashing::Xxh3 => ContentHashing::Sha256.digest(text.as_bytes()),
        });
        (hash, auto)
    })
}

/// A WGS84 point's latitude and longitude with the text each was read from.
type ReadAs<'t> = Option<((f64, &'t str), (f64, &'t str))>;

fn content_text(
    text: &mut String,
    fields: &ReportFields,
    location: &LocationInput,
    read_as: ReadAs<'_>,
) {
    use std::fmt::Write as _;
    let put = |text: &mut String, s: &str| {
        text.push_str(s);
        text.push('\x1f');
    };
    put(text, fields.report_id.as_deref().unwrap_or(""));
    put(text, &fields.source);
    push_iso_date(text, fields.observed_on);
    text.push('\x1f');
    put(text, fields.venue_type.as_str());
    put(text, fields.venue_name.as_deref().unwrap_or(""));
    put(text, fields.exploitation_type.as_str());
    let _ = fields.indicators.write_names(text);
    text.push('\x1f');
    if let Some(n) = fields.persons_count {
        let _ = write!(text, "{n}");
    }
    text.push('\x1f');
    for (i, nationality) in fields.nationalities.iter().enumerate() {
        if i > 0 {
            text.push(';');
        }
        text.push_str(nationality);
    }
    text.push('\x1f');
    put(
        text,
        match fields.child_involved {
            Some(true) => "y",
            Some(false) => "n",
            None => "",
        },
    );
    if let Some(g) = fields.grading {
        let _ = write!(text, "{g}");
    }
    text.push('\x1f');
    put(text, fields.notes.as_deref().unwrap_or(""));
    match read_as {
        Some((lat, lng)) => crate::model::push_latlng_key_as_read(text, lat, lng),
        None => location.push_canonical(text),
    }
    text.push('\x1f');
}

/// `date` as `Display` writes it (`YYYY-MM-DD`) without chrono's formatter;
/// parsing only admits years from 2000, and other years take `Display`.
fn push_iso_date(out: &mut String, date: NaiveDate) {
    use chrono::Datelike as _;
    let (year, month, day) = (date.year(), date.month(), date.day());
    if (1000..=9999).contains(&year) {
        let mut digits = [0u8; 10];
        let put = |digits: &mut [u8], mut n: u32| {
            for d in digits.iter_mut().rev() {
                *d = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        put(&mut digits[0..4], year as u32);
        digits[4] = b'-';
        put(&mut digits[5..7], month);
        digits[7] = b'-';
        put(&mut digits[8..10], day);
        out.extend(digits.iter().map(|&d| char::from(d)));
    } else {
        use std::fmt::Write as _;
        let _ = write!(out, "{date}");
    }
}

#[cfg(test)]
mod tests;
