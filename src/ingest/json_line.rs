//! One JSON Lines record, decoded into a [`RawRow`] as its members stream by.
//!
//! Decoding through a `serde_json::Value` built a map per line (an owned key
//! and a hash per member), and ran on the load's one reading thread, which
//! was then the slowest part of a JSON Lines load. Here the reading thread
//! only splits lines ([`JsonLine`]); a worker decodes each with serde's
//! visitors straight into the row's values, skipping members that are not
//! columns without keeping them.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Column, RawRow, RowReject};

/// A JSON line as read (trimmed, valid UTF-8), not yet decoded.
#[derive(Debug)]
pub struct JsonLine {
    /// Physical line in the file (1-based).
    pub line: u64,
    pub text: String,
}

/// A row's values by column, as [`RawRow`] holds them.
type Values = [Option<String>; Column::ALL.len()];

impl JsonLine {
    /// The row the line's object gives, or why it gives none: not JSON, not
    /// an object, or a column's value that is not text, a number, true or
    /// false (or, for a list, a list of text and numbers).
    ///
    /// # Errors
    /// A reject naming the line, the member at fault (or `row`) and why.
    pub fn decode(self) -> Result<RawRow, RowReject> {
        let mut values: Box<Values> = Box::default();
        let mut fault = None;
        let decoded = if self.text.starts_with('{') {
            let mut de = serde_json::Deserializer::from_str(&self.text);
            (&mut de)
                .deserialize_map(ObjectVisitor {
                    values: &mut values,
                    fault: &mut fault,
                })
                .and_then(|()| de.end())
                .map_err(|e| format!("invalid JSON: {e}"))
        } else {
            // Rare: say whether it is JSON at all before saying it is not an object.
            match serde_json::from_str::<IgnoredAny>(&self.text) {
                Ok(_) => Err("a JSON line must be an object".to_owned()),
                Err(e) => Err(format!("invalid JSON: {e}")),
            }
        };
        let (field, reason) = match (decoded, fault) {
            (Err(reason), _) => ("row".to_owned(), reason),
            (Ok(()), Some((column, reason))) => (column.name().to_owned(), reason),
            (Ok(()), None) => return Ok(RawRow::from_values(self.line, values, self.text)),
        };
        Err(RowReject {
            line: self.line,
            field,
            reason,
            raw: super::truncate_raw(self.text),
        })
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
        while let Some(column) = map.next_key_seed(ColumnKey { position })? {
            position += 1;
            let Some(column) = column else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            match map.next_value_seed(ColumnValue)? {
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

/// A member's key, as the column it names (`None`: not one we read), and
/// its place among the line's members.
struct ColumnKey {
    position: usize,
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

impl<'de> DeserializeSeed<'de> for ColumnKey {
    type Value = Option<Column>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_str(self)
    }
}

impl Visitor<'_> for ColumnKey {
    type Value = Option<Column>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(KEYS_SEEN.with_borrow_mut(|keys| keys.column(key, self.position)))
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

/// A column's value: text, a number or a boolean as its text, a list of
/// text and numbers joined with `;` (the CSV form of a list).
struct ColumnValue;

impl<'de> DeserializeSeed<'de> for ColumnValue {
    type Value = Member;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ColumnValue {
    type Value = Member;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Member, E> {
        Ok(Member::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Member, E> {
        Ok(Member::Text(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Member, E> {
        Ok(Member::Text(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Member, E> {
        Ok(Member::Text(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Member, E> {
        Ok(Member::Text(number_text(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Member, E> {
        Ok(Member::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Member, E> {
        Ok(Member::Text(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Member, A::Error> {
        let mut joined = String::new();
        let mut first = true;
        while let Some(item) = seq.next_element_seed(ListItem {
            out: &mut joined,
            first,
        })? {
            if !item {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(Member::Wrong(LIST_ITEMS));
            }
            first = false;
        }
        Ok(Member::Text(joined))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Member, A::Error> {
        IgnoredAny.visit_map(map)?;
        Ok(Member::Wrong(AN_OBJECT))
    }
}

/// A number as `serde_json` writes it (the shortest digits that read back
/// as the same `f64`), as a `Value` made it before.
fn number_text(v: f64) -> String {
    serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string())
}

/// One item of a list, appended to `out` after a `;` unless `first`;
/// `false` when it is not text or a number.
struct ListItem<'a> {
    out: &'a mut String,
    first: bool,
}

impl ListItem<'_> {
    fn push(self, text: &str) -> bool {
        if !self.first {
            self.out.push(';');
        }
        self.out.push_str(text);
        true
    }
}

impl<'de> DeserializeSeed<'de> for ListItem<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<bool, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListItem<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list item")
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        Ok(self.push(&v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        Ok(self.push(&v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<bool, E> {
        Ok(self.push(&number_text(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(self.push(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(false)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        IgnoredAny.visit_map(map)?;
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::JsonLine;
    use crate::ingest::Column;

    fn decode(text: &str) -> Result<Vec<(Column, String)>, (String, String)> {
        let line = JsonLine {
            line: 7,
            text: text.to_owned(),
        };
        match line.decode() {
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
    fn by_value(text: &str) -> Result<Vec<(Column, String)>, (String, String)> {
        use serde_json::Value;
        let object = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => object,
            Ok(_) => return Err(("row".into(), "a JSON line must be an object".into())),
            Err(e) => return Err(("row".into(), format!("invalid JSON: {e}"))),
        };
        let mut values: Vec<Option<String>> = vec![None; Column::ALL.len()];
        for (key, value) in &object {
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
        Ok(Column::ALL
            .into_iter()
            .filter_map(|c| {
                let v = values[c as usize].as_deref()?.trim();
                (!v.is_empty()).then(|| (c, v.to_owned()))
            })
            .collect())
    }

    #[test]
    fn lines_decode_as_a_value_decoded_them() {
        let lines = [
            r#"{"report_id":"R1","reported_at":"2024-03-01","venue_type":"car_wash","lat":52.666221,"lng":-0.158,"indicators":["no_ppe","cash_only"]}"#,
            r#"{"ID":"R2","Date":"01/03/2024","Venue Type":"Nail bar","Latitude":52,"longitude":-1,"persons_count":3,"child_involved":true}"#,
            r#"{"id":"R3","date":"2024-03-01","venue":"farm","postcode":"PE13 1AA","extra":{"a":[1,{"b":2}]},"notes":"say \"hi\"\n\u00e9"}"#,
            r#"{"id":"R4","lat":1e2,"lng":-0.0,"persons":12345678901,"indicators":[],"grading":null}"#,
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
            r#"{"id":"R18","lat":-52.123456789012345678}"#,
        ];
        for text in lines {
            assert_eq!(decode(text), by_value(text), "{text}");
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
        assert!(reason.starts_with("invalid JSON: "), "{reason}");
    }
}
