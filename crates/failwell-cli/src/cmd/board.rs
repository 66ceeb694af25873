//! `failwell board …`: board reviews of an intervention. A meeting's minutes and
//! decisions are recorded against the case; a pack for the next meeting is the web page
//! `/interventions/{id}/pack`, printed to PDF by headless Chromium, so the PDF and the
//! page are the same document with the same charts and tables.

use crate::cmd::scan::{parse_date, today_or};
use crate::output::outln;
use anyhow::Context;
use failwell_domain::dates::iso;
use failwell_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;
use time::Date;

/// The board commands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum BoardCommand {
    /// Record a board meeting of an intervention, with its minutes and decisions (append-only).
    Meeting {
        /// The intervention.
        id: i64,
        /// The day it was held.
        #[arg(long, value_parser = parse_date)]
        on: Date,
        /// The minutes.
        #[arg(long)]
        minutes: String,
        /// A decision taken (repeat for several).
        #[arg(long = "decision")]
        decisions: Vec<String>,
        /// Who records it.
        #[arg(long = "by")]
        by: String,
    },
    /// List an intervention's board meetings.
    Meetings {
        /// The intervention.
        id: i64,
    },
    /// Print the board pack for a meeting to PDF with headless Chromium (the pack's page is /interventions/ID/pack under `failwell serve`).
    Pack {
        /// The intervention.
        id: i64,
        /// The meeting's day [default: today].
        #[arg(long, value_parser = parse_date)]
        today: Option<Date>,
        /// Where to write the PDF.
        #[arg(long)]
        pdf: PathBuf,
        /// The Chromium to print with [default: the first of chromium, chromium-browser, google-chrome on PATH].
        #[arg(long)]
        chromium: Option<PathBuf>,
    },
}

/// Runs a board command.
pub async fn run(database: &str, command: &BoardCommand) -> anyhow::Result<ExitCode> {
    let store = Store::open(database).await?;
    let result = dispatch(&store, command).await;
    store.close().await;
    result
}

async fn dispatch(store: &Store, command: &BoardCommand) -> anyhow::Result<ExitCode> {
    match command {
        BoardCommand::Meeting { id, on, minutes, decisions, by } => {
            let m = failwell_engine::casework::board::record_meeting(store, *id, *on, minutes, decisions, by).await?;
            outln!("board meeting {m} of intervention {id} recorded ({} decision(s))", decisions.len())?;
        }
        BoardCommand::Meetings { id } => {
            let list = store.meetings(*id).await?;
            if list.is_empty() {
                outln!("no board meetings recorded for intervention {id}")?;
            }
            for m in &list {
                outln!("#{} {} ({}): {}", m.id, m.held_on, m.recorded_by, m.minutes)?;
                for d in &m.decisions {
                    outln!("    decided: {d}")?;
                }
            }
        }
        BoardCommand::Pack { id, today, pdf, chromium } => {
            if store.intervention(*id).await?.is_none() {
                anyhow::bail!("there is no intervention {id}");
            }
            let chromium = match chromium {
                Some(c) => c.clone(),
                None => find_chromium().context(
                    "no Chromium found on PATH (chromium, chromium-browser or google-chrome): install one or pass --chromium",
                )?,
            };
            let today = today_or(*today);
            print_pack(store, *id, today, pdf, &chromium).await?;
            outln!("board pack of intervention {id} for {} written to {}", iso(today), pdf.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Serves the store on a loopback port of its own for as long as Chromium prints the
/// pack's page, then stops.
async fn print_pack(
    store: &Store,
    id: i64,
    today: Date,
    pdf: &std::path::Path,
    chromium: &std::path::Path,
) -> anyhow::Result<()> {
    let (server, key) = failwell_web::Server::bind_for_printing(store.clone()).await?;
    let addr = server.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    let url = format!("http://{addr}/interventions/{id}/pack?today={}&print_key={key}", iso(today));
    let profile = tempfile::tempdir().context("a temporary Chromium profile")?;
    let mut cmd = std::process::Command::new(chromium);
    cmd.args(["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(&url);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await?
        .with_context(|| format!("running {}", chromium.display()))?;
    let _ = stop.send(());
    serving.await??;
    let written = std::fs::read(pdf).unwrap_or_default();
    if !out.status.success() || !written.starts_with(b"%PDF") {
        anyhow::bail!(
            "Chromium did not print the pack ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).lines().rev().take(5).collect::<Vec<_>>().join(" | ")
        );
    }
    Ok(())
}
