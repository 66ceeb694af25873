//! Accounts, their sessions and API tokens, and the audit log's search.
//!
//! The store keeps only what cannot sign anybody in: argon2 hashes of passwords and SHA-256
//! hashes of session and API tokens (the web crate makes and checks them). An account is
//! disabled, never deleted. Every change to an account is one transaction with its audit
//! entry, as casework moves are.

use crate::casework::{AuditEntry, AuditNote, audit, begin};
use crate::{Store, StoreError};
use failwell_domain::access::Role;
use sqlx::Row;
use std::collections::BTreeSet;

/// An account as stored (never its password hash, except through [`Store::credentials`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    /// Its id.
    pub id: i64,
    /// The name it signs in with.
    pub username: String,
    /// The name casework knows the person by (`C. Chair`).
    pub display_name: String,
    /// Where reminders reach them; also how casework's people are matched to accounts.
    pub email: Option<String>,
    /// What the account may see and do.
    pub role: Role,
    /// A provider's own organisation (its code).
    pub organisation: Option<String>,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it was disabled, if it was.
    pub disabled_at: Option<String>,
}

/// A signed-in session as stored: its enabled account, the CSRF token its forms carry,
/// and when it expires (the web keeps a session's viewer between requests, and must stop
/// at the expiry without asking the store again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The account signed in.
    pub account: Account,
    /// The CSRF token every form of the session carries.
    pub csrf: String,
    /// When the session ends (RFC 3339).
    pub expires_at: String,
}

/// An API token as an administrator sees it: what it is for and when, never its hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiTokenInfo {
    /// What it is for (`user token --name`).
    pub name: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// An account to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// The name it signs in with.
    pub username: String,
    /// The name casework knows the person by.
    pub display_name: String,
    /// Their e-mail address.
    pub email: Option<String>,
    /// Its role.
    pub role: Role,
    /// A provider's organisation (required for a provider, refused for any other role).
    pub organisation: Option<String>,
    /// The argon2 hash of its password (PHC string).
    pub password_hash: String,
}

/// What to look for in the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only entries by this user.
    pub who: Option<String>,
    /// Only entries of this action (`sign in`, `read`, `decide`, `open intervention`, …).
    pub action: Option<String>,
    /// Only entries at or after this instant (RFC 3339, or a day).
    pub since: Option<String>,
    /// At most this many, newest first.
    pub limit: i64,
}

/// Why an account change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountRefusal {
    /// The user name is taken.
    #[error("an account named {0:?} exists already")]
    Taken(String),
    /// No such account.
    #[error("no account named {0:?}")]
    Unknown(String),
    /// The account has no unrevoked API token of that name.
    #[error("{0} has no API token named {1:?} that is not already revoked")]
    NoToken(String, String),
    /// A provider names no organisation, or another role names one.
    #[error("{0}")]
    Organisation(String),
    /// The user name or display name is blank or unusable.
    #[error("{0}")]
    Invalid(String),
}

/// The columns [`account`] reads, in its order (a macro, so that queries stay static strings).
macro_rules! account_columns {
    () => {
        "id, username, display_name, email, role, organisation, created_at, disabled_at"
    };
    (a) => {
        "a.id, a.username, a.display_name, a.email, a.role, a.organisation, a.created_at, a.disabled_at"
    };
}

fn account(r: &sqlx::any::AnyRow) -> Result<Account, StoreError> {
    let username: String = r.try_get(1)?;
    let role: String = r.try_get(4)?;
    Ok(Account {
        id: r.try_get(0)?,
        role: role.parse().map_err(|e: failwell_domain::casework::UnknownWord| StoreError::Corrupt {
            kind: "account",
            key: username.clone(),
            reason: e.to_string(),
        })?,
        username,
        display_name: r.try_get(2)?,
        email: r.try_get(3)?,
        organisation: r.try_get(5)?,
        created_at: r.try_get(6)?,
        disabled_at: r.try_get(7)?,
    })
}

impl Store {
    /// Makes an account, with its audit entry (`by` is who made it).
    ///
    /// # Errors
    /// [`StoreError::Account`] when the name is taken, blank, or the organisation does not
    /// fit the role or is unknown.
    pub async fn add_account(&self, new: &NewAccount, by: &str) -> Result<Account, StoreError> {
        let username = new.username.trim();
        if username.is_empty() || username.chars().any(char::is_whitespace) || username.len() > 64 {
            return Err(AccountRefusal::Invalid(format!(
                "user name {:?} must be 1 to 64 characters with no spaces",
                new.username
            ))
            .into());
        }
        if new.display_name.trim().is_empty() {
            return Err(AccountRefusal::Invalid("the display name must not be blank".into()).into());
        }
        match (new.role, &new.organisation) {
            (Role::Provider, None) => {
                return Err(AccountRefusal::Organisation(
                    "a provider account needs an organisation: the one it works for (--organisation on the command line)".into(),
                )
                .into());
            }
            (Role::Provider, Some(_)) => {}
            (role, Some(_)) => {
                return Err(AccountRefusal::Organisation(format!(
                    "only a provider account names an organisation; a {role}'s reach comes from its role and its cases"
                ))
                .into());
            }
            (_, None) => {}
        }
        let mut tx = begin(self).await?;
        if let Some(code) = &new.organisation {
            let known =
                sqlx::query("select 1 from organisation where code = $1").bind(code).fetch_optional(&mut *tx).await?;
            if known.is_none() {
                return Err(AccountRefusal::Organisation(format!("unknown organisation {code:?}")).into());
            }
        }
        let taken =
            sqlx::query("select 1 from account where username = $1").bind(username).fetch_optional(&mut *tx).await?;
        if taken.is_some() {
            return Err(AccountRefusal::Taken(username.to_string()).into());
        }
        let row = sqlx::query(concat!(
            "insert into account (username, display_name, email, role, organisation, password_hash, created_at)
             values ($1, $2, $3, $4, $5, $6, $7) returning ",
            account_columns!()
        ))
        .bind(username)
        .bind(new.display_name.trim())
        .bind(new.email.as_deref())
        .bind(new.role.as_str())
        .bind(new.organisation.as_deref())
        .bind(&new.password_hash)
        .bind(crate::import::now())
        .fetch_one(&mut *tx)
        .await?;
        let made = account(&row)?;
        let detail =
            format!("role {}{}", new.role, new.organisation.as_ref().map_or(String::new(), |o| format!(" of {o}")));
        let note = AuditNote { who: by, action: "add account", subject: username, detail: &detail };
        audit(&mut tx, &note, "done").await?;
        tx.commit().await?;
        Ok(made)
    }

    /// Every account, by user name.
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        sqlx::query(concat!("select ", account_columns!(), " from account order by username"))
            .fetch_all(self.reads())
            .await?
            .iter()
            .map(account)
            .collect()
    }

    /// An enabled account and its password hash, to check a sign-in.
    pub async fn credentials(&self, username: &str) -> Result<Option<(Account, String)>, StoreError> {
        let row = sqlx::query(concat!(
            "select ",
            account_columns!(),
            ", password_hash from account where username = $1 and disabled_at is null"
        ))
        .bind(username)
        .fetch_optional(self.reads())
        .await?;
        row.map(|r| Ok((account(&r)?, r.try_get(8)?))).transpose()
    }

    /// Replaces an account's password hash and ends its sessions.
    ///
    /// # Errors
    /// [`AccountRefusal::Unknown`] when there is no such enabled account.
    pub async fn set_password(&self, username: &str, password_hash: &str, by: &str) -> Result<(), StoreError> {
        let mut tx = begin(self).await?;
        let id = enabled_id(&mut tx, username).await?;
        sqlx::query("update account set password_hash = $1 where id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from account_session where account_id = $1").bind(id).execute(&mut *tx).await?;
        audit(&mut tx, &AuditNote { who: by, action: "set password", subject: username, detail: "" }, "done").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables an account: its sessions end and its API tokens are revoked.
    ///
    /// # Errors
    /// [`AccountRefusal::Unknown`] when there is no such enabled account.
    pub async fn disable_account(&self, username: &str, by: &str) -> Result<(), StoreError> {
        let mut tx = begin(self).await?;
        let id = enabled_id(&mut tx, username).await?;
        let now = crate::import::now();
        sqlx::query("update account set disabled_at = $1 where id = $2").bind(&now).bind(id).execute(&mut *tx).await?;
        sqlx::query("delete from account_session where account_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("update api_token set revoked_at = $1 where account_id = $2 and revoked_at is null")
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, &AuditNote { who: by, action: "disable account", subject: username, detail: "" }, "done")
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts a session for an account (the token's hash, its CSRF token and when it expires).
    pub async fn start_session(
        &self,
        account_id: i64,
        token_hash: &str,
        csrf_token: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "insert into account_session (token_hash, account_id, csrf_token, created_at, expires_at) values ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(csrf_token)
        .bind(crate::import::now())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An unexpired session of an enabled account, with its CSRF token and expiry.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(concat!(
            "select ",
            account_columns!(a),
            ", s.csrf_token, s.expires_at from account_session s join account a on a.id = s.account_id
             where s.token_hash = $1 and s.expires_at > $2 and a.disabled_at is null"
        ))
        .bind(token_hash)
        .bind(crate::import::now())
        .fetch_optional(self.reads())
        .await?;
        row.map(|r| Ok(Session { account: account(&r)?, csrf: r.try_get(8)?, expires_at: r.try_get(9)? })).transpose()
    }

    /// Ends a session (signing out), and any expired sessions with it, with the audit
    /// entry `note` (and the web request's id) in the same transaction: a server that keeps
    /// signed-in viewers between writes sees the sign-out as the write it is.
    pub async fn end_session(
        &self,
        token_hash: &str,
        note: &AuditNote<'_>,
        request_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = begin(self).await?;
        sqlx::query("delete from account_session where token_hash = $1 or expires_at <= $2")
            .bind(token_hash)
            .bind(crate::import::now())
            .execute(&mut *tx)
            .await?;
        crate::casework::audit_request(&mut tx, note, "done", request_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records an API token's hash for an account, with its audit entry.
    ///
    /// # Errors
    /// [`AccountRefusal::Unknown`] when there is no such enabled account.
    pub async fn add_api_token(
        &self,
        username: &str,
        name: &str,
        token_hash: &str,
        by: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = begin(self).await?;
        let id = enabled_id(&mut tx, username).await?;
        let row = sqlx::query(
            "insert into api_token (account_id, name, token_hash, created_at) values ($1, $2, $3, $4) returning id",
        )
        .bind(id)
        .bind(name)
        .bind(token_hash)
        .bind(crate::import::now())
        .fetch_one(&mut *tx)
        .await?;
        audit(&mut tx, &AuditNote { who: by, action: "add API token", subject: username, detail: name }, "done")
            .await?;
        tx.commit().await?;
        Ok(row.try_get(0)?)
    }

    /// Account `username`'s API tokens, oldest first (revoked ones too).
    pub async fn api_tokens(&self, username: &str) -> Result<Vec<ApiTokenInfo>, StoreError> {
        let rows = sqlx::query(
            "select t.name, t.created_at, t.revoked_at from api_token t join account a on a.id = t.account_id
             where a.username = $1 order by t.id",
        )
        .bind(username)
        .fetch_all(self.reads())
        .await?;
        rows.iter()
            .map(|r| Ok(ApiTokenInfo { name: r.try_get(0)?, created_at: r.try_get(1)?, revoked_at: r.try_get(2)? }))
            .collect()
    }

    /// Revokes an account's API tokens named `name` (a leaked one, a machine retired)
    /// without disabling the account, with its audit entry: the count of tokens revoked.
    ///
    /// # Errors
    /// [`AccountRefusal::Unknown`] for no such enabled account, [`AccountRefusal::NoToken`]
    /// when it has no unrevoked token of that name (nothing written).
    pub async fn revoke_api_tokens(&self, username: &str, name: &str, by: &str) -> Result<u64, StoreError> {
        let mut tx = begin(self).await?;
        let id = enabled_id(&mut tx, username).await?;
        let revoked = sqlx::query(
            "update api_token set revoked_at = $1 where account_id = $2 and name = $3 and revoked_at is null",
        )
        .bind(crate::import::now())
        .bind(id)
        .bind(name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if revoked == 0 {
            return Err(AccountRefusal::NoToken(username.to_string(), name.to_string()).into());
        }
        audit(&mut tx, &AuditNote { who: by, action: "revoke API token", subject: username, detail: name }, "done")
            .await?;
        tx.commit().await?;
        Ok(revoked)
    }

    /// The enabled account an unrevoked API token belongs to.
    pub async fn token_account(&self, token_hash: &str) -> Result<Option<Account>, StoreError> {
        let row = sqlx::query(concat!(
            "select ",
            account_columns!(a),
            " from api_token t join account a on a.id = t.account_id
             where t.token_hash = $1 and t.revoked_at is null and a.disabled_at is null"
        ))
        .bind(token_hash)
        .fetch_optional(self.reads())
        .await?;
        row.as_ref().map(account).transpose()
    }

    /// The organisations in an account's reach beyond its role: a provider's own only; for
    /// a board member or peer reviewer, the organisations of every case naming the
    /// account's person (by e-mail when the case gives one, else by name) who has not
    /// left it.
    pub async fn reach(&self, account: &Account) -> Result<BTreeSet<String>, StoreError> {
        let mut out: BTreeSet<String> = account.organisation.iter().cloned().collect();
        if !matches!(account.role, Role::BoardMember | Role::PeerReviewer) {
            return Ok(out);
        }
        let rows = sqlx::query(
            "select distinct o.organisation from intervention_actor p
             join intervention_organisation o on o.intervention_id = p.intervention_id
             where ((p.email is not null and lower(p.email) = lower($1)) or (p.email is null and p.name = $2))
               and (p.left_on is null or p.left_on > $3)",
        )
        .bind(account.email.as_deref().unwrap_or(""))
        .bind(&account.display_name)
        .bind(failwell_domain::dates::iso(time::OffsetDateTime::now_utc().date()))
        .fetch_all(self.reads())
        .await?;
        for r in rows {
            out.insert(r.try_get(0)?);
        }
        Ok(out)
    }

    /// Appends an entry to the audit log (a web request's, with its request id).
    pub async fn record_audit(
        &self,
        note: &AuditNote<'_>,
        outcome: &str,
        request_id: Option<&str>,
    ) -> Result<(), StoreError> {
        crate::casework::insert_audit(&self.pool, note, outcome, request_id).await
    }

    /// How many `action`s on `subject` were refused at or after `since` (RFC 3339): the
    /// sign-in rate limit counts failed sign-ins this way, so it holds across restarts and
    /// across servers sharing a database.
    pub async fn refusals_since(&self, action: &str, subject: &str, since: &str) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "select count(*) from audit_log where action = $1 and subject = $2 and outcome = 'refused' and at >= $3",
        )
        .bind(action)
        .bind(subject)
        .bind(since)
        .fetch_one(self.reads())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The audit log's entries that pass `filter`, newest first.
    pub async fn audit_search(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        sqlx::query(
            "select id, at, who, action, subject, outcome, detail, request_id from audit_log
             where ($1 = '' or who = $1) and ($2 = '' or action = $2) and ($3 = '' or at >= $3)
             order by id desc limit $4",
        )
        .bind(filter.who.as_deref().unwrap_or(""))
        .bind(filter.action.as_deref().unwrap_or(""))
        .bind(filter.since.as_deref().unwrap_or(""))
        .bind(if filter.limit > 0 { filter.limit } else { i64::MAX })
        .fetch_all(self.reads())
        .await?
        .iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                who: r.try_get(2)?,
                action: r.try_get(3)?,
                subject: r.try_get(4)?,
                outcome: r.try_get(5)?,
                detail: r.try_get(6)?,
                request_id: r.try_get(7)?,
            })
        })
        .collect()
    }
}

async fn enabled_id(tx: &mut sqlx::Transaction<'static, sqlx::Any>, username: &str) -> Result<i64, StoreError> {
    let row = sqlx::query("select id from account where username = $1 and disabled_at is null")
        .bind(username)
        .fetch_optional(&mut **tx)
        .await?;
    match row {
        Some(r) => Ok(r.try_get(0)?),
        None => Err(AccountRefusal::Unknown(username.to_string()).into()),
    }
}
