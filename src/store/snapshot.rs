//! The columns every layer filters and counts by, for every stored report, held
//! in memory for one data version: a layer's per-cell counts become one pass
//! over ~33 bytes a report (~4 ms for 1M) instead of a DuckDB hash aggregate
//! (~30 ms), which was the largest part of an uncached layer.
//!
//! Only a server opts in ([`super::Store::keep_snapshot`]); readers cloned from
//! that store share one snapshot. It is rebuilt (~0.2 s for 1M reports) by the
//! first read after the data version moves on, inside one transaction so that
//! it is exactly the data of the version it is labelled with.
//!
//! **Invariant.** Every answer equals the SQL query it replaces (same filter
//! semantics as `filter_sql`); `tests::snapshot_answers_equal_sql` checks it
//! over many filters. Risk-weighted sums may differ in the last bits (another
//! summation order).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;
use duckdb::arrow::array::{
    Array, BooleanArray, Date32Array, StringArray, UInt16Array, UInt64Array, UInt8Array,
};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;

use super::records::{AreaRow, CellCounts, CellRow, IndicatorWeights, ReportFilter};
use crate::model::{next_period, period_start, AreaLevel, Split, Step, VenueType};

/// Where a server's stores keep their shared snapshot.
pub(super) type Slot = Mutex<Option<Arc<Snapshot>>>;

/// A report with no cell at a resolution (located too coarsely).
const NO_CELL: u32 = u32::MAX;

pub(super) struct Snapshot {
    pub(super) version: (i64, u64),
    /// Days since 1970-01-01.
    days: Vec<i32>,
    /// Codes into `venue_names` / `exploitation_names` (the ENUMs' order).
    venue: Vec<u8>,
    exploitation: Vec<u8>,
    /// Codes into `source_names`.
    source: Vec<u32>,
    indicator_mask: Vec<u16>,
    /// Codes into `town_names` / `district_names` (`None` there: NULL).
    town: Vec<u32>,
    district: Vec<u32>,
    /// 1 where `child_involved` is true, else 0 (the `child` split's codes).
    child: Vec<u8>,
    town_names: Vec<Option<String>>,
    district_names: Vec<Option<String>>,
    /// Per resolution 6..=9: each report's code into `cell_ids` (sorted, so
    /// codes are in cell order), or [`NO_CELL`].
    cells: [Vec<u32>; 4],
    cell_ids: [Vec<u64>; 4],
    venue_names: Vec<String>,
    exploitation_names: Vec<String>,
    source_names: Vec<String>,
    pub(super) extent: Option<(f64, f64, f64, f64)>,
}

/// Why a snapshot could not be read (the caller answers with SQL instead only
/// for [`BuildError::Unsupported`]).
#[derive(Debug)]
pub(super) enum BuildError {
    Db(&'static str, duckdb::Error),
    /// A column in a shape this module does not read (an ENUM past 64 values).
    Unsupported(&'static str),
}

fn db(context: &'static str) -> impl Fn(duckdb::Error) -> BuildError {
    move |e| BuildError::Db(context, e)
}

/// Folded multiply: H3 indexes keep their low bits constant (unused digits are
/// all 7), so they need mixing before a hash table uses them.
#[derive(Default)]
struct CellHasher(u64);

impl Hasher for CellHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        let product = u128::from(x ^ self.0) * 0x9e37_79b9_7f4a_7c15_u128;
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

type CellCodes = HashMap<u64, u32, BuildHasherDefault<CellHasher>>;

/// Interns a text column's values (NULL included) as small codes.
#[derive(Default)]
struct Names {
    codes: HashMap<String, u32>,
    by_code: Vec<Option<String>>,
    null: Option<u32>,
    /// The previous row's code: values come in runs (one file, one place at
    /// a time), so most rows skip the lookup.
    last: Option<u32>,
}

impl Names {
    fn code(&mut self, name: Option<&str>) -> u32 {
        if let Some(last) = self.last {
            if self.by_code[last as usize].as_deref() == name {
                return last;
            }
        }
        let found = match name {
            None => self.null,
            Some(name) => self.codes.get(name).copied(),
        };
        let code = found.unwrap_or_else(|| {
            let code = u32::try_from(self.by_code.len()).unwrap_or(u32::MAX);
            match name {
                None => self.null = Some(code),
                Some(name) => {
                    self.codes.insert(name.to_owned(), code);
                }
            }
            self.by_code.push(name.map(str::to_owned));
            code
        });
        self.last = Some(code);
        code
    }

    fn into_names(self) -> Vec<Option<String>> {
        self.by_code
    }
}

fn days_since_epoch(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    i32::try_from((d - epoch).num_days()).unwrap_or(if d < epoch { i32::MIN } else { i32::MAX })
}

fn date_of(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::TimeDelta::days(days.into()))
}

fn column<T: 'static>(batch: &RecordBatch, i: usize) -> Result<&T, BuildError> {
    batch
        .column(i)
        .as_any()
        .downcast_ref::<T>()
        .ok_or(BuildError::Unsupported("an unexpected column type"))
}

fn enum_names(conn: &Connection, ty: &str) -> Result<Vec<String>, BuildError> {
    // `ty` is one of our own type names, never user input.
    conn.query_row(
        &format!("SELECT CAST(enum_range(NULL::{ty}) AS VARCHAR[])"),
        [],
        |r| r.get::<_, duckdb::types::Value>(0),
    )
    .map_err(db("read enum values"))
    .map(|v| match v {
        duckdb::types::Value::List(items) => items
            .into_iter()
            .filter_map(|item| match item {
                duckdb::types::Value::Text(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

impl Snapshot {
    /// Reads the snapshot of the data as `conn` sees it now, in one transaction.
    pub(super) fn read(conn: &Connection) -> Result<Self, BuildError> {
        conn.execute_batch("BEGIN TRANSACTION")
            .map_err(db("begin snapshot"))?;
        let read = Self::read_in_transaction(conn);
        // Nothing was written: ending the transaction either way is the same.
        let _ = conn.execute_batch("ROLLBACK");
        read
    }

    fn read_in_transaction(conn: &Connection) -> Result<Self, BuildError> {
        let version = super::schema::read_data_version(conn).map_err(db("read data version"))?;
        let venue_names = enum_names(conn, "venue_type_t")?;
        let exploitation_names = enum_names(conn, "exploitation_type_t")?;
        if venue_names.len() > 64 || exploitation_names.len() > 64 {
            return Err(BuildError::Unsupported("an ENUM of more than 64 values"));
        }
        let extent = read_extent(conn).map_err(db("read extent"))?;
        let rows = usize::try_from(version.1).unwrap_or(0);
        let mut snapshot = Self {
            version,
            days: Vec::with_capacity(rows),
            venue: Vec::with_capacity(rows),
            exploitation: Vec::with_capacity(rows),
            source: Vec::with_capacity(rows),
            indicator_mask: Vec::with_capacity(rows),
            town: Vec::with_capacity(rows),
            district: Vec::with_capacity(rows),
            child: Vec::with_capacity(rows),
            town_names: Vec::new(),
            district_names: Vec::new(),
            cells: std::array::from_fn(|_| Vec::with_capacity(rows)),
            cell_ids: Default::default(),
            venue_names,
            exploitation_names,
            source_names: Vec::new(),
            extent,
        };
        let mut statement = conn
            .prepare(&format!(
                "SELECT observed_on, CAST(enum_code(venue_type) AS UTINYINT), \
                 CAST(enum_code(exploitation_type) AS UTINYINT), source, indicator_mask, \
                 {}, CAST(town AS VARCHAR), CAST(district AS VARCHAR), child_involved FROM reports",
                super::schema::REPORT_CELLS
            ))
            .map_err(db("prepare snapshot"))?;
        let mut sources = Names::default();
        let mut towns = Names::default();
        let mut districts = Names::default();
        let mut cell_codes: [CellCodes; 4] = Default::default();
        for batch in statement.query_arrow([]).map_err(db("read snapshot"))? {
            snapshot.append(&batch, &mut sources, &mut cell_codes)?;
            let town = column::<StringArray>(&batch, 9)?;
            let district = column::<StringArray>(&batch, 10)?;
            let child = column::<BooleanArray>(&batch, 11)?;
            snapshot
                .town
                .extend(town.iter().map(|name| towns.code(name)));
            snapshot
                .district
                .extend(district.iter().map(|name| districts.code(name)));
            snapshot
                .child
                .extend(child.iter().map(|c| u8::from(c == Some(true))));
        }
        snapshot.source_names = sources
            .into_names()
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect();
        snapshot.town_names = towns.into_names();
        snapshot.district_names = districts.into_names();
        // Codes renumbered in cell order, so that answers come out sorted.
        for ((ids, codes), column) in snapshot
            .cell_ids
            .iter_mut()
            .zip(cell_codes)
            .zip(&mut snapshot.cells)
        {
            let mut by_cell: Vec<(u64, u32)> = codes.into_iter().collect();
            by_cell.sort_unstable();
            let mut renumbered = vec![0; by_cell.len()];
            for (new, &(_, old)) in (0u32..).zip(&by_cell) {
                renumbered[old as usize] = new;
            }
            for code in column.iter_mut().filter(|code| **code != NO_CELL) {
                *code = renumbered[*code as usize];
            }
            *ids = by_cell.into_iter().map(|(cell, _)| cell).collect();
        }
        snapshot.sort_by_day();
        Ok(snapshot)
    }

    fn append(
        &mut self,
        batch: &RecordBatch,
        sources: &mut Names,
        cell_codes: &mut [CellCodes; 4],
    ) -> Result<(), BuildError> {
        let days = column::<Date32Array>(batch, 0)?;
        let venue = column::<UInt8Array>(batch, 1)?;
        let exploitation = column::<UInt8Array>(batch, 2)?;
        let source = column::<StringArray>(batch, 3)?;
        let mask = column::<UInt16Array>(batch, 4)?;
        self.days.extend(days.values().iter().copied());
        self.venue.extend(venue.values().iter().copied());
        self.exploitation
            .extend(exploitation.values().iter().copied());
        self.indicator_mask.extend(mask.values().iter().copied());
        self.source
            .extend(source.iter().map(|name| sources.code(name)));
        for (r, codes) in cell_codes.iter_mut().enumerate() {
            let cells = column::<UInt64Array>(batch, 5 + r)?;
            let out = &mut self.cells[r];
            for cell in cells {
                out.push(cell.map_or(NO_CELL, |cell| {
                    let next = u32::try_from(codes.len()).unwrap_or(NO_CELL);
                    *codes.entry(cell).or_insert(next)
                }));
            }
        }
        Ok(())
    }

    /// Puts the reports in date order (a stable counting sort): a period is
    /// then a range of rows, found by binary search, and a layer over a
    /// period without other filters reads only the cell column.
    fn sort_by_day(&mut self) {
        let (Some(&min), Some(&max)) = (self.days.iter().min(), self.days.iter().max()) else {
            return;
        };
        let span = usize::try_from(i64::from(max) - i64::from(min) + 1).unwrap_or(usize::MAX);
        let order: Vec<u32> = if span <= 4 * self.days.len() + 1024 {
            let mut starts = vec![0u32; span + 1];
            for &day in &self.days {
                starts[(day - min) as usize + 1] += 1;
            }
            for i in 1..starts.len() {
                starts[i] += starts[i - 1];
            }
            let mut order = vec![0u32; self.days.len()];
            for (row, &day) in (0u32..).zip(&self.days) {
                let slot = &mut starts[(day - min) as usize];
                order[*slot as usize] = row;
                *slot += 1;
            }
            order
        } else {
            // Dates spread over far more days than there are reports.
            let mut order: Vec<u32> = (0..).take(self.days.len()).collect();
            order.sort_by_key(|&row| self.days[row as usize]);
            order
        };
        permute(&mut self.days, &order);
        permute(&mut self.venue, &order);
        permute(&mut self.exploitation, &order);
        permute(&mut self.source, &order);
        permute(&mut self.indicator_mask, &order);
        permute(&mut self.town, &order);
        permute(&mut self.district, &order);
        permute(&mut self.child, &order);
        for column in &mut self.cells {
            permute(column, &order);
        }
    }

    fn matcher(&self, filter: &ReportFilter) -> Matcher<'_> {
        let codes = |names: &[String], wanted: &[String]| -> u64 {
            if wanted.is_empty() {
                return u64::MAX;
            }
            names
                .iter()
                .enumerate()
                .filter(|(_, name)| wanted.contains(name))
                .fold(0, |bits, (code, _)| bits | 1 << code)
        };
        let sources = (!filter.sources.is_empty()).then(|| {
            self.source_names
                .iter()
                .map(|name| filter.sources.contains(name))
                .collect()
        });
        let cells = filter.cells.as_ref().map(|(res, wanted)| {
            let r = res_index(*res);
            let wanted: std::collections::HashSet<u64> = wanted.iter().copied().collect();
            let allowed = self.cell_ids[r]
                .iter()
                .map(|cell| wanted.contains(cell))
                .collect();
            (&self.cells[r][..], allowed)
        });
        let from = filter.from.map_or(i32::MIN, days_since_epoch);
        let to = filter.to.map_or(i32::MAX, days_since_epoch);
        let rows = self.days.partition_point(|&day| day < from)
            ..self.days.partition_point(|&day| day <= to);
        let venues = codes(&self.venue_names, &filter.venues);
        let exploitation = codes(&self.exploitation_names, &filter.exploitation);
        Matcher {
            snapshot: self,
            every_row: venues == u64::MAX
                && exploitation == u64::MAX
                && sources.is_none()
                && cells.is_none(),
            rows: rows.start..rows.end.max(rows.start),
            venues,
            exploitation,
            sources,
            cells,
        }
    }

    /// As [`super::Store::cell_counts`].
    pub(super) fn cell_counts(
        &self,
        resolution: u8,
        filter: &ReportFilter,
        weights: Option<&IndicatorWeights>,
        details: bool,
    ) -> CellCounts {
        let matcher = self.matcher(filter);
        let r = res_index(resolution);
        let ids = &self.cell_ids[r];
        let cells = &self.cells[r];
        // The SQL weight, `1 + w0·bit0 + w1·bit1 + …`, summed in the same order.
        let weight_of: Option<Vec<f64>> = weights.map(|w| {
            (0..=u16::MAX >> 2)
                .map(|mask| {
                    w.iter()
                        .enumerate()
                        .fold(1.0, |sum, (i, wi)| sum + wi * f64::from((mask >> i) & 1))
                })
                .collect()
        });
        let venue_slot: Vec<Option<usize>> = self
            .venue_names
            .iter()
            .map(|name| VenueType::ALL.iter().position(|v| v.as_str() == name))
            .collect();
        let mut reports = vec![0u64; ids.len()];
        let mut values = vec![0f64; ids.len()];
        let mut rows: Vec<CellRow> = if details {
            vec![CellRow::default(); ids.len()]
        } else {
            Vec::new()
        };
        let mut excluded_imprecise = 0;
        // Rows are in date order: the first and last passing rows hold the window.
        let (mut first_row, mut last_row) = (None, 0);
        // Kept small so that it inlines into the scan (the details have their
        // own pass): called once a report.
        matcher.for_each(|i| {
            first_row.get_or_insert(i);
            last_row = i;
            let code = cells[i];
            if code == NO_CELL {
                excluded_imprecise += 1;
                return;
            }
            let c = code as usize;
            reports[c] += 1;
            // Read only when needed: the scan is bound by memory bandwidth.
            if let Some(table) = &weight_of {
                values[c] += table[usize::from(self.indicator_mask[i] & 0x3fff)];
            }
        });
        if details {
            matcher.for_each(|i| {
                let Some(row) = rows.get_mut(cells[i] as usize) else {
                    return;
                };
                let mask = self.indicator_mask[i];
                if let Some(v) = venue_slot[usize::from(self.venue[i])] {
                    row.venues[v] += 1;
                }
                for (bit, slot) in row.indicators.iter_mut().enumerate() {
                    *slot += u64::from((mask >> bit) & 1);
                }
                let day = date_of(self.days[i]);
                row.first = row.first.min(day).or(day);
                row.last = row.last.max(day);
            });
        }
        if weight_of.is_none() {
            // The `count` weight: a sum of ones is the count, exactly.
            for (value, &n) in values.iter_mut().zip(&reports) {
                *value = n as f64;
            }
        }
        let mut out = CellCounts {
            rows: Vec::with_capacity(reports.iter().filter(|&&n| n > 0).count()),
            excluded_imprecise,
            first: first_row.and_then(|i| date_of(self.days[i])),
            last: first_row.and_then(|_| date_of(self.days[last_row])),
        };
        for (c, &n) in reports.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let mut row = if details {
                std::mem::take(&mut rows[c])
            } else {
                CellRow::default()
            };
            row.cell = ids[c];
            row.reports = n;
            row.value = values[c];
            out.rows.push(row);
        }
        // Codes are in cell order (see `read_in_transaction`).
        debug_assert!(out.rows.is_sorted_by_key(|r| r.cell));
        out
    }

    /// As [`super::Store::data_window`].
    pub(super) fn data_window(
        &self,
        filter: &ReportFilter,
    ) -> (Option<NaiveDate>, Option<NaiveDate>, u64) {
        let matcher = self.matcher(filter);
        if matcher.every_row {
            // The period's rows, in date order: no scan needed.
            let rows = matcher.rows;
            return match rows.len() {
                0 => (None, None, 0),
                n => (
                    date_of(self.days[rows.start]),
                    date_of(self.days[rows.end - 1]),
                    n as u64,
                ),
            };
        }
        let (mut first_row, mut last_row, mut count) = (None, 0, 0);
        matcher.for_each(|i| {
            first_row.get_or_insert(i);
            last_row = i;
            count += 1;
        });
        match first_row {
            None => (None, None, 0),
            Some(first) => (
                date_of(self.days[first]),
                date_of(self.days[last_row]),
                count,
            ),
        }
    }
}

impl Snapshot {
    /// As [`super::Store::area_series`]; `None` when the groups are too many
    /// to count in a dense table (the caller asks SQL).
    pub(super) fn area_series(
        &self,
        by: AreaLevel,
        filter: &ReportFilter,
        step: Step,
        split: Option<Split>,
    ) -> Option<Vec<AreaRow>> {
        // Labels as the SQL writes them, and each code's rank among them
        // (equal labels share a rank, as SQL groups by the label).
        let (area_labels, area_of) = match by {
            AreaLevel::Town => (ranked(&self.town_names, "(none)"), &self.town),
            AreaLevel::District => (ranked(&self.district_names, "(none)"), &self.district),
        };
        let district_labels = ranked(&self.district_names, "");
        let names =
            |names: &[String]| -> Vec<Option<String>> { names.iter().cloned().map(Some).collect() };
        let (split_labels, split_of): (Ranked, Option<&[u8]>) = match split {
            None => (ranked(&[None], ""), None),
            Some(Split::Venue) => (ranked(&names(&self.venue_names), ""), Some(&self.venue)),
            Some(Split::Exploitation) => (
                ranked(&names(&self.exploitation_names), ""),
                Some(&self.exploitation),
            ),
            Some(Split::Child) => (
                ranked(&[Some("adult_or_unknown".into()), Some("child".into())], ""),
                Some(&self.child),
            ),
            // Not in the in-memory copy: SQL counts them.
            Some(Split::Source | Split::Nationality) => return None,
        };
        let (n_area, n_district, n_split) = (
            area_labels.labels.len(),
            district_labels.labels.len(),
            split_labels.labels.len(),
        );
        let cells = n_area.checked_mul(n_district)?.checked_mul(n_split)?;
        if cells > 1 << 22 {
            return None;
        }
        let matcher = self.matcher(filter);
        let mut counts = vec![0u64; cells];
        let mut touched: Vec<usize> = Vec::new();
        let mut out = Vec::new();
        let mut period: Option<(NaiveDate, i32)> = None;
        let mut flush = |period: NaiveDate, counts: &mut [u64], touched: &mut Vec<usize>| {
            for &slot in touched.iter() {
                let (rest, s) = (slot / n_split, slot % n_split);
                let (a, d) = (rest / n_district, rest % n_district);
                out.push((a, d, period, s, std::mem::take(&mut counts[slot])));
            }
            touched.clear();
        };
        matcher.for_each(|i| {
            let day = self.days[i];
            // Rows are in date order: a period is a run of rows.
            if period.is_none_or(|(_, end)| day >= end) {
                if let Some((start, _)) = period {
                    flush(start, &mut counts, &mut touched);
                }
                let start = period_start(date_of(day).unwrap_or_default(), step);
                period = Some((start, days_since_epoch(next_period(start, step))));
            }
            let split_code = split_of.map_or(0, |codes| usize::from(codes[i]));
            let slot = (area_labels.rank[area_of[i] as usize] * n_district
                + district_labels.rank[self.district[i] as usize])
                * n_split
                + split_labels.rank[split_code];
            if counts[slot] == 0 {
                touched.push(slot);
            }
            counts[slot] += 1;
        });
        if let Some((start, _)) = period {
            flush(start, &mut counts, &mut touched);
        }
        out.sort_unstable();
        Some(
            out.into_iter()
                .map(|(a, d, period, s, count)| AreaRow {
                    area: area_labels.labels[a].clone(),
                    district: district_labels.labels[d].clone(),
                    period,
                    split: split_labels.labels[s].clone(),
                    count,
                })
                .collect(),
        )
    }
}

/// Labels in sorted order, and for each code its label's position there.
struct Ranked {
    labels: Vec<String>,
    rank: Vec<usize>,
}

/// Ranks `names` (NULL written as `null_label`) by their labels, byte-wise as
/// DuckDB sorts text.
fn ranked(names: &[Option<String>], null_label: &str) -> Ranked {
    let label = |name: &Option<String>| name.clone().unwrap_or_else(|| null_label.to_owned());
    let mut labels: Vec<String> = names.iter().map(label).collect();
    labels.sort_unstable();
    labels.dedup();
    let rank = names
        .iter()
        .map(|name| labels.binary_search(&label(name)).unwrap_or(0))
        .collect();
    Ranked { labels, rank }
}

fn permute<T: Copy>(column: &mut Vec<T>, order: &[u32]) {
    *column = order.iter().map(|&row| column[row as usize]).collect();
}

fn res_index(resolution: u8) -> usize {
    usize::from(resolution.clamp(6, 9) - 6)
}

/// A [`ReportFilter`] turned into codes of one snapshot.
struct Matcher<'a> {
    snapshot: &'a Snapshot,
    /// The rows of the period (the snapshot is in date order).
    rows: std::ops::Range<usize>,
    /// Every row of the period passes (no other filter).
    every_row: bool,
    /// Bit `code` set when that ENUM code passes.
    venues: u64,
    exploitation: u64,
    /// Per source code, whether it passes (`None`: all do).
    sources: Option<Vec<bool>>,
    /// The filter resolution's cell codes, and per code whether it passes.
    cells: Option<(&'a [u32], Vec<bool>)>,
}

impl Matcher<'_> {
    /// Calls `f` with each passing report's row, in date order. Plain loops:
    /// an iterator's `Filter::next` (not inlined) cost ~10 ns a row, and the
    /// scan is bound by memory bandwidth, so columns no filter needs are not
    /// read at all.
    #[allow(
        clippy::inline_always,
        reason = "measured: without it the per-row closure was a call (9 ms, not 4, for 1M rows)"
    )]
    #[inline(always)]
    fn for_each(&self, mut f: impl FnMut(usize)) {
        // One call site, so that `f` is inlined; `every_row` is the same for
        // every row, so the compiler hoists the test out of the loop.
        for i in self.rows.clone() {
            if self.every_row || self.passes(i) {
                f(i);
            }
        }
    }

    #[allow(clippy::inline_always, reason = "as `for_each`: called once a row")]
    #[inline(always)]
    fn passes(&self, i: usize) -> bool {
        let s = self.snapshot;
        (self.venues >> s.venue[i]) & 1 == 1
            && (self.exploitation >> s.exploitation[i]) & 1 == 1
            && self
                .sources
                .as_ref()
                .is_none_or(|pass| pass[s.source[i] as usize])
            && self
                .cells
                .as_ref()
                .is_none_or(|(codes, pass)| codes[i] != NO_CELL && pass[codes[i] as usize])
    }
}

/// The shared snapshot for `version`, reading a new one when it is older.
/// Callers hold the slot's lock while reading, so that concurrent readers wait
/// for one snapshot rather than each building their own.
///
/// `run` is the newest ingest run id: every change to `reports` is a load, and
/// every load is a run committed with its reports, so the run id alone tells
/// whether the snapshot is current (and is cheaper to read than a count).
pub(super) fn current(
    slot: &Slot,
    conn: &Connection,
    run: i64,
) -> Result<Arc<Snapshot>, BuildError> {
    let mut kept = slot.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(snapshot) = kept.as_ref().filter(|s| s.version.0 == run) {
        return Ok(Arc::clone(snapshot));
    }
    // Dropped first: two versions need not be in memory at once.
    *kept = None;
    let snapshot = Arc::new(Snapshot::read(conn)?);
    *kept = Some(Arc::clone(&snapshot));
    Ok(snapshot)
}

/// [`Store::extent`] as the database has it (the snapshot reads it too).
pub(super) fn read_extent(
    conn: &duckdb::Connection,
) -> duckdb::Result<Option<(f64, f64, f64, f64)>> {
    read_box(
        conn,
        "SELECT min(lat), min(lng), max(lat), max(lng) FROM reports",
    )
}

/// The one row of `sql`, `min(lat), min(lng), max(lat), max(lng)`, as a box
/// (`None` when it found no rows).
pub(super) fn read_box(
    conn: &duckdb::Connection,
    sql: &str,
) -> duckdb::Result<Option<(f64, f64, f64, f64)>> {
    let row: (Option<f64>, Option<f64>, Option<f64>, Option<f64>) =
        conn.query_row(sql, [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    Ok(match row {
        (Some(a), Some(b), Some(c), Some(d)) => Some((a, b, c, d)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::*;

    fn demo_store() -> Store {
        let mut store = Store::open_in_memory().expect("store");
        crate::demo::load_demo(&mut store).expect("demo");
        store
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    /// Filters over every field, alone and together, including ones that match nothing.
    fn filters(store: &Store) -> Vec<ReportFilter> {
        let busiest: Vec<u64> = store
            .busiest_cells(7, 5)
            .expect("busiest")
            .into_iter()
            .map(|(cell, _)| cell)
            .collect();
        let sources: Vec<String> =
            store.column("SELECT DISTINCT source FROM reports ORDER BY 1", []);
        assert!(sources.len() >= 2, "the demo has several sources");
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let mut out = vec![
            ReportFilter::default(),
            ReportFilter {
                from: Some(date("2025-03-01")),
                to: Some(date("2025-08-31")),
                ..ReportFilter::default()
            },
            ReportFilter {
                to: Some(date("1999-01-01")),
                ..ReportFilter::default()
            },
            ReportFilter {
                from: Some(date("2025-06-15")),
                to: Some(date("2025-06-15")),
                ..ReportFilter::default()
            },
            ReportFilter {
                venues: s(&["car_wash"]),
                ..ReportFilter::default()
            },
            ReportFilter {
                venues: s(&["nail_bar", "farm"]),
                exploitation: s(&["labour"]),
                ..ReportFilter::default()
            },
            ReportFilter {
                exploitation: s(&["sexual", "criminal"]),
                from: Some(date("2025-01-01")),
                ..ReportFilter::default()
            },
            ReportFilter {
                sources: vec![sources[0].clone(), "no-such-source".into()],
                ..ReportFilter::default()
            },
            ReportFilter {
                sources: s(&["no-such-source"]),
                ..ReportFilter::default()
            },
            ReportFilter {
                cells: Some((7, busiest.clone())),
                ..ReportFilter::default()
            },
            ReportFilter {
                cells: Some((7, vec![busiest[0], 0x8719_5da4_9fff_ffff])),
                venues: s(&["car_wash", "service_station"]),
                ..ReportFilter::default()
            },
            ReportFilter {
                cells: Some((7, Vec::new())),
                ..ReportFilter::default()
            },
        ];
        out.push(ReportFilter {
            sources: sources[1..].to_vec(),
            ..out[5].clone()
        });
        out
    }

    #[test]
    fn snapshot_answers_equal_sql() {
        let store = demo_store();
        // Reports outside any town or district, as reports too coarse for a
        // res-7 cell are: the SQL labels them "(none)" and "".
        store
            .conn
            .execute_batch(
                "UPDATE reports SET town = NULL WHERE line % 7 = 0; \
                 UPDATE reports SET district = NULL WHERE line % 11 = 0;",
            )
            .expect("update");
        let snapshot = Snapshot::read(&store.conn).expect("snapshot");
        assert_eq!(snapshot.version, store.data_version().expect("version"));
        assert_eq!(snapshot.days.len() as u64, snapshot.version.1);
        assert_eq!(snapshot.extent, store.extent().expect("extent"));
        let weights = crate::publish::DEFAULT_RISK_WEIGHTS;
        let mut compared_rows = 0;
        for (f, filter) in filters(&store).iter().enumerate() {
            assert_eq!(
                snapshot.data_window(filter),
                store.data_window_sql(filter).expect("sql"),
                "filter {f}: {filter:?}"
            );
            for res in 6..=9 {
                for weights in [None, Some(&weights)] {
                    for details in [false, true] {
                        let sql = store
                            .cell_counts_sql(res, filter, weights, details)
                            .expect("sql");
                        let mut ours = snapshot.cell_counts(res, filter, weights, details);
                        let context = format!(
                            "filter {f} res {res} risk {} details {details}",
                            weights.is_some()
                        );
                        assert_eq!(ours.excluded_imprecise, sql.excluded_imprecise, "{context}");
                        assert_eq!((ours.first, ours.last), (sql.first, sql.last), "{context}");
                        assert_eq!(ours.rows.len(), sql.rows.len(), "{context}");
                        for (a, b) in ours.rows.iter_mut().zip(&sql.rows) {
                            // Summed in another order: equal to rounding.
                            assert!(
                                (a.value - b.value).abs() <= 1e-9 * b.value.abs(),
                                "{context}: {a:?} vs {b:?}"
                            );
                            a.value = b.value;
                            assert_eq!(a, b, "{context}");
                        }
                        compared_rows += sql.rows.len();
                    }
                }
            }
        }
        let mut compared_series = 0;
        for (f, filter) in filters(&store).iter().enumerate() {
            for level in [AreaLevel::Town, AreaLevel::District] {
                for step in [Step::Month, Step::Quarter, Step::Year] {
                    for split in [
                        None,
                        Some(Split::Venue),
                        Some(Split::Exploitation),
                        Some(Split::Child),
                    ] {
                        let sql = store
                            .area_series_sql(level, filter, step, split)
                            .expect("sql");
                        let ours = snapshot
                            .area_series(level, filter, step, split)
                            .expect("dense");
                        assert_eq!(ours, sql, "filter {f} {level:?} {step:?} {split:?}");
                        compared_series += sql.len();
                    }
                }
            }
        }
        assert!(
            compared_series > 10_000,
            "the series matched too little: {compared_series}"
        );
        assert!(
            snapshot.town_names.contains(&None) && snapshot.district_names.contains(&None),
            "the demo has reports outside any town and district"
        );
        assert!(
            compared_rows > 10_000,
            "the filters matched too little: {compared_rows}"
        );
    }

    /// A store that keeps a snapshot reads a new one when the data changes.
    #[test]
    fn a_kept_snapshot_follows_new_data() {
        let mut store = Store::open_in_memory().expect("store");
        store.keep_snapshot();
        let reader = store.try_clone().expect("clone");
        assert_eq!(
            reader
                .data_window(&ReportFilter::default())
                .expect("window")
                .2,
            0
        );
        crate::demo::load_demo(&mut store).expect("demo");
        let (_, reports) = store.data_version().expect("version");
        let window = reader
            .data_window(&ReportFilter::default())
            .expect("window");
        assert_eq!(
            window,
            store
                .data_window_sql(&ReportFilter::default())
                .expect("sql")
        );
        assert_eq!(window.2, reports);
        let counts = reader
            .cell_counts(8, &ReportFilter::default(), None, false)
            .expect("counts");
        let sql = store
            .cell_counts_sql(8, &ReportFilter::default(), None, false)
            .expect("sql");
        assert_eq!(counts.rows, sql.rows);
        let slot = reader.snapshot.as_ref().expect("kept");
        let kept = slot.lock().unwrap().as_ref().map(|s| s.version);
        assert_eq!(kept, Some(store.data_version().expect("version")));
    }
}
