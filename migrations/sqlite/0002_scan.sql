-- Version 2: what the early-warning scan needs to be fast, incremental and to remember.

-- The last import that changed a series' figures: an incremental scan re-charts exactly
-- the series changed since the scan it continues.
alter table series add column changed_in_import integer;
create index series_changed on series (changed_in_import);

-- The current figures of each series, packed: one row per series instead of one per
-- point, so a scan of "now" reads 600,000 rows, not 72 million. `periods` is the
-- comma-joined canonical periods in time order; `packed` holds n little-endian f64
-- values (NaN where withheld) then n i32 Julian days of publication (i32::MIN: unknown).
-- Rebuilt by every import for the series it changed; history stays in `observation`.
create table series_current (
    series_id integer primary key references series (id),
    periods text not null,
    packed blob not null,
    latest_published text
);
create index series_current_latest on series_current (latest_published);

-- Every recorded scan: when it judged, under which regime and settings, and how far
-- into the import history it had read.
create table scan_run (
    id integer primary key,
    as_of text not null,
    regime text not null,
    regime_version text not null,
    config text not null,
    through_import integer not null,
    mode text not null,
    started_at text not null,
    organisations integer not null,
    signals integer not null,
    new_signals integer not null,
    closed_signals integer not null
);

-- What the last recorded scan derived from each indicator's series (their signals and
-- the recent points peers are compared on, as JSON), so an incremental scan re-charts
-- only the indicators an import has changed since. The indicator is the unit because
-- peer comparisons (funnels, peer norms) span all organisations of one indicator.
create table indicator_scan (
    indicator text primary key,
    scan_id integer not null,
    content text not null
);

-- Signals across scans: one row per ongoing signal however many scans saw it. `key` is
-- the signal's key when first seen; `content` its latest form (JSON).
create table signal (
    key text primary key,
    organisation text not null,
    source text not null,
    rule text not null,
    direction text not null,
    first_seen_scan integer not null,
    first_seen_on text not null,
    last_seen_scan integer not null,
    last_seen_on text not null,
    content_hash text not null,
    closed_in_scan integer,
    content text not null
);
create index signal_open on signal (closed_in_scan, organisation);
