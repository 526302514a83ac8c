//! Helpers shared by the in-process router tests (`serve`, `security`):
//! test accounts with ready sessions, the demo state, and a request runner that
//! reads the whole answer.
#![allow(dead_code)]

use std::sync::{Mutex, OnceLock};

use axum::body::Body;
use axum::http::header::AsHeaderName;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use hotspots::model::Role;
use hotspots::serve::{AppState, ServeConfig};
use hotspots::Store;
use tower::ServiceExt;

/// The password of every test account.
pub const PASSWORD: &str = "password-for-tests";

pub const ROLES: [Role; 4] = [
    Role::Partnership,
    Role::Analyst,
    Role::Tactical,
    Role::Admin,
];

/// One account per role, named after it, each with a live session whose cookie
/// is `hs_session=session-<role>` and CSRF token `csrf-<role>` (written straight
/// into the store, so only the sign-in tests pay for argon2 verification).
pub fn seed_accounts(store: &Store) {
    let now = chrono::Utc::now().naive_utc();
    let hash = hotspots::access::hash_password(PASSWORD).expect("hash");
    for role in ROLES {
        let name = hotspots::access::UserName::parse(role.as_str()).expect("name");
        store.add_user(&name, role, &hash, now).expect("user");
        store
            .create_session(
                role.as_str(),
                &hotspots::access::digest(&format!("session-{}", role.as_str())),
                &format!("csrf-{}", role.as_str()),
                now,
                now + chrono::TimeDelta::days(1),
            )
            .expect("session");
    }
}

/// The demo data with the test accounts, loaded once per test binary, and a
/// second connection to the same database for computing expected values.
pub fn demo() -> &'static (AppState, Mutex<Store>) {
    static DEMO: OnceLock<(AppState, Mutex<Store>)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let mut store = Store::open_in_memory().expect("store");
        hotspots::demo::load_demo(&mut store).expect("demo loads");
        seed_accounts(&store);
        let beside = Mutex::new(store.try_clone().expect("second connection"));
        let state = AppState::new(store, ServeConfig::default()).expect("state");
        (state, beside)
    })
}

/// An empty database with the test accounts, and a second connection to it.
pub fn empty_state() -> (AppState, Store) {
    let store = Store::open_in_memory().expect("store");
    seed_accounts(&store);
    let beside = store.try_clone().expect("second connection");
    (
        AppState::new(store, ServeConfig::default()).expect("state"),
        beside,
    )
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8 body")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
    pub fn header(&self, name: impl AsHeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub async fn send(app: Router, request: Request<Body>) -> Answer {
    let response = app.oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body")
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// One feature of a decoded tile: layer name, properties, polygons in tile
/// units (none for a point).
pub type TileFeature = (
    String,
    std::collections::HashMap<String, mvt_reader::feature::Value>,
    Vec<geo::Polygon<i32>>,
);

/// A map tile's features through an independent MVT decoder (`mvt-reader`).
/// An empty body is a tile with no layer.
pub fn decode_tile(body: &[u8]) -> Vec<TileFeature> {
    if body.is_empty() {
        return Vec::new();
    }
    let reader = mvt_reader::Reader::new(body.to_vec()).expect("a vector tile");
    let names = reader.get_layer_names().expect("layer names");
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        for f in reader.get_features_as::<i32>(i).expect("features") {
            let polygons = match f.geometry {
                geo::Geometry::Polygon(p) => vec![p],
                geo::Geometry::MultiPolygon(m) => m.0,
                // Points (reports, premises, areas too small to draw): no polygon.
                geo::Geometry::Point(_) | geo::Geometry::MultiPoint(_) => Vec::new(),
                other => panic!("{name}: expected polygons or points, got {other:?}"),
            };
            out.push((name.clone(), f.properties.unwrap_or_default(), polygons));
        }
    }
    out
}
