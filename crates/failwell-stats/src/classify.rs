//! How well a score tells cases that went on to fail from those that did not: ROC AUC,
//! precision–recall AUC, counts at a threshold, and bootstrap confidence intervals.
//!
//! A backtest has a few dozen failing judgements at most, so every rate here comes with
//! the counts behind it and an interval: a figure from 22 cases moves a lot with one case.

use crate::rng::SplitMix64;

/// One scored case: its score (higher means more at risk) and whether it failed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// The risk score before the outcome was known.
    pub score: f64,
    /// Whether the outcome of interest followed (a failing judgement).
    pub positive: bool,
}

/// The area under the ROC curve: the chance that a randomly chosen positive case scores
/// above a randomly chosen negative one, ties counting one half (the Mann–Whitney U
/// statistic over the product of the group sizes). `None` when either group is empty.
pub fn roc_auc(cases: &[Scored]) -> Option<f64> {
    let mut sorted: Vec<Scored> = cases.iter().copied().filter(|c| !c.score.is_nan()).collect();
    sorted.sort_by(|a, b| a.score.total_cmp(&b.score));
    let positives = sorted.iter().filter(|c| c.positive).count() as f64;
    let negatives = sorted.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    // Midranks over runs of equal scores, summed over the positives.
    let (mut rank_sum, mut below) = (0.0, 0usize);
    for run in ties(&sorted) {
        let midrank = below as f64 + (run.len() as f64 + 1.0) / 2.0;
        rank_sum += midrank * positives_in(run) as f64;
        below += run.len();
    }
    Some((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// The area under the precision–recall curve as average precision: the mean, over the
/// positive cases, of the precision among cases scoring at least as high. Tied scores are
/// taken as one step (all flagged together), so the order of ties does not matter.
/// `None` without positives. A score that ranks at random has about the base rate.
pub fn average_precision(cases: &[Scored]) -> Option<f64> {
    let mut sorted: Vec<Scored> = cases.iter().copied().filter(|c| !c.score.is_nan()).collect();
    sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
    let positives = sorted.iter().filter(|c| c.positive).count();
    if positives == 0 {
        return None;
    }
    let (mut seen, mut hits, mut sum) = (0usize, 0usize, 0.0);
    for run in ties(&sorted) {
        let step_hits = positives_in(run);
        seen += run.len();
        hits += step_hits;
        sum += step_hits as f64 * hits as f64 / seen as f64;
    }
    Some(sum / positives as f64)
}

/// The runs of equal scores in `sorted` (sorted by score): tied cases share a rank and
/// are flagged together.
fn ties(sorted: &[Scored]) -> impl Iterator<Item = &[Scored]> {
    sorted.chunk_by(|a, b| a.score == b.score)
}

fn positives_in(run: &[Scored]) -> usize {
    run.iter().filter(|c| c.positive).count()
}

/// The counts of a flag against the outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Confusion {
    /// Flagged and failed.
    pub hits: usize,
    /// Not flagged and failed.
    pub misses: usize,
    /// Flagged and did not fail.
    pub false_alarms: usize,
    /// Not flagged and did not fail.
    pub quiet: usize,
}

impl Confusion {
    /// Counts the cases flagged by `flagged`.
    pub fn count<T>(cases: &[T], flagged: impl Fn(&T) -> bool, positive: impl Fn(&T) -> bool) -> Confusion {
        let mut c = Confusion::default();
        for case in cases {
            match (flagged(case), positive(case)) {
                (true, true) => c.hits += 1,
                (false, true) => c.misses += 1,
                (true, false) => c.false_alarms += 1,
                (false, false) => c.quiet += 1,
            }
        }
        c
    }

    /// Share of failures flagged (`None` without failures).
    pub fn recall(&self) -> Option<f64> {
        ratio(self.hits, self.hits + self.misses)
    }

    /// Share of sound cases flagged.
    pub fn false_alarm_rate(&self) -> Option<f64> {
        ratio(self.false_alarms, self.false_alarms + self.quiet)
    }

    /// Share of flags that were followed by failure.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.hits, self.hits + self.false_alarms)
    }

    /// Precision over the base rate: how many times likelier failure is when flagged.
    pub fn lift(&self) -> Option<f64> {
        let base = ratio(self.hits + self.misses, self.hits + self.misses + self.false_alarms + self.quiet)?;
        Some(self.precision()? / base).filter(|_| base > 0.0)
    }

    /// How many were flagged.
    pub fn flagged(&self) -> usize {
        self.hits + self.false_alarms
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// A percentile bootstrap interval: `statistic` recomputed on `resamples` resamples of
/// `cases` drawn with replacement (seeded, so the interval is reproducible), and the
/// `(1 - level) / 2` and `(1 + level) / 2` quantiles of the results. Resamples where the
/// statistic is undefined (no failures drawn) are left out. `None` when none is defined.
pub fn bootstrap_interval<T: Copy>(
    cases: &[T],
    statistic: impl Fn(&[T]) -> Option<f64>,
    resamples: usize,
    level: f64,
    seed: u64,
) -> Option<(f64, f64)> {
    if cases.is_empty() {
        return None;
    }
    let mut rng = SplitMix64::new(seed);
    let mut sample = Vec::with_capacity(cases.len());
    let mut values = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        sample.clear();
        sample.extend((0..cases.len()).map(|_| cases[(rng.next_u64() % cases.len() as u64) as usize]));
        if let Some(v) = statistic(&sample) {
            values.push(v);
        }
    }
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((q * (values.len() - 1) as f64).round() as usize).min(values.len() - 1)];
    Some((at((1.0 - level) / 2.0), at((1.0 + level) / 2.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cases(list: &[(f64, bool)]) -> Vec<Scored> {
        list.iter().map(|&(score, positive)| Scored { score, positive }).collect()
    }

    #[test]
    fn auc_of_a_perfect_a_reversed_and_a_tied_score() {
        let perfect = cases(&[(0.1, false), (0.2, false), (0.8, true), (0.9, true)]);
        assert_eq!(roc_auc(&perfect), Some(1.0));
        let reversed = cases(&[(0.9, false), (0.8, false), (0.2, true), (0.1, true)]);
        assert_eq!(roc_auc(&reversed), Some(0.0));
        let tied = cases(&[(1.0, false), (1.0, true), (1.0, false), (1.0, true)]);
        assert_eq!(roc_auc(&tied), Some(0.5));
        assert_eq!(roc_auc(&cases(&[(1.0, true)])), None);
    }

    #[test]
    fn auc_counts_pairs_by_hand() {
        // Positives 3 and 1; negatives 2, 2 and 0. Pairs won: (3>2,3>2,3>0) + (1>0) = 4
        // of 6, and no ties: 4/6.
        let c = cases(&[(3.0, true), (1.0, true), (2.0, false), (2.0, false), (0.0, false)]);
        assert!((roc_auc(&c).unwrap() - 4.0 / 6.0).abs() < 1e-12);
        // A tie between a positive and a negative counts a half: 2 vs 2 once.
        let c = cases(&[(2.0, true), (2.0, false), (1.0, false)]);
        assert!((roc_auc(&c).unwrap() - 0.75).abs() < 1e-12);
    }

    #[test]
    fn average_precision_by_hand() {
        // Ranked: P(0.9) N(0.8) P(0.7) N(0.1): precisions at the positives 1 and 2/3.
        let c = cases(&[(0.9, true), (0.8, false), (0.7, true), (0.1, false)]);
        assert!((average_precision(&c).unwrap() - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        // All tied: one step, precision = base rate.
        let c = cases(&[(1.0, true), (1.0, false), (1.0, false), (1.0, false)]);
        assert!((average_precision(&c).unwrap() - 0.25).abs() < 1e-12);
        assert_eq!(average_precision(&cases(&[(1.0, false)])), None);
    }

    #[test]
    fn confusion_rates_and_lift() {
        let c = cases(&[(0.9, true), (0.8, false), (0.7, true), (0.1, false), (0.05, false), (0.6, true)]);
        let at = Confusion::count(&c, |c| c.score >= 0.65, |c| c.positive);
        assert_eq!(at, Confusion { hits: 2, misses: 1, false_alarms: 1, quiet: 2 });
        assert_eq!(at.recall(), Some(2.0 / 3.0));
        assert_eq!(at.false_alarm_rate(), Some(1.0 / 3.0));
        assert_eq!(at.precision(), Some(2.0 / 3.0));
        assert!((at.lift().unwrap() - (2.0 / 3.0) / 0.5).abs() < 1e-12);
        assert_eq!(at.flagged(), 3);
    }

    #[test]
    fn bootstrap_interval_is_reproducible_and_brackets_the_estimate() {
        let c: Vec<Scored> =
            (0..60).map(|i| Scored { score: f64::from(i % 10), positive: i % 10 >= 6 || i % 7 == 0 }).collect();
        let auc = roc_auc(&c).unwrap();
        let a = bootstrap_interval(&c, roc_auc, 400, 0.95, 7).unwrap();
        let b = bootstrap_interval(&c, roc_auc, 400, 0.95, 7).unwrap();
        assert_eq!(a, b);
        assert!(a.0 < auc && auc < a.1, "{a:?} around {auc}");
        assert!(a.1 - a.0 > 0.01, "an interval from 60 cases is not a point: {a:?}");
    }
}
