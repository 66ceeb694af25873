//! The system view: groups of linked organisations signalling together.

use crate::support::*;
use failwell_domain::{FailureType, LinkType};
use failwell_engine::judge::assess::{Band, Trajectory, TypeRisk};
use failwell_engine::judge::insularity::Insularity;
use failwell_engine::judge::signal::{Direction, Signal, SourceKind, Strength};
use failwell_engine::judge::system::{SystemRule, system_view};
use failwell_engine::{OrganisationReport, RuleContext};

/// An event signal of `strength` on the performance failure type.
fn event_signal(org: &str, rule: &str, strength: Strength) -> Signal {
    let mut s = signal(org, "src", rule, Direction::Concern, "2023-01-01");
    s.source_kind = SourceKind::Event;
    s.strength = strength;
    s.failure_types = vec![FailureType::Performance];
    s
}

/// A report of `org` with the given bands per failure type (others low).
fn report(org: &str, bands: &[(FailureType, Band)]) -> OrganisationReport {
    let risks: Vec<TypeRisk> = FailureType::ALL
        .iter()
        .map(|t| {
            let band = bands.iter().find(|(x, _)| x == t).map_or(Band::Low, |(_, b)| *b);
            TypeRisk { failure_type: *t, score: 0.0, band, signals: vec![] }
        })
        .collect();
    let overall_band = risks.iter().map(|r| r.band).max().unwrap();
    let signals = if overall_band > Band::Low {
        vec![
            event_signal(org, "event.statutory_direction", Strength::Strong),
            event_signal(org, "event.improvement_notice", Strength::Weak),
        ]
    } else {
        vec![]
    };
    OrganisationReport {
        organisation: org.into(),
        name: org.into(),
        sector: "care".into(),
        overall_band,
        overall_score: 0.0,
        bands: risks.iter().map(|r| (r.failure_type.code(), r.band)).collect(),
        risks,
        trajectory: Trajectory::Stable,
        grade: None,
        recommended_rung: None,
        current_rung: None,
        current_rung_inferred: false,
        recommendation: None,
        context: RuleContext::default(),
        signals,
        rationale: vec![],
        insularity: Insularity::default(),
        learned: None,
    }
}

fn rule(share: f64, band: Band) -> SystemRule {
    SystemRule { min_members: 2, share, band }
}

const PERF_MOD: &[(FailureType, Band)] = &[(FailureType::Performance, Band::Moderate)];

/// Twenty quiet organisations of the same sector outside every group: the sector's rate
/// that a group is measured against.
fn quiet_sector() -> Vec<OrganisationReport> {
    (0..20).map(|i| report(&format!("QUIET{i:02}"), &[])).collect()
}

#[test]
fn two_of_three_members_signalling_in_one_failure_type_call_for_a_system_response() {
    let mut reports = vec![
        report("A", PERF_MOD),
        report("B", &[(FailureType::Performance, Band::High)]),
        report("C", &[]),
        report("X", &[]),
    ];
    reports.extend(quiet_sector());
    let orgs = [organisation("G", "Health economy")];
    let links = [
        link("A", "G", LinkType::MemberOf, None),
        link("B", "G", LinkType::PartOf, Some("2020-01-01")),
        link("C", "G", LinkType::MemberOf, None),
        // Not yet a member on the as-of day.
        link("X", "G", LinkType::MemberOf, Some("2025-01-01")),
    ];
    let s = system_view(&orgs, &links, &reports, day("2024-01-01"), rule(1.0 / 3.0, Band::Moderate));
    assert_eq!(s.len(), 1);
    let g = &s[0];
    assert_eq!((g.group.as_str(), g.name.as_str()), ("G", "Health economy"));
    assert_eq!(g.members, vec!["A", "B", "C"]);
    assert_eq!(g.signalling, vec!["A", "B"]);
    assert!((g.share - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(g.shared_failure_types, vec![FailureType::Performance]);
    let r = g.recommendation.as_deref().expect("system response");
    assert!(
        r.starts_with(
            "Respond at system level: up to 2 of the 3 members of Health economy are moderate or worse in performance (2 where their sectors' rates give 0.2; chance 0.020), more than their sectors as a whole"
        ),
        "{r}"
    );
    // The sector: 2 of 24 at the band; three members at 1/12 each give 0.25, and two or
    // more of three happen 3 × (1/12)² × 11/12 + (1/12)³ = 0.0197 of the time.
    let e = &g.against_sectors[0];
    assert_eq!((e.failure_type, e.members_at_band), (FailureType::Performance, 2));
    assert!((e.expected - 0.25).abs() < 1e-12 && (e.tail - (3.0 * 11.0 + 1.0) / 1728.0).abs() < 1e-12, "{e:?}");
    // At the default band, high, only B counts: shared, but no system response.
    let s = system_view(&orgs, &links, &reports, day("2024-01-01"), rule(1.0 / 3.0, Band::High));
    assert_eq!(s[0].shared_failure_types, vec![FailureType::Performance]);
    assert!(s[0].recommendation.is_none());
    let a = &g.evidence[0];
    assert_eq!(a.overall_band, Band::Moderate);
    assert!(a.signalling);
    assert_eq!(a.failure_types, vec![FailureType::Performance]);
    assert_eq!(
        a.strongest_signals,
        vec!["A|src|event.statutory_direction|2023-01-01", "A|src|event.improvement_notice|2023-01-01"],
        "strongest first"
    );
    assert!(!g.evidence[2].signalling && g.evidence[2].strongest_signals.is_empty());
}

#[test]
fn below_a_third_of_members_or_different_failure_types_is_no_system_response() {
    // Two of seven members moderate in performance: shared, but under a third.
    let mut reports = vec![report("A", PERF_MOD), report("B", PERF_MOD)];
    let mut links = vec![link("A", "G", LinkType::MemberOf, None), link("B", "G", LinkType::MemberOf, None)];
    for m in ["C", "D", "E", "F", "H"] {
        reports.push(report(m, &[]));
        links.push(link(m, "G", LinkType::MemberOf, None));
    }
    // Group K: two members signalling, in different failure types.
    reports.push(report("P", PERF_MOD));
    reports.push(report("Q", &[(FailureType::Financial, Band::Severe)]));
    links.push(link("P", "K", LinkType::PartOf, None));
    links.push(link("Q", "K", LinkType::PartOf, None));
    // Group L has one member in the scan: not a system.
    links.push(link("A", "L", LinkType::MemberOf, None));
    reports.extend(quiet_sector());
    let s = system_view(&[], &links, &reports, day("2024-01-01"), rule(1.0 / 3.0, Band::Moderate));
    let codes: Vec<&str> = s.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(codes, vec!["K", "G"], "share descending");
    assert!(s.iter().all(|g| g.recommendation.is_none()), "{s:#?}");
    let g = &s[1];
    assert_eq!(g.shared_failure_types, vec![FailureType::Performance]);
    assert_eq!(g.name, "G", "a group missing from the registry is named by its code");
    assert!(s[0].shared_failure_types.is_empty());
    // With a lower share threshold, still none: two of seven at the band is what the
    // sector's rate (3 of 29) gives about one time in six.
    let s = system_view(&[], &links, &reports, day("2024-01-01"), rule(0.25, Band::Moderate));
    let g = s.iter().find(|g| g.group == "G").unwrap();
    assert!(g.recommendation.is_none(), "{:?}", g.recommendation);
    let e = &g.against_sectors[0];
    let p: f64 = 3.0 / 29.0;
    let tail = 1.0 - (1.0 - p).powi(7) - 7.0 * p * (1.0 - p).powi(6);
    assert!((e.tail - tail).abs() < 1e-12 && e.tail > 0.15, "{e:?}");
}

#[test]
fn a_group_signalling_no_more_than_its_sector_is_no_system() {
    // Every organisation of the sector is moderate in performance, the group's members
    // too: a national picture, not a system's (the demo's regions before the check).
    let reports: Vec<OrganisationReport> = (0..10).map(|i| report(&format!("M{i}"), PERF_MOD)).collect();
    let links: Vec<_> = (0..4).map(|i| link(&format!("M{i}"), "R", LinkType::MemberOf, None)).collect();
    let s = system_view(&[], &links, &reports, day("2024-01-01"), rule(1.0 / 3.0, Band::Moderate));
    assert_eq!(s.len(), 1);
    let g = &s[0];
    assert_eq!(g.signalling.len(), 4, "all four signal");
    assert!(g.recommendation.is_none(), "{:?}", g.recommendation);
    let e = &g.against_sectors[0];
    assert_eq!((e.members_at_band, e.expected, e.tail), (4, 4.0, 1.0));
}
