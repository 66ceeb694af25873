//! The words of failwell (see `DOMAIN.md` in the shared docs) as types.
//!
//! Architecture invariant: this crate does no I/O and knows no database, no file format
//! and no HTTP. It parses strings (codes, dates, TOML text) and validates values; it
//! never opens a file.

pub mod failure;
pub mod regime;
