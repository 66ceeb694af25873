//! `failwell scan`: the early-warning scan of every organisation as known on a day.

use anyhow::Context;
use failwell_domain::regime::Regime;
use failwell_engine::{RuleBook, ScanOptions};
use failwell_store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Output formats of `failwell scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    /// A readable report, worst first.
    Text,
    /// One JSON document: `{as_of, regime, regime_version, rule_set, organisations: [...]}`.
    Json,
}

/// Options of `failwell scan`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScanArgs {
    /// Judge with what was published on or before this day (YYYY-MM-DD); default: everything stored.
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<time::Date>,
    /// The regime (TOML); default: the built-in England regime.
    #[arg(long)]
    pub regime: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// List every organisation in the text report, including the quiet ones.
    #[arg(long)]
    pub all: bool,
    /// Only these organisations (codes; repeatable) in the output.
    #[arg(long = "organisation")]
    pub organisations: Vec<String>,
    /// Chart every series, even when the last recorded scan could be continued with only
    /// the series changed since.
    #[arg(long)]
    pub full: bool,
    /// Do not record this scan (a scan of "now" is recorded by default: its signals
    /// continue or close earlier ones, and the next scan can be incremental).
    #[arg(long, conflicts_with = "record")]
    pub no_record: bool,
    /// Record an --as-of scan too (e.g. replaying months in order); refused silently for a
    /// day before the last recorded scan.
    #[arg(long)]
    pub record: bool,
}

/// Reads a `YYYY-MM-DD` flag.
pub fn parse_date(s: &str) -> Result<time::Date, String> {
    failwell_domain::dates::parse_date(s).map_err(|e| format!("{s:?} is not a date (YYYY-MM-DD): {e}"))
}

/// Loads a regime and compiles its trigger rules, reporting every problem with its line.
pub fn load_regime(path: Option<&PathBuf>) -> anyhow::Result<(Regime, RuleBook)> {
    let (name, text) = match path {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        ),
        None => ("built-in england.toml".to_string(), failwell_domain::regime::ENGLAND.to_string()),
    };
    let regime = Regime::from_toml_str(&text).map_err(|e| anyhow::anyhow!("{name}: invalid regime:\n{e}"))?;
    let rules = RuleBook::compile(&regime, Some(&text)).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    Ok((regime, rules))
}

/// Runs `failwell scan`.
pub async fn run(database: &str, args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let (regime, rules) = load_regime(args.regime.as_ref())?;
    let store = Store::open(database).await?;
    let record = if args.as_of.is_some() { args.record } else { !args.no_record };
    let options = ScanOptions { as_of: args.as_of, full: args.full, record, ..ScanOptions::default() };
    let mut report = failwell_engine::scan(&store, &regime, &rules, &options).await?;
    store.close().await;
    if !args.organisations.is_empty() {
        report.organisations.retain(|o| args.organisations.contains(&o.organisation));
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        ScanFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        ScanFormat::Text => out.write_all(failwell_engine::report::render_text(&report, args.all).as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
