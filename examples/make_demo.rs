//! Generates the bundled demo reports in `geodata/demo/` (deterministic: a fixed
//! seed and a SplitMix64 generator, so the same code gives the same bytes).
//!
//!     cargo run --release --example make_demo
//!
//! The picture is drawn from the seed documents: hot spots around Wisbech, March and
//! King's Lynn (car washes, farms; Lithuanian and other nationalities), Bedfordshire
//! car washes and nail bars (Luton, Bedford, Biggleswade, Sandy), lorry checks at
//! Toddington Services on the M1, Fenland farms, criminal exploitation in Biggleswade
//! and Sandy, a background across the East of England, and a rising trend. Premises
//! are real postcode units; many are reported more than once. Four files, one per
//! source system, in four location styles (BNG, postcode/town, GPS, address).

use std::fs::File;

use chrono::Datelike;
use std::io::{BufWriter, Write};

use hotspots::geo::{bng_to_wgs84, Gazetteer};

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
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
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

struct Cluster {
    town: &'static str,
    county: &'static str,
    outwards: &'static [&'static str],
    premises: usize,
    reports: usize,
    venues: &'static [(&'static str, f64)],
    exploitation: &'static [(&'static str, f64)],
    nationalities: &'static [&'static str],
    /// Relative volume per year 2019..=2025.
    years: [f64; 7],
}

const RISING: [f64; 7] = [0.7, 0.6, 0.9, 1.0, 1.2, 1.4, 1.6];

const CLUSTERS: &[Cluster] = &[
    Cluster {
        town: "Wisbech",
        county: "Cambridgeshire",
        outwards: &["PE13"],
        premises: 45,
        reports: 2300,
        venues: &[
            ("car_wash", 5.0),
            ("farm", 3.0),
            ("nail_bar", 1.5),
            ("other", 0.5),
        ],
        exploitation: &[
            ("labour", 8.0),
            ("sexual", 1.0),
            ("domestic_servitude", 0.5),
            ("unknown", 1.0),
        ],
        nationalities: &["Lithuanian", "Latvian", "Romanian", "Polish", "Bulgarian"],
        years: RISING,
    },
    Cluster {
        town: "March",
        county: "Cambridgeshire",
        outwards: &["PE15"],
        premises: 25,
        reports: 900,
        venues: &[("car_wash", 5.0), ("farm", 3.0), ("other", 0.5)],
        exploitation: &[("labour", 8.0), ("unknown", 1.0)],
        nationalities: &["Lithuanian", "Romanian", "Polish"],
        years: [1.8, 1.6, 1.4, 0.8, 0.5, 0.35, 0.3],
    },
    Cluster {
        town: "King's Lynn",
        county: "Norfolk",
        outwards: &["PE30"],
        premises: 35,
        reports: 1300,
        venues: &[("nail_bar", 5.0), ("car_wash", 3.0), ("farm", 1.0)],
        exploitation: &[("labour", 5.0), ("sexual", 2.0), ("unknown", 1.0)],
        nationalities: &["Lithuanian", "Vietnamese", "Romanian", "Latvian"],
        years: [0.15, 0.15, 0.2, 0.3, 0.5, 2.6, 3.2],
    },
    Cluster {
        town: "",
        county: "",
        outwards: &["PE16", "PE14", "PE7"],
        premises: 40,
        reports: 1700,
        venues: &[("farm", 9.0), ("other", 0.5)],
        exploitation: &[("labour", 9.0), ("unknown", 1.0)],
        nationalities: &["Romanian", "Bulgarian", "Lithuanian", "Ukrainian"],
        years: RISING,
    },
    Cluster {
        town: "Luton",
        county: "Luton",
        outwards: &["LU1", "LU2", "LU4"],
        premises: 50,
        reports: 2000,
        venues: &[("car_wash", 4.0), ("nail_bar", 3.0), ("other", 1.0)],
        exploitation: &[
            ("labour", 5.0),
            ("sexual", 3.0),
            ("criminal", 1.0),
            ("unknown", 1.0),
        ],
        nationalities: &["Romanian", "Albanian", "Vietnamese", "British", "Polish"],
        years: RISING,
    },
    Cluster {
        town: "Bedford",
        county: "Bedford",
        outwards: &["MK40", "MK42"],
        premises: 35,
        reports: 1300,
        venues: &[("nail_bar", 4.0), ("car_wash", 4.0), ("other", 0.5)],
        exploitation: &[("labour", 6.0), ("sexual", 2.0), ("unknown", 1.0)],
        nationalities: &["Vietnamese", "Romanian", "Albanian", "Eritrean"],
        years: RISING,
    },
    Cluster {
        town: "Biggleswade",
        county: "Central Bedfordshire",
        outwards: &["SG18"],
        premises: 15,
        reports: 550,
        venues: &[("other", 4.0), ("car_wash", 2.0)],
        exploitation: &[("criminal", 7.0), ("labour", 2.0)],
        nationalities: &["British", "Albanian"],
        years: [0.3, 0.3, 0.6, 1.4, 1.6, 1.5, 1.5],
    },
    Cluster {
        town: "Sandy",
        county: "Central Bedfordshire",
        outwards: &["SG19"],
        premises: 12,
        reports: 400,
        venues: &[("other", 4.0), ("car_wash", 2.0)],
        exploitation: &[("criminal", 7.0), ("labour", 2.0)],
        nationalities: &["British", "Albanian"],
        years: [0.3, 0.3, 0.6, 1.4, 1.6, 1.5, 1.5],
    },
];

const BACKGROUND_AREAS: &[&str] = &[
    "CB", "PE", "SG", "LU", "MK", "NR", "IP", "CO", "CM", "AL", "SS",
];
const STREETS: &[&str] = &[
    "Station Road",
    "High Street",
    "London Road",
    "Church Lane",
    "Mill Road",
    "Industrial Estate",
    "Cromwell Road",
    "Elm Low Road",
    "Trade Park",
    "Market Place",
    "North Street",
    "Bridge Street",
];
const NOTES: &[&str] = &[
    "Workers did not make eye contact; manager answered for them.",
    "Staff appear to live above the unit; mattresses seen through window.",
    "Cash only, no prices displayed, very cheap.",
    "Minibus drops workers at 6am and collects after dark.",
    "Caller concerned a worker looked underage and frightened.",
    "Bank staff noted several wages paid into one account.",
    "Workers wearing no gloves or boots while using chemicals.",
    "Manager holds passports 'for safekeeping' according to a worker.",
];

struct Premise {
    postcode: String,
    easting: f64,
    northing: f64,
    lat: f64,
    lng: f64,
    town: &'static str,
    county: &'static str,
    venue: &'static str,
    name: String,
    street: &'static str,
    number: usize,
}

fn venue_name(rng: &mut Rng, venue: &str, town: &str) -> String {
    let stem = *rng.pick(&[
        "Sparkle", "Diamond", "Star", "Crystal", "Royal", "Fenland", "Supreme", "Eastern", "Golden",
    ]);
    match venue {
        "car_wash" => format!("{stem} Hand Car Wash"),
        "nail_bar" => format!("{stem} Nails"),
        "farm" => format!(
            "{} {}",
            *rng.pick(&["Fen", "Marsh", "Drove", "Grange", "Manor"]),
            *rng.pick(&["Farm", "Produce Packhouse", "Growers"])
        ),
        "service_station" => format!("{town} Services"),
        _ => format!(
            "{town} {}",
            *rng.pick(&[
                "flat",
                "takeaway",
                "house of multiple occupation",
                "warehouse"
            ])
        ),
    }
}

fn premise_at(
    rng: &mut Rng,
    g: &Gazetteer,
    outward: &str,
    town: &'static str,
    county: &'static str,
    venue: &'static str,
) -> Option<Premise> {
    let units = g.units_in_outward(outward);
    if units.is_empty() {
        return None;
    }
    let (postcode, unit) = units[rng.below(units.len())].clone();
    let (easting, northing) = (f64::from(unit.easting), f64::from(unit.northing));
    let (lng, lat) = bng_to_wgs84(easting, northing).ok()?;
    let name = venue_name(rng, venue, town);
    Some(Premise {
        postcode,
        easting,
        northing,
        lat,
        lng,
        town,
        county,
        venue,
        name,
        street: STREETS[rng.below(STREETS.len())],
        number: 1 + rng.below(120),
    })
}

fn indicators(rng: &mut Rng, venue: &str) -> Vec<&'static str> {
    let table: &[(&str, f64)] = match venue {
        "car_wash" => &[
            ("no_ppe", 0.47),
            ("living_on_site", 0.2),
            ("cash_only", 0.74),
            ("no_receipt", 0.85),
            ("very_low_price", 0.5),
            ("fearful_workers", 0.2),
            ("long_hours", 0.3),
        ],
        "nail_bar" => &[
            ("fearful_workers", 0.4),
            ("controlling_manager", 0.4),
            ("long_hours", 0.4),
            ("id_withheld", 0.15),
            ("underage_workers", 0.08),
            ("living_on_site", 0.15),
            ("cash_only", 0.5),
        ],
        "farm" => &[
            ("transported_in_groups", 0.6),
            ("poor_accommodation", 0.4),
            ("debt_bondage", 0.2),
            ("long_hours", 0.5),
            ("no_ppe", 0.3),
            ("id_withheld", 0.15),
        ],
        "service_station" => &[
            ("transported_in_groups", 0.7),
            ("fearful_workers", 0.4),
            ("id_withheld", 0.3),
            ("signs_of_abuse", 0.1),
        ],
        _ => &[
            ("controlling_manager", 0.3),
            ("signs_of_abuse", 0.15),
            ("underage_workers", 0.2),
            ("fearful_workers", 0.3),
            ("debt_bondage", 0.2),
        ],
    };
    table
        .iter()
        .filter(|(_, p)| rng.chance(*p))
        .map(|(n, _)| *n)
        .collect()
}

fn date(rng: &mut Rng, years: &[f64; 7], seasonal: bool) -> chrono::NaiveDate {
    let weights: Vec<(i32, f64)> = (0..7).map(|i| (2019 + i, years[i as usize])).collect();
    let year = *rng.weighted(&weights);
    loop {
        let ordinal = 1 + rng.below(365) as u32;
        let Some(d) = chrono::NaiveDate::from_yo_opt(year, ordinal) else {
            continue;
        };
        // Field work peaks April-October.
        if seasonal && !(4..=10).contains(&d.month()) && rng.chance(0.7) {
            continue;
        }
        return d;
    }
}

struct Report<'p> {
    premise: &'p Premise,
    date: chrono::NaiveDate,
    exploitation: &'static str,
    indicators: Vec<&'static str>,
    persons: usize,
    nationalities: Vec<&'static str>,
    child: bool,
    notes: Option<&'static str>,
}

#[allow(
    clippy::too_many_lines,
    reason = "a generator script: one pass, top to bottom"
)]
fn main() -> anyhow::Result<()> {
    let g = Gazetteer::embedded();
    let mut rng = Rng(20_190_101);
    let mut premises: Vec<(Premise, &Cluster)> = Vec::new();
    for cluster in CLUSTERS {
        for _ in 0..cluster.premises {
            let venue = *rng.weighted(cluster.venues);
            let outward = *rng.pick(cluster.outwards);
            if let Some(p) = premise_at(&mut rng, g, outward, cluster.town, cluster.county, venue) {
                premises.push((p, cluster));
            }
        }
    }
    // Toddington Services on the M1 (lorry checks): one fixed premise.
    let (te, tn) =
        lonlat_bng::convert_osgb36(-0.5046, 51.9424).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let (tlng, tlat) = bng_to_wgs84(te.round(), tn.round())?;
    let toddington = Premise {
        postcode: "LU5 6HR".into(),
        easting: te.round(),
        northing: tn.round(),
        lat: tlat,
        lng: tlng,
        town: "Toddington",
        county: "Central Bedfordshire",
        venue: "service_station",
        name: "Toddington Services (M1)".into(),
        street: "M1",
        number: 0,
    };

    let mut reports: Vec<Report<'_>> = Vec::new();
    for cluster in CLUSTERS {
        let own: Vec<&Premise> = premises
            .iter()
            .filter(|(_, c)| std::ptr::eq(*c, cluster))
            .map(|(p, _)| p)
            .collect();
        // Zipf-like: a few premises are reported again and again.
        let weights: Vec<(usize, f64)> = (0..own.len())
            .map(|i| (i, 1.0 / (1.0 + i as f64).powf(0.8)))
            .collect();
        for _ in 0..cluster.reports {
            let premise = own[*rng.weighted(&weights)];
            reports.push(make_report(
                &mut rng,
                premise,
                cluster.exploitation,
                cluster.nationalities,
                &cluster.years,
            ));
        }
    }
    for _ in 0..700 {
        reports.push(make_report(
            &mut rng,
            &toddington,
            &[("labour", 5.0), ("sexual", 1.0), ("unknown", 2.0)],
            &["Sudanese", "Eritrean", "Afghan", "Albanian", "Vietnamese"],
            &[0.4, 0.3, 0.6, 1.0, 1.5, 1.8, 2.0],
        ));
    }
    // Background across the East of England: many premises, few repeats.
    let mut background = Vec::new();
    let outwards: Vec<&str> = {
        let mut v: Vec<&str> = g
            .outward_codes()
            .map(|(k, _)| k)
            .filter(|k| {
                let area: String = k.chars().take_while(char::is_ascii_alphabetic).collect();
                BACKGROUND_AREAS.contains(&area.as_str())
            })
            .collect();
        v.sort_unstable();
        v
    };
    while background.len() < 2400 {
        let venue = *rng.weighted(&[
            ("car_wash", 4.0),
            ("nail_bar", 3.0),
            ("farm", 2.0),
            ("service_station", 0.5),
            ("other", 2.0),
        ]);
        let outward = *rng.pick(&outwards);
        if let Some(p) = premise_at(&mut rng, g, outward, "", "", venue) {
            background.push(p);
        }
    }
    for _ in 0..3600 {
        let premise = &background[rng.below(background.len())];
        reports.push(make_report(
            &mut rng,
            premise,
            &[
                ("labour", 5.0),
                ("sexual", 2.0),
                ("criminal", 1.0),
                ("domestic_servitude", 0.5),
                ("unknown", 2.0),
            ],
            &[
                "Romanian",
                "Polish",
                "Vietnamese",
                "Albanian",
                "British",
                "Chinese",
                "Nigerian",
            ],
            &RISING,
        ));
    }
    reports.sort_by_key(|r| r.date);
    write_files(&mut rng, g, &reports)?;
    eprintln!("wrote {} demo reports", reports.len());
    // The register and the visits draw from their own generator, so that the
    // reports above stay byte for byte what they were.
    let mut rng = Rng(20_260_301);
    let clustered: Vec<&Premise> = premises.iter().map(|(p, _)| p).collect();
    write_register(&mut rng, g, &clustered, &background, &toddington)?;
    Ok(())
}

/// `premises.csv`: a synthetic licensing/business-rates register of the
/// demo's premises (names as a register spells them, some with a legal form,
/// some in capitals), most background premises, and premises never reported;
/// `outcomes.csv`: days of action, more often positive at clustered premises.
fn write_register(
    rng: &mut Rng,
    g: &Gazetteer,
    clustered: &[&Premise],
    background: &[Premise],
    toddington: &Premise,
) -> anyhow::Result<()> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/geodata/demo");
    let mut register = csv::Writer::from_writer(File::create(format!("{dir}/premises.csv"))?);
    register.write_record([
        "premises_id",
        "name",
        "venue_type",
        "address",
        "postcode",
        "status",
        "opened_on",
    ])?;
    let mut listed: Vec<(String, &Premise, bool)> = Vec::new();
    let mut extra = Vec::new();
    let outwards: Vec<&str> = clustered
        .iter()
        .map(|p| p.postcode.split(' ').next().unwrap_or(""))
        .collect();
    for _ in 0..150 {
        let venue = *rng.pick(&["car_wash", "nail_bar", "farm", "other"]);
        let outward = *rng.pick(&outwards);
        if let Some(p) = premise_at(rng, g, outward, "", "", venue) {
            extra.push(p);
        }
    }
    let mut candidates: Vec<(&Premise, bool)> = clustered.iter().map(|p| (*p, true)).collect();
    candidates.push((toddington, true));
    candidates.extend(
        background
            .iter()
            .filter(|_| rng.chance(0.7))
            .map(|p| (p, false)),
    );
    candidates.extend(extra.iter().map(|p| (p, false)));
    let mut seen = std::collections::HashSet::new();
    for (p, clustered) in candidates {
        // Two demo premises can share a postcode and a name: the register lists them once.
        if !seen.insert((p.postcode.clone(), p.name.clone())) {
            continue;
        }
        let id = format!("PR-{:05}", listed.len() + 1);
        let name = match rng.below(10) {
            0 | 1 => format!("{} Ltd", p.name),
            2 => p.name.to_uppercase(),
            _ => p.name.clone(),
        };
        let status = if rng.chance(0.05) { "closed" } else { "open" };
        let opened = format!("{}-{:02}-01", 2008 + rng.below(14), 1 + rng.below(12));
        let address = if p.number == 0 {
            format!("{}, {}", p.street, p.postcode)
        } else {
            format!("{} {}, {}", p.number, p.street, p.postcode)
        };
        register.write_record([
            id.as_str(),
            name.as_str(),
            p.venue,
            address.as_str(),
            p.postcode.as_str(),
            status,
            opened.as_str(),
        ])?;
        listed.push((id, p, clustered));
    }
    register.flush()?;
    let mut outcomes = csv::Writer::from_writer(File::create(format!("{dir}/outcomes.csv"))?);
    outcomes.write_record([
        "visit_id",
        "visited_on",
        "premises_id",
        "operation",
        "result",
        "potential_victims",
        "nrm_referrals",
        "arrests",
        "safeguarding_referrals",
        "notes",
    ])?;
    let mut visits = Vec::new();
    for _ in 0..240 {
        let (id, _, clustered) = &listed[rng.below(listed.len())];
        let day = chrono::NaiveDate::from_ymd_opt(2022, 1, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(rng.below(1_400) as u64)))
            .ok_or_else(|| anyhow::anyhow!("date"))?;
        let positive = rng.chance(if *clustered { 0.45 } else { 0.1 });
        let result = if positive {
            *rng.pick(&[
                "indicators_confirmed",
                "indicators_confirmed",
                "victims_identified",
            ])
        } else {
            *rng.pick(&["no_concerns", "no_concerns", "concerns_no_action"])
        };
        let victims = if result == "victims_identified" {
            1 + rng.below(6)
        } else {
            0
        };
        visits.push((day, id.clone(), result, victims));
    }
    visits.sort();
    for (i, (day, id, result, victims)) in visits.iter().enumerate() {
        let operation = format!("Op Aidant {}", day.format("%Y-%m"));
        outcomes.write_record([
            format!("V-{:04}", i + 1),
            day.to_string(),
            id.clone(),
            operation,
            (*result).to_owned(),
            victims.to_string(),
            (victims / 2).to_string(),
            usize::from(*victims > 2).to_string(),
            victims.to_string(),
            String::new(),
        ])?;
    }
    outcomes.flush()?;
    eprintln!(
        "wrote {} premises and {} visits",
        listed.len(),
        visits.len()
    );
    Ok(())
}

fn make_report<'p>(
    rng: &mut Rng,
    premise: &'p Premise,
    exploitation: &[(&'static str, f64)],
    nats: &[&'static str],
    years: &[f64; 7],
) -> Report<'p> {
    let date = date(rng, years, premise.venue == "farm");
    let exploitation = *rng.weighted(exploitation);
    let child = if exploitation == "criminal" {
        rng.chance(0.45)
    } else {
        rng.chance(0.03)
    };
    let persons = 1 + rng.below(if premise.venue == "service_station" {
        14
    } else {
        7
    });
    let n_nat = 1 + usize::from(rng.chance(0.25));
    let mut nationalities: Vec<&str> = (0..n_nat).map(|_| *rng.pick(nats)).collect();
    nationalities.dedup();
    let notes = rng.chance(0.6).then(|| *rng.pick(NOTES));
    Report {
        premise,
        date,
        exploitation,
        indicators: indicators(rng, premise.venue),
        persons,
        nationalities,
        child,
        notes,
    }
}

fn town_of<'a>(g: &Gazetteer, p: &'a Premise) -> Option<(String, &'a str)> {
    if !p.town.is_empty() {
        return Some((p.town.to_owned(), p.county));
    }
    g.nearest_place(p.lat, p.lng, 2000)
        .map(|(place, _)| (place.name.clone(), ""))
}

#[allow(
    clippy::too_many_lines,
    reason = "four output formats side by side, one pass"
)]
fn write_files(rng: &mut Rng, g: &Gazetteer, reports: &[Report<'_>]) -> anyhow::Result<()> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/geodata/demo");
    let mut police = csv::Writer::from_writer(File::create(format!("{dir}/police_intel.csv"))?);
    police.write_record([
        "report_id",
        "source",
        "observed_on",
        "venue_type",
        "venue_name",
        "exploitation_type",
        "indicators",
        "persons_count",
        "nationalities",
        "child_involved",
        "grading",
        "easting",
        "northing",
        "notes",
    ])?;
    let mut cards = csv::Writer::from_writer(File::create(format!("{dir}/concern_cards.csv"))?);
    cards.write_record([
        "ID",
        "Source",
        "Date",
        "Venue",
        "Venue Name",
        "Exploitation",
        "Indicators",
        "Persons",
        "Nationality",
        "Child",
        "Address",
        "Notes",
    ])?;
    let mut helpline = BufWriter::new(File::create(format!("{dir}/helpline.jsonl"))?);
    let mut app_features = Vec::new();
    let (mut n_pol, mut n_help, mut n_app, mut n_card) = (0, 0, 0, 0);
    for r in reports {
        let p = r.premise;
        let indicators = r.indicators.join(";");
        let nats = r.nationalities.join(";");
        let which = if p.venue == "service_station" {
            *rng.weighted(&[(0, 6.0), (1, 1.0), (2, 1.0)])
        } else {
            *rng.weighted(&[(0, 3.0), (1, 3.0), (2, 2.0), (3, 2.0)])
        };
        match which {
            0 => {
                n_pol += 1;
                let (e, n) = if rng.chance(0.2) {
                    (
                        (p.easting / 100.0).round() * 100.0,
                        (p.northing / 100.0).round() * 100.0,
                    )
                } else {
                    (
                        p.easting + (rng.below(31) as f64 - 15.0),
                        p.northing + (rng.below(31) as f64 - 15.0),
                    )
                };
                let grading = format!(
                    "{}{}{}",
                    1 + rng.below(3),
                    ["A", "B", "B", "C", "C", "D"][rng.below(6)],
                    if rng.chance(0.8) { "P" } else { "C" }
                );
                let source = *rng.weighted(&[("police_intel", 8.0), ("glaa", 1.5), ("bank", 1.0)]);
                police.write_record([
                    format!("POL-{}-{n_pol:06}", r.date.format("%Y")),
                    source.into(),
                    r.date.to_string(),
                    p.venue.into(),
                    p.name.clone(),
                    r.exploitation.into(),
                    indicators,
                    r.persons.to_string(),
                    nats,
                    r.child.to_string(),
                    grading,
                    format!("{e:.0}"),
                    format!("{n:.0}"),
                    r.notes.unwrap_or("").into(),
                ])?;
            }
            1 => {
                n_help += 1;
                let source = *rng.weighted(&[("helpline", 3.0), ("crimestoppers", 1.5)]);
                let mut obj = serde_json::json!({
                    "report_id": format!("MSH-{n_help:06}"), "source": source,
                    "reported_at": format!("{}T{:02}:{:02}:00Z", r.date, 8 + rng.below(12), rng.below(60)),
                    "venue": p.venue, "exploitation_type": r.exploitation, "indicators": r.indicators,
                    "persons_count": r.persons, "nationalities": r.nationalities, "child_involved": r.child,
                });
                let how = rng.below(100);
                if how < 55 {
                    let pc = if rng.chance(0.3) {
                        p.postcode.to_lowercase().replace(' ', "")
                    } else {
                        p.postcode.clone()
                    };
                    obj["postcode"] = pc.into();
                } else if how < 85 {
                    if let Some((town, county)) = town_of(g, p) {
                        obj["town"] = town.into();
                        if !county.is_empty() && rng.chance(0.5) {
                            obj["county"] = county.into();
                        }
                    } else {
                        obj["postcode"] = p.postcode.clone().into();
                    }
                } else {
                    obj["postcode"] = p.postcode.split(' ').next().unwrap_or_default().into();
                }
                if let Some(notes) = r.notes {
                    obj["notes"] = notes.into();
                }
                serde_json::to_writer(&mut helpline, &obj)?;
                helpline.write_all(b"\n")?;
            }
            2 => {
                n_app += 1;
                let jitter = || 0.00012;
                let lat = p.lat + (rng.unit() - 0.5) * jitter();
                let lng = p.lng + (rng.unit() - 0.5) * jitter() * 1.6;
                app_features.push(serde_json::json!({
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [(lng * 1e6).round() / 1e6, (lat * 1e6).round() / 1e6]},
                    "properties": {"id": format!("APP-{n_app:06}"), "source": "app", "date": r.date.to_string(),
                        "venue_type": p.venue, "indicators": r.indicators, "persons_count": r.persons}
                }));
            }
            _ => {
                n_card += 1;
                let plain = match p.venue {
                    "car_wash" => *rng.pick(&["Hand car wash", "car wash", "Car Wash"]),
                    "nail_bar" => *rng.pick(&["Nail salon", "nail bar", "Nails"]),
                    "farm" => *rng.pick(&["Farm", "packhouse", "Field work"]),
                    "service_station" => *rng.pick(&["Services", "Lorry park"]),
                    _ => "Other",
                };
                let source =
                    *rng.weighted(&[("concern_card", 5.0), ("env_health", 2.0), ("public", 1.0)]);
                let address = match town_of(g, p) {
                    Some((town, _)) if rng.chance(0.3) => {
                        format!("Unit {}, {}, {town}", p.number, p.street)
                    }
                    Some((town, _)) => format!("{} {}, {town}, {}", p.number, p.street, p.postcode),
                    None => format!("{} {}, {}", p.number, p.street, p.postcode),
                };
                cards.write_record([
                    format!("CC-{n_card:06}"),
                    source.into(),
                    r.date.format("%d/%m/%Y").to_string(),
                    plain.into(),
                    p.name.clone(),
                    r.exploitation.into(),
                    indicators,
                    r.persons.to_string(),
                    nats,
                    if r.child { "yes" } else { "no" }.into(),
                    address,
                    r.notes.unwrap_or("").into(),
                ])?;
            }
        }
    }
    police.flush()?;
    cards.flush()?;
    helpline.flush()?;
    let mut app = BufWriter::new(File::create(format!("{dir}/app.geojson"))?);
    app.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    for (i, f) in app_features.iter().enumerate() {
        if i > 0 {
            app.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut app, f)?;
    }
    app.write_all(b"\n]}\n")?;
    app.flush()?;
    eprintln!("police {n_pol}, helpline {n_help}, app {n_app}, cards {n_card}");
    Ok(())
}
