//! The reference data shipped in `geodata/`, embedded in the binary and parsed on
//! first use. File formats are written by `geodata/build.py`:
//!
//! - `postcodes.bin.gz`: `HSPC1\n`, u32 count, then sorted 15-byte records: the
//!   7-byte key (outward left-aligned in 4 bytes + inward), easting u24, northing
//!   u24, district index u16 (into `districts.tsv`), all little-endian.
//! - `outward.tsv`, `places.tsv`, `districts.tsv`, `police_forces.tsv`:
//!   tab-separated with a header.
//! - `uk_mask.bin`: `HSUK1\n`, lat0, lng0, dlat, dlng (f64), rows, cols (u32), then a
//!   row-major bit raster (LSB first) of cells within ~1.5 km of the UK outline.

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::OnceLock;

use super::GeocodeError;

const POSTCODES_GZ: &[u8] = include_bytes!("../../../geodata/postcodes.bin.gz");
const OUTWARD_TSV: &str = include_str!("../../../geodata/outward.tsv");
const PLACES_TSV: &str = include_str!("../../../geodata/places.tsv");
const DISTRICTS_TSV: &str = include_str!("../../../geodata/districts.tsv");
const POLICE_FORCES_TSV: &str = include_str!("../../../geodata/police_forces.tsv");
const UK_MASK: &[u8] = include_bytes!("../../../geodata/uk_mask.bin");

/// How far off the GB postcode cells a point may be and still be in the UK: a
/// kilometre or two of coast, saltmarsh or estuary that the outline leaves out.
pub const COAST_TOLERANCE_M: f64 = 2_000.0;

/// How far off the UK mask's grid [`Gazetteer::in_uk`] still looks for
/// postcode cells: more than [`COAST_TOLERANCE_M`] plus a res-7 cell's edge
/// (~3.4 km) in both directions up to 62° N, where 0.1° of longitude is
/// still ~5.2 km (a test checks the margin covers the reach).
const NEAR_GRID_DEGREES: f64 = 0.1;

/// How far a point may be from the centre of a res-7 cell holding postcodes
/// and still be near it: [`COAST_TOLERANCE_M`] plus the cell's edge length,
/// which bounds its centre-to-boundary distance.
fn postcode_reach_m() -> f64 {
    COAST_TOLERANCE_M + h3o::Resolution::Seven.edge_length_m()
}

/// Rings of res-7 cells around a grid cell's centre in which
/// [`Gazetteer::grid_cell_beyond_reach`] looks for postcode cells: every res-7
/// cell whose centre is within the reach plus the grid cell's half-diagonal
/// (~4.2 km) must be in them (res-7 centres are ~2.1-2.6 km apart). A test
/// checks it for every postcode cell; two rings are enough for today's
/// geodata, three leave a margin at a cost paid once per grid cell.
const BEYOND_REACH_RINGS: u32 = 3;

/// [`Gazetteer::grid_cell_beyond_reach`]'s answers, one byte a grid cell.
const REACH_UNKNOWN: u8 = 0;
const REACH_NONE: u8 = 1;
const REACH_SOME: u8 = 2;
const DISTRICT_CELLS_TSV: &str = include_str!("../../../geodata/district_cells.tsv");
/// The UK outline (Natural Earth 1:10m), for maps and exact checks.
pub const UK_OUTLINE_GEOJSON: &str = include_str!("../../../geodata/uk_outline.geojson");

const RECORD: usize = 15;

/// A GeoNames populated place.
#[derive(Clone, Debug)]
pub struct Place {
    pub name: String,
    pub lat: f64,
    pub lng: f64,
    pub feature: String,
    pub population: u32,
    pub county: String,
    pub geonameid: u32,
}

/// An outward code (postcode district) summarised from its units.
#[derive(Clone, Debug)]
pub struct OutwardCode {
    pub easting: f64,
    pub northing: f64,
    pub units: u32,
    /// Radius around the centroid holding 68% of the district's units, metres.
    pub spread_m: f64,
    pub district: String,
}

/// A postcode unit's Code-Point Open coordinates and its local-authority district code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostcodeUnit {
    pub easting: u32,
    pub northing: u32,
    pub district_index: u16,
}

pub struct Gazetteer {
    pub places: Vec<Place>,
    /// Indexes of the places that count as towns, sorted by latitude, for
    /// per-report lookups (see [`Gazetteer::nearest_town`]).
    towns: Vec<usize>,
    place_index: HashMap<String, Vec<usize>>,
    counties: Vec<String>,
    outward: HashMap<String, OutwardCode>,
    districts: Vec<(String, String)>,
    /// Police force areas, `(police.uk id, name)`.
    forces: Vec<(String, String)>,
    /// Per district (same index as `districts`), its force's index in `forces`.
    force_of_district: Vec<Option<u16>>,
    /// Per force, `[min_lat, min_lng, max_lat, max_lng]` of its districts'
    /// res-7 cell centres: worked out once, on first use.
    force_extents: OnceLock<Vec<Option<[f64; 4]>>>,
    /// Res-7 cell → index into `districts` (majority district of its postcodes).
    /// Its keys are the geodata's own cells, so a lookup's probes are bounded
    /// by the table, whatever cell a file's point asks for: no need for
    /// SipHash (19 lookups for a point near the coast, one per res-7 cell
    /// for districts).
    district_cells: HashMap<u64, u16, crate::model::MixState>,
    postcodes: OnceLock<Vec<u8>>,
    /// Each postcode's WGS84 point (longitude, latitude bits; 0 until first
    /// asked for), by its place in `postcodes`: see [`Gazetteer::postcode_point`].
    postcode_points: OnceLock<Vec<[AtomicU64; 2]>>,
    mask: UkMask,
    /// Per cell of the mask's grid, whether any postcode cell is within reach
    /// of it ([`Gazetteer::grid_cell_beyond_reach`]), worked out the first
    /// time a point outside the mask falls in it and shared by every thread.
    reach: OnceLock<Box<[AtomicU8]>>,
}

impl Gazetteer {
    /// The gazetteer embedded in the binary, parsed once per process.
    pub fn embedded() -> &'static Self {
        static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
        GAZETTEER.get_or_init(|| {
            Self::parse().unwrap_or_else(|e| panic!("embedded geodata is corrupt: {e}"))
        })
    }

    fn parse() -> Result<Self, GeocodeError> {
        let mut places = Vec::new();
        for line in PLACES_TSV.lines().skip(1) {
            let c: Vec<&str> = line.split('\t').collect();
            let [name, _ascii, lat, lng, feature, population, county, _country, id] = c.as_slice()
            else {
                return Err(GeocodeError::Geodata(format!(
                    "places.tsv: bad line {line:?}"
                )));
            };
            places.push(Place {
                name: (*name).to_owned(),
                lat: num(lat)?,
                lng: num(lng)?,
                feature: (*feature).to_owned(),
                population: num(population)?,
                county: (*county).to_owned(),
                geonameid: num(id)?,
            });
        }
        let mut place_index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, line) in PLACES_TSV.lines().skip(1).enumerate() {
            let mut cols = line.split('\t');
            let (name, ascii) = (cols.next().unwrap_or(""), cols.next().unwrap_or(""));
            for key in [normalise_place(name), normalise_place(ascii)] {
                let entry = place_index.entry(key).or_default();
                if !entry.contains(&i) {
                    entry.push(i);
                }
            }
        }
        // Most populous first, so "ambiguous without county" picks index 0.
        for ids in place_index.values_mut() {
            ids.sort_by_key(|&i| (std::cmp::Reverse(places[i].population), places[i].geonameid));
        }
        let mut counties: Vec<String> = places
            .iter()
            .map(|p| normalise_place(&p.county))
            .filter(|c| !c.is_empty())
            .collect();
        counties.sort();
        counties.dedup();

        let mut outward = HashMap::new();
        for line in OUTWARD_TSV.lines().skip(1) {
            let c: Vec<&str> = line.split('\t').collect();
            let [code, e, n, units, spread, district] = c.as_slice() else {
                return Err(GeocodeError::Geodata(format!(
                    "outward.tsv: bad line {line:?}"
                )));
            };
            outward.insert(
                (*code).to_owned(),
                OutwardCode {
                    easting: num(e)?,
                    northing: num(n)?,
                    units: num(units)?,
                    spread_m: num(spread)?,
                    district: (*district).to_owned(),
                },
            );
        }
        let districts: Vec<(String, String)> = DISTRICTS_TSV
            .lines()
            .skip(1)
            .map(|line| {
                let (code, name) = line.split_once('\t').unwrap_or((line, ""));
                (code.to_owned(), name.to_owned())
            })
            .collect();
        let district_index: HashMap<&str, u16> = districts
            .iter()
            .enumerate()
            .map(|(i, (code, _))| (code.as_str(), i as u16))
            .collect();
        let mut forces: Vec<(String, String)> = Vec::new();
        let mut force_of_district = vec![None; districts.len()];
        for line in POLICE_FORCES_TSV.lines().skip(1) {
            let c: Vec<&str> = line.split('\t').collect();
            let [district, force, name] = c.as_slice() else {
                return Err(GeocodeError::Geodata(format!(
                    "police_forces.tsv: bad line {line:?}"
                )));
            };
            let Some(&d) = district_index.get(district) else {
                return Err(GeocodeError::Geodata(format!(
                    "police_forces.tsv: unknown district {district:?}"
                )));
            };
            let f = forces
                .iter()
                .position(|(id, _)| id == force)
                .unwrap_or_else(|| {
                    forces.push(((*force).to_owned(), (*name).to_owned()));
                    forces.len() - 1
                });
            force_of_district[usize::from(d)] = Some(f as u16);
        }
        let mut district_cells = HashMap::default();
        for line in DISTRICT_CELLS_TSV.lines().skip(1) {
            let (cell, code) = line.split_once('\t').unwrap_or((line, ""));
            let cell: h3o::CellIndex = cell.parse().map_err(|_| {
                GeocodeError::Geodata(format!("district_cells.tsv: bad cell {cell:?}"))
            })?;
            if let Some(&i) = district_index.get(code) {
                district_cells.insert(u64::from(cell), i);
            }
        }
        let mut towns: Vec<usize> = places
            .iter()
            .enumerate()
            .filter(|(_, p)| p.population >= super::TOWN_MIN_POPULATION)
            .map(|(i, _)| i)
            .collect();
        towns.sort_by(|&a, &b| places[a].lat.total_cmp(&places[b].lat));
        Ok(Self {
            places,
            towns,
            place_index,
            counties,
            outward,
            districts,
            forces,
            force_of_district,
            force_extents: OnceLock::new(),
            district_cells,
            postcodes: OnceLock::new(),
            postcode_points: OnceLock::new(),
            mask: UkMask::parse(UK_MASK)?,
            reach: OnceLock::new(),
        })
    }

    /// Places with this name (any case, apostrophes and hyphens ignored), most populous first.
    pub fn places_named(&self, name: &str) -> impl Iterator<Item = &Place> {
        self.place_index
            .get(&normalise_place(name))
            .into_iter()
            .flatten()
            .map(|&i| &self.places[i])
    }

    pub(crate) fn is_county(&self, text: &str) -> bool {
        self.counties.binary_search(&normalise_place(text)).is_ok()
    }

    pub fn outward(&self, code: &str) -> Option<&OutwardCode> {
        self.outward.get(code)
    }

    /// The name of a local-authority district by its ONS code.
    pub fn district_name(&self, code: &str) -> Option<&str> {
        self.districts
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.as_str())
    }

    /// Every town name [`Gazetteer::nearest_town`] can answer (names repeat
    /// where towns share one).
    pub fn town_names(&self) -> impl Iterator<Item = &str> {
        self.towns.iter().map(|&i| self.places[i].name.as_str())
    }

    /// Every district code [`Gazetteer::district_of_cell`] can answer: those
    /// some res-7 cell belongs to. The postcode table's districts also hold
    /// `""` ("(none)": units Code-Point Open gives no district), which no cell
    /// is voted to.
    pub fn district_codes(&self) -> impl Iterator<Item = &str> {
        let mut answered = vec![false; self.districts.len()];
        for &i in self.district_cells.values() {
            answered[usize::from(i)] = true;
        }
        self.districts
            .iter()
            .zip(answered)
            .filter_map(|((code, _), answered)| answered.then_some(code.as_str()))
    }

    /// `(code, name)` of a local-authority district by its index in the postcode table.
    pub fn district(&self, index: u16) -> Option<(&str, &str)> {
        self.districts
            .get(usize::from(index))
            .map(|(c, n)| (c.as_str(), n.as_str()))
    }

    /// Looks a full postcode up in Code-Point Open. The table (26 MB) is inflated
    /// on the first call only, so runs without postcodes never pay for it.
    pub fn postcode_unit(&self, key: [u8; 7]) -> Option<PostcodeUnit> {
        self.postcode_record(key).map(|(_, unit)| unit)
    }

    /// A full postcode's WGS84 point (longitude, latitude).
    /// The point is converted through OSTN15 the first time the postcode is
    /// asked for, then remembered for every thread: a file names the same
    /// postcodes again and again (a premises reported every week), and the
    /// conversion is most of what locating by postcode costs.
    ///
    /// # Errors
    /// `None` for a postcode not in Code-Point Open; the conversion's error
    /// for one outside OSTN15.
    pub fn postcode_point(&self, key: [u8; 7]) -> Option<Result<(f64, f64), GeocodeError>> {
        let (index, unit) = self.postcode_record(key)?;
        let points = self.postcode_points.get_or_init(|| {
            let table = self.postcodes.get_or_init(inflate_postcodes);
            (0..table.len().saturating_sub(10) / RECORD)
                .map(|_| [AtomicU64::new(0), AtomicU64::new(0)])
                .collect()
        });
        let [lng_bits, lat_bits] = &points[index];
        // No UK latitude is 0: 0 is "not yet". The longitude is stored first
        // and the latitude released after it, so a latitude seen means both.
        let lat = lat_bits.load(Ordering::Acquire);
        if lat != 0 {
            let lng = f64::from_bits(lng_bits.load(Ordering::Relaxed));
            return Some(Ok((lng, f64::from_bits(lat))));
        }
        Some(
            super::bng_to_wgs84(f64::from(unit.easting), f64::from(unit.northing)).map(
                |(lng, lat)| {
                    lng_bits.store(lng.to_bits(), Ordering::Relaxed);
                    lat_bits.store(lat.to_bits(), Ordering::Release);
                    (lng, lat)
                },
            ),
        )
    }

    /// A full postcode's place in the table, and its unit.
    fn postcode_record(&self, key: [u8; 7]) -> Option<(usize, PostcodeUnit)> {
        let table = self.postcodes.get_or_init(inflate_postcodes);
        let records = table.get(10..).unwrap_or_default();
        let count = records.len() / RECORD;
        let (mut lo, mut hi) = (0, count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let record = &records[mid * RECORD..(mid + 1) * RECORD];
            match record[..7].cmp(&key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let u24 =
                        |b: &[u8]| u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16;
                    return Some((
                        mid,
                        PostcodeUnit {
                            easting: u24(&record[7..10]),
                            northing: u24(&record[10..13]),
                            district_index: u16::from_le_bytes([record[13], record[14]]),
                        },
                    ));
                }
            }
        }
        None
    }

    /// The district of a res-7 cell: its own, else the most common among the
    /// nearest cells that have one (up to 3 rings out, for cells with no postcodes).
    pub fn district_of_cell(&self, cell: h3o::CellIndex) -> Option<(&str, &str)> {
        self.district_index_of_cell(cell)
            .and_then(|i| self.district(i))
    }

    fn district_index_of_cell(&self, cell: h3o::CellIndex) -> Option<u16> {
        if let Some(&i) = self.district_cells.get(&u64::from(cell)) {
            return Some(i);
        }
        for k in 1..=3 {
            let mut votes: Vec<u16> = cell
                .grid_ring::<Vec<_>>(k)
                .iter()
                .filter_map(|c| self.district_cells.get(&u64::from(*c)).copied())
                .collect();
            if votes.is_empty() {
                continue;
            }
            votes.sort_unstable();
            let mut best = (0usize, votes[0]);
            for run in votes.chunk_by(|a, b| a == b) {
                if run.len() > best.0 {
                    best = (run.len(), run[0]);
                }
            }
            return Some(best.1);
        }
        None
    }

    /// The districts a set of cells (of any resolution) lies in, as
    /// `(code, name, cells)`, most cells first (then by code). A cell finer
    /// than res 7 has its res-7 parent's district, as a report there does; a
    /// res-6 cell counts once in each district of its res-7 children.
    pub fn districts_of_cells(&self, cells: &[h3o::CellIndex]) -> Vec<(&str, &str, usize)> {
        self.tally_cells(cells, Some, |d| self.district(d))
    }

    /// The police force areas a set of cells lies in, as `(police.uk id,
    /// name, cells)`, most cells first (then by id): each cell in the force
    /// of its district (as [`Gazetteer::districts_of_cells`] places it).
    pub fn forces_of_cells(&self, cells: &[h3o::CellIndex]) -> Vec<(&str, &str, usize)> {
        self.tally_cells(
            cells,
            |d| {
                self.force_of_district
                    .get(usize::from(d))
                    .copied()
                    .flatten()
            },
            |f| {
                self.forces
                    .get(usize::from(f))
                    .map(|(id, name)| (id.as_str(), name.as_str()))
            },
        )
    }

    /// `(police.uk id, name)` of a police force named by its data.police.uk
    /// id or its name (any case), with the codes of its districts.
    pub fn force_named(&self, id_or_name: &str) -> Option<((&str, &str), Vec<&str>)> {
        let f = self.force_position(id_or_name)?;
        let districts = self
            .districts
            .iter()
            .zip(&self.force_of_district)
            .filter(|(_, force)| usize::from(force.unwrap_or(u16::MAX)) == f)
            .map(|((code, _), _)| code.as_str())
            .collect();
        let (id, name) = &self.forces[f];
        Some(((id.as_str(), name.as_str()), districts))
    }

    /// `[min_lat, min_lng, max_lat, max_lng]` of a police force area (by
    /// data.police.uk id or name): the centres of its districts' res-7 cells.
    pub fn force_extent(&self, id_or_name: &str) -> Option<[f64; 4]> {
        let f = self.force_position(id_or_name)?;
        let extents = self.force_extents.get_or_init(|| {
            let mut extents: Vec<Option<[f64; 4]>> = vec![None; self.forces.len()];
            for (&cell, &district) in &self.district_cells {
                let (Some(Some(force)), Ok(cell)) = (
                    self.force_of_district.get(usize::from(district)),
                    h3o::CellIndex::try_from(cell),
                ) else {
                    continue;
                };
                let centre = h3o::LatLng::from(cell);
                let (lat, lng) = (centre.lat(), centre.lng());
                let extent = extents[usize::from(*force)].get_or_insert([lat, lng, lat, lng]);
                *extent = [
                    extent[0].min(lat),
                    extent[1].min(lng),
                    extent[2].max(lat),
                    extent[3].max(lng),
                ];
            }
            extents
        });
        extents.get(f).copied().flatten()
    }

    /// A force's index in `forces`, by its data.police.uk id or its name (any case).
    fn force_position(&self, id_or_name: &str) -> Option<usize> {
        let wanted = normalise_place(id_or_name);
        self.forces.iter().position(|(id, name)| {
            id.eq_ignore_ascii_case(id_or_name) || normalise_place(name) == wanted
        })
    }

    /// The police force areas of some districts (ONS codes), `(police.uk id,
    /// name)` once each, by name: the forces a page offers to choose from.
    pub fn forces_of_districts<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a str>,
    ) -> Vec<(&str, &str)> {
        let mut forces: Vec<(&str, &str)> = codes
            .into_iter()
            .filter_map(|code| self.force_of_district(code))
            .collect();
        forces.sort_unstable_by(|a, b| a.1.cmp(b.1));
        forces.dedup();
        forces
    }

    /// The police force area of a district, by its ONS code: `(police.uk id, name)`.
    pub fn force_of_district(&self, code: &str) -> Option<(&str, &str)> {
        let d = self.districts.iter().position(|(c, _)| c == code)?;
        let f = self.force_of_district.get(d).copied().flatten()?;
        self.forces
            .get(usize::from(f))
            .map(|(id, name)| (id.as_str(), name.as_str()))
    }

    /// Counts cells by the units (districts, forces) their res-7 cells'
    /// districts map to; a cell counts once in each unit it touches.
    fn tally_cells<'a>(
        &'a self,
        cells: &[h3o::CellIndex],
        unit_of_district: impl Fn(u16) -> Option<u16>,
        label: impl Fn(u16) -> Option<(&'a str, &'a str)>,
    ) -> Vec<(&'a str, &'a str, usize)> {
        let mut counts: HashMap<u16, usize> = HashMap::new();
        let mut of_cell: Vec<u16> = Vec::new();
        for cell in cells {
            of_cell.clear();
            match cell.parent(h3o::Resolution::Seven) {
                Some(res7) => of_cell.extend(self.district_index_of_cell(res7)),
                None => of_cell.extend(
                    cell.children(h3o::Resolution::Seven)
                        .filter_map(|child| self.district_index_of_cell(child)),
                ),
            }
            let mut units: Vec<u16> = of_cell
                .iter()
                .filter_map(|&d| unit_of_district(d))
                .collect();
            units.sort_unstable();
            units.dedup();
            for unit in units {
                *counts.entry(unit).or_default() += 1;
            }
        }
        let mut out: Vec<(&str, &str, usize)> = counts
            .into_iter()
            .filter_map(|(unit, n)| label(unit).map(|(code, name)| (code, name, n)))
            .collect();
        out.sort_unstable_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
        out
    }

    /// `(code, name)` of a local-authority district named by its ONS code or
    /// its name, any case.
    pub fn district_named(&self, code_or_name: &str) -> Option<(&str, &str)> {
        let index = self.district_position(code_or_name)?;
        self.districts
            .get(index)
            .map(|(c, n)| (c.as_str(), n.as_str()))
    }

    fn district_position(&self, code_or_name: &str) -> Option<usize> {
        let wanted = normalise_place(code_or_name);
        self.districts.iter().position(|(code, name)| {
            code.eq_ignore_ascii_case(code_or_name) || normalise_place(name) == wanted
        })
    }

    /// All res-7 cells of a district (by code or name, any case).
    pub fn district_cells(&self, district: &str) -> Vec<h3o::CellIndex> {
        let Some(index) = self.district_position(district) else {
            return Vec::new();
        };
        let mut cells: Vec<h3o::CellIndex> = self
            .district_cells
            .iter()
            .filter(|(_, d)| usize::from(**d) == index)
            .filter_map(|(c, _)| h3o::CellIndex::try_from(*c).ok())
            .collect();
        cells.sort_unstable();
        cells
    }

    /// Every outward code, in no particular order.
    pub fn outward_codes(&self) -> impl Iterator<Item = (&str, &OutwardCode)> {
        self.outward.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The units of one outward code as `("PE13 1AA", unit)`, in postcode order.
    pub fn units_in_outward(&self, outward: &str) -> Vec<(String, PostcodeUnit)> {
        let table = self.postcodes.get_or_init(inflate_postcodes);
        let records = table.get(10..).unwrap_or_default();
        let mut prefix = *b"    ";
        if outward.len() > 4 {
            return Vec::new();
        }
        prefix[..outward.len()].copy_from_slice(outward.as_bytes());
        let count = records.len() / RECORD;
        let record = |i: usize| &records[i * RECORD..(i + 1) * RECORD];
        let start = partition_point(count, |i| record(i)[..4] < prefix[..]);
        (start..count)
            .take_while(|&i| record(i)[..4] == prefix[..])
            .filter_map(|i| {
                let r = record(i);
                let key: [u8; 7] = r[..7].try_into().ok()?;
                let unit = self.postcode_unit(key)?;
                Some((
                    format!("{} {}", outward, String::from_utf8_lossy(&r[4..7])),
                    unit,
                ))
            })
            .collect()
    }

    /// Number of postcode units in the table (inflates it).
    pub fn postcode_count(&self) -> usize {
        self.postcodes
            .get_or_init(inflate_postcodes)
            .len()
            .saturating_sub(10)
            / RECORD
    }

    /// True when the point is in the UK: inside the outline or within the mask's
    /// tolerance (~1.5-3 km) of its coast or border, or within
    /// [`COAST_TOLERANCE_M`] of an H3 res-7 cell (~1.2 km across) that holds GB
    /// postcode units. The second test keeps premises on marshes, estuaries and
    /// low coasts (Mersea, the Blackwater, the Wash, north Norfolk) that the
    /// generalised 1:10m outline cuts off.
    pub fn in_uk(&self, lat: f64, lng: f64) -> bool {
        self.mask.contains(lat, lng) || self.near_postcodes(lat, lng)
    }

    /// Within [`COAST_TOLERANCE_M`] of a res-7 cell holding postcodes: the
    /// cell's centre within [`postcode_reach_m`] of the point. Answered at
    /// once off the mask's grid and in grid cells no postcode cell reaches,
    /// else by [`Gazetteer::near_postcodes_by_rings`].
    fn near_postcodes(&self, lat: f64, lng: f64) -> bool {
        // Every postcode cell's centre is inside the mask's grid (a test
        // keeps it so), so a point well off the grid is near none: answered
        // without the two rings of cells (where a file of swapped or foreign
        // coordinates spent much of its time: bench/README.md).
        if !self.mask.near_grid(lat, lng, NEAR_GRID_DEGREES) {
            return false;
        }
        // Points at sea mostly fall in grid cells no postcode cell reaches:
        // those are answered once per grid cell, not per point (a file's
        // points in the Wash each searched the rings: bench/README.md).
        if let Some(grid_cell) = self.mask.cell_of(lat, lng) {
            if self.grid_cell_beyond_reach(grid_cell) {
                return false;
            }
        }
        self.near_postcodes_by_rings(lat, lng)
    }

    /// [`Gazetteer::near_postcodes`] without its shortcuts: the point's own
    /// res-7 cell and the two rings around it (res-7 centres are ~2.1 km apart).
    fn near_postcodes_by_rings(&self, lat: f64, lng: f64) -> bool {
        let Ok(point) = h3o::LatLng::new(lat, lng) else {
            return false;
        };
        let own = point.to_cell(h3o::Resolution::Seven);
        if self.district_cells.contains_key(&u64::from(own)) {
            return true;
        }
        let reach = postcode_reach_m();
        own.grid_disk::<Vec<_>>(2).into_iter().any(|cell| {
            self.district_cells.contains_key(&u64::from(cell)) && {
                let centre = h3o::LatLng::from(cell);
                haversine_m(lat, lng, centre.lat(), centre.lng()) <= reach
            }
        })
    }

    /// Whether no point of the mask's grid cell `index` is within reach of
    /// a postcode cell, so that [`Gazetteer::near_postcodes`] would say no
    /// for every point in it. Worked out once per grid cell and kept.
    fn grid_cell_beyond_reach(&self, index: usize) -> bool {
        let states = self.reach.get_or_init(|| {
            (0..self.mask.rows * self.mask.cols)
                .map(|_| AtomicU8::new(REACH_UNKNOWN))
                .collect()
        });
        // Relaxed: two threads that find a cell unknown work out the same
        // answer, and either's store will do.
        match states[index].load(Ordering::Relaxed) {
            REACH_NONE => true,
            REACH_SOME => false,
            _ => {
                let beyond = self.grid_cell_beyond_reach_uncached(index);
                let state = if beyond { REACH_NONE } else { REACH_SOME };
                states[index].store(state, Ordering::Relaxed);
                beyond
            }
        }
    }

    /// A point P of the grid cell is no nearer a postcode cell's centre C
    /// than C is to the grid cell's centre less the cell's half-diagonal
    /// (the triangle inequality), so the cell is beyond reach when that holds
    /// for every postcode cell around it by more than the reach. The rule for
    /// a point inside a postcode cell needs nothing more: a res-7 cell's
    /// centre is nearer any of its points than the reach (tested).
    fn grid_cell_beyond_reach_uncached(&self, index: usize) -> bool {
        let ((lat, lng), half_diagonal) = self.mask.grid_cell_centre(index);
        let Ok(centre) = h3o::LatLng::new(lat, lng) else {
            return false;
        };
        // A metre of slack for rounding in the distances.
        let reach = postcode_reach_m() + 1.0;
        centre
            .to_cell(h3o::Resolution::Seven)
            .grid_disk::<Vec<_>>(BEYOND_REACH_RINGS)
            .into_iter()
            .filter(|cell| self.district_cells.contains_key(&u64::from(*cell)))
            .all(|cell| {
                let c = h3o::LatLng::from(cell);
                haversine_m(lat, lng, c.lat(), c.lng()) - half_diagonal > reach
            })
    }

    /// The nearest place with at least `min_population` people, with its distance in metres.
    pub fn nearest_place(&self, lat: f64, lng: f64, min_population: u32) -> Option<(&Place, f64)> {
        nearest(
            self.places
                .iter()
                .filter(|p| p.population >= min_population),
            lat,
            lng,
        )
    }

    /// The nearest town (a place of at least [`super::TOWN_MIN_POPULATION`] people).
    ///
    /// A sweep outwards in latitude from the point: no town is nearer than its
    /// difference in latitude, so the sweep stops in each direction once that
    /// alone exceeds the best distance found. Same answer as comparing every
    /// town (ties to the lower `geonameid`), a few dozen distances instead of
    /// over a thousand.
    pub fn nearest_town(&self, lat: f64, lng: f64) -> Option<(&Place, f64)> {
        let start = self.towns.partition_point(|&i| self.places[i].lat < lat);
        let better = |candidate: (&Place, f64), best: Option<(&Place, f64)>| match best {
            None => true,
            Some((place, distance)) => candidate
                .1
                .total_cmp(&distance)
                .then(candidate.0.geonameid.cmp(&place.geonameid))
                .is_lt(),
        };
        // Metres per radian of latitude, less a metre for rounding: a lower bound.
        let bound = |place: &Place| (place.lat - lat).abs().to_radians() * EARTH_RADIUS_M - 1.0;
        let mut best: Option<(&Place, f64)> = None;
        let (mut up, mut down) = (start, start);
        loop {
            let reach = best.map_or(f64::INFINITY, |(_, d)| d);
            let north = self
                .towns
                .get(up)
                .map(|&i| &self.places[i])
                .filter(|p| bound(p) <= reach);
            let south = down
                .checked_sub(1)
                .map(|j| &self.places[self.towns[j]])
                .filter(|p| bound(p) <= reach);
            if north.is_none() && south.is_none() {
                return best;
            }
            for place in [north, south].into_iter().flatten() {
                let candidate = (place, haversine_m(lat, lng, place.lat, place.lng));
                if better(candidate, best) {
                    best = Some(candidate);
                }
            }
            up += usize::from(north.is_some());
            down -= usize::from(south.is_some());
        }
    }

    /// [`Gazetteer::nearest_town`] by comparing every town (the reference for its test).
    #[cfg(test)]
    pub(crate) fn nearest_town_by_scan(&self, lat: f64, lng: f64) -> Option<(&Place, f64)> {
        nearest(self.towns.iter().map(|&i| &self.places[i]), lat, lng)
    }
}

fn nearest<'a>(
    places: impl Iterator<Item = &'a Place>,
    lat: f64,
    lng: f64,
) -> Option<(&'a Place, f64)> {
    places
        .map(|p| (p, haversine_m(lat, lng, p.lat, p.lng)))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.geonameid.cmp(&b.0.geonameid)))
}

fn partition_point(len: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn inflate_postcodes() -> Vec<u8> {
    let mut out = Vec::with_capacity(27 << 20);
    flate2::read::GzDecoder::new(POSTCODES_GZ)
        .read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("embedded postcodes.bin.gz is corrupt: {e}"));
    assert!(
        out.starts_with(b"HSPC1\n"),
        "embedded postcodes.bin.gz has the wrong header"
    );
    out
}

fn num<T: std::str::FromStr>(text: &str) -> Result<T, GeocodeError> {
    text.parse()
        .map_err(|_| GeocodeError::Geodata(format!("bad number {text:?}")))
}

/// Lower case, `'` dropped, `-`/`&` spelled out as spaces/`and`, spaces collapsed.
pub(crate) fn normalise_place(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| c.is_whitespace() || c == '-' || c == ',')
        .map(|w| {
            w.chars()
                .filter(|c| !matches!(c, '\'' | '’' | '.'))
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        if word == "&" {
            out.push_str("and");
        } else {
            out.extend(word.chars().flat_map(char::to_lowercase));
        }
    }
    out
}

const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance on the mean Earth sphere (R = 6,371,008.8 m).
pub fn haversine_m(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lng2 - lng1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

struct UkMask {
    lat0: f64,
    lng0: f64,
    dlat: f64,
    dlng: f64,
    rows: usize,
    cols: usize,
    bits: &'static [u8],
}

impl UkMask {
    fn parse(bytes: &'static [u8]) -> Result<Self, GeocodeError> {
        let bad = || GeocodeError::Geodata("uk_mask.bin is corrupt".into());
        let header = bytes.get(..6 + 40).ok_or_else(bad)?;
        if !header.starts_with(b"HSUK1\n") {
            return Err(bad());
        }
        let f = |i: usize| {
            f64::from_le_bytes(header[6 + 8 * i..14 + 8 * i].try_into().unwrap_or_default())
        };
        let u = |at: usize| {
            u32::from_le_bytes(header[at..at + 4].try_into().unwrap_or_default()) as usize
        };
        let (rows, cols) = (u(38), u(42));
        let bits = &bytes[46..];
        if bits.len() * 8 < rows * cols {
            return Err(bad());
        }
        Ok(Self {
            lat0: f(0),
            lng0: f(1),
            dlat: f(2),
            dlng: f(3),
            rows,
            cols,
            bits,
        })
    }

    /// Within `margin` degrees of the grid's extent (either way).
    fn near_grid(&self, lat: f64, lng: f64, margin: f64) -> bool {
        let (lat1, lng1) = self.far_corner();
        (self.lat0 - margin..=lat1 + margin).contains(&lat)
            && (self.lng0 - margin..=lng1 + margin).contains(&lng)
    }

    fn far_corner(&self) -> (f64, f64) {
        (
            self.lat0 + self.rows as f64 * self.dlat,
            self.lng0 + self.cols as f64 * self.dlng,
        )
    }

    /// The index (row-major) of the grid cell holding the point, if on the grid.
    fn cell_of(&self, lat: f64, lng: f64) -> Option<usize> {
        let r = ((lat - self.lat0) / self.dlat).floor();
        let c = ((lng - self.lng0) / self.dlng).floor();
        (r >= 0.0 && c >= 0.0 && (r as usize) < self.rows && (c as usize) < self.cols)
            .then(|| r as usize * self.cols + c as usize)
    }

    /// A grid cell's centre and the distance from it to its farthest corner, metres.
    fn grid_cell_centre(&self, index: usize) -> ((f64, f64), f64) {
        let (r, c) = ((index / self.cols) as f64, (index % self.cols) as f64);
        let (south, west) = (self.lat0 + r * self.dlat, self.lng0 + c * self.dlng);
        let (north, east) = (south + self.dlat, west + self.dlng);
        let (lat, lng) = (f64::midpoint(south, north), f64::midpoint(west, east));
        let half_diagonal = [(south, west), (south, east), (north, west), (north, east)]
            .into_iter()
            .map(|(a, b)| haversine_m(lat, lng, a, b))
            .fold(0.0, f64::max);
        ((lat, lng), half_diagonal)
    }

    fn contains(&self, lat: f64, lng: f64) -> bool {
        self.cell_of(lat, lng)
            .is_some_and(|bit| self.bits[bit / 8] & (1 << (bit % 8)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `in_uk` answers points well off the mask's grid at once (no rings of
    /// cells): that shortcut changes no answer, because every postcode cell's
    /// centre is on the grid and the margin exceeds the reach at the grid's
    /// northern edge, and points around the grid's edges answer as a full look
    /// at the postcode cells does.
    #[test]
    fn the_grid_shortcut_changes_no_answer() {
        let g = Gazetteer::embedded();
        let (lat1, lng1) = g.mask.far_corner();
        for &i in g.district_cells.keys() {
            let centre = h3o::LatLng::from(h3o::CellIndex::try_from(i).expect("cell"));
            assert!(
                g.mask.near_grid(centre.lat(), centre.lng(), 0.0),
                "postcode cell {i:x} at {centre} is off the grid"
            );
        }
        let reach = postcode_reach_m();
        let top = lat1 + NEAR_GRID_DEGREES;
        assert!(haversine_m(top, 0.0, top, NEAR_GRID_DEGREES) > reach);
        assert!(haversine_m(0.0, 0.0, NEAR_GRID_DEGREES, 0.0) > reach);
        // The slow answer: any postcode cell's centre within reach.
        let near_by_scan = |lat: f64, lng: f64| {
            g.district_cells.keys().any(|&i| {
                let centre = h3o::LatLng::from(h3o::CellIndex::try_from(i).expect("cell"));
                haversine_m(lat, lng, centre.lat(), centre.lng()) <= reach
            })
        };
        let mut checked = 0;
        for step in 0..=20 {
            let t = f64::from(step) / 20.0;
            let lat = g.mask.lat0 + t * (lat1 - g.mask.lat0);
            let lng = g.mask.lng0 + t * (lng1 - g.mask.lng0);
            for offset in [-0.5, -0.12, -0.05, 0.0, 0.05, 0.12, 0.5] {
                for (lat, lng) in [
                    (g.mask.lat0 + offset, lng),
                    (lat1 + offset, lng),
                    (lat, g.mask.lng0 + offset),
                    (lat, lng1 + offset),
                ] {
                    let expected = g.mask.contains(lat, lng) || near_by_scan(lat, lng);
                    assert_eq!(g.in_uk(lat, lng), expected, "{lat}, {lng}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 21 * 7 * 4);
        // Beside the postcode cells nearest the grid's edges, just inside and
        // just beyond their reach, towards the edge.
        let mut beside = 0;
        for &i in g.district_cells.keys() {
            let centre = h3o::LatLng::from(h3o::CellIndex::try_from(i).expect("cell"));
            let (lat, lng) = (centre.lat(), centre.lng());
            let to_edge = [
                (lat - g.mask.lat0, (-1.0, 0.0)),
                (lat1 - lat, (1.0, 0.0)),
                (lng - g.mask.lng0, (0.0, -1.0)),
                (lng1 - lng, (0.0, 1.0)),
            ];
            for (distance, (dlat, dlng)) in to_edge {
                if distance > 0.2 {
                    continue;
                }
                for km in [1.0, 3.0, 4.0] {
                    let degrees = km / 111.32;
                    let (lat, lng) = (
                        lat + dlat * degrees,
                        lng + dlng * degrees / lat.to_radians().cos(),
                    );
                    let expected = g.mask.contains(lat, lng) || near_by_scan(lat, lng);
                    assert_eq!(g.in_uk(lat, lng), expected, "{lat}, {lng}");
                    beside += 1;
                }
            }
        }
        assert!(beside > 0, "no postcode cell near the grid's edges");
        assert!(!g.in_uk(-0.421_064, 51.881_155), "swapped coordinates");
    }

    /// A grid cell found beyond reach holds no point near a postcode cell.
    /// For every postcode cell: its points are all within reach of its centre
    /// (so the rule for a point inside one needs no test of its own), and
    /// every grid cell that may hold a point within reach of its centre is
    /// not beyond reach (so the rings looked in are enough). Then points
    /// across the Wash, where a file's rejects were, answer as the rings do.
    #[test]
    fn grid_cells_beyond_reach_hold_no_point_near_a_postcode_cell() {
        let g = Gazetteer::embedded();
        let m = &g.mask;
        let reach = postcode_reach_m();
        let mut within = 0;
        for &i in g.district_cells.keys() {
            let cell = h3o::CellIndex::try_from(i).expect("cell");
            let c = h3o::LatLng::from(cell);
            for vertex in cell.boundary().iter() {
                assert!(haversine_m(c.lat(), c.lng(), vertex.lat(), vertex.lng()) < reach);
            }
            // A box of grid cells around the centre, wider than the reach.
            let rows = (reach / 110_000.0 / m.dlat).ceil() as i64 + 2;
            let lat_far = c.lat().abs() + rows as f64 * m.dlat;
            let cols =
                (reach / (111_000.0 * lat_far.to_radians().cos()) / m.dlng).ceil() as i64 + 2;
            let row = ((c.lat() - m.lat0) / m.dlat).floor() as i64;
            let col = ((c.lng() - m.lng0) / m.dlng).floor() as i64;
            for r in (row - rows..=row + rows).filter(|&r| (0..m.rows as i64).contains(&r)) {
                for k in (col - cols..=col + cols).filter(|&k| (0..m.cols as i64).contains(&k)) {
                    let index = r as usize * m.cols + k as usize;
                    let ((lat, lng), half_diagonal) = m.grid_cell_centre(index);
                    if haversine_m(c.lat(), c.lng(), lat, lng) - half_diagonal <= reach {
                        assert!(
                            !g.grid_cell_beyond_reach(index),
                            "grid cell at {lat}, {lng} is said beyond reach of {i:x}"
                        );
                        within += 1;
                    }
                }
            }
        }
        assert!(within > g.district_cells.len());
        let (mut beyond, mut near, mut far) = (0, 0, 0);
        for a in 0..=120 {
            for b in 0..=240 {
                let (lat, lng) = (52.7 + f64::from(a) * 0.0033, f64::from(b) * 0.0037);
                if m.contains(lat, lng) {
                    continue;
                }
                let by_rings = g.near_postcodes_by_rings(lat, lng);
                assert_eq!(g.near_postcodes(lat, lng), by_rings, "{lat}, {lng}");
                let grid_cell = m.cell_of(lat, lng).expect("on the grid");
                beyond += usize::from(g.grid_cell_beyond_reach(grid_cell));
                if by_rings {
                    near += 1;
                } else {
                    far += 1;
                }
            }
        }
        // Both answers, and most points at sea answered per grid cell.
        assert!(near > 0 && far > 0, "{near} near, {far} far");
        assert!(beyond * 2 > far, "{beyond} of {far} beyond reach");
    }
}
