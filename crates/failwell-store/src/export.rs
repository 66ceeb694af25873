//! Export: the current revision of every record, in the order files are usually read.

use crate::error::StoreError;
use crate::open::Store;
use failwell_domain::{Code, Observation, Period, Slug, dates};
use futures::TryStreamExt;
use serde::de::DeserializeOwned;
use sqlx::Row;

/// A sink for exported records; returning an error stops the export.
pub type RecordStream<'a, T, E> = &'a mut dyn FnMut(T) -> Result<(), E>;

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError<E> {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The sink failed.
    #[error("{0}")]
    Sink(E),
}

impl Store {
    /// Streams the current revision of every record of `kind` (`organisation`, `link`,
    /// `indicator`, `inspection`, `event`), ordered by natural key.
    pub async fn export_records<T: DeserializeOwned, E>(
        &self,
        kind: &'static str,
        sink: RecordStream<'_, T, E>,
    ) -> Result<u64, ExportError<E>> {
        let mut rows = sqlx::query(
            "select natural_key, content from record where kind = $1 and is_current = 1 order by natural_key",
        )
        .bind(kind)
        .fetch(self.reads());
        let mut n = 0;
        while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
            let key: String = row.try_get(0).map_err(StoreError::from)?;
            let content: String = row.try_get(1).map_err(StoreError::from)?;
            let record =
                serde_json::from_str(&content).map_err(|e| StoreError::Corrupt { kind, key, reason: e.to_string() })?;
            sink(record).map_err(ExportError::Sink)?;
            n += 1;
        }
        Ok(n)
    }

    /// Streams the current revision of every observation, ordered by organisation,
    /// indicator and period.
    pub async fn export_observations<E>(&self, sink: RecordStream<'_, Observation, E>) -> Result<u64, ExportError<E>> {
        let mut rows = sqlx::query(
            "select org.code, ind.code, o.period, o.value, o.note, o.numerator, o.denominator, o.expected, o.published_on, src.text
             from observation o
             join series s on s.id = o.series_id
             join organisation org on org.id = s.organisation_id
             join indicator ind on ind.id = s.indicator_id
             left join source src on src.id = o.source_id
             where o.revision = (select max(m.revision) from observation m where m.series_id = o.series_id and m.period = o.period)
             order by org.code, ind.code, o.period",
        )
        .fetch(self.reads());
        let mut n = 0;
        while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
            let obs = observation_from_row(&row).map_err(ExportError::Store)?;
            sink(obs).map_err(ExportError::Sink)?;
            n += 1;
        }
        Ok(n)
    }
}

fn observation_from_row(row: &sqlx::any::AnyRow) -> Result<Observation, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt { kind: "observation", key: String::new(), reason };
    let org: String = row.try_get(0)?;
    let ind: String = row.try_get(1)?;
    let period: String = row.try_get(2)?;
    let note: Option<String> = row.try_get(4)?;
    let published: Option<String> = row.try_get(8)?;
    Ok(Observation {
        organisation: Code::new(&org).map_err(|e| corrupt(e.to_string()))?,
        indicator: Slug::new(&ind).map_err(|e| corrupt(e.to_string()))?,
        period: period.parse::<Period>().map_err(|e| corrupt(e.to_string()))?,
        value: row.try_get(3)?,
        suppression: note
            .map(|n| n.parse())
            .transpose()
            .map_err(|e: failwell_domain::vocab::UnknownWord| corrupt(e.to_string()))?,
        numerator: row.try_get(5)?,
        denominator: row.try_get(6)?,
        expected: row.try_get(7)?,
        published_on: published.map(|d| dates::parse_date(&d)).transpose().map_err(|e| corrupt(e.to_string()))?,
        source: row.try_get::<Option<String>, _>(9)?.unwrap_or_default(),
    })
}
