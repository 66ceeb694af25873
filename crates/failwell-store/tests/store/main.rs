//! The store against real databases: SQLite always, PostgreSQL when
//! `FAILWELL_TEST_POSTGRES_URL` names a server (a fresh database per test).

mod decisions;
mod records;

use sqlx::Connection;

/// A fresh store and the URL raw connections reach it by, per backend.
pub struct TestDb {
    pub url: String,
    pub backend: &'static str,
    pub _dir: Option<tempfile::TempDir>,
}

/// A fresh SQLite store, and a fresh PostgreSQL one when a server is configured.
pub async fn databases() -> Vec<TestDb> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.db").display().to_string();
    let mut out = vec![TestDb { url: path, backend: "sqlite", _dir: Some(dir) }];
    match std::env::var("FAILWELL_TEST_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => {
            static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let name = format!(
                "ts_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
            );
            let mut conn = sqlx::PgConnection::connect(&base).await.expect("PostgreSQL reachable");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("create database {name}"))).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
            let (prefix, _) = base.rsplit_once('/').expect("a database URL ends in /DBNAME");
            out.push(TestDb { url: format!("{prefix}/{name}"), backend: "postgres", _dir: None });
        }
        _ => eprintln!("PostgreSQL tests skipped: FAILWELL_TEST_POSTGRES_URL is not set"),
    }
    out
}

/// Runs one raw SQL statement on a connection of its own (not through the store's API);
/// returns the database's error message, if any.
pub async fn raw(db: &TestDb, sql: &str) -> Result<u64, String> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db.backend {
        "postgres" => {
            let mut c = sqlx::PgConnection::connect(&db.url).await.map_err(|e| e.to_string())?;
            sqlx::raw_sql(sql).execute(&mut c).await.map(|r| r.rows_affected()).map_err(|e| e.to_string())
        }
        _ => {
            let mut c =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.url)).await.map_err(|e| e.to_string())?;
            sqlx::raw_sql(sql).execute(&mut c).await.map(|r| r.rows_affected()).map_err(|e| e.to_string())
        }
    }
}
