//! Linking reports to premises: entity resolution a user can check. Each
//! report links to one premises or to none, with a score and the reason in
//! words; reports that link to nothing but match each other are grouped so
//! that a premises can be made of them.
//!
//! The rules, tried in order (the first that finds exactly one best premises wins):
//! 1. **Same postcode and a similar name** (Jaro-Winkler of the names' keys,
//!    [`NAME_MATCH`] or more), whatever the report's precision: a postcode is
//!    an address, not a distance. A report with a postcode and **no name**
//!    links when exactly one premises of its venue type is at that postcode.
//! 2. **Near and a similar name**: a report located to [`POINT_PRECISION_M`]
//!    or better, within [`NAMED_NEAR_M`] plus its precision of a premises of
//!    the same venue type with a similar name.
//! 3. **Near, no name given**: a report located to [`UNNAMED_PRECISION_M`] or
//!    better, within [`UNNAMED_NEAR_M`] of exactly one premises of its venue
//!    type (two such premises: no link, it cannot say which).
//! 4. **The same name in the report's area**: a coarser report (a town, an
//!    outward code) whose name's key equals that of exactly one premises of its
//!    venue type inside its precision circle. A coarse report is never linked
//!    by distance alone.
//!
//! Names are compared by their keys ([`crate::model::name_key`]: case,
//! punctuation, legal forms and trade words removed) with `strsim`'s
//! Jaro-Winkler, which favours the shared beginnings that name variants have.

use std::collections::HashMap;

use geo::{Distance, Haversine, Point};

use crate::model::VenueType;

/// Name similarity (Jaro-Winkler on name keys) that counts as the same name.
pub const NAME_MATCH: f64 = 0.88;
/// Coarsest precision at which a report is placed by its point (rules 2 and 3).
pub const POINT_PRECISION_M: f64 = 100.0;
/// Rule 2's reach beyond the report's precision.
pub const NAMED_NEAR_M: f64 = 100.0;
/// Rule 3: an unnamed report must be this precise, and this near.
pub const UNNAMED_PRECISION_M: f64 = 50.0;
pub const UNNAMED_NEAR_M: f64 = 40.0;
/// Grouping unlinked reports: this near each other, and similar names (or none).
pub const GROUP_NEAR_M: f64 = 60.0;

/// A premises as linking sees it.
#[derive(Clone, Debug)]
pub struct PremisesSite {
    pub venue: VenueType,
    /// [`crate::model::name_key`] of its name ("" when it has none).
    pub name_key: String,
    /// Full postcode in its canonical form (`PE13 1AB`), when known.
    pub postcode: Option<String>,
    pub lat: f64,
    pub lng: f64,
}

/// A report as linking sees it.
#[derive(Clone, Debug)]
pub struct ReportSite {
    pub venue: VenueType,
    /// [`crate::model::name_key`] of its venue name ("" when none was given).
    pub name_key: String,
    /// Full postcode in its canonical form, when the report gave one.
    pub postcode: Option<String>,
    pub lat: f64,
    pub lng: f64,
    /// How far the true place may be from `lat`/`lng`, in metres.
    pub precision_m: f64,
}

/// A report's premises (an index into the sites given to [`Linker::new`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub premises: usize,
    /// 0..1: the name similarity, or for an unnamed report how near it is.
    pub score: f64,
    pub reason: String,
}

/// Premises (or reports) by grid square.
type Grid = HashMap<(i32, i32), Vec<usize>, crate::model::MixState>;

/// Degrees of latitude per grid row; a row is ~1.1 km, more than any reach below.
const GRID_DEG: f64 = 0.01;

fn grid_key(lat: f64, lng: f64) -> (i32, i32) {
    // Longitude cells narrower in degrees than latitude ones keep them ~square in the UK.
    (
        (lat / GRID_DEG).floor() as i32,
        (lng / (GRID_DEG * 1.6)).floor() as i32,
    )
}

fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    Haversine.distance(Point::new(a.1, a.0), Point::new(b.1, b.0))
}

/// Jaro-Winkler of two name keys; 0 when either is empty.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    strsim::jaro_winkler(a, b)
}

/// The premises register, indexed for linking.
pub struct Linker<'a> {
    sites: &'a [PremisesSite],
    grid: Grid,
    by_postcode: HashMap<&'a str, Vec<usize>>,
    by_name: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Linker<'a> {
    pub fn new(sites: &'a [PremisesSite]) -> Self {
        let mut grid = Grid::default();
        let mut by_postcode: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, site) in sites.iter().enumerate() {
            grid.entry(grid_key(site.lat, site.lng))
                .or_default()
                .push(i);
            if let Some(pc) = &site.postcode {
                by_postcode.entry(pc.as_str()).or_default().push(i);
            }
            if !site.name_key.is_empty() {
                by_name.entry(site.name_key.as_str()).or_default().push(i);
            }
        }
        Self {
            sites,
            grid,
            by_postcode,
            by_name,
        }
    }

    /// Premises within one grid cell of the point (every premises within ~1 km).
    fn nearby(&self, lat: f64, lng: f64) -> impl Iterator<Item = usize> + '_ {
        let (row, col) = grid_key(lat, lng);
        (-1..=1)
            .flat_map(move |dr| (-1..=1).map(move |dc| (row + dr, col + dc)))
            .filter_map(|key| self.grid.get(&key))
            .flatten()
            .copied()
    }

    /// The premises a report is about, if the rules find exactly one.
    pub fn link(&self, report: &ReportSite) -> Option<Link> {
        if let Some(link) = self.same_postcode(report) {
            return Some(link);
        }
        if report.precision_m <= POINT_PRECISION_M {
            // The premises around the point, gathered once for both rules.
            let nearby: Vec<usize> = self.nearby(report.lat, report.lng).collect();
            if let Some(link) = self
                .near_and_named(report, &nearby)
                .or_else(|| self.near_unnamed(report, &nearby))
            {
                return Some(link);
            }
        }
        self.same_name_in_area(report)
    }

    fn same_postcode(&self, report: &ReportSite) -> Option<Link> {
        let postcode = report.postcode.as_deref()?;
        let candidates = self.by_postcode.get(postcode)?;
        if report.name_key.is_empty() {
            let mut same_type = candidates
                .iter()
                .copied()
                .filter(|&i| self.sites[i].venue == report.venue);
            let i = same_type.next()?;
            if same_type.next().is_some() {
                return None; // two of that type at the postcode: it cannot say which
            }
            return Some(Link {
                premises: i,
                score: 0.7,
                reason: format!(
                    "no name given; the only {} at {postcode}",
                    report.venue.noun()
                ),
            });
        }
        let scored = candidates.iter().filter_map(|&i| {
            let similarity = name_similarity(&report.name_key, &self.sites[i].name_key);
            (similarity >= NAME_MATCH).then_some((i, similarity))
        });
        let (i, similarity) = best_unique(scored)?;
        Some(Link {
            premises: i,
            score: round3(similarity),
            reason: format!(
                "same postcode ({}) and name similarity {similarity:.2}",
                report.postcode.as_deref().unwrap_or_default()
            ),
        })
    }

    fn near_and_named(&self, report: &ReportSite, nearby: &[usize]) -> Option<Link> {
        if report.name_key.is_empty() || report.precision_m > POINT_PRECISION_M {
            return None;
        }
        let reach = NAMED_NEAR_M + report.precision_m;
        let here = (report.lat, report.lng);
        let scored = nearby.iter().copied().filter_map(|i| {
            let site = &self.sites[i];
            // A latitude gap no reach spans rules a premises out before
            // any trigonometry or name comparison.
            if site.venue != report.venue || (site.lat - report.lat).abs() * 110_000.0 > reach {
                return None;
            }
            let distance = metres(here, (site.lat, site.lng));
            if distance > reach {
                return None;
            }
            let similarity = name_similarity(&report.name_key, &site.name_key);
            (similarity >= NAME_MATCH && distance <= reach).then_some((i, similarity))
        });
        let (i, similarity) = best_unique(scored)?;
        let distance = metres(here, (self.sites[i].lat, self.sites[i].lng));
        Some(Link {
            premises: i,
            score: round3(similarity),
            reason: format!(
                "{distance:.0} m away (within {reach:.0} m), same venue type, name similarity {similarity:.2}"
            ),
        })
    }

    fn near_unnamed(&self, report: &ReportSite, nearby: &[usize]) -> Option<Link> {
        if !report.name_key.is_empty() || report.precision_m > UNNAMED_PRECISION_M {
            return None;
        }
        let here = (report.lat, report.lng);
        let mut within = nearby.iter().copied().filter_map(|i| {
            let site = &self.sites[i];
            if site.venue != report.venue
                || (site.lat - report.lat).abs() * 110_000.0 > UNNAMED_NEAR_M
            {
                return None;
            }
            let distance = metres(here, (site.lat, site.lng));
            (site.venue == report.venue && distance <= UNNAMED_NEAR_M).then_some((i, distance))
        });
        let (i, distance) = within.next()?;
        if within.next().is_some() {
            return None; // two premises of that type: it cannot say which
        }
        Some(Link {
            premises: i,
            score: round3(1.0 - distance / (2.0 * UNNAMED_NEAR_M)),
            reason: format!(
                "no name given; {distance:.0} m from the only {} within {UNNAMED_NEAR_M:.0} m",
                report.venue.noun()
            ),
        })
    }

    fn same_name_in_area(&self, report: &ReportSite) -> Option<Link> {
        if report.name_key.is_empty() || report.precision_m <= POINT_PRECISION_M {
            return None;
        }
        let here = (report.lat, report.lng);
        let mut matches = self
            .by_name
            .get(report.name_key.as_str())?
            .iter()
            .copied()
            .filter(|&i| {
                let site = &self.sites[i];
                site.venue == report.venue
                    && metres(here, (site.lat, site.lng)) <= report.precision_m
            });
        let i = matches.next()?;
        if matches.next().is_some() {
            return None;
        }
        Some(Link {
            premises: i,
            score: 1.0,
            reason: format!(
                "the only {} named {:?} within the report's {:.0} m",
                report.venue.noun(),
                report.name_key,
                report.precision_m
            ),
        })
    }
}

/// The highest score, when no other candidate has it too.
fn best_unique(scored: impl Iterator<Item = (usize, f64)>) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    let mut tied = false;
    for (i, score) in scored {
        match best {
            Some((_, b)) if score < b => {}
            Some((_, b)) if (score - b).abs() < 1e-12 => tied = true,
            _ => {
                best = Some((i, score));
                tied = false;
            }
        }
    }
    if tied {
        None
    } else {
        best
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Union-find: the representative of `i`'s group (paths halved on the way).
fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Groups of reports (indexes into `reports`, each group in input order) that
/// are the same place by each other: located to [`POINT_PRECISION_M`] or
/// better, same venue type, within [`GROUP_NEAR_M`] plus both precisions of
/// another member, with similar names or both unnamed. Only groups of two or
/// more are returned; a premises is made of each.
pub fn group_unlinked(reports: &[ReportSite]) -> Vec<Vec<usize>> {
    // A grid just wider than the furthest reach (60 m + two 100 m
    // precisions): each report meets only the few reports around it.
    const GROUP_GRID_DEG: f64 = 0.003;
    let key = |lat: f64, lng: f64| {
        (
            (lat / GROUP_GRID_DEG).floor() as i32,
            (lng / (GROUP_GRID_DEG * 1.6)).floor() as i32,
        )
    };
    let mut grid = Grid::default();
    for (i, r) in reports.iter().enumerate() {
        if r.precision_m <= POINT_PRECISION_M {
            grid.entry(key(r.lat, r.lng)).or_default().push(i);
        }
    }
    let mut parent: Vec<usize> = (0..reports.len()).collect();
    let mut keys: Vec<&(i32, i32)> = grid.keys().collect();
    keys.sort_unstable();
    for &(row, col) in keys {
        for &i in &grid[&(row, col)] {
            let a = &reports[i];
            for key in (-1..=1).flat_map(|dr| (-1..=1).map(move |dc| (row + dr, col + dc))) {
                for &j in grid.get(&key).into_iter().flatten() {
                    if j <= i {
                        continue;
                    }
                    let b = &reports[j];
                    // Cheapest first: the venue, a latitude gap no reach
                    // spans (1° of latitude is over 110 km), then the
                    // distance, then the names.
                    let reach = GROUP_NEAR_M + a.precision_m + b.precision_m;
                    if a.venue != b.venue || (a.lat - b.lat).abs() * 110_000.0 > reach {
                        continue;
                    }
                    if metres((a.lat, a.lng), (b.lat, b.lng)) > reach {
                        continue;
                    }
                    let same_name = if a.name_key.is_empty() || b.name_key.is_empty() {
                        a.name_key.is_empty() && b.name_key.is_empty()
                    } else {
                        name_similarity(&a.name_key, &b.name_key) >= NAME_MATCH
                    };
                    if same_name {
                        let (ra, rb) = (root(&mut parent, i), root(&mut parent, j));
                        parent[ra.max(rb)] = ra.min(rb);
                    }
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in grid.values().flatten().copied() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = groups
        .into_values()
        .filter(|g| g.len() >= 2)
        .map(|mut g| {
            g.sort_unstable();
            g
        })
        .collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::name_key;

    fn site(
        venue: VenueType,
        name: &str,
        postcode: Option<&str>,
        lat: f64,
        lng: f64,
    ) -> PremisesSite {
        PremisesSite {
            venue,
            name_key: name_key(name),
            postcode: postcode.map(str::to_owned),
            lat,
            lng,
        }
    }

    fn report(
        venue: VenueType,
        name: &str,
        postcode: Option<&str>,
        lat: f64,
        lng: f64,
        precision_m: f64,
    ) -> ReportSite {
        ReportSite {
            venue,
            name_key: name_key(name),
            postcode: postcode.map(str::to_owned),
            lat,
            lng,
            precision_m,
        }
    }

    const CW: VenueType = VenueType::CarWash;

    #[test]
    fn each_rule_links_with_its_reason() {
        let sites = [
            site(
                CW,
                "Star Hand Car Wash Ltd",
                Some("PE13 1AB"),
                52.6660,
                0.1580,
            ),
            site(CW, "Sparkle Car Wash", Some("PE13 2CD"), 52.6700, 0.1650),
            site(
                VenueType::NailBar,
                "Diamond Nails",
                Some("PE13 1AB"),
                52.6661,
                0.1581,
            ),
        ];
        let linker = Linker::new(&sites);
        // 1: same postcode, a variant of the name, a coarse location.
        let l = linker
            .link(&report(
                CW,
                "STAR CARWASH",
                Some("PE13 1AB"),
                52.67,
                0.16,
                100.0,
            ))
            .expect("rule 1");
        assert_eq!(l.premises, 0);
        assert!(
            l.reason.starts_with("same postcode (PE13 1AB)"),
            "{}",
            l.reason
        );
        // 2: ~30 m away, similar name, no postcode.
        let l = linker
            .link(&report(
                CW,
                "Sparkle Hand Car Wash",
                None,
                52.67025,
                0.1651,
                10.0,
            ))
            .expect("rule 2");
        assert_eq!(l.premises, 1);
        assert!(l.reason.contains("m away"), "{}", l.reason);
        // 3: no name, 20 m from the only car wash there.
        let l = linker
            .link(&report(CW, "", None, 52.66618, 0.1580, 10.0))
            .expect("rule 3");
        assert_eq!(l.premises, 0);
        assert!(
            l.reason.starts_with("no name given")
                && l.reason.contains(" m from the only car wash within "),
            "{}",
            l.reason
        );
        // 4: a town-level report naming it exactly.
        let l = linker
            .link(&report(CW, "Sparkle Car Wash", None, 52.66, 0.15, 5_000.0))
            .expect("rule 4");
        assert_eq!(l.premises, 1);
        // Never by distance alone when coarse; never across venue types by distance.
        assert_eq!(
            linker.link(&report(CW, "", None, 52.666, 0.158, 5_000.0)),
            None
        );
        assert_eq!(
            linker.link(&report(VenueType::Farm, "", None, 52.666, 0.158, 5.0)),
            None
        );
        // A different name at the same postcode is not the same premises.
        assert_eq!(
            linker.link(&report(
                CW,
                "Royal Car Wash",
                Some("PE13 1AB"),
                52.666,
                0.158,
                100.0
            )),
            None
        );
    }

    #[test]
    fn two_candidates_an_unnamed_report_cannot_choose_between() {
        let sites = [
            site(CW, "A Car Wash", None, 52.0, 0.0),
            site(CW, "B Car Wash", None, 52.0002, 0.0),
        ];
        let linker = Linker::new(&sites);
        assert_eq!(linker.link(&report(CW, "", None, 52.0001, 0.0, 5.0)), None);
    }

    #[test]
    fn unlinked_reports_group_by_place_and_name() {
        let reports = [
            report(CW, "Kleen Car Wash", None, 52.0, 0.0, 10.0),
            report(CW, "Kleen Hand Car Wash", None, 52.0003, 0.0, 10.0),
            report(CW, "Kleen", None, 52.0003, 0.0002, 10.0),
            report(CW, "Other Wash Co", None, 52.0001, 0.0, 10.0),
            report(CW, "Kleen", None, 52.1, 0.0, 10.0),
            report(CW, "Kleen", None, 52.0, 0.0, 5_000.0),
        ];
        assert_eq!(group_unlinked(&reports), vec![vec![0, 1, 2]]);
    }
}
