//! Derives `geodata/district_cells.tsv`: for each H3 res-7 cell (~5 km²) that holds
//! GB postcode units, the local-authority district most of them belong to.
//! District shapes are then H3 cell sets, used to assign reports to districts and
//! to build study areas from a list of districts.
//!
//!     cargo run --release --example make_district_cells
//!
//! Deterministic: every postcode unit of the embedded Code-Point Open table is
//! converted through OSTN15, votes for its district in its res-7 cell, and ties go
//! to the smaller district code.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use h3o::{LatLng, Resolution};
use hotspots::geo::{bng_to_wgs84, Gazetteer};

fn main() -> anyhow::Result<()> {
    let g = Gazetteer::embedded();
    let mut votes: HashMap<u64, HashMap<u16, u32>> = HashMap::new();
    let mut outwards: Vec<&str> = g.outward_codes().map(|(k, _)| k).collect();
    outwards.sort_unstable();
    for outward in outwards {
        for (_, unit) in g.units_in_outward(outward) {
            let Ok((lng, lat)) = bng_to_wgs84(f64::from(unit.easting), f64::from(unit.northing))
            else {
                continue;
            };
            let Ok(point) = LatLng::new(lat, lng) else {
                continue;
            };
            let cell = u64::from(point.to_cell(Resolution::Seven));
            *votes
                .entry(cell)
                .or_default()
                .entry(unit.district_index)
                .or_default() += 1;
        }
    }
    let mut rows: BTreeMap<String, String> = BTreeMap::new();
    for (cell, by_district) in votes {
        let best = by_district
            .iter()
            .filter_map(|(d, n)| g.district(*d).map(|(code, _)| (code, *n)))
            .filter(|(code, _)| !code.is_empty())
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)));
        if let (Some((code, _)), Ok(cell)) = (best, h3o::CellIndex::try_from(cell)) {
            rows.insert(cell.to_string(), code.to_owned());
        }
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/geodata/district_cells.tsv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "h3_r7\tdistrict")?;
    for (cell, code) in &rows {
        writeln!(out, "{cell}\t{code}")?;
    }
    out.flush()?;
    eprintln!("{} res-7 cells written to {path}", rows.len());
    Ok(())
}
