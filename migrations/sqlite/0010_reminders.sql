-- Version 10: reminders of obligations falling due, one digest per person per day and
-- channel. A digest is claimed (`pending`) before it is sent and marked `sent` or
-- `failed` after: the partial unique index lets a day's digest be claimed or sent once,
-- so a restart on the same day sends nothing twice, and a failed one can be tried again.
-- A crash between sending and marking leaves it `pending`: not sent again (at most once).

create table reminder (
    id integer primary key,
    day text not null,
    recipient text not null,
    channel text not null check (channel in ('email', 'webhook')),
    outcome text not null check (outcome in ('pending', 'sent', 'failed')),
    items integer not null,
    detail text not null,
    at text not null
);
create unique index reminder_once on reminder (day, recipient, channel) where outcome in ('pending', 'sent');
create trigger reminder_no_delete before delete on reminder
begin
    select raise(abort, 'reminders are kept: a recorded reminder cannot be deleted');
end;
