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
use failwell_store::{Account, AuditNote, StoreMarks};
use std::collections::HashMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
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
    /// The store's marks, read to check a signed-in viewer kept from an earlier request
    /// (kept by the state, keyed on these marks); a page that builds on the judged snapshot keys it on the same
    /// marks rather than reading them again.
    pub marks: Option<StoreMarks>,
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
                Some(role) => {
                    let article = if role.to_string().starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                    WebError::Forbidden(format!("{article} {role} account cannot see or do this"))
                }
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

/// How many credentials [`Viewers`] keeps before starting afresh (each is one account's
/// viewer; the keys come only from credentials the store accepted).
const VIEWERS_KEPT: usize = 10_000;

/// The viewers of signed-in credentials (API tokens and sessions), kept between requests
/// while the store's count of writes and the day stand.
///
/// Without it every signed-in request asked the store for its token's or session's
/// account, and a board member's or peer reviewer's for their reach too: one or two round
/// trips of the four an analyst's organisation page made on PostgreSQL. What the lookup
/// reads changes only by writes audited in their own transaction (a token added or revoked, an
/// account disabled, a password set, a session ended, a person joining or leaving a
/// case), each of which moves [`StoreMarks::changed`] when it commits, or by the
/// calendar: a session expires
/// (kept with its expiry, checked on every request) and a person's leaving day passes
/// (the day is part of the key). Signing out ends the session with its audit entry in
/// one transaction, and this process forgets it at once ([`Viewers::forget_session`]).
/// A row changed by hand in the database, with no audit entry, is seen at the next
/// audited write or the next day.
#[derive(Default)]
pub(crate) struct Viewers {
    changed: i64,
    day: Option<time::Date>,
    kept: HashMap<String, Kept>,
}

/// One credential's viewer as the store gave it.
#[derive(Clone)]
struct Kept {
    viewer: Viewer,
    csrf: Option<String>,
    expires_at: Option<OffsetDateTime>,
}

impl Viewers {
    /// The viewer kept for `key` at these marks on `day`, unless its session has expired.
    fn get(&mut self, key: &str, changed: i64, now: OffsetDateTime) -> Option<Kept> {
        if self.changed != changed || self.day != Some(now.date()) {
            return None;
        }
        self.kept.get(key).filter(|k| k.expires_at.is_none_or(|e| e > now)).cloned()
    }

    /// Keeps `kept` for `key`, read at these marks on `day`; a newer mark or day empties the rest.
    fn keep(&mut self, key: String, kept: Kept, changed: i64, now: OffsetDateTime) {
        if changed < self.changed {
            return;
        }
        if changed > self.changed || self.day != Some(now.date()) || self.kept.len() >= VIEWERS_KEPT {
            *self = Viewers { changed, day: Some(now.date()), kept: HashMap::new() };
        }
        self.kept.insert(key, kept);
    }

    /// Forgets a session this process has ended.
    pub(crate) fn forget_session(&mut self, hash: &str) {
        self.kept.remove(&session_key(hash));
    }
}

fn session_key(hash: &str) -> String {
    format!("session:{hash}")
}

/// The viewer a credential makes, kept or from the store; `None` when the store does not
/// know it (an unknown, revoked or expired credential, or a disabled account).
async fn credential_viewer(
    state: &AppState,
    key: String,
    marks: StoreMarks,
    lookup: impl AsyncFnOnce() -> Result<Option<(Account, Option<String>, Option<String>)>, WebError>,
) -> Result<Option<Kept>, WebError> {
    let now = OffsetDateTime::now_utc();
    let kept = state.viewers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key, marks.changed, now);
    if kept.is_some() {
        return Ok(kept);
    }
    let Some((account, csrf, expires_at)) = lookup().await? else { return Ok(None) };
    let expires_at = expires_at
        .map(|e| OffsetDateTime::parse(&e, &Rfc3339))
        .transpose()
        .map_err(|e| WebError::Judging(format!("a stored session's expiry does not read as RFC 3339: {e}")))?;
    let kept = Kept { viewer: viewer_of(state, &account).await?, csrf, expires_at };
    state.viewers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).keep(key, kept.clone(), marks.changed, now);
    Ok(Some(kept))
}

async fn signed(parts: &Parts, state: &AppState) -> Result<Signed, WebError> {
    let request_id =
        parts.extensions.get::<RequestId>().and_then(|id| id.header_value().to_str().ok()).map(str::to_string);
    let path = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    let mut signed = Signed { viewer: Viewer::public(), csrf: None, session: None, request_id, path, marks: None };
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
        let hash = super::token_hash(token.trim());
        let marks = state.store.marks().await?;
        signed.marks = Some(marks);
        let lookup = async || Ok(state.store.token_account(&hash).await?.map(|account| (account, None, None)));
        // A wrong token is refused rather than treated as the public: a machine with a
        // revoked token should hear so, not get a thinner answer.
        let Some(kept) = credential_viewer(state, format!("token:{hash}"), marks, lookup).await? else {
            return Err(WebError::BadToken);
        };
        signed.viewer = kept.viewer;
    } else if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
        let hash = super::token_hash(token);
        let marks = state.store.marks().await?;
        signed.marks = Some(marks);
        let lookup =
            async || Ok(state.store.session(&hash).await?.map(|s| (s.account, Some(s.csrf), Some(s.expires_at))));
        if let Some(kept) = credential_viewer(state, session_key(&hash), marks, lookup).await? {
            signed.viewer = kept.viewer;
            signed.csrf = kept.csrf;
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

#[cfg(test)]
mod tests {
    use super::{Kept, Viewers};
    use failwell_domain::access::Viewer;
    use time::{Duration, OffsetDateTime, macros::datetime};

    fn kept(expires_at: Option<OffsetDateTime>) -> Kept {
        Kept { viewer: Viewer { username: Some("a".into()), ..Viewer::public() }, csrf: None, expires_at }
    }

    #[test]
    fn a_kept_viewer_lasts_while_the_mark_the_day_and_the_session_do() {
        let now = datetime!(2026-07-10 09:00 UTC);
        let mut viewers = Viewers::default();
        viewers.keep("token:t".into(), kept(None), 5, now);
        viewers.keep("session:s".into(), kept(Some(now + Duration::hours(1))), 5, now);
        assert!(viewers.get("token:t", 5, now + Duration::hours(2)).is_some());
        assert!(viewers.get("session:s", 5, now + Duration::minutes(59)).is_some());
        assert!(viewers.get("session:s", 5, now + Duration::hours(1)).is_none(), "the session has expired");
        assert!(viewers.get("token:t", 6, now).is_none(), "a write has committed since");
        assert!(viewers.get("token:t", 5, now + Duration::days(1)).is_none(), "a leaving day may have passed");
        assert!(viewers.get("token:u", 5, now).is_none());
        // A reader that read an older mark keeps nothing over the newer one's.
        viewers.keep("token:u".into(), kept(None), 4, now);
        assert!(viewers.get("token:u", 5, now).is_none());
        // A newer mark starts afresh.
        viewers.keep("token:u".into(), kept(None), 7, now);
        assert!(viewers.get("token:t", 7, now).is_none() && viewers.get("token:u", 7, now).is_some());
        viewers.forget_session("s");
        viewers.keep("session:s".into(), kept(None), 7, now);
        viewers.forget_session("s");
        assert!(viewers.get("session:s", 7, now).is_none(), "signed out here");
    }
}
