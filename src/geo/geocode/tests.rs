//! Geocoding checked against independent values: Ordnance Survey's published
//! OSTN15 worked example, raw Code-Point Open rows and GeoNames coordinates.

use super::*;

fn geocoder() -> Geocoder {
    Geocoder::default()
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

/// OS "Transformations and OSGM15 user guide", worked example (Caister Water
/// Tower): OSGB36 E 651409.804, N 313177.450 = ETRS89 52.658007833 N, 1.716073973 E.
#[test]
fn bng_matches_ordnance_survey_worked_example() {
    let (lng, lat) = bng_to_wgs84(651_409.804, 313_177.450).expect("inside OSTN15");
    assert!(close(lat, 52.658_007_833, 1e-8), "lat {lat}");
    assert!(close(lng, 1.716_073_973, 1e-8), "lng {lng}");
}

#[test]
fn bng_outside_grid_is_an_error() {
    assert!(matches!(
        bng_to_wgs84(-10.0, 5.0),
        Err(GeocodeError::GridOutOfRange { .. })
    ));
}

#[test]
fn uk_outline_not_a_rectangle() {
    let g = Gazetteer::embedded();
    for (name, lat, lng) in [
        ("Wisbech", 52.666, 0.159),
        ("Belfast", 54.597, -5.930),
        ("Lerwick, Shetland", 60.155, -1.145),
        ("St Mary's, Scilly", 49.914, -6.311),
        ("Hunstanton, on the Wash shore", 52.939, 0.488),
        ("the Wash 1 km off Hunstanton", 52.940, 0.472),
        ("Dover harbour", 51.118, 1.320),
        (
            "Mersea Island marshes (a real postcode, off the 1:10m outline)",
            51.777,
            0.920,
        ),
    ] {
        assert!(g.in_uk(lat, lng), "{name} should be in the UK");
    }
    for (name, lat, lng) in [
        ("Dieppe", 49.922, 1.078),
        ("Calais", 50.951, 1.858),
        ("Dublin", 53.350, -6.260),
        ("Dundalk", 54.004, -6.405),
        ("mid North Sea", 54.0, 3.0),
        ("Douglas, Isle of Man (a Crown dependency)", 54.150, -4.480),
        ("English Channel mid-way", 50.3, -1.0),
    ] {
        assert!(!g.in_uk(lat, lng), "{name} should be outside the UK");
    }
}

#[test]
fn wgs84_outside_uk_rejected_with_field() {
    let err = geocoder()
        .geocode(&LocationInput::LatLng {
            lat: 49.922,
            lng: 1.078,
            precision_m: 10.0,
        })
        .unwrap_err();
    assert_eq!(err.field(), "lat");
    assert!(err.to_string().contains("outside the UK"));
}

/// A point outside the UK that a common slip explains says so: columns the
/// wrong way round, or a west longitude without its minus (Bristol, 51.4545 N
/// 2.5879 W, written both ways); a point that is simply abroad (Paris) or
/// at sea just east of the meridian does not.
#[test]
fn outside_the_uk_names_the_slip_that_would_put_it_inside() {
    let outside = |lat: f64, lng: f64| -> String {
        let err = geocoder()
            .geocode(&LocationInput::LatLng {
                lat,
                lng,
                precision_m: 10.0,
            })
            .expect_err("outside the UK");
        assert_eq!(err.field(), "lat");
        err.to_string()
    };
    assert_eq!(
        outside(-2.5879, 51.4545),
        "-2.5879, 51.4545 is outside the UK (latitude and longitude swapped? \
         51.4545, -2.5879 is in it)"
    );
    assert_eq!(
        outside(51.4545, 2.5879),
        "51.4545, 2.5879 is outside the UK (a west longitude without its minus? \
         51.4545, -2.5879 is in it)"
    );
    assert_eq!(
        outside(48.8566, 2.3522),
        "48.8566, 2.3522 is outside the UK"
    );
    // In the Wash, east of the meridian: the sea, not a slip (52.9875 N
    // 0.2361 W is on land, but east longitudes this small are the UK's own).
    assert!(Gazetteer::embedded().in_uk(52.9875, -0.2361));
    assert_eq!(
        outside(52.9875, 0.2361),
        "52.9875, 0.2361 is outside the UK"
    );
}

/// Raw Code-Point Open row: "PE13 1AA",10,545978,310015,... (Wisbech).
#[test]
fn full_postcode_any_spacing_is_the_code_point_centroid() {
    let (lng, lat) = bng_to_wgs84(545_978.0, 310_015.0).expect("in grid");
    for text in ["PE13 1AA", "pe131aa", "Pe13  1Aa"] {
        let got = geocoder()
            .geocode(&LocationInput::Postcode(text.parse().expect("postcode")))
            .expect("known");
        assert_eq!(got.method, GeocodeMethod::Postcode);
        assert!(
            close(got.lat, lat, 1e-9) && close(got.lng, lng, 1e-9),
            "{text}: {got:?}"
        );
        assert!((got.precision_m - 100.0).abs() < f64::EPSILON);
    }
    // Independent cross-check: GeoNames puts Wisbech at 52.66622 N, 0.15938 E.
    assert!(haversine_m(lat, lng, 52.666_22, 0.159_38) < 1500.0);
    let unit = Gazetteer::embedded()
        .postcode_unit(*b"LU5 6HR")
        .expect("LU5 6HR");
    assert_eq!((unit.easting, unit.northing), (502_972, 228_680));
    let (code, name) = Gazetteer::embedded()
        .district(unit.district_index)
        .expect("district");
    assert_eq!((code, name), ("E06000056", "Central Bedfordshire"));
}

#[test]
fn unknown_postcode_is_rejected_not_guessed() {
    let err = geocoder()
        .geocode(&LocationInput::Postcode(
            "PE13 9ZZ".parse().expect("shape ok"),
        ))
        .unwrap_err();
    assert!(matches!(err, GeocodeError::UnknownPostcode(_)));
    assert_eq!(err.field(), "postcode");
    let err = geocoder()
        .geocode(&LocationInput::Postcode("QQ9".parse().expect("shape ok")))
        .unwrap_err();
    assert!(matches!(err, GeocodeError::UnknownOutward(_)));
}

#[test]
fn outward_code_is_district_centroid_with_spread() {
    let got = geocoder()
        .geocode(&LocationInput::Postcode("pe13".parse().expect("outward")))
        .expect("known");
    assert_eq!(got.method, GeocodeMethod::OutwardCode);
    // PE13 is Wisbech and its villages: centroid within 5 km of the town, spread km-scale.
    assert!(
        haversine_m(got.lat, got.lng, 52.666_22, 0.159_38) < 5000.0,
        "{got:?}"
    );
    assert!((1000.0..8000.0).contains(&got.precision_m), "{got:?}");
}

#[test]
fn towns_with_county_disambiguation() {
    let place = |name: &str, county: Option<&str>| {
        geocoder().geocode(&LocationInput::Place {
            name: name.into(),
            county: county.map(Into::into),
        })
    };
    let march = place("March", Some("Cambridgeshire")).expect("March");
    assert!(close(march.lat, 52.551_31, 1e-5) && close(march.lng, 0.088_28, 1e-5));
    assert_eq!(march.method, GeocodeMethod::Town);
    assert!((3000.0..=5000.0).contains(&march.precision_m));
    let sandy = place("sandy", Some("Bedfordshire")).expect("Sandy in Central Bedfordshire");
    assert!(close(sandy.lat, 52.129_27, 1e-5));
    assert!(matches!(
        place("Sandy", Some("Norfolk")),
        Err(GeocodeError::PlaceNotInCounty { .. })
    ));
    assert!(close(
        place("Kings Lynn", None).expect("apostrophe-free").lat,
        52.751_72,
        1e-5
    ));
    // Newport: six GB places; without a county the most populous (Wales) with a note.
    let newport = place("Newport", None).expect("Newport");
    assert!(close(newport.lat, 51.587_74, 1e-5));
    assert!(newport
        .note
        .as_deref()
        .unwrap_or("")
        .contains("most populous"));
    let iow = place("Newport", Some("Isle of Wight")).expect("Newport IoW");
    assert!(close(iow.lat, 50.701_46, 1e-5));
    assert!(newport.note.is_some() && iow.note.is_none());
    assert!(matches!(
        place("Atlantis", None),
        Err(GeocodeError::UnknownPlace(_))
    ));
}

#[test]
fn addresses_use_postcode_then_town() {
    let by_postcode = geocoder()
        .geocode(&LocationInput::Address(
            "12 High St, Sandy, SG19 1AA".into(),
        ))
        .expect("pc");
    assert_eq!(by_postcode.method, GeocodeMethod::AddressPostcode);
    let (lng, lat) = bng_to_wgs84(517_251.0, 249_189.0).expect("grid");
    assert!(close(by_postcode.lat, lat, 1e-9) && close(by_postcode.lng, lng, 1e-9));

    let by_town = geocoder()
        .geocode(&LocationInput::Address(
            "Unit 3, Station Road, Biggleswade".into(),
        ))
        .expect("town");
    assert_eq!(by_town.method, GeocodeMethod::AddressTown);
    assert!(close(by_town.lat, 52.086_52, 1e-5));

    // "High Street" must not match the Somerset village of Street.
    let err = geocoder()
        .geocode(&LocationInput::Address("The Yard, High Street".into()))
        .unwrap_err();
    assert_eq!(err.field(), "address");

    // Unknown postcode in an address falls back to the town, and says so.
    let fallback = geocoder()
        .geocode(&LocationInput::Address("Yard 2, Wisbech, PE13 9ZZ".into()))
        .expect("town");
    assert_eq!(fallback.method, GeocodeMethod::AddressTown);
    assert!(fallback.note.as_deref().unwrap_or("").contains("PE13 9ZZ"));
}

#[test]
fn towns_and_districts_for_reports() {
    let mut localities = Localities::default();
    let at = |lat, lng| h3o::LatLng::new(lat, lng).expect("ll");
    // Wisbech town centre: Wisbech, Fenland district (E07000010).
    assert_eq!(
        localities.of(at(52.6662, 0.1594)),
        (Some("Wisbech"), Some("E07000010"))
    );
    // Sandy: its own town (11,657 people), Central Bedfordshire (E06000056).
    assert_eq!(
        localities.of(at(52.1293, -0.2893)),
        (Some("Sandy"), Some("E06000056"))
    );
    // King's Lynn: King's Lynn and West Norfolk (E07000146).
    assert_eq!(
        localities.of(at(52.7517, 0.3952)),
        (Some("King's Lynn"), Some("E07000146"))
    );
    let g = Gazetteer::embedded();
    let fenland = g.district_cells("Fenland");
    assert!(fenland.len() > 50, "{}", fenland.len());
    assert_eq!(fenland, g.district_cells("e07000010"));
    assert!(g.district_cells("Atlantis").is_empty());
}

/// A bulk load's town and district indices name what the gazetteer answers
/// for each res-7 cell, over a grid across Great Britain and its seas; the
/// lists they index are sorted and hold each name once (a load makes its
/// ENUM types from them).
#[test]
fn indices_name_the_gazetteers_town_and_district() {
    let g = Gazetteer::embedded();
    let mut localities = Localities::default();
    let (towns, districts) = {
        let (towns, districts) = localities.names();
        (towns.to_vec(), districts.to_vec())
    };
    assert!(towns.windows(2).all(|w| w[0] < w[1]));
    assert!(districts.windows(2).all(|w| w[0] < w[1]));
    let (mut with_town, mut with_district) = (0, 0);
    for i in 0..=90 {
        for j in 0..=40 {
            let lat = 49.9 + f64::from(i) * 0.1;
            let lng = -7.5 + f64::from(j) * 0.225;
            let cell = h3o::LatLng::new(lat, lng)
                .expect("ll")
                .to_cell(h3o::Resolution::Seven);
            let centre = h3o::LatLng::from(cell);
            let (town, district) = localities.indices_of_cell(cell);
            assert_eq!(
                town.map(|i| towns[usize::from(i)]),
                g.nearest_town(centre.lat(), centre.lng())
                    .map(|(p, _)| p.name.as_str()),
                "{lat}, {lng}"
            );
            assert_eq!(
                district.map(|i| districts[usize::from(i)]),
                g.district_of_cell(cell).map(|(code, _)| code),
                "{lat}, {lng}"
            );
            assert_eq!(
                localities.of_cell(cell),
                (
                    town.map(|i| towns[usize::from(i)]),
                    district.map(|i| districts[usize::from(i)]),
                )
            );
            with_town += usize::from(town.is_some());
            with_district += usize::from(district.is_some());
        }
    }
    assert_eq!(with_town, 91 * 41);
    assert!(with_district > 1000, "{with_district}");
}

/// The districts a load declares (its ENUM's values) are exactly those a
/// cell can be given: none empty, none missing (a report's district with no
/// position in the type would stop the load).
#[test]
fn the_listed_districts_are_those_cells_answer() {
    let g = Gazetteer::embedded();
    let listed: std::collections::BTreeSet<&str> = g.district_codes().collect();
    assert!(
        !listed.contains(""),
        "the postcode table's \"(none)\" is listed"
    );
    assert!(listed.len() > 300, "{}", listed.len());
    let mut answered = std::collections::BTreeSet::new();
    for name in &listed {
        for cell in g.district_cells(name) {
            let (code, _) = g
                .district_of_cell(cell)
                .expect("a district cell has a district");
            answered.insert(code);
        }
    }
    assert_eq!(answered, listed);
}

/// An area's districts: two res-8 cells either side of a district boundary
/// are in both, one each; two in one district are in it alone; a res-6 cell
/// is in every district of its res-7 children.
#[test]
fn cells_either_side_of_a_boundary_are_in_both_districts() {
    let g = Gazetteer::embedded();
    let fenland = g.district_cells("E07000010");
    let (inside, outside) = fenland
        .iter()
        .find_map(|&cell| {
            cell.grid_ring::<Vec<_>>(1)
                .into_iter()
                .find(|n| {
                    g.district_of_cell(*n)
                        .is_some_and(|(code, _)| code != "E07000010")
                })
                .map(|n| (cell, n))
        })
        .expect("Fenland has a neighbour district");
    let (other, _) = g.district_of_cell(outside).expect("district");
    let eight = |c: h3o::CellIndex| c.center_child(h3o::Resolution::Eight).expect("child");
    let mut either_side: Vec<(&str, usize)> = g
        .districts_of_cells(&[eight(inside), eight(outside)])
        .into_iter()
        .map(|(code, _, n)| (code, n))
        .collect();
    either_side.sort_unstable();
    let mut expected = vec![("E07000010", 1), (other, 1)];
    expected.sort_unstable();
    assert_eq!(either_side, expected);
    let mut two_inside = inside.children(h3o::Resolution::Eight).take(2);
    let two_inside = [
        two_inside.next().expect("child"),
        two_inside.next().expect("child"),
    ];
    assert_eq!(
        g.districts_of_cells(&two_inside),
        vec![("E07000010", "Fenland", 2)]
    );
    let six = inside.parent(h3o::Resolution::Six).expect("parent");
    let mut of_children: Vec<&str> = six
        .children(h3o::Resolution::Seven)
        .filter_map(|c| g.district_of_cell(c).map(|(code, _)| code))
        .collect();
    of_children.sort_unstable();
    of_children.dedup();
    let mut of_six: Vec<&str> = g
        .districts_of_cells(&[six])
        .into_iter()
        .map(|(code, _, n)| {
            assert_eq!(n, 1, "{code}: a cell counts once per district");
            code
        })
        .collect();
    of_six.sort_unstable();
    assert_eq!(of_six, of_children);
}

/// The latitude sweep finds exactly the town a full scan finds, on a grid of
/// points over the UK and its seas (ties, coasts and empty moorland included).
#[test]
fn nearest_town_sweep_equals_full_scan() {
    let g = Gazetteer::embedded();
    let mut checked = 0;
    for i in 0..=120 {
        for j in 0..=80 {
            let lat = 49.0 + f64::from(i) * 0.1;
            let lng = -8.5 + f64::from(j) * 0.125;
            let sweep = g.nearest_town(lat, lng).map(|(p, d)| (p.geonameid, d));
            let scan = g
                .nearest_town_by_scan(lat, lng)
                .map(|(p, d)| (p.geonameid, d));
            assert_eq!(sweep, scan, "{lat}, {lng}");
            checked += 1;
        }
    }
    assert_eq!(checked, 121 * 81);
}

/// Regression: points on the coast within a kilometre or two of GB postcodes
/// were rejected as outside the UK (the 1:10m outline leaves out saltmarsh,
/// estuaries and low coasts); the example is E 605858, N 212936.
#[test]
fn coastal_points_near_postcodes_are_in_the_uk_and_open_sea_is_not() {
    let g = Gazetteer::embedded();
    let (lng, lat) = bng_to_wgs84(605_858.0, 212_936.0).expect("grid");
    assert!(g.in_uk(lat, lng), "E 605858 N 212936 ({lat}, {lng})");
    let located = geocoder()
        .geocode(&LocationInput::Grid {
            easting: 605_858.0,
            northing: 212_936.0,
            precision_m: 1.0,
        })
        .expect("a coastal grid reference is geocoded");
    assert!(close(located.lat, lat, 1e-9));
    for (name, lat, lng) in [
        ("8 km off Blakeney Point", 53.03, 1.0),
        ("15 km off Skegness", 53.15, 0.55),
        ("the Thames estuary 12 km off Southend", 51.45, 0.95),
    ] {
        assert!(!g.in_uk(lat, lng), "{name} should be outside the UK");
    }
}

/// Regression: "Church End, Eversholt" (a town written with its parish) was
/// rejected as "no UK place named Church End": the part after the comma is
/// read as a county, then as a place beside it, before giving up.
#[test]
fn a_qualifier_after_a_comma_that_is_not_a_county_disambiguates() {
    let place = |name: &str, county: &str| {
        geocoder().geocode(&LocationInput::Place {
            name: name.into(),
            county: Some(county.into()),
        })
    };
    let church_end = place("Church End", "Eversholt").expect("Church End, Eversholt");
    assert!(close(church_end.lat, 51.98221, 1e-4) && close(church_end.lng, -0.56957, 1e-4));
    // Six Newports: the one beside Saffron Walden is the Essex one.
    let newport = place("Newport", "Saffron Walden").expect("Newport by Saffron Walden");
    assert!(close(newport.lat, 51.98425, 1e-4) && close(newport.lng, 0.21355, 1e-4));
    assert!(newport
        .note
        .as_deref()
        .is_some_and(|n| n.contains("Saffron Walden")));
    // A county still reads as a county, and a qualifier that names nothing
    // near still fails, naming the place.
    let march = place("March", "Cambridgeshire").expect("March, Cambridgeshire");
    assert!(close(march.lat, 52.55, 0.05));
    let far = place("Newport", "Eversholt").expect_err("no Newport near Eversholt");
    assert!(far.to_string().contains("Newport"), "{far}");
}

/// Every district a cell can be given is in one police force area, and the
/// forces of the seed documents' places are those the forces themselves
/// name (police.uk's "Falls within").
#[test]
fn every_district_is_in_one_police_force_area() {
    let g = Gazetteer::embedded();
    for code in g.district_codes() {
        assert!(g.force_of_district(code).is_some(), "{code} has no force");
    }
    for (district, force) in [
        ("E07000010", "cambridgeshire"), // Fenland (Wisbech, March)
        ("E06000031", "cambridgeshire"), // Peterborough, a unitary
        ("E07000146", "norfolk"),        // King's Lynn and West Norfolk
        ("E06000032", "bedfordshire"),   // Luton
        ("E06000056", "bedfordshire"),   // Central Bedfordshire (Toddington, Sandy)
        ("E07000098", "hertfordshire"),  // Hertsmere
        ("E06000042", "thames-valley"),  // Milton Keynes
        ("E09000001", "city-of-london"),
        ("E09000033", "metropolitan"), // Westminster
        ("S12000049", "scotland"),     // Glasgow City
        ("W06000015", "south-wales"),  // Cardiff
    ] {
        assert_eq!(
            g.force_of_district(district).map(|(id, _)| id),
            Some(force),
            "{district}"
        );
    }
    assert_eq!(
        g.force_of_district("E07000010").map(|(_, name)| name),
        Some("Cambridgeshire Constabulary")
    );
}

/// Cells on either side of the Cambridgeshire–Norfolk line are in two
/// forces; cells in two districts of one force are in one.
#[test]
fn cells_are_tallied_by_police_force_area() {
    let g = Gazetteer::embedded();
    let in_district = |code: &str| g.district_cells(code)[0];
    let fenland = in_district("E07000010");
    let peterborough = in_district("E06000031");
    let kings_lynn = in_district("E07000146");
    assert_eq!(
        g.forces_of_cells(&[fenland, peterborough]),
        vec![("cambridgeshire", "Cambridgeshire Constabulary", 2)]
    );
    let eight = |c: h3o::CellIndex| c.center_child(h3o::Resolution::Eight).expect("child");
    assert_eq!(
        g.forces_of_cells(&[eight(fenland), eight(peterborough), eight(kings_lynn)]),
        vec![
            ("cambridgeshire", "Cambridgeshire Constabulary", 2),
            ("norfolk", "Norfolk Constabulary", 1)
        ]
    );
    // A res-6 cell counts once in each force of its res-7 children.
    let six = fenland.parent(h3o::Resolution::Six).expect("parent");
    let mut expected: Vec<&str> = six
        .children(h3o::Resolution::Seven)
        .filter_map(|c| g.district_of_cell(c))
        .filter_map(|(code, _)| g.force_of_district(code).map(|(id, _)| id))
        .collect();
    expected.sort_unstable();
    expected.dedup();
    let mut of_six: Vec<&str> = g
        .forces_of_cells(&[six])
        .into_iter()
        .map(|(id, _, n)| {
            assert_eq!(n, 1, "{id}: a cell counts once per force");
            id
        })
        .collect();
    of_six.sort_unstable();
    assert_eq!(of_six, expected);
}

/// Against real data, where present (`../shared/data/police-uk`, not part of
/// the project): each street crime's point, through its res-7 cell's
/// district, is in the force that recorded it ("Falls within"). A force
/// records a few crimes outside its area, so agreement is not total.
#[test]
fn police_uk_crimes_fall_within_the_force_their_point_is_in() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/police-uk");
    let Ok(forces) = std::fs::read_dir(&root) else {
        eprintln!("skipped: no police.uk data at {}", root.display());
        return;
    };
    let g = Gazetteer::embedded();
    let mut checked = 0;
    for force_dir in forces.flatten() {
        let mut files: Vec<_> = std::fs::read_dir(force_dir.path())
            .expect("force folder")
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        // The first and the last month of each force: enough points, quick.
        for file in [files.first(), files.last()].into_iter().flatten() {
            let mut reader = csv::Reader::from_path(file).expect("police.uk CSV");
            let (mut agree, mut located) = (0usize, 0usize);
            for row in reader.records() {
                let row = row.expect("row");
                let (Ok(lng), Ok(lat)) = (row[4].parse::<f64>(), row[5].parse::<f64>()) else {
                    continue;
                };
                let cell = h3o::LatLng::new(lat, lng)
                    .expect("lat/lng")
                    .to_cell(h3o::Resolution::Seven);
                let force = g
                    .district_of_cell(cell)
                    .and_then(|(code, _)| g.force_of_district(code));
                located += 1;
                agree += usize::from(force.is_some_and(|(_, name)| name == &row[3]));
            }
            assert!(located > 1000, "{}: {located} located", file.display());
            let share = agree as f64 / located as f64;
            assert!(share > 0.98, "{}: {share:.4} agree", file.display());
            checked += 1;
        }
    }
    assert!(checked >= 2);
}

/// A force's extent is that of its districts' cells, by id or by name.
#[test]
fn a_police_force_area_has_the_extent_of_its_districts() {
    let g = Gazetteer::embedded();
    let ((_, _), districts) = g.force_named("bedfordshire").expect("Bedfordshire");
    let centres: Vec<h3o::LatLng> = districts
        .iter()
        .flat_map(|d| g.district_cells(d))
        .map(h3o::LatLng::from)
        .collect();
    let fold = |f: fn(f64, f64) -> f64, get: fn(h3o::LatLng) -> f64, start: f64| {
        centres.iter().copied().map(get).fold(start, f)
    };
    let expected = [
        fold(f64::min, h3o::LatLng::lat, 90.0),
        fold(f64::min, h3o::LatLng::lng, 180.0),
        fold(f64::max, h3o::LatLng::lat, -90.0),
        fold(f64::max, h3o::LatLng::lng, -180.0),
    ];
    assert_eq!(g.force_extent("bedfordshire"), Some(expected));
    assert_eq!(g.force_extent("Bedfordshire Police"), Some(expected));
    // Luton is inside; Cambridge is not.
    let [min_lat, min_lng, max_lat, max_lng] = expected;
    assert!((min_lat..max_lat).contains(&51.88) && (min_lng..max_lng).contains(&-0.42));
    assert!(!((min_lat..max_lat).contains(&52.205) && (min_lng..max_lng).contains(&0.12)));
    assert_eq!(g.force_extent("atlantis"), None);
}

/// A grid reference is the centre of its square, at the square's side for
/// precision; one in the sea, or beyond the grid OSTN15 covers, is refused
/// on its own column.
#[test]
fn a_grid_reference_is_the_centre_of_its_square() {
    let g = geocoder();
    for (given, centre, side) in [
        ("TF 460 100", (546_050.0, 310_050.0), 100.0),
        ("TF 4605 1005", (546_055.0, 310_055.0), 10.0),
        ("TL 05 45", (505_500.0, 245_500.0), 1_000.0),
    ] {
        let reference: super::GridRef = given.parse().expect(given);
        let located = g
            .geocode(&LocationInput::GridRef(reference))
            .unwrap_or_else(|e| panic!("{given}: {e}"));
        let (lng, lat) = bng_to_wgs84(centre.0, centre.1).expect("grid");
        assert!(close(located.lat, lat, 1e-9), "{given}: {}", located.lat);
        assert!(close(located.lng, lng, 1e-9), "{given}: {}", located.lng);
        assert!(close(located.precision_m, side, 1e-9), "{given}");
        assert_eq!(located.method, crate::model::GeocodeMethod::Bng, "{given}");
    }
    for (given, says) in [
        ("TG 900 100", "outside the UK"),
        ("HP 500 600", "outside the OSTN15 grid"),
    ] {
        let reference: super::GridRef = given.parse().expect(given);
        let refused = g
            .geocode(&LocationInput::GridRef(reference))
            .expect_err(given);
        assert_eq!(refused.field(), "grid_ref", "{given}");
        assert!(refused.to_string().contains(says), "{given}: {refused}");
    }
}

/// A postcode's point is converted once and remembered: asked again, and
/// from other threads at once, it is the same bits as converting its unit's
/// easting and northing through OSTN15 directly.
#[test]
fn a_postcodes_point_is_the_same_however_often_it_is_asked_for() {
    let g = Gazetteer::embedded();
    for code in ["PE13 1AA", "PE30 1AA", "LU1 1NQ"] {
        let postcode: Postcode = code.parse().expect("postcode");
        let key = postcode.table_key().expect("a unit");
        let unit = g.postcode_unit(key).expect("in Code-Point Open");
        let direct = bng_to_wgs84(f64::from(unit.easting), f64::from(unit.northing)).expect("grid");
        let asked: Vec<(f64, f64)> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| g.postcode_point(key).expect("known").expect("converted")))
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().expect("thread"))
                .collect()
        });
        let again = g.postcode_point(key).expect("known").expect("converted");
        for (lng, lat) in asked.into_iter().chain([again]) {
            assert_eq!(
                (lng.to_bits(), lat.to_bits()),
                (direct.0.to_bits(), direct.1.to_bits()),
                "{code}"
            );
        }
        let located = geocoder()
            .geocode(&LocationInput::Postcode(postcode))
            .expect("located");
        assert_eq!(
            (located.lng.to_bits(), located.lat.to_bits()),
            (direct.0.to_bits(), direct.1.to_bits()),
            "{code}"
        );
    }
    let unknown: Postcode = "ZZ99 9ZZ".parse().expect("shape");
    assert!(g
        .postcode_point(unknown.table_key().expect("a unit"))
        .is_none());
}
