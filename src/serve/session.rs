//! Who is asking: sessions (cookie) and API tokens (bearer), turned into a
//! [`Viewer`] by an extractor; pages redirect to `/signin`, the API answers 401.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::TimeDelta;

use crate::access;
use crate::access::Principal;
use crate::serve::audit::now;
use crate::serve::error::{AppError, Audience};
use crate::serve::http::header_items;
use crate::serve::i18n;
use crate::serve::i18n::Lang;
use crate::serve::state::AppState;
use crate::serve::viewer::Viewer;

pub const SESSION_COOKIE: &str = "hs_session";
pub(crate) const SIGNIN_COOKIE: &str = "hs_signin";

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    header_items(headers, header::COOKIE, ';')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The caller's address: the socket's, or the proxy's `X-Forwarded-For` when
/// the config says to trust the proxy.
pub fn address(parts: &Parts, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(forwarded) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            return forwarded.trim().to_owned();
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "local".to_owned(), |c| c.0.ip().to_string())
}

/// `user:password` of an HTTP Basic `Authorization` value.
fn basic(encoded: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// A principal is re-checked against the database at least this often.
const RECHECK: TimeDelta = TimeDelta::seconds(60);

impl AppState {
    /// The principal of a request's bearer token or session cookie.
    pub(crate) async fn authenticate(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<Principal>, AppError> {
        let now = now();
        if let Some(value) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            // A bearer token, or HTTP Basic with the account's name and one
            // of its tokens as the password (what QGIS's and GDAL's basic
            // authentication send): one token store either way.
            let (bearer, claimed) = if let Some(bearer) = value.strip_prefix("Bearer ") {
                (bearer.trim().to_owned(), None)
            } else if let Some((user, token)) = value.strip_prefix("Basic ").and_then(basic) {
                (token, Some(user))
            } else {
                return Ok(None);
            };
            let Some((id, secret)) = access::IssuedToken::parse_bearer(&bearer) else {
                return Ok(None);
            };
            let key = format!("t:{}", access::digest(&bearer));
            let found = if let Some(p) = self.0.principals.get(&key, now) {
                Some(p)
            } else {
                let (id, digest) = (id.to_owned(), access::digest(secret));
                let found = self
                    .accounts(move |s| Ok(s.token(&id, &digest, now)?))
                    .await?;
                if let Some(p) = &found {
                    self.0.principals.put(key, p.clone(), now + RECHECK);
                }
                found
            };
            // Basic names the account: a token answers only for its own.
            return Ok(found.filter(|p| claimed.as_ref().is_none_or(|u| *u == p.user)));
        }
        let Some(secret) = cookie(headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        let digest = access::digest(secret);
        let key = format!("s:{digest}");
        if let Some(p) = self.0.principals.get(&key, now) {
            return Ok(Some(p));
        }
        let found = self.accounts(move |s| Ok(s.session(&digest, now)?)).await?;
        if let Some(p) = &found {
            self.0.principals.put(key, p.clone(), now + RECHECK);
        }
        Ok(found)
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let path = parts.uri.path();
        // OGC clients (QGIS, GDAL) are told how to authenticate, as scripts
        // are; a browser asking for an OGC page is sent to sign in.
        let ogc = path == "/ogc" || path.starts_with("/ogc/");
        let api = path.starts_with("/api/") || (ogc && !wants_page(parts));
        let principal = state
            .authenticate(&parts.headers)
            .await
            .map_err(|e| e.respond(if api { Audience::Api } else { Audience::Page }))?;
        let Some(p) = principal else {
            if api {
                let mut response = AppError::Unauthorized.respond(Audience::Api);
                let headers = response.headers_mut();
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"hotspots\""),
                );
                if ogc {
                    headers.append(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Basic realm=\"hotspots\", charset=\"UTF-8\""),
                    );
                }
                return Err(response);
            }
            let next = parts
                .uri
                .path_and_query()
                .map_or("/", axum::http::uri::PathAndQuery::as_str);
            let to = format!(
                "/signin?{}",
                serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
            );
            return Err(Redirect::to(&to).into_response());
        };
        Ok(Self {
            role: p.role,
            user: p.user,
            csrf: p.csrf,
            token_id: p.token_id,
            address: address(parts, state.config().trust_proxy),
            lang: request_lang(parts),
        })
    }
}

/// Does an `/ogc` request ask for a page (`f=html`, or a browser's `Accept`)?
fn wants_page(parts: &Parts) -> bool {
    let query = parts.uri.query().unwrap_or("");
    if query.split('&').any(|kv| kv == "f=html") {
        return true;
    }
    if query.split('&').any(|kv| kv.starts_with("f=")) {
        return false;
    }
    let accept = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match (accept.find("text/html"), accept.find("json")) {
        (Some(h), Some(j)) => h < j,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Remembers a staff page's language choice (`?lang=`): not set by public pages.
pub(crate) const LANG_COOKIE: &str = "hs_lang";

/// The language a request asks for: `lang`, the remembered choice, then
/// `Accept-Language`.
pub(crate) fn request_lang(parts: &Parts) -> Lang {
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).unwrap_or_default();
    let param = query
        .iter()
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.as_str());
    let accept = parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    i18n::choose(param, cookie(&parts.headers, LANG_COOKIE), accept)
}

/// The language of a request without a viewer (public pages, sign-in).
pub struct RequestLang(pub Lang);

impl FromRequestParts<AppState> for RequestLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(request_lang(parts)))
    }
}

/// The caller's address for handlers without a viewer (sign-in).
pub struct Caller(pub String);

impl FromRequestParts<AppState> for Caller {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(address(parts, state.config().trust_proxy)))
    }
}

pub(crate) fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config().secure_cookies
        || (state.config().trust_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https")))
}

pub(crate) fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Only same-site paths: `/x`, never `//host` or `https://…`.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}
