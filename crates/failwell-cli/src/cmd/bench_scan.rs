//! `failwell bench scan`: the early-warning scan at England scale.
//!
//! A synthetic store is generated (deterministic seed; scale factor 1 = 6,000
//! organisations × 100 indicators × 120 months = 72 million observations), imported with
//! `failwell import`, and scanned with `failwell scan` as child processes, so that each
//! figure is a real command's wall time and peak memory (VmHWM), not the generator's:
//! a full scan, then the import of one new month of one indicator, then the incremental
//! scan that follows it. Figures are printed, never asserted.

use super::bench::{fresh_postgres, run_measured};
use crate::output::outln;
use anyhow::bail;
// The same seed gives the same store: the one seeded generator of the workspace.
use failwell_stats::rng::SplitMix64;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Organisations, indicators and months at scale factor 1.
const ORGANISATIONS: f64 = 6_000.0;
const INDICATORS: usize = 100;
const MONTHS: usize = 120;
/// Regions the organisations belong to (groups for the system view).
const REGIONS: usize = 9;
/// The seven failure types, cycled over the indicators.
const FAILURE_TYPES: [&str; 7] =
    ["performance", "financial", "governance", "policy_and_politics", "external", "commissioning", "connection"];

/// The generated files.
pub struct Synthetic {
    /// Registry: organisations and regions.
    pub organisations: PathBuf,
    /// Membership of regions.
    pub links: PathBuf,
    /// The indicator catalogue.
    pub indicators: PathBuf,
    /// 120 months of every series.
    pub observations: PathBuf,
    /// Month 121 of the first indicator, for the incremental scan.
    pub next_month: PathBuf,
    /// Observation rows in `observations`.
    pub rows: u64,
}

fn month(m: usize) -> (usize, usize) {
    (2015 + m / 12, m % 12 + 1)
}

/// Writes the synthetic store's files into `dir` (reused when present for the same scale
/// and seed). Each series has its own level and noise; one organisation in twenty starts
/// to decline (a 1.5σ step in its worse direction) at a random month of its last five
/// years, so the scan has real signals to find among the noise.
pub fn generate(dir: &Path, sf: f64, seed: u64) -> anyhow::Result<Synthetic> {
    let orgs = (ORGANISATIONS * sf).round().max(1.0) as usize;
    let tag = format!("sf{sf}-seed{seed}");
    let files = Synthetic {
        organisations: dir.join(format!("{tag}-organisations.csv")),
        links: dir.join(format!("{tag}-links.csv")),
        indicators: dir.join(format!("{tag}-indicators.csv")),
        observations: dir.join(format!("{tag}-observations.csv")),
        next_month: dir.join(format!("{tag}-next-month.csv")),
        rows: (orgs * INDICATORS * MONTHS) as u64,
    };
    let mut w = std::io::BufWriter::new(std::fs::File::create(&files.indicators)?);
    writeln!(w, "code,title,polarity,kind,failure_types,method")?;
    for i in 0..INDICATORS {
        let polarity = ["higher_is_worse", "higher_is_better"][i % 2];
        let kind = ["outcome", "process", "outcome", "reporting_culture"][i % 4];
        writeln!(w, "syn_{i:03},Synthetic indicator {i},{polarity},{kind},{},spc", FAILURE_TYPES[i % 7])?;
    }
    w.flush()?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(&files.organisations)?);
    writeln!(w, "code,name,sector,org_type,region")?;
    for r in 0..REGIONS {
        writeln!(w, "SYNREG{r},Synthetic region {r},region,region,")?;
    }
    for o in 0..orgs {
        writeln!(w, "SYN{o:05},Synthetic organisation {o},hospitals,acute_trust,Synthetic region {}", o % REGIONS)?;
    }
    w.flush()?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(&files.links)?);
    writeln!(w, "from,to,link_type")?;
    for o in 0..orgs {
        writeln!(w, "SYN{o:05},SYNREG{},member_of", o % REGIONS)?;
    }
    w.flush()?;
    if files.observations.exists() && files.next_month.exists() {
        return Ok(files);
    }
    write_series(&files, orgs, seed)?;
    Ok(files)
}

/// Writes the observations and the next month.
fn write_series(files: &Synthetic, orgs: usize, seed: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    let header = "organisation,indicator,period,value,published_on,source";
    let mut obs = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&files.observations)?);
    let mut next = std::io::BufWriter::new(std::fs::File::create(&files.next_month)?);
    writeln!(obs, "{header}")?;
    writeln!(next, "{header}")?;
    let mut rng = SplitMix64::new(seed);
    for o in 0..orgs {
        let declining = rng.next_f64() < 0.05;
        let onset = MONTHS - 60 + (rng.next_u64() % 60) as usize;
        for i in 0..INDICATORS {
            let level = 50.0 + 20.0 * rng.next_f64();
            let sd = 1.0 + 4.0 * rng.next_f64();
            let worse = if i % 2 == 0 { 1.0 } else { -1.0 };
            for m in 0..=MONTHS {
                let step = if declining && m >= onset { 1.5 * sd * worse } else { 0.0 };
                let value = level + step + sd * rng.normal();
                let (y, mo) = month(m);
                let (py, pm) = month(m + 1);
                let line = format!("SYN{o:05},syn_{i:03},{y}-{mo:02},{value:.3},{py}-{pm:02}-15,synthetic\n");
                if m < MONTHS {
                    obs.write_all(line.as_bytes())?;
                } else if i == 0 {
                    next.write_all(line.as_bytes())?;
                }
            }
        }
    }
    obs.flush()?;
    next.flush()?;
    eprintln!("generated {} observations in {:.1} s", files.rows, started.elapsed().as_secs_f64());
    Ok(())
}

/// Runs the benchmark on one store: imports, full scan, one new month, incremental scan.
async fn bench_store(exe: &Path, label: &str, url: &str, files: &Synthetic, reuse: bool) -> anyhow::Result<()> {
    let import = |kind: &str, file: &Path| -> anyhow::Result<(f64, u64)> {
        let args = ["--database", url, "import", kind, &file.display().to_string()].map(str::to_string);
        run_measured(exe, &args)
    };
    if !reuse {
        import("organisations", &files.organisations)?;
        import("links", &files.links)?;
        import("indicators", &files.indicators)?;
        let (secs, kib) = import("observations", &files.observations)?;
        outln!(
            "| {label} | import {} observations | {secs:.1} s | {:.0} rows/s | {:.0} MiB |",
            files.rows,
            files.rows as f64 / secs,
            kib as f64 / 1024.0
        )?;
    }
    let scan = |extra: &[&str]| -> anyhow::Result<(f64, u64)> {
        let mut args: Vec<String> =
            ["--database", url, "scan", "--format", "json"].iter().map(|s| s.to_string()).collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        run_measured(exe, &args)
    };
    let (secs, kib) = scan(&["--full"])?;
    outln!("| {label} | full scan (recorded) | {secs:.2} s | | {:.0} MiB |", kib as f64 / 1024.0)?;
    let (secs, kib) = import("observations", &files.next_month)?;
    outln!("| {label} | import one new month of one indicator | {secs:.2} s | | {:.0} MiB |", kib as f64 / 1024.0)?;
    let (secs, kib) = scan(&[])?;
    outln!("| {label} | incremental scan after it | {secs:.2} s | | {:.0} MiB |", kib as f64 / 1024.0)?;
    Ok(())
}

/// Runs `failwell bench scan`.
pub async fn run(sf: f64, seed: u64, postgres: Option<&str>, dir: &Path, reuse: bool) -> anyhow::Result<()> {
    if !(sf > 0.0 && sf <= 10.0) {
        bail!("--sf must be in (0, 10]");
    }
    std::fs::create_dir_all(dir)?;
    let exe = std::env::current_exe()?;
    let files = generate(dir, sf, seed)?;
    if reuse {
        // A kept store has this month already: import it again with other figures.
        let orgs = (ORGANISATIONS * sf).round().max(1.0) as usize;
        let nudge =
            (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() % 997 + 1) as f64 / 1000.0;
        let mut next = std::io::BufWriter::new(std::fs::File::create(&files.next_month)?);
        writeln!(next, "organisation,indicator,period,value,published_on,source")?;
        let mut rng = SplitMix64::new(seed ^ 0x5EED);
        for o in 0..orgs {
            writeln!(next, "SYN{o:05},syn_000,2025-01,{:.3},2025-02-15,synthetic", 60.0 + rng.normal() + nudge)?;
        }
        next.flush()?;
    }
    outln!("| store | step | wall time | rate | peak RSS |")?;
    outln!("|---|---|---:|---:|---:|")?;
    let sqlite = dir.join(format!("scan-sf{sf}-seed{seed}.db"));
    let reuse_sqlite = reuse && sqlite.exists();
    if !reuse_sqlite {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", sqlite.display()));
        }
    }
    bench_store(&exe, "SQLite", &sqlite.display().to_string(), &files, reuse_sqlite).await?;
    if let Some(base) = postgres {
        let name = format!("failwell_bench_scan_sf{}", sf.to_string().replace('.', "_"));
        let (url, existed) = if reuse {
            super::bench::postgres_database(base, &name, false)?
        } else {
            (fresh_postgres(base, &name)?, false)
        };
        bench_store(&exe, "PostgreSQL", &url, &files, existed).await?;
    }
    Ok(())
}
