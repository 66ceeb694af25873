//! From scored cases to the backtest's figures: out-of-time thresholds, each method's
//! counts, rates and areas with bootstrap intervals, the calibration table and the
//! predictive value of each signal type. Pure: no store, no scan.

use failwell_stats::classify::{Confusion, Scored, average_precision, bootstrap_interval, roc_auc};
use failwell_stats::logistic::fit_logistic;
use serde::Serialize;
use std::collections::BTreeMap;

/// How a judgement turned out, on its scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A failing grade: the outcome the trigger should foresee.
    Failing,
    /// A grade at or above the sound rank (Good or Outstanding on Ofsted's scales): a flag
    /// here is a false alarm.
    Sound,
    /// In between (Requires improvement): neither a hit nor a false alarm. Counted apart,
    /// because these data can hardly tell it from failing.
    Middle,
}

/// One judgement of the series, with what was known the day before it was published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    /// The organisation's code.
    pub organisation: String,
    /// Its name.
    pub name: String,
    /// When the judgement was published.
    pub published_on: String,
    /// Its year (thresholds for it come from earlier years only).
    pub year: i32,
    /// The grade code judged.
    pub grade: String,
    /// What the grade means for the backtest.
    pub outcome: Outcome,
    /// The day of the as-of scan: the day before publication.
    pub scanned_as_of: String,
    /// The overall risk score that scan gave (0 when it did not report the organisation).
    pub score: f64,
    /// The overall band (`None` when not reported).
    pub band: Option<String>,
    /// The level of the rung the scan recommended (0: universal monitoring or not reported).
    pub recommended_level: i64,
    /// The rung it stood on, as the scan saw it.
    pub current_rung: Option<String>,
    /// The latest earlier judgement's grade in the same sector, any framework (the whole
    /// record, so a SIF grade counts before an organisation's first ILACS judgement).
    pub previous_grade: Option<String>,
    /// That grade's rank on its scale (1 best).
    pub previous_rank: Option<i64>,
    /// Whether that grade was failing.
    pub previous_failing: bool,
    /// The concern signals behind the score, those that count towards risk: `rule` or
    /// `rule:indicator`.
    pub concerns: Vec<String>,
    /// The scan's reasons, as it gave them.
    pub reasons: Vec<String>,
    /// Whether the case is in the evaluated (out-of-time) years.
    pub evaluated: bool,
    /// Whether the case is a judgement of a series fitted alongside (`--train-also`),
    /// never evaluated: the learned score's threshold is not fixed on it.
    pub fitted_alongside: bool,
    /// The score threshold fixed on earlier years for this case's year (`None`: no
    /// earlier year to fix it on, or not evaluated).
    pub threshold: Option<f64>,
    /// Whether the score reached that threshold.
    pub flagged: bool,
    /// The features the learned score reads (in the backtest's `feature_names` order).
    pub features: Vec<f64>,
    /// The learned score: the probability of failing from a model fitted on earlier
    /// years only (`None`: nothing earlier to fit on).
    pub learned: Option<f64>,
    /// Whether the learned score reached its threshold, fixed on earlier years.
    pub learned_flagged: bool,
}

/// A way of flagging, and how it did on the evaluated cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Method {
    /// Short name.
    pub name: String,
    /// What flags a case, in words.
    pub rule: String,
    /// Failing and sound cases, flagged or not.
    pub confusion: Confusion,
    /// Middle cases (Requires improvement) flagged, of how many.
    pub middle_flagged: (usize, usize),
    /// Recall with its 95% bootstrap interval.
    pub recall: Estimate,
    /// False-alarm rate with its interval.
    pub false_alarm_rate: Estimate,
    /// Precision with its interval.
    pub precision: Estimate,
    /// Precision over the base rate.
    pub lift: Option<f64>,
    /// ROC AUC of the score this method ranks by, failing against sound.
    pub roc_auc: Estimate,
    /// Precision–recall AUC (average precision) of that score.
    pub pr_auc: Estimate,
}

/// A figure with its 95% percentile-bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The figure on the cases as they are.
    pub value: Option<f64>,
    /// The interval's lower end.
    pub low: Option<f64>,
    /// Its upper end.
    pub high: Option<f64>,
}

/// The score threshold fixed for one year from the years before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearThreshold {
    /// The evaluated year.
    pub year: i32,
    /// The lowest score whose false-alarm rate on the earlier years is within the target
    /// (`None`: no earlier sound case to fix it on; nothing is flagged).
    pub threshold: Option<f64>,
    /// Failing and sound cases of the earlier years it was fixed on.
    pub fitted_on: (usize, usize),
    /// That year's cases: failing, sound, middle.
    pub cases: (usize, usize, usize),
    /// That year's failing cases flagged, sound cases flagged.
    pub flagged: (usize, usize),
    /// For the learned score: the ridge penalty chosen on the earlier years.
    pub penalty: Option<f64>,
}

/// Observed failure rate per risk band.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationRow {
    /// The band (`not reported` when the scan had no evidence on the organisation).
    pub band: String,
    /// Evaluated cases in the band, middle ones included.
    pub cases: usize,
    /// Of which failing.
    pub failing: usize,
    /// The share failing.
    pub rate: Option<f64>,
}

/// How much one kind of concern signal foretold failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalValue {
    /// The signal's rule.
    pub rule: String,
    /// Evaluated failing and sound cases having it.
    pub cases: usize,
    /// Of which failing.
    pub failing: usize,
    /// Failing share among cases with it.
    pub rate: Option<f64>,
    /// Failing share among cases without it.
    pub rate_without: Option<f64>,
    /// `rate` over the base rate.
    pub lift: Option<f64>,
}

/// A learned model's weights, as fitted on every case before a year: readable, in log odds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearnedWeights {
    /// The model is for judgements in this year and later.
    pub for_year: i32,
    /// Failing and sound cases it was fitted on.
    pub fitted_on: (usize, usize),
    /// Log odds of failing with every feature at 0.
    pub intercept: f64,
    /// (feature, weight in log odds per unit), in feature order.
    pub weights: Vec<(String, f64)>,
    /// The ridge penalty.
    pub l2: f64,
    /// The probability at or above which the model flags, fixed as each year's is: on
    /// every earlier case's out-of-time score, at the false-alarm target.
    pub threshold: Option<f64>,
}

/// The figures of one backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// The methods compared, in this order: the risk score, the learned score, the scan's
    /// own recommendation, and the two previous-grade baselines.
    pub methods: Vec<Method>,
    /// The risk score's threshold per evaluated year.
    pub thresholds: Vec<YearThreshold>,
    /// The learned score's threshold per evaluated year.
    pub learned_thresholds: Vec<YearThreshold>,
    /// The learned model fitted on every case, for the year after the last: the weights
    /// `failwell calibrate` would write.
    pub learned: Option<LearnedWeights>,
    /// Failure rate per band.
    pub calibration: Vec<CalibrationRow>,
    /// Each concern signal's value, strongest lift first.
    pub signals: Vec<SignalValue>,
}

/// What the figures need to know beyond the cases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FigureOptions {
    /// Highest false-alarm rate a threshold may have on the years it is fixed on.
    pub target_false_alarm_rate: f64,
    /// Bootstrap resamples per interval.
    pub resamples: usize,
    /// The bootstrap's seed.
    pub seed: u64,
}

/// Fixes each evaluated case's threshold from the cases of earlier years: the lowest
/// score at which no more than `target` of the earlier sound cases would have been
/// flagged. Sets `threshold` and `flagged` on every evaluated case; returns the
/// thresholds per year.
pub fn fix_thresholds(cases: &mut [Case], target: f64) -> Vec<YearThreshold> {
    let mut years: Vec<i32> = cases.iter().filter(|c| c.evaluated).map(|c| c.year).collect();
    years.sort_unstable();
    years.dedup();
    let mut out = Vec::new();
    for year in years {
        let earlier: Vec<&Case> = cases.iter().filter(|c| c.year < year && c.outcome != Outcome::Middle).collect();
        let threshold = lowest_threshold(&earlier, target);
        let fitted_on = (
            earlier.iter().filter(|c| c.outcome == Outcome::Failing).count(),
            earlier.iter().filter(|c| c.outcome == Outcome::Sound).count(),
        );
        for c in cases.iter_mut().filter(|c| c.evaluated && c.year == year) {
            c.threshold = threshold;
            c.flagged = threshold.is_some_and(|t| c.score >= t);
        }
        let (cases_n, flagged) = tally(cases, year, |c| c.flagged);
        out.push(YearThreshold { year, threshold, fitted_on, cases: cases_n, flagged, penalty: None });
    }
    out
}

/// A year's evaluated cases (failing, sound, in between) and those of them `flagged`
/// (failing, sound).
fn tally(cases: &[Case], year: i32, flagged: impl Fn(&Case) -> bool) -> ((usize, usize, usize), (usize, usize)) {
    let of = |o: Outcome| cases.iter().filter(move |c| c.evaluated && c.year == year && c.outcome == o);
    (
        (of(Outcome::Failing).count(), of(Outcome::Sound).count(), of(Outcome::Middle).count()),
        (of(Outcome::Failing).filter(|c| flagged(c)).count(), of(Outcome::Sound).filter(|c| flagged(c)).count()),
    )
}

/// Fits the learned score for each year on the failing and sound cases of the years
/// before it (ridge logistic regression on the case features), scores that year's cases
/// with it, and flags those at or above the threshold fixed at `target` on the earlier
/// years' scores (each given by the model of the years before it, so out of time too).
/// Returns the thresholds per evaluated year and the model fitted on every case (for the
/// year after the last), or `None` for it when no model could be fitted; and, in the
/// third place, each year's own model (fitted on the years before it, with its
/// threshold), which the backtest's scans of that year apply.
pub fn learn_by_year(
    cases: &mut [Case],
    names: &[String],
    target: f64,
    penalties: &[f64],
) -> (Vec<YearThreshold>, Option<LearnedWeights>, BTreeMap<i32, LearnedWeights>) {
    let mut years: Vec<i32> = cases.iter().map(|c| c.year).collect();
    years.sort_unstable();
    years.dedup();
    let fit_before = |cases: &[Case], year: i32, l2: f64| {
        let train: Vec<&Case> = cases.iter().filter(|c| c.year < year && c.outcome != Outcome::Middle).collect();
        let x: Vec<Vec<f64>> = train.iter().map(|c| c.features.clone()).collect();
        let y: Vec<bool> = train.iter().map(|c| c.outcome == Outcome::Failing).collect();
        let fitted = (y.iter().any(|&f| f) && y.iter().any(|&f| !f)).then(|| fit_logistic(&x, &y, l2).ok()).flatten();
        let counts = (y.iter().filter(|&&f| f).count(), y.iter().filter(|&&f| !f).count());
        (fitted, counts)
    };
    let mut out = Vec::new();
    // Every year's cases are scored by the model of the years before it, training-only
    // years too: then each year's threshold is fixed on earlier scores that were
    // themselves out of time, not on a model's fit to its own training cases (which is
    // optimistic, and would let too many false alarms through).
    let mut by_year = BTreeMap::new();
    let weights_of =
        |year: i32, fit: &failwell_stats::logistic::LogisticFit, fitted_on, l2, threshold| LearnedWeights {
            for_year: year,
            fitted_on,
            intercept: fit.intercept,
            weights: names.iter().cloned().zip(fit.weights.iter().copied()).collect(),
            l2,
            threshold,
        };
    for &year in &years {
        let l2 = choose_penalty(cases, year, penalties);
        let (fit, fitted_on) = fit_before(cases, year, l2);
        let threshold = threshold_on(cases.iter().filter(|c| c.year < year), target);
        if let Some(f) = &fit {
            by_year.insert(year, weights_of(year, f, fitted_on, l2, threshold));
        }
        for c in cases.iter_mut().filter(|c| c.year == year) {
            c.learned = fit.as_ref().map(|f| f.probability(&c.features));
            c.learned_flagged = c.learned.zip(threshold).is_some_and(|(p, t)| p >= t);
        }
        let (n, flagged) = tally(cases, year, |c| c.learned_flagged);
        if cases.iter().any(|c| c.year == year && c.evaluated) {
            out.push(YearThreshold { year, threshold, fitted_on, cases: n, flagged, penalty: Some(l2) });
        }
    }
    let next = cases.iter().map(|c| c.year).max().map_or(0, |y| y + 1);
    let l2 = choose_penalty(cases, next, penalties);
    let (fit, fitted_on) = fit_before(cases, next, l2);
    let threshold = threshold_on(cases.iter(), target);
    let weights = fit.map(|f| weights_of(next, &f, fitted_on, l2, threshold));
    (out, weights, by_year)
}

/// The learned score's threshold fixed at `target` on the scores of `earlier` cases: on
/// those of the evaluated series alone when any of them is sound, since a scan scores
/// the next judgement of that series (`earlier_series` at 0), while a judgement of a
/// series fitted alongside is scored with that series' own base rate; on them all
/// otherwise.
fn threshold_on<'a>(earlier: impl Iterator<Item = &'a Case>, target: f64) -> Option<f64> {
    let scored: Vec<(f64, Outcome, bool)> =
        earlier.filter_map(|c| c.learned.map(|p| (p, c.outcome, c.fitted_alongside))).collect();
    let own_sound = scored.iter().any(|(_, o, alongside)| *o == Outcome::Sound && !alongside);
    let pairs: Vec<(f64, Outcome)> =
        scored.into_iter().filter(|(.., alongside)| !own_sound || !alongside).map(|(p, o, _)| (p, o)).collect();
    lowest_of(&pairs, target)
}

/// The ridge penalty for the model of `year`, chosen on the years before it alone: each
/// candidate scores every earlier year's failing and sound cases with a model fitted on
/// the years before that one, and the candidate whose scores rank best (ROC AUC over
/// all those out-of-time scores) wins; ties go to the stronger penalty. With one
/// candidate, or no earlier year to judge by, the first candidate.
fn choose_penalty(cases: &[Case], year: i32, penalties: &[f64]) -> f64 {
    let first = penalties.first().copied().unwrap_or(1.0);
    if penalties.len() < 2 {
        return first;
    }
    let mut years: Vec<i32> = cases.iter().map(|c| c.year).filter(|&y| y < year).collect();
    years.sort_unstable();
    years.dedup();
    let mut best: Option<(f64, f64)> = None;
    for &l2 in penalties {
        let mut scored = Vec::new();
        for &y in &years {
            let train: Vec<&Case> = cases.iter().filter(|c| c.year < y && c.outcome != Outcome::Middle).collect();
            let labels: Vec<bool> = train.iter().map(|c| c.outcome == Outcome::Failing).collect();
            if !labels.iter().any(|&f| f) || labels.iter().all(|&f| f) {
                continue;
            }
            let x: Vec<Vec<f64>> = train.iter().map(|c| c.features.clone()).collect();
            let Ok(fit) = fit_logistic(&x, &labels, l2) else { continue };
            scored.extend(
                cases
                    .iter()
                    .filter(|c| c.year == y && c.outcome != Outcome::Middle)
                    .map(|c| Scored { score: fit.probability(&c.features), positive: c.outcome == Outcome::Failing }),
            );
        }
        let Some(auc) = roc_auc(&scored) else { continue };
        if best.is_none_or(|(_, b)| auc >= b) {
            best = Some((l2, auc));
        }
    }
    best.map_or(first, |(l2, _)| l2)
}

/// [`lowest_threshold`] over (score, outcome) pairs.
fn lowest_of(scored: &[(f64, Outcome)], target: f64) -> Option<f64> {
    let sound: Vec<f64> = scored.iter().filter(|(_, o)| *o == Outcome::Sound).map(|(s, _)| *s).collect();
    if sound.is_empty() {
        return None;
    }
    let mut candidates: Vec<f64> = scored.iter().map(|(s, _)| *s).filter(|s| s.is_finite()).collect();
    candidates.sort_by(f64::total_cmp);
    candidates.dedup();
    let rate = |t: f64| sound.iter().filter(|&&s| s >= t).count() as f64 / sound.len() as f64;
    // Scores above every sound case flag none of them: the fallback is just above the top.
    let above_all = sound.iter().copied().fold(f64::MIN, f64::max) + 1e-9;
    candidates.into_iter().find(|&t| rate(t) <= target).or(Some(above_all))
}

/// The lowest score among `cases` (or above them all) flagging at most `target` of the
/// sound ones; `None` without sound cases.
fn lowest_threshold(cases: &[&Case], target: f64) -> Option<f64> {
    let scored: Vec<(f64, Outcome)> = cases.iter().map(|c| (c.score, c.outcome)).collect();
    lowest_of(&scored, target)
}

/// Every figure, on the evaluated cases (thresholds already fixed).
pub fn figures(
    cases: &[Case],
    thresholds: Vec<YearThreshold>,
    learned: (Vec<YearThreshold>, Option<LearnedWeights>),
    options: FigureOptions,
) -> Figures {
    let evaluated: Vec<&Case> = cases.iter().filter(|c| c.evaluated).collect();
    let previous_rank = |c: &Case| c.previous_rank.map_or(0.0, |r| r as f64);
    let methods = vec![
        method(
            &evaluated,
            "risk score",
            "overall score at or above the threshold fixed on earlier years",
            |c| c.flagged,
            |c| c.score,
            options,
        ),
        method(
            &evaluated,
            "learned score",
            "probability of failing from a model fitted on earlier years, at or above the threshold fixed on them",
            |c| c.learned_flagged,
            |c| c.learned.unwrap_or(0.0),
            options,
        ),
        method(
            &evaluated,
            "recommendation",
            "the scan recommends a rung above universal monitoring",
            |c| c.recommended_level > 0,
            |c| c.recommended_level as f64,
            options,
        ),
        method(
            &evaluated,
            "previous grade below good",
            "the latest earlier judgement is below the scale's second grade (Requires improvement or Inadequate)",
            |c| c.previous_rank.is_some_and(|r| r > 2),
            previous_rank,
            options,
        ),
        method(
            &evaluated,
            "previous grade inadequate",
            "the latest earlier judgement is failing",
            |c| c.previous_failing,
            previous_rank,
            options,
        ),
    ];
    Figures {
        methods,
        thresholds,
        learned_thresholds: learned.0,
        learned: learned.1,
        calibration: calibration(&evaluated),
        signals: signal_values(&evaluated),
    }
}

fn method(
    cases: &[&Case],
    name: &str,
    rule: &str,
    flagged: impl Fn(&Case) -> bool,
    score: impl Fn(&Case) -> f64,
    options: FigureOptions,
) -> Method {
    #[derive(Clone, Copy)]
    struct Row {
        flagged: bool,
        positive: bool,
        score: f64,
    }
    let rows: Vec<Row> = cases
        .iter()
        .filter(|c| c.outcome != Outcome::Middle)
        .map(|c| Row { flagged: flagged(c), positive: c.outcome == Outcome::Failing, score: score(c) })
        .collect();
    let middle: Vec<&&Case> = cases.iter().filter(|c| c.outcome == Outcome::Middle).collect();
    let confusion_of = |r: &[Row]| Confusion::count(r, |r| r.flagged, |r| r.positive);
    let scored = |r: &[Row]| r.iter().map(|r| Scored { score: r.score, positive: r.positive }).collect::<Vec<_>>();
    let estimate = |f: &dyn Fn(&[Row]) -> Option<f64>, salt: u64| {
        let interval = bootstrap_interval(&rows, f, options.resamples, 0.95, options.seed ^ salt);
        Estimate { value: f(&rows), low: interval.map(|i| i.0), high: interval.map(|i| i.1) }
    };
    let confusion = confusion_of(&rows);
    Method {
        name: name.to_string(),
        rule: rule.to_string(),
        confusion,
        middle_flagged: (middle.iter().filter(|c| flagged(c)).count(), middle.len()),
        recall: estimate(&|r| confusion_of(r).recall(), 1),
        false_alarm_rate: estimate(&|r| confusion_of(r).false_alarm_rate(), 2),
        precision: estimate(&|r| confusion_of(r).precision(), 3),
        lift: confusion.lift(),
        roc_auc: estimate(&|r| roc_auc(&scored(r)), 4),
        pr_auc: estimate(&|r| average_precision(&scored(r)), 5),
    }
}

fn calibration(cases: &[&Case]) -> Vec<CalibrationRow> {
    let order = ["not reported", "low", "moderate", "high", "severe"];
    let mut rows: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for c in cases {
        let band = c.band.as_deref().unwrap_or("not reported");
        let at = order.iter().position(|b| *b == band).unwrap_or(order.len());
        let row = rows.entry(at).or_default();
        row.0 += 1;
        row.1 += usize::from(c.outcome == Outcome::Failing);
    }
    rows.into_iter()
        .map(|(at, (n, failing))| CalibrationRow {
            band: order.get(at).copied().unwrap_or("other").to_string(),
            cases: n,
            failing,
            rate: (n > 0).then(|| failing as f64 / n as f64),
        })
        .collect()
}

fn signal_values(cases: &[&Case]) -> Vec<SignalValue> {
    let judged: Vec<&&Case> = cases.iter().filter(|c| c.outcome != Outcome::Middle).collect();
    let failing = judged.iter().filter(|c| c.outcome == Outcome::Failing).count();
    let base = (!judged.is_empty()).then(|| failing as f64 / judged.len() as f64);
    let mut rules: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for c in &judged {
        let mut seen: Vec<&str> = c.concerns.iter().map(|k| k.split(':').next().unwrap_or(k)).collect();
        seen.sort_unstable();
        seen.dedup();
        for rule in seen {
            let e = rules.entry(rule.to_string()).or_default();
            e.0 += 1;
            e.1 += usize::from(c.outcome == Outcome::Failing);
        }
    }
    let mut out: Vec<SignalValue> = rules
        .into_iter()
        .map(|(rule, (n, f))| {
            let rate = (n > 0).then(|| f as f64 / n as f64);
            let without_n = judged.len() - n;
            SignalValue {
                rule,
                cases: n,
                failing: f,
                rate,
                rate_without: (without_n > 0).then(|| (failing - f) as f64 / without_n as f64),
                lift: rate.zip(base).filter(|(_, b)| *b > 0.0).map(|(r, b)| r / b),
            }
        })
        .collect();
    out.sort_by(|a, b| b.lift.unwrap_or(0.0).total_cmp(&a.lift.unwrap_or(0.0)).then(a.rule.cmp(&b.rule)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(year: i32, score: f64, outcome: Outcome) -> Case {
        Case {
            organisation: format!("E{year}{score}"),
            name: String::new(),
            published_on: format!("{year}-06-01"),
            year,
            grade: String::new(),
            outcome,
            scanned_as_of: format!("{year}-05-31"),
            score,
            band: None,
            recommended_level: 0,
            current_rung: None,
            previous_grade: None,
            previous_rank: None,
            previous_failing: false,
            concerns: Vec::new(),
            reasons: Vec::new(),
            evaluated: year >= 2020,
            fitted_alongside: false,
            threshold: None,
            flagged: false,
            features: vec![score],
            learned: None,
            learned_flagged: false,
        }
    }

    #[test]
    fn thresholds_come_from_earlier_years_only() {
        use Outcome::*;
        // 2019: sound scores 0..=9, failing 8 and 9. At a target of 0.2, the lowest
        // threshold flagging at most two of ten sound cases is 8.
        let mut cases: Vec<Case> = (0..10).map(|s| case(2019, f64::from(s), Sound)).collect();
        cases.extend([case(2019, 8.0, Failing), case(2019, 9.0, Failing)]);
        // 2020 is judged at 8; a 2021 case of score 100 must not move 2020's threshold.
        cases.extend([case(2020, 7.0, Failing), case(2020, 8.5, Failing), case(2020, 1.0, Sound)]);
        cases.push(case(2021, 100.0, Sound));
        let years = fix_thresholds(&mut cases, 0.2);
        assert_eq!(years[0].year, 2020);
        assert_eq!(years[0].threshold, Some(8.0));
        assert_eq!(years[0].fitted_on, (2, 10));
        assert_eq!(years[0].flagged, (1, 0));
        let flagged: Vec<bool> = cases.iter().filter(|c| c.year == 2020).map(|c| c.flagged).collect();
        assert_eq!(flagged, vec![false, true, false]);
        // 2021 is fixed on 2019 and 2020: 11 sound cases, at most 2 flagged: 8.
        assert_eq!(years[1].threshold, Some(8.0));
        assert!(!cases.iter().any(|c| !c.evaluated && c.threshold.is_some()));
    }

    #[test]
    fn the_learned_threshold_is_fixed_on_the_evaluated_series_when_it_has_a_sound_case() {
        use Outcome::*;
        let scored = |year, p: f64, outcome, alongside| {
            let mut c = case(year, 0.0, outcome);
            c.learned = Some(p);
            c.fitted_alongside = alongside;
            c
        };
        // Alongside (SIF-like): sound cases scored high, 0.6 to 0.9; the evaluated series'
        // own sound cases 0.1 to 0.4, its failing one 0.35. At a target of 0.25, one sound
        // case in four may be flagged: from 0.35 on the evaluated series alone (0.8 over
        // both).
        let mut cases: Vec<Case> = [0.6, 0.7, 0.8, 0.9].into_iter().map(|p| scored(2017, p, Sound, true)).collect();
        assert_eq!(threshold_on(cases.iter(), 0.25), Some(0.9), "alongside only: its own sound cases");
        cases.extend([0.1, 0.2, 0.3, 0.4].into_iter().map(|p| scored(2018, p, Sound, false)));
        cases.push(scored(2018, 0.35, Failing, false));
        assert_eq!(threshold_on(cases.iter(), 0.25), Some(0.35));
        // Without a sound case of the evaluated series, every case counts.
        let without: Vec<Case> = cases.iter().filter(|c| c.fitted_alongside || c.outcome == Failing).cloned().collect();
        assert_eq!(threshold_on(without.iter(), 0.25), Some(0.9));
    }

    #[test]
    fn methods_count_by_hand() {
        use Outcome::*;
        let mut cases = vec![case(2019, 1.0, Sound), case(2019, 5.0, Failing), case(2019, 0.0, Sound)];
        let mut hit = case(2020, 6.0, Failing);
        hit.previous_rank = Some(3);
        hit.concerns = vec!["spc.shift:caseload".into()];
        let miss = case(2020, 0.5, Failing);
        let mut alarm = case(2020, 5.5, Sound);
        alarm.previous_rank = Some(4);
        alarm.previous_failing = true;
        alarm.concerns = vec!["spc.shift:agency".into(), "returns.late".into()];
        let quiet = case(2020, 0.0, Sound);
        let middle = case(2020, 9.0, Middle);
        cases.extend([hit, miss, alarm, quiet, middle]);
        let years = fix_thresholds(&mut cases, 0.5);
        // Earlier sound scores 1 and 0: at 0.5 at most one may be flagged: threshold 1.
        assert_eq!(years[0].threshold, Some(1.0));
        let (learned_years, next, by_year) = learn_by_year(&mut cases, &["score".to_string()], 0.5, &[1.0]);
        assert!(by_year.values().all(|w| w.for_year < 2021), "each year's model is for its year");
        let f = figures(
            &cases,
            years,
            (learned_years, next),
            FigureOptions { target_false_alarm_rate: 0.5, resamples: 200, seed: 1 },
        );
        let score = &f.methods[0];
        assert_eq!(score.confusion, Confusion { hits: 1, misses: 1, false_alarms: 1, quiet: 1 });
        assert_eq!(score.middle_flagged, (1, 1));
        // Failing 6, 0.5 against sound 5.5, 0: pairs won 6>5.5, 6>0, 0.5>0 = 3 of 4.
        assert_eq!(score.roc_auc.value, Some(0.75));
        let below_good = &f.methods[3];
        assert_eq!(below_good.confusion, Confusion { hits: 1, misses: 1, false_alarms: 1, quiet: 1 });
        let inadequate = &f.methods[4];
        // The learned score, fitted on 2019 (failing 5 against sound 1 and 0), rises with
        // the score: it ranks as the score does.
        let learned = &f.methods[1];
        assert_eq!(learned.roc_auc.value, Some(0.75));
        assert!(f.learned.as_ref().is_some_and(|w| w.weights[0].1 > 0.0 && w.for_year == 2021), "{:?}", f.learned);
        assert_eq!(inadequate.confusion, Confusion { hits: 0, misses: 2, false_alarms: 1, quiet: 1 });
        let shift = f.signals.iter().find(|s| s.rule == "spc.shift").expect("spc.shift counted");
        assert_eq!((shift.cases, shift.failing), (2, 1));
        assert_eq!(shift.rate_without, Some(0.5));
        let late = f.signals.iter().find(|s| s.rule == "returns.late").expect("returns.late counted");
        assert_eq!((late.cases, late.failing, late.lift), (1, 0, Some(0.0)));
        assert_eq!(f.calibration.len(), 1, "{:?}", f.calibration);
        assert_eq!((f.calibration[0].cases, f.calibration[0].failing), (5, 2));
    }
}
