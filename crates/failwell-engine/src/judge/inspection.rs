//! Signals from inspection judgements: a failing grade (strong), a drop in grade
//! (moderate), a rise (improvement), and no judgement for years (weak).
//!
//! Grades are resolved against the regime's rating scales, so "failing" and "worse"
//! come from data: a grade is looked up in a scale in use on the inspection day for the
//! organisation's oversight sector, and two grades are compared only through the
//! regime's own rules (same version, or a declared crosswalk).

use crate::dates::{iso, months_between};
use crate::judge::signal::{
    Direction, Evidence, EvidenceJson, EvidencePoint, JudgedBy, Reading, Signal, SourceKind, Strength,
};
use crate::judge::signal_rule::{InspectionRule, SignalRule};
use failwell_domain::regime::{GradeComparison, GradeRef, Regime};
use failwell_domain::{FailureType, Inspection, Period};
use time::Date;

/// Inspection frameworks that judge a council's children's services: their judgements put
/// the council on the children's services ladder rather than the local government one.
///
/// A stopgap until inspections name the regime scale they are graded on.
pub const CHILDRENS_FRAMEWORKS: &[&str] =
    &["ilacs", "sif", "safeguarding_and_lac", "looked_after_children", "child_protection", "annual_assessment"];

/// The `regulator` slug of an organisation's own assessment of itself: a self-rating is
/// not a judgement, so it makes no inspection signal and no grade fact; insularity
/// compares it with the external judgement.
pub const SELF_REGULATOR: &str = "self";

/// Whether an inspection record is the organisation's self-assessment.
pub fn is_self_assessment(ins: &Inspection) -> bool {
    ins.regulator.as_str() == SELF_REGULATOR
}

/// What the latest judgements say, for trigger rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InspectionFacts {
    /// The latest overall grade's code.
    pub grade: Option<String>,
    /// Whether that grade counts as failure under its scale.
    pub failing: bool,
    /// Whether it is worse than the previous comparable grade.
    pub dropped: bool,
    /// Whether it is better than the previous comparable grade.
    pub improved: bool,
    /// When the latest judgement was published.
    pub published_on: Option<Date>,
    /// Whole months from that publication to the as-of day.
    pub months_since: Option<i64>,
}

/// The sector whose ladder applies: the organisation's own, unless its latest
/// judgement (self-assessments aside) is of children's services.
pub fn oversight_sector(org_sector: &str, inspections: &[Inspection]) -> String {
    match inspections.iter().filter(|i| !is_self_assessment(i)).max_by_key(|i| (i.published_on, i.inspected_on)) {
        Some(i) if CHILDRENS_FRAMEWORKS.contains(&i.framework.as_str()) => "childrens_services".to_string(),
        _ => org_sector.to_string(),
    }
}

/// The regime grade an inspection's overall grade stands for: a scale in use on the
/// inspection day for `sector` that has the grade, else any scale in use that has it.
pub fn resolve_grade<'r>(regime: &'r Regime, sector: &str, ins: &Inspection) -> Option<GradeRef<'r>> {
    let code = ins.overall.as_str();
    let in_use = || regime.scales.iter().filter(|s| s.validity.contains(ins.inspected_on));
    in_use()
        .filter(|s| s.sectors.iter().any(|x| x == sector))
        .find_map(|s| s.grade(code))
        .or_else(|| in_use().find_map(|s| s.grade(code)))
}

/// The latest of `inspections` published on or before `by` whose grade the regime
/// knows (self-assessments aside), with that grade: the "previous grade" a learned score
/// weighs. Ties on the day go to the later inspection.
pub fn latest_grade<'a, 'r>(
    regime: &'r Regime,
    sector: &str,
    inspections: impl IntoIterator<Item = &'a Inspection>,
    by: Date,
) -> Option<(&'a Inspection, GradeRef<'r>)> {
    inspections
        .into_iter()
        .filter(|i| i.published_on <= by && !is_self_assessment(i))
        .filter_map(|i| resolve_grade(regime, sector, i).map(|g| (i, g)))
        .max_by_key(|(i, _)| (i.published_on, i.inspected_on))
}

/// Signals and facts from one organisation's judgements known at `today`.
/// Self-assessments (regulator [`SELF_REGULATOR`]) are ignored.
pub fn inspection_signals(
    regime: &Regime,
    sector: &str,
    organisation: &str,
    inspections: &[Inspection],
    today: Date,
    stale_years: i64,
    judged_by: &JudgedBy,
) -> (Vec<Signal>, InspectionFacts) {
    let mut sorted: Vec<&Inspection> =
        inspections.iter().filter(|i| i.published_on <= today && !is_self_assessment(i)).collect();
    sorted.sort_by_key(|i| (i.published_on, i.inspected_on, i.framework.as_str().to_string()));
    let Some(latest) = sorted.last().copied() else { return (Vec::new(), InspectionFacts::default()) };
    let grade = resolve_grade(regime, sector, latest);
    let failing = grade.is_some_and(|g| g.is_failing()) || (grade.is_none() && latest.overall.as_str() == "inadequate");
    let previous = sorted[..sorted.len() - 1].iter().rev().find_map(|p| {
        let g = resolve_grade(regime, sector, p)?;
        let cmp = regime.compare_grades(grade?, g).ok()?;
        Some((*p, cmp))
    });
    let months = months_between(latest.published_on, today);
    let facts = InspectionFacts {
        grade: Some(latest.overall.as_str().to_string()),
        failing,
        dropped: matches!(previous, Some((_, GradeComparison::Worse))),
        improved: matches!(previous, Some((_, GradeComparison::Better))),
        published_on: Some(latest.published_on),
        months_since: Some(months),
    };

    let point = |i: &Inspection| EvidencePoint {
        period: iso(i.published_on),
        value: None,
        label: Some(format!("{} {} (inspected {})", i.framework, i.overall, iso(i.inspected_on))),
    };
    let started = Period::Day(latest.published_on);
    let make =
        |rule: SignalRule, direction, strength, failure_types: Vec<FailureType>, points, explanation: String| Signal {
            key: Signal::make_key(organisation, latest.framework.as_str(), rule, started),
            organisation: organisation.to_string(),
            source_kind: SourceKind::Inspection,
            source: latest.framework.as_str().to_string(),
            indicator: None,
            rule,
            direction,
            side: None,
            strength,
            failure_types,
            indicator_kind: None,
            start: started,
            end: started,
            known_from: Some(latest.published_on),
            reading: Reading::AsIs,
            judged_by: judged_by.clone(),
            tracking: None,
            evidence: EvidenceJson::new(&Evidence { points, limits: None, explanation, counts: None }),
        };

    // Leadership judged failing points at governance as well as the service itself.
    let leaders_failing = latest.domains.iter().any(|(d, g)| {
        let d = d.as_str();
        (d.contains("leader") || d.contains("well_led") || d.contains("leadership")) && g.as_str() == "inadequate"
    });
    let mut failure_types = vec![FailureType::Performance];
    if leaders_failing {
        failure_types.push(FailureType::Governance);
    }

    let mut out = Vec::new();
    if failing {
        out.push(make(
            SignalRule::Inspection(InspectionRule::FailingGrade),
            Direction::Concern,
            Strength::Strong,
            failure_types.clone(),
            vec![point(latest)],
            format!(
                "The latest {} judgement, published {}, is {}: a failing grade under the regime's scale{}.",
                latest.framework,
                iso(latest.published_on),
                latest.overall,
                if leaders_failing { ", with leadership judged inadequate" } else { "" }
            ),
        ));
    }
    if let Some((prev, cmp)) = previous {
        let (rule, direction, strength, verb) = match cmp {
            GradeComparison::Worse => (Some(InspectionRule::GradeDrop), Direction::Concern, Strength::Moderate, "fell"),
            GradeComparison::Better => {
                (Some(InspectionRule::GradeRise), Direction::Improvement, Strength::Moderate, "rose")
            }
            GradeComparison::Same => (None, Direction::Neutral, Strength::Weak, ""),
        };
        if let Some(rule) = rule {
            out.push(make(
                SignalRule::Inspection(rule),
                direction,
                strength,
                failure_types.clone(),
                vec![point(prev), point(latest)],
                format!(
                    "The overall grade {verb} from {} ({}) to {} ({}).",
                    prev.overall,
                    iso(prev.published_on),
                    latest.overall,
                    iso(latest.published_on)
                ),
            ));
        }
    }
    if months >= stale_years * 12 {
        out.push(make(
            SignalRule::Inspection(InspectionRule::Stale),
            Direction::Concern,
            Strength::Weak,
            vec![FailureType::Governance],
            vec![point(latest)],
            format!(
                "No judgement in the last {stale_years} years: the latest was published {} ({months} months before {}).",
                iso(latest.published_on),
                iso(today)
            ),
        ));
    }
    (out, facts)
}
