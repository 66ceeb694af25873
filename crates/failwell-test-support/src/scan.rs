//! The scan, run in-process (no binary, no JSON parsing) under the built-in regime.
//!
//! Uses only what the engine exports at its root (`scan`, `ScanOptions`, `RuleBook`,
//! `ScanReport`), so it keeps working while the engine's modules move.

use crate::error::HarnessError;
use failwell_domain::regime::{ENGLAND, Regime};
use failwell_engine::{RuleBook, ScanOptions, ScanReport};
use failwell_store::Store;
use serde_json::Value;

/// The built-in regime (`regimes/england.toml`) with its trigger rules compiled, as
/// `failwell scan` uses it without `--regime`.
///
/// # Errors
/// Only if the built-in regime is broken ([`HarnessError::Regime`]).
pub fn england() -> Result<(Regime, RuleBook), HarnessError> {
    let regime = Regime::from_toml_str(ENGLAND).map_err(|e| HarnessError::Regime(e.to_string()))?;
    let rules = RuleBook::compile(&regime, Some(ENGLAND)).map_err(|e| HarnessError::Regime(e.to_string()))?;
    Ok((regime, rules))
}

/// Scans `store` under the built-in regime with `options`.
///
/// # Errors
/// As [`england`], or the scan's own error.
pub async fn scan(store: &Store, options: &ScanOptions) -> Result<ScanReport, HarnessError> {
    let (regime, rules) = england()?;
    Ok(failwell_engine::scan(store, &regime, &rules, options).await?)
}

/// A scan of "now", recorded (as `failwell scan` does): `full` charts every series
/// rather than continuing the last recorded scan.
///
/// # Errors
/// As [`scan`].
pub async fn scan_now(store: &Store, full: bool) -> Result<ScanReport, HarnessError> {
    scan(store, &ScanOptions { full, record: true, ..ScanOptions::default() }).await
}

/// A scan as known on `as_of`, not recorded.
///
/// # Errors
/// As [`scan`].
pub async fn scan_as_of(store: &Store, as_of: time::Date) -> Result<ScanReport, HarnessError> {
    scan(store, &ScanOptions { as_of: Some(as_of), ..ScanOptions::default() }).await
}

/// What a scan judged, as JSON: the organisations and the systems, without how the scan
/// got there (mode, series charted or reused) and without each signal's tracking (its
/// place in the recorded history, which an as-of scan does not have).
///
/// Two scans of the same evidence must give the same judgement however they read it:
/// full, incremental, or as of the same day.
///
/// # Panics
/// Only on a bug: every report serialises.
pub fn judgement(report: &ScanReport) -> Value {
    let mut organisations = serde_json::to_value(&report.organisations).expect("a report serialises");
    for org in organisations.as_array_mut().into_iter().flatten() {
        for signal in org.get_mut("signals").and_then(Value::as_array_mut).into_iter().flatten() {
            if let Some(s) = signal.as_object_mut() {
                s.remove("tracking");
            }
        }
    }
    let systems = serde_json::to_value(&report.systems).expect("a report serialises");
    serde_json::json!({ "as_of": report.as_of, "organisations": organisations, "systems": systems })
}

/// Every signal of a judgement (from [`judgement`]), over all organisations.
pub fn signals(judgement: &Value) -> Vec<&Value> {
    judgement["organisations"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["signals"].as_array().into_iter().flatten())
        .collect()
}
