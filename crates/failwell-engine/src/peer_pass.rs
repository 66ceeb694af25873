//! The peer distance of every series (the insularity index's first strand), judged per
//! indicator over the series pass's results and kept with them.
//!
//! An indicator's outcomes depend only on its series' last points and on the peer groups
//! in force. The series of an indicator no import touched are the ones the last scan
//! judged, so when the peer groups' key is the one its outcomes were judged under, they
//! are reused as recorded; otherwise (charted again, or the neighbours changed) the whole
//! indicator is judged again, and a recorded scan writes it out again.

use crate::insularity::{PeerGroups, TailRef, judge_indicator};
use crate::series::IndicatorInfo;
use crate::series_pass::{IndicatorResults, SeriesPass};
use std::collections::BTreeMap;

/// Below this many series to judge, one thread does it (threads cost more than they save).
const PARALLEL_FROM: usize = 10_000;

/// Judges the indicators of `pass` whose outcomes were not judged under `groups`, and
/// marks them rebuilt. Returns how many indicators it judged.
pub fn judge_peers(
    pass: &mut SeriesPass,
    indicators: &BTreeMap<String, IndicatorInfo>,
    groups: &PeerGroups<'_>,
) -> usize {
    let stale: Vec<(&String, &mut IndicatorResults)> = pass
        .by_indicator
        .iter_mut()
        .filter(|(code, r)| indicators.contains_key(*code) && r.peer_key.as_deref() != Some(groups.key()))
        .collect();
    let series: usize = stale.iter().map(|(_, r)| r.series.len()).sum();
    let codes: Vec<String> = stale.iter().map(|(code, _)| (*code).clone()).collect();
    let min_items = if series < PARALLEL_FROM { usize::MAX } else { 2 };
    crate::parallel::map(stale, min_items, |(code, results)| {
        let Some(info) = indicators.get(code) else { return };
        let tails: Vec<TailRef<'_>> = results
            .series
            .iter()
            .map(|r| TailRef {
                organisation: &r.organisation,
                indicator: code,
                polarity: info.polarity,
                points: &r.tail,
            })
            .collect();
        let outcomes = judge_indicator(&tails, groups);
        for (r, outcome) in results.series.iter_mut().zip(outcomes) {
            r.peer = outcome;
        }
        results.peer_key = Some(groups.key().to_string());
    });
    let judged = codes.len();
    pass.rebuilt.extend(codes);
    judged
}
