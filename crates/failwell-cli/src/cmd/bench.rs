//! `failwell bench`: measured, not asserted.

use std::process::ExitCode;

/// Options of `failwell bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {}

/// Runs the benchmark.
pub async fn run(_args: &BenchArgs) -> anyhow::Result<ExitCode> {
    Ok(ExitCode::SUCCESS)
}
