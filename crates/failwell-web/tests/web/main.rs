//! The web service, driven over TCP as a browser or an API client would: a real server
//! bound to 127.0.0.1:0 over a real store (SQLite always, PostgreSQL when
//! `FAILWELL_TEST_POSTGRES_URL` names a server), and hyper's HTTP/1.1 client. The
//! components module checks the ported GOV.UK templates against govuk-frontend's
//! published fixtures.

mod access;
mod browser;
mod components;
mod server;
mod support;
