//! The dashboard and API over HTTP. Only this module knows axum, maud and HTTP.
//!
//! [`router`] builds the whole app from an [`AppState`], so tests drive it in
//! process with `tower::ServiceExt::oneshot`. DuckDB work runs on blocking
//! threads: a small pool of reader connections, and one writer connection behind
//! a mutex (the loader's uniqueness checks assume one writer at a time).

mod admin;
mod api;
mod assets;
mod auth;
mod cache;
mod error;
mod pages;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{header, HeaderValue, Request};
use axum::routing::get;
use axum::Router;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::model::Role;
use crate::store::Store;

pub use auth::{Viewer, SESSION_COOKIE};
pub use error::{AppError, Audience};

/// Settings of `hotspots serve` (`--config FILE`, JSON; every key optional).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// A raster tile URL template (`https://…/{z}/{x}/{y}.png`) drawn under the
    /// layers, for deployments with internet. Off by default: the map is offline.
    pub basemap_url: Option<String>,
    /// Attribution shown for the raster basemap.
    pub basemap_attribution: Option<String>,
    /// Small-number threshold: counts 1..k−1 are withheld from the partnership role.
    pub suppression_k: u64,
    /// The one H3 resolution the partnership role reads.
    pub release_res: u8,
    /// Session lifetime, hours.
    pub session_hours: u64,
    /// Mark cookies `Secure` (set when serving over TLS).
    pub secure_cookies: bool,
    /// Behind a reverse proxy: trust `X-Forwarded-For` (throttling, audit) and
    /// `X-Forwarded-Proto: https` (Secure cookies).
    pub trust_proxy: bool,
    /// Failed sign-ins per account or address before it is throttled…
    pub signin_max_failures: usize,
    /// …within this many seconds.
    pub signin_window_secs: u64,
    /// Bound on the computed-layer cache, MiB.
    pub cache_mib: usize,
    /// Largest request body (uploads included), MiB.
    pub max_body_mib: usize,
    /// Longest a request may take, seconds.
    pub timeout_secs: u64,
    /// Reader connections.
    pub readers: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            basemap_url: None,
            basemap_attribution: None,
            suppression_k: 5,
            release_res: 8,
            session_hours: 12,
            secure_cookies: false,
            trust_proxy: false,
            signin_max_failures: 5,
            signin_window_secs: 900,
            cache_mib: 64,
            max_body_mib: 32,
            timeout_secs: 120,
            readers: 4,
        }
    }
}

impl ServeConfig {
    /// Reads a JSON config file.
    ///
    /// # Errors
    /// When the file cannot be read or holds unknown keys or bad values.
    pub fn from_file(path: &std::path::Path) -> anyhow::Result<Self> {
        use anyhow::Context;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{}: bad config", path.display()))
    }
}

/// The towns page's numbers: exact rows and what the viewer's role may see of them.
pub(crate) type TownsTable = (
    Vec<crate::publish::TownRow>,
    Vec<crate::publish::PublishedTrend>,
);

struct Inner {
    readers: Vec<Mutex<Store>>,
    next_reader: AtomicUsize,
    writer: Mutex<Store>,
    /// The newest run id: bumps on every committed load; keys caches and ETags.
    version: AtomicI64,
    cache: cache::LayerCache,
    /// Layer answers indexed for cutting into map tiles, by the answer's ETag.
    tile_indexes: cache::KeptValues<crate::publish::TileIndex>,
    config: ServeConfig,
    /// Computed towns tables by (data version, release-only, district level):
    /// the towns page is rendered per viewer, but its numbers are shared.
    towns: Mutex<HashMap<(i64, bool, bool), Arc<TownsTable>>>,
    /// One computation of a towns table at a time: the others wait for it
    /// instead of all computing the same table (a cold start under load).
    towns_compute: tokio::sync::Mutex<()>,
    /// Users, sessions and tokens (never blocked behind a long load).
    accounts: Mutex<Store>,
    principals: auth::PrincipalCache,
    throttle: Mutex<crate::access::Throttle>,
    audit: Mutex<std::sync::mpsc::Sender<auth::AuditMessage>>,
}

/// Everything a handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    /// Wraps an open store: clones reader connections from it; it becomes the writer.
    ///
    /// # Errors
    /// When a connection cannot be cloned or the data version read.
    pub fn new(mut store: Store, config: ServeConfig) -> Result<Self, crate::store::StoreError> {
        store.keep_snapshot();
        let readers = (0..config.readers.max(1))
            .map(|_| store.try_clone().map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        let (run, _) = store.data_version()?;
        let accounts = Mutex::new(store.try_clone()?);
        let audit = Mutex::new(auth::spawn_audit_writer(store.try_clone()?));
        let throttle = Mutex::new(crate::access::Throttle::new(
            config.signin_max_failures,
            Duration::from_secs(config.signin_window_secs),
        ));
        Ok(Self(Arc::new(Inner {
            towns: Mutex::new(HashMap::new()),
            towns_compute: tokio::sync::Mutex::new(()),
            accounts,
            principals: auth::PrincipalCache::default(),
            throttle,
            audit,
            readers,
            next_reader: AtomicUsize::new(0),
            writer: Mutex::new(store),
            version: AtomicI64::new(run),
            cache: cache::LayerCache::new(config.cache_mib << 20),
            tile_indexes: cache::KeptValues::new(4),
            config,
        })))
    }

    pub fn config(&self) -> &ServeConfig {
        &self.0.config
    }

    /// What a role may see, with this server's release rule.
    pub fn view(&self, role: Role) -> crate::publish::View {
        role.view(crate::publish::ReleaseRule {
            k: self.0.config.suppression_k,
            res: self.0.config.release_res,
        })
    }

    /// The data version (changes when a load commits).
    pub fn version(&self) -> i64 {
        self.0.version.load(Ordering::Acquire)
    }

    /// Runs `f` with a reader connection on a blocking thread.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let inner = &state.0;
            let n = inner.readers.len();
            let start = inner.next_reader.fetch_add(1, Ordering::Relaxed) % n;
            // Take a free connection if there is one, else queue on ours.
            let guard = (0..n)
                .find_map(|i| inner.readers[(start + i) % n].try_lock().ok())
                .map_or_else(
                    || {
                        inner.readers[start]
                            .lock()
                            .map_err(|_| AppError::internal("reader connection poisoned"))
                    },
                    Ok,
                )?;
            f(&guard)
        })
        .await?
    }

    /// Runs `f` with the writer connection on a blocking thread, then moves the
    /// data version on (which empties the layer cache).
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let state = self.clone();
        let (out, changed) = tokio::task::spawn_blocking(move || {
            let inner = &state.0;
            let mut store = inner
                .writer
                .lock()
                .map_err(|_| AppError::internal("writer connection poisoned"))?;
            let out = f(&mut store);
            let (run, _) = store.data_version()?;
            let changed = inner.version.swap(run, Ordering::AcqRel) != run;
            if changed {
                inner.cache.clear();
                inner.tile_indexes.clear();
            }
            Ok::<_, AppError>((out, changed))
        })
        .await??;
        if changed {
            // The readers' snapshot is read now rather than by the next
            // layer request (~0.5-1 s for 1M reports).
            let state = self.clone();
            tokio::spawn(async move {
                if let Err(e) = state.read(|store| Ok(store.refresh_snapshot()?)).await {
                    tracing::warn!("refreshing the snapshot after a write: {e}");
                }
            });
        }
        out
    }
}

/// The whole app: pages, API, static files, and the tower-http layers.
pub fn router(state: AppState) -> Router {
    let limit = state.config().max_body_mib << 20;
    let timeout = Duration::from_secs(state.config().timeout_secs);
    let csp = content_security_policy(state.config().basemap_url.as_deref());
    Router::new()
        .route("/", get(pages::map_page))
        .route("/towns", get(pages::towns_page))
        .route(
            "/reports/new",
            get(pages::report_form).post(pages::submit_report_form),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/signin", get(auth::signin_form).post(auth::signin))
        .route("/signout", axum::routing::post(auth::signout))
        .merge(admin::routes())
        .route("/static/{*path}", get(assets::asset))
        .merge(api::routes())
        .fallback(pages::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // Level 4, not the codecs' default: brotli's default is quality 11, which
        // takes seconds on a multi-megabyte layer (gzip 4 and brotli 4 are what
        // CDNs use for dynamic content).
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .br(true)
                .quality(CompressionLevel::Precise(4)),
        )
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .with_state(state)
}

/// Scripts and styles from our own files only (no `unsafe-inline`); MapLibre
/// starts its worker from a `blob:` URL; a raster basemap's origin is allowed
/// for images when configured.
pub fn content_security_policy(basemap_url: Option<&str>) -> HeaderValue {
    let tiles = basemap_url
        .and_then(|u| {
            let rest = u.split_once("://")?;
            let host = rest.1.split('/').next()?;
            let host: String = host
                .chars()
                .filter(|c| !matches!(c, '{' | '}' | ';' | ' ' | '\''))
                .collect();
            Some(format!(" {}://{host}", rest.0))
        })
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{tiles}; \
         connect-src 'self'{tiles}; worker-src 'self' blob:; child-src blob:; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"))
}

/// Serves until Ctrl-C or SIGTERM, finishing requests in flight.
///
/// # Errors
/// When the address cannot be bound or the server fails.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Opens the store, binds, prints the URL and serves (blocking the caller).
///
/// # Errors
/// When the store cannot open or the address cannot be bound.
pub fn run(store: Store, bind: &str, config: ServeConfig) -> anyhow::Result<()> {
    use anyhow::Context;
    let state = AppState::new(store, config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("--bind {bind}: cannot listen"))?;
        let addr: SocketAddr = listener.local_addr()?;
        println!("serving the dashboard on http://{addr}/  (Ctrl-C stops)");
        serve(listener, state).await.context("server failed")
    })
}
