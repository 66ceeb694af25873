//! Missing or late returns: an organisation whose latest figure for an indicator is for an
//! earlier period than most organisations reporting that indicator have reached.
//!
//! A return that does not arrive is itself a sign (the report's Insight 3: failing
//! organisations turn inward, and data stops flowing before anything else shows). For each
//! indicator and grain (months are never compared with years), the **expected** period is
//! the latest one that more than half of the organisations with the indicator have
//! reached (the median of their latest periods, taking the later of the middle two as
//! "most"); an organisation whose latest period is before it is behind. At least
//! [`MIN_ORGANISATIONS`] organisations must report the indicator for "most" to mean
//! anything. Series of single days (snapshots such as "at 31 March") have no next period
//! to expect and are left out.
//!
//! Pure: the caller passes each series' latest period (as known on the scan day).

use crate::judge::signal::{
    Direction, Evidence, EvidenceJson, EvidencePoint, JudgedBy, Reading, Signal, SignalRule, SourceKind, Strength,
};
use failwell_domain::{FailureType, Period};
use std::collections::{BTreeMap, BTreeSet};

/// The rule's name.
pub const RULE: SignalRule = SignalRule::ReturnsMissing;

/// Organisations an indicator needs before a late return can be told from a slow publisher.
pub const MIN_ORGANISATIONS: usize = 3;

/// Periods behind from which the signal is moderate rather than weak.
pub const MODERATE_BEHIND: i64 = 2;

/// Beyond this many periods behind, a series has stopped rather than fallen late: the
/// organisation closed, merged or stopped providing the service (on the demo, dozens of
/// independent-sector A&E providers whose monthly series end years before the rest).
/// Six months, or two years for yearly series.
pub fn stopped_after(p: Period) -> i64 {
    match p {
        Period::Month(..) => 6,
        _ => 2,
    }
}

/// One series' latest period: (organisation, indicator, latest period with a figure).
pub type LatestReturn<'a> = (&'a str, &'a str, Period);

/// Steps of their grain from `a` to `b` (`None` across grains and for days).
fn steps(a: Period, b: Period) -> Option<i64> {
    match (a, b) {
        (Period::Year(x), Period::Year(y)) | (Period::FinancialYear(x), Period::FinancialYear(y)) => {
            Some(i64::from(y) - i64::from(x))
        }
        (Period::Month(x, m), Period::Month(y, n)) => {
            Some((i64::from(y) * 12 + i64::from(n)) - (i64::from(x) * 12 + i64::from(m)))
        }
        _ => None,
    }
}

fn grain(p: Period) -> Option<u8> {
    match p {
        Period::Year(_) => Some(0),
        Period::FinancialYear(_) => Some(1),
        Period::Month(..) => Some(2),
        Period::Day(_) => None,
    }
}

/// The late-return signals among `latest`, sorted by key. Each signal starts at the first
/// period missing (the one after the organisation's latest) and ends at the expected one,
/// so it keeps its key across scans until a new return arrives.
pub fn late_returns(latest: &[LatestReturn<'_>], judged_by: &JudgedBy) -> Vec<Signal> {
    let mut by_indicator: BTreeMap<&str, Vec<(&str, Period)>> = BTreeMap::new();
    for (organisation, indicator, period) in latest {
        by_indicator.entry(indicator).or_default().push((organisation, *period));
    }
    let mut out = Vec::new();
    for (indicator, series) in by_indicator {
        late_returns_of(indicator, &series, judged_by, &mut out);
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// The late-return signals of one indicator, from the latest period of each of its series
/// (organisation, period), added to `out` unsorted; returns the organisations whose series
/// has stopped ([`stopped_series`]), from the same expected periods, worked out once. A
/// scan of England passes 600,000 series an indicator at a time, rather than gathering
/// them all first.
pub fn late_returns_of<'a>(
    indicator: &str,
    series: &[(&'a str, Period)],
    judged_by: &JudgedBy,
    out: &mut Vec<Signal>,
) -> Vec<&'a str> {
    let mut stopped = Vec::new();
    for e in expected_by_grain(series) {
        stopped.extend(stopped_in(&e));
        let Expected { group, expected, reached, organisations } = e;
        for &(organisation, period) in &group {
            let Some(behind) = steps(period, expected).filter(|n| *n > 0 && *n <= stopped_after(period)) else {
                continue;
            };
            let Some(first_missing) = period.offset(1) else { continue };
            out.push(signal(
                organisation,
                indicator,
                period,
                expected,
                behind,
                reached,
                organisations,
                first_missing,
                judged_by,
            ));
        }
    }
    stopped
}

/// One grain of an indicator's series and the period most of them have reached.
struct Expected<'a> {
    group: Vec<(&'a str, Period)>,
    /// The latest period more than half the organisations have reached.
    expected: Period,
    /// How many have reached it.
    reached: usize,
    /// How many report the indicator in this grain.
    organisations: usize,
}

/// An indicator's series by grain (months are never compared with years), each grain with
/// its expected period; grains of fewer than [`MIN_ORGANISATIONS`] are left out.
fn expected_by_grain<'a>(series: &[(&'a str, Period)]) -> Vec<Expected<'a>> {
    let mut out = Vec::new();
    for g in 0..=2 {
        let group: Vec<(&str, Period)> = series.iter().filter(|(_, p)| grain(*p) == Some(g)).copied().collect();
        if group.len() < MIN_ORGANISATIONS {
            continue;
        }
        let mut periods: Vec<Period> = group.iter().map(|(_, p)| *p).collect();
        periods.sort_by(|a, b| b.cmp(a));
        // More than half have reached it: the latest period at index n / 2 of the latest first.
        let expected = periods[group.len() / 2];
        let reached = periods.iter().filter(|p| **p >= expected).count();
        out.push(Expected { organisations: group.len(), group, expected, reached });
    }
    out
}

/// The organisations among an indicator's series (organisation, latest period) whose
/// series has stopped: further behind the expected period than [`stopped_after`]. No
/// late return is flagged for them, and the scan reads their series' signals as
/// [`Reading::SeriesStopped`] — what a series said before it stopped is history, not
/// evidence of the organisation now.
pub fn stopped_series<'a>(series: &[(&'a str, Period)]) -> Vec<&'a str> {
    expected_by_grain(series).iter().flat_map(stopped_in).collect()
}

/// The organisations of one grain further behind its expected period than [`stopped_after`].
fn stopped_in<'a, 'e>(e: &'e Expected<'a>) -> impl Iterator<Item = &'a str> + 'e {
    e.group
        .iter()
        .filter(|(_, period)| steps(*period, e.expected).is_some_and(|n| n > stopped_after(*period)))
        .map(|(organisation, _)| *organisation)
}

/// Reads the series signals of stopped series as [`Reading::SeriesStopped`]: `stopped`
/// maps an indicator to its organisations from [`stopped_series`]. Late-return signals
/// are never on a stopped series.
pub fn mark_stopped<'a>(signals: impl Iterator<Item = &'a mut Signal>, stopped: &BTreeMap<String, BTreeSet<String>>) {
    if stopped.is_empty() {
        return;
    }
    for s in signals.filter(|s| s.source_kind == SourceKind::Indicator && s.rule != RULE) {
        let Some(indicator) = s.indicator.as_deref() else { continue };
        if stopped.get(indicator).is_some_and(|o| o.contains(s.organisation.as_str())) {
            s.reading = Reading::SeriesStopped;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn signal(
    organisation: &str,
    indicator: &str,
    latest: Period,
    expected: Period,
    behind: i64,
    reached: usize,
    organisations: usize,
    first_missing: Period,
    judged_by: &JudgedBy,
) -> Signal {
    let strength = if behind >= MODERATE_BEHIND { Strength::Moderate } else { Strength::Weak };
    let start = first_missing;
    let plural = if behind == 1 { "" } else { "s" };
    let explanation = format!(
        "The latest return for {indicator} is for {latest}, {behind} period{plural} behind {expected}, which {reached} of the {organisations} organisations reporting {indicator} have reached: a late or missing return (1 period behind is weak, {MODERATE_BEHIND} or more moderate)."
    );
    Signal {
        key: Signal::make_key(organisation, indicator, RULE, start),
        organisation: organisation.to_string(),
        source_kind: SourceKind::Indicator,
        source: indicator.to_string(),
        indicator: Some(indicator.to_string()),
        rule: RULE,
        direction: Direction::Concern,
        side: None,
        strength,
        failure_types: vec![FailureType::Governance],
        indicator_kind: None,
        start,
        end: expected,
        known_from: None,
        reading: Reading::AsIs,
        judged_by: judged_by.clone(),
        tracking: None,
        evidence: EvidenceJson::new(&Evidence {
            counts: None,
            points: vec![
                EvidencePoint { period: latest.to_string(), value: None, label: Some("latest return".into()) },
                EvidencePoint {
                    period: expected.to_string(),
                    value: Some(reached as f64),
                    label: Some(format!("expected: reached by {reached} of {organisations} organisations")),
                },
            ],
            limits: None,
            explanation,
        }),
    }
}
