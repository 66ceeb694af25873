//! Read-side questions the engine and the CLI ask.

use crate::error::StoreError;
use crate::open::Store;
use sqlx::Row;

/// How much the store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counts {
    /// Organisations and groups.
    pub organisations: u64,
    /// Current links.
    pub links: u64,
    /// Indicators in the catalogue.
    pub indicators: u64,
    /// Series (organisation × indicator).
    pub series: u64,
    /// Observation revisions (all, not only current).
    pub observations: u64,
    /// Inspection judgements.
    pub inspections: u64,
    /// Events.
    pub events: u64,
}

impl Store {
    /// Whether the registry holds any organisation: a store with none has nothing to judge.
    pub async fn has_organisations(&self) -> Result<bool, StoreError> {
        // One row looked up, where `counts` counts every observation (seconds at England's scale).
        let row = sqlx::query("select exists (select 1 from organisation)").fetch_one(self.reads()).await?;
        Ok(row.try_get::<bool, _>(0).or_else(|_| row.try_get::<i64, _>(0).map(|n| n != 0))?)
    }

    /// How many of each kind of record the store holds.
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        let row = sqlx::query(
            "select
               (select count(*) from organisation),
               (select count(*) from record where kind = 'link' and is_current = 1),
               (select count(*) from indicator),
               (select count(*) from series),
               (select count(*) from observation),
               (select count(*) from record where kind = 'inspection' and is_current = 1),
               (select count(*) from record where kind = 'event' and is_current = 1)",
        )
        .fetch_one(self.reads())
        .await?;
        let n = |i: usize| -> Result<u64, StoreError> { Ok(row.try_get::<i64, _>(i)? as u64) };
        Ok(Counts {
            organisations: n(0)?,
            links: n(1)?,
            indicators: n(2)?,
            series: n(3)?,
            observations: n(4)?,
            inspections: n(5)?,
            events: n(6)?,
        })
    }
}
