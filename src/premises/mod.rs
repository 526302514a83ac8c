//! From hot cells to the places to visit, and whether the visits found
//! anything: linking reports to premises (`link`), the repeat-premises list
//! (`repeat`), and the outcome summary that measures the map (`outcomes`).
//!
//! Reading and storing registers is `ingest`'s; the statistics are
//! `analysis`'s; this layer puts them together over the store, and asks
//! `publish` for the Gi* maps it classes premises and visits by.

mod briefing;
mod link;
mod maps;
mod outcomes;
mod params;
mod render;
mod repeat;

pub use crate::analysis::outcomes::HitRate;
pub use briefing::{briefing, AreaVisit, Briefing, BriefingArea, VisitTotals};
pub use link::{link_in, linking_before_commit, relink, LinkSummary};
pub use outcomes::{
    outcome_summary, AreaVisits, AreasVisited, OutcomeSummary, SummaryQuery, NO_REPORTS,
};
pub use params::{parse_premises, PremisesFormat, PremisesRequest, OWN_PARAMETERS};
pub use render::{premises_csv, premises_geojson, premises_rendered};
pub use repeat::{premises_bounds, repeat_premises, PremisesQuery, PremisesRow, PremisesSort};
