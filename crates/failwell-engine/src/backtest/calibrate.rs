//! `failwell calibrate`: the learned score's weights fitted on the store's history and
//! written into a new version of the regime, with what they were fitted on and how they
//! did out of time, so the scan can apply them and a person can read them.
//!
//! The weights are the backtest's model "for the year after the last": fitted on every
//! failing and sound judgement published before the calibration day, its penalty chosen
//! and its threshold fixed on those earlier years alone. Nothing published on or after
//! the calibration day is read (no look-ahead): the judgements are cut there, and each is
//! scanned as known the day before it was published.

use super::figures::LearnedWeights;
use super::{Backtest, BacktestOptions, backtest};
use crate::error::EngineError;
use crate::judge::rules::RuleBook;
use failwell_domain::regime::{Regime, with_learned_score};
use failwell_store::Store;
use std::fmt::Write;
use time::{Date, Duration};

/// A calibration: the backtest it rests on, and the regime's new version.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// The backtest on the judgements before the calibration day.
    pub backtest: Backtest,
    /// The new version's name.
    pub version: String,
    /// The `[[learned_scores]]` table written (TOML).
    pub section: String,
    /// The regime's whole text at the new version.
    pub regime_text: String,
}

/// Why a calibration could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// The backtest's scans failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Too little history to fit on.
    #[error("cannot calibrate: {0}")]
    NoModel(String),
    /// The new version could not be written.
    #[error(transparent)]
    Edit(#[from] failwell_domain::regime::EditError),
}

/// Fits the learned score for the sector of `options.framework` on the judgements
/// published before `as_of` (all, without it) and writes it into `regime_text` (the text
/// of `regime`) as `version` (default: the old version with `+calibrated.<day>`).
///
/// # Errors
/// The store or a scan failing; no failing or no sound judgement to fit on; the edited
/// regime invalid.
pub async fn calibrate(
    store: &Store,
    (regime, rules, regime_text): (&Regime, &RuleBook, &str),
    options: &BacktestOptions,
    as_of: Option<Date>,
    version: Option<&str>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Calibration, CalibrateError> {
    let mut options = options.clone();
    if let Some(day) = as_of {
        let before = day - Duration::days(1);
        options.to = Some(options.to.map_or(before, |t| t.min(before)));
    }
    let backtest = backtest(store, regime, rules, &options, progress).await?;
    let Some(weights) = backtest.figures.learned.as_ref() else {
        return Err(CalibrateError::NoModel(format!(
            "the judgements of {} before the calibration day include no failing or no sound one",
            options.framework
        )));
    };
    let Some(sector) = backtest.sector.clone() else {
        return Err(CalibrateError::NoModel(format!("no judgement of {} to fit on", options.framework)));
    };
    let fitted: Vec<&str> = backtest
        .cases
        .iter()
        .filter(|c| c.year < weights.for_year && c.outcome != super::figures::Outcome::Middle)
        .map(|c| c.published_on.as_str())
        .collect();
    let (Some(from), Some(to)) = (fitted.iter().min(), fitted.iter().max()) else {
        return Err(CalibrateError::NoModel("no failing or sound judgement to fit on".to_string()));
    };
    let day = as_of.map_or_else(|| to.to_string(), crate::dates::iso);
    let version = version.map_or_else(|| format!("{}+calibrated.{day}", regime.version), str::to_string);
    let section = section(&backtest, weights, &sector, (from, to), &day);
    let regime_text = with_learned_score(regime_text, &version, &section)?;
    Ok(Calibration { backtest, version, section, regime_text })
}

/// Rounds a weight for reading: four decimals change no probability by more than 0.1 %.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The `[[learned_scores]]` table for `w`, the backtest's model of the next year, fitted
/// on the judgements published `from` to `to`.
fn section(backtest: &Backtest, w: &LearnedWeights, sector: &str, (from, to): (&str, &str), day: &str) -> String {
    let method = |name: &str| backtest.figures.methods.iter().find(|m| m.name == name);
    let auc =
        |name: &str| method(name).and_then(|m| m.roc_auc.value).map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
    let out_of_time = method("learned score").map_or_else(String::new, |m| {
        let c = &m.confusion;
        format!(
            " Out of time, from {}: {} of {} failing judgements flagged, {} of {} sound; ROC AUC {} (previous grade below Good: {}).",
            backtest.evaluated_from_year.map_or_else(|| "-".to_string(), |y| y.to_string()),
            c.hits,
            c.hits + c.misses,
            c.false_alarms,
            c.false_alarms + c.quiet,
            auc("learned score"),
            auc("previous grade below good"),
        )
    });
    let mut s = String::new();
    let _ = writeln!(s, "[[learned_scores]]");
    let _ = writeln!(s, "id = \"{sector}_failing_{}\"", backtest.framework);
    let _ = writeln!(s, "sector = \"{sector}\"");
    let _ = writeln!(s, "foretells = \"{}\"", backtest.framework);
    let _ = writeln!(
        s,
        "description = \"Fitted by failwell calibrate as of {day}: ridge logistic regression on the judgements published before it, penalty chosen and threshold fixed on earlier years alone (false-alarm target {}).{out_of_time}\"",
        backtest.target_false_alarm_rate
    );
    let _ = writeln!(s, "fitted_from = {from}");
    let _ = writeln!(s, "fitted_to = {to}");
    let _ = writeln!(s, "failing_cases = {}", w.fitted_on.0);
    let _ = writeln!(s, "sound_cases = {}", w.fitted_on.1);
    let _ = writeln!(s, "penalty = {:?}", w.l2);
    let _ = writeln!(s, "intercept = {:?}", round4(w.intercept));
    if let Some(t) = w.threshold {
        let _ = writeln!(s, "threshold = {:?}", round4(t));
    }
    let weights: Vec<String> =
        w.weights.iter().map(|(name, weight)| format!("\"{name}\" = {:?}", round4(*weight))).collect();
    let _ = writeln!(s, "weights = {{ {} }}", weights.join(", "));
    s
}
