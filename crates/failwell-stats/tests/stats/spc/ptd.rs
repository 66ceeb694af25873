//! NHSRplotthedots 0.2.2 (GitHub nhs-r-community/NHSRplotthedots), replayed number
//! for number. Each test names the file whose expectation it reproduces.

use super::*;
use failwell_stats::spc::{AssuranceIcon, PointType, assurance_icon};

/// tests/testthat/_snaps/ptd_spc_standard.md (r1) and _snaps/ptd_spc.md (summary):
/// mean 0.1416238, lpl -3.01138, upl 3.294627, 20 common-cause points.
#[test]
fn seed_123_limits_and_no_special_cause() {
    let c = run(&RNORM_123, &RuleSet::ptd());
    let l = c.segments[0].limits;
    near(l.mean, 0.1416238, 1e-7);
    near(l.lpl, -3.01138, 1e-5);
    near(l.upl, 3.294627, 1e-6);
    assert_eq!(c.labels.len(), RNORM_123.len(), "a label per point");
    assert!(c.labels.iter().all(|p| p.point_type == PointType::CommonCause));
    assert!(c.flags.is_empty());
}

/// tests/testthat/test-ptd_spc_standard.R "it returns expected values" with
/// `data$y[15] <- 10`: screened (r2) and unscreened (r3) limits from the snapshot.
#[test]
fn screening_outliers_changes_limits_as_published() {
    let mut y = RNORM_123;
    y[14] = 10.0;
    let r2 = run(&y, &RuleSet::ptd()).segments[0].limits;
    near(r2.mean, 0.6694159, 1e-7);
    near(r2.lpl, -2.383666, 1e-6);
    near(r2.upl, 3.722497, 1e-6);
    assert_eq!(r2.screened, 2, "both moving ranges around the 10 are dropped");

    let unscreened = RuleSet { screen_outliers: false, ..RuleSet::ptd() };
    let r3 = run(&y, &unscreened).segments[0].limits;
    near(r3.lpl, -4.596625, 1e-6);
    near(r3.upl, 5.935457, 1e-6);
    assert!(r3.upl - r3.lpl > r2.upl - r2.lpl);
    let r1 = run(&RNORM_123, &RuleSet::ptd()).segments[0].limits;
    assert!(r1.lpl != r2.lpl && r1.lpl != r3.lpl && r1.upl != r2.upl);
}

/// tests/testthat/_snaps/ptd_spc.md, summary with `facet_field = "facet"`
/// (10 + 10 points): 0.0746 / -2.60 / 2.75 and 0.209 / -3.28 / 3.70. The same
/// numbers must come out of a rebase after point 10 (test-ptd_spc_standard.R
/// "it sets the rebase_group field" rebases at row 11).
#[test]
fn facets_and_rebase_give_the_published_segment_limits() {
    let rules = RuleSet::ptd();
    let a = run(&RNORM_123[..10], &rules).segments[0].limits;
    let b = run(&RNORM_123[10..], &rules).segments[0].limits;
    near(a.mean, 0.0746, 5e-5);
    near(a.lpl, -2.60, 5e-3);
    near(a.upl, 2.75, 5e-3);
    near(b.mean, 0.209, 5e-4);
    near(b.lpl, -3.28, 5e-3);
    near(b.upl, 3.70, 5e-3);

    let mut o = SpcOptions::new(&rules);
    o.rebase_at = &[10];
    let c = xmr(&RNORM_123, &o).unwrap();
    assert_eq!(c.segments.len(), 2);
    assert_eq!((c.segments[1].start, c.segments[1].end), (10, 20));
    assert_eq!(c.segments[0].limits, a);
    assert_eq!(c.segments[1].limits, b);
}

/// tests/testthat/_snaps/ptd_spc.md: a rebase date before the first point
/// changes nothing (same 0.142 / -3.01 / 3.29).
#[test]
fn rebase_at_the_start_changes_nothing() {
    let rules = RuleSet::ptd();
    let mut o = SpcOptions::new(&rules);
    o.rebase_at = &[0];
    let c = xmr(&RNORM_123, &o).unwrap();
    assert_eq!(c, run(&RNORM_123, &rules));
}

/// tests/testthat/test-ptd_spc_standard.R "setting fix_after_n_points changes
/// the calculations": fixing after 12 points moves both limits; and they are
/// exactly the limits of the first 12 points.
#[test]
fn fix_after_n_points() {
    let rules = RuleSet::ptd();
    let s0 = run(&RNORM_123, &rules).segments[0].limits;
    let mut o = SpcOptions::new(&rules);
    o.fix_after = Some(12);
    let s1 = xmr(&RNORM_123, &o).unwrap();
    let l = s1.segments[0].limits;
    assert!(l.lpl != s0.lpl && l.upl != s0.upl);
    assert_eq!(l, run(&RNORM_123[..12], &rules).segments[0].limits);
    assert_eq!(l.baseline_points, 12);
}

/// tests/testthat/test-ptd_spc_standard.R "it only reports special cause for 2 of
/// 3 points close to limits when they are on the same side of the mean".
#[test]
fn two_close_points_on_opposite_sides_are_common_cause() {
    let mut y: Vec<f64> = (0..16).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
    y[14] = 5.5;
    y[15] = -5.5;
    let c = run(&y, &RuleSet::ptd());
    assert_eq!(c.labels[14].point_type, PointType::CommonCause);
    assert_eq!(c.labels[15].point_type, PointType::CommonCause);
    // Both really are between 2σ and 3σ, so the rule was tested, not bypassed.
    let l = c.segments[0].limits;
    assert!(5.5 > l.upper_2s && 5.5 < l.upl && -5.5 < l.lower_2s && -5.5 > l.lpl);
}

/// Sides as in tests/testthat/test-ptd_calculate_point_type.R
/// ("ptd_seven_point_one_side_mean works as expected"), composed with
/// ptd_part_of_seven_trend: every point of a run of 7+ is flagged.
#[test]
fn seven_points_one_side_of_the_mean() {
    let shift =
        |sides: &[i8]| after_baseline(&RuleSet::ptd(), Rule::Shift, |_| sides.iter().map(|&s| f64::from(s)).collect());
    assert_eq!(shift(&[1; 6]), vec![0; 6]);
    assert_eq!(shift(&[1, 1, 1, 1, 1, 1, -1]), vec![0; 7]);
    assert_eq!(shift(&[1, 1, 1, 1, 1, 1, 1, 1, -1]), vec![1, 1, 1, 1, 1, 1, 1, 1, 0]);
    assert_eq!(shift(&[-1, -1, -1, -1, -1, -1, -1, -1, 1]), vec![-1, -1, -1, -1, -1, -1, -1, -1, 0]);
    assert_eq!(shift(&[-1, 1, 1, 1, 1, 1, 1, 1, 1, -1]), vec![0, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
}

/// tests/testthat/test-ptd_calculate_point_type.R ("ptd_seven_point_trend works as
/// expected"), composed with ptd_part_of_seven_trend (all 7 points flagged).
#[test]
fn seven_point_trend() {
    let trend = |y: &[f64]| signs(&run(y, &only(Rule::Trend, RuleSet::ptd())), Rule::Trend);
    let r = |a: i32, b: i32| (a..=b).map(f64::from).collect::<Vec<_>>();
    assert_eq!(trend(&r(1, 6)), vec![0; 6]);
    let tie = [1.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0];
    assert_eq!(trend(&tie), vec![0; 7]);
    assert_eq!(trend(&r(1, 7)), vec![1; 7]);
    let mut d = vec![2.0];
    d.extend(r(1, 7));
    d.push(3.0);
    assert_eq!(trend(&d), vec![0, 1, 1, 1, 1, 1, 1, 1, 0]);
    let mut e = r(1, 7);
    e.reverse();
    assert_eq!(trend(&e), vec![-1; 7]);
    let mut f = vec![2.0];
    f.extend(e);
    f.push(3.0);
    assert_eq!(trend(&f), vec![0, -1, -1, -1, -1, -1, -1, -1, 0]);
}

/// A point shared by a rise and a fall takes the later run's direction
/// (R/ptd_calculate_point_type.R, "if a point is part of a trend either side, use
/// right side"; NEWS.md 0.2.2, issue #167).
#[test]
fn peak_shared_by_two_trends_takes_the_later_direction() {
    let y: Vec<f64> = (1..=7).chain((1..=6).rev()).map(f64::from).collect();
    let s = signs(&run(&y, &only(Rule::Trend, RuleSet::ptd())), Rule::Trend);
    assert_eq!(s, vec![1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1]);
}

/// tests/testthat/test-ptd_calculate_point_type.R, "ptd_part_of_two_in_three works
/// as expected" and the opposite-sides cases of "ptd_two_in_three": `close` marks
/// points between 2σ and 3σ, `rtm` the side of the mean.
#[test]
fn two_in_three_close_to_the_limits() {
    let t = |close: &[i8], rtm: &[i8]| {
        after_baseline(&RuleSet::ptd(), Rule::TwoInThree, |l| {
            let near_limit = (l.upper_2s + l.upl) / 2.0;
            close.iter().zip(rtm).map(|(&c, &r)| f64::from(r) * if c == 1 { near_limit } else { 1.0 }).collect()
        })
        .iter()
        .map(|s| s.abs())
        .collect::<Vec<i8>>()
    };
    assert_eq!(t(&[1, 0, 1], &[1, 1, 1]), vec![1, 0, 1]);
    assert_eq!(t(&[0, 1, 1], &[1, 1, 1]), vec![0, 1, 1]);
    assert_eq!(t(&[1, 1, 0], &[1, 1, 1]), vec![1, 1, 0]);
    assert_eq!(t(&[0, 0, 1, 0, 1, 0, 0], &[1; 7]), vec![0, 0, 1, 0, 1, 0, 0]);
    assert_eq!(t(&[0, 0, 1, 1, 0, 0, 0], &[1; 7]), vec![0, 0, 1, 1, 0, 0, 0]);
    assert_eq!(t(&[1, 0, 0, 1], &[1; 4]), vec![0, 0, 0, 0]);
    assert_eq!(t(&[1, 0, 0, 1, 1], &[1; 5]), vec![0, 0, 0, 1, 1]);
    // Opposite sides of the mean never make two-in-three (issue #143).
    assert_eq!(t(&[1, 0, 1], &[1, -1, 1]), vec![0; 3]);
    assert_eq!(t(&[0, 1, 1], &[1, -1, 1]), vec![0; 3]);
    assert_eq!(t(&[1, 1, 0], &[1, -1, 1]), vec![0; 3]);
    assert_eq!(t(&[0, 0, 1, 0, 1, 0, 0], &[1, -1, 1, -1, 1, -1, 1]), vec![0; 7]);
    assert_eq!(t(&[0, 0, 1, 1, 0, 0, 0], &[-1, 1, -1, 1, -1, 1, -1]), vec![0; 7]);
}

/// R/ptd_ptd_spc_standard.R: `close_to_limits` excludes points outside the
/// limits, so two points beyond 3σ are two outside points, not two-in-three.
#[test]
fn points_beyond_three_sigma_do_not_count_towards_two_in_three() {
    let s = after_baseline(&RuleSet::ptd(), Rule::TwoInThree, |l| vec![l.upl + 1.0, 1.0, (l.upper_2s + l.upl) / 2.0]);
    assert_eq!(s, vec![0, 0, 0]);
}

/// The priority of R/ptd_calculate_point_type.R (`ptd_special_cause_type`):
/// outside beats trend beats two-in-three beats shift, and the point type follows
/// the rule's direction.
#[test]
fn one_label_per_point_by_priority() {
    // Seven rising points all above the mean (trend and shift), the last beyond
    // the upper limit, after a long flat baseline.
    let mut y = vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0];
    y.extend([2.0, 2.1, 2.2, 2.3, 2.4, 2.5, 9.0]);
    let rules = RuleSet::ptd();
    let mut o = SpcOptions::new(&rules);
    o.fix_after = Some(10);
    let c = xmr(&y, &o).unwrap();
    let rules: Vec<_> = c.labels[10..].iter().map(|l| l.rule).collect();
    assert_eq!(rules[..6], [Some(Rule::Trend); 6]);
    assert_eq!(rules[6], Some(Rule::OutsideLimits));
    assert!(c.flags.iter().any(|f| f.rule == Rule::Shift && f.first == 9 && f.last == 16));
    assert!(c.labels[10..].iter().all(|l| l.point_type == PointType::Improvement));

    let d = {
        let mut o = o;
        o.improvement = Improvement::Decrease;
        xmr(&y, &o).unwrap()
    };
    assert_eq!(d.labels.len(), y.len(), "a label per point");
    assert!(d.labels[10..].iter().all(|l| l.point_type == PointType::Concern));
}

/// tests/testthat/test-ptd_calculate_assurance_type.R: lpl/upl (1,3), (5,7),
/// (1,5) against target 4.
#[test]
fn assurance_type() {
    let rows = [limits(1.0, 2.0, 3.0), limits(5.0, 6.0, 7.0), limits(1.0, 4.0, 5.0)];
    let icons = |imp| rows.map(|l| assurance_icon(4.0, &l, imp));
    use AssuranceIcon::*;
    assert_eq!(icons(Improvement::Increase), [Fail, Pass, HitAndMiss]);
    assert_eq!(icons(Improvement::Decrease), [Pass, Fail, HitAndMiss]);
    assert_eq!(icons(Improvement::Neutral), [None, None, None]);
}

/// The same file, "when rebase": only the last segment's limits count.
#[test]
fn assurance_uses_the_latest_segment() {
    let rules = RuleSet::ptd();
    // Two segments: around 2 then around 10. Lower is better and a target of 4
    // lies below the second segment's lower limit: consistently missed, though the
    // first segment alone would have been hit and miss.
    let y = [1.0, 3.0, 2.0, 1.5, 2.5, 10.0, 10.5, 9.5, 10.2, 9.8];
    let mut o = SpcOptions::new(&rules);
    o.rebase_at = &[5];
    o.target = Some(4.0);
    o.improvement = Improvement::Decrease;
    let c = xmr(&y, &o).unwrap();
    assert!(4.0 < c.segments[1].limits.lpl);
    assert!(4.0 > c.segments[0].limits.lpl && 4.0 < c.segments[0].limits.upl);
    assert_eq!(c.summary.assurance, AssuranceIcon::Fail);
}
