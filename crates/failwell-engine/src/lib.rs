//! The early-warning engine: from evidence to a recommended rung, with the reasons.
//!
//! The report behind failwell asks the system around public services to see failure
//! early and to respond with the lightest intervention that works. The engine does the
//! seeing and the judging; its folders say which is which:
//!
//! - [`judge`]: the rules, pure. Each kind of evidence becomes signals (SPC on series,
//!   funnels and CUSUM on counts, inspection grades, designations and harm, leadership
//!   churn, late returns), each naming its evidence, rule, regime version and rule set;
//!   they are read in context, weighed per failure type into an assessment, and the
//!   trigger rules (CEL) and the ladder turn that into a recommended rung.
//!   [`judge::organisation::judge_organisation`] is one organisation's whole judgement.
//! - [`scan`](mod@scan): the machinery that runs the judging over a store as known on a day:
//!   reading passes, the incremental reuse of recorded results, parallelism.
//! - [`record`]: what a recorded scan leaves behind: signal continuity across scans and
//!   the crate-private cache of each indicator's results.
//! - [`backtest`]: the scan judged on real history (as-of scans before each judgement).
//! - [`casework`]: what happens after failure is seen: interventions moved on the ladder
//!   (checked against the regime, audited), plans and criteria judged from the evidence,
//!   exit readiness, and journeys with their relapses.
//!
//! [`scan::scan`] runs all of it. Everything is deterministic: no clock, sorted output.
//!
//! Architecture invariant: the engine depends on domain, stats and store, never on the
//! CLI or any file format; it does no statistics of its own.

pub mod backtest;
pub mod casework;
pub mod dates;
pub mod decide;
pub mod diff;
pub mod error;
pub mod import;
pub mod json_parts;
pub mod judge;
pub mod options;
mod parse_ahead;
pub mod record;
pub mod scan;
mod stable_hash;

pub use error::{EngineError, RuleError, RuleErrors};
pub use judge::assess::{Assessment, Band, Trajectory};
pub use judge::rules::{RuleBook, RuleContext};
pub use judge::signal::{Direction, Reading, Signal, Strength};
pub use options::ScanOptions;
pub use scan::series_pass::ScanMode;
pub use scan::{OrganisationReport, Recorded, ScanReport, scan, scan_then};
