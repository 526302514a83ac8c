//! The `/ogc` documents as pages (the `html` conformance class): the same
//! JSON each endpoint answers, laid out for a person following the links.

use std::fmt::Write as _;

use maud::{html, Markup};
use serde_json::Value;

use crate::serve::layout::{layout, layout_for, Nav};

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Values longer than this are folded in the items table: a row stays a
/// line, and the whole value is a click away (and on the item's page).
const FOLD_OVER: usize = 80;

/// A property's value in the items table: as [`text`], but a long list or
/// object (an area's cells, its monthly counts) folded under its size.
fn cell(v: &Value) -> Markup {
    let full = text(v);
    let size = match v {
        Value::Array(a) => Some(format!("{} values", a.len())),
        Value::Object(o) => Some(format!("{} entries", o.len())),
        _ => None,
    };
    match size {
        Some(size) if full.chars().count() > FOLD_OVER => {
            html! { details { summary { (size) } code { (full) } } }
        }
        _ => html! { (full) },
    }
}

fn links(v: &Value) -> Markup {
    html! {
        ul.links {
            @for l in v["links"].as_array().into_iter().flatten() {
                li { a href=(text(&l["href"])) { (text(&l["title"])) } " (" (text(&l["rel"])) ", " (text(&l["type"])) ")" }
            }
        }
    }
}

pub(super) fn landing(body: &Value) -> Markup {
    layout(
        "OGC API – Features",
        &html! {
            main #main .ogc {
                h1 { (text(&body["title"])) }
                p { (text(&body["description"])) }
                (links(body))
            }
        },
    )
}

pub(super) fn conformance(classes: &[&str]) -> Markup {
    layout(
        "Conformance",
        &html! {
            main #main .ogc {
                h1 { "Conformance classes" }
                ul { @for c in classes { li { code { (c) } } } }
                p { a href="/ogc" { "Back to the landing page" } }
            }
        },
    )
}

pub(super) fn api(document: &Value) -> Markup {
    layout(
        "API definition",
        &html! {
            main #main .ogc {
                h1 { "API definition (OpenAPI 3.0)" }
                p { a href="/ogc/api?f=json" { "The document as JSON" } }
                div.table-scroll role="region" tabindex="0" aria-label=("Links") {
                    table {
                        thead { tr { th scope="col" { "Path" } th scope="col" { "What" } } }
                        tbody {
                            @for (path, item) in document["paths"].as_object().into_iter().flatten() {
                                tr { td { code { (path) } } td { (text(&item["get"]["summary"])) } }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub(super) fn collections(body: &Value, nav: Nav<'_>) -> Markup {
    layout_for(
        "Collections",
        &html! {
            main #main .ogc {
                h1 { "Collections" }
                div.table-scroll role="region" tabindex="0" aria-label=("Collections") {
                    table {
                        thead { tr { th scope="col" { "Collection" } th scope="col" { "What" } th scope="col" { "Items" } } }
                        tbody {
                            @for c in body["collections"].as_array().into_iter().flatten() {
                                @let id = text(&c["id"]);
                                tr {
                                    td { a href={ "/ogc/collections/" (id) "?f=html" } { (text(&c["title"])) } }
                                    td { (text(&c["description"])) }
                                    td { a href={ "/ogc/collections/" (id) "/items?f=html" } { "Items" } }
                                }
                            }
                        }
                    }
                }
            }
        },
        nav,
    )
}

pub(super) fn collection(body: &Value, nav: Nav<'_>) -> Markup {
    layout_for(
        &text(&body["title"]),
        &html! {
            main #main .ogc {
                h1 { (text(&body["title"])) }
                p { (text(&body["description"])) }
                p { "Data from " (text(&body["extent"]["temporal"]["interval"][0][0])) " to " (text(&body["extent"]["temporal"]["interval"][0][1])) "." }
                @let bbox = &body["extent"]["spatial"]["bbox"][0];
                p { "Within longitude " (bbox[0]) " to " (bbox[2]) " and latitude " (bbox[1]) " to " (bbox[3]) " (WGS84 degrees)." }
                (links(body))
            }
        },
        nav,
    )
}

pub(super) fn queryables(title: &str, body: &Value, nav: Nav<'_>) -> Markup {
    layout_for(
        &format!("Queryables: {title}"),
        &html! {
            main #main .ogc {
                h1 { "Queryables: " (title) }
                div.table-scroll role="region" tabindex="0" aria-label=("Queryables") {
                    table {
                        thead { tr { th scope="col" { "Property" } th scope="col" { "Type" } th scope="col" { "Meaning" } } }
                        tbody {
                            @for (name, schema) in body["properties"].as_object().into_iter().flatten() {
                                tr {
                                    td { code { (name) } }
                                    td { (text(&schema["type"])) " " (text(&schema["format"])) }
                                    td { (text(&schema["title"])) }
                                }
                            }
                        }
                    }
                }
            }
        },
        nav,
    )
}

/// The property names of a page of features, in first-seen order.
fn columns(features: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for f in features {
        for name in f["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

pub(super) fn items(title: &str, body: &Value, nav: Nav<'_>) -> Markup {
    let features = body["features"].as_array().cloned().unwrap_or_default();
    // An `id` property that repeats every feature's id is its first column
    // already (the hotspot areas carry one for the GeoJSON's readers).
    let repeats_id = |name: &str| {
        name == "id"
            && features
                .iter()
                .all(|f| text(&f["properties"]["id"]) == text(&f["id"]))
    };
    let names: Vec<String> = columns(&features)
        .into_iter()
        .filter(|n| !repeats_id(n))
        .collect();
    let link_to = |rel: &str| {
        body["links"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["rel"] == rel)
            .map(|l| text(&l["href"]))
    };
    layout_for(
        &format!("Items: {title}"),
        &html! {
            main #main .ogc {
                h1 { (title) }
                p { (text(&body["numberReturned"])) " of " (text(&body["numberMatched"])) " items." }
                nav aria-label="Pages" {
                    @if let Some(prev) = link_to("prev") { a rel="prev" href=(prev) { "Previous page" } " " }
                    @if let Some(next) = link_to("next") { a rel="next" href=(next) { "Next page" } }
                }
                div.scroll {
                    div.table-scroll role="region" tabindex="0" aria-label=("Features") {
                        table {
                            thead { tr { th scope="col" { "id" } @for n in &names { th scope="col" { (n) } } } }
                            tbody {
                                @for f in &features {
                                    tr {
                                        td { a href={ "items/" (percent(&text(&f["id"]))) "?f=html" } { (text(&f["id"])) } }
                                        @for n in &names { td { (cell(&f["properties"][n])) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
        nav,
    )
}

pub(super) fn item(title: &str, feature: &Value, nav: Nav<'_>) -> Markup {
    layout_for(
        &format!("{title}: {}", text(&feature["id"])),
        &html! {
            main #main .ogc {
                h1 { (title) ": " (text(&feature["id"])) }
                div.table-scroll role="region" tabindex="0" aria-label=("Feature") {
                    table {
                        tbody {
                            @for (name, value) in feature["properties"].as_object().into_iter().flatten() {
                                tr { th scope="row" { (name) } td { (text(value)) } }
                            }
                        }
                    }
                }
                (links(feature))
            }
        },
        nav,
    )
}

/// A path segment, percent-encoded (ids hold `:` and spaces).
pub(super) fn percent(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
