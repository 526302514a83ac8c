//! Our H3 cells (h3o) against the H3 C library (h3-py), committed as a fixture
//! by `tests/fixtures/h3_cells.py`.

use h3o::LatLng;
use hotspots::geo::{cells_for, RESOLUTIONS};

#[test]
fn cells_match_the_c_library() {
    let text = include_str!("../fixtures/h3_cells.csv");
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let lat: f64 = cols[0].parse().expect("lat");
        let lng: f64 = cols[1].parse().expect("lng");
        let cells = cells_for(LatLng::new(lat, lng).expect("valid"), 10.0);
        for (i, resolution) in RESOLUTIONS.iter().enumerate() {
            let ours = cells
                .at(*resolution)
                .expect("GPS precision has every resolution")
                .to_string();
            assert_eq!(ours, cols[2 + i], "{lat},{lng} at {resolution}");
        }
        checked += 1;
    }
    assert_eq!(checked, 508);
}
