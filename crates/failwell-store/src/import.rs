//! Imports: one transaction per file, so an import is all-or-nothing and a crash leaves
//! the store as it was.
//!
//! Re-importing the same file changes nothing: a record whose content equals the current
//! revision is skipped, and a changed one becomes a new revision with the old one kept.

use crate::error::{RowProblem, StoreError};
use crate::open::{Backend, Store};
use failwell_domain::{Event, Indicator, Inspection, Link, Observation, Organisation, dates};
use serde::Serialize;
use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, AssertSqlSafe, Row, Transaction};
use std::collections::HashMap;

/// Rows per multi-row insert: 10 values a row stays well under SQLite's 32,766 variables.
const BATCH: usize = 250;

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

struct PendingObservation {
    series_id: i64,
    period: String,
    obs: Observation,
    source_id: Option<i64>,
}

/// An import in progress: an open transaction and the lookups it needs.
pub struct ImportSession {
    tx: Transaction<'static, Any>,
    import_id: i64,
    organisations: HashMap<String, i64>,
    indicators: HashMap<String, i64>,
    series: HashMap<(i64, i64), i64>,
    sources: HashMap<String, i64>,
    seen: HashMap<(&'static str, String), (u64, String)>,
    batch: Vec<PendingObservation>,
    batch_lines: HashMap<(i64, String), u64>,
    full_batch_sql: Option<String>,
    summary: ImportSummary,
}

impl Store {
    /// Starts an import of `kind` from `file`; nothing is visible to others until `finish`.
    pub async fn begin_import(&self, kind: &str, file: &str) -> Result<ImportSession, StoreError> {
        let mut tx = match self.backend {
            // Take the write lock now: a deferred transaction that reads first and writes
            // later can fail with SQLITE_BUSY halfway through.
            Backend::Sqlite => self.pool.begin_with("begin immediate").await?,
            Backend::Postgres => self.pool.begin().await?,
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
        let mut series = HashMap::new();
        if kind == "observations" {
            let rows = sqlx::query("select organisation_id, indicator_id, id from series").fetch_all(&mut *tx).await?;
            for r in rows {
                series.insert((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?), r.try_get::<i64, _>(2)?);
            }
        }
        let sources = load_codes(&mut tx, "select text, id from source").await?;
        Ok(ImportSession {
            tx,
            import_id,
            organisations,
            indicators,
            series,
            sources,
            seen: HashMap::new(),
            batch: Vec::with_capacity(BATCH),
            batch_lines: HashMap::new(),
            full_batch_sql: None,
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
        let from = match self.organisation(link.from.as_str()) {
            Ok(id) => id,
            Err(p) => return Ok(Err(p)),
        };
        if let Err(p) = self.organisation(link.to.as_str()) {
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
        let org = match self.organisation(ins.organisation.as_str()) {
            Ok(id) => id,
            Err(p) => return Ok(Err(p)),
        };
        let key = format!("{}|{}|{}|{}", ins.organisation, ins.regulator, ins.framework, dates::iso(ins.inspected_on));
        self.put_record("inspection", key, line, Some(org), Some(ins.inspected_on), Some(ins.published_on), ins).await
    }

    /// Adds or revises an event.
    pub async fn add_event(&mut self, line: u64, ev: &Event) -> RowResult {
        let org = match self.organisation(ev.organisation.as_str()) {
            Ok(id) => id,
            Err(p) => return Ok(Err(p)),
        };
        let key = format!("{}|{}|{}", ev.organisation, ev.event_type, dates::iso(ev.occurred_on));
        let learned = ev.published_on.or(Some(ev.occurred_on));
        self.put_record("event", key, line, Some(org), Some(ev.occurred_on), learned, ev).await
    }

    fn organisation(&self, code: &str) -> Result<i64, RowProblem> {
        self.organisations.get(code).copied().ok_or_else(|| RowProblem::UnknownOrganisation(code.to_string()))
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

    /// Adds an observation; it is written in batches, so a problem it causes in the
    /// database surfaces at a later call or at `finish`.
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
        let period = obs.period.to_string();
        if let Some(&first) = self.batch_lines.get(&(series_id, period.clone())) {
            let earlier = self.batch.iter().find(|p| p.series_id == series_id && p.period == period);
            return Ok(match earlier {
                Some(p) if same_figures(&p.obs, &obs) => Ok(()),
                _ => Err(RowProblem::Duplicate("observation", first)),
            });
        }
        self.batch_lines.insert((series_id, period.clone()), line);
        self.batch.push(PendingObservation { series_id, period, obs, source_id });
        if self.batch.len() >= BATCH {
            self.flush().await?;
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

    /// Writes the pending observations with one set-based statement: a row is inserted as
    /// revision 1 when the key is new, as the next revision when its figures differ from
    /// the current one, and not at all when they are the same.
    async fn flush(&mut self) -> Result<(), StoreError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let n = self.batch.len();
        let sql = if n == BATCH {
            self.full_batch_sql.get_or_insert_with(|| observation_merge_sql(BATCH)).clone()
        } else {
            observation_merge_sql(n)
        };
        let mut args = AnyArguments::default();
        args.add(self.import_id).map_err(sqlx::Error::Encode)?;
        for p in self.batch.drain(..) {
            let o = &p.obs;
            args.add(p.series_id).map_err(sqlx::Error::Encode)?;
            args.add(p.period).map_err(sqlx::Error::Encode)?;
            args.add(o.value).map_err(sqlx::Error::Encode)?;
            args.add(o.suppression.map(|s| s.code().to_string())).map_err(sqlx::Error::Encode)?;
            args.add(o.numerator).map_err(sqlx::Error::Encode)?;
            args.add(o.denominator).map_err(sqlx::Error::Encode)?;
            args.add(o.expected).map_err(sqlx::Error::Encode)?;
            args.add(o.published_on.map(dates::iso)).map_err(sqlx::Error::Encode)?;
            args.add(p.source_id).map_err(sqlx::Error::Encode)?;
        }
        self.batch_lines.clear();
        let done = sqlx::query_with(AssertSqlSafe(sql), args).execute(&mut *self.tx).await?;
        self.summary.changed += done.rows_affected();
        Ok(())
    }

    /// Writes what is pending, records the run and commits: only now does the import
    /// become visible, all of it at once.
    pub async fn finish(mut self) -> Result<ImportSummary, StoreError> {
        self.flush().await?;
        sqlx::query("update import_run set finished_at = $1, rows_read = $2, rows_changed = $3 where id = $4")
            .bind(now())
            .bind(self.summary.read as i64)
            .bind(self.summary.changed as i64)
            .bind(self.import_id)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(self.summary)
    }

    /// Writes what is pending (so its problems are found), then undoes everything: for
    /// `--dry-run`, and for imports with bad rows.
    pub async fn abandon(mut self) -> Result<ImportSummary, StoreError> {
        self.flush().await?;
        self.tx.rollback().await?;
        Ok(self.summary)
    }
}

fn same_figures(a: &Observation, b: &Observation) -> bool {
    a.value == b.value
        && a.suppression == b.suppression
        && a.numerator == b.numerator
        && a.denominator == b.denominator
        && a.expected == b.expected
}

/// The merge statement for `rows` observations; `$1` is the import id.
fn observation_merge_sql(rows: usize) -> String {
    let mut sql = String::with_capacity(rows * 48 + 1024);
    sql.push_str(
        "with v (series_id, period, value, note, numerator, denominator, expected, published_on, source_id) as (values ",
    );
    let mut p = 2;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..9 {
            if c > 0 {
                sql.push(',');
            }
            sql.push('$');
            sql.push_str(&p.to_string());
            p += 1;
        }
        sql.push(')');
    }
    sql.push_str(
        ") insert into observation (series_id, period, revision, value, note, numerator, denominator, expected, published_on, source_id, import_id)
         select v.series_id, v.period, coalesce(o.revision, 0) + 1, v.value, v.note, v.numerator, v.denominator, v.expected, v.published_on, v.source_id, $1
         from v left join observation o
           on o.series_id = v.series_id and o.period = v.period
          and o.revision = (select max(m.revision) from observation m where m.series_id = v.series_id and m.period = v.period)
         where o.series_id is null
            or (o.import_id <> $1
                and (o.value is distinct from v.value or o.note is distinct from v.note
                     or o.numerator is distinct from v.numerator or o.denominator is distinct from v.denominator
                     or o.expected is distinct from v.expected))",
    );
    sql
}
