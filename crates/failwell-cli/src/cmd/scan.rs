//! `failwell scan`: the early-warning scan of every organisation as known on a day.

use anyhow::Context;
use failwell_domain::regime::Regime;
use failwell_engine::{RuleBook, ScanOptions};
use failwell_store::Store;
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
    /// Judge under this version of the regime: the built-in one if it has this version, else
    /// one added with `failwell regime add` (of the built-in's id, or of --regime's).
    #[arg(long)]
    pub regime_version: Option<String>,
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

/// `d`, or today when not given: a command's day defaults to the day it is run.
pub fn today_or(d: Option<time::Date>) -> time::Date {
    d.unwrap_or_else(|| time::OffsetDateTime::now_utc().date())
}

/// Reads a `YYYY-MM-DD` flag.
pub fn parse_date(s: &str) -> Result<time::Date, String> {
    failwell_domain::dates::parse_date(s).map_err(|e| format!("{s:?} is not a date (YYYY-MM-DD): {e}"))
}

/// Validates a regime's text and compiles its trigger rules, reporting every problem with
/// its line; `name` says where the text came from.
pub fn compile_regime(name: &str, text: &str) -> anyhow::Result<(Regime, RuleBook)> {
    let regime = Regime::from_toml_str(text).map_err(|e| anyhow::anyhow!("{name}: invalid regime:\n{e}"))?;
    let rules = RuleBook::compile(&regime, Some(text)).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    Ok((regime, rules))
}

/// Loads a regime and compiles its trigger rules, reporting every problem with its line.
pub fn load_regime(path: Option<&PathBuf>) -> anyhow::Result<(Regime, RuleBook)> {
    load_regime_text(path).map(|c| (c.regime, c.rules))
}

/// A regime chosen to judge under, compiled, with the text it was read from (which
/// `failwell calibrate` edits into a new version).
pub struct Chosen {
    /// The regime.
    pub regime: Regime,
    /// Its trigger rules, compiled.
    pub rules: RuleBook,
    /// Its TOML text.
    pub text: String,
}

fn load_regime_text(path: Option<&PathBuf>) -> anyhow::Result<Chosen> {
    let (name, text) = match path {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        ),
        None => ("built-in england.toml".to_string(), failwell_domain::regime::ENGLAND.to_string()),
    };
    let (regime, rules) = compile_regime(&name, &text)?;
    Ok(Chosen { regime, rules, text })
}

/// The regime to judge under: `path` (default: the built-in), or, with `version`, that
/// version of its id: the built-in if it has that version, else `path` itself if it has it,
/// else the one stored by `failwell regime add`. An unknown version is an error listing
/// the versions there are.
pub async fn choose_regime(
    store: &Store,
    path: Option<&PathBuf>,
    version: Option<&str>,
) -> anyhow::Result<(Regime, RuleBook)> {
    choose_regime_text(store, path, version).await.map(|c| (c.regime, c.rules))
}

/// As [`choose_regime`], keeping the regime's text.
pub async fn choose_regime_text(
    store: &Store,
    path: Option<&PathBuf>,
    version: Option<&str>,
) -> anyhow::Result<Chosen> {
    let Some(version) = version else { return load_regime_text(path) };
    let builtin = load_regime_text(None)?;
    let given = match path {
        Some(_) => Some(load_regime_text(path)?),
        None => None,
    };
    let id = given.as_ref().map_or(&builtin.regime.id, |g| &g.regime.id).clone();
    let given_version = given.as_ref().map(|g| g.regime.version.clone());
    if builtin.regime.id == id && builtin.regime.version == version {
        return Ok(builtin);
    }
    if let Some(g) = given.filter(|g| g.regime.version == version) {
        return Ok(g);
    }
    if let Some(stored) = store.regime(&id, version).await? {
        let (regime, rules) = compile_regime(&format!("stored regime {id} version {version}"), &stored.text)?;
        return Ok(Chosen { regime, rules, text: stored.text });
    }
    let mut available: Vec<String> = Vec::new();
    if builtin.regime.id == id {
        available.push(format!("{} (built-in)", builtin.regime.version));
    }
    if let Some(v) = given_version.filter(|v| builtin.regime.id != id || *v != builtin.regime.version) {
        available.push(format!("{v} (--regime file)"));
    }
    available
        .extend(store.regimes().await?.into_iter().filter(|r| r.id == id).map(|r| format!("{} (stored)", r.version)));
    anyhow::bail!(
        "no version {version:?} of regime {id}: the versions available are {}; add one with `failwell regime add FILE`",
        available.join(", ")
    )
}

/// Runs `failwell scan`.
pub async fn run(database: &str, args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    // A regime file is checked before the store is opened: a bad file touches nothing.
    let chosen = if args.regime_version.is_none() { Some(load_regime(args.regime.as_ref())?) } else { None };
    let store = Store::open(database).await?;
    // A store with nothing in it (a mistyped path makes one) has nothing to scan, and a
    // recorded scan of it would be a record of nothing.
    if store.has_organisations().await.is_ok_and(|any| !any) {
        store.close().await;
        anyhow::bail!(
            "the store {} holds no organisations, so there is nothing to scan: import a registry first (failwell import organisations FILE), or build the demo store (failwell demo --no-serve)",
            crate::cmd::demo::redact(database)
        );
    }
    let (regime, rules) = match chosen {
        Some(c) => c,
        None => match choose_regime(&store, args.regime.as_ref(), args.regime_version.as_deref()).await {
            Ok(c) => c,
            Err(e) => {
                store.close().await;
                return Err(e);
            }
        },
    };
    let record = if args.as_of.is_some() { args.record } else { !args.no_record };
    let options = ScanOptions { as_of: args.as_of, full: args.full, record, ..ScanOptions::default() };
    let decisions = match store.decisions(None).await {
        Ok(d) => d,
        Err(e) => {
            store.close().await;
            return Err(e.into());
        }
    };
    tracing::debug!(elapsed = ?started.elapsed(), "regime compiled and store opened");
    // The report is rendered while the engine writes the scan to the store, and printed
    // only once the scan is committed.
    let (organisations, format, all) = (args.organisations.clone(), args.format, args.all);
    let scanned = failwell_engine::scan_then(&store, &regime, &rules, &options, move |mut report| {
        failwell_engine::record::decisions::recall_declines(&mut report, &decisions);
        if !organisations.is_empty() {
            report.organisations.retain(|o| organisations.contains(&o.organisation));
            // And the groups they belong to; the national view stays, as their context.
            report.systems.retain(|g| g.members.iter().any(|m| organisations.contains(m)));
        }
        let rendered = match format {
            ScanFormat::Json => crate::output::json_parts(&mut report),
            ScanFormat::Text => Ok(vec![crate::scan_text::render_text(&report, all).into_bytes()]),
        };
        let recorded = report.recorded.clone();
        // At England scale the report is a million allocations: the process is ending,
        // and handing its memory back at exit is much faster than freeing them one by one.
        std::mem::forget(report);
        (rendered, recorded)
    })
    .await;
    // A recorded scan is a move on the store, in the audit log as the web's button is.
    let audited = match &scanned {
        Ok((_, Some(recorded))) => super::audit_recorded_scan(&store, recorded).await,
        Err(e) if record => super::audit(&store, "record scan", ("scan", &e.to_string()), "refused").await,
        _ => Ok(()),
    };
    store.close().await;
    let (rendered, _) = scanned?;
    audited?;
    let rendered = rendered?;
    tracing::debug!(elapsed = ?started.elapsed(), "scanned and rendered");
    crate::output::write_parts(&rendered)?;
    tracing::debug!(elapsed = ?started.elapsed(), "report written");
    Ok(ExitCode::SUCCESS)
}
