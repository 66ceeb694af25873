//! The engine's errors.

use std::fmt;

/// One trigger rule refused or failing, placed in the regime file where possible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct RuleError {
    /// The rule's id.
    pub rule: String,
    /// 1-based line of its expression (0 when the source was not given).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Every rule refused when a regime's rules were compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleErrors(pub Vec<RuleError>);

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RuleErrors {}

/// Why a scan stopped.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] failwell_store::StoreError),
    /// The regime's trigger rules were refused.
    #[error("the regime's trigger rules were refused:\n{0}")]
    Rules(#[from] RuleErrors),
    /// A rule failed while evaluating one organisation.
    #[error("trigger rule {}: {}", .0.rule, .0.message)]
    RuleFailed(RuleError),
    /// A worker thread of the scan panicked (a bug: please report it).
    #[error("internal error: {0}")]
    Internal(String),
    /// The results a recorded scan left for the next one cannot be read back.
    #[error("the last recorded scan's results cannot be read ({0}); run `failwell scan --full`")]
    Cache(String),
}
