//! failwell's one seeded pseudo-random generator, for simulation and synthetic data.
//!
//! SplitMix64 (Steele, Lea & Flood 2014): one 64-bit state, passes BigCrush, and is
//! trivially reproducible across platforms, so a figure reported with its seed (a CUSUM
//! threshold from [`crate::cusum::threshold`], a benchmark store from `failwell bench
//! scan`, a test store) can be recomputed exactly by anyone. Not for cryptography.
//!
//! Why our own and not `rand`: the outputs are part of documented results (CUSUM
//! thresholds pinned by tests, the benchmark stores behind `BENCHMARKS.md`), and a
//! generator crate's streams may change between its versions; twenty lines pinned by the
//! reference sequence below cannot. Every crate and example draws from this one type, so
//! there is one generator to trust, not a copy per use.

/// SplitMix64 generator.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform draw in (0, 1] with 53 random bits: safe to take the logarithm of.
    pub fn next_f64_open(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal draw (Box–Muller, the cosine half; two uniforms per draw).
    ///
    /// The synthetic benchmark and test stores are generated with this exact sequence of
    /// draws, so changing it changes every store generated from a seed.
    pub fn normal(&mut self) -> f64 {
        let u = self.next_f64().max(f64::MIN_POSITIVE);
        let v = self.next_f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Two independent standard normal draws (Box–Muller, both halves).
    pub fn normal_pair(&mut self) -> (f64, f64) {
        let r = (-2.0 * self.next_f64_open().ln()).sqrt();
        let theta = std::f64::consts::TAU * self.next_f64_open();
        (r * theta.cos(), r * theta.sin())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_sequence() {
        // First outputs for seed 1234567 from the reference C implementation
        // (Vigna, https://prng.di.unimi.it/splitmix64.c).
        let mut r = SplitMix64::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
    }

    #[test]
    fn uniform_in_unit_interval() {
        let mut r = SplitMix64::new(7);
        let draws: Vec<f64> = (0..10_000).map(|_| r.next_f64()).collect();
        assert!(draws.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 0.5).abs() < 0.02);
        let open: Vec<f64> = (0..10_000).map(|_| r.next_f64_open()).collect();
        assert!(open.iter().all(|x| *x > 0.0 && *x <= 1.0));
    }

    #[test]
    fn normals_have_mean_zero_and_unit_variance() {
        let mut r = SplitMix64::new(11);
        let mut xs: Vec<f64> = (0..20_000).map(|_| r.normal()).collect();
        xs.extend((0..10_000).flat_map(|_| {
            let (a, b) = r.normal_pair();
            [a, b]
        }));
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 0.03, "{mean}");
        assert!((var - 1.0).abs() < 0.05, "{var}");
    }
}
