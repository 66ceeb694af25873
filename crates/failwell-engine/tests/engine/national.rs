//! A national shift is not a local failure: when most organisations reporting an
//! indicator signal the same way at once, the movement is shown once and each one's
//! signal on it is read as part of it, not counted towards its risk.

use crate::support::*;
use failwell_engine::judge::national::{LatestReporting, ShiftRule, find_shifts, mark};
use failwell_engine::judge::signal::{Direction, Reading, Signal};
use failwell_stats::spc::Side;
use std::collections::BTreeMap;
use std::sync::Arc;

const RULE: ShiftRule = ShiftRule { share: 0.4, min_organisations: 10 };

/// `n` organisations with a high-side SPC concern on `indicator`.
fn concerns(indicator: &str, n: usize, side: Side) -> Vec<Signal> {
    (0..n)
        .map(|i| {
            let mut s = signal(&format!("T{i:03}"), indicator, "spc.shift", Direction::Concern, "2025-07");
            s.side = Some(side);
            s
        })
        .collect()
}

/// `n` organisations, T000 onwards, reported `indicator`'s latest period, 2025-07.
fn reporting(indicator: &str, n: usize) -> BTreeMap<String, LatestReporting> {
    let organisations = (0..n).map(|i| Arc::from(format!("T{i:03}"))).collect();
    BTreeMap::from([(indicator.to_string(), LatestReporting { period: "2025-07".to_string(), organisations })])
}

#[test]
fn most_organisations_moving_at_once_is_one_national_shift() {
    // 120 of 141 trusts, as the demo's A&E winter: a shift, shown once.
    let mut signals = concerns("ae_4h_breach_rate", 120, Side::High);
    let shifts = find_shifts(&reporting("ae_4h_breach_rate", 141), signals.iter(), RULE);
    assert_eq!(shifts.len(), 1);
    let n = &shifts[0];
    assert_eq!(
        (n.indicator.as_str(), n.side, n.organisations, n.signalling),
        ("ae_4h_breach_rate", Side::High, 141, 120)
    );
    assert!(n.explanation.starts_with("120 of 141 organisations"), "{}", n.explanation);
    mark(signals.iter_mut(), &shifts);
    assert!(signals.iter().all(|s| s.reading == Reading::NationalShift));
    assert!(signals.iter().all(|s| !s.counts_as_concern()), "a shift counts against nobody");
}

#[test]
fn a_few_organisations_or_the_other_side_are_their_own_signals() {
    // 30 of 141 (21 %) is not most: each stays its own evidence.
    let mut few = concerns("ae_4h_breach_rate", 30, Side::High);
    assert!(find_shifts(&reporting("ae_4h_breach_rate", 141), few.iter(), RULE).is_empty());
    // Nine of twelve is a large share but too few organisations to call national.
    assert!(find_shifts(&reporting("x", 12), concerns("x", 9, Side::High).iter(), RULE).is_empty());
    // A shift on the high side leaves low-side concerns (and other indicators) alone.
    let mut all = concerns("ae_4h_breach_rate", 100, Side::High);
    all.extend(concerns("ae_4h_breach_rate", 5, Side::Low));
    all.extend(concerns("occupancy", 5, Side::High));
    let latest = reporting("ae_4h_breach_rate", 141);
    let shifts = find_shifts(&latest, all.iter(), RULE);
    mark(all.iter_mut().chain(few.iter_mut()), &shifts);
    assert_eq!(all.iter().filter(|s| s.reading == Reading::NationalShift).count(), 100);
    assert!(all[100..].iter().all(|s| s.reading == Reading::AsIs && s.counts_as_concern()));
    assert!(few.iter().all(|s| s.reading == Reading::NationalShift), "the same indicator and side, in the same scan");
}

#[test]
fn only_organisations_reporting_the_latest_period_are_counted_and_stopped_series_are_left_alone() {
    // 120 trusts signal, but only the first 91 reported the latest period: the share is
    // of those 91 among the 112 reporting, never of signals on series that stopped.
    let mut signals = concerns("ae_4h_breach_rate", 120, Side::High);
    let mut reported = reporting("ae_4h_breach_rate", 141);
    for i in 91..120 {
        reported.get_mut("ae_4h_breach_rate").unwrap().organisations.remove(format!("T{i:03}").as_str());
    }
    let shifts = find_shifts(&reported, signals.iter(), RULE);
    assert_eq!(shifts.len(), 1);
    assert_eq!((shifts[0].organisations, shifts[0].signalling), (112, 91), "{}", shifts[0].explanation);
    // A series that stopped long ago keeps its own reading; one late by a period or two
    // (T100) moved with everyone and is read as part of the shift.
    for s in &mut signals[110..] {
        s.reading = Reading::SeriesStopped;
    }
    mark(signals.iter_mut(), &shifts);
    assert_eq!(signals.iter().filter(|s| s.reading == Reading::NationalShift).count(), 110);
    assert!(signals[110..].iter().all(|s| s.reading == Reading::SeriesStopped && !s.counts_as_concern()));
    // One organisation reporting a far-future period makes it the latest: the 24 others
    // signalling on older periods are not "24 of 1".
    let organisations = [Arc::from("E06000004")].into();
    let one = BTreeMap::from([("referrals".to_string(), LatestReporting { period: "2030/31".into(), organisations })]);
    let many = concerns("referrals", 24, Side::High);
    assert!(find_shifts(&one, many.iter(), ShiftRule { share: 0.4, min_organisations: 1 }).is_empty());
}

#[test]
fn a_series_far_behind_its_peers_has_stopped_and_its_signals_are_history() {
    use failwell_domain::Period;
    use failwell_engine::judge::returns::{mark_stopped, stopped_series};
    // Monthly: most reached 2025-07; one is four months late (a late return, still
    // current), one ended in 2023-03 (a merged trust's).
    let month = |y, m| Period::Month(y, m);
    let series = [
        ("T000", month(2025, 7)),
        ("T001", month(2025, 7)),
        ("T002", month(2025, 7)),
        ("LATE", month(2025, 3)),
        ("GONE", month(2023, 3)),
    ];
    assert_eq!(stopped_series(&series), ["GONE"]);
    let mut signals = concerns("ae_4h_breach_rate", 1, Side::High);
    for code in ["LATE", "GONE"] {
        let mut s = signals[0].clone();
        s.organisation = code.into();
        signals.push(s);
    }
    let stopped = BTreeMap::from([("ae_4h_breach_rate".to_string(), ["GONE".to_string()].into())]);
    mark_stopped(signals.iter_mut(), &stopped);
    let readings: Vec<Reading> = signals.iter().map(|s| s.reading).collect();
    assert_eq!(readings, [Reading::AsIs, Reading::AsIs, Reading::SeriesStopped]);
}
