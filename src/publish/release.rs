//! The partnership release: a layer request pinned to one quarter, the release
//! resolution and no filters, computed as for everyone, then every count passed
//! through [`crate::publish::disclosure`] before it is written. See that module for what
//! is guaranteed.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use crate::model::{
    period_end, period_label, period_start, shift_periods, spreadsheet_text, AreaLevel, Step,
};
use crate::publish::disclosure::{self, Release};
use crate::publish::export;
use crate::publish::layers::{self, LayerError};
use crate::publish::params::{Layer, LayerRequest, OutputFormat};
use crate::publish::render::{write_json, RenderError, Rendered};
use crate::store::Store;

/// How the partnership role's release is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleaseRule {
    /// Counts 1..k−1 are withheld.
    pub k: u64,
    /// The one H3 resolution the role reads.
    pub res: u8,
}

fn quarter_start(d: NaiveDate) -> NaiveDate {
    period_start(d, Step::Quarter)
}

fn add_quarters(d: NaiveDate, n: i32) -> NaiveDate {
    shift_periods(d, Step::Quarter, n)
}

fn quarter_end(d: NaiveDate) -> NaiveDate {
    period_end(d, Step::Quarter)
}

fn quarter_label(d: NaiveDate) -> String {
    period_label(d, Step::Quarter)
}

fn refused(field: &'static str, message: &str) -> RenderError {
    RenderError::Layer(LayerError::Invalid {
        field,
        message: message.to_owned(),
    })
}

/// The releases of every quarter from `first` to `last` (quarter starts).
fn releases(
    store: &Store,
    rule: ReleaseRule,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<HashMap<NaiveDate, Release>, RenderError> {
    let mut by_quarter: BTreeMap<NaiveDate, Vec<crate::model::AreaUnit>> = BTreeMap::new();
    for (quarter, unit) in store.release_units(rule.res, first, quarter_end(last))? {
        by_quarter.entry(quarter).or_default().push(unit);
    }
    Ok(by_quarter
        .into_iter()
        .map(|(q, units)| (q, disclosure::release(&units, rule.k)))
        .collect())
}

fn published(v: Option<u64>) -> Value {
    v.map_or(Value::Null, Value::from)
}

/// Renders one request for the partnership role.
///
/// # Errors
/// A filter the release does not answer (400 naming it), a store or write failure.
pub fn render_release(
    store: &Store,
    request: &LayerRequest,
    rule: ReleaseRule,
) -> Result<Rendered, RenderError> {
    let filter = &request.query.filter;
    if !filter.venues.is_empty() {
        return Err(refused("venue", "partnership views are not filtered by venue (small-number protection); breakdowns are on the towns page"));
    }
    if !filter.exploitation.is_empty() {
        return Err(refused(
            "exploitation",
            "partnership views are not filtered by exploitation type (small-number protection)",
        ));
    }
    if !filter.sources.is_empty() {
        return Err(refused(
            "source",
            "partnership views are not filtered by source (small-number protection)",
        ));
    }
    let (_, data_last, _) = store.data_window(&crate::store::ReportFilter::default())?;
    let Some(data_last) = data_last else {
        // No data: nothing to disclose; the ordinary answer is empty.
        return crate::publish::render::render(
            store,
            request,
            crate::publish::render::ReportDetail { notes: false },
        );
    };
    // Whole quarters only: a running quarter's count, read on two days,
    // says how many were reported where in between.
    let data_last = match released_to(store)? {
        Some(released) => data_last.min(released),
        None => data_last,
    };
    let mut query = request.query.clone();
    query.res = rule.res;
    // A hot spot of the release holds k reports or more within its ring,
    // whatever was asked: a hot cell that stops being hot as the minimum
    // rises by one says its ring's exact count, and a ring whose only
    // reported cell is withheld would give that cell's.
    query.min_reports = u32::try_from(rule.k).unwrap_or(u32::MAX);
    let csv = request.format == OutputFormat::Csv;
    let mut body = Vec::new();
    let rows;
    let provenance_block;
    let disclosure_note = |period: &str| {
        json!({
            "role": "partnership",
            "k": rule.k,
            "release_res": rule.res,
            "period": period,
            "rule": "counts 1..k-1 withheld (null, suppressed: true); one whole calendar quarter (one still running at the latest load of reports is not released), no filters; totals withheld when they would reveal a withheld count (see src/disclosure.rs); a hot cell or area holds k reports or more within its ring (min_reports = k, whatever is asked)",
        })
    };
    match request.layer {
        // Open data, published whole: nothing of the reports to protect.
        Layer::Context => {
            return crate::publish::render::render(
                store,
                request,
                crate::publish::render::ReportDetail { notes: false },
            )
        }
        Layer::Cells | Layer::Hotspots | Layer::Emerging => {
            let quarter = quarter_start(filter.to.unwrap_or(data_last).min(data_last));
            query.filter.from = Some(quarter);
            query.filter.to = Some(quarter_end(quarter));
            let release = releases(store, rule, quarter, quarter)?
                .remove(&quarter)
                .unwrap_or_else(|| Release::empty(rule.k));
            let label = quarter_label(quarter);
            let (fc, columns, n) = match request.layer {
                Layer::Cells => cells(
                    store,
                    &query,
                    &release,
                    request.all,
                    &label,
                    &disclosure_note(&label),
                )?,
                Layer::Hotspots => {
                    hotspots(store, &query, &release, &label, &disclosure_note(&label))?
                }
                _ => emerging(store, &query, &label, &disclosure_note(&label))?,
            };
            rows = n;
            provenance_block = fc.get("provenance").cloned();
            if csv {
                write_csv(&fc, columns, &mut body)?;
            } else {
                write_json(&mut body, &fc)?;
            }
        }
        Layer::Towns => {
            let from = quarter_start(filter.from.unwrap_or(add_quarters(data_last, -11)));
            let to = quarter_start(filter.to.unwrap_or(data_last).min(data_last));
            let f = crate::store::ReportFilter {
                from: Some(from),
                to: Some(quarter_end(to)),
                ..crate::store::ReportFilter::default()
            };
            let mut trends = layers::area_trends(store, request.level, &f, Step::Quarter)?;
            let published_rows = publish_trends(store, rule, request.level, &mut trends)?;
            let out_rows: Vec<Value> = trends
                .iter()
                .zip(&published_rows)
                .map(|(t, p)| {
                    json!({
                        "town": t.town,
                        "district": t.district,
                        "district_name": t.district_name,
                        "period": t.label,
                        "period_start": t.period.to_string(),
                        "count": published(p.count),
                        "suppressed": p.count.is_none(),
                        "complete": t.complete,
                        "previous": published(p.previous.count()),
                        "previous_suppressed": p.previous == Earlier::Withheld,
                        "year_before": published(p.year_before.count()),
                        "year_before_suppressed": p.year_before == Earlier::Withheld,
                        "change": p.change,
                        "p_change": p.p_change.map(export::finite),
                        "p_year": p.p_year.map(export::finite),
                        "q_change": p.q_change.map(export::finite),
                        "q_year": p.q_year.map(export::finite),
                        "breakdown": p.breakdown,
                    })
                })
                .collect();
            rows = out_rows.len();
            let period = format!("{} to {}", quarter_label(from), quarter_label(to));
            let provenance = layers::provenance(
                "towns",
                &query,
                0,
                (Some(from), Some(quarter_end(to))),
                json!({
                    "rows": rows,
                    "step": "quarter",
                    "disclosure": disclosure_note(&period),
                    "multiple_testing": crate::publish::render::MULTIPLE_TESTING,
                }),
            );
            provenance_block = Some(provenance.clone());
            if csv {
                let fc = json!({"features": out_rows.iter().map(|p| json!({"properties": p})).collect::<Vec<_>>()});
                write_csv(
                    &fc,
                    &[
                        "town",
                        "district",
                        "district_name",
                        "period",
                        "count",
                        "suppressed",
                        "complete",
                        "previous",
                        "previous_suppressed",
                        "year_before",
                        "year_before_suppressed",
                        "change",
                        "p_change",
                        "p_year",
                        "q_change",
                        "q_year",
                        "breakdown",
                    ],
                    &mut body,
                )?;
            } else if request.format == OutputFormat::GeoJson {
                let fc = crate::publish::render::towns_geojson(&trends, out_rows, provenance);
                write_json(&mut body, &fc)?;
            } else {
                write_json(
                    &mut body,
                    &json!({"rows": out_rows, "provenance": provenance}),
                )?;
            }
        }
        Layer::Reports => return Err(refused("layer", "not available to this role")),
    }
    let (content_type, extension) = crate::publish::render::media_type(request.format);
    Ok(Rendered {
        body,
        content_type,
        file_name: format!(
            "hotspots-{}-partnership.{extension}",
            request.layer.as_str()
        ),
        rows,
        provenance: provenance_block,
    })
}

/// An earlier period's count as a role may see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Earlier {
    Count(u64),
    /// 1..k−1, withheld.
    Withheld,
    /// The period began before the store's first report: nothing to compare with.
    BeforeData,
}

impl Earlier {
    /// The count when one is shown.
    pub fn count(self) -> Option<u64> {
        match self {
            Self::Count(n) => Some(n),
            Self::Withheld | Self::BeforeData => None,
        }
    }

    /// An exact count, `None` before the data.
    fn exact(count: Option<u64>) -> Self {
        count.map_or(Self::BeforeData, Self::Count)
    }
}

/// A town (or district) row as a role may see it: `None` is withheld.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishedTrend {
    pub count: Option<u64>,
    pub previous: Earlier,
    pub year_before: Earlier,
    pub change: Option<i64>,
    pub p_change: Option<f64>,
    pub p_year: Option<f64>,
    /// `p_change` adjusted over the period's published tests
    /// ([`layers::q_by_period`]).
    pub q_change: Option<f64>,
    pub q_year: Option<f64>,
    pub breakdown: BTreeMap<String, Option<u64>>,
}

impl PublishedTrend {
    /// Everything, exact (roles that read the reports).
    pub fn exact(t: &layers::TownRow) -> Self {
        Self {
            count: Some(t.count),
            previous: Earlier::exact(t.previous),
            year_before: Earlier::exact(t.year_before),
            change: t.change,
            p_change: t.p_change,
            p_year: t.p_year,
            q_change: t.q_change,
            q_year: t.q_year,
            breakdown: t
                .breakdown
                .iter()
                .map(|(k, v)| (k.clone(), Some(*v)))
                .collect(),
        }
    }
}

/// The last day a release may count: the end of the last quarter that had
/// ended when the reports were last loaded. `None` when the store has no
/// record of a load (every quarter counts as whole).
fn released_to(store: &Store) -> Result<Option<NaiveDate>, RenderError> {
    Ok(store.reports_as_of()?.map(|as_of| {
        let running = quarter_start(as_of);
        running.pred_opt().unwrap_or(running)
    }))
}

/// The whole quarters the release answers for: from the first report's
/// quarter to the last whole quarter loaded (`None` with no reports, or none
/// whole yet). Not the first and last reports' days, which say when those
/// reports were.
///
/// # Errors
/// On store failure.
pub fn released_window(store: &Store) -> Result<Option<(NaiveDate, NaiveDate)>, RenderError> {
    let (first, last, _) = store.data_window(&crate::store::ReportFilter::default())?;
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(None);
    };
    let last = match released_to(store)? {
        Some(released) => last.min(released),
        None => last,
    };
    let (from, to) = (quarter_start(first), quarter_end(last));
    Ok((from <= to).then_some((from, to)))
}

/// Quarterly town (or district) rows as the release publishes them: totals from
/// each quarter's release, tests only between published totals, breakdowns
/// with complementary suppression. Rows of a quarter still running are
/// dropped from `trends` first: a release is of whole quarters, since a
/// running quarter's count read on two days says how many were reported
/// where in between.
///
/// # Errors
/// On store failure.
pub fn publish_trends(
    store: &Store,
    rule: ReleaseRule,
    level: AreaLevel,
    trends: &mut Vec<layers::TownRow>,
) -> Result<Vec<PublishedTrend>, RenderError> {
    trends.retain(|t| t.complete);
    let trends = &trends[..];
    let (Some(first), Some(last)) = (
        trends.iter().map(|t| t.period).min(),
        trends.iter().map(|t| t.period).max(),
    ) else {
        return Ok(Vec::new());
    };
    let all = releases(
        store,
        rule,
        add_quarters(quarter_start(first), -4),
        quarter_start(last),
    )?;
    let empty = Release::empty(rule.k);
    let protected = joint_breakdowns(store, rule, &all)?;
    let total = |q: NaiveDate, key: &str| -> Option<u64> {
        let r = all.get(&q).unwrap_or(&empty);
        let map = if level == AreaLevel::District {
            &r.districts
        } else {
            &r.towns
        };
        map.get(key).copied().unwrap_or(Some(0))
    };
    let mut published: Vec<PublishedTrend> = trends
        .iter()
        .map(|t| {
            let key = if level == AreaLevel::District {
                &t.district
            } else {
                &t.town
            };
            let count = total(t.period, key);
            // The exact row knows which earlier periods the data reaches.
            let earlier = |exact: Option<u64>, quarters: i32| match exact {
                None => Earlier::BeforeData,
                Some(_) => total(add_quarters(t.period, quarters), key)
                    .map_or(Earlier::Withheld, Earlier::Count),
            };
            let previous = earlier(t.previous, -1);
            let year_before = earlier(t.year_before, -4);
            // Tests between the published totals themselves, as a reader of
            // the table would work them out.
            let change = count.zip(previous.count());
            let year = count.zip(year_before.count());
            PublishedTrend {
                count,
                previous,
                year_before,
                change: change.map(|(now, before)| now as i64 - before as i64),
                p_change: change.map(|(now, before)| published_change_p(now, before)),
                p_year: year.map(|(now, before)| published_change_p(now, before)),
                q_change: None,
                q_year: None,
                breakdown: protected
                    .get(&(t.period, level == AreaLevel::District))
                    .and_then(|by_area| by_area.get(key.as_str()))
                    .cloned()
                    .unwrap_or_else(|| disclosure::breakdown(count, &t.breakdown, rule.k)),
            }
        })
        .collect();
    // The family is what the role is shown: the published tests alone.
    let periods: Vec<NaiveDate> = trends.iter().map(|t| t.period).collect();
    // A published test is one between two published counts: the pairs are
    // the family.
    let q_change = layers::q_by_period(
        &periods,
        published.iter().map(|p| p.count.zip(p.previous.count())),
    );
    let q_year = layers::q_by_period(
        &periods,
        published.iter().map(|p| p.count.zip(p.year_before.count())),
    );
    for ((p, q_change), q_year) in published.iter_mut().zip(q_change).zip(q_year) {
        p.q_change = q_change;
        p.q_year = q_year;
    }
    Ok(published)
}

/// Two-sided level at which the towns tables and the pack call a change
/// (the tables on q, a single area on p).
pub const CHANGE_ALPHA: f64 = crate::analysis::CHANGE_ALPHA;

/// The exact test of the towns tables (conditional binomial, equal exposure,
/// two-sided) between two published counts: what the pack and the summary
/// say of changes is arithmetic on published numbers only.
pub fn published_change_p(now: u64, before: u64) -> f64 {
    crate::analysis::poisson_change_p(now, before)
}

/// Each quarter's breakdowns for towns and districts together
/// ([`disclosure::protect_breakdowns`]), by (quarter, is-district).
fn joint_breakdowns(
    store: &Store,
    rule: ReleaseRule,
    releases: &HashMap<NaiveDate, Release>,
) -> Result<HashMap<(NaiveDate, bool), disclosure::Breakdowns>, RenderError> {
    use crate::model::Split;
    let filter = crate::store::ReportFilter::default();
    let mut units: BTreeMap<NaiveDate, Vec<(String, String, String, u64)>> = BTreeMap::new();
    for (dim, split) in [
        ("venue", Split::Venue),
        ("exploitation", Split::Exploitation),
        ("child", Split::Child),
        ("source", Split::Source),
        ("nationality", Split::Nationality),
    ] {
        let mut rows = store.area_series(AreaLevel::Town, &filter, Step::Quarter, Some(split))?;
        if split == Split::Nationality {
            rows = layers::group_nationalities(rows);
        }
        for r in rows {
            // The district level names a report without a district "(none)".
            let district = if r.district.is_empty() {
                "(none)".to_owned()
            } else {
                r.district
            };
            units.entry(r.period).or_default().push((
                r.area,
                district,
                format!("{dim}:{}", r.split),
                r.count,
            ));
        }
    }
    let empty = Release::empty(rule.k);
    let mut out = HashMap::new();
    for (quarter, units) in units {
        let release = releases.get(&quarter).unwrap_or(&empty);
        // An area the release does not name is treated as withheld: more is
        // withheld, never less.
        let town = |t: &str| release.towns.get(t).copied().unwrap_or(None);
        let district = |d: &str| release.districts.get(d).copied().unwrap_or(None);
        let (towns, districts) = disclosure::protect_breakdowns(&units, &town, &district, rule.k);
        out.insert((quarter, false), towns);
        out.insert((quarter, true), districts);
    }
    Ok(out)
}

type Layered = (Value, &'static [&'static str], usize);

fn with_properties(mut fc: Value, props: Vec<Map<String, Value>>) -> Value {
    if let Some(features) = fc.get_mut("features").and_then(Value::as_array_mut) {
        for (f, p) in features.iter_mut().zip(props) {
            f["properties"] = Value::Object(p);
        }
    }
    fc
}

fn cells(
    store: &Store,
    query: &layers::LayerQuery,
    release: &Release,
    all: bool,
    label: &str,
    note: &Value,
) -> Result<Layered, RenderError> {
    let run = layers::hot_cells(store, query)?;
    let cells: Vec<&layers::CellResult> = run
        .cells
        .iter()
        .filter(|c| all || c.count > 0 || c.bin != 0)
        .collect();
    let provenance = layers::provenance(
        "cells",
        query,
        run.area.len(),
        (query.filter.from, query.filter.to),
        json!({"features": cells.len(), "quarter": label, "disclosure": note.clone(), "withheld": ["gi_z", "p", "value", "ring_count", "excluded_imprecise"]}),
    );
    let fc = serde_json::to_value(export::cells_geojson(&cells, false, provenance))
        .map_err(std::io::Error::other)?;
    let props = cells
        .iter()
        .map(|c| {
            let count = release.cell(u64::from(c.cell));
            let mut p = Map::new();
            p.insert("h3".into(), c.cell.to_string().into());
            p.insert("count".into(), published(count));
            p.insert("suppressed".into(), count.is_none().into());
            p.insert("bin".into(), c.bin.into());
            p
        })
        .collect();
    Ok((
        with_properties(fc, props),
        &["h3", "count", "suppressed", "bin"],
        cells.len(),
    ))
}

fn hotspots(
    store: &Store,
    query: &layers::LayerQuery,
    release: &Release,
    label: &str,
    note: &Value,
) -> Result<Layered, RenderError> {
    let (run, areas) = layers::hotspot_areas(store, query)?;
    let provenance = layers::provenance(
        "hotspots",
        query,
        run.area.len(),
        (query.filter.from, query.filter.to),
        json!({"features": areas.len(), "quarter": label, "disclosure": note.clone(), "withheld": ["max_gi_z", "venue and indicator counts", "first_seen", "last_seen"]}),
    );
    let fc = serde_json::to_value(export::hotspots_geojson(&areas, provenance))
        .map_err(std::io::Error::other)?;
    let props = areas
        .iter()
        .map(|a| {
            let count = release.area(a.area.cells.iter().map(|c| u64::from(*c)));
            let mut p = Map::new();
            p.insert("id".into(), a.area.id.clone().into());
            p.insert("bin".into(), a.area.bin.into());
            p.insert("cells".into(), a.area.cells.len().into());
            p.insert("count".into(), published(count));
            p.insert("suppressed".into(), count.is_none().into());
            p.insert("nearest_town".into(), a.nearest_town.clone().into());
            // Where the published polygon lies from the town: nothing the
            // polygon does not show.
            export::insert_from_town(&mut p, a.from_town);
            // Names only, most first: counts by venue would be small numbers.
            p.insert(
                "venues".into(),
                a.area
                    .venue_mix()
                    .iter()
                    .map(|(v, _)| *v)
                    .collect::<Vec<_>>()
                    .join(";")
                    .into(),
            );
            p.insert("robust".into(), a.robust.into());
            // Which districts share the area: a partnership learns that its
            // side is part of something larger (names, no counts).
            p.insert(
                "districts".into(),
                a.district_names().collect::<Vec<_>>().join(";").into(),
            );
            p.insert("crosses_districts".into(), a.crosses_districts().into());
            p.insert(
                "forces".into(),
                a.force_names().collect::<Vec<_>>().join(";").into(),
            );
            p.insert("crosses_forces".into(), a.crosses_forces().into());
            p
        })
        .collect();
    Ok((
        with_properties(fc, props),
        &[
            "id",
            "bin",
            "cells",
            "count",
            "suppressed",
            "nearest_town",
            "nearest_town_km",
            "nearest_town_direction",
            "venues",
            "robust",
            "districts",
            "crosses_districts",
            "forces",
            "crosses_forces",
        ],
        areas.len(),
    ))
}

fn emerging(
    store: &Store,
    query: &layers::LayerQuery,
    label: &str,
    note: &Value,
) -> Result<Layered, RenderError> {
    let (area, periods, cells) = layers::emerging(store, query)?;
    let provenance = layers::provenance(
        "emerging",
        query,
        area.len(),
        (query.filter.from, query.filter.to),
        json!({"features": cells.len(), "steps": periods.len(), "quarter": label, "disclosure": note.clone(), "withheld": ["count", "ring_count", "trend_z", "trend_p"]}),
    );
    let fc = serde_json::to_value(export::emerging_geojson(&cells, provenance))
        .map_err(std::io::Error::other)?;
    let props = cells
        .iter()
        .map(|c| {
            let mut p = Map::new();
            p.insert("h3".into(), c.cell.to_string().into());
            p.insert("category".into(), c.category.name().into());
            p.insert("nearest_town".into(), c.nearest_town.clone().into());
            export::insert_from_town(&mut p, c.from_town);
            p
        })
        .collect();
    Ok((
        with_properties(fc, props),
        &[
            "h3",
            "category",
            "nearest_town",
            "nearest_town_km",
            "nearest_town_direction",
        ],
        cells.len(),
    ))
}

/// Features' properties as CSV with these columns (nulls empty; objects as `k:v;…`).
fn write_csv(fc: &Value, columns: &[&str], out: &mut Vec<u8>) -> Result<(), RenderError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(columns).map_err(std::io::Error::other)?;
    let empty = Vec::new();
    for f in fc
        .get("features")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
    {
        let record: Vec<String> = columns
            .iter()
            .map(|c| match &f["properties"][*c] {
                Value::Null => String::new(),
                Value::String(s) => spreadsheet_text(s).into_owned(),
                Value::Object(m) => m
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}:{}",
                            if v.is_null() {
                                "<suppressed>".to_owned()
                            } else {
                                v.to_string()
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(";"),
                other => other.to_string(),
            })
            .collect();
        w.write_record(&record).map_err(std::io::Error::other)?;
    }
    w.flush()?;
    Ok(())
}
