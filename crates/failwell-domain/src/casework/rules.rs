//! Which casework moves the regime allows. Every refusal says why in words a caseworker
//! can act on; nothing is written when a move is refused.

use super::model::{Lessons, NewIntervention, NewStep, Power};
use crate::regime::{Ladder, Regime, Rung};
use time::Date;

/// Why a casework move is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseworkRefusal {
    /// An intervention must cover at least one organisation.
    #[error("an intervention covers at least one organisation")]
    NoOrganisation,
    /// The same organisation is named twice.
    #[error("organisation {0} is named twice")]
    OrganisationTwice(String),
    /// No ladder of the regime serves the sector on the day.
    #[error("the regime has no ladder for sector {sector:?} on {on}")]
    NoLadder {
        /// The sector named.
        sector: String,
        /// The day.
        on: Date,
    },
    /// The rung is not on the ladder (or not in force on the day).
    #[error("ladder {ladder} has no rung {rung:?} on {on} (its rungs: {rungs})")]
    UnknownRung {
        /// The rung named.
        rung: String,
        /// The ladder.
        ladder: String,
        /// The day.
        on: Date,
        /// The ladder's rungs then, comma-separated.
        rungs: String,
    },
    /// The lightest rung is where every organisation stands; it is not an intervention.
    #[error(
        "{rung} is the ladder's lightest rung, where every organisation stands: it is not an intervention (to end one, close it)"
    )]
    LightestRung {
        /// The rung named.
        rung: String,
    },
    /// The actor is not one the regime gives the rung to.
    #[error("the regime gives rung {rung} to {entitled}, not to {actor:?}")]
    NotEntitled {
        /// The actor named.
        actor: String,
        /// The rung.
        rung: String,
        /// Who may apply it, comma-separated.
        entitled: String,
    },
    /// The actor did not exist (under that name) on the day.
    #[error("actor {actor} did not exist on {on}")]
    ActorNotInExistence {
        /// The actor.
        actor: String,
        /// The day.
        on: Date,
    },
    /// An end before the start.
    #[error("the {what} ({end}) is before the start ({start})")]
    EndBeforeStart {
        /// Which end (`planned end`, `end`).
        what: &'static str,
        /// The start.
        start: Date,
        /// The end given.
        end: Date,
    },
    /// A required text is blank.
    #[error("the {0} must not be blank")]
    Blank(&'static str),
    /// A person already named on the case, in the same role.
    #[error("{name} already takes part in intervention {intervention} as {role}")]
    PersonTwice {
        /// The case.
        intervention: i64,
        /// The name given.
        name: String,
        /// The role they already hold.
        role: String,
    },
    /// A step to the rung the case already stands on.
    #[error("the intervention already stands on {0}")]
    SameRung(String),
    /// A step of more than one rung without a stated reason for the jump.
    #[error(
        "a step from {from} to {to} crosses {rungs} rungs: a jump needs its own stated reason (the report's \"from zero to 100\"; give --jump-reason)"
    )]
    JumpWithoutReason {
        /// The rung stood on.
        from: String,
        /// The rung asked for.
        to: String,
        /// How many rungs it crosses.
        rungs: i64,
    },
    /// A step dated before the case's last move.
    #[error("the step is dated {on}, before the intervention's last move on {last}")]
    BeforeLastMove {
        /// The last move's day.
        last: Date,
        /// The day given.
        on: Date,
    },
    /// A record of something done (a step, a closing, a meeting, …) dated after today: a
    /// step would hold every later move back until that day, an obligation met would read
    /// "met" before it was.
    #[error("the {what} is dated {on}, after today ({today}): it is recorded once it has happened")]
    InFuture {
        /// What was recorded (`step`, `closing`, `board meeting`, …).
        what: &'static str,
        /// The day given.
        on: Date,
        /// Today (UTC).
        today: Date,
    },
    /// A second open intervention of the same rung on the same organisation.
    #[error("organisation {organisation} already has open intervention {id} on rung {rung}")]
    AlreadyOpen {
        /// The organisation.
        organisation: String,
        /// The rung.
        rung: String,
        /// The open intervention.
        id: i64,
    },
    /// A move on an intervention that has ended.
    #[error("intervention {0} is closed")]
    Closed(i64),
    /// An organisation the registry does not have.
    #[error("unknown organisation {0:?}: import it with `failwell import organisations` first")]
    UnknownOrganisation(String),
    /// No such obligation on the intervention.
    #[error("intervention {intervention} has no obligation {obligation}")]
    NoSuchObligation {
        /// The intervention.
        intervention: i64,
        /// The obligation named.
        obligation: i64,
    },
    /// A theme, action, criterion, check-in or organisation that is not the intervention's.
    #[error("{what} {} is not part of intervention {intervention}", name.clone().unwrap_or_else(|| id.to_string()))]
    NotInCase {
        /// What was named.
        what: &'static str,
        /// Its id.
        id: i64,
        /// Its name, when it has one rather than an id.
        name: Option<String>,
        /// The intervention.
        intervention: i64,
    },
    /// An indicator the catalogue does not have.
    #[error("unknown indicator {0:?}: a criterion must name an indicator of the catalogue")]
    UnknownIndicator(String),
    /// A criterion judged by a person, judged by someone else.
    #[error("criterion {criterion} is judged by {judge}, not by {who}")]
    NotTheJudge {
        /// The criterion.
        criterion: i64,
        /// Its judge.
        judge: String,
        /// Who tried.
        who: String,
    },
    /// A criterion judged from the evidence cannot be judged by hand.
    #[error("criterion {0} is judged from the evidence as it is imported, not by hand")]
    JudgedFromEvidence(i64),
    /// An obligation already met or lapsed.
    #[error("obligation {obligation} is already settled: {how}")]
    ObligationSettled {
        /// The obligation.
        obligation: i64,
        /// Met or lapsed, and when.
        how: String,
    },
    /// A check-in already held.
    #[error("check-in {check_in} was already held on {on}")]
    CheckInHeld {
        /// The check-in.
        check_in: i64,
        /// When it was held.
        on: String,
    },
    /// A deadline the regime does not let be extended (or a repeating clock).
    #[error("clock {clock} of rung {rung} cannot be extended: the regime gives it no extension")]
    NotExtendable {
        /// The rung.
        rung: String,
        /// The clock.
        clock: String,
    },
    /// Every extension the regime allows is used.
    #[error("clock {clock} has been extended {used} time(s), as many as the regime allows")]
    ExtensionsUsed {
        /// The clock.
        clock: String,
        /// Extensions used (the regime's maximum).
        used: u32,
    },
    /// No such intervention.
    #[error("there is no intervention {0}")]
    NoSuchIntervention(i64),
    /// A move made as one of the case's people by someone it does not name.
    #[error("{person} takes no part in intervention {intervention}: add them to the case first, with their power")]
    NotOnCase {
        /// The case.
        intervention: i64,
        /// The person named.
        person: String,
    },
    /// A move by one of the case's people whose power on it does not reach the move.
    #[error(
        "{person} holds the power to {held} on intervention {intervention}; {what} needs the power to {needed} or more"
    )]
    PowerTooWeak {
        /// The case.
        intervention: i64,
        /// The person.
        person: String,
        /// The greatest power they hold on the case.
        held: Power,
        /// The least power the move needs.
        needed: Power,
        /// The move, in words.
        what: String,
    },
    /// The decision named is not an accepted decision for the organisations.
    #[error("decision {0} is not an accepted decision on any of the intervention's organisations")]
    DecisionDoesNotFit(i64),
}

/// An opening the regime allows: where on the ladder the case starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Opening<'r> {
    /// The ladder in force on the start day.
    pub ladder: &'r Ladder,
    /// The rung.
    pub rung: &'r Rung,
}

fn not_blank(text: &str, what: &'static str) -> Result<(), CaseworkRefusal> {
    if text.trim().is_empty() { Err(CaseworkRefusal::Blank(what)) } else { Ok(()) }
}

/// The rung `id` of `ladder` in force on `on`, refusing the unknown.
fn rung_on<'l>(ladder: &'l Ladder, id: &str, on: Date) -> Result<&'l Rung, CaseworkRefusal> {
    ladder.rungs_at(on).find(|r| r.id == id).ok_or_else(|| CaseworkRefusal::UnknownRung {
        rung: id.to_string(),
        ladder: ladder.id.clone(),
        on,
        rungs: ladder.rungs_at(on).map(|r| r.id.as_str()).collect::<Vec<_>>().join(", "),
    })
}

/// Whether `actor` may apply `rung` on `on`: the regime names it on the rung, and it
/// existed then.
fn entitled(regime: &Regime, rung: &Rung, actor: &str, on: Date) -> Result<(), CaseworkRefusal> {
    if !rung.applied_by.iter().any(|a| a == actor) {
        return Err(CaseworkRefusal::NotEntitled {
            actor: actor.to_string(),
            rung: rung.id.clone(),
            entitled: rung.applied_by.join(", "),
        });
    }
    match regime.actor(actor) {
        Some(a) if !a.validity.contains(on) => {
            Err(CaseworkRefusal::ActorNotInExistence { actor: actor.to_string(), on })
        }
        _ => Ok(()),
    }
}

/// The power a person holds on a case, the greatest of their places on it, with the name
/// that place records; `None` when the case does not name them. A place names the person
/// by e-mail when it records one, else by name, the rule by which an account's reach is
/// worked out: `people` gives each place's (name, e-mail, power).
pub fn power_of<'a>(
    people: impl IntoIterator<Item = (&'a str, Option<&'a str>, Power)>,
    name: &str,
    email: Option<&str>,
) -> Option<(&'a str, Power)> {
    people
        .into_iter()
        .filter(|(n, e, _)| match (e, email) {
            (Some(e), Some(mine)) => e.eq_ignore_ascii_case(mine),
            (Some(_), None) => false,
            (None, _) => *n == name,
        })
        .max_by_key(|(_, _, p)| *p)
        .map(|(n, _, p)| (n, p))
}

/// A move on a case, as far as the power it asks of a person the case names: reporting
/// (progress, a criterion they judge, a check-in held) is for anyone who monitors;
/// shaping and tracking the plan, and the board's record, for those who advise or more;
/// steering the case for those who direct. One table for the engine's moves (whoever
/// records them) and the web's forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseMove {
    /// Up or down the ladder.
    Step,
    /// A deadline extended.
    Extend,
    /// A person added.
    AddPerson,
    /// A person leaving.
    RemovePerson,
    /// A theme added to the plan.
    Theme,
    /// An action added to a theme.
    Action,
    /// A criterion added.
    Criterion,
    /// A criterion judged.
    Judgement,
    /// Progress recorded on an action.
    Progress,
    /// An obligation recorded met.
    Meet,
    /// A board meeting recorded.
    Meeting,
    /// A check-in scheduled.
    CheckIn,
    /// A check-in held.
    CheckInHeld,
    /// The case closed.
    Close,
}

impl CaseMove {
    /// Every move, in the order a case's page lists them.
    pub const ALL: [CaseMove; 14] = [
        CaseMove::Step,
        CaseMove::Extend,
        CaseMove::AddPerson,
        CaseMove::RemovePerson,
        CaseMove::Theme,
        CaseMove::Action,
        CaseMove::Criterion,
        CaseMove::Judgement,
        CaseMove::Progress,
        CaseMove::Meet,
        CaseMove::Meeting,
        CaseMove::CheckIn,
        CaseMove::CheckInHeld,
        CaseMove::Close,
    ];

    /// The least power a person the case names must hold to make it.
    pub fn needs(self) -> Power {
        match self {
            CaseMove::Progress | CaseMove::Judgement | CaseMove::CheckInHeld => Power::Monitor,
            CaseMove::Theme | CaseMove::Action | CaseMove::Criterion | CaseMove::Meet | CaseMove::Meeting => {
                Power::Advise
            }
            CaseMove::Step
            | CaseMove::Extend
            | CaseMove::AddPerson
            | CaseMove::RemovePerson
            | CaseMove::CheckIn
            | CaseMove::Close => Power::Direct,
        }
    }

    /// The move in words, as a refusal names it ("needs the power to advise for …").
    pub fn what(self) -> &'static str {
        match self {
            CaseMove::Step => "a step on the ladder",
            CaseMove::Extend => "extending a deadline",
            CaseMove::AddPerson => "adding a person",
            CaseMove::RemovePerson => "recording a person leaving",
            CaseMove::Theme => "adding a theme to the plan",
            CaseMove::Action => "adding an action to the plan",
            CaseMove::Criterion => "adding a criterion",
            CaseMove::Judgement => "judging a criterion",
            CaseMove::Progress => "recording progress",
            CaseMove::Meet => "recording an obligation met",
            CaseMove::Meeting => "recording a board meeting",
            CaseMove::CheckIn => "scheduling a check-in",
            CaseMove::CheckInHeld => "recording a check-in held",
            CaseMove::Close => "closing the case",
        }
    }
}

/// Checks that `person`, holding `held` on intervention `intervention` (`None`: not named
/// on it), may make a move needing `needed`: the people's powers, lightest first
/// (monitor, advise, direct, replace), decide which moves each of them may make.
///
/// # Errors
/// [`CaseworkRefusal::NotOnCase`] or [`CaseworkRefusal::PowerTooWeak`].
pub fn check_power(
    intervention: i64,
    person: &str,
    held: Option<Power>,
    needed: Power,
    what: &str,
) -> Result<(), CaseworkRefusal> {
    match held {
        None => Err(CaseworkRefusal::NotOnCase { intervention, person: person.to_string() }),
        Some(held) if held < needed => Err(CaseworkRefusal::PowerTooWeak {
            intervention,
            person: person.to_string(),
            held,
            needed,
            what: what.to_string(),
        }),
        Some(_) => Ok(()),
    }
}

/// Checks an opening against the regime: organisations named once, the sector's ladder
/// in force on the start day, a rung of it above the lightest, an actor the regime gives
/// that rung to, a planned end not before the start, and a reason.
///
/// # Errors
/// The first [`CaseworkRefusal`] found.
pub fn check_opening<'r>(regime: &'r Regime, new: &NewIntervention) -> Result<Opening<'r>, CaseworkRefusal> {
    if new.organisations.is_empty() {
        return Err(CaseworkRefusal::NoOrganisation);
    }
    for (i, code) in new.organisations.iter().enumerate() {
        if new.organisations[..i].contains(code) {
            return Err(CaseworkRefusal::OrganisationTwice(code.to_string()));
        }
    }
    not_blank(&new.reason, "reason")?;
    not_blank(&new.opened_by, "name of who records it")?;
    let ladder = regime
        .ladder_at(&new.sector, new.start)
        .ok_or_else(|| CaseworkRefusal::NoLadder { sector: new.sector.clone(), on: new.start })?;
    let rung = rung_on(ladder, &new.rung, new.start)?;
    if ladder.lightest().is_some_and(|l| l.id == rung.id) {
        return Err(CaseworkRefusal::LightestRung { rung: rung.id.clone() });
    }
    entitled(regime, rung, &new.applied_by, new.start)?;
    if let Some(end) = new.planned_end.filter(|e| *e < new.start) {
        return Err(CaseworkRefusal::EndBeforeStart { what: "planned end", start: new.start, end });
    }
    Ok(Opening { ladder, rung })
}

/// Checks a step of an open case from rung `from` (moved to on `last_move`): a rung of the
/// same ladder in force on the day, not the lightest (that is a closing) and not the same,
/// taken by an actor the regime gives the new rung to, dated on or after the last move,
/// with a reason, and with a second reason when it crosses more than one rung.
///
/// # Errors
/// The first [`CaseworkRefusal`] found.
pub fn check_step<'l>(
    regime: &Regime,
    ladder: &'l Ladder,
    from: &str,
    last_move: Date,
    step: &NewStep,
) -> Result<&'l Rung, CaseworkRefusal> {
    not_blank(&step.reason, "reason")?;
    not_blank(&step.recorded_by, "name of who records it")?;
    if step.on < last_move {
        return Err(CaseworkRefusal::BeforeLastMove { last: last_move, on: step.on });
    }
    let to = rung_on(ladder, &step.to_rung, step.on)?;
    if to.id == from {
        return Err(CaseworkRefusal::SameRung(from.to_string()));
    }
    if ladder.lightest().is_some_and(|l| l.id == to.id) {
        return Err(CaseworkRefusal::LightestRung { rung: to.id.clone() });
    }
    entitled(regime, to, &step.by, step.on)?;
    let from_level = ladder.rung(from).map_or(0, |r| r.level);
    let rungs = ladder
        .rungs
        .iter()
        .filter(|r| r.level > from_level.min(to.level) && r.level <= from_level.max(to.level))
        .count() as i64;
    if rungs > 1 && step.jump_reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(CaseworkRefusal::JumpWithoutReason { from: from.to_string(), to: to.id.clone(), rungs });
    }
    Ok(to)
}

/// The new due day of a one-off deadline of `clock` (on `rung`) due on `due` and extended
/// `used` times so far: the regime must make it extendable and have an extension left.
///
/// # Errors
/// [`CaseworkRefusal::NotExtendable`] or [`CaseworkRefusal::ExtensionsUsed`].
pub fn check_extension(rung: &Rung, clock: &str, due: Date, used: u32) -> Result<Date, CaseworkRefusal> {
    let not = || CaseworkRefusal::NotExtendable { rung: rung.id.clone(), clock: clock.to_string() };
    let c = rung.clock(clock).ok_or_else(not)?;
    let (Some(by), crate::regime::ClockRule::Within(_)) = (c.extendable_by, c.rule) else { return Err(not()) };
    if used >= c.max_extensions {
        return Err(CaseworkRefusal::ExtensionsUsed { clock: clock.to_string(), used });
    }
    by.after(due).ok_or_else(not)
}

/// Checks a closing: on or after the start and the last move, with its lessons.
///
/// # Errors
/// The first [`CaseworkRefusal`] found.
pub fn check_closing(start: Date, last_move: Date, end: Date, lessons: &Lessons) -> Result<(), CaseworkRefusal> {
    if end < start {
        return Err(CaseworkRefusal::EndBeforeStart { what: "end", start, end });
    }
    if end < last_move {
        return Err(CaseworkRefusal::BeforeLastMove { last: last_move, on: end });
    }
    not_blank(&lessons.worked, "lesson on what worked")?;
    not_blank(&lessons.did_not_work, "lesson on what did not work")?;
    not_blank(&lessons.exit, "kind of exit")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::casework::{CaseActor, CaseRole, Power};
    use time::macros::date;

    fn opening(rung: &str, by: &str) -> NewIntervention {
        NewIntervention {
            organisations: vec!["E10000032".parse().unwrap()],
            sector: "childrens_services".into(),
            rung: rung.into(),
            applied_by: by.into(),
            start: date!(2024 - 03 - 01),
            planned_end: None,
            report_published: None,
            actors: vec![CaseActor {
                name: "A Peer".into(),
                role: CaseRole::PeerReviewer,
                power: Power::Advise,
                email: None,
            }],
            reason: "early signs".into(),
            opened_by: "analyst".into(),
            decision: None,
        }
    }

    fn step(to: &str, by: &str, jump: Option<&str>) -> NewStep {
        NewStep {
            to_rung: to.into(),
            by: by.into(),
            on: date!(2024 - 09 - 01),
            reason: "no progress".into(),
            jump_reason: jump.map(Into::into),
            person: None,
            recorded_by: "analyst".into(),
        }
    }

    #[test]
    fn peer_review_opens_below_the_statutory_rungs() {
        let regime = Regime::england();
        let o = check_opening(&regime, &opening("peer_review", "lga")).unwrap();
        assert_eq!(o.ladder.id, "childrens_services_2010");
        assert!(!o.rung.statutory);
    }

    #[test]
    fn bad_openings_are_refused_with_their_reason() {
        let regime = Regime::england();
        let e = check_opening(&regime, &opening("peer_review", "dfe")).unwrap_err();
        assert_eq!(e.to_string(), "the regime gives rung peer_review to lga, not to \"dfe\"");
        assert!(matches!(
            check_opening(&regime, &opening("special_measures", "dfe")),
            Err(CaseworkRefusal::UnknownRung { .. })
        ));
        assert!(matches!(
            check_opening(&regime, &opening("universal_monitoring", "ofsted")),
            Err(CaseworkRefusal::LightestRung { .. })
        ));
        let mut early_end = opening("peer_review", "lga");
        early_end.planned_end = Some(date!(2024 - 01 - 01));
        assert!(matches!(check_opening(&regime, &early_end), Err(CaseworkRefusal::EndBeforeStart { .. })));
        let mut twice = opening("peer_review", "lga");
        twice.organisations.push(twice.organisations[0].clone());
        assert!(matches!(check_opening(&regime, &twice), Err(CaseworkRefusal::OrganisationTwice(_))));
    }

    #[test]
    fn a_jump_needs_its_own_reason_and_the_right_actor() {
        let regime = Regime::england();
        let ladder = regime.ladder("childrens_services_2010").unwrap();
        let last = date!(2024 - 03 - 01);
        // peer_review (1) -> improvement_notice (3) crosses two rungs.
        let e = check_step(&regime, ladder, "peer_review", last, &step("improvement_notice", "dfe", None)).unwrap_err();
        assert!(matches!(e, CaseworkRefusal::JumpWithoutReason { rungs: 2, .. }), "{e}");
        let to =
            check_step(&regime, ladder, "peer_review", last, &step("improvement_notice", "dfe", Some("harm found")))
                .unwrap();
        assert_eq!(to.id, "improvement_notice");
        // One rung needs no second reason; the LGA cannot issue the DfE's adviser.
        assert!(check_step(&regime, ladder, "peer_review", last, &step("dfe_adviser", "dfe", None)).is_ok());
        assert!(matches!(
            check_step(&regime, ladder, "peer_review", last, &step("dfe_adviser", "lga", None)),
            Err(CaseworkRefusal::NotEntitled { .. })
        ));
        // Down one rung is a step too; to the floor is a closing.
        assert!(check_step(&regime, ladder, "dfe_adviser", last, &step("peer_review", "lga", None)).is_ok());
        assert!(matches!(
            check_step(&regime, ladder, "peer_review", last, &step("universal_monitoring", "ofsted", None)),
            Err(CaseworkRefusal::LightestRung { .. })
        ));
        let mut early = step("dfe_adviser", "dfe", None);
        early.on = date!(2024 - 01 - 01);
        assert!(matches!(
            check_step(&regime, ladder, "peer_review", last, &early),
            Err(CaseworkRefusal::BeforeLastMove { .. })
        ));
    }

    #[test]
    fn a_reinspection_is_extended_once_by_six_months() {
        let regime = Regime::england();
        let rung = regime.rung("hospitals_2021", "recovery_support_programme").unwrap();
        let due = date!(2025 - 01 - 01);
        assert_eq!(check_extension(rung, "reinspection", due, 0), Ok(date!(2025 - 07 - 01)));
        assert_eq!(
            check_extension(rung, "reinspection", due, 1),
            Err(CaseworkRefusal::ExtensionsUsed { clock: "reinspection".into(), used: 1 })
        );
        assert!(matches!(check_extension(rung, "progress_report", due, 0), Err(CaseworkRefusal::NotExtendable { .. })));
        assert!(matches!(check_extension(rung, "no_such_clock", due, 0), Err(CaseworkRefusal::NotExtendable { .. })));
    }

    #[test]
    fn closing_asks_for_lessons() {
        let lessons = Lessons { worked: "peers".into(), did_not_work: " ".into(), exit: "capability".into() };
        let (s, e) = (date!(2024 - 01 - 01), date!(2025 - 01 - 01));
        assert_eq!(check_closing(s, s, e, &lessons), Err(CaseworkRefusal::Blank("lesson on what did not work")));
        let lessons = Lessons { did_not_work: "structure alone".into(), ..lessons };
        assert!(check_closing(s, s, e, &lessons).is_ok());
        assert!(matches!(check_closing(e, e, s, &lessons), Err(CaseworkRefusal::EndBeforeStart { .. })));
    }

    #[test]
    fn a_person_s_powers_decide_their_moves() {
        let people = [
            ("C. Chair", Some("chair@example.org"), Power::Advise),
            ("C. Chair", None, Power::Monitor),
            ("L. Lead", None, Power::Direct),
        ];
        let of = |name: &str, email: Option<&str>| power_of(people.iter().copied(), name, email).map(|(_, p)| p);
        // By e-mail where the place records one (any case of letters), else by name.
        assert_eq!(of("someone else", Some("CHAIR@example.org")), Some(Power::Advise));
        assert_eq!(of("C. Chair", None), Some(Power::Monitor));
        assert_eq!(of("L. Lead", Some("lead@example.org")), Some(Power::Direct));
        assert_eq!(of("Nobody", None), None);
        assert_eq!(
            power_of(people.iter().copied(), "C. C.", Some("chair@example.org")),
            Some(("C. Chair", Power::Advise))
        );

        assert!(check_power(1, "L. Lead", of("L. Lead", None), Power::Direct, "a step").is_ok());
        let weak = check_power(1, "C. Chair", of("C. Chair", None), Power::Direct, "a step on the ladder");
        let Err(refusal @ CaseworkRefusal::PowerTooWeak { held: Power::Monitor, needed: Power::Direct, .. }) = weak
        else {
            panic!("{weak:?}")
        };
        assert_eq!(
            refusal.to_string(),
            "C. Chair holds the power to monitor on intervention 1; a step on the ladder needs the power to direct or more"
        );
        assert!(matches!(
            check_power(1, "Nobody", None, Power::Monitor, "progress"),
            Err(CaseworkRefusal::NotOnCase { .. })
        ));
    }
}
