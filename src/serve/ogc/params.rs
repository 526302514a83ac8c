//! An items request's query string, split: OGC's own parameters (`f`, `bbox`,
//! `datetime`, `limit`, `offset`, `filter`, ...), equality filters on
//! queryables (`?bin=3`), and the rest, which go to the layer's parser (and a
//! name it does not know is a 400 there).

use axum::http::{header, HeaderMap};

use super::collections::{Collection, Kind};
use crate::model::Role;
use crate::publish::{parse_datetime, Bbox, Filter, FilterLang};
use crate::serve::error::AppError;

/// Items per page unless `limit` says otherwise, and the most a page holds.
pub(super) const DEFAULT_LIMIT: usize = 1000;
pub(super) const MAX_LIMIT: usize = 10_000;

/// WGS84 longitude, latitude: the only CRS served (RFC 7946).
pub(super) const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// JSON (GeoJSON for features) or a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    Json,
    Html,
}

impl Format {
    /// `f` when given, else the `Accept` header: a browser (asking for HTML
    /// before any JSON) gets the page.
    pub fn choose(pairs: &[(String, String)], headers: &HeaderMap) -> Result<Self, AppError> {
        if let Some((_, f)) = pairs.iter().find(|(k, _)| k == "f") {
            return match f.as_str() {
                "json" | "geojson" | "application/json" | "application/geo+json" => Ok(Self::Json),
                "html" | "text/html" => Ok(Self::Html),
                other => Err(AppError::bad("f", format!("{other:?}: give json or html"))),
            };
        }
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let html = accept.find("text/html");
        let json = accept.find("json");
        Ok(match (html, json) {
            (Some(h), Some(j)) if h < j => Self::Html,
            (Some(_), None) => Self::Html,
            _ => Self::Json,
        })
    }
}

/// A parsed items request.
pub(super) struct ItemsRequest {
    pub format: Format,
    pub bbox: Option<Bbox>,
    pub filter: Option<Filter>,
    pub limit: usize,
    pub offset: usize,
    /// Pairs for the layer's (or the premises list's) own parser.
    pub layer_pairs: Vec<(String, String)>,
}

fn only_crs84(name: &str, value: &str) -> Result<(), AppError> {
    if value == CRS84 || value == "CRS84" || value == "OGC:CRS84" {
        Ok(())
    } else {
        Err(AppError::bad(
            name,
            format!("{value:?}: only {CRS84} (WGS84 longitude, latitude) is served"),
        ))
    }
}

fn whole(name: &str, value: &str, least: usize) -> Result<usize, AppError> {
    match value.parse::<usize>() {
        Ok(n) if n >= least => Ok(n),
        _ => Err(AppError::bad(
            name,
            format!("{value:?}: give a whole number of at least {least}"),
        )),
    }
}

impl ItemsRequest {
    /// Splits and checks `pairs` for `collection` as `role` may query it.
    pub fn parse(
        pairs: &[(String, String)],
        headers: &HeaderMap,
        collection: Collection,
        role: Role,
    ) -> Result<Self, AppError> {
        let mut request = Self {
            format: Format::choose(pairs, headers)?,
            bbox: None,
            filter: None,
            limit: DEFAULT_LIMIT,
            offset: 0,
            layer_pairs: Vec::new(),
        };
        let layer_names: Vec<&str> = match collection.layer() {
            Some(layer) => layer.accepts(),
            None => crate::publish::Layer::Hotspots
                .accepts()
                .into_iter()
                .chain(crate::premises::OWN_PARAMETERS)
                .collect(),
        };
        let queryables = collection.queryables(role);
        let names: Vec<&str> = queryables.iter().map(|q| q.name).collect();
        let (mut text, mut lang) = (None, FilterLang::Text);
        let mut equal = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in pairs {
            let name = name.as_str();
            let ogc = matches!(
                name,
                "f" | "bbox"
                    | "bbox-crs"
                    | "datetime"
                    | "limit"
                    | "offset"
                    | "filter"
                    | "filter-lang"
                    | "filter-crs"
                    | "crs"
            );
            if ogc {
                if seen.contains(&name) {
                    return Err(AppError::bad(name, "given more than once"));
                }
                seen.push(name);
            }
            match name {
                "f" => {}
                "bbox" => request.bbox = Some(Bbox::parse(value)?),
                "bbox-crs" | "filter-crs" | "crs" => only_crs84(name, value)?,
                "datetime" => {
                    let (from, to) = parse_datetime(value)?;
                    if let Some(from) = from {
                        request.layer_pairs.push(("from".into(), from.to_string()));
                    }
                    if let Some(to) = to {
                        request.layer_pairs.push(("to".into(), to.to_string()));
                    }
                }
                "limit" => request.limit = whole(name, value, 1)?.min(MAX_LIMIT),
                "offset" => request.offset = whole(name, value, 0)?,
                "filter" => text = Some(value.as_str()),
                "filter-lang" => lang = FilterLang::parse(value)?,
                "format" | "download" => return Err(AppError::bad(
                    name,
                    "not an OGC API parameter: give f=json or f=html (downloads are under /api/v1)",
                )),
                _ if !layer_names.contains(&name) && names.contains(&name) => {
                    let kind = queryables.iter().find(|q| q.name == name).map(|q| q.kind);
                    equal.push((name, typed(name, value, kind)?));
                }
                _ => request.layer_pairs.push((name.to_owned(), value.clone())),
            }
        }
        let mut filter = match text {
            Some(t) => Some(Filter::parse(t, lang, &names)?),
            None => None,
        };
        for (name, value) in equal {
            let condition = Filter::equals(name, value);
            filter = Some(match filter {
                Some(f) => f.and(condition),
                None => condition,
            });
        }
        request.filter = filter;
        Ok(request)
    }

    /// The layer's pairs, and `datetime` turned into `from` and `to`, for an
    /// item by id (which takes the layer parameters, not the paging).
    pub fn layer_only(pairs: &[(String, String)]) -> Result<Vec<(String, String)>, AppError> {
        let mut out = Vec::new();
        for (name, value) in pairs {
            match name.as_str() {
                "f" => {}
                "crs" => only_crs84(name, value)?,
                "datetime" => {
                    let (from, to) = parse_datetime(value)?;
                    out.extend(from.map(|d| ("from".to_owned(), d.to_string())));
                    out.extend(to.map(|d| ("to".to_owned(), d.to_string())));
                }
                _ => out.push((name.clone(), value.clone())),
            }
        }
        Ok(out)
    }
}

/// A `?name=value` equality filter's value, typed as its queryable.
fn typed(name: &str, value: &str, kind: Option<Kind>) -> Result<serde_json::Value, AppError> {
    match kind {
        Some(Kind::Integer | Kind::Number) => value
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(serde_json::Value::from)
            .ok_or_else(|| AppError::bad(name, format!("{value:?}: give a number"))),
        Some(Kind::Boolean) => value
            .parse::<bool>()
            .map(serde_json::Value::from)
            .map_err(|_| AppError::bad(name, format!("{value:?}: give true or false"))),
        Some(Kind::Geometry(_) | Kind::Object | Kind::TextList) => Err(AppError::bad(
            name,
            "compare this property in a filter (filter=...), not as a parameter",
        )),
        _ => Ok(serde_json::Value::from(value)),
    }
}
