//! failwell's one test harness, used only as a dev-dependency.
//!
//! - [`db`]: a throwaway store per test on every configured backend: a SQLite file in a
//!   temporary folder always, and a fresh PostgreSQL database when
//!   `FAILWELL_TEST_POSTGRES_URL` names a server. PostgreSQL databases are dropped when
//!   the test's handle is dropped (also when the test panics), so a test run leaves no
//!   databases behind. [`each_backend`] runs a test body on each.
//! - [`seed`]: data to load: a small real-shaped set (two councils, a region, their
//!   figures, inspections, events and links) and a seeded synthetic one big enough to
//!   take the scan's multi-threaded paths.
//! - [`scan`]: the scan run in-process under the built-in regime.
//!
//! Why a crate of its own: each test suite (store, engine, CLI) used to make its own
//! stores and never dropped the PostgreSQL ones; one harness makes them the same way
//! and cleans up once.

pub mod db;
pub mod error;
pub mod scan;
pub mod seed;

pub use db::{TestDatabase, TestStore, each_backend};
pub use error::HarnessError;
