//! What the learned score reads of an organisation the day before a judgement: the
//! previous grade (as a category: the data say Requires improvement, not Inadequate, is
//! followed by failure most often), whether it is already under intervention, how long
//! since it was judged, its concern signals by family, and where its latest figure of
//! each indicator stands against every organisation's figure for the same period (a
//! robust z: median and MAD, so a few extreme councils do not set the scale).
//!
//! Pure: the backtest reads the figures from the store and hands them here.

use crate::judge::insularity::{Norm, norm_of};
use crate::judge::signal::Direction;
use crate::scan::OrganisationReport;
use std::collections::BTreeMap;

/// The fixed features, before the indicator levels: name and what it measures.
pub const FIXED: &[(&str, &str)] = &[
    (
        "previous_requires_improvement",
        "the latest judgement was the scale's third grade (Requires improvement, Adequate)",
    ),
    ("previous_inadequate", "the latest judgement was failing"),
    ("previous_good_or_better", "the latest judgement was Good or Outstanding"),
    ("under_intervention", "the organisation stood on a rung above universal monitoring (recorded or inferred)"),
    ("years_since_judgement", "years since the latest judgement was published (capped at 6; 6 without one)"),
    ("concerns_spc", "log(1 + concern signals from SPC charts of its own series)"),
    ("concerns_peer", "log(1 + concern signals against peers: funnel limits)"),
    ("concerns_returns", "log(1 + late or missing returns)"),
    ("concerns_other", "log(1 + other concern signals: events, churn, CUSUM)"),
];

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
        let n = report
            .map_or(0, |r| r.signals.iter().filter(|s| s.direction == Direction::Concern && pick(&s.rule)).count());
        (n as f64).ln_1p()
    };
    let family = |rule: &str| rule.split('.').next().unwrap_or(rule).to_string();
    let years = report
        .filter(|r| r.context.months_since_inspection >= 0 && r.grade.is_some())
        .map_or(6.0, |r| (r.context.months_since_inspection as f64 / 12.0).min(6.0));
    vec![
        f64::from(u8::from(!previous_failing && previous_rank == Some(3))),
        f64::from(u8::from(previous_failing)),
        f64::from(u8::from(!previous_failing && previous_rank.is_some_and(|r| r <= 2))),
        f64::from(u8::from(report.is_some_and(|r| r.context.current_rung_level > 0))),
        years,
        count(&|r| family(r) == "spc"),
        count(&|r| family(r) == "funnel"),
        count(&|r| family(r) == "returns"),
        count(&|r| !matches!(family(r).as_str(), "spc" | "funnel" | "returns" | "inspection")),
    ]
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
