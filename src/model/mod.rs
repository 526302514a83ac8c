//! Domain types shared by every layer: the typed values a report is made of,
//! calendar periods, areas, roles and rejected rows.
//!
//! Everything here is validated on construction (`FromStr` / `parse`), so later
//! layers trust the types instead of re-checking strings. No I/O, and no
//! dependency on any other module of the crate.

mod area;
mod hashing;
mod period;
mod premises;
mod reject;
mod report;
mod role;
mod spreadsheet;

pub use area::{AreaLevel, AreaUnit, Split, EMERGING_CATEGORIES};
pub use hashing::{ContentHashing, MixHasher, MixState};
pub use period::{
    next_period, period_complete, period_end, period_label, period_start, periods, previous_period,
    shift_periods, Step,
};
pub use premises::{name_key, PremisesOrigin, PremisesStatus, Unit, VisitResult};
pub use reject::RowReject;
pub use report::{
    latlng_key, push_latlng_key, push_latlng_key_as_read, ExploitationType, GeocodeMethod, Grading,
    Indicator, IndicatorSet, ReportFields, VenueType,
};
pub(crate) use report::{normalise_word, normalised};
pub use role::Role;
pub use spreadsheet::{spreadsheet_text, unmarked_text};
