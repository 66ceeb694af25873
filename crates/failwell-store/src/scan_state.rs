//! What scans leave behind: the record of each scan, every signal across scans (one row
//! per ongoing signal, however many scans saw it), and the per-indicator results an
//! incremental scan reuses.
//!
//! The store keeps these as text it does not interpret (the engine's JSON); it only knows
//! which scan saw what, so that "new", "ongoing" and "closed" are answerable by query.

use crate::error::StoreError;
use crate::open::{Backend, Store};
use sqlx::{Any, AssertSqlSafe, Row};
use std::collections::{HashMap, HashSet};

/// Rows per multi-row statement.
const BATCH: usize = 200;

/// One scan, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRecord {
    /// Its id (0 before it is recorded).
    pub id: i64,
    /// The day it judged as of.
    pub as_of: String,
    /// Regime id.
    pub regime: String,
    /// Regime version.
    pub regime_version: String,
    /// A fingerprint of everything else that shapes its results (rule set, options,
    /// catalogue); an incremental scan may only continue a scan with the same one.
    pub config: String,
    /// The newest import it had read.
    pub through_import: i64,
    /// `full` or `incremental`.
    pub mode: String,
    /// Organisations reported.
    pub organisations: i64,
    /// Signals seen.
    pub signals: i64,
    /// Signals first seen by this scan.
    pub new_signals: i64,
    /// Signals of earlier scans not seen again.
    pub closed_signals: i64,
}

/// A signal no scan has closed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSignal {
    /// The key it was first seen under (its identity).
    pub key: String,
    /// Organisation code.
    pub organisation: String,
    /// Indicator, framework or event type.
    pub source: String,
    /// The rule that found it.
    pub rule: String,
    /// `concern`, `improvement` or `neutral`.
    pub direction: String,
    /// The as-of day of the first scan that saw it.
    pub first_seen_on: String,
    /// A hash of its latest content: the content is rewritten only when this changes.
    pub content_hash: String,
}

/// A signal seen by the scan being recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalRow {
    /// Its identity: the key of the open signal it continues, or its own key when new.
    pub key: String,
    /// Organisation code.
    pub organisation: String,
    /// Indicator, framework or event type.
    pub source: String,
    /// The rule that found it.
    pub rule: String,
    /// `concern`, `improvement` or `neutral`.
    pub direction: String,
    /// Its content as JSON.
    pub content: String,
    /// A hash of `content`.
    pub content_hash: String,
}

/// What a scan derived from one indicator's series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesScan {
    /// The indicator's code.
    pub indicator: String,
    /// The engine's encoding of them (opaque to the store).
    pub results: Vec<u8>,
}

/// What a recorded scan recommended for one organisation it reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecommendationRow {
    /// Organisation code.
    pub organisation: String,
    /// The recommended rung's id (`None` when no ladder covers the organisation's sector).
    pub recommended_rung: Option<String>,
    /// The current rung's id.
    pub current_rung: Option<String>,
    /// The reasons, as a JSON array of sentences.
    pub rationale: String,
}

/// `rows` groups of `columns` placeholders, `(?,?),(?,?)` or `($1,$2),($3,$4)`.
pub(crate) fn placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::new();
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..columns {
            if c > 0 {
                sql.push(',');
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => sql.push_str(&format!("${}", r * columns + c + 1)),
            }
        }
        sql.push(')');
    }
    sql
}

impl Store {
    /// The newest recorded scan.
    pub async fn last_scan(&self) -> Result<Option<ScanRecord>, StoreError> {
        Ok(self.scans(1).await?.pop())
    }

    /// The recorded scans, newest first, at most `limit` of them (for lists of scans; the
    /// web service shows them).
    pub async fn scans(&self, limit: i64) -> Result<Vec<ScanRecord>, StoreError> {
        let rows = sqlx::query(
            "select id, as_of, regime, regime_version, config, through_import, mode, organisations, signals,
                    new_signals, closed_signals
             from scan_run order by id desc limit $1",
        )
        .bind(limit)
        .fetch_all(self.reads())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ScanRecord {
                    id: r.try_get(0)?,
                    as_of: r.try_get(1)?,
                    regime: r.try_get(2)?,
                    regime_version: r.try_get(3)?,
                    config: r.try_get(4)?,
                    through_import: r.try_get(5)?,
                    mode: r.try_get(6)?,
                    organisations: r.try_get(7)?,
                    signals: r.try_get(8)?,
                    new_signals: r.try_get(9)?,
                    closed_signals: r.try_get(10)?,
                })
            })
            .collect()
    }

    /// Every signal no scan has closed, by key.
    ///
    /// Every scan reads them all (40,000 at England scale), so they come through the bulk
    /// readers, as the series do: `rusqlite` on SQLite, the native driver on PostgreSQL.
    pub async fn open_signals(&self) -> Result<Vec<OpenSignal>, StoreError> {
        let sql = "select key, organisation, source, rule, direction, first_seen_on, content_hash
             from signal where closed_in_scan is null order by key";
        if let Some(readers) = &self.side_readers {
            return readers.read(|conn| {
                let mut statement = conn.prepare(sql)?;
                let rows = statement.query_map([], |r| {
                    Ok(OpenSignal {
                        key: r.get(0)?,
                        organisation: r.get(1)?,
                        source: r.get(2)?,
                        rule: r.get(3)?,
                        direction: r.get(4)?,
                        first_seen_on: r.get(5)?,
                        content_hash: r.get(6)?,
                    })
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            });
        }
        let Some(pool) = &self.copy_pool else { unreachable!("a store is a SQLite file or has a PostgreSQL pool") };
        let rows = sqlx::query(sql).fetch_all(pool).await?;
        rows.iter()
            .map(|r| {
                Ok(OpenSignal {
                    key: r.try_get(0)?,
                    organisation: r.try_get(1)?,
                    source: r.try_get(2)?,
                    rule: r.try_get(3)?,
                    direction: r.try_get(4)?,
                    first_seen_on: r.try_get(5)?,
                    content_hash: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// The signals' latest content (JSON) of one organisation, open and closed, with the
    /// as-of days they were first and last seen and the scan that closed them. An open
    /// signal's last-seen fields are those of the scan that (re)opened it: it is still
    /// seen by the latest scan.
    pub async fn signal_history(
        &self,
        organisation: &str,
    ) -> Result<Vec<(String, String, String, Option<i64>, String)>, StoreError> {
        let rows = sqlx::query(
            "select key, first_seen_on, last_seen_on, closed_in_scan, content from signal
             where organisation = $1 order by first_seen_on, key",
        )
        .bind(organisation)
        .fetch_all(self.reads())
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?))).collect()
    }

    /// The per-indicator results of the last recorded scan.
    pub async fn indicator_scans(&self) -> Result<Vec<SeriesScan>, StoreError> {
        let sql = "select indicator, results from indicator_scan order by indicator";
        if let Some(readers) = &self.side_readers {
            return readers.read(|conn| {
                let mut statement = conn.prepare(sql)?;
                let rows = statement.query_map([], |r| Ok(SeriesScan { indicator: r.get(0)?, results: r.get(1)? }))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            });
        }
        // The native driver, as for the series: 70 MB of results at England scale.
        let Some(pool) = &self.copy_pool else { unreachable!("a store is a SQLite file or has a PostgreSQL pool") };
        let rows = sqlx::query(sql).fetch_all(pool).await?;
        rows.iter().map(|r| Ok(SeriesScan { indicator: r.try_get(0)?, results: r.try_get(1)? })).collect()
    }

    /// Records a scan in one transaction: its run, the signals it saw first (`new`,
    /// inserted; a closed signal whose key reappears is reopened as new, first seen by this
    /// scan, as the engine reports it), the ongoing ones whose content changed (`changed`,
    /// rewritten), the open signals it did not see (`closed`), and its per-indicator results
    /// (`replace_all`: a full scan's results replace every indicator's; otherwise only those
    /// given are replaced), and what it recommended for each organisation
    /// (`recommendations`, which decisions refer to: only those that differ from the
    /// recommendation in force are written, see [`Store::recommendation`]). Every other
    /// open signal is marked seen by this scan. Returns its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_scan(
        &self,
        run: &ScanRecord,
        new: &[SignalRow],
        changed: &[SignalRow],
        closed: &[String],
        results: &[SeriesScan],
        replace_all: bool,
        recommendations: &[RecommendationRow],
    ) -> Result<i64, StoreError> {
        let writes = ScanWrites { new, changed, closed, results, replace_all, recommendations };
        self.begin_scan_record(run).await?.finish(writes).await
    }

    /// Begins recording a scan (see [`Store::record_scan`]): its transaction is opened and
    /// its run inserted, so that its id is known while the rest is written. Nothing is
    /// seen by others until [`ScanRecording::finish`] commits; dropping the recording
    /// instead rolls it back.
    pub async fn begin_scan_record(&self, run: &ScanRecord) -> Result<ScanRecording, StoreError> {
        let mut tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("begin immediate").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        // One recording at a time, as SQLite's write lock gives: what a recording reads in
        // its transaction (the scan before it, the recommendations in force) is then what
        // the recording before it committed. The key is arbitrary, failwell's own.
        if self.backend == Backend::Postgres {
            sqlx::query("select pg_advisory_xact_lock(7016493851240135041)").execute(&mut *tx).await?;
        }
        // The scan before this one: the last that saw the signals this one closes.
        let previous: Option<(i64, String)> =
            sqlx::query_as("select id, as_of from scan_run order by id desc limit 1").fetch_optional(&mut *tx).await?;
        let id: i64 = sqlx::query_scalar(
            "insert into scan_run (as_of, regime, regime_version, config, through_import, mode, started_at,
                                   organisations, signals, new_signals, closed_signals)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id",
        )
        .bind(&run.as_of)
        .bind(&run.regime)
        .bind(&run.regime_version)
        .bind(&run.config)
        .bind(run.through_import)
        .bind(&run.mode)
        .bind(crate::import::now())
        .bind(run.organisations)
        .bind(run.signals)
        .bind(run.new_signals)
        .bind(run.closed_signals)
        .fetch_one(&mut *tx)
        .await?;
        let last_seen = previous.unwrap_or((id, run.as_of.clone()));
        Ok(ScanRecording {
            tx,
            id,
            last_seen,
            as_of: run.as_of.clone(),
            backend: self.backend,
            side_readers: self.side_readers.clone(),
        })
    }
}

/// Writes what scan `id` recommended, where it differs from the recommendation in force
/// (migration 6): a new or changed recommendation is inserted and supersedes the one
/// before it; an organisation in force but not among `recommendations` is withdrawn.
/// Recordings are serialised (see [`Store::begin_scan_record`]), so the rows in force read
/// here are those the previous recording left, and each organisation keeps one.
async fn write_recommendations(
    tx: &mut sqlx::Transaction<'static, Any>,
    backend: Backend,
    side_readers: Option<&crate::side_reader::SideReaders>,
    id: i64,
    recommendations: &[RecommendationRow],
) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let sql = "select organisation, recommended_rung, current_rung, rationale, reported from recommendation
               where superseded_in is null";
    // (organisation, the row when reported): 6,000 rows at England scale.
    let in_force: HashMap<String, Option<RecommendationRow>> = match side_readers {
        // The transaction holds SQLite's write lock (`begin immediate`) and has not written
        // this table yet, so the last committed rows, read on the bulk reader (which hands
        // no rows between threads), are the rows it would read itself.
        Some(readers) => readers.read(|conn| {
            let mut statement = conn.prepare(sql)?;
            let rows =
                statement.query_map([], |r| Ok(in_force_row(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })?,
        None => sqlx::query(sql)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok(in_force_row(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?)))
            .collect::<Result<_, StoreError>>()?,
    };
    let reported: HashSet<&str> = recommendations.iter().map(|r| r.organisation.as_str()).collect();
    // (row, reported): what changed, and the organisations no longer reported.
    let mut writes: Vec<(&RecommendationRow, bool)> = recommendations
        .iter()
        .filter(|r| in_force.get(&r.organisation).is_none_or(|now| now.as_ref() != Some(*r)))
        .map(|r| (r, true))
        .collect();
    let withdrawn: Vec<RecommendationRow> = in_force
        .iter()
        .filter(|(org, now)| now.is_some() && !reported.contains(org.as_str()))
        .map(|(org, _)| RecommendationRow {
            organisation: org.clone(),
            recommended_rung: None,
            current_rung: None,
            rationale: "[]".into(),
        })
        .collect();
    writes.extend(withdrawn.iter().map(|r| (r, false)));
    writes.sort_by(|a, b| a.0.organisation.cmp(&b.0.organisation));
    for batch in writes.chunks(BATCH) {
        let superseded = batch.iter().filter(|(r, _)| in_force.contains_key(&r.organisation)).collect::<Vec<_>>();
        if !superseded.is_empty() {
            let sql = format!(
                "update recommendation set superseded_in = {id} where superseded_in is null and organisation in {}",
                placeholders(backend, 1, superseded.len())
            );
            let mut q = sqlx::query::<Any>(AssertSqlSafe(sql));
            for (r, _) in superseded {
                q = q.bind(&r.organisation);
            }
            q.execute(&mut **tx).await?;
        }
        let sql = format!(
            "insert into recommendation (scan_id, organisation, recommended_rung, current_rung, rationale, reported)
             values {}",
            placeholders(backend, batch.len(), 6)
        );
        let mut q = sqlx::query::<Any>(AssertSqlSafe(sql));
        for (r, reported) in batch {
            q = q
                .bind(id)
                .bind(&r.organisation)
                .bind(&r.recommended_rung)
                .bind(&r.current_rung)
                .bind(&r.rationale)
                .bind(i64::from(*reported));
        }
        q.execute(&mut **tx).await?;
    }
    tracing::debug!(
        elapsed = ?started.elapsed(),
        written = writes.len(),
        withdrawn = withdrawn.len(),
        "recommendations written where changed"
    );
    Ok(())
}

/// A row in force, keyed by its organisation; `None` when withdrawn (`reported = 0`).
fn in_force_row(
    organisation: String,
    recommended_rung: Option<String>,
    current_rung: Option<String>,
    rationale: String,
    reported: i64,
) -> (String, Option<RecommendationRow>) {
    let row = RecommendationRow { organisation: organisation.clone(), recommended_rung, current_rung, rationale };
    (organisation, (reported == 1).then_some(row))
}

/// What a recorded scan writes besides its run (see [`Store::record_scan`]).
#[derive(Debug, Clone, Copy)]
pub struct ScanWrites<'a> {
    /// Signals no earlier scan saw (or that reopen a closed one).
    pub new: &'a [SignalRow],
    /// Ongoing signals whose content changed.
    pub changed: &'a [SignalRow],
    /// Keys of the open signals the scan did not see.
    pub closed: &'a [String],
    /// Per-indicator results.
    pub results: &'a [SeriesScan],
    /// Whether `results` replace every indicator's (a full scan).
    pub replace_all: bool,
    /// What the scan recommended for each organisation.
    pub recommendations: &'a [RecommendationRow],
}

/// A scan being recorded: its run inserted and its id known, the rest not yet written.
pub struct ScanRecording {
    tx: sqlx::Transaction<'static, Any>,
    id: i64,
    /// The scan that last saw the signals this one closes: (id, as-of day).
    last_seen: (i64, String),
    as_of: String,
    backend: Backend,
    /// SQLite only: the side readers, for reads on the bulk reader (see `write_recommendations`).
    side_readers: Option<std::sync::Arc<crate::side_reader::SideReaders>>,
}

impl std::fmt::Debug for ScanRecording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanRecording").field("id", &self.id).field("as_of", &self.as_of).finish_non_exhaustive()
    }
}

impl ScanRecording {
    /// The scan's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Writes the rest of the scan and commits. Returns its id.
    pub async fn finish(self, writes: ScanWrites<'_>) -> Result<i64, StoreError> {
        let ScanRecording { mut tx, id, last_seen, as_of, backend, side_readers } = self;
        let ScanWrites { new, changed, closed, results, replace_all, recommendations } = writes;
        let started = std::time::Instant::now();
        for batch in closed.chunks(BATCH) {
            let keys = placeholders(backend, 1, batch.len());
            let (last_id, last_on) = &last_seen;
            let mut q = sqlx::query::<Any>(AssertSqlSafe(format!(
                // `last_on` is an ISO date this store wrote: safe as a literal.
                "update signal set closed_in_scan = {id}, last_seen_scan = {last_id}, last_seen_on = '{}'
                 where key in {keys}",
                last_on.replace('\'', "")
            )));
            for k in batch {
                q = q.bind(k);
            }
            q.execute(&mut *tx).await?;
        }
        // An open signal's last sighting is the latest scan: it is written when it closes,
        // not by every scan (rewriting 40,000 rows a scan cost seconds at England scale).
        for batch in new.chunks(BATCH) {
            let sql = format!(
                "insert into signal (key, organisation, source, rule, direction, first_seen_scan, first_seen_on,
                                     last_seen_scan, last_seen_on, content_hash, content) values {}
                 on conflict (key) do update set closed_in_scan = null,
                   first_seen_scan = excluded.first_seen_scan, first_seen_on = excluded.first_seen_on,
                   last_seen_scan = excluded.last_seen_scan, last_seen_on = excluded.last_seen_on,
                   content_hash = excluded.content_hash, content = excluded.content",
                placeholders(backend, batch.len(), 11)
            );
            let mut q = sqlx::query::<Any>(AssertSqlSafe(sql));
            for s in batch {
                q = q
                    .bind(&s.key)
                    .bind(&s.organisation)
                    .bind(&s.source)
                    .bind(&s.rule)
                    .bind(&s.direction)
                    .bind(id)
                    .bind(&as_of)
                    .bind(id)
                    .bind(&as_of)
                    .bind(&s.content_hash)
                    .bind(&s.content);
            }
            q.execute(&mut *tx).await?;
        }
        // A new month changes the evidence of a few thousand ongoing signals: one statement
        // per batch, not per signal. SQLite names a VALUES list's columns column1, column2…
        for batch in changed.chunks(BATCH) {
            let values = placeholders(backend, batch.len(), 3);
            let sql = match backend {
                Backend::Sqlite => format!(
                    "update signal set content = v.column2, content_hash = v.column3
                     from (values {values}) as v where signal.key = v.column1"
                ),
                Backend::Postgres => format!(
                    "update signal set content = v.content, content_hash = v.hash
                     from (values {values}) as v (key, content, hash) where signal.key = v.key"
                ),
            };
            let mut q = sqlx::query::<Any>(AssertSqlSafe(sql));
            for s in batch {
                q = q.bind(&s.key).bind(&s.content).bind(&s.content_hash);
            }
            q.execute(&mut *tx).await?;
        }

        if replace_all {
            sqlx::query("delete from indicator_scan").execute(&mut *tx).await?;
        }
        for r in results {
            sqlx::query(
                "insert into indicator_scan (indicator, scan_id, results) values ($1, $2, $3)
                 on conflict (indicator) do update set scan_id = excluded.scan_id, results = excluded.results",
            )
            .bind(&r.indicator)
            .bind(id)
            .bind(&r.results)
            .execute(&mut *tx)
            .await?;
        }
        write_recommendations(&mut tx, backend, side_readers.as_deref(), id, recommendations).await?;
        tx.commit().await?;
        tracing::debug!(elapsed = ?started.elapsed(), new = new.len(), changed = changed.len(), "scan recorded");
        Ok(id)
    }
}
