//! Small numbers read exactly: a chart's signal on a percentage of a handful of people
//! is checked against the binomial distribution at that number before it counts.
//!
//! A percentage of five social workers moves in steps of 20 points; of one, it is 0 or
//! 100. An XmR chart knows nothing of that: it sets its limits from the moving ranges it
//! sees, and on a council with one or two social workers every change of staff is a
//! special cause (the Isles of Scilly's agency rate went 33, 33, 50, 50, 100, …, its
//! vacancy rate 0, 0, 50, 50, 100, …). Where the catalogue names an indicator's
//! denominator (`Indicator::denominator`) and one person moves the figure by at least
//! the chart's own σ (100/n points ≥ σ), the chart cannot see anything smaller than a
//! person joining or leaving. The signal's furthest point is then judged exactly, with
//! the centre line p̄ as the chance of each person: the probability, under
//! Binomial(n, p̄), of a figure at least that far out on the signal's side. Below
//! [`TAIL`] (the one-sided tail of a 3σ limit) the signal stands as it is; otherwise it
//! is read as [`Reading::SmallNumbers`], kept and shown but not counted as a concern.
//! Large organisations are untouched whatever their chart: one of Kent's 500 social
//! workers is 0.2 points, far below any chart's σ. (A first version gated on the
//! binomial σ instead, √(p̄(1 − p̄)/n) ≥ the chart's σ; on the demo it also read away
//! steady large councils whose charts are as narrow as chance, Kent and Cornwall among
//! them, which are not small numbers.)
//!
//! Pure: the scan reads the denominators' figures and hands them here.

use crate::judge::signal::{Direction, Reading, Signal, SignalRule, SourceKind};
use failwell_stats::dist::binomial_cdf;
use failwell_stats::spc::Side;
use std::collections::BTreeMap;

/// The tail probability below which a point stands: 0.135 %, the one-sided tail of a
/// normal 3σ limit, the chart's own standard.
pub const TAIL: f64 = 0.00135;

/// Whether a unit is a percentage (0–100) of people: the only kind read as a binomial.
pub fn is_percentage(unit: &str) -> bool {
    matches!(unit.trim().to_ascii_lowercase().as_str(), "percent" | "%" | "percentage" | "pct")
}

/// The denominators' figures: by (organisation, denominator indicator), each period's
/// figure in period order.
pub type DenominatorFigures = BTreeMap<(String, String), Vec<(String, f64)>>;

/// The denominator's figure for `period`, else its latest figure before it.
fn denominator_at<'a>(figures: &'a [(String, f64)], period: &str) -> Option<&'a f64> {
    figures.iter().rev().find(|(p, v)| p.as_str() <= period && v.is_finite()).map(|(_, v)| v)
}

/// What an exact check of one signal found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExactCheck {
    /// The number of people (the denominator, rounded, at least one).
    pub people: f64,
    /// The centre line as a proportion.
    pub centre: f64,
    /// What one person moves the figure by, in percentage points (100 / people).
    pub step: f64,
    /// The chart's σ, in percentage points.
    pub chart_sigma: f64,
    /// The furthest point's people (its figure × the number, rounded).
    pub point_people: f64,
    /// The probability of a figure at least that far out on the signal's side.
    pub tail: f64,
}

impl ExactCheck {
    /// Whether chance at this number explains the signal.
    pub fn explained_by_chance(&self) -> bool {
        self.step >= self.chart_sigma && self.tail >= TAIL
    }
}

/// Checks one chart signal of a percentage against Binomial(`denominator`, centre line).
/// `None` when the signal has no limits or points, or no side.
pub fn exact_check(signal: &Signal, denominator: f64) -> Option<ExactCheck> {
    let evidence = signal.evidence.read().ok()?;
    let limits = evidence.limits?;
    let side = signal.side?;
    let people = denominator.round().max(1.0);
    let centre = (limits.mean / 100.0).clamp(0.0, 1.0);
    let values = evidence.points.iter().filter_map(|p| p.value);
    let furthest = match side {
        Side::High => values.fold(f64::NEG_INFINITY, f64::max),
        Side::Low => values.fold(f64::INFINITY, f64::min),
    };
    if !furthest.is_finite() {
        return None;
    }
    let point_people = ((furthest / 100.0).clamp(0.0, 1.0) * people).round();
    let tail = match side {
        // P(X ≥ k) = 1 − P(X ≤ k − 1).
        Side::High if point_people <= 0.0 => 1.0,
        Side::High => 1.0 - binomial_cdf(point_people - 1.0, people, centre),
        Side::Low => binomial_cdf(point_people, people, centre),
    };
    Some(ExactCheck {
        people,
        centre,
        step: 100.0 / people,
        chart_sigma: limits.sigma,
        point_people,
        tail: tail.clamp(0.0, 1.0),
    })
}

/// Reads every SPC concern signal on a percentage with a denominator whose figure chance
/// at that number explains as [`Reading::SmallNumbers`]. `denominator_of` maps an
/// indicator to its denominator indicator, for percentage indicators only.
pub fn mark<'a>(
    signals: impl Iterator<Item = &'a mut Signal>,
    denominator_of: &BTreeMap<&str, &str>,
    figures: &DenominatorFigures,
) {
    if denominator_of.is_empty() {
        return;
    }
    for s in signals {
        let is_chart_concern = s.source_kind == SourceKind::Indicator
            && s.direction == Direction::Concern
            && matches!(s.rule, SignalRule::Spc(_))
            && s.reading == Reading::AsIs;
        if !is_chart_concern {
            continue;
        }
        let Some(denominator) = s.indicator.as_deref().and_then(|i| denominator_of.get(i)) else { continue };
        let Some(n) = figures
            .get(&(s.organisation.clone(), (*denominator).to_string()))
            .and_then(|f| denominator_at(f, &s.end.to_string()))
        else {
            continue;
        };
        if exact_check(s, *n).is_some_and(|c| c.explained_by_chance()) {
            s.reading = Reading::SmallNumbers;
        }
    }
}

/// The rationale's sentence for a signal read as small numbers.
pub fn sentence(indicator: &str) -> String {
    format!(
        "{indicator} is a percentage of very few people: chance alone at that number moves it as much as its chart's limits allow, and its signal lies within exact binomial limits, so it is read as small numbers, not counted as a concern."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::signal::{Evidence, EvidenceJson, EvidencePoint, JudgedBy, Strength};
    use failwell_stats::spc::{Limits, Rule};

    fn limits(mean: f64, sigma: f64) -> Limits {
        Limits {
            mean,
            lpl: mean - 3.0 * sigma,
            upl: mean + 3.0 * sigma,
            lower_2s: mean - 2.0 * sigma,
            upper_2s: mean + 2.0 * sigma,
            mr_bar: sigma * 1.128,
            sigma,
            baseline_points: 9,
            moving_ranges: 8,
            screened: 0,
        }
    }

    fn signal(org: &str, values: &[f64], mean: f64, sigma: f64) -> Signal {
        let points: Vec<EvidencePoint> = values
            .iter()
            .enumerate()
            .map(|(i, v)| EvidencePoint { period: format!("{}", 2021 + i), value: Some(*v), label: None })
            .collect();
        let end = failwell_domain::Period::Year(2021 + values.len().saturating_sub(1) as i32);
        Signal {
            key: format!("{org}|agency|spc.outside_limits|2021"),
            organisation: org.into(),
            source_kind: SourceKind::Indicator,
            source: "agency".into(),
            indicator: Some("agency".into()),
            rule: SignalRule::Spc(Rule::OutsideLimits),
            direction: Direction::Concern,
            side: Some(Side::High),
            strength: Strength::Moderate,
            failure_types: vec![],
            indicator_kind: None,
            start: failwell_domain::Period::Year(2021),
            end,
            known_from: None,
            reading: Reading::AsIs,
            judged_by: JudgedBy { regime: "r".into(), regime_version: "1".into(), rule_set: "t".into() },
            tracking: None,
            evidence: EvidenceJson::new(&Evidence {
                points,
                limits: Some(limits(mean, sigma)),
                explanation: String::new(),
                counts: None,
            }),
        }
    }

    #[test]
    fn one_social_worker_is_read_as_small_numbers() {
        // The Isles of Scilly's agency rate: centre 60 %, chart σ 15 points, 100 % with
        // two social workers. One person is 50 points ≥ 15; P(X ≥ 2 | 2, 0.6) = 0.36,
        // far above 0.135 %.
        let s = signal("E06000053", &[100.0, 100.0], 60.0, 15.0);
        let c = exact_check(&s, 2.0).unwrap();
        assert_eq!((c.people, c.point_people), (2.0, 2.0));
        assert!((c.tail - 0.36).abs() < 1e-9, "{c:?}");
        assert_eq!(c.step, 50.0);
        assert!(c.explained_by_chance());
        // No social worker in post: the figure rests on at most one person.
        assert_eq!(exact_check(&s, 0.0).unwrap().people, 1.0);
    }

    #[test]
    fn a_large_workforce_keeps_its_signal_and_an_extreme_small_one_too() {
        // 200 social workers, centre 15 %, chart σ 1 point (as narrow as chance at 200,
        // 2.5 points): one person is 0.5 points, below σ, so the signal stands even
        // though P(X ≥ 36 | 200, 0.15) is not small.
        let big = signal("E1", &[17.0, 18.0], 15.0, 1.0);
        let c = exact_check(&big, 200.0).unwrap();
        assert!(c.step < c.chart_sigma && c.tail > TAIL && !c.explained_by_chance(), "{c:?}");
        // Twenty people, centre 5 %, σ 4 points (one person: 5): all twenty agency staff
        // is P = 0.05^20, far below the tail: it stands even at this number.
        let extreme = signal("E2", &[100.0], 5.0, 4.0);
        let c = exact_check(&extreme, 20.0).unwrap();
        assert!(c.step >= c.chart_sigma && c.tail < TAIL && !c.explained_by_chance(), "{c:?}");
        // The low side: 0 of 3 people around a centre of 50 %: P(X ≤ 0) = 1/8.
        let mut low = signal("E3", &[0.0], 50.0, 10.0);
        low.side = Some(Side::Low);
        let c = exact_check(&low, 3.0).unwrap();
        assert!((c.tail - 0.125).abs() < 1e-9 && c.explained_by_chance(), "{c:?}");
    }

    #[test]
    fn mark_reads_only_chart_concerns_with_a_denominator_figure() {
        let mut signals = [
            signal("E06000053", &[100.0], 60.0, 15.0),
            signal("E1", &[100.0], 60.0, 15.0),
            signal("E2", &[100.0], 60.0, 15.0),
        ];
        signals[2].indicator = Some("caseload".into());
        let denominator_of: BTreeMap<&str, &str> = [("agency", "in_post")].into();
        let mut figures = DenominatorFigures::new();
        // Scilly's figure is for 2020: the latest before the signal's end (2021) counts.
        figures.insert(("E06000053".into(), "in_post".into()), vec![("2020".into(), 1.0), ("2030".into(), 500.0)]);
        figures.insert(("E2".into(), "in_post".into()), vec![("2021".into(), 1.0)]);
        mark(signals.iter_mut(), &denominator_of, &figures);
        let readings: Vec<Reading> = signals.iter().map(|s| s.reading).collect();
        // E1 has no denominator figure; E2's indicator has no denominator.
        assert_eq!(readings, [Reading::SmallNumbers, Reading::AsIs, Reading::AsIs]);
        assert!(signals[0].read_away() && !signals[0].counts_as_concern());
    }
}
