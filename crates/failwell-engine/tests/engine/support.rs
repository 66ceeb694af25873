//! A small regime and builders for test evidence.

use failwell_domain::regime::Regime;
use failwell_domain::{Code, Event, EventType, FailureType, IndicatorKind, Inspection, Polarity, Slug};
use failwell_engine::judge::series::IndicatorInfo;
use failwell_engine::judge::signal::{
    Direction, Evidence, EvidenceJson, JudgedBy, Reading, Signal, SourceKind, Strength,
};
use time::Date;

/// A regime with one sector, one scale and a four-rung ladder.
pub const REGIME: &str = r#"
[regime]
id = "test"
version = "7"
name = "Test"
valid_from = 2000-01-01

[[sectors]]
id = "care"
name = "Care"
valid_from = 2000-01-01

[[actors]]
id = "inspectorate"
name = "Inspectorate"
kind = "inspectorate"
sectors = ["care"]
valid_from = 2000-01-01

[[scales]]
id = "rating"
version = "1"
name = "Rating"
sectors = ["care"]
valid_from = 2000-01-01

[[scales.grades]]
code = "good"
label = "Good"
rank = 1

[[scales.grades]]
code = "requires_improvement"
label = "Requires improvement"
rank = 2

[[scales.grades]]
code = "inadequate"
label = "Inadequate"
rank = 3
failing = true

[[ladders]]
id = "care"
sector = "care"
name = "Care ladder"
exit = "outcome"
valid_from = 2000-01-01

[[ladders.rungs]]
id = "universal_monitoring"
name = "Universal monitoring"
kind = "universal_monitoring"
level = 0

[[ladders.rungs]]
id = "peer_review"
name = "Peer review"
kind = "peer_review"
level = 1

[[ladders.rungs]]
id = "adviser"
name = "Adviser"
kind = "support"
level = 2

[[ladders.rungs]]
id = "notice"
name = "Notice"
kind = "formal_notice"
level = 3

[[ladders.rungs]]
id = "special_measures"
name = "Special measures"
kind = "special_measures"
level = 4
"#;

/// Two trigger rules on the test ladder: a failing grade brings a notice (and may jump),
/// early signs a peer review.
pub const TWO_RULES: &str = r#"
[[trigger_rules]]
id = "failing_grade"
ladder = "care"
rung = "notice"
expression = "failing_grade"
allow_jump = true
rationale = "A failing grade brings a notice."
valid_from = 2000-01-01

[[trigger_rules]]
id = "early_signs"
ladder = "care"
rung = "peer_review"
expression = "early_signs"
rationale = "Early signs bring a peer review."
valid_from = 2000-01-01
"#;

/// The test regime plus extra TOML (rules, weights).
pub fn regime(extra: &str) -> Regime {
    Regime::from_toml_str(&format!("{REGIME}\n{extra}")).unwrap_or_else(|e| panic!("{e}"))
}

/// A day.
pub fn day(s: &str) -> Date {
    failwell_domain::dates::parse_date(s).unwrap()
}

/// Who judges in tests.
pub fn judge() -> JudgedBy {
    JudgedBy { regime: "test".into(), regime_version: "7".into(), rule_set: "mdc".into() }
}

/// An indicator.
pub fn indicator(code: &str, polarity: Polarity, kind: IndicatorKind) -> IndicatorInfo {
    IndicatorInfo { code: code.into(), polarity, kind, failure_types: vec![FailureType::Performance] }
}

/// An inspection published 40 days after it took place.
pub fn inspection(org: &str, on: &str, grade: &str) -> Inspection {
    let d = day(on);
    Inspection {
        organisation: Code::new(org).unwrap(),
        regulator: Slug::new("inspectorate").unwrap(),
        framework: Slug::new("full").unwrap(),
        scale_version: Slug::new("rating_1").unwrap(),
        inspected_on: d,
        published_on: d + time::Duration::days(40),
        overall: Slug::new(grade).unwrap(),
        domains: vec![],
        source: "test".into(),
    }
}

/// An event.
pub fn event(org: &str, t: EventType, on: &str) -> Event {
    Event {
        organisation: Code::new(org).unwrap(),
        event_type: t,
        occurred_on: day(on),
        ended_on: None,
        published_on: Some(day(on)),
        actor: "dept".into(),
        title: format!("{t} for {org}"),
        detail: String::new(),
        failure_types: vec![],
        source: "test".into(),
    }
}

/// Annual periods 2010/11 onwards.
pub fn periods(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{}/{:02}", 2010 + i, (11 + i) % 100)).collect()
}

/// A yearly series of `values` (financial years from 2010/11), publication days unknown.
pub fn series_data(values: &[f64]) -> failwell_store::SeriesData {
    let mut data = failwell_store::SeriesData::default();
    for (p, v) in periods(values.len()).iter().zip(values) {
        data.push(p, Some(*v).filter(|v| !v.is_nan()), None);
    }
    data
}

/// A link holding from `from_day` (or always) with no end.
pub fn link(from: &str, to: &str, t: failwell_domain::LinkType, from_day: Option<&str>) -> failwell_domain::Link {
    failwell_domain::Link {
        from: Code::new(from).unwrap(),
        to: Code::new(to).unwrap(),
        link_type: t,
        valid_from: from_day.map(day),
        valid_to: None,
        rank: None,
        note: String::new(),
        source: "test".into(),
        learned_on: None,
    }
}

/// An organisation of the test sector.
pub fn organisation(code: &str, name: &str) -> failwell_domain::Organisation {
    failwell_domain::Organisation {
        code: Code::new(code).unwrap(),
        name: name.into(),
        sector: Slug::new("care").unwrap(),
        org_type: Slug::new("provider").unwrap(),
        region: None,
        opened_on: None,
        closed_on: None,
        source: "test".into(),
        learned_on: None,
    }
}

/// A signal as a scan would make it (only the fields continuity reads matter).
pub fn signal(org: &str, source: &str, rule: &str, direction: Direction, start: &str) -> Signal {
    let rule: failwell_engine::judge::signal::SignalRule = rule.parse().expect("one of failwell's rules");
    let spc = rule.family() == "spc";
    let start: failwell_domain::Period = start.parse().expect("a period");
    Signal {
        key: failwell_engine::judge::signal::Signal::make_key(org, source, rule, start),
        organisation: org.into(),
        source_kind: if spc { SourceKind::Indicator } else { SourceKind::Inspection },
        source: source.into(),
        indicator: spc.then(|| source.to_string()),
        rule,
        direction,
        side: None,
        strength: Strength::Moderate,
        failure_types: vec![],
        indicator_kind: None,
        start,
        end: start,
        known_from: None,
        reading: Reading::AsIs,
        judged_by: judge(),
        tracking: None,
        evidence: EvidenceJson::new(&Evidence {
            points: vec![],
            limits: None,
            explanation: String::new(),
            counts: None,
        }),
    }
}
