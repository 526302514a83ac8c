//! Everything a handler needs: settings, connections, caches, the audit queue.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDateTime;

use crate::access::Principal;
use crate::model::Role;
use crate::serve::audit::{now, spawn_audit_writer, AuditMessage};
use crate::serve::cache;
use crate::serve::error::AppError;
use crate::store::{AuditEntry, Store};

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
    /// Public reporting page: reports one address may send per hour…
    pub public_per_address_per_hour: u32,
    /// …and all addresses together per minute.
    pub public_per_minute: u32,
    /// Leading zero bits of the page's proof of work (each bit doubles it).
    pub public_work_bits: u8,
    /// Reports all addresses together may send per hour without the proof of
    /// work (no JavaScript, or no Web Crypto); 0 requires the work.
    pub public_unproven_per_hour: u32,
    /// How long such a form must have been open, seconds.
    pub public_unproven_wait_secs: u32,
    /// Largest public report form, bytes.
    pub public_max_bytes: usize,
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
            public_per_address_per_hour: 6,
            public_per_minute: 30,
            public_work_bits: 16,
            public_unproven_per_hour: 10,
            public_unproven_wait_secs: 5,
            public_max_bytes: 16 * 1024,
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

pub(crate) struct Inner {
    pub(crate) readers: Vec<Mutex<Store>>,
    pub(crate) next_reader: AtomicUsize,
    pub(crate) writer: Mutex<Store>,
    /// The newest run id: bumps on every committed load; keys caches and ETags.
    pub(crate) version: AtomicI64,
    pub(crate) cache: cache::LayerCache,
    /// Layer answers indexed for cutting into map tiles, by the answer's ETag.
    pub(crate) tile_indexes: cache::KeptValues<crate::publish::TileIndex>,
    /// Layer answers parsed into features for OGC API – Features paging and
    /// filtering, keyed as the layer cache.
    pub(crate) feature_sets: cache::KeptValues<crate::publish::FeatureSet>,
    pub(crate) config: ServeConfig,
    /// Computed towns tables by (data version, release-only, district level):
    /// the towns page is rendered per viewer, but its numbers are shared.
    pub(crate) towns: Mutex<HashMap<(i64, bool, bool), Arc<TownsTable>>>,
    /// One computation of a towns table at a time: the others wait for it
    /// instead of all computing the same table (a cold start under load).
    pub(crate) towns_compute: tokio::sync::Mutex<()>,
    /// Users, sessions and tokens (never blocked behind a long load).
    pub(crate) accounts: Mutex<Store>,
    pub(crate) principals: PrincipalCache,
    pub(crate) throttle: Mutex<crate::access::Throttle>,
    pub(crate) audit: Mutex<std::sync::mpsc::Sender<AuditMessage>>,
    /// Rate limits and proof of work for the public reporting page.
    pub(crate) gate: crate::access::ReportGate,
}

/// Everything a handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Inner>);

impl AppState {
    /// Wraps an open store: clones reader connections from it; it becomes the writer.
    ///
    /// # Errors
    /// When a connection cannot be cloned or the data version read.
    pub fn new(mut store: Store, config: ServeConfig) -> Result<Self, crate::store::StoreError> {
        store.keep_snapshot();
        crate::serve::assets::prepare_in_background();
        let readers = (0..config.readers.max(1))
            .map(|_| store.try_clone().map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        let (run, _) = store.data_version()?;
        let accounts = Mutex::new(store.try_clone()?);
        let audit = Mutex::new(spawn_audit_writer(store.try_clone()?));
        let throttle = Mutex::new(crate::access::Throttle::new(
            config.signin_max_failures,
            Duration::from_secs(config.signin_window_secs),
        ));
        let gate = crate::access::ReportGate::new(crate::access::GateSettings {
            per_address_per_hour: config.public_per_address_per_hour,
            per_minute: config.public_per_minute,
            work_bits: config.public_work_bits,
            challenge_secs: 2 * 3600,
            unproven_per_hour: config.public_unproven_per_hour,
            unproven_wait_secs: i64::from(config.public_unproven_wait_secs),
        });
        Ok(Self(Arc::new(Inner {
            gate,
            towns: Mutex::new(HashMap::new()),
            towns_compute: tokio::sync::Mutex::new(()),
            accounts,
            principals: PrincipalCache::default(),
            throttle,
            audit,
            readers,
            next_reader: AtomicUsize::new(0),
            writer: Mutex::new(store),
            version: AtomicI64::new(run),
            cache: cache::LayerCache::new(config.cache_mib << 20),
            tile_indexes: cache::KeptValues::new(4),
            feature_sets: cache::KeptValues::new(8),
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

    /// Forgets every cached principal, so that a changed account, session or
    /// token is read again on its next request.
    pub(crate) fn forget_principals(&self) {
        self.0.principals.clear();
    }

    /// The data version (changes when a load commits).
    pub fn version(&self) -> i64 {
        self.0.version.load(Ordering::Acquire)
    }

    /// Runs `f` with the accounts connection on a blocking thread.
    pub(crate) async fn accounts<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let store = state
                .0
                .accounts
                .lock()
                .map_err(|_| AppError::internal("accounts connection poisoned"))?;
            f(&store)
        })
        .await?
    }

    /// Queues an audit event (written in order by the audit thread).
    pub fn audit(&self, mut entry: AuditEntry) {
        entry.at.get_or_insert_with(now);
        if let Ok(tx) = self.0.audit.lock() {
            if tx.send(AuditMessage::Entry(entry)).is_err() {
                tracing::error!("audit writer has stopped");
            }
        }
    }

    /// Waits until every queued audit event is written.
    pub async fn flush_audit(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let sent = self
            .0
            .audit
            .lock()
            .is_ok_and(|a| a.send(AuditMessage::Flush(tx)).is_ok());
        if sent {
            let _ = rx.await;
        }
    }

    /// Runs `f` with a reader connection on a blocking thread.
    pub(crate) async fn read<T: Send + 'static>(
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
    pub(crate) async fn write<T: Send + 'static>(
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
                inner.feature_sets.clear();
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

/// Signed-in principals by cookie or token digest, with their expiry, so that a
/// cached layer is answered without a database round trip. Emptied whenever an
/// account, session or token changes.
#[derive(Default)]
pub struct PrincipalCache(std::sync::Mutex<HashMap<String, (Principal, NaiveDateTime)>>);

impl PrincipalCache {
    pub(crate) fn get(&self, key: &str, now: NaiveDateTime) -> Option<Principal> {
        let map = self.0.lock().ok()?;
        map.get(key)
            .filter(|(_, expires)| *expires > now)
            .map(|(p, _)| p.clone())
    }
    pub(crate) fn put(&self, key: String, p: Principal, expires: NaiveDateTime) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(key, (p, expires));
        }
    }
    pub fn clear(&self) {
        if let Ok(mut map) = self.0.lock() {
            map.clear();
        }
    }
}
