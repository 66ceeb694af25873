//! The words of a case: who takes part, with which powers, and what an opening, a step and
//! a closing say.

use crate::code::Code;
use time::Date;

/// A word that is not in a closed list, with the list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {word:?} (expected one of {expected})")]
pub struct UnknownWord {
    /// What the word names.
    pub what: &'static str,
    /// The word given.
    pub word: String,
    /// The accepted words, comma-separated.
    pub expected: String,
}

macro_rules! words {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($(#[$vdoc:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The code written in files, URLs and the store.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::casework::UnknownWord;
            fn from_str(s: &str) -> Result<Self, $crate::casework::UnknownWord> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| $crate::casework::UnknownWord {
                    what: $what,
                    word: s.to_string(),
                    expected: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                })
            }
        }
    };
}
pub(crate) use words;

words!(
    /// A person's part in an intervention.
    CaseRole, "role", {
        /// Leads the commissioners appointed to the organisation.
        LeadCommissioner = "lead_commissioner",
        /// Appointed to drive the improvement (as at Basildon).
        ImprovementDirector = "improvement_director",
        /// Leads the organisation from a stronger one (as at Eltham).
        ExecutiveHead = "executive_head",
        /// Chairs the improvement board (as at West Sussex).
        BoardChair = "board_chair",
        /// Sits on the improvement board.
        BoardMember = "board_member",
        /// A partner or buddy organisation.
        Partner = "partner",
        /// Reviews as a peer.
        PeerReviewer = "peer_reviewer",
        /// Observes for the department.
        DepartmentObserver = "department_observer",
        /// Leads the case for the body that applied the rung (the caseworker).
        CaseLead = "case_lead",
    }
);

words!(
    /// What a person in an intervention may do, lightest first: the report's ladder of
    /// powers, from watching to taking over.
    Power, "power", {
        /// Watch and report.
        Monitor = "monitor",
        /// Advise, without power to require.
        Advise = "advise",
        /// Require named actions (and so move the case up or down the ladder).
        Direct = "direct",
        /// Take over functions.
        Replace = "replace",
    }
);

/// A person taking part in an intervention.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaseActor {
    /// Their name, as the case records it.
    pub name: String,
    /// Their part.
    pub role: CaseRole,
    /// Their power.
    pub power: Power,
    /// Where reminders go, if anywhere.
    pub email: Option<String>,
}

impl std::str::FromStr for CaseActor {
    type Err = String;

    /// Reads `NAME:ROLE:POWER[:EMAIL]`, the form the command line takes.
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(':').map(str::trim).collect();
        let [name, role, power, rest @ ..] = parts.as_slice() else {
            return Err(format!("{s:?}: expected NAME:ROLE:POWER[:EMAIL]"));
        };
        if name.is_empty() {
            return Err(format!("{s:?}: the name is empty"));
        }
        if rest.len() > 1 {
            return Err(format!("{s:?}: expected NAME:ROLE:POWER[:EMAIL]"));
        }
        Ok(CaseActor {
            name: (*name).to_string(),
            role: role.parse().map_err(|e: UnknownWord| e.to_string())?,
            power: power.parse().map_err(|e: UnknownWord| e.to_string())?,
            email: rest.first().filter(|e| !e.is_empty()).map(|e| (*e).to_string()),
        })
    }
}

/// An intervention to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntervention {
    /// The organisations it covers (one or several: a place, a health economy, a chain).
    pub organisations: Vec<Code>,
    /// The sector whose ladder it is on.
    pub sector: String,
    /// The rung (an id of the sector's ladder in force on `start`).
    pub rung: String,
    /// The regime actor applying it (must be one the rung names).
    pub applied_by: String,
    /// The day it starts.
    pub start: Date,
    /// The day it is planned to end, if set.
    pub planned_end: Option<Date>,
    /// The day the report that triggered it was published, for clocks that run from it.
    pub report_published: Option<Date>,
    /// The people taking part.
    pub actors: Vec<CaseActor>,
    /// Why it opens.
    pub reason: String,
    /// Who records it.
    pub opened_by: String,
    /// The accepted decision on a scan's recommendation that it answers, if any.
    pub decision: Option<i64>,
}

/// A move up or down the ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStep {
    /// The rung moved to.
    pub to_rung: String,
    /// The regime actor taking the step.
    pub by: String,
    /// The day.
    pub on: Date,
    /// Why (always required).
    pub reason: String,
    /// Why a step of more than one rung is needed (required for such a step).
    pub jump_reason: Option<String>,
    /// The person on the case who takes it, when one of its people does (a lead
    /// commissioner, say): they must hold the power to direct. `None` when the body that
    /// applied the rung steers the case from outside it.
    pub person: Option<String>,
    /// Who records it.
    pub recorded_by: String,
}

/// What closing an intervention asks for: its lessons, so the library of lessons fills as
/// the work is done.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lessons {
    /// What worked.
    pub worked: String,
    /// What did not.
    pub did_not_work: String,
    /// How it ended (e.g. `capability`, `outcome`, `structural`).
    pub exit: String,
}
