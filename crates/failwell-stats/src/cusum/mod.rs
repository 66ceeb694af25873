//! CUSUM charts: accumulate evidence case by case and signal when it passes a threshold.
//!
//! - **Bernoulli CUSUM** against an odds-ratio alternative, with one failure probability
//!   for every case, or a **risk-adjusted** one with each case's own expected probability
//!   (Steiner, Cook, Farewell & Treasure 2000, Biostatistics 1:441), as in the Imperial
//!   College mortality alerts. Each case adds the log-likelihood-ratio weight
//!   `W = y·log(R) − log(1 − p + R·p)`.
//! - **Poisson CUSUM** over periods with expected counts, against a rate-ratio
//!   alternative: `W = O·log(R) − (R − 1)·E`.
//!
//! The chart is `S_t = max(0, S_{t−1} + W_t)` and signals when `S_t ≥ h`; after a signal
//! it restarts at zero when `reset` is set (the usual practice once the signal has been
//! looked into). `R > 1` looks for deterioration, `R < 1` for improvement.
//! Thresholds for a target false-alarm probability or average run length are in
//! [`threshold`].
//!
//! The hot loop ([`Cusum::step`]) allocates nothing; [`run_into`] writes into slices the
//! caller owns, so 10,000,000 cases need no allocation beyond the caller's buffers.

pub mod threshold;

use serde::{Deserialize, Serialize};

/// Which likelihood-ratio chart, and against which alternative.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CusumKind {
    /// Binary outcomes with a probability per case; alternative: odds multiplied by
    /// `odds_ratio`.
    Bernoulli {
        /// The odds ratio the chart is tuned to detect (2 doubles the odds).
        odds_ratio: f64,
    },
    /// Counts per period with an expected count each; alternative: rate multiplied by
    /// `rate_ratio`.
    Poisson {
        /// The rate ratio the chart is tuned to detect.
        rate_ratio: f64,
    },
}

impl CusumKind {
    /// The log-likelihood-ratio weight of one case or period: `outcome` is 0/1 for
    /// Bernoulli and the observed count for Poisson; `expected` is the probability or the
    /// expected count.
    #[inline]
    pub fn weight(&self, outcome: f64, expected: f64) -> f64 {
        match *self {
            CusumKind::Bernoulli { odds_ratio } => bernoulli_weight(outcome, expected, odds_ratio),
            CusumKind::Poisson { rate_ratio } => poisson_weight(outcome, expected, rate_ratio),
        }
    }

    /// The alternative ratio (odds ratio or rate ratio).
    pub fn ratio(&self) -> f64 {
        match *self {
            CusumKind::Bernoulli { odds_ratio } => odds_ratio,
            CusumKind::Poisson { rate_ratio } => rate_ratio,
        }
    }
}

/// Steiner et al.'s weight `y·ln R − ln(1 − p + R·p)`, computed as
/// `y·ln R − ln_1p((R − 1)·p)` so that `R = 1` gives exactly zero and small risks keep
/// their precision.
#[inline]
pub fn bernoulli_weight(outcome: f64, probability: f64, odds_ratio: f64) -> f64 {
    outcome * odds_ratio.ln() - ((odds_ratio - 1.0) * probability).ln_1p()
}

/// The Poisson log-likelihood ratio `O·ln R − (R − 1)·E`.
#[inline]
pub fn poisson_weight(observed: f64, expected: f64, rate_ratio: f64) -> f64 {
    observed * rate_ratio.ln() - (rate_ratio - 1.0) * expected
}

/// Settings of one chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CusumConfig {
    /// Bernoulli or Poisson, with the alternative.
    pub kind: CusumKind,
    /// Signal when the CUSUM reaches this value.
    pub threshold: f64,
    /// Restart at zero after a signal.
    pub reset: bool,
}

/// A signal with the facts behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// Position (0-based) of the case or period at which the chart signalled.
    pub index: usize,
    /// Position where the run that signalled began: the first case after the chart was
    /// last at zero.
    pub run_start: usize,
    /// The CUSUM value at the signal.
    pub value: f64,
    /// The threshold it reached.
    pub threshold: f64,
    /// Events observed over the run.
    pub observed: f64,
    /// Events expected over the run under the null.
    pub expected: f64,
    /// The chart.
    pub kind: CusumKind,
    /// Whether every case carried its own probability (risk-adjusted).
    pub risk_adjusted: bool,
}

impl Signal {
    /// How the chart was built, in words.
    pub fn method(&self) -> String {
        match self.kind {
            CusumKind::Bernoulli { odds_ratio } if self.risk_adjusted => format!(
                "risk-adjusted Bernoulli CUSUM (Steiner et al. 2000) tuned to an odds ratio of {}",
                fmt_num(odds_ratio)
            ),
            CusumKind::Bernoulli { odds_ratio } => {
                format!("Bernoulli CUSUM tuned to an odds ratio of {}", fmt_num(odds_ratio))
            }
            CusumKind::Poisson { rate_ratio } => {
                format!("Poisson CUSUM tuned to a rate ratio of {}", fmt_num(rate_ratio))
            }
        }
    }

    /// One sentence for people, naming `unit`; positions are printed 1-based.
    pub fn sentence(&self, unit: &str) -> String {
        let what = match self.kind {
            CusumKind::Poisson { .. } => "periods",
            CusumKind::Bernoulli { .. } => "cases",
        };
        let n = self.index - self.run_start + 1;
        format!(
            "{unit}: the {} reached {:.2} at {} {}, crossing the threshold {}; the run began at {} {} ({n} {what}: {} observed against {:.1} expected, ratio {:.2}).",
            self.method(),
            self.value,
            &what[..what.len() - 1],
            self.index + 1,
            fmt_num(self.threshold),
            &what[..what.len() - 1],
            self.run_start + 1,
            fmt_num(self.observed),
            self.expected,
            if self.expected > 0.0 { self.observed / self.expected } else { f64::NAN },
        )
    }
}

fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The running state of one chart; feed it one case at a time.
#[derive(Debug, Clone)]
pub struct Cusum {
    config: CusumConfig,
    // ln R, hoisted out of the per-case loop.
    ln_ratio: f64,
    risk_adjusted: bool,
    value: f64,
    index: usize,
    run_start: usize,
    run_observed: f64,
    run_expected: f64,
}

/// The outcome of one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// The weight the case added.
    pub weight: f64,
    /// The CUSUM after the case (before any reset).
    pub value: f64,
    /// Whether the chart signalled at this case.
    pub signalled: bool,
}

impl Cusum {
    /// A chart at zero. `risk_adjusted` only changes the wording of explanations.
    pub fn new(config: CusumConfig, risk_adjusted: bool) -> Self {
        Cusum {
            config,
            ln_ratio: config.kind.ratio().ln(),
            risk_adjusted,
            value: 0.0,
            index: 0,
            run_start: 0,
            run_observed: 0.0,
            run_expected: 0.0,
        }
    }

    /// The current value.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// Adds one case or period and reports what happened; never allocates.
    #[inline]
    pub fn step(&mut self, outcome: f64, expected: f64) -> Step {
        let weight = match self.config.kind {
            CusumKind::Bernoulli { odds_ratio } => outcome * self.ln_ratio - ((odds_ratio - 1.0) * expected).ln_1p(),
            CusumKind::Poisson { rate_ratio } => outcome * self.ln_ratio - (rate_ratio - 1.0) * expected,
        };
        let next = self.value + weight;
        if next <= 0.0 {
            self.value = 0.0;
            self.run_start = self.index + 1;
            self.run_observed = 0.0;
            self.run_expected = 0.0;
        } else {
            self.value = next;
            self.run_observed += outcome;
            self.run_expected += expected;
        }
        let value = self.value;
        let signalled = value >= self.config.threshold && value > 0.0;
        self.index += 1;
        if signalled && self.config.reset {
            self.reset_run();
        }
        Step { weight, value, signalled }
    }

    fn reset_run(&mut self) {
        self.value = 0.0;
        self.run_start = self.index;
        self.run_observed = 0.0;
        self.run_expected = 0.0;
    }

    /// Like [`Cusum::step`], returning the explained [`Signal`] when the chart signals.
    pub fn step_explained(&mut self, outcome: f64, expected: f64) -> (Step, Option<Signal>) {
        let index = self.index;
        let run_start = self.run_start.min(index);
        let (obs_before, exp_before) = (self.run_observed, self.run_expected);
        let step = self.step(outcome, expected);
        let signal = step.signalled.then_some(Signal {
            index,
            run_start,
            value: step.value,
            threshold: self.config.threshold,
            observed: obs_before + outcome,
            expected: exp_before + expected,
            kind: self.config.kind,
            risk_adjusted: self.risk_adjusted,
        });
        (step, signal)
    }
}

/// Why a chart could not be run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CusumError {
    /// Outcomes and expectations differ in length.
    #[error("{outcomes} outcomes but {expected} expected values")]
    LengthMismatch {
        /// Number of outcomes.
        outcomes: usize,
        /// Number of expected values.
        expected: usize,
    },
    /// An output buffer is shorter than the input.
    #[error("output buffer holds {got} values, {needed} needed")]
    Buffer {
        /// Needed length.
        needed: usize,
        /// Provided length.
        got: usize,
    },
    /// A probability outside [0, 1] or an expected count below zero.
    #[error("case {index}: expected value {value} is out of range")]
    Expected {
        /// Position.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A Bernoulli outcome other than 0/1, or a negative count.
    #[error("case {index}: outcome {value} is out of range")]
    Outcome {
        /// Position.
        index: usize,
        /// The value.
        value: f64,
    },
    /// The alternative ratio or the threshold is not a positive number.
    #[error("{0}")]
    Config(String),
    /// Threshold search failed (e.g. too many states for exact enumeration).
    #[error("{0}")]
    Threshold(String),
}

/// A whole chart: weights, values, signal marks and explained signals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CusumRun {
    /// The chart settings.
    pub config: CusumConfig,
    /// Weight added by each case.
    pub weights: Vec<f64>,
    /// CUSUM after each case (before any reset).
    pub values: Vec<f64>,
    /// Every signal with its explanation.
    pub signals: Vec<Signal>,
}

fn check(config: &CusumConfig, outcomes: &[f64], expected: &[f64]) -> Result<(), CusumError> {
    let ratio = config.kind.ratio();
    if !(ratio.is_finite() && ratio > 0.0) {
        return Err(CusumError::Config(format!("the alternative ratio {ratio} must be a positive number")));
    }
    if !(config.threshold.is_finite() && config.threshold > 0.0) {
        return Err(CusumError::Config(format!("the threshold {} must be a positive number", config.threshold)));
    }
    if expected.len() != outcomes.len() && expected.len() != 1 {
        return Err(CusumError::LengthMismatch { outcomes: outcomes.len(), expected: expected.len() });
    }
    let bernoulli = matches!(config.kind, CusumKind::Bernoulli { .. });
    for (index, &e) in expected.iter().enumerate() {
        let ok = if bernoulli { (0.0..=1.0).contains(&e) } else { e.is_finite() && e >= 0.0 };
        if !ok {
            return Err(CusumError::Expected { index, value: e });
        }
    }
    for (index, &y) in outcomes.iter().enumerate() {
        let ok = if bernoulli { y == 0.0 || y == 1.0 } else { y.is_finite() && y >= 0.0 };
        if !ok {
            return Err(CusumError::Outcome { index, value: y });
        }
    }
    Ok(())
}

/// Runs a chart over `outcomes` (0/1, or counts) with `expected` (one probability or
/// expected count per case, or a single value for all), writing each weight and value
/// into the caller's buffers and returning the explained signals.
pub fn run_into(
    config: &CusumConfig,
    outcomes: &[f64],
    expected: &[f64],
    weights: &mut [f64],
    values: &mut [f64],
) -> Result<Vec<Signal>, CusumError> {
    check(config, outcomes, expected)?;
    let n = outcomes.len();
    for buf in [weights.len(), values.len()] {
        if buf < n {
            return Err(CusumError::Buffer { needed: n, got: buf });
        }
    }
    let risk_adjusted = expected.len() > 1;
    let mut chart = Cusum::new(*config, risk_adjusted);
    let mut signals = Vec::new();
    let constant = expected.first().copied().unwrap_or(0.0);
    for i in 0..n {
        let e = if risk_adjusted { expected[i] } else { constant };
        let (step, signal) = chart.step_explained(outcomes[i], e);
        weights[i] = step.weight;
        values[i] = step.value;
        if let Some(s) = signal {
            signals.push(s);
        }
    }
    Ok(signals)
}

/// Runs a chart and returns everything in one owned value.
pub fn run(config: &CusumConfig, outcomes: &[f64], expected: &[f64]) -> Result<CusumRun, CusumError> {
    let mut weights = vec![0.0; outcomes.len()];
    let mut values = vec![0.0; outcomes.len()];
    let signals = run_into(config, outcomes, expected, &mut weights, &mut values)?;
    Ok(CusumRun { config: *config, weights, values, signals })
}
