//! A national shift is not a local failure. When most organisations with an indicator
//! signal the same way at once (A&E four-hour performance worsening everywhere in a
//! winter), that is common cause at national level — the report's "external" failure —
//! not a hundred local ones. It is shown once, in the scan's national view, and each
//! organisation's own signal on it is read as part of the shift: not counted towards its
//! risk. Whether it moved further than its peers is for the peer-relative evidence
//! (funnels, peer distance) to say.

use crate::judge::signal::{Direction, Reading, Signal, SignalRule, SourceKind};
use failwell_stats::spc::Side;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One indicator moving nationally.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NationalShift {
    /// The indicator.
    pub indicator: String,
    /// Which way its values moved (`high` or `low`).
    pub side: Side,
    /// The latest period the organisations reported.
    pub period: String,
    /// Organisations reporting that period.
    pub organisations: usize,
    /// Of which with a concern signal of the same side from the SPC rules.
    pub signalling: usize,
    /// `signalling / organisations`.
    pub share: f64,
    /// In words, for the national view.
    pub explanation: String,
}

/// When a movement counts as national.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShiftRule {
    /// At least this share of the organisations reporting the latest period signal.
    pub share: f64,
    /// And at least this many of them.
    pub min_organisations: usize,
}

/// An indicator's latest period and the organisations that reported it: the only ones a
/// movement in that period can be counted among.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LatestReporting {
    /// The latest period any organisation reported.
    pub period: String,
    /// The organisations whose series reach it.
    pub organisations: BTreeSet<Arc<str>>,
}

impl LatestReporting {
    /// Whether the signal is on a series that reaches the latest period, and so may be
    /// counted among the organisations moving in it.
    fn covers(&self, s: &Signal) -> bool {
        self.organisations.contains(s.organisation.as_str())
    }
}

/// The indicators moving nationally: for each indicator, `reporting` says which
/// organisations reported its latest period (and which period); `signals` are every
/// organisation's series signals. A shift is a side of an indicator on which at least
/// `rule.share` of the reporting organisations, and `rule.min_organisations`, have an SPC
/// concern signal. Only those reporting organisations' signals count, so the share is
/// never more than the whole.
pub fn find_shifts<'a>(
    reporting: &BTreeMap<String, LatestReporting>,
    signals: impl Iterator<Item = &'a Signal>,
    rule: ShiftRule,
) -> Vec<NationalShift> {
    // Keyed by (indicator, high side?): `Side` has no order of its own.
    let mut signalling: BTreeMap<(&str, bool), BTreeSet<&str>> = BTreeMap::new();
    for s in signals.filter(|s| is_spc_concern(s)) {
        if let (Some(indicator), Some(side)) = (s.indicator.as_deref(), s.side)
            && reporting.get(indicator).is_some_and(|r| r.covers(s))
        {
            signalling.entry((indicator, side == Side::High)).or_default().insert(s.organisation.as_str());
        }
    }
    signalling
        .into_iter()
        .filter_map(|((indicator, high), orgs)| {
            let side = if high { Side::High } else { Side::Low };
            let latest = reporting.get(indicator)?;
            let (period, n) = (&latest.period, &latest.organisations.len());
            let share = orgs.len() as f64 / *n as f64;
            (*n > 0 && orgs.len() >= rule.min_organisations && share >= rule.share).then(|| NationalShift {
                indicator: indicator.to_string(),
                side,
                period: period.clone(),
                organisations: *n,
                signalling: orgs.len(),
                share,
                explanation: format!(
                    "{} of {} organisations reporting {indicator} for {period} signal a special cause on its {} side at once ({:.0} %): a national shift, common cause at national level, not counted against each of them.",
                    orgs.len(),
                    n,
                    if high { "high" } else { "low" },
                    100.0 * share
                ),
            })
        })
        .collect()
}

/// Reads every SPC concern signal on a shifting indicator's side as part of the shift,
/// those of an organisation a period or two late with its return too (its last figures
/// moved with everyone's), but not one already read otherwise: a series that stopped long
/// ago is history, not part of a movement now (judge/returns.rs).
pub fn mark<'a>(signals: impl Iterator<Item = &'a mut Signal>, shifts: &[NationalShift]) {
    if shifts.is_empty() {
        return;
    }
    for s in signals.filter(|s| is_spc_concern(s) && s.reading == Reading::AsIs) {
        let part_of =
            |n: &NationalShift| Some(n.indicator.as_str()) == s.indicator.as_deref() && Some(n.side) == s.side;
        if shifts.iter().any(part_of) {
            s.reading = Reading::NationalShift;
        }
    }
}

fn is_spc_concern(s: &Signal) -> bool {
    s.source_kind == SourceKind::Indicator && s.direction == Direction::Concern && matches!(s.rule, SignalRule::Spc(_))
}
