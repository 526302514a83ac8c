//! OGC API – Features over a layer's answer: the answer's features parsed once
//! ([`FeatureSet`]), then chosen by `bbox`, a CQL2 filter and a page.
//!
//! Choosing never recomputes an aggregate: it picks among the features the
//! role's answer already holds, so no filter can reveal what that answer
//! withheld (the partnership release stays the release), and the items of a
//! collection are, feature for feature, the matching layer's.

use chrono::NaiveDate;
use geo::{Intersects, Rect};
use serde_json::Value;

/// Why an OGC parameter or filter was refused; `part` names the parameter (or
/// the part of the filter) for the 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {message}")]
pub struct FeatureError {
    pub part: String,
    pub message: String,
}

impl FeatureError {
    fn new(part: &str, message: impl Into<String>) -> Self {
        Self {
            part: part.to_owned(),
            message: message.into(),
        }
    }
}

/// A layer answer's features, each with an `id` and its geometry ready for
/// spatial tests.
#[derive(Debug)]
pub struct FeatureSet {
    features: Vec<Value>,
    geometries: Vec<Option<geo::Geometry>>,
    provenance: Value,
}

impl FeatureSet {
    /// Parses a GeoJSON FeatureCollection. A feature without an `id` gets one
    /// from `id_properties` (their values joined with `:`), so every item has
    /// a stable address.
    ///
    /// # Errors
    /// When the bytes are not a FeatureCollection (a bug, not a user error).
    pub fn from_geojson(bytes: &[u8], id_properties: &[&str]) -> Result<Self, FeatureError> {
        let mut collection: Value = serde_json::from_slice(bytes)
            .map_err(|e| FeatureError::new("layer", format!("not JSON: {e}")))?;
        let provenance = collection
            .get_mut("provenance")
            .map_or(Value::Null, Value::take);
        let Some(Value::Array(mut features)) = collection.get_mut("features").map(Value::take)
        else {
            return Err(FeatureError::new("layer", "not a FeatureCollection"));
        };
        for feature in &mut features {
            if feature.get("id").is_none_or(Value::is_null) {
                let id = id_properties
                    .iter()
                    .map(|p| match &feature["properties"][p] {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(":");
                feature["id"] = Value::String(id);
            }
        }
        let geometries = features
            .iter()
            .map(|f| {
                let geometry: geojson::Geometry =
                    serde_json::from_value(f.get("geometry")?.clone()).ok()?;
                geo::Geometry::try_from(geometry).ok()
            })
            .collect();
        Ok(Self {
            features,
            geometries,
            provenance,
        })
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The answer's `provenance` member.
    pub fn provenance(&self) -> &Value {
        &self.provenance
    }

    pub fn feature(&self, index: usize) -> &Value {
        &self.features[index]
    }

    /// The feature's geometry (`None` for a null or unreadable one).
    pub fn geometry(&self, index: usize) -> Option<&geo::Geometry> {
        self.geometries[index].as_ref()
    }

    /// The feature whose `id` is `id`.
    pub fn find(&self, id: &str) -> Option<&Value> {
        self.features
            .iter()
            .find(|f| f.get("id").and_then(Value::as_str) == Some(id))
    }

    /// The positions of the features inside `bbox` (intersecting it) for which
    /// `filter` is true, in the answer's order.
    ///
    /// # Errors
    /// When the filter cannot be evaluated on a feature (a value of the wrong
    /// type for its operator, say): named as the filter's fault.
    pub fn select(
        &self,
        bbox: Option<&Bbox>,
        filter: Option<&Filter>,
    ) -> Result<Vec<usize>, FeatureError> {
        let rect = bbox.map(Bbox::rect);
        let mut chosen = Vec::new();
        for (index, feature) in self.features.iter().enumerate() {
            if let Some(rect) = &rect {
                let inside = self.geometries[index]
                    .as_ref()
                    .is_some_and(|g| g.intersects(rect));
                if !inside {
                    continue;
                }
            }
            if let Some(filter) = filter {
                if !filter.matches(feature)? {
                    continue;
                }
            }
            chosen.push(index);
        }
        Ok(chosen)
    }
}

/// An OGC `bbox`: WGS84 longitude and latitude (CRS84 order), west, south,
/// east, north.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bbox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Bbox {
    /// Parses `west,south,east,north` (or the six numbers of a 3D box, whose
    /// heights are ignored: every feature here lies on the ground).
    ///
    /// # Errors
    /// Not four (or six) numbers, or a box that is not one.
    pub fn parse(text: &str) -> Result<Self, FeatureError> {
        let numbers: Vec<f64> = text
            .split(',')
            .map(|n| n.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                FeatureError::new(
                    "bbox",
                    "give four numbers: west,south,east,north (longitude, latitude)",
                )
            })?;
        let (west, south, east, north) = match numbers.as_slice() {
            [w, s, e, n] | [w, s, _, e, n, _] => (*w, *s, *e, *n),
            _ => {
                return Err(FeatureError::new(
                    "bbox",
                    "give four numbers: west,south,east,north (longitude, latitude)",
                ))
            }
        };
        if !(numbers.iter().all(|n| n.is_finite())
            && (-180.0..=180.0).contains(&west)
            && (-180.0..=180.0).contains(&east)
            && (-90.0..=90.0).contains(&south)
            && (-90.0..=90.0).contains(&north)
            && south <= north)
        {
            return Err(FeatureError::new(
                "bbox",
                "longitudes within -180..180, latitudes within -90..90, south <= north",
            ));
        }
        Ok(Self {
            west,
            south,
            east,
            north,
        })
    }

    fn rect(&self) -> Rect {
        // A box across the antimeridian (west > east) is nowhere near the UK:
        // taken as the whole width, which a UK feature then intersects only
        // if it really is inside the latitudes.
        let (west, east) = if self.west <= self.east {
            (self.west, self.east)
        } else {
            (-180.0, 180.0)
        };
        Rect::new(
            geo::coord! { x: west, y: self.south },
            geo::coord! { x: east, y: self.north },
        )
    }
}

/// An OGC `datetime` as the layers' period: a date or date-time, or an
/// interval `start/end` with `..` (or nothing) for an open end. Layers count
/// whole days, so a date-time stands for its day.
///
/// # Errors
/// Anything else, or an interval that ends before it starts.
pub fn parse_datetime(text: &str) -> Result<(Option<NaiveDate>, Option<NaiveDate>), FeatureError> {
    fn day(part: &str) -> Result<Option<NaiveDate>, FeatureError> {
        let part = part.trim();
        if part.is_empty() || part == ".." {
            return Ok(None);
        }
        let date = part.get(..10).unwrap_or(part);
        let rest = part.get(10..).unwrap_or("");
        let time_ok = rest.is_empty()
            || (rest.starts_with(['T', 't']) && chrono::DateTime::parse_from_rfc3339(part).is_ok());
        match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            Ok(d) if time_ok => Ok(Some(d)),
            _ => Err(FeatureError::new(
                "datetime",
                format!("{part:?}: give an RFC 3339 date or date-time, or an interval start/end with .. for an open end"),
            )),
        }
    }
    let (from, to) = if let Some((start, end)) = text.split_once('/') {
        (day(start)?, day(end)?)
    } else {
        let d = day(text)?;
        if d.is_none() {
            return Err(FeatureError::new("datetime", "give a date or an interval"));
        }
        (d, d)
    };
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(FeatureError::new(
                "datetime",
                "the interval ends before it starts",
            ));
        }
    }
    Ok((from, to))
}

/// The filter languages an items request may name in `filter-lang`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterLang {
    Text,
    Json,
}

impl FilterLang {
    /// # Errors
    /// A language other than `cql2-text` and `cql2-json`.
    pub fn parse(text: &str) -> Result<Self, FeatureError> {
        match text {
            "cql2-text" => Ok(Self::Text),
            "cql2-json" => Ok(Self::Json),
            other => Err(FeatureError::new(
                "filter-lang",
                format!("{other:?}: give cql2-text (default) or cql2-json"),
            )),
        }
    }
}

/// A parsed CQL2 filter whose every property is a queryable of the collection.
#[derive(Clone, Debug)]
pub struct Filter(cql2::Expr);

impl Filter {
    /// Parses a CQL2 expression and checks the properties it names against
    /// `queryables` (a nested member of an object-valued queryable, such as
    /// `venues.car_wash`, is allowed).
    ///
    /// # Errors
    /// A bad expression (the parser's message) or an unknown property (named).
    pub fn parse(text: &str, lang: FilterLang, queryables: &[&str]) -> Result<Self, FeatureError> {
        let expr = match lang {
            FilterLang::Text => cql2::parse_text(text).map_err(|e| e.to_string()),
            FilterLang::Json => cql2::parse_json(text).map_err(|e| e.to_string()),
        }
        .map_err(|e| FeatureError::new("filter", format!("not a CQL2 expression: {e}")))?;
        let mut named = Vec::new();
        properties(&expr, &mut named);
        for property in named {
            let root = property.split('.').next().unwrap_or(property);
            if !queryables.contains(&root) {
                return Err(FeatureError::new(
                    "filter",
                    format!(
                        "{property:?} is not a queryable of this collection (see its /queryables: {})",
                        queryables.join(", ")
                    ),
                ));
            }
        }
        Ok(Self(expr))
    }

    /// `property = value` (a `?name=value` parameter on a queryable).
    pub fn equals(property: &str, value: Value) -> Self {
        let value = cql2::Expr::try_from(value).unwrap_or(cql2::Expr::Null);
        Self(cql2::Expr::Operation {
            op: "=".into(),
            args: vec![
                Box::new(cql2::Expr::Property {
                    property: property.to_owned(),
                }),
                Box::new(value),
            ],
        })
    }

    /// Both filters.
    #[must_use]
    pub fn and(self, other: Self) -> Self {
        Self(cql2::Expr::Operation {
            op: "and".into(),
            args: vec![Box::new(self.0), Box::new(other.0)],
        })
    }

    /// Is the filter true of `feature`?
    ///
    /// # Errors
    /// When the expression cannot be evaluated on the feature's values.
    pub fn matches(&self, feature: &Value) -> Result<bool, FeatureError> {
        let reduced = self
            .0
            .clone()
            .reduce(Some(feature))
            .map_err(|e| FeatureError::new("filter", format!("cannot be evaluated: {e}")))?;
        // Only TRUE admits: NULL, and what a feature cannot decide because it
        // lacks a property (a withheld count in the release, say), do not.
        Ok(matches!(reduced, cql2::Expr::Bool(true)))
    }

    /// The filter in CQL2 text (for the provenance and the `self` link).
    pub fn text(&self) -> String {
        self.0.to_text().unwrap_or_default()
    }
}

/// The property names an expression refers to.
fn properties<'e>(expr: &'e cql2::Expr, out: &mut Vec<&'e str>) {
    use cql2::Expr;
    match expr {
        Expr::Property { property } => out.push(property),
        Expr::Operation { args, .. } => args.iter().for_each(|a| properties(a, out)),
        Expr::Interval { interval } => interval.iter().for_each(|a| properties(a, out)),
        Expr::Array(items) | Expr::BBox { bbox: items } => {
            for a in items {
                properties(a, out);
            }
        }
        Expr::Timestamp { timestamp } => properties(timestamp, out),
        Expr::Date { date } => properties(date, out),
        Expr::Float(_) | Expr::Literal(_) | Expr::Bool(_) | Expr::Geometry(_) | Expr::Null => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection() -> FeatureSet {
        let fc = serde_json::json!({
            "type": "FeatureCollection",
            "provenance": {"layer": "test"},
            "features": [
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0.16, 52.66]},
                 "properties": {"town": "Wisbech", "period": "2024-Q1", "count": 12, "venue_type": "car_wash",
                                "observed_on": "2024-02-01", "venues": {"car_wash": 3}, "grading": null}},
                {"type": "Feature", "id": "given", "geometry": {"type": "Point", "coordinates": [-0.24, 52.57]},
                 "properties": {"town": "Peterborough", "period": "2024-Q1", "count": 4, "venue_type": "nail_bar",
                                "observed_on": "2024-06-30", "venues": {"car_wash": 0}, "grading": "B2"}},
                {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0.0, 51.0], [1.0, 51.0], [1.0, 52.0], [0.0, 51.0]]]},
                 "properties": {"town": "Nowhere", "period": "2024-Q2", "count": 0, "venue_type": "farm",
                                "observed_on": "2023-01-01", "venues": {}, "grading": null}}
            ]
        });
        FeatureSet::from_geojson(fc.to_string().as_bytes(), &["town", "period"]).expect("parsed")
    }

    const QUERYABLES: &[&str] = &[
        "town",
        "count",
        "venue_type",
        "observed_on",
        "venues",
        "grading",
        "geometry",
        "id",
    ];

    fn chosen(text: &str) -> Vec<String> {
        let set = collection();
        let filter = Filter::parse(text, FilterLang::Text, QUERYABLES).expect("parses");
        set.select(None, Some(&filter))
            .expect("evaluates")
            .into_iter()
            .map(|i| set.feature(i)["id"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    #[test]
    fn ids_come_from_the_feature_or_its_properties() {
        let set = collection();
        assert_eq!(set.feature(0)["id"], "Wisbech:2024-Q1");
        assert_eq!(set.feature(1)["id"], "given");
        assert!(set.find("Nowhere:2024-Q2").is_some());
        assert_eq!(set.provenance()["layer"], "test");
    }

    #[test]
    fn cql2_text_chooses_features() {
        assert_eq!(chosen("count > 5"), ["Wisbech:2024-Q1"]);
        assert_eq!(chosen("count >= 4 AND venue_type = 'nail_bar'"), ["given"]);
        assert_eq!(chosen("NOT (count > 5)"), ["given", "Nowhere:2024-Q2"]);
        assert_eq!(
            chosen("venue_type IN ('farm', 'car_wash')"),
            ["Wisbech:2024-Q1", "Nowhere:2024-Q2"]
        );
        assert_eq!(chosen("count BETWEEN 1 AND 5"), ["given"]);
        assert_eq!(
            chosen("grading IS NULL"),
            ["Wisbech:2024-Q1", "Nowhere:2024-Q2"]
        );
        assert_eq!(
            chosen("grading IS NOT NULL OR town = 'Wisbech'"),
            ["Wisbech:2024-Q1", "given"]
        );
        assert_eq!(chosen("venues.car_wash > 1"), ["Wisbech:2024-Q1"]);
        assert_eq!(
            chosen("S_INTERSECTS(geometry, BBOX(0, 52.5, 1, 53))"),
            ["Wisbech:2024-Q1"]
        );
        // The triangle touches that box's corner at (1, 52): it intersects.
        assert_eq!(
            chosen("S_INTERSECTS(geometry, BBOX(0, 52, 1, 53))"),
            ["Wisbech:2024-Q1", "Nowhere:2024-Q2"]
        );
        assert_eq!(
            chosen("S_INTERSECTS(geometry, POLYGON((-1 52, 0 52, 0 53, -1 53, -1 52)))"),
            ["given"]
        );
        assert_eq!(
            chosen("T_INTERSECTS(observed_on, INTERVAL('2024-01-01', '2024-03-31'))"),
            ["Wisbech:2024-Q1"]
        );
    }

    #[test]
    fn unknown_properties_and_bad_expressions_name_the_filter() {
        let e = Filter::parse("colour = 'red'", FilterLang::Text, QUERYABLES).expect_err("unknown");
        assert_eq!(e.part, "filter");
        assert!(e.message.contains("\"colour\""), "{e}");
        let e = Filter::parse("count >", FilterLang::Text, QUERYABLES).expect_err("bad");
        assert_eq!(e.part, "filter");
        let json = r#"{"op": ">", "args": [{"property": "count"}, 5]}"#;
        let f = Filter::parse(json, FilterLang::Json, QUERYABLES).expect("cql2-json");
        assert!(f.matches(collection().feature(0)).expect("evaluates"));
    }

    #[test]
    fn bbox_is_lon_lat_and_intersects_geometry() {
        let set = collection();
        let b = Bbox::parse("0,52.5,1,53").expect("bbox");
        assert_eq!(set.select(Some(&b), None).expect("select"), [0]);
        // The triangle's envelope reaches (0.9, 51.9), the triangle does not.
        let corner = Bbox::parse("0.8,51.05,0.95,51.1").expect("bbox");
        assert_eq!(set.select(Some(&corner), None).expect("select"), [2]);
        let outside = Bbox::parse("0.2,51.7,0.3,51.9").expect("bbox");
        assert!(set.select(Some(&outside), None).expect("select").is_empty());
        assert_eq!(Bbox::parse("1,2,3").expect_err("three").part, "bbox");
        assert!(Bbox::parse("0,53,1,52").is_err(), "south above north");
        assert!(Bbox::parse("0,52,0,1,53,0").is_ok(), "3D");
    }

    #[test]
    fn datetime_is_the_period() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert_eq!(
            parse_datetime("2024-01-01/2024-03-31"),
            Ok((d("2024-01-01"), d("2024-03-31")))
        );
        assert_eq!(parse_datetime("../2024-03-31"), Ok((None, d("2024-03-31"))));
        assert_eq!(
            parse_datetime("2024-01-01T10:00:00Z/"),
            Ok((d("2024-01-01"), None))
        );
        assert_eq!(
            parse_datetime("2024-02-29"),
            Ok((d("2024-02-29"), d("2024-02-29")))
        );
        assert_eq!(
            parse_datetime("2024-13-01").expect_err("month").part,
            "datetime"
        );
        assert!(parse_datetime("2024-03-01/2024-01-01").is_err());
        assert!(parse_datetime("2024-01-01T25:00:00Z").is_err());
    }
}
