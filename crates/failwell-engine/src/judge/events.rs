//! Signals from regulatory events, and the rung an organisation stands on now.
//!
//! A designation (special measures, a notice, a direction, commissioners) is both
//! evidence of failure and the current rung; harm or a financial crisis made public is
//! strong evidence for a while after it became known.

use crate::dates::{iso, months_between};
use crate::judge::signal::{
    Direction, Evidence, EvidenceJson, EvidencePoint, JudgedBy, Reading, Signal, SignalRule, SourceKind, Strength,
};
use failwell_domain::regime::{Definition, Ladder, Regime, Rung, RungKind};
use failwell_domain::{Event, EventType, FailureType, Period};
use time::Date;

/// What the events say, for the assessment and trigger rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFacts {
    /// Designations in force at the as-of day: (rung kind, start, event type).
    pub active: Vec<(RungKind, Date, EventType)>,
    /// Harm to service users made public recently (a serious incident).
    pub harm: bool,
    /// The latest designation of failure on or before the as-of day, if any.
    pub designated_on: Option<Date>,
}

/// The rung kind an event puts an organisation on, and the event type that ends it.
pub(crate) fn designation(t: EventType) -> Option<(RungKind, Option<EventType>)> {
    Some(match t {
        EventType::SpecialMeasuresIn => (RungKind::SpecialMeasures, Some(EventType::SpecialMeasuresOut)),
        EventType::CommissionersAppointed => (RungKind::Commissioners, Some(EventType::CommissionersWithdrawn)),
        EventType::ImprovementBoardSetUp => (RungKind::ImprovementBoard, Some(EventType::ImprovementBoardEnded)),
        EventType::ImprovementNotice | EventType::WarningNotice => {
            (RungKind::FormalNotice, Some(EventType::InterventionLifted))
        }
        EventType::StatutoryDirection => (RungKind::Direction, Some(EventType::InterventionLifted)),
        EventType::ServiceTransferred => (RungKind::StructuralChange, Some(EventType::ServiceReturned)),
        _ => return None,
    })
}

/// The regime's definition of how long a designation with no recorded exit is taken to
/// last: data on interventions records most starts and few ends (the demo's README says
/// so), and without it a trust put into special measures in 2013 would stand on that
/// rung for ever.
pub const DESIGNATION_WITHOUT_EXIT: &str = "designation_without_exit";

/// How long a designation with no recorded end is taken to last, by rung kind, from the
/// regime's definition [`DESIGNATION_WITHOUT_EXIT`] in force on the day (threshold
/// `<rung kind>_months`); a kind it does not name lasts until its end is recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssumedEnds<'r> {
    /// The definition in force, cited by the signals it reads.
    definition: Option<&'r Definition>,
}

impl<'r> AssumedEnds<'r> {
    /// The assumption of `regime` on `today` (none when it has no such definition).
    pub fn of(regime: &'r Regime, today: Date) -> AssumedEnds<'r> {
        AssumedEnds { definition: regime.definition_at(DESIGNATION_WITHOUT_EXIT, today) }
    }

    /// When a designation of `kind` begun on `start` with no end recorded is taken to
    /// have ended, if the definition says.
    pub(crate) fn end(&self, kind: RungKind, start: Date) -> Option<Date> {
        let months = self.definition?.thresholds.get(&format!("{}_months", kind.as_str()))?;
        failwell_domain::dates::add_months(start, months.max(0.0) as u32)
    }
}

/// Default failure types of an event that names none.
fn default_types(t: EventType) -> Vec<FailureType> {
    match t {
        EventType::FinancialDistress => vec![FailureType::Financial],
        EventType::GovernanceInspection | EventType::CommissionersAppointed => vec![FailureType::Governance],
        _ => vec![FailureType::Performance, FailureType::Governance],
    }
}

/// Signals and facts from one organisation's events known on `today`.
///
/// A designation ends with its end event, or on its own `ended_on` day. Notices and
/// directions end with an `intervention_lifted` event where the data has one; most do
/// not, so they are also taken as lifted once a later inspection judgement is not
/// failing (`lifted_on`), the usual exit in children's services. Any other designation
/// with no end recorded is taken to have ended when `assumed` says (special measures,
/// commissioners, improvement boards: the regime's `designation_without_exit`); its
/// signal is then read as [`Reading::NoExitRecorded`]: shown, not counted, not a rung.
pub fn event_signals(
    organisation: &str,
    events: &[Event],
    (lifted_on, assumed): (Option<Date>, &AssumedEnds<'_>),
    today: Date,
    recent_months: i64,
    judged_by: &JudgedBy,
) -> (Vec<Signal>, EventFacts) {
    let mut sorted: Vec<&Event> =
        events.iter().filter(|e| e.occurred_on <= today && e.published_on.is_none_or(|p| p <= today)).collect();
    sorted.sort_by_key(|e| (e.occurred_on, e.event_type));
    let mut facts = EventFacts::default();
    let mut active: Vec<(RungKind, &Event)> = Vec::new();
    for e in &sorted {
        if let Some((kind, _)) = designation(e.event_type) {
            active.retain(|(k, _)| *k != kind);
            active.push((kind, e));
            facts.designated_on = Some(facts.designated_on.map_or(e.occurred_on, |d: Date| d.max(e.occurred_on)));
        }
        active.retain(|(_, start)| designation(start.event_type).and_then(|(_, end)| end) != Some(e.event_type));
    }
    active.retain(|(kind, start)| {
        start.ended_on.is_none_or(|end| end > today)
            && (!matches!(kind, RungKind::FormalNotice | RungKind::Direction)
                || lifted_on.is_none_or(|l| l < start.occurred_on))
    });
    // Designations with no end recorded, older than the regime takes them to last, with
    // the day it takes them to have ended.
    let mut long_past = Vec::new();
    active.retain(|(kind, start)| {
        match start.ended_on.map_or_else(|| assumed.end(*kind, start.occurred_on), |_| None) {
            Some(end) if end <= today => {
                long_past.push((*kind, *start, end));
                false
            }
            _ => true,
        }
    });

    let make = |e: &Event, rule: SignalRule, strength: Strength, explanation: String| {
        let start = Period::Day(e.occurred_on);
        let failure_types =
            if e.failure_types.is_empty() { default_types(e.event_type) } else { e.failure_types.clone() };
        Signal {
            key: Signal::make_key(organisation, e.event_type.code(), rule, start),
            organisation: organisation.to_string(),
            source_kind: SourceKind::Event,
            source: e.event_type.code().to_string(),
            indicator: None,
            rule,
            direction: Direction::Concern,
            side: None,
            strength,
            failure_types,
            indicator_kind: None,
            start,
            end: e.ended_on.map_or(start, Period::Day),
            known_from: Some(e.published_on.unwrap_or(e.occurred_on)),
            reading: Reading::AsIs,
            judged_by: judged_by.clone(),
            tracking: None,
            evidence: EvidenceJson::new(&Evidence {
                points: vec![EvidencePoint {
                    period: iso(e.occurred_on),
                    value: None,
                    label: Some(format!("{}: {}", e.event_type, e.title)),
                }],
                limits: None,
                explanation,
                counts: None,
            }),
        }
    };

    let mut out = Vec::new();
    for (kind, e, end) in &long_past {
        let (id, version) = assumed.definition.map(|d| (d.id.as_str(), d.version.as_str())).unwrap_or_default();
        let end = iso(*end);
        let mut signal = make(
            e,
            SignalRule::Event(e.event_type),
            Strength::Strong,
            format!(
                "Began {}: {} ({}). The data records no exit; under the regime's definition {id} (version {version}) a designation of this kind with no exit recorded is taken to have ended by {end}, so it is not counted and is not the current rung. Check the overseer's current list.",
                iso(e.occurred_on),
                e.title,
                kind.as_str()
            ),
        );
        signal.reading = Reading::NoExitRecorded;
        out.push(signal);
    }
    for (kind, e) in &active {
        facts.active.push((*kind, e.occurred_on, e.event_type));
        out.push(make(
            e,
            SignalRule::Event(e.event_type),
            Strength::Strong,
            format!("In force since {}: {} ({}).", iso(e.occurred_on), e.title, kind.as_str()),
        ));
    }
    for e in &sorted {
        let recent = months_between(e.published_on.unwrap_or(e.occurred_on), today) < recent_months;
        let strength = match e.event_type {
            EventType::SeriousIncidentReported | EventType::FinancialDistress => Strength::Strong,
            EventType::GovernanceInspection => Strength::Moderate,
            _ => continue,
        };
        if !recent {
            continue;
        }
        if e.event_type == EventType::SeriousIncidentReported {
            facts.harm = true;
        }
        out.push(make(
            e,
            SignalRule::Event(e.event_type),
            strength,
            format!("Made public {} (within the last {recent_months} months): {}.", iso(e.occurred_on), e.title),
        ));
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    (out, facts)
}

/// The rung an organisation stands on: the heaviest rung of `ladder` whose kind matches
/// a designation in force, else the ladder's lightest rung.
pub fn current_rung<'l>(ladder: &'l Ladder, facts: &EventFacts) -> Option<&'l Rung> {
    facts
        .active
        .iter()
        .filter_map(|(kind, _, _)| ladder.rungs.iter().filter(|r| r.kind == *kind).max_by_key(|r| r.level))
        .max_by_key(|r| r.level)
        .or_else(|| ladder.lightest())
}

/// Whether `e` may set a rung of `sector`'s ladder: not when its actor is a regime actor
/// that acts only in other sectors. A council is judged on its children's services
/// ladder, and a Best Value commissioner sent by the local government ministry is
/// evidence of failure there but not a children's services commissioner. Actors the
/// regime does not list (a name rather than an id) are taken at their word.
pub fn acts_in_sector(regime: &Regime, sector: &str, e: &Event) -> bool {
    regime.actor(&e.actor).is_none_or(|a| a.sectors.is_empty() || a.sectors.iter().any(|s| s == sector))
}

/// The rung an organisation with no designation in force is inferred to stand on: when
/// it stands on the ladder's lightest rung, its latest judgement is `failing`, and a rule
/// flagged `allow_jump` (the regime's mark of a statutory trigger, such as an Inadequate
/// judgement) holds, the rung the regime's rules ask for in response (the first
/// recommendation's). `None` otherwise: an inferred rung is never universal monitoring.
pub fn inferred_rung<'l>(
    ladder: &'l Ladder,
    current: &Rung,
    failing: bool,
    first: &crate::judge::ladder::Recommendation,
) -> Option<&'l Rung> {
    let lightest = ladder.lightest()?;
    if !failing || current.level != lightest.level || !first.rules.iter().any(|f| f.allow_jump) {
        return None;
    }
    ladder.rung(&first.recommended.id).filter(|r| r.level > lightest.level)
}
