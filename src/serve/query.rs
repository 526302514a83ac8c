//! Query strings as `name=value` pairs: strictly for the API (a bad string is
//! a 400 naming it), leniently for pages (a bad string shows the defaults).

use crate::serve::error::AppError;

pub(crate) fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| AppError::bad("query", format!("cannot read the query string: {e}")))
}

/// A page's query: `lang` (the page's language, read by the viewer) is left
/// out, so that no page's own parameters see it.
pub(crate) fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    pairs.retain(|(k, _)| k != "lang");
    pairs
}

pub(crate) fn one<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}
