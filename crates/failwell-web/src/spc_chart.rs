//! SPC (XmR) charts drawn on the server as SVG, in the NHS "Making Data Count" style:
//! grey common-cause points and dashed grey process limits, a black mean, orange
//! concern, blue improvement, purple special cause on an indicator with no better
//! direction; and the variation icon, drawn here (a letter as well as a colour, never
//! the NHS images).
//!
//! The limits and labels come from failwell-stats' `xmr` with the Making Data Count rule
//! set, the same call the engine's scan makes, so a chart shows what the scan judged.
//! Each chart has `role="img"`, a `<title>` and a `<desc>`, and the page puts a table of
//! its values beside it: the picture is never the only way to read the figures.

use failwell_stats::spc::{self, AssuranceIcon, Improvement, PointType, RuleSet, SpcOptions, VariationIcon, XmrChart};
use std::fmt::Write;

/// Making Data Count's colours.
const GREY: &str = "#a6a6a6";
const ORANGE: &str = "#e46c0a";
const BLUE: &str = "#00b0f0";
const PURPLE: &str = "#490092";
const BLACK: &str = "#0b0c0c";
/// The target line's colour.
const RED: &str = "#d4351c";

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

/// One point of a chart, as its table shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    /// The period, as the publisher names it.
    pub period: String,
    /// The figure (`None` where withheld).
    pub value: Option<f64>,
    /// The mean of the point's segment.
    pub mean: f64,
    /// The lower process limit.
    pub lower: f64,
    /// The upper process limit.
    pub upper: f64,
    /// `common_cause`, `concern`, `improvement` or `neutral`.
    pub point_type: &'static str,
}

/// A chart ready to show: its SVG, its icon and its table.
#[derive(Debug, Clone)]
pub struct SpcChart {
    /// The SVG element (already escaped; inserted as is).
    pub svg: String,
    /// The variation icon's SVG (already escaped).
    pub icon_svg: String,
    /// What the variation icon says, in words.
    pub variation: &'static str,
    /// The assurance icon's SVG, when the chart has a target (already escaped).
    pub assurance_svg: Option<String>,
    /// What the assurance icon says, in words (empty without a target).
    pub assurance: &'static str,
    /// Every point with its limits.
    pub points: Vec<ChartPoint>,
}

/// Escapes text for SVG/HTML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A figure as the chart writes it: at most three decimals, no trailing zeros.
pub fn figure(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

fn colour(t: PointType) -> &'static str {
    match t {
        PointType::CommonCause => GREY,
        PointType::Concern => ORANGE,
        PointType::Improvement => BLUE,
        PointType::Neutral => PURPLE,
    }
}

/// The words for a variation icon.
pub fn variation_words(icon: VariationIcon) -> &'static str {
    match icon {
        VariationIcon::CommonCause => "Common cause variation: no significant change",
        VariationIcon::ConcernHigh => "Special cause of concern: high values",
        VariationIcon::ConcernLow => "Special cause of concern: low values",
        VariationIcon::ImprovementHigh => "Special cause of improvement: high values",
        VariationIcon::ImprovementLow => "Special cause of improvement: low values",
        VariationIcon::NeitherHigh => "Special cause, high values (neither better nor worse)",
        VariationIcon::NeitherLow => "Special cause, low values (neither better nor worse)",
    }
}

/// The variation icon, drawn: a circle in the icon's colour with H or L (nothing for
/// common cause), and an arrow-free line so the letter carries the meaning.
fn icon(icon: VariationIcon) -> String {
    let (fill, letter) = match icon {
        VariationIcon::CommonCause => (GREY, ""),
        VariationIcon::ConcernHigh => (ORANGE, "H"),
        VariationIcon::ConcernLow => (ORANGE, "L"),
        VariationIcon::ImprovementHigh => (BLUE, "H"),
        VariationIcon::ImprovementLow => (BLUE, "L"),
        VariationIcon::NeitherHigh => (PURPLE, "H"),
        VariationIcon::NeitherLow => (PURPLE, "L"),
    };
    badge(variation_words(icon), fill, letter)
}

/// An icon as Making Data Count draws them, by our hand: a ring in `fill` around
/// `letter` (a zigzag when there is none), titled with `words`.
fn badge(words: &str, fill: &str, letter: &str) -> String {
    let words = esc(words);
    let mut s = format!(
        r##"<svg class="fw-icon" width="40" height="40" viewBox="0 0 40 40" role="img" aria-label="{words}"><title>{words}</title><circle cx="20" cy="20" r="18" fill="#ffffff" stroke="{fill}" stroke-width="3"/>"##
    );
    if letter.is_empty() {
        let _ =
            write!(s, r#"<path d="M9 22 L15 16 L20 24 L25 17 L31 21" fill="none" stroke="{fill}" stroke-width="3"/>"#);
    } else {
        let _ = write!(
            s,
            r#"<text x="20" y="27" text-anchor="middle" font-family="arial, sans-serif" font-size="20" font-weight="bold" fill="{fill}">{letter}</text>"#
        );
    }
    s.push_str("</svg>");
    s
}

/// The assurance icon's words.
fn assurance_words(icon: AssuranceIcon) -> &'static str {
    match icon {
        AssuranceIcon::Pass => {
            "The target will be met consistently: it lies beyond the process limits on the worse side"
        }
        AssuranceIcon::Fail => {
            "The target will be missed consistently without change: it lies beyond the process limits on the better side"
        }
        AssuranceIcon::HitAndMiss => {
            "The target will be met some periods and missed others: it lies within the process limits"
        }
        AssuranceIcon::None => "",
    }
}

/// The assurance icon, drawn here as the variation icon is: a letter (P, F or ?) and a
/// colour (blue, orange, grey), never the NHS images.
fn assurance_svg(icon: AssuranceIcon) -> Option<String> {
    let (fill, letter) = match icon {
        AssuranceIcon::Pass => (BLUE, "P"),
        AssuranceIcon::Fail => (ORANGE, "F"),
        AssuranceIcon::HitAndMiss => (GREY, "?"),
        AssuranceIcon::None => return None,
    };
    Some(badge(assurance_words(icon), fill, letter))
}

/// Charts `values` (in period order, `NaN` where withheld) and draws it. `id` makes the
/// title and description ids unique on the page. `None` when the series cannot be charted.
pub fn chart(id: &str, title: &str, periods: &[String], values: &[f64], improvement: Improvement) -> Option<SpcChart> {
    chart_with_target(id, title, periods, values, improvement, None)
}

/// As [`chart`], with a target drawn as a red dashed line and judged against the latest
/// process limits for the assurance icon (Making Data Count's "will we meet the target?").
pub fn chart_with_target(
    id: &str,
    title: &str,
    periods: &[String],
    values: &[f64],
    improvement: Improvement,
    target: Option<f64>,
) -> Option<SpcChart> {
    let rules = RuleSet::mdc();
    let options = SpcOptions { improvement, ..SpcOptions::new(&rules) };
    let xmr: XmrChart = spc::xmr(values, &options).ok()?;
    let points: Vec<ChartPoint> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let limits = xmr.limits_at(i);
            ChartPoint {
                period: periods.get(i).cloned().unwrap_or_default(),
                value: (!v.is_nan()).then_some(v),
                mean: limits.map_or(f64::NAN, |l| l.mean),
                lower: limits.map_or(f64::NAN, |l| l.lpl),
                upper: limits.map_or(f64::NAN, |l| l.upl),
                point_type: xmr.labels.get(i).map_or("common_cause", |l| l.point_type.as_str()),
            }
        })
        .collect();
    let finite = |v: f64| v.is_finite().then_some(v);
    let target = target.filter(|t| t.is_finite());
    let all: Vec<f64> = points
        .iter()
        .flat_map(|p| [p.value, finite(p.mean), finite(p.lower), finite(p.upper)])
        .flatten()
        .chain(target)
        .collect();
    if all.is_empty() {
        return None;
    }
    let (mut lo, mut hi) = all.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    if hi - lo < 1e-9 {
        lo -= 1.0;
        hi += 1.0;
    }
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let n = points.len().max(2);
    let x = |i: usize| LEFT + (WIDTH - LEFT - RIGHT) * i as f64 / (n - 1) as f64;
    let y = |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (hi - v) / (hi - lo);

    let variation = variation_words(xmr.summary.variation);
    let t = esc(title);
    let latest = points.iter().rev().find_map(|p| p.value.map(|v| (p.period.clone(), v)));
    let desc = format!(
        "XmR chart of {} points{}. {}.",
        points.iter().filter(|p| p.value.is_some()).count(),
        latest.map(|(p, v)| format!(", latest {} in {}", figure(v), p)).unwrap_or_default(),
        variation
    );
    let mut s = format!(
        r#"<svg class="fw-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{t}</title><desc id="{id}-desc">{}</desc>"#,
        esc(&desc)
    );
    // Axes and the value ticks at the ends.
    let _ = write!(
        s,
        r#"<g font-family="arial, sans-serif" font-size="12" fill="{BLACK}"><line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="{BLACK}"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="{BLACK}"/>"#,
        b = HEIGHT - BOTTOM,
        r = WIDTH - RIGHT
    );
    for v in [lo + pad, hi - pad] {
        let _ = write!(s, r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#, LEFT - 6.0, y(v) + 4.0, figure(v));
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let yb = HEIGHT - BOTTOM + 18.0;
        let _ = write!(s, r#"<text x="{LEFT}" y="{yb}">{}</text>"#, esc(&first.period));
        let _ = write!(s, r#"<text x="{}" y="{yb}" text-anchor="end">{}</text>"#, WIDTH - RIGHT, esc(&last.period));
    }
    s.push_str("</g>");
    // Per segment: the mean (solid black) and the process limits (dashed grey).
    for seg in &xmr.segments {
        let (a, b) = (x(seg.start), x(seg.end.saturating_sub(1)));
        let l = seg.limits;
        for (v, stroke, dash) in [(l.mean, BLACK, ""), (l.upl, GREY, "6 4"), (l.lpl, GREY, "6 4")] {
            if v.is_finite() {
                let _ = write!(
                    s,
                    r#"<line x1="{a:.1}" y1="{yv:.1}" x2="{b:.1}" y2="{yv:.1}" stroke="{stroke}" stroke-width="1.5"{}/>"#,
                    if dash.is_empty() { String::new() } else { format!(r#" stroke-dasharray="{dash}""#) },
                    yv = y(v)
                );
            }
        }
    }
    // The target, a red dashed line across the chart.
    if let Some(t) = target {
        let _ = write!(
            s,
            r#"<line x1="{LEFT}" y1="{yt:.1}" x2="{r}" y2="{yt:.1}" stroke="{RED}" stroke-width="1.5" stroke-dasharray="2 3"><title>Target: {}</title></line>"#,
            figure(t),
            yt = y(t),
            r = WIDTH - RIGHT
        );
    }
    // The series as a grey line, broken where a figure is withheld.
    let mut path = String::new();
    let mut pen_down = false;
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(v) => {
                let _ = write!(path, "{}{:.1} {:.1} ", if pen_down { "L" } else { "M" }, x(i), y(v));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let _ = write!(s, r#"<path d="{}" fill="none" stroke="{GREY}" stroke-width="2"/>"#, path.trim_end());
    // The points, coloured by what they mean, each with its figure as a tooltip.
    for (i, (p, label)) in points.iter().zip(&xmr.labels).enumerate() {
        if let Some(v) = p.value {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{}" data-point-type="{}"><title>{}: {}</title></circle>"#,
                x(i),
                y(v),
                colour(label.point_type),
                p.point_type,
                esc(&p.period),
                figure(v)
            );
        }
    }
    s.push_str("</svg>");
    let assurance = target.map_or(AssuranceIcon::None, |t| {
        values
            .len()
            .checked_sub(1)
            .and_then(|last| xmr.limits_at(last))
            .map_or(AssuranceIcon::None, |l| failwell_stats::spc::assurance_icon(t, l, improvement))
    });
    Some(SpcChart {
        svg: s,
        icon_svg: icon(xmr.summary.variation),
        variation,
        assurance_svg: assurance_svg(assurance),
        assurance: assurance_words(assurance),
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn periods(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{}/{:02}", 2012 + i, (13 + i) % 100)).collect()
    }

    #[test]
    fn a_leap_on_a_higher_is_worse_indicator_is_an_orange_concern_with_an_h() {
        // Noise around 22 (no run on either side of the mean), then a leap.
        let mut values: Vec<f64> = (0..19).map(|i| if i % 2 == 0 { 18.0 } else { 26.0 }).collect();
        values.push(50.0);
        let c = chart("c1", "Re-referrals <12 months", &periods(20), &values, Improvement::Decrease).unwrap();
        assert_eq!(c.variation, "Special cause of concern: high values");
        assert_eq!(c.points[19].point_type, "concern");
        assert!(c.svg.contains(&format!(r#"fill="{ORANGE}" data-point-type="concern""#)), "{}", c.svg);
        assert_eq!(c.svg.matches(&format!(r#"fill="{GREY}" data-point-type="common_cause""#)).count(), 19);
        assert!(
            c.svg.contains(r#"role="img""#)
                && c.svg.contains("<title id=\"c1-title\">Re-referrals &lt;12 months</title>")
        );
        assert!(c.svg.contains(r#"stroke-dasharray="6 4""#), "dashed process limits");
        assert!(c.icon_svg.contains(">H</text>") && c.icon_svg.contains(ORANGE));
        assert!(c.points[19].upper < 50.0 && c.points[0].lower < 18.0);
    }

    #[test]
    fn the_same_leap_is_blue_when_higher_is_better_and_withheld_figures_break_the_line() {
        let mut values = vec![20.0, 21.0, 20.0, 22.0, f64::NAN, 20.0, 21.0, 22.0, 20.0, 21.0, 21.0];
        values.push(45.0);
        let c = chart("c2", "t", &periods(12), &values, Improvement::Increase).unwrap();
        assert_eq!(c.points[11].point_type, "improvement");
        assert!(c.svg.contains(BLUE));
        assert_eq!(c.points[4].value, None);
        assert_eq!(c.svg.matches("<circle").count(), 11, "no point drawn for the withheld figure");
        let line = c.svg.split(r#"<path d=""#).nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(line.matches('M').count(), 2, "the line starts again after the gap: {line}");
        assert_eq!(figure(20.5), "20.5");
        assert_eq!(figure(3.0), "3");
    }

    #[test]
    fn a_target_is_drawn_and_judged_against_the_latest_limits() {
        // Noise between 18 and 26 around 22: limits roughly 1 to 43.
        let values: Vec<f64> = (0..12).map(|i| if i % 2 == 0 { 18.0 } else { 26.0 }).collect();
        let lower_is_better = Improvement::Decrease;
        let hit = chart_with_target("t1", "t", &periods(12), &values, lower_is_better, Some(20.0)).unwrap();
        assert!(hit.svg.contains("<title>Target: 20</title>"), "the line");
        assert!(hit.assurance.contains("some periods") && hit.assurance_svg.unwrap().contains(">?</text>"));
        let pass = chart_with_target("t2", "t", &periods(12), &values, lower_is_better, Some(60.0)).unwrap();
        assert!(pass.assurance.contains("met consistently") && pass.assurance_svg.unwrap().contains(">P</text>"));
        let fail = chart_with_target("t3", "t", &periods(12), &values, lower_is_better, Some(-10.0)).unwrap();
        assert!(fail.assurance.contains("missed consistently") && fail.assurance_svg.unwrap().contains(">F</text>"));
        let none = chart("t4", "t", &periods(12), &values, lower_is_better).unwrap();
        assert!(none.assurance_svg.is_none() && none.assurance.is_empty());
    }
}
