//! A national shift is not a local failure: when most organisations reporting an
//! indicator signal the same way at once, the movement is shown once and each one's
//! signal on it is read as part of it, not counted towards its risk.

use crate::support::*;
use failwell_engine::judge::national::{ShiftRule, find_shifts, mark};
use failwell_engine::judge::signal::{Direction, Reading, Signal};
use failwell_stats::spc::Side;
use std::collections::BTreeMap;

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

fn reporting(indicator: &str, n: usize) -> BTreeMap<String, (String, usize)> {
    BTreeMap::from([(indicator.to_string(), ("2025-07".to_string(), n))])
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
    let shifts = find_shifts(&reporting("ae_4h_breach_rate", 141), all.iter(), RULE);
    mark(all.iter_mut().chain(few.iter_mut()), &shifts);
    assert_eq!(all.iter().filter(|s| s.reading == Reading::NationalShift).count(), 100);
    assert!(all[100..].iter().all(|s| s.reading == Reading::AsIs && s.counts_as_concern()));
    assert!(few.iter().all(|s| s.reading == Reading::NationalShift), "the same indicator and side, in the same scan");
}
