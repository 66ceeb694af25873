//! The early-warning engine: from evidence to a recommended rung, with the reasons.
//!
//! The report behind failwell asks the system around public services to see failure
//! early and to respond with the lightest intervention that works. The engine does the
//! seeing and the judging:
//!
//! 1. **Signals** ([`signal`]): an SPC special cause at the latest points of a series
//!    ([`series`]), a failing or falling inspection grade or a stale one ([`inspection`]),
//!    a designation or harm made public ([`events`]). Each names its evidence, the rule,
//!    the regime version and the rule set.
//! 2. **Reading** ([`reading`]): after a designation, a rise in reporting is probably
//!    honesty, unless outcomes worsen with it.
//! 3. **Assessment** ([`assess`]): a score and band per failure type (weights from the
//!    regime, [`weights`]), overall, and a trajectory.
//! 4. **Trigger rules** ([`rules`], CEL) and **the ladder** ([`ladder`]): the lightest
//!    rung that answers every rule that holds, capped at one step up unless a rule allows
//!    a jump.
//!
//! 5. **Insight** ([`insularity`], [`churn`], [`system`]): how insular an organisation
//!    is (distance from peers, few peer contacts, a flattering self-assessment), whether
//!    its leadership keeps changing, and where linked organisations signal together.
//!
//! [`scan::scan`] runs all of it over a store as known on a day. Everything is
//! deterministic: no clock, sorted output.
//!
//! Architecture invariant: the engine depends on domain, stats and store, never on the
//! CLI or any file format; it does no statistics of its own.

pub mod assess;
pub mod churn;
pub mod continuity;
pub mod count_signals;
pub mod dates;
pub mod error;
pub mod events;
pub mod hash;
pub mod inspection;
pub mod insularity;
pub mod json_parts;
pub mod ladder;
pub mod links;
pub mod options;
pub mod parallel;
pub mod peer_pass;
pub mod reading;
pub mod report;
pub mod results_codec;
pub mod returns;
pub mod rules;
pub mod scan;
pub mod series;
pub mod series_pass;
pub mod signal;
pub mod system;
pub mod weights;

pub use assess::{Assessment, Band, Trajectory};
pub use error::{EngineError, RuleError, RuleErrors};
pub use options::ScanOptions;
pub use rules::{RuleBook, RuleContext};
pub use scan::{OrganisationReport, Recorded, ScanReport, scan, scan_then};
pub use series_pass::ScanMode;
pub use signal::{Direction, Reading, Signal, Strength};
