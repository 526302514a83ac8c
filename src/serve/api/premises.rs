//! `/api/v1/premises`, `POST /api/v1/outcomes`, `/api/v1/outcomes/summary`.

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::reports::{json_lines, load_error, submit_summary, Submission, SubmitSummary};
use crate::ingest::{self, Format, LoadOptions};
use crate::premises::{self, PremisesFormat, SummaryQuery};
use crate::publish::{parse, parse_day, Layer};
use crate::serve::error::{ApiResult, AppError};
use crate::serve::query::query_pairs;
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;

/// Repeat premises: GeoJSON points (or CSV) with reports, incidents, sources,
/// first and last seen, velocity, top indicators, the Gi* bin and emerging
/// category of the cell, and the last visit's outcome. Analyst and above.
#[utoipa::path(
    get,
    path = "/api/v1/premises",
    params(
        ("min_reports" = Option<u64>, Query, description = "only premises with at least this many reports in the period (default 1)"),
        ("sort" = Option<String>, Query, description = "reports (default), incidents, sources, last_seen, velocity or name"),
        ("format" = Option<String>, Query, description = "geojson (default), csv, gpkg or parquet"),
        super::layers::LayerParams,
    ),
    responses(
        (status = 200, description = "GeoJSON FeatureCollection of points, or CSV", content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter; `error.field` names it"),
        (status = 403, description = "Partnership may not read premises"),
    )
)]
pub(super) async fn premises_list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> ApiResult<Response> {
    viewer.require(&state, viewer.role.sees_premises(), "premises")?;
    let request = premises::parse_premises(&query_pairs(raw.as_deref())?)?;
    let (_, rendered) = premises_answer(&state, &request).await?;
    let mut entry = viewer.audit(
        if request.download {
            "download"
        } else {
            "premises"
        },
        "ok",
    );
    entry.target = Some("premises".into());
    entry.rows = Some(rendered.rows as i64);
    entry.detail.clone_from(&raw);
    state.audit(entry);
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(rendered.content_type),
    );
    let file = matches!(
        request.format,
        PremisesFormat::GeoPackage | PremisesFormat::GeoParquet
    );
    if request.download || file {
        if let Ok(v) =
            HeaderValue::from_str(&format!("attachment; filename=\"{}\"", rendered.file_name))
        {
            headers.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok((headers, rendered.body.clone()).into_response())
}

/// The repeat-premises answer for `request` and its cache key, from the layer
/// cache or computed once. Kept there because its key holds the data version,
/// which every load and every relink moves on.
pub(crate) async fn premises_answer(
    state: &AppState,
    request: &premises::PremisesRequest,
) -> Result<(String, std::sync::Arc<crate::publish::Rendered>), AppError> {
    let key = format!(
        "premises|{}|{:?}|{:?}|{}",
        state.version(),
        request.query,
        request.format,
        request.download
    );
    let computing = request.clone();
    let rendered = state
        .0
        .cache
        .get_or_compute(&key, async {
            state
                .read(move |store| {
                    let rows = premises::repeat_premises(store, &computing.query)?;
                    Ok(premises::premises_rendered(&rows, &computing)?)
                })
                .await
        })
        .await?;
    Ok((key, rendered))
}

/// Records visit outcomes: a JSON object or an array of them (line = position
/// in the array), with the columns of `hotspots outcomes import`. Tactical and
/// admin. Answers like `POST /api/v1/reports`.
#[utoipa::path(
    post,
    path = "/api/v1/outcomes",
    request_body(content = String, description = "application/json: an outcome object or an array of them"),
    responses(
        (status = 200, description = "Summary: read = stored + duplicates + rejected", body = SubmitSummary),
        (status = 422, description = "Every row was rejected", body = SubmitSummary),
        (status = 403, description = "Only tactical and admin record outcomes"),
    )
)]
pub(super) async fn post_outcomes(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    viewer.require(&state, viewer.role.records_outcomes(), "outcomes")?;
    if viewer.token_id.is_none() {
        viewer.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    }
    let jsonl = json_lines(&body, "an outcome")?;
    let summary = record_outcomes(&state, "api outcomes".into(), jsonl, &viewer.user).await?;
    let mut entry = viewer.audit("outcomes", "ok");
    entry.target = Some(summary.file.clone());
    entry.rows = Some(summary.stored as i64);
    state.audit(entry);
    let status = if summary.read > 0 && summary.rejected == summary.read {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(summary)).into_response())
}

/// What a register file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Register {
    /// Premises (`hotspots premises import`): the reports are linked again after.
    Premises,
    /// Visit outcomes (`hotspots outcomes import`).
    Outcomes,
}

/// Imports a register file as the command line does
/// (`ingest::import_premises`, `ingest::import_outcomes`), in `encoding`
/// when it is not UTF-8; a premises register's import relinks the reports
/// in the same write.
pub(crate) async fn import_register(
    state: &AppState,
    register: Register,
    submission: Submission,
    loaded_by: &str,
) -> Result<SubmitSummary, AppError> {
    let loaded_by = loaded_by.to_owned();
    let part = submission.part;
    state
        .write(move |store| {
            let options = LoadOptions {
                loaded_by: Some(loaded_by.clone()),
                ..submission.options()
            };
            let (name, input) = submission.into_input();
            let summary = match register {
                Register::Premises => ingest::import_premises(store, input, &options),
                Register::Outcomes => ingest::import_outcomes(store, input, &options),
            }
            .map_err(load_error(part))?;
            if register == Register::Premises {
                premises::relink(store, Some(&loaded_by))?;
            }
            submit_summary(store, name, &summary)
        })
        .await
}

/// Stores JSON Lines of outcomes through `ingest::import_outcomes`.
pub(crate) async fn record_outcomes(
    state: &AppState,
    name: String,
    jsonl: Vec<u8>,
    loaded_by: &str,
) -> Result<SubmitSummary, AppError> {
    let submission = Submission::body(name, Format::Jsonl, jsonl);
    import_register(state, Register::Outcomes, submission, loaded_by).await
}

/// Parses the summary's parameters: `from`, `to`, `window_days`, and the
/// map's `res`, `k`, `kernel`, `fdr` (as the layers take them).
pub(crate) fn summary_query(pairs: &[(String, String)]) -> Result<SummaryQuery, AppError> {
    let mut query = SummaryQuery::default();
    let mut map = Vec::new();
    for (name, value) in pairs {
        match name.as_str() {
            "window_days" if !value.is_empty() => {
                query.window_days = value
                    .parse::<u32>()
                    .ok()
                    .filter(|d| (7..=3_650).contains(d))
                    .ok_or_else(|| {
                        AppError::bad(
                            "window_days",
                            format!("{value:?} is not a whole number of days from 7 to 3650"),
                        )
                    })?;
            }
            "from" | "to" if !value.is_empty() => {
                // The layers' days, as the contract says.
                let day = parse_day(name, value)?;
                if name == "from" {
                    query.from = Some(day);
                } else {
                    query.to = Some(day);
                }
            }
            "res" | "k" | "kernel" | "fdr" => map.push((name.clone(), value.clone())),
            "window_days" | "from" | "to" => {}
            other => {
                return Err(AppError::bad(
                    other,
                    "unknown parameter (accepted: from, to, window_days, res, k, kernel, fdr)",
                ))
            }
        }
    }
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if from > to {
            return Err(AppError::bad("from", format!("{from} is after to {to}")));
        }
    }
    query.layer = parse(Layer::Cells, &map)?.query;
    Ok(query)
}

/// Does the map send officers to the right places? Per Gi* bin (as the map
/// stood the day before each visit), the visits, the positive ones, the hit
/// rate and its Wilson 95% interval; per emerging category; and the PAI.
#[utoipa::path(
    get,
    path = "/api/v1/outcomes/summary",
    params(
        ("from" = Option<String>, Query, description = "first visit day included, 2000-01-01 to 2099-12-31"),
        ("to" = Option<String>, Query, description = "last visit day included, 2000-01-01 to 2099-12-31"),
        ("window_days" = Option<u32>, Query, description = "days of reports before each visit the map is made of (default 365)"),
        ("res" = Option<u8>, Query, description = "the map's resolution (default 8)"),
        ("k" = Option<u32>, Query, description = "neighbourhood rings (default 1)"),
        ("kernel" = Option<String>, Query, description = "uniform (default), triangular or gaussian"),
        ("fdr" = Option<bool>, Query, description = "Benjamini-Hochberg (default true)"),
    ),
    responses(
        (status = 200, description = "bins, hot, not_hot, hot_vs_not_hot, emerging, areas, pai, provenance", content_type = "application/json"),
        (status = 403, description = "Partnership may not read outcomes"),
    )
)]
pub(super) async fn outcome_summary(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> ApiResult<Response> {
    viewer.require(&state, viewer.role.sees_premises(), "outcomes")?;
    let query = summary_query(&query_pairs(raw.as_deref())?)?;
    let computing = query.clone();
    let summary = state
        .read(move |store| Ok(premises::outcome_summary(store, &computing)?))
        .await?;
    let mut entry = viewer.audit("outcomes_summary", "ok");
    entry.detail = raw;
    state.audit(entry);
    Ok(Json(summary.to_json(&query)).into_response())
}
