-- Version 14 replaces version 13's partial index, which read the newest id and so could
-- miss a write committed out of id order.
drop index audit_log_changes;

-- The store's count of changes: every write is audited in its own transaction (reads are
-- audited as `read`), and a trigger counts each audited write in the same transaction. A
-- reader sees the count of committed writes, in commit order (the row's lock makes writers
-- take turns), which an id handed out at insert cannot promise on PostgreSQL. The web keys
-- its cache of casework reads on it.
create table store_change (id integer primary key check (id = 1), n integer not null);
insert into store_change (id, n) values (1, 0);
create trigger audit_log_counts_changes after insert on audit_log
when new.action <> 'read'
begin
    update store_change set n = n + 1 where id = 1;
end;
