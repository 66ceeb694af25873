//! Throwaway stores: a SQLite file in a temporary folder, or a fresh PostgreSQL database
//! on the server `FAILWELL_TEST_POSTGRES_URL` names, dropped again when the test is done.
//!
//! Every test gets databases of its own, so tests run in parallel and a failed one
//! leaves nothing for the next to trip over. Dropping a [`TestDatabase`] (or the
//! [`TestStore`] holding it) removes the folder or drops the database, also while a
//! failed test unwinds. Only a killed test process leaves a database behind; those are
//! named `failwell_test_PID_…` and can be dropped by hand.

use crate::error::HarnessError;
use failwell_store::{Backend, Store, StoreError};
use sqlx::Connection;
use std::future::Future;
use std::ops::Deref;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable naming the PostgreSQL server tests may create databases on,
/// as a URL of a database there (`postgres://user@host:port/postgres`).
pub const POSTGRES_URL_VAR: &str = "FAILWELL_TEST_POSTGRES_URL";

/// Numbers the databases one test process creates (the process id and the clock keep
/// names apart across processes).
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A database for one test that nobody else uses, removed when this is dropped.
///
/// It is only a place: nothing is opened or migrated until [`TestDatabase::open`] (or the
/// `failwell` binary, given [`TestDatabase::url`]) does so.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    backend: Backend,
    /// SQLite: the folder holding the file, removed on drop.
    dir: Option<tempfile::TempDir>,
    /// PostgreSQL: where to drop the database from, and its name.
    postgres: Option<PostgresDatabase>,
}

/// A PostgreSQL database to drop: the server's URL (of a database other than this one,
/// since a database cannot be dropped from a connection to itself) and the name.
#[derive(Debug)]
struct PostgresDatabase {
    server: String,
    name: String,
}

impl TestDatabase {
    /// A SQLite store's place: `store.db` in a new temporary folder.
    pub fn sqlite() -> Result<TestDatabase, HarnessError> {
        let dir = tempfile::Builder::new().prefix("failwell-test-").tempdir()?;
        let url = dir.path().join("store.db").display().to_string();
        Ok(TestDatabase { url, backend: Backend::Sqlite, dir: Some(dir), postgres: None })
    }

    /// A new empty PostgreSQL database, or `None` when `FAILWELL_TEST_POSTGRES_URL` is
    /// not set (or empty).
    pub fn postgres() -> Result<Option<TestDatabase>, HarnessError> {
        match std::env::var(POSTGRES_URL_VAR) {
            Ok(server) if !server.is_empty() => Self::postgres_on(&server).map(Some),
            _ => Ok(None),
        }
    }

    /// A new empty database on the server that `server` (a database URL) reaches.
    fn postgres_on(server: &str) -> Result<TestDatabase, HarnessError> {
        Self::postgres_on_template(server, None)
    }

    /// A new database on the server `server` reaches: empty, or a copy of `template`.
    fn postgres_on_template(server: &str, template: Option<&str>) -> Result<TestDatabase, HarnessError> {
        let (base, query) = match server.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (server, String::new()),
        };
        let (prefix, _) = base.rsplit_once('/').ok_or_else(|| HarnessError::PostgresUrl(server.to_string()))?;
        let name = format!(
            "failwell_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos())
        );
        let sql = match template {
            Some(t) => format!("create database \"{name}\" template \"{t}\""),
            None => format!("create database \"{name}\""),
        };
        let created = on_own_runtime(async {
            let mut conn = sqlx::PgConnection::connect(server).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
            conn.close().await
        })?;
        created.map_err(|source| HarnessError::CreateDatabase { name: name.clone(), source })?;
        Ok(TestDatabase {
            url: format!("{prefix}/{name}{query}"),
            backend: Backend::Postgres,
            dir: None,
            postgres: Some(PostgresDatabase { server: server.to_string(), name }),
        })
    }

    /// One fresh database per configured backend: SQLite always, PostgreSQL when
    /// `FAILWELL_TEST_POSTGRES_URL` is set (said on standard error when it is not, so a
    /// run that skipped PostgreSQL shows it).
    pub fn all() -> Result<Vec<TestDatabase>, HarnessError> {
        let mut out = vec![Self::sqlite()?];
        match Self::postgres()? {
            Some(pg) => out.push(pg),
            None => eprintln!("PostgreSQL tests skipped: {POSTGRES_URL_VAR} is not set"),
        }
        Ok(out)
    }

    /// Another fresh database of the same backend as this one.
    pub fn fresh_like(&self) -> Result<TestDatabase, HarnessError> {
        match &self.postgres {
            Some(pg) => Self::postgres_on(&pg.server),
            None => Self::sqlite(),
        }
    }

    /// A new database holding a copy of this one, for tests that run two histories from
    /// one starting point without loading it twice. Close every store on this one first:
    /// PostgreSQL copies only a database nobody is connected to, and a SQLite file is
    /// complete only once its write-ahead log is checkpointed (as closing does).
    ///
    /// # Errors
    /// The copy failed (on PostgreSQL: someone is still connected).
    pub fn copy(&self) -> Result<TestDatabase, HarnessError> {
        match &self.postgres {
            Some(pg) => Self::postgres_on_template(&pg.server, Some(&pg.name)),
            None => {
                let copy = Self::sqlite()?;
                std::fs::copy(&self.url, &copy.url)?;
                Ok(copy)
            }
        }
    }

    /// What `Store::open` and `failwell --database` take.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// `sqlite` or `postgres`, for assertion messages.
    pub fn name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// SQLite only: the temporary folder the file is in (other files of the test may go
    /// there too; it is removed with the database).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_ref().map(|d| d.path())
    }

    /// Opens the store here (creating and migrating it the first time).
    pub async fn open(&self) -> Result<Store, StoreError> {
        Store::open(&self.url).await
    }

    /// Runs `sql` (one or more statements) on a connection of its own, behind the
    /// store's back: for tests that change a store as another program or an older
    /// version would. Returns the rows affected, or the database's own message.
    pub async fn execute(&self, sql: &str) -> Result<u64, String> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        let done = match self.backend {
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.map_err(|e| e.to_string())?;
                let done = sqlx::raw_sql(sql).execute(&mut c).await.map(|r| r.rows_affected());
                let _ = c.close().await;
                done
            }
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect_with(
                    &sqlx::sqlite::SqliteConnectOptions::new().filename(&self.url),
                )
                .await
                .map_err(|e| e.to_string())?;
                let done = sqlx::raw_sql(sql).execute(&mut c).await.map(|r| r.rows_affected());
                let _ = c.close().await;
                done
            }
        };
        done.map_err(|e| e.to_string())
    }

    /// [`TestDatabase::execute`] for tests that are not async (the CLI's).
    pub fn execute_blocking(&self, sql: &str) -> Result<u64, String> {
        on_own_runtime(self.execute(sql)).map_err(|e| e.to_string())?
    }
}

impl Drop for TestDatabase {
    /// Drops the PostgreSQL database (the folder of a SQLite one goes with its `TempDir`).
    ///
    /// `with (force)` ends connections still open to it (a store the test did not close,
    /// a killed child process's); a failure is reported, never raised, since this may run
    /// while a failed test unwinds.
    fn drop(&mut self) {
        let Some(pg) = self.postgres.take() else { return };
        let sql = format!("drop database if exists \"{}\" with (force)", pg.name);
        let dropped = on_own_runtime(async {
            let mut conn = sqlx::PgConnection::connect(&pg.server).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
            conn.close().await
        });
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("cannot drop test database {}: {e}", pg.name),
            Err(e) => eprintln!("cannot drop test database {}: {e}", pg.name),
        }
    }
}

/// Runs `work` to completion on a runtime of its own, on a thread of its own.
///
/// Test databases are made and dropped from plain `#[test]`s (the CLI's), from async
/// tests, and from `Drop`, which cannot be async; a runtime cannot be blocked on from
/// inside another, so the work gets a thread and a one-thread runtime.
fn on_own_runtime<T: Send>(work: impl Future<Output = T> + Send) -> Result<T, std::io::Error> {
    std::thread::scope(|s| {
        s.spawn(|| Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(work)))
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// An open store in a [`TestDatabase`]; derefs to the [`Store`]. Dropping it drops the
/// database.
#[derive(Debug)]
pub struct TestStore {
    // Declared first, so dropped first: the pool goes before its database.
    store: Store,
    database: TestDatabase,
}

impl TestStore {
    /// Opens (creating and migrating) a store in `database`.
    pub async fn open(database: TestDatabase) -> Result<TestStore, HarnessError> {
        let store = database.open().await?;
        Ok(TestStore { store, database })
    }

    /// A fresh SQLite store.
    pub async fn sqlite() -> Result<TestStore, HarnessError> {
        Self::open(TestDatabase::sqlite()?).await
    }

    /// A fresh store per configured backend (see [`TestDatabase::all`]).
    pub async fn all() -> Result<Vec<TestStore>, HarnessError> {
        let mut out = Vec::new();
        for database in TestDatabase::all()? {
            out.push(Self::open(database).await?);
        }
        Ok(out)
    }

    /// Another fresh store of the same backend.
    pub async fn fresh_like(&self) -> Result<TestStore, HarnessError> {
        Self::open(self.database.fresh_like()?).await
    }

    /// Where the store is.
    pub fn database(&self) -> &TestDatabase {
        &self.database
    }

    /// `sqlite` or `postgres`, for assertion messages.
    pub fn name(&self) -> &'static str {
        self.database.name()
    }

    /// Closes the store and opens it again, as the next command would (migrations run
    /// again; what was cached in the pool is gone).
    pub async fn reopen(&mut self) -> Result<(), StoreError> {
        self.store.close().await;
        self.store = self.database.open().await?;
        Ok(())
    }
}

impl Deref for TestStore {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

/// Runs `body` once per configured backend, each time with a fresh store, dropped (and
/// its database with it) when the body is done.
///
/// # Panics
/// When a store cannot be made: the test cannot run, and says why.
pub async fn each_backend<F, Fut>(mut body: F)
where
    F: FnMut(TestStore) -> Fut,
    Fut: Future<Output = ()>,
{
    for database in TestDatabase::all().unwrap_or_else(|e| panic!("{e}")) {
        let name = database.name();
        let store =
            TestStore::open(database).await.unwrap_or_else(|e| panic!("[{name}] cannot open a test store: {e}"));
        body(store).await;
    }
}
