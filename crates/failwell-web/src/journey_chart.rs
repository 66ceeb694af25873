//! An organisation's journey drawn as one figure, in the manner of the report's Figures
//! 1–4: a line of years; the regulator's judgements on it as marked points; the cases in
//! intervention as bars, one segment per rung (darker the higher the rung), and behind
//! them the designations the record holds (notices, directions, commissioners: paler,
//! outlined with dashes, side by side where they overlap); the spells the journey joins,
//! a relapse marked; and the recorded events as ticks.
//!
//! Drawn on the server as SVG from what the organisation page has already read, so the
//! figure and the tables beneath it (the journey, the timeline) say the same. Each mark
//! has a `<title>` with its words, a judgement carries its letter as well as its colour,
//! and the figure has `role="img"` with a description: the tables remain the way to read
//! it without sight.

use crate::spc_chart::esc;
use std::fmt::Write;
use time::Date;

/// A judgement on the line.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The day it was published.
    pub on: Date,
    /// The grade's word (`inadequate`, `requires_improvement`, `good`, `outstanding`, …).
    pub grade: String,
    /// Who judged, under which framework ("OFSTED SIF").
    pub by: String,
}

/// One rung held by a case, from a day to a day (`None`: still held).
#[derive(Debug, Clone)]
pub struct Held {
    /// The case.
    pub case: i64,
    /// The rung's name.
    pub rung: String,
    /// Its level on the ladder.
    pub level: i64,
    /// First day.
    pub from: Date,
    /// Last day, if it ended.
    pub to: Option<Date>,
}

/// A designation in the record (a notice, a direction, commissioners), from its day to
/// the day the journey ends it (`None`: no ending in the record).
#[derive(Debug, Clone)]
pub struct Recorded {
    /// What it was, in words.
    pub what: String,
    /// The kind of rung it stands for.
    pub kind: failwell_domain::regime::RungKind,
    /// First day.
    pub from: Date,
    /// Last day, if it ended.
    pub to: Option<Date>,
}

/// A spell in intervention, as the journey joins it.
#[derive(Debug, Clone)]
pub struct Spell {
    /// First day.
    pub from: Date,
    /// Last day (`None`: still open).
    pub to: Option<Date>,
    /// Whether it followed an exit.
    pub relapse: bool,
}

/// An event on the line (a notice, a direction, a commissioner, a section 114).
#[derive(Debug, Clone)]
pub struct Event {
    /// Its day.
    pub on: Date,
    /// What happened.
    pub what: String,
}

/// What the figure draws.
#[derive(Debug, Clone, Default)]
pub struct Journey {
    /// The judgements.
    pub judged: Vec<Judged>,
    /// The rungs held.
    pub held: Vec<Held>,
    /// The designations in the record.
    pub recorded: Vec<Recorded>,
    /// The spells.
    pub spells: Vec<Spell>,
    /// The events.
    pub events: Vec<Event>,
}

const WIDTH: f64 = 960.0;
const LEFT: f64 = 120.0;
const RIGHT: f64 = 16.0;
const LANE: f64 = 44.0;
const TOP: f64 = 12.0;
const AXIS: f64 = 28.0;

/// A grade's colour and letter.
fn grade_mark(grade: &str) -> (&'static str, &'static str) {
    match grade {
        g if g.contains("outstanding") => ("#00703c", "O"),
        g if g.contains("good") => ("#85994b", "G"),
        g if g.contains("requires_improvement") => ("#f47738", "RI"),
        g if g.contains("inadequate") => ("#d4351c", "I"),
        g if g.contains("adequate") => ("#ffdd00", "A"),
        _ => ("#505a5f", "?"),
    }
}

/// A rung's fill, darker the higher its level.
fn rung_fill(level: i64) -> &'static str {
    match level {
        ..=1 => "#9fc5e8",
        2 => "#5694ca",
        3 => "#1d70b8",
        4 => "#144e81",
        _ => "#0b0c0c",
    }
}

/// The level on a ladder a kind of rung usually stands at, for a designation known only
/// from the record (the England ladders' levels: a notice 3, a direction 4, commissioners
/// 5), so it is shaded as a case on that rung would be.
fn kind_level(kind: failwell_domain::regime::RungKind) -> i64 {
    use failwell_domain::regime::RungKind as K;
    match kind {
        K::UniversalMonitoring => 0,
        K::PeerReview | K::Support => 1,
        K::ImprovementBoard => 2,
        K::Inspection | K::FormalNotice | K::SpecialMeasures => 3,
        K::GovernanceChange | K::Direction => 4,
        K::Commissioners | K::StructuralChange => 5,
    }
}

/// Sub-rows for `bars` (first day, last day) so that no two that overlap share one: each
/// bar's row, and how many rows there are.
fn rows_for(bars: &[(Date, Date)]) -> (Vec<usize>, usize) {
    let mut ends: Vec<Date> = Vec::new();
    let mut rows = Vec::with_capacity(bars.len());
    for (from, to) in bars {
        match ends.iter().position(|end| end < from) {
            Some(r) => {
                ends[r] = *to;
                rows.push(r);
            }
            None => {
                ends.push(*to);
                rows.push(ends.len() - 1);
            }
        }
    }
    let count = ends.len().max(1);
    (rows, count)
}

fn day_number(d: Date) -> f64 {
    f64::from(d.to_julian_day())
}

/// The figure's SVG drawn up to `today`, or `None` when there is nothing dated to draw.
pub fn draw(j: &Journey, today: Date) -> Option<String> {
    let mut days: Vec<Date> = j.judged.iter().map(|x| x.on).collect();
    days.extend(j.held.iter().flat_map(|h| [Some(h.from), h.to]).flatten());
    days.extend(j.recorded.iter().flat_map(|r| [Some(r.from), r.to]).flatten());
    days.extend(j.spells.iter().flat_map(|s| [Some(s.from), s.to]).flatten());
    days.extend(j.events.iter().map(|e| e.on));
    let first = *days.iter().min()?;
    let mut last = *days.iter().max()?;
    if j.held.iter().any(|h| h.to.is_none())
        || j.recorded.iter().any(|r| r.to.is_none())
        || j.spells.iter().any(|s| s.to.is_none())
    {
        last = last.max(today);
    }
    let start_year = first.year();
    let end_year = last.year() + 1;
    let x0 = day_number(Date::from_calendar_date(start_year, time::Month::January, 1).ok()?);
    let x1 = day_number(Date::from_calendar_date(end_year, time::Month::January, 1).ok()?);
    let x = |d: Date| LEFT + (day_number(d) - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT);
    let lanes = ["Judgements", "Interventions", "Spells", "Events"];
    let height = TOP + LANE * lanes.len() as f64 + AXIS;
    let mut svg = String::new();
    let desc = format!(
        "{} judgement(s), {} designation(s) in the record, {} rung(s) held in {} case(s), {} spell(s) in intervention ({} relapse(s)) and {} event(s), from {} to {}.",
        j.judged.len(),
        j.recorded.len(),
        j.held.len(),
        {
            let mut ids: Vec<i64> = j.held.iter().map(|h| h.case).collect();
            ids.dedup();
            ids.len()
        },
        j.spells.len(),
        j.spells.iter().filter(|s| s.relapse).count(),
        j.events.len(),
        start_year,
        end_year - 1
    );
    let _ = write!(
        svg,
        r#"<svg class="fw-journey" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="journey-title journey-desc" xmlns="http://www.w3.org/2000/svg"><title id="journey-title">The journey through judgement and intervention</title><desc id="journey-desc">{}</desc>"#,
        esc(&desc)
    );
    // Lanes and their names.
    for (i, name) in lanes.iter().enumerate() {
        let y = TOP + LANE * i as f64;
        let _ = write!(
            svg,
            r##"<rect x="{LEFT}" y="{y}" width="{}" height="{LANE}" fill="{}"/><text x="{}" y="{}" font-size="13" text-anchor="end" fill="#0b0c0c">{name}</text>"##,
            WIDTH - LEFT - RIGHT,
            if i % 2 == 0 { "#f3f2f1" } else { "#ffffff" },
            LEFT - 8.0,
            y + LANE / 2.0 + 4.0
        );
    }
    // Years.
    let axis_y = TOP + LANE * lanes.len() as f64;
    let every = if end_year - start_year > 12 { 2 } else { 1 };
    for year in start_year..=end_year {
        let Ok(d) = Date::from_calendar_date(year, time::Month::January, 1) else { continue };
        let px = x(d);
        let _ = write!(
            svg,
            r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{axis_y}" stroke="#b1b4b6" stroke-width="0.5"/>"##
        );
        if (year - start_year) % every == 0 && year < end_year {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{}" font-size="12" fill="#0b0c0c">{year}</text>"##,
                px + 2.0,
                axis_y + 16.0
            );
        }
    }
    // Judgements: a coloured circle with the grade's letter beneath.
    let y = TOP + LANE * 0.5;
    for g in &j.judged {
        let (colour, letter) = grade_mark(&g.grade);
        let px = x(g.on);
        let _ = write!(
            svg,
            r##"<g><title>{}: {} ({})</title><circle cx="{px:.1}" cy="{:.1}" r="6" fill="{colour}" stroke="#0b0c0c" stroke-width="0.5"/><text x="{px:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#0b0c0c">{letter}</text></g>"##,
            failwell_domain::dates::iso(g.on),
            esc(&g.grade.replace('_', " ")),
            esc(&g.by),
            y - 5.0,
            y + 14.0
        );
    }
    // Designations in the record: behind the cases' rungs, paler and outlined with
    // dashes, overlapping ones side by side.
    let y = TOP + LANE * 1.0 + 10.0;
    let mut recorded: Vec<&Recorded> = j.recorded.iter().collect();
    recorded.sort_by_key(|r| (r.from, r.to.is_none(), r.to));
    let spans: Vec<(Date, Date)> = recorded.iter().map(|r| (r.from, r.to.unwrap_or(today))).collect();
    let (rows, count) = rows_for(&spans);
    let row_height = (LANE - 20.0) / count as f64;
    for ((r, (from, to)), row) in recorded.iter().zip(&spans).zip(&rows) {
        let (a, b) = (x(*from), x(*to));
        let level = kind_level(r.kind);
        let _ = write!(
            svg,
            r##"<g><title>From the record: {} (as level {}) from {} to {}</title><rect x="{a:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}" fill-opacity="0.35" stroke="{}" stroke-dasharray="3 2" stroke-width="1"/></g>"##,
            esc(&r.what),
            level,
            failwell_domain::dates::iso(*from),
            // An open one's words already say it has no ending in the record.
            r.to.map_or_else(|| "now".to_string(), failwell_domain::dates::iso),
            y + row_height * *row as f64,
            (b - a).max(2.0),
            row_height,
            rung_fill(level),
            rung_fill(level)
        );
    }
    // Rungs held: a bar per rung, its level written in when there is room.
    for h in &j.held {
        let (a, b) = (x(h.from), x(h.to.unwrap_or(today)));
        let w = (b - a).max(2.0);
        let _ = write!(
            svg,
            r##"<g><title>Intervention {}: {} (level {}) from {} to {}</title><rect x="{a:.1}" y="{y}" width="{w:.1}" height="{}" fill="{}" stroke="#ffffff" stroke-width="0.5"/>"##,
            h.case,
            esc(&h.rung),
            h.level,
            failwell_domain::dates::iso(h.from),
            h.to.map_or_else(|| "now".to_string(), failwell_domain::dates::iso),
            LANE - 20.0,
            rung_fill(h.level)
        );
        if w > 22.0 {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="{}">L{}</text>"##,
                a + w / 2.0,
                y + (LANE - 20.0) / 2.0 + 4.0,
                if h.level <= 1 { "#0b0c0c" } else { "#ffffff" },
                h.level
            );
        }
        svg.push_str("</g>");
    }
    // Spells: a band each, a relapse in red with its word.
    let y = TOP + LANE * 2.0 + 12.0;
    for s in &j.spells {
        let (a, b) = (x(s.from), x(s.to.unwrap_or(today)));
        let (fill, stroke) = if s.relapse { ("#f6d7d2", "#d4351c") } else { ("#dbe8f4", "#1d70b8") };
        let _ = write!(
            svg,
            r##"<g><title>{} from {} to {}</title><rect x="{a:.1}" y="{y}" width="{:.1}" height="{}" fill="{fill}" stroke="{stroke}"/>"##,
            if s.relapse { "Relapse: a spell after an exit" } else { "Spell in intervention" },
            failwell_domain::dates::iso(s.from),
            s.to.map_or_else(|| "now".to_string(), failwell_domain::dates::iso),
            (b - a).max(2.0),
            LANE - 24.0
        );
        if s.relapse {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="11" fill="#d4351c" font-weight="bold">relapse</text>"##,
                a + 3.0,
                y + (LANE - 24.0) / 2.0 + 4.0
            );
        }
        svg.push_str("</g>");
    }
    // Events: a tick each.
    let y = TOP + LANE * 3.0;
    for e in &j.events {
        let px = x(e.on);
        let _ = write!(
            svg,
            r##"<g><title>{}: {}</title><path d="M{px:.1} {:.1} l6 8 l-6 8 l-6 -8 z" fill="#4c2c92"/></g>"##,
            failwell_domain::dates::iso(e.on),
            esc(&e.what),
            y + LANE / 2.0 - 8.0
        );
    }
    // Today.
    if today <= last {
        let px = x(today);
        let _ = write!(
            svg,
            r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{axis_y}" stroke="#0b0c0c" stroke-dasharray="4 3"><title>{}</title></line>"##,
            failwell_domain::dates::iso(today)
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn journey() -> Journey {
        Journey {
            judged: vec![
                Judged { on: date!(2010 - 05 - 01), grade: "inadequate".into(), by: "OFSTED SIF".into() },
                Judged { on: date!(2013 - 05 - 01), grade: "good".into(), by: "OFSTED SIF".into() },
            ],
            held: vec![Held {
                case: 1,
                rung: "Improvement notice".into(),
                level: 3,
                from: date!(2010 - 06 - 01),
                to: Some(date!(2012 - 12 - 31)),
            }],
            spells: vec![
                Spell { from: date!(2010 - 06 - 01), to: Some(date!(2012 - 12 - 31)), relapse: false },
                Spell { from: date!(2019 - 03 - 01), to: None, relapse: true },
            ],
            recorded: vec![
                Recorded {
                    what: "statutory direction: first (no ending in the record)".into(),
                    kind: failwell_domain::regime::RungKind::Direction,
                    from: date!(2019 - 06 - 01),
                    to: None,
                },
                Recorded {
                    what: "statutory direction: second".into(),
                    kind: failwell_domain::regime::RungKind::Direction,
                    from: date!(2019 - 09 - 01),
                    to: Some(date!(2019 - 12 - 01)),
                },
            ],
            events: vec![Event { on: date!(2010 - 06 - 01), what: "improvement notice: issued".into() }],
        }
    }

    #[test]
    fn designations_in_the_record_are_bars_side_by_side_where_they_overlap() {
        let svg = draw(&journey(), date!(2020 - 01 - 01)).unwrap();
        assert!(
            svg.contains("<title>From the record: statutory direction: first (no ending in the record) (as level 4) from 2019-06-01 to now</title>"),
            "{svg}"
        );
        assert!(svg.contains("2 designation(s) in the record"), "{svg}");
        // Two overlapping: two rows of half the bar's height, one above the other.
        let y_of = |what: &str| -> (f64, f64) {
            let at = svg.find(&format!("From the record: {what}")).unwrap();
            let rest = &svg[at..];
            let num = |key: &str| -> f64 {
                let c = rest.find(key).unwrap() + key.len();
                rest[c..c + rest[c..].find('"').unwrap()].parse().unwrap()
            };
            (num(" y=\""), num("height=\""))
        };
        let (first, second) = (y_of("statutory direction: first"), y_of("statutory direction: second"));
        assert_eq!(first.1, second.1, "the same height");
        assert!((first.1 - (LANE - 20.0) / 2.0).abs() < 1e-9, "half the lane's bar: {first:?}");
        assert!((second.0 - first.0 - first.1).abs() < 1e-9, "the second below the first: {first:?} {second:?}");
        assert_eq!(
            rows_for(&[(date!(2019 - 01 - 01), date!(2019 - 02 - 01)), (date!(2019 - 03 - 01), date!(2019 - 04 - 01))])
                .1,
            1,
            "one after the other share a row"
        );
    }

    #[test]
    fn every_mark_is_drawn_with_its_words_and_the_years_span_the_journey() {
        let svg = draw(&journey(), date!(2020 - 01 - 01)).unwrap();
        assert!(svg.contains("<title>2010-05-01: inadequate (OFSTED SIF)</title>"), "{svg}");
        assert!(svg.contains(">I</text>") && svg.contains(">G</text>"), "a letter as well as a colour");
        assert!(svg.contains("Intervention 1: Improvement notice (level 3) from 2010-06-01 to 2012-12-31"));
        assert!(
            svg.contains(">relapse</text>") && svg.contains("Relapse: a spell after an exit from 2019-03-01 to now")
        );
        assert!(svg.contains(">2010</text>") && svg.contains(">2020</text>"), "from the first year to today's");
        assert!(svg.contains(
            "2 judgement(s), 2 designation(s) in the record, 1 rung(s) held in 1 case(s), 2 spell(s) in intervention (1 relapse(s))"
        ));
        assert!(svg.contains("role=\"img\""));
    }

    #[test]
    fn the_line_is_in_order_of_time_and_nothing_dated_draws_nothing() {
        let svg = draw(&journey(), date!(2020 - 01 - 01)).unwrap();
        let cx = |day: &str| -> f64 {
            let at = svg.find(&format!("<title>{day}")).unwrap();
            let rest = &svg[at..];
            let c = rest.find("cx=\"").unwrap() + 4;
            rest[c..c + rest[c..].find('"').unwrap()].parse().unwrap()
        };
        assert!(cx("2010-05-01") < cx("2013-05-01"));
        assert!(draw(&Journey::default(), date!(2020 - 01 - 01)).is_none());
        let text = draw(
            &Journey {
                events: vec![Event { on: date!(2020 - 01 - 01), what: "<script>".into() }],
                ..Default::default()
            },
            date!(2020 - 01 - 01),
        )
        .unwrap();
        assert!(text.contains("&lt;script&gt;") && !text.contains("<script>"), "escaped");
    }
}
