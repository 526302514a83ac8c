//! Context import benchmark: data.police.uk street-level CSVs (the 36 months
//! of Bedfordshire and 12 of Cambridgeshire in `../shared/data/police-uk/`,
//! ~250,000 rows) into a fresh database, side by side in each round with
//! DuckDB's own `read_csv` of the same files into a table (the floor: no
//! validation, no cells, no rejects), then the context layer at res 8.
//!
//!     cargo bench --bench context
//!     HOTSPOTS_POLICE_UK=/path/to/police-uk HOTSPOTS_BENCH_ROUNDS=5 cargo bench --bench context
//!
//! Skips, saying so, when the folder is absent (it is not part of the project).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn street_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            street_files(&path, out);
        } else if path.to_string_lossy().ends_with("-street.csv") {
            out.push(path);
        }
    }
}

fn hotspots(args: &[&str]) -> (Duration, String) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_hotspots"))
        .args(args)
        .output()
        .expect("run hotspots");
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (elapsed, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("context_police_uk: bench");
        return;
    }
    let data = std::env::var_os("HOTSPOTS_POLICE_UK").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/police-uk"),
        PathBuf::from,
    );
    if !data.is_dir() {
        println!(
            "skipped: no police.uk data at {} (set HOTSPOTS_POLICE_UK)",
            data.display()
        );
        return;
    }
    let rounds: usize = std::env::var("HOTSPOTS_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut files = Vec::new();
    street_files(&data, &mut files);
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "input: {} files, {:.1} MB under {}",
        files.len(),
        bytes as f64 / 1e6,
        data.display()
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("context-bench");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let (mut floors, mut ours, mut layers) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let floor_db = dir.join("floor.duckdb");
        let _ = std::fs::remove_file(&floor_db);
        let started = Instant::now();
        let floor_rows: u64 = {
            let conn = duckdb::Connection::open(&floor_db).expect("open floor db");
            let list = names
                .iter()
                .map(|n| format!("'{}'", n.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(", ");
            // The bench's own file list, not user input.
            conn.execute_batch(&format!(
                "CREATE TABLE t AS SELECT * FROM read_csv([{list}], union_by_name = true)"
            ))
            .expect("read_csv");
            conn.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
                .expect("count") as u64
        };
        floors.push(started.elapsed());

        let db = dir.join("ours.duckdb");
        let _ = std::fs::remove_file(&db);
        let db_arg = db.to_string_lossy().into_owned();
        let data_arg = data.to_string_lossy().into_owned();
        let (took, summary) = hotspots(&[
            "context",
            "import",
            "police-uk",
            &data_arg,
            "--db",
            &db_arg,
            "--no-rejects-file",
        ]);
        ours.push(took);
        let (layer, _) = hotspots(&[
            "export",
            "context",
            "--db",
            &db_arg,
            "--res",
            "8",
            "-o",
            &dir.join("context.geojson").to_string_lossy(),
        ]);
        layers.push(layer);
        if round == 0 {
            println!("read_csv rows: {floor_rows}; hotspots: {}", summary.trim());
        }
        println!(
            "round {}: duckdb read_csv {:.3} s, hotspots context import {:.3} s, context layer res 8 {:.3} s",
            round + 1,
            floors[round].as_secs_f64(),
            ours[round].as_secs_f64(),
            layers[round].as_secs_f64()
        );
    }
    let (floor, mine) = (median(floors), median(ours));
    println!(
        "median duckdb read_csv (floor):  {:.3} s",
        floor.as_secs_f64()
    );
    println!(
        "median hotspots context import:  {:.3} s  ({:.2}x the floor)",
        mine.as_secs_f64(),
        mine.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "median context layer (res 8):    {:.3} s",
        median(layers).as_secs_f64()
    );
}
