//! The statistics against published references: SPC limits and rules, funnel limits and
//! over-dispersion, CUSUM thresholds and runs.

mod cusum;
mod funnel;
mod spc;
