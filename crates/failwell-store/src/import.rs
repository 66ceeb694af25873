//! Imports: one transaction per file, so an import is all-or-nothing and a crash leaves
//! the store as it was.
//!
//! Re-importing the same file changes nothing: a record whose content equals the current
//! revision is skipped, and a changed one becomes a new revision with the old one kept.

use crate::error::{RowProblem, StoreError};
use crate::open::{Backend, Store};
use failwell_domain::{Event, Indicator, Inspection, Link, Organisation, dates};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct ImportSummary {
    /// The import's id in `import_run`.
    pub import_id: i64,
    /// Records offered.
    pub read: u64,
    /// Records that were new or changed (a new revision each).
    pub changed: u64,
}

/// An import in progress: an open transaction and the lookups it needs.
pub struct ImportSession {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) import_id: i64,
    pub(crate) organisations: HashMap<String, i64>,
    pub(crate) indicators: HashMap<String, i64>,
    /// Series ids by (organisation, indicator), read an indicator at a time as the file
    /// names it: a monthly file of one indicator reads 6,000 series, not the store's
    /// 600,000 (at England scale that read was most of such an import's time).
    pub(crate) series: HashMap<(i64, i64), i64>,
    /// The indicators whose series `series` holds.
    pub(crate) series_read: std::collections::HashSet<i64>,
    /// Series this import created and has not written yet.
    pub(crate) new_series: crate::new_series::NewSeries,
    pub(crate) sources: HashMap<String, i64>,
    seen: HashMap<(&'static str, String), (u64, String)>,
    pub(crate) staging: Option<crate::observations::Staging>,
    /// What the rows read so far show while they arrive grouped by series.
    pub(crate) grouped: crate::grouped::Grouped,
    pub(crate) file_no: u32,
    pub(crate) summary: ImportSummary,
    /// PostgreSQL only: the pool that streams staging rows with COPY.
    pub(crate) copy_pool: Option<sqlx::PgPool>,
    /// The import's date: when a figure without a release date became known to us.
    pub(crate) today: time::Date,
    /// PostgreSQL only: a staging table to drop once the transaction is over.
    pub(crate) leftover_staging: Option<String>,
}

impl Store {
    /// Starts an import of `kind` from `file`; nothing is visible to others until `finish`.
    pub async fn begin_import(&self, kind: &str, file: &str) -> Result<ImportSession, StoreError> {
        let mut tx = match self.backend {
            // Take the write lock now: a deferred transaction that reads first and writes
            // later can fail with SQLITE_BUSY halfway through.
            Backend::Sqlite => self.pool.begin_with("begin immediate").await?,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                // One import at a time, as SQLite's write lock gives: concurrent imports
                // would race to create the same codes and revisions.
                sqlx::raw_sql("select pg_advisory_xact_lock(7346001)").execute(&mut *tx).await?;
                // Holding the lock, no other import is under way: any staging table left
                // now belongs to an import that was killed.
                if let Some(pool) = &self.copy_pool {
                    drop_leftover_staging(pool).await?;
                }
                tx
            }
        };
        let import_id: i64 =
            sqlx::query_scalar("insert into import_run (kind, file, started_at) values ($1, $2, $3) returning id")
                .bind(kind.to_string())
                .bind(file.to_string())
                .bind(now())
                .fetch_one(&mut *tx)
                .await?;
        let organisations = load_codes(&mut tx, "select code, id from organisation").await?;
        let indicators = load_codes(&mut tx, "select code, id from indicator").await?;
        let sources = load_codes(&mut tx, "select text, id from source").await?;
        Ok(ImportSession {
            tx,
            import_id,
            organisations,
            indicators,
            series: HashMap::new(),
            series_read: std::collections::HashSet::new(),
            new_series: Default::default(),
            sources,
            seen: HashMap::new(),
            staging: None,
            grouped: Default::default(),
            file_no: 0,
            copy_pool: self.copy_pool.clone(),
            leftover_staging: None,
            today: time::OffsetDateTime::now_utc().date(),
            summary: ImportSummary { import_id, ..Default::default() },
        })
    }
}

async fn load_codes(tx: &mut Transaction<'static, Any>, sql: &'static str) -> Result<HashMap<String, i64>, StoreError> {
    let rows = sqlx::query(sql).fetch_all(&mut **tx).await?;
    rows.iter().map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?))).collect()
}

pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).expect("now formats")
}

/// The outcome of offering one row: stored (or unchanged), or a problem with the row.
pub type RowResult = Result<Result<(), RowProblem>, StoreError>;

impl ImportSession {
    /// Adds or revises an organisation.
    pub async fn add_organisation(&mut self, line: u64, org: &Organisation) -> RowResult {
        let code = org.code.as_str();
        let id = match self.organisations.get(code) {
            Some(id) => *id,
            None => {
                let id: i64 = sqlx::query_scalar("insert into organisation (code) values ($1) returning id")
                    .bind(code.to_string())
                    .fetch_one(&mut *self.tx)
                    .await?;
                self.organisations.insert(code.to_string(), id);
                id
            }
        };
        self.put_record("organisation", code.to_string(), line, Some(id), None, org.learned_on, org).await
    }

    /// Adds or revises a link; both ends must be in the registry.
    pub async fn add_link(&mut self, line: u64, link: &Link) -> RowResult {
        let from = match self.organisation(link.from.as_str(), "from") {
            Ok(id) => id,
            Err(p) => return Ok(Err(p)),
        };
        if let Err(p) = self.organisation(link.to.as_str(), "to") {
            return Ok(Err(p));
        }
        let key = format!(
            "{}|{}|{}|{}",
            link.from,
            link.to,
            link.link_type,
            link.valid_from.map(dates::iso).unwrap_or_default()
        );
        self.put_record("link", key, line, Some(from), link.valid_from, link.learned_on, link).await
    }

    /// Adds or revises an indicator definition.
    pub async fn add_indicator(&mut self, line: u64, ind: &Indicator) -> RowResult {
        let code = ind.code.as_str();
        if let Some(d) = ind.denominator.as_ref().filter(|d| !self.indicators.contains_key(d.as_str())) {
            return Ok(Err(RowProblem::UnknownDenominator(d.to_string())));
        }
        if !self.indicators.contains_key(code) {
            let id: i64 = sqlx::query_scalar("insert into indicator (code) values ($1) returning id")
                .bind(code.to_string())
                .fetch_one(&mut *self.tx)
                .await?;
            self.indicators.insert(code.to_string(), id);
        }
        self.put_record("indicator", code.to_string(), line, None, ind.valid_from, ind.learned_on, ind).await
    }

    /// Adds or revises an inspection judgement.
    pub async fn add_inspection(&mut self, line: u64, ins: &Inspection) -> RowResult {
        let org = match self.organisation(ins.organisation.as_str(), "organisation") {
            Ok(id) => id,
            Err(p) => return Ok(Err(p)),
        };
        if let Err(p) = self.not_in_future(Some(ins.published_on), "published_on") {
            return Ok(Err(p));
        }
        let key = format!("{}|{}|{}|{}", ins.organisation, ins.regulator, ins.framework, dates::iso(ins.inspected_on));
        self.put_record("inspection", key, line, Some(org), Some(ins.inspected_on), Some(ins.published_on), ins).await
    }

    /// Adds or revises an event.
    pub async fn add_event(&mut self, line: u64, ev: &Event) -> RowResult {
        let org = match self.organisation(ev.organisation.as_str(), "organisation") {
            Ok(id) => id,
            Err(p) => return Ok(Err(p)),
        };
        let key = format!("{}|{}|{}", ev.organisation, ev.event_type, dates::iso(ev.occurred_on));
        let learned = ev.published_on.or(Some(ev.occurred_on));
        let column = if ev.published_on.is_some() { "published_on" } else { "occurred_on" };
        if let Err(p) = self.not_in_future(learned, column) {
            return Ok(Err(p));
        }
        self.put_record("event", key, line, Some(org), Some(ev.occurred_on), learned, ev).await
    }

    /// Refuses a day a record became known (in `column`) after the import's day. The
    /// import's day is UTC's, so a day's grace: a release just after midnight in a time
    /// zone ahead of UTC is still "today" where it was published.
    pub(crate) fn not_in_future(&self, known: Option<time::Date>, column: &'static str) -> Result<(), RowProblem> {
        match known {
            Some(day) if dates::is_ahead_of(day, self.today) => {
                Err(RowProblem::PublishedInFuture { day: dates::iso(day), today: dates::iso(self.today), column })
            }
            _ => Ok(()),
        }
    }

    /// Refuses a figure for a period that has not yet begun on the import's day (with the
    /// same day's grace): a figure is a count of what happened, and one for a period to
    /// come would become every series' "latest" and move the scan's now into the future.
    /// A period under way may have a figure (a month's first weeks).
    pub(crate) fn period_begun(&self, period: failwell_domain::Period) -> Result<(), RowProblem> {
        if dates::is_ahead_of(period.start(), self.today) {
            return Err(RowProblem::PeriodInFuture { period: period.to_string(), today: dates::iso(self.today) });
        }
        Ok(())
    }

    pub(crate) fn backend(&self) -> crate::open::Backend {
        // Only a PostgreSQL store has the native pool that COPY needs.
        if self.copy_pool.is_some() { crate::open::Backend::Postgres } else { crate::open::Backend::Sqlite }
    }

    /// Marks the start of the next input file: rows are then placed as (file, line).
    pub fn start_file(&mut self) -> u32 {
        self.file_no += 1;
        self.file_no
    }

    /// The id of the organisation `code`, which the row gives in `column` (ours).
    pub(crate) fn organisation(&self, code: &str, column: &'static str) -> Result<i64, RowProblem> {
        self.organisations
            .get(code)
            .copied()
            .ok_or_else(|| RowProblem::UnknownOrganisation { code: code.to_string(), column })
    }

    #[allow(clippy::too_many_arguments)]
    async fn put_record<T: Serialize>(
        &mut self,
        kind: &'static str,
        key: String,
        line: u64,
        organisation_id: Option<i64>,
        on_date: Option<time::Date>,
        learned_on: Option<time::Date>,
        record: &T,
    ) -> RowResult {
        self.summary.read += 1;
        let content = serde_json::to_string(record).expect("records serialise");
        if let Some((first_line, first_content)) = self.seen.get(&(kind, key.clone())) {
            return Ok(if *first_content == content { Ok(()) } else { Err(RowProblem::Duplicate(kind, *first_line)) });
        }
        self.seen.insert((kind, key.clone()), (line, content.clone()));
        let current: Option<(i64, String)> = sqlx::query_as(
            "select revision, content from record where kind = $1 and natural_key = $2 and is_current = 1",
        )
        .bind(kind)
        .bind(key.clone())
        .fetch_optional(&mut *self.tx)
        .await?;
        let revision = match current {
            Some((_, ref c)) if *c == content => return Ok(Ok(())),
            Some((rev, _)) => {
                sqlx::query("update record set is_current = 0 where kind = $1 and natural_key = $2 and is_current = 1")
                    .bind(kind)
                    .bind(key.clone())
                    .execute(&mut *self.tx)
                    .await?;
                rev + 1
            }
            None => 1,
        };
        sqlx::query(
            "insert into record (kind, natural_key, revision, organisation_id, on_date, learned_on, content, import_id, is_current)
             values ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
        )
        .bind(kind)
        .bind(key)
        .bind(revision)
        .bind(organisation_id)
        .bind(on_date.map(dates::iso))
        .bind(learned_on.map(dates::iso))
        .bind(content)
        .bind(self.import_id)
        .execute(&mut *self.tx)
        .await?;
        self.summary.changed += 1;
        Ok(Ok(()))
    }

    /// Writes what is pending, records the run and commits: only now does the import
    /// become visible, all of it at once.
    pub async fn finish(mut self) -> Result<ImportSummary, StoreError> {
        self.merge_observations(true).await?;
        sqlx::query("update import_run set finished_at = $1, rows_read = $2, rows_changed = $3 where id = $4")
            .bind(now())
            .bind(self.summary.read as i64)
            .bind(self.summary.changed as i64)
            .bind(self.import_id)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        drop_staging_table(self.copy_pool.as_ref(), self.leftover_staging.take()).await?;
        Ok(self.summary)
    }

    /// Undoes everything; with `count`, first works out what would have changed (for
    /// `--dry-run`), which a failed import does not need to pay for.
    pub async fn abandon(mut self, count: bool) -> Result<ImportSummary, StoreError> {
        if count {
            self.merge_observations(false).await?;
        }
        self.tx.rollback().await?;
        drop_staging_table(self.copy_pool.as_ref(), self.leftover_staging.take()).await?;
        Ok(self.summary)
    }
}

/// Drops a PostgreSQL staging table once its import's transaction is over.
async fn drop_staging_table(pool: Option<&sqlx::PgPool>, table: Option<String>) -> Result<(), StoreError> {
    if let (Some(pool), Some(table)) = (pool, table) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("drop table if exists {table}"))).execute(pool).await?;
    }
    Ok(())
}

/// Drops staging tables that killed imports left behind (called holding the import lock;
/// the short lock timeout is a second guard against waiting on a table still in use).
pub(crate) async fn drop_leftover_staging(pool: &sqlx::PgPool) -> Result<(), StoreError> {
    let tables: Vec<String> =
        sqlx::query_scalar("select tablename from pg_tables where tablename like 'failwell\\_staging\\_%'")
            .fetch_all(pool)
            .await?;
    for table in tables {
        if !table.trim_start_matches("failwell_staging_").bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let mut tx = pool.begin().await?;
        sqlx::raw_sql("set local lock_timeout = '200ms'").execute(&mut *tx).await?;
        if sqlx::raw_sql(sqlx::AssertSqlSafe(format!("drop table {table}"))).execute(&mut *tx).await.is_ok() {
            tx.commit().await?;
        }
    }
    Ok(())
}
