//! Detection quality of the early-warning rules (issue 4): how soon do the default
//! Making Data Count rules catch a known decline, and how often do they cry wolf,
//! beside a plain XmR chart that only flags points beyond the process limits?
//!
//! ```sh
//! cargo run --release -p failwell-stats --example detection_quality -- [--orgs N]
//! ```
//!
//! Every organisation has a monthly series of 120 points, N(100, 10) noise from a
//! seeded SplitMix64 (`failwell_stats::rng`) + Box–Muller. Limits come from the first 36 months
//! (`fix_after = 36`) and are never recomputed. Higher is worse
//! (`improvement = decrease`), so only high-side special causes are concerns.
//!
//! * In-control organisations stay N(100, 10) for all 120 months.
//! * Declining organisations deteriorate from month 36 (0-based; the first month
//!   after the baseline): a step of 0.5σ, 1σ or 2σ, or a drift of 0.1σ per month
//!   (0.1σ in the onset month, 0.2σ the next, ...).
//!
//! Alarms are judged prospectively, as an overseer would see them: month `t` is in
//! alarm when the chart computed on months `0..=t` has a concern firing whose last
//! point is `t` (a shift is only an alarm once its seventh point is in, however far
//! back its label reaches). A new alarm starts at `t` when `t` is in alarm and
//! `t − 1` was not.
//!
//! * Delay: months of post-onset data seen when the first alarm at or after onset
//!   is raised (an alarm in the onset month is a delay of 1, as in an ARL). Series
//!   with no alarm in the 84 months after onset count as undetected (delay ∞) in
//!   the median and the 90th percentile.
//! * False alarms: new alarms in months 36..119 of in-control series (7 years after
//!   the baseline), per organisation-year, and the share of organisations with at
//!   least one.
//!
//! The same simulated series are fed to both rule sets (common random numbers).

use failwell_stats::rng::SplitMix64;
use failwell_stats::spc::{Improvement, PointType, RuleSet, SpcOptions, XmrChart};

const MONTHS: usize = 120;
const BASELINE: usize = 36;
const SIGMA: f64 = 10.0;
const MEAN: f64 = 100.0;

#[derive(Clone, Copy)]
enum Scenario {
    InControl,
    Step(f64),
    Drift(f64),
}

impl Scenario {
    fn name(self) -> String {
        match self {
            Scenario::InControl => "in control".to_owned(),
            Scenario::Step(k) => format!("step +{k}σ"),
            Scenario::Drift(k) => format!("drift +{k}σ/month"),
        }
    }

    fn fill(self, rng: &mut SplitMix64, out: &mut [f64]) {
        for pair in out.chunks_mut(2) {
            let (a, b) = rng.normal_pair();
            pair[0] = MEAN + SIGMA * a;
            if pair.len() > 1 {
                pair[1] = MEAN + SIGMA * b;
            }
        }
        for (t, v) in out.iter_mut().enumerate().skip(BASELINE) {
            *v += SIGMA
                * match self {
                    Scenario::InControl => 0.0,
                    Scenario::Step(k) => k,
                    Scenario::Drift(k) => k * (t - BASELINE + 1) as f64,
                };
        }
    }
}

/// Whether month `t` is in alarm, seen with data up to `t` only.
fn alarm_at(chart: &mut XmrChart, values: &[f64], t: usize, opts: &SpcOptions<'_>) -> bool {
    chart.compute(&values[..=t], opts).expect("valid options");
    chart.flags.iter().any(|f| f.point_type == PointType::Concern && f.last == t)
}

#[derive(Default)]
struct Tally {
    /// Delay per declining organisation, `usize::MAX` when never detected.
    delays: Vec<usize>,
    /// New alarms after the baseline, summed over in-control organisations.
    false_alarms: usize,
    /// In-control organisations with at least one false alarm.
    orgs_with_false_alarm: usize,
    orgs: usize,
}

fn run(rules: &RuleSet, scenario: Scenario, values: &[f64], chart: &mut XmrChart, tally: &mut Tally) {
    let opts = SpcOptions {
        rules,
        improvement: Improvement::Decrease,
        fix_after: Some(BASELINE),
        rebase_at: &[],
        target: None,
    };
    tally.orgs += 1;
    match scenario {
        Scenario::InControl => {
            let mut before = alarm_at(chart, values, BASELINE - 1, &opts);
            let mut count = 0;
            for t in BASELINE..MONTHS {
                let now = alarm_at(chart, values, t, &opts);
                if now && !before {
                    count += 1;
                }
                before = now;
            }
            tally.false_alarms += count;
            tally.orgs_with_false_alarm += usize::from(count > 0);
        }
        _ => {
            let delay = (BASELINE..MONTHS)
                .find(|&t| alarm_at(chart, values, t, &opts))
                .map_or(usize::MAX, |t| t - BASELINE + 1);
            tally.delays.push(delay);
        }
    }
}

/// The q-quantile (nearest rank) of sorted delays, as text.
fn quantile(sorted: &[usize], q: f64) -> String {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    match sorted[rank - 1] {
        usize::MAX => format!("> {}", MONTHS - BASELINE),
        d => d.to_string(),
    }
}

fn main() {
    let mut orgs = 20_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--orgs" => orgs = args.next().and_then(|s| s.parse().ok()).expect("--orgs N"),
            other => panic!("unknown argument {other}"),
        }
    }

    let mdc = RuleSet::mdc();
    let plain = RuleSet {
        name: "xmr-3sigma".to_owned(),
        shift_length: None,
        trend_length: None,
        two_in_three: None,
        ..RuleSet::mdc()
    };
    let sets = [&mdc, &plain];
    let scenarios =
        [Scenario::InControl, Scenario::Step(0.5), Scenario::Step(1.0), Scenario::Step(2.0), Scenario::Drift(0.1)];

    let started = std::time::Instant::now();
    let mut chart = XmrChart::new();
    let mut values = vec![0.0; MONTHS];
    let mut results: Vec<(Scenario, Vec<Tally>)> = Vec::new();
    for (si, &scenario) in scenarios.iter().enumerate() {
        let mut tallies: Vec<Tally> = sets.iter().map(|_| Tally::default()).collect();
        for org in 0..orgs {
            let mut rng = SplitMix64::new(0x4445_5445_4354 ^ ((si as u64) << 40) ^ org as u64);
            scenario.fill(&mut rng, &mut values);
            for (rules, tally) in sets.iter().zip(tallies.iter_mut()) {
                run(rules, scenario, &values, &mut chart, tally);
            }
        }
        results.push((scenario, tallies));
    }

    println!(
        "{orgs} organisations per scenario, {MONTHS} months, limits from months 1–{BASELINE}, onset at month {}, higher is worse\n",
        BASELINE + 1
    );
    println!(
        "| scenario | rules | detected ≤ 24 months | median delay | 90th pct delay | false alarms per org-year | orgs with a false alarm in 7 years |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (scenario, tallies) in &mut results {
        for (rules, tally) in sets.iter().zip(tallies.iter_mut()) {
            match scenario {
                Scenario::InControl => {
                    let years = (MONTHS - BASELINE) as f64 / 12.0;
                    println!(
                        "| {} | {} | – | – | – | {:.3} | {:.1}% |",
                        scenario.name(),
                        rules.name,
                        tally.false_alarms as f64 / (tally.orgs as f64 * years),
                        100.0 * tally.orgs_with_false_alarm as f64 / tally.orgs as f64
                    );
                }
                _ => {
                    tally.delays.sort_unstable();
                    let within = tally.delays.iter().filter(|&&d| d <= 24).count();
                    println!(
                        "| {} | {} | {:.1}% | {} | {} | – | – |",
                        scenario.name(),
                        rules.name,
                        100.0 * within as f64 / tally.orgs as f64,
                        quantile(&tally.delays, 0.5),
                        quantile(&tally.delays, 0.9)
                    );
                }
            }
        }
    }
    eprintln!("\n(ran in {:.1} s)", started.elapsed().as_secs_f64());
}
