-- The last recorded scan's per-indicator results, in the engine's compact binary layout
-- (format byte, then per series: organisation, recent points, signals as JSON) instead
-- of JSON text: at England scale an incremental scan reads 600,000 of them back, and
-- parsing JSON dominated it. These rows are a cache, not evidence: dropping them costs
-- one full scan, which the engine's changed fingerprint makes happen anyway.
drop table indicator_scan;
create table indicator_scan (
    indicator text collate "C" primary key,
    scan_id bigint not null,
    results bytea not null
);

-- Every scan reads the open signals in key order: at England scale 40,000 of a table
-- that only grows.
create index signal_open_key on signal (key) where closed_in_scan is null;

-- An incremental scan reads the series of the indicators an import changed (6,000 of
-- 600,000 at England scale): without this it read every series to find them.
create index series_indicator on series (indicator_id);
