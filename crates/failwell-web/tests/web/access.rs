//! Accounts, roles and the audit log through the real server: the role matrix of
//! `docs/web.md` (that table is this test's data), signing in and out with cookies and
//! CSRF, the sign-in rate limit, deciding on a recommendation from the organisation page,
//! and what the audit log keeps.

use crate::support::*;

/// The role matrix, read from `docs/web.md`: (route, [(who, expected)]).
fn matrix() -> Vec<(String, Vec<(String, String)>)> {
    let doc = include_str!("../../../../docs/web.md");
    let table = doc
        .split("<!-- role-matrix:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- role-matrix:end -->").next())
        .expect("docs/web.md has the role matrix between its markers");
    let mut lines = table.lines().map(str::trim).filter(|l| l.starts_with('|'));
    let cells = |l: &str| -> Vec<String> { l.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect() };
    let head = cells(lines.next().expect("a header"));
    assert_eq!(head[0], "route");
    let mut out = Vec::new();
    for line in lines.skip(1) {
        let row = cells(line);
        assert_eq!(row.len(), head.len(), "{line}");
        let route = row[0].trim_matches('`').to_string();
        out.push((route, head[1..].iter().cloned().zip(row[1..].iter().cloned()).collect()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_gets_exactly_what_the_role_matrix_in_docs_web_md_says() {
    let matrix = matrix();
    assert!(matrix.len() >= 30, "the matrix covers the routes: {}", matrix.len());
    // Every page and API route the router serves is in the matrix (its parameters filled in).
    for path in failwell_web::api_paths() {
        let path = path.replace("{code}", FAILING).replace("{id}", "1");
        assert!(matrix.iter().any(|(r, _)| *r == path), "{path} is missing from the role matrix");
    }
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let mut checked = 0;
        for (route, cells) in &matrix {
            for (who, expected) in cells {
                let r = server.get_as(who, route).await;
                let limited = r.body.contains("data-reach=\"limited\"");
                let ok = match expected.as_str() {
                    "200" => r.status == 200 && !limited,
                    "limited" => r.status == 200 && limited,
                    "303" => {
                        r.status == 303
                            && r.headers
                                .get("location")
                                .and_then(|l| l.to_str().ok())
                                .is_some_and(|l| l.starts_with("/sign-in?next="))
                    }
                    "401" => r.status == 401 && r.content_type() == "application/problem+json",
                    "403" => r.status == 403,
                    // A route that only takes writes: read by no one.
                    "405" => r.status == 405,
                    other => panic!("unknown cell {other:?} for {route} as {who}"),
                };
                assert!(
                    ok,
                    "[{b}] {route} as {who}: expected {expected}, got {} (limited: {limited})\n{}",
                    r.status,
                    &r.body[..r.body.len().min(400)]
                );
                checked += 1;
            }
        }
        assert_eq!(checked, matrix.len() * 6, "[{b}]");
        // What a scoped role sees is cut to its reach, not only allowed or refused.
        let board = server.get_as("board_member", "/api/v1/interventions").await.json();
        let ids: Vec<i64> = board.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![1], "[{b}] the board member's cases");
        let peer = server.get_as("peer_reviewer", "/api/v1/interventions").await.json();
        let ids: Vec<i64> = peer.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![2], "[{b}] the peer reviewer's cases");
        // The public's overview is the directory: every organisation, no judgement, and
        // no order or filter that would give one away.
        for path in ["/", "/?band=severe&sort=band", "/?rung=statutory_direction"] {
            let directory = server.get_as("public", path).await;
            assert_eq!(directory.status, 200, "[{b}] {path}");
            assert!(directory.body.contains("Showing 3 of 3 organisations"), "[{b}] {path}");
            assert!(
                !directory.body.contains("Overall band") && !directory.body.contains("Recommended rung"),
                "[{b}] {path}"
            );
            let (d, h, m) = (
                directory.body.find("Doncaster"),
                directory.body.find("Hartlepool"),
                directory.body.find("Middlesbrough"),
            );
            assert!(d < h && h < m, "[{b}] {path}: by name, whatever was asked");
        }
        let public = server.get_as("public", &format!("/organisations/{FAILING}")).await;
        assert!(public.body.contains("Ratings") && !public.body.contains("Risk by failure type"), "[{b}]");
        assert!(!public.body.contains("C. Chair"), "[{b}] casework people are not published");
        // The public sees the journey the published record makes: the Inadequate judgement
        // drawn and in a spell, but not failwell's own case.
        let figure = public.body.split("id=\"journey\"").nth(1).expect("the journey section");
        assert!(figure.contains("<svg") && figure.contains("inadequate (Ofsted ILACS)"), "[{b}] {figure}");
        assert!(!figure.contains("<title>Intervention 1"), "[{b}] no case bars for the public");
        assert!(figure.contains("spell") && !public.body.contains("id=\"timeline\""), "[{b}] no casework timeline");
        let signed = server.get_as("analyst", &format!("/organisations/{FAILING}")).await;
        assert!(signed.body.contains("<title>Intervention 1"), "[{b}] the case's bars for those who may see it");
        let full = server.get_as("board_member", &format!("/organisations/{FAILING}")).await;
        assert!(full.body.contains("Risk by failure type"), "[{b}]");
        // A wrong API token is refused outright.
        let wrong = get_with(server.addr, "/api/v1/scans", &[("authorization", "Bearer fw_nonsense")]).await;
        assert_eq!(wrong.status, 401, "[{b}]");
        server.stop().await;
    }
}

/// Signs in through the form; returns the session cookie.
async fn sign_in(server: &Running, username: &str, password: &str) -> Response {
    let form = get(server.addr, "/sign-in?next=/account").await;
    assert_eq!(form.status, 200);
    let cookie = set_cookie(&form, "failwell_sign_in").expect("the sign-in form's CSRF cookie");
    let csrf = hidden(&form.body, "csrf").expect("a CSRF field");
    assert_eq!(cookie, csrf);
    post_form(
        server.addr,
        "/sign-in",
        &[("username", username), ("password", password), ("next", "/account"), ("csrf", &csrf)],
        &[("cookie", &format!("failwell_sign_in={cookie}"))],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_and_out_uses_an_httponly_cookie_and_csrf_and_failures_are_limited() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        // A form posted without its CSRF cookie (from another site) is refused.
        let forged = post_form(
            server.addr,
            "/sign-in",
            &[("username", "analyst"), ("password", PASSWORD), ("csrf", "x")],
            &[("cookie", "failwell_sign_in=y")],
        )
        .await;
        assert_eq!(forged.status, 403, "[{b}]");
        assert!(set_cookie(&forged, "failwell_session").is_none(), "[{b}]");

        let ok = sign_in(&server, "analyst", PASSWORD).await;
        assert_eq!(ok.status, 303, "[{b}] {}", ok.body);
        assert_eq!(ok.headers["location"], "/account", "[{b}]");
        let raw = ok.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>();
        let session_line = raw.iter().find(|c| c.starts_with("failwell_session=")).expect("a session cookie");
        for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(session_line.contains(attr), "[{b}] {session_line}");
        }
        assert!(!session_line.contains("Secure"), "[{b}] plain HTTP on loopback");
        let session = set_cookie(&ok, "failwell_session").unwrap();
        let cookie = format!("failwell_session={session}");
        let account = get_with(server.addr, "/account", &[("cookie", &cookie)]).await;
        assert_eq!(account.status, 200, "[{b}]");
        assert!(account.body.contains("A. Analyst") && account.body.contains("Every organisation"), "[{b}]");
        // The session's pages carry its CSRF token; signing out without it is refused.
        let csrf = hidden(&account.body, "csrf").expect("the sign-out form's token");
        let no = post_form(server.addr, "/sign-out", &[("csrf", "wrong")], &[("cookie", &cookie)]).await;
        assert_eq!(no.status, 403, "[{b}]");
        let before = server.store().marks().await.unwrap().changed;
        let out = post_form(server.addr, "/sign-out", &[("csrf", &csrf)], &[("cookie", &cookie)]).await;
        assert_eq!(out.status, 303, "[{b}]");
        // The session ends with its audit entry, one write: another server sharing the
        // database, keeping this session's viewer, sees the count of writes move.
        assert_eq!(server.store().marks().await.unwrap().changed, before + 1, "[{b}]");
        let log = server.store().audit_log(5).await.unwrap();
        assert!(log.iter().any(|e| e.action == "sign out" && e.who == "analyst" && e.request_id.is_some()), "[{b}]");
        let after = get_with(server.addr, "/account", &[("cookie", &cookie)]).await;
        assert_eq!(after.status, 303, "[{b}] the session has ended");

        // `next` must be a plain path of this site: a tab that browsers drop, or another
        // host, sends the user home instead.
        for next in
            ["/\t/evil.example", "//evil.example", "https://evil.example/", "/organisations/E06000002?as_of=2020-01-01"]
        {
            let form = get(server.addr, "/sign-in").await;
            let c = set_cookie(&form, "failwell_sign_in").unwrap();
            let r = post_form(
                server.addr,
                "/sign-in",
                &[("username", "analyst"), ("password", PASSWORD), ("next", next), ("csrf", &c)],
                &[("cookie", &format!("failwell_sign_in={c}"))],
            )
            .await;
            let to = r.headers["location"].to_str().unwrap().to_string();
            let expected = if next.starts_with("/organisations") { next } else { "/" };
            assert_eq!(to, expected, "[{b}] next={next:?}");
        }
        // A typed user name that looks like a spreadsheet formula is written as text in
        // the audit log's CSV.
        let formula = sign_in(&server, "=HYPERLINK(\"http://x\")", "whatever it is").await;
        assert_eq!(formula.status, 401, "[{b}]");
        let csv = server.get_as("administrator", "/admin/audit.csv?action=sign+in").await;
        assert!(csv.body.contains("'=HYPERLINK"), "[{b}] {}", csv.body);
        assert!(!csv.body.contains(",=HYPERLINK"), "[{b}]");

        // Five wrong passwords, then even the right one is refused for a while.
        for _ in 0..5 {
            let wrong = sign_in(&server, "provider", "not the password at all").await;
            assert_eq!(wrong.status, 401, "[{b}]");
            assert!(wrong.body.contains("Enter a correct user name and password"), "[{b}]");
        }
        let limited = sign_in(&server, "provider", PASSWORD).await;
        assert_eq!(limited.status, 429, "[{b}]");
        assert!(set_cookie(&limited, "failwell_session").is_none(), "[{b}]");
        // Another user is not held back by it.
        assert_eq!(sign_in(&server, "peer_reviewer", PASSWORD).await.status, 303, "[{b}]");

        let log = server
            .store()
            .audit_search(&failwell_store::AuditFilter {
                action: Some("sign in".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        let refused = log.iter().filter(|e| e.subject == "provider" && e.outcome == "refused").count();
        assert_eq!(refused, 5, "[{b}] five wrong passwords, counted");
        let limited = server
            .store()
            .audit_search(&failwell_store::AuditFilter {
                action: Some("sign in limited".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(limited.len(), 1, "[{b}] the limited attempt, under its own action (not counted)");
        assert!(log.iter().any(|e| e.who == "analyst" && e.outcome == "done" && e.request_id.is_some()), "[{b}]");
        assert!(
            log.iter().all(|e| !e.detail.contains(PASSWORD) && !e.detail.contains("not the password")),
            "[{b}] no password is logged"
        );
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_decides_on_a_recommendation_from_the_organisation_page_and_it_is_audited() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let text = failwell_domain::regime::ENGLAND;
        let regime = failwell_domain::regime::Regime::from_toml_str(text).unwrap();
        let rules = failwell_engine::RuleBook::compile(&regime, Some(text)).unwrap();
        let options = failwell_engine::ScanOptions { record: true, ..Default::default() };
        // While the fixture's case 1 holds Middlesbrough on a statutory direction, the scan
        // says so and the page offers no second case on that rung.
        let report = failwell_engine::scan(server.store(), &regime, &rules, &options).await.unwrap();
        let held = report.organisations.iter().find(|o| o.organisation == FAILING).unwrap();
        assert_eq!(held.current_rung.as_deref(), Some("statutory_direction"), "[{b}] the case's rung");
        assert!(held.rationale[0].contains("by intervention case 1"), "[{b}] {:?}", held.rationale);
        // Case 1 ends; the next scan judges Middlesbrough on its evidence alone again.
        let lessons = failwell_domain::casework::Lessons {
            worked: "A stable leadership team".into(),
            did_not_work: "Early board meetings were too long".into(),
            exit: "capability".into(),
        };
        failwell_engine::casework::close(server.store(), 1, date("2021-01-31"), &lessons, "caseworker").await.unwrap();
        // Its lessons are its casework: an analyst reads them; Hartlepool's provider, whose
        // reach Middlesbrough is not in, does not.
        let analyst_lessons = server.get_as("analyst", "/lessons").await;
        assert!(analyst_lessons.body.contains("A stable leadership team"), "[{b}] {}", analyst_lessons.body);
        let provider_lessons = server.get_as("provider", "/lessons").await;
        assert_eq!(provider_lessons.status, 200, "[{b}]");
        assert!(!provider_lessons.body.contains("A stable leadership team"), "[{b}] out of the provider's reach");
        let report = failwell_engine::scan(server.store(), &regime, &rules, &options).await.unwrap();
        let scan_id = report.recorded.as_ref().expect("recorded").scan_id;

        let ok = sign_in(&server, "analyst", PASSWORD).await;
        let cookie = format!("failwell_session={}", set_cookie(&ok, "failwell_session").unwrap());
        let page = get_with(server.addr, &format!("/organisations/{FAILING}"), &[("cookie", &cookie)]).await;
        assert_eq!(page.status, 200, "[{b}]");
        assert!(page.body.contains("Decide on the recommendation"), "[{b}] the decision form is on the page");
        assert_eq!(hidden(&page.body, "scan"), Some(scan_id.to_string()), "[{b}]");
        // A scan recorded outside the web (as `failwell scan` does: no audit entry) is the
        // one the form names on the next view, though the page's reads are kept between
        // writes: the newest scan is part of their mark.
        let report = failwell_engine::scan(server.store(), &regime, &rules, &options).await.unwrap();
        let newer = report.recorded.as_ref().expect("recorded").scan_id;
        assert!(newer > scan_id, "[{b}]");
        let page = get_with(server.addr, &format!("/organisations/{FAILING}"), &[("cookie", &cookie)]).await;
        assert_eq!(hidden(&page.body, "scan"), Some(newer.to_string()), "[{b}] the newest scan's recommendation");
        let scan_id = newer;
        let csrf = hidden(&page.body, "csrf").unwrap();
        let path = format!("/organisations/{FAILING}/decisions");
        let scan = scan_id.to_string();
        // A blank reason is refused, naming the field; a forged form is refused.
        let blank = post_form(
            server.addr,
            &path,
            &[("csrf", &csrf), ("scan", &scan), ("verdict", "accept"), ("reason", " ")],
            &[("cookie", &cookie)],
        )
        .await;
        assert_eq!(blank.status, 400, "[{b}]");
        assert!(blank.body.contains("reason"), "[{b}]");
        let forged = post_form(
            server.addr,
            &path,
            &[("csrf", "x"), ("scan", &scan), ("verdict", "accept"), ("reason", "r")],
            &[("cookie", &cookie)],
        )
        .await;
        assert_eq!(forged.status, 403, "[{b}]");
        let done = post_form(
            server.addr,
            &path,
            &[
                ("csrf", &csrf),
                ("scan", &scan),
                ("verdict", "accept"),
                ("reason", "Inadequate and no improvement since"),
            ],
            &[("cookie", &cookie)],
        )
        .await;
        assert_eq!(done.status, 303, "[{b}] {}", done.body);
        let decisions = server.store().decisions(Some(FAILING)).await.unwrap();
        assert_eq!(decisions.len(), 1, "[{b}]");
        assert_eq!(
            (decisions[0].decided_by.as_str(), decisions[0].decision.as_str()),
            ("analyst", "accepted"),
            "[{b}]"
        );
        let again = get_with(server.addr, &format!("/organisations/{FAILING}"), &[("cookie", &cookie)]).await;
        assert!(
            again.body.contains("Inadequate and no improvement since"),
            "[{b}] the decision is in the page's history"
        );

        // The accepted decision can open the intervention it proposed, from the same page.
        let page = get_with(server.addr, &format!("/organisations/{FAILING}"), &[("cookie", &cookie)]).await;
        assert!(page.body.contains("id=\"open-case\""), "[{b}] the form to open the accepted intervention");
        let applied_by = first_option(&page.body, "applied_by").expect("an actor the rung names");
        let decision_id = decisions[0].id.to_string();
        let open = [
            ("csrf", csrf.as_str()),
            ("decision", decision_id.as_str()),
            ("applied_by", applied_by.as_str()),
            ("start", "2024-12-02"),
            ("reason", "Opened from the accepted recommendation"),
        ];
        let opened =
            post_form(server.addr, &format!("/organisations/{FAILING}/interventions"), &open, &[("cookie", &cookie)])
                .await;
        assert_eq!(opened.status, 303, "[{b}] {}", opened.body);
        let to = opened.headers["location"].to_str().unwrap().to_string();
        let id: i64 = to.strip_prefix("/interventions/").and_then(|n| n.parse().ok()).expect("the new case's page");
        let case = server.store().intervention(id).await.unwrap().expect("opened");
        assert_eq!(case.decision, Some(decisions[0].id), "[{b}] linked to the decision");
        assert_eq!(case.organisations, vec![FAILING.to_string()], "[{b}]");
        assert!(!case.obligations.is_empty() || case.rung == "peer_review", "[{b}] its clocks laid out");
        let after = get_with(server.addr, &format!("/organisations/{FAILING}"), &[("cookie", &cookie)]).await;
        assert!(!after.body.contains("id=\"open-case\""), "[{b}] a decision opens one intervention");
        let again =
            post_form(server.addr, &format!("/organisations/{FAILING}/interventions"), &open, &[("cookie", &cookie)])
                .await;
        assert_eq!(again.status, 409, "[{b}] the same rung cannot be opened twice: {}", again.body);

        // The API takes the same decision from a machine with a token, under the same rule.
        let bearer = |who: &str| format!("Bearer {}", server.tokens[who]);
        let body = serde_json::json!({"scan": scan_id, "organisation": FAILING, "verdict": "decline", "reason": "Reconsidered by the panel"});
        let made = post_json(server.addr, "/api/v1/decisions", &body, &[("authorization", &bearer("analyst"))]).await;
        assert_eq!(made.status, 201, "[{b}] {}", made.body);
        assert_eq!(made.json()["decision"], "declined", "[{b}]");
        assert_eq!(made.json()["decided_by"], "analyst", "[{b}]");
        let board_try =
            post_json(server.addr, "/api/v1/decisions", &body, &[("authorization", &bearer("board_member"))]).await;
        assert_eq!(board_try.status, 403, "[{b}]");
        assert_eq!(post_json(server.addr, "/api/v1/decisions", &body, &[]).await.status, 401, "[{b}]");
        let bad = serde_json::json!({"scan": scan_id, "organisation": FAILING, "verdict": "maybe", "reason": "r"});
        let bad = post_json(server.addr, "/api/v1/decisions", &bad, &[("authorization", &bearer("analyst"))]).await;
        assert_eq!((bad.status, bad.content_type()), (400, "application/problem+json"), "[{b}]");
        let nothing =
            serde_json::json!({"scan": scan_id + 100, "organisation": FAILING, "verdict": "accept", "reason": "r"});
        let nothing =
            post_json(server.addr, "/api/v1/decisions", &nothing, &[("authorization", &bearer("analyst"))]).await;
        assert_eq!(nothing.status, 409, "[{b}] {}", nothing.body);
        assert!(nothing.json()["detail"].as_str().unwrap().contains("no recorded scan"), "[{b}]");
        let garbled = post(
            server.addr,
            "/api/v1/decisions",
            "application/json",
            "{".into(),
            &[("authorization", &bearer("analyst"))],
        )
        .await;
        assert_eq!(garbled.status, 400, "[{b}]");
        // A session must send its CSRF token with an API write.
        let no_csrf = post_json(server.addr, "/api/v1/decisions", &body, &[("cookie", &cookie)]).await;
        assert_eq!(no_csrf.status, 403, "[{b}]");
        assert_eq!(server.store().decisions(Some(FAILING)).await.unwrap().len(), 2, "[{b}]");

        // A board member signed in has no form, and a post of theirs is refused.
        let board = sign_in(&server, "board_member", PASSWORD).await;
        let board_cookie = format!("failwell_session={}", set_cookie(&board, "failwell_session").unwrap());
        let their_page =
            get_with(server.addr, &format!("/organisations/{FAILING}"), &[("cookie", &board_cookie)]).await;
        assert!(!their_page.body.contains("Decide on the recommendation"), "[{b}]");
        let their_csrf = hidden(&their_page.body, "csrf");
        assert!(their_csrf.is_none(), "[{b}] no form, no token on the page");

        // The audit log: the decision and the analyst's reads, each with its request id;
        // the public's reads of published pages are not there.
        let public = server.get_as("public", "/indicators/rereferrals_within_12m_pct").await;
        assert_eq!(public.status, 200);
        let log = server.store().audit_log(1000).await.unwrap();
        let decided: Vec<_> = log.iter().filter(|e| e.action == "decide" && e.outcome == "done").collect();
        assert_eq!(decided.len(), 2, "[{b}] the form's decision and the API's");
        assert!(decided.iter().all(|e| e.who == "analyst" && e.request_id.is_some()), "[{b}]");
        assert!(decided.iter().any(|e| e.detail.contains("Inadequate and no improvement since")), "[{b}]");
        assert!(
            log.iter().filter(|e| e.action == "decide" && e.outcome == "refused").count() == 1,
            "[{b}] only the engine's refusal (no such scan) is a refused decision; a form refused before it is not"
        );
        assert!(
            log.iter()
                .any(|e| e.action == "read" && e.who == "analyst" && e.subject == format!("/organisations/{FAILING}")),
            "[{b}]"
        );
        assert!(!log.iter().any(|e| e.who == "public" && e.action == "read"), "[{b}] published reads are not logged");
        // And nobody can change it, on either database.
        let changed = sqlx_exec(&db, "update audit_log set who = 'someone else'").await;
        assert!(changed.is_err(), "[{b}] the audit log refused an update");
        let deleted = sqlx_exec(&db, "delete from audit_log").await;
        assert!(deleted.is_err(), "[{b}] the audit log refused a delete");

        // The administrator reads it on the web, and downloads it as CSV.
        let page = server.get_as("administrator", "/admin/audit?action=decide").await;
        assert_eq!(page.status, 200, "[{b}]");
        assert!(page.body.contains("Inadequate and no improvement since"), "[{b}]");
        let csv = server.get_as("administrator", "/admin/audit.csv?who=analyst").await;
        assert!(csv.content_type().starts_with("text/csv"), "[{b}]");
        assert!(csv.body.starts_with("id,at,who,action,subject,outcome,detail,request_id\r\n"), "[{b}]");
        assert!(csv.body.lines().skip(1).all(|l| l.split(',').nth(2) == Some("analyst")), "[{b}]");
        assert!(csv.body.lines().count() > 3, "[{b}] {}", csv.body);
        let bad = server.get_as("administrator", "/admin/audit?since=yesterday").await;
        assert_eq!(bad.status, 400, "[{b}]");

        // A decision recorded outside the web (as `failwell decide` records one) is on the
        // organisation page's next view, though the page keeps its decisions between writes.
        let org_page = format!("/organisations/{FAILING}");
        let before = get_with(server.addr, &org_page, &[("cookie", &cookie)]).await;
        assert!(!before.body.contains("Declined at the command line"), "[{b}]");
        let reason = "Declined at the command line";
        failwell_engine::decide::decide(server.store(), scan_id, FAILING, false, reason, "C. Caseworker", None)
            .await
            .unwrap();
        let after = get_with(server.addr, &org_page, &[("cookie", &cookie)]).await;
        assert!(after.body.contains(reason), "[{b}] the command line's decision");

        // The reminder log: one sent, one failed with its reason; a day filters it.
        let store = server.store();
        let sent = store.claim_reminder("2026-07-10", "chair@example.org", "email", 2).await.unwrap().unwrap();
        store.finish_reminder(sent, true, "2 item(s)").await.unwrap();
        let failed = store.claim_reminder("2026-07-11", "lead@example.org", "webhook", 1).await.unwrap().unwrap();
        store.finish_reminder(failed, false, "HTTP 503 from the receiver").await.unwrap();
        let page = server.get_as("administrator", "/admin/reminders").await;
        assert_eq!(page.status, 200, "[{b}]");
        assert!(page.body.contains("2 reminder(s): 1 sent, 1 failed, 0 pending"), "[{b}] {}", page.body);
        assert!(page.body.contains("HTTP 503 from the receiver"), "[{b}] a failure says why");
        // Both must be there for the order to mean anything (`None < Some` would pass).
        let at = |who: &str| page.body.find(who).unwrap_or_else(|| panic!("[{b}] {who} listed"));
        assert!(at("lead@example.org") < at("chair@example.org"), "[{b}] newest first");
        let day = server.get_as("administrator", "/admin/reminders?day=2026-07-10").await;
        assert!(
            day.body.contains("1 reminder(s) for 2026-07-10: 1 sent, 0 failed") && !day.body.contains("lead@"),
            "[{b}]"
        );
        assert_eq!(server.get_as("administrator", "/admin/reminders?day=tuesday").await.status, 400, "[{b}]");
        assert_eq!(server.get_as("analyst", "/admin/reminders").await.status, 403, "[{b}] administrators only");
        // The API gives the same log.
        let api = server.get_as("administrator", "/api/v1/reminders").await;
        assert_eq!(api.status, 200, "[{b}]");
        let log: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!((log["total"].as_i64(), log["sent"].as_i64(), log["failed"].as_i64()), (Some(2), Some(1), Some(1)));
        let to: Vec<&str> =
            log["reminders"].as_array().unwrap().iter().filter_map(|r| r["recipient"].as_str()).collect();
        assert_eq!(to, ["lead@example.org", "chair@example.org"], "[{b}] newest first");
        assert_eq!(log["reminders"][0]["detail"], "HTTP 503 from the receiver", "[{b}]");
        let day = server.get_as("administrator", "/api/v1/reminders?day=2026-07-10").await;
        let day: serde_json::Value = serde_json::from_str(&day.body).unwrap();
        assert_eq!((day["day"].as_str(), day["total"].as_i64()), (Some("2026-07-10"), Some(1)), "[{b}]");
        let bad = server.get_as("administrator", "/api/v1/reminders?day=tuesday").await;
        assert!(bad.status == 400 && bad.body.contains("day"), "[{b}] {}", bad.body);
        let refused = server.get_as("analyst", "/api/v1/reminders").await;
        assert_eq!(refused.status, 403, "[{b}]");
        assert!(refused.body.contains("an analyst account cannot see or do this"), "[{b}] {}", refused.body);
        server.stop().await;
    }
}

/// Runs one SQL statement on the test database directly (as someone with the database
/// might, bypassing failwell).
async fn sqlx_exec(db: &TestDb, sql: &str) -> Result<u64, String> {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if db.backend == "postgres" {
        let mut c = sqlx::PgConnection::connect(&db.url).await.map_err(|e| e.to_string())?;
        sqlx::query(sql).execute(&mut c).await.map(|r| r.rows_affected()).map_err(|e| e.to_string())
    } else {
        let mut c =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.url)).await.map_err(|e| e.to_string())?;
        sqlx::query(sql).execute(&mut c).await.map(|r| r.rows_affected()).map_err(|e| e.to_string())
    }
}

/// The value of the first `<option>` with a value in the `<select name=NAME>` of a page.
fn first_option(body: &str, name: &str) -> Option<String> {
    let at = body.find(&format!("name=\"{name}\""))?;
    let rest = &body[at..];
    let v = rest.find("<option value=\"")? + 15;
    Some(rest[v..v + rest[v..].find('"')?].to_string())
}

/// Signs `who` in and returns their session cookie.
async fn session(server: &Running, who: &str) -> String {
    let ok = sign_in(server, who, PASSWORD).await;
    assert_eq!(ok.status, 303, "{who} signs in: {}", ok.body);
    format!("failwell_session={}", set_cookie(&ok, "failwell_session").unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_member_moves_their_case_on_and_a_provider_reports_only_their_own_progress() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        // Middlesbrough's own provider, beside the fixture's Hartlepool one.
        let new = failwell_store::NewAccount {
            username: "mprovider".into(),
            display_name: "M. Provider".into(),
            email: None,
            role: failwell_domain::access::Role::Provider,
            organisation: Some(FAILING.into()),
            password_hash: failwell_web::auth::hash_password(PASSWORD).unwrap(),
        };
        server.store().add_account(&new, "tests").await.unwrap();

        let board = session(&server, "board_member").await;
        let page = get_with(server.addr, "/interventions/1?today=2020-03-25", &[("cookie", &board)]).await;
        assert_eq!(page.status, 200, "[{b}]");
        assert!(page.body.contains("id=\"progress\"") && page.body.contains("id=\"meet\""), "[{b}] both forms");
        let csrf = hidden(&page.body, "csrf").unwrap();
        let action = first_option(&page.body, "action").expect("an action to report on");
        let obligation = first_option(&page.body, "obligation").expect("an obligation to meet");
        let progress = [
            ("csrf", csrf.as_str()),
            ("action", action.as_str()),
            ("status", "at_risk"),
            ("on", "2020-03-20"),
            ("note", "Re-referrals audited; two teams behind"),
        ];
        let r = post_form(server.addr, "/interventions/1/progress", &progress, &[("cookie", &board)]).await;
        assert_eq!(r.status, 303, "[{b}] {}", r.body);
        assert_eq!(r.headers["location"], "/interventions/1#plan", "[{b}]");
        let met = [("csrf", csrf.as_str()), ("obligation", obligation.as_str()), ("on", "2020-03-21")];
        let r = post_form(server.addr, "/interventions/1/obligations", &met, &[("cookie", &board)]).await;
        assert_eq!(r.status, 303, "[{b}] {}", r.body);
        let case = server.store().intervention(1).await.unwrap().unwrap();
        let o = case.obligations.iter().find(|o| o.id.to_string() == obligation).unwrap();
        assert_eq!((o.met_on.as_deref(), o.met_by.as_deref()), (Some("2020-03-21"), Some("board_member")), "[{b}]");
        let plan = server.store().plan(1).await.unwrap();
        let update = plan.themes.iter().flat_map(|t| &t.actions).flat_map(|a| &a.updates).next().expect("the update");
        assert_eq!((update.status.as_str(), update.by.as_str()), ("at_risk", "board_member"), "[{b}]");

        // The organisation page's casework is read once and kept until the store changes:
        // read now, before the meeting, it must show the meeting once it is recorded.
        let org_page = format!("/organisations/{FAILING}");
        let minutes = "Reviewed the re-referral audit";
        assert!(!get_with(server.addr, &org_page, &[("cookie", &board)]).await.body.contains(minutes), "[{b}]");

        // The board records its meeting: minutes and decisions, one a line.
        assert!(page.body.contains("id=\"meeting\""), "[{b}] the meeting form");
        let meeting = [
            ("csrf", csrf.as_str()),
            ("held_on", "2020-03-23"),
            ("minutes", "Reviewed the re-referral audit"),
            ("decisions", "Ask for a deep dive on the front door\n\nMeet monthly until June"),
        ];
        let r = post_form(server.addr, "/interventions/1/meetings", &meeting, &[("cookie", &board)]).await;
        assert_eq!(r.status, 303, "[{b}] {}", r.body);
        assert_eq!(r.headers["location"], "/interventions/1#meetings", "[{b}]");
        let held = server.store().meetings(1).await.unwrap();
        assert_eq!(held.len(), 1, "[{b}]");
        let org = get_with(server.addr, &org_page, &[("cookie", &board)]).await;
        assert!(org.body.contains(minutes), "[{b}] the timeline shows the meeting just recorded");
        assert_eq!(
            held[0].decisions,
            vec!["Ask for a deep dive on the front door", "Meet monthly until June"],
            "[{b}]"
        );
        assert_eq!(held[0].recorded_by, "board_member", "[{b}]");
        let shown = get_with(server.addr, "/interventions/1?today=2020-03-25", &[("cookie", &board)]).await;
        assert!(shown.body.contains("Reviewed the re-referral audit"), "[{b}] the meeting is on the page");
        let blank = [("csrf", csrf.as_str()), ("held_on", "2020-03-24"), ("minutes", " "), ("decisions", "")];
        let r = post_form(server.addr, "/interventions/1/meetings", &blank, &[("cookie", &board)]).await;
        assert_eq!(r.status, 400, "[{b}]");

        // A move the engine refuses is a 409 with its reason, and in the audit log.
        let bad = [("csrf", csrf.as_str()), ("action", "999"), ("status", "done"), ("on", "2020-03-22"), ("note", "x")];
        let r = post_form(server.addr, "/interventions/1/progress", &bad, &[("cookie", &board)]).await;
        assert_eq!(r.status, 409, "[{b}] {}", r.body);
        let log = server.store().audit_log(200).await.unwrap();
        assert!(
            log.iter().any(|e| e.action == "record progress" && e.outcome == "refused" && e.who == "board_member"),
            "[{b}]"
        );
        assert!(
            log.iter().any(|e| e.action == "meet obligation" && e.outcome == "done" && e.who == "board_member"),
            "[{b}]"
        );

        // Middlesbrough's provider reports progress on its own plan but does not mark the
        // regulator's clocks met.
        let mine = session(&server, "mprovider").await;
        let page = get_with(server.addr, "/interventions/1?today=2020-03-25", &[("cookie", &mine)]).await;
        assert!(page.body.contains("id=\"progress\"") && !page.body.contains("id=\"meet\""), "[{b}]");
        let csrf = hidden(&page.body, "csrf").unwrap();
        let progress = [
            ("csrf", csrf.as_str()),
            ("action", action.as_str()),
            ("status", "on_track"),
            ("on", "2020-03-24"),
            ("note", "Both teams caught up"),
        ];
        assert_eq!(
            post_form(server.addr, "/interventions/1/progress", &progress, &[("cookie", &mine)]).await.status,
            303,
            "[{b}]"
        );
        let met = [("csrf", csrf.as_str()), ("obligation", obligation.as_str()), ("on", "2020-03-21")];
        assert_eq!(
            post_form(server.addr, "/interventions/1/obligations", &met, &[("cookie", &mine)]).await.status,
            403,
            "[{b}]"
        );
        let meeting = [("csrf", csrf.as_str()), ("held_on", "2020-03-24"), ("minutes", "Ours"), ("decisions", "")];
        let r = post_form(server.addr, "/interventions/1/meetings", &meeting, &[("cookie", &mine)]).await;
        assert_eq!(r.status, 403, "[{b}] a provider does not record the board's meetings");

        // Hartlepool's provider cannot touch Middlesbrough's case at all; the public is sent to sign in.
        let theirs = session(&server, "provider").await;
        let account = get_with(server.addr, "/account", &[("cookie", &theirs)]).await;
        let csrf = hidden(&account.body, "csrf").unwrap();
        let progress = [
            ("csrf", csrf.as_str()),
            ("action", action.as_str()),
            ("status", "done"),
            ("on", "2020-03-24"),
            ("note", "Not ours"),
        ];
        assert_eq!(
            post_form(server.addr, "/interventions/1/progress", &progress, &[("cookie", &theirs)]).await.status,
            403,
            "[{b}]"
        );
        assert_eq!(
            post_form(server.addr, "/interventions/1/progress", &progress, &[]).await.status,
            403,
            "[{b}] no session, no CSRF token"
        );
        let updates = server
            .store()
            .plan(1)
            .await
            .unwrap()
            .themes
            .iter()
            .flat_map(|t| &t.actions)
            .map(|a| a.updates.len())
            .sum::<usize>();
        assert_eq!(updates, 2, "[{b}] the board member's and Middlesbrough's provider's updates only");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_s_people_are_held_to_their_powers() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        // A peer review of Middlesbrough on which the board member only monitors.
        let regime = failwell_domain::regime::Regime::england();
        let case = failwell_domain::casework::NewIntervention {
            organisations: vec![failwell_domain::Code::new(FAILING).unwrap()],
            sector: "childrens_services".into(),
            rung: "peer_review".into(),
            applied_by: "lga".into(),
            start: failwell_domain::dates::parse_date("2020-03-01").unwrap(),
            planned_end: None,
            report_published: None,
            actors: vec!["C. Chair:board_member:monitor".parse().unwrap()],
            reason: "A second opinion on the front door".into(),
            opened_by: "caseworker".into(),
            decision: None,
        };
        let id = failwell_engine::casework::open(server.store(), &regime, &case).await.unwrap();
        use failwell_engine::casework::plan;
        let from = case.start;
        let theme = plan::add_theme(server.store(), id, "The front door", from, "caseworker").await.unwrap();
        let action = plan::NewAction {
            theme,
            title: "Sample fifty contacts".into(),
            lead: "Head of service".into(),
            due: failwell_domain::dates::parse_date("2020-06-30").unwrap(),
            tag: "process".parse().unwrap(),
            from,
        };
        let action = plan::add_action(server.store(), id, &action, "caseworker").await.unwrap().to_string();

        // The page offers the board member what monitoring allows: reporting progress, not
        // shaping the plan or keeping the board's record.
        let board = session(&server, "board_member").await;
        let path = format!("/interventions/{id}");
        let page = get_with(server.addr, &path, &[("cookie", &board)]).await;
        assert_eq!(page.status, 200, "[{b}]");
        // The regime's names, not its ids: who applied it, and the rung stepped to.
        assert!(page.body.contains("Local Government Association"), "[{b}] the actor's name");
        for raw in [">lga<", ">peer_review<"] {
            let at = page.body.find(raw).map(|i| &page.body[i.saturating_sub(300)..(i + 100).min(page.body.len())]);
            assert!(at.is_none(), "[{b}] a raw id {raw}: {at:?}");
        }
        assert!(page.body.contains("id=\"progress\""), "[{b}] the progress form");
        assert!(!page.body.contains("id=\"meeting\""), "[{b}] no meeting form for a monitor");
        assert!(!page.body.contains(&format!("href=\"{path}/themes\"")), "[{b}] no theme link for a monitor");
        // On case 1 the same account advises, and may.
        let one = get_with(server.addr, "/interventions/1", &[("cookie", &board)]).await;
        assert!(one.body.contains("href=\"/interventions/1/themes\""), "[{b}] the adviser's theme link");

        // Posted anyway, the theme is refused with the reason, and the refusal is audited.
        let csrf = hidden(&page.body, "csrf").unwrap();
        let r = post_form(
            server.addr,
            &format!("{path}/themes"),
            &[("csrf", csrf.as_str()), ("title", "Leadership")],
            &[("cookie", &board)],
        )
        .await;
        assert_eq!(r.status, 403, "[{b}] {}", r.body);
        assert!(
            r.body.contains("holds the power to monitor") && r.body.contains("power to advise"),
            "[{b}] {}",
            r.body
        );
        let plan = server.store().plan(id).await.unwrap();
        assert_eq!(plan.themes.len(), 1, "[{b}] nothing written");
        let log = server.store().audit_log(50).await.unwrap();
        assert!(
            log.iter()
                .any(|e| e.outcome == "refused" && e.who == "board_member" && e.detail.contains("power to advise")),
            "[{b}] the refusal is in the audit log"
        );
        // The same through the API.
        let board_auth = format!("Bearer {}", server.tokens["board_member"]);
        let moves = format!("/api/v1/interventions/{id}/moves");
        let offered = server.get_as("board_member", &moves).await.json();
        let offered: Vec<&str> = offered.as_array().unwrap().iter().filter_map(|m| m["move"].as_str()).collect();
        assert_eq!(offered, ["progress"], "[{b}] what monitoring allows");
        let meeting =
            serde_json::json!({"move": "meetings", "held_on": "2020-04-01", "minutes": "Met", "decisions": ""});
        let api = post_json(server.addr, &moves, &meeting, &[("authorization", board_auth.as_str())]).await;
        assert_eq!(api.status, 403, "[{b}] {}", api.body);
        assert!(server.store().meetings(id).await.unwrap().is_empty(), "[{b}] nothing written");

        // A case of the same organisation that does not name the board member gives them no
        // power on it, though they may see it: nothing to shape, and a theme is refused.
        let other = failwell_domain::casework::NewIntervention {
            rung: "improvement_notice".into(),
            applied_by: "dfe".into(),
            actors: vec!["A. Adviser:improvement_director:direct".parse().unwrap()],
            ..case.clone()
        };
        let other = failwell_engine::casework::open(server.store(), &regime, &other).await.unwrap();
        let other_path = format!("/interventions/{other}");
        let page = get_with(server.addr, &other_path, &[("cookie", &board)]).await;
        assert_eq!(page.status, 200, "[{b}] in reach through case 1");
        assert!(!page.body.contains(&format!("href=\"{other_path}/themes\"")), "[{b}] no theme link");
        let r = post_form(
            server.addr,
            &format!("{other_path}/themes"),
            &[("csrf", csrf.as_str()), ("title", "Leadership")],
            &[("cookie", &board)],
        )
        .await;
        assert_eq!(r.status, 403, "[{b}] {}", r.body);
        assert!(r.body.contains("takes no part in intervention"), "[{b}] {}", r.body);

        // Reporting progress is within monitoring.
        let progress = [
            ("csrf", csrf.as_str()),
            ("action", action.as_str()),
            ("status", "on_track"),
            ("on", "2020-04-02"),
            ("note", "Thirty of fifty sampled"),
        ];
        let r = post_form(server.addr, &format!("{path}/progress"), &progress, &[("cookie", &board)]).await;
        assert_eq!(r.status, 303, "[{b}] {}", r.body);
        server.stop().await;
    }
}

/// Opens a move's page as `cookie`, asserts it is offered, and posts `fields` (the page's
/// CSRF token added); returns the answer.
async fn make_move(server: &Running, cookie: &str, slug: &str, fields: &[(&str, &str)]) -> Response {
    let path = format!("/interventions/1/{slug}");
    let page = get_with(server.addr, &path, &[("cookie", cookie)]).await;
    assert_eq!(page.status, 200, "[{}] {path}: {}", server.backend, &page.body[..page.body.len().min(600)]);
    let csrf = hidden(&page.body, "csrf").unwrap();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    post_form(server.addr, &path, &all, &[("cookie", cookie)]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_steers_a_case_from_step_to_exit_and_a_board_member_shapes_only_its_plan() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let analyst = session(&server, "analyst").await;
        let page = get_with(server.addr, "/interventions/1", &[("cookie", &analyst)]).await;
        for slug in ["step", "people", "themes", "actions", "criteria", "check-ins", "close"] {
            assert!(page.body.contains(&format!("href=\"/interventions/1/{slug}\"")), "[{b}] the {slug} link");
        }

        // Up the ladder: the page offers the rungs in force and who applies them.
        let step = get_with(server.addr, "/interventions/1/step", &[("cookie", &analyst)]).await;
        assert!(step.body.contains("applied by"), "[{b}] who applies each rung");
        let to = first_option(&step.body, "to").expect("a rung to move to");
        let by = first_option(&step.body, "taken_by").expect("an actor");
        let today = day_field(&step.body);
        let blank = make_move(&server, &analyst, "step", &[("to", &to), ("taken_by", &by), ("on", &today)]).await;
        assert_eq!(blank.status, 400, "[{b}] a step needs its reason: {}", blank.body);
        let fields = [
            ("to", to.as_str()),
            ("taken_by", by.as_str()),
            ("on", today.as_str()),
            ("reason", "No progress on re-referrals after six months"),
            ("jump_reason", "The direction's deadline passed unmet"),
        ];
        let r = make_move(&server, &analyst, "step", &fields).await;
        assert_eq!(r.status, 303, "[{b}] {}", r.body);
        assert_eq!(r.headers["location"], "/interventions/1#steps", "[{b}]");
        let case = server.store().intervention(1).await.unwrap().unwrap();
        assert_eq!(case.rung, to, "[{b}] the case moved");
        assert_eq!(case.steps.last().map(|s| s.recorded_by.as_str()), Some("analyst"), "[{b}]");

        // A board pack for a day before the step shows the rung the case stood on then.
        let past = get_with(server.addr, "/interventions/1/pack?today=2020-04-10", &[("cookie", &analyst)]).await;
        assert!(past.body.contains("Statutory direction (statutory)"), "[{b}] the rung on 10 April 2020");
        assert!(past.body.contains("Judged as of"), "[{b}] and says it is judged as of then");
        let now = get_with(server.addr, "/interventions/1/pack", &[("cookie", &analyst)]).await;
        assert!(!now.body.contains("Statutory direction (statutory)") && !now.body.contains("Judged as of"), "[{b}]");
        // Today's rung with its own legal basis, not the opening rung's.
        let held = failwell_domain::regime::Regime::england().rung(&case.ladder, &to).cloned().expect("the rung");
        // Guard: the step's rung has another legal basis than the statutory one opened on,
        // so the pack's words tell the two apart.
        assert!(!held.statutory, "[{b}] {to} is by agreement");
        let basis = if held.statutory { "statutory" } else { "by agreement" };
        assert!(now.body.contains(&format!("{} ({basis})", held.name)), "[{b}] {} ({basis})", held.name);
        // The open case's criterion holds the organisation's chart to its target.
        let org = get_with(server.addr, &format!("/organisations/{FAILING}"), &[("cookie", &analyst)]).await;
        assert!(org.body.contains("(target 18, from intervention 1, criterion "), "[{b}] the case's target, assured");
        // The page of a day before the case opened (1 February 2020) draws the chart
        // without it: no one held the organisation to a target then.
        let before =
            get_with(server.addr, &format!("/organisations/{FAILING}?as_of=2020-01-31"), &[("cookie", &analyst)]).await;
        assert_eq!(before.status, 200, "[{b}]");
        assert!(before.body.contains(INDICATOR), "[{b}] the chart is there");
        assert!(!before.body.contains("(target 18, from intervention 1"), "[{b}] but not the later target");

        // A person joins; the same person in the same role twice is refused and audited.
        let person = [("name", "D. Adviser"), ("role", "partner"), ("power", "advise"), ("email", "d@example.org")];
        let r = make_move(&server, &analyst, "people", &person).await;
        assert_eq!(r.status, 303, "[{b}] {}", r.body);
        let case = server.store().intervention(1).await.unwrap().unwrap();
        let joined = case.actors.iter().find(|a| a.name == "D. Adviser").expect("the adviser");
        assert_eq!((joined.role.as_str(), joined.email.as_deref()), ("partner", Some("d@example.org")), "[{b}]");
        let again = make_move(&server, &analyst, "people", &person).await;
        assert_eq!(again.status, 409, "[{b}] {}", again.body);
        // Reach follows the case's people: the peer reviewer named on it now sees it.
        assert_eq!(server.get_as("peer_reviewer", "/interventions/1").await.status, 403, "[{b}]");
        let peer = [("name", "P. Peer"), ("role", "peer_reviewer"), ("power", "monitor"), ("email", "")];
        assert_eq!(make_move(&server, &analyst, "people", &peer).await.status, 303, "[{b}]");
        assert_eq!(server.get_as("peer_reviewer", "/interventions/1").await.status, 200, "[{b}] named, so seen");
        // Once recorded as leaving, today, they no longer see it; the page keeps them, with the day.
        let left = [("leaving", "peer_reviewer:P. Peer"), ("on", today.as_str())];
        let r = make_move(&server, &analyst, "people-left", &left).await;
        assert_eq!(
            (r.status, r.headers["location"].to_str().unwrap()),
            (303, "/interventions/1#people"),
            "[{b}] {}",
            r.body
        );
        assert_eq!(server.get_as("peer_reviewer", "/interventions/1").await.status, 403, "[{b}] left, so not seen");
        let page = get_with(server.addr, "/interventions/1", &[("cookie", &analyst)]).await;
        assert!(
            page.body.contains(&format!("From {today}; left on {today}")),
            "[{b}] the record keeps who served, and when"
        );
        let again = make_move(&server, &analyst, "people-left", &[("leaving", "peer_reviewer:P. Peer")]).await;
        assert_eq!(again.status, 409, "[{b}] gone already: {}", again.body);
        let bad_mail = [("name", "E. Else"), ("role", "partner"), ("power", "advise"), ("email", "not an address")];
        assert_eq!(make_move(&server, &analyst, "people", &bad_mail).await.status, 400, "[{b}]");

        // The plan: a theme, an action under it, a criterion judged by a person and one
        // read from an indicator; the person judges theirs.
        let r = make_move(&server, &analyst, "themes", &[("title", "The front door")]).await;
        assert_eq!((r.status, &r.headers["location"]), (303, &"/interventions/1#plan".parse().unwrap()), "[{b}]");
        let plan = server.store().plan(1).await.unwrap();
        let theme = plan.themes.iter().find(|t| t.title == "The front door").expect("the theme");
        let theme_id = theme.id.to_string();
        let action = [
            ("theme", theme_id.as_str()),
            ("title", "Audit every re-referral"),
            ("lead", "Head of the front door"),
            ("due", "2027-03-31"),
            ("tag", "process"),
        ];
        let r = make_move(&server, &analyst, "actions", &action).await;
        assert_eq!(r.status, 303, "[{b}] {}", r.body);
        let of = format!("theme:{theme_id}");
        let judged =
            [("kind", "judged"), ("of", of.as_str()), ("description", "The board owns the plan"), ("judge", "analyst")];
        let before = server.store().plan(1).await.unwrap().criteria.len();
        assert_eq!(make_move(&server, &analyst, "criteria", &judged).await.status, 303, "[{b}]");
        let criteria = get_with(server.addr, "/interventions/1/criteria", &[("cookie", &analyst)]).await;
        assert!(criteria.body.contains(&format!("<option value=\"{INDICATOR}\">")), "[{b}] the case's indicators");
        let measured = [
            ("kind", "indicator"),
            ("of", "exit:outcome"),
            ("organisation", FAILING),
            ("indicator", INDICATOR),
            ("side", "at_most"),
            ("target", "20"),
            ("by", ""),
        ];
        let r = make_move(&server, &analyst, "criteria", &measured).await;
        assert_eq!(r.status, 303, "[{b}] {}", r.body);
        let plan = server.store().plan(1).await.unwrap();
        assert_eq!(plan.criteria.len(), before + 2, "[{b}]");
        let mine = plan.criteria.iter().find(|c| {
            matches!(&c.rule, failwell_domain::casework::CriterionRule::Judged { description, .. } if description == "The board owns the plan")
        });
        let mine = mine.unwrap().id.to_string();
        let judging = get_with(server.addr, "/interventions/1/judgements", &[("cookie", &analyst)]).await;
        assert!(judging.body.contains(&format!("<option value=\"{mine}\">")), "[{b}] theirs to judge");
        let judgement = [
            ("criterion", mine.as_str()),
            ("met", "met"),
            ("on", today.as_str()),
            ("evidence", "Minutes of six meetings"),
        ];
        assert_eq!(make_move(&server, &analyst, "judgements", &judgement).await.status, 303, "[{b}]");
        let plan = server.store().plan(1).await.unwrap();
        let judged = plan.criteria.iter().find(|c| c.id.to_string() == mine).unwrap();
        assert_eq!(
            judged.judgements.iter().map(|j| (j.met, j.by.as_str())).collect::<Vec<_>>(),
            vec![(true, "analyst")],
            "[{b}]"
        );

        // A board member of the case shapes its plan but does not steer it; a provider does neither.
        let board = session(&server, "board_member").await;
        let r = make_move(&server, &board, "themes", &[("title", "Leadership")]).await;
        assert_eq!(r.status, 303, "[{b}] {}", r.body);
        for slug in ["step", "people", "close"] {
            let r = get_with(server.addr, &format!("/interventions/1/{slug}"), &[("cookie", &board)]).await;
            assert_eq!(r.status, 403, "[{b}] board member: {slug}");
        }
        let board_page = get_with(server.addr, "/interventions/1", &[("cookie", &board)]).await;
        assert!(
            board_page.body.contains("href=\"/interventions/1/themes\"")
                && !board_page.body.contains("href=\"/interventions/1/step\""),
            "[{b}] the board member is offered only their moves"
        );
        let csrf = hidden(&board_page.body, "csrf").unwrap();
        let forced = [
            ("csrf", csrf.as_str()),
            ("on", today.as_str()),
            ("exit", "outcome"),
            ("worked", "x"),
            ("did_not_work", "y"),
        ];
        assert_eq!(
            post_form(server.addr, "/interventions/1/close", &forced, &[("cookie", &board)]).await.status,
            403,
            "[{b}]"
        );
        let provider = session(&server, "provider").await;
        let r = get_with(server.addr, "/interventions/1/themes", &[("cookie", &provider)]).await;
        assert_eq!(r.status, 403, "[{b}] another organisation's provider");
        assert_eq!(get(server.addr, "/interventions/1/themes").await.status, 303, "[{b}] the public signs in first");

        // The tapered exit: check-ins scheduled, one held, then the case closes with its lessons.
        let check_in = [("due", "2027-06-30"), ("who", "D. Adviser"), ("reviews", "Re-referrals hold below 20%")];
        assert_eq!(make_move(&server, &analyst, "check-ins", &check_in).await.status, 303, "[{b}]");
        let held_page = get_with(server.addr, "/interventions/1/check-ins-held", &[("cookie", &analyst)]).await;
        let held_id = first_option(&held_page.body, "check_in").expect("a check-in to hold");
        // A check-in is recorded once held: one dated ahead is refused, saying why.
        let ahead = [("check_in", held_id.as_str()), ("on", "2031-07-01"), ("outcome", "Still below 20%")];
        let r = make_move(&server, &analyst, "check-ins-held", &ahead).await;
        assert_eq!(r.status, 409, "[{b}] {}", r.body);
        assert!(r.body.contains("after today"), "[{b}] {}", r.body);
        let held = [("check_in", held_id.as_str()), ("on", today.as_str()), ("outcome", "Still below 20%")];
        assert_eq!(make_move(&server, &analyst, "check-ins-held", &held).await.status, 303, "[{b}]");
        let lessons = [
            ("on", today.as_str()),
            ("exit", "outcome"),
            ("worked", "A monthly board that owned the plan"),
            ("did_not_work", "The first restructure"),
        ];
        let r = make_move(&server, &analyst, "close", &lessons).await;
        assert_eq!(r.status, 303, "[{b}] {}", r.body);
        assert_eq!(r.headers["location"], "/interventions/1#lessons", "[{b}]");
        let case = server.store().intervention(1).await.unwrap().unwrap();
        assert_eq!(case.ended_on.as_deref(), Some(today.as_str()), "[{b}]");
        assert!(case.lessons.unwrap().to_string().contains("A monthly board"), "[{b}]");
        // Closed: no more steering, but the check-ins after the exit go on.
        let r = get_with(server.addr, "/interventions/1/step", &[("cookie", &analyst)]).await;
        assert_eq!(r.status, 409, "[{b}] a closed case does not move");
        let r = get_with(server.addr, "/interventions/1/check-ins", &[("cookie", &analyst)]).await;
        assert_eq!(r.status, 200, "[{b}] check-ins follow the exit");
        let closed = get_with(server.addr, "/interventions/1", &[("cookie", &analyst)]).await;
        assert!(
            closed.body.contains("A monthly board that owned the plan")
                && !closed.body.contains("href=\"/interventions/1/step\""),
            "[{b}] the lessons are on the page and the steering is gone"
        );

        // A designation the record holds (a statutory direction, imported) is a bar too.
        let direction = failwell_domain::Event {
            organisation: failwell_domain::Code::new(FAILING).unwrap(),
            event_type: failwell_domain::EventType::StatutoryDirection,
            occurred_on: date("2019-06-04"),
            ended_on: None,
            published_on: None,
            actor: "dfe".into(),
            title: "A direction".into(),
            detail: String::new(),
            failure_types: Vec::new(),
            source: "test".into(),
        };
        let mut import = server.store().begin_import("events", "events.csv").await.unwrap();
        import.add_event(2, &direction).await.unwrap().unwrap();
        import.finish().await.unwrap();
        let recorded = "<title>From the record: statutory_direction: A direction (no ending in the record) (as level 4) from 2019-06-04 to now</title>";

        // The organisation page draws the journey: the case's rungs as bars, one per step.
        let org = get_with(server.addr, &format!("/organisations/{FAILING}"), &[("cookie", &analyst)]).await;
        assert!(org.body.contains(recorded), "[{b}] the record's designation: {recorded}");
        assert!(org.body.contains("class=\"fw-journey\""), "[{b}] the figure");
        let held = format!("<title>Intervention 1: Statutory direction (level 4) from 2020-02-01 to {today}</title>");
        assert!(org.body.contains(&held), "[{b}] the first rung, ended by the step: {held}");
        let public = get(server.addr, &format!("/organisations/{FAILING}")).await;
        assert!(public.body.contains("fw-journey"), "[{b}] the published record's journey");
        assert!(public.body.contains(recorded), "[{b}] with its designations");
        assert!(!public.body.contains("<title>Intervention 1"), "[{b}] casework is not published");
        assert!(!public.body.contains("Target:"), "[{b}] nor its targets");

        let log = server.store().audit_log(400).await.unwrap();
        for action in ["step", "add person", "add theme", "add action", "add criterion", "judge criterion", "close"] {
            assert!(
                log.iter().any(|e| e.action == action && e.outcome == "done" && e.who == "analyst"),
                "[{b}] {action} is audited: {:?}",
                log.iter().map(|e| (&e.action, &e.outcome, &e.who)).collect::<Vec<_>>()
            );
        }
        assert!(log.iter().any(|e| e.action == "add person" && e.outcome == "refused"), "[{b}]");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn casework_moves_are_made_through_the_api_with_the_pages_rules_and_refusals() {
    use serde_json::json;
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let bearer = |who: &str| format!("Bearer {}", server.tokens[who]);
        let path = "/api/v1/interventions/1/moves";
        let names = |v: &serde_json::Value| -> Vec<String> {
            v.as_array().unwrap().iter().map(|m| m["move"].as_str().unwrap().to_string()).collect()
        };

        // What each may make now, with the values the fields take.
        let analyst = server.get_as("analyst", path).await.json();
        let offered = names(&analyst);
        for m in ["step", "people", "themes", "actions", "criteria", "progress", "obligations", "meetings", "close"] {
            assert!(offered.iter().any(|o| o == m), "[{b}] the analyst may {m}: {offered:?}");
        }
        let step = analyst.as_array().unwrap().iter().find(|m| m["move"] == "step").unwrap();
        let to = step["choices"]["to"][0]["value"].as_str().expect("a rung").to_string();
        let by = step["choices"]["taken_by"][0]["value"].as_str().expect("an actor").to_string();
        assert!(step["guidance"][0].as_str().unwrap().contains("applied by"), "[{b}] {step}");
        let board = names(&server.get_as("board_member", path).await.json());
        assert!(board.contains(&"themes".to_string()) && !board.contains(&"step".to_string()), "[{b}] {board:?}");

        // The judged picture reads the case (and is built before the step).
        let judged = format!("/api/v1/organisations/{FAILING}");
        let held = "Stands on Statutory direction by intervention case 1";
        let reasons = |v: &serde_json::Value| v["judgement"]["reasons"].to_string();
        let before = server.get_as("analyst", &judged).await.json();
        assert!(reasons(&before).contains(held), "[{b}] {}", reasons(&before));

        // A step as the analyst's token: the engine's move, refusals as problems.
        let analyst_auth = bearer("analyst");
        let as_analyst = [("authorization", analyst_auth.as_str())];
        let body = json!({"move": "step", "to": to, "taken_by": by, "on": "2020-06-01",
            "reason": "No action plan by the deadline", "jump_reason": "The notice was not enough"});
        let r = post_json(server.addr, path, &body, &as_analyst).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.body);
        let made = r.json();
        assert_eq!((made["move"].as_str(), made["by"].as_str()), (Some("step"), Some("analyst")), "[{b}]");
        assert_eq!(made["page"], "/interventions/1#steps", "[{b}]");
        assert_eq!(server.store().intervention(1).await.unwrap().unwrap().rung, to, "[{b}]");
        // The next judged picture follows the case: a step is not an import, but from 1 June
        // 2020 the case no longer holds the rung it opened on.
        let after = server.get_as("analyst", &judged).await.json();
        assert!(!reasons(&after).contains(held), "[{b}] judged again after the step: {}", reasons(&after));
        let early = json!({"move": "step", "to": "peer_review", "taken_by": "lga", "on": "2019-01-01", "reason": "x"});
        let r = post_json(server.addr, path, &early, &as_analyst).await;
        assert_eq!((r.status, r.content_type()), (409, "application/problem+json"), "[{b}] {}", r.body);
        let r = post_json(server.addr, path, &json!({"move": "demolish"}), &as_analyst).await;
        assert_eq!(r.status, 400, "[{b}]");
        assert!(r.json()["detail"].as_str().unwrap().contains("one of step, extend, people"), "[{b}] {}", r.body);
        let r = post_json(server.addr, path, &json!({"move": "themes", "title": " "}), &as_analyst).await;
        assert_eq!((r.status, r.json()["field"].as_str()), (400, Some("title")), "[{b}] {}", r.body);

        // The board member's token: the plan yes, the ladder no; progress on the new theme's action.
        let board_auth = bearer("board_member");
        let as_board = [("authorization", board_auth.as_str())];
        // A part of the plan from before the case began is refused; one from May 2020 is
        // left out of a pack of April's meeting and shown in June's.
        let early = json!({"move": "themes", "title": "Leadership", "on": "2019-12-31"});
        let r = post_json(server.addr, path, &early, &as_board).await;
        assert_eq!(r.status, 409, "[{b}] {}", r.body);
        assert!(r.body.contains("before the start"), "[{b}] {}", r.body);
        let r = post_json(
            server.addr,
            path,
            &json!({"move": "themes", "title": "Leadership", "on": "2020-05-01"}),
            &as_board,
        )
        .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.body);
        let theme = server.store().plan(1).await.unwrap().themes.iter().find(|t| t.title == "Leadership").unwrap().id;
        let action = json!({"move": "actions", "theme": theme.to_string(), "title": "Appoint a permanent director",
            "lead": "Chief executive", "due": "2020-09-30", "tag": "leadership", "on": "2020-05-01"});
        assert_eq!(post_json(server.addr, path, &action, &as_board).await.status, 200, "[{b}]");
        let plan = server.store().plan(1).await.unwrap();
        let action_id =
            plan.themes.iter().flat_map(|t| &t.actions).find(|a| a.title.starts_with("Appoint")).unwrap().id;
        let progress = json!({"move": "progress", "action": action_id.to_string(), "status": "on_track",
            "on": "2020-06-02", "note": "Interviews held"});
        assert_eq!(post_json(server.addr, path, &progress, &as_board).await.status, 200, "[{b}]");
        let pack = |day: &'static str| {
            let auth = board_auth.clone();
            async move {
                let r =
                    get_with(server.addr, &format!("/interventions/1/pack?today={day}"), &[("authorization", &auth)])
                        .await;
                assert_eq!(r.status, 200, "[{b}] {}", r.body);
                r.body
            }
        };
        let (april, june) = (pack("2020-04-10").await, pack("2020-06-10").await);
        assert!(!april.contains("Appoint a permanent director"), "[{b}] April's pack shows May's action");
        assert!(june.contains("Appoint a permanent director") && june.contains("Interviews held"), "[{b}] June's");
        assert_eq!(
            post_json(server.addr, path, &body, &as_board).await.status,
            403,
            "[{b}] a board member does not step"
        );
        let provider_auth = bearer("provider");
        let r = post_json(server.addr, path, &progress, &[("authorization", provider_auth.as_str())]).await;
        assert_eq!(r.status, 403, "[{b}] another organisation's provider");
        assert_eq!(post_json(server.addr, path, &progress, &[]).await.status, 401, "[{b}]");

        // A session must send its CSRF token in X-CSRF-Token.
        let cookie = session(&server, "analyst").await;
        let theme = json!({"move": "themes", "title": "Partnerships"});
        let r = post_json(server.addr, path, &theme, &[("cookie", &cookie)]).await;
        assert_eq!(r.status, 403, "[{b}] no CSRF token");
        let account = get_with(server.addr, "/account", &[("cookie", &cookie)]).await;
        let csrf = hidden(&account.body, "csrf").unwrap();
        let r = post_json(server.addr, path, &theme, &[("cookie", &cookie), ("x-csrf-token", &csrf)]).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.body);

        let log = server.store().audit_log(300).await.unwrap();
        assert!(log.iter().any(|e| e.action == "step" && e.outcome == "refused" && e.who == "analyst"), "[{b}]");
        assert!(log.iter().any(|e| e.action == "record progress" && e.outcome == "done" && e.who == "board_member"));
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_opens_an_intervention_no_scan_proposed_with_its_first_person() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let analyst = session(&server, "analyst").await;
        let page = get_with(server.addr, "/organisations/E08000017", &[("cookie", &analyst)]).await;
        assert!(page.body.contains("href=\"/organisations/E08000017/interventions/new\""), "[{b}] the link");
        let form = get_with(server.addr, "/organisations/E08000017/interventions/new", &[("cookie", &analyst)]).await;
        assert_eq!(form.status, 200, "[{b}] {}", form.body);
        assert!(form.body.contains("value=\"childrens_services/peer_review\""), "[{b}] the ladder's rungs");
        assert!(form.body.contains("applied by Local Government Association"), "[{b}] who applies each");
        let csrf = hidden(&form.body, "csrf").unwrap();
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("rung", "childrens_services/peer_review"),
            ("applied_by", "lga"),
            ("start", "2024-01-10"),
            ("report_published", ""),
            ("planned_end", "2024-07-10"),
            ("reason", ""),
            ("name", "R. Peer"),
            ("role", "peer_reviewer"),
            ("power", "advise"),
            ("email", ""),
        ];
        let path = "/organisations/E08000017/interventions";
        let blank = post_form(server.addr, path, &fields, &[("cookie", &analyst)]).await;
        assert_eq!(blank.status, 400, "[{b}] a case needs its reason");
        fields[6] = ("reason", "Peer review agreed with the council after its self-assessment");
        let r = post_form(server.addr, path, &fields, &[("cookie", &analyst)]).await;
        assert_eq!(r.status, 303, "[{b}] {}", r.body);
        let id: i64 = r.headers["location"].to_str().unwrap().trim_start_matches("/interventions/").parse().unwrap();
        let case = server.store().intervention(id).await.unwrap().unwrap();
        assert_eq!(
            (case.rung.as_str(), case.decision, case.opened_by.as_str()),
            ("peer_review", None, "analyst"),
            "[{b}]"
        );
        assert_eq!(case.planned_end.as_deref(), Some("2024-07-10"), "[{b}]");
        assert_eq!(case.actors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), vec!["R. Peer"], "[{b}]");
        // The same rung again is refused by the engine, with its reason.
        let again = post_form(server.addr, path, &fields, &[("cookie", &analyst)]).await;
        assert_eq!(again.status, 409, "[{b}] {}", again.body);
        fields[1] = ("rung", "childrens_services/nonsense");
        assert_eq!(post_form(server.addr, path, &fields, &[("cookie", &analyst)]).await.status, 409, "[{b}]");

        // A board member does not open cases, nor see the link.
        let board = session(&server, "board_member").await;
        let r = get_with(server.addr, "/organisations/E06000002/interventions/new", &[("cookie", &board)]).await;
        assert_eq!(r.status, 403, "[{b}]");
        let page = get_with(server.addr, "/organisations/E06000002", &[("cookie", &board)]).await;
        assert!(!page.body.contains("/interventions/new"), "[{b}]");
        let account = get_with(server.addr, "/account", &[("cookie", &board)]).await;
        let csrf = hidden(&account.body, "csrf").unwrap();
        fields[0] = ("csrf", csrf.as_str());
        fields[1] = ("rung", "childrens_services/peer_review");
        let r = post_form(server.addr, "/organisations/E06000002/interventions", &fields, &[("cookie", &board)]).await;
        assert_eq!(r.status, 403, "[{b}]");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_records_a_scan_from_the_page_and_the_api_and_others_may_not() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let before = server.store().scans(100).await.unwrap().len();
        let analyst = session(&server, "analyst").await;
        let page = get_with(server.addr, "/scans", &[("cookie", &analyst)]).await;
        assert!(page.body.contains("id=\"record-scan\""), "[{b}] the form");
        assert!(page.body.contains(r#"href="/scans" aria-current="page""#), "[{b}] the section marked");
        let csrf = hidden(&page.body, "csrf").unwrap();
        assert_eq!(post_form(server.addr, "/scans", &[("csrf", "forged")], &[("cookie", &analyst)]).await.status, 403);
        let r = post_form(server.addr, "/scans", &[("csrf", csrf.as_str())], &[("cookie", &analyst)]).await;
        assert_eq!((r.status, r.headers["location"].to_str().unwrap()), (303, "/scans"), "[{b}] {}", r.body);
        assert_eq!(server.store().scans(100).await.unwrap().len(), before + 1, "[{b}] recorded");

        let auth = format!("Bearer {}", server.tokens["analyst"]);
        let made = post_json(server.addr, "/api/v1/scans", &serde_json::json!({}), &[("authorization", &auth)]).await;
        assert_eq!(made.status, 201, "[{b}] {}", made.body);
        let id = made.json()["scan_id"].as_i64().unwrap();
        assert_eq!(server.store().scans(1).await.unwrap()[0].id, id, "[{b}] the newest");
        let board = format!("Bearer {}", server.tokens["board_member"]);
        let r = post_json(server.addr, "/api/v1/scans", &serde_json::json!({}), &[("authorization", &board)]).await;
        assert_eq!(r.status, 403, "[{b}] a board member does not record scans");
        assert_eq!(post_json(server.addr, "/api/v1/scans", &serde_json::json!({}), &[]).await.status, 401, "[{b}]");
        let log = server.store().audit_log(100).await.unwrap();
        let recorded = log.iter().filter(|e| e.action == "record scan" && e.outcome == "done" && e.who == "analyst");
        assert_eq!(recorded.count(), 2, "[{b}] both audited");
        // A recording the store refuses is in the log too, with the store's reason.
        let refuse = if b == "postgres" {
            "create function refuse() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$;
             create trigger refuse before insert on scan_run for each row execute function refuse();"
        } else {
            "create trigger refuse before insert on scan_run begin select raise(abort, 'refused by the test'); end;"
        };
        db._database.execute(refuse).await.unwrap();
        let r = post_json(server.addr, "/api/v1/scans", &serde_json::json!({}), &[("authorization", &auth)]).await;
        assert_eq!(r.status, 500, "[{b}] {}", r.body);
        let log = server.store().audit_log(1).await.unwrap();
        assert_eq!((log[0].action.as_str(), log[0].outcome.as_str()), ("record scan", "refused"), "[{b}] {log:?}");
        assert!(log[0].detail.contains("refused by the test"), "[{b}] {log:?}");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_imported_through_the_api_all_or_nothing_with_every_bad_row_placed() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let auth = format!("Bearer {}", server.tokens["analyst"]);
        let as_analyst = [("authorization", auth.as_str())];
        let path = "/api/v1/imports?kind=observations&file=rereferrals-2025.csv";
        let before = server.store().latest_import().await.unwrap();
        // One bad value and one unknown organisation: nothing is written, each row named.
        let bad = format!(
            "organisation,indicator,period,value,published_on\n{FAILING},{INDICATOR},2024/25,19.5,2025-11-01\n{STEADY},{INDICATOR},2024/25,lots,2025-11-01\nE99999999,{INDICATOR},2024/25,20,2025-11-01\n"
        );
        let r = post(server.addr, path, "text/csv", bad, &as_analyst).await;
        assert_eq!((r.status, r.content_type()), (422, "application/problem+json"), "[{b}] {}", r.body);
        let problem = r.json();
        assert_eq!(problem["error_count"], 2, "[{b}] {problem}");
        assert_eq!(problem["errors"][0]["file"], "rereferrals-2025.csv", "[{b}]");
        assert_eq!(
            (problem["errors"][0]["line"].as_u64(), problem["errors"][0]["column_name"].as_str()),
            (Some(3), Some("value")),
            "[{b}] {problem}"
        );
        assert_eq!(problem["errors"][1]["line"], 4, "[{b}] {problem}");
        assert_eq!(server.store().latest_import().await.unwrap(), before, "[{b}] nothing written");

        // A good file: checked on a dry run, then imported; again, it changes nothing.
        let good = format!(
            "organisation,indicator,period,value,published_on\n{FAILING},{INDICATOR},2024/25,19.5,2025-11-01\n{STEADY},{INDICATOR},2024/25,21,2025-11-01\n"
        );
        let dry = post(server.addr, &format!("{path}&dry_run=true"), "text/csv", good.clone(), &as_analyst).await;
        assert_eq!(dry.status, 200, "[{b}] {}", dry.body);
        assert_eq!((dry.json()["read"].as_u64(), dry.json()["dry_run"].as_bool()), (Some(2), Some(true)), "[{b}]");
        assert_eq!(server.store().latest_import().await.unwrap(), before, "[{b}] a dry run writes nothing");
        let made = post(server.addr, path, "text/csv", good.clone(), &as_analyst).await;
        assert_eq!(made.status, 201, "[{b}] {}", made.body);
        assert_eq!((made.json()["read"].as_u64(), made.json()["changed"].as_u64()), (Some(2), Some(2)), "[{b}]");
        let again = post(server.addr, path, "text/csv", good.clone(), &as_analyst).await;
        assert_eq!(
            (again.status, again.json()["changed"].as_u64()),
            (201, Some(0)),
            "[{b}] re-importing changes nothing"
        );
        let csv = server.get(&format!("/organisations/{FAILING}/charts/{INDICATOR}.csv")).await;
        assert!(csv.body.contains("2024/25,19.5"), "[{b}] the new figure is charted: {}", csv.body);

        // The same from the import page: a multipart form, the bad rows listed on the page.
        let analyst = session(&server, "analyst").await;
        let form = get_with(server.addr, "/imports", &[("cookie", &analyst)]).await;
        assert_eq!(form.status, 200, "[{b}] {}", form.body);
        let csrf = hidden(&form.body, "csrf").unwrap();
        let upload = |file: &str, body: &str, dry: bool| {
            let boundary = "failwell-test-boundary";
            let mut parts = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nobservations\r\n"
            );
            if dry {
                parts.push_str(&format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\nyes\r\n"
                ));
            }
            parts.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file}\"\r\nContent-Type: text/csv\r\n\r\n{body}\r\n--{boundary}--\r\n"
            ));
            (format!("multipart/form-data; boundary={boundary}"), parts)
        };
        let later =
            format!("organisation,indicator,period,value,published_on\n{FAILING},{INDICATOR},2025/26,x,2026-11-01\n");
        let (ct, body) = upload("later.csv", &later, false);
        let page = post(server.addr, "/imports", &ct, body, &[("cookie", &analyst)]).await;
        assert_eq!(page.status, 200, "[{b}] {}", page.body);
        assert!(
            page.body.contains("Nothing was imported") && page.body.contains("later.csv:2:4 (value)"),
            "[{b}] {}",
            page.body
        );
        let later = later.replace(",x,", ",18,");
        let (ct, body) = upload("later.csv", &later, true);
        let page = post(server.addr, "/imports", &ct, body, &[("cookie", &analyst)]).await;
        assert!(page.body.contains("Checked later.csv: 1 rows read, 1 would be new or changed"), "[{b}] {}", page.body);
        let (ct, body) = upload("later.csv", &later, false);
        let page = post(server.addr, "/imports", &ct, body, &[("cookie", &analyst)]).await;
        assert!(page.body.contains("Imported later.csv: 1 rows read, 1 new or changed"), "[{b}] {}", page.body);
        let (ct, body) = upload("later.csv", &later, false);
        let forged = body.replace(&csrf, "forged");
        assert_eq!(post(server.addr, "/imports", &ct, forged, &[("cookie", &analyst)]).await.status, 403, "[{b}]");
        let board_session = session(&server, "board_member").await;
        assert_eq!(get_with(server.addr, "/imports", &[("cookie", &board_session)]).await.status, 403, "[{b}]");

        // Only the national roles import; an unknown kind is a 400 naming the parameter.
        let board = format!("Bearer {}", server.tokens["board_member"]);
        let r = post(server.addr, path, "text/csv", good.clone(), &[("authorization", &board)]).await;
        assert_eq!(r.status, 403, "[{b}]");
        assert_eq!(post(server.addr, path, "text/csv", good.clone(), &[]).await.status, 401, "[{b}]");
        let r = post(server.addr, "/api/v1/imports?kind=figures", "text/csv", good, &as_analyst).await;
        assert_eq!((r.status, r.json()["parameter"].as_str()), (400, Some("kind")), "[{b}] {}", r.body);
        let log = server.store().audit_log(100).await.unwrap();
        assert!(log.iter().any(|e| e.action == "import" && e.outcome == "refused" && e.who == "analyst"), "[{b}]");
        assert_eq!(log.iter().filter(|e| e.action == "import" && e.outcome == "done").count(), 3, "[{b}]");
        server.stop().await;
    }
}

/// The value of the first day field (`name="on"`) of a page.
fn day_field(body: &str) -> String {
    let at = body.find("name=\"on\"").expect("a day field");
    let rest = &body[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_changes_their_own_password_and_every_session_ends() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let cookie = session(&server, "peer_reviewer").await;
        let other = session(&server, "peer_reviewer").await;
        let page = get_with(server.addr, "/account", &[("cookie", &cookie)]).await;
        let csrf = hidden(&page.body, "csrf").unwrap();
        let post = |form: Vec<(&'static str, String)>| {
            let cookie = cookie.clone();
            async move {
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post_form(server.addr, "/account/password", &form, &[("cookie", &cookie)]).await
            }
        };
        let wrong = post(vec![
            ("csrf", csrf.clone()),
            ("current", "not it at all".into()),
            ("new", "a brand new long password".into()),
        ])
        .await;
        assert_eq!(wrong.status, 400, "[{b}]");
        assert!(wrong.body.contains("Your current password is not the one entered"), "[{b}]");
        assert!(wrong.body.contains(r##"href="#current""##) && wrong.body.contains(r#"id="current-error""#), "[{b}]");
        let short = post(vec![("csrf", csrf.clone()), ("current", PASSWORD.into()), ("new", "short".into())]).await;
        assert_eq!(short.status, 400, "[{b}]");
        assert!(short.body.contains("at least 12 characters"), "[{b}]");
        // The summary links to the field refused, which says why beside it.
        assert!(
            short.body.contains(r##"href="#new""##) && short.body.contains(r#"id="new-error""#),
            "[{b}] {}",
            short.body
        );
        assert!(short.body.contains(r#"aria-describedby="new-hint new-error""#), "[{b}]");
        let forged =
            post(vec![("csrf", "x".into()), ("current", PASSWORD.into()), ("new", "a brand new long password".into())])
                .await;
        assert_eq!(forged.status, 403, "[{b}]");
        let done = post(vec![
            ("csrf", csrf.clone()),
            ("current", PASSWORD.into()),
            ("new", "a brand new long password".into()),
        ])
        .await;
        assert_eq!(done.status, 303, "[{b}] {}", done.body);
        for c in [&cookie, &other] {
            assert_eq!(
                get_with(server.addr, "/account", &[("cookie", c)]).await.status,
                303,
                "[{b}] every session ended"
            );
        }
        assert_eq!(
            sign_in(&server, "peer_reviewer", PASSWORD).await.status,
            401,
            "[{b}] the old password no longer works"
        );
        assert_eq!(sign_in(&server, "peer_reviewer", "a brand new long password").await.status, 303, "[{b}]");
        let log = server.store().audit_log(100).await.unwrap();
        let changes: Vec<&str> =
            log.iter().filter(|e| e.action == "set password").map(|e| e.outcome.as_str()).collect();
        assert_eq!(changes, vec!["done", "refused", "refused"], "[{b}] newest first");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_manages_accounts_on_the_web_and_secrets_are_shown_once() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let cookie = session(&server, "administrator").await;
        let page = get_with(server.addr, "/admin/accounts", &[("cookie", &cookie)]).await;
        assert_eq!(page.status, 200, "[{b}] {}", page.body);
        assert!(page.body.contains(r#"href="/admin/accounts/peer_reviewer""#), "[{b}] every account listed");
        // No role is chosen for the administrator (the list's first is the most powerful).
        assert!(page.body.contains(r#"<option value="" selected>Choose a role</option>"#), "[{b}] {}", page.body);
        assert_eq!(page.header("cache-control"), Some("private, no-cache"), "[{b}]");
        assert_eq!(page.header("vary"), Some("Cookie, Authorization"), "[{b}]");
        let account = get_with(server.addr, "/account", &[("cookie", &cookie)]).await;
        assert!(account.body.contains(r#"href="/admin/accounts""#), "[{b}] linked for administrators");
        let csrf = hidden(&page.body, "csrf").unwrap();
        let post = |path: String, form: Vec<(&'static str, String)>| {
            let cookie = cookie.clone();
            async move {
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post_form(server.addr, &path, &form, &[("cookie", &cookie)]).await
            }
        };
        let account_form = |username: &str, organisation: &str| {
            vec![
                ("csrf", csrf.clone()),
                ("username", username.to_string()),
                ("display_name", "R. Reviewer".to_string()),
                ("email", "r.reviewer@example.org".to_string()),
                ("role", "provider".to_string()),
                ("organisation", organisation.to_string()),
            ]
        };
        // Refused, the form kept: a provider without an organisation; a name taken.
        let refused = post("/admin/accounts".into(), account_form("rreviewer", "")).await;
        assert_eq!(refused.status, 400, "[{b}] {}", refused.body);
        assert!(refused.body.contains("govuk-error-summary"), "[{b}]");
        assert!(refused.body.contains(r#"value="rreviewer""#), "[{b}] the form kept");
        assert!(refused.body.contains(r##"href="#organisation""##), "[{b}] the summary links the field refused");
        assert!(!refused.body.contains("--organisation:"), "[{b}] no command-line advice first");
        let taken = post("/admin/accounts".into(), account_form("analyst", FAILING)).await;
        assert_eq!(taken.status, 400, "[{b}]");
        assert!(taken.body.contains(r##"href="#username""##), "[{b}]");
        assert!(taken.body.contains("exists already"), "[{b}] {}", taken.body);
        let forged = post("/admin/accounts".into(), {
            let mut f = account_form("rreviewer", FAILING);
            f[0].1 = "x".into();
            f
        })
        .await;
        assert_eq!(forged.status, 403, "[{b}] a forged form");

        // Made: its password shown once, not kept by any cache, and it signs in.
        let made = post("/admin/accounts".into(), account_form("rreviewer", FAILING)).await;
        assert_eq!(made.status, 200, "[{b}] {}", made.body);
        assert_eq!(made.header("cache-control"), Some("no-store"), "[{b}] a secret is never cached");
        let secret = |body: &str| {
            body.split(r#"<code class="fw-secret">"#)
                .nth(1)
                .and_then(|r| r.split("</code>").next())
                .unwrap()
                .to_string()
        };
        let password = secret(&made.body);
        assert!(password.len() >= 12, "[{b}] {password}");
        assert_eq!(sign_in(&server, "rreviewer", &password).await.status, 303, "[{b}] the new account signs in");
        let again = get_with(server.addr, "/admin/accounts/rreviewer", &[("cookie", &cookie)]).await;
        assert_eq!(again.status, 200, "[{b}]");
        assert!(!again.body.contains(&password), "[{b}] shown once only");
        assert!(again.body.contains(FAILING), "[{b}] the provider's organisation");

        // A new password: the old one stops working.
        let reset = post("/admin/accounts/rreviewer/password".into(), vec![("csrf", csrf.clone())]).await;
        assert_eq!(reset.status, 200, "[{b}] {}", reset.body);
        let new_password = secret(&reset.body);
        assert_eq!(sign_in(&server, "rreviewer", &password).await.status, 401, "[{b}] the old password");
        assert_eq!(sign_in(&server, "rreviewer", &new_password).await.status, 303, "[{b}]");

        // An API token for it, which reaches its own organisation's API.
        let no_name = post("/admin/accounts/rreviewer/tokens".into(), vec![("csrf", csrf.clone())]).await;
        assert_eq!(no_name.status, 400, "[{b}] a token says what it is for");
        let token = post(
            "/admin/accounts/rreviewer/tokens".into(),
            vec![("csrf", csrf.clone()), ("name", "nightly report".into())],
        )
        .await;
        assert_eq!(token.status, 200, "[{b}] {}", token.body);
        let token = secret(&token.body);
        let bearer = format!("Bearer {token}");
        let api =
            get_with(server.addr, &format!("/api/v1/organisations/{FAILING}"), &[("authorization", &bearer)]).await;
        assert_eq!(api.status, 200, "[{b}] the provider's token reaches its organisation");

        // A second token is revoked on its own; the first keeps working.
        let spare = post(
            "/admin/accounts/rreviewer/tokens".into(),
            vec![("csrf", csrf.clone()), ("name", "spare laptop".into())],
        )
        .await;
        let spare = format!("Bearer {}", secret(&spare.body));
        let org_api = format!("/api/v1/organisations/{FAILING}");
        assert_eq!(get_with(server.addr, &org_api, &[("authorization", &spare)]).await.status, 200, "[{b}]");
        let page = get_with(server.addr, "/admin/accounts/rreviewer", &[("cookie", &cookie)]).await;
        assert!(page.body.contains("spare laptop") && page.body.contains("working"), "[{b}] the tokens listed");
        assert!(page.body.contains(r#"<option value="spare laptop">"#), "[{b}] offered for revoking");
        assert!(!page.body.contains(&token) && !page.body.contains("fw_"), "[{b}] never the token itself");
        let nosuch = post(
            "/admin/accounts/rreviewer/tokens/revoke".into(),
            vec![("csrf", csrf.clone()), ("name", "no such token".into())],
        )
        .await;
        assert_eq!(nosuch.status, 400, "[{b}]");
        assert!(nosuch.body.contains("has no API token named"), "[{b}] {}", nosuch.body);
        let revoked = post(
            "/admin/accounts/rreviewer/tokens/revoke".into(),
            vec![("csrf", csrf.clone()), ("name", "spare laptop".into())],
        )
        .await;
        assert_eq!(revoked.status, 200, "[{b}] {}", revoked.body);
        assert!(revoked.body.contains("revoked: they no longer work") && revoked.body.contains("revoked 20"), "[{b}]");
        assert_eq!(get_with(server.addr, &org_api, &[("authorization", &spare)]).await.status, 401, "[{b}]");
        assert_eq!(get_with(server.addr, &org_api, &[("authorization", &bearer)]).await.status, 200, "[{b}]");

        // Disabling asks for confirmation; an administrator cannot disable themselves.
        let unconfirmed = post("/admin/accounts/rreviewer/disable".into(), vec![("csrf", csrf.clone())]).await;
        assert_eq!(unconfirmed.status, 400, "[{b}]");
        let own = post(
            "/admin/accounts/administrator/disable".into(),
            vec![("csrf", csrf.clone()), ("confirm", "yes".into())],
        )
        .await;
        assert_eq!(own.status, 400, "[{b}]");
        assert!(own.body.contains("cannot disable your own account"), "[{b}]");
        let disabled =
            post("/admin/accounts/rreviewer/disable".into(), vec![("csrf", csrf.clone()), ("confirm", "yes".into())])
                .await;
        assert_eq!(disabled.status, 200, "[{b}] {}", disabled.body);
        assert_eq!(sign_in(&server, "rreviewer", &new_password).await.status, 401, "[{b}] disabled");
        let api =
            get_with(server.addr, &format!("/api/v1/organisations/{FAILING}"), &[("authorization", &bearer)]).await;
        assert_eq!(api.status, 401, "[{b}] its token stops working");
        assert_eq!(
            post("/admin/accounts/nobody/password".into(), vec![("csrf", csrf.clone())]).await.status,
            404,
            "[{b}] an unknown account"
        );

        // The API lists it, disabled; every change is in the audit log with its administrator.
        let listed = server.get_as("administrator", "/api/v1/accounts").await.json();
        let r = listed.as_array().unwrap().iter().find(|a| a["username"] == "rreviewer").expect("listed").clone();
        assert!(r["disabled_at"].is_string() && r.get("password_hash").is_none(), "[{b}] {r}");
        let log =
            server.store().audit_search(&failwell_store::AuditFilter { limit: 0, ..Default::default() }).await.unwrap();
        for action in ["add account", "set password", "add API token", "revoke API token", "disable account"] {
            assert!(
                log.iter().any(|e| e.action == action && e.subject == "rreviewer" && e.who == "administrator"),
                "[{b}] {action}: {:?}",
                log.iter().filter(|e| e.subject == "rreviewer").map(|e| &e.action).collect::<Vec<_>>()
            );
        }
        assert!(
            log.iter().any(|e| e.action == "disable account" && e.subject == "administrator" && e.outcome == "refused"),
            "[{b}]"
        );
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_lasts_twelve_hours_and_an_expired_one_signs_nobody_in() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let ok = sign_in(&server, "analyst", PASSWORD).await;
        assert_eq!(ok.status, 303, "[{b}]");
        let set = ok
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("failwell_session="))
            .expect("a session cookie")
            .to_string();
        assert!(set.contains("Max-Age=43200"), "[{b}] twelve hours: {set}");
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "[{b}] {set}");
        let cookie = format!("failwell_session={}", set_cookie(&ok, "failwell_session").unwrap());
        assert_eq!(get_with(server.addr, "/account", &[("cookie", &cookie)]).await.status, 200, "[{b}]");
        // The store holds the session until twelve hours after it began; once past, the
        // same cookie reaches nothing, whatever the browser keeps. The test cannot move the
        // clock, so it moves a second session's expiry into the past before that session
        // is first used (the server keeps a session's expiry as it read it, and checks it
        // against the clock on every request: the unit test of `Viewers` covers that).
        let second = sign_in(&server, "analyst", PASSWORD).await;
        let token = set_cookie(&second, "failwell_session").unwrap();
        let cookie = format!("failwell_session={token}");
        let expired = sqlx_exec(
            &db,
            &format!(
                "update account_session set expires_at = '2000-01-01T00:00:00Z' where token_hash = '{}'",
                failwell_web::auth::token_hash(&token)
            ),
        )
        .await;
        assert_eq!(expired, Ok(1), "[{b}] one session");
        let page = get_with(server.addr, "/account", &[("cookie", &cookie)]).await;
        assert_eq!(page.status, 303, "[{b}] sent to sign in");
        assert!(page.header("location").is_some_and(|l| l.starts_with("/sign-in")), "[{b}]");
        assert_eq!(
            get_with(server.addr, "/api/v1/scans", &[("cookie", &cookie)]).await.status,
            401,
            "[{b}] the API answers 401"
        );
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_file_is_imported_in_its_own_columns_with_a_mapping_from_the_api_and_the_page() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let auth = format!("Bearer {}", server.tokens["analyst"]);
        let as_analyst = [("authorization", auth.as_str())];
        // The DfE's way: a year naming the year to 31 March, its own column names, and a
        // regional row among the councils'.
        let file = format!(
            "time_period,geographic_level,new_la_code,rate\n2025,Local authority,{FAILING},19.5\n2025,Regional,E12000001,18\n2025,Local authority,{STEADY},21\n"
        );
        let mapping = format!(
            "map=organisation%3Dnew_la_code&map=period%3Dtime_period&map=value%3Drate&set=indicator%3D{INDICATOR}&set=published_on%3D2025-11-01&filter=geographic_level%3DLocal%20authority&period_style=year-ending-march"
        );
        // Without the mapping, the file is not in failwell's columns: refused, nothing written.
        let plain =
            post(server.addr, "/api/v1/imports?kind=observations&file=dfe.csv", "text/csv", file.clone(), &as_analyst)
                .await;
        assert_eq!(plain.status, 422, "[{b}] {}", plain.body);
        let path = format!("/api/v1/imports?kind=observations&file=dfe.csv&{mapping}");
        let made = post(server.addr, &path, "text/csv", file.clone(), &as_analyst).await;
        assert_eq!(made.status, 201, "[{b}] {}", made.body);
        assert_eq!(made.json()["changed"].as_u64(), Some(2), "[{b}] the two councils' rows: {}", made.body);
        let csv = server.get(&format!("/organisations/{FAILING}/charts/{INDICATOR}.csv")).await;
        assert!(csv.body.contains("2024/25,19.5"), "[{b}] 2025 read as 2024/25: {}", csv.body);
        // A bad mapping is a 400 naming its parameter.
        for (bad, parameter) in [("map=value", "map"), ("period_style=weekly", "period_style")] {
            let r = post(
                server.addr,
                &format!("/api/v1/imports?kind=observations&{bad}"),
                "text/csv",
                file.clone(),
                &as_analyst,
            )
            .await;
            assert_eq!((r.status, r.json()["parameter"].as_str()), (400, Some(parameter)), "[{b}] {}", r.body);
        }

        // The page takes the same settings, one a line.
        let analyst = session(&server, "analyst").await;
        let form = get_with(server.addr, "/imports", &[("cookie", &analyst)]).await;
        assert!(form.body.contains("The file is in its publisher's columns"), "[{b}]");
        let csrf = hidden(&form.body, "csrf").unwrap();
        // Every setting of the command line's mapping is on the page.
        for name in ["map", "set", "filter", "period_style", "published_lag_days", "skip_empty", "domain_columns"] {
            assert!(form.body.contains(&format!(r#"name="{name}""#)), "[{b}] {name} on the import page");
        }
        let boundary = "failwell-test-boundary";
        let field = |name: &str, value: &str| {
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
        };
        let later = file.replace("2025,", "2026,").replace(",19.5", ",18.5");
        let body = [
            field("csrf", &csrf),
            field("kind", "observations"),
            field("map", "organisation=new_la_code\nperiod=time_period\nvalue=rate"),
            field("set", &format!("indicator={INDICATOR}\npublished_on=2026-11-01")),
            field("filter", "geographic_level=Local authority"),
            field("period_style", "year-ending-march"),
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dfe-2026.csv\"\r\nContent-Type: text/csv\r\n\r\n{later}\r\n--{boundary}--\r\n"
            ),
        ]
        .concat();
        let ct = format!("multipart/form-data; boundary={boundary}");
        // A lag that is not a number of days is refused, naming the field.
        let bad_lag = [field("csrf", &csrf), field("kind", "observations"), field("published_lag_days", "soon")]
            .concat()
            + &format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\nContent-Type: text/csv\r\n\r\n{later}\r\n--{boundary}--\r\n"
            );
        let refused = post(server.addr, "/imports", &ct, bad_lag, &[("cookie", &analyst)]).await;
        assert_eq!(refused.status, 400, "[{b}] {}", refused.body);
        assert!(refused.body.contains("published_lag_days"), "[{b}] {}", refused.body);
        let page = post(server.addr, "/imports", &ct, body, &[("cookie", &analyst)]).await;
        assert!(
            page.body.contains("Imported dfe-2026.csv:") && page.body.contains("2 new or changed"),
            "[{b}] {}",
            page.body
        );
        let csv = server.get(&format!("/organisations/{FAILING}/charts/{INDICATOR}.csv")).await;
        assert!(csv.body.contains("2025/26,18.5"), "[{b}] {}", csv.body);
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_extends_a_deadline_as_far_as_the_regime_allows_and_no_further() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let store = server.store();
        // A trust in special measures from January 2014: the regime's CQC re-inspection is
        // due within 12 months of entry, extendable once by 6.
        let trust = failwell_test_support::seed::organisation(
            "RR8",
            "A Teaching Hospitals Trust",
            "hospitals",
            "acute_trust",
            Some("North East"),
        );
        let mut s = store.begin_import("organisations", "trust.csv").await.unwrap();
        s.add_organisation(2, &trust).await.unwrap().unwrap();
        s.finish().await.unwrap();
        let case = failwell_domain::casework::NewIntervention {
            organisations: vec![trust.code.clone()],
            sector: "hospitals".into(),
            rung: "special_measures".into(),
            applied_by: "cqc".into(),
            start: date("2014-01-10"),
            planned_end: None,
            report_published: None,
            actors: vec!["I. Director:improvement_director:direct".parse().unwrap()],
            reason: "Inadequate on safe and well-led".into(),
            opened_by: "caseworker".into(),
            decision: None,
        };
        let regime = failwell_domain::regime::Regime::england();
        let id = failwell_engine::casework::open(store, &regime, &case).await.unwrap();
        let path = format!("/interventions/{id}/extend");
        let analyst = session(&server, "analyst").await;
        let page = get_with(server.addr, &format!("/interventions/{id}"), &[("cookie", &analyst)]).await;
        assert!(page.body.contains(&format!("href=\"{path}\"")), "[{b}] the extend link is offered");

        // The page offers the re-inspection with the day it would move to.
        let form = get_with(server.addr, &path, &[("cookie", &analyst)]).await;
        assert_eq!(form.status, 200, "[{b}] {}", form.body);
        assert!(
            form.body.contains("CQC re-inspection (due 2015-01-10, would be due 2015-07-10)"),
            "[{b}] {}",
            form.body
        );
        let obligation = first_option(&form.body, "obligation").expect("an obligation to extend");
        let csrf = hidden(&form.body, "csrf").unwrap();
        let post = |reason: &'static str| {
            let (obligation, csrf, cookie, path) = (obligation.clone(), csrf.clone(), analyst.clone(), path.clone());
            async move {
                let fields = [("csrf", csrf.as_str()), ("obligation", obligation.as_str()), ("reason", reason)];
                post_form(server.addr, &path, &fields, &[("cookie", &cookie)]).await
            }
        };
        assert_eq!(post("  ").await.status, 400, "[{b}] an extension needs its reason");
        let r = post("The trust's new board asked for time to embed the plan").await;
        assert_eq!(r.status, 303, "[{b}] {}", r.body);
        assert_eq!(r.headers["location"], format!("/interventions/{id}#obligations").as_str(), "[{b}]");
        let stored = store.intervention(id).await.unwrap().unwrap();
        let o = stored.obligations.iter().find(|o| o.id.to_string() == obligation).expect("the obligation");
        assert_eq!((o.due.as_str(), o.extensions), ("2015-07-10", 1), "[{b}] moved by six months, once");

        // The one extension is used: neither the link nor a second extension.
        let page = get_with(server.addr, &format!("/interventions/{id}"), &[("cookie", &analyst)]).await;
        assert!(!page.body.contains(&format!("href=\"{path}\"")), "[{b}] nothing left to extend");
        let again = post("Still more time").await;
        assert!(again.status >= 400, "[{b}] a second extension is refused: {}", again.status);
        let audit = store.audit_log(5).await.unwrap();
        assert!(
            audit.iter().any(|e| e.action == "extend deadline" && e.outcome == "done"),
            "[{b}] the extension is in the audit log: {audit:?}"
        );
        server.stop().await;
    }
}
