//! Errors found while reading a regime, each pointing at a line and column.
//!
//! A regime file is written by hand by people who oversee services, not by programmers.
//! One run must tell them everything that is wrong, in the order it appears in the file,
//! so errors are collected rather than returned at the first problem.

use std::cell::RefCell;
use std::fmt;

/// One problem in a regime file: where it is and what is wrong.
///
/// Lines and columns are 1-based; the column counts characters, not bytes, so it matches
/// what an editor shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct RegimeError {
    /// The 1-based line of the offending key, value or table header.
    pub line: usize,
    /// The 1-based column (in characters) on that line.
    pub column: usize,
    /// What is wrong, in words meant for the author of the file.
    pub message: String,
}

/// Every error found in one regime file, sorted by position.
///
/// Never empty when returned from [`crate::regime::Regime::from_toml_str`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegimeErrors(Vec<RegimeError>);

impl RegimeErrors {
    /// The errors, first in the file first.
    pub fn as_slice(&self) -> &[RegimeError] {
        &self.0
    }

    /// How many errors were found.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no errors (never the case for a returned collection).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over the errors in file order.
    pub fn iter(&self) -> std::slice::Iter<'_, RegimeError> {
        self.0.iter()
    }

    /// Gives up the errors as a vector.
    pub fn into_vec(self) -> Vec<RegimeError> {
        self.0
    }
}

impl fmt::Display for RegimeErrors {
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

impl std::error::Error for RegimeErrors {}

impl IntoIterator for RegimeErrors {
    type Item = RegimeError;
    type IntoIter = std::vec::IntoIter<RegimeError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a RegimeErrors {
    type Item = &'a RegimeError;
    type IntoIter = std::slice::Iter<'a, RegimeError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Turns byte offsets into 1-based lines and character columns.
struct LineIndex<'s> {
    source: &'s str,
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    fn new(source: &'s str) -> Self {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        Self { source, starts }
    }

    fn locate(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.source.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = self.source.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line, column + 1)
    }
}

/// Collects errors during one parse. Shared by reference so that nested readers can
/// report without threading `&mut` through every call.
pub(crate) struct Sink<'s> {
    index: LineIndex<'s>,
    errors: RefCell<Vec<RegimeError>>,
    /// (top-level table, id) of parts that were declared but failed to decode.
    broken: RefCell<Vec<(&'static str, String)>>,
}

impl<'s> Sink<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        Self { index: LineIndex::new(source), errors: RefCell::new(Vec::new()), broken: RefCell::new(Vec::new()) }
    }

    /// Remembers that `[[table]]` declared `id`, though the part was left out for errors.
    pub(crate) fn declare_broken(&self, table: &'static str, id: &str) {
        self.broken.borrow_mut().push((table, id.to_string()));
    }

    /// True when `[[table]]` declared `id` but the part failed to decode; a reference to
    /// it is then not reported again as unknown.
    pub(crate) fn is_broken(&self, table: &str, id: &str) -> bool {
        self.broken.borrow().iter().any(|(t, i)| *t == table && i == id)
    }

    /// Records an error at a byte offset of the source.
    pub(crate) fn error(&self, offset: usize, message: impl Into<String>) {
        let (line, column) = self.index.locate(offset);
        self.errors.borrow_mut().push(RegimeError { line, column, message: message.into() });
    }

    /// The 1-based line of a byte offset, for messages such as "first defined at line N".
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.index.locate(offset).0
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.borrow().is_empty()
    }

    /// Sorted by position, exact duplicates removed (one bad value can be met twice).
    pub(crate) fn finish(self) -> Option<RegimeErrors> {
        let mut errors = self.errors.into_inner();
        if errors.is_empty() {
            return None;
        }
        errors.sort();
        errors.dedup();
        Some(RegimeErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let idx = LineIndex::new("ab\néé = 1\n");
        assert_eq!(idx.locate(0), (1, 1));
        assert_eq!(idx.locate(3), (2, 1));
        // "éé" is 4 bytes; the "=" after a space is the 4th character.
        assert_eq!(idx.locate(8), (2, 4));
    }
}
