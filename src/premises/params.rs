//! The premises list's parameters: the layers' filters and map parameters
//! (parsed by `publish`, so both answer the same names the same way) plus its
//! own `min_reports`, `sort`, `format` and `download`.

use crate::publish::{parse, Layer, ParamError};

use super::repeat::{PremisesQuery, PremisesSort};

/// `geojson` (default) or `csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PremisesFormat {
    #[default]
    GeoJson,
    Csv,
    GeoPackage,
    GeoParquet,
}

/// A validated premises request.
#[derive(Clone, Debug)]
pub struct PremisesRequest {
    pub query: PremisesQuery,
    pub format: PremisesFormat,
    pub download: bool,
}

/// The list's own parameters, beside the layers' (`GET /api/v1/premises`).
pub const OWN_PARAMETERS: [&str; 4] = ["min_reports", "sort", "format", "download"];

fn bad(field: &str, message: impl Into<String>) -> ParamError {
    ParamError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Parses `GET /api/v1/premises`'s (and `hotspots export premises`') parameters.
///
/// # Errors
/// The first unknown, repeated or malformed parameter, by name.
pub fn parse_premises(pairs: &[(String, String)]) -> Result<PremisesRequest, ParamError> {
    let mut request = PremisesRequest {
        query: PremisesQuery::default(),
        format: PremisesFormat::default(),
        download: false,
    };
    let mut layer_pairs = Vec::new();
    let mut seen = Vec::new();
    for (name, value) in pairs {
        if !OWN_PARAMETERS.contains(&name.as_str()) {
            layer_pairs.push((name.clone(), value.clone()));
            continue;
        }
        if seen.contains(name) {
            return Err(bad(name, "given more than once"));
        }
        seen.push(name.clone());
        if value.trim().is_empty() {
            continue;
        }
        match name.as_str() {
            "min_reports" => {
                request.query.min_reports = value
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .ok_or_else(|| bad(name, format!("{value:?} is not a whole number from 1")))?;
            }
            "sort" => {
                request.query.sort = PremisesSort::parse(value).ok_or_else(|| {
                    bad(
                        name,
                        format!("{value:?} is not one of {}", PremisesSort::NAMES),
                    )
                })?;
            }
            "format" => {
                request.format = match value.as_str() {
                    "geojson" => PremisesFormat::GeoJson,
                    "csv" => PremisesFormat::Csv,
                    "gpkg" => PremisesFormat::GeoPackage,
                    "parquet" => PremisesFormat::GeoParquet,
                    other => {
                        return Err(bad(
                            name,
                            format!("{other:?} is not geojson, csv, gpkg or parquet"),
                        ))
                    }
                };
            }
            _ => {
                request.download = match value.as_str() {
                    "1" | "true" => true,
                    "0" | "false" => false,
                    other => return Err(bad(name, format!("{other:?} is not true or false"))),
                };
            }
        }
    }
    let layer = parse(Layer::Hotspots, &layer_pairs).map_err(|mut e| {
        if e.message.starts_with("unknown parameter") {
            e.message = format!(
                "unknown parameter for the premises list (accepted: the layers' filters and map parameters, {})",
                OWN_PARAMETERS.join(", ")
            );
        }
        e
    })?;
    request.query.filter = layer.query.filter.clone();
    request.query.layer = layer.query;
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(q).expect("pairs")
    }

    #[test]
    fn own_and_layer_parameters() {
        let r = parse_premises(&pairs(
            "min_reports=3&sort=velocity&venue=car_wash&from=2024-01-01&res=7&format=csv",
        ))
        .expect("valid");
        assert_eq!(r.query.min_reports, 3);
        assert_eq!(r.query.sort, PremisesSort::Velocity);
        assert_eq!(r.query.filter.venues, vec!["car_wash".to_owned()]);
        assert_eq!(r.query.layer.res, 7);
        assert_eq!(r.format, PremisesFormat::Csv);
        assert_eq!(
            parse_premises(&pairs("sort=size")).expect_err("bad").field,
            "sort"
        );
        assert_eq!(
            parse_premises(&pairs("min_reports=0"))
                .expect_err("bad")
                .field,
            "min_reports"
        );
        assert_eq!(
            parse_premises(&pairs("colour=red")).expect_err("bad").field,
            "colour"
        );
    }
}
