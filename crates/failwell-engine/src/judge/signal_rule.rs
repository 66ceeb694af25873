//! The rule that found a signal, as a type rather than a dotted string.
//!
//! Every signal names its rule as `family.name` (`spc.shift`, `inspection.failing_grade`,
//! `event.statutory_direction`): the name the regime's weights, the backtest's signal
//! table, the stored records and every output use. Holding it as [`SignalRule`] means the
//! judging code asks "is this an SPC rule?" with a `match`, not `starts_with("spc.")`,
//! and a misspelt rule is a compile error instead of a signal no weight ever finds. The
//! text form is unchanged (the scan's output is byte-identical, pinned by the demo test):
//! it is written with [`std::fmt::Display`] and read back with [`std::str::FromStr`].

use failwell_domain::EventType;
use failwell_stats::spc::Rule as SpcRule;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// What found a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignalRule {
    /// A Making Data Count rule on the organisation's own chart (`spc.<rule>`).
    Spc(SpcRule),
    /// Outside a funnel limit against its peers in a period (`funnel.outside_95`, `funnel.outside_998`).
    Funnel(FunnelLimit),
    /// A CUSUM of observed against expected counts crossed its threshold (`cusum.signal`).
    Cusum,
    /// What an inspection said (`inspection.failing_grade`, …).
    Inspection(InspectionRule),
    /// A return the organisation should have made is missing (`returns.missing`).
    ReturnsMissing,
    /// A dated fact in force or recent (`event.<event type>`).
    Event(EventType),
    /// Leaders changing faster than the regime allows (`event.leadership_churn`).
    LeadershipChurn,
}

/// The funnel limit a point lies outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FunnelLimit {
    /// The 95 % limit (about 2 SD): a weak signal.
    Outside95,
    /// The 99.8 % limit (about 3 SD): a moderate one.
    Outside998,
}

/// What an inspection signal says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InspectionRule {
    /// The latest judgement is on the scale's failing grades.
    FailingGrade,
    /// The latest judgement is worse than the one before.
    GradeDrop,
    /// The latest judgement is better than the one before.
    GradeRise,
    /// The latest judgement is older than the regime's cycle.
    Stale,
}

impl SignalRule {
    /// The family: `spc`, `funnel`, `cusum`, `inspection`, `returns` or `event`.
    pub fn family(self) -> &'static str {
        match self {
            SignalRule::Spc(_) => "spc",
            SignalRule::Funnel(_) => "funnel",
            SignalRule::Cusum => "cusum",
            SignalRule::Inspection(_) => "inspection",
            SignalRule::ReturnsMissing => "returns",
            SignalRule::Event(_) | SignalRule::LeadershipChurn => "event",
        }
    }

    /// The name within the family.
    pub fn name(self) -> &'static str {
        match self {
            SignalRule::Spc(rule) => rule.as_str(),
            SignalRule::Funnel(FunnelLimit::Outside95) => "outside_95",
            SignalRule::Funnel(FunnelLimit::Outside998) => "outside_998",
            SignalRule::Cusum => "signal",
            SignalRule::Inspection(InspectionRule::FailingGrade) => "failing_grade",
            SignalRule::Inspection(InspectionRule::GradeDrop) => "grade_drop",
            SignalRule::Inspection(InspectionRule::GradeRise) => "grade_rise",
            SignalRule::Inspection(InspectionRule::Stale) => "stale",
            SignalRule::ReturnsMissing => "missing",
            SignalRule::Event(event) => event.code(),
            SignalRule::LeadershipChurn => "leadership_churn",
        }
    }

    /// Whether it reads a chart of a series (SPC, funnel or CUSUM): such a signal's
    /// start moves as its run grows, so its record continues across keys.
    pub fn reads_a_chart(self) -> bool {
        matches!(self, SignalRule::Spc(_) | SignalRule::Funnel(_) | SignalRule::Cusum)
    }

    /// Whether it says something changed (an SPC rule, a grade dropping or rising),
    /// rather than how things stand.
    pub fn is_change(self) -> bool {
        matches!(
            self,
            SignalRule::Spc(_) | SignalRule::Inspection(InspectionRule::GradeDrop | InspectionRule::GradeRise)
        )
    }
}

impl fmt::Display for SignalRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.family(), self.name())
    }
}

/// A rule name that is not one of failwell's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown signal rule {0:?}: expected family.name, e.g. spc.shift or event.statutory_direction")]
pub struct UnknownRule(pub String);

impl FromStr for SignalRule {
    type Err = UnknownRule;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownRule(s.to_string());
        let (family, name) = s.split_once('.').ok_or_else(unknown)?;
        let rule = match (family, name) {
            ("spc", "outside_limits") => SignalRule::Spc(SpcRule::OutsideLimits),
            ("spc", "trend") => SignalRule::Spc(SpcRule::Trend),
            ("spc", "two_in_three") => SignalRule::Spc(SpcRule::TwoInThree),
            ("spc", "shift") => SignalRule::Spc(SpcRule::Shift),
            ("funnel", "outside_95") => SignalRule::Funnel(FunnelLimit::Outside95),
            ("funnel", "outside_998") => SignalRule::Funnel(FunnelLimit::Outside998),
            ("cusum", "signal") => SignalRule::Cusum,
            ("inspection", "failing_grade") => SignalRule::Inspection(InspectionRule::FailingGrade),
            ("inspection", "grade_drop") => SignalRule::Inspection(InspectionRule::GradeDrop),
            ("inspection", "grade_rise") => SignalRule::Inspection(InspectionRule::GradeRise),
            ("inspection", "stale") => SignalRule::Inspection(InspectionRule::Stale),
            ("returns", "missing") => SignalRule::ReturnsMissing,
            ("event", "leadership_churn") => SignalRule::LeadershipChurn,
            ("event", code) => SignalRule::Event(code.parse().map_err(|_| unknown())?),
            _ => return Err(unknown()),
        };
        Ok(rule)
    }
}

/// Ordered as their text is (`family`, then `name`; `.` sorts before any letter of a
/// name), so that sorting by rule gives the order the output always had.
impl Ord for SignalRule {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.family(), self.name()).cmp(&(other.family(), other.name()))
    }
}

impl PartialOrd for SignalRule {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares with a rule's text (`spc.shift`) without writing it out.
impl PartialEq<str> for SignalRule {
    fn eq(&self, other: &str) -> bool {
        other.split_once('.').is_some_and(|(family, name)| family == self.family() && name == self.name())
    }
}

impl PartialEq<&str> for SignalRule {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl Serialize for SignalRule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SignalRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_reads_back_from_its_text_and_compares_with_it() {
        let mut rules = vec![
            SignalRule::Spc(SpcRule::OutsideLimits),
            SignalRule::Spc(SpcRule::Trend),
            SignalRule::Spc(SpcRule::TwoInThree),
            SignalRule::Spc(SpcRule::Shift),
            SignalRule::Funnel(FunnelLimit::Outside95),
            SignalRule::Funnel(FunnelLimit::Outside998),
            SignalRule::Cusum,
            SignalRule::Inspection(InspectionRule::FailingGrade),
            SignalRule::Inspection(InspectionRule::GradeDrop),
            SignalRule::Inspection(InspectionRule::GradeRise),
            SignalRule::Inspection(InspectionRule::Stale),
            SignalRule::ReturnsMissing,
            SignalRule::Event(EventType::StatutoryDirection),
            SignalRule::LeadershipChurn,
        ];
        for rule in &rules {
            let text = rule.to_string();
            assert_eq!(text.parse::<SignalRule>().as_ref(), Ok(rule), "{text}");
            assert!(*rule == text.as_str(), "{text}");
            assert!(*rule != "spc.shiftx" && *rule != "shift", "{text}");
            let json = serde_json::to_string(rule).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<SignalRule>(&json).unwrap(), *rule);
        }
        assert_eq!(SignalRule::Event(EventType::StatutoryDirection).to_string(), "event.statutory_direction");
        // Sorted as their text is.
        let texts: Vec<String> = {
            let mut t: Vec<String> = rules.iter().map(ToString::to_string).collect();
            t.sort();
            t
        };
        rules.sort();
        assert_eq!(rules.iter().map(ToString::to_string).collect::<Vec<_>>(), texts);
        for bad in ["spc.nothing", "event.no_such_event", "spc", "", "returns.late"] {
            assert_eq!(bad.parse::<SignalRule>(), Err(UnknownRule(bad.to_string())), "{bad}");
        }
    }

    #[test]
    fn families_say_what_kind_of_evidence() {
        assert!(SignalRule::Cusum.reads_a_chart() && SignalRule::Funnel(FunnelLimit::Outside95).reads_a_chart());
        assert!(!SignalRule::LeadershipChurn.reads_a_chart());
        assert!(SignalRule::Inspection(InspectionRule::GradeDrop).is_change());
        assert!(!SignalRule::Inspection(InspectionRule::FailingGrade).is_change());
        assert!(!SignalRule::Funnel(FunnelLimit::Outside998).is_change());
    }
}
