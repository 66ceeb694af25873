//! Casework on the web: the interventions, one intervention with its people, steps and
//! obligations, a person's work (what falls due on the cases they sit on), and each
//! organisation's journey, as pages and as `/api/v1` JSON. The forms that change a case
//! are in [`crate::casework_forms`].
//!
//! Obligations are judged against today (the server's clock, UTC) or `?today=YYYY-MM-DD`.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{ApiError, PageError, WebError};
use crate::pages::{ListPage, heads};
use crate::query::segment;
use crate::view::{Cell, SelectItem, SummaryRow, long_date, select_items};
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, Query, State};
use failwell_domain::Code;
use failwell_domain::access::Reach;
use failwell_domain::casework::DueStatus;
use failwell_domain::dates::{iso, parse_date};
use failwell_engine::casework::journey::{self, Journey};
use failwell_store::{Decision, StoredIntervention, StoredMeeting, StoredPlan};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::Date;
use utoipa::{IntoParams, ToSchema};

/// `?today=` and `?person=` of the casework pages.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct CaseQuery {
    /// The day obligations are judged against (YYYY-MM-DD; default: today).
    pub today: Option<String>,
    /// Only cases this person takes part in on the day (by name, as recorded; not those they have left).
    pub person: Option<String>,
    /// Only cases covering this organisation (its code).
    pub organisation: Option<String>,
}

impl CaseQuery {
    fn today(&self) -> Result<Date, WebError> {
        day_asked(self.today.as_deref())
    }
}

/// `?today=` alone: an organisation's journey has no cases to choose among.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct DayQuery {
    /// The day the journey is read as of (YYYY-MM-DD; default: today).
    pub today: Option<String>,
}

/// The day a casework read is as of: today unless asked.
fn day_asked(today: Option<&str>) -> Result<Date, WebError> {
    match today.filter(|t| !t.is_empty()) {
        None => Ok(time::OffsetDateTime::now_utc().date()),
        Some(t) => parse_date(t).map_err(|e| WebError::BadParameter {
            parameter: "today",
            reason: format!("{t:?} is not a date (YYYY-MM-DD): {e}"),
        }),
    }
}

/// An obligation with where it stands on the day asked about.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObligationView {
    /// Its id.
    pub id: i64,
    /// The rung whose clock laid it out.
    pub rung: String,
    /// The clock's id.
    pub clock: String,
    /// What is due.
    pub name: String,
    /// When (YYYY-MM-DD).
    pub due: String,
    /// `overdue`, `due_today`, `due_soon`, `later`, `met` or `lapsed`.
    #[schema(value_type = String)]
    pub status: DueStatus,
    /// Guidance gives the time only roughly: a reminder, not a breach.
    pub approximate: bool,
    /// Counted from the day the rung was applied for want of a report's day.
    pub counted_from_entry: bool,
    /// When it was met.
    pub met_on: Option<String>,
    /// Who recorded it met.
    pub met_by: Option<String>,
    /// When it lapsed (the case moved on or closed first).
    pub lapsed_on: Option<String>,
    /// How many times its deadline was extended.
    pub extensions: i64,
    /// Its due day before any extension.
    pub first_due: Option<String>,
}

/// A person on a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseActorView {
    /// Name.
    pub name: String,
    /// Role (`board_chair`, `peer_reviewer`, …).
    pub role: String,
    /// Power: `monitor`, `advise`, `direct` or `replace`.
    pub power: String,
    /// The day they joined, when after the case opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The day they left, if they have: not on the case from then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left: Option<String>,
}

/// A move on the ladder (the opening first, with no `from_rung`).
#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    /// The day.
    pub on: String,
    /// The rung left.
    pub from_rung: Option<String>,
    /// The rung moved to.
    pub to_rung: String,
    /// The regime actor who took it.
    pub by: String,
    /// Why.
    pub reason: String,
    /// Why a jump of more than one rung was needed.
    pub jump_reason: Option<String>,
}

/// An intervention.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterventionView {
    /// Its id.
    pub id: i64,
    /// `open` or `closed`.
    pub status: String,
    /// The organisations it covers.
    pub organisations: Vec<String>,
    /// Sector.
    pub sector: String,
    /// Ladder.
    pub ladder: String,
    /// The rung it stands on.
    pub rung: String,
    /// The rung's name in the regime.
    pub rung_name: String,
    /// Legal basis of the rung it opened on: statutory (true) or by agreement.
    pub statutory: bool,
    /// The regime actor who applied it.
    pub applied_by: String,
    /// Start.
    pub start_on: String,
    /// Planned end.
    pub planned_end: Option<String>,
    /// Actual end.
    pub ended_on: Option<String>,
    /// Why it opened.
    pub reason: String,
    /// The accepted decision it answers.
    pub decision: Option<i64>,
    /// Its people.
    pub actors: Vec<CaseActorView>,
    /// Its moves.
    pub steps: Vec<StepView>,
    /// Its obligations.
    pub obligations: Vec<ObligationView>,
    /// The lessons recorded at closing (`worked`, `did_not_work`, `exit`).
    #[schema(value_type = Option<Object>)]
    pub lessons: Option<serde_json::Value>,
    /// The day obligations were judged against.
    pub today: String,
}

/// The GOV.UK tag colour of an obligation's status.
fn status_tag(s: DueStatus) -> &'static str {
    match s {
        DueStatus::Overdue => "govuk-tag--red",
        DueStatus::DueToday => "govuk-tag--orange",
        DueStatus::DueSoon => "govuk-tag--yellow",
        DueStatus::Later => "govuk-tag--blue",
        DueStatus::Met => "govuk-tag--green",
        DueStatus::Lapsed => "govuk-tag--grey",
    }
}

fn view(state: &AppState, c: StoredIntervention, today: Date) -> InterventionView {
    let rung_name = state.judge.regime().rung(&c.ladder, &c.rung).map_or_else(|| c.rung.clone(), |r| r.name.clone());
    InterventionView {
        id: c.id,
        status: c.status().into(),
        rung_name,
        obligations: c
            .obligations
            .iter()
            .map(|o| ObligationView {
                id: o.id,
                rung: o.rung.clone(),
                clock: o.clock.clone(),
                name: o.name.clone(),
                due: o.due.clone(),
                status: o.status_on(today).unwrap_or(DueStatus::DueToday),
                approximate: o.approximate,
                counted_from_entry: o.counted_from_entry,
                met_on: o.met_on.clone(),
                met_by: o.met_by.clone(),
                lapsed_on: o.lapsed_on.clone(),
                extensions: o.extensions,
                first_due: o.first_due.clone(),
            })
            .collect(),
        actors: c
            .actors
            .into_iter()
            .map(|a| CaseActorView { name: a.name, role: a.role, power: a.power, from: a.from, left: a.left })
            .collect(),
        steps: c
            .steps
            .into_iter()
            .map(|s| StepView {
                on: s.on,
                from_rung: s.from_rung,
                to_rung: s.to_rung,
                by: s.by,
                reason: s.reason,
                jump_reason: s.jump_reason,
            })
            .collect(),
        organisations: c.organisations,
        sector: c.sector,
        ladder: c.ladder,
        rung: c.rung,
        statutory: c.statutory,
        applied_by: c.applied_by,
        start_on: c.start_on,
        planned_end: c.planned_end,
        ended_on: c.ended_on,
        reason: c.reason,
        decision: c.decision,
        lessons: c.lessons,
        today: iso(today),
    }
}

/// Casework as read from the store at one mark ([`failwell_store::StoreMarks::changed`]
/// and [`failwell_store::StoreMarks::scan`]): each organisation's cases and decisions, the
/// latest recorded scan's recommendation for it, each case's plan and board meetings.
/// Shared by every request that reads at the same mark; the first request at a newer mark
/// empties it. Both parts of the mark only grow, so a mark read later is never less.
#[derive(Default)]
pub(crate) struct CaseCache {
    mark: Mark,
    parts: Parts,
}

/// The marks casework is kept at: (committed writes, newest recorded scan).
pub(crate) type Mark = (i64, i64);

/// What [`CaseCache`] and [`CaseReads`] each hold.
#[derive(Default)]
struct Parts {
    interventions: HashMap<String, Vec<StoredIntervention>>,
    decisions: HashMap<String, Vec<Decision>>,
    recommended: HashMap<String, Option<Recommended>>,
    plans: HashMap<i64, StoredPlan>,
    meetings: HashMap<i64, Vec<StoredMeeting>>,
}

/// One request's reads of casework, each made once, and kept for the requests after it
/// until the store changes. An organisation page shows the same cases in its journey, its
/// list of cases, its timeline and its charts' targets, and the same plans in the last
/// two: read separately, a page with one open case made 33 store queries, each a round
/// trip on PostgreSQL; read once, 17; kept between requests, none while nothing is written.
/// A decision is audited with it, so it moves the mark as a casework move does.
///
/// The mark is read before the casework, so what the cache holds at a mark is never older
/// than the mark: a write after the mark was read moves the mark, and the next request
/// empties the cache. Without a shared cache ([`CaseReads::default`]) it reads once per request.
#[derive(Default)]
pub(crate) struct CaseReads {
    shared: Option<(Arc<Mutex<CaseCache>>, Mark)>,
    own: Parts,
}

/// What the latest recorded scan recommended for an organisation: the scan's id and day,
/// and the rung (what the decision form offers to accept or decline).
#[derive(Debug, Clone)]
pub(crate) struct Recommended {
    /// The scan's id.
    pub(crate) scan: i64,
    /// Its as-of day.
    pub(crate) as_of: String,
    /// The rung it recommended.
    pub(crate) rung: String,
}

/// Which of the maps a read uses.
type Pick<K, V> = fn(&mut Parts) -> &mut HashMap<K, V>;

impl CaseReads {
    /// Reads kept in `cache` while the store's marks are `mark`.
    pub(crate) fn shared(cache: &Arc<Mutex<CaseCache>>, mark: Mark) -> CaseReads {
        CaseReads { shared: Some((cache.clone(), mark)), own: Parts::default() }
    }

    /// The shared cache's map `pick`, if it holds this request's mark (a newer mark
    /// empties it; an older one leaves it to the newer).
    fn with_shared<K, V, T>(&self, pick: Pick<K, V>, f: impl FnOnce(&mut HashMap<K, V>) -> T) -> Option<T> {
        let (cache, mark) = self.shared.as_ref()?;
        let mut cache = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.mark < *mark {
            *cache = CaseCache { mark: *mark, parts: Parts::default() };
        }
        (cache.mark == *mark).then(|| f(pick(&mut cache.parts)))
    }

    /// The value for `key`: this request's, the shared cache's, or `load`ed from the store
    /// (and kept in both).
    async fn read<K: std::hash::Hash + Eq + Clone + 'static, V: Clone + 'static>(
        &mut self,
        pick: Pick<K, V>,
        key: K,
        load: impl AsyncFnOnce() -> Result<V, WebError>,
    ) -> Result<&V, WebError> {
        if !pick(&mut self.own).contains_key(&key) {
            let value = match self.with_shared(pick, |m| m.get(&key).cloned()).flatten() {
                Some(value) => value,
                None => {
                    let value = load().await?;
                    self.with_shared(pick, |m| m.insert(key.clone(), value.clone()));
                    value
                }
            };
            pick(&mut self.own).insert(key.clone(), value);
        }
        Ok(&pick(&mut self.own)[&key])
    }

    /// The interventions covering organisation `code`, oldest first.
    pub(crate) async fn interventions(
        &mut self,
        state: &AppState,
        code: &str,
    ) -> Result<&[StoredIntervention], WebError> {
        let load = async || Ok(state.store.interventions(Some(code)).await?);
        Ok(self.read(|p| &mut p.interventions, code.to_string(), load).await?)
    }

    /// The decisions taken on organisation `code`'s recommendations, in the order recorded.
    pub(crate) async fn decisions(&mut self, state: &AppState, code: &str) -> Result<&[Decision], WebError> {
        let load = async || Ok(state.store.decisions(Some(code)).await?);
        Ok(self.read(|p| &mut p.decisions, code.to_string(), load).await?)
    }

    /// What the latest recorded scan recommended for organisation `code`, if it
    /// recommended a rung.
    pub(crate) async fn recommended(&mut self, state: &AppState, code: &str) -> Result<Option<Recommended>, WebError> {
        let load = async || {
            let Some(scan) = state.store.last_scan().await? else { return Ok(None) };
            let rung = state.store.recommendation(scan.id, code).await?.and_then(|r| r.recommended_rung);
            Ok(rung.map(|rung| Recommended { scan: scan.id, as_of: scan.as_of, rung }))
        };
        Ok(self.read(|p| &mut p.recommended, code.to_string(), load).await?.clone())
    }

    /// Intervention `id`'s plan, criteria and check-ins.
    pub(crate) async fn plan(&mut self, state: &AppState, id: i64) -> Result<&StoredPlan, WebError> {
        self.read(|p| &mut p.plans, id, async || Ok(state.store.plan(id).await?)).await
    }

    /// Intervention `id`'s board meetings.
    pub(crate) async fn meetings(&mut self, state: &AppState, id: i64) -> Result<&[StoredMeeting], WebError> {
        Ok(self.read(|p| &mut p.meetings, id, async || Ok(state.store.meetings(id).await?)).await?)
    }
}

/// The cases covering organisation `code`, as views on `today`.
pub(crate) async fn cases_of(
    state: &AppState,
    reads: &mut CaseReads,
    code: &str,
    today: Date,
) -> Result<Vec<InterventionView>, WebError> {
    Ok(reads.interventions(state, code).await?.iter().cloned().map(|c| view(state, c, today)).collect())
}

pub(crate) async fn cases(state: &AppState, q: &CaseQuery) -> Result<(Vec<InterventionView>, Date), WebError> {
    let today = q.today()?;
    let list = state.store.interventions(q.organisation.as_deref()).await?;
    let day = iso(today);
    let list = list
        .into_iter()
        // A person's cases are those they are on that day, not those they have left.
        .filter(|c| q.person.as_ref().is_none_or(|p| c.actors.iter().any(|a| &a.name == p && a.on_case(&day))))
        .map(|c| view(state, c, today))
        .collect();
    Ok((list, today))
}

/// `GET /api/v1/interventions`: every intervention (or one organisation's, or one person's).
#[utoipa::path(get, path = "/api/v1/interventions", params(CaseQuery), responses((status = 200, body = Vec<InterventionView>), (status = 400, body = crate::error::Problem)))]
pub async fn api_interventions(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<CaseQuery>,
) -> Result<Json<Vec<InterventionView>>, ApiError> {
    Ok(Json(cases_in_reach(&state, &signed, &q).await?.0))
}

/// The cases `q` asks for that the viewer may see: every one for national reach, those
/// covering an organisation in their reach otherwise (the read is audited).
async fn cases_in_reach(
    state: &AppState,
    signed: &Signed,
    q: &CaseQuery,
) -> Result<(Vec<InterventionView>, Date), WebError> {
    let national = signed.viewer.is_national();
    signed.allow(state, if national { Reach::National } else { Reach::SignedIn }).await?;
    let (mut list, today) = cases(state, q).await?;
    if !national {
        list.retain(|c| in_reach(signed, c));
    }
    Ok((list, today))
}

fn in_reach(signed: &Signed, case: &InterventionView) -> bool {
    organisations_in_reach(signed, &case.organisations)
}

/// Whether a case covering `organisations` is within the viewer's reach.
fn organisations_in_reach(signed: &Signed, organisations: &[String]) -> bool {
    let codes: Vec<Code> = organisations.iter().filter_map(|c| Code::new(c).ok()).collect();
    signed.may(Reach::Organisations(&codes))
}

/// One case, when the viewer may see it (the read is audited).
async fn one_in_reach(state: &AppState, signed: &Signed, id: i64, q: &CaseQuery) -> Result<InterventionView, WebError> {
    // Read first so that a missing case and a case out of reach answer alike to the public
    // (sign in), and a signed-in user out of reach is refused without learning more.
    let case = one(state, id, q).await?;
    let codes: Vec<Code> = case.organisations.iter().filter_map(|c| Code::new(c).ok()).collect();
    signed.allow(state, Reach::Organisations(&codes)).await?;
    Ok(case)
}

async fn one(state: &AppState, id: i64, q: &CaseQuery) -> Result<InterventionView, WebError> {
    let today = q.today()?;
    let case = state.store.intervention(id).await?.ok_or_else(|| WebError::NotFound(format!("intervention {id}")))?;
    Ok(view(state, case, today))
}

/// The intervention an `{id}` in a path names: one that is not a number names none, so it
/// is the same "not found" as a number no case has (a GOV.UK page, or problem details
/// under `/api`), not the framework's plain-text refusal naming a Rust type.
pub(crate) fn case_id(Path(text): Path<String>) -> Result<i64, WebError> {
    text.parse().map_err(|_| WebError::NotFound(format!("intervention {text:?}")))
}

/// `GET /api/v1/interventions/{id}`: one intervention, its obligations judged against today.
#[utoipa::path(get, path = "/api/v1/interventions/{id}", params(("id" = i64, Path, description = "The intervention"), CaseQuery), responses((status = 200, body = InterventionView), (status = 404, body = crate::error::Problem)))]
pub async fn api_intervention(
    State(state): State<AppState>,
    signed: Signed,
    id: Path<String>,
    Query(q): Query<CaseQuery>,
) -> Result<Json<InterventionView>, ApiError> {
    let id = crate::casework::case_id(id)?;
    Ok(Json(one_in_reach(&state, &signed, id, &q).await?))
}

/// A spell in intervention.
#[derive(Debug, Serialize, ToSchema)]
pub struct EpisodeView {
    /// First day.
    pub start: String,
    /// Last day (`null`: still open).
    pub end: Option<String>,
    /// Whether it followed an exit.
    pub relapse: bool,
    /// What it joins, each as "start to end: what".
    pub spans: Vec<String>,
}

/// An organisation's journey through intervention.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct JourneyView {
    /// The organisation.
    pub organisation: String,
    /// Predecessors whose history it carries.
    pub predecessors: Vec<String>,
    /// Spells, oldest first.
    pub episodes: Vec<EpisodeView>,
    /// The yo-yo count: spells that followed an exit.
    pub relapses: usize,
    /// The designations in the record (notices, directions, commissioners…), each with
    /// the days the journey gives it, for the figure on the organisation page; the spans
    /// of `episodes` say the same in words.
    #[serde(skip)]
    #[schema(ignore)]
    pub(crate) designations: Vec<crate::journey_chart::Recorded>,
}

fn journey_view(j: Journey) -> JourneyView {
    let designations = j
        .episodes
        .iter()
        .flat_map(|e| &e.spans)
        .filter_map(|s| {
            Some(crate::journey_chart::Recorded {
                what: s.what.clone(),
                kind: s.designation?,
                from: s.start,
                to: s.end,
            })
        })
        .collect();
    JourneyView {
        designations,
        organisation: j.organisation,
        predecessors: j.predecessors,
        relapses: j.relapses,
        episodes: j
            .episodes
            .into_iter()
            .map(|e| EpisodeView {
                start: iso(e.start),
                end: e.end.map(iso),
                relapse: e.relapse,
                spans: e
                    .spans
                    .iter()
                    .map(|s| format!("{} to {}: {}", iso(s.start), s.end.map_or_else(|| "open".into(), iso), s.what))
                    .collect(),
            })
            .collect(),
    }
}

/// The journey of organisation `code` as known on `today`, for its page and the API: the
/// records of it and its predecessors from the judged snapshot, its cases from the store.
/// The engine's own `journey::read` (the command line's) reads the whole registry, every
/// inspection and every event for one organisation; the snapshot already holds them.
pub(crate) async fn journey_of(
    state: &AppState,
    snapshot: &crate::snapshot::Snapshot,
    code: &str,
    today: Date,
    with_cases: Option<&mut CaseReads>,
) -> Result<JourneyView, WebError> {
    let org = snapshot.organisations.get(code).ok_or_else(|| WebError::NotFound(format!("organisation {code:?}")))?;
    // The links of the lineage so far, until it stops growing (a predecessor's own
    // predecessors are among its links).
    let mut codes = vec![code.to_string()];
    loop {
        let links: Vec<failwell_domain::Link> =
            codes.iter().flat_map(|c| snapshot.links.get(c).into_iter().flatten().cloned()).collect();
        let grown = journey::lineage(code, &links);
        if grown.len() == codes.len() {
            break;
        }
        codes = grown;
    }
    let inspections: Vec<failwell_domain::Inspection> =
        codes.iter().flat_map(|c| snapshot.inspections.get(c).into_iter().flatten().cloned()).collect();
    let events: Vec<failwell_domain::Event> =
        codes.iter().flat_map(|c| snapshot.events.get(c).into_iter().flatten().cloned()).collect();
    // Without the cases (for the public): the spells the published designations and
    // judgements make, and nothing of failwell's own casework.
    let mut cases = Vec::new();
    if let Some(reads) = with_cases {
        for c in &codes {
            cases.extend_from_slice(reads.interventions(state, c).await?);
        }
    }
    cases.sort_by_key(|c| c.id);
    cases.dedup_by_key(|c| c.id);
    let j = journey::journey(state.judge.regime(), org, &codes, &inspections, &events, &cases, today);
    Ok(journey_view(j))
}

/// `GET /api/v1/organisations/{code}/journey`: spells in intervention and relapses.
#[utoipa::path(get, path = "/api/v1/organisations/{code}/journey", params(("code" = String, Path, description = "The organisation's code"), DayQuery), responses((status = 200, body = JourneyView), (status = 404, body = crate::error::Problem)))]
pub async fn api_journey(
    State(state): State<AppState>,
    signed: Signed,
    Path(code): Path<String>,
    Query(q): Query<DayQuery>,
) -> Result<Json<JourneyView>, ApiError> {
    let this: Vec<Code> = Code::new(&code).into_iter().collect();
    signed.allow(&state, Reach::Organisations(&this)).await?;
    let snapshot = state.snapshot(None, signed.marks).await?;
    let today = day_asked(q.today.as_deref())?;
    Ok(Json(journey_of(&state, &snapshot, &code, today, Some(&mut CaseReads::default())).await?))
}

fn org_links(orgs: &[String]) -> String {
    orgs.join(", ")
}

/// The table rows of a list of interventions (shared by the list and the organisation page).
pub(crate) fn case_rows(list: &[InterventionView]) -> (Vec<Cell>, Vec<Vec<Cell>>) {
    let rows = list
        .iter()
        .map(|c| {
            let next = c.obligations.iter().find(|o| o.status.is_open());
            vec![
                Cell::link(format!("Intervention {}", c.id), format!("/interventions/{}", c.id)),
                Cell::text(org_links(&c.organisations)),
                Cell::text(c.rung_name.clone()),
                Cell::text(if c.statutory { "Statutory" } else { "By agreement" }),
                Cell::text(c.start_on.clone()),
                Cell {
                    tag: Some(if c.status == "open" { "govuk-tag--blue" } else { "govuk-tag--grey" }),
                    ..Cell::text(c.status.clone())
                },
                Cell::text(next.map_or_else(String::new, |o| format!("{} ({}, {})", o.name, o.due, o.status.as_str()))),
            ]
        })
        .collect();
    (heads(&["Intervention", "Organisations", "Rung", "Legal basis", "Started", "Status", "Next due"]), rows)
}

/// `GET /interventions`: every intervention.
pub async fn interventions(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<CaseQuery>,
) -> Result<ListPage, PageError> {
    let (list, today) = cases_in_reach(&state, &signed, &q).await?;
    let (head, rows) = case_rows(&list);
    Ok(ListPage {
        nav: "/interventions",
        figure: None,
        national: None,
        record_scan: None,
        limited: false,
        title: "Interventions".into(),
        caption: None,
        intro: vec![
            format!("Every intervention on the ladder, in the order recorded, with what falls due next as of {}.", long_date(today)),
            "Cases are opened from an organisation's page (or with failwell intervention open), and moved on from each case's page; every move, and every refused move, is in the audit log.".into(),
        ],
        summary: Vec::new(),
        table_caption: "Interventions".into(),
        head,
        rows,
        empty: "No interventions recorded (failwell intervention open records one).".into(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "intervention.html")]
pub(crate) struct InterventionPage {
    id: i64,
    meetings_head: Vec<Cell>,
    meetings: Vec<Vec<Cell>>,
    forms: Option<crate::casework_forms::CaseForms>,
    closed: bool,
    today: String,
    summary: Vec<SummaryRow>,
    people_head: Vec<Cell>,
    people: Vec<Vec<Cell>>,
    steps_head: Vec<Cell>,
    steps: Vec<Vec<Cell>>,
    due_head: Vec<Cell>,
    due: Vec<Vec<Cell>>,
    lessons: Vec<SummaryRow>,
    review: ReviewRows,
    check_ins_head: Vec<Cell>,
}

/// The plan, criteria, readiness and check-ins of a review, as page rows: shown alike on
/// the intervention page and in the board pack (`templates/review.html`).
pub(crate) struct ReviewRows {
    all_structural: bool,
    readiness: String,
    actions_head: Vec<Cell>,
    actions: Vec<Vec<Cell>>,
    criteria_head: Vec<Cell>,
    criteria: Vec<Vec<Cell>>,
    check_ins: Vec<Vec<Cell>>,
}

fn review_rows(r: &failwell_engine::casework::plan::CaseReview) -> ReviewRows {
    use failwell_engine::casework::criteria::CriterionState;
    use failwell_engine::casework::plan::Rag;
    let actions = r
        .actions
        .iter()
        .map(|a| {
            let (tag, text) = match a.rag {
                Rag::Red => ("govuk-tag--red", "Red"),
                Rag::Amber => ("govuk-tag--orange", "Amber"),
                Rag::Green => ("govuk-tag--green", "Green"),
            };
            let latest = a.latest.as_ref().map_or_else(
                || "No update yet".to_string(),
                |u| format!("{} on {}: {} ({})", u.status.replace('_', " "), u.on, u.note, u.by),
            );
            vec![
                Cell::text(a.theme.clone()),
                Cell::text(a.action.title.clone()),
                Cell::text(a.action.lead.clone()),
                Cell::text(a.action.due.clone()),
                Cell::text(a.action.tag.clone()),
                Cell { tag: Some(tag), ..Cell::text(text) },
                Cell::text(format!("{latest}. {}", a.why)),
            ]
        })
        .collect();
    let criteria = r
        .criteria
        .iter()
        .map(|c| {
            let of = match c.of {
                failwell_domain::casework::CriterionOf::Theme(t) => format!("Theme {t}"),
                failwell_domain::casework::CriterionOf::Action(a) => format!("Action {a}"),
                failwell_domain::casework::CriterionOf::Exit(k) => format!("Exit ({k})"),
            };
            let tag = match c.verdict.state {
                CriterionState::Met => "govuk-tag--green",
                CriterionState::NotMet => "govuk-tag--yellow",
                CriterionState::Missed => "govuk-tag--red",
            };
            vec![
                Cell::text(of),
                Cell::text(c.description.clone()),
                Cell { tag: Some(tag), ..Cell::text(c.verdict.state.as_str()) },
                Cell::text(c.verdict.since.map(iso).unwrap_or_default()),
                Cell::text(c.verdict.why.clone()),
            ]
        })
        .collect();
    let (om, ot, cm, ct) = r.exit_counts;
    let readiness = match r.exit_ready {
        None => "No exit criteria are set for this intervention.".to_string(),
        Some(true) => {
            format!("Ready to exit: every exit criterion is met (outcome {om} of {ot}, capability {cm} of {ct}).")
        }
        Some(false) => {
            format!("Not ready to exit: outcome criteria met {om} of {ot}, capability criteria met {cm} of {ct}.")
        }
    };
    let check_ins = r
        .check_ins
        .iter()
        .map(|c| {
            vec![
                Cell::text(c.due.clone()),
                Cell::text(c.who.clone()),
                Cell::text(c.reviews.clone()),
                Cell::text(match (&c.held_on, &c.outcome) {
                    (Some(h), Some(o)) => format!("Held {h}: {o}"),
                    _ => "Not yet held".into(),
                }),
            ]
        })
        .collect();
    ReviewRows {
        all_structural: r.all_structural,
        readiness,
        actions_head: heads(&["Theme", "Action", "Lead", "Due", "Kind", "Status", "Latest update"]),
        actions,
        criteria_head: heads(&["Of", "Criterion", "State", "Since", "Why"]),
        criteria,
        check_ins,
    }
}

fn obligation_rows(list: &[(&ObligationView, Option<&InterventionView>)]) -> Vec<Vec<Cell>> {
    list.iter()
        .map(|(o, case)| {
            let s = o.status;
            let mut row = vec![
                Cell::text(o.due.clone()),
                Cell::text(
                    format!(
                        "{}{}{}",
                        o.name,
                        if o.approximate { " (approximate)" } else { "" },
                        if o.counted_from_entry { " (counted from the start: no report day was given)" } else { "" }
                    ) + &o.first_due.as_ref().map_or_else(String::new, |f| format!(" (extended from {f})")),
                ),
                Cell { tag: Some(status_tag(s)), ..Cell::text(s.as_str()) },
            ];
            match case {
                Some(c) => {
                    row.insert(0, Cell::link(format!("Intervention {}", c.id), format!("/interventions/{}", c.id)));
                    row.insert(1, Cell::text(org_links(&c.organisations)));
                }
                None => row.push(Cell::text(match (&o.met_on, &o.lapsed_on) {
                    (Some(m), _) => {
                        format!("met {m}{}", o.met_by.as_ref().map_or(String::new(), |b| format!(" ({b})")))
                    }
                    (None, Some(l)) => format!("lapsed {l}"),
                    _ => String::new(),
                })),
            }
            row
        })
        .collect()
}

/// Board meetings as table rows, the latest first: the intervention page and the pack.
fn meeting_rows(meetings: &[failwell_store::StoredMeeting]) -> Vec<Vec<Cell>> {
    meetings
        .iter()
        .rev()
        .map(|m| {
            vec![
                Cell::text(m.held_on.clone()),
                Cell::text(m.minutes.clone()),
                Cell::text(m.decisions.join(" · ")),
                Cell::text(m.recorded_by.clone()),
            ]
        })
        .collect()
}

/// `GET /interventions/{id}`: one intervention.
pub async fn intervention(
    State(state): State<AppState>,
    signed: Signed,
    id: Path<String>,
    Query(q): Query<CaseQuery>,
) -> Result<InterventionPage, PageError> {
    let id = crate::casework::case_id(id)?;
    let c = one_in_reach(&state, &signed, id, &q).await?;
    let today = q.today()?;
    let review = failwell_engine::casework::plan::review(&state.store, state.judge.regime(), id, today)
        .await
        .map_err(review_error)?;
    let rows = review_rows(&review);
    let forms = crate::casework_forms::forms(&signed, &review, state.judge.regime(), today);
    let org_row = |code: &String| SummaryRow {
        key: "Organisation".into(),
        value: code.clone(),
        href: Some(format!("/organisations/{}", segment(code))),
    };
    let mut summary: Vec<SummaryRow> = c.organisations.iter().map(org_row).collect();
    // In the regime's own words where it has them (the ids stay in the API).
    let regime = state.judge.regime();
    let ladder = regime.ladder(&c.ladder).map_or_else(|| c.ladder.clone(), |l| l.name.clone());
    let rung_name = |id: &str| regime.rung(&c.ladder, id).map_or_else(|| id.replace('_', " "), |r| r.name.clone());
    summary.extend([
        SummaryRow::new("Status", c.status.clone()),
        SummaryRow::new("Rung", format!("{} ({ladder})", c.rung_name)),
        SummaryRow::new("Legal basis", if c.statutory { "Statutory" } else { "By agreement (not statutory)" }),
        SummaryRow::new(
            "Applied by",
            regime.actor(&c.applied_by).map_or_else(|| c.applied_by.clone(), |a| a.name.clone()),
        ),
        SummaryRow::new("Started", c.start_on.clone()),
        SummaryRow::new("Planned end", c.planned_end.clone().unwrap_or_else(|| "not set".into())),
        SummaryRow::new("Ended", c.ended_on.clone().unwrap_or_else(|| "not yet".into())),
        SummaryRow::new("Why it opened", c.reason.clone()),
    ]);
    if let Some(d) = c.decision {
        summary.push(SummaryRow {
            key: "Answers decision".into(),
            value: format!("Decision {d}"),
            href: Some("/decisions".into()),
        });
    }
    // The people as the page's day knew them: who had joined by then, and who had left.
    let day = iso(today);
    let people = c
        .actors
        .iter()
        .filter(|a| a.from.as_deref().is_none_or(|f| f <= day.as_str()))
        .map(|a| {
            let left = a.left.as_ref().filter(|l| l.as_str() <= day.as_str());
            let on_case = match (&a.from, left) {
                (None, None) => "Since the case opened".to_string(),
                (Some(f), None) => format!("From {f}"),
                (None, Some(l)) => format!("Left on {l}"),
                (Some(f), Some(l)) => format!("From {f}; left on {l}"),
            };
            vec![
                Cell::text(a.name.clone()),
                Cell::text(a.role.replace('_', " ")),
                Cell::text(a.power.clone()),
                Cell::text(on_case),
            ]
        })
        .collect();
    let steps = c
        .steps
        .iter()
        .map(|s| {
            vec![
                Cell::text(s.on.clone()),
                Cell::text(s.from_rung.as_deref().map_or_else(|| "(opened)".into(), rung_name)),
                Cell::text(rung_name(&s.to_rung)),
                Cell::text(regime.actor(&s.by).map_or_else(|| s.by.clone(), |a| a.name.clone())),
                Cell::text(match &s.jump_reason {
                    Some(j) => format!("{} Jump: {j}", s.reason),
                    None => s.reason.clone(),
                }),
            ]
        })
        .collect();
    let due: Vec<(&ObligationView, Option<&InterventionView>)> = c.obligations.iter().map(|o| (o, None)).collect();
    let lessons = c
        .lessons
        .as_ref()
        .map(|l| {
            [("What worked", "worked"), ("What did not", "did_not_work"), ("Exit", "exit")]
                .iter()
                .map(|(k, f)| SummaryRow::new(*k, l[*f].as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    let meetings = state.store.meetings(id).await?;
    Ok(InterventionPage {
        meetings_head: heads(&["Held", "Minutes", "Decisions", "Recorded by"]),
        meetings: meeting_rows(&meetings),
        forms,
        id: c.id,
        closed: c.status == "closed",
        today: long_date(today),
        summary,
        people_head: heads(&["Name", "Role", "Power", "On the case"]),
        people,
        steps_head: heads(&["Day", "From", "To", "Taken by", "Why"]),
        steps,
        due_head: heads(&["Due", "Obligation", "Status", "Done"]),
        due: obligation_rows(&due),
        lessons,
        review: rows,
        check_ins_head: heads(&["Due", "Who", "Reviews", "Outcome"]),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "my_work.html")]
pub(crate) struct MyWorkPage {
    people: Vec<SelectItem>,
    person: Option<String>,
    today: String,
    due_caption: String,
    due_head: Vec<Cell>,
    due: Vec<Vec<Cell>>,
}

/// `GET /my-work?person=NAME`: what falls due (overdue, today, within two weeks) on the
/// open cases a person takes part in. Until sign-in exists the person is chosen from the
/// people recorded on cases.
pub async fn my_work(
    State(state): State<AppState>,
    signed: Signed,
    Query(mut q): Query<CaseQuery>,
) -> Result<MyWorkPage, PageError> {
    signed.allow(&state, Reach::SignedIn).await?;
    // Anyone's work list for national reach (to cover for a colleague); one's own otherwise.
    if !signed.viewer.is_national() || q.person.as_deref().is_none_or(str::is_empty) {
        q.person = Some(signed.viewer.display_name.clone());
    }
    let all = state.store.interventions(None).await?;
    let mut names: Vec<String> = all.iter().flat_map(|c| c.actors.iter().map(|a| a.name.clone())).collect();
    names.sort();
    names.dedup();
    if !signed.viewer.is_national() {
        names = vec![signed.viewer.display_name.clone()];
    }
    let person = q.person.clone().filter(|p| !p.is_empty());
    if let Some(p) = &person
        && !names.contains(p)
        && *p != signed.viewer.display_name
    {
        return Err(WebError::BadParameter {
            parameter: "person",
            reason: format!("no case records a person named {p:?}"),
        }
        .into());
    }
    let (mut list, today) = match &person {
        Some(_) => cases(&state, &q).await?,
        None => (Vec::new(), q.today()?),
    };
    // A name may be shared: only the cases in the viewer's reach are theirs.
    if !signed.viewer.is_national() {
        list.retain(|c| in_reach(&signed, c));
    }
    let mut due: Vec<(&ObligationView, Option<&InterventionView>)> = list
        .iter()
        .filter(|c| c.status == "open")
        .flat_map(|c| {
            c.obligations
                .iter()
                .filter(|o| matches!(o.status, DueStatus::Overdue | DueStatus::DueToday | DueStatus::DueSoon))
                .map(move |o| (o, Some(c)))
        })
        .collect();
    due.sort_by(|a, b| a.0.due.cmp(&b.0.due));
    let mut items = vec![SelectItem {
        value: String::new(),
        text: "Choose a person".into(),
        selected: person.is_none(),
        disabled: false,
    }];
    items.extend(select_items(names.into_iter().map(|n| (n.clone(), n)), person.as_deref()));
    Ok(MyWorkPage {
        people: items,
        due_caption: person.as_ref().map_or_else(String::new, |p| format!("Due for {p}")),
        person,
        today: long_date(today),
        due_head: heads(&["Intervention", "Organisations", "Due", "Obligation", "Status"]),
        due: obligation_rows(&due),
    })
}

fn review_error(e: failwell_engine::casework::CaseworkError) -> WebError {
    match e {
        failwell_engine::casework::CaseworkError::Refused(r) => WebError::NotFound(r.to_string()),
        failwell_engine::casework::CaseworkError::Store(s) => WebError::Store(s),
    }
}

/// `GET /api/v1/interventions/{id}/review`: the case reviewed on a day: every action with
/// its RAG status and why, every criterion judged with why and since when, the
/// all-structural warning, exit readiness by kind, and the check-ins.
#[utoipa::path(get, path = "/api/v1/interventions/{id}/review", params(("id" = i64, Path, description = "The intervention"), CaseQuery), responses((status = 200, description = "The review", content_type = "application/json"), (status = 404, body = crate::error::Problem)))]
pub async fn api_review(
    State(state): State<AppState>,
    signed: Signed,
    id: Path<String>,
    Query(q): Query<CaseQuery>,
) -> Result<Json<failwell_engine::casework::plan::CaseReview>, ApiError> {
    let id = crate::casework::case_id(id)?;
    one_in_reach(&state, &signed, id, &q).await?;
    let mut review = failwell_engine::casework::plan::review(&state.store, state.judge.regime(), id, q.today()?)
        .await
        .map_err(review_error)?;
    // Addresses are for reminders, not for anyone who can read the API.
    for a in &mut review.intervention.actors {
        a.email = None;
    }
    Ok(Json(review))
}

#[derive(Template, WebTemplate)]
#[template(path = "pack.html")]
pub(crate) struct PackPage {
    id: i64,
    title: String,
    summary: Vec<SummaryRow>,
    decisions: Vec<String>,
    review: ReviewRows,
    due_head: Vec<Cell>,
    due: Vec<Vec<Cell>>,
    signals_head: Vec<Cell>,
    signals: Vec<Vec<Cell>>,
    charts: Vec<crate::pages::ChartView>,
    meetings_head: Vec<Cell>,
    meetings: Vec<Vec<Cell>>,
}

/// `GET /interventions/{id}/pack?today=`: the board pack for a meeting on `today`: the
/// decisions to take first, then plan progress with RAG, criteria and exit readiness, the
/// clocks, the organisations' signals since the last meeting and the SPC charts of the
/// indicators the criteria watch, and earlier meetings' minutes. Made to be printed (the
/// PDF is this page printed by Chromium: `failwell board pack --pdf`).
pub async fn pack(
    State(state): State<AppState>,
    signed: Signed,
    id: Path<String>,
    Query(q): Query<CaseQuery>,
) -> Result<PackPage, PageError> {
    let id = crate::casework::case_id(id)?;
    one_in_reach(&state, &signed, id, &q).await?;
    let today = q.today()?;
    let review = failwell_engine::casework::plan::review(&state.store, state.judge.regime(), id, today)
        .await
        .map_err(review_error)?;
    // A pack for a past day shows that day: the meetings held by then, the rung the case
    // stood on, and the judgement (bands, signals, recommendation, charts) as known then.
    let meetings: Vec<_> =
        state.store.meetings(id).await?.into_iter().filter(|m| m.held_on.as_str() <= iso(today).as_str()).collect();
    let since = meetings.iter().filter_map(|m| parse_date(&m.held_on).ok()).filter(|d| *d < today).max();
    let as_of = (today < time::OffsetDateTime::now_utc().date()).then_some(today);
    let snapshot = state.snapshot(as_of, signed.marks).await?;
    let as_of_suffix = as_of.map(|d| format!("?as_of={}", iso(d))).unwrap_or_default();
    let case = &review.intervention;
    let rung_then = case
        .steps
        .iter()
        .rfind(|st| st.on.as_str() <= iso(today).as_str())
        .map_or(case.rung.as_str(), |st| st.to_rung.as_str());
    let judged: Vec<&crate::judgements::Judgement> =
        snapshot.report.organisations.iter().filter(|j| case.organisations.contains(&j.code)).collect();
    // The scan does not read cases (its current rung comes from the evidence), so a
    // recommendation of the rung this case already applies asks for nothing.
    let recommendations: Vec<(&str, &str, &str)> = judged
        .iter()
        .filter_map(|j| {
            let (c, r) = (j.current_rung.as_ref()?, j.recommended_rung.as_ref()?);
            (r.id != rung_then).then_some((j.code.as_str(), c.name.as_str(), r.name.as_str()))
        })
        .collect();
    let decisions = failwell_engine::casework::board::decisions_to_take(&review, &recommendations);
    let rows = review_rows(&review);
    let since_day = since.map(iso);
    let signals = judged
        .iter()
        .flat_map(|j| j.signals.iter().map(move |s| (j, s)))
        .filter(|(_, s)| s.direction == "concern")
        .filter(|(_, s)| {
            since_day.as_ref().is_none_or(|d| s.known_from.as_ref().is_some_and(|k| k.as_str() >= d.as_str()))
        })
        .map(|(j, s)| {
            vec![
                Cell::text(j.name.clone()),
                Cell::text(s.known_from.clone().unwrap_or_default()),
                Cell::text(s.rule.clone()),
                Cell::text(s.strength.clone()),
                Cell::text(s.explanation.clone()),
            ]
        })
        .collect();
    let mut charts = Vec::new();
    for c in &review.criteria {
        if let failwell_domain::casework::CriterionRule::Indicator { organisation, indicator, target, .. } = &c.rule {
            let target = crate::pages::ChartTarget {
                indicator: indicator.to_string(),
                value: *target,
                from: format!("criterion {}", c.id),
            };
            charts.extend(
                crate::pages::charts(
                    &state,
                    &snapshot,
                    organisation.as_str(),
                    &as_of_suffix,
                    Some(indicator.as_str()),
                    &[target],
                )
                .await?
                .iter()
                .cloned(),
            );
        }
    }
    let open_or_recent = |o: &ObligationView| {
        o.status.is_open()
            || since_day
                .as_ref()
                .is_some_and(|d| o.met_on.as_ref().or(o.lapsed_on.as_ref()).is_some_and(|x| x.as_str() >= d.as_str()))
    };
    let view = view(&state, case.clone(), today);
    let due: Vec<(&ObligationView, Option<&InterventionView>)> =
        view.obligations.iter().filter(|o| open_or_recent(o)).map(|o| (o, None)).collect();
    // The legal basis is the rung's the case stood on that day, not the opening rung's.
    let held = state.judge.regime().rung(&case.ladder, rung_then);
    let mut summary = vec![
        SummaryRow::new("Meeting", long_date(today)),
        SummaryRow::new("Since", since.map_or_else(|| "the first meeting: everything to date".to_string(), long_date)),
        SummaryRow::new(
            "Rung",
            format!(
                "{} ({})",
                held.map_or(rung_then, |r| r.name.as_str()),
                if held.map_or(view.statutory, |r| r.statutory) { "statutory" } else { "by agreement" }
            ),
        ),
    ];
    if let Some(day) = as_of {
        summary.push(SummaryRow::new(
            "Judged as of",
            format!("{}: bands, signals, recommendations and charts as known that day", long_date(day)),
        ));
    }
    for j in &judged {
        summary.push(SummaryRow {
            key: "Organisation".into(),
            value: format!("{} ({}): overall band {}", j.name, j.code, j.overall_band),
            href: Some(format!("/organisations/{}", segment(&j.code))),
        });
    }
    Ok(PackPage {
        id,
        title: format!("Board pack: intervention {id}, {}", case.organisations.join(", ")),
        summary,
        decisions,
        review: rows,
        due_head: heads(&["Due", "Obligation", "Status", "Done"]),
        due: obligation_rows(&due),
        signals_head: heads(&["Organisation", "Known from", "Rule", "Strength", "What was found"]),
        signals,
        charts,
        meetings_head: heads(&["Held", "Minutes", "Decisions", "Recorded by"]),
        meetings: meeting_rows(&meetings),
    })
}

/// The targets the criteria of `cases` hold organisation `code`'s indicators to on
/// `today`, the first for each indicator: only cases open that day, and only criteria
/// set by then (an organisation page of a past day does not draw a later target).
pub(crate) async fn targets(
    state: &AppState,
    reads: &mut CaseReads,
    code: &str,
    cases: &[InterventionView],
    today: Date,
) -> Result<Vec<crate::pages::ChartTarget>, WebError> {
    let day = iso(today);
    let open_then =
        |c: &&InterventionView| c.start_on <= day && c.ended_on.as_deref().is_none_or(|end| end > day.as_str());
    let mut out: Vec<crate::pages::ChartTarget> = Vec::new();
    for c in cases.iter().filter(open_then) {
        let plan = reads.plan(state, c.id).await?;
        for criterion in failwell_engine::casework::plan::criteria_as_of(plan, today) {
            if let failwell_domain::casework::CriterionRule::Indicator { organisation, indicator, target, .. } =
                &criterion.rule
                && organisation.as_str() == code
                && !out.iter().any(|t| t.indicator == indicator.as_str())
            {
                out.push(crate::pages::ChartTarget {
                    indicator: indicator.to_string(),
                    value: *target,
                    from: format!("intervention {}, criterion {}", c.id, criterion.id),
                });
            }
        }
    }
    Ok(out)
}

/// One organisation's timeline, oldest first, as the report's figures draw a journey:
/// judgements, events (designations, leadership changes, peer reviews…), each case's
/// opening, steps and closing, board meetings and check-ins held. What was known on
/// `as_of` (everything without one).
pub(crate) async fn timeline(
    state: &AppState,
    reads: &mut CaseReads,
    snapshot: &crate::snapshot::Snapshot,
    code: &str,
    as_of: Option<Date>,
) -> Result<Vec<Vec<Cell>>, WebError> {
    let mut rows: Vec<(String, u8, &'static str, String)> = Vec::new();
    let known = |d: &str| as_of.is_none_or(|a| d <= iso(a).as_str());
    for i in snapshot.inspections.get(code).into_iter().flatten() {
        rows.push((
            iso(i.published_on),
            0,
            "Judgement",
            format!("{}: {}", crate::pages::judged_by(state.judge.regime(), i), i.overall.as_str().replace('_', " ")),
        ));
    }
    for e in snapshot.events.get(code).into_iter().flatten() {
        rows.push((iso(e.occurred_on), 1, "Event", format!("{}: {}", e.event_type.code().replace('_', " "), e.title)));
    }
    let cases = reads.interventions(state, code).await?.to_vec();
    for c in &cases {
        for st in c.steps.iter().filter(|st| known(&st.on)) {
            let what = match &st.from_rung {
                None => format!("Intervention {} opened on {} by {}: {}", c.id, st.to_rung, st.by, st.reason),
                Some(from) => {
                    format!("Intervention {} moved from {from} to {} by {}: {}", c.id, st.to_rung, st.by, st.reason)
                }
            };
            rows.push((st.on.clone(), 2, "Intervention", what));
        }
        if let Some(end) = c.ended_on.as_ref().filter(|e| known(e)) {
            let exit = c.lessons.as_ref().and_then(|l| l["exit"].as_str().map(str::to_string)).unwrap_or_default();
            rows.push((end.clone(), 2, "Intervention", format!("Intervention {} closed ({exit} exit)", c.id)));
        }
        for m in reads.meetings(state, c.id).await?.iter().filter(|m| known(&m.held_on)) {
            rows.push((m.held_on.clone(), 3, "Board meeting", format!("Intervention {}: {}", c.id, m.minutes)));
        }
        for ch in &reads.plan(state, c.id).await?.check_ins {
            if let (Some(held), Some(outcome)) = (&ch.held_on, &ch.outcome)
                && known(held)
            {
                rows.push((held.clone(), 3, "Check-in", format!("Intervention {}: {} ({outcome})", c.id, ch.reviews)));
            }
        }
    }
    rows.sort();
    Ok(rows.into_iter().map(|(day, _, kind, what)| vec![Cell::text(day), Cell::text(kind), Cell::text(what)]).collect())
}

/// `GET /lessons`: the lessons of every closed intervention, newest first: the library
/// that fills as cases close, each lesson tagged with its case, rung, exit and length.
pub async fn lessons(State(state): State<AppState>, signed: Signed) -> Result<ListPage, PageError> {
    signed.allow(&state, Reach::SignedIn).await?;
    // A case's lessons are its casework: cut to the viewer's reach, as every list is.
    let national = signed.viewer.is_national();
    let closed: Vec<StoredIntervention> = state
        .store
        .interventions(None)
        .await?
        .into_iter()
        .filter(|c| c.lessons.is_some())
        .filter(|c| national || organisations_in_reach(&signed, &c.organisations))
        .rev()
        .collect();
    let rows = closed
        .iter()
        .map(|c| {
            let l = c.lessons.as_ref().expect("filtered");
            let text = |f: &str| l[f].as_str().unwrap_or_default().to_string();
            let months = match (parse_date(&c.start_on), c.ended_on.as_deref().map(parse_date)) {
                (Ok(s), Some(Ok(e))) => format!("{} months", ((e - s).whole_days() as f64 / 30.44).round()),
                _ => String::new(),
            };
            let rung = state.judge.regime().rung(&c.ladder, &c.rung).map_or_else(|| c.rung.clone(), |r| r.name.clone());
            vec![
                Cell::link(format!("Intervention {}", c.id), format!("/interventions/{}", c.id)),
                Cell::text(c.organisations.join(", ")),
                Cell::text(rung),
                Cell::text(format!("{} to {} ({months})", c.start_on, c.ended_on.clone().unwrap_or_default())),
                Cell::text(text("exit")),
                Cell::text(text("worked")),
                Cell::text(text("did_not_work")),
            ]
        })
        .collect();
    Ok(ListPage {
        nav: "/lessons",
        figure: None,
        national: None,
        record_scan: None,
        limited: false,
        title: "Lessons".into(),
        caption: Some("Casework".into()),
        intro: vec![
            "Closing an intervention asks what worked and what did not; the answers are kept here with the case, its last rung, its exit and how long it lasted, so the library fills as the work is done.".into(),
        ],
        summary: Vec::new(),
        table_caption: "Lessons of closed interventions, newest first".into(),
        head: heads(&["Intervention", "Organisations", "Last rung", "Dates", "Exit", "What worked", "What did not"]),
        rows,
        empty: "No intervention has closed yet (failwell intervention close records the lessons).".into(),
    })
}
