//! The words of failwell (see `DOMAIN.md` in the shared docs) as types.
//!
//! Architecture invariant: this crate does no I/O and knows no database, no file format
//! and no HTTP. It parses strings (codes, dates, TOML text) and validates values; it
//! never opens a file.

pub mod access;
pub mod casework;
pub mod code;
pub mod dates;
pub mod failure;
pub mod period;
pub mod records;
pub mod regime;
pub mod vocab;

pub use code::{BadId, Code, Slug};
pub use failure::FailureType;
pub use period::Period;
pub use records::{BadObservation, CountPoint, Event, Indicator, Inspection, Link, Observation, Organisation};
pub use vocab::{Counts, EventType, IndicatorKind, LinkType, Method, Polarity, Suppression};
