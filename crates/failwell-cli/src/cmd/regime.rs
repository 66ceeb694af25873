//! `failwell regime`: check a regime file before anything relies on it.

use anyhow::Context;
use failwell_domain::regime::Regime;
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
}

/// Runs `failwell regime …`.
pub fn run(command: &RegimeCommand) -> anyhow::Result<ExitCode> {
    let RegimeCommand::Check { file } = command;
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
                eprintln!("{name}: {} errors", errors.0.len());
                return Ok(ExitCode::FAILURE);
            }
            println!(
                "{name}: ok — regime {} version {}: {} sectors, {} ladders, {} rating scales, {} actors, {} trigger rules",
                regime.id,
                regime.version,
                regime.sectors.len(),
                regime.ladders.len(),
                regime.scales.len(),
                regime.actors.len(),
                regime.trigger_rules.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            for e in errors.iter() {
                eprintln!("{name}:{}:{}: {}", e.line, e.column, e.message);
            }
            eprintln!("{name}: {} errors", errors.len());
            Ok(ExitCode::FAILURE)
        }
    }
}
