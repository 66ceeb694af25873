//! Casework as stored: interventions, their organisations and people, their steps
//! (append-only), the obligations their rungs' clocks lay out, and the audit log
//! (append-only). Each move is one transaction that also writes its audit entry, so a
//! move and its record are kept or lost together.
//!
//! The store checks only what needs the stored facts: that the organisations exist, that
//! no organisation has a second open intervention on the same rung, that a linked
//! decision accepted a recommendation for one of them, that a case is still open and
//! still on the rung the caller checked against. Whether the regime allows a move is the
//! domain's rule, checked before the store is asked.

use crate::error::StoreError;
use crate::open::{Backend, Store};
use failwell_domain::casework::{CaseActor, CaseworkRefusal, Lessons, Obligation};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;
use time::Date;

/// An intervention to store, already checked against the regime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterventionRecord {
    /// Organisation codes it covers.
    pub organisations: Vec<String>,
    /// The sector.
    pub sector: String,
    /// The ladder in force on the start day.
    pub ladder: String,
    /// The rung.
    pub rung: String,
    /// Whether the rung is statutory (its legal basis).
    pub statutory: bool,
    /// The regime actor applying it.
    pub applied_by: String,
    /// Start day (ISO).
    pub start_on: String,
    /// Planned end day (ISO).
    pub planned_end: Option<String>,
    /// The triggering report's publication day (ISO).
    pub report_published: Option<String>,
    /// Why it opens.
    pub reason: String,
    /// Who records it.
    pub opened_by: String,
    /// The accepted decision it answers.
    pub decision: Option<i64>,
    /// Its people.
    pub actors: Vec<CaseActor>,
}

/// A stored person on a case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredActor {
    /// Name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Power code.
    pub power: String,
    /// E-mail, if given (left out of JSON when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The day they joined the case, when after its opening (left out of JSON when absent:
    /// named at the opening, or recorded before such days were kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The day they left the case, if they have (left out of JSON when absent): not on it
    /// from that day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left: Option<String>,
}

impl StoredActor {
    /// Whether they are on the case on `day` (YYYY-MM-DD): from their first day (the
    /// case's start when none is kept) until the day they left. A review of a day, a
    /// power on it and a reminder for it see only the people on the case that day.
    pub fn on_case(&self, day: &str) -> bool {
        self.from.as_deref().is_none_or(|f| f <= day) && self.left.as_deref().is_none_or(|l| l > day)
    }

    /// The place as the domain's [`failwell_domain::casework::power_of`] reads it: (name,
    /// e-mail, power); `None` for a power the domain does not know.
    pub fn place(&self) -> Option<(&str, Option<&str>, failwell_domain::casework::Power)> {
        Some((self.name.as_str(), self.email.as_deref(), self.power.parse().ok()?))
    }
}

/// A stored move on the ladder (the opening is the first, with no `from_rung`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredStep {
    /// Its id.
    pub id: i64,
    /// The day.
    pub on: String,
    /// The rung left (none for the opening).
    pub from_rung: Option<String>,
    /// The rung moved to.
    pub to_rung: String,
    /// The regime actor who took it.
    pub by: String,
    /// Why.
    pub reason: String,
    /// Why a jump of more than one rung was needed.
    pub jump_reason: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was recorded (RFC 3339).
    pub recorded_at: String,
}

/// A stored obligation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredObligation {
    /// Its id.
    pub id: i64,
    /// The intervention.
    pub intervention: i64,
    /// The rung whose clock it comes from.
    pub rung: String,
    /// The clock.
    pub clock: String,
    /// What is due.
    pub name: String,
    /// When (ISO).
    pub due: String,
    /// Whether the guidance's time is rough.
    pub approximate: bool,
    /// Counted from entry for want of a report day.
    pub counted_from_entry: bool,
    /// When it was met.
    pub met_on: Option<String>,
    /// Who recorded it met.
    pub met_by: Option<String>,
    /// When it lapsed (the case moved on or closed first).
    pub lapsed_on: Option<String>,
    /// How many times its deadline was extended.
    pub extensions: i64,
    /// Its due day before any extension (`None`: never extended).
    pub first_due: Option<String>,
}

impl StoredObligation {
    /// Where the obligation stands on `today` (`None` when its stored due day does not
    /// read as a date: a store edited by hand).
    pub fn status_on(&self, today: time::Date) -> Option<failwell_domain::casework::DueStatus> {
        let day = |s: &Option<String>| s.as_deref().and_then(|d| failwell_domain::dates::parse_date(d).ok());
        let due = failwell_domain::dates::parse_date(&self.due).ok()?;
        Some(failwell_domain::casework::DueStatus::on(due, day(&self.met_on), day(&self.lapsed_on), today))
    }
}

/// A stored intervention with everything about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredIntervention {
    /// Its id.
    pub id: i64,
    /// Organisation codes.
    pub organisations: Vec<String>,
    /// Sector.
    pub sector: String,
    /// Ladder.
    pub ladder: String,
    /// The rung it stands on now.
    pub rung: String,
    /// Legal basis of the rung it opened on: statutory or by agreement.
    pub statutory: bool,
    /// Who applied it.
    pub applied_by: String,
    /// Start (ISO).
    pub start_on: String,
    /// Planned end (ISO).
    pub planned_end: Option<String>,
    /// Triggering report's day (ISO).
    pub report_published: Option<String>,
    /// Actual end (ISO): set when closed.
    pub ended_on: Option<String>,
    /// Why it opened.
    pub reason: String,
    /// Who opened it.
    pub opened_by: String,
    /// The accepted decision it answers.
    pub decision: Option<i64>,
    /// The lessons recorded at closing.
    pub lessons: Option<serde_json::Value>,
    /// When it was recorded.
    pub created_at: String,
    /// Its people.
    pub actors: Vec<StoredActor>,
    /// Its moves, opening first.
    pub steps: Vec<StoredStep>,
    /// Its obligations, by due day.
    pub obligations: Vec<StoredObligation>,
}

impl StoredIntervention {
    /// `open` or `closed`.
    pub fn status(&self) -> &'static str {
        if self.ended_on.is_some() { "closed" } else { "open" }
    }

    /// The day of its last move (opening or step).
    pub fn last_move(&self) -> &str {
        self.steps.last().map_or(self.start_on.as_str(), |s| s.on.as_str())
    }
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// Its id.
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who asked.
    pub who: String,
    /// What was asked (`open intervention`, `step`, `close`, `meet obligation`).
    pub action: String,
    /// What it was about (`intervention 3`, an organisation code).
    pub subject: String,
    /// `done` or `refused`.
    pub outcome: String,
    /// The detail, or the reason for the refusal.
    pub detail: String,
    /// The web request that asked, when one did (`x-request-id`).
    pub request_id: Option<String>,
}

/// A move asked of the store, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditNote<'a> {
    /// Who asked.
    pub who: &'a str,
    /// What was asked.
    pub action: &'a str,
    /// What about.
    pub subject: &'a str,
    /// Detail or reason.
    pub detail: &'a str,
}

pub(crate) fn iso(d: time::Date) -> String {
    failwell_domain::dates::iso(d)
}

pub(crate) async fn begin(store: &Store) -> Result<Transaction<'static, Any>, StoreError> {
    let mut tx = match store.backend {
        Backend::Sqlite => store.pool.begin_with("begin immediate").await?,
        Backend::Postgres => store.pool.begin().await?,
    };
    // One casework move at a time, as SQLite's write lock gives, so the checks a move
    // makes (no second open case on a rung, still on the rung checked) hold when it writes.
    if store.backend == Backend::Postgres {
        sqlx::query("select pg_advisory_xact_lock(7016493851240135042)").execute(&mut *tx).await?;
    }
    Ok(tx)
}

pub(crate) async fn audit(
    tx: &mut Transaction<'static, Any>,
    note: &AuditNote<'_>,
    outcome: &str,
) -> Result<(), StoreError> {
    audit_request(tx, note, outcome, None).await
}

/// As [`audit`], with the id of the web request that made the write (`None` from the
/// command line).
pub(crate) async fn audit_request(
    tx: &mut Transaction<'static, Any>,
    note: &AuditNote<'_>,
    outcome: &str,
    request_id: Option<&str>,
) -> Result<(), StoreError> {
    insert_audit(&mut **tx, note, outcome, request_id).await
}

/// The audit log's one insert, in a transaction or on its own.
pub(crate) async fn insert_audit<'e, E: sqlx::Executor<'e, Database = Any>>(
    executor: E,
    note: &AuditNote<'_>,
    outcome: &str,
    request_id: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "insert into audit_log (at, who, action, subject, outcome, detail, request_id) values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(crate::import::now())
    .bind(note.who)
    .bind(note.action)
    .bind(note.subject)
    .bind(outcome)
    .bind(note.detail)
    .bind(request_id)
    .execute(executor)
    .await?;
    Ok(())
}

async fn insert_obligations(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    obligations: &[Obligation],
) -> Result<(), StoreError> {
    for o in obligations {
        sqlx::query(
            "insert into obligation (intervention_id, rung, clock, name, due, approximate, counted_from_entry)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(&o.rung)
        .bind(&o.clock)
        .bind(&o.name)
        .bind(iso(o.due))
        .bind(i64::from(o.approximate))
        .bind(i64::from(o.counted_from_entry))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Refuses an intervention that does not exist (open or closed: meetings, check-ins and
/// exit criteria go on after the exit).
pub(crate) async fn known_case(tx: &mut Transaction<'static, Any>, id: i64) -> Result<(), StoreError> {
    let known: Option<i64> =
        sqlx::query_scalar("select id from intervention where id = $1").bind(id).fetch_optional(&mut **tx).await?;
    if known.is_none() {
        return Err(CaseworkRefusal::NoSuchIntervention(id).into());
    }
    Ok(())
}

/// Refuses a part of case `id` (a person, a theme, an action, a criterion) that would
/// take part from before the case started: a review of that day would show it on a case
/// that did not yet exist.
pub(crate) async fn part_from(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    what: &'static str,
    from: Date,
) -> Result<(), StoreError> {
    let start: String =
        sqlx::query_scalar("select start_on from intervention where id = $1").bind(id).fetch_one(&mut **tx).await?;
    let start = failwell_domain::dates::parse_date(&start).map_err(|e| StoreError::Corrupt {
        kind: "intervention",
        key: id.to_string(),
        reason: e.to_string(),
    })?;
    if from < start {
        return Err(CaseworkRefusal::EndBeforeStart { what, start, end: from }.into());
    }
    Ok(())
}

/// The open case's rung and last move, or why it cannot move.
pub(crate) async fn open_case(tx: &mut Transaction<'static, Any>, id: i64) -> Result<(String, String), StoreError> {
    let row = sqlx::query(
        "select i.rung, i.ended_on, coalesce((select max(on_date) from intervention_step s where s.intervention_id = i.id), i.start_on)
         from intervention i where i.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Err(CaseworkRefusal::NoSuchIntervention(id).into()) };
    if row.try_get::<Option<String>, _>(1)?.is_some() {
        return Err(CaseworkRefusal::Closed(id).into());
    }
    Ok((row.try_get(0)?, row.try_get(2)?))
}

/// The select of a case's people, in the columns [`actor_row`] reads.
macro_rules! actor_columns {
    () => {
        "select intervention_id, name, role, power, email, from_on, left_on from intervention_actor"
    };
}

/// A case's person as stored: (intervention, person) from a row of `actor_columns!`.
fn actor_row(a: &sqlx::any::AnyRow) -> Result<(i64, StoredActor), StoreError> {
    let actor = StoredActor {
        name: a.try_get(1)?,
        role: a.try_get(2)?,
        power: a.try_get(3)?,
        email: a.try_get(4)?,
        from: a.try_get(5)?,
        left: a.try_get(6)?,
    };
    Ok((a.try_get(0)?, actor))
}

const INTERVENTION_COLUMNS: &str = "id, sector, ladder, rung, statutory, applied_by, start_on, planned_end,
    report_published, ended_on, reason, opened_by, decision_id, lessons, created_at from intervention";

impl Store {
    /// Records a refused casework move in the audit log (the move itself wrote nothing).
    pub async fn record_refusal(&self, note: &AuditNote<'_>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        audit(&mut tx, note, "refused").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens an intervention with its obligations, and returns its id.
    ///
    /// # Errors
    /// [`StoreError::Refused`] for an unknown organisation, a second open intervention of
    /// the same rung on one of the organisations, or a decision that is not an accepted
    /// one on any of them; nothing is written then.
    pub async fn open_intervention(
        &self,
        rec: &InterventionRecord,
        obligations: &[Obligation],
        note: &AuditNote<'_>,
    ) -> Result<i64, StoreError> {
        let mut tx = begin(self).await?;
        for code in &rec.organisations {
            let known: Option<i64> = sqlx::query_scalar("select id from organisation where code = $1")
                .bind(code)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(CaseworkRefusal::UnknownOrganisation(code.clone()).into());
            }
            let open: Option<i64> = sqlx::query_scalar(
                "select i.id from intervention i join intervention_organisation o on o.intervention_id = i.id
                 where o.organisation = $1 and i.rung = $2 and i.ended_on is null order by i.id limit 1",
            )
            .bind(code)
            .bind(&rec.rung)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = open {
                return Err(
                    CaseworkRefusal::AlreadyOpen { organisation: code.clone(), rung: rec.rung.clone(), id }.into()
                );
            }
        }
        if let Some(d) = rec.decision {
            let org: Option<String> =
                sqlx::query_scalar("select organisation from decision where id = $1 and decision = 'accepted'")
                    .bind(d)
                    .fetch_optional(&mut *tx)
                    .await?;
            if !org.is_some_and(|o| rec.organisations.contains(&o)) {
                return Err(CaseworkRefusal::DecisionDoesNotFit(d).into());
            }
        }
        let id: i64 = sqlx::query_scalar(
            "insert into intervention (sector, ladder, rung, statutory, applied_by, start_on, planned_end,
                report_published, reason, opened_by, decision_id, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id",
        )
        .bind(&rec.sector)
        .bind(&rec.ladder)
        .bind(&rec.rung)
        .bind(i64::from(rec.statutory))
        .bind(&rec.applied_by)
        .bind(&rec.start_on)
        .bind(&rec.planned_end)
        .bind(&rec.report_published)
        .bind(&rec.reason)
        .bind(&rec.opened_by)
        .bind(rec.decision)
        .bind(crate::import::now())
        .fetch_one(&mut *tx)
        .await?;
        for code in &rec.organisations {
            sqlx::query("insert into intervention_organisation (intervention_id, organisation) values ($1, $2)")
                .bind(id)
                .bind(code)
                .execute(&mut *tx)
                .await?;
        }
        for (position, a) in rec.actors.iter().enumerate() {
            sqlx::query(
                "insert into intervention_actor (intervention_id, position, name, role, power, email)
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(position as i64)
            .bind(&a.name)
            .bind(a.role.as_str())
            .bind(a.power.as_str())
            .bind(&a.email)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "insert into intervention_step (intervention_id, on_date, from_rung, to_rung, by_actor, reason, recorded_by, recorded_at)
             values ($1, $2, null, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(&rec.start_on)
        .bind(&rec.rung)
        .bind(&rec.applied_by)
        .bind(&rec.reason)
        .bind(&rec.opened_by)
        .bind(crate::import::now())
        .execute(&mut *tx)
        .await?;
        insert_obligations(&mut tx, id, obligations).await?;
        let subject = format!("intervention {id}");
        audit(&mut tx, &AuditNote { subject: &subject, ..*note }, "done").await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The rung an open intervention stands on and the day of its last move, for checking
    /// a step or a closing against the regime.
    ///
    /// # Errors
    /// [`StoreError::Refused`] when there is no such intervention or it is closed.
    pub async fn open_intervention_state(&self, id: i64) -> Result<(String, String), StoreError> {
        let mut tx = self.pool.begin().await?;
        let state = open_case(&mut tx, id).await;
        tx.rollback().await?;
        state
    }

    /// Records a step from rung `from` (as checked) to `step.to_rung`: the unmet
    /// obligations of the rung left lapse on the step's day, and the new rung's are laid out.
    ///
    /// # Errors
    /// [`StoreError::Refused`] when the case closed or moved since it was checked.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_step(
        &self,
        id: i64,
        from: &str,
        to: &str,
        on: time::Date,
        by: &str,
        reason: &str,
        jump_reason: Option<&str>,
        obligations: &[Obligation],
        note: &AuditNote<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin(self).await?;
        let (rung, _) = open_case(&mut tx, id).await?;
        if rung != from {
            return Err(CaseworkRefusal::SameRung(rung).into());
        }
        sqlx::query(
            "insert into intervention_step (intervention_id, on_date, from_rung, to_rung, by_actor, reason, jump_reason, recorded_by, recorded_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(iso(on))
        .bind(from)
        .bind(to)
        .bind(by)
        .bind(reason)
        .bind(jump_reason)
        .bind(note.who)
        .bind(crate::import::now())
        .execute(&mut *tx)
        .await?;
        sqlx::query("update intervention set rung = $2 where id = $1").bind(id).bind(to).execute(&mut *tx).await?;
        sqlx::query(
            "update obligation set lapsed_on = $2 where intervention_id = $1 and met_on is null and lapsed_on is null",
        )
        .bind(id)
        .bind(iso(on))
        .execute(&mut *tx)
        .await?;
        insert_obligations(&mut tx, id, obligations).await?;
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes an intervention on `end` with its lessons; obligations not met by then lapse.
    ///
    /// # Errors
    /// [`StoreError::Refused`] when there is no such intervention or it is closed.
    pub async fn close_intervention(
        &self,
        id: i64,
        end: time::Date,
        lessons: &Lessons,
        note: &AuditNote<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin(self).await?;
        open_case(&mut tx, id).await?;
        let lessons = serde_json::to_string(lessons).expect("lessons serialise");
        sqlx::query("update intervention set ended_on = $2, lessons = $3 where id = $1")
            .bind(id)
            .bind(iso(end))
            .bind(lessons)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "update obligation set lapsed_on = $2 where intervention_id = $1 and met_on is null and lapsed_on is null",
        )
        .bind(id)
        .bind(iso(end))
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a person to an open intervention, after its people at opening, taking part
    /// from `from`.
    ///
    /// # Errors
    /// [`StoreError::Refused`] when the intervention is unknown or closed, `from` is before
    /// its start, or the person already takes part in it in the same role.
    pub async fn add_actor(
        &self,
        id: i64,
        actor: &CaseActor,
        from: Date,
        note: &AuditNote<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin(self).await?;
        open_case(&mut tx, id).await?;
        part_from(&mut tx, id, "person's first day", from).await?;
        let same: Option<String> = sqlx::query_scalar(
            "select role from intervention_actor
             where intervention_id = $1 and lower(name) = lower($2) and role = $3 and left_on is null",
        )
        .bind(id)
        .bind(&actor.name)
        .bind(actor.role.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(role) = same {
            return Err(CaseworkRefusal::PersonTwice { intervention: id, name: actor.name.clone(), role }.into());
        }
        let position: i64 = sqlx::query_scalar(
            "select coalesce(max(position) + 1, 0) from intervention_actor where intervention_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "insert into intervention_actor (intervention_id, position, name, role, power, email, from_on)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(position)
        .bind(&actor.name)
        .bind(actor.role.as_str())
        .bind(actor.power.as_str())
        .bind(&actor.email)
        .bind(iso(from))
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that `name`, on open case `id` as `role`, left it on `on`. The person's row
    /// stays (who served, and when, is part of the record); from `on` they are not on
    /// the case ([`StoredActor::on_case`]).
    ///
    /// # Errors
    /// [`StoreError::Refused`] when the case is unknown or closed,
    /// nobody of that name is on it in that role (or they have left already), or `on` is
    /// before their first day on it.
    pub async fn leave_actor(
        &self,
        id: i64,
        name: &str,
        role: &str,
        on: Date,
        note: &AuditNote<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin(self).await?;
        open_case(&mut tx, id).await?;
        let row = sqlx::query(
            "select p.position, coalesce(p.from_on, i.start_on) from intervention_actor p
             join intervention i on i.id = p.intervention_id
             where p.intervention_id = $1 and lower(p.name) = lower($2) and p.role = $3 and p.left_on is null",
        )
        .bind(id)
        .bind(name.trim())
        .bind(role)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            let name = Some(format!("{} ({})", name.trim(), role.replace('_', " ")));
            return Err(CaseworkRefusal::NotInCase { what: "person", id: 0, name, intervention: id }.into());
        };
        let position: i64 = row.try_get(0)?;
        let from: String = row.try_get(1)?;
        let start = failwell_domain::dates::parse_date(&from).map_err(|e| StoreError::Corrupt {
            kind: "intervention_actor",
            key: format!("{id}/{position}"),
            reason: e.to_string(),
        })?;
        if on < start {
            return Err(CaseworkRefusal::EndBeforeStart { what: "day they left", start, end: on }.into());
        }
        sqlx::query("update intervention_actor set left_on = $3 where intervention_id = $1 and position = $2")
            .bind(id)
            .bind(position)
            .bind(iso(on))
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records an obligation met on `on` by `note.who`.
    ///
    /// # Errors
    /// [`StoreError::Refused`] when the obligation is not the intervention's, or is
    /// already met or lapsed.
    pub async fn meet_obligation(
        &self,
        intervention: i64,
        obligation: i64,
        on: time::Date,
        note: &AuditNote<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin(self).await?;
        let done = sqlx::query(
            "update obligation set met_on = $3, met_by = $4
             where id = $2 and intervention_id = $1 and met_on is null and lapsed_on is null",
        )
        .bind(intervention)
        .bind(obligation)
        .bind(iso(on))
        .bind(note.who)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            let state: Option<(Option<String>, Option<String>)> =
                sqlx::query_as("select met_on, lapsed_on from obligation where id = $1 and intervention_id = $2")
                    .bind(obligation)
                    .bind(intervention)
                    .fetch_optional(&mut *tx)
                    .await?;
            return Err(match state {
                Some((Some(met), _)) => CaseworkRefusal::ObligationSettled { obligation, how: format!("met on {met}") },
                Some((None, Some(lapsed))) => {
                    CaseworkRefusal::ObligationSettled { obligation, how: format!("lapsed on {lapsed}") }
                }
                _ => CaseworkRefusal::NoSuchObligation { intervention, obligation },
            }
            .into());
        }
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves an open obligation's due day to `due`, as its `used + 1`th extension (the
    /// count checked against the regime by the caller must still hold).
    ///
    /// # Errors
    /// [`StoreError::Refused`] when the case is closed, or the obligation is not the
    /// case's, is settled, or was extended meanwhile.
    pub async fn extend_obligation(
        &self,
        intervention: i64,
        obligation: i64,
        used: i64,
        due: time::Date,
        note: &AuditNote<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin(self).await?;
        open_case(&mut tx, intervention).await?;
        let done = sqlx::query(
            "update obligation set first_due = coalesce(first_due, due), due = $4, extensions = extensions + 1
             where id = $2 and intervention_id = $1 and extensions = $3 and met_on is null and lapsed_on is null",
        )
        .bind(intervention)
        .bind(obligation)
        .bind(used)
        .bind(iso(due))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(CaseworkRefusal::NoSuchObligation { intervention, obligation }.into());
        }
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(())
    }

    /// One intervention with its people, steps and obligations.
    pub async fn intervention(&self, id: i64) -> Result<Option<StoredIntervention>, StoreError> {
        Ok(self.load_interventions(Some(id), None).await?.pop())
    }

    /// Every intervention, or those covering one organisation, oldest first.
    pub async fn interventions(&self, organisation: Option<&str>) -> Result<Vec<StoredIntervention>, StoreError> {
        self.load_interventions(None, organisation).await
    }

    /// The interventions open on `day` (started on or before it, not ended by it), each
    /// whole: what a scan asks for, without reading every closed case's people and steps.
    pub async fn interventions_open_on(&self, day: time::Date) -> Result<Vec<StoredIntervention>, StoreError> {
        self.load_matching(
            "where start_on <= $1 and (ended_on is null or ended_on > $1)",
            &failwell_domain::dates::iso(day),
        )
        .await
    }

    async fn load_interventions(
        &self,
        id: Option<i64>,
        organisation: Option<&str>,
    ) -> Result<Vec<StoredIntervention>, StoreError> {
        match (id, organisation) {
            (Some(id), _) => self.load_matching("where id = $1", &id).await,
            (None, Some(code)) => {
                self.load_matching(
                    "where id in (select intervention_id from intervention_organisation where organisation = $1)",
                    &code.to_string(),
                )
                .await
            }
            (None, None) => self.load_matching("where id >= $1", &0_i64).await,
        }
    }

    /// The people of intervention `id`, in the order they were named (those who have left
    /// included): one query, for a move that only needs to know who is on the case.
    pub async fn people(&self, id: i64) -> Result<Vec<StoredActor>, StoreError> {
        let rows = sqlx::query(concat!(actor_columns!(), " where intervention_id = $1 order by position"))
            .bind(id)
            .fetch_all(self.reads())
            .await?;
        rows.iter().map(|r| Ok(actor_row(r)?.1)).collect()
    }

    /// The interventions `filter` (a `where` clause on `intervention` with one parameter,
    /// `$1` = `value`) selects, oldest first, each with its organisations, people, steps and
    /// obligations.
    ///
    /// Five queries whatever the number of cases (each part read for every selected case at
    /// once), not five a case: an organisation page reads its cases several times, and on
    /// PostgreSQL each query is a round trip.
    async fn load_matching<V>(&self, filter: &str, value: &V) -> Result<Vec<StoredIntervention>, StoreError>
    where
        V: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Clone + Send + Sync + 'static,
    {
        let selected = format!("intervention_id in (select id from intervention {filter})");
        let read = |sql: String| {
            let value = value.clone();
            async move { sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value).fetch_all(self.reads()).await }
        };
        let rows = read(format!("select {INTERVENTION_COLUMNS} {filter} order by id")).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut organisations: HashMap<i64, Vec<String>> = HashMap::new();
        for r in read(format!(
            "select intervention_id, organisation from intervention_organisation where {selected}
             order by intervention_id, organisation"
        ))
        .await?
        {
            organisations.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
        }
        let mut actors: HashMap<i64, Vec<StoredActor>> = HashMap::new();
        for a in read(format!("{} where {selected} order by intervention_id, position", actor_columns!())).await? {
            let (id, actor) = actor_row(&a)?;
            actors.entry(id).or_default().push(actor);
        }
        let mut steps: HashMap<i64, Vec<StoredStep>> = HashMap::new();
        for s in read(format!(
            "select intervention_id, id, on_date, from_rung, to_rung, by_actor, reason, jump_reason, recorded_by, recorded_at
             from intervention_step where {selected} order by intervention_id, id"
        ))
        .await?
        {
            let step = StoredStep {
                id: s.try_get(1)?,
                on: s.try_get(2)?,
                from_rung: s.try_get(3)?,
                to_rung: s.try_get(4)?,
                by: s.try_get(5)?,
                reason: s.try_get(6)?,
                jump_reason: s.try_get(7)?,
                recorded_by: s.try_get(8)?,
                recorded_at: s.try_get(9)?,
            };
            steps.entry(s.try_get(0)?).or_default().push(step);
        }
        let mut obligations: HashMap<i64, Vec<StoredObligation>> = HashMap::new();
        for o in self.obligations_where(&selected, value).await? {
            obligations.entry(o.intervention).or_default().push(o);
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.try_get(0)?;
            let lessons: Option<String> = r.try_get(13)?;
            out.push(StoredIntervention {
                id,
                sector: r.try_get(1)?,
                ladder: r.try_get(2)?,
                rung: r.try_get(3)?,
                statutory: r.try_get::<i64, _>(4)? != 0,
                applied_by: r.try_get(5)?,
                start_on: r.try_get(6)?,
                planned_end: r.try_get(7)?,
                report_published: r.try_get(8)?,
                ended_on: r.try_get(9)?,
                reason: r.try_get(10)?,
                opened_by: r.try_get(11)?,
                decision: r.try_get(12)?,
                lessons: lessons.and_then(|l| serde_json::from_str(&l).ok()),
                created_at: r.try_get(14)?,
                organisations: organisations.remove(&id).unwrap_or_default(),
                actors: actors.remove(&id).unwrap_or_default(),
                steps: steps.remove(&id).unwrap_or_default(),
                obligations: obligations.remove(&id).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// The obligations `filter` (with one parameter, `$1` = `value`) selects, by due day.
    async fn obligations_where<V>(&self, filter: &str, value: &V) -> Result<Vec<StoredObligation>, StoreError>
    where
        V: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Clone + Send + Sync + 'static,
    {
        let sql = format!(
            "select id, intervention_id, rung, clock, name, due, approximate, counted_from_entry, met_on, met_by, lapsed_on,
                    extensions, first_due
             from obligation where {filter} order by due, id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value.clone())
            .fetch_all(self.reads())
            .await?
            .iter()
            .map(|o| {
                Ok(StoredObligation {
                    id: o.try_get(0)?,
                    intervention: o.try_get(1)?,
                    rung: o.try_get(2)?,
                    clock: o.try_get(3)?,
                    name: o.try_get(4)?,
                    due: o.try_get(5)?,
                    approximate: o.try_get::<i64, _>(6)? != 0,
                    counted_from_entry: o.try_get::<i64, _>(7)? != 0,
                    met_on: o.try_get(8)?,
                    met_by: o.try_get(9)?,
                    lapsed_on: o.try_get(10)?,
                    extensions: o.try_get(11)?,
                    first_due: o.try_get(12)?,
                })
            })
            .collect()
    }

    /// The audit log, newest first, at most `limit` entries.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        self.audit_search(&crate::AuditFilter { limit, ..Default::default() }).await
    }
}
