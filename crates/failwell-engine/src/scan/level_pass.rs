//! The level pass: every organisation's latest figure of every rate, percentage or ratio
//! indicator as known on a day, put against every organisation's figure for the same
//! period (judge/learned.rs, `relative_levels`). What a learned score's `level:` features
//! read; the scan runs it only when the regime has a learned score, the backtest once per
//! as-of day.
//!
//! One more read of every series (the series pass keeps no raw figures). Measured in
//! `BENCHMARKS.md` ("the learned score's level pass").

use crate::error::EngineError;
use crate::judge::learned::{Latest, is_size, relative_levels};
use failwell_domain::Indicator;
use failwell_store::Store;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// Each organisation's indicator levels (robust z, capped) as known on `day`, by
/// organisation code then indicator code. Counts (size) are left out.
///
/// # Errors
/// The store failing.
pub async fn levels(
    store: &Store,
    day: Date,
    catalogue: &[Indicator],
) -> Result<BTreeMap<String, BTreeMap<String, f64>>, EngineError> {
    let sized: BTreeSet<&str> = catalogue.iter().filter(|i| is_size(&i.unit)).map(|i| i.code.as_str()).collect();
    let index: BTreeMap<i64, (String, String)> = store
        .series_index()
        .await?
        .into_iter()
        .filter(|k| !sized.contains(k.indicator.as_str()))
        .map(|k| (k.id, (k.organisation, k.indicator)))
        .collect();
    let mut latest = Vec::new();
    store
        .series_as_of(day, None, &mut |s| {
            let Some((org, indicator)) = index.get(&s.series_id) else { return };
            if let Some(i) = (0..s.len()).rev().find(|&i| s.values[i].is_finite()) {
                latest.push(Latest {
                    organisation: org.clone(),
                    indicator: indicator.clone(),
                    period: s.period(i).into_owned(),
                    value: s.values[i],
                });
            }
        })
        .await?;
    let mut out: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for ((org, indicator), z) in relative_levels(&latest) {
        out.entry(org).or_default().insert(indicator, z);
    }
    Ok(out)
}
