//! Reads started early and collected later.
//!
//! A scan needs its recorded results in its first steps, the registry and the evidence
//! besides the series once the series are charted, and the open signals only at its
//! end; they are among its largest reads (25 MB, 12,000 records and 40,000 rows at
//! England scale). Read
//! on a task of their own from the start, they overlap the scan's other reads and its
//! charting instead of adding to them: on PostgreSQL the server works while the scan
//! does.

use crate::error::StoreError;
use crate::open::Store;
use crate::scan_state::{OpenSignal, SeriesScan};
use std::future::Future;

/// A read running on the Tokio runtime (the store's driver needs one anyway).
#[derive(Debug)]
pub struct Ahead<T>(tokio::task::JoinHandle<Result<T, StoreError>>);

impl<T: Send + 'static> Ahead<T> {
    fn start<F>(read: F) -> Ahead<T>
    where
        F: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        Ahead(tokio::spawn(read))
    }

    /// What was read.
    ///
    /// # Errors
    /// The read's own error, or [`StoreError::Interrupted`] when the runtime shut down
    /// before the read finished.
    pub async fn get(self) -> Result<T, StoreError> {
        match self.0.await {
            Ok(read) => read,
            // The read panicked (a bug): carry the panic on as it was.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(StoreError::Interrupted),
        }
    }
}

impl Store {
    /// Starts reading [`Store::open_signals`].
    pub fn open_signals_ahead(&self) -> Ahead<Vec<OpenSignal>> {
        let store = self.clone();
        Ahead::start(async move { store.open_signals().await })
    }

    /// Starts reading [`Store::records_as_of`].
    pub fn records_ahead<T>(&self, kind: &'static str, as_of: Option<time::Date>) -> Ahead<Vec<T>>
    where
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        let store = self.clone();
        Ahead::start(async move { store.records_as_of(kind, as_of).await })
    }

    /// Starts reading [`Store::indicator_scans`].
    pub fn indicator_scans_ahead(&self) -> Ahead<Vec<SeriesScan>> {
        let store = self.clone();
        Ahead::start(async move { store.indicator_scans().await })
    }
}
