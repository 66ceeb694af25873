//! Series an import creates, given their ids at once and written in batches.
//!
//! Why: a file of a million rows over 8,334 series asked the database for each new
//! series' id as its first row arrived, one round trip each. On PostgreSQL that was about
//! a second of a five-second import (8,334 `insert … returning id` take 1.2 s through
//! `psql` here), and the rows behind each waited for it. Now the ids come first (from
//! the identity's sequence on PostgreSQL, a block at a time; on SQLite, whose import
//! holds the write lock from its start, from one past the highest id, as SQLite itself
//! would choose them), and the rows are written a thousand at a time before anything
//! that needs them: the packed figures, the merge, the end of the import. Figures in
//! `BENCHMARKS.md` ("Import", eighth session).

use crate::error::StoreError;
use crate::open::Backend;
use sqlx::{Any, AssertSqlSafe, Transaction};

/// Ids asked of PostgreSQL's sequence at a time.
const RESERVE: i64 = 1024;

/// Series rows written per statement (three parameters each).
const BATCH: usize = 1000;

/// Series created by an import and not yet written, and the ids to give the next ones.
#[derive(Debug, Default)]
pub(crate) struct NewSeries {
    /// Ids ready to give, in order (PostgreSQL: taken from the sequence).
    ready: std::collections::VecDeque<i64>,
    /// SQLite: the last id given (ids follow it).
    last: Option<i64>,
    /// (id, organisation, indicator) not yet written.
    pending: Vec<(i64, i64, i64)>,
}

impl NewSeries {
    /// Gives the series of (`organisation`, `indicator`) an id; it is written by the next
    /// [`NewSeries::write`].
    pub(crate) async fn create(
        &mut self,
        tx: &mut Transaction<'static, Any>,
        backend: Backend,
        organisation: i64,
        indicator: i64,
    ) -> Result<i64, StoreError> {
        let id = match backend {
            Backend::Postgres => {
                if self.ready.is_empty() {
                    let ids: Vec<i64> = sqlx::query_scalar(
                        "select nextval(pg_get_serial_sequence('series', 'id')) from generate_series(1, $1)",
                    )
                    .bind(RESERVE)
                    .fetch_all(&mut **tx)
                    .await?;
                    self.ready.extend(ids);
                }
                self.ready.pop_front().expect("reserved above")
            }
            Backend::Sqlite => {
                let last = match self.last {
                    Some(id) => id,
                    None => sqlx::query_scalar("select coalesce(max(id), 0) from series").fetch_one(&mut **tx).await?,
                };
                self.last = Some(last + 1);
                last + 1
            }
        };
        self.pending.push((id, organisation, indicator));
        Ok(id)
    }

    /// Writes the series given ids since the last call.
    pub(crate) async fn write(&mut self, tx: &mut Transaction<'static, Any>) -> Result<(), StoreError> {
        for batch in self.pending.chunks(BATCH) {
            let rows: Vec<String> =
                (0..batch.len()).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
            let sql = format!("insert into series (id, organisation_id, indicator_id) values {}", rows.join(", "));
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for &(id, organisation, indicator) in batch {
                query = query.bind(id).bind(organisation).bind(indicator);
            }
            query.execute(&mut **tx).await?;
        }
        self.pending.clear();
        Ok(())
    }
}
