//! CSV rows from `#[derive(Serialize)]` structs: a header of field names
//! (kept for empty answers), numbers as they display, cells in hex.

use std::io::Write;

/// Writes rows under a header of their field names (written for no rows too:
/// the csv crate takes the header from the first row, so an empty answer
/// takes it from a default row's).
pub(super) fn write_csv<R: serde::Serialize + Default>(
    mut out: impl Write,
    rows: impl Iterator<Item = R>,
) -> std::io::Result<()> {
    let mut rows = rows.peekable();
    if rows.peek().is_none() {
        let mut header = csv::Writer::from_writer(Vec::new());
        header
            .serialize(R::default())
            .map_err(std::io::Error::other)?;
        let bytes = header
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let end = bytes
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| i + 1);
        return out.write_all(&bytes[..end]);
    }
    let mut w = csv::Writer::from_writer(out);
    for row in rows {
        w.serialize(row).map_err(std::io::Error::other)?;
    }
    w.flush()
}

/// An H3 index as the CSVs write it: lowercase hex, as `CellIndex` displays.
#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with passes the field by reference"
)]
pub(super) fn h3_hex<S: serde::Serializer>(cell: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{cell:x}"))
}

/// A CSV field written as the value displays (`0.5`, `1`, not `1.0`): the
/// cells' numbers as they always were, and H3 indexes in hex.
pub(super) fn display<T: std::fmt::Display, S: serde::Serializer>(
    value: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// `key:count;...`, the CSVs' form of a breakdown.
pub(super) fn joined<'a>(items: impl IntoIterator<Item = (&'a str, u64)>) -> String {
    items
        .into_iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(";")
}
