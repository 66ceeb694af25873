//! `failwell calibrate`: fit the learned score's weights on the store's judgements and
//! write them into a new version of the regime — to a file, into the store, or both. The
//! engine fits them (`failwell_engine::backtest::calibrate`); this chooses the regime,
//! shows the weights and the out-of-time figures, and keeps the result.

use crate::cmd::scan::{choose_regime_text, compile_regime, parse_date};
use crate::output::outln;
use anyhow::Context;
use failwell_engine::backtest::BacktestOptions;
use failwell_engine::backtest::calibrate::calibrate;
use failwell_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `failwell calibrate`.
#[derive(Debug, Clone, clap::Args)]
pub struct CalibrateArgs {
    /// The judgement series the score foretells: inspections of this framework.
    #[arg(long, default_value = "ilacs")]
    pub framework: String,
    /// Judgements of this framework are fitted on too (repeatable; e.g. `sif`).
    #[arg(long)]
    pub train_also: Vec<String>,
    /// Fit on judgements published before this day only (YYYY-MM-DD) [default: all].
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<time::Date>,
    /// Candidate ridge penalties (comma-separated, strongest first), chosen on earlier years.
    #[arg(long, value_delimiter = ',', default_value = "30,10,3,1,0.3")]
    pub penalties: Vec<f64>,
    /// False-alarm rate the threshold may reach on the years it is fixed on.
    #[arg(long, default_value_t = 0.16)]
    pub false_alarm_rate: f64,
    /// Grades ranked at or above this (1 = best) are sound.
    #[arg(long, default_value_t = 2)]
    pub sound_rank: i64,
    /// The regime to start from (TOML); default: the built-in England regime.
    #[arg(long)]
    pub regime: Option<PathBuf>,
    /// Start from this version of the regime (see `failwell scan --regime-version`).
    #[arg(long)]
    pub regime_version: Option<String>,
    /// The new version's name [default: the old one with +calibrated.DAY].
    #[arg(long = "new-version")]
    pub new_version: Option<String>,
    /// Write the new version's TOML to this file.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Keep the new version in the store (as `failwell regime add` does).
    #[arg(long)]
    pub add: bool,
}

/// Runs `failwell calibrate`.
pub async fn run(database: &str, args: &CalibrateArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.false_alarm_rate),
        "--false-alarm-rate must be between 0 and 1, not {}",
        args.false_alarm_rate
    );
    anyhow::ensure!(
        args.output.is_some() || args.add,
        "say where the new version goes: --output FILE, --add (into the store), or both"
    );
    let store = Store::open(database).await?;
    let result = async {
        let chosen = choose_regime_text(&store, args.regime.as_ref(), args.regime_version.as_deref()).await?;
        let options = BacktestOptions {
            framework: args.framework.clone(),
            train_also: args.train_also.clone(),
            penalties: args.penalties.clone(),
            sound_rank: args.sound_rank,
            target_false_alarm_rate: args.false_alarm_rate,
            // The figures quoted in the section need no intervals.
            resamples: 0,
            ..BacktestOptions::default()
        };
        let bar = crate::progress::count_bar("as-of scans");
        let progress = |done: usize, total: usize| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        };
        let calibration = calibrate(
            &store,
            (&chosen.regime, &chosen.rules, &chosen.text),
            &options,
            args.as_of,
            args.new_version.as_deref(),
            &progress,
        )
        .await;
        bar.finish_and_clear();
        let calibration = calibration?;
        // Checked as `regime add` checks a file, trigger rules compiled.
        let (regime, _) =
            compile_regime(&format!("calibrated version {}", calibration.version), &calibration.regime_text)?;
        outln!("{}", calibration.section.trim_end())?;
        if let Some(path) = &args.output {
            std::fs::write(path, &calibration.regime_text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            outln!("wrote regime {} version {} to {}", regime.id, calibration.version, path.display())?;
        }
        if args.add {
            crate::cmd::regime::keep(&store, &regime, &calibration.regime_text, "the calibrated regime").await?;
        }
        Ok::<_, anyhow::Error>(())
    }
    .await;
    store.close().await;
    result?;
    Ok(ExitCode::SUCCESS)
}
