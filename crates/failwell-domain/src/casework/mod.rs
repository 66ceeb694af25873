//! Casework: what happens after failure is seen. An intervention puts one organisation or
//! several on a rung of the regime's ladder, with named people and their powers; it moves
//! up or down in dated steps, its rung's clocks become dated obligations, and it ends with
//! the lessons learned.
//!
//! This module holds the rules only (which moves the regime allows, which dates fall due,
//! when an organisation has relapsed); the store keeps the case and the engine runs the
//! moves. The report's warnings are rules here: a jump of more than one rung needs a stated
//! reason ("from zero to 100"), a rung is applied only by the actors the regime gives it
//! to, and ownership of failure may be shared by several organisations.

#[macro_use]
mod model;
mod clocks;
mod journey;
mod plan;
mod rules;

pub use clocks::{DUE_SOON_DAYS, DueStatus, Obligation, obligations};
pub use journey::{Episode, Span, episodes};
pub(crate) use model::words;
pub use model::{CaseActor, CaseRole, Lessons, NewIntervention, NewStep, Power, UnknownWord};
pub use plan::{ActionTag, CriterionOf, CriterionRule, ExitKind, ProgressStatus, TargetSide, all_structural};
pub use rules::{
    CaseMove, CaseworkRefusal, Opening, check_closing, check_extension, check_opening, check_power, check_step,
    power_of,
};
