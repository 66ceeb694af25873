//! The assessment: bands per failure type from weights, overall, trajectory.

use crate::support::*;
use failwell_domain::{EventType, FailureType};
use failwell_engine::judge::assess::{Band, Trajectory, assess};
use failwell_engine::judge::events::{AssumedEnds, event_signals};
use failwell_engine::judge::inspection::inspection_signals;

#[test]
fn a_failing_grade_makes_performance_high_and_the_rest_low_by_default() {
    let r = regime("");
    let ins = [inspection("ORG", "2019-01-10", "good"), inspection("ORG", "2022-03-01", "inadequate")];
    let (s, _) = inspection_signals(&r, "care", "ORG", &ins, day("2022-06-01"), 4, &judge());
    let a = assess(&r, &s, day("2022-06-01"), [1.0, 3.0, 6.0]);
    let perf = a.risks.iter().find(|x| x.failure_type == FailureType::Performance).unwrap();
    assert_eq!(perf.score, 6.0, "strong 4 + moderate 2");
    assert_eq!(perf.band, Band::Severe);
    assert_eq!(perf.signals.len(), 2);
    assert_eq!(a.bands()["financial"], Band::Low);
    assert_eq!(a.overall_band, Band::Severe);
    assert_eq!(a.trajectory, Trajectory::Deteriorating);
}

#[test]
fn regime_weights_replace_the_default() {
    let weights = r#"
[[signal_weights]]
failure_type = "performance"
signal = "inspection.grade_drop"
weight = 0
valid_from = 2000-01-01

[[signal_weights]]
failure_type = "financial"
signal = "inspection.failing_grade"
weight = 0.5
valid_from = 2000-01-01
"#;
    let r = regime(weights);
    let ins = [inspection("ORG", "2019-01-10", "good"), inspection("ORG", "2022-03-01", "inadequate")];
    let (s, _) = inspection_signals(&r, "care", "ORG", &ins, day("2022-06-01"), 4, &judge());
    let a = assess(&r, &s, day("2022-06-01"), [1.0, 3.0, 6.0]);
    let score = |t| a.risks.iter().find(|x| x.failure_type == t).unwrap().score;
    assert_eq!(score(FailureType::Performance), 4.0, "the drop no longer counts");
    assert_eq!(score(FailureType::Financial), 2.0, "strong 4 × 0.5");
    assert_eq!(a.bands()["financial"], Band::Moderate);
}

#[test]
fn designations_count_but_do_not_make_a_trajectory() {
    let r = regime("");
    let evs = [event("ORG", EventType::SpecialMeasuresIn, "2015-01-01")];
    let (s, _) = event_signals("ORG", &evs, (None, &AssumedEnds::default()), day("2016-01-01"), 24, &judge());
    let a = assess(&r, &s, day("2016-01-01"), [1.0, 3.0, 6.0]);
    assert_eq!(a.overall_band, Band::High);
    assert_eq!(a.trajectory, Trajectory::Stable);
    assert!(a.risks.iter().all(|x| x.band == Band::Low || !x.signals.is_empty()), "no band without its signals");
}
