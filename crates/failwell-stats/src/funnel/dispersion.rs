//! Over-dispersion: how much more spread the units show than chance alone allows.
//!
//! Spiegelhalter (2005, section 7) estimates a multiplicative factor φ from the mean
//! squared z-score after pulling in the extremes, so that the outliers one is looking
//! for do not inflate the limits that are meant to find them; and an additive
//! between-unit variance τ² by the DerSimonian–Laird moment estimator. NHS Digital's
//! SHMI uses the additive model on the log scale with 10% of z-scores trimmed at each
//! end. Both ways of pulling in the extremes are offered: winsorising (clamp to the
//! 10th/90th percentiles, keeping n) and truncating (drop them, reducing n).

use serde::{Deserialize, Serialize};

/// How the extreme z-scores are pulled in before estimating φ.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "fraction")]
pub enum Trim {
    /// Use every z-score as it is.
    None,
    /// Clamp z-scores below the `fraction` quantile and above the `1 - fraction`
    /// quantile to those quantiles (R's type-7 quantiles, as FunnelPlotR does).
    Winsorise(f64),
    /// Drop the `floor(n * fraction)` smallest and largest z-scores (NHS Digital SHMI).
    Truncate(f64),
}

impl Trim {
    /// Words for explanations, e.g. "10% winsorised".
    pub fn describe(&self) -> String {
        match self {
            Trim::None => "untrimmed".to_string(),
            Trim::Winsorise(f) => format!("{}% winsorised", fmt_percent(*f)),
            Trim::Truncate(f) => format!("{}% trimmed", fmt_percent(*f)),
        }
    }
}

fn fmt_percent(f: f64) -> String {
    let p = f * 100.0;
    if (p - p.round()).abs() < 1e-9 { format!("{}", p.round() as i64) } else { format!("{p:.1}") }
}

/// The estimated over-dispersion of a funnel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Dispersion {
    /// Multiplicative over-dispersion factor φ: mean squared (trimmed) z-score.
    pub phi: f64,
    /// Additive between-unit variance τ² on the z-score scale (DerSimonian–Laird).
    pub tau2: f64,
    /// How many units the estimate rests on after trimming.
    pub units_used: usize,
    /// The trimming applied.
    pub trim: Trim,
}

/// The k-th smallest value (0-based) in expected O(n), reordering `data`.
fn kth_smallest(data: &mut [f64], k: usize) -> f64 {
    let (_, v, _) = data.select_nth_unstable_by(k, f64::total_cmp);
    *v
}

/// R's type-7 quantile; why type 7: FunnelPlotR calls `quantile()` with its default,
/// and matching it keeps our φ equal to theirs. Selection, not sorting, keeps it O(n).
fn quantile_type7(data: &mut [f64], q: f64) -> f64 {
    let n = data.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * q;
    let lo = h.floor() as usize;
    let a = kth_smallest(data, lo);
    if lo + 1 >= n {
        return a;
    }
    let b = data[lo + 1..].iter().copied().fold(f64::INFINITY, f64::min);
    a + (h - lo as f64) * (b - a)
}

/// Estimates φ and τ² from z-scores and their within-unit variances on the same scale.
///
/// `scratch` is reused to avoid allocating per call; it is cleared first. Non-finite
/// z-scores (e.g. from a zero count on the log scale) are skipped.
pub fn estimate(z: &[f64], within_var: &[f64], trim: Trim, scratch: &mut Vec<f64>) -> Dispersion {
    scratch.clear();
    scratch.extend(z.iter().copied().filter(|v| v.is_finite()));
    let n = scratch.len();
    // Winsorising clamps to [lo, hi]; truncating drops values outside [lo, hi].
    let (lo, hi, clamp) = match trim {
        Trim::None => (f64::NEG_INFINITY, f64::INFINITY, true),
        Trim::Winsorise(f) => {
            let lo = quantile_type7(scratch, f);
            let hi = quantile_type7(scratch, 1.0 - f);
            (lo, hi, true)
        }
        Trim::Truncate(f) => {
            let k = ((n as f64) * f).floor() as usize;
            if n == 0 || k == 0 || 2 * k >= n {
                (f64::NEG_INFINITY, f64::INFINITY, true)
            } else {
                let lo = kth_smallest(scratch, k);
                let hi = kth_smallest(scratch, n - 1 - k);
                (lo, hi, false)
            }
        }
    };
    let mut sum_z2 = 0.0;
    let mut used = 0usize;
    let mut sum_w = 0.0;
    let mut sum_w2 = 0.0;
    for (&zi, &vi) in z.iter().zip(within_var) {
        if !zi.is_finite() || vi.is_nan() || vi <= 0.0 {
            continue;
        }
        let zk = if clamp {
            zi.clamp(lo, hi)
        } else if zi < lo || zi > hi {
            continue;
        } else {
            zi
        };
        sum_z2 += zk * zk;
        used += 1;
        let w = 1.0 / vi;
        sum_w += w;
        sum_w2 += w * w;
    }
    let phi = if used > 0 { sum_z2 / used as f64 } else { f64::NAN };
    let nf = used as f64;
    let tau2 = if used < 2 || nf * phi < nf - 1.0 {
        0.0
    } else {
        ((nf * phi - (nf - 1.0)) / (sum_w - sum_w2 / sum_w)).max(0.0)
    };
    Dispersion { phi, tau2, units_used: used, trim }
}
