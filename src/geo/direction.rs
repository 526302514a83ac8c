//! Which way one place lies from another, as the eight compass points a
//! briefing says it in ("2.1 km north-east of March").

use geo::{Bearing, Haversine, Point};

use super::geocode::Gazetteer;

/// The eight compass points, clockwise from north: the codes the layers carry
/// (and the message ids' suffixes that name them in each language).
pub const COMPASS_POINTS: [&str; 8] = ["n", "ne", "e", "se", "s", "sw", "w", "nw"];

/// The compass point of `to` seen from `from` (each `(lat, lng)`): the
/// initial great-circle bearing, each point owning the 45° centred on it.
pub fn compass_point(from: (f64, f64), to: (f64, f64)) -> &'static str {
    let degrees = Haversine.bearing(Point::new(from.1, from.0), Point::new(to.1, to.0));
    let sector = ((degrees.rem_euclid(360.0) + 22.5) / 45.0).floor() as usize % 8;
    COMPASS_POINTS[sector]
}

/// The town nearest a point, and from that town's centre to the point: how
/// far (km, one decimal) and which way (a compass point). What tells two
/// places near one town apart, in a list or a briefing.
#[derive(Clone, Debug, PartialEq)]
pub struct NearestTown {
    pub town: String,
    pub km: f64,
    pub direction: &'static str,
}

impl NearestTown {
    /// The nearest town to `(lat, lng)`; `None` with no town in the gazetteer.
    pub fn of(gazetteer: &Gazetteer, lat: f64, lng: f64) -> Option<Self> {
        let (town, metres) = gazetteer.nearest_town(lat, lng)?;
        Some(Self {
            town: town.name.clone(),
            km: (metres / 100.0).round() / 10.0,
            direction: compass_point((town.lat, town.lng), (lat, lng)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The point `km` away from `(lat, lng)` on the bearing `degrees`, by the
    /// spherical destination formula (written here, not geo's, as the reference).
    fn destination((lat, lng): (f64, f64), degrees: f64, km: f64) -> (f64, f64) {
        let (phi, lambda, theta) = (lat.to_radians(), lng.to_radians(), degrees.to_radians());
        let delta = km / 6371.0088;
        let phi2 = (phi.sin() * delta.cos() + phi.cos() * delta.sin() * theta.cos()).asin();
        let lambda2 = lambda
            + (theta.sin() * delta.sin() * phi.cos()).atan2(delta.cos() - phi.sin() * phi2.sin());
        (phi2.to_degrees(), lambda2.to_degrees())
    }

    #[test]
    fn each_point_owns_the_45_degrees_centred_on_it() {
        let march = (52.551, 0.088);
        for (i, code) in COMPASS_POINTS.iter().enumerate() {
            let centre = i as f64 * 45.0;
            for offset in [-22.0, -10.0, 0.0, 10.0, 22.0] {
                let to = destination(march, centre + offset, 3.0);
                assert_eq!(compass_point(march, to), *code, "{centre}{offset:+}°");
            }
        }
        // Either side of a boundary.
        assert_eq!(compass_point(march, destination(march, 23.0, 3.0)), "ne");
        assert_eq!(compass_point(march, destination(march, 337.0, 3.0)), "nw");
        // Wisbech from March: 12.8 km north and 4.8 km east, about 21°.
        assert_eq!(compass_point(march, (52.666, 0.159)), "n");
        // Peterborough from March: due west, a little north.
        assert_eq!(compass_point(march, (52.574, -0.247)), "w");
    }
}
