//! Tests of the early-warning engine: each signal rule, the reading of a designation,
//! the assessment, trigger rules (CEL) and the ladder.

mod assess;
mod budget;
mod churn;
mod continuity;
mod counts;
mod insularity;
mod ladder;
mod layers;
mod national;
mod organisation;
mod reading;
mod record;
mod returns;
mod rules;
mod signals;
mod support;
mod system;
