//! `/imports`: the page an analyst imports a file from, with no command line: the GOV.UK
//! file upload pattern, a plain multipart form that works without JavaScript, and the
//! engine's import behind it (the API's path, [`crate::import_api`]). Every bad row is
//! listed with its line and column, and nothing is written unless all are good.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{PageError, WebError};
use crate::view::SelectItem;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use failwell_domain::access::Reach;
use failwell_ingest::Format;

/// The import page: its form, and the last import's result when there is one.
#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
pub(crate) struct ImportPage {
    csrf: String,
    kinds: Vec<SelectItem>,
    /// How a publisher writes periods (the mapping's `period_style`).
    period_styles: Vec<SelectItem>,
    /// What the import did, when one was just made.
    done: Option<String>,
    /// What refused it: how many errors, and the first rows as (place, reason).
    refused: Option<(String, Vec<(String, String)>)>,
}

fn page(csrf: String, chosen: &str) -> ImportPage {
    let kinds = crate::import_api::kind_names()
        .into_iter()
        .map(|k| SelectItem { value: k.into(), text: k.into(), selected: k == chosen, disabled: false })
        .collect();
    let period_styles = [
        ("canonical", "failwell's own: 2024, 2023/24, 2024-03, 2024-03-31"),
        ("year-ending-march", "a year naming the year to 31 March (the DfE's 2024 is 2023/24)"),
        ("month-of-date", "a date standing for its month (NHS England's 2024-03-01 is 2024-03)"),
    ]
    .into_iter()
    .map(|(value, text)| SelectItem { value: value.into(), text: text.into(), selected: false, disabled: false })
    .collect();
    ImportPage { csrf, kinds, period_styles, done: None, refused: None }
}

fn csrf_of(signed: &Signed) -> Result<String, WebError> {
    signed.csrf.clone().ok_or_else(|| WebError::Refused("sign in with the form to import from a page".into()))
}

/// `GET /imports`: the form (analysts and administrators).
pub(crate) async fn form(State(state): State<AppState>, signed: Signed) -> Result<ImportPage, PageError> {
    signed.allow(&state, Reach::Import).await?;
    Ok(page(csrf_of(&signed)?, "observations"))
}

/// `POST /imports`: imports the uploaded file and shows what happened.
pub(crate) async fn upload(
    State(state): State<AppState>,
    signed: Signed,
    mut multipart: Multipart,
) -> Result<ImportPage, PageError> {
    let (mut csrf, mut kind, mut dry_run, mut file) = (String::new(), String::new(), false, None);
    // The mapping's fields: `map`, `set` and `filter` one setting a line, as the API's.
    let mut settings: Vec<(String, String)> = Vec::new();
    let bad = |e: axum::extract::multipart::MultipartError| WebError::BadField { field: "file", reason: e.body_text() };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.map_err(bad)?,
            "kind" => kind = field.text().await.map_err(bad)?,
            "dry_run" => dry_run = !field.text().await.map_err(bad)?.is_empty(),
            name if failwell_ingest::Mapping::SETTINGS.contains(&name) => {
                let name = name.to_string();
                let text = field.text().await.map_err(bad)?;
                settings.extend(text.lines().map(|line| (name.clone(), line.to_string())));
            }
            "file" => {
                let name = field.file_name().unwrap_or("").to_string();
                file = Some((name, field.bytes().await.map_err(bad)?));
            }
            _ => {}
        }
    }
    crate::auth::check_csrf(&signed, &csrf)?;
    signed.allow(&state, Reach::Import).await?;
    let kind_name = kind.clone();
    let kind = crate::import_api::kind(&kind)?;
    let Some((name, bytes)) = file.filter(|(name, bytes)| !name.is_empty() || !bytes.is_empty()) else {
        return Err(WebError::BadField { field: "file", reason: "choose a file to import".into() }.into());
    };
    let name = if name.is_empty() { "upload".to_string() } else { name };
    let format = Format::from_path(std::path::Path::new(&name));
    let mapping = failwell_ingest::Mapping::from_pairs(settings.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|(field, reason)| WebError::BadField { field, reason })?;
    let outcome = crate::import_api::import_as(&state, &signed, (kind, mapping), &name, format, bytes, dry_run).await?;
    let mut shown = page(csrf_of(&signed)?, &kind_name);
    if outcome.error_count > 0 {
        let rows = outcome.errors.iter().map(|e| (e.position.to_string(), e.reason.clone())).collect();
        shown.refused = Some((outcome.refused_detail(), rows));
    } else {
        let s = &outcome.summary;
        shown.done = Some(if dry_run {
            format!("Checked {name}: {} rows read, {} would be new or changed. Nothing was written.", s.read, s.changed)
        } else {
            format!("Imported {name}: {} rows read, {} new or changed (import {}).", s.read, s.changed, s.import_id)
        });
    }
    Ok(shown)
}
