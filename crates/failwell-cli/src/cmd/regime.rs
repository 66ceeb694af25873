//! `failwell regime`: check a regime file before anything relies on it, keep versions of
//! a regime in the store (`add`, `list`) so that scans can be judged again under them.

use crate::cmd::scan::compile_regime;
use crate::output::outln;
use anyhow::Context;
use failwell_domain::regime::Regime;
use failwell_store::{RegimeAdded, Store};
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `failwell regime`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum RegimeCommand {
    /// Validate a regime file and report every error with its line and column.
    Check {
        /// The regime (TOML); without it, the built-in England regime is checked.
        file: Option<PathBuf>,
    },
    /// Validate a regime file and keep it in the store under its id and version, for
    /// `scan --regime-version` and `diff --regime-version`. A version, once added, is never replaced.
    Add {
        /// The regime (TOML).
        file: PathBuf,
    },
    /// List the regime versions available: the built-in one and those added to the store.
    List,
}

/// Runs `failwell regime …`.
pub async fn run(database: &str, command: &RegimeCommand) -> anyhow::Result<ExitCode> {
    match command {
        RegimeCommand::Check { file } => check(file.as_ref()),
        RegimeCommand::Add { file } => add(database, file).await,
        RegimeCommand::List => list(database).await,
    }
}

async fn add(database: &str, file: &PathBuf) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (regime, _) = compile_regime(&file.display().to_string(), &text)?;
    let store = Store::open(database).await?;
    let kept = keep(&store, &regime, &text, &file.display().to_string()).await;
    store.close().await;
    kept?;
    Ok(ExitCode::SUCCESS)
}

/// Keeps a validated regime's text in the store under its id and version, saying what
/// happened; `name` says where the text came from. A version is never replaced, and the
/// built-in regime's id and version are its own.
pub async fn keep(store: &Store, regime: &Regime, text: &str, name: &str) -> anyhow::Result<()> {
    let builtin = Regime::from_toml_str(failwell_domain::regime::ENGLAND)
        .map_err(|e| anyhow::anyhow!("built-in regime invalid:\n{e}"))?;
    if builtin.id == regime.id && builtin.version == regime.version {
        if text == failwell_domain::regime::ENGLAND {
            outln!("regime {} version {} is the built-in one: nothing to add", regime.id, regime.version)?;
            return Ok(());
        }
        anyhow::bail!(
            "{name}: regime {} version {} is the built-in regime's id and version, with different text: give it a version of its own",
            regime.id,
            regime.version
        );
    }
    match store.add_regime(&regime.id, &regime.version, text).await? {
        RegimeAdded::Added => outln!("added regime {} version {}", regime.id, regime.version)?,
        RegimeAdded::Unchanged => outln!(
            "regime {} version {} is stored already with the same text: nothing changed",
            regime.id,
            regime.version
        )?,
        RegimeAdded::Conflict => anyhow::bail!(
            "{name}: regime {} version {} is stored already with different text: a version is never replaced, give the new definition a new version",
            regime.id,
            regime.version
        ),
    }
    Ok(())
}

async fn list(database: &str) -> anyhow::Result<ExitCode> {
    let builtin = Regime::from_toml_str(failwell_domain::regime::ENGLAND)
        .map_err(|e| anyhow::anyhow!("built-in regime invalid:\n{e}"))?;
    let store = Store::open(database).await?;
    let stored = store.regimes().await;
    store.close().await;
    outln!("{} {} built-in", builtin.id, builtin.version)?;
    for r in stored? {
        outln!("{} {} added {}", r.id, r.version, r.added_at)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn check(file: Option<&PathBuf>) -> anyhow::Result<ExitCode> {
    let (name, text) = match file {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        ),
        None => ("built-in england.toml".to_string(), failwell_domain::regime::ENGLAND.to_string()),
    };
    match Regime::from_toml_str(&text) {
        Ok(regime) => {
            if let Err(errors) = failwell_engine::RuleBook::compile(&regime, Some(&text)) {
                for e in &errors.0 {
                    eprintln!("{name}:{}:{}: {}", e.line, e.column, e.message);
                }
                eprintln!("{name}: {} error{}", errors.0.len(), if errors.0.len() == 1 { "" } else { "s" });
                return Ok(ExitCode::FAILURE);
            }
            outln!(
                "{name}: ok — regime {} version {}: {} sectors, {} ladders, {} rating scales, {} actors, {} trigger rules",
                regime.id,
                regime.version,
                regime.sectors.len(),
                regime.ladders.len(),
                regime.scales.len(),
                regime.actors.len(),
                regime.trigger_rules.len()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            for e in errors.iter() {
                eprintln!("{name}:{}:{}: {}", e.line, e.column, e.message);
            }
            eprintln!("{name}: {} error{}", errors.len(), if errors.len() == 1 { "" } else { "s" });
            Ok(ExitCode::FAILURE)
        }
    }
}
