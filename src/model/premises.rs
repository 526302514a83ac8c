//! Premises (the places reports are about) and what visits to them found.

use std::fmt;

/// Whether a premises is trading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PremisesStatus {
    #[default]
    Open,
    Closed,
}

impl PremisesStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match &*super::normalised(text) {
            "open" | "trading" | "active" => Some(Self::Open),
            "closed" | "ceased" | "inactive" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// Where a premises record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PremisesOrigin {
    /// An imported register (licensing list, business rates, a force's own list).
    Register,
    /// Made by linking: reports that matched no registered premises but each other.
    Reports,
}

impl PremisesOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Reports => "reports",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "register" => Some(Self::Register),
            "reports" => Some(Self::Reports),
            _ => None,
        }
    }
}

/// What a layer counts in a cell. When channels overlap (the helpline and
/// police intelligence reporting the same week's events at one car wash),
/// distinct incidents or distinct reported premises are the honest count.
/// A report linked to no premises counts as its own premises and incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Unit {
    #[default]
    Reports,
    /// Reports of one premises at most 7 days apart count once.
    Incidents,
    /// Each reported premises counts once.
    Premises,
}

impl Unit {
    pub const ALL: [Self; 3] = [Self::Reports, Self::Incidents, Self::Premises];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reports => "reports",
            Self::Incidents => "incidents",
            Self::Premises => "premises",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == text)
    }
}

/// What a visit found, from least to most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VisitResult {
    NoConcerns,
    ConcernsNoAction,
    IndicatorsConfirmed,
    VictimsIdentified,
}

impl VisitResult {
    pub const ALL: [Self; 4] = [
        Self::NoConcerns,
        Self::ConcernsNoAction,
        Self::IndicatorsConfirmed,
        Self::VictimsIdentified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoConcerns => "no_concerns",
            Self::ConcernsNoAction => "concerns_no_action",
            Self::IndicatorsConfirmed => "indicators_confirmed",
            Self::VictimsIdentified => "victims_identified",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == super::normalised(text))
    }

    /// A positive visit: exploitation found (indicators confirmed or victims identified).
    pub fn is_positive(self) -> bool {
        self >= Self::IndicatorsConfirmed
    }
}

impl fmt::Display for VisitResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Words that say what kind of business a name is, or its legal form, rather
/// than which one: "Star Hand Car Wash Ltd" and "STAR CAR WASH" are one name.
const GENERIC_WORDS: &[&str] = &[
    "ltd",
    "limited",
    "plc",
    "llp",
    "co",
    "company",
    "and",
    "the",
    "uk",
    "hand",
    "car",
    "wash",
    "carwash",
    "handcarwash",
    "valet",
    "valeting",
    "nails",
    "nail",
    "bar",
    "salon",
    "beauty",
    "services",
    "service",
    "station",
];

/// A venue name as linking compares it: lower case, letters and digits only,
/// legal forms and words naming the kind of business dropped (`Star Hand Car
/// Wash Ltd` → `star`). Falls back to all its words when nothing else is left
/// (`Hand Car Wash` → `hand car wash`), and is empty only for an empty name.
pub fn name_key(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric() && c != '&' && c != '\'' && c != '’')
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '&')
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty() && w != "&")
        .collect();
    let kept: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !GENERIC_WORDS.contains(w))
        .collect();
    if kept.is_empty() {
        words.join(" ")
    } else {
        kept.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_legal_form_and_trade() {
        assert_eq!(name_key("Star Hand Car Wash Ltd"), "star");
        assert_eq!(name_key("STAR CAR WASH"), "star");
        assert_eq!(name_key("Smith & Co."), "smith");
        assert_eq!(name_key("Diamond Nails"), "diamond");
        assert_eq!(name_key("Fen Produce Packhouse"), "fen produce packhouse");
        assert_eq!(name_key("Hand Car Wash"), "hand car wash");
        assert_eq!(name_key("O'Brien's Farm"), "obriens farm");
        assert_eq!(name_key("  "), "");
    }

    #[test]
    fn results_parse_and_say_which_are_positive() {
        for r in VisitResult::ALL {
            assert_eq!(VisitResult::parse(r.as_str()), Some(r));
        }
        assert_eq!(
            VisitResult::parse("Victims identified"),
            Some(VisitResult::VictimsIdentified)
        );
        assert!(!VisitResult::ConcernsNoAction.is_positive());
        assert!(VisitResult::IndicatorsConfirmed.is_positive());
        assert_eq!(
            PremisesStatus::parse("Closed"),
            Some(PremisesStatus::Closed)
        );
        assert_eq!(PremisesStatus::parse("gone"), None);
    }
}
