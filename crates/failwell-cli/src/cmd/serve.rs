//! `failwell serve`: the web service (pages and the JSON API) on one address.

use std::net::SocketAddr;
use std::process::ExitCode;

/// Options of `failwell serve` (and of `failwell demo`'s serving step).
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "FAILWELL_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
}

/// Serves `database` on `addr` until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn run(database: &str, addr: SocketAddr) -> anyhow::Result<ExitCode> {
    let store = failwell_store::Store::open(database).await?;
    serve_store(store, addr).await
}

/// Serves an open store (the demo's, once loaded).
pub async fn serve_store(store: failwell_store::Store, addr: SocketAddr) -> anyhow::Result<ExitCode> {
    let server = failwell_web::Server::bind(store.clone(), addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot serve on {addr}: {e}"))?;
    let bound = server.local_addr()?;
    println!("failwell is serving on http://{bound}/ (Ctrl-C to stop)");
    tracing::info!(%bound, "serving");
    let result = server.run(failwell_web::shutdown_signal()).await;
    store.close().await;
    result?;
    println!("failwell stopped");
    Ok(ExitCode::SUCCESS)
}
