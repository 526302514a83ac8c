#!/usr/bin/env bash
# Load benchmark (not a test): a signed-in session, 64 connections for 60 s each
# on a cached layer, uncached layers (every request a new period) and the towns
# page; wrk prints requests/s, latency percentiles and any errors.
#
#   bench/load.sh [DB] [SECONDS]     (default: hotspots-demo.duckdb, 60)
#
# Needs `wrk` (Debian: apt-get install wrk) and curl. Builds nothing: run
# `cargo build --release` first (CARGO_TARGET_DIR is respected).
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-hotspots-demo.duckdb}
SECS=${2:-60}
BIN=${CARGO_TARGET_DIR:-target}/release/hotspots
BIND=127.0.0.1:18181
BASE=http://$BIND
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT

[ -f "$DB" ] || "$BIN" demo --db "$DB" --no-serve >/dev/null
"$BIN" users list --db "$DB" | grep -q '^loadbench' ||
  echo "load-bench-password-1" | "$BIN" users add loadbench --role analyst --db "$DB" >/dev/null
"$BIN" serve --db "$DB" --bind "$BIND" --create-admin loadadmin >"$WORK/serve.log" 2>&1 &
SERVER=$!
curl -s --retry 60 --retry-connrefused --retry-delay 1 "$BASE/healthz" >/dev/null

# Sign in like a browser: the form's CSRF token and cookie, then the session.
curl -s -c "$WORK/jar" "$BASE/signin" >"$WORK/signin.html"
CSRF=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$WORK/signin.html" | head -1 | sed 's/.*value="//; s/"//')
curl -s -b "$WORK/jar" -c "$WORK/jar" -o /dev/null \
  --data-urlencode name=loadbench --data-urlencode password=load-bench-password-1 \
  --data-urlencode "csrf=$CSRF" "$BASE/signin"
SESSION=$(awk '$6 == "hs_session" {print $7}' "$WORK/jar")
[ -n "$SESSION" ] || { echo "sign-in failed" >&2; exit 1; }
COOKIE="Cookie: hs_session=$SESSION"

cat >"$WORK/uncached.lua" <<'LUA'
-- Every request a different period, so the layer cache never answers.
local n = 0
request = function()
  n = n + 1
  local days = n % 1800
  local y = 2020 + math.floor(days / 360)
  local m = 1 + math.floor((days % 360) / 30)
  local d = 1 + days % 28
  local path = string.format("/api/v1/layers/cells?res=8&from=2019-01-01&to=%04d-%02d-%02d&k=%d", y, m, d, 1 + n % 2)
  return wrk.format("GET", path)
end
LUA

# wrk gives up on an answer after 2 s by default and counts that as an error;
# browsers and QGIS wait far longer. 30 s is the client's patience here (the
# server's own request timeout is 120 s), so "errors" are answers that failed
# or never came, and the latency columns say how long the rest took.
run() {
  echo "== $1"
  shift
  wrk -t2 -c64 -d"${SECS}s" --timeout 30s --latency -H "$COOKIE" "$@" | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx|Socket errors|requests in'
}
curl -s -o /dev/null -H "$COOKIE" "$BASE/api/v1/layers/cells?res=8"   # warm the cache
STATIC=$(curl -s -H "$COOKIE" "$BASE/" | grep -o '/static/[^"]*maplibre-gl\.js[^"]*' | head -1)
run "cached layer (/api/v1/layers/cells?res=8)" "$BASE/api/v1/layers/cells?res=8"
run "cached layer, brotli as browsers ask (/api/v1/layers/cells?res=8)" -H "Accept-Encoding: gzip, deflate, br" "$BASE/api/v1/layers/cells?res=8"
run "static file for comparison (maplibre-gl.js, uncompressed)" "$BASE$STATIC"
run "static file as browsers ask (maplibre-gl.js, brotli)" -H "Accept-Encoding: gzip, deflate, br, zstd" "$BASE$STATIC"
run "towns page (/towns)" "$BASE/towns"
# Last: requests still queued when wrk stops keep the server busy for a while.
run "uncached layers (a new period each request)" -s "$WORK/uncached.lua" "$BASE"
SIZE=$(curl -s -H "$COOKIE" "$BASE/api/v1/layers/cells?res=8" | wc -c)
echo "(cached layer body: $SIZE bytes)"
