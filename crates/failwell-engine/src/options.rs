//! The engine's tunable numbers, in one place with their defaults and reasons.

use crate::judge::assess::Band;
use time::Date;

/// Options of one scan. Every number here is documented in `docs/engine.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOptions {
    /// Judge as known on this day (evidence published after it is ignored); `None` for
    /// everything stored. The day the judgement is made "today" for clocks and ages.
    pub as_of: Option<Date>,
    /// A special cause counts when its run ends within this many points of the latest
    /// point (2: the latest or the one before, so an annual series does not lose a signal
    /// the year after it appears).
    pub recent_points: usize,
    /// Series with fewer non-missing points are not charted: limits from a handful of
    /// points mislead more than they tell.
    pub min_points: usize,
    /// "No inspection judgement in the last N years" is a weak signal of its own.
    pub stale_inspection_years: i64,
    /// After a designation of failure, rises in reporting-culture indicators within this
    /// many months are read as probable honest reporting (Insight 7).
    pub designation_window_months: i64,
    /// Harm made public (a serious incident) counts for this many months.
    pub recent_event_months: i64,
    /// Score thresholds of the bands moderate, high and severe (a score below the first
    /// is low).
    pub band_thresholds: [f64; 3],
    /// Chart every series even when the last recorded scan could be continued
    /// incrementally (only a scan of "now" is ever incremental).
    pub full: bool,
    /// Record the scan in the store (its signals, which continue or close earlier ones,
    /// and its results for the next incremental scan). A scan as of a day before the last
    /// recorded one is never recorded: history would run backwards.
    pub record: bool,
    /// Leadership changes count towards churn when they happened within this many months
    /// of the as-of day (24: two years, the span of a typical turnaround plan).
    pub churn_window_months: i64,
    /// This many leadership changes in the window make a weak churn signal (2: one change
    /// is ordinary succession, a second within two years is not).
    pub churn_weak_changes: usize,
    /// This many make a moderate one (3).
    pub churn_moderate_changes: usize,
    /// Insularity: peer contacts (peer reviews, peer, buddy and partner-agency links) count
    /// when they fall within this many years before the as-of day (3: a peer challenge
    /// cycle, with its progress review, fits well inside).
    pub peer_contact_years: i64,
    /// System view: a group is recommended a system-level response when at least
    /// `system_min_members` of its members, and at least this share of them, signal in
    /// the same failure type (a third: a pattern, not one unlucky member).
    pub system_share: f64,
    /// See `system_share` (2: one organisation alone is not a system).
    pub system_min_members: usize,
    /// The band a member must reach in a failure type to count towards a system-level
    /// recommendation (high: on the demo, moderate bands — one weak SPC signal — are so
    /// common that every region was recommended; at high, 2 of 10 are).
    pub system_band: Band,
    /// Insularity: "few peer contacts" is measured only when at least this share of the
    /// registry's organisations (groups aside) have a peer contact on record at all (0.1:
    /// below it, no record more likely means no data than no contact).
    pub peer_contact_coverage: f64,
    /// National shift: an indicator's SPC concerns on one side are read as a national
    /// shift when at least this share of the organisations reporting its latest period
    /// have one (0.4: under common-cause variation about one in ten would, by chance).
    pub national_shift_share: f64,
    /// See `national_shift_share` (10: a handful of organisations is not a nation).
    pub national_shift_min_organisations: usize,
    /// From how many organisations judging and tracking share out over the cores (below
    /// it a thread costs more than it saves). Never changes the report: the parallel map
    /// keeps input order. Tests lower it to take the threaded paths on a small store.
    pub parallel_from_organisations: usize,
    /// From how many series the peer pass shares its indicators out over the cores.
    pub parallel_from_series: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            as_of: None,
            recent_points: 2,
            min_points: 6,
            stale_inspection_years: 4,
            national_shift_share: 0.4,
            national_shift_min_organisations: 10,
            designation_window_months: 36,
            recent_event_months: 24,
            band_thresholds: [1.0, 3.0, 6.0],
            full: false,
            record: false,
            churn_window_months: 24,
            churn_weak_changes: 2,
            churn_moderate_changes: 3,
            peer_contact_years: 3,
            system_share: 1.0 / 3.0,
            system_min_members: 2,
            system_band: Band::High,
            peer_contact_coverage: 0.1,
            parallel_from_organisations: 500,
            parallel_from_series: 10_000,
        }
    }
}
