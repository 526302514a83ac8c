//! Static files from `web/`, embedded in the binary so that the dashboard works
//! offline from any directory. Each is compressed once (brotli, zstd, gzip at
//! their smallest) and served with those bytes, a content-hash ETag, and a
//! year-long `immutable` cache under its hashed URL ([`url`]).

use std::sync::OnceLock;

use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::serve::http::{etag_matches, header_items, Coding, Effort};

/// `(path under /static/, content type, bytes)`.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/app.js"),
    ),
    (
        "controls.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/controls.js"),
    ),
    (
        "panel.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/panel.js"),
    ),
    (
        "form.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/form.js"),
    ),
    (
        "report.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/report.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../web/favicon.svg"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web/style.css"),
    ),
    (
        "vendor/maplibre-gl/maplibre-gl.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/vendor/maplibre-gl/maplibre-gl.js"),
    ),
    (
        "vendor/maplibre-gl/maplibre-gl.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web/vendor/maplibre-gl/maplibre-gl.css"),
    ),
    (
        "vendor/maplibre-gl/LICENSE.txt",
        "text/plain; charset=utf-8",
        include_bytes!("../../web/vendor/maplibre-gl/LICENSE.txt"),
    ),
];

/// A static file as served: its hash and its bytes in every coding worth
/// having, compressed once (at the smallest size: the work is paid once per
/// process, not per request; ~33 ms of CPU a request for MapLibre's script
/// when it was compressed on the fly).
struct Prepared {
    /// The first 20 hex digits of the SHA-256: the ETag's and the URL's `v`.
    hash: String,
    /// `(coding, bytes)`, smallest first; only codings that save something.
    encoded: Vec<(Coding, Vec<u8>)>,
}

/// Content types worth compressing (not already compressed formats).
fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.contains("svg")
        || content_type.contains("json")
}

fn prepared() -> &'static [Prepared] {
    static PREPARED: OnceLock<Vec<Prepared>> = OnceLock::new();
    PREPARED.get_or_init(|| {
        FILES
            .iter()
            .map(|(_, content_type, bytes)| {
                let mut encoded: Vec<(Coding, Vec<u8>)> = if compressible(content_type) {
                    [Coding::Brotli, Coding::Zstd, Coding::Gzip]
                        .into_iter()
                        .filter_map(|c| Some((c, c.compress_at(bytes, Effort::Smallest).ok()?)))
                        .filter(|(_, packed)| packed.len() < bytes.len())
                        .collect()
                } else {
                    Vec::new()
                };
                encoded.sort_by_key(|(_, packed)| packed.len());
                Prepared {
                    hash: hex::encode(Sha256::digest(bytes))[..20].to_owned(),
                    encoded,
                }
            })
            .collect()
    })
}

/// Compresses every static file now, on a thread of its own, so that the
/// first visitor does not wait for it (a server calls this as it starts).
pub(crate) fn prepare_in_background() {
    std::thread::Builder::new()
        .name("static-files".into())
        .spawn(|| {
            prepared();
        })
        .ok();
}

/// The URL of a static file with its content hash (`/static/app.js?v=…`):
/// answered with a year-long `immutable` cache, so a repeat visit fetches
/// nothing; a new build changes the hash and so the URL.
pub(crate) fn url(path: &str) -> String {
    match FILES.iter().position(|(p, _, _)| *p == path) {
        Some(i) => format!("/static/{path}?v={}", prepared()[i].hash),
        None => format!("/static/{path}"),
    }
}

/// `GET /favicon.ico`: browsers ask for it whatever the page says (a 404
/// there is a console error on every page); the SVG icon answers.
pub async fn favicon(headers: HeaderMap) -> Response {
    respond("favicon.svg", None, &headers)
}

/// `GET /static/{path}`.
pub async fn asset(
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    respond(&path, query.as_deref(), &headers)
}

fn respond(path: &str, query: Option<&str>, headers: &HeaderMap) -> Response {
    let Some(i) = FILES.iter().position(|(p, _, _)| *p == path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let (_, content_type, bytes) = FILES[i];
    let file = &prepared()[i];
    // The smallest representation the client accepts (they cost the same
    // to send from memory; fewer bytes reach the officer sooner).
    let chosen = file.encoded.iter().find(|(c, _)| accepts(headers, *c));
    let (etag, body, coding) = match chosen {
        Some((c, packed)) => (
            format!("\"{}-{}\"", file.hash, c.as_str()),
            packed.as_slice(),
            Some(*c),
        ),
        None => (format!("\"{}\"", file.hash), bytes, None),
    };
    let versioned = query.is_some_and(|q| {
        q.split('&')
            .any(|kv| kv.strip_prefix("v=") == Some(file.hash.as_str()))
    });
    let mut out = HeaderMap::new();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if versioned {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=3600, must-revalidate"
        }),
    );
    if !file.encoded.is_empty() {
        out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if let Some(c) = coding {
        out.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(c.as_str()),
        );
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, v);
    }
    if etag_matches(headers, &etag) {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    (out, body).into_response()
}

/// Whether `Accept-Encoding` allows this coding (named with q > 0).
fn accepts(headers: &HeaderMap, coding: Coding) -> bool {
    header_items(headers, header::ACCEPT_ENCODING, ',').any(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let q_zero = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
        name.eq_ignore_ascii_case(coding.as_str()) && !q_zero
    })
}
