//! NHS England's Making Data Count rules (rule set `mdc`, the default).
//!
//! The 2023 revision counts points beyond 3σ towards two-in-three and does not
//! screen moving ranges. Where a published number exists for the same arithmetic
//! (NHSRplotthedots with `screen_outliers = FALSE`), it is used.

use super::*;
use failwell_stats::spc::{PointType, TwoInThree, VariationIcon};

#[test]
fn defaults() {
    let r = RuleSet::mdc();
    assert_eq!(r.limit_multiplier, 2.66);
    assert!(!r.screen_outliers);
    assert_eq!((r.shift_length, r.trend_length), (Some(7), Some(7)));
    assert_eq!(r.two_in_three, Some(TwoInThree::SameSide));
    assert_eq!(RuleSet::default(), r);
    assert_eq!("MDC".parse::<RuleSet>().unwrap(), r);
    assert_eq!("powerbi".parse::<RuleSet>().unwrap(), RuleSet::powerbi());
    assert_eq!("ptd".parse::<RuleSet>().unwrap(), RuleSet::ptd());
    assert!("spc".parse::<RuleSet>().is_err());
}

/// No screening: the unscreened limits of tests/testthat/_snaps/ptd_spc_standard.md
/// (r3: -4.596625, 5.935457) are the mdc limits.
#[test]
fn no_moving_range_screening() {
    let mut y = RNORM_123;
    y[14] = 10.0;
    let l = run(&y, &RuleSet::mdc()).segments[0].limits;
    near(l.lpl, -4.596625, 1e-6);
    near(l.upl, 5.935457, 1e-6);
    assert_eq!((l.moving_ranges, l.screened), (19, 0));
}

/// Limits are mean ± 2.66 MR̄; the 2σ lines two thirds of the way.
#[test]
fn limits_by_hand() {
    let y = [10.0, 12.0, 11.0, 14.0, 9.0];
    let l = run(&y, &RuleSet::mdc()).segments[0].limits;
    near(l.mean, 11.2, 1e-12);
    near(l.mr_bar, 2.75, 1e-12);
    near(l.upl, 11.2 + 2.66 * 2.75, 1e-12);
    near(l.lpl, 11.2 - 2.66 * 2.75, 1e-12);
    near(l.upper_2s, 11.2 + 2.0 / 3.0 * 2.66 * 2.75, 1e-12);
    near(l.lower_2s, 11.2 - 2.0 / 3.0 * 2.66 * 2.75, 1e-12);
    near(l.sigma, 2.75 / 1.128, 1e-12);
}

/// Since 2023 a point beyond 3σ counts towards two-in-three; NHSRplotthedots 0.2.2
/// does not count it.
#[test]
fn beyond_three_sigma_counts_towards_two_in_three() {
    let p = |l: &Limits| vec![l.upl + 1.0, 0.5, (l.upper_2s + l.upl) / 2.0];
    assert_eq!(after_baseline(&RuleSet::mdc(), Rule::TwoInThree, p), vec![1, 0, 1]);
    assert_eq!(after_baseline(&RuleSet::ptd(), Rule::TwoInThree, p), vec![0, 0, 0]);
    // With every rule on, the point beyond 3σ keeps the higher-priority label.
    let mut y = BASELINE.to_vec();
    let l = run(&BASELINE, &RuleSet::mdc()).segments[0].limits;
    y.extend(p(&l));
    let rules = RuleSet::mdc();
    let mut o = SpcOptions::new(&rules);
    o.fix_after = Some(BASELINE.len());
    let c = xmr(&y, &o).unwrap();
    assert_eq!(c.labels[7].rule, Some(Rule::OutsideLimits));
    assert_eq!(c.labels[8].rule, None);
    assert_eq!(c.labels[9].rule, Some(Rule::TwoInThree));
}

/// The third point of the three may lie on the other side of the mean.
#[test]
fn third_point_may_be_anywhere() {
    let p = |l: &Limits| {
        let c = (l.upper_2s + l.upl) / 2.0;
        vec![c, -1.0, c]
    };
    assert_eq!(after_baseline(&RuleSet::mdc(), Rule::TwoInThree, p), vec![1, 0, 1]);
    assert_eq!(after_baseline(&RuleSet::ptd(), Rule::TwoInThree, p), vec![0, 0, 0]);
}

#[test]
fn shift_and_trend_need_seven_points() {
    let shift = |n: usize| {
        after_baseline(&RuleSet::mdc(), Rule::Shift, |_| {
            let mut v = vec![0.5; n];
            v.push(-0.5);
            v
        })
    };
    assert_eq!(shift(6), vec![0; 7]);
    assert_eq!(shift(7), vec![1, 1, 1, 1, 1, 1, 1, 0]);
    let trend = |n: usize| {
        let y: Vec<f64> = (0..n).map(|i| -(i as f64) * 0.1).collect();
        signs(&run(&y, &only(Rule::Trend, RuleSet::mdc())), Rule::Trend)
    };
    assert_eq!(trend(6), vec![0; 6]);
    assert_eq!(trend(7), vec![-1; 7]);
    // A point on the mean breaks a shift; a tie breaks a trend.
    assert_eq!(
        after_baseline(&RuleSet::mdc(), Rule::Shift, |_| vec![0.5, 0.5, 0.5, 0.0, 0.5, 0.5, 0.5, 0.5]),
        vec![0; 8]
    );
    let tie = [1.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0, 7.0];
    assert_eq!(signs(&run(&tie, &only(Rule::Trend, RuleSet::mdc())), Rule::Trend), vec![0; 8]);
}

/// The variation icon reads the latest point: concern or improvement, high or
/// low, or neither for a neutral indicator.
#[test]
fn variation_icons() {
    let mut y = BASELINE.to_vec();
    y.push(20.0);
    let icon = |imp| run_dir(&y, &RuleSet::mdc(), imp).summary.variation;
    assert_eq!(icon(Improvement::Increase), VariationIcon::ImprovementHigh);
    assert_eq!(icon(Improvement::Decrease), VariationIcon::ConcernHigh);
    assert_eq!(icon(Improvement::Neutral), VariationIcon::NeitherHigh);
    y[7] = -20.0;
    let icon = |imp| run_dir(&y, &RuleSet::mdc(), imp).summary.variation;
    assert_eq!(icon(Improvement::Increase), VariationIcon::ConcernLow);
    assert_eq!(icon(Improvement::Decrease), VariationIcon::ImprovementLow);
    assert_eq!(icon(Improvement::Neutral), VariationIcon::NeitherLow);
    let c = run_dir(&BASELINE, &RuleSet::mdc(), Improvement::Increase);
    assert_eq!(c.summary.variation, VariationIcon::CommonCause);
    assert_eq!(c.labels[6].point_type, PointType::CommonCause);
}
