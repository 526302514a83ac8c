//! A CSV header checked for the columns every row needs. Without one, every
//! row would be rejected for the same reason (a police.uk file has `Month`, a
//! council's may have `Date of visit`), so the file stops at line 1 instead,
//! saying what it lacks, the names read as it and the file's own columns that
//! were not read.

/// The columns every data.police.uk street-level file has (the rest are
/// optional): `context` requires them, and a report file's header check
/// tells such a file apart (here, so that `read` need not know `context`).
pub(super) const POLICE_UK_STREET_COLUMNS: [&str; 5] = [
    "Month",
    "Falls within",
    "Longitude",
    "Latitude",
    "Crime type",
];

/// How many of the columns not read a message lists.
const LISTED: usize = 12;

/// `a`, `a or b`, `a, b or c`.
pub(super) fn alternatives(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [first @ .., last] => format!("{} or {last}", first.join(", ")),
    }
}

/// `place (...)` when no column of the header (`has`, by canonical name) can
/// give a row its place; `also` names one more column that can (a visit's
/// premises).
pub(super) fn place_lacking(has: impl Fn(&str) -> bool, also: Option<&str>) -> Option<String> {
    let pairs = [("lat", "lng"), ("easting", "northing")];
    let whole = pairs.iter().any(|(a, b)| has(a) && has(b))
        || ["grid_ref", "postcode", "town", "address"]
            .into_iter()
            .chain(also)
            .any(&has);
    if whole {
        return None;
    }
    let half = pairs
        .iter()
        .flat_map(|&(a, b)| [(a, b), (b, a)])
        .find(|(given, _)| has(given))
        .map(|(given, other)| format!("; {given} is given without {other}"))
        .unwrap_or_default();
    let also = also.map(|c| format!(", {c}")).unwrap_or_default();
    Some(format!(
        "place (lat and lng, easting and northing, grid_ref, postcode, town{also} or address{half})"
    ))
}

/// The file's error when `lacking` names anything: `whose` is the row's
/// owner (`each report's`); `unread` the file's headers that name no column.
pub(super) fn lacking_message<'h>(
    whose: &str,
    lacking: &[String],
    unread: impl Iterator<Item = &'h [u8]>,
) -> Option<String> {
    if lacking.is_empty() {
        return None;
    }
    let unread: Vec<String> = unread
        .map(|header| {
            // A file that is not CSV at all has its first bytes for a header.
            let name = String::from_utf8_lossy(header);
            match name.char_indices().nth(40) {
                Some((cut, _)) => format!("{:?}…", &name[..cut]),
                None => format!("{name:?}"),
            }
        })
        .collect();
    let unread = match unread.len() {
        0 => String::new(),
        n if n > LISTED => format!(
            "; the columns not read are {}, and {} more",
            unread[..LISTED].join(", "),
            n - LISTED
        ),
        _ => format!("; the columns not read are {}", unread.join(", ")),
    };
    Some(format!(
        "header: no column gives {whose} {}{unread}",
        lacking.join(", nor its ")
    ))
}
