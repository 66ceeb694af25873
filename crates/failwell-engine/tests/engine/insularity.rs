//! Insularity: each component firing and not, its evidence, and the index.

use crate::support::*;
use failwell_domain::{EventType, Inspection, LinkType, Polarity, Slug};
use failwell_engine::judge::inspection::inspection_signals;
use failwell_engine::judge::insularity::{
    ContactCoverage, InsularityBand, InsularityComponent, PeerNorms, PeerOutcome, SeriesTail, combine,
    contact_coverage, judge_tails, peer_contacts, rationale, self_assessment_gap,
};

const P: [&str; 3] = ["2020/21", "2021/22", "2022/23"];

fn tail(org: &str, ind: &str, polarity: Polarity, values: [f64; 3]) -> SeriesTail {
    SeriesTail {
        organisation: org.into(),
        indicator: ind.into(),
        polarity,
        points: P.iter().map(|p| p.parse().unwrap()).zip(values).collect(),
    }
}

/// Every tail judged against its peers, as the scan judges them.
fn judged(tails: &[SeriesTail], links: &[failwell_domain::Link], today: &str) -> Vec<Option<PeerOutcome>> {
    let views: Vec<_> = tails.iter().map(SeriesTail::view).collect();
    judge_tails(&views, links, day(today))
}

/// The outcomes filed by organisation, as the scan files them.
fn norms<'a>(tails: &'a [SeriesTail], outcomes: &'a [Option<PeerOutcome>]) -> PeerNorms<'a> {
    let filed = tails
        .iter()
        .zip(outcomes)
        .map(|(t, o)| (t.organisation.as_str(), t.indicator.as_str(), t.polarity, o.as_ref()));
    PeerNorms::filed(2, filed)
}

/// ORG and four peers; on `x` ORG is far above its peers at all three points, on `y` at
/// two of three.
fn tails() -> Vec<SeriesTail> {
    let mut t = vec![
        tail("ORG", "x", Polarity::HigherIsWorse, [20.0, 21.0, 22.0]),
        tail("ORG", "y", Polarity::HigherIsWorse, [20.0, 10.0, 22.0]),
    ];
    for (n, v) in [("N1", 10.0), ("N2", 11.0), ("N3", 12.0), ("N4", 9.0)] {
        t.push(tail(n, "x", Polarity::HigherIsWorse, [v; 3]));
        t.push(tail(n, "y", Polarity::HigherIsWorse, [v; 3]));
    }
    t
}

fn neighbours() -> Vec<failwell_domain::Link> {
    ["N1", "N2", "N3", "N4"].iter().map(|n| link("ORG", n, LinkType::Neighbour, Some("2015-01-01"))).collect()
}

#[test]
fn the_last_series_points_are_the_tail() {
    let periods: Vec<failwell_domain::Period> =
        ["2020", "2021", "2022", "2023", "2024"].iter().map(|s| s.parse().unwrap()).collect();
    let t = SeriesTail::of("ORG", "x", Polarity::HigherIsWorse, &periods, &[1.0, 2.0, 3.0, f64::NAN, 5.0], 3);
    let p = |s: &str| s.parse::<failwell_domain::Period>().unwrap();
    assert_eq!(t.points, vec![(p("2021"), 2.0), (p("2022"), 3.0), (p("2024"), 5.0)]);
}

#[test]
fn persistently_distant_from_statistical_neighbours_counts_and_two_of_three_does_not() {
    let tails = tails();
    let links = neighbours();
    let outcomes = judged(&tails, &links, "2024-01-01");
    let norms = norms(&tails, &outcomes);
    let c = norms.distance("ORG");
    assert_eq!(c.name, "peer_distance");
    assert_eq!(c.score, Some(0.5), "{c:#?}");
    assert_eq!(c.weight, 0.4);
    assert!(c.explanation.starts_with("1 of 2 indicators"), "{}", c.explanation);
    // Peers 9, 10, 11, 12: median 10.5, MAD 1, robust sd 1.483.
    let x = c.evidence.iter().find(|e| e.starts_with("x ")).expect("x evidence");
    assert!(x.contains("persistently distant from its 4 statistical neighbours (N1, N2, N3, N4)"), "{x}");
    assert!(x.contains("2020/21 20 against median 10.5 (robust sd 1.483, 4 peers)"), "{x}");
    assert!(c.evidence.contains(&"not persistently distant: y".to_string()), "{:?}", c.evidence);
    // A neighbour is not distant from its peers.
    assert_eq!(norms.distance("N1").score, Some(0.0));
}

#[test]
fn without_three_neighbours_the_norm_is_every_organisation_and_better_values_are_not_distant() {
    let mut tails = tails();
    tails.push(tail("ORG", "z", Polarity::HigherIsBetter, [20.0, 21.0, 22.0]));
    tails.push(tail("ORG", "w", Polarity::HigherIsBetter, [1.0, 2.0, 1.5]));
    for (n, v) in [("N1", 10.0), ("N2", 11.0), ("N3", 12.0), ("N4", 9.0)] {
        tails.push(tail(n, "z", Polarity::HigherIsBetter, [v; 3]));
        tails.push(tail(n, "w", Polarity::HigherIsBetter, [v; 3]));
    }
    // Two neighbours only: the peer group falls back to every organisation with the indicator.
    let links = neighbours()[..2].to_vec();
    let outcomes = judged(&tails, &links, "2024-01-01");
    let peer_norms = norms(&tails, &outcomes);
    let c = peer_norms.distance("ORG");
    let x = c.evidence.iter().find(|e| e.starts_with("x ")).unwrap();
    assert!(x.contains("from every organisation with the indicator"), "{x}");
    assert!(x.contains("persistently distant"), "{x}");
    // z: higher is better and ORG is high: far from its peers, but on the better side.
    assert!(c.evidence.contains(&"not persistently distant: y, z".to_string()), "{:?}", c.evidence);
    // w: higher is better and ORG is low at every point: distant on the worse side.
    let w = c.evidence.iter().find(|e| e.starts_with("w ")).unwrap();
    assert!(w.starts_with("w (higher_is_better): persistently distant"), "{w}");
    assert_eq!(c.score, Some(0.5), "x and w of x, y, z, w: {c:#?}");
    // A neighbour link not yet in force on the as-of day does not count.
    let links = neighbours();
    let outcomes = judged(&tails, &links, "2014-01-01");
    let peer_norms = norms(&tails, &outcomes);
    assert!(peer_norms.distance("ORG").evidence[0].contains("every organisation"));
}

#[test]
fn too_few_points_or_only_neutral_indicators_are_not_measurable() {
    let tails = vec![
        SeriesTail {
            organisation: "ORG".into(),
            indicator: "x".into(),
            polarity: Polarity::HigherIsWorse,
            points: vec![("2022/23".parse().unwrap(), 1.0), ("2023/24".parse().unwrap(), 2.0)],
        },
        tail("ORG", "n", Polarity::Neutral, [1.0, 2.0, 3.0]),
    ];
    let outcomes = judged(&tails, &[], "2024-01-01");
    let c = norms(&tails, &outcomes).distance("ORG");
    assert_eq!(c.score, None);
    assert!(c.explanation.contains("not measurable"), "{}", c.explanation);
    assert_eq!(c.evidence, vec!["not judged: x (fewer than 3 points)".to_string()]);
}

#[test]
fn peer_contacts_score_none_one_and_two() {
    let today = day("2024-01-01");
    let old = event("ORG", EventType::PeerReview, "2020-06-01");
    let c = peer_contacts("ORG", std::slice::from_ref(&old), &[], today, 3, COVERED);
    assert_eq!(c.score, Some(1.0), "a peer review over 3 years ago does not count");
    assert!(c.explanation.contains("No peer review"), "{}", c.explanation);
    assert!(c.evidence.is_empty());

    let review = event("ORG", EventType::PeerReview, "2022-03-01");
    let c = peer_contacts("ORG", &[old.clone(), review.clone()], &[], today, 3, COVERED);
    assert_eq!(c.score, Some(0.5));
    assert_eq!(c.evidence, vec!["2022-03-01 peer_review: peer_review for ORG".to_string()]);

    // A buddy link to ORG (either direction counts) that held in the window, and one
    // that ended before it.
    let mut ended = link("OLD", "ORG", LinkType::Peer, Some("2010-01-01"));
    ended.valid_to = Some(day("2015-01-01"));
    let links =
        [link("BUDDY", "ORG", LinkType::Buddy, Some("2023-01-01")), ended, link("ORG", "N", LinkType::Neighbour, None)];
    let c = peer_contacts("ORG", &[review], &links, today, 3, COVERED);
    assert_eq!(c.score, Some(0.0));
    assert_eq!(c.evidence.len(), 2, "{:?}", c.evidence);
    assert!(c.evidence.iter().any(|e| e == "buddy link with BUDDY (2023-01-01 to …)"), "{:?}", c.evidence);
    assert!(
        c.explanation.starts_with("2 peer contacts recorded between 2021-01-01 and 2024-01-01"),
        "{}",
        c.explanation
    );

    // Too few organisations have contacts on record: no contact cannot be told from no record.
    let orgs: Vec<_> =
        ["ORG", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J"].iter().map(|c| organisation(c, c)).collect();
    let buddy = [link("A", "B", LinkType::Buddy, None), link("A", "G", LinkType::MemberOf, None)];
    let coverage = contact_coverage(&orgs, &[], &buddy, 0.1);
    assert_eq!((coverage.with_contacts, coverage.organisations, coverage.enough), (2, 11, true));
    let coverage = contact_coverage(&orgs, &[], &buddy[..0], 0.1);
    assert!(!coverage.enough);
    let c = peer_contacts("ORG", &[], &[], today, 3, coverage);
    assert_eq!(c.score, None);
    assert!(c.explanation.contains("only 0 of 11 organisations"), "{}", c.explanation);
    let coverage = contact_coverage(&orgs[..1], &[event("ORG", EventType::PeerReview, "2010-01-01")], &[], 0.5);
    assert!(coverage.enough, "one organisation of one has a contact on record");
}

const COVERED: ContactCoverage = ContactCoverage { with_contacts: 5, organisations: 10, enough: true };

fn self_rating(on: &str, grade: &str) -> Inspection {
    let mut i = inspection("ORG", on, grade);
    i.regulator = Slug::new("self").unwrap();
    i
}

#[test]
fn a_self_rating_two_grades_above_the_external_judgement_scores_one() {
    let r = regime("");
    let today = day("2024-01-01");
    let ins = [self_rating("2022-01-01", "good"), inspection("ORG", "2022-06-01", "inadequate")];
    let c = self_assessment_gap(&r, "care", &ins, today);
    assert_eq!(c.score, Some(1.0), "{c:#?}");
    assert!(c.explanation.contains("rated itself good (2022-02-10), 2 grades better than the inspectorate judgement inadequate published 2022-07-11"), "{}", c.explanation);
    assert_eq!(
        c.evidence,
        vec![
            "self-assessment: self full rating_1 good (published 2022-02-10)".to_string(),
            "external judgement: inspectorate full rating_1 inadequate (published 2022-07-11)".to_string()
        ]
    );
    let ins = [self_rating("2022-01-01", "good"), inspection("ORG", "2022-06-01", "requires_improvement")];
    assert_eq!(self_assessment_gap(&r, "care", &ins, today).score, Some(0.5));
    let ins = [self_rating("2022-01-01", "requires_improvement"), inspection("ORG", "2022-06-01", "good")];
    assert_eq!(self_assessment_gap(&r, "care", &ins, today).score, Some(0.0));
}

#[test]
fn without_an_external_judgement_after_the_self_rating_the_gap_is_not_measurable() {
    let r = regime("");
    let ins = [inspection("ORG", "2020-06-01", "inadequate"), self_rating("2022-01-01", "good")];
    let c = self_assessment_gap(&r, "care", &ins, day("2024-01-01"));
    assert_eq!(c.score, None);
    assert!(c.explanation.contains("no external judgement published on or after"), "{}", c.explanation);
    // The external judgement exists but is not yet published on the as-of day.
    let ins = [self_rating("2022-01-01", "good"), inspection("ORG", "2023-12-01", "inadequate")];
    assert_eq!(self_assessment_gap(&r, "care", &ins, day("2024-01-01")).score, None);
    assert_eq!(self_assessment_gap(&r, "care", &[], day("2024-01-01")).score, None);
}

#[test]
fn a_self_rating_is_not_a_judgement() {
    let r = regime("");
    let ins = [inspection("ORG", "2019-01-10", "good"), self_rating("2022-03-01", "inadequate")];
    let (s, facts) = inspection_signals(&r, "care", "ORG", &ins, day("2022-06-01"), 4, &judge());
    assert_eq!(facts.grade.as_deref(), Some("good"));
    assert!(!facts.failing && !facts.dropped);
    assert!(s.iter().all(|s| s.rule != "inspection.failing_grade" && s.rule != "inspection.grade_drop"), "{s:#?}");
}

fn component(name: &str, score: Option<f64>, weight: f64) -> InsularityComponent {
    InsularityComponent { name: name.into(), score, weight, explanation: String::new(), evidence: vec![] }
}

#[test]
fn the_index_renormalises_over_measurable_components() {
    let ins = combine(vec![
        component("peer_distance", Some(1.0), 0.4),
        component("peer_contacts", None, 0.3),
        component("self_assessment_gap", Some(0.0), 0.3),
    ]);
    assert!((ins.index - 0.4 / 0.7).abs() < 1e-12, "{}", ins.index);
    assert_eq!(ins.band, InsularityBand::Moderate);
    assert_eq!(
        ins.explanation,
        "Insularity 0.571 (moderate) = peer_distance 1 × 0.571 + self_assessment_gap 0 × 0.429; weights renormalised, not measurable: peer_contacts."
    );
    assert!(rationale(&ins).is_none());

    let ins = combine(vec![
        component("peer_distance", Some(1.0), 0.4),
        component("peer_contacts", Some(0.5), 0.3),
        component("self_assessment_gap", Some(1.0), 0.3),
    ]);
    assert!((ins.index - 0.85).abs() < 1e-12);
    assert_eq!(ins.band, InsularityBand::High);
    let why = rationale(&ins).expect("a high index is explained");
    assert!(
        why.starts_with(
            "Insularity is high (0.85): far from its peers, little contact with peers, rating itself above"
        ),
        "{why}"
    );

    let low = combine(vec![component("peer_distance", Some(0.0), 0.4), component("peer_contacts", Some(0.5), 0.3)]);
    assert_eq!(low.band, InsularityBand::Low);
}

#[test]
fn one_component_alone_is_at_most_moderate_and_none_is_not_measured() {
    let ins = combine(vec![component("peer_distance", None, 0.4), component("peer_contacts", Some(1.0), 0.3)]);
    assert_eq!(ins.index, 1.0);
    assert_eq!(ins.band, InsularityBand::Moderate);
    assert!(ins.explanation.contains("caps the band at moderate"), "{}", ins.explanation);
    let ins = combine(vec![component("peer_distance", None, 0.4)]);
    assert_eq!((ins.index, ins.band), (0.0, InsularityBand::NotMeasured));
    assert_eq!(ins.band.as_str(), "not_measured");
}
