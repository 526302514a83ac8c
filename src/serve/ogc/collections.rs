//! The collections: which layer answers each, who may read it, how its items
//! are named, and what a filter may ask of them (the queryables).

use crate::model::Role;
use crate::publish::Layer;

/// An OGC collection: one of the layers, or the repeat-premises list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Collection {
    Cells,
    Hotspots,
    Emerging,
    Reports,
    Premises,
    Towns,
    Context,
}

/// A queryable property: its name, JSON Schema type and what it means.
pub(super) struct Queryable {
    pub name: &'static str,
    pub kind: Kind,
    pub title: &'static str,
}

/// The JSON Schema of a queryable's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Integer,
    Number,
    Boolean,
    Date,
    /// Counts by code (`venues.car_wash`).
    Object,
    TextList,
    /// Whole numbers in order (an area's `monthly` count).
    IntegerList,
    Geometry(&'static str),
}

const fn q(name: &'static str, kind: Kind, title: &'static str) -> Queryable {
    Queryable { name, kind, title }
}

const CELLS: &[Queryable] = &[
    q("h3", Kind::Text, "H3 cell index (hex)"),
    q(
        "count",
        Kind::Integer,
        "reports (or the unit) in the cell in the period",
    ),
    q("gi_z", Kind::Number, "Getis-Ord Gi* z-score"),
    q("p", Kind::Number, "p-value of gi_z"),
    q(
        "bin",
        Kind::Integer,
        "-3..3: cold or hot at 99/95/90% confidence, after FDR when on",
    ),
    q(
        "ring_count",
        Kind::Integer,
        "reports (or the unit) in the cell's k-ring, itself included: the neighbourhood Gi* weighs",
    ),
    q(
        "value",
        Kind::Number,
        "the analysed value (weight=risk or rate)",
    ),
    q(
        "premises",
        Kind::Integer,
        "registered premises of the venue types (weight=rate)",
    ),
];

const HOTSPOTS: &[Queryable] = &[
    q("bin", Kind::Integer, "the area's highest bin"),
    q("cells", Kind::Integer, "hot cells in the area"),
    q("count", Kind::Integer, "reports in the area in the period"),
    q("max_gi_z", Kind::Number, "highest Gi* z-score of its cells"),
    q("nearest_town", Kind::Text, "the place nearest the area"),
    q(
        "nearest_town_km",
        Kind::Number,
        "km from that place's centre to the area's",
    ),
    q(
        "nearest_town_direction",
        Kind::Text,
        "compass point of the area from that place (n, ne, e, se, s, sw, w, nw)",
    ),
    q(
        "districts",
        Kind::TextList,
        "local-authority districts its cells lie in, most cells first",
    ),
    q(
        "district_codes",
        Kind::TextList,
        "ONS codes of those districts, in the same order",
    ),
    q(
        "crosses_districts",
        Kind::Boolean,
        "its cells lie in more than one district",
    ),
    q(
        "forces",
        Kind::TextList,
        "police force areas its cells lie in, most cells first",
    ),
    q(
        "force_codes",
        Kind::TextList,
        "data.police.uk ids of those forces, in the same order",
    ),
    q(
        "crosses_forces",
        Kind::Boolean,
        "its cells lie in more than one police force area",
    ),
    q(
        "robust",
        Kind::Boolean,
        "hot at every neighbouring resolution",
    ),
    q(
        "trend",
        Kind::Text,
        "rising, falling or none: Mann-Kendall of its monthly count over the period (p < 0.10)",
    ),
    q(
        "trend_z",
        Kind::Number,
        "Mann-Kendall z of its monthly count",
    ),
    q("trend_p", Kind::Number, "two-sided p of that z"),
    q(
        "monthly",
        Kind::IntegerList,
        "its reports per calendar month of the period, first month first",
    ),
    q("first_seen", Kind::Date, "first report in the area"),
    q("last_seen", Kind::Date, "last report in the area"),
    q("venues", Kind::Object, "reports by venue type"),
    q("top_indicators", Kind::Object, "reports by indicator"),
    q("h3_cells", Kind::TextList, "the area's cells"),
    q(
        "context",
        Kind::Object,
        "recorded crime (police.uk) by type: count and ratio to the study area's rate per cell",
    ),
];

const EMERGING: &[Queryable] = &[
    q("h3", Kind::Text, "H3 cell index (hex)"),
    q("count", Kind::Integer, "reports in the cell over the steps"),
    q(
        "ring_count",
        Kind::Integer,
        "reports in the cell's k-ring over the steps, itself included",
    ),
    q("category", Kind::Text, "emerging hot spot category"),
    q("trend_z", Kind::Number, "Mann-Kendall z of the Gi* series"),
    q("trend_p", Kind::Number, "p-value of trend_z"),
    q(
        "nearest_town",
        Kind::Text,
        "the town nearest the cell's centre",
    ),
    q(
        "nearest_town_km",
        Kind::Number,
        "km from that town's centre to the cell's",
    ),
    q(
        "nearest_town_direction",
        Kind::Text,
        "compass point of the cell from that town (n, ne, e, se, s, sw, w, nw)",
    ),
];

const REPORTS: &[Queryable] = &[
    q("report_id", Kind::Text, "source:report id"),
    q("source", Kind::Text, "where the report came from"),
    q("observed_on", Kind::Date, "the day observed"),
    q(
        "venue_type",
        Kind::Text,
        "car_wash, nail_bar, service_station, farm, other",
    ),
    q(
        "exploitation_type",
        Kind::Text,
        "labour, sexual, criminal, domestic_servitude, unknown",
    ),
    q("indicators", Kind::TextList, "indicator codes"),
    q("venue_name", Kind::Text, "the venue's name as reported"),
    q("persons_count", Kind::Integer, "people seen"),
    q("nationalities", Kind::Text, "nationalities as reported"),
    q("child_involved", Kind::Boolean, "a child was involved"),
    q("grading", Kind::Text, "intelligence grading"),
    q("geocode_method", Kind::Text, "how the location was found"),
    q("precision_m", Kind::Number, "location precision in metres"),
    q("town", Kind::Text, "nearest town"),
    q(
        "district",
        Kind::Text,
        "local-authority district (ONS code)",
    ),
    q("premises_id", Kind::Text, "the premises it is linked to"),
    q("incident_id", Kind::Text, "its incident at that premises"),
    q("link_score", Kind::Number, "how sure the link is"),
    q("h3_r6", Kind::Text, "H3 cell, resolution 6"),
    q("h3_r7", Kind::Text, "H3 cell, resolution 7"),
    q("h3_r8", Kind::Text, "H3 cell, resolution 8"),
    q("h3_r9", Kind::Text, "H3 cell, resolution 9"),
    q("lat", Kind::Number, "latitude (WGS84)"),
    q("lng", Kind::Number, "longitude (WGS84)"),
    q("location_input", Kind::Text, "the location as given"),
    q("geocode_note", Kind::Text, "how the location was read"),
    q(
        "link_reason",
        Kind::Text,
        "why it is linked to its premises",
    ),
];

/// The release's mark on a withheld count (partnership only, but for towns).
const SUPPRESSED: Queryable = q(
    "suppressed",
    Kind::Boolean,
    "the count is withheld (1..k-1, or one from which such a count could be worked out)",
);

/// The release's marks on a town's withheld comparison counts.
const RELEASE_TOWN_MARKS: [Queryable; 2] = [
    q(
        "previous_suppressed",
        Kind::Boolean,
        "the previous period's count is withheld",
    ),
    q(
        "year_before_suppressed",
        Kind::Boolean,
        "the count a year before is withheld",
    ),
];

/// Free text: only roles that may read it may filter on it.
const REPORT_NOTES: Queryable = q("notes", Kind::Text, "free-text notes");

const PREMISES: &[Queryable] = &[
    q(
        "premises_id",
        Kind::Text,
        "register id, or rep-… for premises made from reports",
    ),
    q("name", Kind::Text, "name"),
    q("venue_type", Kind::Text, "venue type"),
    q("status", Kind::Text, "open or closed"),
    q("origin", Kind::Text, "register or reports"),
    q("postcode", Kind::Text, "postcode"),
    q("address", Kind::Text, "address"),
    q("nearest_town", Kind::Text, "the town nearest the premises"),
    q(
        "nearest_town_km",
        Kind::Number,
        "km from that town's centre to the premises",
    ),
    q(
        "nearest_town_direction",
        Kind::Text,
        "compass point of the premises from that town (n, ne, e, se, s, sw, w, nw)",
    ),
    q("precision_m", Kind::Number, "location precision in metres"),
    q(
        "exploitation",
        Kind::Text,
        "reports by exploitation type (type:count;...)",
    ),
    q(
        "top_indicators",
        Kind::Text,
        "most reported indicators (;-separated)",
    ),
    q("reports", Kind::Integer, "linked reports in the period"),
    q("incidents", Kind::Integer, "incidents in the period"),
    q("sources", Kind::Integer, "distinct sources"),
    q("first_seen", Kind::Date, "first linked report"),
    q("last_seen", Kind::Date, "last linked report"),
    q("reports_90d", Kind::Integer, "reports in the last 90 days"),
    q(
        "reports_prev_90d",
        Kind::Integer,
        "reports in the 90 days before",
    ),
    q(
        "median_days_between",
        Kind::Number,
        "median days between reports",
    ),
    q("bin", Kind::Integer, "Gi* bin of its cell"),
    q("category", Kind::Text, "emerging category of its cell"),
    q("last_outcome", Kind::Text, "what the last visit found"),
    q("last_visit", Kind::Date, "the last visit's day"),
];

const CONTEXT: &[Queryable] = &[
    q("h3", Kind::Text, "H3 cell index (hex)"),
    q(
        "total",
        Kind::Integer,
        "recorded crimes in the cell in the months of the period",
    ),
    q(
        "by_type",
        Kind::Object,
        "recorded crimes by police.uk crime type",
    ),
];

const TOWNS: &[Queryable] = &[
    q("town", Kind::Text, "town"),
    q(
        "district",
        Kind::Text,
        "local-authority district (ONS code)",
    ),
    q("district_name", Kind::Text, "district name"),
    q("period", Kind::Text, "the period (e.g. 2024-Q1)"),
    q("period_start", Kind::Date, "first day of the period"),
    q("count", Kind::Integer, "reports in the period"),
    q(
        "complete",
        Kind::Boolean,
        "whether the period is whole: it had ended when the reports were last loaded and by the query's end date (a part has no change and no tests)",
    ),
    q("previous", Kind::Integer, "reports in the previous period"),
    q("year_before", Kind::Integer, "reports a year before"),
    q("change", Kind::Integer, "count - previous"),
    q(
        "p_change",
        Kind::Number,
        "exact test of count against previous",
    ),
    q(
        "p_year",
        Kind::Number,
        "exact test of count against a year before",
    ),
    q(
        "q_change",
        Kind::Number,
        "p_change adjusted for the period's other areas (Benjamini-Hochberg; null when no split of the total could be significant)",
    ),
    q("q_year", Kind::Number, "p_year adjusted in the same way"),
    q(
        "breakdown",
        Kind::Object,
        "counts by venue and exploitation type",
    ),
];

impl Collection {
    pub const ALL: [Self; 7] = [
        Self::Cells,
        Self::Hotspots,
        Self::Emerging,
        Self::Reports,
        Self::Premises,
        Self::Towns,
        Self::Context,
    ];

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }

    pub fn id(self) -> &'static str {
        match self {
            Self::Cells => "cells",
            Self::Hotspots => "hotspots",
            Self::Emerging => "emerging",
            Self::Reports => "reports",
            Self::Premises => "premises",
            Self::Towns => "towns",
            Self::Context => "context",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Cells => "Hot and cold H3 cells (Gi*)",
            Self::Hotspots => "Hotspot areas",
            Self::Emerging => "Emerging hot spots",
            Self::Reports => "Reports",
            Self::Premises => "Repeat premises",
            Self::Towns => "Town trends",
            Self::Context => "Recorded crime (data.police.uk)",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::Cells => "One hexagon per H3 cell with reports or a significant Gi* z-score in the period: count, gi_z, p and bin (after FDR). The layer parameters (res, k, kernel, fdr, weight, unit, venue, ...) choose the analysis.",
            Self::Hotspots => "Connected hot cells (bin >= 2) dissolved into areas: cells, count, max_gi_z, nearest town, venues, first and last seen, robustness across resolutions.",
            Self::Emerging => "Emerging hot spot categories per cell over monthly (or quarterly) steps, with the Mann-Kendall trend of each cell's Gi* series.",
            Self::Reports => "Individual reports as points (analysts and above).",
            Self::Premises => "Premises with linked reports: reports, incidents, sources, velocity, top indicators, the bin and category of their cell, and the last visit's outcome (analysts and above).",
            Self::Towns => "Reports per town (or district) per period, against the previous period and a year before, with exact tests.",
            Self::Context => "Street-level recorded crime from data.police.uk per H3 cell and crime type (Open Government Licence v3.0): context beside the reports, never mixed with them.",
        }
    }

    /// The layer that answers this collection (`None`: the premises list).
    pub fn layer(self) -> Option<Layer> {
        match self {
            Self::Cells => Some(Layer::Cells),
            Self::Hotspots => Some(Layer::Hotspots),
            Self::Emerging => Some(Layer::Emerging),
            Self::Reports => Some(Layer::Reports),
            Self::Towns => Some(Layer::Towns),
            Self::Context => Some(Layer::Context),
            Self::Premises => None,
        }
    }

    /// Whether `role` may read it: the layers' policy, and premises for the
    /// roles that see places.
    pub fn readable(self, role: Role) -> bool {
        match self.layer() {
            Some(layer) => role.may_read(layer),
            None => role.sees_premises(),
        }
    }

    /// The properties that name an item that has no `id` of its own.
    pub fn id_properties(self) -> &'static [&'static str] {
        match self {
            Self::Cells | Self::Emerging | Self::Context => &["h3"],
            Self::Hotspots => &["id"],
            Self::Reports => &["report_id"],
            Self::Premises => &["premises_id"],
            Self::Towns => &["district", "town", "period"],
        }
    }

    /// The geometry type of its items, as the queryables' `format` names it.
    pub fn geometry(self) -> &'static str {
        match self {
            Self::Cells | Self::Emerging | Self::Context => "geometry-polygon",
            Self::Hotspots => "geometry-multipolygon",
            Self::Reports | Self::Premises | Self::Towns => "geometry-point",
        }
    }

    /// What a filter may name for `role`: the properties of its items, and
    /// `geometry` and `id`.
    pub fn queryables(self, role: Role) -> Vec<&'static Queryable> {
        static GEOMETRY: [Queryable; 4] = [
            q(
                "geometry",
                Kind::Geometry("geometry-polygon"),
                "the cell's hexagon",
            ),
            q(
                "geometry",
                Kind::Geometry("geometry-multipolygon"),
                "the area's cells, dissolved",
            ),
            q("geometry", Kind::Geometry("geometry-point"), "the location"),
            q("id", Kind::Text, "the item's id"),
        ];
        let own: &'static [Queryable] = match self {
            Self::Cells => CELLS,
            Self::Hotspots => HOTSPOTS,
            Self::Emerging => EMERGING,
            Self::Reports => REPORTS,
            Self::Premises => PREMISES,
            Self::Towns => TOWNS,
            Self::Context => CONTEXT,
        };
        let geometry = match self.geometry() {
            "geometry-polygon" => &GEOMETRY[0],
            "geometry-multipolygon" => &GEOMETRY[1],
            _ => &GEOMETRY[2],
        };
        let mut out: Vec<&'static Queryable> = own.iter().collect();
        if self == Self::Reports && role.sees_notes() {
            out.push(&REPORT_NOTES);
        }
        // Context is open data: the release leaves it whole.
        if role.reads_release_only() && self != Self::Context {
            // The release withholds these (src/publish/release.rs) and marks
            // each withheld count.
            let withheld: &[&str] = match self {
                Self::Cells => &["gi_z", "p", "value", "ring_count", "premises"],
                Self::Hotspots => &[
                    "max_gi_z",
                    "first_seen",
                    "last_seen",
                    "trend",
                    "trend_z",
                    "trend_p",
                    "monthly",
                ],
                Self::Emerging => &["count", "ring_count", "trend_z", "trend_p"],
                Self::Reports | Self::Premises | Self::Towns | Self::Context => &[],
            };
            out.retain(|q| !withheld.contains(&q.name));
            out.push(&SUPPRESSED);
        } else if self == Self::Towns {
            // Every role's town rows carry the marks (exact rows withhold
            // nothing), so one filter reads the same for all.
            out.push(&SUPPRESSED);
        }
        if self == Self::Towns {
            out.extend(&RELEASE_TOWN_MARKS);
        }
        out.push(geometry);
        out.push(&GEOMETRY[3]);
        out
    }
}
