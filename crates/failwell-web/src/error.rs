//! What can go wrong while answering a request, and how each answer looks.
//!
//! One error type for pages and API alike; the two differ only in how they are written:
//! a page is a GOV.UK-styled HTML page ([`PageError`]), the API an RFC 9457 problem
//! details document ([`ApiError`]). Neither ever shows a database error or a stack trace:
//! those are logged (with the request id of the line) and the user is told only that
//! something went wrong.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why a request could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No such thing (an unknown organisation code, indicator or scan).
    #[error("{0} not found")]
    NotFound(String),
    /// A query parameter that cannot be read: which one, and why.
    #[error("parameter {parameter}: {reason}")]
    BadParameter {
        /// The parameter's name, as in the URL.
        parameter: &'static str,
        /// Why its value was refused.
        reason: String,
    },
    /// The public asked for something only a signed-in user may have (the path asked for,
    /// to come back to after signing in).
    #[error("sign in to see this")]
    SignInRequired(String),
    /// A signed-in user asked for something outside their role's reach.
    #[error("{0}")]
    Forbidden(String),
    /// An API token that is unknown, revoked, or of a disabled account.
    #[error("the API token is not valid: it is unknown, revoked, or its account is disabled")]
    BadToken,
    /// A form without the session's CSRF token (or with another's).
    #[error("the form has expired or did not come from failwell: go back, reload it and try again")]
    BadForm,
    /// A form field that cannot be used: which, and why.
    #[error("{field}: {reason}")]
    BadField {
        /// The field's name.
        field: &'static str,
        /// Why its value was refused.
        reason: String,
    },
    /// A write the store's rules refuse (a decision without a recommendation, …).
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] failwell_store::StoreError),
    /// The engine failed to judge (logged; the user sees only that it failed).
    #[error("judging: {0}")]
    Judging(String),
    /// A page failed to render (a bug).
    #[error("rendering: {0}")]
    Render(#[from] askama::Error),
    /// The server could not start or stopped with an error.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// A casework move the engine refused is the user's to correct (409, with the reason);
/// the store failing under it is ours.
impl From<failwell_engine::casework::CaseworkError> for WebError {
    fn from(e: failwell_engine::casework::CaseworkError) -> Self {
        match e {
            failwell_engine::casework::CaseworkError::Refused(r) => WebError::Refused(r.to_string()),
            failwell_engine::casework::CaseworkError::Store(s) => WebError::Store(s),
        }
    }
}

impl WebError {
    /// The HTTP status the error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadParameter { .. } | WebError::BadField { .. } => StatusCode::BAD_REQUEST,
            WebError::SignInRequired(_) | WebError::BadToken => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) | WebError::BadForm => StatusCode::FORBIDDEN,
            WebError::Refused(_) => StatusCode::CONFLICT,
            WebError::Store(_) | WebError::Judging(_) | WebError::Render(_) | WebError::Io(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// What the user may be told: the error itself for their own mistakes, a fixed
    /// sentence for ours (details stay in the log).
    pub fn public_detail(&self) -> String {
        match self {
            WebError::NotFound(_)
            | WebError::BadParameter { .. }
            | WebError::SignInRequired(_)
            | WebError::Forbidden(_)
            | WebError::BadToken
            | WebError::BadForm
            | WebError::BadField { .. }
            | WebError::Refused(_) => self.to_string(),
            _ => "Sorry, there is a problem with the service. Try again later.".to_string(),
        }
    }

    fn title(&self) -> &'static str {
        match self.status() {
            StatusCode::NOT_FOUND => "Page not found",
            StatusCode::BAD_REQUEST => "There is a problem with the address",
            StatusCode::UNAUTHORIZED => "Sign in to see this page",
            StatusCode::FORBIDDEN => "You cannot see this page",
            StatusCode::CONFLICT => "That could not be done",
            _ => "Sorry, there is a problem with the service",
        }
    }

    fn log(&self) {
        if self.status().is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::info!(error = %self, "request refused");
        }
    }
}

/// An error answered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    detail: String,
    status: u16,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.log();
        // A page the public may not see sends them to sign in, and back afterwards.
        if let WebError::SignInRequired(next) = &self.0 {
            let to = format!("/sign-in?next={}", crate::query::encode(next));
            return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
        }
        let page =
            ErrorPage { title: self.0.title(), detail: self.0.public_detail(), status: self.0.status().as_u16() };
        let body = page.render().unwrap_or_else(|_| "Sorry, there is a problem with the service.".to_string());
        (self.0.status(), [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
    }
}

/// An error answered as RFC 9457 problem details (`application/problem+json`).
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// RFC 9457 problem details, as the API writes them.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`about:blank`: the status says it all).
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's short title.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, for a person to read.
    pub detail: String,
    /// The query parameter at fault, for a 400.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// The request body's field at fault, for a 400 (as the form's field is named).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        let problem = Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: self.0.public_detail(),
            parameter: match &self.0 {
                WebError::BadParameter { parameter, .. } => Some((*parameter).to_string()),
                _ => None,
            },
            field: match &self.0 {
                WebError::BadField { field, .. } => Some((*field).to_string()),
                _ => None,
            },
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer realm=\"failwell\""));
        }
        response
    }
}
