//! The frame of every page: head, skip link, navigation, language switcher,
//! sign-out. Knows nothing of sessions: a signed-in page passes a [`Nav`].

use maud::{html, Markup, DOCTYPE};

use crate::model::Role;
use crate::serve::assets;
use crate::serve::i18n::{t, Lang};

/// Who is signed in, as the navigation shows them, and the page's language.
#[derive(Clone, Copy, Debug)]
pub struct Nav<'a> {
    pub user: &'a str,
    pub role: Role,
    /// The session's CSRF token for the sign-out form.
    pub csrf: &'a str,
    /// The language the page is written in (its `<html lang>`).
    pub lang: Lang,
}

/// A page without a signed-in viewer, in English (sign-in, problems, OGC).
/// No language switcher: these pages are English only, and OGC pages refuse
/// parameters they do not know.
pub fn layout(title: &str, body: &Markup) -> Markup {
    staff_frame(Lang::En, title, "", body, false, None, false)
}

/// A staff page before sign-in (the sign-in form), in `lang`, with the
/// language switcher.
pub(crate) fn signed_out_page(lang: Lang, title: &str, body: &Markup) -> Markup {
    staff_frame(lang, title, "", body, false, None, true)
}

/// A page for a signed-in viewer (the navigation shows their name and
/// sign-out), English only (administration, OGC).
pub fn layout_for(title: &str, body: &Markup, nav: Nav<'_>) -> Markup {
    staff_frame(nav.lang, title, "", body, false, Some(nav), false)
}

/// A staff page: the navigation when signed in, in `nav.lang`, and the
/// language switcher.
pub(crate) fn page(
    title: &str,
    body_class: &str,
    body: &Markup,
    map: bool,
    nav: Option<Nav<'_>>,
) -> Markup {
    let lang = nav.map_or(Lang::En, |n| n.lang);
    staff_frame(lang, title, body_class, body, map, nav, true)
}

/// A plain staff page (no map, no body class) for a signed-in viewer.
pub(crate) fn staff_page(title: &str, body: &Markup, nav: Nav<'_>) -> Markup {
    page(title, "", body, false, Some(nav))
}

fn staff_frame(
    lang: Lang,
    title: &str,
    body_class: &str,
    body: &Markup,
    map: bool,
    nav: Option<Nav<'_>>,
    switch: bool,
) -> Markup {
    let links = html! {
        nav aria-label=(t(lang, "nav-main")) {
            a href="/" { (t(lang, "nav-map")) }
            a href="/towns" { (t(lang, "nav-towns")) }
            a href="/reports/new" { (t(lang, "nav-new-report")) }
            @if let Some(v) = nav {
                @if v.role.triages() { a href="/triage" { (t(lang, "nav-triage")) } }
                @if v.role.sees_premises() {
                    a href="/premises" { (t(lang, "nav-premises")) }
                    a href="/outcomes" { (t(lang, "nav-outcomes")) }
                }
                @if v.role.records_outcomes() { a href="/briefing" { (t(lang, "nav-briefing")) } }
                @if v.role.reviews_loads() { a href="/loads" { (t(lang, "nav-loads")) } }
                @if v.role.administers() { a href="/admin" { (t(lang, "nav-admin")) } }
            }
            a href="/api/v1/openapi.json" { (t(lang, "nav-api")) }
        }
        @if let Some(v) = nav {
            form.signout method="post" action="/signout" {
                span.who { (v.user) " (" (v.role.as_str()) ")" }
                input type="hidden" name="csrf" value=(v.csrf);
                button type="submit" { (t(lang, "sign-out")) }
            }
        }
    };
    frame(lang, title, body_class, body, map, &links, switch)
}

/// A public page (no account): the brand, the language switcher, no staff links.
pub(crate) fn public_page(lang: Lang, title: &str, body: &Markup, map: bool) -> Markup {
    frame(lang, title, "public", body, map, &html! {}, true)
}

fn frame(
    lang: Lang,
    title: &str,
    body_class: &str,
    body: &Markup,
    map: bool,
    links: &Markup,
    switch: bool,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · hotspots" }
                @if map {
                    link rel="stylesheet" href=(assets::url("vendor/maplibre-gl/maplibre-gl.css"));
                }
                link rel="stylesheet" href=(assets::url("style.css"));
                link rel="icon" type="image/svg+xml" href=(assets::url("favicon.svg"));
            }
            body class=(body_class) {
                a.skip href="#main" { (t(lang, "skip-to-content")) }
                header.top {
                    a.brand href="/" { (t(lang, "site-name")) }
                    (links)
                    @if switch { (switcher(lang)) }
                }
                (body)
            }
        }
    }
}

/// Links to this page in each language (`?lang=`: the query alone, so the
/// path stays; staff pages remember the choice in a cookie).
fn switcher(current: Lang) -> Markup {
    html! {
        // A disclosure, so that seven names do not widen the header.
        details.languages {
            summary { (t(current, "language")) ": " span lang=(current.tag()) { (current.native_name()) } }
            ul {
                @for l in Lang::ALL {
                    li {
                        @if l == current {
                            a href=(format!("?lang={}", l.code())) lang=(l.tag()) hreflang=(l.tag()) aria-current="true" { (l.native_name()) }
                        } @else {
                            a href=(format!("?lang={}", l.code())) lang=(l.tag()) hreflang=(l.tag()) { (l.native_name()) }
                        }
                    }
                }
            }
        }
    }
}
