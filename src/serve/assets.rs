//! Static files from `web/`, embedded in the binary so that the dashboard works
//! offline from any directory. Each is compressed once (brotli, zstd, gzip at
//! their smallest, on a thread of its own as the server starts) and served
//! with those bytes, a content-hash ETag, and a year-long `immutable` cache
//! under its hashed URL ([`url`]).

use std::sync::OnceLock;

use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::serve::http::{etag_matches, header_items, Coding, Effort};

/// The static files, in the order they are compressed at start (the map page's first).
static FILES: [StaticFile; 10] = [
    StaticFile::new(
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/app.js"),
    ),
    StaticFile::new(
        "controls.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/controls.js"),
    ),
    StaticFile::new(
        "panel.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/panel.js"),
    ),
    StaticFile::new(
        "form.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/form.js"),
    ),
    StaticFile::new(
        "report.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/report.js"),
    ),
    StaticFile::new(
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../web/favicon.svg"),
    ),
    StaticFile::new(
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web/style.css"),
    ),
    StaticFile::new(
        "vendor/maplibre-gl/maplibre-gl.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/vendor/maplibre-gl/maplibre-gl.js"),
    ),
    StaticFile::new(
        "vendor/maplibre-gl/maplibre-gl.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web/vendor/maplibre-gl/maplibre-gl.css"),
    ),
    StaticFile::new(
        "vendor/maplibre-gl/LICENSE.txt",
        "text/plain; charset=utf-8",
        include_bytes!("../../web/vendor/maplibre-gl/LICENSE.txt"),
    ),
];

/// A static file as served. Its hash (the ETag's and the URL's `v`) and its
/// compressed bytes are each made once, apart: a page naming the file needs
/// only the hash (a few milliseconds of SHA-256), so the first page after a
/// start never waits for the compression (~2.5 s of brotli and zstd at their
/// smallest for MapLibre's script, which the background thread does first).
struct StaticFile {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// The first 20 hex digits of the SHA-256.
    hash: OnceLock<String>,
    /// `(coding, bytes)`, smallest first; only codings that save something.
    encoded: OnceLock<Vec<(Coding, Vec<u8>)>>,
}

impl StaticFile {
    const fn new(path: &'static str, content_type: &'static str, bytes: &'static [u8]) -> Self {
        Self {
            path,
            content_type,
            bytes,
            hash: OnceLock::new(),
            encoded: OnceLock::new(),
        }
    }

    fn hash(&self) -> &str {
        self.hash
            .get_or_init(|| hex::encode(Sha256::digest(self.bytes))[..20].to_owned())
    }

    /// Compressed at the smallest size: the work is paid once per process,
    /// not per request (~33 ms of CPU a request for MapLibre's script when it
    /// was compressed on the fly). A request that comes while another thread
    /// compresses this file waits for that thread; one that comes first does
    /// the work itself.
    fn encoded(&self) -> &[(Coding, Vec<u8>)] {
        self.encoded.get_or_init(|| {
            if !compressible(self.content_type) {
                return Vec::new();
            }
            let mut encoded: Vec<(Coding, Vec<u8>)> = [Coding::Brotli, Coding::Zstd, Coding::Gzip]
                .into_iter()
                .filter_map(|c| Some((c, c.compress_at(self.bytes, Effort::Smallest).ok()?)))
                .filter(|(_, packed)| packed.len() < self.bytes.len())
                .collect();
            encoded.sort_by_key(|(_, packed)| packed.len());
            encoded
        })
    }
}

/// Content types worth compressing (not already compressed formats).
fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.contains("svg")
        || content_type.contains("json")
}

/// Compresses every static file now, largest first, on a thread of its own,
/// so that the first visitor does not wait for it (a server calls this as it
/// starts).
pub(crate) fn prepare_in_background() {
    std::thread::Builder::new()
        .name("static-files".into())
        .spawn(|| {
            let mut order: Vec<&StaticFile> = FILES.iter().collect();
            order.sort_by_key(|f| std::cmp::Reverse(f.bytes.len()));
            for file in order {
                file.encoded();
            }
        })
        .ok();
}

/// The URL of a static file with its content hash (`/static/app.js?v=…`):
/// answered with a year-long `immutable` cache, so a repeat visit fetches
/// nothing; a new build changes the hash and so the URL.
pub(crate) fn url(path: &str) -> String {
    url_in(&FILES, path)
}

fn url_in(files: &[StaticFile], path: &str) -> String {
    match files.iter().find(|f| f.path == path) {
        Some(file) => format!("/static/{path}?v={}", file.hash()),
        None => format!("/static/{path}"),
    }
}

/// `GET /favicon.ico`: browsers ask for it whatever the page says (a 404
/// there is a console error on every page); the SVG icon answers.
pub async fn favicon(headers: HeaderMap) -> Response {
    serve_file("favicon.svg", None, &headers).await
}

/// `GET /static/{path}`.
pub async fn asset(
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    serve_file(&path, query.as_deref(), &headers).await
}

async fn serve_file(path: &str, query: Option<&str>, headers: &HeaderMap) -> Response {
    let Some(file) = FILES.iter().find(|f| f.path == path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    if file.encoded.get().is_none() {
        // Compressing, or waiting for the thread that compresses, takes up to
        // seconds just after a start: not on a runtime worker.
        let _ = tokio::task::spawn_blocking(move || {
            file.encoded();
        })
        .await;
    }
    respond(file, query, headers)
}

fn respond(file: &'static StaticFile, query: Option<&str>, headers: &HeaderMap) -> Response {
    let hash = file.hash();
    let encoded = file.encoded();
    // The smallest representation the client accepts (they cost the same
    // to send from memory; fewer bytes reach the officer sooner).
    let chosen = encoded.iter().find(|(c, _)| accepts(headers, *c));
    let (etag, body, coding) = match chosen {
        Some((c, packed)) => (
            format!("\"{hash}-{}\"", c.as_str()),
            packed.as_slice(),
            Some(*c),
        ),
        None => (format!("\"{hash}\""), file.bytes, None),
    };
    let versioned =
        query.is_some_and(|q| q.split('&').any(|kv| kv.strip_prefix("v=") == Some(hash)));
    let mut out = HeaderMap::new();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if versioned {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=3600, must-revalidate"
        }),
    );
    if !encoded.is_empty() {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> [StaticFile; 2] {
        [
            StaticFile::new(
                "a.js",
                "text/javascript; charset=utf-8",
                b"let a = 1;\n".as_slice(),
            ),
            StaticFile::new(
                "b.css",
                "text/css; charset=utf-8",
                include_bytes!("../../web/style.css"),
            ),
        ]
    }

    #[test]
    fn a_pages_url_carries_the_hash_without_compressing_the_file() {
        let files = sample();
        let url = url_in(&files, "b.css");
        let expected = hex::encode(Sha256::digest(include_bytes!("../../web/style.css")));
        assert_eq!(url, format!("/static/b.css?v={}", &expected[..20]));
        assert!(
            files.iter().all(|f| f.encoded.get().is_none()),
            "naming a file in a page must not wait for its compression"
        );
        assert_eq!(url_in(&files, "missing.js"), "/static/missing.js");
    }

    #[test]
    fn a_file_is_compressed_once_smallest_first() {
        let files = sample();
        let first = files[1].encoded().as_ptr();
        assert!(!files[1].encoded().is_empty());
        assert_eq!(files[1].encoded().as_ptr(), first, "compressed once");
        let sizes: Vec<usize> = files[1].encoded().iter().map(|(_, b)| b.len()).collect();
        assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
        // Ten bytes compress to more than ten: nothing is kept.
        assert!(files[0].encoded().is_empty());
    }
}
