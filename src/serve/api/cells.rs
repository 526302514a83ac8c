//! `/api/v1/cells`: detail of one cell or a hotspot area's cells.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::Json;
use chrono::Datelike;
use h3o::CellIndex;

use crate::publish;
use crate::publish::Layer;
use crate::serve::error::{ApiResult, AppError};
use crate::serve::query::query_pairs;
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;
use crate::store::ReportFilter;

/// Most cells one detail request may name.
const MAX_DETAIL_CELLS: usize = 2_000;
/// Most reports listed in one detail answer (the newest first).
const MAX_DETAIL_REPORTS: usize = 200;

/// Detail of one cell or a hotspot area's cells: counts by venue and indicator,
/// a monthly series, and (role permitting) the reports.
#[utoipa::path(
    get,
    path = "/api/v1/cells",
    params(
        ("h3" = String, Query, description = "H3 cells (hex), comma-separated, all at one resolution 6..9"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("venue" = Option<String>, Query), ("exploitation" = Option<String>, Query), ("source" = Option<String>, Query),
    ),
    responses((status = 200, description = "counts, venues, indicators, monthly, context (recorded crime by type), reports (role permitting)"), (status = 400, description = "bad cells or filters"))
)]
pub(super) async fn cell_detail(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    viewer: Viewer,
) -> ApiResult<Json<serde_json::Value>> {
    let mut pairs = query_pairs(raw.as_deref())?;
    let mut cells_text = None;
    pairs.retain(|(k, v)| {
        if k == "h3" {
            cells_text = Some(v.clone());
            false
        } else {
            true
        }
    });
    let cells_text = cells_text.ok_or_else(|| AppError::bad("h3", "give one or more H3 cells"))?;
    let cells: Vec<CellIndex> = cells_text
        .split(',')
        .map(|c| {
            c.trim()
                .parse::<CellIndex>()
                .map_err(|_| AppError::bad("h3", format!("{c:?} is not an H3 cell")))
        })
        .collect::<Result<_, _>>()?;
    if cells.is_empty() || cells.len() > MAX_DETAIL_CELLS {
        return Err(AppError::bad("h3", format!("give 1 to {MAX_DETAIL_CELLS} cells")).into());
    }
    let res = u8::from(cells[0].resolution());
    if !(6..=9).contains(&res) || cells.iter().any(|c| u8::from(c.resolution()) != res) {
        return Err(AppError::bad("h3", "all cells must have one resolution from 6 to 9").into());
    }
    // The filters are the reports layer's (venue, dates, ...): one parser for both.
    let request = publish::parse(Layer::Reports, &pairs)?;
    if request.format != publish::OutputFormat::GeoJson || request.download {
        return Err(AppError::bad("format", "not accepted here").into());
    }
    let mut entry = viewer.audit("report_detail", "ok");
    entry.target = Some(cells_text.chars().take(200).collect());
    entry.detail = raw.clone();
    if !viewer.role.sees_cell_detail() {
        entry.outcome = "denied".into();
        state.audit(entry);
        return Err(AppError::Forbidden("cell detail").into());
    }
    let filter = ReportFilter {
        cells: Some((res, cells.iter().map(|c| u64::from(*c)).collect())),
        ..request.query.filter
    };
    let role = viewer.role;
    let (from, to) = (filter.from, filter.to);
    let body = state
        .read(move |store| {
            let mut count = 0u64;
            let mut venues: BTreeMap<String, u64> = BTreeMap::new();
            let mut indicators: BTreeMap<String, u64> = BTreeMap::new();
            let mut monthly: BTreeMap<String, u64> = BTreeMap::new();
            let mut reports = Vec::new();
            store.for_each_report(&filter, |r| {
                count += 1;
                *venues.entry(r.venue_type.clone()).or_default() += 1;
                for i in r.indicators.split(';').filter(|s| !s.is_empty()) {
                    *indicators.entry(i.to_owned()).or_default() += 1;
                }
                *monthly
                    .entry(format!("{}-{:02}", r.observed_on.year(), r.observed_on.month()))
                    .or_default() += 1;
                if role.sees_reports() {
                    let mut item = serde_json::json!({
                        "source": r.source,
                        "report_id": r.report_id,
                        "observed_on": r.observed_on.to_string(),
                        "venue_type": r.venue_type,
                        "venue_name": r.venue_name,
                        "exploitation_type": r.exploitation_type,
                        "indicators": r.indicators.split(';').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
                        "geocode_method": r.geocode_method,
                        "precision_m": r.precision_m,
                    });
                    if role.sees_notes() {
                        item["notes"] = r.notes.clone().into();
                    }
                    reports.push(item);
                }
            })?;
            // Newest first, and only so many.
            reports.reverse();
            let listed = reports.len().min(MAX_DETAIL_REPORTS);
            reports.truncate(MAX_DETAIL_REPORTS);
            let mut body = serde_json::json!({
                "cells": cells.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "res": res,
                "count": count,
                "venues": venues,
                "indicators": indicators,
                "monthly": monthly.into_iter().map(|(m, n)| serde_json::json!({"month": m, "count": n})).collect::<Vec<_>>(),
            });
            if role.sees_reports() {
                body["reports"] = reports.into();
                body["reports_listed"] = listed.into();
            }
            // The cells' recorded crime (police.uk) in the months of the period.
            let wanted: std::collections::HashSet<u64> =
                cells.iter().map(|c| u64::from(*c)).collect();
            let mut context: BTreeMap<String, u64> = BTreeMap::new();
            for c in store.context_counts(res, from, to)? {
                if wanted.contains(&c.cell) {
                    *context.entry(c.crime_type).or_default() += c.count;
                }
            }
            body["context"] = serde_json::json!(context);
            Ok(body)
        })
        .await?;
    entry.rows = body["reports_listed"].as_i64();
    state.audit(entry);
    Ok(Json(body))
}
