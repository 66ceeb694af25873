-- Version 9: board meetings of an intervention, with their minutes and decisions,
-- append-only (a correction is a later meeting note, not an edit).

create table board_meeting (
    id integer primary key,
    intervention_id integer not null references intervention (id),
    held_on text not null,
    minutes text not null check (length(trim(minutes)) > 0),
    decisions text not null,
    recorded_by text not null,
    recorded_at text not null
);
create index board_meeting_case on board_meeting (intervention_id, held_on);
create trigger board_meeting_no_update before update on board_meeting
begin
    select raise(abort, 'board meetings are append-only: a recorded meeting cannot be changed');
end;
create trigger board_meeting_no_delete before delete on board_meeting
begin
    select raise(abort, 'board meetings are append-only: a recorded meeting cannot be deleted');
end;
