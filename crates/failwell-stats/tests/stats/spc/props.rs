//! Properties that must hold for any series.

use super::*;
use proptest::prelude::*;

fn rule_sets() -> impl Strategy<Value = RuleSet> {
    prop_oneof![
        Just(RuleSet::mdc()),
        Just(RuleSet::ptd()),
        Just(RuleSet::powerbi()),
        Just(RuleSet {
            two_in_three_highlight_all: true,
            trend_length: Some(3),
            shift_length: Some(4),
            ..RuleSet::powerbi()
        }),
    ]
}

fn improvements() -> impl Strategy<Value = Improvement> {
    prop_oneof![Just(Improvement::Increase), Just(Improvement::Decrease), Just(Improvement::Neutral)]
}

/// Integer-valued series (small ranges make ties, runs and points on the mean
/// common), with optional missing points.
fn int_series() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(prop_oneof![9 => (-6i32..6).prop_map(f64::from), 1 => Just(f64::NAN)], 0..90)
}

fn rebases(len: usize, picks: &[usize]) -> Vec<usize> {
    let mut r: Vec<usize> = picks.iter().filter(|_| len > 0).map(|p| p % len.max(1)).collect();
    r.sort_unstable();
    r.dedup();
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Adding a constant, or scaling by a positive power of two, changes no label
    /// and no flag, and moves the limits with the data.
    #[test]
    fn invariant_under_shift_and_scale(
        y in int_series(),
        rules in rule_sets(),
        imp in improvements(),
        shift in -1_000_000i32..1_000_000,
        k in -8i32..8,
        fix in prop::option::of(1usize..40),
        picks in prop::collection::vec(0usize..1000, 0..3),
    ) {
        let scale = 2f64.powi(k);
        let shift = f64::from(shift);
        let rebase = rebases(y.len(), &picks);
        let mut o = SpcOptions::new(&rules);
        o.improvement = imp;
        o.fix_after = fix;
        o.rebase_at = &rebase;
        let a = xmr(&y, &o).unwrap();
        let moved: Vec<f64> = y.iter().map(|v| v * scale + shift).collect();
        let b = xmr(&moved, &o).unwrap();
        prop_assert_eq!(&a.labels, &b.labels);
        prop_assert_eq!(&a.flags, &b.flags);
        prop_assert_eq!(a.summary.variation, b.summary.variation);
        prop_assert!(y.len() < 2 || !a.segments.is_empty(), "a chart of {} points has segments", y.len());
        prop_assert_eq!(a.segments.len(), b.segments.len());
        for (sa, sb) in a.segments.iter().zip(&b.segments) {
            let (la, lb) = (sa.limits, sb.limits);
            for (x, x2) in [(la.mean, lb.mean), (la.upl, lb.upl), (la.lpl, lb.lpl),
                            (la.upper_2s, lb.upper_2s), (la.lower_2s, lb.lower_2s)] {
                if x.is_nan() { prop_assert!(x2.is_nan()); continue; }
                let expect = x * scale + shift;
                prop_assert!((x2 - expect).abs() <= 1e-9 * (1.0 + expect.abs()), "{} vs {}", x2, expect);
            }
            if !la.mr_bar.is_nan() {
                prop_assert!((lb.mr_bar - la.mr_bar * scale).abs() <= 1e-12 * (1.0 + lb.mr_bar));
            }
        }
    }

    /// lpl ≤ lower 2σ ≤ mean ≤ upper 2σ ≤ upl, for any finite data.
    #[test]
    fn limits_are_ordered(
        y in prop::collection::vec(-1e9f64..1e9, 2..120),
        rules in rule_sets(),
        fix in prop::option::of(2usize..60),
    ) {
        let mut o = SpcOptions::new(&rules);
        o.fix_after = fix;
        let c = xmr(&y, &o).unwrap();
        let l = c.segments[0].limits;
        prop_assert!(l.lpl <= l.lower_2s, "{:?}", l);
        prop_assert!(l.lower_2s <= l.mean, "{:?}", l);
        prop_assert!(l.mean <= l.upper_2s, "{:?}", l);
        prop_assert!(l.upper_2s <= l.upl, "{:?}", l);
    }

    /// A constant series never flags, whatever the value and the rules.
    #[test]
    fn constant_series_never_flags(
        v in prop_oneof![-1e12f64..1e12, Just(0.1), Just(1.0 / 3.0)],
        n in 1usize..200,
        rules in rule_sets(),
        imp in improvements(),
    ) {
        let y = vec![v; n];
        let mut o = SpcOptions::new(&rules);
        o.improvement = imp;
        let c = xmr(&y, &o).unwrap();
        prop_assert!(c.flags.is_empty());
        prop_assert_eq!(c.labels.len(), n);
        prop_assert!(c.labels.iter().all(|l| l.rule.is_none()));
        prop_assert_eq!(c.segments[0].limits.mean, v);
    }

    /// Changing the points of one segment changes neither the limits nor the
    /// labels of another.
    #[test]
    fn rebasing_isolates_segments(
        y in prop::collection::vec((-50i32..50).prop_map(f64::from), 4..80),
        other in prop::collection::vec((-500i32..500).prop_map(f64::from), 80),
        cut in 1usize..1000,
        rules in rule_sets(),
    ) {
        let cut = 1 + cut % (y.len() - 1);
        let rebase = [cut];
        let mut o = SpcOptions::new(&rules);
        o.rebase_at = &rebase;
        let a = xmr(&y, &o).unwrap();

        let mut later = y.clone();
        later[cut..].copy_from_slice(&other[..y.len() - cut]);
        let b = xmr(&later, &o).unwrap();
        prop_assert_eq!(format!("{:?}", a.segments[0]), format!("{:?}", b.segments[0]));
        prop_assert_eq!(&a.labels[..cut], &b.labels[..cut]);

        let mut earlier = y.clone();
        earlier[..cut].copy_from_slice(&other[..cut]);
        let c = xmr(&earlier, &o).unwrap();
        prop_assert_eq!(format!("{:?}", a.segments[1]), format!("{:?}", c.segments[1]));
        prop_assert_eq!(&a.labels[cut..], &c.labels[cut..]);
    }

    /// Every labelled point lies inside a flag of its rule, and every flag's
    /// span lies in its segment.
    #[test]
    fn labels_and_flags_agree(y in int_series(), rules in rule_sets()) {
        let c = run(&y, &rules);
        for (i, l) in c.labels.iter().enumerate() {
            if let Some(rule) = l.rule {
                let f = c.flag_for(i);
                prop_assert!(f.is_some(), "point {} labelled {:?} has no flag", i, rule);
                prop_assert_eq!(Some(f.unwrap().side), l.side);
            }
        }
        for f in &c.flags {
            let s = c.segments[f.segment];
            prop_assert!(s.start <= f.first && f.first <= f.last && f.last < s.end);
            prop_assert!(f.points >= 1 && f.points <= f.last - f.first + 1);
        }
    }
}
