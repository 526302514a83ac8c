//! Our H3 cells (h3o) against the H3 C library (h3-py), committed as a fixture
//! by `tests/fixtures/h3_cells.py`: a report's finest cell is the one the C
//! library puts the point in, and its coarser cells are the C library's parents
//! of that cell (not the cells the point falls in, which differ near edges).

use h3o::LatLng;
use hotspots::geo::{cells_for, RESOLUTIONS};

#[test]
fn the_finest_cell_and_its_parents_match_the_c_library() {
    let text = include_str!("../fixtures/h3_cells.csv");
    let mut checked = 0;
    let mut moved = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let lat: f64 = cols[0].parse().expect("lat");
        let lng: f64 = cols[1].parse().expect("lng");
        let cells = cells_for(LatLng::new(lat, lng).expect("valid"), 10.0);
        let at = |i: usize| {
            cells
                .at(RESOLUTIONS[i])
                .expect("GPS precision has every resolution")
                .to_string()
        };
        assert_eq!(
            at(3),
            cols[5],
            "{lat},{lng}: the res-9 cell holds the point"
        );
        for i in 0..3 {
            assert_eq!(
                at(i),
                cols[6 + i],
                "{lat},{lng}: parent at {}",
                RESOLUTIONS[i]
            );
            moved += usize::from(cols[2 + i] != cols[6 + i]);
        }
        checked += 1;
    }
    assert_eq!(checked, 508);
    // The fixture holds points where parent and point-cell differ, so the
    // test tells the two rules apart.
    assert!(moved > 0);
}
