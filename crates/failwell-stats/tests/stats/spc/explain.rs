//! Explanations: in data and in a sentence.

use super::*;
use failwell_stats::spc::{Explanation, PointType};

fn shifted_series() -> Vec<f64> {
    // 13 points around 50, then 7 a little above: a shift over points 14–20.
    let mut y: Vec<f64> = (0..13).map(|i| if i % 2 == 0 { 49.0 } else { 51.0 }).collect();
    y.extend([51.5, 52.0, 51.5, 52.0, 51.5, 52.0, 51.5]);
    y
}

#[test]
fn shift_sentence_names_points_mean_rule_set_and_run_length() {
    let y = shifted_series();
    let rules = RuleSet::mdc();
    let mut o = SpcOptions::new(&rules);
    o.fix_after = Some(13);
    let c = xmr(&y, &o).unwrap();
    let e: Vec<Explanation> = c.explanations(&y, &rules);
    let shift = e.iter().find(|e| e.rule == Rule::Shift).expect("a shift");
    assert_eq!((shift.first, shift.last, shift.points), (13, 19, 7));
    assert_eq!(shift.rule_set, "mdc");
    assert_eq!(shift.run_length, Some(7));
    assert_eq!(shift.point_type, PointType::Improvement);
    assert_eq!(
        shift.sentence,
        "Points 14–20 (7 points) all lie above the mean 49.92 — a shift under rule set mdc \
         (run length 7); special cause of improvement."
    );
}

#[test]
fn outside_sentence_names_value_and_limit() {
    let mut y = BASELINE.to_vec();
    y.push(20.0);
    let rules = RuleSet::ptd();
    let c = run_dir(&y, &rules, Improvement::Decrease);
    let all = c.explanations(&y, &rules);
    let e: Vec<_> = all.iter().filter(|e| e.rule == Rule::OutsideLimits).collect();
    assert_eq!(e.len(), 1);
    let l = c.segments[0].limits;
    assert!(e[0].sentence.starts_with("Point 8 (value 20) lies above the upper process limit "));
    assert!(e[0].sentence.contains("under rule set ptd; special cause of concern."));
    assert_eq!(e[0].limits, l);
    let flag = c.flag_for(7).unwrap();
    assert_eq!(flag.rule, Rule::OutsideLimits);
    // Under ptd the seven baseline points all lie below the mean of 2.5 (the 20
    // pulls it up): a shift, whose label point 1 carries.
    assert_eq!(c.flag_for(1).map(|f| (f.rule, f.first, f.last)), Some((Rule::Shift, 0, 6)));
}

#[test]
fn explanations_serialise_to_json() {
    let y = shifted_series();
    let rules = RuleSet::mdc();
    let c = run(&y, &rules);
    let e = c.explanations(&y, &rules);
    assert!(!e.is_empty());
    let json = serde_json::to_value(&e).unwrap();
    let first = &json[0];
    for key in ["rule", "side", "point_type", "first", "last", "points", "limits", "rule_set", "sentence"] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert_eq!(first["limits"]["mean"], serde_json::json!(c.segments[0].limits.mean));
    let back: Vec<Explanation> = serde_json::from_value(json).unwrap();
    assert_eq!(back, e);
}

#[test]
fn two_in_three_sentence_counts_points_not_span() {
    let rules = RuleSet::mdc();
    let mut y = BASELINE.to_vec();
    let l = run(&BASELINE, &rules).segments[0].limits;
    let c2 = (l.upper_2s + l.upl) / 2.0;
    y.extend([c2, 0.5, c2]);
    let mut o = SpcOptions::new(&rules);
    o.fix_after = Some(7);
    let c = xmr(&y, &o).unwrap();
    let e = c.explanations(&y, &rules);
    let t = e.iter().find(|e| e.rule == Rule::TwoInThree).unwrap();
    assert_eq!((t.first, t.last, t.points), (7, 9, 2));
    assert!(t.sentence.starts_with("2 points between 8 and 10 lie above the upper 2σ line "), "{}", t.sentence);
}
