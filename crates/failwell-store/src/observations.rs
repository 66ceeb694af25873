//! Observations in bulk: rows are staged, checked and then merged with one set-based
//! statement per import.
//!
//! Staging keeps memory flat however large the file (the rows wait in the database, not
//! in RAM), lets one query find a key repeated anywhere in the file, and lets the database
//! plan the merge as a join over the whole batch instead of a probe per row.

use crate::error::{RowProblem, StoreError};
use crate::import::{ImportSession, RowResult};
use failwell_domain::{Observation, dates};
use sqlx::any::AnyArguments;
use sqlx::{Arguments, AssertSqlSafe, Row};

/// Rows per multi-row insert into staging: 11 values a row stays under SQLite's 32,766
/// variables and PostgreSQL's 65,535.
const BATCH: usize = 1_000;
const COLUMNS: usize = 11;

/// Rows waiting to be written to the staging table.
pub(crate) struct Staging {
    args: AnyArguments,
    rows: usize,
    full_sql: String,
    /// PostgreSQL: the pending rows as one JSON array, expanded server-side by
    /// `json_populate_recordset` — one parameter instead of eleven a row, which the server
    /// parses several times faster than a long multi-row `values` list.
    json: Option<String>,
}

/// Rows per JSON batch for PostgreSQL.
const JSON_BATCH: usize = 20_000;

/// A key that appears twice in one import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The later occurrence: file number (from `start_file`) and line.
    pub at: (u32, u64),
    /// The first occurrence.
    pub first: (u32, u64),
}

/// The multi-row insert into staging. SQLite gets anonymous `?` placeholders: naming them
/// `$n` makes sqlx look each name up with `sqlite3_bind_parameter_name`, which walks a list,
/// so a 11,000-parameter statement spent 94% of the import there (measured with perf).
fn insert_sql(rows: usize, postgres: bool) -> String {
    let mut sql = String::with_capacity(rows * 64 + 160);
    sql.push_str(
        "insert into staging_observation (file_no, line, series_id, period, value, note, numerator, denominator, expected, published_on, source_id) values ",
    );
    let mut p = 1;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..COLUMNS {
            if c > 0 {
                sql.push(',');
            }
            if postgres {
                sql.push('$');
                sql.push_str(&p.to_string());
            } else {
                sql.push('?');
            }
            p += 1;
        }
        sql.push(')');
    }
    sql
}

impl ImportSession {
    /// Adds an observation from `line` of the current file.
    pub async fn add_observation(&mut self, line: u64, obs: Observation) -> RowResult {
        self.summary.read += 1;
        let org = match self.organisation(obs.organisation.as_str()) {
            Ok(id) => id,
            Err(p) => return Ok(Err(p)),
        };
        let Some(&ind) = self.indicators.get(obs.indicator.as_str()) else {
            return Ok(Err(RowProblem::UnknownIndicator(obs.indicator.to_string())));
        };
        let series_id = match self.series.get(&(org, ind)) {
            Some(id) => *id,
            None => {
                let id: i64 = sqlx::query_scalar(
                    "insert into series (organisation_id, indicator_id) values ($1, $2) returning id",
                )
                .bind(org)
                .bind(ind)
                .fetch_one(&mut *self.tx)
                .await?;
                self.series.insert((org, ind), id);
                id
            }
        };
        let source_id = self.source_id(&obs.source).await?;
        if self.staging.is_none() {
            sqlx::raw_sql("drop table if exists staging_observation").execute(&mut *self.tx).await?;
            sqlx::raw_sql(
                "create temp table staging_observation (file_no bigint, line bigint, series_id bigint, period text,
                 value double precision, note text, numerator double precision, denominator double precision,
                 expected double precision, published_on text, source_id bigint)",
            )
            .execute(&mut *self.tx)
            .await?;
            let full_sql = insert_sql(BATCH, self.backend_is_postgres());
            let json = self.backend_is_postgres().then(String::new);
            self.staging = Some(Staging { args: AnyArguments::default(), rows: 0, full_sql, json });
        }
        let file_no = self.file_no as i64;
        let staging = self.staging.as_mut().expect("created above");
        if let Some(json) = staging.json.as_mut() {
            let row = serde_json::json!({
                "file_no": file_no, "line": line, "series_id": series_id, "period": obs.period.to_string(),
                "value": obs.value, "note": obs.suppression.map(|s| s.code()), "numerator": obs.numerator,
                "denominator": obs.denominator, "expected": obs.expected,
                "published_on": obs.published_on.map(dates::iso), "source_id": source_id,
            });
            json.push(if json.is_empty() { '[' } else { ',' });
            json.push_str(&row.to_string());
            staging.rows += 1;
            if staging.rows == JSON_BATCH {
                self.flush_staging().await?;
            }
            return Ok(Ok(()));
        }
        let a = &mut staging.args;
        let enc = sqlx::Error::Encode;
        a.add(file_no).map_err(enc)?;
        a.add(line as i64).map_err(enc)?;
        a.add(series_id).map_err(enc)?;
        a.add(obs.period.to_string()).map_err(enc)?;
        a.add(obs.value).map_err(enc)?;
        a.add(obs.suppression.map(|s| s.code().to_string())).map_err(enc)?;
        a.add(obs.numerator).map_err(enc)?;
        a.add(obs.denominator).map_err(enc)?;
        a.add(obs.expected).map_err(enc)?;
        a.add(obs.published_on.map(dates::iso)).map_err(enc)?;
        a.add(source_id).map_err(enc)?;
        staging.rows += 1;
        if staging.rows == BATCH {
            self.flush_staging().await?;
        }
        Ok(Ok(()))
    }

    async fn source_id(&mut self, text: &str) -> Result<Option<i64>, StoreError> {
        if text.is_empty() {
            return Ok(None);
        }
        if let Some(id) = self.sources.get(text) {
            return Ok(Some(*id));
        }
        let id: i64 = sqlx::query_scalar("insert into source (text) values ($1) returning id")
            .bind(text.to_string())
            .fetch_one(&mut *self.tx)
            .await?;
        self.sources.insert(text.to_string(), id);
        Ok(Some(id))
    }

    async fn flush_staging(&mut self) -> Result<(), StoreError> {
        let postgres = self.backend_is_postgres();
        let Some(staging) = self.staging.as_mut() else { return Ok(()) };
        if staging.rows == 0 {
            return Ok(());
        }
        if let Some(json) = staging.json.as_mut() {
            json.push(']');
            let batch = std::mem::take(json);
            staging.rows = 0;
            sqlx::query(
                "insert into staging_observation select * from json_populate_recordset(null::staging_observation, $1::json)",
            )
            .bind(batch)
            .execute(&mut *self.tx)
            .await?;
            return Ok(());
        }
        let args = std::mem::take(&mut staging.args);
        let sql = if staging.rows == BATCH { staging.full_sql.clone() } else { insert_sql(staging.rows, postgres) };
        staging.rows = 0;
        sqlx::query_with(AssertSqlSafe(sql), args).execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Keys (organisation, indicator, period) given more than once in this import, each
    /// with where it first appeared. Call after the last row, before `finish`.
    pub async fn duplicate_observations(&mut self, limit: usize) -> Result<Vec<Duplicate>, StoreError> {
        if self.staging.is_none() {
            return Ok(Vec::new());
        }
        self.flush_staging().await?;
        let started = std::time::Instant::now();
        sqlx::raw_sql("create index staging_observation_key on staging_observation (series_id, period, file_no, line)")
            .execute(&mut *self.tx)
            .await?;
        if self.backend_is_postgres() {
            sqlx::raw_sql("analyze staging_observation").execute(&mut *self.tx).await?;
        }
        let rows = sqlx::query(
            "select b.file_no, b.line, min(a.file_no * 10000000000 + a.line)
             from staging_observation b
             join staging_observation a on a.series_id = b.series_id and a.period = b.period
              and (a.file_no < b.file_no or (a.file_no = b.file_no and a.line < b.line))
             group by b.file_no, b.line
             order by b.file_no, b.line
             limit $1",
        )
        .bind(limit as i64)
        .fetch_all(&mut *self.tx)
        .await?;
        tracing::info!(elapsed = ?started.elapsed(), found = rows.len(), "checked staged observations for duplicates");
        if !rows.is_empty() {
            // The merge would break the primary key; there is nothing to count or keep.
            sqlx::raw_sql("drop table staging_observation").execute(&mut *self.tx).await?;
            self.staging = None;
        }
        rows.iter()
            .map(|r| {
                let first: i64 = r.try_get(2)?;
                Ok(Duplicate {
                    at: (r.try_get::<i64, _>(0)? as u32, r.try_get::<i64, _>(1)? as u64),
                    first: ((first / 10_000_000_000) as u32, (first % 10_000_000_000) as u64),
                })
            })
            .collect()
    }

    /// Merges staged rows into `observation`: a new key becomes revision 1, a key whose
    /// figures differ from its current revision gets the next revision, and an unchanged
    /// key is left alone — which is why importing the same file twice changes nothing.
    pub(crate) async fn merge_observations(&mut self) -> Result<(), StoreError> {
        if self.staging.is_none() {
            return Ok(());
        }
        self.flush_staging().await?;
        let started = std::time::Instant::now();
        // Changed figures for keys already stored first (an inner join: nothing to do on a
        // first load), then new keys through an anti-join, so the common case of a first
        // load never pays for the "latest revision" subquery.
        let changed = sqlx::query(
            "insert into observation (series_id, period, revision, value, note, numerator, denominator, expected, published_on, source_id, import_id)
             select s.series_id, s.period, o.revision + 1, s.value, s.note, s.numerator, s.denominator,
                    s.expected, s.published_on, s.source_id, $1
             from staging_observation s
             join observation o
               on o.series_id = s.series_id and o.period = s.period
              and o.revision = (select max(m.revision) from observation m where m.series_id = s.series_id and m.period = s.period)
             where o.value is distinct from s.value or o.note is distinct from s.note
                or o.numerator is distinct from s.numerator or o.denominator is distinct from s.denominator
                or o.expected is distinct from s.expected",
        )
        .bind(self.import_id)
        .execute(&mut *self.tx)
        .await?;
        let new = sqlx::query(
            "insert into observation (series_id, period, revision, value, note, numerator, denominator, expected, published_on, source_id, import_id)
             select s.series_id, s.period, 1, s.value, s.note, s.numerator, s.denominator, s.expected, s.published_on, s.source_id, $1
             from staging_observation s
             where not exists (select 1 from observation o where o.series_id = s.series_id and o.period = s.period)",
        )
        .bind(self.import_id)
        .execute(&mut *self.tx)
        .await?;
        let rows = changed.rows_affected() + new.rows_affected();
        self.summary.changed += rows;
        tracing::info!(elapsed = ?started.elapsed(), rows, "merged staged observations");
        sqlx::raw_sql("drop table staging_observation").execute(&mut *self.tx).await?;
        self.staging = None;
        Ok(())
    }
}
