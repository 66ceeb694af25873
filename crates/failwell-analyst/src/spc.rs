//! `failwell spc`: an XmR chart with Making Data Count rules for every group of a table.
//!
//! Reads CSV with a header row, one row per observation, in time order within each
//! group; writes one row per observation with its limits, the rule that fired and
//! what it means, plus the group's icons (CSV), or one object per group (JSON).
//!
//! Missing values (an empty cell, `NA` or `NaN` in the value column) follow
//! NHSRplotthedots: the row stays in the output with its index, is left out of the
//! mean and moving ranges, and (unlike there, where some gaps stop the R code) it
//! breaks runs. The icons read the latest non-missing point.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;

use failwell_ingest::LineIndex;
use failwell_stats::spc::{Explanation, Improvement, PointLabel, RuleSet, SpcOptions, XmrChart};
use rayon::prelude::*;
use serde::Serialize;

/// The named rule sets, as the command line spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesArg {
    /// NHS England's Making Data Count rules (2023 revision): 2.66 × MR̄, no
    /// moving-range screening, shift 7, trend 7, two-in-three counting points
    /// beyond 3σ.
    Mdc,
    /// NHSRplotthedots 0.2.2: as mdc, but moving ranges ≥ 3.267 × MR̄ are screened out
    /// and two-in-three counts only points between 2σ and 3σ, all three on one side.
    Ptd,
    /// The PowerBI-SPC visual: 3/1.128 × MR̄, screening, shift 7, trend 5, net-count
    /// two-in-three.
    Powerbi,
}

/// Which direction is better, as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImprovementArg {
    /// Higher values are better.
    Increase,
    /// Lower values are better.
    Decrease,
    /// Neither: signals are shown but not judged.
    Neutral,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One row per point; the group's icons repeated on each row.
    Csv,
    /// One object per group: icons, limits per segment, explanations, points.
    Json,
}

/// Options of `failwell spc`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    about = "XmR (individuals) charts with NHS Making Data Count rules, per group of a CSV table",
    after_help = "Rows must be in time order within each group. Empty, NA or NaN values are \
                  kept as missing points: left out of the limits, and they break runs.\n\
                  Put FILE before --rebase (or write --rebase=VALUE), since --rebase takes \
                  several values."
)]
pub struct SpcArgs {
    /// CSV file with a header row; `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-")]
    pub file: Option<PathBuf>,

    /// Column holding the values to chart.
    #[arg(long, value_name = "COL")]
    pub value: String,

    /// Column holding the date (or any period label): copied to the output and
    /// matched by --rebase.
    #[arg(long, value_name = "COL")]
    pub date: Option<String>,

    /// Column whose values split the table into separate charts (one per
    /// organisation, say).
    #[arg(long, value_name = "COL")]
    pub group: Option<String>,

    /// Rule set.
    #[arg(long, value_enum, default_value_t = RulesArg::Mdc)]
    pub rules: RulesArg,

    /// Which direction of change is an improvement.
    #[arg(long, value_enum, default_value_t = ImprovementArg::Increase)]
    pub improvement: ImprovementArg,

    /// Compute each segment's limits from its first N points only (missing points
    /// count).
    #[arg(long, value_name = "N")]
    pub fix_after: Option<usize>,

    /// Start new limits at the rows whose --date value is one of these (in every
    /// group that has it). Needs --date.
    #[arg(long, value_name = "VALUE_OF_DATE_COL", num_args = 1.., requires = "date")]
    pub rebase: Vec<String>,

    /// Target to judge assurance against (pass, fail or hit-and-miss).
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub target: Option<f64>,

    /// Screen out moving ranges ≥ 3.267 × MR̄ before computing the limits,
    /// whatever the rule set says.
    #[arg(long, overrides_with = "no_screen_outliers")]
    pub screen_outliers: bool,

    /// Do not screen moving ranges, whatever the rule set says.
    #[arg(long, overrides_with = "screen_outliers")]
    pub no_screen_outliers: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
}

/// An error of an analyst tool, naming where the input went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// Bad input at a line (1-based, the header is line 1) and column (1-based).
    #[error("line {line}, column {column}: {reason}")]
    Input {
        /// Line of the input.
        line: u64,
        /// Column number, 1-based.
        column: u64,
        /// What is wrong, naming the column.
        reason: String,
    },
    /// A column named on the command line is not in the header.
    #[error("line {line}: no column named '{column}' (the header has: {available})")]
    MissingColumn {
        /// Line of the header.
        line: u64,
        /// The missing column.
        column: String,
        /// The columns there are.
        available: String,
    },
    /// Options that cannot be applied to this input.
    #[error("{0}")]
    Invalid(String),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl ToolError {
    /// `e`, met reading a record, as a tool error at the line `lines` finds for the
    /// record (csv's own line is one early in a CRLF file).
    fn from_csv_in<R>(e: csv::Error, lines: &mut LineIndex<R>) -> ToolError {
        let line = lines.line_of(e.position());
        ToolError::from_csv_at(e, line)
    }

    fn from_csv_at(e: csv::Error, line: u64) -> ToolError {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => ToolError::Io(io),
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => ToolError::Input {
                line,
                column: len + 1,
                reason: format!("expected {expected_len} fields as in the header, found {len}"),
            },
            csv::ErrorKind::Utf8 { err, .. } => {
                ToolError::Input { line, column: err.field() as u64 + 1, reason: "not valid UTF-8".to_owned() }
            }
            other => ToolError::Invalid(format!("CSV error at line {line}: {other:?}")),
        }
    }
}

impl From<csv::Error> for ToolError {
    fn from(e: csv::Error) -> Self {
        let line = e.position().map_or(0, |p| p.line());
        ToolError::from_csv_at(e, line)
    }
}

/// The rows of one group, in input order.
#[derive(Default)]
struct Group {
    name: String,
    dates: Vec<String>,
    values: Vec<f64>,
}

/// Runs `failwell spc` over `input`, writing to `output`.
pub fn run(args: &SpcArgs, input: &mut dyn Read, output: &mut dyn Write) -> Result<(), ToolError> {
    let rules = rule_set(args);
    let improvement = match args.improvement {
        ImprovementArg::Increase => Improvement::Increase,
        ImprovementArg::Decrease => Improvement::Decrease,
        ImprovementArg::Neutral => Improvement::Neutral,
    };
    if args.fix_after == Some(0) {
        return Err(ToolError::Invalid("--fix-after must be at least 1".to_owned()));
    }
    if let Some(t) = args.target
        && !t.is_finite()
    {
        return Err(ToolError::Invalid(format!("--target must be a finite number, got {t}")));
    }
    let groups = read_groups(args, input)?;
    let rebases = rebase_indices(args, &groups)?;

    // Each group is charted on its own: shared over the cores (rayon keeps the order), and
    // the first failure in input order is the one reported.
    let charted: Vec<Result<XmrChart, ToolError>> = groups
        .par_iter()
        .zip(&rebases)
        .map(|(g, rebase)| {
            let options = SpcOptions {
                rules: &rules,
                improvement,
                fix_after: args.fix_after,
                rebase_at: rebase,
                target: args.target,
            };
            let mut chart = XmrChart::new();
            chart.compute(&g.values, &options).map_err(|e| ToolError::Invalid(format!("group '{}': {e}", g.name)))?;
            Ok(chart)
        })
        .collect();
    let results = charted.into_iter().collect::<Result<Vec<_>, _>>()?;

    match args.format {
        Format::Csv => write_csv(args, &rules, &groups, &results, output),
        Format::Json => write_json(args, &rules, improvement, &groups, &results, output),
    }
}

fn rule_set(args: &SpcArgs) -> RuleSet {
    let mut rules = match args.rules {
        RulesArg::Mdc => RuleSet::mdc(),
        RulesArg::Ptd => RuleSet::ptd(),
        RulesArg::Powerbi => RuleSet::powerbi(),
    };
    let screen = if args.screen_outliers {
        Some(true)
    } else if args.no_screen_outliers {
        Some(false)
    } else {
        None
    };
    if let Some(s) = screen
        && s != rules.screen_outliers
    {
        rules.screen_outliers = s;
        rules.name = format!("{}{}", rules.name, if s { "+screen-outliers" } else { "+no-screen-outliers" });
    }
    rules
}

fn column(headers: &csv::StringRecord, name: &str) -> Result<usize, ToolError> {
    headers.iter().position(|h| h == name).ok_or_else(|| ToolError::MissingColumn {
        line: 1,
        column: name.to_owned(),
        available: headers.iter().collect::<Vec<_>>().join(", "),
    })
}

fn read_groups(args: &SpcArgs, input: &mut dyn Read) -> Result<Vec<Group>, ToolError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(LineIndex::new(input));
    let headers = reader.headers()?.clone();
    let value_col = column(&headers, &args.value)?;
    let date_col = args.date.as_deref().map(|d| column(&headers, d)).transpose()?;
    let group_col = args.group.as_deref().map(|g| column(&headers, g)).transpose()?;

    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).map_err(|e| ToolError::from_csv_in(e, reader.get_mut()))? {
        let line = reader.get_mut().line_of(record.position());
        let field = |col: usize| -> Result<&str, ToolError> {
            let bytes = record.get(col).unwrap_or_default();
            std::str::from_utf8(bytes).map_err(|_| ToolError::Input {
                line,
                column: col as u64 + 1,
                reason: format!("column '{}' is not valid UTF-8", &headers[col]),
            })
        };
        let raw = field(value_col)?.trim();
        let value = parse_value(raw).map_err(|why| ToolError::Input {
            line,
            column: value_col as u64 + 1,
            reason: format!("column '{}': '{raw}' {why}", args.value),
        })?;
        let name = match group_col {
            Some(c) => field(c)?,
            None => "",
        };
        let g = match index.get(name) {
            Some(&g) => g,
            None => {
                index.insert(name.to_owned(), groups.len());
                groups.push(Group { name: name.to_owned(), ..Group::default() });
                groups.len() - 1
            }
        };
        if let Some(c) = date_col {
            let date = field(c)?.trim().to_owned();
            groups[g].dates.push(date);
        }
        groups[g].values.push(value);
    }
    Ok(groups)
}

/// A number, or missing (NaN) for an empty cell, `NA` or `NaN`.
fn parse_value(raw: &str) -> Result<f64, &'static str> {
    if raw.is_empty() || raw.eq_ignore_ascii_case("na") || raw.eq_ignore_ascii_case("nan") {
        return Ok(f64::NAN);
    }
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err("is not a finite number"),
        Err(_) => Err("is not a number"),
    }
}

fn rebase_indices(args: &SpcArgs, groups: &[Group]) -> Result<Vec<Vec<usize>>, ToolError> {
    let mut found = vec![false; args.rebase.len()];
    let per_group = groups
        .iter()
        .map(|g| {
            let mut idx: Vec<usize> = g
                .dates
                .iter()
                .enumerate()
                .filter_map(|(i, d)| {
                    let k = args.rebase.iter().position(|r| r.trim() == d)?;
                    found[k] = true;
                    Some(i)
                })
                .filter(|&i| i > 0)
                .collect();
            idx.sort_unstable();
            idx.dedup();
            idx
        })
        .collect();
    if let Some(k) = found.iter().position(|f| !f) {
        return Err(ToolError::Invalid(format!(
            "--rebase {}: no row has that value in column '{}'",
            args.rebase[k],
            args.date.as_deref().unwrap_or_default()
        )));
    }
    Ok(per_group)
}

fn opt(x: f64) -> Option<f64> {
    (!x.is_nan()).then_some(x)
}

/// Groups whose rows are written at a time: enough to share over the cores, few enough
/// that their rows (about 15 kB for a group of 120 points) stay small in memory.
const GROUPS_PER_BATCH: usize = 512;

/// One row per point. Each batch of groups is written to buffers over the cores, then
/// the buffers in input order, so the output streams and does not depend on the cores.
fn write_csv(
    args: &SpcArgs,
    rules: &RuleSet,
    groups: &[Group],
    charts: &[XmrChart],
    output: &mut dyn Write,
) -> Result<(), ToolError> {
    let mut header = vec!["group", "index"];
    if args.date.is_some() {
        header.push("date");
    }
    header.extend([
        "value",
        "mean",
        "lpl",
        "upl",
        "lower_2s",
        "upper_2s",
        "rule",
        "side",
        "point_type",
        "segment",
        "variation_icon",
        "assurance_icon",
        "explanation",
    ]);
    let mut w = csv::Writer::from_writer(&mut *output);
    w.write_record(&header)?;
    w.flush()?;
    drop(w);
    for (groups, charts) in groups.chunks(GROUPS_PER_BATCH).zip(charts.chunks(GROUPS_PER_BATCH)) {
        let written: Vec<Result<Vec<u8>, ToolError>> =
            groups.par_iter().zip(charts).map(|(g, c)| group_rows(args.date.is_some(), rules, g, c)).collect();
        for rows in written {
            output.write_all(&rows?)?;
        }
    }
    output.flush()?;
    Ok(())
}

/// The CSV rows of one group. A flag's sentence is written on the first point it caught
/// only: the points after it carry its rule, side and point type, and repeating a
/// sentence down a run of seven or more points made the output ten times the input.
fn group_rows(with_date: bool, rules: &RuleSet, g: &Group, c: &XmrChart) -> Result<Vec<u8>, ToolError> {
    use std::fmt::Write as _;
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::with_capacity(g.values.len() * 140));
    let sentences = c.explanations(&g.values, rules);
    let mut number = String::new();
    let mut field = |w: &mut csv::Writer<Vec<u8>>, x: f64| -> Result<(), csv::Error> {
        number.clear();
        if !x.is_nan() {
            // Writing to a String cannot fail.
            let _ = write!(number, "{x}");
        }
        w.write_field(&number)
    };
    for (i, (&v, label)) in g.values.iter().zip(&c.labels).enumerate() {
        let seg = c.segment_of(i).expect("every point has a segment");
        let l = &seg.limits;
        let seg_no = c.segments.iter().position(|s| s.start == seg.start).unwrap_or(0) + 1;
        w.write_field(&g.name)?;
        w.write_field((i + 1).to_string())?;
        if with_date {
            w.write_field(&g.dates[i])?;
        }
        for x in [v, l.mean, l.lpl, l.upl, l.lower_2s, l.upper_2s] {
            field(&mut w, x)?;
        }
        w.write_field(label.rule.map_or("", |r| r.as_str()))?;
        w.write_field(label.side.map_or("", |s| s.as_str()))?;
        w.write_field(label.point_type.as_str())?;
        w.write_field(seg_no.to_string())?;
        w.write_field(c.summary.variation.as_str())?;
        w.write_field(c.summary.assurance.as_str())?;
        w.write_field(first_point_sentence(c, &sentences, i))?;
        w.write_record(None::<&[u8]>)?;
    }
    w.into_inner().map_err(|e| ToolError::from(csv::Error::from(e.into_error())))
}

/// The sentence of the flag that labels point `i`, on the flag's first point only.
fn first_point_sentence<'a>(c: &XmrChart, sentences: &'a [Explanation], i: usize) -> &'a str {
    let Some(flag) = c.flag_for(i).filter(|f| f.first == i) else {
        return "";
    };
    let k = c.flags.iter().position(|f| std::ptr::eq(f, flag)).unwrap_or(0);
    sentences.get(k).map_or("", |s| s.sentence.as_str())
}

#[derive(Serialize)]
struct JsonOut<'a> {
    rule_set: &'a RuleSet,
    improvement: Improvement,
    target: Option<f64>,
    groups: Vec<JsonGroup<'a>>,
}

#[derive(Serialize)]
struct JsonGroup<'a> {
    group: &'a str,
    variation_icon: &'static str,
    assurance_icon: &'static str,
    segments: Vec<JsonSegment>,
    flags: Vec<Explanation>,
    points: Vec<JsonPoint<'a>>,
}

#[derive(Serialize)]
struct JsonSegment {
    first_index: usize,
    last_index: usize,
    mean: Option<f64>,
    lpl: Option<f64>,
    upl: Option<f64>,
    lower_2s: Option<f64>,
    upper_2s: Option<f64>,
    mr_bar: Option<f64>,
    sigma: Option<f64>,
    baseline_points: usize,
    moving_ranges: usize,
    screened: usize,
}

#[derive(Serialize)]
struct JsonPoint<'a> {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    value: Option<f64>,
    mean: Option<f64>,
    lpl: Option<f64>,
    upl: Option<f64>,
    lower_2s: Option<f64>,
    upper_2s: Option<f64>,
    rule: Option<&'static str>,
    side: Option<&'static str>,
    point_type: &'static str,
    segment: usize,
}

fn write_json(
    args: &SpcArgs,
    rules: &RuleSet,
    improvement: Improvement,
    groups: &[Group],
    charts: &[XmrChart],
    output: &mut dyn Write,
) -> Result<(), ToolError> {
    let out = JsonOut {
        rule_set: rules,
        improvement,
        target: args.target,
        groups: groups.iter().zip(charts).map(|(g, c)| json_group(g, c, rules)).collect(),
    };
    serde_json::to_writer_pretty(&mut *output, &out).map_err(std::io::Error::from)?;
    output.write_all(b"\n")?;
    Ok(())
}

fn json_group<'a>(g: &'a Group, c: &XmrChart, rules: &RuleSet) -> JsonGroup<'a> {
    let segments = c
        .segments
        .iter()
        .map(|s| {
            let l = &s.limits;
            JsonSegment {
                first_index: s.start + 1,
                last_index: s.end,
                mean: opt(l.mean),
                lpl: opt(l.lpl),
                upl: opt(l.upl),
                lower_2s: opt(l.lower_2s),
                upper_2s: opt(l.upper_2s),
                mr_bar: opt(l.mr_bar),
                sigma: opt(l.sigma),
                baseline_points: l.baseline_points,
                moving_ranges: l.moving_ranges,
                screened: l.screened,
            }
        })
        .collect();
    let points = g.values.iter().zip(&c.labels).enumerate().map(|(i, (&v, label))| point(g, c, i, v, label)).collect();
    JsonGroup {
        group: &g.name,
        variation_icon: c.summary.variation.as_str(),
        assurance_icon: c.summary.assurance.as_str(),
        segments,
        flags: c.explanations(&g.values, rules),
        points,
    }
}

fn point<'a>(g: &'a Group, c: &XmrChart, i: usize, v: f64, label: &PointLabel) -> JsonPoint<'a> {
    let seg = c.segments.partition_point(|s| s.end <= i).min(c.segments.len() - 1);
    let l = &c.segments[seg].limits;
    JsonPoint {
        index: i + 1,
        date: g.dates.get(i).map(String::as_str),
        value: opt(v),
        mean: opt(l.mean),
        lpl: opt(l.lpl),
        upl: opt(l.upl),
        lower_2s: opt(l.lower_2s),
        upper_2s: opt(l.upper_2s),
        rule: label.rule.map(|r| r.as_str()),
        side: label.side.map(|s| s.as_str()),
        point_type: label.point_type.as_str(),
        segment: seg + 1,
    }
}
