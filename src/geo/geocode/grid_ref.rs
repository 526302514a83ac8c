//! Ordnance Survey grid references (`TL 123 456`) as a typed value: the
//! square a reference names. Farms, the GLAA and environmental health often
//! record a place so, where a police system holds eastings and northings.
//! The letters and digits are read by the `gridish` crate.

use std::fmt;
use std::str::FromStr;

/// A reference to a square of the British National Grid, from 10 km
/// (`TL15`) down to 1 m (`TL 12345 67890`). Whether it is on land is the
/// gazetteer's business.
#[derive(Clone, Debug, PartialEq)]
pub struct GridRef {
    /// The letters and digits without spaces, upper case (`TL123456`).
    text: String,
    /// The square's south-west corner, metres (EPSG:27700).
    south_west: (u32, u32),
    /// The square's side, metres: 10 for eight figures, 100 for six.
    side_m: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not an Ordnance Survey grid reference ({why}; expected two letters and an even number of digits, e.g. \"TL 123 456\")")]
pub struct InvalidGridRef {
    pub text: String,
    pub why: String,
}

impl GridRef {
    /// The square's centre, metres east and north (EPSG:27700): the point a
    /// reference is taken to mean, within half its side of the truth.
    pub fn centre(&self) -> (f64, f64) {
        let half = f64::from(self.side_m) / 2.0;
        (
            f64::from(self.south_west.0) + half,
            f64::from(self.south_west.1) + half,
        )
    }

    /// The square's side in metres, the report's precision (as for an
    /// easting and northing given to the nearest 100 m).
    pub fn side_m(&self) -> u32 {
        self.side_m
    }
}

impl FromStr for GridRef {
    type Err = InvalidGridRef;

    fn from_str(given: &str) -> Result<Self, Self::Err> {
        let text: String = given
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let invalid = |why: String| InvalidGridRef {
            text: given.trim().to_owned(),
            why,
        };
        if text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(invalid(
                "the letters alone name a 100 km square; give its figures too".into(),
            ));
        }
        let bytes = text.as_bytes();
        if bytes.len() > 1 && bytes[0].is_ascii_alphabetic() && bytes[1].is_ascii_digit() {
            // `J 123 456`: the Irish grid's one letter.
            return Err(invalid(
                "one letter is the Irish grid's, and Northern Ireland is not covered (GB only)"
                    .into(),
            ));
        }
        let letters = text
            .get(..2)
            .filter(|l| l.bytes().all(|b| b.is_ascii_alphabetic()));
        let figures = text.get(2..).unwrap_or("");
        if letters.is_some() {
            if !figures.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("its figures are not all digits".into()));
            }
            if figures.len() % 2 == 1 {
                return Err(invalid(format!(
                    "its {} figures do not split into an easting and a northing",
                    figures.len()
                )));
            }
            if figures.len() > 10 {
                return Err(invalid(format!(
                    "{} figures is finer than a metre (10 at most)",
                    figures.len()
                )));
            }
        }
        let square: gridish::OSGB = text.parse().map_err(|e| invalid(reason(e)))?;
        let side_m = square.resolution().metres();
        let corner = square.south_west();
        // The corner is whole metres: a reference's figures are truncated.
        let south_west = (corner.x() as u32, corner.y() as u32);
        Ok(Self {
            text,
            south_west,
            side_m,
        })
    }
}

/// The crate's reason, said as this program says the others.
fn reason(error: gridish::ParseError) -> String {
    match error {
        gridish::ParseError::OutOfBounds(_) => "outside the British National Grid".into(),
        gridish::ParseError::ParseInt(_) => "its figures are not all digits".into(),
        gridish::ParseError::InvalidString(said) => {
            match said.strip_suffix(" is not a valid grid square.") {
                Some(letter) => format!("{letter:?} is not a grid square's letter"),
                None => said.trim_end_matches('.').to_lowercase(),
            }
        }
    }
}

impl fmt::Display for GridRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::GridRef;

    /// Each square's corner worked by hand from the grid's letters: the
    /// first names a 500 km square (S at the false origin, T east of it, N
    /// and H north), the second a 100 km square of it (A to Z without I,
    /// five to a row from the north-west); the figures are split in half,
    /// east then north, to the reference's step.
    #[test]
    fn a_reference_names_its_square() {
        for (given, corner, side) in [
            ("SU 387 148", (438_700, 114_800), 100),
            ("su387148", (438_700, 114_800), 100),
            ("NN 16667 71244", (216_667, 771_244), 1),
            ("TL 1234 5678", (512_340, 256_780), 10),
            ("TF4609", (546_000, 309_000), 1_000),
            ("TQ38", (530_000, 180_000), 10_000),
            ("HU 470 410", (447_000, 1_141_000), 100),
            ("SV 910 100", (91_000, 10_000), 100),
        ] {
            let square: GridRef = given.parse().unwrap_or_else(|e| panic!("{given}: {e}"));
            assert_eq!(square.south_west, corner, "{given}");
            assert_eq!(square.side_m(), side, "{given}");
            let half = f64::from(side) / 2.0;
            assert_eq!(
                square.centre(),
                (f64::from(corner.0) + half, f64::from(corner.1) + half),
                "{given}"
            );
        }
        assert_eq!(
            "su 387 148".parse::<GridRef>().map(|g| g.to_string()),
            Ok("SU387148".into())
        );
    }

    #[test]
    fn a_reference_that_names_no_square_says_why() {
        for (given, why) in [
            ("TL", "the letters alone name a 100 km square"),
            (
                "TL 1234567",
                "its 7 figures do not split into an easting and a northing",
            ),
            ("TL 123456 789012", "12 figures is finer than a metre"),
            ("TL 123 45X", "not all digits"),
            ("IL 123 456", "\"I\" is not a grid square's letter"),
            ("123456", "is not a grid square's letter"),
            ("J 123 456", "Irish grid"),
            ("", "empty"),
        ] {
            let error = given.parse::<GridRef>().expect_err(given);
            let said = error.to_string();
            assert!(said.contains(why), "{given}: {said}");
            assert!(said.contains("e.g. \"TL 123 456\""), "{said}");
        }
    }
}
