//! `failwell cusum`: run a CUSUM chart over cases or periods and explain each signal.
//!
//! Reads a CSV table with a header row, one row per case (Bernoulli: outcome and
//! expected probability) or per period (Poisson: observed and expected counts), in time
//! order; writes one row per case with its weight, the CUSUM value and whether it
//! signalled, with a sentence on each signalling row.

use std::io::{Read, Write};
use std::path::PathBuf;

use failwell_stats::cusum::threshold::{self, NullModel, Threshold, ThresholdMethod, ThresholdRule};
use failwell_stats::cusum::{Cusum, CusumConfig, CusumKind};
use serde::Serialize;

use crate::funnel::{Format, csv_error, csv_error_in, locate, parse_number};
use crate::spc::ToolError;
use failwell_ingest::LineIndex;

/// How a threshold is derived from --false-alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ThresholdMethodArg {
    /// Exact enumeration for horizons up to 300, seeded simulation beyond.
    Auto,
    /// Exact enumeration of the CUSUM's distribution (short horizons).
    Exact,
    /// Dynamic programming over a discretised CUSUM state (--cells).
    Dp,
    /// Seeded simulation (--runs, --seed).
    Simulation,
}

/// Horizons up to this length use exact enumeration under `--threshold-method auto`.
pub const AUTO_EXACT_HORIZON: usize = 300;

/// Options of `failwell cusum`.
///
/// Bernoulli CUSUM over cases (--outcome/--probability; risk-adjusted when the
/// probability varies, Steiner et al. 2000) or Poisson CUSUM over periods
/// (--observed/--expected). Rows must be in time order.
#[derive(Debug, Clone, clap::Args)]
// One of the two ways to set H, and the error says both when neither is given.
#[command(group(clap::ArgGroup::new("signal_at").required(true).args(["threshold", "false_alarm"])))]
pub struct CusumArgs {
    /// CSV file with a header row; '-' or nothing reads standard input.
    pub file: Option<PathBuf>,
    /// Column of binary outcomes (1/0, true/false, yes/no); needs --probability.
    #[arg(long, value_name = "COL", requires = "probability", conflicts_with_all = ["observed", "expected"], required_unless_present = "observed")]
    pub outcome: Option<String>,
    /// Column of each case's expected probability of the outcome under the risk model.
    #[arg(long, value_name = "COL", requires = "outcome")]
    pub probability: Option<String>,
    /// Column of observed counts per period; needs --expected.
    #[arg(long, value_name = "COL", requires = "expected")]
    pub observed: Option<String>,
    /// Column of expected counts per period.
    #[arg(long, value_name = "COL", requires = "observed")]
    pub expected: Option<String>,
    /// Optional column identifying each case or period, copied to the output.
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// Name of the organisation or series, used in explanations.
    #[arg(long, default_value = "Series")]
    pub name: String,
    /// The odds ratio (Bernoulli) or rate ratio (Poisson) the chart is tuned to detect;
    /// above 1 looks for deterioration, below 1 for improvement.
    #[arg(long, default_value_t = 2.0, value_name = "R")]
    pub odds_ratio: f64,
    /// Signal when the CUSUM reaches H.
    #[arg(long, value_name = "H")]
    pub threshold: Option<f64>,
    /// Choose H so an in-control series signals with this probability within the horizon.
    #[arg(long, value_name = "P")]
    pub false_alarm: Option<f64>,
    /// Horizon for --false-alarm in cases or periods; default: the number of input rows.
    /// The input's own probabilities (or expected counts) are the case mix, cycled.
    #[arg(long, value_name = "N", requires = "false_alarm")]
    pub horizon: Option<usize>,
    /// How H is derived from --false-alarm.
    #[arg(long, value_enum, default_value_t = ThresholdMethodArg::Auto)]
    pub threshold_method: ThresholdMethodArg,
    /// Simulated sequences for the simulation method.
    #[arg(long, default_value_t = 10_000)]
    pub runs: usize,
    /// Seed of the simulation (SplitMix64), for reproducible thresholds.
    #[arg(long, default_value_t = 2046)]
    pub seed: u64,
    /// Grid cells on [0, H) for the dp method.
    #[arg(long, default_value_t = 1000)]
    pub cells: usize,
    /// Keep accumulating after a signal instead of restarting at zero.
    #[arg(long)]
    pub no_reset: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
}

fn parse_outcome(raw: &str) -> Option<f64> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "1.0" | "true" | "yes" | "y" | "t" => Some(1.0),
        "0" | "0.0" | "false" | "no" | "n" | "f" => Some(0.0),
        _ => None,
    }
}

#[derive(Serialize)]
struct Summary {
    chart: CusumKind,
    risk_adjusted: bool,
    threshold: f64,
    threshold_method: Option<ThresholdMethod>,
    false_alarm: Option<f64>,
    horizon: Option<usize>,
    reset: bool,
    cases: usize,
    signals: usize,
}

#[derive(Serialize)]
struct Row<'a> {
    index: usize,
    id: Option<&'a str>,
    outcome: f64,
    expected: f64,
    weight: f64,
    cusum: f64,
    signal: bool,
    explanation: Option<String>,
}

/// Runs `failwell cusum` over `input`, writing to `output`.
pub fn run(args: &CusumArgs, input: &mut dyn Read, output: &mut dyn Write) -> Result<(), ToolError> {
    let poisson = args.observed.is_some();
    let (y_col, e_col) = if poisson {
        (args.observed.as_deref(), args.expected.as_deref())
    } else {
        (args.outcome.as_deref(), args.probability.as_deref())
    };
    let (Some(y_col), Some(e_col)) = (y_col, e_col) else {
        return Err(usage("give --outcome and --probability, or --observed and --expected"));
    };
    if !(args.odds_ratio.is_finite() && args.odds_ratio > 0.0) {
        return Err(usage("--odds-ratio must be a positive number"));
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(LineIndex::new(input));
    let headers = reader.headers().map_err(csv_error)?.clone();
    let mut wanted = vec![y_col, e_col];
    if let Some(id) = &args.id {
        wanted.push(id);
    }
    let cols = locate(&headers, &wanted)?;

    let mut ys = Vec::new();
    let mut es = Vec::new();
    let mut ids = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|e| csv_error_in(e, reader.get_mut()))? {
        let line = reader.get_mut().line_of(record.position());
        let y = if poisson {
            let v = parse_number(&record, &cols, 0, line)?;
            if v < 0.0 {
                return Err(bad(line, cols.indexes[0], format!("observed count {v} is negative")));
            }
            v
        } else {
            let raw = record.get(cols.indexes[0]).unwrap_or("");
            parse_outcome(raw).ok_or_else(|| {
                bad(line, cols.indexes[0], format!("outcome '{raw}' is not 1/0, true/false or yes/no"))
            })?
        };
        let e = parse_number(&record, &cols, 1, line)?;
        let ok = if poisson { e >= 0.0 } else { (0.0..=1.0).contains(&e) };
        if !ok {
            let what =
                if poisson { "expected count must be zero or more" } else { "probability must lie between 0 and 1" };
            return Err(bad(line, cols.indexes[1], format!("{what}, got {e}")));
        }
        ys.push(y);
        es.push(e);
        if args.id.is_some() {
            ids.push(record.get(cols.indexes[2]).unwrap_or("").to_string());
        }
    }
    if ys.is_empty() {
        return Err(usage("the input has no rows"));
    }
    let kind = if poisson {
        CusumKind::Poisson { rate_ratio: args.odds_ratio }
    } else {
        CusumKind::Bernoulli { odds_ratio: args.odds_ratio }
    };
    let chosen = match (args.threshold, args.false_alarm) {
        (Some(h), _) => {
            if !(h.is_finite() && h > 0.0) {
                return Err(usage("--threshold must be a positive number"));
            }
            None
        }
        (None, Some(p)) => Some(choose_threshold(args, kind, &es, p)?),
        (None, None) => return Err(usage("give --threshold or --false-alarm")),
    };
    let h = args.threshold.or(chosen.map(|t| t.value)).unwrap_or(f64::NAN);
    let config = CusumConfig { kind, threshold: h, reset: !args.no_reset };
    let risk_adjusted = !poisson && es.iter().any(|&e| e != es[0]);
    let mut chart = Cusum::new(config, risk_adjusted);
    let mut rows = Vec::with_capacity(ys.len());
    let mut signals = 0usize;
    for i in 0..ys.len() {
        let (step, signal) = chart.step_explained(ys[i], es[i]);
        signals += step.signalled as usize;
        rows.push(Row {
            index: i + 1,
            id: ids.get(i).map(|s| s.as_str()),
            outcome: ys[i],
            expected: es[i],
            weight: step.weight,
            cusum: step.value,
            signal: step.signalled,
            explanation: signal.map(|s| {
                let mut text = s.sentence(&args.name);
                if let Some(id) = ids.get(i) {
                    text.push_str(&format!(" (row id {id})"));
                }
                text
            }),
        });
    }
    let summary = Summary {
        chart: kind,
        risk_adjusted,
        threshold: h,
        threshold_method: chosen.map(|t| t.method),
        false_alarm: chosen.map(|t| t.false_alarm),
        horizon: chosen.map(|t| t.horizon),
        reset: !args.no_reset,
        cases: rows.len(),
        signals,
    };
    match args.format {
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                summary: Summary,
                rows: Vec<Row<'a>>,
            }
            serde_json::to_writer_pretty(&mut *output, &Doc { summary, rows }).map_err(std::io::Error::from)?;
            writeln!(output)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(output);
            w.write_record([
                "index",
                "id",
                "outcome",
                "expected",
                "weight",
                "cusum",
                "signal",
                "threshold",
                "threshold_method",
                "explanation",
            ])
            .map_err(csv_error)?;
            let method = describe(chosen.as_ref());
            for r in rows {
                w.write_record([
                    r.index.to_string(),
                    r.id.unwrap_or("").to_string(),
                    r.outcome.to_string(),
                    r.expected.to_string(),
                    r.weight.to_string(),
                    r.cusum.to_string(),
                    r.signal.to_string(),
                    h.to_string(),
                    method.clone(),
                    r.explanation.unwrap_or_default(),
                ])
                .map_err(csv_error)?;
            }
            w.flush()?;
        }
    }
    Ok(())
}

fn describe(t: Option<&Threshold>) -> String {
    match t {
        None => "given".to_string(),
        Some(t) => match t.method {
            ThresholdMethod::Exact { .. } => {
                format!("exact enumeration: false-alarm probability {:.4} over {} cases", t.false_alarm, t.horizon)
            }
            ThresholdMethod::Dp { cells } => format!(
                "discretised DP ({cells} cells): false-alarm probability {:.4} over {} cases",
                t.false_alarm, t.horizon
            ),
            ThresholdMethod::Simulation { runs, seed } => format!(
                "simulation ({runs} runs, seed {seed}): false-alarm probability {:.4} over {} cases",
                t.false_alarm, t.horizon
            ),
        },
    }
}

fn choose_threshold(args: &CusumArgs, kind: CusumKind, expected: &[f64], alpha: f64) -> Result<Threshold, ToolError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(usage("--false-alarm must lie strictly between 0 and 1"));
    }
    let horizon = args.horizon.unwrap_or(expected.len());
    if horizon == 0 {
        return Err(usage("--horizon must be at least 1"));
    }
    let model = match kind {
        CusumKind::Bernoulli { odds_ratio } => NullModel::Bernoulli { probabilities: expected, odds_ratio },
        CusumKind::Poisson { rate_ratio } => NullModel::Poisson { expected, rate_ratio },
    };
    let method = match args.threshold_method {
        ThresholdMethodArg::Auto if horizon <= AUTO_EXACT_HORIZON => ThresholdMethodArg::Exact,
        ThresholdMethodArg::Auto => ThresholdMethodArg::Simulation,
        m => m,
    };
    let result = match method {
        ThresholdMethodArg::Exact => threshold::threshold_exact(&model, horizon, alpha, ThresholdRule::AtMost),
        ThresholdMethodArg::Dp => threshold::threshold_dp(&model, horizon, alpha, args.cells),
        _ => threshold::threshold_simulated(&model, horizon, alpha, args.runs, args.seed),
    };
    result.map_err(|e| usage(&e.to_string()))
}

fn usage(reason: &str) -> ToolError {
    ToolError::Input { line: 0, column: 0, reason: reason.to_string() }
}

fn bad(line: u64, idx: usize, reason: String) -> ToolError {
    ToolError::Input { line, column: idx as u64 + 1, reason }
}
