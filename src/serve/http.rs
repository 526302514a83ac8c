//! Small HTTP helpers shared by the API, the pages and the static files.

use axum::http::{header, HeaderMap};

use crate::serve::error::AppError;

/// The items of every `name` header, split at `separator` and trimmed.
pub(crate) fn header_items(
    headers: &HeaderMap,
    name: header::HeaderName,
    separator: char,
) -> impl Iterator<Item = &str> {
    headers
        .get_all(name)
        .into_iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(move |v| v.split(separator))
        .map(str::trim)
}

/// True when `If-None-Match` names this ETag (or `*`).
pub fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    header_items(headers, header::IF_NONE_MATCH, ',')
        .map(|t| t.trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

pub(crate) fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| AppError::bad("query", format!("cannot read the query string: {e}")))
}

pub(crate) fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default()
}

pub(crate) fn one<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}
