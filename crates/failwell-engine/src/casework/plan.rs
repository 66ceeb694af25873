//! Plan moves (themes, actions, progress, criteria, judgements, check-ins), each audited
//! as the case moves are, and the review of a case on a day: every criterion judged from
//! the evidence with its reasons, each action's RAG status, the warning of a plan that is
//! all structure, and whether the exit criteria are met (the exit-readiness view).

use super::criteria::{self, CriteriaEvidence, CriterionState, Verdict};
use super::{CaseworkError, audited, held_to_power};
use failwell_domain::casework::{
    ActionTag, CaseMove, CaseworkRefusal, CriterionOf, CriterionRule, ExitKind, ProgressStatus, all_structural,
};
use failwell_domain::dates::{iso, parse_date};
use failwell_domain::regime::Regime;
use failwell_domain::{Event, Inspection};
use failwell_store::{AuditNote, Store, StoredAction, StoredCheckIn, StoredCriterion, StoredIntervention, StoredPlan};
use time::Date;

fn not_blank(text: &str, what: &'static str) -> Result<(), CaseworkError> {
    if text.trim().is_empty() { Err(CaseworkError::Refused(CaseworkRefusal::Blank(what))) } else { Ok(()) }
}

/// Adds a theme to an open case's plan, part of it from `from` (a review of an earlier
/// day does not show it).
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log), among them a
/// `from` before the case's start.
pub async fn add_theme(store: &Store, id: i64, title: &str, from: Date, by: &str) -> Result<i64, CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!("{title} (from {})", iso(from));
    let note = AuditNote { who: by, action: "add theme", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        not_blank(title, "theme's title")?;
        not_blank(by, "name of who records it")?;
        held_to_power(store, id, by, from, CaseMove::Theme).await?;
        Ok(store.add_theme(id, title, from, &note).await?)
    })
    .await
}

/// An action to add to a theme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    /// The theme.
    pub theme: i64,
    /// What is to be done.
    pub title: String,
    /// The lead officer.
    pub lead: String,
    /// The day it is due.
    pub due: Date,
    /// What kind of change it makes.
    pub tag: ActionTag,
    /// The day it is part of the plan from (a review of an earlier day does not show it).
    pub from: Date,
}

/// Adds an action to a theme of an open case.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log).
pub async fn add_action(store: &Store, id: i64, a: &NewAction, by: &str) -> Result<i64, CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!(
        "theme {}: {} ({}, led by {}, due {}, from {})",
        a.theme,
        a.title,
        a.tag,
        a.lead,
        iso(a.due),
        iso(a.from)
    );
    let note = AuditNote { who: by, action: "add action", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        not_blank(&a.title, "action's title")?;
        not_blank(&a.lead, "lead officer")?;
        not_blank(by, "name of who records it")?;
        held_to_power(store, id, by, a.from, CaseMove::Action).await?;
        Ok(store.add_action(id, a.theme, &a.title, &a.lead, a.due, a.tag, a.from, &note).await?)
    })
    .await
}

/// Records a dated progress update on an action (kept; a later one supersedes).
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log).
pub async fn record_progress(
    store: &Store,
    id: i64,
    action: i64,
    on: Date,
    status: ProgressStatus,
    text: &str,
    by: &str,
) -> Result<(), CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!("action {action} {status} on {}: {text}", iso(on));
    let note = AuditNote { who: by, action: "record progress", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        not_blank(text, "progress note")?;
        not_blank(by, "name of who records it")?;
        crate::casework::happened("progress update", on)?;
        held_to_power(store, id, by, on, CaseMove::Progress).await?;
        Ok(store.record_progress(id, action, on, status, text, &note).await?)
    })
    .await
}

/// Adds a criterion to a theme, an action or the exit of a case, applying from `from`.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log): an unknown
/// indicator, an organisation outside the case, a blank description or judge, a `from`
/// before the case's start.
pub async fn add_criterion(
    store: &Store,
    id: i64,
    of: CriterionOf,
    rule: &CriterionRule,
    from: Date,
    by: &str,
) -> Result<i64, CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!("{of:?}: {} (from {})", criteria::describe(rule), iso(from));
    let note = AuditNote { who: by, action: "add criterion", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        not_blank(by, "name of who records it")?;
        if let CriterionRule::Judged { description, judge } = rule {
            not_blank(description, "criterion's description")?;
            not_blank(judge, "name of the criterion's judge")?;
        }
        if let CriterionRule::Indicator { target, .. } = rule
            && !target.is_finite()
        {
            return Err(CaseworkError::Refused(CaseworkRefusal::Blank("criterion's target")));
        }
        held_to_power(store, id, by, from, CaseMove::Criterion).await?;
        Ok(store.add_criterion(id, of, rule, from, &note).await?)
    })
    .await
}

/// Records a named judge's judgement of a criterion, with its evidence.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log).
pub async fn judge_criterion(
    store: &Store,
    id: i64,
    criterion: i64,
    on: Date,
    met: bool,
    evidence: &str,
    by: &str,
) -> Result<(), CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!("criterion {criterion} {} on {}: {evidence}", if met { "met" } else { "not met" }, iso(on));
    let note = AuditNote { who: by, action: "judge criterion", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        not_blank(evidence, "evidence")?;
        crate::casework::happened("judgement", on)?;
        held_to_power(store, id, by, on, CaseMove::Judgement).await?;
        Ok(store.record_judgement(id, criterion, on, met, evidence, &note).await?)
    })
    .await
}

/// Schedules a check-in after the exit: who, when, what it reviews.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log).
pub async fn schedule_check_in(
    store: &Store,
    id: i64,
    due: Date,
    who: &str,
    reviews: &str,
    by: &str,
) -> Result<i64, CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!("check-in by {who} due {}: {reviews}", iso(due));
    let note = AuditNote { who: by, action: "schedule check-in", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        not_blank(who, "name of who holds the check-in")?;
        not_blank(reviews, "what the check-in reviews")?;
        held_to_power(store, id, by, time::OffsetDateTime::now_utc().date(), CaseMove::CheckIn).await?;
        Ok(store.schedule_check_in(id, due, who, reviews, &note).await?)
    })
    .await
}

/// Records a check-in held, with what it found.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log).
pub async fn hold_check_in(
    store: &Store,
    id: i64,
    check_in: i64,
    on: Date,
    outcome: &str,
    by: &str,
) -> Result<(), CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!("check-in {check_in} held on {}: {outcome}", iso(on));
    let note = AuditNote { who: by, action: "hold check-in", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        not_blank(outcome, "check-in's outcome")?;
        crate::casework::happened("check-in", on)?;
        held_to_power(store, id, by, on, CaseMove::CheckInHeld).await?;
        Ok(store.hold_check_in(id, check_in, on, outcome, &note).await?)
    })
    .await
}

/// Red, amber or green.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rag {
    /// Off track, overdue, or a criterion missed.
    Red,
    /// At risk, or done with criteria not yet met, or not started and due within 30 days.
    Amber,
    /// On track, or done with its criteria met.
    Green,
}

/// A criterion judged on the review's day.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CriterionReview {
    /// Its id.
    pub id: i64,
    /// Theme, action or exit.
    pub of: CriterionOf,
    /// What it asks, in words.
    pub description: String,
    /// The rule.
    pub rule: CriterionRule,
    /// Met or not, why, since when.
    pub verdict: Verdict,
}

/// An action with its status on the review's day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ActionReview {
    /// The action.
    pub action: StoredAction,
    /// Its theme's title.
    pub theme: String,
    /// The latest progress update on or before the review's day.
    pub latest: Option<failwell_store::StoredUpdate>,
    /// Red, amber or green.
    pub rag: Rag,
    /// Why that colour.
    pub why: String,
}

/// A case reviewed on a day: plan progress with RAG, criteria, the exit's readiness.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CaseReview {
    /// The day.
    #[serde(serialize_with = "failwell_domain::dates::serialize_iso")]
    pub today: Date,
    /// The case.
    pub intervention: StoredIntervention,
    /// Its plan as stored.
    pub plan: StoredPlan,
    /// Every action's status.
    pub actions: Vec<ActionReview>,
    /// Every criterion judged.
    pub criteria: Vec<CriterionReview>,
    /// True when the plan has actions and all are structural (the report's warning).
    pub all_structural: bool,
    /// Whether every exit criterion is met (`None`: the case has none).
    pub exit_ready: Option<bool>,
    /// Exit criteria met, of each kind: (outcome met, outcome total, capability met, capability total).
    pub exit_counts: (usize, usize, usize, usize),
    /// Check-ins, by due day.
    pub check_ins: Vec<StoredCheckIn>,
}

/// Reviews case `id` on `today` from the store's current evidence.
///
/// # Errors
/// [`CaseworkError::Refused`] for an unknown case; the store failing.
pub async fn review(store: &Store, regime: &Regime, id: i64, today: Date) -> Result<CaseReview, CaseworkError> {
    let mut case =
        store.intervention(id).await?.ok_or(CaseworkError::Refused(CaseworkRefusal::NoSuchIntervention(id)))?;
    let plan = as_it_stood(store.plan(id).await?, &mut case, today);
    let inspections: Vec<Inspection> = store.current_records_of("inspection", &case.organisations).await?;
    let events: Vec<Event> = store.current_records_of("event", &case.organisations).await?;
    let ev = CriteriaEvidence {
        regime,
        sector: &case.sector,
        case_start: parse_date(&case.start_on).map_err(|e| {
            CaseworkError::Store(failwell_store::StoreError::Corrupt {
                kind: "intervention",
                key: id.to_string(),
                reason: e.to_string(),
            })
        })?,
        today,
        inspections: &inspections,
        events: &events,
    };
    let mut reviewed = Vec::new();
    for c in &plan.criteria {
        let points = match &c.rule {
            CriterionRule::Indicator { organisation, indicator, .. } => {
                store.series_points(organisation.as_str(), indicator.as_str()).await?
            }
            _ => Vec::new(),
        };
        reviewed.push(CriterionReview {
            id: c.id,
            of: c.of,
            description: criteria::describe(&c.rule),
            rule: c.rule.clone(),
            verdict: criteria::judge(&c.rule, &ev, &points, &c.judgements),
        });
    }
    let mut actions = Vec::new();
    let mut tags = Vec::new();
    for t in &plan.themes {
        for a in &t.actions {
            if let Ok(tag) = a.tag.parse::<ActionTag>() {
                tags.push(tag);
            }
            let own: Vec<&CriterionReview> = reviewed
                .iter()
                .filter(|c| c.of == CriterionOf::Action(a.id) || c.of == CriterionOf::Theme(t.id))
                .collect();
            let (rag, why) = rag(a, &own, today);
            let latest = latest_update(a, today).cloned();
            actions.push(ActionReview { action: a.clone(), theme: t.title.clone(), latest, rag, why });
        }
    }
    let exit: Vec<&CriterionReview> = reviewed.iter().filter(|c| matches!(c.of, CriterionOf::Exit(_))).collect();
    let count = |kind: ExitKind| {
        let of_kind: Vec<&&CriterionReview> = exit.iter().filter(|c| c.of == CriterionOf::Exit(kind)).collect();
        (of_kind.iter().filter(|c| c.verdict.state == CriterionState::Met).count(), of_kind.len())
    };
    let (om, ot) = count(ExitKind::Outcome);
    let (cm, ct) = count(ExitKind::Capability);
    Ok(CaseReview {
        today,
        all_structural: all_structural(&tags),
        exit_ready: (!exit.is_empty()).then(|| exit.iter().all(|c| c.verdict.state == CriterionState::Met)),
        exit_counts: (om, ot, cm, ct),
        actions,
        criteria: reviewed,
        check_ins: plan.check_ins.clone(),
        plan,
        intervention: case,
    })
}

/// The plan and the case's people as they stood on `today`, so that a review or a board
/// pack of a past day shows what was before the board then: a theme, action, criterion
/// or person from a later day is left out, and so are later progress updates and
/// judgements. A part with no day of its own has been there since the case's start.
fn as_it_stood(plan: StoredPlan, case: &mut StoredIntervention, today: Date) -> StoredPlan {
    let day = iso(today);
    case.actors.retain(|p| p.on_case(&day));
    plan_as_it_stood(plan, today)
}

/// The plan as it stood on `today`: its themes, actions and criteria from that day or
/// before ([`criteria_as_of`]), with the progress and judgements recorded by then.
fn plan_as_it_stood(mut plan: StoredPlan, today: Date) -> StoredPlan {
    let kept: std::collections::BTreeSet<i64> = criteria_as_of(&plan, today).iter().map(|c| c.id).collect();
    let day = iso(today);
    let by_then = |from: Option<&str>| from.is_none_or(|d| d <= day.as_str());
    plan.themes.retain(|t| by_then(t.from.as_deref()));
    for t in &mut plan.themes {
        t.actions.retain(|a| by_then(a.from.as_deref()));
        for a in &mut t.actions {
            a.updates.retain(|u| by_then(Some(&u.on)));
        }
    }
    plan.criteria.retain(|c| kept.contains(&c.id));
    for c in &mut plan.criteria {
        c.judgements.retain(|j| by_then(Some(&j.on)));
    }
    plan
}

/// The criteria of `plan` that were before anyone on `today`: set by then, on the exit
/// or on a theme or action that was part of the plan by then. What a page of a past day
/// (the organisation's `?as_of=`, a review, a pack) may draw: a target set later was not
/// before anyone then.
pub fn criteria_as_of(plan: &StoredPlan, today: Date) -> Vec<&StoredCriterion> {
    let day = iso(today);
    let by_then = |from: Option<&str>| from.is_none_or(|d| d <= day.as_str());
    let themes = || plan.themes.iter().filter(|t| by_then(t.from.as_deref()));
    let shown = |of: &CriterionOf| match of {
        CriterionOf::Theme(t) => themes().any(|x| x.id == *t),
        CriterionOf::Action(a) => themes().flat_map(|t| &t.actions).any(|x| x.id == *a && by_then(x.from.as_deref())),
        CriterionOf::Exit(_) => true,
    };
    plan.criteria.iter().filter(|c| by_then(c.from.as_deref()) && shown(&c.of)).collect()
}

/// The latest update on or before `today` (a review of a past day does not see later ones).
fn latest_update(a: &StoredAction, today: Date) -> Option<&failwell_store::StoredUpdate> {
    a.updates.iter().rev().find(|u| parse_date(&u.on).is_ok_and(|d| d <= today))
}

/// An action's RAG from its latest update, its due day and its criteria.
fn rag(a: &StoredAction, criteria: &[&CriterionReview], today: Date) -> (Rag, String) {
    let status = latest_update(a, today)
        .and_then(|u| u.status.parse::<ProgressStatus>().ok())
        .unwrap_or(ProgressStatus::NotStarted);
    let due = parse_date(&a.due).ok();
    let missed: Vec<&str> =
        criteria.iter().filter(|c| c.verdict.state == CriterionState::Missed).map(|c| c.description.as_str()).collect();
    let unmet = criteria.iter().filter(|c| c.verdict.state != CriterionState::Met).count();
    if !missed.is_empty() {
        return (Rag::Red, format!("a criterion was missed: {}", missed.join("; ")));
    }
    match status {
        ProgressStatus::Done if unmet == 0 => (Rag::Green, "done, its criteria met".into()),
        ProgressStatus::Done => (Rag::Amber, format!("done, but {unmet} criterion(s) not yet met")),
        ProgressStatus::OffTrack => (Rag::Red, "reported off track".into()),
        _ if due.is_some_and(|d| d < today) => (Rag::Red, format!("overdue since {}", a.due)),
        ProgressStatus::AtRisk => (Rag::Amber, "reported at risk".into()),
        ProgressStatus::NotStarted if due.is_some_and(|d| (d - today).whole_days() <= 30) => {
            (Rag::Amber, format!("not started, due {}", a.due))
        }
        ProgressStatus::NotStarted => (Rag::Green, format!("not started, due {}", a.due)),
        ProgressStatus::OnTrack => (Rag::Green, "reported on track".into()),
    }
}
