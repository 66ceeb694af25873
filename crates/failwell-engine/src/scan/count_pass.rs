//! The funnel and CUSUM indicators' reading pass: their observation rows read from the
//! store, then judged (`crate::judge::counts`). Always computed afresh, never reused from
//! a recorded scan: they are few, and so incremental and full scans agree.

use crate::error::EngineError;
use crate::judge::counts::{CountPass, Peers, count_indicators, judge_counts};
use failwell_domain::Indicator;
use failwell_domain::regime::Regime;
use failwell_store::Store;
use time::Date;

/// Reads the observation rows of the catalogue's funnel and CUSUM indicators as known on
/// `as_of` (latest revisions without one) and judges them.
///
/// # Errors
/// The store failing.
pub async fn count_pass(
    store: &Store,
    catalogue: &[Indicator],
    peers: &Peers,
    as_of: Option<Date>,
    regime: &Regime,
) -> Result<CountPass, EngineError> {
    let indicators = count_indicators(catalogue);
    if indicators.is_empty() {
        return Ok(CountPass::default());
    }
    let codes: Vec<String> = indicators.keys().cloned().collect();
    let points = store.count_points(&codes, as_of).await?;
    Ok(judge_counts(&indicators, &points, peers, regime))
}
