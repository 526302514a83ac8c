//! Helpers shared by the integration tests: the in-process router runner and
//! test accounts (`router`), and a served app driven by Chromium (`browser`,
//! also used by `benches/map.rs`).

pub mod browser;
pub mod router;
