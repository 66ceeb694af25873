//! Times reading every packed series of a store: `cargo run --release -p failwell-store --example read_series -- URL`.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).ok_or("usage: read_series URL")?;
    let store = failwell_store::Store::open(&url).await?;
    let started = std::time::Instant::now();
    let mut points = 0usize;
    let n = store.current_series(None, &mut |d| points += d.len()).await?;
    println!("{n} series, {points} points in {:.2?}", started.elapsed());
    let started = std::time::Instant::now();
    let keys = store.series_index().await?;
    println!("{} series keys in {:.2?}", keys.len(), started.elapsed());
    Ok(())
}
