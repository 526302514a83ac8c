//! Ingest benchmark: 1M lat/lng reports (~110 MB CSV) into a fresh database file,
//! H3 cells and all, side by side with DuckDB's own `read_csv` of the same file
//! (the floor for "CSV into DuckDB"). Runs the release binary as a user would and
//! reads its peak RSS from `/usr/bin/time -v` when available.
//!
//!     cargo bench --bench ingest                      # 1M rows, 5 rounds
//!     HOTSPOTS_BENCH_ROWS=100000 cargo bench --bench ingest
//!     HOTSPOTS_NOTEBOOK_PEER=../shared/bench/notebook-peer/peer.py cargo bench --bench ingest
//!     HOTSPOTS_BENCH_DETAILS=1 cargo bench --bench ingest
//!     HOTSPOTS_BENCH_FORMAT=jsonl cargo bench --bench ingest
//!     HOTSPOTS_BENCH_FORMAT=geojson cargo bench --bench ingest
//!
//! With `HOTSPOTS_BENCH_DETAILS=1`, every row also carries a venue name, a
//! persons count and a sentence of notes, as a police or NGO export does (the
//! same rows otherwise, ~150 MB): the optional columns cost DuckDB work of
//! their own, and a change that helps the bare file can cost this one.
//!
//! With `HOTSPOTS_BENCH_FORMAT=jsonl`, the same rows as JSON Lines (an app's
//! or a case system's export: degrees and counts as numbers, indicators as
//! an array), and the floor is DuckDB's `read_json` of that file. With
//! `HOTSPOTS_BENCH_FORMAT=geojson`, the same as a FeatureCollection of Point
//! features (a QGIS export), which DuckDB's `read_json` reads as a table of
//! its properties and a geometry. The notebook peer reads CSV only, so it is
//! not run beside either.
//!
//! With `HOTSPOTS_NOTEBOOK_PEER` (the Python notebook pipeline: pandas + h3,
//! one resolution, nothing validated or kept; needs python3 with pandas,
//! numpy, scipy and h3), each round also runs it on the same file, so the three
//! are measured side by side, interleaved, in one run.
//!
//! The input is deterministic (fixed seed), so figures are comparable across runs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const VENUES: [&str; 5] = ["car_wash", "nail_bar", "service_station", "farm", "other"];
const SOURCES: [&str; 5] = [
    "police_intel",
    "helpline",
    "crimestoppers",
    "concern_card",
    "app",
];
const INDICATORS: [&str; 6] = [
    "no_ppe",
    "cash_only",
    "no_receipt",
    "living_on_site",
    "fearful_workers",
    "long_hours",
];

const VENUE_NAMES: [&str; 5] = ["Star", "Sparkle", "Royal", "Express", "Green Lane"];
const NOTES: [&str; 5] = [
    "Staff appear to live above the unit",
    "Workers seen arriving in one van before 7am",
    "Manager holds the workers' passports",
    "Cash only, no receipts, same four workers every day",
    "Mattresses seen through the back window",
];

/// `rows` reports; with `details`, each with a venue name, a persons count
/// and notes too (derived from the row number, so the other columns are the
/// same as without).
fn generate(path: &Path, rows: usize, details: bool) {
    let mut state = 20_240_601u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = String::with_capacity(rows * 112);
    out.push_str("report_id,reported_at,venue_type,lat,lng,source,indicators");
    out.push_str(if details {
        ",venue_name,persons_count,notes\n"
    } else {
        "\n"
    });
    for i in 0..rows {
        // 70% background over the East of England, 30% around five towns (as the notebook peer).
        let (lat, lng) = if next() < 0.7 {
            (51.8 + next() * 1.2, -0.6 + next() * 1.4)
        } else {
            let towns = [
                (52.666, 0.158),
                (52.551, 0.088),
                (52.754, 0.398),
                (52.573, -0.243),
                (51.879, -0.417),
            ];
            let (clat, clng) = towns[(next() * 5.0) as usize % 5];
            (clat + (next() - 0.5) * 0.04, clng + (next() - 0.5) * 0.06)
        };
        let day = 1 + (next() * 28.0) as u32;
        let month = 1 + (next() * 12.0) as u32;
        let year = 2019 + (next() * 6.0) as u32;
        let k = 1 + (next() * 3.0) as usize;
        let first = (next() * 6.0) as usize % 6;
        let indicators: Vec<&str> = (0..k).map(|j| INDICATORS[(first + j) % 6]).collect();
        let _ = write!(
            out,
            "R{i:07},{year}-{month:02}-{day:02}T{:02}:{:02}:00Z,{},{lat:.6},{lng:.6},{},{}",
            (next() * 24.0) as u32 % 24,
            (next() * 60.0) as u32 % 60,
            VENUES[(next() * 5.0) as usize % 5],
            SOURCES[(next() * 5.0) as usize % 5],
            indicators.join(";")
        );
        if details {
            let _ = write!(
                out,
                ",{} {},{},\"{} ({})\"",
                VENUE_NAMES[i % 5],
                i % 997,
                1 + i % 9,
                NOTES[i % 5],
                i % 1000
            );
        }
        out.push('\n');
    }
    std::fs::write(path, out).expect("write bench input");
}

/// The input formats the bench can run on, each made from the CSV.
#[derive(Clone, Copy, PartialEq)]
enum BenchFormat {
    Csv,
    Jsonl,
    Geojson,
}

/// The rows of the CSV at `csv_path` as JSON Lines (`Jsonl`) or GeoJSON
/// Point features (`Geojson`): text as strings, the point and a persons
/// count as numbers, indicators as an array.
fn generate_json(csv_path: &Path, path: &Path, format: BenchFormat) {
    let mut reader = csv::Reader::from_path(csv_path).expect("read the bench CSV");
    let headers = reader.headers().expect("bench CSV header").clone();
    let geojson = format == BenchFormat::Geojson;
    let mut out = String::new();
    if geojson {
        out.push_str("{\"type\":\"FeatureCollection\",\"features\":[\n");
    }
    for (i, record) in reader.records().enumerate() {
        let record = record.expect("bench CSV record");
        let mut object = serde_json::Map::new();
        for (name, value) in headers.iter().zip(record.iter()) {
            let value = match name {
                "lat" | "lng" | "persons_count" => {
                    serde_json::Value::Number(value.parse().expect("a number"))
                }
                "indicators" => value.split(';').map(serde_json::Value::from).collect(),
                _ => serde_json::Value::from(value),
            };
            object.insert(name.to_owned(), value);
        }
        if geojson {
            let lng = object.remove("lng").expect("lng");
            let lat = object.remove("lat").expect("lat");
            let feature = serde_json::json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lng, lat]},
                "properties": object,
            });
            out.push_str(if i == 0 { "" } else { ",\n" });
            out.push_str(&feature.to_string());
        } else {
            out.push_str(&serde_json::Value::Object(object).to_string());
            out.push('\n');
        }
    }
    if geojson {
        out.push_str("\n]}\n");
    }
    std::fs::write(path, out).expect("write bench JSON");
}

/// The notebook peer's imports, checked before the first round: a python3
/// without one of them would otherwise end the run with a traceback from the
/// middle of it.
fn check_peer_modules() {
    // pyarrow: the peer reads its CSV with `pd.read_csv(engine="pyarrow")`.
    const MODULES: &str = "numpy, pandas, pyarrow, h3, scipy.special";
    let out = Command::new("python3")
        .args(["-c", &format!("import {MODULES}")])
        .output()
        .unwrap_or_else(|e| {
            panic!("HOTSPOTS_NOTEBOOK_PEER is set, but python3 cannot be run: {e}")
        });
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        panic!(
            "HOTSPOTS_NOTEBOOK_PEER needs python3 with {MODULES} (for example \
             `pip install numpy pandas pyarrow h3 scipy`); this python3 says: {}",
            stderr.lines().last().unwrap_or("nothing")
        );
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// CPU time (user + system) of a child run under `/usr/bin/time -v`.
fn cpu_time(stderr: &str) -> Option<Duration> {
    let field = |name: &str| -> Option<f64> {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix(name)?.trim().parse().ok())
    };
    Some(Duration::from_secs_f64(
        field("User time (seconds):")? + field("System time (seconds):")?,
    ))
}

/// This process's CPU time so far (user + system, from `/proc/self/stat`
/// in clock ticks of 10 ms): the floor runs DuckDB in process.
fn own_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after ')'.
    Some(Duration::from_secs_f64((ticks(11)? + ticks(12)?) / 100.0))
}

fn max_rss_kib(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|l| {
        l.trim()
            .strip_prefix("Maximum resident set size (kbytes): ")?
            .parse()
            .ok()
    })
}

#[allow(
    clippy::too_many_lines,
    reason = "a benchmark script: set-up, rounds and report in one place"
)]
fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("ingest_1m: bench");
        return;
    }
    let rows: usize = std::env::var("HOTSPOTS_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rounds: usize = std::env::var("HOTSPOTS_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let format = match std::env::var("HOTSPOTS_BENCH_FORMAT").as_deref() {
        Ok("jsonl") => BenchFormat::Jsonl,
        Ok("geojson") => BenchFormat::Geojson,
        Ok("csv") | Err(_) => BenchFormat::Csv,
        Ok(other) => panic!("HOTSPOTS_BENCH_FORMAT={other}: give csv, jsonl or geojson"),
    };
    // The notebook reads CSV: beside a JSON file it has no peer.
    let peer = std::env::var_os("HOTSPOTS_NOTEBOOK_PEER")
        .map(PathBuf::from)
        .filter(|_| format == BenchFormat::Csv);
    if peer.is_some() {
        check_peer_modules();
    }
    let details = std::env::var("HOTSPOTS_BENCH_DETAILS").is_ok_and(|v| v == "1");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ingest-bench");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let csv_input = dir.join(if details {
        format!("reports_{rows}_details.csv")
    } else {
        format!("reports_{rows}.csv")
    });
    if !csv_input.exists() {
        generate(&csv_input, rows, details);
    }
    let input = match format {
        BenchFormat::Csv => csv_input,
        BenchFormat::Jsonl | BenchFormat::Geojson => {
            let ext = if format == BenchFormat::Jsonl {
                "jsonl"
            } else {
                "geojson"
            };
            let path = csv_input.with_extension(ext);
            if !path.exists() {
                generate_json(&csv_input, &path, format);
            }
            path
        }
    };
    let floor_reader = if format == BenchFormat::Csv {
        "read_csv"
    } else {
        "read_json"
    };
    let size = std::fs::metadata(&input).map_or(0, |m| m.len());
    println!(
        "input: {} ({rows} rows, {:.1} MB)",
        input.display(),
        size as f64 / 1e6
    );

    let time_bin = Path::new("/usr/bin/time").exists();
    let (mut floors, mut ours, mut rss) = (Vec::new(), Vec::new(), Vec::new());
    let mut peers = Vec::new();
    // CPU seconds beside wall time: on a shared, noisy machine the CPU a run
    // spends varies less than its wall time, and says what a change saved.
    let (mut floor_cpu, mut our_cpu, mut peer_cpu) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let floor_db = dir.join("floor.duckdb");
        let _ = std::fs::remove_file(&floor_db);
        let started = Instant::now();
        let cpu_before = own_cpu_time();
        {
            let conn = duckdb::Connection::open(&floor_db).expect("open floor db");
            // The reader's name is one of two constants; the path is a parameter.
            conn.execute(
                &format!("CREATE TABLE t AS SELECT * FROM {floor_reader}(?)"),
                [input.to_string_lossy().as_ref()],
            )
            .unwrap_or_else(|e| {
                panic!("{floor_reader}: {e} (read_json needs DuckDB's json extension, built into the PyPI library that --no-default-features links)")
            });
        }
        floors.push(started.elapsed());
        if let Some(spent) = cpu_before
            .zip(own_cpu_time())
            .and_then(|(before, after)| after.checked_sub(before))
        {
            floor_cpu.push(spent);
        }

        let db = dir.join("ours.duckdb");
        let _ = std::fs::remove_file(&db);
        let mut cmd = if time_bin {
            let mut c = Command::new("/usr/bin/time");
            c.arg("-v").arg(env!("CARGO_BIN_EXE_hotspots"));
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_hotspots"))
        };
        cmd.args(["ingest", "--db"])
            .arg(&db)
            .arg("--rejects")
            .arg(dir.join("rejects.csv"))
            .arg(&input);
        let started = Instant::now();
        let out = cmd.output().expect("run hotspots ingest");
        ours.push(started.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary = String::from_utf8_lossy(&out.stdout);
        // "read N, stored S, duplicates D, rejected R": every row accounted for.
        let numbers: Vec<u64> = summary
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|t| t.parse().ok())
            .collect();
        assert!(
            numbers.len() == 4
                && numbers[0] == rows as u64
                && numbers[0] == numbers[1] + numbers[2] + numbers[3],
            "{summary}"
        );
        if round == 0 {
            println!("{}", summary.trim());
        }
        if let Some(kib) = max_rss_kib(&String::from_utf8_lossy(&out.stderr)) {
            rss.push(kib);
        }
        our_cpu.extend(cpu_time(&String::from_utf8_lossy(&out.stderr)));
        if let Some(peer) = &peer {
            let started = Instant::now();
            let mut python = if time_bin {
                let mut c = Command::new("/usr/bin/time");
                c.arg("-v").arg("python3");
                c
            } else {
                Command::new("python3")
            };
            let out = python
                .arg(peer)
                .arg(&input)
                .arg(dir.join("peer.geojson"))
                .output()
                .expect("run the notebook peer");
            peers.push(started.elapsed());
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            peer_cpu.extend(cpu_time(&String::from_utf8_lossy(&out.stderr)));
        }
        println!(
            "round {}: duckdb {floor_reader} {:.3} s, hotspots ingest {:.3} s{}",
            round + 1,
            floors[round].as_secs_f64(),
            ours[round].as_secs_f64(),
            peers
                .get(round)
                .map(|p| format!(", notebook peer {:.3} s", p.as_secs_f64()))
                .unwrap_or_default()
        );
    }
    let (floor, mine) = (median(floors), median(ours));
    println!(
        "median duckdb {floor_reader} (floor): {:.3} s",
        floor.as_secs_f64()
    );
    println!(
        "median hotspots ingest:         {:.3} s  ({:.2}x the floor, {:.0} rows/s)",
        mine.as_secs_f64(),
        mine.as_secs_f64() / floor.as_secs_f64(),
        rows as f64 / mine.as_secs_f64()
    );
    if !peers.is_empty() {
        let peer = median(peers);
        println!(
            "median notebook peer:           {:.3} s  (hotspots ingest {:.2}x the peer)",
            peer.as_secs_f64(),
            mine.as_secs_f64() / peer.as_secs_f64()
        );
    }
    if !floor_cpu.is_empty() && !our_cpu.is_empty() {
        let (floor, mine) = (
            median(floor_cpu).as_secs_f64(),
            median(our_cpu).as_secs_f64(),
        );
        let peer = (!peer_cpu.is_empty())
            .then(|| median(peer_cpu).as_secs_f64())
            .map(|p| format!(", notebook peer {p:.2} s (ours {:.2}x)", mine / p))
            .unwrap_or_default();
        println!(
            "median CPU (user + system):     {floor_reader} {floor:.2} s, hotspots ingest {mine:.2} s ({:.2}x){peer}",
            mine / floor
        );
    }
    if let Some(peak) = rss.iter().max() {
        println!(
            "peak RSS hotspots ingest:       {:.0} MiB",
            *peak as f64 / 1024.0
        );
    }
}
