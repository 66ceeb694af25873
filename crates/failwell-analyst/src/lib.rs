//! The analyst's table tools: `failwell spc`, `failwell funnel` and `failwell cusum`.
//!
//! Each tool reads a table (CSV, or JSON lines), calls `failwell-stats`, and writes one
//! row per point/unit/case as CSV or JSON. The CLI crate only embeds the `*Args` structs
//! and calls `run_*`, so these tools are tested here without building the store.

pub mod cusum;
pub mod funnel;
pub mod spc;
