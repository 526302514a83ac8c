//! The whole app as one `Router`, its security headers, and serving it.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, Request};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::admin;
use crate::serve::error::{AppError, Audience, ProblemFrame};
use crate::serve::state::{AppState, ServeConfig};
use crate::serve::{api, assets, ogc, pages};
use crate::store::Store;

/// The whole app: pages, API, static files, and the tower-http layers.
pub fn router(state: AppState) -> Router {
    let limit = state.config().max_body_mib << 20;
    let timeout = Duration::from_secs(state.config().timeout_secs);
    let csp = content_security_policy(state.config().basemap_url.as_deref());
    Router::new()
        .route("/", get(pages::map_page))
        .route("/towns", get(pages::towns_page))
        .route("/towns/pack", get(pages::pack_page))
        .route(
            "/reports/new",
            get(pages::report_form).post(pages::submit_report_form),
        )
        .route("/premises", get(pages::premises_page))
        .route("/premises/{id}", get(pages::premises_detail))
        .route(
            "/premises/{id}/outcomes",
            axum::routing::post(pages::submit_outcome),
        )
        .route(
            "/premises/{id}/merge",
            axum::routing::post(pages::merge_premises),
        )
        .route(
            "/premises/{id}/detach",
            axum::routing::post(pages::detach_report),
        )
        .route(
            "/report",
            get(pages::public_report_page).post(pages::submit_public_report),
        )
        .route("/report/outline.geojson", get(pages::public_outline))
        .route("/triage", get(pages::triage_page))
        .route(
            "/triage/{id}/accept",
            axum::routing::post(pages::accept_public_report),
        )
        .route(
            "/triage/{id}/reject",
            axum::routing::post(pages::reject_public_report),
        )
        .route("/loads", get(pages::loads_page).post(pages::upload))
        .route("/loads/{id}", get(pages::load_page))
        .route("/loads/{id}/rejects.csv", get(pages::load_rejects_csv))
        .route("/outcomes", get(pages::outcomes_page))
        .route("/briefing", get(pages::briefing_page))
        .route("/healthz", get(|| async { "ok" }))
        .route("/signin", get(pages::signin_form).post(pages::signin))
        .route("/signout", axum::routing::post(pages::signout))
        .merge(pages::admin_routes())
        .route("/static/{*path}", get(assets::asset))
        .route("/favicon.ico", get(assets::favicon))
        .merge(api::routes())
        .merge(ogc::routes())
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refuse_oversized_bodies,
        ))
        .layer(axum::middleware::from_fn(remember_language))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            localise_problem_pages,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // Level 4, not the codecs' default: brotli's default is quality 11, which
        // takes seconds on a multi-megabyte layer (gzip 4 and brotli 4 are what
        // CDNs use for dynamic content).
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .br(true)
                .quality(CompressionLevel::Precise(4)),
        )
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .with_state(state)
}

/// Scripts and styles from our own files only (no `unsafe-inline`); MapLibre
/// starts its worker from a `blob:` URL; a raster basemap's origin is allowed
/// for images when configured.
pub fn content_security_policy(basemap_url: Option<&str>) -> HeaderValue {
    let tiles = basemap_url
        .and_then(|u| {
            let rest = u.split_once("://")?;
            let host = rest.1.split('/').next()?;
            let host: String = host
                .chars()
                .filter(|c| !matches!(c, '{' | '}' | ';' | ' ' | '\''))
                .collect();
            Some(format!(" {}://{host}", rest.0))
        })
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{tiles}; \
         connect-src 'self'{tiles}; worker-src 'self' blob:; child-src blob:; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"))
}

/// Serves until Ctrl-C or SIGTERM, finishing requests in flight.
///
/// # Errors
/// When the address cannot be bound or the server fails.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Serves a store on `bind` until Ctrl-C or SIGTERM, blocking the caller.
/// `listening` is told the bound address first (the command line prints it).
///
/// # Errors
/// When the server state cannot be set up or the address cannot be bound.
pub fn run(
    store: Store,
    bind: &str,
    config: ServeConfig,
    listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    use anyhow::Context;
    let db = store.path();
    let admin_store = store.try_clone()?;
    let state = AppState::new(store, config)?;
    // Account commands from the command line reach this server through its
    // admin socket while it holds the database (see `admin`).
    let forget = state.clone();
    let _socket = if db == std::path::Path::new(":memory:") {
        None
    } else {
        let socket = admin::socket_path(&db);
        Some(
            admin::listen(socket.clone(), admin_store, move || {
                forget.forget_principals();
            })
            .with_context(|| format!("{}: cannot make the admin socket", socket.display()))?,
        )
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("--bind {bind}: cannot listen"))?;
        let addr: SocketAddr = listener.local_addr()?;
        listening(addr);
        serve(listener, state).await.context("server failed")
    })
}

/// A body whose `Content-Length` is over the limit is refused before it is
/// read, as our other errors are (JSON for scripts, a page for people) and
/// naming the limit: `RequestBodyLimitLayer` would answer a bare 413. One
/// sent without a length is cut off at the limit as it is read, which the
/// handlers say alike (`AppError::TooLarge`).
async fn refuse_oversized_bodies(
    State(state): State<AppState>,
    request: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let limit_mib = state.config().max_body_mib;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > (limit_mib as u64) << 20) {
        let path = request.uri().path();
        let audience = if path.starts_with("/api/") || path.starts_with("/ogc") {
            Audience::Api
        } else {
            Audience::Page
        };
        return AppError::TooLarge { limit_mib }.respond(audience);
    }
    next.run(request).await
}

/// A problem page (an error answered as a page) written again for its
/// caller: in the public pages' language for `/report`, else in the staff
/// one and, when the caller is signed in, with their navigation. The
/// response's other headers (`Retry-After`, cookies) are kept.
async fn localise_problem_pages(
    State(state): State<AppState>,
    request: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let report_path = parts.uri.path() == "/report" || parts.uri.path().starts_with("/report/");
    let asked = crate::serve::session::request_lang(&parts);
    // Only what identifies the caller is kept for after the handler (the
    // request itself is consumed): every request passes here.
    let credentials: axum::http::HeaderMap = if report_path {
        axum::http::HeaderMap::new()
    } else {
        parts
            .headers
            .iter()
            .filter(|(name, _)| *name == header::COOKIE || *name == header::AUTHORIZATION)
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    };
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let Some(problem) = response
        .extensions_mut()
        .remove::<crate::serve::error::ProblemPage>()
    else {
        return response;
    };
    // A failure to look the session up is the page's own problem: the page
    // is then framed as signed out, never a second error.
    let principal = if report_path {
        None
    } else {
        state.authenticate(&credentials).await.ok().flatten()
    };
    // Someone signed out who asked for a language only the public page
    // speaks (a mistyped or stale link to it, most likely) is answered as
    // the public page would be: in that language, with the way to it.
    let public = report_path || (principal.is_none() && asked.staff() != asked);
    let lang = if public { asked } else { asked.staff() };
    if lang == crate::serve::i18n::Lang::En && !public && principal.is_none() {
        return response;
    }
    let frame = match &principal {
        _ if public => ProblemFrame::Public,
        Some(p) => ProblemFrame::SignedIn(crate::serve::layout::Nav {
            user: &p.user,
            role: p.role,
            csrf: p.csrf.as_deref().unwrap_or_default(),
            lang,
        }),
        None => ProblemFrame::SignedOut,
    };
    let page = crate::serve::error::problem_page(lang, problem.status, &problem.detail, frame);
    let mut localised = axum::response::IntoResponse::into_response((problem.status, page));
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            localised.headers_mut().append(name.clone(), value.clone());
        }
    }
    localised
}

/// A staff page asked for with `?lang=` remembers the choice for the pages
/// after it. The public page never sets it: its only cookie is its CSRF token,
/// and its language travels in its links instead.
async fn remember_language(
    request: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    let remembered = if path == "/report"
        || path.starts_with("/report/")
        || path.starts_with("/api/")
        || path.starts_with("/ogc")
        || path.starts_with("/static/")
    {
        None
    } else {
        serde_urlencoded::from_str::<Vec<(String, String)>>(request.uri().query().unwrap_or(""))
            .unwrap_or_default()
            .into_iter()
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| crate::serve::i18n::Lang::parse(&v))
    };
    let mut response = next.run(request).await;
    if let Some(lang) = remembered {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000",
            crate::serve::session::LANG_COOKIE,
            lang.code()
        )) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// 404 for anything else.
async fn not_found() -> Response {
    AppError::NotFound.respond(Audience::Page)
}
