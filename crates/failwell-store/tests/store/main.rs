//! The store against real databases: SQLite always, PostgreSQL when
//! `FAILWELL_TEST_POSTGRES_URL` names a server (a fresh database per test, dropped after
//! it; see `failwell-test-support`).

mod decisions;
mod records;
mod series;
