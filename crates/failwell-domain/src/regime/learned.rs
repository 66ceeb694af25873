//! Learned scores: how much each kind of evidence counts towards the likelihood that a
//! sector's next judgement fails, as weights fitted on the judgements of the past
//! (`failwell calibrate`) and kept in the regime, so that a person can read them, change
//! them and see which version judged what.
//!
//! The model is a logistic one: the log odds of failing are the intercept plus each
//! feature's value times its weight. The features are the fixed ones below and the
//! level of an indicator (`level:<indicator code>`: its latest figure as a robust z
//! against every organisation's figure for the same period). A feature an organisation
//! has no value for counts as 0 (the typical organisation).

use super::pos::Positions;
use time::Date;

/// The fixed features a learned score may weigh, with what each measures. The engine
/// computes them; the regime only names them.
pub const FIXED_FEATURES: &[(&str, &str)] = &[
    (
        "previous_requires_improvement",
        "the latest judgement was the scale's third grade (Requires improvement, Adequate)",
    ),
    ("previous_inadequate", "the latest judgement was failing"),
    ("previous_good_or_better", "the latest judgement was Good or Outstanding"),
    ("under_intervention", "the organisation stood on a rung above universal monitoring (recorded or inferred)"),
    ("years_since_judgement", "years since the latest judgement was published (capped at 6; 6 without one)"),
    ("concerns_spc", "log(1 + counted concern signals from SPC charts of its own series)"),
    ("concerns_peer", "log(1 + counted concern signals against peers: funnel limits)"),
    ("concerns_returns", "log(1 + counted late or missing returns)"),
    (
        "concerns_other",
        "log(1 + other counted concern signals: events, churn, CUSUM; a signal the scan reads away, such as a national shift or small numbers, is not counted)",
    ),
];

/// The feature that marks a judgement of another series fitted alongside (the SIF
/// judgements before ILACS), with what it measures: a second intercept. Each series has
/// its own rate of failing (a third of the 2014–2016 SIF judgements were Inadequate, a
/// sixth of ILACS ones) and the earlier years have none of the figures that came later
/// (the social-worker census starts in 2017): with one intercept for both, the earlier
/// series' higher rate would be read as "no figures means failing" and pull on every
/// weight. A scan scores the next judgement of the series the score foretells: 0.
pub const EARLIER_SERIES: (&str, &str) = (
    "earlier_series",
    "the judgement was of a series fitted alongside (e.g. SIF before ILACS): its own base rate; 0 in a scan",
);

/// The prefix of an indicator-level feature: `level:<indicator code>`.
pub const LEVEL_PREFIX: &str = "level:";

/// What a feature measures, in words; `None` for a name no learned score may use.
pub fn feature_meaning(feature: &str) -> Option<String> {
    if let Some(indicator) = feature.strip_prefix(LEVEL_PREFIX) {
        return (!indicator.is_empty()).then(|| {
            format!("the latest figure of {indicator} against every organisation's for the same period (robust z, capped at ±4)")
        });
    }
    FIXED_FEATURES
        .iter()
        .chain(std::iter::once(&EARLIER_SERIES))
        .find(|(n, _)| *n == feature)
        .map(|(_, m)| (*m).to_string())
}

/// One learned score of one sector.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedScore {
    /// Stable identifier, e.g. `childrens_services_failing`.
    pub id: String,
    /// The sector whose organisations it scores.
    pub sector: String,
    /// The judgement series it foretells (an inspection framework, e.g. `ilacs`).
    pub foretells: String,
    /// Free text: how it was fitted and what its backtest showed.
    pub description: Option<String>,
    /// The earliest and latest publication day of the judgements it was fitted on.
    pub fitted_from: Date,
    /// See `fitted_from`.
    pub fitted_to: Date,
    /// Failing judgements it was fitted on.
    pub failing_cases: i64,
    /// Sound judgements it was fitted on.
    pub sound_cases: i64,
    /// The ridge penalty of the fit.
    pub penalty: f64,
    /// Log odds of failing with every feature at 0.
    pub intercept: f64,
    /// The probability at or above which an organisation is flagged: the lowest that
    /// flagged no more than the target share of sound cases out of time.
    pub threshold: Option<f64>,
    /// Log odds per unit of each feature, by feature name.
    pub weights: Vec<(String, f64)>,
    pub(crate) pos: Positions,
}

impl LearnedScore {
    /// A learned score made by a program (a fit), not read from a file: no weights yet,
    /// no threshold, fitted on nothing. Set its public fields.
    pub fn new(id: &str, sector: &str, foretells: &str) -> LearnedScore {
        LearnedScore {
            id: id.to_string(),
            sector: sector.to_string(),
            foretells: foretells.to_string(),
            description: None,
            fitted_from: Date::MIN,
            fitted_to: Date::MIN,
            failing_cases: 0,
            sound_cases: 0,
            penalty: 0.0,
            intercept: 0.0,
            threshold: None,
            weights: Vec::new(),
            pos: Positions::default(),
        }
    }

    /// The log odds of failing for features given by name (a missing one counts as 0).
    pub fn log_odds(&self, value: impl Fn(&str) -> Option<f64>) -> f64 {
        self.intercept + self.weights.iter().map(|(f, w)| w * value(f).unwrap_or(0.0)).sum::<f64>()
    }
}

/// The logistic function: a probability from log odds.
pub fn probability(log_odds: f64) -> f64 {
    1.0 / (1.0 + (-log_odds).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_the_fixed_names_or_a_level() {
        assert!(feature_meaning("previous_inadequate").is_some());
        assert!(feature_meaning("level:caseload").unwrap().contains("caseload"));
        assert!(feature_meaning("level:").is_none());
        assert!(feature_meaning("shoe_size").is_none());
    }

    #[test]
    fn probability_is_the_logistic_of_the_log_odds() {
        assert!((probability(0.0) - 0.5).abs() < 1e-15);
        assert!((probability(2.0_f64.ln()) - 2.0 / 3.0).abs() < 1e-12);
    }
}
