#!/usr/bin/env bash
# A/B of two `hotspots` binaries on one API request to a cold server: ROUNDS
# interleaved runs each (A, B, A, B, ...), each a fresh server on a fresh copy
# of DB, so no map or study area is remembered from an earlier run. Medians of
# the request's wall time and the server's peak RSS; and whether A and B
# answered the same (the JSON compared with its `generated_at` left out).
#
#   bench/ab_request.sh 3 /tmp/hotspots-before target/release/hotspots \
#       hotspots-demo.duckdb 'outcomes/summary?res=9&k=3'
#
# DB needs an `analyst` account (`hotspots demo --no-serve` makes one); the
# request is made with a token for it, created on each copy.
set -euo pipefail
rounds=${1:?rounds}; a=${2:?binary A}; b=${3:?binary B}; db=${4:?database}; path=${5:?API path after /api/v1/}
port=${HOTSPOTS_AB_PORT:-8190}
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
for round in $(seq "$rounds"); do
  for side in A B; do
    bin=$a; [[ $side == B ]] && bin=$b
    rm -f "$work"/ab.duckdb*
    cp "$db" "$work/ab.duckdb"
    token=$("$bin" tokens create analyst --db "$work/ab.duckdb" | tail -1)
    HOTSPOTS_BIND=127.0.0.1:$port "$bin" serve --db "$work/ab.duckdb" >"$work/serve.log" 2>&1 &
    pid=$!
    until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do
      kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
      sleep 0.1
    done
    wall=$(curl -s -o "$work/answer_$side.json" -w '%{time_total}' \
      -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/$path")
    peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
    echo "$side $wall $peak"
  done
  python3 - "$work/answer_A.json" "$work/answer_B.json" <<'EOF' >>"$work/answers"
import json, sys
def load(path):
    def drop(v):
        if isinstance(v, dict):
            return {k: drop(x) for k, x in v.items() if k != "generated_at"}
        if isinstance(v, list):
            return [drop(x) for x in v]
        return v
    return drop(json.load(open(path)))
print("same answer" if load(sys.argv[1]) == load(sys.argv[2]) else "DIFFERENT ANSWERS")
EOF
done | python3 -c '
import sys, statistics as st
runs = {}
for line in sys.stdin:
    side, wall, peak = line.split()
    runs.setdefault(side, []).append((float(wall), int(peak)))
for side, v in runs.items():
    walls = ", ".join("%.2f" % x[0] for x in v)
    print(f"{side}: {st.median(x[0] for x in v):.2f} s, peak RSS {st.median(x[1] for x in v) / 1024:.0f} MiB"
          f" (median of {len(v)}: {walls})")'
sort "$work/answers" | uniq -c
