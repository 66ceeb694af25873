//! Observations that arrive grouped by series: the import's fast path for the common file.
//!
//! Publishers and `failwell export` write a file series by series. While every series'
//! rows arrive together, two of the import's set-based steps can be done as the rows are
//! read, holding one series at a time:
//! - **Repeated keys.** A key given twice is found within its series' group, with the line
//!   it first appeared on, exactly as the staging table's self-join finds it (that join
//!   and its index cost 0.9 s a million rows on SQLite).
//! - **Packing a series this import creates.** Such a series has no stored rows, so its
//!   packed current figures are its rows in period order. Rebuilding them after the merge
//!   read every row back through the driver: 3.9 s of an 8.5 s import of a million rows
//!   on SQLite (measured 2026-12-07, `failwell -v import`).
//!
//! The first time a series' rows come back after another series' (a file sorted by period,
//! or the same series in two files), the repeated-key check falls back to the staging
//! table's query for the whole import; a series created here that came apart is rebuilt
//! from its rows after the merge, as any other series is. Nothing here decides what is
//! stored: the merge still writes every row, and a wrong guess here could only cost time.

use crate::observations::Duplicate;
use crate::series::{PackedRow, pack_new_series};
use std::collections::HashSet;
use time::Date;

/// Repeats kept in memory before the check gives way to the staging table's query (which
/// finds the same ones): a file with this many repeats is refused anyway.
const KEPT_REPEATS: usize = 10_000;

/// One row of the series being read.
struct Row {
    /// Where its period is in the group's `periods` text.
    period: std::ops::Range<usize>,
    value: Option<f64>,
    published: Option<Date>,
    /// Where it was read: file number and line.
    at: (u32, u64),
}

/// The series whose rows are arriving. Its buffers are kept from one series to the next:
/// ten million rows need no allocation each.
#[derive(Default)]
struct Group {
    series_id: i64,
    /// Created by this import, and not seen before this group: packed when it ends.
    pack: bool,
    /// Whether rows are being read (an ended group keeps its buffers, empty).
    open: bool,
    periods: String,
    rows: Vec<Row>,
}

impl Group {
    fn push(&mut self, period: &str, value: Option<f64>, published: Option<Date>, at: (u32, u64)) {
        let start = self.periods.len();
        self.periods.push_str(period);
        self.rows.push(Row { period: start..self.periods.len(), value, published, at });
    }

    fn period(&self, row: &Row) -> &str {
        &self.periods[row.period.clone()]
    }
}

/// What the grouped reading has found so far.
#[derive(Default)]
pub(crate) struct Grouped {
    current: Group,
    /// Every series whose group has ended.
    ended: HashSet<i64>,
    /// Series created by this import (none of their rows was stored before it).
    fresh: HashSet<i64>,
    /// Fresh series packed here, whose rows all came in one group.
    packed: HashSet<i64>,
    /// Fresh series packed here whose rows then came back: rebuilt after the merge.
    scattered: HashSet<i64>,
    /// Repeated keys found within groups, in reading order, while `apart` is false.
    repeats: Vec<Duplicate>,
    /// A series' rows came back after its group ended (or too many repeats to keep): the
    /// repeated-key check is the staging table's.
    apart: bool,
    /// Packed rows waiting to be written to `series_current`.
    pending: Vec<PackedRow>,
    /// Rows taken.
    rows: u64,
}

impl Grouped {
    /// Notes that this import created `series_id`.
    pub(crate) fn created(&mut self, series_id: i64) {
        self.fresh.insert(series_id);
    }

    /// Takes one staged row. Returns how many packed rows wait to be written.
    pub(crate) fn push(
        &mut self,
        series_id: i64,
        period: &str,
        value: Option<f64>,
        published: Option<Date>,
        at: (u32, u64),
    ) -> usize {
        if !(self.current.open && self.current.series_id == series_id) {
            self.end_group();
            let returned = self.ended.contains(&series_id);
            if returned {
                self.apart = true;
                if self.packed.remove(&series_id) {
                    self.scattered.insert(series_id);
                }
            }
            let group = &mut self.current;
            (group.series_id, group.pack, group.open) = (series_id, !returned && self.fresh.contains(&series_id), true);
        }
        self.current.push(period, value, published, at);
        self.rows += 1;
        self.pending.len()
    }

    /// Ends the group being read (after the last row, or when another series begins).
    pub(crate) fn end_group(&mut self) {
        if !self.current.open {
            return;
        }
        let mut rows = std::mem::take(&mut self.current.rows);
        let group = &self.current;
        self.ended.insert(group.series_id);
        rows.sort_by(|a, b| group.period(a).cmp(group.period(b)).then(a.at.cmp(&b.at)));
        let before = self.repeats.len();
        let mut repeated = false;
        for pair in rows.windows(2) {
            if group.period(&pair[0]) == group.period(&pair[1]) {
                repeated = true;
                if !self.apart {
                    self.repeats.push(Duplicate { at: pair[1].at, first: pair[0].at });
                }
            }
        }
        if repeated {
            // Reading order: the group's repeats by the line of the later occurrence.
            self.repeats[before..].sort_by_key(|d| d.at);
            if self.repeats.len() > KEPT_REPEATS {
                self.apart = true;
                self.repeats = Vec::new();
            }
        } else if group.pack {
            let packed = pack_new_series(group.series_id, rows.iter().map(|r| (group.period(r), r.value, r.published)));
            self.pending.push(packed);
            self.packed.insert(group.series_id);
        }
        rows.clear();
        let group = &mut self.current;
        (group.rows, group.open) = (rows, false);
        group.periods.clear();
    }

    /// The packed rows waiting to be written (emptied by the writer).
    pub(crate) fn pending(&mut self) -> &mut Vec<PackedRow> {
        &mut self.pending
    }

    /// The repeated keys, when every series' rows came together; `None` when the staging
    /// table must be asked.
    pub(crate) fn repeats(&mut self) -> Option<&[Duplicate]> {
        self.end_group();
        (!self.apart).then_some(&self.repeats[..])
    }

    /// How many rows were staged, and every series they belong to, in id order: when the
    /// merge wrote them all (a first load), the series it changed, without sorting the
    /// staging table (at ten million rows that sort took 64 MB and a second).
    pub(crate) fn staged(&mut self) -> (u64, Vec<i64>) {
        self.end_group();
        let mut ids: Vec<i64> = self.ended.iter().copied().collect();
        ids.sort_unstable();
        (self.rows, ids)
    }

    /// Whether every staged row belongs to a series this import created (a first load):
    /// then none can revise a stored row, and the merge need not look for one.
    pub(crate) fn all_fresh(&mut self) -> bool {
        self.end_group();
        self.ended.iter().all(|id| self.fresh.contains(id))
    }

    /// Whether `series_id`'s packed figures were written here and need no rebuild.
    pub(crate) fn is_packed(&self, series_id: i64) -> bool {
        self.packed.contains(&series_id)
    }

    /// Fresh series whose rows came apart: rebuilt from all their rows.
    pub(crate) fn scattered(&self) -> &HashSet<i64> {
        &self.scattered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(g: &mut Grouped, id: i64, period: &str, line: u64) {
        g.push(id, period, Some(line as f64), None, (1, line));
    }

    #[test]
    fn repeats_within_groups_name_the_occurrence_before() {
        let mut g = Grouped::default();
        push(&mut g, 1, "2020-01", 2);
        push(&mut g, 1, "2020-02", 3);
        push(&mut g, 1, "2020-01", 4);
        push(&mut g, 1, "2020-01", 5);
        push(&mut g, 2, "2020-01", 6);
        push(&mut g, 2, "2020-01", 7);
        let repeats = g.repeats().expect("grouped").to_vec();
        assert_eq!(
            repeats,
            vec![
                Duplicate { at: (1, 4), first: (1, 2) },
                Duplicate { at: (1, 5), first: (1, 4) },
                Duplicate { at: (1, 7), first: (1, 6) },
            ]
        );
    }

    #[test]
    fn a_series_that_comes_back_hands_the_check_to_the_staging_table() {
        let mut g = Grouped::default();
        g.created(1);
        g.created(2);
        push(&mut g, 1, "2020-01", 2);
        push(&mut g, 2, "2020-01", 3);
        assert!(g.is_packed(1));
        push(&mut g, 1, "2020-02", 4);
        assert!(g.repeats().is_none());
        assert!(!g.is_packed(1), "its packed figures lack the later row");
        assert!(g.scattered().contains(&1));
        assert!(g.is_packed(2));
    }

    #[test]
    fn only_series_this_import_created_are_packed() {
        let mut g = Grouped::default();
        g.created(2);
        push(&mut g, 1, "2020-01", 2);
        push(&mut g, 2, "2020-02", 3);
        push(&mut g, 2, "2020-01", 4);
        assert_eq!(g.repeats().map(<[Duplicate]>::len), Some(0));
        assert!(!g.is_packed(1));
        assert!(g.is_packed(2));
        let pending = std::mem::take(g.pending());
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].0, 2);
        assert_eq!(pending[0].1, "2020-01*2", "periods in order, whatever the file's order");
    }
}
