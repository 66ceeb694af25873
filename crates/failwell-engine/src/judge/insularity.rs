//! Insularity (the report's Insight 3): failing organisations tend to be insular, with
//! weak links to their peers, and so lose sight of what good looks like.
//!
//! The index is built from three components, each a score in [0, 1] with its evidence:
//!
//! - **peer distance** (weight 0.4): the share of the organisation's indicators whose last
//!   three points all lie on the worse side of the peer norm, beyond two robust standard
//!   deviations (persistently distant, not one bad year);
//! - **few peer contacts** (0.3): no peer review, peer, buddy or partner-agency link in the
//!   last years scores 1, one scores 0.5, two or more 0;
//! - **self-assessment gap** (0.3): the organisation's own rating two or more grades better
//!   than the external judgement published after it scores 1, one grade 0.5.
//!
//! A component the data cannot measure is left out and the weights of the others are
//! renormalised; the index says which. Bands: low < 0.34 ≤ moderate < 0.67 ≤ high; with a
//! single measurable component the band is at most moderate (one strand is not
//! insularity), and with none it is `not_measured`.
//!
//! The peer norm is the median of the peers' values in the same period, and its spread
//! the median absolute deviation × 1.4826 (a robust standard deviation: one extreme peer
//! does not move it), both from `failwell_stats::robust`.

use crate::dates::iso;
use crate::judge::inspection::{is_self_assessment, resolve_grade};
use crate::judge::links::{holds_during, holds_on};
use failwell_domain::regime::{GradeRef, Regime};
use failwell_domain::{Event, EventType, Inspection, Link, LinkType, Organisation, Period, Polarity};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// Points of each series the peer distance looks at.
pub const TAIL_POINTS: usize = 3;
/// Robust standard deviations beyond the peer median that count as distant.
pub const DISTANCE_SDS: f64 = 2.0;
/// Statistical neighbours with data needed before they, rather than every organisation
/// with the indicator, form the peer group.
pub const MIN_NEIGHBOURS: usize = 3;
/// Peer values a period needs for a norm.
pub const MIN_NORM_VALUES: usize = 3;
/// Scale factor from the median absolute deviation to a standard deviation (normal data).
pub use failwell_stats::robust::MAD_TO_SD;
/// Weights of the components: peer distance, peer contacts, self-assessment gap.
pub const WEIGHTS: [f64; 3] = [0.4, 0.3, 0.3];
/// Index thresholds of the bands moderate and high.
pub const BAND_THRESHOLDS: [f64; 2] = [0.34, 0.67];

/// The last points of one charted series, borrowed from the scan's series results.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TailRef<'a> {
    /// The organisation's code.
    pub organisation: &'a str,
    /// The indicator's code.
    pub indicator: &'a str,
    /// Which way is better.
    pub polarity: Polarity,
    /// The last (up to [`TAIL_POINTS`]) non-missing points, oldest first.
    pub points: &'a [(Period, f64)],
}

/// The last points of one series, owned (for callers that have no series pass).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesTail {
    /// The organisation's code.
    pub organisation: String,
    /// The indicator's code.
    pub indicator: String,
    /// Which way is better.
    pub polarity: Polarity,
    /// The last (up to [`TAIL_POINTS`]) non-missing points, oldest first.
    pub points: Vec<(Period, f64)>,
}

impl SeriesTail {
    /// The last up to `n` non-missing (non-NaN) points of a series.
    pub fn of(
        organisation: &str,
        indicator: &str,
        polarity: Polarity,
        periods: &[Period],
        values: &[f64],
        n: usize,
    ) -> SeriesTail {
        let mut points: Vec<(Period, f64)> =
            periods.iter().zip(values).rev().filter(|(_, v)| !v.is_nan()).take(n).map(|(p, v)| (*p, *v)).collect();
        points.reverse();
        SeriesTail { organisation: organisation.to_string(), indicator: indicator.to_string(), polarity, points }
    }

    /// The tail as [`judge_indicator`] reads it.
    pub fn view(&self) -> TailRef<'_> {
        TailRef {
            organisation: &self.organisation,
            indicator: &self.indicator,
            polarity: self.polarity,
            points: &self.points,
        }
    }
}

/// How insular, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InsularityBand {
    /// No component could be measured.
    NotMeasured,
    /// Index below 0.34.
    Low,
    /// Index from 0.34 to below 0.67 (or any index with one measurable component).
    Moderate,
    /// Index 0.67 or more, from at least two components.
    High,
}

impl InsularityBand {
    /// The code, as CEL rules compare it.
    pub fn as_str(self) -> &'static str {
        match self {
            InsularityBand::NotMeasured => "not_measured",
            InsularityBand::Low => "low",
            InsularityBand::Moderate => "moderate",
            InsularityBand::High => "high",
        }
    }
}

/// One strand of insularity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InsularityComponent {
    /// `peer_distance`, `peer_contacts` or `self_assessment_gap`.
    pub name: String,
    /// In [0, 1]; `None` when the data cannot measure it (then it is left out of the index).
    pub score: Option<f64>,
    /// Its weight before renormalisation.
    pub weight: f64,
    /// One sentence saying what was found.
    pub explanation: String,
    /// What it rests on, one item a line.
    pub evidence: Vec<String>,
}

/// An organisation's insularity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Insularity {
    /// Weighted mean of the measurable components' scores (0 when none is measurable).
    pub index: f64,
    /// The band of the index.
    pub band: InsularityBand,
    /// How the index was made, in one sentence.
    pub explanation: String,
    /// The three components, measurable or not.
    pub components: Vec<InsularityComponent>,
}

impl Default for Insularity {
    fn default() -> Self {
        Insularity {
            index: 0.0,
            band: InsularityBand::NotMeasured,
            explanation: "Insularity not measured.".into(),
            components: Vec::new(),
        }
    }
}

/// A peer norm for one indicator and period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Norm {
    /// Median of the peers' values.
    pub median: f64,
    /// Median absolute deviation × [`MAD_TO_SD`].
    pub sd: f64,
    /// How many peer values.
    pub n: usize,
}

/// The median and robust standard deviation of `values`; `None` with fewer than
/// [`MIN_NORM_VALUES`] values or no spread (distance cannot be told from identical peers).
pub fn norm_of(values: &[f64]) -> Option<Norm> {
    if values.len() < MIN_NORM_VALUES {
        return None;
    }
    let (m, mad) = failwell_stats::robust::median_mad(values)?;
    let sd = mad * MAD_TO_SD;
    (sd > 0.0).then_some(Norm { median: m, sd, n: values.len() })
}

/// What the peer distance found for one series. Kept with the series' recorded results:
/// an indicator no import touched, judged against the same peer groups, finds the same.
#[derive(Debug, Clone, PartialEq)]
pub enum PeerOutcome {
    /// Fewer than [`TAIL_POINTS`] points.
    TooFew,
    /// Some period has no norm (too few peers, or no spread).
    NoNorm,
    /// Measured, and not on the worse side at every point.
    NotDistant,
    /// Measured and persistently distant: each point with its norm, and the statistical
    /// neighbours that formed the peer group.
    Distant(Box<Distant>),
}

/// A persistently distant series' evidence (boxed: most series are not distant, and the
/// scan keeps an outcome for each of 600,000 at England scale).
#[derive(Debug, Clone, PartialEq)]
pub struct Distant {
    /// (period, value, the peers' norm in that period), oldest first.
    pub points: Vec<(Period, f64, Norm)>,
    /// The neighbours' codes, when they formed the peer group (`None`: every organisation
    /// with the indicator).
    pub neighbours: Option<Vec<String>>,
}

/// Each organisation's statistical neighbours (`neighbour` links from it) holding on a
/// day, and a key that changes whenever they, or the rules of the peer distance, do.
#[derive(Debug)]
pub struct PeerGroups<'a> {
    neighbours: BTreeMap<&'a str, BTreeSet<&'a str>>,
    key: String,
}

impl<'a> PeerGroups<'a> {
    /// The neighbours in `links` holding on `today`.
    pub fn new(links: &'a [Link], today: Date) -> PeerGroups<'a> {
        let mut neighbours: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for l in links.iter().filter(|l| l.link_type == LinkType::Neighbour && holds_on(l, today)) {
            if l.from != l.to {
                neighbours.entry(l.from.as_str()).or_default().insert(l.to.as_str());
            }
        }
        let mut text =
            format!("tail={TAIL_POINTS}|sds={DISTANCE_SDS}|neighbours={MIN_NEIGHBOURS}|values={MIN_NORM_VALUES}");
        for (from, to) in &neighbours {
            text.push('|');
            text.push_str(from);
            for t in to {
                text.push(',');
                text.push_str(t);
            }
        }
        let key = crate::stable_hash::stable_hash(text.as_bytes());
        PeerGroups { neighbours, key }
    }

    /// Equal keys, equal peer groups: outcomes judged under one key hold under the other.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// One series' outcome, filed under its organisation: copied, but for a distant series'
/// evidence, so that judging an organisation reads its own outcomes side by side rather
/// than 100 series results scattered over the heap.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Judged<'a> {
    indicator: &'a str,
    polarity: Polarity,
    outcome: Filed<'a>,
}

/// A [`PeerOutcome`] as filed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Filed<'a> {
    TooFew,
    NoNorm,
    NotDistant,
    Distant(&'a Distant),
}

impl<'a> From<&'a PeerOutcome> for Filed<'a> {
    fn from(o: &'a PeerOutcome) -> Filed<'a> {
        match o {
            PeerOutcome::TooFew => Filed::TooFew,
            PeerOutcome::NoNorm => Filed::NoNorm,
            PeerOutcome::NotDistant => Filed::NotDistant,
            PeerOutcome::Distant(d) => Filed::Distant(d),
        }
    }
}

/// Every organisation's peer-distance outcomes, indicator by indicator.
///
/// One indicator's norms are computed once for all of its organisations (at England scale
/// 100 indicators × 6,000 organisations), on every core, rather than looked up point by
/// point for each organisation ([`judge_indicator`]); a scan keeps the outcomes with the
/// series results, so an incremental scan judges only the indicators it charted. The
/// outcomes are filed once under their organisation, in indicator order, so that reading
/// one organisation's touches only its own (a search per indicator and organisation cost
/// more than judging, in cache misses).
#[derive(Debug, Default)]
pub struct PeerNorms<'a> {
    index: FxHashMap<&'a str, usize>,
    by_org: Vec<Vec<Judged<'a>>>,
}

/// Judges every series of one indicator against its peers: the organisation's statistical
/// neighbours where three or more have figures in each of its periods, else every
/// organisation with the indicator. One outcome per tail, in order; `None` for a neutral
/// indicator (it has no worse side).
pub fn judge_indicator(tails: &[TailRef<'_>], groups: &PeerGroups<'_>) -> Vec<Option<PeerOutcome>> {
    let mut by_period: FxHashMap<Period, Vec<f64>> = FxHashMap::default();
    for t in tails {
        for (p, v) in t.points {
            by_period.entry(*p).or_default().push(*v);
        }
    }
    let all: FxHashMap<Period, Option<Norm>> = by_period.iter().map(|(p, v)| (*p, norm_of(v))).collect();
    // Statistical neighbours are few and only some organisations have them: index the
    // indicator's tails by organisation only when someone could use them.
    let neighbours = &groups.neighbours;
    let by_org: FxHashMap<&str, &TailRef<'_>> = if neighbours.values().any(|n| n.len() >= MIN_NEIGHBOURS) {
        tails.iter().map(|t| (t.organisation, t)).collect()
    } else {
        FxHashMap::default()
    };
    let value_of = |org: &str, p: Period| -> Option<f64> {
        by_org.get(org).and_then(|t| t.points.iter().find(|(q, _)| *q == p).map(|(_, v)| *v))
    };
    let mut out = Vec::with_capacity(tails.len());
    for t in tails {
        if t.polarity == Polarity::Neutral {
            out.push(None);
            continue;
        }
        if t.points.len() < TAIL_POINTS {
            out.push(Some(PeerOutcome::TooFew));
            continue;
        }
        // Neighbours with a value in each of the organisation's periods.
        let with_data: Vec<&str> = neighbours
            .get(t.organisation)
            .into_iter()
            .flatten()
            .copied()
            .filter(|n| t.points.iter().all(|(p, _)| value_of(n, *p).is_some()))
            .collect();
        let use_neighbours = with_data.len() >= MIN_NEIGHBOURS;
        let norm_at = |p: Period| -> Option<Norm> {
            if use_neighbours {
                let vals: Vec<f64> = with_data.iter().filter_map(|n| value_of(n, p)).collect();
                norm_of(&vals)
            } else {
                all.get(&p).copied().flatten()
            }
        };
        let worse = |v: f64, norm: Norm| match t.polarity {
            Polarity::HigherIsWorse => v > norm.median + DISTANCE_SDS * norm.sd,
            _ => v < norm.median - DISTANCE_SDS * norm.sd,
        };
        let mut all_worse = true;
        let mut ok = true;
        for (p, v) in t.points {
            let Some(norm) = norm_at(*p) else {
                ok = false;
                break;
            };
            all_worse &= worse(*v, norm);
        }
        // Most series are not distant: only the distant keep their points (found again).
        let outcome = match (ok, all_worse) {
            (false, _) => PeerOutcome::NoNorm,
            (true, false) => PeerOutcome::NotDistant,
            (true, true) => PeerOutcome::Distant(Box::new(Distant {
                points: t.points.iter().filter_map(|(p, v)| Some((*p, *v, norm_at(*p)?))).collect(),
                neighbours: use_neighbours.then(|| with_data.iter().map(|n| n.to_string()).collect()),
            })),
        };
        out.push(Some(outcome));
    }
    out
}

/// Judges every tail against its peers (see [`judge_indicator`]) under the `neighbour`
/// links holding on `today`: one outcome per tail, in order.
pub fn judge_tails(tails: &[TailRef<'_>], links: &[Link], today: Date) -> Vec<Option<PeerOutcome>> {
    let groups = PeerGroups::new(links, today);
    let mut by_indicator: BTreeMap<&str, Vec<(usize, TailRef<'_>)>> = BTreeMap::new();
    for (i, t) in tails.iter().enumerate() {
        by_indicator.entry(t.indicator).or_default().push((i, *t));
    }
    let mut out = vec![None; tails.len()];
    for group in by_indicator.values() {
        let views: Vec<TailRef<'_>> = group.iter().map(|(_, t)| *t).collect();
        for ((i, _), outcome) in group.iter().zip(judge_indicator(&views, &groups)) {
            out[*i] = outcome;
        }
    }
    out
}

impl<'a> PeerNorms<'a> {
    /// Files outcomes judged earlier (the scan keeps them with the series results):
    /// (organisation, indicator, polarity, outcome), in indicator order; a series with no
    /// outcome (a neutral indicator) is known by its organisation only. `indicators` is
    /// how many outcomes an organisation may have (room is made for them at once).
    pub fn filed(
        indicators: usize,
        outcomes: impl IntoIterator<Item = (&'a str, &'a str, Polarity, Option<&'a PeerOutcome>)>,
    ) -> PeerNorms<'a> {
        let mut norms = PeerNorms::default();
        // Organisations by position, in the order first filed. Every indicator lists
        // mostly the same organisations in the same order, so the next series is most
        // often the organisation after the last one: checked before hashing the code
        // (600,000 series at England scale).
        let mut names: Vec<&'a str> = Vec::new();
        let (mut next, mut current) = (0usize, None);
        for (org, indicator, polarity, outcome) in outcomes {
            if current != Some(indicator) {
                (next, current) = (0, Some(indicator));
            }
            let i = match names.get(next) {
                Some(name) if *name == org => next,
                _ => *norms.index.entry(org).or_insert_with(|| {
                    names.push(org);
                    norms.by_org.push(Vec::with_capacity(indicators));
                    norms.by_org.len() - 1
                }),
            };
            next = i + 1;
            if let Some(outcome) = outcome {
                norms.by_org[i].push(Judged { indicator, polarity, outcome: outcome.into() });
            }
        }
        norms
    }

    /// Every organisation filed, with an outcome or not.
    pub fn organisations(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.index.keys().copied()
    }

    /// The peer-distance component of `organisation`.
    pub fn distance(&self, organisation: &str) -> InsularityComponent {
        let mut measured = 0usize;
        let mut distant = 0usize;
        let mut evidence = Vec::new();
        let found = self.index.get(organisation).map_or(&[][..], |i| self.by_org[*i].as_slice());
        // The quiet indicators named on one line, written as found (100 of them an
        // organisation at England scale).
        const QUIET: &str = "not persistently distant: ";
        let mut quiet = String::with_capacity(QUIET.len() + found.len() * 10);
        quiet.push_str(QUIET);
        let mut unmeasured = Vec::new();
        for j in found {
            match j.outcome {
                Filed::TooFew => unmeasured.push(format!("{} (fewer than {TAIL_POINTS} points)", j.indicator)),
                Filed::NoNorm => unmeasured.push(format!("{} (no peer norm: too few peers or no spread)", j.indicator)),
                // Only the distant indicators carry their numbers: the rest are most
                // indicators of most organisations, and their figures are in the series.
                Filed::NotDistant => {
                    measured += 1;
                    if quiet.len() > QUIET.len() {
                        quiet.push_str(", ");
                    }
                    quiet.push_str(j.indicator);
                }
                Filed::Distant(Distant { points, neighbours }) => {
                    measured += 1;
                    distant += 1;
                    let points: Vec<String> = points
                        .iter()
                        .map(|(p, v, norm)| {
                            format!(
                                "{p} {} against median {} (robust sd {}, {} peers)",
                                num(*v),
                                num(norm.median),
                                num(norm.sd),
                                norm.n
                            )
                        })
                        .collect();
                    let peers = match neighbours {
                        Some(n) => format!("its {} statistical neighbours ({})", n.len(), n.join(", ")),
                        None => "every organisation with the indicator".to_string(),
                    };
                    evidence.push(format!(
                        "{} ({}): persistently distant from {peers}: {}",
                        j.indicator,
                        j.polarity,
                        points.join("; ")
                    ));
                }
            }
        }
        if quiet.len() > QUIET.len() {
            evidence.push(quiet);
        }
        if !unmeasured.is_empty() {
            evidence.push(format!("not judged: {}", unmeasured.join(", ")));
        }
        let (score, explanation) = if measured == 0 {
            (
                None,
                format!(
                    "Peer distance not measurable: no indicator with a better direction has {TAIL_POINTS} recent points and a peer norm."
                ),
            )
        } else {
            (
                Some(distant as f64 / measured as f64),
                format!(
                    "{distant} of {measured} indicators have their last {TAIL_POINTS} points all on the worse side of the peer median, beyond {DISTANCE_SDS} robust standard deviations."
                ),
            )
        };
        InsularityComponent { name: "peer_distance".into(), score, weight: WEIGHTS[0], explanation, evidence }
    }
}

/// A number as evidence text: up to three decimals, no trailing zeros.
fn num(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// How many organisations have a peer contact on record at all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContactCoverage {
    /// Organisations (groups aside) with a peer review or a peer, buddy or partner-agency
    /// link on record, at any time.
    pub with_contacts: usize,
    /// Organisations in the registry, groups aside.
    pub organisations: usize,
    /// Whether `with_contacts` reaches the required share: when it does not, "no contact"
    /// cannot be told from "not recorded", and the component is not measured.
    pub enough: bool,
}

/// The coverage of peer-contact records over the registry's `organisations` (sector
/// `group` aside): enough when at least `min_share` of them have one.
pub fn contact_coverage(
    organisations: &[Organisation],
    events: &[Event],
    links: &[Link],
    min_share: f64,
) -> ContactCoverage {
    let mut with: BTreeSet<&str> = BTreeSet::new();
    with.extend(events.iter().filter(|e| e.event_type == EventType::PeerReview).map(|e| e.organisation.as_str()));
    for l in links.iter().filter(|l| is_contact_link(l.link_type)) {
        with.insert(l.from.as_str());
        with.insert(l.to.as_str());
    }
    let members: Vec<&str> =
        organisations.iter().filter(|o| o.sector.as_str() != "group").map(|o| o.code.as_str()).collect();
    let with_contacts = members.iter().filter(|m| with.contains(*m)).count();
    let n = members.len();
    ContactCoverage {
        with_contacts,
        organisations: n,
        enough: with_contacts > 0 && with_contacts as f64 >= min_share * n as f64 - 1e-9,
    }
}

/// Whether a link of this type is a peer contact: a peer, buddy or partner agency.
pub fn is_contact_link(t: LinkType) -> bool {
    matches!(t, LinkType::Peer | LinkType::Buddy | LinkType::PartnerAgency)
}

/// The day `years` years before `today` (29 February falls back to the 28th).
fn years_before(today: Date, years: i64) -> Date {
    let y = today.year() - years as i32;
    today.replace_year(y).unwrap_or_else(|_| today.replace_day(28).and_then(|d| d.replace_year(y)).unwrap_or(today))
}

/// The peer-contacts component: peer reviews and peer, buddy or partner-agency links (in
/// either direction) within the last `years` years, as known on `today`.
pub fn peer_contacts(
    organisation: &str,
    events: &[Event],
    links: &[Link],
    today: Date,
    years: i64,
    coverage: ContactCoverage,
) -> InsularityComponent {
    let since = years_before(today, years);
    let mut contacts: Vec<String> = events
        .iter()
        .filter(|e| e.organisation.as_str() == organisation && e.event_type == EventType::PeerReview)
        .filter(|e| {
            e.occurred_on >= since && e.occurred_on <= today && e.published_on.unwrap_or(e.occurred_on) <= today
        })
        .map(|e| format!("{} {}: {}", iso(e.occurred_on), e.event_type, e.title))
        .collect();
    contacts.extend(
        links
            .iter()
            .filter(|l| {
                is_contact_link(l.link_type) && (l.from.as_str() == organisation || l.to.as_str() == organisation)
            })
            .filter(|l| holds_during(l, since, today))
            .map(|l| {
                let other = if l.from.as_str() == organisation { l.to.as_str() } else { l.from.as_str() };
                let from = l.valid_from.map(iso).unwrap_or_else(|| "…".into());
                let to = l.valid_to.map(iso).unwrap_or_else(|| "…".into());
                format!("{} link with {other} ({from} to {to})", l.link_type)
            }),
    );
    contacts.sort();
    let window = format!("between {} and {}", iso(since), iso(today));
    if !coverage.enough {
        return InsularityComponent {
            name: "peer_contacts".into(),
            score: None,
            weight: WEIGHTS[1],
            explanation: format!(
                "Peer contacts not measurable: only {} of {} organisations have a peer review or a peer, buddy or partner-agency link on record, too few to read an absence as no contact.",
                coverage.with_contacts, coverage.organisations
            ),
            evidence: contacts,
        };
    }
    let score = match contacts.len() {
        0 => 1.0,
        1 => 0.5,
        _ => 0.0,
    };
    let explanation = match contacts.len() {
        0 => format!("No peer review and no peer, buddy or partner-agency link recorded {window}."),
        n => format!("{n} peer contact{} recorded {window}.", if n == 1 { "" } else { "s" }),
    };
    InsularityComponent {
        name: "peer_contacts".into(),
        score: Some(score),
        weight: WEIGHTS[1],
        explanation,
        evidence: contacts,
    }
}

/// How many grades `own` is better than `external` on the regime's scale: the same scale
/// version compares ranks, two versions only through a declared crosswalk. `None` when
/// not comparable.
pub fn grades_better(regime: &Regime, own: GradeRef<'_>, external: GradeRef<'_>) -> Option<i64> {
    if own.scale.id != external.scale.id {
        return None;
    }
    if own.scale.version == external.scale.version {
        return Some(external.grade.rank - own.grade.rank);
    }
    let cw = regime.crosswalk(&own.scale.id, &own.scale.version, &external.scale.version)?;
    // Carry the grade on the crosswalk's "from" side into the "to" version.
    let (from_side, to_side) = if cw.from_version == own.scale.version { (own, external) } else { (external, own) };
    let carried = to_side.scale.grade(cw.map_grade(&from_side.grade.code)?)?;
    Some(if cw.from_version == own.scale.version {
        external.grade.rank - carried.grade.rank
    } else {
        carried.grade.rank - own.grade.rank
    })
}

/// The self-assessment-gap component: the latest self-assessment (regulator `self`)
/// against the latest external judgement published on or after it.
pub fn self_assessment_gap(
    regime: &Regime,
    sector: &str,
    inspections: &[Inspection],
    today: Date,
) -> InsularityComponent {
    let not = |why: String| InsularityComponent {
        name: "self_assessment_gap".into(),
        score: None,
        weight: WEIGHTS[2],
        explanation: format!("Self-assessment gap not measurable: {why}."),
        evidence: Vec::new(),
    };
    let order = |i: &&Inspection| (i.published_on, i.inspected_on, i.framework.as_str().to_string());
    let Some(own) = inspections.iter().filter(|i| is_self_assessment(i) && i.published_on <= today).max_by_key(order)
    else {
        return not("no self-assessment recorded".into());
    };
    let Some(ext) = inspections
        .iter()
        .filter(|i| !is_self_assessment(i) && i.published_on >= own.published_on && i.published_on <= today)
        .max_by_key(order)
    else {
        return not(format!(
            "no external judgement published on or after the self-assessment of {}",
            iso(own.published_on)
        ));
    };
    let line = |i: &Inspection| {
        format!("{} {} {} {} (published {})", i.regulator, i.framework, i.scale_version, i.overall, iso(i.published_on))
    };
    let evidence = vec![format!("self-assessment: {}", line(own)), format!("external judgement: {}", line(ext))];
    let gap = match (resolve_grade(regime, sector, own), resolve_grade(regime, sector, ext)) {
        (Some(a), Some(b)) => grades_better(regime, a, b),
        _ => None,
    };
    let Some(gap) = gap else {
        let mut c = not(format!(
            "the self-rating {} and the external grade {} are not on one scale of the regime (or no crosswalk joins them)",
            own.overall, ext.overall
        ));
        c.evidence = evidence;
        return c;
    };
    let score = if gap >= 2 {
        1.0
    } else if gap == 1 {
        0.5
    } else {
        0.0
    };
    let explanation = match gap {
        g if g > 0 => format!(
            "The organisation rated itself {} ({}), {g} grade{} better than the {} judgement {} published {}.",
            own.overall,
            iso(own.published_on),
            if g == 1 { "" } else { "s" },
            ext.regulator,
            ext.overall,
            iso(ext.published_on)
        ),
        _ => format!(
            "The organisation's self-rating {} ({}) is no better than the {} judgement {} published {}.",
            own.overall,
            iso(own.published_on),
            ext.regulator,
            ext.overall,
            iso(ext.published_on)
        ),
    };
    InsularityComponent {
        name: "self_assessment_gap".into(),
        score: Some(score),
        weight: WEIGHTS[2],
        explanation,
        evidence,
    }
}

/// The index of three components (in the order of [`WEIGHTS`]), renormalised over the
/// measurable ones.
pub fn combine(components: Vec<InsularityComponent>) -> Insularity {
    let measured: Vec<&InsularityComponent> = components.iter().filter(|c| c.score.is_some()).collect();
    if measured.is_empty() {
        return Insularity {
            index: 0.0,
            band: InsularityBand::NotMeasured,
            explanation: "Insularity not measured: none of its components could be measured.".into(),
            components,
        };
    }
    let total: f64 = measured.iter().map(|c| c.weight).sum();
    let index = measured.iter().map(|c| c.weight * c.score.unwrap_or(0.0)).sum::<f64>() / total;
    let mut band = if index >= BAND_THRESHOLDS[1] {
        InsularityBand::High
    } else if index >= BAND_THRESHOLDS[0] {
        InsularityBand::Moderate
    } else {
        InsularityBand::Low
    };
    let capped = measured.len() == 1 && band == InsularityBand::High;
    if capped {
        band = InsularityBand::Moderate;
    }
    let parts: Vec<String> = measured
        .iter()
        .map(|c| format!("{} {} × {}", c.name, num(c.score.unwrap_or(0.0)), num(c.weight / total)))
        .collect();
    let missing: Vec<&str> = components.iter().filter(|c| c.score.is_none()).map(|c| c.name.as_str()).collect();
    let mut explanation = format!("Insularity {} ({}) = {}", num(index), band.as_str(), parts.join(" + "));
    if !missing.is_empty() {
        explanation.push_str(&format!("; weights renormalised, not measurable: {}", missing.join(", ")));
    }
    if capped {
        explanation.push_str("; one measurable component alone caps the band at moderate");
    }
    explanation.push('.');
    Insularity { index, band, explanation, components }
}

/// What one organisation's insularity is measured from.
#[derive(Debug, Clone, Copy)]
pub struct InsularityInput<'a> {
    /// The organisation's code.
    pub organisation: &'a str,
    /// The sector whose scales resolve its grades.
    pub sector: &'a str,
    /// Its inspections, self-assessments included.
    pub inspections: &'a [Inspection],
    /// Its events.
    pub events: &'a [Event],
    /// Its links (only peer, buddy and partner-agency links count; the scan passes those).
    pub links: &'a [Link],
    /// The as-of day.
    pub today: Date,
    /// Peer contacts count within this many years.
    pub peer_contact_years: i64,
    /// How widely peer contacts are recorded ([`contact_coverage`]).
    pub contacts: ContactCoverage,
}

/// Measures one organisation's insularity.
pub fn measure(regime: &Regime, norms: &PeerNorms<'_>, input: InsularityInput<'_>) -> Insularity {
    combine(vec![
        norms.distance(input.organisation),
        peer_contacts(
            input.organisation,
            input.events,
            input.links,
            input.today,
            input.peer_contact_years,
            input.contacts,
        ),
        self_assessment_gap(regime, input.sector, input.inspections, input.today),
    ])
}

/// The rationale sentence of a high index, if it is high.
pub fn rationale(ins: &Insularity) -> Option<String> {
    (ins.band == InsularityBand::High).then(|| {
        let strands: Vec<&str> = ins
            .components
            .iter()
            .filter(|c| c.score.is_some_and(|s| s >= 0.5))
            .map(|c| match c.name.as_str() {
                "peer_distance" => "far from its peers",
                "peer_contacts" => "little contact with peers",
                _ => "rating itself above the external judgement",
            })
            .collect();
        format!(
            "Insularity is high ({}): {}. Insular organisations lose sight of what good looks like; bringing in peers (a peer review, a partner) is the usual way back.",
            num(ins.index),
            strands.join(", ")
        )
    })
}
