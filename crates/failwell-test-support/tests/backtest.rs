//! `failwell backtest` on a small hand-built history whose answers are known: five
//! councils judged twice under ILACS, 2018 (fixes the threshold) and 2019 (evaluated).
//! On SQLite, and on PostgreSQL when configured.
//!
//! | council | 2018 | 2019 | 2019 outcome | scan the day before 2019 |
//! |---|---|---|---|---|
//! | C1 | Requires improvement | Inadequate | failing | quiet (no signal from RI) |
//! | C2 | Good | Good | sound | quiet |
//! | C3 | Inadequate | Requires improvement | in between | failing grade: flagged |
//! | C4 | Outstanding | Inadequate | failing | quiet |
//! | C5 | Inadequate | Good | sound | failing grade: flagged (a false alarm) |
//!
//! `failwell calibrate` fits its weights on the same history (the last test).

use failwell_engine::backtest::figures::{Case, Outcome};
use failwell_engine::backtest::{Backtest, BacktestOptions, backtest};
use failwell_stats::classify::Confusion;
use failwell_test_support::each_backend;
use failwell_test_support::scan::england;
use failwell_test_support::seed::{Seed, day, ilacs, organisation};

const HISTORY: &[(&str, &str, &str)] = &[
    ("E06000901", "2018-04-01", "requires_improvement"),
    ("E06000901", "2019-04-01", "inadequate"),
    ("E06000902", "2018-04-01", "good"),
    ("E06000902", "2019-04-01", "good"),
    ("E06000903", "2018-04-01", "inadequate"),
    ("E06000903", "2019-05-01", "requires_improvement"),
    ("E06000904", "2018-05-01", "outstanding"),
    ("E06000904", "2019-05-01", "inadequate"),
    ("E06000905", "2018-06-01", "inadequate"),
    ("E06000905", "2019-06-01", "good"),
];

fn seed(later: bool) -> Seed {
    let mut seed = Seed::default();
    for n in 1..=5 {
        let code = format!("E0600090{n}");
        seed.organisations.push(organisation(
            &code,
            &format!("Council {n}"),
            "local_government",
            "unitary",
            Some("North"),
        ));
    }
    for (org, published, grade) in HISTORY {
        let inspected = format!("{}-{}", &published[..4], "02-01");
        seed.inspections.push(ilacs(org, "ofsted", &inspected, published, grade));
    }
    if later {
        // Judgements published after the backtest's window: they must change nothing in it.
        seed.inspections.push(ilacs("E06000902", "ofsted", "2020-02-01", "2020-04-01", "inadequate"));
        seed.inspections.push(ilacs("E06000901", "ofsted", "2020-02-01", "2020-05-01", "good"));
    }
    seed
}

fn case<'a>(b: &'a Backtest, org: &str, year: i32) -> &'a Case {
    b.cases.iter().find(|c| c.organisation == org && c.year == year).unwrap_or_else(|| panic!("no case {org} {year}"))
}

#[tokio::test]
async fn a_hand_built_history_gives_the_counts_worked_out_by_hand() {
    each_backend(|store| async move {
        let name = store.name();
        seed(false).load(&store).await.unwrap();
        let (regime, rules) = england().unwrap();
        let calls = std::sync::Mutex::new(Vec::new());
        let progress = |done: usize, total: usize| calls.lock().unwrap().push((done, total));
        let b = backtest(&store, &regime, &rules, &BacktestOptions::default(), &progress).await.unwrap();

        assert_eq!(b.cases.len(), 10, "[{name}]");
        assert_eq!(b.scans, 6, "[{name}] one scan per distinct day before a publication");
        // On 1 July 2019 every council had been judged twice: C1 and C4, Inadequate in
        // 2019, are recommended a rung; C3 and C5 have moved on from their Inadequate.
        let year = &b.flagged_per_year[0];
        assert_eq!(
            (year.year, year.scanned_as_of.as_str(), year.organisations),
            (2019, "2019-07-01", 5),
            "[{name}] {year:?}"
        );
        assert_eq!(year.by_recommendation, 2, "[{name}] {year:?}");
        assert_eq!(calls.lock().unwrap().last(), Some(&(6, 6)), "[{name}]");
        assert_eq!(b.evaluated_from_year, Some(2019), "[{name}]");
        assert_eq!(b.cases.iter().filter(|c| c.evaluated).count(), 5, "[{name}]");
        assert_eq!(case(&b, "E06000901", 2019).outcome, Outcome::Failing);
        assert_eq!(case(&b, "E06000903", 2019).outcome, Outcome::Middle);
        assert_eq!(case(&b, "E06000905", 2019).outcome, Outcome::Sound);

        // Every first judgement was made with nothing known: score 0. The 2019 threshold
        // is fixed on 2018 alone, where no score above 0 was seen: just above 0.
        let t = &b.figures.thresholds[0];
        assert_eq!((t.year, t.fitted_on, t.cases), (2019, (2, 2), (2, 2, 1)), "[{name}] {t:?}");
        assert!(t.threshold.is_some_and(|v| v > 0.0 && v < 1e-6), "[{name}] {t:?}");

        // The day before its 2019 judgement, C5's latest known grade was its 2018
        // Inadequate: a failing-grade signal, so flagged; C1 and C4 had nothing to show.
        let c5 = case(&b, "E06000905", 2019);
        assert!(c5.flagged && c5.score > 0.0, "[{name}] {c5:?}");
        assert!(c5.concerns.iter().any(|c| c == "inspection.failing_grade"), "[{name}] {:?}", c5.concerns);
        assert_eq!(c5.previous_grade.as_deref(), Some("ilacs inadequate"), "[{name}]");
        assert_eq!(c5.scanned_as_of, "2019-05-31");
        let c1 = case(&b, "E06000901", 2019);
        assert!(!c1.flagged, "[{name}] {c1:?}");
        assert_eq!(c1.previous_rank, Some(3), "[{name}]");

        let by_name = |n: &str| b.figures.methods.iter().find(|m| m.name == n).unwrap();
        let score = by_name("risk score");
        assert_eq!(score.confusion, Confusion { hits: 0, misses: 2, false_alarms: 1, quiet: 1 }, "[{name}]");
        assert_eq!(score.middle_flagged, (1, 1), "[{name}] C3, previously Inadequate");
        // Failing 0, 0 against sound 0 (C2) and C5's score: one tie of four pairs won.
        assert_eq!(score.roc_auc.value, Some(0.25), "[{name}]");
        let below_good = by_name("previous grade below good");
        assert_eq!(below_good.confusion, Confusion { hits: 1, misses: 1, false_alarms: 1, quiet: 1 }, "[{name}]");
        let inadequate = by_name("previous grade inadequate");
        assert_eq!(inadequate.confusion, Confusion { hits: 0, misses: 2, false_alarms: 1, quiet: 1 }, "[{name}]");
        // Previous ranks: failing 3 (C1) and 1 (C4); sound 2 (C2) and 4 (C5): 1 of 4 pairs.
        assert_eq!(inadequate.roc_auc.value, Some(0.25), "[{name}]");
        assert_eq!(by_name("recommendation").confusion.hits, 0, "[{name}]");

        // The learned score reads the fixed features (no series here, so no levels) and
        // whether the judgement is of a series fitted alongside (none here: all 0), and
        // scores every evaluated case from a model fitted on 2018 alone.
        assert_eq!(b.feature_names.len(), failwell_engine::backtest::features::FIXED.len() + 1, "[{name}]");
        assert_eq!(b.feature_names.last().map(String::as_str), Some("earlier_series"), "[{name}]");
        assert!(b.cases.iter().all(|c| c.features.last() == Some(&0.0) && !c.fitted_alongside), "[{name}]");
        assert!(b.cases.iter().all(|c| c.features.len() == b.feature_names.len()), "[{name}]");
        assert_eq!(&c1.features[..3], &[1.0, 0.0, 0.0], "[{name}] C1 was previously Requires improvement");
        assert!(b.cases.iter().filter(|c| c.evaluated).all(|c| c.learned.is_some()), "[{name}]");
        assert_eq!(b.figures.learned_thresholds[0].fitted_on, (2, 2), "[{name}]");
        let weights = b.figures.learned.as_ref().expect("a model for 2020");
        assert_eq!((weights.for_year, weights.fitted_on), (2020, (4, 4)), "[{name}]");
    })
    .await;
}

#[tokio::test]
async fn later_judgements_in_the_store_change_nothing_before_them() {
    each_backend(|store| async move {
        let name = store.name();
        let other = store.fresh_like().await.unwrap();
        seed(false).load(&store).await.unwrap();
        seed(true).load(&other).await.unwrap();
        let (regime, rules) = england().unwrap();
        let options = BacktestOptions { to: Some(day("2019-12-31")), ..BacktestOptions::default() };
        let without = backtest(&store, &regime, &rules, &options, &|_, _| {}).await.unwrap();
        let with = backtest(&other, &regime, &rules, &options, &|_, _| {}).await.unwrap();
        assert_eq!(without.cases.len(), 10, "[{name}]");
        assert_eq!(without, with, "[{name}] no look-ahead: the 2020 judgements are invisible before 2020");
        let all = backtest(&other, &regime, &rules, &BacktestOptions::default(), &|_, _| {}).await.unwrap();
        assert_eq!(all.cases.len(), 12, "[{name}]");
        // The council-years view: of the five councils on 1 July 2019, C2 (Good, not
        // recommended a rung) is judged Inadequate within the year, in April 2020; with
        // the window ending in 2019, nothing follows.
        let y2019 = |b: &Backtest| b.flagged_per_year.iter().find(|y| y.year == 2019).cloned().expect("2019");
        let (seen, cut) = (y2019(&all), y2019(&without));
        assert_eq!(
            (seen.failing_within_year, seen.by_recommendation, seen.by_recommendation_failing),
            (1, 2, 0),
            "[{name}] {seen:?}"
        );
        assert_eq!(cut.failing_within_year, 0, "[{name}] {cut:?}");
        // The store's judgements end on 1 May 2020, before 1 July 2020: the year after the
        // 2019 scan is not covered, so its counts are marked incomplete.
        assert!(!seen.year_complete && !cut.year_complete, "[{name}]");
        assert_eq!(
            all.cases.iter().filter(|c| c.year < 2020).map(|c| c.score).collect::<Vec<_>>(),
            without.cases.iter().map(|c| c.score).collect::<Vec<_>>(),
            "[{name}] the same scores with the later judgements in the window"
        );
    })
    .await;
}

#[tokio::test]
async fn a_calibration_as_of_a_day_ignores_later_judgements_and_the_scan_applies_it() {
    use failwell_engine::backtest::calibrate::calibrate;
    use failwell_engine::{RuleBook, ScanOptions, scan};
    each_backend(|store| async move {
        let name = store.name();
        let other = store.fresh_like().await.unwrap();
        seed(false).load(&store).await.unwrap();
        seed(true).load(&other).await.unwrap();
        let (regime, rules) = england().unwrap();
        let text = failwell_domain::regime::ENGLAND;
        let as_of = Some(day("2020-01-01"));
        let options = BacktestOptions { resamples: 0, ..BacktestOptions::default() };
        let without = calibrate(&store, (&regime, &rules, text), &options, as_of, None, &|_, _| {}).await.unwrap();
        let with = calibrate(&other, (&regime, &rules, text), &options, as_of, None, &|_, _| {}).await.unwrap();
        // No look-ahead: the 2020 judgements in the other store change no weight.
        assert_eq!(without.section, with.section, "[{name}]");
        assert_eq!(without.version, format!("{}+calibrated.2020-01-01", regime.version), "[{name}]");
        assert!(without.section.contains("failing_cases = 4\nsound_cases = 4\n"), "[{name}] {}", without.section);
        assert!(without.section.contains("fitted_from = 2018-04-01\nfitted_to = 2019-06-01\n"), "[{name}]");
        let later = calibrate(&other, (&regime, &rules, text), &options, None, Some("9"), &|_, _| {}).await.unwrap();
        assert_ne!(later.section, without.section, "[{name}] without a day, the 2020 judgements count");

        // The new version replaces the built-in's learned score for the sector, and a scan
        // under it applies the new weights to every council, its parts adding up.
        let calibrated = failwell_domain::regime::Regime::from_toml_str(&without.regime_text).unwrap();
        assert_eq!(calibrated.learned_scores.len(), 1, "[{name}]");
        let score = calibrated.learned_score("childrens_services").expect("the sector's score");
        assert_eq!((score.failing_cases, score.sound_cases), (4, 4), "[{name}]");
        let rules = RuleBook::compile(&calibrated, Some(&without.regime_text)).unwrap();
        let report =
            scan(&store, &calibrated, &rules, &ScanOptions { record: false, ..ScanOptions::default() }).await.unwrap();
        assert_eq!(report.organisations.len(), 5, "[{name}]");
        for org in &report.organisations {
            let l = org.learned.as_ref().unwrap_or_else(|| panic!("[{name}] {} has a learned score", org.organisation));
            assert_eq!(l.regime_version, without.version, "[{name}]");
            let sum = l.intercept + l.contributions.iter().map(|c| c.contribution).sum::<f64>();
            assert!((sum - l.log_odds).abs() < 1e-9, "[{name}] {l:?}");
            assert!((l.probability - 1.0 / (1.0 + (-l.log_odds).exp())).abs() < 1e-12, "[{name}]");
        }
        // C1's latest judgement is its 2019 Inadequate; C2's its Good.
        let of = |code: &str| report.organisations.iter().find(|o| o.organisation == code).unwrap();
        let value = |code: &str, f: &str| {
            of(code).learned.as_ref().unwrap().contributions.iter().find(|c| c.feature == f).map(|c| c.value)
        };
        assert_eq!(value("E06000901", "previous_inadequate"), Some(1.0), "[{name}]");
        assert_eq!(value("E06000902", "previous_good_or_better"), Some(1.0), "[{name}]");
    })
    .await;
}
