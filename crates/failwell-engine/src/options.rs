//! The engine's tunable numbers, in one place with their defaults and reasons.

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
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            as_of: None,
            recent_points: 2,
            min_points: 6,
            stale_inspection_years: 4,
            designation_window_months: 36,
            recent_event_months: 24,
            band_thresholds: [1.0, 3.0, 6.0],
            full: false,
            record: false,
        }
    }
}
