//! Analysis benchmarks (criterion), deterministic synthetic data.
//!
//! - `gi_star_fdr_areas/res8_30k`: Gi* + FDR bins + hotspot areas over ~30k res-8
//!   cells of the East of England with clustered counts;
//! - `emerging/24_monthly_steps`: 24 monthly Gi* runs + Mann-Kendall + categories;
//! - `permutations/999`: 999 conditional permutations on both cores;
//! - `res9/*`: a resolution-9 area of ~600,000 cells (the demo's default study
//!   area is 599,131) at k = 3: its weights built, then one Gi* pass over a
//!   sparse map (~3,000 cells with reports: one visit day's map in the outcome
//!   summary) beside one over a dense map (every cell a value, as rates per
//!   premises make), which takes the sums row by row;
//! - `count_query/res8_1m` (when `target/tmp/ingest-bench/ours.duckdb` holds the
//!   1M-report database made by `cargo bench --bench ingest`): the filtered
//!   `GROUP BY` count query.
//!
//!     cargo bench --bench analysis

use criterion::{criterion_group, criterion_main, Criterion};
use h3o::{LatLng, Resolution};
use hotspots::analysis::{self, CellReports, Kernel, Neighbours, ReportsByCell, StudyArea};

fn study_area() -> StudyArea {
    // ~30k res-8 cells: a disk of radius 100 rings around Cambridge-ish.
    let centre = LatLng::new(52.35, 0.05)
        .expect("ll")
        .to_cell(Resolution::Eight);
    StudyArea::new(centre.grid_disk::<Vec<_>>(100))
}

fn values(area: &StudyArea, seed: u64) -> Vec<f64> {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let hubs: Vec<LatLng> = [(52.666, 0.159), (52.551, 0.088), (52.2, -0.2), (52.4, 0.4)]
        .iter()
        .map(|(a, b)| LatLng::new(*a, *b).expect("ll"))
        .collect();
    area.cells()
        .iter()
        .map(|c| {
            let p = LatLng::from(*c);
            let near = hubs.iter().any(|h| h.distance_m(p) < 3000.0);
            let lambda: f64 = if near { 8.0 } else { 0.3 };
            // Poisson by inversion.
            let (mut k, mut prob, u) = (0.0, (-lambda).exp(), next());
            let mut cdf = prob;
            while u > cdf && k < 100.0 {
                k += 1.0;
                prob *= lambda / k;
                cdf += prob;
            }
            k
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let area = study_area();
    let nb = Neighbours::build(&area, 1, Kernel::Uniform);
    let x = values(&area, 7);
    let details: ReportsByCell = x
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0.0)
        .map(|(i, v)| {
            let reports = CellReports {
                reports: *v as u64,
                ..CellReports::default()
            };
            (i, reports)
        })
        .collect();
    println!("study area: {} cells", area.len());
    c.bench_function("gi_star_fdr_areas/res8_30k", |b| {
        b.iter(|| {
            let gi = analysis::gi_star(&x, &nb);
            let bins = analysis::bins(&gi.z, &gi.p, true);
            analysis::hotspot_areas(&area, &bins, &gi.z, &details, 2)
        });
    });
    let steps: Vec<Vec<f64>> = (0..24).map(|t| values(&area, 100 + t)).collect();
    c.bench_function("emerging/24_monthly_steps", |b| {
        b.iter(|| {
            let mut z = vec![Vec::with_capacity(24); area.len()];
            let mut bins = vec![Vec::with_capacity(24); area.len()];
            for x in &steps {
                let gi = analysis::gi_star(x, &nb);
                let b = analysis::bins(&gi.z, &gi.p, true);
                for i in 0..area.len() {
                    z[i].push(gi.z[i]);
                    bins[i].push(b[i]);
                }
            }
            (0..area.len())
                .map(|i| analysis::classify(&bins[i], &z[i]).0)
                .filter(|e| *e != analysis::Emerging::None)
                .count()
        });
    });
    let mut slow = c.benchmark_group("permutations");
    slow.sample_size(10);
    slow.bench_function("999_two_threads", |b| {
        b.iter(|| analysis::permutation_p(&x, &nb, 999, 1, 2));
    });
    slow.finish();

    res9(c);

    let db = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ingest-bench/ours.duckdb");
    if db.exists() {
        let store = hotspots::Store::open(&db).expect("open bench db");
        let filter = hotspots::store::ReportFilter {
            from: chrono::NaiveDate::from_ymd_opt(2021, 1, 1),
            venues: vec!["car_wash".into(), "nail_bar".into()],
            ..Default::default()
        };
        c.bench_function("count_query/res8_1m_filtered", |b| {
            b.iter(|| store.cell_counts(8, &filter, None, false).expect("counts"));
        });
        c.bench_function("count_query/res8_1m_all", |b| {
            b.iter(|| {
                store
                    .cell_counts(8, &hotspots::store::ReportFilter::default(), None, false)
                    .expect("counts")
            });
        });
    } else {
        println!(
            "count_query skipped: run `cargo bench --bench ingest` first to make {}",
            db.display()
        );
    }
}

fn res9(c: &mut Criterion) {
    let centre = LatLng::new(52.5695, -0.2405)
        .expect("ll")
        .to_cell(Resolution::Nine);
    let cells = || centre.grid_disk::<Vec<_>>(447);
    let area = StudyArea::new(cells());
    let nb = Neighbours::build(&area, 3, Kernel::Uniform);
    let mut state = 11_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let sparse: Vec<f64> = (0..area.len())
        .map(|_| {
            if next() % 200 == 0 {
                (1 + next() % 4) as f64
            } else {
                0.0
            }
        })
        .collect();
    let dense: Vec<f64> = (0..area.len()).map(|_| (next() % 5) as f64).collect();
    println!(
        "res 9: {} cells, {} with a value in the sparse map",
        area.len(),
        sparse.iter().filter(|v| **v != 0.0).count()
    );
    let mut group = c.benchmark_group("res9");
    group.sample_size(10);
    group.bench_function("weights_k3", |b| {
        b.iter(|| Neighbours::build(&StudyArea::new(cells()), 3, Kernel::Uniform));
    });
    group.bench_function("gi_star_fdr_k3_sparse", |b| {
        b.iter(|| {
            let gi = analysis::gi_star(&sparse, &nb);
            analysis::bins(&gi.z, &gi.p, true)
        });
    });
    let sparse_values: Vec<(usize, f64)> = sparse
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(i, v)| (i, *v))
        .collect();
    // The same map through the path the outcome summary and the premises take.
    group.bench_function("gi_star_sparse_fdr_k3_sparse", |b| {
        b.iter(|| {
            analysis::gi_star_sparse(&sparse_values, &nb)
                .expect("symmetric, sparse")
                .nonzero_bins(true)
        });
    });
    group.bench_function("gi_star_fdr_k3_dense", |b| {
        b.iter(|| {
            let gi = analysis::gi_star(&dense, &nb);
            analysis::bins(&gi.z, &gi.p, true)
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
