//! The built-in backtest: how well the scan would have foreseen the judgements already in
//! the store, beside the simple baselines an inspector would use instead.
//!
//! Rolling origin, by time: every judgement of the chosen series (an inspection
//! framework: Ofsted's ILACS by default) is a case; the organisation is scanned as known
//! the day before the judgement was published, so the judgement itself is unseen; the
//! judgement's grade on its scale says whether it failed. The risk score's flag threshold
//! for a year, and the learned score's model, penalty and threshold, are fixed on the
//! years before it only, so the evaluated years are out of time. The learned score reads
//! the features of `features` (pure); the figures (`figures`, pure) come with counts and
//! bootstrap intervals, because a few dozen failing judgements make every rate uncertain.

/// What the learned score reads (it lives with judging: the scan applies it too).
pub use crate::judge::learned as features;
pub mod calibrate;
pub mod figures;

use crate::error::EngineError;
use crate::judge::inspection::{is_self_assessment, latest_grade, oversight_sector, resolve_grade};
use crate::judge::rules::RuleBook;
use crate::options::ScanOptions;
use crate::scan::{OrganisationReport, scan};
use failwell_domain::regime::{EARLIER_SERIES, LEVEL_PREFIX, LearnedScore, Regime};
use failwell_domain::{Indicator, Inspection, Organisation};
use failwell_store::Store;
use figures::{Case, FigureOptions, Figures, Outcome, fix_thresholds};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Duration};

/// What to backtest and how.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestOptions {
    /// The judgement series: inspections of this framework (e.g. `ilacs`).
    pub framework: String,
    /// Frameworks whose judgements are cases too, but only to fit on, never evaluated:
    /// an earlier series (e.g. `sif` before `ilacs`) gives the learned score a history.
    pub train_also: Vec<String>,
    /// Candidate ridge penalties of the learned score; each year's is chosen among them on
    /// the earlier years alone (see `figures::learn_by_year`), in order of preference
    /// on a tie: the strongest first.
    pub penalties: Vec<f64>,
    /// Only judgements published on or after this day.
    pub from: Option<Date>,
    /// Only judgements published on or before this day.
    pub to: Option<Date>,
    /// The first evaluated year; earlier years only fix thresholds. Default: the year
    /// after the series' first.
    pub evaluate_from_year: Option<i32>,
    /// Grades ranked at or above this (1 best) are sound: a flag on them is a false alarm
    /// (2: Good or Outstanding on Ofsted's four-point scales). Failing grades are the
    /// outcome; any grade between is counted apart.
    pub sound_rank: i64,
    /// Highest false-alarm rate a score threshold may have on the years it is fixed on
    /// (0.16: one sound council in six flagged).
    pub target_false_alarm_rate: f64,
    /// Bootstrap resamples per interval (1,000).
    pub resamples: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// The scan's options (its `as_of` and `record` are set per scan).
    pub scan: ScanOptions,
}

impl Default for BacktestOptions {
    fn default() -> Self {
        BacktestOptions {
            framework: "ilacs".to_string(),
            train_also: Vec::new(),
            penalties: vec![30.0, 10.0, 3.0, 1.0, 0.3],
            from: None,
            to: None,
            evaluate_from_year: None,
            sound_rank: 2,
            target_false_alarm_rate: 0.16,
            resamples: 1000,
            seed: 20_261_206,
            scan: ScanOptions::default(),
        }
    }
}

/// A whole backtest: what was run, every case, and the figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// The judgement series.
    pub framework: String,
    /// Regime id.
    pub regime: String,
    /// Regime version.
    pub regime_version: String,
    /// The sector the judgements of the series oversee (the most common).
    pub sector: Option<String>,
    /// The first evaluated year.
    pub evaluated_from_year: Option<i32>,
    /// The false-alarm target the thresholds were fixed at.
    pub target_false_alarm_rate: f64,
    /// Grades at or above this rank are sound.
    pub sound_rank: i64,
    /// As-of scans run (one per distinct day before a publication).
    pub scans: usize,
    /// Judgements left out because their grade is on no scale of the regime.
    pub ungraded: usize,
    /// How many organisations each method would have flagged in each evaluated year: the
    /// workload a threshold means, not only its hit rate.
    pub flagged_per_year: Vec<YearFlags>,
    /// The features the learned score reads, in order: the fixed ones, then
    /// `level:<indicator>` for each indicator with a measured level.
    pub feature_names: Vec<String>,
    /// Every judgement, oldest first.
    pub cases: Vec<Case>,
    /// The figures on the evaluated cases.
    pub figures: Figures,
}

/// The organisations of the evaluated sector flagged in one year, counted in an as-of
/// scan on 1 July of that year (mid-year: the year's releases are mostly out).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearFlags {
    /// The year.
    pub year: i32,
    /// The day of the scan.
    pub scanned_as_of: String,
    /// Organisations of the sector the scan reported.
    pub organisations: usize,
    /// Of which at or above the risk score's threshold for the year.
    pub by_risk_score: usize,
    /// Of which recommended a rung above universal monitoring.
    pub by_recommendation: usize,
    /// Of the sector's organisations, those with a failing judgement of the evaluated
    /// series published within a year after the scan: the council-years view, which asks
    /// of a year's flags what followed them rather than what preceded each judgement.
    pub failing_within_year: usize,
    /// Of those flagged by the risk score, judged failing within the year.
    pub by_risk_score_failing: usize,
    /// Of those recommended above universal monitoring, judged failing within the year.
    pub by_recommendation_failing: usize,
    /// Whether the store's judgements of the series reach past the year after the scan:
    /// if not, the counts of failing judgements within the year are not yet complete.
    pub year_complete: bool,
}

/// Runs the backtest over `store`, calling `progress(done, total)` after each scan.
///
/// # Errors
/// The store failing, or a scan failing.
pub async fn backtest(
    store: &Store,
    regime: &Regime,
    rules: &RuleBook,
    options: &BacktestOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Backtest, EngineError> {
    let organisations: Vec<Organisation> = store.records_as_of("organisation", None).await?;
    let inspections: Vec<Inspection> = store.records_as_of("inspection", None).await?;
    let orgs: BTreeMap<&str, &Organisation> = organisations.iter().map(|o| (o.code.as_str(), o)).collect();
    let mut by_org: BTreeMap<&str, Vec<&Inspection>> = BTreeMap::new();
    for i in inspections.iter().filter(|i| !is_self_assessment(i)) {
        by_org.entry(i.organisation.as_str()).or_default().push(i);
    }

    // The cases, oldest first, each with its outcome on its scale.
    let mut judged: Vec<(&Inspection, Outcome, String)> = Vec::new();
    let mut ungraded = 0;
    let in_series = |i: &Inspection| {
        i.framework.as_str() == options.framework || options.train_also.iter().any(|f| f == i.framework.as_str())
    };
    for ins in inspections.iter().filter(|i| in_series(i) && !is_self_assessment(i)) {
        if options.from.is_some_and(|d| ins.published_on < d) || options.to.is_some_and(|d| ins.published_on > d) {
            continue;
        }
        let org_sector = orgs.get(ins.organisation.as_str()).map_or("", |o| o.sector.as_str());
        let sector = oversight_sector(org_sector, std::slice::from_ref(ins));
        let Some(grade) = resolve_grade(regime, &sector, ins) else {
            ungraded += 1;
            continue;
        };
        let outcome = if grade.is_failing() {
            Outcome::Failing
        } else if grade.grade.rank <= options.sound_rank {
            Outcome::Sound
        } else {
            Outcome::Middle
        };
        judged.push((ins, outcome, sector));
    }
    judged.sort_by(|a, b| {
        (a.0.published_on, a.0.organisation.as_str()).cmp(&(b.0.published_on, b.0.organisation.as_str()))
    });
    let first_year =
        judged.iter().find(|j| j.0.framework.as_str() == options.framework).map(|j| j.0.published_on.year());
    let evaluate_from = options.evaluate_from_year.or(first_year.map(|y| y + 1));

    // One as-of scan per distinct day before a publication (and, below, a second with
    // the year's learned model, and one on 1 July of every evaluated year for the
    // organisations flagged per year). The first apply no learned score: the regime's
    // weights may have been fitted on the very judgements evaluated here (look-ahead).
    // The learned method below fits its own, on the years before each.
    let mut unlearned = regime.clone();
    unlearned.learned_scores.clear();
    let scan_with = async |day: Date, regime: &Regime| {
        let as_of = ScanOptions { as_of: Some(day), record: false, ..options.scan.clone() };
        scan(store, regime, rules, &as_of).await
    };
    let mut days: BTreeMap<Date, BTreeSet<&str>> = BTreeMap::new();
    for (ins, ..) in &judged {
        days.entry(ins.published_on - Duration::days(1)).or_default().insert(ins.organisation.as_str());
    }
    let total = days.len();
    let mut reports: BTreeMap<(Date, &str), OrganisationReport> = BTreeMap::new();
    let mut levels: BTreeMap<(Date, &str), BTreeMap<String, f64>> = BTreeMap::new();
    // Levels are compared for rates, percentages and ratios only: a count measures size.
    let catalogue: Vec<Indicator> = store.records_as_of("indicator", None).await?;
    let level_series = crate::scan::level_pass::LevelSeries::read(store, &catalogue).await?;
    for (done, (day, wanted)) in days.iter().enumerate() {
        let report = scan_with(*day, &unlearned).await?;
        for org in report.organisations {
            if let Some(code) = wanted.get(org.organisation.as_str()) {
                reports.insert((*day, code), org);
            }
        }
        for (org, known) in level_series.levels(store, *day).await? {
            if let Some(code) = wanted.get(org.as_str()) {
                levels.insert((*day, code), known);
            }
        }
        progress(done + 1, total);
    }

    let level_names: BTreeSet<String> = levels.values().flat_map(|l| l.keys().cloned()).collect();
    let mut cases: Vec<Case> = judged
        .iter()
        .map(|(ins, outcome, sector)| {
            let code = ins.organisation.as_str();
            let day = ins.published_on - Duration::days(1);
            let report = reports.get(&(day, code));
            // A judgement of a series fitted alongside (`--train-also`): never evaluated.
            let fitted_alongside = ins.framework.as_str() != options.framework;
            let previous = latest_grade(regime, sector, by_org.get(code).into_iter().flatten().copied(), day);
            let (previous_rank, previous_failing) =
                (previous.map(|(_, g)| g.grade.rank), previous.is_some_and(|(_, g)| g.is_failing()));
            Case {
                organisation: code.to_string(),
                name: orgs.get(code).map_or_else(String::new, |o| o.name.clone()),
                published_on: crate::dates::iso(ins.published_on),
                year: ins.published_on.year(),
                grade: ins.overall.as_str().to_string(),
                outcome: *outcome,
                scanned_as_of: crate::dates::iso(day),
                score: report.map_or(0.0, |r| r.overall_score),
                band: report.map(|r| r.overall_band.as_str().to_string()),
                recommended_level: report.and_then(|r| r.recommendation.as_ref()).map_or(0, |r| r.recommended.level),
                current_rung: report.and_then(|r| r.current_rung.clone()),
                previous_grade: previous.map(|(p, _)| format!("{} {}", p.framework, p.overall)),
                previous_rank,
                previous_failing,
                concerns: report.map_or_else(Vec::new, concern_rules),
                reasons: report.map_or_else(Vec::new, |r| r.rationale.clone()),
                evaluated: !fitted_alongside && evaluate_from.is_some_and(|y| ins.published_on.year() >= y),
                fitted_alongside,
                threshold: None,
                flagged: false,
                features: {
                    let mut f = features::fixed_features(report, previous_rank, previous_failing);
                    let known = levels.get(&(day, code));
                    f.extend(level_names.iter().map(|i| known.and_then(|l| l.get(i)).copied().unwrap_or(0.0)));
                    f.push(f64::from(u8::from(fitted_alongside)));
                    f
                },
                learned: None,
                learned_flagged: false,
            }
        })
        .collect();
    let thresholds = fix_thresholds(&mut cases, options.target_false_alarm_rate);
    // The sector the evaluated judgements oversee (the most common), for the yearly counts.
    let mut sectors: BTreeMap<&str, usize> = BTreeMap::new();
    for (ins, _, sector) in &judged {
        if ins.framework.as_str() == options.framework {
            *sectors.entry(sector.as_str()).or_default() += 1;
        }
    }
    let sector = sectors.into_iter().max_by_key(|(s, n)| (*n, std::cmp::Reverse(*s))).map(|(s, _)| s.to_string());
    let feature_names: Vec<String> = features::FIXED
        .iter()
        .map(|(n, _)| (*n).to_string())
        .chain(level_names.iter().map(|i| format!("{LEVEL_PREFIX}{i}")))
        .chain(std::iter::once(EARLIER_SERIES.0.to_string()))
        .collect();
    let (learned_years, next_model, models_by_year) =
        figures::learn_by_year(&mut cases, &feature_names, options.target_false_alarm_rate, &options.penalties);

    // The scan's own recommendation as the product makes it: where the regime has a
    // learned score for the sector, the flag budget ranks by it (judge/budget.rs). Each
    // year's scans get the model fitted on the years before it, out of time, never the
    // regime's own; the recommendations and reasons of the cases are those scans'.
    let with_model = |year: i32| -> Regime {
        let mut with = unlearned.clone();
        if let (Some(sector), Some(w)) = (&sector, models_by_year.get(&year)) {
            let mut score = LearnedScore::new(&format!("backtest_{year}"), sector, &options.framework);
            score.intercept = w.intercept;
            score.weights = w.weights.clone();
            score.threshold = w.threshold;
            score.penalty = w.l2;
            with.learned_scores.push(score);
        }
        with
    };
    if !models_by_year.is_empty() {
        for (done, (day, wanted)) in days.iter().enumerate() {
            let model = with_model((*day + Duration::days(1)).year());
            if !model.learned_scores.is_empty() {
                let day_text = crate::dates::iso(*day);
                for org in scan_with(*day, &model).await?.organisations {
                    if !wanted.contains(org.organisation.as_str()) {
                        continue;
                    }
                    for c in
                        cases.iter_mut().filter(|c| c.scanned_as_of == day_text && c.organisation == org.organisation)
                    {
                        c.recommended_level = org.recommendation.as_ref().map_or(0, |r| r.recommended.level);
                        c.reasons.clone_from(&org.rationale);
                    }
                }
            }
            progress(done + 1, total);
        }
    }
    let mut flagged_per_year = Vec::new();
    let last_published = judged.iter().map(|(ins, ..)| ins.published_on).max();
    for t in &thresholds {
        let Some(day) = Date::from_calendar_date(t.year, time::Month::July, 1).ok() else { continue };
        let report = scan_with(day, &with_model(t.year)).await?;
        let in_sector: Vec<&OrganisationReport> =
            report.organisations.iter().filter(|o| Some(&o.sector) == sector.as_ref()).collect();
        let failing_next: BTreeSet<&str> = judged
            .iter()
            .filter(|(ins, outcome, _)| {
                *outcome == Outcome::Failing
                    && ins.framework.as_str() == options.framework
                    && ins.published_on > day
                    && ins.published_on <= day + Duration::days(365)
            })
            .map(|(ins, ..)| ins.organisation.as_str())
            .collect();
        let by_risk = |o: &&&OrganisationReport| t.threshold.is_some_and(|v| o.overall_score >= v);
        let by_recommendation =
            |o: &&&OrganisationReport| o.recommendation.as_ref().is_some_and(|r| r.recommended.level > 0);
        let followed = |o: &&&OrganisationReport| failing_next.contains(o.organisation.as_str());
        flagged_per_year.push(YearFlags {
            year: t.year,
            scanned_as_of: crate::dates::iso(day),
            organisations: in_sector.len(),
            by_risk_score: in_sector.iter().filter(by_risk).count(),
            by_recommendation: in_sector.iter().filter(by_recommendation).count(),
            failing_within_year: in_sector.iter().filter(followed).count(),
            by_risk_score_failing: in_sector.iter().filter(by_risk).filter(followed).count(),
            by_recommendation_failing: in_sector.iter().filter(by_recommendation).filter(followed).count(),
            year_complete: last_published.is_some_and(|last| last >= day + Duration::days(365)),
        });
    }
    let figures = figures::figures(
        &cases,
        thresholds,
        (learned_years, next_model),
        FigureOptions {
            target_false_alarm_rate: options.target_false_alarm_rate,
            resamples: options.resamples,
            seed: options.seed,
        },
    );
    Ok(Backtest {
        framework: options.framework.clone(),
        regime: regime.id.clone(),
        regime_version: regime.version.clone(),
        sector,
        evaluated_from_year: evaluate_from,
        target_false_alarm_rate: options.target_false_alarm_rate,
        sound_rank: options.sound_rank,
        scans: total,
        ungraded,
        flagged_per_year,
        feature_names,
        cases,
        figures,
    })
}

/// The concern signals that count towards a report's risk, as `rule` or `rule:indicator`,
/// sorted, once each. A concern its reading takes away (a national shift, small numbers,
/// a designation long past) foresaw nothing in the scan's eyes, so it is no signal's value.
fn concern_rules(report: &OrganisationReport) -> Vec<String> {
    let mut out: Vec<String> = report
        .signals
        .iter()
        .filter(|s| s.counts_as_concern())
        .map(|s| match &s.indicator {
            Some(i) => format!("{}:{i}", s.rule),
            None => s.rule.to_string(),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
