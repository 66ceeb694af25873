//! Funnel limits with over-dispersion over 100,000 organisations, single thread.
//!
//! `cargo run --release -p failwell-stats --example bench_funnel`
//! Data are generated deterministically (SplitMix64, fixed seed), so runs are comparable.

use std::time::Instant;

use failwell_stats::funnel::{FunnelConfig, LimitMethod, Overdispersion, analyse};
use failwell_stats::rng::SplitMix64;

fn main() {
    let n = 100_000;
    let mut rng = SplitMix64::new(20_160_101);
    let mut observed = Vec::with_capacity(n);
    let mut expected = Vec::with_capacity(n);
    let mut num = Vec::with_capacity(n);
    let mut den = Vec::with_capacity(n);
    for _ in 0..n {
        // Expected counts from 1 to ~5,000 (log-uniform), observed with ±20% noise.
        let e = (rng.next_f64() * 8.5).exp();
        let o = (e * (0.8 + 0.4 * rng.next_f64())).round();
        expected.push(e);
        observed.push(o);
        let d = (10.0 + rng.next_f64() * 20_000.0).round();
        den.push(d);
        num.push((d * (0.05 + 0.02 * rng.next_f64())).round());
    }
    let cases = [
        (
            "ratio, exact limits, multiplicative φ (10% winsorised)",
            FunnelConfig::ratio().with_overdispersion(Overdispersion::multiplicative()),
            &observed,
            &expected,
        ),
        ("ratio, SHMI (log, 10% trimmed, additive τ²)", FunnelConfig::shmi(), &observed, &expected),
        (
            "ratio, normal limits, additive τ²",
            FunnelConfig::ratio().with_limits(LimitMethod::Normal).with_overdispersion(Overdispersion::additive()),
            &observed,
            &expected,
        ),
        (
            "proportion, exact limits, multiplicative φ",
            FunnelConfig::proportion().with_overdispersion(Overdispersion::multiplicative()),
            &num,
            &den,
        ),
    ];
    for (name, cfg, x, d) in cases {
        // One warm-up, then the best of three.
        let _ = analyse(x, d, &cfg).unwrap();
        let mut best = f64::INFINITY;
        let mut outside = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let f = analyse(x, d, &cfg).unwrap();
            best = best.min(t.elapsed().as_secs_f64());
            outside = f.flags().count();
        }
        println!(
            "{name}: {n} units in {:.1} ms = {:.2} M units/s/core ({outside} outside 95%; {})",
            best * 1e3,
            n as f64 / best / 1e6,
            analyse(x, d, &cfg).unwrap().method_phrase()
        );
    }
}
