//! Every casework move after a case opens, in one place: moving the case on the ladder,
//! extending a deadline, adding a person, adding themes, actions and criteria, judging a
//! criterion, recording progress, an obligation met or a board meeting, scheduling and
//! holding the check-ins after the exit, and closing the case with its lessons. Each has a
//! page of its own (the GOV.UK pattern of one thing per page; the three frequent ones are
//! also forms on the intervention page) and is made through the JSON API with the same
//! fields ([`api_moves`], [`api_make`]).
//!
//! Each move is the engine's audited move (the same as `failwell intervention …` and
//! `failwell plan …`), made as the signed-in user. Who may make it is the domain's access
//! rule: steering is the overseer's ([`Reach::SteerCase`]: analysts and administrators);
//! shaping the plan is anyone who moves the case on ([`Reach::EditCase`]: those and the
//! case's board members); progress is also reported by the organisation's own staff
//! ([`Reach::UpdateProgress`]); a criterion judged by a person is judged by that person
//! only (the store checks the name).

use super::{day, done, items, number, optional_day};
use crate::AppState;
use crate::auth::Signed;
use crate::error::{PageError, WebError};
use crate::view::SelectItem;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use failwell_domain::access::Reach;
use failwell_domain::casework::{
    ActionTag, CaseActor, CaseRole, CaseworkRefusal, CriterionOf, CriterionRule, ExitKind, Lessons, NewStep, Power,
    ProgressStatus, TargetSide, check_extension, check_power, power_of,
};
use failwell_domain::regime::{Actor, Ladder, Regime, Rung};
use failwell_domain::{Code, Slug};
use failwell_engine::casework::{self as engine, plan};
use failwell_store::{StoredIntervention, StoredPlan};
use time::Date;

/// A move with a page of its own: the domain's casework moves, each with its words and
/// its page here ([`OnTheWeb`]); the power each asks is the domain's ([`Move::needs`]),
/// which the engine holds every move to as well.
pub(crate) use failwell_domain::casework::CaseMove as Move;

/// What the web adds to a casework move: its page's path and heading, the reach a viewer
/// needs over the case's organisations, where its form is, and whether a closed case takes it.
pub(crate) trait OnTheWeb: Sized {
    /// The last segment of its path (`/interventions/{id}/<slug>`).
    fn slug(self) -> &'static str;
    /// Its page's heading and its link's text.
    fn title(self) -> &'static str;
    /// What the viewer must reach over the case's organisations to make it.
    fn reach(self, orgs: &[Code]) -> Reach<'_>;
    /// The move a slug names.
    fn from_slug(slug: &str) -> Option<Self>;
    /// Whether the intervention page carries its form (so its link is not listed again).
    fn on_intervention_page(self) -> bool;
    /// Whether it can be made on a closed case: criteria stay watched after the exit and
    /// check-ins follow it; everything else moves an open case only.
    fn after_exit(self) -> bool;
}

impl OnTheWeb for Move {
    fn slug(self) -> &'static str {
        match self {
            Move::Step => "step",
            Move::Extend => "extend",
            Move::AddPerson => "people",
            Move::RemovePerson => "people-left",
            Move::Theme => "themes",
            Move::Action => "actions",
            Move::Criterion => "criteria",
            Move::Judgement => "judgements",
            Move::Progress => "progress",
            Move::Meet => "obligations",
            Move::Meeting => "meetings",
            Move::CheckIn => "check-ins",
            Move::CheckInHeld => "check-ins-held",
            Move::Close => "close",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Move::Step => "Move the case on the ladder",
            Move::Extend => "Extend a deadline",
            Move::AddPerson => "Add a person",
            Move::RemovePerson => "Record a person leaving",
            Move::Theme => "Add a theme to the plan",
            Move::Action => "Add an action to the plan",
            Move::Criterion => "Add a success or exit criterion",
            Move::Judgement => "Judge a criterion",
            Move::Progress => "Record progress on an action",
            Move::Meet => "Record an obligation met",
            Move::Meeting => "Record a board meeting",
            Move::CheckIn => "Schedule a check-in",
            Move::CheckInHeld => "Record a check-in held",
            Move::Close => "Close the case",
        }
    }

    fn reach(self, orgs: &[Code]) -> Reach<'_> {
        match self {
            Move::Step | Move::Extend | Move::AddPerson | Move::RemovePerson | Move::CheckIn | Move::Close => {
                Reach::SteerCase
            }
            Move::Theme | Move::Action | Move::Criterion | Move::CheckInHeld | Move::Meet | Move::Meeting => {
                Reach::EditCase(orgs)
            }
            Move::Progress => Reach::UpdateProgress(orgs),
            Move::Judgement => Reach::Organisations(orgs),
        }
    }

    fn from_slug(slug: &str) -> Option<Move> {
        Move::ALL.into_iter().find(|m| m.slug() == slug)
    }

    fn on_intervention_page(self) -> bool {
        matches!(self, Move::Progress | Move::Meet | Move::Meeting)
    }

    fn after_exit(self) -> bool {
        matches!(self, Move::Criterion | Move::Judgement | Move::CheckIn | Move::CheckInHeld)
    }
}

fn orgs(case: &StoredIntervention) -> Vec<Code> {
    case.organisations.iter().filter_map(|c| Code::new(c).ok()).collect()
}

/// The viewer's place on `case` today, when it names them: the name it records and their
/// power. One who has left the case (or joins it later) has none.
fn place_on<'c>(signed: &Signed, case: &'c StoredIntervention) -> Option<(&'c str, Power)> {
    let v = &signed.viewer;
    let today = failwell_domain::dates::iso(time::OffsetDateTime::now_utc().date());
    let present = case.actors.iter().filter(|a| a.on_case(&today));
    power_of(present.filter_map(failwell_store::StoredActor::place), &v.display_name, v.email.as_deref())
}

/// Refuses `m` to a viewer `case` names whose power on it does not reach the move. The
/// people's powers decide their moves (a board member who monitors reports progress but
/// does not shape the plan). A viewer the case does not name acts by their role alone
/// only where the role is national, or the move is one the role makes without a place on
/// a case (a provider's progress on its own plan, a criterion's judge judging it): a
/// board member who sits on one case of an organisation has no power on its other cases.
fn within_power(m: Move, signed: &Signed, case: &StoredIntervention) -> Result<(), CaseworkRefusal> {
    let what = format!("\"{}\"", m.title());
    match place_on(signed, case) {
        Some((name, held)) => check_power(case.id, name, Some(held), m.needs(), &what),
        None if signed.viewer.is_national() || matches!(m, Move::Progress | Move::Judgement) => Ok(()),
        None => check_power(case.id, &signed.viewer.display_name, None, m.needs(), &what),
    }
}

/// Lets `signed` make `m` on `case`: the role's reach over its organisations (a read of
/// it audited as such), then the viewer's power on the case, a refusal of which is in the
/// audit log.
async fn may_make(state: &AppState, signed: &Signed, case: &StoredIntervention, m: Move) -> Result<(), WebError> {
    signed.allow(state, m.reach(&orgs(case))).await?;
    if let Err(refusal) = within_power(m, signed, case) {
        let reason = refusal.to_string();
        signed.audit(state, m.slug(), &format!("intervention {}", case.id), &reason, "refused").await?;
        return Err(WebError::Forbidden(reason));
    }
    Ok(())
}

/// Whether `signed` may make `m` on `case` now, and there is something to make it on.
pub(crate) fn offered(m: Move, signed: &Signed, case: &StoredIntervention, plan: &StoredPlan, regime: &Regime) -> bool {
    let open = case.ended_on.is_none();
    let orgs = orgs(case);
    signed.may(m.reach(&orgs))
        && within_power(m, signed, case).is_ok()
        && (open || m.after_exit())
        && match m {
            Move::Extend => !extendable(case, regime).is_empty(),
            Move::Action => !plan.themes.is_empty(),
            Move::Judgement => !criteria_judged_by(plan, signed.viewer.who()).is_empty(),
            Move::CheckInHeld => plan.check_ins.iter().any(|c| c.held_on.is_none()),
            Move::Progress => plan.themes.iter().any(|t| !t.actions.is_empty()),
            Move::Meet => !unmet(case).is_empty(),
            Move::RemovePerson => !staying(case).is_empty(),
            _ => true,
        }
}

/// The moves `signed` may make on `case`, as (path, text) links for the intervention page.
pub(crate) fn links(
    signed: &Signed,
    case: &StoredIntervention,
    plan: &StoredPlan,
    regime: &Regime,
) -> Vec<(String, &'static str)> {
    Move::ALL
        .iter()
        .filter(|m| !m.on_intervention_page() && offered(**m, signed, case, plan, regime))
        .map(|m| (format!("/interventions/{}/{}", case.id, m.slug()), m.title()))
        .collect()
}

/// The people who have not left the case, as ("role:name", "name (role)"): the choices of
/// the form that records one leaving.
fn staying(case: &StoredIntervention) -> Vec<(String, String)> {
    case.actors
        .iter()
        .filter(|a| a.left.is_none())
        .map(|a| (format!("{}:{}", a.role, a.name), format!("{} ({})", a.name, a.role.replace('_', " "))))
        .collect()
}

/// The obligations not yet met or lapsed, as (id, "name (due day)").
pub(crate) fn unmet(case: &StoredIntervention) -> Vec<(String, String)> {
    case.obligations
        .iter()
        .filter(|o| o.met_on.is_none() && o.lapsed_on.is_none())
        .map(|o| (o.id.to_string(), format!("{} (due {})", o.name, o.due)))
        .collect()
}

/// The plan's actions, as (id, "theme: action").
pub(crate) fn actions(plan: &StoredPlan) -> Vec<(String, String)> {
    plan.themes
        .iter()
        .flat_map(|t| t.actions.iter().map(move |a| (a.id.to_string(), format!("{}: {}", t.title, a.title))))
        .collect()
}

/// The obligations whose clock the regime lets extend and that have an extension left,
/// with their new due day.
fn extendable(case: &StoredIntervention, regime: &Regime) -> Vec<(i64, String, Date)> {
    case.obligations
        .iter()
        .filter(|o| o.met_on.is_none() && o.lapsed_on.is_none())
        .filter_map(|o| {
            let rung = regime.rung(&case.ladder, &o.rung)?;
            let due = failwell_domain::dates::parse_date(&o.due).ok()?;
            let used = u32::try_from(o.extensions).unwrap_or(u32::MAX);
            let to = check_extension(rung, &o.clock, due, used).ok()?;
            Some((o.id, format!("{} (due {}, would be due {})", o.name, o.due, failwell_domain::dates::iso(to)), to))
        })
        .collect()
}

/// The criteria judged by a person that name `who` as their judge.
fn criteria_judged_by(plan: &StoredPlan, who: &str) -> Vec<(String, String)> {
    plan.criteria
        .iter()
        .filter(|c| matches!(&c.rule, CriterionRule::Judged { judge, .. } if judge == who))
        .map(|c| (c.id.to_string(), engine::criteria::describe(&c.rule)))
        .collect()
}

/// A vocabulary's words as choices, shown with spaces for underscores.
pub(crate) fn words<W: Copy + std::fmt::Display>(all: &[W]) -> Vec<SelectItem> {
    items(all.iter().map(|w| (w.to_string(), w.to_string().replace('_', " "))))
}

/// The choices of a form's selects, by field name.
type Choices = Vec<(&'static str, Vec<SelectItem>)>;

/// A move's page: the one form, with what its fields offer.
#[derive(Template, WebTemplate)]
#[template(path = "case_move.html")]
pub(crate) struct MovePage {
    id: i64,
    slug: &'static str,
    title: &'static str,
    csrf: String,
    today: String,
    /// The case's current rung, in words.
    rung: String,
    /// The choices of the form's selects, by field name.
    choices: Choices,
    /// Lines of guidance under the heading (who applies which rung, what is judged).
    guidance: Vec<String>,
}

impl MovePage {
    /// The choices of select `name` (empty when the move has none).
    fn choices(&self, name: &str) -> Vec<SelectItem> {
        self.choices.iter().find(|(n, _)| *n == name).map(|(_, c)| c.clone()).unwrap_or_default()
    }
}

/// The rungs of `ladder` a case may be on from `today` (in force, not the lightest, which
/// is the end of intervention, and not `except`, where the case already is), each with
/// the actors in force who apply it.
pub(crate) fn rungs_in_force<'a>(
    regime: &'a Regime,
    ladder: &'a Ladder,
    except: Option<&str>,
    today: Date,
) -> Vec<(&'a Rung, Vec<&'a Actor>)> {
    let lightest = ladder.lightest().map(|r| r.id.as_str());
    ladder
        .rungs
        .iter()
        .filter(|r| Some(r.id.as_str()) != except && Some(r.id.as_str()) != lightest && r.validity.contains(today))
        .map(|r| {
            let actors =
                r.applied_by.iter().filter_map(|id| regime.actor(id).filter(|a| a.validity.contains(today))).collect();
            (r, actors)
        })
        .collect()
}

/// A line saying who applies a rung: "Improvement notice (level 3): applied by …".
pub(crate) fn applied_by_line(rung: &Rung, actors: &[&Actor]) -> String {
    let names: Vec<&str> = actors.iter().map(|a| a.name.as_str()).collect();
    format!("{} (level {}): applied by {}", rung.name, rung.level, names.join(" or "))
}

/// Every actor of `rungs`, once each, in order, as choices.
pub(crate) fn actor_items(rungs: &[(&Rung, Vec<&Actor>)]) -> Vec<SelectItem> {
    let mut actors: Vec<(String, String)> = Vec::new();
    for a in rungs.iter().flat_map(|(_, actors)| actors) {
        if !actors.iter().any(|(id, _)| *id == a.id) {
            actors.push((a.id.clone(), a.name.clone()));
        }
    }
    items(actors)
}

/// The rungs a step may go to, the regime actors who apply them, and a line for each
/// saying who applies it.
fn step_choices(
    case: &StoredIntervention,
    regime: &Regime,
    today: Date,
) -> (Vec<SelectItem>, Vec<SelectItem>, Vec<String>) {
    let Some(ladder) = regime.ladder(&case.ladder) else { return Default::default() };
    let rungs = rungs_in_force(regime, ladder, Some(&case.rung), today);
    let guidance = rungs.iter().map(|(r, actors)| applied_by_line(r, actors)).collect();
    let actors = actor_items(&rungs);
    let rungs = items(rungs.iter().map(|(r, _)| (r.id.clone(), format!("{} (level {})", r.name, r.level))));
    (rungs, actors, guidance)
}

/// `GET /interventions/{id}/{move}`: the move's form, when the viewer may make it.
pub(crate) async fn page(state: &AppState, signed: &Signed, id: i64, m: Move) -> Result<MovePage, PageError> {
    let case = state.store.intervention(id).await?.ok_or_else(|| WebError::NotFound(format!("intervention {id}")))?;
    signed.allow(state, m.reach(&orgs(&case))).await?;
    let plan = state.store.plan(id).await?;
    let regime = state.judge.regime();
    if signed.csrf.is_none() {
        let why = format!(
            "sign in with the form to make casework moves on a page (with an API token, POST /api/v1/interventions/{id}/moves)"
        );
        return Err(WebError::Refused(why).into());
    }
    if !offered(m, signed, &case, &plan, regime) {
        let why = if case.ended_on.is_some() && !m.after_exit() {
            format!("intervention {id} is closed")
        } else {
            format!("intervention {id} has nothing to {}", m.title().to_lowercase())
        };
        return Err(WebError::Refused(why).into());
    }
    let today = time::OffsetDateTime::now_utc().date();
    let rung = regime.rung(&case.ladder, &case.rung).map_or_else(|| case.rung.clone(), |r| r.name.clone());
    let (choices, guidance) = offer(state, signed, &case, &plan, m, today).await?;
    Ok(MovePage {
        id,
        slug: m.slug(),
        title: m.title(),
        csrf: signed.csrf.clone().unwrap_or_default(),
        today: failwell_domain::dates::iso(today),
        rung,
        choices,
        guidance,
    })
}

/// What `m`'s form offers on `case` on `today`: its selects' choices by field name, and
/// lines of guidance.
async fn offer(
    state: &AppState,
    signed: &Signed,
    case: &StoredIntervention,
    plan: &StoredPlan,
    m: Move,
    today: Date,
) -> Result<(Choices, Vec<String>), WebError> {
    let regime = state.judge.regime();
    let mut choices = Vec::new();
    let mut guidance = Vec::new();
    match m {
        Move::Step => {
            let (rungs, actors, lines) = step_choices(case, regime, today);
            choices.extend([("to", rungs), ("taken_by", actors)]);
            guidance = lines;
        }
        Move::Extend => {
            choices.push((
                "obligation",
                items(extendable(case, regime).into_iter().map(|(o, text, _)| (o.to_string(), text))),
            ));
        }
        Move::AddPerson => choices.extend([("role", words(CaseRole::ALL)), ("power", words(Power::ALL))]),
        Move::RemovePerson => choices.push(("leaving", items(staying(case)))),
        Move::Action => {
            choices.push(("theme", items(plan.themes.iter().map(|t| (t.id.to_string(), t.title.clone())))));
            choices.push(("tag", words(ActionTag::ALL)));
        }
        Move::Criterion => {
            let mut of: Vec<(String, String)> =
                ExitKind::ALL.iter().map(|k| (format!("exit:{k}"), format!("The exit ({k})"))).collect();
            of.extend(plan.themes.iter().map(|t| (format!("theme:{}", t.id), format!("Theme: {}", t.title))));
            of.extend(
                plan.themes
                    .iter()
                    .flat_map(|t| &t.actions)
                    .map(|a| (format!("action:{}", a.id), format!("Action: {}", a.title))),
            );
            let snapshot = state.snapshot(None, None).await?;
            let mut indicators: Vec<(String, String)> = case
                .organisations
                .iter()
                .flat_map(|o| snapshot.series.get(o).into_iter().flatten())
                .map(|(_, code)| {
                    let name = snapshot.indicators.get(code).map_or_else(|| code.clone(), |i| i.title.clone());
                    (code.clone(), name)
                })
                .collect();
            indicators.sort();
            indicators.dedup();
            choices.extend([
                ("of", items(of)),
                ("organisation", items(case.organisations.iter().map(|c| (c.clone(), c.clone())))),
                ("indicator", items(indicators)),
                ("side", words(TargetSide::ALL)),
            ]);
        }
        Move::Judgement => {
            choices.push(("criterion", items(criteria_judged_by(plan, signed.viewer.who()))));
            choices.push(("met", items([("met".into(), "Met".into()), ("not_met".into(), "Not met".into())])));
        }
        Move::CheckInHeld => {
            let open = plan.check_ins.iter().filter(|c| c.held_on.is_none());
            choices.push((
                "check_in",
                items(open.map(|c| (c.id.to_string(), format!("Due {} with {}: {}", c.due, c.who, c.reviews)))),
            ));
        }
        Move::Close => {
            let exits = [
                ("outcome", "Outcome: standards restored"),
                ("capability", "Capability: able to carry on unaided"),
                ("structural", "Structural: reorganised, merged or transferred"),
            ];
            choices.push(("exit", items(exits.iter().map(|(v, t)| ((*v).to_string(), (*t).to_string())))));
        }
        Move::Progress => choices.extend([("action", items(actions(plan))), ("status", words(ProgressStatus::ALL))]),
        Move::Meet => choices.push(("obligation", items(unmet(case)))),
        Move::Theme | Move::CheckIn | Move::Meeting => {}
    }
    Ok((choices, guidance))
}

/// Every move's form as posted (and the API's request body): the fields of all of them,
/// each move reading its own, all as text, as a form sends them.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MoveForm {
    /// The session's CSRF token (forms only; the API takes it in `X-CSRF-Token`).
    #[schema(ignore)]
    csrf: String,
    /// A day (YYYY-MM-DD): of a step, a judgement, a progress update, an obligation met,
    /// a check-in held, the close; the day a person, theme, action or criterion takes
    /// part from (today when left out).
    on: String,
    /// Why: a step or an extension.
    reason: String,
    // Step.
    to: String,
    taken_by: String,
    jump_reason: String,
    // Extend.
    obligation: String,
    // Person.
    name: String,
    /// Who leaves: `ROLE:NAME`, as `GET …/moves` lists them.
    leaving: String,
    role: String,
    power: String,
    email: String,
    // Theme and action.
    title: String,
    theme: String,
    lead: String,
    due: String,
    tag: String,
    // Criterion.
    of: String,
    kind: String,
    description: String,
    judge: String,
    organisation: String,
    indicator: String,
    target: String,
    side: String,
    by: String,
    // Judgement.
    criterion: String,
    met: String,
    evidence: String,
    // Check-ins.
    who: String,
    reviews: String,
    check_in: String,
    outcome: String,
    // Progress.
    action: String,
    status: String,
    note: String,
    // Board meeting.
    held_on: String,
    minutes: String,
    /// One a line.
    decisions: String,
    // Close.
    worked: String,
    did_not_work: String,
    exit: String,
}

fn text(field: &'static str, v: &str, what: &str) -> Result<String, WebError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(WebError::BadField { field, reason: format!("give {what}") });
    }
    Ok(v.to_string())
}

fn word<W: std::str::FromStr<Err = failwell_domain::casework::UnknownWord>>(
    field: &'static str,
    v: &str,
) -> Result<W, WebError> {
    v.trim()
        .parse()
        .map_err(|e: failwell_domain::casework::UnknownWord| WebError::BadField { field, reason: e.to_string() })
}

/// A person as a form names them (the person page, and the first person of the opening
/// page): a name, a role, a power and an optional e-mail address.
pub(crate) fn person(name: &str, role: &str, power: &str, email: &str) -> Result<CaseActor, WebError> {
    let email = Some(email.trim().to_string()).filter(|e| !e.is_empty());
    if email.as_deref().is_some_and(|e| !e.contains('@') || e.contains(char::is_whitespace)) {
        return Err(WebError::BadField { field: "email", reason: "an e-mail address, like name@example.org".into() });
    }
    Ok(CaseActor {
        name: text("name", name, "the person's name")?,
        role: word("role", role)?,
        power: word("power", power)?,
        email,
    })
}

/// What a criterion form names it to: `exit:KIND`, `theme:ID` or `action:ID`.
fn criterion_of(v: &str) -> Result<CriterionOf, WebError> {
    let bad = || WebError::BadField { field: "of", reason: format!("choose what it is a criterion of (got {v:?})") };
    let (what, value) = v.split_once(':').ok_or_else(bad)?;
    match what {
        "exit" => Ok(CriterionOf::Exit(word("of", value)?)),
        "theme" => Ok(CriterionOf::Theme(value.parse().map_err(|_| bad())?)),
        "action" => Ok(CriterionOf::Action(value.parse().map_err(|_| bad())?)),
        _ => Err(bad()),
    }
}

/// `POST /interventions/{id}/{move}`: makes the move through the engine and goes back to
/// the part of the intervention page it changed.
pub(crate) async fn make(
    state: &AppState,
    signed: &Signed,
    id: i64,
    m: Move,
    f: MoveForm,
) -> Result<Response, PageError> {
    crate::auth::check_csrf(signed, &f.csrf)?;
    let case = state.store.intervention(id).await?.ok_or_else(|| WebError::NotFound(format!("intervention {id}")))?;
    may_make(state, signed, &case, m).await?;
    let anchor = apply(state, signed, &case, m, &f).await?;
    Ok(done(id, anchor))
}

/// Makes `m` on `case` as `signed` from the fields of `f`, once the caller has checked
/// that they may; returns the intervention page's part it changed.
async fn apply(
    state: &AppState,
    signed: &Signed,
    case: &StoredIntervention,
    m: Move,
    f: &MoveForm,
) -> Result<&'static str, WebError> {
    let (who, id) = (signed.viewer.who(), case.id);
    let regime = state.judge.regime();
    // The day a person or a part of the plan takes part from: today unless the form says.
    let from =
        || Ok::<_, WebError>(optional_day("on", &f.on)?.unwrap_or_else(|| time::OffsetDateTime::now_utc().date()));
    let anchor = match m {
        Move::Step => {
            let step = NewStep {
                to_rung: text("to", &f.to, "the rung to move to")?,
                by: text("taken_by", &f.taken_by, "who takes the step")?,
                on: day("on", &f.on)?,
                reason: text("reason", &f.reason, "the reason for the step")?,
                jump_reason: Some(f.jump_reason.trim().to_string()).filter(|r| !r.is_empty()),
                // A viewer the case names takes the step as one of its people.
                person: place_on(signed, case).map(|(name, _)| name.to_string()),
                recorded_by: who.to_string(),
            };
            engine::step(&state.store, regime, id, &step).await.map_err(WebError::from)?;
            "steps"
        }
        Move::Extend => {
            let obligation = number("obligation", &f.obligation)?;
            let reason = text("reason", &f.reason, "the reason for the extension")?;
            engine::extend(&state.store, regime, id, obligation, &reason, who).await.map_err(WebError::from)?;
            "obligations"
        }
        Move::AddPerson => {
            let person = person(&f.name, &f.role, &f.power, &f.email)?;
            engine::add_person(&state.store, id, &person, from()?, who).await.map_err(WebError::from)?;
            "people"
        }
        Move::RemovePerson => {
            let (role, name) = f.leaving.split_once(':').ok_or_else(|| WebError::BadField {
                field: "leaving",
                reason: format!("choose who leaves, as ROLE:NAME (got {:?})", f.leaving),
            })?;
            engine::remove_person(&state.store, id, name, word("leaving", role)?, from()?, who)
                .await
                .map_err(WebError::from)?;
            "people"
        }
        Move::Theme => {
            plan::add_theme(&state.store, id, &text("title", &f.title, "the theme's title")?, from()?, who)
                .await
                .map_err(WebError::from)?;
            "plan"
        }
        Move::Action => {
            let action = plan::NewAction {
                theme: number("theme", &f.theme)?,
                title: text("title", &f.title, "what is to be done")?,
                lead: text("lead", &f.lead, "the lead officer")?,
                due: day("due", &f.due)?,
                tag: word("tag", &f.tag)?,
                from: from()?,
            };
            plan::add_action(&state.store, id, &action, who).await.map_err(WebError::from)?;
            "plan"
        }
        Move::Criterion => {
            let of = criterion_of(&f.of)?;
            let rule = match f.kind.as_str() {
                "judged" => CriterionRule::Judged {
                    description: text("description", &f.description, "what is judged")?,
                    judge: text("judge", &f.judge, "the user name of who judges it")?,
                },
                "indicator" => CriterionRule::Indicator {
                    organisation: Code::new(f.organisation.trim())
                        .map_err(|e| WebError::BadField { field: "organisation", reason: e.to_string() })?,
                    indicator: Slug::new(f.indicator.trim())
                        .map_err(|e| WebError::BadField { field: "indicator", reason: e.to_string() })?,
                    target: f.target.trim().parse::<f64>().ok().filter(|t| t.is_finite()).ok_or_else(|| {
                        WebError::BadField { field: "target", reason: format!("{:?} is not a number", f.target) }
                    })?,
                    side: word("side", &f.side)?,
                    by: optional_day("by", &f.by)?,
                },
                other => {
                    return Err(WebError::BadField { field: "kind", reason: format!("unknown kind {other:?}") });
                }
            };
            plan::add_criterion(&state.store, id, of, &rule, from()?, who).await.map_err(WebError::from)?;
            "criteria"
        }
        Move::Judgement => {
            let criterion = number("criterion", &f.criterion)?;
            let met = match f.met.as_str() {
                "met" => true,
                "not_met" => false,
                _ => return Err(WebError::BadField { field: "met", reason: "choose met or not met".into() }),
            };
            let evidence = text("evidence", &f.evidence, "the evidence for the judgement")?;
            plan::judge_criterion(&state.store, id, criterion, day("on", &f.on)?, met, &evidence, who)
                .await
                .map_err(WebError::from)?;
            "criteria"
        }
        Move::CheckIn => {
            let due = day("due", &f.due)?;
            let holder = text("who", &f.who, "who holds it")?;
            let reviews = text("reviews", &f.reviews, "what it reviews")?;
            plan::schedule_check_in(&state.store, id, due, &holder, &reviews, who).await.map_err(WebError::from)?;
            "check-ins"
        }
        Move::CheckInHeld => {
            let check_in = number("check_in", &f.check_in)?;
            let outcome = text("outcome", &f.outcome, "what it found")?;
            plan::hold_check_in(&state.store, id, check_in, day("on", &f.on)?, &outcome, who)
                .await
                .map_err(WebError::from)?;
            "check-ins"
        }
        Move::Close => {
            let lessons = Lessons {
                worked: text("worked", &f.worked, "what worked")?,
                did_not_work: text("did_not_work", &f.did_not_work, "what did not work")?,
                exit: text("exit", &f.exit, "how it ended")?,
            };
            engine::close(&state.store, id, day("on", &f.on)?, &lessons, who).await.map_err(WebError::from)?;
            "lessons"
        }
        Move::Progress => {
            let action = number("action", &f.action)?;
            let status: ProgressStatus = word("status", &f.status)?;
            let note = text("note", &f.note, "what has happened")?;
            plan::record_progress(&state.store, id, action, day("on", &f.on)?, status, &note, who)
                .await
                .map_err(WebError::from)?;
            "plan"
        }
        Move::Meet => {
            let obligation = number("obligation", &f.obligation)?;
            engine::meet(&state.store, id, obligation, day("on", &f.on)?, who).await.map_err(WebError::from)?;
            "obligations"
        }
        Move::Meeting => {
            let held_on = day("held_on", &f.held_on)?;
            let minutes = text("minutes", &f.minutes, "the meeting's minutes")?;
            let decisions: Vec<String> =
                f.decisions.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
            failwell_engine::casework::board::record_meeting(&state.store, id, held_on, &minutes, &decisions, who)
                .await
                .map_err(WebError::from)?;
            "meetings"
        }
    };
    Ok(anchor)
}

/// The routes of the moves: each path answers `GET` with its form and `POST` with the move.
pub(crate) fn routes() -> Vec<(String, axum::routing::MethodRouter<AppState>)> {
    use axum::routing::get;
    Move::ALL
        .iter()
        .map(|&m| {
            let path = format!("/interventions/{{id}}/{}", m.slug());
            let router =
                get(move |State(state): State<AppState>, signed: Signed, id: Path<String>| async move {
                    page(&state, &signed, crate::casework::case_id(id)?, m).await
                })
                .post(
                    move |State(state): State<AppState>,
                          signed: Signed,
                          id: Path<String>,
                          Form(f): Form<MoveForm>| async move {
                        make(&state, &signed, crate::casework::case_id(id)?, m, f).await
                    },
                );
            (path, router)
        })
        .collect()
}

/// A move the viewer may make on a case now, with what its fields offer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MoveView {
    /// Its name, as `move` in the request body (and the last segment of its page's path).
    #[serde(rename = "move")]
    pub name: String,
    /// What it does.
    pub title: String,
    /// The form page that makes it.
    pub page: String,
    /// The values its choice fields take, by field name (a rung's id, an action's id, …).
    pub choices: std::collections::BTreeMap<String, Vec<ChoiceView>>,
    /// Lines of guidance (who applies which rung).
    pub guidance: Vec<String>,
}

/// One value a field may take.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ChoiceView {
    /// The value to send.
    pub value: String,
    /// What it means.
    pub text: String,
}

/// A casework move made through the API: the move's name beside its fields.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct MoveRequest {
    /// Which move (`GET …/moves` lists those the caller may make now).
    #[serde(rename = "move")]
    pub name: String,
    /// Its fields, as its form's (all text: days as YYYY-MM-DD, ids as digits).
    #[serde(flatten)]
    pub fields: MoveForm,
}

/// What a move made through the API changed.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MoveDone {
    /// The case.
    pub intervention: i64,
    /// The move made.
    #[serde(rename = "move")]
    pub name: String,
    /// Who made it (the account's user name, as the audit log has it).
    pub by: String,
    /// Where the case now stands, with its plan (the part of the intervention page it
    /// changed is `page`).
    pub review: String,
    /// The intervention page, at the part the move changed.
    pub page: String,
}

/// `GET /api/v1/interventions/{id}/moves`: the moves the caller may make on the case now,
/// each with the values its choice fields take (an empty list when it may make none).
#[utoipa::path(get, path = "/api/v1/interventions/{id}/moves", params(("id" = i64, Path, description = "The intervention")), responses((status = 200, body = Vec<MoveView>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn api_moves(
    State(state): State<AppState>,
    signed: Signed,
    id: Path<String>,
) -> Result<axum::Json<Vec<MoveView>>, crate::error::ApiError> {
    let id = crate::casework::case_id(id)?;
    let case = state.store.intervention(id).await?.ok_or_else(|| WebError::NotFound(format!("intervention {id}")))?;
    signed.allow(&state, Reach::Organisations(&orgs(&case))).await?;
    let plan = state.store.plan(id).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut out = Vec::new();
    for m in Move::ALL.into_iter().filter(|m| offered(*m, &signed, &case, &plan, state.judge.regime())) {
        let (choices, guidance) = offer(&state, &signed, &case, &plan, m, today).await?;
        let choices = choices
            .into_iter()
            .map(|(field, items)| {
                (field.to_string(), items.into_iter().map(|i| ChoiceView { value: i.value, text: i.text }).collect())
            })
            .collect();
        out.push(MoveView {
            name: m.slug().into(),
            title: m.title().into(),
            page: format!("/interventions/{id}/{}", m.slug()),
            choices,
            guidance,
        });
    }
    Ok(axum::Json(out))
}

/// `POST /api/v1/interventions/{id}/moves`: makes one casework move, as its page does, as
/// the token's (or session's) account: the same engine move, the same refusals, the same
/// audit entry. A session must send its CSRF token in `X-CSRF-Token`; an API token needs none.
#[utoipa::path(post, path = "/api/v1/interventions/{id}/moves", params(("id" = i64, Path, description = "The intervention")), request_body = MoveRequest, responses((status = 200, body = MoveDone), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn api_make(
    State(state): State<AppState>,
    signed: Signed,
    id: Path<String>,
    headers: axum::http::HeaderMap,
    body: Result<axum::Json<MoveRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<axum::Json<MoveDone>, crate::error::ApiError> {
    let id = crate::casework::case_id(id)?;
    let axum::Json(request) = body.map_err(|e| WebError::BadField { field: "body", reason: e.body_text() })?;
    if signed.session.is_some() {
        let token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
        crate::auth::check_csrf(&signed, token)?;
    }
    let m = Move::from_slug(&request.name).ok_or_else(|| WebError::BadField {
        field: "move",
        reason: format!("{:?} is not a move: one of {}", request.name, Move::ALL.map(Move::slug).join(", ")),
    })?;
    let case = state.store.intervention(id).await?.ok_or_else(|| WebError::NotFound(format!("intervention {id}")))?;
    may_make(&state, &signed, &case, m).await?;
    let who = signed.viewer.who();
    let anchor = apply(&state, &signed, &case, m, &request.fields).await?;
    Ok(axum::Json(MoveDone {
        intervention: id,
        name: m.slug().into(),
        by: who.to_string(),
        review: format!("/api/v1/interventions/{id}/review"),
        page: format!("/interventions/{id}#{anchor}"),
    }))
}
