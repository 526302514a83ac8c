#!/bin/sh
# `cargo +nightly fuzz ARGS` with the fuzz targets linked against the DuckDB
# library of the main release build, instead of compiling DuckDB again (25-45
# minutes on two cores):
#   fuzz/cargo-fuzz.sh build -O
#   fuzz/cargo-fuzz.sh run -O row_parsing -- -max_total_time=300
#   fuzz/cargo-fuzz.sh cmin -O row_parsing
# Needs: `cargo build --release` done in the main crate, a nightly toolchain and
# cargo-fuzz. CARGO_TARGET_DIR: the main build's (default: ../target).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
main_target=${CARGO_TARGET_DIR:-$here/../target}
out=$(ls -d "$main_target"/release/build/libduckdb-sys-*/out 2>/dev/null | while read d; do
    [ -f "$d/libduckdb.a" ] && echo "$d"; done | head -n 1)
[ -n "$out" ] || { echo "no libduckdb.a under $main_target/release: run cargo build --release first" >&2; exit 1; }
lib="$here/target-duckdb"
mkdir -p "$lib"
ln -sf "$out/libduckdb.a" "$lib/libduckdb_static.a"
ln -sf "$out/libduckdb_static_extension_autoregister.a" "$lib/libduckdb_static_extension_autoregister.a"
echo "DUCKDB_LIB_DIR=$lib (from $out)"
export DUCKDB_LIB_DIR="$lib" DUCKDB_STATIC=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$here/target}"
cd "$here"
exec cargo +nightly fuzz "$@"
