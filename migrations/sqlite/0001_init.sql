-- failwell store, SQLite dialect. Keep in step with migrations/postgres (same versions).
-- Dates are ISO text (YYYY-MM-DD); timestamps are RFC 3339 text passed from Rust.

create table import_run (
    id integer primary key,
    kind text not null,
    file text not null,
    started_at text not null,
    finished_at text,
    rows_read integer not null default 0,
    rows_changed integer not null default 0
);

create table organisation (
    id integer primary key,
    code text not null unique
);

create table indicator (
    id integer primary key,
    code text not null unique
);

create table source (
    id integer primary key,
    text text not null unique
);

-- Registry facts, indicator definitions, inspections and events: every revision kept,
-- each as the canonical JSON of its domain record; `is_current` marks the latest.
create table record (
    kind text not null,
    natural_key text not null,
    revision integer not null,
    organisation_id integer,
    on_date text,
    learned_on text,
    content text not null,
    import_id integer not null references import_run (id),
    is_current integer not null,
    primary key (kind, natural_key, revision)
) without rowid;
create index record_current on record (kind, is_current, natural_key);
create index record_organisation on record (organisation_id, kind);

-- One row per (organisation, indicator): the unit the scan and the shard key work on.
create table series (
    id integer primary key,
    organisation_id integer not null references organisation (id),
    indicator_id integer not null references indicator (id),
    unique (organisation_id, indicator_id)
);

-- Observations: one row per (series, period, revision); a changed figure adds a revision.
create table observation (
    series_id integer not null,
    period text not null,
    revision integer not null,
    value real,
    note text,
    numerator real,
    denominator real,
    expected real,
    published_on text,
    source_id integer,
    import_id integer not null,
    primary key (series_id, period, revision)
) without rowid;
