//! The learned score: the likelihood that an organisation's next judgement fails, from
//! weights fitted on past judgements and kept in the regime (`failwell calibrate`).
//!
//! What it reads of an organisation on a day: the previous grade (as a category: the
//! data say Requires improvement, not Inadequate, is followed by failure most often),
//! whether it is already under intervention, how long since it was judged, its concern
//! signals by family, and where its latest figure of each indicator stands against every
//! organisation's figure for the same period (a robust z: median and MAD, so a few
//! extreme councils do not set the scale). The backtest fits the weights on exactly
//! these features as known the day before each past judgement; the scan applies them as
//! known on its day, and lists each feature's contribution so a person can check the sum.
//!
//! Pure: the scan's level pass and the backtest read the figures and hand them here.

use crate::judge::insularity::{Norm, norm_of};
use crate::judge::organisation::OrganisationReport;
use failwell_domain::regime::{EARLIER_SERIES, LEVEL_PREFIX, LearnedScore, feature_meaning, probability};
use serde::Serialize;
use std::collections::BTreeMap;

/// The fixed features, before the indicator levels: name and what it measures.
pub const FIXED: &[(&str, &str)] = failwell_domain::regime::FIXED_FEATURES;

/// Robust z beyond which a level is capped: one extreme council should not dominate a fit.
pub const LEVEL_CAP: f64 = 4.0;

/// Fewest organisations with a figure for the period before a level is measured.
pub const MIN_LEVEL_VALUES: usize = 10;

/// Whether an indicator's unit measures size (a count of children, staff or people)
/// rather than performance: its level says how big a council is, not how well it does.
pub fn is_size(unit: &str) -> bool {
    matches!(unit.trim().to_ascii_lowercase().as_str(), "count" | "persons" | "people" | "fte" | "number")
}

/// One organisation's latest known figure of one indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Latest {
    /// The organisation's code.
    pub organisation: String,
    /// The indicator's code.
    pub indicator: String,
    /// The period of the figure.
    pub period: String,
    /// The figure.
    pub value: f64,
}

/// Each (organisation, indicator)'s latest figure as a robust z against every
/// organisation's figure of the same indicator and period, capped at ±[`LEVEL_CAP`].
/// Periods with fewer than [`MIN_LEVEL_VALUES`] figures, or no spread, give no level.
pub fn relative_levels(latest: &[Latest]) -> BTreeMap<(String, String), f64> {
    let mut groups: BTreeMap<(&str, &str), Vec<f64>> = BTreeMap::new();
    for l in latest {
        groups.entry((l.indicator.as_str(), l.period.as_str())).or_default().push(l.value);
    }
    // The peer distance's robust norm (median and MAD), over every organisation.
    let norms: BTreeMap<(&str, &str), Norm> = groups
        .into_iter()
        .filter(|(_, v)| v.len() >= MIN_LEVEL_VALUES)
        .filter_map(|(k, v)| Some((k, norm_of(&v)?)))
        .collect();
    latest
        .iter()
        .filter_map(|l| {
            let norm = norms.get(&(l.indicator.as_str(), l.period.as_str()))?;
            let z = ((l.value - norm.median) / norm.sd).clamp(-LEVEL_CAP, LEVEL_CAP);
            Some(((l.organisation.clone(), l.indicator.clone()), z))
        })
        .collect()
}

/// The fixed features of one organisation (in [`FIXED`] order) from the scan's report
/// the day before and its previous grade's rank and failure.
pub fn fixed_features(
    report: Option<&OrganisationReport>,
    previous_rank: Option<i64>,
    previous_failing: bool,
) -> Vec<f64> {
    let count = |pick: &dyn Fn(&str) -> bool| {
        // By family: `spc`, `funnel`, `returns`, and the rest.
        let n =
            report.map_or(0, |r| r.signals.iter().filter(|s| s.counts_as_concern() && pick(s.rule.family())).count());
        (n as f64).ln_1p()
    };
    let years = report
        .filter(|r| r.context.months_since_inspection >= 0 && r.grade.is_some())
        .map_or(6.0, |r| (r.context.months_since_inspection as f64 / 12.0).min(6.0));
    vec![
        f64::from(u8::from(!previous_failing && previous_rank == Some(3))),
        f64::from(u8::from(previous_failing)),
        f64::from(u8::from(!previous_failing && previous_rank.is_some_and(|r| r <= 2))),
        f64::from(u8::from(report.is_some_and(|r| r.context.current_rung_level > 0))),
        years,
        count(&|f| f == "spc"),
        count(&|f| f == "funnel"),
        count(&|f| f == "returns"),
        count(&|f| !matches!(f, "spc" | "funnel" | "returns" | "inspection")),
    ]
}

/// The fixed features of one organisation by name, with its indicator levels as
/// `level:<indicator>` and `earlier_series` at 0: what a learned score weighs.
pub fn named_features(
    report: Option<&OrganisationReport>,
    previous_rank: Option<i64>,
    previous_failing: bool,
    levels: Option<&BTreeMap<String, f64>>,
) -> BTreeMap<String, f64> {
    let fixed = fixed_features(report, previous_rank, previous_failing);
    let mut out: BTreeMap<String, f64> = FIXED.iter().map(|(n, _)| (*n).to_string()).zip(fixed).collect();
    for (indicator, z) in levels.into_iter().flatten() {
        out.insert(format!("{LEVEL_PREFIX}{indicator}"), *z);
    }
    // A scan foretells the next judgement of the score's own series.
    out.insert(EARLIER_SERIES.0.to_string(), 0.0);
    out
}

/// An organisation's learned score: the likelihood that its next judgement fails, and
/// how each feature moved it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearnedRisk {
    /// The learned score's id in the regime.
    pub score: String,
    /// The regime version whose weights were applied.
    pub regime_version: String,
    /// The judgement series it foretells (e.g. `ilacs`).
    pub foretells: String,
    /// The probability that the next judgement fails, in [0, 1].
    pub probability: f64,
    /// The log odds: the intercept plus every contribution.
    pub log_odds: f64,
    /// The log odds with every feature at 0.
    pub intercept: f64,
    /// The probability at or above which the score flags an organisation.
    pub threshold: Option<f64>,
    /// Whether the probability is at or above the threshold.
    pub flagged: bool,
    /// The judgements the weights were fitted on, in words.
    pub fitted_on: String,
    /// Each weighted feature's part, largest first (by size; a negative part lowers the risk).
    pub contributions: Vec<Contribution>,
}

/// One feature's part in a learned score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The feature's name (`level:<indicator>` for an indicator's level).
    pub feature: String,
    /// What it measures.
    pub meaning: String,
    /// The organisation's value (0 when it has none: the typical organisation).
    pub value: f64,
    /// The weight, in log odds per unit.
    pub weight: f64,
    /// Value × weight: what it adds to the log odds.
    pub contribution: f64,
}

/// Applies `score` (of regime `version`) to one organisation's features.
pub fn learned_risk(score: &LearnedScore, version: &str, features: &BTreeMap<String, f64>) -> LearnedRisk {
    let mut contributions: Vec<Contribution> = score
        .weights
        .iter()
        .map(|(feature, weight)| {
            // `+ 0.0` turns a negative zero (0 × a negative weight) into zero.
            let value = features.get(feature).copied().unwrap_or(0.0) + 0.0;
            Contribution {
                feature: feature.clone(),
                meaning: feature_meaning(feature).unwrap_or_default(),
                value,
                weight: *weight + 0.0,
                contribution: value * weight + 0.0,
            }
        })
        .collect();
    contributions.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()).then(a.feature.cmp(&b.feature)));
    let log_odds = score.log_odds(|f| features.get(f).copied()) + 0.0;
    let p = probability(log_odds);
    LearnedRisk {
        score: score.id.clone(),
        regime_version: version.to_string(),
        foretells: score.foretells.clone(),
        probability: p,
        log_odds,
        intercept: score.intercept,
        threshold: score.threshold,
        flagged: score.threshold.is_some_and(|t| p >= t),
        fitted_on: format!(
            "{} failing and {} sound judgements published {} to {}",
            score.failing_cases, score.sound_cases, score.fitted_from, score.fitted_to
        ),
        contributions,
    }
}

/// A learned risk in one sentence: the likelihood, the flag, and the three largest parts.
pub fn in_words(l: &LearnedRisk) -> String {
    let flag = match (l.threshold, l.flagged) {
        (Some(t), true) => format!(", flagged (at or above {:.0} %)", t * 100.0),
        (Some(t), false) => format!(", not flagged (below {:.0} %)", t * 100.0),
        (None, _) => String::new(),
    };
    let parts: Vec<String> = l
        .contributions
        .iter()
        .filter(|c| c.contribution != 0.0)
        .take(3)
        .map(|c| format!("{} {:+.2}", c.feature, c.contribution))
        .collect();
    format!(
        "{:.0} % likelihood that the next {} judgement fails{flag}; log odds {:.2}: intercept {:.2}{}{} (regime {})",
        l.probability * 100.0,
        l.foretells,
        l.log_odds,
        l.intercept,
        if parts.is_empty() { "" } else { ", largest parts " },
        parts.join(", "),
        l.regime_version
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_robust_z_against_the_same_period_capped() {
        let mut latest: Vec<Latest> = (0..11)
            .map(|i| Latest {
                organisation: format!("E{i}"),
                indicator: "caseload".into(),
                period: "2020".into(),
                value: f64::from(i),
            })
            .collect();
        // A figure of another period is not compared with 2020's, and is too alone to measure.
        latest.push(Latest {
            organisation: "E99".into(),
            indicator: "caseload".into(),
            period: "2019".into(),
            value: 500.0,
        });
        latest[10].value = 1000.0;
        let levels = relative_levels(&latest);
        // Median 5; deviations 5,4,3,2,1,0,1,2,3,4,995: MAD 3, robust sd 3 × 1.4826.
        let sd = 3.0 * failwell_stats::robust::MAD_TO_SD;
        assert!((levels[&("E8".to_string(), "caseload".to_string())] - 3.0 / sd).abs() < 1e-12);
        assert_eq!(levels[&("E10".to_string(), "caseload".to_string())], LEVEL_CAP);
        assert!(!levels.contains_key(&("E99".to_string(), "caseload".to_string())));
    }

    #[test]
    fn fixed_features_without_a_report() {
        let f = fixed_features(None, Some(3), false);
        assert_eq!(f.len(), FIXED.len());
        assert_eq!(&f[..5], &[1.0, 0.0, 0.0, 0.0, 6.0]);
        assert_eq!(fixed_features(None, Some(4), true)[..3], [0.0, 1.0, 0.0]);
        assert_eq!(fixed_features(None, Some(1), false)[..3], [0.0, 0.0, 1.0]);
    }
}

#[cfg(test)]
mod risk_tests {
    use super::*;
    use failwell_domain::regime::Regime;

    const REGIME: &str = r#"
[regime]
id = "t"
version = "7"
name = "T"
valid_from = 2020-01-01
[[sectors]]
id = "s"
name = "S"
valid_from = 2020-01-01
[[learned_scores]]
id = "s_failing"
sector = "s"
foretells = "x"
fitted_from = 2015-01-01
fitted_to = 2024-12-31
failing_cases = 10
sound_cases = 40
penalty = 1.0
intercept = -2.0
threshold = 0.25
weights = { previous_requires_improvement = 1.0, "level:caseload" = 0.5, concerns_spc = -0.25 }
"#;

    #[test]
    fn contributions_add_up_to_the_log_odds_and_are_listed_largest_first() {
        let regime = Regime::from_toml_str(REGIME).unwrap();
        let score = regime.learned_score("s").unwrap();
        let levels: BTreeMap<String, f64> = [("caseload".to_string(), 2.0)].into();
        // Previously Requires improvement, no report (no signals): years since = 6.
        let features = named_features(None, Some(3), false, Some(&levels));
        assert_eq!(features["level:caseload"], 2.0);
        assert_eq!(features["previous_requires_improvement"], 1.0);
        // A scan foretells the score's own series: never a judgement of an earlier one.
        assert_eq!(features["earlier_series"], 0.0);
        let risk = learned_risk(score, &regime.version, &features);
        // -2 + 1 × 1 + 0.5 × 2 - 0.25 × 0 = 0: a probability of one half, above 0.25.
        assert!(risk.log_odds.abs() < 1e-12, "{risk:?}");
        assert!((risk.probability - 0.5).abs() < 1e-12);
        assert!(risk.flagged);
        let sum: f64 = risk.intercept + risk.contributions.iter().map(|c| c.contribution).sum::<f64>();
        assert!((sum - risk.log_odds).abs() < 1e-12);
        let order: Vec<&str> = risk.contributions.iter().map(|c| c.feature.as_str()).collect();
        assert_eq!(order, ["level:caseload", "previous_requires_improvement", "concerns_spc"]);
        assert!(risk.contributions[0].meaning.contains("caseload"));
        assert_eq!(risk.regime_version, "7");
        // A Good council with a typical caseload: -2, about 12 %, not flagged.
        let good = learned_risk(score, "7", &named_features(None, Some(2), false, None));
        assert!((good.probability - probability(-2.0)).abs() < 1e-12 && !good.flagged);
    }
}
