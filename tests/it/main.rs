//! The integration tests: one binary (each file directly under `tests/` would be
//! a binary of its own, each linking the whole crate and its DuckDB library).

mod analysis;
mod architecture;
mod browser;
mod cli;
mod context;
mod corpus;
mod crash;
mod downloads;
mod fuzz_corpus;
mod gistar_reference;
mod h3_reference;
mod ingest;
mod loads;
mod ogc;
mod pack;
mod premises;
mod public;
mod security;
mod serve;
mod support;
mod tiles;
