//! Board reviews: a meeting's minutes and decisions recorded against the intervention,
//! and what a pack puts in front of the board: the decisions to take, drawn from the
//! case's review (missed criteria, red actions, overdue clocks, an exit that is ready)
//! and from the scan (a recommended rung that differs from the current one), so that the
//! meeting spends its time on improvement rather than on assembling its own papers.

use super::criteria::CriterionState;
use super::plan::{CaseReview, Rag};
use super::{CaseworkError, audited, held_to_power};
use failwell_domain::casework::{CaseMove, CaseworkRefusal, DueStatus};
use failwell_domain::dates::iso;
use failwell_store::{AuditNote, Store};
use time::Date;

/// Records a board meeting with its minutes and decisions.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log).
pub async fn record_meeting(
    store: &Store,
    id: i64,
    held_on: Date,
    minutes: &str,
    decisions: &[String],
    by: &str,
) -> Result<i64, CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!("board meeting on {}: {} decision(s)", iso(held_on), decisions.len());
    let note = AuditNote { who: by, action: "record board meeting", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        if minutes.trim().is_empty() {
            return Err(CaseworkError::Refused(CaseworkRefusal::Blank("minutes")));
        }
        if decisions.iter().any(|d| d.trim().is_empty()) {
            return Err(CaseworkError::Refused(CaseworkRefusal::Blank("decision")));
        }
        crate::casework::happened("board meeting", held_on)?;
        held_to_power(store, id, by, held_on, CaseMove::Meeting).await?;
        Ok(store.record_meeting(id, held_on, minutes, decisions, &note).await?)
    })
    .await
}

/// The decisions a board should take, in the order it should take them: missed criteria,
/// red actions, overdue obligations, the scan's recommendations that differ from where the
/// organisations stand, and an exit whose criteria are all met.
///
/// `recommendations` holds, per organisation of the case, its code, the rung it stands on
/// and the rung the scan recommends (names).
pub fn decisions_to_take(review: &CaseReview, recommendations: &[(&str, &str, &str)]) -> Vec<String> {
    let mut out = Vec::new();
    for c in review.criteria.iter().filter(|c| c.verdict.state == CriterionState::Missed) {
        out.push(format!("A criterion was missed: {}. {} Decide what changes.", c.description, c.verdict.why));
    }
    for a in review.actions.iter().filter(|a| a.rag == Rag::Red) {
        out.push(format!("Action \"{}\" is red ({}): decide how to recover it or replan.", a.action.title, a.why));
    }
    for o in &review.intervention.obligations {
        if o.status_on(review.today) == Some(DueStatus::Overdue) {
            out.push(format!(
                "Overdue since {}: {}{}.",
                o.due,
                o.name,
                if o.approximate { " (an approximate time: a reminder, not a breach)" } else { "" }
            ));
        }
    }
    for (org, current, recommended) in recommendations.iter().filter(|(_, c, r)| c != r) {
        out.push(format!(
            "The scan recommends {recommended} for {org} (it stands on {current}): accept or decline, with a reason."
        ));
    }
    if review.exit_ready == Some(true) && review.intervention.ended_on.is_none() {
        out.push("Every exit criterion is met: decide whether to exit, and plan the check-ins after it.".into());
    }
    out
}
