//! `failwell funnel`: place every organisation on a funnel plot and say where it lies.
//!
//! Reads a CSV table with a header row, one row per organisation; writes one row per
//! organisation with its value, the target, its 95% and 99.8% limits at its own
//! denominator, its classification and a sentence explaining it. The over-dispersion
//! estimate (φ, τ²) goes in the JSON summary, or in repeated columns of the CSV.

use std::io::{Read, Write};
use std::path::PathBuf;

use failwell_stats::funnel::{
    self, Adjustment, Classification, FunnelConfig, FunnelError, FunnelResult, LimitMethod, Measure, Overdispersion,
    Scale, Trim,
};
use serde::Serialize;

use crate::spc::ToolError;
use failwell_ingest::LineIndex;

/// Over-dispersion models offered on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OverdispersionArg {
    /// Binomial/Poisson limits only.
    None,
    /// Multiplicative φ from winsorised z-scores (Spiegelhalter 2005).
    Multiplicative,
    /// Additive random-effects τ² (DerSimonian–Laird) from winsorised z-scores.
    Additive,
    /// NHS Digital SHMI: log scale, 10% trimmed each end, additive τ².
    Shmi,
}

/// Limit methods offered on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LimitsArg {
    /// Spiegelhalter's interpolated exact binomial/Poisson limits.
    Exact,
    /// Normal approximation.
    Normal,
    /// Ratios: FunnelPlotR's exact Poisson interval around the expected count.
    ExpectedCount,
    /// Proportions: PHE Fingertips' Wilson-inverted limits.
    Wilson,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON document: {"summary": …, "units": […]}.
    Json,
}

/// Options of `failwell funnel`.
///
/// Compares organisations on a funnel plot (Spiegelhalter 2005): proportions
/// (--numerator/--denominator) or indirectly standardised ratios (--observed/--expected).
#[derive(Debug, Clone, clap::Args)]
pub struct FunnelArgs {
    /// CSV file with a header row; '-' or nothing reads standard input.
    pub file: Option<PathBuf>,
    /// Column naming each organisation.
    #[arg(long, value_name = "COL")]
    pub unit: String,
    /// Column of numerators (cases) for a proportion; needs --denominator.
    #[arg(long, value_name = "COL", requires = "denominator", conflicts_with_all = ["observed", "expected"], required_unless_present = "observed")]
    pub numerator: Option<String>,
    /// Column of denominators (population at risk) for a proportion.
    #[arg(long, value_name = "COL", requires = "numerator")]
    pub denominator: Option<String>,
    /// Column of observed events for a standardised ratio; needs --expected.
    #[arg(long, value_name = "COL", requires = "expected")]
    pub observed: Option<String>,
    /// Column of expected events (from a risk model) for a standardised ratio.
    #[arg(long, value_name = "COL", requires = "observed")]
    pub expected: Option<String>,
    /// Allowance for over-dispersion between organisations.
    #[arg(long, value_enum, default_value_t = OverdispersionArg::None)]
    pub overdispersion: OverdispersionArg,
    /// How limits are computed at each denominator.
    #[arg(long, value_enum, default_value_t = LimitsArg::Exact)]
    pub limits: LimitsArg,
    /// Fraction of z-scores winsorised (or, for shmi, trimmed) at each end when
    /// estimating over-dispersion.
    #[arg(long, default_value_t = 0.1, value_name = "FRACTION")]
    pub trim: f64,
    /// Centre line; default: the pooled proportion, or 1 for ratios.
    #[arg(long)]
    pub target: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
}

impl FunnelArgs {
    fn config(&self) -> FunnelConfig {
        let base = if self.observed.is_some() { FunnelConfig::ratio() } else { FunnelConfig::proportion() };
        let trim = Trim::Winsorise(self.trim);
        let overdispersion = match self.overdispersion {
            OverdispersionArg::None => Overdispersion::None,
            OverdispersionArg::Multiplicative => Overdispersion::Multiplicative { scale: Scale::Natural, trim },
            OverdispersionArg::Additive => Overdispersion::Additive { scale: Scale::Natural, trim },
            OverdispersionArg::Shmi => Overdispersion::Additive { scale: Scale::Log, trim: Trim::Truncate(self.trim) },
        };
        let limits = match self.limits {
            LimitsArg::Exact => LimitMethod::Exact,
            LimitsArg::Normal => LimitMethod::Normal,
            LimitsArg::ExpectedCount => LimitMethod::ExpectedCountInterval,
            LimitsArg::Wilson => LimitMethod::WilsonInverted,
        };
        let mut cfg = base.with_limits(limits).with_overdispersion(overdispersion);
        cfg.target = self.target;
        cfg
    }
}

/// The columns a table tool reads, located in the header.
pub(crate) struct Columns {
    pub(crate) names: Vec<String>,
    pub(crate) indexes: Vec<usize>,
}

pub(crate) fn locate(headers: &csv::StringRecord, wanted: &[&str]) -> Result<Columns, ToolError> {
    let mut indexes = Vec::with_capacity(wanted.len());
    for name in wanted {
        match headers.iter().position(|h| h.trim() == *name) {
            Some(i) => indexes.push(i),
            None => {
                return Err(ToolError::Input {
                    line: 1,
                    column: 0,
                    reason: format!(
                        "no column named '{name}' in the header (columns: {})",
                        headers.iter().collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
    }
    Ok(Columns { names: wanted.iter().map(|s| s.to_string()).collect(), indexes })
}

/// `e`, met reading a record, as a tool error at the line `lines` finds for the record
/// (csv's own line is one early in a CRLF file).
pub(crate) fn csv_error_in<R>(e: csv::Error, lines: &mut LineIndex<R>) -> ToolError {
    let line = lines.line_of(e.position());
    csv_error_at(e, line)
}

/// `e`, met reading the header or writing, as a tool error.
pub(crate) fn csv_error(e: csv::Error) -> ToolError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    csv_error_at(e, line)
}

fn csv_error_at(e: csv::Error, line: u64) -> ToolError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => ToolError::Io(io),
        kind => ToolError::Input { line, column: 0, reason: format!("unreadable CSV: {kind:?}") },
    }
}

pub(crate) fn parse_number(record: &csv::StringRecord, cols: &Columns, k: usize, line: u64) -> Result<f64, ToolError> {
    let idx = cols.indexes[k];
    let raw = record.get(idx).unwrap_or("").trim();
    raw.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| ToolError::Input {
        line,
        column: idx as u64 + 1,
        reason: format!("column '{}': '{raw}' is not a number", cols.names[k]),
    })
}

#[derive(Serialize)]
struct Summary<'a> {
    measure: Measure,
    target: f64,
    limits: LimitMethod,
    overdispersion: &'a Overdispersion,
    adjustment: Adjustment,
    phi: Option<f64>,
    tau2: Option<f64>,
    units_used_for_dispersion: Option<usize>,
    method: String,
    units: usize,
    outside_95: usize,
    outside_998: usize,
}

#[derive(Serialize)]
struct Row<'a> {
    unit: &'a str,
    numerator: f64,
    denominator: f64,
    value: f64,
    target: f64,
    lower_95: f64,
    upper_95: f64,
    lower_998: f64,
    upper_998: f64,
    classification: Classification,
    z: f64,
    z_adjusted: f64,
    explanation: String,
}

/// Runs `failwell funnel` over `input`, writing to `output`.
pub fn run(args: &FunnelArgs, input: &mut dyn Read, output: &mut dyn Write) -> Result<(), ToolError> {
    let ratio = args.observed.is_some();
    let (num_col, den_col) = if ratio {
        (args.observed.as_deref(), args.expected.as_deref())
    } else {
        (args.numerator.as_deref(), args.denominator.as_deref())
    };
    let (Some(num_col), Some(den_col)) = (num_col, den_col) else {
        return Err(ToolError::Input {
            line: 0,
            column: 0,
            reason: "give --numerator and --denominator, or --observed and --expected".into(),
        });
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(LineIndex::new(input));
    let headers = reader.headers().map_err(csv_error)?.clone();
    let cols = locate(&headers, &[args.unit.as_str(), num_col, den_col])?;

    let mut names = Vec::new();
    let mut nums = Vec::new();
    let mut dens = Vec::new();
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|e| csv_error_in(e, reader.get_mut()))? {
        let line = reader.get_mut().line_of(record.position());
        names.push(record.get(cols.indexes[0]).unwrap_or("").to_string());
        nums.push(parse_number(&record, &cols, 1, line)?);
        dens.push(parse_number(&record, &cols, 2, line)?);
        lines.push(line);
    }
    let config = args.config();
    let result = funnel::analyse(&nums, &dens, &config).map_err(|e| {
        let (index, k) = match &e {
            FunnelError::Denominator { index, .. } => (Some(*index), 2),
            FunnelError::Numerator { index, .. } => (Some(*index), 1),
            FunnelError::NumeratorExceedsDenominator { index, .. } => (Some(*index), 1),
            _ => (None, 0),
        };
        // The library counts units from 0; the file names them.
        let reason = match index {
            Some(i) => e.to_string().replacen(&format!("unit {i}"), &format!("unit {:?}", names[i]), 1),
            None => e.to_string(),
        };
        ToolError::Input {
            line: index.map(|i| lines[i]).unwrap_or(0),
            column: if index.is_some() { cols.indexes[k] as u64 + 1 } else { 0 },
            reason,
        }
    })?;
    write(args.format, &result, &names, output)
}

fn write(format: Format, result: &FunnelResult, names: &[String], output: &mut dyn Write) -> Result<(), ToolError> {
    let d = result.dispersion;
    let summary = Summary {
        measure: result.model.measure,
        target: result.model.target,
        limits: result.model.limits,
        overdispersion: &result.config.overdispersion,
        adjustment: result.model.adjustment,
        phi: d.map(|d| d.phi),
        tau2: d.map(|d| d.tau2),
        units_used_for_dispersion: d.map(|d| d.units_used),
        method: result.method_phrase(),
        units: result.units.len(),
        outside_95: result.units.iter().filter(|u| u.classification != Classification::Within).count(),
        outside_998: result
            .units
            .iter()
            .filter(|u| matches!(u.classification, Classification::Above998 | Classification::Below998))
            .count(),
    };
    let row = |i: usize| -> Row<'_> {
        let u = &result.units[i];
        Row {
            unit: &names[i],
            numerator: u.numerator,
            denominator: u.denominator,
            value: u.value,
            target: result.model.target,
            lower_95: u.limits_95.lower,
            upper_95: u.limits_95.upper,
            lower_998: u.limits_998.lower,
            upper_998: u.limits_998.upper,
            classification: u.classification,
            z: u.z,
            z_adjusted: u.z_adjusted,
            explanation: result.flag(i).map(|f| f.sentence(&names[i])).unwrap_or_default(),
        }
    };
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                summary: Summary<'a>,
                units: Vec<Row<'a>>,
            }
            let doc = Doc { summary, units: (0..result.units.len()).map(row).collect() };
            serde_json::to_writer_pretty(&mut *output, &doc).map_err(std::io::Error::from)?;
            writeln!(output)?;
        }
        Format::Csv => {
            let (num, den) = match result.model.measure {
                Measure::Ratio => ("observed", "expected"),
                Measure::Proportion => ("numerator", "denominator"),
            };
            let mut w = csv::Writer::from_writer(output);
            w.write_record([
                "unit",
                num,
                den,
                "value",
                "target",
                "lower_95",
                "upper_95",
                "lower_998",
                "upper_998",
                "classification",
                "z",
                "z_adjusted",
                "method",
                "phi",
                "tau2",
                "explanation",
            ])
            .map_err(csv_error)?;
            let phi = summary.phi.map(|v| v.to_string()).unwrap_or_default();
            let tau2 = summary.tau2.map(|v| v.to_string()).unwrap_or_default();
            for i in 0..result.units.len() {
                let r = row(i);
                w.write_record([
                    r.unit.to_string(),
                    r.numerator.to_string(),
                    r.denominator.to_string(),
                    r.value.to_string(),
                    r.target.to_string(),
                    r.lower_95.to_string(),
                    r.upper_95.to_string(),
                    r.lower_998.to_string(),
                    r.upper_998.to_string(),
                    r.classification.label().to_string(),
                    r.z.to_string(),
                    r.z_adjusted.to_string(),
                    summary.method.clone(),
                    phi.clone(),
                    tau2.clone(),
                    r.explanation,
                ])
                .map_err(csv_error)?;
            }
            w.flush()?;
        }
    }
    Ok(())
}
