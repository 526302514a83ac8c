//! Small HTTP helpers shared by the API, the pages and the static files:
//! header lists, ETags, content codings, CSV downloads. Knows nothing else
//! of the server.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::model::spreadsheet_text;

/// A CSV for the viewer to save as `file_name` (ours, plain ASCII): kept by
/// no cache, as it holds what the viewer's role may see.
fn private_csv(body: impl Into<axum::body::Body>, file_name: &str) -> Response {
    let mut response = body.into().into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
    {
        h.insert(header::CONTENT_DISPOSITION, disposition);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// A CSV too large to hold in memory, written to a scratch file through
/// this writer (which buffers), then answered by [`spooled_csv`]. Every cell
/// is written as [`spreadsheet_text`]: these CSVs hold what others typed.
pub(crate) struct SpoolWriter(csv::Writer<std::fs::File>);

impl SpoolWriter {
    /// Writes one row, each cell marked as text where a spreadsheet would
    /// run it as a formula.
    pub(crate) fn row<S: AsRef<str>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
    ) -> csv::Result<()> {
        for cell in cells {
            self.0
                .write_field(spreadsheet_text(cell.as_ref()).as_bytes())?;
        }
        self.0.write_record(std::iter::empty::<&[u8]>())
    }
}

/// A writer of a CSV into `scratch`.
pub(crate) fn spool_writer(scratch: std::fs::File) -> SpoolWriter {
    SpoolWriter(csv::Writer::from_writer(scratch))
}

/// A private CSV (as [`private_csv`]) streamed from what `spool` wrote,
/// its length said first (a browser shows the download's progress). The
/// file is read as the client takes it: neither it nor a database
/// connection is held in memory meanwhile.
///
/// # Errors
/// When the spool's last bytes cannot be written or it cannot be rewound.
pub(crate) fn spooled_csv(spool: SpoolWriter, file_name: &str) -> std::io::Result<Response> {
    use std::io::Seek;
    let mut file = spool
        .0
        .into_inner()
        .map_err(csv::IntoInnerError::into_error)?;
    file.rewind()?;
    let length = file.metadata()?.len();
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    let mut response = private_csv(axum::body::Body::from_stream(stream), file_name);
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    Ok(response)
}

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

/// A content coding the server stores answers in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Zstd,
    Brotli,
    Gzip,
}

impl Coding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zstd => "zstd",
            Self::Brotli => "br",
            Self::Gzip => "gzip",
        }
    }

    /// Which to pick on equal `q`: the fastest to make, then the smallest.
    fn rank(self) -> u8 {
        match self {
            Self::Zstd => 3,
            Self::Brotli => 2,
            Self::Gzip => 1,
        }
    }

    /// The client's preferred coding among ours (zstd, then brotli, on equal `q`).
    pub fn preferred(headers: &HeaderMap) -> Option<Self> {
        // q-values in thousandths (RFC 9110 allows three decimals), compared exactly.
        let mut best: Option<(u16, Self)> = None;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(text) = value.to_str() else { continue };
            for item in text.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or_default().trim();
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                    .map_or(0, |q| (q.clamp(0.0, 1.0) * 1000.0).round() as u16);
                let coding = match name.to_ascii_lowercase().as_str() {
                    "zstd" => Self::Zstd,
                    "br" => Self::Brotli,
                    "gzip" | "x-gzip" => Self::Gzip,
                    _ => continue,
                };
                let better = match best {
                    None => true,
                    Some((best_q, best_coding)) => {
                        q > best_q || (q == best_q && coding.rank() > best_coding.rank())
                    }
                };
                if q > 0 && better {
                    best = Some((q, coding));
                }
            }
        }
        best.map(|(_, coding)| coding)
    }

    /// Zstandard level 1, brotli quality 2, gzip level 4. On the 6.6 MB cells
    /// layer (one run, this VM): zstd 1 took 22-27 ms for 852 KB, brotli 2
    /// 110 ms for 891 KB (quality 4: slower again for 1% less), gzip 4 155 ms
    /// for 964 KB. A first request for a layer waits for this once; browsers
    /// that send `zstd` (Chromium, Firefox) get the fast one.
    pub(crate) fn compress(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        self.compress_at(bytes, Effort::Fast)
    }

    /// Compresses with the effort asked for: [`Effort::Smallest`] for bytes
    /// compressed once and served many times (the static files).
    pub(crate) fn compress_at(self, bytes: &[u8], effort: Effort) -> std::io::Result<Vec<u8>> {
        use std::io::Write as _;
        let smallest = effort == Effort::Smallest;
        match self {
            Self::Zstd => zstd::bulk::compress(bytes, if smallest { 19 } else { 1 }),
            Self::Brotli => {
                let mut out = Vec::with_capacity(bytes.len() / 8);
                {
                    let quality = if smallest { 11 } else { 2 };
                    let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, quality, 22);
                    w.write_all(bytes)?;
                    w.flush()?;
                }
                Ok(out)
            }
            Self::Gzip => {
                let mut w = flate2::write::GzEncoder::new(
                    Vec::with_capacity(bytes.len() / 6),
                    flate2::Compression::new(if smallest { 9 } else { 4 }),
                );
                w.write_all(bytes)?;
                w.finish()
            }
        }
    }
}

/// How hard [`Coding::compress_at`] works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effort {
    /// Per answer: a layer is compressed when first asked for.
    Fast,
    /// Once for the life of the process.
    Smallest,
}
