//! A signal's canonical form: the one list of what a signal says, written in a fixed,
//! versioned layout, and the content hash taken of it.
//!
//! A recorded scan compares each ongoing signal's content hash with the one it stored last
//! time, and rewrites only the signals that changed (40,000 ongoing signals at England
//! scale). The hash must therefore change exactly when the signal does, and never because
//! some other layout did: the recorded results' cache has a binary layout of its own,
//! tuned for reading back, and may change without touching a stored hash. Changing this
//! layout changes every stored hash (each open signal is rewritten once, with the same
//! content), so it carries its version, [`VERSION`].
//!
//! The layout is text, one field per line in the order of [`Signal`]'s fields:
//! `name=LENGTH:VALUE` for a present value (the length in bytes, so a value may hold any
//! character), a bare `name` for an absent one, enums by their JSON codes, one
//! `failure_type` line per failure type, and the evidence's JSON as it is recorded.

use crate::judge::signal::{Direction, JudgedBy, Reading, Signal, SourceKind, Strength, Tracking};
use std::fmt::Write as _;

/// The layout's version, its first line.
pub const VERSION: &str = "failwell-signal/1";

/// The signal in its canonical form. The destructuring names every field, so a field
/// added to [`Signal`] and forgotten here does not compile.
pub fn canonical_form(s: &Signal) -> String {
    let Signal {
        key,
        organisation,
        source_kind,
        source,
        indicator,
        rule,
        direction,
        side,
        strength,
        failure_types,
        indicator_kind,
        start,
        end,
        known_from,
        reading,
        judged_by: JudgedBy { regime, regime_version, rule_set },
        tracking,
        evidence,
    } = s;
    let mut out = String::with_capacity(320 + evidence.as_str().len());
    out.push_str(VERSION);
    out.push('\n');
    let mut field = |name: &str, value: Option<&str>| {
        out.push_str(name);
        if let Some(v) = value {
            // Writing to a String cannot fail.
            let _ = write!(out, "={}:", v.len());
            out.push_str(v);
        }
        out.push('\n');
    };
    field("key", Some(key));
    field("organisation", Some(organisation));
    field("source_kind", Some(source_kind_code(*source_kind)));
    field("source", Some(source));
    field("indicator", indicator.as_deref());
    field("rule", Some(&rule.to_string()));
    field("direction", Some(direction_code(*direction)));
    field("side", side.map(|s| s.as_str()));
    field("strength", Some(strength_code(*strength)));
    for t in failure_types {
        field("failure_type", Some(t.code()));
    }
    field("indicator_kind", indicator_kind.map(failwell_domain::IndicatorKind::code));
    field("start", Some(&start.to_string()));
    field("end", Some(&end.to_string()));
    field("known_from", known_from.map(crate::dates::iso).as_deref());
    field("reading", Some(reading_code(*reading)));
    field("regime", Some(regime));
    field("regime_version", Some(regime_version));
    field("rule_set", Some(rule_set));
    let (id, first_seen) = match tracking {
        Some(Tracking { id, first_seen }) => (Some(id.as_str()), Some(first_seen.as_str())),
        None => (None, None),
    };
    field("tracking_id", id);
    field("first_seen", first_seen);
    field("evidence", Some(evidence.as_str()));
    out
}

/// The hash of the signal's canonical form, as stored beside its record.
pub fn content_hash(s: &Signal) -> String {
    crate::stable_hash::stable_hash(canonical_form(s).as_bytes())
}

fn source_kind_code(k: SourceKind) -> &'static str {
    match k {
        SourceKind::Indicator => "indicator",
        SourceKind::Inspection => "inspection",
        SourceKind::Event => "event",
    }
}

fn direction_code(d: Direction) -> &'static str {
    d.code()
}

fn strength_code(s: Strength) -> &'static str {
    match s {
        Strength::Weak => "weak",
        Strength::Moderate => "moderate",
        Strength::Strong => "strong",
    }
}

fn reading_code(r: Reading) -> &'static str {
    match r {
        Reading::AsIs => "as_is",
        Reading::ProbableHonestReporting => "probable_honest_reporting",
        Reading::DeteriorationConfirmedByOutcomes => "deterioration_confirmed_by_outcomes",
        Reading::NationalShift => "national_shift",
        Reading::SmallNumbers => "small_numbers",
        Reading::NoExitRecorded => "no_exit_recorded",
        Reading::SeriesStopped => "series_stopped",
    }
}

#[cfg(test)]
mod tests {
    use super::{canonical_form, content_hash, reading_code, source_kind_code, strength_code};
    use crate::judge::signal::{
        Direction, Evidence, EvidenceJson, JudgedBy, Reading, Signal, SignalRule, SourceKind, Strength, Tracking,
    };
    use failwell_domain::FailureType;

    fn json_code<T: serde::Serialize>(v: T) -> String {
        serde_json::to_value(v).unwrap().as_str().unwrap().to_string()
    }

    #[test]
    fn enum_codes_are_the_json_codes() {
        for k in [SourceKind::Indicator, SourceKind::Inspection, SourceKind::Event] {
            assert_eq!(source_kind_code(k), json_code(k));
        }
        for s in [Strength::Weak, Strength::Moderate, Strength::Strong] {
            assert_eq!(strength_code(s), json_code(s));
        }
        for r in [
            Reading::AsIs,
            Reading::ProbableHonestReporting,
            Reading::DeteriorationConfirmedByOutcomes,
            Reading::NationalShift,
            Reading::SmallNumbers,
            Reading::NoExitRecorded,
            Reading::SeriesStopped,
        ] {
            assert_eq!(reading_code(r), json_code(r));
        }
    }

    fn evidence(explanation: &str) -> Evidence {
        Evidence { points: Vec::new(), limits: None, explanation: explanation.into(), counts: None }
    }

    fn signal() -> Signal {
        Signal {
            key: "E06000002|rereferrals|spc.shift|2019".into(),
            organisation: "E06000002".into(),
            source_kind: SourceKind::Indicator,
            source: "rereferrals".into(),
            indicator: Some("rereferrals".into()),
            rule: SignalRule::Spc(failwell_stats::spc::Rule::Shift),
            direction: Direction::Concern,
            side: None,
            strength: Strength::Moderate,
            failure_types: vec![FailureType::ALL[0]],
            indicator_kind: Some(failwell_domain::IndicatorKind::Outcome),
            start: failwell_domain::Period::Year(2019),
            end: failwell_domain::Period::Year(2024),
            known_from: None,
            reading: Reading::AsIs,
            judged_by: JudgedBy { regime: "england".into(), regime_version: "2026.4".into(), rule_set: "mdc".into() },
            tracking: None,
            evidence: EvidenceJson::new(&evidence("A shift of seven points above the mean.")),
        }
    }

    #[test]
    fn the_form_is_versioned_and_pinned() {
        let form = canonical_form(&signal());
        assert!(form.starts_with("failwell-signal/1\nkey=36:E06000002|rereferrals|spc.shift|2019\n"), "{form}");
        assert!(form.contains("\nside\n"), "an absent value is a bare name: {form}");
        // Pinned: a stored hash is compared with a new one, so this changes only with VERSION.
        assert_eq!(content_hash(&signal()), crate::stable_hash::stable_hash(form.as_bytes()));
        assert_eq!(content_hash(&signal()), "afc5eeb5cd6fa82f");
    }

    #[test]
    fn every_field_reaches_the_hash() {
        let base = content_hash(&signal());
        let changes: Vec<fn(&mut Signal)> = vec![
            |s| s.key.push('x'),
            |s| s.organisation.push('x'),
            |s| s.source_kind = SourceKind::Event,
            |s| s.source.push('x'),
            |s| s.indicator = None,
            |s| s.rule = SignalRule::Spc(failwell_stats::spc::Rule::Trend),
            |s| s.direction = Direction::Improvement,
            |s| s.side = Some(failwell_stats::spc::Side::High),
            |s| s.strength = Strength::Strong,
            |s| s.failure_types.push(FailureType::ALL[1]),
            |s| s.indicator_kind = None,
            |s| s.start = failwell_domain::Period::Year(2020),
            |s| s.end = failwell_domain::Period::Month(2024, 12),
            |s| s.known_from = Some(time::macros::date!(2025 - 01 - 01)),
            |s| s.reading = Reading::NationalShift,
            |s| s.judged_by.regime.push('x'),
            |s| s.judged_by.regime_version.push('x'),
            |s| s.judged_by.rule_set.push('x'),
            |s| s.tracking = Some(Tracking { id: "k".into(), first_seen: "2024-01-01".into() }),
            |s| s.evidence = EvidenceJson::new(&evidence("A shift of eight points above the mean.")),
        ];
        let mut seen = std::collections::BTreeSet::from([base.clone()]);
        for (i, change) in changes.iter().enumerate() {
            let mut s = signal();
            change(&mut s);
            assert!(seen.insert(content_hash(&s)), "change {i} left the hash as it was, or met another's");
        }
        assert_eq!(seen.len(), changes.len() + 1);
    }
}
