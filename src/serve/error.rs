//! One error type for every handler: JSON for `/api`, a page for the rest.
//! Internals are logged; users read a plain sentence.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use crate::publish::{FeatureError, LayerError, ParamError, RenderError};
use crate::serve::i18n::{self, t, Lang};
use crate::serve::layout::Nav;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A bad parameter or body: 400 naming the field.
    #[error("{field}: {message}")]
    BadRequest { field: String, message: String },
    #[error("not found")]
    NotFound,
    #[error("sign in first")]
    Unauthorized,
    #[error("the form has expired or did not come from this site; reload it and try again")]
    Csrf,
    #[error("this role may not read {0}")]
    Forbidden(&'static str),
    /// A body over the server's limit (`max_body_mib`), which it names.
    #[error(
        "the body is larger than this server takes ({limit_mib} MiB): split the file, \
         or load it on the server with `hotspots ingest`"
    )]
    TooLarge { limit_mib: usize },
    /// Anything that is our fault: logged in full, answered with 500 and no detail.
    #[error("internal: {0}")]
    Internal(String),
}

/// Whether the answer is for a script (JSON) or a person (a page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Api,
    Page,
}

impl AppError {
    pub fn bad(field: &str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Csrf | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "bad_request",
            Self::NotFound => "not_found",
            Self::Unauthorized => "unauthorized",
            Self::Csrf => "csrf",
            Self::Forbidden(_) => "forbidden",
            Self::TooLarge { .. } => "too_large",
            Self::Internal(_) => "internal",
        }
    }

    fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "something went wrong on the server; it has been logged".into(),
            Self::BadRequest { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// The response for an audience.
    pub fn respond(self, audience: Audience) -> Response {
        if let Self::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let status = self.status();
        match audience {
            Audience::Api => {
                let field = match &self {
                    Self::BadRequest { field, .. } => Some(field.clone()),
                    _ => None,
                };
                let body = serde_json::json!({"error": {
                    "code": self.code(),
                    "message": self.public_message(),
                    "field": field,
                }});
                (status, axum::Json(body)).into_response()
            }
            Audience::Page => {
                // A page has no `error.field` beside the sentence: the
                // sentence names the field ("from: \"bad\" is not a date").
                let detail = match &self {
                    Self::BadRequest { field, message } => format!("{field}: {message}"),
                    other => other.public_message(),
                };
                let page = problem_page(Lang::En, status, &detail, ProblemFrame::SignedOut);
                let mut response = (status, page).into_response();
                response
                    .extensions_mut()
                    .insert(ProblemPage { status, detail });
                response
            }
        }
    }
}

/// Handlers under `/api` return `ApiResult`, pages return `PageResult`.
pub struct ApiError(pub AppError);
pub struct PageError(pub AppError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.respond(Audience::Api)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.respond(Audience::Page)
    }
}

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl From<ParamError> for AppError {
    fn from(e: ParamError) -> Self {
        Self::BadRequest {
            field: e.field,
            message: e.message,
        }
    }
}

impl From<FeatureError> for AppError {
    fn from(e: FeatureError) -> Self {
        Self::BadRequest {
            field: e.part,
            message: e.message,
        }
    }
}

impl From<LayerError> for AppError {
    fn from(e: LayerError) -> Self {
        match e {
            LayerError::Invalid { field, message } => Self::bad(field, message),
            LayerError::Store(e) => Self::internal(e),
        }
    }
}

impl From<RenderError> for AppError {
    fn from(e: RenderError) -> Self {
        match e {
            RenderError::Layer(e) => e.into(),
            RenderError::Write(e) => Self::internal(e),
            RenderError::Package(e) => Self::internal(e),
            RenderError::Tile(crate::publish::TileError::NoSuchTile { .. }) => Self::NotFound,
            RenderError::Tile(e) => Self::internal(e),
        }
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::internal(e)
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::internal(e)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
pub type PageResult<T> = Result<T, PageError>;

/// A problem page's facts, kept on its response: an error knows no request,
/// so the router writes the page again in the caller's language
/// (`router::localise_problem_pages`).
#[derive(Clone, Debug)]
pub(crate) struct ProblemPage {
    pub status: StatusCode,
    pub detail: String,
}

/// Who a problem page is framed for: the public reporting page's frame, a
/// staff page before sign-in, or a signed-in viewer's navigation (so that a
/// mistyped link does not look like being signed out).
#[derive(Clone, Copy, Debug)]
pub(crate) enum ProblemFrame<'a> {
    Public,
    SignedOut,
    SignedIn(Nav<'a>),
}

/// The page of a failed request in `lang`: the status in words, the detail
/// (in English, marked so: it names fields and values), and a way back (to
/// the public reporting page for the public, else the map).
pub(crate) fn problem_page(
    lang: Lang,
    status: StatusCode,
    detail: &str,
    frame: ProblemFrame<'_>,
) -> Markup {
    let code = status.as_u16();
    let reason = i18n::lookup(lang, &format!("problem-{code}"))
        .or_else(|| status.canonical_reason().map(str::to_owned))
        .unwrap_or_default();
    let public = matches!(frame, ProblemFrame::Public);
    // A detail that only repeats the heading ("not found") is left out,
    // rather than quoted in English under a translated heading.
    let repeats = status
        .canonical_reason()
        .is_some_and(|r| r.eq_ignore_ascii_case(detail.trim()));
    let body = html! {
        main #main .problem {
            h1 { (code) " " (reason) }
            @if !repeats {
                @if lang == Lang::En {
                    p { (detail) }
                } @else {
                    p { (t(lang, "problem-details")) " " span lang="en-GB" { (detail) } }
                }
            }
            @if public {
                p { a href=(format!("/report?lang={}", lang.code())) { (t(lang, "nav-report")) } }
            } @else {
                p { a href="/" { (t(lang, "problem-back")) } }
            }
        }
    };
    let title = t(lang, "problem-title");
    match frame {
        ProblemFrame::Public => crate::serve::layout::public_page(lang, &title, &body, false),
        ProblemFrame::SignedOut => crate::serve::layout::signed_out_page(lang, &title, &body),
        ProblemFrame::SignedIn(nav) => {
            crate::serve::layout::page(&title, "", &body, false, Some(Nav { lang, ..nav }))
        }
    }
}
