-- Version 7: casework. Interventions on the ladder, their people, their steps, the
-- obligations their rungs' clocks lay out, and an append-only audit log of every casework
-- move, done or refused.

-- One intervention: one or several organisations on a rung. `rung` is the rung it stands
-- on now (the steps are the history); `lessons` (JSON) is written when it closes.
create table intervention (
    id integer primary key,
    sector text not null,
    ladder text not null,
    rung text not null,
    statutory integer not null,
    applied_by text not null,
    start_on text not null,
    planned_end text,
    report_published text,
    ended_on text,
    reason text not null check (length(trim(reason)) > 0),
    opened_by text not null check (length(trim(opened_by)) > 0),
    decision_id integer references decision (id),
    lessons text,
    created_at text not null,
    check (planned_end is null or planned_end >= start_on),
    check (ended_on is null or ended_on >= start_on)
);

create table intervention_organisation (
    intervention_id integer not null references intervention (id),
    organisation text not null,
    primary key (intervention_id, organisation)
);
create index intervention_organisation_code on intervention_organisation (organisation, intervention_id);

create table intervention_actor (
    intervention_id integer not null references intervention (id),
    position integer not null,
    name text not null check (length(trim(name)) > 0),
    role text not null,
    power text not null check (power in ('monitor', 'advise', 'direct', 'replace')),
    email text,
    primary key (intervention_id, position)
);

-- Moves up or down the ladder, append-only. The opening is the first step (from_rung null).
create table intervention_step (
    id integer primary key,
    intervention_id integer not null references intervention (id),
    on_date text not null,
    from_rung text,
    to_rung text not null,
    by_actor text not null,
    reason text not null check (length(trim(reason)) > 0),
    jump_reason text,
    recorded_by text not null,
    recorded_at text not null
);
create index intervention_step_case on intervention_step (intervention_id, id);
create trigger intervention_step_no_update before update on intervention_step
begin
    select raise(abort, 'intervention steps are append-only: a recorded step cannot be changed');
end;
create trigger intervention_step_no_delete before delete on intervention_step
begin
    select raise(abort, 'intervention steps are append-only: a recorded step cannot be deleted');
end;

-- Dated obligations from the clocks of the rungs the intervention stood on.
create table obligation (
    id integer primary key,
    intervention_id integer not null references intervention (id),
    rung text not null,
    clock text not null,
    name text not null,
    due text not null,
    approximate integer not null,
    counted_from_entry integer not null,
    met_on text,
    met_by text,
    lapsed_on text
);
create index obligation_case on obligation (intervention_id, due);
create index obligation_due on obligation (due);

-- Every casework move, done or refused, append-only.
create table audit_log (
    id integer primary key,
    at text not null,
    who text not null,
    action text not null,
    subject text not null,
    outcome text not null check (outcome in ('done', 'refused')),
    detail text not null
);
create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'the audit log is append-only: an entry cannot be changed');
end;
create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'the audit log is append-only: an entry cannot be deleted');
end;
