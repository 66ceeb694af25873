//! Tests of `failwell_stats::spc`: the references' own expectations (ptd, powerbi),
//! Making Data Count's rules (mdc), properties, the engine's contract, explanations.

mod engine;
mod explain;
mod mdc;
mod powerbi;
mod props;
mod ptd;

use failwell_stats::spc::{Improvement, Limits, Rule, RuleSet, Side, SpcOptions, XmrChart, xmr};

/// `base` with every rule but `rule` switched off, so labels show that rule alone.
pub fn only(rule: Rule, base: RuleSet) -> RuleSet {
    RuleSet {
        name: format!("{}-{}", base.name, rule.as_str()),
        outside_limits: rule == Rule::OutsideLimits,
        shift_length: if rule == Rule::Shift { base.shift_length } else { None },
        trend_length: if rule == Rule::Trend { base.trend_length } else { None },
        two_in_three: if rule == Rule::TwoInThree { base.two_in_three } else { None },
        ..base
    }
}

/// Per point: +1 (high), -1 (low) or 0 for points labelled `rule`.
pub fn signs(chart: &XmrChart, rule: Rule) -> Vec<i8> {
    chart
        .labels
        .iter()
        .map(|l| match (l.rule, l.side) {
            (Some(r), Some(Side::High)) if r == rule => 1,
            (Some(r), Some(Side::Low)) if r == rule => -1,
            _ => 0,
        })
        .collect()
}

/// Runs `rules` over `values` with default options.
pub fn run(values: &[f64], rules: &RuleSet) -> XmrChart {
    xmr(values, &SpcOptions::new(rules)).expect("chart")
}

/// Runs with an improvement direction.
pub fn run_dir(values: &[f64], rules: &RuleSet, improvement: Improvement) -> XmrChart {
    let mut o = SpcOptions::new(rules);
    o.improvement = improvement;
    xmr(values, &o).expect("chart")
}

/// Asserts `a` is within `tol` of `b`.
#[track_caller]
pub fn near(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} is not within {tol} of {b}");
}

/// Limits with only the fields the icon rules read.
pub fn limits(lpl: f64, mean: f64, upl: f64) -> Limits {
    Limits {
        mean,
        lpl,
        upl,
        lower_2s: mean - (mean - lpl) * 2.0 / 3.0,
        upper_2s: mean + (upl - mean) * 2.0 / 3.0,
        mr_bar: (upl - mean) / 2.66,
        sigma: (upl - mean) / 3.0,
        baseline_points: 0,
        moving_ranges: 0,
        screened: 0,
    }
}

/// rnorm(20) after set.seed(123) in R, the data of NHSRplotthedots' tests
/// (tests/testthat/test-ptd_spc_standard.R, test-ptd_spc.R).
pub const RNORM_123: [f64; 20] = [
    -0.56047565,
    -0.23017749,
    1.55870831,
    0.07050839,
    0.12928774,
    1.71506499,
    0.46091621,
    -1.26506123,
    -0.68685285,
    -0.44566197,
    1.22408180,
    0.35981383,
    0.40077145,
    0.11068272,
    -0.55584113,
    1.78691314,
    0.49785048,
    -1.96661716,
    0.70135590,
    -0.47279141,
];

/// A baseline with mean exactly 0 whose last point sits on the mean, so no run
/// carries over from it into a test pattern placed after it.
pub const BASELINE: [f64; 7] = [-1.0, 1.0, -1.0, 1.0, -1.0, 1.0, 0.0];

/// Builds a pattern from the baseline's limits, appends it to [`BASELINE`], fixes
/// the limits on the baseline, and returns the signs of `rule` over the pattern.
///
/// This is how the references' unit tests, which take the sides and limit
/// crossings as given, are replayed through the whole engine.
pub fn after_baseline(rules: &RuleSet, rule: Rule, make: impl Fn(&Limits) -> Vec<f64>) -> Vec<i8> {
    let base = run(&BASELINE, rules);
    let pattern = make(&base.segments[0].limits);
    let mut values = BASELINE.to_vec();
    values.extend(&pattern);
    let rules = only(rule, rules.clone());
    let mut o = SpcOptions::new(&rules);
    o.fix_after = Some(BASELINE.len());
    let chart = xmr(&values, &o).expect("chart");
    assert_eq!(chart.segments[0].limits, base.segments[0].limits);
    signs(&chart, rule)[BASELINE.len()..].to_vec()
}

/// Equality that treats NaN limits (a segment with no moving range) as equal.
#[track_caller]
pub fn same<T: std::fmt::Debug>(a: &T, b: &T) {
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}
