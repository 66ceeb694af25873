//! Who is asking: every handler takes a [`Signed`], made from the request's session cookie
//! or its `Authorization: Bearer` API token (or the public when there is neither), and
//! asks it whether the viewer may have what the handler is about to show.

use crate::AppState;
use crate::error::{ApiError, PageError, WebError};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use failwell_domain::Code;
use failwell_domain::access::{Reach, Viewer};
use failwell_store::{Account, AuditNote};
use tower_http::request_id::RequestId;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "failwell_session";

/// The viewer of one request, and what the audit log needs to know of the request.
#[derive(Debug, Clone)]
pub struct Signed {
    /// Who is asking, and what is in their reach.
    pub viewer: Viewer,
    /// The session's CSRF token (signed in with a cookie only): every form carries it.
    pub csrf: Option<String>,
    /// The hash of the session token (to end it on signing out).
    pub session: Option<String>,
    /// The request id, for the audit log.
    pub request_id: Option<String>,
    /// The path and query asked for: what an audited read was of, and where to come
    /// back to after signing in.
    pub path: String,
}

impl Signed {
    /// Lets the request on when the viewer may have what `reach` reaches, and records a
    /// read of anything unpublished in the audit log.
    ///
    /// # Errors
    /// [`WebError::SignInRequired`] for the public, [`WebError::Forbidden`] for a signed-in
    /// viewer without the reach, or the store's failure to write the audit entry.
    pub async fn allow(&self, state: &AppState, reach: Reach<'_>) -> Result<(), WebError> {
        if !self.viewer.may(&reach) {
            return Err(match self.viewer.role {
                None => WebError::SignInRequired(self.path.clone()),
                Some(role) => WebError::Forbidden(format!("a {role} account cannot see or do this")),
            });
        }
        if !reach.is_published() {
            self.audit(state, "read", &self.path, "", "done").await?;
        }
        Ok(())
    }

    /// Whether the viewer may have what `reach` reaches (for the parts of a published page
    /// that only some viewers see; [`Signed::allow`] is for whole requests).
    pub fn may(&self, reach: Reach<'_>) -> bool {
        self.viewer.may(&reach)
    }

    /// Appends an entry for this request to the audit log.
    ///
    /// # Errors
    /// When the store cannot write it.
    pub async fn audit(
        &self,
        state: &AppState,
        action: &str,
        subject: &str,
        detail: &str,
        outcome: &str,
    ) -> Result<(), WebError> {
        let note = AuditNote { who: self.viewer.who(), action, subject, detail };
        state.store.record_audit(&note, outcome, self.request_id.as_deref()).await?;
        Ok(())
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The viewer an account makes, with its reach from the store.
pub(crate) async fn viewer_of(state: &AppState, account: &Account) -> Result<Viewer, WebError> {
    let organisations = state.store.reach(account).await?.into_iter().filter_map(|c| Code::new(&c).ok()).collect();
    Ok(Viewer {
        username: Some(account.username.clone()),
        display_name: account.display_name.clone(),
        email: account.email.clone(),
        role: Some(account.role),
        organisations,
    })
}

async fn signed(parts: &Parts, state: &AppState) -> Result<Signed, WebError> {
    let request_id =
        parts.extensions.get::<RequestId>().and_then(|id| id.header_value().to_str().ok()).map(str::to_string);
    let path = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    let mut signed = Signed { viewer: Viewer::public(), csrf: None, session: None, request_id, path };
    if let Some(key) = &state.print_key
        && parts
            .uri
            .query()
            .unwrap_or("")
            .split('&')
            .any(|kv| kv.strip_prefix("print_key=").is_some_and(|k| super::same(k, key)))
    {
        signed.viewer = Viewer {
            username: Some("failwell (printing)".into()),
            display_name: "failwell (printing)".into(),
            email: None,
            role: Some(failwell_domain::access::Role::Analyst),
            organisations: Default::default(),
        };
        signed.path = parts.uri.path().to_string();
        return Ok(signed);
    }
    let bearer =
        parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if let Some(token) = bearer {
        // A wrong token is refused rather than treated as the public: a machine with a
        // revoked token should hear so, not get a thinner answer.
        let account = state.store.token_account(&super::token_hash(token.trim())).await?;
        let Some(account) = account else {
            return Err(WebError::BadToken);
        };
        signed.viewer = viewer_of(state, &account).await?;
    } else if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
        let hash = super::token_hash(token);
        if let Some((account, csrf)) = state.store.session(&hash).await? {
            signed.viewer = viewer_of(state, &account).await?;
            signed.csrf = Some(csrf);
            signed.session = Some(hash);
        }
    }
    Ok(signed)
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        signed(parts, state).await.map_err(|e| {
            if parts.uri.path().starts_with("/api/") {
                ApiError(e).into_response()
            } else {
                PageError(e).into_response()
            }
        })
    }
}
