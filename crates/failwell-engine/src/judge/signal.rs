//! A signal: one piece of evidence that something about an organisation has changed or
//! is wrong, with everything needed to check it by hand.
//!
//! Signals are deterministic and keyed (organisation, source, rule, start), so an
//! ongoing signal keeps its key from one scan to the next and can later be persisted,
//! acknowledged or tracked as one thing.

pub use crate::judge::signal_rule::SignalRule;
use failwell_domain::{FailureType, IndicatorKind, Period};
use failwell_stats::spc::{Limits, Side};
use serde::{Deserialize, Serialize};
use time::Date;

/// Which way a signal points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Things are getting worse, or are bad.
    Concern,
    /// Things are getting better.
    Improvement,
    /// A change with no better direction (a context or neutral measure moved).
    Neutral,
}

impl Direction {
    /// The code used in JSON and in the store.
    pub fn code(self) -> &'static str {
        match self {
            Direction::Concern => "concern",
            Direction::Improvement => "improvement",
            Direction::Neutral => "neutral",
        }
    }
}

/// How much a signal weighs before the regime's weights apply.
///
/// Three steps rather than a continuous number: a person has to be able to say why a
/// signal is strong, and "a failing grade" or "a point outside the limits" says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Worth watching: a trend, two-in-three, an old inspection.
    Weak,
    /// A clear statistical signal or a drop in grade.
    Moderate,
    /// A failing grade, a formal designation, harm made public.
    Strong,
}

impl Strength {
    /// Points a signal of this strength adds to a failure type's score (times its weight).
    ///
    /// Doubling per step: one strong signal outweighs a moderate and a weak one together,
    /// so a statutory judgement of failure is not drowned by noise, yet several
    /// statistical signals still add up.
    pub fn points(self) -> f64 {
        match self {
            Strength::Weak => 1.0,
            Strength::Moderate => 2.0,
            Strength::Strong => 4.0,
        }
    }
}

/// Where a signal's evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// An indicator series (SPC, funnel or CUSUM).
    Indicator,
    /// Inspection judgements.
    Inspection,
    /// A regulatory or organisational event.
    Event,
}

/// How a signal is to be read once its context is known (the report's Insight 7:
/// failure can appear to get worse before it gets better).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reading {
    /// Read as it stands.
    AsIs,
    /// A rise in a reporting-culture indicator after a designation of failure, with no
    /// outcome indicator worsening: probably a surge of honest reporting. Not counted as
    /// deterioration.
    ProbableHonestReporting,
    /// A rise in a reporting-culture indicator after a designation, but outcome indicators
    /// worsen with it: read as real deterioration.
    DeteriorationConfirmedByOutcomes,
    /// Most organisations with the indicator moved the same way at the same time: common
    /// cause at national level (the report's "external" failure), shown once in the scan's
    /// national view and not counted as this organisation's own deterioration. Whether it
    /// moved further than its peers is for the peer-relative evidence to say.
    NationalShift,
    /// A percentage of so few people that chance alone at that number explains the
    /// signal: within exact binomial limits (judge/small_numbers.rs). Not counted.
    SmallNumbers,
    /// A designation whose end the data does not record, begun longer ago than the
    /// regime's definition `designation_without_exit` takes such a designation to last:
    /// shown with its age, not counted, and not the current rung (judge/events.rs).
    NoExitRecorded,
    /// A signal on a series that stopped long before most organisations' latest period
    /// (past [`crate::judge::returns::stopped_after`]: the organisation closed, merged or no
    /// longer provides the service): history, shown but not counted (judge/returns.rs).
    SeriesStopped,
}

/// Who judged: the regime version and the rule set, so a judgement can be re-run and
/// compared when either changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgedBy {
    /// The regime's id.
    pub regime: String,
    /// The regime file's version.
    pub regime_version: String,
    /// The rule set (`mdc` for SPC, `failwell-engine-1` for the engine's own rules).
    pub rule_set: String,
}

/// One point shown as evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidencePoint {
    /// The period (series) or date (inspection, event).
    pub period: String,
    /// The value, or `None` when withheld.
    pub value: Option<f64>,
    /// A grade or event type, for non-numeric evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// What the signal rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The points the rule caught (series) or the judgements and events involved.
    pub points: Vec<EvidencePoint>,
    /// The SPC limits the points were judged against, for series signals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
    /// One sentence saying what was found (for SPC, the statistics crate's own sentence).
    pub explanation: String,
    /// For funnel and CUSUM signals: the funnel or the CUSUM run behind them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<crate::judge::counts::CountEvidence>,
}

/// A signal about one organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// Stable key: `organisation|source|rule|start`.
    pub key: String,
    /// The organisation's code.
    pub organisation: String,
    /// What kind of evidence.
    pub source_kind: SourceKind,
    /// The indicator code, inspection framework or event type.
    pub source: String,
    /// The indicator code, for series signals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
    /// The rule that found it, e.g. `spc.shift`, `inspection.failing_grade`.
    pub rule: SignalRule,
    /// Concern, improvement or neutral.
    pub direction: Direction,
    /// For series: whether the points are high (above the mean, rising) or low.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    /// Weak, moderate or strong.
    pub strength: Strength,
    /// The failure types it is evidence of.
    pub failure_types: Vec<FailureType>,
    /// For series: the indicator's kind (`outcome`, `process`, `reporting_culture`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator_kind: Option<IndicatorKind>,
    /// The first period covered: a reporting period for a series, the day itself
    /// ([`Period::Day`]) for an inspection or an event.
    pub start: Period,
    /// The last period covered, in the same terms.
    pub end: Period,
    /// The day from which the signal could be known (latest publication involved).
    #[serde(
        default,
        serialize_with = "failwell_domain::dates::serialize_iso_option",
        deserialize_with = "failwell_domain::dates::deserialize_iso_option"
    )]
    pub known_from: Option<Date>,
    /// How to read it in context.
    pub reading: Reading,
    /// The regime version and rule set that judged it.
    pub judged_by: JudgedBy,
    /// Its life across recorded scans: since when it has been seen (absent when the store
    /// has no record of scans to compare with, e.g. in tests built in memory).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tracking: Option<Tracking>,
    /// What it rests on.
    pub evidence: EvidenceJson,
}

/// A signal's evidence, held as the JSON it is printed and recorded as.
///
/// Evidence is written once, when the signal is judged, and after that only copied: into
/// the report, into the record of signals across scans, and into the recorded results an
/// incremental scan reads back. At England scale that is 40,000 signals with their points,
/// and parsing and printing the points again at each step cost more than judging did.
/// [`EvidenceJson::read`] gives the fields back.
///
/// The text is always JSON: it is serde_json's own writing, JSON checked when read from
/// elsewhere (`Deserialize`), or text this crate recorded and read back intact (the recorded results
/// carry a checksum).
#[derive(Debug, Clone)]
pub struct EvidenceJson(Box<str>);

impl EvidenceJson {
    /// Writes `evidence` down.
    pub fn new(evidence: &Evidence) -> EvidenceJson {
        // Evidence is strings, numbers (a non-finite one written as null), options and
        // lists of them: serialising it cannot fail, and the text is not parsed again.
        EvidenceJson(serde_json::to_string(evidence).expect("evidence always serialises").into_boxed_str())
    }

    /// Evidence this crate wrote down and read back intact (the recorded results, whose
    /// checksum matched): at England scale, checking 28 MB of it again cost a tenth of
    /// an incremental scan.
    pub(crate) fn recorded(text: &str) -> EvidenceJson {
        EvidenceJson(text.into())
    }

    /// The evidence's fields.
    ///
    /// # Errors
    /// JSON that is not evidence (only from a damaged record).
    pub fn read(&self) -> Result<Evidence, serde_json::Error> {
        serde_json::from_str(&self.0)
    }

    /// Its one-sentence explanation (empty if it cannot be read).
    pub fn explanation(&self) -> String {
        self.read().map(|e| e.explanation).unwrap_or_default()
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq for EvidenceJson {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

/// Written through serde_json's public `RawValue`, the only way it prints text as it
/// is: borrowing one from the text checks that it is JSON (a parse that builds nothing
/// and allocates nothing), so a report is never broken by a damaged record. The check
/// costs only when evidence is printed, never when it is judged, cached or read back.
impl Serialize for EvidenceJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw: &serde_json::value::RawValue = serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for EvidenceJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<serde_json::value::RawValue>::deserialize(d).map(|raw| EvidenceJson(raw.into()))
    }
}

/// A signal's life across recorded scans (see `continuity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    /// Its identity: the key under which a recorded scan first saw it. An SPC run whose
    /// first point moves as its limits are recomputed keeps the identity it had.
    pub id: String,
    /// The as-of day of the first recorded scan that saw it since it was last closed; this
    /// scan's day when none had (a closed signal that returns is new again).
    pub first_seen: String,
}

impl Signal {
    /// Builds the stable key of a signal.
    pub fn make_key(organisation: &str, source: &str, rule: SignalRule, start: Period) -> String {
        format!("{organisation}|{source}|{rule}|{start}")
    }

    /// A hash of everything the signal's record holds, to find the few signals of a scan
    /// that changed since the last without writing each out as JSON (40,000 ongoing
    /// signals at England scale): the hash of its canonical form
    /// ([`crate::judge::signal_form`]), which no cache layout changes.
    pub fn content_hash(&self) -> String {
        crate::judge::signal_form::content_hash(self)
    }

    /// Whether the signal counts towards risk: concerns, except those read as honest
    /// reporting or as part of a national shift.
    pub fn counts_as_concern(&self) -> bool {
        self.direction == Direction::Concern && !self.read_away()
    }

    /// Whether its reading takes it out of the organisation's own evidence of change
    /// (honest reporting, a national shift, small numbers, a designation long past with
    /// no exit recorded, a series that has stopped).
    pub fn read_away(&self) -> bool {
        matches!(
            self.reading,
            Reading::ProbableHonestReporting
                | Reading::NationalShift
                | Reading::SmallNumbers
                | Reading::NoExitRecorded
                | Reading::SeriesStopped
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Evidence, EvidenceJson, EvidencePoint};

    fn evidence() -> EvidenceJson {
        EvidenceJson::new(&Evidence {
            points: vec![EvidencePoint { period: "2024-03".into(), value: Some(12.5), label: None }],
            limits: None,
            explanation: "a \"quoted\" reason".into(),
            counts: None,
        })
    }

    #[test]
    fn evidence_is_written_as_the_json_it_holds() {
        let e = evidence();
        #[derive(serde::Serialize)]
        struct Holder<'a> {
            evidence: &'a EvidenceJson,
        }
        let text = serde_json::to_string(&Holder { evidence: &e }).unwrap();
        assert_eq!(text, format!("{{\"evidence\":{}}}", e.as_str()));
        let pretty = serde_json::to_string_pretty(&Holder { evidence: &e }).unwrap();
        assert!(pretty.contains(e.as_str()), "{pretty}");
        // Into a value too, as parsed JSON rather than a string.
        let value = serde_json::to_value(&e).unwrap();
        assert_eq!(value["explanation"], "a \"quoted\" reason");
        assert_eq!(value["points"][0]["value"], 12.5);
    }

    #[test]
    fn evidence_reads_back_and_text_that_is_not_json_is_refused() {
        let e = evidence();
        let back: EvidenceJson = serde_json::from_str(e.as_str()).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.read().unwrap().explanation, "a \"quoted\" reason");
        assert!(serde_json::from_str::<EvidenceJson>("{\"points\":[").is_err());
        assert!(serde_json::from_str::<EvidenceJson>("{} trailing").is_err());
    }
}
