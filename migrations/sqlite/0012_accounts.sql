-- Version 12: accounts, their sessions and API tokens, and the request id on audit entries.
-- Passwords are stored only as argon2 hashes; session and API tokens only as SHA-256
-- hashes of random tokens (a stolen copy of the database signs nobody in). An account is
-- disabled, never deleted, so the audit log's names keep meaning something.

create table account (
    id integer primary key,
    username text not null unique,
    display_name text not null,
    email text,
    role text not null check (role in ('administrator', 'analyst', 'board_member', 'provider', 'peer_reviewer')),
    organisation text,
    password_hash text not null,
    created_at text not null,
    disabled_at text
);
create trigger account_kept before delete on account
begin
    select raise(abort, 'accounts are kept: disable an account instead of deleting it');
end;

create table account_session (
    token_hash text primary key,
    account_id integer not null references account (id),
    csrf_token text not null,
    created_at text not null,
    expires_at text not null
);

create table api_token (
    id integer primary key,
    account_id integer not null references account (id),
    name text not null,
    token_hash text not null unique,
    created_at text not null,
    revoked_at text
);

alter table audit_log add column request_id text;
create index audit_log_by_action on audit_log (action, subject, at);
