//! Analysis: Getis-Ord Gi* hot spots with FDR, emerging hot spots, change tests,
//! linking reports to premises, and the measures of what visits found.
//!
//! **Must not** do I/O: every function takes values and returns values, so it
//! cannot fail on I/O and is checked against reference implementations.

pub mod areas;
pub mod context;
pub mod emerging;
pub mod gistar;
pub mod linking;
pub mod outcomes;
pub mod rates;
pub mod stats;

pub use areas::{hotspot_areas, CellReports, HotspotArea, ReportsByCell};
pub use context::AreaContext;
pub use emerging::{classify, Category, Emerging, TREND_ALPHA};
pub use gistar::{
    clear_thin_hot_cells, gi_star, gi_star_sparse, permutation_p, ring_reports, ring_totals,
    space_time_factor, GiStar, Kernel, Neighbours, Rings, SparseGiStar, StudyArea,
};
pub use stats::{
    bh_threshold, bins, change_q_values, mann_kendall, poisson_change_p, two_sided_p, MannKendall,
    CHANGE_ALPHA,
};
