//! `failwell`: the command line.
//!
//! The top of the architecture: it reads flags and files, opens the store, and reports
//! errors with `anyhow`. Judgement lives below it; this crate only wires things together.

mod allocator;
mod cmd;
mod config;
mod output;
mod progress;
mod scan_text;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// See failure early, respond with the lightest intervention that works.
#[derive(Debug, Parser)]
#[command(name = "failwell", version, about, long_about = None)]
pub struct Cli {
    /// The store: a SQLite file path (created if missing) or postgres://… [default: $FAILWELL_DATABASE_URL, else failwell.db; for `demo`: failwell-demo.db, rebuilt]
    #[arg(long, global = true)]
    database: Option<String>,

    /// A TOML file of settings (database, addr, log, smtp.host, smtp.port, smtp.security,
    /// smtp.user, smtp.from, webhook.url): each fills its environment variable when that is unset, so a
    /// flag beats the environment, which beats the file (see docs/configuration.md).
    #[arg(long, global = true, env = "FAILWELL_CONFIG", value_name = "FILE")]
    config: Option<std::path::PathBuf>,

    /// Log more (-v info, -vv debug); logs go to standard error.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load the real demo data (English councils' children's services, Ofsted ILACS, NHS trusts, the report's case studies) into a fresh store.
    Demo(cmd::demo::DemoArgs),
    /// Import records from CSV or JSON Lines files: all-or-nothing, re-runnable.
    Import(cmd::import::ImportArgs),
    /// Export the current revision of every record of a kind, in the format import reads.
    Export(cmd::export::ExportArgs),
    /// Summarise what the store holds.
    Status,
    /// Regimes as data: check a regime file, add versions to the store, list them.
    #[command(subcommand)]
    Regime(cmd::regime::RegimeCommand),
    /// Show what a newer regime (definitions, rules, weights) would change in every judgement.
    Diff(cmd::diff::DiffArgs),
    /// Early-warning scan: signals, risk per failure type and the recommended rung for every organisation.
    Scan(cmd::scan::ScanArgs),
    /// Backtest the scan on the judgements in the store: as-of scans the day before each, out-of-time thresholds, recall, false alarms, ROC and PR AUC beside previous-grade baselines.
    Backtest(cmd::backtest::BacktestArgs),
    /// Fit the learned score's weights on the judgements in the store and write them into a new version of the regime (a file, the store, or both).
    Calibrate(cmd::calibrate::CalibrateArgs),
    /// Making Data Count XmR chart over a table of values, one row per point.
    Spc(failwell_analyst::spc::SpcArgs),
    /// Funnel plot of proportions or ratios against their denominators, one row per unit.
    Funnel(failwell_analyst::funnel::FunnelArgs),
    /// CUSUM of outcomes against expected risk or counts, one row per case or period.
    Cusum(failwell_analyst::cusum::CusumArgs),
    /// Accept or decline a recorded scan's recommendation for an organisation, with a reason (append-only).
    Decide(cmd::decide::DecideArgs),
    /// List the decisions taken on recommendations.
    Decisions(cmd::decide::DecisionsArgs),
    /// Casework: open, step, close interventions on the ladder; obligations due; journeys and relapses; the audit log.
    #[command(subcommand)]
    Intervention(cmd::intervention::InterventionCommand),
    /// Improvement plans: themes, actions, progress, criteria and judgements; a case's review with RAG and exit readiness; check-ins after exit.
    #[command(subcommand)]
    Plan(cmd::plan::PlanCommand),
    /// Board reviews: record a meeting's minutes and decisions; print the pack for the next meeting to PDF.
    #[command(subcommand)]
    Board(cmd::board::BoardCommand),
    /// Send the day's reminders: one e-mail digest per person of what is overdue, due today or due soon (never twice a day).
    Remind(cmd::remind::RemindArgs),
    /// Measure import throughput against the database's own bulk loader.
    Bench(cmd::bench::BenchArgs),
    /// Accounts for the web service and the API: add, list, set a password, disable, make an API token.
    #[command(subcommand)]
    User(cmd::user::UserCommand),
    /// Serve the web pages and the JSON API (/api/v1) until Ctrl-C or SIGTERM.
    Serve(cmd::serve::ServeArgs),
}

fn main() -> ExitCode {
    allocator::tune();
    // Before clap reads the environment, and before any thread exists.
    if let Err(e) = config::apply(&std::env::args_os().collect::<Vec<_>>()) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    // Serving logs each request (with its id) by default; other commands only warnings.
    let serving = match &cli.command {
        Command::Serve(_) => true,
        Command::Demo(args) => !args.no_serve && !args.print_recipe,
        _ => false,
    };
    let level = match cli.verbose {
        0 if serving => "warn,failwell_web=info,failwell_cli=info",
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("FAILWELL_LOG").unwrap_or_else(|_| level.into()))
        .with_writer(std::io::stderr)
        // Colour codes only at a terminal: a service's log usually goes to a file or journal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) if output::reader_gone(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // The demo rebuilds its store, so it never takes the store from the environment:
    // only an explicit --database or its own default file.
    if let Command::Demo(args) = &cli.command {
        return cmd::demo::run(cli.database.as_deref().unwrap_or("failwell-demo.db"), args).await;
    }
    let database = cli
        .database
        .clone()
        .or_else(|| std::env::var("FAILWELL_DATABASE_URL").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "failwell.db".into());
    let database = &database;
    match &cli.command {
        Command::Demo(_) => unreachable!("handled above"),
        Command::Import(args) => cmd::import::run(database, args).await,
        Command::Export(args) => cmd::export::run(database, args).await,
        Command::Status => cmd::status::run(database).await,
        Command::Regime(c) => cmd::regime::run(database, c).await,
        Command::Scan(args) => cmd::scan::run(database, args).await,
        Command::Diff(args) => cmd::diff::run(database, args).await,
        Command::Backtest(args) => cmd::backtest::run(database, args).await,
        Command::Calibrate(args) => cmd::calibrate::run(database, args).await,
        Command::Spc(args) => cmd::analyst::run(args.file.as_deref(), |i, o| failwell_analyst::spc::run(args, i, o)),
        Command::Funnel(args) => {
            cmd::analyst::run(args.file.as_deref(), |i, o| failwell_analyst::funnel::run(args, i, o))
        }
        Command::Cusum(args) => {
            cmd::analyst::run(args.file.as_deref(), |i, o| failwell_analyst::cusum::run(args, i, o))
        }
        Command::Decide(args) => cmd::decide::decide(database, args).await,
        Command::Decisions(args) => cmd::decide::list(database, args).await,
        Command::Intervention(c) => cmd::intervention::run(database, c).await,
        Command::Plan(c) => cmd::plan::run(database, c).await,
        Command::Board(c) => cmd::board::run(database, c).await,
        Command::Remind(args) => cmd::remind::run(database, args).await,
        Command::Bench(args) => cmd::bench::run(args).await,
        Command::User(c) => cmd::user::run(database, c).await,
        Command::Serve(args) => cmd::serve::run(database, args.addr).await,
    }
}
