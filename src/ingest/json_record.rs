//! A JSON record (a JSON line, or one feature of a GeoJSON FeatureCollection)
//! decoded into a [`RawRow`] as its members stream by.
//!
//! Decoding through a `serde_json::Value` built a map per record (an owned
//! key and a hash per member), and ran on the load's one reading thread,
//! which was then the slowest part of a JSON load. Here the reading thread
//! only finds where each record ends ([`JsonRecord`]); a worker decodes it
//! with serde's visitors straight into the row's values, skipping members
//! that are not columns without keeping them. A value is taken from its JSON
//! text as written ([`RawValue`]): a number keeps its digits, as in a CSV.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

use super::encoding::{raw_text, NOT_UTF8};
use super::{truncate_raw, Column, RawRow, RowReject};

/// A JSON record as read, not yet decoded.
#[derive(Debug)]
pub struct JsonRecord {
    /// Physical line where the record starts (1-based).
    pub line: u64,
    form: Form,
}

#[derive(Debug)]
enum Form {
    /// A JSON line, trimmed, valid UTF-8.
    Line(String),
    /// A feature's bytes as written; `grid`: the collection's `crs` names
    /// British National Grid, so its coordinates are eastings and northings.
    Feature { bytes: Vec<u8>, grid: bool },
}

/// A row's values by column, as [`RawRow`] holds them.
type Values = [Option<String>; Column::ALL.len()];

impl JsonRecord {
    pub(super) fn line(line: u64, text: String) -> Self {
        Self {
            line,
            form: Form::Line(text),
        }
    }

    pub(super) fn feature(line: u64, bytes: Vec<u8>, grid: bool) -> Self {
        Self {
            line,
            form: Form::Feature { bytes, grid },
        }
    }

    /// The row the record gives, or why it gives none: not JSON, not an
    /// object (a feature: not a Feature, properties not an object, geometry
    /// not a Point), or a column's value that is not text, a number, true or
    /// false (or, for a list, a list of text and numbers).
    ///
    /// # Errors
    /// A reject naming the line, the member at fault (or `row`) and why.
    pub fn decode(self) -> Result<RawRow, RowReject> {
        let line = self.line;
        let reject = |field: &str, reason: String, raw: String| RowReject {
            line,
            field: field.into(),
            reason,
            raw: truncate_raw(raw),
        };
        match self.form {
            Form::Line(text) => decode_line(line, text).map_err(|(f, r, raw)| reject(&f, r, raw)),
            Form::Feature { bytes, grid } => match String::from_utf8(bytes) {
                Ok(text) => {
                    decode_feature(line, text, grid).map_err(|(f, r, raw)| reject(&f, r, raw))
                }
                Err(e) => Err(reject("row", NOT_UTF8.into(), raw_text(e.as_bytes()))),
            },
        }
    }
}

/// Why a record gives no row: the field at fault, the reason, the record.
type Fault = (String, String, String);

fn decode_line(line: u64, text: String) -> Result<RawRow, Fault> {
    let mut values: Box<Values> = Box::default();
    let mut fault = None;
    let decoded = read_object(
        &text,
        line,
        ObjectVisitor {
            values: &mut values,
            fault: &mut fault,
        },
        "a JSON line must be an object",
    );
    match (decoded, fault) {
        (Err(reason), _) => Err(("row".to_owned(), reason, text)),
        (Ok(()), Some((column, reason))) => Err((column.name().to_owned(), reason, text)),
        (Ok(()), None) => Ok(RawRow::from_values(line, values, text)),
    }
}

/// Reads `text`, one JSON object and nothing after it, starting on the
/// file's line `first_line`, through `visitor`; the reason when it is not
/// JSON, or (`not_object`) not an object.
fn read_object<'t>(
    text: &'t str,
    first_line: u64,
    visitor: impl Visitor<'t, Value = ()>,
    not_object: &str,
) -> Result<(), String> {
    if text.trim_start().starts_with('{') {
        let mut de = serde_json::Deserializer::from_str(text);
        (&mut de)
            .deserialize_map(visitor)
            .and_then(|()| de.end())
            .map_err(|e| invalid_json(&e, first_line))
    } else {
        // Rare: first read as JSON, to say whether it is JSON at all.
        match serde_json::from_str::<IgnoredAny>(text) {
            Ok(_) => Err(not_object.to_owned()),
            Err(e) => Err(invalid_json(&e, first_line)),
        }
    }
}

/// "invalid JSON at column 20: key must be a string", placed in the file:
/// serde counts lines from the record's start, so its "line 1" in a record
/// on line 3 of the file would send the reader to the wrong line. A record
/// on one line (JSON Lines) needs only the column; a feature over several
/// lines gets the file's line too.
fn invalid_json(e: &serde_json::Error, first_line: u64) -> String {
    let text = e.to_string();
    let (line, column) = (e.line(), e.column());
    if line == 0 {
        return format!("invalid JSON: {text}");
    }
    let message = text
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&text);
    if line == 1 {
        format!("invalid JSON at column {column}: {message}")
    } else {
        let file_line = first_line + line as u64 - 1;
        format!("invalid JSON at line {file_line}, column {column}: {message}")
    }
}

fn decode_feature(line: u64, text: String, grid: bool) -> Result<RawRow, Fault> {
    let mut values: Box<Values> = Box::default();
    let mut fault = None;
    let mut feature = FeatureMembers::default();
    let decoded = read_object(
        &text,
        line,
        FeatureVisitor {
            values: &mut values,
            fault: &mut fault,
            members: &mut feature,
        },
        "a feature must be an object",
    );
    let wrong = |field: &str, reason: &str, text| Err((field.to_owned(), reason.to_owned(), text));
    if let Err(reason) = decoded {
        return Err(("row".to_owned(), reason, text));
    }
    if feature.kind.as_ref().and_then(Value::as_str) != Some("Feature") {
        return wrong(
            "row",
            "not a GeoJSON Feature (\"type\": \"Feature\" missing)",
            text,
        );
    }
    if feature.properties_not_an_object {
        return wrong("properties", "properties must be an object", text);
    }
    if let Some((column, reason)) = fault {
        return Err((column.name().to_owned(), reason, text));
    }
    if let Some(geometry) = &feature.geometry {
        match point_of(geometry) {
            Ok(None) => {}
            Ok(Some((first, second))) => {
                let (x, y) = if grid {
                    (Column::Easting, Column::Northing)
                } else {
                    (Column::Lng, Column::Lat)
                };
                values[x as usize] = Some(first);
                values[y as usize] = Some(second);
            }
            Err(reason) => return Err(("geometry".to_owned(), reason, text)),
        }
    }
    Ok(RawRow::from_values(line, values, text))
}

/// A feature's geometry: none (`null`), a Point's first two coordinates as
/// written (x then y), or why it is neither.
pub(super) fn point_of(geometry: &RawValue) -> Result<Option<(String, String)>, String> {
    if geometry.get() == "null" {
        return Ok(None);
    }
    // Read as a value first, for the messages geojson gives about one.
    let value: Value = serde_json::from_str(geometry.get()).unwrap_or_default();
    match serde_json::from_value::<geojson::Geometry>(value).map(|g| g.value) {
        // A Point by geojson's reading; its first two coordinates as written.
        Ok(geojson::GeometryValue::Point { .. }) => point_coordinates(geometry)
            .map(Some)
            .ok_or_else(|| NOT_A_POINT.to_owned()),
        // An outline (a farm's fields, a yard) has no one place to count
        // in: its reporter is asked for one rather than given a guess.
        Ok(other) => Err(format!(
            "{NOT_A_POINT}, not a {}: give the place as a Point (or as lat and lng properties)",
            other.type_name()
        )),
        Err(e) => Err(format!("invalid geometry: {e}")),
    }
}

const NOT_A_POINT: &str = "geometry must be a Point";

/// A Point's first two coordinates as written (through an `f64` they lose
/// the trailing zeros that say how precise they are: see [`member`]).
fn point_coordinates(geometry: &RawValue) -> Option<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Point<'a> {
        #[serde(borrow)]
        coordinates: Vec<&'a RawValue>,
    }
    let point: Point = serde_json::from_str(geometry.get()).ok()?;
    match point.coordinates.as_slice() {
        [first, second, ..] => Some((first.get().to_owned(), second.get().to_owned())),
        _ => None,
    }
}

/// What a feature's members other than its properties say.
#[derive(Default)]
struct FeatureMembers {
    kind: Option<Value>,
    geometry: Option<Box<RawValue>>,
    properties_not_an_object: bool,
}

/// A feature's members: `type` kept as a value, `geometry` as its text, its
/// `properties` decoded as a JSON line's object, any other member skipped.
struct FeatureVisitor<'a> {
    values: &'a mut Values,
    fault: &'a mut Option<(Column, String)>,
    members: &'a mut FeatureMembers,
}

impl<'de> Visitor<'de> for FeatureVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(MemberName(FeatureMember::named))? {
            match key {
                Some(FeatureMember::Type) => self.members.kind = Some(map.next_value()?),
                Some(FeatureMember::Geometry) => self.members.geometry = Some(map.next_value()?),
                Some(FeatureMember::Properties) => {
                    // A later `properties` member replaces an earlier one, as in a map.
                    *self.values = Values::default();
                    *self.fault = None;
                    self.members.properties_not_an_object = !map.next_value_seed(Properties {
                        values: &mut *self.values,
                        fault: &mut *self.fault,
                    })?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// The members of a feature that are read.
enum FeatureMember {
    Type,
    Geometry,
    Properties,
}

impl FeatureMember {
    /// The member a name is (`None`: one not read).
    fn named(name: &str) -> Option<Self> {
        match name {
            "type" => Some(Self::Type),
            "geometry" => Some(Self::Geometry),
            "properties" => Some(Self::Properties),
            _ => None,
        }
    }
}

/// A feature's `properties`: an object decoded into the row (`true`), null
/// (`true`: no properties), or anything else (`false`).
struct Properties<'a> {
    values: &'a mut Values,
    fault: &'a mut Option<(Column, String)>,
}

impl<'de> DeserializeSeed<'de> for Properties<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<bool, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Properties<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        ObjectVisitor {
            values: self.values,
            fault: self.fault,
        }
        .visit_map(map)?;
        Ok(true)
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(true)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(false)
    }
}

/// The line's object: each member that names a column fills it; the first
/// value of the wrong kind is kept as the fault (the rest are still read, so
/// that a syntax error later in the line is the one reported).
struct ObjectVisitor<'a> {
    values: &'a mut Values,
    fault: &'a mut Option<(Column, String)>,
}

impl<'de> Visitor<'de> for ObjectVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut position = 0;
        // The column each member names (`None`: not one we read).
        while let Some(column) = map.next_key_seed(MemberName(|name: &str| {
            KEYS_SEEN.with_borrow_mut(|keys| keys.column(name, position))
        }))? {
            position += 1;
            let Some(column) = column else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            match member(map.next_value::<&'de RawValue>()?) {
                Member::Null => {}
                Member::Text(text) => self.values[column as usize] = Some(text),
                Member::Wrong(reason) => {
                    self.fault.get_or_insert((column, reason.to_owned()));
                }
            }
        }
        Ok(())
    }
}

/// A member's name, read as what the function makes of it, without an
/// owned copy of the name.
struct MemberName<F>(F);

impl<'de, T, F: FnOnce(&str) -> T> DeserializeSeed<'de> for MemberName<F> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<T, D::Error> {
        de.deserialize_str(self)
    }
}

impl<T, F: FnOnce(&str) -> T> Visitor<'_> for MemberName<F> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<T, E> {
        Ok((self.0)(name))
    }
}

/// The keys a thread has met and the columns they name, in the order of
/// the first line that had them. A file's lines nearly always name the same
/// members in the same order, so the key at a line's `position` is first
/// compared with the one seen there: one comparison instead of normalising
/// the key and looking it up among ~45 names (a lookup per member).
#[derive(Default)]
struct KeysSeen(Vec<(Box<str>, Option<Column>)>);

/// Enough for any file's members; past it, keys are looked up, not kept
/// (a file whose keys are values would otherwise grow it without end).
const KEYS_KEPT: usize = 64;

impl KeysSeen {
    fn column(&mut self, key: &str, position: usize) -> Option<Column> {
        if let Some((seen, column)) = self.0.get(position) {
            if **seen == *key {
                return *column;
            }
        }
        if let Some((_, column)) = self.0.iter().find(|(seen, _)| **seen == *key) {
            return *column;
        }
        let column = Column::from_header(key);
        if self.0.len() < KEYS_KEPT {
            self.0.push((key.into(), column));
        }
        column
    }
}

thread_local! {
    static KEYS_SEEN: RefCell<KeysSeen> = RefCell::default();
}

/// A JSON object's members in the order written, each value as column text
/// read as a report's is (see [`member`]), or why it cannot be one; null
/// members are left out. What a register (premises, outcomes) reads: its
/// columns are its own, so it names them itself.
pub(super) struct Members(pub Vec<(String, Result<String, &'static str>)>);

impl Members {
    /// `text`, starting on the file's line `first_line`, as one JSON object,
    /// or the reason it is not JSON or (`not_object`) not an object.
    pub(super) fn read(text: &str, first_line: u64, not_object: &str) -> Result<Self, String> {
        let mut members = Vec::new();
        read_object(text, first_line, MembersVisitor(&mut members), not_object)?;
        Ok(Self(members))
    }
}

struct MembersVisitor<'a>(&'a mut Vec<(String, Result<String, &'static str>)>);

impl<'de> Visitor<'de> for MembersVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key::<String>()? {
            match member(map.next_value::<&'de RawValue>()?) {
                Member::Null => {}
                Member::Text(text) => self.0.push((name, Ok(text))),
                Member::Wrong(reason) => self.0.push((name, Err(reason))),
            }
        }
        Ok(())
    }
}

/// A column's value as read.
enum Member {
    Null,
    Text(String),
    Wrong(&'static str),
}

const LIST_ITEMS: &str = "list items must be text";
const AN_OBJECT: &str = "expected a value, found an object";

/// A column's value from its JSON text: a string's text; a number's digits
/// as written (`52.100000` keeps the six decimals that say how precisely the
/// point is known, where an `f64` gives back `52.1`, as CSV keeps them);
/// `true` or `false`; a list of strings and numbers joined with `;` (the
/// CSV form of a list).
fn member(raw: &RawValue) -> Member {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => Member::Text(string_text(text)),
        Some(b'n') => Member::Null,
        Some(b'[') => list(text),
        Some(b'{') => Member::Wrong(AN_OBJECT),
        // A number or true or false, as written.
        _ => Member::Text(text.to_owned()),
    }
}

/// A JSON string's text (`text` is the string, quotes and all, already read
/// as JSON): its inside as it is when it holds no escape.
fn string_text(text: &str) -> String {
    let inside = &text[1..text.len() - 1];
    if inside.contains('\\') {
        serde_json::from_str(text).unwrap_or_default()
    } else {
        inside.to_owned()
    }
}

/// A list's strings and numbers joined with `;`, or why it is no list of them.
fn list(text: &str) -> Member {
    let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(text) else {
        return Member::Wrong(LIST_ITEMS);
    };
    let mut joined = String::new();
    for (i, item) in items.iter().enumerate() {
        let item = item.get();
        if i > 0 {
            joined.push(';');
        }
        match item.as_bytes().first() {
            Some(b'"') => joined.push_str(&string_text(item)),
            Some(b'-' | b'0'..=b'9') => joined.push_str(item),
            _ => return Member::Wrong(LIST_ITEMS),
        }
    }
    Member::Text(joined)
}

#[cfg(test)]
mod tests {
    use super::JsonRecord;
    use crate::ingest::Column;
    use serde_json::Value;

    type Decoded = Result<Vec<(Column, String)>, (String, String)>;

    fn decode(text: &str) -> Decoded {
        decoded(JsonRecord::line(7, text.to_owned()), text)
    }

    fn decode_feature(text: &str, grid: bool) -> Decoded {
        decoded(JsonRecord::feature(7, text.as_bytes().to_vec(), grid), text)
    }

    fn decoded(record: JsonRecord, text: &str) -> Decoded {
        match record.decode() {
            Ok(row) => {
                assert_eq!(row.line, 7);
                assert_eq!(row.raw(), text);
                Ok(Column::ALL
                    .into_iter()
                    .filter_map(|c| row.get(c).map(|v| (c, v.to_owned())))
                    .collect())
            }
            Err(reject) => {
                assert_eq!((reject.line, reject.raw.as_str()), (7, text));
                Err((reject.field, reject.reason))
            }
        }
    }

    /// The decoding a `serde_json::Value` gave, written out again here as
    /// the reference: each member naming a column, its text; numbers as
    /// `Number` writes them; lists joined with `;`; null left out.
    fn by_value(text: &str) -> Decoded {
        let object = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => object,
            Ok(_) => return Err(("row".into(), "a JSON line must be an object".into())),
            Err(e) => return Err(("row".into(), super::invalid_json(&e, 1))),
        };
        let mut values: Vec<Option<String>> = vec![None; Column::ALL.len()];
        fill_by_value(&mut values, &object)?;
        Ok(present(&values))
    }

    /// `object`'s members into `values`, as `by_value` reads them.
    fn fill_by_value(
        values: &mut [Option<String>],
        object: &serde_json::Map<String, Value>,
    ) -> Result<(), (String, String)> {
        for (key, value) in object {
            let Some(column) = Column::from_header(key) else {
                continue;
            };
            let text = match value {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Array(items) => {
                    let mut parts = Vec::new();
                    for item in items {
                        match item {
                            Value::String(s) => parts.push(s.clone()),
                            Value::Number(n) => parts.push(n.to_string()),
                            _ => {
                                return Err((column.name().into(), super::LIST_ITEMS.into()));
                            }
                        }
                    }
                    parts.join(";")
                }
                Value::Object(_) => return Err((column.name().into(), super::AN_OBJECT.into())),
            };
            values[column as usize] = Some(text);
        }
        Ok(())
    }

    fn present(values: &[Option<String>]) -> Vec<(Column, String)> {
        Column::ALL
            .into_iter()
            .filter_map(|c| {
                let v = values[c as usize].as_deref()?.trim();
                (!v.is_empty()).then(|| (c, v.to_owned()))
            })
            .collect()
    }

    /// A feature read through a `Value` and `geojson::Geometry`, as the
    /// reader did before, the reference for [`JsonRecord::feature`].
    fn feature_by_value(text: &str, grid: bool) -> Decoded {
        let fault = |field: &str, reason: &str| Err((field.to_owned(), reason.to_owned()));
        let feature = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(feature)) => feature,
            Ok(_) => return fault("row", "a feature must be an object"),
            Err(e) => return Err(("row".into(), super::invalid_json(&e, 1))),
        };
        if feature.get("type").and_then(Value::as_str) != Some("Feature") {
            return fault(
                "row",
                "not a GeoJSON Feature (\"type\": \"Feature\" missing)",
            );
        }
        let mut values: Vec<Option<String>> = vec![None; Column::ALL.len()];
        match feature.get("properties") {
            None | Some(Value::Null) => {}
            Some(Value::Object(properties)) => fill_by_value(&mut values, properties)?,
            Some(_) => return fault("properties", "properties must be an object"),
        }
        match feature.get("geometry") {
            None | Some(Value::Null) => {}
            Some(geometry) => match serde_json::from_value::<geojson::Geometry>(geometry.clone())
                .map(|g| g.value)
            {
                Ok(geojson::GeometryValue::Point { coordinates })
                    if coordinates.as_slice().len() >= 2 =>
                {
                    let (x, y) = if grid {
                        (Column::Easting, Column::Northing)
                    } else {
                        (Column::Lng, Column::Lat)
                    };
                    values[x as usize] = Some(coordinates.as_slice()[0].to_string());
                    values[y as usize] = Some(coordinates.as_slice()[1].to_string());
                }
                Ok(geojson::GeometryValue::Point { .. }) => {
                    return fault("geometry", "geometry must be a Point")
                }
                Ok(other) => {
                    return fault(
                        "geometry",
                        &format!(
                            "geometry must be a Point, not a {}: give the place as a Point \
                             (or as lat and lng properties)",
                            other.type_name()
                        ),
                    )
                }
                Err(e) => return Err(("geometry".into(), format!("invalid geometry: {e}"))),
            },
        }
        Ok(present(&values))
    }

    #[test]
    fn features_decode_as_a_value_and_geojson_decoded_them() {
        let features = [
            r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[-0.158,52.666221]},"properties":{"id":"F1","date":"2024-03-01","venue":"farm","indicators":["no_ppe",3]}}"#,
            r#"{"properties":{"id":"F2","lat":50,"lng":1},"geometry":{"coordinates":[546100,310500.5],"type":"Point"},"type":"Feature","id":12,"bbox":[0,0,1,1]}"#,
            r#"{"type":"Feature","geometry":null,"properties":{"id":"F3","postcode":"PE13 1AA"}}"#,
            r#"{"type":"Feature","properties":null}"#,
            r#"{"type":"Feature"}"#,
            r#"{"type":"Feature","properties":[1,2]}"#,
            r#"{"type":"Feature","properties":"text"}"#,
            r#"{"type":"Feature","properties":{"id":"F4","notes":{"a":1}},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}"#,
            r#"{"type":"Feature","properties":{"id":"F5"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}"#,
            r#"{"type":"Feature","properties":{"id":"F6"},"geometry":{"type":"Point","coordinates":[1]}}"#,
            r#"{"type":"Feature","properties":{"id":"F7"},"geometry":{"type":"Point"}}"#,
            r#"{"type":"Feature","properties":{"id":"F8"},"geometry":{"type":"Point","coordinates":[1,2,3]}}"#,
            r#"{"type":"Feature","properties":{"id":"F9"},"geometry":[1,2]}"#,
            r#"{"type":"feature","properties":{"id":"F10"}}"#,
            r#"{"properties":{"id":"F11"}}"#,
            r#"{"type":"Feature","properties":{"id":"F12"},"properties":{"town":"Wisbech"}}"#,
            r#"{"type":"Feature","properties":{"id":"F13","notes":[true]},"properties":{"town":"Wisbech"}}"#,
            r#"{"type":"Feature","properties":{"id":"F14"}"#,
            r#"["Feature"]"#,
            r#""Feature""#,
        ];
        for grid in [false, true] {
            for text in features {
                assert_eq!(
                    decode_feature(text, grid),
                    feature_by_value(text, grid),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn a_feature_not_in_utf8_says_so() {
        let bytes = b"{\"type\":\"Feature\",\"properties\":{\"town\":\"Wisb\xe9ch\"}}".to_vec();
        let reject = JsonRecord::feature(3, bytes, false).decode().unwrap_err();
        assert_eq!((reject.line, reject.field.as_str()), (3, "row"));
        assert_eq!(reject.reason, super::NOT_UTF8);
        assert!(reject.raw.contains("Wisb\\xE9ch"), "{}", reject.raw);
    }

    #[test]
    fn lines_decode_as_a_value_decoded_them() {
        let lines = [
            r#"{"report_id":"R1","reported_at":"2024-03-01","venue_type":"car_wash","lat":52.666221,"lng":-0.158,"indicators":["no_ppe","cash_only"]}"#,
            r#"{"ID":"R2","Date":"01/03/2024","Venue Type":"Nail bar","Latitude":52,"longitude":-1,"persons_count":3,"child_involved":true}"#,
            r#"{"id":"R3","date":"2024-03-01","venue":"farm","postcode":"PE13 1AA","extra":{"a":[1,{"b":2}]},"notes":"say \"hi\"\n\u00e9"}"#,
            r#"{"id":"R4","lat":1.5,"lng":-0.0,"persons":12345678901,"indicators":[],"grading":null}"#,
            r#"{"id":"R5","indicators":["a",2,3.5],"lat":"52,5","unknown":null}"#,
            r#"{"id":"R6","lat":52.1,"latitude":53.2}"#,
            r#"{"id":"R7","notes":{"x":1}}"#,
            r#"{"id":"R8","indicators":["a",null,"b"]}"#,
            r#"{"id":"R9","indicators":["a",["b"]],"notes":"later"}"#,
            r#"{"id":"R10","indicators":[true]}"#,
            r#"{"id":"R11","town":"Wisbech""#,
            r#"{"id":"R12"} trailing"#,
            r#"{"id":"R13","notes":{"x":1},"lat":}"#,
            r#"["R14"]"#,
            "R15",
            "12",
            "{}",
            r#"{"id":"R16","id":"R17"}"#,
            r#"{"id":"R18","lat":-52.1234567890123}"#,
            r#" { "id" : "R19" , "lat" : 52.5 , "indicators" : [ "a" , 2 ] , "notes" : " x\ty\u00e9\"" } "#,
            r#"{"id":"R20","notes":"\ud83d\ude00 \\ \/"}"#,
        ];
        for text in lines {
            assert_eq!(decode(text), by_value(text), "{text}");
        }
    }

    /// Numbers keep the digits written: trailing zeros say how precisely a
    /// point is known (an `f64` and back gave `52.1` for `52.100000`).
    #[test]
    fn numbers_keep_the_digits_written() {
        let line = r#"{"id":"N1","lat":52.100000,"lng":-0.200000,"persons":3,"indicators":["a",1.50,-2e3],"grading":1E2}"#;
        let row = JsonRecord::line(1, line.to_owned())
            .decode()
            .expect("decodes");
        assert_eq!(row.get(Column::Lat), Some("52.100000"));
        assert_eq!(row.get(Column::Lng), Some("-0.200000"));
        assert_eq!(row.get(Column::PersonsCount), Some("3"));
        assert_eq!(row.get(Column::Indicators), Some("a;1.50;-2e3"));
        assert_eq!(row.get(Column::Grading), Some("1E2"));
        let feature =
            r#"{"type":"Feature","geometry":null,"properties":{"lat":52.100000,"child":true}}"#;
        let row = JsonRecord::feature(1, feature.as_bytes().to_vec(), false)
            .decode()
            .expect("decodes");
        assert_eq!(row.get(Column::Lat), Some("52.100000"));
        assert_eq!(row.get(Column::ChildInvolved), Some("true"));
        let point = r#"{"type":"Feature","geometry":{"coordinates":[ -0.100000 , 52.500000, 3.0 ],"type":"Point"}}"#;
        for (grid, x, y) in [
            (false, Column::Lng, Column::Lat),
            (true, Column::Easting, Column::Northing),
        ] {
            let row = JsonRecord::feature(1, point.as_bytes().to_vec(), grid)
                .decode()
                .expect("decodes");
            assert_eq!(row.get(x), Some("-0.100000"));
            assert_eq!(row.get(y), Some("52.500000"));
        }
    }

    #[test]
    fn a_wrong_value_is_named_by_its_column() {
        assert_eq!(
            decode(r#"{"id":"R1","Notes":{"x":1}}"#),
            Err(("notes".into(), super::AN_OBJECT.into()))
        );
        assert_eq!(
            decode(r#"{"id":"R1","indicators":["a",false]}"#),
            Err(("indicators".into(), super::LIST_ITEMS.into()))
        );
        let (field, reason) = decode(r#"{"id":"R1","notes":{"x":1},"lat":}"#).unwrap_err();
        assert_eq!(field, "row");
        assert_eq!(reason, "invalid JSON at column 34: expected value");
    }

    /// Broken JSON is placed by the file's line, not the record's: a feature
    /// starting on line 5 with its fault on its third line is at line 7.
    #[test]
    fn broken_json_is_placed_by_the_files_line() {
        let feature = "{\n\"type\": \"Feature\",\n\"properties\": {\"id\" 1}\n}";
        let reject = JsonRecord::feature(5, feature.as_bytes().to_vec(), false)
            .decode()
            .expect_err("broken");
        assert_eq!((reject.line, reject.field.as_str()), (5, "row"));
        assert_eq!(
            reject.reason,
            "invalid JSON at line 7, column 21: expected `:`"
        );
        // One line (JSON Lines): the column alone, without serde's "line 1".
        let reject = JsonRecord::line(9, r#"{"id": "R1", "town" "Wisbech"}"#.into())
            .decode()
            .expect_err("broken");
        assert_eq!(reject.line, 9);
        assert_eq!(reject.reason, "invalid JSON at column 21: expected `:`");
    }
}
