//! Explanations of flags: the same facts as data (for the engine, the API and
//! board packs) and as one sentence for people.
//!
//! Point numbers in sentences are 1-based, as a person counts; indices in data are
//! 0-based, as the engine counts.

use serde::{Deserialize, Serialize};

use super::{Flag, Limits, PointType, Rule, RuleSet, Side, TwoInThree};

/// Why a run of points was flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The rule that fired.
    pub rule: Rule,
    /// The side of the signal.
    pub side: Side,
    /// What it means given the improvement direction.
    pub point_type: PointType,
    /// First point caught (0-based).
    pub first: usize,
    /// Last point caught (0-based, inclusive).
    pub last: usize,
    /// Points caught.
    pub points: usize,
    /// The segment (0-based) whose limits were used.
    pub segment: usize,
    /// The limits compared against.
    pub limits: Limits,
    /// The rule set's name.
    pub rule_set: String,
    /// The run length the rule needed (shift or trend), if it has one.
    pub run_length: Option<usize>,
    /// The explanation in one sentence.
    pub sentence: String,
}

impl Explanation {
    /// Explains `flag`, judged against `limits` under `rules`.
    pub fn new(flag: &Flag, limits: &Limits, values: &[f64], rules: &RuleSet) -> Explanation {
        let run_length = match flag.rule {
            Rule::Shift => rules.shift_length,
            Rule::Trend => rules.trend_length,
            _ => None,
        };
        let sentence = sentence(flag, limits, values, rules);
        Explanation {
            rule: flag.rule,
            side: flag.side,
            point_type: flag.point_type,
            first: flag.first,
            last: flag.last,
            points: flag.points,
            segment: flag.segment,
            limits: *limits,
            rule_set: rules.name.clone(),
            run_length,
            sentence,
        }
    }
}

fn sentence(flag: &Flag, l: &Limits, values: &[f64], rules: &RuleSet) -> String {
    let span = span(flag);
    let (above, upper) = match flag.side {
        Side::High => ("above", "upper"),
        Side::Low => ("below", "lower"),
    };
    let set = &rules.name;
    let meaning = match flag.point_type {
        PointType::Improvement => "special cause of improvement",
        PointType::Concern => "special cause of concern",
        PointType::Neutral => "special cause, neither improvement nor concern",
        PointType::CommonCause => "common cause",
    };
    match flag.rule {
        Rule::OutsideLimits => {
            let limit = if flag.side == Side::High { l.upl } else { l.lpl };
            let what = if flag.points == 1 {
                let v = values.get(flag.first).copied().unwrap_or(f64::NAN);
                format!("{span} (value {}) lies", num(v))
            } else {
                format!("{span} lie")
            };
            format!(
                "{what} {above} the {upper} process limit {} — outside the limits under rule set {set}; {meaning}.",
                num(limit)
            )
        }
        Rule::Shift => format!(
            "{span} all lie {above} the mean {} — a shift under rule set {set} (run length {}); {meaning}.",
            num(l.mean),
            rules.shift_length.unwrap_or(flag.points)
        ),
        Rule::Trend => {
            let verb = if flag.side == Side::High { "rises" } else { "falls" };
            format!(
                "{span} each {verb} on the one before — a trend under rule set {set} (trend length {}); {meaning}.",
                rules.trend_length.unwrap_or(flag.points)
            )
        }
        Rule::TwoInThree => {
            let line = if flag.side == Side::High { l.upper_2s } else { l.lower_2s };
            let counting = match rules.two_in_three {
                Some(TwoInThree::CloseSameSideOfMean) => {
                    " (between the 2σ line and the process limit, all three on one side of the mean)"
                }
                Some(TwoInThree::NetCount) => " (net of points beyond the opposite line)",
                _ => "",
            };
            format!(
                "{span} lie {above} the {upper} 2σ line {} with at least two of any three consecutive points beyond it{counting} — two-in-three under rule set {set}; {meaning}.",
                num(line)
            )
        }
    }
}

fn span(flag: &Flag) -> String {
    let (a, b) = (flag.first + 1, flag.last + 1);
    if a == b {
        format!("Point {a}")
    } else if flag.points == b - a + 1 {
        format!("Points {a}–{b} ({} points)", flag.points)
    } else {
        format!("{} points between {a} and {b}", flag.points)
    }
}

/// About four significant figures, without trailing zeros: enough to find the line
/// on a chart, short enough to read aloud.
pub(crate) fn num(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (3 - magnitude).clamp(0, 12) as usize;
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s };
    if s == "-0" { "0".to_owned() } else { s }
}
