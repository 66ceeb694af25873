//! Funnel plots drawn on the server as SVG: every organisation's proportion against its
//! denominator for one period, the national target, and the 95% and 99.8% limits that
//! narrow as the denominator grows, with the over-dispersion the data show (the same
//! `failwell_stats::funnel::analyse` configuration the engine's scan uses). Points
//! outside the 99.8% limits are drawn in Making Data Count's orange when on the worse
//! side and blue when on the better, 95% outliers lighter; the page lists every outlier in
//! a table beside the picture, so the picture is never the only way to read it.

use crate::spc_chart::{esc, figure};
use failwell_domain::Polarity;
use failwell_stats::funnel::{self, Classification, FunnelConfig, FunnelResult, Level, Overdispersion};
use std::fmt::Write;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 380.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 44.0;
const GREY: &str = "#a6a6a6";
const BLACK: &str = "#0b0c0c";
const ORANGE: &str = "#e46c0a";
const BLUE: &str = "#00b0f0";
const PURPLE: &str = "#490092";

/// One organisation on the funnel.
#[derive(Debug, Clone)]
pub struct FunnelUnit {
    /// Its name.
    pub name: String,
    /// Its code.
    pub code: String,
    /// Numerator.
    pub numerator: f64,
    /// Denominator.
    pub denominator: f64,
}

/// A funnel plot ready to show.
#[derive(Debug, Clone)]
pub struct FunnelPlot {
    /// The SVG (escaped; inserted as is).
    pub svg: String,
    /// The fit: target, over-dispersion, each unit's classification (in input order).
    pub result: FunnelResult,
}

/// Whether a classification is on the worse side for an indicator of `polarity`
/// (`None`: within the limits, or no better direction).
pub fn worse(c: Classification, polarity: Polarity) -> Option<bool> {
    let high = match c {
        Classification::Above998 | Classification::Above95 => true,
        Classification::Below998 | Classification::Below95 => false,
        _ => return None,
    };
    match polarity {
        Polarity::HigherIsWorse => Some(high),
        Polarity::HigherIsBetter => Some(!high),
        Polarity::Neutral => None,
    }
}

/// Places `units` on a proportion funnel and draws it; `None` with fewer than five units
/// or when the funnel cannot be fitted.
pub fn plot(id: &str, title: &str, units: &[FunnelUnit], polarity: Polarity) -> Option<FunnelPlot> {
    if units.len() < 5 {
        return None;
    }
    let xs: Vec<f64> = units.iter().map(|u| u.numerator).collect();
    let ns: Vec<f64> = units.iter().map(|u| u.denominator).collect();
    let config = FunnelConfig::proportion().with_overdispersion(Overdispersion::multiplicative());
    let result = funnel::analyse(&xs, &ns, &config).ok()?;
    let model = &result.model;
    let n_max = ns.iter().copied().fold(0.0_f64, f64::max) * 1.05;
    let n_min = ns.iter().copied().fold(f64::INFINITY, f64::min).max(1.0);
    // The limits at evenly spaced denominators from the smallest unit to the largest.
    let steps = 80;
    let at = |i: usize| n_min + (n_max - n_min) * i as f64 / steps as f64;
    let lines: Vec<(f64, f64, f64, f64, f64)> = (0..=steps)
        .map(|i| {
            let n = at(i);
            let (p95, p998) = (model.limits_at(n, Level::P95), model.limits_at(n, Level::P998));
            (n, p95.lower, p95.upper, p998.lower, p998.upper)
        })
        .collect();
    let values: Vec<f64> = result.units.iter().map(|u| u.value).collect();
    let mut lo = values.iter().copied().fold(model.target, f64::min);
    let mut hi = values.iter().copied().fold(model.target, f64::max);
    // Keep the widest limits in view only where they stay near the data.
    let span = (hi - lo).max(1e-9);
    for &(_, l95, u95, l998, u998) in &lines {
        for v in [l95, u95, l998, u998] {
            if v.is_finite() && v > lo - span && v < hi + span {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    let pad = (hi - lo).max(1e-9) * 0.05;
    let (lo, hi) = ((lo - pad).max(0.0), hi + pad);
    let x = |n: f64| LEFT + (WIDTH - LEFT - RIGHT) * n / n_max;
    let y = |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (hi - v.clamp(lo, hi)) / (hi - lo);
    let outliers = result.units.iter().filter(|u| !matches!(u.classification, Classification::Within)).count();
    let desc = format!(
        "Funnel plot of {} organisations: national figure {}, {} outside the 95% limits.",
        units.len(),
        figure(model.target),
        outliers
    );
    let mut s = format!(
        r#"<svg class="fw-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        esc(title),
        esc(&desc)
    );
    let b = HEIGHT - BOTTOM;
    let _ = write!(
        s,
        r#"<g font-family="arial, sans-serif" font-size="12" fill="{BLACK}"><line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="{BLACK}"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="{BLACK}"/>"#,
        r = WIDTH - RIGHT
    );
    for v in [lo, model.target, hi] {
        let _ = write!(s, r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#, LEFT - 6.0, y(v) + 4.0, figure(v));
    }
    let _ = write!(s, r#"<text x="{LEFT}" y="{}">0</text>"#, b + 16.0);
    let _ =
        write!(s, r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#, WIDTH - RIGHT, b + 16.0, figure(n_max.round()));
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">Denominator</text>"#,
        (LEFT + WIDTH - RIGHT) / 2.0,
        b + 34.0
    );
    s.push_str("</g>");
    let _ = write!(
        s,
        r#"<line x1="{LEFT}" y1="{t:.1}" x2="{r}" y2="{t:.1}" stroke="{BLACK}" stroke-width="1.5"/>"#,
        t = y(model.target),
        r = WIDTH - RIGHT
    );
    for (pick, dash) in [(1usize, "6 4"), (2, "6 4"), (3, ""), (4, "")] {
        let mut path = String::new();
        for (i, l) in lines.iter().enumerate() {
            let v = [l.0, l.1, l.2, l.3, l.4][pick];
            if v.is_finite() {
                let _ = write!(path, "{}{:.1} {:.1} ", if i == 0 { "M" } else { "L" }, x(l.0), y(v));
            }
        }
        let _ = write!(
            s,
            r#"<path d="{}" fill="none" stroke="{GREY}" stroke-width="1.5"{}/>"#,
            path.trim_end(),
            if dash.is_empty() { String::new() } else { format!(r#" stroke-dasharray="{dash}""#) }
        );
    }
    for (u, r) in units.iter().zip(&result.units) {
        let strong = matches!(r.classification, Classification::Above998 | Classification::Below998);
        let fill = match worse(r.classification, polarity) {
            Some(true) => ORANGE,
            Some(false) => BLUE,
            None if matches!(r.classification, Classification::Within) => GREY,
            None => PURPLE,
        };
        let opacity = if strong || fill == GREY { "1" } else { "0.6" };
        let _ = write!(
            s,
            r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{fill}" fill-opacity="{opacity}"><title>{}: {} of {} ({})</title></circle>"#,
            x(u.denominator),
            y(r.value),
            esc(&u.name),
            figure(u.numerator),
            figure(u.denominator),
            figure(r.value)
        );
    }
    s.push_str("</svg>");
    Some(FunnelPlot { svg: s, result })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outlier_is_drawn_and_classified_on_its_worse_side() {
        let mut units: Vec<FunnelUnit> = (0..20)
            .map(|i| FunnelUnit {
                name: format!("Trust {i}"),
                code: format!("T{i}"),
                numerator: 100.0 + f64::from(i % 3),
                denominator: 1000.0,
            })
            .collect();
        units.push(FunnelUnit { name: "Trust <X>".into(), code: "TX".into(), numerator: 400.0, denominator: 1000.0 });
        let drawn = plot("f", "Breaches", &units, Polarity::HigherIsWorse).expect("a funnel");
        let last = drawn.result.units.last().unwrap();
        assert_eq!(last.classification, Classification::Above998);
        assert_eq!(worse(last.classification, Polarity::HigherIsWorse), Some(true));
        assert!(drawn.svg.contains("Trust &lt;X&gt;: 400 of 1000 (0.4)"), "escaped, with its figures");
        assert!(drawn.svg.contains(ORANGE));
        assert!(plot("f", "t", &units[..4], Polarity::HigherIsWorse).is_none(), "too few to fit");
    }
}
