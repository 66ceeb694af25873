//! `failwell import`: files in, one transaction, every bad row named.

use crate::output::outln;
use crate::progress::{Counting, file_bar};
use anyhow::Context;
use failwell_engine::import::{Import, Outcome};
use failwell_ingest::mapping::{Filter, PeriodStyle};
use failwell_ingest::{Format, Kind, Mapping};
use failwell_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;

/// The record kinds, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// The registry of organisations and groups.
    Organisations,
    /// Dated links between organisations.
    Links,
    /// The indicator catalogue.
    Indicators,
    /// Indicator figures.
    Observations,
    /// Inspection judgements.
    Inspections,
    /// Regulatory and organisational events.
    Events,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Organisations => Kind::Organisations,
            KindArg::Links => Kind::Links,
            KindArg::Indicators => Kind::Indicators,
            KindArg::Observations => Kind::Observations,
            KindArg::Inspections => Kind::Inspections,
            KindArg::Events => Kind::Events,
        }
    }
}

/// How the publisher writes periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PeriodStyleArg {
    /// Our forms: 2024, 2023/24, 2024-03, 2024-03-31.
    Canonical,
    /// A year number naming the year to 31 March (DfE: 2024 means 2023/24).
    YearEndingMarch,
    /// A date standing for its month (NHS England: 2024-03-01 means 2024-03).
    MonthOfDate,
}

/// Options of `failwell import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// What the files hold.
    #[arg(value_enum)]
    pub kind: KindArg,
    /// The files (CSV, or JSON Lines when named .json/.jsonl); all go in one transaction.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Check every row and report every error, but write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Read our column from theirs: --map value=attendances_all (repeatable).
    #[arg(long = "map", value_name = "OURS=THEIRS")]
    pub maps: Vec<String>,
    /// Give a column one value for every row: --set indicator=ae_attendances (repeatable).
    #[arg(long = "set", value_name = "OURS=VALUE")]
    pub sets: Vec<String>,
    /// Keep only matching rows: COL=VALUE, COL!=VALUE, COL^=PREFIX, COL!^=PREFIX (their column names; repeatable, all must hold).
    #[arg(long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// How periods are written.
    #[arg(long, value_enum, default_value = "canonical")]
    pub period_style: PeriodStyleArg,
    /// Where published_on is empty: the period's last day plus this many days (the publisher's usual lag).
    #[arg(long, value_name = "DAYS")]
    pub published_lag_days: Option<i64>,
    /// Skip rows with neither a value nor a publisher's note, instead of refusing them.
    #[arg(long)]
    pub skip_empty: bool,
    /// Inspections: their columns that each hold one domain's grade (comma-separated), used when the file has no `domains` column.
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub domain_columns: Vec<String>,
    /// Inspections: the regime (TOML) whose grading scales every grade must be on; default: the built-in England regime.
    #[arg(long, value_name = "FILE")]
    pub regime: Option<PathBuf>,
}

impl ImportArgs {
    /// The mapping these flags describe.
    pub fn mapping(&self) -> anyhow::Result<Mapping> {
        let mut m = Mapping::default();
        for s in &self.maps {
            m.add_rename(s).map_err(anyhow::Error::msg)?;
        }
        for s in &self.sets {
            m.add_constant(s).map_err(anyhow::Error::msg)?;
        }
        for s in &self.filters {
            m.filters.push(Filter::parse(s).map_err(anyhow::Error::msg)?);
        }
        m.period_style = match self.period_style {
            PeriodStyleArg::Canonical => PeriodStyle::Canonical,
            PeriodStyleArg::YearEndingMarch => PeriodStyle::YearEndingMarch,
            PeriodStyleArg::MonthOfDate => PeriodStyle::MonthOfDate,
        };
        m.published_lag_days = self.published_lag_days;
        m.skip_empty = self.skip_empty;
        m.domain_columns = self.domain_columns.clone();
        Ok(m)
    }
}

/// Runs `failwell import`.
pub async fn run(database: &str, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let kind: Kind = args.kind.into();
    let regime = match kind {
        Kind::Inspections => Some(super::scan::load_regime(args.regime.as_ref())?.0),
        _ => None,
    };
    let store = Store::open(database).await?;
    let outcome = import_files(&store, kind, &args.files, &args.mapping()?, (args.dry_run, regime.as_ref())).await;
    let audited = match &outcome {
        Ok(o) => super::audit_import(&store, args.kind.into(), &args.files, o, args.dry_run).await,
        Err(_) => Ok(()),
    };
    store.close().await;
    let outcome = outcome?;
    audited?;
    report(&outcome, args.dry_run)?;
    Ok(if outcome.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `n` and `noun`, with an `s` unless `n` is 1.
fn counted(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn report(o: &Outcome, dry_run: bool) -> std::io::Result<()> {
    for e in &o.errors {
        eprintln!("error: {e}");
    }
    if o.error_count > o.errors.len() {
        eprintln!("… and {} more bad rows", o.error_count - o.errors.len());
    }
    if o.error_count > 0 {
        // Errors against the rows of the files, not against the store's count of rows it
        // was offered (`summary.read`), which leaves the bad ones out.
        let errors = counted(o.error_count as u64, "error");
        let found = match o.rows {
            0 => format!("{errors} and no rows read"),
            rows => format!("{errors} in {}", counted(rows, "row")),
        };
        let them = if o.error_count == 1 { "it" } else { "them" };
        eprintln!("nothing was imported: {found}; fix {them} and run the import again");
    } else if dry_run {
        outln!(
            "dry run: {} rows read, {} would be new or changed; nothing was written",
            o.summary.read,
            o.summary.changed
        )?;
    } else {
        outln!("{} rows read, {} new or changed (import {})", o.summary.read, o.summary.changed, o.summary.import_id)?;
    }
    Ok(())
}

/// Imports `files` of `kind` in one transaction through the engine's import, each file
/// with a progress bar; commits only when every row is good and this is not a dry run.
/// Inspections' grades are checked against the regime given with the dry-run flag.
pub async fn import_files(
    store: &Store,
    kind: Kind,
    files: &[PathBuf],
    mapping: &Mapping,
    (dry_run, regime): (bool, Option<&failwell_domain::regime::Regime>),
) -> anyhow::Result<Outcome> {
    let label = files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(",");
    let mut import = Import::begin(store, kind, &label, mapping.clone()).await?;
    if let Some(regime) = regime {
        import.check_grades(regime);
    }
    for path in files {
        let name = path.display().to_string();
        let file = match std::fs::File::open(path).with_context(|| format!("cannot open {name}")) {
            Ok(f) => f,
            Err(e) => {
                import.abandon().await.ok();
                return Err(e);
            }
        };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = file_bar(len, &name);
        let input = Box::new(std::io::BufReader::with_capacity(1 << 16, Counting::new(file, bar.clone())));
        let started = std::time::Instant::now();
        let mut progress = |rows: u64| {
            let rate = rows as f64 / started.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!("{rows} rows, {rate:.0} rows/s"));
        };
        let read = import.read(&name, input, Format::from_path(path), &mut progress).await;
        bar.finish_and_clear();
        if let Err(e) = read {
            import.abandon().await.ok();
            return Err(e.into());
        }
    }
    Ok(import.finish(dry_run).await?)
}
