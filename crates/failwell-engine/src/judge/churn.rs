//! Leadership churn: a signal that is not a series.
//!
//! A chief executive, head or leader who keeps changing is a sign of governance under
//! strain (the report's Wirral suffered "a high turnover of leaders" before its peer
//! review; Eltham had many changes of head before special measures). One change is
//! ordinary; several in a short span are worth a look. The rule counts the changes
//! known on the as-of day that happened within a window before it.

use crate::dates::{iso, months_between};
use crate::judge::signal::{
    Direction, Evidence, EvidenceJson, EvidencePoint, JudgedBy, Reading, Signal, SignalRule, SourceKind, Strength,
};
use failwell_domain::{Event, EventType, FailureType, Period};
use time::Date;

/// The rule name of the churn signal.
pub const RULE: SignalRule = SignalRule::LeadershipChurn;

/// Thresholds of the churn rule (see [`crate::ScanOptions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChurnRule {
    /// Changes count when they happened within this many months before the as-of day.
    pub window_months: i64,
    /// This many changes in the window make a weak signal.
    pub weak_at: usize,
    /// This many make a moderate one.
    pub moderate_at: usize,
}

/// The leadership churn signal of one organisation, if its changes reach the threshold.
///
/// A change counts when it is known on `today` (made public on or before it, or, with no
/// publication date, occurred on or before it) and occurred less than
/// `rule.window_months` whole months before `today`. The signal starts at the first
/// counted change, so it keeps its key while that change stays in the window.
pub fn churn_signal(
    organisation: &str,
    events: &[Event],
    today: Date,
    rule: ChurnRule,
    judged_by: &JudgedBy,
) -> Option<Signal> {
    let mut changes: Vec<&Event> = events
        .iter()
        .filter(|e| e.event_type == EventType::LeadershipChange)
        .filter(|e| e.occurred_on <= today && e.published_on.unwrap_or(e.occurred_on) <= today)
        .filter(|e| months_between(e.occurred_on, today) < rule.window_months)
        .collect();
    if changes.len() < rule.weak_at.max(1) {
        return None;
    }
    changes.sort_by(|a, b| (a.occurred_on, &a.title).cmp(&(b.occurred_on, &b.title)));
    let strength = if changes.len() >= rule.moderate_at { Strength::Moderate } else { Strength::Weak };
    let first = changes[0];
    let last = changes[changes.len() - 1];
    let start = Period::Day(first.occurred_on);
    let known_from = changes.iter().map(|e| e.published_on.unwrap_or(e.occurred_on)).max();
    let points: Vec<EvidencePoint> = changes
        .iter()
        .map(|e| EvidencePoint {
            period: iso(e.occurred_on),
            value: None,
            label: Some(format!("{}: {}", e.event_type, e.title)),
        })
        .collect();
    let dates: Vec<String> = changes.iter().map(|e| iso(e.occurred_on)).collect();
    let explanation = format!(
        "{} leadership changes in the {} months to {} ({}): {} changes make a weak signal, {} a moderate one.",
        changes.len(),
        rule.window_months,
        iso(today),
        dates.join(", "),
        rule.weak_at,
        rule.moderate_at
    );
    Some(Signal {
        key: Signal::make_key(organisation, EventType::LeadershipChange.code(), RULE, start),
        organisation: organisation.to_string(),
        source_kind: SourceKind::Event,
        source: EventType::LeadershipChange.code().to_string(),
        indicator: None,
        rule: RULE,
        direction: Direction::Concern,
        side: None,
        strength,
        failure_types: vec![FailureType::Governance],
        indicator_kind: None,
        start,
        end: Period::Day(last.occurred_on),
        known_from,
        reading: Reading::AsIs,
        judged_by: judged_by.clone(),
        tracking: None,
        evidence: EvidenceJson::new(&Evidence { points, limits: None, explanation, counts: None }),
    })
}
