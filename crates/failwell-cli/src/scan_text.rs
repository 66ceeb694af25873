//! The scan as a readable text report, worst first: `failwell scan`'s text output. An
//! output format, so it lives with the command, above the engine (which gives the report
//! as data and as JSON).

use failwell_engine::ScanReport;
use failwell_engine::judge::signal::{Direction, Reading};
use std::fmt::Write;

/// Renders `report` as text. `all` includes organisations with nothing to say (low band,
/// universal monitoring); without it they are counted, not listed.
pub fn render_text(report: &ScanReport, all: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "failwell scan as of {} — regime {} version {}, SPC rule set {}",
        report.as_of, report.regime, report.regime_version, report.rule_set
    );
    let _ = match report.mode {
        failwell_engine::ScanMode::Incremental => writeln!(
            out,
            "incremental: {} series charted again (changed since the last recorded scan), {} reused",
            report.series_charted, report.series_reused
        ),
        failwell_engine::ScanMode::Full => writeln!(out, "full: {} series charted", report.series_charted),
        failwell_engine::ScanMode::AsOf => {
            writeln!(
                out,
                "as of {}: {} series charted from the figures then published",
                report.as_of, report.series_charted
            )
        }
    };
    match &report.recorded {
        Some(r) => {
            let _ = writeln!(
                out,
                "recorded as scan {}: {} new signals, {} ongoing, {} closed since the last scan",
                r.scan_id,
                r.new_signals,
                r.ongoing_signals,
                r.closed_signals.len()
            );
        }
        None => {
            let _ = writeln!(out, "not recorded");
        }
    }
    if !report.national.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "national view (each shown once here, not against each organisation):");
        for n in &report.national {
            let _ = writeln!(out, "  = {}", n.explanation);
        }
    }
    let mut quiet = 0;
    for org in &report.organisations {
        let uneventful = org.overall_band == failwell_engine::judge::assess::Band::Low
            && org.recommendation.as_ref().is_none_or(|r| r.recommended.level == 0 && r.current.level == 0);
        if uneventful && !all {
            quiet += 1;
            continue;
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} {} [{}] — overall {} (score {:.1}), {}",
            org.organisation,
            org.name,
            org.sector,
            org.overall_band.as_str(),
            org.overall_score,
            org.trajectory.as_str()
        );
        let bands: Vec<String> = org
            .risks
            .iter()
            .filter(|r| r.score > 0.0)
            .map(|r| format!("{} {}", r.failure_type, r.band.as_str()))
            .collect();
        if !bands.is_empty() {
            let _ = writeln!(out, "  failure types: {}", bands.join(", "));
        }
        if let Some(r) = &org.recommendation {
            let _ = writeln!(
                out,
                "  current rung: {} (level {}){}; recommended: {} (level {})",
                r.current.name,
                r.current.level,
                if org.current_rung_inferred { ", inferred" } else { "" },
                r.recommended.name,
                r.recommended.level
            );
        }
        let _ = writeln!(out, "  insularity: {}", org.insularity.explanation);
        if let Some(l) = &org.learned {
            let _ = writeln!(out, "  learned score: {}", failwell_engine::judge::learned::in_words(l));
        }
        for line in &org.rationale {
            let _ = writeln!(out, "  - {line}");
        }
        for s in &org.signals {
            let mark = match (s.direction, s.reading) {
                (_, Reading::ProbableHonestReporting) => "~",
                (_, Reading::NationalShift) => "=",
                (_, Reading::SmallNumbers | Reading::NoExitRecorded | Reading::SeriesStopped) => "·",
                (Direction::Concern, _) => "!",
                (Direction::Improvement, _) => "+",
                (Direction::Neutral, _) => " ",
            };
            // The day it was first seen, not "new": two scans of the same day share their
            // as-of day, so a signal first seen that day may be the earlier scan's (the
            // header counts what this scan found new).
            let since = s.tracking.as_ref().map_or_else(String::new, |t| format!(" (seen since {})", t.first_seen));
            let _ = writeln!(
                out,
                "  {mark} {:<8} {:<30} {:<32} {}..{}: {}{since}",
                format!("{:?}", s.strength).to_lowercase(),
                s.rule,
                s.source,
                s.start,
                s.end,
                s.evidence.explanation()
            );
        }
    }
    if quiet > 0 {
        let _ = writeln!(out);
        let them = if quiet == 1 { "organisation" } else { "organisations" };
        let _ = writeln!(out, "{quiet} more {them}: low risk, universal monitoring (--all lists them).");
    }
    render_systems(&mut out, report, all);
    out
}

/// The "Systems" section: groups where members signal, recommended first. Without `all`,
/// groups with no member signalling are counted, not listed.
fn render_systems(out: &mut String, report: &ScanReport, all: bool) {
    if report.systems.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Systems (groups of linked organisations)");
    let mut quiet = 0;
    for g in &report.systems {
        if g.signalling.is_empty() && !all {
            quiet += 1;
            continue;
        }
        let types: Vec<&str> = g.shared_failure_types.iter().map(|t| t.code()).collect();
        let _ = writeln!(
            out,
            "  {} {}: {} of {} members signalling ({}){}",
            g.group,
            g.name,
            g.signalling.len(),
            g.members.len(),
            g.signalling.join(", "),
            if types.is_empty() { String::new() } else { format!("; shared: {}", types.join(", ")) }
        );
        if let Some(r) = &g.recommendation {
            let _ = writeln!(out, "    - {r}");
        }
        let against: Vec<String> = g
            .against_sectors
            .iter()
            .map(|e| {
                format!(
                    "{} {} (sectors' rates give {:.1}, chance {:.2})",
                    e.failure_type.code(),
                    e.members_at_band,
                    e.expected,
                    e.tail
                )
            })
            .collect();
        if !against.is_empty() {
            let _ = writeln!(out, "    at the band, against their sectors: {}", against.join("; "));
        }
    }
    if quiet > 0 {
        let _ = writeln!(out, "  {quiet} more groups with no member signalling.");
    }
}
