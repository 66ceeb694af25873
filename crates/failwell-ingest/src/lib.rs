//! failwell's file formats (documented in `docs/formats.md`).
//!
//! Reads CSV and JSON Lines into domain records, one row at a time so memory stays flat
//! however large the file, and writes the same formats back so that export → import
//! round-trips exactly. Every error names the file, line, column and reason.
//!
//! Architecture invariant: this crate knows files, not the store. It never resolves a
//! code against what is already stored; the store does that.

pub mod error;
pub mod format;
pub mod lines;
pub mod mapping;
pub mod reader;
pub mod records;
pub mod row;
pub mod writer;

pub use error::{Position, RowError};
pub use format::{Format, Kind};
pub use lines::LineIndex;
pub use mapping::Mapping;
pub use reader::{Locator, ReadError, RecordReader, Sourced};
pub use records::Record;
pub use row::Row;
pub use writer::RecordWriter;
