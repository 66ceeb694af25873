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
pub(crate) async fn form(state: &AppState, signed: &Signed, code: &str) -> Result<Option<DecideForm>, WebError> {
    let Some(csrf) = signed.csrf.clone() else { return Ok(None) };
    let Some(scan) = state.store.last_scan().await? else { return Ok(None) };
    let rung = state.store.recommendation(scan.id, code).await?.and_then(|r| r.recommended_rung);
    Ok(rung.map(|rung| DecideForm { scan: scan.id, as_of: scan.as_of, rung: rung.replace('_', " "), csrf }))
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
    let to = format!("/organisations/{}#decisions", crate::query::encode(&code));
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
    match failwell_engine::decide::decide(&state.store, scan, code, accepted, reason, signed.viewer.who()).await {
        Ok(d) => {
            let detail = format!("{} {}: {reason}", d.decision.decision, d.decision.recommended_rung);
            signed.audit(state, "decide", &subject, &detail, "done").await?;
            Ok(d.decision)
        }
        Err(DecideError::Store(e)) => Err(WebError::Store(e)),
        Err(refused) => {
            signed.audit(state, "decide", &subject, &refused.to_string(), "refused").await?;
            Err(WebError::Refused(refused.to_string()))
        }
    }
}
