//! End-to-end tests of the `failwell` binary against real stores: SQLite always, and
//! PostgreSQL when `FAILWELL_TEST_POSTGRES_URL` names a server (each test gets its own
//! database there, so tests run in parallel).

mod backtest;
mod casework;
mod config;
mod crash;
mod decide;
mod demo;
mod fresh_look;
mod import;
mod registry;
mod remind;
mod scan;
mod serve;
mod support;
mod user;
