//! The engine's contract: reuse, errors, missing values, segment lookup.

use super::*;
use failwell_stats::spc::{AssuranceIcon, PointType, SpcError, VariationIcon};

#[test]
fn one_chart_reused_across_series_gives_fresh_results() {
    let rules = RuleSet::mdc();
    let o = SpcOptions::new(&rules);
    let series: Vec<Vec<f64>> = vec![
        RNORM_123.to_vec(),
        (0..50).map(|i| (i as f64 * 0.7).sin() + if i > 30 { 3.0 } else { 0.0 }).collect(),
        vec![],
        vec![1.0],
        (0..9).map(f64::from).collect(),
    ];
    let mut chart = XmrChart::new();
    for y in &series {
        chart.compute(y, &o).unwrap();
        same(&chart, &xmr(y, &o).unwrap());
        assert_eq!(chart.labels.len(), y.len());
    }
}

#[test]
fn bad_options_are_errors() {
    let rules = RuleSet::mdc();
    let y = [1.0, 2.0, 3.0];
    let mut o = SpcOptions::new(&rules);
    o.rebase_at = &[3];
    assert_eq!(xmr(&y, &o), Err(SpcError::RebaseOutOfRange { index: 3, len: 3 }));
    o.rebase_at = &[2, 1];
    assert_eq!(xmr(&y, &o), Err(SpcError::RebaseNotIncreasing { previous: 2, index: 1 }));
    o.rebase_at = &[];
    o.fix_after = Some(0);
    assert_eq!(xmr(&y, &o), Err(SpcError::EmptyBaseline));
    let bad = RuleSet { trend_length: Some(1), ..RuleSet::mdc() };
    assert!(matches!(xmr(&y, &SpcOptions::new(&bad)), Err(SpcError::InvalidRuleSet(_))));
    let bad = RuleSet { limit_multiplier: -1.0, ..RuleSet::mdc() };
    assert!(xmr(&y, &SpcOptions::new(&bad)).is_err());
}

#[test]
fn empty_and_single_point_series() {
    let rules = RuleSet::mdc();
    let c = run(&[], &rules);
    assert!(c.segments.is_empty() && c.flags.is_empty());
    assert_eq!(c.summary.variation, VariationIcon::CommonCause);
    assert_eq!(c.summary.latest, None);

    let mut o = SpcOptions::new(&rules);
    o.target = Some(1.0);
    let c = xmr(&[5.0], &o).unwrap();
    let l = c.segments[0].limits;
    assert_eq!(l.mean, 5.0);
    assert!(l.upl.is_nan() && l.mr_bar.is_nan(), "no moving range, no limits");
    assert!(c.flags.is_empty());
    assert_eq!(c.summary.assurance, AssuranceIcon::None);
}

/// Missing values (NaN) keep their place, stay out of the mean and the moving
/// ranges (none is formed across a gap, as NHSRplotthedots' `diff` of a vector
/// with NA), and break runs.
#[test]
fn missing_values() {
    let rules = RuleSet::mdc();
    let y = [1.0, 3.0, f64::NAN, 2.0, 6.0];
    let c = run(&y, &rules);
    let l = c.segments[0].limits;
    assert_eq!(l.mean, 3.0);
    assert_eq!(l.baseline_points, 4);
    assert_eq!(l.moving_ranges, 2);
    assert_eq!(l.mr_bar, 3.0);
    assert_eq!(c.labels[2].rule, None);
    assert_eq!(c.labels[2].point_type, PointType::CommonCause);

    // A gap splits what would be a shift of 7.
    let mut y = BASELINE.to_vec();
    y.extend([0.5, 0.5, 0.5, f64::NAN, 0.5, 0.5, 0.5, 0.5]);
    let mut o = SpcOptions::new(&rules);
    o.fix_after = Some(7);
    let c = xmr(&y, &o).unwrap();
    assert!(c.flags.iter().all(|f| f.rule != Rule::Shift));
    y[10] = 0.5;
    assert!(xmr(&y, &o).unwrap().flags.iter().any(|f| f.rule == Rule::Shift));

    // fix_after counts points, missing ones included.
    let y = [f64::NAN, 1.0, 2.0, 10.0, 20.0];
    let mut o = SpcOptions::new(&rules);
    o.fix_after = Some(3);
    let l = xmr(&y, &o).unwrap().segments[0].limits;
    assert_eq!(l.mean, 1.5);
    assert_eq!(l.baseline_points, 2);

    // The icons read the latest non-missing point.
    let mut y = BASELINE.to_vec();
    y.extend([20.0, f64::NAN]);
    let c = run(&y, &rules);
    assert_eq!(c.summary.latest, Some(7));
    assert_eq!(c.summary.variation, VariationIcon::ImprovementHigh);
}

#[test]
fn segment_lookup() {
    let rules = RuleSet::mdc();
    let mut o = SpcOptions::new(&rules);
    o.rebase_at = &[3, 5];
    let y = [1.0, 2.0, 1.5, 9.0, 9.5, 20.0, 21.0, 20.5];
    let c = xmr(&y, &o).unwrap();
    let starts: Vec<_> = (0..8).map(|i| c.segment_of(i).unwrap().start).collect();
    assert_eq!(starts, [0, 0, 0, 3, 3, 5, 5, 5]);
    assert!(c.segment_of(8).is_none());
    assert_eq!(c.limits_at(4).unwrap().mean, 9.25);
}
