//! The flag budget: a rung below the statutory ones that can take only so many
//! organisations a year goes to the highest-risk ones, each told its rank; statutory
//! triggers are never rationed, and a regime cannot ration a statutory rung.

use crate::support::*;
use failwell_domain::EventType;
use failwell_domain::regime::Regime;
use failwell_engine::judge::budget::ration;
use failwell_engine::judge::insularity::{ContactCoverage, PeerNorms};
use failwell_engine::judge::organisation::{Evidence, Setting, judge_organisation};
use failwell_engine::{OrganisationReport, RuleBook, ScanOptions};

const RULES: &str = TWO_RULES;

/// The test regime with a capacity of `capacity` a year on peer review.
fn budgeted(capacity: i64) -> Regime {
    let text = REGIME.replace(
        "id = \"peer_review\"\nname = \"Peer review\"\nkind = \"peer_review\"\nlevel = 1\n",
        &format!("id = \"peer_review\"\nname = \"Peer review\"\nkind = \"peer_review\"\nlevel = 1\ncapacity_per_year = {capacity}\n"),
    );
    assert_ne!(text, REGIME, "the peer review rung was found");
    Regime::from_toml_str(&format!("{text}\n{RULES}")).unwrap_or_else(|e| panic!("{e}"))
}

/// `changes` leadership changes in 2023 for each organisation (churn: early signs, more
/// changes a higher score), plus a failing grade for `failing`.
fn judged(regime: &Regime, orgs: &[(&str, usize)], failing: &[&str]) -> Vec<OrganisationReport> {
    let rules = RuleBook::compile(regime, None).unwrap_or_else(|e| panic!("{e}"));
    let norms = PeerNorms::filed(0, std::iter::empty());
    let judged_by = judge();
    let setting = Setting {
        today: day("2024-01-01"),
        norms: &norms,
        contacts: ContactCoverage { with_contacts: 0, organisations: 1, enough: false },
        judge: &judged_by,
    };
    orgs.iter()
        .map(|&(code, changes)| {
            let org = organisation(code, code);
            let events: Vec<_> = (0..changes)
                .map(|i| event(code, EventType::LeadershipChange, &format!("2023-{:02}-01", i + 1)))
                .collect();
            let inspections: Vec<_> =
                if failing.contains(&code) { vec![inspection(code, "2023-06-01", "inadequate")] } else { vec![] };
            let evidence = Evidence {
                organisation: &org,
                signals: Vec::new(),
                charted: false,
                inspections: &inspections,
                events: &events,
                contact_links: &[],
                cases: &[],
            };
            judge_organisation(evidence, &setting, regime, &rules, &ScanOptions::default())
                .unwrap_or_else(|e| panic!("{e}"))
                .expect("reported")
        })
        .collect()
}

#[test]
fn peer_review_goes_to_the_highest_risk_within_the_budget() {
    let regime = budgeted(1);
    // Three with early signs (D's three changes are a moderate churn signal, A's and B's
    // two weak ones), and F failing.
    let mut reports = judged(&regime, &[("A", 2), ("B", 2), ("D", 3), ("F", 0)], &["F"]);
    let before: Vec<Option<String>> = reports.iter().map(|r| r.recommended_rung.clone()).collect();
    assert_eq!(before.iter().filter(|r| r.as_deref() == Some("peer_review")).count(), 3, "{before:?}");
    ration(&mut reports, &regime);
    let of = |code: &str| reports.iter().find(|r| r.organisation == code).unwrap();
    assert!(of("D").overall_score > of("A").overall_score, "D scores above A");
    assert_eq!(of("A").overall_score, of("B").overall_score);
    // A and B tie on score: the code decides, so the queue is the same on every run.
    for (code, rank, within) in [("D", 1, true), ("A", 2, false), ("B", 3, false)] {
        let r = of(code);
        let budget = r.recommendation.as_ref().and_then(|x| x.budget.as_ref()).expect("ranked");
        assert_eq!((budget.rank, budget.of, budget.capacity, budget.within), (rank, 3, 1, within), "{code}");
        let expected = if within { "peer_review" } else { "universal_monitoring" };
        assert_eq!(r.recommended_rung.as_deref(), Some(expected), "{code}");
        assert!(r.rationale.iter().any(|s| s.contains(&format!("ranked {rank}"))), "{:?}", r.rationale);
    }
    assert!(of("A").rationale.iter().any(|s| s.contains("beyond the budget")), "{:?}", of("A").rationale);
    assert_eq!(
        of("A").recommendation.as_ref().unwrap().capped_from.as_ref().map(|r| r.id.as_str()),
        Some("peer_review"),
        "what the rules asked for is kept"
    );
    // The failing grade is statutory: never rationed, never ranked.
    let f = of("F");
    assert_eq!(f.recommended_rung.as_deref(), Some("notice"));
    assert!(f.recommendation.as_ref().unwrap().budget.is_none());
}

#[test]
fn without_a_budget_nothing_is_rationed() {
    let regime = regime(RULES);
    let mut reports = judged(&regime, &[("A", 2), ("B", 2), ("C", 4)], &[]);
    let recommended = reports.iter().filter(|r| r.recommended_rung.as_deref() == Some("peer_review")).count();
    assert_eq!(recommended, 3, "all three recommended the rung a budget would ration");
    let before = reports.clone();
    ration(&mut reports, &regime);
    assert_eq!(reports, before);
}

#[test]
fn a_statutory_rung_cannot_be_rationed() {
    let text = REGIME.replace(
        "kind = \"special_measures\"\nlevel = 4\n",
        "kind = \"special_measures\"\nlevel = 4\nstatutory = true\ncapacity_per_year = 3\n",
    );
    assert_ne!(text, REGIME);
    let err = Regime::from_toml_str(&text).expect_err("refused").to_string();
    assert!(err.contains("is statutory and has a capacity_per_year: a statutory trigger is never rationed"), "{err}");
    let zero = REGIME
        .replace("kind = \"peer_review\"\nlevel = 1\n", "kind = \"peer_review\"\nlevel = 1\ncapacity_per_year = 0\n");
    let err = Regime::from_toml_str(&zero).expect_err("refused").to_string();
    assert!(err.contains("capacity_per_year 0: it must be at least 1"), "{err}");
}

#[test]
fn with_a_learned_score_the_budget_goes_by_the_likelihood_of_failing() {
    use failwell_engine::judge::learned::LearnedRisk;
    let regime = budgeted(1);
    let mut reports = judged(&regime, &[("A", 2), ("B", 2), ("D", 3)], &[]);
    // D scores highest and A and B tie, but B is the likeliest to be judged failing.
    for (r, p) in reports.iter_mut().zip([0.2, 0.6, 0.1]) {
        r.learned = Some(LearnedRisk {
            score: "s_failing".into(),
            regime_version: "1".into(),
            foretells: "ilacs".into(),
            probability: p,
            log_odds: (p / (1.0 - p)).ln(),
            intercept: 0.0,
            threshold: None,
            flagged: false,
            fitted_on: String::new(),
            contributions: Vec::new(),
        });
    }
    ration(&mut reports, &regime);
    let of = |code: &str| reports.iter().find(|r| r.organisation == code).unwrap();
    assert!(of("D").overall_score > of("B").overall_score, "D scores above B");
    for (code, rank, within) in [("B", 1, true), ("A", 2, false), ("D", 3, false)] {
        let budget = of(code).recommendation.as_ref().and_then(|x| x.budget.as_ref()).expect("ranked");
        assert_eq!((budget.rank, budget.within), (rank, within), "{code}");
    }
    assert!(
        of("B")
            .rationale
            .iter()
            .any(|s| s.contains("ranked 1 of the 3 recommended it, by the likelihood of a failing judgement (60 %)")),
        "{:?}",
        of("B").rationale
    );
}
