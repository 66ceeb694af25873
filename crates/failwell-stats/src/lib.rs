//! Statistics inspectors trust: Making Data Count SPC, funnel plots and CUSUM.
//!
//! Pure functions over `&[f64]`; no I/O, no clock, no randomness without a seed.
//! Every flag carries its explanation (which rule, which points, which limits).

pub mod classify;
pub mod cusum;
pub mod dist;
pub mod funnel;
pub mod logistic;
pub mod rng;
pub mod robust;
pub mod spc;
