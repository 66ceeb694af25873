//! The special-cause rules, in one pass over a segment.
//!
//! Each rule keeps a little running state (the current run, the last three points),
//! so a segment costs O(n) whatever the run lengths, and nothing is allocated except
//! a [`Flag`] when a rule fires (into a vector the caller reuses). Runs never cross
//! a rebase: each segment is detected on its own, as in all three reference tools.

use super::limits::Frame;
use super::{Flag, Improvement, PointLabel, PointType, Rule, RuleSet, Side, TwoInThree};

/// Labels the points of one segment and records every rule firing.
///
/// `labels` is the segment's own slice; `offset` turns local indices into the
/// series' indices used in flags.
#[allow(clippy::too_many_arguments)]
pub(crate) fn detect(
    seg: &[f64],
    offset: usize,
    segment: usize,
    f: &Frame,
    rules: &RuleSet,
    imp: Improvement,
    labels: &mut [PointLabel],
    flags: &mut Vec<Flag>,
) {
    // One monomorphised loop per two-in-three variant keeps the per-point match
    // out of the hot loop.
    match rules.two_in_three {
        None => detect_with::<T3_OFF>(seg, offset, segment, f, rules, imp, labels, flags),
        Some(TwoInThree::SameSide) => detect_with::<T3_SAME>(seg, offset, segment, f, rules, imp, labels, flags),
        Some(TwoInThree::CloseSameSideOfMean) => {
            detect_with::<T3_CLOSE>(seg, offset, segment, f, rules, imp, labels, flags)
        }
        Some(TwoInThree::NetCount) => detect_with::<T3_NET>(seg, offset, segment, f, rules, imp, labels, flags),
    }
}

const T3_OFF: u8 = 0;
const T3_SAME: u8 = 1;
const T3_CLOSE: u8 = 2;
const T3_NET: u8 = 3;

#[allow(clippy::too_many_arguments)]
fn detect_with<const T3: u8>(
    seg: &[f64],
    offset: usize,
    segment: usize,
    f: &Frame,
    rules: &RuleSet,
    imp: Improvement,
    labels: &mut [PointLabel],
    flags: &mut Vec<Flag>,
) {
    let mut sink = Sink { labels, flags, offset, segment, imp };

    let mut out_open: Option<(usize, i8)> = None;

    let shift_len = rules.shift_length.unwrap_or(0);
    let (mut sh_side, mut sh_len, mut sh_start, mut sh_flag) = (0i8, 0usize, 0usize, 0usize);

    let trend_len = rules.trend_length.unwrap_or(0);
    let (mut tr_dir, mut tr_len, mut tr_start, mut tr_flag) = (0i8, 0usize, 0usize, 0usize);
    let mut prev_y = f64::NAN;

    // Two-in-three state for the current point (0) and the two before (1, 2):
    // beyond the 2σ line, strictly between 2σ and 3σ, side of the mean.
    let (mut b1, mut b2) = (0i8, 0i8);
    let (mut c1, mut c2) = (0i8, 0i8);
    let (mut r1, mut r2) = (0i8, 0i8);
    let mut t3_open: [Option<usize>; 2] = [None, None];

    for (i, &y) in seg.iter().enumerate() {
        // Comparisons with NaN are false, so a missing point (or NaN limits) gives
        // 0 in every sign below without a test of its own.
        let z = y - f.anchor;

        // Outside the process limits (strictly).
        let out = i8::from(z > f.upl) - i8::from(z < f.lpl);
        if rules.outside_limits && out != 0 {
            let side = side_of(out);
            sink.mark(i, Rule::OutsideLimits, side);
            match out_open {
                Some((k, s)) if s == out && sink.flags[k].last + 1 == offset + i => {
                    sink.extend(k, i);
                }
                _ => out_open = Some((sink.open(Rule::OutsideLimits, side, i, i, 1), out)),
            }
        }

        // Shift: strictly on one side of the mean.
        let rtm = i8::from(z > f.mean) - i8::from(z < f.mean);
        if shift_len > 0 {
            if rtm != 0 && rtm == sh_side {
                sh_len += 1;
            } else {
                sh_side = rtm;
                sh_len = usize::from(rtm != 0);
                sh_start = i;
            }
            if sh_side != 0 && sh_len >= shift_len {
                let side = side_of(sh_side);
                if sh_len == shift_len {
                    for j in sh_start..=i {
                        sink.mark(j, Rule::Shift, side);
                    }
                    sh_flag = sink.open(Rule::Shift, side, sh_start, i, shift_len);
                } else {
                    sink.mark(i, Rule::Shift, side);
                    sink.extend(sh_flag, i);
                }
            }
        }

        // Trend: strict rises or falls of the raw values (compared, not subtracted,
        // so a tie is exactly a tie).
        if trend_len > 0 {
            let d = i8::from(y > prev_y) - i8::from(y < prev_y);
            if d != 0 && d == tr_dir {
                tr_len += 1;
            } else if d != 0 {
                tr_dir = d;
                tr_len = 2;
                tr_start = i - 1;
            } else {
                tr_dir = 0;
                tr_len = 0;
            }
            if tr_dir != 0 && tr_len >= trend_len {
                let side = side_of(tr_dir);
                if tr_len == trend_len {
                    // A point shared by a rise and a fall takes the later run's
                    // direction, as in ptd_special_cause_type and PowerBI's backfill.
                    for j in tr_start..=i {
                        sink.mark(j, Rule::Trend, side);
                    }
                    tr_flag = sink.open(Rule::Trend, side, tr_start, i, trend_len);
                } else {
                    sink.mark(i, Rule::Trend, side);
                    sink.extend(tr_flag, i);
                }
            }
        }
        prev_y = y;

        // Two-in-three.
        let b0 = i8::from(z > f.u2) - i8::from(z < f.l2);
        let c0: i8 = i8::from(out == 0 && b0 != 0);
        let any = if T3 == T3_CLOSE { (c0 | c1 | c2) != 0 } else { (b0 | b1 | b2) != 0 };
        if T3 != T3_OFF && any {
            let window = i.min(2) + 1;
            let hits: Option<(i8, [bool; 3])> = match T3 {
                T3_SAME => {
                    let count = |s: i8| u8::from(b0 == s) + u8::from(b1 == s) + u8::from(b2 == s);
                    let s = if count(1) >= 2 {
                        1
                    } else if count(-1) >= 2 {
                        -1
                    } else {
                        0
                    };
                    (s != 0).then_some((s, [b0 == s, b1 == s, b2 == s]))
                }
                T3_NET => {
                    let sum = b0 + b1 + b2;
                    let s = if sum >= 2 {
                        1
                    } else if sum <= -2 {
                        -1
                    } else {
                        0
                    };
                    (s != 0).then_some((s, [b0 != 0, b1 != 0, b2 != 0]))
                }
                _ => {
                    let sum_r = rtm + r1 + r2;
                    let close = c0 + c1 + c2;
                    (i >= 2 && close >= 2 && sum_r.abs() == 3).then_some((sum_r.signum(), [c0 == 1, c1 == 1, c2 == 1]))
                }
            };
            if let Some((s, caught)) = hits {
                let side = side_of(s);
                let slot = usize::from(s < 0);
                let start = i + 1 - window;
                let mut first = usize::MAX;
                let mut last = 0;
                let mut count = 0;
                for k in (0..window).rev() {
                    if caught[k] || rules.two_in_three_highlight_all {
                        let j = i - k;
                        sink.mark(j, Rule::TwoInThree, side);
                        first = first.min(j);
                        last = j;
                        count += 1;
                    }
                }
                if count > 0 {
                    match t3_open[slot] {
                        Some(k) if offset + start <= sink.flags[k].last => {
                            for kk in (0..window).rev() {
                                let j = i - kk;
                                if (caught[kk] || rules.two_in_three_highlight_all) && offset + j > sink.flags[k].last {
                                    sink.extend(k, j);
                                }
                            }
                        }
                        _ => {
                            t3_open[slot] = Some(sink.open(Rule::TwoInThree, side, first, last, count));
                        }
                    }
                }
            }
        }
        (b2, b1) = (b1, b0);
        (c2, c1) = (c1, c0);
        (r2, r1) = (r1, rtm);
    }
}

#[inline]
fn side_of(s: i8) -> Side {
    if s > 0 { Side::High } else { Side::Low }
}

/// Where labels and flags go, with the bookkeeping that turns local indices into
/// the series' indices.
struct Sink<'a> {
    labels: &'a mut [PointLabel],
    flags: &'a mut Vec<Flag>,
    offset: usize,
    segment: usize,
    imp: Improvement,
}

impl Sink<'_> {
    /// Labels local point `j` unless a higher-priority rule already did.
    #[inline]
    fn mark(&mut self, j: usize, rule: Rule, side: Side) {
        let l = &mut self.labels[j];
        let replace = match l.rule {
            None => true,
            Some(r) => rule.priority() > r.priority() || (r == rule && rule == Rule::Trend),
        };
        if replace {
            *l = PointLabel { rule: Some(rule), side: Some(side), point_type: PointType::judge(side, self.imp) };
        }
    }

    /// Records a new firing over local `first..=last` and returns its index.
    fn open(&mut self, rule: Rule, side: Side, first: usize, last: usize, points: usize) -> usize {
        self.flags.push(Flag {
            rule,
            side,
            point_type: PointType::judge(side, self.imp),
            first: self.offset + first,
            last: self.offset + last,
            points,
            segment: self.segment,
        });
        self.flags.len() - 1
    }

    /// Adds local point `j` to firing `k`.
    #[inline]
    fn extend(&mut self, k: usize, j: usize) {
        let f = &mut self.flags[k];
        f.last = self.offset + j;
        f.points += 1;
    }
}
