//! The frame of every page: head, navigation, sign-out. Knows nothing of
//! sessions: a signed-in page passes a [`Nav`].

use maud::{html, Markup, DOCTYPE};

use crate::model::Role;
use crate::serve::assets;

/// Who is signed in, as the navigation shows them.
#[derive(Clone, Copy, Debug)]
pub struct Nav<'a> {
    pub user: &'a str,
    pub role: Role,
    /// The session's CSRF token for the sign-out form.
    pub csrf: &'a str,
}

/// The frame of every page.
pub fn layout(title: &str, body: &Markup) -> Markup {
    page(title, "", body, false, None)
}

/// A page for a signed-in viewer (the navigation shows their name and sign-out).
pub fn layout_for(title: &str, body: &Markup, nav: Nav<'_>) -> Markup {
    page(title, "", body, false, Some(nav))
}

pub(crate) fn page(
    title: &str,
    body_class: &str,
    body: &Markup,
    map: bool,
    nav: Option<Nav<'_>>,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
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
                header.top {
                    a.brand href="/" { "hotspots" }
                    nav aria-label="Main" {
                        a href="/" { "Map" }
                        a href="/towns" { "Towns" }
                        a href="/reports/new" { "New report" }
                        a href="/api/v1/openapi.json" { "API" }
                        @if let Some(v) = nav {
                            @if v.role.sees_premises() {
                                a href="/premises" { "Premises" }
                                a href="/outcomes" { "Outcomes" }
                            }
                            @if v.role.administers() { a href="/admin" { "Admin" } }
                        }
                    }
                    @if let Some(v) = nav {
                        form.signout method="post" action="/signout" {
                            span.who { (v.user) " (" (v.role.as_str()) ")" }
                            input type="hidden" name="csrf" value=(v.csrf);
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                (body)
            }
        }
    }
}
