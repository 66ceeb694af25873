//! Regularised logistic regression, fitted by Newton's method (iteratively reweighted
//! least squares), for weights a person can read: one coefficient per feature, in log
//! odds, and an intercept.
//!
//! Why our own: a dozen features and a few hundred cases need no linear-algebra crate,
//! and the fit must be exactly reproducible from the documented method (the weights are
//! written into a regime and versioned). The ridge penalty (on the weights, not the
//! intercept) keeps a feature seen on a handful of cases from running to infinity.

// Index loops mirror the matrix algebra (H[a][b], row i, column j) they implement.
#![allow(clippy::needless_range_loop)]

/// A fitted model.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LogisticFit {
    /// Log odds of the outcome with every feature at 0.
    pub intercept: f64,
    /// Change in log odds per unit of each feature, in the order given.
    pub weights: Vec<f64>,
    /// Newton steps taken.
    pub iterations: usize,
    /// Whether the steps converged (largest change below 1e-9).
    pub converged: bool,
}

impl LogisticFit {
    /// The log odds for one case's features.
    pub fn log_odds(&self, x: &[f64]) -> f64 {
        self.intercept + self.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f64>()
    }

    /// The probability of the outcome for one case's features.
    pub fn probability(&self, x: &[f64]) -> f64 {
        sigmoid(self.log_odds(x))
    }
}

/// Why a model could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// No cases, or rows of different lengths.
    #[error("cannot fit: {0}")]
    Shape(String),
    /// A step's system could not be solved (features perfectly collinear without a penalty).
    #[error("cannot fit: the features are collinear; add a penalty or drop a feature")]
    Singular,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Fits `y ~ x` with ridge penalty `l2` (the penalised log likelihood is
/// `Σ log p(yᵢ) − l2/2 · Σ wⱼ²`), starting from zero, for at most 100 Newton steps.
///
/// # Errors
/// [`FitError::Shape`] without cases or with ragged rows; [`FitError::Singular`] when a
/// step cannot be solved.
pub fn fit_logistic(x: &[Vec<f64>], y: &[bool], l2: f64) -> Result<LogisticFit, FitError> {
    if x.is_empty() || x.len() != y.len() {
        return Err(FitError::Shape(format!("{} rows of features for {} outcomes", x.len(), y.len())));
    }
    let p = x[0].len();
    if x.iter().any(|r| r.len() != p) {
        return Err(FitError::Shape("rows of features of different lengths".into()));
    }
    let k = p + 1; // the intercept first
    let mut beta = vec![0.0; k];
    let row = |i: usize, j: usize| if j == 0 { 1.0 } else { x[i][j - 1] };
    for iteration in 1..=100 {
        let mut gradient = vec![0.0; k];
        let mut hessian = vec![vec![0.0; k]; k];
        for i in 0..x.len() {
            let z: f64 = (0..k).map(|j| beta[j] * row(i, j)).sum();
            let mu = sigmoid(z);
            let w = (mu * (1.0 - mu)).max(1e-12);
            let r = f64::from(u8::from(y[i])) - mu;
            for a in 0..k {
                gradient[a] += r * row(i, a);
                for b in a..k {
                    hessian[a][b] += w * row(i, a) * row(i, b);
                }
            }
        }
        for a in 0..k {
            for b in 0..a {
                hessian[a][b] = hessian[b][a];
            }
        }
        for j in 1..k {
            gradient[j] -= l2 * beta[j];
            hessian[j][j] += l2;
        }
        let step = solve(hessian, gradient).ok_or(FitError::Singular)?;
        let largest = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
        for (b, s) in beta.iter_mut().zip(&step) {
            *b += s;
        }
        if largest < 1e-9 {
            return Ok(LogisticFit {
                intercept: beta[0],
                weights: beta[1..].to_vec(),
                iterations: iteration,
                converged: true,
            });
        }
    }
    Ok(LogisticFit { intercept: beta[0], weights: beta[1..].to_vec(), iterations: 100, converged: false })
}

/// Solves `a · s = b` by Gaussian elimination with partial pivoting; `None` when singular.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for r in col + 1..n {
            let f = a[r][col] / a[col][col];
            for c in col..n {
                a[r][c] -= f * a[col][c];
            }
            b[r] -= f * b[col];
        }
    }
    let mut s = vec![0.0; n];
    for r in (0..n).rev() {
        let known: f64 = (r + 1..n).map(|c| a[r][c] * s[c]).sum();
        s[r] = (b[r] - known) / a[r][r];
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With one binary feature and no penalty, the maximum-likelihood fit is the two
    /// groups' log odds: intercept = logit(2/10), weight = logit(6/10) − logit(2/10).
    #[test]
    fn one_binary_feature_recovers_the_groups_log_odds() {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..10 {
            x.push(vec![0.0]);
            y.push(i < 2);
            x.push(vec![1.0]);
            y.push(i < 6);
        }
        let fit = fit_logistic(&x, &y, 0.0).unwrap();
        assert!(fit.converged);
        let logit = |p: f64| (p / (1.0 - p)).ln();
        assert!((fit.intercept - logit(0.2)).abs() < 1e-9, "{fit:?}");
        assert!((fit.weights[0] - (logit(0.6) - logit(0.2))).abs() < 1e-9, "{fit:?}");
        assert!((fit.probability(&[1.0]) - 0.6).abs() < 1e-9);
    }

    #[test]
    fn a_penalty_shrinks_the_weight_and_keeps_separable_data_finite() {
        let x: Vec<Vec<f64>> = (0..20).map(|i| vec![f64::from(i % 2)]).collect();
        let y: Vec<bool> = (0..20).map(|i| i % 2 == 1).collect();
        // Perfectly separated: without a penalty the weight would run off to infinity.
        let fit = fit_logistic(&x, &y, 1.0).unwrap();
        assert!(fit.converged && fit.weights[0].is_finite() && fit.weights[0] > 1.0, "{fit:?}");
        let looser = fit_logistic(&x, &y, 0.1).unwrap();
        assert!(looser.weights[0] > fit.weights[0]);
    }

    #[test]
    fn ragged_or_empty_input_is_refused() {
        assert!(matches!(fit_logistic(&[], &[], 1.0), Err(FitError::Shape(_))));
        assert!(matches!(fit_logistic(&[vec![1.0], vec![]], &[true, false], 1.0), Err(FitError::Shape(_))));
        assert!(matches!(fit_logistic(&[vec![1.0]], &[true, false], 1.0), Err(FitError::Shape(_))));
    }
}
