//! A row that was read but not accepted: what every layer reports about bad input.

/// A row that was read but not accepted.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowReject {
    pub line: u64,
    /// The input column at fault (canonical name), or `row` for the record as a whole.
    pub field: String,
    pub reason: String,
    pub raw: String,
}
