//! failwell's store: one API over SQLite (the embedded default) and PostgreSQL.
//!
//! Both databases are reached through sqlx's `Any` driver with SQL written in their common
//! subset (`$n` placeholders, `insert … select`, `is distinct from`, ISO dates as text), so
//! one code path and one test suite serve both. Where the dialects must differ (DDL,
//! identity columns) the migrations are kept side by side in `migrations/sqlite` and
//! `migrations/postgres` with the same version numbers.
//!
//! Architecture invariant: the store knows records and SQL; it does not read files and does
//! not judge. Codes are resolved here (an unknown organisation is the store's business);
//! columns, lines and mappings are not.

mod accounts;
mod ahead;
mod casework;
mod counts;
mod decision;
mod error;
mod export;
mod grouped;
mod import;
mod marks;
mod new_series;
mod observations;
mod open;
mod plan;
mod query;
mod regimes;
mod reminders;
mod scan;
mod scan_state;
mod series;
mod side_reader;

pub use accounts::{Account, AccountRefusal, ApiTokenInfo, AuditFilter, NewAccount, Session};
pub use ahead::Ahead;
pub use casework::{
    AuditEntry, AuditNote, InterventionRecord, StoredActor, StoredIntervention, StoredObligation, StoredStep,
};
pub use counts::CountPoint;
pub use decision::{Decision, NewDecision, StoredRecommendation};
pub use error::{RowProblem, StoreError};
pub use export::{ExportError, RecordStream};
pub use import::{ImportSession, ImportSummary};
pub use marks::{JudgedMarks, StoreMarks};
pub use observations::Duplicate;
pub use open::{Backend, Store};
pub use plan::{
    SeriesPoint, StoredAction, StoredCheckIn, StoredCriterion, StoredJudgement, StoredMeeting, StoredPlan, StoredTheme,
    StoredUpdate,
};
pub use query::Counts;
pub use regimes::{RegimeAdded, StoredRegime};
pub use reminders::StoredReminder;
pub use scan_state::{OpenSignal, RecommendationRow, ScanRecord, ScanRecording, ScanWrites, SeriesScan, SignalRow};
pub use series::{SeriesData, SeriesKey};
