//! `hotspots`: geospatial hotspot intelligence for UK modern-slavery reports.
//!
//! Pipeline stages, dependencies pointing one way (see ARCHITECTURE.md):
//! `model` ← `ingest` / `geocode` / `index` ← `store` ← `pipeline`, `layers`, `render` (glue)
//! ← `serve` (HTTP) ← `cli`.

pub mod analysis;
pub mod auth;
pub mod cli;
pub mod demo;
pub mod disclosure;
pub mod export;
pub mod fuzzing;
pub mod geocode;
pub mod index;
pub mod ingest;
pub mod layers;
pub mod model;
pub mod params;
pub mod pipeline;
pub mod policy;
pub mod release;
pub mod render;
pub mod serve;
pub mod store;
pub mod tiles;

pub use pipeline::{load, load_paths, FileSummary, Input, LoadOptions, PipelineError};
pub use store::Store;
