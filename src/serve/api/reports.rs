//! `POST /api/v1/reports`: submissions through the same ingest path as `hotspots ingest`.

use axum::extract::{FromRequest, Multipart, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::ingest;
use crate::ingest::{Format, Input, LoadOptions};
use crate::serve::error::{ApiResult, AppError};
use crate::serve::query::query_pairs;
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;
use crate::store::StoredReject;

/// What a submission did.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SubmitSummary {
    /// The load's run: `/loads/{run_id}` shows it and its rejects.
    pub run_id: i64,
    pub file: String,
    pub read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub rejects: Vec<RejectJson>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RejectJson {
    pub line: u64,
    pub field: String,
    pub reason: String,
}

impl SubmitSummary {
    /// The audit log's entry for this submission by `viewer`.
    pub(crate) fn audit_entry(&self, viewer: &Viewer, action: &str) -> crate::store::AuditEntry {
        let mut entry = viewer.audit(action, "ok");
        entry.target = Some(self.file.clone());
        entry.rows = Some(self.stored as i64);
        entry.detail = Some(format!(
            "read {} stored {} duplicates {} rejected {}",
            self.read, self.stored, self.duplicates, self.rejected
        ));
        entry
    }
}

/// A JSON object or array of them (`what` each is) as JSON Lines, one a line,
/// so that a row's line is its position in the array.
pub(super) fn json_lines(body: &[u8], what: &str) -> Result<Vec<u8>, AppError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| AppError::bad("body", format!("not JSON: {e}")))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        object @ serde_json::Value::Object(_) => vec![object],
        _ => {
            return Err(AppError::bad(
                "body",
                format!("expected {what} object or an array of them"),
            ))
        }
    };
    let mut jsonl = Vec::new();
    for item in &items {
        serde_json::to_writer(&mut jsonl, item).map_err(AppError::internal)?;
        jsonl.push(b'\n');
    }
    Ok(jsonl)
}

/// Bytes that cannot be read at all are the 400 of the request's `part`
/// that carried them; anything else is ours.
pub(super) fn load_error(part: &'static str) -> impl Fn(ingest::PipelineError) -> AppError {
    move |e| match e {
        ingest::PipelineError::Ingest(e) => AppError::bad(part, e.to_string()),
        other => AppError::internal(other),
    }
}

/// What a stored submission did, with its rejects read back from the store.
pub(super) fn submit_summary(
    store: &crate::store::Store,
    name: String,
    summary: &ingest::FileSummary,
) -> Result<SubmitSummary, AppError> {
    let mut rejects = Vec::new();
    store.rejects_for_run(summary.counts.run_id, |r: StoredReject| {
        rejects.push(RejectJson {
            line: r.line,
            field: r.field,
            reason: r.reason,
        });
    })?;
    Ok(SubmitSummary {
        run_id: summary.counts.run_id,
        file: name,
        read: summary.counts.read,
        stored: summary.counts.stored,
        duplicates: summary.counts.duplicates,
        rejected: summary.counts.rejected,
        rejects,
    })
}

/// The text encoding a `Content-Type`'s `charset` parameter names (a
/// file saved as Windows-1252 is sent as `text/csv; charset=windows-1252`).
fn charset(content_type: &str, field: &str) -> Result<Option<ingest::TextEncoding>, AppError> {
    let Some(label) = content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"'))
    }) else {
        return Ok(None);
    };
    label
        .parse()
        .map(Some)
        .map_err(|message: String| AppError::bad(field, format!("charset: {message}")))
}

/// Bytes to load as one file, not yet decoded, and the part of the request
/// that carried them: a problem with the whole of them (not one row) is
/// that part's 400, `body` for a request's body, `file` for an upload.
pub(crate) struct Submission {
    /// The file's name as sent, or one the route gives it.
    pub name: String,
    pub format: Format,
    pub bytes: Vec<u8>,
    /// The encoding the sender named (`charset`), if not UTF-8.
    pub encoding: Option<ingest::TextEncoding>,
    /// The request's part the bytes came from.
    pub part: &'static str,
}

impl Submission {
    /// A load's options for these bytes: their format and encoding, and no
    /// rejects file (the answer lists the rejects; the store keeps them).
    pub(crate) fn options(&self) -> LoadOptions {
        LoadOptions {
            format: Some(self.format),
            encoding: self.encoding,
            no_rejects_file: true,
            ..LoadOptions::default()
        }
    }

    /// The bytes as a load's input, with the name they were sent under.
    pub(crate) fn into_input(self) -> (String, Input) {
        let input = Input::Reader {
            name: self.name.clone(),
            reader: Box::new(std::io::Cursor::new(self.bytes)),
        };
        (self.name, input)
    }

    /// Bytes a request's body carried (or a route made from a form).
    pub(crate) fn body(name: impl Into<String>, format: Format, bytes: Vec<u8>) -> Self {
        Self {
            name: name.into(),
            format,
            bytes,
            encoding: None,
            part: "body",
        }
    }
}

/// The `file` part of an upload.
pub(crate) enum UploadedFile {
    /// One file of a format a load reads.
    One(Submission),
    /// A zip archive (`.zip`): its members are the files.
    Archive { name: String, bytes: Vec<u8> },
}

/// A `multipart/form-data` upload: its `file` part, and the other fields
/// the form may send.
pub(crate) struct Upload {
    pub file: UploadedFile,
    /// The other fields, each one of `accepted`, as sent.
    pub fields: Vec<(String, String)>,
}

/// A body over `config.max_body_mib`.
fn too_large(config: &crate::serve::ServeConfig) -> AppError {
    AppError::TooLarge {
        limit_mib: config.max_body_mib,
    }
}

/// Whether reading stopped at the body limit. axum's own check
/// (`MultipartError::status`) answers 500 here, where both the router's
/// limit and axum's default one wrap the body and so the limit's error:
/// every source is looked at instead.
fn over_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(e), |e| e.source())
        .any(<dyn std::error::Error>::is::<http_body_util::LengthLimitError>)
}

/// Reads a `multipart/form-data` upload of one `file` and the fields named
/// in `accepted`; any other field is the caller's 400.
pub(crate) async fn read_upload(
    state: &AppState,
    request: axum::extract::Request,
    accepted: &[&str],
) -> Result<Upload, AppError> {
    // The body limit shows as a field that cannot be read: said as 413,
    // naming the limit, not as a malformed upload.
    let field_error = |field: &str, e: axum::extract::multipart::MultipartError| {
        if over_limit(&e) {
            too_large(state.config())
        } else {
            AppError::bad(field, e.body_text())
        }
    };
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|e| AppError::bad("body", e.body_text()))?;
    let mut file = None;
    let mut fields = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| field_error("file", e))?
    {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.csv").to_owned();
                if ingest::is_archive_name(&name) {
                    let bytes = field.bytes().await.map_err(|e| field_error("file", e))?;
                    file = Some(UploadedFile::Archive {
                        name,
                        bytes: bytes.to_vec(),
                    });
                    continue;
                }
                let charset = charset(field.content_type().unwrap_or(""), "file")?;
                let format = Format::of_file(&name, &name).map_err(|e| match e {
                    ingest::IngestError::Workbook { .. } => AppError::bad("file", e.to_string()),
                    _ => AppError::bad(
                        "file",
                        format!("{name}: unknown format (use .csv, .jsonl, .geojson, or a .zip of them)"),
                    ),
                })?;
                let bytes = field.bytes().await.map_err(|e| field_error("file", e))?;
                file = Some(UploadedFile::One(Submission {
                    name,
                    format,
                    bytes: bytes.to_vec(),
                    encoding: charset,
                    part: "file",
                }));
            }
            Some(name) if accepted.contains(&name) => {
                let name = name.to_owned();
                let value = field.text().await.map_err(|e| field_error(&name, e))?;
                fields.push((name, value));
            }
            Some(other) => {
                return Err(AppError::bad(
                    other,
                    format!("unknown form field (file, {})", accepted.join(", ")),
                ))
            }
            None => {}
        }
    }
    let file = file.ok_or_else(|| AppError::bad("file", "no file in the upload"))?;
    Ok(Upload { file, fields })
}

/// Loads one submission through the same ingest path as `hotspots ingest`,
/// read in its encoding when it is not UTF-8 (as `--encoding` reads a file).
pub(crate) async fn ingest_bytes(
    state: &AppState,
    submission: Submission,
    default_source: String,
    loaded_by: &str,
) -> Result<SubmitSummary, AppError> {
    let loaded_by = Some(loaded_by.to_owned());
    let part = submission.part;
    state
        .write(move |store| {
            let options = upload_options(store, default_source, loaded_by, submission.options())?;
            let (name, input) = submission.into_input();
            let summary = ingest::load(store, input, &options, None).map_err(load_error(part))?;
            submit_summary(store, name, &summary)
        })
        .await
}

/// A load's options for what staff send the server: `read_as` (format,
/// encoding) with its source and uploader, and the reports linked to
/// premises before the commit when the database holds a register.
fn upload_options(
    store: &crate::store::Store,
    default_source: String,
    loaded_by: Option<String>,
    read_as: LoadOptions,
) -> Result<LoadOptions, AppError> {
    Ok(LoadOptions {
        default_source: Some(default_source),
        loaded_by,
        before_commit: store
            .has_register()?
            .then(crate::premises::linking_before_commit),
        ..read_as
    })
}

/// How many times the upload limit one member of an uploaded archive may
/// unpack to: CSV compresses five to ten times; a zip bomb, a thousand.
const ARCHIVE_UNPACK_FACTOR: u64 = 16;

/// What loading an uploaded archive did: each member's load, in the
/// archive's order, and what could not be loaded.
pub(crate) struct ArchiveLoaded {
    pub loads: Vec<SubmitSummary>,
    /// The members (or the archive) that could not be read at all, said.
    pub unreadable: Vec<String>,
    /// The failure that stopped the loads (a database's: nothing after it
    /// was tried), as its answer.
    pub stopped: Option<AppError>,
}

/// Loads each member of an uploaded zip archive of reports as its own load
/// (`NAME/MEMBER`), as `hotspots ingest` loads an archive named to it, each
/// read in `encoding` when it is not UTF-8.
pub(crate) async fn ingest_archive(
    state: &AppState,
    name: String,
    bytes: Vec<u8>,
    encoding: Option<ingest::TextEncoding>,
    default_source: String,
    loaded_by: &str,
) -> Result<ArchiveLoaded, AppError> {
    let loaded_by = Some(loaded_by.to_owned());
    let member_limit = (state.config().max_body_mib as u64)
        .saturating_mul(ARCHIVE_UNPACK_FACTOR)
        .saturating_mul(1 << 20);
    state
        .write(move |store| {
            let read_as = LoadOptions {
                encoding,
                no_rejects_file: true,
                ..LoadOptions::default()
            };
            let options = upload_options(store, default_source, loaded_by, read_as)?;
            let members =
                ingest::archive_members(&name, bytes, ingest::loadable_name, member_limit);
            let loaded = ingest::load_each(members, &options, |input, options| {
                ingest::load(store, input, options, None)
            });
            let loads = (loaded.summaries.iter())
                .map(|summary| submit_summary(store, summary.file.clone(), summary))
                .collect::<Result<_, _>>()?;
            Ok(ArchiveLoaded {
                loads,
                unreadable: loaded.unreadable.iter().map(ToString::to_string).collect(),
                stopped: loaded.stopped.map(|(_, e)| load_error("file")(e)),
            })
        })
        .await
}

/// Submit reports: a JSON object or array (line = position in the array), CSV,
/// JSON Lines or GeoJSON by `Content-Type`, or a `multipart/form-data` upload
/// (field `file`, format from its name), in the encoding its `charset` names.
/// Answers the ingest summary and the rejects.
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    params(("source" = Option<String>, Query, description = "source for rows without one (default `api`)")),
    request_body(content = String, description = "application/json (object or array), text/csv, application/x-ndjson, application/geo+json, or multipart/form-data with a `file` field. UTF-8 unless the type's `charset` names another encoding (`text/csv; charset=windows-1252`); a UTF-16 byte-order mark is followed."),
    responses(
        (status = 200, description = "Summary: read = stored + duplicates + rejected", body = SubmitSummary),
        (status = 422, description = "Every row was rejected", body = SubmitSummary),
        (status = 400, description = "The body cannot be read at all"),
    )
)]
pub(super) async fn post_reports(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> ApiResult<Response> {
    // A browser session must prove the request came from our pages; a bearer
    // token is never sent by a browser on its own, so it needs no CSRF token.
    if viewer.token_id.is_none() {
        viewer.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    }
    let mut source = "api".to_owned();
    for (k, v) in query_pairs(raw.as_deref())? {
        match k.as_str() {
            "source" if !v.trim().is_empty() => source = crate::model::normalise_word(&v),
            "source" => {}
            other => {
                return Err(AppError::bad(other, "unknown parameter (accepted: source)").into())
            }
        }
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    // The body's bytes as sent, and the encoding they are in when not UTF-8:
    // the load decodes them, and its run records how it read them.
    let submission = if content_type.starts_with("multipart/form-data") {
        let upload = read_upload(&state, request, &["source"]).await?;
        let last_source = upload.fields.iter().rev();
        if let Some((_, v)) = last_source
            .filter(|(k, _)| k == "source")
            .find(|(_, v)| !v.trim().is_empty())
        {
            source = crate::model::normalise_word(v);
        }
        match upload.file {
            UploadedFile::One(file) => file,
            UploadedFile::Archive { name, .. } => {
                return Err(AppError::bad(
                    "file",
                    format!(
                        "{name}: a zip archive, and this API loads one file a request: \
                         send its files one by one, upload it on /loads, or load it \
                         with hotspots ingest"
                    ),
                )
                .into())
            }
        }
    } else {
        let bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
            .await
            .map_err(|_| too_large(state.config()))?;
        let bytes = bytes.to_vec();
        let encoding = charset(&content_type, "Content-Type")?;
        let essence = content_type.split(';').next().unwrap_or("").trim();
        let (name, format, bytes, encoding) = match essence {
            "application/json" => {
                // Written again as JSON Lines, which are UTF-8.
                let jsonl = json_lines(&ingest::into_utf8(bytes, encoding), "a report")?;
                ("api.json", Format::Jsonl, jsonl, None)
            }
            "text/csv" => ("api.csv", Format::Csv, bytes, encoding),
            "application/x-ndjson" | "application/jsonl" | "application/json-lines" => {
                ("api.jsonl", Format::Jsonl, bytes, encoding)
            }
            "application/geo+json" => ("api.geojson", Format::Geojson, bytes, encoding),
            other => {
                return Err(AppError::bad(
                    "Content-Type",
                    format!("{other:?} is not application/json, text/csv, application/x-ndjson, application/geo+json or multipart/form-data"),
                )
                .into())
            }
        };
        Submission {
            encoding,
            ..Submission::body(name, format, bytes)
        }
    };
    let summary = ingest_bytes(&state, submission, source, &viewer.user).await?;
    state.audit(summary.audit_entry(&viewer, "submit"));
    let status = if summary.read > 0 && summary.rejected == summary.read {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(summary)).into_response())
}
