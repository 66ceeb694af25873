//! Choosing the CUSUM threshold h.
//!
//! A threshold is chosen so that a chart watching an organisation that performs exactly
//! as expected rarely signals: either a false-alarm probability α over a horizon of N
//! cases (the Imperial College alerts and the R `cusum` package's framing), or an
//! in-control average run length (Steiner et al. 2000's framing).
//!
//! Three ways to get the false-alarm probability of a given h over a horizon, from most
//! to least exact:
//! - [`false_alarm_exact`]: exact enumeration of the CUSUM's distribution, merging equal
//!   CUSUM values. This is far cheaper than the 2^N outcome sequences suggest: a death and
//!   a survival of the same case differ by exactly ln R whatever its risk, so every value
//!   the chart can hold at case t is (sum of survival weights since the run began at s)
//!   plus k·ln R: at most about t²/2 states, even risk-adjusted (and likewise (s, total
//!   count) for Poisson). Exact for horizons in the hundreds; fails with
//!   [`CusumError::Threshold`] beyond [`MAX_STATES`] states.
//! - [`false_alarm_dp`]: dynamic programming over a discretised CUSUM state: the interval
//!   [0, h) is cut into `cells` equal cells and the mass that lands between two grid
//!   points is split between them in proportion to distance (linear interpolation, which
//!   keeps the mean of each step exact). Error shrinks as O(h/cells); O(N·cells) time.
//! - [`false_alarm_simulated`]: seeded Monte Carlo with [`SplitMix64`]; reproducible from
//!   the seed.
//!
//! Under the null each case `i` of the horizon has probability `probabilities[i % len]`
//! (or expected count `expected[i % len]`): the observed case mix, cycled.

use serde::{Deserialize, Serialize};

use super::{CusumError, bernoulli_weight, poisson_weight};
use crate::dist::{poisson_cdf, poisson_pmf};
use crate::rng::SplitMix64;

/// Largest number of distinct CUSUM values exact enumeration keeps at one step.
pub const MAX_STATES: usize = 200_000;

/// The in-control process a threshold is calibrated against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NullModel<'a> {
    /// Binary outcomes with these probabilities (cycled), chart tuned to `odds_ratio`.
    Bernoulli {
        /// Case-mix probabilities.
        probabilities: &'a [f64],
        /// The chart's alternative odds ratio.
        odds_ratio: f64,
    },
    /// Poisson counts with these expected values (cycled), chart tuned to `rate_ratio`.
    Poisson {
        /// Expected count per period.
        expected: &'a [f64],
        /// The chart's alternative rate ratio.
        rate_ratio: f64,
    },
}

impl NullModel<'_> {
    fn check(&self) -> Result<(), CusumError> {
        let (len, ratio) = match self {
            NullModel::Bernoulli { probabilities, odds_ratio } => (probabilities.len(), *odds_ratio),
            NullModel::Poisson { expected, rate_ratio } => (expected.len(), *rate_ratio),
        };
        if len == 0 {
            return Err(CusumError::Threshold("the null model has no cases".into()));
        }
        if !(ratio.is_finite() && ratio > 0.0 && ratio != 1.0) {
            return Err(CusumError::Threshold(format!("the alternative ratio {ratio} must be positive and not 1")));
        }
        Ok(())
    }

    /// The possible (weight, probability) pairs of case `i`, written into `out`.
    fn atoms(&self, i: usize, out: &mut Vec<(f64, f64)>) {
        out.clear();
        match *self {
            NullModel::Bernoulli { probabilities, odds_ratio } => {
                let p = probabilities[i % probabilities.len()];
                if p > 0.0 {
                    out.push((bernoulli_weight(1.0, p, odds_ratio), p));
                }
                if p < 1.0 {
                    out.push((bernoulli_weight(0.0, p, odds_ratio), 1.0 - p));
                }
            }
            NullModel::Poisson { expected, rate_ratio } => {
                let e = expected[i % expected.len()];
                // Keep counts until the remaining tail is below 1e-13.
                let mut k = 0.0;
                let mut pmf = (-e).exp();
                let mut cdf = 0.0;
                if pmf == 0.0 {
                    // Large mean: start where the pmf is representable.
                    k = (e - 40.0 * e.sqrt()).max(0.0).floor();
                    pmf = poisson_pmf(k, e);
                    cdf = poisson_cdf(k - 1.0, e);
                }
                loop {
                    if pmf > 0.0 {
                        out.push((poisson_weight(k, e, rate_ratio), pmf));
                    }
                    cdf += pmf;
                    if 1.0 - cdf < 1e-13 && k >= e {
                        break;
                    }
                    k += 1.0;
                    pmf *= e / k;
                }
            }
        }
    }

    /// Draws case `i`'s weight.
    fn draw(&self, i: usize, rng: &mut SplitMix64) -> f64 {
        match *self {
            NullModel::Bernoulli { probabilities, odds_ratio } => {
                let p = probabilities[i % probabilities.len()];
                let y = if rng.next_f64() < p { 1.0 } else { 0.0 };
                bernoulli_weight(y, p, odds_ratio)
            }
            NullModel::Poisson { expected, rate_ratio } => {
                let e = expected[i % expected.len()];
                poisson_weight(draw_poisson(e, rng), e, rate_ratio)
            }
        }
    }
}

/// Poisson draw by inversion: from zero for small means, from the mode (one
/// incomplete-gamma call) for large ones. Exact, not an approximation.
fn draw_poisson(mean: f64, rng: &mut SplitMix64) -> f64 {
    if mean <= 0.0 {
        return 0.0;
    }
    let u = rng.next_f64();
    if mean < 500.0 {
        let mut k = 0.0;
        let mut pmf = (-mean).exp();
        let mut cdf = pmf;
        while cdf <= u && k < mean * 50.0 + 100.0 {
            k += 1.0;
            pmf *= mean / k;
            cdf += pmf;
        }
        k
    } else {
        let mut k = mean.floor();
        let mut cdf = poisson_cdf(k, mean);
        let mut pmf = poisson_pmf(k, mean);
        if cdf > u {
            while k > 0.0 && cdf - pmf > u {
                cdf -= pmf;
                pmf *= k / mean;
                k -= 1.0;
            }
        } else {
            while cdf <= u {
                k += 1.0;
                pmf *= mean / k;
                cdf += pmf;
            }
        }
        k
    }
}

/// Which attainable threshold to report when none gives exactly α.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdRule {
    /// The smallest threshold whose false-alarm probability is at most α (conservative;
    /// the default here).
    AtMost,
    /// The threshold whose false-alarm probability is closest to α, as the R `cusum`
    /// package's `cusum_limit_exact` chooses.
    Closest,
}

/// How a threshold was found.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum ThresholdMethod {
    /// Exact enumeration.
    Exact {
        /// Selection rule.
        rule: ThresholdRule,
    },
    /// Discretised dynamic programming.
    Dp {
        /// Number of cells on [0, h).
        cells: usize,
    },
    /// Seeded simulation.
    Simulation {
        /// Simulated sequences.
        runs: usize,
        /// Seed of SplitMix64.
        seed: u64,
    },
}

/// A threshold with the false-alarm probability it achieves.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// Signal when the CUSUM reaches this value.
    pub value: f64,
    /// Probability of at least one signal within `horizon` cases of an in-control
    /// process (exact, approximate or estimated according to `method`).
    pub false_alarm: f64,
    /// The horizon in cases or periods.
    pub horizon: usize,
    /// How it was computed.
    pub method: ThresholdMethod,
}

/// Exact enumeration, absorbing at `h`; optionally records every attainable value.
fn enumerate(model: &NullModel, horizon: usize, h: f64, attained: Option<&mut Vec<f64>>) -> Result<f64, CusumError> {
    enumerate_capped(model, horizon, h, attained, MAX_STATES)
}

fn enumerate_capped(
    model: &NullModel,
    horizon: usize,
    h: f64,
    mut attained: Option<&mut Vec<f64>>,
    max_states: usize,
) -> Result<f64, CusumError> {
    model.check()?;
    let absorb = h - 1e-9;
    let mut states: Vec<(f64, f64)> = vec![(0.0, 1.0)];
    let mut next: Vec<(f64, f64)> = Vec::new();
    let mut atoms = Vec::new();
    let mut absorbed = 0.0;
    for i in 0..horizon {
        model.atoms(i, &mut atoms);
        next.clear();
        for &(w, q) in &atoms {
            for &(s, m) in &states {
                let v = (s + w).max(0.0);
                if v >= absorb {
                    absorbed += m * q;
                } else {
                    next.push((v, m * q));
                }
            }
        }
        next.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        states.clear();
        for &(v, m) in &next {
            match states.last_mut() {
                Some(last) if (v - last.0).abs() <= 1e-9 * (1.0 + v.abs()) => last.1 += m,
                _ => states.push((v, m)),
            }
        }
        if states.len() > max_states {
            return Err(CusumError::Threshold(format!(
                "exact enumeration needs more than {max_states} CUSUM states by case {}; use the discretised or simulated method",
                i + 1
            )));
        }
        if let Some(rec) = attained.as_deref_mut() {
            rec.extend(states.iter().map(|s| s.0).filter(|&v| v > 0.0));
        }
    }
    Ok(absorbed)
}

/// Exact probability that an in-control chart reaches `h` within `horizon` cases.
pub fn false_alarm_exact(model: &NullModel, horizon: usize, h: f64) -> Result<f64, CusumError> {
    enumerate(model, horizon, h, None)
}

/// Like [`false_alarm_exact`] with a caller-chosen cap on the number of states, for
/// callers that must bound time and memory more tightly than [`MAX_STATES`].
pub fn false_alarm_exact_capped(
    model: &NullModel,
    horizon: usize,
    h: f64,
    max_states: usize,
) -> Result<f64, CusumError> {
    enumerate_capped(model, horizon, h, None, max_states)
}

/// The threshold for false-alarm probability `alpha` over `horizon`, by exact
/// enumeration. Only values the chart can attain are candidates (between two attainable
/// values the false-alarm probability does not change).
pub fn threshold_exact(
    model: &NullModel,
    horizon: usize,
    alpha: f64,
    rule: ThresholdRule,
) -> Result<Threshold, CusumError> {
    check_alpha(alpha)?;
    let mut values = Vec::new();
    enumerate(model, horizon, f64::INFINITY, Some(&mut values))?;
    values.sort_unstable_by(f64::total_cmp);
    values.dedup_by(|a, b| (*a - *b).abs() <= 1e-9 * (1.0 + b.abs()));
    if values.is_empty() {
        return Err(CusumError::Threshold("the chart cannot rise above zero within the horizon".into()));
    }
    // Binary search for the first candidate with P(max >= c) <= alpha.
    let fa = |c: f64| enumerate(model, horizon, c, None);
    let (mut lo, mut hi) = (0usize, values.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if fa(values[mid])? <= alpha {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let method = ThresholdMethod::Exact { rule };
    let at_most = (lo < values.len()).then_some(lo);
    let choice = match rule {
        ThresholdRule::AtMost => at_most,
        ThresholdRule::Closest => {
            let below = lo.checked_sub(1);
            match (below, at_most) {
                (Some(b), Some(a)) => {
                    let (fb, fa_) = (fa(values[b])?, fa(values[a])?);
                    Some(if (fb - alpha).abs() < (fa_ - alpha).abs() { b } else { a })
                }
                (Some(b), None) => Some(b),
                (None, a) => a,
            }
        }
    };
    let Some(idx) = choice else {
        return Err(CusumError::Threshold(format!(
            "even the largest attainable CUSUM value has a false-alarm probability above {alpha} within {horizon} cases"
        )));
    };
    Ok(Threshold { value: values[idx], false_alarm: fa(values[idx])?, horizon, method })
}

fn check_alpha(alpha: f64) -> Result<(), CusumError> {
    if alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(CusumError::Threshold(format!("the false-alarm probability {alpha} must lie strictly between 0 and 1")))
    }
}

/// Approximate probability of reaching `h` within `horizon` cases, by dynamic programming
/// over `cells` grid cells on [0, h).
pub fn false_alarm_dp(model: &NullModel, horizon: usize, h: f64, cells: usize) -> Result<f64, CusumError> {
    model.check()?;
    if h.is_nan() || h <= 0.0 || cells < 2 {
        return Err(CusumError::Threshold("need h > 0 and at least 2 cells".into()));
    }
    let delta = h / cells as f64;
    let mut mass = vec![0.0; cells];
    let mut next = vec![0.0; cells];
    mass[0] = 1.0;
    let mut top = 0usize; // highest cell with mass
    let mut atoms = Vec::new();
    let mut absorbed = 0.0;
    for i in 0..horizon {
        model.atoms(i, &mut atoms);
        next[..cells].fill(0.0);
        let mut new_top = 0usize;
        for &(w, q) in &atoms {
            let shift = w / delta;
            for (j, &m) in mass[..=top].iter().enumerate() {
                if m == 0.0 {
                    continue;
                }
                let mq = m * q;
                let pos = j as f64 + shift;
                if pos >= cells as f64 {
                    absorbed += mq;
                } else if pos <= 0.0 {
                    next[0] += mq;
                } else {
                    let lo = pos.floor() as usize;
                    let fr = pos - lo as f64;
                    next[lo] += mq * (1.0 - fr);
                    if lo + 1 >= cells {
                        absorbed += mq * fr;
                    } else {
                        next[lo + 1] += mq * fr;
                        new_top = new_top.max(lo + 1);
                    }
                    new_top = new_top.max(lo);
                }
            }
        }
        std::mem::swap(&mut mass, &mut next);
        top = new_top;
    }
    Ok(absorbed)
}

/// The threshold for false-alarm probability `alpha` over `horizon` by bisection on the
/// discretised dynamic programme.
pub fn threshold_dp(model: &NullModel, horizon: usize, alpha: f64, cells: usize) -> Result<Threshold, CusumError> {
    check_alpha(alpha)?;
    let mut hi = 1.0;
    while false_alarm_dp(model, horizon, hi, cells)? > alpha {
        hi *= 2.0;
        if hi > 1e6 {
            return Err(CusumError::Threshold("no threshold below 1e6 reaches α".into()));
        }
    }
    let mut lo = 0.0;
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if false_alarm_dp(model, horizon, mid, cells)? > alpha {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-5 * hi {
            break;
        }
    }
    Ok(Threshold {
        value: hi,
        false_alarm: false_alarm_dp(model, horizon, hi, cells)?,
        horizon,
        method: ThresholdMethod::Dp { cells },
    })
}

/// The largest CUSUM value of each of `runs` simulated in-control sequences.
fn simulated_maxima(model: &NullModel, horizon: usize, runs: usize, seed: u64) -> Result<Vec<f64>, CusumError> {
    model.check()?;
    let mut rng = SplitMix64::new(seed);
    let mut maxima = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (mut s, mut top) = (0.0f64, 0.0f64);
        for i in 0..horizon {
            s = (s + model.draw(i, &mut rng)).max(0.0);
            top = top.max(s);
        }
        maxima.push(top);
    }
    Ok(maxima)
}

/// Estimated probability of reaching `h` within `horizon` cases from `runs` seeded
/// simulations.
pub fn false_alarm_simulated(
    model: &NullModel,
    horizon: usize,
    h: f64,
    runs: usize,
    seed: u64,
) -> Result<f64, CusumError> {
    let maxima = simulated_maxima(model, horizon, runs, seed)?;
    Ok(maxima.iter().filter(|&&m| m >= h).count() as f64 / runs.max(1) as f64)
}

/// The threshold for false-alarm probability `alpha` over `horizon` from `runs` seeded
/// simulations: the smallest simulated maximum that no more than α·runs sequences reach.
pub fn threshold_simulated(
    model: &NullModel,
    horizon: usize,
    alpha: f64,
    runs: usize,
    seed: u64,
) -> Result<Threshold, CusumError> {
    check_alpha(alpha)?;
    if runs == 0 {
        return Err(CusumError::Threshold("need at least one simulated run".into()));
    }
    let mut maxima = simulated_maxima(model, horizon, runs, seed)?;
    maxima.sort_unstable_by(f64::total_cmp);
    let allowed = (alpha * runs as f64).floor() as usize;
    // Walk distinct values from the top; count(>= v) = runs - first index of v.
    let mut value = next_up(maxima[runs - 1]);
    let mut reached = 0usize;
    let mut i = runs;
    while i > 0 {
        let v = maxima[i - 1];
        let mut first = i - 1;
        while first > 0 && maxima[first - 1] == v {
            first -= 1;
        }
        let count = runs - first;
        if count > allowed || v <= 0.0 {
            break;
        }
        value = v;
        reached = count;
        i = first;
    }
    Ok(Threshold {
        value,
        false_alarm: reached as f64 / runs as f64,
        horizon,
        method: ThresholdMethod::Simulation { runs, seed },
    })
}

fn next_up(v: f64) -> f64 {
    v + 1e-9 * (1.0 + v.abs())
}

/// An estimated average run length.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RunLength {
    /// Mean number of cases to the first signal (censored runs count at the cap).
    pub mean: f64,
    /// Runs that had not signalled by the cap.
    pub censored: usize,
    /// Runs simulated.
    pub runs: usize,
    /// Seed of SplitMix64.
    pub seed: u64,
}

/// In-control average run length of a chart with threshold `h`, from `runs` seeded
/// simulations capped at `max_cases` cases each.
pub fn average_run_length_simulated(
    model: &NullModel,
    h: f64,
    runs: usize,
    seed: u64,
    max_cases: usize,
) -> Result<RunLength, CusumError> {
    model.check()?;
    let mut rng = SplitMix64::new(seed);
    let (mut total, mut censored) = (0.0, 0usize);
    for _ in 0..runs {
        let mut s = 0.0f64;
        let mut t = 0usize;
        loop {
            if t == max_cases {
                censored += 1;
                break;
            }
            s = (s + model.draw(t, &mut rng)).max(0.0);
            t += 1;
            if s >= h {
                break;
            }
        }
        total += t as f64;
    }
    Ok(RunLength { mean: total / runs.max(1) as f64, censored, runs, seed })
}

/// The threshold whose simulated in-control average run length is `target`, by bisection
/// with common random numbers (every evaluation reuses `seed`, so the estimate is
/// monotone in h).
pub fn threshold_for_arl_simulated(
    model: &NullModel,
    target: f64,
    runs: usize,
    seed: u64,
    max_cases: usize,
) -> Result<(f64, RunLength), CusumError> {
    let arl = |h: f64| average_run_length_simulated(model, h, runs, seed, max_cases);
    let mut hi = 1.0;
    while arl(hi)?.mean < target {
        hi *= 2.0;
        if hi > 1e4 {
            return Err(CusumError::Threshold("no threshold below 1e4 reaches the ARL".into()));
        }
    }
    let mut lo = 0.0;
    for _ in 0..30 {
        let mid = 0.5 * (lo + hi);
        if arl(mid)?.mean < target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-3 * hi {
            break;
        }
    }
    Ok((hi, arl(hi)?))
}
