//! Funnel and CUSUM signals from in-memory counts.

use crate::support::*;
use failwell_domain::{Counts, IndicatorKind, LinkType, Method, Polarity};
use failwell_engine::judge::counts::{CountEvidence, CountIndicator, Peers, cusum_signals, funnel_signals};
use failwell_engine::judge::signal::{Direction, Signal, SourceKind, Strength};
use failwell_stats::spc::Side;
use failwell_store::CountPoint;

fn count_indicator(method: Method, counts: Counts, polarity: Polarity) -> CountIndicator {
    CountIndicator { info: indicator("breach_rate", polarity, IndicatorKind::Process), method, counts }
}

fn point(org: &str, period: &str, numerator: f64, denominator: f64) -> CountPoint {
    CountPoint {
        organisation: org.into(),
        indicator: "breach_rate".into(),
        period: period.into(),
        value: Some(numerator / denominator),
        numerator: Some(numerator),
        denominator: Some(denominator),
        expected: None,
        published_on: Some(day("2024-04-15")),
    }
}

/// Twenty providers of 1,000 cases each in 2024-03, close to 20% (195 to 205 cases), and
/// P00 with `p00` cases; P00 also has an earlier month far off, which is not judged.
fn providers(p00: f64) -> Vec<CountPoint> {
    let mut rows = vec![point("P00", "2024-02", 900.0, 1000.0)];
    for i in 0..20 {
        let org = format!("P{i:02}");
        let x = if i == 0 { p00 } else { 195.0 + (i % 11) as f64 };
        rows.push(point(&org, "2024-03", x, 1000.0));
    }
    rows.sort_by(|a, b| a.period.cmp(&b.period).then(a.organisation.cmp(&b.organisation)));
    rows
}

fn peers(links: &[failwell_domain::Link]) -> Peers {
    let orgs: Vec<_> = (0..20).map(|i| organisation(&format!("P{i:02}"), "Provider")).collect();
    Peers::new(&orgs, links, day("2024-05-01"))
}

fn funnel(rows: &[CountPoint], polarity: Polarity) -> Vec<Signal> {
    let ind = count_indicator(Method::Funnel, Counts::NumeratorDenominator, polarity);
    let (signals, judged) = funnel_signals(&ind, rows, &peers(&[]), &judge());
    assert_eq!(judged.len(), 20, "{judged:?}");
    signals
}

fn funnel_evidence(s: &Signal) -> failwell_engine::judge::counts::FunnelEvidence {
    match s.evidence.read().unwrap().counts {
        Some(CountEvidence::Funnel(f)) => f,
        other => panic!("no funnel evidence: {other:?}"),
    }
}

#[test]
fn a_provider_far_above_its_peers_is_a_moderate_concern_outside_the_998_limit() {
    let signals = funnel(&providers(400.0), Polarity::HigherIsWorse);
    assert_eq!(signals.len(), 1, "{signals:#?}");
    let s = &signals[0];
    assert_eq!(s.organisation, "P00");
    assert_eq!(s.rule, "funnel.outside_998");
    assert_eq!(s.key, "P00|breach_rate|funnel.outside_998|2024-03");
    assert_eq!(s.source_kind, SourceKind::Indicator);
    assert_eq!(s.direction, Direction::Concern);
    assert_eq!(s.strength, Strength::Moderate);
    assert_eq!(s.side, Some(Side::High));
    assert_eq!((s.start.to_string().as_str(), s.end.to_string().as_str()), ("2024-03", "2024-03"));
    assert_eq!(s.known_from.map(failwell_domain::dates::iso).as_deref(), Some("2024-04-15"));
    assert!(s.tracking.is_none());
    let f = funnel_evidence(s);
    assert_eq!(f.peers, 20);
    assert_eq!(f.peer_group, "org_type");
    assert_eq!((f.numerator, f.denominator), (400.0, 1000.0));
    assert!((f.value - 0.4).abs() < 1e-12);
    // The target is the pooled proportion of the twenty.
    let pooled = (400.0 + (1..20).map(|i| 195.0 + (i % 11) as f64).sum::<f64>()) / 20_000.0;
    assert!((f.target - pooled).abs() < 1e-12, "{} vs {pooled}", f.target);
    assert!(f.value > f.limits_998.upper && f.limits_998.upper > f.limits_95.upper, "{f:?}");
    assert!(f.phi.is_some() && f.tau2.is_some());
    assert!(
        s.evidence
            .read()
            .unwrap()
            .explanation
            .contains("P00 in 2024-03: 400 of 1000 (40.0%) lies above the 99.8% upper limit")
    );
    assert!(
        s.evidence
            .read()
            .unwrap()
            .explanation
            .contains("the 20 organisations of type provider with figures for 2024-03")
    );
    assert_eq!(s.evidence.read().unwrap().points[0].label.as_deref(), Some("400 of 1000"));
}

#[test]
fn providers_within_their_limits_give_nothing() {
    assert!(funnel(&providers(200.0), Polarity::HigherIsWorse).is_empty());
}

#[test]
fn outside_the_95_limit_only_is_a_weak_concern() {
    let signals = funnel(&providers(232.0), Polarity::HigherIsWorse);
    assert_eq!(signals.len(), 1, "{signals:#?}");
    assert_eq!(signals[0].rule, "funnel.outside_95");
    assert_eq!(signals[0].strength, Strength::Weak);
    assert_eq!(signals[0].direction, Direction::Concern);
}

#[test]
fn far_on_the_better_side_is_an_improvement() {
    let signals = funnel(&providers(60.0), Polarity::HigherIsWorse);
    assert_eq!(signals.len(), 1, "{signals:#?}");
    assert_eq!(signals[0].rule, "funnel.outside_998");
    assert_eq!(signals[0].direction, Direction::Improvement);
    assert_eq!(signals[0].side, Some(Side::Low));
    // And the same figures on an indicator where higher is better: a concern.
    let signals = funnel(&providers(60.0), Polarity::HigherIsBetter);
    assert_eq!(signals[0].direction, Direction::Concern);
}

#[test]
fn statistical_neighbours_with_figures_form_the_peer_group() {
    let ind = count_indicator(Method::Funnel, Counts::NumeratorDenominator, Polarity::HigherIsWorse);
    let links: Vec<_> =
        ["P01", "P02", "P03", "P04"].iter().map(|to| link("P00", to, LinkType::Neighbour, None)).collect();
    let (signals, _) = funnel_signals(&ind, &providers(400.0), &peers(&links), &judge());
    let s = signals.iter().find(|s| s.organisation == "P00").expect("P00 signals");
    let f = funnel_evidence(s);
    assert_eq!(f.peer_group, "statistical_neighbours");
    assert_eq!(f.peers, 5);
    assert_eq!(f.peer_codes, ["P01", "P02", "P03", "P04"]);
    assert!(
        s.evidence.read().unwrap().explanation.contains("its 4 statistical neighbours"),
        "{}",
        s.evidence.read().unwrap().explanation
    );
}

#[test]
fn too_few_units_or_no_counts_are_not_judged() {
    let ind = count_indicator(Method::Funnel, Counts::NumeratorDenominator, Polarity::HigherIsWorse);
    let rows: Vec<_> = providers(400.0).into_iter().filter(|p| p.organisation.as_str() <= "P02").collect();
    let (signals, _) = funnel_signals(&ind, &rows, &peers(&[]), &judge());
    assert!(signals.is_empty(), "{signals:#?}");
    let bare: Vec<_> = providers(400.0).into_iter().map(|p| CountPoint { numerator: None, ..p }).collect();
    let (signals, judged) = funnel_signals(&ind, &bare, &peers(&[]), &judge());
    assert!(signals.is_empty() && judged.is_empty());
}

fn observed_expected(org: &str, observed: &[f64], expected: Option<f64>) -> Vec<CountPoint> {
    observed
        .iter()
        .enumerate()
        .map(|(i, &o)| CountPoint {
            organisation: org.into(),
            indicator: "deaths".into(),
            period: format!("{}", 2010 + i),
            value: Some(o),
            numerator: None,
            denominator: None,
            expected,
            published_on: Some(day(&format!("{}-06-01", 2011 + i))),
        })
        .collect()
}

fn cusum_indicator() -> CountIndicator {
    CountIndicator {
        info: indicator("deaths", Polarity::HigherIsWorse, IndicatorKind::Outcome),
        method: Method::Cusum,
        counts: Counts::ObservedExpected,
    }
}

#[test]
fn a_cusum_crossing_its_threshold_at_the_latest_periods_is_a_signal_with_its_run() {
    let mut observed = vec![10.0, 9.0, 11.0, 10.0, 8.0, 12.0, 10.0, 9.0, 11.0];
    observed.extend([22.0, 26.0, 27.0]);
    let rows = observed_expected("T1", &observed, Some(10.0));
    let (signals, judged) = cusum_signals(&cusum_indicator(), &rows, &judge());
    assert_eq!(judged.len(), 1);
    assert_eq!(signals.len(), 1, "{signals:#?}");
    let s = &signals[0];
    assert_eq!(s.rule, "cusum.signal");
    assert_eq!(s.direction, Direction::Concern);
    assert_eq!(s.strength, Strength::Moderate);
    assert_eq!(s.end, "2021");
    assert_eq!(s.key, format!("T1|deaths|cusum.signal|{}", s.start));
    let Some(CountEvidence::Cusum(c)) = &s.evidence.read().unwrap().counts else { panic!("no CUSUM evidence") };
    assert_eq!(c.rate_ratio, 2.0);
    assert_eq!(c.horizon, 12);
    assert!(c.false_alarm <= 0.01, "{c:?}");
    assert!(c.value >= c.threshold);
    let last = c.run.last().unwrap();
    assert_eq!(last.period, "2021");
    assert_eq!(last.cusum, c.value);
    assert_eq!(c.run.first().unwrap().period, s.start.to_string());
    assert_eq!(c.observed, c.run.iter().map(|p| p.observed).sum::<f64>());
    assert_eq!(c.expected, 10.0 * c.run.len() as f64);
    assert_eq!(s.evidence.read().unwrap().points.len(), c.run.len());
    assert!(
        s.evidence
            .read()
            .unwrap()
            .explanation
            .starts_with("T1 on deaths: the Poisson CUSUM tuned to a rate ratio of 2 reached")
    );
    assert!(
        s.evidence.read().unwrap().explanation.contains("Period 12 is 2021"),
        "{}",
        s.evidence.read().unwrap().explanation
    );
}

#[test]
fn a_cusum_in_control_gives_nothing() {
    let rows = observed_expected("T1", &[10.0, 9.0, 11.0, 10.0, 8.0, 12.0, 10.0, 9.0, 11.0, 10.0], Some(10.0));
    let (signals, judged) = cusum_signals(&cusum_indicator(), &rows, &judge());
    assert!(signals.is_empty(), "{signals:#?}");
    assert_eq!(judged.len(), 1);
}

#[test]
fn an_old_cusum_signal_is_not_reported() {
    let mut observed = vec![30.0, 30.0, 30.0];
    observed.extend([10.0, 9.0, 11.0, 10.0, 8.0]);
    let rows = observed_expected("T1", &observed, Some(10.0));
    let (signals, _) = cusum_signals(&cusum_indicator(), &rows, &judge());
    assert!(signals.is_empty(), "{signals:#?}");
}

#[test]
fn no_expected_counts_no_cusum() {
    let rows = observed_expected("T1", &[10.0, 30.0, 30.0, 30.0], None);
    let (signals, judged) = cusum_signals(&cusum_indicator(), &rows, &judge());
    assert!(signals.is_empty() && judged.is_empty());
}
