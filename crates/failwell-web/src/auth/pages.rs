//! `/sign-in`, `/sign-out` and `/account`.

use super::viewer::{SESSION_COOKIE, Signed, cookie};
use super::{MAX_FAILED_SIGN_INS, SESSION_LENGTH, SIGN_IN_WINDOW, new_token, same, token_hash, verify_password};
use crate::AppState;
use crate::error::{PageError, WebError};
use crate::view::SummaryRow;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The cookie that carries the sign-in form's CSRF token (there is no session yet, so the
/// token is checked against this cookie: a form posted from another site cannot read it).
const SIGN_IN_COOKIE: &str = "failwell_sign_in";

#[derive(Template, WebTemplate)]
#[template(path = "sign_in.html")]
pub(crate) struct SignInPage {
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub(crate) struct AccountPage {
    rows: Vec<SummaryRow>,
    csrf: String,
    /// Why the last password change was refused.
    error: Option<String>,
    /// The field it was refused for (`current` or `new`): the summary links to it and it
    /// shows the message beside it.
    error_at: &'static str,
    /// Whether to link the administrators' pages (accounts, audit log).
    administrator: bool,
}

/// A change of one's own password, as posted.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

/// Where to go after signing in.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct NextQuery {
    #[serde(default)]
    next: String,
}

/// The sign-in form as posted.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    csrf: String,
}

/// A form that carries only the CSRF token.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub(crate) csrf: String,
}

/// Only a path of this site: never another site (`//host`, `https://…`).
fn local(next: &str) -> String {
    // Only the characters of a plain path and query: a tab or other control character is
    // dropped by browsers, so "/\t/evil.example" would leave the site.
    let plain = next.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_.~%?=&#-+,;:".contains(&b));
    if plain && next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/sign-") {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// The attributes every failwell cookie has; `Secure` when the request came over HTTPS
/// (through a proxy that says so: failwell itself serves plain HTTP on loopback).
fn cookie_attributes(headers: &HeaderMap) -> &'static str {
    let https = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v == "https");
    if https { "Path=/; HttpOnly; SameSite=Lax; Secure" } else { "Path=/; HttpOnly; SameSite=Lax" }
}

fn with_cookie(mut response: Response, cookie: String) -> Response {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

fn sign_in_page(
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<String>,
) -> Response {
    let csrf = new_token("");
    let page = SignInPage { csrf: csrf.clone(), next: local(next), username: username.to_string(), error };
    let cookie = format!("{SIGN_IN_COOKIE}={csrf}; Max-Age=3600; {}", cookie_attributes(headers));
    with_cookie((status, page).into_response(), cookie)
}

/// `GET /sign-in`: the form.
pub(crate) async fn sign_in_form(headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    sign_in_page(&headers, StatusCode::OK, &q.next, "", None)
}

/// `POST /sign-in`: checks the password, starts a session, and goes back where the user
/// was going. Every attempt, refused or not, is in the audit log.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same(expected, &form.csrf) {
        return Ok(sign_in_page(
            &headers,
            StatusCode::FORBIDDEN,
            &form.next,
            &form.username,
            Some("The form had expired: enter your user name and password again".into()),
        ));
    }
    // No account has a longer name; the audit log keeps no more of what was typed.
    let username: String = form.username.trim().chars().take(64).collect();
    // One attempt at a time per user name, so parallel attempts cannot all pass the count.
    let lock = state.sign_in_lock(&username);
    let _turn = lock.lock().await;
    let now = OffsetDateTime::now_utc();
    let since = (now - SIGN_IN_WINDOW).format(&Rfc3339).map_err(|e| WebError::Judging(e.to_string()))?;
    if state.store.refusals_since("sign in", &username, &since).await? >= MAX_FAILED_SIGN_INS {
        // Recorded under an action of its own, so these refusals do not extend the window.
        signed
            .audit(&state, "sign in limited", &username, "too many failed attempts: refused unchecked", "refused")
            .await?;
        let minutes = SIGN_IN_WINDOW.whole_minutes();
        return Ok(sign_in_page(
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            &form.next,
            &username,
            Some(format!("Too many failed attempts to sign in as this user: wait {minutes} minutes and try again")),
        ));
    }
    let credentials = state.store.credentials(&username).await?;
    let password = form.password;
    // argon2 takes tens of milliseconds of CPU: off the async threads.
    let account = tokio::task::spawn_blocking(move || match credentials {
        Some((account, hash)) => verify_password(&password, &hash).then_some(account),
        None => {
            // As long as a real check, so the answer's time does not tell which names exist.
            let _ = verify_password(&password, super::secrets::dummy_hash());
            None
        }
    })
    .await
    .map_err(|e| WebError::Judging(e.to_string()))?;
    let Some(account) = account else {
        signed.audit(&state, "sign in", &username, "wrong user name or password", "refused").await?;
        return Ok(sign_in_page(
            &headers,
            StatusCode::UNAUTHORIZED,
            &form.next,
            &username,
            Some("Enter a correct user name and password".into()),
        ));
    };
    let token = new_token("");
    let expires = (now + SESSION_LENGTH).format(&Rfc3339).map_err(|e| WebError::Judging(e.to_string()))?;
    state.store.start_session(account.id, &token_hash(&token), &new_token(""), &expires).await?;
    let by = Signed { viewer: super::viewer::viewer_of(&state, &account).await?, ..signed };
    by.audit(&state, "sign in", &username, "", "done").await?;
    let attrs = cookie_attributes(&headers);
    let response = (StatusCode::SEE_OTHER, [(header::LOCATION, local(&form.next))]).into_response();
    let response =
        with_cookie(response, format!("{SESSION_COOKIE}={token}; Max-Age={}; {attrs}", SESSION_LENGTH.whole_seconds()));
    Ok(with_cookie(response, format!("{SIGN_IN_COOKIE}=; Max-Age=0; {attrs}")))
}

/// Refuses a form whose CSRF token is not the session's.
pub(crate) fn check_csrf(signed: &Signed, token: &str) -> Result<(), WebError> {
    match &signed.csrf {
        Some(expected) if same(expected, token) => Ok(()),
        _ => Err(WebError::BadForm),
    }
}

/// `POST /sign-out`: ends the session.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&signed, &form.csrf)?;
    if let Some(hash) = &signed.session {
        let who = signed.viewer.who();
        let note = failwell_store::AuditNote { who, action: "sign out", subject: who, detail: "" };
        state.store.end_session(hash, &note, signed.request_id.as_deref()).await?;
        state.forget_session(hash);
    }
    let response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    Ok(with_cookie(response, format!("{SESSION_COOKIE}=; Max-Age=0; {}", cookie_attributes(&headers))))
}

/// `GET /account`: who is signed in, with what reach, the password form and the sign-out button.
pub(crate) async fn account(State(state): State<AppState>, signed: Signed) -> Result<AccountPage, PageError> {
    account_page(&state, &signed, None).await
}

/// `POST /account/password`: changes one's own password (the current one is asked for
/// again); every session of the account ends, this one too, so it signs in afresh.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    check_csrf(&signed, &form.csrf)?;
    signed.allow(&state, failwell_domain::access::Reach::SignedIn).await?;
    let credentials = state.store.credentials(signed.viewer.who()).await?;
    let current = form.current;
    let checked =
        tokio::task::spawn_blocking(move || credentials.is_some_and(|(_, hash)| verify_password(&current, &hash)))
            .await
            .map_err(|e| WebError::Judging(e.to_string()))?;
    if !checked {
        return refuse_password(&state, &signed, ("current", "Your current password is not the one entered")).await;
    }
    let new = form.new;
    let hash = match tokio::task::spawn_blocking(move || super::hash_password(&new))
        .await
        .map_err(|e| WebError::Judging(e.to_string()))?
    {
        Ok(h) => h,
        Err(e) => {
            return refuse_password(&state, &signed, ("new", &format!("The new password cannot be used: {e}"))).await;
        }
    };
    state.store.set_password(signed.viewer.who(), &hash, signed.viewer.who()).await?;
    let response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/sign-in?next=/account")]).into_response();
    Ok(with_cookie(response, format!("{SESSION_COOKIE}=; Max-Age=0; {}", cookie_attributes(&headers))))
}

/// The account page again, saying why the password was not changed (and the audit entry).
async fn refuse_password(
    state: &AppState,
    signed: &Signed,
    (field, why): (&'static str, &str),
) -> Result<Response, PageError> {
    signed.audit(state, "set password", signed.viewer.who(), why, "refused").await?;
    let mut page = account_page(state, signed, Some(why.to_string())).await?;
    page.error_at = field;
    let mut page = page.into_response();
    *page.status_mut() = StatusCode::BAD_REQUEST;
    Ok(page)
}

async fn account_page(state: &AppState, signed: &Signed, error: Option<String>) -> Result<AccountPage, PageError> {
    signed.allow(state, failwell_domain::access::Reach::SignedIn).await?;
    let v = &signed.viewer;
    let row = |k: &str, v: String| SummaryRow { key: k.into(), value: v, href: None };
    let reach = if v.is_national() {
        "Every organisation".to_string()
    } else if v.organisations.is_empty() {
        "No organisation yet: you are not named on any case".to_string()
    } else {
        v.organisations.iter().map(|c| c.as_str().to_string()).collect::<Vec<_>>().join(", ")
    };
    Ok(AccountPage {
        rows: vec![
            row("User name", v.who().to_string()),
            row("Name", v.display_name.clone()),
            row("Role", v.role.map(|r| r.as_str().replace('_', " ")).unwrap_or_default()),
            row("Judgements and casework of", reach),
        ],
        csrf: signed.csrf.clone().unwrap_or_default(),
        error,
        error_at: "current",
        administrator: v.role == Some(failwell_domain::access::Role::Administrator),
    })
}
