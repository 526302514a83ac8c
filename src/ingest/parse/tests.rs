//! Row validation, one table row per rule: the input columns and what must come out.

use super::*;

fn context() -> ParseContext {
    ParseContext {
        today: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
        default_source: None,
        content_hashing: ContentHashing::Xxh3,
    }
}

fn row(pairs: &[(&str, &str)]) -> RawRow {
    let mut row = RawRow::new(7, "raw text".into());
    for (header, value) in pairs {
        let column =
            Column::from_header(header).unwrap_or_else(|| panic!("{header} is not a column"));
        row.set(column, (*value).to_owned());
    }
    row
}

const BASE: &[(&str, &str)] = &[
    ("date", "2023-05-04"),
    ("venue", "car wash"),
    ("postcode", "PE13 1AA"),
];

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut pairs: Vec<(&str, &str)> = BASE.to_vec();
    for (k, v) in extra {
        let column = Column::from_header(k);
        pairs.retain(|(bk, _)| Column::from_header(bk) != column);
        pairs.push((k, v));
    }
    pairs
}

fn parse(pairs: &[(&str, &str)]) -> Result<ParsedReport, RowReject> {
    parse_row(&row(pairs), &context())
}

/// `(extra columns, rejected field)`: each must be rejected on exactly that field.
#[test]
fn rejects_name_the_field() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("date", "")], "observed_on"),
        (&[("date", "04/25/2023")], "observed_on"), // US order: month 25
        (&[("date", "31/02/2023")], "observed_on"),
        (&[("date", "1999-12-31")], "observed_on"),
        (&[("date", "2030-01-01")], "observed_on"),
        (&[("date", "yesterday")], "observed_on"),
        (&[("date", "4/5/23")], "observed_on"),
        (&[("venue", "casino")], "venue_type"),
        (&[("venue", "")], "venue_type"),
        (&[("exploitation", "tax")], "exploitation_type"),
        (&[("indicators", "no_ppe;telepathy")], "indicators"),
        (&[("persons", "-1")], "persons_count"),
        (&[("persons", "three")], "persons_count"),
        (&[("child", "maybe")], "child_involved"),
        (&[("grading", "5ZZ")], "grading"),
        (&[("postcode", "NOT A POSTCODE")], "postcode"),
        (&[("lat", "52.6")], "lng"),
        (&[("lng", "0.15")], "lat"),
        (&[("lat", "north"), ("lng", "0.1")], "lat"),
        (&[("lat", "95"), ("lng", "0.1")], "lat"),
        (&[("lat", "52"), ("lng", "190")], "lng"),
        (&[("lat", "NaN"), ("lng", "0.1")], "lat"),
        (&[("easting", "545978")], "northing"),
        (&[("easting", "-5"), ("northing", "10")], "easting"),
        (&[("easting", "5"), ("northing", "2000000")], "northing"),
        (&[("lat", "52,6,1"), ("lng", "0.1")], "lat"),
        (&[("lat", "52,"), ("lng", "0.1")], "lat"),
        (&[("lat", "52.6"), ("lng", ",5")], "lng"),
        (&[("lat", "52,6e1"), ("lng", "0.1")], "lat"),
        (&[("easting", "546,100"), ("northing", "310200")], "easting"),
        (&[("grid_ref", "TL 123 45")], "grid_ref"),
        (&[("ngr", "TL")], "grid_ref"),
        // Checked for shape even where a finer location is given.
        (
            &[
                ("lat", "52.6"),
                ("lng", "0.1"),
                ("os grid ref", "52.6, 0.1"),
            ],
            "grid_ref",
        ),
    ];
    for (extra, field) in cases {
        let got = parse(&with(extra));
        match got {
            Err(reject) => {
                assert_eq!(reject.field, *field, "{extra:?}: {}", reject.reason);
                assert_eq!(reject.line, 7);
                assert_eq!(reject.raw, "raw text");
                assert!(!reject.reason.is_empty());
            }
            Ok(ok) => panic!("{extra:?} should be rejected on {field}, got {ok:?}"),
        }
    }
    let none = parse(&[("date", "2023-05-04"), ("venue", "farm")]).unwrap_err();
    assert!(none.reason.starts_with("no location"), "{}", none.reason);
}

#[test]
fn dates_iso_and_uk_order() {
    for (text, expected) in [
        ("2023-05-04", (2023, 5, 4)),
        ("04/05/2023", (2023, 5, 4)), // 4 May, never 5 April
        ("4/5/2023", (2023, 5, 4)),
        ("25/12/2022", (2022, 12, 25)),
        ("2023-05-04T23:30:00Z", (2023, 5, 4)),
        ("2023-05-04T10:00:00+01:00", (2023, 5, 4)),
        ("2023-05-04 10:00", (2023, 5, 4)),
        ("04/05/2023 10:15", (2023, 5, 4)),
        // Day first with dots or dashes, as written across Europe.
        ("04.05.2023", (2023, 5, 4)),
        ("4-5-2023", (2023, 5, 4)),
        ("04-05-2023 10:15", (2023, 5, 4)),
        // Year first, whatever the separator.
        ("2023/05/04", (2023, 5, 4)),
        ("2023.5.4", (2023, 5, 4)),
        // A month by its English name, whole or cut.
        ("4 May 2023", (2023, 5, 4)),
        ("4th may 2023 10:15", (2023, 5, 4)),
        ("1 Sept 2023", (2023, 9, 1)),
        ("31 Dec. 2022", (2022, 12, 31)),
        ("02 February, 2023", (2023, 2, 2)),
        ("29/02/2024", (2024, 2, 29)),
    ] {
        let got =
            parse(&with(&[("date", text)])).unwrap_or_else(|e| panic!("{text}: {}", e.reason));
        let (y, m, d) = expected;
        assert_eq!(
            got.fields.observed_on,
            NaiveDate::from_ymd_opt(y, m, d).expect("date"),
            "{text}"
        );
    }
    for (text, says) in [
        ("04/05/23", "two-digit year"),
        ("4.5.23", "two-digit year"),
        (
            "31/02/2023",
            "not a valid date: February 2023 has 28 days, not 31 (read as DD/MM/YYYY, day first)",
        ),
        (
            "31 February 2023",
            "not a valid date: February 2023 has 28 days, not 31 (read as day, month, year)",
        ),
        (
            "2025-13-01",
            "not a valid date: there is no month 13 (read as YYYY-MM-DD, year first)",
        ),
        (
            "2025-04-31",
            "not a valid date: April 2025 has 30 days, not 31 (read as YYYY-MM-DD, year first)",
        ),
        (
            "12/25/2024",
            "not a valid date: there is no month 25 (read as DD/MM/YYYY, day first)",
        ),
        (
            "00/05/2024",
            "not a valid date: there is no day 0 (read as DD/MM/YYYY, day first)",
        ),
        ("May 4 2023", "not a date"),
        ("4 Ma 2023", "not a date"),
        ("4 May 23", "not a date"),
        ("4/5", "not a date"),
        ("2023-05", "not a date"),
        ("2023-05-04T10:00+25:00", "use YYYY-MM-DD"),
    ] {
        let reason = parse(&with(&[("date", text)]))
            .map_or_else(|e| e.reason, |_| format!("{text} was read as a date"));
        assert!(reason.contains(says), "{text}: {reason}");
    }
    // Today is allowed; tomorrow is not.
    assert!(parse(&with(&[("date", "2026-11-23")])).is_ok());
    assert!(parse(&with(&[("date", "24/11/2026")])).is_err());
}

#[test]
fn every_column_typed() {
    let got = parse(&with(&[
        ("ID", "CAMB-1"),
        ("Source", "Police Intel"),
        ("Exploitation", "Labour"),
        ("indicators", "no_ppe; Cash only ;debt-bondage"),
        ("persons_count", "4"),
        ("nationality", "Lithuanian;Latvian"),
        ("child", "Yes"),
        ("grading", "1/b/p"),
        ("venue_name", "  Sparkle Hand Car Wash "),
        (
            "notes",
            "<script>alert(1)</script> '; DROP TABLE reports; --",
        ),
    ]))
    .expect("valid");
    let f = &got.fields;
    assert_eq!(got.report_id(), "CAMB-1");
    assert_eq!(f.source, "police_intel");
    assert_eq!(f.venue_type, VenueType::CarWash);
    assert_eq!(f.exploitation_type, ExploitationType::Labour);
    assert_eq!(f.indicators.to_string(), "no_ppe;cash_only;debt_bondage");
    assert_eq!(f.persons_count, Some(4));
    assert_eq!(f.nationalities, vec!["Lithuanian", "Latvian"]);
    assert_eq!(f.child_involved, Some(true));
    assert_eq!(f.grading.map(|g| g.to_string()).as_deref(), Some("1BP"));
    assert_eq!(f.venue_name.as_deref(), Some("Sparkle Hand Car Wash"));
    assert_eq!(
        f.notes.as_deref(),
        Some("<script>alert(1)</script> '; DROP TABLE reports; --")
    );
    assert_eq!(
        got.location,
        LocationInput::Postcode("PE13 1AA".parse().expect("pc"))
    );
}

#[test]
fn location_forms_and_precision() {
    let loc = |extra: &[(&'static str, &'static str)]| parse(&with(extra)).expect("valid").location;
    assert_eq!(
        loc(&[("latitude", "52.66622"), ("lon", "0.15938")]),
        LocationInput::LatLng {
            lat: 52.666_22,
            lng: 0.159_38,
            precision_m: 10.0
        }
    );
    assert_eq!(
        loc(&[("lat", "52.67"), ("lng", "0.16")]),
        LocationInput::LatLng {
            lat: 52.67,
            lng: 0.16,
            precision_m: 557.0
        }
    );
    assert_eq!(
        loc(&[("easting", "545978"), ("northing", "310015")]),
        LocationInput::Grid {
            easting: 545_978.0,
            northing: 310_015.0,
            precision_m: 1.0
        }
    );
    assert_eq!(
        loc(&[("easting", "546000"), ("northing", "310100")]),
        LocationInput::Grid {
            easting: 546_000.0,
            northing: 310_100.0,
            precision_m: 100.0
        }
    );
    let only = |pairs: &[(&str, &str)]| {
        let mut all = vec![("date", "2023-05-04"), ("venue", "farm")];
        all.extend_from_slice(pairs);
        parse(&all).expect("valid").location
    };
    assert_eq!(
        only(&[("town", "March, Cambridgeshire")]),
        LocationInput::Place {
            name: "March".into(),
            county: Some("Cambridgeshire".into())
        }
    );
    assert_eq!(
        only(&[("place", "Sandy"), ("county", "Bedfordshire")]),
        LocationInput::Place {
            name: "Sandy".into(),
            county: Some("Bedfordshire".into())
        }
    );
    assert_eq!(
        only(&[("address", "1 Main St, Wisbech")]),
        LocationInput::Address("1 Main St, Wisbech".into())
    );
    assert_eq!(
        only(&[("postcode", "pe13")]),
        LocationInput::Postcode(Postcode::Outward("PE13".into()))
    );
    // A grid reference: after a point or eastings, before a postcode.
    let reference: crate::geo::GridRef = "TF 460 100".parse().expect("reference");
    assert_eq!(
        only(&[
            ("grid reference", "tf 460 100"),
            ("postcode", "PE13 1AA"),
            ("town", "Wisbech")
        ]),
        LocationInput::GridRef(reference.clone())
    );
    assert_eq!(
        only(&[
            ("gridref", "TF460100"),
            ("easting", "546000"),
            ("northing", "310100")
        ]),
        LocationInput::Grid {
            easting: 546_000.0,
            northing: 310_100.0,
            precision_m: 100.0
        }
    );
    assert_eq!(LocationInput::GridRef(reference).canonical(), "gr:TF460100");
}

/// A count written with thousands separators is the count; a separator
/// that does not group thousands is a reject.
#[test]
fn counts_with_thousands_separators() {
    let plain = parse(&with(&[("persons", "1200")])).expect("plain");
    assert_eq!(plain.fields.persons_count, Some(1200));
    for written in [
        "1,200",
        "1.200",
        "1 200",
        "1\u{a0}200",
        "1\u{202f}200",
        "1'200",
    ] {
        let grouped = parse(&with(&[("persons", written)])).expect(written);
        assert_eq!(grouped.fields.persons_count, Some(1200), "{written}");
        assert_eq!(grouped.content_hash, plain.content_hash, "{written}");
    }
    assert_eq!(
        parse(&with(&[("persons", "10,000")])).map(|p| p.fields.persons_count),
        Ok(Some(10_000))
    );
    for wrong in [
        "1,2",
        "12,00",
        "1,2000",
        "1200,000",
        ",200",
        "1,,200",
        "1,200.5",
        "1.200,000",
        "1,200 300",
        "10,001",
        "1,000,000",
        "1_200",
        "-1,200",
    ] {
        let reject = parse(&with(&[("persons", wrong)])).expect_err(wrong);
        assert_eq!(reject.field, "persons_count", "{wrong}");
    }
}

/// A spreadsheet in a locale with a decimal comma writes `52,66622`: the same
/// point, the same precision and the same content hash as `52.66622`; grid
/// metres take no separator, and the reject says how to write them.
#[test]
fn degrees_with_a_decimal_comma() {
    let dotted = parse(&with(&[("lat", "52.66622"), ("lng", "-0.15938")])).expect("dotted");
    let comma = parse(&with(&[("lat", "52,66622"), ("lng", "-0,15938")])).expect("comma");
    assert_eq!(comma.location, dotted.location);
    assert_eq!(comma.content_hash, dotted.content_hash);
    let coarse = parse(&with(&[("lat", "52,67"), ("lng", "0,16")])).expect("coarse");
    assert_eq!(
        coarse.location,
        LocationInput::LatLng {
            lat: 52.67,
            lng: 0.16,
            precision_m: 557.0
        }
    );
    // Grid metres under degree names are said to look like them.
    let metres = parse(&with(&[("lat", "310200"), ("lng", "546100")])).unwrap_err();
    assert_eq!(metres.field, "lat");
    assert!(
        metres.reason.starts_with(
            "310200 is not a latitude (-90..90) (these look like British National Grid metres"
        ),
        "{}",
        metres.reason
    );
    let far = parse(&with(&[("lat", "52.6"), ("lng", "546100")])).unwrap_err();
    assert_eq!(far.reason, "546100 is not a longitude (-180..180)");
    let grid = parse(&with(&[("easting", "546,100"), ("northing", "310200")])).unwrap_err();
    assert_eq!(
        grid.reason,
        "\"546,100\" is not a number (give metres without separators, e.g. 546100)"
    );
}

#[test]
fn identity_and_content_hash() {
    let a = parse(BASE).expect("valid");
    let b = parse(BASE).expect("valid");
    assert_eq!(a.content_hash, b.content_hash);
    assert!(a.report_id().starts_with("auto-"));
    let c = parse(&with(&[("notes", "different")])).expect("valid");
    assert_ne!(a.content_hash, c.content_hash);
    assert_ne!(a.report_id(), c.report_id());
    // Default source applies only when the row has none.
    let ctx = ParseContext {
        default_source: Some("helpline".into()),
        ..context()
    };
    assert_eq!(
        parse_row(&row(BASE), &ctx).expect("valid").fields.source,
        "helpline"
    );
}

#[test]
fn header_aliases_map_to_columns() {
    for (header, column) in [
        ("id", Column::ReportId),
        ("Report ID", Column::ReportId),
        ("\u{feff}report_id", Column::ReportId),
        ("date", Column::ObservedOn),
        ("reported_at", Column::ObservedOn),
        ("VENUE", Column::VenueType),
        ("latitude", Column::Lat),
        ("longitude", Column::Lng),
        ("lon", Column::Lng),
        ("place", Column::Town),
    ] {
        assert_eq!(Column::from_header(header), Some(column), "{header}");
    }
    assert_eq!(Column::from_header("colour"), None);
}

/// The hand-written fast path agrees with chrono wherever it answers, and
/// leaves everything else to the general path.
#[test]
fn plain_iso_dates_agree_with_chrono() {
    for text in [
        "2023-05-04",
        "2024-02-29",
        "2023-02-29",
        "2023-13-01",
        "2023-00-10",
        "2023-05-00",
        "2023-05-04T23:30:00Z",
        "2023-05-04T24:00:00Z",
        "2023-05-04T23:60:00Z",
        "2016-12-31T23:59:60Z",
        "2023-05-04T23:30:00+01:00",
        "2023-05-04X23:30:00Z",
        "2023-5-04",
        "+2023-05-0",
        "2023/05/04",
        "２０２３-05-04",
    ] {
        let fast = plain_iso_date(text);
        let chrono = chrono::DateTime::parse_from_rfc3339(text)
            .map(|d| d.date_naive())
            .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
            .ok();
        if let Some(date) = fast {
            assert_eq!(Some(date), chrono, "{text}");
        }
    }
    assert_eq!(
        plain_iso_date("2023-05-04T23:30:00Z"),
        NaiveDate::from_ymd_opt(2023, 5, 4)
    );
    assert_eq!(
        plain_iso_date("2023-05-04"),
        NaiveDate::from_ymd_opt(2023, 5, 4)
    );
    assert_eq!(plain_iso_date("2023-02-29"), None);
}

/// The content hash holds the date as chrono's `Display` writes it.
#[test]
fn iso_date_text_is_chronos() {
    let mut day = NaiveDate::from_ymd_opt(999, 12, 25).expect("date");
    let last = NaiveDate::from_ymd_opt(10_001, 1, 1).expect("date");
    while day <= last {
        let mut ours = String::new();
        super::push_iso_date(&mut ours, day);
        assert_eq!(ours, day.to_string());
        day += chrono::Duration::days(13);
    }
}

/// Stored reports keep their content hash, and reports without an id their
/// `auto-` id, so the hashed text may never change: the fields in a fixed
/// order, each followed by 0x1f, the location in its canonical form (`ll:`
/// with the shortest digits that read back, `pc:`, `en:`, `pl:`). The hash is
/// the database's scheme (`ContentHashing`, checked against references in
/// `model`); an `auto-` id is the text's SHA-256 under either.
#[test]
fn content_hashes_are_of_the_documented_text() {
    use sha2::{Digest, Sha256};
    let sha256 = |text: &str| -> String { hex::encode(&Sha256::digest(text.as_bytes())[..16]) };
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[
                ("report_id", "R7"),
                ("source", "Helpline"),
                ("date", "2023-05-04"),
                ("venue", "nail bar"),
                ("indicators", "cash only;no_ppe"),
                ("persons_count", "3"),
                ("child_involved", "no"),
                ("grading", "1AP"),
                ("notes", "Two vans"),
                ("lat", "52.6660"),
                ("lng", "0.158"),
            ],
            "R7\x1fhelpline\x1f2023-05-04\x1fnail_bar\x1f\x1funknown\x1fno_ppe;cash_only\x1f3\x1f\x1fn\x1f1AP\x1fTwo vans\x1fll:52.666:0.158\x1f",
        ),
        (
            &[("date", "2023-05-04"), ("venue", "car wash"), ("postcode", "PE13 1AA")],
            "\x1funspecified\x1f2023-05-04\x1fcar_wash\x1f\x1funknown\x1f\x1f\x1f\x1f\x1f\x1f\x1fpc:PE13 1AA\x1f",
        ),
        (
            &[("date", "2021-12-31"), ("venue", "farm"), ("easting", "545000"), ("northing", "310000")],
            "\x1funspecified\x1f2021-12-31\x1ffarm\x1f\x1funknown\x1f\x1f\x1f\x1f\x1f\x1f\x1fen:545000:310000\x1f",
        ),
        (
            &[("date", "2022-01-02"), ("venue", "other"), ("lat", "-0.0"), ("lng", "1e-7")],
            "\x1funspecified\x1f2022-01-02\x1fother\x1f\x1funknown\x1f\x1f\x1f\x1f\x1f\x1f\x1fll:-0:0.0000001\x1f",
        ),
    ];
    for content_hashing in [ContentHashing::Sha256, ContentHashing::Xxh3] {
        let context = ParseContext {
            content_hashing,
            ..context()
        };
        for (pairs, text) in cases {
            let parsed =
                parse_row(&row(pairs), &context).unwrap_or_else(|e| panic!("{pairs:?}: {e:?}"));
            let what = format!("{content_hashing:?} {pairs:?}");
            assert_eq!(
                parsed.content_hash,
                content_hashing.digest(text.as_bytes()),
                "{what}"
            );
            let id = parsed
                .fields
                .report_id
                .clone()
                .unwrap_or_else(|| format!("auto-{}", sha256(text)));
            assert_eq!(parsed.report_id(), id, "{what}");
        }
    }
}

/// Text fields are limited in characters, not bytes: notes of exactly the
/// limit pass in ASCII and in two-byte letters (twice as many bytes), and
/// one character more is rejected on that field, in both.
#[test]
fn text_limits_count_characters() {
    for letter in ["a", "é"] {
        let at_limit = letter.repeat(MAX_TEXT);
        let over = letter.repeat(MAX_TEXT + 1);
        let parsed = parse(&with(&[])).map(|_| ());
        assert!(parsed.is_ok(), "{parsed:?}");
        let mut pairs = with(&[]);
        pairs.push(("notes", &at_limit));
        let notes = parse(&pairs).map(|p| p.fields.notes).map_err(|r| r.reason);
        let notes = notes.expect("notes at the limit");
        assert_eq!(notes.map(|n| n.chars().count()), Some(MAX_TEXT), "{letter}");
        let mut pairs = with(&[]);
        pairs.push(("notes", &over));
        let Err(reject) = parse(&pairs) else {
            panic!("notes of {} {letter:?} were accepted", MAX_TEXT + 1);
        };
        assert_eq!(reject.field, "notes", "{letter}");
        assert!(reject.reason.contains("longer than"), "{}", reject.reason);
    }
}
