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
    GridRef,
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
    pub const ALL: [Self; 21] = [
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
        Self::GridRef,
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

    /// The columns a place is read from, in the order they are tried (see
    /// `parse_location`), with `county` beside `town`: reports and registers
    /// alike.
    pub const LOCATION: [Self; 9] = [
        Self::Lat,
        Self::Lng,
        Self::Easting,
        Self::Northing,
        Self::GridRef,
        Self::Postcode,
        Self::Town,
        Self::County,
        Self::Address,
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
            Self::GridRef => "grid_ref",
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

    /// The header names read as this column, its own name first (each is
    /// what [`Column::from_header`] maps to it; a unit test keeps them so).
    pub fn header_names(self) -> &'static [&'static str] {
        match self {
            Self::ReportId => &["report_id", "id", "reportid"],
            Self::Source => &["source"],
            Self::ObservedOn => &["observed_on", "date", "reported_at", "observed_at"],
            Self::VenueType => &["venue_type", "venue"],
            Self::ExploitationType => &["exploitation_type", "exploitation"],
            Self::Indicators => &["indicators"],
            Self::Lat => &["lat", "latitude"],
            Self::Lng => &["lng", "longitude", "lon", "long"],
            Self::Easting => &["easting"],
            Self::Northing => &["northing"],
            // An Ordnance Survey reference as a map or a farm's records give it.
            Self::GridRef => &[
                "grid_ref",
                "gridref",
                "grid_reference",
                "os_grid_ref",
                "os_grid_reference",
                "osgr",
                "ngr",
            ],
            Self::Postcode => &["postcode", "post_code", "postal_code"],
            Self::Town => &["town", "place"],
            Self::County => &["county"],
            Self::Address => &["address"],
            Self::VenueName => &["venue_name"],
            Self::PersonsCount => &["persons_count", "persons"],
            Self::Nationalities => &["nationalities", "nationality"],
            Self::ChildInvolved => &["child_involved", "child"],
            Self::Grading => &["grading"],
            Self::Notes => &["notes"],
        }
    }

    /// Maps a header (any case, spaces or hyphens for underscores) to a column.
    pub fn from_header(header: &str) -> Option<Self> {
        // Borrowed when already plain (nearly every key): a JSON line asks once per member.
        let key = crate::model::normalised(header.trim_start_matches('\u{feff}'));
        Self::ALL
            .into_iter()
            .find(|column| column.header_names().contains(&key.as_ref()))
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Column;

    /// Every name a header check offers is read as its column, and every
    /// column's own name is offered first.
    #[test]
    fn header_names_are_read_as_their_column() {
        for column in Column::ALL {
            let names = column.header_names();
            assert_eq!(names[0], column.name());
            for name in names {
                assert_eq!(Column::from_header(name), Some(column), "{name}");
                let spaced = name.replace('_', " ").to_uppercase();
                assert_eq!(Column::from_header(&spaced), Some(column), "{spaced}");
            }
        }
    }
}
