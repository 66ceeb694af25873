//! Bulk reads for the early-warning scan: every series as known on a date, streamed in
//! series order, and every record of a kind as known on a date.
//!
//! The scan touches every series of every organisation, so these reads stream rather than
//! collect, and order by (organisation, indicator, period) so that the caller can cut the
//! stream into series without holding more than one series in memory.

use crate::error::StoreError;
use crate::open::Store;
use failwell_domain::dates;
use futures::TryStreamExt;
use serde::de::DeserializeOwned;
use sqlx::Row;
use time::Date;

/// One point of one series, as streamed by [`Store::scan_points`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScanPoint {
    /// The organisation's code.
    pub organisation: String,
    /// The indicator's code.
    pub indicator: String,
    /// The period, in canonical form (sorts in time order within one indicator).
    pub period: String,
    /// The value, `None` when the publisher withheld it.
    pub value: Option<f64>,
    /// When the revision used was published.
    pub published_on: Option<String>,
}

/// The latest date a query compares against when no as-of date is given.
const FOREVER: &str = "9999-12-31";

impl Store {
    /// Streams every point of every series, each period at its latest revision published on or before
    /// `as_of` (or the latest revision when `as_of` is `None`), ordered by organisation,
    /// indicator and period.
    ///
    /// A point with no publication date counts as always known: the store cannot tell
    /// when it became public, and leaving it out would hide data the user loaded.
    pub async fn scan_points<E>(
        &self,
        as_of: Option<Date>,
        sink: &mut dyn FnMut(ScanPoint) -> Result<(), E>,
    ) -> Result<u64, crate::ExportError<E>> {
        let as_of = as_of.map(dates::iso).unwrap_or_else(|| FOREVER.into());
        let mut rows = sqlx::query(
            "select org.code, ind.code, o.period, o.value, o.published_on
             from observation o
             join series s on s.id = o.series_id
             join organisation org on org.id = s.organisation_id
             join indicator ind on ind.id = s.indicator_id
             where coalesce(o.published_on, '0000-01-01') <= $1
               and o.revision = (select max(m.revision) from observation m
                                 where m.series_id = o.series_id and m.period = o.period
                                   and coalesce(m.published_on, '0000-01-01') <= $1)
             order by org.code, ind.code, o.period",
        )
        .bind(as_of)
        .fetch(&self.pool);
        let mut n = 0;
        while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
            let point = ScanPoint {
                organisation: row.try_get(0).map_err(StoreError::from)?,
                indicator: row.try_get(1).map_err(StoreError::from)?,
                period: row.try_get(2).map_err(StoreError::from)?,
                value: row.try_get(3).map_err(StoreError::from)?,
                published_on: row.try_get(4).map_err(StoreError::from)?,
            };
            sink(point).map_err(crate::ExportError::Sink)?;
            n += 1;
        }
        Ok(n)
    }

    /// Every record of `kind` as known on `as_of`: per natural key, the latest revision
    /// learned on or before that day (a revision with no `learned_on` counts as always
    /// known), ordered by natural key. Without `as_of`, the current revision.
    ///
    /// Inspections are learned on their publication day and events on theirs (or the day
    /// they occurred), so this is also the "published by D" filter the scan needs.
    pub async fn records_as_of<T: DeserializeOwned>(
        &self,
        kind: &'static str,
        as_of: Option<Date>,
    ) -> Result<Vec<T>, StoreError> {
        let as_of = as_of.map(dates::iso).unwrap_or_else(|| FOREVER.into());
        let rows = sqlx::query(
            "select r.natural_key, r.content from record r
             where r.kind = $1
               and coalesce(r.learned_on, '0000-01-01') <= $2
               and r.revision = (select max(m.revision) from record m
                                 where m.kind = r.kind and m.natural_key = r.natural_key
                                   and coalesce(m.learned_on, '0000-01-01') <= $2)
             order by r.natural_key",
        )
        .bind(kind)
        .bind(as_of)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let key: String = row.try_get(0)?;
                let content: String = row.try_get(1)?;
                serde_json::from_str(&content).map_err(|e| StoreError::Corrupt { kind, key, reason: e.to_string() })
            })
            .collect()
    }
}
