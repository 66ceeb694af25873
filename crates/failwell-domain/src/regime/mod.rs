//! Regimes as data: the sectors, rating scales, actors and escalation ladders of one
//! country's system for dealing with failing public services.
//!
//! The report behind failwell describes four sectors that each handle failure their own
//! way, and definitions that shift over time. Keeping a regime in a TOML file (see
//! `docs/regimes.md`) means a new country, sector or rule change is an edit, not a
//! rebuild; dating every part means past judgements can say which version made them.
//!
//! This module only reads text: the caller opens the file.
//!
//! ```
//! use failwell_domain::regime::Regime;
//! let regime = Regime::from_toml_str(failwell_domain::regime::ENGLAND).unwrap();
//! assert_eq!(regime.id, "england");
//! ```

mod decode;
mod edit;
mod error;
mod keyword;
mod ladder;
mod learned;
mod lookup;
mod model;
mod pos;
mod reader;
mod scale;
mod validate;
mod validity;

pub use edit::{EditError, with_learned_score};
pub use error::{RegimeError, RegimeErrors};
pub use ladder::{Clock, ClockRule, ClockStart, ExitPhilosophy, Ladder, Period, PeriodUnit, Rung, RungKind};
pub use learned::{EARLIER_SERIES, FIXED_FEATURES, LEVEL_PREFIX, LearnedScore, feature_meaning, probability};
pub use model::{Actor, ActorKind, Definition, FailureTypeDef, Regime, Sector, SignalWeight, TriggerRule};
pub use scale::{Crosswalk, Grade, GradeComparison, GradeMapping, GradeRef, NotComparable, Scale};
pub use validity::Validity;

use error::Sink;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The built-in regime for England, as shipped in `regimes/england.toml`.
pub const ENGLAND: &str = include_str!("../../../../regimes/england.toml");

impl Regime {
    /// Parses and validates a regime written in TOML.
    ///
    /// Reports every error found, each with its line and column. TOML syntax errors are
    /// reported alone: checking the meaning of a half-read file would only add noise.
    ///
    /// # Errors
    /// [`RegimeErrors`] holding every problem found, sorted by position.
    pub fn from_toml_str(source: &str) -> Result<Regime, RegimeErrors> {
        let sink = Sink::new(source);
        let (doc, syntax) = DeTable::parse_recoverable(source);
        for e in &syntax {
            let at = e.span().map_or(0, |s| s.start);
            sink.error(at, format!("TOML syntax: {}", e.message().trim()));
        }
        if sink.has_errors() {
            return Err(sink.finish().expect("syntax errors were recorded"));
        }
        let span = doc.span();
        let doc = Spanned::new(span, DeValue::Table(doc.into_inner()));
        let regime = decode::regime(&sink, &doc);
        if let Some(r) = &regime {
            validate::regime(&sink, r);
        }
        match (sink.finish(), regime) {
            (None, Some(r)) => Ok(r),
            (Some(errors), _) => Err(errors),
            (None, None) => unreachable!("a regime that failed to decode recorded why"),
        }
    }

    /// Parses the built-in England regime.
    ///
    /// # Panics
    /// Never in a released build: the shipped file is checked by the test suite.
    pub fn england() -> Regime {
        Regime::from_toml_str(ENGLAND).expect("the built-in England regime is valid")
    }
}
