//! Significance tests for a single ratio or proportion, as public-health analysts use them.
//!
//! These are the interval methods of the Fingertips technical guidance, as implemented in
//! PHEindicatormethods (`R/utils.R`: `byars_lower`, `byars_upper`, `wilson_lower`,
//! `wilson_upper`, `funnel_ratio_significance`, `poisson_funnel`; `R/Funnels.R`:
//! `sigma_adjustment`). They are reimplemented here from the formulas, not translated.
//!
//! Note the conceptual difference from Spiegelhalter's funnel limits: these are
//! *confidence intervals around the observed value*, and a unit is "significant" when
//! the interval excludes the benchmark. Spiegelhalter's limits are *prediction limits
//! around the target*. For large counts the two agree closely; for small counts they do not.

use serde::{Deserialize, Serialize};

use crate::dist::{chi_squared_quantile, normal_quantile};

use super::Limits;

/// Turns a confidence level given as 0.95 or 95 into a fraction; why: the PHE functions
/// accept both spellings and analysts copy either.
pub fn confidence_fraction(confidence: f64) -> f64 {
    if confidence > 1.0 { confidence / 100.0 } else { confidence }
}

fn two_sided_z(confidence: f64) -> f64 {
    let c = confidence_fraction(confidence);
    normal_quantile(c + (1.0 - c) / 2.0)
}

/// Byar's approximation to the lower confidence limit of a Poisson count (Breslow & Day
/// 1987). `None` where the approximation goes negative (very small counts), matching
/// PHEindicatormethods, which returns NA there.
pub fn byars_lower(observed: f64, confidence: f64) -> Option<f64> {
    if observed == 0.0 {
        return Some(0.0);
    }
    if observed < 0.0 {
        return None;
    }
    let z = two_sided_z(confidence);
    let base = 1.0 - 1.0 / (9.0 * observed) - z / (3.0 * observed.sqrt());
    let value = observed * base.powi(3);
    (value >= 0.0).then_some(value)
}

/// Byar's approximation to the upper confidence limit of a Poisson count.
pub fn byars_upper(observed: f64, confidence: f64) -> f64 {
    let z = two_sided_z(confidence);
    let o1 = observed + 1.0;
    o1 * (1.0 - 1.0 / (9.0 * o1) + z / (3.0 * o1.sqrt())).powi(3)
}

/// Exact (Garwood, chi-squared) lower confidence limit of a Poisson count.
pub fn exact_poisson_lower(observed: f64, confidence: f64) -> f64 {
    let c = confidence_fraction(confidence);
    chi_squared_quantile((1.0 - c) / 2.0, 2.0 * observed) / 2.0
}

/// Exact (Garwood, chi-squared) upper confidence limit of a Poisson count.
pub fn exact_poisson_upper(observed: f64, confidence: f64) -> f64 {
    let c = confidence_fraction(confidence);
    chi_squared_quantile(1.0 - (1.0 - c) / 2.0, 2.0 * observed + 2.0) / 2.0
}

/// How a confidence interval for a count is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountInterval {
    /// Byar's approximation throughout.
    Byars,
    /// Exact chi-squared limits throughout.
    Exact,
    /// Exact below 10 events and Byar's from 10 up: the Fingertips rule.
    Fingertips,
}

/// Confidence interval of a count, using `method`.
pub fn count_interval(observed: f64, confidence: f64, method: CountInterval) -> Limits {
    let exact = match method {
        CountInterval::Exact => true,
        CountInterval::Byars => false,
        CountInterval::Fingertips => observed < 10.0,
    };
    if exact {
        Limits { lower: exact_poisson_lower(observed, confidence), upper: exact_poisson_upper(observed, confidence) }
    } else {
        Limits { lower: byars_lower(observed, confidence).unwrap_or(0.0), upper: byars_upper(observed, confidence) }
    }
}

/// Confidence interval of an indirectly standardised ratio observed/expected.
pub fn ratio_interval(observed: f64, expected: f64, confidence: f64, method: CountInterval) -> Limits {
    let counts = count_interval(observed, confidence, method);
    Limits { lower: counts.lower / expected, upper: counts.upper / expected }
}

/// Wilson score lower limit for `x` successes out of `n`.
pub fn wilson_lower(x: f64, n: f64, confidence: f64) -> f64 {
    if confidence_fraction(confidence) >= 1.0 {
        return 0.0;
    }
    let z = two_sided_z(confidence);
    (2.0 * x + z * z - z * (z * z + 4.0 * x * (1.0 - x / n)).sqrt()) / 2.0 / (n + z * z)
}

/// Wilson score upper limit for `x` successes out of `n`.
pub fn wilson_upper(x: f64, n: f64, confidence: f64) -> f64 {
    if confidence_fraction(confidence) >= 1.0 {
        return 1.0;
    }
    let z = two_sided_z(confidence);
    (2.0 * x + z * z + z * (z * z + 4.0 * x * (1.0 - x / n)).sqrt()) / 2.0 / (n + z * z)
}

/// Funnel limits for a proportion that PHE Fingertips draws: the observed proportions at
/// denominator `n` whose Wilson interval just touches `baseline`.
///
/// Derived by setting the Wilson bound equal to the baseline and solving the quadratic
/// `(1+c)p² − (2A+c)p + (A² − c²/4) = 0` with `c = z²/n`, `A = baseline(1+c) − c/2`;
/// the smaller root is the lower limit. Checked against
/// PHEindicatormethods `tests/testthat/testdata_funnel_prop_outputs.csv`.
pub fn wilson_inverted_limits(baseline: f64, n: f64, z: f64) -> Limits {
    let c = z * z / n;
    let a = baseline * (1.0 + c) - c / 2.0;
    let b = 2.0 * a + c;
    let disc = (b * b - 4.0 * (1.0 + c) * (a * a - c * c / 4.0)).max(0.0);
    let root = disc.sqrt();
    Limits {
        lower: ((b - root) / (2.0 * (1.0 + c))).clamp(0.0, 1.0),
        upper: ((b + root) / (2.0 * (1.0 + c))).clamp(0.0, 1.0),
    }
}

/// Fingertips' four-way significance of a value against a benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Significance {
    /// Above the benchmark at the 99.8% level.
    High001,
    /// Above the benchmark at the 95% level only.
    High025,
    /// Not different from the benchmark at 95%.
    NotSignificant,
    /// Below the benchmark at the 95% level only.
    Low025,
    /// Below the benchmark at the 99.8% level.
    Low001,
}

impl std::fmt::Display for Significance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Significance::High001 => "High (0.001)",
            Significance::High025 => "High (0.025)",
            Significance::NotSignificant => "Not significant",
            Significance::Low025 => "Low (0.025)",
            Significance::Low001 => "Low (0.001)",
        })
    }
}

/// Significance of a ratio observed/expected against 1, the Fingertips way: exact
/// intervals below 10 events, Byar's from 10 up; 99.8% tested before 95%.
pub fn ratio_significance(observed: f64, expected: f64) -> Significance {
    let ci998 = ratio_interval(observed, expected, 0.998, CountInterval::Fingertips);
    let ci95 = ratio_interval(observed, expected, 0.95, CountInterval::Fingertips);
    if ci998.lower > 1.0 {
        Significance::High001
    } else if ci95.lower > 1.0 {
        Significance::High025
    } else if ci998.upper < 1.0 {
        Significance::Low001
    } else if ci95.upper < 1.0 {
        Significance::Low025
    } else {
        Significance::NotSignificant
    }
}

/// Significance of a proportion `x/n` against the funnel around `baseline`
/// (Wilson-inverted limits).
pub fn proportion_significance(x: f64, n: f64, baseline: f64) -> Significance {
    let value = x / n;
    let l998 = wilson_inverted_limits(baseline, n, normal_quantile(0.999));
    let l95 = wilson_inverted_limits(baseline, n, normal_quantile(0.975));
    if value < l998.lower {
        Significance::Low001
    } else if value < l95.lower {
        Significance::Low025
    } else if value > l998.upper {
        Significance::High001
    } else if value > l95.upper {
        Significance::High025
    } else {
        Significance::NotSignificant
    }
}

/// The expected counts at which `observed` events sit exactly on the Fingertips ratio
/// funnel, as PHEindicatormethods' `poisson_funnel` tabulates them (found there by
/// bisection; here in closed form from the chi-squared quantiles).
///
/// Returns `(expected at the lower limit, expected at the upper limit)`: the lower
/// limit is reached when the expected count equals the exact upper confidence limit.
pub fn ratio_funnel_expected(observed: f64, confidence: f64) -> (f64, f64) {
    (exact_poisson_upper(observed, confidence), exact_poisson_lower(observed, confidence))
}

/// FunnelPlotR's unadjusted ratio limits at an expected count: exact Poisson
/// confidence limits *around the expected count*, divided by it
/// (FunnelPlotR `R/calculate_limits.R`, checked against
/// `tests/testthat/test-poisson_limits.R`). Offered beside Spiegelhalter's prediction
/// limits because published FunnelPlotR charts use it.
pub fn expected_count_interval(expected: f64, tail: f64) -> Limits {
    Limits {
        lower: chi_squared_quantile(tail, 2.0 * expected) / (2.0 * expected),
        upper: chi_squared_quantile(1.0 - tail, 2.0 * expected + 2.0) / (2.0 * expected),
    }
}
