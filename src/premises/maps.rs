//! The Gi* maps premises and visits are classed by, remembered: the outcome
//! summary needs one map per visit day and the premises list one per request,
//! and a map costs a Gi* pass over the study area (an emerging map one per
//! month of it). Kept per data version and query, only what classes a cell
//! (non-zero bins, categories), so an entry is a few kilobytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::publish::{emerging, hot_bins, LayerError, LayerQuery};
use crate::store::Store;

/// A hot-spot map, as classing needs it.
#[derive(Debug, Default)]
pub(super) struct BinMap {
    /// Cells whose bin is not 0.
    bins: HashMap<u64, i8>,
    pub(super) hot_cells: u64,
    /// Cells in the study area.
    pub(super) cells: u64,
}

impl BinMap {
    /// A cell's bin (0 outside the study area or not significant).
    pub(super) fn bin(&self, cell: u64) -> i8 {
        self.bins.get(&cell).copied().unwrap_or(0)
    }
}

/// Emerging categories by cell (cells with reports in the window).
pub(super) type CategoryMap = HashMap<u64, String>;

enum Kept {
    Bins(Arc<BinMap>),
    Categories(Arc<CategoryMap>),
}

/// Entries kept, at most (oldest dropped first).
const KEPT: usize = 2_048;

fn kept() -> &'static Mutex<Vec<(String, Kept)>> {
    static KEPT_MAPS: std::sync::OnceLock<Mutex<Vec<(String, Kept)>>> = std::sync::OnceLock::new();
    KEPT_MAPS.get_or_init(|| Mutex::new(Vec::new()))
}

fn remember(key: String, value: Kept) {
    let mut kept = kept().lock().unwrap_or_else(PoisonError::into_inner);
    if kept.len() >= KEPT {
        kept.remove(0);
    }
    kept.push((key, value));
}

/// The maps of one version of the data: what a request classes by. The
/// version (latest run, report count) is read once here, not once a map:
/// the outcome summary asks for two maps per visit day, and a query per map
/// was most of its time.
pub(super) struct Maps<'a> {
    store: &'a Store,
    version: String,
}

impl<'a> Maps<'a> {
    /// The maps of `store`'s data as it is now.
    pub(super) fn of(store: &'a Store) -> Result<Self, LayerError> {
        let (run, reports) = store.data_version()?;
        Ok(Self {
            store,
            // The database's number, not its path: in-memory databases share
            // a path, and two of them can be at the same run and count.
            version: format!("{}|{run}|{reports}", store.database_id()),
        })
    }

    fn key(&self, kind: &str, query: &LayerQuery) -> String {
        format!("{}|{kind}|{query:?}", self.version)
    }

    /// The Gi* map of `query` (its period, filters, resolution, k, kernel, FDR).
    pub(super) fn bins(&self, query: &LayerQuery) -> Result<Arc<BinMap>, LayerError> {
        let key = self.key("bins", query);
        {
            let kept = kept().lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, Kept::Bins(map))) = kept.iter().find(|(k, _)| *k == key) {
                return Ok(Arc::clone(map));
            }
        }
        let (area, bins) = hot_bins(self.store, query)?;
        let map = Arc::new(BinMap {
            bins: bins
                .iter()
                .map(|(i, bin)| (u64::from(area.cells()[*i]), *bin))
                .collect(),
            hot_cells: bins.iter().filter(|(_, bin)| *bin >= 1).count() as u64,
            cells: area.len() as u64,
        });
        remember(key, Kept::Bins(Arc::clone(&map)));
        Ok(map)
    }

    /// The emerging hot-spot categories of `query`.
    pub(super) fn categories(&self, query: &LayerQuery) -> Result<Arc<CategoryMap>, LayerError> {
        let key = self.key("categories", query);
        {
            let kept = kept().lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, Kept::Categories(map))) = kept.iter().find(|(k, _)| *k == key) {
                return Ok(Arc::clone(map));
            }
        }
        let map: Arc<CategoryMap> = Arc::new(
            emerging(self.store, query)?
                .2
                .iter()
                .map(|c| (u64::from(c.cell), c.category.name()))
                .collect(),
        );
        remember(key, Kept::Categories(Arc::clone(&map)));
        Ok(map)
    }
}
