//! `/loads`: every load the database recorded (report files from the command
//! line, the API, the web form and uploads here; register and context
//! imports; relinks), newest first, with who asked for each and what each
//! read, stored, took as duplicates and rejected; one load's rejects by
//! line, field and reason; and a file upload through the same ingest path
//! as `hotspots ingest`, for staff who do not use the command line.
//!
//! Analysts and up (`Role::reviews_loads`). A reject's raw row is a report's
//! text, notes included, so only roles that see notes get it, on the page
//! and in the CSV.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};

use crate::ingest;
use crate::serve::api::{
    import_register, ingest_archive, ingest_bytes, read_upload, Register, Submission, UploadedFile,
};
use crate::serve::error::{AppError, PageResult};
use crate::serve::http::{spool_writer, spooled_csv, SpoolWriter};
use crate::serve::i18n::{self, t, t_args, Lang};
use crate::serve::layout::staff_page;
use crate::serve::query::pairs;
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;
use crate::store::{RunRecord, Store, StoredReject};

/// Loads listed a page.
const LOADS_SHOWN: usize = 50;
/// Rejects listed on a load's page; the CSV has them all.
const REJECTS_SHOWN: u64 = 200;
/// Characters of a raw row shown in the table (the CSV has it whole).
const RAW_SHOWN: usize = 160;

/// Encodings offered for an upload: browsers send no `charset` with a file,
/// and these are the ones UK partners' files come in (Excel's "CSV" on a UK
/// machine is windows-1252; central and eastern European ones for the
/// community languages).
const ENCODINGS: [(&str, &str); 5] = [
    ("utf-8", "UTF-8"),
    ("windows-1252", "Windows-1252 (Excel CSV, UK)"),
    ("windows-1250", "Windows-1250 (Central European)"),
    ("iso-8859-2", "ISO-8859-2 (Latin-2)"),
    ("windows-1251", "Windows-1251 (Cyrillic)"),
];

/// `GET /loads?before=RUN`.
pub async fn loads_page(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    viewer.require(&state, viewer.role.reviews_loads(), "loads")?;
    let mut before = None;
    for (k, v) in pairs(raw.as_deref()) {
        match k.as_str() {
            "before" => {
                before =
                    Some(v.parse::<i64>().map_err(|_| {
                        AppError::bad("before", format!("{v:?} is not a load number"))
                    })?);
            }
            other => {
                return Err(AppError::bad(other, "unknown parameter (accepted: before)").into())
            }
        }
    }
    let runs = state
        .read(move |store| Ok(store.runs(before, LOADS_SHOWN + 1)?))
        .await?;
    let mut entry = viewer.audit("loads", "ok");
    entry.rows = Some(runs.len().min(LOADS_SHOWN) as i64);
    state.audit(entry);
    let limit_mib = state.config().max_body_mib;
    Ok(render_list(&viewer, &runs, before.is_some(), limit_mib).into_response())
}

fn render_list(viewer: &Viewer, runs: &[RunRecord], paged: bool, limit_mib: usize) -> Markup {
    let lang = viewer.lang.staff();
    let shown = &runs[..runs.len().min(LOADS_SHOWN)];
    let older = (runs.len() > LOADS_SHOWN)
        .then(|| shown.last().map(|r| r.run_id))
        .flatten();
    let body = html! {
        main #main .loads {
            h1 { (t(lang, "loads-title")) }
            p { (t(lang, "loads-intro")) }
            section aria-labelledby="upload-title" {
                h2 #upload-title { (t(lang, "loads-upload-title")) }
                p {
                    (t(lang, "loads-upload-intro"))
                    " "
                    (t_args(lang, "loads-upload-limit", &[("mib", (limit_mib as i64).into())]))
                }
                form.picker.upload method="post" action="/loads" enctype="multipart/form-data" {
                    input type="hidden" name="csrf" value=(viewer.csrf.clone().unwrap_or_default());
                    label for="file" { (t(lang, "loads-file")) }
                    input #file type="file" name="file" required accept=".csv,.tsv,.txt,.jsonl,.ndjson,.geojson,.json,.zip";
                    label for="holds" { (t(lang, "loads-holds")) }
                    select #holds name="holds" {
                        option value="reports" { (t(lang, "loads-holds-reports")) }
                        @if viewer.role.records_outcomes() {
                            option value="premises" { (t(lang, "loads-holds-premises")) }
                            option value="outcomes" { (t(lang, "loads-holds-outcomes")) }
                        }
                    }
                    label for="encoding" { (t(lang, "loads-encoding")) }
                    select #encoding name="encoding" {
                        @for (value, label) in ENCODINGS { option value=(value) { (label) } }
                    }
                    label for="source" { (t(lang, "loads-source")) }
                    input #source name="source" placeholder="upload";
                    button type="submit" { (t(lang, "loads-upload")) }
                }
            }
            @if shown.is_empty() {
                p { (t(lang, "loads-empty")) }
            } @else {
                div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "loads-title")) {
                    table #loads-table {
                        caption { (t(lang, if paged { "loads-caption-older" } else { "loads-caption" })) }
                        thead { tr {
                            th scope="col" { "#" }
                            @for id in ["loads-file", "loads-kind", "loads-when", "loads-by", "loads-read", "loads-stored", "loads-duplicates", "loads-rejected"] {
                                th scope="col" { (t(lang, id)) }
                            }
                        } }
                        tbody {
                            @for r in shown {
                                tr {
                                    td { a href=(format!("/loads/{}", r.run_id)) { (r.run_id) } }
                                    td { (r.file_name) }
                                    td { (kind_name(lang, &r.format)) }
                                    td { (when(lang, r)) }
                                    td { (r.loaded_by.as_deref().unwrap_or("—")) }
                                    td.num { (i18n::number(lang, r.read as i64)) }
                                    td.num { (i18n::number(lang, r.stored as i64)) }
                                    td.num { (i18n::number(lang, r.duplicates as i64)) }
                                    td.num { (i18n::number(lang, r.rejected as i64)) }
                                }
                            }
                        }
                    }
                }
                @if let Some(id) = older {
                    p { a href=(format!("/loads?before={id}")) { (t(lang, "loads-older")) } }
                }
            }
        }
    };
    staff_page(&t(lang, "loads-title"), &body, viewer.nav_in(lang))
}

/// When a load started, as the database recorded it (`current_timestamp` in
/// the database's time zone).
fn when(lang: Lang, run: &RunRecord) -> String {
    format!(
        "{} {}",
        i18n::date(lang, run.started_at.date()),
        run.started_at.format("%H:%M:%S")
    )
}

/// `GET /loads/{run}`.
pub async fn load_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    viewer.require(&state, viewer.role.reviews_loads(), "loads")?;
    let run_id = run_id(&id)?;
    let (run, rejects) = run_and_first_rejects(&state, run_id).await?;
    let mut entry = viewer.audit("load", "ok");
    entry.target = Some(run_id.to_string());
    entry.rows = Some(rejects.len() as i64);
    state.audit(entry);
    let lang = viewer.lang.staff();
    let raw = viewer.role.sees_notes();
    let title = t_args(
        lang,
        "load-title",
        &[
            ("id", run.run_id.to_string().into()),
            ("file", run.file_name.clone().into()),
        ],
    );
    let body = html! {
        main #main .loads {
            p { a href="/loads" { (t(lang, "load-back")) } }
            h1 { (title) }
            dl.facts {
                dt { (t(lang, "loads-kind")) } dd { (kind_name(lang, &run.format)) }
                dt { (t(lang, "loads-when")) } dd { (when(lang, &run)) }
                @if let Some(by) = &run.loaded_by { dt { (t(lang, "loads-by")) } dd { (by) } }
                dt { (t(lang, "load-sha256")) } dd { code { (run.sha256) } }
                @if let Some(encoding) = &run.encoding { dt { (t(lang, "load-encoding")) } dd { (encoding) } }
                @if let Some(delimiter) = &run.delimiter { dt { (t(lang, "load-delimiter")) } dd { (delimiter_name(lang, delimiter)) } }
                dt { (t(lang, "load-version")) } dd { (run.tool_version) }
                dt { (t(lang, "loads-read")) } dd { (i18n::number(lang, run.read as i64)) }
                dt { (t(lang, "loads-stored")) } dd { (i18n::number(lang, run.stored as i64)) }
                dt { (t(lang, "loads-duplicates")) } dd { (i18n::number(lang, run.duplicates as i64)) }
                dt { (t(lang, "loads-rejected")) } dd { (i18n::number(lang, run.rejected as i64)) }
            }
            @if run.rejected == 0 {
                p { (t(lang, "load-no-rejects")) }
            } @else {
                h2 { (t(lang, "load-rejects-title")) }
                p {
                    (t_args(lang, "load-rejects-shown", &[("shown", (rejects.len() as i64).into()), ("count", (run.rejected as i64).into())]))
                    " "
                    a href=(format!("/loads/{}/rejects.csv", run.run_id)) download { (t(lang, "load-rejects-csv")) }
                }
                div.table-scroll role="region" tabindex="0" aria-label=(t(lang, "load-rejects-title")) {
                    table #rejects-table {
                        caption { (t(lang, "load-rejects-caption")) }
                        thead { tr {
                            th scope="col" { (t(lang, "load-line")) }
                            th scope="col" { (t(lang, "load-field")) }
                            th scope="col" { (t(lang, "load-reason")) }
                            @if raw { th scope="col" { (t(lang, "load-raw")) } }
                        } }
                        tbody {
                            @for r in &rejects {
                                tr {
                                    td.num { (r.line) }
                                    td { (r.field) }
                                    td { (r.reason) }
                                    @if raw { td { code { (shortened(&r.raw)) } } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(staff_page(&title, &body, viewer.nav_in(lang)).into_response())
}

/// What a load was, for people: `premises-csv` is "Premises register
/// (CSV)". The recorded name is kept for a kind this does not know.
fn kind_name(lang: Lang, format: &str) -> String {
    let file_format = |name: &str| match name {
        "csv" => Some("CSV"),
        "jsonl" => Some("JSON Lines"),
        "geojson" => Some("GeoJSON"),
        _ => None,
    };
    let (id, file) = match format {
        "police-uk" => return t(lang, "loads-kind-police-uk"),
        "relink" => return t(lang, "loads-kind-relink"),
        _ => match format.split_once('-') {
            Some(("premises", file)) => ("loads-kind-premises", file),
            Some(("outcomes", file)) => ("loads-kind-outcomes", file),
            _ => ("loads-kind-reports", format),
        },
    };
    match file_format(file) {
        Some(file) => t_args(lang, id, &[("format", file.into())]),
        None => format.to_owned(),
    }
}

/// A CSV's delimiter by name: a tab or a comma is hard to read as itself.
fn delimiter_name(lang: Lang, delimiter: &str) -> String {
    match delimiter {
        "," => t(lang, "load-delimiter-comma"),
        ";" => t(lang, "load-delimiter-semicolon"),
        "\t" => t(lang, "load-delimiter-tab"),
        other => format!("{other:?}"),
    }
}

fn shortened(raw: &str) -> String {
    match raw.char_indices().nth(RAW_SHOWN) {
        Some((end, _)) => format!("{}…", &raw[..end]),
        None => raw.to_owned(),
    }
}

fn run_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

/// `GET /loads/{run}/rejects.csv`: every reject of a load, in line order, as
/// the command line's rejects file has them (`file,line,field,reason,raw`;
/// without `raw` for roles that do not see notes).
pub async fn load_rejects_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    viewer.require(&state, viewer.role.reviews_loads(), "loads")?;
    let run_id = run_id(&id)?;
    let raw = viewer.role.sees_notes();
    // Written to a scratch file as read, then streamed from it: a load of a
    // million bad rows is a CSV of hundreds of megabytes.
    let (spool, rows) = state
        .read(move |store| {
            if store.run(run_id)?.is_none() {
                return Ok(None);
            }
            spool_rejects(store, run_id, raw).map(Some)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let mut entry = viewer.audit("load_rejects_export", "ok");
    entry.target = Some(run_id.to_string());
    entry.rows = Some(rows as i64);
    state.audit(entry);
    Ok(spooled_csv(spool, &format!("load-{run_id}.rejects.csv")).map_err(AppError::internal)?)
}

/// A run's rejects as CSV in a scratch file; and how many rows it holds.
fn spool_rejects(store: &Store, run_id: i64, raw: bool) -> Result<(SpoolWriter, u64), AppError> {
    let mut w = spool_writer(store.scratch_file().map_err(AppError::internal)?);
    let header: &[&str] = if raw {
        &["file", "line", "field", "reason", "raw"]
    } else {
        &["file", "line", "field", "reason"]
    };
    w.row(header).map_err(AppError::internal)?;
    let mut rows = 0;
    let mut written = Ok(());
    store.rejects_for_run(run_id, |r| {
        if written.is_ok() {
            let line = r.line.to_string();
            let row = [r.file.as_str(), &line, &r.field, &r.reason, &r.raw];
            written = w.row(&row[..header.len()]);
            rows += 1;
        }
    })?;
    written.map_err(AppError::internal)?;
    Ok((w, rows))
}

/// A recorded run and the rejects its page shows (the first
/// [`REJECTS_SHOWN`] in line order); 404 when there is no such run.
async fn run_and_first_rejects(
    state: &AppState,
    run_id: i64,
) -> Result<(RunRecord, Vec<StoredReject>), AppError> {
    state
        .read(move |store| {
            let Some(run) = store.run(run_id)? else {
                return Ok(None);
            };
            let mut rejects = Vec::new();
            store.first_rejects(run_id, REJECTS_SHOWN, |r| rejects.push(r))?;
            Ok(Some((run, rejects)))
        })
        .await?
        .ok_or(AppError::NotFound)
}

/// `POST /loads`: a file uploaded (`file`, with `holds`, `encoding` and
/// `source`), loaded as the command line loads one: reports as `hotspots
/// ingest`, a premises register as `hotspots premises import` (the reports
/// linked again after), visit outcomes as `hotspots outcomes import`; then
/// its load's page.
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    request: axum::extract::Request,
) -> PageResult<Response> {
    viewer.require(&state, viewer.role.reviews_loads(), "loads")?;
    let upload = read_upload(&state, request, &["csrf", "holds", "encoding", "source"]).await?;
    let field = |name: &str| {
        upload
            .fields
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    };
    viewer.check_csrf(field("csrf"))?;
    let register = match field("holds").unwrap_or("reports") {
        "reports" => None,
        "premises" => Some(Register::Premises),
        "outcomes" => Some(Register::Outcomes),
        other => {
            return Err(
                AppError::bad("holds", format!("{other:?}: reports, premises or outcomes")).into(),
            )
        }
    };
    if register.is_some() {
        // A register changes what every report links to, and outcomes are
        // what visits found: the roles that record them.
        viewer.require(
            &state,
            viewer.role.records_outcomes(),
            "premises registers and outcomes",
        )?;
    }
    let chosen = match field("encoding") {
        Some(label) => Some(
            label
                .parse::<ingest::TextEncoding>()
                .map_err(|message| AppError::bad("encoding", message))?,
        ),
        None => None,
    };
    let source = field("source").map_or_else(|| "upload".to_owned(), crate::model::normalise_word);
    let file = match upload.file {
        // A charset the file part names itself wins over the form's choice.
        UploadedFile::One(file) => Submission {
            encoding: file.encoding.or(chosen),
            ..file
        },
        UploadedFile::Archive { name, bytes } => {
            if register.is_some() {
                return Err(AppError::bad(
                    "file",
                    format!(
                        "{name}: a zip archive loads reports here; upload a register \
                         as its own CSV, JSON Lines or GeoJSON file"
                    ),
                )
                .into());
            }
            let loaded = ingest_archive(&state, name, bytes, chosen, source, &viewer.user).await?;
            for load in &loaded.loads {
                state.audit(load.audit_entry(&viewer, "submit"));
            }
            if let Some(stopped) = loaded.stopped {
                return Err(stopped.into());
            }
            if !loaded.unreadable.is_empty() {
                let kept = match loaded.loads.len() {
                    0 => String::new(),
                    n => format!(
                        "; the {n} other {} loaded (see /loads)",
                        if n == 1 { "file is" } else { "files are" }
                    ),
                };
                return Err(AppError::bad(
                    "file",
                    format!("{}{kept}", loaded.unreadable.join("; ")),
                )
                .into());
            }
            // See Other: the list, with the archive's loads on top.
            return Ok(Redirect::to("/loads").into_response());
        }
    };
    let (summary, action) = match register {
        None => {
            let summary = ingest_bytes(&state, file, source, &viewer.user).await?;
            (summary, "submit")
        }
        Some(register) => {
            let summary = import_register(&state, register, file, &viewer.user).await?;
            let action = match register {
                Register::Premises => "premises_import",
                Register::Outcomes => "outcomes",
            };
            (summary, action)
        }
    };
    state.audit(summary.audit_entry(&viewer, action));
    // See Other: the page of the load, which a reload does not send again.
    Ok(Redirect::to(&format!("/loads/{}", summary.run_id)).into_response())
}
