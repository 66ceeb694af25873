//! Reading a designation honestly (Insight 7).

use crate::support::*;
use failwell_domain::{IndicatorKind, Polarity};
use failwell_engine::judge::reading::read_in_context;
use failwell_engine::judge::series::{SeriesInput, spc_signals};
use failwell_engine::judge::signal::{Reading, Signal};
use failwell_stats::spc::{RuleSet, XmrChart};

fn signals(code: &str, polarity: Polarity, kind: IndicatorKind, jump: f64) -> Vec<Signal> {
    let ind = indicator(code, polarity, kind);
    // Varied enough that the jump does not also make a shift of the points before it.
    let mut values = vec![8.0, 12.0, 9.0, 13.0, 10.0, 13.0, 7.0, 10.0, 12.0, 8.0];
    values.push(jump);
    let data = series_data(&values);
    let series = SeriesInput { organisation: "ORG", indicator: &ind, data: &data };
    spc_signals(&mut XmrChart::new(), &RuleSet::mdc(), series, &judge(), 2, 6)
}

#[test]
fn a_rise_in_reporting_after_a_designation_is_probable_honest_reporting() {
    let mut s = signals("referrals", Polarity::Neutral, IndicatorKind::ReportingCulture, 30.0);
    assert!(!s.is_empty());
    // The last period is 2020/21 (ends 31 March 2021); designated in 2019.
    read_in_context(&mut s, Some(day("2019-06-01")), 36);
    assert!(s.iter().all(|s| s.reading == Reading::ProbableHonestReporting), "{s:#?}");
    assert!(s.iter().all(|s| !s.counts_as_concern()));
}

#[test]
fn unless_outcomes_worsen_with_it() {
    let mut s = signals("referrals", Polarity::Neutral, IndicatorKind::ReportingCulture, 30.0);
    s.extend(signals("rereferrals", Polarity::HigherIsWorse, IndicatorKind::Outcome, 30.0));
    read_in_context(&mut s, Some(day("2019-06-01")), 36);
    let reporting: Vec<_> = s.iter().filter(|s| s.source == "referrals").collect();
    assert!(reporting.iter().all(|s| s.reading == Reading::DeteriorationConfirmedByOutcomes), "{s:#?}");
    assert!(reporting.iter().all(|s| s.counts_as_concern()));
}

#[test]
fn without_a_designation_or_long_after_it_the_rise_is_read_as_it_stands() {
    let mut s = signals("referrals", Polarity::Neutral, IndicatorKind::ReportingCulture, 30.0);
    read_in_context(&mut s, None, 36);
    assert!(s.iter().all(|s| s.reading == Reading::AsIs && s.counts_as_concern()));
    read_in_context(&mut s, Some(day("2012-01-01")), 36);
    assert!(s.iter().all(|s| s.reading == Reading::AsIs), "designation too long before");
}

#[test]
fn an_improving_outcome_does_not_confirm_deterioration() {
    let mut s = signals("referrals", Polarity::Neutral, IndicatorKind::ReportingCulture, 30.0);
    s.extend(signals("stability", Polarity::HigherIsBetter, IndicatorKind::Outcome, 30.0));
    read_in_context(&mut s, Some(day("2019-06-01")), 36);
    assert!(s.iter().filter(|s| s.source == "referrals").all(|s| s.reading == Reading::ProbableHonestReporting));
}
