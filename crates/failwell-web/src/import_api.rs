//! `POST /api/v1/imports`: records into the store from another system, as `failwell
//! import` takes them: the same engine import (one transaction, all or nothing, every bad
//! row named with its line and column), the body being the file.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{ApiError, WebError};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use failwell_domain::access::Reach;
use failwell_engine::import::{Import, Outcome};
use failwell_ingest::{Format, Kind, Mapping};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

/// The largest body taken: a year of a monthly national collection is tens of megabytes.
pub const MAX_BODY: usize = 256 * 1024 * 1024;

const KINDS: [Kind; 6] =
    [Kind::Organisations, Kind::Links, Kind::Indicators, Kind::Observations, Kind::Inspections, Kind::Events];

/// What to import, and how to read a file in its publisher's columns (as `failwell
/// import`'s flags of the same names). Read from the query string by hand: `map`, `set`
/// and `filter` repeat.
#[derive(Debug, Default, IntoParams)]
#[expect(
    dead_code,
    reason = "the mapping's fields document the query string for OpenAPI; Mapping::from_pairs reads it"
)]
pub struct ImportQuery {
    /// `organisations`, `links`, `indicators`, `observations`, `inspections` or `events`.
    pub kind: String,
    /// The file's name, for the import log and the errors' places (default `body`).
    pub file: Option<String>,
    /// `true`: check every row and report every error, but write nothing.
    pub dry_run: bool,
    /// Read our column from theirs: `OURS=THEIRS` (repeatable).
    pub map: Vec<String>,
    /// Give a column one value for every row: `OURS=VALUE` (repeatable).
    pub set: Vec<String>,
    /// Keep only matching rows: `COL=VALUE`, `COL!=VALUE`, `COL^=PREFIX`, `COL!^=PREFIX` (repeatable, all must hold).
    pub filter: Vec<String>,
    /// `canonical` (default), `year-ending-march` or `month-of-date`.
    pub period_style: Option<String>,
    /// Where `published_on` is empty: the period's last day plus this many days.
    pub published_lag_days: Option<i64>,
    /// `true`: skip rows with neither a value nor a publisher's note.
    pub skip_empty: bool,
    /// Inspections: their columns that each hold one domain's grade (comma-separated).
    pub domain_columns: Option<String>,
}

/// The query string's settings: what to import, and the mapping (a bad one is a 400
/// naming its parameter).
fn read_query(raw: Option<&str>) -> Result<(ImportQuery, Mapping), WebError> {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(raw.unwrap_or("").as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let one = |key: &str| pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let q = ImportQuery {
        kind: one("kind").unwrap_or_default(),
        file: one("file"),
        dry_run: one("dry_run").is_some_and(|v| matches!(v.as_str(), "true" | "on" | "yes" | "1")),
        ..ImportQuery::default()
    };
    let mapping = Mapping::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|(parameter, reason)| WebError::BadParameter { parameter, reason })?;
    Ok((q, mapping))
}

/// An import done (or checked, on a dry run).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    /// The import's id in the store's log (`null` on a dry run).
    pub import_id: Option<i64>,
    /// The rows read.
    pub read: u64,
    /// The rows new or changed (that would be, on a dry run).
    pub changed: u64,
    /// Whether nothing was written.
    pub dry_run: bool,
}

/// One bad row.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowErrorView {
    /// The file (as `file` named it).
    pub file: String,
    /// The line (1 is the header).
    pub line: u64,
    /// The column's number, when one column is at fault.
    pub column: Option<u64>,
    /// The column's name, when one column is at fault.
    pub column_name: Option<String>,
    /// Why.
    pub reason: String,
}

/// Problem details for an import refused: nothing was written.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportProblem {
    /// `about:blank`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `Unprocessable Content`.
    pub title: String,
    /// 422.
    pub status: u16,
    /// How many errors in how many rows.
    pub detail: String,
    /// How many bad rows in all.
    pub error_count: usize,
    /// The first 50.
    pub errors: Vec<RowErrorView>,
}

/// `POST /api/v1/imports?kind=…`: imports the body (CSV, or JSON Lines when sent as
/// `application/x-ndjson`) as `failwell import KIND` does, as the token's (or session's)
/// account, audited. A session must send its CSRF token in `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/imports", params(ImportQuery), request_body(content = String, content_type = "text/csv", description = "The file: a header row, then one record a row"), responses((status = 201, body = ImportView), (status = 200, body = ImportView, description = "A dry run: checked, nothing written"), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = ImportProblem)))]
pub async fn import(
    State(state): State<AppState>,
    signed: Signed,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    if signed.session.is_some() {
        let token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
        crate::auth::check_csrf(&signed, token)?;
    }
    signed.allow(&state, Reach::Import).await?;
    let (q, mapping) = read_query(raw.as_deref())?;
    let kind = kind(&q.kind)?;
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        // application/json too: one JSON object a line (JSON Lines) is what the import reads.
        .is_some_and(|t| t.contains("json"));
    let format = if json { Format::JsonLines } else { Format::Csv };
    let file = q.file.clone().filter(|f| !f.trim().is_empty()).unwrap_or_else(|| "body".into());
    let outcome = import_as(&state, &signed, (kind, mapping), &file, format, body, q.dry_run).await?;
    if outcome.error_count > 0 {
        let detail = outcome.refused_detail();
        let problem = ImportProblem {
            kind: "about:blank".into(),
            title: "Unprocessable Content".into(),
            status: 422,
            detail,
            error_count: outcome.error_count,
            errors: outcome
                .errors
                .into_iter()
                .map(|e| RowErrorView {
                    file: e.position.file,
                    line: e.position.line,
                    column: e.position.column,
                    column_name: e.position.column_name,
                    reason: e.reason,
                })
                .collect(),
        };
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            [(header::CONTENT_TYPE, "application/problem+json")],
            serde_json::to_vec(&problem).unwrap_or_default(),
        )
            .into_response());
    }
    let s = &outcome.summary;
    let view = ImportView {
        import_id: (!q.dry_run).then_some(s.import_id),
        read: s.read,
        changed: s.changed,
        dry_run: q.dry_run,
    };
    let status = if q.dry_run { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(view)).into_response())
}

/// The kind of record named `name`, or a 400 naming the parameter.
pub(crate) fn kind(name: &str) -> Result<Kind, WebError> {
    KINDS.into_iter().find(|k| k.name() == name).ok_or_else(|| {
        let names: Vec<&str> = KINDS.iter().map(|k| k.name()).collect();
        WebError::BadParameter {
            parameter: "kind",
            reason: format!("{name:?} is not a kind of record: one of {}", names.join(", ")),
        }
    })
}

/// Every kind of record, by name.
pub(crate) fn kind_names() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.name()).collect()
}

/// Imports `body` as `signed`, once the caller has checked [`Reach::Import`], and audits
/// the outcome (a dry run writes nothing, so it is not audited): the page's and the
/// API's one path.
pub(crate) async fn import_as(
    state: &AppState,
    signed: &Signed,
    (kind, mapping): (Kind, Mapping),
    file: &str,
    format: Format,
    body: axum::body::Bytes,
    dry_run: bool,
) -> Result<Outcome, WebError> {
    let outcome = run(state, (kind, mapping), file, format, body, dry_run).await?;
    if let Some((subject, detail, result)) = outcome.audit_entry(kind, file, dry_run) {
        signed.audit(state, "import", &subject, &detail, result).await?;
    }
    Ok(outcome)
}

/// Runs the engine's import of `body` on a blocking thread of its own: a large file is
/// CPU-bound for seconds (the engine parses it on one more thread of its own, ahead of
/// the store), and the server's workers stay free for other requests.
async fn run(
    state: &AppState,
    (kind, mapping): (Kind, Mapping),
    file: &str,
    format: Format,
    body: axum::body::Bytes,
    dry_run: bool,
) -> Result<Outcome, WebError> {
    let (store, file) = (state.store.clone(), file.to_string());
    let regime = state.judge.regime_arc();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        handle.block_on(async move {
            let mut import = Import::begin(&store, kind, &file, mapping).await?;
            // Every grade must be one the service's regime can judge.
            if kind == Kind::Inspections {
                import.check_grades(&regime);
            }
            if let Err(e) = import.read(&file, Box::new(std::io::Cursor::new(body)), format, &mut |_| {}).await {
                import.abandon().await.ok();
                return Err(WebError::from(e));
            }
            Ok(import.finish(dry_run).await?)
        })
    })
    .await
    .map_err(|e| WebError::Judging(format!("the import stopped: {e}")))?
}
