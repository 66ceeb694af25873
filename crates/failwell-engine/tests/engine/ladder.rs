//! The lowest-rung logic: no rule, early signs, the cap and the jump.

use crate::support::*;
use failwell_domain::regime::TriggerRule;
use failwell_engine::judge::ladder::recommend;

const RULES: &str = r#"
[[trigger_rules]]
id = "watch"
ladder = "care"
rung = "peer_review"
expression = "early_signs"
rationale = "Early signs."
valid_from = 2000-01-01

[[trigger_rules]]
id = "data_severe"
ladder = "care"
rung = "notice"
expression = "overall_band == 'severe'"
rationale = "Severe in the data."
valid_from = 2000-01-01

[[trigger_rules]]
id = "failing"
ladder = "care"
rung = "notice"
expression = "failing_grade"
rationale = "Failing grade."
allow_jump = true
valid_from = 2000-01-01
"#;

fn rule<'a>(r: &'a failwell_domain::regime::Regime, id: &str) -> &'a TriggerRule {
    r.trigger_rules.iter().find(|t| t.id == id).unwrap()
}

#[test]
fn no_rule_and_no_early_signs_is_universal_monitoring() {
    let r = regime(RULES);
    let l = r.ladder("care").unwrap();
    let rec = recommend(l, l.lightest().unwrap(), &[], false);
    assert_eq!(rec.recommended.id, "universal_monitoring");
    assert!(rec.capped_from.is_none());
    assert!(rec.rationale.iter().any(|s| s.contains("No trigger rule holds")));
}

#[test]
fn early_signs_without_a_rule_recommend_peer_review() {
    let r = regime(RULES);
    let l = r.ladder("care").unwrap();
    let rec = recommend(l, l.lightest().unwrap(), &[], true);
    assert_eq!(rec.recommended.id, "peer_review");
    assert!(rec.rationale[0].contains("Early signs below the statutory threshold"), "{:?}", rec.rationale);
}

#[test]
fn the_lightest_rung_answering_every_rule_that_holds() {
    let r = regime(RULES);
    let l = r.ladder("care").unwrap();
    // From the adviser rung, the notice is one step up: no cap needed.
    let rec = recommend(l, l.rung("adviser").unwrap(), &[rule(&r, "watch"), rule(&r, "data_severe")], false);
    assert_eq!(rec.recommended.id, "notice");
    assert_eq!(rec.rules.len(), 2);
    assert!(rec.capped_from.is_none());
    // Only the light rule: peer review, not more.
    let rec = recommend(l, l.lightest().unwrap(), &[rule(&r, "watch")], true);
    assert_eq!(rec.recommended.id, "peer_review");
}

#[test]
fn a_climb_of_more_than_one_rung_is_capped_without_allow_jump() {
    let r = regime(RULES);
    let l = r.ladder("care").unwrap();
    let rec = recommend(l, l.lightest().unwrap(), &[rule(&r, "data_severe")], false);
    assert_eq!(rec.recommended.id, "peer_review", "capped at the next rung");
    assert_eq!(rec.capped_from.as_ref().map(|c| c.id.as_str()), Some("notice"));
    assert!(rec.rationale.iter().any(|s| s.contains("capped at Peer review")), "{:?}", rec.rationale);
}

#[test]
fn a_rule_flagged_allow_jump_may_climb_several_rungs() {
    let r = regime(RULES);
    let l = r.ladder("care").unwrap();
    let rec = recommend(l, l.lightest().unwrap(), &[rule(&r, "data_severe"), rule(&r, "failing")], false);
    assert_eq!(rec.recommended.id, "notice");
    assert!(rec.capped_from.is_some(), "the non-jumping rule was capped, the jumping one carried");
    assert!(rec.rationale.iter().any(|s| s.contains("allow_jump")), "{:?}", rec.rationale);
    assert_eq!(rec.current.id, "universal_monitoring");
}

#[test]
fn a_recommendation_below_the_current_rung_says_to_check_exit() {
    let r = regime(RULES);
    let l = r.ladder("care").unwrap();
    let rec = recommend(l, l.rung("special_measures").unwrap(), &[], false);
    assert_eq!(rec.recommended.id, "universal_monitoring");
    assert!(rec.rationale.iter().any(|s| s.contains("check the exit criteria")));
}

#[test]
fn a_rule_still_holding_never_steps_an_organisation_down() {
    // Bradford's case: a failing judgement asks for a notice, but the council already
    // stands on special measures (a trust). The failure persists: stay, do not step down.
    let r = regime(RULES);
    let l = r.ladder("care").unwrap();
    let rec = recommend(l, l.rung("special_measures").unwrap(), &[rule(&r, "failing")], false);
    assert_eq!(rec.recommended.id, "special_measures");
    assert_eq!(rec.rules.len(), 1, "the rule that holds is still listed");
    assert!(rec.rationale[0].starts_with("Rule failing holds"), "{:?}", rec.rationale);
    assert!(rec.rationale.iter().any(|s| s.contains("stay on Special measures")), "{:?}", rec.rationale);
    assert!(!rec.rationale.iter().any(|s| s.contains("check the exit criteria")), "{:?}", rec.rationale);
}
