//! PowerBI-SPC (GitHub AUS-DOH-Safety-and-Quality/PowerBI-SPC), replayed number for
//! number. Its rule tests pass limits as arrays; XmR limits are constant within a
//! segment, so values are mapped onto a baseline's limits (see `after_baseline`):
//! a test value v against limits 0..10 becomes (v − 5)/5 × the baseline's
//! distance to the line under test. Cases with limits varying point by point, or
//! with a value exactly on a line (which the mapping cannot hit exactly), are left
//! out and named below.

use super::*;
use failwell_stats::spc::{AssuranceIcon, TwoInThree, assurance_icon};

/// test/Chart Types/i.test.ts: ratios of numerators/denominators, default
/// settings (moving ranges screened), limits to 4 decimals.
#[test]
fn i_chart_limits() {
    let num = [5, 7, 5, 7, 7, 5, 4, 9, 8, 13, 8, 7, 8, 7, 12, 11, 8];
    let den = [113, 132, 121, 134, 116, 131, 93, 138, 182, 157, 100, 103, 146, 108, 153, 141, 134];
    let y: Vec<f64> = num.iter().zip(den).map(|(&n, d)| f64::from(n) / f64::from(d)).collect();
    let l = run(&y, &RuleSet::powerbi()).segments[0].limits;
    near(l.upl, 0.0957, 5e-5);
    near(l.upper_2s, 0.0836, 5e-5);
    near(l.lower_2s, 0.035, 5e-5);
    near(l.lpl, 0.0229, 5e-5);
    near(l.sigma * 3.0, l.upl - l.mean, 1e-15);
}

/// test/Outlier Flagging/trend.test.ts, every case.
#[test]
fn trend() {
    let t = |val: &[f64], n: usize| {
        let rules = RuleSet { trend_length: Some(n), ..only(Rule::Trend, RuleSet::powerbi()) };
        signs(&run(val, &rules), Rule::Trend)
    };
    assert_eq!(t(&[5., 6., 5., 6., 5., 6., 5.], 5), vec![0; 7]);
    assert_eq!(t(&[1., 2., 3., 4., 5., 6., 5.], 5), vec![1, 1, 1, 1, 1, 1, 0]);
    assert_eq!(t(&[6., 5., 4., 3., 2., 1., 2.], 5), vec![-1, -1, -1, -1, -1, -1, 0]);
    assert_eq!(t(&[1., 2., 3., 4., 2.], 3), vec![1, 1, 1, 1, 0]);
    assert_eq!(t(&[1., 2., 3., 2., 3., 4., 5., 6.], 4), vec![0, 0, 0, 1, 1, 1, 1, 1]);
    assert_eq!(t(&[5.; 5], 3), vec![0; 5]);
    assert_eq!(t(&[], 5), Vec::<i8>::new());
    assert_eq!(t(&[5.], 3), vec![0]);
    assert_eq!(t(&[1., 2., 1., 3., 2.], 2), vec![1, -1, 1, -1, -1]);
    assert_eq!(t(&[1., 2., 3., 4., 5., 6., 7., 6.], 7), vec![1, 1, 1, 1, 1, 1, 1, 0]);
    assert_eq!(t(&[-5., -4., -3., -2., -1.], 4), vec![1; 5]);
    assert_eq!(t(&[-1., -2., -3., -4., -5.], 4), vec![-1; 5]);
    assert_eq!(t(&[1., 3., 2., 4., 3., 5.], 4), vec![0; 6]);
    assert_eq!(t(&[1., 2., 3., 4., 5.], 4), vec![1; 5]);
    assert_eq!(t(&[1.0, 1.1, 1.2, 1.3, 1.4], 4), vec![1; 5]);
}

/// test/Outlier Flagging/shift.test.ts, every case with a constant target (the
/// mean; "should work with varying targets" has none). The baseline's mean is 5.
#[test]
fn shift() {
    let s = |val: &[f64], n: usize| {
        let rules = RuleSet { shift_length: Some(n), ..RuleSet::powerbi() };
        after_baseline(&rules, Rule::Shift, |l| {
            // Target 5 ↦ the baseline mean 0, one unit ↦ one unit.
            assert_eq!(l.mean, 0.0);
            val.iter().map(|v| v - 5.0).collect()
        })
    };
    assert_eq!(s(&[5., 6., 4., 5., 6., 4., 5.], 7), vec![0; 7]);
    assert_eq!(s(&[5., 6., 6., 6., 6., 6., 5.], 5), vec![0, 1, 1, 1, 1, 1, 0]);
    assert_eq!(s(&[5., 4., 4., 4., 4., 4., 5.], 5), vec![0, -1, -1, -1, -1, -1, 0]);
    assert_eq!(s(&[5., 6., 6., 6., 5.], 3), vec![0, 1, 1, 1, 0]);
    assert_eq!(s(&[5., 6., 6., 6., 5.], 4), vec![0; 5]);
    assert_eq!(s(&[6., 6., 6., 5., 6., 6., 6., 6.], 4), vec![0, 0, 0, 0, 1, 1, 1, 1]);
    assert_eq!(s(&[5.; 5], 3), vec![0; 5]);
    assert_eq!(s(&[], 5), Vec::<i8>::new());
    assert_eq!(s(&[5., 6., 5., 4., 5.], 1), vec![0, 1, 0, -1, 0]);
    assert_eq!(s(&[6., 6., 6., 6., 4., 4., 4., 4., 5.], 3), vec![1, 1, 1, 1, -1, -1, -1, -1, 0]);
    assert_eq!(s(&[6., 6., 6., 6., 6., 6., 6., 5.], 7), vec![1, 1, 1, 1, 1, 1, 1, 0]);
    assert_eq!(s(&[6., 4., 6., 4., 6., 4.], 3), vec![0; 6]);
}

/// "should work with negative values" of shift.test.ts: target −3, values −2.
#[test]
fn shift_with_negative_values() {
    let rules = RuleSet { shift_length: Some(3), ..RuleSet::powerbi() };
    let s = after_baseline(&rules, Rule::Shift, |_| vec![-2.0 + 3.0; 4]);
    assert_eq!(s, vec![1, 1, 1, 1]);
}

/// test/Outlier Flagging/twoInThree.test.ts, every case with constant limits
/// (ll95 0, ul95 10), except "should not flag points on the 95% limits".
#[test]
fn two_in_three() {
    let t = |val: &[f64], highlight: bool| {
        let rules = RuleSet { two_in_three_highlight_all: highlight, ..RuleSet::powerbi() };
        after_baseline(&rules, Rule::TwoInThree, |l| val.iter().map(|v| (v - 5.0) / 5.0 * l.upper_2s).collect())
    };
    let f = false;
    assert_eq!(t(&[5., 6., 7., 8., 9.], f), vec![0; 5]);
    assert_eq!(t(&[5., 11., 11., 5., 5., 5.], f), vec![0, 1, 1, 0, 0, 0]);
    assert_eq!(t(&[5., -1., -1., 5., 5., 5.], f), vec![0, -1, -1, 0, 0, 0]);
    assert_eq!(t(&[11., 5., 11., 5., 5.], f), vec![1, 0, 1, 0, 0]);
    assert_eq!(t(&[5., 11., 11., 5., 5.], f), vec![0, 1, 1, 0, 0]);
    assert_eq!(t(&[11., 5., 11., 5., 5.], true), vec![1, 1, 1, 0, 0]);
    assert_eq!(t(&[11., 5., 5., 5., 5.], f), vec![0; 5]);
    assert_eq!(t(&[5., 11., 11., 11., 5., 5.], f), vec![0, 1, 1, 1, 0, 0]);
    assert_eq!(t(&[5., 11., 11., -1., 5., 5.], f), vec![0, 1, 1, 0, 0, 0]);
    assert_eq!(t(&[5., 11., 11., 5., 11., 11., 5.], f), vec![0, 1, 1, 0, 1, 1, 0]);
    assert_eq!(t(&[], f), Vec::<i8>::new());
    assert_eq!(t(&[11.], f), vec![0]);
    assert_eq!(t(&[5., 11., 11., 5.], f), vec![0, 1, 1, 0]);
    assert_eq!(t(&[5., -1., -1., 5., 5.], f), vec![0, -1, -1, 0, 0]);
    assert_eq!(t(&[5., 11., 11., 5., 11., 5., 5.], f), vec![0, 1, 1, 0, 1, 0, 0]);
}

/// The net count is PowerBI's own: a point beyond the opposite line cancels one
/// beyond this line. After the baseline (which ends on the mean), the pattern
/// (below, above, above) gives windows summing to −1, 0 and 1, so PowerBI-SPC
/// flags nothing, while Making Data Count's rule sees two of three above.
#[test]
fn two_in_three_net_count_differs_from_mdc() {
    let p = |l: &Limits| vec![1.2 * l.lower_2s, 1.2 * l.upper_2s, 1.2 * l.upper_2s];
    let pbi = RuleSet::powerbi();
    assert_eq!(pbi.two_in_three, Some(TwoInThree::NetCount));
    assert_eq!(after_baseline(&pbi, Rule::TwoInThree, p), vec![0, 0, 0]);
    assert_eq!(after_baseline(&RuleSet::mdc(), Rule::TwoInThree, p), vec![0, 1, 1]);
}

/// test/Outlier Flagging/astronomical.test.ts, every case with constant limits
/// (ll99 0, ul99 10), except "points exactly on the control limits".
#[test]
fn astronomical() {
    let a = |val: &[f64]| {
        after_baseline(&RuleSet::powerbi(), Rule::OutsideLimits, |l| {
            val.iter().map(|v| (v - 5.0) / 5.0 * l.upl).collect()
        })
    };
    assert_eq!(a(&[5., 6., 7., 8., 9.]), vec![0; 5]);
    assert_eq!(a(&[5., 11., 7., 12., 9.]), vec![0, 1, 0, 1, 0]);
    assert_eq!(a(&[5., -1., 7., -2., 9.]), vec![0, -1, 0, -1, 0]);
    assert_eq!(a(&[5., 11., -1., 8., 12.]), vec![0, 1, -1, 0, 1]);
    assert_eq!(a(&[]), Vec::<i8>::new());
    assert_eq!(a(&[5.]), vec![0]);
    assert_eq!(a(&[15.]), vec![1]);
}

/// test/Outlier Flagging/assuranceIconToDraw.test.ts, every case of the icon rule.
#[test]
fn assurance_icon_to_draw() {
    use AssuranceIcon::*;
    use Improvement::*;
    let icon = |ul: f64, ll: f64, target: f64, imp| assurance_icon(target, &limits(ll, (ll + ul) / 2.0, ul), imp);
    assert_eq!(icon(10., 0., 5., Neutral), None);
    assert_eq!(icon(10., 0., 15., Increase), Fail);
    assert_eq!(icon(10., 0., -5., Increase), Pass);
    assert_eq!(icon(10., 0., 5., Increase), HitAndMiss);
    assert_eq!(icon(10., 0., 15., Decrease), Pass);
    assert_eq!(icon(10., 0., -5., Decrease), Fail);
    assert_eq!(icon(10., 0., 5., Decrease), HitAndMiss);
    assert_eq!(icon(10., 0., 10., Increase), HitAndMiss);
    assert_eq!(icon(10., 0., 0., Increase), HitAndMiss);
    assert_eq!(icon(0., -10., -15., Increase), Pass);
    assert_eq!(icon(0., -10., -5., Decrease), HitAndMiss);
}

/// The "multiple data points (uses last value)" cases of the same file, through
/// the engine: the icon reads the latest segment's limits.
#[test]
fn assurance_reads_the_latest_limits() {
    let rules = RuleSet::powerbi();
    let y = [0.0, 1.0, 0.0, 1.0, 100.0, 101.0, 100.0, 101.0];
    let mut o = SpcOptions::new(&rules);
    o.rebase_at = &[4];
    o.target = Some(50.0);
    let c = xmr(&y, &o).unwrap();
    assert_eq!(c.summary.assurance, AssuranceIcon::Pass);
    o.rebase_at = &[];
    assert_eq!(xmr(&y, &o).unwrap().summary.assurance, AssuranceIcon::HitAndMiss);
}
