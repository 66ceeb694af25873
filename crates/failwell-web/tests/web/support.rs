//! Fresh stores with a small, known set of evidence; a server over each; an HTTP client.

use failwell_domain::{Code, Indicator, Inspection, Link, Observation, Organisation, Slug};
use failwell_store::Store;
use failwell_test_support::TestDatabase;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use std::net::SocketAddr;

/// A database to test against: its URL and backend, and the harness's database, which is
/// removed (the SQLite folder, the PostgreSQL database) when this is dropped.
pub struct TestDb {
    pub url: String,
    pub backend: &'static str,
    pub _database: TestDatabase,
}

/// A fresh SQLite database, and a fresh PostgreSQL one when a server is configured.
pub async fn databases() -> Vec<TestDb> {
    TestDatabase::all()
        .expect("test databases")
        .into_iter()
        .map(|db| TestDb { url: db.url().to_string(), backend: db.name(), _database: db })
        .collect()
}

/// A day from its ISO text.
pub fn date(s: &str) -> time::Date {
    failwell_domain::dates::parse_date(s).unwrap()
}

fn council(code: &str, name: &str, region: &str) -> Organisation {
    Organisation {
        code: Code::new(code).unwrap(),
        name: name.into(),
        sector: Slug::new("local_government").unwrap(),
        org_type: Slug::new("upper_tier_council").unwrap(),
        region: Some(region.into()),
        opened_on: None,
        closed_on: None,
        source: "test".into(),
        learned_on: None,
    }
}

/// Middlesbrough (the organisation the tests look at): judged Inadequate, published
/// 24 January 2020, and a re-referral rate that leaps in its latest year.
pub const FAILING: &str = "E06000002";
/// Hartlepool: steady figures, no inspection; Middlesbrough's closest neighbour.
pub const STEADY: &str = "E06000001";
/// The indicator of the fixture.
pub const INDICATOR: &str = "rereferrals_within_12m_pct";

/// Loads the fixture: three councils in two regions, one SPC indicator with twelve
/// annual figures each, one inspection and one neighbour link.
pub async fn load(store: &Store) {
    let orgs = [
        council(STEADY, "Hartlepool", "North East"),
        council(FAILING, "Middlesbrough", "North East"),
        council("E08000017", "Doncaster", "Yorkshire and The Humber"),
    ];
    let mut s = store.begin_import("organisations", "orgs.csv").await.unwrap();
    for (i, o) in orgs.iter().enumerate() {
        s.add_organisation(i as u64 + 2, o).await.unwrap().unwrap();
    }
    s.finish().await.unwrap();

    let indicator = Indicator {
        code: Slug::new(INDICATOR).unwrap(),
        title: "Referrals within 12 months of a previous referral".into(),
        unit: "percent".into(),
        polarity: "higher_is_worse".parse().unwrap(),
        kind: "outcome".parse().unwrap(),
        failure_types: vec!["performance".parse().unwrap()],
        method: "spc".parse().unwrap(),
        counts: "none".parse().unwrap(),
        denominator: None,
        definition: "Referrals within 12 months of a previous referral (year to 31 March)".into(),
        definition_version: "1".into(),
        valid_from: None,
        source: "test".into(),
        learned_on: None,
    };
    let mut s = store.begin_import("indicators", "indicators.csv").await.unwrap();
    s.add_indicator(2, &indicator).await.unwrap().unwrap();
    s.finish().await.unwrap();

    let steady = [20.0, 21.0, 20.0, 22.0, 21.0, 20.0, 21.0, 22.0, 20.0, 21.0, 21.0, 20.0];
    let mut leap = steady;
    leap[11] = 45.0;
    let mut s = store.begin_import("observations", "observations.csv").await.unwrap();
    let mut line = 1;
    for (code, values) in [(STEADY, &steady), (FAILING, &leap), ("E08000017", &steady)] {
        for (i, v) in values.iter().enumerate() {
            let year = 2012 + i as i32;
            line += 1;
            let obs = Observation {
                organisation: Code::new(code).unwrap(),
                indicator: Slug::new(INDICATOR).unwrap(),
                period: format!("{year}/{:02}", (year + 1) % 100).parse().unwrap(),
                value: Some(*v),
                suppression: None,
                numerator: None,
                denominator: None,
                expected: None,
                published_on: Some(date(&format!("{}-11-01", year + 1))),
                source: "test".into(),
            };
            s.add_observation(line, obs).await.unwrap().unwrap();
        }
    }
    s.finish().await.unwrap();

    let inspection = Inspection {
        organisation: Code::new(FAILING).unwrap(),
        regulator: Slug::new("ofsted").unwrap(),
        framework: Slug::new("ilacs").unwrap(),
        scale_version: Slug::new("ofsted_ilacs_2018").unwrap(),
        inspected_on: date("2019-11-25"),
        published_on: date("2020-01-24"),
        overall: Slug::new("inadequate").unwrap(),
        domains: vec![],
        source: "test".into(),
    };
    let mut s = store.begin_import("inspections", "inspections.csv").await.unwrap();
    s.add_inspection(2, &inspection).await.unwrap().unwrap();
    s.finish().await.unwrap();

    let link = Link {
        from: Code::new(STEADY).unwrap(),
        to: Code::new(FAILING).unwrap(),
        link_type: "neighbour".parse().unwrap(),
        valid_from: None,
        valid_to: None,
        rank: Some(1),
        note: "Close".into(),
        source: "test".into(),
        learned_on: None,
    };
    let mut s = store.begin_import("links", "links.csv").await.unwrap();
    s.add_link(2, &link).await.unwrap().unwrap();
    s.finish().await.unwrap();

    // Middlesbrough's case: a statutory direction after the judgement, with a board chair.
    let case = failwell_domain::casework::NewIntervention {
        organisations: vec![Code::new(FAILING).unwrap()],
        sector: "childrens_services".into(),
        rung: "statutory_direction".into(),
        applied_by: "dfe".into(),
        start: date("2020-02-01"),
        planned_end: Some(date("2021-01-31")),
        report_published: Some(date("2020-01-24")),
        actors: vec![
            "C. Chair:board_chair:advise".parse().unwrap(),
            "A. Adviser:improvement_director:advise".parse().unwrap(),
        ],
        reason: "Judged Inadequate, published 24 January 2020".into(),
        opened_by: "caseworker".into(),
        decision: None,
    };
    let regime = failwell_domain::regime::Regime::england();
    let id = failwell_engine::casework::open(store, &regime, &case).await.unwrap();
    use failwell_engine::casework::plan;
    let from = date("2020-02-01");
    let theme = plan::add_theme(store, id, "Help and protection", from, "caseworker").await.unwrap();
    let action = plan::NewAction {
        theme,
        title: "Review every re-referral".into(),
        lead: "Head of service".into(),
        due: date("2020-09-30"),
        tag: "process".parse().unwrap(),
        from,
    };
    let action = plan::add_action(store, id, &action, "caseworker").await.unwrap();
    let rule = failwell_domain::casework::CriterionRule::Indicator {
        organisation: Code::new(FAILING).unwrap(),
        indicator: Slug::new(INDICATOR).unwrap(),
        target: 18.0,
        side: "at_most".parse().unwrap(),
        by: None,
    };
    let of = failwell_domain::casework::CriterionOf::Action(action);
    plan::add_criterion(store, id, of, &rule, from, "caseworker").await.unwrap();
    let exit = failwell_domain::casework::CriterionRule::Rating {
        organisation: Code::new(FAILING).unwrap(),
        at_least: "requires_improvement".into(),
    };
    let of = failwell_domain::casework::CriterionOf::Exit("outcome".parse().unwrap());
    plan::add_criterion(store, id, of, &exit, from, "caseworker").await.unwrap();

    // Hartlepool's peer review of 2018, closed with its lessons.
    let review = failwell_domain::casework::NewIntervention {
        organisations: vec![Code::new(STEADY).unwrap()],
        rung: "peer_review".into(),
        applied_by: "lga".into(),
        start: date("2018-01-15"),
        planned_end: None,
        report_published: None,
        actors: vec!["P. Peer:peer_reviewer:advise".parse().unwrap()],
        reason: "Early signs in re-referrals".into(),
        ..case
    };
    let closed = failwell_engine::casework::open(store, &regime, &review).await.unwrap();
    let lessons = failwell_domain::casework::Lessons {
        worked: "Peers who had turned round their own front door".into(),
        did_not_work: "A report with no owner for its actions".into(),
        exit: "capability".into(),
    };
    failwell_engine::casework::close(store, closed, date("2018-11-30"), &lessons, "caseworker").await.unwrap();
}

/// The password of every fixture account.
pub const PASSWORD: &str = "a long password for the tests";

/// The fixture's accounts: user name (= role), display name, provider's organisation.
/// The board member chairs Middlesbrough's board; the peer reviewer reviewed Hartlepool;
/// the provider works at Hartlepool.
pub const ACCOUNTS: &[(&str, &str, Option<&str>)] = &[
    ("administrator", "A. Admin", None),
    ("analyst", "A. Analyst", None),
    ("board_member", "C. Chair", None),
    ("provider", "H. Provider", Some(STEADY)),
    ("peer_reviewer", "P. Peer", None),
];

/// Makes the fixture's accounts, each with an API token; returns the tokens by user name.
pub async fn accounts(store: &Store) -> std::collections::BTreeMap<String, String> {
    let hash = failwell_web::auth::hash_password(PASSWORD).unwrap();
    let mut tokens = std::collections::BTreeMap::new();
    for (username, name, organisation) in ACCOUNTS {
        let new = failwell_store::NewAccount {
            username: (*username).into(),
            display_name: (*name).into(),
            email: None,
            role: username.parse().unwrap(),
            organisation: organisation.map(str::to_string),
            password_hash: hash.clone(),
        };
        store.add_account(&new, "tests").await.unwrap();
        let token = failwell_web::auth::new_token("fw_");
        store.add_api_token(username, "tests", &failwell_web::auth::token_hash(&token), "tests").await.unwrap();
        tokens.insert((*username).to_string(), token);
    }
    tokens
}

/// A server running over a store, stopped (gracefully) by [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    pub backend: &'static str,
    /// API tokens by user name (see [`ACCOUNTS`]).
    pub tokens: std::collections::BTreeMap<String, String>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), failwell_web::WebError>>,
    store: Store,
}

/// Opens `db`, loads the fixture and serves it on a free loopback port.
pub async fn serve(db: &TestDb) -> Running {
    let store = Store::open(&db.url).await.unwrap();
    load(&store).await;
    serve_store(db, store).await
}

/// Serves `db` as the test has loaded it (the fixture's accounts are added).
pub async fn serve_loaded(db: &TestDb) -> Running {
    serve_store(db, Store::open(&db.url).await.unwrap()).await
}

async fn serve_store(db: &TestDb, store: Store) -> Running {
    let tokens = accounts(&store).await;
    let server = failwell_web::Server::bind(store.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    Running { addr, backend: db.backend, tokens, stop, task, store }
}

impl Running {
    /// Stops the server, insisting it stopped cleanly, and closes the store.
    pub async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
        self.store.close().await;
    }

    /// The store the server serves.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// `GET path` over a new connection, as the analyst (who sees everything).
    pub async fn get(&self, path: &str) -> Response {
        self.get_as("analyst", path).await
    }

    /// `GET path` as user `who` (with their API token), or as the public (`public`).
    pub async fn get_as(&self, who: &str, path: &str) -> Response {
        match self.tokens.get(who) {
            Some(token) => get_with(self.addr, path, &[("authorization", &format!("Bearer {token}"))]).await,
            None => {
                assert_eq!(who, "public", "no fixture account {who:?}");
                get(self.addr, path).await
            }
        }
    }

    /// `GET path` as the analyst, with extra headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let bearer = format!("Bearer {}", self.tokens["analyst"]);
        let mut all = vec![("authorization", bearer.as_str())];
        all.extend_from_slice(headers);
        get_with(self.addr, path, &all).await
    }
}

/// An HTTP response, read whole.
pub struct Response {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

impl Response {
    /// The Content-Type header.
    pub fn content_type(&self) -> &str {
        self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// A header's value, if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// `POST path` with a form body (`application/x-www-form-urlencoded`) and extra headers.
pub async fn post_form(addr: SocketAddr, path: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Response {
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| format!("{}={}", failwell_web::query::encode(k), failwell_web::query::encode(v)))
        .collect();
    post(addr, path, "application/x-www-form-urlencoded", body.join("&"), headers).await
}

/// `POST path` with a JSON body and extra headers.
pub async fn post_json(addr: SocketAddr, path: &str, body: &serde_json::Value, headers: &[(&str, &str)]) -> Response {
    post(addr, path, "application/json", body.to_string(), headers).await
}

pub async fn post(
    addr: SocketAddr,
    path: &str,
    content_type: &str,
    body: String,
    headers: &[(&str, &str)],
) -> Response {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connects");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(conn);
    let mut request = hyper::Request::post(path).header("host", addr.to_string()).header("content-type", content_type);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(http_body_util::Full::new(Bytes::from(body))).expect("a valid request");
    let response = sender.send_request(request).await.expect("an answer");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("a body").to_bytes();
    Response { status, headers, body: String::from_utf8(body.to_vec()).expect("UTF-8") }
}

/// The `Set-Cookie` value of cookie `name` in a response (`None` when not set).
pub fn set_cookie(r: &Response, name: &str) -> Option<String> {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_string()))
}

/// The value of the hidden form field `name` in an HTML page.
pub fn hidden(body: &str, name: &str) -> Option<String> {
    let at = body.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &body[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}

/// `GET path` from `addr` over a fresh TCP connection with hyper's HTTP/1.1 client.
pub async fn get(addr: SocketAddr, path: &str) -> Response {
    get_with(addr, path, &[]).await
}

/// `GET path` with extra request headers.
pub async fn get_with(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connects");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(conn);
    let mut request = hyper::Request::get(path).header("host", addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Empty::<Bytes>::new()).expect("a valid request");
    let response = sender.send_request(request).await.expect("an answer");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("a body").to_bytes();
    Response { status, headers, body: String::from_utf8(body.to_vec()).expect("UTF-8") }
}
