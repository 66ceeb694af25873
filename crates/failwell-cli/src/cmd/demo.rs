//! `failwell demo`: a fresh store from the real data in `data/`.

use std::process::ExitCode;

/// Options of `failwell demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {}

/// Runs the demo.
pub async fn run(_database: &str, _args: &DemoArgs) -> anyhow::Result<ExitCode> {
    Ok(ExitCode::SUCCESS)
}
