//! Closed vocabularies: the small sets of words a field may take.
//!
//! Each is an enum with a stable snake_case code, so files, the store and the API agree
//! on spelling and an unknown word is refused with the list of words that would do.

use serde::{Deserialize, Serialize};

/// Declares an enum whose variants have fixed codes, with `code()`, `ALL`, `FromStr`
/// (naming the allowed codes on error) and `Display`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every word, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable code written in files and the store.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::vocab::UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $($code $(| $alias)* => Ok($name::$variant),)+
                    other => Err(crate::vocab::UnknownWord {
                        word: other.to_string(),
                        allowed: vec![$($code),+].join(", "),
                    }),
                }
            }
        }
    };
}

/// A word outside its vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{word:?} is not one of: {allowed}")]
pub struct UnknownWord {
    /// What was given.
    pub word: String,
    /// The words that would do.
    pub allowed: String,
}

vocabulary! {
    /// Which way is better for an indicator. Needed to call a special cause an improvement or a concern.
    Polarity {
        /// More is better (e.g. the share of children in long-term stable placements).
        HigherIsBetter = "higher_is_better",
        /// More is worse (e.g. four-hour A&E breaches).
        HigherIsWorse = "higher_is_worse" | "lower_is_better",
        /// Neither: a context measure such as demand.
        Neutral = "neutral",
    }
}

vocabulary! {
    /// What an indicator tells us: the report insists that a rise in reporting is not the same as a rise in harm.
    IndicatorKind {
        /// What happens to service users.
        Outcome = "outcome",
        /// How the service runs.
        Process = "process",
        /// How willing staff and partners are to report (incidents, referrals, exclusions): after a designation, these rise honestly.
        ReportingCulture = "reporting_culture",
        /// Background such as population or demand.
        Context = "context",
    }
}

vocabulary! {
    /// Which statistical method the scan applies to an indicator's series.
    Method {
        /// Making Data Count XmR chart over time.
        Spc = "spc",
        /// Funnel plot against the peer group in each period.
        Funnel = "funnel",
        /// CUSUM of observed against expected counts.
        Cusum = "cusum",
        /// Stored and shown, not scanned.
        None = "none",
    }
}

vocabulary! {
    /// What an observation carries beside its value.
    Counts {
        /// A value only.
        None = "none",
        /// A proportion or rate with its numerator and denominator (funnel plots need them).
        NumeratorDenominator = "numerator_denominator",
        /// An observed count with an expected count (indirectly standardised ratios, CUSUM).
        ObservedExpected = "observed_expected",
    }
}

vocabulary! {
    /// A publisher's reason for withholding a number. Missing is never zero.
    Suppression {
        /// Suppressed to protect confidentiality.
        Confidential = "c",
        /// Not available.
        NotAvailable = "x",
        /// Not applicable.
        NotApplicable = "z",
        /// Low reliability.
        LowReliability = "u",
        /// Rounds to zero but is not zero.
        Low = "low",
    }
}

vocabulary! {
    /// How two organisations are linked. Links are dated: partnerships begin and end.
    LinkType {
        /// Organisational part of a larger body (a school in an academy trust).
        PartOf = "part_of",
        /// Member of a group: a region, a health economy, a benchmark group.
        MemberOf = "member_of",
        /// Agencies that share a duty (council, children's services, police, health).
        PartnerAgency = "partner_agency",
        /// A statistical neighbour; `rank` says how close (1 = closest).
        Neighbour = "neighbour",
        /// A partner or "buddy" body supporting a turnaround (a partner trust).
        Buddy = "buddy",
        /// A peer in a learning network or peer-review relationship.
        Peer = "peer",
        /// The first organisation became (or was merged into) the second: one journey across a change of shape.
        PredecessorOf = "predecessor_of",
    }
}

vocabulary! {
    /// Regulatory and organisational events on an organisation's timeline.
    EventType {
        /// A formal warning notice.
        WarningNotice = "warning_notice",
        /// A (non-statutory) improvement notice.
        ImprovementNotice = "improvement_notice",
        /// A statutory direction.
        StatutoryDirection = "statutory_direction",
        /// Placed in special measures.
        SpecialMeasuresIn = "special_measures_in",
        /// Taken out of special measures.
        SpecialMeasuresOut = "special_measures_out",
        /// Commissioners appointed.
        CommissionersAppointed = "commissioners_appointed",
        /// Commissioners withdrawn or powers returned.
        CommissionersWithdrawn = "commissioners_withdrawn",
        /// An improvement board set up.
        ImprovementBoardSetUp = "improvement_board_set_up",
        /// An improvement board stood down.
        ImprovementBoardEnded = "improvement_board_ended",
        /// A peer review or peer challenge held.
        PeerReview = "peer_review",
        /// A statutory inspection of governance (e.g. Best Value) reported.
        GovernanceInspection = "governance_inspection",
        /// A chief executive, head or leader changed.
        LeadershipChange = "leadership_change",
        /// A school became an academy.
        AcademyConversion = "academy_conversion",
        /// Organisations merged.
        Merger = "merger",
        /// An improvement plan published.
        ImprovementPlan = "improvement_plan",
        /// A partner or buddy organisation appointed to support.
        PartnerAppointed = "partner_appointed",
        /// A serious case review, inquiry or scandal made public.
        SeriousIncidentReported = "serious_incident_reported",
        /// A financial crisis made public (e.g. a section 114 notice, a deficit).
        FinancialDistress = "financial_distress",
        /// A notice or direction lifted (revoked) by whoever issued it.
        InterventionLifted = "intervention_lifted",
        /// The service handed to someone else to run under a direction: a children's
        /// services trust, or a partnership with a strong council.
        ServiceTransferred = "service_transferred",
        /// The service returned to the organisation (a trust or partnership ended).
        ServiceReturned = "service_returned",
        /// Anything else worth showing on the timeline.
        Other = "other",
    }
}
