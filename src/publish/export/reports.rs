//! Stored reports out: CSV and streaming RFC 7946 GeoJSON with a provenance block.

use std::borrow::Cow;
use std::io::Write;

use geojson::{Feature, Geometry, JsonObject, JsonValue};

use super::geometry::{cell_hex, FeatureStream};
use crate::model::spreadsheet_text;
use crate::store::{ReportFilter, StoredReport};

/// Column order of `hotspots export reports --format csv`.
pub const REPORT_CSV_HEADER: [&str; 28] = [
    "source",
    "report_id",
    "observed_on",
    "venue_type",
    "venue_name",
    "exploitation_type",
    "indicators",
    "persons_count",
    "nationalities",
    "child_involved",
    "grading",
    "notes",
    "location_input",
    "lat",
    "lng",
    "geocode_method",
    "precision_m",
    "geocode_note",
    "h3_r6",
    "h3_r7",
    "h3_r8",
    "h3_r9",
    "town",
    "district",
    "premises_id",
    "link_score",
    "link_reason",
    "incident_id",
];

pub(super) fn opt<T: ToString>(value: Option<&T>) -> String {
    value.map(ToString::to_string).unwrap_or_default()
}

/// Writes reports as CSV, one row each, cells as H3 hex strings (empty when too coarse),
/// text that a spreadsheet would run as a formula marked as text ([`spreadsheet_text`]).
pub struct ReportCsv<W: Write> {
    writer: csv::Writer<W>,
    notes: bool,
    header_written: bool,
}

impl<W: Write> ReportCsv<W> {
    /// # Errors
    /// Never for now (the header is written with the first row or at the end).
    pub fn new(out: W) -> std::io::Result<Self> {
        Ok(Self {
            writer: csv::Writer::from_writer(out),
            notes: true,
            header_written: false,
        })
    }

    /// Leaves the `notes` column out altogether (for roles that may not read notes).
    #[must_use]
    pub fn with_notes(mut self, notes: bool) -> Self {
        self.notes = notes;
        self
    }

    fn header(&mut self) -> std::io::Result<()> {
        if !self.header_written {
            self.header_written = true;
            let notes = self.notes;
            self.writer
                .write_record(REPORT_CSV_HEADER.iter().filter(|h| notes || **h != "notes"))
                .map_err(std::io::Error::other)?;
        }
        Ok(())
    }

    /// # Errors
    /// On write failure.
    pub fn write(&mut self, r: &StoredReport) -> std::io::Result<()> {
        self.header()?;
        let notes = self.notes;
        let record = [
            r.source.clone(),
            r.report_id.clone(),
            r.observed_on.to_string(),
            r.venue_type.clone(),
            opt(r.venue_name.as_ref()),
            r.exploitation_type.clone(),
            r.indicators.clone(),
            opt(r.persons_count.as_ref()),
            opt(r.nationalities.as_ref()),
            opt(r.child_involved.as_ref()),
            opt(r.grading.as_ref()),
            opt(r.notes.as_ref()),
            r.location_input.clone(),
            format!("{:.6}", r.lat),
            format!("{:.6}", r.lng),
            r.geocode_method.clone(),
            format!("{}", r.precision_m),
            opt(r.geocode_note.as_ref()),
            cell_hex(r.cells[0]),
            cell_hex(r.cells[1]),
            cell_hex(r.cells[2]),
            cell_hex(r.cells[3]),
            opt(r.town.as_ref()),
            opt(r.district.as_ref()),
            opt(r.premises_id.as_ref()),
            opt(r.link_score.as_ref()),
            opt(r.link_reason.as_ref()),
            opt(r.incident_id.as_ref()),
        ];
        let cells: Vec<Cow<'_, str>> = (record.iter().zip(REPORT_CSV_HEADER))
            .filter(|(_, h)| notes || *h != "notes")
            .map(|(v, _)| spreadsheet_text(v))
            .collect();
        self.writer
            .write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(std::io::Error::other)
    }

    /// # Errors
    /// On flush failure.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.header()?;
        self.writer.flush()
    }
}

/// The provenance block for a reports export.
pub fn reports_provenance(filter: &ReportFilter, count: u64) -> JsonValue {
    serde_json::json!({
        "tool": "hotspots",
        "version": env!("CARGO_PKG_VERSION"),
        "layer": "reports",
        "query": {
            "from": filter.from.map(|d| d.to_string()),
            "to": filter.to.map(|d| d.to_string()),
            "venue": filter.venues,
            "exploitation": filter.exploitation,
            "source": filter.sources,
        },
        "features": count,
        "crs": "WGS84 longitude/latitude (RFC 7946)",
        "cells": "H3 v4, res 6-9; a report has a cell only where its precision_m <= 1.5 x the mean edge length",
        "generated_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// Streams reports as a GeoJSON FeatureCollection of points; the provenance
/// block (which needs the count) goes after them.
pub struct ReportGeoJson<W: Write> {
    stream: FeatureStream<W>,
    notes: bool,
}

impl<W: Write> ReportGeoJson<W> {
    /// # Errors
    /// On write failure.
    pub fn new(out: W) -> std::io::Result<Self> {
        Ok(Self {
            stream: FeatureStream::new(out)?,
            notes: true,
        })
    }

    /// Leaves the `notes` property out altogether (for roles that may not read notes).
    #[must_use]
    pub fn with_notes(mut self, notes: bool) -> Self {
        self.notes = notes;
        self
    }

    /// # Errors
    /// On write failure.
    pub fn write(&mut self, r: &StoredReport) -> std::io::Result<()> {
        let p = report_properties(r, self.notes);
        let feature = Feature {
            bbox: None,
            geometry: Some(Geometry::new_point([r.lng, r.lat])),
            id: Some(geojson::feature::Id::String(format!(
                "{}:{}",
                r.source, r.report_id
            ))),
            properties: Some(p),
            foreign_members: None,
        };
        self.stream.write(&feature)
    }

    /// # Errors
    /// On write failure.
    pub fn finish(self, provenance: impl FnOnce(u64) -> JsonValue) -> std::io::Result<W> {
        self.stream.finish(provenance)
    }
}

/// A report's properties as the reports layer writes them (`notes` only when
/// the reader may see them): the one list the GeoJSON answer and the report
/// points' tiles share.
pub(crate) fn report_properties(r: &StoredReport, notes: bool) -> JsonObject {
    let mut p = JsonObject::new();
    let mut put = |k: &str, v: JsonValue| {
        p.insert(k.to_owned(), v);
    };
    put("source", r.source.clone().into());
    put("report_id", r.report_id.clone().into());
    put("observed_on", r.observed_on.to_string().into());
    put("venue_type", r.venue_type.clone().into());
    put("venue_name", r.venue_name.clone().into());
    put("exploitation_type", r.exploitation_type.clone().into());
    put(
        "indicators",
        r.indicators
            .split(';')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .into(),
    );
    put("persons_count", r.persons_count.into());
    put("nationalities", r.nationalities.clone().into());
    put("child_involved", r.child_involved.into());
    put("grading", r.grading.clone().into());
    if notes {
        put("notes", r.notes.clone().into());
    }
    put("location_input", r.location_input.clone().into());
    put("lat", r.lat.into());
    put("lng", r.lng.into());
    put("geocode_method", r.geocode_method.clone().into());
    put("precision_m", r.precision_m.into());
    put("geocode_note", r.geocode_note.clone().into());
    for (i, name) in ["h3_r6", "h3_r7", "h3_r8", "h3_r9"].iter().enumerate() {
        let hex = cell_hex(r.cells[i]);
        put(
            name,
            if hex.is_empty() {
                JsonValue::Null
            } else {
                hex.into()
            },
        );
    }
    put("town", r.town.clone().into());
    put("district", r.district.clone().into());
    put("premises_id", r.premises_id.clone().into());
    put("link_score", r.link_score.into());
    put("link_reason", r.link_reason.clone().into());
    put("incident_id", r.incident_id.clone().into());
    p
}
