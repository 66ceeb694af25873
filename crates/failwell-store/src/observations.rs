//! Observations in bulk: rows are staged, checked and then merged with one set-based
//! statement per import.
//!
//! Staging keeps memory flat however large the file (the rows wait in the database, not
//! in RAM), lets one query find a key repeated anywhere in the file, and lets the database
//! plan the merge as a join over the whole import instead of a probe per row.
//!
//! The two databases stage differently, because their fast paths differ:
//! - SQLite: a temporary table on the import's own connection, filled by multi-row inserts
//!   with anonymous `?` placeholders (with `$n` names sqlx resolves every parameter through
//!   `sqlite3_bind_parameter_name`, a linear walk: perf showed 94% of an import there).
//! - PostgreSQL: an unlogged table `failwell_staging_<import id>` filled with `COPY … FROM
//!   STDIN` on a second connection (sqlx's `Any` driver cannot COPY). It holds no store data:
//!   the merge into `observation` still happens in the import's transaction, and the table
//!   is dropped when the import ends either way. A killed import can leave one behind (its
//!   rows never reach the store); the next import drops it.

use crate::error::{RowProblem, StoreError};
use crate::import::{ImportSession, RowResult};
use crate::open::Backend;
use crate::series::{rebuild_current, update_current, write_packed};
use failwell_domain::{Observation, dates};
use sqlx::any::AnyArguments;
use sqlx::postgres::{PgCopyIn, PgPoolCopyExt};
use sqlx::{Arguments, AssertSqlSafe, Row};
use std::fmt::Write as _;

/// Rows per multi-row insert into the SQLite staging table: 11 values a row stays under
/// SQLite's 32,766 variables.
const BATCH: usize = 1_000;
const COLUMNS: usize = 11;
/// Rows merged from which a PostgreSQL import refreshes the planner's statistics before
/// packing (see `pack_changed_series`).
const ANALYZE_AFTER: u64 = 100_000;

/// Bytes of CSV sent to PostgreSQL's COPY at a time.
const COPY_CHUNK: usize = 1 << 20;
const STAGING_COLUMNS: &str =
    "file_no, line, series_id, period, value, note, numerator, denominator, expected, published_on, source_id";
/// The staging table's columns; `{collate}` keeps PostgreSQL's period comparable with
/// `observation.period`, which is declared `collate "C"`.
fn staging_ddl(postgres: bool) -> String {
    let collate = if postgres { " collate \"C\"" } else { "" };
    format!(
        "(file_no bigint, line bigint, series_id bigint, period text{collate}, value double precision, note text,
          numerator double precision, denominator double precision, expected double precision, published_on text,
          source_id bigint)"
    )
}

/// Where staged rows go.
enum Sink {
    /// SQLite: pending bound values for the next multi-row insert.
    /// `sql` is the insert for the last batch's number of rows (the importer's chunks are
    /// all one size but the last).
    Values { args: AnyArguments, sql: (usize, String), pending: usize },
    /// PostgreSQL: an open COPY and the CSV text not yet sent.
    Copy { copy: Option<PgCopyIn<sqlx::pool::PoolConnection<sqlx::Postgres>>>, buf: String },
}

/// Rows waiting to be written to the staging table.
pub(crate) struct Staging {
    sink: Sink,
    table: String,
}

/// A key that appears twice in one import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The later occurrence: file number (from `start_file`) and line.
    pub at: (u32, u64),
    /// The occurrence before it.
    pub first: (u32, u64),
}

fn insert_sql(rows: usize) -> String {
    let mut sql = String::with_capacity(rows * 2 * COLUMNS + 160);
    sql.push_str("insert into staging_observation (");
    sql.push_str(STAGING_COLUMNS);
    sql.push_str(") values ");
    for r in 0..rows {
        sql.push_str(if r == 0 { "(?" } else { ",(?" });
        sql.push_str(&",?".repeat(COLUMNS - 1));
        sql.push(')');
    }
    sql
}

/// Appends an optional number to a CSV line (empty = NULL in COPY's CSV format).
fn csv_num(buf: &mut String, v: Option<f64>) {
    if let Some(x) = v {
        let _ = write!(buf, "{x}");
    }
}

impl ImportSession {
    /// Adds an observation from `line` of the current file.
    pub async fn add_observation(&mut self, line: u64, obs: Observation) -> RowResult {
        self.summary.read += 1;
        let org = match self.organisation(obs.organisation.as_str(), "organisation") {
            Ok(id) => id,
            Err(p) => return Ok(Err(p)),
        };
        let Some(&ind) = self.indicators.get(obs.indicator.as_str()) else {
            return Ok(Err(RowProblem::UnknownIndicator(obs.indicator.to_string())));
        };
        if let Err(p) = self.not_in_future(obs.published_on, "published_on") {
            return Ok(Err(p));
        }
        if let Err(p) = self.period_begun(obs.period) {
            return Ok(Err(p));
        }
        if self.series_read.insert(ind) {
            let rows = sqlx::query("select organisation_id, id from series where indicator_id = $1")
                .bind(ind)
                .fetch_all(&mut *self.tx)
                .await?;
            for r in rows {
                self.series.insert((r.try_get::<i64, _>(0)?, ind), r.try_get::<i64, _>(1)?);
            }
        }
        let series_id = match self.series.get(&(org, ind)) {
            Some(id) => *id,
            None => {
                let backend = self.backend();
                let id = self.new_series.create(&mut self.tx, backend, org, ind).await?;
                self.series.insert((org, ind), id);
                self.grouped.created(id);
                id
            }
        };
        let source_id = self.source_id(&obs.source).await?;
        if self.staging.is_none() {
            self.staging = Some(self.open_staging().await?);
        }
        let file_no = self.file_no as i64;
        let period = obs.period.to_string();
        // The merge dates a figure without a release day to the import's day.
        let published = obs.published_on.or(Some(self.today));
        if self.grouped.push(series_id, &period, obs.value, published, (self.file_no, line)) >= crate::series::CHUNK {
            self.write_grouped_packs().await?;
        }
        let staging = self.staging.as_mut().expect("opened above");
        match &mut staging.sink {
            Sink::Copy { buf, .. } => {
                let _ = write!(buf, "{file_no},{line},{series_id},{period},");
                csv_num(buf, obs.value);
                buf.push(',');
                buf.push_str(obs.suppression.map(|s| s.code()).unwrap_or(""));
                for v in [obs.numerator, obs.denominator, obs.expected] {
                    buf.push(',');
                    csv_num(buf, v);
                }
                buf.push(',');
                if let Some(d) = obs.published_on {
                    buf.push_str(&dates::iso(d));
                }
                buf.push(',');
                if let Some(s) = source_id {
                    let _ = write!(buf, "{s}");
                }
                buf.push('\n');
                if buf.len() >= COPY_CHUNK {
                    self.flush_staging(false).await?;
                }
            }
            Sink::Values { args: a, pending, .. } => {
                *pending += 1;
                let enc = sqlx::Error::Encode;
                a.add(file_no).map_err(enc)?;
                a.add(line as i64).map_err(enc)?;
                a.add(series_id).map_err(enc)?;
                a.add(period).map_err(enc)?;
                a.add(obs.value).map_err(enc)?;
                a.add(obs.suppression.map(|s| s.code().to_string())).map_err(enc)?;
                a.add(obs.numerator).map_err(enc)?;
                a.add(obs.denominator).map_err(enc)?;
                a.add(obs.expected).map_err(enc)?;
                a.add(obs.published_on.map(dates::iso)).map_err(enc)?;
                a.add(source_id).map_err(enc)?;
                if *pending == BATCH {
                    self.flush_staging(false).await?;
                }
            }
        }
        Ok(Ok(()))
    }

    /// Writes the packed figures of the series packed as they were read.
    async fn write_grouped_packs(&mut self) -> Result<(), StoreError> {
        self.new_series.write(&mut self.tx).await?;
        let backend = self.backend();
        write_packed(&mut self.tx, backend, self.grouped.pending()).await
    }

    async fn open_staging(&mut self) -> Result<Staging, StoreError> {
        match &self.copy_pool {
            None => {
                sqlx::raw_sql("drop table if exists staging_observation").execute(&mut *self.tx).await?;
                sqlx::raw_sql(AssertSqlSafe(format!("create temp table staging_observation {}", staging_ddl(false))))
                    .execute(&mut *self.tx)
                    .await?;
                let sink = Sink::Values { args: AnyArguments::default(), sql: (0, String::new()), pending: 0 };
                Ok(Staging { sink, table: "staging_observation".into() })
            }
            Some(pool) => {
                let table = format!("failwell_staging_{}", self.import_id);
                sqlx::raw_sql(AssertSqlSafe(format!("create unlogged table {table} {}", staging_ddl(true))))
                    .execute(pool)
                    .await?;
                let statement = format!("copy {table} ({STAGING_COLUMNS}) from stdin with (format csv)");
                let copy = pool.copy_in_raw(&statement).await?;
                Ok(Staging {
                    sink: Sink::Copy { copy: Some(copy), buf: String::with_capacity(COPY_CHUNK + 256) },
                    table,
                })
            }
        }
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

    /// Writes the observations offered so far to the staging table, where a batch is
    /// waiting for its statement (SQLite); PostgreSQL's `COPY` sends its own chunks as they
    /// fill. The importer calls this while it parses the next rows.
    pub async fn write_offered(&mut self) -> Result<(), StoreError> {
        match self.staging.as_ref().map(|s| &s.sink) {
            Some(Sink::Values { .. }) => self.flush_staging(false).await,
            _ => Ok(()),
        }
    }

    /// Sends what is pending; with `last`, also closes a COPY so its rows become visible.
    async fn flush_staging(&mut self, last: bool) -> Result<(), StoreError> {
        let Some(staging) = self.staging.as_mut() else { return Ok(()) };
        match &mut staging.sink {
            Sink::Copy { copy, buf } => {
                if let Some(c) = copy.as_mut()
                    && !buf.is_empty()
                {
                    c.send(std::mem::take(buf).into_bytes()).await?;
                }
                if last && let Some(c) = copy.take() {
                    c.finish().await?;
                }
            }
            Sink::Values { args, sql, pending } => {
                let rows = std::mem::take(pending);
                if rows == 0 {
                    return Ok(());
                }
                let args = std::mem::take(args);
                if sql.0 != rows {
                    *sql = (rows, insert_sql(rows));
                }
                let sql = sql.1.clone();
                sqlx::query_with(AssertSqlSafe(sql), args).execute(&mut *self.tx).await?;
            }
        }
        Ok(())
    }

    /// Drops the staging table: SQLite's inside the transaction (it is temporary);
    /// PostgreSQL's is dropped by `end_staging` once the transaction is over.
    async fn drop_staging(&mut self) -> Result<(), StoreError> {
        if let Some(staging) = self.staging.take() {
            if self.copy_pool.is_none() {
                sqlx::raw_sql("drop table staging_observation").execute(&mut *self.tx).await?;
            } else {
                self.leftover_staging = Some(staging.table);
            }
        }
        Ok(())
    }

    /// Marks the series this import changed and rebuilds their packed figures.
    async fn pack_changed_series(&mut self, table: &str, merged: u64) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        // Every staged row merged (a first load): every staged series changed, no probing.
        let (staged, staged_series) = self.grouped.staged();
        let changed: Vec<i64> = if merged == staged {
            staged_series
        } else {
            let sql = format!(
                "select distinct s.series_id from {table} s
                 where exists (select 1 from observation o where o.series_id = s.series_id
                               and o.period = s.period and o.import_id = $1)
                 order by s.series_id"
            );
            sqlx::query_scalar(AssertSqlSafe(sql)).bind(self.import_id).fetch_all(&mut *self.tx).await?
        };
        for chunk in changed.chunks(1000) {
            let ids = crate::series::id_list(chunk);
            sqlx::query(AssertSqlSafe(format!("update series set changed_in_import = $1 where id in ({ids})")))
                .bind(self.import_id)
                .execute(&mut *self.tx)
                .await?;
        }
        let backend = self.backend();
        if backend == Backend::Postgres && merged >= ANALYZE_AFTER {
            // A table filled inside this transaction has no statistics yet (PostgreSQL's
            // autovacuum cannot see uncommitted rows), and without them the planner reads
            // each chunk below by a parallel scan of the whole table: measured at 72 M
            // rows, 18 s a chunk instead of an index lookup. ANALYZE inside the
            // transaction counts its own rows.
            sqlx::query("analyze observation").execute(&mut *self.tx).await?;
            sqlx::query("analyze series").execute(&mut *self.tx).await?;
        }
        // Series this import created and packed as their rows were read need nothing more;
        // those whose rows came apart are rebuilt from all of them. Series packed before (a
        // later file, a publisher's next month) have this import's rows applied to their
        // packed figures where that is exact; the rest are packed from all their rows.
        self.grouped.end_group();
        self.write_grouped_packs().await?;
        let scattered = self.grouped.scattered();
        let packed_as_read = changed.iter().filter(|id| self.grouped.is_packed(**id)).count();
        let others: Vec<i64> =
            changed.iter().copied().filter(|id| !self.grouped.is_packed(*id) && !scattered.contains(id)).collect();
        if backend == Backend::Sqlite && !others.is_empty() {
            // `update_current` reads the staged rows a chunk of series at a time; when the
            // rows were checked as they were read, the staging table has no index yet
            // (re-importing a million revised rows: packing 8.0 s without it, 5.9 s with it and
            // its making, as when the check made it).
            sqlx::raw_sql(AssertSqlSafe(format!(
                "create index if not exists {table}_key on {table} (series_id, period, file_no, line)"
            )))
            .execute(&mut *self.tx)
            .await?;
        }
        let mut rebuild = scattered.iter().copied().filter(|id| changed.binary_search(id).is_ok()).collect::<Vec<_>>();
        rebuild.sort_unstable();
        rebuild.extend(update_current(&mut self.tx, backend, table, self.import_id, &others).await?);
        rebuild_current(&mut self.tx, backend, &rebuild).await?;
        tracing::info!(
            elapsed = ?started.elapsed(),
            series = changed.len(),
            packed_as_read,
            rebuilt = rebuild.len(),
            "packed changed series"
        );
        Ok(())
    }

    /// Keys (organisation, indicator, period) given more than once in this import, each
    /// with where it first appeared. Call after the last row, before `finish`.
    pub async fn duplicate_observations(&mut self, limit: usize) -> Result<Vec<Duplicate>, StoreError> {
        if self.staging.is_none() {
            return Ok(Vec::new());
        }
        self.flush_staging(true).await?;
        let started = std::time::Instant::now();
        if let Some(repeats) = self.grouped.repeats() {
            let found: Vec<Duplicate> = repeats.iter().take(limit).cloned().collect();
            tracing::info!(elapsed = ?started.elapsed(), found = found.len(), "found repeated keys as the rows were read");
            if !found.is_empty() {
                self.drop_staging().await?;
            }
            return Ok(found);
        }
        let table = self.staging.as_ref().expect("checked above").table.clone();
        // A row whose key equals the row before it in key order is a repeat; each repeat
        // names the occurrence before it. PostgreSQL sorts once (window); SQLite is faster
        // building an index and joining through it (measured: 1.3 s against 2.8 s a million rows).
        let sql = if self.backend() == Backend::Postgres {
            sqlx::raw_sql(AssertSqlSafe(format!("analyze {table}"))).execute(&mut *self.tx).await?;
            format!(
                "select file_no, line, prev_file, prev_line from (
                   select file_no, line, series_id, period,
                          lag(series_id) over w as prev_series, lag(period) over w as prev_period,
                          lag(file_no) over w as prev_file, lag(line) over w as prev_line
                   from {table}
                   window w as (order by series_id, period, file_no, line)) k
                 where prev_series = series_id and prev_period = period
                 order by file_no, line
                 limit $1"
            )
        } else {
            sqlx::raw_sql(AssertSqlSafe(format!(
                "create index {table}_key on {table} (series_id, period, file_no, line)"
            )))
            .execute(&mut *self.tx)
            .await?;
            format!(
                "select b.file_no, b.line, max(a.file_no * 10000000000 + a.line) / 10000000000,
                        max(a.file_no * 10000000000 + a.line) % 10000000000
                 from {table} b
                 join {table} a on a.series_id = b.series_id and a.period = b.period
                  and (a.file_no < b.file_no or (a.file_no = b.file_no and a.line < b.line))
                 group by b.file_no, b.line
                 order by b.file_no, b.line
                 limit $1"
            )
        };
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(limit as i64).fetch_all(&mut *self.tx).await?;
        tracing::info!(elapsed = ?started.elapsed(), found = rows.len(), "checked staged observations for duplicates");
        if !rows.is_empty() {
            // The merge would break the primary key; there is nothing to count or keep.
            self.drop_staging().await?;
        }
        rows.iter()
            .map(|r| {
                Ok(Duplicate {
                    at: (r.try_get::<i64, _>(0)? as u32, r.try_get::<i64, _>(1)? as u64),
                    first: (r.try_get::<i64, _>(2)? as u32, r.try_get::<i64, _>(3)? as u64),
                })
            })
            .collect()
    }

    /// Merges staged rows into `observation`: a new key becomes revision 1, a key whose
    /// figures differ from its current revision gets the next revision, and an unchanged
    /// key is left alone — which is why importing the same file twice changes nothing.
    /// With `pack`, also marks the series the merge changed and rebuilds their packed
    /// current figures (a dry run, rolled back anyway, skips that).
    pub(crate) async fn merge_observations(&mut self, pack: bool) -> Result<(), StoreError> {
        self.new_series.write(&mut self.tx).await?;
        if self.staging.is_none() {
            return Ok(());
        }
        self.flush_staging(true).await?;
        let started = std::time::Instant::now();
        // Changed figures for keys already stored first (an inner join: nothing to do on a
        // first load), then new keys through an anti-join, so the common case of a first
        // load never pays for the "latest revision" subquery.
        let table = self.staging.as_ref().expect("checked above").table.clone();
        // A first load: every series is new to the store, so every row is new (a key given
        // twice was refused before the merge), and neither statement's probe is needed.
        if self.grouped.all_fresh() {
            let new = sqlx::query(AssertSqlSafe(format!(
                "insert into observation (series_id, period, revision, value, note, numerator, denominator, expected, published_on, source_id, import_id)
                 select s.series_id, s.period, 1, s.value, s.note, s.numerator, s.denominator, s.expected, coalesce(s.published_on, $2), s.source_id, $1
                 from {table} s"
            )))
            .bind(self.import_id)
            .bind(dates::iso(self.today))
            .execute(&mut *self.tx)
            .await?;
            return self.merged(&table, new.rows_affected(), pack, started).await;
        }
        let changed = sqlx::query(AssertSqlSafe(format!(
            "insert into observation (series_id, period, revision, value, note, numerator, denominator, expected, published_on, source_id, import_id)
             select s.series_id, s.period, o.revision + 1, s.value, s.note, s.numerator, s.denominator,
                    s.expected, coalesce(s.published_on, $2), s.source_id, $1
             from {table} s
             join observation o
               on o.series_id = s.series_id and o.period = s.period
              and o.revision = (select max(m.revision) from observation m where m.series_id = s.series_id and m.period = s.period)
             where o.value is distinct from s.value or o.note is distinct from s.note
                or o.numerator is distinct from s.numerator or o.denominator is distinct from s.denominator
                or o.expected is distinct from s.expected
                or o.published_on is distinct from coalesce(s.published_on, o.published_on)
                or o.source_id is distinct from s.source_id"
        )))
        .bind(self.import_id)
        .bind(dates::iso(self.today))
        .execute(&mut *self.tx)
        .await?;
        let new = sqlx::query(AssertSqlSafe(format!(
            "insert into observation (series_id, period, revision, value, note, numerator, denominator, expected, published_on, source_id, import_id)
             select s.series_id, s.period, 1, s.value, s.note, s.numerator, s.denominator, s.expected, coalesce(s.published_on, $2), s.source_id, $1
             from {table} s
             where not exists (select 1 from observation o where o.series_id = s.series_id and o.period = s.period)"
        )))
        .bind(self.import_id)
        .bind(dates::iso(self.today))
        .execute(&mut *self.tx)
        .await?;
        self.merged(&table, changed.rows_affected() + new.rows_affected(), pack, started).await
    }

    /// Counts what the merge wrote, packs the series it changed (with `pack`) and drops the
    /// staging table.
    async fn merged(
        &mut self,
        table: &str,
        rows: u64,
        pack: bool,
        started: std::time::Instant,
    ) -> Result<(), StoreError> {
        self.summary.changed += rows;
        tracing::info!(elapsed = ?started.elapsed(), rows, "merged staged observations");
        if pack && rows > 0 {
            self.pack_changed_series(table, rows).await?;
        }
        self.drop_staging().await?;
        Ok(())
    }
}
