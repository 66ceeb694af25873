//! The audit log for administrators: a page with a filter, a CSV export for an inquiry,
//! and the API's JSON. failwell offers no way to change or remove an entry (the database
//! refuses it); reading the log is itself audited. Beside it, the reminder log.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{ApiError, PageError, WebError};
use crate::pages::heads;
use crate::view::Cell;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use failwell_domain::access::Reach;
use failwell_store::{AuditEntry, AuditFilter};

/// How many entries the page shows at most (the CSV has them all).
const PAGE_ENTRIES: i64 = 500;

/// The audit log's filters, as GET parameters.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only entries by this user (`public` for the public's, `cli:…` for the command line's).
    #[serde(default)]
    pub who: String,
    /// Only entries of this action (`sign in`, `read`, `decide`, `open intervention`, …).
    #[serde(default)]
    pub action: String,
    /// Only entries on or after this day (YYYY-MM-DD).
    #[serde(default)]
    pub since: String,
}

impl AuditQuery {
    fn filter(&self, limit: i64) -> Result<AuditFilter, WebError> {
        let since = self.since.trim();
        if !since.is_empty() {
            failwell_domain::dates::parse_date(since).map_err(|e| WebError::BadParameter {
                parameter: "since",
                reason: format!("{since:?} is not a day (YYYY-MM-DD): {e}"),
            })?;
        }
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(AuditFilter { who: some(&self.who), action: some(&self.action), since: some(since), limit })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub(crate) struct AuditPage {
    who: String,
    action: String,
    since: String,
    csv_href: String,
    head: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
    caption: String,
}

fn query_string(q: &AuditQuery) -> String {
    use crate::query::encode;
    format!("who={}&action={}&since={}", encode(&q.who), encode(&q.action), encode(&q.since))
}

/// `GET /admin/audit`: the newest entries that pass the filter.
pub(crate) async fn page(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<AuditQuery>,
) -> Result<AuditPage, PageError> {
    signed.allow(&state, Reach::Administration).await?;
    let entries = state.store.audit_search(&q.filter(PAGE_ENTRIES)?).await?;
    let rows: Vec<Vec<Cell>> = entries
        .iter()
        .map(|e| {
            vec![
                Cell::number(e.id),
                // To the second, and the request id's first part: the page must fit a
                // screen; the CSV and the API keep both whole.
                Cell::text(e.at.get(..19).unwrap_or(&e.at).replace('T', " ")),
                Cell::text(e.who.clone()),
                Cell::text(e.action.clone()),
                Cell::text(e.subject.clone()),
                Cell::text(e.outcome.clone()),
                Cell::text(e.detail.clone()),
                Cell::text(e.request_id.as_deref().map(|r| r.get(..8).unwrap_or(r)).unwrap_or_default()),
            ]
        })
        .collect();
    let mut head = heads(&["Entry", "When", "Who", "Action", "Subject", "Outcome", "Detail", "Request"]);
    head[0].numeric = true;
    Ok(AuditPage {
        csv_href: format!("/admin/audit.csv?{}", query_string(&q)),
        who: q.who,
        action: q.action,
        since: q.since,
        caption: format!("The {} newest matching entries", rows.len()),
        head,
        rows,
    })
}

/// `GET /admin/audit.csv`: every entry that passes the filter, oldest first, as CSV.
pub(crate) async fn csv(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    signed.allow(&state, Reach::Administration).await?;
    let mut entries = state.store.audit_search(&q.filter(0)?).await?;
    entries.reverse();
    let mut out = String::from("id,at,who,action,subject,outcome,detail,request_id\r\n");
    for e in &entries {
        let fields = [
            e.id.to_string(),
            e.at.clone(),
            e.who.clone(),
            e.action.clone(),
            e.subject.clone(),
            e.outcome.clone(),
            e.detail.clone(),
            e.request_id.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| crate::pages::csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"failwell-audit.csv\""),
        ],
        out,
    )
        .into_response())
}

/// One audit entry, as the API gives it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    /// Its id (entries are numbered in the order written).
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who asked: a user name, `public`, or `cli:USER`.
    pub who: String,
    /// What was asked.
    pub action: String,
    /// What about.
    pub subject: String,
    /// `done` or `refused`.
    pub outcome: String,
    /// The detail, or why it was refused.
    pub detail: String,
    /// The web request's id, when a request asked.
    pub request_id: Option<String>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        AuditEntryView {
            id: e.id,
            at: e.at,
            who: e.who,
            action: e.action,
            subject: e.subject,
            outcome: e.outcome,
            detail: e.detail,
            request_id: e.request_id,
        }
    }
}

/// `GET /api/v1/audit`: the newest entries that pass the filter (administrators only).
#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), responses((status = 200, body = Vec<AuditEntryView>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn api(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditEntryView>>, ApiError> {
    signed.allow(&state, Reach::Administration).await?;
    let entries = state.store.audit_search(&q.filter(PAGE_ENTRIES)?).await?;
    Ok(Json(entries.into_iter().map(AuditEntryView::from).collect()))
}

/// The reminder log's filter, as a GET parameter.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ReminderQuery {
    /// Only the reminders of this day (YYYY-MM-DD).
    #[serde(default)]
    pub day: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "reminders.html")]
pub(crate) struct RemindersPage {
    day: String,
    head: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
    caption: String,
}

/// The reminder log as both the page and the API give it: the newest [`PAGE_ENTRIES`]
/// (of the query's day, if it names one), newest first, and how many there are of each
/// outcome.
///
/// # Errors
/// A 400 naming `day` when it is not a date; the store failing.
async fn reminder_log(state: &AppState, q: &ReminderQuery) -> Result<ReminderLog, WebError> {
    let day = crate::query::parse_day("day", Some(&q.day))?.map(failwell_domain::dates::iso);
    let of_day = day.as_deref();
    let mut reminders = state.store.reminders(of_day, Some(PAGE_ENTRIES)).await?;
    reminders.reverse();
    let outcomes = state.store.reminder_outcomes(of_day).await?;
    let count = |o: &str| outcomes.iter().find(|(k, _)| k == o).map_or(0, |(_, n)| *n);
    Ok(ReminderLog {
        day,
        total: outcomes.iter().map(|(_, n)| n).sum(),
        sent: count("sent"),
        failed: count("failed"),
        pending: count("pending"),
        reminders: reminders.into_iter().map(ReminderView::from).collect(),
    })
}

/// The reminder log, as `GET /api/v1/reminders` gives it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReminderLog {
    /// The day asked for, if one was.
    pub day: Option<String>,
    /// How many reminders there are (of the day): all of them, not only those listed.
    pub total: i64,
    /// How many were sent.
    pub sent: i64,
    /// How many failed (the next `failwell remind` tries them again).
    pub failed: i64,
    /// How many are pending: claimed by a run that stopped before marking them (not sent again).
    pub pending: i64,
    /// The newest 500, newest first.
    pub reminders: Vec<ReminderView>,
}

/// One reminder as recorded.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReminderView {
    /// Its id.
    pub id: i64,
    /// The day the digest is for.
    pub day: String,
    /// Who it went to.
    pub recipient: String,
    /// `email` or `webhook`.
    pub channel: String,
    /// `pending`, `sent` or `failed`.
    pub outcome: String,
    /// How many items it held.
    pub items: i64,
    /// What happened (the error of a failed send).
    pub detail: String,
    /// When it was recorded (RFC 3339).
    pub at: String,
}

impl From<failwell_store::StoredReminder> for ReminderView {
    fn from(r: failwell_store::StoredReminder) -> Self {
        ReminderView {
            id: r.id,
            day: r.day,
            recipient: r.recipient,
            channel: r.channel,
            outcome: r.outcome,
            items: r.items,
            detail: r.detail,
            at: r.at,
        }
    }
}

/// `GET /api/v1/reminders`: the reminder log (administrators only), `?day=` for one day.
#[utoipa::path(get, path = "/api/v1/reminders", params(ReminderQuery), responses((status = 200, body = ReminderLog), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn reminders_api(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<ReminderQuery>,
) -> Result<Json<ReminderLog>, ApiError> {
    signed.allow(&state, Reach::Administration).await?;
    Ok(Json(reminder_log(&state, &q).await?))
}

/// `GET /admin/reminders`: the reminders `failwell remind` recorded, newest first (of one
/// day, or the latest [`PAGE_ENTRIES`]): to whom, by which channel, and whether each was
/// sent, failed (with the server's error, which the next run tries again) or is pending
/// (a run that stopped between claiming and marking it: not sent again). An operator
/// sees a failing mail server here without a shell on the machine.
pub(crate) async fn reminders(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<ReminderQuery>,
) -> Result<RemindersPage, PageError> {
    signed.allow(&state, Reach::Administration).await?;
    let log = reminder_log(&state, &q).await?;
    let day = log.day.clone().unwrap_or_default();
    let caption = format!(
        "{} reminder(s){}: {} sent, {} failed, {} pending{}",
        log.total,
        if day.is_empty() { String::new() } else { format!(" for {day}") },
        log.sent,
        log.failed,
        log.pending,
        if log.total > PAGE_ENTRIES { format!(" (the newest {PAGE_ENTRIES} shown)") } else { String::new() }
    );
    let rows = log
        .reminders
        .iter()
        .map(|r| {
            vec![
                Cell::number(r.id),
                Cell::text(r.day.clone()),
                Cell::text(r.recipient.clone()),
                Cell::text(r.channel.clone()),
                Cell::text(r.outcome.clone()),
                Cell::number(r.items),
                Cell::text(r.at.get(..19).unwrap_or(&r.at).replace('T', " ")),
                Cell::text(if r.outcome == "failed" { r.detail.clone() } else { String::new() }),
            ]
        })
        .collect();
    let mut head = heads(&["Reminder", "Day", "To", "Channel", "Outcome", "Items", "Written", "Why it failed"]);
    head[0].numeric = true;
    head[5].numeric = true;
    Ok(RemindersPage { day, head, rows, caption })
}
