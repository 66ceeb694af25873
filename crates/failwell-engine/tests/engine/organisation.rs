//! One organisation judged from hand-built evidence, with no store and no scan: the
//! judging step on its own (`judge_organisation`).

use crate::support::*;
use failwell_domain::EventType;
use failwell_engine::judge::insularity::{ContactCoverage, PeerNorms};
use failwell_engine::judge::organisation::{Evidence, Setting, judge_organisation};
use failwell_engine::{Band, OrganisationReport, RuleBook, ScanOptions};

const RULES: &str = TWO_RULES;

/// Judges `org` with these inspections and events on `today`, under the test regime
/// and its two rules.
fn judge_with(
    inspections: &[failwell_domain::Inspection],
    events: &[failwell_domain::Event],
    today: &str,
) -> Option<OrganisationReport> {
    let regime = regime(RULES);
    let rules = RuleBook::compile(&regime, None).unwrap_or_else(|e| panic!("{e}"));
    let org = organisation("ORG", "An organisation");
    let norms = PeerNorms::filed(0, std::iter::empty());
    let judged_by = judge();
    let setting = Setting {
        today: day(today),
        norms: &norms,
        contacts: ContactCoverage { with_contacts: 0, organisations: 1, enough: false },
        judge: &judged_by,
    };
    let evidence = Evidence {
        organisation: &org,
        signals: Vec::new(),
        charted: false,
        inspections,
        events,
        contact_links: &[],
        cases: &[],
    };
    judge_organisation(evidence, &setting, &regime, &rules, &ScanOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn an_organisation_with_no_evidence_is_not_reported() {
    assert!(judge_with(&[], &[], "2024-01-01").is_none());
}

#[test]
fn a_failing_grade_jumps_to_a_notice_with_its_reason_and_evidence() {
    let report = judge_with(&[inspection("ORG", "2023-06-01", "inadequate")], &[], "2024-01-01").expect("reported");
    assert_eq!(report.organisation, "ORG");
    assert_eq!(report.grade.as_deref(), Some("inadequate"));
    assert!(report.context.failing_grade);
    // No event says what rung ORG stands on, and the regime's response to a failing grade
    // is a notice: the current rung is inferred (and marked so), never universal monitoring.
    assert_eq!(report.current_rung.as_deref(), Some("notice"));
    assert!(report.current_rung_inferred);
    assert!(report.rationale[0].starts_with("Current rung inferred, not recorded"), "{:?}", report.rationale);
    assert_eq!(report.recommended_rung.as_deref(), Some("notice"), "{:?}", report.rationale);
    assert!(report.rationale.iter().any(|r| r.contains("A failing grade brings a notice.")), "{:?}", report.rationale);
    let failing: Vec<_> = report.signals.iter().filter(|s| s.rule == "inspection.failing_grade").collect();
    assert_eq!(failing.len(), 1, "{:?}", report.signals);
    assert_eq!(failing[0].judged_by.regime_version, "7", "the signal names the regime version");
    assert!(report.overall_score > 0.0);
    assert_ne!(report.overall_band, Band::Low);
}

#[test]
fn a_good_grade_alone_is_reported_low_and_stays_on_universal_monitoring() {
    let report = judge_with(&[inspection("ORG", "2023-06-01", "good")], &[], "2024-01-01").expect("reported");
    assert!(!report.context.failing_grade);
    assert_eq!(report.overall_band, Band::Low);
    assert_eq!(report.recommended_rung.as_deref(), Some("universal_monitoring"));
}

#[test]
fn a_designation_in_force_is_the_current_rung() {
    let events = [event("ORG", EventType::SpecialMeasuresIn, "2023-02-01")];
    let report = judge_with(&[inspection("ORG", "2022-12-01", "inadequate")], &events, "2024-01-01").expect("reported");
    assert_eq!(report.current_rung.as_deref(), Some("special_measures"));
    assert!(report.signals.iter().any(|s| s.source == "special_measures_in"), "{:?}", report.signals);
}

#[test]
fn judging_is_a_function_of_the_evidence() {
    let ins = [inspection("ORG", "2021-03-01", "good"), inspection("ORG", "2023-06-01", "requires_improvement")];
    let a = judge_with(&ins, &[], "2024-01-01");
    let b = judge_with(&ins, &[], "2024-01-01");
    assert!(a.is_some());
    assert_eq!(a, b);
    // A grade published after the day is not known on it.
    let before = judge_with(&ins, &[], "2021-06-01").expect("reported");
    assert_eq!(before.grade.as_deref(), Some("good"));
}

#[test]
fn a_lifted_notice_ends_the_designation() {
    let notice = event("ORG", EventType::ImprovementNotice, "2023-01-01");
    let on_notice = judge_with(&[], std::slice::from_ref(&notice), "2024-01-01").expect("reported");
    assert_eq!(on_notice.current_rung.as_deref(), Some("notice"), "{:?}", on_notice.rationale);
    assert!(!on_notice.current_rung_inferred, "a recorded notice is not inferred");
    let lifted = event("ORG", EventType::InterventionLifted, "2023-09-01");
    let after = judge_with(&[], &[notice, lifted], "2024-01-01").expect("reported");
    assert_eq!(after.current_rung.as_deref(), Some("universal_monitoring"), "{:?}", after.rationale);
    assert!(!after.current_rung_inferred);
}
