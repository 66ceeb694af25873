-- Version 3: recommendations as proposals a person decides on, and regimes kept by version.

-- What each recorded scan recommended, one row per organisation it reported (the rungs
-- are null when no escalation ladder covers the organisation's sector). `rationale` is
-- the recommendation's reasons as a JSON array of sentences.
create table recommendation (
    scan_id integer not null references scan_run (id),
    organisation text not null,
    recommended_rung text,
    current_rung text,
    rationale text not null,
    primary key (scan_id, organisation)
);

-- A person's decision on a recommendation: accepted or declined, always with a reason.
-- Append-only: a change of mind is a new decision; the triggers refuse update and delete.
create table decision (
    id integer primary key,
    scan_id integer not null,
    organisation text not null,
    recommended_rung text not null,
    decision text not null check (decision in ('accepted', 'declined')),
    reason text not null check (length(trim(reason)) > 0),
    decided_by text not null check (length(trim(decided_by)) > 0),
    decided_at text not null,
    foreign key (scan_id, organisation) references recommendation (scan_id, organisation)
);
create index decision_organisation on decision (organisation, id);
create trigger decision_no_update before update on decision
begin
    select raise(abort, 'decisions are append-only: a recorded decision cannot be changed');
end;
create trigger decision_no_delete before delete on decision
begin
    select raise(abort, 'decisions are append-only: a recorded decision cannot be deleted');
end;

-- Regime definitions added with `failwell regime add`, by id and version: a scan can be
-- judged again under any of them (`--regime-version`).
create table regime (
    id text not null,
    version text not null,
    text text not null,
    added_at text not null,
    primary key (id, version)
);
