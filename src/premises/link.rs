//! `relink`: every report with a venue linked again against the register,
//! the analysts' decisions applied, and premises made of reports that match
//! each other but nothing registered.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};

use super::repeat::INCIDENT_WINDOW_DAYS;
use crate::analysis::linking::{group_unlinked, Linker, PremisesSite, ReportSite, GROUP_NEAR_M};
use crate::geo::{cells_for, Postcode};
use crate::model::{name_key, GeocodeMethod, PremisesOrigin, PremisesStatus, VenueType};
use crate::store::{
    BeforeCommit, LinkDecision, Links, NewPremises, PremisesRecord, ReportForLinking, ReportLink,
    Result, Store,
};

/// What a relink did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkSummary {
    pub reports: u64,
    pub linked_to_register: u64,
    pub linked_to_made: u64,
    pub premises_made: u64,
    pub detached: u64,
}

/// The full postcode a report gave, if any (`pc:PE13 1AB`, or one in an address).
fn report_postcode(location_input: Option<&str>) -> Option<String> {
    let text = location_input?;
    let found = if let Some(pc) = text.strip_prefix("pc:") {
        pc.parse::<Postcode>().ok()
    } else if let Some(address) = text.strip_prefix("ad:") {
        Postcode::find_in(address)
    } else {
        None
    };
    found
        .filter(|p| matches!(p, Postcode::Unit { .. }))
        .map(|p| p.to_string())
}

fn site_of(report: &ReportForLinking) -> Option<ReportSite> {
    Some(ReportSite {
        venue: VenueType::parse(&report.venue_type)?,
        name_key: report
            .venue_name
            .as_deref()
            .map(name_key)
            .unwrap_or_default(),
        postcode: report_postcode(report.location_input.as_deref()),
        lat: report.lat,
        lng: report.lng,
        precision_m: report.precision_m,
    })
}

/// Follows merges to the premises that absorbed `id` (a cycle stops where it repeats).
fn resolve<'a>(merges: &'a HashMap<String, String>, mut id: &'a str) -> &'a str {
    let mut seen = HashSet::new();
    while let Some(next) = merges.get(id) {
        if !seen.insert(id) {
            break;
        }
        id = next;
    }
    id
}

/// A made premises' id: from its earliest member's key, so that it stays the
/// same across relinks while that report belongs to it.
fn made_id(report: &ReportForLinking) -> String {
    let digest = Sha256::digest(format!("{}\x1f{}", report.source, report.report_id));
    format!("rep-{}", hex::encode(&digest[..6]))
}

fn made_premises(members: &[&ReportForLinking], sites: &[&ReportSite]) -> Option<NewPremises> {
    let first = members.first()?;
    let mut names: HashMap<&str, usize> = HashMap::new();
    for m in members {
        if let Some(n) = m.venue_name.as_deref() {
            *names.entry(n).or_default() += 1;
        }
    }
    let mut named: Vec<(&str, usize)> = names.into_iter().collect();
    named.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let name = named.first().map(|(n, _)| (*n).to_owned());
    let n = members.len() as f64;
    let lat = members.iter().map(|m| m.lat).sum::<f64>() / n;
    let lng = members.iter().map(|m| m.lng).sum::<f64>() / n;
    let precision_m = members.iter().map(|m| m.precision_m).fold(0.0, f64::max);
    let cells = h3o::LatLng::new(lat, lng)
        .map(|p| cells_for(p, precision_m).0.map(|c| c.map(u64::from)))
        .ok()?;
    let mut postcodes: Vec<&str> = sites.iter().filter_map(|s| s.postcode.as_deref()).collect();
    postcodes.sort_unstable();
    Some(NewPremises {
        premises_id: made_id(first),
        name_key: name.as_deref().map(name_key).unwrap_or_default(),
        name,
        venue_type: sites.first()?.venue,
        address: None,
        postcode: postcodes.first().map(|p| (*p).to_owned()),
        lat,
        lng,
        method: GeocodeMethod::Wgs84,
        precision_m,
        cells,
        status: PremisesStatus::Open,
        opened_on: None,
        closed_on: None,
        origin: PremisesOrigin::Reports,
        line: 0,
        content_hash: 0,
    })
}

/// Links every stored report with a venue again, from scratch, keeping the
/// analysts' merges and detachments; replaces the links and the premises made
/// from reports in one transaction, a run done for `by` (the register's
/// loader, the decision's actor) when known.
///
/// # Errors
/// On store failure (the previous links stay).
pub fn relink(store: &mut Store, by: Option<&str>) -> Result<LinkSummary> {
    let (links, made, summary) = compute(&store.links())?;
    store.replace_links(&links, &made, by)?;
    Ok(summary)
}

/// Links every report again inside the transaction `links` is in (a file
/// load's, before it commits): as [`relink`], committed or rolled back with it.
///
/// # Errors
/// On store failure.
pub fn link_in(links: &Links<'_>) -> Result<LinkSummary> {
    let (new, made, summary) = compute(links)?;
    links.replace(&new, &made)?;
    Ok(summary)
}

/// What `ingest` runs before a load commits when a register is present.
pub fn linking_before_commit() -> BeforeCommit {
    BeforeCommit::new(|links| link_in(links).map(|_| ()))
}

type Computed = (Vec<ReportLink>, Vec<NewPremises>, LinkSummary);

fn compute(store: &Links<'_>) -> Result<Computed> {
    let register: Vec<PremisesRecord> = store
        .premises()?
        .into_iter()
        .filter(|p| p.origin == PremisesOrigin::Register.as_str())
        .collect();
    let sites: Vec<PremisesSite> = register
        .iter()
        .filter_map(|p| {
            Some(PremisesSite {
                venue: VenueType::parse(&p.venue_type)?,
                name_key: p.name_key.clone(),
                postcode: p.postcode.clone(),
                lat: p.lat,
                lng: p.lng,
            })
        })
        .collect();
    let register: Vec<&PremisesRecord> = register
        .iter()
        .filter(|p| VenueType::parse(&p.venue_type).is_some())
        .collect();
    let mut merges: HashMap<String, String> = HashMap::new();
    let mut detached: HashSet<(String, String)> = HashSet::new();
    for decision in store.link_decisions()? {
        match decision {
            LinkDecision::Merge { into, from } => {
                merges.insert(from, into);
            }
            LinkDecision::Detach { source, report_id } => {
                detached.insert((source, report_id));
            }
        }
    }
    let reports = store.reports_for_linking()?;
    let linker = Linker::new(&sites);
    let mut summary = LinkSummary::default();
    let mut links = Vec::new();
    let mut unlinked: Vec<(&ReportForLinking, ReportSite)> = Vec::new();
    for report in &reports {
        summary.reports += 1;
        if !detached.is_empty()
            && detached.contains(&(report.source.clone(), report.report_id.clone()))
        {
            summary.detached += 1;
            continue;
        }
        let Some(site) = site_of(report) else {
            continue;
        };
        match linker.link(&site) {
            Some(link) => {
                let id = resolve(&merges, &register[link.premises].premises_id).to_owned();
                links.push(ReportLink {
                    source: report.source.clone(),
                    report_id: report.report_id.clone(),
                    premises_id: id,
                    score: link.score,
                    reason: link.reason,
                    incident_id: String::new(),
                });
                summary.linked_to_register += 1;
            }
            None => unlinked.push((report, site)),
        }
    }
    let group_sites: Vec<ReportSite> = unlinked.iter().map(|(_, s)| s.clone()).collect();
    let mut made = Vec::new();
    for group in group_unlinked(&group_sites) {
        let members: Vec<&ReportForLinking> = group.iter().map(|&i| unlinked[i].0).collect();
        let member_sites: Vec<&ReportSite> = group.iter().map(|&i| &unlinked[i].1).collect();
        let Some(premises) = made_premises(&members, &member_sites) else {
            continue;
        };
        let id = resolve(&merges, &premises.premises_id).to_owned();
        let others = members.len() - 1;
        for member in &members {
            links.push(ReportLink {
                source: member.source.clone(),
                report_id: member.report_id.clone(),
                premises_id: id.clone(),
                score: 1.0,
                reason: format!(
                    "no registered premises matched; grouped with {others} other report{} of the same venue type and name within {GROUP_NEAR_M:.0} m",
                    if others == 1 { "" } else { "s" }
                ),
                incident_id: String::new(),
            });
            summary.linked_to_made += 1;
        }
        summary.premises_made += 1;
        made.push(premises);
    }
    assign_incidents(&mut links, &reports);
    Ok((links, made, summary))
}

/// Numbers each premises' incidents in date order: a report more than
/// [`INCIDENT_WINDOW_DAYS`] after the premises' previous one starts the next.
fn assign_incidents(links: &mut [ReportLink], reports: &[ReportForLinking]) {
    let dates: HashMap<(&str, &str), chrono::NaiveDate> = reports
        .iter()
        .map(|r| ((r.source.as_str(), r.report_id.as_str()), r.observed_on))
        .collect();
    // Each link's date looked up once, not in every comparison of the sort.
    let day: Vec<Option<chrono::NaiveDate>> = links
        .iter()
        .map(|l| {
            dates
                .get(&(l.source.as_str(), l.report_id.as_str()))
                .copied()
        })
        .collect();
    let mut order: Vec<usize> = (0..links.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        (
            &links[a].premises_id,
            day[a],
            &links[a].source,
            &links[a].report_id,
        )
            .cmp(&(
                &links[b].premises_id,
                day[b],
                &links[b].source,
                &links[b].report_id,
            ))
    });
    let mut previous: Option<(usize, u32)> = None;
    for i in order {
        let n = match previous {
            Some((p, n)) if links[p].premises_id == links[i].premises_id => {
                let gap = match (day[p], day[i]) {
                    (Some(a), Some(b)) => (b - a).num_days(),
                    _ => i64::MAX,
                };
                if gap > INCIDENT_WINDOW_DAYS {
                    n + 1
                } else {
                    n
                }
            }
            _ => 1,
        };
        links[i].incident_id = format!("{}/{n}", links[i].premises_id);
        previous = Some((i, n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_come_from_postcode_and_address_inputs() {
        assert_eq!(
            report_postcode(Some("pc:PE13 1AB")),
            Some("PE13 1AB".into())
        );
        assert_eq!(report_postcode(Some("pc:PE13")), None);
        assert_eq!(
            report_postcode(Some("ad:18 Mill Road, Aylsham, NR11 6PS")),
            Some("NR11 6PS".into())
        );
        assert_eq!(report_postcode(None), None);
    }

    #[test]
    fn merges_resolve_through_chains_and_stop_on_cycles() {
        let merges: HashMap<String, String> = [("a", "b"), ("b", "c"), ("x", "y"), ("y", "x")]
            .iter()
            .map(|(f, t)| ((*f).to_owned(), (*t).to_owned()))
            .collect();
        assert_eq!(resolve(&merges, "a"), "c");
        assert_eq!(resolve(&merges, "q"), "q");
        assert!(["x", "y"].contains(&resolve(&merges, "x")));
    }
}
