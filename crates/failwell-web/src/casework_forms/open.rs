//! Opening an intervention that no scan's recommendation proposed: a peer review agreed
//! with the council, a notice after an inspection published before failwell's next scan.
//! The overseer's move ([`Reach::SteerCase`]), on a page of its own, posted to the same
//! route as the organisation page's offer (`POST /organisations/{code}/interventions`),
//! which opens it through the engine's audited move.

use super::items;
use super::moves::{actor_items, applied_by_line, rungs_in_force, words};
use crate::AppState;
use crate::auth::Signed;
use crate::error::{PageError, WebError};
use crate::view::SelectItem;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use failwell_domain::access::Reach;
use failwell_domain::casework::{CaseRole, Power};

/// The page that opens an intervention on one organisation.
#[derive(Template, WebTemplate)]
#[template(path = "case_open.html")]
pub(crate) struct OpenPage {
    code: String,
    /// The code as a path segment, for the page's links and form.
    code_url: String,
    name: String,
    csrf: String,
    today: String,
    /// Every rung in force on every sector's ladder, as `sector/rung`; the organisation's
    /// own sector first.
    rungs: Vec<SelectItem>,
    actors: Vec<SelectItem>,
    roles: Vec<SelectItem>,
    powers: Vec<SelectItem>,
    /// Who applies each rung.
    guidance: Vec<String>,
}

/// `GET /organisations/{code}/interventions/new`: the form, for those who steer cases.
pub(crate) async fn page(
    State(state): State<AppState>,
    signed: Signed,
    Path(code): Path<String>,
) -> Result<OpenPage, PageError> {
    signed.allow(&state, Reach::SteerCase).await?;
    let Some(csrf) = signed.csrf.clone() else {
        return Err(WebError::Refused("sign in with the form to open an intervention".into()).into());
    };
    let snapshot = state.snapshot(None, None).await?;
    let org = snapshot.organisations.get(&code).ok_or_else(|| WebError::NotFound(format!("organisation {code:?}")))?;
    let own = snapshot.judgement(&code).map(|j| j.sector.clone()).unwrap_or_default();
    let regime = state.judge.regime();
    let today = time::OffsetDateTime::now_utc().date();
    let mut ladders: Vec<_> =
        regime.sectors.iter().filter_map(|s| regime.ladder_at(&s.id, today).map(|l| (s, l))).collect();
    ladders.sort_by_key(|(s, _)| s.id != own);
    let mut rungs = Vec::new();
    let mut every = Vec::new();
    let mut guidance = Vec::new();
    for (sector, ladder) in ladders {
        let these = rungs_in_force(regime, ladder, None, today);
        for (r, actors) in &these {
            rungs.push((format!("{}/{}", sector.id, r.id), format!("{}: {} (level {})", sector.name, r.name, r.level)));
            guidance.push(format!("{}: {}", sector.name, applied_by_line(r, actors)));
        }
        every.extend(these);
    }
    Ok(OpenPage {
        code: code.clone(),
        code_url: crate::query::segment(&code),
        name: org.name.clone(),
        csrf,
        today: failwell_domain::dates::iso(today),
        rungs: items(rungs),
        actors: actor_items(&every),
        roles: words(CaseRole::ALL),
        powers: words(Power::ALL),
        guidance,
    })
}
