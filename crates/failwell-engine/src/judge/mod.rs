//! Judging: evidence in, signals, an assessment and a recommended rung out.
//!
//! Everything here is pure: no store, no threads, no cache. Each kind of evidence has
//! its module of signal rules ([`series`] for SPC on indicator series, [`counts`] for
//! funnels and CUSUM, [`inspection`], [`events`], [`churn`], [`returns`]); [`reading`]
//! reads them in context; [`assess`] weighs them per failure type; [`rules`] and
//! [`ladder`] turn the assessment into a recommended rung; [`insularity`] and [`system`]
//! add the judgements that span organisations. [`organisation`] puts them together: one
//! organisation's evidence in, its report out. A signal names the rule that found it as
//! a [`signal_rule::SignalRule`].

pub mod assess;
pub mod budget;
pub mod churn;
pub mod counts;
pub mod events;
pub mod inspection;
pub mod insularity;
pub mod ladder;
pub mod learned;
pub mod links;
pub mod national;
pub mod organisation;
pub mod reading;
pub mod returns;
pub mod rules;
pub mod series;
pub mod signal;
pub mod signal_form;
pub mod signal_rule;
pub mod small_numbers;
pub mod system;
pub mod weights;
