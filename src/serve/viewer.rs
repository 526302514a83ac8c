//! The signed-in caller of a request. Built only by the session extractor
//! (`session.rs`), so a handler that takes a [`Viewer`] never runs for an
//! unauthenticated request.

use crate::access;
use crate::model::Role;
use crate::serve::error::AppError;
use crate::serve::layout::Nav;
use crate::serve::state::AppState;
use crate::store::AuditEntry;

/// The signed-in caller of a request.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub role: Role,
    pub user: String,
    /// The session's CSRF token; `None` when signed in by API token.
    pub csrf: Option<String>,
    pub token_id: Option<String>,
    pub address: String,
    /// The language the viewer asked for (`lang`, the remembered choice, or
    /// `Accept-Language`); pages written in it use it, others stay English.
    pub lang: crate::serve::i18n::Lang,
}

impl Viewer {
    /// An audit entry by this viewer.
    pub fn audit(&self, action: &str, outcome: &str) -> AuditEntry {
        AuditEntry {
            actor: Some(self.user.clone()),
            role: Some(self.role.as_str().to_owned()),
            action: action.to_owned(),
            address: Some(self.address.clone()),
            outcome: outcome.to_owned(),
            detail: self.token_id.as_ref().map(|t| format!("token {t}")),
            ..AuditEntry::default()
        }
    }

    /// The navigation's view of this viewer, for a page written in English.
    pub fn nav(&self) -> Nav<'_> {
        self.nav_in(crate::serve::i18n::Lang::En)
    }

    /// The navigation for a page written in `lang`.
    pub fn nav_in(&self, lang: crate::serve::i18n::Lang) -> Nav<'_> {
        Nav {
            user: &self.user,
            role: self.role,
            csrf: self.csrf.as_deref().unwrap_or_default(),
            lang,
        }
    }

    /// Checks a form's CSRF token against the session's.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), AppError> {
        match (&self.csrf, sent) {
            (Some(expected), Some(sent)) if access::constant_time_eq(expected, sent) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }

    /// A form this viewer posted: URL-encoded, and carrying this session's
    /// CSRF token (its `csrf` field is left in the pairs).
    pub(crate) fn posted_form(
        &self,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> Result<Vec<(String, String)>, AppError> {
        let values = crate::serve::query::form_pairs(headers, body)?;
        let csrf = values
            .iter()
            .find(|(k, v)| k == "csrf" && !v.is_empty())
            .map(|(_, v)| v.as_str());
        self.check_csrf(csrf)?;
        Ok(values)
    }

    /// `Ok` when `allowed`; else the denial of `what` audited and a 403.
    pub(crate) fn require(
        &self,
        state: &AppState,
        allowed: bool,
        what: &'static str,
    ) -> Result<(), AppError> {
        if allowed {
            return Ok(());
        }
        let mut entry = self.audit(what, "denied");
        entry.target = Some(what.to_owned());
        state.audit(entry);
        Err(AppError::Forbidden(what))
    }
}
