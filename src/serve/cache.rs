//! A bounded in-memory cache of rendered layers, keyed by ETag (which already
//! holds the data version, the role and the canonical query). Emptied when the
//! data version moves; the oldest entries go first when it is full.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::render::Rendered;

pub struct LayerCache {
    max_bytes: usize,
    inner: Mutex<Entries>,
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
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(n: usize) -> Arc<Rendered> {
        Arc::new(Rendered {
            body: vec![b'x'; n],
            content_type: "text/plain",
            file_name: String::new(),
            rows: 0,
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
