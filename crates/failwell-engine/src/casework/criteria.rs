//! Judging criteria from the evidence: an indicator at its target (with the SPC rules
//! deciding whether the change is real), a rating at or above a grade, leadership stable
//! for long enough, or a named person's latest judgement. Each state says why, on which
//! figures, and since when, so a board can check it by hand.
//!
//! An indicator criterion is met when its latest figure meets the target and the change
//! is real: an XmR chart with limits fixed on the figures published before the case
//! began shows a special cause of improvement since, or those limits already lie wholly
//! on the target's side (the process meets it reliably). A figure that meets the target
//! within common-cause variation is not yet shown to be real.

use crate::judge::inspection::{is_self_assessment, resolve_grade};
use failwell_domain::casework::{CriterionRule, TargetSide};
use failwell_domain::dates::{iso, parse_date};
use failwell_domain::regime::{Period, PeriodUnit, Regime};
use failwell_domain::{Event, EventType, Inspection};
use failwell_stats::spc::{AssuranceIcon, Improvement, PointType, RuleSet, SpcOptions, xmr};
use failwell_store::{SeriesPoint, StoredJudgement};
use time::Date;

/// Figures before the case began that an indicator criterion needs to tell a real change.
pub const BASELINE_POINTS: usize = 3;

/// Where a criterion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionState {
    /// Met.
    Met,
    /// Not met (yet).
    NotMet,
    /// Not met, and its day has passed.
    Missed,
}

impl CriterionState {
    /// Words for screens.
    pub fn as_str(self) -> &'static str {
        match self {
            CriterionState::Met => "met",
            CriterionState::NotMet => "not met",
            CriterionState::Missed => "missed",
        }
    }
}

/// A criterion judged on a day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    /// Met, not met or missed.
    pub state: CriterionState,
    /// Why, with the figures, grades, events or judgements behind it.
    pub why: String,
    /// Since when it has been met (the publication day of the evidence that made it so).
    #[serde(serialize_with = "failwell_domain::dates::serialize_iso_option")]
    pub since: Option<Date>,
}

/// The evidence criteria of one case are judged on.
#[derive(Debug, Clone, Copy)]
pub struct CriteriaEvidence<'a> {
    /// The regime (for grades).
    pub regime: &'a Regime,
    /// The case's sector.
    pub sector: &'a str,
    /// The day the case began: indicator baselines end here.
    pub case_start: Date,
    /// The day judged on.
    pub today: Date,
    /// The organisations' inspections.
    pub inspections: &'a [Inspection],
    /// The organisations' events.
    pub events: &'a [Event],
}

/// Words for a criterion's rule.
pub fn describe(rule: &CriterionRule) -> String {
    match rule {
        CriterionRule::Indicator { organisation, indicator, target, side, by } => format!(
            "{indicator} of {organisation} {} {target}{}",
            match side {
                TargetSide::AtLeast => "at least",
                TargetSide::AtMost => "at most",
            },
            by.map_or(String::new(), |b| format!(" by {}", iso(b)))
        ),
        CriterionRule::Rating { organisation, at_least } => {
            format!("{organisation} judged {} or better", at_least.replace('_', " "))
        }
        CriterionRule::LeadershipStable { organisation, months } => {
            format!("no leadership change at {organisation} for {months} months")
        }
        CriterionRule::Judged { description, judge } => format!("{description} (judged by {judge})"),
    }
}

/// Judges `rule` on `ev`, with `points` the indicator's figures (for an indicator rule)
/// and `judgements` the named person's (for a judged rule).
pub fn judge(
    rule: &CriterionRule,
    ev: &CriteriaEvidence<'_>,
    points: &[SeriesPoint],
    judgements: &[StoredJudgement],
) -> Verdict {
    let verdict = match rule {
        CriterionRule::Indicator { target, side, .. } => indicator(points, *target, *side, ev),
        CriterionRule::Rating { organisation, at_least } => rating(organisation.as_str(), at_least, ev),
        CriterionRule::LeadershipStable { organisation, months } => leadership(organisation.as_str(), *months, ev),
        CriterionRule::Judged { judge, .. } => judged(judge, judgements, ev.today),
    };
    match rule {
        CriterionRule::Indicator { by: Some(by), .. } if verdict.state == CriterionState::NotMet && *by < ev.today => {
            Verdict {
                state: CriterionState::Missed,
                why: format!("{} It was due by {}.", verdict.why, iso(*by)),
                ..verdict
            }
        }
        _ => verdict,
    }
}

fn not_met(why: String) -> Verdict {
    Verdict { state: CriterionState::NotMet, why, since: None }
}

fn indicator(points: &[SeriesPoint], target: f64, side: TargetSide, ev: &CriteriaEvidence<'_>) -> Verdict {
    let published = |p: &SeriesPoint| p.published_on.as_deref().and_then(|d| parse_date(d).ok());
    let known: Vec<(&SeriesPoint, f64, Option<Date>)> = points
        .iter()
        .filter_map(|p| p.value.filter(|v| v.is_finite()).map(|v| (p, v, published(p))))
        .filter(|(_, _, d)| d.is_none_or(|d| d <= ev.today))
        .collect();
    let baseline = known.iter().take_while(|(_, _, d)| d.is_none_or(|d| d < ev.case_start)).count();
    let words = match side {
        TargetSide::AtLeast => "at least",
        TargetSide::AtMost => "at most",
    };
    let Some(&(latest, value, _)) = known.last() else { return not_met("No figures published yet.".into()) };
    if baseline == known.len() {
        return not_met(format!(
            "No figure published since the case began; the latest ({} = {value}) was before it.",
            latest.period
        ));
    }
    if baseline < BASELINE_POINTS {
        return not_met(format!(
            "Only {baseline} figure(s) before the case began: {BASELINE_POINTS} are needed to tell a real change from noise."
        ));
    }
    let values: Vec<f64> = known.iter().map(|(_, v, _)| *v).collect();
    let rules = RuleSet::mdc();
    let improvement = match side {
        TargetSide::AtLeast => Improvement::Increase,
        TargetSide::AtMost => Improvement::Decrease,
    };
    // The verdict as of each figure since the case began, so "since" is the first figure
    // of the latest unbroken run of met verdicts.
    let verdict_at = |k: usize| -> (bool, String) {
        let options =
            SpcOptions { improvement, fix_after: Some(baseline), target: Some(target), ..SpcOptions::new(&rules) };
        let Ok(chart) = xmr(&values[..=k], &options) else {
            return (false, "The SPC chart could not be drawn.".into());
        };
        let (p, v) = (known[k].0, values[k]);
        let limits = chart.segments.first().map(|s| s.limits);
        let limits_words = limits.map_or(String::new(), |l| {
            format!(
                " (limits set on the {baseline} figures before the case began: mean {:.1}, {:.1} to {:.1})",
                l.mean, l.lpl, l.upl
            )
        });
        if !side.meets(v, target) {
            return (false, format!("Latest {} = {v} is not {words} the target of {target}{limits_words}.", p.period));
        }
        let improved = chart.flags.iter().find(|f| f.point_type == PointType::Improvement && f.last >= baseline);
        if let Some(f) = improved {
            return (
                true,
                format!(
                    "Latest {} = {v} is {words} the target of {target}, and the change is real: a special cause of improvement ({}, from {}){limits_words}.",
                    p.period,
                    f.rule.as_str().replace('_', " "),
                    known[f.first].0.period
                ),
            );
        }
        if chart.summary.assurance == AssuranceIcon::Pass {
            return (
                true,
                format!(
                    "Latest {} = {v} is {words} the target of {target}, and the process meets it reliably{limits_words}.",
                    p.period
                ),
            );
        }
        (
            false,
            format!(
                "Latest {} = {v} is {words} the target of {target}, but within common-cause variation: not yet shown to be a real change{limits_words}.",
                p.period
            ),
        )
    };
    let last = known.len() - 1;
    let (met, why) = verdict_at(last);
    if !met {
        return not_met(why);
    }
    let mut first = last;
    while first > baseline && verdict_at(first - 1).0 {
        first -= 1;
    }
    Verdict { state: CriterionState::Met, why, since: known[first].2.or(Some(ev.case_start)) }
}

fn rating(organisation: &str, at_least: &str, ev: &CriteriaEvidence<'_>) -> Verdict {
    let mut ins: Vec<&Inspection> = ev
        .inspections
        .iter()
        .filter(|i| i.organisation.as_str() == organisation && i.published_on <= ev.today && !is_self_assessment(i))
        .collect();
    ins.sort_by_key(|i| i.published_on);
    let meets = |i: &Inspection| -> Option<(bool, String)> {
        let g = resolve_grade(ev.regime, ev.sector, i)?;
        let Some(target) = g.scale.grade(at_least) else {
            return Some((false, format!("{} is not a grade of scale {} {}", at_least, g.scale.id, g.scale.version)));
        };
        Some((
            g.grade.rank <= target.grade.rank,
            format!("judged {} ({}, published {})", g.grade.label, i.framework, iso(i.published_on)),
        ))
    };
    let Some(latest) = ins.iter().rev().find_map(|i| meets(i).map(|m| (i, m))) else {
        return not_met("No judgement on a scale of the regime published yet.".into());
    };
    let (_, (ok, words)) = latest;
    if !ok {
        return not_met(format!("Latest: {words}; {} or better is needed.", at_least.replace('_', " ")));
    }
    let mut since = latest.0.published_on;
    for i in ins.iter().rev() {
        match meets(i) {
            Some((true, _)) => since = i.published_on,
            Some((false, _)) => break,
            None => {}
        }
    }
    Verdict { state: CriterionState::Met, why: format!("Latest: {words}."), since: Some(since) }
}

fn leadership(organisation: &str, months: u32, ev: &CriteriaEvidence<'_>) -> Verdict {
    let last = ev
        .events
        .iter()
        .filter(|e| {
            e.organisation.as_str() == organisation
                && e.event_type == EventType::LeadershipChange
                && e.occurred_on <= ev.today
        })
        .max_by_key(|e| e.occurred_on);
    let span = Period { amount: months, unit: PeriodUnit::Months };
    match last {
        None => Verdict {
            state: CriterionState::Met,
            why: "No leadership change on record (where the record of leadership changes is thin, check it by hand)."
                .into(),
            since: span.after(ev.case_start).filter(|d| *d <= ev.today),
        },
        Some(e) => {
            let from = span.after(e.occurred_on);
            match from {
                Some(d) if d <= ev.today => Verdict {
                    state: CriterionState::Met,
                    why: format!(
                        "The last leadership change was on {} ({}): {months} months passed on {}.",
                        iso(e.occurred_on),
                        e.title,
                        iso(d)
                    ),
                    since: Some(d),
                },
                _ => not_met(format!(
                    "The last leadership change was on {} ({}): {months} months pass on {}.",
                    iso(e.occurred_on),
                    e.title,
                    from.map_or_else(|| "a day out of range".into(), iso)
                )),
            }
        }
    }
}

fn judged(judge: &str, judgements: &[StoredJudgement], today: Date) -> Verdict {
    let known: Vec<&StoredJudgement> =
        judgements.iter().filter(|j| parse_date(&j.on).is_ok_and(|d| d <= today)).collect();
    let Some(latest) = known.last() else { return not_met(format!("Not yet judged by {judge}.")) };
    let why = format!(
        "Judged {} by {} on {}: {}",
        if latest.met { "met" } else { "not met" },
        latest.by,
        latest.on,
        latest.evidence
    );
    if !latest.met {
        return not_met(why);
    }
    let since = known.iter().rev().take_while(|j| j.met).last().and_then(|j| parse_date(&j.on).ok());
    Verdict { state: CriterionState::Met, why, since }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: &[f64]) -> Vec<SeriesPoint> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| SeriesPoint {
                period: format!("{}", 2010 + i),
                value: Some(*v),
                published_on: Some(format!("{}-06-01", 2010 + i)),
            })
            .collect()
    }

    fn evidence(regime: &Regime) -> CriteriaEvidence<'_> {
        CriteriaEvidence {
            regime,
            sector: "childrens_services",
            case_start: parse_date("2016-01-01").unwrap(),
            today: parse_date("2025-01-01").unwrap(),
            inspections: &[],
            events: &[],
        }
    }

    #[test]
    fn a_target_met_by_noise_is_not_met_and_a_real_shift_is() {
        let regime = Regime::england();
        let ev = evidence(&regime);
        // Six figures around 30 before 2016; then 27, 28: under a target of 28.5 but
        // within the limits.
        let noisy = points(&[30.0, 31.0, 29.0, 30.5, 29.5, 30.0, 27.5, 28.0]);
        let v = indicator(&noisy, 28.5, TargetSide::AtMost, &ev);
        assert_eq!(v.state, CriterionState::NotMet, "{}", v.why);
        assert!(v.why.contains("common-cause"), "{}", v.why);
        // Seven figures below the baseline mean after the case began: a shift.
        let shifted = points(&[30.0, 31.0, 29.0, 30.5, 29.5, 30.0, 28.0, 27.9, 28.2, 27.5, 28.1, 27.8, 28.0]);
        let v = indicator(&shifted, 28.5, TargetSide::AtMost, &ev);
        assert_eq!(v.state, CriterionState::Met, "{}", v.why);
        assert!(v.why.contains("special cause of improvement"), "{}", v.why);
        assert!(v.since.is_some_and(|d| d >= parse_date("2016-06-01").unwrap()));
        // The same figures against a target they do not meet.
        let v = indicator(&shifted, 20.0, TargetSide::AtMost, &ev);
        assert_eq!(v.state, CriterionState::NotMet);
        // Too little history before the case.
        let v = indicator(
            &points(&[30.0, 20.0]),
            25.0,
            TargetSide::AtMost,
            &CriteriaEvidence { case_start: parse_date("2011-01-01").unwrap(), ..ev },
        );
        assert!(v.why.contains("3 are needed"), "{}", v.why);
    }

    #[test]
    fn a_missed_day_is_said() {
        let regime = Regime::england();
        let ev = evidence(&regime);
        let rule = CriterionRule::Indicator {
            organisation: "E10000032".parse().unwrap(),
            indicator: "x".parse().unwrap(),
            target: 10.0,
            side: TargetSide::AtMost,
            by: Some(parse_date("2020-01-01").unwrap()),
        };
        let v = judge(&rule, &ev, &points(&[30.0, 31.0, 29.0, 30.5, 29.5, 30.0, 27.5]), &[]);
        assert_eq!(v.state, CriterionState::Missed, "{}", v.why);
    }

    #[test]
    fn a_named_judge_decides_and_the_latest_judgement_counts() {
        let j = |on: &str, met: bool| StoredJudgement {
            on: on.into(),
            met,
            evidence: "minutes".into(),
            by: "Chair".into(),
        };
        let today = parse_date("2025-01-01").unwrap();
        assert_eq!(judged("Chair", &[], today).state, CriterionState::NotMet);
        let v = judged("Chair", &[j("2024-01-01", false), j("2024-03-01", true), j("2024-06-01", true)], today);
        assert_eq!((v.state, v.since), (CriterionState::Met, Some(parse_date("2024-03-01").unwrap())));
        assert_eq!(
            judged("Chair", &[j("2024-01-01", true), j("2024-06-01", false)], today).state,
            CriterionState::NotMet
        );
    }
}
