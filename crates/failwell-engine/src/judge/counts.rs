//! Signals from the indicators whose catalogue entry names a method other than SPC:
//!
//! - **Funnel** (`method = funnel`): each organisation's latest period with counts is
//!   placed on a funnel plot of its peer group in that period (Spiegelhalter 2005):
//!   exact binomial limits around the pooled proportion (numerator/denominator), or exact
//!   Poisson limits around a ratio of 1 (observed/expected), widened for over-dispersion
//!   by √φ (multiplicative, 10% winsorised z-scores, as `docs/statistics/funnel.md`
//!   describes). Outside the 99.8% limit on the worse side is a moderate concern, outside
//!   95% a weak one; on the better side an improvement.
//! - **CUSUM** (`method = cusum`, with expected counts): a Poisson CUSUM of observed
//!   against expected counts per organisation over its periods, tuned to a doubling of
//!   the rate; a signal when it crosses its threshold at one of the last two periods.
//!
//! All the statistics are failwell-stats'; this module picks the peers and the points and
//! words the evidence. Funnel and CUSUM indicators are few, so every scan computes these
//! signals afresh from the observation rows (nothing is reused between scans): an
//! incremental scan and a full one give the same signals.

use crate::judge::links::holds_on;
use crate::judge::series::IndicatorInfo;
use crate::judge::signal::{
    Direction, Evidence, EvidenceJson, EvidencePoint, JudgedBy, Reading, Signal, SourceKind, Strength,
};
use crate::judge::signal_rule::{FunnelLimit, SignalRule};
use failwell_domain::regime::Regime;
use failwell_domain::{CountPoint, Counts, Indicator, Link, LinkType, Method, Organisation, Period, Polarity};
use failwell_stats::cusum::threshold::{self, NullModel, ThresholdMethod, ThresholdRule};
use failwell_stats::cusum::{self, CusumConfig, CusumKind};
use failwell_stats::funnel::{self, Adjustment, Classification, FunnelConfig, Level, Limits, Measure, Overdispersion};
use failwell_stats::spc::Side;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// The rule set recorded on funnel and CUSUM signals (the choices in this module).
pub const RULE_SET: &str = "failwell-counts-1";
/// Units a funnel needs before anyone is judged against it.
pub const MIN_FUNNEL_UNITS: usize = 4;
/// Statistical neighbours with counts in the period needed before they, rather than the
/// organisations of the same type, form the peer group (as for insularity).
pub const MIN_NEIGHBOURS: usize = crate::judge::insularity::MIN_NEIGHBOURS;
/// The rate ratio the CUSUM is tuned to detect: observed counts double the expected.
pub const CUSUM_RATE_RATIO: f64 = 2.0;
/// The probability that an in-control series signals somewhere over its own periods.
pub const CUSUM_FALSE_ALARM: f64 = 0.01;
/// A CUSUM signal counts when it fires at one of this many latest periods.
pub const CUSUM_RECENT_PERIODS: usize = 2;
/// Series up to this many periods get an exactly enumerated threshold; longer ones (or
/// ones exact enumeration cannot hold) a simulated one.
pub const CUSUM_EXACT_HORIZON: usize = 300;
/// Simulated sequences for a simulated threshold.
pub const CUSUM_SIMULATION_RUNS: usize = 10_000;
/// Seed of the simulation (the same seed always gives the same threshold).
pub const CUSUM_SEED: u64 = 2046;

/// A funnel or CUSUM indicator from the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct CountIndicator {
    /// Code, polarity, kind, failure types.
    pub info: IndicatorInfo,
    /// `Funnel` or `Cusum`.
    pub method: Method,
    /// What its observations carry beside the value.
    pub counts: Counts,
}

impl CountIndicator {
    /// The indicator, when its method is funnel or CUSUM.
    pub fn of(i: &Indicator) -> Option<CountIndicator> {
        matches!(i.method, Method::Funnel | Method::Cusum).then(|| CountIndicator {
            info: IndicatorInfo {
                code: i.code.as_str().to_string(),
                polarity: i.polarity,
                kind: i.kind,
                failure_types: i.failure_types.clone(),
            },
            method: i.method,
            counts: i.counts,
        })
    }
}

/// What a funnel or CUSUM signal rests on, beside the points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum CountEvidence {
    /// The organisation's place on its peers' funnel.
    Funnel(FunnelEvidence),
    /// The CUSUM run that crossed its threshold.
    Cusum(CusumEvidence),
}

/// One organisation on a funnel, with everything needed to redraw its limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelEvidence {
    /// The period judged (the organisation's latest with counts).
    pub period: String,
    /// Proportion (numerator/denominator) or ratio (observed/expected).
    pub measure: Measure,
    /// Numerator, or observed count.
    pub numerator: f64,
    /// Denominator, or expected count.
    pub denominator: f64,
    /// numerator/denominator.
    pub value: f64,
    /// The centre line: the peers' pooled proportion, or 1 for ratios.
    pub target: f64,
    /// 95% limits at this denominator (after over-dispersion).
    pub limits_95: Limits,
    /// 99.8% limits at this denominator (after over-dispersion).
    pub limits_998: Limits,
    /// z-score after over-dispersion.
    pub z_adjusted: f64,
    /// `statistical_neighbours`, `org_type` or `all`.
    pub peer_group: String,
    /// The peer group in words.
    pub peers_described: String,
    /// Units on the funnel, the organisation included.
    pub peers: usize,
    /// The neighbours' codes, when the peer group is its statistical neighbours.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peer_codes: Vec<String>,
    /// φ, the mean squared (winsorised) z-score of the peers.
    pub phi: Option<f64>,
    /// τ², the between-unit variance (DerSimonian–Laird), for reference.
    pub tau2: Option<f64>,
    /// The over-dispersion actually applied (only when φ > 1).
    pub adjustment: Adjustment,
    /// How the limits were drawn, in words.
    pub limits_method: String,
}

/// One period of a CUSUM run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CusumPoint {
    /// The period.
    pub period: String,
    /// Observed count.
    pub observed: f64,
    /// Expected count.
    pub expected: f64,
    /// The CUSUM after this period.
    pub cusum: f64,
}

/// A CUSUM run that crossed its threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CusumEvidence {
    /// The rate ratio the chart is tuned to detect.
    pub rate_ratio: f64,
    /// The threshold h.
    pub threshold: f64,
    /// Probability that an in-control series with these expected counts signals within
    /// `horizon` periods.
    pub false_alarm: f64,
    /// Periods the threshold was calibrated over (the series' own length).
    pub horizon: usize,
    /// How the threshold was found.
    pub threshold_method: ThresholdMethod,
    /// The CUSUM at the signal.
    pub value: f64,
    /// Observed over the run.
    pub observed: f64,
    /// Expected over the run.
    pub expected: f64,
    /// The periods from the start of the run to the signal.
    pub run: Vec<CusumPoint>,
}

/// Who is whose peer: organisation types and statistical neighbours on the day.
#[derive(Debug, Clone, Default)]
pub struct Peers {
    org_type: BTreeMap<String, String>,
    neighbours: BTreeMap<String, BTreeSet<String>>,
}

impl Peers {
    /// Indexes the registry's types and the `neighbour` links holding on `today`.
    pub fn new(organisations: &[Organisation], links: &[Link], today: Date) -> Peers {
        let org_type =
            organisations.iter().map(|o| (o.code.as_str().to_string(), o.org_type.as_str().to_string())).collect();
        let mut neighbours: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for l in links.iter().filter(|l| l.link_type == LinkType::Neighbour && holds_on(l, today)) {
            if l.from != l.to {
                neighbours.entry(l.from.as_str().to_string()).or_default().insert(l.to.as_str().to_string());
            }
        }
        Peers { org_type, neighbours }
    }
}

/// Signals of every funnel and CUSUM indicator, by organisation, and the organisations
/// that had counts to judge.
#[derive(Debug, Clone, Default)]
pub struct CountPass {
    /// Signals per organisation code.
    pub signals: BTreeMap<String, Vec<Signal>>,
    /// Organisations with a funnel or CUSUM series that could be judged.
    pub organisations: BTreeSet<String>,
}

/// The catalogue's funnel and CUSUM indicators, by code.
pub fn count_indicators(catalogue: &[Indicator]) -> BTreeMap<String, CountIndicator> {
    catalogue.iter().filter_map(CountIndicator::of).map(|i| (i.info.code.clone(), i)).collect()
}

/// Judges the observation rows of funnel and CUSUM indicators, `points` sorted by
/// indicator (as the store reads them): signals by organisation, and the organisations
/// that had counts to judge.
pub fn judge_counts(
    indicators: &BTreeMap<String, CountIndicator>,
    points: &[CountPoint],
    peers: &Peers,
    regime: &Regime,
) -> CountPass {
    let judged_by =
        &JudgedBy { regime: regime.id.clone(), regime_version: regime.version.clone(), rule_set: RULE_SET.to_string() };
    let mut out = CountPass::default();
    let mut start = 0;
    while start < points.len() {
        let code = &points[start].indicator;
        let end = start + points[start..].iter().take_while(|p| &p.indicator == code).count();
        let rows = &points[start..end];
        start = end;
        let Some(ind) = indicators.get(code) else { continue };
        let (signals, judged) = match ind.method {
            Method::Funnel => funnel_signals(ind, rows, peers, judged_by),
            _ => cusum_signals(ind, rows, judged_by),
        };
        out.organisations.extend(judged);
        for s in signals {
            out.signals.entry(s.organisation.clone()).or_default().push(s);
        }
    }
    out
}

/// The (numerator, denominator) a funnel uses from one point, if it has usable counts:
/// numerator and denominator for proportions (numerator at most the denominator),
/// observed (the numerator, else the value) and expected for ratios.
fn funnel_unit(counts: Counts, p: &CountPoint) -> Option<(f64, f64)> {
    let (x, n) = match counts {
        Counts::NumeratorDenominator => (p.numerator?, p.denominator?),
        Counts::ObservedExpected => (p.numerator.or(p.value)?, p.expected?),
        Counts::None => return None,
    };
    let ok = x.is_finite() && x >= 0.0 && n.is_finite() && n > 0.0;
    (ok && (counts != Counts::NumeratorDenominator || x <= n)).then_some((x, n))
}

/// Which way a high point or run points, from the indicator's polarity.
fn direction_of(polarity: Polarity, side: Side) -> Direction {
    match (polarity, side) {
        (Polarity::HigherIsWorse, Side::High) | (Polarity::HigherIsBetter, Side::Low) => Direction::Concern,
        (Polarity::HigherIsWorse, Side::Low) | (Polarity::HigherIsBetter, Side::High) => Direction::Improvement,
        (Polarity::Neutral, _) => Direction::Neutral,
    }
}

/// Funnel signals of one indicator, from its rows ordered by period then organisation.
/// Returns the signals and the organisations judged.
///
/// Each organisation is judged in its latest period with usable counts, against its
/// peer group in that period: its statistical neighbours (`neighbour` links from it on
/// the day) when at least [`MIN_NEIGHBOURS`] of them have counts, else every organisation
/// of its type (registry `org_type`) with counts, else every organisation with counts,
/// the first of the last two with at least [`MIN_FUNNEL_UNITS`] units (the organisation
/// itself always among them). With fewer units it is not judged.
pub fn funnel_signals(
    ind: &CountIndicator,
    rows: &[CountPoint],
    peers: &Peers,
    judged_by: &JudgedBy,
) -> (Vec<Signal>, BTreeSet<String>) {
    let config = match ind.counts {
        Counts::NumeratorDenominator => FunnelConfig::proportion(),
        Counts::ObservedExpected => FunnelConfig::ratio(),
        Counts::None => return (Vec::new(), BTreeSet::new()),
    }
    .with_overdispersion(Overdispersion::multiplicative());
    // Units per period, in organisation order.
    let mut by_period: BTreeMap<&str, Vec<(&CountPoint, f64, f64)>> = BTreeMap::new();
    let mut latest: BTreeMap<&str, &str> = BTreeMap::new();
    for p in rows {
        if let Some((x, n)) = funnel_unit(ind.counts, p) {
            by_period.entry(p.period.as_str()).or_default().push((p, x, n));
            latest.insert(p.organisation.as_str(), p.period.as_str());
        }
    }
    let judged: BTreeSet<String> = latest.keys().map(|o| o.to_string()).collect();
    let mut signals = Vec::new();
    for (period, units) in &by_period {
        let mut fits: BTreeMap<Vec<usize>, Option<funnel::FunnelResult>> = BTreeMap::new();
        for (i, (p, _, _)) in units.iter().enumerate() {
            if latest.get(p.organisation.as_str()) != Some(period) {
                continue;
            }
            let org = p.organisation.as_str();
            let Some((group, kind, described, codes)) = peer_group(org, units, peers, period) else { continue };
            let fit = fits.entry(group.clone()).or_insert_with(|| {
                let xs: Vec<f64> = group.iter().map(|&j| units[j].1).collect();
                let ns: Vec<f64> = group.iter().map(|&j| units[j].2).collect();
                funnel::analyse(&xs, &ns, &config).ok()
            });
            let Some(fit) = fit.as_ref() else { continue };
            let Some(at) = group.iter().position(|&j| j == i) else { continue };
            let Some(flag) = fit.flag(at) else { continue };
            let (side, level) = match flag.classification {
                Classification::Within => continue,
                Classification::Above998 => (Side::High, Level::P998),
                Classification::Above95 => (Side::High, Level::P95),
                Classification::Below998 => (Side::Low, Level::P998),
                Classification::Below95 => (Side::Low, Level::P95),
            };
            let (rule, strength) = match level {
                Level::P998 => (SignalRule::Funnel(FunnelLimit::Outside998), Strength::Moderate),
                Level::P95 => (SignalRule::Funnel(FunnelLimit::Outside95), Strength::Weak),
            };
            let unit = format!("{org} in {period}");
            let explanation = format!("{} Peer group: {described}.", flag.sentence(&unit));
            let label = match flag.measure {
                Measure::Proportion => format!("{} of {}", count(flag.numerator), count(flag.denominator)),
                Measure::Ratio => format!("{} observed, {} expected", count(flag.numerator), count(flag.denominator)),
            };
            let evidence = FunnelEvidence {
                period: period.to_string(),
                measure: flag.measure,
                numerator: flag.numerator,
                denominator: flag.denominator,
                value: flag.value,
                target: flag.target,
                limits_95: flag.limits_95,
                limits_998: flag.limits_998,
                z_adjusted: flag.z_adjusted,
                peer_group: kind.to_string(),
                peers_described: described,
                peers: group.len(),
                peer_codes: codes,
                phi: fit.dispersion.map(|d| d.phi),
                tau2: fit.dispersion.map(|d| d.tau2),
                adjustment: fit.model.adjustment,
                limits_method: flag.method.clone(),
            };
            // The store keeps periods in canonical form; a text that is not one is skipped.
            let Ok(judged_period) = period.parse::<Period>() else { continue };
            signals.push(Signal {
                key: Signal::make_key(org, &ind.info.code, rule, judged_period),
                organisation: org.to_string(),
                source_kind: SourceKind::Indicator,
                source: ind.info.code.clone(),
                indicator: Some(ind.info.code.clone()),
                rule,
                direction: direction_of(ind.info.polarity, side),
                side: Some(side),
                strength,
                failure_types: ind.info.failure_types.clone(),
                indicator_kind: Some(ind.info.kind),
                start: judged_period,
                end: judged_period,
                known_from: p.published_on,
                reading: Reading::AsIs,
                judged_by: judged_by.clone(),
                tracking: None,
                evidence: EvidenceJson::new(&Evidence {
                    points: vec![EvidencePoint { period: period.to_string(), value: p.value, label: Some(label) }],
                    limits: None,
                    explanation,
                    counts: Some(CountEvidence::Funnel(evidence)),
                }),
            });
        }
    }
    (signals, judged)
}

/// The peer group of `org` among `units` (indexes, in organisation order), its kind, its
/// description, and the neighbours' codes when it is made of them.
fn peer_group(
    org: &str,
    units: &[(&CountPoint, f64, f64)],
    peers: &Peers,
    period: &str,
) -> Option<(Vec<usize>, &'static str, String, Vec<String>)> {
    if let Some(near) = peers.neighbours.get(org) {
        let with: Vec<usize> = (0..units.len()).filter(|&j| near.contains(units[j].0.organisation.as_str())).collect();
        if with.len() >= MIN_NEIGHBOURS {
            let codes: Vec<String> = with.iter().map(|&j| units[j].0.organisation.clone()).collect();
            let described = format!(
                "{org} and its {} statistical neighbours with figures for {period} ({})",
                with.len(),
                codes.join(", ")
            );
            let group = (0..units.len()).filter(|&j| units[j].0.organisation == org || with.contains(&j)).collect();
            return Some((group, "statistical_neighbours", described, codes));
        }
    }
    if let Some(kind) = peers.org_type.get(org) {
        let same: Vec<usize> =
            (0..units.len()).filter(|&j| peers.org_type.get(units[j].0.organisation.as_str()) == Some(kind)).collect();
        if same.len() >= MIN_FUNNEL_UNITS {
            let described = format!("the {} organisations of type {kind} with figures for {period}", same.len());
            return Some((same, "org_type", described, Vec::new()));
        }
    }
    (units.len() >= MIN_FUNNEL_UNITS).then(|| {
        let described = format!("all {} organisations with figures for {period}", units.len());
        ((0..units.len()).collect(), "all", described, Vec::new())
    })
}

/// Counts print as integers when whole, else to one decimal place.
fn count(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{}", v.round() as i64) } else { format!("{v:.1}") }
}

/// CUSUM signals of one indicator, from its rows ordered by period then organisation:
/// per organisation, a Poisson CUSUM of observed (the numerator, else the value) against
/// expected counts over its periods with both, tuned to [`CUSUM_RATE_RATIO`], its
/// threshold chosen so that an in-control series with the same expected counts signals
/// with probability at most [`CUSUM_FALSE_ALARM`] over as many periods; reset after
/// each signal. A signal at one of the last [`CUSUM_RECENT_PERIODS`] periods is
/// reported. Periods without an expected count are left out; a series with none has no
/// CUSUM. Returns the signals and the organisations charted.
pub fn cusum_signals(
    ind: &CountIndicator,
    rows: &[CountPoint],
    judged_by: &JudgedBy,
) -> (Vec<Signal>, BTreeSet<String>) {
    let mut by_org: BTreeMap<&str, Vec<(&CountPoint, f64, f64)>> = BTreeMap::new();
    for p in rows {
        let (Some(o), Some(e)) = (p.numerator.or(p.value), p.expected) else { continue };
        if o.is_finite() && o >= 0.0 && e.is_finite() && e >= 0.0 {
            by_org.entry(p.organisation.as_str()).or_default().push((p, o, e));
        }
    }
    let judged: BTreeSet<String> = by_org.keys().map(|o| o.to_string()).collect();
    let mut signals = Vec::new();
    for (org, points) in &by_org {
        let observed: Vec<f64> = points.iter().map(|u| u.1).collect();
        let expected: Vec<f64> = points.iter().map(|u| u.2).collect();
        let n = points.len();
        let model = NullModel::Poisson { expected: &expected, rate_ratio: CUSUM_RATE_RATIO };
        let exact = (n <= CUSUM_EXACT_HORIZON)
            .then(|| threshold::threshold_exact(&model, n, CUSUM_FALSE_ALARM, ThresholdRule::AtMost).ok())
            .flatten();
        let Some(h) = exact.or_else(|| {
            threshold::threshold_simulated(&model, n, CUSUM_FALSE_ALARM, CUSUM_SIMULATION_RUNS, CUSUM_SEED).ok()
        }) else {
            continue;
        };
        let config =
            CusumConfig { kind: CusumKind::Poisson { rate_ratio: CUSUM_RATE_RATIO }, threshold: h.value, reset: true };
        let Ok(run) = cusum::run(&config, &observed, &expected) else { continue };
        let Some(s) = run.signals.iter().rev().find(|s| s.index + CUSUM_RECENT_PERIODS >= n) else { continue };
        let period = |i: usize| points[i].0.period.clone();
        let (start, end) = (period(s.run_start), period(s.index));
        let how = match h.method {
            ThresholdMethod::Exact { .. } => "exact enumeration",
            ThresholdMethod::Dp { .. } => "dynamic programming",
            ThresholdMethod::Simulation { .. } => "seeded simulation",
        };
        let explanation = format!(
            "{} Period {} is {end} and period {} is {start}; the threshold gives an in-control series with these expected counts a {:.1}% chance of signalling within its {n} periods ({how}).",
            s.sentence(&format!("{org} on {}", ind.info.code)),
            s.index + 1,
            s.run_start + 1,
            h.false_alarm * 100.0,
        );
        let run_points: Vec<CusumPoint> = (s.run_start..=s.index)
            .map(|i| CusumPoint {
                period: period(i),
                observed: observed[i],
                expected: expected[i],
                cusum: run.values[i],
            })
            .collect();
        let evidence_points = (s.run_start..=s.index)
            .map(|i| EvidencePoint {
                period: period(i),
                value: points[i].0.value,
                label: Some(format!(
                    "{} observed, {:.1} expected, CUSUM {:.2}",
                    count(observed[i]),
                    expected[i],
                    run.values[i]
                )),
            })
            .collect();
        let known_from = points[s.run_start..=s.index].iter().filter_map(|u| u.0.published_on).max();
        let (Ok(start), Ok(end)) = (start.parse::<Period>(), end.parse::<Period>()) else { continue };
        signals.push(Signal {
            key: Signal::make_key(org, &ind.info.code, SignalRule::Cusum, start),
            organisation: org.to_string(),
            source_kind: SourceKind::Indicator,
            source: ind.info.code.clone(),
            indicator: Some(ind.info.code.clone()),
            rule: SignalRule::Cusum,
            direction: direction_of(ind.info.polarity, Side::High),
            side: Some(Side::High),
            strength: Strength::Moderate,
            failure_types: ind.info.failure_types.clone(),
            indicator_kind: Some(ind.info.kind),
            start,
            end,
            known_from,
            reading: Reading::AsIs,
            judged_by: judged_by.clone(),
            tracking: None,
            evidence: EvidenceJson::new(&Evidence {
                points: evidence_points,
                limits: None,
                explanation,
                counts: Some(CountEvidence::Cusum(CusumEvidence {
                    rate_ratio: CUSUM_RATE_RATIO,
                    threshold: h.value,
                    false_alarm: h.false_alarm,
                    horizon: h.horizon,
                    threshold_method: h.method,
                    value: s.value,
                    observed: s.observed,
                    expected: s.expected,
                    run: run_points,
                })),
            }),
        });
    }
    (signals, judged)
}
