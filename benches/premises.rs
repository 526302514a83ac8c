//! Premises benchmark: linking 1M reports against a register of 50k premises
//! as part of `hotspots ingest`, against the plain ingest of the same file in
//! the same run (rounds interleaved), then the premises list warm in process.
//!
//!     cargo bench --bench premises
//!     HOTSPOTS_BENCH_ROWS=100000 HOTSPOTS_BENCH_PREMISES=5000 cargo bench --bench premises
//!
//! The inputs are deterministic (fixed seed).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const VENUES: [(&str, &str); 4] = [
    ("car_wash", "Hand Car Wash"),
    ("nail_bar", "Nails"),
    ("farm", "Farm"),
    ("other", "Takeaway"),
];
const STEMS: [&str; 12] = [
    "Sparkle", "Diamond", "Star", "Crystal", "Royal", "Fenland", "Supreme", "Eastern", "Golden",
    "Premier", "Kleen", "Ace",
];

struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n
    }
}

/// `(register CSV, reports CSV)`: premises spread over the East of England;
/// 60% of reports at a premises (named as registered, as a variant, or
/// unnamed, within ~20 m), the rest anywhere, unnamed.
fn generate(dir: &Path, premises: usize, rows: usize) -> (PathBuf, PathBuf) {
    let register = dir.join(format!("register_{premises}.csv"));
    let reports = dir.join(format!("reports_{rows}_{premises}.csv"));
    if register.exists() && reports.exists() {
        return (register, reports);
    }
    let mut rng = Rng(20_260_301);
    let mut sites = Vec::with_capacity(premises);
    let mut out = String::from("premises_id,name,venue_type,lat,lng\n");
    for i in 0..premises {
        let (venue, trade) = VENUES[rng.below(VENUES.len())];
        let name = format!("{} {trade} {}", STEMS[rng.below(STEMS.len())], i % 977);
        let (lat, lng) = (51.8 + rng.unit() * 1.2, -0.6 + rng.unit() * 1.4);
        let _ = writeln!(out, "P{i:06},{name},{venue},{lat:.6},{lng:.6}");
        sites.push((venue, name, lat, lng));
    }
    std::fs::write(&register, out).expect("write register");
    let mut out = String::with_capacity(rows * 90);
    out.push_str("report_id,source,observed_on,venue_type,venue_name,lat,lng\n");
    for i in 0..rows {
        let day = 1 + rng.below(28);
        let month = 1 + rng.below(12);
        let year = 2019 + rng.below(6);
        let (venue, name, lat, lng) = if rng.unit() < 0.6 {
            let (venue, name, lat, lng) = &sites[rng.below(sites.len())];
            let name = match rng.below(3) {
                0 => name.clone(),
                1 => name.to_uppercase(),
                _ => String::new(),
            };
            (
                *venue,
                name,
                lat + (rng.unit() - 0.5) * 0.0003,
                lng + (rng.unit() - 0.5) * 0.0004,
            )
        } else {
            (
                VENUES[rng.below(VENUES.len())].0,
                String::new(),
                51.8 + rng.unit() * 1.2,
                -0.6 + rng.unit() * 1.4,
            )
        };
        let _ = writeln!(
            out,
            "R{i:07},app,{year}-{month:02}-{day:02},{venue},{name},{lat:.6},{lng:.6}"
        );
    }
    std::fs::write(&reports, out).expect("write reports");
    (register, reports)
}

/// A database path with no file or write-ahead log left by an earlier run
/// (an interrupted run's log does not match a new file).
fn fresh(dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(name);
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(dir.join(format!("{name}.wal")));
    db
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn hotspots(args: &[&str]) -> Duration {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_hotspots"))
        .args(args)
        .output()
        .expect("run hotspots");
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("premises_link_1m: bench");
        return;
    }
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let rows = env("HOTSPOTS_BENCH_ROWS", 1_000_000);
    let premises = env("HOTSPOTS_BENCH_PREMISES", 50_000);
    let rounds = env("HOTSPOTS_BENCH_ROUNDS", 3);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("premises-bench");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let (register, reports) = generate(&dir, premises, rows);
    println!("input: {rows} reports, {premises} premises");
    let (register, reports) = (
        register.to_string_lossy().into_owned(),
        reports.to_string_lossy().into_owned(),
    );
    let rejects = dir.join("rejects.csv").to_string_lossy().into_owned();
    let (mut plain, mut linked, mut relinks) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let db = fresh(&dir, "plain.duckdb");
        let db = db.to_string_lossy().into_owned();
        plain.push(hotspots(&[
            "ingest",
            "--db",
            &db,
            "--rejects",
            &rejects,
            &reports,
        ]));

        let db = fresh(&dir, "linked.duckdb");
        let db = db.to_string_lossy().into_owned();
        hotspots(&[
            "premises",
            "import",
            "--db",
            &db,
            "--rejects",
            &rejects,
            &register,
        ]);
        // With a register present, the ingest links every report.
        linked.push(hotspots(&[
            "ingest",
            "--db",
            &db,
            "--rejects",
            &rejects,
            &reports,
        ]));
        relinks.push(hotspots(&["premises", "relink", "--db", &db]));
        println!(
            "round {}: plain ingest {:.3} s, ingest with linking {:.3} s, relink alone {:.3} s",
            round + 1,
            plain[round].as_secs_f64(),
            linked[round].as_secs_f64(),
            relinks[round].as_secs_f64()
        );
    }
    let (plain, linked) = (median(plain), median(linked));
    println!(
        "median plain ingest {:.3} s, with linking {:.3} s: linking adds {:.3} s ({:.0}%); relink alone {:.3} s",
        plain.as_secs_f64(),
        linked.as_secs_f64(),
        (linked.as_secs_f64() - plain.as_secs_f64()),
        100.0 * (linked.as_secs_f64() / plain.as_secs_f64() - 1.0),
        median(relinks).as_secs_f64()
    );
    // The premises list, as `GET /api/v1/premises` computes it, cold then warm.
    let store = hotspots::Store::open(&dir.join("linked.duckdb")).expect("open");
    let query = hotspots::premises::PremisesQuery::default();
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let rows = hotspots::premises::repeat_premises(&store, &query).expect("premises");
        times.push(started.elapsed());
        assert!(!rows.is_empty());
    }
    println!(
        "premises list computed: first {:.0} ms, again median {:.0} ms",
        times[0].as_secs_f64() * 1e3,
        median(times[1..].to_vec()).as_secs_f64() * 1e3
    );
    // `GET /api/v1/premises` in process: the first answer computed, then
    // from the layer cache (keyed by the data version) as a warm server answers.
    let now = chrono::Utc::now().naive_utc();
    let name = hotspots::access::UserName::parse("bench").expect("name");
    let hash = hotspots::access::hash_password("bench-password-1").expect("hash");
    let _ = store.add_user(&name, hotspots::model::Role::Analyst, &hash, now);
    store
        .create_session(
            "bench",
            &hotspots::access::digest("premises-bench"),
            "csrf",
            now,
            now + chrono::TimeDelta::days(1),
        )
        .expect("session");
    let app = hotspots::serve::router(
        hotspots::serve::AppState::new(store, hotspots::serve::ServeConfig::default())
            .expect("state"),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let times: Vec<Duration> = runtime.block_on(async {
        let mut times = Vec::new();
        for _ in 0..20 {
            let request = axum::http::Request::get("/api/v1/premises?min_reports=2")
                .header("cookie", "hs_session=premises-bench")
                .body(axum::body::Body::empty())
                .expect("request");
            let started = Instant::now();
            let answer = tower::ServiceExt::oneshot(app.clone(), request)
                .await
                .expect("answer");
            assert!(answer.status().is_success(), "{}", answer.status());
            let _ = axum::body::to_bytes(answer.into_body(), usize::MAX)
                .await
                .expect("body");
            times.push(started.elapsed());
        }
        times
    });
    println!(
        "GET /api/v1/premises?min_reports=2: first {:.0} ms, warm median {:.2} ms (target: under 100 ms warm)",
        times[0].as_secs_f64() * 1e3,
        median(times[1..].to_vec()).as_secs_f64() * 1e3
    );
}
