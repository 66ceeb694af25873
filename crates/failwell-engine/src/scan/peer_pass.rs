//! The peer distance of every series (the insularity index's first strand), judged per
//! indicator over the series pass's results and kept with them.
//!
//! An indicator's outcomes depend only on its series' last points and on the peer groups
//! in force. The series of an indicator no import touched are the ones the last scan
//! judged, so when the peer groups' key is the one its outcomes were judged under, they
//! are reused as recorded; otherwise (charted again, or the neighbours changed) the whole
//! indicator is judged again, and a recorded scan writes it out again.

use crate::judge::insularity::{PeerGroups, TailRef, judge_indicator};
use crate::judge::series::IndicatorInfo;
use crate::scan::series_pass::{IndicatorResults, SeriesPass};
use std::collections::BTreeMap;

/// The indicators of `pass` whose outcomes were not judged under `groups`.
pub fn stale(pass: &SeriesPass, indicators: &BTreeMap<String, IndicatorInfo>, groups: &PeerGroups<'_>) -> Vec<String> {
    pass.by_indicator.iter().filter(|(code, r)| is_stale(code, r, indicators, groups)).map(|(c, _)| c.clone()).collect()
}

fn is_stale(
    code: &str,
    results: &IndicatorResults,
    indicators: &BTreeMap<String, IndicatorInfo>,
    groups: &PeerGroups<'_>,
) -> bool {
    indicators.contains_key(code) && results.peer_key.as_deref() != Some(groups.key())
}

/// Judges the indicators of `pass` whose outcomes were not judged under `groups`, and
/// marks them rebuilt. Returns how many indicators it judged.
///
/// # Panics
/// When one of them was read back without its tails (a bug: [`stale`] ones are charted
/// again first): judging empty tails would find every series too short.
pub fn judge_peers(
    pass: &mut SeriesPass,
    indicators: &BTreeMap<String, IndicatorInfo>,
    groups: &PeerGroups<'_>,
    parallel_from_series: usize,
) -> usize {
    let stale: Vec<(&String, &mut IndicatorResults)> =
        pass.by_indicator.iter_mut().filter(|(code, r)| is_stale(code, r, indicators, groups)).collect();
    assert!(stale.iter().all(|(_, r)| !r.tails_dropped()), "peer distance judged on results without tails");
    let series: usize = stale.iter().map(|(_, r)| r.series.len()).sum();
    let codes: Vec<String> = stale.iter().map(|(code, _)| (*code).clone()).collect();
    let min_items = if series < parallel_from_series { usize::MAX } else { 2 };
    crate::scan::parallel::map(stale, min_items, |(code, results)| {
        let Some(info) = indicators.get(code) else { return };
        let tails: Vec<TailRef<'_>> = results
            .series
            .iter()
            .zip(&results.tails)
            .map(|(r, tail)| TailRef {
                organisation: &r.organisation,
                indicator: code,
                polarity: info.polarity,
                points: tail,
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

#[cfg(test)]
mod tests {
    use super::judge_peers;
    use crate::judge::insularity::{PeerGroups, PeerOutcome};
    use crate::judge::series::IndicatorInfo;
    use crate::scan::series_pass::{IndicatorResults, ScanMode, SeriesPass, SeriesResult, Tail};
    use failwell_domain::{Code, IndicatorKind, Link, LinkType, Period, Polarity};
    use std::collections::BTreeMap;

    fn pass() -> SeriesPass {
        let p = |s: &str| s.parse::<Period>().unwrap();
        // A is far above the others at all three points.
        let (series, tails) = [("A", 30.0), ("B", 10.0), ("C", 11.0), ("D", 9.0), ("E", 10.5)]
            .iter()
            .map(|(org, v)| {
                let series = SeriesResult {
                    organisation: (*org).into(),
                    latest: Some(p("2024-03")),
                    signals: vec![],
                    peer: None,
                };
                (series, Tail::of(&[(p("2024-01"), *v), (p("2024-02"), *v + 0.1), (p("2024-03"), *v - 0.1)]))
            })
            .unzip();
        SeriesPass {
            by_indicator: BTreeMap::from([("x".to_string(), IndicatorResults { series, tails, peer_key: None })]),
            mode: ScanMode::Incremental,
            charted: 0,
            reused: 5,
            rebuilt: Default::default(),
            latest_published: None,
            through_import: 0,
            config: String::new(),
        }
    }

    fn neighbours(of: &str, to: &[&str]) -> Vec<Link> {
        to.iter()
            .map(|t| Link {
                from: Code::new(of).unwrap(),
                to: Code::new(t).unwrap(),
                link_type: LinkType::Neighbour,
                valid_from: None,
                valid_to: None,
                rank: None,
                note: String::new(),
                source: "test".into(),
                learned_on: None,
            })
            .collect()
    }

    #[test]
    fn outcomes_are_reused_under_the_same_peer_groups_and_judged_again_under_others() {
        let info = IndicatorInfo {
            code: "x".into(),
            polarity: Polarity::HigherIsWorse,
            kind: IndicatorKind::Outcome,
            failure_types: vec![],
        };
        let indicators = BTreeMap::from([("x".to_string(), info)]);
        let today = time::macros::date!(2024 - 04 - 15);
        let mut pass = pass();
        let none = PeerGroups::new(&[], today);
        assert_eq!(judge_peers(&mut pass, &indicators, &none, 10_000), 1, "never judged");
        assert!(pass.rebuilt.contains("x"), "judged again, so written again");
        let a = &pass.by_indicator["x"].series[0];
        assert!(matches!(a.peer, Some(PeerOutcome::Distant(ref d)) if d.neighbours.is_none()), "{:?}", a.peer);
        pass.rebuilt.clear();
        assert_eq!(judge_peers(&mut pass, &indicators, &none, 10_000), 0, "same peer groups: reused");
        assert!(pass.rebuilt.is_empty());
        // Statistical neighbours appear: the key changes and the indicator is judged again,
        // now against them.
        let links = neighbours("A", &["B", "C", "D"]);
        let groups = PeerGroups::new(&links, today);
        assert_ne!(groups.key(), none.key());
        assert_eq!(judge_peers(&mut pass, &indicators, &groups, 10_000), 1);
        let a = &pass.by_indicator["x"].series[0];
        let Some(PeerOutcome::Distant(d)) = &a.peer else { panic!("{:?}", a.peer) };
        assert_eq!(d.neighbours.as_deref(), Some(&["B".to_string(), "C".to_string(), "D".to_string()][..]));
        assert_eq!(pass.by_indicator["x"].peer_key.as_deref(), Some(groups.key()));
    }
}
