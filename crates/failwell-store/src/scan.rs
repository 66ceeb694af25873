//! Records as known on a date, for the early-warning scan (series are read by
//! `series.rs`).

use crate::error::StoreError;
use crate::open::Store;
use failwell_domain::dates;
use serde::de::DeserializeOwned;
use sqlx::Row;
use time::Date;

impl Store {
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
        // Without a day, the current revision is the one an import marked current: an
        // indexed read, where finding each key's latest revision known by a day is a
        // subquery per record (four times slower on PostgreSQL at England scale).
        let day = as_of.map(dates::iso);
        let sql = match day {
            None => "select natural_key, content from record where kind = $1 and is_current = 1 order by natural_key",
            Some(_) => {
                "select r.natural_key, r.content from record r
             where r.kind = $1
               and coalesce(r.learned_on, '0000-01-01') <= $2
               and r.revision = (select max(m.revision) from record m
                                 where m.kind = r.kind and m.natural_key = r.natural_key
                                   and coalesce(m.learned_on, '0000-01-01') <= $2)
             order by r.natural_key"
            }
        };
        // On SQLite, the scan's bulk reader (see `side_reader`): a scan reads the
        // 6,000 organisations and their links of England scale through it.
        if let Some(readers) = &self.side_readers {
            return readers.read(|conn| {
                let mut statement = conn.prepare(sql)?;
                let mut rows = match &day {
                    Some(day) => statement.query(rusqlite::params![kind, day])?,
                    None => statement.query(rusqlite::params![kind])?,
                };
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(parse_record(
                        kind,
                        row.get(0)?,
                        row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?,
                    )?);
                }
                Ok(out)
            });
        }
        let mut query = sqlx::query(sql).bind(kind);
        if let Some(day) = day {
            query = query.bind(day);
        }
        let rows = query.fetch_all(self.reads()).await?;
        rows.iter().map(|row| parse_record(kind, row.try_get(0)?, &row.try_get::<String, _>(1)?)).collect()
    }

    /// The current records of `kind` about the organisations `codes` (an inspection or an
    /// event names its organisation; a link only its first end), ordered by natural key as
    /// [`Store::records_as_of`] orders them: a case's review reads its own organisations'
    /// judgements and events through the index on the record's organisation, not every
    /// record of England on each view of the case.
    pub async fn current_records_of<T: DeserializeOwned>(
        &self,
        kind: &'static str,
        codes: &[String],
    ) -> Result<Vec<T>, StoreError> {
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let list = (2..codes.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "select r.natural_key, r.content from record r join organisation o on o.id = r.organisation_id
             where r.kind = $1 and r.is_current = 1 and o.code in ({list}) order by r.natural_key"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(kind);
        for code in codes {
            query = query.bind(code);
        }
        let rows = query.fetch_all(self.reads()).await?;
        rows.iter().map(|row| parse_record(kind, row.try_get(0)?, &row.try_get::<String, _>(1)?)).collect()
    }
}

/// A stored record's content, read as `T`; a record that does not read is a corrupt store.
fn parse_record<T: DeserializeOwned>(kind: &'static str, key: String, content: &str) -> Result<T, StoreError> {
    serde_json::from_str(content).map_err(|e| StoreError::Corrupt { kind, key, reason: e.to_string() })
}
