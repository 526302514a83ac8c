//! A bounded in-memory cache of rendered layers, keyed by ETag (which already
//! holds the data version, the role and the canonical query). Emptied when the
//! data version moves; the oldest entries go first when it is full.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::publish::Rendered;

pub struct LayerCache {
    max_bytes: usize,
    inner: Mutex<Entries>,
    flights: SingleFlight,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Arc<Rendered>>,
    order: VecDeque<String>,
    bytes: usize,
}

impl LayerCache {
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            inner: Mutex::new(Entries::default()),
            flights: SingleFlight::default(),
        }
    }

    /// The entry for `key`, computed by `compute` on a miss and kept. Callers
    /// that miss the same key together wait for one computation (see
    /// [`SingleFlight`]) and then read its answer.
    pub async fn get_or_compute<E, F>(&self, key: &str, compute: F) -> Result<Arc<Rendered>, E>
    where
        F: std::future::Future<Output = Result<Rendered, E>>,
    {
        self.flights
            .get_or_compute(
                key,
                || self.get(key),
                compute,
                |fresh| {
                    self.put(key.to_owned(), fresh);
                },
            )
            .await
    }

    pub fn get(&self, key: &str) -> Option<Arc<Rendered>> {
        self.inner.lock().ok()?.map.get(key).cloned()
    }

    /// Keeps `value` unless it alone is larger than the whole cache.
    pub fn put(&self, key: String, value: Arc<Rendered>) {
        let size = value.body.len();
        if size > self.max_bytes {
            return;
        }
        let Ok(mut e) = self.inner.lock() else {
            return;
        };
        if e.map.contains_key(&key) {
            return;
        }
        while e.bytes + size > self.max_bytes {
            let Some(old) = e.order.pop_front() else {
                break;
            };
            if let Some(v) = e.map.remove(&old) {
                e.bytes -= v.body.len();
            }
        }
        e.bytes += size;
        e.order.push_back(key.clone());
        e.map.insert(key, value);
    }

    pub fn clear(&self) {
        if let Ok(mut e) = self.inner.lock() {
            *e = Entries::default();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().map_or(0, |e| e.map.len())
    }
}

/// A few values kept by key, the oldest dropped first: the map's tile indexes
/// (one per layer answer the map is showing, each ~6 MB for 20k hexagons).
pub struct KeptValues<T> {
    max_entries: usize,
    inner: Mutex<VecDeque<(String, Arc<T>)>>,
    flights: SingleFlight,
}

impl<T> KeptValues<T> {
    pub fn new(max_entries: usize) -> Self {
        Self {
            max_entries,
            inner: Mutex::new(VecDeque::new()),
            flights: SingleFlight::default(),
        }
    }

    fn get(&self, key: &str) -> Option<Arc<T>> {
        let kept = self.inner.lock().ok()?;
        kept.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| Arc::clone(v))
    }

    /// The value for `key`, computed once by `compute` on a miss (callers that
    /// miss together wait for one computation).
    pub async fn get_or_compute<E, F>(&self, key: &str, compute: F) -> Result<Arc<T>, E>
    where
        F: std::future::Future<Output = Result<T, E>>,
    {
        self.flights
            .get_or_compute(
                key,
                || self.get(key),
                compute,
                |fresh| {
                    if let Ok(mut kept) = self.inner.lock() {
                        while kept.len() >= self.max_entries.max(1) {
                            kept.pop_front();
                        }
                        kept.push_back((key.to_owned(), fresh));
                    }
                },
            )
            .await
    }

    pub fn clear(&self) {
        if let Ok(mut kept) = self.inner.lock() {
            kept.clear();
        }
    }
}

/// One computation per key at a time: requests that miss the cache together wait
/// for the first to finish and then read its answer from the cache, instead of
/// all computing it (64 connections asking for one fresh 6 MB layer compressed
/// would otherwise compress it 64 times and time out).
#[derive(Default)]
pub struct SingleFlight {
    locks: Mutex<HashMap<String, std::sync::Weak<tokio::sync::Mutex<()>>>>,
}

impl SingleFlight {
    /// Waits until no one else holds `key`; hold the guard while computing.
    pub async fn lock(&self, key: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self
                .locks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(lock) = locks.get(key).and_then(std::sync::Weak::upgrade) {
                lock
            } else {
                // Forget keys no one waits on any more, so the map stays small.
                locks.retain(|_, lock| lock.strong_count() > 0);
                let lock = Arc::new(tokio::sync::Mutex::new(()));
                locks.insert(key.to_owned(), Arc::downgrade(&lock));
                lock
            }
        };
        lock.lock_owned().await
    }

    /// What `get` finds for `key`, else `compute`d once under `key`'s lock
    /// (whoever waited on the lock finds it through `get`) and handed to `keep`.
    pub async fn get_or_compute<T, E, F>(
        &self,
        key: &str,
        get: impl Fn() -> Option<Arc<T>>,
        compute: F,
        keep: impl FnOnce(Arc<T>),
    ) -> Result<Arc<T>, E>
    where
        F: std::future::Future<Output = Result<T, E>>,
    {
        if let Some(hit) = get() {
            return Ok(hit);
        }
        let _flight = self.lock(key).await;
        if let Some(hit) = get() {
            return Ok(hit);
        }
        let fresh = Arc::new(compute.await?);
        keep(Arc::clone(&fresh));
        Ok(fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Polls `lock` once: true when it is granted at once.
    async fn granted_now(flights: &SingleFlight, key: &str) -> bool {
        tokio::select! {
            biased;
            _guard = flights.lock(key) => true,
            () = std::future::ready(()) => false,
        }
    }

    #[tokio::test]
    async fn callers_missing_together_compute_once() {
        let cache = LayerCache::new(1_000);
        let computed = std::sync::atomic::AtomicUsize::new(0);
        let compute = || async {
            computed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            // Let the other caller run while this one holds the key.
            tokio::task::yield_now().await;
            Ok::<_, ()>(Rendered::clone(&rendered(10)))
        };
        let (a, b) = tokio::join!(
            cache.get_or_compute("k", compute()),
            cache.get_or_compute("k", compute())
        );
        assert_eq!(computed.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(
            Arc::ptr_eq(&a.expect("a"), &b.expect("b")),
            "one shared answer"
        );
        // A failed computation keeps nothing: the next caller computes again.
        let failed = cache
            .get_or_compute("e", async { Err::<Rendered, _>("boom") })
            .await;
        assert!(failed.is_err() && cache.get("e").is_none());
    }

    #[tokio::test]
    async fn single_flight_holds_one_key_not_others() {
        let flights = SingleFlight::default();
        let first = flights.lock("layer-a").await;
        assert!(
            !granted_now(&flights, "layer-a").await,
            "a second caller waits"
        );
        assert!(granted_now(&flights, "layer-b").await, "other keys do not");
        drop(first);
        assert!(
            granted_now(&flights, "layer-a").await,
            "free once the first is done"
        );
        // Keys nobody holds are forgotten when a new key comes.
        let _held = flights.lock("layer-c").await;
        let keys: Vec<String> = flights
            .locks
            .lock()
            .expect("locks")
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["layer-c"]);
    }

    fn rendered(n: usize) -> Arc<Rendered> {
        Arc::new(Rendered {
            body: vec![b'x'; n],
            content_type: "text/plain",
            file_name: String::new(),
            rows: 0,
            provenance: None,
        })
    }

    #[test]
    fn bounded_oldest_first() {
        let cache = LayerCache::new(100);
        cache.put("a".into(), rendered(40));
        cache.put("b".into(), rendered(40));
        cache.put("c".into(), rendered(40));
        assert!(cache.get("a").is_none(), "oldest evicted");
        assert!(cache.get("b").is_some() && cache.get("c").is_some());
        cache.put("huge".into(), rendered(101));
        assert!(
            cache.get("huge").is_none(),
            "larger than the cache: not kept"
        );
        cache.clear();
        assert_eq!(cache.len(), 0);
    }
}
