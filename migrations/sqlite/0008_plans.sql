-- Version 8: improvement plans (themes, actions, progress updates), the criteria that
-- judge them and an intervention's exit, the judgements named people make of criteria,
-- and the check-ins of a tapered exit. Progress updates and judgements are append-only:
-- a later one supersedes, nothing is overwritten.

create table plan_theme (
    id integer primary key,
    intervention_id integer not null references intervention (id),
    title text not null check (length(trim(title)) > 0),
    created_by text not null,
    created_at text not null
);
create index plan_theme_case on plan_theme (intervention_id, id);

create table plan_action (
    id integer primary key,
    theme_id integer not null references plan_theme (id),
    title text not null check (length(trim(title)) > 0),
    lead text not null check (length(trim(lead)) > 0),
    due text not null,
    tag text not null check (tag in ('structural', 'leadership', 'culture', 'process', 'capacity')),
    created_by text not null,
    created_at text not null
);
create index plan_action_theme on plan_action (theme_id, id);

create table progress_update (
    id integer primary key,
    action_id integer not null references plan_action (id),
    on_date text not null,
    status text not null check (status in ('not_started', 'on_track', 'at_risk', 'off_track', 'done')),
    note text not null,
    recorded_by text not null,
    recorded_at text not null
);
create index progress_update_action on progress_update (action_id, id);
create trigger progress_update_no_update before update on progress_update
begin
    select raise(abort, 'progress updates are append-only: a recorded update cannot be changed');
end;
create trigger progress_update_no_delete before delete on progress_update
begin
    select raise(abort, 'progress updates are append-only: a recorded update cannot be deleted');
end;

-- A criterion of a theme, an action or the exit (exactly one). `rule` is the JSON of the
-- domain's CriterionRule.
create table criterion (
    id integer primary key,
    intervention_id integer not null references intervention (id),
    theme_id integer references plan_theme (id),
    action_id integer references plan_action (id),
    exit_kind text check (exit_kind in ('outcome', 'capability')),
    rule text not null,
    created_by text not null,
    created_at text not null,
    check ((theme_id is not null) + (action_id is not null) + (exit_kind is not null) = 1)
);
create index criterion_case on criterion (intervention_id, id);

create table criterion_judgement (
    id integer primary key,
    criterion_id integer not null references criterion (id),
    on_date text not null,
    met integer not null,
    evidence text not null check (length(trim(evidence)) > 0),
    judged_by text not null,
    recorded_at text not null
);
create index criterion_judgement_criterion on criterion_judgement (criterion_id, id);
create trigger criterion_judgement_no_update before update on criterion_judgement
begin
    select raise(abort, 'criterion judgements are append-only: a recorded judgement cannot be changed');
end;
create trigger criterion_judgement_no_delete before delete on criterion_judgement
begin
    select raise(abort, 'criterion judgements are append-only: a recorded judgement cannot be deleted');
end;

-- Check-ins after a tapered exit: who, when, what is reviewed; the outcome when held.
create table check_in (
    id integer primary key,
    intervention_id integer not null references intervention (id),
    due text not null,
    who text not null check (length(trim(who)) > 0),
    reviews text not null check (length(trim(reviews)) > 0),
    held_on text,
    outcome text,
    recorded_by text not null,
    recorded_at text not null
);
create index check_in_case on check_in (intervention_id, due);
