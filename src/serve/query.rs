//! Query strings as `name=value` pairs: strictly for the API (a bad string is
//! a 400 naming it), leniently for pages (a bad string shows the defaults).

use crate::serve::error::AppError;

pub(crate) fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| AppError::bad("query", format!("cannot read the query string: {e}")))
}

/// A posted form's `name=value` pairs: URL-encoded, else a 400 naming the
/// `Content-Type` or the body.
pub(crate) fn form_pairs(
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<Vec<(String, String)>, AppError> {
    let form_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !form_type.starts_with("application/x-www-form-urlencoded") {
        return Err(AppError::bad(
            "Content-Type",
            "send the form as application/x-www-form-urlencoded",
        ));
    }
    serde_urlencoded::from_bytes(body)
        .map_err(|e| AppError::bad("body", format!("cannot read the form: {e}")))
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
