//! The pages in a real browser: Debian's Chromium driven by playwright-core
//! (`tests/browser/check.mjs`), signed in as an administrator (and as the public for the
//! `anon:` pages), with JavaScript off, every page checked by axe-core (WCAG 2.2 A and AA)
//! and screenshotted, then loaded again with JavaScript on (no script error, GOV.UK
//! Frontend started); the overview's filter form and the decision form submitted.
//!
//! Runs when `FAILWELL_TEST_BROWSER` is set (`.ci/run` installs Chromium and the npm
//! packages and sets it), as the PostgreSQL tests run when their URL is set; otherwise it
//! says it was skipped. Screenshots go to `target/browser-screenshots/`.

use crate::support::*;
use std::path::PathBuf;
use std::process::Command;

const PAGES: &[&str] = &[
    "/",
    "/?band=severe&sector=local_government",
    "/organisations/E06000002",
    "/organisations/E06000002?as_of=2019-12-31",
    "/organisations/E06000001",
    "/indicators/rereferrals_within_12m_pct",
    "/scans",
    "/decisions",
    "/interventions",
    "/interventions/1?today=2020-03-25",
    "/interventions/1/pack?today=2020-04-10",
    "/interventions/1/step",
    "/interventions/1/people",
    "/interventions/1/people-left",
    "/interventions/1/themes",
    "/interventions/1/actions",
    "/interventions/1/criteria",
    "/interventions/1/close",
    "/organisations/E08000017/interventions/new",
    "/imports",
    "/my-work",
    "/lessons",
    "/my-work?person=C.+Chair&today=2020-03-25",
    "/account",
    "/admin/audit",
    "/admin/reminders",
    "/admin/accounts",
    "/admin/accounts/provider",
    "anon:/",
    "anon:/sign-in",
    "anon:/regime",
    "anon:/organisations/E06000002",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_works_without_javascript_and_passes_axe_in_chromium() {
    if std::env::var("FAILWELL_TEST_BROWSER").map_or(true, |v| v.is_empty()) {
        eprintln!("browser tests skipped: FAILWELL_TEST_BROWSER is not set (see .ci/run)");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "run `npm ci --prefix {}` first (FAILWELL_TEST_BROWSER is set)",
        dir.display()
    );
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../browser-screenshots");
    let db = databases().await.into_iter().next().expect("SQLite");
    let running = serve(&db).await;
    // A recorded scan, so that the organisation page offers its recommendation to decide on.
    let text = failwell_domain::regime::ENGLAND;
    let regime = failwell_domain::regime::Regime::from_toml_str(text).unwrap();
    let rules = failwell_engine::RuleBook::compile(&regime, Some(text)).unwrap();
    let options = failwell_engine::ScanOptions { record: true, ..Default::default() };
    failwell_engine::scan(running.store(), &regime, &rules, &options).await.unwrap();
    let base = format!("http://{}", running.addr);
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("check.mjs")).arg(&base).arg(&shots).args(PAGES).current_dir(&dir);
    cmd.env("FAILWELL_USER", "administrator")
        .env("FAILWELL_PASSWORD", PASSWORD)
        .env("FAILWELL_DECIDE", format!("/organisations/{FAILING}"));
    // The browser runs while the server answers it on this runtime's threads.
    let out = tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().expect("node runs");
    running.stop().await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reports: Vec<serde_json::Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert_eq!(
        reports.len(),
        PAGES.len() + 2,
        "a report per page, the filter form and the decision form:\n{stdout}\n{stderr}"
    );
    for r in &reports {
        assert_eq!(r["problems"].as_array().map(Vec::len), Some(0), "{}: {}\n{stderr}", r["path"], r["problems"]);
    }
    for r in reports.iter().take(PAGES.len()) {
        assert!(r["axe_passes"].as_u64().is_some_and(|n| n > 10), "axe checked {}: {}", r["path"], r["axe_passes"]);
    }
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(shots.join("overview.png").exists(), "screenshots kept in {}", shots.display());
}
