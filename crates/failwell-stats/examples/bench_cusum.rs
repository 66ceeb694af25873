//! CUSUM over 10,000,000 cases, single thread.
//!
//! `cargo run --release -p failwell-stats --example bench_cusum`
//! Data are generated deterministically (SplitMix64, fixed seed).

use std::time::Instant;

use failwell_stats::cusum::threshold::{NullModel, threshold_dp, threshold_simulated};
use failwell_stats::cusum::{CusumConfig, CusumKind, run_into};
use failwell_stats::rng::SplitMix64;

fn main() {
    let n = 10_000_000;
    let mut rng = SplitMix64::new(2000);
    let mut risk = Vec::with_capacity(n);
    let mut outcome = Vec::with_capacity(n);
    for _ in 0..n {
        let p = 0.005 + 0.2 * rng.next_f64() * rng.next_f64();
        risk.push(p);
        outcome.push(if rng.next_f64() < p * 1.1 { 1.0 } else { 0.0 });
    }
    let mut weights = vec![0.0; n];
    let mut values = vec![0.0; n];
    let cfg = CusumConfig { kind: CusumKind::Bernoulli { odds_ratio: 2.0 }, threshold: 5.0, reset: true };
    let _ = run_into(&cfg, &outcome[..1000], &risk[..1000], &mut weights, &mut values).unwrap();
    let mut best = f64::INFINITY;
    let mut signals = 0;
    for _ in 0..3 {
        let t = Instant::now();
        signals = run_into(&cfg, &outcome, &risk, &mut weights, &mut values).unwrap().len();
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "risk-adjusted Bernoulli CUSUM: {n} cases in {:.1} ms = {:.1} M cases/s/core ({signals} signals)",
        best * 1e3,
        n as f64 / best / 1e6
    );

    let counts: Vec<f64> = risk.iter().map(|p| (p * 400.0).round()).collect();
    let expect: Vec<f64> = risk.iter().map(|p| p * 380.0).collect();
    let pcfg = CusumConfig { kind: CusumKind::Poisson { rate_ratio: 1.5 }, threshold: 5.0, reset: true };
    let t = Instant::now();
    let s = run_into(&pcfg, &counts, &expect, &mut weights, &mut values).unwrap().len();
    let dt = t.elapsed().as_secs_f64();
    println!(
        "Poisson CUSUM: {n} periods in {:.1} ms = {:.1} M periods/s/core ({s} signals)",
        dt * 1e3,
        n as f64 / dt / 1e6
    );

    // Threshold search costs, for the record.
    let mix = &risk[..1000];
    let model = NullModel::Bernoulli { probabilities: mix, odds_ratio: 2.0 };
    let t = Instant::now();
    let h = threshold_simulated(&model, 1000, 0.05, 10_000, 2046).unwrap();
    println!(
        "threshold by simulation (10,000 runs × 1,000 cases): h = {:.3} in {:.2} s",
        h.value,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let h = threshold_dp(&model, 1000, 0.05, 500).unwrap();
    println!(
        "threshold by discretised DP (500 cells, 1,000 cases): h = {:.3} in {:.2} s",
        h.value,
        t.elapsed().as_secs_f64()
    );
}
