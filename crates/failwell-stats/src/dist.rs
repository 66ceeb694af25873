//! Distribution helpers shared by funnel plots and CUSUM.
//!
//! Thin wrappers over statrs' special functions, shaped for the two things the
//! funnel and CUSUM code need in hot loops: discrete quantiles that also report
//! the cumulative probabilities either side of the quantile (for Spiegelhalter's
//! interpolation), and continuous quantiles that accept the edge cases
//! (zero degrees of freedom, zero means) that real indicator data produce.

use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::{beta, erf, gamma};

/// Two-sided 95% control level: the tail probability on each side is 2.5%.
pub const TAIL_95: f64 = 0.025;
/// Two-sided 99.8% control level: the tail probability on each side is 0.1%.
pub const TAIL_998: f64 = 0.001;

/// Standard normal quantile (inverse CDF); why: erfc_inv is cheaper than building a
/// statrs `Normal` in a loop over 100,000 units.
pub fn normal_quantile(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * erf::erfc_inv(2.0 * p)
}

/// Standard normal cumulative distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erf::erfc(-x / std::f64::consts::SQRT_2)
}

/// Chi-squared quantile with `df` degrees of freedom; `df == 0` is the point mass at
/// zero (the lower exact Poisson limit of a zero count).
pub fn chi_squared_quantile(p: f64, df: f64) -> f64 {
    if df <= 0.0 || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    ChiSquared::new(df).map(|d| d.inverse_cdf(p)).unwrap_or(f64::NAN)
}

/// P(X <= k) for X ~ Poisson(mu).
pub fn poisson_cdf(k: f64, mu: f64) -> f64 {
    if k < 0.0 {
        return 0.0;
    }
    if mu <= 0.0 {
        return 1.0;
    }
    gamma::gamma_ur(k.floor() + 1.0, mu)
}

/// P(X = k) for X ~ Poisson(mu), computed on the log scale so large means do not overflow.
pub fn poisson_pmf(k: f64, mu: f64) -> f64 {
    if k < 0.0 {
        return 0.0;
    }
    if mu <= 0.0 {
        return if k == 0.0 { 1.0 } else { 0.0 };
    }
    (k * mu.ln() - mu - gamma::ln_gamma(k + 1.0)).exp()
}

/// P(X <= k) for X ~ Binomial(n, p).
pub fn binomial_cdf(k: f64, n: f64, p: f64) -> f64 {
    if k < 0.0 {
        return 0.0;
    }
    if k >= n || p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return 0.0;
    }
    let k = k.floor();
    beta::beta_reg(n - k, k + 1.0, 1.0 - p)
}

/// P(X = k) for X ~ Binomial(n, p).
pub fn binomial_pmf(k: f64, n: f64, p: f64) -> f64 {
    if k < 0.0 || k > n {
        return 0.0;
    }
    if p <= 0.0 {
        return if k == 0.0 { 1.0 } else { 0.0 };
    }
    if p >= 1.0 {
        return if k == n { 1.0 } else { 0.0 };
    }
    let ln_choose = gamma::ln_gamma(n + 1.0) - gamma::ln_gamma(k + 1.0) - gamma::ln_gamma(n - k + 1.0);
    (ln_choose + k * p.ln() + (n - k) * (1.0 - p).ln()).exp()
}

/// A discrete quantile with the cumulative probabilities at it and just below it.
///
/// Spiegelhalter (2005, appendix) turns the step-shaped exact limits into smooth
/// funnels by interpolating between `r - 1` and `r`; that needs both CDF values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiscreteQuantile {
    /// The smallest count `r` with `P(X <= r) >= p`.
    pub r: f64,
    /// `P(X <= r)`.
    pub cdf_at: f64,
    /// `P(X <= r - 1)`.
    pub cdf_below: f64,
}

impl DiscreteQuantile {
    /// Spiegelhalter's interpolated quantile `r - alpha`, where
    /// `alpha = (P(X <= r) - p) / P(X = r)`; continuous in the mean, so funnels are smooth.
    pub fn interpolated(&self, p: f64) -> f64 {
        let mass = self.cdf_at - self.cdf_below;
        if mass <= 0.0 {
            return self.r;
        }
        self.r - ((self.cdf_at - p) / mass).clamp(0.0, 1.0)
    }
}

/// The p-quantile of Poisson(mu) with its neighbouring CDF values.
///
/// Starts from the Cornish–Fisher guess and walks with the pmf recurrence, so one
/// incomplete-gamma evaluation is spent per quantile rather than one per step.
pub fn poisson_quantile(p: f64, mu: f64) -> DiscreteQuantile {
    if mu <= 0.0 {
        return DiscreteQuantile { r: 0.0, cdf_at: 1.0, cdf_below: 0.0 };
    }
    let z = normal_quantile(p);
    let guess = (mu + z * mu.sqrt() + (z * z - 1.0) / 6.0).floor().max(0.0);
    let mut r = guess;
    let mut cdf = poisson_cdf(r, mu);
    let mut pmf = poisson_pmf(r, mu);
    if cdf >= p {
        // Walk down while the count below still reaches p.
        while r > 0.0 && cdf - pmf >= p {
            cdf -= pmf;
            pmf *= r / mu;
            r -= 1.0;
        }
    } else {
        while cdf < p {
            r += 1.0;
            pmf *= mu / r;
            cdf += pmf;
            if pmf == 0.0 && cdf < p {
                // Underflowed far in the tail: recompute directly.
                cdf = poisson_cdf(r, mu);
                pmf = poisson_pmf(r, mu);
            }
        }
    }
    DiscreteQuantile { r, cdf_at: cdf, cdf_below: (cdf - pmf).max(0.0) }
}

/// The p-quantile of Binomial(n, prob) with its neighbouring CDF values.
pub fn binomial_quantile(p: f64, n: f64, prob: f64) -> DiscreteQuantile {
    if prob <= 0.0 || n <= 0.0 {
        return DiscreteQuantile { r: 0.0, cdf_at: 1.0, cdf_below: 0.0 };
    }
    if prob >= 1.0 {
        return DiscreteQuantile { r: n, cdf_at: 1.0, cdf_below: 0.0 };
    }
    let z = normal_quantile(p);
    let mean = n * prob;
    let sd = (mean * (1.0 - prob)).sqrt();
    let guess = (mean + z * sd).floor().clamp(0.0, n);
    let odds = prob / (1.0 - prob);
    let mut r = guess;
    let mut cdf = binomial_cdf(r, n, prob);
    let mut pmf = binomial_pmf(r, n, prob);
    if cdf >= p {
        while r > 0.0 && cdf - pmf >= p {
            cdf -= pmf;
            // pmf(r-1) = pmf(r) * r / ((n - r + 1) * odds)
            pmf *= r / ((n - r + 1.0) * odds);
            r -= 1.0;
        }
    } else {
        while cdf < p && r < n {
            // pmf(r+1) = pmf(r) * (n - r) / (r + 1) * odds
            pmf *= (n - r) / (r + 1.0) * odds;
            r += 1.0;
            cdf += pmf;
            if pmf == 0.0 && cdf < p {
                cdf = binomial_cdf(r, n, prob);
                pmf = binomial_pmf(r, n, prob);
            }
        }
    }
    DiscreteQuantile { r, cdf_at: cdf.min(1.0), cdf_below: (cdf - pmf).max(0.0) }
}

/// P(X ≥ k) for X the number of successes among independent trials with success
/// `probabilities` (the Poisson binomial distribution), exactly, by convolution: O(n²),
/// for the few dozen members of a group, where no normal approximation holds.
pub fn poisson_binomial_at_least(k: usize, probabilities: &[f64]) -> f64 {
    let mut dist = vec![0.0; probabilities.len() + 1];
    dist[0] = 1.0;
    for (i, &p) in probabilities.iter().enumerate() {
        for j in (1..=i + 1).rev() {
            dist[j] = dist[j] * (1.0 - p) + dist[j - 1] * p;
        }
        dist[0] *= 1.0 - p;
    }
    dist.iter().skip(k).sum::<f64>().clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poisson_binomial_tail_is_exact() {
        // Equal rates: the binomial. P(X ≥ 2 | 3, 0.5) = 4/8.
        assert!((poisson_binomial_at_least(2, &[0.5, 0.5, 0.5]) - 0.5).abs() < 1e-15);
        assert!((poisson_binomial_at_least(2, &[0.5, 0.5, 0.5]) - (1.0 - binomial_cdf(1.0, 3.0, 0.5))).abs() < 1e-12);
        // Unequal: P(X ≥ 2) for 0.1, 0.2, 0.5 = 0.1·0.2 + 0.1·0.5 + 0.2·0.5 − 2·0.1·0.2·0.5 = 0.15.
        assert!((poisson_binomial_at_least(2, &[0.1, 0.2, 0.5]) - 0.15).abs() < 1e-15);
        assert!((poisson_binomial_at_least(0, &[0.3, 0.3]) - 1.0).abs() < 1e-15);
        assert_eq!(poisson_binomial_at_least(3, &[0.3, 0.3]), 0.0);
    }

    #[test]
    fn normal_quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-6);
        assert!((normal_quantile(0.999) - 3.090232).abs() < 1e-6);
        assert!((normal_cdf(1.959964) - 0.975).abs() < 1e-6);
    }

    #[test]
    fn poisson_quantile_brackets_p() {
        for &mu in &[0.3, 2.0, 15.0, 350.0, 1.0e5] {
            for &p in &[0.001, 0.025, 0.5, 0.975, 0.999] {
                let q = poisson_quantile(p, mu);
                assert!(q.cdf_at >= p - 1e-12, "mu={mu} p={p} {q:?}");
                assert!(q.cdf_below < p + 1e-12, "mu={mu} p={p} {q:?}");
                assert!((poisson_cdf(q.r, mu) - q.cdf_at).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn binomial_quantile_brackets_p() {
        for &(n, pr) in &[(10.0, 0.1), (250.0, 0.8), (40000.0, 0.03), (3.0, 0.5)] {
            for &p in &[0.001, 0.025, 0.5, 0.975, 0.999] {
                let q = binomial_quantile(p, n, pr);
                assert!(q.cdf_at >= p - 1e-12, "n={n} p={p} {q:?}");
                assert!(q.cdf_below < p + 1e-12, "n={n} p={p} {q:?}");
                assert!((binomial_cdf(q.r, n, pr) - q.cdf_at).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn chi_squared_edge_cases() {
        assert_eq!(chi_squared_quantile(0.025, 0.0), 0.0);
        // qchisq(0.975, 4) = 11.14329
        assert!((chi_squared_quantile(0.975, 4.0) - 11.143287).abs() < 1e-5);
    }
}
