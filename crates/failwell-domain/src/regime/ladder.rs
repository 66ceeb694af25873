//! Escalation ladders: the graduated responses a sector can make, lightest first.
//!
//! The report found central government going "from zero to 100" for want of steps in
//! between, and peer support working best early. A ladder makes the steps explicit so
//! that a recommendation can name the lowest rung that fits.

use super::keyword::Keyword;
use super::pos::Positions;
use super::validity::Validity;
use time::Date;

/// How an intervention is meant to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExitPhilosophy {
    /// Exit when standards are restored (e.g. a re-inspection lifts the grade).
    Outcome,
    /// Exit when leaders and governance can finish the job unaided, even if standards
    /// still lag (as at Doncaster).
    Capability,
}

impl Keyword for ExitPhilosophy {
    const WHAT: &'static str = "exit philosophy";
    const ALL: &'static [Self] = &[ExitPhilosophy::Outcome, ExitPhilosophy::Capability];
    fn code(self) -> &'static str {
        match self {
            ExitPhilosophy::Outcome => "outcome",
            ExitPhilosophy::Capability => "capability",
        }
    }
}

impl ExitPhilosophy {
    /// The code used in regime files.
    pub fn as_str(self) -> &'static str {
        self.code()
    }
}

/// The family a rung belongs to, so rungs of different sectors can be lined up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RungKind {
    /// Routine inspection and data watching that every provider receives.
    UniversalMonitoring,
    /// Review and challenge by peers, usually voluntary.
    PeerReview,
    /// Advice and support from outside, short of formal powers.
    Support,
    /// A board overseeing an improvement plan.
    ImprovementBoard,
    /// A targeted inspection ordered because of concern (e.g. Best Value inspection).
    Inspection,
    /// A formal notice or enforcement action with required actions.
    FormalNotice,
    /// A designation with intensive oversight (special measures and its successors).
    SpecialMeasures,
    /// Changes imposed on governance: extra governors, interim boards, suspended budgets.
    GovernanceChange,
    /// A statutory direction from a minister.
    Direction,
    /// Commissioners appointed to advise or take over functions.
    Commissioners,
    /// The service moves elsewhere: another trust, an academy, administration.
    StructuralChange,
}

impl Keyword for RungKind {
    const WHAT: &'static str = "rung kind";
    const ALL: &'static [Self] = &[
        RungKind::UniversalMonitoring,
        RungKind::PeerReview,
        RungKind::Support,
        RungKind::ImprovementBoard,
        RungKind::Inspection,
        RungKind::FormalNotice,
        RungKind::SpecialMeasures,
        RungKind::GovernanceChange,
        RungKind::Direction,
        RungKind::Commissioners,
        RungKind::StructuralChange,
    ];
    fn code(self) -> &'static str {
        match self {
            RungKind::UniversalMonitoring => "universal_monitoring",
            RungKind::PeerReview => "peer_review",
            RungKind::Support => "support",
            RungKind::ImprovementBoard => "improvement_board",
            RungKind::Inspection => "inspection",
            RungKind::FormalNotice => "formal_notice",
            RungKind::SpecialMeasures => "special_measures",
            RungKind::GovernanceChange => "governance_change",
            RungKind::Direction => "direction",
            RungKind::Commissioners => "commissioners",
            RungKind::StructuralChange => "structural_change",
        }
    }
}

impl RungKind {
    /// The code used in regime files.
    pub fn as_str(self) -> &'static str {
        self.code()
    }
}

/// One sector's ladder for a period of time.
#[derive(Debug, Clone, PartialEq)]
pub struct Ladder {
    /// Stable identifier (unique across the regime).
    pub id: String,
    /// The sector it serves.
    pub sector: String,
    /// Human name.
    pub name: String,
    /// How interventions on this ladder end unless a rung says otherwise.
    pub exit: ExitPhilosophy,
    /// Free text.
    pub description: Option<String>,
    /// The rungs, lightest first (strictly increasing level).
    pub rungs: Vec<Rung>,
    /// When this ladder applies.
    pub validity: Validity,
    pub(crate) pos: Positions,
}

impl Ladder {
    /// The rung with this id.
    pub fn rung(&self, id: &str) -> Option<&Rung> {
        self.rungs.iter().find(|r| r.id == id)
    }

    /// The rungs in force on `date`, lightest first.
    pub fn rungs_at(&self, date: Date) -> impl Iterator<Item = &Rung> {
        self.rungs.iter().filter(move |r| r.validity.contains(date))
    }

    /// The lightest rung (the floor every provider stands on).
    pub fn lightest(&self) -> Option<&Rung> {
        self.rungs.first()
    }

    /// The rungs heavier than `id`, lightest first; empty if `id` is unknown.
    pub fn above(&self, id: &str) -> &[Rung] {
        match self.rungs.iter().position(|r| r.id == id) {
            Some(i) => &self.rungs[i + 1..],
            None => &[],
        }
    }
}

/// One step of a ladder.
#[derive(Debug, Clone, PartialEq)]
pub struct Rung {
    /// Identifier, unique within its ladder.
    pub id: String,
    /// Human name.
    pub name: String,
    /// The family of response.
    pub kind: RungKind,
    /// Order on the ladder: higher is heavier.
    pub level: i64,
    /// Actor ids that may apply the rung.
    pub applied_by: Vec<String>,
    /// Whether the rung rests on statutory powers (as opposed to agreement).
    pub statutory: bool,
    /// How the rung is exited (the ladder's default when the file says nothing).
    pub exit: ExitPhilosophy,
    /// Free text: what happens on this rung.
    pub description: Option<String>,
    /// The deadlines and rhythms that run while on this rung.
    pub clocks: Vec<Clock>,
    /// How many organisations the rung can take a year (a flag budget: peer reviewers are
    /// finite), or `None` for no limit. Only a rung below the statutory ones may have
    /// one: a statutory trigger is never rationed. When more organisations are recommended
    /// the rung than it can take, the highest-risk ones get it, each with its rank.
    pub capacity_per_year: Option<i64>,
    /// When the rung exists (the ladder's dates unless given).
    pub validity: Validity,
    pub(crate) pos: Positions,
}

impl Rung {
    /// The clock with this id.
    pub fn clock(&self, id: &str) -> Option<&Clock> {
        self.clocks.iter().find(|c| c.id == id)
    }
}

/// The unit of a [`Period`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodUnit {
    /// Calendar days.
    Days,
    /// Weeks of seven days.
    Weeks,
    /// Calendar months.
    Months,
    /// Calendar years.
    Years,
}

impl Keyword for PeriodUnit {
    const WHAT: &'static str = "period unit";
    const ALL: &'static [Self] = &[PeriodUnit::Days, PeriodUnit::Weeks, PeriodUnit::Months, PeriodUnit::Years];
    fn code(self) -> &'static str {
        match self {
            PeriodUnit::Days => "days",
            PeriodUnit::Weeks => "weeks",
            PeriodUnit::Months => "months",
            PeriodUnit::Years => "years",
        }
    }
}

/// A length of time in calendar terms, as guidance states it ("within 12 months").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// How many units (positive).
    pub amount: u32,
    /// Which unit.
    pub unit: PeriodUnit,
}

impl Period {
    /// The date this period after `start`, clamping to the month's last day
    /// (31 January + 1 month = 28 or 29 February). `None` if out of range.
    pub fn after(&self, start: Date) -> Option<Date> {
        match self.unit {
            PeriodUnit::Days => start.checked_add(time::Duration::days(self.amount.into())),
            PeriodUnit::Weeks => start.checked_add(time::Duration::weeks(self.amount.into())),
            PeriodUnit::Months => crate::dates::add_months(start, self.amount),
            PeriodUnit::Years => crate::dates::add_months(start, self.amount.checked_mul(12)?),
        }
    }
}

/// What starts a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockStart {
    /// The day the rung is applied.
    Entry,
    /// The day the triggering report (inspection, review) is published.
    Report,
}

impl Keyword for ClockStart {
    const WHAT: &'static str = "clock start";
    const ALL: &'static [Self] = &[ClockStart::Entry, ClockStart::Report];
    fn code(self) -> &'static str {
        match self {
            ClockStart::Entry => "entry",
            ClockStart::Report => "report",
        }
    }
}

/// When a clock fires: once after a period, or repeatedly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockRule {
    /// Due once, this long after the start.
    Within(Period),
    /// Due repeatedly, at this interval from the start.
    Every(Period),
}

/// A deadline or rhythm attached to a rung (an action plan due, a re-inspection,
/// monitoring visits).
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    /// Identifier, unique within its rung.
    pub id: String,
    /// Human name.
    pub name: String,
    /// When it fires.
    pub rule: ClockRule,
    /// What starts it.
    pub from: ClockStart,
    /// How far one extension moves the deadline, if extensions are allowed.
    pub extendable_by: Option<Period>,
    /// How many extensions are allowed (0 when `extendable_by` is absent).
    pub max_extensions: u32,
    /// True when guidance gives the time only roughly ("about three months"), so
    /// reminders should not be treated as breaches.
    pub approximate: bool,
    /// Free text.
    pub description: Option<String>,
    /// When the clock applies (the rung's dates unless given).
    pub validity: Validity,
    pub(crate) pos: Positions,
}

impl Clock {
    /// The first date the clock falls due after `start`, before any extension.
    pub fn first_due(&self, start: Date) -> Option<Date> {
        match self.rule {
            ClockRule::Within(p) | ClockRule::Every(p) => p.after(start),
        }
    }

    /// The latest date a one-off deadline can reach with every extension used.
    pub fn latest_due(&self, start: Date) -> Option<Date> {
        let mut due = self.first_due(start)?;
        if let Some(ext) = self.extendable_by {
            for _ in 0..self.max_extensions {
                due = ext.after(due)?;
            }
        }
        Some(due)
    }

    /// The clock in words, as a reader of the regime page or a board pack reads it:
    /// "within 70 days of the report (approximately)", "every 3 months from entry to the
    /// rung", with its extensions.
    pub fn in_words(&self) -> String {
        let (how, p) = match self.rule {
            ClockRule::Within(p) => ("within", p),
            ClockRule::Every(p) => ("every", p),
        };
        let from = match (self.rule, self.from) {
            (ClockRule::Within(_), ClockStart::Entry) => "of entry to the rung",
            (ClockRule::Within(_), ClockStart::Report) => "of the report's publication",
            (ClockRule::Every(_), ClockStart::Entry) => "from entry to the rung",
            (ClockRule::Every(_), ClockStart::Report) => "from the report's publication",
        };
        let mut out = format!("{how} {} {from}", p.in_words());
        if self.approximate {
            out.push_str(" (approximately)");
        }
        if let Some(ext) = self.extendable_by {
            let times = match self.max_extensions {
                1 => "once".to_string(),
                2 => "twice".to_string(),
                n => format!("{n} times"),
            };
            out.push_str(&format!("; extendable {times} by {}", ext.in_words()));
        }
        out
    }
}

impl Period {
    /// "6 months", "1 year", "70 days".
    pub fn in_words(&self) -> String {
        let unit = self.unit.code();
        if self.amount == 1 { format!("1 {}", unit.trim_end_matches('s')) } else { format!("{} {unit}", self.amount) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn clocks_read_in_words() {
        let months = |n| Period { amount: n, unit: PeriodUnit::Months };
        let clock = Clock {
            id: "reinspection".into(),
            name: "Re-inspection".into(),
            rule: ClockRule::Within(months(12)),
            from: ClockStart::Report,
            extendable_by: Some(months(6)),
            max_extensions: 1,
            approximate: false,
            description: None,
            validity: Validity { from: date!(2010 - 01 - 01), to: None },
            pos: Positions::default(),
        };
        assert_eq!(clock.in_words(), "within 12 months of the report's publication; extendable once by 6 months");
        let visits = Clock {
            rule: ClockRule::Every(Period { amount: 1, unit: PeriodUnit::Years }),
            from: ClockStart::Entry,
            extendable_by: None,
            max_extensions: 0,
            approximate: true,
            ..clock
        };
        assert_eq!(visits.in_words(), "every 1 year from entry to the rung (approximately)");
    }

    #[test]
    fn months_clamp_to_month_end() {
        let p = Period { amount: 1, unit: PeriodUnit::Months };
        assert_eq!(p.after(date!(2024 - 01 - 31)), Some(date!(2024 - 02 - 29)));
        let y = Period { amount: 1, unit: PeriodUnit::Years };
        assert_eq!(y.after(date!(2013 - 07 - 16)), Some(date!(2014 - 07 - 16)));
    }
}
