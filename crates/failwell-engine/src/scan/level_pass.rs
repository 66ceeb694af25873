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

/// The series whose latest figures are levels: every series of a rate, percentage or
/// ratio indicator, by id, with its organisation and indicator. Read once, then asked for
/// as many days as needed (the backtest asks for every as-of day).
pub struct LevelSeries {
    index: BTreeMap<i64, (String, String)>,
}

impl LevelSeries {
    /// Reads the series index, leaving out counts (size).
    ///
    /// # Errors
    /// The store failing.
    pub async fn read(store: &Store, catalogue: &[Indicator]) -> Result<LevelSeries, EngineError> {
        let sized: BTreeSet<&str> = catalogue.iter().filter(|i| is_size(&i.unit)).map(|i| i.code.as_str()).collect();
        let index = store
            .series_index()
            .await?
            .into_iter()
            .filter(|k| !sized.contains(k.indicator.as_str()))
            .map(|k| (k.id, (k.organisation, k.indicator)))
            .collect();
        Ok(LevelSeries { index })
    }

    /// Each organisation's indicator levels (robust z, capped) as known on `day`, by
    /// organisation code then indicator code.
    ///
    /// # Errors
    /// The store failing.
    pub async fn levels(
        &self,
        store: &Store,
        day: Date,
    ) -> Result<BTreeMap<String, BTreeMap<String, f64>>, EngineError> {
        let mut latest = Vec::new();
        store
            .series_as_of(day, None, &mut |s| {
                let Some((org, indicator)) = self.index.get(&s.series_id) else { return };
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
}
