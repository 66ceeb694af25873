//! How much a signal counts towards each failure type: the regime's `[[signal_weights]]`
//! where given, else a documented default.
//!
//! Default: weight 1 for every failure type the signal itself names (from the indicator
//! catalogue, the event, or the inspection rule), 0 for the others. A regime weight for
//! (failure type, signal) replaces the default for that pair, so a regime can both
//! silence a signal (weight 0) and make it count towards a type it does not name.
//! A weight's `signal` is matched against the signal's rule (`inspection.failing_grade`),
//! then its source (an indicator code or event type), most specific first.

use crate::judge::signal::Signal;
use failwell_domain::FailureType;
use failwell_domain::regime::Regime;
use time::Date;

/// The weight of `signal` for failure type `ft` under `regime` on `today`.
pub fn weight(regime: &Regime, signal: &Signal, ft: FailureType, today: Date) -> f64 {
    let find = |names: &dyn Fn(&str) -> bool| {
        regime
            .signal_weights
            .iter()
            .find(|w| w.failure_type == ft && names(&w.signal) && w.validity.contains(today))
            .map(|w| w.weight)
    };
    find(&|name| signal.rule == name)
        .or_else(|| find(&|name| name == signal.source))
        .unwrap_or(if signal.failure_types.contains(&ft) { 1.0 } else { 0.0 })
}
