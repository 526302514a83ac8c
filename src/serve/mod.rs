//! The dashboard and API over HTTP. Only this module knows axum, maud and HTTP.
//!
//! [`router`] builds the whole app from an [`AppState`], so tests drive it in
//! process with `tower::ServiceExt::oneshot`. DuckDB work runs on blocking
//! threads: a small pool of reader connections, and one writer connection behind
//! a mutex (the loader's uniqueness checks assume one writer at a time).
//!
//! Inside, dependencies point one way: `http`, `cache` and `i18n` know nothing
//! of the rest; `assets`, `i18n` ← `layout` ← `error` ← `query`, `viewer`, `audit` ← `state`
//! ← `session` ← `api` ← `ogc`, `pages` ← `router` (the architecture test keeps it so).

mod api;
mod assets;
mod audit;
mod cache;
mod error;
mod http;
mod i18n;
mod layout;
mod ogc;
mod pages;
mod query;
mod router;
mod session;
mod state;
mod viewer;

pub use error::{AppError, Audience};
pub use router::{content_security_policy, router, run, serve};
pub use session::SESSION_COOKIE;
pub use state::{AppState, ServeConfig};
pub use viewer::Viewer;
