//! The harness's one error type.

use failwell_store::RowProblem;

/// What can go wrong setting up or running a test through the harness.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A temporary folder could not be made.
    #[error("cannot make a temporary folder: {0}")]
    Io(#[from] std::io::Error),
    /// `FAILWELL_TEST_POSTGRES_URL` is not a URL ending in `/DBNAME`.
    #[error("FAILWELL_TEST_POSTGRES_URL={0:?} does not end in /DBNAME")]
    PostgresUrl(String),
    /// The PostgreSQL server refused to create the test database.
    #[error("cannot create the test database {name}: {source}")]
    CreateDatabase {
        /// The database's name.
        name: String,
        /// The server's answer.
        source: sqlx::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] failwell_store::StoreError),
    /// The store refused a seeded row: the seed data and the store disagree.
    #[error("the store refused seeded {kind} row {line}: {problem:?}")]
    Row {
        /// Which kind of record.
        kind: &'static str,
        /// The row's number in the seed's list (1-based, as a file's line would be).
        line: u64,
        /// What the store said.
        problem: RowProblem,
    },
    /// The built-in regime did not compile.
    #[error("the built-in regime: {0}")]
    Regime(String),
    /// The scan failed.
    #[error(transparent)]
    Engine(#[from] failwell_engine::EngineError),
}
