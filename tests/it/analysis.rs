//! The analysis layers end to end on stored data: the demo's planted hot spots,
//! spatially random reports, GeoJSON shape and provenance, town trends.

use std::io::Cursor;
use std::sync::OnceLock;

use h3o::{CellIndex, LatLng, Resolution};
use hotspots::model::{AreaLevel, Step};
use hotspots::publish::{self, LayerQuery, StudyAreaSpec};
use hotspots::store::ReportFilter;
use hotspots::{load, Input, LoadOptions, Store};

/// The demo database, built once per test binary (loading takes a few seconds).
fn demo() -> &'static std::sync::Mutex<Store> {
    static DEMO: OnceLock<std::sync::Mutex<Store>> = OnceLock::new();
    DEMO.get_or_init(|| {
        let mut store = Store::open_in_memory().expect("open");
        hotspots::demo::load_demo(&mut store).expect("demo loads");
        std::sync::Mutex::new(store)
    })
}

fn cell_at(lat: f64, lng: f64, res: Resolution) -> CellIndex {
    LatLng::new(lat, lng).expect("ll").to_cell(res)
}

#[test]
fn planted_hot_spots_come_out_at_bin_3() {
    let store = demo().lock().expect("lock");
    let run = publish::hot_cells(&store, &LayerQuery::default()).expect("cells");
    assert!(run.area.len() > 10_000, "study area n = {}", run.area.len());
    let bin_of = |cell: CellIndex| run.cells.iter().find(|c| c.cell == cell).map(|c| c.bin);
    // Toddington Services on the M1: lorry checks.
    assert_eq!(
        bin_of(cell_at(51.9424, -0.5046, Resolution::Eight)),
        Some(3),
        "Toddington Services"
    );
    // The busiest cell of each planted town is hot at 99%.
    for (town, lat, lng, km) in [
        ("Wisbech", 52.666, 0.159, 4.0),
        ("Luton", 51.880, -0.417, 5.0),
        ("King's Lynn", 52.752, 0.395, 4.0),
    ] {
        let busiest = run
            .cells
            .iter()
            .filter(|c| {
                let p = LatLng::from(c.cell);
                hotspots::geo::haversine_m(p.lat(), p.lng(), lat, lng) < km * 1000.0
            })
            .max_by_key(|c| c.count)
            .expect("cells near town");
        assert_eq!(busiest.bin, 3, "{town}: {busiest:?}");
    }
    // Few cells are hot overall: hot spots are concentrated, not everywhere.
    let hot = run.cells.iter().filter(|c| c.bin >= 2).count();
    assert!(hot * 20 < run.area.len(), "{hot} hot of {}", run.area.len());
    // Every report either counted or accounted for.
    let counted: u64 = run.cells.iter().map(|c| c.count).sum();
    let total = store
        .data_window(&ReportFilter::default())
        .expect("window")
        .2;
    assert_eq!(
        counted + run.excluded_imprecise + run.outside_study_area,
        total
    );
}

/// A seeded stream of uniform draws in [0, 1) (a 64-bit LCG's top 53 bits).
fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A store in memory holding the reports of a CSV text.
fn store_of(name: &str, csv: String) -> Store {
    let mut store = Store::open_in_memory().expect("open");
    let input = Input::Reader {
        name: name.into(),
        reader: Box::new(Cursor::new(csv.into_bytes())),
    };
    let options = LoadOptions {
        no_rejects_file: true,
        ..LoadOptions::default()
    };
    load(&mut store, input, &options, None).expect("load");
    store
}

/// `n` car-wash reports uniform over [52.0, 52.3] x [-0.3, 0.15] as CSV, each
/// on a day uniform over `days` from `first` (one day: no draw for it).
fn random_reports(seed: u64, n: usize, first: chrono::NaiveDate, days: u64) -> String {
    let mut next = uniform(seed);
    let mut csv = String::from("id,date,venue,lat,lng\n");
    for i in 0..n {
        let day = if days > 1 {
            first + chrono::Days::new((next() * days as f64) as u64)
        } else {
            first
        };
        let _ = std::fmt::Write::write_fmt(
            &mut csv,
            format_args!(
                "R{i},{day},car_wash,{:.6},{:.6}\n",
                52.0 + next() * 0.3,
                -0.3 + next() * 0.45
            ),
        );
    }
    csv
}

/// Spatially random reports: with FDR on, at most a few percent of cells are flagged.
#[test]
fn random_reports_flag_few_cells() {
    let may = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).expect("day");
    for seed in [1u64, 2, 3] {
        let store = store_of("random.csv", random_reports(seed, 4000, may, 1));
        let query = LayerQuery {
            study_area: StudyAreaSpec::BBox([52.0, -0.3, 52.3, 0.15]),
            ..LayerQuery::default()
        };
        let run = publish::hot_cells(&store, &query).expect("cells");
        let flagged = run.cells.iter().filter(|c| c.bin != 0).count();
        let share = flagged as f64 / run.area.len() as f64;
        assert!(
            share <= 0.03,
            "seed {seed}: {flagged} of {} flagged ({share:.3})",
            run.area.len()
        );
    }
}

/// Reports random in space and time (a year of months): the emerging layer
/// finds next to no pattern, whether each step's map is taken alone or with
/// up to three steps before it. A space-time Gi* that mis-scaled its
/// window's bins would call chance clusters hot step after step. (The
/// study area lies inside the reports' box: at its edges a cell half
/// outside the box gets half the reports, a real pattern that the longer
/// windows have the power to find.)
#[test]
fn random_reports_in_space_and_time_make_few_emerging_patterns() {
    let january = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("day");
    for seed in [1u64, 2] {
        let store = store_of("random.csv", random_reports(seed, 12_000, january, 366));
        for lag in 0..=3 {
            let query = LayerQuery {
                study_area: StudyAreaSpec::BBox([52.02, -0.27, 52.28, 0.12]),
                lag,
                ..LayerQuery::default()
            };
            let (area, periods, cells) = publish::emerging(&store, &query).expect("emerging");
            assert_eq!(periods.len(), 12);
            assert!(cells.len() > 500, "{} cells of {}", cells.len(), area.len());
            let patterned: Vec<String> = (cells.iter())
                .filter(|c| c.category.name() != "none")
                .map(|c| c.category.name())
                .collect();
            assert!(
                patterned.len() * 100 <= cells.len(),
                "seed {seed}, lag {lag}: {} of {} cells: {patterned:?}",
                patterned.len(),
                cells.len()
            );
        }
    }
}

#[test]
fn hotspot_areas_are_valid_geojson_polygons() {
    let store = demo().lock().expect("lock");
    let query = LayerQuery::default();
    let (run, areas) = publish::hotspot_areas(&store, &query).expect("areas");
    assert!(!areas.is_empty());
    let provenance = publish::provenance(
        "hotspots",
        &query,
        run.area.len(),
        run.data_window,
        serde_json::json!({}),
    );
    let fc = hotspots::publish::hotspots_geojson(&areas, provenance);
    let text = serde_json::to_string(&fc).expect("json");
    let parsed: geojson::FeatureCollection = text
        .parse::<geojson::GeoJson>()
        .expect("geojson")
        .try_into()
        .expect("fc");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(value["provenance"]["n_cells"], run.area.len());
    assert_eq!(value["provenance"]["query"]["k"], 1);
    for f in &parsed.features {
        let Some(geojson::GeometryValue::MultiPolygon { coordinates }) =
            f.geometry.as_ref().map(|g| &g.value)
        else {
            panic!("multipolygon")
        };
        for polygon in coordinates {
            for (i, ring) in polygon.iter().enumerate() {
                let pts: Vec<&[f64]> = ring.iter().map(geojson::Position::as_slice).collect();
                assert_eq!(pts.first(), pts.last(), "closed ring");
                let area2: f64 = pts
                    .windows(2)
                    .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
                    .sum();
                assert_eq!(
                    area2 > 0.0,
                    i == 0,
                    "exterior counter-clockwise, holes clockwise"
                );
                assert!(
                    pts.iter()
                        .all(|p| (49.0..61.0).contains(&p[1]) && (-9.0..2.0).contains(&p[0])),
                    "lon, lat"
                );
            }
        }
        let props = f.properties.as_ref().expect("properties");
        assert!(props["count"].as_u64().expect("count") > 0);
        assert!(props["bin"].as_i64().expect("bin") >= 2);
        for key in [
            "id",
            "cells",
            "max_gi_z",
            "nearest_town",
            "venues",
            "first_seen",
            "last_seen",
            "robust",
        ] {
            assert!(props.contains_key(key), "{key}");
        }
    }
    let wisbech = areas
        .iter()
        .find(|a| a.nearest_town.as_deref() == Some("Wisbech"))
        .expect("a Wisbech area");
    assert!(wisbech.robust, "Wisbech is hot at res 7, 8 and 9");
}

#[test]
fn emerging_categories_on_demo() {
    let store = demo().lock().expect("lock");
    let query = LayerQuery {
        res: 7,
        step: Step::Quarter,
        ..LayerQuery::default()
    };
    let (_, periods, cells) = publish::emerging(&store, &query).expect("emerging");
    assert_eq!(periods.len(), 28, "2019-Q1 .. 2025-Q4");
    assert!(cells
        .iter()
        .all(|c| c.steps == 28 && (0.0..=1.0).contains(&c.trend_p)));
    // King's Lynn's nail bars surge in 2024-2025: its busiest cell is a recent hot spot.
    let kl = cell_at(52.752, 0.395, Resolution::Seven);
    let near: Vec<_> = cells
        .iter()
        .filter(|c| c.cell.grid_distance(kl).is_ok_and(|d| d <= 2))
        .collect();
    let busiest = near
        .iter()
        .max_by_key(|c| c.count)
        .expect("King's Lynn cells");
    let name = busiest.category.name();
    assert!(
        [
            "new_hot",
            "consecutive_hot",
            "intensifying_hot",
            "sporadic_hot"
        ]
        .contains(&name.as_str()),
        "King's Lynn: {name} (trend z {})",
        busiest.trend_z
    );
    assert!(busiest.trend_z > 0.0);
}

/// Each cell's category and trend come from its own map at every step: the
/// layer's, against Gi* written out over each step's space-time
/// neighbourhood (the cell's ring at that step and at `lag` steps before,
/// standardised over every bin of those steps) on a map of the area built
/// whole from the stored counts, classed as the layer does; a cell whose
/// ring (H3's own disk) holds fewer than two reports over the whole period
/// is hot at no step. With `lag=0`, Gi* of each step's map alone, to the bit.
#[test]
fn emerging_classes_each_cell_by_the_maps_of_its_steps() {
    use hotspots::analysis::{self, Neighbours};
    let store = demo().lock().expect("lock");
    assert_eq!(LayerQuery::default().lag, 1, "ArcGIS's and sfdep's default");
    let series = store
        .cell_series(8, &ReportFilter::default(), Step::Month, None)
        .expect("series");
    let mut reports = std::collections::HashMap::new();
    for row in &series {
        *reports.entry(row.cell).or_insert(0) += row.units;
    }
    for lag in [1usize, 0] {
        let query = LayerQuery {
            res: 8,
            step: Step::Month,
            lag: lag as u32,
            ..LayerQuery::default()
        };
        let (area, periods, cells) = publish::emerging(&store, &query).expect("emerging");
        let nb = Neighbours::build(&area, query.k, query.kernel);
        let n = area.len();
        let ring = |cell: CellIndex| -> u64 {
            (cell.grid_disk::<Vec<_>>(query.k).iter())
                .filter_map(|c| reports.get(&u64::from(*c)))
                .sum()
        };
        let maps: Vec<Vec<f64>> = periods
            .iter()
            .map(|period| {
                let mut x = vec![0.0; n];
                for row in series.iter().filter(|row| row.period == *period) {
                    let cell = CellIndex::try_from(row.cell).expect("a cell");
                    if let Some(i) = area.position(cell) {
                        x[i] = row.value;
                    }
                }
                x
            })
            .collect();
        let (mut z_of, mut bins_of) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        for t in 0..periods.len() {
            let window = &maps[t.saturating_sub(lag)..=t];
            let (z, p) = if lag == 0 {
                let gi = analysis::gi_star(&maps[t], &nb);
                (gi.z, gi.p)
            } else {
                let big_n = (n * window.len()) as f64;
                let sum: f64 = window.iter().flatten().sum();
                let squares: f64 = window.iter().flatten().map(|v| v * v).sum();
                let mean = sum / big_n;
                let s = (squares / big_n - mean * mean).sqrt();
                let z: Vec<f64> = (0..n)
                    .map(|i| {
                        let (mut wx, mut w, mut s1) = (0.0, 0.0, 0.0);
                        for x in window {
                            for (j, wij) in nb.of(i) {
                                wx += wij * x[j];
                                w += wij;
                                s1 += wij * wij;
                            }
                        }
                        (wx - mean * w) / (s * ((big_n * s1 - w * w) / (big_n - 1.0)).sqrt())
                    })
                    .collect();
                let p = z.iter().map(|z| analysis::two_sided_p(*z)).collect();
                (z, p)
            };
            let bins = analysis::bins(&z, &p, query.fdr);
            for i in 0..n {
                z_of[i].push(z[i]);
                bins_of[i].push(bins[i]);
            }
        }
        assert!(cells.len() > 100, "{} cells classed", cells.len());
        let (mut hot, mut thin) = (0, 0);
        for c in &cells {
            let i = area.position(c.cell).expect("in the area");
            if ring(c.cell) < 2 && bins_of[i].iter().any(|b| *b > 0) {
                let pure = analysis::classify(&bins_of[i], &z_of[i]).0;
                bins_of[i]
                    .iter_mut()
                    .filter(|b| **b > 0)
                    .for_each(|b| *b = 0);
                thin += usize::from(analysis::classify(&bins_of[i], &z_of[i]).0 != pure);
            }
            assert_eq!(c.ring_count, ring(c.cell), "{}", c.cell);
            let (category, trend) = analysis::classify(&bins_of[i], &z_of[i]);
            assert_eq!(c.category, category, "lag {lag}: {}", c.cell);
            if lag == 0 {
                assert_eq!(c.trend_z.to_bits(), trend.z.to_bits(), "{}", c.cell);
            } else {
                assert!((c.trend_z - trend.z).abs() < 1e-9, "lag {lag}: {}", c.cell);
            }
            hot += usize::from(bins_of[i].iter().any(|b| *b > 0));
        }
        assert!(hot > 10, "lag {lag}: {hot} cells hot at some step");
        // Over two steps' bins one report's ring is seldom hot: the rule is
        // seen at work on each step's map alone.
        if lag == 0 {
            assert!(thin > 0, "no cell's category came of a ring of one report");
        }
    }
}

/// Each cell's `ring_count` is the reports of its k-ring (h3o's grid disk
/// over the store's monthly series), zeros and the area's edge included;
/// and a hot cell of one report is hot for what its ring holds.
#[test]
fn a_cells_ring_count_is_its_neighbourhoods_reports() {
    let store = demo().lock().expect("lock");
    let mut reports = std::collections::HashMap::new();
    for row in store
        .cell_series(8, &ReportFilter::default(), Step::Month, None)
        .expect("series")
    {
        *reports.entry(row.cell).or_insert(0u64) += row.units;
    }
    for k in [1, 2] {
        let query = LayerQuery {
            res: 8,
            k,
            ..LayerQuery::default()
        };
        let run = publish::hot_cells(&store, &query).expect("cells");
        assert_eq!(run.cells.len(), run.area.len(), "every cell of the area");
        let mut lonely_hot = 0;
        for c in &run.cells {
            let ring: u64 = (c.cell.grid_disk::<Vec<_>>(k).iter())
                .filter_map(|d| reports.get(&u64::from(*d)))
                .sum();
            assert_eq!(c.ring_count, ring, "k {k}: {}", c.cell);
            if c.bin > 0 {
                assert!(c.ring_count >= u64::from(query.min_reports), "{c:?}");
                lonely_hot += usize::from(c.count <= 1);
            }
        }
        assert!(lonely_hot > 0, "k {k}: no hot cell of one report or none");
    }
}

/// The bins-only map (taken near the reports when they are few) marks the
/// cells the full hot-spot layer does, with the same bins: each kernel,
/// with and without FDR, counts and risk weights, a whole period and a quarter.
#[test]
fn hot_bins_are_the_hot_spot_layers_bins() {
    use chrono::NaiveDate;
    use hotspots::analysis::Kernel;
    use hotspots::publish::Weight;
    let store = demo().lock().expect("lock");
    let quarter = hotspots::store::ReportFilter {
        from: NaiveDate::from_ymd_opt(2024, 4, 1),
        to: NaiveDate::from_ymd_opt(2024, 6, 30),
        ..Default::default()
    };
    let queries = [
        LayerQuery::default(),
        LayerQuery {
            res: 7,
            fdr: false,
            ..LayerQuery::default()
        },
        LayerQuery {
            res: 9,
            k: 3,
            kernel: Kernel::Gaussian,
            filter: quarter.clone(),
            ..LayerQuery::default()
        },
        LayerQuery {
            res: 8,
            k: 2,
            kernel: Kernel::Triangular,
            weight: Weight::Risk,
            filter: quarter,
            ..LayerQuery::default()
        },
        LayerQuery {
            res: 6,
            k: 3,
            ..LayerQuery::default()
        },
    ];
    for query in queries {
        let run = publish::hot_cells(&store, &query).expect("cells");
        let expected: Vec<(usize, i8)> = (run.cells.iter().enumerate())
            .filter(|(_, c)| c.bin != 0)
            .map(|(i, c)| (i, c.bin))
            .collect();
        let (area, bins) = publish::hot_bins(&store, &query).expect("bins");
        assert_eq!(area.len(), run.area.len());
        assert_eq!(bins, expected, "res {} k {}", query.res, query.k);
        assert!(bins.iter().any(|(_, bin)| *bin == 3), "res {}", query.res);
    }
}

/// Conditional permutations on the demo's sparse map (nearly every cell
/// empty). Without the false discovery rate: no cell whose neighbourhood holds
/// no report is flagged (with ties counted only as "larger", every one of
/// them was a 99% cold spot), and Toddington Services stays hot. With it, 999
/// permutations cannot pass Benjamini-Hochberg over ~86,000 cells: the map
/// is empty and its provenance says why, rather than "no hot spots".
#[test]
fn permutation_inference_on_a_sparse_map() {
    let store = demo().lock().expect("lock");
    let query = LayerQuery {
        permutations: 999,
        seed: 7,
        fdr: false,
        ..LayerQuery::default()
    };
    let run = publish::hot_cells(&store, &query).expect("cells");
    let count: std::collections::HashMap<CellIndex, u64> =
        run.cells.iter().map(|c| (c.cell, c.count)).collect();
    let mut empty = 0;
    for c in &run.cells {
        let ring = c.cell.grid_disk::<Vec<_>>(1);
        if ring.iter().all(|n| count.get(n).copied().unwrap_or(0) == 0) {
            empty += 1;
            assert_eq!(c.bin, 0, "{}: no report within a ring, p {}", c.cell, c.p);
        }
    }
    assert!(
        empty * 2 > run.cells.len(),
        "{empty} of {}",
        run.cells.len()
    );
    let toddington = cell_at(51.9424, -0.5046, Resolution::Eight);
    let bin = run
        .cells
        .iter()
        .find(|c| c.cell == toddington)
        .map(|c| c.bin);
    assert_eq!(bin, Some(3), "Toddington Services");
    assert!(run.fdr_note(&query).is_none(), "no FDR, no note");

    let pairs = [("permutations", "999"), ("seed", "7")].map(|(k, v)| (k.into(), v.into()));
    let request = publish::parse(publish::Layer::Cells, &pairs).expect("request");
    assert!(request.query.fdr, "the default");
    let detail = publish::ReportDetail { notes: false };
    let rendered = publish::render(&store, &request, detail).expect("render");
    let body: serde_json::Value = serde_json::from_slice(&rendered.body).expect("json");
    let features = body["features"].as_array().expect("features");
    assert!(features.iter().all(|f| f["properties"]["bin"] == 0));
    let note = rendered.provenance.expect("provenance")["fdr_note"]
        .as_str()
        .expect("a note on why nothing passed")
        .to_owned();
    assert!(
        note.contains("1/1000") && note.contains("999 permutations"),
        "{note}"
    );
}

/// A sparse map (the demo's farm reports of one quarter): under Gi*'s normal
/// p-value a single report's cell and its ring are hot at 99%, so each lone
/// report was a hotspot area. With `min_reports=n` a hot cell whose ring
/// (H3's own disk) holds fewer than `n` reports is binned 0, and an area (the
/// remaining cells of bin 2 or more, grouped here by shared edges) holds at
/// least `n`; `min_reports=1` is Gi*'s bins as they are. The provenance
/// states both rules.
#[test]
fn a_hotspot_area_holds_more_than_one_report() {
    use std::collections::{BTreeMap, BTreeSet, HashMap};
    let store = demo().lock().expect("lock");
    let request = |layer, extra: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = [
            ("venue", "farm"),
            ("from", "2025-10-01"),
            ("to", "2025-12-31"),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
        publish::parse(layer, &pairs).expect("request")
    };
    let n = |n: &'static str| [("min_reports", n)];
    let cells = |extra: &[(&str, &str)]| {
        let query = request(publish::Layer::Cells, extra).query;
        publish::hot_cells(&store, &query).expect("cells").cells
    };
    let pure = cells(&n("1"));
    let count: HashMap<CellIndex, u64> = pure.iter().map(|c| (c.cell, c.count)).collect();
    let ring = |cell: CellIndex| -> u64 {
        (cell.grid_disk::<Vec<_>>(1).iter())
            .filter_map(|c| count.get(c))
            .sum()
    };
    // Areas as sets of cells with their reports, from the bins given.
    let grouped = |bins: &BTreeMap<CellIndex, i8>, least: u64| -> BTreeSet<(Vec<CellIndex>, u64)> {
        let hot: BTreeSet<CellIndex> = (bins.iter().filter(|(_, b)| **b >= 2))
            .map(|(c, _)| *c)
            .collect();
        let mut seen = BTreeSet::new();
        let mut out = BTreeSet::new();
        for start in &hot {
            if !seen.insert(*start) {
                continue;
            }
            let (mut group, mut todo) = (vec![*start], vec![*start]);
            while let Some(c) = todo.pop() {
                for next in c.grid_disk::<Vec<_>>(1) {
                    if hot.contains(&next) && seen.insert(next) {
                        group.push(next);
                        todo.push(next);
                    }
                }
            }
            group.sort_unstable();
            let reports = group.iter().filter_map(|c| count.get(c)).sum();
            if reports >= least {
                out.insert((group, reports));
            }
        }
        out
    };
    let areas = |extra: &[(&str, &str)]| -> BTreeSet<(Vec<CellIndex>, u64)> {
        let query = request(publish::Layer::Hotspots, extra).query;
        let (_, areas) = publish::hotspot_areas(&store, &query).expect("areas");
        areas
            .into_iter()
            .map(|a| {
                let mut cells = a.area.cells.clone();
                cells.sort_unstable();
                (cells, a.area.reports.reports)
            })
            .collect()
    };
    let pure_bins: BTreeMap<CellIndex, i8> = pure.iter().map(|c| (c.cell, c.bin)).collect();
    let every = areas(&n("1"));
    assert_eq!(every, grouped(&pure_bins, 1), "min_reports=1: Gi*'s own");
    assert!(
        every.iter().any(|(_, reports)| *reports == 1),
        "the quarter's farm map has single-report groups"
    );
    for (least, extra) in [(2, &[][..]), (2, &n("2")[..]), (3, &n("3")[..])] {
        let gated: BTreeMap<CellIndex, i8> = (pure_bins.iter())
            .map(|(c, b)| (*c, if *b > 0 && ring(*c) < least { 0 } else { *b }))
            .collect();
        let got: BTreeMap<CellIndex, i8> = cells(extra).iter().map(|c| (c.cell, c.bin)).collect();
        assert_eq!(got, gated, "min_reports={least}: the cells' bins");
        let want = grouped(&gated, least);
        assert!(!want.is_empty() && want.len() < every.len());
        assert_eq!(areas(extra), want, "min_reports={least}: the areas");
    }
    let thinned = (pure_bins.iter())
        .filter(|(c, b)| **b > 0 && ring(**c) < 2)
        .count();
    assert!(thinned > 20, "lone reports' rings were hot: {thinned}");

    let detail = publish::ReportDetail { notes: false };
    for layer in [publish::Layer::Hotspots, publish::Layer::Cells] {
        let rendered = publish::render(&store, &request(layer, &[]), detail).expect("render");
        let provenance = rendered.provenance.expect("provenance");
        assert_eq!(provenance["query"]["min_reports"], 2);
        assert_eq!(provenance["thin_hot_cells"], thinned, "{layer:?}");
        let rule = provenance["hot_cell_rule"].as_str().unwrap_or_default();
        assert!(rule.contains("fewer than 2 reports"), "{rule}");
    }
    let emerging = publish::render(&store, &request(publish::Layer::Emerging, &[]), detail);
    let provenance = emerging.expect("render").provenance.expect("provenance");
    let rule = provenance["hot_cell_rule"].as_str().unwrap_or_default();
    assert!(rule.contains("over the whole period"), "{rule}");
    // It names no count it does not give.
    assert!(provenance.get("thin_hot_cells").is_none() && !rule.contains("thin_hot_cells"));
    let rendered = publish::render(&store, &request(publish::Layer::Hotspots, &[]), detail);
    let provenance = rendered.expect("render").provenance.expect("provenance");
    assert_eq!(provenance["min_reports"], 2);
    let rule = provenance["hot_rule"].as_str().unwrap_or_default();
    assert!(rule.contains("at least 2 reports"), "{rule}");
}

/// Each hotspot area's monthly count is recounted from the stored reports
/// (their res-8 cell among the area's cells, their date's calendar month,
/// zeros included), and its trend from a Mann-Kendall written here: S over
/// every pair of months, its variance with the tie correction, the
/// continuity-corrected z; `rising` or `falling` only at p < 0.10.
#[test]
fn a_hotspot_areas_trend_is_its_monthly_count_recounted() {
    use chrono::{Datelike, NaiveDate};
    use std::collections::{HashMap, HashSet};
    let store = demo().lock().expect("lock");
    let query = LayerQuery {
        filter: ReportFilter {
            from: NaiveDate::from_ymd_opt(2024, 1, 1),
            ..ReportFilter::default()
        },
        ..LayerQuery::default()
    };
    let (_, areas) = publish::hotspot_areas(&store, &query).expect("areas");
    let mut reports: Vec<(NaiveDate, Option<u64>)> = Vec::new();
    store
        .for_each_report(&query.filter, |r| reports.push((r.observed_on, r.cells[2])))
        .expect("reports");
    let month = |d: NaiveDate| ((d.year() - 2024) * 12) as usize + d.month0() as usize;
    let months = reports
        .iter()
        .map(|(d, _)| month(*d))
        .max()
        .expect("reports")
        + 1;
    let mut directions: HashMap<&str, usize> = HashMap::new();
    for area in &areas {
        let cells: HashSet<u64> = area.area.cells.iter().map(|c| u64::from(*c)).collect();
        let mut monthly = vec![0u64; months];
        for (day, cell) in &reports {
            if cell.is_some_and(|c| cells.contains(&c)) {
                monthly[month(*day)] += 1;
            }
        }
        let trend = area.trend.as_ref().expect("24 months: a trend");
        assert_eq!(trend.monthly, monthly, "{}", area.area.id);
        let n = monthly.len() as f64;
        let mut s = 0i64;
        for i in 0..monthly.len() {
            for j in i + 1..monthly.len() {
                s += (monthly[j] as i64 - monthly[i] as i64).signum();
            }
        }
        let mut tied: HashMap<u64, f64> = HashMap::new();
        for m in &monthly {
            *tied.entry(*m).or_default() += 1.0;
        }
        let ties: f64 = tied.values().map(|t| t * (t - 1.0) * (2.0 * t + 5.0)).sum();
        let var = (n * (n - 1.0) * (2.0 * n + 5.0) - ties) / 18.0;
        let z = if s == 0 {
            0.0
        } else {
            (s - s.signum()) as f64 / var.sqrt()
        };
        assert_eq!(trend.test.s, s, "{}", area.area.id);
        assert!((trend.test.var_s - var).abs() < 1e-9, "{}", area.area.id);
        assert!((trend.test.z - z).abs() < 1e-12, "{}", area.area.id);
        let expected = match (trend.test.p < 0.10, z > 0.0) {
            (false, _) => "none",
            (true, true) => "rising",
            (true, false) => "falling",
        };
        assert_eq!(trend.direction(), expected, "{}", area.area.id);
        *directions.entry(expected).or_default() += 1;
    }
    assert!(areas.len() > 5, "{} areas", areas.len());
    assert!(directions.len() >= 2, "{directions:?}");
}

#[test]
fn town_trends_add_up_and_test_changes() {
    let store = demo().lock().expect("lock");
    let filter = ReportFilter::default();
    let rows = publish::area_trends(&store, AreaLevel::Town, &filter, Step::Year).expect("towns");
    let total: u64 = rows.iter().map(|r| r.count).sum();
    assert_eq!(
        total,
        store.data_window(&filter).expect("window").2,
        "every report in exactly one town-year"
    );
    let wisbech: Vec<_> = rows.iter().filter(|r| r.town == "Wisbech").collect();
    assert_eq!(wisbech.len(), 7, "2019..2025");
    assert!(wisbech.iter().all(|r| r.district == "E07000010"));
    // The first year has nothing before it; each later one its predecessor.
    assert_eq!(wisbech[0].previous, None);
    assert_eq!(wisbech[0].p_change, None);
    for pair in wisbech.windows(2) {
        assert_eq!(pair[1].previous, Some(pair[0].count));
        assert_eq!(
            pair[1].year_before,
            Some(pair[0].count),
            "yearly: a year before = previous"
        );
        let p = pair[1].p_change.expect("a test");
        assert!(
            (p - hotspots::analysis::poisson_change_p(pair[1].count, pair[0].count)).abs() < 1e-15
        );
    }
    let w2025 = wisbech.last().expect("2025");
    let venues: u64 = w2025
        .breakdown
        .iter()
        .filter(|(k, _)| k.starts_with("venue:"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(venues, w2025.count);
}

/// A `from` inside a quarter counts that quarter from `from` only (the
/// reports asked for, as the store counts them), as a part: untested. The
/// quarter after it is still compared with the whole quarter before.
#[test]
fn town_trends_count_a_quarter_cut_by_from_as_a_part() {
    use chrono::NaiveDate;
    let store = demo().lock().expect("lock");
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let cut = ReportFilter {
        from: day("2024-02-15"),
        to: day("2024-09-30"),
        ..Default::default()
    };
    let whole = ReportFilter {
        from: day("2024-01-01"),
        ..cut.clone()
    };
    let rows = publish::area_trends(&store, AreaLevel::Town, &cut, Step::Quarter).expect("cut");
    let total: u64 = rows.iter().map(|r| r.count).sum();
    let asked = store.data_window(&cut).expect("window").2;
    assert_eq!(
        total, asked,
        "every report asked for in exactly one town-quarter"
    );
    let first_part = ReportFilter {
        to: day("2024-03-31"),
        ..cut.clone()
    };
    let in_part = store.data_window(&first_part).expect("part").2;
    let q1: Vec<_> = rows.iter().filter(|r| r.label == "2024-Q1").collect();
    assert_eq!(q1.iter().map(|r| r.count).sum::<u64>(), in_part);
    assert!(q1
        .iter()
        .all(|r| !r.complete && r.change.is_none() && r.p_change.is_none() && r.p_year.is_none()));
    for r in q1.iter().filter(|r| r.count > 0) {
        let venues: u64 = (r.breakdown.iter())
            .filter(|(k, _)| k.starts_with("venue:"))
            .map(|(_, v)| v)
            .sum();
        assert_eq!(venues, r.count, "{}: the breakdown is of the part", r.town);
    }
    let full = publish::area_trends(&store, AreaLevel::Town, &whole, Step::Quarter).expect("whole");
    let q1_whole: u64 = (full.iter().filter(|r| r.label == "2024-Q1"))
        .map(|r| r.count)
        .sum();
    assert!(q1_whole > in_part, "the cut leaves reports out");
    let q2 = |rows: &[publish::TownRow]| -> Vec<(String, u64, Option<u64>, Option<f64>)> {
        (rows.iter().filter(|r| r.label == "2024-Q2"))
            .map(|r| (r.town.clone(), r.count, r.previous, r.p_change))
            .collect()
    };
    assert_eq!(q2(&rows), q2(&full), "Q2 is compared with the whole of Q1");
}

#[test]
fn study_areas_from_districts_bbox_and_polygons() {
    let store = demo().lock().expect("lock");
    let fenland = publish::study_area(&store, &StudyAreaSpec::Districts(vec!["Fenland".into()]), 7)
        .expect("fenland");
    // Fenland is ~546 km²; res-7 cells are ~5.2 km² (so ~105 cells, edges and gap-filling aside).
    assert!((80..160).contains(&fenland.len()), "{}", fenland.len());
    let wisbech = cell_at(52.666, 0.159, Resolution::Seven);
    assert!(fenland.position(wisbech).is_some());
    assert!(
        fenland
            .position(cell_at(51.880, -0.417, Resolution::Seven))
            .is_none(),
        "Luton is not in Fenland"
    );
    let unknown = publish::study_area(
        &store,
        &StudyAreaSpec::Districts(vec!["Atlantis".into()]),
        7,
    );
    assert!(unknown.is_err());
    // A police force area is its districts (Bedfordshire: Bedford, Central
    // Bedfordshire and Luton), by id or by name.
    let three = publish::study_area(
        &store,
        &StudyAreaSpec::Districts(vec![
            "Bedford".into(),
            "Central Bedfordshire".into(),
            "Luton".into(),
        ]),
        7,
    )
    .expect("three districts");
    for force in ["bedfordshire", "Bedfordshire Police"] {
        let area = publish::study_area(&store, &StudyAreaSpec::Forces(vec![force.into()]), 7)
            .expect(force);
        assert_eq!(area.cells(), three.cells(), "{force}");
    }
    assert!(three
        .position(cell_at(51.880, -0.417, Resolution::Seven))
        .is_some());
    let unknown = publish::study_area(&store, &StudyAreaSpec::Forces(vec!["Atlantis".into()]), 7);
    assert!(
        matches!(
            unknown,
            Err(publish::LayerError::Invalid { field: "force", .. })
        ),
        "{unknown:?}"
    );

    // A GeoJSON square around Wisbech, as a file would give it.
    let square = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
        "geometry":{"type":"Polygon","coordinates":[[[0.10,52.63],[0.22,52.63],[0.22,52.70],[0.10,52.70],[0.10,52.63]]]}}]}"#;
    let polygons = publish::polygons_from_geojson(square).expect("polygons");
    let area = publish::study_area(&store, &StudyAreaSpec::Polygons(polygons), 8).expect("area");
    // ~8.1 km x 7.8 km = ~63 km² / 0.74 km² per res-8 cell ≈ 86 cells.
    assert!((70..105).contains(&area.len()), "{}", area.len());
    assert!(area.cells().iter().all(|c| {
        let p = LatLng::from(*c);
        (52.63..52.70).contains(&p.lat()) && (0.10..0.22).contains(&p.lng())
    }));
    let bbox = publish::study_area(&store, &StudyAreaSpec::BBox([52.63, 0.10, 52.70, 0.22]), 8)
        .expect("bbox");
    assert!(
        bbox.len() >= area.len(),
        "bbox covers, polygon keeps centres inside"
    );
    assert!(publish::polygons_from_geojson("{\"type\":\"Point\",\"coordinates\":[0,52]}").is_err());
}

/// One H3 cell per report with its parents derived makes counts additive: at
/// every pair of resolutions r < s, a cell's count at r is the sum of its
/// children's at s plus the reports counted at r but too coarse for s (on the
/// demo data, through the store's own counting).
#[test]
fn a_cells_count_is_the_sum_of_its_childrens_at_every_resolution_pair() {
    use std::collections::HashMap;
    let store = demo().lock().expect("lock");
    let filter = ReportFilter::default();
    let counts = |res: u8| -> HashMap<u64, u64> {
        store
            .cell_counts(res, &filter, None, false)
            .expect("counts")
            .rows
            .into_iter()
            .map(|row| (row.cell, row.reports))
            .collect()
    };
    let mut stored: Vec<[Option<u64>; 4]> = Vec::new();
    store
        .for_each_report(&filter, |r| stored.push(r.cells))
        .expect("reports");
    let mut pairs = 0;
    for r in 6..9u8 {
        let coarse = counts(r);
        for s in r + 1..=9u8 {
            let mut expected: HashMap<u64, u64> = HashMap::new();
            for (child, n) in counts(s) {
                let parent = CellIndex::try_from(child)
                    .expect("cell")
                    .parent(Resolution::try_from(r).expect("res"))
                    .expect("parent");
                *expected.entry(u64::from(parent)).or_default() += n;
            }
            for cells in &stored {
                if let (Some(cell), None) = (cells[usize::from(r - 6)], cells[usize::from(s - 6)]) {
                    *expected.entry(cell).or_default() += 1;
                }
            }
            assert_eq!(coarse, expected, "res {r} against res {s}");
            pairs += 1;
        }
    }
    assert_eq!(pairs, 6);
}
