//! The store's errors.

/// A failure of the store itself: the import as a whole stops and rolls back.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// SQLite refused or failed on the scan's own read-only connection.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The process is shutting down: a read started early did not finish.
    #[error("interrupted: the process is shutting down")]
    Interrupted,
    /// A decision names a scan and organisation with no recommendation in force.
    #[error("scan {scan} has no recommendation for organisation {organisation:?} to decide on")]
    NoRecommendation {
        /// The scan named.
        scan: i64,
        /// The organisation named.
        organisation: String,
    },
    /// A casework move the stored facts refuse (nothing was written).
    #[error("refused: {0}")]
    Refused(#[from] failwell_domain::casework::CaseworkRefusal),
    /// An account change the stored accounts refuse (nothing was written).
    #[error("refused: {0}")]
    Account(#[from] crate::accounts::AccountRefusal),
    /// The store could not be opened: named (a PostgreSQL URL without its password), so
    /// that a mistyped path says which.
    #[error("cannot open the store {store}: {reason}")]
    Open {
        /// The SQLite file, or the PostgreSQL URL without its password.
        store: String,
        /// The database's reason.
        reason: String,
    },
    /// The database URL is not one failwell can use.
    #[error("unsupported database URL scheme {0:?}: use a SQLite file path, sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// A stored record no longer reads back (the store was edited by hand, or by a newer failwell).
    #[error("stored {kind} record {key:?} cannot be read: {reason}")]
    Corrupt {
        /// Record kind.
        kind: &'static str,
        /// Its natural key.
        key: String,
        /// Why.
        reason: String,
    },
}

/// Why one row cannot be stored; the importer turns it into a file/line/column error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowProblem {
    /// The row names an organisation the registry does not have, in `column` (ours): a
    /// link names two, so the column says which end is unknown.
    #[error("unknown organisation {code:?}: import it with `failwell import organisations` first")]
    UnknownOrganisation {
        /// The code as the row gives it.
        code: String,
        /// The column (ours) it is in.
        column: &'static str,
    },
    /// The row names an indicator the catalogue does not have.
    #[error("unknown indicator {0:?}: import it with `failwell import indicators` first")]
    UnknownIndicator(String),
    /// An indicator names as its denominator an indicator the catalogue does not have.
    #[error("unknown denominator {0:?}: it must be in the catalogue already or earlier in this file")]
    UnknownDenominator(String),
    /// The same key appears twice in one file with different contents.
    #[error("the same {0} appears earlier in this import (line {1}) with different values")]
    Duplicate(&'static str, u64),
    /// A release day after the day of the import: nothing is published in the future, and
    /// a scan of "now" (as of the latest release) would move into it.
    #[error("{column} {day} is after today ({today}): nothing can be known before it happens")]
    PublishedInFuture {
        /// The day the row gives (ISO).
        day: String,
        /// The import's day (ISO).
        today: String,
        /// The column (ours) it is in: `published_on`, or `occurred_on` for an event
        /// without a release day.
        column: &'static str,
    },
    /// A figure for a period that has not begun by the day of the import.
    #[error("period {period} has not begun by today ({today}): a figure counts what has happened")]
    PeriodInFuture {
        /// The period as written in our terms.
        period: String,
        /// The import's day (ISO).
        today: String,
    },
}

impl RowProblem {
    /// The column (ours) the problem lies in.
    pub fn column(&self) -> Option<&'static str> {
        match self {
            RowProblem::UnknownOrganisation { column, .. } => Some(column),
            RowProblem::UnknownIndicator(_) => Some("indicator"),
            RowProblem::UnknownDenominator(_) => Some("denominator"),
            RowProblem::Duplicate(..) => None,
            RowProblem::PublishedInFuture { column, .. } => Some(column),
            RowProblem::PeriodInFuture { .. } => Some("period"),
        }
    }
}
