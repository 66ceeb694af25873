-- Version 6: a recommendation is written when it changes, not again by every scan that
-- repeats it. At England scale a scan recommended for 6,000 organisations, of which a
-- dozen changed from one month to the next; writing all 6,000 again was the largest part
-- of recording an incremental scan on PostgreSQL, and grew this table by 6,000 rows a scan.
--
-- The recommendation in force at scan S for an organisation is its row with scan_id <= S
-- that no scan up to S superseded. A scan that no longer reports an organisation writes
-- a row with `reported = 0` (withdrawn): nothing was recommended for it from then on.
-- A decision refers to the row in force, that is to the scan that first made the
-- recommendation (the foreign key of version 3 is unchanged).
alter table recommendation add column reported integer not null default 1 check (reported in (0, 1));
-- The later scan whose row replaced this one (null: still in force).
alter table recommendation add column superseded_in integer;

-- Rows written before this version: every scan wrote a row for each organisation it
-- reported, so a row was in force for its own scan only, until the next recorded scan;
-- the latest scan's rows stay in force.
update recommendation set superseded_in =
    (select min(s.id) from scan_run s where s.id > recommendation.scan_id);

-- The rows in force, read by every recorded scan to write only what changed.
create index recommendation_in_force on recommendation (organisation) where superseded_in is null;
-- The row in force at a given scan, for `failwell decide`.
create index recommendation_organisation on recommendation (organisation, scan_id);
