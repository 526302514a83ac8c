//! What pages call the closed vocabularies: the model's written labels, looked
//! up by code (the towns page's breakdowns arrive as codes).

use crate::model::{ExploitationType, Indicator, VenueType};
use crate::serve::i18n::{self, Lang};

/// The label of a code on a staff page in `lang`: the staff message
/// `label-<code>` where the language has one, else [`label_of`] (codes outside
/// the closed vocabularies, such as nationalities, are written as recorded).
pub(super) fn label_in(lang: Lang, code: &str) -> String {
    i18n::lookup(lang, &format!("label-{code}")).unwrap_or_else(|| label_of(code))
}

/// The sources with a name in every staff language (`source-<code>`): the
/// program's own (`api`, `upload`, `public`, `concern_card` from the form)
/// and the partners' the demo loads. The map's script is sent these.
pub(super) const NAMED_SOURCES: [&str; 11] = [
    "police_intel",
    "helpline",
    "crimestoppers",
    "bank",
    "concern_card",
    "env_health",
    "glaa",
    "app",
    "public",
    "api",
    "upload",
];

/// A report source's name on a staff page in `lang`: the staff message
/// `source-<code>` for the sources the program knows, else the code as the
/// loads wrote it (sources are an open list: `nca` stays `nca`).
pub(super) fn source_label(lang: Lang, code: &str) -> String {
    i18n::lookup(lang, &format!("source-{code}")).unwrap_or_else(|| code.to_owned())
}

/// The written label of a venue, exploitation or indicator code; any other
/// code with its underscores as spaces and a capital first letter.
pub(super) fn label_of(code: &str) -> String {
    if let Some(v) = VenueType::ALL.iter().find(|v| v.as_str() == code) {
        return v.label().to_owned();
    }
    if let Some(e) = ExploitationType::ALL.iter().find(|e| e.as_str() == code) {
        return e.label().to_owned();
    }
    if let Some(i) = Indicator::ALL.iter().find(|i| i.as_str() == code) {
        return i.label().to_owned();
    }
    let mut s = code.replace('_', " ");
    if let Some(first) = s.get(..1) {
        let upper = first.to_uppercase();
        s.replace_range(..1, &upper);
    }
    s
}

/// A premises' address as one line: the postcode after it, unless the
/// address already ends with or holds it (registers often write both).
pub(super) fn address_line(address: Option<&str>, postcode: Option<&str>) -> String {
    let address = address.unwrap_or_default().trim();
    let postcode = postcode.unwrap_or_default().trim();
    let squeeze = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect()
    };
    if postcode.is_empty() || squeeze(address).contains(&squeeze(postcode)) {
        return address.to_owned();
    }
    if address.is_empty() {
        return postcode.to_owned();
    }
    format!("{address} {postcode}")
}

/// A p-value as statistics tables write it in every shipped language (a point
/// decimal, as in "p = 0.013"): the notation the methods and tests use.
pub(super) fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_owned()
    } else {
        format!("{p:.3}")
    }
}

/// What follows "p" in a sentence: `< 0.001`, else `= 0.013` (the map
/// panel's script words it the same way).
pub(super) fn p_relation(p: f64) -> String {
    if p < 0.001 {
        p_text(p)
    } else {
        format!("= {}", p_text(p))
    }
}

#[cfg(test)]
mod tests {
    use super::{address_line, label_of, source_label, NAMED_SOURCES};
    use crate::serve::i18n::Lang;

    #[test]
    fn a_source_is_named_when_known_and_left_as_written_when_not() {
        assert_eq!(
            source_label(Lang::En, "police_intel"),
            "Police intelligence"
        );
        assert_eq!(source_label(Lang::En, "glaa"), "GLAA");
        assert_eq!(source_label(Lang::Cy, "bank"), "Staff banc");
        // An open list: a source the program does not know keeps its code.
        assert_eq!(source_label(Lang::En, "nca"), "nca");
        assert_eq!(source_label(Lang::En, "farm"), "farm");
        for code in NAMED_SOURCES {
            for lang in [Lang::En, Lang::Cy] {
                assert_ne!(source_label(lang, code), code, "{code} in {lang:?}");
            }
        }
    }

    #[test]
    fn an_address_names_its_postcode_once() {
        let line = |a, p| address_line(a, p);
        assert_eq!(
            line(Some("87 Mill Road, LU1 1NQ"), Some("LU1 1NQ")),
            "87 Mill Road, LU1 1NQ"
        );
        assert_eq!(
            line(Some("87 Mill Road, lu11nq"), Some("LU1 1NQ")),
            "87 Mill Road, lu11nq"
        );
        assert_eq!(
            line(Some("87 Mill Road"), Some("LU1 1NQ")),
            "87 Mill Road LU1 1NQ"
        );
        assert_eq!(line(None, Some("LU1 1NQ")), "LU1 1NQ");
        assert_eq!(line(Some("Fen Farm"), None), "Fen Farm");
        assert_eq!(line(None, None), "");
    }

    #[test]
    fn labels_are_written_not_made_from_codes() {
        assert_eq!(label_of("no_ppe"), "No PPE");
        assert_eq!(label_of("id_withheld"), "ID withheld");
        assert_eq!(label_of("car_wash"), "Car wash");
        assert_eq!(label_of("domestic_servitude"), "Domestic servitude");
        assert_eq!(label_of("some_new_code"), "Some new code");
    }
}
