//! The signed-in caller of a request. Built only by the session extractor
//! (`session.rs`), so a handler that takes a [`Viewer`] never runs for an
//! unauthenticated request.

use crate::access;
use crate::model::Role;
use crate::serve::error::AppError;
use crate::serve::layout::Nav;
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

    /// The navigation's view of this viewer.
    pub fn nav(&self) -> Nav<'_> {
        Nav {
            user: &self.user,
            role: self.role,
            csrf: self.csrf.as_deref().unwrap_or_default(),
        }
    }

    /// Checks a form's CSRF token against the session's.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), AppError> {
        match (&self.csrf, sent) {
            (Some(expected), Some(sent)) if access::constant_time_eq(expected, sent) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }
}
