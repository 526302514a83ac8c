//! What each role may see: one policy in one place. `serve` asks it for every page,
//! API answer and download; nothing else decides.

use crate::params::Layer;
use crate::release::ReleaseRule;
use crate::render::{ReportDetail, View};

/// The roles of domain.md.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Partnership,
    Analyst,
    Tactical,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Partnership => "partnership",
            Self::Analyst => "analyst",
            Self::Tactical => "tactical",
            Self::Admin => "admin",
        }
    }

    /// Report points and per-report lists (analyst and above).
    pub fn sees_reports(self) -> bool {
        self >= Self::Analyst
    }

    /// Free-text notes (tactical and admin).
    pub fn sees_notes(self) -> bool {
        self >= Self::Tactical
    }

    /// May this role read this layer at all?
    pub fn may_read(self, layer: Layer) -> bool {
        match layer {
            Layer::Reports => self.sees_reports(),
            Layer::Cells | Layer::Hotspots | Layer::Emerging | Layer::Towns => true,
        }
    }

    /// Reads only the disclosure-controlled release (counts 1..k−1 withheld).
    pub fn reads_release_only(self) -> bool {
        self == Self::Partnership
    }

    /// Per-cell detail (counts by venue and indicator, monthly series): arbitrary
    /// cell sets could be differenced, so only roles that see reports get it.
    pub fn sees_cell_detail(self) -> bool {
        self.sees_reports()
    }

    /// Users, tokens and the audit log.
    pub fn administers(self) -> bool {
        self == Self::Admin
    }

    /// Everything the renderer needs to know about this role.
    pub fn view(self, rule: ReleaseRule) -> View {
        View {
            detail: self.report_detail(),
            release: self.reads_release_only().then_some(rule),
        }
    }

    /// How much of each report the role may read.
    pub fn report_detail(self) -> ReportDetail {
        ReportDetail {
            notes: self.sees_notes(),
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "partnership" => Ok(Self::Partnership),
            "analyst" => Ok(Self::Analyst),
            "tactical" => Ok(Self::Tactical),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "unknown role {other:?} (partnership, analyst, tactical or admin)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest() {
        assert!(!Role::Partnership.may_read(Layer::Reports));
        assert!(Role::Partnership.may_read(Layer::Towns));
        assert!(Role::Analyst.may_read(Layer::Reports));
        assert!(!Role::Analyst.report_detail().notes);
        assert!(Role::Tactical.report_detail().notes);
        assert!(Role::Admin.report_detail().notes);
        assert_eq!("analyst".parse::<Role>(), Ok(Role::Analyst));
        assert!("root".parse::<Role>().is_err());
    }
}
