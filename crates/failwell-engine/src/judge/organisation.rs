//! One organisation judged: its evidence in, its report out.
//!
//! This is the whole judgement of an organisation in one readable function, with no
//! store, threads or cache in it: the scan (`crate::scan`) gathers the evidence and the
//! signals already judged from its series, and calls [`judge_organisation`] for each
//! organisation, on as many threads as it likes.

use crate::error::EngineError;
use crate::judge::assess::{Assessment, Band, Trajectory, TypeRisk, assess};
use crate::judge::churn::{ChurnRule, churn_signal};
use crate::judge::events::{AssumedEnds, acts_in_sector, current_rung, event_signals};
use crate::judge::inspection::{inspection_signals, is_self_assessment, oversight_sector, resolve_grade};
use crate::judge::insularity::{ContactCoverage, Insularity, InsularityInput, PeerNorms};
use crate::judge::ladder::{Recommendation, recommend};
use crate::judge::reading::read_in_context;
use crate::judge::rules::{RuleBook, RuleContext};
use crate::judge::signal::{Direction, JudgedBy, Reading, Signal, Strength};
use crate::options::ScanOptions;
use failwell_domain::regime::Regime;
use failwell_domain::{Event, Inspection, Link, Organisation, dates};
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;

/// What is known of one organisation on the as-of day.
#[derive(Debug, Clone)]
pub struct Evidence<'a> {
    /// The organisation.
    pub organisation: &'a Organisation,
    /// Its signals judged already from its series (SPC, funnels, CUSUM, late returns):
    /// those need every organisation's series, so the scan judges them beforehand.
    pub signals: Vec<Signal>,
    /// Whether it has any series (an organisation with a quiet series is reported as low;
    /// one with no evidence at all is not reported).
    pub charted: bool,
    /// Its inspections known on the day, self-assessments included.
    pub inspections: &'a [Inspection],
    /// Its events known on the day.
    pub events: &'a [Event],
    /// Its peer-contact links (peer, buddy and partner-agency links).
    pub contact_links: &'a [Link],
    /// The rungs its open intervention cases hold on the day (failwell's own casework).
    pub cases: &'a [CaseHeld],
}

/// A rung an open intervention case holds on the as-of day: the overseer's own record,
/// as binding as a published designation, so the scan never shows an organisation under
/// a case on a lighter rung than the case holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseHeld {
    /// The case's id.
    pub case: i64,
    /// The ladder of the case.
    pub ladder: String,
    /// The rung it holds on the day.
    pub rung: String,
    /// Since when it has held that rung.
    pub since: Date,
}

/// What every organisation of a scan is judged against.
#[derive(Debug, Clone, Copy)]
pub struct Setting<'a> {
    /// The as-of day ("today" for ages and clocks).
    pub today: Date,
    /// Every organisation's outcomes against its peers', for the distance from peers.
    pub norms: &'a PeerNorms<'a>,
    /// How widely peer contacts are recorded, for the peer-contact component.
    pub contacts: ContactCoverage,
    /// Who judges the signals this step makes (inspections, events, churn).
    pub judge: &'a JudgedBy,
}

/// One organisation's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationReport {
    /// The organisation's code.
    pub organisation: String,
    /// Its name.
    pub name: String,
    /// The sector whose ladder applies.
    pub sector: String,
    /// The worst band of any failure type.
    pub overall_band: Band,
    /// The highest failure-type score.
    pub overall_score: f64,
    /// Band per failure type code.
    pub bands: BTreeMap<&'static str, Band>,
    /// Score, band and contributing signals per failure type.
    pub risks: Vec<TypeRisk>,
    /// Improving, stable or deteriorating.
    pub trajectory: Trajectory,
    /// The latest inspection grade, if any.
    pub grade: Option<String>,
    /// The recommended rung's id (`None` when no ladder covers the sector).
    pub recommended_rung: Option<String>,
    /// The current rung's id.
    pub current_rung: Option<String>,
    /// Whether the current rung is inferred rather than recorded: no event in force says
    /// what rung the organisation stands on, but its latest judgement is failing and the
    /// regime's response to that judgement is a statutory rung (the rationale says which).
    /// Intervention data are partial, so an inferred rung is never shown as universal
    /// monitoring, and never as fact either.
    pub current_rung_inferred: bool,
    /// The full recommendation: rungs, rules that held, cap, reasons.
    pub recommendation: Option<Recommendation>,
    /// The facts the trigger rules saw.
    pub context: RuleContext,
    /// Every signal, concerns first, then by key.
    pub signals: Vec<Signal>,
    /// Why, in sentences: the recommendation's reasons, then readings worth knowing.
    pub rationale: Vec<String>,
    /// How insular it is (Insight 3), with each component's evidence.
    pub insularity: Insularity,
    /// The likelihood that its next judgement fails, by the regime's learned score for
    /// its sector, with each feature's part (`None` when the regime has none). Set by
    /// the scan after every organisation is judged: its indicator levels are against all.
    pub learned: Option<crate::judge::learned::LearnedRisk>,
}

/// Judges one organisation: its inspections, events and leadership changes into signals
/// beside those of its series; every signal read in context; an assessment per failure
/// type; the trigger rules and the ladder into a recommended rung, with the reasons.
///
/// `None` when the organisation has no evidence at all.
///
/// # Errors
/// A trigger rule failing for this organisation.
pub fn judge_organisation(
    evidence: Evidence<'_>,
    setting: &Setting<'_>,
    regime: &Regime,
    rules: &RuleBook,
    options: &ScanOptions,
) -> Result<Option<OrganisationReport>, EngineError> {
    let churn = ChurnRule {
        window_months: options.churn_window_months,
        weak_at: options.churn_weak_changes,
        moderate_at: options.churn_moderate_changes,
    };
    let Evidence { organisation: org, mut signals, charted, inspections: ins, events: evs, contact_links, cases } =
        evidence;
    let Setting { today, norms, contacts, judge } = *setting;
    let code = org.code.as_str();
    // Every organisation with evidence is reported, quiet ones included (as low).
    if !charted && signals.is_empty() && ins.is_empty() && evs.is_empty() {
        return Ok(None);
    }
    let sector = oversight_sector(org.sector.as_str(), ins);
    let (ins_signals, facts) =
        inspection_signals(regime, &sector, code, ins, today, options.stale_inspection_years, judge);
    signals.extend(ins_signals);
    let lifted_on = ins
        .iter()
        .filter(|i| i.published_on <= today && !is_self_assessment(i))
        .filter(|i| !resolve_grade(regime, &sector, i).is_some_and(|g| g.is_failing()))
        .map(|i| i.published_on)
        .max();
    let assumed = AssumedEnds::of(regime, today);
    let (ev_signals, ev_facts) =
        event_signals(code, evs, (lifted_on, &assumed), today, options.recent_event_months, judge);
    signals.extend(ev_signals);
    signals.extend(churn_signal(code, evs, today, churn, judge));
    let insularity = crate::judge::insularity::measure(
        regime,
        norms,
        InsularityInput {
            organisation: code,
            sector: &sector,
            inspections: ins,
            events: evs,
            links: contact_links,
            today,
            peer_contact_years: options.peer_contact_years,
            contacts,
        },
    );

    // The latest designation of failure: an event, or a failing grade published.
    let designated_on = match (ev_facts.designated_on, facts.failing.then_some(facts.published_on).flatten()) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    read_in_context(&mut signals, designated_on, options.designation_window_months);
    signals.sort_by(|a, b| a.direction.cmp(&b.direction).then(b.strength.cmp(&a.strength)).then(a.key.cmp(&b.key)));

    let assessment: Assessment = assess(regime, &signals, today, options.band_thresholds);
    let ladder = regime.ladder_at(&sector, today);
    // The rung comes from designations by actors of this ladder's sector only.
    let rung_facts = if evs.iter().all(|e| acts_in_sector(regime, &sector, e)) {
        ev_facts.clone()
    } else {
        let own: Vec<Event> = evs.iter().filter(|e| acts_in_sector(regime, &sector, e)).cloned().collect();
        event_signals(code, &own, (lifted_on, &assumed), today, options.recent_event_months, judge).1
    };
    let designated = ladder.and_then(|l| current_rung(l, &rung_facts));
    // A case of failwell's own casework holding a heavier rung than the designations in
    // the evidence: the case's rung is the organisation's (and says so).
    let held = ladder.and_then(|l| {
        cases
            .iter()
            .filter(|c| c.ladder == l.id)
            .filter_map(|c| l.rung(&c.rung).map(|r| (c, r)))
            .max_by_key(|(_, r)| r.level)
    });
    let (current, held_because) = match (designated, held) {
        (d, Some((case, rung))) if d.is_none_or(|d| rung.level > d.level) => (
            Some(rung),
            Some(format!(
                "Stands on {} by intervention case {} of failwell's casework (on this rung since {}).",
                rung.name,
                case.case,
                dates::iso(case.since)
            )),
        ),
        (d, _) => (d, None),
    };
    let counted: Vec<&Signal> = signals.iter().filter(|s| s.counts_as_concern()).collect();
    let designation_in_force =
        current.is_some_and(|c| ladder.and_then(|l| l.lightest()).is_some_and(|f| c.level > f.level));
    let mut context = RuleContext {
        organisation: code.to_string(),
        sector: sector.clone(),
        overall_band: assessment.overall_band.as_str().to_string(),
        overall_score: assessment.overall_score,
        bands: assessment
            .risks
            .iter()
            .map(|r| (r.failure_type.code().to_string(), r.band.as_str().to_string()))
            .collect(),
        scores: assessment.risks.iter().map(|r| (r.failure_type.code().to_string(), r.score)).collect(),
        signals_count: counted.len() as i64,
        strong_signals: counted.iter().filter(|s| s.strength == Strength::Strong).count() as i64,
        improvement_signals: signals.iter().filter(|s| s.direction == Direction::Improvement).count() as i64,
        failing_grade: facts.failing,
        grade: facts.grade.clone().unwrap_or_default(),
        grade_dropped: facts.dropped,
        months_since_inspection: facts.months_since.unwrap_or(-1),
        current_rung: current.map(|r| r.id.clone()).unwrap_or_default(),
        current_rung_level: current.map_or(0, |r| r.level),
        harm: ev_facts.harm,
        trajectory: assessment.trajectory.as_str().to_string(),
        early_signs: !counted.is_empty() && !facts.failing && !designation_in_force,
        honest_reporting: signals.iter().any(|s| s.reading == Reading::ProbableHonestReporting),
        insularity: insularity.index,
        insularity_band: insularity.band.as_str().to_string(),
    };
    let holding = match ladder {
        Some(l) if current.is_some() => rules.holding(&l.id, &context, today).map_err(EngineError::RuleFailed)?,
        _ => Vec::new(),
    };
    let mut recommendation = match (ladder, current) {
        (Some(l), Some(c)) => Some(recommend(l, c, &holding, context.early_signs)),
        _ => None,
    };
    let mut inferred_because = None;
    if let (Some(l), Some(c), Some(r)) = (ladder, current, recommendation.as_ref())
        && let Some(inferred) = crate::judge::events::inferred_rung(l, c, facts.failing, r)
    {
        // Recommended from the inferred rung with the rules that held for the judgement
        // itself: not judged again as if the rung were recorded, since an escalation
        // beyond the regime's standard response would rest on a rung nobody has seen.
        context.current_rung = inferred.id.clone();
        context.current_rung_level = inferred.level;
        context.early_signs = false;
        let rules_that_held: Vec<&str> = r.rules.iter().filter(|f| f.allow_jump).map(|f| f.id.as_str()).collect();
        inferred_because = Some(format!(
            "Current rung inferred, not recorded: no intervention in the data says what rung {code} stands on, but its latest judgement ({}, published {}) is failing and the regime's response to it is {} (rule {}). The intervention data are partial: absence of a recorded notice or direction is not evidence of none.",
            facts.grade.as_deref().unwrap_or("-"),
            facts.published_on.map(dates::iso).unwrap_or_default(),
            inferred.name,
            rules_that_held.join(", ")
        ));
        recommendation = Some(recommend(l, inferred, &holding, context.early_signs));
    }
    let mut rationale = recommendation.as_ref().map(|r| r.rationale.clone()).unwrap_or_else(|| {
        vec![format!("No escalation ladder of the regime covers sector {sector:?} on {}.", dates::iso(today))]
    });
    let current_rung_inferred = inferred_because.is_some();
    if let Some(why) = inferred_because.or(held_because) {
        rationale.insert(0, why);
    }
    let mut read: Vec<(&str, Reading)> =
        signals.iter().filter(|s| s.reading != Reading::AsIs).map(|s| (s.source.as_str(), s.reading)).collect();
    read.sort();
    read.dedup();
    for (source, reading) in read {
        rationale.push(match reading {
            Reading::ProbableHonestReporting => format!(
                "{source} rose after the designation of failure while no outcome indicator worsened: read as a probable surge of honest reporting, not deterioration."
            ),
            Reading::SmallNumbers => crate::judge::small_numbers::sentence(source),
            Reading::NoExitRecorded => format!(
                "{source}: a designation long past whose exit the data does not record (see its signal): not counted, and not the current rung."
            ),
            Reading::SeriesStopped => format!(
                "{source} stopped being reported long before the period most organisations have reached (see its signal): its signals are history, not counted."
            ),
            Reading::NationalShift => format!(
                "{source} moved with most organisations in the country at once: a national shift (see the national view), not counted as this organisation's own deterioration."
            ),
            _ => format!(
                "{source} rose after the designation of failure and outcome indicators worsened with it: read as deterioration."
            ),
        });
    }
    rationale.extend(crate::judge::insularity::rationale(&insularity));
    Ok(Some(OrganisationReport {
        organisation: code.to_string(),
        name: org.name.clone(),
        sector,
        overall_band: assessment.overall_band,
        overall_score: assessment.overall_score,
        bands: assessment.bands(),
        risks: assessment.risks,
        trajectory: assessment.trajectory,
        grade: facts.grade,
        recommended_rung: recommendation.as_ref().map(|r| r.recommended.id.clone()),
        current_rung: recommendation.as_ref().map(|r| r.current.id.clone()),
        current_rung_inferred,
        recommendation,
        context,
        signals,
        rationale,
        insularity,
        learned: None,
    }))
}
