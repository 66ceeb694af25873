//! Casework moves on the web: the forms the intervention page carries for the frequent
//! moves (recording progress on a plan's action, an obligation met, a board meeting's
//! minutes and decisions) and links to the pages of the rest; every move itself, its page,
//! its route and its API are [`moves`]. Each is a GOV.UK form with the session's CSRF token,
//! allowed by the domain's access rule (a board member moves on the cases they sit on; a
//! provider's staff report their own plan's progress; analysts anything), and made by the
//! engine exactly as `failwell plan progress` and `failwell intervention meet` make it,
//! with the user name as who made it and the engine's audit entry, done or refused.

use crate::auth::Signed;
use crate::error::WebError;
use crate::view::SelectItem;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use failwell_engine::casework::plan::CaseReview;
use time::Date;

pub(crate) mod moves;
use moves::Move;
pub(crate) mod open;

/// The forms the intervention page shows the viewer (each `None` when they may not use it
/// or there is nothing to do with it).
pub(crate) struct CaseForms {
    pub(crate) csrf: String,
    pub(crate) today: String,
    /// Actions to report progress on, and the statuses.
    pub(crate) progress: Option<(Vec<SelectItem>, Vec<SelectItem>)>,
    /// Obligations not yet met or lapsed.
    pub(crate) meet: Option<Vec<SelectItem>>,
    /// Whether the viewer may record a board meeting.
    pub(crate) meeting: bool,
    /// The pages of the other moves the viewer may make: (path, text).
    pub(crate) moves: Vec<(String, &'static str)>,
}

fn items(values: impl IntoIterator<Item = (String, String)>) -> Vec<SelectItem> {
    values.into_iter().map(|(value, text)| SelectItem { value, text, selected: false, disabled: false }).collect()
}

/// The forms for `review`'s case as `signed` may use them on `today` (on a closed case,
/// only the links to the moves that follow an exit).
pub(crate) fn forms(
    signed: &Signed,
    review: &CaseReview,
    regime: &failwell_domain::regime::Regime,
    today: Date,
) -> Option<CaseForms> {
    let csrf = signed.csrf.clone()?;
    let (case, plan) = (&review.intervention, &review.plan);
    let offered = |m| moves::offered(m, signed, case, plan, regime);
    let links = moves::links(signed, case, plan, regime);
    let progress = offered(Move::Progress)
        .then(|| (items(moves::actions(plan)), moves::words(failwell_domain::casework::ProgressStatus::ALL)));
    let meet = offered(Move::Meet).then(|| items(moves::unmet(case)));
    let meeting = offered(Move::Meeting);
    (progress.is_some() || meet.is_some() || meeting || !links.is_empty()).then(|| CaseForms {
        csrf,
        today: failwell_domain::dates::iso(today),
        progress,
        meet,
        meeting,
        moves: links,
    })
}

fn number(field: &'static str, v: &str) -> Result<i64, WebError> {
    v.trim().parse().map_err(|_| WebError::BadField { field, reason: format!("choose one (got {v:?})") })
}

/// A day typed in form field `field`.
pub(crate) fn day(field: &'static str, v: &str) -> Result<Date, WebError> {
    failwell_domain::dates::parse_date(v.trim())
        .map_err(|e| WebError::BadField { field, reason: format!("{v:?} is not a day (YYYY-MM-DD): {e}") })
}

/// A day typed in form field `field`, if one was typed.
pub(crate) fn optional_day(field: &'static str, v: &str) -> Result<Option<Date>, WebError> {
    if v.trim().is_empty() { Ok(None) } else { day(field, v).map(Some) }
}

fn done(id: i64, anchor: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/interventions/{id}#{anchor}"))]).into_response()
}
