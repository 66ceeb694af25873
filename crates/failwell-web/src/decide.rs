//! Accepting or declining a recommendation from the organisation page: the form, and the
//! `POST` that records the decision under the engine's rule (the same as `failwell
//! decide`), as the signed-in user, with an audit entry.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{PageError, WebError};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use failwell_domain::access::Reach;
use failwell_engine::decide::DecideError;

/// What the decision form shows.
pub(crate) struct DecideForm {
    pub(crate) scan: i64,
    pub(crate) as_of: String,
    pub(crate) rung: String,
    pub(crate) csrf: String,
}

/// The form for `code`, when the latest recorded scan recommended a rung for it and the
/// viewer signed in with a session (API tokens decide through the CLI).
pub(crate) async fn form(
    state: &AppState,
    signed: &Signed,
    reads: &mut crate::casework::CaseReads,
    code: &str,
) -> Result<Option<DecideForm>, WebError> {
    let Some(csrf) = signed.csrf.clone() else { return Ok(None) };
    let recommended = reads.recommended(state, code).await?;
    Ok(recommended.map(|r| DecideForm { scan: r.scan, as_of: r.as_of, rung: r.rung.replace('_', " "), csrf }))
}

/// The decision form as posted.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    scan: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reason: String,
}

/// `POST /organisations/{code}/decisions`: records the decision and goes back to the page.
pub(crate) async fn record(
    State(state): State<AppState>,
    signed: Signed,
    Path(code): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    crate::auth::check_csrf(&signed, &form.csrf)?;
    let scan: i64 = form
        .scan
        .trim()
        .parse()
        .map_err(|_| WebError::BadField { field: "scan", reason: format!("{:?} is not a scan number", form.scan) })?;
    let accepted = match form.verdict.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            return Err(WebError::BadField { field: "verdict", reason: "choose accept or decline".into() }.into());
        }
    };
    let reason = form.reason.trim();
    if reason.is_empty() {
        return Err(WebError::BadField { field: "reason", reason: "say why: a decision needs a reason".into() }.into());
    }
    decide_as(&state, &signed, &code, scan, accepted, reason).await?;
    let to = format!("/organisations/{}#decisions", crate::query::segment(&code));
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response())
}

/// Records `signed`'s decision (the caller has checked the form or the request) under the
/// engine's rule, with its audit entry, done or refused.
pub(crate) async fn decide_as(
    state: &AppState,
    signed: &Signed,
    code: &str,
    scan: i64,
    accepted: bool,
    reason: &str,
) -> Result<failwell_store::Decision, WebError> {
    signed.allow(state, Reach::Decide).await?;
    let subject = format!("{code} scan {scan}");
    let by = signed.viewer.who();
    match failwell_engine::decide::decide(&state.store, scan, code, accepted, reason, by, signed.request_id.as_deref())
        .await
    {
        // Its audit entry is written with it.
        Ok(d) => Ok(d.decision),
        Err(DecideError::Store(e)) => Err(WebError::Store(e)),
        Err(refused) => {
            signed.audit(state, "decide", &subject, &refused.to_string(), "refused").await?;
            Err(WebError::Refused(refused.to_string()))
        }
    }
}

/// The form that opens the intervention an accepted decision proposed: the rung the
/// decision accepted, on the sector's ladder in force today, applied by one of the actors
/// the regime gives it to.
pub(crate) struct OpenForm {
    pub(crate) decision: i64,
    pub(crate) rung: String,
    pub(crate) actors: Vec<crate::view::SelectItem>,
    pub(crate) today: String,
    pub(crate) csrf: String,
}

/// The form for the organisation whose `decisions` and `cases` the page has read, when the
/// viewer decides, and its latest accepted decision has no intervention opened from it yet,
/// no open case stands on its rung, and it names a rung of the sector's ladder in force today.
pub(crate) fn open_form(
    state: &AppState,
    signed: &Signed,
    sector: &str,
    decisions: &[failwell_store::Decision],
    cases: &[crate::casework::InterventionView],
) -> Option<OpenForm> {
    let csrf = signed.csrf.clone()?;
    if !signed.may(Reach::Decide) {
        return None;
    }
    let d = decisions.iter().rev().find(|d| d.decision == "accepted")?;
    // Opened already, or an open case stands on that rung (the store would refuse a second).
    if cases.iter().any(|c| c.decision == Some(d.id) || (c.ended_on.is_none() && c.rung == d.recommended_rung)) {
        return None;
    }
    let today = time::OffsetDateTime::now_utc().date();
    let regime = state.judge.regime();
    let rung = regime.ladder_at(sector, today).and_then(|l| l.rung(&d.recommended_rung))?;
    let actors: Vec<crate::view::SelectItem> = rung
        .applied_by
        .iter()
        .filter_map(|id| regime.actors.iter().find(|a| a.id == *id && a.validity.contains(today)))
        .map(|a| crate::view::SelectItem {
            value: a.id.clone(),
            text: a.name.clone(),
            selected: false,
            disabled: false,
        })
        .collect();
    if actors.is_empty() {
        return None;
    }
    Some(OpenForm { decision: d.id, rung: rung.name.clone(), actors, today: failwell_domain::dates::iso(today), csrf })
}

/// An intervention to open, as posted: from the organisation page's offer (a decision,
/// whose rung it takes) or from the page that opens one without (a `sector/rung`, and
/// optionally the report's day, the planned end and a first person).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct OpenCaseForm {
    csrf: String,
    decision: String,
    rung: String,
    applied_by: String,
    start: String,
    report_published: String,
    planned_end: String,
    reason: String,
    name: String,
    role: String,
    power: String,
    email: String,
}

/// The first person named on the form, if any.
fn first_person(form: &OpenCaseForm) -> Result<Vec<failwell_domain::casework::CaseActor>, WebError> {
    if form.name.trim().is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![crate::casework_forms::moves::person(&form.name, &form.role, &form.power, &form.email)?])
}

/// `POST /organisations/{code}/interventions`: opens the intervention an accepted decision
/// proposed, linked to it (deciders), or one chosen on the opening page (those who steer
/// cases), through the engine's audited move (the same as `failwell intervention open`),
/// and goes to it.
pub(crate) async fn open_case(
    State(state): State<AppState>,
    signed: Signed,
    Path(code): Path<String>,
    Form(form): Form<OpenCaseForm>,
) -> Result<Response, PageError> {
    crate::auth::check_csrf(&signed, &form.csrf)?;
    let from_decision = !form.decision.trim().is_empty();
    signed.allow(&state, if from_decision { Reach::Decide } else { Reach::SteerCase }).await?;
    let start = crate::casework_forms::day("start", &form.start)?;
    if form.reason.trim().is_empty() {
        return Err(WebError::BadField { field: "reason", reason: "say why the intervention opens".into() }.into());
    }
    let (sector, rung, decision) = if from_decision {
        let decision: i64 = form.decision.trim().parse().map_err(|_| WebError::BadField {
            field: "decision",
            reason: format!("{:?} is not a decision", form.decision),
        })?;
        let Some(d) = state.store.decisions(Some(&code)).await?.into_iter().find(|d| d.id == decision) else {
            return Err(WebError::Refused(format!("decision {decision} is not a decision on {code}")).into());
        };
        let snapshot = state.snapshot(None, None).await?;
        let sector = snapshot.judgement(&code).map(|j| j.sector.clone()).unwrap_or_default();
        (sector, d.recommended_rung, Some(d.id))
    } else {
        let Some((sector, rung)) = form.rung.trim().split_once('/') else {
            return Err(WebError::BadField { field: "rung", reason: "choose the rung it opens on".into() }.into());
        };
        (sector.to_string(), rung.to_string(), None)
    };
    let organisation = failwell_domain::Code::new(&code)
        .map_err(|e| WebError::BadField { field: "organisation", reason: e.to_string() })?;
    let new = failwell_domain::casework::NewIntervention {
        organisations: vec![organisation],
        sector,
        rung,
        applied_by: form.applied_by.trim().to_string(),
        start,
        planned_end: crate::casework_forms::optional_day("planned_end", &form.planned_end)?,
        report_published: crate::casework_forms::optional_day("report_published", &form.report_published)?,
        actors: first_person(&form)?,
        reason: form.reason.trim().to_string(),
        opened_by: signed.viewer.who().to_string(),
        decision,
    };
    let id = failwell_engine::casework::open(&state.store, state.judge.regime(), &new).await.map_err(WebError::from)?;
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/interventions/{id}"))]).into_response())
}
