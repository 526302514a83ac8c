//! Areas that trends are counted by, and the breakdowns of a count.

/// Towns or local authority districts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AreaLevel {
    Town,
    District,
}

/// What an area's count is broken down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Venue,
    Exploitation,
    Child,
    /// Where the report came from (`police_intel`, `helpline`, `public`, ...).
    Source,
    /// The nationality recorded: one, `mixed` when several, `not_recorded`.
    Nationality,
}

/// One row of the partnership release's base table: reports of one quarter by cell (0 when
/// too coarse for the release resolution), town and district.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaUnit {
    pub cell: u64,
    pub town: String,
    pub district: String,
    pub count: u64,
}

/// The emerging hot-spot categories by their interface names, hot then cold
/// then `none` (analysis computes them; the API and pages name them).
pub const EMERGING_CATEGORIES: [&str; 17] = [
    "new_hot",
    "consecutive_hot",
    "intensifying_hot",
    "persistent_hot",
    "diminishing_hot",
    "sporadic_hot",
    "oscillating_hot",
    "historical_hot",
    "new_cold",
    "consecutive_cold",
    "intensifying_cold",
    "persistent_cold",
    "diminishing_cold",
    "sporadic_cold",
    "oscillating_cold",
    "historical_cold",
    "none",
];
