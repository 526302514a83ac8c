//! The partnership pack on the demo data: its figures are the towns API's
//! exact figures for roles that read reports; for the partnership role each is
//! that exact figure or withheld, never 1..k−1, and no table has exactly one
//! withheld count against its total (which the total would reveal).

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use hotspots::model::Role;
use hotspots::serve::router;

use crate::support::router::{demo, send, Answer};

const K: u64 = 5;

async fn get(uri: &str, role: Role) -> Answer {
    send(
        router(demo().0.clone()),
        Request::get(uri)
            .header(
                header::COOKIE,
                format!("hs_session=session-{}", role.as_str()),
            )
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

/// `data-value` attributes in order, within `from..to` of the page.
fn values(html: &str) -> Vec<Option<u64>> {
    html.split("data-value=\"")
        .skip(1)
        .map(|rest| {
            let v = rest.split('"').next().expect("value");
            if v == "withheld" {
                None
            } else {
                Some(v.parse().expect("a count"))
            }
        })
        .collect()
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("no {start}"));
    let j = html[i..].find(end).map_or(html.len(), |j| i + j);
    &html[i..j]
}

/// One table: its rows' (key, [this quarter, previous, year before]).
fn table(html: &str, dimension: &str) -> Vec<(String, [Option<u64>; 3])> {
    let t = between(html, &format!("data-dimension=\"{dimension}\""), "</table>");
    t.split("<tr data-key=\"")
        .skip(1)
        .map(|row| {
            let key = row.split('"').next().expect("key").to_owned();
            let v = values(row);
            assert_eq!(v.len(), 3, "{dimension} {key}: {v:?}");
            (key, [v[0], v[1], v[2]])
        })
        .collect()
}

/// The map's cells: `(h3, count)` from each hexagon's title.
fn map_cells(html: &str) -> Vec<(String, Option<u64>)> {
    html.split("<title>Cell ")
        .skip(1)
        .map(|t| {
            let (cell, rest) = t.split_once(": ").expect("cell: count");
            let said = rest.split('<').next().expect("count");
            (cell.to_owned(), said.parse().ok())
        })
        .collect()
}

/// The quarter's cells layer (release resolution) as `role` reads it.
async fn layer_counts(
    row: &serde_json::Value,
    role: Role,
) -> std::collections::HashMap<String, Option<u64>> {
    let start =
        chrono::NaiveDate::parse_from_str(row["period_start"].as_str().expect("start"), "%Y-%m-%d")
            .expect("date");
    let end = start
        .checked_add_months(chrono::Months::new(3))
        .and_then(|d| d.pred_opt())
        .expect("end");
    let fc = get(
        &format!("/api/v1/layers/cells?from={start}&to={end}&res=8"),
        role,
    )
    .await
    .json();
    fc["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            (
                f["properties"]["h3"].as_str().expect("h3").to_owned(),
                f["properties"]["count"].as_u64(),
            )
        })
        .collect()
}

/// The busiest district of the latest quarter, by the exact towns API.
async fn busiest() -> (String, String, serde_json::Value) {
    let rows = get("/api/v1/towns?level=district", Role::Analyst)
        .await
        .json();
    let rows = rows["rows"].as_array().expect("rows").clone();
    let latest = rows
        .iter()
        .filter_map(|r| r["period_start"].as_str())
        .max()
        .expect("a period")
        .to_owned();
    let row = rows
        .iter()
        .filter(|r| r["period_start"] == latest.as_str())
        .max_by_key(|r| r["count"].as_u64())
        .expect("a district")
        .clone();
    let quarter = row["period"].as_str().expect("label").replace('-', "");
    (row["town"].as_str().expect("code").to_owned(), quarter, row)
}

#[tokio::test]
async fn the_pack_adds_up_and_equals_the_towns_figures() {
    let (code, quarter, row) = busiest().await;
    let uri = format!("/towns/pack?quarter={quarter}&area=district:{code}");
    let page = get(&uri, Role::Analyst).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    let headline = values(between(&html, "<dl class=\"headline\"", "</dl>"));
    assert_eq!(
        headline,
        vec![
            row["count"].as_u64(),
            row["previous"].as_u64(),
            row["year_before"].as_u64()
        ],
        "headline = the towns API's row"
    );
    assert!(headline[0].unwrap_or(0) > 0);
    // Sources by name: a report source is not a venue or an indicator.
    for (key, name) in [
        ("source:glaa", "GLAA"),
        ("source:police_intel", "Police intelligence"),
    ] {
        let th = between(&html, &format!("<tr data-key=\"{key}\""), "</th>");
        assert!(th.ends_with(&format!(">{name}")), "{key}: {th}");
    }
    for dimension in ["exploitation", "child", "nationality", "venue", "source"] {
        let rows = table(&html, dimension);
        assert!(!rows.is_empty(), "{dimension}");
        for (column, total) in headline.iter().enumerate() {
            let sum: u64 = rows.iter().map(|(_, v)| v[column].expect("exact")).sum();
            assert_eq!(Some(sum), *total, "{dimension} column {column} adds up");
        }
        // This quarter's values are the API's breakdown.
        for (key, v) in &rows {
            assert_eq!(
                v[0],
                Some(row["breakdown"][key].as_u64().unwrap_or(0)),
                "{key}"
            );
        }
    }
    // The summary says what the headline says: above or below last year.
    let (n, b) = (headline[0].unwrap_or(0), headline[2].unwrap_or(0));
    if b > 0 && n != b {
        let word = if n > b { "above" } else { "below" };
        assert!(
            between(&html, "<p class=\"summary\"", "</p>").contains(word),
            "summary says {word}"
        );
    }
    // Nationality and source, counted here from the report points
    // (`report_keys`: one value per report, the test's own grouping).
    let reports = get("/api/v1/layers/reports", Role::Analyst).await.json();
    let units = report_keys(reports["features"].as_array().expect("reports"));
    let mut by_nationality: std::collections::HashMap<String, u64> =
        std::collections::HashMap::new();
    let mut by_source: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for (_, district, quarter, keys) in &units {
        if row["district"] != district.as_str() || row["period"] != quarter.as_str() {
            continue;
        }
        for key in keys {
            if key.starts_with("nationality:") {
                *by_nationality.entry(key.clone()).or_default() += 1;
            } else if key.starts_with("source:") {
                *by_source.entry(key.clone()).or_default() += 1;
            }
        }
    }
    for (dimension, expected) in [("nationality", &by_nationality), ("source", &by_source)] {
        let shown: std::collections::HashMap<String, u64> = table(&html, dimension)
            .into_iter()
            .filter_map(|(key, v)| v[0].filter(|n| *n > 0).map(|n| (key, n)))
            .collect();
        assert_eq!(&shown, expected, "{dimension}, counted from the reports");
    }
    // The map's cells are cells of the quarter's cells layer, with its counts,
    // and hold no more reports than the area.
    let cells = map_cells(&html);
    assert!(!cells.is_empty(), "the busiest district has cells");
    let layer = layer_counts(&row, Role::Analyst).await;
    let mut total = 0;
    for (cell, count) in &cells {
        assert_eq!(
            layer.get(cell),
            Some(count),
            "{cell} as the cells layer has it"
        );
        total += count.expect("exact");
    }
    assert!(
        total <= headline[0].unwrap_or(0),
        "{total} in the map's cells"
    );
    // The trend chart has a text alternative naming the quarter.
    assert!(html.contains("<desc id=\"trend-desc\">"));
    assert!(html.contains(&row["period"].as_str().expect("label").to_owned()));
}

#[tokio::test]
async fn the_partnership_pack_withholds_small_counts_and_cannot_be_differenced() {
    let (code, quarter, row) = busiest().await;
    let release = layer_counts(&row, Role::Partnership).await;
    let uri = format!("/towns/pack?quarter={quarter}&area=district:{code}");
    let exact = get(&uri, Role::Analyst).await.text();
    let mut withheld_somewhere = false;
    // A count withheld so that a small one cannot be worked out, itself k or more.
    let mut withheld_large = false;
    // Every district of the quarter, so that small ones are checked too.
    let chooser = get(&format!("/towns/pack?quarter={quarter}"), Role::Partnership)
        .await
        .text();
    let areas: Vec<String> = chooser
        .split("area=district:")
        .skip(1)
        .map(|s| s.split('"').next().expect("code").to_owned())
        .collect();
    assert!(areas.len() > 3 && areas.contains(&code), "{areas:?}");
    for area in &areas {
        let uri = format!("/towns/pack?quarter={quarter}&area=district:{area}");
        let page = get(&uri, Role::Partnership).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        let analyst = if *area == code {
            exact.clone()
        } else {
            get(&uri, Role::Analyst).await.text()
        };
        // Published and exact, value by value (rows are ordered by count, so
        // matched by key, not position).
        let mut pairs: Vec<(String, Option<u64>, Option<u64>)> = Vec::new();
        let head = |h: &str| values(between(h, "<dl class=\"headline\"", "</dl>"));
        for (i, (p, t)) in head(&html).into_iter().zip(head(&analyst)).enumerate() {
            pairs.push((format!("headline {i}"), p, t));
        }
        for dimension in ["exploitation", "child", "nationality", "venue", "source"] {
            let exact: std::collections::HashMap<String, [Option<u64>; 3]> =
                table(&analyst, dimension).into_iter().collect();
            let shown = table(&html, dimension);
            assert_eq!(
                shown.len(),
                exact.len(),
                "{area} {dimension}: the same rows"
            );
            for (key, v) in shown {
                for (column, p) in v.into_iter().enumerate() {
                    pairs.push((format!("{key} {column}"), p, exact[&key][column]));
                }
            }
        }
        for (what, p, t) in pairs {
            if let Some(n) = p {
                assert_eq!(
                    Some(n),
                    t,
                    "{area} {what}: a published count is the exact count"
                );
                assert!(n == 0 || n >= K, "{area} {what}: {n} is small");
            } else {
                withheld_somewhere = true;
                withheld_large |= t.is_some_and(|t| t >= K);
            }
        }
        // Every withheld count reads alike, never as "<5": some are large.
        for said in html
            .split("data-value=\"withheld\">")
            .skip(1)
            .map(|rest| rest.split('<').next().unwrap_or(""))
        {
            assert_eq!(said, "withheld", "{area}");
        }
        let text = main_text(&html);
        assert!(!text.contains(&format!("<{K}")), "{area}: {text}");
        let headline = values(between(&html, "<dl class=\"headline\"", "</dl>"));
        for dimension in ["exploitation", "child", "nationality", "venue", "source"] {
            let rows = table(&html, dimension);
            for (column, total) in headline.iter().enumerate() {
                let unknown = rows.iter().filter(|(_, v)| v[column].is_none()).count()
                    + usize::from(total.is_none());
                assert_ne!(
                    unknown, 1,
                    "{area} {dimension} column {column}: one withheld count the others reveal"
                );
                if unknown == 0 {
                    let sum: u64 = rows.iter().filter_map(|(_, v)| v[column]).sum();
                    assert_eq!(Some(sum), *total, "{area} {dimension} column {column}");
                }
            }
        }
        for (cell, count) in map_cells(&html) {
            assert_eq!(
                release.get(&cell),
                Some(&count),
                "{area} {cell}: as the release has it"
            );
            assert!(count.is_none_or(|n| n >= K), "{area} {cell}: {count:?}");
        }
        assert!(!html.contains("[missing message"));
    }
    assert!(withheld_somewhere, "the demo has small numbers to withhold");
    assert!(withheld_large, "the demo withholds a count of k or more");
}

#[tokio::test]
async fn the_pack_refuses_what_it_does_not_know() {
    // A page has no `error.field` beside its sentence: the sentence names
    // the parameter it is about, the unknown one included.
    for (uri, says) in [
        (
            "/towns/pack?area=county:X",
            "area: &quot;county:X&quot;: give district:CODE",
        ),
        (
            "/towns/pack?quarter=1999Q1&area=district:E07000010",
            "quarter: &quot;1999Q1&quot; is not a quarter",
        ),
        ("/towns/pack?colour=red", "colour: unknown parameter"),
    ] {
        let a = get(uri, Role::Partnership).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}");
        let html = a.text();
        let said = crate::support::element(&html, "<main", "</main>").expect("a problem page");
        assert!(said.contains(says), "{uri}: {said}");
    }
    let towns = get("/towns?group=district", Role::Partnership).await;
    assert_eq!(towns.status, StatusCode::BAD_REQUEST);
    assert!(
        towns.text().contains("group: unknown parameter"),
        "{}",
        towns.text()
    );
}

/// Union-find's root of `x`.
fn find(parent: &mut std::collections::HashMap<String, String>, x: &str) -> String {
    let p = parent.get(x).cloned().unwrap_or_else(|| x.to_owned());
    if p == x {
        return p;
    }
    let root = find(parent, &p);
    parent.insert(x.to_owned(), root.clone());
    root
}

/// Each report's breakdown keys, as the towns tables count them, made here
/// from the report points: `(town, district, quarter label, keys)`.
fn report_keys(features: &[serde_json::Value]) -> Vec<(String, String, String, Vec<String>)> {
    let nationality = |p: &serde_json::Value| -> String {
        let list: Vec<String> = match &p["nationalities"] {
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str())
                .map(str::to_lowercase)
                .collect(),
            serde_json::Value::String(s) => s
                .split(';')
                .filter(|x| !x.trim().is_empty())
                .map(|x| x.trim().to_lowercase())
                .collect(),
            _ => Vec::new(),
        };
        match list.len() {
            0 => "not_recorded".into(),
            1 => list[0].clone(),
            _ => "mixed".into(),
        }
    };
    let mut overall: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for f in features {
        let n = nationality(&f["properties"]);
        if n != "not_recorded" && n != "mixed" {
            *overall.entry(n).or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, u64)> = overall.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let kept: Vec<String> = ranked.into_iter().take(6).map(|r| r.0).collect();
    features
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let day = chrono::NaiveDate::parse_from_str(
                p["observed_on"].as_str().expect("date"),
                "%Y-%m-%d",
            )
            .expect("date");
            let quarter = format!(
                "{}-Q{}",
                chrono::Datelike::year(&day),
                (chrono::Datelike::month(&day) - 1) / 3 + 1
            );
            let mut n = nationality(p);
            if n != "not_recorded" && n != "mixed" && !kept.contains(&n) {
                n = "other".into();
            }
            let child = if p["child_involved"] == true {
                "child"
            } else {
                "adult_or_unknown"
            };
            let keys = vec![
                format!("venue:{}", p["venue_type"].as_str().expect("venue")),
                format!(
                    "exploitation:{}",
                    p["exploitation_type"].as_str().expect("exploitation")
                ),
                format!("child:{child}"),
                format!("source:{}", p["source"].as_str().expect("source")),
                format!("nationality:{n}"),
            ];
            (
                p["town"].as_str().unwrap_or("(none)").to_owned(),
                p["district"].as_str().unwrap_or("(none)").to_owned(),
                quarter,
                keys,
            )
        })
        .collect()
}

/// The towns page (by town) against the districts page and the pack (by
/// district): for each quarter and breakdown value, the towns and districts
/// that share reports of it form equations (a district's count is the sum of
/// its towns' counts, a town's the sum over the districts it straddles). No
/// such component may hold exactly one withheld count. The components are
/// built here from the report points, not from the code under test.
#[tokio::test]
async fn breakdowns_cannot_be_differenced_between_towns_and_districts() {
    let reports = get("/api/v1/layers/reports", Role::Analyst).await.json();
    let units = report_keys(reports["features"].as_array().expect("reports"));
    let published = |rows: serde_json::Value| -> std::collections::HashMap<(String, String, String), Option<u64>> {
        let mut out = std::collections::HashMap::new();
        for r in rows["rows"].as_array().expect("rows") {
            for (key, v) in r["breakdown"].as_object().expect("breakdown") {
                out.insert(
                    (r["town"].as_str().expect("area").to_owned(), r["period"].as_str().expect("period").to_owned(), key.clone()),
                    v.as_u64(),
                );
            }
        }
        out
    };
    let towns = published(
        get("/api/v1/towns?level=town", Role::Partnership)
            .await
            .json(),
    );
    let districts = published(
        get("/api/v1/towns?level=district", Role::Partnership)
            .await
            .json(),
    );
    // (quarter, key) → links (town, district).
    let mut links: std::collections::BTreeMap<
        (String, String),
        std::collections::BTreeSet<(String, String)>,
    > = std::collections::BTreeMap::new();
    for (town, district, quarter, keys) in &units {
        for key in keys {
            links
                .entry((quarter.clone(), key.clone()))
                .or_default()
                .insert((town.clone(), district.clone()));
        }
    }
    let mut checked = 0;
    let mut guarded = 0;
    for ((quarter, key), pairs) in &links {
        // Components by union-find over "t:town" and "d:district".
        let mut parent: std::collections::HashMap<String, String> =
            std::collections::HashMap::new();
        for (t, d) in pairs {
            let (a, b) = (
                find(&mut parent, &format!("t:{t}")),
                find(&mut parent, &format!("d:{d}")),
            );
            if a != b {
                parent.insert(a, b);
            }
        }
        let mut withheld: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        let nodes: std::collections::BTreeSet<String> = pairs
            .iter()
            .flat_map(|(t, d)| [format!("t:{t}"), format!("d:{d}")])
            .collect();
        for node in &nodes {
            let (area, table) = if let Some(t) = node.strip_prefix("t:") {
                (t, &towns)
            } else {
                (&node[2..], &districts)
            };
            let Some(value) = table.get(&(area.to_owned(), quarter.clone(), key.clone())) else {
                continue; // a quarter the tables do not publish
            };
            let root = find(&mut parent, node);
            *withheld.entry(root).or_default() += usize::from(value.is_none());
        }
        for (_, n) in withheld {
            checked += 1;
            guarded += usize::from(n >= 2);
            assert_ne!(
                n, 1,
                "{quarter} {key}: one withheld count in an equation of towns and districts"
            );
        }
    }
    assert!(checked > 100, "{checked} equations checked");
    assert!(guarded > 0, "some equations hold withheld counts");
}

/// The towns page as the partnership reads it: each town's venue and
/// exploitation lists show a withheld count as "withheld", as many as the
/// API withholds, and the demo's quarter withholds some of 10 or more (a
/// "<5" there would tell a meeting that a town's nail bars are few).
#[tokio::test]
async fn the_towns_page_says_withheld_never_fewer_than_k() {
    let published = get("/api/v1/towns", Role::Partnership).await.json();
    let exact = get("/api/v1/towns", Role::Analyst).await.json();
    let rows = |v: &serde_json::Value| v["rows"].as_array().expect("rows").clone();
    let (published, exact) = (rows(&published), rows(&exact));
    let quarter = published
        .iter()
        .filter(|r| r["complete"] == true)
        .filter_map(|r| r["period"].as_str())
        .max()
        .expect("a whole quarter")
        .to_owned();
    let html = get(&format!("/towns?quarter={quarter}"), Role::Partnership)
        .await
        .text();
    let text = main_text(&html);
    assert!(!text.contains(&format!("<{K}")), "{text}");
    assert!(text.contains("\"withheld\": a count from 1 to 4"), "{text}");
    let mut large = 0;
    let mut checked = 0;
    for row in published.iter().filter(|r| r["period"] == quarter.as_str()) {
        let town = row["town"].as_str().expect("town");
        let Some(at) = html.find(&format!(
            "<tr data-area=\"{}\"",
            town.replace('\'', "&#39;")
        )) else {
            continue;
        };
        let tr = between(&html[at..], "<tr", "</tr>");
        let lists: Vec<&str> = tr
            .split("<td class=\"breakdown\">")
            .skip(1)
            .map(|td| td.split('<').next().unwrap_or(""))
            .collect();
        assert_eq!(lists.len(), 2, "{town}");
        // (The release lists towns of no reports the exact table leaves out.)
        let truth = exact
            .iter()
            .find(|r| {
                r["period"] == quarter.as_str()
                    && r["town"] == town
                    && r["district"] == row["district"]
            })
            .cloned()
            .unwrap_or_default();
        for (prefix, list) in ["venue:", "exploitation:"].into_iter().zip(lists) {
            let withheld: Vec<&String> = row["breakdown"]
                .as_object()
                .expect("breakdown")
                .iter()
                .filter(|(key, v)| key.starts_with(prefix) && v.is_null())
                .map(|(key, _)| key)
                .collect();
            assert_eq!(
                list.matches(" withheld").count(),
                withheld.len(),
                "{town} {prefix} {list}"
            );
            large += withheld
                .iter()
                .filter(|key| truth["breakdown"][key.as_str()].as_u64() >= Some(10))
                .count();
            checked += 1;
        }
    }
    assert!(checked > 10, "{checked} lists");
    assert!(large > 0, "the quarter withholds a count of 10 or more");
}

/// The `<main>` element's text with tags, scripts and attributes left out.
fn main_text(html: &str) -> String {
    let main = between(html, "<main", "</main>");
    let mut out = String::new();
    let mut in_tag = false;
    for c in main.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    // The text a reader sees: maud escapes these five.
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Staff pages in Welsh: each says `lang="cy-GB"`, has no missing message,
/// and carries its own Welsh wording where English had its own; the map's
/// script messages ship with the same ids in both languages.
#[tokio::test]
async fn staff_pages_read_in_welsh() {
    let premises = get("/api/v1/premises?min_reports=2", Role::Tactical)
        .await
        .json();
    let premises_id = premises["features"][0]["properties"]["premises_id"]
        .as_str()
        .expect("a repeat premises")
        .to_owned();
    let pages = [
        ("/", "Cylchoedd cymdogaeth", "Neighbourhood rings"),
        ("/towns", "Tueddiadau trefi", "Town trends"),
        (
            "/towns?level=district",
            "Tueddiadau ardaloedd",
            "District trends",
        ),
        ("/towns/pack", "Pecyn partneriaeth", "Partnership pack"),
        (
            "/towns/pack?area=district:E07000010",
            "Prif ffigurau",
            "Headline figures",
        ),
        ("/premises", "Trefnu yn ôl", "Sort by"),
        (
            &format!("/premises/{premises_id}"),
            "Llinell amser",
            "Timeline",
        ),
        ("/outcomes", "Cyfradd llwyddo", "Hit rate"),
        (
            "/briefing?area=district:E07000010",
            "Sesiwn friffio diwrnod gweithredu",
            "Day-of-action briefing",
        ),
        ("/briefing", "dewiswch ardal", "choose an area"),
        ("/triage", "aros i'w brysbennu", "waiting for triage"),
        ("/admin", "Ychwanegu defnyddiwr", "Add a user"),
        ("/admin/audit", "Lawrlwytho fel CSV", "Download as CSV"),
        ("/signin", "Cyfrinair", "Password"),
    ];
    for (path, welsh, english) in pages {
        let sep = if path.contains('?') { '&' } else { '?' };
        let role = if path.starts_with("/admin") {
            Role::Admin
        } else {
            Role::Tactical
        };
        let cy = get(&format!("{path}{sep}lang=cy"), role).await;
        assert_eq!(cy.status, StatusCode::OK, "{path}");
        let cy = cy.text();
        let en = get(&format!("{path}{sep}lang=en"), role).await.text();
        assert!(cy.contains(r#"<html lang="cy-GB""#), "{path}");
        assert!(en.contains(r#"<html lang="en-GB""#), "{path}");
        assert!(
            !cy.contains("[missing message"),
            "{path}: {}",
            &cy[cy.find("[missing message").unwrap_or(0)..]
                .chars()
                .take(80)
                .collect::<String>()
        );
        let (cy_text, en_text) = (main_text(&cy), main_text(&en));
        assert!(cy_text.contains(welsh), "{path}: {cy_text}");
        assert!(en_text.contains(english), "{path}: {en_text}");
        assert!(
            !cy_text.contains(english),
            "{path} in Welsh still says {english:?}"
        );
    }
    // The map's script messages: one set of ids, every value in Welsh its own.
    let messages = |html: &str| -> serde_json::Map<String, serde_json::Value> {
        let start =
            html.find("data-messages=\"").expect("data-messages") + "data-messages=\"".len();
        let raw = html[start..]
            .split('"')
            .next()
            .expect("attribute")
            .replace("&quot;", "\"")
            .replace("&amp;", "&");
        serde_json::from_str(&raw).expect("messages JSON")
    };
    let en = messages(&get("/?lang=en", Role::Tactical).await.text());
    let cy = messages(&get("/?lang=cy", Role::Tactical).await.text());
    assert!(en.len() > 60, "{} messages", en.len());
    assert_eq!(en.keys().collect::<Vec<_>>(), cy.keys().collect::<Vec<_>>());
    assert_eq!(
        en["map-summary"],
        "{areas} hotspot areas · study area {cells} cells · data {from} to {to}"
    );
    // Report sources by name for the panel's newest reports.
    assert_eq!(en["source-police_intel"], "Police intelligence");
    assert_eq!(cy["source-police_intel"], "Cudd-wybodaeth yr heddlu");
    // Names that are the same in both languages.
    let proper = ["source-glaa", "source-crimestoppers", "source-api"];
    let same: Vec<&String> = en
        .keys()
        .filter(|k| {
            en[*k] == cy[*k]
                && !k.starts_with("map-bin-")
                && *k != "map-cell"
                && !proper.contains(&k.as_str())
        })
        .collect();
    assert!(same.len() <= 3, "not translated: {same:?}");
}

/// `/briefing` without an area lists the hotspot areas and districts to brief
/// on; each link opens a briefing, headed with the place the link named (a
/// printed briefing says "near Wisbech", not `hs-…`) and the area's reference.
#[tokio::test]
async fn the_briefing_offers_its_areas() {
    let html = get("/briefing", Role::Tactical).await.text();
    // (area, the link's text), without Fluent's bidi isolation marks.
    let plain = |t: &str| t.replace(['\u{2068}', '\u{2069}'], "");
    let links: Vec<(&str, String)> = html
        .split("href=\"/briefing?area=")
        .skip(1)
        .map(|rest| {
            let (area, after) = rest.split_once("\">").expect("link");
            (area, plain(after.split("</a>").next().expect("link text")))
        })
        .collect();
    let hotspot = links
        .iter()
        .find(|(l, _)| l.starts_with("hs-"))
        .expect("a hotspot area");
    let district = links
        .iter()
        .find(|(l, _)| l.starts_with("district:"))
        .expect("a district");
    assert!(hotspot.1.starts_with("Hotspot area near "), "{hotspot:?}");
    // Several areas near one town are told apart by how far and which way
    // they lie from it: no two links read the same.
    let hotspots: Vec<&str> = links
        .iter()
        .filter(|(l, _)| l.starts_with("hs-"))
        .map(|(_, text)| text.as_str())
        .collect();
    let distinct: std::collections::BTreeSet<&str> = hotspots.iter().copied().collect();
    assert_eq!(distinct.len(), hotspots.len(), "{hotspots:#?}");
    assert!(
        hotspots.iter().any(|t| t.contains(" km north")),
        "{hotspots:#?}"
    );
    for (area, named) in [hotspot, district] {
        let briefing = get(&format!("/briefing?area={area}"), Role::Tactical).await;
        assert_eq!(briefing.status, StatusCode::OK, "{area}");
        let text = briefing.text();
        let heading = plain(between(&text, "<h1>", "</h1>").trim_start_matches("<h1>"));
        assert!(
            heading.starts_with("Day-of-action briefing: ") && heading.contains(named.as_str()),
            "{area}: {heading:?} does not name {named:?}"
        );
        assert!(!heading.contains(area), "{area}: {heading:?}");
        assert_eq!(
            plain(between(&text, "<title>", " · hotspots</title>").trim_start_matches("<title>")),
            heading,
            "the printed page's title is its heading"
        );
        assert!(
            plain(&main_text(&text)).contains(&format!("Area reference: {area}")),
            "{area}"
        );
    }
}

/// A briefing names the police forces its area lies in, as the hotspot
/// layer lists them; an area across a force boundary says so.
#[tokio::test]
async fn the_briefing_names_its_police_forces() {
    let plain = |t: &str| t.replace(['\u{2068}', '\u{2069}'], "");
    let layer: serde_json::Value =
        serde_json::from_str(&get("/api/v1/layers/hotspots", Role::Tactical).await.text())
            .expect("GeoJSON");
    let features = layer["features"].as_array().expect("features");
    let forces_of = |p: &serde_json::Value| -> Vec<String> {
        p["forces"]
            .as_array()
            .expect("forces")
            .iter()
            .map(|v| v.as_str().expect("name").to_owned())
            .collect()
    };
    let one = features
        .iter()
        .map(|f| &f["properties"])
        .find(|p| p["crosses_forces"] == false)
        .expect("an area in one force");
    let two = features
        .iter()
        .map(|f| &f["properties"])
        .find(|p| p["crosses_forces"] == true)
        .expect("an area across a force boundary");
    let district = (
        "district:E07000146".to_owned(),
        vec!["Norfolk Constabulary".to_owned()],
    );
    for (area, forces) in [
        (one["id"].as_str().expect("id").to_owned(), forces_of(one)),
        (two["id"].as_str().expect("id").to_owned(), forces_of(two)),
        district,
    ] {
        let text = plain(&main_text(
            &get(&format!("/briefing?area={area}"), Role::Tactical)
                .await
                .text(),
        ));
        let line = if forces.len() > 1 {
            format!(
                "Police force areas: {}. The area crosses a force boundary",
                forces.join(", ")
            )
        } else {
            format!("Police force area: {}", forces[0])
        };
        assert!(text.contains(&line), "{area}: no {line:?} in {text}");
        // A hotspot area's monthly trend, as the layer gives it; none for a district.
        let trend = features
            .iter()
            .map(|f| &f["properties"])
            .find(|p| p["id"] == area.as_str())
            .map(|p| {
                let months = p["monthly"].as_array().expect("monthly").len();
                let opening = match p["trend"].as_str() {
                    Some("rising") => "Rising month by month over",
                    Some("falling") => "Falling month by month over",
                    _ => "No clear trend over",
                };
                let p = p["trend_p"].as_f64().expect("trend_p");
                let p = if p < 0.001 {
                    "< 0.001".to_owned()
                } else {
                    format!("= {p:.3}")
                };
                format!("{opening} {months} months (Mann-Kendall p {p})")
            });
        match trend {
            Some(line) => assert!(text.contains(&line), "{area}: no {line:?} in {text}"),
            None => assert!(!text.contains("Mann-Kendall"), "{area}: {text}"),
        }
    }
}

/// A briefing's map draws a line wherever two of its cells lie in different
/// police forces: as many cell edges as the cells' own districts give.
#[tokio::test]
async fn the_briefing_map_draws_the_force_boundary() {
    let layer: serde_json::Value =
        serde_json::from_str(&get("/api/v1/layers/hotspots", Role::Tactical).await.text())
            .expect("GeoJSON");
    let gazetteer = hotspots::geo::Gazetteer::embedded();
    let force = |cell: h3o::CellIndex| {
        let res7 = cell.parent(h3o::Resolution::Seven).expect("res 8");
        gazetteer
            .district_of_cell(res7)
            .and_then(|(code, _)| gazetteer.force_of_district(code))
            .map(|(id, _)| id)
    };
    let mut drawn_any = false;
    for f in layer["features"].as_array().expect("features") {
        let p = &f["properties"];
        // The briefing's cells: the area's and the ring around them.
        let mut cells = std::collections::BTreeSet::new();
        for hex in p["h3_cells"].as_array().expect("h3_cells") {
            let cell: h3o::CellIndex = hex.as_str().expect("hex").parse().expect("cell");
            cells.extend(cell.grid_disk::<Vec<_>>(1));
        }
        let cells = &cells;
        let expected = cells
            .iter()
            .flat_map(|a| {
                a.grid_ring::<Vec<_>>(1)
                    .into_iter()
                    .filter(move |b| a < b && cells.contains(b))
                    .map(move |b| (*a, b))
            })
            .filter(|(a, b)| {
                let (fa, fb) = (force(*a), force(*b));
                fa.is_some() && fb.is_some() && fa != fb
            })
            .count();
        let id = p["id"].as_str().expect("id");
        let html = get(&format!("/briefing?area={id}"), Role::Tactical)
            .await
            .text();
        let drawn = html.matches("class=\"force-boundary\"").count();
        assert_eq!(drawn, expected, "{id}");
        drawn_any |= drawn > 0;
        if p["crosses_forces"] == true {
            assert!(drawn > 0, "{id} crosses a force boundary");
            assert!(html.contains("solid black line: a police force boundary"));
        }
    }
    assert!(drawn_any, "the demo's briefings draw a force boundary");
}

/// `name="value"` of an SVG element's text, as a number.
fn attr(element: &str, name: &str) -> f64 {
    let key = format!(" {name}=\"");
    let from = element.find(&key).map(|i| &element[i + key.len()..]);
    from.and_then(|v| v.split('"').next())
        .unwrap_or_default()
        .parse()
        .unwrap_or_else(|_| panic!("{name} in {element}"))
}

/// A premises drawn on a briefing map: ((x, y) on the map, (lat, lng) on the ground).
type Drawn = ((f64, f64), (f64, f64));

/// Great-circle metres between two `(lat, lng)`, written here as the reference.
fn metres_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let (dp, dl) = (p2 - p1, (b.1 - a.1).to_radians());
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

/// The briefing map prints to scale, north up, with its places named: the
/// scale bar's length against the great-circle distance between premises
/// drawn far apart, each named place where the gazetteer puts it, and the
/// town the heading names among them when its centre is on the map.
#[tokio::test]
async fn the_briefing_map_has_a_scale_north_and_its_places() {
    let layer: serde_json::Value =
        serde_json::from_str(&get("/api/v1/layers/hotspots", Role::Tactical).await.text())
            .expect("GeoJSON");
    let premises: serde_json::Value = serde_json::from_str(
        &get("/api/v1/premises?min_reports=1", Role::Tactical)
            .await
            .text(),
    )
    .expect("GeoJSON");
    let at: std::collections::HashMap<&str, (f64, f64)> = premises["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            (
                f["id"].as_str().expect("id"),
                (c[1].as_f64().expect("lat"), c[0].as_f64().expect("lng")),
            )
        })
        .collect();
    let gazetteer = hotspots::geo::Gazetteer::embedded();
    let mut town_named = 0;
    for f in layer["features"]
        .as_array()
        .expect("features")
        .iter()
        .take(6)
    {
        let id = f["properties"]["id"].as_str().expect("id");
        let html = get(&format!("/briefing?area={id}"), Role::Tactical)
            .await
            .text();
        let svg = between(&html, "<svg", "</svg>");
        // Metres per SVG unit, from the scale bar.
        let bar = between(svg, "<g class=\"scale-bar\"", "</g>");
        let metres = attr(bar, "data-metres");
        let line = between(bar, "<line", "/>");
        let units_per_metre = (attr(line, "x2") - attr(line, "x1")) / metres;
        assert!(
            between(bar, "<text", "</text>").ends_with(&if metres >= 1000.0 {
                format!(">{} km", metres / 1000.0)
            } else {
                format!(">{metres} m")
            })
        );
        assert!(svg.contains("<g class=\"north\">"), "{id}: a north arrow");
        // The premises as numbered, in the table's order (their ids).
        let ids: Vec<&str> = html
            .split("<small>")
            .skip(1)
            .filter_map(|small| small.split("</small>").next()?.split(" · ").nth(1))
            .filter(|pid| at.contains_key(pid))
            .collect();
        let circles: Vec<(f64, f64)> = svg
            .split("<circle")
            .skip(1)
            .map(|c| (attr(c, "cx"), attr(c, "cy")))
            .collect();
        assert!(
            circles.len() >= 2 && ids.len() >= circles.len(),
            "{id}: {ids:?}"
        );
        let drawn: Vec<Drawn> = circles
            .iter()
            .zip(&ids)
            .map(|(xy, pid)| (*xy, at[pid]))
            .collect();
        let apart = |a: &Drawn, b: &Drawn| (a.0 .0 - b.0 .0).hypot(a.0 .1 - b.0 .1);
        // The pair drawn farthest apart.
        let (a, b) = drawn
            .iter()
            .flat_map(|a| drawn.iter().map(move |b| (a, b)))
            .max_by(|x, y| apart(x.0, x.1).total_cmp(&apart(y.0, y.1)))
            .expect("a pair");
        let on_map = apart(a, b) / units_per_metre;
        let on_ground = metres_between(a.1, b.1);
        assert!(
            (on_map / on_ground - 1.0).abs() < 0.01,
            "{id}: {on_map:.0} m on the map, {on_ground:.0} m on the ground"
        );
        // North up: the northern premises of the pair is drawn higher.
        assert_eq!(a.1 .0 > b.1 .0, a.0 .1 < b.0 .1, "{id}: north is up");
        // Each named place where the gazetteer puts it, relative to the
        // first premises (within a unit and a metre's rounding).
        let (origin_xy, origin) = drawn[0];
        let mut names = Vec::new();
        let mut boxes: Vec<(String, (f64, f64, f64, f64))> = Vec::new();
        for g in svg.split("<g class=\"place\"").skip(1) {
            let square = between(g, "<rect", "/>");
            let (x, y) = (attr(square, "x") + 4.0, attr(square, "y") + 4.0);
            let name = between(g, "<text", "</text>");
            let name = &name[name.find('>').expect("text") + 1..];
            let expected_east = (x - origin_xy.0) / units_per_metre;
            let expected_south = (y - origin_xy.1) / units_per_metre;
            let found = gazetteer.places.iter().filter(|p| p.name == name).any(|p| {
                let east = metres_between(origin, (origin.0, p.lng)) * (p.lng - origin.1).signum();
                let south = metres_between(origin, (p.lat, origin.1)) * (origin.0 - p.lat).signum();
                (east - expected_east).abs() < 0.003 * on_ground.max(1000.0)
                    && (south - expected_south).abs() < 0.003 * on_ground.max(1000.0)
            });
            assert!(found, "{id}: {name} is not where the gazetteer puts it");
            // The name's box, from its anchor and alignment (about 7.5
            // units a character): on the map, and over no other name.
            let text = between(g, "<text", ">");
            let width = 7.5 * name.chars().count() as f64;
            let from = attr(text, "x")
                - match text
                    .split("text-anchor=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                {
                    Some("end") => width,
                    Some("middle") => width / 2.0,
                    _ => 0.0,
                };
            let baseline = attr(text, "y");
            let b = (from, baseline - 11.0, from + width, baseline + 3.0);
            assert!(
                b.0 >= 0.0 && b.2 <= 1000.0 && b.1 >= 0.0,
                "{id}: {name} at {b:?}"
            );
            for (other, o) in &boxes {
                assert!(
                    !(b.0 < o.2 && o.0 < b.2 && b.1 < o.3 && o.1 < b.3),
                    "{id}: {name} over {other}"
                );
            }
            boxes.push((name.to_owned(), b));
            names.push(name.to_owned());
        }
        let town = f["properties"]["nearest_town"].as_str().expect("town");
        if f["properties"]["nearest_town_km"].as_f64().expect("km") < 1.5 {
            assert!(names.iter().any(|n| n == town), "{id}: {town} in {names:?}");
            town_named += 1;
        }
    }
    assert!(town_named > 0, "an area within 1.5 km of its town's centre");
}

/// The towns page for one police force: the rows of the whole table whose
/// district lies in that force, unchanged, and nothing else.
#[tokio::test]
async fn the_towns_page_for_one_police_force() {
    let gazetteer = hotspots::geo::Gazetteer::embedded();
    // (town, district name, the row's cells as text) of the towns table.
    let rows = |html: &str| -> Vec<(String, String, String)> {
        let body = between(html, "<tbody>", "</tbody>");
        body.split("<tr data-area=")
            .skip(1)
            .map(|row| {
                let cell = |tag: &str, n: usize| {
                    let open = format!("<{tag}");
                    let rest = row.split(open.as_str()).nth(n).expect("cell");
                    let text = &rest[rest.find('>').expect("tag") + 1..];
                    text[..text.find(&format!("</{tag}>")).expect("end")].to_owned()
                };
                (
                    cell("th", 1),
                    cell("td", 1),
                    main_text(&format!("<main>{row}</main>")),
                )
            })
            .collect()
    };
    for role in [Role::Partnership, Role::Analyst] {
        let all = get("/towns", role).await;
        assert_eq!(all.status, StatusCode::OK);
        let all = rows(&all.text());
        let in_norfolk: Vec<(String, String, String)> = all
            .iter()
            .filter(|(_, district, _)| {
                gazetteer
                    .district_named(district)
                    .and_then(|(code, _)| gazetteer.force_of_district(code))
                    .is_some_and(|(id, _)| id == "norfolk")
            })
            .cloned()
            .collect();
        assert!(!in_norfolk.is_empty() && in_norfolk.len() < all.len());
        for force in ["norfolk", "Norfolk%20Constabulary"] {
            let page = get(&format!("/towns?force={force}"), role).await.text();
            assert_eq!(rows(&page), in_norfolk, "{role:?} {force}");
            assert!(main_text(&page).contains("Police force area: Norfolk Constabulary"));
        }
    }
    let bad = get("/towns?force=atlantis", Role::Partnership).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("force"));
}

/// `/briefing?force=…` offers one police force's hotspot areas (its own
/// map's, whose links keep the force) and its districts only.
#[tokio::test]
async fn the_briefing_chooser_for_one_police_force() {
    let gazetteer = hotspots::geo::Gazetteer::embedded();
    let html = get("/briefing?force=norfolk", Role::Tactical).await.text();
    let links: Vec<&str> = html
        .split("href=\"/briefing?area=")
        .skip(1)
        .map(|rest| rest.split('"').next().expect("link"))
        .collect();
    let areas: Vec<&&str> = links.iter().filter(|l| l.starts_with("hs-")).collect();
    let districts: Vec<&&str> = links
        .iter()
        .filter(|l| l.starts_with("district:"))
        .collect();
    // The force's own map: as many areas as the layer has for it.
    let layer = get("/api/v1/layers/hotspots?force=norfolk", Role::Tactical)
        .await
        .json();
    assert_eq!(
        areas.len(),
        layer["features"].as_array().expect("features").len()
    );
    assert!(!areas.is_empty() && !districts.is_empty());
    for link in &districts {
        let code = link.trim_start_matches("district:");
        assert_eq!(
            gazetteer.force_of_district(code).map(|(id, _)| id),
            Some("norfolk"),
            "{link}"
        );
    }
    for link in &areas {
        assert!(link.ends_with("&amp;force=norfolk"), "{link}");
        let briefing = get(
            &format!("/briefing?area={}", link.replace("&amp;", "&")),
            Role::Tactical,
        )
        .await;
        assert_eq!(briefing.status, StatusCode::OK, "{link}");
        assert!(main_text(&briefing.text()).contains("Norfolk Constabulary"));
    }
    let bad = get("/briefing?force=atlantis", Role::Tactical).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// `/premises` for one police force: the page lists the premises the API
/// keeps for that force, each in the force's area, and offers the choice.
#[tokio::test]
async fn the_premises_list_for_one_police_force() {
    let gazetteer = hotspots::geo::Gazetteer::embedded();
    let api = get(
        "/api/v1/premises?min_reports=2&force=norfolk",
        Role::Analyst,
    )
    .await
    .json();
    let features = api["features"].as_array().expect("features");
    let all = get("/api/v1/premises?min_reports=2", Role::Analyst)
        .await
        .json();
    let all = all["features"].as_array().expect("features").len();
    assert!(
        !features.is_empty() && features.len() < all,
        "{} of {all}",
        features.len()
    );
    for f in features {
        let [lng, lat] = [0, 1].map(|i| {
            f["geometry"]["coordinates"][i]
                .as_f64()
                .expect("coordinate")
        });
        let cell = h3o::LatLng::new(lat, lng)
            .expect("lat/lng")
            .to_cell(h3o::Resolution::Seven);
        let force = gazetteer
            .district_of_cell(cell)
            .and_then(|(code, _)| gazetteer.force_of_district(code))
            .map(|(id, _)| id);
        assert_eq!(force, Some("norfolk"), "{}", f["properties"]["premises_id"]);
    }
    // The page lists them a hundred at a time.
    let mut listed = 0;
    for n in 1..=features.len().div_ceil(100) {
        let page = get(&format!("/premises?force=norfolk&page={n}"), Role::Analyst)
            .await
            .text();
        listed += between(&page, "<tbody>", "</tbody>")
            .matches("<tr>")
            .count();
    }
    assert_eq!(listed, features.len());
    let page = get("/premises?force=norfolk", Role::Analyst).await.text();
    assert!(page.contains(r#"<option value="norfolk" selected>Norfolk Constabulary</option>"#));
}

/// `/towns/pack` without an area: the quarter's districts to choose from,
/// each once, under its police force area's name (read here from the
/// gazetteer's district → force table), forces in order of name.
#[tokio::test]
async fn the_pack_chooser_groups_districts_by_police_force() {
    let html = get("/towns/pack", Role::Partnership).await.text();
    let plain = |t: &str| {
        t.replace(['\u{2068}', '\u{2069}'], "")
            .replace("&amp;", "&")
    };
    assert!(
        plain(&main_text(&html)).contains("Packs for 2025-Q4"),
        "the quarter is named"
    );
    let gazetteer = hotspots::geo::Gazetteer::embedded();
    let mut headings = Vec::new();
    let mut listed = std::collections::BTreeSet::new();
    for section in html.split("<section class=\"force\"><h2>").skip(1) {
        let (heading, rest) = section.split_once("</h2>").expect("a heading");
        let heading = plain(heading);
        let body = rest.split("</section>").next().expect("its list");
        let codes: Vec<&str> = body
            .split("area=district:")
            .skip(1)
            .map(|l| l.split('"').next().expect("code"))
            .collect();
        assert!(
            !codes.is_empty(),
            "{heading}: a force heading lists districts"
        );
        for code in codes {
            let (_, force) = gazetteer.force_of_district(code).expect("a force");
            assert_eq!(force, heading, "{code}");
            assert!(listed.insert(code.to_owned()), "{code} listed twice");
        }
        headings.push(heading);
    }
    assert!(headings.len() >= 2, "{headings:?}");
    let mut sorted = headings.clone();
    sorted.sort();
    assert_eq!(headings, sorted);
    // The same districts as the quarter's rows of the towns layer by district.
    let layer: serde_json::Value = serde_json::from_str(
        &get("/api/v1/towns?level=district", Role::Partnership)
            .await
            .text(),
    )
    .expect("JSON");
    let rows = layer["rows"].as_array().expect("rows");
    let expected: std::collections::BTreeSet<String> = rows
        .iter()
        .filter(|r| r["period"] == "2025-Q4" && r["town"] != "(none)")
        .map(|r| r["town"].as_str().expect("code").to_owned())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(listed, expected);
}

/// Every printed page writes its day out ("7 December 2026"), as the
/// partnership and tactical readers of one printout would read it alike:
/// never "07/12/2026", which some read as July. The briefing's reporting
/// period is written the same way.
#[tokio::test]
async fn printed_pages_write_their_dates_out() {
    let (code, quarter, row) = busiest().await;
    let label = row["period"].as_str().expect("label");
    let written = |d: chrono::NaiveDate| d.format("%-d %B %Y").to_string();
    for (uri, role) in [
        (
            "/briefing?area=district:Fenland&from=2025-01-01&to=2025-06-30".to_owned(),
            Role::Tactical,
        ),
        (format!("/towns?quarter={label}"), Role::Partnership),
        (
            format!("/towns/pack?quarter={quarter}&area=district:{code}"),
            Role::Partnership,
        ),
    ] {
        let before = chrono::Local::now().date_naive();
        let page = get(&uri, role).await;
        let after = chrono::Local::now().date_naive();
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        let text = page.text().replace(['\u{2068}', '\u{2069}'], "");
        assert!(
            [before, after]
                .iter()
                .any(|d| text.contains(&format!("Generated {} ", written(*d)))),
            "{uri}: no written-out generation date"
        );
        assert_eq!(numeric_date(&text), None, "{uri}");
        if uri.starts_with("/briefing") {
            assert!(
                text.contains("Reports: 1 January 2025 to 30 June 2025."),
                "{uri}: the period is not written out"
            );
        }
    }
}

/// The first `dd/mm/yyyy` in `text`, if any.
fn numeric_date(text: &str) -> Option<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let w = &b[i..i + 10];
        let digits = [0, 1, 3, 4, 6, 7, 8, 9]
            .iter()
            .all(|&j| w[j].is_ascii_digit());
        (digits && w[2] == b'/' && w[5] == b'/').then(|| text[i..i + 10].to_owned())
    })
}
