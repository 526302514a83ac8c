//! Small-number disclosure control for the partnership role. Pure: no I/O.
//!
//! # What is guaranteed, and how
//!
//! The partnership role does not query the reports; it reads a fixed *release*:
//! for each calendar quarter, all reports unfiltered, counted by H3 cell at one
//! release resolution, by town, by district, and by town (or district) × venue /
//! exploitation / child involvement. The server pins every partnership request to
//! that release (one whole quarter, the release resolution, no venue /
//! exploitation / source filters), so:
//!
//! 1. **Primary suppression.** Any count from 1 to k−1 is withheld (`null`,
//!    `"suppressed": true`; "withheld" on pages, as every withheld count is:
//!    one withheld by the rules below may be large, and marking the kinds
//!    apart would say which withheld counts are small).
//! 2. **Overlapping periods** cannot be differenced: quarters are disjoint and no
//!    other period, step or filter is answered, so no two published counts
//!    cover nested sets of reports in time or by category.
//! 3. **Hotspot areas.** An area's total is the exact sum of its cells; it is
//!    published only when none of its cells is withheld (so it never holds a
//!    withheld cell), else it is withheld too.
//! 4. **Towns, districts and cells** are different partitions of the same
//!    reports. For each pair of partitions (cell–town, cell–district,
//!    town–district) the reports link blocks into connected components, and each
//!    component gives one exact equation (Σ of one side = Σ of the other). If a
//!    component holds exactly one withheld count, that equation would reveal it,
//!    so [`protect`] withholds one more (the smallest published cell, else the
//!    smallest published town) and repeats until no component holds exactly one.
//! 5. **Breakdowns** (a town's counts by venue, exploitation, child involvement)
//!    sum to the town's total: the same rule with the total as the other side.
//! 6. **Breakdowns across levels.** A district's count of a value (car washes,
//!    say) is the sum of its towns' counts of it, and a town's the sum over the
//!    districts it straddles: for each value the towns and districts sharing
//!    reports form components, and [`protect_breakdowns`] leaves none with
//!    exactly one withheld count, then completes each breakdown again (rule 5),
//!    until nothing changes. So the towns page by town, by district, and the
//!    partnership pack (which shows only these numbers) cannot be differenced.
//! 7. **No statistic computed from counts** that could be inverted is given to
//!    the role: Gi* z and p values, risk sums, trend statistics and change tests
//!    involving a withheld count are withheld; bins and categories are shown.
//!
//! Not claimed: with two or more withheld counts in one equation only their sum
//! is revealed, and bounds (each withheld count is 1..k−1) can narrow it; an
//! exact audit would need integer programming (τ-ARGUS). Imprecise reports
//! (too coarse for the release resolution) belong to towns but to no published
//! cell, which adds an unknown to their equations.

use std::collections::{BTreeMap, HashMap};

use crate::model::AreaUnit;

/// Published value of a count: `None` when withheld.
pub fn primary(count: u64, k: u64) -> Option<u64> {
    (count == 0 || count >= k).then_some(count)
}

/// Blocks of one partition: a key and its exact count, and whether withheld.
#[derive(Clone, Debug)]
pub struct Partition<K> {
    pub counts: Vec<(K, u64)>,
    pub withheld: Vec<bool>,
    /// Which side gives up a count when one more must be withheld (lower first).
    pub sacrifice_rank: u8,
}

impl<K: Clone + Eq + std::hash::Hash> Partition<K> {
    pub fn new(counts: Vec<(K, u64)>, k: u64, sacrifice_rank: u8) -> Self {
        let withheld = counts
            .iter()
            .map(|(_, n)| primary(*n, k).is_none())
            .collect();
        Self {
            counts,
            withheld,
            sacrifice_rank,
        }
    }

    pub fn index(&self) -> HashMap<K, usize> {
        self.counts
            .iter()
            .enumerate()
            .map(|(i, (key, _))| (key.clone(), i))
            .collect()
    }

    /// The published count of block `i` (`None` withheld).
    pub fn published(&self, i: usize) -> Option<u64> {
        (!self.withheld[i]).then_some(self.counts[i].1)
    }
}

/// Per component: withheld count, and the smallest published block per side.
#[derive(Default)]
struct Comp {
    withheld: usize,
    smallest_a: Option<(u64, usize)>,
    smallest_b: Option<(u64, usize)>,
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Makes sure no component of the bipartite graph `links` (block of `a`, block
/// of `b`) holds exactly one withheld count, withholding more where needed.
/// Returns how many counts it withheld.
pub fn protect<A, B>(
    a: &mut Partition<A>,
    b: &mut Partition<B>,
    links: &[(usize, usize)],
) -> usize {
    // The links do not change between rounds; only what is withheld does.
    // (Ordered sets: ties between equal smallest counts break the same way every run.)
    let linked_a: std::collections::BTreeSet<usize> = links.iter().map(|l| l.0).collect();
    let linked_b: std::collections::BTreeSet<usize> = links.iter().map(|l| l.1).collect();
    // So are the components (union-find over a's blocks, then b's).
    let na = a.counts.len();
    let mut parent: Vec<usize> = (0..na + b.counts.len()).collect();
    for &(i, j) in links {
        let (x, y) = (find(&mut parent, i), find(&mut parent, na + j));
        if x != y {
            parent[x] = y;
        }
    }
    let mut added = 0;
    loop {
        let mut comps: HashMap<usize, Comp> = HashMap::new();
        for &i in &linked_a {
            let c = comps.entry(find(&mut parent, i)).or_default();
            if a.withheld[i] {
                c.withheld += 1;
            } else if a.counts[i].1 > 0 && c.smallest_a.is_none_or(|(n, _)| a.counts[i].1 < n) {
                c.smallest_a = Some((a.counts[i].1, i));
            }
        }
        for &j in &linked_b {
            let c = comps.entry(find(&mut parent, na + j)).or_default();
            if b.withheld[j] {
                c.withheld += 1;
            } else if b.counts[j].1 > 0 && c.smallest_b.is_none_or(|(n, _)| b.counts[j].1 < n) {
                c.smallest_b = Some((b.counts[j].1, j));
            }
        }
        let mut changed = false;
        for comp in comps.values().filter(|c| c.withheld == 1) {
            let prefer_a = a.sacrifice_rank <= b.sacrifice_rank;
            let pick = if prefer_a {
                comp.smallest_a
                    .map(|(_, i)| (true, i))
                    .or(comp.smallest_b.map(|(_, j)| (false, j)))
            } else {
                comp.smallest_b
                    .map(|(_, j)| (false, j))
                    .or(comp.smallest_a.map(|(_, i)| (true, i)))
            };
            match pick {
                Some((true, i)) => a.withheld[i] = true,
                Some((false, j)) => b.withheld[j] = true,
                None => continue,
            }
            added += 1;
            changed = true;
        }
        if !changed {
            return added;
        }
    }
}

/// One quarter's release: which cells, towns and districts are published.
#[derive(Clone, Debug, Default)]
pub struct Release {
    pub k: u64,
    /// Cell → published count (`None` withheld).
    pub cells: HashMap<u64, Option<u64>>,
    pub towns: HashMap<String, Option<u64>>,
    pub districts: HashMap<String, Option<u64>>,
}

/// Builds one quarter's release from its base table.
pub fn release(units: &[AreaUnit], k: u64) -> Release {
    let mut cell_counts: BTreeMap<u64, u64> = BTreeMap::new();
    let mut town_counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut district_counts: BTreeMap<String, u64> = BTreeMap::new();
    for u in units {
        *cell_counts.entry(u.cell).or_default() += u.count;
        *town_counts.entry(u.town.clone()).or_default() += u.count;
        *district_counts.entry(u.district.clone()).or_default() += u.count;
    }
    let mut cells = Partition::new(cell_counts.into_iter().collect(), k, 0);
    let mut towns = Partition::new(town_counts.into_iter().collect(), k, 1);
    let mut districts = Partition::new(district_counts.into_iter().collect(), k, 2);
    // The pseudo-cell of imprecise reports is never published.
    let cell_index = cells.index();
    if let Some(&i) = cell_index.get(&0) {
        cells.withheld[i] = true;
    }
    let town_index = towns.index();
    let district_index = districts.index();
    let link = |f: &dyn Fn(&AreaUnit) -> (usize, usize)| -> Vec<(usize, usize)> {
        let mut v: Vec<(usize, usize)> = units.iter().filter(|u| u.count > 0).map(f).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let cell_town = link(&|u| (cell_index[&u.cell], town_index[&u.town]));
    let cell_district = link(&|u| (cell_index[&u.cell], district_index[&u.district]));
    let town_district = link(&|u| (town_index[&u.town], district_index[&u.district]));
    loop {
        let added = protect(&mut cells, &mut towns, &cell_town)
            + protect(&mut cells, &mut districts, &cell_district)
            + protect(&mut towns, &mut districts, &town_district);
        if added == 0 {
            break;
        }
    }
    Release {
        k,
        cells: cells
            .counts
            .iter()
            .enumerate()
            .filter(|(_, (c, _))| *c != 0)
            .map(|(i, (c, _))| (*c, cells.published(i)))
            .collect(),
        towns: towns
            .counts
            .iter()
            .enumerate()
            .map(|(i, (t, _))| (t.clone(), towns.published(i)))
            .collect(),
        districts: districts
            .counts
            .iter()
            .enumerate()
            .map(|(i, (d, _))| (d.clone(), districts.published(i)))
            .collect(),
    }
}

impl Release {
    /// A quarter without reports: nothing withheld.
    pub fn empty(k: u64) -> Self {
        Self {
            k,
            ..Self::default()
        }
    }

    /// A cell's published count: zero when it has no reports.
    pub fn cell(&self, cell: u64) -> Option<u64> {
        self.cells.get(&cell).copied().unwrap_or(Some(0))
    }

    /// A hotspot area's published total: only when no member is withheld.
    pub fn area(&self, cells: impl IntoIterator<Item = u64>) -> Option<u64> {
        let mut total = 0;
        for c in cells {
            total += self.cell(c)?;
        }
        primary(total, self.k)
    }
}

/// A total and its breakdown (venue, exploitation…) as published: primary
/// suppression, then one more entry withheld when exactly one is, so that the
/// total minus the others does not reveal it. `total` is `None` when withheld.
pub fn breakdown(
    total: Option<u64>,
    parts: &BTreeMap<String, u64>,
    k: u64,
) -> BTreeMap<String, Option<u64>> {
    let mut out: BTreeMap<String, Option<u64>> = parts
        .iter()
        .map(|(key, n)| (key.clone(), primary(*n, k)))
        .collect();
    complete(total, &mut out);
    out
}

/// Withholds more of a published breakdown until no dimension (`venue:`,
/// `exploitation:`, ...) has exactly one withheld count against its total,
/// each dimension summing to the total on its own. Answers whether it
/// withheld anything.
fn complete(total: Option<u64>, out: &mut BTreeMap<String, Option<u64>>) -> bool {
    let dims: std::collections::BTreeSet<String> = out
        .keys()
        .map(|key| key.split(':').next().unwrap_or("").to_owned())
        .collect();
    let mut changed = false;
    for dim in dims {
        let keys: Vec<String> = out
            .keys()
            .filter(|key| key.split(':').next() == Some(dim.as_str()))
            .cloned()
            .collect();
        loop {
            let withheld = keys.iter().filter(|key| out[*key].is_none()).count()
                + usize::from(total.is_none());
            if withheld != 1 {
                break;
            }
            let smallest = keys
                .iter()
                .filter_map(|key| out[key].filter(|n| *n > 0).map(|n| (n, key.clone())))
                .min();
            match smallest {
                Some((_, key)) => {
                    out.insert(key, None);
                    changed = true;
                }
                None => break,
            }
        }
    }
    changed
}

/// One quarter's breakdowns (by venue, exploitation, ...) for towns and
/// districts together, as published: each as [`breakdown`] makes it, then,
/// because a district's count of a value is the sum of its towns' counts of it
/// (and a town's the sum over the districts it straddles), the towns and
/// districts of each value are linked by the reports they share, and no
/// component of that graph is left with exactly one withheld count ([`protect`]);
/// then each breakdown is completed again, and so on until nothing changes.
/// So neither the towns page against the districts page, nor either against
/// the partnership pack, reveals a withheld breakdown count.
///
/// `units` are (town, district, `dimension:value`, count); the totals are the
/// release's.
pub fn protect_breakdowns(
    units: &[(String, String, String, u64)],
    town_totals: &dyn Fn(&str) -> Option<u64>,
    district_totals: &dyn Fn(&str) -> Option<u64>,
    k: u64,
) -> (Breakdowns, Breakdowns) {
    let mut town_parts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut district_parts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (town, district, key, n) in units.iter().filter(|u| u.3 > 0) {
        *town_parts
            .entry(town.clone())
            .or_default()
            .entry(key.clone())
            .or_default() += n;
        *district_parts
            .entry(district.clone())
            .or_default()
            .entry(key.clone())
            .or_default() += n;
    }
    let mut towns: Breakdowns = town_parts
        .iter()
        .map(|(t, parts)| (t.clone(), breakdown(town_totals(t), parts, k)))
        .collect();
    let mut districts: Breakdowns = district_parts
        .iter()
        .map(|(d, parts)| (d.clone(), breakdown(district_totals(d), parts, k)))
        .collect();
    let keys: std::collections::BTreeSet<&String> = units.iter().map(|u| &u.2).collect();
    loop {
        let mut changed = false;
        for key in &keys {
            let of = |parts: &BTreeMap<String, BTreeMap<String, u64>>| -> Vec<(String, u64)> {
                parts
                    .iter()
                    .filter_map(|(area, p)| p.get(*key).map(|n| (area.clone(), *n)))
                    .collect()
            };
            let mut a = Partition::new(of(&town_parts), k, 0);
            let mut b = Partition::new(of(&district_parts), k, 1);
            for (i, (town, _)) in a.counts.iter().enumerate() {
                a.withheld[i] = towns[town].get(*key).copied().flatten().is_none();
            }
            for (j, (district, _)) in b.counts.iter().enumerate() {
                b.withheld[j] = districts[district].get(*key).copied().flatten().is_none();
            }
            let (ia, ib) = (a.index(), b.index());
            let mut links: Vec<(usize, usize)> = units
                .iter()
                .filter(|u| u.3 > 0 && &&u.2 == key)
                .map(|u| (ia[&u.0], ib[&u.1]))
                .collect();
            links.sort_unstable();
            links.dedup();
            if protect(&mut a, &mut b, &links) > 0 {
                changed = true;
                for (i, (town, _)) in a.counts.iter().enumerate() {
                    if a.withheld[i] {
                        towns
                            .entry(town.clone())
                            .or_default()
                            .insert((*key).clone(), None);
                    }
                }
                for (j, (district, _)) in b.counts.iter().enumerate() {
                    if b.withheld[j] {
                        districts
                            .entry(district.clone())
                            .or_default()
                            .insert((*key).clone(), None);
                    }
                }
            }
        }
        for (town, out) in &mut towns {
            changed |= complete(town_totals(town), out);
        }
        for (district, out) in &mut districts {
            changed |= complete(district_totals(district), out);
        }
        if !changed {
            return (towns, districts);
        }
    }
}

/// Published breakdowns by area: `dimension:value` → count (`None` withheld).
pub type Breakdowns = BTreeMap<String, BTreeMap<String, Option<u64>>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(cell: u64, town: &str, district: &str, count: u64) -> AreaUnit {
        AreaUnit {
            cell,
            town: town.into(),
            district: district.into(),
            count,
        }
    }

    #[test]
    fn primary_withholds_one_to_k_minus_one() {
        assert_eq!(primary(0, 5), Some(0));
        assert_eq!(primary(1, 5), None);
        assert_eq!(primary(4, 5), None);
        assert_eq!(primary(5, 5), Some(5));
    }

    #[test]
    fn a_town_that_is_a_union_of_cells_does_not_reveal_its_one_small_cell() {
        // Town A = cells 1 (10), 2 (7), 3 (2). Published: 10, 7, and A = 19 would
        // give cell 3 = 19 − 17 = 2. The release withholds one more cell.
        let units = vec![
            unit(1, "A", "D1", 10),
            unit(2, "A", "D1", 7),
            unit(3, "A", "D1", 2),
            unit(4, "B", "D2", 12),
        ];
        let r = release(&units, 5);
        assert_eq!(r.cell(3), None);
        assert_eq!(r.cell(2), None, "the smallest published cell goes too");
        assert_eq!(r.cell(1), Some(10));
        assert_eq!(r.towns["A"], Some(19));
        // The attacker's equation now has two unknowns.
        let unknown = [1u64, 2, 3]
            .iter()
            .filter(|c| r.cell(**c).is_none())
            .count();
        assert_eq!(unknown, 2);
        // A component with nothing withheld is untouched.
        assert_eq!(r.cell(4), Some(12));
        assert_eq!(r.towns["B"], Some(12));
    }

    #[test]
    fn shared_cells_join_towns_into_one_equation() {
        // Cell 2 holds reports of both A and B; cell 3 (small) only B.
        let units = vec![
            unit(1, "A", "D", 8),
            unit(2, "A", "D", 3),
            unit(2, "B", "D", 6),
            unit(3, "B", "D", 1),
        ];
        let r = release(&units, 5);
        // A + B = 11 + 7 = 18 = cell1 + cell2 + cell3 = 8 + 9 + 1: one unknown → protected.
        let withheld = [1u64, 2, 3]
            .iter()
            .filter(|c| r.cell(**c).is_none())
            .count()
            + ["A", "B"].iter().filter(|t| r.towns[**t].is_none()).count();
        assert!(withheld >= 2, "{r:?}");
    }

    #[test]
    fn areas_holding_a_withheld_cell_are_withheld() {
        let r = release(
            &[
                unit(1, "A", "D", 9),
                unit(2, "A", "D", 9),
                unit(3, "A", "D", 3),
            ],
            5,
        );
        assert_eq!(
            r.area([1, 2]).is_some(),
            r.cell(1).is_some() && r.cell(2).is_some()
        );
        assert_eq!(r.area([1, 3]), None);
        assert_eq!(r.area([99]), Some(0));
    }

    #[test]
    fn a_breakdown_never_has_a_single_withheld_entry() {
        let parts: BTreeMap<String, u64> = [
            ("venue:car_wash".to_owned(), 12),
            ("venue:nail_bar".to_owned(), 6),
            ("venue:farm".to_owned(), 2),
            ("child:yes".to_owned(), 0),
            ("child:no".to_owned(), 20),
        ]
        .into_iter()
        .collect();
        let out = breakdown(Some(20), &parts, 5);
        assert_eq!(out["venue:farm"], None);
        assert_eq!(out["venue:nail_bar"], None, "complementary");
        assert_eq!(out["venue:car_wash"], Some(12));
        assert_eq!(out["child:no"], Some(20));
        assert_eq!(out["child:yes"], Some(0));
    }

    #[test]
    fn a_district_breakdown_does_not_reveal_its_towns_small_value() {
        // District D = towns A and B. Car washes: A 3 (withheld), B 10, so a
        // district count of 13 would give A = 13 - 10.
        let units: Vec<(String, String, String, u64)> = [
            ("A", "D", "venue:car_wash", 3),
            ("A", "D", "venue:farm", 9),
            ("B", "D", "venue:car_wash", 10),
            ("B", "D", "venue:farm", 12),
        ]
        .iter()
        .map(|(t, d, k, n)| ((*t).to_owned(), (*d).to_owned(), (*k).to_owned(), *n))
        .collect();
        let totals = |area: &str| match area {
            "A" => Some(12),
            "B" => Some(22),
            _ => Some(34),
        };
        // Each on its own: A's car washes withheld (and its farms, to protect
        // them from A's total); the district's 13 and 21 published.
        let alone = breakdown(
            Some(34),
            &BTreeMap::from([("venue:car_wash".into(), 13), ("venue:farm".into(), 21)]),
            5,
        );
        assert_eq!(alone["venue:car_wash"], Some(13));
        let (towns, districts) = protect_breakdowns(&units, &totals, &totals, 5);
        assert_eq!(towns["A"]["venue:car_wash"], None);
        // Together: for each value, the towns' and the district's counts do
        // not leave exactly one unknown.
        for key in ["venue:car_wash", "venue:farm"] {
            let unknown = ["A", "B"]
                .iter()
                .filter(|t| towns[**t][key].is_none())
                .count()
                + usize::from(districts["D"][key].is_none());
            assert_ne!(unknown, 1, "{key}: {towns:?} {districts:?}");
        }
        // And each breakdown still has no lone withheld value against its total.
        for out in towns.values().chain(districts.values()) {
            assert_ne!(out.values().filter(|v| v.is_none()).count(), 1, "{out:?}");
        }
    }
}
