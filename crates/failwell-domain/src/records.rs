//! The records failwell keeps: the registry (organisations, links), the indicator
//! catalogue, and the evidence (observations, inspection judgements, events).
//!
//! Every record says where it came from (`source`) and when it became known
//! (`published_on`, or `learned_on` for registry facts), so that the store can answer
//! "what did we know on date D" and a later judgement can be checked by hand.

use crate::code::{Code, Slug};
use crate::failure::FailureType;
use crate::period::Period;
use crate::vocab::*;
use serde::{Deserialize, Serialize};
use time::Date;

/// An organisation, or a group of them (a region, an academy chain, a health economy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    /// The publisher's stable code (GSS, ODS, URN).
    pub code: Code,
    /// The name in use.
    pub name: String,
    /// The regime sector that oversees it (`local_government`, `schools`, `hospitals`, `childrens_services`), or `group`.
    pub sector: Slug,
    /// What kind of body it is (`upper_tier_council`, `acute_trust`, `academy`, `region`, …).
    pub org_type: Slug,
    /// Region name, where one applies.
    pub region: Option<String>,
    /// When it opened, if known.
    pub opened_on: Option<Date>,
    /// When it closed (merged, converted, abolished).
    pub closed_on: Option<Date>,
    /// Where this record came from.
    pub source: String,
    /// When this fact became known.
    pub learned_on: Option<Date>,
}

/// A dated, typed link between two organisations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// The first organisation.
    pub from: Code,
    /// The second organisation.
    pub to: Code,
    /// How they are linked.
    pub link_type: LinkType,
    /// First day the link holds.
    pub valid_from: Option<Date>,
    /// Day the link stops holding (exclusive).
    pub valid_to: Option<Date>,
    /// Order among links of one type (statistical neighbours: 1 = closest).
    pub rank: Option<u32>,
    /// A free note (e.g. DfE's closeness band).
    pub note: String,
    /// Where this record came from.
    pub source: String,
    /// When this fact became known.
    pub learned_on: Option<Date>,
}

/// An indicator in the catalogue, with the version of its definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// Our code for it.
    pub code: Slug,
    /// A title people read.
    pub title: String,
    /// The unit (`count`, `%`, `rate per 10,000 aged 0-17`, `proportion`).
    pub unit: String,
    /// Which way is better.
    pub polarity: Polarity,
    /// Outcome, process, reporting culture or context.
    pub kind: IndicatorKind,
    /// The failure types it gives evidence of.
    pub failure_types: Vec<FailureType>,
    /// The scan's method for its series.
    pub method: Method,
    /// What observations carry beside the value.
    pub counts: Counts,
    /// For a percentage of people: the indicator whose figure, for the same organisation
    /// and period, is how many people it is a percentage of (social workers in post for
    /// an agency rate). One person moves a percentage of five by 20 points: with it, the
    /// scan reads a chart's signal against exact binomial limits at that number, so one
    /// social worker leaving a very small council is not an alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<Slug>,
    /// The definition in words.
    pub definition: String,
    /// The definition's version; judgements record it.
    pub definition_version: String,
    /// First day this definition applies.
    pub valid_from: Option<Date>,
    /// Where this record came from.
    pub source: String,
    /// When this definition became known.
    pub learned_on: Option<Date>,
}

/// One figure for one organisation, indicator and period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The organisation's code.
    pub organisation: Code,
    /// The indicator's code.
    pub indicator: Slug,
    /// The period it is for.
    pub period: Period,
    /// The figure; `None` when the publisher withheld it (then `suppression` says why).
    pub value: Option<f64>,
    /// The publisher's reason for withholding the figure.
    pub suppression: Option<Suppression>,
    /// Numerator of a proportion or rate.
    pub numerator: Option<f64>,
    /// Denominator of a proportion or rate.
    pub denominator: Option<f64>,
    /// Expected count, for observed-against-expected indicators.
    pub expected: Option<f64>,
    /// The day the publisher released it: nothing may use it before then.
    pub published_on: Option<Date>,
    /// Where it came from.
    pub source: String,
}

/// One period of one series with the counts it was published with, at its latest
/// revision as known on a day: what the funnel and CUSUM rules judge (the store reads
/// these rows; judging takes them without knowing the store).
#[derive(Debug, Clone, PartialEq)]
pub struct CountPoint {
    /// The organisation's code.
    pub organisation: String,
    /// The indicator's code.
    pub indicator: String,
    /// The period, in canonical form.
    pub period: String,
    /// The figure (`None` when withheld).
    pub value: Option<f64>,
    /// Numerator (cases), when published.
    pub numerator: Option<f64>,
    /// Denominator (population or attendances), when published.
    pub denominator: Option<f64>,
    /// Expected count (from a risk model), when published.
    pub expected: Option<f64>,
    /// The publication day of this revision.
    pub published_on: Option<Date>,
}

/// Why an observation is not acceptable as it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadObservation {
    /// Neither a value nor a reason for its absence.
    #[error("no value and no publisher's note: a missing figure needs its reason (c, x, z, u or low)")]
    Missing,
    /// Both a value and a suppression note.
    #[error("has both a value and a suppression note {0:?}")]
    ValueAndNote(String),
    /// Not a finite number.
    #[error("{0} is not a finite number")]
    NotFinite(&'static str),
    /// A zero or negative denominator.
    #[error("denominator must be greater than zero")]
    Denominator,
    /// A negative count.
    #[error("{0} must not be negative")]
    Negative(&'static str),
}

impl Observation {
    /// Fills a missing value from numerator/denominator (or observed/expected) and checks
    /// the rules every stored observation keeps.
    pub fn normalise(mut self) -> Result<Observation, BadObservation> {
        if self.value.is_none()
            && self.suppression.is_none()
            && let (Some(n), Some(d)) = (self.numerator, self.denominator)
            && d > 0.0
        {
            self.value = Some(n / d);
        }
        for (name, v) in [
            ("value", self.value),
            ("numerator", self.numerator),
            ("denominator", self.denominator),
            ("expected", self.expected),
        ] {
            if v.is_some_and(|x| !x.is_finite()) {
                return Err(BadObservation::NotFinite(name));
            }
        }
        if self.denominator.is_some_and(|d| d <= 0.0) {
            return Err(BadObservation::Denominator);
        }
        match (self.value, self.suppression) {
            (None, None) => return Err(BadObservation::Missing),
            (Some(_), Some(s)) => return Err(BadObservation::ValueAndNote(s.code().into())),
            _ => {}
        }
        for (name, v) in [("numerator", self.numerator), ("expected", self.expected)] {
            if v.is_some_and(|x| x < 0.0) {
                return Err(BadObservation::Negative(name));
            }
        }
        Ok(self)
    }
}

/// An inspection judgement: an overall grade and grades per domain on one scale version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    /// The organisation's code.
    pub organisation: Code,
    /// Who judged (`ofsted`, `cqc`, …).
    pub regulator: Slug,
    /// The framework (`ilacs`, `sif`, `eif`, …).
    pub framework: Slug,
    /// The rating scale version the grades belong to; grades of different versions are not compared.
    pub scale_version: Slug,
    /// When the inspection took place (its first day).
    pub inspected_on: Date,
    /// When the judgement was published: nothing may use it before then.
    pub published_on: Date,
    /// The overall grade, as a scale code.
    pub overall: Slug,
    /// Grades per domain (key question, judgement area), as (domain, grade) pairs.
    pub domains: Vec<(Slug, Slug)>,
    /// Where it came from.
    pub source: String,
}

/// A regulatory or organisational event on a timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The organisation's code.
    pub organisation: Code,
    /// What happened.
    pub event_type: EventType,
    /// When it happened.
    pub occurred_on: Date,
    /// When it ended, for events with a duration.
    pub ended_on: Option<Date>,
    /// When it became public.
    pub published_on: Option<Date>,
    /// Who acted (an actor id of the regime, or a name).
    pub actor: String,
    /// A one-line title.
    pub title: String,
    /// More detail.
    pub detail: String,
    /// The failure types it concerns.
    pub failure_types: Vec<FailureType>,
    /// Where it came from.
    pub source: String,
}
