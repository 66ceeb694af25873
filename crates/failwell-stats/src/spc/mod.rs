//! Statistical process control: XmR charts with NHS "Making Data Count" rules.
//!
//! An overseer asks of every indicator series one question: has something changed
//! that ordinary noise does not explain? The XmR chart answers it without a model of
//! the process: the centre line is the mean of a baseline, the process limits sit
//! `limit_multiplier` average moving ranges either side of it, and four rules
//! (a point outside the limits, a trend, two-in-three near a limit, a shift) mark
//! special-cause variation.
//!
//! Three public tools differ in the details, so the details are data: a [`RuleSet`]
//! names them, and [`RuleSet::mdc`], [`RuleSet::ptd`] and [`RuleSet::powerbi`]
//! reproduce NHS England's current rules, NHSRplotthedots 0.2.2 and the PowerBI-SPC
//! visual. `docs/statistics/spc.md` explains each difference and where it was checked.
//!
//! The engine runs this over millions of series, so the core ([`XmrChart::compute`])
//! reuses its buffers: after the first series of a given length it does not allocate,
//! and it is O(n) per series.
//!
//! Missing values are `NaN`. Like NHSRplotthedots, a missing point keeps its place
//! (its index counts, also towards `fix_after`), is left out of the mean, and no
//! moving range is formed across it. Unlike NHSRplotthedots (whose trend rule stops
//! with an R error on some gaps), a missing point simply breaks every run.

mod explain;
mod icons;
mod limits;
mod rules;
mod ruleset;

pub use explain::Explanation;
pub use icons::{AssuranceIcon, VariationIcon, assurance_icon, variation_icon};
pub use limits::Limits;
pub use ruleset::{RuleSet, TwoInThree, UnknownRuleSet};

use serde::{Deserialize, Serialize};

/// Which way is better for an indicator; it turns a signal's side into improvement
/// or concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Improvement {
    /// Higher values are better (the default in NHSRplotthedots and PowerBI-SPC).
    #[default]
    Increase,
    /// Lower values are better.
    Decrease,
    /// Neither direction is better: signals are reported but never judged.
    Neutral,
}

impl std::str::FromStr for Improvement {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "increase" => Ok(Self::Increase),
            "decrease" => Ok(Self::Decrease),
            "neutral" => Ok(Self::Neutral),
            other => Err(format!("unknown improvement direction '{other}' (expected increase, decrease or neutral)")),
        }
    }
}

/// A special-cause rule. The order of the variants is the priority used when a
/// point is caught by several rules (outside beats trend beats two-in-three beats shift),
/// the order NHSRplotthedots 0.2.2 uses in `ptd_special_cause_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A single point beyond a process limit.
    OutsideLimits,
    /// A run of strictly increasing or strictly decreasing points.
    Trend,
    /// Two of three consecutive points beyond a 2σ line on the same side.
    TwoInThree,
    /// A run of points strictly on one side of the mean.
    Shift,
}

impl Rule {
    /// Higher wins when rules overlap on one point.
    pub(crate) fn priority(self) -> u8 {
        match self {
            Rule::OutsideLimits => 4,
            Rule::Trend => 3,
            Rule::TwoInThree => 2,
            Rule::Shift => 1,
        }
    }

    /// The name used in CSV and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::OutsideLimits => "outside_limits",
            Rule::Trend => "trend",
            Rule::TwoInThree => "two_in_three",
            Rule::Shift => "shift",
        }
    }
}

/// Which side a signal points to: above the mean or increasing (`High`), below the
/// mean or decreasing (`Low`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Above the mean, above a limit, or increasing.
    High,
    /// Below the mean, below a limit, or decreasing.
    Low,
}

impl Side {
    /// The name used in CSV and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::High => "high",
            Side::Low => "low",
        }
    }
}

/// What a point means for the overseer, once the improvement direction is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointType {
    /// No rule fired: ordinary noise (also used for missing points).
    #[default]
    CommonCause,
    /// Special cause in the better direction.
    Improvement,
    /// Special cause in the worse direction.
    Concern,
    /// Special cause for an indicator with no better direction.
    Neutral,
}

impl PointType {
    /// The name used in CSV and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            PointType::CommonCause => "common_cause",
            PointType::Improvement => "improvement",
            PointType::Concern => "concern",
            PointType::Neutral => "neutral",
        }
    }

    /// Judges a signal on `side` against the improvement direction.
    pub fn judge(side: Side, improvement: Improvement) -> PointType {
        match (improvement, side) {
            (Improvement::Neutral, _) => PointType::Neutral,
            (Improvement::Increase, Side::High) | (Improvement::Decrease, Side::Low) => PointType::Improvement,
            _ => PointType::Concern,
        }
    }
}

/// The one label a point gets: the highest-priority rule that caught it.
///
/// Three bytes, so the engine can keep a label per point for millions of series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PointLabel {
    /// The rule that labels the point, `None` for common cause.
    pub rule: Option<Rule>,
    /// The side of the signal, `None` for common cause.
    pub side: Option<Side>,
    /// Improvement, concern, neutral or common cause.
    pub point_type: PointType,
}

/// One stretch of the series with its own limits (a new one starts at every rebase).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Index of the first point (0-based, inclusive).
    pub start: usize,
    /// Index one past the last point.
    pub end: usize,
    /// The limits every point of the segment is judged against.
    pub limits: Limits,
}

/// One firing of a rule over a run of points, kept whatever labels win per point,
/// so that an explanation can name the whole run (a shift of ten points stays one
/// shift even if a point in its middle is also outside the limits).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// The rule that fired.
    pub rule: Rule,
    /// The side of the signal.
    pub side: Side,
    /// What the signal means given the improvement direction.
    pub point_type: PointType,
    /// First point caught (0-based).
    pub first: usize,
    /// Last point caught (0-based, inclusive).
    pub last: usize,
    /// How many points the rule caught between `first` and `last` (two-in-three
    /// may skip the point between two flagged ones).
    pub points: usize,
    /// Index of the segment in [`XmrChart::segments`].
    pub segment: usize,
}

/// Options of one XmR chart. Borrowed so that the engine can build one per series
/// without allocating.
#[derive(Debug, Clone, Copy)]
pub struct SpcOptions<'a> {
    /// The rules and constants.
    pub rules: &'a RuleSet,
    /// Which direction is better.
    pub improvement: Improvement,
    /// Compute each segment's limits from its first `n` points only (points, not
    /// values: missing ones count, as in NHSRplotthedots' `fix_after_n_points`).
    pub fix_after: Option<usize>,
    /// 0-based indices where a new segment with its own limits starts; strictly
    /// increasing. Index 0 is allowed and changes nothing.
    pub rebase_at: &'a [usize],
    /// A target to judge assurance against, if the indicator has one.
    pub target: Option<f64>,
}

impl<'a> SpcOptions<'a> {
    /// Options with the given rules, improving upwards, no baseline fix, no rebase, no target.
    pub fn new(rules: &'a RuleSet) -> Self {
        SpcOptions { rules, improvement: Improvement::Increase, fix_after: None, rebase_at: &[], target: None }
    }
}

/// Why a chart could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpcError {
    /// A rebase index lies past the end of the series.
    #[error("rebase index {index} is outside the series of {len} points")]
    RebaseOutOfRange {
        /// The offending index.
        index: usize,
        /// Length of the series.
        len: usize,
    },
    /// Rebase indices must be strictly increasing, so segments are well defined.
    #[error("rebase indices must be strictly increasing ({previous} then {index})")]
    RebaseNotIncreasing {
        /// The index before.
        previous: usize,
        /// The index that did not increase.
        index: usize,
    },
    /// `fix_after` of zero would leave no baseline.
    #[error("fix_after must be at least 1")]
    EmptyBaseline,
    /// A rule set parameter is out of range.
    #[error("invalid rule set: {0}")]
    InvalidRuleSet(String),
}

/// The per-series summary an overseer reads first.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Variation icon from the latest non-missing point.
    pub variation: VariationIcon,
    /// Assurance icon from the target against the latest segment's limits.
    pub assurance: AssuranceIcon,
    /// Index of the latest non-missing point, if any.
    pub latest: Option<usize>,
}

/// An XmR chart: a label per point, the segments with their limits, every rule
/// firing, and the icons.
///
/// Keep one per worker thread and call [`XmrChart::compute`] for each series: the
/// buffers are reused, so the steady state allocates nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct XmrChart {
    /// One label per input point.
    pub labels: Vec<PointLabel>,
    /// Segments in order; they cover every point.
    pub segments: Vec<Segment>,
    /// Every rule firing, in the order found (segment by segment).
    pub flags: Vec<Flag>,
    /// Icons.
    pub summary: Summary,
}

impl Default for Summary {
    fn default() -> Self {
        Summary { variation: VariationIcon::CommonCause, assurance: AssuranceIcon::None, latest: None }
    }
}

/// Computes an XmR chart into a fresh [`XmrChart`]. For many series, reuse one
/// chart with [`XmrChart::compute`] instead.
pub fn xmr(values: &[f64], options: &SpcOptions<'_>) -> Result<XmrChart, SpcError> {
    let mut chart = XmrChart::default();
    chart.compute(values, options)?;
    Ok(chart)
}

impl XmrChart {
    /// An empty chart whose buffers will grow to the longest series seen.
    pub fn new() -> Self {
        Self::default()
    }

    /// Recomputes this chart for `values`, reusing the buffers.
    pub fn compute(&mut self, values: &[f64], options: &SpcOptions<'_>) -> Result<(), SpcError> {
        validate(values.len(), options)?;
        let n = values.len();
        self.labels.clear();
        self.labels.resize(n, PointLabel::default());
        self.segments.clear();
        self.flags.clear();

        let mut start = 0;
        let mut next_rebase = options.rebase_at.iter().copied().filter(|&i| i > 0);
        loop {
            let end = next_rebase.next().unwrap_or(n);
            if end > start {
                let seg = &values[start..end];
                let baseline = options.fix_after.map_or(seg.len(), |k| k.min(seg.len()));
                let frame = limits::Frame::compute(&seg[..baseline], options.rules);
                let segment_index = self.segments.len();
                self.segments.push(Segment { start, end, limits: frame.limits() });
                rules::detect(
                    seg,
                    start,
                    segment_index,
                    &frame,
                    options.rules,
                    options.improvement,
                    &mut self.labels[start..end],
                    &mut self.flags,
                );
            }
            if end >= n {
                break;
            }
            start = end;
        }

        let latest = values.iter().rposition(|v| !v.is_nan());
        self.summary = Summary {
            variation: latest
                .map_or(VariationIcon::CommonCause, |i| variation_icon(self.labels[i], options.improvement)),
            assurance: match (self.segments.last(), options.target) {
                (Some(seg), Some(target)) => assurance_icon(target, &seg.limits, options.improvement),
                _ => AssuranceIcon::None,
            },
            latest,
        };
        Ok(())
    }

    /// The segment point `index` belongs to.
    pub fn segment_of(&self, index: usize) -> Option<&Segment> {
        let pos = self.segments.partition_point(|s| s.end <= index);
        self.segments.get(pos).filter(|s| s.start <= index)
    }

    /// The limits point `index` is judged against.
    pub fn limits_at(&self, index: usize) -> Option<&Limits> {
        self.segment_of(index).map(|s| &s.limits)
    }

    /// Explanations of every flag, in data and in words, naming `rules`.
    pub fn explanations(&self, values: &[f64], rules: &RuleSet) -> Vec<Explanation> {
        self.flags.iter().map(|f| Explanation::new(f, &self.segments[f.segment].limits, values, rules)).collect()
    }

    /// The explanation of flag `i` alone (a scan explains only the few flags it reports).
    pub fn explain(&self, i: usize, values: &[f64], rules: &RuleSet) -> Option<Explanation> {
        let f = self.flags.get(i)?;
        Some(Explanation::new(f, &self.segments[f.segment].limits, values, rules))
    }

    /// The flag that gave point `index` its label, if any (the highest-priority
    /// rule firing covering it).
    pub fn flag_for(&self, index: usize) -> Option<&Flag> {
        let label = self.labels.get(index)?;
        let rule = label.rule?;
        // Two runs of one rule may share a point (a rising trend turning into a falling one
        // over a withheld figure): the label's side says which run it belongs to.
        self.flags
            .iter()
            .rev()
            .find(|f| f.rule == rule && f.first <= index && index <= f.last && label.side.is_none_or(|s| s == f.side))
    }
}

fn validate(len: usize, options: &SpcOptions<'_>) -> Result<(), SpcError> {
    options.rules.validate()?;
    if options.fix_after == Some(0) {
        return Err(SpcError::EmptyBaseline);
    }
    let mut previous: Option<usize> = None;
    for &index in options.rebase_at {
        if index >= len && !(index == 0 && len == 0) {
            return Err(SpcError::RebaseOutOfRange { index, len });
        }
        if let Some(p) = previous
            && index <= p
        {
            return Err(SpcError::RebaseNotIncreasing { previous: p, index });
        }
        previous = Some(index);
    }
    Ok(())
}
