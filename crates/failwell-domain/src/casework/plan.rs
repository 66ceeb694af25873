//! Improvement plans and the criteria that judge them and the exit: themes hold actions,
//! each with a lead officer, a due day and a tag saying what kind of change it is; a
//! criterion says what "done" means, either tied to an indicator (judged from the
//! evidence as it arrives, with the SPC rules deciding whether a change is real) or
//! judged by a named person with evidence.
//!
//! The report warns that structural change alone rarely turns an organisation round
//! (Insight 4): a plan whose actions are all structural is flagged.

use crate::code::{Code, Slug};
use time::Date;

words!(
    /// What kind of change an action makes.
    ActionTag, "action tag", {
        /// Structures: mergers, new bodies, reorganised departments.
        Structural = "structural",
        /// Who leads and how.
        Leadership = "leadership",
        /// How people work together, speak up and learn.
        Culture = "culture",
        /// How the work is done: procedures, systems, practice.
        Process = "process",
        /// People, money and skills.
        Capacity = "capacity",
    }
);

words!(
    /// Where an action stands, as its latest progress update says.
    ProgressStatus, "progress status", {
        /// Not begun.
        NotStarted = "not_started",
        /// Going to plan.
        OnTrack = "on_track",
        /// Slipping.
        AtRisk = "at_risk",
        /// Will not be done as planned.
        OffTrack = "off_track",
        /// Done.
        Done = "done",
    }
);

words!(
    /// What an exit criterion is about: standards restored, or the organisation able to
    /// carry on unaided.
    ExitKind, "exit kind", {
        /// Standards restored (a rating, indicators at target).
        Outcome = "outcome",
        /// Leadership and governance able to finish the job (stable leaders, a plan owned).
        Capability = "capability",
    }
);

words!(
    /// Which way an indicator must go to meet its target.
    TargetSide, "target side", {
        /// At least the target (higher is better).
        AtLeast = "at_least",
        /// At most the target (lower is better).
        AtMost = "at_most",
    }
);

impl TargetSide {
    /// Whether `value` meets `target` on this side.
    pub fn meets(self, value: f64, target: f64) -> bool {
        match self {
            TargetSide::AtLeast => value >= target,
            TargetSide::AtMost => value <= target,
        }
    }
}

/// What a criterion asks for.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CriterionRule {
    /// An indicator of an organisation at its target, shown to be real by the SPC rules.
    Indicator {
        /// The organisation.
        organisation: Code,
        /// The indicator.
        indicator: Slug,
        /// The target value.
        target: f64,
        /// Which side of the target counts.
        side: TargetSide,
        /// The day it should be met by, if set.
        #[serde(
            serialize_with = "crate::dates::serialize_iso_option",
            deserialize_with = "crate::dates::deserialize_iso_option",
            default
        )]
        by: Option<Date>,
    },
    /// The organisation's latest judgement at or above a grade (a code of its scale).
    Rating {
        /// The organisation.
        organisation: Code,
        /// The grade to reach, e.g. `requires_improvement` or `good`.
        at_least: String,
    },
    /// No leadership change in the organisation for at least this many months.
    LeadershipStable {
        /// The organisation.
        organisation: Code,
        /// How many months.
        months: u32,
    },
    /// Judged by a named person, with evidence attached.
    Judged {
        /// What must be true.
        description: String,
        /// Who judges it.
        judge: String,
    },
}

/// What a criterion belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "of", content = "id", rename_all = "snake_case")]
pub enum CriterionOf {
    /// A theme of the plan.
    Theme(i64),
    /// An action of the plan.
    Action(i64),
    /// The intervention's exit.
    Exit(ExitKind),
}

/// Whether every action of a plan is structural (and there is at least one): the report's
/// warning that structural change alone seldom turns an organisation round.
pub fn all_structural(tags: &[ActionTag]) -> bool {
    !tags.is_empty() && tags.iter().all(|t| *t == ActionTag::Structural)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_of_structures_alone_is_flagged() {
        assert!(all_structural(&[ActionTag::Structural, ActionTag::Structural]));
        assert!(!all_structural(&[ActionTag::Structural, ActionTag::Culture]));
        assert!(!all_structural(&[]));
        assert_eq!("capacity".parse::<ActionTag>(), Ok(ActionTag::Capacity));
        assert!("merger".parse::<ActionTag>().unwrap_err().to_string().contains("structural, leadership"));
        assert!(TargetSide::AtMost.meets(20.0, 20.0) && !TargetSide::AtMost.meets(20.1, 20.0));
    }
}
