//! `failwell status`.

use crate::output::outln;
use failwell_store::Store;
use std::process::ExitCode;

/// Prints what the store holds.
pub async fn run(database: &str) -> anyhow::Result<ExitCode> {
    let store = Store::open(database).await?;
    let counts = store.counts().await;
    store.close().await;
    print_counts(&counts?)?;
    Ok(ExitCode::SUCCESS)
}

/// The counts as a small table.
pub fn print_counts(c: &failwell_store::Counts) -> std::io::Result<()> {
    outln!("organisations  {:>10}", c.organisations)?;
    outln!("links          {:>10}", c.links)?;
    outln!("indicators     {:>10}", c.indicators)?;
    outln!("series         {:>10}", c.series)?;
    outln!("observations   {:>10}", c.observations)?;
    outln!("inspections    {:>10}", c.inspections)?;
    outln!("events         {:>10}", c.events)?;
    Ok(())
}
