//! Running the binary and making throwaway stores.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};

/// A store to test against; dropping it leaves PostgreSQL databases behind only when the
/// server is throwaway (as in `.ci/run`).
pub struct TestStore {
    /// What `--database` takes.
    pub url: String,
    /// `sqlite` or `postgres`, for messages.
    pub backend: &'static str,
    pub _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh SQLite store, and a fresh PostgreSQL one when a server is configured.
pub fn stores() -> Vec<TestStore> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = dir.path().join("test.db").display().to_string();
    let mut out = vec![TestStore { url, backend: "sqlite", _dir: Some(dir) }];
    match std::env::var("FAILWELL_TEST_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => out.push(postgres_store(&base)),
        _ => eprintln!("PostgreSQL tests skipped: FAILWELL_TEST_POSTGRES_URL is not set"),
    }
    out
}

/// Another fresh store of the same backend as `like`.
pub fn fresh_like(like: &TestStore) -> TestStore {
    match like.backend {
        "postgres" => postgres_store(&std::env::var("FAILWELL_TEST_POSTGRES_URL").expect("set for postgres stores")),
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = dir.path().join("fresh.db").display().to_string();
            TestStore { url, backend: "sqlite", _dir: Some(dir) }
        }
    }
}

fn postgres_store(base: &str) -> TestStore {
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
    );
    let status =
        Command::new("psql").args([base, "-q", "-c", &format!("create database {name}")]).status().expect("psql runs");
    assert!(status.success(), "cannot create test database {name}");
    let (prefix, _) = base.rsplit_once('/').expect("a database URL ends in /DBNAME");
    TestStore { url: format!("{prefix}/{name}"), backend: "postgres", _dir: None }
}

/// The built binary.
pub fn failwell() -> Command {
    Command::new(env!("CARGO_BIN_EXE_failwell"))
}

/// Runs failwell with `args` against `store`.
pub fn run(store: &TestStore, args: &[&str]) -> Output {
    failwell().arg("--database").arg(&store.url).args(args).output().expect("failwell runs")
}

/// Runs and insists on success; returns standard output.
pub fn ok(store: &TestStore, args: &[&str]) -> String {
    let out = run(store, args);
    assert!(
        out.status.success(),
        "[{}] failwell {:?} failed:\n{}",
        store.backend,
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The repository's `data/` folder.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// Writes `text` to a file in a temp dir that lives as long as the returned guard.
pub fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    (dir, p)
}

/// One figure from `failwell status`.
pub fn count(store: &TestStore, what: &str) -> u64 {
    let status = ok(store, &["status"]);
    status
        .lines()
        .find_map(|l| {
            let mut parts = l.split_whitespace();
            (parts.next() == Some(what)).then(|| parts.next().unwrap().parse().unwrap())
        })
        .unwrap_or_else(|| panic!("no {what} in status:\n{status}"))
}

/// Runs SQL on `store` behind failwell's back: `sqlite` on a SQLite store, `postgres` on a
/// PostgreSQL one (through `psql`).
pub fn execute_sql(store: &TestStore, sqlite: &str, postgres: &str) {
    match store.backend {
        "postgres" => {
            let status = Command::new("psql")
                .args([store.url.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c", postgres])
                .status()
                .expect("psql runs");
            assert!(status.success(), "psql refused: {postgres}");
        }
        _ => rusqlite::Connection::open(&store.url).and_then(|c| c.execute_batch(sqlite)).expect("SQLite runs it"),
    }
}
