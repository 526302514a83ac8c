//! Geocoding: turns a report's location input (WGS84, British National Grid,
//! postcode, place name or address) into a WGS84 point with its method and
//! precision. Reads only the embedded gazetteer; does no other I/O.
//!
//! Precision is the radius (metres) within which the true location is expected:
//! GPS points 10 m (coarser when few decimals are given), BNG by the digits given,
//! postcode units 100 m, outward codes the district's 68% radius, places 3-5 km.

mod gazetteer;
mod grid_ref;
mod postcode;

pub use gazetteer::{haversine_m, Gazetteer, OutwardCode, Place, PostcodeUnit, UK_OUTLINE_GEOJSON};
pub use grid_ref::GridRef;
pub use postcode::{InvalidPostcode, Postcode};

use crate::model::GeocodeMethod;

/// How far a place may be from the place named after its comma ("Church End,
/// Eversholt") to be taken as the one meant: a parish and its hamlets.
pub const QUALIFIER_REACH_M: f64 = 10_000.0;

/// A location as the report gave it, validated for shape but not yet resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum LocationInput {
    LatLng {
        lat: f64,
        lng: f64,
        precision_m: f64,
    },
    Grid {
        easting: f64,
        northing: f64,
        precision_m: f64,
    },
    /// An Ordnance Survey grid reference: the centre of its square.
    GridRef(GridRef),
    Postcode(Postcode),
    Place {
        name: String,
        county: Option<String>,
    },
    Address(String),
}

impl LocationInput {
    /// Appends [`LocationInput::canonical`] to `out` (a WGS84 point, the
    /// common case, without a string of its own).
    pub fn push_canonical(&self, out: &mut String) {
        match self {
            Self::LatLng { lat, lng, .. } => crate::model::push_latlng_key(out, *lat, *lng),
            other => out.push_str(&other.canonical()),
        }
    }

    /// A canonical text form, part of a report's content hash.
    pub fn canonical(&self) -> String {
        match self {
            Self::LatLng { lat, lng, .. } => crate::model::latlng_key(*lat, *lng),
            Self::Grid {
                easting, northing, ..
            } => format!("en:{easting}:{northing}"),
            Self::GridRef(reference) => format!("gr:{reference}"),
            Self::Postcode(p) => format!("pc:{p}"),
            Self::Place { name, county } => {
                format!("pl:{name}:{}", county.as_deref().unwrap_or(""))
            }
            Self::Address(a) => format!("ad:{a}"),
        }
    }
}

/// A resolved location.
#[derive(Clone, Debug, PartialEq)]
pub struct Geocoded {
    pub lat: f64,
    pub lng: f64,
    pub method: GeocodeMethod,
    pub precision_m: f64,
    /// What the geocoder had to choose, e.g. between places of the same name.
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum GeocodeError {
    #[error("{lat}, {lng} is outside the UK{}", hint.map(|h| h.says(*lat, *lng)).unwrap_or_default())]
    OutsideUk {
        lat: f64,
        lng: f64,
        field: &'static str,
        /// A likely slip that puts the point in the UK when undone.
        hint: Option<CoordinateSlip>,
    },
    #[error("easting/northing {easting}, {northing} cannot be converted: outside the OSTN15 grid")]
    GridOutOfRange { easting: f64, northing: f64 },
    #[error("grid reference {0} cannot be converted: outside the OSTN15 grid")]
    GridRefOutOfRange(GridRef),
    #[error("unknown postcode {0} (not in Code-Point Open, GB only)")]
    UnknownPostcode(Postcode),
    #[error("unknown outward code {0}")]
    UnknownOutward(String),
    #[error("no UK place named {0:?}")]
    UnknownPlace(String),
    #[error("no UK place named {name:?} in {county:?} (found in: {found})")]
    PlaceNotInCounty {
        name: String,
        county: String,
        found: String,
    },
    #[error("no postcode or known place name found in the address{0}")]
    NothingInAddress(String),
    #[error("geodata: {0}")]
    Geodata(String),
}

/// East of Lowestoft Ness (1.76° E), the UK's easternmost land.
const EAST_OF_UK_LAND: f64 = 1.8;

/// The two slips that most often put a UK point outside it: latitude and
/// longitude in each other's columns, and a west longitude without its minus
/// (suspected only east of all UK land: a point in the sea off the east
/// coast, a little east of the meridian, is not a slip).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoordinateSlip {
    Swapped,
    LongitudeSign,
}

impl CoordinateSlip {
    /// The slip that, undone, puts `lat`, `lng` in the UK, if one does.
    fn undoing(gazetteer: &Gazetteer, lat: f64, lng: f64) -> Option<Self> {
        [Self::Swapped, Self::LongitudeSign]
            .into_iter()
            .filter(|slip| *slip != Self::LongitudeSign || lng > EAST_OF_UK_LAND)
            .find(|slip| {
                let (lat, lng) = slip.undo(lat, lng);
                gazetteer.in_uk(lat, lng)
            })
    }

    fn undo(self, lat: f64, lng: f64) -> (f64, f64) {
        match self {
            Self::Swapped => (lng, lat),
            Self::LongitudeSign => (lat, -lng),
        }
    }

    fn says(self, lat: f64, lng: f64) -> String {
        let (ulat, ulng) = self.undo(lat, lng);
        match self {
            Self::Swapped => {
                format!(" (latitude and longitude swapped? {ulat}, {ulng} is in it)")
            }
            Self::LongitudeSign => {
                format!(" (a west longitude without its minus? {ulat}, {ulng} is in it)")
            }
        }
    }
}

impl GeocodeError {
    /// The input column the error is about, for reject listings.
    pub fn field(&self) -> &'static str {
        match self {
            Self::OutsideUk { field, .. } => field,
            Self::GridOutOfRange { .. } => "easting",
            Self::GridRefOutOfRange(_) => "grid_ref",
            Self::UnknownPostcode(_) | Self::UnknownOutward(_) => "postcode",
            Self::UnknownPlace(_) | Self::PlaceNotInCounty { .. } => "town",
            Self::NothingInAddress(_) => "address",
            Self::Geodata(_) => "geodata",
        }
    }
}

/// Precision given to a place by its population: bigger places spread further.
fn place_precision_m(place: &Place) -> f64 {
    match place.population {
        100_000.. => 5000.0,
        10_000..=99_999 => 4000.0,
        _ => 3000.0,
    }
}

/// Places of at least this population are "towns" for town-level trends.
pub const TOWN_MIN_POPULATION: u32 = 5_000;

/// Assigns reports to a town and a local-authority district. A report's town is
/// the place of at least [`TOWN_MIN_POPULATION`] people nearest the centre of its
/// H3 res-7 cell (~1.2 km across); its district is the district most of that cell's
/// postcodes belong to. Both are cached per res-7 cell, so bulk loads stay fast.
///
/// A bulk load takes them as indices into [`Localities::names`]' lists
/// ([`Localities::indices_of_cell`]), the same in every instance: the store
/// maps an index to its stored value with no name hashed per report.
pub struct Localities {
    gazetteer: &'static Gazetteer,
    towns: &'static [&'static str],
    districts: &'static [&'static str],
    cache: std::collections::HashMap<
        h3o::CellIndex,
        (Option<u16>, Option<u16>),
        crate::model::MixState,
    >,
}

impl Default for Localities {
    fn default() -> Self {
        type Names = (Vec<&'static str>, Vec<&'static str>);
        // Sorted once a process: every ingest worker and every check of a
        // public report makes a `Localities`.
        static NAMES: std::sync::OnceLock<Names> = std::sync::OnceLock::new();
        let gazetteer = Gazetteer::embedded();
        let (towns, districts) = NAMES.get_or_init(|| {
            let sorted = |names: Vec<&'static str>| {
                let mut names = names;
                names.sort_unstable();
                names.dedup();
                names
            };
            let towns = sorted(gazetteer.town_names().collect());
            let districts = sorted(gazetteer.district_codes().collect());
            // Indices travel as u16; the gazetteer holds some 1,500 towns
            // and 400 districts (a test keeps it so).
            assert!(u16::try_from(towns.len()).is_ok() && u16::try_from(districts.len()).is_ok());
            (towns, districts)
        });
        Self {
            gazetteer,
            towns,
            districts,
            cache: std::collections::HashMap::default(),
        }
    }
}

impl Localities {
    /// `(town name, district code)` for a point.
    pub fn of(&mut self, point: h3o::LatLng) -> (Option<&'static str>, Option<&'static str>) {
        self.of_cell(point.to_cell(h3o::Resolution::Seven))
    }

    /// Every town and every district [`Localities::of`] can answer, each once
    /// and sorted: what [`Localities::indices_of_cell`] indexes.
    pub fn names(&self) -> (&'static [&'static str], &'static [&'static str]) {
        (self.towns, self.districts)
    }

    /// As [`Localities::of`], given the point's res-7 cell.
    pub fn of_cell(
        &mut self,
        cell: h3o::CellIndex,
    ) -> (Option<&'static str>, Option<&'static str>) {
        let (town, district) = self.indices_of_cell(cell);
        (
            town.map(|i| self.towns[usize::from(i)]),
            district.map(|i| self.districts[usize::from(i)]),
        )
    }

    /// As [`Localities::of_cell`], the town and district as their indices in
    /// [`Localities::names`]' lists.
    pub fn indices_of_cell(&mut self, cell: h3o::CellIndex) -> (Option<u16>, Option<u16>) {
        debug_assert_eq!(cell.resolution(), h3o::Resolution::Seven);
        let Self {
            gazetteer,
            towns,
            districts,
            cache,
        } = self;
        *cache.entry(cell).or_insert_with(|| {
            let centre = h3o::LatLng::from(cell);
            // Every name the gazetteer answers is in the lists (made from it).
            let index = |names: &[&str], name: &str| {
                names
                    .binary_search(&name)
                    .ok()
                    .and_then(|i| u16::try_from(i).ok())
            };
            let town = gazetteer
                .nearest_town(centre.lat(), centre.lng())
                .and_then(|(p, _)| index(towns, &p.name));
            let district = gazetteer
                .district_of_cell(cell)
                .and_then(|(code, _)| index(districts, code));
            (town, district)
        })
    }
}

/// Resolves locations against a gazetteer.
#[derive(Clone, Copy)]
pub struct Geocoder {
    gazetteer: &'static Gazetteer,
}

impl Default for Geocoder {
    fn default() -> Self {
        Self {
            gazetteer: Gazetteer::embedded(),
        }
    }
}

impl Geocoder {
    pub fn gazetteer(self) -> &'static Gazetteer {
        self.gazetteer
    }

    /// # Errors
    /// A [`GeocodeError`] naming the field when the location cannot be resolved or lies outside the UK.
    pub fn geocode(self, input: &LocationInput) -> Result<Geocoded, GeocodeError> {
        match input {
            LocationInput::LatLng {
                lat,
                lng,
                precision_m,
            } => {
                if !self.gazetteer.in_uk(*lat, *lng) {
                    return Err(GeocodeError::OutsideUk {
                        lat: *lat,
                        lng: *lng,
                        field: "lat",
                        hint: CoordinateSlip::undoing(self.gazetteer, *lat, *lng),
                    });
                }
                Ok(Geocoded {
                    lat: *lat,
                    lng: *lng,
                    method: GeocodeMethod::Wgs84,
                    precision_m: *precision_m,
                    note: None,
                })
            }
            LocationInput::Grid {
                easting,
                northing,
                precision_m,
            } => self.on_grid(bng_to_wgs84(*easting, *northing)?, "easting", *precision_m),
            LocationInput::GridRef(reference) => {
                let (easting, northing) = reference.centre();
                let point = bng_to_wgs84(easting, northing)
                    .map_err(|_| GeocodeError::GridRefOutOfRange(reference.clone()))?;
                self.on_grid(point, "grid_ref", f64::from(reference.side_m()))
            }
            LocationInput::Postcode(postcode) => self.postcode(postcode, false),
            LocationInput::Place { name, county } => {
                self.place(name, county.as_deref(), GeocodeMethod::Town)
            }
            LocationInput::Address(text) => self.address(text),
        }
    }

    /// A point given on the grid (`lng`, `lat` once converted), refused on
    /// `field` when it lies outside the UK.
    fn on_grid(
        self,
        (lng, lat): (f64, f64),
        field: &'static str,
        precision_m: f64,
    ) -> Result<Geocoded, GeocodeError> {
        if !self.gazetteer.in_uk(lat, lng) {
            return Err(GeocodeError::OutsideUk {
                lat,
                lng,
                field,
                hint: None,
            });
        }
        Ok(Geocoded {
            lat,
            lng,
            method: GeocodeMethod::Bng,
            precision_m,
            note: None,
        })
    }

    /// When a report located by its coordinates also names a postcode that
    /// lies far from them, a note saying so: the coordinates are used (the
    /// finer of the two), but one of them is wrong, and an analyst checking
    /// the report should know which place the other one names. Far: beyond
    /// 2 km (a rural postcode can cover that), or twice an outward code's
    /// spread, plus the coordinates' own precision. `None` when they agree or
    /// the postcode is not known (its shape was checked at parsing).
    pub fn postcode_disagreement(self, located: &Geocoded, postcode: &Postcode) -> Option<String> {
        let named = self.postcode(postcode, false).ok()?;
        let distance = haversine_m(located.lat, located.lng, named.lat, named.lng);
        let reach = 2_000f64.max(2.0 * named.precision_m) + located.precision_m;
        (distance > reach).then(|| {
            format!(
                "postcode {postcode} is {:.1} km from the coordinates; the coordinates are used",
                distance / 1000.0
            )
        })
    }

    fn postcode(self, postcode: &Postcode, from_address: bool) -> Result<Geocoded, GeocodeError> {
        match postcode {
            Postcode::Unit { .. } => {
                let key = postcode
                    .table_key()
                    .ok_or_else(|| GeocodeError::UnknownPostcode(postcode.clone()))?;
                let (lng, lat) = self
                    .gazetteer
                    .postcode_point(key)
                    .ok_or_else(|| GeocodeError::UnknownPostcode(postcode.clone()))??;
                let method = if from_address {
                    GeocodeMethod::AddressPostcode
                } else {
                    GeocodeMethod::Postcode
                };
                Ok(Geocoded {
                    lat,
                    lng,
                    method,
                    precision_m: 100.0,
                    note: None,
                })
            }
            Postcode::Outward(code) => {
                let district = self
                    .gazetteer
                    .outward(code)
                    .ok_or_else(|| GeocodeError::UnknownOutward(code.clone()))?;
                let (lng, lat) = bng_to_wgs84(district.easting, district.northing)?;
                Ok(Geocoded {
                    lat,
                    lng,
                    method: GeocodeMethod::OutwardCode,
                    precision_m: district.spread_m,
                    note: Some(format!(
                        "centroid of {} postcodes in {code}",
                        district.units
                    )),
                })
            }
        }
    }

    fn place(
        self,
        name: &str,
        county: Option<&str>,
        method: GeocodeMethod,
    ) -> Result<Geocoded, GeocodeError> {
        if let Some(qualifier) = county {
            // "Church End, Eversholt": GeoNames names some places with their
            // parish, so the whole text may be the name itself...
            let whole = format!("{name}, {qualifier}");
            if let Some(place) = self.gazetteer.places_named(&whole).next() {
                return Ok(Geocoded {
                    lat: place.lat,
                    lng: place.lng,
                    method,
                    precision_m: place_precision_m(place),
                    note: None,
                });
            }
        }
        let candidates: Vec<&Place> = self.gazetteer.places_named(name).collect();
        if let Some(qualifier) = county {
            // ...or the qualifier is a place beside it rather than a county:
            // the place of that name nearest to it.
            if let Some(found) = self.beside(name, &candidates, qualifier, method) {
                return Ok(found);
            }
        }
        if candidates.is_empty() {
            return Err(GeocodeError::UnknownPlace(name.to_owned()));
        }
        let chosen: Vec<&Place> = match county {
            Some(county) => {
                let wanted = gazetteer::normalise_place(county);
                let matching: Vec<&Place> = candidates
                    .iter()
                    .copied()
                    .filter(|p| gazetteer::normalise_place(&p.county).contains(&wanted))
                    .collect();
                if matching.is_empty() {
                    let found = candidates
                        .iter()
                        .map(|p| p.county.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(GeocodeError::PlaceNotInCounty {
                        name: name.to_owned(),
                        county: county.to_owned(),
                        found,
                    });
                }
                matching
            }
            None => candidates,
        };
        let place = chosen[0];
        let note = (chosen.len() > 1).then(|| {
            format!(
                "{} places named {:?}; chose the most populous, in {}",
                chosen.len(),
                place.name,
                place.county
            )
        });
        Ok(Geocoded {
            lat: place.lat,
            lng: place.lng,
            method,
            precision_m: place_precision_m(place),
            note,
        })
    }

    /// `name` read with a qualifier that is not a county ("Church End,
    /// Eversholt"): the place called `name` nearest to a place called
    /// `qualifier`, when within [`QUALIFIER_REACH_M`] of it.
    fn beside(
        self,
        name: &str,
        candidates: &[&Place],
        qualifier: &str,
        method: GeocodeMethod,
    ) -> Option<Geocoded> {
        if self.gazetteer.is_county(qualifier) {
            return None;
        }
        let (place, anchor, distance) = self
            .gazetteer
            .places_named(qualifier)
            .flat_map(|anchor| {
                candidates.iter().map(move |p| {
                    (
                        *p,
                        anchor,
                        haversine_m(p.lat, p.lng, anchor.lat, anchor.lng),
                    )
                })
            })
            .min_by(|a, b| a.2.total_cmp(&b.2))?;
        (distance <= QUALIFIER_REACH_M).then(|| Geocoded {
            lat: place.lat,
            lng: place.lng,
            method,
            precision_m: place_precision_m(place),
            note: Some(format!(
                "{name:?} taken as the one {:.1} km from {} ({})",
                distance / 1000.0,
                anchor.name,
                anchor.county
            )),
        })
    }

    /// A full postcode in the text wins; else a comma-separated part that is a place
    /// name (a following part that names a county disambiguates). Whole parts only,
    /// so "High Street" never matches the village of Street.
    fn address(self, text: &str) -> Result<Geocoded, GeocodeError> {
        let mut unknown_postcode = None;
        if let Some(postcode) = Postcode::find_in(text) {
            match self.postcode(&postcode, true) {
                Ok(found) => return Ok(found),
                Err(GeocodeError::UnknownPostcode(p)) => unknown_postcode = Some(p),
                Err(other) => return Err(other),
            }
        }
        let parts: Vec<&str> = text
            .split([',', '\n', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        for (i, part) in parts.iter().enumerate().rev() {
            let name = strip_postcode_and_numbers(part);
            if name.is_empty() || self.gazetteer.places_named(&name).next().is_none() {
                continue;
            }
            let county = parts[i + 1..]
                .iter()
                .find(|p| self.gazetteer.is_county(p))
                .copied();
            if let Ok(mut found) = self.place(&name, county, GeocodeMethod::AddressTown) {
                if let Some(p) = &unknown_postcode {
                    let note = format!("postcode {p} unknown; used the place name");
                    found.note = Some(found.note.map_or(note.clone(), |n| format!("{note}; {n}")));
                }
                return Ok(found);
            }
        }
        let detail = unknown_postcode
            .map(|p| format!(" (postcode {p} is unknown)"))
            .unwrap_or_default();
        Err(GeocodeError::NothingInAddress(detail))
    }
}

fn strip_postcode_and_numbers(part: &str) -> String {
    part.split_whitespace()
        .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// British National Grid (OSGB36, EPSG:27700) to WGS84 longitude/latitude through
/// Ordnance Survey's OSTN15 transformation (sub-metre; output is ETRS89, which
/// differs from WGS84 by under a metre in the UK, below every precision used here).
///
/// # Errors
/// [`GeocodeError::GridOutOfRange`] outside the OSTN15 grid (0-700 km E, 0-1250 km N).
pub fn bng_to_wgs84(easting: f64, northing: f64) -> Result<(f64, f64), GeocodeError> {
    lonlat_bng::convert_osgb36_to_ll(easting, northing)
        .map_err(|_| GeocodeError::GridOutOfRange { easting, northing })
}

#[cfg(test)]
mod tests;
