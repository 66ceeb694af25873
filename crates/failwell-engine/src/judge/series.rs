//! Signals from indicator series: a Making Data Count XmR chart over the points known at
//! the as-of date, and every special cause whose run reaches the latest points.

use crate::judge::signal::{
    Direction, Evidence, EvidenceJson, EvidencePoint, JudgedBy, Reading, Signal, SignalRule, SourceKind, Strength,
};
use failwell_domain::{FailureType, IndicatorKind, Period, Polarity};
use failwell_stats::spc::{Improvement, PointType, Rule, RuleSet, Side, SpcOptions, XmrChart};
use std::borrow::Cow;
use time::Date;

/// What the engine needs to know about an indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorInfo {
    /// Its code.
    pub code: String,
    /// Which way is better.
    pub polarity: Polarity,
    /// Outcome, process, reporting culture or context.
    pub kind: IndicatorKind,
    /// Failure types it gives evidence of.
    pub failure_types: Vec<FailureType>,
}

/// One series' points as judging sees them. Judging does not know how the store packs a
/// series (the scan's reading pass implements this for it); a test can implement it for
/// plain vectors.
pub trait SeriesPoints {
    /// Values in period order, `NaN` where the publisher withheld the figure.
    fn values(&self) -> &[f64];
    /// The `i`th period, in canonical form.
    fn period(&self, i: usize) -> Cow<'_, str>;
    /// The `i`th period (`None` only for a text that is not a period, which the import
    /// never stores).
    fn period_value(&self, i: usize) -> Option<Period>;
    /// The publication day of the `i`th point, where known.
    fn published(&self, i: usize) -> Option<Date>;
}

/// One series, as known at the as-of date.
#[derive(Clone, Copy)]
pub struct SeriesInput<'a> {
    /// The organisation's code.
    pub organisation: &'a str,
    /// The indicator.
    pub indicator: &'a IndicatorInfo,
    /// Periods, values (`NaN` where withheld) and publication days, in time order.
    pub data: &'a dyn SeriesPoints,
}

/// The improvement direction SPC needs, from the catalogue's polarity.
pub fn improvement_of(polarity: Polarity) -> Improvement {
    match polarity {
        Polarity::HigherIsBetter => Improvement::Increase,
        Polarity::HigherIsWorse => Improvement::Decrease,
        Polarity::Neutral => Improvement::Neutral,
    }
}

/// How strong an SPC rule's evidence is: a point beyond the limits or a sustained shift
/// is a clear change; a trend or two-in-three is worth watching.
pub fn strength_of(rule: Rule) -> Strength {
    match rule {
        Rule::OutsideLimits | Rule::Shift => Strength::Moderate,
        Rule::Trend | Rule::TwoInThree => Strength::Weak,
    }
}

/// Runs the chart over one series and returns the signals whose runs reach the last
/// `recent_points` points, at most one per (rule, side), ordered by rule then start.
///
/// A rise in a reporting-culture indicator with no better direction is returned as a
/// concern (more referrals may mean more harm) so that it can be read in context later;
/// other neutral special causes are returned as neutral.
pub fn spc_signals(
    chart: &mut XmrChart,
    rules: &RuleSet,
    series: SeriesInput<'_>,
    judged_by: &JudgedBy,
    recent_points: usize,
    min_points: usize,
) -> Vec<Signal> {
    let values = series.data.values();
    let period = |i: usize| series.data.period(i).to_string();
    let present = values.iter().filter(|v| !v.is_nan()).count();
    if present < min_points.max(2) {
        return Vec::new();
    }
    let mut opts = SpcOptions::new(rules);
    opts.improvement = improvement_of(series.indicator.polarity);
    if chart.compute(values, &opts).is_err() {
        return Vec::new();
    }
    let Some(latest) = chart.summary.latest else { return Vec::new() };
    let horizon = latest.saturating_sub(recent_points.saturating_sub(1));

    // Merge the recent firings of each (rule, side) into one run.
    let mut runs: Vec<(Rule, Side, PointType, usize, usize, usize)> = Vec::new();
    // When the latest point is itself a special cause, only runs on its side count: a
    // single high point lifts the mean and makes the points before it a "shift" below
    // it, which is an echo of the same change, not a second one.
    let latest_side = chart.labels[latest].side;
    for (i, f) in chart.flags.iter().enumerate() {
        if f.last < horizon || latest_side.is_some_and(|s| s != f.side) {
            continue;
        }
        match runs.iter_mut().find(|r| r.0 == f.rule && r.1 == f.side) {
            Some(r) => {
                r.3 = r.3.min(f.first);
                r.4 = r.4.max(f.last);
            }
            None => runs.push((f.rule, f.side, f.point_type, f.first, f.last, i)),
        }
    }
    let mut out = Vec::with_capacity(runs.len());
    for (rule, side, point_type, first, last, flag_index) in runs {
        let reporting = series.indicator.kind == IndicatorKind::ReportingCulture;
        let direction = match point_type {
            PointType::Concern => Direction::Concern,
            PointType::Improvement => Direction::Improvement,
            PointType::Neutral if reporting && side == Side::High => Direction::Concern,
            _ => Direction::Neutral,
        };
        let Some(explanation) = chart.explain(flag_index, values, rules) else { continue };
        let rule_name = SignalRule::Spc(rule);
        let (Some(start), Some(end)) = (series.data.period_value(first), series.data.period_value(last)) else {
            continue;
        };
        let points = (first..=last)
            .map(|i| EvidencePoint { period: period(i), value: Some(values[i]).filter(|v| !v.is_nan()), label: None })
            .collect();
        let mut sentence = explanation.sentence.clone();
        if first != explanation.first || last != explanation.last {
            sentence.push_str(&format!(" (runs of this rule cover {start} to {end})"));
        }
        let known_from = (first..=last).filter_map(|i| series.data.published(i)).max();
        out.push(Signal {
            key: Signal::make_key(series.organisation, &series.indicator.code, rule_name, start),
            organisation: series.organisation.to_string(),
            source_kind: SourceKind::Indicator,
            source: series.indicator.code.clone(),
            indicator: Some(series.indicator.code.clone()),
            rule: rule_name,
            direction,
            side: Some(side),
            strength: if reporting && point_type == PointType::Neutral { Strength::Weak } else { strength_of(rule) },
            failure_types: series.indicator.failure_types.clone(),
            indicator_kind: Some(series.indicator.kind),
            start,
            end,
            known_from,
            reading: Reading::AsIs,
            judged_by: judged_by.clone(),
            tracking: None,
            evidence: EvidenceJson::new(&Evidence {
                points,
                limits: Some(explanation.limits),
                explanation: sentence,
                counts: None,
            }),
        });
    }
    // By the period's text, as before periods were typed: a series whose periods mix
    // grains (a year beside a financial year) keeps the order it had.
    out.sort_by(|a, b| a.rule.cmp(&b.rule).then_with(|| a.start.to_string().cmp(&b.start.to_string())));
    out
}
