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

/// Who the audit log says ran a command: the operating-system user, as `cli:NAME`.
pub(crate) fn operator() -> String {
    format!("cli:{}", std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "unknown".into()))
}
