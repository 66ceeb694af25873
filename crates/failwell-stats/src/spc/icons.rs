//! Making Data Count's two summary icons: what the latest point says (variation)
//! and whether the target will be met (assurance).

use serde::{Deserialize, Serialize};

use super::{Improvement, Limits, PointLabel, PointType, Side};

/// The variation icon, read from the latest point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariationIcon {
    /// The latest point is common cause.
    CommonCause,
    /// Special cause of concern, high (higher is worse).
    ConcernHigh,
    /// Special cause of concern, low (lower is worse).
    ConcernLow,
    /// Special cause of improvement, high.
    ImprovementHigh,
    /// Special cause of improvement, low.
    ImprovementLow,
    /// Special cause, high, on an indicator with no better direction.
    NeitherHigh,
    /// Special cause, low, on an indicator with no better direction.
    NeitherLow,
}

impl VariationIcon {
    /// The name used in CSV and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            VariationIcon::CommonCause => "common_cause",
            VariationIcon::ConcernHigh => "concern_high",
            VariationIcon::ConcernLow => "concern_low",
            VariationIcon::ImprovementHigh => "improvement_high",
            VariationIcon::ImprovementLow => "improvement_low",
            VariationIcon::NeitherHigh => "neither_high",
            VariationIcon::NeitherLow => "neither_low",
        }
    }
}

/// The assurance icon: where the target sits against the latest process limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssuranceIcon {
    /// The target lies beyond the limits on the worse side: the process will
    /// consistently meet it.
    Pass,
    /// The target lies beyond the limits on the better side: the process will
    /// consistently miss it without change.
    Fail,
    /// The target lies between the limits (or on one): sometimes met, sometimes not.
    HitAndMiss,
    /// No target, a neutral indicator, or no limits.
    None,
}

impl AssuranceIcon {
    /// The name used in CSV and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            AssuranceIcon::Pass => "pass",
            AssuranceIcon::Fail => "fail",
            AssuranceIcon::HitAndMiss => "hit_and_miss",
            AssuranceIcon::None => "none",
        }
    }
}

/// The variation icon for a point's label.
pub fn variation_icon(label: PointLabel, _improvement: Improvement) -> VariationIcon {
    let (Some(_), Some(side)) = (label.rule, label.side) else {
        return VariationIcon::CommonCause;
    };
    match (label.point_type, side) {
        (PointType::CommonCause, _) => VariationIcon::CommonCause,
        (PointType::Improvement, Side::High) => VariationIcon::ImprovementHigh,
        (PointType::Improvement, Side::Low) => VariationIcon::ImprovementLow,
        (PointType::Concern, Side::High) => VariationIcon::ConcernHigh,
        (PointType::Concern, Side::Low) => VariationIcon::ConcernLow,
        (PointType::Neutral, Side::High) => VariationIcon::NeitherHigh,
        (PointType::Neutral, Side::Low) => VariationIcon::NeitherLow,
    }
}

/// The assurance icon for `target` against `limits`. A target exactly on a limit
/// is hit-and-miss, as in NHSRplotthedots (`ptd_calculate_assurance_type`) and
/// PowerBI-SPC (`assuranceIconToDraw`).
pub fn assurance_icon(target: f64, limits: &Limits, improvement: Improvement) -> AssuranceIcon {
    if improvement == Improvement::Neutral || target.is_nan() || limits.upl.is_nan() || limits.lpl.is_nan() {
        return AssuranceIcon::None;
    }
    let up = improvement == Improvement::Increase;
    if target > limits.upl {
        if up { AssuranceIcon::Fail } else { AssuranceIcon::Pass }
    } else if target < limits.lpl {
        if up { AssuranceIcon::Pass } else { AssuranceIcon::Fail }
    } else {
        AssuranceIcon::HitAndMiss
    }
}
