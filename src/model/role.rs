//! The roles of domain.md, ordered by how much they may see. What each role may
//! read of a layer is the publishing policy's business (`publish::policy`); this
//! type only says who is who, so that the store (accounts) and the server can
//! share it.

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

    /// Reads only the disclosure-controlled release (counts 1..k−1 withheld).
    pub fn reads_release_only(self) -> bool {
        self == Self::Partnership
    }

    /// Per-cell detail (counts by venue and indicator, monthly series): arbitrary
    /// cell sets could be differenced, so only roles that see reports get it.
    pub fn sees_cell_detail(self) -> bool {
        self.sees_reports()
    }

    /// Premises, the reports linked to them, visits and their outcomes, the
    /// outcome summary (analyst and above; never partnership: a premises is
    /// a place, not an aggregate).
    pub fn sees_premises(self) -> bool {
        self >= Self::Analyst
    }

    /// Records what visits found (tactical and admin).
    pub fn records_outcomes(self) -> bool {
        self >= Self::Tactical
    }

    /// Public reports waiting in triage: read, accept, reject (tactical and
    /// admin: accepting decides what counts on the map).
    pub fn triages(self) -> bool {
        self >= Self::Tactical
    }

    /// Loads: which files were loaded, when, what each stored, and its
    /// rejects' lines, fields and reasons (analyst and above: a load's file
    /// name and counts are about reports). A reject's raw row is a report's
    /// text, notes included, so it goes only to roles that see notes.
    pub fn reviews_loads(self) -> bool {
        self.sees_reports()
    }

    /// Users, tokens and the audit log.
    pub fn administers(self) -> bool {
        self == Self::Admin
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
