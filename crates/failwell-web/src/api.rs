//! The JSON API under `/api/v1`, mirroring the pages, and its OpenAPI document.
//!
//! Every handler here is listed in [`ApiDoc`]; the tests check that every documented
//! route answers and that every route the router has is documented.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{ApiError, Problem, WebError};
use crate::judgements::{Judgement, Named, SignalView};
use crate::query::{AsOfQuery, OverviewQuery};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use failwell_domain::Code;
use failwell_domain::access::Reach;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// The OpenAPI document of `/api/v1`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "failwell API",
        description = "failwell's judgements of public-service organisations: signals, risk bands per failure type and the recommended rung, as known on any day."
    ),
    paths(
        health,
        ready,
        organisations,
        organisation,
        scans,
        record_scan,
        decisions,
        decide,
        crate::import_api::import,
        crate::casework::api_interventions,
        crate::casework::api_intervention,
        crate::casework::api_review,
        crate::casework_forms::moves::api_moves,
        crate::casework_forms::moves::api_make,
        crate::casework::api_journey,
        crate::admin::api,
        crate::admin::reminders_api,
        crate::accounts_page::api,
        openapi
    ),
    components(schemas(
        Problem,
        Health,
        Ready,
        OrganisationList,
        OrganisationSummary,
        OrganisationDetail,
        Judgement,
        Named,
        SignalView,
        Rating,
        LinkView,
        ScanView,
        RecordedView,
        DecisionView,
        DecideRequest,
        crate::import_api::ImportView,
        crate::import_api::RowErrorView,
        crate::import_api::ImportProblem,
        crate::casework::InterventionView,
        crate::casework::ObligationView,
        crate::casework::CaseActorView,
        crate::casework::StepView,
        crate::casework::JourneyView,
        crate::casework::EpisodeView,
        crate::casework_forms::moves::MoveView,
        crate::casework_forms::moves::ChoiceView,
        crate::casework_forms::moves::MoveRequest,
        crate::casework_forms::moves::MoveForm,
        crate::casework_forms::moves::MoveDone,
        crate::admin::AuditEntryView,
        crate::admin::ReminderLog,
        crate::admin::ReminderView,
        crate::accounts_page::AccountView
    )),
    modifiers(&BearerToken, &ProblemDetails)
)]
pub struct ApiDoc;

/// Declares the API's one way to authenticate, so that generated clients send the token:
/// `Authorization: Bearer TOKEN` (an account's API token, `failwell user token`). It is
/// optional document-wide: the public reads published judgements without one, and a route
/// that needs more answers 401 or 403 (each route lists those responses).
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "An account's API token (`failwell user token USERNAME`), sent as `Authorization: Bearer TOKEN`.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
        openapi.security =
            Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new()), SecurityRequirement::default()]);
    }
}

/// Says problem details as the service sends them, `application/problem+json` (RFC 9457),
/// and gives every route that needs an account its 401: every route but the health,
/// readiness and this document answers 401 to a request with no session or token.
struct ProblemDetails;

impl utoipa::Modify for ProblemDetails {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        const PROBLEM: &str = "application/problem+json";
        let is_problem = |c: &RefOr<utoipa::openapi::Content>| match c {
            RefOr::T(c) => matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("Problem")),
            RefOr::Ref(_) => false,
        };
        for (path, item) in &mut openapi.paths.paths {
            let open = matches!(path.as_str(), "/api/v1/health" | "/api/v1/ready" | "/api/v1/openapi.json");
            for op in [&mut item.get, &mut item.post].into_iter().flatten() {
                for response in op.responses.responses.values_mut() {
                    let RefOr::T(response) = response else { continue };
                    if response.content.get("application/json").is_some_and(is_problem)
                        && let Some(c) = response.content.shift_remove("application/json")
                    {
                        response.content.insert(PROBLEM.to_string(), c);
                    }
                }
                if !open && !op.responses.responses.contains_key("401") {
                    let problem = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
                    let unauthorised = ResponseBuilder::new()
                        .description("No session or API token (problem details)")
                        .content(PROBLEM, problem)
                        .build();
                    op.responses.responses.insert("401".to_string(), RefOr::T(unauthorised));
                }
            }
        }
    }
}

/// The process is up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

/// The store is reachable and its schema up to date.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    /// `ready`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The schema version the database has.
    pub schema_version: i64,
}

/// Every route of `/api/v1`, as the router serves them (relative to `/api/v1`). The
/// router is built from this list and the tests compare it with [`ApiDoc`]'s paths, so an
/// undocumented route cannot be added by accident.
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/health", get(health)),
        ("/ready", get(ready)),
        ("/organisations", get(organisations)),
        ("/organisations/{code}", get(organisation)),
        ("/scans", get(scans).post(record_scan)),
        ("/decisions", get(decisions).post(decide)),
        (
            "/imports",
            axum::routing::post(crate::import_api::import)
                .layer(axum::extract::DefaultBodyLimit::max(crate::import_api::MAX_BODY)),
        ),
        ("/interventions", get(crate::casework::api_interventions)),
        ("/interventions/{id}", get(crate::casework::api_intervention)),
        ("/interventions/{id}/review", get(crate::casework::api_review)),
        (
            "/interventions/{id}/moves",
            get(crate::casework_forms::moves::api_moves).post(crate::casework_forms::moves::api_make),
        ),
        ("/organisations/{code}/journey", get(crate::casework::api_journey)),
        ("/audit", get(crate::admin::api)),
        ("/reminders", get(crate::admin::reminders_api)),
        ("/accounts", get(crate::accounts_page::api)),
        ("/openapi.json", get(openapi)),
    ]
}

/// `GET /api/v1/health`: the process is up (nothing else is checked).
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok".into() })
}

/// `GET /api/v1/ready`: the store answers and every migration is applied.
#[utoipa::path(get, path = "/api/v1/ready", responses((status = 200, body = Ready), (status = 503, body = Problem)))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let unready = |detail: String| {
        tracing::warn!(%detail, "not ready");
        let problem = Problem {
            kind: "about:blank".into(),
            title: "Service Unavailable".into(),
            status: 503,
            detail,
            parameter: None,
            field: None,
        };
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
            serde_json::to_vec(&problem).unwrap_or_default(),
        )
            .into_response()
    };
    match state.store.schema_versions().await {
        Ok((Some(have), want)) if have == want => Json(Ready {
            status: "ready".into(),
            backend: format!("{:?}", state.store.backend()).to_lowercase(),
            schema_version: have,
        })
        .into_response(),
        Ok((have, want)) => unready(format!("the store's schema is at version {have:?}; this build needs {want}")),
        Err(e) => {
            tracing::warn!(error = %e, "store unreachable");
            unready("the store does not answer".into())
        }
    }
}

/// One organisation in the national overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationSummary {
    /// Code (GSS, ODS or URN).
    pub code: String,
    /// Name.
    pub name: String,
    /// Sector id.
    pub sector: String,
    /// Region, as the registry names it.
    pub region: Option<String>,
    /// The rung it stands on.
    pub current_rung: Option<Named>,
    /// The rung recommended.
    pub recommended_rung: Option<Named>,
    /// Worst band of any failure type.
    pub overall_band: String,
    /// Band per failure type.
    pub bands: std::collections::BTreeMap<String, String>,
    /// How many signals.
    pub signals: usize,
}

/// The national overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationList {
    /// The day judged as of.
    pub as_of: String,
    /// Whether an as-of day was asked for (else: everything stored).
    pub as_of_requested: bool,
    /// Regime id and version.
    pub regime: String,
    /// Organisations judged in all.
    pub total: usize,
    /// Organisations passing the filters (on every page together).
    pub matched: usize,
    /// How many of them were skipped before this page.
    pub offset: usize,
    /// The page size asked for.
    pub limit: usize,
    /// The address of the next page, when there is one.
    pub next: Option<String>,
    /// This page of those passing the filters, in the order asked for (ties by code).
    pub organisations: Vec<OrganisationSummary>,
}

/// `GET /api/v1/organisations`: the national overview, filtered and sorted as the page is.
#[utoipa::path(get, path = "/api/v1/organisations", params(OverviewQuery),
    responses((status = 200, body = OrganisationList), (status = 400, body = Problem)))]
pub async fn organisations(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<OverviewQuery>,
) -> Result<Json<OrganisationList>, ApiError> {
    signed.allow(&state, Reach::National).await?;
    let (offset, limit) = query.page()?;
    let (snapshot, filters, shown) = crate::pages::filtered(&state, &query, signed.marks).await?;
    let report = &snapshot.report;
    let next = (offset.saturating_add(limit) < shown.len()).then(|| {
        let mut q = filters.query_with_sort(filters.sort);
        q.push_str(&format!("&offset={}&limit={limit}", offset + limit));
        format!("/api/v1/organisations?{q}")
    });
    let organisations = shown
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&i| {
            let j = &report.organisations[i];
            OrganisationSummary {
                code: j.code.clone(),
                name: j.name.clone(),
                sector: j.sector.clone(),
                region: snapshot.organisations.get(&j.code).and_then(|o| o.region.clone()),
                current_rung: j.current_rung.clone(),
                recommended_rung: j.recommended_rung.clone(),
                overall_band: j.overall_band.clone(),
                bands: j.bands.clone(),
                signals: j.signals.len(),
            }
        })
        .collect();
    Ok(Json(OrganisationList {
        as_of: report.as_of.clone(),
        as_of_requested: filters.as_of.is_some(),
        regime: format!("{} {}", report.regime, report.regime_version),
        total: report.organisations.len(),
        matched: shown.len(),
        offset,
        limit,
        next,
        organisations,
    }))
}

/// An inspection judgement.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rating {
    /// Regulator id.
    pub regulator: String,
    /// Inspection framework.
    pub framework: String,
    /// Overall grade.
    pub overall: String,
    /// Inspected on (ISO 8601).
    pub inspected_on: String,
    /// Published on (ISO 8601).
    pub published_on: String,
}

/// A link to another organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    /// `neighbour`, `member_of`, `predecessor_of`, …
    pub link_type: String,
    /// From (code).
    pub from: String,
    /// To (code).
    pub to: String,
    /// Rank (statistical neighbours: 1 is closest).
    pub rank: Option<u32>,
}

/// One organisation: identity, judgement, ratings and links.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationDetail {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Sector id.
    pub sector: String,
    /// Organisation type.
    pub org_type: String,
    /// Region.
    pub region: Option<String>,
    /// The day judged as of.
    pub as_of: String,
    /// What the engine judged (absent when the scan did not report it).
    pub judgement: Option<Judgement>,
    /// Inspection judgements published by the day, newest first.
    pub ratings: Vec<Rating>,
    /// Links touching it.
    pub links: Vec<LinkView>,
}

/// `GET /api/v1/organisations/{code}`: one organisation.
#[utoipa::path(get, path = "/api/v1/organisations/{code}", params(("code" = String, Path, description = "GSS, ODS or URN code"), AsOfQuery),
    responses((status = 200, body = OrganisationDetail), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn organisation(
    State(state): State<AppState>,
    signed: Signed,
    Path(code): Path<String>,
    Query(query): Query<AsOfQuery>,
) -> Result<Json<OrganisationDetail>, ApiError> {
    let this: Vec<Code> = Code::new(&code).into_iter().collect();
    signed.allow(&state, Reach::Organisations(&this)).await?;
    let snapshot = state.snapshot(query.date()?, signed.marks).await?;
    let Some(org) = snapshot.organisations.get(&code) else {
        return Err(WebError::NotFound(format!("organisation {code:?}")).into());
    };
    let iso = failwell_domain::dates::iso;
    Ok(Json(OrganisationDetail {
        code: org.code.to_string(),
        name: org.name.clone(),
        sector: org.sector.to_string(),
        org_type: org.org_type.to_string(),
        region: org.region.clone(),
        as_of: snapshot.report.as_of.clone(),
        judgement: snapshot.judgement(&code).cloned(),
        ratings: snapshot
            .inspections
            .get(&code)
            .into_iter()
            .flatten()
            .map(|i| Rating {
                regulator: i.regulator.to_string(),
                framework: i.framework.to_string(),
                overall: i.overall.to_string(),
                inspected_on: iso(i.inspected_on),
                published_on: iso(i.published_on),
            })
            .collect(),
        links: snapshot
            .links
            .get(&code)
            .into_iter()
            .flatten()
            .map(|l| LinkView {
                link_type: l.link_type.code().into(),
                from: l.from.to_string(),
                to: l.to.to_string(),
                rank: l.rank,
            })
            .collect(),
    }))
}

/// A recorded scan.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanView {
    /// Its id.
    pub id: i64,
    /// The day it judged as of.
    pub as_of: String,
    /// Regime id.
    pub regime: String,
    /// Regime version.
    pub regime_version: String,
    /// `full` or `incremental`.
    pub mode: String,
    /// Organisations reported.
    pub organisations: i64,
    /// Signals seen.
    pub signals: i64,
    /// Signals first seen by it.
    pub new_signals: i64,
    /// Signals of earlier scans it closed.
    pub closed_signals: i64,
}

/// `GET /api/v1/scans`: the recorded scans, newest first.
#[utoipa::path(get, path = "/api/v1/scans", responses((status = 200, body = Vec<ScanView>)))]
pub async fn scans(State(state): State<AppState>, signed: Signed) -> Result<Json<Vec<ScanView>>, ApiError> {
    signed.allow(&state, Reach::National).await?;
    let list = state.store.scans(crate::SCANS_LISTED).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| ScanView {
                id: s.id,
                as_of: s.as_of,
                regime: s.regime,
                regime_version: s.regime_version,
                mode: s.mode,
                organisations: s.organisations,
                signals: s.signals,
                new_signals: s.new_signals,
                closed_signals: s.closed_signals,
            })
            .collect(),
    ))
}

/// A decision on a recommendation.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    /// Its id, in recording order.
    pub id: i64,
    /// The scan that made the recommendation.
    pub scan_id: i64,
    /// Organisation code.
    pub organisation: String,
    /// The rung recommended.
    pub recommended_rung: String,
    /// `accepted` or `declined`.
    pub decision: String,
    /// Why.
    pub reason: String,
    /// Who decided.
    pub decided_by: String,
    /// When (RFC 3339, UTC).
    pub decided_at: String,
}

/// `GET /api/v1/decisions`: every decision, in the order recorded.
#[utoipa::path(get, path = "/api/v1/decisions", responses((status = 200, body = Vec<DecisionView>)))]
pub async fn decisions(State(state): State<AppState>, signed: Signed) -> Result<Json<Vec<DecisionView>>, ApiError> {
    signed.allow(&state, Reach::National).await?;
    let list = state.store.decisions(None).await?;
    Ok(Json(list.into_iter().map(decision_view).collect()))
}

/// A decision on a recommendation, as the API takes it.
#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct DecideRequest {
    /// The recorded scan whose recommendation is decided on.
    pub scan: i64,
    /// The organisation's code.
    pub organisation: String,
    /// `accept` or `decline`.
    pub verdict: String,
    /// Why (not blank).
    pub reason: String,
}

fn decision_view(d: failwell_store::Decision) -> DecisionView {
    DecisionView {
        id: d.id,
        scan_id: d.scan_id,
        organisation: d.organisation,
        recommended_rung: d.recommended_rung,
        decision: d.decision,
        reason: d.reason,
        decided_by: d.decided_by,
        decided_at: d.decided_at,
    }
}

/// `POST /api/v1/decisions`: accept or decline a recorded scan's recommendation, as
/// `failwell decide` does, as the token's (or session's) account. A session must send its
/// CSRF token in `X-CSRF-Token`; an API token needs none.
#[utoipa::path(post, path = "/api/v1/decisions", request_body = DecideRequest, responses((status = 201, body = DecisionView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    signed: Signed,
    headers: axum::http::HeaderMap,
    body: Result<Json<DecideRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<DecisionView>), ApiError> {
    let Json(request) = body.map_err(|e| WebError::BadField { field: "body", reason: e.body_text() })?;
    if signed.session.is_some() {
        let token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
        crate::auth::check_csrf(&signed, token)?;
    }
    let accepted = match request.verdict.as_str() {
        "accept" => true,
        "decline" => false,
        other => {
            return Err(
                WebError::BadField { field: "verdict", reason: format!("{other:?}: use accept or decline") }.into()
            );
        }
    };
    if request.reason.trim().is_empty() {
        return Err(WebError::BadField { field: "reason", reason: "say why: a decision needs a reason".into() }.into());
    }
    let d =
        crate::decide::decide_as(&state, &signed, &request.organisation, request.scan, accepted, request.reason.trim())
            .await?;
    Ok((StatusCode::CREATED, Json(decision_view(d))))
}

/// A scan just recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedView {
    /// Its id: what `POST /api/v1/decisions` names as `scan`.
    pub scan_id: i64,
    /// Signals no earlier scan had seen.
    pub new_signals: usize,
    /// Signals continuing one an earlier scan saw.
    pub ongoing_signals: usize,
    /// Signals earlier scans saw and this one did not.
    pub closed_signals: usize,
}

/// `POST /api/v1/scans`: records a scan of the store as it is now, as `failwell scan`
/// does (analysts and administrators; a session must send `X-CSRF-Token`).
#[utoipa::path(post, path = "/api/v1/scans", responses((status = 201, body = RecordedView), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn record_scan(
    State(state): State<AppState>,
    signed: Signed,
    headers: axum::http::HeaderMap,
) -> Result<(StatusCode, Json<RecordedView>), ApiError> {
    if signed.session.is_some() {
        let token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
        crate::auth::check_csrf(&signed, token)?;
    }
    let r = crate::pages::record_scan_as(&state, &signed).await?;
    Ok((
        StatusCode::CREATED,
        Json(RecordedView {
            scan_id: r.scan_id,
            new_signals: r.new_signals,
            ongoing_signals: r.ongoing_signals,
            closed_signals: r.closed_signals.len(),
        }),
    ))
}

/// `GET /api/v1/openapi.json`: this API's OpenAPI 3 document.
#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Any other address under `/api`: a problem-details 404.
pub async fn not_found() -> ApiError {
    ApiError(WebError::NotFound("route".into()))
}
