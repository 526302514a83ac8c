//! Generates the demo's context: synthetic recorded crime in data.police.uk's
//! street-level CSV layout, `geodata/demo/context/2025-MM-demo-street.csv`
//! (deterministic: a fixed seed and SplitMix64, so the same code gives the
//! same bytes).
//!
//!     cargo run --release --example make_demo_context
//!
//! Not real crime: counts drawn around the demo's towns in proportion to their
//! size, with police.uk's crime types at roughly their national shares,
//! points snapped to a ~100 m grid as police.uk snaps them to map points.
//! As in the real files, some rows have no coordinates and a few fall
//! outside the UK, so the import's rejects show.

use std::io::{BufWriter, Write};

use hotspots::geo::Gazetteer;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        // Box-Muller.
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn weighted<'a, T>(&mut self, items: &'a [(T, f64)]) -> &'a T {
        let total: f64 = items.iter().map(|i| i.1).sum();
        let mut x = self.unit() * total;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }
}

/// The demo's towns and how many crimes a month each records (roughly by size).
const TOWNS: &[(&str, f64)] = &[
    ("Peterborough", 120.0),
    ("Luton", 130.0),
    ("Bedford", 80.0),
    ("King's Lynn", 45.0),
    ("Wisbech", 35.0),
    ("March", 22.0),
    ("Biggleswade", 15.0),
    ("Sandy", 10.0),
    ("Huntingdon", 20.0),
    ("Ely", 15.0),
];

/// police.uk's crime types with roughly their shares of recorded crime.
const TYPES: &[(&str, f64)] = &[
    ("Violence and sexual offences", 35.0),
    ("Anti-social behaviour", 18.0),
    ("Criminal damage and arson", 8.0),
    ("Shoplifting", 8.0),
    ("Public order", 7.0),
    ("Other theft", 6.0),
    ("Vehicle crime", 5.0),
    ("Burglary", 4.0),
    ("Drugs", 3.0),
    ("Other crime", 1.5),
    ("Theft from the person", 1.0),
    ("Bicycle theft", 1.0),
    ("Robbery", 1.0),
    ("Possession of weapons", 1.0),
];

fn main() -> anyhow::Result<()> {
    let g = Gazetteer::embedded();
    let mut rng = Rng(20_250_101);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/demo/context");
    std::fs::create_dir_all(&dir)?;
    let places: Vec<(f64, f64, f64, &str)> = TOWNS
        .iter()
        .map(|(name, per_month)| {
            let p = g
                .places_named(name)
                .max_by_key(|p| p.population)
                .unwrap_or_else(|| panic!("{name} in the gazetteer"));
            (p.lat, p.lng, *per_month, *name)
        })
        .collect();
    let weights: Vec<(usize, f64)> = places.iter().enumerate().map(|(i, p)| (i, p.2)).collect();
    let per_month: f64 = places.iter().map(|p| p.2).sum();
    for month in 1..=12 {
        let path = dir.join(format!("2025-{month:02}-demo-street.csv"));
        let mut out = BufWriter::new(std::fs::File::create(&path)?);
        writeln!(out, "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context")?;
        for n in 0..per_month as usize {
            let (lat, lng, _, town) = places[*rng.weighted(&weights)];
            let crime_type = *rng.weighted(TYPES);
            let id = if crime_type == "Anti-social behaviour" {
                String::new()
            } else {
                format!("demo{month:02}{n:05}")
            };
            let force = "Demo Constabulary (synthetic)";
            let roll = rng.unit();
            let (lng_text, lat_text, location) = if roll < 0.01 {
                (String::new(), String::new(), "No Location".to_owned())
            } else if roll < 0.013 {
                // A few rows outside the UK (the real files have some).
                (
                    "-4.5".to_owned(),
                    "48.4".to_owned(),
                    "On or near Brest".to_owned(),
                )
            } else {
                // ~1.5 km around the town, snapped to a ~100 m grid.
                let y = lat + rng.normal() * 0.013;
                let x = lng + rng.normal() * 0.02;
                (
                    format!("{:.3}", (x * 1000.0).round() / 1000.0),
                    format!("{:.3}", (y * 1000.0).round() / 1000.0),
                    format!("On or near {town}"),
                )
            };
            writeln!(
                out,
                "{id},2025-{month:02},{force},{force},{lng_text},{lat_text},{location},,,{crime_type},,"
            )?;
        }
        out.flush()?;
    }
    println!("wrote 12 months to {}", dir.display());
    Ok(())
}
