//! Leadership churn: changes of leader counted within a window.

use crate::support::*;
use failwell_domain::{EventType, FailureType};
use failwell_engine::ScanOptions;
use failwell_engine::judge::churn::{ChurnRule, churn_signal};
use failwell_engine::judge::signal::{Direction, SourceKind, Strength};

fn rule() -> ChurnRule {
    let o = ScanOptions::default();
    ChurnRule {
        window_months: o.churn_window_months,
        weak_at: o.churn_weak_changes,
        moderate_at: o.churn_moderate_changes,
    }
}

fn change(on: &str, title: &str) -> failwell_domain::Event {
    let mut e = event("ORG", EventType::LeadershipChange, on);
    e.title = title.into();
    e
}

#[test]
fn two_changes_within_two_years_are_a_weak_governance_signal_with_the_changes_as_evidence() {
    let evs = [
        change("2022-09-01", "Chief executive resigns"),
        change("2023-05-01", "Interim chief executive appointed"),
        event("ORG", EventType::PeerReview, "2023-01-01"),
    ];
    let s = churn_signal("ORG", &evs, day("2024-01-01"), rule(), &judge()).expect("churn");
    assert_eq!(s.rule, "event.leadership_churn");
    assert_eq!(s.key, "ORG|leadership_change|event.leadership_churn|2022-09-01");
    assert_eq!(s.source_kind, SourceKind::Event);
    assert_eq!(s.direction, Direction::Concern);
    assert_eq!(s.strength, Strength::Weak);
    assert_eq!(s.failure_types, vec![FailureType::Governance]);
    assert_eq!((s.start.to_string().as_str(), s.end.to_string().as_str()), ("2022-09-01", "2023-05-01"));
    assert_eq!(s.judged_by.regime_version, "7");
    let evidence = s.evidence.read().unwrap();
    let labels: Vec<_> = evidence.points.iter().map(|p| (p.period.as_str(), p.label.as_deref().unwrap())).collect();
    assert_eq!(
        labels,
        vec![
            ("2022-09-01", "leadership_change: Chief executive resigns"),
            ("2023-05-01", "leadership_change: Interim chief executive appointed")
        ]
    );
    assert!(
        s.evidence.read().unwrap().explanation.starts_with("2 leadership changes in the 24 months to 2024-01-01"),
        "{}",
        s.evidence.read().unwrap().explanation
    );
}

#[test]
fn three_changes_are_moderate() {
    let evs = [change("2022-09-01", "a"), change("2023-01-01", "b"), change("2023-06-01", "c")];
    let s = churn_signal("ORG", &evs, day("2024-01-01"), rule(), &judge()).expect("churn");
    assert_eq!(s.strength, Strength::Moderate);
    assert_eq!(s.evidence.read().unwrap().points.len(), 3);
}

#[test]
fn one_change_or_changes_outside_the_window_or_not_yet_public_are_no_signal() {
    let today = day("2024-01-01");
    assert!(churn_signal("ORG", &[change("2023-06-01", "a")], today, rule(), &judge()).is_none());
    // 2021-12-01 is 25 months before the as-of day.
    let evs = [change("2021-12-01", "a"), change("2023-06-01", "b")];
    assert!(churn_signal("ORG", &evs, today, rule(), &judge()).is_none());
    // The second change happened but was made public after the as-of day.
    let mut late = change("2023-12-01", "b");
    late.published_on = Some(day("2024-02-01"));
    let evs = [change("2023-06-01", "a"), late];
    assert!(churn_signal("ORG", &evs, today, rule(), &judge()).is_none());
    assert!(churn_signal("ORG", &evs, day("2024-02-01"), rule(), &judge()).is_some());
}
