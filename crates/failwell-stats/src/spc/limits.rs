//! Centre line and limits of one segment.
//!
//! Arithmetic is done on values relative to an anchor (the first non-missing
//! baseline value), so that adding a constant to a series of integers, or scaling it
//! by a power of two, changes no flag at all: the relative values are then exactly
//! the same (or exactly scaled), and so is every comparison. Reported limits add the
//! anchor back.

use serde::{Deserialize, Serialize};

use super::RuleSet;

/// d2 for moving ranges of two points: σ is estimated as MR̄ / 1.128.
pub const D2: f64 = 1.128;

/// The limits of one segment, in the units of the data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Centre line: mean of the non-missing baseline points.
    pub mean: f64,
    /// Lower process limit.
    pub lpl: f64,
    /// Upper process limit.
    pub upl: f64,
    /// Lower 2σ line (two thirds of the way from the mean to the lower limit).
    pub lower_2s: f64,
    /// Upper 2σ line.
    pub upper_2s: f64,
    /// Mean moving range used for the limits (after any screening).
    pub mr_bar: f64,
    /// σ estimated as MR̄ / 1.128.
    pub sigma: f64,
    /// Non-missing points in the baseline.
    pub baseline_points: usize,
    /// Moving ranges that entered MR̄.
    pub moving_ranges: usize,
    /// Moving ranges dropped by screening.
    pub screened: usize,
}

/// Limits in anchored units, as the rules compare against them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub anchor: f64,
    pub mean: f64,
    pub lpl: f64,
    pub upl: f64,
    pub l2: f64,
    pub u2: f64,
    pub mr_bar: f64,
    pub baseline_points: usize,
    pub moving_ranges: usize,
    pub screened: usize,
}

impl Frame {
    /// Limits from the baseline points (missing ones are NaN). With no moving range
    /// the limits are NaN and no point can be outside them.
    pub fn compute(baseline: &[f64], rules: &RuleSet) -> Frame {
        let anchor = baseline.iter().copied().find(|v| !v.is_nan());
        let Some(anchor) = anchor else {
            return Frame::empty();
        };

        let mut sum = 0.0;
        let mut count = 0usize;
        let mut mr_sum = 0.0;
        let mut mr_count = 0usize;
        let mut prev = f64::NAN;
        for &v in baseline {
            let z = v - anchor;
            if !z.is_nan() {
                sum += z;
                count += 1;
                if !prev.is_nan() {
                    mr_sum += (z - prev).abs();
                    mr_count += 1;
                }
            }
            prev = z;
        }
        let mean = sum / count as f64;
        let mut mr_bar = mr_sum / mr_count as f64;
        let mut moving_ranges = mr_count;
        let mut screened = 0;

        if rules.screen_outliers && mr_bar > 0.0 {
            let cut = rules.screen_multiplier * mr_bar;
            let mut kept_sum = 0.0;
            let mut kept = 0usize;
            let mut prev = f64::NAN;
            for &v in baseline {
                let z = v - anchor;
                if !z.is_nan() && !prev.is_nan() {
                    let mr = (z - prev).abs();
                    if mr < cut {
                        kept_sum += mr;
                        kept += 1;
                    }
                }
                prev = z;
            }
            screened = mr_count - kept;
            moving_ranges = kept;
            mr_bar = kept_sum / kept as f64;
        }

        let half = rules.limit_multiplier * mr_bar;
        let two = (2.0 * (rules.limit_multiplier / 3.0)) * mr_bar;
        Frame {
            anchor,
            mean,
            lpl: mean - half,
            upl: mean + half,
            l2: mean - two,
            u2: mean + two,
            mr_bar,
            baseline_points: count,
            moving_ranges,
            screened,
        }
    }

    fn empty() -> Frame {
        Frame {
            anchor: 0.0,
            mean: f64::NAN,
            lpl: f64::NAN,
            upl: f64::NAN,
            l2: f64::NAN,
            u2: f64::NAN,
            mr_bar: f64::NAN,
            baseline_points: 0,
            moving_ranges: 0,
            screened: 0,
        }
    }

    /// The limits in data units.
    pub fn limits(&self) -> Limits {
        let a = self.anchor;
        Limits {
            mean: a + self.mean,
            lpl: a + self.lpl,
            upl: a + self.upl,
            lower_2s: a + self.l2,
            upper_2s: a + self.u2,
            mr_bar: self.mr_bar,
            sigma: self.mr_bar / D2,
            baseline_points: self.baseline_points,
            moving_ranges: self.moving_ranges,
            screened: self.screened,
        }
    }
}
