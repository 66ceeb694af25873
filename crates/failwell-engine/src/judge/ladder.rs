//! From rules that hold to one recommended rung, with the reasons.
//!
//! Each rule that holds says "at least this rung is needed"; the recommendation is the
//! lightest rung that answers every rule that holds (the heaviest of the rungs they
//! name), or universal monitoring when none holds. The report's warning that central
//! government went "from zero to 100" is built in: a recommendation more than one rung
//! above the current one is capped at the next rung up unless a rule that holds is
//! flagged `allow_jump` (harm to service users, a statutory judgement of failure).
//! When no rule holds but early signs appear below the statutory threshold, peer review
//! is recommended: the report found peer help works earlier, but needs a trigger.

use failwell_domain::regime::{Ladder, Rung, RungKind, TriggerRule};
use serde::Serialize;

/// A rung, as shown in a recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RungRef {
    /// The ladder's id.
    pub ladder: String,
    /// The rung's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its level (0 = universal monitoring).
    pub level: i64,
}

impl RungRef {
    /// The reference to `rung` of `ladder`.
    pub fn of(ladder: &Ladder, rung: &Rung) -> RungRef {
        RungRef { ladder: ladder.id.clone(), id: rung.id.clone(), name: rung.name.clone(), level: rung.level }
    }
}

/// A rule that held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FiredRule {
    /// The rule's id.
    pub id: String,
    /// The rung it names.
    pub rung: String,
    /// Its CEL expression.
    pub expression: String,
    /// Why the rule exists.
    pub rationale: String,
    /// Whether it may jump more than one rung.
    pub allow_jump: bool,
}

/// The recommendation for one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    /// The recommended rung.
    pub recommended: RungRef,
    /// The rung the organisation stands on.
    pub current: RungRef,
    /// The rules that held, in regime order.
    pub rules: Vec<FiredRule>,
    /// The rung the rules asked for when the cap lowered it.
    pub capped_from: Option<RungRef>,
    /// Sentences explaining the recommendation, in order.
    pub rationale: Vec<String>,
    /// Its place in the queue for a rung with a flag budget (see `judge::budget`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<crate::judge::budget::BudgetRank>,
}

/// Recommends a rung of `ladder` for an organisation on `current`.
pub fn recommend(ladder: &Ladder, current: &Rung, holding: &[&TriggerRule], early_signs: bool) -> Recommendation {
    let lightest = ladder.lightest().unwrap_or(current);
    let rung_of = |t: &TriggerRule| ladder.rung(&t.rung);
    let next_up = ladder.rungs.iter().find(|r| r.level > current.level);
    let fired: Vec<FiredRule> = holding
        .iter()
        .map(|t| FiredRule {
            id: t.id.clone(),
            rung: t.rung.clone(),
            expression: t.expression.clone(),
            rationale: t.rationale.clone(),
            allow_jump: t.allow_jump,
        })
        .collect();
    let mut rationale = Vec::new();
    let mut capped_from = None;

    let jump = holding.iter().filter(|t| t.allow_jump).filter_map(|t| rung_of(t)).max_by_key(|r| r.level);
    let step = holding.iter().filter(|t| !t.allow_jump).filter_map(|t| rung_of(t)).max_by_key(|r| r.level);
    let step = step.map(|wanted| match next_up {
        Some(next) if wanted.level > next.level => {
            capped_from = Some(RungRef::of(ladder, wanted));
            rationale.push(format!(
                "Rules ask for {} but no rule that holds allows a jump of more than one rung: capped at {}, the next rung above {}.",
                wanted.name, next.name, current.name
            ));
            next
        }
        _ => wanted,
    });
    let chosen = match (jump, step) {
        (Some(j), Some(s)) => {
            if j.level >= s.level {
                j
            } else {
                s
            }
        }
        (Some(j), None) => j,
        (None, Some(s)) => s,
        (None, None) if early_signs => {
            let peer = ladder.rungs.iter().find(|r| r.kind == RungKind::PeerReview);
            match peer {
                Some(p) => {
                    rationale.push(format!(
                        "Early signs below the statutory threshold and no rule holds: {} is recommended, since peer help works earlier but needs a trigger.",
                        p.name
                    ));
                    p
                }
                None => lightest,
            }
        }
        (None, None) => lightest,
    };
    if let Some(j) = jump
        && std::ptr::eq(j, chosen)
        && next_up.is_some_and(|n| j.level > n.level)
    {
        rationale.push(format!(
            "{} is more than one rung above {}: allowed by a rule flagged allow_jump.",
            j.name, current.name
        ));
    }
    for f in &fired {
        rationale.push(format!("Rule {} holds ({}): {}", f.id, f.expression, f.rationale));
    }
    if fired.is_empty() && chosen.level == lightest.level {
        rationale.push("No trigger rule holds: universal monitoring.".to_string());
    }
    // While a rule still holds, the failure it describes persists: a rule asking for a
    // lighter rung than the one the organisation stands on (a failing judgement asks for a
    // direction; Bradford is already run by a trust) is no reason to step down. Only when
    // no rule holds may the recommendation fall below the current rung, for exit.
    let chosen = if !fired.is_empty() && chosen.level < current.level {
        rationale.push(format!(
            "The rules that hold ask for {}, below the current rung ({}): the failure they describe persists, so the recommendation is to stay on {} until its exit criteria are met.",
            chosen.name, current.name, current.name
        ));
        current
    } else {
        chosen
    };
    if chosen.level < current.level {
        rationale
            .push(format!("The recommendation is below the current rung ({}): check the exit criteria.", current.name));
    }
    Recommendation {
        recommended: RungRef::of(ladder, chosen),
        current: RungRef::of(ladder, current),
        rules: fired,
        capped_from,
        rationale,
        budget: None,
    }
}
