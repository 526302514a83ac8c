//! The input columns of interface.md and their accepted aliases.

use std::fmt;

/// The input columns of interface.md, with their accepted aliases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    ReportId,
    Source,
    ObservedOn,
    VenueType,
    ExploitationType,
    Indicators,
    Lat,
    Lng,
    Easting,
    Northing,
    Postcode,
    Town,
    County,
    Address,
    VenueName,
    PersonsCount,
    Nationalities,
    ChildInvolved,
    Grading,
    Notes,
}

impl Column {
    pub const ALL: [Self; 20] = [
        Self::ReportId,
        Self::Source,
        Self::ObservedOn,
        Self::VenueType,
        Self::ExploitationType,
        Self::Indicators,
        Self::Lat,
        Self::Lng,
        Self::Easting,
        Self::Northing,
        Self::Postcode,
        Self::Town,
        Self::County,
        Self::Address,
        Self::VenueName,
        Self::PersonsCount,
        Self::Nationalities,
        Self::ChildInvolved,
        Self::Grading,
        Self::Notes,
    ];

    /// The canonical name, used in rejects and exports.
    pub fn name(self) -> &'static str {
        match self {
            Self::ReportId => "report_id",
            Self::Source => "source",
            Self::ObservedOn => "observed_on",
            Self::VenueType => "venue_type",
            Self::ExploitationType => "exploitation_type",
            Self::Indicators => "indicators",
            Self::Lat => "lat",
            Self::Lng => "lng",
            Self::Easting => "easting",
            Self::Northing => "northing",
            Self::Postcode => "postcode",
            Self::Town => "town",
            Self::County => "county",
            Self::Address => "address",
            Self::VenueName => "venue_name",
            Self::PersonsCount => "persons_count",
            Self::Nationalities => "nationalities",
            Self::ChildInvolved => "child_involved",
            Self::Grading => "grading",
            Self::Notes => "notes",
        }
    }

    /// Maps a header (any case, spaces or hyphens for underscores) to a column.
    pub fn from_header(header: &str) -> Option<Self> {
        let key = crate::model::normalise_word(header.trim_start_matches('\u{feff}'));
        let column = match key.as_str() {
            "report_id" | "id" | "reportid" => Self::ReportId,
            "source" => Self::Source,
            "observed_on" | "date" | "reported_at" | "observed_at" => Self::ObservedOn,
            "venue_type" | "venue" => Self::VenueType,
            "exploitation_type" | "exploitation" => Self::ExploitationType,
            "indicators" => Self::Indicators,
            "lat" | "latitude" => Self::Lat,
            "lng" | "longitude" | "lon" | "long" => Self::Lng,
            "easting" => Self::Easting,
            "northing" => Self::Northing,
            "postcode" | "post_code" | "postal_code" => Self::Postcode,
            "town" | "place" => Self::Town,
            "county" => Self::County,
            "address" => Self::Address,
            "venue_name" => Self::VenueName,
            "persons_count" | "persons" => Self::PersonsCount,
            "nationalities" | "nationality" => Self::Nationalities,
            "child_involved" | "child" => Self::ChildInvolved,
            "grading" => Self::Grading,
            "notes" => Self::Notes,
            _ => return None,
        };
        Some(column)
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
