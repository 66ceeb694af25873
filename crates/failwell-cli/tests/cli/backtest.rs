//! `failwell backtest` from the command line: its three formats on the scan tests' small
//! store (three ILACS judgements: 2019, 2022 and 2023), and a clear error when there is
//! nothing to backtest. `failwell calibrate` on the same store: a new regime version in a
//! file and in the store, which a scan then judges under.

use crate::scan::load;
use crate::support::*;
use serde_json::Value;

#[test]
fn backtest_writes_text_json_and_csv_with_the_same_cases() {
    for store in stores() {
        let _keep = load(&store);
        let json: Value = serde_json::from_str(&ok(&store, &["backtest", "--format", "json", "--resamples", "50"]))
            .expect("backtest --format json is JSON");
        let cases = json["cases"].as_array().expect("cases");
        assert_eq!(cases.len(), 3, "{json}");
        assert_eq!(json["scans"], 3);
        assert_eq!(json["evaluated_from_year"], 2020, "the year after the series' first");
        // Doncaster's 2023 Inadequate: evaluated, failing, previously Good (rank 2).
        let doncaster = cases.iter().find(|c| c["published_on"] == "2023-06-01").expect("the 2023 case");
        assert_eq!(doncaster["outcome"], "failing");
        assert_eq!(doncaster["evaluated"], true);
        assert_eq!(doncaster["previous_rank"], 2);
        assert_eq!(doncaster["scanned_as_of"], "2023-05-31");
        let names: Vec<&str> =
            json["figures"]["methods"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            ["risk score", "learned score", "recommendation", "previous grade below good", "previous grade inadequate"]
        );

        let csv = ok(&store, &["backtest", "--format", "csv", "--resamples", "50"]);
        let mut lines = csv.lines();
        assert!(lines.next().unwrap().starts_with("organisation,name,published_on,grade,outcome,"), "{csv}");
        assert_eq!(lines.count(), 3, "{csv}");

        let text = ok(&store, &["backtest", "--resamples", "50"]);
        assert!(text.starts_with("Backtest of ilacs judgements under england"), "{text}");
        assert!(text.contains("previous grade below good:"), "{text}");
        assert!(text.contains("Misses (failing, not flagged by the risk score)"), "{text}");
    }
}

#[test]
fn backtest_of_a_series_the_store_lacks_is_an_error() {
    for store in stores() {
        let _keep = load(&store);
        let out = run(&store, &["backtest", "--framework", "cqc_2014"]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no judgements of framework \"cqc_2014\""), "{err}");
        let out = run(&store, &["backtest", "--false-alarm-rate", "2"]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--false-alarm-rate must be between 0 and 1"));
    }
}

#[test]
fn calibrate_writes_a_new_regime_version_that_a_scan_applies() {
    for store in stores() {
        let b = store.backend;
        let _keep = load(&store);
        let out = run(&store, &["calibrate"]);
        assert!(!out.status.success(), "[{b}] nowhere to put it");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--output FILE, --add"), "[{b}]");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calibrated.toml");
        let text = ok(&store, &["calibrate", "--new-version", "2030.1", "--output", path.to_str().unwrap(), "--add"]);
        assert!(text.starts_with("[[learned_scores]]\nid = \"childrens_services_failing_ilacs\""), "[{b}] {text}");
        assert!(text.contains("fitted_to = 2023-06-01"), "[{b}] the last judgement, Doncaster's: {text}");
        assert!(text.contains("added regime england version 2030.1"), "[{b}] {text}");
        let check = ok(&store, &["regime", "check", path.to_str().unwrap()]);
        assert!(check.contains("ok — regime england version 2030.1"), "[{b}] {check}");
        assert!(ok(&store, &["regime", "list"]).contains("england 2030.1 added"), "[{b}]");
        // Added twice with the same text: nothing changes.
        let again = ok(&store, &["calibrate", "--new-version", "2030.1", "--add"]);
        assert!(again.contains("stored already with the same text"), "[{b}] {again}");

        let scan: Value = serde_json::from_str(&ok(
            &store,
            &["scan", "--regime-version", "2030.1", "--format", "json", "--as-of", "2024-01-01"],
        ))
        .unwrap();
        let learned: Vec<&Value> =
            scan["organisations"].as_array().unwrap().iter().filter_map(|o| o.get("learned")).collect();
        assert!(!learned.is_empty(), "[{b}] {scan}");
        for l in learned.iter().filter(|l| !l.is_null()) {
            assert_eq!(l["regime_version"], "2030.1", "[{b}]");
            let parts: f64 =
                l["contributions"].as_array().unwrap().iter().map(|c| c["contribution"].as_f64().unwrap()).sum();
            let sum = l["intercept"].as_f64().unwrap() + parts;
            assert!((sum - l["log_odds"].as_f64().unwrap()).abs() < 1e-9, "[{b}] {l}");
        }
        assert!(learned.iter().any(|l| !l.is_null()), "[{b}] some council is scored: {scan}");
    }
}
