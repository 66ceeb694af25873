//! Explanations of where a unit lies on a funnel: as data, and as a sentence for people.
//!
//! An inspector acting on a flag must be able to say which rule fired, for which value,
//! against which limit, and how that limit was drawn. Both forms carry the same facts.

use serde::{Deserialize, Serialize};

use super::{Classification, FunnelResult, Level, Limits, Measure, UnitResult};

/// The explanation of one unit's position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// Position of the unit in the input.
    pub index: usize,
    /// Where it lies.
    pub classification: Classification,
    /// The rule that fired, e.g. "above the 99.8% upper limit"; "within the 95% limits"
    /// when none did.
    pub rule: String,
    /// Proportions or ratios.
    pub measure: Measure,
    /// Numerator (cases, or observed events).
    pub numerator: f64,
    /// Denominator (population, or expected events).
    pub denominator: f64,
    /// numerator/denominator.
    pub value: f64,
    /// The centre line.
    pub target: f64,
    /// The level whose limit was crossed (the outermost one), if any.
    pub level: Option<Level>,
    /// The limit crossed, or `None` when within.
    pub limit: Option<f64>,
    /// Both pairs of limits at this denominator.
    pub limits_95: Limits,
    /// 99.8% limits at this denominator.
    pub limits_998: Limits,
    /// z-score after over-dispersion.
    pub z_adjusted: f64,
    /// How the limits were drawn, in words.
    pub method: String,
}

impl Flag {
    pub(super) fn new(index: usize, u: &UnitResult, funnel: &FunnelResult) -> Flag {
        let level = u.classification.level();
        let (rule, limit) = match u.classification {
            Classification::Above998 => ("above the 99.8% upper limit", Some(u.limits_998.upper)),
            Classification::Above95 => ("above the 95% upper limit", Some(u.limits_95.upper)),
            Classification::Below998 => ("below the 99.8% lower limit", Some(u.limits_998.lower)),
            Classification::Below95 => ("below the 95% lower limit", Some(u.limits_95.lower)),
            Classification::Within => ("within the 95% limits", None),
        };
        Flag {
            index,
            classification: u.classification,
            rule: rule.to_string(),
            measure: funnel.model.measure,
            numerator: u.numerator,
            denominator: u.denominator,
            value: u.value,
            target: funnel.model.target,
            level,
            limit,
            limits_95: u.limits_95,
            limits_998: u.limits_998,
            z_adjusted: u.z_adjusted,
            method: funnel.method_phrase(),
        }
    }

    fn fmt_value(&self, v: f64) -> String {
        match self.measure {
            Measure::Ratio => format!("{v:.2}"),
            Measure::Proportion => format!("{:.1}%", v * 100.0),
        }
    }

    /// One sentence for people, naming `unit`, e.g. "Trust RXX: 412 observed deaths
    /// against 350.0 expected (ratio 1.18) lies above the 99.8% upper limit 1.16 at this
    /// expected count, using exact Poisson limits after over-dispersion (…)."
    pub fn sentence(&self, unit: &str) -> String {
        let what = match self.measure {
            Measure::Ratio => format!(
                "{} observed against {} expected (ratio {})",
                fmt_count(self.numerator),
                fmt_count(self.denominator),
                self.fmt_value(self.value)
            ),
            Measure::Proportion => format!(
                "{} of {} ({})",
                fmt_count(self.numerator),
                fmt_count(self.denominator),
                self.fmt_value(self.value)
            ),
        };
        let at = match self.measure {
            Measure::Ratio => "at this expected count",
            Measure::Proportion => "at this denominator",
        };
        let position = match (self.level, self.limit) {
            (Some(_), Some(limit)) => format!("lies {} {}", self.rule, self.fmt_value(limit)),
            _ => format!(
                "lies within the 95% limits {} to {}",
                self.fmt_value(self.limits_95.lower),
                self.fmt_value(self.limits_95.upper)
            ),
        };
        format!(
            "{unit}: {what} {position} {at} around the target {}, using {}.",
            self.fmt_value(self.target),
            self.method
        )
    }
}

/// Counts print as integers when whole, else to one decimal place.
fn fmt_count(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{}", v.round() as i64) } else { format!("{v:.1}") }
}
