//! Observation rows with their counts (numerator, denominator, expected), for the scan's
//! funnel and CUSUM signals. Those indicators are few, so rows are read as rows (not the
//! packed series), each period at its latest revision as known on a day.

use crate::error::StoreError;
use crate::open::Store;
use failwell_domain::dates;
use sqlx::{AssertSqlSafe, Row};
use time::Date;

/// The latest date compared against when no as-of day is given: every revision counts.
const FOREVER: &str = "9999-12-31";

pub use failwell_domain::records::CountPoint;

impl Store {
    /// The observations of `indicators`, each period at its latest revision published on
    /// or before `as_of` (a revision with no publication day counts as always known;
    /// without `as_of`, the latest revision), ordered by indicator, period, organisation.
    pub async fn count_points(
        &self,
        indicators: &[String],
        as_of: Option<Date>,
    ) -> Result<Vec<CountPoint>, StoreError> {
        if indicators.is_empty() {
            return Ok(Vec::new());
        }
        let day = as_of.map(dates::iso).unwrap_or_else(|| FOREVER.into());
        let placeholders: Vec<String> = (0..indicators.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "select org.code, ind.code, o.period, o.value, o.numerator, o.denominator, o.expected, o.published_on
             from observation o
             join series s on s.id = o.series_id
             join organisation org on org.id = s.organisation_id
             join indicator ind on ind.id = s.indicator_id
             where ind.code in ({})
               and coalesce(o.published_on, '0000-01-01') <= $1
               and o.revision = (select max(m.revision) from observation m
                                 where m.series_id = o.series_id and m.period = o.period
                                   and coalesce(m.published_on, '0000-01-01') <= $1)
             order by ind.code, o.period, org.code",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(day);
        for code in indicators {
            query = query.bind(code.clone());
        }
        let rows = query.fetch_all(self.reads()).await?;
        rows.iter()
            .map(|r| {
                let published: Option<String> = r.try_get(7)?;
                Ok(CountPoint {
                    organisation: r.try_get(0)?,
                    indicator: r.try_get(1)?,
                    period: r.try_get(2)?,
                    value: r.try_get(3)?,
                    numerator: r.try_get(4)?,
                    denominator: r.try_get(5)?,
                    expected: r.try_get(6)?,
                    published_on: published.and_then(|d| dates::parse_date(&d).ok()),
                })
            })
            .collect()
    }
}
