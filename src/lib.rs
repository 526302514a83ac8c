//! `hotspots`: geospatial hotspot intelligence for UK modern-slavery reports.
//!
//! The modules are layers; each depends only on the layers above it in this
//! list (ARCHITECTURE.md holds the allowed graph, and `tests/it/architecture.rs`
//! fails on any other edge):
//!
//! - [`model`]: domain types (vocabularies, periods, areas, roles, rejects);
//! - [`analysis`]: pure statistics (Gi*, FDR, emerging hot spots, trends);
//! - [`geo`]: geocoding and H3 cells, the gazetteer compiled in;
//! - [`access`]: user names, credentials, tokens, throttling;
//! - [`store`]: the DuckDB file, the only module that knows DuckDB;
//! - [`ingest`]: reading, parsing and loading report files into the store;
//! - [`admin`]: account administration, on the store or through a running
//!   server's local socket;
//! - [`publish`]: layers, the role policy, the release and its disclosure
//!   control, and the writers;
//! - [`premises`]: linking reports to premises, the repeat-premises list, and
//!   what visits found measured against the map;
//! - [`demo`]: the bundled demo data and accounts;
//! - [`serve`]: HTTP (axum, maud), the only module that knows HTTP;
//! - [`cli`]: the command line, the only module that prints.
//!
//! [`fuzzing`] holds the fuzz targets' bodies.

pub mod access;
pub mod admin;
pub mod analysis;
pub mod cli;
pub mod demo;
pub mod fuzzing;
pub mod geo;
pub mod ingest;
pub mod model;
pub mod premises;
pub mod publish;
pub mod serve;
pub mod store;

pub use ingest::{load, load_paths, FileSummary, Input, LoadOptions, PipelineError};
pub use store::Store;
