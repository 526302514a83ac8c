//! The day-of-action briefing: for a hotspot area, a district or a box, the
//! cells by Gi* bin, the premises in it ranked and the visits made there
//! before, ready to print.

use std::collections::{HashMap, HashSet};

use h3o::CellIndex;

use super::repeat::{repeat_premises, PremisesQuery, PremisesRow};
use crate::analysis::outcomes::HitRate;
use crate::geo::Gazetteer;
use crate::publish::{hotspot_areas, AreaTrend, LayerError, StudyAreaSpec};
use crate::store::OutcomeRecord;

/// Where a briefing is for.
#[derive(Clone, Debug, PartialEq)]
pub enum BriefingArea {
    /// A hotspot area by its id (`hs-...`) at the query's resolution and period.
    Hotspot(String),
    /// A local-authority district by ONS code or name.
    District(String),
    /// `min_lat, min_lng, max_lat, max_lng`.
    BBox([f64; 4]),
}

impl BriefingArea {
    /// `hs-...`, `district:CODE` (or a bare `E0...` code), `bbox:a,b,c,d`.
    ///
    /// # Errors
    /// A message saying what the value should look like.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.starts_with("hs-") {
            return Ok(Self::Hotspot(text.to_owned()));
        }
        if let Some(d) = text.strip_prefix("district:") {
            return Ok(Self::District(d.trim().to_owned()));
        }
        if let Some(b) = text.strip_prefix("bbox:") {
            let v: Vec<f64> = b.split(',').filter_map(|x| x.trim().parse().ok()).collect();
            if let [a, b, c, d] = v[..] {
                if a < c && b < d && (-90.0..=90.0).contains(&a) && (-90.0..=90.0).contains(&c) {
                    return Ok(Self::BBox([a, b, c, d]));
                }
            }
            return Err(format!(
                "{text:?}: a box is bbox:min_lat,min_lng,max_lat,max_lng"
            ));
        }
        if text.len() == 9 && text.starts_with(['E', 'W', 'S', 'N']) {
            return Ok(Self::District(text.to_owned()));
        }
        Err(format!(
            "{text:?} is not a hotspot area (hs-...), a district (district:E07000010) or a box (bbox:min_lat,min_lng,max_lat,max_lng)"
        ))
    }
}

/// What the briefing shows.
#[derive(Clone, Debug)]
pub struct Briefing {
    pub area: BriefingArea,
    /// What a reader calls the area: a hotspot area's nearest town, a
    /// district's name (`None` for a box, and for an area with no town near).
    pub place: Option<String>,
    /// A hotspot area's distance (km) and compass point from that town.
    pub from_town: Option<(f64, &'static str)>,
    /// The police force areas the area lies in, most of it first: the
    /// forces a day of action there involves.
    pub forces: Vec<String>,
    /// A hotspot area's monthly count over the period and its trend (`None`
    /// for a district or a box, and for a period under four months).
    pub trend: Option<AreaTrend>,
    /// The area's cells with their Gi* bins (over the default study area).
    pub cells: Vec<(CellIndex, i8)>,
    /// Premises whose cell is in the area, most reported first.
    pub premises: Vec<PremisesRow>,
    /// Where neighbouring cells of the map lie in different districts, so
    /// that officers see which side of a boundary each premises is on.
    pub boundaries: Vec<Boundary>,
    /// Visits located in the same cells as the premises (a hotspot area's
    /// ring included), newest first: whatever the reports' period, up to
    /// its end when it has one (a briefing as of a day shows what was known
    /// then). What earlier days of action found here is the first thing a
    /// team going back needs, and the domain's outcome feedback per hotspot.
    pub visits: Vec<AreaVisit>,
}

/// A visit made in a briefing's area.
#[derive(Clone, Debug, PartialEq)]
pub struct AreaVisit {
    pub outcome: OutcomeRecord,
    /// The name of the premises the visit names, when the register has one.
    pub premises_name: Option<String>,
}

/// What a briefing's visits found, added up.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct VisitTotals {
    /// Visits, and those that confirmed indicators or identified victims.
    pub found: HitRate,
    pub potential_victims: u64,
    pub nrm_referrals: u64,
    pub safeguarding_referrals: u64,
    pub arrests: u64,
}

impl Briefing {
    pub fn visit_totals(&self) -> VisitTotals {
        let mut totals = VisitTotals::default();
        let count = |n: Option<i32>| n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
        for visit in &self.visits {
            let o = &visit.outcome;
            totals.found.add(o.found_exploitation());
            totals.potential_victims += count(o.potential_victims);
            totals.nrm_referrals += count(o.nrm_referrals);
            totals.safeguarding_referrals += count(o.safeguarding_referrals);
            totals.arrests += count(o.arrests);
        }
        totals
    }
}

/// One cell edge between two districts: `(lat, lng)` end to end.
#[derive(Clone, Debug, PartialEq)]
pub struct Boundary {
    /// The districts are in different police force areas.
    pub between_forces: bool,
    pub line: Vec<(f64, f64)>,
}

/// The edges between `cells` of different districts. A cell's district is
/// its res-7 cell's (a res-6 cell's centre child's), as for its reports.
fn boundaries(gazetteer: &Gazetteer, cells: &[CellIndex]) -> Vec<Boundary> {
    let district = |cell: CellIndex| {
        cell.parent(h3o::Resolution::Seven)
            .or_else(|| cell.center_child(h3o::Resolution::Seven))
            .and_then(|res7| gazetteer.district_of_cell(res7))
            .map(|(code, _)| code)
    };
    let of: std::collections::HashMap<CellIndex, Option<&str>> =
        cells.iter().map(|&c| (c, district(c))).collect();
    let mut out = Vec::new();
    for (&cell, &here) in &of {
        for edge in cell.edges() {
            let there = edge.destination();
            // Each shared edge once, from its lower cell.
            let Some(&other) = of.get(&there).filter(|_| cell < there) else {
                continue;
            };
            let (Some(a), Some(b)) = (here, other) else {
                continue;
            };
            if a == b {
                continue;
            }
            let force = |d| gazetteer.force_of_district(d).map(|(id, _)| id);
            out.push(Boundary {
                between_forces: force(a) != force(b),
                line: edge.boundary().iter().map(|p| (p.lat(), p.lng())).collect(),
            });
        }
    }
    // Forces drawn over districts; a stable order for the page.
    out.sort_by(|a, b| {
        a.between_forces.cmp(&b.between_forces).then(
            a.line
                .partial_cmp(&b.line)
                .unwrap_or(std::cmp::Ordering::Equal),
        )
    });
    out
}

/// Builds a briefing for `area` with `query`'s period, filters and map parameters.
///
/// # Errors
/// An unknown hotspot area or district (as [`LayerError::Invalid`] naming
/// `area`); store failure.
pub fn briefing(
    store: &crate::store::Store,
    area: &BriefingArea,
    query: &PremisesQuery,
) -> Result<Briefing, LayerError> {
    let mut layer = query.layer.clone();
    layer.filter = query.filter.clone();
    let invalid = |message: String| LayerError::Invalid {
        field: "area",
        message,
    };
    let bins = super::maps::Maps::of(store)?.bins(&layer)?;
    let mut place = None;
    let mut from_town = None;
    let mut forces = None;
    let mut trend = None;
    let gazetteer = Gazetteer::embedded();
    let cells: Vec<CellIndex> = match area {
        BriefingArea::Hotspot(id) => {
            let (_, areas) = hotspot_areas(store, &layer)?;
            let found = areas
                .into_iter()
                .find(|a| &a.area.id == id)
                .ok_or_else(|| {
                    invalid(format!(
                        "no hotspot area {id} at res {} for this period and these filters",
                        layer.res
                    ))
                })?;
            place.clone_from(&found.nearest_town);
            from_town = found.from_town;
            forces = Some(found.force_names().map(str::to_owned).collect());
            trend.clone_from(&found.trend);
            // The area and the ring around it, so the map shows its setting.
            let mut ring: HashSet<CellIndex> = HashSet::new();
            for cell in &found.area.cells {
                ring.extend(cell.grid_disk::<Vec<_>>(1));
            }
            let mut v: Vec<CellIndex> = ring.into_iter().collect();
            v.sort_unstable();
            v
        }
        BriefingArea::District(d) => {
            let district = gazetteer.district_named(d);
            place = district.map(|(_, name)| name.to_owned());
            forces = district
                .and_then(|(code, _)| gazetteer.force_of_district(code))
                .map(|(_, name)| vec![name.to_owned()]);
            crate::publish::study_area(store, &StudyAreaSpec::Districts(vec![d.clone()]), layer.res)
                .map_err(|e| match e {
                    LayerError::Invalid { message, .. } => invalid(message),
                    other @ LayerError::Store(_) => other,
                })?
                .cells()
                .to_vec()
        }
        BriefingArea::BBox(b) => {
            crate::publish::study_area(store, &StudyAreaSpec::BBox(*b), layer.res)?
                .cells()
                .to_vec()
        }
    };
    // A box's forces are its cells'; a hotspot area's its own cells' (not
    // the ring drawn around them).
    let forces = forces.unwrap_or_else(|| {
        gazetteer
            .forces_of_cells(&cells)
            .into_iter()
            .map(|(_, name, _)| name.to_owned())
            .collect()
    });
    let boundaries = boundaries(gazetteer, &cells);
    let inside: HashSet<u64> = cells.iter().map(|c| u64::from(*c)).collect();
    let slot = usize::from(layer.res.clamp(6, 9) - 6);
    let premises = repeat_premises(store, query)?
        .into_iter()
        .filter(|row| row.premises.cells[slot].is_some_and(|c| inside.contains(&c)))
        .collect();
    let mut visits: Vec<OutcomeRecord> = store
        .outcomes()?
        .into_iter()
        .filter(|o| o.cells[slot].is_some_and(|c| inside.contains(&c)))
        .filter(|o| query.filter.to.is_none_or(|to| o.visited_on <= to))
        .collect();
    // The store lists them oldest first: the briefing newest first.
    visits.reverse();
    let names: HashMap<String, Option<String>> = if visits.iter().any(|v| v.premises_id.is_some()) {
        store
            .premises()?
            .into_iter()
            .map(|p| (p.premises_id, p.name))
            .collect()
    } else {
        HashMap::new()
    };
    let visits = visits
        .into_iter()
        .map(|outcome| AreaVisit {
            premises_name: outcome
                .premises_id
                .as_ref()
                .and_then(|id| names.get(id).cloned().flatten()),
            outcome,
        })
        .collect();
    Ok(Briefing {
        area: area.clone(),
        place,
        from_town,
        forces,
        trend,
        cells: cells
            .iter()
            .map(|c| (*c, bins.bin(u64::from(*c))))
            .collect(),
        premises,
        boundaries,
        visits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_parse() {
        assert_eq!(
            BriefingArea::parse("hs-88194"),
            Ok(BriefingArea::Hotspot("hs-88194".into()))
        );
        assert_eq!(
            BriefingArea::parse("E07000010"),
            Ok(BriefingArea::District("E07000010".into()))
        );
        assert_eq!(
            BriefingArea::parse("district:Fenland"),
            Ok(BriefingArea::District("Fenland".into()))
        );
        assert_eq!(
            BriefingArea::parse("bbox:52.6,0.1,52.7,0.2"),
            Ok(BriefingArea::BBox([52.6, 0.1, 52.7, 0.2]))
        );
        assert!(BriefingArea::parse("bbox:52.7,0.1,52.6,0.2").is_err());
        assert!(BriefingArea::parse("Wisbech").is_err());
    }
}
