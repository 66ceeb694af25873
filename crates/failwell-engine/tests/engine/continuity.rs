//! Continuity of signals across scans: which signals continue open ones, which are new,
//! which open ones close.

use crate::support::*;
use failwell_engine::judge::signal::{Direction, Signal, Tracking};
use failwell_engine::record::continuity::match_signals;
use failwell_store::OpenSignal;
use std::collections::BTreeMap;

const TODAY: &str = "2024-11-01";

/// An open signal first seen on `first_seen`, under the key the same arguments give a signal.
fn open(org: &str, source: &str, rule: &str, direction: Direction, start: &str, first_seen: &str) -> OpenSignal {
    OpenSignal {
        key: Signal::make_key(
            org,
            source,
            rule.parse().expect("one of failwell's rules"),
            start.parse().expect("a period"),
        ),
        organisation: org.into(),
        source: source.into(),
        rule: rule.into(),
        direction: direction.code().into(),
        first_seen_on: first_seen.into(),
        content_hash: "0".into(),
    }
}

/// Runs the matching over owned signals; returns the continuity with the signals' tracking.
fn matched(
    open: &[OpenSignal],
    signals: &mut [Signal],
) -> (failwell_engine::record::continuity::Continuity, BTreeMap<String, Tracking>) {
    let mut refs: Vec<&mut Signal> = signals.iter_mut().collect();
    let c = match_signals(open, &mut refs, TODAY);
    let tracking = signals.iter().map(|s| (s.key.clone(), s.tracking.clone().expect("every signal tracked"))).collect();
    (c, tracking)
}

#[test]
fn a_signal_with_the_key_of_an_open_one_continues_it() {
    let opened = [open("ORG", "x", "inspection.failing_grade", Direction::Concern, "2022-04-10", "2022-05-01")];
    let mut signals = [signal("ORG", "x", "inspection.failing_grade", Direction::Concern, "2022-04-10")];
    let (c, t) = matched(&opened, &mut signals);
    assert_eq!(c.ongoing, vec![(0, opened[0].key.clone())]);
    assert!(c.new.is_empty() && c.closed.is_empty(), "{c:?}");
    let tracking = &t[&signals[0].key];
    assert_eq!(tracking.id, opened[0].key);
    assert_eq!(tracking.first_seen, "2022-05-01", "first seen by the earlier scan, not today");
}

#[test]
fn an_spc_run_whose_first_point_moved_keeps_its_identity_and_first_day() {
    let opened = [open("ORG", "x", "spc.shift", Direction::Concern, "2016/17", "2023-11-01")];
    // Limits recomputed with a new point: the run now starts a year later.
    let mut signals = [signal("ORG", "x", "spc.shift", Direction::Concern, "2017/18")];
    let (c, t) = matched(&opened, &mut signals);
    assert_eq!(c.ongoing, vec![(0, opened[0].key.clone())], "{c:?}");
    assert!(c.new.is_empty() && c.closed.is_empty(), "{c:?}");
    assert_eq!(signals[0].key, "ORG|x|spc.shift|2017/18", "the key names the run as it now is");
    let tracking = &t[&signals[0].key];
    assert_eq!(tracking.id, "ORG|x|spc.shift|2016/17", "the identity stays the first key");
    assert_eq!(tracking.first_seen, "2023-11-01");
}

#[test]
fn an_spc_run_of_another_direction_rule_or_organisation_is_new() {
    let opened = [open("ORG", "x", "spc.shift", Direction::Concern, "2016/17", "2023-11-01")];
    for s in [
        signal("ORG", "x", "spc.shift", Direction::Improvement, "2017/18"),
        signal("ORG", "x", "spc.trend", Direction::Concern, "2017/18"),
        signal("ORG", "y", "spc.shift", Direction::Concern, "2017/18"),
        signal("OTHER", "x", "spc.shift", Direction::Concern, "2017/18"),
    ] {
        let mut signals = [s];
        let (c, t) = matched(&opened, &mut signals);
        assert_eq!(c.new, vec![0], "{:?} is not the open run: {c:?}", signals[0].key);
        assert_eq!(c.closed, vec![opened[0].key.clone()]);
        let tracking = &t[&signals[0].key];
        assert_eq!(tracking.id, signals[0].key);
        assert_eq!(tracking.first_seen, TODAY);
    }
}

#[test]
fn an_inspection_signal_with_another_start_is_new_and_the_old_one_closes() {
    let opened = [open("ORG", "full", "inspection.failing_grade", Direction::Concern, "2020-04-10", "2020-05-01")];
    // A second failing judgement: a new signal, not the old one continued.
    let mut signals = [signal("ORG", "full", "inspection.failing_grade", Direction::Concern, "2023-06-01")];
    let (c, t) = matched(&opened, &mut signals);
    assert_eq!(c.new, vec![0], "{c:?}");
    assert!(c.ongoing.is_empty(), "{c:?}");
    assert_eq!(c.closed, vec![opened[0].key.clone()]);
    let tracking = &t[&signals[0].key];
    assert_eq!(tracking.id, "ORG|full|inspection.failing_grade|2023-06-01");
    assert_eq!(tracking.first_seen, TODAY);
}

#[test]
fn open_signals_not_seen_are_closed_and_the_rest_are_not() {
    let opened = [
        open("A", "x", "spc.outside_limits", Direction::Concern, "2021/22", "2022-11-01"),
        open("B", "x", "spc.trend", Direction::Improvement, "2018/19", "2021-11-01"),
        open("B", "full", "inspection.stale", Direction::Concern, "2019-01-01", "2023-01-01"),
    ];
    let mut signals = [signal("B", "x", "spc.trend", Direction::Improvement, "2019/20")];
    let (c, _) = matched(&opened, &mut signals);
    assert_eq!(c.ongoing, vec![(0, opened[1].key.clone())]);
    assert_eq!(c.closed, vec![opened[0].key.clone(), opened[2].key.clone()]);
    // Nothing seen at all: every open signal closes.
    let (c, _) = matched(&opened, &mut []);
    assert_eq!(c.closed.len(), 3);
    // No open signals: everything is new, nothing closes.
    let mut signals = [signal("A", "x", "spc.outside_limits", Direction::Concern, "2021/22")];
    let (c, _) = matched(&[], &mut signals);
    assert_eq!((c.new.as_slice(), c.ongoing.len(), c.closed.len()), (&[0][..], 0, 0));
}

#[test]
fn an_exact_key_is_matched_before_a_moved_run_takes_its_open_signal() {
    // Two open runs of one rule (an older one and a later one); the scan sees the later one
    // under its key and a run moved from the older one. The exact key must win its match,
    // even when the moved run comes first in the list.
    let opened = [
        open("ORG", "x", "spc.shift", Direction::Concern, "2014/15", "2020-11-01"),
        open("ORG", "x", "spc.shift", Direction::Concern, "2018/19", "2022-11-01"),
    ];
    let mut signals = [
        signal("ORG", "x", "spc.shift", Direction::Concern, "2015/16"),
        signal("ORG", "x", "spc.shift", Direction::Concern, "2018/19"),
    ];
    let (c, t) = matched(&opened, &mut signals);
    assert!(c.new.is_empty() && c.closed.is_empty(), "{c:?}");
    assert_eq!(t["ORG|x|spc.shift|2018/19"].id, opened[1].key);
    assert_eq!(t["ORG|x|spc.shift|2015/16"].id, opened[0].key);
    assert_eq!(t["ORG|x|spc.shift|2015/16"].first_seen, "2020-11-01");
}

#[test]
fn matching_does_not_depend_on_the_order_of_signals_or_open_signals() {
    let opened = vec![
        open("A", "x", "spc.shift", Direction::Concern, "2014/15", "2020-11-01"),
        open("A", "x", "spc.shift", Direction::Concern, "2016/17", "2021-11-01"),
        open("A", "full", "inspection.failing_grade", Direction::Concern, "2020-01-01", "2020-02-01"),
        open("B", "x", "spc.trend", Direction::Improvement, "2018/19", "2021-11-01"),
        open("C", "y", "spc.outside_limits", Direction::Concern, "2022/23", "2023-11-01"),
    ];
    let signals = vec![
        // Both of A's runs moved by a year: each continues one open run.
        signal("A", "x", "spc.shift", Direction::Concern, "2015/16"),
        signal("A", "x", "spc.shift", Direction::Concern, "2017/18"),
        signal("A", "full", "inspection.failing_grade", Direction::Concern, "2020-01-01"),
        signal("A", "full", "inspection.grade_drop", Direction::Concern, "2020-01-01"),
        signal("B", "x", "spc.trend", Direction::Improvement, "2019/20"),
        signal("B", "x", "spc.trend", Direction::Concern, "2017/18"),
    ];
    let baseline = {
        let mut s = signals.clone();
        let (c, t) = matched(&opened, &mut s);
        assert_eq!(c.new.len(), 2, "{c:?}");
        assert_eq!(c.ongoing.len(), 4, "{c:?}");
        assert_eq!(c.closed, vec![opened[4].key.clone()]);
        assert_eq!(t["A|x|spc.shift|2015/16"].id, opened[0].key, "earliest run with earliest run");
        assert_eq!(t["A|x|spc.shift|2017/18"].id, opened[1].key);
        assert_eq!(t["B|x|spc.trend|2019/20"].id, opened[3].key);
        t
    };
    // Every rotation and the reversal of both lists give the same identities and closures.
    let n = signals.len();
    for rot in 0..n {
        for reverse_signals in [false, true] {
            for reverse_open in [false, true] {
                let mut s = signals.clone();
                s.rotate_left(rot);
                if reverse_signals {
                    s.reverse();
                }
                let mut o = opened.clone();
                if reverse_open {
                    o.reverse();
                }
                let (c, t) = matched(&o, &mut s);
                assert_eq!(t, baseline, "rotation {rot}, reversed signals {reverse_signals}, open {reverse_open}");
                let mut closed = c.closed.clone();
                closed.sort();
                assert_eq!(closed, vec![opened[4].key.clone()]);
                assert_eq!((c.new.len(), c.ongoing.len()), (2, 4));
            }
        }
    }
}

#[test]
fn a_funnel_signal_for_a_later_period_continues_the_open_one() {
    let opened = [open("ORG", "x", "funnel.outside_998", Direction::Concern, "2024-02", "2024-03-20")];
    let mut signals = [
        signal("ORG", "x", "funnel.outside_998", Direction::Concern, "2024-03"),
        signal("ORG", "y", "cusum.signal", Direction::Concern, "2023"),
    ];
    let (c, t) = matched(&opened, &mut signals);
    assert_eq!(c.ongoing, vec![(0, opened[0].key.clone())], "{c:?}");
    assert_eq!(c.new, vec![1]);
    assert!(c.closed.is_empty(), "{c:?}");
    assert_eq!(t[&signals[0].key].first_seen, "2024-03-20");
    // Outside only the 95% limits now: another rule, so a new signal; the old one closes.
    let mut weaker = [signal("ORG", "x", "funnel.outside_95", Direction::Concern, "2024-03")];
    let (c, _) = matched(&opened, &mut weaker);
    assert_eq!((c.new.clone(), c.closed.clone()), (vec![0], vec![opened[0].key.clone()]));
}
