//! Each signal rule: SPC at the latest points, inspection grades, events.

use crate::support::*;
use failwell_domain::regime::RungKind;
use failwell_domain::{EventType, FailureType, IndicatorKind, Polarity};
use failwell_engine::judge::events::{AssumedEnds, current_rung, event_signals};
use failwell_engine::judge::inspection::inspection_signals;
use failwell_engine::judge::series::{SeriesInput, spc_signals};
use failwell_engine::judge::signal::{Direction, Reading, Signal, SourceKind, Strength};
use failwell_stats::spc::{RuleSet, Side, XmrChart};

fn run(values: &[f64], polarity: Polarity, kind: IndicatorKind) -> Vec<Signal> {
    let ind = indicator("x", polarity, kind);
    let data = series_data(values);
    let series = SeriesInput { organisation: "ORG", indicator: &ind, data: &data };
    spc_signals(&mut XmrChart::new(), &RuleSet::mdc(), series, &judge(), 2, 6)
}

const STEADY: [f64; 10] = [10.0, 11.0, 9.0, 10.0, 11.0, 9.0, 10.0, 11.0, 9.0, 10.0];

#[test]
fn a_jump_at_the_latest_point_of_a_higher_is_worse_series_is_a_concern() {
    let mut v = STEADY.to_vec();
    v.push(30.0);
    let s = run(&v, Polarity::HigherIsWorse, IndicatorKind::Outcome);
    let outside: Vec<_> = s.iter().filter(|s| s.rule == "spc.outside_limits").collect();
    assert_eq!(outside.len(), 1, "{s:#?}");
    let sig = outside[0];
    assert_eq!(sig.direction, Direction::Concern);
    assert_eq!(sig.strength, Strength::Moderate);
    assert_eq!(sig.source_kind, SourceKind::Indicator);
    assert_eq!(sig.start, "2020/21");
    assert_eq!(sig.end, "2020/21");
    assert_eq!(sig.key, "ORG|x|spc.outside_limits|2020/21");
    assert_eq!(sig.failure_types, vec![FailureType::Performance]);
    assert_eq!(sig.judged_by.rule_set, "mdc");
    let limits = sig.evidence.read().unwrap().limits.expect("limits are evidence");
    assert!(limits.upl < 30.0 && limits.upl > 10.0, "{limits:?}");
    assert_eq!(sig.evidence.read().unwrap().points.len(), 1);
    assert_eq!(sig.evidence.read().unwrap().points[0].value, Some(30.0));
    assert!(
        sig.evidence.read().unwrap().explanation.contains("special cause of concern"),
        "{}",
        sig.evidence.read().unwrap().explanation
    );
}

#[test]
fn polarity_decides_improvement_or_concern() {
    let mut v = vec![8.0, 12.0, 9.0, 13.0, 10.0, 13.0, 7.0, 10.0, 12.0, 8.0];
    v.push(30.0);
    let s = run(&v, Polarity::HigherIsBetter, IndicatorKind::Outcome);
    assert!(s.iter().any(|s| s.rule == "spc.outside_limits" && s.direction == Direction::Improvement), "{s:#?}");
    assert!(s.iter().all(|s| s.direction != Direction::Concern));
}

#[test]
fn a_special_cause_long_before_the_latest_point_is_not_a_signal() {
    let mut v = vec![10.0, 11.0, 9.0, 40.0];
    v.extend(STEADY);
    let s = run(&v, Polarity::HigherIsWorse, IndicatorKind::Outcome);
    assert!(s.iter().all(|s| s.rule != "spc.outside_limits"), "{s:#?}");
}

#[test]
fn the_point_before_the_latest_still_counts() {
    let mut v = STEADY.to_vec();
    v.push(30.0);
    v.push(10.0);
    let s = run(&v, Polarity::HigherIsWorse, IndicatorKind::Outcome);
    assert!(s.iter().any(|s| s.rule == "spc.outside_limits" && s.start == "2020/21"), "{s:#?}");
}

#[test]
fn too_short_a_series_gives_nothing() {
    assert!(run(&[1.0, 2.0, 50.0], Polarity::HigherIsWorse, IndicatorKind::Outcome).is_empty());
}

#[test]
fn an_ongoing_shift_keeps_its_key_as_points_arrive() {
    let base = [10.0, 11.0, 9.0, 10.0, 11.0, 9.0, 10.0, 11.0];
    let mut v = base.to_vec();
    v.extend([14.0; 7]);
    let first = run(&v, Polarity::HigherIsWorse, IndicatorKind::Process);
    let shift = first.iter().find(|s| s.rule == "spc.shift").expect("a shift");
    v.push(14.5);
    let later = run(&v, Polarity::HigherIsWorse, IndicatorKind::Process);
    let shift2 = later.iter().find(|s| s.rule == "spc.shift").expect("still a shift");
    assert_eq!(shift.key, shift2.key);
    assert_ne!(shift.end, shift2.end);
}

#[test]
fn a_rise_in_a_neutral_reporting_culture_indicator_is_a_weak_concern_to_be_read() {
    let mut v = STEADY.to_vec();
    v.push(30.0);
    let s = run(&v, Polarity::Neutral, IndicatorKind::ReportingCulture);
    let sig = s.iter().find(|s| s.rule == "spc.outside_limits").expect("signal");
    assert_eq!(sig.direction, Direction::Concern);
    assert_eq!(sig.strength, Strength::Weak);
    assert_eq!(sig.side, Some(Side::High));
    // The same rise in a neutral process indicator is neutral.
    let s = run(&v, Polarity::Neutral, IndicatorKind::Process);
    assert!(s.iter().all(|s| s.direction == Direction::Neutral), "{s:#?}");
}

#[test]
fn a_failing_grade_is_strong_and_a_drop_is_moderate() {
    let r = regime("");
    let ins = [inspection("ORG", "2019-01-10", "good"), inspection("ORG", "2022-03-01", "inadequate")];
    let (s, facts) = inspection_signals(&r, "care", "ORG", &ins, day("2022-06-01"), 4, &judge());
    assert!(facts.failing && facts.dropped && !facts.improved);
    assert_eq!(facts.grade.as_deref(), Some("inadequate"));
    assert_eq!(facts.months_since, Some(1));
    let failing = s.iter().find(|s| s.rule == "inspection.failing_grade").expect("failing grade signal");
    assert_eq!(failing.strength, Strength::Strong);
    assert_eq!(failing.start, "2022-04-10");
    let drop = s.iter().find(|s| s.rule == "inspection.grade_drop").expect("drop signal");
    assert_eq!(drop.strength, Strength::Moderate);
    assert_eq!(drop.evidence.read().unwrap().points.len(), 2);
    assert!(s.iter().all(|s| s.rule != "inspection.stale"));
}

#[test]
fn a_judgement_published_after_the_as_of_day_is_not_seen() {
    let r = regime("");
    let ins = [inspection("ORG", "2019-01-10", "good"), inspection("ORG", "2022-03-01", "inadequate")];
    // Inspected, but not yet published on 1 April 2022.
    let (s, facts) = inspection_signals(&r, "care", "ORG", &ins, day("2022-04-01"), 4, &judge());
    assert_eq!(facts.grade.as_deref(), Some("good"));
    assert!(s.iter().all(|s| s.rule != "inspection.failing_grade"), "{s:#?}");
}

#[test]
fn a_rise_is_an_improvement_and_an_old_judgement_is_stale() {
    let r = regime("");
    let ins = [inspection("ORG", "2010-01-10", "requires_improvement"), inspection("ORG", "2014-03-01", "good")];
    let (s, facts) = inspection_signals(&r, "care", "ORG", &ins, day("2019-06-01"), 4, &judge());
    assert!(facts.improved && !facts.failing);
    assert!(s.iter().any(|s| s.rule == "inspection.grade_rise" && s.direction == Direction::Improvement));
    let stale = s.iter().find(|s| s.rule == "inspection.stale").expect("stale");
    assert_eq!(stale.strength, Strength::Weak);
    assert!(
        stale.evidence.read().unwrap().explanation.contains("No judgement in the last 4 years"),
        "{}",
        stale.evidence.read().unwrap().explanation
    );
}

#[test]
fn special_measures_in_force_is_the_current_rung_until_it_ends() {
    let r = regime("");
    let ladder = r.ladder("care").unwrap();
    let evs = [event("ORG", EventType::SpecialMeasuresIn, "2015-01-01")];
    let (s, facts) = event_signals("ORG", &evs, (None, &AssumedEnds::default()), day("2016-01-01"), 24, &judge());
    assert_eq!(current_rung(ladder, &facts).unwrap().id, "special_measures");
    assert!(s.iter().any(|s| s.rule == "event.special_measures_in" && s.strength == Strength::Strong));
    assert_eq!(facts.designated_on, Some(day("2015-01-01")));

    let evs = [evs[0].clone(), event("ORG", EventType::SpecialMeasuresOut, "2017-01-01")];
    let (_, facts) = event_signals("ORG", &evs, (None, &AssumedEnds::default()), day("2018-01-01"), 24, &judge());
    assert_eq!(current_rung(ladder, &facts).unwrap().id, "universal_monitoring");
    // As of a day before the exit, still in special measures.
    let (_, facts) = event_signals("ORG", &evs, (None, &AssumedEnds::default()), day("2016-12-31"), 24, &judge());
    assert_eq!(facts.active[0].0, RungKind::SpecialMeasures);
}

#[test]
fn a_designation_with_no_exit_recorded_ends_when_the_regime_says_and_is_shown_not_counted() {
    let r = regime(
        r#"
[[definitions]]
id = "designation_without_exit"
version = "9"
text = "Taken to have ended this many months after it began."
thresholds = { special_measures_months = 48 }
valid_from = 2000-01-01
"#,
    );
    let ladder = r.ladder("care").unwrap();
    let evs = [event("ORG", EventType::SpecialMeasuresIn, "2013-07-16")];
    // Within the assumed length: in force, counted, the current rung.
    let assumed = AssumedEnds::of(&r, day("2017-07-15"));
    let (s, facts) = event_signals("ORG", &evs, (None, &assumed), day("2017-07-15"), 24, &judge());
    assert_eq!(current_rung(ladder, &facts).unwrap().id, "special_measures");
    assert!(s.len() == 1 && s[0].counts_as_concern(), "{s:#?}");
    // From 48 months on: shown, with the definition it rests on, but not counted and no rung.
    let assumed = AssumedEnds::of(&r, day("2026-02-24"));
    let (s, facts) = event_signals("ORG", &evs, (None, &assumed), day("2026-02-24"), 24, &judge());
    assert_eq!(current_rung(ladder, &facts).unwrap().id, "universal_monitoring");
    assert!(facts.active.is_empty());
    assert_eq!(s.len(), 1, "{s:#?}");
    assert_eq!(s[0].reading, Reading::NoExitRecorded);
    assert!(!s[0].counts_as_concern());
    let why = s[0].evidence.explanation();
    assert!(why.contains("designation_without_exit (version 9)") && why.contains("ended by 2017-07-16"), "{why}");
    // Without the definition, as before: in force until its end is recorded.
    let (_, facts) = event_signals("ORG", &evs, (None, &AssumedEnds::default()), day("2026-02-24"), 24, &judge());
    assert_eq!(current_rung(ladder, &facts).unwrap().id, "special_measures");
    // The journey agrees: the spell ends on the day the definition takes it to have ended.
    let org = organisation("ORG", "Org");
    let codes = ["ORG".to_string()];
    let j = failwell_engine::casework::journey::journey(&r, &org, &codes, &[], &evs, &[], day("2026-02-24"));
    assert_eq!(j.episodes[0].end, Some(day("2017-07-16")), "{j:?}");
    assert!(j.episodes[0].spans[0].what.contains("taken to have ended by 2017-07-16"), "{j:?}");
    // A designation's own end day ends it, whatever the definition says.
    let mut ended = evs[0].clone();
    ended.ended_on = Some(day("2014-08-04"));
    let (s, facts) = event_signals(
        "ORG",
        std::slice::from_ref(&ended),
        (None, &AssumedEnds::default()),
        day("2015-01-01"),
        24,
        &judge(),
    );
    assert!(facts.active.is_empty() && s.is_empty(), "{s:#?}");
    let j = failwell_engine::casework::journey::journey(&r, &org, &codes, &[], &[ended], &[], day("2026-02-24"));
    assert_eq!(j.episodes[0].end, Some(day("2014-08-04")), "{j:?}");
}

#[test]
fn a_notice_is_lifted_by_a_later_judgement_that_is_not_failing() {
    let r = regime("");
    let ladder = r.ladder("care").unwrap();
    let evs = [event("ORG", EventType::ImprovementNotice, "2018-01-01")];
    let (_, facts) =
        event_signals("ORG", &evs, (Some(day("2017-06-01")), &AssumedEnds::default()), day("2019-01-01"), 24, &judge());
    assert_eq!(current_rung(ladder, &facts).unwrap().id, "notice");
    let (s, facts) =
        event_signals("ORG", &evs, (Some(day("2018-09-01")), &AssumedEnds::default()), day("2019-01-01"), 24, &judge());
    assert_eq!(current_rung(ladder, &facts).unwrap().id, "universal_monitoring");
    assert!(s.is_empty());
}

#[test]
fn harm_made_public_counts_for_a_while() {
    let evs = [event("ORG", EventType::SeriousIncidentReported, "2020-01-01")];
    let (s, facts) = event_signals("ORG", &evs, (None, &AssumedEnds::default()), day("2021-01-01"), 24, &judge());
    assert!(facts.harm);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].strength, Strength::Strong);
    let (s, facts) = event_signals("ORG", &evs, (None, &AssumedEnds::default()), day("2023-01-01"), 24, &judge());
    assert!(!facts.harm && s.is_empty());
}

#[test]
fn the_echo_of_a_latest_jump_on_the_other_side_is_not_a_second_signal() {
    // One high point lifts the mean: the steady points before it all lie below it.
    let mut v = STEADY.to_vec();
    v.push(30.0);
    let s = run(&v, Polarity::HigherIsWorse, IndicatorKind::Outcome);
    assert!(s.iter().all(|s| s.side == Some(Side::High)), "{s:#?}");
    assert!(s.iter().all(|s| s.direction != Direction::Improvement));
}
