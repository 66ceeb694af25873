//! Where a row went wrong, and why.

use std::fmt;

/// A place in an input file: file, line (1-based, the header is line 1) and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The file as the user named it.
    pub file: String,
    /// The line, 1-based.
    pub line: u64,
    /// The column, 1-based, when the fault lies in one field.
    pub column: Option<u64>,
    /// The column's name in the file, when known.
    pub column_name: Option<String>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(c) = self.column {
            write!(f, ":{c}")?;
        }
        if let Some(n) = &self.column_name {
            write!(f, " ({n})")?;
        }
        Ok(())
    }
}

/// One bad row: where, and the reason in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{position}: {reason}")]
pub struct RowError {
    /// Where.
    pub position: Position,
    /// Why.
    pub reason: String,
}
