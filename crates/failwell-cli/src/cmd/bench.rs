//! `failwell bench import`: import throughput measured beside the database's own bulk
//! loader, on the same generated file, in the same run.
//!
//! Figures are printed, never asserted. Each import runs as a child `failwell import`
//! process so its peak memory (VmHWM) is its own, not the generator's.

use crate::output::outln;
use anyhow::{Context, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Options of `failwell bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// What to measure.
    #[command(subcommand)]
    pub what: BenchWhat,
}

/// The benchmarks.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum BenchWhat {
    /// Observations import rate (rows/s) and peak memory, beside `sqlite3 .import` and PostgreSQL `COPY`.
    Import {
        /// Row counts to measure, comma-separated (memory should stay flat as they grow).
        #[arg(long, value_delimiter = ',', default_value = "1000000,10000000")]
        rows: Vec<u64>,
        /// A PostgreSQL server to measure too (a database `failwell_bench` is dropped and re-created there).
        #[arg(long, env = "FAILWELL_BENCH_POSTGRES_URL")]
        postgres: Option<String>,
        /// Where to write the generated files and SQLite stores.
        #[arg(long, default_value = "bench-out")]
        dir: PathBuf,
    },
    /// The early-warning scan on a synthetic England-scale store: full scan, one new month
    /// of one indicator, incremental scan; wall time and peak memory of each command.
    Scan {
        /// Scale factor: 1 = 6,000 organisations × 100 indicators × 120 months (72 M observations).
        #[arg(long, default_value_t = 1.0)]
        sf: f64,
        /// The generator's seed (the same seed gives the same store).
        #[arg(long, default_value_t = 20_161_101)]
        seed: u64,
        /// A PostgreSQL server to measure too (a database `failwell_bench_scan_sf…` is created there).
        #[arg(long, env = "FAILWELL_BENCH_POSTGRES_URL")]
        postgres: Option<String>,
        /// Where to write the generated files and the SQLite store.
        #[arg(long, default_value = "bench-out")]
        dir: PathBuf,
        /// Keep stores already generated and imported by an earlier run and only time the
        /// scans (the new month is then a revision of the month, changing the same 6,000 series).
        #[arg(long)]
        reuse: bool,
    },
}

/// Indicators and months per organisation in the generated data.
const INDICATORS: u64 = 10;
const MONTHS: u64 = 120;

/// Runs a benchmark.
pub async fn run(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    let (rows, postgres, dir) = match &args.what {
        BenchWhat::Import { rows, postgres, dir } => (rows, postgres, dir),
        BenchWhat::Scan { sf, seed, postgres, dir, reuse } => {
            super::bench_scan::run(*sf, *seed, postgres.as_deref(), dir, *reuse).await?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    std::fs::create_dir_all(dir)?;
    let exe = std::env::current_exe()?;
    outln!(
        "| rows | store | failwell import rows/s | peak RSS | bulk loader | loader rows/s | failwell / loader | loader into a keyed table rows/s | failwell / keyed loader |"
    )?;
    outln!("|---:|---|---:|---:|---|---:|---:|---:|---:|")?;
    for &n in rows {
        let files = generate(dir, n)?;
        let sqlite = dir.join(format!("bench-{n}.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", sqlite.display()));
        }
        let url = sqlite.display().to_string();
        let ours = measure_import(&exe, &url, &files)?;
        let loader = sqlite_bulk(&sqlite, &files.observations, Table::Plain)?;
        let keyed = sqlite_bulk(&sqlite, &files.observations, Table::Keyed)?;
        print_row(n, "SQLite", ours, "sqlite3 .import", (loader, keyed))?;
        if let Some(base) = postgres {
            let url = fresh_postgres(base, "failwell_bench")?;
            let ours = measure_import(&exe, &url, &files)?;
            let loader = postgres_copy(&url, &files.observations, Table::Plain)?;
            let keyed = postgres_copy(&url, &files.observations, Table::Keyed)?;
            print_row(n, "PostgreSQL", ours, "COPY", (loader, keyed))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The table a bulk loader fills: the loader's own best case, a table without keys (as
/// the issue measured it), and one keyed on (organisation, indicator, period) as the
/// store's `observation` is, so that the cost of keeping a key, which every import into
/// the store pays, is seen apart from failwell's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Plain,
    Keyed,
}

impl Table {
    /// The key clause of the table's definition.
    fn key(self) -> &'static str {
        match self {
            Table::Plain => "",
            Table::Keyed => ", primary key (organisation, indicator, period)",
        }
    }
}

fn print_row(
    n: u64,
    store: &str,
    ours: (Duration, u64),
    loader: &str,
    (plain, keyed): (Duration, Duration),
) -> std::io::Result<()> {
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    outln!(
        "| {n} | {store} | {:.0} | {:.0} MiB | {loader} | {:.0} | {:.2} | {:.0} | {:.2} |",
        rate(ours.0),
        ours.1 as f64 / 1024.0,
        rate(plain),
        rate(ours.0) / rate(plain),
        rate(keyed),
        rate(ours.0) / rate(keyed),
    )
}

struct Files {
    organisations: PathBuf,
    indicators: PathBuf,
    observations: PathBuf,
}

/// Writes (once per size) a registry and `n` observation rows: organisations × 10
/// indicators × 120 months, values from a fixed-seed generator.
fn generate(dir: &Path, n: u64) -> anyhow::Result<Files> {
    let orgs = n.div_ceil(INDICATORS * MONTHS);
    let files = Files {
        organisations: dir.join(format!("orgs-{n}.csv")),
        indicators: dir.join("indicators.csv"),
        observations: dir.join(format!("obs-{n}.csv")),
    };
    let mut w = std::io::BufWriter::new(std::fs::File::create(&files.indicators)?);
    writeln!(w, "code,title,polarity,kind,failure_types")?;
    for i in 0..INDICATORS {
        writeln!(w, "ind_{i:02},Indicator {i},higher_is_worse,outcome,performance")?;
    }
    w.flush()?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(&files.organisations)?);
    writeln!(w, "code,name,sector,org_type")?;
    for o in 0..orgs {
        writeln!(w, "ORG{o:06},Organisation {o},hospitals,acute_trust")?;
    }
    w.flush()?;
    if files.observations.exists() {
        return Ok(files);
    }
    let started = Instant::now();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&files.observations)?);
    writeln!(w, "organisation,indicator,period,value,value_note,numerator,denominator,expected,published_on,source")?;
    let mut rng = failwell_stats::rng::SplitMix64::new(0x9E37_79B9_7F4A_7C15);
    let mut written = 0;
    'outer: for o in 0..orgs {
        for i in 0..INDICATORS {
            for m in 0..MONTHS {
                if written == n {
                    break 'outer;
                }
                let value = (rng.next_u64() % 100_000) as f64 / 100.0;
                let (y, mo) = (2015 + m / 12, m % 12 + 1);
                writeln!(w, "ORG{o:06},ind_{i:02},{y}-{mo:02},{value},,,,,{y}-{mo:02}-28,bench")?;
                written += 1;
            }
        }
    }
    w.flush()?;
    eprintln!("generated {n} rows in {:.1}s", started.elapsed().as_secs_f64());
    Ok(files)
}

/// Imports the registry, then times the observations import in a child process and
/// samples its peak resident memory.
fn measure_import(exe: &Path, url: &str, files: &Files) -> anyhow::Result<(Duration, u64)> {
    for (kind, file) in [("organisations", &files.organisations), ("indicators", &files.indicators)] {
        let st =
            Command::new(exe).args(["--database", url, "import", kind]).arg(file).stdout(Stdio::null()).status()?;
        if !st.success() {
            bail!("importing {kind} failed");
        }
    }
    let args =
        ["--database", url, "import", "observations", &files.observations.display().to_string()].map(str::to_string);
    let (secs, peak_kib) = run_measured(exe, &args)?;
    Ok((Duration::from_secs_f64(secs), peak_kib))
}

/// Runs `exe args` with its output discarded; returns its wall time in seconds and its
/// peak resident memory (VmHWM, KiB, sampled every 20 ms). Fails if the command fails.
pub(crate) fn run_measured(exe: &Path, args: &[String]) -> anyhow::Result<(f64, u64)> {
    let started = Instant::now();
    let mut child = Command::new(exe).args(args).stdout(Stdio::null()).spawn()?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(kib) = text.lines().find_map(|l| l.strip_prefix("VmHWM:"))
        {
            peak_kib = peak_kib.max(kib.trim().trim_end_matches("kB").trim().parse().unwrap_or(0));
        }
        if let Some(st) = child.try_wait()? {
            break st;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    if !status.success() {
        bail!("failwell {} failed", args.join(" "));
    }
    Ok((elapsed.as_secs_f64(), peak_kib))
}

fn sqlite_bulk(db: &Path, csv: &Path, table: Table) -> anyhow::Result<Duration> {
    let script = format!(
        "pragma journal_mode=wal; pragma synchronous=normal;\n\
         drop table if exists raw_observation;\n\
         create table raw_observation (organisation text, indicator text, period text, value real, value_note text, numerator real, denominator real, expected real, published_on text, source text{});\n\
         .import --csv --skip 1 {} raw_observation\n",
        table.key(),
        csv.display()
    );
    let started = Instant::now();
    let out = Command::new("sqlite3")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("the sqlite3 command-line shell is needed for the comparison (apt-get install sqlite3)")
        .and_then(|mut c| {
            c.stdin.take().expect("piped").write_all(script.as_bytes())?;
            Ok(c.wait_with_output()?)
        })?;
    if !out.status.success() {
        bail!("sqlite3 .import failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(started.elapsed())
}

fn psql(url: &str, sql: &str) -> anyhow::Result<()> {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .context("psql is needed for the PostgreSQL comparison")?;
    if !out.status.success() {
        bail!("psql failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// Drops and re-creates database `name` on the server of `base`; returns its URL.
pub(crate) fn fresh_postgres(base: &str, name: &str) -> anyhow::Result<String> {
    Ok(postgres_database(base, name, true)?.0)
}

/// The URL of database `name` on the server of `base`, creating it if needed (`fresh`:
/// dropping it first); also whether it existed and was kept.
pub(crate) fn postgres_database(base: &str, name: &str, fresh: bool) -> anyhow::Result<(String, bool)> {
    let (prefix, _) = base.rsplit_once('/').context("a PostgreSQL URL ends in /DBNAME")?;
    let url = format!("{prefix}/{name}");
    if !fresh && psql(&url, "select 1").is_ok() {
        return Ok((url, true));
    }
    psql(base, &format!("drop database if exists {name}"))?;
    psql(base, &format!("create database {name}"))?;
    Ok((url, false))
}

fn postgres_copy(url: &str, csv: &Path, table: Table) -> anyhow::Result<Duration> {
    psql(
        url,
        &format!(
            "drop table if exists raw_observation; create table raw_observation (organisation text, indicator text, period text, value double precision, value_note text, numerator double precision, denominator double precision, expected double precision, published_on text, source text{})",
            table.key()
        ),
    )?;
    let started = Instant::now();
    psql(url, &format!("\\copy raw_observation from '{}' with (format csv, header true)", csv.display()))?;
    Ok(started.elapsed())
}
