//! `failwell decide` and `failwell decisions`: a recommendation is a proposal; a person
//! accepts or declines it, with a reason, and both are kept (append-only).

use crate::cmd::scan::ScanFormat;
use crate::output::outln;
use failwell_store::{Decision, Store};
use std::io::Write;
use std::process::ExitCode;

/// Options of `failwell decide`.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("verdict").required(true).args(["accept", "decline"])))]
pub struct DecideArgs {
    /// The recorded scan whose recommendation is decided on (`recorded.scan_id` of `failwell scan --format json`).
    #[arg(long = "scan")]
    pub scan: i64,
    /// The organisation's code.
    #[arg(long)]
    pub organisation: String,
    /// Accept the recommended rung.
    #[arg(long)]
    pub accept: bool,
    /// Decline the recommended rung.
    #[arg(long)]
    pub decline: bool,
    /// Why (required, not blank).
    #[arg(long, value_parser = not_blank)]
    pub reason: String,
    /// Who decides (required, not blank).
    #[arg(long = "by", value_parser = not_blank)]
    pub by: String,
}

/// Options of `failwell decisions`.
#[derive(Debug, Clone, clap::Args)]
pub struct DecisionsArgs {
    /// Only this organisation's decisions.
    #[arg(long)]
    pub organisation: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
}

fn not_blank(s: &str) -> Result<String, String> {
    if s.trim().is_empty() { Err("must not be empty".into()) } else { Ok(s.trim().to_string()) }
}

/// One decision as a line of text.
pub fn line(d: &Decision) -> String {
    format!(
        "#{} {} {} {} (scan {} as of {}) by {} on {}: {}",
        d.id,
        d.organisation,
        d.decision,
        d.recommended_rung,
        d.scan_id,
        d.scan_as_of,
        d.decided_by,
        d.decided_at,
        d.reason
    )
}

/// Runs `failwell decide`.
pub async fn decide(database: &str, args: &DecideArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(database).await?;
    let result = async {
        let decided = failwell_engine::decide::decide(
            &store,
            args.scan,
            &args.organisation,
            args.accept,
            &args.reason,
            &args.by,
            None,
        )
        .await?;
        let d = decided.decision;
        if d.scan_id != args.scan {
            outln!(
                "scan {} repeated the recommendation that scan {} made: the decision refers to scan {}",
                args.scan,
                d.scan_id,
                d.scan_id
            )?;
        }
        outln!("recorded decision {}", line(&d))?;
        Ok::<(), anyhow::Error>(())
    }
    .await;
    store.close().await;
    result?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `failwell decisions`.
pub async fn list(database: &str, args: &DecisionsArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(database).await?;
    let decisions = store.decisions(args.organisation.as_deref()).await;
    store.close().await;
    let decisions = decisions?;
    match args.format {
        ScanFormat::Json => crate::output::write_json(&serde_json::json!({ "decisions": decisions }))?,
        ScanFormat::Text => {
            let mut out = crate::output::stdout();
            if decisions.is_empty() {
                writeln!(out, "no decisions recorded")?;
            }
            for d in &decisions {
                writeln!(out, "{}", line(d))?;
            }
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
