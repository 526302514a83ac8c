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

#[cfg(test)]
mod tests {
    use super::label_of;

    #[test]
    fn labels_are_written_not_made_from_codes() {
        assert_eq!(label_of("no_ppe"), "No PPE");
        assert_eq!(label_of("id_withheld"), "ID withheld");
        assert_eq!(label_of("car_wash"), "Car wash");
        assert_eq!(label_of("domestic_servitude"), "Domestic servitude");
        assert_eq!(label_of("some_new_code"), "Some new code");
    }
}
