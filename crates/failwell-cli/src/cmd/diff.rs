//! `failwell diff`: what a newer definition would have changed.
//!
//! Definitions move (after Mid Staffordshire, after Rotherham). This scans the same
//! evidence, as known on the same day, under two regimes and lists every organisation whose
//! overall band, band for a failure type, or recommended rung would differ (the engine's
//! [`failwell_engine::diff::changes`] says what differs; this chooses the regimes and prints).

use crate::cmd::scan::{ScanFormat, choose_regime, load_regime};
use failwell_engine::ScanOptions;
use failwell_store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `failwell diff`.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// The newer regime (TOML) to compare.
    #[arg(long, required_unless_present = "regime_version", conflicts_with = "regime_version")]
    pub new: Option<PathBuf>,
    /// Compare with this version of the old regime's id instead of a file: the built-in
    /// one or one added with `failwell regime add`.
    #[arg(long)]
    pub regime_version: Option<String>,
    /// The regime the current judgements use; default: the built-in England regime.
    #[arg(long)]
    pub old: Option<PathBuf>,
    /// Use this version of the old regime's id (built-in or added) as the old regime.
    #[arg(long)]
    pub old_version: Option<String>,
    /// Judge with what was published on or before this day (YYYY-MM-DD); default: everything stored.
    #[arg(long, value_parser = crate::cmd::scan::parse_date)]
    pub as_of: Option<time::Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
}

/// Runs `failwell diff`.
pub async fn run(database: &str, args: &DiffArgs) -> anyhow::Result<ExitCode> {
    if let Some(new) = &args.new {
        load_regime(Some(new))?;
    }
    load_regime(args.old.as_ref())?;
    let store = Store::open(database).await?;
    let chosen = async {
        let old = choose_regime(&store, args.old.as_ref(), args.old_version.as_deref()).await?;
        let new = match &args.new {
            Some(p) => load_regime(Some(p))?,
            None => choose_regime(&store, args.old.as_ref(), args.regime_version.as_deref()).await?,
        };
        anyhow::Ok((old, new))
    }
    .await;
    let ((old_regime, old_rules), (new_regime, new_rules)) = match chosen {
        Ok(c) => c,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    let options = ScanOptions { as_of: args.as_of, ..ScanOptions::default() };
    let before = failwell_engine::scan(&store, &old_regime, &old_rules, &options).await?;
    let after = failwell_engine::scan(&store, &new_regime, &new_rules, &options).await?;
    store.close().await;

    let changes = failwell_engine::diff::changes(&before.organisations, &after.organisations);
    match args.format {
        ScanFormat::Json => {
            let doc = serde_json::json!({
                "as_of": after.as_of,
                "old": { "regime": before.regime, "version": before.regime_version },
                "new": { "regime": after.regime, "version": after.regime_version },
                "changes": changes,
            });
            crate::output::write_json(&doc)?;
        }
        ScanFormat::Text => {
            let mut out = crate::output::stdout();
            let orgs: std::collections::BTreeSet<&str> = changes.iter().map(|c| c.organisation.as_str()).collect();
            writeln!(
                out,
                "failwell diff as of {} — {} {} → {} {}: {} organisations would be judged differently",
                after.as_of,
                before.regime,
                before.regime_version,
                after.regime,
                after.regime_version,
                orgs.len()
            )?;
            for c in &changes {
                writeln!(out, "{} {}: {} {} → {}", c.organisation, c.name, c.field, c.old, c.new)?;
            }
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
