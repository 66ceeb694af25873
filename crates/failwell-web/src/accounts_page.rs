//! Accounts for administrators, on the web as on the command line (`failwell user`):
//! list them, make one, set a new password, make or revoke an API token, disable one. The store
//! makes each change with its audit entry (`by` the administrator); accounts are
//! disabled, never deleted.
//!
//! A password or token made here is shown once, on the answer to the form that made it,
//! and never again: the store keeps only its hash. That answer is `Cache-Control:
//! no-store`, so no browser cache or history keeps the secret either.

use crate::AppState;
use crate::auth::{Signed, check_csrf, hash_password, new_password, new_token, token_hash};
use crate::error::{ApiError, PageError, WebError};
use crate::pages::heads;
use crate::view::{Cell, SelectItem, SummaryRow};
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use failwell_domain::access::{Reach, Role};
use failwell_store::{Account, AccountRefusal, NewAccount, StoreError};

/// A secret made by a form, shown on its answer only.
pub(crate) struct ShownOnce {
    /// What it is ("the password of alice").
    what: String,
    /// The secret.
    secret: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts.html")]
pub(crate) struct AccountsPage {
    csrf: String,
    error: Option<String>,
    /// The field the error is about, which the error summary links to.
    error_at: &'static str,
    done: Option<String>,
    shown_once: Option<ShownOnce>,
    head: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
    roles: Vec<SelectItem>,
    form: AccountForm,
}

#[derive(Template, WebTemplate)]
#[template(path = "account_admin.html")]
pub(crate) struct AccountAdminPage {
    csrf: String,
    username: String,
    /// The account's page, its name encoded for the URL: the forms post below it.
    base: String,
    disabled: bool,
    is_self: bool,
    rows: Vec<SummaryRow>,
    /// Its API tokens: name, made, status.
    token_head: Vec<Cell>,
    tokens: Vec<Vec<Cell>>,
    /// The names of its tokens still working, for the revoke form.
    active_tokens: Vec<SelectItem>,
    error: Option<String>,
    done: Option<String>,
    shown_once: Option<ShownOnce>,
}

/// The form that makes an account.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organisation: String,
}

/// The forms of one account's page: a token's name, or a confirmation.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    confirm: String,
}

/// An account as the API lists it (never a password or token hash).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AccountView {
    /// The name it signs in with.
    pub username: String,
    /// The name casework knows the person by.
    pub display_name: String,
    /// Their e-mail address.
    pub email: Option<String>,
    /// `administrator`, `analyst`, `board_member`, `provider` or `peer_reviewer`.
    pub role: String,
    /// A provider's own organisation (its code).
    pub organisation: Option<String>,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it was disabled, if it was.
    pub disabled_at: Option<String>,
}

impl From<Account> for AccountView {
    fn from(a: Account) -> Self {
        AccountView {
            username: a.username,
            display_name: a.display_name,
            email: a.email,
            role: a.role.as_str().to_string(),
            organisation: a.organisation,
            created_at: a.created_at,
            disabled_at: a.disabled_at,
        }
    }
}

/// `GET /api/v1/accounts`: every account (administrators only).
#[utoipa::path(get, path = "/api/v1/accounts", responses((status = 200, body = Vec<AccountView>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn api(State(state): State<AppState>, signed: Signed) -> Result<Json<Vec<AccountView>>, ApiError> {
    signed.allow(&state, Reach::Administration).await?;
    Ok(Json(state.store.accounts().await?.into_iter().map(AccountView::from).collect()))
}

/// `GET /admin/accounts`: the accounts, and the form that makes one.
pub(crate) async fn list(State(state): State<AppState>, signed: Signed) -> Result<AccountsPage, PageError> {
    signed.allow(&state, Reach::Administration).await?;
    accounts_page(&state, &signed, AccountForm::default(), None, None, None).await
}

/// `POST /admin/accounts`: makes an account with a random password, shown once.
pub(crate) async fn add(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<AccountForm>,
) -> Result<Response, PageError> {
    administering(&state, &signed, &form.csrf).await?;
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let Ok(role) = form.role.parse::<Role>() else {
        let why = "Choose the account's role".to_string();
        let mut page = accounts_page(&state, &signed, form, Some(why), None, None).await?;
        page.error_at = "#role";
        return refused(page);
    };
    let password = new_password();
    let hash = hashed(password.clone()).await?;
    let new = NewAccount {
        username: form.username.trim().to_string(),
        display_name: form.display_name.trim().to_string(),
        email: some(&form.email),
        role,
        organisation: some(&form.organisation),
        password_hash: hash,
    };
    match state.store.add_account(&new, signed.viewer.who()).await {
        Ok(a) => {
            let done =
                format!("Account {} made ({}, {}).", a.username, a.display_name, a.role.as_str().replace('_', " "));
            let shown = ShownOnce { what: format!("The password of {}", a.username), secret: password };
            let page = accounts_page(&state, &signed, AccountForm::default(), None, Some(done), Some(shown)).await?;
            Ok(no_store(page.into_response()))
        }
        Err(StoreError::Account(why)) => {
            let mut page = accounts_page(&state, &signed, form, Some(sentence(&why)), None, None).await?;
            page.error_at = match &why {
                AccountRefusal::Organisation(_) => "#organisation",
                AccountRefusal::Invalid(m) if m.contains("display name") => "#display_name",
                _ => "#username",
            };
            refused(page)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /admin/accounts/{username}`: one account, and what an administrator may do to it.
pub(crate) async fn one(
    State(state): State<AppState>,
    signed: Signed,
    Path(username): Path<String>,
) -> Result<AccountAdminPage, PageError> {
    signed.allow(&state, Reach::Administration).await?;
    account_page(&state, &signed, &username, None, None, None).await
}

/// `POST /admin/accounts/{username}/password`: a new random password, shown once; the
/// account's sessions end.
pub(crate) async fn password(
    State(state): State<AppState>,
    signed: Signed,
    Path(username): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    administering(&state, &signed, &form.csrf).await?;
    let password = new_password();
    let hash = hashed(password.clone()).await?;
    state.store.set_password(&username, &hash, signed.viewer.who()).await.map_err(unknown)?;
    let shown = ShownOnce { what: format!("The new password of {username}"), secret: password };
    let done = format!("A new password is set for {username}; their sessions have ended.");
    let page = account_page(&state, &signed, &username, None, Some(done), Some(shown)).await?;
    Ok(no_store(page.into_response()))
}

/// `POST /admin/accounts/{username}/tokens`: an API token for the account, shown once.
pub(crate) async fn token(
    State(state): State<AppState>,
    signed: Signed,
    Path(username): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    administering(&state, &signed, &form.csrf).await?;
    let name = form.name.trim();
    if name.is_empty() {
        let why = "Say what the token is for (a machine, a script)".to_string();
        return refused(account_page(&state, &signed, &username, Some(why), None, None).await?);
    }
    let token = new_token("fw_");
    state.store.add_api_token(&username, name, &token_hash(&token), signed.viewer.who()).await.map_err(unknown)?;
    let shown = ShownOnce {
        what: format!("API token {name:?} of {username} (send it as Authorization: Bearer TOKEN)"),
        secret: token,
    };
    let page = account_page(&state, &signed, &username, None, None, Some(shown)).await?;
    Ok(no_store(page.into_response()))
}

/// `POST /admin/accounts/{username}/tokens/revoke`: revokes the account's API tokens of
/// one name (a leaked token, a machine retired), as `failwell user revoke-token` does; the
/// account and its other tokens keep working.
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    signed: Signed,
    Path(username): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    administering(&state, &signed, &form.csrf).await?;
    let name = form.name.trim();
    match state.store.revoke_api_tokens(&username, name, signed.viewer.who()).await {
        Ok(n) => {
            let done = format!("{n} API token(s) named {name:?} of {username} revoked: they no longer work.");
            Ok(account_page(&state, &signed, &username, None, Some(done), None).await?.into_response())
        }
        Err(StoreError::Account(why @ AccountRefusal::NoToken(..))) => {
            signed.audit(&state, "revoke API token", &username, &why.to_string(), "refused").await?;
            refused(account_page(&state, &signed, &username, Some(sentence(&why)), None, None).await?)
        }
        Err(e) => Err(unknown(e).into()),
    }
}

/// `POST /admin/accounts/{username}/disable`: disables the account once confirmed (its
/// sessions end and its tokens stop working). An administrator cannot disable their own
/// account: the last one would lock everybody out.
pub(crate) async fn disable(
    State(state): State<AppState>,
    signed: Signed,
    Path(username): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    administering(&state, &signed, &form.csrf).await?;
    let refusal = if username == signed.viewer.who() {
        Some("You cannot disable your own account: ask another administrator".to_string())
    } else if form.confirm != "yes" {
        Some("Confirm that the account is to be disabled".to_string())
    } else {
        None
    };
    if let Some(why) = refusal {
        signed.audit(&state, "disable account", &username, &why, "refused").await?;
        return refused(account_page(&state, &signed, &username, Some(why), None, None).await?);
    }
    state.store.disable_account(&username, signed.viewer.who()).await.map_err(unknown)?;
    let done = format!("{username} is disabled: their sessions have ended and their API tokens no longer work.");
    Ok(account_page(&state, &signed, &username, None, Some(done), None).await?.into_response())
}

/// Lets a form on: the session's own (CSRF), from an administrator.
async fn administering(state: &AppState, signed: &Signed, csrf: &str) -> Result<(), PageError> {
    check_csrf(signed, csrf)?;
    signed.allow(state, Reach::Administration).await?;
    Ok(())
}

/// Hashes a password off the async threads (argon2 is slow on purpose).
async fn hashed(password: String) -> Result<String, WebError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| WebError::Judging(e.to_string()))?
        .map_err(|e| WebError::Refused(e.to_string()))
}

/// An unknown account is a 404; other refusals keep their words.
fn unknown(e: StoreError) -> WebError {
    match e {
        StoreError::Account(AccountRefusal::Unknown(name)) => WebError::NotFound(format!("account {name:?}")),
        e => e.into(),
    }
}

/// A refusal's words as a sentence for the error summary.
fn sentence(why: &AccountRefusal) -> String {
    let text = why.to_string();
    let mut chars = text.chars();
    chars.next().map_or(text.clone(), |c| c.to_uppercase().chain(chars).collect())
}

/// A page answering a refused form: 400, the page shown again with why.
fn refused(page: impl IntoResponse) -> Result<Response, PageError> {
    let mut response = page.into_response();
    *response.status_mut() = StatusCode::BAD_REQUEST;
    Ok(response)
}

/// Marks an answer that shows a secret: no cache may keep it.
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn accounts_page(
    state: &AppState,
    signed: &Signed,
    form: AccountForm,
    error: Option<String>,
    done: Option<String>,
    shown_once: Option<ShownOnce>,
) -> Result<AccountsPage, PageError> {
    let accounts = state.store.accounts().await?;
    let rows = accounts
        .iter()
        .map(|a| {
            vec![
                Cell::link(a.username.clone(), format!("/admin/accounts/{}", crate::query::segment(&a.username))),
                Cell::text(a.display_name.clone()),
                Cell::text(a.role.as_str().replace('_', " ")),
                Cell::text(a.organisation.clone().unwrap_or_default()),
                Cell::text(a.email.clone().unwrap_or_default()),
                Cell::text(status(a)),
            ]
        })
        .collect();
    // No role is chosen for the administrator: the first of a list would be, and it is
    // the most powerful one.
    let choose = SelectItem {
        value: String::new(),
        text: "Choose a role".to_string(),
        selected: form.role.is_empty(),
        disabled: false,
    };
    let roles = std::iter::once(choose)
        .chain(Role::ALL.iter().map(|r| SelectItem {
            value: r.as_str().to_string(),
            text: r.as_str().replace('_', " "),
            selected: form.role == r.as_str(),
            disabled: false,
        }))
        .collect();
    Ok(AccountsPage {
        csrf: signed.csrf.clone().unwrap_or_default(),
        error,
        error_at: "#username",
        done,
        shown_once,
        head: heads(&["User name", "Name", "Role", "Organisation", "E-mail", "Status"]),
        rows,
        roles,
        form,
    })
}

fn status(a: &Account) -> String {
    match &a.disabled_at {
        Some(d) => format!("disabled {}", d.get(..10).unwrap_or(d)),
        None => "active".to_string(),
    }
}

async fn account_page(
    state: &AppState,
    signed: &Signed,
    username: &str,
    error: Option<String>,
    done: Option<String>,
    shown_once: Option<ShownOnce>,
) -> Result<AccountAdminPage, PageError> {
    let accounts = state.store.accounts().await?;
    let Some(a) = accounts.into_iter().find(|a| a.username == username) else {
        return Err(WebError::NotFound(format!("account {username:?}")).into());
    };
    let row = |k: &str, v: String| SummaryRow { key: k.into(), value: v, href: None };
    let token_list = state.store.api_tokens(&a.username).await?;
    let day = |d: &String| d.get(..10).unwrap_or(d).to_string();
    let tokens = token_list
        .iter()
        .map(|t| {
            vec![
                Cell::text(t.name.clone()),
                Cell::text(day(&t.created_at)),
                Cell::text(
                    t.revoked_at.as_ref().map_or_else(|| "working".to_string(), |r| format!("revoked {}", day(r))),
                ),
            ]
        })
        .collect();
    let mut active: Vec<&str> = token_list.iter().filter(|t| t.revoked_at.is_none()).map(|t| t.name.as_str()).collect();
    active.sort_unstable();
    active.dedup();
    let active_tokens = active
        .into_iter()
        .map(|n| SelectItem { value: n.to_string(), text: n.to_string(), selected: false, disabled: false })
        .collect();
    Ok(AccountAdminPage {
        csrf: signed.csrf.clone().unwrap_or_default(),
        username: a.username.clone(),
        base: format!("/admin/accounts/{}", crate::query::segment(&a.username)),
        disabled: a.disabled_at.is_some(),
        is_self: a.username == signed.viewer.who(),
        rows: vec![
            row("User name", a.username.clone()),
            row("Name", a.display_name.clone()),
            row("Role", a.role.as_str().replace('_', " ")),
            row("Organisation", a.organisation.clone().unwrap_or_else(|| "–".into())),
            row("E-mail", a.email.clone().unwrap_or_else(|| "–".into())),
            row("Made", a.created_at.get(..10).unwrap_or(&a.created_at).to_string()),
            row("Status", status(&a)),
        ],
        token_head: heads(&["Token for", "Made", "Status"]),
        tokens,
        active_tokens,
        error,
        done,
        shown_once,
    })
}
