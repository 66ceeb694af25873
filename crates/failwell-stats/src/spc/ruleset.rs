//! Named rule sets: the constants and rule variants that distinguish the SPC tools
//! NHS organisations actually use, so failwell can say which one it agrees with.

use serde::{Deserialize, Serialize};

use super::SpcError;

/// How the two-in-three rule counts points. The three tools disagree here, and
/// the differences change flags on real data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoInThree {
    /// Making Data Count since the 2023 revision: in any three consecutive points,
    /// two or more beyond the same 2σ line (points beyond 3σ count too). The
    /// third point may lie anywhere. The points beyond the line are flagged.
    SameSide,
    /// NHSRplotthedots 0.2.2 (`ptd_two_in_three`, `ptd_part_of_two_in_three`):
    /// two or more of three consecutive points strictly between a 2σ line and the
    /// process limit (points beyond 3σ do not count), and all three points strictly
    /// on the same side of the mean. Only the points between 2σ and 3σ are flagged;
    /// windows never reach before the start of a segment.
    CloseSameSideOfMean,
    /// PowerBI-SPC (`src/Outlier Flagging/twoInThree.ts`): each point scores +1
    /// above the upper 2σ line, −1 below the lower, 0 otherwise (beyond 3σ counts);
    /// a window of the point and up to two before it (clipped at the segment start)
    /// fires when its sum is ≥ 2 or ≤ −2. So one point beyond the opposite line
    /// cancels one beyond this line. Points beyond the line are flagged.
    NetCount,
}

/// The parameters of the special-cause rules. Every field can be set on its own;
/// the constructors give the published sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    /// Name shown in explanations ("mdc", "ptd", "powerbi"); change it when you
    /// change a field, so an explanation never claims a set it did not use.
    pub name: String,
    /// Process limits sit this many mean moving ranges from the mean: 2.66 in Making
    /// Data Count and NHSRplotthedots, 3/1.128 ≈ 2.6596 in PowerBI-SPC. The 2σ lines
    /// sit at two thirds of that distance.
    pub limit_multiplier: f64,
    /// Drop moving ranges at or above `screen_multiplier` × the mean moving range
    /// before recomputing it (NHSRplotthedots' `screen_outliers`, PowerBI-SPC's
    /// `outliers_in_limits = false`). A mean moving range of zero is never screened
    /// (both references would return NaN limits for a constant series).
    pub screen_outliers: bool,
    /// The screening cut-off, 3.267 (D4 for ranges of two) in both references.
    pub screen_multiplier: f64,
    /// Flag single points beyond a process limit (strictly beyond: a point on the
    /// limit is inside, in all three tools).
    pub outside_limits: bool,
    /// Points in a shift (strictly on one side of the mean; a point on the mean
    /// breaks the run); `None` switches the rule off.
    pub shift_length: Option<usize>,
    /// Points in a trend (strict rises or falls; a tie breaks the run); `None`
    /// switches the rule off.
    pub trend_length: Option<usize>,
    /// The two-in-three variant; `None` switches the rule off.
    pub two_in_three: Option<TwoInThree>,
    /// Flag every point of a two-in-three window, not only those beyond 2σ
    /// (PowerBI-SPC's "highlight all in pattern").
    pub two_in_three_highlight_all: bool,
}

/// The name given to `RuleSet::from_str` matched no rule set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule set '{0}' (expected mdc, ptd or powerbi)")]
pub struct UnknownRuleSet(pub String);

impl RuleSet {
    /// NHS England's Making Data Count rules as revised in 2023: limits at 2.66 mean
    /// moving ranges, no moving-range screening, shift 7, trend 7, and two-in-three
    /// counting points beyond 3σ.
    pub fn mdc() -> Self {
        RuleSet {
            name: "mdc".to_owned(),
            limit_multiplier: 2.66,
            screen_outliers: false,
            screen_multiplier: 3.267,
            outside_limits: true,
            shift_length: Some(7),
            trend_length: Some(7),
            two_in_three: Some(TwoInThree::SameSide),
            two_in_three_highlight_all: false,
        }
    }

    /// NHSRplotthedots 0.2.2 (`ptd_spc_standard`, `ptd_calculate_point_type`):
    /// 2.66, screening on by default, shift 7, trend 7, two-in-three between 2σ and
    /// 3σ with all three points on one side of the mean.
    pub fn ptd() -> Self {
        RuleSet {
            name: "ptd".to_owned(),
            screen_outliers: true,
            two_in_three: Some(TwoInThree::CloseSameSideOfMean),
            ..Self::mdc()
        }
    }

    /// The PowerBI-SPC visual's defaults (`src/Limit Calculations/i.ts`,
    /// `src/Outlier Flagging/*.ts`): 3/1.128, screening on (`outliers_in_limits`
    /// false), shift 7, trend 5, net-count two-in-three.
    pub fn powerbi() -> Self {
        RuleSet {
            name: "powerbi".to_owned(),
            limit_multiplier: 3.0 / 1.128,
            screen_outliers: true,
            screen_multiplier: 3.267,
            outside_limits: true,
            shift_length: Some(7),
            trend_length: Some(5),
            two_in_three: Some(TwoInThree::NetCount),
            two_in_three_highlight_all: false,
        }
    }

    /// Names accepted by `from_str`.
    pub const NAMES: [&'static str; 3] = ["mdc", "ptd", "powerbi"];

    /// Checks the parameters, so a bad configuration fails loudly instead of
    /// flagging nothing.
    pub fn validate(&self) -> Result<(), SpcError> {
        let bad = |m: String| Err(SpcError::InvalidRuleSet(m));
        if !(self.limit_multiplier.is_finite() && self.limit_multiplier > 0.0) {
            return bad(format!("limit_multiplier must be positive, got {}", self.limit_multiplier));
        }
        if self.screen_outliers && !(self.screen_multiplier.is_finite() && self.screen_multiplier > 0.0) {
            return bad(format!("screen_multiplier must be positive, got {}", self.screen_multiplier));
        }
        if self.shift_length == Some(0) {
            return bad("shift_length must be at least 1".to_owned());
        }
        if matches!(self.trend_length, Some(0 | 1)) {
            return bad("trend_length must be at least 2".to_owned());
        }
        Ok(())
    }
}

impl Default for RuleSet {
    fn default() -> Self {
        Self::mdc()
    }
}

impl std::str::FromStr for RuleSet {
    type Err = UnknownRuleSet;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mdc" => Ok(Self::mdc()),
            "ptd" => Ok(Self::ptd()),
            "powerbi" => Ok(Self::powerbi()),
            _ => Err(UnknownRuleSet(s.to_owned())),
        }
    }
}

impl std::fmt::Display for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}
