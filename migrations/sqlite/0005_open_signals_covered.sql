-- Every scan reads the open signals (40,000 at England scale) to match its own against
-- them. Their rows carry the signal's JSON (about 1 KB each), so reading them through an
-- index on the key alone read 45 MB of table pages. This index holds every column the
-- read needs (SQLite needs the partial index's own condition column in it too to read it
-- alone), so the table is not touched.
drop index signal_open;
drop index signal_open_key;
create index signal_open on signal (key, organisation, source, rule, direction, first_seen_on, content_hash,
                                    closed_in_scan)
    where closed_in_scan is null;

-- One organisation's signal history (`Store::signal_history`) read the whole table.
create index signal_organisation on signal (organisation);
