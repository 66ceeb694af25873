//! The denominator pass: for the percentage indicators whose catalogue entry names a
//! denominator, every organisation's figures of that denominator as known on a day, for
//! the exact small-number reading (judge/small_numbers.rs). Reads only those series, and
//! only when the catalogue names a denominator.

use crate::error::EngineError;
use crate::judge::small_numbers::DenominatorFigures;
use failwell_store::Store;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// The figures of every series of the denominators in `denominator_of` (indicator →
/// its denominator) published by `day`, by (organisation, denominator).
///
/// # Errors
/// The store failing.
pub async fn read(
    store: &Store,
    denominator_of: &BTreeMap<&str, &str>,
    day: Date,
) -> Result<DenominatorFigures, EngineError> {
    let wanted: Vec<String> =
        denominator_of.values().copied().collect::<BTreeSet<&str>>().into_iter().map(str::to_string).collect();
    let index: BTreeMap<i64, (String, String)> =
        store.series_of_indicators(&wanted).await?.into_iter().map(|k| (k.id, (k.organisation, k.indicator))).collect();
    let mut out = DenominatorFigures::new();
    if index.is_empty() {
        return Ok(out);
    }
    let ids: Vec<i64> = index.keys().copied().collect();
    store
        .series_as_of(day, Some(&ids), &mut |s| {
            if let Some(key) = index.get(&s.series_id) {
                out.insert(key.clone(), (0..s.len()).map(|i| (s.period(i).into_owned(), s.values[i])).collect());
            }
        })
        .await?;
    Ok(out)
}
