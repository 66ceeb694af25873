//! Missing or late returns: a series behind the period most of its peers have reached.

use crate::support::judge;
use failwell_engine::judge::returns::{LatestReturn, RULE, late_returns};
use failwell_engine::{Direction, Strength};

fn latest<'a>(rows: &[(&'a str, &'a str, &str)]) -> Vec<LatestReturn<'a>> {
    rows.iter().map(|(o, i, p)| (*o, *i, p.parse().unwrap())).collect()
}

#[test]
fn a_series_one_period_behind_most_peers_is_a_weak_signal_two_behind_moderate() {
    let rows = latest(&[
        ("A", "rereferrals", "2023/24"),
        ("B", "rereferrals", "2023/24"),
        ("C", "rereferrals", "2023/24"),
        ("D", "rereferrals", "2022/23"),
        ("E", "rereferrals", "2021/22"),
    ]);
    let signals = late_returns(&rows, &judge());
    assert_eq!(signals.len(), 2, "{signals:#?}");
    let d = &signals[0];
    assert_eq!(d.key, "D|rereferrals|returns.missing|2023/24");
    assert_eq!(d.rule, RULE);
    assert_eq!(d.direction, Direction::Concern);
    assert_eq!(d.strength, Strength::Weak);
    assert_eq!(d.indicator.as_deref(), Some("rereferrals"));
    assert_eq!((d.start.to_string().as_str(), d.end.to_string().as_str()), ("2023/24", "2023/24"));
    assert_eq!(d.evidence.read().unwrap().points[0].period, "2022/23", "the organisation's latest period");
    assert_eq!(d.evidence.read().unwrap().points[1].period, "2023/24", "the expected period");
    assert_eq!(d.evidence.read().unwrap().points[1].value, Some(3.0), "how many reached it");
    assert!(
        d.evidence.read().unwrap().explanation.contains("1 period behind 2023/24, which 3 of the 5 organisations"),
        "{}",
        d.evidence.read().unwrap().explanation
    );
    let e = &signals[1];
    assert_eq!(e.organisation, "E");
    assert_eq!(e.strength, Strength::Moderate);
    assert_eq!((e.start.to_string().as_str(), e.end.to_string().as_str()), ("2022/23", "2023/24"));
    assert!(
        e.evidence.read().unwrap().explanation.contains("2 periods behind"),
        "{}",
        e.evidence.read().unwrap().explanation
    );
}

#[test]
fn the_expected_period_is_one_most_organisations_reached_not_the_newest() {
    // Only one early publisher has 2024-03: the others are not late.
    let rows = latest(&[("A", "x", "2024-03"), ("B", "x", "2024-02"), ("C", "x", "2024-02"), ("D", "x", "2024-02")]);
    assert!(late_returns(&rows, &judge()).is_empty());
    // Two of four is not most: the expected period is the later of the middle two only when
    // more than half reached it.
    let rows = latest(&[("A", "x", "2024-03"), ("B", "x", "2024-03"), ("C", "x", "2024-02"), ("D", "x", "2024-01")]);
    let s = late_returns(&rows, &judge());
    assert_eq!(s.iter().map(|s| s.organisation.as_str()).collect::<Vec<_>>(), ["D"], "{s:#?}");
    assert_eq!(s[0].end, "2024-02");
}

#[test]
fn too_few_organisations_other_grains_and_days_give_no_signal() {
    // Two organisations: "most" means nothing.
    assert!(late_returns(&latest(&[("A", "x", "2024"), ("B", "x", "2020")]), &judge()).is_empty());
    // Grains are compared only with their own: the monthly series is not behind the years.
    let rows = latest(&[("A", "x", "2024"), ("B", "x", "2024"), ("C", "x", "2024"), ("D", "x", "2020-01")]);
    assert!(late_returns(&rows, &judge()).is_empty());
    // Snapshots by day have no next period to expect.
    let rows = latest(&[
        ("A", "x", "2024-03-31"),
        ("B", "x", "2024-03-31"),
        ("C", "x", "2024-03-31"),
        ("D", "x", "2020-03-31"),
    ]);
    assert!(late_returns(&rows, &judge()).is_empty());
    // Indicators are separate: D is behind on y only.
    let rows = latest(&[
        ("A", "x", "2024"),
        ("B", "x", "2024"),
        ("D", "x", "2024"),
        ("A", "y", "2024"),
        ("B", "y", "2024"),
        ("D", "y", "2023"),
    ]);
    let s = late_returns(&rows, &judge());
    assert_eq!(s.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), ["D|y|returns.missing|2024"]);
}

#[test]
fn a_series_far_behind_has_stopped_and_is_not_a_late_return() {
    let rows = latest(&[
        ("A", "m", "2024-12"),
        ("B", "m", "2024-12"),
        ("C", "m", "2024-06"),
        ("D", "m", "2024-05"),
        ("E", "m", "2024-12"),
    ]);
    let s = late_returns(&rows, &judge());
    // C is six months behind (late); D seven (stopped: closed, merged or no longer providing).
    assert_eq!(s.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), ["C|m|returns.missing|2024-07"]);
}

#[test]
fn the_result_does_not_depend_on_input_order() {
    let mut rows = latest(&[
        ("A", "x", "2024"),
        ("B", "x", "2024"),
        ("C", "x", "2023"),
        ("D", "x", "2022"),
        ("E", "x", "2024"),
        ("A", "y", "2024-05"),
        ("B", "y", "2024-04"),
        ("C", "y", "2024-05"),
    ]);
    let forward = late_returns(&rows, &judge());
    rows.reverse();
    assert_eq!(late_returns(&rows, &judge()), forward);
    assert_eq!(forward.len(), 3);
}
