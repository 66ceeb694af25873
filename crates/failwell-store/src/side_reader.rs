//! SQLite's side readers: read-only connections to the store's file, outside sqlx.
//!
//! sqlx hands every row from its worker thread to the async task, and on a 2-core machine
//! that hand-off (a context switch a row) cost more than the read itself (measured: 60,000
//! packed series in 450–700 ms through sqlx), so the scan's bulk reads run on a rusqlite
//! connection of their own. Opening one parses the whole schema again (a web page reading
//! a dozen series spent a tenth of its time there), so finished readers are kept for the
//! next read, a few at most. A kept reader holds no transaction between reads: each
//! statement sees the last commit, as a fresh connection would.

use crate::error::StoreError;
use std::sync::Mutex;

/// Readers kept between reads: one per core of a busy web server is enough.
const KEPT: usize = 4;

/// The side readers of one SQLite file.
pub(crate) struct SideReaders {
    path: String,
    kept: Mutex<Vec<rusqlite::Connection>>,
    /// Set by [`SideReaders::close`]: readers are no longer kept.
    closed: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for SideReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SideReaders").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SideReaders {
    /// Readers of the file at `path` (none is opened until a read needs one).
    pub(crate) fn new(path: String) -> SideReaders {
        SideReaders { path, kept: Mutex::new(Vec::new()), closed: std::sync::atomic::AtomicBool::new(false) }
    }

    /// Runs `read` on a kept reader, or a new one. On a multi-threaded runtime the
    /// executor is told the thread blocks.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let kept = self.kept.lock().ok().and_then(|mut k| k.pop());
        let conn = match kept {
            Some(conn) => conn,
            None => self.open()?,
        };
        let run = || read(&conn);
        let out = match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
            Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(run),
            _ => run(),
        };
        if let Ok(mut k) = self.kept.lock()
            && k.len() < KEPT
            && !self.closed.load(std::sync::atomic::Ordering::Acquire)
        {
            k.push(conn);
        }
        out
    }

    /// Closes the kept readers and keeps none from now on. SQLite checkpoints the
    /// write-ahead log into the file when its last connection closes, so the store's
    /// writer must be the last: a copy of the file is then complete.
    pub(crate) fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::Release);
        if let Ok(mut k) = self.kept.lock() {
            k.clear();
        }
    }

    fn open(&self) -> Result<rusqlite::Connection, StoreError> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.pragma_update(None, "cache_size", -8192)?;
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::SideReaders;

    #[test]
    fn a_kept_reader_sees_later_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("side.db");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .execute_batch("pragma journal_mode = wal; create table t (x integer); insert into t values (1);")
            .unwrap();
        let readers = SideReaders::new(path.display().to_string());
        let count = |r: &SideReaders| {
            r.read(|c| Ok(c.query_row("select count(*) from t", [], |row| row.get::<_, i64>(0))?)).unwrap()
        };
        assert_eq!(count(&readers), 1);
        assert_eq!(readers.kept.lock().unwrap().len(), 1, "the reader was kept");
        writer.execute("insert into t values (2)", []).unwrap();
        assert_eq!(count(&readers), 2, "the kept reader reads the new commit");
        assert_eq!(readers.kept.lock().unwrap().len(), 1, "and was used again, not joined by a second");
    }
}
