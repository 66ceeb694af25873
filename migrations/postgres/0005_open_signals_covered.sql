-- Every scan reads the open signals (40,000 at England scale) to match its own against
-- them. Their rows carry the signal's JSON (about 1 KB each), so reading them through an
-- index on the key alone read 45 MB of table pages. This index holds every column the
-- read needs, so the table is not touched (once vacuum has marked its pages visible).
drop index signal_open;
drop index signal_open_key;
create index signal_open on signal (key) include (organisation, source, rule, direction, first_seen_on, content_hash)
    where closed_in_scan is null;

-- One organisation's signal history (`Store::signal_history`) read the whole table.
create index signal_organisation on signal (organisation);

-- The recorded results (60 MB at England scale, read back by every incremental scan) are
-- stored out of line but not compressed: pglz cut them to a third, and decompressing
-- them took longer than reading them (0.19 s against 0.02 s on SQLite).
alter table indicator_scan alter column results set storage external;
