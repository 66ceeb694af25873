-- The newest change the store has recorded: every write is audited in its own transaction,
-- and reads as `read`, so the newest entry that is not a read marks the last change. The web
-- keys its cache of casework reads on it: one index lookup a request, however long the log.
create index audit_log_changes on audit_log (id) where action <> 'read';
