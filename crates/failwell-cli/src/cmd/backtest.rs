//! `failwell backtest`: how well the scan would have foreseen the judgements in the store,
//! beside the previous-grade baselines. The engine runs it (`failwell_engine::backtest`);
//! this renders it as text, JSON or CSV.

use crate::cmd::scan::{choose_regime, parse_date};
use crate::output::outln;
use failwell_engine::backtest::figures::{Case, Estimate, Outcome};
use failwell_engine::backtest::{Backtest, BacktestOptions, YearFlags, backtest};
use failwell_store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Output formats of `failwell backtest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BacktestFormat {
    /// The figures, then every hit, miss and false alarm with its reasons.
    Text,
    /// One JSON document: options, figures and every case.
    Json,
    /// One row per case (judgement), with its score, flag and outcome.
    Csv,
}

/// Options of `failwell backtest`.
#[derive(Debug, Clone, clap::Args)]
pub struct BacktestArgs {
    /// The judgement series: inspections of this framework.
    #[arg(long, default_value = "ilacs")]
    pub framework: String,
    /// Judgements of this framework are cases to fit on too, never evaluated (repeatable;
    /// e.g. `sif`, the series before ILACS).
    #[arg(long)]
    pub train_also: Vec<String>,
    /// Candidate ridge penalties of the learned score's logistic regression (comma-separated,
    /// strongest first); each year's is chosen on the earlier years alone.
    #[arg(long, value_delimiter = ',', default_value = "30,10,3,1,0.3")]
    pub penalties: Vec<f64>,
    /// Only judgements published on or after this day (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    pub from: Option<time::Date>,
    /// Only judgements published on or before this day (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    pub to: Option<time::Date>,
    /// First evaluated year; thresholds are fixed on the years before each evaluated year
    /// [default: the year after the series' first].
    #[arg(long)]
    pub evaluate_from: Option<i32>,
    /// False-alarm rate the score's threshold may reach on the years it is fixed on.
    #[arg(long, default_value_t = 0.16)]
    pub false_alarm_rate: f64,
    /// Grades ranked at or above this (1 = best) are sound; a flag on one is a false alarm.
    #[arg(long, default_value_t = 2)]
    pub sound_rank: i64,
    /// Bootstrap resamples per confidence interval.
    #[arg(long, default_value_t = 1000)]
    pub resamples: usize,
    /// The regime (TOML); default: the built-in England regime.
    #[arg(long)]
    pub regime: Option<PathBuf>,
    /// Judge under this version of the regime (see `failwell scan --regime-version`).
    #[arg(long)]
    pub regime_version: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BacktestFormat::Text)]
    pub format: BacktestFormat,
}

/// Runs `failwell backtest`.
pub async fn run(database: &str, args: &BacktestArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.false_alarm_rate),
        "--false-alarm-rate must be between 0 and 1, not {}",
        args.false_alarm_rate
    );
    let store = Store::open(database).await?;
    let result = async {
        let (regime, rules) = choose_regime(&store, args.regime.as_ref(), args.regime_version.as_deref()).await?;
        let options = BacktestOptions {
            framework: args.framework.clone(),
            train_also: args.train_also.clone(),
            penalties: args.penalties.clone(),
            from: args.from,
            to: args.to,
            evaluate_from_year: args.evaluate_from,
            sound_rank: args.sound_rank,
            target_false_alarm_rate: args.false_alarm_rate,
            resamples: args.resamples,
            ..BacktestOptions::default()
        };
        let bar = crate::progress::count_bar("as-of scans");
        let progress = |done: usize, total: usize| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        };
        let result = backtest(&store, &regime, &rules, &options, &progress).await;
        bar.finish_and_clear();
        Ok::<_, anyhow::Error>(result?)
    }
    .await;
    store.close().await;
    let result = result?;
    // Say which filter left nothing: the store may hold the framework's judgements
    // outside the days asked for.
    let range = match (args.from, args.to) {
        (None, None) => String::new(),
        (from, to) => format!(
            " published {}{}",
            from.map(|d| format!("from {}", failwell_domain::dates::iso(d))).unwrap_or_default(),
            to.map(|d| format!("{}to {}", if from.is_some() { " " } else { "" }, failwell_domain::dates::iso(d)))
                .unwrap_or_default()
        ),
    };
    anyhow::ensure!(
        !result.cases.is_empty(),
        "no judgements of framework {:?}{range} in the store{}: nothing to backtest{}",
        args.framework,
        if result.ungraded > 0 {
            format!(" on a scale of the regime ({} ungraded)", result.ungraded)
        } else {
            String::new()
        },
        if range.is_empty() { "" } else { " (widen --from/--to)" }
    );
    match args.format {
        BacktestFormat::Json => crate::output::write_json(&result)?,
        BacktestFormat::Csv => write_csv(&result)?,
        BacktestFormat::Text => write_text(&result)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn write_csv(result: &Backtest) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_writer(crate::output::stdout());
    out.write_record([
        "organisation",
        "name",
        "published_on",
        "grade",
        "outcome",
        "scanned_as_of",
        "score",
        "band",
        "threshold",
        "flagged",
        "evaluated",
        "recommended_level",
        "current_rung",
        "previous_grade",
        "previous_failing",
        "learned",
        "learned_flagged",
        "concerns",
    ])?;
    for c in &result.cases {
        out.write_record([
            c.organisation.as_str(),
            &c.name,
            &c.published_on,
            &c.grade,
            outcome_word(c.outcome),
            &c.scanned_as_of,
            &c.score.to_string(),
            c.band.as_deref().unwrap_or(""),
            &c.threshold.map(|t| t.to_string()).unwrap_or_default(),
            &c.flagged.to_string(),
            &c.evaluated.to_string(),
            &c.recommended_level.to_string(),
            c.current_rung.as_deref().unwrap_or(""),
            c.previous_grade.as_deref().unwrap_or(""),
            &c.previous_failing.to_string(),
            &c.learned.map(|p| format!("{p:.4}")).unwrap_or_default(),
            &c.learned_flagged.to_string(),
            &c.concerns.join(" "),
        ])?;
    }
    out.flush()?;
    Ok(())
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Failing => "failing",
        Outcome::Sound => "sound",
        Outcome::Middle => "middle",
    }
}

fn pct(e: &Estimate) -> String {
    match (e.value, e.low, e.high) {
        (Some(v), Some(l), Some(h)) => format!("{:.1} % ({:.1}–{:.1})", 100.0 * v, 100.0 * l, 100.0 * h),
        (Some(v), ..) => format!("{:.1} %", 100.0 * v),
        _ => "-".into(),
    }
}

fn num(e: &Estimate) -> String {
    match (e.value, e.low, e.high) {
        (Some(v), Some(l), Some(h)) => format!("{v:.3} ({l:.3}–{h:.3})"),
        (Some(v), ..) => format!("{v:.3}"),
        _ => "-".into(),
    }
}

fn write_text(r: &Backtest) -> anyhow::Result<()> {
    let evaluated: Vec<&Case> = r.cases.iter().filter(|c| c.evaluated).collect();
    let count = |o: Outcome| evaluated.iter().filter(|c| c.outcome == o).count();
    outln!("Backtest of {} judgements under {} {}", r.framework, r.regime, r.regime_version)?;
    outln!(
        "{} judgements, {} as-of scans (the day before each publication); evaluated from {}: {} failing, {} sound, {} in between{}",
        r.cases.len(),
        r.scans,
        r.evaluated_from_year.map_or("-".into(), |y| y.to_string()),
        count(Outcome::Failing),
        count(Outcome::Sound),
        count(Outcome::Middle),
        if r.ungraded > 0 { format!(" ({} on no scale of the regime, left out)", r.ungraded) } else { String::new() }
    )?;
    outln!(
        "Out of time: each year's score threshold is fixed on earlier years at a false-alarm rate of at most {:.2}. 95 % bootstrap intervals in brackets.",
        r.target_false_alarm_rate
    )?;
    outln!()?;
    for m in &r.figures.methods {
        let c = &m.confusion;
        outln!("{}: {}", m.name, m.rule)?;
        outln!(
            "  flagged {} of {} failing (recall {}), {} of {} sound (false alarms {}); in between flagged {} of {}",
            c.hits,
            c.hits + c.misses,
            pct(&m.recall),
            c.false_alarms,
            c.false_alarms + c.quiet,
            pct(&m.false_alarm_rate),
            m.middle_flagged.0,
            m.middle_flagged.1
        )?;
        outln!(
            "  precision {}, lift {}, ROC AUC {}, PR AUC {}",
            pct(&m.precision),
            m.lift.map_or("-".into(), |l| format!("{l:.2}")),
            num(&m.roc_auc),
            num(&m.pr_auc)
        )?;
    }
    outln!()?;
    outln!(
        "Thresholds per year (fixed on the years before; failing/sound fitted on; cases failing/sound/between; flagged failing/sound):"
    )?;
    for t in &r.figures.thresholds {
        outln!(
            "  {}: {}  fitted on {}/{}  cases {}/{}/{}  flagged {}/{}",
            t.year,
            t.threshold.map_or("none".into(), |v| format!("{v:.3}")),
            t.fitted_on.0,
            t.fitted_on.1,
            t.cases.0,
            t.cases.1,
            t.cases.2,
            t.flagged.0,
            t.flagged.1
        )?;
    }
    outln!()?;
    outln!("Organisations flagged per year (the sector's organisations in an as-of scan on 1 July;")?;
    outln!("in brackets, those judged failing within the year after it):")?;
    for y in &r.flagged_per_year {
        outln!(
            "  {}: {} organisations ({}); risk score at the year's threshold {} ({}), recommendation above universal monitoring {} ({}){}",
            y.year,
            y.organisations,
            y.failing_within_year,
            y.by_risk_score,
            y.by_risk_score_failing,
            y.by_recommendation,
            y.by_recommendation_failing,
            if y.year_complete { "" } else { "; the judgements end within the year: not counted below" }
        )?;
    }
    type Count = fn(&YearFlags) -> usize;
    let methods: [(&str, Count, Count); 2] = [
        ("risk score", |y| y.by_risk_score, |y| y.by_risk_score_failing),
        ("recommendation", |y| y.by_recommendation, |y| y.by_recommendation_failing),
    ];
    for (method, flagged, followed) in methods {
        outln!("  {}", council_years(method, &r.flagged_per_year, flagged, followed))?;
    }
    outln!()?;
    outln!("Learned score's thresholds per year (probability; fitted on failing/sound; flagged failing/sound):")?;
    for t in &r.figures.learned_thresholds {
        outln!(
            "  {}: {}  ridge {}  fitted on {}/{}  flagged {}/{}",
            t.year,
            t.threshold.map_or("none".into(), |v| format!("{v:.3}")),
            t.penalty.map_or("-".into(), |p| p.to_string()),
            t.fitted_on.0,
            t.fitted_on.1,
            t.flagged.0,
            t.flagged.1
        )?;
    }
    if let Some(w) = &r.figures.learned {
        outln!()?;
        outln!(
            "Learned weights for {} on (fitted on {} failing and {} sound judgements before it; log odds per unit; ridge {}):",
            w.for_year,
            w.fitted_on.0,
            w.fitted_on.1,
            w.l2
        )?;
        outln!("  {:<44} {:>7.3}", "intercept", w.intercept)?;
        if let Some(t) = w.threshold {
            outln!("  {:<44} {:>7.3}", "flag at a probability of at least", t)?;
        }
        let mut sorted: Vec<&(String, f64)> = w.weights.iter().collect();
        sorted.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        for (name, weight) in sorted {
            outln!("  {name:<44} {weight:>7.3}")?;
        }
    }
    outln!()?;
    outln!("Calibration (evaluated judgements by the band the scan gave; in-between grades count as not failing):")?;
    for row in &r.figures.calibration {
        outln!(
            "  {:<13} {:>4} judgements, {:>3} failing ({})",
            row.band,
            row.cases,
            row.failing,
            row.rate.map_or("-".into(), |v| format!("{:.1} %", 100.0 * v))
        )?;
    }
    outln!()?;
    outln!(
        "Signals (concerns the day before; failing/sound judgements having one; failing share with and without; lift):"
    )?;
    for s in &r.figures.signals {
        outln!(
            "  {:<32} {:>4} cases, {:>3} failing  {} vs {}  lift {}",
            s.rule,
            s.cases,
            s.failing,
            s.rate.map_or("-".into(), |v| format!("{:.1} %", 100.0 * v)),
            s.rate_without.map_or("-".into(), |v| format!("{:.1} %", 100.0 * v)),
            s.lift.map_or("-".into(), |v| format!("{v:.2}"))
        )?;
    }
    for (title, pick) in [
        ("Hits (failing, flagged by the risk score)", (Outcome::Failing, true)),
        ("Misses (failing, not flagged by the risk score)", (Outcome::Failing, false)),
        ("False alarms (sound, flagged by the risk score)", (Outcome::Sound, true)),
    ] {
        let list: Vec<&&Case> = evaluated.iter().filter(|c| (c.outcome, c.flagged) == pick).collect();
        outln!()?;
        outln!("{title}: {}", list.len())?;
        let mut out = crate::output::stdout();
        for c in list {
            writeln!(
                out,
                "  {} {} {} ({}): score {:.2}{}, learned {}, previous {}",
                c.published_on,
                c.organisation,
                c.name,
                c.grade,
                c.score,
                c.band.as_deref().map(|b| format!(" {b}")).unwrap_or_default(),
                c.learned.map_or("-".into(), |p| format!("{p:.3}{}", if c.learned_flagged { " flagged" } else { "" })),
                c.previous_grade.as_deref().unwrap_or("none")
            )?;
            for reason in c.reasons.iter().take(3) {
                writeln!(out, "      {reason}")?;
            }
            if !c.concerns.is_empty() {
                writeln!(out, "      concerns: {}", c.concerns.join(", "))?;
            }
        }
        out.flush()?;
    }
    Ok(())
}

/// The council-years view over every evaluated year whose following year the store's
/// judgements cover: of the organisation-years a method flagged, the share judged failing
/// within the year, against the share of those it did not flag, and their ratio (the lift).
fn council_years(
    method: &str,
    years: &[YearFlags],
    flagged: fn(&YearFlags) -> usize,
    followed: fn(&YearFlags) -> usize,
) -> String {
    let sum = |f: &dyn Fn(&YearFlags) -> usize| years.iter().filter(|y| y.year_complete).map(f).sum::<usize>();
    let (all, all_followed) = (sum(&|y| y.organisations), sum(&|y| y.failing_within_year));
    let (hit, hit_followed) = (sum(&flagged), sum(&followed));
    let (miss, miss_followed) = (all - hit, all_followed - hit_followed);
    let rate = |k: usize, n: usize| if n == 0 { None } else { Some(k as f64 / n as f64) };
    let percent = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.1} %", 100.0 * r));
    let lift = match (rate(hit_followed, hit), rate(miss_followed, miss)) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "-".to_string(),
    };
    format!(
        "council-years, {method}: flagged {hit}, of which {hit_followed} ({}) judged failing within the year; \
         not flagged {miss}, of which {miss_followed} ({}); lift {lift}",
        percent(rate(hit_followed, hit)),
        percent(rate(miss_followed, miss)),
    )
}
