//! Links the DuckDB library the main build compiled (see `cargo-fuzz.sh`):
//! libduckdb-sys, built without `bundled`, links `libduckdb_static.a` from
//! `DUCKDB_LIB_DIR`; the bundled build's extension registry and the C++
//! runtime come from here.
fn main() {
    println!("cargo:rerun-if-env-changed=DUCKDB_LIB_DIR");
    if let Ok(dir) = std::env::var("DUCKDB_LIB_DIR") {
        println!("cargo:rustc-link-search=native={dir}");
        println!("cargo:rustc-link-lib=static:+whole-archive=duckdb_static_extension_autoregister");
    }
    println!("cargo:rustc-link-lib=stdc++");
}
