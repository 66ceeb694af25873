//! Read-side questions the engine and the CLI ask.

use crate::error::StoreError;
use crate::open::Store;
use failwell_domain::dates;
use sqlx::Row;
use time::Date;

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

/// One point of a series as it was known on a date.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPoint {
    /// The period, in canonical form.
    pub period: String,
    /// The value, if published.
    pub value: Option<f64>,
    /// The publisher's note when withheld.
    pub note: Option<String>,
    /// Which revision this is.
    pub revision: i64,
    /// When the publisher released this revision.
    pub published_on: Option<String>,
}

impl Store {
    /// Counts what the store holds.
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
        .fetch_one(&self.pool)
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

    /// The series of one organisation and indicator as it was known on `as_of` (every
    /// period's latest revision published on or before that day), or as known now.
    pub async fn series_as_of(
        &self,
        organisation: &str,
        indicator: &str,
        as_of: Option<Date>,
    ) -> Result<Vec<SeriesPoint>, StoreError> {
        let as_of = as_of.map(dates::iso).unwrap_or_else(|| "9999-12-31".into());
        let rows = sqlx::query(
            "select o.period, o.value, o.note, o.revision, o.published_on
             from observation o
             join series s on s.id = o.series_id
             join organisation org on org.id = s.organisation_id
             join indicator ind on ind.id = s.indicator_id
             where org.code = $1 and ind.code = $2
               and coalesce(o.published_on, '0000-01-01') <= $3
               and o.revision = (select max(m.revision) from observation m
                                 where m.series_id = o.series_id and m.period = o.period
                                   and coalesce(m.published_on, '0000-01-01') <= $3)
             order by o.period",
        )
        .bind(organisation.to_string())
        .bind(indicator.to_string())
        .bind(as_of)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SeriesPoint {
                    period: r.try_get(0)?,
                    value: r.try_get(1)?,
                    note: r.try_get(2)?,
                    revision: r.try_get(3)?,
                    published_on: r.try_get(4)?,
                })
            })
            .collect()
    }
}
