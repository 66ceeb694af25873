//! `failwell status`.

use failwell_store::Store;
use std::process::ExitCode;

/// Prints what the store holds.
pub async fn run(database: &str) -> anyhow::Result<ExitCode> {
    let store = Store::open(database).await?;
    print_counts(&store.counts().await?);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// The counts as a small table.
pub fn print_counts(c: &failwell_store::Counts) {
    println!("organisations  {:>10}", c.organisations);
    println!("links          {:>10}", c.links);
    println!("indicators     {:>10}", c.indicators);
    println!("series         {:>10}", c.series);
    println!("observations   {:>10}", c.observations);
    println!("inspections    {:>10}", c.inspections);
    println!("events         {:>10}", c.events);
}
