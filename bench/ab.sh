#!/usr/bin/env bash
# A/B of two `hotspots` binaries on one ingest: ROUNDS interleaved runs each
# (A, B, A, B, ...), medians of wall time, CPU (user + system) and peak RSS.
# On a noisy machine the CPU median is the figure to compare.
#
#   bench/ab.sh 8 /tmp/hotspots-before target/release/hotspots [FILE]
#
# FILE defaults to the ingest bench's input (run `cargo bench --bench ingest`
# once to make it).
set -euo pipefail
rounds=${1:?rounds}; a=${2:?binary A}; b=${3:?binary B}
file=${4:-${CARGO_TARGET_DIR:-target}/tmp/ingest-bench/reports_1000000.csv}
[[ -f $file ]] || { echo "no input $file: run cargo bench --bench ingest first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for _ in $(seq "$rounds"); do
  for bin in "$a" "$b"; do
    rm -f "$work"/ab.duckdb*
    /usr/bin/time -f "$bin %e %U %S %M" "$bin" ingest --db "$work/ab.duckdb" \
      --rejects "$work/rejects.csv" "$file" 2>&1 >/dev/null | tail -1
  done
done | python3 -c '
import sys, statistics as st
runs = {}
for line in sys.stdin:
    binary, wall, user, system, rss = line.rsplit(None, 4)
    runs.setdefault(binary, []).append((float(wall), float(user) + float(system), int(rss)))
for binary, v in runs.items():
    print(f"{binary}: wall {st.median(x[0] for x in v):.3f} s, CPU {st.median(x[1] for x in v):.3f} s, "
          f"peak RSS {st.median(x[2] for x in v) / 1024:.0f} MiB (median of {len(v)})")
'
