//! UK postcodes as a typed value: a full unit (`PE13 1AA`) or an outward code (`PE13`).

use std::fmt;
use std::str::FromStr;

/// A syntactically valid UK postcode. Whether it exists is the gazetteer's business.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Postcode {
    /// A full postcode unit: outward code and inward code (`PE13` + `1AA`).
    Unit { outward: String, inward: String },
    /// An outward code alone: a postcode district such as `PE13`.
    Outward(String),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a UK postcode (expected e.g. \"PE13 1AA\" or an outward code such as \"PE13\")"
)]
pub struct InvalidPostcode(pub String);

impl Postcode {
    pub fn outward(&self) -> &str {
        match self {
            Self::Unit { outward, .. } | Self::Outward(outward) => outward,
        }
    }

    /// The key used by the postcode table: outward left-aligned in 4 bytes, then inward.
    pub(crate) fn table_key(&self) -> Option<[u8; 7]> {
        let Self::Unit { outward, inward } = self else {
            return None;
        };
        let mut key = *b"       ";
        key[..outward.len()].copy_from_slice(outward.as_bytes());
        key[4..].copy_from_slice(inward.as_bytes());
        Some(key)
    }

    /// Finds the first full postcode written anywhere in free text, such as an address.
    pub fn find_in(text: &str) -> Option<Self> {
        let upper = text.to_ascii_uppercase();
        let tokens: Vec<&str> = upper
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        for (i, token) in tokens.iter().enumerate() {
            if let Ok(unit @ Self::Unit { .. }) = token.parse() {
                return Some(unit);
            }
            if let Some(next) = tokens.get(i + 1) {
                if is_outward(token) && is_inward(next) {
                    return Some(Self::Unit {
                        outward: (*token).to_owned(),
                        inward: (*next).to_owned(),
                    });
                }
            }
        }
        None
    }
}

impl FromStr for Postcode {
    type Err = InvalidPostcode;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact.len() >= 5 && compact.is_ascii() {
            let (outward, inward) = compact.split_at(compact.len() - 3);
            if is_outward(outward) && is_inward(inward) {
                return Ok(Self::Unit {
                    outward: outward.to_owned(),
                    inward: inward.to_owned(),
                });
            }
        }
        if is_outward(&compact) {
            return Ok(Self::Outward(compact));
        }
        Err(InvalidPostcode(text.to_owned()))
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unit { outward, inward } => write!(f, "{outward} {inward}"),
            Self::Outward(outward) => f.write_str(outward),
        }
    }
}

/// Outward code shapes: A9, A99, AA9, AA99, A9A, AA9A.
fn is_outward(s: &str) -> bool {
    let b = s.as_bytes();
    let letter = |c: &u8| c.is_ascii_uppercase();
    let digit = |c: &u8| c.is_ascii_digit();
    match b {
        [a, d] => letter(a) && digit(d),
        [a, x, y] => {
            letter(a) && ((digit(x) && (digit(y) || letter(y))) || (letter(x) && digit(y)))
        }
        [a, b2, d, y] => letter(a) && letter(b2) && digit(d) && (digit(y) || letter(y)),
        _ => false,
    }
}

/// Inward code shape: 9AA.
fn is_inward(s: &str) -> bool {
    matches!(s.as_bytes(), [d, x, y] if d.is_ascii_digit() && x.is_ascii_uppercase() && y.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_and_spacing() {
        for text in ["PE13 1AA", "pe131aa", " Pe13  1aA ", "PE 13 1AA"] {
            assert_eq!(
                text.parse::<Postcode>().map(|p| p.to_string()).as_deref(),
                Ok("PE13 1AA"),
                "{text}"
            );
        }
        assert_eq!(
            "b1 1aa"
                .parse::<Postcode>()
                .map(|p| p.to_string())
                .as_deref(),
            Ok("B1 1AA")
        );
        assert_eq!(
            "EC1A 1BB"
                .parse::<Postcode>()
                .map(|p| p.to_string())
                .as_deref(),
            Ok("EC1A 1BB")
        );
        assert_eq!(
            "pe13".parse::<Postcode>(),
            Ok(Postcode::Outward("PE13".into()))
        );
        assert_eq!(
            "W1A".parse::<Postcode>(),
            Ok(Postcode::Outward("W1A".into()))
        );
    }

    #[test]
    fn rejects_non_postcodes() {
        for text in [
            "", "PE", "12345", "PE13 1A", "PE13 AAA", "HELLO", "PE1311AA", "<script>",
        ] {
            assert!(text.parse::<Postcode>().is_err(), "{text}");
        }
    }

    #[test]
    fn finds_postcode_in_address() {
        let found = Postcode::find_in("Unit 4, Cromwell Road, Wisbech, pe14 0sb (rear)");
        assert_eq!(found.map(|p| p.to_string()).as_deref(), Some("PE14 0SB"));
        assert_eq!(
            Postcode::find_in("Toddington Services, M1 southbound"),
            None
        );
    }
}
