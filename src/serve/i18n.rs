//! Pages in the user's language: Fluent message files compiled in, the language
//! chosen by `lang`, a remembered choice or `Accept-Language`, and numbers and
//! dates written as the language writes them.
//!
//! Two message groups: `public` (the reporting page, the concern card, the page
//! frame) ships in every [`Lang`]; `staff` (the pages behind sign-in) ships in
//! English and Welsh, and the other languages read staff pages in English
//! ([`Lang::staff`]) rather than half-translated. A message missing from a
//! shipped file is a test failure, not a silent fallback.

use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The shipped languages, in the switcher's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Cy,
    Lt,
    Pl,
    Ro,
    Bg,
    Sq,
}

impl Lang {
    pub const ALL: [Self; 7] = [
        Self::En,
        Self::Cy,
        Self::Lt,
        Self::Pl,
        Self::Ro,
        Self::Bg,
        Self::Sq,
    ];

    /// The `lang` parameter's value (ISO 639-1).
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Cy => "cy",
            Self::Lt => "lt",
            Self::Pl => "pl",
            Self::Ro => "ro",
            Self::Bg => "bg",
            Self::Sq => "sq",
        }
    }

    /// The `<html lang>` value (BCP 47, with the region where the UK form differs).
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en-GB",
            Self::Cy => "cy-GB",
            other => other.code(),
        }
    }

    /// The language's name in itself, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Cy => "Cymraeg",
            Self::Lt => "Lietuvių",
            Self::Pl => "Polski",
            Self::Ro => "Română",
            Self::Bg => "Български",
            Self::Sq => "Shqip",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(code.trim()))
    }

    /// The language staff pages are shown in: this one if its staff messages
    /// ship, else English.
    pub fn staff(self) -> Self {
        if STAFF_LANGS.contains(&self) {
            self
        } else {
            Self::En
        }
    }

    fn number_locale(self) -> num_format::Locale {
        use num_format::Locale;
        match self {
            Self::En => Locale::en,
            Self::Cy => Locale::cy,
            Self::Lt => Locale::lt,
            Self::Pl => Locale::pl,
            Self::Ro => Locale::ro,
            Self::Bg => Locale::bg,
            Self::Sq => Locale::sq,
        }
    }
}

/// Languages whose staff messages ship.
pub const STAFF_LANGS: [Lang; 2] = [Lang::En, Lang::Cy];

/// The message files, by (group, language): the test reads the same list.
pub const MESSAGE_FILES: [(&str, Lang, &str); 9] = [
    ("public", Lang::En, include_str!("locales/en/public.ftl")),
    ("public", Lang::Cy, include_str!("locales/cy/public.ftl")),
    ("public", Lang::Lt, include_str!("locales/lt/public.ftl")),
    ("public", Lang::Pl, include_str!("locales/pl/public.ftl")),
    ("public", Lang::Ro, include_str!("locales/ro/public.ftl")),
    ("public", Lang::Bg, include_str!("locales/bg/public.ftl")),
    ("public", Lang::Sq, include_str!("locales/sq/public.ftl")),
    ("staff", Lang::En, include_str!("locales/en/staff.ftl")),
    ("staff", Lang::Cy, include_str!("locales/cy/staff.ftl")),
];

struct Catalogue {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut bundles = HashMap::new();
        for lang in Lang::ALL {
            let id: LanguageIdentifier = lang.code().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Every shipped language is written left to right; isolation marks
            // around each value would only get in the way of search and tests.
            bundle.set_use_isolating(false);
            bundle.set_formatter(Some(grouping(lang)));
            for (_, _, text) in MESSAGE_FILES.iter().filter(|(_, l, _)| *l == lang) {
                // A file that does not parse is caught by the tests; what does
                // parse is still used.
                let resource = FluentResource::try_new((*text).to_owned())
                    .unwrap_or_else(|(partial, _)| partial);
                let _ = bundle.add_resource(resource);
            }
            bundles.insert(lang, bundle);
        }
        Catalogue { bundles }
    })
}

/// Fluent's number formatter for `lang`: fluent-bundle writes numbers
/// without grouping (1629), where the pages that format a count themselves
/// ([`number`]) write 1,629. (A formatter is a plain `fn`, so one each.)
fn grouping<M>(lang: Lang) -> fn(&FluentValue<'_>, &M) -> Option<String> {
    match lang {
        Lang::En => grouped::<0, M>,
        Lang::Cy => grouped::<1, M>,
        Lang::Lt => grouped::<2, M>,
        Lang::Pl => grouped::<3, M>,
        Lang::Ro => grouped::<4, M>,
        Lang::Bg => grouped::<5, M>,
        Lang::Sq => grouped::<6, M>,
    }
}

/// A whole number argument grouped as `Lang::ALL[L]` writes it (the
/// indices as [`grouping`] lists them); any other value (a fraction, a
/// number with digits asked for, text) as Fluent formats it. Pass an
/// identifier or a year as text (a load's number is), or it is grouped.
fn grouped<const L: usize, M>(value: &FluentValue<'_>, _: &M) -> Option<String> {
    let FluentValue::Number(n) = value else {
        return None;
    };
    let plain = n.options.minimum_fraction_digits.is_none()
        && n.options.minimum_integer_digits.is_none()
        && n.options.use_grouping;
    let whole = n.value.fract() == 0.0 && n.value.abs() < 9.0e15;
    #[allow(
        clippy::cast_possible_truncation,
        reason = "whole and below 2^53: exact as an i64"
    )]
    (plain && whole).then(|| number(Lang::ALL[L], n.value as i64))
}

/// A message with no arguments.
pub fn t(lang: Lang, id: &str) -> String {
    message(lang, id, None)
}

/// Where a hotspot area is, told apart from another near the same town:
/// "March, 2.1 km north-east"; the town alone within a km of its centre.
pub fn place_from(lang: Lang, town: &str, from_town: Option<(f64, &str)>) -> String {
    match from_town {
        Some((km, direction)) if km >= 1.0 => t_args(
            lang,
            "place-from",
            &[
                ("place", town.into()),
                ("km", format!("{km:.1}").into()),
                ("direction", t(lang, &format!("dir-{direction}")).into()),
            ],
        ),
        _ => town.to_owned(),
    }
}

/// A message with arguments (`$name` in the file).
pub fn t_args(lang: Lang, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fluent = FluentArgs::new();
    for (k, v) in args {
        fluent.set(*k, v.clone());
    }
    message(lang, id, Some(&fluent))
}

/// A message for a page's script: each named argument left as `{name}` for
/// the script to fill (no plural forms, which need the number here).
pub fn template(lang: Lang, id: &str, names: &[&str]) -> String {
    let args: Vec<(&str, FluentValue<'_>)> = names
        .iter()
        .map(|n| (*n, FluentValue::from(format!("{{{n}}}"))))
        .collect();
    t_args(lang, id, &args)
}

/// A message of `lang` itself when one exists (no fallback), for vocabularies
/// where a code without a message has a written form of its own.
pub fn lookup(lang: Lang, id: &str) -> Option<String> {
    format_in(lang, id, None)
}

fn message(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
    format_in(lang, id, args)
        .or_else(|| format_in(Lang::En, id, args))
        // Visible on the page, and what the tests look for.
        .unwrap_or_else(|| format!("[missing message {id}]"))
}

/// Message `id` (or `message.attribute`) of `lang` formatted, if `lang` has it
/// and it formats without errors.
fn format_in(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
    let (message_id, attribute) = id.split_once('.').map_or((id, None), |(m, a)| (m, Some(a)));
    let bundle = catalogue().bundles.get(&lang)?;
    let message = bundle.get_message(message_id)?;
    let pattern = match attribute {
        Some(a) => message.get_attribute(a)?.value(),
        None => message.value()?,
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    errors.is_empty().then(|| text.into_owned())
}

/// An integer grouped as the language writes it (1,234 · 1 234 · 1.234).
pub fn number(lang: Lang, n: i64) -> String {
    use num_format::ToFormattedString as _;
    n.to_formatted_string(&lang.number_locale())
}

/// A count grouped as the language writes it, as [`number`].
pub fn count_in(lang: Lang, n: u64) -> String {
    number(lang, i64::try_from(n).unwrap_or(i64::MAX))
}

/// A date written out in the language ("3 December 2026", "3 grudnia 2026").
pub fn date(lang: Lang, day: chrono::NaiveDate) -> String {
    use chrono::Datelike as _;
    let month = t(lang, &format!("month-{}", day.month()));
    t_args(
        lang,
        "date-long",
        &[
            ("day", FluentValue::from(day.day().to_string())),
            ("month", FluentValue::from(month)),
            ("year", FluentValue::from(day.year().to_string())),
        ],
    )
}

/// The language for a request: a valid `lang` parameter, else the remembered
/// choice (a cookie on staff pages), else the first shipped language the
/// browser asks for, else English.
pub fn choose(param: Option<&str>, remembered: Option<&str>, accept: Option<&str>) -> Lang {
    if let Some(l) = param.and_then(Lang::parse) {
        return l;
    }
    if let Some(l) = remembered.and_then(Lang::parse) {
        return l;
    }
    let Some(accept) = accept else {
        return Lang::En;
    };
    let requested = fluent_langneg::parse_accepted_languages(accept);
    let available: Vec<LanguageIdentifier> = Lang::ALL
        .iter()
        .filter_map(|l| l.code().parse().ok())
        .collect();
    fluent_langneg::negotiate_languages(
        &requested,
        &available,
        None,
        fluent_langneg::NegotiationStrategy::Lookup,
    )
    .first()
    .and_then(|id| Lang::parse(id.language.as_str()))
    .unwrap_or(Lang::En)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use fluent_syntax::ast;

    use super::*;

    /// Message and attribute ids of one file; a file that does not parse fails.
    fn ids(group: &str, lang: Lang, text: &str) -> BTreeSet<String> {
        let resource =
            fluent_syntax::parser::parse(text.to_owned()).unwrap_or_else(|(_, errors)| {
                panic!("{group} {}: does not parse: {errors:?}", lang.code())
            });
        let mut out = BTreeSet::new();
        for entry in resource.body {
            if let ast::Entry::Message(m) = entry {
                out.insert(m.id.name.clone());
                for a in m.attributes {
                    out.insert(format!("{}.{}", m.id.name, a.id.name));
                }
            }
        }
        out
    }

    /// Whole numbers in messages are grouped as each language writes them;
    /// fractions and text (a load's number) are left as they are.
    #[test]
    fn counts_in_messages_are_grouped_as_the_language_writes_them() {
        let count = |n: FluentValue<'static>| [("count", n)];
        assert_eq!(
            t_args(Lang::En, "map-n-reports", &count(1629.into())),
            "1,629 reports"
        );
        assert_eq!(
            t_args(Lang::En, "map-n-reports", &count(7.into())),
            "7 reports"
        );
        assert_eq!(
            t_args(Lang::En, "map-n-reports", &count(2.5.into())),
            "2.5 reports"
        );
        assert_eq!(
            t_args(Lang::En, "map-n-reports", &count("1629".into())),
            "1629 reports"
        );
        let polish = t_args(Lang::Pl, "details-hint", &[("limit", 2000.into())]);
        assert!(polish.contains("2\u{a0}000 znaków"), "{polish}");
        let welsh = t_args(Lang::Cy, "triage-waiting", &count(1629.into()));
        assert!(welsh.contains("1,629"), "{welsh}");
        // Plural rules still see a number.
        assert_eq!(
            t_args(Lang::En, "triage-waiting", &count(1.into())),
            "One report is waiting."
        );
    }

    /// Every shipped file of a group has exactly English's messages: a message
    /// added in English and not translated fails here, as does a stray one.
    #[test]
    fn every_shipped_language_has_every_message() {
        for group in ["public", "staff"] {
            let english = MESSAGE_FILES
                .iter()
                .find(|(g, l, _)| *g == group && *l == Lang::En)
                .map(|(g, l, t)| ids(g, *l, t))
                .expect("English file");
            assert!(english.len() > 10, "{group}: {} messages", english.len());
            let shipped: Vec<_> = MESSAGE_FILES
                .iter()
                .filter(|(g, _, _)| *g == group)
                .collect();
            let expected: &[Lang] = if group == "public" {
                &Lang::ALL
            } else {
                &STAFF_LANGS
            };
            assert_eq!(
                shipped.len(),
                expected.len(),
                "{group}: one file per language"
            );
            for (g, lang, text) in shipped {
                let got = ids(g, *lang, text);
                let missing: Vec<_> = english.difference(&got).collect();
                let extra: Vec<_> = got.difference(&english).collect();
                assert!(
                    missing.is_empty() && extra.is_empty(),
                    "{group} {}: missing {missing:?}, not in English {extra:?}",
                    lang.code()
                );
            }
        }
    }

    /// Each message formats in each language without a Fluent error (a
    /// misspelt variable or term would fall back to English silently).
    #[test]
    fn every_message_formats_without_errors() {
        for (group, lang, text) in MESSAGE_FILES {
            let bundle = &catalogue().bundles[&lang];
            for id in ids(group, lang, text) {
                let (m, attr) = id
                    .split_once('.')
                    .map_or((id.as_str(), None), |(m, a)| (m, Some(a)));
                let message = bundle.get_message(m).expect("message");
                let Some(pattern) = (match attr {
                    Some(a) => message.get_attribute(a).map(|a| a.value()),
                    None => message.value(),
                }) else {
                    continue;
                };
                let mut args = FluentArgs::new();
                for name in [
                    "count",
                    "day",
                    "month",
                    "year",
                    "id",
                    "reason",
                    "field",
                    "date",
                    "number",
                    "value",
                    "limit",
                    "quarter",
                    "area",
                    "k",
                    "values",
                    "pct",
                    "before",
                    "p",
                    "verdict",
                    "change",
                    "heading",
                    "withheld",
                    "res",
                    "sort",
                    "reports",
                    "incidents",
                    "sources",
                    "source",
                    "positive",
                    "pai",
                    "days",
                    "bin",
                    "period",
                    "hot",
                    "cells",
                    "when",
                    "user",
                    "time",
                    "layer",
                    "status",
                    "from",
                    "to",
                    "areas",
                    "kernel",
                    "place",
                    "cell",
                    "category",
                    "force",
                    "months",
                    "km",
                    "direction",
                    "tested",
                    "first",
                    "last",
                    "ratio",
                    "lo",
                    "hi",
                    "other",
                    "victims",
                    "nrm",
                    "safeguarding",
                    "arrests",
                    "z",
                    "shown",
                    "total",
                    "page",
                    "pages",
                    "file",
                    "mib",
                    "format",
                ] {
                    args.set(name, "1");
                }
                let mut errors = Vec::new();
                let _ = bundle.format_pattern(pattern, Some(&args), &mut errors);
                assert!(
                    errors.is_empty(),
                    "{group} {} {id}: {errors:?}",
                    lang.code()
                );
            }
        }
    }

    /// A hot-spot class is read alone (a briefing's list, a premises page),
    /// not only beside the legend's first entry: each says what its
    /// percentage is.
    #[test]
    fn every_hot_spot_class_says_its_confidence() {
        for bin in ["3", "2", "1", "m1", "m2", "m3"] {
            let label = t(Lang::En, &format!("map-bin-{bin}"));
            let percent = match bin.trim_start_matches('m') {
                "3" => "99%",
                "2" => "95%",
                _ => "90%",
            };
            assert!(
                label.ends_with(&format!(", {percent} confidence")),
                "{label}"
            );
            let welsh = t(Lang::Cy, &format!("map-bin-{bin}"));
            assert!(welsh.ends_with(&format!(", hyder {percent}")), "{welsh}");
        }
    }

    #[test]
    fn language_choice_order() {
        assert_eq!(choose(Some("lt"), Some("cy"), Some("pl")), Lang::Lt);
        assert_eq!(choose(Some("xx"), Some("cy"), Some("pl")), Lang::Cy);
        assert_eq!(
            choose(None, None, Some("pl-PL,pl;q=0.9,en;q=0.8")),
            Lang::Pl
        );
        assert_eq!(choose(None, None, Some("de-DE,ro;q=0.5")), Lang::Ro);
        assert_eq!(choose(None, None, Some("de-DE")), Lang::En);
        assert_eq!(choose(None, None, None), Lang::En);
        assert_eq!(Lang::Lt.staff(), Lang::En);
        assert_eq!(Lang::Cy.staff(), Lang::Cy);
    }

    /// Grouping and dates follow CLDR for each language, not English.
    #[test]
    fn numbers_and_dates_in_the_language() {
        assert_eq!(number(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(number(Lang::Ro, 1_234_567), "1.234.567");
        assert_eq!(number(Lang::Pl, 1_234_567), "1\u{a0}234\u{a0}567");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).expect("date");
        assert_eq!(date(Lang::En, day), "3 December 2026");
        assert_eq!(date(Lang::Pl, day), "3 grudnia 2026");
        assert_eq!(date(Lang::Cy, day), "3 Rhagfyr 2026");
        assert_eq!(date(Lang::Lt, day), "2026 m. gruodžio 3 d.");
    }
}
