//! Casework moves run against the store: each is checked against the regime (the
//! domain's rules), then against the stored facts (the store's checks), and written in one
//! transaction with its audit entry. A refusal from either writes nothing but the audit
//! log's record of it, with the reason.
//!
//! The journey ([`journey`]) joins an organisation's designations, failing judgements and
//! cases (its predecessors' too) into spells of intervention and counts its relapses.

pub mod board;
pub mod criteria;
pub mod journey;
pub mod plan;
pub mod reminders;

use failwell_domain::casework::{
    self, CaseActor, CaseMove, CaseRole, CaseworkRefusal, Lessons, NewIntervention, NewStep, Power, check_closing,
    check_opening, check_power, check_step,
};
use failwell_domain::dates::{iso, parse_date};
use failwell_domain::regime::Regime;
use failwell_store::{AuditNote, InterventionRecord, Store, StoreError, StoredActor};
use time::Date;

/// Why a casework move did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CaseworkError {
    /// The regime or the stored facts refuse it (recorded in the audit log).
    #[error("refused: {0}")]
    Refused(CaseworkRefusal),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for CaseworkError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Refused(r) => CaseworkError::Refused(r),
            e => CaseworkError::Store(e),
        }
    }
}

/// Runs `write`; a refusal (from the rules or from the store) is recorded in the audit
/// log under `note` before it is returned.
pub(crate) async fn audited<T>(
    store: &Store,
    note: AuditNote<'_>,
    write: impl std::future::Future<Output = Result<T, CaseworkError>>,
) -> Result<T, CaseworkError> {
    match write.await {
        Err(CaseworkError::Refused(r)) => {
            let detail = r.to_string();
            store.record_refusal(&AuditNote { detail: &detail, ..note }).await?;
            Err(CaseworkError::Refused(r))
        }
        other => other,
    }
}

/// Holds `by` to their power on case `id` (whose people are `people`) for `m` when the
/// case names them (by name, any case) on `day`: a person on the case makes only the
/// moves their power reaches, whoever types them in, at the command line as on the web.
/// Someone the case does not name (a caseworker, the operator, a web user by their user
/// name) acts by a role the caller has checked.
///
/// # Errors
/// [`CaseworkRefusal::PowerTooWeak`] when their power falls short.
pub(crate) fn hold_to_power(
    id: i64,
    people: &[StoredActor],
    by: &str,
    day: Date,
    m: CaseMove,
) -> Result<(), CaseworkError> {
    let who = by.trim().to_lowercase();
    match power_held(people, day, |name| name.trim().to_lowercase() == who) {
        None => Ok(()),
        Some(held) => check_power(id, by.trim(), Some(held), m.needs(), m.what()).map_err(CaseworkError::Refused),
    }
}

/// The greatest power a person `is_them` picks out holds among `people` on `day` (`None`:
/// not on the case that day, having left or not yet joined).
fn power_held(people: &[StoredActor], day: Date, is_them: impl Fn(&str) -> bool) -> Option<Power> {
    let day = iso(day);
    people.iter().filter(|a| is_them(&a.name) && a.on_case(&day)).filter_map(|a| a.power.parse().ok()).max()
}

/// [`hold_to_power`] on case `id`'s people as stored (one query; none for an unknown
/// case, which the move itself refuses).
pub(crate) async fn held_to_power(
    store: &Store,
    id: i64,
    by: &str,
    day: Date,
    m: CaseMove,
) -> Result<(), CaseworkError> {
    hold_to_power(id, &store.people(id).await?, by, day, m)
}

fn stored_date(s: &str) -> Result<Date, CaseworkError> {
    parse_date(s).map_err(|e| {
        CaseworkError::Store(StoreError::Corrupt { kind: "intervention", key: s.into(), reason: e.to_string() })
    })
}

/// Refuses a record of something done dated after today (UTC, with a day's grace for
/// time zones ahead of it): a step, a closing, an obligation met, progress, a board
/// meeting, a criterion judged, a check-in held. An opening may be dated ahead (an
/// intervention announced before it starts), as may what is planned (an action's due
/// day, a check-in scheduled).
pub(crate) fn happened(what: &'static str, on: Date) -> Result<(), CaseworkError> {
    let today = time::OffsetDateTime::now_utc().date();
    if failwell_domain::dates::is_ahead_of(on, today) {
        return Err(CaseworkError::Refused(CaseworkRefusal::InFuture { what, on, today }));
    }
    Ok(())
}

/// Opens an intervention: checked against the regime, its rung's clocks laid out as
/// obligations from its start (or the report's day), stored with its opening step.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log).
pub async fn open(store: &Store, regime: &Regime, new: &NewIntervention) -> Result<i64, CaseworkError> {
    let subject = new.organisations.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
    let detail = format!("{} by {} from {}: {}", new.rung, new.applied_by, iso(new.start), new.reason);
    let note = AuditNote { who: &new.opened_by, action: "open intervention", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        let opening = check_opening(regime, new).map_err(CaseworkError::Refused)?;
        let obligations = casework::obligations(opening.rung, new.start, new.report_published, new.planned_end);
        let record = InterventionRecord {
            organisations: new.organisations.iter().map(|c| c.to_string()).collect(),
            sector: new.sector.clone(),
            ladder: opening.ladder.id.clone(),
            rung: opening.rung.id.clone(),
            statutory: opening.rung.statutory,
            applied_by: new.applied_by.clone(),
            start_on: iso(new.start),
            planned_end: new.planned_end.map(iso),
            report_published: new.report_published.map(iso),
            reason: new.reason.clone(),
            opened_by: new.opened_by.clone(),
            decision: new.decision,
            actors: new.actors.clone(),
        };
        Ok(store.open_intervention(&record, &obligations, &note).await?)
    })
    .await
}

/// Moves an open intervention up or down its ladder: checked against the regime (the
/// actor's entitlement, a jump's own reason), the unmet obligations of the rung left lapse
/// and the new rung's are laid out from the step's day.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log).
pub async fn step(store: &Store, regime: &Regime, id: i64, step: &NewStep) -> Result<(), CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!("to {} by {} on {}: {}", step.to_rung, step.by, iso(step.on), step.reason);
    let note = AuditNote { who: &step.recorded_by, action: "step", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        let case =
            store.intervention(id).await?.ok_or(CaseworkError::Refused(CaseworkRefusal::NoSuchIntervention(id)))?;
        if case.ended_on.is_some() {
            return Err(CaseworkError::Refused(CaseworkRefusal::Closed(id)));
        }
        let ladder = regime.ladder(&case.ladder).ok_or_else(|| {
            CaseworkError::Refused(CaseworkRefusal::NoLadder { sector: case.sector.clone(), on: step.on })
        })?;
        let last = stored_date(case.last_move())?;
        happened("step", step.on)?;
        let to = check_step(regime, ladder, &case.rung, last, step).map_err(CaseworkError::Refused)?;
        if let Some(person) = &step.person {
            // Named by name on the command line (a place's e-mail is for reminders and reach).
            // Their place on the case that day: one who had left (or not yet joined) has none.
            let held = power_held(&case.actors, step.on, |name| name == person);
            let m = CaseMove::Step;
            check_power(id, person, held, m.needs(), m.what()).map_err(CaseworkError::Refused)?;
        }
        let planned_end = case.planned_end.as_deref().map(stored_date).transpose()?;
        let obligations = casework::obligations(to, step.on, None, planned_end);
        store
            .record_step(
                id,
                &case.rung,
                &to.id,
                step.on,
                &step.by,
                &step.reason,
                step.jump_reason.as_deref(),
                &obligations,
                &note,
            )
            .await?;
        Ok(())
    })
    .await
}

/// Closes an open intervention on `end`, with its lessons.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log).
pub async fn close(store: &Store, id: i64, end: Date, lessons: &Lessons, by: &str) -> Result<(), CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!("closed on {} ({} exit)", iso(end), lessons.exit);
    let note = AuditNote { who: by, action: "close", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        let (_, last) = store.open_intervention_state(id).await?;
        let case =
            store.intervention(id).await?.ok_or(CaseworkError::Refused(CaseworkRefusal::NoSuchIntervention(id)))?;
        if by.trim().is_empty() {
            return Err(CaseworkError::Refused(CaseworkRefusal::Blank("name of who records it")));
        }
        hold_to_power(id, &case.actors, by, end, CaseMove::Close)?;
        happened("closing", end)?;
        check_closing(stored_date(&case.start_on)?, stored_date(&last)?, end, lessons)
            .map_err(CaseworkError::Refused)?;
        store.close_intervention(id, end, lessons, &note).await?;
        Ok(())
    })
    .await
}

/// Extends an obligation's deadline as far as its clock allows (the regime's
/// `extendable_by`, at most `max_extensions` times), with a reason.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log): a clock with no
/// extension, every extension used, a settled obligation, a closed case.
pub async fn extend(
    store: &Store,
    regime: &Regime,
    id: i64,
    obligation: i64,
    reason: &str,
    by: &str,
) -> Result<Date, CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!("obligation {obligation} extended: {reason}");
    let note = AuditNote { who: by, action: "extend deadline", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        if reason.trim().is_empty() || by.trim().is_empty() {
            return Err(CaseworkError::Refused(CaseworkRefusal::Blank("reason and name of who records it")));
        }
        let case =
            store.intervention(id).await?.ok_or(CaseworkError::Refused(CaseworkRefusal::NoSuchIntervention(id)))?;
        hold_to_power(id, &case.actors, by, time::OffsetDateTime::now_utc().date(), CaseMove::Extend)?;
        let o = case
            .obligations
            .iter()
            .find(|o| o.id == obligation)
            .ok_or(CaseworkError::Refused(CaseworkRefusal::NoSuchObligation { intervention: id, obligation }))?;
        if o.met_on.is_some() || o.lapsed_on.is_some() {
            let how = o.met_on.as_ref().map_or_else(
                || format!("lapsed on {}", o.lapsed_on.clone().unwrap_or_default()),
                |m| format!("met on {m}"),
            );
            return Err(CaseworkError::Refused(CaseworkRefusal::ObligationSettled { obligation, how }));
        }
        let rung = regime.rung(&case.ladder, &o.rung).ok_or_else(|| {
            CaseworkError::Refused(CaseworkRefusal::NotExtendable { rung: o.rung.clone(), clock: o.clock.clone() })
        })?;
        let used = u32::try_from(o.extensions).unwrap_or(u32::MAX);
        let due =
            casework::check_extension(rung, &o.clock, stored_date(&o.due)?, used).map_err(CaseworkError::Refused)?;
        store.extend_obligation(id, obligation, o.extensions, due, &note).await?;
        Ok(due)
    })
    .await
}

/// Records an obligation of an intervention met on `on`.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log).
pub async fn meet(store: &Store, id: i64, obligation: i64, on: Date, by: &str) -> Result<(), CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!("obligation {obligation} met on {}", iso(on));
    let note = AuditNote { who: by, action: "meet obligation", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        if by.trim().is_empty() {
            return Err(CaseworkError::Refused(CaseworkRefusal::Blank("name of who records it")));
        }
        happened("obligation met", on)?;
        held_to_power(store, id, by, on, CaseMove::Meet).await?;
        Ok(store.meet_obligation(id, obligation, on, &note).await?)
    })
    .await
}

/// Adds a person to an open intervention (a new board member, a commissioner appointed
/// later, a partner found): named, with a role and a power, and an e-mail address when
/// reminders and their reach (board members and peer reviewers see the cases that name
/// them) should follow it. They are on the case from `from`: a review of an earlier day
/// does not list them.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log): a blank name, an
/// unknown or closed case, a `from` before its start, the same person in the same role
/// twice.
pub async fn add_person(store: &Store, id: i64, person: &CaseActor, from: Date, by: &str) -> Result<(), CaseworkError> {
    let subject = format!("intervention {id}");
    let email = person.email.as_deref().map(|e| format!(" <{e}>")).unwrap_or_default();
    let detail = format!("{}{email}: {} ({}) from {}", person.name, person.role, person.power, iso(from));
    let note = AuditNote { who: by, action: "add person", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        if person.name.trim().is_empty() {
            return Err(CaseworkError::Refused(CaseworkRefusal::Blank("person's name")));
        }
        if by.trim().is_empty() {
            return Err(CaseworkError::Refused(CaseworkRefusal::Blank("name of who records it")));
        }
        held_to_power(store, id, by, from, CaseMove::AddPerson).await?;
        Ok(store.add_actor(id, person, from, &note).await?)
    })
    .await
}

/// Records that `name`, on case `id` as `role`, left it on `on` (a commissioner replaced,
/// a chair stepping down). From that day they are not on it: a review or board pack of
/// that day or later leaves them out, they take no step and make no move on it, and its
/// reminders no longer go to them. Who served, and when, stays in the record.
///
/// # Errors
/// [`CaseworkError::Refused`] with the reason (also in the audit log): an unknown or
/// closed case, nobody of that name on it in that role (or they have already left), a
/// day before their first on it.
pub async fn remove_person(
    store: &Store,
    id: i64,
    name: &str,
    role: CaseRole,
    on: Date,
    by: &str,
) -> Result<(), CaseworkError> {
    let subject = format!("intervention {id}");
    let detail = format!("{} ({role}) left on {}", name.trim(), iso(on));
    let note = AuditNote { who: by, action: "remove person", subject: &subject, detail: &detail };
    audited(store, note.clone(), async {
        if name.trim().is_empty() {
            return Err(CaseworkError::Refused(CaseworkRefusal::Blank("person's name")));
        }
        if by.trim().is_empty() {
            return Err(CaseworkError::Refused(CaseworkRefusal::Blank("name of who records it")));
        }
        held_to_power(store, id, by, on, CaseMove::RemovePerson).await?;
        Ok(store.leave_actor(id, name, role.as_str(), on, &note).await?)
    })
    .await
}
