//! Continuity of signals across scans: an ongoing signal is one signal, not a new alert
//! every month.
//!
//! A signal continues an open one (a signal no recorded scan has closed) when it has the
//! same key, or — for SPC, funnel and CUSUM signals only — the same organisation,
//! indicator, rule and direction: as new points arrive the limits are recomputed and a
//! run's first point can move, but it is still the same run; an organisation outside its
//! peers' funnel limits month after month is one signal (its key names the latest
//! period), as is a CUSUM that keeps signalling. Inspection and event signals are keyed by their
//! judgement's or event's date, so a new judgement is a new signal. Open signals no
//! longer seen are closed.

use crate::judge::signal::{Signal, SignalRule, Tracking};
use failwell_store::OpenSignal;
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Borrow;
use std::collections::BTreeMap;

/// The outcome of matching one scan's signals against the open ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Continuity {
    /// Indexes (into the signals given) of signals no open signal continues.
    pub new: Vec<usize>,
    /// (index, identity) of signals that continue an open one.
    pub ongoing: Vec<(usize, String)>,
    /// Identities of open signals this scan did not see.
    pub closed: Vec<String>,
}

/// Whether a signal of `rule` may continue an open one under another key: series rules,
/// whose key names a run's first point or the period judged.
pub fn continues_across_keys(rule: &str) -> bool {
    rule.parse::<SignalRule>().is_ok_and(SignalRule::reads_a_chart)
}

/// Matches `signals` against `open` and sets each signal's [`Tracking`]: the identity and
/// first-seen day of the open signal it continues, or its own key and `today` when new.
///
/// `signals` is a list of (organisation, signal) references in any order; matching is
/// exact keys first, then series signals (SPC, funnel, CUSUM) whose key moved, paired
/// with open ones of the same rule in key order; each open signal is continued at most
/// once, so the result does not depend on the order of either list.
pub fn match_signals<O: Borrow<OpenSignal>>(open: &[O], signals: &mut [&mut Signal], today: &str) -> Continuity {
    // Hash maps: 40,000 open signals at England scale, and the result does not depend on
    // their order (ties are broken by key below).
    let by_key: FxHashMap<&str, &OpenSignal> = open.iter().map(|o| (o.borrow().key.as_str(), o.borrow())).collect();
    let mut taken: FxHashSet<&str> = FxHashSet::default();
    let mut result = Continuity::default();
    let mut unmatched = Vec::new();
    for (i, s) in signals.iter_mut().enumerate() {
        if let Some(o) = by_key.get(s.key.as_str()) {
            taken.insert(o.key.as_str());
            s.tracking = Some(Tracking { id: o.key.clone(), first_seen: o.first_seen_on.clone() });
            result.ongoing.push((i, o.key.clone()));
        } else {
            unmatched.push(i);
        }
    }
    // Series signals whose key moved: same organisation, source, rule and direction.
    type RunKey = (String, String, String, String);
    let mut runs: BTreeMap<RunKey, Vec<&OpenSignal>> = BTreeMap::new();
    for o in
        open.iter().map(Borrow::borrow).filter(|o| continues_across_keys(&o.rule) && !taken.contains(o.key.as_str()))
    {
        let key = (o.organisation.clone(), o.source.clone(), o.rule.clone(), o.direction.clone());
        runs.entry(key).or_default().push(o);
    }
    // Candidates in key order (the earliest run first), whatever order `open` came in.
    for candidates in runs.values_mut() {
        candidates.sort_by(|a, b| a.key.cmp(&b.key));
    }
    // Visit unmatched signals in key order so that ties resolve the same way every time.
    unmatched.sort_by(|&a, &b| signals[a].key.cmp(&signals[b].key));
    for i in unmatched {
        let s = &mut signals[i];
        let candidate = if s.rule.reads_a_chart() {
            let key = (s.organisation.clone(), s.source.clone(), s.rule.to_string(), s.direction.code().to_string());
            runs.get_mut(&key).and_then(|v| if v.is_empty() { None } else { Some(v.remove(0)) })
        } else {
            None
        };
        match candidate {
            Some(o) => {
                taken.insert(o.key.as_str());
                s.tracking = Some(Tracking { id: o.key.clone(), first_seen: o.first_seen_on.clone() });
                result.ongoing.push((i, o.key.clone()));
            }
            None => {
                s.tracking = Some(Tracking { id: s.key.clone(), first_seen: today.to_string() });
                result.new.push(i);
            }
        }
    }
    result.ongoing.sort();
    result.new.sort();
    result.closed =
        open.iter().map(Borrow::borrow).filter(|o| !taken.contains(o.key.as_str())).map(|o| o.key.clone()).collect();
    result
}
