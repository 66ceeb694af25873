//! Defects found by trying failwell as a new user would (issue 15, item 5): Windows line
//! endings, a closed pipe, an empty file, the import's counts, the unknown organisation's
//! column, and negative zero in JSON.

use crate::scan::load;
use crate::support::*;
use std::process::Stdio;

const ORGS: &str = "code,name,sector,org_type,region,opened_on,closed_on,source,learned_on
E08000017,Doncaster,local_government,metropolitan_district,Yorkshire and The Humber,,,test,2010-01-01
E10000032,West Sussex,local_government,county_council,South East,,,test,2010-01-01
";

const INDICATORS: &str = "code,title,unit,polarity,kind,failure_types,method,counts,definition,definition_version,valid_from,source,learned_on
rereferrals_pct,Re-referrals within 12 months,%,higher_is_worse,outcome,performance,spc,none,Share of referrals that are re-referrals,1,2013-04-01,test,
";

/// Imports `text` as `kind` from a file `name`: refused with exit code 1; its standard error.
fn refused_import(store: &TestStore, kind: &str, name: &str, text: &str) -> String {
    let (_d, path) = file(name, text);
    let out = run(store, &["import", kind, path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "[{}] {err}", store.backend);
    err
}

fn load_registry(store: &TestStore) -> Vec<tempfile::TempDir> {
    let (d1, orgs) = file("orgs.csv", ORGS);
    let (d2, inds) = file("indicators.csv", INDICATORS);
    ok(store, &["import", "organisations", orgs.to_str().unwrap()]);
    ok(store, &["import", "indicators", inds.to_str().unwrap()]);
    vec![d1, d2]
}

#[test]
fn a_crlf_file_names_the_true_line_of_a_bad_value() {
    for store in stores() {
        let _keep = load_registry(&store);
        let mut csv = String::from("organisation,indicator,period,value\r\n");
        for year in 2020..2024 {
            csv.push_str(&format!("E08000017,rereferrals_pct,{year},2{}.5\r\n", year % 10));
        }
        csv.push_str("E08000017,rereferrals_pct,2024,twelve\r\n"); // line 6
        csv.push_str("E99999999,rereferrals_pct,2025,25.5\r\n"); // line 7
        let (_d, path) = file("obs.csv", &csv);
        let out = run(&store, &["import", "observations", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "[{}] {err}", store.backend);
        assert!(err.contains("obs.csv:6:4 (value)"), "[{}] the bad value is on line 6: {err}", store.backend);
        assert!(err.contains("obs.csv:7:1 (organisation)"), "[{}] the unknown code is on line 7: {err}", store.backend);
    }
}

#[test]
fn a_release_day_in_the_future_is_refused_naming_its_place() {
    for store in stores() {
        let b = store.backend;
        let _keep = load_registry(&store);
        let refused = |kind: &str, name: &str, text: &str| refused_import(&store, kind, name, text);
        // A scan of "now" is as of the latest release: a day in the future would move it there.
        let err = refused(
            "observations",
            "obs.csv",
            "organisation,indicator,period,value,published_on\nE08000017,rereferrals_pct,2024,25.5,2025-01-01\nE08000017,rereferrals_pct,2025,26.5,2031-01-01\n",
        );
        assert!(
            err.contains("obs.csv:3:5 (published_on)") && err.contains("published_on 2031-01-01 is after today"),
            "[{b}] {err}"
        );
        let err = refused(
            "inspections",
            "ins.csv",
            "organisation,regulator,framework,inspected_on,published_on,overall,scale_version,domains,source\nE08000017,ofsted,ilacs,2030-11-01,2030-12-15,good,ofsted_ilacs_2018,,test\n",
        );
        assert!(
            err.contains("ins.csv:2:5 (published_on)") && err.contains("nothing can be known before it happens"),
            "[{b}] {err}"
        );
        // An event with no release day is known when it happens: not in the future either.
        let err = refused(
            "events",
            "events.csv",
            "organisation,event_type,occurred_on,ended_on,published_on,actor,title,detail,failure_types,source\nE08000017,improvement_notice,2031-01-01,,,dfe,Notice,,performance,test\n",
        );
        assert!(
            err.contains("events.csv:2:3 (occurred_on)") && err.contains("2031-01-01 is after today"),
            "[{b}] {err}"
        );
        // Nothing of either was kept.
        assert!(ok(&store, &["export", "observations"]).lines().count() <= 1, "[{b}]");
    }
}

#[test]
fn a_period_not_yet_begun_and_a_grade_no_scale_has_are_refused_naming_their_place() {
    for store in stores() {
        let b = store.backend;
        let _keep = load_registry(&store);
        let refused = |kind: &str, name: &str, text: &str| refused_import(&store, kind, name, text);
        // A figure for 2030 would become the latest period and the scan's "now".
        let err = refused(
            "observations",
            "obs.csv",
            "organisation,indicator,period,value\nE08000017,rereferrals_pct,2024,25.5\nE08000017,rereferrals_pct,2030,26.5\n",
        );
        assert!(err.contains("obs.csv:3:3 (period)") && err.contains("period 2030 has not begun"), "[{b}] {err}");
        // A misspelt Inadequate would take a failing judgement's place unread.
        let header =
            "organisation,regulator,framework,inspected_on,published_on,overall,scale_version,domains,source\n";
        let err = refused(
            "inspections",
            "ins.csv",
            &format!(
                "{header}E08000017,ofsted,ilacs,2024-11-01,2024-12-15,good,ofsted_ilacs_2018,,test\nE08000017,ofsted,ilacs,2025-05-01,2025-06-10,Inadequte,ofsted_ilacs_2018,,test\n"
            ),
        );
        assert!(
            err.contains("ins.csv:3:6 (overall)")
                && err.contains("unknown grade \"inadequte\"")
                && err.contains("inadequate"),
            "[{b}] {err}"
        );
        assert_eq!(err.matches("error:").count(), 1, "[{b}] the good row is not refused: {err}");
        // Spelt right, the same file goes in.
        let (_d, path) = file(
            "ins.csv",
            &format!("{header}E08000017,ofsted,ilacs,2025-05-01,2025-06-10,Inadequate,ofsted_ilacs_2018,,test\n"),
        );
        ok(&store, &["import", "inspections", path.to_str().unwrap()]);
    }
}

/// Runs failwell with standard output a pipe whose reader has already gone, as under
/// `failwell … | head` once `head` has its lines; returns the exit code and standard error.
fn into_closed_pipe(store: &TestStore, args: &[&str]) -> (Option<i32>, String) {
    // The read end is closed before failwell starts, so its first write meets EPIPE
    // whatever the timing.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = failwell()
        .arg("--database")
        .arg(&store.url)
        .args(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("failwell runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_closed_pipe_ends_every_writing_command_quietly_with_success() {
    let spc = "month,value\n2024-01,5\n2024-02,6\n2024-03,5\n2024-04,7\n2024-05,6\n2024-06,5\n";
    let funnel = "org,num,den\na,10,100\nb,12,90\nc,30,110\n";
    let cusum = "case,died,risk\n1,0,0.1\n2,1,0.2\n3,0,0.1\n";
    let (_d1, spc) = file("spc.csv", spc);
    let (_d2, funnel) = file("funnel.csv", funnel);
    let (_d3, cusum) = file("cusum.csv", cusum);
    for store in stores() {
        let _keep = load(&store);
        ok(&store, &["scan"]);
        let commands: Vec<Vec<&str>> = vec![
            vec!["export", "observations"],
            vec!["export", "organisations", "--format", "jsonl"],
            vec!["scan", "--format", "json"],
            vec!["scan", "--format", "text", "--no-record"],
            vec!["decisions"],
            vec!["decisions", "--format", "json"],
            vec!["status"],
            vec!["regime", "list"],
            vec!["spc", spc.to_str().unwrap(), "--value", "value", "--date", "month"],
            vec!["funnel", funnel.to_str().unwrap(), "--unit", "org", "--numerator", "num", "--denominator", "den"],
            vec!["cusum", cusum.to_str().unwrap(), "--outcome", "died", "--probability", "risk", "--threshold", "2"],
        ];
        for args in commands {
            // Guard: the command writes something, so the closed pipe is met.
            let written = ok(&store, &args);
            assert!(!written.is_empty(), "[{}] failwell {args:?} writes to standard output", store.backend);
            let (code, err) = into_closed_pipe(&store, &args);
            assert_eq!(code, Some(0), "[{}] failwell {args:?} into a closed pipe: {err}", store.backend);
            assert!(err.is_empty(), "[{}] failwell {args:?} says nothing: {err}", store.backend);
        }
    }
}

#[test]
fn a_closed_pipe_ends_an_export_larger_than_any_buffer_quietly() {
    // 2,000 rows (about 80 kB): the closed pipe is met while rows are written, not only
    // when the writer is flushed at the end, where the small exports above meet it.
    let mut csv = String::from("organisation,indicator,period,value\n");
    for month in 0..2000 {
        csv.push_str(&format!(
            "E08000017,rereferrals_pct,{}-{:02},{}.5\n",
            1850 + month / 12,
            month % 12 + 1,
            month % 40
        ));
    }
    let (_d, path) = file("obs.csv", &csv);
    for store in stores() {
        let _keep = load_registry(&store);
        ok(&store, &["import", "observations", path.to_str().unwrap()]);
        for args in [vec!["export", "observations"], vec!["export", "observations", "--format", "jsonl"]] {
            // Guard: larger than the CSV writer's buffer (8 kB) and the pipe's (64 kB).
            assert!(ok(&store, &args).len() > 70_000, "[{}] {args:?}", store.backend);
            let (code, err) = into_closed_pipe(&store, &args);
            assert_eq!(code, Some(0), "[{}] failwell {args:?} into a closed pipe: {err}", store.backend);
            assert!(err.is_empty(), "[{}] failwell {args:?} says nothing: {err}", store.backend);
        }
    }
}

#[test]
fn an_empty_file_is_an_error_naming_it() {
    for store in stores() {
        let _keep = load_registry(&store);
        let (_d, path) = file("empty.csv", "");
        let out = run(&store, &["import", "observations", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "[{}] {err}", store.backend);
        assert!(err.contains("empty.csv:1: the file is empty"), "[{}] {err}", store.backend);
    }
}

#[test]
fn a_failed_import_says_what_it_counted() {
    for store in stores() {
        let _keep = load_registry(&store);
        // Three rows: two bad values and one good row.
        let (_d, path) = file(
            "obs.csv",
            "organisation,indicator,period,value\nE08000017,rereferrals_pct,2022,x\nE08000017,rereferrals_pct,2023,y\nE08000017,rereferrals_pct,2024,1\n",
        );
        let out = run(&store, &["import", "observations", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "[{}] {err}", store.backend);
        assert!(err.contains("nothing was imported: 2 errors in 3 rows;"), "[{}] {err}", store.backend);
    }
}

#[test]
fn an_unknown_organisation_names_its_column() {
    for store in stores() {
        let _keep = load_registry(&store);
        let (_d, obs) = file("obs.csv", "organisation,indicator,period,value\nE99999999,rereferrals_pct,2024,2\n");
        let out = run(&store, &["import", "observations", obs.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("obs.csv:2:1 (organisation): unknown organisation \"E99999999\""),
            "[{}] {err}",
            store.backend
        );
        // A link names two organisations: the error says which.
        let (_d2, links) =
            file("links.csv", "from,to,link_type,valid_from\nE08000017,E99999999,neighbour,2025-01-01\n");
        let out = run(&store, &["import", "links", links.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("links.csv:2:2 (to): unknown organisation \"E99999999\""), "[{}] {err}", store.backend);
    }
}

/// How many numbers in `value` are negative zero.
fn negative_zeros(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Number(n) => usize::from(n.as_f64().is_some_and(|x| x == 0.0 && x.is_sign_negative())),
        serde_json::Value::Array(items) => items.iter().map(negative_zeros).sum(),
        serde_json::Value::Object(fields) => fields.values().map(negative_zeros).sum(),
        _ => 0,
    }
}

#[test]
fn scores_are_never_negative_zero_in_json() {
    for store in stores() {
        let _keep = load(&store);
        let out = ok(&store, &["scan", "--format", "json"]);
        let scan: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        // Guard: the scan has a failure type with no evidence, whose score is zero.
        let zeros = scan["organisations"]
            .as_array()
            .expect("organisations")
            .iter()
            .flat_map(|o| o["risks"].as_array().into_iter().flatten())
            .filter(|r| r["score"].as_f64() == Some(0.0))
            .count();
        assert!(zeros > 0, "[{}] some score is zero: {out}", store.backend);
        assert_eq!(negative_zeros(&scan), 0, "[{}] no negative zero: {out}", store.backend);
    }
}

#[test]
fn a_scan_of_an_empty_store_says_there_is_nothing_to_scan_and_records_nothing() {
    for store in stores() {
        let b = store.backend;
        let out = run(&store, &["scan"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "[{b}] {err}");
        assert!(err.contains("holds no organisations, so there is nothing to scan"), "[{b}] {err}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("-9999"), "[{b}] no nonsense day");
        // Nothing was recorded: with a registry, the first recorded scan is scan 1.
        let _keep = load_registry(&store);
        let scan = ok(&store, &["scan", "--format", "json"]);
        assert!(scan.contains("\"scan_id\":1"), "[{b}] {}", &scan[..200.min(scan.len())]);
    }
}

#[test]
fn a_store_that_cannot_be_opened_is_named_once_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder").join("x.db");
    let out = failwell().arg("--database").arg(&missing).arg("status").output().expect("failwell runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("cannot open the store {}", missing.display())), "{err}");
    assert_eq!(err.matches("unable to open database file").count(), 1, "the reason once: {err}");
}

#[test]
fn cusum_without_a_threshold_names_both_ways_to_set_one() {
    let (_d, path) = file("cases.csv", "died,risk\n1,0.1\n0,0.1\n");
    let out = failwell().args(["cusum", path.to_str().unwrap(), "--outcome", "died", "--probability", "risk"]).output();
    let out = out.expect("failwell runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "a usage error: {err}");
    assert!(err.contains("--threshold <H>|--false-alarm <P>"), "{err}");
}
