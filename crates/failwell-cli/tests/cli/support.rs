//! Running the binary and making throwaway stores.

use failwell_test_support::TestDatabase;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A store to test against, made by the shared harness (`failwell-test-support`):
/// a SQLite file in a temporary folder, or a fresh PostgreSQL database, dropped with it.
pub struct TestStore {
    /// What `--database` takes.
    pub url: String,
    /// `sqlite` or `postgres`, for messages.
    pub backend: &'static str,
    /// The database, removed when the store is dropped (`None`: a store the test made
    /// itself, such as the demo's).
    pub _dir: Option<TestDatabase>,
}

impl From<TestDatabase> for TestStore {
    fn from(db: TestDatabase) -> TestStore {
        TestStore { url: db.url().to_string(), backend: db.name(), _dir: Some(db) }
    }
}

/// A fresh SQLite store, and a fresh PostgreSQL one when a server is configured.
pub fn stores() -> Vec<TestStore> {
    TestDatabase::all().unwrap_or_else(|e| panic!("{e}")).into_iter().map(TestStore::from).collect()
}

/// Another fresh store of the same backend as `like`.
pub fn fresh_like(like: &TestStore) -> TestStore {
    let fresh = match &like._dir {
        Some(db) => db.fresh_like(),
        None => TestDatabase::sqlite(),
    };
    fresh.unwrap_or_else(|e| panic!("{e}")).into()
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
/// PostgreSQL one.
pub fn execute_sql(store: &TestStore, sqlite: &str, postgres: &str) {
    let sql = if store.backend == "postgres" { postgres } else { sqlite };
    let db = store._dir.as_ref().expect("a store made by stores()");
    if let Err(e) = db.execute_blocking(sql) {
        panic!("[{}] the database refused {sql}: {e}", store.backend);
    }
}
