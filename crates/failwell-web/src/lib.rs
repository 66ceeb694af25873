//! failwell's web service: the engine's judgements as GOV.UK-styled pages and a JSON API.
//!
//! [`Server::bind`] opens the address and [`Server::run`] serves until told to stop,
//! finishing the requests in flight. Pages are server-rendered HTML (askama templates,
//! checked at compile time) that work without JavaScript; the JSON API under `/api/v1`
//! mirrors them and documents itself at `/api/v1/openapi.json`. Static assets (the
//! compiled GOV.UK Frontend) are embedded in the binary.
//!
//! What the pages show comes from the engine's scan, run in-process as known on the day
//! asked for and never recorded ([`judgements`] holds every use of the engine's API),
//! and is cached in memory until the store's next import or a case's opening, step or
//! closing ([`snapshot`]).
//!
//! Every request gets an id (`x-request-id`, taken from the request or made up) that is
//! on every log line written while answering it and is sent back in the response.
//!
//! Architecture invariant: this is the only crate that knows HTTP. It reads the store and
//! asks the engine; it judges nothing itself. It writes sessions and audit entries itself,
//! and decisions and casework moves only through the engine; who may see or do what is
//! decided by `failwell_domain::access`, never here.

mod accounts_page;
mod admin;
mod api;
mod assets;
pub mod auth;
mod casework;
mod casework_forms;
mod decide;
pub mod error;
mod etag;
mod funnel_chart;
mod import_api;
mod import_page;
mod journey_chart;
pub mod judgements;
mod pages;
pub mod query;
mod regime_page;
pub mod snapshot;
pub mod spc_chart;
pub mod view;

use axum::Router;
use axum::http::{HeaderName, Request};
use axum::routing::get;
use failwell_store::Store;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use api::ApiDoc;

/// The paths of every `/api/v1` route the router serves, in full (`/api/v1/health`, …),
/// to check against the OpenAPI document.
pub fn api_paths() -> Vec<String> {
    api::routes().into_iter().map(|(p, _)| format!("/api/v1{p}")).collect()
}
pub use error::WebError;

/// How many recorded scans the lists show.
const SCANS_LISTED: i64 = 200;

/// A request taking longer is answered 408 rather than left hanging (a first as-of scan of
/// England takes a few seconds; nothing should take a minute).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    store: Store,
    judge: judgements::Judge,
    snapshots: Arc<snapshot::Snapshots>,
    /// A one-off key that lets the CLI's own loopback server print a board pack (see
    /// [`Server::bind_for_printing`]); `None` in every server that `failwell serve` runs.
    print_key: Option<Arc<str>>,
    /// One lock per user name being signed in as (see [`AppState::sign_in_lock`]).
    sign_in_locks: Arc<std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    /// Casework read since the store's last change (see [`casework::CaseReads`]).
    casework: Arc<std::sync::Mutex<casework::CaseCache>>,
    /// Signed-in viewers kept since the store's last change (see [`auth::viewer::Viewers`]).
    viewers: Arc<std::sync::Mutex<auth::viewer::Viewers>>,
}

impl AppState {
    /// State over `store`, judging under the built-in England regime.
    ///
    /// # Errors
    /// When the regime's rules do not compile.
    pub fn new(store: Store) -> Result<AppState, WebError> {
        Ok(AppState {
            store,
            judge: judgements::Judge::england()?,
            snapshots: Arc::default(),
            print_key: None,
            sign_in_locks: Arc::default(),
            casework: Arc::default(),
            viewers: Arc::default(),
        })
    }

    /// The lock that makes sign-ins as `username` take turns, so that the failed-attempt
    /// count each reads is the one the previous attempt left. Locks no one holds are
    /// dropped once there are many (the names come from anyone who asks).
    pub(crate) fn sign_in_lock(&self, username: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.sign_in_locks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if locks.len() > 10_000 {
            locks.retain(|_, l| Arc::strong_count(l) > 1);
        }
        locks.entry(username.to_string()).or_default().clone()
    }

    /// Forgets the viewer kept for a session this process has just ended.
    pub(crate) fn forget_session(&self, hash: &str) {
        self.viewers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).forget_session(hash);
    }

    /// The snapshot as known on `as_of` (everything stored when `None`), cached; keyed on
    /// `marks` when the request has read them already (a signed-in viewer's, see
    /// [`Signed::marks`](auth::Signed::marks)), else on the store's marks now.
    ///
    /// # Errors
    /// When the store or the engine fails.
    pub async fn snapshot(
        &self,
        as_of: Option<time::Date>,
        marks: Option<failwell_store::StoreMarks>,
    ) -> Result<Arc<snapshot::Snapshot>, WebError> {
        Ok(self.snapshots.get(&self.store, &self.judge, as_of, marks).await?.0)
    }

    /// As [`AppState::snapshot`], with the casework read since the store's last change:
    /// what a page shows beside the judgement, shared between requests until a write.
    /// Keys both on `marks` when the request has read them already (a signed-in viewer's).
    pub(crate) async fn snapshot_and_casework(
        &self,
        as_of: Option<time::Date>,
        marks: Option<failwell_store::StoreMarks>,
    ) -> Result<(Arc<snapshot::Snapshot>, casework::CaseReads), WebError> {
        let (snapshot, marks) = self.snapshots.get(&self.store, &self.judge, as_of, marks).await?;
        Ok((snapshot, casework::CaseReads::shared(&self.casework, (marks.changed, marks.scan))))
    }
}

/// Every route, with the request-id and tracing layers.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let api = api::routes().into_iter().fold(Router::new(), |r, (path, method)| r.route(path, method));
    let api = api.fallback(api::not_found);
    let moves = casework_forms::moves::routes().into_iter().fold(Router::new(), |r, (path, m)| r.route(&path, m));
    Router::new()
        .route("/", get(pages::overview))
        .route("/organisations/{code}", get(pages::organisation))
        .route("/organisations/{code}/decisions", axum::routing::post(decide::record))
        .route("/organisations/{code}/interventions", axum::routing::post(decide::open_case))
        .route("/organisations/{code}/interventions/new", get(casework_forms::open::page))
        .route("/organisations/{code}/charts/{file}", get(pages::chart_csv))
        .route("/indicators/{code}", get(pages::indicator))
        .route("/scans", get(pages::scans).post(pages::record_scan))
        .route(
            "/imports",
            get(import_page::form)
                .post(import_page::upload)
                .layer(axum::extract::DefaultBodyLimit::max(import_api::MAX_BODY)),
        )
        .route("/decisions", get(pages::decisions))
        .route("/interventions", get(casework::interventions))
        .route("/interventions/{id}", get(casework::intervention))
        .route("/interventions/{id}/pack", get(casework::pack))
        .merge(moves)
        .route("/my-work", get(casework::my_work))
        .route("/regime", get(regime_page::page))
        .route("/lessons", get(casework::lessons))
        .route("/sign-in", get(auth::sign_in_form).post(auth::sign_in))
        .route("/sign-out", axum::routing::post(auth::sign_out))
        .route("/account", get(auth::account))
        .route("/account/password", axum::routing::post(auth::change_password))
        .route("/admin/accounts", get(accounts_page::list).post(accounts_page::add))
        .route("/admin/accounts/{username}", get(accounts_page::one))
        .route("/admin/accounts/{username}/password", axum::routing::post(accounts_page::password))
        .route("/admin/accounts/{username}/tokens", axum::routing::post(accounts_page::token))
        .route("/admin/accounts/{username}/tokens/revoke", axum::routing::post(accounts_page::revoke_token))
        .route("/admin/accounts/{username}/disable", axum::routing::post(accounts_page::disable))
        .route("/admin/audit", get(admin::page))
        .route("/admin/audit.csv", get(admin::csv))
        .route("/admin/reminders", get(admin::reminders))
        .route("/static/{*path}", get(assets::serve))
        .nest("/api/v1", api)
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(etag::etag))
        .with_state(state)
        .layer(
            tower::ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request<_>| {
                            let id = req
                                .extensions()
                                .get::<RequestId>()
                                .and_then(|id| id.header_value().to_str().ok())
                                .unwrap_or("-");
                            tracing::info_span!("request", request_id = %id, method = %req.method(), uri = %req.uri())
                        })
                        .on_request(|_: &Request<_>, _: &tracing::Span| tracing::info!("started"))
                        .on_response(|res: &axum::http::Response<_>, latency: Duration, _: &tracing::Span| {
                            tracing::info!(
                                status = res.status().as_u16(),
                                latency_ms = latency.as_millis() as u64,
                                "answered"
                            )
                        }),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    REQUEST_TIMEOUT,
                ))
                .layer(tower_http::catch_panic::CatchPanicLayer::new()),
        )
}

/// A bound server, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    state: AppState,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port) and prepares to serve `store`.
    ///
    /// # Errors
    /// When the address cannot be bound or the regime does not compile.
    pub async fn bind(store: Store, addr: SocketAddr) -> Result<Server, WebError> {
        let state = AppState::new(store)?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(Server { listener, state })
    }

    /// Binds a loopback port for the CLI to print one page with headless Chromium, which
    /// cannot sign in: a request carrying the returned key as `print_key=` in its query is
    /// answered as an analyst named `failwell (printing)` (its reads are audited under
    /// that name). The key is 32 random bytes, made for this server only.
    ///
    /// # Errors
    /// As [`Server::bind`].
    pub async fn bind_for_printing(store: Store) -> Result<(Server, String), WebError> {
        let mut server = Server::bind(store, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let key = auth::new_token("");
        server.state.print_key = Some(Arc::from(key.as_str()));
        Ok((server, key))
    }

    /// The address actually bound.
    ///
    /// # Errors
    /// Only if the socket has gone.
    pub fn local_addr(&self) -> Result<SocketAddr, WebError> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` completes, then stops accepting and finishes the requests
    /// in flight. The latest snapshot is built in the background as soon as it starts, so
    /// the first visitor does not wait for a scan.
    ///
    /// # Errors
    /// When serving fails.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), WebError> {
        let warm = self.state.clone();
        let warming = tokio::spawn(async move {
            if let Err(e) = warm.snapshot(None, None).await {
                tracing::error!(error = %e, "could not judge the store at start");
            }
        });
        let app = router(self.state);
        let served = axum::serve(self.listener, app).with_graceful_shutdown(shutdown).await;
        warming.abort();
        Ok(served?)
    }
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM, whichever comes first.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
