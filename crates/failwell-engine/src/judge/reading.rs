//! Reading a designation honestly (the report's Insight 7): after an organisation is
//! designated as failing, staff and partners report more. A rise in reporting-culture
//! indicators then is probably honesty, not harm — unless outcome indicators worsen
//! with it.

use crate::dates::months_between;
use crate::judge::signal::{Direction, Reading, Signal};
use failwell_domain::IndicatorKind;
use failwell_stats::spc::Side;
use time::Date;

fn is_reporting_rise(s: &Signal) -> bool {
    s.indicator_kind == Some(IndicatorKind::ReportingCulture)
        && s.direction == Direction::Concern
        && s.side == Some(Side::High)
}

/// Sets the reading of every reporting-culture rise among one organisation's signals.
///
/// A rise counts as following the designation when its last point ends after the
/// designation day and within `window_months` of it. Outcome indicators worsening over
/// the same stretch turn the reading into deterioration.
pub fn read_in_context(signals: &mut [Signal], designated_on: Option<Date>, window_months: i64) {
    let Some(d) = designated_on else { return };
    // The last day a signal covers: a series period's end, or the inspection's or event's day.
    let after = |s: &Signal| {
        let e = s.end.end();
        e > d && months_between(d, e) <= window_months
    };
    // Only outcome concerns that count confirm anything: one read away (a national shift,
    // small numbers, a stopped series) is no evidence of this organisation's own change.
    let outcomes_worse =
        signals.iter().any(|s| s.indicator_kind == Some(IndicatorKind::Outcome) && s.counts_as_concern() && after(s));
    for s in signals.iter_mut() {
        if is_reporting_rise(s) && after(s) && !s.read_away() {
            s.reading = if outcomes_worse {
                Reading::DeteriorationConfirmedByOutcomes
            } else {
                Reading::ProbableHonestReporting
            };
        }
    }
}
