//! A rung's clocks as dated obligations: the day an intervention opens on a rung (or steps
//! onto one), each clock becomes the dates it falls due, so "due soon", "due today" and
//! "overdue" are plain comparisons with a day.

use crate::regime::{ClockRule, ClockStart, Rung};
use time::Date;

/// How many days ahead an obligation counts as due soon.
pub const DUE_SOON_DAYS: i64 = 14;

/// How many times a repeating clock is laid out at most (monthly for five years), so an
/// intervention with no planned end still has a bounded list.
const MAX_OCCURRENCES: u32 = 60;

/// One dated obligation from a rung's clock.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Obligation {
    /// The rung whose clock it comes from.
    pub rung: String,
    /// The clock's id.
    pub clock: String,
    /// What is due, in words (the clock's name, numbered when it repeats).
    pub name: String,
    /// The day it falls due.
    #[serde(serialize_with = "crate::dates::serialize_iso")]
    pub due: Date,
    /// True when guidance gives the time only roughly: a reminder, not a breach.
    pub approximate: bool,
    /// True when the clock runs from a report's publication but none was given, so it was
    /// counted from the day the rung was applied.
    pub counted_from_entry: bool,
}

/// Where an obligation stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueStatus {
    /// Past its day and not met.
    Overdue,
    /// Due on the day.
    DueToday,
    /// Due within [`DUE_SOON_DAYS`].
    DueSoon,
    /// Due later.
    Later,
    /// Met (recorded as done).
    Met,
    /// Left behind when the case moved to another rung or closed before it fell due.
    Lapsed,
}

impl DueStatus {
    /// Where an obligation due on `due` stands on `today`, given when it was met or lapsed.
    pub fn on(due: Date, met_on: Option<Date>, lapsed_on: Option<Date>, today: Date) -> DueStatus {
        if met_on.is_some_and(|m| m <= today) {
            return DueStatus::Met;
        }
        if lapsed_on.is_some_and(|l| l <= today) {
            return DueStatus::Lapsed;
        }
        let days = (due - today).whole_days();
        match days {
            d if d < 0 => DueStatus::Overdue,
            0 => DueStatus::DueToday,
            d if d <= DUE_SOON_DAYS => DueStatus::DueSoon,
            _ => DueStatus::Later,
        }
    }

    /// The words shown beside an obligation.
    pub fn as_str(self) -> &'static str {
        match self {
            DueStatus::Overdue => "overdue",
            DueStatus::DueToday => "due today",
            DueStatus::DueSoon => "due soon",
            DueStatus::Later => "later",
            DueStatus::Met => "met",
            DueStatus::Lapsed => "lapsed",
        }
    }

    /// Whether it still asks for something to be done.
    pub fn is_open(self) -> bool {
        !matches!(self, DueStatus::Met | DueStatus::Lapsed)
    }
}

/// The obligations of `rung`'s clocks for a case that stepped onto it on `entry`: a
/// one-off clock once, a repeating clock at each interval up to `until` (the planned end,
/// or five years on), clocks that run from a report from `report` (or from `entry`, marked,
/// when no report day is known). Only clocks in force on `entry` count. Sorted by day.
pub fn obligations(rung: &Rung, entry: Date, report: Option<Date>, until: Option<Date>) -> Vec<Obligation> {
    let mut out = Vec::new();
    for clock in rung.clocks.iter().filter(|c| c.validity.contains(entry)) {
        let (start, counted_from_entry) = match clock.from {
            ClockStart::Entry => (entry, false),
            ClockStart::Report => (report.unwrap_or(entry), report.is_none()),
        };
        let make = |due: Date, name: String| Obligation {
            rung: rung.id.clone(),
            clock: clock.id.clone(),
            name,
            due,
            approximate: clock.approximate,
            counted_from_entry,
        };
        match clock.rule {
            ClockRule::Within(p) => {
                if let Some(due) = p.after(start) {
                    out.push(make(due, clock.name.clone()));
                }
            }
            ClockRule::Every(p) => {
                let horizon = until.unwrap_or_else(|| start.replace_year(start.year() + 5).unwrap_or(start));
                let mut due = start;
                for n in 1..=MAX_OCCURRENCES {
                    match p.after(due) {
                        Some(next) if next <= horizon => due = next,
                        _ => break,
                    }
                    out.push(make(due, format!("{} {n}", clock.name)));
                }
            }
        }
    }
    out.sort_by(|a, b| (a.due, &a.clock).cmp(&(b.due, &b.clock)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regime::Regime;
    use time::macros::date;

    #[test]
    fn a_direction_lays_out_its_action_plan_and_visits() {
        let regime = Regime::england();
        let rung = regime.rung("childrens_services_2010", "statutory_direction").unwrap();
        let due = obligations(rung, date!(2024 - 03 - 01), Some(date!(2024 - 02 - 20)), Some(date!(2025 - 02 - 20)));
        let plan: Vec<_> = due.iter().filter(|o| o.clock == "action_plan").collect();
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].due, date!(2024 - 04 - 30), "70 days from the report of 20 February");
        let visits: Vec<_> = due.iter().filter(|o| o.clock == "monitoring_visits").map(|o| o.due).collect();
        assert_eq!(
            visits,
            [date!(2024 - 05 - 20), date!(2024 - 08 - 20), date!(2024 - 11 - 20), date!(2025 - 02 - 20)]
        );
        assert!(due.iter().all(|o| !o.counted_from_entry));
        assert!(due.windows(2).all(|w| w[0].due <= w[1].due));
    }

    #[test]
    fn without_a_report_day_the_clock_runs_from_entry_and_says_so() {
        let regime = Regime::england();
        let rung = regime.rung("childrens_services_2010", "statutory_direction").unwrap();
        let due = obligations(rung, date!(2024 - 03 - 01), None, Some(date!(2024 - 06 - 30)));
        assert_eq!(due.len(), 2, "{due:?}");
        assert!(due.iter().all(|o| o.counted_from_entry));
        let open_ended = obligations(rung, date!(2024 - 03 - 01), None, None);
        assert_eq!(
            open_ended.iter().filter(|o| o.clock == "monitoring_visits").count(),
            20,
            "quarterly for five years"
        );
    }

    #[test]
    fn status_on_a_day() {
        let due = date!(2024 - 05 - 20);
        assert_eq!(DueStatus::on(due, None, None, date!(2024 - 05 - 21)), DueStatus::Overdue);
        assert_eq!(DueStatus::on(due, None, None, due), DueStatus::DueToday);
        assert_eq!(DueStatus::on(due, None, None, date!(2024 - 05 - 10)), DueStatus::DueSoon);
        assert_eq!(DueStatus::on(due, None, None, date!(2024 - 04 - 01)), DueStatus::Later);
        assert_eq!(DueStatus::on(due, Some(date!(2024 - 05 - 19)), None, date!(2024 - 06 - 01)), DueStatus::Met);
        assert_eq!(DueStatus::on(due, None, Some(date!(2024 - 05 - 01)), date!(2024 - 06 - 01)), DueStatus::Lapsed);
        // Met later than the day asked about: still overdue then.
        assert_eq!(DueStatus::on(due, Some(date!(2024 - 06 - 01)), None, date!(2024 - 05 - 25)), DueStatus::Overdue);
    }
}
