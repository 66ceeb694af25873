//! One module per subcommand.

pub mod analyst;
pub mod backtest;
pub mod bench;
pub mod bench_scan;
pub mod board;
pub mod calibrate;
pub mod decide;
pub mod demo;
pub mod diff;
pub mod export;
pub mod import;
pub mod intervention;
pub mod plan;
pub mod regime;
pub mod remind;
pub mod scan;
pub mod serve;
pub mod status;
pub mod user;
