//! Throughput of the XmR engine on one core, in memory and end to end from CSV.
//!
//! ```sh
//! cargo run --release -p failwell-stats --example bench_spc -- [--series N] [--points P]
//!     [--write-csv FILE] [--from-csv FILE]
//! ```
//!
//! Series are generated from a seeded PRNG (SplitMix64, `failwell_stats::rng`), so every run and the DuckDB
//! script (`scripts/bench_spc_duckdb.py`) see the same numbers. A tenth of the series
//! get a step change and a tenth a slope, so the rules have something to find.
//! Values are rounded to hundredths so the CSV holds them exactly.

use std::io::{BufWriter, Write};
use std::time::Instant;

use failwell_stats::rng::SplitMix64;
use failwell_stats::spc::{Rule, RuleSet, SpcOptions, XmrChart};

/// Roughly normal: the sum of four uniforms, centred and scaled (cheaper than
/// Box–Muller, and the DuckDB script reads the same numbers from the CSV anyway).
fn noise(rng: &mut SplitMix64) -> f64 {
    (rng.next_f64() + rng.next_f64() + rng.next_f64() + rng.next_f64() - 2.0) * 1.732
}

fn generate(series: usize, points: usize) -> Vec<f64> {
    let mut rng = SplitMix64::new(20_161_101);
    let mut v = Vec::with_capacity(series * points);
    for _ in 0..series {
        let level = 50.0 + 40.0 * rng.next_f64();
        let sd = 1.0 + 5.0 * rng.next_f64();
        let kind = rng.next_u64() % 10;
        let change_at = (rng.next_u64() as usize) % points;
        for t in 0..points {
            let mut x = level + sd * noise(&mut rng);
            if kind == 0 && t >= change_at {
                x += 2.0 * sd;
            } else if kind == 1 {
                x += sd * 0.08 * t as f64;
            }
            v.push((x * 100.0).round() / 100.0);
        }
    }
    v
}

struct Counts {
    flagged_points: u64,
    shift_points: u64,
    outside_points: u64,
}

fn run_all(values: &[f64], points: usize, rules: &RuleSet) -> (f64, Counts) {
    let options = SpcOptions::new(rules);
    let mut chart = XmrChart::new();
    let mut c = Counts { flagged_points: 0, shift_points: 0, outside_points: 0 };
    let start = Instant::now();
    for series in values.chunks_exact(points) {
        chart.compute(series, &options).expect("valid options");
        for f in &chart.flags {
            match f.rule {
                Rule::Shift => c.shift_points += f.points as u64,
                Rule::OutsideLimits => c.outside_points += f.points as u64,
                _ => {}
            }
        }
        c.flagged_points += chart.labels.iter().filter(|l| l.rule.is_some()).count() as u64;
    }
    (start.elapsed().as_secs_f64(), c)
}

fn write_csv(path: &str, values: &[f64], points: usize) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, "series,t,value")?;
    for (s, series) in values.chunks_exact(points).enumerate() {
        for (t, v) in series.iter().enumerate() {
            writeln!(w, "{s},{t},{v:.2}")?;
        }
    }
    w.flush()
}

/// Reads `series,t,value` rows sorted by series then t (as written above) and
/// runs SPC series by series. A hand-rolled parser: the file format is ours.
fn from_csv(path: &str, rules: &RuleSet) -> std::io::Result<(f64, usize, usize, Counts)> {
    let start = Instant::now();
    let text = std::fs::read(path)?;
    let options = SpcOptions::new(rules);
    let mut chart = XmrChart::new();
    let mut buf: Vec<f64> = Vec::with_capacity(256);
    let mut current: Option<&[u8]> = None;
    let mut c = Counts { flagged_points: 0, shift_points: 0, outside_points: 0 };
    let (mut n_series, mut n_points) = (0usize, 0usize);
    let mut flush = |buf: &mut Vec<f64>, c: &mut Counts| {
        chart.compute(buf, &options).expect("valid options");
        for f in &chart.flags {
            match f.rule {
                Rule::Shift => c.shift_points += f.points as u64,
                Rule::OutsideLimits => c.outside_points += f.points as u64,
                _ => {}
            }
        }
        c.flagged_points += chart.labels.iter().filter(|l| l.rule.is_some()).count() as u64;
        buf.clear();
    };
    for line in text.split(|&b| b == b'\n').skip(1) {
        if line.is_empty() {
            continue;
        }
        let mut fields = line.splitn(3, |&b| b == b',');
        let series = fields.next().unwrap_or_default();
        let _t = fields.next();
        let value = fields.next().unwrap_or_default();
        if current != Some(series) {
            if current.is_some() {
                flush(&mut buf, &mut c);
                n_series += 1;
            }
            current = Some(series);
        }
        let v: f64 = std::str::from_utf8(value).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(f64::NAN);
        buf.push(v);
        n_points += 1;
    }
    if current.is_some() {
        flush(&mut buf, &mut c);
        n_series += 1;
    }
    Ok((start.elapsed().as_secs_f64(), n_series, n_points, c))
}

fn main() -> std::io::Result<()> {
    let mut series = 1_000_000usize;
    let mut points = 120usize;
    let mut write_to: Option<String> = None;
    let mut read_from: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--series" => series = args.next().and_then(|s| s.parse().ok()).expect("--series N"),
            "--points" => points = args.next().and_then(|s| s.parse().ok()).expect("--points P"),
            "--write-csv" => write_to = args.next(),
            "--from-csv" => read_from = args.next(),
            other => panic!("unknown argument {other}"),
        }
    }

    if let Some(path) = read_from {
        {
            let rules = RuleSet::mdc();
            let (secs, n_series, n_points, c) = from_csv(&path, &rules)?;
            println!(
                "csv end-to-end  rules={:<7} series={n_series} points={n_points} time={secs:.3}s \
                 points/s={:.1}M flagged={} shift_points={} outside_points={}",
                rules.name,
                n_points as f64 / secs / 1e6,
                c.flagged_points,
                c.shift_points,
                c.outside_points
            );
        }
        return Ok(());
    }

    let t0 = Instant::now();
    let values = generate(series, points);
    println!("generated {series} series x {points} points in {:.2}s", t0.elapsed().as_secs_f64());
    if let Some(path) = write_to {
        let t = Instant::now();
        write_csv(&path, &values, points)?;
        println!("wrote {path} in {:.2}s", t.elapsed().as_secs_f64());
    }
    for rules in [RuleSet::mdc(), RuleSet::ptd(), RuleSet::powerbi()] {
        let (secs, c) = run_all(&values, points, &rules);
        println!(
            "in-memory       rules={:<7} time={secs:.3}s points/s={:.1}M series/s={:.2}M \
             flagged={} shift_points={} outside_points={}",
            rules.name,
            values.len() as f64 / secs / 1e6,
            series as f64 / secs / 1e6,
            c.flagged_points,
            c.shift_points,
            c.outside_points
        );
    }
    Ok(())
}
