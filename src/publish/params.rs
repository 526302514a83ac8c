//! Layer query parameters (interface.md "Query parameters shared by the layers"),
//! parsed once from `name=value` pairs into a typed [`LayerRequest`]. No HTTP here:
//! `serve` hands over the decoded query string, the fuzz targets call [`parse`]
//! directly. Unknown names, repeated names and bad values are errors naming the field.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::analysis::{Emerging, Kernel};
use crate::model::{normalise_word, ExploitationType, Unit, VenueType};
use crate::model::{AreaLevel, Step};
use crate::publish::layers::{LayerQuery, StudyAreaSpec, Weight, DEFAULT_MIN_REPORTS, MAX_LAG};
use crate::store::ReportFilter;

/// The layers the API serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    Cells,
    Hotspots,
    Emerging,
    Reports,
    Towns,
    /// Recorded crime (data.police.uk) per cell and crime type.
    Context,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cells => "cells",
            Self::Hotspots => "hotspots",
            Self::Emerging => "emerging",
            Self::Reports => "reports",
            Self::Towns => "towns",
            Self::Context => "context",
        }
    }

    /// The parameter names this layer accepts: the report filters everywhere,
    /// the Gi* settings on the analysis layers, and a few of each layer's own.
    pub fn accepts(self) -> Vec<&'static str> {
        const FILTER: [&str; 7] = [
            "from",
            "to",
            "venue",
            "exploitation",
            "source",
            "format",
            "download",
        ];
        const GI_STAR: [&str; 8] = [
            "res", "k", "kernel", "fdr", "weight", "district", "force", "bbox",
        ];
        if self == Self::Context {
            return vec!["from", "to", "res", "crime_type", "format", "download"];
        }
        let own: &[&str] = match self {
            Self::Reports | Self::Context => &[],
            Self::Cells => &["permutations", "seed", "all", "unit", "min_reports"],
            Self::Hotspots => &["permutations", "seed", "unit", "min_reports"],
            Self::Emerging => &["step", "lag", "category", "unit", "min_reports"],
            Self::Towns => &["step", "level", "unit"],
        };
        let gi_star: &[&str] = match self {
            Self::Cells | Self::Hotspots | Self::Emerging => &GI_STAR,
            Self::Reports | Self::Towns | Self::Context => &[],
        };
        FILTER.iter().chain(gi_star).chain(own).copied().collect()
    }
}

/// Output format of a layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    GeoJson,
    Csv,
    /// `towns` only (its default): `{"rows": [...], "provenance": {...}}`.
    Json,
    /// GeoPackage (`gpkg`): the GeoJSON answer as a feature table.
    GeoPackage,
    /// GeoParquet 1.1 (`parquet`): the GeoJSON answer as columns.
    GeoParquet,
}

impl OutputFormat {
    /// The `format` parameter's value for this format.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GeoJson => "geojson",
            Self::Csv => "csv",
            Self::Json => "json",
            Self::GeoPackage => "gpkg",
            Self::GeoParquet => "parquet",
        }
    }
}

/// A validated layer request.
#[derive(Clone, Debug)]
pub struct LayerRequest {
    pub layer: Layer,
    pub query: LayerQuery,
    pub format: OutputFormat,
    /// Answer as a file to save (`Content-Disposition: attachment`).
    pub download: bool,
    /// `cells` only: every cell of the study area, zeros included.
    pub all: bool,
    /// `towns` only: group by town or district.
    pub level: AreaLevel,
    /// `context` only: these crime types (lower case; empty: all).
    pub crime_types: Vec<String>,
    /// The effective parameters (defaults filled in): the cache key and the ETag's input.
    pub canonical: String,
}

/// A parameter that is unknown, repeated or malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ParamError {
    pub field: String,
    pub message: String,
}

/// A day parameter (`from`, `to`): `YYYY-MM-DD` from [`FIRST_DAY`] to
/// [`LAST_DAY`]. Reports are dated from 2000 (ingest refuses earlier ones); a
/// period reaching centuries away would make the emerging analysis compute
/// thousands of empty steps.
///
/// # Errors
/// When `value` is not such a day, naming `name`.
pub fn parse_day(name: &str, value: &str) -> Result<NaiveDate, ParamError> {
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| bad(name, format!("{value:?} is not a date (YYYY-MM-DD)")))?;
    if (FIRST_DAY..=LAST_DAY).contains(&day) {
        Ok(day)
    } else {
        Err(bad(
            name,
            format!("{value} is outside {FIRST_DAY}..{LAST_DAY}"),
        ))
    }
}

fn bad(field: &str, message: impl Into<String>) -> ParamError {
    ParamError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Most permutations a request may ask for (each costs a pass over the study area).
pub const MAX_PERMUTATIONS: u32 = 9_999;

/// The days a period may start and end on.
pub const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
pub const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2099, 12, 31).expect("a date");

/// Parses a layer's parameters. Empty values count as absent (HTML forms send them).
///
/// # Errors
/// The first unknown, repeated or malformed parameter, by name.
pub fn parse(layer: Layer, pairs: &[(String, String)]) -> Result<LayerRequest, ParamError> {
    let accepted = layer.accepts();
    let mut given: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, value) in pairs {
        let Some(known) = accepted.iter().find(|a| **a == name.as_str()) else {
            return Err(bad(
                name,
                format!(
                    "unknown parameter for the {} layer (accepted: {})",
                    layer.as_str(),
                    accepted.join(", ")
                ),
            ));
        };
        if given.insert(*known, value.as_str()).is_some() {
            return Err(bad(
                name,
                "given more than once (use a comma-separated list)",
            ));
        }
    }
    given.retain(|_, v| !v.trim().is_empty());
    let get = |name: &str| given.get(name).map(|v| v.trim());

    let date = |name: &str| -> Result<Option<NaiveDate>, ParamError> {
        get(name).map(|v| parse_day(name, v)).transpose()
    };
    let list = |name: &str| -> Vec<&str> {
        get(name)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let number = |name: &str, low: u32, high: u32, default: u32| -> Result<u32, ParamError> {
        match get(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (low..=high).contains(n))
                .ok_or_else(|| {
                    bad(
                        name,
                        format!("{v:?} is not a whole number from {low} to {high}"),
                    )
                }),
        }
    };
    let boolean = |name: &str, default: bool| -> Result<bool, ParamError> {
        match get(name) {
            None => Ok(default),
            Some("true" | "1" | "yes") => Ok(true),
            Some("false" | "0" | "no") => Ok(false),
            Some(v) => Err(bad(name, format!("{v:?} is not true or false"))),
        }
    };

    let from = date("from")?;
    let to = date("to")?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(bad("from", format!("{f} is after to={t}")));
        }
    }
    // Each value of a closed vocabulary by its canonical name.
    let vocabulary = |name: &str, what: &str, parse: &dyn Fn(&str) -> Option<&'static str>| {
        list(name)
            .into_iter()
            .map(|v| {
                parse(v)
                    .map(str::to_owned)
                    .ok_or_else(|| bad(name, format!("unknown {what} {v:?}")))
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let mut venues = vocabulary("venue", "venue type", &|v| {
        VenueType::parse(v).map(VenueType::as_str)
    })?;
    let mut exploitation = vocabulary("exploitation", "exploitation type", &|v| {
        ExploitationType::parse(v).map(ExploitationType::as_str)
    })?;
    // A source that normalises to nothing ("-", "_") names no source.
    let mut sources: Vec<String> = list("source")
        .into_iter()
        .map(normalise_word)
        .filter(|s| !s.is_empty())
        .collect();
    // One answer for one set of values, whatever order or repeats they came in.
    for values in [&mut venues, &mut exploitation, &mut sources] {
        values.sort_unstable();
        values.dedup();
    }
    let mut categories = list("category")
        .into_iter()
        .map(|name| {
            Emerging::parse(name).ok_or_else(|| {
                bad(
                    "category",
                    format!(
                        "unknown category {name:?} (known: {})",
                        Emerging::all_names().join(", ")
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // One answer for one set, whatever the order or repeats it was asked in.
    let order = Emerging::all();
    categories.sort_by_key(|c| order.iter().position(|o| o == c));
    categories.dedup();

    let default_step = if layer == Layer::Towns {
        Step::Quarter
    } else {
        Step::Month
    };
    let step = match get("step") {
        None => default_step,
        Some("month") => Step::Month,
        Some("quarter") => Step::Quarter,
        Some("year") if layer == Layer::Towns => Step::Year,
        Some(v) => {
            return Err(bad(
                "step",
                format!(
                    "{v:?} is not {}",
                    if layer == Layer::Towns {
                        "month, quarter or year"
                    } else {
                        "month or quarter"
                    }
                ),
            ))
        }
    };
    let kernel = match get("kernel") {
        None => Kernel::Uniform,
        Some(v) => v.parse().map_err(|e: String| bad("kernel", e))?,
    };
    let weight = match get("weight") {
        None | Some("count") => Weight::Count,
        Some("risk") => Weight::Risk,
        Some("rate") => Weight::Rate,
        Some(v) => return Err(bad("weight", format!("{v:?} is not count, risk or rate"))),
    };
    let unit = match get("unit") {
        None => Unit::Reports,
        Some(v) => Unit::parse(v).ok_or_else(|| {
            bad(
                "unit",
                format!("{v:?} is not reports, incidents or premises"),
            )
        })?,
    };
    if unit != Unit::Reports && weight == Weight::Risk {
        return Err(bad(
            "unit",
            "weight=risk weighs reports: count incidents or premises with weight=count",
        ));
    }
    let format = match (get("format"), layer) {
        (None | Some("json"), Layer::Towns) => OutputFormat::Json,
        (None | Some("geojson"), _) => OutputFormat::GeoJson,
        (Some("csv"), _) => OutputFormat::Csv,
        (Some("gpkg"), _) => OutputFormat::GeoPackage,
        (Some("parquet"), _) => OutputFormat::GeoParquet,
        (Some(v), Layer::Towns) => {
            return Err(bad(
                "format",
                format!("{v:?} is not json, geojson, csv, gpkg or parquet"),
            ))
        }
        (Some(v), _) => {
            return Err(bad(
                "format",
                format!("{v:?} is not geojson, csv, gpkg or parquet"),
            ))
        }
    };
    let level = match get("level") {
        None | Some("town") => AreaLevel::Town,
        Some("district") => AreaLevel::District,
        Some(v) => return Err(bad("level", format!("{v:?} is not town or district"))),
    };
    let districts: Vec<String> = list("district").into_iter().map(str::to_owned).collect();
    let bbox = match get("bbox") {
        None => None,
        Some(v) => {
            let parts: Vec<f64> = v
                .split(',')
                .map(|p| p.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| bad("bbox", format!("{v:?} is not four numbers")))?;
            match parts.as_slice() {
                [a, b, c, d]
                    if a < c
                        && b < d
                        && (49.0..=61.5).contains(a)
                        && (49.0..=61.5).contains(c)
                        && (-9.0..=2.5).contains(b)
                        && (-9.0..=2.5).contains(d) =>
                {
                    Some([*a, *b, *c, *d])
                }
                _ => {
                    return Err(bad(
                        "bbox",
                        "expected min_lat,min_lng,max_lat,max_lng inside the UK with min < max",
                    ))
                }
            }
        }
    };
    let forces: Vec<String> = list("force").into_iter().map(str::to_owned).collect();
    let study_area = match (districts.is_empty(), forces.is_empty(), bbox) {
        (false, false, _) => return Err(bad("force", "give district, force or bbox, not several")),
        (_, false, Some(_)) | (false, _, Some(_)) => {
            return Err(bad("bbox", "give district, force or bbox, not several"))
        }
        (false, true, None) => StudyAreaSpec::Districts(districts),
        (true, false, None) => StudyAreaSpec::Forces(forces),
        (true, true, Some(b)) => StudyAreaSpec::BBox(b),
        (true, true, None) => StudyAreaSpec::Default,
    };

    let query = LayerQuery {
        res: number("res", 6, 9, 8)? as u8,
        filter: ReportFilter {
            from,
            to,
            venues,
            exploitation,
            sources,
            cells: None,
            unit,
        },
        k: number("k", 1, 3, 1)?,
        kernel,
        fdr: boolean("fdr", true)?,
        weight,
        step,
        permutations: number("permutations", 0, MAX_PERMUTATIONS, 0)?,
        seed: match get("seed") {
            None => LayerQuery::default().seed,
            Some(v) => v
                .parse()
                .map_err(|_| bad("seed", format!("{v:?} is not a whole number")))?,
        },
        study_area,
        categories,
        min_reports: number("min_reports", 1, 1_000_000, DEFAULT_MIN_REPORTS)?,
        lag: number("lag", 0, MAX_LAG, LayerQuery::default().lag)?,
        ..LayerQuery::default()
    };
    let download = boolean("download", false)?;
    let all = boolean("all", false)?;
    // police.uk's crime types, matched without regard to case.
    let mut crime_types: Vec<String> = list("crime_type")
        .into_iter()
        .map(str::to_lowercase)
        .collect();
    crime_types.sort_unstable();
    crime_types.dedup();
    let mut request = LayerRequest {
        layer,
        query,
        format,
        download,
        all,
        level,
        crime_types,
        canonical: String::new(),
    };
    request.canonical = canonical_query(&request);
    Ok(request)
}

/// The request's effective parameters (defaults filled in, lists in a fixed
/// order) as a query string this parser accepts: `res=8` and no `res` are one
/// answer, so one cache entry and one ETag. Parsing it again gives the same
/// request (the `layer_query` fuzz target checks that).
fn canonical_query(request: &LayerRequest) -> String {
    let query = &request.query;
    let accepted = request.layer.accepts();
    let filter = &query.filter;
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let mut pairs: Vec<(&str, String)> = vec![
        ("from", date(filter.from)),
        ("to", date(filter.to)),
        ("venue", filter.venues.join(",")),
        ("exploitation", filter.exploitation.join(",")),
        ("source", filter.sources.join(",")),
        ("format", request.format.as_str().to_owned()),
        ("download", request.download.to_string()),
        ("crime_type", request.crime_types.join(",")),
        ("res", query.res.to_string()),
        ("k", query.k.to_string()),
        ("kernel", query.kernel.as_str().to_owned()),
        ("fdr", query.fdr.to_string()),
        (
            "weight",
            match query.weight {
                Weight::Count => "count",
                Weight::Risk => "risk",
                Weight::Rate => "rate",
            }
            .to_owned(),
        ),
        ("permutations", query.permutations.to_string()),
        ("unit", filter.unit.as_str().to_owned()),
        ("seed", query.seed.to_string()),
        ("min_reports", query.min_reports.to_string()),
        ("all", request.all.to_string()),
        ("step", query.step.as_str().to_owned()),
        ("lag", query.lag.to_string()),
        (
            "category",
            query
                .categories
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(","),
        ),
        (
            "level",
            match request.level {
                AreaLevel::Town => "town",
                AreaLevel::District => "district",
            }
            .to_owned(),
        ),
    ];
    match &query.study_area {
        StudyAreaSpec::Districts(d) => pairs.push(("district", d.join(","))),
        StudyAreaSpec::Forces(f) => pairs.push(("force", f.join(","))),
        StudyAreaSpec::BBox(b) => pairs.push((
            "bbox",
            b.iter()
                .map(|x| ryu::Buffer::new().format(*x).to_owned())
                .collect::<Vec<_>>()
                .join(","),
        )),
        // Only the command line's --area gives polygons; they have no parameter.
        StudyAreaSpec::Default | StudyAreaSpec::Polygons(_) => {}
    }
    pairs.retain(|(name, value)| !value.is_empty() && accepted.contains(name));
    pairs.sort_unstable_by_key(|(name, _)| *name);
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(q).expect("query")
    }

    #[test]
    fn defaults_match_interface_md() {
        let r = parse(Layer::Cells, &[]).expect("empty is fine");
        assert_eq!(r.query.res, 8);
        assert_eq!(r.query.k, 1);
        assert_eq!(r.query.kernel, Kernel::Uniform);
        assert!(r.query.fdr);
        assert_eq!(r.query.weight, Weight::Count);
        assert_eq!(r.format, OutputFormat::GeoJson);
        assert!(!r.download);
        assert_eq!(
            parse(Layer::Towns, &[]).expect("towns").query.step,
            Step::Quarter
        );
        let emerging = parse(Layer::Emerging, &[]).expect("emerging");
        assert_eq!(emerging.query.step, Step::Month);
        assert_eq!(emerging.query.lag, 1, "ArcGIS's and sfdep's default");
        let alone = parse(Layer::Emerging, &pairs("lag=0")).expect("lag 0");
        assert_eq!(alone.query.lag, 0);
        assert_ne!(alone.canonical, emerging.canonical, "one cache entry each");
    }

    #[test]
    fn values_are_typed() {
        let r = parse(
            Layer::Cells,
            &pairs("res=9&k=2&kernel=gaussian&fdr=false&weight=risk&venue=Hand car wash,nail_bar&from=2024-01-01&to=2024-06-30&format=csv&download=1"),
        )
        .expect("valid");
        assert_eq!(r.query.res, 9);
        assert_eq!(r.query.k, 2);
        assert_eq!(r.query.kernel, Kernel::Gaussian);
        assert!(!r.query.fdr);
        assert_eq!(r.query.weight, Weight::Risk);
        assert_eq!(r.query.filter.venues, ["car_wash", "nail_bar"]);
        assert_eq!(r.query.filter.from, NaiveDate::from_ymd_opt(2024, 1, 1));
        assert_eq!(r.format, OutputFormat::Csv);
        assert!(r.download);
    }

    /// A set of emerging categories is one answer whatever its order or repeats.
    #[test]
    fn emerging_categories_are_a_set() {
        let a = parse(Layer::Emerging, &pairs("category=intensifying_hot,new_hot")).expect("a");
        let b = parse(
            Layer::Emerging,
            &pairs("category=new_hot, intensifying_hot,new_hot"),
        )
        .expect("b");
        assert_eq!(
            a.query.categories,
            [
                Emerging::Hot(crate::analysis::Category::New),
                Emerging::Hot(crate::analysis::Category::Intensifying)
            ]
        );
        assert_eq!(a.canonical, b.canonical);
        assert_ne!(
            a.canonical,
            parse(Layer::Emerging, &[]).expect("all").canonical
        );
        for name in Emerging::all_names() {
            let one = parse(Layer::Emerging, &pairs(&format!("category={name}"))).expect(&name);
            assert_eq!(one.query.categories.len(), 1);
            assert_eq!(one.query.categories[0].name(), name);
        }
    }

    /// Every bad parameter names its field.
    #[test]
    fn bad_values_name_their_field() {
        let cases = [
            (Layer::Cells, "res=10", "res"),
            (Layer::Cells, "res=five", "res"),
            (Layer::Cells, "k=0", "k"),
            (Layer::Cells, "k=4", "k"),
            (Layer::Cells, "kernel=epanechnikov", "kernel"),
            (Layer::Cells, "fdr=maybe", "fdr"),
            (Layer::Cells, "weight=heavy", "weight"),
            (Layer::Cells, "from=01/02/2024", "from"),
            (Layer::Cells, "from=2024-05-01&to=2024-01-01", "from"),
            (Layer::Cells, "venue=brothel", "venue"),
            (Layer::Cells, "exploitation=forced", "exploitation"),
            (Layer::Cells, "format=xml", "format"),
            (Layer::Cells, "permutations=100000", "permutations"),
            (Layer::Cells, "bbox=1,2,3", "bbox"),
            (Layer::Cells, "bbox=52,0,51,1", "bbox"),
            (Layer::Cells, "force=norfolk&district=Fenland", "force"),
            (Layer::Cells, "force=norfolk&bbox=52,0,53,1", "bbox"),
            (Layer::Reports, "force=norfolk", "force"),
            (Layer::Cells, "colour=red", "colour"),
            (Layer::Cells, "res=8&res=9", "res"),
            (Layer::Cells, "step=month", "step"),
            (Layer::Emerging, "step=year", "step"),
            (Layer::Emerging, "category=new_warm", "category"),
            (Layer::Cells, "category=new_hot", "category"),
            (Layer::Reports, "res=8", "res"),
            (Layer::Towns, "level=county", "level"),
            (Layer::Towns, "all=1", "all"),
            (Layer::Hotspots, "min_reports=0", "min_reports"),
            (Layer::Towns, "min_reports=2", "min_reports"),
            (Layer::Emerging, "min_reports=0", "min_reports"),
            (Layer::Emerging, "lag=4", "lag"),
            (Layer::Emerging, "lag=-1", "lag"),
            (Layer::Cells, "lag=1", "lag"),
        ];
        for (layer, query, field) in cases {
            let err = parse(layer, &pairs(query)).expect_err(query);
            assert_eq!(err.field, field, "{query}: {err}");
            assert!(!err.message.is_empty());
        }
    }

    #[test]
    fn the_canonical_form_is_a_query_string_that_parses_to_the_same_request() {
        for (layer, query) in [
            (
                Layer::Cells,
                "res=9&venue=farm,Hand car wash&bbox=51.5,-0.2,51.6,0.1&all=1",
            ),
            (
                Layer::Emerging,
                "category=new_hot,intensifying_hot&step=quarter&lag=2&district=E07000008",
            ),
            (Layer::Hotspots, "force=cambridgeshire,Norfolk Constabulary"),
            (Layer::Towns, "level=district&format=csv&from=2024-01-01"),
            (Layer::Reports, "source=Helpline&to=2024-12-31"),
        ] {
            let first = parse(layer, &pairs(query)).expect(query);
            let again = parse(layer, &pairs(&first.canonical)).expect("canonical parses");
            assert_eq!(again.canonical, first.canonical, "{query}");
            assert_eq!(format!("{:?}", again.query), format!("{:?}", first.query));
        }
        let cells = parse(
            Layer::Cells,
            &pairs("venue=nail_bar,car_wash&res=9&bbox=51.5,-0.2,51.6,0.1"),
        );
        assert_eq!(
            cells.expect("cells").canonical,
            "all=false&bbox=51.5%2C-0.2%2C51.6%2C0.1&download=false&fdr=true&format=geojson&k=1\
             &kernel=uniform&min_reports=2&permutations=0&res=9&seed=20240601&unit=reports&venue=car_wash%2Cnail_bar&weight=count"
        );
    }

    /// Found by the `layer_query` fuzz target once its property could fail: a
    /// source that normalises to nothing ("-") became `[""]`, which the
    /// canonical form could not say, so it parsed back to a different request.
    #[test]
    fn a_source_that_normalises_to_nothing_names_no_source() {
        let r = parse(Layer::Towns, &pairs("source=-")).expect("accepted");
        assert!(r.query.filter.sources.is_empty());
        let again = parse(Layer::Towns, &pairs(&r.canonical)).expect("canonical");
        assert_eq!(again.canonical, r.canonical);
    }

    #[test]
    fn canonical_form_ignores_order_empties_and_defaults() {
        let a = parse(Layer::Cells, &pairs("res=8&venue=farm&from=")).expect("a");
        let b = parse(Layer::Cells, &pairs("venue=farm&k=1")).expect("b");
        assert_eq!(a.canonical, b.canonical);
        let c = parse(Layer::Cells, &pairs("venue=farm&res=9")).expect("c");
        assert_ne!(a.canonical, c.canonical);
    }
}
