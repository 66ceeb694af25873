//! Funnel plots for comparing institutional performance (Spiegelhalter 2005, Stat Med
//! 24:1185).
//!
//! A funnel plot puts each organisation's indicator against its denominator (cases for a
//! proportion, expected events for a standardised ratio) and draws control limits that
//! narrow as the denominator grows. Points outside the 95% limits warrant a look; outside
//! 99.8%, action. Without limits that depend on the denominator, small organisations
//! dominate league tables by chance alone.
//!
//! What this module offers, and why each choice exists:
//! - **Exact limits for small counts** ([`LimitMethod::Exact`]): Spiegelhalter's
//!   interpolated binomial/Poisson quantiles, because the normal approximation puts the
//!   lower limit below zero and misses excess at small counts.
//! - **Normal limits** ([`LimitMethod::Normal`]) for comparison with older charts.
//! - **Reference methods** that other tools publish: FunnelPlotR's exact Poisson interval
//!   around the expected count ([`LimitMethod::ExpectedCountInterval`]) and Fingertips'
//!   Wilson-inverted proportion limits ([`LimitMethod::WilsonInverted`]). These are
//!   confidence intervals, not prediction limits; see `docs/statistics/funnel.md`.
//! - **Over-dispersion** ([`Overdispersion`]): a multiplicative φ or an additive τ²
//!   estimated from trimmed z-scores, including NHS Digital's SHMI settings.
//!
//! Everything is O(n) in the number of units with one allocation for the result and one
//! scratch buffer for the trimming; no per-unit allocation.

pub mod dispersion;
mod explain;
pub mod intervals;

use serde::{Deserialize, Serialize};

use crate::dist::{self, TAIL_95, TAIL_998};
pub use dispersion::{Dispersion, Trim};
pub use explain::Flag;

/// What kind of indicator the funnel compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// numerator/denominator with numerator <= denominator, binomial variation.
    Proportion,
    /// observed/expected events (an indirectly standardised ratio), Poisson variation.
    Ratio,
}

/// How the limits at a denominator are computed before any over-dispersion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitMethod {
    /// Spiegelhalter's interpolated exact binomial/Poisson prediction limits.
    Exact,
    /// Normal approximation: target ± z·σ at the denominator.
    Normal,
    /// Ratios only: FunnelPlotR's exact Poisson confidence interval around the expected
    /// count (χ²(α, 2E)/2E, χ²(1−α, 2E+2)/2E).
    ExpectedCountInterval,
    /// Proportions only: PHE Fingertips' limits, the proportions whose Wilson interval
    /// just reaches the target.
    WilsonInverted,
}

impl LimitMethod {
    fn describe(&self, measure: Measure) -> &'static str {
        match (self, measure) {
            (LimitMethod::Exact, Measure::Proportion) => "exact binomial limits",
            (LimitMethod::Exact, Measure::Ratio) => "exact Poisson limits",
            (LimitMethod::Normal, _) => "normal-approximation limits",
            (LimitMethod::ExpectedCountInterval, _) => "exact Poisson interval around the expected count (FunnelPlotR)",
            (LimitMethod::WilsonInverted, _) => "Wilson score limits (PHE Fingertips)",
        }
    }
}

/// The scale on which z-scores are formed and additive over-dispersion is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// The indicator itself.
    Natural,
    /// Natural logarithm (SHMI).
    Log,
    /// Square root (CQC's standardised ratios).
    Sqrt,
    /// arcsin(√p), variance-stabilising for proportions.
    Arcsine,
}

impl Scale {
    fn forward(self, y: f64) -> f64 {
        match self {
            Scale::Natural => y,
            Scale::Log => y.ln(),
            Scale::Sqrt => y.max(0.0).sqrt(),
            Scale::Arcsine => y.clamp(0.0, 1.0).sqrt().asin(),
        }
    }

    fn back(self, y: f64) -> f64 {
        match self {
            Scale::Natural => y,
            Scale::Log => y.exp(),
            Scale::Sqrt => {
                let r = y.max(0.0);
                r * r
            }
            Scale::Arcsine => {
                let s = y.clamp(0.0, std::f64::consts::FRAC_PI_2).sin();
                s * s
            }
        }
    }

    /// |d forward / dy| at the target, for the delta-method standard error.
    fn slope(self, target: f64) -> f64 {
        match self {
            Scale::Natural => 1.0,
            Scale::Log => 1.0 / target,
            Scale::Sqrt => 0.5 / target.sqrt(),
            Scale::Arcsine => 0.5 / (target * (1.0 - target)).sqrt(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Scale::Natural => "natural",
            Scale::Log => "log",
            Scale::Sqrt => "square-root",
            Scale::Arcsine => "arcsine",
        }
    }
}

/// Whether and how to allow for over-dispersion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "model")]
pub enum Overdispersion {
    /// Limits from the binomial/Poisson model alone.
    None,
    /// Inflate the distance of each limit from the target by √φ (only when φ > 1, so
    /// limits never narrow), on `scale`.
    Multiplicative {
        /// Scale of the z-scores and of the inflation.
        scale: Scale,
        /// How the extreme z-scores are pulled in.
        trim: Trim,
    },
    /// Add a between-unit variance τ² on `scale`: limits target ± z·√(σ² + τ²).
    Additive {
        /// Scale of the z-scores and of the random effect.
        scale: Scale,
        /// How the extreme z-scores are pulled in.
        trim: Trim,
    },
}

impl Overdispersion {
    /// Spiegelhalter's default: multiplicative φ from 10% winsorised z-scores.
    pub fn multiplicative() -> Self {
        Overdispersion::Multiplicative { scale: Scale::Natural, trim: Trim::Winsorise(0.1) }
    }

    /// Additive τ² from 10% winsorised z-scores on the natural scale.
    pub fn additive() -> Self {
        Overdispersion::Additive { scale: Scale::Natural, trim: Trim::Winsorise(0.1) }
    }

    /// NHS Digital's SHMI: log scale, 10% of z-scores trimmed at each end, additive τ².
    pub fn shmi() -> Self {
        Overdispersion::Additive { scale: Scale::Log, trim: Trim::Truncate(0.1) }
    }
}

/// Everything that decides how a funnel is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FunnelConfig {
    /// Proportions or ratios.
    pub measure: Measure,
    /// How limits are computed at a denominator.
    pub limits: LimitMethod,
    /// Over-dispersion model.
    pub overdispersion: Overdispersion,
    /// The centre line; `None` means the pooled proportion Σx/Σn, or 1 for ratios.
    pub target: Option<f64>,
}

impl FunnelConfig {
    /// Exact binomial limits around the pooled proportion, no over-dispersion.
    pub fn proportion() -> Self {
        FunnelConfig {
            measure: Measure::Proportion,
            limits: LimitMethod::Exact,
            overdispersion: Overdispersion::None,
            target: None,
        }
    }

    /// Exact Poisson limits around a ratio of 1, no over-dispersion.
    pub fn ratio() -> Self {
        FunnelConfig {
            measure: Measure::Ratio,
            limits: LimitMethod::Exact,
            overdispersion: Overdispersion::None,
            target: None,
        }
    }

    /// NHS Digital's SHMI banding model.
    pub fn shmi() -> Self {
        FunnelConfig { overdispersion: Overdispersion::shmi(), ..Self::ratio() }
    }

    /// Returns a copy with a different over-dispersion model.
    pub fn with_overdispersion(mut self, o: Overdispersion) -> Self {
        self.overdispersion = o;
        self
    }

    /// Returns a copy with a different limit method.
    pub fn with_limits(mut self, l: LimitMethod) -> Self {
        self.limits = l;
        self
    }

    /// Returns a copy with a fixed target.
    pub fn with_target(mut self, t: f64) -> Self {
        self.target = Some(t);
        self
    }
}

/// Lower and upper limit of one control level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

/// A two-sided control level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    /// 95%: 2.5% in each tail ("warning").
    #[serde(rename = "95")]
    P95,
    /// 99.8%: 0.1% in each tail ("alarm").
    #[serde(rename = "99.8")]
    P998,
}

impl Level {
    /// Tail probability on each side.
    pub fn tail(self) -> f64 {
        match self {
            Level::P95 => TAIL_95,
            Level::P998 => TAIL_998,
        }
    }

    /// "95%" or "99.8%".
    pub fn label(self) -> &'static str {
        match self {
            Level::P95 => "95%",
            Level::P998 => "99.8%",
        }
    }
}

/// Where a unit lies relative to both pairs of limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// Above the upper 99.8% limit.
    Above998,
    /// Above the upper 95% limit but not the 99.8% one.
    Above95,
    /// Within the 95% limits.
    Within,
    /// Below the lower 95% limit but not the 99.8% one.
    Below95,
    /// Below the lower 99.8% limit.
    Below998,
}

impl Classification {
    /// Classifies `value` against the two pairs of limits; limits are not themselves
    /// outside (strict inequalities, as FunnelPlotR's `outliers_func`).
    pub fn of(value: f64, l95: Limits, l998: Limits) -> Self {
        if value > l998.upper {
            Classification::Above998
        } else if value > l95.upper {
            Classification::Above95
        } else if value < l998.lower {
            Classification::Below998
        } else if value < l95.lower {
            Classification::Below95
        } else {
            Classification::Within
        }
    }

    /// Short words for tables: "above 99.8%", "within", …
    pub fn label(self) -> &'static str {
        match self {
            Classification::Above998 => "above 99.8%",
            Classification::Above95 => "above 95%",
            Classification::Within => "within",
            Classification::Below95 => "below 95%",
            Classification::Below998 => "below 99.8%",
        }
    }

    /// The outermost level the unit lies outside, if any.
    pub fn level(self) -> Option<Level> {
        match self {
            Classification::Above998 | Classification::Below998 => Some(Level::P998),
            Classification::Above95 | Classification::Below95 => Some(Level::P95),
            Classification::Within => None,
        }
    }
}

/// The over-dispersion actually applied to the limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "model")]
pub enum Adjustment {
    /// No adjustment (none requested, or φ <= 1, or τ² = 0).
    None,
    /// Limits inflated by √φ.
    Multiplicative {
        /// The factor.
        phi: f64,
    },
    /// τ² added to the within-unit variance.
    Additive {
        /// The between-unit variance on the scale.
        tau2: f64,
    },
}

/// A fitted funnel: enough to draw the limits at any denominator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FunnelModel {
    /// Proportions or ratios.
    pub measure: Measure,
    /// Limit method.
    pub limits: LimitMethod,
    /// Scale of z-scores and of the over-dispersion adjustment.
    pub scale: Scale,
    /// Centre line on the natural scale.
    pub target: f64,
    /// What over-dispersion was applied.
    pub adjustment: Adjustment,
}

impl FunnelModel {
    /// Variance of the indicator on the natural scale at `denominator` under the target.
    fn natural_var(&self, denominator: f64) -> f64 {
        match self.measure {
            Measure::Proportion => self.target * (1.0 - self.target) / denominator,
            Measure::Ratio => self.target / denominator,
        }
    }

    /// Within-unit standard error on the model's scale (delta method).
    pub fn scale_se(&self, denominator: f64) -> f64 {
        self.natural_var(denominator).sqrt() * self.scale.slope(self.target)
    }

    /// Limits before over-dispersion.
    fn base_limits(&self, denominator: f64, level: Level) -> Limits {
        let tail = level.tail();
        let t = self.target;
        match (self.measure, self.limits) {
            (Measure::Proportion, LimitMethod::Exact) => {
                let n = denominator;
                let lo = dist::binomial_quantile(tail, n, t).interpolated(tail);
                let hi = dist::binomial_quantile(1.0 - tail, n, t).interpolated(1.0 - tail);
                Limits { lower: (lo / n).clamp(0.0, 1.0), upper: (hi / n).clamp(0.0, 1.0) }
            }
            (Measure::Ratio, LimitMethod::Exact) => {
                let mu = t * denominator;
                let lo = dist::poisson_quantile(tail, mu).interpolated(tail);
                let hi = dist::poisson_quantile(1.0 - tail, mu).interpolated(1.0 - tail);
                Limits { lower: (lo / denominator).max(0.0), upper: hi / denominator }
            }
            (_, LimitMethod::Normal) => {
                let z = dist::normal_quantile(1.0 - tail);
                let sd = self.natural_var(denominator).sqrt();
                let upper_cap = if self.measure == Measure::Proportion { 1.0 } else { f64::INFINITY };
                Limits { lower: (t - z * sd).max(0.0), upper: (t + z * sd).min(upper_cap) }
            }
            (_, LimitMethod::ExpectedCountInterval) => {
                let l = intervals::expected_count_interval(denominator, tail);
                Limits { lower: l.lower * t, upper: l.upper * t }
            }
            (_, LimitMethod::WilsonInverted) => {
                intervals::wilson_inverted_limits(t, denominator, dist::normal_quantile(1.0 - tail))
            }
        }
    }

    /// The control limits at `denominator` (cases, or expected events) for `level`,
    /// including any over-dispersion adjustment.
    pub fn limits_at(&self, denominator: f64, level: Level) -> Limits {
        match self.adjustment {
            Adjustment::None => self.base_limits(denominator, level),
            Adjustment::Multiplicative { phi } => {
                let base = self.base_limits(denominator, level);
                let s = self.scale;
                let ts = s.forward(self.target);
                let k = phi.sqrt();
                let mut lower = s.back(ts - k * (ts - s.forward(base.lower)));
                let mut upper = s.back(ts + k * (s.forward(base.upper) - ts));
                if self.measure == Measure::Proportion {
                    lower = lower.clamp(0.0, 1.0);
                    upper = upper.clamp(0.0, 1.0);
                }
                Limits { lower: lower.max(0.0), upper }
            }
            Adjustment::Additive { tau2 } => {
                let s = self.scale;
                let ts = s.forward(self.target);
                let se = self.scale_se(denominator);
                let half = dist::normal_quantile(1.0 - level.tail()) * (se * se + tau2).sqrt();
                let mut lower = s.back(ts - half);
                let mut upper = s.back(ts + half);
                if s == Scale::Natural {
                    lower = lower.max(0.0);
                    if self.measure == Measure::Proportion {
                        upper = upper.min(1.0);
                    }
                }
                Limits { lower, upper }
            }
        }
    }

    /// Unadjusted z-score of a value at a denominator, on the model's scale.
    pub fn z_score(&self, value: f64, denominator: f64) -> f64 {
        (self.scale.forward(value) - self.scale.forward(self.target)) / self.scale_se(denominator)
    }

    /// z-score after the over-dispersion adjustment.
    pub fn z_adjusted(&self, value: f64, denominator: f64) -> f64 {
        let diff = self.scale.forward(value) - self.scale.forward(self.target);
        let se = self.scale_se(denominator);
        match self.adjustment {
            Adjustment::None => diff / se,
            Adjustment::Multiplicative { phi } => diff / (se * phi.sqrt()),
            Adjustment::Additive { tau2 } => diff / (se * se + tau2).sqrt(),
        }
    }
}

/// One organisation's place on the funnel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UnitResult {
    /// Numerator (cases, or observed events).
    pub numerator: f64,
    /// Denominator (population, or expected events).
    pub denominator: f64,
    /// numerator/denominator.
    pub value: f64,
    /// z-score before over-dispersion, on the model's scale.
    pub z: f64,
    /// z-score after over-dispersion.
    pub z_adjusted: f64,
    /// 95% limits at this denominator.
    pub limits_95: Limits,
    /// 99.8% limits at this denominator.
    pub limits_998: Limits,
    /// Where the value lies.
    pub classification: Classification,
}

/// A whole funnel: the fitted model, the dispersion estimate and every unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelResult {
    /// The configuration asked for.
    pub config: FunnelConfig,
    /// The fitted model (target, scale, adjustment applied).
    pub model: FunnelModel,
    /// φ and τ² as estimated, when over-dispersion was requested.
    pub dispersion: Option<Dispersion>,
    /// One entry per input unit, in input order.
    pub units: Vec<UnitResult>,
}

/// Why a funnel could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FunnelError {
    /// Numerators and denominators differ in length.
    #[error("{numerators} numerators but {denominators} denominators")]
    LengthMismatch {
        /// Number of numerators.
        numerators: usize,
        /// Number of denominators.
        denominators: usize,
    },
    /// No units.
    #[error("no units to compare")]
    Empty,
    /// A denominator is zero, negative or not a number.
    #[error("unit {index}: denominator {value} must be a positive number")]
    Denominator {
        /// Position of the unit.
        index: usize,
        /// The bad value.
        value: f64,
    },
    /// A numerator is negative or not a number.
    #[error("unit {index}: numerator {value} must be zero or more")]
    Numerator {
        /// Position of the unit.
        index: usize,
        /// The bad value.
        value: f64,
    },
    /// A proportion's numerator exceeds its denominator.
    #[error("unit {index}: numerator {numerator} exceeds denominator {denominator}")]
    NumeratorExceedsDenominator {
        /// Position of the unit.
        index: usize,
        /// Numerator.
        numerator: f64,
        /// Denominator.
        denominator: f64,
    },
    /// The configuration combines options that do not fit together.
    #[error("{0}")]
    Config(String),
    /// The target is outside the range the measure allows.
    #[error("target {0} is outside the range of the measure")]
    Target(f64),
}

fn validate(numerators: &[f64], denominators: &[f64], config: &FunnelConfig) -> Result<(), FunnelError> {
    if numerators.len() != denominators.len() {
        return Err(FunnelError::LengthMismatch { numerators: numerators.len(), denominators: denominators.len() });
    }
    if numerators.is_empty() {
        return Err(FunnelError::Empty);
    }
    match (config.measure, config.limits) {
        (Measure::Proportion, LimitMethod::ExpectedCountInterval) => {
            return Err(FunnelError::Config("the expected-count interval applies to ratios, not proportions".into()));
        }
        (Measure::Ratio, LimitMethod::WilsonInverted) => {
            return Err(FunnelError::Config("Wilson-inverted limits apply to proportions, not ratios".into()));
        }
        _ => {}
    }
    if let Overdispersion::Multiplicative { scale, trim } | Overdispersion::Additive { scale, trim } =
        config.overdispersion
    {
        if config.measure == Measure::Ratio && scale == Scale::Arcsine {
            return Err(FunnelError::Config("the arcsine scale applies to proportions only".into()));
        }
        if let Trim::Winsorise(f) | Trim::Truncate(f) = trim
            && !(0.0..0.5).contains(&f)
        {
            return Err(FunnelError::Config(format!("trim fraction {f} must be at least 0 and below 0.5")));
        }
    }
    for (index, (&x, &n)) in numerators.iter().zip(denominators).enumerate() {
        if !(n.is_finite() && n > 0.0) {
            return Err(FunnelError::Denominator { index, value: n });
        }
        if !(x.is_finite() && x >= 0.0) {
            return Err(FunnelError::Numerator { index, value: x });
        }
        if config.measure == Measure::Proportion && x > n {
            return Err(FunnelError::NumeratorExceedsDenominator { index, numerator: x, denominator: n });
        }
    }
    Ok(())
}

/// Places every unit on a funnel: estimates the target and any over-dispersion, then
/// computes each unit's limits at its own denominator and classifies it.
pub fn analyse(numerators: &[f64], denominators: &[f64], config: &FunnelConfig) -> Result<FunnelResult, FunnelError> {
    validate(numerators, denominators, config)?;
    let target = match (config.target, config.measure) {
        (Some(t), _) => t,
        (None, Measure::Proportion) => numerators.iter().sum::<f64>() / denominators.iter().sum::<f64>(),
        (None, Measure::Ratio) => 1.0,
    };
    let target_ok = match config.measure {
        Measure::Proportion => target > 0.0 && target < 1.0,
        Measure::Ratio => target > 0.0 && target.is_finite(),
    };
    if !target_ok {
        return Err(FunnelError::Target(target));
    }
    let (scale, trim) = match config.overdispersion {
        Overdispersion::None => (Scale::Natural, None),
        Overdispersion::Multiplicative { scale, trim } | Overdispersion::Additive { scale, trim } => {
            (scale, Some(trim))
        }
    };
    let mut model =
        FunnelModel { measure: config.measure, limits: config.limits, scale, target, adjustment: Adjustment::None };

    let n = numerators.len();
    let mut units: Vec<UnitResult> = Vec::with_capacity(n);
    // First pass: values and unadjusted z-scores (limits are filled in the second pass).
    let unset = Limits { lower: f64::NAN, upper: f64::NAN };
    for (&x, &d) in numerators.iter().zip(denominators) {
        let value = x / d;
        let z = model.z_score(value, d);
        units.push(UnitResult {
            numerator: x,
            denominator: d,
            value,
            z,
            z_adjusted: z,
            limits_95: unset,
            limits_998: unset,
            classification: Classification::Within,
        });
    }

    let dispersion = trim.map(|trim| {
        // Two scratch vectors for the whole funnel, never one per unit.
        let z: Vec<f64> = units.iter().map(|u| u.z).collect();
        let var: Vec<f64> = units
            .iter()
            .map(|u| {
                let se = model.scale_se(u.denominator);
                se * se
            })
            .collect();
        let mut scratch = Vec::with_capacity(n);
        dispersion::estimate(&z, &var, trim, &mut scratch)
    });
    if let Some(d) = dispersion {
        model.adjustment = match config.overdispersion {
            Overdispersion::Multiplicative { .. } if d.phi > 1.0 => Adjustment::Multiplicative { phi: d.phi },
            Overdispersion::Additive { .. } if d.tau2 > 0.0 => Adjustment::Additive { tau2: d.tau2 },
            _ => Adjustment::None,
        };
    }

    for u in &mut units {
        u.limits_95 = model.limits_at(u.denominator, Level::P95);
        u.limits_998 = model.limits_at(u.denominator, Level::P998);
        u.z_adjusted = model.z_adjusted(u.value, u.denominator);
        u.classification = Classification::of(u.value, u.limits_95, u.limits_998);
    }

    Ok(FunnelResult { config: *config, model, dispersion, units })
}

impl FunnelResult {
    /// One phrase naming the limits and any over-dispersion, for explanations and
    /// summaries, e.g. "exact Poisson limits after over-dispersion (φ=1.80,
    /// multiplicative, 10% winsorised)".
    pub fn method_phrase(&self) -> String {
        let base = self.model.limits.describe(self.model.measure);
        let scale = self.model.scale;
        match (self.model.adjustment, self.dispersion) {
            (Adjustment::Multiplicative { phi }, Some(d)) => {
                let on = if scale == Scale::Natural { String::new() } else { format!(", {} scale", scale.name()) };
                format!("{base} after over-dispersion (φ={phi:.2}, multiplicative{on}, {})", d.trim.describe())
            }
            (Adjustment::Additive { tau2 }, Some(d)) => format!(
                "normal limits on the {} scale after over-dispersion (τ²={tau2:.4}, additive random effects, {})",
                scale.name(),
                d.trim.describe()
            ),
            (_, Some(d)) => {
                format!("{base}; no over-dispersion allowance needed (φ={:.2}, τ²=0, {})", d.phi, d.trim.describe())
            }
            (_, None) => base.to_string(),
        }
    }

    /// The explanation of unit `index`, whether or not it lies outside the limits.
    pub fn flag(&self, index: usize) -> Option<Flag> {
        self.units.get(index).map(|u| Flag::new(index, u, self))
    }

    /// Explanations of every unit outside its 95% limits, in input order.
    pub fn flags(&self) -> impl Iterator<Item = Flag> + '_ {
        self.units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.classification != Classification::Within)
            .map(move |(i, u)| Flag::new(i, u, self))
    }
}
