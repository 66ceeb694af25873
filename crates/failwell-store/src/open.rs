//! Opening a store: choosing the backend from the URL, tuning SQLite, running migrations.

use crate::error::StoreError;
use sqlx::ConnectOptions;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, AssertSqlSafe, Executor};
use std::str::FromStr;
use std::time::Duration;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file, one writer: the embedded default.
    Sqlite,
    /// Multi-user deployments.
    Postgres,
}

/// The store: a connection pool and which database it talks to.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// PostgreSQL only: native connections for `COPY`, which the `Any` driver cannot issue.
    pub(crate) copy_pool: Option<sqlx::PgPool>,
    /// SQLite only: a pool of read-only connections beside the one writer, for reads
    /// outside a transaction (see [`Store::reads`]).
    pub(crate) read_pool: Option<AnyPool>,
    /// SQLite only: read-only connections to the file, for the scan's bulk reads (see
    /// `side_reader`), shared by the store's clones.
    pub(crate) side_readers: Option<std::sync::Arc<crate::side_reader::SideReaders>>,
}

/// SQLite's read-only connections at most: a web server's requests read beside one another.
const READERS: u32 = 4;

/// The schema's versions, each in both dialects. A version is applied once, in one
/// transaction, and recorded in `schema_version`; the two lists must keep the same numbers.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        include_str!("../../../migrations/sqlite/0001_init.sql"),
        include_str!("../../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        include_str!("../../../migrations/sqlite/0002_scan.sql"),
        include_str!("../../../migrations/postgres/0002_scan.sql"),
    ),
    (
        3,
        include_str!("../../../migrations/sqlite/0003_decide.sql"),
        include_str!("../../../migrations/postgres/0003_decide.sql"),
    ),
    (
        4,
        include_str!("../../../migrations/sqlite/0004_binary_results.sql"),
        include_str!("../../../migrations/postgres/0004_binary_results.sql"),
    ),
    (
        5,
        include_str!("../../../migrations/sqlite/0005_open_signals_covered.sql"),
        include_str!("../../../migrations/postgres/0005_open_signals_covered.sql"),
    ),
    (
        6,
        include_str!("../../../migrations/sqlite/0006_recommendations_when_changed.sql"),
        include_str!("../../../migrations/postgres/0006_recommendations_when_changed.sql"),
    ),
    (
        7,
        include_str!("../../../migrations/sqlite/0007_casework.sql"),
        include_str!("../../../migrations/postgres/0007_casework.sql"),
    ),
    (
        8,
        include_str!("../../../migrations/sqlite/0008_plans.sql"),
        include_str!("../../../migrations/postgres/0008_plans.sql"),
    ),
    (
        9,
        include_str!("../../../migrations/sqlite/0009_board.sql"),
        include_str!("../../../migrations/postgres/0009_board.sql"),
    ),
    (
        10,
        include_str!("../../../migrations/sqlite/0010_reminders.sql"),
        include_str!("../../../migrations/postgres/0010_reminders.sql"),
    ),
    (
        11,
        include_str!("../../../migrations/sqlite/0011_extensions.sql"),
        include_str!("../../../migrations/postgres/0011_extensions.sql"),
    ),
    (
        12,
        include_str!("../../../migrations/sqlite/0012_accounts.sql"),
        include_str!("../../../migrations/postgres/0012_accounts.sql"),
    ),
    (
        13,
        include_str!("../../../migrations/sqlite/0013_audit_changes.sql"),
        include_str!("../../../migrations/postgres/0013_audit_changes.sql"),
    ),
    (
        14,
        include_str!("../../../migrations/sqlite/0014_store_change.sql"),
        include_str!("../../../migrations/postgres/0014_store_change.sql"),
    ),
    (
        15,
        include_str!("../../../migrations/sqlite/0015_plan_days.sql"),
        include_str!("../../../migrations/postgres/0015_plan_days.sql"),
    ),
    (
        16,
        include_str!("../../../migrations/sqlite/0016_people_leave.sql"),
        include_str!("../../../migrations/postgres/0016_people_leave.sql"),
    ),
];

impl Store {
    /// Opens (creating if needed) the store at `url` and brings its schema up to date.
    ///
    /// `url` is `postgres://…`, `sqlite://PATH`, or a plain file path (SQLite).
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let mut sqlite_path = None;
        let (backend, url) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let path = path.split('?').next().unwrap_or(path);
            sqlite_path = Some(path.to_string());
            (Backend::Sqlite, format!("sqlite://{path}?mode=rwc"))
        } else if url.contains("://") {
            return Err(StoreError::UnsupportedUrl(url.split("://").next().unwrap_or("").to_string()));
        } else {
            sqlite_path = Some(url.to_string());
            // A plain path: escape what URL syntax would otherwise read ('%', '?', '#').
            let path = url.replace('%', "%25").replace('?', "%3F").replace('#', "%23");
            (Backend::Sqlite, format!("sqlite://{path}?mode=rwc"))
        };
        let options = match backend {
            // One writer at a time is SQLite's nature: a single connection makes that explicit
            // and removes SQLITE_BUSY between our own connections. WAL lets readers of other
            // processes (the web server) read while an import writes.
            Backend::Sqlite => AnyPoolOptions::new().max_connections(1).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("pragma journal_mode = wal; pragma synchronous = normal; pragma busy_timeout = 30000; pragma foreign_keys = on; pragma cache_size = -65536;")
                        .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => AnyPoolOptions::new().max_connections(8),
        };
        // Batched statements are long by design: never log their text (it can carry data).
        let connect = AnyConnectOptions::from_str(&url)?
            .log_statements(log::LevelFilter::Off)
            .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(60));
        let pool = options.acquire_timeout(Duration::from_secs(30)).connect_with(connect).await.map_err(|e| {
            let store = sqlite_path.clone().unwrap_or_else(|| without_password(&url));
            let reason = match &e {
                sqlx::Error::Database(d) => d.message().to_string(),
                other => other.to_string(),
            };
            StoreError::Open { store, reason }
        })?;
        // Lazy: only an observations import connects it, so `status`, `export` and `scan`
        // open no second connection.
        let copy_pool = match backend {
            Backend::Postgres => Some(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(2)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_lazy_with(
                        sqlx::postgres::PgConnectOptions::from_str(&url)?
                            .log_statements(log::LevelFilter::Off)
                            .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(60)),
                    ),
            ),
            Backend::Sqlite => None,
        };
        // SQLite's readers: the writer is one connection (above), and every read on it
        // would queue behind the others; WAL lets several read-only connections read the
        // last commit beside it. Lazy: a command that only writes opens none.
        let read_pool = match &sqlite_path {
            Some(_) => Some(
                AnyPoolOptions::new()
                    .max_connections(READERS)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("pragma busy_timeout = 30000; pragma cache_size = -16384;").await?;
                            Ok(())
                        })
                    })
                    .connect_lazy_with(
                        AnyConnectOptions::from_str(&url.replace("?mode=rwc", "?mode=ro"))?
                            .log_statements(log::LevelFilter::Off)
                            .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(60)),
                    ),
            ),
            None => None,
        };
        let side_readers = sqlite_path.map(|p| std::sync::Arc::new(crate::side_reader::SideReaders::new(p)));
        let store = Store { pool, backend, copy_pool, read_pool, side_readers };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the schema versions this store lacks.
    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::raw_sql(
            "create table if not exists schema_version (version bigint primary key, applied_at text not null)",
        )
        .execute(&self.pool)
        .await?;
        // Every command opens the store: one query when it is up to date, not a
        // transaction per version.
        // Up to date when every version is applied (not merely the newest: a version
        // removed by hand, as the migration tests do, is applied again).
        let applied: i64 = sqlx::query_scalar("select count(*) from schema_version where version <= $1")
            .bind(MIGRATIONS.last().map_or(0, |m| m.0))
            .fetch_one(&self.pool)
            .await?;
        if applied == MIGRATIONS.len() as i64 {
            return Ok(());
        }
        for &(version, sqlite, postgres) in MIGRATIONS {
            let mut tx = match self.backend {
                Backend::Sqlite => self.pool.begin_with("begin immediate").await?,
                Backend::Postgres => self.pool.begin().await?,
            };
            if self.backend == Backend::Postgres {
                // Two processes opening a new database at once must not both migrate it.
                sqlx::raw_sql("lock table schema_version in exclusive mode").execute(&mut *tx).await?;
            }
            let applied: Option<i64> = sqlx::query_scalar("select version from schema_version where version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
            if applied.is_none() {
                let sql = match self.backend {
                    Backend::Sqlite => sqlite,
                    Backend::Postgres => postgres,
                };
                sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *tx).await?;
                if version == 2 {
                    // Series stored before version 2 get their packed figures now.
                    let ids: Vec<i64> =
                        sqlx::query_scalar("select id from series order by id").fetch_all(&mut *tx).await?;
                    crate::series::rebuild_current(&mut tx, self.backend, &ids).await?;
                }
                sqlx::query("insert into schema_version (version, applied_at) values ($1, $2)")
                    .bind(version)
                    .bind(crate::import::now())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// The schema version the database has and the one this build expects, for a
    /// readiness check: the store answers a query, and its migrations are all applied when
    /// the two are equal.
    pub async fn schema_versions(&self) -> Result<(Option<i64>, i64), StoreError> {
        let newest: Option<i64> =
            sqlx::query_scalar("select max(version) from schema_version").fetch_one(&self.pool).await?;
        Ok((newest, MIGRATIONS.last().map_or(0, |m| m.0)))
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool, waiting for connections to finish (SQLite then checkpoints its WAL).
    pub async fn close(&self) {
        if let Some(p) = &self.copy_pool {
            p.close().await;
        }
        // The writer last: SQLite checkpoints its log when the last connection closes.
        if let Some(r) = &self.side_readers {
            r.close();
        }
        if let Some(p) = &self.read_pool {
            p.close().await;
        }
        self.pool.close().await;
    }

    /// Where a read outside a transaction runs: SQLite's read-only pool, or the one pool
    /// of PostgreSQL (whose connections all read and write). A read sees every commit made
    /// before it, through either.
    pub(crate) fn reads(&self) -> &AnyPool {
        self.read_pool.as_ref().unwrap_or(&self.pool)
    }
}

/// A PostgreSQL URL as it may be shown: its password and options left out.
fn without_password(url: &str) -> String {
    let url = url.split('?').next().unwrap_or(url);
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = &url[scheme + 3..at];
            let user = user.split(':').next().unwrap_or(user);
            format!("{}{user}@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod shown {
    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(
            super::without_password("postgres://fw:s3cret@db:5432/failwell?sslmode=require"),
            "postgres://fw@db:5432/failwell"
        );
        assert_eq!(super::without_password("postgres://db/failwell"), "postgres://db/failwell");
    }
}
