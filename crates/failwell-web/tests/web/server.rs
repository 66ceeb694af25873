//! The real server over TCP, on each database.

use crate::support::*;
use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_ready_answer_and_every_response_carries_a_request_id() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let health = server.get("/api/v1/health").await;
        assert_eq!((health.status, health.json()["status"].as_str()), (200, Some("ok")), "[{b}]");
        let ready = server.get("/api/v1/ready").await;
        assert_eq!(ready.status, 200, "[{b}] {}", ready.body);
        assert_eq!(ready.json()["status"], "ready", "[{b}]");
        assert_eq!(ready.json()["backend"], b, "[{b}]");
        let id = ready.headers.get("x-request-id").expect("a request id").to_str().unwrap();
        assert_eq!(id.len(), 36, "[{b}] a UUID: {id}");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_filters_by_band_region_and_sector_with_plain_get_forms() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let all = server.get("/").await;
        assert_eq!(all.status, 200, "[{b}] {}", all.body);
        assert!(all.content_type().starts_with("text/html"), "[{b}]");
        assert!(all.body.contains("Showing 3 of 3 organisations"), "[{b}] {}", all.body);
        assert!(all.body.contains(r#"<form method="get" action="/""#), "[{b}] a GET form");
        // The generic header, no crown, no GOV.UK logotype, no CDN.
        assert!(all.body.contains("govuk-generic-header"), "[{b}]");
        for banned in ["govuk-header__logotype", "crown", "https://cdn", "GDS Transport"] {
            assert!(!all.body.contains(banned), "[{b}] {banned}");
        }

        // Middlesbrough's band, from the API; filtering by it keeps it and drops steady Hartlepool.
        let api = server.get(&format!("/api/v1/organisations/{FAILING}")).await.json();
        let band = api["judgement"]["overall_band"].as_str().expect("judged").to_string();
        assert_ne!(band, "low", "[{b}] an Inadequate judgement and a leap in re-referrals: {api}");
        // The API carries the learned score's parts, adding up to its log odds.
        let learned = &api["judgement"]["learned"];
        let parts: f64 = learned["contributions"]
            .as_array()
            .expect("parts")
            .iter()
            .map(|c| c["contribution"].as_f64().unwrap())
            .sum();
        let sum = learned["intercept"].as_f64().unwrap() + parts;
        assert!((sum - learned["log_odds"].as_f64().unwrap()).abs() < 1e-9, "[{b}] {learned}");
        let filtered = server.get(&format!("/?band={band}")).await;
        assert_eq!(filtered.status, 200, "[{b}]");
        assert!(filtered.body.contains("Middlesbrough"), "[{b}]");
        assert!(!filtered.body.contains("Hartlepool"), "[{b}] Hartlepool is low");
        assert!(
            filtered.body.contains(&format!(r#"<option value="{band}" selected>"#)),
            "[{b}] the form keeps the filter"
        );

        let region = server.get("/?region=Yorkshire+and+The+Humber").await;
        assert!(region.body.contains("Showing 1 of 3 organisations"), "[{b}]");
        assert!(region.body.contains("Doncaster") && !region.body.contains(">Middlesbrough<"), "[{b}]");
        // An empty value (a GET form's "Any") is no filter.
        let any = server.get("/?sector=&region=&band=&rung=&as_of=&sort=name").await;
        assert!(any.body.contains("Showing 3 of 3 organisations"), "[{b}]");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organisation_page_shows_identity_rating_age_links_and_signals() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let page = server.get(&format!("/organisations/{FAILING}")).await;
        assert_eq!(page.status, 200, "[{b}] {}", page.body);
        let html = &page.body;
        assert!(html.contains("<h1 class=\"govuk-heading-xl\">Middlesbrough</h1>"), "[{b}]");
        assert!(html.contains("North East"), "[{b}] region");
        // A council judged on its children's services: the page says so, as the overview
        // lists it under that sector.
        let overseen = html.split("Overseen as").nth(1).map(|s| &s[..200.min(s.len())]);
        assert!(
            overseen.is_some_and(|s| s.contains("Children&#39;s services, the sector of its latest judgement")),
            "[{b}] {overseen:?}"
        );
        assert!(html.contains("judged inadequate"), "[{b}] the rating with its age");
        assert!(html.contains("24 January 2020"), "[{b}] published");
        assert!(html.contains("Hartlepool"), "[{b}] the neighbour link");
        assert!(html.contains("Recommended rung"), "[{b}]");
        assert!(html.contains(&format!("/indicators/{INDICATOR}")), "[{b}] the series signal links to its indicator");
        // The built-in regime's learned score for children's services, with every part:
        // its latest judgement was Inadequate.
        assert!(html.contains("Likelihood that the next judgement fails"), "[{b}]");
        let parts = html.split("id=\"learned\"").nth(1).expect("the learned score").split("</details>").next().unwrap();
        assert!(parts.contains("that the next ilacs judgement is failing"), "[{b}] {parts}");
        assert!(
            parts.contains("regime version 2026.7, fitted on 75 failing and 219 sound judgements"),
            "[{b}] {parts}"
        );
        assert!(
            parts.contains("<th scope=\"row\" class=\"govuk-table__header\">previous_inadequate</th>"),
            "[{b}] {parts}"
        );
        assert!(parts.contains(">Log odds</th>"), "[{b}] the sum");

        // The SPC chart of its indicator, drawn on the server: the leap is an orange concern.
        let chart =
            html.split(r#"<svg class="fw-chart""#).nth(1).expect("an SPC chart").split("</svg>").next().unwrap();
        assert!(chart.contains(r#"role="img""#) && chart.contains("<desc"), "[{b}] {chart}");
        assert!(
            chart.contains(r##"fill="#e46c0a" data-point-type="concern"><title>2023/24: 45</title>"##),
            "[{b}] {chart}"
        );
        assert!(html.contains("Special cause of concern: high values"), "[{b}] the variation icon in words");
        assert!(
            html.contains("<th scope=\"row\" class=\"govuk-table__header\">2023/24</th>"),
            "[{b}] the table beside it"
        );
        // Its indicator page, and an unknown indicator.
        let indicator = server.get(&format!("/indicators/{INDICATOR}")).await;
        assert_eq!(indicator.status, 200, "[{b}]");
        assert!(
            indicator.body.contains("Middlesbrough") && indicator.body.contains("Which way is better"),
            "[{b}] {}",
            indicator.body
        );
        assert_eq!(server.get("/indicators/no_such_indicator").await.status, 404, "[{b}]");

        // As known on a day before the inspection was published: no rating, and the banner says so.
        let before = server.get(&format!("/organisations/{FAILING}?as_of=2019-12-31")).await;
        assert_eq!(before.status, 200, "[{b}] {}", before.body);
        assert!(before.body.contains("As known on 31 December 2019"), "[{b}]");
        assert!(!before.body.contains("judged inadequate"), "[{b}] not yet published");
        // Its chart is drawn from the figures known that day: seven years, not the leap of 2023/24.
        assert!(before.body.contains("<svg class=\"fw-chart\""), "[{b}] charted as of the day");
        let csv = server.get(&format!("/organisations/{FAILING}/charts/{INDICATOR}.csv?as_of=2019-12-31")).await;
        assert_eq!(csv.status, 200, "[{b}]");
        let periods: Vec<&str> = csv.body.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
        assert_eq!(periods.len(), 7, "[{b}] {}", csv.body);
        assert_eq!((periods[0], periods[6]), ("2012/13", "2018/19"), "[{b}]");
        let now = server.get(&format!("/organisations/{FAILING}/charts/{INDICATOR}.csv")).await;
        assert_eq!(now.body.lines().count(), 13, "[{b}] all twelve years today");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_codes_are_404s_and_bad_parameters_400s_naming_the_parameter() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let page = server.get("/organisations/E99999999").await;
        assert_eq!(page.status, 404, "[{b}]");
        assert!(page.content_type().starts_with("text/html"), "[{b}]");
        assert!(page.body.contains("Page not found") && page.body.contains("govuk-generic-header"), "[{b}]");
        let nowhere = server.get("/no/such/page").await;
        assert_eq!(nowhere.status, 404, "[{b}]");

        let api = server.get("/api/v1/organisations/E99999999").await;
        assert_eq!(api.status, 404, "[{b}]");
        assert_eq!(api.content_type(), "application/problem+json", "[{b}]");
        let problem = api.json();
        assert_eq!((problem["status"].as_u64(), problem["type"].as_str()), (Some(404), Some("about:blank")), "[{b}]");
        assert!(problem["detail"].as_str().unwrap().contains("E99999999"), "[{b}] {problem}");
        assert_eq!(server.get("/api/v1/nothing").await.status, 404, "[{b}]");
        // An intervention number that is not a number names none: the same 404, in the
        // service's own page or problem details, not the framework's plain text.
        let page = server.get("/interventions/abc").await;
        assert_eq!(page.status, 404, "[{b}] {}", page.body);
        assert!(page.body.contains("govuk-generic-header"), "[{b}] {}", page.body);
        let api = server.get("/api/v1/interventions/abc/moves").await;
        assert_eq!((api.status, api.content_type()), (404, "application/problem+json"), "[{b}] {}", api.body);
        assert!(api.json()["detail"].as_str().unwrap().contains("\"abc\""), "[{b}] {}", api.body);

        for (query, parameter) in [
            ("band=awful", "band"),
            ("as_of=2024-13-01", "as_of"),
            ("sector=space", "sector"),
            ("rung=throne", "rung"),
            ("sort=colour", "sort"),
            ("limit=0", "limit"),
            ("offset=minus", "offset"),
        ] {
            let api = server.get(&format!("/api/v1/organisations?{query}")).await;
            assert_eq!(api.status, 400, "[{b}] {query}");
            assert_eq!(api.content_type(), "application/problem+json", "[{b}]");
            assert_eq!(api.json()["parameter"], parameter, "[{b}] {query}: {}", api.body);
            assert!(api.json()["detail"].as_str().unwrap().contains(parameter), "[{b}] {}", api.body);
        }
        let page = server.get("/?band=awful").await;
        assert_eq!(page.status, 400, "[{b}]");
        assert!(page.body.contains("parameter band"), "[{b}] the page says which parameter");
        for (query, says) in [("page=0", "numbered from 1"), ("page=2", "only 1 page"), ("page=two", "whole number")] {
            let paged = server.get(&format!("/?{query}")).await;
            assert_eq!(paged.status, 400, "[{b}] {query}");
            assert!(
                paged.body.contains("parameter page") && paged.body.contains(says),
                "[{b}] {query}: {}",
                paged.body
            );
        }
        assert!(!server.get("/").await.body.contains("govuk-pagination"), "[{b}] three organisations fit on one page");
        // Nothing internal leaks.
        for body in [&page.body, &api.body] {
            assert!(!body.contains("sqlx") && !body.contains("panicked"), "[{b}]");
        }
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_pages_in_a_stable_order() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let whole = server.get("/api/v1/organisations?sort=name").await.json();
        let names: Vec<&str> =
            whole["organisations"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Doncaster", "Hartlepool", "Middlesbrough"], "[{b}]");
        let mut paged = Vec::new();
        let mut next = Some("/api/v1/organisations?sort=name&limit=2".to_string());
        while let Some(url) = next {
            let page = server.get(&url).await.json();
            assert_eq!(page["matched"], 3, "[{b}]");
            paged.extend(
                page["organisations"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap().to_string()),
            );
            next = page["next"].as_str().map(str::to_string);
        }
        assert_eq!(paged, names, "[{b}] the pages together are the whole list, once each");
        let region = &whole["organisations"][0]["region"];
        assert_eq!(region, "Yorkshire and The Humber", "[{b}]");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_exactly_the_routes_the_router_serves() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let doc = server.get("/api/v1/openapi.json").await;
        assert_eq!(doc.status, 200, "[{b}]");
        let doc = doc.json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "[{b}]");
        // The one way to authenticate is declared, optional document-wide (the public
        // reads published judgements without it), so generated clients can send it.
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer", "[{b}]");
        assert_eq!(doc["security"], serde_json::json!([{ "bearer": [] }, {}]), "[{b}]");
        // Paging parameters are documented as the integers they must be.
        let params = doc["paths"]["/api/v1/organisations"]["get"]["parameters"].as_array().unwrap();
        for name in ["limit", "offset"] {
            let p = params.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("[{b}] {name}"));
            assert_eq!(p["schema"]["type"], "integer", "[{b}] {p}");
        }
        let documented: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
        let served: BTreeSet<String> = failwell_web::api_paths().into_iter().collect();
        assert_eq!(documented, served, "[{b}] documented and served routes differ");
        // And every documented read answers (none falls through to the API's 404); a
        // route documented for writes only is not found for reads, not missing.
        let mut refused = 0;
        for path in &documented {
            let url = path.replace("{code}", FAILING).replace("{id}", "1");
            let r = server.get_as("administrator", &url).await;
            if doc["paths"][path].get("get").is_none() {
                assert_eq!(r.status, 405, "[{b}] {url} takes writes only");
                continue;
            }
            assert_eq!(r.status, 200, "[{b}] {url}: {}", r.body);
            assert!(r.content_type().starts_with("application/json"), "[{b}] {url}");
            // Asked with no account, a route that needs one answers what the document
            // says: 401, as problem details.
            let open = ["/api/v1/health", "/api/v1/ready", "/api/v1/openapi.json"].contains(&path.as_str());
            let anonymous = get(server.addr, &url).await;
            if !open && anonymous.status == 401 {
                let said = &doc["paths"][path]["get"]["responses"]["401"]["content"];
                assert!(said.get("application/problem+json").is_some(), "[{b}] {path} documents its 401: {said}");
                assert_eq!(anonymous.content_type(), "application/problem+json", "[{b}] {url}");
                refused += 1;
            }
        }
        assert!(refused >= 5, "[{b}] the reads that need an account were asked anonymously: {refused}");
        // No error is documented as plain JSON: the service sends problem details.
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, response) in op["responses"].as_object().unwrap() {
                    if status.starts_with('4') || status.starts_with('5') {
                        assert!(
                            response["content"].get("application/json").is_none(),
                            "[{b}] {method} {path} {status} says application/json"
                        );
                    }
                }
            }
        }
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stylesheet_is_served_from_the_binary_without_gds_transport() {
    for db in databases().await.into_iter().take(1) {
        let server = serve(&db).await;
        let css = server.get("/static/govuk/failwell.css").await;
        assert_eq!(css.status, 200);
        assert!(css.content_type().starts_with("text/css"));
        assert!(css.body.contains("arial") && !css.body.contains("GDS Transport"));
        assert_eq!(server.get("/static/VENDORED.md").await.status, 404, "only served kinds of file");
        assert_eq!(server.get("/static/govuk/nothing.css").await.status, 404);
        server.stop().await;
    }
}

#[tokio::test]
async fn every_chart_downloads_as_csv_with_exactly_the_table_values() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let page = server.get(&format!("/organisations/{FAILING}")).await;
        let href = format!("/organisations/{FAILING}/charts/{INDICATOR}.csv");
        assert!(page.body.contains(&format!("href=\"{href}\"")), "[{b}] the page links its CSV");
        let csv = server.get(&href).await;
        assert_eq!(csv.status, 200, "[{b}] {}", csv.body);
        assert_eq!(csv.content_type(), "text/csv; charset=utf-8", "[{b}]");
        assert!(
            csv.headers["content-disposition"].to_str().unwrap().contains(&format!("{FAILING}-{INDICATOR}.csv")),
            "[{b}]"
        );
        let lines: Vec<&str> = csv.body.lines().collect();
        assert_eq!(lines[0], "Period,Value,Mean,Lower limit,Upper limit,Point", "[{b}]");
        assert_eq!(lines.len(), 13, "[{b}] twelve annual figures: {}", csv.body);
        // The leap to 45 in the latest year, a special cause of concern, as the table says.
        assert!(lines[12].starts_with("2023/24,45,") && lines[12].ends_with(",concern"), "[{b}] {}", lines[12]);
        // Every row of the CSV is a row of the page's table, cell for cell.
        for line in &lines[1..] {
            let period = line.split(',').next().unwrap();
            assert!(page.body.contains(period), "[{b}] {period} in the page's table");
        }
        for missing in [
            format!("/organisations/{FAILING}/charts/no_such_indicator.csv"),
            format!("/organisations/{FAILING}/charts/{INDICATOR}.xlsx"),
            format!("/organisations/E99999999/charts/{INDICATOR}.csv"),
        ] {
            assert_eq!(server.get(&missing).await.status, 404, "[{b}] {missing}");
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn reads_carry_an_etag_and_a_matching_if_none_match_is_a_304() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        for path in ["/", &format!("/organisations/{FAILING}"), "/api/v1/organisations", "/api/v1/openapi.json"] {
            let first = server.get(path).await;
            assert_eq!(first.status, 200, "[{b}] {path}");
            let tag = first.headers.get("etag").expect("an ETag").to_str().unwrap().to_string();
            assert!(tag.starts_with("\"fw-") && tag.ends_with('"'), "[{b}] {tag}");
            let again = server.get(path).await;
            assert_eq!(again.headers["etag"].to_str().unwrap(), tag, "[{b}] {path}: the same answer, the same tag");
            let cached = server.get_with(path, &[("if-none-match", &tag)]).await;
            assert_eq!(cached.status, 304, "[{b}] {path}");
            assert!(cached.body.is_empty(), "[{b}] a 304 has no body");
            let stale = server.get_with(path, &[("if-none-match", "\"fw-0000000000000000\"")]).await;
            assert_eq!(stale.status, 200, "[{b}] {path}");
            assert_eq!(stale.body, first.body, "[{b}] {path}");
        }
        // Errors carry no ETag: only successful reads are validated.
        let missing = server.get("/organisations/E99999999").await;
        assert_eq!(missing.status, 404);
        assert!(missing.headers.get("etag").is_none(), "[{b}]");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn casework_pages_and_api_show_the_case_its_obligations_and_the_journey() {
    for db in databases().await {
        let server = serve(&db).await;
        let b = server.backend;
        let list = server.get("/interventions").await;
        assert_eq!(list.status, 200, "[{b}] {}", list.body);
        assert!(list.body.contains("href=\"/interventions/1\"") && list.body.contains("Statutory direction"), "[{b}]");

        // The action plan is due 70 days after the report (3 April 2020): due soon on 25 March.
        let page = server.get("/interventions/1?today=2020-03-25").await;
        assert_eq!(page.status, 200, "[{b}] {}", page.body);
        let html = &page.body;
        assert!(html.contains("<h1 class=\"govuk-heading-xl\">Intervention 1</h1>"), "[{b}]");
        assert!(html.contains("C. Chair") && html.contains("board chair"), "[{b}] the people");
        assert!(html.contains("2020-04-03") && html.contains("Action plan sent to Ofsted"), "[{b}]");
        assert!(html.contains("govuk-tag--yellow\">due soon"), "[{b}] {html}");
        assert!(html.contains("Statutory"), "[{b}] the legal basis");
        // The plan with its action's status, the criteria with their reasons, readiness.
        assert!(html.contains("Review every re-referral") && html.contains("No update yet"), "[{b}]");
        assert!(html.contains("Not ready to exit: outcome criteria met 0 of 1"), "[{b}] {html}");
        assert!(
            html.contains("judged inadequate") || html.contains("Latest: judged Inadequate"),
            "[{b}] why the rating criterion is unmet"
        );
        let review: serde_json::Value =
            serde_json::from_str(&server.get("/api/v1/interventions/1/review?today=2025-01-01").await.body).unwrap();
        assert_eq!(review["exit_ready"], false, "[{b}] {review}");
        let indicator =
            review["criteria"].as_array().unwrap().iter().find(|c| c["rule"]["kind"] == "indicator").unwrap();
        assert_eq!(indicator["verdict"]["state"], "not_met", "[{b}] 45 in 2023/24 is over 18: {indicator}");
        assert_eq!(review["actions"][0]["rag"], "red", "[{b}] overdue since September 2020");

        let json = server.get("/api/v1/interventions/1?today=2020-04-10").await;
        assert_eq!(json.status, 200, "[{b}]");
        let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        assert_eq!(v["rung"], "statutory_direction");
        assert_eq!(v["obligations"][0]["status"], "overdue", "[{b}] {v}");
        assert_eq!(v["obligations"][1]["status"], "due_soon", "[{b}] the first monitoring visit, 24 April: {v}");
        let list: serde_json::Value =
            serde_json::from_str(&server.get("/api/v1/interventions?organisation=E08000017").await.body).unwrap();
        assert_eq!(list.as_array().map(Vec::len), Some(0), "[{b}] filtered by organisation");

        // The board pack: decisions first, then the plan, the clocks, the watched chart.
        let pack = server.get("/interventions/1/pack?today=2020-04-10").await;
        assert_eq!(pack.status, 200, "[{b}] {}", pack.body);
        assert!(pack.body.contains("Decisions to take"), "[{b}]");
        assert!(pack.body.contains("Overdue since 2020-04-03: Action plan sent to Ofsted"), "[{b}] {}", pack.body);
        assert!(pack.body.contains("Review every re-referral"), "[{b}] the plan");
        assert!(pack.body.contains(r#"<svg class="fw-chart""#), "[{b}] the criterion's indicator charted");
        assert!(pack.body.contains("<title>Target: 18</title>"), "[{b}] with the criterion's target");
        assert!(pack.body.contains("(target 18, from criterion "), "[{b}] and its assurance icon");
        assert!(pack.body.contains("/static/print.css"), "[{b}] printable");

        // The library of lessons, and the whole timeline of an organisation.
        let lessons = server.get("/lessons").await;
        assert_eq!(lessons.status, 200, "[{b}]");
        assert!(
            lessons.body.contains("Peers who had turned round their own front door")
                && lessons.body.contains("capability"),
            "[{b}] {}",
            lessons.body
        );
        assert!(lessons.body.contains("2018-01-15 to 2018-11-30 (10 months)"), "[{b}] {}", lessons.body);
        let hartlepool = server.get(&format!("/organisations/{STEADY}")).await;
        assert!(hartlepool.body.contains("The whole timeline"), "[{b}]");
        assert!(hartlepool.body.contains("Intervention 2 opened on peer_review by lga"), "[{b}] {}", hartlepool.body);
        assert!(hartlepool.body.contains("Intervention 2 closed (capability exit)"), "[{b}]");

        // My work: the person's due items; an unknown person is a 400 naming the parameter.
        let work = server.get("/my-work?person=C.+Chair&today=2020-03-25").await;
        assert_eq!(work.status, 200, "[{b}] {}", work.body);
        assert!(work.body.contains("Due for C. Chair") && work.body.contains("Action plan sent to Ofsted"), "[{b}]");
        assert!(!work.body.contains("Ofsted monitoring visits 2"), "[{b}] not yet due");
        let unknown = server.get("/my-work?person=Nobody").await;
        assert_eq!(unknown.status, 400, "[{b}]");
        assert!(unknown.body.contains("Nobody"), "[{b}]");
        assert_eq!(server.get("/interventions/999").await.status, 404, "[{b}]");
        assert_eq!(server.get("/interventions/1?today=tomorrow").await.status, 400, "[{b}]");

        // The organisation page lists the case and the journey: the failing judgement and
        // the case are one open spell.
        let org = server.get(&format!("/organisations/{FAILING}")).await;
        assert!(
            org.body.contains("Journey through intervention")
                && org.body.contains("1 spell in intervention, 0 relapses"),
            "[{b}] {}",
            org.body
        );
        let journey: serde_json::Value =
            serde_json::from_str(&server.get(&format!("/api/v1/organisations/{FAILING}/journey")).await.body).unwrap();
        assert_eq!(journey["episodes"][0]["start"], "2020-01-24", "[{b}] {journey}");
        assert_eq!(journey["relapses"], 0);
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_regime_page_reads_the_ladders_clocks_and_rules_in_words_to_everyone() {
    let db = databases().await.into_iter().next().expect("SQLite");
    let server = serve(&db).await;
    let page = server.get_as("public", "/regime").await;
    assert_eq!(page.status, 200);
    for words in [
        "Children&#39;s services",
        "Statutory direction",
        "By agreement",
        "extendable once by 6 months",
        "of the report&#39;s publication",
        "Trigger rules",
        "Failure types",
        "No deadlines",
    ] {
        assert!(page.body.contains(words), "{words} on the regime page");
    }
    assert!(!page.body.contains(">None<"), "no bare None for a rung without clocks");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_indicator_page_draws_a_funnel_of_a_period_and_lists_its_outliers() {
    use failwell_domain::{Code, Indicator, Observation, Organisation, Slug};
    let db = databases().await.into_iter().next().expect("SQLite");
    let store = failwell_store::Store::open(&db.url).await.unwrap();
    load(&store).await;
    // Six more councils and a proportion with numerators and denominators: five near
    // 10%, one at 30%, in 2023/24; too few to fit in 2022/23.
    let codes: Vec<String> = (10..16).map(|i| format!("E060000{i}")).collect();
    let mut s = store.begin_import("organisations", "more.csv").await.unwrap();
    for (i, code) in codes.iter().enumerate() {
        let org = Organisation {
            code: Code::new(code).unwrap(),
            name: format!("Council {i}"),
            sector: Slug::new("local_government").unwrap(),
            org_type: Slug::new("upper_tier_council").unwrap(),
            region: Some("North East".into()),
            opened_on: None,
            closed_on: None,
            source: "test".into(),
            learned_on: None,
        };
        s.add_organisation(i as u64 + 2, &org).await.unwrap().unwrap();
    }
    s.finish().await.unwrap();
    let indicator = Indicator {
        code: Slug::new("repeat_plans_pct").unwrap(),
        title: "Repeat child protection plans".into(),
        unit: "proportion".into(),
        polarity: "higher_is_worse".parse().unwrap(),
        kind: "outcome".parse().unwrap(),
        failure_types: vec!["performance".parse().unwrap()],
        method: "funnel".parse().unwrap(),
        counts: "numerator_denominator".parse().unwrap(),
        denominator: None,
        definition: "Plans starting within two years of a previous one".into(),
        definition_version: "1".into(),
        valid_from: None,
        source: "test".into(),
        learned_on: None,
    };
    let mut s = store.begin_import("indicators", "funnel.csv").await.unwrap();
    s.add_indicator(2, &indicator).await.unwrap().unwrap();
    s.finish().await.unwrap();
    let mut s = store.begin_import("observations", "funnel-obs.csv").await.unwrap();
    for (i, code) in codes.iter().enumerate() {
        let x = if i == 5 { 300.0 } else { 98.0 + i as f64 };
        for (period, numerator) in [("2023/24", x), ("2022/23", 100.0)] {
            if period == "2022/23" && i > 2 {
                continue;
            }
            let obs = Observation {
                organisation: Code::new(code).unwrap(),
                indicator: Slug::new("repeat_plans_pct").unwrap(),
                period: period.parse().unwrap(),
                value: Some(numerator / 1000.0),
                suppression: None,
                numerator: Some(numerator),
                denominator: Some(1000.0),
                expected: None,
                published_on: None,
                source: "test".into(),
            };
            s.add_observation(i as u64 * 2 + 2, obs).await.unwrap().unwrap();
        }
    }
    s.finish().await.unwrap();
    store.close().await;

    let server = serve_loaded(&db).await;
    let page = server.get_as("public", "/indicators/repeat_plans_pct").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Funnel plot, 2023/24"), "the latest period with enough figures");
    assert!(page.body.contains("6 organisations published both figures for 2023/24"));
    assert!(page.body.contains("Outside the 95% limits in 2023/24"), "an outlier table");
    assert!(page.body.contains("Council 5") && page.body.contains("above the 99.8% limit (worse)"));
    assert!(page.body.contains("role=\"img\""), "the figure is labelled");
    let bad = server.get_as("public", "/indicators/repeat_plans_pct?period=2022/23").await;
    assert_eq!(bad.status, 400, "too few figures in 2022/23 for a funnel");
    assert!(bad.body.contains("parameter period"));
    let spc = server.get_as("public", "/indicators/rereferrals_within_12m_pct").await;
    assert!(!spc.body.contains("id=\"funnel\""), "no funnel for an indicator without counts");
    server.stop().await;
}

/// The link of the page's own section, the one marked current in the navigation (None if none is).
fn current_section(body: &str) -> Option<String> {
    let marked: Vec<&str> = body.split(r#"aria-current="page""#).collect();
    assert!(marked.len() <= 2, "at most one link is current: {body}");
    let before = marked.first().filter(|_| marked.len() == 2)?;
    let href = before.rsplit("href=\"").next()?;
    Some(href[..href.find('"')?].to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_navigation_marks_the_section_a_page_belongs_to() {
    let db = databases().await.into_iter().next().expect("SQLite at least");
    let server = serve(&db).await;
    for (path, section) in [
        ("/", Some("/")),
        (&*format!("/organisations/{FAILING}"), Some("/")),
        ("/regime", Some("/regime")),
        ("/sign-in", None),
    ] {
        let page = server.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert_eq!(current_section(&page.body).as_deref(), section, "{path}");
        // Every section stays a link, the current one too (it reads as the page's place).
        assert_eq!(page.body.matches("govuk-service-navigation__link").count(), 8, "{path}");
    }
    server.stop().await;
}
